/*
 * bitsctl end to end: the real bitsd on a temporary prefix and the real
 * bits-server; jobs are made with the native IPC client, then bitsctl is run
 * as a program and its output, JSON and exit status are checked, and its
 * actions are checked against what bitsd says afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
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
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bitsnames.h"
#include "survive_util.h"

#define SID2 "S-1-5-21-1-2-3-1001"

static struct ipc_client ipc;

/* jobs shared by the tests, made in group_setup */
static uint8_t upload_id[16];   /* upload-reply, TRANSFERRED */
static uint8_t dl_id[16];       /* download to a closed port, SUSPENDED */
static uint8_t other_id[16];    /* another owner's empty upload job */
static char upload_guid[39], dl_guid[39], other_guid[39];
static char upload_url[256], reply_path[256];

/* A display name with everything JSON must escape and the terminal must not
 * see raw: quotes, a backslash, a tab, and non-ASCII text. */
#define ODD_NAME "dl \"q\" \\ tab\t \xc3\xa9t\xc3\xa9"
#define ODD_NAME_JSON "\"display_name\": \"dl \\\"q\\\" \\\\ tab\\t \xc3\xa9t\xc3\xa9\""
#define ODD_NAME_TEXT "dl \"q\" \\ tab? \xc3\xa9t\xc3\xa9"

/* ---- IPC helpers (the test's own view of the queue) ---- */

static uint32_t job_state(const uint8_t id[16])
{
    struct bp_job_info info;
    uint32_t state;

    assert_int_equal(sv_info(&ipc, id, &info), S_OK);
    state = info.state;
    bp_job_info_free(&info);
    return state;
}

static void upload_reply_job(const char *name, uint8_t id[16])
{
    char win[256];

    snprintf(upload_url, sizeof(upload_url), "%s/reply/digest/%s", sv.srv.url, name);
    snprintf(win, sizeof(win), "C:\\%s", name);
    sv_make_file(sv_path(name), 200 * 1024 + 3, 13);
    assert_int_equal(sv_create_job(&ipc, name, BP_JOB_UPLOAD_REPLY, id), S_OK);
    assert_int_equal(sv_add_file(&ipc, id, upload_url, win, sv_path(name)), S_OK);
}

/* ---- running bitsctl ---- */

struct run {
    int status;             /* exit status, or -1 when it died of a signal */
    char out[65536];
    char err[8192];
};

static void read_whole(const char *path, char *buf, size_t size)
{
    ssize_t n;
    int fd = open(path, O_RDONLY);

    buf[0] = 0;
    if (fd < 0)
        return;
    n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
}

/* Runs bitsctl with 'args' (NULL-terminated).  with_prefix: pass --prefix;
 * otherwise the prefix comes through WINEPREFIX. */
static pid_t spawn_ctl(int with_prefix, const char *out_path, const char *err_path,
                       const char *const *args)
{
    const char *argv[32];
    int n = 0, i;
    pid_t pid;

    argv[n++] = "bitsctl";
    if (with_prefix) {
        argv[n++] = "--prefix";
        argv[n++] = sv.prefix;
    }
    for (i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0 || err < 0)
            _exit(126);
        dup2(out, 1);
        dup2(err, 2);
        if (with_prefix)
            unsetenv("WINEPREFIX");
        else
            setenv("WINEPREFIX", sv.prefix, 1);
        execv(BITSCTL_PATH, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits for a bitsctl run, killing it after 'seconds' so that a watch that
 * never ends fails the test instead of hanging it. */
static int reap(pid_t pid, int seconds)
{
    int status, i;

    for (i = 0; i < seconds * 20; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        sv_sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fail_msg("bitsctl did not finish within %d s", seconds);
    return -1;
}

static int run_args(struct run *r, int with_prefix, const char *const *args)
{
    pid_t pid = spawn_ctl(with_prefix, sv_path("ctl.out"), sv_path("ctl.err"), args);

    r->status = reap(pid, 60);
    read_whole(sv_path("ctl.out"), r->out, sizeof(r->out));
    read_whole(sv_path("ctl.err"), r->err, sizeof(r->err));
    return r->status;
}

#define CTL(r, ...) run_args((r), 1, (const char *const[]){ __VA_ARGS__, NULL })

/* ---- a small JSON checker ---- */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *js_string(const char *p)
{
    int i;

    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if (!*p || (unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 5;
            } else if (*p && strchr("\"\\/bfnrt", *p))
                p++;
            else
                return NULL;
        } else
            p++;
    }
    return p + 1;
}

static const char *js_number(const char *p)
{
    const char *start;

    if (*p == '-')
        p++;
    start = p;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == start)
        return NULL;
    if (*p == '.') {
        start = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == start)
            return NULL;
    }
    return p;
}

