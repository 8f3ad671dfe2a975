/*
 * Cancel-Session (BITS.md A.2, A.3): sent once when a job with an open
 * upload session is cancelled.  The daemon learns through done() whether
 * the server got it; re-sending later (for up to 24 h, as Windows does) is
 * the daemon's business, since the job itself is gone.
 */
#include <stdlib.h>
#include <string.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"

void cancel_op_free(struct cancel_op *c)
{
    http_op_cleanup(&c->op);
    free(c);
}

/* 2xx-4xx reached the server and need no repeat (no retry on 1xx-4xx);
 * BG_E_SESSION_NOT_FOUND means there is nothing left to cancel; other
 * 5xx and transport failures are worth sending again. */
static void on_cancel_done(struct http_op *op, CURLcode rc)
{
    struct cancel_op *c = op->owner;
    struct http_error err;
    int32_t hr = S_OK;

    if (rc != CURLE_OK) {
        http_op_error_from_curl(op, rc, &err);
        hr = err.hr;
    } else if (http_error_from_response(op, &err) && op->status >= 500
               && http_bits_error(op) != BG_E_SESSION_NOT_FOUND) {
        hr = err.hr;
    }
    xfer_engine_remove_cancel(c->engine, c);
    if (c->done)
        c->done(c->ctx, hr);
    cancel_op_free(c);
}

static size_t read_nothing(char *buf, size_t size, size_t nitems, void *userdata)
{
    return 0;
}

static int prepare_cancel(struct cancel_op *c, const char *url, const char *session_id,
                          const struct http_conf *conf)
{
    CURL *e;

    if (http_op_prepare(&c->op, url, conf) < 0)
        return -1;
    e = c->op.easy;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "BITS_POST");
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_nothing);
    if (http_op_header(&c->op, "Expect:") < 0
        || http_op_header(&c->op, "BITS-Packet-Type: Cancel-Session") < 0
        || http_op_header(&c->op, "BITS-Session-Id: %s", session_id) < 0)
        return -1;
    return 0;
}

void xfer_cancel_session(struct xfer_engine *e, const char *url, const char *session_id,
                         const char *host_id, const struct xfer_credential *creds, unsigned n_creds,
                         void (*done)(void *ctx, int32_t hr), void *ctx)
{
    struct http_conf conf = { .creds = creds, .n_creds = n_creds, .proxy_usage = BP_PROXY_PRECONFIG };
    struct cancel_op *c;
    char *target = NULL;
    int32_t hr = E_OUTOFMEMORY;

    if (!url || !session_id) {
        if (done)
            done(ctx, E_INVALIDARG);
        return;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        goto fail;
    c->engine = e;
    c->done = done;
    c->ctx = ctx;
    http_op_init(&c->op, xfer_engine_multi(e), c);
    target = host_id && *host_id ? http_url_with_host(url, host_id) : strdup(url);
    /* Credentials are copied by libcurl when set; nothing else outlives us. */
    if (!target || prepare_cancel(c, target, session_id, &conf) < 0
        || http_op_start(&c->op, on_cancel_done) < 0)
        goto fail;
    free(target);
    xfer_engine_add_cancel(e, c);
    return;

fail:
    free(target);
    if (c)
        cancel_op_free(c);
    if (done)
        done(ctx, hr);
}
