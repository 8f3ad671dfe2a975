/* Blocking IPC client for bitsd (see ipcclient.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipcclient.h"

#define DEFAULT_TIMEOUT_MS 30000

static int read_small_file(const char *dir, const char *name, char *buf, size_t size)
{
    char path[4096];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return 0;
}

int ipc_read_port_token(const char *statedir, unsigned *port, char token[BP_TOKEN_LEN + 1])
{
    char buf[128];
    char *end;
    unsigned long p;

    if (read_small_file(statedir, "port", buf, sizeof(buf)) < 0)
        return -1;
    p = strtoul(buf, &end, 10);
    if (end == buf || p == 0 || p > 65535) {
        errno = EINVAL;
        return -1;
    }
    *port = (unsigned)p;
    if (read_small_file(statedir, "token", buf, sizeof(buf)) < 0)
        return -1;
    if (strlen(buf) < BP_TOKEN_LEN) {
        errno = EINVAL;
        return -1;
    }
    memcpy(token, buf, BP_TOKEN_LEN);
    token[BP_TOKEN_LEN] = 0;
    return 0;
}

int ipc_connect_raw(struct ipc_client *c, unsigned port)
{
    struct sockaddr_in sa;
    int one = 1;

    memset(c, 0, sizeof(*c));
    bp_writer_init(&c->req);
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(c->fd);
        c->fd = -1;
        errno = e;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return 0;
}

int ipc_connect_to(struct ipc_client *c, unsigned port, const char *token, const char *sid,
                   uint32_t flags)
{
    struct bp_reader r;
    int32_t hr;

    if (ipc_connect_raw(c, port) < 0)
        return -1;
    ipc_begin(c, BP_HELLO);
    bp_put_str(&c->req, token);
    bp_put_u32(&c->req, BP_VERSION);
    bp_put_u32(&c->req, (uint32_t)getpid());
    bp_put_str(&c->req, sid);
    bp_put_u32(&c->req, flags);
    if (ipc_call(c, &r, &hr) < 0 || hr < 0) {
        ipc_close(c);
        errno = EACCES;
        return -1;
    }
    return 0;
}

int ipc_connect(struct ipc_client *c, const char *statedir, const char *sid, uint32_t flags)
{
    char token[BP_TOKEN_LEN + 1];
    unsigned port;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    if (ipc_read_port_token(statedir, &port, token) < 0)
        return -1;
    return ipc_connect_to(c, port, token, sid, flags);
}

void ipc_begin(struct ipc_client *c, uint16_t type)
{
    c->type = type;
    bp_begin_frame(&c->req, type, ++c->seq);
}

int ipc_send_raw(struct ipc_client *c, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int wait_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    int rc;

    do
        rc = poll(&pfd, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    return rc;
}

static int read_exact(struct ipc_client *c, void *buf, size_t len, int timeout_ms)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n;
        int rc = wait_readable(c->fd, timeout_ms);
        if (rc <= 0) {
            errno = rc == 0 ? ETIMEDOUT : errno;
            return rc == 0 ? -2 : -1;
        }
        n = recv(c->fd, p, len, 0);
        if (n == 0) {
            errno = ECONNRESET;
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads one frame into c->reply.  -2 = timeout before its first byte. */
static int read_frame(struct ipc_client *c, uint16_t *type, uint32_t *seq, int timeout_ms)
{
    uint8_t hdr[BP_HEADER_SIZE];
    uint32_t plen;
    int rc;

    rc = read_exact(c, hdr, sizeof(hdr), timeout_ms);
    if (rc < 0)
        return rc;
    if (bp_parse_header(hdr, &plen, type, seq) < 0) {
        errno = EPROTO;
        return -1;
    }
    free(c->reply);
    c->reply = malloc(plen ? plen : 1);
    c->reply_len = plen;
    if (!c->reply)
        return -1;
    return read_exact(c, c->reply, plen, c->timeout_ms) < 0 ? -1 : 0;
}

/* BP_EVENT_SERVER_CERT: the leaf and the chain's length (bitsproto.h). */
static void take_cert(struct bp_reader *r, struct ipc_event *ev)
{
    const uint8_t *der = bp_get_bytes(r, &ev->cert_len);

    ev->chain_count = bp_get_u32(r);
    if (r->failed || !der || !(ev->cert = malloc(ev->cert_len ? ev->cert_len : 1))) {
        r->failed = 1;
        return;
    }
    memcpy(ev->cert, der, ev->cert_len);
}

static void queue_event(struct ipc_client *c)
{
    struct ipc_event *ev;
    struct bp_reader r;

    ev = realloc(c->events, (c->n_events + 1) * sizeof(*ev));
    if (!ev)
        return;
    c->events = ev;
    ev = &c->events[c->n_events];
    bp_reader_init(&r, c->reply, c->reply_len);
    bp_get_guid(&r, ev->job);
    ev->event = bp_get_u32(&r);
    ev->file = bp_get_u32(&r);
    ev->cert = NULL;
    ev->cert_len = ev->chain_count = 0;
    if (!r.failed && ev->event == BP_EVENT_SERVER_CERT)
        take_cert(&r, ev);
    if (!r.failed)
        c->n_events++;
}

int ipc_call(struct ipc_client *c, struct bp_reader *reply, int32_t *hr)
{
    uint16_t type;
    uint32_t seq;

    bp_end_frame(&c->req);
    if (c->req.failed) {
        errno = ENOMEM;
        return -1;
    }
    if (ipc_send_raw(c, c->req.data, c->req.len) < 0)
        return -1;
    for (;;) {
        if (read_frame(c, &type, &seq, c->timeout_ms) < 0)
            return -1;
        if (type == BP_EVENT && seq == 0) {
            queue_event(c);
            continue;
        }
        if (seq != c->seq) {
            errno = EPROTO;
            return -1;
        }
        bp_reader_init(reply, c->reply, c->reply_len);
        *hr = bp_get_i32(reply);
        return reply->failed ? -1 : 0;
    }
}

int ipc_wait_event(struct ipc_client *c, int timeout_ms, struct ipc_event *ev)
{
    uint16_t type;
    uint32_t seq;
    int rc;

    for (;;) {
        if (c->n_events) {
            *ev = c->events[0];
            memmove(c->events, c->events + 1, (c->n_events - 1) * sizeof(*ev));
            c->n_events--;
            return 1;
        }
        rc = read_frame(c, &type, &seq, timeout_ms);
        if (rc == -2)
            return 0;
        if (rc < 0)
            return -1;
        if (type == BP_EVENT && seq == 0)
            queue_event(c);
    }
}

int ipc_peer_closed(struct ipc_client *c, int timeout_ms)
{
    uint8_t buf[256];
    ssize_t n;

    for (;;) {
        if (wait_readable(c->fd, timeout_ms) <= 0)
            return 0;
        n = recv(c->fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return 1;
    }
}

void ipc_close(struct ipc_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    bp_writer_free(&c->req);
    free(c->reply);
    c->reply = NULL;
    free(c->events);
    c->events = NULL;
    c->n_events = 0;
}
