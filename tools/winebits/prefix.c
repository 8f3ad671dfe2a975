/* Locating the prefix and the installer's own directory; file helpers. */
#include "winebits.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --prefix, then $WINEPREFIX, then ~/.wine (Wine's own order).  The result
 * is made absolute because it ends up in files other processes read. */
int wb_find_prefix(const char *given, char *out, size_t size)
{
    char buf[WB_PATH_MAX];
    const char *home;
    size_t len;

    if (given && *given)
        snprintf(buf, sizeof(buf), "%s", given);
    else if (getenv("WINEPREFIX") && *getenv("WINEPREFIX"))
        snprintf(buf, sizeof(buf), "%s", getenv("WINEPREFIX"));
    else if ((home = getenv("HOME")) && *home)
        snprintf(buf, sizeof(buf), "%s/.wine", home);
    else {
        fprintf(stderr, "winebits: no --prefix, WINEPREFIX or HOME\n");
        return -1;
    }
    if (!realpath(buf, out)) {
        fprintf(stderr, "winebits: prefix %s: %s\n", buf, strerror(errno));
        return -1;
    }
    len = strlen(out);
    if (len >= size)
        return -1;
    return 0;
}

/* Directory of the running winebits binary: qmgr.dll and bitsd are built
 * next to it (build/bin). */
int wb_self_dir(char *out, size_t size)
{
    char exe[WB_PATH_MAX];
    ssize_t n;
    char *slash;

    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    if ((size_t)snprintf(out, size, "%s", exe[0] ? exe : "/") >= size)
        return -1;
    return 0;
}

int wb_path(char *out, size_t size, const char *prefix, const char *rel)
{
    int n = snprintf(out, size, "%s/%s", prefix, rel);

    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "winebits: path too long: %s/%s\n", prefix, rel);
        return -1;
    }
    return 0;
}

int wb_file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A prefix that wineboot has initialised has both registry hives and a
 * system32; anything else is refused rather than silently created by the
 * first `wine reg` call. */
int wb_is_wine_prefix(const char *prefix)
{
    char path[WB_PATH_MAX];
    struct stat st;

    if (wb_path(path, sizeof(path), prefix, "system.reg") || !wb_file_exists(path))
        return 0;
    if (wb_path(path, sizeof(path), prefix, "user.reg") || !wb_file_exists(path))
        return 0;
    if (wb_path(path, sizeof(path), prefix, "drive_c/windows/system32"))
        return 0;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copies through a temporary name and renames, so 'to' is always either the
 * old or the complete new file (a half-written qmgr.dll would break COM). */
int wb_copy_file(const char *from, const char *to, mode_t mode)
{
    char tmp[WB_PATH_MAX];
    char buf[65536];
    int in, out;
    ssize_t n;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.winebits-tmp", to) >= sizeof(tmp))
        return -1;
    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        fprintf(stderr, "winebits: %s: %s\n", from, strerror(errno));
        return -1;
    }
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        fprintf(stderr, "winebits: %s: %s\n", tmp, strerror(errno));
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write_all(out, buf, (size_t)n) < 0)
            goto fail;
    }
    if (fsync(out) < 0)
        goto fail;
    close(in);
    if (close(out) < 0 || rename(tmp, to) < 0) {
        fprintf(stderr, "winebits: %s: %s\n", to, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
fail:
    fprintf(stderr, "winebits: copying %s to %s: %s\n", from, to, strerror(errno));
    close(in);
    close(out);
    unlink(tmp);
    return -1;
}

int wb_write_file(const char *path, const char *text, mode_t mode)
{
    char tmp[WB_PATH_MAX];
    int fd;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.winebits-tmp", path) >= sizeof(tmp))
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0) {
        fprintf(stderr, "winebits: %s: %s\n", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        fprintf(stderr, "winebits: %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* First line of a small file, without the line end.  -1 if unreadable or
 * empty. */
int wb_read_line(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "re");

    if (!f)
        return -1;
    if (!fgets(out, (int)size, f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] ? 0 : -1;
}

/* 1 when both files exist and hold the same bytes. */
int wb_files_equal(const char *a, const char *b)
{
    char ba[65536], bb[65536];
    FILE *fa, *fb;
    size_t na, nb;
    int equal = 0;

    fa = fopen(a, "rbe");
    fb = fopen(b, "rbe");
    if (!fa || !fb)
        goto out;
    for (;;) {
        na = fread(ba, 1, sizeof(ba), fa);
        nb = fread(bb, 1, sizeof(bb), fb);
        if (na != nb || memcmp(ba, bb, na))
            break;
        if (na == 0) {
            equal = 1;
            break;
        }
    }
out:
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return equal;
}
