/*
 * Resumable HTTP GET into a file: BITS downloads (into temp_path) and the
 * reply of upload-reply jobs (into reply_path).
 *
 * The size comes from the first GET (Content-Length of a 200, or the total
 * of a 206's Content-Range); no HEAD round trip.  A resumed GET asks for
 * "Range: bytes=<have>-" with "If-Range: <validator>" (strong ETag, else
 * Last-Modified), so a changed remote file comes back whole (200) instead
 * of being spliced onto old bytes.
 *
 * Decisions where the documents leave room:
 *  - 200 to a resumed request (file changed, or the server ignores Range)
 *    restarts the file from 0 with that very body: the bytes are right and
 *    no request is wasted.  A 206 that does not start where we asked is
 *    BG_E_INSUFFICIENT_RANGE_SUPPORT (not transient).
 *  - No Content-Length on a 200 (or "/ *" totals) is BG_E_MISSING_FILE_SIZE
 *    (context REMOTE_FILE, not transient): BITS needs the size.
 *  - What is on disk beyond the last checkpoint is kept only up to the
 *    checkpointed count (see checkpoint_progress).
 *
 * Durability.  Data goes to the page cache with plain pwrite, like curl -o:
 * no fsync, fdatasync or sync_file_range while a download runs or when it
 * ends, because forcing writeback costs a third of the throughput.  A kill
 * of any process never loses page-cache data; only a power loss can, and
 * then the size on disk is short (file systems that order data before the
 * size, ext4 data=ordered and xfs, never show a size covering unwritten
 * data).  So a restart trusts min(size on disk, checkpointed count), the
 * daemon checks at start-up that every finished download file still has its
 * full size (and transfers the rest when not), and Complete makes the files
 * durable (fsync, rename, fsync of the directory) before it answers.  The
 * reply of an upload-reply job has no such start-up check: it is still
 * fdatasync'ed before it counts (replies are small).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"
#include "dlranges.h"

/* Restarts from 0 in one run before the remote file is called unstable. */
#define DOWNLOAD_MAX_RESTARTS   3
#define DOWNLOAD_MAX_RECONNECTS 3
/* libcurl's receive buffer: fewer, larger writes than the 16 KiB default. */
#define DOWNLOAD_BUFFER_SIZE    (512L * 1024)

static void send_get(struct xfer *x);

static void fail_errno(struct xfer *x, int e)
{
    struct http_error err;

    http_error_from_errno(e, &err);
    xfer_fail_with(x, &err);
}

void download_release(struct xfer *x)
{
    if (x->dl.fd >= 0)
        close(x->dl.fd);
    x->dl.fd = -1;
    free(x->dl.url);
    x->dl.url = NULL;
    free(x->dl.wbuf);
    x->dl.wbuf = NULL;
    x->dl.wlen = 0;
}

/* ---- decisions on the answer's head ---- */

/* ETag when it is strong (If-Range needs a strong validator), else
 * Last-Modified, else none. */
static const char *response_validator(const struct http_op *op)
{
    const char *etag = http_op_response_header(op, "ETag");

    if (etag && *etag && strncmp(etag, "W/", 2))
        return etag;
    return http_op_response_header(op, "Last-Modified");
}

static void discard_with(struct xfer *x, int32_t hr, int context, int transient)
{
    x->dl.discard = 1;
    x->dl.err.hr = hr;
    x->dl.err.context = context;
    x->dl.err.transient = transient;
}

