/*
 * IBackgroundCopyJob3, Job4 and Job5 (BITS 2.0, 3.0, 5.0) on the job object.
 *
 * They share one vtable: Job5 extends Job4, which extends Job3, which
 * extends Job2.  The Job2 part forwards to job.c's interface so that every
 * method has exactly one implementation.  As in job.c only argument checks
 * happen here; state rules and limits are bitsd's.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

static inline struct job *impl_from_IBackgroundCopyJob5(IBackgroundCopyJob5 *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJob5_iface);
}

static inline IBackgroundCopyJob2 *job2(IBackgroundCopyJob5 *iface)
{
    return &impl_from_IBackgroundCopyJob5(iface)->IBackgroundCopyJob2_iface;
}

/* ---- IUnknown and IBackgroundCopyJob/Job2: job.c's implementation ---- */

static HRESULT WINAPI job5_QueryInterface(IBackgroundCopyJob5 *iface, REFIID riid, void **obj)
{
    return IBackgroundCopyJob2_QueryInterface(job2(iface), riid, obj);
}

static ULONG WINAPI job5_AddRef(IBackgroundCopyJob5 *iface)
{
    return IBackgroundCopyJob2_AddRef(job2(iface));
}

static ULONG WINAPI job5_Release(IBackgroundCopyJob5 *iface)
{
    return IBackgroundCopyJob2_Release(job2(iface));
}

#define FORWARD0(method) \
    static HRESULT WINAPI job5_##method(IBackgroundCopyJob5 *iface) \
    { return IBackgroundCopyJob2_##method(job2(iface)); }
#define FORWARD1(method, T1) \
    static HRESULT WINAPI job5_##method(IBackgroundCopyJob5 *iface, T1 a) \
    { return IBackgroundCopyJob2_##method(job2(iface), a); }
#define FORWARD2(method, T1, T2) \
    static HRESULT WINAPI job5_##method(IBackgroundCopyJob5 *iface, T1 a, T2 b) \
    { return IBackgroundCopyJob2_##method(job2(iface), a, b); }
#define FORWARD3(method, T1, T2, T3) \
    static HRESULT WINAPI job5_##method(IBackgroundCopyJob5 *iface, T1 a, T2 b, T3 c) \
    { return IBackgroundCopyJob2_##method(job2(iface), a, b, c); }

FORWARD2(AddFileSet, ULONG, BG_FILE_INFO *)
FORWARD2(AddFile, LPCWSTR, LPCWSTR)
FORWARD1(EnumFiles, IEnumBackgroundCopyFiles **)
FORWARD0(Suspend)
FORWARD0(Resume)
FORWARD0(Cancel)
FORWARD0(Complete)
FORWARD1(GetId, GUID *)
FORWARD1(GetType, BG_JOB_TYPE *)
FORWARD1(GetProgress, BG_JOB_PROGRESS *)
FORWARD1(GetTimes, BG_JOB_TIMES *)
FORWARD1(GetState, BG_JOB_STATE *)
FORWARD1(GetError, IBackgroundCopyError **)
FORWARD1(GetOwner, LPWSTR *)
FORWARD1(SetDisplayName, LPCWSTR)
FORWARD1(GetDisplayName, LPWSTR *)
FORWARD1(SetDescription, LPCWSTR)
FORWARD1(GetDescription, LPWSTR *)
FORWARD1(SetPriority, BG_JOB_PRIORITY)
FORWARD1(GetPriority, BG_JOB_PRIORITY *)
FORWARD1(SetNotifyFlags, ULONG)
FORWARD1(GetNotifyFlags, ULONG *)
FORWARD1(SetNotifyInterface, IUnknown *)
FORWARD1(GetNotifyInterface, IUnknown **)
FORWARD1(SetMinimumRetryDelay, ULONG)
FORWARD1(GetMinimumRetryDelay, ULONG *)
FORWARD1(SetNoProgressTimeout, ULONG)
FORWARD1(GetNoProgressTimeout, ULONG *)
FORWARD1(GetErrorCount, ULONG *)
FORWARD3(SetProxySettings, BG_JOB_PROXY_USAGE, const WCHAR *, const WCHAR *)
FORWARD3(GetProxySettings, BG_JOB_PROXY_USAGE *, LPWSTR *, LPWSTR *)
FORWARD0(TakeOwnership)
FORWARD2(SetNotifyCmdLine, LPCWSTR, LPCWSTR)
FORWARD2(GetNotifyCmdLine, LPWSTR *, LPWSTR *)
FORWARD1(GetReplyProgress, BG_JOB_REPLY_PROGRESS *)
FORWARD2(GetReplyData, byte **, UINT64 *)
FORWARD1(SetReplyFileName, LPCWSTR)
FORWARD1(GetReplyFileName, LPWSTR *)
FORWARD1(SetCredentials, BG_AUTH_CREDENTIALS *)
FORWARD2(RemoveCredentials, BG_AUTH_TARGET, BG_AUTH_SCHEME)

/* ---- IBackgroundCopyJob3 ---- */

static HRESULT WINAPI job5_ReplaceRemotePrefix(IBackgroundCopyJob5 *iface, LPCWSTR old_prefix,
                                               LPCWSTR new_prefix)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);

    TRACE("%p %s %s\n", job, debugstr_w(old_prefix), debugstr_w(new_prefix));
    if (!old_prefix || !new_prefix || !*old_prefix || !*new_prefix)
        return E_INVALIDARG;
    /* S_FALSE from bitsd: no remote name starts with old_prefix. */
    return job_set_strings(job, BP_PROP_REMOTE_PREFIX, old_prefix, new_prefix, 2);
}

static HRESULT WINAPI job5_AddFileWithRanges(IBackgroundCopyJob5 *iface, LPCWSTR remote,
                                             LPCWSTR local, DWORD count, BG_FILE_RANGE ranges[])
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    char *remote8, *windows, *unix_name;
    struct bp_writer w;
    HRESULT hr;
    DWORD i;

    TRACE("%p %s %s %lu %p\n", job, debugstr_w(remote), debugstr_w(local), count, ranges);
    if (!remote || !local || !count || !ranges)
        return E_INVALIDARG;
    if (FAILED(hr = local_names(local, &windows, &unix_name)))
        return hr;
    if (FAILED(hr = utf8_from_wide(remote, &remote8)))
    {
        free(windows);
        free(unix_name);
        return hr;
    }
    /* The ranges' rules (order, overlap, at most MaxRangesPerFile) are
     * bitsd's: it answers BG_E_INVALID_RANGE and friends. */
    job_begin(job, &w, BP_ADD_FILE_RANGES);
    bp_put_str(&w, remote8);
    bp_put_str(&w, windows);
    bp_put_str(&w, unix_name);
    bp_put_u32(&w, count);
    for (i = 0; i < count; i++)
    {
        bp_put_u64(&w, ranges[i].InitialOffset);
        bp_put_u64(&w, ranges[i].Length);
    }
    free(remote8);
    free(windows);
    free(unix_name);
    return ipc_call_simple(&w);
}

static HRESULT WINAPI job5_SetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD flags)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TRACE("%p %#lx\n", job, flags);
    return job_set_u32(job, BP_PROP_FILE_ACL_FLAGS, flags);
}

