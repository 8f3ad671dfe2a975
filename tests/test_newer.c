/*
 * bitsd's side of the newer interfaces (service/jobs_newer.c): argument and
 * state errors of Job3/4/5, HttpOptions and File2/3, what reaches the engine
 * (custom headers, security flags, ranges, size limit), and that every
 * value survives a daemon restart.  A scripted engine stands in for
 * xferengine; no network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "bitsd.h"

/* ---- scripted engine: remembers the last request ---- */

struct xfer {
    struct xfer_engine *e;
    const struct xfer_callbacks *cb;
    void *ctx;
};

struct xfer_engine {
    struct xfer *running;
    unsigned started, aborted;
    char headers[512];
    uint32_t security_flags;
    unsigned range_count;
    struct bp_range ranges[4];
    uint64_t max_size;
    char url[256];
    char method[32];            /* "" for GET */
    int dynamic;
    unsigned probe_count;
};

struct xfer_engine *xfer_engine_new(void) { return calloc(1, sizeof(struct xfer_engine)); }
void xfer_engine_free(struct xfer_engine *e) { free(e); }
int xfer_engine_wait(struct xfer_engine *e, struct curl_waitfd *f, unsigned n, int t) { return 0; }
void xfer_engine_run(struct xfer_engine *e) { }
long xfer_engine_timeout(struct xfer_engine *e) { return -1; }

struct xfer *xfer_start(struct xfer_engine *e, const struct xfer_request *req,
                        const struct xfer_callbacks *cb, void *ctx)
{
    struct xfer *x = calloc(1, sizeof(*x));

    x->e = e;
    x->cb = cb;
    x->ctx = ctx;
    e->running = x;
    e->started++;
    snprintf(e->headers, sizeof(e->headers), "%s", req->custom_headers ? req->custom_headers : "");
    snprintf(e->url, sizeof(e->url), "%s", req->url);
    e->security_flags = req->security_flags;
    e->range_count = req->range_count;
    if (req->range_count <= 4 && req->ranges)
        memcpy(e->ranges, req->ranges, req->range_count * sizeof(*req->ranges));
    e->max_size = req->max_size;
    snprintf(e->method, sizeof(e->method), "%s", req->http_method ? req->http_method : "");
    e->dynamic = req->dynamic;
    e->probe_count = req->probe_count;
    return x;
}

void xfer_abort(struct xfer *x)
{
    x->e->aborted++;
    if (x->e->running == x)
        x->e->running = NULL;
    free(x);
}

/* The fake engine makes no handshake: nothing waits for a verdict. */
void xfer_cert_verdict(struct xfer *x, int32_t hr)
{
}

void xfer_cancel_session(struct xfer_engine *e, const char *url, const char *session_id,
                         const char *host_id, const struct xfer_credential *creds, unsigned n,
                         void (*done)(void *ctx, int32_t hr), void *ctx)
{
    if (done)
        done(ctx, S_OK);
}

/* ---- fixture ---- */

#define SID "S-1-5-21-1-2-3-1000"

struct fixture {
    char root[64];
    char statedir[128];
    char local[160];
    struct bitsd d;
};

static struct fixture *fx;

