/*
 * Download of a local remote file (file:// URL, drive path or UNC name the
 * daemon mapped to a Unix path): the source is copied into temp_path by the
 * same rules as an HTTP download -- data in the temp file until Complete,
 * progress checkpointed every DOWNLOAD_CHECKPOINT_BYTES, a restart resumes
 * from min(size on disk, checkpointed count), and a source that changed
 * since the partial copy (another size or modification time) starts again
 * from 0 instead of being spliced.
 *
 * bitsd has one thread and the copy must not hold its event loop: every
 * step moves at most LOCALCOPY_STEP bytes and schedules the next step,
 * which xfer_engine_run runs after the daemon's sockets got their turn
 * (run_wakes bounds the steps per run).
 *
 * Errors reading the source are the remote file's (context REMOTE_FILE,
 * HRESULT_FROM_WIN32 of the Windows error: a missing file is
 * ERROR_FILE_NOT_FOUND, a missing directory ERROR_PATH_NOT_FOUND); errors
 * writing the temp file are the local file's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"

#define LOCALCOPY_STEP          (256u * 1024)
#define LOCALCOPY_MAX_RESTARTS  3

#define WIN32_HR(code)  BP_HR(0x80070000u | (code))

static void copy_step(struct xfer *x);

static char *dir_of_path(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? strndup(path, slash > path ? (size_t)(slash - path) : 1) : NULL;
}

void localcopy_release(struct xfer *x)
{
    free(x->copy_validator);
    x->copy_validator = NULL;
}

/* The Windows error a program would see for 'e' on the remote file. */
static int32_t source_hr(int e)
{
    switch (e) {
    case ENOENT:        return WIN32_HR(2);     /* ERROR_FILE_NOT_FOUND */
    case ENOTDIR:       return WIN32_HR(3);     /* ERROR_PATH_NOT_FOUND */
    case EACCES:
    case EPERM:         return WIN32_HR(5);     /* ERROR_ACCESS_DENIED */
    case EISDIR:        return WIN32_HR(5);
    case ENAMETOOLONG:  return WIN32_HR(206);   /* ERROR_FILENAME_EXCED_RANGE */
    case ENOMEM:        return E_OUTOFMEMORY;
    default:            return WIN32_HR(30);    /* ERROR_READ_FAULT */
    }
}

/* Linux says ENOENT for a missing file and a missing directory alike;
 * Windows tells them apart (FILE_NOT_FOUND / PATH_NOT_FOUND). */
static int missing_part(const char *path, int e)
{
    char *dir;
    struct stat sb;

    if (e != ENOENT || !(dir = dir_of_path(path)))
        return e;
    if (stat(dir, &sb) < 0)
        e = ENOTDIR;
    free(dir);
    return e;
}

static void fail_source(struct xfer *x, int e)
{
    /* Only a failing device might heal on its own; a missing or forbidden
     * file does not (HTTP 404/403 are final the same way). */
    xfer_fail(x, source_hr(e), BP_CONTEXT_REMOTE_FILE, e == EIO || e == ENOMEM);
}

static void fail_local(struct xfer *x, int e)
{
    struct http_error err;

    http_error_from_errno(e, &err);
    xfer_fail_with(x, &err);
}

/* "local:<size>:<mtime ns>": what the partial copy was taken from. */
static int source_validator(const struct stat *sb, char *out, size_t len)
{
    int64_t mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;

    return snprintf(out, len, "local:%" PRIu64 ":%" PRId64, (uint64_t)sb->st_size, mtime_ns);
}

static int checkpoint_copy(struct xfer *x)
{
    x->dl.unsynced = 0;
    x->cp_due = 0;
    return xfer_checkpoint(x);
}

static void copy_done(struct xfer *x)
{
    struct stat sb;
    struct timespec times[2];

    /* SMB downloads keep the remote file's time stamps (bg_file_info.md). */
    if (fstat(x->src_fd, &sb) == 0) {
        times[0] = sb.st_atim;
        times[1] = sb.st_mtim;
        futimens(x->dl.fd, times);
    }
    if (checkpoint_copy(x) < 0)
        return;
    download_release(x);
    upload_release(x);          /* closes src_fd */
    xfer_succeed(x);
}