static const char *js_members(const char *p, char close, int depth, int keyed)
{
    p = js_ws(p);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            p = js_string(js_ws(p));
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p++ != ':')
                return NULL;
        }
        p = js_value(p, depth + 1);
        if (!p)
            return NULL;
        p = js_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 20)
        return NULL;
    p = js_ws(p);
    switch (*p) {
    case '{': return js_members(p + 1, '}', depth, 1);
    case '[': return js_members(p + 1, ']', depth, 0);
    case '"': return js_string(p);
    case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
    default:  return js_number(p);
    }
}

static void assert_json(const char *text)
{
    const char *end = js_value(text, 0);

    if (!end || *js_ws(end))
        fail_msg("not one JSON document: %s", text);
}

/* The object whose "id" is 'guid' (id is the first key bitsctl writes), as
 * a malloc'd string; fails when there is none. */
static char *json_object_with_id(const char *text, const char *guid)
{
    char key[64];
    const char *at, *start, *p;
    int depth = 0;
    char *copy;

    snprintf(key, sizeof(key), "\"id\": \"%s\"", guid);
    at = strstr(text, key);
    if (!at)
        fail_msg("no object with id %s in %s", guid, text);
    for (start = at; start > text && *start != '{'; start--)
        ;
    assert_int_equal(*start, '{');
    for (p = start; *p; p++) {
        if (*p == '"') {
            p = js_string(p) - 1;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        if ((*p == '}' || *p == ']') && --depth == 0)
            break;
    }
    assert_int_equal(*p, '}');
    copy = strndup(start, (size_t)(p - start + 1));
    assert_non_null(copy);
    return copy;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" not found in:\n%s", needle, hay ? hay : "(nothing)");
}

/* The line of 'text' that contains 'needle', copied into 'line'. */
static void line_with(const char *text, const char *needle, char *line, size_t size)
{
    const char *at = strstr(text, needle), *start, *end;

    if (!at)
        fail_msg("\"%s\" not found in:\n%s", needle, text);
    for (start = at; start > text && start[-1] != '\n'; start--)
        ;
    end = strchr(at, '\n');
    if (!end)
        end = at + strlen(at);
    snprintf(line, size, "%.*s", (int)(end - start), start);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
    struct ipc_client other;
    uint32_t st;

    sv_setup("bitsctl");
    if (sv_start_daemon(NULL) != 0 || bits_server_start(sv_path("srv"), &sv.srv) != 0)
        return -1;
    if (ipc_connect(&ipc, sv.statedir, SV_SID, 0) != 0)
        return -1;

    upload_reply_job("ctl-upload.bin", upload_id);
    snprintf(reply_path, sizeof(reply_path), "%s", sv_path("reply.txt"));
    assert_int_equal(sv_set_strs(&ipc, upload_id, BP_PROP_REPLY_FILE_NAME, "C:\\reply.txt", reply_path), S_OK);
    assert_int_equal(sv_action(&ipc, upload_id, BP_ACTION_RESUME), S_OK);
    st = sv_wait_state(&ipc, upload_id, BP_STATE_TRANSFERRED, 60);
    assert_int_equal(st, BP_STATE_TRANSFERRED);

    /* nobody listens on port 1 of 127.0.0.1: resumed, this job can only
     * go round QUEUED / CONNECTING / TRANSIENT_ERROR, never finish */
    assert_int_equal(sv_create_job(&ipc, ODD_NAME, BP_JOB_DOWNLOAD, dl_id), S_OK);
    assert_int_equal(sv_add_file(&ipc, dl_id, "http://127.0.0.1:1/never.bin", "C:\\never.bin",
                              sv_path("never.bin")), S_OK);

    assert_int_equal(ipc_connect(&other, sv.statedir, SID2, 0), 0);
    assert_int_equal(sv_create_job(&other, "other-owner", BP_JOB_UPLOAD, other_id), S_OK);
    ipc_close(&other);

    bp_guid_format(upload_id, upload_guid);
    bp_guid_format(dl_id, dl_guid);
    bp_guid_format(other_id, other_guid);
    return 0;
}

