/* bitsctl: command line front end. */
#include "bitsctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
        "usage: bitsctl [--prefix DIR] [--json] <command> ...\n"
        "\n"
        "  list [--all]            every job in the prefix's queue, whoever owns it:\n"
        "                          id, state, type, bytes done/total, files, name\n"
        "                          (--all is accepted; all owners are always listed)\n"
        "  info <job>              everything bitsd knows about a job, files included\n"
        "  watch [--once] [<job>...]\n"
        "                          live progress of the jobs (default: all), until\n"
        "                          Ctrl-C or until every one is TRANSFERRED, ERROR or\n"
        "                          final; bars on a terminal, a line per change\n"
        "                          otherwise; --once prints one snapshot\n"
        "  suspend <job>  resume <job>  cancel <job>  complete <job>\n"
        "\n"
        "  <job>          {GUID}, GUID without braces, or a display name that only\n"
        "                 one job has\n"
        "  --prefix DIR   Wine prefix (default: $WINEPREFIX, then ~/.wine)\n"
        "  --json         JSON output for list, info and watch --once\n"
        "\n"
        "bitsctl never starts bitsd.\n"
        "exit status: 0 success, 1 the operation failed (its HRESULT is printed),\n"
        "2 usage error, 3 bitsd is not running for the prefix\n");
}

int ctl_usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bitsctl: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(bitsctl --help for usage)\n");
    return CTL_EXIT_USAGE;
}

/* Takes the global options out of argv wherever they are, so that both
 * "bitsctl --json list" and "bitsctl list --json" work; what is left (the
 * command and its own arguments) stays in order in 'rest'.  "--" ends the
 * global options: a job named "--json" can still be given. */
static int parse_globals(int argc, char **argv, const char **prefix, int *json, int *help,
                         char **rest, int *nrest)
{
    int a, no_more = 0;

    *nrest = 0;
    for (a = 1; a < argc; a++) {
        const char *arg = argv[a];

        if (no_more)
            rest[(*nrest)++] = argv[a];
        else if (!strcmp(arg, "--"))
            no_more = 1;
        else if (!strcmp(arg, "--json"))
            *json = 1;
        else if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
            *help = 1;
        else if (!strcmp(arg, "--prefix")) {
            if (++a == argc)
                return ctl_usage_error("--prefix needs a directory");
            *prefix = argv[a];
        } else if (!strncmp(arg, "--prefix=", 9))
            *prefix = arg + 9;
        else
            rest[(*nrest)++] = argv[a];
    }
    return CTL_EXIT_OK;
}

static int run(struct ctl *ctl, const char *command, int argc, char **argv)
{
    if (!strcmp(command, "help")) {
        usage(stdout);
        return CTL_EXIT_OK;
    }
    if (!strcmp(command, "list"))
        return cmd_list(ctl, argc, argv);
    if (!strcmp(command, "info"))
        return cmd_info(ctl, argc, argv);
    if (!strcmp(command, "watch"))
        return cmd_watch(ctl, argc, argv);
    if (ctl_is_action(command))
        return cmd_action(ctl, command, argc, argv);
    return ctl_usage_error("unknown command '%s'", command);
}

int main(int argc, char **argv)
{
    const char *prefix = NULL;
    int json = 0, help = 0, nrest, rc;
    static struct ctl ctl;
    char **rest;

    rest = calloc((size_t)argc + 1, sizeof(*rest));
    if (!rest) {
        fprintf(stderr, "bitsctl: out of memory\n");
        return CTL_EXIT_FAILED;
    }
    rc = parse_globals(argc, argv, &prefix, &json, &help, rest, &nrest);
    if (rc == CTL_EXIT_OK && help) {
        usage(stdout);
        free(rest);
        return CTL_EXIT_OK;
    }
    if (rc == CTL_EXIT_OK && nrest == 0) {
        usage(stderr);
        rc = CTL_EXIT_USAGE;
    }
    if (rc == CTL_EXIT_OK && rest[0][0] == '-')
        rc = ctl_usage_error("unknown option '%s'", rest[0]);
    if (rc == CTL_EXIT_OK)
        rc = ctl_find_prefix(&ctl, prefix);
    if (rc == CTL_EXIT_OK) {
        ctl.json = json;
        ctl.ipc.fd = -1;
        rc = run(&ctl, rest[0], nrest - 1, rest + 1);
        ctl_disconnect(&ctl);
    }
    free(rest);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("bitsctl: writing output");
        if (rc == CTL_EXIT_OK)
            rc = CTL_EXIT_FAILED;
    }
    return rc;
}
