/*
 * bitsadmin: argument parsing and dispatch.
 *
 *   bitsadmin [/rawreturn] [/wrap | /nowrap] /<switch> [arguments]
 *
 * Switch names are case-insensitive.  Each switch has a handler (cmd_*.c)
 * that receives only its own arguments, already checked for their number.
 */
#include <wchar.h>

#include "bitsadmin.h"

volatile LONG ba_interrupted;

static int help_handler(struct ba_ctx *ctx, int argc, WCHAR **argv);

static const struct ba_command commands[] =
{
    { L"create", 1, 2, ba_cmd_create, L"/create [/download | /upload | /upload-reply] <name>",
      L"Creates a job (download by default) and prints its GUID." },
    { L"transfer", 3, -1, ba_cmd_transfer,
      L"/transfer <name> [/download | /upload | /upload-reply] [/priority <priority>] "
      L"[/aclflags <ogds>] <remote> <local> [<remote> <local> ...]",
      L"Transfers files with a new job and waits until it is done." },
    { L"addfile", 3, 3, ba_cmd_addfile, L"/addfile <job> <remote> <local>",
      L"Adds a file to the job." },
    { L"addfileset", 2, 2, ba_cmd_addfileset, L"/addfileset <job> <textfile>",
      L"Adds the files listed in textfile, one \"remote local\" pair per line." },
    { L"resume", 1, 1, ba_cmd_resume, L"/resume <job>", L"Starts or restarts the job." },
    { L"suspend", 1, 1, ba_cmd_suspend, L"/suspend <job>", L"Suspends the job." },
    { L"cancel", 1, 1, ba_cmd_cancel, L"/cancel <job>", L"Removes the job from the queue." },
    { L"complete", 1, 1, ba_cmd_complete, L"/complete <job>",
      L"Completes the job: its files (and reply) become available." },
    { L"reset", 0, 1, ba_cmd_reset, L"/reset [/allusers]", L"Cancels all jobs." },
    { L"list", 0, 2, ba_cmd_list, L"/list [/allusers] [/verbose]", L"Lists the jobs." },
    { L"info", 1, 2, ba_cmd_info, L"/info <job> [/verbose]", L"Shows information about the job." },
    { L"monitor", 0, 5, ba_cmd_monitor, L"/monitor [/allusers] [/refresh <seconds>]",
      L"Shows the queue every few seconds until Ctrl-C." },
    { L"takeownership", 1, 1, ba_cmd_takeownership, L"/takeownership <job>",
      L"Makes the current user the owner of the job." },
    { L"getstate", 1, 1, ba_cmd_getstate, L"/getstate <job>", L"Shows the job's state." },
    { L"getbytestotal", 1, 1, ba_cmd_getbytestotal, L"/getbytestotal <job>",
      L"Shows the size of the job." },
    { L"getbytestransferred", 1, 1, ba_cmd_getbytestransferred, L"/getbytestransferred <job>",
      L"Shows how many bytes were transferred." },
    { L"getfilestotal", 1, 1, ba_cmd_getfilestotal, L"/getfilestotal <job>",
      L"Shows the number of files in the job." },
    { L"getfilestransferred", 1, 1, ba_cmd_getfilestransferred, L"/getfilestransferred <job>",
      L"Shows the number of files transferred." },
    { L"getcreationtime", 1, 1, ba_cmd_getcreationtime, L"/getcreationtime <job>",
      L"Shows when the job was created." },
    { L"getmodificationtime", 1, 1, ba_cmd_getmodificationtime, L"/getmodificationtime <job>",
      L"Shows when the job was last changed." },
    { L"getcompletiontime", 1, 1, ba_cmd_getcompletiontime, L"/getcompletiontime <job>",
      L"Shows when the job finished transferring." },
    { L"geterror", 1, 1, ba_cmd_geterror, L"/geterror <job>", L"Shows the job's error." },
    { L"gettype", 1, 1, ba_cmd_gettype, L"/gettype <job>", L"Shows the job's type." },
    { L"getpriority", 1, 1, ba_cmd_getpriority, L"/getpriority <job>",
      L"Shows the job's priority." },
    { L"getdisplayname", 1, 1, ba_cmd_getdisplayname, L"/getdisplayname <job>",
      L"Shows the job's display name." },
    { L"getdescription", 1, 1, ba_cmd_getdescription, L"/getdescription <job>",
      L"Shows the job's description." },
    { L"getnotifyflags", 1, 1, ba_cmd_getnotifyflags, L"/getnotifyflags <job>",
      L"Shows the job's notification flags." },
    { L"getnotifycmdline", 1, 1, ba_cmd_getnotifycmdline, L"/getnotifycmdline <job>",
      L"Shows the program run when the job finishes or fails." },
    { L"getminretrydelay", 1, 1, ba_cmd_getminretrydelay, L"/getminretrydelay <job>",
      L"Shows the retry delay in seconds." },
    { L"getnoprogresstimeout", 1, 1, ba_cmd_getnoprogresstimeout, L"/getnoprogresstimeout <job>",
      L"Shows the no-progress timeout in seconds." },
    { L"geterrorcount", 1, 1, ba_cmd_geterrorcount, L"/geterrorcount <job>",
      L"Shows how many errors the job had." },
    { L"getowner", 1, 1, ba_cmd_getowner, L"/getowner <job>", L"Shows the job's owner." },
    { L"getproxyusage", 1, 1, ba_cmd_getproxyusage, L"/getproxyusage <job>",
      L"Shows the job's proxy usage." },
    { L"getproxylist", 1, 1, ba_cmd_getproxylist, L"/getproxylist <job>",
      L"Shows the job's proxy list." },
    { L"getproxybypasslist", 1, 1, ba_cmd_getproxybypasslist, L"/getproxybypasslist <job>",
      L"Shows the job's proxy bypass list." },
    { L"getreplydata", 1, 1, ba_cmd_getreplydata, L"/getreplydata <job>",
      L"Shows the reply of an upload-reply job in hexadecimal." },
    { L"getreplyfilename", 1, 1, ba_cmd_getreplyfilename, L"/getreplyfilename <job>",
      L"Shows the file that receives the reply." },
    { L"setreplyfilename", 2, 2, ba_cmd_setreplyfilename, L"/setreplyfilename <job> <path|NULL>",
      L"Sets the file that receives the reply." },
    { L"getreplyprogress", 1, 1, ba_cmd_getreplyprogress, L"/getreplyprogress <job>",
      L"Shows the progress of the reply download." },
    { L"setnotifycmdline", 3, 3, ba_cmd_setnotifycmdline,
      L"/setnotifycmdline <job> <program|NULL> <parameters|NULL>",
      L"Sets the program run when the job finishes or fails." },
    { L"setnotifyflags", 2, 2, ba_cmd_setnotifyflags, L"/setnotifyflags <job> <flags>",
      L"Sets the notification flags." },
    { L"setcredentials", 5, 5, ba_cmd_setcredentials,
      L"/setcredentials <job> <SERVER|PROXY> <BASIC|DIGEST|NTLM|NEGOTIATE|PASSPORT> "
      L"<user> <password>", L"Sets credentials for the server or the proxy." },
    { L"removecredentials", 3, 3, ba_cmd_removecredentials,
      L"/removecredentials <job> <SERVER|PROXY> <BASIC|DIGEST|NTLM|NEGOTIATE|PASSPORT>",
      L"Removes credentials." },
    { L"setminretrydelay", 2, 2, ba_cmd_setminretrydelay, L"/setminretrydelay <job> <seconds>",
      L"Sets the retry delay." },
    { L"setnoprogresstimeout", 2, 2, ba_cmd_setnoprogresstimeout,
      L"/setnoprogresstimeout <job> <seconds>", L"Sets the no-progress timeout." },
    { L"setpriority", 2, 2, ba_cmd_setpriority,
      L"/setpriority <job> <FOREGROUND|HIGH|NORMAL|LOW>", L"Sets the job's priority." },
    { L"setproxy", 2, 4, ba_cmd_setproxy,
      L"/setproxy <job> <PRECONFIG|AUTODETECT|NO_PROXY|OVERRIDE> [<list> [<bypass list>]]",
      L"Sets the job's proxy settings." },
    { L"setdescription", 2, 2, ba_cmd_setdescription, L"/setdescription <job> <description>",
      L"Sets the job's description." },
    { L"setdisplayname", 2, 2, ba_cmd_setdisplayname, L"/setdisplayname <job> <name>",
      L"Sets the job's display name." },
    { L"help", 0, 0, help_handler, L"/help | /?", L"Shows this help." },
    { L"?", 0, 0, help_handler, NULL, NULL },
};

