/*
 * Notifications.  A connection that said BP_HELLO_EVENTS and subscribed to a
 * job gets BP_EVENT frames; qmgr turns them into IBackgroundCopyCallback
 * calls and answers each with BP_EVENT_RESULT.
 *
 * TRANSFERRED and ERROR are kept pending (also in the store) until one
 * route took them, tried in the documented order: the subscribers'
 * callbacks, then the notification CLSID (IBackgroundCopyJob5), then the
 * notify command line.  When all fail the event is tried again after
 * MinimumRetryDelay.  JobModification events are coalesced: at most one
 * outstanding per job.  FileTransferred events go out once, to whoever
 * listens.
 *
 * The notification CLSID is activated by bitsnotify.exe, a small Windows
 * program bitsd runs through wine in the prefix (as it runs command lines):
 * svchost may be gone when the event happens (Wine ends it shortly after
 * the last program exits), but a Windows program of our own starts the BITS
 * service again, keeps wineserver alive while the callback runs, and can
 * activate a local server in the owner's session.  Its exit code says
 * whether the callback took the event.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bitsd.h"

enum notify_route {
    NOTIFY_ROUTE_NONE,              /* subscribers (or nothing yet) */
    NOTIFY_ROUTE_CLSID,
    NOTIFY_ROUTE_CMDLINE,
};

#define NOTIFY_HELPER_NAME "bitsnotify.exe"

static int64_t retry_ms(const struct job *job)
{
    return (int64_t)job->j.min_retry_delay * 1000;
}

static int wants(const struct job *job, uint32_t flag)
{
    return !(job->j.notify_flags & BP_NOTIFY_DISABLE) && (job->j.notify_flags & flag);
}

void notify_state_event(struct job *job, uint32_t event)
{
    uint32_t flag = event == BP_EVENT_TRANSFERRED ? BP_NOTIFY_JOB_TRANSFERRED : BP_NOTIFY_JOB_ERROR;

    job->mod_pending = 0;   /* never a JobModification for these transitions */
    if (!wants(job, flag))
        return;
    job->j.notify_pending = event;
    job->notify_waiting = 0;
    job->notify_at_ms = mono_ms();
    if (store_save_job(job->d->store, &job->j) < 0)
        log_warn("job %s: pending event not saved", job->j.display_name);
}

void notify_modified(struct job *job)
{
    if (wants(job, BP_NOTIFY_JOB_MODIFICATION))
        job->mod_pending = 1;
}

void notify_file(struct job *job, uint32_t file)
{
    uint32_t *ev;

    if (!wants(job, BP_NOTIFY_FILE_TRANSFERRED))
        return;
    ev = realloc(job->file_events, (job->n_file_events + 1) * sizeof(*ev));
    if (!ev)
        return;
    job->file_events = ev;
    ev[job->n_file_events++] = file;
}

void notify_clear(struct job *job)
{
    job->j.notify_pending = 0;
    job->notify_waiting = 0;
    job->mod_pending = 0;
    free(job->file_events);
    job->file_events = NULL;
    job->n_file_events = 0;
}

/* ---- subscriptions ---- */

int32_t notify_subscribe(struct bitsd *d, struct conn *c, const uint8_t id[16], int on)
{
    struct job *job = jobs_find(d, id);
    struct sub **p, *s;

    if (!conn_has_events(c))
        return E_INVALIDARG;
    if (!job)
        return BG_E_NOT_FOUND;
    for (p = &d->subs; *p; p = &(*p)->next)
        if ((*p)->conn == c && !memcmp((*p)->job, id, 16))
            break;
    if (!on) {
        if (*p) {
            s = *p;
            *p = s->next;
            free(s);
        }
        return S_OK;
    }
    if (!*p) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return E_OUTOFMEMORY;
        s->conn = c;
        memcpy(s->job, id, 16);
        *p = s;
    }
    /* A TRANSFERRED/ERROR event nobody took yet goes to the new subscriber at once. */
    if (job->j.notify_pending && !job->notify_waiting && job->notify_pid < 0)
        job->notify_at_ms = mono_ms();
    return S_OK;
}

static unsigned send_to_subs(struct bitsd *d, struct job *job, uint32_t event, uint32_t file)
{
    struct sub *s;
    unsigned n = 0;

    for (s = d->subs; s; s = s->next)
        if (!memcmp(s->job, job->j.id, 16) && control_send_event(s->conn, s->job, event, file) == 0)
            n++;
    return n;
}

