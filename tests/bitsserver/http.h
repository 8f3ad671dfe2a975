/*
 * Minimal HTTP/1.1 server side: one connection per thread, keep-alive,
 * Content-Length and chunked request bodies that are streamed, never
 * buffered whole.
 */
#ifndef BITSSERVER_HTTP_H
#define BITSSERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define HTTP_MAX_HEADERS    64
#define HTTP_HEAD_MAX       (64 * 1024)     /* request line + headers */
#define HTTP_BODY_UNKNOWN   UINT64_MAX

struct http_header {
    const char *name;
    const char *value;
};

struct http_conn {
    int fd;
    char *buf;                  /* read-ahead buffer, HTTP_HEAD_MAX bytes */
    size_t start, end;          /* unread bytes are buf[start..end) */
    int must_close;             /* set once the response says Connection: close */
};

struct http_request {
    char head[HTTP_HEAD_MAX];   /* private copy of the head; strings below point into it */
    const char *method;
    const char *target;         /* raw request target, e.g. "/files/a%20b?x=1" */
    char path[8192];            /* percent-decoded path without the query */
    const char *query;          /* raw query after '?', or "" */
    int absolute_form;          /* target was "http://host/..." (a request to a proxy);
                                 * 'target' then holds its origin-form part */
    int http11;
    int keep_alive;             /* what the client asked for */
    struct http_header headers[HTTP_MAX_HEADERS];
    int header_count;

    /* body state */
    int chunked;
    uint64_t content_length;    /* HTTP_BODY_UNKNOWN when chunked or absent */
    int has_content_length;
    uint64_t body_left;         /* bytes left (Content-Length) or in the current chunk */
    int chunk_need_crlf;        /* chunked: CRLF after the current chunk's data not yet read */
    int body_done;
    int expect_continue;        /* client waits for "100 Continue" */
    int continue_sent;
    uint64_t body_read;         /* bytes of body handed out so far */
};

void http_conn_init(struct http_conn *c, int fd, char *buf);

/* Reads the next request head.  Returns 1 on success, 0 on a clean end of
 * the connection, -1 on a malformed request (caller answers 400 and closes). */
int http_read_request(struct http_conn *c, struct http_request *r);

/* Case-insensitive header lookup; NULL when absent. */
const char *http_header(const struct http_request *r, const char *name);

/* Body reading.  Sends "100 Continue" first when the client expects it.
 * Returns bytes read, 0 at the end of the body, -1 when the connection broke. */
ssize_t http_body_read(struct http_conn *c, struct http_request *r, void *dst, size_t n);
/* Reads and discards the rest of the body; 0 or -1. */
int http_body_drain(struct http_conn *c, struct http_request *r);

/* Response head: status line, Server, Date, Content-Length (when
 * content_length != HTTP_BODY_UNKNOWN), the caller's extra header lines
 * (each ending in "\r\n", may be NULL) and Connection.  Decides keep-alive:
 * the connection is closed after the response when the client asked for it
 * or when an unread request body cannot be skipped. */
int http_send_head(struct http_conn *c, struct http_request *r, int status,
                   uint64_t content_length, const char *extra);
/* Full response with an in-memory body ('body' may be NULL when len is 0). */
int http_send(struct http_conn *c, struct http_request *r, int status,
              const char *extra, const void *body, size_t len);
/* Writes raw bytes / a file range to the connection; 0 or -1. */
int http_write_all(int fd, const void *data, size_t len);
int http_send_file_range(int sock, int file_fd, uint64_t offset, uint64_t len);

/* Helpers for composing header lines. */
struct http_hdrs {
    char text[8192];
    size_t len;
};
void http_hdrs_init(struct http_hdrs *h);
void http_hdrs_add(struct http_hdrs *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *http_reason(int status);
/* RFC 7231 IMF-fixdate. 'out' holds 30 bytes. */
void http_format_date(time_t t, char out[30]);
int http_strcaseeq(const char *a, const char *b);
/* Decodes %XX in place; returns -1 on bad escapes or %00. */
int http_percent_decode(char *s);

#endif
