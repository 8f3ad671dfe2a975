/*
 * Fake job for the qmgrprxy test: IBackgroundCopyJob5 (and so Job..Job4),
 * IBackgroundCopyJobHttpOptions3 (and so HttpOptions, HttpOptions2) and
 * IBitsTokenOptions on one object.  Setters store, getters answer what was
 * stored; Resume calls the notify interface back through every
 * IBackgroundCopyCallback3 method.
 */
#include <stdio.h>
#include <wchar.h>

#include "fakes.h"

static struct fake_job *impl_from_job(IBackgroundCopyJob5 *iface)
{
    return CONTAINING_RECORD(iface, struct fake_job, IBackgroundCopyJob5_iface);
}

static void store_string(WCHAR **slot, const WCHAR *value)
{
    CoTaskMemFree(*slot);
    *slot = fake_strdup(value);
}

/* NULL stays NULL: the proxies must carry a NULL string output. */
static HRESULT answer_string(const WCHAR *value, WCHAR **out)
{
    *out = fake_strdup(value);
    return (value && !*out) ? E_OUTOFMEMORY : S_OK;
}

static HRESULT WINAPI job_QueryInterface(IBackgroundCopyJob5 *iface, REFIID riid, void **obj)
{
    struct fake_job *job = impl_from_job(iface);

    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyJob)
        || IsEqualGUID(riid, &IID_IBackgroundCopyJob2) || IsEqualGUID(riid, &IID_IBackgroundCopyJob3)
        || IsEqualGUID(riid, &IID_IBackgroundCopyJob4) || IsEqualGUID(riid, &IID_IBackgroundCopyJob5))
        *obj = &job->IBackgroundCopyJob5_iface;
    else if (IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions)
             || IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions2)
             || IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions3))
        *obj = &job->IBackgroundCopyJobHttpOptions3_iface;
    else if (IsEqualGUID(riid, &IID_IBitsTokenOptions))
        *obj = &job->IBitsTokenOptions_iface;
    else
    {
        *obj = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*obj);
    return S_OK;
}

static ULONG WINAPI job_AddRef(IBackgroundCopyJob5 *iface)
{
    return InterlockedIncrement(&impl_from_job(iface)->refs);
}

static void job_free(struct fake_job *job)
{
    WCHAR **strings[] =
    {
        &job->display_name, &job->description, &job->proxy_list, &job->proxy_bypass,
        &job->notify_program, &job->notify_params, &job->reply_file, &job->cred_user,
        &job->cred_password, &job->old_prefix, &job->new_prefix, &job->cert_store,
        &job->cert_subject, &job->custom_headers, &job->http_method,
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(strings); i++)
        CoTaskMemFree(*strings[i]);
    for (i = 0; i < job->file_count; i++)
        IBackgroundCopyFile6_Release(&job->files[i]->IBackgroundCopyFile6_iface);
    if (job->notify)
        IUnknown_Release(job->notify);
    if (job->cert_validator)
        IUnknown_Release(job->cert_validator);
    HeapFree(GetProcessHeap(), 0, job);
}

static ULONG WINAPI job_Release(IBackgroundCopyJob5 *iface)
{
    struct fake_job *job = impl_from_job(iface);
    ULONG refs = InterlockedDecrement(&job->refs);

    if (!refs)
        job_free(job);
    return refs;
}

static HRESULT add_file(struct fake_job *job, const WCHAR *remote, const WCHAR *local)
{
    if (!remote || !local)
        return E_INVALIDARG;
    if (job->file_count == FAKE_MAX_FILES)
        return BG_E_TOO_MANY_FILES;
    if (!(job->files[job->file_count] = fake_file_create(remote, local)))
        return E_OUTOFMEMORY;
    job->file_count++;
    return S_OK;
}

