/*
 * winebits without Wine: command line, refusing a directory that is not a
 * prefix, and status/stop against a real bitsd (which needs no Wine).
 * WINEBITS_PATH and BITSD_PATH come from the build.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define OUTPUT_MAX 8192

struct run_result {
    int status;                 /* exit status, -1 if it did not exit */
    char output[OUTPUT_MAX];    /* stdout and stderr */
};

/* Runs winebits with the given arguments (NULL-terminated). */
static void run_winebits(struct run_result *res, ...)
{
    const char *argv[16];
    int pipefd[2], i = 0, status;
    size_t used = 0;
    va_list ap;
    pid_t pid;

    argv[i++] = WINEBITS_PATH;
    va_start(ap, res);
    while (i < 15 && (argv[i] = va_arg(ap, const char *)))
        i++;
    va_end(ap);
    argv[i] = NULL;

    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        /* No Wine must be needed for anything tested here. */
        setenv("WINE", "/nonexistent/wine", 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    for (;;) {
        ssize_t n = read(pipefd[0], res->output + used, sizeof(res->output) - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    res->output[used] = '\0';
    close(pipefd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    res->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *make_temp_dir(void)
{
    char tmpl[] = "/tmp/test_winebits.XXXXXX";
    char *dir = mkdtemp(tmpl);

    assert_non_null(dir);
    return strdup(dir);
}

static void remove_tree(const char *dir)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_usage(void **state)
{
    struct run_result res;

    run_winebits(&res, NULL);
    assert_int_equal(res.status, 2);
    assert_non_null(strstr(res.output, "usage: winebits"));
    run_winebits(&res, "frobnicate", NULL);
    assert_int_equal(res.status, 2);
    assert_non_null(strstr(res.output, "unknown command"));
    run_winebits(&res, "--help", NULL);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.output, "uninstall"));
    run_winebits(&res, "status", "--prefix", "/nonexistent/prefix", NULL);
    assert_int_equal(res.status, 1);
}

/* A directory without system.reg and system32 is refused and left alone. */
static void test_install_refuses_non_prefix(void **state)
{
    char *dir = make_temp_dir(), path[512];
    struct run_result res;
    struct stat st;

    run_winebits(&res, "install", "--prefix", dir, NULL);
    assert_int_equal(res.status, 1);
    assert_non_null(strstr(res.output, "not an initialised Wine prefix"));
    snprintf(path, sizeof(path), "%s/bitsd", dir);
    assert_int_equal(stat(path, &st), -1);
    remove_tree(dir);
    free(dir);
}

static void test_status_not_installed(void **state)
{
    char *dir = make_temp_dir();
    struct run_result res;

    run_winebits(&res, "status", "--prefix", dir, NULL);
    assert_int_equal(res.status, 4);
    assert_non_null(strstr(res.output, "installed: no"));
    assert_non_null(strstr(res.output, "bitsd:     not running"));
    run_winebits(&res, "stop", "--prefix", dir, NULL);
    assert_int_equal(res.status, 0);
    remove_tree(dir);
    free(dir);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* A foreground bitsd: its pid is ours to know, and it holds the lock
 * itself, so status must find exactly it and stop must end it cleanly. */
static void test_status_and_stop_real_bitsd(void **state)
{
    char *dir = make_temp_dir(), port_file[512], expect[64];
    struct run_result res;
    struct timespec pause = { 0, 50 * 1000000L };
    int status, i;
    pid_t bitsd;

    snprintf(port_file, sizeof(port_file), "%s/bitsd/port", dir);
    bitsd = fork();
    assert_true(bitsd >= 0);
    if (bitsd == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execl(BITSD_PATH, BITSD_PATH, "--prefix", dir, "--foreground", (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 400 && !file_exists(port_file); i++)
        nanosleep(&pause, NULL);
    assert_true(file_exists(port_file));

    run_winebits(&res, "status", "--prefix", dir, NULL);
    /* Not installed (no qmgr.dll backup), but the daemon is reported. */
    assert_int_equal(res.status, 4);
    assert_non_null(strstr(res.output, "bitsd:     running"));
    snprintf(expect, sizeof(expect), "pid:       %d\n", (int)bitsd);
    assert_non_null(strstr(res.output, expect));
    assert_non_null(strstr(res.output, "(answers)"));
    assert_non_null(strstr(res.output, "jobs:      0"));

    run_winebits(&res, "stop", "--prefix", dir, NULL);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.output, "stopped bitsd"));
    assert_int_equal(waitpid(bitsd, &status, 0), bitsd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    run_winebits(&res, "status", "--prefix", dir, NULL);
    assert_non_null(strstr(res.output, "bitsd:     not running"));
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_install_refuses_non_prefix),
        cmocka_unit_test(test_status_not_installed),
        cmocka_unit_test(test_status_and_stop_real_bitsd),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
