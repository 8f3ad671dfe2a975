/* HTTP/1.1 request parsing, body streaming and response writing. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <unistd.h>

/* An unread body up to this size is read and thrown away to keep the
 * connection; anything larger closes it (cheaper for both sides). */
#define DRAIN_MAX (64ull * 1024 * 1024)

void http_conn_init(struct http_conn *c, int fd, char *buf)
{
    c->fd = fd;
    c->buf = buf;
    c->start = c->end = 0;
    c->must_close = 0;
}

int http_strcaseeq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* Reads more bytes into the buffer after compacting it; returns bytes read,
 * 0 on EOF, -1 on error or when the buffer is full. */
static ssize_t conn_fill(struct http_conn *c)
{
    ssize_t n;

    if (c->start == c->end)
        c->start = c->end = 0;
    if (c->end == HTTP_HEAD_MAX && c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == HTTP_HEAD_MAX)
        return -1;
    do
        n = read(c->fd, c->buf + c->end, HTTP_HEAD_MAX - c->end);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->end += (size_t)n;
    return n;
}

/* Finds the end of the head ("\r\n\r\n") in the buffered bytes. */
static char *find_head_end(struct http_conn *c)
{
    char *p = c->buf + c->start;
    size_t n = c->end - c->start;
    size_t i;

    for (i = 0; i + 3 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return p + i;
    return NULL;
}

int http_percent_decode(char *s)
{
    char *out = s;

    while (*s) {
        if (*s == '%') {
            int hi, lo;
            if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
                return -1;
            hi = isdigit((unsigned char)s[1]) ? s[1] - '0' : (tolower((unsigned char)s[1]) - 'a' + 10);
            lo = isdigit((unsigned char)s[2]) ? s[2] - '0' : (tolower((unsigned char)s[2]) - 'a' + 10);
            if (hi == 0 && lo == 0)
                return -1;
            *out++ = (char)(hi << 4 | lo);
            s += 3;
        } else {
            *out++ = *s++;
        }
    }
    *out = 0;
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = 0;
    return s;
}

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static int parse_request_line(struct http_request *r, char *line)
{
    char *sp1 = strchr(line, ' '), *sp2, *q;

    if (!sp1)
        return -1;
    *sp1 = 0;
    sp2 = strchr(sp1 + 1, ' ');
    if (!sp2)
        return -1;
    *sp2 = 0;
    r->method = line;
    r->target = sp1 + 1;
    if (!strcmp(sp2 + 1, "HTTP/1.1"))
        r->http11 = 1;
    else if (strcmp(sp2 + 1, "HTTP/1.0"))
        return -1;
    /* Absolute form (RFC 7230 5.3.2), as sent to a forward proxy: keep the
     * origin-form part; we only ever proxy to ourselves. */
    if (!strncasecmp(r->target, "http://", 7)) {
        const char *slash = strchr(r->target + 7, '/');
        r->absolute_form = 1;
        r->target = slash ? slash : "/";
    }
    if (r->target[0] != '/' || strlen(r->target) >= sizeof(r->path))
        return -1;
    strcpy(r->path, r->target);
    q = strchr(r->path, '?');
    r->query = "";
    if (q) {
        *q = 0;
        r->query = r->target + (q - r->path) + 1;
    }
    return http_percent_decode(r->path);
}

/* Interprets the headers that shape the body and the connection. */
static int parse_framing(struct http_request *r)
{
    const char *te = http_header(r, "Transfer-Encoding");
    const char *cl = http_header(r, "Content-Length");
    const char *conn = http_header(r, "Connection");
    const char *expect = http_header(r, "Expect");

    r->keep_alive = r->http11;
    if (conn && strcasestr(conn, "close"))
        r->keep_alive = 0;
    else if (conn && strcasestr(conn, "keep-alive"))
        r->keep_alive = 1;
    r->expect_continue = expect && http_strcaseeq(expect, "100-continue");

    r->content_length = HTTP_BODY_UNKNOWN;
    if (te) {
        if (!http_strcaseeq(te, "chunked"))
            return -1;
        r->chunked = 1;
        r->body_left = 0;
        r->body_done = 0;
    } else if (cl) {
        if (parse_u64(cl, &r->content_length) < 0)
            return -1;
        r->has_content_length = 1;
        r->body_left = r->content_length;
        r->body_done = r->content_length == 0;
    } else {
        r->body_done = 1;
    }
    return 0;
}

static int parse_head(struct http_request *r)
{
    char *line = r->head, *next;
    int first = 1;

    for (; *line; line = next) {
        char *colon;

        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        else
            next = line + strlen(line);
        line = trim(line);
        if (first) {
            if (parse_request_line(r, line) < 0)
                return -1;
            first = 0;
            continue;
        }
        if (!*line)
            continue;
        colon = strchr(line, ':');
        if (!colon || colon == line || r->header_count == HTTP_MAX_HEADERS)
            return -1;
        *colon = 0;
        r->headers[r->header_count].name = line;
        r->headers[r->header_count].value = trim(colon + 1);
        r->header_count++;
    }
    return first ? -1 : parse_framing(r);
}

int http_read_request(struct http_conn *c, struct http_request *r)
{
    char *end;
    size_t len;

    memset(r, 0, sizeof(*r));
    for (;;) {
        /* Tolerate stray CRLFs between requests (RFC 7230 3.5). */
        while (c->start < c->end && (c->buf[c->start] == '\r' || c->buf[c->start] == '\n'))
            c->start++;
        end = find_head_end(c);
        if (end)
            break;
        ssize_t n = conn_fill(c);
        if (n == 0 && c->start == c->end)
            return 0;
        if (n <= 0)
            return -1;
    }
    len = (size_t)(end - (c->buf + c->start)) + 2;   /* keep the last header's CRLF */
    if (len >= sizeof(r->head))
        return -1;
    memcpy(r->head, c->buf + c->start, len);
    r->head[len] = 0;
    if (memchr(r->head, 0, len))
        return -1;
    c->start += len + 2;
    return parse_head(r) < 0 ? -1 : 1;
}

const char *http_header(const struct http_request *r, const char *name)
{
    int i;

    for (i = 0; i < r->header_count; i++)
        if (http_strcaseeq(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

int http_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int http_send_file_range(int sock, int file_fd, uint64_t offset, uint64_t len)
{
    off_t off = (off_t)offset;

    while (len) {
        size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t)len;
        ssize_t n = sendfile(sock, file_fd, &off, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len -= (uint64_t)n;
    }
    return 0;
}

/* Reads one line (without CRLF) of chunked framing from the buffer. */
static int conn_getline(struct http_conn *c, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
        if (nl) {
            size_t n = (size_t)(nl - (c->buf + c->start));
            if (n >= cap)
                return -1;
            memcpy(line, c->buf + c->start, n);
            line[n] = 0;
            if (n && line[n - 1] == '\r')
                line[n - 1] = 0;
            c->start += n + 1;
            return 0;
        }
        if (c->end - c->start >= cap || conn_fill(c) <= 0)
            return -1;
    }
}

/* Moves to the next chunk of a chunked body; sets body_done at the last one. */
static int next_chunk(struct http_conn *c, struct http_request *r)
{
    char line[256], *endp;
    unsigned long long size;

    if (r->chunk_need_crlf) {
        if (conn_getline(c, line, sizeof(line)) < 0 || line[0])
            return -1;
        r->chunk_need_crlf = 0;
    }
    if (conn_getline(c, line, sizeof(line)) < 0)
        return -1;
    errno = 0;
    size = strtoull(line, &endp, 16);
    if (endp == line || errno || (*endp && *endp != ';' && *endp != ' '))
        return -1;
    if (size == 0) {
        /* Skip trailers up to the empty line. */
        do {
            if (conn_getline(c, line, sizeof(line)) < 0)
                return -1;
        } while (line[0]);
        r->body_done = 1;
        return 0;
    }
    r->body_left = size;
    r->chunk_need_crlf = 1;
    return 0;
}

ssize_t http_body_read(struct http_conn *c, struct http_request *r, void *dst, size_t n)
{
    size_t avail;
    ssize_t got;

    if (r->body_done || n == 0)
        return 0;
    if (r->expect_continue && !r->continue_sent) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        r->continue_sent = 1;
        if (http_write_all(c->fd, cont, sizeof(cont) - 1) < 0)
            return -1;
    }
    if (r->chunked && r->body_left == 0) {
        if (next_chunk(c, r) < 0)
            return -1;
        if (r->body_done)
            return 0;
    }
    if (n > r->body_left)
        n = (size_t)r->body_left;
    avail = c->end - c->start;
    if (avail) {
        got = (ssize_t)(avail < n ? avail : n);
        memcpy(dst, c->buf + c->start, (size_t)got);
        c->start += (size_t)got;
    } else {
        /* Nothing buffered: read straight into the caller's (large) buffer. */
        do
            got = read(c->fd, dst, n);
        while (got < 0 && errno == EINTR);
        if (got <= 0)
            return -1;
    }
    r->body_left -= (uint64_t)got;
    r->body_read += (uint64_t)got;
    if (!r->chunked && r->body_left == 0)
        r->body_done = 1;
    return got;
}

int http_body_drain(struct http_conn *c, struct http_request *r)
{
    char tmp[65536];
    ssize_t n;

    while ((n = http_body_read(c, r, tmp, sizeof(tmp))) > 0)
        ;
    return n < 0 ? -1 : 0;
}

void http_hdrs_init(struct http_hdrs *h)
{
    h->text[0] = 0;
    h->len = 0;
}

void http_hdrs_add(struct http_hdrs *h, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (h->len >= sizeof(h->text) - 3)
        return;
    va_start(ap, fmt);
    n = vsnprintf(h->text + h->len, sizeof(h->text) - h->len - 2, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(h->text) - h->len - 2) {
        h->text[h->len] = 0;    /* drop a line that does not fit */
        return;
    }
    h->len += (size_t)n;
    memcpy(h->text + h->len, "\r\n", 3);
    h->len += 2;
}

const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 416: return "Requested Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default:  return "Status";
    }
}

