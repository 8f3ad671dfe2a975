/*
 * The job state machine and its error codes, driven through the functions
 * the IPC server calls (jobs_*), with a scripted transfer engine in place of
 * xferengine: the test decides when a transfer makes progress, checkpoints
 * or finishes.  No network.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bitsd.h"

#define BG_E_HTTP_ERROR(x) BP_HTTP_ERROR(x)

/* ---- scripted engine (replaces xferengine for this test) ---- */

struct xfer {
    struct xfer *next;
    struct xfer_engine *e;
    struct xfer_request req;
    char *url, *local, *temp, *reply, *content, *session;
    const struct xfer_callbacks *cb;
    void *ctx;
};

struct xfer_engine {
    struct xfer *running;
    unsigned started, aborted, cancels;
    char cancel_session[128];
    int32_t cancel_hr;
};

struct xfer_engine *xfer_engine_new(void) { return calloc(1, sizeof(struct xfer_engine)); }
void xfer_engine_free(struct xfer_engine *e) { free(e); }
int xfer_engine_wait(struct xfer_engine *e, struct curl_waitfd *f, unsigned n, int t) { return 0; }
void xfer_engine_run(struct xfer_engine *e) { }
long xfer_engine_timeout(struct xfer_engine *e) { return -1; }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

struct xfer *xfer_start(struct xfer_engine *e, const struct xfer_request *req,
                        const struct xfer_callbacks *cb, void *ctx)
{
    struct xfer *x = calloc(1, sizeof(*x));

    x->e = e;
    x->req = *req;
    x->url = dup_or_null(req->url);
    x->local = dup_or_null(req->local_path);
    x->temp = dup_or_null(req->temp_path);
    x->reply = dup_or_null(req->reply_path);
    x->content = dup_or_null(req->content_name);
    x->session = dup_or_null(req->resume.session_id);
    x->cb = cb;
    x->ctx = ctx;
    x->next = e->running;
    e->running = x;
    e->started++;
    return x;
}

static void xfer_unlink(struct xfer *x)
{
    struct xfer **p;

    for (p = &x->e->running; *p; p = &(*p)->next) {
        if (*p == x) {
            *p = x->next;
            break;
        }
    }
    free(x->url);
    free(x->local);
    free(x->temp);
    free(x->reply);
    free(x->content);
    free(x->session);
    free(x);
}

void xfer_abort(struct xfer *x)
{
    x->e->aborted++;
    xfer_unlink(x);
}

/* The fake engine makes no handshake: nothing waits for a verdict. */
void xfer_cert_verdict(struct xfer *x, int32_t hr)
{
}

void xfer_cancel_session(struct xfer_engine *e, const char *url, const char *session_id,
                         const char *host_id, const struct xfer_credential *creds, unsigned n,
                         void (*done)(void *ctx, int32_t hr), void *ctx)
{
    e->cancels++;
    snprintf(e->cancel_session, sizeof(e->cancel_session), "%s", session_id);
    if (done)
        done(ctx, e->cancel_hr);
}

/* ---- helpers ---- */

#define SID "S-1-5-21-1-2-3-1000"
#define SID2 "S-1-5-21-1-2-3-1001"

struct fixture {
    char root[64];
    char statedir[128];
    struct bitsd d;
};

static struct fixture *fx;

static void write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static char *read_file(const char *path, size_t *len)
{
    static char buf[1 << 21];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    if (fd < 0)
        return NULL;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n < 0 ? 0 : n] = 0;
    *len = n < 0 ? 0 : (size_t)n;
    return buf;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static char *in_root(const char *name)
{
    static char buf[8][256];
    static int i;
    char *b = buf[i++ % 8];

    snprintf(b, 256, "%s/%s", fx->root, name);
    return b;
}

static int setup(void **state)
{
    fx = calloc(1, sizeof(*fx));
    strcpy(fx->root, "/tmp/daemon-jobs-XXXXXX");
    assert_non_null(mkdtemp(fx->root));
    snprintf(fx->statedir, sizeof(fx->statedir), "%s/bitsd", fx->root);
    assert_int_equal(statedir_create(fx->statedir), 0);
    assert_int_equal(bitsd_core_init(&fx->d, fx->root, fx->statedir), 0);
    fx->d.engine = xfer_engine_new();
    mkdir(in_root("dir"), 0755);
    write_file(in_root("dir/src.bin"), "hello upload", 12);
    *state = fx;
    return 0;
}

static void reopen(void)
{
    struct xfer_engine *e = fx->d.engine;

    sched_shutdown(&fx->d);
    fx->d.engine = NULL;
    bitsd_core_free(&fx->d);
    assert_int_equal(bitsd_core_init(&fx->d, fx->root, fx->statedir), 0);
    fx->d.engine = e;
}

static int teardown(void **state)
{
    char cmd[128];
    struct xfer_engine *e = fx->d.engine;

    sched_shutdown(&fx->d);
    bitsd_core_free(&fx->d);
    while (e->running)
        xfer_unlink(e->running);
    xfer_engine_free(e);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

static struct job *create(uint32_t type, uint8_t id[16])
{
    assert_int_equal(jobs_create(&fx->d, SID, "job", type, id), S_OK);
    return jobs_find(&fx->d, id);
}

static struct job *upload_job(uint32_t type, uint8_t id[16])
{
    struct job *job = create(type, id);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/reply/digest/x",
                                   "C:\\dir\\src.bin", in_root("dir/src.bin")), S_OK);
    return job;
}

static int32_t set_str(const uint8_t id[16], uint32_t prop, const char *a, const char *b)
{
    struct job_set s = { .prop = prop, .s1 = (char *)a, .s2 = (char *)b };
    return jobs_set(&fx->d, id, &s);
}