static int has_subs(struct bitsd *d, const struct job *job)
{
    struct sub *s;

    for (s = d->subs; s; s = s->next)
        if (!memcmp(s->job, job->j.id, 16))
            return 1;
    return 0;
}

void notify_conn_gone(struct bitsd *d, struct conn *c)
{
    struct sub **p = &d->subs, *s;
    struct job *job;

    while ((s = *p)) {
        if (s->conn != c) {
            p = &s->next;
            continue;
        }
        *p = s->next;
        /* Results that will never come: try again with whoever is left. */
        job = jobs_find(d, s->job);
        if (job) {
            if (job->notify_waiting) {
                job->notify_waiting = 0;
                job->notify_at_ms = mono_ms();
            }
            job->mod_waiting = 0;
        }
        free(s);
    }
}

static void delivered(struct job *job)
{
    job->j.notify_pending = 0;
    job->notify_waiting = 0;
    if (store_save_job(job->d->store, &job->j) < 0)
        log_warn("job %s: delivered event not saved", job->j.display_name);
}

static int next_route(struct bitsd *d, struct job *job, int after);

void notify_result(struct bitsd *d, struct conn *c, const uint8_t id[16], uint32_t event,
                   int32_t hr)
{
    struct job *job = jobs_find(d, id);

    if (!job)
        return;
    if (event == BP_EVENT_SERVER_CERT) {
        certcb_result(d, c, id, hr);
        return;
    }
    if (event == BP_EVENT_MODIFICATION) {
        if (job->mod_waiting)
            job->mod_waiting--;
        return;
    }
    if (event != job->j.notify_pending || !job->notify_waiting)
        return;
    job->notify_waiting--;
    if (hr >= 0) {
        delivered(job);
        return;
    }
    if (job->notify_waiting)
        return;     /* another subscriber may still succeed */
    log_info("job %s: callback failed with 0x%08x", job->j.display_name, (unsigned)hr);
    /* A failed callback hands the event to the next route, if there is one. */
    if (!next_route(d, job, NOTIFY_ROUTE_NONE))
        job->notify_at_ms = mono_ms() + retry_ms(job);
}

/* ---- command lines ---- */

static void add_char(char **buf, size_t *len, size_t *cap, char ch)
{
    if (*len + 1 >= *cap) {
        size_t ncap = *cap ? *cap * 2 : 32;
        char *n = realloc(*buf, ncap);
        if (!n)
            return;
        *buf = n;
        *cap = ncap;
    }
    (*buf)[(*len)++] = ch;
    (*buf)[*len] = 0;
}

void argv_free(char **argv)
{
    char **p;

    for (p = argv; p && *p; p++)
        free(*p);
    free(argv);
}

static int push_arg(char ***argv, int *argc, char *arg)
{
    char **n = realloc(*argv, (size_t)(*argc + 2) * sizeof(*n));

    if (!n) {
        free(arg);
        return -1;
    }
    *argv = n;
    n[(*argc)++] = arg ? arg : strdup("");
    n[*argc] = NULL;
    return n[*argc - 1] ? 0 : -1;
}

/* The first argument (the program) only knows quotes; the others follow the
 * backslash rules: 2n backslashes + quote = n backslashes and a quote toggle,
 * 2n+1 backslashes + quote = n backslashes and a literal quote, "" inside
 * quotes = a literal quote. */
