/*
 * The IIS notification model ([MC-BUP] / MSDN "notification protocol for
 * server applications"): after the last fragment the BITS server POSTs to
 * the server application, by value (body = upload) or by reference (file
 * names in headers), and turns the application's answer into the reply.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "bitserr.h"

#define CONTEXT_APPLICATION 0x7u        /* BG_ERROR_CONTEXT_REMOTE_APPLICATION */
#define APP_TIMEOUT_SECONDS 300         /* IIS gives the application 5 minutes */
#define BG_E_HTTP_ERROR(status) BP_HR(0x80190000u + (unsigned)(status))

struct app_url {
    char host[256];
    char port[8];
    char path[URL_MAX];                 /* path and query */
};

static int parse_app_url(const char *url, struct app_url *u)
{
    const char *p, *slash, *colon;
    size_t hostlen;

    if (strncmp(url, "http://", 7))
        return -1;
    p = url + 7;
    slash = strchr(p, '/');
    if (!slash)
        slash = p + strlen(p);
    colon = memchr(p, ':', (size_t)(slash - p));
    hostlen = (size_t)((colon ? colon : slash) - p);
    if (hostlen == 0 || hostlen >= sizeof(u->host))
        return -1;
    memcpy(u->host, p, hostlen);
    u->host[hostlen] = 0;
    if (colon) {
        size_t plen = (size_t)(slash - colon - 1);
        if (plen == 0 || plen >= sizeof(u->port))
            return -1;
        memcpy(u->port, colon + 1, plen);
        u->port[plen] = 0;
    } else {
        strcpy(u->port, "80");
    }
    snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : "/");
    return 0;
}

