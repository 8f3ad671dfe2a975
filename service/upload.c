/*
 * BITS Upload Protocol client ([MC-BUP], BITS.md A.1-A.6): Create-Session,
 * Fragments streamed from the source file, the reply of upload-reply jobs
 * (through download.c) and Close-Session.  One request in flight per
 * transfer; every acknowledged step goes through the checkpoint callback
 * before the next request is sent.
 *
 * Decisions where the documents leave room:
 *  - Fragments start at UPLOAD_FRAGMENT_START bytes; a 413 halves the size,
 *    below UPLOAD_FRAGMENT_FLOOR the job fails with BG_E_TOO_LARGE (or the
 *    server's BITS error), context REMOTE_FILE, not transient.
 *  - An empty source is sent as one Fragment with no body and
 *    "Content-Range: bytes *\/0": the upload protocol has no other way to
 *    mark the upload complete, and upload-reply needs that Ack for its
 *    BITS-Reply-URL.
 *  - A connection that breaks after it was established (reset, closed
 *    mid-fragment) is retried at once from the server's resume point, a
 *    few times in a row; failing to connect is reported (transient).
 *  - A 4xx answer to Close-Session ends the job successfully: every byte
 *    was acknowledged and BITS does not retry Close on 1xx-4xx.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"

#define BITS_UPLOAD_PROTOCOL    "{7df0354d-249b-430f-820d-3d2a9bef4931}"
#define BITS_MAX_SESSION_ID     100
/* Immediate retries after a connection broke mid-request, in a row. */
#define UPLOAD_MAX_RECONNECTS   3
/* Acks in a row (200 or 416) that do not move the resume point. */
#define UPLOAD_MAX_RESYNCS      3
/* libcurl's upload buffer: bigger than the 64 KiB default, fewer calls. */
#ifndef UPLOAD_BUFFER_SIZE
#define UPLOAD_BUFFER_SIZE      (512L * 1024)
#endif

static void send_create_session(struct xfer *x);
static void send_fragment(struct xfer *x);
static void send_close_session(struct xfer *x);

/* ---- the source file ---- */

static int64_t mtime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static void fail_errno(struct xfer *x, int e)
{
    struct http_error err;

    http_error_from_errno(e, &err);
    xfer_fail_with(x, &err);
}

static void fail_changed(struct xfer *x)
{
    xfer_fail(x, BG_E_LOCAL_FILE_CHANGED, BP_CONTEXT_LOCAL_FILE, 0);
}

/* The source must be the file we started with: same size and mtime. */
static int source_unchanged(struct xfer *x)
{
    struct stat sb;

    if (fstat(x->src_fd, &sb) < 0) {
        fail_errno(x, errno);
        return 0;
    }
    if ((uint64_t)sb.st_size != x->st.source_size || mtime_ns(&sb) != x->st.source_mtime_ns) {
        fail_changed(x);
        return 0;
    }
    return 1;
}

/* Opens the source read-only (it is never written) and records or checks
 * its identity.  Returns 0, or -1 after failing the transfer. */
static int source_open(struct xfer *x)
{
    struct stat sb;

    if (!x->local_path) {
        xfer_fail(x, E_INVALIDARG, BP_CONTEXT_LOCAL_FILE, 0);
        return -1;
    }
    x->src_fd = open(x->local_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (x->src_fd < 0 || fstat(x->src_fd, &sb) < 0) {
        fail_errno(x, errno);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        xfer_fail(x, E_ACCESSDENIED, BP_CONTEXT_LOCAL_FILE, 0);
        return -1;
    }
    if (!x->st.source_size && !x->st.source_mtime_ns) {
        x->st.source_size = (uint64_t)sb.st_size;
        x->st.source_mtime_ns = mtime_ns(&sb);
    } else if (!source_unchanged(x)) {
        return -1;
    }
    if (x->st.total != BP_SIZE_UNKNOWN && x->st.total != (uint64_t)sb.st_size) {
        fail_changed(x);
        return -1;
    }
    x->st.total = (uint64_t)sb.st_size;
    posix_fadvise(x->src_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return 0;
}

void upload_release(struct xfer *x)
{
    if (x->src_fd >= 0)
        close(x->src_fd);
    x->src_fd = -1;
}

/* libcurl pulls the fragment body from here, straight from the file. */
static size_t read_fragment(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct xfer *x = userdata;
    uint64_t left = x->frag_len - x->frag_pos;
    size_t want = size * nitems;
    ssize_t n;

    if (want > left)
        want = (size_t)left;
    if (!want)
        return 0;
    do
        n = pread(x->src_fd, buf, want, (off_t)(x->frag_start + x->frag_pos));
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        /* Zero bytes inside the recorded size: the file shrank. */
        x->src_error = 1;
        x->src_errno = n < 0 ? errno : 0;
        return CURL_READFUNC_ABORT;
    }
    x->frag_pos += (uint64_t)n;
    x->upload_sent = x->frag_start + x->frag_pos;
    return (size_t)n;
}

/* Authentication round trips make libcurl send the body again. */
static int seek_fragment(void *userdata, curl_off_t offset, int origin)
{
    struct xfer *x = userdata;

    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->frag_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->frag_pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* ---- packets ---- */

/* Every packet is a BITS_POST with an exact Content-Length and no
 * "Expect: 100-continue" (one round trip less per fragment). */
static int prepare_packet(struct xfer *x, const char *type, uint64_t body_len)
{
    CURL *e;

    if (http_op_prepare(&x->op, x->post_url, &x->conf) < 0)
        return -1;
    e = x->op.easy;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "BITS_POST");
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_fragment);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, seek_fragment);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, UPLOAD_BUFFER_SIZE);
    if (http_op_header(&x->op, "Expect:") < 0
        || http_op_header(&x->op, "BITS-Packet-Type: %s", type) < 0)
        return -1;
    if (x->st.session_id && http_op_header(&x->op, "BITS-Session-Id: %s", x->st.session_id) < 0)
        return -1;
    return 0;
}

