/*
 * Transfer engine: the libcurl multi handle, transfer lifecycle and the
 * delivery of callbacks to the daemon.  The protocols live in upload.c and
 * download.c; see transfer_int.h for the threading rules.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"

struct xfer_engine {
    CURLM *multi;
    struct xfer *xfers;         /* live transfers */
    struct xfer *dead;          /* aborted while run was on the stack */
    struct cancel_op *cancels;
    int in_run;
};

/* ---- small helpers ---- */

CURLM *xfer_engine_multi(struct xfer_engine *e)
{
    return e->multi;
}

void xfer_engine_add_cancel(struct xfer_engine *e, struct cancel_op *c)
{
    c->next = e->cancels;
    e->cancels = c;
}

void xfer_engine_remove_cancel(struct xfer_engine *e, struct cancel_op *c)
{
    struct cancel_op **pp;

    for (pp = &e->cancels; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            return;
        }
    }
}

static void unlink_xfer(struct xfer *x)
{
    struct xfer **pp;

    for (pp = &x->engine->xfers; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            return;
        }
    }
}

static void destroy_xfer(struct xfer *x)
{
    unsigned i;

    upload_release(x);
    download_release(x);
    localcopy_release(x);
    sizepass_release(x);
    certcheck_release(x);
    http_op_cleanup(&x->op);
    xfer_saved_clear(&x->st);
    for (i = 0; i < x->n_creds; i++) {
        free((char *)x->creds[i].user);
        if (x->creds[i].password) {
            /* Do not leave passwords lying around in freed memory. */
            memset((char *)x->creds[i].password, 0, strlen(x->creds[i].password));
            free((char *)x->creds[i].password);
        }
    }
    free(x->creds);
    free(x->url);
    free(x->local_path);
    free(x->temp_path);
    free(x->reply_path);
    free(x->content_name);
    free(x->proxy_list);
    free(x->proxy_bypass);
    free(x->post_url);
    free(x->source_path);
    free(x->custom_headers);
    free(x->http_method);
    http_conf_clear_client_key(&x->conf);
    free(x->ranges);
    free(x);
}

/* ---- outcomes ---- */

/* Hands the current progress to the daemon; its return code. */
static int report_checkpoint(struct xfer *x)
{
    struct xfer_checkpoint cp;

    xfer_saved_view(&x->st, &cp);
    return x->cb.checkpoint ? x->cb.checkpoint(x->ctx, &cp) : 0;
}

int xfer_checkpoint(struct xfer *x)
{
    int rc;

    if (x->aborted || x->done)
        return -1;
    rc = report_checkpoint(x);
    if (x->aborted)
        return -1;
    if (rc) {
        /* The store could not keep our progress: stop rather than run on
         * with state a restart would not know about. */
        xfer_fail(x, E_FAIL, BP_CONTEXT_LOCAL_FILE, 1);
        return -1;
    }
    return 0;
}

void xfer_fail(struct xfer *x, int32_t hr, int context, int transient)
{
    if (x->done || x->aborted)
        return;
    http_op_cancel(&x->op);
    x->done = 1;
    x->wake = NULL;
    x->result.hr = hr;
    x->result.context = context;
    x->result.transient = transient;
}

void xfer_fail_with(struct xfer *x, const struct http_error *err)
{
    xfer_fail(x, err->hr, err->context, err->transient);
}

void xfer_succeed(struct xfer *x)
{
    xfer_fail(x, S_OK, BP_CONTEXT_NONE, 0);
}

void xfer_schedule(struct xfer *x, xfer_step_fn step)
{
    x->wake = step;
}

void xfer_send(struct xfer *x, http_done_fn done)
{
    if (http_op_start(&x->op, done) < 0)
        xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_TRANSPORT, 1);
}

static uint64_t sent_bytes(const struct xfer *x)
{
    return x->kind == XFER_DOWNLOAD || x->st.upload_done ? x->st.acked : x->upload_sent;
}

static int progress_changed(const struct xfer *x)
{
    return sent_bytes(x) != x->shown[0] || x->st.total != x->shown[1]
        || x->st.reply_received != x->shown[2] || x->st.reply_total != x->shown[3];
}

static void report_progress(struct xfer *x)
{
    uint64_t now[4];

    now[0] = sent_bytes(x);
    now[1] = x->st.total;
    now[2] = x->st.reply_received;
    now[3] = x->st.reply_total;
    if (!memcmp(now, x->shown, sizeof(now)))
        return;
    memcpy(x->shown, now, sizeof(now));
    if (x->cb.progress)
        x->cb.progress(x->ctx, now[0], now[1], now[2], now[3]);
}

/* ---- engine ---- */

struct xfer_engine *xfer_engine_new(void)
{
    static int curl_ready;
    struct xfer_engine *e;

    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        curl_ready = 1;
    }
    e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->multi = curl_multi_init();
    if (!e->multi) {
        free(e);
        return NULL;
    }
    return e;
}