const struct ba_command *ba_command_table(size_t *count)
{
    *count = ARRAYSIZE(commands);
    return commands;
}

const struct ba_command *ba_find_command(const WCHAR *word)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(commands); i++)
        if (!_wcsicmp(commands[i].name, word))
            return &commands[i];
    return NULL;
}

int ba_usage_error(const struct ba_command *cmd, const WCHAR *what)
{
    if (what)
        ba_print(L"Invalid argument: %ls\n", what);
    else
        ba_print(L"Invalid number of arguments.\n");
    if (cmd && cmd->usage)
        ba_print(L"Usage: bitsadmin %ls\n", cmd->usage);
    ba_print(L"Type bitsadmin /? for help.\n");
    return BA_EXIT_USAGE;
}

static int help_handler(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    ba_print_help();
    return BA_EXIT_OK;
}

static BOOL WINAPI on_interrupt(DWORD type)
{
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT)
        return FALSE;
    InterlockedExchange(&ba_interrupted, 1);
    return TRUE;
}

/* Only the waiting switches (/transfer, /monitor) stop cleanly on Ctrl-C;
 * everything else keeps the default: the process ends. */
void ba_catch_interrupts(void)
{
    SetConsoleCtrlHandler(on_interrupt, TRUE);
}

static void print_banner(void)
{
    ba_print(L"\nBITSADMIN version 3.0 [ winebits ]\n"
             L"BITS administration utility.\n"
             L"(C) Copyright the winebits authors.\n\n");
}