static int setup(void **state)
{
    fx = calloc(1, sizeof(*fx));
    strcpy(fx->root, "/tmp/daemon-newer-XXXXXX");
    assert_non_null(mkdtemp(fx->root));
    snprintf(fx->statedir, sizeof(fx->statedir), "%s/bitsd", fx->root);
    snprintf(fx->local, sizeof(fx->local), "%s/out.bin", fx->root);
    assert_int_equal(statedir_create(fx->statedir), 0);
    assert_int_equal(bitsd_core_init(&fx->d, fx->root, fx->statedir), 0);
    fx->d.engine = xfer_engine_new();
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
    free(e->running);
    xfer_engine_free(e);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

static struct job *create(uint32_t type, uint8_t id[16])
{
    assert_int_equal(jobs_create(&fx->d, SID, "newer", type, id), S_OK);
    return jobs_find(&fx->d, id);
}

static int32_t set_u32(const uint8_t id[16], uint32_t prop, uint32_t v)
{
    struct job_set s = {0};

    s.prop = prop;
    s.u32 = v;
    return jobs_set(&fx->d, id, &s);
}

static int32_t set_job5(const uint8_t id[16], uint32_t which, uint32_t v, uint64_t v64)
{
    struct job_set s = {0};

    s.prop = BP_PROP_JOB5;
    s.sub = which;
    s.u32 = v;
    s.u64 = v64;
    return jobs_set(&fx->d, id, &s);
}

static int32_t set_strings(const uint8_t id[16], uint32_t prop, char *a, char *b)
{
    struct job_set s = {0};

    s.prop = prop;
    s.s1 = a;
    s.s2 = b;
    return jobs_set(&fx->d, id, &s);
}

/* ---- tests ---- */

static void test_ranges_check(void **state)
{
    struct bp_range ok[3] = { { 100, 100 }, { 900, 100 }, { 400, 100 } };
    struct bp_range same_offset[2] = { { 100, 5 }, { 100, 0 } };
    struct bp_range overlap[2] = { { 0, 10 }, { 5, 10 } };
    struct bp_range eof_first[2] = { { 0, BP_LENGTH_TO_EOF }, { 100, 1 } };
    struct bp_range eof_last[2] = { { 100, 1 }, { 200, BP_LENGTH_TO_EOF } };
    struct bp_range bad_offset[1] = { { BP_LENGTH_TO_EOF, 1 } };
    struct bp_range wrap[1] = { { UINT64_MAX - 1, 5 } };
    struct bp_range *many = calloc(BP_MAX_RANGES_PER_FILE + 1, sizeof(*many));
    uint32_t i;

    assert_int_equal(ranges_check(ok, 3), S_OK);
    assert_int_equal(ranges_check(eof_last, 2), S_OK);
    assert_int_equal(ranges_check(ok, 0), E_INVALIDARG);
    assert_int_equal(ranges_check(overlap, 2), BG_E_OVERLAPPING_RANGES);
    assert_int_equal(ranges_check(eof_first, 2), BG_E_OVERLAPPING_RANGES);
    assert_int_equal(ranges_check(bad_offset, 1), BG_E_INVALID_RANGE);
    assert_int_equal(ranges_check(wrap, 1), BG_E_INVALID_RANGE);
    same_offset[1].length = 7;
    assert_int_equal(ranges_check(same_offset, 2), BG_E_OVERLAPPING_RANGES);
    for (i = 0; i <= BP_MAX_RANGES_PER_FILE; i++) {
        many[i].offset = i * 10;
        many[i].length = 5;
    }
    assert_int_equal(ranges_check(many, BP_MAX_RANGES_PER_FILE), S_OK);
    assert_int_equal(ranges_check(many, BP_MAX_RANGES_PER_FILE + 1), BG_E_TOO_MANY_RANGES_IN_FILE);
    free(many);
}

static void test_add_file_with_ranges(void **state)
{
    struct bp_range ranges[2] = { { 900, 100 }, { 100, 50 } };
    struct bp_range overlap[2] = { { 0, 10 }, { 5, 10 } };
    struct bp_job_info info;
    uint8_t id[16], up[16];

    create(BP_JOB_DOWNLOAD, id);
    create(BP_JOB_UPLOAD, up);
    assert_int_equal(jobs_add_file_ranges(&fx->d, up, "http://127.0.0.1/x", "C:\\out.bin",
                                          fx->local, ranges, 2), E_NOTIMPL);
    assert_int_equal(jobs_add_file_ranges(&fx->d, id, "http://127.0.0.1/x", "C:\\out.bin",
                                          fx->local, overlap, 2), BG_E_OVERLAPPING_RANGES);
    assert_int_equal(jobs_add_file_ranges(&fx->d, id, "http://127.0.0.1/x", "C:\\out.bin",
                                          fx->local, ranges, 0), E_INVALIDARG);
    assert_int_equal(jobs_add_file_ranges(&fx->d, id, "ftp://127.0.0.1/x", "C:\\out.bin",
                                          fx->local, ranges, 2), E_INVALIDARG);
    assert_int_equal(jobs_add_file_ranges(&fx->d, id, "http://127.0.0.1/x", "C:\\out.bin",
                                          fx->local, ranges, 2), S_OK);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.file_count, 1);
    assert_int_equal(info.files[0].range_count, 2);
    assert_true(info.files[0].ranges[0].offset == 900);     /* the given order */
    assert_true(info.files[0].ranges[1].length == 50);
    assert_true(info.files[0].bytes_total == 150);
    assert_non_null(info.files[0].temp_name);
    bp_job_info_free(&info);

    /* the ranges reach the engine and survive a restart */
    reopen();
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.files[0].range_count, 2);
    assert_true(info.files[0].ranges[0].offset == 900);
    bp_job_info_free(&info);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_int_equal(fx->d.engine->range_count, 2);
    assert_true(fx->d.engine->ranges[0].offset == 900);
    assert_true(fx->d.engine->ranges[1].offset == 100);
}

