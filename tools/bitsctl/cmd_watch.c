/*
 * watch: a live view of jobs.
 *
 * bitsctl polls JOB_INFO every half second instead of subscribing to
 * events: a BP_EVENT taken by a connection counts as a callback that was
 * called, which would steal the event from the program's own callback and
 * keep bitsd from running its notify command line.  Looking must not change
 * what the watched program sees.
 */
#include "bitsctl.h"
#include "bitserr.h"
#include "bitsnames.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define WATCH_INTERVAL_MS 500
#define NAME_WIDTH 20            /* bytes of display name on a bar line */
#define NAME_WIDTH_NARROW 12
#define BAR_MIN 8

struct watched {
    uint8_t id[16];
    struct bp_job_info info;    /* last snapshot (valid when 'have') */
    int have;
    int gone;                   /* bitsd no longer knows the job */
    double rate;                /* bytes per second, smoothed */
    double rate_time;           /* when rate_bytes was sampled */
    uint64_t rate_bytes;
    int printed;                /* plain mode: what the last line showed */
    int printed_gone;
    uint32_t printed_state;
    uint64_t printed_bytes, printed_total, printed_reply;
    uint32_t printed_files;
};

struct watch {
    struct ctl *ctl;
    struct watched *jobs;
    size_t count;
    int follow_all;             /* no job named: new jobs join the view */
    int once;
    int tty;
    int drawn_lines;            /* lines the last redraw left on the terminal */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
}

/* No SA_RESTART: the half-second sleep must end at once on Ctrl-C. */
static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_interval(void)
{
    struct timespec ts = { 0, WATCH_INTERVAL_MS * 1000000L };

    nanosleep(&ts, NULL);   /* EINTR: 'interrupted' tells the loop */
}

static struct watched *find(struct watch *w, const uint8_t id[16])
{
    size_t i;

    for (i = 0; i < w->count; i++)
        if (!memcmp(w->jobs[i].id, id, 16))
            return &w->jobs[i];
    return NULL;
}

static int add(struct watch *w, const uint8_t id[16])
{
    struct watched *jobs;

    if (find(w, id))
        return 0;
    jobs = realloc(w->jobs, (w->count + 1) * sizeof(*jobs));
    if (!jobs) {
        fprintf(stderr, "bitsctl: out of memory\n");
        return -1;
    }
    w->jobs = jobs;
    memset(&jobs[w->count], 0, sizeof(*jobs));
    memcpy(jobs[w->count].id, id, 16);
    w->count++;
    return 0;
}

static int add_new_jobs(struct watch *w)
{
    uint8_t (*ids)[16];
    uint32_t i, count;
    int32_t hr;
    int rc;

    rc = ctl_enum_jobs(w->ctl, &ids, &count, &hr);
    if (rc)
        return rc;
    if (hr < 0)
        return ctl_fail_hr("cannot list jobs", hr);
    for (i = 0; i < count && !rc; i++)
        if (add(w, ids[i]) < 0)
            rc = CTL_EXIT_FAILED;
    free(ids);
    return rc;
}

/* Exponential smoothing over the poll interval: steady enough to read,
 * quick enough to show a stall within a couple of seconds. */
static void update_rate(struct watched *job, double now)
{
    uint64_t bytes = job->info.bytes_transferred;
    double dt = now - job->rate_time, inst;

    if (job->rate_time == 0 || bytes < job->rate_bytes) {
        job->rate = 0;
    } else if (dt > 0.05) {
        inst = (double)(bytes - job->rate_bytes) / dt;
        job->rate = job->rate == 0 ? inst : 0.5 * job->rate + 0.5 * inst;
    } else
        return;
    job->rate_time = now;
    job->rate_bytes = bytes;
}

static int refresh_one(struct watch *w, struct watched *job, double now)
{
    struct bp_job_info info;
    char guid[39], what[64];
    int32_t hr;
    int rc;

    rc = ctl_job_info(w->ctl, job->id, &info, &hr);
    if (rc)
        return rc;
    /* bitsd forgot the job (or, when following every job, it finished
     * before its first look): it simply left the view */
    if (hr == BG_E_NOT_FOUND && (job->have || w->follow_all)) {
        job->gone = 1;
        return CTL_EXIT_OK;
    }
    if (hr < 0) {
        bp_guid_format(job->id, guid);
        snprintf(what, sizeof(what), "watch %s", guid);
        return ctl_fail_hr(what, hr);
    }
    if (job->have)
        bp_job_info_free(&job->info);
    job->info = info;
    job->have = 1;
    update_rate(job, now);
    return CTL_EXIT_OK;
}

static int refresh(struct watch *w)
{
    double now = now_seconds();
    size_t i;
    int rc;

    if (w->follow_all) {
        rc = add_new_jobs(w);
        if (rc)
            return rc;
    }
    for (i = 0; i < w->count; i++) {
        if (w->jobs[i].gone)
            continue;
        rc = refresh_one(w, &w->jobs[i], now);
        if (rc)
            return rc;
    }
    return CTL_EXIT_OK;
}

