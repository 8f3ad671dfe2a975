/*
 * bitsd: the BITS daemon of one Wine prefix.
 *
 *   bitsd [--prefix DIR] [--foreground] [--verbose]
 *
 * Environment: BITSD_INACTIVITY_TIMEOUT=<seconds> replaces the 90-day
 * JobInactivityTimeout (for tests; see expire.c).
 *
 * Start-up order matters to qmgr.dll, which reads 'port' and then 'token':
 * lock, store, token, listen, port, and only then detach.  The event loop is
 * single-threaded: wait (engine sockets + ours), IPC, engine, timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitsd.h"

#define MAX_WAIT_FDS 300
#define MAX_WAIT_MS  60000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    stop_requested = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bitsd [--prefix DIR] [--foreground] [--verbose]\n");
    exit(2);
}

static char *default_prefix(void)
{
    const char *p = getenv("WINEPREFIX"), *home;
    char *s;

    if (p && *p)
        return strdup(p);
    home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    return asprintf(&s, "%s/.wine", home) < 0 ? NULL : s;
}

static void setup_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* Leaves the terminal and the starting process behind; the lock fd stays. */
static void detach(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0)
        fatal("fork: %s", strerror(errno));
    if (pid > 0)
        _exit(0);
    setsid();
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
}

static long min_timeout(long a, long b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static void run_loop(struct bitsd *d)
{
    struct curl_waitfd fds[MAX_WAIT_FDS];

    while (!stop_requested) {
        unsigned n = control_fds(d, fds, MAX_WAIT_FDS);
        long t = min_timeout(xfer_engine_timeout(d->engine),
                             min_timeout(sched_timeout(d),
                                         min_timeout(notify_timeout(d), expire_timeout(d))));

        if (t < 0 || t > MAX_WAIT_MS)
            t = MAX_WAIT_MS;
        xfer_engine_wait(d->engine, fds, n, (int)t);
        control_run(d);
        xfer_engine_run(d->engine);
        sched_tick(d);
        notify_tick(d);
        expire_tick(d);
    }
}

int main(int argc, char **argv)
{
    struct bitsd d;
    char *prefix = NULL, *statedir, *logpath;
    int foreground = 0, verbose = 0, lock, i;
    unsigned port;

    /* Whoever started us (Wine's CreateProcess, a test harness) may have
     * left descriptors open; a daemon holding a caller's pipe keeps that
     * caller waiting for end of file, so keep only 0-2. */
    close_range(3, ~0U, 0);

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--prefix") && i + 1 < argc)
            prefix = strdup(argv[++i]);
        else if (!strcmp(argv[i], "--foreground"))
            foreground = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else
            usage();
    }
    if (!prefix)
        prefix = default_prefix();
    if (!prefix)
        fatal("no prefix: pass --prefix or set WINEPREFIX or HOME");
    umask(077);
    statedir = path_join(prefix, "bitsd");
    if (!statedir || statedir_create(statedir) < 0)
        fatal("cannot create state directory %s/bitsd: %s", prefix, strerror(errno));
    lock = statedir_lock(statedir);
    if (lock == -2) {
        free(statedir);
        free(prefix);
        return 0;   /* another bitsd serves this prefix */
    }
    if (lock < 0)
        fatal("cannot lock %s/lock: %s", statedir, strerror(errno));
    logpath = path_join(statedir, "bitsd.log");
    if (log_open(logpath, foreground, verbose) < 0)
        fatal("cannot open %s: %s", logpath, strerror(errno));
    free(logpath);
    setup_signals();

    if (bitsd_core_init(&d, prefix, statedir) < 0)
        fatal("cannot open the job store in %s", statedir);
    if (statedir_write_token(statedir, d.token) < 0)
        fatal("cannot write the token: %s", strerror(errno));
    if (control_listen(&d, &port) < 0)
        fatal("cannot listen on 127.0.0.1: %s", strerror(errno));
    if (statedir_write_port(statedir, port) < 0)
        fatal("cannot write the port: %s", strerror(errno));
    log_info("bitsd for %s listening on 127.0.0.1:%u", prefix, port);
    if (!foreground)
        detach();

    d.engine = xfer_engine_new();
    if (!d.engine)
        fatal("cannot start the transfer engine");
    run_loop(&d);

    log_info("stopping");
    /* nobody listens on that port any more */
    logpath = path_join(statedir, "port");
    if (logpath)
        unlink(logpath);
    free(logpath);
    sched_shutdown(&d);
    control_close_all(&d);
    xfer_engine_free(d.engine);
    d.engine = NULL;
    bitsd_core_free(&d);
    free(statedir);
    free(prefix);
    log_close();
    close(lock);
    return 0;
}
