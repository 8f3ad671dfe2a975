/*
 * The /getXXX switches of IBackgroundCopyJob: each prints one value (bare
 * under /rawreturn).  /geterror prints the error block.
 */
#include <wchar.h>

#include "bitsadmin.h"

enum property
{
    PROP_STATE, PROP_BYTES_TOTAL, PROP_BYTES_TRANSFERRED, PROP_FILES_TOTAL,
    PROP_FILES_TRANSFERRED, PROP_CREATION_TIME, PROP_MODIFICATION_TIME, PROP_COMPLETION_TIME,
    PROP_TYPE, PROP_PRIORITY, PROP_DISPLAY_NAME, PROP_DESCRIPTION, PROP_NOTIFY_FLAGS,
    PROP_MIN_RETRY_DELAY, PROP_NO_PROGRESS_TIMEOUT, PROP_ERROR_COUNT, PROP_OWNER,
    PROP_PROXY_USAGE, PROP_PROXY_LIST, PROP_PROXY_BYPASS_LIST,
};

static HRESULT print_progress_value(struct ba_ctx *ctx, IBackgroundCopyJob *job, enum property prop)
{
    BG_JOB_PROGRESS progress;
    WCHAR text[32];
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_GetProgress(job, &progress)))
        return hr;
    switch (prop)
    {
    case PROP_BYTES_TOTAL:
        ba_format_bytes(progress.BytesTotal, text, ARRAYSIZE(text));
        break;
    case PROP_BYTES_TRANSFERRED:
        ba_format_bytes(progress.BytesTransferred, text, ARRAYSIZE(text));
        break;
    case PROP_FILES_TOTAL:
        _snwprintf(text, ARRAYSIZE(text), L"%lu", progress.FilesTotal);
        break;
    default:
        _snwprintf(text, ARRAYSIZE(text), L"%lu", progress.FilesTransferred);
        break;
    }
    ba_value(ctx, L"%ls", text);
    return S_OK;
}

static HRESULT print_time_value(struct ba_ctx *ctx, IBackgroundCopyJob *job, enum property prop)
{
    BG_JOB_TIMES times;
    WCHAR text[64];
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_GetTimes(job, &times)))
        return hr;
    ba_format_time(prop == PROP_CREATION_TIME ? &times.CreationTime :
                   prop == PROP_MODIFICATION_TIME ? &times.ModificationTime :
                   &times.TransferCompletionTime, text, ARRAYSIZE(text));
    ba_value(ctx, L"%ls", text);
    return S_OK;
}

static HRESULT print_string_value(struct ba_ctx *ctx, IBackgroundCopyJob *job, enum property prop)
{
    WCHAR *text = NULL, owner[300];
    HRESULT hr;

    switch (prop)
    {
    case PROP_DISPLAY_NAME: hr = IBackgroundCopyJob_GetDisplayName(job, &text); break;
    case PROP_DESCRIPTION:  hr = IBackgroundCopyJob_GetDescription(job, &text); break;
    default:                hr = IBackgroundCopyJob_GetOwner(job, &text); break;
    }
    if (FAILED(hr))
        return hr;
    if (prop == PROP_OWNER && text)
    {
        ba_format_owner(text, owner, ARRAYSIZE(owner));
        ba_value(ctx, L"%ls", owner);
    }
    else
        ba_value(ctx, L"%ls", text ? text : L"");
    CoTaskMemFree(text);
    return S_OK;
}

static HRESULT print_ulong_value(struct ba_ctx *ctx, IBackgroundCopyJob *job, enum property prop)
{
    ULONG value = 0;
    HRESULT hr;

    switch (prop)
    {
    case PROP_NOTIFY_FLAGS:        hr = IBackgroundCopyJob_GetNotifyFlags(job, &value); break;
    case PROP_MIN_RETRY_DELAY:     hr = IBackgroundCopyJob_GetMinimumRetryDelay(job, &value); break;
    case PROP_NO_PROGRESS_TIMEOUT: hr = IBackgroundCopyJob_GetNoProgressTimeout(job, &value); break;
    default:                       hr = IBackgroundCopyJob_GetErrorCount(job, &value); break;
    }
    if (SUCCEEDED(hr))
        ba_value(ctx, L"%lu", value);
    return hr;
}

static HRESULT print_proxy_value(struct ba_ctx *ctx, IBackgroundCopyJob *job, enum property prop)
{
    BG_JOB_PROXY_USAGE usage;
    WCHAR *list = NULL, *bypass = NULL, *shown;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_GetProxySettings(job, &usage, &list, &bypass)))
        return hr;
    if (prop == PROP_PROXY_USAGE)
        ba_value(ctx, L"%ls", ba_proxy_usage_name(usage));
    else
    {
        shown = prop == PROP_PROXY_LIST ? list : bypass;
        ba_value(ctx, L"%ls", shown && shown[0] ? shown : L"NULL");
    }
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
    return S_OK;
}

