/*
 * Reply producers for upload-reply sessions (URL /reply/<producer>/<name>).
 * Each writes ROOT/sessions/<id>/reply.tmp, which becomes "reply" only
 * when complete, so a GET never sees half a reply.
 */
#include "server.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bitserr.h"
#include "filehash.h"

#define CONTEXT_SERVER 0x5u

static int write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc;

    if (fd < 0)
        return -1;
    rc = http_write_all(fd, data, len);
    if (close(fd) < 0)
        rc = -1;
    return rc;
}

static int produce_digest(const char *data, const char *tmp)
{
    char hex[65];

    if (sha256_file(data, hex) < 0)
        return -1;
    return write_file(tmp, hex, 64);
}

/* N bytes, byte i = i % 251 (a period prime to every power of two, so
 * misplaced ranges show up). */
static int produce_bytes(const char *tmp, uint64_t n)
{
    enum { CHUNK = 251 * 4096 };
    uint8_t *buf = malloc(CHUNK);
    uint64_t done = 0;
    int fd, rc = 0;
    size_t i;

    if (!buf)
        return -1;
    for (i = 0; i < CHUNK; i++)
        buf[i] = (uint8_t)(i % 251);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(buf);
        return -1;
    }
    /* CHUNK is a multiple of 251, so every chunk starts the pattern afresh. */
    while (rc == 0 && done < n) {
        size_t len = n - done < CHUNK ? (size_t)(n - done) : CHUNK;
        rc = http_write_all(fd, buf, len);
        done += len;
    }
    free(buf);
    if (close(fd) < 0)
        rc = -1;
    return rc;
}

void produce_reply(struct session *s, struct reply_outcome *out)
{
    char data[PATH_MAX], tmp[PATH_MAX], reply[PATH_MAX], dir[PATH_MAX], copy[PATH_MAX];
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (session_path(s, "data", data) < 0 || session_path(s, "reply.tmp", tmp) < 0 ||
        session_path(s, "reply", reply) < 0 || path_join(dir, config.root, "uploads") < 0 ||
        path_join(copy, dir, s->name) < 0)
        goto fail;
    /* Tests SHA-256 the upload itself; the session data dies with Close. */
    if (mkdir_p(dir) < 0 || publish_copy(data, copy) < 0)
        goto fail;

    if (!strcmp(s->producer, "digest"))
        rc = produce_digest(data, tmp);
    else if (!strncmp(s->producer, "bytes/", 6))
        rc = produce_bytes(tmp, strtoull(s->producer + 6, NULL, 10));
    else if (!strcmp(s->producer, "echo"))
        rc = publish_copy(data, tmp);
    else if (!strcmp(s->producer, "empty"))
        rc = write_file(tmp, "", 0);
    else if (!strcmp(s->producer, "notify-value") || !strcmp(s->producer, "notify-ref")) {
        notify_application(s, !strcmp(s->producer, "notify-ref"), data, tmp, out);
        if (out->status) {
            unlink(tmp);
            return;
        }
        if (out->static_url[0]) {
            /* The app named its own reply: nothing of ours to serve. */
            unlink(tmp);
            unlink(reply);
            stat_add(STAT_REPLIES_PRODUCED, 1);
            return;
        }
        rc = 0;
    }
    if (rc < 0 || rename(tmp, reply) < 0)
        goto fail;
    stat_add(STAT_REPLIES_PRODUCED, 1);
    return;

fail:
    unlink(tmp);
    out->status = 500;
    out->hr = E_FAIL;
    out->context = CONTEXT_SERVER;
}
