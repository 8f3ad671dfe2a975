/*
 * The job operations behind the IPC messages (reference/BITS.md B.1-B.6).
 *
 * Every change follows one pattern: copy the persistent part of the job,
 * change it, write it to the store, and on a failed write put the copy back
 * and return the store's HRESULT.  Side effects that cannot be undone
 * (aborting a transfer, deleting temporary files) happen only after the
 * write succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitsd.h"

#define MAX_PROXY_LIST      32767u
#define CANCEL_RETRY_100NS  (24ULL * 3600 * 10000000)   /* Cancel-Session re-sent for 24 h */

static int32_t hr_from_errno(int err)
{
    switch (err) {
    case ENOENT: return BP_E_FILE_NOT_FOUND;
    case ENOTDIR: return BP_E_PATH_NOT_FOUND;
    case EACCES: case EPERM: case EROFS: return E_ACCESSDENIED;
    case ENOSPC: case EDQUOT: return BP_E_DISK_FULL;
    case ENOMEM: return E_OUTOFMEMORY;
    default: return E_FAIL;
    }
}

struct job *jobs_find(struct bitsd *d, const uint8_t id[16])
{
    struct job *job;

    for (job = d->jobs; job; job = job->next)
        if (!memcmp(job->j.id, id, 16))
            return job;
    return NULL;
}

/* A job any message may address: known, possibly finished. */
static int32_t find_job(struct bitsd *d, const uint8_t id[16], struct job **out)
{
    *out = jobs_find(d, id);
    return *out ? S_OK : BG_E_NOT_FOUND;
}

/* A job a state-changing message may address. */
static int32_t find_changeable(struct bitsd *d, const uint8_t id[16], struct job **out)
{
    int32_t hr = find_job(d, id, out);

    if (hr >= 0 && job_is_final(*out))
        hr = BG_E_INVALID_STATE;
    return hr;
}

int32_t jobs_commit(struct bitsd *d, struct job *job, struct job_data *backup)
{
    int32_t hr = store_save_job(d->store, &job->j);

    if (hr < 0) {
        job_data_free(&job->j);
        job->j = *backup;
    } else {
        job_data_free(backup);
    }
    return hr;
}

void jobs_touch(struct job *job)
{
    job->j.mtime = filetime_now();
}

/* Stamps, saves and announces a change made after job_data_copy(backup). */
static int32_t commit_change(struct bitsd *d, struct job *job, struct job_data *backup)
{
    int32_t hr;

    jobs_touch(job);
    hr = jobs_commit(d, job, backup);
    if (hr >= 0)
        notify_modified(job);
    return hr;
}

void jobs_remove(struct bitsd *d, struct job *job)
{
    struct job **p;
    struct sub **sp, *s;

    if (store_delete_job(d->store, job->j.id) < 0)
        log_warn("job %s: not removed from the store", job->j.display_name);
    for (p = &d->jobs; *p && *p != job; p = &(*p)->next)
        ;
    if (*p)
        *p = job->next;
    for (sp = &d->subs; (s = *sp);) {
        if (!memcmp(s->job, job->j.id, 16)) {
            *sp = s->next;
            free(s);
        } else {
            sp = &s->next;
        }
    }
    job_free(job);
}

static int replace_str(char **dst, const char *src)
{
    char *c = NULL;

    if (src && !(c = strdup(src)))
        return -1;
    free(*dst);
    *dst = c;
    return 0;
}

/* ---- loading ---- */

static int load_one(void *ctx, struct job_data *jd)
{
    struct bitsd *d = ctx;
    struct job *job, **tail;
    uint64_t now = filetime_now();

    if ((jd->state == BP_STATE_ACKNOWLEDGED || jd->state == BP_STATE_CANCELLED)
        && !jd->cancel_deadline && jd->mtime + FINISHED_KEEP_100NS < now) {
        store_delete_job(d->store, jd->id);
        job_data_free(jd);
        return 0;
    }
    job = job_new();
    if (!job) {
        job_data_free(jd);
        return -1;
    }
    ckpt_reset(&job->j, 0);
    job->j = *jd;
    job->d = d;
    job->cur_file = job->j.ck_file;
    job->clock_saved_ms = job->j.x.download_active_ms;
    job->progress_ms = mono_ms();
    /* A transfer that was running when bitsd stopped resumes from its checkpoint. */
    if (job->j.state == BP_STATE_CONNECTING || job->j.state == BP_STATE_TRANSFERRING)
        job->j.state = BP_STATE_QUEUED;
    if (job->j.state == BP_STATE_TRANSIENT_ERROR)
        job->retry_at_ms = mono_ms() + (int64_t)job->j.min_retry_delay * 1000;
    if (job->j.notify_pending)
        job->notify_at_ms = mono_ms();
    if (job->j.cancel_deadline && job->j.cancel_deadline < now)
        job->j.cancel_deadline = 0;
    if (job->j.seq >= d->next_seq)
        d->next_seq = job->j.seq + 1;
    for (tail = &d->jobs; *tail; tail = &(*tail)->next)
        ;
    *tail = job;
    return 0;
}