static int group_teardown(void **state)
{
    ipc_close(&ipc);
    return sv_teardown();
}

/* ---- tests ---- */

static void test_names(void **state)
{
    char buf[BN_HRESULT_TEXT_MAX];

    assert_string_equal(bn_state_name(BP_STATE_TRANSFERRING), "TRANSFERRING");
    assert_string_equal(bn_state_name(BP_STATE_CANCELLED), "CANCELLED");
    assert_null(bn_state_name(9));
    assert_string_equal(bn_type_name(BP_JOB_UPLOAD_REPLY), "UPLOAD_REPLY");
    assert_string_equal(bn_priority_name(BP_PRIORITY_LOW), "LOW");
    assert_string_equal(bn_context_name(BP_CONTEXT_REMOTE_APPLICATION), "REMOTE_APPLICATION");
    assert_string_equal(bn_proxy_usage_name(BP_PROXY_AUTODETECT), "AUTODETECT");
    assert_string_equal(bn_hresult_format(BP_HTTP_ERROR(404), buf, sizeof(buf)),
                        "0x80190194 (BG_E_HTTP_ERROR_404)");
    assert_string_equal(bn_hresult_format(BG_E_NOT_FOUND, buf, sizeof(buf)),
                        "0x80200001 (BG_E_NOT_FOUND)");
    assert_string_equal(bn_hresult_format(BP_HR(0x8020003E), buf, sizeof(buf)),
                        "0x8020003E (BG_E_BLOCKED_BY_POLICY)");
    assert_string_equal(bn_hresult_format(E_INVALIDARG, buf, sizeof(buf)),
                        "0x80070057 (E_INVALIDARG)");
    assert_string_equal(bn_hresult_format(BP_HR(0x8BADF00D), buf, sizeof(buf)), "0x8BADF00D");
    assert_null(bn_hresult_symbol(BP_HR(0x80190000), buf, sizeof(buf)));
    assert_true(bn_state_is_resting(BP_STATE_ERROR));
    assert_false(bn_state_is_resting(BP_STATE_TRANSIENT_ERROR));
}

static void test_usage_errors(void **state)
{
    struct run r;

    assert_int_equal(run_args(&r, 1, (const char *const[]){ NULL }), 2);
    assert_int_equal(CTL(&r, "frobnicate"), 2);
    assert_contains(r.err, "unknown command");
    assert_int_equal(CTL(&r, "info"), 2);
    assert_int_equal(CTL(&r, "suspend", upload_guid, dl_guid), 2);
    assert_int_equal(CTL(&r, "list", "--bogus"), 2);
    assert_int_equal(CTL(&r, "--json", "watch"), 2);
    assert_int_equal(CTL(&r, "--help"), 0);
    assert_contains(r.out, "usage: bitsctl");
}

