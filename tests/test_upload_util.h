/*
 * Helpers shared by the transfer engine tests (test_upload.c,
 * test_download.c): a driver that runs one transfer to its end on a
 * private engine, a store that keeps the last checkpoint the way the
 * daemon would, and file helpers.  Header-only (static functions).
 */
#ifndef TEST_UPLOAD_UTIL_H
#define TEST_UPLOAD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "server_harness.h"
#include "filehash.h"
#include "transfer.h"

/* The last checkpoint, owned (what the daemon's store would hold). */
struct saved_cp {
    struct xfer_checkpoint cp;
    char *session_id, *host_id, *reply_url, *validator;
};

struct run {
    struct xfer_engine *engine;
    struct xfer *x;
    struct saved_cp saved;
    int checkpoints;
    int finished;
    struct xfer_result result;
    uint64_t last_progress;
    /* Test hooks, called from the checkpoint callback after saving. */
    int (*on_checkpoint)(struct run *r, const struct xfer_checkpoint *cp);
    void *hook_data;
    int aborted;
};

static inline void saved_cp_clear(struct saved_cp *s)
{
    free(s->session_id);
    free(s->host_id);
    free(s->reply_url);
    free(s->validator);
    memset(s, 0, sizeof(*s));
    s->cp.total = BP_SIZE_UNKNOWN;
    s->cp.reply_total = BP_SIZE_UNKNOWN;
}

static inline char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static inline void saved_cp_store(struct saved_cp *s, const struct xfer_checkpoint *cp)
{
    struct saved_cp n;

    n.cp = *cp;
    n.session_id = dup_or_null(cp->session_id);
    n.host_id = dup_or_null(cp->host_id);
    n.reply_url = dup_or_null(cp->reply_url);
    n.validator = dup_or_null(cp->validator);
    n.cp.session_id = n.session_id;
    n.cp.host_id = n.host_id;
    n.cp.reply_url = n.reply_url;
    n.cp.validator = n.validator;
    saved_cp_clear(s);
    *s = n;
}

static int run_checkpoint(void *ctx, const struct xfer_checkpoint *cp)
{
    struct run *r = ctx;

    saved_cp_store(&r->saved, cp);
    r->checkpoints++;
    /* Monotonic progress: acked never goes back within a session. */
    if (r->on_checkpoint)
        return r->on_checkpoint(r, cp);
    return 0;
}

static void run_progress(void *ctx, uint64_t transferred, uint64_t total,
                         uint64_t reply_received, uint64_t reply_total)
{
    struct run *r = ctx;

    r->last_progress = transferred;
}

static void run_finished(void *ctx, const struct xfer_result *result)
{
    struct run *r = ctx;

    r->finished++;
    r->result = *result;
    r->x = NULL;
}

static const struct xfer_callbacks run_callbacks = {
    .checkpoint = run_checkpoint, .progress = run_progress, .finished = run_finished,
};

static inline void run_init(struct run *r)
{
    memset(r, 0, sizeof(*r));
    r->engine = xfer_engine_new();
    assert_non_null(r->engine);
    saved_cp_clear(&r->saved);
}

static inline void run_free(struct run *r)
{
    xfer_engine_free(r->engine);
    saved_cp_clear(&r->saved);
}

/* A request for 'kind' whose resume point is the saved checkpoint. */
static inline struct xfer_request run_request(struct run *r, enum xfer_kind kind, const char *url)
{
    struct xfer_request req;

    memset(&req, 0, sizeof(req));
    req.kind = kind;
    req.url = url;
    req.proxy_usage = BP_PROXY_NO_PROXY;
    req.resume = r->saved.cp;
    req.source_size = r->saved.cp.source_size;
    req.source_mtime_ns = r->saved.cp.source_mtime_ns;
    return req;
}

/* Drives the engine until the transfer finished or a hook aborted it. */
static inline void run_go(struct run *r, const struct xfer_request *req)
{
    r->finished = 0;
    r->aborted = 0;
    r->x = xfer_start(r->engine, req, &run_callbacks, r);
    assert_non_null(r->x);
    while (!r->finished && !r->aborted) {
        assert_true(xfer_engine_wait(r->engine, NULL, 0, 1000) >= 0);
        xfer_engine_run(r->engine);
    }
}

/* For hooks: stop the transfer from inside a callback, as Suspend would. */
static inline void run_abort(struct run *r)
{
    xfer_abort(r->x);
    r->x = NULL;
    r->aborted = 1;
}

/* ---- files ---- */

static inline void write_pattern_file(const char *path, uint64_t size, uint32_t seed)
{
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = malloc(CHUNK);
    uint32_t s = seed * 2654435761u + 1;
    uint64_t done = 0;
    FILE *f = fopen(path, "wb");

    assert_non_null(buf);
    assert_non_null(f);
    while (done < size) {
        size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK, i;

        for (i = 0; i < n; i++) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            buf[i] = (uint8_t)s;
        }
        assert_int_equal(fwrite(buf, 1, n, f), n);
        done += n;
    }
    assert_int_equal(fclose(f), 0);
    free(buf);
}

static inline void file_sha256(const char *path, char hex[65])
{
    assert_int_equal(sha256_file(path, hex), 0);
}

static inline int64_t file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) < 0 ? -1 : (int64_t)sb.st_size;
}

static inline int64_t file_mtime_ns(const char *path)
{
    struct stat sb;

    assert_int_equal(stat(path, &sb), 0);
    return (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

/* Reads a whole (small) file; caller frees.  *len gets the size. */
static inline char *read_small_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0 && n < 64 * 1024 * 1024);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline void assert_same_file(const char *a, const char *b)
{
    char ha[65], hb[65];

    assert_int_equal(file_size(a), file_size(b));
    file_sha256(a, ha);
    file_sha256(b, hb);
    assert_string_equal(ha, hb);
}

static inline char *path_printf(const char *fmt, ...)
{
    char *out = NULL;
    va_list ap;

    va_start(ap, fmt);
    assert_true(vasprintf(&out, fmt, ap) >= 0);
    va_end(ap);
    return out;
}

#endif