/* Size of a finished download file on disk, or -1 when Complete already
 * moved it to its name (killed before it saved ACKNOWLEDGED). */
static int64_t finished_file_size(const struct job *job, const struct jfile *f)
{
    struct stat st;

    if (stat(f->temp_path, &st) == 0)
        return (int64_t)st.st_size;
    if (errno == ENOENT && job->j.state == BP_STATE_TRANSFERRED && stat(f->local_unix, &st) == 0
        && (uint64_t)st.st_size == f->bytes_total)
        return -1;
    return 0;
}

/* The engine leaves download data in the page cache (service/download.c):
 * after a power loss a finished file can be short.  Such a file is
 * transferred again from what is on disk (its checkpoint, when it still
 * has one, keeps the validator for the Range request), so Complete never
 * gives a short file its name. */
static void recheck_download_files(struct bitsd *d, struct job *job)
{
    uint32_t i, reopened = 0;

    if (job->j.type != BP_JOB_DOWNLOAD || job_is_final(job))
        return;
    for (i = 0; i < job->j.nfiles; i++) {
        struct jfile *f = &job->j.files[i];
        int64_t size;
        uint64_t have;

        if (!f->completed || (size = finished_file_size(job, f)) < 0
            || (uint64_t)size == f->bytes_total)
            continue;
        have = (uint64_t)size < f->bytes_total ? (uint64_t)size : 0;
        f->completed = 0;
        f->bytes_transferred = 0;
        if (job->j.ck_file == i && have && job->j.ck.validator) {
            if (job->j.ck.acked > have)
                job->j.ck.acked = have;
            f->bytes_transferred = job->j.ck.acked;
        } else if (job->j.ck_file == i) {
            job->j.ck.acked = 0;
        }
        log_warn("job %s: file %s has %llu of %llu bytes; transferring the rest",
                 job->j.display_name, f->temp_path, (unsigned long long)have,
                 (unsigned long long)f->bytes_total);
        reopened++;
    }
    if (!reopened)
        return;
    if (job->j.state == BP_STATE_TRANSFERRED) {
        job->j.state = BP_STATE_QUEUED;
        job->j.completion_time = 0;
        job->j.notify_pending = 0;
    }
    if (store_save_job(d->store, &job->j) < 0)
        log_warn("job %s: re-opened files not saved", job->j.display_name);
}

int jobs_load(struct bitsd *d)
{
    int n = store_load(d->store, load_one, d);
    struct job *job;

    if (n < 0)
        return -1;
    log_info("loaded %d job(s)", n);
    for (job = d->jobs; job; job = job->next)
        recheck_download_files(d, job);
    return 0;
}

int bitsd_core_init(struct bitsd *d, const char *prefix, const char *statedir)
{
    char *db;
    struct job *job;

    memset(d, 0, sizeof(*d));
    d->listen_fd = -1;
    d->next_seq = 1;
    d->prefix = strdup(prefix);
    d->statedir = strdup(statedir);
    d->replies = path_join(statedir, "replies");
    d->inactivity_100ns = expire_limit_from_env();
    if (!d->prefix || !d->statedir || !d->replies)
        return -1;
    if (mkdir(d->replies, 0700) < 0 && errno != EEXIST)
        return -1;
    db = path_join(statedir, "jobs.db");
    if (!db || store_open(db, &d->store) < 0) {
        free(db);
        return -1;
    }
    free(db);
    if (jobs_load(d) < 0)
        return -1;
    /* Cancel-Session that had not reached the server before the restart */
    for (job = d->jobs; job; job = job->next)
        if (job->j.cancel_deadline)
            job->cancel_retry_ms = mono_ms();
    return 0;
}

void bitsd_core_free(struct bitsd *d)
{
    struct job *job;
    struct sub *s;

    while ((job = d->jobs)) {
        d->jobs = job->next;
        job_free(job);
    }
    while ((s = d->subs)) {
        d->subs = s->next;
        free(s);
    }
    store_close(d->store);
    free(d->prefix);
    free(d->statedir);
    free(d->replies);
    memset(d, 0, sizeof(*d));
    d->listen_fd = -1;
}

/* ---- CREATE_JOB / GET_JOB / ENUM_JOBS / JOB_INFO ---- */

static void new_guid(uint8_t id[16])
{
    if (random_bytes(id, 16) < 0) {
        /* getrandom does not fail on Linux >= 3.17; keep ids unique anyway */
        int64_t t = mono_ms();
        memcpy(id, &t, sizeof(t));
    }
    id[7] = (uint8_t)((id[7] & 0x0F) | 0x40);   /* version 4 (Data3 high nibble) */
    id[8] = (uint8_t)((id[8] & 0x3F) | 0x80);   /* RFC 4122 variant */
}

