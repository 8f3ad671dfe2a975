/*
 * bits-server: command line, listening socket, one thread per connection,
 * and the routing of requests to their handlers.
 */
#include "server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define IDLE_TIMEOUT_SECONDS 600    /* an idle keep-alive connection is dropped after this */

struct server_config config;

static void usage(void)
{
    fprintf(stderr,
            "usage: bits-server --root DIR [--port N] [--port-file FILE] [--quiet]\n"
            "                   [--notify-url URL] [--drop-after N] [--fail-fragments STATUS]\n"
            "                   [--fail-count K] [--max-fragment N] [--delay-final-ack-ms N]\n"
            "                   [--fail-create STATUS] [--throttle-kbps N]\n"
            "                   [--delay-fragment-ms N] [--delay-create-ms N] [--delay-close-ms N]\n"
            "                   [--auth none|basic|digest|ntlm|negotiate] [--auth-user U]\n"
            "                   [--auth-password P]\n"
            "                   [--proxy-auth none|basic|digest|ntlm|negotiate] [--proxy-user U]\n"
            "                   [--proxy-password P]\n");
    exit(2);
}

/* ---- routing ---- */

static int method_is(const struct http_request *r, const char *m)
{
    return http_strcaseeq(r->method, m);
}

/* "/replies/<GUID>" -> ROOT/sessions/{GUID}/reply. */
static int reply_path(const char *id, char out[PATH_MAX])
{
    char braced[40];
    size_t i;

    if (strlen(id) != 36)
        return -1;
    for (i = 0; i < 36; i++) {
        char ch = id[i];
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                                  (ch >= 'A' && ch <= 'F')))
            return -1;
        braced[i + 1] = (char)(ch >= 'a' && ch <= 'f' ? ch - 'a' + 'A' : ch);
    }
    braced[0] = '{';
    braced[37] = '}';
    braced[38] = 0;
    return snprintf(out, PATH_MAX, "%s/sessions/%s/reply", config.root, braced) < PATH_MAX ? 0 : -1;
}

static void route_get(struct request_ctx *ctx)
{
    const char *path = ctx->req->path;
    char file[PATH_MAX];

    if (!strcmp(path, "/_control"))
        handle_control(ctx);
    else if (!strcmp(path, "/_stats"))
        handle_stats(ctx);
    else if (!strcmp(path, "/_last_headers"))
        handle_last_headers(ctx);
    else if (!strncmp(path, "/files/", 7) && name_is_safe(path + 7) &&
             snprintf(file, sizeof(file), "%s/files/%s", config.root, path + 7) < PATH_MAX)
        handle_get_file(ctx, file, 0);
    else if (!strncmp(path, "/replies/", 9) && reply_path(path + 9, file) == 0)
        handle_get_file(ctx, file, 1);
    else
        http_send(ctx->conn, ctx->req, 404, NULL, NULL, 0);
}

/* Downloads with another verb (IBackgroundCopyJobHttpOptions2::SetHttpMethod):
 * a server that answers e.g. POST /files/<name> with the file.  A request
 * body is read and dropped. */
static int route_other_verb(struct request_ctx *ctx)
{
    const char *path = ctx->req->path;
    char file[PATH_MAX];
    ssize_t n;

    if (strncmp(path, "/files/", 7) || !name_is_safe(path + 7)
        || snprintf(file, sizeof(file), "%s/files/%s", config.root, path + 7) >= PATH_MAX)
        return 0;
    while ((n = http_body_read(ctx->conn, ctx->req, ctx->iobuf, IOBUF_SIZE)) > 0)
        ;
    if (n < 0) {
        ctx->conn->must_close = 1;
        return 1;
    }
    handle_get_file(ctx, file, 0);
    return 1;
}

static void route(struct request_ctx *ctx)
{
    struct http_request *r = ctx->req;

    stat_add(STAT_REQUESTS, 1);
    if (strcmp(r->path, "/_control") && strcmp(r->path, "/_stats")
        && strcmp(r->path, "/_last_headers"))
        remember_headers(r);
    /* The test switches and counters stay open; BITS_POST, GET and HEAD of
     * the BITS URL space need the configured credentials. */
    if ((method_is(r, "BITS_POST") || method_is(r, "GET") || method_is(r, "HEAD"))
        && strcmp(r->path, "/_control") && strcmp(r->path, "/_stats")
        && strcmp(r->path, "/_last_headers") && !auth_check(ctx))
        return;
    if (method_is(r, "BITS_POST"))
        handle_bits_post(ctx);
    else if (method_is(r, "GET") || method_is(r, "HEAD"))
        route_get(ctx);
    else if (method_is(r, "PUT") && !strncmp(r->path, "/put/", 5))
        handle_put(ctx, r->path + 5);
    else if (!strncmp(r->path, "/app/", 5))
        handle_app(ctx, r->path + 5);
    else if (!route_other_verb(ctx))
        http_send(ctx->conn, r, 405, NULL, NULL, 0);
}

/* ---- connections ---- */

struct conn_buffers {
    char head[HTTP_HEAD_MAX];
    struct http_request req;
    uint8_t io[IOBUF_SIZE];
};

