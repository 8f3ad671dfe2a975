/*
 * Memory side of the newer interfaces' job properties (struct job_newer,
 * a file's ranges, validation state and response headers): defaults,
 * copies for roll-back, and the wire description.  Kept apart from
 * jobs_newer.c so the store and its tests need nothing of the scheduler.
 */
#include <stdlib.h>
#include <string.h>

#include "bitsd.h"

#define COST_STATE_ALWAYS       0x800000FFu

static int dup_or_null(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

/* ---- memory ---- */

void job_newer_defaults(struct job_newer *x)
{
    memset(x, 0, sizeof(*x));
    x->max_download_time = BP_DEFAULT_MAX_DOWNLOAD_TIME;
    x->cost_flags = COST_STATE_ALWAYS;
}

void job_newer_free(struct job_newer *x)
{
    free(x->custom_headers);
    free(x->cert_store);
    free(x->cert_subject);
    free(x->http_method);
    x->custom_headers = x->cert_store = x->cert_subject = x->http_method = NULL;
}

/* 'dst' may be a shallow copy of 'src': its pointers are replaced, never freed. */
int job_newer_copy(struct job_newer *dst, const struct job_newer *src)
{
    int bad = 0;

    *dst = *src;
    bad |= dup_or_null(&dst->custom_headers, src->custom_headers);
    bad |= dup_or_null(&dst->cert_store, src->cert_store);
    bad |= dup_or_null(&dst->cert_subject, src->cert_subject);
    bad |= dup_or_null(&dst->http_method, src->http_method);
    return bad ? -1 : 0;
}

void jfile_newer_free(struct jfile *f)
{
    free(f->ranges);
    free(f->response_headers);
    f->ranges = NULL;
    f->nranges = 0;
    f->response_headers = NULL;
}

int jfile_newer_copy(struct jfile *dst, const struct jfile *src)
{
    int bad = dup_or_null(&dst->response_headers, src->response_headers);

    dst->ranges = NULL;
    dst->nranges = 0;
    if (src->nranges) {
        dst->ranges = malloc(src->nranges * sizeof(*dst->ranges));
        if (!dst->ranges)
            return -1;
        memcpy(dst->ranges, src->ranges, src->nranges * sizeof(*dst->ranges));
        dst->nranges = src->nranges;
    }
    return bad ? -1 : 0;
}

static char *info_copy(const char *s, int *bad)
{
    char *c;

    if (dup_or_null(&c, s) < 0)
        *bad = 1;
    return c;
}

void job_newer_fill_info(const struct job *job, struct bp_job_info *info, int *bad)
{
    const struct job_newer *x = &job->j.x;
    uint32_t i;

    info->file_acl_flags = x->file_acl_flags;
    info->peer_caching_flags = x->peer_caching_flags;
    info->max_download_time = x->max_download_time;
    /* write-only headers never leave bitsd again (MakeCustomHeadersWriteOnly) */
    info->custom_headers = x->headers_write_only ? NULL : info_copy(x->custom_headers, bad);
    info->headers_write_only = x->headers_write_only;
    info->http_method = info_copy(x->http_method, bad);
    info->security_flags = x->security_flags;
    info->cert_set = x->cert_set;
    info->cert_location = x->cert_location;
    info->cert_store = info_copy(x->cert_store, bad);
    info->cert_has_hash = x->cert_has_hash;
    memcpy(info->cert_hash, x->cert_hash, 20);
    info->cert_subject = info_copy(x->cert_subject, bad);
    info->cost_flags = x->cost_flags;
    memcpy(info->notification_clsid, x->notification_clsid, 16);
    info->dynamic_content = x->dynamic_content;
    info->high_performance = x->high_performance;
    info->max_download_size = x->max_download_size;
    info->use_stored_credentials = x->use_stored_credentials;
    info->min_notification_interval = x->min_notification_interval;
    info->on_demand = x->on_demand;
    for (i = 0; info->files && i < info->file_count; i++) {
        const struct jfile *f = &job->j.files[i];
        struct bp_file_info *o = &info->files[i];

        o->temp_name = info_copy(f->temp_path, bad);
        o->validation_state = f->validation_state;
        if (f->nranges) {
            o->ranges = malloc(f->nranges * sizeof(*o->ranges));
            if (!o->ranges) {
                *bad = 1;
                continue;
            }
            memcpy(o->ranges, f->ranges, f->nranges * sizeof(*o->ranges));
            o->range_count = f->nranges;
        }
    }
}

