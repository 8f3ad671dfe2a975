/*
 * The properties of the newer BITS interfaces: IBackgroundCopyJob3
 * (ReplaceRemotePrefix, AddFileWithRanges, file ACL flags), Job4 (peer
 * caching, maximum download time), Job5 (SetProperty), JobHttpOptions
 * (custom headers, security flags, client certificate) and File2/3/5
 * (SetRemoteName, validation state, response headers).
 *
 * They follow the pattern of jobs.c: copy the job, change it, save it,
 * put the copy back when the save fails.
 *
 * Choices where the documents leave room (reference/BITS.md B.7):
 *  - Job5 properties without an effect here (COST_FLAGS, HIGH_PERFORMANCE,
 *    USE_STORED_CREDENTIALS, ON_DEMAND_MODE) are validated and stored.
 *  - Unknown BITS_JOB_PROPERTY_ID: BG_E_UNKNOWN_PROPERTY_ID.
 *  - MaxRangesPerFile has no policy here: BP_MAX_RANGES_PER_FILE.
 *  - SetHttpMethod: only download jobs take another verb (the engine
 *    speaks only the BITS upload protocol), and only a valid HTTP token
 *    (it goes into the request line).  Passing the type's default verb
 *    puts the default back and leaves the priority alone.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bitsd.h"

#define FILE_ACL_VALID          0xFu    /* BG_COPY_FILE_ALL */
#define PEERCACHING_VALID       0x7u    /* CLIENT | SERVER | DISABLE_BRANCH_CACHE */
#define SSL_FLAGS_VALID         0x1Fu   /* BG_SSL_* */
#define REDIRECT_POLICY_MASK    0x700u
#define REDIRECT_HTTPS_TO_HTTP  0x800u
#define CERT_LOCATION_MAX       7u      /* BG_CERT_STORE_LOCATION_LOCAL_MACHINE_ENTERPRISE */
#define COST_STATE_ALWAYS       0x800000FFu
#define TARGET_PROXY            2u