static void test_list_text(void **state)
{
    char line[1024], bytes[64];
    struct run r;

    assert_int_equal(CTL(&r, "list"), 0);
    line_with(r.out, upload_guid, line, sizeof(line));
    assert_contains(line, "TRANSFERRED");
    assert_contains(line, "UPLOAD_REPLY");
    snprintf(bytes, sizeof(bytes), "%u/%u", 200 * 1024 + 3, 200 * 1024 + 3);
    assert_contains(line, bytes);
    assert_contains(line, "1/1");
    assert_contains(line, "ctl-upload.bin");

    line_with(r.out, dl_guid, line, sizeof(line));
    assert_contains(line, "SUSPENDED");
    assert_contains(line, "DOWNLOAD");
    assert_contains(line, ODD_NAME_TEXT);      /* the tab never reaches the terminal */
    assert_null(strchr(r.out, '\t'));

    /* another owner's job: bitsctl lists every owner */
    line_with(r.out, other_guid, line, sizeof(line));
    assert_contains(line, "UPLOAD ");
    assert_contains(line, "other-owner");

    /* --all changes nothing; WINEPREFIX finds the prefix without --prefix */
    assert_int_equal(CTL(&r, "list", "--all"), 0);
    assert_contains(r.out, other_guid);
    assert_int_equal(run_args(&r, 0, (const char *const[]){ "list", NULL }), 0);
    assert_contains(r.out, upload_guid);
    assert_contains(r.out, dl_guid);
}

static void test_list_json(void **state)
{
    struct run r;
    char *obj;

    assert_int_equal(CTL(&r, "--json", "list"), 0);
    assert_json(r.out);
    assert_int_equal(js_ws(r.out)[0], '[');

    obj = json_object_with_id(r.out, upload_guid);
    assert_contains(obj, "\"state\": \"TRANSFERRED\"");
    assert_contains(obj, "\"type\": \"UPLOAD_REPLY\"");
    assert_contains(obj, "\"owner\": \"" SV_SID "\"");
    assert_contains(obj, "\"bytes_transferred\": 204803");
    assert_contains(obj, "\"bytes_total\": 204803");
    assert_contains(obj, "\"files_transferred\": 1");
    assert_contains(obj, "\"error\": null");
    free(obj);

    obj = json_object_with_id(r.out, dl_guid);
    assert_contains(obj, "\"state\": \"SUSPENDED\"");
    assert_contains(obj, "\"type\": \"DOWNLOAD\"");
    assert_contains(obj, ODD_NAME_JSON);
    free(obj);

    /* an unknown size is null, not 2^64-1 */
    obj = json_object_with_id(r.out, other_guid);
    assert_contains(obj, "\"owner\": \"" SID2 "\"");
    assert_contains(obj, "\"files_total\": 0");
    free(obj);

    /* --json may come after the command as well */
    assert_int_equal(CTL(&r, "list", "--json"), 0);
    assert_json(r.out);
}

static void test_info(void **state)
{
    char bare[37], line[1024];
    struct run r;
    char *obj;

    /* GUID without braces */
    memcpy(bare, upload_guid + 1, 36);
    bare[36] = 0;
    assert_int_equal(CTL(&r, "info", bare), 0);
    assert_contains(r.out, upload_guid);
    line_with(r.out, "State:", line, sizeof(line));
    assert_contains(line, "TRANSFERRED");
    line_with(r.out, "Type:", line, sizeof(line));
    assert_contains(line, "UPLOAD_REPLY");
    line_with(r.out, "Reply progress:", line, sizeof(line));
    assert_contains(line, "64/64");
    assert_contains(r.out, "C:\\reply.txt");
    assert_contains(r.out, upload_url);
    assert_contains(r.out, SV_SID);
    line_with(r.out, "Error:", line, sizeof(line));
    assert_contains(line, "-");

    /* by display name, and as JSON */
    assert_int_equal(CTL(&r, "--json", "info", "ctl-upload.bin"), 0);
    assert_json(r.out);
    obj = json_object_with_id(r.out, upload_guid);
    assert_contains(obj, "\"state\": \"TRANSFERRED\"");
    assert_contains(obj, "\"priority\": \"NORMAL\"");
    assert_contains(obj, "\"files\": [");
    assert_contains(obj, "\"completed\": true");
    assert_contains(obj, "\"local_name\": \"C:\\\\ctl-upload.bin\"");
    assert_contains(obj, "\"file_name\": \"C:\\\\reply.txt\"");
    assert_contains(obj, "\"bytes_total\": 64");
    assert_contains(obj, "\"creation_time\": \"20");
    assert_contains(obj, "\"min_retry_delay\": 600");
    free(obj);

    /* with braces, the download: no reply part */
    assert_int_equal(CTL(&r, "--json", "info", dl_guid), 0);
    assert_json(r.out);
    assert_contains(r.out, "\"reply\": null");
    assert_contains(r.out, "\"remote_name\": \"http://127.0.0.1:1/never.bin\"");
}

