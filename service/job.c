/* One job in memory: allocation, deep copies (for roll-back after a failed
 * store write), progress totals and the wire description (struct bp_job_info). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitsd.h"

/* 100 ns intervals between 1601-01-01 and 1970-01-01 */
#define FILETIME_UNIX_EPOCH 116444736000000000ULL

uint64_t filetime_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) / 100
           + FILETIME_UNIX_EPOCH;
}

int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Windows limits count UTF-16 code units: characters outside the BMP
 * (4-byte UTF-8 sequences) take two. */
size_t utf16_len(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        n += *p >= 0xF0 ? 2 : 1;
    }
    return n;
}

int job_is_final(const struct job *job)
{
    return job->j.state == BP_STATE_ACKNOWLEDGED || job->j.state == BP_STATE_CANCELLED;
}

void ckpt_reset(struct job_data *jd, uint32_t file)
{
    xfer_saved_clear(&jd->ck);
    jd->ck_file = file;
}

struct job *job_new(void)
{
    struct job *job = calloc(1, sizeof(*job));

    if (job) {
        ckpt_reset(&job->j, 0);
        job->notify_pid = -1;
        job->aux_pid = -1;
    }
    return job;
}

static void jfile_free(struct jfile *f)
{
    free(f->remote);
    free(f->local_win);
    free(f->local_unix);
    free(f->temp_path);
    jfile_newer_free(f);
}

void job_data_free(struct job_data *jd)
{
    uint32_t i;

    free(jd->display_name);
    free(jd->description);
    free(jd->owner);
    free(jd->notify_program);
    free(jd->notify_parameters);
    free(jd->reply_win);
    free(jd->reply_unix);
    free(jd->proxy_list);
    free(jd->proxy_bypass);
    job_newer_free(&jd->x);
    for (i = 0; i < jd->nfiles; i++)
        jfile_free(&jd->files[i]);
    free(jd->files);
    ckpt_reset(jd, 0);
    memset(jd, 0, sizeof(*jd));
}

void job_clear_creds(struct job *job)
{
    int t, s;

    for (t = 0; t < CRED_TARGETS; t++) {
        for (s = 0; s < CRED_SCHEMES; s++) {
            struct job_cred *c = &job->creds[t][s];
            if (c->password)
                memset(c->password, 0, strlen(c->password));
            free(c->user);
            free(c->password);
            memset(c, 0, sizeof(*c));
        }
    }
    job_clear_client_key(job);
}

void job_free(struct job *job)
{
    if (!job)
        return;
    job_data_free(&job->j);
    job_clear_creds(job);
    free(job->file_events);
    free(job->cert_asked);
    free(job);
}

/* strdup that tells a NULL source apart from a failed copy */
static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int job_data_copy(struct job_data *dst, const struct job_data *src)
{
    int bad = 0;
    uint32_t i;

    *dst = *src;
    dst->files = NULL;
    dst->nfiles = 0;
    bad |= dup_str(&dst->display_name, src->display_name);
    bad |= dup_str(&dst->description, src->description);
    bad |= dup_str(&dst->owner, src->owner);
    bad |= dup_str(&dst->notify_program, src->notify_program);
    bad |= dup_str(&dst->notify_parameters, src->notify_parameters);
    bad |= dup_str(&dst->reply_win, src->reply_win);
    bad |= dup_str(&dst->reply_unix, src->reply_unix);
    bad |= dup_str(&dst->proxy_list, src->proxy_list);
    bad |= dup_str(&dst->proxy_bypass, src->proxy_bypass);
    bad |= dup_str(&dst->ck.session_id, src->ck.session_id);
    bad |= dup_str(&dst->ck.host_id, src->ck.host_id);
    bad |= dup_str(&dst->ck.reply_url, src->ck.reply_url);
    bad |= dup_str(&dst->ck.validator, src->ck.validator);
    bad |= job_newer_copy(&dst->x, &src->x);
    if (src->nfiles) {
        dst->files = calloc(src->nfiles, sizeof(*dst->files));
        if (!dst->files)
            bad = 1;
        else
            dst->nfiles = src->nfiles;
        for (i = 0; dst->files && i < src->nfiles; i++) {
            struct jfile *d = &dst->files[i];
            const struct jfile *s = &src->files[i];
            *d = *s;
            bad |= dup_str(&d->remote, s->remote);
            bad |= dup_str(&d->local_win, s->local_win);
            bad |= dup_str(&d->local_unix, s->local_unix);
            bad |= dup_str(&d->temp_path, s->temp_path);
            bad |= jfile_newer_copy(d, s);
        }
    }
    if (bad) {
        job_data_free(dst);
        return -1;
    }
    return 0;
}