static HRESULT print_property(struct ba_ctx *ctx, IBackgroundCopyJob *job, enum property prop)
{
    BG_JOB_PRIORITY priority;
    BG_JOB_STATE state;
    BG_JOB_TYPE type;
    HRESULT hr;

    switch (prop)
    {
    case PROP_STATE:
        if (SUCCEEDED(hr = IBackgroundCopyJob_GetState(job, &state)))
            ba_value(ctx, L"%ls", ba_state_name(state));
        return hr;
    case PROP_TYPE:
        if (SUCCEEDED(hr = IBackgroundCopyJob_GetType(job, &type)))
            ba_value(ctx, L"%ls", ba_type_name(type));
        return hr;
    case PROP_PRIORITY:
        if (SUCCEEDED(hr = IBackgroundCopyJob_GetPriority(job, &priority)))
            ba_value(ctx, L"%ls", ba_priority_name(priority));
        return hr;
    case PROP_BYTES_TOTAL: case PROP_BYTES_TRANSFERRED:
    case PROP_FILES_TOTAL: case PROP_FILES_TRANSFERRED:
        return print_progress_value(ctx, job, prop);
    case PROP_CREATION_TIME: case PROP_MODIFICATION_TIME: case PROP_COMPLETION_TIME:
        return print_time_value(ctx, job, prop);
    case PROP_DISPLAY_NAME: case PROP_DESCRIPTION: case PROP_OWNER:
        return print_string_value(ctx, job, prop);
    case PROP_NOTIFY_FLAGS: case PROP_MIN_RETRY_DELAY:
    case PROP_NO_PROGRESS_TIMEOUT: case PROP_ERROR_COUNT:
        return print_ulong_value(ctx, job, prop);
    case PROP_PROXY_USAGE: case PROP_PROXY_LIST: case PROP_PROXY_BYPASS_LIST:
        return print_proxy_value(ctx, job, prop);
    }
    return E_INVALIDARG;
}

static int get_command(struct ba_ctx *ctx, const WCHAR *ref, enum property prop, const WCHAR *what)
{
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (FAILED(ba_open_job(ctx, ref, &job)))
        return BA_EXIT_FAILED;
    hr = print_property(ctx, job, prop);
    IBackgroundCopyJob_Release(job);
    return FAILED(hr) ? ba_fail(ctx, what, hr) : BA_EXIT_OK;
}

#define GETTER(cmd, prop, what) \
    int ba_cmd_get##cmd(struct ba_ctx *ctx, int argc, WCHAR **argv) \
    { \
        return get_command(ctx, argv[0], prop, what); \
    }

GETTER(state, PROP_STATE, L"get state")
GETTER(bytestotal, PROP_BYTES_TOTAL, L"get progress")
GETTER(bytestransferred, PROP_BYTES_TRANSFERRED, L"get progress")
GETTER(filestotal, PROP_FILES_TOTAL, L"get progress")
GETTER(filestransferred, PROP_FILES_TRANSFERRED, L"get progress")
GETTER(creationtime, PROP_CREATION_TIME, L"get job times")
GETTER(modificationtime, PROP_MODIFICATION_TIME, L"get job times")
GETTER(completiontime, PROP_COMPLETION_TIME, L"get job times")
GETTER(type, PROP_TYPE, L"get type")
GETTER(priority, PROP_PRIORITY, L"get priority")
GETTER(displayname, PROP_DISPLAY_NAME, L"get display name")
GETTER(description, PROP_DESCRIPTION, L"get description")
GETTER(notifyflags, PROP_NOTIFY_FLAGS, L"get notify flags")
GETTER(minretrydelay, PROP_MIN_RETRY_DELAY, L"get minimum retry delay")
GETTER(noprogresstimeout, PROP_NO_PROGRESS_TIMEOUT, L"get no progress timeout")
GETTER(errorcount, PROP_ERROR_COUNT, L"get error count")
GETTER(owner, PROP_OWNER, L"get owner")
GETTER(proxyusage, PROP_PROXY_USAGE, L"get proxy settings")
GETTER(proxylist, PROP_PROXY_LIST, L"get proxy settings")
GETTER(proxybypasslist, PROP_PROXY_BYPASS_LIST, L"get proxy settings")

int ba_cmd_geterror(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    hr = ba_print_error(ctx, job);
    IBackgroundCopyJob_Release(job);
    return FAILED(hr) ? ba_fail(ctx, L"get error", hr) : BA_EXIT_OK;
}