static int32_t set_u32(const uint8_t id[16], uint32_t prop, uint32_t v)
{
    struct job_set s = { .prop = prop, .u32 = v };
    return jobs_set(&fx->d, id, &s);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

static void finish(struct job *job, int32_t hr, int context, int transient)
{
    struct xfer_result res = { hr, context, transient };
    struct xfer *x = job->xfer;

    assert_non_null(x);
    x->cb->finished(x->ctx, &res);
    xfer_unlink(x);
}

static int checkpoint(struct job *job, const char *session, uint64_t acked, uint64_t total)
{
    struct xfer_checkpoint cp;

    memset(&cp, 0, sizeof(cp));
    cp.session_id = session;
    cp.acked = acked;
    cp.total = total;
    cp.reply_total = BP_SIZE_UNKNOWN;
    return job->xfer->cb->checkpoint(job->xfer->ctx, &cp);
}

/* ---- CREATE_JOB ---- */

static void test_create_defaults(void **state)
{
    struct bp_job_info info;
    uint8_t id[16];
    uint64_t before = filetime_now();

    create(BP_JOB_UPLOAD_REPLY, id);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_SUSPENDED);
    assert_int_equal(info.type, BP_JOB_UPLOAD_REPLY);
    assert_int_equal(info.priority, BP_PRIORITY_NORMAL);
    assert_int_equal(info.notify_flags, 0x3);
    assert_int_equal(info.min_retry_delay, 600);
    assert_int_equal(info.no_progress_timeout, 1209600);
    assert_string_equal(info.owner, SID);
    assert_string_equal(info.display_name, "job");
    assert_true(info.creation_time >= before && info.creation_time == info.modification_time);
    assert_int_equal(info.error_context, 0);
    assert_int_equal(info.files_total, 0);
    assert_true(info.reply_bytes_total == BP_SIZE_UNKNOWN);
    assert_null(info.reply_file_name);
    assert_int_equal(id[7] >> 4, 4);
    bp_job_info_free(&info);
}

static void test_create_errors(void **state)
{
    uint8_t id[16];
    char *name = repeat('a', 256), *emoji;
    size_t i;

    assert_int_equal(jobs_create(&fx->d, SID, NULL, 0, id), E_INVALIDARG);
    assert_int_equal(jobs_create(&fx->d, SID, "x", 3, id), E_INVALIDARG);
    assert_int_equal(jobs_create(&fx->d, SID, name, 0, id), S_OK);
    name = realloc(name, 258);
    strcat(name, "a");
    assert_int_equal(jobs_create(&fx->d, SID, name, 0, id), E_INVALIDARG);
    free(name);
    /* 128 characters outside the BMP are 256 UTF-16 units: allowed; 129 are not */
    emoji = malloc(129 * 4 + 1);
    for (i = 0; i < 128; i++)
        memcpy(emoji + 4 * i, "\xF0\x9F\x98\x80", 4);
    emoji[512] = 0;
    assert_int_equal(jobs_create(&fx->d, SID, emoji, 0, id), S_OK);
    memcpy(emoji + 512, "\xF0\x9F\x98\x80", 4);
    emoji[516] = 0;
    assert_int_equal(jobs_create(&fx->d, SID, emoji, 0, id), E_INVALIDARG);
    free(emoji);
}

static void test_job_limits(void **state)
{
    char sid[64];
    uint8_t id[16];
    int u, i;

    for (i = 0; i < 60; i++)
        assert_int_equal(jobs_create(&fx->d, SID, "j", 0, id), S_OK);
    assert_int_equal(jobs_create(&fx->d, SID, "j", 0, id), BG_E_TOO_MANY_JOBS_PER_USER);
    /* a finished job no longer counts */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_CANCEL, NULL), S_OK);
    assert_int_equal(jobs_create(&fx->d, SID, "j", 0, id), S_OK);
    for (u = 0; u < 4; u++) {
        snprintf(sid, sizeof(sid), "S-1-5-21-9-%d", u);
        for (i = 0; i < 60; i++)
            assert_int_equal(jobs_create(&fx->d, sid, "j", 0, id), S_OK);
    }
    assert_int_equal(jobs_create(&fx->d, "S-1-5-21-9-99", "j", 0, id), BG_E_TOO_MANY_JOBS_PER_MACHINE);
}

/* ---- GET_JOB / ENUM_JOBS / finished jobs ---- */