static void test_job3_job4_properties(void **state)
{
    struct bp_job_info info;
    uint8_t id[16], up[16];

    create(BP_JOB_DOWNLOAD, id);
    create(BP_JOB_UPLOAD, up);
    assert_int_equal(set_u32(id, BP_PROP_FILE_ACL_FLAGS, 16), E_INVALIDARG);
    assert_int_equal(set_u32(id, BP_PROP_FILE_ACL_FLAGS, 15), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_PEER_CACHING, 8), E_INVALIDARG);
    assert_int_equal(set_u32(id, BP_PROP_PEER_CACHING, 3), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_MAX_DOWNLOAD_TIME, 30), S_OK);

    /* ReplaceRemotePrefix */
    assert_int_equal(jobs_add_file(&fx->d, id, "http://old.example/a/f.bin", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(set_strings(up, BP_PROP_REMOTE_PREFIX, "http://old", "http://new"), E_NOTIMPL);
    assert_int_equal(set_strings(id, BP_PROP_REMOTE_PREFIX, "", "http://new"), E_INVALIDARG);
    assert_int_equal(set_strings(id, BP_PROP_REMOTE_PREFIX, "HTTP://OLD", "http://new"), S_FALSE);
    assert_int_equal(set_strings(id, BP_PROP_REMOTE_PREFIX, "http://old.example", "nope:"),
                     E_INVALIDARG);
    assert_int_equal(set_strings(id, BP_PROP_REMOTE_PREFIX, "http://old.example",
                                 "http://127.0.0.1:1"), S_OK);

    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_string_equal(info.files[0].remote_name, "http://127.0.0.1:1/a/f.bin");
    assert_int_equal(info.file_acl_flags, 15);
    assert_int_equal(info.peer_caching_flags, 3);
    assert_int_equal(info.max_download_time, 30);
    bp_job_info_free(&info);

    reopen();
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.file_acl_flags, 15);
    assert_int_equal(info.max_download_time, 30);
    assert_string_equal(info.files[0].remote_name, "http://127.0.0.1:1/a/f.bin");
    bp_job_info_free(&info);

    /* finished jobs refuse changes */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_CANCEL, NULL), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_FILE_ACL_FLAGS, 1), BG_E_INVALID_STATE);
    assert_int_equal(set_strings(id, BP_PROP_REMOTE_PREFIX, "http://127", "http://128"),
                     BG_E_INVALID_STATE);
}

static void test_max_download_time(void **state)
{
    struct job *job;
    uint8_t id[16];

    job = create(BP_JOB_DOWNLOAD, id);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/f", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_MAX_DOWNLOAD_TIME, 0), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);         /* starts the transfer */
    sched_tick(&fx->d);         /* 0 s allowed: over at once */
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_int_equal(job->j.error_code, BG_E_MAXDOWNLOAD_TIMEOUT);
    assert_null(fx->d.engine->running);
}

/* The time counted against SetMaximumDownloadTime survives a restart of
 * bitsd, and Resume counts from 0 again. */
static void test_max_download_time_survives_restart(void **state)
{
    struct timespec second = { 1, 100 * 1000 * 1000 };
    struct job *job;
    uint8_t id[16];

    job = create(BP_JOB_DOWNLOAD, id);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/f", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_MAX_DOWNLOAD_TIME, 3600), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    /* an hour less a second already spent; any later write saves it */
    job->j.x.download_active_ms = 3599 * 1000;
    assert_int_equal(set_u32(id, BP_PROP_PEER_CACHING, 1), S_OK);

    reopen();
    job = jobs_find(&fx->d, id);
    assert_non_null(job);
    assert_true(job->j.x.download_active_ms >= 3599 * 1000);
    sched_tick(&fx->d);         /* transferring again ... */
    sched_tick(&fx->d);         /* ... and the clock runs on */
    nanosleep(&second, NULL);
    sched_tick(&fx->d);
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_int_equal(job->j.error_code, BG_E_MAXDOWNLOAD_TIMEOUT);

    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(job->j.x.download_active_ms, 0);
    reopen();
    job = jobs_find(&fx->d, id);
    assert_non_null(job);
    assert_int_equal(job->j.x.download_active_ms, 0);
}