static HRESULT WINAPI job_AddFileSet(IBackgroundCopyJob5 *iface, ULONG count, BG_FILE_INFO *set)
{
    struct fake_job *job = impl_from_job(iface);
    HRESULT hr = S_OK;
    ULONG i;

    for (i = 0; i < count && SUCCEEDED(hr); i++)
        hr = add_file(job, set[i].RemoteName, set[i].LocalName);
    return hr;
}

static HRESULT WINAPI job_AddFile(IBackgroundCopyJob5 *iface, LPCWSTR remote, LPCWSTR local)
{
    return add_file(impl_from_job(iface), remote, local);
}

static HRESULT WINAPI job_EnumFiles(IBackgroundCopyJob5 *iface, IEnumBackgroundCopyFiles **files)
{
    return fake_enum_files_create(impl_from_job(iface), files);
}

static HRESULT WINAPI job_Suspend(IBackgroundCopyJob5 *iface)
{
    impl_from_job(iface)->state = BG_JOB_STATE_SUSPENDED;
    return S_OK;
}

/* Calls every IBackgroundCopyCallback3 method of the sink, as a real
 * server does over time, and keeps the first failure. */
static void notify_all(struct fake_job *job)
{
    IBackgroundCopyJob *self = (IBackgroundCopyJob *)&job->IBackgroundCopyJob5_iface;
    IBackgroundCopyFile *file = (IBackgroundCopyFile *)&job->files[0]->IBackgroundCopyFile6_iface;
    IBackgroundCopyCallback3 *sink;
    IBackgroundCopyError *error;
    HRESULT results[5];
    unsigned int i;

    job->callback_result = IUnknown_QueryInterface(job->notify, &IID_IBackgroundCopyCallback3, (void **)&sink);
    if (FAILED(job->callback_result))
        return;
    if (FAILED(job->callback_result = fake_error_create(job, &error)))
    {
        IBackgroundCopyCallback3_Release(sink);
        return;
    }
    results[0] = IBackgroundCopyCallback3_JobTransferred(sink, self);
    results[1] = IBackgroundCopyCallback3_JobError(sink, self, error);
    results[2] = IBackgroundCopyCallback3_JobModification(sink, self, 0);
    results[3] = IBackgroundCopyCallback3_FileTransferred(sink, self, file);
    results[4] = IBackgroundCopyCallback3_FileRangesTransferred(sink, self, file, job->range_count, job->ranges);
    for (i = 0; i < ARRAY_SIZE(results); i++)
    {
        job->callbacks_made++;
        if (FAILED(results[i]) && SUCCEEDED(job->callback_result))
            job->callback_result = results[i];
    }
    IBackgroundCopyError_Release(error);
    IBackgroundCopyCallback3_Release(sink);
}

static HRESULT WINAPI job_Resume(IBackgroundCopyJob5 *iface)
{
    struct fake_job *job = impl_from_job(iface);

    if (!job->file_count)
        return BG_E_EMPTY;
    job->state = BG_JOB_STATE_QUEUED;
    if (job->notify)
        notify_all(job);
    return S_OK;
}

static HRESULT WINAPI job_Cancel(IBackgroundCopyJob5 *iface)
{
    impl_from_job(iface)->state = BG_JOB_STATE_CANCELLED;
    return S_OK;
}

static HRESULT WINAPI job_Complete(IBackgroundCopyJob5 *iface)
{
    impl_from_job(iface)->state = BG_JOB_STATE_ACKNOWLEDGED;
    return S_OK;
}

static HRESULT WINAPI job_GetId(IBackgroundCopyJob5 *iface, GUID *id)
{
    *id = impl_from_job(iface)->id;
    return S_OK;
}

static HRESULT WINAPI job_GetType(IBackgroundCopyJob5 *iface, BG_JOB_TYPE *type)
{
    *type = impl_from_job(iface)->type;
    return S_OK;
}

static HRESULT WINAPI job_GetProgress(IBackgroundCopyJob5 *iface, BG_JOB_PROGRESS *progress)
{
    struct fake_job *job = impl_from_job(iface);

    progress->BytesTotal = BG_SIZE_UNKNOWN;
    progress->BytesTransferred = 0x100000001ULL;
    progress->FilesTotal = job->file_count;
    progress->FilesTransferred = 1;
    return S_OK;
}

