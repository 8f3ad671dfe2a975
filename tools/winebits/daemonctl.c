/*
 * Finding, asking and stopping the prefix's bitsd.
 *
 * bitsd holds an exclusive flock on <prefix>/bitsd/lock while it runs
 * (HACKING.md).  flock records no owner, so the pid comes from, in order:
 * a pid file if bitsd writes one, the holder of an fcntl lock if bitsd uses
 * those, and finally the process that has the lock file open (/proc).
 */
#include "winebits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_FILE       "bitsd/lock"
#define PID_FILE        "bitsd/pid"
#define PORT_FILE       "bitsd/port"
#define STOP_WAIT_MS    15000
#define POLL_MS         100

/* 1 when a process holds the lock, 0 when nobody does, -1 on error.  The
 * fcntl test also reports the holder when bitsd uses fcntl locks. */
static int lock_held(const char *prefix, pid_t *fcntl_holder)
{
    char path[WB_PATH_MAX];
    struct flock fl;
    int fd, held = 0;

    *fcntl_holder = 0;
    if (wb_path(path, sizeof(path), prefix, LOCK_FILE) < 0)
        return -1;
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        *fcntl_holder = fl.l_pid;
        held = 1;
    }
    if (!held) {
        /* Taking the lock for an instant is the only way to test a flock;
         * it is released at once. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
            held = errno == EWOULDBLOCK ? 1 : -1;
        else
            flock(fd, LOCK_UN);
    }
    close(fd);
    return held;
}

/* 1 when process 'pid' has the file (dev, ino) open. */
static int process_has_open(pid_t pid, dev_t dev, ino_t ino)
{
    char dir[64], fdpath[320];
    struct dirent *de;
    struct stat st;
    DIR *d;
    int found = 0;

    snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
    d = opendir(dir);
    if (!d)
        return 0;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(fdpath, sizeof(fdpath), "%s/%s", dir, de->d_name);
        if (stat(fdpath, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
            found = 1;
    }
    closedir(d);
    return found;
}

/* A bitsd binary, also when it was rebuilt while running ("(deleted)"). */
static int process_is_bitsd(pid_t pid)
{
    char path[64], exe[WB_PATH_MAX];
    const char *base;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    n = readlink(path, exe, sizeof(exe) - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    return !strcmp(base, "bitsd") || !strcmp(base, "bitsd (deleted)");
}

/* Every bitsd that has the lock file open: normally one, but a second
 * instance that is just finding the lock taken, or the starting process
 * of a detaching one, may briefly have it open too. */
static unsigned pids_from_open_files(const char *lock_path, pid_t *pids, unsigned max)
{
    struct dirent *de;
    struct stat st;
    unsigned count = 0;
    DIR *proc;

    if (stat(lock_path, &st) < 0)
        return 0;
    proc = opendir("/proc");
    if (!proc)
        return 0;
    while (count < max && (de = readdir(proc))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);

        if (*end || pid <= 0 || pid == (long)getpid())
            continue;
        if (process_has_open((pid_t)pid, st.st_dev, st.st_ino) && process_is_bitsd((pid_t)pid))
            pids[count++] = (pid_t)pid;
    }
    closedir(proc);
    return count;
}

static pid_t pid_from_file(const char *prefix)
{
    char path[WB_PATH_MAX], line[32];
    char *end;
    long pid;

    if (wb_path(path, sizeof(path), prefix, PID_FILE) < 0 ||
        wb_read_line(path, line, sizeof(line)) < 0)
        return 0;
    pid = strtol(line, &end, 10);
    if (*end || pid <= 0)
        return 0;
    /* A stale file from a crashed bitsd may name an unrelated process. */
    if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
        return 0;
    return (pid_t)pid;
}

#define MAX_HOLDERS 16

/* Candidates for "the running bitsd", best first: the pid file, the holder
 * of an fcntl lock, then the bitsd processes with the lock file open, the
 * detached one (a session leader) first. */
static unsigned find_pids(const char *prefix, pid_t fcntl_holder, pid_t *pids)
{
    char lock[WB_PATH_MAX];
    unsigned count, i;
    pid_t pid;

    if ((pid = pid_from_file(prefix))) {
        pids[0] = pid;
        return 1;
    }
    if (fcntl_holder > 0) {
        pids[0] = fcntl_holder;
        return 1;
    }
    if (wb_path(lock, sizeof(lock), prefix, LOCK_FILE) < 0)
        return 0;
    count = pids_from_open_files(lock, pids, MAX_HOLDERS);
    for (i = 1; i < count; i++) {
        if (getsid(pids[i]) == pids[i]) {
            pid = pids[0];
            pids[0] = pids[i];
            pids[i] = pid;
            break;
        }
    }
    return count;
}

static int read_port(const char *prefix)
{
    char path[WB_PATH_MAX], line[32];
    char *end;
    long port;

    if (wb_path(path, sizeof(path), prefix, PORT_FILE) < 0 ||
        wb_read_line(path, line, sizeof(line)) < 0)
        return 0;
    port = strtol(line, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return 0;
    return (int)port;
}

int wb_daemon_query(const char *prefix, struct wb_daemon_state *st)
{
    pid_t holder, pids[MAX_HOLDERS];
    int held;

    memset(st, 0, sizeof(*st));
    st->job_count = -1;
    held = lock_held(prefix, &holder);
    if (held < 0)
        return -1;
    st->running = held;
    if (!held)
        return 0;
    if (find_pids(prefix, holder, pids) > 0)
        st->pid = pids[0];
    st->port = read_port(prefix);
    if (st->port && wb_daemon_hello(prefix, st->port, &st->job_count) == 0)
        st->reachable = 1;
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int already_signalled(const pid_t *sent, unsigned n, pid_t pid)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (sent[i] == pid)
            return 1;
    return 0;
}

/* SIGTERM to every candidate not signalled yet; returns how many got one. */
static unsigned signal_holders(const char *prefix, pid_t *sent, unsigned *n_sent)
{
    pid_t holder, pids[MAX_HOLDERS];
    unsigned count, i, signalled = 0;

    if (lock_held(prefix, &holder) <= 0)
        return 0;
    count = find_pids(prefix, holder, pids);
    for (i = 0; i < count && *n_sent < 4 * MAX_HOLDERS; i++) {
        if (already_signalled(sent, *n_sent, pids[i]))
            continue;
        if (kill(pids[i], SIGTERM) == 0) {
            sent[(*n_sent)++] = pids[i];
            signalled++;
        }
    }
    return signalled;
}

/* 0 when bitsd is not running afterwards, -1 otherwise. */
int wb_daemon_stop(const char *prefix, int verbose)
{
    pid_t holder, sent[4 * MAX_HOLDERS];
    unsigned n_sent = 0, i;
    long waited;
    int held;

    held = lock_held(prefix, &holder);
    if (held < 0) {
        fprintf(stderr, "winebits: cannot test %s/%s: %s\n", prefix, LOCK_FILE, strerror(errno));
        return -1;
    }
    if (!held) {
        if (verbose)
            printf("bitsd is not running in %s\n", prefix);
        return 0;
    }
    if (!signal_holders(prefix, sent, &n_sent)) {
        fprintf(stderr, "winebits: bitsd holds %s/%s but its pid cannot be found\n",
                prefix, LOCK_FILE);
        return -1;
    }
    /* Done when the lock is free: that is bitsd's last act.  Look again
     * now and then in case the pid was not the lock's holder. */
    for (waited = 0; waited < STOP_WAIT_MS; waited += POLL_MS) {
        if (lock_held(prefix, &holder) == 0) {
            printf("stopped bitsd (pid");
            for (i = 0; i < n_sent; i++)
                printf(" %d", (int)sent[i]);
            printf(")\n");
            return 0;
        }
        if (waited % 1000 == 0 && waited)
            signal_holders(prefix, sent, &n_sent);
        sleep_ms(POLL_MS);
    }
    fprintf(stderr, "winebits: bitsd (pid %d) did not stop within %d s\n",
            (int)sent[0], STOP_WAIT_MS / 1000);
    return -1;
}

int wb_status(const struct wb_options *opt)
{
    struct wb_daemon_state st;
    int installed = wb_is_installed(opt->prefix);
    int override = -1;
    char daemon_path[WB_PATH_MAX], file[WB_PATH_MAX];

    if (wb_is_wine_prefix(opt->prefix))
        override = wb_reg_value_is(opt, "HKCU\\Software\\Wine\\DllOverrides", "qmgr", "native");
    printf("prefix:    %s\n", opt->prefix);
    printf("installed: %s\n", installed ? "yes" : "no");
    if (override >= 0)
        printf("override:  qmgr=%s\n", override ? "native" : "(not set to native)");
    if (wb_path(file, sizeof(file), opt->prefix, "bitsd/daemon") == 0 &&
        wb_read_line(file, daemon_path, sizeof(daemon_path)) == 0)
        printf("daemon:    %s\n", daemon_path);

    if (wb_daemon_query(opt->prefix, &st) < 0) {
        fprintf(stderr, "winebits: cannot test the lock in %s/bitsd\n", opt->prefix);
        return WB_EXIT_FAILURE;
    }
    printf("bitsd:     %s\n", st.running ? "running" : "not running");
    if (st.running) {
        if (st.pid)
            printf("pid:       %d\n", (int)st.pid);
        if (st.port)
            printf("port:      %d (%s)\n", st.port, st.reachable ? "answers" : "does not answer");
        if (st.job_count >= 0)
            printf("jobs:      %ld\n", st.job_count);
    }
    if (!installed || override == 0)
        return WB_EXIT_NOT_INSTALLED;
    return st.running ? WB_EXIT_OK : WB_EXIT_NOT_RUNNING;
}