char **split_cmdline(const char *s, int *argc)
{
    char **argv = NULL, *arg = NULL;
    size_t len = 0, cap = 0;
    int inq = 0;

    *argc = 0;
    argv = calloc(1, sizeof(*argv));
    if (!argv)
        return NULL;

    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return argv;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++)
            add_char(&arg, &len, &cap, *s);
        if (*s == '"')
            s++;
    } else {
        for (; *s && *s != ' ' && *s != '\t'; s++)
            add_char(&arg, &len, &cap, *s);
    }
    if (push_arg(&argv, argc, arg) < 0)
        goto fail;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        arg = NULL;
        len = cap = 0;
        add_char(&arg, &len, &cap, 0);  /* an empty "" argument still exists */
        len = 0;
        inq = 0;
        while (*s && (inq || (*s != ' ' && *s != '\t'))) {
            if (*s == '\\') {
                size_t n = 0, i;
                while (s[n] == '\\')
                    n++;
                if (s[n] == '"') {
                    for (i = 0; i < n / 2; i++)
                        add_char(&arg, &len, &cap, '\\');
                    if (n % 2) {
                        add_char(&arg, &len, &cap, '"');
                        s += n + 1;
                    } else {
                        s += n;
                    }
                } else {
                    for (i = 0; i < n; i++)
                        add_char(&arg, &len, &cap, '\\');
                    s += n;
                }
                continue;
            }
            if (*s == '"') {
                if (inq && s[1] == '"') {
                    add_char(&arg, &len, &cap, '"');
                    s += 2;
                    continue;
                }
                inq = !inq;
                s++;
                continue;
            }
            add_char(&arg, &len, &cap, *s++);
        }
        if (push_arg(&argv, argc, arg) < 0)
            goto fail;
    }
    return argv;
fail:
    argv_free(argv);
    return NULL;
}

static int service_account(const char *sid)
{
    return !strcmp(sid, "S-1-5-18") || !strcmp(sid, "S-1-5-19") || !strcmp(sid, "S-1-5-20");
}

/* Runs `wine argv[1] ...` in the prefix, detached, output discarded;
 * argv[0] must be "wine".  Returns the pid or -1. */
static pid_t spawn_wine(struct bitsd *d, char **argv)
{
    pid_t pid;
    int fd;

    pid = fork();
    if (pid == 0) {
        setsid();
        fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setenv("WINEPREFIX", d->prefix, 1);
        execvp("wine", argv);
        _exit(127);
    }
    return pid;
}

/* Starts the command line; 0 when it runs (or needs not run), -1 when it
 * could not be started. */
static int launch_cmdline(struct bitsd *d, struct job *job)
{
    char **args = NULL, **argv;
    int argc = 0, i;
    pid_t pid;

    job->notify_at_ms = mono_ms() + retry_ms(job);
    if (service_account(job->j.owner)) {
        log_info("job %s: notify command line not run for a service account", job->j.display_name);
        delivered(job);
        return 0;
    }
    if (job->j.notify_parameters && !(args = split_cmdline(job->j.notify_parameters, &argc)))
        return -1;
    argv = calloc((size_t)argc + 3, sizeof(*argv));
    if (!argv) {
        argv_free(args);
        return -1;
    }
    argv[0] = "wine";
    argv[1] = job->j.notify_program;
    /* args[0] repeats the program name (Windows convention); skip it */
    for (i = 1; i < argc; i++)
        argv[i + 1] = args[i];
    log_info("job %s: running notify command line: WINEPREFIX=%s wine %s %s",
             job->j.display_name, d->prefix, job->j.notify_program,
             job->j.notify_parameters ? job->j.notify_parameters : "");
    pid = spawn_wine(d, argv);
    if (pid < 0)
        log_warn("job %s: cannot start notify command line: %s", job->j.display_name,
                 strerror(errno));
    else {
        job->notify_pid = pid;
        job->notify_route = NOTIFY_ROUTE_CMDLINE;
    }
    free(argv);
    argv_free(args);
    return pid < 0 ? -1 : 0;
}

/* ---- notification CLSID (bitsnotify.exe) ---- */

static int has_clsid(const struct job *job)
{
    static const uint8_t null_guid[16];

    return memcmp(job->j.x.notification_clsid, null_guid, sizeof(null_guid)) != 0;
}

/* bitsnotify.exe is built next to bitsd (the bin directory winebits
 * installs from); BITSD_NOTIFY_HELPER names another one.  malloc'd. */
static char *helper_path(void)
{
    const char *env = getenv("BITSD_NOTIFY_HELPER");
    char self[4096], *slash;
    ssize_t n;

    if (env && *env)
        return strdup(env);
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return NULL;
    self[n] = 0;
    if (!(slash = strrchr(self, '/')))
        return NULL;
    *slash = 0;
    return path_join(self, NOTIFY_HELPER_NAME);
}

static const char *event_word(uint32_t event)
{
    switch (event) {
    case BP_EVENT_TRANSFERRED: return "transferred";
    case BP_EVENT_ERROR: return "error";
    case BP_EVENT_MODIFICATION: return "modification";
    default: return "file";
    }
}

