#include "filehash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int sha256_file(const char *path, char hex[65])
{
    enum { BUF = 1 << 20 };
    struct sha256 s;
    uint8_t digest[32];
    uint8_t *buf;
    ssize_t n;
    int fd, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    buf = malloc(BUF);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    sha256_init(&s);
    while ((n = read(fd, buf, BUF)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            sha256_update(&s, buf, (size_t)n);
    saved = errno;
    free(buf);
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    sha256_final(&s, digest);
    sha256_hex(digest, hex);
    return 0;
}
