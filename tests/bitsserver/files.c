/*
 * Plain HTTP resources: GET/HEAD of files with Range, ETag, Last-Modified
 * and If-Range (used for /files/<name> and /replies/<id>), and PUT.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct byte_range {
    uint64_t first, last;
};

enum range_result { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE };

/* One range of "bytes=a-b", "bytes=a-" or "bytes=-n".  Anything else
 * (several ranges, bad syntax) is ignored and the whole file is sent, as
 * RFC 7233 allows. */
static enum range_result parse_range(const char *h, uint64_t size, struct byte_range *r)
{
    unsigned long long a, b;
    char *end;

    if (!h || strncasecmp(h, "bytes=", 6) || strchr(h, ','))
        return RANGE_NONE;
    h += 6;
    if (*h == '-') {
        errno = 0;
        b = strtoull(h + 1, &end, 10);
        if (end == h + 1 || *end || errno)
            return RANGE_NONE;
        if (b == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        r->first = b >= size ? 0 : size - b;
        r->last = size - 1;
        return RANGE_OK;
    }
    errno = 0;
    a = strtoull(h, &end, 10);
    if (end == h || *end != '-' || errno)
        return RANGE_NONE;
    h = end + 1;
    if (*h) {
        b = strtoull(h, &end, 10);
        if (*end || errno || b < a)
            return RANGE_NONE;
    } else {
        b = UINT64_MAX;
    }
    if (a >= size)
        return RANGE_UNSATISFIABLE;
    r->first = a;
    r->last = b >= size ? size - 1 : b;
    return RANGE_OK;
}

static void make_etag(const struct stat *st, char out[96])
{
    snprintf(out, 96, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino,
             (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st->st_mtim.tv_nsec);
}

/* The body at full speed, or in slices with pauses under throttle_kbps.
 * '*sent' counts the slices that went out whole. */
static int send_throttled(int sock, int fd, uint64_t offset, uint64_t length, uint64_t *sent)
{
    *sent = 0;
    while (length) {
        size_t slice = switch_throttle_chunk();
        uint64_t n = slice && slice < length ? slice : length;

        if (slice)
            sleep_ms(THROTTLE_TICK_MS);
        if (http_send_file_range(sock, fd, offset, n) < 0)
            return -1;
        offset += n;
        length -= n;
        *sent += n;
    }
    return 0;
}

void handle_get_file(struct request_ctx *ctx, const char *path, int is_reply)
{
    struct http_request *r = ctx->req;
    const char *if_range = http_header(r, "If-Range");
    char etag[96], modified[30];
    struct http_hdrs h;
    struct byte_range range;
    enum range_result rr;
    struct stat st;
    uint64_t offset = 0, length;
    int fd, status = 200, head = http_strcaseeq(r->method, "HEAD");

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        http_send(ctx->conn, r, 404, NULL, NULL, 0);
        return;
    }
    make_etag(&st, etag);
    http_format_date(st.st_mtime, modified);
    length = (uint64_t)st.st_size;

    http_hdrs_init(&h);
    http_hdrs_add(&h, "Accept-Ranges: bytes");
    http_hdrs_add(&h, "ETag: %s", etag);
    http_hdrs_add(&h, "Last-Modified: %s", modified);
    http_hdrs_add(&h, "Content-Type: application/octet-stream");

    rr = parse_range(http_header(r, "Range"), length, &range);
    /* If-Range: the range applies only to the representation the client has. */
    if (rr != RANGE_NONE && if_range && strcmp(if_range, etag) && strcmp(if_range, modified))
        rr = RANGE_NONE;
    if (rr == RANGE_UNSATISFIABLE) {
        http_hdrs_add(&h, "Content-Range: bytes */%llu", (unsigned long long)length);
        http_send(ctx->conn, r, 416, h.text, NULL, 0);
        close(fd);
        return;
    }
    if (rr == RANGE_OK) {
        status = 206;
        offset = range.first;
        length = range.last - range.first + 1;
        http_hdrs_add(&h, "Content-Range: bytes %llu-%llu/%llu", (unsigned long long)range.first,
                      (unsigned long long)range.last, (unsigned long long)st.st_size);
    }
    if (http_send_head(ctx->conn, r, status, length, h.text) == 0 && !head) {
        /* drop_download_after: a connection that breaks in the middle of the body */
        int64_t drop = is_reply ? -1 : switch_take_drop_download_after();
        uint64_t body = drop >= 0 && (uint64_t)drop < length ? (uint64_t)drop : length, sent;

        if (send_throttled(ctx->conn->fd, fd, offset, body, &sent) < 0 || body < length) {
            ctx->conn->must_close = 1;
            if (body < length)
                stat_add(STAT_DROPS, 1);
        }
        if (!is_reply) {
            stat_add(STAT_FILE_BYTES_SENT, sent);
            if (status == 206)
                stat_add(STAT_RANGE_REQUESTS, 1);
        }
        stat_add(is_reply ? STAT_REPLIES_SERVED : STAT_FILES_SERVED, 1);
    }
    close(fd);
}

/* Streams the request body into 'fd'; 0 or -1. */
static int receive_body(struct request_ctx *ctx, int fd)
{
    ssize_t n;

    while ((n = http_body_read(ctx->conn, ctx->req, ctx->iobuf, IOBUF_SIZE)) > 0) {
        if (http_write_all(fd, ctx->iobuf, (size_t)n) < 0)
            return -1;
        stat_add(STAT_PUT_BYTES, (uint64_t)n);
    }
    return n < 0 ? -1 : 0;
}

void handle_put(struct request_ctx *ctx, const char *name)
{
    char dir[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX];
    int fd, existed, rc;

    if (!name_is_safe(name)) {
        http_send(ctx->conn, ctx->req, 400, NULL, NULL, 0);
        return;
    }
    if (!ctx->req->chunked && !ctx->req->has_content_length) {
        http_send(ctx->conn, ctx->req, 411, NULL, NULL, 0);
        return;
    }
    if (path_join(dir, config.root, "put") < 0 || path_join(dst, dir, name) < 0 ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.put-%lx", dir, name, (unsigned long)pthread_self()) >=
            (int)sizeof(tmp) ||
        mkdir_p(dir) < 0 || (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        http_send(ctx->conn, ctx->req, 500, NULL, NULL, 0);
        return;
    }
    rc = receive_body(ctx, fd);
    if (close(fd) < 0)
        rc = -1;
    if (rc < 0) {
        unlink(tmp);
        ctx->conn->must_close = 1;      /* body broken or disk full: nothing sane to answer */
        if (ctx->req->body_done)
            http_send(ctx->conn, ctx->req, 500, NULL, NULL, 0);
        return;
    }
    existed = access(dst, F_OK) == 0;
    if (rename(tmp, dst) < 0) {
        unlink(tmp);
        http_send(ctx->conn, ctx->req, 500, NULL, NULL, 0);
        return;
    }
    stat_add(STAT_PUTS, 1);
    http_send(ctx->conn, ctx->req, existed ? 204 : 201, NULL, NULL, 0);
}