void job_progress(const struct job *job, uint64_t *total, uint64_t *done, uint32_t *files_done)
{
    uint64_t t = 0, d = 0;
    uint32_t i, n = 0;

    for (i = 0; i < job->j.nfiles; i++) {
        const struct jfile *f = &job->j.files[i];
        if (f->bytes_total == BP_SIZE_UNKNOWN)
            t = BP_SIZE_UNKNOWN;
        else if (t != BP_SIZE_UNKNOWN)
            t += f->bytes_total;
        d += f->bytes_transferred;
        n += f->completed ? 1 : 0;
    }
    *total = t;
    *done = d;
    *files_done = n;
}

static char *copy_or_null(const char *s, int *bad)
{
    char *c;

    if (dup_str(&c, s) < 0)
        *bad = 1;
    return c;
}

int job_fill_info(const struct job *job, struct bp_job_info *info)
{
    const struct job_data *j = &job->j;
    uint32_t i;
    int bad = 0;

    memset(info, 0, sizeof(*info));
    memcpy(info->id, j->id, 16);
    info->type = j->type;
    info->state = j->state;
    info->priority = j->priority;
    info->display_name = copy_or_null(j->display_name, &bad);
    info->description = copy_or_null(j->description, &bad);
    info->owner = copy_or_null(j->owner, &bad);
    job_progress(job, &info->bytes_total, &info->bytes_transferred, &info->files_transferred);
    info->files_total = j->nfiles;
    info->creation_time = j->ctime;
    info->modification_time = j->mtime;
    info->transfer_completion_time = j->completion_time;
    info->notify_flags = j->notify_flags;
    info->notify_program = copy_or_null(j->notify_program, &bad);
    info->notify_parameters = copy_or_null(j->notify_parameters, &bad);
    info->min_retry_delay = j->min_retry_delay;
    info->no_progress_timeout = j->no_progress_timeout;
    info->error_count = j->error_count;
    info->error_context = j->error_context;
    info->error_code = j->error_code;
    info->error_file = j->error_file;
    if (j->type == BP_JOB_UPLOAD_REPLY) {
        info->reply_bytes_total = j->ck.reply_total;
        info->reply_bytes_transferred = j->ck.reply_received;
    } else {
        info->reply_bytes_total = BP_SIZE_UNKNOWN;
        info->reply_bytes_transferred = 0;
    }
    info->reply_file_name = copy_or_null(j->reply_win, &bad);
    info->proxy_usage = j->proxy_usage;
    info->proxy_list = copy_or_null(j->proxy_list, &bad);
    info->proxy_bypass = copy_or_null(j->proxy_bypass, &bad);
    info->files = calloc(j->nfiles ? j->nfiles : 1, sizeof(*info->files));
    if (!info->files)
        bad = 1;
    for (i = 0; info->files && i < j->nfiles; i++) {
        struct bp_file_info *f = &info->files[i];
        f->remote_name = copy_or_null(j->files[i].remote, &bad);
        f->local_name = copy_or_null(j->files[i].local_win, &bad);
        f->bytes_total = j->files[i].bytes_total;
        f->bytes_transferred = j->files[i].bytes_transferred;
        f->completed = j->files[i].completed ? 1 : 0;
        info->file_count = i + 1;
    }
    job_newer_fill_info(job, info, &bad);
    if (bad) {
        bp_job_info_free(info);
        return -1;
    }
    return 0;
}

char *job_reply_temp(const struct bitsd *d, const struct job *job)
{
    char name[39];

    bp_guid_format(job->j.id, name);
    return path_join(d->replies, name);
}

/* Directory part of 'path' (without the trailing separator); "" for none. */
char *dir_of(const char *path, char sep)
{
    const char *slash = strrchr(path, sep);
    size_t n = slash ? (size_t)(slash - path) : 0;
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

/* File name part of a Windows or Unix path. */
const char *base_of(const char *path)
{
    const char *b = path, *p;

    for (p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    return b;
}