/* Options that change how any switch prints; they come first. */
static int parse_global_options(int argc, WCHAR **argv, struct ba_ctx *ctx)
{
    int i;

    for (i = 1; i < argc; i++)
    {
        if (ba_is_switch(argv[i], L"rawreturn"))
            ctx->raw = TRUE;
        /* Windows wraps long lines on the console unless /nowrap; this
         * bitsadmin never cuts lines, so both are accepted and change nothing. */
        else if (ba_is_switch(argv[i], L"wrap") || ba_is_switch(argv[i], L"nowrap"))
            continue;
        else
            break;
    }
    return i;
}

static int run_command(struct ba_ctx *ctx, const struct ba_command *cmd, int argc, WCHAR **argv)
{
    HRESULT hr;
    int rc;

    if (argc < cmd->min_args || (cmd->max_args >= 0 && argc > cmd->max_args))
        return ba_usage_error(cmd, NULL);
    if (cmd->run == help_handler)
        return cmd->run(ctx, argc, argv);
    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(hr))
        return ba_fail(ctx, L"initialize COM", hr);
    /* BITS checks who is calling: it needs at least impersonation level. */
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_CONNECT,
                         RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
    rc = cmd->run(ctx, argc, argv);
    if (ctx->mgr)
        IBackgroundCopyManager_Release(ctx->mgr);
    ctx->mgr = NULL;
    CoUninitialize();
    return rc;
}

int wmain(int argc, WCHAR **argv)
{
    struct ba_ctx ctx = { 0 };
    const struct ba_command *cmd;
    int first;

    first = parse_global_options(argc, argv, &ctx);
    if (!ctx.raw)
        print_banner();
    if (first >= argc)
    {
        ba_print_help();
        return BA_EXIT_USAGE;
    }
    if (argv[first][0] != '/' || !(cmd = ba_find_command(argv[first] + 1)))
    {
        ba_print(L"Unknown switch: %ls\nType bitsadmin /? for help.\n", argv[first]);
        return BA_EXIT_USAGE;
    }
    return run_command(&ctx, cmd, argc - first - 1, argv + first + 1);
}
