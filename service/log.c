/* Logging: one line per event with a UTC timestamp, to bitsd.log and, in
 * --foreground, to stderr as well. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bitsd.h"

static FILE *log_file;
static int log_to_stderr = 1;
static int log_verbose;

int log_open(const char *path, int foreground, int verbose)
{
    log_to_stderr = foreground;
    log_verbose = verbose;
    if (!path)
        return 0;
    log_file = fopen(path, "ae");
    if (!log_file)
        return -1;
    setvbuf(log_file, NULL, _IOLBF, 0);
    return 0;
}

void log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

static void log_emit(const char *level, const char *fmt, va_list ap)
{
    char stamp[64];
    struct timespec ts;
    struct tm tm;
    va_list ap2;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, ts.tv_nsec / 1000000);
    if (log_file) {
        va_copy(ap2, ap);
        fprintf(log_file, "%s bitsd[%d] %s: ", stamp, (int)getpid(), level);
        vfprintf(log_file, fmt, ap2);
        fputc('\n', log_file);
        va_end(ap2);
    }
    if (log_to_stderr) {
        fprintf(stderr, "%s bitsd %s: ", stamp, level);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit("info", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit("warn", fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;
    if (!log_verbose)
        return;
    va_start(ap, fmt);
    log_emit("debug", fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit("fatal", fmt, ap);
    va_end(ap);
    exit(1);
}