static HRESULT WINAPI job_GetTimes(IBackgroundCopyJob5 *iface, BG_JOB_TIMES *times)
{
    times->CreationTime.dwLowDateTime = 1;
    times->CreationTime.dwHighDateTime = 2;
    times->ModificationTime.dwLowDateTime = 3;
    times->ModificationTime.dwHighDateTime = 4;
    times->TransferCompletionTime.dwLowDateTime = 5;
    times->TransferCompletionTime.dwHighDateTime = 6;
    return S_OK;
}

static HRESULT WINAPI job_GetState(IBackgroundCopyJob5 *iface, BG_JOB_STATE *state)
{
    *state = impl_from_job(iface)->state;
    return S_OK;
}

static HRESULT WINAPI job_GetError(IBackgroundCopyJob5 *iface, IBackgroundCopyError **error)
{
    return fake_error_create(impl_from_job(iface), error);
}

static HRESULT WINAPI job_GetOwner(IBackgroundCopyJob5 *iface, LPWSTR *owner)
{
    return answer_string(FAKE_OWNER, owner);
}

static HRESULT WINAPI job_SetDisplayName(IBackgroundCopyJob5 *iface, LPCWSTR name)
{
    store_string(&impl_from_job(iface)->display_name, name);
    return S_OK;
}

static HRESULT WINAPI job_GetDisplayName(IBackgroundCopyJob5 *iface, LPWSTR *name)
{
    return answer_string(impl_from_job(iface)->display_name, name);
}

static HRESULT WINAPI job_SetDescription(IBackgroundCopyJob5 *iface, LPCWSTR text)
{
    store_string(&impl_from_job(iface)->description, text);
    return S_OK;
}

static HRESULT WINAPI job_GetDescription(IBackgroundCopyJob5 *iface, LPWSTR *text)
{
    return answer_string(impl_from_job(iface)->description, text);
}

static HRESULT WINAPI job_SetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY priority)
{
    if (priority > BG_JOB_PRIORITY_LOW)
        return E_NOTIMPL;
    impl_from_job(iface)->priority = priority;
    return S_OK;
}

static HRESULT WINAPI job_GetPriority(IBackgroundCopyJob5 *iface, BG_JOB_PRIORITY *priority)
{
    *priority = impl_from_job(iface)->priority;
    return S_OK;
}

/* Plain numeric properties: the setter stores, the getter answers. */
#define JOB_NUMBER(type, setter, getter, field) \
    static HRESULT WINAPI job_##setter(IBackgroundCopyJob5 *iface, type value) \
    { \
        impl_from_job(iface)->field = value; \
        return S_OK; \
    } \
    static HRESULT WINAPI job_##getter(IBackgroundCopyJob5 *iface, type *value) \
    { \
        *value = impl_from_job(iface)->field; \
        return S_OK; \
    }

JOB_NUMBER(ULONG, SetNotifyFlags, GetNotifyFlags, notify_flags)
JOB_NUMBER(ULONG, SetMinimumRetryDelay, GetMinimumRetryDelay, retry_delay)
JOB_NUMBER(ULONG, SetNoProgressTimeout, GetNoProgressTimeout, no_progress_timeout)
JOB_NUMBER(DWORD, SetFileACLFlags, GetFileACLFlags, acl_flags)
JOB_NUMBER(DWORD, SetPeerCachingFlags, GetPeerCachingFlags, peer_flags)
JOB_NUMBER(ULONG, SetMaximumDownloadTime, GetMaximumDownloadTime, max_download_time)

