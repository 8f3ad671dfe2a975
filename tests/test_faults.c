/*
 * Jobs that survive anything: the real bitsd, the real engine and the real
 * bits-server, with bitsd killed (SIGKILL) at many points of uploads,
 * upload-reply and downloads, then restarted.  After every restart the job
 * must still be there with its properties; in the end every job must be
 * TRANSFERRED, the server must hold each upload byte-identical and
 * delivered by exactly one session, replies and downloads must be exact,
 * and Complete (killed too) must leave the right files.
 *
 * The server is slowed down on purpose (throttle_kbps, delay_*_ms,
 * max_fragment) so kills land inside transfers, and some kills are aimed
 * at protocol points by watching the server's counters.
 *
 *   test_faults            all groups
 *   test_faults kill       kill points only (prints "kill_points N lost M")
 *   test_faults retry      retry policy and JobInactivityTimeout
 */
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "survive_util.h"

static int kill_points, lost;

/* Something that was acknowledged and is not there any more. */
#define LOSS(...) do { lost++; print_message("LOST: " __VA_ARGS__); } while (0)

/* ---- jobs under test ---- */

struct tracked {
    const char *name;           /* file name and display name */
    uint32_t type;
    uint32_t priority;
    uint8_t id[16];
    char url[256];
    char win[300];
    char unx[4200];
    char digest[65];            /* SHA-256 of the upload source / the remote file */
    size_t size;
    const char *producer;       /* upload-reply: bits-server producer */
    size_t reply_size;          /* bytes/N producer: N */
    char reply_win[300];
    char reply_unx[4300];
    int transferred;
};

static const char notify_program[] = "C:\\windows\\notify.exe";

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void setup_job(struct ipc_client *c, struct tracked *t)
{
    char desc[128];

    snprintf(t->win, sizeof(t->win), "C:\\data\\%s", t->name);
    snprintf(t->unx, sizeof(t->unx), "%s", sv_path(t->name));
    if (t->type == BP_JOB_DOWNLOAD) {
        char remote[4200];

        snprintf(remote, sizeof(remote), "%s/files/%s", sv.srv.root, t->name);
        sv_make_file(remote, t->size, 3);
        sv_sha256(remote, t->digest);
        snprintf(t->url, sizeof(t->url), "%s/files/%s", sv.srv.url, t->name);
    } else {
        sv_make_file(t->unx, t->size, 5);
        sv_sha256(t->unx, t->digest);
        if (t->type == BP_JOB_UPLOAD)
            snprintf(t->url, sizeof(t->url), "%s/upload/%s", sv.srv.url, t->name);
        else
            snprintf(t->url, sizeof(t->url), "%s/reply/%s/%s", sv.srv.url, t->producer, t->name);
    }
    assert_int_equal(sv_create_job(c, t->name, t->type, t->id), S_OK);
    assert_int_equal(sv_add_file(c, t->id, t->url, t->win, t->unx), S_OK);
    snprintf(desc, sizeof(desc), "survives kills: %s", t->name);
    assert_int_equal(sv_set_strs(c, t->id, BP_PROP_DESCRIPTION, desc, NULL), S_OK);
    assert_int_equal(sv_set_u32(c, t->id, BP_PROP_PRIORITY, t->priority), S_OK);
    assert_int_equal(sv_set_u32(c, t->id, BP_PROP_MIN_RETRY_DELAY, 5), S_OK);
    assert_int_equal(sv_set_u32(c, t->id, BP_PROP_NO_PROGRESS_TIMEOUT, 3600), S_OK);
    assert_int_equal(sv_set_strs(c, t->id, BP_PROP_NOTIFY_CMDLINE, notify_program,
                                 "notify.exe done"), S_OK);
    if (t->type == BP_JOB_UPLOAD_REPLY) {
        snprintf(t->reply_win, sizeof(t->reply_win), "C:\\data\\%s.reply", t->name);
        snprintf(t->reply_unx, sizeof(t->reply_unx), "%s.reply", t->unx);
        assert_int_equal(sv_set_strs(c, t->id, BP_PROP_REPLY_FILE_NAME, t->reply_win,
                                     t->reply_unx), S_OK);
    }
}

/* The job is there with everything that was set on it; returns its state
 * (99 when it is gone). */
