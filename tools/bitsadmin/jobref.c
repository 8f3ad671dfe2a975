/*
 * Connecting to BITS and resolving the <job> argument.
 *
 * A job is named by its GUID ({...}) or by its display name.  Display names
 * need not be unique, so a name that matches several of the caller's jobs is
 * refused rather than guessed: the user must give the GUID.
 */
#include <wchar.h>

#include "bitsadmin.h"

HRESULT ba_connect(struct ba_ctx *ctx)
{
    HRESULT hr;

    if (ctx->mgr)
        return S_OK;
    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&ctx->mgr);
    if (FAILED(hr))
    {
        ctx->mgr = NULL;
        ba_fail(ctx, L"connect to BITS", hr);
    }
    return hr;
}

void ba_guid_text(const GUID *guid, WCHAR text[39])
{
    if (!StringFromGUID2(guid, text, 39))
        text[0] = 0;
}

HRESULT ba_enum_jobs(struct ba_ctx *ctx, BOOL all_users, IEnumBackgroundCopyJobs **jobs)
{
    HRESULT hr = IBackgroundCopyManager_EnumJobs(ctx->mgr,
                                                 all_users ? BG_JOB_ENUM_ALL_USERS : 0, jobs);
    if (FAILED(hr))
        ba_fail(ctx, L"enumerate jobs", hr);
    return hr;
}

BOOL ba_parse_guid(const WCHAR *text, GUID *guid)
{
    WCHAR copy[39];

    /* IIDFromString wants exactly {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}. */
    if (text[0] != '{' || wcslen(text) != 38)
        return FALSE;
    wcscpy(copy, text);
    return SUCCEEDED(IIDFromString(copy, guid));
}

static HRESULT open_by_guid(struct ba_ctx *ctx, const WCHAR *ref, const GUID *id,
                            IBackgroundCopyJob **job)
{
    HRESULT hr = IBackgroundCopyManager_GetJob(ctx->mgr, id, job);

    if (FAILED(hr))
    {
        WCHAR what[64];

        _snwprintf(what, ARRAYSIZE(what), L"find job %ls", ref);
        what[ARRAYSIZE(what) - 1] = 0;
        ba_fail(ctx, what, hr);
        *job = NULL;
    }
    return hr;
}

/* Walks the caller's jobs and keeps the one whose display name is 'name';
 * counts the matches so that an ambiguous name can be refused. */
static HRESULT find_by_name(struct ba_ctx *ctx, const WCHAR *name, IBackgroundCopyJob **found,
                            ULONG *matches)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    HRESULT hr;

    *found = NULL;
    *matches = 0;
    if (FAILED(hr = ba_enum_jobs(ctx, FALSE, &jobs)))
        return hr;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        WCHAR *display = NULL;

        if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &display)) && display &&
            !wcscmp(display, name))
        {
            if (!(*matches)++)
            {
                *found = job;
                IBackgroundCopyJob_AddRef(job);
            }
        }
        CoTaskMemFree(display);
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    return S_OK;
}

/* Prints its own error; callers just return BA_EXIT_FAILED on failure. */
HRESULT ba_open_job(struct ba_ctx *ctx, const WCHAR *ref, IBackgroundCopyJob **job)
{
    ULONG matches;
    HRESULT hr;
    GUID id;

    *job = NULL;
    if (FAILED(hr = ba_connect(ctx)))
        return hr;
    if (ba_parse_guid(ref, &id))
        return open_by_guid(ctx, ref, &id, job);
    if (FAILED(hr = find_by_name(ctx, ref, job, &matches)))
        return hr;
    if (matches == 1)
        return S_OK;
    if (!matches)
    {
        ba_print(L"Unable to find job named '%ls'.\n", ref);
        return BG_E_NOT_FOUND;
    }
    IBackgroundCopyJob_Release(*job);
    *job = NULL;
    ba_print(L"Unable to find job named '%ls': %lu jobs have this name. "
             L"Use the job's GUID instead.\n", ref, matches);
    return E_INVALIDARG;
}

/* The BITS 1.5 interface; older servers do not have it. */
HRESULT ba_open_job2(struct ba_ctx *ctx, const WCHAR *ref, IBackgroundCopyJob2 **job2)
{
    IBackgroundCopyJob *job;
    HRESULT hr;

    *job2 = NULL;
    if (FAILED(hr = ba_open_job(ctx, ref, &job)))
        return hr;
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)job2);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
    {
        *job2 = NULL;
        ba_fail(ctx, L"use BITS 1.5 features of the job", hr);
    }
    return hr;
}