static void test_http_options(void **state)
{
    struct bp_job_info info;
    struct job_set s = {0};
    uint8_t id[16], hash[20];
    char *big = malloc(BP_MAX_CUSTOM_HEADERS + 2);

    create(BP_JOB_DOWNLOAD, id);
    memset(big, 'a', BP_MAX_CUSTOM_HEADERS + 1);
    big[BP_MAX_CUSTOM_HEADERS + 1] = 0;
    assert_int_equal(set_strings(id, BP_PROP_CUSTOM_HEADERS, big, NULL), BG_E_STRING_TOO_LONG);
    big[BP_MAX_CUSTOM_HEADERS] = 0;
    assert_int_equal(set_strings(id, BP_PROP_CUSTOM_HEADERS, big, NULL), S_OK);
    free(big);
    assert_int_equal(set_strings(id, BP_PROP_CUSTOM_HEADERS, "X-Test: 1\r\nX-Other: two\r\n", NULL),
                     S_OK);
    assert_int_equal(set_u32(id, BP_PROP_SECURITY_FLAGS, 0x300), E_INVALIDARG);
    assert_int_equal(set_u32(id, BP_PROP_SECURITY_FLAGS, 0x1000), E_INVALIDARG);
    assert_int_equal(set_u32(id, BP_PROP_SECURITY_FLAGS, 0x20E), S_OK);

    /* client certificate: by hash, bad location, remove */
    memset(hash, 0x5A, sizeof(hash));
    s.prop = BP_PROP_CLIENT_CERT;
    s.sub = 1;
    s.u32 = 9;
    s.s1 = "MY";
    s.bytes = hash;
    s.bytes_len = 20;
    assert_int_equal(jobs_set(&fx->d, id, &s), E_INVALIDARG);
    s.u32 = 1;
    assert_int_equal(jobs_set(&fx->d, id, &s), S_OK);

    reopen();
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_string_equal(info.custom_headers, "X-Test: 1\r\nX-Other: two\r\n");
    assert_int_equal(info.security_flags, 0x20E);
    assert_int_equal(info.cert_set, 1);
    assert_int_equal(info.cert_location, 1);
    assert_string_equal(info.cert_store, "MY");
    assert_int_equal(info.cert_has_hash, 1);
    assert_memory_equal(info.cert_hash, hash, 20);
    bp_job_info_free(&info);

    /* what the engine is given */
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/f", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_string_equal(fx->d.engine->headers, "X-Test: 1\r\nX-Other: two\r\n");
    assert_int_equal(fx->d.engine->security_flags, 0x20E);

    memset(&s, 0, sizeof(s));
    s.prop = BP_PROP_CLIENT_CERT;
    assert_int_equal(jobs_set(&fx->d, id, &s), S_OK);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.cert_set, 0);
    assert_null(info.cert_store);
    bp_job_info_free(&info);

    /* a new owner does not inherit the headers */
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_TAKE_OWNERSHIP, "S-1-5-21-9"), S_OK);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_null(info.custom_headers);
    bp_job_info_free(&info);
}