static uint32_t verify_job(struct ipc_client *c, struct tracked *t)
{
    struct bp_job_info info;
    char desc[128];
    uint32_t state;

    if (sv_get_job(c, t->id) != S_OK) {
        LOSS("job %s is gone\n", t->name);
        return 99;
    }
    assert_int_equal(sv_info(c, t->id, &info), S_OK);
    snprintf(desc, sizeof(desc), "survives kills: %s", t->name);
    if (strcmp(info.display_name, t->name) || !info.description || strcmp(info.description, desc)
        || info.type != t->type || info.priority != t->priority || info.min_retry_delay != 5
        || info.no_progress_timeout != 3600 || info.file_count != 1
        || strcmp(info.files[0].remote_name, t->url) || strcmp(info.files[0].local_name, t->win)
        || !info.notify_program || strcmp(info.notify_program, notify_program)
        || (t->type == BP_JOB_UPLOAD_REPLY
            && (!info.reply_file_name || strcmp(info.reply_file_name, t->reply_win))))
        LOSS("job %s lost properties\n", t->name);
    if (info.state == BP_STATE_ERROR || info.state == BP_STATE_CANCELLED
        || info.state == BP_STATE_ACKNOWLEDGED)
        LOSS("job %s in state %u (error 0x%08x context %u)\n", t->name, info.state,
             (unsigned)info.error_code, info.error_context);
    if (info.bytes_total != BP_SIZE_UNKNOWN && info.bytes_total != t->size)
        LOSS("job %s: bytes_total %llu\n", t->name, (unsigned long long)info.bytes_total);
    state = info.state;
    bp_job_info_free(&info);
    return state;
}

static void kill_daemon(const char *where)
{
    sv_stop_daemon(SIGKILL);
    kill_points++;
    if (getenv("SURVIVE_VERBOSE"))
        print_message("kill %d: %s\n", kill_points, where);
}

static void kill_restart(const char *where)
{
    kill_daemon(where);
    assert_int_equal(sv_start_daemon(NULL), 0);
}

/* ---- kill triggers ---- */

enum { T_TIME, T_STAT };

struct trigger {
    int kind;
    const char *key;            /* T_STAT: server counter */
    long long delta;            /* T_STAT: wait until it grew this much */
    int ms;                     /* T_TIME: delay; T_STAT: delay after the counter moved */
    const char *label;
};

static long long stat_of(const char *key)
{
    long long v = bits_server_stat(&sv.srv, key);

    return v < 0 ? 0 : v;
}

static uint32_t state_of(struct ipc_client *c, const uint8_t id[16])
{
    struct bp_job_info info;
    uint32_t s;

    if (sv_info(c, id, &info) != S_OK)
        return 99;
    s = info.state;
    bp_job_info_free(&info);
    return s;
}

static int all_transferred(struct ipc_client *c, struct tracked **jobs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (state_of(c, jobs[i]->id) != BP_STATE_TRANSFERRED)
            return 0;
    return 1;
}

/* The counter a trigger watches, read while bitsd cannot move it (before
 * Resume, or between kill and restart). */
static long long trigger_base(const struct trigger *tr)
{
    return tr->kind == T_STAT ? stat_of(tr->key) : 0;
}

/* Waits for the trigger; 1 = kill now, 0 = the jobs finished first or the
 * trigger never came (5 s). */
static int wait_trigger(struct ipc_client *c, struct tracked **jobs, size_t n,
                        const struct trigger *tr, long long base)
{
    int64_t deadline = now_ms() + 5000;

    if (tr->kind == T_TIME) {
        sv_sleep_ms(tr->ms);
        return 1;
    }
    while (stat_of(tr->key) < base + tr->delta) {
        if (now_ms() > deadline || all_transferred(c, jobs, n))
            return 0;
        sv_sleep_ms(2);
    }
    if (tr->ms)
        sv_sleep_ms(tr->ms);
    return 1;
}

/* Resumes the jobs and kills bitsd at each trigger in turn, checking the
 * jobs after every restart; then lets them finish. */