static void *connection_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct conn_buffers *b = malloc(sizeof(*b));
    struct http_conn conn;
    struct request_ctx ctx;
    int rc;

    if (!b) {
        close(fd);
        return NULL;
    }
    http_conn_init(&conn, fd, b->head);
    memset(&ctx, 0, sizeof(ctx));       /* no NTLM handshake yet */
    ctx.conn = &conn;
    ctx.req = &b->req;
    ctx.iobuf = b->io;
    stat_add(STAT_CONNECTIONS, 1);
    while ((rc = http_read_request(&conn, &b->req)) > 0) {
        route(&ctx);
        log_msg("%s %s", b->req.method, b->req.target);
        if (conn.must_close)
            break;
        /* A handler that did not need the body leaves it for us to skip. */
        if (!b->req.body_done && http_body_drain(&conn, &b->req) < 0)
            break;
    }
    if (rc < 0) {
        static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n";
        stat_add(STAT_STATUS_400, 1);
        http_write_all(fd, bad, sizeof(bad) - 1);
    }
    close(fd);
    free(b);
    return NULL;
}

static void *accept_thread(void *arg)
{
    int listener = (int)(intptr_t)arg;
    pthread_attr_t attr;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        struct timeval idle = { IDLE_TIMEOUT_SECONDS, 0 };
        pthread_t t;
        int one = 1;
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                usleep(10000);      /* EMFILE and friends: back off, don't spin */
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
        if (pthread_create(&t, &attr, connection_thread, (void *)(intptr_t)fd) != 0)
            close(fd);
    }
    return NULL;
}

/* ---- startup ---- */

static int listen_loopback(int port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        close(fd);
        return -1;
    }
    config.port = ntohs(sa.sin_port);
    return fd;
}

/* Written to a temporary name and renamed, so readers never see half a number. */
static int write_port_file(const char *path, int port)
{
    char tmp[PATH_MAX], text[16];
    int fd, n = snprintf(text, sizeof(text), "%d\n", port);

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (http_write_all(fd, text, (size_t)n) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Session state is in memory only: directories left by an earlier run are garbage. */
static void prepare_root(void)
{
    static const char *const subdirs[] = { "sessions", "uploads", "files", "put" };
    char path[PATH_MAX], sub[PATH_MAX];
    struct dirent *de;
    DIR *d;
    size_t i;

    for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
        if (path_join(path, config.root, subdirs[i]) < 0 || mkdir_p(path) < 0) {
            fprintf(stderr, "bits-server: cannot create %s/%s: %s\n", config.root, subdirs[i],
                    strerror(errno));
            exit(1);
        }
    }
    path_join(path, config.root, "sessions");
    if ((d = opendir(path))) {
        while ((de = readdir(d)))
            if (de->d_name[0] != '.' && path_join(sub, path, de->d_name) == 0)
                remove_flat_dir(sub);
        closedir(d);
    }
}

/* "--drop-after" -> "drop_after"; the switches take the same names as /_control. */
static int apply_switch_option(const char *opt, const char *value)
{
    char name[64];
    size_t i;

    if (strlen(opt) >= sizeof(name) + 2)
        return -1;
    for (i = 0; opt[i + 2]; i++)
        name[i] = opt[i + 2] == '-' ? '_' : opt[i + 2];
    name[i] = 0;
    return control_apply(name, value);
}

int main(int argc, char **argv)
{
    const char *root = NULL, *port_file = NULL;
    char resolved[PATH_MAX];
    pthread_t acceptor;
    sigset_t stop;
    int i, port = 0, listener, sig;

    for (i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(opt, "--quiet")) {
            config.quiet = 1;
            continue;
        }
        if (!strcmp(opt, "--help") || !val || strncmp(opt, "--", 2))
            usage();
        i++;
        if (!strcmp(opt, "--root"))
            root = val;
        else if (!strcmp(opt, "--port"))
            port = atoi(val);
        else if (!strcmp(opt, "--port-file"))
            port_file = val;
        else if (apply_switch_option(opt, val) < 0) {
            fprintf(stderr, "bits-server: bad option %s %s\n", opt, val);
            usage();
        }
    }
    if (!root || port < 0 || port > 65535)
        usage();
    if (mkdir_p(root) < 0 || !realpath(root, resolved)) {
        fprintf(stderr, "bits-server: bad root %s: %s\n", root, strerror(errno));
        return 1;
    }
    snprintf(config.root, sizeof(config.root), "%s", resolved);
    prepare_root();

    /* Signals are taken synchronously by main; every thread inherits the mask. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    listener = listen_loopback(port);
    if (listener < 0) {
        fprintf(stderr, "bits-server: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }
    if (port_file && write_port_file(port_file, config.port) < 0) {
        fprintf(stderr, "bits-server: cannot write %s: %s\n", port_file, strerror(errno));
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", config.port);
    fflush(stdout);

    if (pthread_create(&acceptor, NULL, accept_thread, (void *)(intptr_t)listener) != 0) {
        fprintf(stderr, "bits-server: cannot start: %s\n", strerror(errno));
        return 1;
    }
    while (sigwait(&stop, &sig) != 0)
        ;
    log_msg("bits-server: signal %d, exiting", sig);
    return 0;
}
