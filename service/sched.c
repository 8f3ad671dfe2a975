/*
 * The scheduler: which queued jobs run, what the engine's callbacks do to a
 * job, and the timers (retry after a transient error, no-progress timeout,
 * time slices, Cancel-Session re-sends).
 *
 * Foreground jobs all run at once.  Background jobs run MAX_BACKGROUND at a
 * time, highest priority first; jobs of one priority take turns in slices of
 * SLICE_MS (the one that ran longest ago goes next).  The files of a download
 * job are transferred one after the other, one engine transfer per file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bitsd.h"
#include "kerberos.h"

#define MAX_BACKGROUND 1
#define SLICE_MS (5 * 60 * 1000)
#define CLOCK_SAVE_MS 10000
#define E_NOT_SUPPORTED BP_HR(0x80070032)   /* HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED) */

static int is_running(const struct job *job)
{
    return job->j.state == BP_STATE_CONNECTING || job->j.state == BP_STATE_TRANSFERRING;
}

static int is_background(const struct job *job)
{
    return job->j.priority != BP_PRIORITY_FOREGROUND;
}

/* Saves a change the engine caused; there is nobody to return an error to. */
static void persist(struct job *job)
{
    if (store_save_job(job->d->store, &job->j) < 0)
        log_warn("job %s: state %u not saved", job->j.display_name, job->j.state);
}

/* ---- engine callbacks ---- */

static int cb_checkpoint(void *ctx, const struct xfer_checkpoint *cp)
{
    struct job *job = ctx;
    struct jfile *f = &job->j.files[job->cur_file];

    job->j.ck_file = job->cur_file;
    if (xfer_saved_assign(&job->j.ck, cp) < 0) {
        job->ckpt_failed = 1;
        return -1;
    }
    if (cp->total != BP_SIZE_UNKNOWN)
        f->bytes_total = cp->total;
    f->bytes_transferred = cp->acked;
    /* ModificationTime also moves when bytes move (JobInactivityTimeout) */
    job->j.mtime = filetime_now();
    if (store_save_job(job->d->store, &job->j) < 0) {
        job->ckpt_failed = 1;
        return -1;
    }
    return 0;
}

static void cb_progress(void *ctx, uint64_t transferred, uint64_t total,
                        uint64_t reply_received, uint64_t reply_total)
{
    struct job *job = ctx;
    struct jfile *f = &job->j.files[job->cur_file];
    int moved = transferred > f->bytes_transferred || reply_received > job->j.ck.reply_received;

    f->bytes_transferred = transferred;
    if (total != BP_SIZE_UNKNOWN)
        f->bytes_total = total;
    if (job->j.type == BP_JOB_UPLOAD_REPLY) {
        job->j.ck.reply_received = reply_received;
        job->j.ck.reply_total = reply_total;
    }
    if (!moved)
        return;
    job->progress_ms = mono_ms();
    if (job->j.state == BP_STATE_CONNECTING)
        job->j.state = BP_STATE_TRANSFERRING;
    notify_modified(job);
}

static void file_done(struct job *job)
{
    struct jfile *f = &job->j.files[job->cur_file];
    uint32_t i, done = job->cur_file;

    f->completed = 1;
    if (f->bytes_total == BP_SIZE_UNKNOWN)
        f->bytes_total = f->bytes_transferred;
    f->bytes_transferred = f->bytes_total;
    job->progress_ms = mono_ms();
    for (i = 0; i < job->j.nfiles && job->j.files[i].completed; i++)
        ;
    if (i < job->j.nfiles) {
        /* next file of a download: its own checkpoint */
        ckpt_reset(&job->j, i);
        job->cur_file = i;
        job->next_file = 1;
        persist(job);
        notify_file(job, done);
        return;
    }
    job->j.state = BP_STATE_TRANSFERRED;
    job->j.completion_time = job->j.mtime = filetime_now();
    persist(job);
    log_info("job %s transferred", job->j.display_name);
    notify_file(job, done);
    notify_state_event(job, BP_EVENT_TRANSFERRED);
}

