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

#include "bitserr.h"
#include "ipcclient.h"
#include "server_harness.h"

#define SID "S-1-5-21-1-2-3-1000"

static char prefix[64];
static char statedir[128];
static pid_t daemon_pid;
static struct bits_server srv;

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static char *in_prefix(const char *name)
{
    static char buf[8][256];
    static int i;
    char *b = buf[i++ % 8];

    snprintf(b, 256, "%s/%s", prefix, name);
    return b;
}

static void start_daemon(void)
{
    char log[256];
    int i;

    unlink(in_prefix("bitsd/port"));
    snprintf(log, sizeof(log), "%s/daemon-stderr.log", prefix);
    daemon_pid = fork();
    assert_true(daemon_pid >= 0);
    if (daemon_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        /* a fake 'wine' first on PATH records notify command lines */
        {
            char path[4096];
            snprintf(path, sizeof(path), "%s/bin:%s", prefix, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
            setenv("PATH", path, 1);
        }
        execl(BITSD_PATH, "bitsd", "--prefix", prefix, "--foreground", "--verbose", (char *)NULL);
        _exit(127);
    }
    /* the port file appears (by rename) once bitsd listens */
    for (i = 0; i < 1000 && access(in_prefix("bitsd/port"), R_OK) != 0; i++)
        sleep_ms(10);
    assert_int_equal(access(in_prefix("bitsd/port"), R_OK), 0);
}

static void stop_daemon(int sig)
{
    int status;

    if (daemon_pid <= 0)
        return;
    kill(daemon_pid, sig);
    waitpid(daemon_pid, &status, 0);
    daemon_pid = 0;
}

static int setup(void **state)
{
    strcpy(prefix, "/tmp/daemon-ipc-XXXXXX");
    assert_non_null(mkdtemp(prefix));
    snprintf(statedir, sizeof(statedir), "%s/bitsd", prefix);
    mkdir(in_prefix("drive_c"), 0755);
    start_daemon();
    return 0;
}

/* A sanitizer build of bitsd reports into its stderr log: fail on that. */
static void assert_daemon_log_clean(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "grep -E 'Sanitizer|runtime error' '%s/daemon-stderr.log' >&2",
             prefix);
    assert_int_not_equal(system(cmd), 0);
}

static int teardown(void **state)
{
    char cmd[128];

    stop_daemon(SIGTERM);
    assert_daemon_log_clean();
    bits_server_stop(&srv);
    memset(&srv, 0, sizeof(srv));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", prefix);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* ---- request helpers ---- */

static void connect_ok(struct ipc_client *c, uint32_t flags)
{
    assert_int_equal(ipc_connect(c, statedir, SID, flags), 0);
}

static int32_t call(struct ipc_client *c, struct bp_reader *r)
{
    int32_t hr;

    assert_int_equal(ipc_call(c, r, &hr), 0);
    return hr;
}

static int32_t create_job(struct ipc_client *c, const char *name, uint32_t type, uint8_t id[16])
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(c, BP_CREATE_JOB);
    bp_put_str(&c->req, name);
    bp_put_u32(&c->req, type);
    hr = call(c, &r);
    if (hr >= 0) {
        bp_get_guid(&r, id);
        assert_false(r.failed);
        assert_int_equal(r.left, 0);
    }
    return hr;
}

static int32_t add_file(struct ipc_client *c, const uint8_t id[16], const char *url,
                        const char *win, const char *unx)
{
    struct bp_reader r;

    ipc_begin(c, BP_ADD_FILE);
    bp_put_guid(&c->req, id);
    bp_put_str(&c->req, url);
    bp_put_str(&c->req, win);
    bp_put_str(&c->req, unx);
    return call(c, &r);
}

static int32_t action(struct ipc_client *c, const uint8_t id[16], uint32_t act)
{
    struct bp_reader r;

    ipc_begin(c, BP_JOB_ACTION);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, act);
    return call(c, &r);
}