static void free_dead(struct xfer_engine *e)
{
    while (e->dead) {
        struct xfer *x = e->dead;

        e->dead = x->next;
        destroy_xfer(x);
    }
}

void xfer_engine_free(struct xfer_engine *e)
{
    if (!e)
        return;
    while (e->xfers) {
        struct xfer *x = e->xfers;

        e->xfers = x->next;
        destroy_xfer(x);
    }
    while (e->cancels) {
        struct cancel_op *c = e->cancels;

        e->cancels = c->next;
        cancel_op_free(c);
    }
    free_dead(e);
    curl_multi_cleanup(e->multi);
    free(e);
}

static int engine_has_work_now(struct xfer_engine *e)
{
    struct xfer *x;

    for (x = e->xfers; x; x = x->next)
        if (x->wake || x->done || x->cp_pending || x->cp_due)
            return 1;
    return 0;
}

int xfer_engine_wait(struct xfer_engine *e, struct curl_waitfd *extra, unsigned n_extra, int timeout_ms)
{
    int numfds = 0;

    if (engine_has_work_now(e))
        timeout_ms = 0;
    if (curl_multi_poll(e->multi, extra, n_extra, timeout_ms, &numfds) != CURLM_OK)
        return -1;
    return numfds;
}

long xfer_engine_timeout(struct xfer_engine *e)
{
    long t = -1;

    if (engine_has_work_now(e))
        return 0;
    if (curl_multi_timeout(e->multi, &t) != CURLM_OK)
        return -1;
    return t;
}

/* Delivers finished() for every transfer that has a result.  The list is
 * searched again after each callback because the daemon may start or
 * abort transfers from inside it. */
static void settle(struct xfer_engine *e)
{
    for (;;) {
        struct xfer *x;
        struct xfer_result result;

        for (x = e->xfers; x && !x->done; x = x->next)
            ;
        if (!x)
            return;
        unlink_xfer(x);
        report_progress(x);
        result = x->result;
        x->finishing = 1;
        if (x->cb.finished)
            x->cb.finished(x->ctx, &result);
        destroy_xfer(x);
    }
}

static void run_completions(struct xfer_engine *e)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(e->multi, &left))) {
        struct http_op *op = NULL;
        CURLcode rc = msg->data.result;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&op);
        if (op)
            http_op_finished(op, rc);
        settle(e);
    }
}

static void run_wakes(struct xfer_engine *e)
{
    unsigned budget = 64;

    while (budget--) {
        struct xfer *x;
        xfer_step_fn step;

        for (x = e->xfers; x && !(x->wake && !x->done); x = x->next)
            ;
        if (!x)
            break;
        step = x->wake;
        x->wake = NULL;
        step(x);
        settle(e);
    }
}

static void run_paused_checkpoints(struct xfer_engine *e)
{
    for (;;) {
        struct xfer *x;

        for (x = e->xfers; x && !((x->cp_pending || x->cp_due) && !x->done); x = x->next)
            ;
        if (!x)
            break;
        download_run_checkpoint(x);
        settle(e);
    }
}

/* One progress() per changed transfer; the list is searched again after
 * each callback because the daemon may change it. */
static void run_progress(struct xfer_engine *e)
{
    for (;;) {
        struct xfer *x;

        for (x = e->xfers; x && (x->done || !progress_changed(x)); x = x->next)
            ;
        if (!x)
            break;
        report_progress(x);
    }
}

void xfer_engine_run(struct xfer_engine *e)
{
    int running;

    e->in_run++;
    curl_multi_perform(e->multi, &running);
    run_completions(e);
    run_wakes(e);
    run_paused_checkpoints(e);
    run_progress(e);
    settle(e);
    /* Get requests started by the steps above onto the wire. */
    curl_multi_perform(e->multi, &running);
    run_completions(e);
    e->in_run--;
    if (!e->in_run)
        free_dead(e);
}

/* ---- transfers ---- */

static int copy_credentials(struct xfer *x, const struct xfer_credential *creds, unsigned n)
{
    unsigned i;

    if (!n)
        return 0;
    x->creds = calloc(n, sizeof(*x->creds));
    if (!x->creds)
        return -1;
    x->n_creds = n;
    for (i = 0; i < n; i++) {
        x->creds[i].target = creds[i].target;
        x->creds[i].scheme = creds[i].scheme;
        if ((creds[i].user && !(x->creds[i].user = strdup(creds[i].user)))
            || (creds[i].password && !(x->creds[i].password = strdup(creds[i].password))))
            return -1;
    }
    return 0;
}