static HRESULT WINAPI job_SetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown *sink)
{
    struct fake_job *job = impl_from_job(iface);

    if (job->notify)
        IUnknown_Release(job->notify);
    if ((job->notify = sink))
        IUnknown_AddRef(sink);
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyInterface(IBackgroundCopyJob5 *iface, IUnknown **sink)
{
    struct fake_job *job = impl_from_job(iface);

    if ((*sink = job->notify))
        IUnknown_AddRef(*sink);
    return S_OK;
}

static HRESULT WINAPI job_GetErrorCount(IBackgroundCopyJob5 *iface, ULONG *count)
{
    *count = 7;
    return S_OK;
}

static HRESULT WINAPI job_SetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE usage,
                                           const WCHAR *list, const WCHAR *bypass)
{
    struct fake_job *job = impl_from_job(iface);

    job->proxy_usage = usage;
    store_string(&job->proxy_list, list);
    store_string(&job->proxy_bypass, bypass);
    return S_OK;
}

static HRESULT WINAPI job_GetProxySettings(IBackgroundCopyJob5 *iface, BG_JOB_PROXY_USAGE *usage,
                                           LPWSTR *list, LPWSTR *bypass)
{
    struct fake_job *job = impl_from_job(iface);
    HRESULT hr;

    *usage = job->proxy_usage;
    if (FAILED(hr = answer_string(job->proxy_list, list)))
        return hr;
    return answer_string(job->proxy_bypass, bypass);
}

static HRESULT WINAPI job_TakeOwnership(IBackgroundCopyJob5 *iface)
{
    impl_from_job(iface)->owner_taken = TRUE;
    return S_OK;
}

/* ---- IBackgroundCopyJob2 ---- */

static HRESULT WINAPI job_SetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPCWSTR program, LPCWSTR params)
{
    struct fake_job *job = impl_from_job(iface);

    store_string(&job->notify_program, program);
    store_string(&job->notify_params, params);
    return S_OK;
}

static HRESULT WINAPI job_GetNotifyCmdLine(IBackgroundCopyJob5 *iface, LPWSTR *program, LPWSTR *params)
{
    struct fake_job *job = impl_from_job(iface);
    HRESULT hr;

    if (FAILED(hr = answer_string(job->notify_program, program)))
        return hr;
    return answer_string(job->notify_params, params);
}

static HRESULT WINAPI job_GetReplyProgress(IBackgroundCopyJob5 *iface, BG_JOB_REPLY_PROGRESS *progress)
{
    if (impl_from_job(iface)->type != BG_JOB_TYPE_UPLOAD_REPLY)
        return E_NOTIMPL;
    progress->BytesTotal = FAKE_REPLY_SIZE;
    progress->BytesTransferred = FAKE_REPLY_SIZE;
    return S_OK;
}

/* A reply whose every byte says where it is, so truncation or shifting
 * in the marshaller shows. */
static HRESULT WINAPI job_GetReplyData(IBackgroundCopyJob5 *iface, byte **buffer, UINT64 *length)
{
    unsigned int i;

    if (!length)
        return E_INVALIDARG;
    if (!(*buffer = CoTaskMemAlloc(FAKE_REPLY_SIZE)))
        return E_OUTOFMEMORY;
    for (i = 0; i < FAKE_REPLY_SIZE; i++)
        (*buffer)[i] = (byte)(i * 7 + i / 256);
    *length = FAKE_REPLY_SIZE;
    return S_OK;
}

static HRESULT WINAPI job_SetReplyFileName(IBackgroundCopyJob5 *iface, LPCWSTR name)
{
    store_string(&impl_from_job(iface)->reply_file, name);
    return S_OK;
}

static HRESULT WINAPI job_GetReplyFileName(IBackgroundCopyJob5 *iface, LPWSTR *name)
{
    return answer_string(impl_from_job(iface)->reply_file, name);
}

static HRESULT WINAPI job_SetCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_CREDENTIALS *credentials)
{
    struct fake_job *job = impl_from_job(iface);

    if (!credentials)
        return E_INVALIDARG;
    job->cred_target = credentials->Target;
    job->cred_scheme = credentials->Scheme;
    store_string(&job->cred_user, credentials->Credentials.Basic.UserName);
    store_string(&job->cred_password, credentials->Credentials.Basic.Password);
    return S_OK;
}