static void transfer_error(struct job *job, int32_t hr, int context, int transient)
{
    int64_t now = mono_ms();
    int64_t limit = (int64_t)job->j.no_progress_timeout * 1000;

    job->j.error_count++;
    job->j.error_code = hr;
    job->j.error_context = (uint32_t)(context ? context : BP_CONTEXT_UNKNOWN);
    job->j.error_file = job->cur_file;
    job->j.mtime = filetime_now();
    /* A job with its own HTTP verb is never retried by itself (documented:
     * the error is an ERROR, Resume starts the file again). */
    if (job->j.x.http_method)
        transient = 0;
    /* A retry is only worth it while the no-progress timeout has not run out
     * (0: the first error is final; a retry delay above it: no retry). */
    if (transient && limit > 0 && (int64_t)job->j.min_retry_delay * 1000 <= limit
        && now - job->progress_ms < limit) {
        job->j.state = BP_STATE_TRANSIENT_ERROR;
        job->retry_at_ms = now + (int64_t)job->j.min_retry_delay * 1000;
        persist(job);
        log_info("job %s: transient error 0x%08x, retry in %u s", job->j.display_name,
                 (unsigned)hr, job->j.min_retry_delay);
        notify_modified(job);
        return;
    }
    job->j.state = BP_STATE_ERROR;
    persist(job);
    log_info("job %s: error 0x%08x (context %d)", job->j.display_name, (unsigned)hr, context);
    notify_state_event(job, BP_EVENT_ERROR);
}

static void cb_finished(void *ctx, const struct xfer_result *res)
{
    struct job *job = ctx;

    job->xfer = NULL;
    certcb_clear(job);
    if (job->ckpt_failed) {
        job->ckpt_failed = 0;
        transfer_error(job, BP_E_DISK_FULL, BP_CONTEXT_LOCAL_FILE, 0);
        return;
    }
    if (!is_running(job))
        return;     /* suspended or cancelled while the engine was finishing */
    if (res->hr >= 0)
        file_done(job);
    else
        transfer_error(job, res->hr, res->context, res->transient);
}

/* Size pass: a file's size learned before its transfer (job BytesTotal
 * becomes the full sum once every file has one). */
static void cb_size_known(void *ctx, unsigned index, uint64_t size)
{
    struct job *job = ctx;
    struct jfile *f;

    if (index >= job->j.nfiles)
        return;
    f = &job->j.files[index];
    if (f->completed || f->bytes_total != BP_SIZE_UNKNOWN)
        return;
    f->bytes_total = size;
    persist(job);
}

/* IBackgroundCopyFile5: the last answer's headers of the current file.
 * Saved with the next write of the job (they are informative; a restart
 * that loses the latest ones still has older ones or none). */
static void cb_headers(void *ctx, const char *text)
{
    struct job *job = ctx;
    struct jfile *f = &job->j.files[job->cur_file];
    char *copy = strdup(text);

    if (!copy)
        return;
    free(f->response_headers);
    f->response_headers = copy;
}

/* HttpOptions3: the engine has the server's chain; the program judges it
 * (certcb.c), the answer comes later through xfer_cert_verdict. */
static void cb_server_cert(void *ctx, const struct xfer_cert_chain *chain)
{
    struct job *job = ctx;

    certcb_ask(job->d, job, chain);
}

static const struct xfer_callbacks callbacks = {
    .checkpoint = cb_checkpoint,
    .progress = cb_progress,
    .finished = cb_finished,
    .size_known = cb_size_known,
    .headers = cb_headers,
    .server_cert = cb_server_cert,
};

/* ---- Negotiate identities (kerberos.h) ---- */

/* The Negotiate credential the job's transfers authenticate with: the
 * server's, else the proxy's; NULL when it has none. */
static const struct job_cred *negotiate_cred(const struct job *job)
{
    const struct job_cred *c = &job->creds[BP_AUTH_TARGET_SERVER - 1][BP_AUTH_NEGOTIATE - 1];

    if (c->set)
        return c;
    c = &job->creds[BP_AUTH_TARGET_PROXY - 1][BP_AUTH_NEGOTIATE - 1];
    return c->set ? c : NULL;
}