static int set_validator(struct xfer *x, const char *v)
{
    if ((!v && !x->st.validator) || (v && x->st.validator && !strcmp(v, x->st.validator)))
        return 0;
    if (xfer_set_str(&x->st.validator, v) < 0) {
        discard_with(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
        return -1;
    }
    x->dl.need_cp = 1;
    return 0;
}

static void decide_partial(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;
    const char *range = http_op_response_header(&x->op, "Content-Range");
    const char *v = response_validator(&x->op);
    uint64_t first, last, total;

    if (!dl->sent_range || !range || http_parse_content_range(range, &first, &last, &total) < 0
        || first != *dl->have) {
        discard_with(x, BG_E_INSUFFICIENT_RANGE_SUPPORT, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    if (total == BP_SIZE_UNKNOWN || last + 1 != total) {
        discard_with(x, BG_E_MISSING_FILE_SIZE, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    /* Another size or validator: the remote file changed under us. */
    if ((*dl->total != BP_SIZE_UNKNOWN && *dl->total != total)
        || (v && x->st.validator && strcmp(v, x->st.validator))) {
        dl->restart = 1;
        return;
    }
    if (*dl->total != total)
        dl->need_cp = 1;
    *dl->total = total;
    set_validator(x, v);
}

static void decide_whole(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;
    const char *length = http_op_response_header(&x->op, "Content-Length");
    uint64_t total;

    if (!length || http_parse_u64(length, &total) < 0) {
        /* Dynamic content needs no size: the body ends the file. */
        if (!dlr_dynamic(x))
            discard_with(x, BG_E_MISSING_FILE_SIZE, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    if (*dl->have) {
        /* Whole body to a resumed request: start over with it. */
        if (ftruncate(dl->fd, 0) < 0) {
            x->dl_errno = errno;
            return;
        }
        *dl->have = 0;
        dl->unsynced = 0;
        dl->restarts++;
    }
    *dl->total = total;
    dl->need_cp = 1;
    set_validator(x, response_validator(&x->op));
}

/* 416 to "bytes=<have>-": fine when we already have it all. */
static void decide_unsatisfiable(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;
    const char *range = http_op_response_header(&x->op, "Content-Range");
    uint64_t first, last, total;

    dl->discard = 1;
    if (!dl->sent_range) {
        discard_with(x, BP_HTTP_ERROR(416), BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    if (range && http_parse_content_range(range, &first, &last, &total) == 0
        && total == *dl->have && (*dl->total == BP_SIZE_UNKNOWN || *dl->total == total)) {
        if (*dl->total != total)
            dl->need_cp = 1;
        *dl->total = total;
        return;
    }
    dl->restart = 1;
}

/* Ranged downloads (dlranges.c) judge their answers themselves; 1 when
 * this one was. */
static int decide_newer(struct xfer *x)
{
    int handled;
    int32_t hr = dlr_decide(x, &x->dl.need_cp, &x->dl.restart, &handled);

    if (!handled)
        return 0;
    if (hr)
        discard_with(x, hr, BP_CONTEXT_REMOTE_FILE, 0);
    else if (!x->dl.restart)
        set_validator(x, response_validator(&x->op));
    return 1;
}

/* Looks at the head of the final answer once, before its body. */
static void decide(struct xfer *x)
{
    struct http_error err;
    long status = x->op.status;
    int32_t hr;

    x->dl.decided = 1;
    if (decide_newer(x))
        ;
    else if (status == 206)
        decide_partial(x);
    else if (status == 416)
        decide_unsatisfiable(x);
    else if (status >= 200 && status < 300)
        decide_whole(x);
    else if (http_error_from_response(&x->op, &err))
        discard_with(x, err.hr, err.context, err.transient);
    else
        discard_with(x, BG_E_INVALID_SERVER_RESPONSE, BP_CONTEXT_REMOTE_FILE, 1);
    if (!x->dl.discard && !x->dl.restart && (hr = dlr_check_size(x)))
        discard_with(x, hr, BP_CONTEXT_REMOTE_FILE, 0);
}

/* ---- body ---- */

/* Appends 'len' bytes to the file at *have and counts them; 0, or -1 with
 * x->dl_errno set. */
static int write_at_have(struct xfer *x, const char *data, size_t len)
{
    struct xfer_dl *dl = &x->dl;
    size_t done = 0;

    while (done < len) {
        ssize_t n = pwrite(dl->fd, data + done, len - done, (off_t)(*dl->have + done));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            x->dl_errno = n < 0 ? errno : EIO;
            return -1;
        }
        done += (size_t)n;
    }
    *dl->have += len;
    dl->unsynced += len;
    if (dl->unsynced >= DOWNLOAD_CHECKPOINT_BYTES)
        x->cp_due = 1;
    return 0;
}

int download_flush(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;
    size_t len = dl->wlen;

    if (!len || dl->fd < 0)
        return 0;
    dl->wlen = 0;
    return write_at_have(x, dl->wbuf, len);
}

static size_t write_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    struct xfer_dl *dl = &x->dl;
    size_t len = size * nmemb;

    if (!dl->decided) {
        decide(x);
        if (dl->restart || x->dl_errno)
            return 0;                   /* ends this request */
        if (dl->need_cp && !dl->discard) {
            /* Make the new size/validator durable before the first byte. */
            x->cp_pending = 1;
            return CURL_WRITEFUNC_PAUSE;
        }
    }
    if (dl->discard)
        return len;
    if (*dl->have + dl->wlen + len > *dl->total) {
        discard_with(x, BG_E_INVALID_SERVER_RESPONSE, BP_CONTEXT_REMOTE_FILE, 1);
        return 0;
    }
    if (dl->wlen + len > DOWNLOAD_WRITE_BUFFER && download_flush(x) < 0)
        return 0;
    if (len >= DOWNLOAD_WRITE_BUFFER)
        return write_at_have(x, data, len) < 0 ? 0 : len;
    memcpy(dl->wbuf + dl->wlen, data, len);
    dl->wlen += len;
    return len;
}

/* A write into the file failed (a full disk, say): what reached the file
 * before it still counts, so it is recorded before the job takes the
 * write's error; a Resume once there is space goes on from there instead
 * of fetching those bytes again.  A checkpoint that cannot be stored
 * either fails the transfer itself (the daemon's ckpt_failed path). */
static void fail_write(struct xfer *x)
{
    int e = x->dl_errno;

    x->dl.unsynced = 0;
    if (xfer_checkpoint(x) == 0)
        fail_errno(x, e);
}

/* Records how far the file got.  No writeback is forced: the count only
 * has to be a bound a restart may trust together with the size on disk
 * (see the top of this file). */
static int checkpoint_progress(struct xfer *x)
{
    if (download_flush(x) < 0) {
        fail_write(x);
        return -1;
    }
    x->dl.unsynced = 0;
    x->cp_due = 0;
    return xfer_checkpoint(x);
}

void download_run_checkpoint(struct xfer *x)
{
    int paused = x->cp_pending;

    x->cp_pending = 0;
    x->cp_due = 0;
    if (x->dl.fd < 0 || checkpoint_progress(x) < 0)
        return;
    x->dl.need_cp = 0;
    if (paused && x->op.active)
        curl_easy_pause(x->op.easy, CURLPAUSE_CONT);
}

/* ---- requests ---- */

static void restart_from_zero(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;

    if (++dl->restarts > DOWNLOAD_MAX_RESTARTS) {
        xfer_fail(x, BG_E_INSUFFICIENT_RANGE_SUPPORT, BP_CONTEXT_REMOTE_FILE, 1);
        return;
    }
    if (ftruncate(dl->fd, 0) < 0) {
        fail_errno(x, errno);
        return;
    }
    *dl->have = 0;
    *dl->total = BP_SIZE_UNKNOWN;
    dl->unsynced = 0;
    xfer_set_str(&x->st.validator, NULL);
    if (xfer_checkpoint(x) < 0)
        return;
    send_get(x);
}

static void file_complete(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;
    xfer_step_fn next = dl->complete;

    /* A download file is made durable by Complete; a reply now. */
    if (x->kind != XFER_DOWNLOAD && fdatasync(dl->fd) < 0) {
        fail_errno(x, errno);
        return;
    }
    if (checkpoint_progress(x) < 0)
        return;
    download_release(x);
    next(x);
}

static int is_broken_connection(CURLcode rc)
{
    return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING
        || rc == CURLE_PARTIAL_FILE;
}

static void on_get(struct http_op *op, CURLcode rc)
{
    struct xfer *x = op->owner;
    struct xfer_dl *dl = &x->dl;
    struct http_error err;

    x->cp_pending = 0;
    download_flush(x);                  /* a failure shows in dl_errno */
    if (rc == CURLE_OK && !dl->decided)
        decide(x);                      /* empty body: no write came */
    dlr_report_headers(x);
    if (x->dl_errno) {
        fail_write(x);
        return;
    }
    if (dl->restart) {
        restart_from_zero(x);
        return;
    }
    if (dl->discard && dl->err.hr) {
        xfer_fail_with(x, &dl->err);
        return;
    }
    if (rc != CURLE_OK) {
        /* Keep what arrived, then retry a broken connection at once. */
        if (checkpoint_progress(x) < 0)
            return;
        if (*dl->have > dl->request_start)
            x->reconnects = 0;          /* it moved: not the same failure again */
        if (is_broken_connection(rc) && x->reconnects < DOWNLOAD_MAX_RECONNECTS) {
            x->reconnects++;
            send_get(x);
            return;
        }
        http_op_error_from_curl(op, rc, &err);
        xfer_fail_with(x, &err);
        return;
    }
    if (dlr_dynamic(x) && *dl->total == BP_SIZE_UNKNOWN)
        *dl->total = *dl->have;         /* the whole body came */
    if (dlr_more_ranges(x)) {
        if (checkpoint_progress(x) < 0)
            return;
        send_get(x);                    /* the next range */
        return;
    }
    if (*dl->total == BP_SIZE_UNKNOWN || *dl->have != *dl->total) {
        if (checkpoint_progress(x) < 0)
            return;
        xfer_fail(x, BG_E_CONNECTION_CLOSED, BP_CONTEXT_GENERAL_TRANSPORT, 1);
        return;
    }
    file_complete(x);
}

static void send_get(struct xfer *x)
{
    struct xfer_dl *dl = &x->dl;
    char range[48];
    CURL *e;

    dl->decided = 0;
    dl->discard = 0;
    dl->restart = 0;
    dl->need_cp = 0;
    dl->err.hr = 0;
    dl->wlen = 0;                       /* the new answer starts at *have */
    x->dl_errno = 0;
    dl->sent_range = (*dl->have > 0 || dlr_ranged(x)) && !dlr_dynamic(x);
    dl->request_start = *dl->have;
    if (http_op_prepare(&x->op, dl->url, &x->conf) < 0) {
        xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
        return;
    }
    e = x->op.easy;
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    /* SetHttpMethod: the job's file (not an upload-reply's reply) is asked
     * for with that verb; the answer is read like a GET's */
    if (x->http_method && x->kind == XFER_DOWNLOAD)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->http_method);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, http_follows_redirects(&x->conf) ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, DOWNLOAD_BUFFER_SIZE);
    if (dl->sent_range) {
        if (dlr_ranged(x))
            dlr_range_header(x, range, sizeof(range));
        else
            snprintf(range, sizeof(range), "%" PRIu64 "-", *dl->have);
        curl_easy_setopt(e, CURLOPT_RANGE, range);
        if (x->st.validator && http_op_header(&x->op, "If-Range: %s", x->st.validator) < 0) {
            xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
            return;
        }
    }
    xfer_send(x, on_get);
}

void download_file(struct xfer *x, const char *url, const char *path, uint64_t *have,
                   uint64_t *total, xfer_step_fn complete)
{
    struct xfer_dl *dl = &x->dl;
    struct stat sb;

    download_release(x);
    dl->url = url ? strdup(url) : NULL;
    dl->path = path;
    dl->have = have;
    dl->total = total;
    dl->complete = complete;
    dl->restarts = 0;
    if (dlr_dynamic(x))
        *have = 0;                      /* dynamic content is never resumed */
    dl->unsynced = 0;
    if (!dl->url) {
        xfer_fail(x, url ? E_OUTOFMEMORY : E_INVALIDARG, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    dl->wbuf = malloc(DOWNLOAD_WRITE_BUFFER);
    if (!dl->wbuf) {
        xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
        return;
    }
    dl->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (dl->fd < 0 || fstat(dl->fd, &sb) < 0) {
        fail_errno(x, errno);
        return;
    }
    /* Trust only what is both on disk and checkpointed. */
    if ((uint64_t)sb.st_size < *have)
        *have = (uint64_t)sb.st_size;
    if ((uint64_t)sb.st_size > *have && ftruncate(dl->fd, (off_t)*have) < 0) {
        fail_errno(x, errno);
        return;
    }
    if (!*have)
        xfer_set_str(&x->st.validator, NULL);
    if (*total != BP_SIZE_UNKNOWN && *have == *total) {
        file_complete(x);
        return;
    }
    send_get(x);
}

static void download_main(struct xfer *x)
{
    if (x->source_path) {
        localcopy_begin(x);
        return;
    }
    download_file(x, x->url, x->temp_path, &x->st.acked, &x->st.total, xfer_succeed);
}

void download_begin(struct xfer *x)
{
    if ((!x->url && !x->source_path) || !x->temp_path) {
        xfer_fail(x, E_INVALIDARG, BP_CONTEXT_LOCAL_FILE, 0);
        return;
    }
    /* BITS learns every file's size before it transfers. */
    if (x->n_probes) {
        sizepass_begin(x, download_main);
        return;
    }
    download_main(x);
}