static HRESULT WINAPI job5_GetFileACLFlags(IBackgroundCopyJob5 *iface, DWORD *flags)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TRACE("%p %p\n", job, flags);
    return job_get_u32(job, offsetof(struct bp_job_info, file_acl_flags), flags);
}

/* ---- IBackgroundCopyJob4 ---- */

static HRESULT WINAPI job5_SetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD flags)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TRACE("%p %#lx\n", job, flags);
    return job_set_u32(job, BP_PROP_PEER_CACHING, flags);
}

static HRESULT WINAPI job5_GetPeerCachingFlags(IBackgroundCopyJob5 *iface, DWORD *flags)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TRACE("%p %p\n", job, flags);
    return job_get_u32(job, offsetof(struct bp_job_info, peer_caching_flags), flags);
}

/* The owner's token as this call sees it: the calling program's token when
 * COM lets us impersonate it, else the service's own.  Under Wine every
 * process of a prefix runs as the one user the prefix belongs to, which is
 * also the job's owner (bitsd records the caller's SID). */
static HRESULT caller_token_info(TOKEN_INFORMATION_CLASS class, void *buf, DWORD size)
{
    BOOL impersonating = SUCCEEDED(CoImpersonateClient());
    HANDLE token = NULL;
    DWORD got;
    BOOL ok;

    if (!impersonating || !OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token))
        token = NULL;
    if (impersonating)
        CoRevertToSelf();
    if (!token && !OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return HRESULT_FROM_WIN32(GetLastError());
    ok = GetTokenInformation(token, class, buf, size, &got);
    CloseHandle(token);
    return ok ? S_OK : HRESULT_FROM_WIN32(GetLastError());
}

static HRESULT WINAPI job5_GetOwnerIntegrityLevel(IBackgroundCopyJob5 *iface, ULONG *level)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    union { TOKEN_MANDATORY_LABEL label; BYTE space[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_MANDATORY_LABEL)]; } buf;
    struct bp_job_info info;
    PSID sid;
    HRESULT hr;

    TRACE("%p %p\n", job, level);
    if (!level)
        return E_INVALIDARG;
    /* The job must exist; the level itself is the token's. */
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    bp_job_info_free(&info);
    /* A token without a label reads as medium, the level of a normal user. */
    *level = SECURITY_MANDATORY_MEDIUM_RID;
    if (SUCCEEDED(caller_token_info(TokenIntegrityLevel, &buf, sizeof(buf))))
    {
        sid = buf.label.Label.Sid;
        if (sid && IsValidSid(sid) && *GetSidSubAuthorityCount(sid))
            *level = *GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1);
    }
    return S_OK;
}

static HRESULT WINAPI job5_GetOwnerElevationState(IBackgroundCopyJob5 *iface, BOOL *elevated)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TOKEN_ELEVATION elevation;
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, elevated);
    if (!elevated)
        return E_INVALIDARG;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    bp_job_info_free(&info);
    *elevated = SUCCEEDED(caller_token_info(TokenElevation, &elevation, sizeof(elevation)))
                && elevation.TokenIsElevated;
    return S_OK;
}