static void test_get_enum_finished(void **state)
{
    uint8_t a[16], b[16], c[16], unknown[16] = { 1, 2, 3 }, (*ids)[16];
    struct bp_job_info info;
    uint32_t n;

    create(BP_JOB_DOWNLOAD, a);
    assert_int_equal(jobs_create(&fx->d, SID2, "other", 0, b), S_OK);
    create(BP_JOB_DOWNLOAD, c);
    assert_int_equal(jobs_get(&fx->d, unknown), BG_E_NOT_FOUND);
    assert_int_equal(jobs_get(&fx->d, a), S_OK);

    assert_int_equal(jobs_enum(&fx->d, SID, 0, &ids, &n), S_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(ids[0], a, 16);
    assert_memory_equal(ids[1], c, 16);
    free(ids);
    assert_int_equal(jobs_enum(&fx->d, SID, 1, &ids, &n), S_OK);
    assert_int_equal(n, 3);
    free(ids);

    assert_int_equal(jobs_action(&fx->d, a, BP_ACTION_CANCEL, NULL), S_OK);
    assert_int_equal(jobs_get(&fx->d, a), BG_E_NOT_FOUND);
    assert_int_equal(jobs_enum(&fx->d, SID, 1, &ids, &n), S_OK);
    assert_int_equal(n, 2);
    free(ids);
    /* getters still work on the finished job; changes do not */
    assert_int_equal(jobs_info(&fx->d, a, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_CANCELLED);
    bp_job_info_free(&info);
    assert_int_equal(set_str(a, BP_PROP_DESCRIPTION, "d", NULL), BG_E_INVALID_STATE);
    assert_int_equal(set_u32(a, BP_PROP_PRIORITY, 1), BG_E_INVALID_STATE);
    assert_int_equal(jobs_action(&fx->d, a, BP_ACTION_RESUME, NULL), BG_E_INVALID_STATE);
    assert_int_equal(jobs_action(&fx->d, a, BP_ACTION_CANCEL, NULL), BG_E_INVALID_STATE);
    assert_int_equal(jobs_action(&fx->d, a, BP_ACTION_COMPLETE, NULL), BG_E_INVALID_STATE);
    assert_int_equal(jobs_add_file(&fx->d, a, "http://h/x", "C:\\dir\\x", in_root("dir/x")),
                     BG_E_INVALID_STATE);
    assert_int_equal(jobs_set_credentials(&fx->d, a, 1, 1, "u", "p"), BG_E_INVALID_STATE);
    assert_int_equal(jobs_action(&fx->d, unknown, BP_ACTION_RESUME, NULL), BG_E_NOT_FOUND);
    assert_int_equal(jobs_info(&fx->d, unknown, &info), BG_E_NOT_FOUND);
}

/* ---- ADD_FILE ---- */

static void test_add_file_errors(void **state)
{
    uint8_t up[16], dl[16];
    char *url;
    int i;

    create(BP_JOB_UPLOAD, up);
    create(BP_JOB_DOWNLOAD, dl);
    assert_int_equal(jobs_add_file(&fx->d, up, "ftp://h/x", "C:\\dir\\src.bin",
                                   in_root("dir/src.bin")), E_INVALIDARG);
    assert_int_equal(jobs_add_file(&fx->d, up, "file:///x", "C:\\dir\\src.bin",
                                   in_root("dir/src.bin")), E_INVALIDARG);
    assert_int_equal(jobs_add_file(&fx->d, up, "http://h/x", "C:\\dir\\src.bin", "dir/src.bin"),
                     E_INVALIDARG);
    assert_int_equal(jobs_add_file(&fx->d, up, "http://h/x", "C:\\nodir\\src.bin",
                                   in_root("nodir/src.bin")), BP_E_PATH_NOT_FOUND);
    assert_int_equal(jobs_add_file(&fx->d, up, "http://h/x", "C:\\dir\\missing",
                                   in_root("dir/missing")), BP_E_FILE_NOT_FOUND);
    url = malloc(2300);
    strcpy(url, "http://h/");
    memset(url + 9, 'u', 2200 - 9);
    url[2200] = 0;
    assert_int_equal(jobs_add_file(&fx->d, dl, url, "C:\\dir\\a", in_root("dir/a")), S_OK);
    strcat(url, "u");
    assert_int_equal(jobs_add_file(&fx->d, dl, url, "C:\\dir\\a", in_root("dir/a")), E_INVALIDARG);
    free(url);
    assert_int_equal(jobs_add_file(&fx->d, dl, "file:///srv/x", "C:\\dir\\b", in_root("dir/b")), S_OK);
    assert_int_equal(jobs_add_file(&fx->d, dl, "\\\\server\\share\\x", "C:\\dir\\c",
                                   in_root("dir/c")), S_OK);
    assert_int_equal(jobs_add_file(&fx->d, dl, "http://h/x", "C:\\dir\\d:stream",
                                   in_root("dir/d")), E_INVALIDARG);
    assert_int_equal(jobs_add_file(&fx->d, up, "http://h/x", "C:\\dir\\src.bin",
                                   in_root("dir/src.bin")), S_OK);
    assert_int_equal(jobs_add_file(&fx->d, up, "http://h/y", "C:\\dir\\src.bin",
                                   in_root("dir/src.bin")), BG_E_TOO_MANY_FILES);
    for (i = 3; i < 200; i++)
        assert_int_equal(jobs_add_file(&fx->d, dl, "http://h/x", "C:\\dir\\f", in_root("dir/f")), S_OK);
    assert_int_equal(jobs_add_file(&fx->d, dl, "http://h/x", "C:\\dir\\f", in_root("dir/f")),
                     BG_E_TOO_MANY_FILES_IN_JOB);
}

static void test_default_reply_name(void **state)
{
    struct bp_job_info info;
    uint8_t id[16];
    struct job *job = upload_job(BP_JOB_UPLOAD_REPLY, id);

    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_non_null(info.reply_file_name);
    assert_int_equal(strncmp(info.reply_file_name, "C:\\dir\\BIT", 10), 0);
    assert_int_equal(strlen(info.reply_file_name), strlen("C:\\dir\\BITxxxx.tmp"));
    assert_string_equal(info.reply_file_name + 14, ".tmp");
    assert_int_equal(strncmp(job->j.reply_unix, in_root("dir/BIT"), strlen(in_root("dir/BIT"))), 0);
    assert_string_equal(base_of(job->j.reply_unix), base_of(info.reply_file_name));
    assert_false(exists(job->j.reply_unix));
    /* upload file info: size known from the source */
    assert_int_equal(info.file_count, 1);
    assert_int_equal(info.files[0].bytes_total, 12);
    assert_string_equal(info.files[0].local_name, "C:\\dir\\src.bin");
    bp_job_info_free(&info);

    /* set, then back to the default */
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, "C:\\dir\\r.txt", in_root("dir/r.txt")), S_OK);
    assert_string_equal(job->j.reply_win, "C:\\dir\\r.txt");
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, "C:\\no\\r.txt", in_root("no/r.txt")),
                     BP_E_PATH_NOT_FOUND);
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, "C:\\dir\\r.txt", "dir/r.txt"), E_INVALIDARG);
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, NULL, NULL), S_OK);
    assert_int_equal(strncmp(job->j.reply_win, "C:\\dir\\BIT", 10), 0);
    /* not before the first file, if nothing was set */
    create(BP_JOB_UPLOAD_REPLY, id);
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, NULL, NULL), S_OK);
    assert_null(jobs_find(&fx->d, id)->j.reply_win);
    /* only upload-reply jobs have one */
    create(BP_JOB_UPLOAD, id);
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, "C:\\dir\\r", in_root("dir/r")), E_NOTIMPL);
}

