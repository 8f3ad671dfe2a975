/*
 * Notifications of the real bitsd: TRANSFERRED/ERROR events re-sent after a
 * failed callback (also across a kill of bitsd), and notify command lines
 * (run through a fake 'wine' on bitsd's PATH): for TRANSFERRED and ERROR
 * only, only when no callback took the event, run again after a non-zero
 * exit, every launch logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "survive_util.h"

/* Records "<job guid> <program> <word after the CLSID>" per launch (the
 * notification CLSID helper is run as `bitsnotify.exe {job} {clsid}
 * <event>`); fails once for a job with a marker file: fail-<guid> for any
 * launch, fail-clsid-<guid> for the CLSID helper only (the marker is gone
 * before the launch is recorded). */
static const char fake_wine[] =
    "#!/bin/sh\n"
    "rc=0\n"
    "if [ -e \"$WINEPREFIX/fail-$2\" ]; then rm -f \"$WINEPREFIX/fail-$2\"; rc=1; fi\n"
    "case \"$1\" in *bitsnotify.exe)\n"
    "  if [ -e \"$WINEPREFIX/fail-clsid-$2\" ]; then rm -f \"$WINEPREFIX/fail-clsid-$2\"; rc=1; fi;;\n"
    "esac\n"
    "printf '%s %s %s\\n' \"$2\" \"$1\" \"$4\" >> \"$WINEPREFIX/runs.log\"\n"
    "exit $rc\n";