/* IBackgroundCopyJobHttpOptions2/3: SetHttpMethod and MakeCustomHeadersWriteOnly */
static void test_http_method(void **state)
{
    struct xfer_result transient = { BG_E_CONNECTION_CLOSED, BP_CONTEXT_GENERAL_TRANSPORT, 1 };
    struct bp_job_info info;
    struct job *job;
    uint8_t id[16], up[16], dyn[16];

    job = create(BP_JOB_DOWNLOAD, id);
    create(BP_JOB_UPLOAD, up);
    create(BP_JOB_DOWNLOAD, dyn);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_null(info.http_method);                  /* the default */
    bp_job_info_free(&info);

    /* arguments: a token only; another verb on uploads is refused, their
     * own default is accepted */
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "", NULL), E_INVALIDARG);
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "GET /x HTTP/1.1\r\n", NULL),
                     E_INVALIDARG);
    assert_int_equal(set_strings(up, BP_PROP_HTTP_METHOD, "POST", NULL),
                     BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY);
    assert_int_equal(set_strings(up, BP_PROP_HTTP_METHOD, "BITS_POST", NULL), S_OK);
    /* not with dynamic content (either order) */
    assert_int_equal(set_job5(dyn, BP_JOB5_DYNAMIC_CONTENT, 1, 0), S_OK);
    assert_int_equal(set_strings(dyn, BP_PROP_HTTP_METHOD, "POST", NULL),
                     BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD);

    /* the default verb changes nothing, another one fixes FOREGROUND */
    assert_int_equal(set_u32(id, BP_PROP_PRIORITY, BP_PRIORITY_LOW), S_OK);
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "GET", NULL), S_OK);
    assert_int_equal(job->j.priority, BP_PRIORITY_LOW);
    assert_null(job->j.x.http_method);
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "POST", NULL), S_OK);
    assert_int_equal(job->j.priority, BP_PRIORITY_FOREGROUND);
    assert_int_equal(set_u32(id, BP_PROP_PRIORITY, BP_PRIORITY_HIGH),
                     BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD);
    assert_int_equal(set_u32(id, BP_PROP_PRIORITY, BP_PRIORITY_FOREGROUND), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_ON_DEMAND_MODE, 1, 0),
                     BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD);
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "X-FETCH", NULL), S_OK);

    /* write-only headers: kept and sent, never read back */
    assert_int_equal(set_strings(id, BP_PROP_CUSTOM_HEADERS, "X-Token: secret\r\n", NULL), S_OK);
    assert_int_equal(set_u32(id, BP_PROP_HEADERS_WRITE_ONLY, 0), S_OK);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.headers_write_only, 1);
    assert_null(info.custom_headers);
    assert_string_equal(info.http_method, "X-FETCH");
    bp_job_info_free(&info);

    /* both survive a restart */
    reopen();
    job = jobs_find(&fx->d, id);
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_string_equal(info.http_method, "X-FETCH");
    assert_int_equal(info.priority, BP_PRIORITY_FOREGROUND);
    assert_int_equal(info.headers_write_only, 1);
    assert_null(info.custom_headers);
    bp_job_info_free(&info);
    assert_int_equal(jobs_info(&fx->d, up, &info), S_OK);
    assert_null(info.http_method);
    assert_int_equal(info.headers_write_only, 0);
    bp_job_info_free(&info);

    /* the engine gets the verb, the headers, no size pass and no Range */
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/f", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    sched_tick(&fx->d);
    assert_non_null(fx->d.engine->running);
    assert_string_equal(fx->d.engine->method, "X-FETCH");
    assert_string_equal(fx->d.engine->headers, "X-Token: secret\r\n");
    assert_int_equal(fx->d.engine->dynamic, 1);
    assert_int_equal(fx->d.engine->probe_count, 0);
    /* fixed once resumed */
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "POST", NULL),
                     BG_E_READ_ONLY_PROPERTY_AFTER_RESUME);
    assert_int_equal(set_strings(id, BP_PROP_HTTP_METHOD, "GET", NULL),
                     BG_E_READ_ONLY_PROPERTY_AFTER_RESUME);

    /* an error that would be retried is final with another verb */
    fx->d.engine->running->cb->finished(fx->d.engine->running->ctx, &transient);
    free(fx->d.engine->running);
    fx->d.engine->running = NULL;
    assert_int_equal(job->j.state, BP_STATE_ERROR);
    assert_int_equal(job->j.error_code, BG_E_CONNECTION_CLOSED);
}

static void test_job5_properties(void **state)
{
    struct bp_job_info info;
    struct job_set s = {0};
    uint8_t id[16], up[16];

    create(BP_JOB_DOWNLOAD, id);
    create(BP_JOB_UPLOAD, up);
    assert_int_equal(set_job5(id, 6, 1, 0), BG_E_UNKNOWN_PROPERTY_ID);
    assert_int_equal(set_job5(id, 42, 1, 0), BG_E_UNKNOWN_PROPERTY_ID);
    assert_int_equal(set_job5(up, BP_JOB5_DYNAMIC_CONTENT, 1, 0),
                     BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY);
    assert_int_equal(set_job5(up, BP_JOB5_MAX_DOWNLOAD_SIZE, 0, 5),
                     BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY);
    assert_int_equal(set_job5(id, BP_JOB5_DYNAMIC_CONTENT, 2, 0), E_INVALIDARG);
    assert_int_equal(set_job5(id, BP_JOB5_DYNAMIC_CONTENT, 1, 0), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_HIGH_PERFORMANCE, 1, 0), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_MAX_DOWNLOAD_SIZE, 0, 12345), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_COST_FLAGS, 0x80000021u, 0), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_MIN_NOTIFICATION_INTERVAL, 250, 0), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_USE_STORED_CREDENTIALS, 3, 0), E_INVALIDARG);
    assert_int_equal(set_job5(id, BP_JOB5_USE_STORED_CREDENTIALS, 1, 0), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_ON_DEMAND_MODE, 1, 0), S_OK);
    s.prop = BP_PROP_JOB5;
    s.sub = BP_JOB5_NOTIFICATION_CLSID;
    memset(s.guid, 0x11, 16);
    assert_int_equal(jobs_set(&fx->d, id, &s), S_OK);

    /* fixed once files exist / once resumed */
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/f", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_DYNAMIC_CONTENT, 0, 0),
                     BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE);
    assert_int_equal(jobs_action(&fx->d, id, BP_ACTION_RESUME, NULL), S_OK);
    assert_int_equal(set_job5(id, BP_JOB5_MAX_DOWNLOAD_SIZE, 0, 1),
                     BG_E_READ_ONLY_PROPERTY_AFTER_RESUME);
    sched_tick(&fx->d);
    assert_true(fx->d.engine->max_size == 12345);

    reopen();
    assert_int_equal(jobs_info(&fx->d, id, &info), S_OK);
    assert_int_equal(info.dynamic_content, 1);
    assert_int_equal(info.high_performance, 1);
    assert_true(info.max_download_size == 12345);
    assert_int_equal(info.cost_flags, 0x80000021u);
    assert_int_equal(info.min_notification_interval, 250);
    assert_int_equal(info.use_stored_credentials, 1);
    assert_int_equal(info.on_demand, 1);
    assert_int_equal(info.notification_clsid[0], 0x11);
    bp_job_info_free(&info);
}