static void test_job_lookup_failures(void **state)
{
    uint8_t twin1[16], twin2[16];
    struct run r;

    assert_int_equal(CTL(&r, "info", "{00000000-0000-0000-0000-000000000001}"), 1);
    assert_contains(r.err, "0x80200001 (BG_E_NOT_FOUND)");
    assert_int_equal(CTL(&r, "info", "no such job"), 1);
    assert_contains(r.err, "BG_E_NOT_FOUND");

    assert_int_equal(sv_create_job(&ipc, "twin", BP_JOB_DOWNLOAD, twin1), S_OK);
    assert_int_equal(sv_create_job(&ipc, "twin", BP_JOB_DOWNLOAD, twin2), S_OK);
    assert_int_equal(CTL(&r, "cancel", "twin"), 1);
    assert_contains(r.err, "more than one job");
    assert_int_equal(job_state(twin1), BP_STATE_SUSPENDED);
    assert_int_equal(sv_action(&ipc, twin1, BP_ACTION_CANCEL), S_OK);
    /* a cancelled job is not in the queue any more: the name is unique now */
    assert_int_equal(CTL(&r, "cancel", "twin"), 0);
    assert_int_equal(job_state(twin2), BP_STATE_CANCELLED);
}

static void test_watch_once(void **state)
{
    char line[1024];
    struct run r;
    char *obj;

    assert_int_equal(CTL(&r, "watch", "--once"), 0);
    line_with(r.out, upload_guid, line, sizeof(line));
    assert_contains(line, "TRANSFERRED");
    assert_contains(line, "100.0%");
    line_with(r.out, dl_guid, line, sizeof(line));
    assert_contains(line, "SUSPENDED");

    assert_int_equal(CTL(&r, "--json", "watch", "--once", upload_guid), 0);
    assert_json(r.out);
    obj = json_object_with_id(r.out, upload_guid);
    assert_contains(obj, "\"state\": \"TRANSFERRED\"");
    free(obj);
    assert_null(strstr(r.out, dl_guid));    /* only the job asked for */

    /* a watch of jobs that rest already ends by itself */
    assert_int_equal(CTL(&r, "watch", upload_guid), 0);
    assert_contains(r.out, "TRANSFERRED");
}

