/*
 * fuzz_engine: the whole transfer engine (upload.c, download.c and the
 * BITS upload protocol around them) against a server whose answers are
 * the fuzzer's bytes: malformed heads, lying Content-Length and
 * Content-Range, BITS headers of every kind, truncated connections.
 *
 * The "server" is a listening socket on 127.0.0.1 served from the same
 * loop as the engine (xfer_engine_wait's extra descriptors).  For every
 * request it reads the head and the body the head announces, sends the
 * next answer and closes the connection; with no answer left it closes at
 * once.  Nothing may leave 127.0.0.1: connect() and getaddrinfo() are
 * replaced below so a BITS-Host-Id, a redirect or a reply URL naming
 * another host fails to connect instead.
 *
 * Input: u8 job kind (low two bits: upload, upload-reply, download,
 * download resumed; bit 2: the resumed download's size is not known),
 * then answers, each u16 length (LE) and that many bytes.
 *
 * Checks: the engine finishes (exactly once) within a bounded number of
 * requests, with S_OK or a failure HRESULT and a known context; a
 * checkpoint never says more was acknowledged than the file holds; a
 * finished download's file holds exactly the size it reported.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bitserr.h"
#include "transfer.h"

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "fuzz_engine: check failed at line %d: %s\n", __LINE__, #cond); \
    abort(); } } while (0)

#define MAX_CONNS       8
#define MAX_TURNS       20000       /* loop turns before the engine counts as hung */
#define SOURCE_SIZE     3000u       /* bytes of the upload source */

/* ---- keeping everything on 127.0.0.1 ---- */

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24 == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return sa->sa_family == AF_UNIX;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (!is_loopback(sa)) {
        errno = ENETUNREACH;
        return -1;
    }
    return (int)syscall(SYS_connect, fd, sa, len);
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    static int (*real)(const char *, const char *, const struct addrinfo *,
                       struct addrinfo **);

    if (node && strcmp(node, "127.0.0.1") && strcmp(node, "localhost"))
        return EAI_NONAME;
    if (!real)
        real = (int (*)(const char *, const char *, const struct addrinfo *,
                        struct addrinfo **))dlsym(RTLD_NEXT, "getaddrinfo");
    return real("127.0.0.1", service, hints, res);
}

/* ---- the server ---- */

struct sconn {
    int fd;
    uint8_t in[16384];
    size_t in_len;
    size_t need;                /* head + body; 0 until the head is complete */
};

struct server {
    int listen_fd;
    unsigned port;
    struct sconn conns[MAX_CONNS];
    const uint8_t *answers;     /* the rest of the input */
    size_t answers_left;
    unsigned requests;
};

static struct server srv = { .listen_fd = -1 };
static char dir[64];