static int setup(void **state)
{
    static char helper_env[600];
    const char *env[] = { helper_env, NULL };
    int fd;

    sv_setup("notify");
    sv_fake_wine(fake_wine);
    /* bitsd only checks that the CLSID helper exists; the fake wine runs it */
    fd = open(sv_path("bitsnotify.exe"), O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    snprintf(helper_env, sizeof(helper_env), "BITSD_NOTIFY_HELPER=%s", sv_path("bitsnotify.exe"));
    assert_int_equal(sv_start_daemon(env), 0);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    return 0;
}

static int teardown(void **state)
{
    return sv_teardown();
}

/* An upload-reply job of a small file, MinimumRetryDelay 5 s. */
static void make_job(struct ipc_client *c, const char *name, const char *path_kind,
                     uint8_t id[16], char guid[39])
{
    char url[256], win[256];

    if (!strcmp(path_kind, "missing"))
        snprintf(url, sizeof(url), "%s/nowhere/%s", sv.srv.url, name);
    else
        snprintf(url, sizeof(url), "%s/reply/digest/%s", sv.srv.url, name);
    snprintf(win, sizeof(win), "C:\\%s", name);
    sv_make_file(sv_path(name), 4096, 7);
    assert_int_equal(sv_create_job(c, name, BP_JOB_UPLOAD_REPLY, id), S_OK);
    assert_int_equal(sv_add_file(c, id, url, win, sv_path(name)), S_OK);
    assert_int_equal(sv_set_u32(c, id, BP_PROP_MIN_RETRY_DELAY, 5), S_OK);
    bp_guid_format(id, guid);
}

static void set_cmdline(struct ipc_client *c, const uint8_t id[16], const char *guid)
{
    char params[128];

    snprintf(params, sizeof(params), "notify.exe %s", guid);
    assert_int_equal(sv_set_strs(c, id, BP_PROP_NOTIFY_CMDLINE, "C:\\notify.exe", params), S_OK);
}

/* Launches recorded for 'guid'. */
static int runs_of(const char *guid)
{
    char line[256];
    int n = 0;
    FILE *f = fopen(sv_path("runs.log"), "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, guid, strlen(guid)))
            n++;
    fclose(f);
    return n;
}

/* Launches recorded for 'guid' whose line also contains 'needle'. */
static int runs_with(const char *guid, const char *needle)
{
    char line[512];
    int n = 0;
    FILE *f = fopen(sv_path("runs.log"), "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, guid, strlen(guid)) && strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

static int wait_runs_with(const char *guid, const char *needle, int want, int seconds)
{
    int i;

    for (i = 0; i < seconds * 20 && runs_with(guid, needle) < want; i++)
        sv_sleep_ms(50);
    return runs_with(guid, needle);
}

static const uint8_t test_clsid[16] = {
    0x5a, 0x1e, 0x0c, 0x1d, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd
};

static void set_clsid(struct ipc_client *c, const uint8_t id[16])
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(c, BP_JOB_SET);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, BP_PROP_JOB5);
    bp_put_u32(&c->req, BP_JOB5_NOTIFICATION_CLSID);
    bp_put_guid(&c->req, test_clsid);
    assert_int_equal(ipc_call(c, &r, &hr), 0);
    assert_int_equal(hr, S_OK);
}

static void make_marker(const char *prefix, const char *guid)
{
    char name[128];
    int fd;

    snprintf(name, sizeof(name), "%s%s", prefix, guid);
    fd = open(sv_path(name), O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
}

static int wait_runs(const char *guid, int want, int seconds)
{
    int i;

    for (i = 0; i < seconds * 20 && runs_of(guid) < want; i++)
        sv_sleep_ms(50);
    return runs_of(guid);
}

static void subscribe(struct ipc_client *ev, const uint8_t id[16])
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(ev, BP_SUBSCRIBE);
    bp_put_guid(&ev->req, id);
    bp_put_u32(&ev->req, 1);
    assert_int_equal(ipc_call(ev, &r, &hr), 0);
    assert_int_equal(hr, S_OK);
}

static void answer(struct ipc_client *ev, const uint8_t id[16], uint32_t event, int32_t result)
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(ev, BP_EVENT_RESULT);
    bp_put_guid(&ev->req, id);
    bp_put_u32(&ev->req, event);
    bp_put_i32(&ev->req, result);
    assert_int_equal(ipc_call(ev, &r, &hr), 0);
    assert_int_equal(hr, S_OK);
}

/* Waits for the next state event of 'id' (modification events are skipped);
 * returns it, or 0 on timeout. */
static uint32_t next_state_event(struct ipc_client *ev, const uint8_t id[16], int ms)
{
    struct ipc_event e;

    while (ipc_wait_event(ev, ms, &e) == 1) {
        if (memcmp(e.job, id, 16))
            continue;
        if (e.event == BP_EVENT_TRANSFERRED || e.event == BP_EVENT_ERROR)
            return e.event;
    }
    return 0;
}

static void test_event_redelivered_after_failure(void **state)
{
    struct ipc_client c, ev;
    uint8_t id[16];
    char guid[39];

    sv_connect(&c, 0);
    sv_connect(&ev, BP_HELLO_EVENTS);
    make_job(&c, "ev.bin", "reply", id, guid);
    subscribe(&ev, id);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(next_state_event(&ev, id, 30000), BP_EVENT_TRANSFERRED);

    /* the callback failed: the event comes again, not before MinimumRetryDelay */
    answer(&ev, id, BP_EVENT_TRANSFERRED, E_FAIL);
    assert_int_equal(next_state_event(&ev, id, 2000), 0);
    assert_int_equal(next_state_event(&ev, id, 20000), BP_EVENT_TRANSFERRED);

    /* it failed again, and bitsd is killed: the pending event survives */
    answer(&ev, id, BP_EVENT_TRANSFERRED, BP_HR(0x800706BA));
    ipc_close(&ev);
    ipc_close(&c);
    sv_stop_daemon(SIGKILL);
    assert_int_equal(sv_start_daemon(NULL), 0);
    sv_connect(&c, 0);
    sv_connect(&ev, BP_HELLO_EVENTS);
    subscribe(&ev, id);
    assert_int_equal(next_state_event(&ev, id, 10000), BP_EVENT_TRANSFERRED);

    /* taken: never sent again */
    answer(&ev, id, BP_EVENT_TRANSFERRED, S_OK);
    assert_int_equal(next_state_event(&ev, id, 6500), 0);
    assert_int_equal(runs_of(guid), 0);
    ipc_close(&ev);
    ipc_close(&c);
}

static void test_cmdline_rerun_after_failure(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char guid[39], marker[128];
    int fd;

    sv_connect(&c, 0);
    make_job(&c, "rerun.bin", "reply", id, guid);
    set_cmdline(&c, id, guid);
    snprintf(marker, sizeof(marker), "fail-%s", guid);
    fd = open(sv_path(marker), O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);

    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    /* first run exits 1, the second (after MinimumRetryDelay) exits 0 */
    assert_int_equal(wait_runs(guid, 1, 10), 1);
    assert_int_equal(access(sv_path(marker), F_OK), -1);
    sv_sleep_ms(2000);
    assert_int_equal(runs_of(guid), 1);
    assert_int_equal(wait_runs(guid, 2, 20), 2);
    /* success: no third run */
    sv_sleep_ms(6500);
    assert_int_equal(runs_of(guid), 2);
    assert_int_equal(sv_count_in_log("running notify command line"), 2);
    assert_int_equal(sv_count_in_log("notify command line failed"), 1);
    assert_int_equal(sv_count_in_log("notify command line succeeded"), 1);
    ipc_close(&c);
}

static void test_cmdline_for_transferred_and_error_only(void **state)
{
    struct ipc_client c;
    uint8_t ok_id[16], err_id[16], quiet_id[16];
    char ok_guid[39], err_guid[39], quiet_guid[39];

    sv_connect(&c, 0);
    /* every notification wanted, modifications too: the command line is
     * still only for TRANSFERRED */
    make_job(&c, "ok.bin", "reply", ok_id, ok_guid);
    set_cmdline(&c, ok_id, ok_guid);
    assert_int_equal(sv_set_u32(&c, ok_id, BP_PROP_NOTIFY_FLAGS, 0x1F & ~BP_NOTIFY_DISABLE), S_OK);
    /* an upload to a URL the server does not know: ERROR */
    make_job(&c, "err.bin", "missing", err_id, err_guid);
    set_cmdline(&c, err_id, err_guid);
    /* only ERROR wanted: nothing for TRANSFERRED */
    make_job(&c, "quiet.bin", "reply", quiet_id, quiet_guid);
    set_cmdline(&c, quiet_id, quiet_guid);
    assert_int_equal(sv_set_u32(&c, quiet_id, BP_PROP_NOTIFY_FLAGS, BP_NOTIFY_JOB_ERROR), S_OK);

    assert_int_equal(sv_action(&c, ok_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, err_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, quiet_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, ok_id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    assert_int_equal(sv_wait_state(&c, err_id, BP_STATE_ERROR, 30), BP_STATE_ERROR);
    assert_int_equal(sv_wait_state(&c, quiet_id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    assert_int_equal(wait_runs(ok_guid, 1, 10), 1);
    assert_int_equal(wait_runs(err_guid, 1, 10), 1);
    sv_sleep_ms(1500);
    assert_int_equal(runs_of(ok_guid), 1);
    assert_int_equal(runs_of(err_guid), 1);
    assert_int_equal(runs_of(quiet_guid), 0);
    assert_int_equal(sv_count_in_log("running notify command line"), 2);
    ipc_close(&c);
}

static void test_cmdline_only_without_callback(void **state)
{
    struct ipc_client c, ev;
    uint8_t taken_id[16], failed_id[16];
    char taken_guid[39], failed_guid[39];

    sv_connect(&c, 0);
    sv_connect(&ev, BP_HELLO_EVENTS);
    make_job(&c, "taken.bin", "reply", taken_id, taken_guid);
    set_cmdline(&c, taken_id, taken_guid);
    make_job(&c, "failed.bin", "reply", failed_id, failed_guid);
    set_cmdline(&c, failed_id, failed_guid);
    subscribe(&ev, taken_id);
    subscribe(&ev, failed_id);

    /* the callback takes the event: no command line */
    assert_int_equal(sv_action(&c, taken_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(next_state_event(&ev, taken_id, 30000), BP_EVENT_TRANSFERRED);
    answer(&ev, taken_id, BP_EVENT_TRANSFERRED, S_OK);

    /* the callback fails: the command line runs instead */
    assert_int_equal(sv_action(&c, failed_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(next_state_event(&ev, failed_id, 30000), BP_EVENT_TRANSFERRED);
    answer(&ev, failed_id, BP_EVENT_TRANSFERRED, E_FAIL);
    assert_int_equal(wait_runs(failed_guid, 1, 10), 1);
    sv_sleep_ms(1500);
    assert_int_equal(runs_of(taken_guid), 0);
    assert_int_equal(runs_of(failed_guid), 1);
    ipc_close(&ev);
    ipc_close(&c);
}

/* Without a callback the notification CLSID comes before the command line;
 * a callback that takes the event leaves both alone; a failed CLSID hands
 * the event to the command line at once. */
static void test_clsid_route_order(void **state)
{
    struct ipc_client c, ev;
    uint8_t plain_id[16], failing_id[16], taken_id[16], refused_id[16];
    char plain_guid[39], failing_guid[39], taken_guid[39], refused_guid[39];

    sv_connect(&c, 0);
    sv_connect(&ev, BP_HELLO_EVENTS);
    make_job(&c, "plain.bin", "reply", plain_id, plain_guid);
    make_job(&c, "failing.bin", "reply", failing_id, failing_guid);
    make_job(&c, "taken.bin", "reply", taken_id, taken_guid);
    make_job(&c, "refused.bin", "reply", refused_id, refused_guid);
    set_clsid(&c, plain_id);
    set_cmdline(&c, plain_id, plain_guid);
    set_clsid(&c, failing_id);
    set_cmdline(&c, failing_id, failing_guid);
    make_marker("fail-clsid-", failing_guid);
    set_clsid(&c, taken_id);
    set_clsid(&c, refused_id);
    subscribe(&ev, taken_id);
    subscribe(&ev, refused_id);

    assert_int_equal(sv_action(&c, plain_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, failing_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, taken_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, refused_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(next_state_event(&ev, taken_id, 30000), BP_EVENT_TRANSFERRED);
    answer(&ev, taken_id, BP_EVENT_TRANSFERRED, S_OK);
    assert_int_equal(next_state_event(&ev, refused_id, 30000), BP_EVENT_TRANSFERRED);
    answer(&ev, refused_id, BP_EVENT_TRANSFERRED, E_FAIL);

    assert_int_equal(wait_runs_with(plain_guid, "bitsnotify.exe transferred", 1, 30), 1);
    assert_int_equal(wait_runs_with(failing_guid, "notify.exe", 2, 30), 2);
    assert_int_equal(wait_runs_with(refused_guid, "bitsnotify.exe transferred", 1, 30), 1);
    sv_sleep_ms(1500);
    /* the CLSID took plain's event: its command line never ran */
    assert_int_equal(runs_of(plain_guid), 1);
    /* failing: the CLSID first, then the command line */
    assert_int_equal(runs_with(failing_guid, "bitsnotify.exe"), 1);
    assert_int_equal(runs_of(failing_guid), 2);
    assert_int_equal(runs_of(taken_guid), 0);
    assert_int_equal(runs_of(refused_guid), 1);
    assert_true(sv_count_in_log("activating notification CLSID {1D0C1E5A-3322-5544-6677-8899AABBCCDD}") >= 3);
    assert_int_equal(sv_count_in_log("notification CLSID failed"), 1);
    ipc_close(&ev);
    ipc_close(&c);
}

/* A failed activation or callback is tried again after MinimumRetryDelay,
 * for ERROR as for TRANSFERRED; success ends it. */
static void test_clsid_retried_after_failure(void **state)
{
    struct ipc_client c;
    uint8_t id[16], err_id[16];
    char guid[39], err_guid[39];

    sv_connect(&c, 0);
    make_job(&c, "again.bin", "reply", id, guid);
    set_clsid(&c, id);
    make_marker("fail-clsid-", guid);
    make_job(&c, "gone.bin", "missing", err_id, err_guid);
    set_clsid(&c, err_id);

    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, err_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    assert_int_equal(sv_wait_state(&c, err_id, BP_STATE_ERROR, 30), BP_STATE_ERROR);
    assert_int_equal(wait_runs_with(err_guid, "bitsnotify.exe error", 1, 10), 1);
    assert_int_equal(wait_runs(guid, 1, 10), 1);
    sv_sleep_ms(2000);
    assert_int_equal(runs_of(guid), 1);
    assert_int_equal(wait_runs_with(guid, "bitsnotify.exe transferred", 2, 20), 2);
    sv_sleep_ms(6500);
    assert_int_equal(runs_of(guid), 2);
    assert_int_equal(runs_of(err_guid), 1);
    ipc_close(&c);
}

/* JobModification and FileTransferred reach the CLSID when nobody listens. */
static void test_clsid_other_events(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char guid[39];

    sv_connect(&c, 0);
    make_job(&c, "every.bin", "reply", id, guid);
    set_clsid(&c, id);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_NOTIFY_FLAGS, BP_NOTIFY_VALID_FLAGS &
                                ~BP_NOTIFY_DISABLE), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    assert_int_equal(wait_runs_with(guid, "bitsnotify.exe transferred", 1, 10), 1);
    assert_int_equal(wait_runs_with(guid, "bitsnotify.exe file", 1, 10), 1);
    assert_true(wait_runs_with(guid, "bitsnotify.exe modification", 1, 10) >= 1);
    ipc_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_event_redelivered_after_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmdline_rerun_after_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cmdline_for_transferred_and_error_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cmdline_only_without_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clsid_route_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clsid_retried_after_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clsid_other_events, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