/* ---- JOB_SET ---- */

static void test_set_errors(void **state)
{
    uint8_t id[16];
    struct job *job = create(BP_JOB_DOWNLOAD, id);
    char *s;
    uint64_t mtime = job->j.mtime;

    assert_int_equal(set_str(id, BP_PROP_DISPLAY_NAME, NULL, NULL), E_INVALIDARG);
    s = repeat('n', 257);
    assert_int_equal(set_str(id, BP_PROP_DISPLAY_NAME, s, NULL), E_INVALIDARG);
    free(s);
    assert_int_equal(set_str(id, BP_PROP_DISPLAY_NAME, "new", NULL), S_OK);
    assert_string_equal(job->j.display_name, "new");
    assert_true(job->j.mtime >= mtime);

    assert_int_equal(set_str(id, BP_PROP_DESCRIPTION, NULL, NULL), E_INVALIDARG);
    s = repeat('d', 1025);
    assert_int_equal(set_str(id, BP_PROP_DESCRIPTION, s, NULL), BG_E_STRING_TOO_LONG);
    s[1024] = 0;
    assert_int_equal(set_str(id, BP_PROP_DESCRIPTION, s, NULL), S_OK);
    free(s);

    assert_int_equal(set_u32(id, BP_PROP_PRIORITY, 4), E_NOTIMPL);
    assert_int_equal(set_u32(id, BP_PROP_PRIORITY, BP_PRIORITY_FOREGROUND), S_OK);
    assert_int_equal(job->j.priority, 0);
    assert_int_equal(set_u32(id, BP_PROP_NOTIFY_FLAGS, 0x20), E_NOTIMPL);
    assert_int_equal(set_u32(id, BP_PROP_NOTIFY_FLAGS, 0x1F), S_OK);

    assert_int_equal(set_str(id, BP_PROP_NOTIFY_CMDLINE, NULL, "p a"), E_INVALIDARG);
    s = repeat('p', 261);
    assert_int_equal(set_str(id, BP_PROP_NOTIFY_CMDLINE, s, NULL), BG_E_STRING_TOO_LONG);
    free(s);
    s = repeat('a', 4001);
    assert_int_equal(set_str(id, BP_PROP_NOTIFY_CMDLINE, "C:\\p.exe", s), BG_E_STRING_TOO_LONG);
    free(s);
    assert_int_equal(set_str(id, BP_PROP_NOTIFY_CMDLINE, "C:\\p.exe", "C:\\p.exe a"), S_OK);
    assert_string_equal(job->j.notify_parameters, "C:\\p.exe a");
    assert_int_equal(set_str(id, BP_PROP_NOTIFY_CMDLINE, NULL, NULL), S_OK);
    assert_null(job->j.notify_program);

    assert_int_equal(set_u32(id, BP_PROP_MIN_RETRY_DELAY, 1), S_OK);
    assert_int_equal(job->j.min_retry_delay, 5);
    assert_int_equal(set_u32(id, BP_PROP_MIN_RETRY_DELAY, 60), S_OK);
    assert_int_equal(job->j.min_retry_delay, 60);
    assert_int_equal(set_u32(id, BP_PROP_NO_PROGRESS_TIMEOUT, 0), S_OK);
    assert_int_equal(job->j.no_progress_timeout, 0);

    {
        struct job_set p = { .prop = BP_PROP_PROXY, .u32 = 4 };
        char *big = repeat('x', 32768);
        assert_int_equal(jobs_set(&fx->d, id, &p), E_NOTIMPL);
        p.u32 = BP_PROXY_OVERRIDE;
        assert_int_equal(jobs_set(&fx->d, id, &p), E_INVALIDARG);
        p.s1 = big;
        assert_int_equal(jobs_set(&fx->d, id, &p), BG_E_PROXY_LIST_TOO_LARGE);
        p.s1 = "proxy:8080";
        p.s2 = big;
        assert_int_equal(jobs_set(&fx->d, id, &p), BG_E_PROXY_BYPASS_LIST_TOO_LARGE);
        p.s2 = "<local>";
        assert_int_equal(jobs_set(&fx->d, id, &p), S_OK);
        assert_string_equal(job->j.proxy_list, "proxy:8080");
        p.u32 = BP_PROXY_NO_PROXY;
        assert_int_equal(jobs_set(&fx->d, id, &p), E_INVALIDARG);
        p.s1 = p.s2 = NULL;
        assert_int_equal(jobs_set(&fx->d, id, &p), S_OK);
        assert_null(job->j.proxy_list);
        free(big);
    }
}