/* GSS-API holds one Kerberos identity for the whole daemon: a job whose
 * Negotiate identity differs from that of a running transfer is not
 * started (stays QUEUED, or CONNECTING between files) until that transfer
 * has ended. */
static int negotiate_waits(const struct bitsd *d, const struct job *job)
{
    const struct job_cred *mine = negotiate_cred(job), *theirs;
    char a[KRB_IDENTITY_MAX], b[KRB_IDENTITY_MAX];
    const struct job *other;

    if (!mine)
        return 0;
    krb_identity(mine->user, a);
    for (other = d->jobs; other; other = other->next) {
        if (other == job || !other->xfer || !(theirs = negotiate_cred(other)))
            continue;
        krb_identity(theirs->user, b);
        if (strcmp(a, b))
            return 1;
    }
    return 0;
}

/* Selects the Kerberos TGT of the job's Negotiate user; when there is none
 * the job takes the error (a refused password is final: 401). */
static int negotiate_ready(struct job *job)
{
    const struct job_cred *c = negotiate_cred(job);
    struct krb_error err;

    if (!c || krb_use(c->user, c->password,
                      c != &job->creds[BP_AUTH_TARGET_SERVER - 1][BP_AUTH_NEGOTIATE - 1],
                      &err) == 0)
        return 1;
    transfer_error(job, err.hr, err.context, err.transient);
    return 0;
}

/* Without a running Negotiate transfer the TGT is not kept in memory. */
static void negotiate_idle_check(const struct bitsd *d)
{
    const struct job *job;

    for (job = d->jobs; job; job = job->next)
        if (job->xfer && negotiate_cred(job))
            return;
    krb_forget();
}

/* ---- starting ---- */

static unsigned fill_creds(const struct job *job, struct xfer_credential *out)
{
    unsigned n = 0;
    int t, s;

    for (t = 0; t < CRED_TARGETS; t++) {
        for (s = 0; s < CRED_SCHEMES; s++) {
            const struct job_cred *c = &job->creds[t][s];
            if (!c->set)
                continue;
            out[n].target = t + 1;
            out[n].scheme = s + 1;
            out[n].user = c->user;
            out[n].password = c->password;
            n++;
        }
    }
    return n;
}

static int first_open_file(const struct job *job, uint32_t *index)
{
    uint32_t i;

    for (i = 0; i < job->j.nfiles; i++) {
        if (!job->j.files[i].completed) {
            *index = i;
            return 1;
        }
    }
    return 0;
}

/* The files of a download whose size is not known yet, for the engine's
 * size pass; local names get their Unix path (freed by free_probes). */
static unsigned fill_probes(struct bitsd *d, const struct job *job, struct xfer_probe **out)
{
    struct xfer_probe *p;
    uint32_t i;
    unsigned n = 0;

    *out = NULL;
    if (job->j.type != BP_JOB_DOWNLOAD || !(p = calloc(job->j.nfiles, sizeof(*p))))
        return 0;
    for (i = 0; i < job->j.nfiles; i++) {
        const struct jfile *f = &job->j.files[i];

        /* a ranged file's size is that of its ranges (the engine's) */
        if (f->completed || f->bytes_total != BP_SIZE_UNKNOWN || f->nranges)
            continue;
        p[n].index = i;
        if (remote_is_local(f->remote))
            p[n].path = remote_unix_path(d->prefix, f->remote);
        else
            p[n].url = f->remote;
        if (p[n].path || p[n].url)
            n++;
    }
    *out = p;
    return n;
}

static void free_probes(struct xfer_probe *p, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        free((char *)p[i].path);
    free(p);
}

/* PRECONFIG: the proxy the prefix's Internet Settings or WinHTTP name; the
 * job keeps reporting PRECONFIG.  Without one, libcurl's defaults apply. */
