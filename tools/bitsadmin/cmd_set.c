/*
 * The /setXXX switches of IBackgroundCopyJob.  Arguments are checked here so
 * that a typo gets the usage text, not whatever BITS makes of it.
 */
#include <wchar.h>

#include "bitsadmin.h"

static int finish(struct ba_ctx *ctx, IBackgroundCopyJob *job, HRESULT hr, const WCHAR *what)
{
    IBackgroundCopyJob_Release(job);
    return FAILED(hr) ? ba_fail(ctx, what, hr) : BA_EXIT_OK;
}

int ba_cmd_setpriority(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    BG_JOB_PRIORITY priority;
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (!ba_parse_priority(argv[1], &priority))
        return ba_usage_error(ba_find_command(L"setpriority"), argv[1]);
    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob_SetPriority(job, priority)))
        ba_print(L"Priority set to %ls.\n", ba_priority_name(priority));
    return finish(ctx, job, hr, L"set priority");
}

/* The three settings that are a plain number. */
enum number_setting { SET_NOTIFY_FLAGS, SET_MIN_RETRY_DELAY, SET_NO_PROGRESS_TIMEOUT };

static int set_number(struct ba_ctx *ctx, int argc, WCHAR **argv, enum number_setting which)
{
    static const struct
    {
        const WCHAR *command, *what, *done;
    } texts[] =
    {
        { L"setnotifyflags", L"set notify flags", L"Notification flags set to %lu.\n" },
        { L"setminretrydelay", L"set minimum retry delay", L"Minimum retry delay set to %lu.\n" },
        { L"setnoprogresstimeout", L"set no progress timeout", L"No progress timeout set to %lu.\n" },
    };
    IBackgroundCopyJob *job;
    ULONG value;
    HRESULT hr = E_FAIL;

    if (!ba_parse_ulong(argv[1], &value))
        return ba_usage_error(ba_find_command(texts[which].command), argv[1]);
    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    switch (which)
    {
    case SET_NOTIFY_FLAGS:        hr = IBackgroundCopyJob_SetNotifyFlags(job, value); break;
    case SET_MIN_RETRY_DELAY:     hr = IBackgroundCopyJob_SetMinimumRetryDelay(job, value); break;
    case SET_NO_PROGRESS_TIMEOUT: hr = IBackgroundCopyJob_SetNoProgressTimeout(job, value); break;
    }
    if (SUCCEEDED(hr))
        ba_print(texts[which].done, value);
    return finish(ctx, job, hr, texts[which].what);
}

int ba_cmd_setnotifyflags(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return set_number(ctx, argc, argv, SET_NOTIFY_FLAGS);
}

int ba_cmd_setminretrydelay(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return set_number(ctx, argc, argv, SET_MIN_RETRY_DELAY);
}

int ba_cmd_setnoprogresstimeout(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return set_number(ctx, argc, argv, SET_NO_PROGRESS_TIMEOUT);
}

int ba_cmd_setdescription(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob_SetDescription(job, argv[1])))
        ba_print(L"Description set to %ls.\n", argv[1]);
    return finish(ctx, job, hr, L"set description");
}

int ba_cmd_setdisplayname(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob_SetDisplayName(job, argv[1])))
        ba_print(L"Display name set to %ls.\n", argv[1]);
    return finish(ctx, job, hr, L"set display name");
}

/* /setproxy <job> PRECONFIG|AUTODETECT|NO_PROXY
 * /setproxy <job> OVERRIDE <list> [<bypass list>]   ("NULL" for none) */
int ba_cmd_setproxy(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    const struct ba_command *cmd = ba_find_command(L"setproxy");
    const WCHAR *list = NULL, *bypass = NULL;
    BG_JOB_PROXY_USAGE usage;
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (!ba_parse_proxy_usage(argv[1], &usage))
        return ba_usage_error(cmd, argv[1]);
    if (usage == BG_JOB_PROXY_USAGE_OVERRIDE)
    {
        if (argc < 3)
            return ba_usage_error(cmd, L"OVERRIDE needs a proxy list");
        list = ba_null_arg(argv[2]);
        bypass = argc > 3 ? ba_null_arg(argv[3]) : NULL;
    }
    else if (argc > 2)
        return ba_usage_error(cmd, argv[2]);
    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    hr = IBackgroundCopyJob_SetProxySettings(job, usage, list, bypass);
    if (SUCCEEDED(hr))
    {
        ba_print(L"Proxy usage set to %ls.\n", ba_proxy_usage_name(usage));
        if (usage == BG_JOB_PROXY_USAGE_OVERRIDE)
            ba_print(L"Proxy list set to %ls.\nProxy bypass list set to %ls.\n",
                     list ? list : L"NULL", bypass ? bypass : L"NULL");
    }
    return finish(ctx, job, hr, L"set proxy settings");
}
