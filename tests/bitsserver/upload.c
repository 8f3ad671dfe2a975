/*
 * The BITS Upload Protocol (method BITS_POST): Ping, Create-Session,
 * Fragment, Close-Session, Cancel-Session.  Every answer is an Ack.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bitserr.h"

#define CONTEXT_SERVER  0x5u            /* BG_ERROR_CONTEXT_REMOTE_FILE */
#define BYTES_REPLY_MAX (64ull << 30)   /* bytes/<N> producer limit */

static void send_ack(struct request_ctx *ctx, int status, const char *session_id,
                     struct http_hdrs *extra)
{
    struct http_hdrs h;

    http_hdrs_init(&h);
    http_hdrs_add(&h, "BITS-Packet-Type: Ack");
    if (session_id)
        http_hdrs_add(&h, "BITS-Session-Id: %s", session_id);
    if (extra)
        http_hdrs_add(&h, "%.*s", (int)(extra->len >= 2 ? extra->len - 2 : 0), extra->text);
    http_send(ctx->conn, ctx->req, status, h.text, NULL, 0);
    if (status == 400)
        stat_add(STAT_STATUS_400, 1);
}

/* An error Ack.  hr 0 sends no error headers (e.g. an injected 503).  Both
 * spellings of the code header are sent: MSDN's BITS-Error-Code and
 * [MC-BUP]'s BITS-Error. */
static void send_error_ack(struct request_ctx *ctx, int status, const char *session_id,
                           int32_t hr, unsigned context)
{
    struct http_hdrs h;

    http_hdrs_init(&h);
    if (hr) {
        http_hdrs_add(&h, "BITS-Error-Code: 0x%08X", (unsigned)hr);
        http_hdrs_add(&h, "BITS-Error: 0x%08X", (unsigned)hr);
        http_hdrs_add(&h, "BITS-Error-Context: 0x%X", context);
    }
    send_ack(ctx, status, session_id, hr ? &h : NULL);
}

/* The BITS error that goes with an injected status. */
static int32_t injected_hr(int status)
{
    switch (status) {
    case 400: return E_INVALIDARG;
    case 403: return E_ACCESSDENIED;
    case 500: return E_FAIL;
    case 501: return E_ACCESSDENIED;
    default:  return 0;
    }
}

static void session_not_found(struct request_ctx *ctx, const char *id)
{
    stat_add(STAT_SESSION_NOT_FOUND, 1);
    send_error_ack(ctx, 500, id, BG_E_SESSION_NOT_FOUND, CONTEXT_SERVER);
}

/* ---- Create-Session ---- */

static int producer_is_known(const char *p)
{
    static const char *const fixed[] = { "digest", "echo", "empty", "notify-value", "notify-ref" };
    size_t i;

    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (!strcmp(p, fixed[i]))
            return 1;
    if (!strncmp(p, "bytes/", 6)) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(p + 6, &end, 10);
        return p[6] >= '0' && p[6] <= '9' && !*end && !errno && n <= BYTES_REPLY_MAX;
    }
    return 0;
}

/* Splits "/upload/<name>" or "/reply/<producer>/<name>". Returns 0 or -1. */
static int parse_upload_path(const char *path, enum session_kind *kind, char *producer,
                             size_t producer_cap, const char **name)
{
    const char *slash;

    if (!strncmp(path, "/upload/", 8)) {
        *kind = SESSION_UPLOAD;
        *name = path + 8;
        producer[0] = 0;
        return name_is_safe(*name) ? 0 : -1;
    }
    if (strncmp(path, "/reply/", 7))
        return -1;
    slash = strrchr(path + 7, '/');
    if (!slash || (size_t)(slash - (path + 7)) >= producer_cap)
        return -1;
    *kind = SESSION_REPLY;
    *name = slash + 1;
    memcpy(producer, path + 7, (size_t)(slash - (path + 7)));
    producer[slash - (path + 7)] = 0;
    return name_is_safe(*name) && producer_is_known(producer) ? 0 : -1;
}