int32_t jobs_create(struct bitsd *d, const char *owner, const char *name, uint32_t type,
                    uint8_t id[16])
{
    struct job *job, **tail;
    unsigned mine = 0, all = 0;
    int32_t hr;

    if (!name || utf16_len(name) > BP_MAX_DISPLAY_NAME || type > BP_JOB_UPLOAD_REPLY || !owner)
        return E_INVALIDARG;
    for (job = d->jobs; job; job = job->next) {
        if (job_is_final(job))
            continue;
        all++;
        if (!strcmp(job->j.owner, owner))
            mine++;
    }
    if (mine >= BP_MAX_JOBS_PER_USER)
        return BG_E_TOO_MANY_JOBS_PER_USER;
    if (all >= BP_MAX_JOBS_PER_MACHINE)
        return BG_E_TOO_MANY_JOBS_PER_MACHINE;

    job = job_new();
    if (!job)
        return E_OUTOFMEMORY;
    job->d = d;
    do
        new_guid(job->j.id);
    while (jobs_find(d, job->j.id));
    job->j.seq = d->next_seq;
    job->j.type = type;
    job->j.state = BP_STATE_SUSPENDED;
    job->j.priority = BP_PRIORITY_NORMAL;
    job->j.display_name = strdup(name);
    job->j.owner = strdup(owner);
    job->j.ctime = job->j.mtime = filetime_now();
    job->j.notify_flags = BP_DEFAULT_NOTIFY_FLAGS;
    job->j.min_retry_delay = BP_DEFAULT_MIN_RETRY_DELAY;
    job->j.no_progress_timeout = BP_DEFAULT_NO_PROGRESS_TIMEOUT;
    job->j.error_file = BP_NO_FILE;
    job->j.proxy_usage = BP_PROXY_PRECONFIG;
    job_newer_defaults(&job->j.x);
    if (!job->j.display_name || !job->j.owner) {
        job_free(job);
        return E_OUTOFMEMORY;
    }
    hr = store_save_job(d->store, &job->j);
    if (hr < 0) {
        job_free(job);
        return hr;
    }
    d->next_seq++;
    for (tail = &d->jobs; *tail; tail = &(*tail)->next)
        ;
    *tail = job;
    memcpy(id, job->j.id, 16);
    log_info("job %s created by %s (type %u)", name, owner, type);
    return S_OK;
}

int32_t jobs_get(struct bitsd *d, const uint8_t id[16])
{
    struct job *job = jobs_find(d, id);

    return job && !job_is_final(job) ? S_OK : BG_E_NOT_FOUND;
}

int32_t jobs_enum(struct bitsd *d, const char *owner, uint32_t flags, uint8_t (**ids)[16],
                  uint32_t *count)
{
    struct job *job;
    uint32_t n = 0;

    *ids = NULL;
    *count = 0;
    for (job = d->jobs; job; job = job->next)
        n++;
    *ids = malloc((n ? n : 1) * 16);
    if (!*ids)
        return E_OUTOFMEMORY;
    for (job = d->jobs; job; job = job->next) {
        if (job_is_final(job))
            continue;
        if (!(flags & 1) && (!owner || strcmp(job->j.owner, owner)))
            continue;
        memcpy((*ids)[(*count)++], job->j.id, 16);
    }
    return S_OK;
}

int32_t jobs_info(struct bitsd *d, const uint8_t id[16], struct bp_job_info *info)
{
    struct job *job;
    int32_t hr = find_job(d, id, &job);

    if (hr < 0)
        return hr;
    return job_fill_info(job, info) < 0 ? E_OUTOFMEMORY : S_OK;
}

/* ---- names ---- */

static int name_in_use(struct bitsd *d, const char *path)
{
    struct job *job;
    struct stat st;
    uint32_t i;

    if (lstat(path, &st) == 0 || errno != ENOENT)
        return 1;
    for (job = d->jobs; job; job = job->next) {
        if (job->j.reply_unix && !strcmp(job->j.reply_unix, path))
            return 1;
        for (i = 0; i < job->j.nfiles; i++)
            if (job->j.files[i].temp_path && !strcmp(job->j.files[i].temp_path, path))
                return 1;
    }
    return 0;
}

/* Picks "BITxxxx.tmp" in the directory of 'unix_ref' (and of 'win_ref' for
 * the Windows spelling) that names no file and no other job's file. */
static int32_t generate_name(struct bitsd *d, const char *unix_ref, const char *win_ref,
                             char **unix_out, char **win_out)
{
    char *udir = dir_of(unix_ref, '/'), *wdir = win_ref ? dir_of(win_ref, '\\') : NULL;
    char name[16], *candidate = NULL, *win = NULL;
    int tries;
    uint16_t r;
    int32_t hr = E_FAIL;

    /* the outputs may point into a job: fill them only at the end */
    if (!udir || (win_ref && !wdir))
        goto out;
    for (tries = 0; tries < 65536; tries++) {
        if (random_bytes(&r, sizeof(r)) < 0)
            r = (uint16_t)(mono_ms() + tries);
        snprintf(name, sizeof(name), "BIT%04X.tmp", r);
        free(candidate);
        if (asprintf(&candidate, "%s/%s", udir, name) < 0) {
            candidate = NULL;
            goto out;
        }
        if (!name_in_use(d, candidate))
            break;
    }
    if (tries == 65536)
        goto out;
    if (win_out && asprintf(&win, "%s\\%s", wdir, name) < 0) {
        win = NULL;
        goto out;
    }
    *unix_out = candidate;
    candidate = NULL;
    if (win_out)
        *win_out = win;
    hr = S_OK;
out:
    free(candidate);
    free(udir);
    free(wdir);
    return hr;
}