static void test_credentials(void **state)
{
    uint8_t id[16];
    struct job *job = create(BP_JOB_UPLOAD, id);
    char *s;

    assert_int_equal(jobs_set_credentials(&fx->d, id, 0, 1, "u", "p"), BG_E_INVALID_AUTH_TARGET);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 3, 1, "u", "p"), BG_E_INVALID_AUTH_TARGET);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, 0, "u", "p"), BG_E_INVALID_AUTH_SCHEME);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, 6, "u", "p"), BG_E_INVALID_AUTH_SCHEME);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, BP_AUTH_BASIC, NULL, "p"), E_INVALIDARG);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, BP_AUTH_DIGEST, "u", NULL), E_INVALIDARG);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, BP_AUTH_NTLM, NULL, NULL), S_OK);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 2, BP_AUTH_PASSPORT, "u", "p"), S_OK);
    s = repeat('u', 301);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, 1, s, "p"), BG_E_USERNAME_TOO_LARGE);
    free(s);
    s = repeat('p', 65537);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, 1, "u", s), BG_E_PASSWORD_TOO_LARGE);
    free(s);
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, BP_AUTH_BASIC, "user", "pw"), S_OK);
    assert_string_equal(job->creds[0][0].user, "user");
    assert_int_equal(jobs_remove_credentials(&fx->d, id, 1, BP_AUTH_BASIC), S_OK);
    assert_int_equal(job->creds[0][0].set, 0);
    assert_int_equal(jobs_remove_credentials(&fx->d, id, 5, 1), BG_E_INVALID_AUTH_TARGET);
    assert_int_equal(jobs_remove_credentials(&fx->d, id, 1, 9), BG_E_INVALID_AUTH_SCHEME);

    /* TakeOwnership clears credentials and the command line */
    assert_int_equal(jobs_set_credentials(&fx->d, id, 1, BP_AUTH_BASIC, "user", "pw"), S_OK);
    assert_int_equal(set_str(id, BP_PROP_NOTIFY_CMDLINE, "C:\\p.exe", "C:\\p.exe"), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_TAKE_OWNERSHIP, SID2), S_OK);
    assert_string_equal(job->j.owner, SID2);
    assert_null(job->j.notify_program);
    assert_int_equal(job->creds[0][0].set, 0);

    /* credentials are never on disk */
    {
        size_t len = 0;
        char *db, path[256];
        snprintf(path, sizeof(path), "%s/jobs.db-wal", fx->statedir);
        assert_int_equal(jobs_set_credentials(&fx->d, id, 1, 1, "user", "Secr3tPassw0rd"), S_OK);
        db = read_file(path, &len);
        assert_non_null(db);
        assert_null(memmem(db, len, "Secr3tPassw0rd", 14));
        reopen();
        job = jobs_find(&fx->d, id);
        assert_int_equal(job->creds[0][0].set, 0);
    }
}

/* ---- actions and the scheduler ---- */

static void test_upload_reply_lifecycle(void **state)
{
    struct bp_job_info info;
    uint8_t id[16], *data;
    uint64_t len;
    struct job *job = create(BP_JOB_UPLOAD_REPLY, id);
    char *reply_temp;
    size_t n;

    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), BG_E_EMPTY);
    assert_int_equal(job->j.state, BP_STATE_SUSPENDED);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/reply/digest/x",
                                   "C:\\dir\\src.bin", in_root("dir/src.bin")), S_OK);
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, "C:\\dir\\reply.txt",
                             in_root("dir/reply.txt")), S_OK);
    assert_int_equal(jobs_reply_data(&fx->d, id, &data, &len), BG_E_INVALID_STATE);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_COMPLETE, NULL), BG_E_INVALID_STATE);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_QUEUED);

    sched_tick(&fx->d);
    assert_int_equal(job->j.state, BP_STATE_CONNECTING);
    assert_non_null(job->xfer);
    assert_int_equal(job->xfer->req.kind, XFER_UPLOAD_REPLY);
    assert_string_equal(job->xfer->url, "http://127.0.0.1:1/reply/digest/x");
    assert_string_equal(job->xfer->content, "src.bin");
    assert_string_equal(job->xfer->local, in_root("dir/src.bin"));
    reply_temp = job_reply_temp(&fx->d, job);
    assert_string_equal(job->xfer->reply, reply_temp);

    assert_int_equal(checkpoint(job, "{session-1}", 0, 12), 0);
    job->xfer->cb->progress(job->xfer->ctx, 6, 12, 0, BP_SIZE_UNKNOWN);
    assert_int_equal(job->j.state, BP_STATE_TRANSFERRING);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.bytes_transferred, 6);
    assert_int_equal(info.bytes_total, 12);
    assert_true(info.reply_bytes_total == BP_SIZE_UNKNOWN);
    bp_job_info_free(&info);
    /* once the reply download started the name is fixed */
    job->xfer->cb->progress(job->xfer->ctx, 12, 12, 10, 64);
    assert_int_equal(set_str(id, BP_PROP_REPLY_FILE_NAME, "C:\\dir\\r2", in_root("dir/r2")),
                     BG_E_INVALID_STATE);

    write_file(reply_temp, "0123456789abcdef", 16);
    finish(job, S_OK, 0, 0);
    assert_int_equal(job->j.state, BP_STATE_TRANSFERRED);
    assert_true(job->j.completion_time > 0);
    assert_int_equal(jobs_reply_data(&fx->d, id, &data, &len), S_OK);
    assert_int_equal(len, 16);
    assert_memory_equal(data, "0123456789abcdef", 16);
    free(data);
    /* Resume of a transferred job changes nothing */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_TRANSFERRED);

    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_COMPLETE, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_ACKNOWLEDGED);
    assert_false(exists(reply_temp));
    assert_string_equal(read_file(in_root("dir/reply.txt"), &n), "0123456789abcdef");
    /* still readable after Complete, from the reply file */
    assert_int_equal(jobs_reply_data(&fx->d, id, &data, &len), S_OK);
    assert_int_equal(len, 16);
    free(data);
    /* the upload source was never touched */
    assert_string_equal(read_file(in_root("dir/src.bin"), &n), "hello upload");
    free(reply_temp);
}