static HRESULT WINAPI job_RemoveCredentials(IBackgroundCopyJob5 *iface, BG_AUTH_TARGET target,
                                            BG_AUTH_SCHEME scheme)
{
    struct fake_job *job = impl_from_job(iface);

    job->removed_target = target;
    job->removed_scheme = scheme;
    return S_OK;
}

/* ---- IBackgroundCopyJob3 ---- */

static HRESULT WINAPI job_ReplaceRemotePrefix(IBackgroundCopyJob5 *iface, LPCWSTR old_prefix,
                                              LPCWSTR new_prefix)
{
    struct fake_job *job = impl_from_job(iface);

    store_string(&job->old_prefix, old_prefix);
    store_string(&job->new_prefix, new_prefix);
    return S_OK;
}

static HRESULT WINAPI job_AddFileWithRanges(IBackgroundCopyJob5 *iface, LPCWSTR remote, LPCWSTR local,
                                            DWORD count, BG_FILE_RANGE ranges[])
{
    struct fake_job *job = impl_from_job(iface);

    if (count > FAKE_MAX_RANGES)
        return BG_E_TOO_MANY_RANGES_IN_FILE;
    job->range_count = count;
    memcpy(job->ranges, ranges, sizeof(*ranges) * count);
    return add_file(job, remote, local);
}

/* ---- IBackgroundCopyJob4 ---- */

static HRESULT WINAPI job_GetOwnerIntegrityLevel(IBackgroundCopyJob5 *iface, ULONG *level)
{
    *level = 0x2000;
    return S_OK;
}

static HRESULT WINAPI job_GetOwnerElevationState(IBackgroundCopyJob5 *iface, BOOL *elevated)
{
    *elevated = TRUE;
    return S_OK;
}

/* ---- IBackgroundCopyJob5 ---- */

static HRESULT WINAPI job_SetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                      BITS_JOB_PROPERTY_VALUE value)
{
    struct fake_job *job = impl_from_job(iface);

    switch (id)
    {
    case BITS_JOB_PROPERTY_ID_COST_FLAGS: job->cost_flags = value.Dword; break;
    case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS: job->min_notify_interval = value.Dword; break;
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID: job->notify_clsid = value.ClsID; break;
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT: job->dynamic_content = value.Enable; break;
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE: job->high_performance = value.Enable; break;
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE: job->on_demand = value.Enable; break;
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE: job->max_download_size = value.Uint64; break;
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS: job->stored_credentials = value.Target; break;
    default: return E_INVALIDARG;
    }
    return S_OK;
}

static HRESULT WINAPI job_GetProperty(IBackgroundCopyJob5 *iface, BITS_JOB_PROPERTY_ID id,
                                      BITS_JOB_PROPERTY_VALUE *value)
{
    struct fake_job *job = impl_from_job(iface);

    switch (id)
    {
    case BITS_JOB_PROPERTY_ID_COST_FLAGS: value->Dword = job->cost_flags; break;
    case BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS: value->Dword = job->min_notify_interval; break;
    case BITS_JOB_PROPERTY_NOTIFICATION_CLSID: value->ClsID = job->notify_clsid; break;
    case BITS_JOB_PROPERTY_DYNAMIC_CONTENT: value->Enable = job->dynamic_content; break;
    case BITS_JOB_PROPERTY_HIGH_PERFORMANCE: value->Enable = job->high_performance; break;
    case BITS_JOB_PROPERTY_ON_DEMAND_MODE: value->Enable = job->on_demand; break;
    case BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE: value->Uint64 = job->max_download_size; break;
    case BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS: value->Target = job->stored_credentials; break;
    default: return E_INVALIDARG;
    }
    return S_OK;
}

