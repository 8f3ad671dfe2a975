/*
 * bitsd end to end: the real daemon on a temporary prefix, spoken to over
 * TCP with the native IPC client, transferring against bits-server.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "survive_util.h"

static int setup(void **state)
{
    return sv_setup("ipc") || sv_start_daemon(NULL);
}

static int teardown(void **state)
{
    return sv_teardown();
}

/* ---- the state directory ---- */

static void test_state_dir(void **state)
{
    struct stat st;
    char buf[128];
    int fd, i;
    ssize_t n;
    pid_t second;
    int status;

    assert_int_equal(stat(sv.statedir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(sv_path("bitsd/token"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    fd = open(sv_path("bitsd/token"), O_RDONLY);
    n = read(fd, buf, sizeof(buf));
    close(fd);
    assert_int_equal(n, 64);
    for (i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", buf[i]));
    assert_int_equal(stat(sv_path("bitsd/port"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* a second bitsd for the same prefix exits 0 at once */
    second = fork();
    if (second == 0) {
        execl(BITSD_PATH, "bitsd", "--prefix", sv.prefix, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(second, &status, 0), second);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(kill(sv.daemon, 0), 0);
}

/* ---- peers that break the rules are dropped ---- */

static void send_hello(struct ipc_client *c, const char *token)
{
    ipc_begin(c, BP_HELLO);
    bp_put_str(&c->req, token);
    bp_put_u32(&c->req, BP_VERSION);
    bp_put_u32(&c->req, 1);
    bp_put_str(&c->req, SV_SID);
    bp_put_u32(&c->req, 0);
    bp_end_frame(&c->req);
    assert_int_equal(ipc_send_raw(c, c->req.data, c->req.len), 0);
}

static void test_bad_peers_dropped(void **state)
{
    char token[BP_TOKEN_LEN + 1], wrong[BP_TOKEN_LEN + 1];
    struct ipc_client c;
    struct bp_reader r;
    unsigned port;
    uint8_t header[BP_HEADER_SIZE] = { 0 };
    uint8_t id[16] = { 0 };
    size_t i;

    assert_int_equal(ipc_read_port_token(sv.statedir, &port, token), 0);

    /* wrong token */
    strcpy(wrong, token);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(ipc_connect_raw(&c, port), 0);
    send_hello(&c, wrong);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);
    assert_int_equal(ipc_connect_to(&c, port, wrong, SV_SID, 0), -1);

    /* first frame is not a hello */
    assert_int_equal(ipc_connect_raw(&c, port), 0);
    ipc_begin(&c, BP_ENUM_JOBS);
    bp_put_u32(&c.req, 0);
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* malformed payload after a good hello: CREATE_JOB without its type */
    sv_connect(&c, 0);
    ipc_begin(&c, BP_CREATE_JOB);
    bp_put_str(&c.req, "x");
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* trailing bytes are malformed too */
    sv_connect(&c, 0);
    ipc_begin(&c, BP_GET_JOB);
    bp_put_guid(&c.req, id);
    bp_put_u32(&c.req, 0);
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* a length above BP_MAX_FRAME: dropped on the header alone */
    sv_connect(&c, 0);
    header[0] = 0x01; header[1] = 0x00; header[2] = 0x40; header[3] = 0x00;  /* 4 MiB + 1 */
    header[4] = BP_ENUM_JOBS;
    assert_int_equal(ipc_send_raw(&c, header, sizeof(header)), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* a hello that arrives one byte at a time is fine */
    assert_int_equal(ipc_connect_raw(&c, port), 0);
    ipc_begin(&c, BP_HELLO);
    bp_put_str(&c.req, token);
    bp_put_u32(&c.req, BP_VERSION);
    bp_put_u32(&c.req, 1);
    bp_put_str(&c.req, SV_SID);
    bp_put_u32(&c.req, 0);
    bp_end_frame(&c.req);
    for (i = 0; i < c.req.len; i++) {
        assert_int_equal(ipc_send_raw(&c, c.req.data + i, 1), 0);
        if (i % 16 == 0)
            sv_sleep_ms(1);
    }
    {
        uint8_t rep[BP_HEADER_SIZE + 4];
        size_t got = 0;
        struct bp_reader rr;
        uint32_t plen, seq;
        uint16_t type;

        while (got < sizeof(rep)) {
            ssize_t k = recv(c.fd, rep + got, sizeof(rep) - got, 0);
            assert_true(k > 0);
            got += (size_t)k;
        }
        assert_int_equal(bp_parse_header(rep, &plen, &type, &seq), 0);
        assert_int_equal(plen, 4);
        assert_int_equal(seq, c.seq);
        bp_reader_init(&rr, rep + BP_HEADER_SIZE, 4);
        assert_int_equal(bp_get_i32(&rr), S_OK);
        ipc_begin(&c, BP_GET_JOB);
        bp_put_guid(&c.req, id);
        assert_int_equal(sv_call(&c, &r), BG_E_NOT_FOUND);
    }
    ipc_close(&c);

    /* the daemon still serves well-behaved clients */
    sv_connect(&c, 0);
    ipc_begin(&c, BP_ENUM_JOBS);
    bp_put_u32(&c.req, 0);
    assert_int_equal(sv_call(&c, &r), S_OK);
    assert_int_equal(bp_get_u32(&r), 0);
    ipc_close(&c);
}

/* ---- a whole upload-reply job ---- */

static void upload_reply_job(struct ipc_client *c, const char *name, size_t size, uint8_t id[16],
                             char digest[65])
{
    char url[256], win[256];

    snprintf(url, sizeof(url), "%s/reply/digest/%s", sv.srv.url, name);
    snprintf(win, sizeof(win), "C:\\%s", name);
    sv_make_file(sv_path(name), size, 0);
    sv_sha256(sv_path(name), digest);
    assert_int_equal(sv_create_job(c, name, BP_JOB_UPLOAD_REPLY, id), S_OK);
    assert_int_equal(sv_add_file(c, id, url, win, sv_path(name)), S_OK);
}

static void test_upload_reply_end_to_end(void **state)
{
    struct ipc_client c, ev_conn;
    struct bp_job_info info;
    struct bp_reader r;
    struct ipc_event ev;
    uint8_t id[16], bad[16];
    char digest[65], data[128], reply_path[256], *reply;
    uint64_t len;
    int got;
    size_t n;
    FILE *f;

    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    sv_connect(&c, 0);
    sv_connect(&ev_conn, BP_HELLO_EVENTS);

    assert_int_equal(sv_create_job(&c, NULL, 0, bad), E_INVALIDARG);
    assert_int_equal(sv_create_job(&c, "x", 7, bad), E_INVALIDARG);
    upload_reply_job(&c, "up.bin", 300 * 1024 + 17, id, digest);
    assert_int_equal(sv_add_file(&c, id, "http://127.0.0.1:1/x", "C:\\up.bin", sv_path("up.bin")),
                     BG_E_TOO_MANY_FILES);
    snprintf(reply_path, sizeof(reply_path), "%s", sv_path("reply.txt"));
    assert_int_equal(sv_set_strs(&c, id, BP_PROP_REPLY_FILE_NAME, "C:\\reply.txt", reply_path), S_OK);
    assert_int_equal(sv_get_job(&c, id), S_OK);

    ipc_begin(&c, BP_ENUM_JOBS);
    bp_put_u32(&c.req, 0);
    assert_int_equal(sv_call(&c, &r), S_OK);
    assert_int_equal(bp_get_u32(&r), 1);
    bp_get_guid(&r, bad);
    assert_memory_equal(bad, id, 16);

    assert_int_equal(sv_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_SUSPENDED);
    assert_int_equal(info.type, BP_JOB_UPLOAD_REPLY);
    assert_string_equal(info.reply_file_name, "C:\\reply.txt");
    assert_string_equal(info.owner, SV_SID);
    assert_int_equal(info.file_count, 1);
    bp_job_info_free(&info);

    ipc_begin(&ev_conn, BP_SUBSCRIBE);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, 1);
    assert_int_equal(sv_call(&ev_conn, &r), S_OK);

    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    got = 0;
    while (!got && ipc_wait_event(&ev_conn, 60000, &ev) == 1)
        got = ev.event == BP_EVENT_TRANSFERRED && !memcmp(ev.job, id, 16);
    assert_true(got);
    ipc_begin(&ev_conn, BP_EVENT_RESULT);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, BP_EVENT_TRANSFERRED);
    bp_put_i32(&ev_conn.req, S_OK);
    assert_int_equal(sv_call(&ev_conn, &r), S_OK);

    assert_int_equal(sv_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_TRANSFERRED);
    assert_int_equal(info.bytes_total, 300 * 1024 + 17);
    assert_int_equal(info.bytes_transferred, 300 * 1024 + 17);
    assert_int_equal(info.files_transferred, 1);
    assert_int_equal(info.reply_bytes_total, 64);
    assert_int_equal(info.reply_bytes_transferred, 64);
    assert_true(info.transfer_completion_time >= info.creation_time);
    bp_job_info_free(&info);

    assert_int_equal(sv_reply_data(&c, id, &reply, &len), S_OK);
    assert_int_equal(len, 64);
    assert_non_null(reply);
    assert_string_equal(reply, digest);
    free(reply);
    assert_false(access(reply_path, F_OK) == 0);

    assert_int_equal(sv_action(&c, id, BP_ACTION_COMPLETE), S_OK);
    f = fopen(reply_path, "r");
    assert_non_null(f);
    n = fread(data, 1, sizeof(data) - 1, f);
    fclose(f);
    data[n] = 0;
    assert_string_equal(data, digest);
    assert_int_equal(sv_get_job(&c, id), BG_E_NOT_FOUND);
    assert_int_equal(sv_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_ACKNOWLEDGED);
    bp_job_info_free(&info);
    assert_int_equal(sv_action(&c, id, BP_ACTION_CANCEL), BG_E_INVALID_STATE);
    ipc_close(&c);
    ipc_close(&ev_conn);
}

/* ---- kill -9 in the middle of an upload ---- */

static void test_kill9_during_upload(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];
    char digest[65], *reply;
    uint64_t len;
    int i, mid = 0;

    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    /* hold the final Ack so the job is surely in the middle when killed */
    assert_int_equal(bits_server_control(&sv.srv, "delay_final_ack_ms=5000"), 0);
    sv_connect(&c, 0);
    upload_reply_job(&c, "big.bin", 2 * 1024 * 1024 + 3, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    for (i = 0; i < 400 && !mid; i++) {
        assert_int_equal(sv_info(&c, id, &info), S_OK);
        mid = info.bytes_transferred > 0 || info.state == BP_STATE_TRANSFERRED;
        assert_int_not_equal(info.state, BP_STATE_ERROR);
        if (mid)
            print_message("killing bitsd in state %u after %llu of %llu bytes\n", info.state,
                          (unsigned long long)info.bytes_transferred,
                          (unsigned long long)info.bytes_total);
        bp_job_info_free(&info);
        if (!mid)
            sv_sleep_ms(25);
    }
    assert_true(mid);
    ipc_close(&c);
    sv_stop_daemon(SIGKILL);
    assert_int_equal(bits_server_control(&sv.srv, "reset=1"), 0);

    assert_int_equal(sv_start_daemon(NULL), 0);
    sv_connect(&c, 0);
    assert_int_equal(sv_get_job(&c, id), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 90), BP_STATE_TRANSFERRED);
    assert_int_equal(sv_reply_data(&c, id, &reply, &len), S_OK);
    assert_non_null(reply);
    assert_string_equal(reply, digest);
    free(reply);
    assert_int_equal(sv_action(&c, id, BP_ACTION_COMPLETE), S_OK);
    ipc_close(&c);
}

/* ---- events for a job that is already transferred ---- */

static void test_late_subscriber_gets_event(void **state)
{
    struct ipc_client c, ev_conn;
    struct bp_reader r;
    struct ipc_event ev;
    uint8_t id[16];
    char digest[65];

    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    sv_connect(&c, 0);
    upload_reply_job(&c, "late.bin", 1000, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 60), BP_STATE_TRANSFERRED);

    /* subscribing on a connection without events is refused */
    ipc_begin(&c, BP_SUBSCRIBE);
    bp_put_guid(&c.req, id);
    bp_put_u32(&c.req, 1);
    assert_int_equal(sv_call(&c, &r), E_INVALIDARG);

    sv_connect(&ev_conn, BP_HELLO_EVENTS);
    ipc_begin(&ev_conn, BP_SUBSCRIBE);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, 1);
    assert_int_equal(sv_call(&ev_conn, &r), S_OK);
    assert_int_equal(ipc_wait_event(&ev_conn, 10000, &ev), 1);
    assert_memory_equal(ev.job, id, 16);
    assert_int_equal(ev.event, BP_EVENT_TRANSFERRED);
    assert_int_equal(ev.file, BP_NO_FILE);
    /* a failed callback: the event is re-sent only after MinimumRetryDelay */
    ipc_begin(&ev_conn, BP_EVENT_RESULT);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, BP_EVENT_TRANSFERRED);
    bp_put_i32(&ev_conn.req, E_FAIL);
    assert_int_equal(sv_call(&ev_conn, &r), S_OK);
    /* the job's retry delay is 600 s: no second event right away */
    assert_int_equal(ipc_wait_event(&ev_conn, 500, &ev), 0);
    ipc_close(&ev_conn);
    ipc_close(&c);
}

/* ---- notify command line when nobody subscribed ---- */

static void test_notify_cmdline(void **state)
{
    static const char fake_wine[] =
        "#!/bin/sh\n"
        "out=\"$WINEPREFIX/notified\"\n"
        "printf '%s\\n' \"$WINEPREFIX\" \"$@\" > \"$out.tmp\" && mv \"$out.tmp\" \"$out\"\n";
    struct ipc_client c;
    struct bp_reader r;
    uint8_t id[16];
    char digest[65], guid[39], params[128], expect[512], got[512];
    size_t n = 0;
    FILE *f;
    int i;

    sv_fake_wine(fake_wine);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
    sv_connect(&c, 0);
    upload_reply_job(&c, "n.bin", 100, id, digest);
    bp_guid_format(id, guid);
    snprintf(params, sizeof(params), "\"C:\\Program Files\\n.exe\" %s \"a b\" %%TEMP%%", guid);
    ipc_begin(&c, BP_JOB_SET);
    bp_put_guid(&c.req, id);
    bp_put_u32(&c.req, BP_PROP_NOTIFY_CMDLINE);
    bp_put_str(&c.req, "C:\\Program Files\\n.exe");
    bp_put_str(&c.req, params);
    assert_int_equal(sv_call(&c, &r), S_OK);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_TRANSFERRED, 60), BP_STATE_TRANSFERRED);
    for (i = 0; i < 400 && access(sv_path("notified"), R_OK) != 0; i++)
        sv_sleep_ms(25);
    f = fopen(sv_path("notified"), "r");
    assert_non_null(f);
    n = fread(got, 1, sizeof(got) - 1, f);
    fclose(f);
    got[n] = 0;
    snprintf(expect, sizeof(expect), "%s\nC:\\Program Files\\n.exe\n%s\na b\n%%TEMP%%\n", sv.prefix, guid);
    assert_string_equal(got, expect);
    ipc_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_state_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_peers_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_reply_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_during_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_subscriber_gets_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_cmdline, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