static int32_t check_local_name(const char *win, const char *unx)
{
    if (!win || !unx || !*win || unx[0] != '/' || utf16_len(win) > BP_MAX_PATH)
        return E_INVALIDARG;
    /* no NTFS streams: a colon is only allowed after the drive letter */
    if (strchr(win + (strlen(win) > 2 && win[1] == ':' ? 2 : 0), ':'))
        return E_INVALIDARG;
    if (!strncmp(win, "\\\\?\\", 4))
        return E_INVALIDARG;
    return S_OK;
}

static int32_t check_parent_dir(const char *unx)
{
    char *dir = dir_of(unx, '/');
    struct stat st;
    int ok;

    if (!dir)
        return E_OUTOFMEMORY;
    ok = stat(*dir ? dir : "/", &st) == 0 && S_ISDIR(st.st_mode);
    free(dir);
    return ok ? S_OK : BP_E_PATH_NOT_FOUND;
}

static int has_scheme(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);

    return !strncasecmp(url, scheme, n) && url[n];
}

static int32_t check_remote(uint32_t type, const char *url)
{
    if (!url || !*url || utf16_len(url) > BP_MAX_URL)
        return E_INVALIDARG;
    if (has_scheme(url, "http://") || has_scheme(url, "https://"))
        return S_OK;
    /* SMB names (file://, UNC, a full path on a drive) are download-only;
     * the \\?\ and \\.\ device forms are not names BITS takes. */
    if (type == BP_JOB_DOWNLOAD && remote_is_local(url))
        return S_OK;
    return E_INVALIDARG;
}

/* ---- ADD_FILE ---- */

int32_t jobs_add_file(struct bitsd *d, const uint8_t id[16], const char *remote,
                      const char *local_win, const char *local_unix)
{
    struct job_data backup;
    struct jfile *f;
    struct job *job;
    struct stat st;
    int32_t hr = find_changeable(d, id, &job);

    if (hr < 0)
        return hr;
    if (job->j.type != BP_JOB_DOWNLOAD && job->j.nfiles >= 1)
        return BG_E_TOO_MANY_FILES;
    if (job->j.type == BP_JOB_DOWNLOAD && job->j.nfiles >= BP_MAX_FILES_PER_JOB)
        return BG_E_TOO_MANY_FILES_IN_JOB;
    if ((hr = check_remote(job->j.type, remote)) < 0
        || (hr = check_local_name(local_win, local_unix)) < 0
        || (hr = check_parent_dir(local_unix)) < 0)
        return hr;
    if (job->j.type != BP_JOB_DOWNLOAD
        && (stat(local_unix, &st) < 0 || !S_ISREG(st.st_mode)))
        return BP_E_FILE_NOT_FOUND;

    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    f = realloc(job->j.files, (job->j.nfiles + 1) * sizeof(*f));
    if (!f) {
        job_data_free(&backup);
        return E_OUTOFMEMORY;
    }
    job->j.files = f;
    f = &job->j.files[job->j.nfiles++];
    memset(f, 0, sizeof(*f));
    f->remote = strdup(remote);
    f->local_win = strdup(local_win);
    f->local_unix = strdup(local_unix);
    f->bytes_total = job->j.type == BP_JOB_DOWNLOAD ? BP_SIZE_UNKNOWN : (uint64_t)st.st_size;
    if (!f->remote || !f->local_win || !f->local_unix)
        hr = E_OUTOFMEMORY;
    if (hr >= 0 && job->j.type == BP_JOB_DOWNLOAD)
        hr = generate_name(d, local_unix, NULL, &f->temp_path, NULL);
    if (hr >= 0 && job->j.type == BP_JOB_UPLOAD_REPLY && !job->j.reply_win)
        hr = generate_name(d, local_unix, local_win, &job->j.reply_unix, &job->j.reply_win);
    if (hr < 0) {
        job_data_free(&job->j);
        job->j = backup;
        return hr;
    }
    /* More work for a finished download: it must run again. */
    if (job->j.state == BP_STATE_TRANSFERRED) {
        job->j.state = BP_STATE_QUEUED;
        notify_clear(job);
    }
    return commit_change(d, job, &backup);
}

/* ---- JOB_SET ---- */

static int32_t set_notify_cmdline(struct job *job, const char *program, const char *params)
{
    if (!program && params)
        return E_INVALIDARG;
    if ((program && utf16_len(program) > BP_MAX_PATH)
        || (params && utf16_len(params) > BP_MAX_NOTIFY_PARAMETERS))
        return BG_E_STRING_TOO_LONG;
    if (replace_str(&job->j.notify_program, program) < 0
        || replace_str(&job->j.notify_parameters, params) < 0)
        return E_OUTOFMEMORY;
    return S_OK;
}

