/*
 * Looking at the queue: /list, /info and /monitor.
 */
#include <wchar.h>

#include "bitsadmin.h"

struct list_options
{
    BOOL all_users;
    BOOL verbose;
    ULONG refresh;      /* /monitor: seconds between screens */
    ULONG count;        /* /monitor: screens before stopping, 0 = until Ctrl-C */
};

/* Options of /list and /monitor, in any order. */
static int parse_list_options(const struct ba_command *cmd, int argc, WCHAR **argv,
                              BOOL monitor, struct list_options *opts)
{
    int i;

    for (i = 0; i < argc; i++)
    {
        if (ba_is_switch(argv[i], L"allusers"))
            opts->all_users = TRUE;
        else if (!monitor && ba_is_switch(argv[i], L"verbose"))
            opts->verbose = TRUE;
        else if (monitor && ba_is_switch(argv[i], L"refresh") && i + 1 < argc &&
                 ba_parse_ulong(argv[i + 1], &opts->refresh) && opts->refresh)
            i++;
        /* Not in Windows' bitsadmin: lets scripts and tests stop the loop. */
        else if (monitor && ba_is_switch(argv[i], L"count") && i + 1 < argc &&
                 ba_parse_ulong(argv[i + 1], &opts->count))
            i++;
        else
            return ba_usage_error(cmd, argv[i]);
    }
    return BA_EXIT_OK;
}

/* Prints every job in the queue; returns how many. */
static HRESULT print_jobs(struct ba_ctx *ctx, const struct list_options *opts, ULONG *count)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    HRESULT hr;

    *count = 0;
    if (FAILED(hr = ba_enum_jobs(ctx, opts->all_users, &jobs)))
        return hr;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        if (opts->verbose)
        {
            ba_print_job_verbose(ctx, job);
            ba_print(L"\n");
        }
        else
            ba_print_job_line(job);
        IBackgroundCopyJob_Release(job);
        (*count)++;
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return S_OK;
}

int ba_cmd_list(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    struct list_options opts = { 0 };
    ULONG count;
    int rc;

    if ((rc = parse_list_options(ba_find_command(L"list"), argc, argv, FALSE, &opts)))
        return rc;
    if (FAILED(ba_connect(ctx)) || FAILED(print_jobs(ctx, &opts, &count)))
        return BA_EXIT_FAILED;
    ba_print(L"Listed %lu job(s).\n", count);
    return BA_EXIT_OK;
}

int ba_cmd_info(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;

    if (argc == 2 && !ba_is_switch(argv[1], L"verbose"))
        return ba_usage_error(ba_find_command(L"info"), argv[1]);
    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (argc == 2)
        ba_print_job_verbose(ctx, job);
    else
        ba_print_job_line(job);
    IBackgroundCopyJob_Release(job);
    return BA_EXIT_OK;
}

/* On a console the screen is redrawn in place, as Windows bitsadmin does;
 * redirected output just gets one block after the other. */
static void clear_console(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    CONSOLE_SCREEN_BUFFER_INFO info;
    COORD origin = { 0, 0 };
    DWORD cells, written;

    if (!GetConsoleScreenBufferInfo(out, &info))
        return;
    cells = (DWORD)info.dwSize.X * info.dwSize.Y;
    FillConsoleOutputCharacterW(out, ' ', cells, origin, &written);
    FillConsoleOutputAttribute(out, info.wAttributes, cells, origin, &written);
    SetConsoleCursorPosition(out, origin);
}

/* Sleeps in short steps so that Ctrl-C ends the wait at once. */
static void wait_seconds(ULONG seconds)
{
    ULONG waited;

    for (waited = 0; waited < seconds * 10 && !ba_interrupted; waited++)
        Sleep(100);
}

int ba_cmd_monitor(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    struct list_options opts = { FALSE, FALSE, 5, 0 };
    SYSTEMTIME now;
    WCHAR stamp[80];
    ULONG screen, count;
    FILETIME ft;
    int rc;

    if ((rc = parse_list_options(ba_find_command(L"monitor"), argc, argv, TRUE, &opts)))
        return rc;
    if (FAILED(ba_connect(ctx)))
        return BA_EXIT_FAILED;
    ba_catch_interrupts();
    for (screen = 0; !ba_interrupted && (!opts.count || screen < opts.count); screen++)
    {
        if (screen)
            wait_seconds(opts.refresh);
        if (ba_interrupted)
            break;
        clear_console();
        GetSystemTime(&now);
        SystemTimeToFileTime(&now, &ft);
        ba_format_time(&ft, stamp, ARRAYSIZE(stamp));
        ba_print(L"MONITORING BACKGROUND COPY MANAGER(%lu seconds refresh) %ls\n",
                 opts.refresh, stamp);
        if (FAILED(print_jobs(ctx, &opts, &count)))
            return BA_EXIT_FAILED;
        ba_print(L"\n");
    }
    return BA_EXIT_OK;
}