static void create_session(struct request_ctx *ctx)
{
    const char *protocols = http_header(ctx->req, "BITS-Supported-Protocols");
    const char *host = http_header(ctx->req, "Host");
    char producer[128], url[URL_MAX];
    const char *name;
    enum session_kind kind;
    struct session *s;
    struct http_hdrs h;
    int fail = switch_fail_create();

    if (fail) {
        stat_add(STAT_INJECTED_FAILURES, 1);
        send_error_ack(ctx, fail, NULL, injected_hr(fail), CONTEXT_SERVER);
        return;
    }
    if (!protocols || !strcasestr(protocols, BITS_PROTOCOL_GUID)) {
        send_error_ack(ctx, 400, NULL, BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, CONTEXT_SERVER);
        return;
    }
    if (parse_upload_path(ctx->req->path, &kind, producer, sizeof(producer), &name) < 0) {
        send_ack(ctx, 404, NULL, NULL);
        return;
    }
    snprintf(url, sizeof(url), "http://%s%s", host ? host : "127.0.0.1", ctx->req->target);
    s = session_create(kind, name, producer, url, ctx->req->query);
    if (!s) {
        send_error_ack(ctx, 500, NULL, E_FAIL, CONTEXT_SERVER);
        return;
    }
    stat_add(STAT_SESSIONS_CREATED, 1);
    log_msg("session %s created for %s", s->id, ctx->req->path);
    if (switch_delay_ms(DELAY_CREATE))
        sleep_ms(switch_delay_ms(DELAY_CREATE));
    http_hdrs_init(&h);
    http_hdrs_add(&h, "BITS-Protocol: %s", BITS_PROTOCOL_GUID);
    http_hdrs_add(&h, "Accept-Encoding: Identity");
    send_ack(ctx, 200, s->id, &h);
}

/* ---- Fragment ---- */

struct content_range {
    uint64_t first, last, total;
};

static int parse_u64_strict(const char **p, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = *p;

    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *out = v;
    return 0;
}

/* "bytes <first>-<last>/<total>", inclusive, first <= last < total. */
static int parse_content_range(const char *text, struct content_range *cr)
{
    const char *p = text;

    if (!p || strncasecmp(p, "bytes", 5))
        return -1;
    p += 5;
    if (*p != ' ' && *p != '=')
        return -1;
    while (*p == ' ' || *p == '=')
        p++;
    if (parse_u64_strict(&p, &cr->first) < 0 || *p++ != '-' ||
        parse_u64_strict(&p, &cr->last) < 0 || *p++ != '/' ||
        parse_u64_strict(&p, &cr->total) < 0)
        return -1;
    while (*p == ' ')
        p++;
    if (*p || cr->first > cr->last || cr->last >= cr->total)
        return -1;
    return 0;
}

/* Streams the fragment body into the data file.  Bytes before s->received
 * are read and dropped (overlap keeps existing data); s->received advances
 * as bytes land so a broken connection leaves an exact resume point.
 * Returns 0 when the whole body was stored, 1 when the connection was
 * dropped (on purpose or by the peer), -1 on a disk error. */