static int set_post_url(struct xfer *x)
{
    char *url = x->st.host_id ? http_url_with_host(x->url, x->st.host_id) : strdup(x->url);

    if (!url)
        return -1;
    free(x->post_url);
    x->post_url = url;
    return 0;
}

static void fail_protocol(struct xfer *x)
{
    xfer_fail(x, BG_E_INVALID_SERVER_RESPONSE, BP_CONTEXT_REMOTE_FILE, 0);
}

static void fail_memory(struct xfer *x)
{
    xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
}

/* Forget the session and start again from byte 0 (server lost the
 * session, or we fell back from the BITS-Host-Id host). */
static void restart_session(struct xfer *x)
{
    if (++x->session_restarts > UPLOAD_MAX_SESSION_RESTARTS) {
        xfer_fail(x, BG_E_SESSION_NOT_FOUND, BP_CONTEXT_REMOTE_FILE, 1);
        return;
    }
    xfer_set_str(&x->st.session_id, NULL);
    xfer_set_str(&x->st.host_id, NULL);
    x->st.acked = 0;
    x->upload_sent = 0;
    x->st.host_fallback = 0;
    x->st.host_fallback_timeout = 0;
    x->st.host_failing_since = 0;
    if (set_post_url(x) < 0) {
        fail_memory(x);
        return;
    }
    if (xfer_checkpoint(x) < 0)
        return;
    send_create_session(x);
}

static int is_connect_failure(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
}

static int is_broken_connection(CURLcode rc)
{
    return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING
        || rc == CURLE_PARTIAL_FILE;
}

/* BITS-Host-Id fallback (MC-BUP 3.1.2.3): the timer starts at the first
 * failed connection and survives restarts through the checkpoint. */
static int host_fallback_due(struct xfer *x)
{
    int64_t now = (int64_t)time(NULL);

    if (!x->st.host_failing_since) {
        x->st.host_failing_since = now;
        if (xfer_checkpoint(x) < 0)
            return -1;
    }
    return x->st.host_fallback && now - x->st.host_failing_since >= (int64_t)x->st.host_fallback_timeout;
}

/* A request ended without an HTTP answer. */
static void transport_failed(struct xfer *x, CURLcode rc, xfer_step_fn resend)
{
    struct http_error err;

    if (x->st.host_id && is_connect_failure(rc)) {
        int due = host_fallback_due(x);

        if (due < 0)
            return;
        if (due) {
            restart_session(x);
            return;
        }
    }
    if (resend && is_broken_connection(rc) && x->reconnects < UPLOAD_MAX_RECONNECTS) {
        x->reconnects++;
        resend(x);
        return;
    }
    http_op_error_from_curl(&x->op, rc, &err);
    xfer_fail_with(x, &err);
}

/* ---- Create-Session ---- */

