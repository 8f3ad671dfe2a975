/* File-system helpers and small utilities of bits-server. */
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bitsproto.h"

/* Names in URLs map to single files: no separators, no dot names, nothing
 * that could escape the directory. */
int name_is_safe(const char *name)
{
    const unsigned char *p;

    if (!name[0] || strlen(name) > NAME_MAX_LEN || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int path_join(char out[PATH_MAX], const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
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

int remove_flat_dir(const char *dir)
{
    char path[PATH_MAX];
    struct dirent *de;
    DIR *d = opendir(dir);

    if (!d)
        return errno == ENOENT ? 0 : -1;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (path_join(path, dir, de->d_name) == 0)
            unlink(path);
    }
    closedir(d);
    return rmdir(dir);
}

static int copy_contents(const char *src, const char *dst)
{
    char buf[1 << 16];
    ssize_t n;
    int in, out, rc = 0;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (http_write_all(out, buf, (size_t)n) < 0) {
            rc = -1;
            break;
        }
    if (n < 0)
        rc = -1;
    close(in);
    if (close(out) < 0)
        rc = -1;
    return rc;
}

/* A temporary name next to 'dst', unique per thread. */
static int temp_name(char out[PATH_MAX], const char *dst)
{
    static unsigned long counter;
    int n = snprintf(out, PATH_MAX, "%s.tmp-%d-%lu", dst, (int)getpid(),
                     __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int publish_copy(const char *src, const char *dst)
{
    char tmp[PATH_MAX];

    if (temp_name(tmp, dst) < 0)
        return -1;
    /* A hard link is an instant copy: the session's data file is never
     * written again once complete (a resent final fragment only overlaps). */
    if (link(src, tmp) < 0 && copy_contents(src, tmp) < 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, dst) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int publish_move(const char *src, const char *dst)
{
    return rename(src, dst);
}

void random_guid_text(char out[40])
{
    uint8_t g[16];
    size_t got = 0;

    while (got < sizeof(g)) {
        ssize_t n = getrandom(g + got, sizeof(g) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            abort();    /* no randomness means no unique session ids */
        got += (size_t)n;
    }
    g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);     /* version 4 (Data3 is little endian) */
    g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
    bp_guid_format(g, out);
}

void log_msg(const char *fmt, ...)
{
    va_list ap;

    if (config.quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}