static void preconfig_proxy(struct bitsd *d, struct xfer_request *req, char **list, char **bypass)
{
    *list = *bypass = NULL;
    if (req->proxy_usage != BP_PROXY_PRECONFIG
        || prefix_proxy_settings(d->prefix, list, bypass) != 1)
        return;
    req->proxy_usage = BP_PROXY_OVERRIDE;
    req->proxy_list = *list;
    req->proxy_bypass = *bypass;
}

static void start_transfer(struct bitsd *d, struct job *job)
{
    struct xfer_credential creds[CRED_TARGETS * CRED_SCHEMES];
    struct xfer_request req;
    struct xfer_probe *probes = NULL;
    struct jfile *f;
    char *reply = NULL, *source = NULL, *proxy = NULL, *bypass = NULL;
    unsigned nprobes = 0;
    uint32_t i;

    job->next_file = 0;
    if (!first_open_file(job, &i)) {
        job->j.state = BP_STATE_TRANSFERRING;
        job->cur_file = job->j.nfiles - 1;
        file_done(job);
        return;
    }
    if (job->j.ck_file != i)
        ckpt_reset(&job->j, i);
    job->cur_file = i;
    f = &job->j.files[i];
    if (job->j.state == BP_STATE_QUEUED) {
        job->j.state = BP_STATE_CONNECTING;
        job->started_ms = mono_ms();
        job->progress_ms = job->progress_ms ? job->progress_ms : job->started_ms;
        job->rr_stamp = ++d->rr_counter;
        job->sizes_asked = 0;
        notify_modified(job);
    }
    if (job->j.type == BP_JOB_DOWNLOAD && remote_is_local(f->remote)) {
        /* file://, drive and UNC names: a copy inside the prefix */
        source = remote_unix_path(d->prefix, f->remote);
        if (!source) {
            transfer_error(job, errno == ENOMEM ? E_OUTOFMEMORY : E_NOT_SUPPORTED,
                           BP_CONTEXT_REMOTE_FILE, errno == ENOMEM);
            return;
        }
    } else if (strncasecmp(f->remote, "http://", 7) && strncasecmp(f->remote, "https://", 8)) {
        transfer_error(job, E_NOT_SUPPORTED, BP_CONTEXT_REMOTE_FILE, 0);
        return;
    } else if (!negotiate_ready(job)) {
        return;
    }
    memset(&req, 0, sizeof(req));
    req.kind = job->j.type == BP_JOB_DOWNLOAD ? XFER_DOWNLOAD
             : job->j.type == BP_JOB_UPLOAD ? XFER_UPLOAD : XFER_UPLOAD_REPLY;
    req.url = f->remote;
    req.local_path = f->local_unix;
    req.temp_path = f->temp_path;
    if (job->j.type == BP_JOB_UPLOAD_REPLY)
        req.reply_path = reply = job_reply_temp(d, job);
    req.content_name = base_of(f->local_win);
    req.credentials = creds;
    req.credential_count = fill_creds(job, creds);
    req.proxy_usage = (int)job->j.proxy_usage;
    req.proxy_list = job->j.proxy_list;
    req.proxy_bypass = job->j.proxy_bypass;
    req.custom_headers = job->j.x.custom_headers;
    req.security_flags = job->j.x.security_flags;
    if (job_has_client_key(job)) {
        req.client_cert = job->client_cert;
        req.client_cert_len = job->client_cert_len;
        req.client_key = job->client_key;
        req.client_key_len = job->client_key_len;
    }
    req.ranges = f->ranges;
    req.range_count = f->nranges;
    req.max_size = job->j.x.max_download_size;
    /* another verb than GET: not a file with a size and Range (jobs_newer.c) */
    req.dynamic = job->j.x.dynamic_content != 0 || job->j.x.http_method;
    req.http_method = job->j.x.http_method;
    req.validate_server_cert = job->j.x.cert_validation != 0;
    xfer_saved_view(&job->j.ck, &req.resume);
    req.source_size = job->j.ck.source_size;
    req.source_mtime_ns = job->j.ck.source_mtime_ns;
    req.source_path = source;
    if (!job->sizes_asked && !job->j.x.http_method) {
        nprobes = fill_probes(d, job, &probes);
        req.probes = probes;
        req.probe_count = nprobes;
        job->sizes_asked = 1;
    }
    preconfig_proxy(d, &req, &proxy, &bypass);
    job->ckpt_failed = 0;
    job->xfer = xfer_start(d->engine, &req, &callbacks, job);
    free(reply);
    free(source);
    free(proxy);
    free(bypass);
    free_probes(probes, nprobes);
    if (!job->xfer) {
        transfer_error(job, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 1);
        return;
    }
    log_debug("job %s: transfer of file %u started", job->j.display_name, i);
}