/* The terminal view draws bars; run it on a pseudo-terminal. */
static void test_watch_terminal(void **state)
{
    char out[16384], short_id[10];
    size_t got = 0;
    int master, status;
    ssize_t n;
    pid_t pid;

    pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(BITSCTL_PATH, "bitsctl", "--prefix", sv.prefix, "watch", "--once", (char *)NULL);
        _exit(127);
    }
    /* read until the child closes the terminal (EIO on Linux) */
    while (got < sizeof(out) - 1 && (n = read(master, out + got, sizeof(out) - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = 0;
    close(master);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_contains(out, "\033[2K");
    assert_contains(out, "[####");              /* the finished upload's full bar */
    assert_contains(out, "100.0%");
    memcpy(short_id, upload_guid + 1, 8);   /* "6B29FC40": the view's short id */
    short_id[8] = 0;
    assert_contains(out, short_id);
}

/* A live, non-terminal watch prints a line per change and ends when the job
 * is TRANSFERRED. */
static void test_watch_live(void **state)
{
    char out[65536], guid[39], line[1024], *first_end, *last;
    uint8_t id[16];
    pid_t pid;
    int i, rc;

    upload_reply_job("ctl-live.bin", id);
    bp_guid_format(id, guid);
    pid = spawn_ctl(1, sv_path("live.out"), sv_path("live.err"),
                    (const char *const[]){ "watch", guid, NULL });
    /* resume only once the watch has shown the job as it was */
    for (i = 0; i < 200; i++) {
        read_whole(sv_path("live.out"), out, sizeof(out));
        if (strchr(out, '\n'))
            break;
        sv_sleep_ms(50);
    }
    assert_non_null(strchr(out, '\n'));
    assert_int_equal(sv_action(&ipc, id, BP_ACTION_RESUME), S_OK);
    rc = reap(pid, 60);
    read_whole(sv_path("live.out"), out, sizeof(out));
    assert_int_equal(rc, 0);

    first_end = strchr(out, '\n');
    snprintf(line, sizeof(line), "%.*s", (int)(first_end - out), out);
    assert_contains(line, guid);
    assert_contains(line, "SUSPENDED");
    out[strlen(out) - 1] = 0;       /* the last line, without its newline */
    last = strrchr(out, '\n');
    assert_non_null(last);
    assert_contains(last, "TRANSFERRED");
    assert_contains(last, "reply 64/64");
    assert_int_equal(job_state(id), BP_STATE_TRANSFERRED);
    assert_int_equal(sv_action(&ipc, id, BP_ACTION_CANCEL), S_OK);
}

/* A final HTTP error shows by name, in text, JSON and watch. */
static void test_error_names(void **state)
{
    char url[256], line[1024];
    uint8_t id[16];
    struct run r;
    char guid[39];
    char *obj;

    snprintf(url, sizeof(url), "%s/files/does-not-exist.bin", sv.srv.url);
    assert_int_equal(sv_create_job(&ipc, "ctl-404", BP_JOB_DOWNLOAD, id), S_OK);
    assert_int_equal(sv_add_file(&ipc, id, url, "C:\\404.bin", sv_path("404.bin")), S_OK);
    assert_int_equal(sv_action(&ipc, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&ipc, id, BP_STATE_ERROR, 60), BP_STATE_ERROR);
    bp_guid_format(id, guid);

    assert_int_equal(CTL(&r, "info", "ctl-404"), 0);
    line_with(r.out, "Error:", line, sizeof(line));
    assert_contains(line, "0x80190194 (BG_E_HTTP_ERROR_404)");
    assert_contains(line, "REMOTE_FILE");

    assert_int_equal(CTL(&r, "--json", "info", guid), 0);
    assert_json(r.out);
    obj = json_object_with_id(r.out, guid);
    assert_contains(obj, "\"state\": \"ERROR\"");
    assert_contains(obj, "\"hresult\": \"0x80190194\"");
    assert_contains(obj, "\"name\": \"BG_E_HTTP_ERROR_404\"");
    assert_contains(obj, "\"context\": \"REMOTE_FILE\"");
    assert_contains(obj, "\"file\": 0");
    free(obj);

    /* ERROR is a resting state: the watch ends */
    assert_int_equal(CTL(&r, "watch", guid), 0);
    assert_contains(r.out, "ERROR 0x80190194 (BG_E_HTTP_ERROR_404)");
    assert_int_equal(sv_action(&ipc, id, BP_ACTION_CANCEL), S_OK);
}

static void test_actions(void **state)
{
    char buf[128], bare[37];
    struct run r;
    uint32_t st;
    FILE *f;

    /* resume / suspend the download */
    assert_int_equal(CTL(&r, "resume", dl_guid), 0);
    assert_contains(r.out, "resumed");
    assert_int_not_equal(job_state(dl_id), BP_STATE_SUSPENDED);
    assert_int_equal(CTL(&r, "suspend", dl_guid), 0);
    assert_contains(r.out, "state SUSPENDED");
    assert_int_equal(job_state(dl_id), BP_STATE_SUSPENDED);

    /* an empty job cannot resume: the HRESULT is printed by name */
    assert_int_equal(CTL(&r, "resume", "other-owner"), 1);
    assert_contains(r.err, "0x80200003 (BG_E_EMPTY)");
    assert_int_equal(job_state(other_id), BP_STATE_SUSPENDED);

    /* complete the upload-reply job: ACKNOWLEDGED, reply file in place */
    assert_int_equal(CTL(&r, "complete", upload_guid), 0);
    assert_contains(r.out, "completed");
    assert_int_equal(job_state(upload_id), BP_STATE_ACKNOWLEDGED);
    f = fopen(reply_path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_int_equal(strlen(buf), 64);

    /* cancel the download (named by its bare GUID); a second cancel is a
     * state error */
    memcpy(bare, dl_guid + 1, 36);
    bare[36] = 0;
    assert_int_equal(CTL(&r, "cancel", bare), 0);
    assert_contains(r.out, "state CANCELLED");
    st = job_state(dl_id);
    assert_int_equal(st, BP_STATE_CANCELLED);
    assert_int_equal(CTL(&r, "cancel", dl_guid), 1);
    assert_contains(r.err, "0x80200002 (BG_E_INVALID_STATE)");
    assert_int_equal(CTL(&r, "suspend", upload_guid), 1);
    assert_contains(r.err, "BG_E_INVALID_STATE");

    /* final jobs have left the list */
    assert_int_equal(CTL(&r, "list"), 0);
    assert_null(strstr(r.out, upload_guid));
    assert_null(strstr(r.out, dl_guid));
    assert_contains(r.out, other_guid);
}

static void test_no_daemon(void **state)
{
    char other[128], msg[200], port[16];
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    struct run r;
    int fd;

    /* the running daemon goes away: exit 3, and the message names the prefix */
    sv_stop_daemon(SIGTERM);
    assert_int_equal(CTL(&r, "list"), 3);
    snprintf(msg, sizeof(msg), "bitsd is not running for prefix %s", sv.prefix);
    assert_contains(r.err, msg);
    assert_int_equal(CTL(&r, "info", upload_guid), 3);
    assert_int_equal(CTL(&r, "watch", "--once"), 3);
    assert_int_equal(CTL(&r, "cancel", other_guid), 3);

    /* a port file whose port nobody listens on (left by a killed bitsd) */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(port, sizeof(port), "%u\n", ntohs(sa.sin_port));
    close(fd);
    fd = open(sv_path("bitsd/port"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, port, strlen(port)), (ssize_t)strlen(port));
    close(fd);
    assert_int_equal(CTL(&r, "list"), 3);
    assert_contains(r.err, msg);

    /* a prefix that never had a bitsd */
    snprintf(other, sizeof(other), "%s/empty-prefix", sv.prefix);
    mkdir(other, 0755);
    /* (--prefix wins over WINEPREFIX, which run_args sets to the live sv.prefix) */
    assert_int_equal(run_args(&r, 0, (const char *const[]){ "--prefix", other, "list", NULL }),
                     3);
    snprintf(msg, sizeof(msg), "bitsd is not running for prefix %s", other);
    assert_contains(r.err, msg);
    /* ...and bitsctl did not start one there */
    assert_int_not_equal(access(sv_path("empty-prefix/bitsd/port"), F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_list_text),
        cmocka_unit_test(test_list_json),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_job_lookup_failures),
        cmocka_unit_test(test_watch_once),
        cmocka_unit_test(test_watch_terminal),
        cmocka_unit_test(test_watch_live),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_no_daemon),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