static int32_t job_info(struct ipc_client *c, const uint8_t id[16], struct bp_job_info *info)
{
    struct bp_reader r;
    int32_t hr;

    ipc_begin(c, BP_JOB_INFO);
    bp_put_guid(&c->req, id);
    hr = call(c, &r);
    if (hr >= 0) {
        assert_int_equal(bp_get_job_info(&r, info), 0);
        assert_int_equal(r.left, 0);
    }
    return hr;
}

static int32_t simple(struct ipc_client *c, uint16_t type, const uint8_t id[16])
{
    struct bp_reader r;

    ipc_begin(c, type);
    bp_put_guid(&c->req, id);
    return call(c, &r);
}

static int32_t set_reply_name(struct ipc_client *c, const uint8_t id[16], const char *win,
                              const char *unx)
{
    struct bp_reader r;

    ipc_begin(c, BP_JOB_SET);
    bp_put_guid(&c->req, id);
    bp_put_u32(&c->req, BP_PROP_REPLY_FILE_NAME);
    bp_put_str(&c->req, win);
    bp_put_str(&c->req, unx);
    return call(c, &r);
}

/* Returns hr; the reply bytes land in buf (NUL-terminated) and *len. */
static int32_t reply_data(struct ipc_client *c, const uint8_t id[16], char *buf, size_t cap,
                          uint64_t *len, int *null_bytes)
{
    const uint8_t *p;
    struct bp_reader r;
    uint32_t n;
    int32_t hr;

    ipc_begin(c, BP_GET_REPLY_DATA);
    bp_put_guid(&c->req, id);
    hr = call(c, &r);
    if (hr >= 0 || hr == BG_E_TOO_LARGE) {
        *len = bp_get_u64(&r);
        p = bp_get_bytes(&r, &n);
        assert_false(r.failed);
        *null_bytes = p == NULL;
        assert_true(n < cap);
        if (p)
            memcpy(buf, p, n);
        buf[p ? n : 0] = 0;
    }
    return hr;
}

static void make_file(const char *path, size_t size)
{
    unsigned char *buf = malloc(size);
    size_t i;
    int fd;

    for (i = 0; i < size; i++)
        buf[i] = (unsigned char)(i * 7 + i / 251);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    close(fd);
    free(buf);
}

static void sha256_of(const char *path, char hex[65])
{
    char cmd[512];
    FILE *p;

    snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(hex, 65, p));
    pclose(p);
    hex[64] = 0;
}