static void run_with_kills(struct tracked **jobs, size_t n, const struct trigger *trig,
                           size_t ntrig)
{
    struct ipc_client c;
    size_t i, j;
    int killed = 0;

    long long base = ntrig ? trigger_base(&trig[0]) : 0;

    sv_connect(&c, 0);
    for (j = 0; j < n; j++)
        assert_int_equal(sv_action(&c, jobs[j]->id, BP_ACTION_RESUME), S_OK);
    for (i = 0; i < ntrig; i++) {
        if (all_transferred(&c, jobs, n))
            break;
        if (!wait_trigger(&c, jobs, n, &trig[i], base)) {
            if (getenv("SURVIVE_VERBOSE"))
                print_message("trigger missed: %s\n", trig[i].label);
            if (i + 1 < ntrig)
                base = trigger_base(&trig[i + 1]);
            continue;
        }
        ipc_close(&c);
        kill_daemon(trig[i].label);
        if (i + 1 < ntrig)
            base = trigger_base(&trig[i + 1]);
        assert_int_equal(sv_start_daemon(NULL), 0);
        killed++;
        sv_connect(&c, 0);
        for (j = 0; j < n; j++)
            verify_job(&c, jobs[j]);
    }
    for (j = 0; j < n; j++) {
        uint32_t s = sv_wait_state(&c, jobs[j]->id, BP_STATE_TRANSFERRED, 90);
        if (s != BP_STATE_TRANSFERRED)
            LOSS("job %s never transferred (state %u)\n", jobs[j]->name, s);
        else
            jobs[j]->transferred = 1;
    }
    print_message("%s: %d kill points\n", jobs[0]->name, killed);
    ipc_close(&c);
}

/* ---- checks of what arrived ---- */

static void check_delivered_once(struct tracked *t)
{
    char key[4400], hex[65];
    long long n;

    snprintf(key, sizeof(key), "completed/%s", t->name);
    n = bits_server_stat(&sv.srv, key);
    if (n != 1)
        LOSS("%s delivered %lld times\n", t->name, n);
    if (t->type == BP_JOB_UPLOAD) {
        snprintf(key, sizeof(key), "stored/%s", t->name);
        n = bits_server_stat(&sv.srv, key);
        if (n != 1)
            LOSS("%s stored by Close-Session %lld times\n", t->name, n);
    }
    snprintf(key, sizeof(key), "%s/uploads/%s", sv.srv.root, t->name);
    sv_sha256(key, hex);
    if (strcmp(hex, t->digest))
        LOSS("%s arrived different (%s)\n", t->name, hex);
}

static char *expected_reply(const struct tracked *t, size_t *len)
{
    char *r;
    size_t i;

    if (!strcmp(t->producer, "digest")) {
        *len = 64;
        return strdup(t->digest);
    }
    *len = t->reply_size;
    r = malloc(*len + 1);
    assert_non_null(r);
    for (i = 0; i < *len; i++)
        r[i] = (char)(uint8_t)(i % 251);
    return r;
}

static void check_reply_data(struct ipc_client *c, struct tracked *t)
{
    size_t want_len;
    char *want = expected_reply(t, &want_len), *got;
    uint64_t len;
    int32_t hr = sv_reply_data(c, t->id, &got, &len);

    if (hr != S_OK || len != want_len || !got || memcmp(got, want, want_len))
        LOSS("%s: reply data wrong (hr 0x%08x, %llu bytes)\n", t->name, (unsigned)hr,
             (unsigned long long)len);
    free(got);
    free(want);
}

/* Complete, with bitsd killed 'ms' after the request went out. */
static void complete_with_kill(struct tracked *t, int ms)
{
    struct ipc_client c;
    uint32_t s;
    char hex[65];

    sv_connect(&c, 0);
    ipc_begin(&c, BP_JOB_ACTION);
    bp_put_guid(&c.req, t->id);
    bp_put_u32(&c.req, BP_ACTION_COMPLETE);
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    if (ms)
        sv_sleep_ms(ms);
    ipc_close(&c);
    kill_restart("during Complete");
    sv_connect(&c, 0);
    s = state_of(&c, t->id);
    if (s == BP_STATE_TRANSFERRED) {
        if (sv_action(&c, t->id, BP_ACTION_COMPLETE) != S_OK)
            LOSS("%s: Complete after restart failed\n", t->name);
    } else if (s != BP_STATE_ACKNOWLEDGED) {
        LOSS("%s: state %u after a kill during Complete\n", t->name, s);
    }
    if (t->type == BP_JOB_DOWNLOAD) {
        sv_sha256(t->unx, hex);
        if (strcmp(hex, t->digest))
            LOSS("%s: downloaded file differs\n", t->name);
    } else if (t->type == BP_JOB_UPLOAD_REPLY) {
        size_t want_len;
        char *want = expected_reply(t, &want_len);

        if (!sv_file_contains(t->reply_unx, want, want_len))
            LOSS("%s: reply file wrong after Complete\n", t->name);
        free(want);
    }
    /* the upload source is never written */
    if (t->type != BP_JOB_DOWNLOAD) {
        sv_sha256(t->unx, hex);
        if (strcmp(hex, t->digest))
            LOSS("%s: upload source changed\n", t->name);
    }
    ipc_close(&c);
}