/* The source is no longer what the partial copy came from. */
static void restart_copy(struct xfer *x)
{
    if (++x->copy_restarts > LOCALCOPY_MAX_RESTARTS) {
        xfer_fail(x, BG_E_LOCAL_FILE_CHANGED, BP_CONTEXT_REMOTE_FILE, 1);
        return;
    }
    close(x->src_fd);
    x->src_fd = -1;
    xfer_schedule(x, localcopy_begin);
}

/* Whether the source is still the file the copy started from. */
static int source_unchanged(struct xfer *x)
{
    char validator[64];
    struct stat sb;

    if (fstat(x->src_fd, &sb) < 0)
        return 0;
    source_validator(&sb, validator, sizeof(validator));
    return !strcmp(validator, x->copy_validator);
}

static void copy_step(struct xfer *x)
{
    uint64_t left = x->st.total - x->st.acked;
    size_t want = left < LOCALCOPY_STEP ? (size_t)left : LOCALCOPY_STEP;
    ssize_t n;

    if (!source_unchanged(x)) {
        restart_copy(x);
        return;
    }
    if (!want) {
        copy_done(x);
        return;
    }
    do
        n = pread(x->src_fd, x->dl.wbuf, want, (off_t)x->st.acked);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        fail_source(x, errno);
        return;
    }
    if (n == 0) {
        restart_copy(x);        /* shorter than when the copy started */
        return;
    }
    /* download.c's writer: pwrite at *have, counts, asks for checkpoints */
    x->dl.wlen = (size_t)n;
    if (download_flush(x) < 0) {
        fail_local(x, x->dl_errno);
        return;
    }
    if (x->cp_due && checkpoint_copy(x) < 0)
        return;
    xfer_schedule(x, copy_step);
}

static int open_temp(struct xfer *x)
{
    struct stat sb;

    x->dl.fd = open(x->temp_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (x->dl.fd < 0 || fstat(x->dl.fd, &sb) < 0)
        return -1;
    /* Trust only what is both on disk and checkpointed. */
    if ((uint64_t)sb.st_size < x->st.acked)
        x->st.acked = (uint64_t)sb.st_size;
    if ((uint64_t)sb.st_size > x->st.acked && ftruncate(x->dl.fd, (off_t)x->st.acked) < 0)
        return -1;
    return 0;
}

void localcopy_begin(struct xfer *x)
{
    char validator[64];
    struct stat sb;

    download_release(x);
    x->dl.have = &x->st.acked;
    x->dl.total = &x->st.total;
    x->dl.unsynced = 0;
    if (!(x->dl.wbuf = malloc(LOCALCOPY_STEP))) {
        xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
        return;
    }
    x->src_fd = open(x->source_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (x->src_fd < 0 || fstat(x->src_fd, &sb) < 0) {
        fail_source(x, missing_part(x->source_path, errno));
        return;
    }
    if (!S_ISREG(sb.st_mode)) {
        fail_source(x, S_ISDIR(sb.st_mode) ? EISDIR : EACCES);
        return;
    }
    if (open_temp(x) < 0) {
        fail_local(x, errno);
        return;
    }
    source_validator(&sb, validator, sizeof(validator));
    if (x->st.acked && (!x->st.validator || strcmp(x->st.validator, validator)
                        || x->st.total != (uint64_t)sb.st_size)) {
        /* Changed since the partial copy: start over, never splice. */
        if (ftruncate(x->dl.fd, 0) < 0) {
            fail_local(x, errno);
            return;
        }
        x->st.acked = 0;
    }
    /* The size and identity are durable before the first byte. */
    x->st.total = (uint64_t)sb.st_size;
    if (xfer_set_str(&x->st.validator, validator) < 0
        || xfer_set_str(&x->copy_validator, validator) < 0) {
        xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
        return;
    }
    if (checkpoint_copy(x) < 0)
        return;
    copy_step(x);
}