static int32_t set_reply_name(struct bitsd *d, struct job *job, const char *win, const char *unx)
{
    int32_t hr;

    if (job->j.ck.reply_total != BP_SIZE_UNKNOWN)
        return BG_E_INVALID_STATE;
    if (!win || !*win) {
        char *u = NULL, *w = NULL;
        /* default name: generated next to the upload file, or at AddFile */
        if (job->j.nfiles) {
            hr = generate_name(d, job->j.files[0].local_unix, job->j.files[0].local_win, &u, &w);
            if (hr < 0)
                return hr;
        }
        free(job->j.reply_unix);
        free(job->j.reply_win);
        job->j.reply_unix = u;
        job->j.reply_win = w;
        return S_OK;
    }
    if ((hr = check_local_name(win, unx)) < 0 || (hr = check_parent_dir(unx)) < 0)
        return hr;
    if (replace_str(&job->j.reply_win, win) < 0 || replace_str(&job->j.reply_unix, unx) < 0)
        return E_OUTOFMEMORY;
    return S_OK;
}

static int32_t set_proxy(struct job *job, uint32_t usage, const char *list, const char *bypass)
{
    if (usage > BP_PROXY_AUTODETECT)
        return E_NOTIMPL;       /* documented: usage not in BG_JOB_PROXY_USAGE */
    if (list && utf16_len(list) > MAX_PROXY_LIST)
        return BG_E_PROXY_LIST_TOO_LARGE;
    if (bypass && utf16_len(bypass) > MAX_PROXY_LIST)
        return BG_E_PROXY_BYPASS_LIST_TOO_LARGE;
    if (usage == BP_PROXY_OVERRIDE && !list)
        return E_INVALIDARG;
    if (usage != BP_PROXY_OVERRIDE && (list || bypass))
        return E_INVALIDARG;
    job->j.proxy_usage = usage;
    if (replace_str(&job->j.proxy_list, list) < 0 || replace_str(&job->j.proxy_bypass, bypass) < 0)
        return E_OUTOFMEMORY;
    return S_OK;
}

/* Argument checks that do not depend on the job's state come first. */
static int32_t apply_set(struct bitsd *d, struct job *job, const struct job_set *set)
{
    switch (set->prop) {
    case BP_PROP_DISPLAY_NAME:
        if (!set->s1 || utf16_len(set->s1) > BP_MAX_DISPLAY_NAME)
            return E_INVALIDARG;
        return replace_str(&job->j.display_name, set->s1) < 0 ? E_OUTOFMEMORY : S_OK;
    case BP_PROP_DESCRIPTION:
        if (!set->s1)
            return E_INVALIDARG;
        if (utf16_len(set->s1) > BP_MAX_DESCRIPTION)
            return BG_E_STRING_TOO_LONG;
        return replace_str(&job->j.description, set->s1) < 0 ? E_OUTOFMEMORY : S_OK;
    case BP_PROP_PRIORITY:
        if (set->u32 > BP_PRIORITY_LOW)
            return E_NOTIMPL;
        /* SetHttpMethod fixed the job at FOREGROUND (documented) */
        if (job->j.x.http_method && set->u32 != BP_PRIORITY_FOREGROUND)
            return BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD;
        job->j.priority = set->u32;
        return S_OK;
    case BP_PROP_NOTIFY_FLAGS:
        if (set->u32 & ~BP_NOTIFY_VALID_FLAGS)
            return E_NOTIMPL;
        job->j.notify_flags = set->u32;
        return S_OK;
    case BP_PROP_NOTIFY_CMDLINE:
        /* The command line also runs for an event that happened before it was set. */
        if (job->j.notify_pending && !job->notify_waiting)
            job->notify_at_ms = mono_ms();
        return set_notify_cmdline(job, set->s1, set->s2);
    case BP_PROP_MIN_RETRY_DELAY:
        job->j.min_retry_delay = set->u32 < BP_MIN_RETRY_DELAY_FLOOR ? BP_MIN_RETRY_DELAY_FLOOR
                                                                     : set->u32;
        return S_OK;
    case BP_PROP_NO_PROGRESS_TIMEOUT:
        job->j.no_progress_timeout = set->u32;
        return S_OK;
    case BP_PROP_REPLY_FILE_NAME:
        return set_reply_name(d, job, set->s1, set->s2);
    case BP_PROP_PROXY:
        return set_proxy(job, set->u32, set->s1, set->s2);
    default:
        return jobs_newer_apply(d, job, set);     /* jobs_newer.c */
    }
}