/* ---- the kill-point test ---- */

static const char record_wine[] =
    "#!/bin/sh\n"
    "echo \"$*\" >> \"$WINEPREFIX/notified.log\"\n"
    "exit 0\n";

static int setup_kill(void **state)
{
    sv_setup("faults");
    sv_fake_wine(record_wine);
    assert_int_equal(sv_start_daemon(NULL), 0);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    kill_points = lost = 0;
    return 0;
}

static int teardown_any(void **state)
{
    return sv_teardown();
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_kill_points(void **state)
{
    static const struct trigger upload_trig[] = {
        { T_STAT, "sessions_created", 1, 0, "right after Create-Session" },
        { T_STAT, "fragment_bytes", 1, 0, "first fragment bytes stored" },
        { T_TIME, NULL, 0, 20, "20 ms" },
        { T_TIME, NULL, 0, 45, "45 ms" },
        { T_STAT, "fragment_bytes", 300000, 20, "mid-fragment, Ack held" },
        { T_TIME, NULL, 0, 80, "80 ms" },
        { T_TIME, NULL, 0, 120, "120 ms" },
        { T_TIME, NULL, 0, 170, "170 ms" },
        { T_STAT, "completed/up.bin", 1, 60, "during Close-Session (held)" },
    };
    static const struct trigger reply_trig[] = {
        { T_STAT, "sessions_created", 1, 60, "Create-Session made, Ack held" },
        { T_STAT, "sessions_created", 1, 240, "right after Create-Session Ack" },
        { T_STAT, "fragment_bytes", 1, 0, "first fragment bytes stored" },
        { T_TIME, NULL, 0, 30, "30 ms" },
        { T_STAT, "fragment_bytes", 200000, 40, "mid-fragment, Ack held" },
        { T_TIME, NULL, 0, 100, "100 ms" },
        { T_TIME, NULL, 0, 160, "160 ms" },
        { T_STAT, "completed/ur.bin", 1, 100, "final fragment stored, final Ack held" },
        { T_STAT, "replies_produced", 1, 0, "right after the final Ack, before the reply" },
        { T_STAT, "replies_served", 1, 40, "reply fetched, during Close-Session (held)" },
    };
    static const struct trigger bigreply_trig[] = {
        { T_STAT, "replies_produced", 1, 0, "final Ack, reply not yet fetched" },
        { T_TIME, NULL, 0, 60, "mid-reply 60 ms" },
        { T_TIME, NULL, 0, 120, "mid-reply 120 ms" },
        { T_TIME, NULL, 0, 200, "mid-reply 200 ms" },
        { T_TIME, NULL, 0, 280, "mid-reply 280 ms" },
    };
    static const struct trigger download_trig[] = {
        { T_TIME, NULL, 0, 0, "0 ms" },
        { T_TIME, NULL, 0, 15, "15 ms" },
        { T_TIME, NULL, 0, 40, "40 ms" },
        { T_TIME, NULL, 0, 80, "80 ms" },
        { T_TIME, NULL, 0, 130, "130 ms" },
        { T_TIME, NULL, 0, 200, "200 ms" },
        { T_TIME, NULL, 0, 300, "300 ms" },
    };
    struct trigger sweep[40];
    struct tracked up = { .name = "up.bin", .type = BP_JOB_UPLOAD, .size = 3 * 1024 * 1024 + 11,
                          .priority = BP_PRIORITY_HIGH };
    struct tracked ur = { .name = "ur.bin", .type = BP_JOB_UPLOAD_REPLY, .size = 2 * 1024 * 1024 + 5,
                          .producer = "digest", .priority = BP_PRIORITY_HIGH };
    struct tracked br = { .name = "br.bin", .type = BP_JOB_UPLOAD_REPLY, .size = 100 * 1024 + 1,
                          .producer = "bytes/786432", .reply_size = 786432,
                          .priority = BP_PRIORITY_NORMAL };
    struct tracked dl = { .name = "dl.bin", .type = BP_JOB_DOWNLOAD, .size = 2 * 1024 * 1024 + 3,
                          .priority = BP_PRIORITY_LOW };
    struct tracked s1 = { .name = "s-up.bin", .type = BP_JOB_UPLOAD, .size = 1024 * 1024 + 7,
                          .priority = BP_PRIORITY_FOREGROUND };
    struct tracked s2 = { .name = "s-ur.bin", .type = BP_JOB_UPLOAD_REPLY, .size = 1024 * 1024 + 9,
                          .producer = "digest", .priority = BP_PRIORITY_FOREGROUND };
    struct tracked s3 = { .name = "s-dl.bin", .type = BP_JOB_DOWNLOAD, .size = 1024 * 1024 + 13,
                          .priority = BP_PRIORITY_FOREGROUND };
    struct tracked *all[] = { &up, &ur, &br, &dl, &s1, &s2, &s3 };
    struct tracked *one[1], *trio[] = { &s1, &s2, &s3 };
    struct ipc_client c;
    size_t i;

    sv_connect(&c, 0);
    for (i = 0; i < N(all); i++)
        setup_job(&c, all[i]);
    ipc_close(&c);

    /* plain upload: small fragments, each stored slowly and its Ack held */
    assert_int_equal(bits_server_control(&sv.srv, "max_fragment=262144&throttle_kbps=4096"
                                         "&delay_fragment_ms=30&delay_close_ms=300"), 0);
    one[0] = &up;
    run_with_kills(one, 1, upload_trig, N(upload_trig));

    /* upload-reply: Create-Session, fragments, final Ack and Close held */
    assert_int_equal(bits_server_control(&sv.srv, "delay_create_ms=200&delay_final_ack_ms=300"), 0);
    one[0] = &ur;
    run_with_kills(one, 1, reply_trig, N(reply_trig));

    /* upload-reply with a large reply: kills while the reply comes down */
    assert_int_equal(bits_server_control(&sv.srv, "reset=1&throttle_kbps=2048"), 0);
    one[0] = &br;
    run_with_kills(one, 1, bigreply_trig, N(bigreply_trig));

    /* download */
    assert_int_equal(bits_server_control(&sv.srv, "reset=1&throttle_kbps=4096"), 0);
    one[0] = &dl;
    run_with_kills(one, 1, download_trig, N(download_trig));

    /* three foreground jobs at once, killed at a sweep of times */
    assert_int_equal(bits_server_control(&sv.srv, "max_fragment=262144&delay_fragment_ms=10"), 0);
    for (i = 0; i < N(sweep); i++) {
        sweep[i].kind = T_TIME;
        sweep[i].ms = 5 + (int)i * 12;
        sweep[i].label = "sweep";
    }
    run_with_kills(trio, N(trio), sweep, N(sweep));
    assert_int_equal(bits_server_control(&sv.srv, "reset=1"), 0);

    /* what arrived, after all those kills (and with every job still there) */
    sv_connect(&c, 0);
    for (i = 0; i < N(all); i++)
        verify_job(&c, all[i]);
    check_delivered_once(&up);
    check_delivered_once(&ur);
    check_delivered_once(&br);
    check_delivered_once(&s1);
    check_delivered_once(&s2);
    check_reply_data(&c, &ur);
    check_reply_data(&c, &br);
    check_reply_data(&c, &s2);
    ipc_close(&c);

    /* Complete, killed at once and a little later */
    for (i = 0; i < N(all); i++)
        complete_with_kill(all[i], (int)(i % 3));

    /* the notify command line ran for the TRANSFERRED events, after all kills */
    assert_true(sv_count_in_log("running notify command line") >= 1);

    print_message("kill_points %d lost %d\n", kill_points, lost);
    assert_int_equal(lost, 0);
    assert_true(kill_points >= 50);
}

/* ---- a Complete torn between moving the reply and saving the state ---- */

static int setup_plain(void **state);

/* The window is too small to hit with a timed kill, so make it by hand:
 * the reply already moved to the reply file, the job still TRANSFERRED. */
static void test_complete_after_torn_complete(void **state)
{
    struct ipc_client c;
    struct dirent *de;
    uint8_t id[16];
    char url[256], digest[65], temp[1024] = "";
    DIR *d;

    sv_connect(&c, 0);
    snprintf(url, sizeof(url), "%s/reply/digest/torn.bin", sv.srv.url);
    sv_make_file(sv_path("torn.bin"), 3000, 6);
    sv_sha256(sv_path("torn.bin"), digest);
    assert_int_equal(sv_create_job(&c, "torn", BP_JOB_UPLOAD_REPLY, id), S_OK);
    assert_int_equal(sv_add_file(&c, id, url, "C:\\torn.bin", sv_path("torn.bin")), S_OK);
    assert_int_equal(sv_set_strs(&c, id, BP_PROP_REPLY_FILE_NAME, "C:\\torn.reply",
                                 sv_path("torn.reply")), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    ipc_close(&c);
    sv_stop_daemon(SIGKILL);

    d = opendir(sv_path("bitsd/replies"));
    assert_non_null(d);
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            snprintf(temp, sizeof(temp), "%s/%s", sv_path("bitsd/replies"), de->d_name);
    closedir(d);
    assert_true(temp[0]);
    assert_int_equal(rename(temp, sv_path("torn.reply")), 0);

    assert_int_equal(sv_start_daemon(NULL), 0);
    sv_connect(&c, 0);
    assert_int_equal(state_of(&c, id), BP_STATE_TRANSFERRED);
    assert_int_equal(sv_action(&c, id, BP_ACTION_COMPLETE), S_OK);
    assert_true(sv_file_contains(sv_path("torn.reply"), digest, 64));
    ipc_close(&c);
}

/* ---- retry policy ---- */

static int setup_plain(void **state)
{
    sv_setup("retry");
    assert_int_equal(sv_start_daemon(NULL), 0);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    return 0;
}

static void upload_job(struct ipc_client *c, const char *name, uint8_t id[16])
{
    char url[256], win[256];

    snprintf(url, sizeof(url), "%s/upload/%s", sv.srv.url, name);
    snprintf(win, sizeof(win), "C:\\%s", name);
    sv_make_file(sv_path(name), 100 * 1024, 1);
    assert_int_equal(sv_create_job(c, name, BP_JOB_UPLOAD, id), S_OK);
    assert_int_equal(sv_add_file(c, id, url, win, sv_path(name)), S_OK);
}

static void get_info(struct ipc_client *c, const uint8_t id[16], struct bp_job_info *info)
{
    assert_int_equal(sv_info(c, id, info), S_OK);
}

static void test_transient_then_retry(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];

    sv_connect(&c, 0);
    upload_job(&c, "t.bin", id);
    /* below the floor: 5 s */
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_MIN_RETRY_DELAY, 1), S_OK);
    get_info(&c, id, &info);
    assert_int_equal(info.min_retry_delay, 5);
    bp_job_info_free(&info);

    assert_int_equal(bits_server_control(&sv.srv, "fail_create=503"), 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSIENT_ERROR, 30), BP_STATE_TRANSIENT_ERROR);
    get_info(&c, id, &info);
    assert_int_equal(info.error_count, 1);
    assert_int_equal(info.error_code, BP_HTTP_ERROR(503));
    assert_int_equal(info.error_context, BP_CONTEXT_REMOTE_FILE);
    bp_job_info_free(&info);
    assert_int_equal(bits_server_stat(&sv.srv, "injected_failures"), 1);

    /* no retry before MinimumRetryDelay */
    sv_sleep_ms(2000);
    assert_int_equal(bits_server_stat(&sv.srv, "injected_failures"), 1);
    get_info(&c, id, &info);
    assert_int_equal(info.state, BP_STATE_TRANSIENT_ERROR);
    bp_job_info_free(&info);

    /* the server recovers: the retry succeeds */
    assert_int_equal(bits_server_control(&sv.srv, "reset=1"), 0);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    get_info(&c, id, &info);
    assert_int_equal(info.error_count, 1);
    assert_int_equal(info.bytes_transferred, 100 * 1024);
    bp_job_info_free(&info);
    assert_int_equal(bits_server_stat(&sv.srv, "stored/t.bin"), 1);
    ipc_close(&c);
}