static void server_init(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int i;

    srv.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(srv.listen_fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(srv.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(srv.listen_fd, 16) == 0);
    CHECK(getsockname(srv.listen_fd, (struct sockaddr *)&sa, &len) == 0);
    srv.port = ntohs(sa.sin_port);
    for (i = 0; i < MAX_CONNS; i++)
        srv.conns[i].fd = -1;
}

static void sconn_close(struct sconn *c)
{
    close(c->fd);
    c->fd = -1;
    c->in_len = c->need = 0;
}

/* The request's head and the body its Content-Length announces. */
static size_t request_size(const struct sconn *c)
{
    const uint8_t *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    const char *p;
    size_t head;
    unsigned long body = 0;
    char text[sizeof(c->in) + 1];

    if (!end)
        return 0;
    head = (size_t)(end - c->in) + 4;
    memcpy(text, c->in, head);
    text[head] = 0;
    p = strcasestr(text, "\r\nContent-Length:");
    if (p)
        body = strtoul(p + 17, NULL, 10);
    return head + body;
}

/* The next answer of the input, or none (the connection just closes). */
static void answer(struct sconn *c)
{
    size_t len, off = 0;

    srv.requests++;
    if (srv.answers_left >= 2) {
        len = (size_t)srv.answers[0] | (size_t)srv.answers[1] << 8;
        srv.answers += 2;
        srv.answers_left -= 2;
        if (len > srv.answers_left)
            len = srv.answers_left;
        while (off < len) {
            ssize_t n = send(c->fd, srv.answers + off, len - off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        srv.answers += len;
        srv.answers_left -= len;
    } else {
        srv.answers_left = 0;
    }
    sconn_close(c);
}

static void sconn_read(struct sconn *c)
{
    for (;;) {
        ssize_t n;

        if (c->in_len == sizeof(c->in)) {
            /* fragment bodies are not kept, only counted */
            if (c->need > c->in_len) {
                c->need -= c->in_len / 2;
                memmove(c->in, c->in + c->in_len / 2, c->in_len / 2);
                c->in_len /= 2;
            } else {
                answer(c);
                return;
            }
        }
        n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
        if (n == 0) {
            sconn_close(c);
            return;
        }
        if (n < 0)
            return;
        c->in_len += (size_t)n;
        if (!c->need)
            c->need = request_size(c);
        if (c->need && c->in_len >= c->need) {
            answer(c);
            return;
        }
    }
}

static void server_accept(void)
{
    int fd, i;

    while ((fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        for (i = 0; i < MAX_CONNS && srv.conns[i].fd >= 0; i++)
            ;
        if (i == MAX_CONNS) {
            close(fd);
            continue;
        }
        srv.conns[i].fd = fd;
    }
}

static void server_turn(void)
{
    int i;

    server_accept();
    for (i = 0; i < MAX_CONNS; i++)
        if (srv.conns[i].fd >= 0)
            sconn_read(&srv.conns[i]);
}

static unsigned server_fds(struct curl_waitfd *fds)
{
    unsigned n = 0;
    int i;

    fds[n].fd = srv.listen_fd;
    fds[n].events = CURL_WAIT_POLLIN;
    fds[n++].revents = 0;
    for (i = 0; i < MAX_CONNS; i++) {
        if (srv.conns[i].fd < 0)
            continue;
        fds[n].fd = srv.conns[i].fd;
        fds[n].events = CURL_WAIT_POLLIN;
        fds[n++].revents = 0;
    }
    return n;
}

static void server_reset(void)
{
    int i;

    for (i = 0; i < MAX_CONNS; i++)
        if (srv.conns[i].fd >= 0)
            sconn_close(&srv.conns[i]);
    srv.requests = 0;
}

/* ---- the engine's side ---- */

struct run {
    int finished;
    struct xfer_result result;
    uint64_t total;             /* what the last checkpoint said */
    uint64_t acked;
    int upload;
};

static int cb_checkpoint(void *ctx, const struct xfer_checkpoint *cp)
{
    struct run *r = ctx;

    CHECK(!r->finished);
    if (r->upload) {
        CHECK(cp->total == BP_SIZE_UNKNOWN || cp->total == SOURCE_SIZE);
        CHECK(cp->acked <= SOURCE_SIZE);
    } else if (cp->total != BP_SIZE_UNKNOWN) {
        CHECK(cp->acked <= cp->total);
    }
    r->total = cp->total;
    r->acked = cp->acked;
    return 0;
}

static void cb_progress(void *ctx, uint64_t done, uint64_t total, uint64_t reply_done,
                        uint64_t reply_total)
{
}

static void cb_finished(void *ctx, const struct xfer_result *res)
{
    struct run *r = ctx;

    CHECK(!r->finished);
    r->finished = 1;
    r->result = *res;
}

static void cb_headers(void *ctx, const char *text)
{
    CHECK(text && !strncmp(text, "HTTP/1.1 ", 9));
}

static const struct xfer_callbacks callbacks = {
    .checkpoint = cb_checkpoint,
    .progress = cb_progress,
    .finished = cb_finished,
    .headers = cb_headers,
};

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void global_init(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char path[128];
    uint8_t data[SOURCE_SIZE];
    unsigned i;
    int fd;

    /* the server is the only peer: no proxy from the environment */
    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    unsetenv("all_proxy");
    snprintf(dir, sizeof(dir), "%s/fuzz-engine-XXXXXX", base);
    CHECK(mkdtemp(dir));
    path_in_dir(path, sizeof(path), "source.bin");
    for (i = 0; i < SOURCE_SIZE; i++)
        data[i] = (uint8_t)i;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
    close(fd);
    server_init();
}

static void cleanup_dir(void)
{
    static const char *const names[] = { "source.bin", "dest.bin", "dest.tmp", "reply.bin" };
    char path[128];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        path_in_dir(path, sizeof(path), names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void remove_outputs(void)
{
    char path[128];

    path_in_dir(path, sizeof(path), "dest.tmp");
    unlink(path);
    path_in_dir(path, sizeof(path), "reply.bin");
    unlink(path);
}

/* Starts a download resumed at 100 bytes of a 1000-byte file (or of a
 * file whose size was never learned). */
static void prepare_resume(struct xfer_request *req, int size_known)
{
    uint8_t data[100];
    int fd;

    memset(data, 'r', sizeof(data));
    fd = open(req->temp_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
    close(fd);
    req->resume.acked = 100;
    req->resume.total = size_known ? 1000 : BP_SIZE_UNKNOWN;
    req->resume.validator = "\"v1\"";
}

static void check_download_file(const struct xfer_request *req, const struct run *r)
{
    struct stat sb;

    if (r->result.hr != S_OK || r->total == BP_SIZE_UNKNOWN)
        return;
    CHECK(stat(req->temp_path, &sb) == 0);
    CHECK((uint64_t)sb.st_size == r->total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char url[96], source[128], dest[128], temp[128], reply[128];
    struct curl_waitfd fds[MAX_CONNS + 1];
    struct xfer_request req;
    struct xfer_engine *e;
    struct xfer *x;
    struct run r;
    unsigned turns, kind;

    if (!ready) {
        global_init();
        atexit(cleanup_dir);
        ready = 1;
    }
    if (size < 1)
        return 0;
    kind = data[0] % 4;
    srv.answers = data + 1;
    srv.answers_left = size - 1;

    path_in_dir(source, sizeof(source), "source.bin");
    path_in_dir(dest, sizeof(dest), "dest.bin");
    path_in_dir(temp, sizeof(temp), "dest.tmp");
    path_in_dir(reply, sizeof(reply), "reply.bin");
    memset(&req, 0, sizeof(req));
    memset(&r, 0, sizeof(r));
    req.resume.total = req.resume.reply_total = BP_SIZE_UNKNOWN;
    req.proxy_usage = BP_PROXY_NO_PROXY;
    r.total = BP_SIZE_UNKNOWN;
    if (kind <= 1) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/upload/file.bin", srv.port);
        req.kind = kind ? XFER_UPLOAD_REPLY : XFER_UPLOAD;
        req.local_path = source;
        req.content_name = "file.bin";
        req.reply_path = kind ? reply : NULL;
        r.upload = 1;
    } else {
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/files/file.bin", srv.port);
        req.kind = XFER_DOWNLOAD;
        req.local_path = dest;
        req.temp_path = temp;
        if (kind == 3)
            prepare_resume(&req, !(data[0] & 4));
    }
    req.url = url;

    e = xfer_engine_new();
    CHECK(e);
    x = xfer_start(e, &req, &callbacks, &r);
    CHECK(x);
    for (turns = 0; turns < MAX_TURNS && !r.finished; turns++) {
        unsigned n = server_fds(fds);

        xfer_engine_wait(e, fds, n, 20);
        server_turn();
        xfer_engine_run(e);
    }
    if (!r.finished)
        fprintf(stderr, "fuzz_engine: hung after %u requests\n", srv.requests);
    CHECK(r.finished);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_engine: kind %u: hr 0x%08x context %d transient %d, %u requests\n",
                kind, (unsigned)r.result.hr, r.result.context, r.result.transient, srv.requests);
    /* a finished transfer says what happened in BITS terms */
    CHECK(r.result.hr == S_OK || r.result.hr < 0);
    CHECK(r.result.context >= BP_CONTEXT_NONE && r.result.context <= BP_CONTEXT_REMOTE_APPLICATION);
    if (r.result.hr == S_OK)
        CHECK(r.result.context == BP_CONTEXT_NONE);
    if (req.kind == XFER_DOWNLOAD)
        check_download_file(&req, &r);
    xfer_engine_free(e);
    server_reset();
    remove_outputs();
    return 0;
}