int32_t jobs_set(struct bitsd *d, const uint8_t id[16], const struct job_set *set)
{
    struct job_data backup;
    struct job *job;
    int32_t hr = find_job(d, id, &job);

    if (hr < 0)
        return hr;
    if (set->prop == BP_PROP_REPLY_FILE_NAME && job->j.type != BP_JOB_UPLOAD_REPLY)
        return E_NOTIMPL;
    if (set->prop == BP_PROP_REMOTE_PREFIX && job->j.type != BP_JOB_DOWNLOAD)
        return E_NOTIMPL;
    if (job_is_final(job))
        return BG_E_INVALID_STATE;
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    hr = apply_set(d, job, set);
    if (hr < 0 || hr == S_FALSE) {
        /* S_FALSE: ReplaceRemotePrefix matched nothing; nothing changed */
        job_data_free(&job->j);
        job->j = backup;
        return hr;
    }
    return commit_change(d, job, &backup);
}

/* ---- JOB_ACTION ---- */

static int32_t action_resume(struct bitsd *d, struct job *job)
{
    struct job_data backup;
    int32_t hr;

    if (!job->j.nfiles)
        return BG_E_EMPTY;
    if (job->j.state != BP_STATE_SUSPENDED && job->j.state != BP_STATE_ERROR
        && job->j.state != BP_STATE_TRANSIENT_ERROR)
        return S_OK;    /* queued, running or transferred: nothing to do */
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    job->j.state = BP_STATE_QUEUED;
    job->j.error_code = 0;
    job->j.error_context = BP_CONTEXT_NONE;
    job->j.error_file = BP_NO_FILE;
    job->j.notify_pending = 0;
    job->j.x.download_active_ms = 0;    /* Resume resets the maximum download time */
    hr = commit_change(d, job, &backup);
    if (hr >= 0) {
        job->retry_at_ms = 0;
        job->clock_saved_ms = 0;
        job->progress_ms = mono_ms();
        notify_clear(job);
    }
    return hr;
}

static int32_t action_suspend(struct bitsd *d, struct job *job)
{
    struct job_data backup;
    int32_t hr;

    if (job->j.state == BP_STATE_SUSPENDED || job->j.state == BP_STATE_TRANSFERRED)
        return S_OK;
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    job->j.state = BP_STATE_SUSPENDED;
    hr = commit_change(d, job, &backup);
    if (hr >= 0) {
        sched_stop_job(job);
        job->retry_at_ms = 0;
    }
    return hr;
}

static int remove_file(const char *path)
{
    if (!path || unlink(path) == 0 || errno == ENOENT)
        return 0;
    log_warn("cannot delete %s: %s", path, strerror(errno));
    return -1;
}

static int32_t action_cancel(struct bitsd *d, struct job *job)
{
    struct job_data backup;
    int need_session_cancel, failed = 0;
    uint32_t i;
    int32_t hr;
    char *reply;

    /* After a finished upload the session is closed; nothing to cancel there. */
    need_session_cancel = job->j.type != BP_JOB_DOWNLOAD && job->j.ck.session_id
                          && job->j.state != BP_STATE_TRANSFERRED;
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    job->j.state = BP_STATE_CANCELLED;
    job->j.notify_pending = 0;
    job->j.cancel_deadline = need_session_cancel ? filetime_now() + CANCEL_RETRY_100NS : 0;
    hr = commit_change(d, job, &backup);
    if (hr < 0)
        return hr;
    sched_stop_job(job);
    notify_clear(job);
    /* Only our temporary files go: never a user's file, never an upload source. */
    if (job->j.type == BP_JOB_DOWNLOAD) {
        for (i = 0; i < job->j.nfiles; i++)
            failed |= remove_file(job->j.files[i].temp_path);
    } else if (job->j.type == BP_JOB_UPLOAD_REPLY) {
        reply = job_reply_temp(d, job);
        failed |= remove_file(reply);
        free(reply);
    }
    if (need_session_cancel)
        sched_cancel_session(d, job);
    log_info("job %s cancelled", job->j.display_name);
    return failed ? BG_S_UNABLE_TO_DELETE_FILES : S_OK;
}

/* 0, or -1 with errno set; a short write is followed by the write that
 * says why (ENOSPC on a full disk). */
static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copies 'from' into a new file next to 'to' and renames that over 'to'.
 * A copy that fails half-way (a full disk) leaves 'to' as it was (an older
 * reply file is not truncated) and no partial file behind.  -1 with errno
 * set. */
static int copy_file(const char *from, const char *to)
{
    char buf[65536], *tmp;
    int in, out = -1, rc = -1, err;
    ssize_t n = -1;

    if (asprintf(&tmp, "%s.bitsd-copy", to) < 0) {
        errno = ENOMEM;
        return -1;
    }
    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in >= 0)
        out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out >= 0) {
        while ((n = read(in, buf, sizeof(buf))) > 0 && write_all(out, buf, (size_t)n) == 0)
            ;
        rc = n == 0 && fsync(out) == 0 ? 0 : -1;
        if (close(out) < 0)
            rc = -1;
        if (rc == 0 && rename(tmp, to) < 0)
            rc = -1;
    }
    err = errno;
    if (rc < 0 && out >= 0)
        unlink(tmp);
    if (in >= 0)
        close(in);
    free(tmp);
    errno = err;
    return rc;
}