static int copy_probes(struct xfer *x, const struct xfer_probe *probes, unsigned n)
{
    unsigned i;

    if (!n)
        return 0;
    x->probes = calloc(n, sizeof(*x->probes));
    if (!x->probes)
        return -1;
    x->n_probes = n;
    for (i = 0; i < n; i++) {
        x->probes[i].index = probes[i].index;
        if (xfer_set_str((char **)&x->probes[i].url, probes[i].url)
            || xfer_set_str((char **)&x->probes[i].path, probes[i].path))
            return -1;
    }
    return 0;
}

/* The newer interfaces' part of the request (see transfer.h). */
static int copy_newer(struct xfer *x, const struct xfer_request *req)
{
    if (xfer_set_str(&x->custom_headers, req->custom_headers)
        || xfer_set_str(&x->http_method, req->http_method))
        return -1;
    x->conf.custom_headers = x->custom_headers;
    x->conf.security_flags = req->security_flags;
    if (http_conf_set_client_key(&x->conf, req->client_cert, req->client_cert_len,
                                 req->client_key, req->client_key_len) < 0)
        return -1;
    x->max_size = req->max_size;
    x->dynamic = req->dynamic;
    x->remote_size = BP_SIZE_UNKNOWN;
    if (req->range_count && req->ranges) {
        x->ranges = malloc(req->range_count * sizeof(*x->ranges));
        if (!x->ranges)
            return -1;
        memcpy(x->ranges, req->ranges, req->range_count * sizeof(*x->ranges));
        x->n_ranges = req->range_count;
    }
    return 0;
}

static int copy_request(struct xfer *x, const struct xfer_request *req)
{
    if (xfer_set_str(&x->url, req->url) || xfer_set_str(&x->local_path, req->local_path)
        || xfer_set_str(&x->temp_path, req->temp_path) || xfer_set_str(&x->reply_path, req->reply_path)
        || xfer_set_str(&x->content_name, req->content_name)
        || xfer_set_str(&x->proxy_list, req->proxy_list)
        || xfer_set_str(&x->proxy_bypass, req->proxy_bypass)
        || xfer_set_str(&x->source_path, req->source_path)
        || copy_probes(x, req->probes, req->probe_count)
        || copy_credentials(x, req->credentials, req->credential_count)
        || xfer_saved_assign(&x->st, &req->resume))
        return -1;
    /* The request's identity wins; a store that keeps only the checkpoint
     * copy still works. */
    if (req->source_size || req->source_mtime_ns) {
        x->st.source_size = req->source_size;
        x->st.source_mtime_ns = req->source_mtime_ns;
    }
    x->conf.creds = x->creds;
    x->conf.n_creds = x->n_creds;
    x->conf.proxy_usage = req->proxy_usage;
    x->conf.proxy_list = x->proxy_list;
    x->conf.proxy_bypass = x->proxy_bypass;
    return copy_newer(x, req);
}

struct xfer *xfer_start(struct xfer_engine *e, const struct xfer_request *req,
                        const struct xfer_callbacks *cb, void *ctx)
{
    struct xfer *x = calloc(1, sizeof(*x));
    xfer_step_fn first;

    if (!x)
        return NULL;
    x->engine = e;
    x->kind = req->kind;
    x->cb = *cb;
    x->ctx = ctx;
    x->src_fd = -1;
    x->dl.fd = -1;
    x->frag_size = UPLOAD_FRAGMENT_START;
    http_op_init(&x->op, e->multi, x);
    if (copy_request(x, req) < 0) {
        destroy_xfer(x);
        return NULL;
    }
    x->upload_sent = x->st.acked;
    x->shown[0] = sent_bytes(x);
    x->shown[1] = x->st.total;
    x->shown[2] = x->st.reply_received;
    x->shown[3] = x->st.reply_total;
    /* Work starts from xfer_engine_run, so no callback runs inside
     * xfer_start. */
    first = x->kind == XFER_DOWNLOAD ? download_begin : upload_begin;
    if (req->validate_server_cert && !x->source_path && !strncasecmp(x->url, "https://", 8))
        certcheck_begin(x, first);
    else
        xfer_schedule(x, first);
    x->next = e->xfers;
    e->xfers = x;
    return x;
}

void xfer_abort(struct xfer *x)
{
    struct xfer_engine *e;

    if (!x || x->aborted || x->finishing)
        return;
    /* Suspend keeps a download's progress: the bytes written so far are
     * checkpointed (a restart trusts min(size on disk, checkpoint), see
     * download.c), so the next run asks for the rest with a Range request
     * instead of starting again at the last periodic checkpoint.  A failure
     * here only costs that saving. */
    if (!x->done)
        download_flush(x);      /* bytes still in the write buffer count too */
    if (!x->done && x->dl.fd >= 0 && x->dl.unsynced && report_checkpoint(x) == 0)
        x->dl.unsynced = 0;
    e = x->engine;
    unlink_xfer(x);
    http_op_cancel(&x->op);
    x->aborted = 1;
    x->wake = NULL;
    if (e->in_run) {
        x->next = e->dead;
        e->dead = x;
    } else {
        destroy_xfer(x);
    }
}