void sched_stop_job(struct job *job)
{
    if (job->xfer) {
        xfer_abort(job->xfer);
        job->xfer = NULL;
    }
    certcb_clear(job);
    job->next_file = 0;
}

/* Puts a running background job back in the queue so another can have a turn. */
static void preempt(struct job *job)
{
    sched_stop_job(job);
    job->j.state = BP_STATE_QUEUED;
    log_debug("job %s: time slice over", job->j.display_name);
}

/* Queued background job that should run next: best priority, then the one
 * that ran longest ago, then creation order (the list order). */
static struct job *next_background(struct bitsd *d)
{
    struct job *job, *best = NULL;

    for (job = d->jobs; job; job = job->next) {
        if (job->j.state != BP_STATE_QUEUED || !is_background(job) || negotiate_waits(d, job))
            continue;
        if (!best || job->j.priority < best->j.priority
            || (job->j.priority == best->j.priority && job->rr_stamp < best->rr_stamp))
            best = job;
    }
    return best;
}

static void retry_timers(struct bitsd *d, int64_t now)
{
    struct job *job;

    for (job = d->jobs; job; job = job->next) {
        if (job->j.state != BP_STATE_TRANSIENT_ERROR || !job->retry_at_ms || now < job->retry_at_ms)
            continue;
        job->retry_at_ms = 0;
        if (job->j.no_progress_timeout
            && now - job->progress_ms >= (int64_t)job->j.no_progress_timeout * 1000) {
            job->j.state = BP_STATE_ERROR;
            persist(job);
            notify_state_event(job, BP_EVENT_ERROR);
            continue;
        }
        job->j.state = BP_STATE_QUEUED;
        persist(job);
        notify_modified(job);
    }
}

static void slices(struct bitsd *d, int64_t now)
{
    struct job *job, *waiting = next_background(d);

    if (!waiting)
        return;
    for (job = d->jobs; job; job = job->next) {
        if (!is_running(job) || !is_background(job))
            continue;
        if (waiting->j.priority < job->j.priority
            || (waiting->j.priority == job->j.priority && now - job->started_ms >= SLICE_MS))
            preempt(job);
    }
}

static void cancel_timers(struct bitsd *d, int64_t now)
{
    struct job *job;

    for (job = d->jobs; job; job = job->next)
        if (job->j.cancel_deadline && !job->cancel_inflight && now >= job->cancel_retry_ms)
            sched_cancel_session(d, job);
}

/* SetMaximumDownloadTime: time in CONNECTING/TRANSFERRING counts (Resume
 * sets it back to 0, jobs.c); past the limit the job is in ERROR with
 * BG_E_MAXDOWNLOAD_TIMEOUT.  The count is saved with every store write and
 * at least every CLOCK_SAVE_MS of it, so a restart of bitsd loses at most
 * that much. */
static void download_time_limits(struct bitsd *d, int64_t now)
{
    struct job *job;
    uint64_t *active;

    for (job = d->jobs; job; job = job->next) {
        if (!is_running(job)) {
            job->active_tick_ms = 0;
            continue;
        }
        active = &job->j.x.download_active_ms;
        if (job->active_tick_ms)
            *active += (uint64_t)(now - job->active_tick_ms);
        job->active_tick_ms = now;
        if (*active < (uint64_t)job->j.x.max_download_time * 1000) {
            if (*active >= job->clock_saved_ms + CLOCK_SAVE_MS) {
                job->clock_saved_ms = *active;
                persist(job);
            }
            continue;
        }
        sched_stop_job(job);
        transfer_error(job, BG_E_MAXDOWNLOAD_TIMEOUT, BP_CONTEXT_GENERAL_QUEUE_MANAGER, 0);
    }
}

