/* The state directory <prefix>/bitsd: created 0700, one bitsd at a time
 * (flock on 'lock'), a fresh token per start and the listening port, both
 * written through a temporary file and rename() so readers never see half. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitsd.h"

char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int random_bytes(void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = getrandom(p, len, 0);
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

int statedir_create(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return -1;
    /* An existing directory may have been made with a looser umask. */
    if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700) < 0)
        return -1;
    return 0;
}

int statedir_lock(const char *dir)
{
    char *path = path_join(dir, "lock");
    int fd;

    if (!path)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(path);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int busy = errno == EWOULDBLOCK;
        close(fd);
        return busy ? -2 : -1;
    }
    return fd;
}

/* Writes 'len' bytes to dir/name via dir/name.tmp and rename(). */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = path_join(dir, name), *tmp = NULL;
    int fd = -1, rc = -1;

    if (!path || asprintf(&tmp, "%s.tmp", path) < 0) {
        tmp = NULL;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    if (fchmod(fd, 0600) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
        goto out;
    if (close(fd) < 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    rc = rename(tmp, path);
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(path);
    return rc;
}

int statedir_write_token(const char *dir, char token[BP_TOKEN_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[BP_TOKEN_LEN / 2];
    int i;

    if (random_bytes(raw, sizeof(raw)) < 0)
        return -1;
    for (i = 0; i < BP_TOKEN_LEN / 2; i++) {
        token[2 * i] = hex[raw[i] >> 4];
        token[2 * i + 1] = hex[raw[i] & 15];
    }
    token[BP_TOKEN_LEN] = 0;
    return write_atomic(dir, "token", token, BP_TOKEN_LEN);
}

int statedir_write_port(const char *dir, unsigned port)
{
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%u\n", port);

    return write_atomic(dir, "port", buf, (size_t)n);
}