/* fsync by name.  A missing file is left to the caller's rename to report;
 * a file system without fsync (EINVAL) is taken as it is. */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC | O_NOCTTY), rc;

    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    rc = fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
    close(fd);
    return rc;
}

/* Makes the directory entry of 'path' durable. */
static int sync_parent(const char *path)
{
    char *dir = dir_of(path, '/');
    int rc;

    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    rc = sync_path(*dir ? dir : "/", O_RDONLY | O_DIRECTORY);
    free(dir);
    return rc;
}

/* Moves 'from' to 'to'; a missing 'from' gives an empty 'to' when allowed.
 * Durable when it returns: the engine leaves download data in the page
 * cache (service/download.c), so the data goes to disk before the rename
 * and the new name before the job may be saved as ACKNOWLEDGED. */
static int32_t move_into_place(const char *from, const char *to, int empty_if_missing)
{
    int fd;

    if (sync_path(from, O_RDONLY) < 0)
        return hr_from_errno(errno);
    if (rename(from, to) == 0)
        return sync_parent(to) < 0 ? hr_from_errno(errno) : S_OK;
    if (errno == EXDEV) {
        if (copy_file(from, to) < 0 || sync_parent(to) < 0)
            return hr_from_errno(errno);
        unlink(from);
        return S_OK;
    }
    if (errno != ENOENT || !empty_if_missing)
        return hr_from_errno(errno);
    fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return hr_from_errno(errno);
    close(fd);
    return sync_parent(to) < 0 ? hr_from_errno(errno) : S_OK;
}

/* A Complete that moved the reply and was killed before it saved the new
 * state: the reply is already in place, and moving "nothing" again would
 * empty it. */
static int reply_already_moved(const struct job *job, const char *temp)
{
    struct stat st;

    if (stat(temp, &st) == 0 || errno != ENOENT)
        return 0;
    return job->j.ck.reply_total != BP_SIZE_UNKNOWN && stat(job->j.reply_unix, &st) == 0
           && (uint64_t)st.st_size == job->j.ck.reply_total;
}

static int32_t complete_upload(struct bitsd *d, struct job *job)
{
    char *reply;
    int32_t hr;

    if (job->j.state != BP_STATE_TRANSFERRED)
        return BG_E_INVALID_STATE;
    if (job->j.type != BP_JOB_UPLOAD_REPLY)
        return S_OK;
    if (!job->j.reply_unix)
        return E_FAIL;
    reply = job_reply_temp(d, job);
    if (!reply)
        return E_OUTOFMEMORY;
    if (reply_already_moved(job, reply)) {
        free(reply);
        return S_OK;
    }
    /* No reply from the server application: the reply file is empty. */
    hr = move_into_place(reply, job->j.reply_unix, 1);
    free(reply);
    return hr;
}

static int32_t complete_download(struct job *job, int *partial)
{
    struct stat st;
    uint32_t i;
    int32_t hr;

    sched_stop_job(job);
    for (i = 0; i < job->j.nfiles; i++) {
        struct jfile *f = &job->j.files[i];
        if (!f->completed) {
            remove_file(f->temp_path);
            *partial = 1;
            continue;
        }
        /* Already moved by an earlier Complete that failed further on. */
        if (stat(f->temp_path, &st) < 0 && errno == ENOENT && stat(f->local_unix, &st) == 0)
            continue;
        hr = move_into_place(f->temp_path, f->local_unix, f->bytes_total == 0);
        if (hr < 0) {
            log_warn("complete: cannot move %s to %s", f->temp_path, f->local_unix);
            return hr;
        }
    }
    return S_OK;
}

static int32_t action_complete(struct bitsd *d, struct job *job)
{
    struct job_data backup;
    int partial = 0;
    int32_t hr;

    if (job->j.type == BP_JOB_DOWNLOAD)
        hr = complete_download(job, &partial);
    else
        hr = complete_upload(d, job);
    if (hr < 0)
        return hr;
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    job->j.state = BP_STATE_ACKNOWLEDGED;
    job->j.notify_pending = 0;
    hr = commit_change(d, job, &backup);
    if (hr < 0)
        return hr;
    notify_clear(job);
    log_info("job %s completed", job->j.display_name);
    return partial ? BG_S_PARTIAL_COMPLETE : S_OK;
}

static int32_t action_take_ownership(struct bitsd *d, struct job *job, const char *owner)
{
    struct job_data backup;
    int32_t hr;

    if (!owner || !*owner)
        return E_INVALIDARG;
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    if (replace_str(&job->j.owner, owner) < 0) {
        job_data_free(&job->j);
        job->j = backup;
        return E_OUTOFMEMORY;
    }
    free(job->j.notify_program);
    free(job->j.notify_parameters);
    job->j.notify_program = job->j.notify_parameters = NULL;
    /* documented: a new owner does not inherit the custom headers */
    free(job->j.x.custom_headers);
    job->j.x.custom_headers = NULL;
    hr = commit_change(d, job, &backup);
    if (hr >= 0)
        job_clear_creds(job);
    return hr;
}