static const IBackgroundCopyJob5Vtbl job_vtbl =
{
    .QueryInterface = job_QueryInterface,
    .AddRef = job_AddRef,
    .Release = job_Release,
    .AddFileSet = job_AddFileSet,
    .AddFile = job_AddFile,
    .EnumFiles = job_EnumFiles,
    .Suspend = job_Suspend,
    .Resume = job_Resume,
    .Cancel = job_Cancel,
    .Complete = job_Complete,
    .GetId = job_GetId,
    .GetType = job_GetType,
    .GetProgress = job_GetProgress,
    .GetTimes = job_GetTimes,
    .GetState = job_GetState,
    .GetError = job_GetError,
    .GetOwner = job_GetOwner,
    .SetDisplayName = job_SetDisplayName,
    .GetDisplayName = job_GetDisplayName,
    .SetDescription = job_SetDescription,
    .GetDescription = job_GetDescription,
    .SetPriority = job_SetPriority,
    .GetPriority = job_GetPriority,
    .SetNotifyFlags = job_SetNotifyFlags,
    .GetNotifyFlags = job_GetNotifyFlags,
    .SetNotifyInterface = job_SetNotifyInterface,
    .GetNotifyInterface = job_GetNotifyInterface,
    .SetMinimumRetryDelay = job_SetMinimumRetryDelay,
    .GetMinimumRetryDelay = job_GetMinimumRetryDelay,
    .SetNoProgressTimeout = job_SetNoProgressTimeout,
    .GetNoProgressTimeout = job_GetNoProgressTimeout,
    .GetErrorCount = job_GetErrorCount,
    .SetProxySettings = job_SetProxySettings,
    .GetProxySettings = job_GetProxySettings,
    .TakeOwnership = job_TakeOwnership,
    .SetNotifyCmdLine = job_SetNotifyCmdLine,
    .GetNotifyCmdLine = job_GetNotifyCmdLine,
    .GetReplyProgress = job_GetReplyProgress,
    .GetReplyData = job_GetReplyData,
    .SetReplyFileName = job_SetReplyFileName,
    .GetReplyFileName = job_GetReplyFileName,
    .SetCredentials = job_SetCredentials,
    .RemoveCredentials = job_RemoveCredentials,
    .ReplaceRemotePrefix = job_ReplaceRemotePrefix,
    .AddFileWithRanges = job_AddFileWithRanges,
    .SetFileACLFlags = job_SetFileACLFlags,
    .GetFileACLFlags = job_GetFileACLFlags,
    .SetPeerCachingFlags = job_SetPeerCachingFlags,
    .GetPeerCachingFlags = job_GetPeerCachingFlags,
    .GetOwnerIntegrityLevel = job_GetOwnerIntegrityLevel,
    .GetOwnerElevationState = job_GetOwnerElevationState,
    .SetMaximumDownloadTime = job_SetMaximumDownloadTime,
    .GetMaximumDownloadTime = job_GetMaximumDownloadTime,
    .SetProperty = job_SetProperty,
    .GetProperty = job_GetProperty,
};

/* ---- IBackgroundCopyJobHttpOptions3 ---- */

static struct fake_job *impl_from_http(IBackgroundCopyJobHttpOptions3 *iface)
{
    return CONTAINING_RECORD(iface, struct fake_job, IBackgroundCopyJobHttpOptions3_iface);
}

static HRESULT WINAPI http_QueryInterface(IBackgroundCopyJobHttpOptions3 *iface, REFIID riid, void **obj)
{
    return job_QueryInterface(&impl_from_http(iface)->IBackgroundCopyJob5_iface, riid, obj);
}

static ULONG WINAPI http_AddRef(IBackgroundCopyJobHttpOptions3 *iface)
{
    return job_AddRef(&impl_from_http(iface)->IBackgroundCopyJob5_iface);
}

static ULONG WINAPI http_Release(IBackgroundCopyJobHttpOptions3 *iface)
{
    return job_Release(&impl_from_http(iface)->IBackgroundCopyJob5_iface);
}