static void test_reply_data_cases(void **state)
{
    uint8_t id[16], *data;
    uint64_t len;
    struct job *job;
    char *reply_temp, *big;
    size_t n;

    create(BP_JOB_DOWNLOAD, id);
    assert_int_equal(jobs_reply_data(&fx->d, id, &data, &len), E_NOTIMPL);

    job = upload_job(BP_JOB_UPLOAD_REPLY, id);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    finish(job, S_OK, 0, 0);
    /* no reply at all: S_OK and NULL */
    assert_int_equal(jobs_reply_data(&fx->d, id, &data, &len), S_OK);
    assert_null(data);
    assert_int_equal(len, 0);
    /* too large: the real length comes back */
    reply_temp = job_reply_temp(&fx->d, job);
    big = repeat('r', 1024 * 1024 + 1);
    write_file(reply_temp, big, 1024 * 1024 + 1);
    free(big);
    assert_int_equal(jobs_reply_data(&fx->d, id, &data, &len), BG_E_TOO_LARGE);
    assert_null(data);
    assert_int_equal(len, 1024 * 1024 + 1);
    unlink(reply_temp);
    free(reply_temp);
    /* no reply: Complete leaves an empty reply file */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_COMPLETE, NULL), S_OK);
    assert_non_null(read_file(job->j.reply_unix, &n));
    assert_int_equal(n, 0);
}

static void test_transient_then_retry(void **state)
{
    uint8_t id[16];
    struct job *job = upload_job(BP_JOB_UPLOAD, id);

    assert_int_equal(set_u32(id, BP_PROP_MIN_RETRY_DELAY, 30), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    finish(job, BG_E_HTTP_ERROR(503), BP_CONTEXT_REMOTE_FILE, 1);
    assert_int_equal(job->j.state, BP_STATE_TRANSIENT_ERROR);
    assert_int_equal(job->j.error_count, 1);
    assert_int_equal(job->j.error_code, BP_HTTP_ERROR(503));
    assert_int_equal(job->j.error_context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(job->j.error_file, 0);
    /* nothing happens before the retry delay ... */
    sched_tick(&fx->d);
    assert_int_equal(job->j.state, BP_STATE_TRANSIENT_ERROR);
    assert_null(job->xfer);
    assert_true(sched_timeout(&fx->d) > 0);
    /* ... and after it the job runs again (the clock is moved, not waited for) */
    job->retry_at_ms = mono_ms() - 1;
    sched_tick(&fx->d);
    assert_int_equal(job->j.state, BP_STATE_CONNECTING);
    assert_non_null(job->xfer);
    /* fatal error: ERROR, Resume clears it */
    finish(job, BG_E_HTTP_ERROR(404), BP_CONTEXT_REMOTE_FILE, 0);
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_int_equal(job->j.error_count, 2);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_QUEUED);
    assert_int_equal(job->j.error_context, 0);
    assert_int_equal(job->j.error_code, 0);
}

static void test_no_progress_timeout(void **state)
{
    uint8_t id[16];
    struct job *job = upload_job(BP_JOB_UPLOAD, id);

    /* 0: the first error is final */
    assert_int_equal(set_u32(id, BP_PROP_NO_PROGRESS_TIMEOUT, 0), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    finish(job, BG_E_CONNECT_FAILURE, BP_CONTEXT_GENERAL_TRANSPORT, 1);
    assert_int_equal(job->j.state, BP_STATE_ERROR);

    /* a retry delay beyond the timeout: no retry either */
    assert_int_equal(set_u32(id, BP_PROP_NO_PROGRESS_TIMEOUT, 10), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_MIN_RETRY_DELAY, 20), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    finish(job, BG_E_CONNECT_FAILURE, BP_CONTEXT_GENERAL_TRANSPORT, 1);
    assert_int_equal(job->j.state, BP_STATE_ERROR);

    /* no progress for longer than the timeout: the retry becomes ERROR */
    assert_int_equal(set_u32(id, BP_PROP_MIN_RETRY_DELAY, 5), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    finish(job, BG_E_CONNECT_FAILURE, BP_CONTEXT_GENERAL_TRANSPORT, 1);
    assert_int_equal(job->j.state, BP_STATE_TRANSIENT_ERROR);
    job->progress_ms = mono_ms() - 11000;
    job->retry_at_ms = mono_ms() - 1;
    sched_tick(&fx->d);
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_null(job->xfer);
}

static void test_suspend_keeps_progress(void **state)
{
    uint8_t id[16];
    struct job *job = upload_job(BP_JOB_UPLOAD, id);
    unsigned aborted = fx->d.engine->aborted;

    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_int_equal(checkpoint(job, "{s-2}", 6, 12), 0);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_SUSPEND, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_SUSPENDED);
    assert_null(job->xfer);
    assert_int_equal(fx->d.engine->aborted, aborted + 1);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_SUSPEND, NULL), S_OK);
    /* resume hands the checkpoint back to the engine */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_non_null(job->xfer);
    assert_string_equal(job->xfer->session, "{s-2}");
    assert_int_equal(job->xfer->req.resume.acked, 6);
}

