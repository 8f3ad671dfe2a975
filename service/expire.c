/*
 * Forgotten jobs.  JobInactivityTimeout (BITS.md, 90 days by default): a
 * job nobody modified and that moved no bytes for that long is cancelled,
 * which deletes its temporary download files and its reply data, and is
 * then removed.  Finished jobs (acknowledged or cancelled) are removed one
 * day after they finished, also while bitsd keeps running.
 *
 * The limit is wall-clock time (FILETIME), because it has to span restarts
 * of bitsd and of the machine.  Tests shorten it with the environment
 * variable BITSD_INACTIVITY_TIMEOUT (seconds).
 */
#include <stdlib.h>
#include <string.h>

#include "bitsd.h"

#define DEFAULT_INACTIVITY_SECONDS (90ULL * 24 * 3600)
#define MS_PER_100NS_DIV 10000ULL

uint64_t expire_limit_from_env(void)
{
    const char *v = getenv("BITSD_INACTIVITY_TIMEOUT");
    char *end;
    unsigned long long s;

    if (!v || !*v)
        return DEFAULT_INACTIVITY_SECONDS * 10000000ULL;
    s = strtoull(v, &end, 10);
    if (*end || s == 0 || s > DEFAULT_INACTIVITY_SECONDS * 10) {
        log_warn("BITSD_INACTIVITY_TIMEOUT=%s ignored (seconds, 1 to 900 days)", v);
        return DEFAULT_INACTIVITY_SECONDS * 10000000ULL;
    }
    return s * 10000000ULL;
}

/* A job can be let go only when no child, timer or request refers to it. */
static int busy(const struct job *job)
{
    return job->xfer || job->notify_pid > 0 || job->aux_pid > 0 || job->cancel_inflight;
}

static int is_running(const struct job *job)
{
    return job->j.state == BP_STATE_CONNECTING || job->j.state == BP_STATE_TRANSFERRING;
}

/* FILETIME at which the job is due for cancelling or removal; 0 = never. */
static uint64_t due_at(const struct bitsd *d, const struct job *job)
{
    if (job_is_final(job))
        return job->j.cancel_deadline ? 0 : job->j.mtime + FINISHED_KEEP_100NS;
    if (is_running(job))
        return 0;       /* moving bytes is activity */
    return job->j.mtime + d->inactivity_100ns;
}

static void expire_one(struct bitsd *d, struct job *job)
{
    uint8_t id[16];
    int32_t hr;

    if (!job_is_final(job)) {
        log_info("job %s: inactive for longer than JobInactivityTimeout, cancelling",
                 job->j.display_name);
        memcpy(id, job->j.id, 16);
        hr = jobs_action(d, id, BP_ACTION_CANCEL, NULL);
        if (hr < 0) {
            log_warn("job %s: cannot cancel: 0x%08x", job->j.display_name, (unsigned)hr);
            return;
        }
        /* An upload session still to be cancelled keeps the job a while. */
        if (job->j.cancel_deadline || busy(job))
            return;
    }
    if (busy(job))
        return;
    log_info("job %s: removed", job->j.display_name);
    jobs_remove(d, job);
}

void expire_tick(struct bitsd *d)
{
    uint64_t now = filetime_now(), due;
    struct job *job, *next;

    for (job = d->jobs; job; job = next) {
        next = job->next;
        due = due_at(d, job);
        if (due && due <= now && !busy(job))
            expire_one(d, job);
    }
}

long expire_timeout(struct bitsd *d)
{
    uint64_t now = filetime_now(), due, next = 0;
    struct job *job;

    for (job = d->jobs; job; job = job->next) {
        due = due_at(d, job);
        if (due && !busy(job) && (!next || due < next))
            next = due;
    }
    if (!next)
        return -1;
    if (next <= now)
        return 0;
    return (next - now) / MS_PER_100NS_DIV > 3600000 ? 3600000
                                                     : (long)((next - now) / MS_PER_100NS_DIV) + 1;
}