static HRESULT WINAPI http_SetClientCertificateByID(IBackgroundCopyJobHttpOptions3 *iface,
                                                    BG_CERT_STORE_LOCATION location, LPCWSTR store,
                                                    BYTE *hash)
{
    struct fake_job *job = impl_from_http(iface);

    job->cert_location = location;
    store_string(&job->cert_store, store);
    memcpy(job->cert_hash, hash, sizeof(job->cert_hash));
    store_string(&job->cert_subject, NULL);
    job->has_cert = TRUE;
    return S_OK;
}

static HRESULT WINAPI http_SetClientCertificateByName(IBackgroundCopyJobHttpOptions3 *iface,
                                                      BG_CERT_STORE_LOCATION location, LPCWSTR store,
                                                      LPCWSTR subject)
{
    struct fake_job *job = impl_from_http(iface);

    job->cert_location = location;
    store_string(&job->cert_store, store);
    store_string(&job->cert_subject, subject);
    memset(job->cert_hash, 0, sizeof(job->cert_hash));
    job->has_cert = TRUE;
    return S_OK;
}

static HRESULT WINAPI http_RemoveClientCertificate(IBackgroundCopyJobHttpOptions3 *iface)
{
    struct fake_job *job = impl_from_http(iface);

    if (!job->has_cert)
        return S_FALSE;
    job->has_cert = FALSE;
    return S_OK;
}

static HRESULT WINAPI http_GetClientCertificate(IBackgroundCopyJobHttpOptions3 *iface,
                                                BG_CERT_STORE_LOCATION *location, LPWSTR *store,
                                                BYTE **hash, LPWSTR *subject)
{
    struct fake_job *job = impl_from_http(iface);

    if (!job->has_cert)
        return BG_E_NOT_FOUND;
    *location = job->cert_location;
    if (!(*hash = CoTaskMemAlloc(sizeof(job->cert_hash))))
        return E_OUTOFMEMORY;
    memcpy(*hash, job->cert_hash, sizeof(job->cert_hash));
    *store = fake_strdup(job->cert_store);
    *subject = fake_strdup(job->cert_subject);
    return S_OK;
}

static HRESULT WINAPI http_SetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR headers)
{
    store_string(&impl_from_http(iface)->custom_headers, headers);
    return S_OK;
}

static HRESULT WINAPI http_GetCustomHeaders(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *headers)
{
    struct fake_job *job = impl_from_http(iface);

    if (job->headers_write_only)
    {
        *headers = NULL;
        return E_ACCESSDENIED;
    }
    return answer_string(job->custom_headers, headers);
}

static HRESULT WINAPI http_SetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG flags)
{
    impl_from_http(iface)->security_flags = flags;
    return S_OK;
}

static HRESULT WINAPI http_GetSecurityFlags(IBackgroundCopyJobHttpOptions3 *iface, ULONG *flags)
{
    *flags = impl_from_http(iface)->security_flags;
    return S_OK;
}

static HRESULT WINAPI http_SetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPCWSTR method)
{
    store_string(&impl_from_http(iface)->http_method, method);
    return S_OK;
}

static HRESULT WINAPI http_GetHttpMethod(IBackgroundCopyJobHttpOptions3 *iface, LPWSTR *method)
{
    return answer_string(impl_from_http(iface)->http_method, method);
}

static HRESULT WINAPI http_SetServerCertificateValidationInterface(IBackgroundCopyJobHttpOptions3 *iface,
                                                                   IUnknown *validator)
{
    struct fake_job *job = impl_from_http(iface);

    if (job->cert_validator)
        IUnknown_Release(job->cert_validator);
    if ((job->cert_validator = validator))
        IUnknown_AddRef(validator);
    return S_OK;
}

static HRESULT WINAPI http_MakeCustomHeadersWriteOnly(IBackgroundCopyJobHttpOptions3 *iface)
{
    impl_from_http(iface)->headers_write_only = TRUE;
    return S_OK;
}