static int dup_or_null(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

static int replace(char **dst, const char *src)
{
    char *c;

    if (dup_or_null(&c, src) < 0)
        return -1;
    free(*dst);
    *dst = c;
    return 0;
}

/* ---- remote names ---- */

static int has_prefix(const char *s, const char *prefix)
{
    return !strncasecmp(s, prefix, strlen(prefix));
}

/* What AddFile accepts for a download (jobs.c check_remote). */
static int32_t check_download_url(const char *url)
{
    if (!url || !*url || utf16_len(url) > BP_MAX_URL)
        return E_INVALIDARG;
    if ((has_prefix(url, "http://") && url[7]) || (has_prefix(url, "https://") && url[8])
        || (has_prefix(url, "file://") && url[7]) || !strncmp(url, "\\\\", 2))
        return S_OK;
    return E_INVALIDARG;
}

/* A running transfer of this file goes on from its checkpoint with the new
 * name: the engine sends If-Range with the saved validator, so a changed
 * remote file restarts from 0 as documented. */
static void restart_if_current(struct job *job, uint32_t index)
{
    if (job->xfer && job->cur_file == index)
        sched_stop_job(job);
}

static int32_t replace_prefix(struct job *job, const char *old, const char *new)
{
    size_t n;
    uint32_t i, matched = 0;

    if (!old || !new || !*old || !*new)
        return E_INVALIDARG;
    n = strlen(old);
    for (i = 0; i < job->j.nfiles; i++) {
        struct jfile *f = &job->j.files[i];
        char *url;

        /* case-sensitive, no locale (documented) */
        if (strncmp(f->remote, old, n))
            continue;
        if (asprintf(&url, "%s%s", new, f->remote + n) < 0)
            return E_OUTOFMEMORY;
        if (check_download_url(url) < 0) {
            free(url);
            return E_INVALIDARG;
        }
        free(f->remote);
        f->remote = url;
        matched++;
    }
    return matched ? S_OK : S_FALSE;
}

/* ---- ranges ---- */

static int cmp_range(const void *a, const void *b)
{
    const struct bp_range *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int32_t ranges_check(const struct bp_range *ranges, uint32_t count)
{
    struct bp_range *sorted;
    int32_t hr = S_OK;
    uint32_t i;

    if (!count || !ranges)
        return E_INVALIDARG;
    if (count > BP_MAX_RANGES_PER_FILE)
        return BG_E_TOO_MANY_RANGES_IN_FILE;
    for (i = 0; i < count; i++) {
        if (ranges[i].offset == BP_LENGTH_TO_EOF || !ranges[i].length)
            return BG_E_INVALID_RANGE;
        if (ranges[i].length != BP_LENGTH_TO_EOF
            && ranges[i].offset + ranges[i].length < ranges[i].offset)
            return BG_E_INVALID_RANGE;
    }
    /* Overlap is judged in offset order (the documents' example: "100.5"
     * then "100.0" overlap although given in that order). */
    sorted = malloc(count * sizeof(*sorted));
    if (!sorted)
        return E_OUTOFMEMORY;
    memcpy(sorted, ranges, count * sizeof(*sorted));
    qsort(sorted, count, sizeof(*sorted), cmp_range);
    for (i = 1; i < count && hr >= 0; i++) {
        const struct bp_range *prev = &sorted[i - 1];
        if (prev->length == BP_LENGTH_TO_EOF || prev->offset + prev->length > sorted[i].offset)
            hr = BG_E_OVERLAPPING_RANGES;
        else if (prev->offset == sorted[i].offset)
            hr = BG_E_OVERLAPPING_RANGES;
    }
    free(sorted);
    return hr;
}

int32_t jobs_add_file_ranges(struct bitsd *d, const uint8_t id[16], const char *remote,
                             const char *local_win, const char *local_unix,
                             const struct bp_range *ranges, uint32_t count)
{
    struct job *job = jobs_find(d, id);
    struct jfile *f;
    uint32_t k;
    int32_t hr;

    if (!job)
        return BG_E_NOT_FOUND;
    if (job->j.type != BP_JOB_DOWNLOAD)
        return E_NOTIMPL;
    if (!count)
        return E_INVALIDARG;
    if ((hr = ranges_check(ranges, count)) < 0)
        return hr;
    hr = jobs_add_file(d, id, remote, local_win, local_unix);
    if (hr < 0)
        return hr;
    /* AddFile saved the file; its ranges are one more save. */
    f = &job->j.files[job->j.nfiles - 1];
    f->ranges = malloc(count * sizeof(*f->ranges));
    if (!f->ranges)
        return E_OUTOFMEMORY;
    memcpy(f->ranges, ranges, count * sizeof(*f->ranges));
    f->nranges = count;
    f->bytes_total = 0;
    for (k = 0; k < count && f->bytes_total != BP_SIZE_UNKNOWN; k++)
        f->bytes_total = ranges[k].length == BP_LENGTH_TO_EOF ? BP_SIZE_UNKNOWN
                                                              : f->bytes_total + ranges[k].length;
    hr = store_save_job(d->store, &job->j);
    if (hr < 0) {
        /* Without its ranges the file must not stay: a whole-file download
         * is not what was asked for.  The job was saved with it, so take
         * it out again and save once more. */
        jfile_newer_free(f);
        free(f->remote);
        free(f->local_win);
        free(f->local_unix);
        free(f->temp_path);
        job->j.nfiles--;
        store_save_job(d->store, &job->j);
    }
    return hr;
}

/* ---- job properties ---- */

static int32_t set_security_flags(struct job_newer *x, uint32_t flags)
{
    uint32_t policy = flags & REDIRECT_POLICY_MASK;

    if (flags & ~(SSL_FLAGS_VALID | REDIRECT_POLICY_MASK | REDIRECT_HTTPS_TO_HTTP))
        return E_INVALIDARG;
    if (policy > 0x200u)
        return E_INVALIDARG;
    x->security_flags = flags;
    return S_OK;
}

static int32_t set_custom_headers(struct job_newer *x, const char *headers)
{
    if (headers && utf16_len(headers) > BP_MAX_CUSTOM_HEADERS)
        return BG_E_STRING_TOO_LONG;
    return replace(&x->custom_headers, headers && *headers ? headers : NULL) < 0
           ? E_OUTOFMEMORY : S_OK;
}

static int32_t set_client_cert(struct job_newer *x, const struct job_set *set)
{
    if (!set->sub) {
        free(x->cert_store);
        free(x->cert_subject);
        x->cert_store = x->cert_subject = NULL;
        x->cert_set = x->cert_location = x->cert_has_hash = 0;
        memset(x->cert_hash, 0, sizeof(x->cert_hash));
        return S_OK;
    }
    if (set->u32 > CERT_LOCATION_MAX || !set->s1 || !*set->s1)
        return E_INVALIDARG;
    if (set->bytes ? set->bytes_len != BP_CERT_HASH_LEN || set->s2 : !set->s2 || !*set->s2)
        return E_INVALIDARG;
    if (replace(&x->cert_store, set->s1) < 0 || replace(&x->cert_subject, set->s2) < 0)
        return E_OUTOFMEMORY;
    x->cert_set = 1;
    x->cert_location = set->u32;
    x->cert_has_hash = set->bytes != NULL;
    memset(x->cert_hash, 0, sizeof(x->cert_hash));
    if (set->bytes)
        memcpy(x->cert_hash, set->bytes, BP_CERT_HASH_LEN);
    return S_OK;
}

static int is_bool(uint32_t v)
{
    return v == 0 || v == 1;
}

/* Has the job ever been queued (left SUSPENDED after creation)? */
static int was_resumed(const struct job *job)
{
    return job->j.state != BP_STATE_SUSPENDED || job->j.error_count
           || job->j.completion_time;
}

static const char *default_method(const struct job *job)
{
    return job->j.type == BP_JOB_DOWNLOAD ? "GET" : "BITS_POST";
}

/* RFC 9110 token: what may stand as the method of a request line. */
static int is_http_token(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
              || strchr(extra, *s)))
            return 0;
    return 1;
}

