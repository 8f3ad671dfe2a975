/* Test helper: runs bits-server as a child process (see server_harness.h). */
#include "server_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BITS_SERVER_PATH
#error "BITS_SERVER_PATH must name the bits-server binary"
#endif

#define START_TIMEOUT_MS 10000
#define MAX_EXTRA_ARGS 32

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    size_t i, n = strlen(path);

    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != 0)
            continue;
        tmp[i] = 0;
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -1;
        if (i < n)
            tmp[i] = '/';
    }
    return 0;
}

/* The server writes the port file by rename, so a file that exists is whole. */
static int read_port_file(const char *path)
{
    char buf[32];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return atoi(buf);
}

static pid_t spawn_server(const char *root, const char *port_file, const char *const *extra)
{
    const char *argv[8 + MAX_EXTRA_ARGS];
    int argc = 0, i;
    pid_t pid;

    argv[argc++] = BITS_SERVER_PATH;
    argv[argc++] = "--root";
    argv[argc++] = root;
    argv[argc++] = "--port";
    argv[argc++] = "0";
    argv[argc++] = "--port-file";
    argv[argc++] = port_file;
    argv[argc++] = "--quiet";
    for (i = 0; extra && extra[i] && i < MAX_EXTRA_ARGS - 1; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    pid = fork();
    if (pid == 0) {
        /* Keep stderr for the server's error messages; stdout only says "listening". */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int bits_server_start_args(const char *root, const char *const *extra_args,
                           struct bits_server *out)
{
    char port_file[4200];
    int waited, status;

    memset(out, 0, sizeof(*out));
    if (strlen(root) >= sizeof(out->root) || mkdir_p(root) < 0)
        return -1;
    snprintf(out->root, sizeof(out->root), "%s", root);
    snprintf(port_file, sizeof(port_file), "%s/.bits-server.port", root);
    unlink(port_file);

    out->pid = spawn_server(root, port_file, extra_args);
    if (out->pid < 0) {
        out->pid = 0;
        return -1;
    }
    for (waited = 0; waited < START_TIMEOUT_MS; waited += 10) {
        int port = read_port_file(port_file);
        if (port > 0) {
            out->port = port;
            snprintf(out->url, sizeof(out->url), "http://127.0.0.1:%d", port);
            return 0;
        }
        if (waitpid(out->pid, &status, WNOHANG) == out->pid) {
            out->pid = 0;
            return -1;
        }
        sleep_ms(10);
    }
    bits_server_stop(out);
    return -1;
}

int bits_server_start(const char *root, struct bits_server *out)
{
    return bits_server_start_args(root, NULL, out);
}

void bits_server_stop(struct bits_server *srv)
{
    int status;

    if (!srv || srv->pid <= 0)
        return;
    kill(srv->pid, SIGTERM);
    while (waitpid(srv->pid, &status, 0) < 0 && errno == EINTR)
        ;
    srv->pid = 0;
}

/* Minimal HTTP GET over a fresh connection ("Connection: close"); the
 * response (head and body) lands NUL-terminated in 'resp'.  Returns the
 * status code or -1. */
static int harness_get(const struct bits_server *srv, const char *target, char *resp, size_t cap)
{
    struct sockaddr_in sa;
    char req[2048];
    size_t got = 0;
    ssize_t n;
    int fd, len, status;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)srv->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto fail;
    len = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
                   target, srv->port);
    if (len < 0 || (size_t)len >= sizeof(req) || write(fd, req, (size_t)len) != len)
        goto fail;
    while (got + 1 < cap && (n = read(fd, resp + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    resp[got] = 0;
    close(fd);
    if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;

fail:
    close(fd);
    return -1;
}

int bits_server_control(const struct bits_server *srv, const char *query)
{
    char target[1800], resp[1024];

    if (!srv || srv->pid <= 0)
        return -1;
    snprintf(target, sizeof(target), "/_control?%s", query);
    return harness_get(srv, target, resp, sizeof(resp)) == 200 ? 0 : -1;
}

int bits_server_get(const struct bits_server *srv, const char *path, char *body, size_t cap)
{
    char *resp, *start;
    int status;

    if (!srv || srv->pid <= 0 || !cap || !(resp = malloc(cap + 4096)))
        return -1;
    status = harness_get(srv, path, resp, cap + 4096);
    start = strstr(resp, "\r\n\r\n");
    snprintf(body, cap, "%s", start ? start + 4 : "");
    free(resp);
    return status;
}

long long bits_server_stat(const struct bits_server *srv, const char *key)
{
    static const size_t cap = 16384;
    char *resp, *line;
    size_t klen = strlen(key);
    long long value = -1;

    if (!srv || srv->pid <= 0 || !(resp = malloc(cap)))
        return -1;
    if (harness_get(srv, "/_stats", resp, cap) == 200 && (line = strstr(resp, "\r\n\r\n"))) {
        for (line += 4; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            if (!strncmp(line, key, klen) && line[klen] == ' ') {
                value = strtoll(line + klen + 1, NULL, 10);
                break;
            }
        }
    }
    free(resp);
    return value;
}