/* `wine bitsnotify.exe {job} {clsid} <event> [file index...]`; returns
 * the pid or -1. */
static pid_t spawn_helper(struct bitsd *d, struct job *job, uint32_t event,
                          const uint32_t *files, uint32_t nfiles)
{
    char job_text[39], clsid_text[39], **argv, **numbers;
    char *helper = helper_path();
    pid_t pid = -1;
    uint32_t i;

    if (!helper || access(helper, R_OK) < 0) {
        log_warn("job %s: %s not found: notification CLSID not activated", job->j.display_name,
                 helper ? helper : NOTIFY_HELPER_NAME);
        free(helper);
        return -1;
    }
    argv = calloc((size_t)nfiles + 6, sizeof(*argv));
    numbers = calloc((size_t)nfiles + 1, sizeof(*numbers));
    if (!argv || !numbers)
        goto done;
    bp_guid_format(job->j.id, job_text);
    bp_guid_format(job->j.x.notification_clsid, clsid_text);
    argv[0] = "wine";
    argv[1] = helper;
    argv[2] = job_text;
    argv[3] = clsid_text;
    argv[4] = (char *)event_word(event);
    for (i = 0; i < nfiles; i++) {
        if (asprintf(&numbers[i], "%u", files[i]) < 0) {
            numbers[i] = NULL;
            goto done;
        }
        argv[5 + i] = numbers[i];
    }
    log_info("job %s: activating notification CLSID %s for %s: WINEPREFIX=%s wine %s",
             job->j.display_name, clsid_text, argv[4], d->prefix, helper);
    pid = spawn_wine(d, argv);
    if (pid < 0)
        log_warn("job %s: cannot start %s: %s", job->j.display_name, helper, strerror(errno));
done:
    for (i = 0; numbers && i < nfiles; i++)
        free(numbers[i]);
    free(numbers);
    free(argv);
    free(helper);
    return pid;
}

static int launch_clsid(struct bitsd *d, struct job *job)
{
    pid_t pid = spawn_helper(d, job, job->j.notify_pending, NULL, 0);

    job->notify_at_ms = mono_ms() + retry_ms(job);
    if (pid < 0)
        return -1;
    job->notify_pid = pid;
    job->notify_route = NOTIFY_ROUTE_CLSID;
    return 0;
}

/* Hands the pending TRANSFERRED/ERROR event to the first route after
 * 'after' that exists and starts; 0 when none did. */
static int next_route(struct bitsd *d, struct job *job, int after)
{
    if (after < NOTIFY_ROUTE_CLSID && has_clsid(job) && launch_clsid(d, job) == 0)
        return 1;
    if (after < NOTIFY_ROUTE_CMDLINE && job->j.notify_program && launch_cmdline(d, job) == 0)
        return 1;
    return 0;
}

static const char *route_name(int route)
{
    return route == NOTIFY_ROUTE_CLSID ? "notification CLSID" : "notify command line";
}

static int state_matches(const struct job *job)
{
    return (job->j.notify_pending == BP_EVENT_TRANSFERRED && job->j.state == BP_STATE_TRANSFERRED)
        || (job->j.notify_pending == BP_EVENT_ERROR && job->j.state == BP_STATE_ERROR);
}