static void test_file_set_get(void **state)
{
    uint8_t id[16], up[16];
    char upsrc[200], *text;
    struct job *job;
    FILE *f;

    job = create(BP_JOB_DOWNLOAD, id);
    create(BP_JOB_UPLOAD, up);
    snprintf(upsrc, sizeof(upsrc), "%s/src.bin", fx->root);
    f = fopen(upsrc, "w");
    fputs("data", f);
    fclose(f);
    assert_int_equal(jobs_add_file(&fx->d, up, "http://127.0.0.1:1/up", "C:\\src.bin", upsrc), S_OK);
    assert_int_equal(jobs_file_set(&fx->d, up, 0, BP_FILE_PROP_REMOTE_NAME, 0, "http://x/y"),
                     E_NOTIMPL);
    assert_int_equal(jobs_add_file(&fx->d, id, "http://127.0.0.1:1/f", "C:\\out.bin",
                                   fx->local), S_OK);
    assert_int_equal(jobs_file_set(&fx->d, id, 1, BP_FILE_PROP_REMOTE_NAME, 0, "http://x/y"),
                     BG_E_FILE_NOT_AVAILABLE);
    assert_int_equal(jobs_file_set(&fx->d, id, 0, BP_FILE_PROP_REMOTE_NAME, 0, "gopher://x"),
                     E_INVALIDARG);
    assert_int_equal(jobs_file_set(&fx->d, id, 0, BP_FILE_PROP_REMOTE_NAME, 0, "http://x/y"), S_OK);
    assert_string_equal(job->j.files[0].remote, "http://x/y");
    /* validation only after the file arrived */
    assert_int_equal(jobs_file_set(&fx->d, id, 0, BP_FILE_PROP_VALIDATION_STATE, 1, NULL),
                     BG_E_INVALID_STATE);
    job->j.files[0].completed = 1;
    assert_int_equal(jobs_file_set(&fx->d, id, 0, BP_FILE_PROP_VALIDATION_STATE, 1, NULL), S_OK);

    /* response headers: none before an answer, then the engine's */
    assert_int_equal(jobs_file_get(&fx->d, id, 0, BP_FILE_PROP_RESPONSE_HEADERS, &text), S_OK);
    assert_null(text);
    job->j.files[0].response_headers = strdup("HTTP/1.1 200\r\nETag: \"x\"\r\n");
    assert_int_equal(store_save_job(fx->d.store, &job->j), S_OK);
    reopen();
    job = jobs_find(&fx->d, id);
    assert_int_equal(job->j.files[0].validation_state, 1);
    assert_int_equal(jobs_file_get(&fx->d, id, 0, BP_FILE_PROP_RESPONSE_HEADERS, &text), S_OK);
    assert_string_equal(text, "HTTP/1.1 200\r\nETag: \"x\"\r\n");
    free(text);
    assert_int_equal(jobs_file_get(&fx->d, id, 0, 99, &text), E_INVALIDARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_check),
        cmocka_unit_test_setup_teardown(test_add_file_with_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job3_job4_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_download_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_download_time_survives_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_method, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job5_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_set_get, setup, teardown),
    };

    log_open("/dev/null", 0, 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