static int all_resting(const struct watch *w)
{
    size_t i;

    for (i = 0; i < w->count; i++)
        if (!w->jobs[i].gone && !bn_state_is_resting(w->jobs[i].info.state))
            return 0;
    return 1;
}

/* ---- pieces of a line ---- */

static void percent_text(const struct bp_job_info *info, char *out, size_t size)
{
    if (info->bytes_total == BP_SIZE_UNKNOWN)
        snprintf(out, size, "--%%");
    else if (info->bytes_total == 0)
        snprintf(out, size, "%s", info->state == BP_STATE_TRANSFERRED
                 || info->state == BP_STATE_ACKNOWLEDGED ? "100%" : "--%");
    else
        snprintf(out, size, "%.1f%%",
                 100.0 * (double)info->bytes_transferred / (double)info->bytes_total);
}

static void rate_text(double rate, char *out, size_t size)
{
    static const char *const units[] = { "B/s", "KiB/s", "MiB/s", "GiB/s" };
    int u = 0;

    while (rate >= 1024 && u < 3) {
        rate /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, size, "%.0f %s", rate, units[u]);
    else
        snprintf(out, size, "%.1f %s", rate, units[u]);
}

/* The state, and for ERROR what went wrong: the whole "0x80190194
 * (BG_E_HTTP_ERROR_404)" in a log line, only the name on a crowded bar line
 * (the number when there is no name). */
static void state_text(const struct watched *job, int brief, char *out, size_t size)
{
    const struct bp_job_info *info = &job->info;
    char hr[BN_HRESULT_TEXT_MAX];
    const char *name = bn_state_name(info->state);

    if (!name)
        name = "?";
    if (job->gone)
        snprintf(out, size, "gone");
    else if (info->state == BP_STATE_ERROR || info->state == BP_STATE_TRANSIENT_ERROR) {
        if (!brief || !bn_hresult_symbol(info->error_code, hr, sizeof(hr)))
            bn_hresult_format(info->error_code, hr, sizeof(hr));
        snprintf(out, size, "%s %s", name, hr);
    } else
        snprintf(out, size, "%s", name);
}

/* ---- the terminal view: one progress bar per job, redrawn in place ---- */

