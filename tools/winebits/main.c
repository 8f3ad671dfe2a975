/* winebits: command line front end. */
#include "winebits.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
        "usage: winebits install|uninstall|status|stop [--prefix DIR] [--bin-dir DIR] [--verbose]\n"
        "\n"
        "  install    put qmgr.dll into the prefix (the original is kept as\n"
        "             qmgr.dll.winebits-orig), set the qmgr=native override, make\n"
        "             sure BITS is registered, record bitsd's path in <prefix>/bitsd\n"
        "  uninstall  stop bitsd, restore Wine's qmgr.dll, remove the override;\n"
        "             the job store in <prefix>/bitsd is left alone\n"
        "  status     installed?  bitsd running?  pid, port, job count\n"
        "  stop       send SIGTERM to the prefix's bitsd and wait for it to exit\n"
        "\n"
        "  --prefix DIR   Wine prefix (default: $WINEPREFIX, then ~/.wine)\n"
        "  --bin-dir DIR  where qmgr.dll and bitsd are (default: next to winebits)\n"
        "  --verbose      show the Wine commands that are run\n"
        "\n"
        "exit status: 0 success (status: installed and bitsd running), 1 failure,\n"
        "2 usage error, 3 status: bitsd not running, 4 status: not installed\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "prefix", required_argument, NULL, 'p' },
        { "bin-dir", required_argument, NULL, 'b' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct wb_options opt;
    const char *prefix = NULL, *bin_dir = NULL, *command;
    int c;

    memset(&opt, 0, sizeof(opt));
    while ((c = getopt_long(argc, argv, "p:b:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': prefix = optarg; break;
        case 'b': bin_dir = optarg; break;
        case 'v': opt.verbose = 1; break;
        case 'h': usage(stdout); return WB_EXIT_OK;
        default: usage(stderr); return WB_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return WB_EXIT_USAGE;
    }
    command = argv[optind];
    if (strcmp(command, "help") == 0) {
        usage(stdout);
        return WB_EXIT_OK;
    }
    if (strcmp(command, "install") && strcmp(command, "uninstall") &&
        strcmp(command, "status") && strcmp(command, "stop")) {
        fprintf(stderr, "winebits: unknown command '%s'\n", command);
        usage(stderr);
        return WB_EXIT_USAGE;
    }
    if (wb_find_prefix(prefix, opt.prefix, sizeof(opt.prefix)) < 0)
        return WB_EXIT_FAILURE;
    if (bin_dir)
        snprintf(opt.bin_dir, sizeof(opt.bin_dir), "%s", bin_dir);
    else if (wb_self_dir(opt.bin_dir, sizeof(opt.bin_dir)) < 0) {
        fprintf(stderr, "winebits: cannot find my own directory; pass --bin-dir\n");
        return WB_EXIT_FAILURE;
    }
    /* Output order matters when stdout and stderr share a log. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (strcmp(command, "install") == 0)
        return wb_install(&opt);
    if (strcmp(command, "uninstall") == 0)
        return wb_uninstall(&opt);
    if (strcmp(command, "status") == 0)
        return wb_status(&opt);
    return wb_daemon_stop(opt.prefix, 1) == 0 ? WB_EXIT_OK : WB_EXIT_FAILURE;
}