static void test_no_progress_zero_is_final(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];

    sv_connect(&c, 0);
    upload_job(&c, "z.bin", id);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_NO_PROGRESS_TIMEOUT, 0), S_OK);
    assert_int_equal(bits_server_control(&sv.srv, "fail_create=503"), 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_ERROR, 30), BP_STATE_ERROR);
    get_info(&c, id, &info);
    assert_int_equal(info.error_count, 1);
    assert_int_equal(info.error_code, BP_HTTP_ERROR(503));
    assert_int_equal(info.error_context, BP_CONTEXT_REMOTE_FILE);
    bp_job_info_free(&info);

    /* Resume after the error: it runs again, and now succeeds */
    assert_int_equal(bits_server_control(&sv.srv, "reset=1"), 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    ipc_close(&c);
}

static void test_no_progress_timeout_ends_retries(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];
    uint32_t s;

    sv_connect(&c, 0);
    upload_job(&c, "np.bin", id);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_MIN_RETRY_DELAY, 5), S_OK);
    assert_int_equal(sv_set_u32(&c, id, BP_PROP_NO_PROGRESS_TIMEOUT, 7), S_OK);
    assert_int_equal(bits_server_control(&sv.srv, "fail_create=503"), 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSIENT_ERROR, 30), BP_STATE_TRANSIENT_ERROR);
    /* retried once after 5 s (still within 7 s), then out of time: ERROR */
    s = sv_wait_state(&c, id, BP_STATE_ERROR, 60);
    assert_int_equal(s, BP_STATE_ERROR);
    get_info(&c, id, &info);
    assert_int_equal(info.error_count, 2);
    assert_int_equal(info.error_code, BP_HTTP_ERROR(503));
    bp_job_info_free(&info);
    assert_int_equal(bits_server_stat(&sv.srv, "injected_failures"), 2);
    ipc_close(&c);
}