int32_t jobs_action(struct bitsd *d, const uint8_t id[16], uint32_t action,
                    const char *new_owner)
{
    struct job *job;
    int32_t hr = find_changeable(d, id, &job);

    if (hr < 0)
        return hr;
    switch (action) {
    case BP_ACTION_RESUME: return action_resume(d, job);
    case BP_ACTION_SUSPEND: return action_suspend(d, job);
    case BP_ACTION_CANCEL: return action_cancel(d, job);
    case BP_ACTION_COMPLETE: return action_complete(d, job);
    case BP_ACTION_TAKE_OWNERSHIP: return action_take_ownership(d, job, new_owner);
    default: return E_INVALIDARG;
    }
}

/* ---- GET_REPLY_DATA ---- */

int32_t jobs_reply_data(struct bitsd *d, const uint8_t id[16], uint8_t **data, uint64_t *len)
{
    struct job *job;
    struct stat st;
    char *path;
    int32_t hr = find_job(d, id, &job);
    int fd;

    *data = NULL;
    *len = 0;
    if (hr < 0)
        return hr;
    if (job->j.type != BP_JOB_UPLOAD_REPLY)
        return E_NOTIMPL;
    if (job->j.state != BP_STATE_TRANSFERRED && job->j.state != BP_STATE_ACKNOWLEDGED)
        return BG_E_INVALID_STATE;
    if (job->j.state == BP_STATE_TRANSFERRED)
        path = job_reply_temp(d, job);
    else
        path = job->j.reply_unix ? strdup(job->j.reply_unix) : NULL;
    if (!path)
        return S_OK;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return errno == ENOENT ? S_OK : hr_from_errno(errno);
    if (fstat(fd, &st) < 0) {
        hr = hr_from_errno(errno);
    } else if ((uint64_t)st.st_size > BP_REPLY_DATA_MAX) {
        *len = (uint64_t)st.st_size;
        hr = BG_E_TOO_LARGE;
    } else if (st.st_size > 0) {
        size_t got = 0;
        *data = malloc((size_t)st.st_size);
        if (!*data)
            hr = E_OUTOFMEMORY;
        while (*data && got < (size_t)st.st_size) {
            ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (*data && got != (size_t)st.st_size) {
            free(*data);
            *data = NULL;
            hr = E_FAIL;
        }
        *len = *data ? got : 0;
    }
    close(fd);
    return hr;
}

/* ---- credentials (memory only) ---- */

static int32_t check_auth(uint32_t target, uint32_t scheme)
{
    if (target < BP_AUTH_TARGET_SERVER || target > BP_AUTH_TARGET_PROXY)
        return BG_E_INVALID_AUTH_TARGET;
    if (scheme < BP_AUTH_BASIC || scheme > BP_AUTH_PASSPORT)
        return BG_E_INVALID_AUTH_SCHEME;
    return S_OK;
}

static int32_t touch_and_save(struct bitsd *d, struct job *job)
{
    struct job_data backup;

    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    return commit_change(d, job, &backup);
}

int32_t jobs_set_credentials(struct bitsd *d, const uint8_t id[16], uint32_t target,
                             uint32_t scheme, const char *user, const char *password)
{
    struct job_cred *c, fresh;
    struct job *job;
    int32_t hr = find_changeable(d, id, &job);

    if (hr < 0 || (hr = check_auth(target, scheme)) < 0)
        return hr;
    if ((scheme == BP_AUTH_BASIC || scheme == BP_AUTH_DIGEST) && (!user || !password))
        return E_INVALIDARG;
    if (user && utf16_len(user) > BP_MAX_USERNAME)
        return BG_E_USERNAME_TOO_LARGE;
    if (password && utf16_len(password) > BP_MAX_PASSWORD)
        return BG_E_PASSWORD_TOO_LARGE;
    memset(&fresh, 0, sizeof(fresh));
    fresh.set = 1;
    if ((user && !(fresh.user = strdup(user)))
        || (password && !(fresh.password = strdup(password)))) {
        free(fresh.user);
        free(fresh.password);
        return E_OUTOFMEMORY;
    }
    hr = touch_and_save(d, job);
    c = &job->creds[target - 1][scheme - 1];
    if (hr < 0) {
        free(fresh.user);
        free(fresh.password);
        return hr;
    }
    free(c->user);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    free(c->password);
    *c = fresh;
    return S_OK;
}

int32_t jobs_remove_credentials(struct bitsd *d, const uint8_t id[16], uint32_t target,
                                uint32_t scheme)
{
    struct job_cred *c;
    struct job *job;
    int32_t hr = find_changeable(d, id, &job);

    if (hr < 0 || (hr = check_auth(target, scheme)) < 0)
        return hr;
    hr = touch_and_save(d, job);
    if (hr < 0)
        return hr;
    c = &job->creds[target - 1][scheme - 1];
    free(c->user);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    free(c->password);
    memset(c, 0, sizeof(*c));
    return S_OK;
}