static uint32_t wait_state(struct ipc_client *c, const uint8_t id[16], uint32_t want, int seconds)
{
    struct bp_job_info info;
    uint32_t state = 99;
    int i;

    for (i = 0; i < seconds * 20; i++) {
        assert_int_equal(job_info(c, id, &info), S_OK);
        state = info.state;
        bp_job_info_free(&info);
        if (state == want || state == BP_STATE_ERROR)
            break;
        sleep_ms(50);
    }
    return state;
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

    assert_int_equal(stat(statedir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(in_prefix("bitsd/token"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    fd = open(in_prefix("bitsd/token"), O_RDONLY);
    n = read(fd, buf, sizeof(buf));
    close(fd);
    assert_int_equal(n, 64);
    for (i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", buf[i]));
    assert_int_equal(stat(in_prefix("bitsd/port"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* a second bitsd for the same prefix exits 0 at once */
    second = fork();
    if (second == 0) {
        execl(BITSD_PATH, "bitsd", "--prefix", prefix, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(second, &status, 0), second);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(kill(daemon_pid, 0), 0);
}

/* ---- peers that break the rules are dropped ---- */

static void send_hello(struct ipc_client *c, const char *token)
{
    ipc_begin(c, BP_HELLO);
    bp_put_str(&c->req, token);
    bp_put_u32(&c->req, BP_VERSION);
    bp_put_u32(&c->req, 1);
    bp_put_str(&c->req, SID);
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

    assert_int_equal(ipc_read_port_token(statedir, &port, token), 0);

    /* wrong token */
    strcpy(wrong, token);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(ipc_connect_raw(&c, port), 0);
    send_hello(&c, wrong);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);
    assert_int_equal(ipc_connect_to(&c, port, wrong, SID, 0), -1);

    /* first frame is not a hello */
    assert_int_equal(ipc_connect_raw(&c, port), 0);
    ipc_begin(&c, BP_ENUM_JOBS);
    bp_put_u32(&c.req, 0);
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* malformed payload after a good hello: CREATE_JOB without its type */
    connect_ok(&c, 0);
    ipc_begin(&c, BP_CREATE_JOB);
    bp_put_str(&c.req, "x");
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* trailing bytes are malformed too */
    connect_ok(&c, 0);
    ipc_begin(&c, BP_GET_JOB);
    bp_put_guid(&c.req, id);
    bp_put_u32(&c.req, 0);
    bp_end_frame(&c.req);
    assert_int_equal(ipc_send_raw(&c, c.req.data, c.req.len), 0);
    assert_true(ipc_peer_closed(&c, 5000));
    ipc_close(&c);

    /* a length above BP_MAX_FRAME: dropped on the header alone */
    connect_ok(&c, 0);
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
    bp_put_str(&c.req, SID);
    bp_put_u32(&c.req, 0);
    bp_end_frame(&c.req);
    for (i = 0; i < c.req.len; i++) {
        assert_int_equal(ipc_send_raw(&c, c.req.data + i, 1), 0);
        if (i % 16 == 0)
            sleep_ms(1);
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
        assert_int_equal(call(&c, &r), BG_E_NOT_FOUND);
    }
    ipc_close(&c);

    /* the daemon still serves well-behaved clients */
    connect_ok(&c, 0);
    ipc_begin(&c, BP_ENUM_JOBS);
    bp_put_u32(&c.req, 0);
    assert_int_equal(call(&c, &r), S_OK);
    assert_int_equal(bp_get_u32(&r), 0);
    ipc_close(&c);
}

/* ---- a whole upload-reply job ---- */

static void upload_reply_job(struct ipc_client *c, const char *name, size_t size, uint8_t id[16],
                             char digest[65])
{
    char url[256], win[256];

    snprintf(url, sizeof(url), "%s/reply/digest/%s", srv.url, name);
    snprintf(win, sizeof(win), "C:\\%s", name);
    make_file(in_prefix(name), size);
    sha256_of(in_prefix(name), digest);
    assert_int_equal(create_job(c, name, BP_JOB_UPLOAD_REPLY, id), S_OK);
    assert_int_equal(add_file(c, id, url, win, in_prefix(name)), S_OK);
}

static void test_upload_reply_end_to_end(void **state)
{
    struct ipc_client c, ev_conn;
    struct bp_job_info info;
    struct bp_reader r;
    struct ipc_event ev;
    uint8_t id[16], bad[16];
    char digest[65], data[128], reply_path[256];
    uint64_t len;
    int null_bytes, got;
    size_t n;
    FILE *f;

    assert_int_equal(bits_server_start(in_prefix("srv"), &srv), 0);
    connect_ok(&c, 0);
    connect_ok(&ev_conn, BP_HELLO_EVENTS);

    assert_int_equal(create_job(&c, NULL, 0, bad), E_INVALIDARG);
    assert_int_equal(create_job(&c, "x", 7, bad), E_INVALIDARG);
    upload_reply_job(&c, "up.bin", 300 * 1024 + 17, id, digest);
    assert_int_equal(add_file(&c, id, "http://127.0.0.1:1/x", "C:\\up.bin", in_prefix("up.bin")),
                     BG_E_TOO_MANY_FILES);
    snprintf(reply_path, sizeof(reply_path), "%s", in_prefix("reply.txt"));
    assert_int_equal(set_reply_name(&c, id, "C:\\reply.txt", reply_path), S_OK);
    assert_int_equal(simple(&c, BP_GET_JOB, id), S_OK);

    ipc_begin(&c, BP_ENUM_JOBS);
    bp_put_u32(&c.req, 0);
    assert_int_equal(call(&c, &r), S_OK);
    assert_int_equal(bp_get_u32(&r), 1);
    bp_get_guid(&r, bad);
    assert_memory_equal(bad, id, 16);

    assert_int_equal(job_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_SUSPENDED);
    assert_int_equal(info.type, BP_JOB_UPLOAD_REPLY);
    assert_string_equal(info.reply_file_name, "C:\\reply.txt");
    assert_string_equal(info.owner, SID);
    assert_int_equal(info.file_count, 1);
    bp_job_info_free(&info);

    ipc_begin(&ev_conn, BP_SUBSCRIBE);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, 1);
    assert_int_equal(call(&ev_conn, &r), S_OK);

    assert_int_equal(action(&c, id, BP_ACTION_RESUME), S_OK);
    got = 0;
    while (!got && ipc_wait_event(&ev_conn, 60000, &ev) == 1)
        got = ev.event == BP_EVENT_TRANSFERRED && !memcmp(ev.job, id, 16);
    assert_true(got);
    ipc_begin(&ev_conn, BP_EVENT_RESULT);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, BP_EVENT_TRANSFERRED);
    bp_put_i32(&ev_conn.req, S_OK);
    assert_int_equal(call(&ev_conn, &r), S_OK);

    assert_int_equal(job_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_TRANSFERRED);
    assert_int_equal(info.bytes_total, 300 * 1024 + 17);
    assert_int_equal(info.bytes_transferred, 300 * 1024 + 17);
    assert_int_equal(info.files_transferred, 1);
    assert_int_equal(info.reply_bytes_total, 64);
    assert_int_equal(info.reply_bytes_transferred, 64);
    assert_true(info.transfer_completion_time >= info.creation_time);
    bp_job_info_free(&info);

    assert_int_equal(reply_data(&c, id, data, sizeof(data), &len, &null_bytes), S_OK);
    assert_int_equal(len, 64);
    assert_string_equal(data, digest);
    assert_false(access(reply_path, F_OK) == 0);

    assert_int_equal(action(&c, id, BP_ACTION_COMPLETE), S_OK);
    f = fopen(reply_path, "r");
    assert_non_null(f);
    n = fread(data, 1, sizeof(data) - 1, f);
    fclose(f);
    data[n] = 0;
    assert_string_equal(data, digest);
    assert_int_equal(simple(&c, BP_GET_JOB, id), BG_E_NOT_FOUND);
    assert_int_equal(job_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_ACKNOWLEDGED);
    bp_job_info_free(&info);
    assert_int_equal(action(&c, id, BP_ACTION_CANCEL), BG_E_INVALID_STATE);
    ipc_close(&c);
    ipc_close(&ev_conn);
}

/* ---- kill -9 in the middle of an upload ---- */

static void test_kill9_during_upload(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];
    char digest[65], data[128];
    uint64_t len;
    int null_bytes, i, mid = 0;

    assert_int_equal(bits_server_start(in_prefix("srv"), &srv), 0);
    /* hold the final Ack so the job is surely in the middle when killed */
    assert_int_equal(bits_server_control(&srv, "delay_final_ack_ms=5000"), 0);
    connect_ok(&c, 0);
    upload_reply_job(&c, "big.bin", 2 * 1024 * 1024 + 3, id, digest);
    assert_int_equal(action(&c, id, BP_ACTION_RESUME), S_OK);
    for (i = 0; i < 400 && !mid; i++) {
        assert_int_equal(job_info(&c, id, &info), S_OK);
        mid = info.bytes_transferred > 0 || info.state == BP_STATE_TRANSFERRED;
        assert_int_not_equal(info.state, BP_STATE_ERROR);
        if (mid)
            print_message("killing bitsd in state %u after %llu of %llu bytes\n", info.state,
                          (unsigned long long)info.bytes_transferred,
                          (unsigned long long)info.bytes_total);
        bp_job_info_free(&info);
        if (!mid)
            sleep_ms(25);
    }
    assert_true(mid);
    ipc_close(&c);
    stop_daemon(SIGKILL);
    assert_int_equal(bits_server_control(&srv, "reset=1"), 0);

    start_daemon();
    connect_ok(&c, 0);
    assert_int_equal(simple(&c, BP_GET_JOB, id), S_OK);
    assert_int_equal(wait_state(&c, id, BP_STATE_TRANSFERRED, 90), BP_STATE_TRANSFERRED);
    assert_int_equal(reply_data(&c, id, data, sizeof(data), &len, &null_bytes), S_OK);
    assert_string_equal(data, digest);
    assert_int_equal(action(&c, id, BP_ACTION_COMPLETE), S_OK);
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

    assert_int_equal(bits_server_start(in_prefix("srv"), &srv), 0);
    connect_ok(&c, 0);
    upload_reply_job(&c, "late.bin", 1000, id, digest);
    assert_int_equal(action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(wait_state(&c, id, BP_STATE_TRANSFERRED, 60), BP_STATE_TRANSFERRED);

    /* subscribing on a connection without events is refused */
    ipc_begin(&c, BP_SUBSCRIBE);
    bp_put_guid(&c.req, id);
    bp_put_u32(&c.req, 1);
    assert_int_equal(call(&c, &r), E_INVALIDARG);

    connect_ok(&ev_conn, BP_HELLO_EVENTS);
    ipc_begin(&ev_conn, BP_SUBSCRIBE);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, 1);
    assert_int_equal(call(&ev_conn, &r), S_OK);
    assert_int_equal(ipc_wait_event(&ev_conn, 10000, &ev), 1);
    assert_memory_equal(ev.job, id, 16);
    assert_int_equal(ev.event, BP_EVENT_TRANSFERRED);
    assert_int_equal(ev.file, BP_NO_FILE);
    /* a failed callback: the event is re-sent only after MinimumRetryDelay */
    ipc_begin(&ev_conn, BP_EVENT_RESULT);
    bp_put_guid(&ev_conn.req, id);
    bp_put_u32(&ev_conn.req, BP_EVENT_TRANSFERRED);
    bp_put_i32(&ev_conn.req, E_FAIL);
    assert_int_equal(call(&ev_conn, &r), S_OK);
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
    int i, fd;

    mkdir(in_prefix("bin"), 0755);
    fd = open(in_prefix("bin/wine"), O_WRONLY | O_CREAT | O_TRUNC, 0755);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, fake_wine, strlen(fake_wine)), (ssize_t)strlen(fake_wine));
    close(fd);
    assert_int_equal(bits_server_start(in_prefix("srv"), &srv), 0);
    connect_ok(&c, 0);
    upload_reply_job(&c, "n.bin", 100, id, digest);
    bp_guid_format(id, guid);
    snprintf(params, sizeof(params), "\"C:\\Program Files\\n.exe\" %s \"a b\" %%TEMP%%", guid);
    ipc_begin(&c, BP_JOB_SET);
    bp_put_guid(&c.req, id);
    bp_put_u32(&c.req, BP_PROP_NOTIFY_CMDLINE);
    bp_put_str(&c.req, "C:\\Program Files\\n.exe");
    bp_put_str(&c.req, params);
    assert_int_equal(call(&c, &r), S_OK);
    assert_int_equal(action(&c, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(wait_state(&c, id, BP_STATE_TRANSFERRED, 60), BP_STATE_TRANSFERRED);
    for (i = 0; i < 400 && access(in_prefix("notified"), R_OK) != 0; i++)
        sleep_ms(25);
    f = fopen(in_prefix("notified"), "r");
    assert_non_null(f);
    n = fread(got, 1, sizeof(got) - 1, f);
    fclose(f);
    got[n] = 0;
    snprintf(expect, sizeof(expect), "%s\nC:\\Program Files\\n.exe\n%s\na b\n%%TEMP%%\n", prefix, guid);
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