/* 1 when the child ended (status filled), 0 while it runs. */
static int child_ended(pid_t *pid, int *status)
{
    pid_t r;

    if (*pid <= 0)
        return 0;
    r = waitpid(*pid, status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return 0;
    if (r < 0)
        *status = -1;
    *pid = -1;
    return 1;
}

static int exited_zero(int status)
{
    return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void reap(struct bitsd *d, struct job *job)
{
    int status;

    if (!child_ended(&job->notify_pid, &status))
        return;
    if (exited_zero(status)) {
        log_info("job %s: %s succeeded", job->j.display_name, route_name(job->notify_route));
        if (job->j.notify_pending)
            delivered(job);
        return;
    }
    if (job->notify_route == NOTIFY_ROUTE_CLSID) {
        log_info("job %s: notification CLSID failed (status 0x%x)", job->j.display_name,
                 (unsigned)status);
        if (job->j.notify_pending && state_matches(job) &&
            next_route(d, job, NOTIFY_ROUTE_CLSID))
            return;
    } else {
        log_info("job %s: notify command line failed (status 0x%x)", job->j.display_name,
                 (unsigned)status);
    }
    log_info("job %s: event retried in %u s", job->j.display_name, job->j.min_retry_delay);
    job->notify_at_ms = mono_ms() + retry_ms(job);
}

static void reap_aux(struct job *job)
{
    int status;

    if (child_ended(&job->aux_pid, &status) && !exited_zero(status))
        log_info("job %s: notification CLSID did not take the event (status 0x%x)",
                 job->j.display_name, (unsigned)status);
}

static void deliver_state_event(struct bitsd *d, struct job *job, int64_t now)
{
    /* A FileTransferred or JobModification helper still running goes
     * first: JobTransferred after FileTransferred, as a callback expects. */
    if (job->notify_pid > 0 || job->aux_pid > 0 || now < job->notify_at_ms)
        return;
    if (job->notify_waiting) {
        /* No answer within the retry delay: give up on those and start over. */
        job->notify_waiting = 0;
    }
    if (!state_matches(job)) {
        job->j.notify_pending = 0;
        return;
    }
    if (has_subs(d, job)) {
        job->notify_waiting = send_to_subs(d, job, job->j.notify_pending, BP_NO_FILE);
        job->notify_at_ms = now + retry_ms(job);
        if (job->notify_waiting)
            return;
    }
    if (!next_route(d, job, NOTIFY_ROUTE_NONE) && !has_clsid(job) && !job->j.notify_program)
        job->notify_at_ms = INT64_MAX;  /* wait for a subscriber */
}

/* JobModification and FileTransferred go to the subscribers; without any,
 * to the notification CLSID, one helper at a time per job (what piles up
 * meanwhile is coalesced into the next run). */
static void deliver_other_events(struct bitsd *d, struct job *job)
{
    uint32_t i;
    int subs = has_subs(d, job);

    if (!subs && has_clsid(job)) {
        if (job->aux_pid > 0)
            return;
        if (job->n_file_events) {
            job->aux_pid = spawn_helper(d, job, BP_EVENT_FILE_TRANSFERRED, job->file_events,
                                        job->n_file_events);
            free(job->file_events);
            job->file_events = NULL;
            job->n_file_events = 0;
        } else if (job->mod_pending && !job->mod_waiting) {
            job->mod_pending = 0;
            job->aux_pid = spawn_helper(d, job, BP_EVENT_MODIFICATION, NULL, 0);
        }
        return;
    }
    if (job->mod_pending && !job->mod_waiting) {
        job->mod_pending = 0;
        job->mod_waiting = send_to_subs(d, job, BP_EVENT_MODIFICATION, BP_NO_FILE);
    }
    if (job->n_file_events) {
        for (i = 0; i < job->n_file_events; i++)
            send_to_subs(d, job, BP_EVENT_FILE_TRANSFERRED, job->file_events[i]);
        free(job->file_events);
        job->file_events = NULL;
        job->n_file_events = 0;
    }
}

void notify_tick(struct bitsd *d)
{
    int64_t now = mono_ms();
    struct job *job;

    for (job = d->jobs; job; job = job->next) {
        reap(d, job);
        reap_aux(job);
        /* Files before the job: the last FileTransferred must reach the
         * program before the JobTransferred that may make it Complete. */
        if ((job->mod_pending && !job->mod_waiting) || job->n_file_events)
            deliver_other_events(d, job);
        if (job->j.notify_pending)
            deliver_state_event(d, job, now);
    }
}

long notify_timeout(struct bitsd *d)
{
    int64_t now = mono_ms(), next = -1;
    struct job *job;

    for (job = d->jobs; job; job = job->next) {
        int64_t t = -1;
        if (job->notify_pid > 0 || job->aux_pid > 0)
            t = now + 500;      /* poll the child; SIGCHLD may not wake the loop */
        else if (job->j.notify_pending && job->notify_at_ms != INT64_MAX)
            t = job->notify_at_ms;
        /* other events wait while a helper of theirs runs (polled above) */
        if (((job->mod_pending && !job->mod_waiting) || job->n_file_events) && job->aux_pid <= 0)
            t = now;
        if (t >= 0 && (next < 0 || t < next))
            next = t;
    }
    if (next < 0)
        return -1;
    return next <= now ? 0 : (long)(next - now);
}