/* ---- JobInactivityTimeout ---- */

static int setup_inactive(void **state)
{
    static const char *const env[] = { "BITSD_INACTIVITY_TIMEOUT=3", NULL };

    sv_setup("inactive");
    assert_int_equal(sv_start_daemon(env), 0);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    return 0;
}

/* Number of BIT*.tmp files in 'dir'. */
static int temp_files(const char *dir)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "BIT", 3) && strstr(de->d_name, ".tmp"))
            n++;
    closedir(d);
    return n;
}

static int dir_entries(const char *dir)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void test_inactive_jobs_removed(void **state)
{
    static const char *const env[] = { "BITSD_INACTIVITY_TIMEOUT=3", NULL };
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t reply_id[16], dl_id[16], busy_id[16], off_id[16];
    char url[256], src[65], hex[65];
    int i, waited;

    sv_connect(&c, 0);
    /* an upload-reply job that got its reply and was never completed */
    snprintf(url, sizeof(url), "%s/reply/digest/r.bin", sv.srv.url);
    sv_make_file(sv_path("r.bin"), 5000, 2);
    sv_sha256(sv_path("r.bin"), src);
    assert_int_equal(sv_create_job(&c, "forgotten reply", BP_JOB_UPLOAD_REPLY, reply_id), S_OK);
    assert_int_equal(sv_add_file(&c, reply_id, url, "C:\\r.bin", sv_path("r.bin")), S_OK);
    assert_int_equal(sv_action(&c, reply_id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, reply_id, BP_STATE_TRANSFERRED, 30), BP_STATE_TRANSFERRED);
    assert_int_equal(dir_entries(sv_path("bitsd/replies")), 1);

    /* a download suspended half way: its temporary file stays behind */
    mkdir(sv_path("dl"), 0755);
    sv_make_file(sv_path("srv/files/big.bin"), 2 * 1024 * 1024, 4);
    snprintf(url, sizeof(url), "%s/files/big.bin", sv.srv.url);
    assert_int_equal(bits_server_control(&sv.srv, "throttle_kbps=512"), 0);
    assert_int_equal(sv_create_job(&c, "forgotten download", BP_JOB_DOWNLOAD, dl_id), S_OK);
    assert_int_equal(sv_add_file(&c, dl_id, url, "C:\\dl\\big.bin", sv_path("dl/big.bin")), S_OK);
    assert_int_equal(sv_action(&c, dl_id, BP_ACTION_RESUME), S_OK);
    for (i = 0; i < 500 && temp_files(sv_path("dl")) == 0; i++)
        sv_sleep_ms(10);
    sv_sleep_ms(200);
    assert_int_equal(sv_action(&c, dl_id, BP_ACTION_SUSPEND), S_OK);
    assert_int_equal(temp_files(sv_path("dl")), 1);

    /* a job that keeps being changed is not inactive */
    assert_int_equal(sv_create_job(&c, "busy", BP_JOB_DOWNLOAD, busy_id), S_OK);
    waited = 0;
    while ((sv_get_job(&c, reply_id) == S_OK || sv_get_job(&c, dl_id) == S_OK) && waited < 15000) {
        assert_int_equal(sv_set_strs(&c, busy_id, BP_PROP_DESCRIPTION, "still here", NULL), S_OK);
        sv_sleep_ms(250);
        waited += 250;
    }
    assert_int_equal(sv_get_job(&c, reply_id), BG_E_NOT_FOUND);
    assert_int_equal(sv_get_job(&c, dl_id), BG_E_NOT_FOUND);
    /* removed, not only cancelled */
    assert_int_equal(sv_info(&c, reply_id, &info), BG_E_NOT_FOUND);
    assert_int_equal(sv_info(&c, dl_id, &info), BG_E_NOT_FOUND);
    assert_int_equal(sv_get_job(&c, busy_id), S_OK);
    /* their temporary files went with them; the upload source did not */
    assert_int_equal(dir_entries(sv_path("bitsd/replies")), 0);
    assert_int_equal(temp_files(sv_path("dl")), 0);
    assert_int_equal(access(sv_path("dl/big.bin"), F_OK), -1);
    sv_sha256(sv_path("r.bin"), hex);
    assert_string_equal(hex, src);
    assert_true(sv_count_in_log("inactive for longer than JobInactivityTimeout") >= 2);

    /* the limit also holds across a restart: a job forgotten while bitsd was down */
    assert_int_equal(sv_create_job(&c, "forgotten offline", BP_JOB_UPLOAD, off_id), S_OK);
    ipc_close(&c);
    sv_stop_daemon(SIGKILL);
    sv_sleep_ms(3500);
    assert_int_equal(sv_start_daemon(env), 0);
    sv_connect(&c, 0);
    for (i = 0; i < 100 && sv_get_job(&c, off_id) == S_OK; i++)
        sv_sleep_ms(50);
    assert_int_equal(sv_get_job(&c, off_id), BG_E_NOT_FOUND);
    ipc_close(&c);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest kill_tests[] = {
        cmocka_unit_test_setup_teardown(test_kill_points, setup_kill, teardown_any),
        cmocka_unit_test_setup_teardown(test_complete_after_torn_complete, setup_plain,
                                        teardown_any),
    };
    const struct CMUnitTest retry_tests[] = {
        cmocka_unit_test_setup_teardown(test_transient_then_retry, setup_plain, teardown_any),
        cmocka_unit_test_setup_teardown(test_no_progress_zero_is_final, setup_plain, teardown_any),
        cmocka_unit_test_setup_teardown(test_no_progress_timeout_ends_retries, setup_plain,
                                        teardown_any),
        cmocka_unit_test_setup_teardown(test_inactive_jobs_removed, setup_inactive, teardown_any),
    };
    const char *group = argc > 1 ? argv[1] : "all";
    int rc = 0;

    if (!strcmp(group, "all") || !strcmp(group, "kill"))
        rc |= cmocka_run_group_tests_name("kill points", kill_tests, NULL, NULL);
    if (!strcmp(group, "all") || !strcmp(group, "retry"))
        rc |= cmocka_run_group_tests_name("retries and inactivity", retry_tests, NULL, NULL);
    return rc;
}