static void test_cancel_upload_sends_cancel_session(void **state)
{
    uint8_t id[16];
    struct job *job = upload_job(BP_JOB_UPLOAD_REPLY, id);
    char *reply_temp = job_reply_temp(&fx->d, job);
    size_t n;

    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_int_equal(checkpoint(job, "{cancel-me}", 6, 12), 0);
    write_file(reply_temp, "partial", 7);
    fx->d.engine->cancel_hr = E_FAIL;     /* server unreachable: re-sent later */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_CANCEL, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_CANCELLED);
    assert_int_equal(fx->d.engine->cancels, 1);
    assert_string_equal(fx->d.engine->cancel_session, "{cancel-me}");
    assert_false(exists(reply_temp));
    assert_string_equal(read_file(in_root("dir/src.bin"), &n), "hello upload");
    assert_true(job->j.cancel_deadline > 0);
    /* the retry timer sends it again; success ends the retries */
    fx->d.engine->cancel_hr = S_OK;
    job->cancel_retry_ms = mono_ms() - 1;
    sched_tick(&fx->d);
    assert_int_equal(fx->d.engine->cancels, 2);
    assert_int_equal(job->j.cancel_deadline, 0);
    free(reply_temp);
}

static void test_download_cancel_and_complete(void **state)
{
    uint8_t id[16], id2[16];
    struct job *job = create(BP_JOB_DOWNLOAD, id);
    size_t n;

    write_file(in_root("dir/mine.txt"), "user data", 9);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://h/a", "C:\\dir\\mine.txt",
                                   in_root("dir/mine.txt")), S_OK);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://h/b", "C:\\dir\\b.txt", in_root("dir/b.txt")), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_NOTIFY_FLAGS, 0x13), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_int_equal(job->xfer->req.kind, XFER_DOWNLOAD);
    assert_string_equal(job->xfer->url, "http://h/a");
    write_file(job->j.files[0].temp_path, "new A", 5);
    finish(job, S_OK, 0, 0);
    assert_int_equal(job->j.files[0].completed, 1);
    assert_int_equal(job->n_file_events, 1);
    sched_tick(&fx->d);
    assert_string_equal(job->xfer->url, "http://h/b");
    write_file(job->j.files[1].temp_path, "par", 3);
    /* Cancel: temp files go, the user's own file stays */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_CANCEL, NULL), S_OK);
    assert_false(exists(job->j.files[0].temp_path));
    assert_false(exists(job->j.files[1].temp_path));
    assert_string_equal(read_file(in_root("dir/mine.txt"), &n), "user data");
    assert_int_equal(fx->d.engine->cancels, 0);

    /* Complete of a partly done job: BG_S_PARTIAL_COMPLETE */
    job = create(BP_JOB_DOWNLOAD, id2);
    assert_int_equal(jobs_add_file(&fx->d, id2, "http://h/a", "C:\\dir\\a.txt", in_root("dir/a.txt")), S_OK);
    assert_int_equal(jobs_add_file(&fx->d, id2, "http://h/b", "C:\\dir\\b.txt", in_root("dir/b.txt")), S_OK);
    assert_int_equal(jobs_action(&fx->d, id2, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    write_file(job->j.files[0].temp_path, "AAA", 3);
    finish(job, S_OK, 0, 0);
    sched_tick(&fx->d);
    write_file(job->j.files[1].temp_path, "B", 1);
    finish(job, BG_E_HTTP_ERROR(404), BP_CONTEXT_REMOTE_FILE, 0);
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_int_equal(job->j.error_file, 1);
    assert_int_equal(jobs_action(&fx->d, id2, BP_ACTION_COMPLETE, NULL), BG_S_PARTIAL_COMPLETE);
    assert_string_equal(read_file(in_root("dir/a.txt"), &n), "AAA");
    assert_false(exists(in_root("dir/b.txt")));
    assert_false(exists(job->j.files[1].temp_path));
    assert_int_equal(job->j.state, BP_STATE_ACKNOWLEDGED);
}

static void test_add_file_requeues_transferred(void **state)
{
    uint8_t id[16];
    struct job *job = create(BP_JOB_DOWNLOAD, id);
    size_t n;

    assert_int_equal(jobs_add_file(&fx->d, id, "http://h/a", "C:\\dir\\a.txt", in_root("dir/a.txt")), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    write_file(job->j.files[0].temp_path, "A", 1);
    finish(job, S_OK, 0, 0);
    assert_int_equal(job->j.state, BP_STATE_TRANSFERRED);
    assert_int_equal(job->j.notify_pending, BP_EVENT_TRANSFERRED);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://h/b", "C:\\dir\\b.txt", in_root("dir/b.txt")), S_OK);
    assert_int_equal(job->j.state, BP_STATE_QUEUED);
    assert_int_equal(job->j.notify_pending, 0);
    sched_tick(&fx->d);
    assert_string_equal(job->xfer->url, "http://h/b");
    write_file(job->j.files[1].temp_path, "B", 1);
    finish(job, S_OK, 0, 0);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_COMPLETE, NULL), S_OK);
    assert_string_equal(read_file(in_root("dir/a.txt"), &n), "A");
    assert_string_equal(read_file(in_root("dir/b.txt"), &n), "B");
}