static int connect_app(const struct app_url *u)
{
    struct addrinfo hints, *res, *ai;
    struct timeval tv = { APP_TIMEOUT_SECONDS, 0 };
    int fd = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(u->host, u->port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    return fd;
}

static int send_notification(int fd, const struct app_url *u, struct session *s, int by_reference,
                             const char *data_path, const char *reply_tmp)
{
    struct http_hdrs h;
    struct stat st;
    int data_fd = -1, rc;

    if (!by_reference) {
        data_fd = open(data_path, O_RDONLY | O_CLOEXEC);
        if (data_fd < 0 || fstat(data_fd, &st) < 0)
            goto fail;
    }
    http_hdrs_init(&h);
    http_hdrs_add(&h, "POST %s HTTP/1.1", u->path);
    http_hdrs_add(&h, "Host: %s:%s", u->host, u->port);
    http_hdrs_add(&h, "BITS-Original-Request-URL: %s", s->request_url);
    if (by_reference) {
        http_hdrs_add(&h, "BITS-Request-DataFile-Name: %s", data_path);
        http_hdrs_add(&h, "BITS-Response-DataFile-Name: %s", reply_tmp);
    }
    http_hdrs_add(&h, "Content-Type: application/octet-stream");
    http_hdrs_add(&h, "Content-Length: %llu",
                  by_reference ? 0ull : (unsigned long long)st.st_size);
    http_hdrs_add(&h, "Connection: close");
    http_hdrs_add(&h, "%s", "");
    rc = http_write_all(fd, h.text, h.len);
    if (rc == 0 && !by_reference)
        rc = http_send_file_range(fd, data_fd, 0, (uint64_t)st.st_size);
    if (data_fd >= 0)
        close(data_fd);
    return rc;

fail:
    if (data_fd >= 0)
        close(data_fd);
    return -1;
}

/* Reads the response head into r->head and splits its header lines.
 * Returns the status code or -1. */
static int read_response_head(struct http_conn *conn, struct http_request *r)
{
    char *end = NULL, *line;
    size_t got = 0;
    int status;

    while (!end) {
        ssize_t n;
        if (got == HTTP_HEAD_MAX - 1)
            return -1;
        n = read(conn->fd, conn->buf + got, HTTP_HEAD_MAX - 1 - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
        conn->buf[got] = 0;
        end = strstr(conn->buf, "\r\n\r\n");
    }
    conn->start = (size_t)(end + 4 - conn->buf);
    conn->end = got;
    memcpy(r->head, conn->buf, (size_t)(end - conn->buf) + 2);
    r->head[end - conn->buf + 2] = 0;
    if (sscanf(r->head, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    for (line = strchr(r->head, '\n'); line && *++line && r->header_count < HTTP_MAX_HEADERS;) {
        char *next = strchr(line, '\n'), *colon;
        if (next) {
            *next = 0;
            if (next > line && next[-1] == '\r')
                next[-1] = 0;
        }
        colon = strchr(line, ':');
        if (colon) {
            *colon++ = 0;
            while (*colon == ' ' || *colon == '\t')
                colon++;
            r->headers[r->header_count].name = line;
            r->headers[r->header_count].value = colon;
            r->header_count++;
        }
        line = next;
    }
    return status;
}

/* Copies the response body (chunked, Content-Length, or up to the close)
 * into 'path'. Returns 0 or -1. */
static int save_body(struct http_conn *conn, struct http_request *r, const char *path)
{
    enum { BUF = 1 << 16 };
    const char *v;
    char *buf;
    ssize_t n;
    int out, rc = 0, until_close = 0;

    if ((v = http_header(r, "Transfer-Encoding")) && http_strcaseeq(v, "chunked")) {
        r->chunked = 1;
    } else if ((v = http_header(r, "Content-Length"))) {
        r->body_left = strtoull(v, NULL, 10);
        r->body_done = r->body_left == 0;
    } else {
        until_close = 1;
    }
    buf = malloc(BUF);
    out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (!buf || out < 0)
        rc = -1;
    if (rc == 0 && until_close) {
        rc = http_write_all(out, conn->buf + conn->start, conn->end - conn->start);
        while (rc == 0 && (n = read(conn->fd, buf, BUF)) != 0)
            rc = n < 0 ? -1 : http_write_all(out, buf, (size_t)n);
    } else if (rc == 0) {
        while ((n = http_body_read(conn, r, buf, BUF)) > 0 && rc == 0)
            rc = http_write_all(out, buf, (size_t)n);
        if (n < 0)
            rc = -1;
    }
    free(buf);
    if (out >= 0 && close(out) < 0)
        rc = -1;
    return rc;
}

/* Reads the application's answer; the body (by value) goes to 'reply_tmp'.
 * Returns the HTTP status or -1. */
static int read_answer(int fd, int by_reference, const char *reply_tmp, char static_url[URL_MAX])
{
    struct http_conn conn;
    struct http_request *r = calloc(1, sizeof(*r));
    char *buf = malloc(HTTP_HEAD_MAX);
    const char *v;
    int status = -1;

    if (!r || !buf)
        goto done;
    http_conn_init(&conn, fd, buf);
    r->method = "POST";
    status = read_response_head(&conn, r);
    if (status < 0)
        goto done;
    v = http_header(r, "BITS-Static-Response-URL");
    if (v)
        snprintf(static_url, URL_MAX, "%s", v);
    if (status == 200 && !by_reference && !static_url[0] && save_body(&conn, r, reply_tmp) < 0)
        status = -1;

done:
    free(buf);
    free(r);
    return status;
}

void notify_application(struct session *s, int by_reference, const char *data_path,
                        const char *reply_tmp, struct reply_outcome *out)
{
    char base[URL_MAX], url[URL_MAX];
    struct app_url u;
    int fd, n, status = -1;

    switch_notify_url(base);
    /* IIS appends the query string of the job's remote name. */
    n = s->query[0] ? snprintf(url, sizeof(url), "%s%c%s", base, strchr(base, '?') ? '&' : '?',
                               s->query)
                    : snprintf(url, sizeof(url), "%s", base);
    if (n < 0 || (size_t)n >= sizeof(url))
        url[0] = 0;                     /* too long: fails as unreachable below */
    stat_add(STAT_NOTIFICATIONS, 1);

    if (by_reference) {
        /* The application may write nothing: then the reply is empty. */
        int fd0 = open(reply_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd0 >= 0)
            close(fd0);
    }
    if (parse_app_url(url, &u) == 0 && (fd = connect_app(&u)) >= 0) {
        if (send_notification(fd, &u, s, by_reference, data_path, reply_tmp) == 0)
            status = read_answer(fd, by_reference, reply_tmp, out->static_url);
        close(fd);
    }

    if (status == 200)
        return;
    stat_add(STAT_NOTIFY_FAILURES, 1);
    log_msg("session %s: application at %s answered %d", s->id, url, status);
    out->static_url[0] = 0;
    out->status = 500;
    out->context = CONTEXT_APPLICATION;
    /* An application that cannot be reached counts as 503: transient. */
    out->hr = BG_E_HTTP_ERROR(status > 0 ? status : 503);
}