static const IBackgroundCopyJobHttpOptions3Vtbl http_vtbl =
{
    .QueryInterface = http_QueryInterface,
    .AddRef = http_AddRef,
    .Release = http_Release,
    .SetClientCertificateByID = http_SetClientCertificateByID,
    .SetClientCertificateByName = http_SetClientCertificateByName,
    .RemoveClientCertificate = http_RemoveClientCertificate,
    .GetClientCertificate = http_GetClientCertificate,
    .SetCustomHeaders = http_SetCustomHeaders,
    .GetCustomHeaders = http_GetCustomHeaders,
    .SetSecurityFlags = http_SetSecurityFlags,
    .GetSecurityFlags = http_GetSecurityFlags,
    .SetHttpMethod = http_SetHttpMethod,
    .GetHttpMethod = http_GetHttpMethod,
    .SetServerCertificateValidationInterface = http_SetServerCertificateValidationInterface,
    .MakeCustomHeadersWriteOnly = http_MakeCustomHeadersWriteOnly,
};

/* ---- IBitsTokenOptions ---- */

static struct fake_job *impl_from_token(IBitsTokenOptions *iface)
{
    return CONTAINING_RECORD(iface, struct fake_job, IBitsTokenOptions_iface);
}

static HRESULT WINAPI token_QueryInterface(IBitsTokenOptions *iface, REFIID riid, void **obj)
{
    return job_QueryInterface(&impl_from_token(iface)->IBackgroundCopyJob5_iface, riid, obj);
}

static ULONG WINAPI token_AddRef(IBitsTokenOptions *iface)
{
    return job_AddRef(&impl_from_token(iface)->IBackgroundCopyJob5_iface);
}

static ULONG WINAPI token_Release(IBitsTokenOptions *iface)
{
    return job_Release(&impl_from_token(iface)->IBackgroundCopyJob5_iface);
}

static HRESULT WINAPI token_SetHelperTokenFlags(IBitsTokenOptions *iface, DWORD flags)
{
    impl_from_token(iface)->token_flags = flags;
    return S_OK;
}

static HRESULT WINAPI token_GetHelperTokenFlags(IBitsTokenOptions *iface, DWORD *flags)
{
    *flags = impl_from_token(iface)->token_flags;
    return S_OK;
}

static HRESULT WINAPI token_SetHelperToken(IBitsTokenOptions *iface)
{
    impl_from_token(iface)->helper_token = TRUE;
    return S_OK;
}

static HRESULT WINAPI token_ClearHelperToken(IBitsTokenOptions *iface)
{
    impl_from_token(iface)->helper_token = FALSE;
    return S_OK;
}

static HRESULT WINAPI token_GetHelperTokenSid(IBitsTokenOptions *iface, LPWSTR *sid)
{
    return answer_string(impl_from_token(iface)->helper_token ? FAKE_TOKEN_SID : NULL, sid);
}

static const IBitsTokenOptionsVtbl token_vtbl =
{
    .QueryInterface = token_QueryInterface,
    .AddRef = token_AddRef,
    .Release = token_Release,
    .SetHelperTokenFlags = token_SetHelperTokenFlags,
    .GetHelperTokenFlags = token_GetHelperTokenFlags,
    .SetHelperToken = token_SetHelperToken,
    .ClearHelperToken = token_ClearHelperToken,
    .GetHelperTokenSid = token_GetHelperTokenSid,
};

struct fake_job *fake_job_create(const WCHAR *name, BG_JOB_TYPE type)
{
    struct fake_job *job = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*job));

    if (!job)
        return NULL;
    job->IBackgroundCopyJob5_iface.lpVtbl = &job_vtbl;
    job->IBackgroundCopyJobHttpOptions3_iface.lpVtbl = &http_vtbl;
    job->IBitsTokenOptions_iface.lpVtbl = &token_vtbl;
    job->refs = 1;
    CoCreateGuid(&job->id);
    job->type = type;
    job->state = BG_JOB_STATE_SUSPENDED;
    job->priority = BG_JOB_PRIORITY_NORMAL;
    job->notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
    job->retry_delay = 600;
    job->no_progress_timeout = 1209600;
    job->display_name = fake_strdup(name);
    return job;
}