static void on_create_session(struct http_op *op, CURLcode rc)
{
    struct xfer *x = op->owner;
    const char *sid, *protocol, *host, *fallback;
    struct http_error err;
    uint64_t seconds;

    if (rc != CURLE_OK) {
        transport_failed(x, rc, send_create_session);
        return;
    }
    if (http_error_from_response(op, &err)) {
        xfer_fail_with(x, &err);
        return;
    }
    sid = http_op_response_header(op, "BITS-Session-Id");
    if (!sid || !*sid || strlen(sid) > BITS_MAX_SESSION_ID) {
        fail_protocol(x);
        return;
    }
    protocol = http_op_response_header(op, "BITS-Protocol");
    if (protocol && strcasecmp(protocol, BITS_UPLOAD_PROTOCOL)) {
        xfer_fail(x, BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    host = http_op_response_header(op, "BITS-Host-Id");
    fallback = http_op_response_header(op, "BITS-Host-Id-Fallback-Timeout");
    if (host && !*host)
        host = NULL;
    x->st.host_fallback = host && fallback && http_parse_u64(fallback, &seconds) == 0;
    x->st.host_fallback_timeout = x->st.host_fallback ? (seconds > UINT32_MAX ? UINT32_MAX : (uint32_t)seconds) : 0;
    x->st.host_failing_since = 0;
    x->st.acked = 0;
    x->upload_sent = 0;
    if (xfer_set_str(&x->st.session_id, sid) < 0 || xfer_set_str(&x->st.host_id, host) < 0) {
        fail_memory(x);
        return;
    }
    if (set_post_url(x) < 0) {
        /* A host we cannot put into a URL is a broken answer. */
        fail_protocol(x);
        return;
    }
    if (xfer_checkpoint(x) < 0)
        return;
    send_fragment(x);
}

static void send_create_session(struct xfer *x)
{
    if (prepare_packet(x, "Create-Session", 0) < 0
        || http_op_header(&x->op, "BITS-Supported-Protocols: %s", BITS_UPLOAD_PROTOCOL) < 0) {
        fail_memory(x);
        return;
    }
    xfer_send(x, on_create_session);
}

/* ---- Fragments ---- */

static void start_reply(struct xfer *x)
{
    if (!x->reply_path) {
        xfer_fail(x, E_INVALIDARG, BP_CONTEXT_LOCAL_FILE, 0);
        return;
    }
    download_file(x, x->st.reply_url, x->reply_path, &x->st.reply_received, &x->st.reply_total,
                  send_close_session);
}

/* The final Ack of an upload-reply job carries the reply URL. */
static void upload_reply_acked(struct xfer *x, const char *reply_url)
{
    char *absolute;

    if (!reply_url || !*reply_url) {
        /* An Ack that says "complete" for a fragment that did not hold the
         * last byte: send the last fragment again to get the URL. */
        if (!x->frag_final) {
            x->frag_final = 1;
            send_fragment(x);
            return;
        }
        fail_protocol(x);
        return;
    }
    absolute = http_url_resolve(x->post_url, reply_url);
    if (!absolute) {
        fail_protocol(x);
        return;
    }
    free(x->st.reply_url);
    x->st.reply_url = absolute;
    x->st.upload_done = 1;
    x->st.reply_received = 0;
    x->st.reply_total = BP_SIZE_UNKNOWN;
    xfer_set_str(&x->st.validator, NULL);
    if (xfer_checkpoint(x) < 0)
        return;
    upload_release(x);
    start_reply(x);
}

static void upload_complete(struct xfer *x, const char *reply_url)
{
    if (x->kind == XFER_UPLOAD_REPLY) {
        upload_reply_acked(x, reply_url);
        return;
    }
    x->st.upload_done = 1;
    if (xfer_checkpoint(x) < 0)
        return;
    upload_release(x);
    send_close_session(x);
}

static void on_fragment(struct http_op *op, CURLcode rc)
{
    struct xfer *x = op->owner;
    const char *received;
    struct http_error err;
    uint64_t next, before = x->st.acked;

    if (x->src_error) {
        if (x->src_errno)
            fail_errno(x, x->src_errno);
        else
            fail_changed(x);
        return;
    }
    if (rc != CURLE_OK) {
        transport_failed(x, rc, send_fragment);
        return;
    }
    x->st.host_failing_since = 0;
    if (op->status == 413) {
        x->frag_size /= 2;
        if (x->frag_size < UPLOAD_FRAGMENT_FLOOR) {
            int32_t hr = http_bits_error(op);

            xfer_fail(x, hr < 0 ? hr : BG_E_TOO_LARGE, BP_CONTEXT_REMOTE_FILE, 0);
            return;
        }
        send_fragment(x);
        return;
    }
    if (http_bits_error(op) == BG_E_SESSION_NOT_FOUND) {
        restart_session(x);
        return;
    }
    if (op->status != 416 && http_error_from_response(op, &err)) {
        xfer_fail_with(x, &err);
        return;
    }
    received = http_op_response_header(op, "BITS-Received-Content-Range");
    if (!received || http_parse_u64(received, &next) < 0 || next > x->st.total) {
        fail_protocol(x);
        return;
    }
    /* The bytes the server holds must be the bytes of the file we have. */
    if (!source_unchanged(x))
        return;
    if (next > before) {
        x->session_restarts = 0;
        x->reconnects = 0;
        x->resyncs = 0;
    } else if (++x->resyncs > UPLOAD_MAX_RESYNCS) {
        /* The server keeps answering without taking anything. */
        fail_protocol(x);
        return;
    }
    x->st.acked = next;
    x->upload_sent = next;
    if (next == x->st.total) {
        upload_complete(x, http_op_response_header(op, "BITS-Reply-URL"));
        return;
    }
    x->frag_final = 0;
    if (xfer_checkpoint(x) < 0)
        return;
    send_fragment(x);
}

/* Sends the next fragment from the server's resume point; with frag_final
 * set and everything acknowledged, sends the last fragment again. */
static void send_fragment(struct xfer *x)
{
    uint64_t start = x->st.acked, len;
    int ok;

    if (!source_unchanged(x))
        return;
    if (start >= x->st.total) {
        len = x->st.total < x->frag_size ? x->st.total : x->frag_size;
        start = x->st.total - len;
    }
    len = x->st.total - start;
    if (len > x->frag_size)
        len = x->frag_size;
    x->frag_start = start;
    x->frag_len = len;
    x->frag_pos = 0;
    x->frag_final = start + len == x->st.total;
    x->src_error = 0;
    x->upload_sent = start;

    ok = prepare_packet(x, "Fragment", len) == 0;
    if (ok && x->st.total == 0)
        ok = http_op_header(&x->op, "Content-Range: bytes */0") == 0;
    else if (ok)
        ok = http_op_header(&x->op, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
                            start, start + len - 1, x->st.total) == 0;
    if (ok && start == 0 && x->content_name)
        ok = http_op_header(&x->op, "Content-Name: %s", x->content_name) == 0;
    if (!ok) {
        fail_memory(x);
        return;
    }
    if (x->frag_final)
        curl_easy_setopt(x->op.easy, CURLOPT_LOW_SPEED_TIME, UPLOAD_FINAL_STALL_TIME);
    xfer_send(x, on_fragment);
}

/* ---- Close-Session ---- */

static void on_close_session(struct http_op *op, CURLcode rc)
{
    struct xfer *x = op->owner;
    struct http_error err;

    if (rc != CURLE_OK) {
        transport_failed(x, rc, send_close_session);
        return;
    }
    /* Retry (later, through the job) on 5xx; anything else ends it. */
    if (http_error_from_response(op, &err) && op->status >= 500
        && http_bits_error(op) != BG_E_SESSION_NOT_FOUND) {
        xfer_fail_with(x, &err);
        return;
    }
    xfer_succeed(x);
}

static void send_close_session(struct xfer *x)
{
    if (!x->st.session_id) {
        xfer_succeed(x);
        return;
    }
    if (prepare_packet(x, "Close-Session", 0) < 0) {
        fail_memory(x);
        return;
    }
    xfer_send(x, on_close_session);
}

/* ---- entry ---- */

/* Content-Name goes into a header line: no control characters. */
static void sanitize_content_name(char *name)
{
    for (; name && *name; name++)
        if ((unsigned char)*name < 0x20 || *name == 0x7f)
            *name = '_';
}

void upload_begin(struct xfer *x)
{
    sanitize_content_name(x->content_name);
    if (!x->url) {
        xfer_fail(x, E_INVALIDARG, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    }
    if (set_post_url(x) < 0) {
        fail_protocol(x);
        return;
    }
    if (x->st.upload_done && x->kind == XFER_UPLOAD) {
        send_close_session(x);
        return;
    }
    if (x->st.upload_done && x->st.reply_url) {
        start_reply(x);
        return;
    }
    /* The source matters until the server acknowledged its last byte. */
    if (source_open(x) < 0)
        return;
    if (x->st.acked > x->st.total)
        x->st.acked = 0;
    x->upload_sent = x->st.acked;
    if (x->st.upload_done) {
        /* Upload-reply restarted before the reply URL was stored. */
        x->st.acked = x->st.total;
        x->frag_final = 0;
    }
    if (!x->st.session_id) {
        if (xfer_checkpoint(x) < 0)
            return;
        send_create_session(x);
        return;
    }
    send_fragment(x);
}