void http_format_date(time_t t, char out[30])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 30, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int http_send_head(struct http_conn *c, struct http_request *r, int status,
                   uint64_t content_length, const char *extra)
{
    char head[10240], date[30];
    char length[64] = "";
    int keep = r->keep_alive && !c->must_close;
    int n;

    if (!r->body_done) {
        /* A client still waiting for "100 Continue" will not send the body;
         * a huge unread body is not worth reading just to keep the socket. */
        if (r->expect_continue && !r->continue_sent)
            keep = 0;
        else if (!r->chunked && r->body_left > DRAIN_MAX)
            keep = 0;
    }
    if (!keep)
        c->must_close = 1;
    /* 204 and 304 must not carry a Content-Length (RFC 7230 3.3.2). */
    if (content_length != HTTP_BODY_UNKNOWN && status != 204 && status != 304)
        snprintf(length, sizeof(length), "Content-Length: %llu\r\n",
                 (unsigned long long)content_length);
    http_format_date(time(NULL), date);
    n = snprintf(head, sizeof(head),
                 "HTTP/1.1 %d %s\r\nServer: bits-server\r\nDate: %s\r\n%s%sConnection: %s\r\n\r\n",
                 status, http_reason(status), date, length, extra ? extra : "",
                 keep ? "keep-alive" : "close");
    if (n < 0 || (size_t)n >= sizeof(head))
        return -1;
    return http_write_all(c->fd, head, (size_t)n);
}

int http_send(struct http_conn *c, struct http_request *r, int status,
              const char *extra, const void *body, size_t len)
{
    if (http_send_head(c, r, status, len, extra) < 0)
        return -1;
    if (len && !http_strcaseeq(r->method, "HEAD"))
        return http_write_all(c->fd, body, len);
    return 0;
}