/* IBackgroundCopyJobHttpOptions2::SetHttpMethod.  Another verb than the
 * default makes the job FOREGROUND for good (documented), and its files
 * are fetched like dynamic content: no size pass, no Range, a failure is
 * final and Resume starts the file again (sched.c). */
static int32_t set_http_method(struct job *job, const char *method)
{
    struct job_newer *x = &job->j.x;

    if (method && !is_http_token(method))
        return E_INVALIDARG;
    if (!method || !strcmp(method, default_method(job))) {
        if (x->http_method && was_resumed(job))
            return BG_E_READ_ONLY_PROPERTY_AFTER_RESUME;
        free(x->http_method);
        x->http_method = NULL;
        return S_OK;
    }
    if (job->j.type != BP_JOB_DOWNLOAD)
        return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
    if (was_resumed(job))
        return BG_E_READ_ONLY_PROPERTY_AFTER_RESUME;
    if (x->dynamic_content || x->on_demand)
        return BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD;
    if (replace(&x->http_method, method) < 0)
        return E_OUTOFMEMORY;
    job->j.priority = BP_PRIORITY_FOREGROUND;
    return S_OK;
}

/* Dynamic content and on-demand mode shape how a download's files are
 * fetched, so they are fixed once files exist, and exclude a custom verb. */
static int32_t set_fetch_mode(struct job *job, uint32_t value, uint32_t *mode)
{
    if (job->j.type != BP_JOB_DOWNLOAD)
        return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
    if (!is_bool(value))
        return E_INVALIDARG;
    if (job->j.nfiles)
        return BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE;
    if (value && job->j.x.http_method)
        return BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD;
    *mode = value;
    return S_OK;
}

static int32_t set_job5(struct job *job, const struct job_set *set)
{
    struct job_newer *x = &job->j.x;
    int download = job->j.type == BP_JOB_DOWNLOAD;

    switch (set->sub) {
    case BP_JOB5_COST_FLAGS:
        x->cost_flags = set->u32;
        return S_OK;
    case BP_JOB5_NOTIFICATION_CLSID:
        memcpy(x->notification_clsid, set->guid, 16);
        return S_OK;
    case BP_JOB5_DYNAMIC_CONTENT:
        /* no size needed and no Range requests */
        return set_fetch_mode(job, set->u32, &x->dynamic_content);
    case BP_JOB5_HIGH_PERFORMANCE:
        if (!download)
            return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
        if (!is_bool(set->u32))
            return E_INVALIDARG;
        if (was_resumed(job))
            return BG_E_READ_ONLY_PROPERTY_AFTER_RESUME;
        x->high_performance = set->u32;
        return S_OK;
    case BP_JOB5_MAX_DOWNLOAD_SIZE:
        if (!download)
            return BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY;
        if (was_resumed(job))
            return BG_E_READ_ONLY_PROPERTY_AFTER_RESUME;
        x->max_download_size = set->u64;
        return S_OK;
    case BP_JOB5_USE_STORED_CREDENTIALS:
        /* a BG_AUTH_TARGET; there is no Windows credential vault behind us,
         * the value is kept for GetProperty */
        if (set->u32 > TARGET_PROXY)
            return E_INVALIDARG;
        x->use_stored_credentials = set->u32;
        return S_OK;
    case BP_JOB5_MIN_NOTIFICATION_INTERVAL:
        x->min_notification_interval = set->u32;
        return S_OK;
    case BP_JOB5_ON_DEMAND_MODE:
        return set_fetch_mode(job, set->u32, &x->on_demand);
    default:
        return BG_E_UNKNOWN_PROPERTY_ID;
    }
}