static int terminal_columns(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

/* Cuts 's' to at most 'max' bytes without splitting a UTF-8 character.  A
 * line that wrapped would throw off the cursor arithmetic of the redraw. */
static void fit(char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    s[n] = 0;
}

static void draw_bar_line(const struct watched *job, int columns, int state_width)
{
    char guid[39], name[NAME_WIDTH * 4 + 1], pct[16], rate[32], state[128], bar[256], line[1024];
    const struct bp_job_info *info = &job->info;
    /* a narrow terminal gives up name before bar */
    int name_width = columns >= 100 ? NAME_WIDTH : NAME_WIDTH_NARROW;
    int width, filled, i;

    bp_guid_format(job->id, guid);
    guid[9] = 0;    /* "6B29FC40" (after the brace): enough to tell jobs apart */
    text_clean(info->display_name, name, sizeof(name));
    fit(name, (size_t)name_width);
    percent_text(info, pct, sizeof(pct));
    if (!job->gone && (info->state == BP_STATE_TRANSFERRING || job->rate > 0))
        rate_text(job->rate, rate, sizeof(rate));
    else
        snprintf(rate, sizeof(rate), "-");
    state_text(job, 1, state, sizeof(state));

    /* what is left of the line once id, name, percentage, rate and the
     * longest state have their room goes to the bar: all bars line up */
    width = columns - 1 - (8 + 1 + name_width + 1 + 2 + 1 + 6 + 1 + 11 + 1 + state_width);
    if (width < BAR_MIN)
        width = BAR_MIN;
    if (width > (int)sizeof(bar) - 1)
        width = (int)sizeof(bar) - 1;
    filled = 0;
    if (info->bytes_total != BP_SIZE_UNKNOWN && info->bytes_total > 0)
        filled = (int)((double)width * (double)info->bytes_transferred / (double)info->bytes_total);
    else if (info->state == BP_STATE_TRANSFERRED || info->state == BP_STATE_ACKNOWLEDGED)
        filled = width;
    if (filled > width)
        filled = width;
    for (i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '-';
    bar[width] = 0;

    snprintf(line, sizeof(line), "%s %-*s [%s] %6s %11s %s", guid + 1, name_width, name, bar, pct,
             rate, state);
    fit(line, (size_t)columns - 1);
    printf("\r\033[2K%s\n", line);
}

static void draw_terminal(struct watch *w)
{
    int columns = terminal_columns(), lines = 0, state_width = 0;
    char state[128];
    size_t i;

    for (i = 0; i < w->count; i++) {
        if (!w->jobs[i].have)
            continue;
        state_text(&w->jobs[i], 1, state, sizeof(state));
        if ((int)strlen(state) > state_width)
            state_width = (int)strlen(state);
    }
    if (w->drawn_lines)
        printf("\033[%dA", w->drawn_lines);
    for (i = 0; i < w->count; i++) {
        if (!w->jobs[i].have)
            continue;
        draw_bar_line(&w->jobs[i], columns, state_width);
        lines++;
    }
    if (!lines && !w->drawn_lines) {
        printf("\r\033[2Kno jobs\n");
        lines = 1;
    }
    w->drawn_lines = lines;
    fflush(stdout);
}

/* ---- the plain view: one line whenever something changed ---- */

static int changed(const struct watched *job)
{
    const struct bp_job_info *info = &job->info;

    return !job->printed || job->gone != job->printed_gone
        || info->state != job->printed_state || info->bytes_transferred != job->printed_bytes
        || info->bytes_total != job->printed_total || info->files_transferred != job->printed_files
        || info->reply_bytes_transferred != job->printed_reply;
}

static void print_plain_line(struct watched *job)
{
    const struct bp_job_info *info = &job->info;
    char stamp[32], guid[39], bytes[48], pct[16], state[128], name[1100], reply[64] = "";
    struct tm tm;
    time_t t = time(NULL);

    if (!localtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(stamp, sizeof(stamp), "-");
    bp_guid_format(job->id, guid);
    text_bytes(info->bytes_transferred, info->bytes_total, bytes, sizeof(bytes));
    percent_text(info, pct, sizeof(pct));
    state_text(job, 0, state, sizeof(state));
    text_clean(info->display_name, name, sizeof(name));
    if (info->type == BP_JOB_UPLOAD_REPLY && info->reply_bytes_total != BP_SIZE_UNKNOWN) {
        char rb[48];

        text_bytes(info->reply_bytes_transferred, info->reply_bytes_total, rb, sizeof(rb));
        snprintf(reply, sizeof(reply), " reply %s", rb);
    }
    printf("%s %s %s %s (%s) files %" PRIu32 "/%" PRIu32 "%s %s\n", stamp, guid, state, bytes,
           pct, info->files_transferred, info->files_total, reply, name);

    job->printed = 1;
    job->printed_gone = job->gone;
    job->printed_state = info->state;
    job->printed_bytes = info->bytes_transferred;
    job->printed_total = info->bytes_total;
    job->printed_files = info->files_transferred;
    job->printed_reply = info->reply_bytes_transferred;
}

static void draw_plain(struct watch *w)
{
    size_t i;

    for (i = 0; i < w->count; i++)
        if (w->jobs[i].have && changed(&w->jobs[i]))
            print_plain_line(&w->jobs[i]);
    fflush(stdout);
}

static void draw_json(struct watch *w)
{
    struct json j;
    size_t i;

    json_init(&j, stdout);
    json_begin_array(&j);
    for (i = 0; i < w->count; i++)
        if (w->jobs[i].have && !w->jobs[i].gone)
            json_job(&j, &w->jobs[i].info, 0);
    json_end_array(&j);
    json_finish(&j);
}

static void draw(struct watch *w)
{
    if (w->ctl->json)
        draw_json(w);
    else if (w->tty)
        draw_terminal(w);
    else
        draw_plain(w);
}

/* ---- the command ---- */

static int parse_args(struct watch *w, int argc, char **argv)
{
    uint8_t id[16];
    int a, rc, named = 0;

    for (a = 0; a < argc; a++)
        if (!strcmp(argv[a], "--once"))
            w->once = 1;
    if (w->ctl->json && !w->once)
        return ctl_usage_error("watch --json needs --once (one snapshot)");
    rc = ctl_connect(w->ctl);
    if (rc)
        return rc;
    for (a = 0; a < argc; a++) {
        if (!strcmp(argv[a], "--once"))
            continue;
        rc = ctl_resolve_job(w->ctl, argv[a], id);
        if (rc)
            return rc;
        if (add(w, id) < 0)
            return CTL_EXIT_FAILED;
        named = 1;
    }
    w->follow_all = !named;
    return CTL_EXIT_OK;
}

static void free_watch(struct watch *w)
{
    size_t i;

    for (i = 0; i < w->count; i++)
        if (w->jobs[i].have)
            bp_job_info_free(&w->jobs[i].info);
    free(w->jobs);
}

int cmd_watch(struct ctl *ctl, int argc, char **argv)
{
    struct watch w;
    int rc;

    memset(&w, 0, sizeof(w));
    w.ctl = ctl;
    w.tty = isatty(STDOUT_FILENO);
    rc = parse_args(&w, argc, argv);
    if (rc) {
        free_watch(&w);
        return rc;
    }
    catch_signals();
    if (w.tty && !w.once && !ctl->json)
        printf("\033[?25l");    /* no cursor blinking across the bars */
    for (;;) {
        rc = refresh(&w);
        if (rc)
            break;
        draw(&w);
        if (w.once || all_resting(&w) || interrupted)
            break;
        sleep_interval();
        if (interrupted)
            break;
    }
    if (w.tty && !w.once && !ctl->json) {
        printf("\033[?25h");
        fflush(stdout);
    }
    if (!rc && !w.tty && !ctl->json && w.count == 0)
        printf("no jobs\n");
    free_watch(&w);
    return rc;
}
