/*
 * Start and stop the project's BITS test server (bits-server) from a test.
 *
 *     struct bits_server srv;
 *     if (bits_server_start("/tmp/mytest-root", &srv) != 0) fail();
 *     ... use srv.url ("http://127.0.0.1:PORT") ...
 *     bits_server_control(&srv, "fail_fragments=503&fail_count=2");
 *     bits_server_stop(&srv);
 *
 * The server runs as a child process (fork/exec of the bits-server binary
 * the build produced) with --port 0, so tests can run in parallel.
 */
#ifndef SERVER_HARNESS_H
#define SERVER_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

struct bits_server {
    pid_t pid;              /* child process, 0 when not running */
    int port;               /* TCP port on 127.0.0.1 */
    char url[64];           /* base URL without trailing slash: "http://127.0.0.1:PORT" */
    char root[4096];        /* the --root directory */
};

/* Creates 'root' (and parents) if needed, starts bits-server on a free port
 * and waits until it listens.  Returns 0, or -1 (nothing left running). */
int bits_server_start(const char *root, struct bits_server *out);

/* Same, with extra command-line arguments (NULL-terminated list, may be
 * NULL), e.g. { "--notify-url", "http://127.0.0.1:1/app", NULL }. */
int bits_server_start_args(const char *root, const char *const *extra_args,
                           struct bits_server *out);

/* SIGTERM, then waits for the child.  Safe on a stopped or zeroed struct. */
void bits_server_stop(struct bits_server *srv);

/* GET /_control?<query>; returns 0 when the server answered 200, else -1. */
int bits_server_control(const struct bits_server *srv, const char *query);

/* Reads one counter from GET /_stats; returns its value or -1. */
long long bits_server_stat(const struct bits_server *srv, const char *key);

/* GET <path> (e.g. "/_last_headers"); the body, NUL-terminated, lands in
 * 'body'.  Returns the HTTP status or -1. */
int bits_server_get(const struct bits_server *srv, const char *path, char *body, size_t cap);

#endif