int32_t jobs_newer_apply(struct bitsd *d, struct job *job, const struct job_set *set)
{
    struct job_newer *x = &job->j.x;
    int32_t hr;
    uint32_t i;

    (void)d;
    switch (set->prop) {
    case BP_PROP_REMOTE_PREFIX:
        hr = replace_prefix(job, set->s1, set->s2);
        if (hr == S_OK)
            for (i = 0; i < job->j.nfiles; i++)
                restart_if_current(job, i);
        return hr;
    case BP_PROP_FILE_ACL_FLAGS:
        if (set->u32 & ~FILE_ACL_VALID)
            return E_INVALIDARG;
        x->file_acl_flags = set->u32;
        return S_OK;
    case BP_PROP_PEER_CACHING:
        if (set->u32 & ~PEERCACHING_VALID)
            return E_INVALIDARG;
        x->peer_caching_flags = set->u32;
        return S_OK;
    case BP_PROP_MAX_DOWNLOAD_TIME:
        x->max_download_time = set->u32;
        return S_OK;
    case BP_PROP_CUSTOM_HEADERS:
        return set_custom_headers(x, set->s1);
    case BP_PROP_SECURITY_FLAGS:
        return set_security_flags(x, set->u32);
    case BP_PROP_CLIENT_CERT:
        return set_client_cert(x, set);
    case BP_PROP_JOB5:
        return set_job5(job, set);
    case BP_PROP_HTTP_METHOD:
        return set_http_method(job, set->s1);
    case BP_PROP_HEADERS_WRITE_ONLY:
        x->headers_write_only = 1;      /* documented: cannot be undone */
        return S_OK;
    case BP_PROP_CERT_VALIDATION:
        /* qmgr checked the state (BG_E_READ_ONLY_WHEN_JOB_ACTIVE) */
        x->cert_validation = set->u32 != 0;
        return S_OK;
    default:
        return E_INVALIDARG;
    }
}

/* ---- files ---- */

int32_t jobs_file_set(struct bitsd *d, const uint8_t id[16], uint32_t index, uint32_t prop,
                      uint32_t u32, const char *s)
{
    struct job_data backup;
    struct job *job = jobs_find(d, id);
    struct jfile *f;
    int32_t hr = S_OK;
    char *url;

    if (!job)
        return BG_E_NOT_FOUND;
    if (index >= job->j.nfiles)
        return BG_E_FILE_NOT_AVAILABLE;
    if (prop == BP_FILE_PROP_REMOTE_NAME && job->j.type != BP_JOB_DOWNLOAD)
        return E_NOTIMPL;
    if (job_is_final(job))
        return BG_E_INVALID_STATE;
    f = &job->j.files[index];
    switch (prop) {
    case BP_FILE_PROP_REMOTE_NAME:
        if ((hr = check_download_url(s)) < 0)
            return hr;
        break;
    case BP_FILE_PROP_VALIDATION_STATE:
        /* Only a transferred file can be validated (File3 docs). */
        if (!f->completed)
            return BG_E_INVALID_STATE;
        break;
    default:
        return E_INVALIDARG;
    }
    if (job_data_copy(&backup, &job->j) < 0)
        return E_OUTOFMEMORY;
    f = &job->j.files[index];
    if (prop == BP_FILE_PROP_REMOTE_NAME) {
        if (!(url = strdup(s))) {
            job_data_free(&backup);
            return E_OUTOFMEMORY;
        }
        free(f->remote);
        f->remote = url;
    } else {
        f->validation_state = u32 ? 1 : 0;
    }
    jobs_touch(job);
    hr = jobs_commit(d, job, &backup);
    if (hr < 0)
        return hr;
    notify_modified(job);
    if (prop == BP_FILE_PROP_REMOTE_NAME)
        restart_if_current(job, index);
    return S_OK;
}

int32_t jobs_file_get(struct bitsd *d, const uint8_t id[16], uint32_t index, uint32_t prop,
                      char **s)
{
    struct job *job = jobs_find(d, id);

    *s = NULL;
    if (!job)
        return BG_E_NOT_FOUND;
    if (index >= job->j.nfiles)
        return BG_E_FILE_NOT_AVAILABLE;
    if (prop != BP_FILE_PROP_RESPONSE_HEADERS)
        return E_INVALIDARG;
    return dup_or_null(s, job->j.files[index].response_headers) < 0 ? E_OUTOFMEMORY : S_OK;
}