void sched_tick(struct bitsd *d)
{
    int64_t now = mono_ms();
    unsigned running_bg = 0;
    struct job *job;

    if (!d->engine)
        return;
    retry_timers(d, now);
    download_time_limits(d, now);
    cancel_timers(d, now);
    slices(d, now);
    for (job = d->jobs; job; job = job->next) {
        if (negotiate_waits(d, job))
            ;
        else if (is_running(job) && !job->xfer)
            start_transfer(d, job);
        else if (job->j.state == BP_STATE_QUEUED && !is_background(job))
            start_transfer(d, job);
        if (is_running(job) && is_background(job))
            running_bg++;
    }
    while (running_bg < MAX_BACKGROUND && (job = next_background(d))) {
        start_transfer(d, job);
        running_bg++;
    }
    negotiate_idle_check(d);
}

long sched_timeout(struct bitsd *d)
{
    int64_t now = mono_ms(), next = -1;
    unsigned running_bg = 0;
    struct job *job, *waiting;

#define CONSIDER(t) do { int64_t t_ = (t); if (next < 0 || t_ < next) next = t_; } while (0)
    if (!d->engine)
        return -1;
    waiting = next_background(d);
    for (job = d->jobs; job; job = job->next) {
        int waits = negotiate_waits(d, job);    /* woken by the end of the other transfer */

        if (is_running(job) && !job->xfer && !waits)
            CONSIDER(now);
        if (job->j.state == BP_STATE_QUEUED && !is_background(job) && !waits)
            CONSIDER(now);
        if (job->j.state == BP_STATE_TRANSIENT_ERROR && job->retry_at_ms)
            CONSIDER(job->retry_at_ms);
        if (job->j.cancel_deadline && !job->cancel_inflight)
            CONSIDER(job->cancel_retry_ms);
        if (is_running(job))
            CONSIDER(now + (int64_t)job->j.x.max_download_time * 1000
                     - (int64_t)job->j.x.download_active_ms);
        if (is_running(job) && is_background(job)) {
            running_bg++;
            if (waiting)
                CONSIDER(job->started_ms + SLICE_MS);
        }
    }
    if (waiting && running_bg < MAX_BACKGROUND)
        CONSIDER(now);
#undef CONSIDER
    if (next < 0)
        return -1;
    return next <= now ? 0 : (long)(next - now);
}

/* ---- Cancel-Session ---- */

static void cancel_done(void *ctx, int32_t hr)
{
    struct job *job = ctx;

    job->cancel_inflight = 0;
    if (hr >= 0 || filetime_now() > job->j.cancel_deadline) {
        if (hr < 0)
            log_warn("job %s: Cancel-Session never reached the server", job->j.display_name);
        job->j.cancel_deadline = 0;
        persist(job);
        return;
    }
    job->cancel_retry_ms = mono_ms() + (int64_t)job->j.min_retry_delay * 1000;
}

void sched_cancel_session(struct bitsd *d, struct job *job)
{
    struct xfer_credential creds[CRED_TARGETS * CRED_SCHEMES];
    unsigned n;

    if (!d->engine || !job->j.nfiles || !job->j.ck.session_id) {
        job->j.cancel_deadline = 0;
        return;
    }
    n = fill_creds(job, creds);
    job->cancel_inflight = 1;
    job->cancel_retry_ms = mono_ms() + (int64_t)job->j.min_retry_delay * 1000;
    xfer_cancel_session(d->engine, job->j.files[0].remote, job->j.ck.session_id,
                        job->j.ck.host_id, creds, n, cancel_done, job);
}

void sched_shutdown(struct bitsd *d)
{
    struct job *job;

    for (job = d->jobs; job; job = job->next)
        sched_stop_job(job);
}
