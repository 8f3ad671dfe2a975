/*
 * Running Wine's own tools (reg.exe) inside the prefix.  The registry is
 * only ever changed through Wine: wineserver owns the hives while it runs,
 * and editing the .reg files behind its back would be lost or corrupt.
 */
#include "winebits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#define REG_OUTPUT_MAX 16384

/* 1 when 'name' is an executable file in one of the directories of $PATH. */
static int in_path(const char *name)
{
    const char *p = getenv("PATH");
    char file[WB_PATH_MAX];

    while (p && *p) {
        const char *colon = strchr(p, ':');
        int len = colon ? (int)(colon - p) : (int)strlen(p);

        if (len > 0 && snprintf(file, sizeof(file), "%.*s/%s", len, p, name) <
                           (int)sizeof(file) &&
            access(file, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* The 64-bit loader when there is one.  With wine32 installed, plain `wine`
 * is the 32-bit loader: in a WoW64 prefix `wine regsvr32` and `wine reg` are
 * then 32-bit programs that load syswow64's DLLs and write the 32-bit
 * registry view, and in a prefix made without wine32 they do not start at
 * all.  Everything here is about the 64-bit service, so it runs 64-bit;
 * 32-bit programs are named by their syswow64 path and wine64 hands them to
 * the 32-bit loader.  Debian keeps wine64 out of $PATH. */
static const char *wine_binary(void)
{
    static const char debian_wine64[] = "/usr/lib/wine/wine64";
    const char *wine = getenv("WINE");

    if (wine && *wine)
        return wine;
    if (in_path("wine64"))
        return "wine64";
    if (access(debian_wine64, X_OK) == 0)
        return debian_wine64;
    return "wine";
}

/* The child gets the prefix and a quiet, headless Wine: no debug noise, no
 * Mono/Gecko install prompts if the prefix needs an update. */
static void child_setup_env(const struct wb_options *opt)
{
    setenv("WINEPREFIX", opt->prefix, 1);
    setenv("WINEDEBUG", "-all", 1);
    setenv("WINEDLLOVERRIDES", "mscoree,mshtml=", 1);
}

/* Runs `wine argv...`, optionally capturing stdout into 'out'.  Returns the
 * exit status, or -1 when the program could not be run. */
static int run_wine_capture(const struct wb_options *opt, const char *const argv[],
                            char *out, size_t out_size)
{
    const char *args[16];
    int pipefd[2] = { -1, -1 };
    size_t used = 0;
    int i, status;
    pid_t pid;

    args[0] = wine_binary();
    for (i = 0; argv[i] && i < 14; i++)
        args[i + 1] = argv[i];
    args[i + 1] = NULL;

    if (opt->verbose) {
        fprintf(stderr, "winebits: running WINEPREFIX=%s", opt->prefix);
        for (i = 0; args[i]; i++)
            fprintf(stderr, " '%s'", args[i]);
        fputc('\n', stderr);
    }
    if (out && pipe(pipefd) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "winebits: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        child_setup_env(opt);
        if (out) {
            dup2(pipefd[1], STDOUT_FILENO);
            close(pipefd[0]);
            close(pipefd[1]);
        } else if (!opt->verbose) {
            /* reg.exe chats ("The operation completed successfully"). */
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0)
                dup2(null, STDOUT_FILENO);
        }
        execvp(args[0], (char *const *)args);
        fprintf(stderr, "winebits: cannot run %s: %s\n", args[0], strerror(errno));
        _exit(127);
    }
    if (out) {
        close(pipefd[1]);
        for (;;) {
            ssize_t n = read(pipefd[0], out + used, out_size - 1 - used);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            used += (size_t)n;
            if (used == out_size - 1) {
                char sink[512];
                while (read(pipefd[0], sink, sizeof(sink)) > 0)
                    ;
                break;
            }
        }
        out[used] = '\0';
        close(pipefd[0]);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (!WIFEXITED(status))
        return -1;
    if (WEXITSTATUS(status) == 127)
        return -1;
    return WEXITSTATUS(status);
}

int wb_run_wine(const struct wb_options *opt, const char *const argv[])
{
    return run_wine_capture(opt, argv, NULL, 0);
}

/* Finds "    <value>    REG_xxx    <data>" in reg.exe query output and
 * copies <data> to 'data'. */
static int output_find_value(char *text, const char *value, char *data, size_t size)
{
    char *line, *save = NULL;
    size_t name_len = strlen(value);

    for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *p = line + strspn(line, " \t");
        char *type, *rest;

        if (strncasecmp(p, value, name_len) != 0 || (p[name_len] != ' ' && p[name_len] != '\t'))
            continue;
        type = p + name_len + strspn(p + name_len, " \t");
        if (strncmp(type, "REG_", 4) != 0)
            continue;
        rest = type + strcspn(type, " \t");
        rest += strspn(rest, " \t");
        snprintf(data, size, "%s", rest);
        return 1;
    }
    return 0;
}

/* 1 and the value's data as reg.exe prints it (REG_MULTI_SZ items joined
 * by "\0") when the value exists, 0 when not, -1 when Wine could not run. */
int wb_reg_get(const struct wb_options *opt, const char *key, const char *value,
               char *data, size_t size)
{
    const char *argv[] = { "reg", "query", key, "/v", value, NULL };
    char out[REG_OUTPUT_MAX];
    int rc;

    rc = run_wine_capture(opt, argv, out, sizeof(out));
    if (rc < 0)
        return -1;
    if (rc != 0)
        return 0;
    return output_find_value(out, value, data, size);
}

/* 1 when the value exists (and, if 'data' is given, has that data,
 * ignoring case), 0 when not, -1 when Wine could not be run. */
int wb_reg_value_is(const struct wb_options *opt, const char *key,
                    const char *value, const char *data)
{
    char found[REG_OUTPUT_MAX];
    int rc = wb_reg_get(opt, key, value, found, sizeof(found));

    if (rc <= 0)
        return rc;
    return !data || strcasecmp(found, data) == 0;
}

int wb_reg_add(const struct wb_options *opt, const char *key, const char *value,
               const char *type, const char *data)
{
    const char *argv[] = { "reg", "add", key, "/v", value, "/t", type, "/d", data, "/f", NULL };
    int rc = wb_run_wine(opt, argv);

    if (rc != 0) {
        fprintf(stderr, "winebits: reg add %s\\%s failed (%d)\n", key, value, rc);
        return -1;
    }
    return 0;
}

/* Deleting a value that is not there is not an error. */
int wb_reg_delete(const struct wb_options *opt, const char *key, const char *value)
{
    const char *argv[] = { "reg", "delete", key, "/v", value, "/f", NULL };
    int present = wb_reg_value_is(opt, key, value, NULL);

    if (present < 0)
        return -1;
    if (!present)
        return 0;
    if (wb_run_wine(opt, argv) != 0) {
        fprintf(stderr, "winebits: reg delete %s\\%s failed\n", key, value);
        return -1;
    }
    return 0;
}