static void test_scheduling_order(void **state)
{
    uint8_t low[16], high[16], fg[16], normal[16];
    struct job *jl = upload_job(BP_JOB_UPLOAD, low), *jh, *jf, *jn;

    jh = upload_job(BP_JOB_UPLOAD, high);
    jf = upload_job(BP_JOB_UPLOAD, fg);
    jn = upload_job(BP_JOB_UPLOAD, normal);
    assert_int_equal(set_u32(low, BP_PROP_PRIORITY, BP_PRIORITY_LOW), S_OK);
    assert_int_equal(set_u32(high, BP_PROP_PRIORITY, BP_PRIORITY_HIGH), S_OK);
    assert_int_equal(set_u32(fg, BP_PROP_PRIORITY, BP_PRIORITY_FOREGROUND), S_OK);
    assert_int_equal(jobs_action(&fx->d, low, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(jobs_action(&fx->d, normal, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(jobs_action(&fx->d, high, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(jobs_action(&fx->d, fg, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    /* foreground at once, one background job: the high one */
    assert_non_null(jf->xfer);
    assert_non_null(jh->xfer);
    assert_null(jn->xfer);
    assert_null(jl->xfer);
    finish(jh, S_OK, 0, 0);
    sched_tick(&fx->d);
    assert_non_null(jn->xfer);
    assert_null(jl->xfer);
    finish(jn, S_OK, 0, 0);
    sched_tick(&fx->d);
    assert_non_null(jl->xfer);
    /* a higher priority job arriving takes the slot */
    assert_int_equal(jobs_action(&fx->d, high, BP_ACTION_COMPLETE, NULL), S_OK);
    jh = upload_job(BP_JOB_UPLOAD, high);
    assert_int_equal(set_u32(high, BP_PROP_PRIORITY, BP_PRIORITY_HIGH), S_OK);
    assert_int_equal(jobs_action(&fx->d, high, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_non_null(jh->xfer);
    assert_null(jl->xfer);
    assert_int_equal(jl->j.state, BP_STATE_QUEUED);
}

/* ---- persistence ---- */

static void test_restart_resumes_from_checkpoint(void **state)
{
    uint8_t id[16];
    struct job *job = upload_job(BP_JOB_UPLOAD_REPLY, id);

    assert_int_equal(set_str(id, BP_PROP_DESCRIPTION, "persisted", NULL), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_int_equal(checkpoint(job, "{persist}", 8, 12), 0);
    job->xfer->cb->progress(job->xfer->ctx, 9, 12, 0, BP_SIZE_UNKNOWN);
    assert_int_equal(job->j.state, BP_STATE_TRANSFERRING);

    reopen();
    job = jobs_find(&fx->d, id);
    assert_non_null(job);
    assert_int_equal(job->j.state, BP_STATE_QUEUED);
    assert_string_equal(job->j.description, "persisted");
    assert_string_equal(job->j.ck.session_id, "{persist}");
    assert_int_equal(job->j.ck.acked, 8);
    assert_int_equal(job->j.files[0].bytes_transferred, 8);
    assert_non_null(job->j.reply_win);
    sched_tick(&fx->d);
    assert_non_null(job->xfer);
    assert_string_equal(job->xfer->session, "{persist}");
    assert_int_equal(job->xfer->req.resume.acked, 8);
}

static void test_disk_full_rolls_back(void **state)
{
    uint8_t id[16];
    struct job *job = create(BP_JOB_DOWNLOAD, id);
    char *url = repeat('u', 2100), *session = repeat('s', 8000);
    int32_t hr = S_OK;
    uint32_t i, added = 0;

    memcpy(url, "http://", 7);
    assert_int_equal(store_limit_growth(fx->d.store, 1), 0);
    for (i = 0; i < 50 && hr >= 0; i++) {
        hr = jobs_add_file(&fx->d, id, url, "C:\\dir\\f", in_root("dir/f"));
        if (hr >= 0)
            added++;
    }
    assert_int_equal(hr, BP_E_DISK_FULL);
    assert_int_equal(job->j.nfiles, added);
    /* a checkpoint that cannot be stored puts the job in ERROR, LOCAL_FILE */
    assert_int_equal(store_limit_growth(fx->d.store, 0), 0);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_non_null(job->xfer);
    assert_int_equal(store_limit_growth(fx->d.store, 1), 0);
    assert_int_not_equal(checkpoint(job, session, 1, 100), 0);
    finish(job, BG_E_ERROR_CONTEXT_LOCAL_FILE, BP_CONTEXT_LOCAL_FILE, 0);
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_int_equal(job->j.error_code, BP_E_DISK_FULL);
    assert_int_equal(job->j.error_context, BP_CONTEXT_LOCAL_FILE);
    assert_int_equal(store_limit_growth(fx->d.store, 0), 0);

    /* what the store has matches what was acknowledged */
    reopen();
    job = jobs_find(&fx->d, id);
    assert_int_equal(job->j.nfiles, added);
    free(url);
    free(session);
}

/* ---- command lines ---- */

static void test_split_cmdline(void **state)
{
    int argc;
    char **argv = split_cmdline("\"C:\\Program Files\\n.exe\" a \"b c\" d\\\\\"e f\" g\\\"h \"\"", &argc);

    assert_non_null(argv);
    assert_int_equal(argc, 6);
    assert_string_equal(argv[0], "C:\\Program Files\\n.exe");
    assert_string_equal(argv[1], "a");
    assert_string_equal(argv[2], "b c");
    assert_string_equal(argv[3], "d\\e f");
    assert_string_equal(argv[4], "g\"h");
    assert_string_equal(argv[5], "");
    argv_free(argv);
    argv = split_cmdline("C:\\x.exe {GUID} %TEMP%", &argc);
    assert_int_equal(argc, 3);
    assert_string_equal(argv[0], "C:\\x.exe");
    assert_string_equal(argv[2], "%TEMP%");    /* no environment expansion */
    argv_free(argv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_enum_finished, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_reply_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_reply_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_data_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transient_then_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_progress_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspend_keeps_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_upload_sends_cancel_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_cancel_and_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_file_requeues_transferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scheduling_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_resumes_from_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_rolls_back, setup, teardown),
        cmocka_unit_test(test_split_cmdline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