static int store_fragment(struct request_ctx *ctx, struct session *s,
                          const struct content_range *cr, int64_t drop_after)
{
    char path[PATH_MAX];
    uint64_t offset = cr->first, limit = ctx->req->content_length;
    int fd, rc = 0;

    if (drop_after >= 0 && (uint64_t)drop_after < limit)
        limit = (uint64_t)drop_after;
    if (session_path(s, "data", path) < 0 ||
        (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
        return -1;
    while (ctx->req->body_read < limit) {
        uint64_t want = limit - ctx->req->body_read;
        size_t slice = switch_throttle_chunk();
        ssize_t n;
        uint64_t skip;

        if (slice) {
            /* throttle_kbps: a slow link, so fault tests can stop us mid-body */
            if (want > slice)
                want = slice;
            sleep_ms(THROTTLE_TICK_MS);
        }
        n = http_body_read(ctx->conn, ctx->req, ctx->iobuf,
                           want < IOBUF_SIZE ? (size_t)want : IOBUF_SIZE);

        if (n <= 0) {
            rc = 1;
            break;
        }
        stat_add(STAT_FRAGMENT_BYTES_RECEIVED, (uint64_t)n);
        skip = s->received > offset ? s->received - offset : 0;
        if (skip < (uint64_t)n) {
            const uint8_t *p = ctx->iobuf + skip;
            size_t left = (size_t)n - (size_t)skip;
            off_t at = (off_t)(offset + skip);
            while (left) {
                ssize_t w = pwrite(fd, p, left, at);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    close(fd);
                    return -1;
                }
                p += w;
                at += w;
                left -= (size_t)w;
            }
            stat_add(STAT_FRAGMENT_BYTES, (uint64_t)n - skip);
            s->received = offset + (uint64_t)n;
        }
        offset += (uint64_t)n;
    }
    if (close(fd) < 0)
        return -1;
    if (rc == 0 && limit < ctx->req->content_length)
        rc = 1;     /* drop_after cut the body short */
    return rc;
}

/* Last byte arrived on an upload-reply session: keep a copy of the upload
 * and produce the reply (again, if the final fragment was resent). */
static void finish_reply_fragment(struct request_ctx *ctx, struct session *s)
{
    struct reply_outcome out;
    struct http_hdrs h;

    produce_reply(s, &out);
    if (out.status) {
        send_error_ack(ctx, out.status, s->id, out.hr, out.context);
        return;
    }
    if (out.static_url[0])
        snprintf(s->reply_url, sizeof(s->reply_url), "%s", out.static_url);
    else
        snprintf(s->reply_url, sizeof(s->reply_url), "http://127.0.0.1:%d/replies/%.36s",
                 config.port, s->id + 1);
    http_hdrs_init(&h);
    http_hdrs_add(&h, "BITS-Received-Content-Range: %llu", (unsigned long long)s->received);
    http_hdrs_add(&h, "BITS-Reply-URL: %s", s->reply_url);
    send_ack(ctx, 200, s->id, &h);
}

/* Answers a Fragment that was stored; 'final' when it held the last byte. */
static void answer_fragment(struct request_ctx *ctx, struct session *s, int final)
{
    struct http_hdrs h;

    if (switch_delay_ms(DELAY_FRAGMENT))
        sleep_ms(switch_delay_ms(DELAY_FRAGMENT));
    if (final && switch_delay_final_ack_ms())
        sleep_ms(switch_delay_final_ack_ms());
    if (final && s->kind == SESSION_REPLY) {
        finish_reply_fragment(ctx, s);
        return;
    }
    http_hdrs_init(&h);
    http_hdrs_add(&h, "BITS-Received-Content-Range: %llu", (unsigned long long)s->received);
    send_ack(ctx, 200, s->id, &h);
}

/* Content-Range "bytes *\/0": an empty file, sent as one Fragment without
 * a body (the byte-range form cannot express zero bytes). */
static int is_empty_range(const char *text)
{
    return text && !strncasecmp(text, "bytes", 5) && !strcmp(text + 5 + strspn(text + 5, " ="), "*/0");
}

static void empty_upload(struct request_ctx *ctx, struct session *s)
{
    char path[PATH_MAX];
    int fd;

    if (ctx->req->chunked || ctx->req->content_length != 0 || (s->total_known && s->total)) {
        send_error_ack(ctx, 400, s->id, E_INVALIDARG, CONTEXT_SERVER);
        return;
    }
    if (session_path(s, "data", path) < 0 ||
        (fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        send_error_ack(ctx, 500, s->id, E_FAIL, CONTEXT_SERVER);
        return;
    }
    close(fd);
    s->total = s->received = 0;
    s->total_known = 1;
    if (!s->complete)
        stat_name_add("completed", s->name);
    s->complete = 1;
    answer_fragment(ctx, s, 1);
}

static void fragment(struct request_ctx *ctx, struct session *s)
{
    const char *range = http_header(ctx->req, "Content-Range");
    struct content_range cr;
    struct http_hdrs h;
    uint64_t max = switch_max_fragment();
    int fail, rc, final;
    int64_t drop_after;

    stat_add(STAT_FRAGMENTS, 1);
    fail = switch_take_fragment_failure();
    if (fail) {
        stat_add(STAT_INJECTED_FAILURES, 1);
        send_error_ack(ctx, fail, s->id, injected_hr(fail), CONTEXT_SERVER);
        return;
    }
    if (is_empty_range(range)) {
        empty_upload(ctx, s);
        return;
    }
    if (parse_content_range(range, &cr) < 0 ||
        ctx->req->chunked || !ctx->req->has_content_length ||
        ctx->req->content_length != cr.last - cr.first + 1 ||
        (s->total_known && cr.total != s->total) ||
        http_header(ctx->req, "Content-Encoding")) {
        send_error_ack(ctx, 400, s->id, E_INVALIDARG, CONTEXT_SERVER);
        return;
    }
    if (max && ctx->req->content_length > max) {
        stat_add(STAT_STATUS_413, 1);
        send_ack(ctx, 413, s->id, NULL);
        return;
    }
    if (cr.first > s->received) {
        stat_add(STAT_STATUS_416, 1);
        http_hdrs_init(&h);
        http_hdrs_add(&h, "BITS-Received-Content-Range: %llu", (unsigned long long)s->received);
        send_ack(ctx, 416, s->id, &h);
        return;
    }
    s->total = cr.total;
    s->total_known = 1;

    drop_after = switch_take_drop_after();
    rc = store_fragment(ctx, s, &cr, drop_after);
    if (rc > 0) {
        /* Connection gone (or cut by drop_after): no Ack; the client resyncs. */
        stat_add(STAT_DROPS, 1);
        ctx->conn->must_close = 1;
        log_msg("session %s: fragment cut at %llu", s->id, (unsigned long long)s->received);
        return;
    }
    if (rc < 0) {
        send_error_ack(ctx, 500, s->id, E_FAIL, CONTEXT_SERVER);
        return;
    }
    final = cr.last == cr.total - 1;
    if (s->received == s->total && !s->complete) {
        /* counted once per session: a file delivered twice shows up as 2 */
        s->complete = 1;
        stat_name_add("completed", s->name);
    }
    answer_fragment(ctx, s, final);
}

/* ---- Close-Session / Cancel-Session ---- */

static void close_session(struct request_ctx *ctx, struct session *s)
{
    char data[PATH_MAX], dir[PATH_MAX], dst[PATH_MAX];

    if (switch_delay_ms(DELAY_CLOSE))
        sleep_ms(switch_delay_ms(DELAY_CLOSE));
    stat_add(STAT_CLOSES, 1);
    /* Upload-reply sessions published their copy with the last fragment;
     * an incomplete upload is simply thrown away (close-session.md). */
    if (s->kind == SESSION_UPLOAD && s->complete) {
        if (session_path(s, "data", data) < 0 || path_join(dir, config.root, "uploads") < 0 ||
            path_join(dst, dir, s->name) < 0 || mkdir_p(dir) < 0 || publish_move(data, dst) < 0) {
            send_error_ack(ctx, 500, s->id, E_FAIL, CONTEXT_SERVER);
            return;
        }
        stat_add(STAT_UPLOADS_STORED, 1);
        stat_name_add("stored", s->name);
    }
    session_remove(s);
    send_ack(ctx, 200, s->id, NULL);
}

static void cancel_session(struct request_ctx *ctx, struct session *s)
{
    stat_add(STAT_CANCELS, 1);
    session_remove(s);
    send_ack(ctx, 200, s->id, NULL);
}

void handle_bits_post(struct request_ctx *ctx)
{
    const char *type = http_header(ctx->req, "BITS-Packet-Type");
    const char *id = http_header(ctx->req, "BITS-Session-Id");
    int is_fragment = type && http_strcaseeq(type, "Fragment");
    struct session *s;

    if (!type) {
        send_error_ack(ctx, 400, id, E_INVALIDARG, CONTEXT_SERVER);
        return;
    }
    /* Only Fragment packets carry a body. */
    if (!is_fragment && (ctx->req->chunked ||
                         (ctx->req->has_content_length && ctx->req->content_length > 0))) {
        send_error_ack(ctx, 400, id, E_INVALIDARG, CONTEXT_SERVER);
        return;
    }
    if (http_strcaseeq(type, "Ping")) {
        stat_add(STAT_PINGS, 1);
        send_ack(ctx, 200, NULL, NULL);
        return;
    }
    if (http_strcaseeq(type, "Create-Session")) {
        create_session(ctx);
        return;
    }
    if (!is_fragment && !http_strcaseeq(type, "Close-Session") &&
        !http_strcaseeq(type, "Cancel-Session")) {
        send_error_ack(ctx, 400, id, E_INVALIDARG, CONTEXT_SERVER);
        return;
    }
    s = session_acquire(id);
    if (!s) {
        session_not_found(ctx, id);
        return;
    }
    if (is_fragment)
        fragment(ctx, s);
    else if (http_strcaseeq(type, "Close-Session"))
        close_session(ctx, s);
    else
        cancel_session(ctx, s);
    session_release(s);
}