static HRESULT WINAPI job5_SetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TRACE("%p %lu\n", job, seconds);
    return job_set_u32(job, BP_PROP_MAX_DOWNLOAD_TIME, seconds);
}

static HRESULT WINAPI job5_GetMaximumDownloadTime(IBackgroundCopyJob5 *iface, ULONG *seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    TRACE("%p %p\n", job, seconds);
    return job_get_u32(job, offsetof(struct bp_job_info, max_download_time), seconds);
}

/* ---- IBackgroundCopyJob5 ---- */

static BOOL is_known_property(BITS_JOB_PROPERTY_ID id)
{
    switch (id)
    {
    case BITS_JOB_PROPERTY_ID_COST_FLAGS:
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
    case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS:
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        return TRUE;
    }
    return FALSE;
}

static HRESULT WINAPI job5_SetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                       BITS_JOB_PROPERTY_VALUE value)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    struct bp_writer w;

    TRACE("%p %d\n", job, id);
    if (!is_known_property(id))
        return BG_E_UNKNOWN_PROPERTY_ID;
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, BP_PROP_JOB5);
    bp_put_u32(&w, id);
    switch (id)
    {
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
        bp_put_guid(&w, (const uint8_t *)&value.ClsID);
        break;
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
        bp_put_u64(&w, value.Uint64);
        break;
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        bp_put_u32(&w, value.Enable);
        break;
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
        bp_put_u32(&w, value.Target);
        break;
    default:
        bp_put_u32(&w, value.Dword);
        break;
    }
    return ipc_call_simple(&w);
}

static HRESULT WINAPI job5_GetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                       BITS_JOB_PROPERTY_VALUE *value)
{
    struct job *job = impl_from_IBackgroundCopyJob5(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %d %p\n", job, id, value);
    if (!value)
        return E_INVALIDARG;
    if (!is_known_property(id))
        return BG_E_UNKNOWN_PROPERTY_ID;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    memset(value, 0, sizeof(*value));
    switch (id)
    {
    case BITS_JOB_PROPERTY_ID_COST_FLAGS:
        value->Dword = info.cost_flags;
        break;
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID:
        memcpy(&value->ClsID, info.notification_clsid, sizeof(value->ClsID));
        break;
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT:
        value->Enable = info.dynamic_content != 0;
        break;
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE:
        value->Enable = info.high_performance != 0;
        break;
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE:
        value->Uint64 = info.max_download_size;
        break;
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS:
        value->Target = info.use_stored_credentials;
        break;
    case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS:
        value->Dword = info.min_notification_interval;
        break;
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE:
        value->Enable = info.on_demand != 0;
        break;
    }
    bp_job_info_free(&info);
    return S_OK;
}

static const IBackgroundCopyJob5Vtbl job5_vtbl =
{
    job5_QueryInterface,
    job5_AddRef,
    job5_Release,
    job5_AddFileSet,
    job5_AddFile,
    job5_EnumFiles,
    job5_Suspend,
    job5_Resume,
    job5_Cancel,
    job5_Complete,
    job5_GetId,
    job5_GetType,
    job5_GetProgress,
    job5_GetTimes,
    job5_GetState,
    job5_GetError,
    job5_GetOwner,
    job5_SetDisplayName,
    job5_GetDisplayName,
    job5_SetDescription,
    job5_GetDescription,
    job5_SetPriority,
    job5_GetPriority,
    job5_SetNotifyFlags,
    job5_GetNotifyFlags,
    job5_SetNotifyInterface,
    job5_GetNotifyInterface,
    job5_SetMinimumRetryDelay,
    job5_GetMinimumRetryDelay,
    job5_SetNoProgressTimeout,
    job5_GetNoProgressTimeout,
    job5_GetErrorCount,
    job5_SetProxySettings,
    job5_GetProxySettings,
    job5_TakeOwnership,
    job5_SetNotifyCmdLine,
    job5_GetNotifyCmdLine,
    job5_GetReplyProgress,
    job5_GetReplyData,
    job5_SetReplyFileName,
    job5_GetReplyFileName,
    job5_SetCredentials,
    job5_RemoveCredentials,
    /* IBackgroundCopyJob3 */
    job5_ReplaceRemotePrefix,
    job5_AddFileWithRanges,
    job5_SetFileACLFlags,
    job5_GetFileACLFlags,
    /* IBackgroundCopyJob4 */
    job5_SetPeerCachingFlags,
    job5_GetPeerCachingFlags,
    job5_GetOwnerIntegrityLevel,
    job5_GetOwnerElevationState,
    job5_SetMaximumDownloadTime,
    job5_GetMaximumDownloadTime,
    /* IBackgroundCopyJob5 */
    job5_SetProperty,
    job5_GetProperty,
};

void jobext_init(struct job *job)
{
    job->IBackgroundCopyJob5_iface.lpVtbl = &job5_vtbl;
}
