/*
 * A sample server application in the IIS model, reached by POST /app/...:
 *   /app/digest         by value: answers the SHA-256 hex of the body;
 *                       by reference: hashes BITS-Request-DataFile-Name and
 *                       writes the hex into BITS-Response-DataFile-Name.
 *   /app/fail/<status>  answers <status> (to test error mapping).
 *   /app/static/<name>  answers 200 with BITS-Static-Response-URL pointing
 *                       at /files/<name>.
 */
#include "server.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filehash.h"

/* By-reference file names must stay inside the server root. */
static int inside_root(const char *path)
{
    size_t n = strlen(config.root);

    return !strncmp(path, config.root, n) && path[n] == '/' && !strstr(path, "/../");
}

static void digest_by_reference(struct request_ctx *ctx, const char *request_file)
{
    const char *response_file = http_header(ctx->req, "BITS-Response-DataFile-Name");
    char hex[65];
    int fd;

    if (!response_file || !inside_root(request_file) || !inside_root(response_file)) {
        http_send(ctx->conn, ctx->req, 400, NULL, NULL, 0);
        return;
    }
    if (sha256_file(request_file, hex) < 0) {
        http_send(ctx->conn, ctx->req, 500, NULL, NULL, 0);
        return;
    }
    fd = open(response_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || http_write_all(fd, hex, 64) < 0) {
        if (fd >= 0)
            close(fd);
        http_send(ctx->conn, ctx->req, 500, NULL, NULL, 0);
        return;
    }
    close(fd);
    http_send(ctx->conn, ctx->req, 200, NULL, NULL, 0);
}

static void digest_by_value(struct request_ctx *ctx)
{
    struct sha256 sha;
    uint8_t digest[32];
    char hex[65];
    ssize_t n;

    sha256_init(&sha);
    while ((n = http_body_read(ctx->conn, ctx->req, ctx->iobuf, IOBUF_SIZE)) > 0)
        sha256_update(&sha, ctx->iobuf, (size_t)n);
    if (n < 0) {
        ctx->conn->must_close = 1;
        return;
    }
    sha256_final(&sha, digest);
    sha256_hex(digest, hex);
    http_send(ctx->conn, ctx->req, 200, "Content-Type: text/plain\r\n", hex, 64);
}

void handle_app(struct request_ctx *ctx, const char *rest)
{
    if (!http_strcaseeq(ctx->req->method, "POST")) {
        http_send(ctx->conn, ctx->req, 405, "Allow: POST\r\n", NULL, 0);
        return;
    }
    if (!strcmp(rest, "digest")) {
        const char *request_file = http_header(ctx->req, "BITS-Request-DataFile-Name");
        if (request_file)
            digest_by_reference(ctx, request_file);
        else
            digest_by_value(ctx);
    } else if (!strncmp(rest, "fail/", 5) && atoi(rest + 5) >= 200 && atoi(rest + 5) <= 599) {
        http_send(ctx->conn, ctx->req, atoi(rest + 5), NULL, NULL, 0);
    } else if (!strncmp(rest, "static/", 7) && name_is_safe(rest + 7)) {
        struct http_hdrs h;
        http_hdrs_init(&h);
        http_hdrs_add(&h, "BITS-Static-Response-URL: http://127.0.0.1:%d/files/%s",
                      config.port, rest + 7);
        http_send(ctx->conn, ctx->req, 200, h.text, NULL, 0);
    } else {
        http_send(ctx->conn, ctx->req, 404, NULL, NULL, 0);
    }
}
