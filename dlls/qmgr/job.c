/*
 * IBackgroundCopyJob / IBackgroundCopyJob2: one object per CreateJob,
 * GetJob or enumerated job.  It holds the job's GUID and nothing that could
 * go stale: getters ask bitsd (BP_JOB_INFO), setters and actions are
 * forwarded.  Only argument checks happen here; state checks and limits are
 * bitsd's, which is the single source of truth.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

#define JOB_TYPE_UNKNOWN ((ULONG)-1)

static inline struct job *impl_from_IBackgroundCopyJob2(IBackgroundCopyJob2 *iface)
{
    return CONTAINING_RECORD(iface, struct job, IBackgroundCopyJob2_iface);
}

/* ---- helpers talking to bitsd ---- */

HRESULT job_get_info(struct job *job, struct bp_job_info *info)
{
    HRESULT hr = ipc_job_info(&job->id, info);

    if (SUCCEEDED(hr))
        job->type = info->type;
    return hr;
}

void job_begin(struct job *job, struct bp_writer *w, uint16_t type)
{
    ipc_begin(w, type);
    bp_put_guid(w, (const uint8_t *)&job->id);
}

static HRESULT job_action(struct job *job, uint32_t action)
{
    struct bp_writer w;

    job_begin(job, &w, BP_JOB_ACTION);
    bp_put_u32(&w, action);
    if (action == BP_ACTION_TAKE_OWNERSHIP)
        bp_put_str(&w, ipc_owner_sid());
    return ipc_call_simple(&w);
}

HRESULT job_set_u32(struct job *job, uint32_t prop, uint32_t value)
{
    struct bp_writer w;

    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, prop);
    bp_put_u32(&w, value);
    return ipc_call_simple(&w);
}

/* Sends up to two strings after the property id. */
HRESULT job_set_strings(struct job *job, uint32_t prop, const WCHAR *first,
                        const WCHAR *second, int count)
{
    struct bp_writer w;
    char *a = NULL, *b = NULL;
    HRESULT hr;

    if (FAILED(hr = utf8_from_wide(first, &a)) || FAILED(hr = utf8_from_wide(second, &b)))
    {
        free(a);
        return hr;
    }
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, prop);
    bp_put_str(&w, a);
    if (count > 1)
        bp_put_str(&w, b);
    free(a);
    free(b);
    return ipc_call_simple(&w);
}

/* Checks and converts one local name: the Windows name goes to bitsd for
 * the API, the Unix name for the transfer. */
HRESULT local_names(const WCHAR *local, char **windows, char **unix_name)
{
    HRESULT hr;

    *windows = *unix_name = NULL;
    if (!is_full_windows_path(local))
        return E_INVALIDARG;
    if (FAILED(hr = utf8_from_wide(local, windows)))
        return hr;
    if (FAILED(hr = unix_path_from_windows(local, unix_name)))
    {
        free(*windows);
        *windows = NULL;
        return hr;
    }
    TRACE("%s -> %s\n", *windows, *unix_name);
    return hr;
}

static HRESULT job_add_file(struct job *job, const WCHAR *remote, const WCHAR *local)
{
    char *remote8, *windows, *unix_name;
    struct bp_writer w;
    HRESULT hr;

    if (!remote || !local)
        return E_INVALIDARG;
    if (FAILED(hr = local_names(local, &windows, &unix_name)))
        return hr;
    if (FAILED(hr = utf8_from_wide(remote, &remote8)))
    {
        free(windows);
        free(unix_name);
        return hr;
    }
    job_begin(job, &w, BP_ADD_FILE);
    bp_put_str(&w, remote8);
    bp_put_str(&w, windows);
    bp_put_str(&w, unix_name);
    free(remote8);
    free(windows);
    free(unix_name);
    return ipc_call_simple(&w);
}

static FILETIME filetime_from_u64(uint64_t value)
{
    FILETIME ft;

    ft.dwLowDateTime = (DWORD)value;
    ft.dwHighDateTime = (DWORD)(value >> 32);
    return ft;
}

/* ---- IUnknown ---- */

static HRESULT WINAPI job_QueryInterface(IBackgroundCopyJob2 *iface, REFIID riid, void **obj)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %s\n", job, debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyJob)
            || IsEqualGUID(riid, &IID_IBackgroundCopyJob2))
    {
        *obj = &job->IBackgroundCopyJob2_iface;
        IBackgroundCopyJob2_AddRef(iface);
        return S_OK;
    }
    /* BITS 2.0-5.0: every job type answers; the methods say what they refuse. */
    if (IsEqualGUID(riid, &IID_IBackgroundCopyJob3) || IsEqualGUID(riid, &IID_IBackgroundCopyJob4)
            || IsEqualGUID(riid, &IID_IBackgroundCopyJob5))
    {
        *obj = &job->IBackgroundCopyJob5_iface;
        IBackgroundCopyJob2_AddRef(iface);
        return S_OK;
    }
    if (IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions))
    {
        *obj = &job->IBackgroundCopyJobHttpOptions_iface;
        IBackgroundCopyJob2_AddRef(iface);
        return S_OK;
    }
    /* BITS 10.2 and 10.3 */
    if (IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions2)
            || IsEqualGUID(riid, &IID_IBackgroundCopyJobHttpOptions3))
    {
        *obj = &job->IBackgroundCopyJobHttpOptions3_iface;
        IBackgroundCopyJob2_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI job_AddRef(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    return InterlockedIncrement(&job->refs);
}

static ULONG WINAPI job_Release(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    ULONG refs = InterlockedDecrement(&job->refs);

    if (!refs)
    {
        free(job);
        qmgr_unlock();
    }
    return refs;
}

/* ---- IBackgroundCopyJob ---- */

static HRESULT WINAPI job_AddFileSet(IBackgroundCopyJob2 *iface, ULONG count, BG_FILE_INFO *files)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    HRESULT hr = S_OK;
    ULONG i;

    TRACE("%p %lu %p\n", job, count, files);
    if (!files || !count)
        return E_INVALIDARG;
    /* Refuse the whole set before adding anything when a name is bad. */
    for (i = 0; i < count; i++)
        if (!files[i].RemoteName || !is_full_windows_path(files[i].LocalName))
            return E_INVALIDARG;
    for (i = 0; i < count && SUCCEEDED(hr); i++)
        hr = job_add_file(job, files[i].RemoteName, files[i].LocalName);
    return FAILED(hr) ? hr : S_OK;
}

static HRESULT WINAPI job_AddFile(IBackgroundCopyJob2 *iface, LPCWSTR remote, LPCWSTR local)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %s %s\n", job, debugstr_w(remote), debugstr_w(local));
    return job_add_file(job, remote, local);
}

static HRESULT WINAPI job_EnumFiles(IBackgroundCopyJob2 *iface, IEnumBackgroundCopyFiles **out)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    IBackgroundCopyFile **files;
    struct bp_job_info info;
    HRESULT hr = S_OK;
    ULONG i, made = 0;

    TRACE("%p %p\n", job, out);
    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    if (!(files = calloc(info.file_count ? info.file_count : 1, sizeof(*files))))
        hr = E_OUTOFMEMORY;
    for (i = 0; SUCCEEDED(hr) && i < info.file_count; i++)
        if (SUCCEEDED(hr = file_create(&job->id, i, &info.files[i], &files[i])))
            made++;
    if (SUCCEEDED(hr))
        hr = enum_files_create(files, made, out);
    for (i = 0; files && i < made; i++)
        IBackgroundCopyFile_Release(files[i]);
    free(files);
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI job_Suspend(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p\n", job);
    return job_action(job, BP_ACTION_SUSPEND);
}

static HRESULT WINAPI job_Resume(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p\n", job);
    return job_action(job, BP_ACTION_RESUME);
}

static HRESULT WINAPI job_Cancel(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    HRESULT hr;

    TRACE("%p\n", job);
    if (SUCCEEDED(hr = job_action(job, BP_ACTION_CANCEL)))
        httpopts3_forget_job(&job->id);
    return hr;
}

static HRESULT WINAPI job_Complete(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    HRESULT hr;

    TRACE("%p\n", job);
    if (SUCCEEDED(hr = job_action(job, BP_ACTION_COMPLETE)))
        httpopts3_forget_job(&job->id);
    return hr;
}

static HRESULT WINAPI job_GetId(IBackgroundCopyJob2 *iface, GUID *id)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, id);
    if (!id)
        return E_INVALIDARG;
    *id = job->id;
    return S_OK;
}

static HRESULT WINAPI job_GetType(IBackgroundCopyJob2 *iface, BG_JOB_TYPE *type)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, type);
    if (!type)
        return E_INVALIDARG;
    if (job->type == JOB_TYPE_UNKNOWN)
    {
        if (FAILED(hr = job_get_info(job, &info)))
            return hr;
        bp_job_info_free(&info);
    }
    *type = job->type;
    return S_OK;
}

static HRESULT WINAPI job_GetProgress(IBackgroundCopyJob2 *iface, BG_JOB_PROGRESS *progress)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, progress);
    if (!progress)
        return E_INVALIDARG;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    progress->BytesTotal = info.bytes_total;
    progress->BytesTransferred = info.bytes_transferred;
    progress->FilesTotal = info.files_total;
    progress->FilesTransferred = info.files_transferred;
    bp_job_info_free(&info);
    return S_OK;
}

static HRESULT WINAPI job_GetTimes(IBackgroundCopyJob2 *iface, BG_JOB_TIMES *times)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, times);
    if (!times)
        return E_INVALIDARG;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    times->CreationTime = filetime_from_u64(info.creation_time);
    times->ModificationTime = filetime_from_u64(info.modification_time);
    times->TransferCompletionTime = filetime_from_u64(info.transfer_completion_time);
    bp_job_info_free(&info);
    return S_OK;
}

/* Common shape of the 32-bit getters: 'field' is the offset of a uint32_t
 * in struct bp_job_info. */
HRESULT job_get_u32(struct job *job, size_t field, DWORD *out)
{
    struct bp_job_info info;
    HRESULT hr;

    if (!out)
        return E_INVALIDARG;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    *out = *(uint32_t *)((char *)&info + field);
    bp_job_info_free(&info);
    return S_OK;
}

static HRESULT WINAPI job_GetState(IBackgroundCopyJob2 *iface, BG_JOB_STATE *state)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, state);
    return job_get_u32(job, offsetof(struct bp_job_info, state), (DWORD *)state);
}

static HRESULT WINAPI job_GetError(IBackgroundCopyJob2 *iface, IBackgroundCopyError **error)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, error);
    if (!error)
        return E_INVALIDARG;
    *error = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    hr = error_create(&job->id, &info, error);
    bp_job_info_free(&info);
    return hr;
}

/* Common shape of the string getters. */
static HRESULT job_get_string(struct job *job, size_t field, WCHAR **out)
{
    struct bp_job_info info;
    HRESULT hr;

    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    hr = cotask_wide_from_utf8(*(char **)((char *)&info + field), out);
    bp_job_info_free(&info);
    return hr;
}

/* Like job_get_string, but an unset value reads as "" (documented for the
 * description and the notify command line). */
static HRESULT job_get_string_or_empty(struct job *job, size_t field, WCHAR **out)
{
    HRESULT hr = job_get_string(job, field, out);

    if (SUCCEEDED(hr) && !*out)
        hr = cotask_strdupW(L"", out);
    return hr;
}

static HRESULT WINAPI job_GetOwner(IBackgroundCopyJob2 *iface, LPWSTR *owner)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %p\n", job, owner);
    return job_get_string(job, offsetof(struct bp_job_info, owner), owner);
}

static HRESULT WINAPI job_SetDisplayName(IBackgroundCopyJob2 *iface, LPCWSTR name)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %s\n", job, debugstr_w(name));
    if (!name)
        return E_INVALIDARG;
    return job_set_strings(job, BP_PROP_DISPLAY_NAME, name, NULL, 1);
}

static HRESULT WINAPI job_GetDisplayName(IBackgroundCopyJob2 *iface, LPWSTR *name)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %p\n", job, name);
    return job_get_string(job, offsetof(struct bp_job_info, display_name), name);
}

static HRESULT WINAPI job_SetDescription(IBackgroundCopyJob2 *iface, LPCWSTR text)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %s\n", job, debugstr_w(text));
    if (!text)
        return E_INVALIDARG;
    return job_set_strings(job, BP_PROP_DESCRIPTION, text, NULL, 1);
}

static HRESULT WINAPI job_GetDescription(IBackgroundCopyJob2 *iface, LPWSTR *text)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %p\n", job, text);
    /* A job nobody described has an empty description, not a NULL one. */
    return job_get_string_or_empty(job, offsetof(struct bp_job_info, description), text);
}

static HRESULT WINAPI job_SetPriority(IBackgroundCopyJob2 *iface, BG_JOB_PRIORITY priority)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %d\n", job, priority);
    return job_set_u32(job, BP_PROP_PRIORITY, priority);
}

static HRESULT WINAPI job_GetPriority(IBackgroundCopyJob2 *iface, BG_JOB_PRIORITY *priority)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, priority);
    return job_get_u32(job, offsetof(struct bp_job_info, priority), (DWORD *)priority);
}

static HRESULT WINAPI job_SetNotifyFlags(IBackgroundCopyJob2 *iface, ULONG flags)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %#lx\n", job, flags);
    return job_set_u32(job, BP_PROP_NOTIFY_FLAGS, flags);
}

static HRESULT WINAPI job_GetNotifyFlags(IBackgroundCopyJob2 *iface, ULONG *flags)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, flags);
    return job_get_u32(job, offsetof(struct bp_job_info, notify_flags), flags);
}

static HRESULT WINAPI job_SetNotifyInterface(IBackgroundCopyJob2 *iface, IUnknown *sink)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, sink);
    /* The sink lives here, not in bitsd: the state rule is checked here too. */
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    if (info.state == BP_STATE_ACKNOWLEDGED || info.state == BP_STATE_CANCELLED)
        hr = BG_E_INVALID_STATE;
    bp_job_info_free(&info);
    if (FAILED(hr))
        return hr;
    return events_set_sink(&job->id, sink);
}

static HRESULT WINAPI job_GetNotifyInterface(IBackgroundCopyJob2 *iface, IUnknown **sink)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, sink);
    if (!sink)
        return E_INVALIDARG;
    *sink = events_get_sink(&job->id);
    return S_OK;
}

static HRESULT WINAPI job_SetMinimumRetryDelay(IBackgroundCopyJob2 *iface, ULONG seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %lu\n", job, seconds);
    return job_set_u32(job, BP_PROP_MIN_RETRY_DELAY, seconds);
}

static HRESULT WINAPI job_GetMinimumRetryDelay(IBackgroundCopyJob2 *iface, ULONG *seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, seconds);
    return job_get_u32(job, offsetof(struct bp_job_info, min_retry_delay), seconds);
}

static HRESULT WINAPI job_SetNoProgressTimeout(IBackgroundCopyJob2 *iface, ULONG seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p %lu\n", job, seconds);
    return job_set_u32(job, BP_PROP_NO_PROGRESS_TIMEOUT, seconds);
}

static HRESULT WINAPI job_GetNoProgressTimeout(IBackgroundCopyJob2 *iface, ULONG *seconds)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, seconds);
    return job_get_u32(job, offsetof(struct bp_job_info, no_progress_timeout), seconds);
}

static HRESULT WINAPI job_GetErrorCount(IBackgroundCopyJob2 *iface, ULONG *count)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %p\n", job, count);
    return job_get_u32(job, offsetof(struct bp_job_info, error_count), count);
}

static HRESULT WINAPI job_SetProxySettings(IBackgroundCopyJob2 *iface, BG_JOB_PROXY_USAGE usage,
                                           const WCHAR *list, const WCHAR *bypass)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    char *list8 = NULL, *bypass8 = NULL;
    struct bp_writer w;
    HRESULT hr;

    TRACE("%p %d %s %s\n", job, usage, debugstr_w(list), debugstr_w(bypass));
    if (FAILED(hr = utf8_from_wide(list, &list8)) || FAILED(hr = utf8_from_wide(bypass, &bypass8)))
    {
        free(list8);
        return hr;
    }
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, BP_PROP_PROXY);
    bp_put_u32(&w, usage);
    bp_put_str(&w, list8);
    bp_put_str(&w, bypass8);
    free(list8);
    free(bypass8);
    return ipc_call_simple(&w);
}

static HRESULT WINAPI job_GetProxySettings(IBackgroundCopyJob2 *iface, BG_JOB_PROXY_USAGE *usage,
                                           LPWSTR *list, LPWSTR *bypass)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p %p %p\n", job, usage, list, bypass);
    if (!usage || !list || !bypass)
        return E_INVALIDARG;
    *list = *bypass = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    if (SUCCEEDED(hr = cotask_wide_from_utf8(info.proxy_list, list))
            && FAILED(hr = cotask_wide_from_utf8(info.proxy_bypass, bypass)))
    {
        CoTaskMemFree(*list);
        *list = NULL;
    }
    if (SUCCEEDED(hr))
        *usage = info.proxy_usage;
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI job_TakeOwnership(IBackgroundCopyJob2 *iface)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    TRACE("%p\n", job);
    return job_action(job, BP_ACTION_TAKE_OWNERSHIP);
}

/* ---- IBackgroundCopyJob2 ---- */

static HRESULT WINAPI job_SetNotifyCmdLine(IBackgroundCopyJob2 *iface, LPCWSTR program,
                                           LPCWSTR parameters)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);

    TRACE("%p %s %s\n", job, debugstr_w(program), debugstr_w(parameters));
    if (!program && parameters)
        return E_INVALIDARG;
    return job_set_strings(job, BP_PROP_NOTIFY_CMDLINE, program, parameters, 2);
}

static HRESULT WINAPI job_GetNotifyCmdLine(IBackgroundCopyJob2 *iface, LPWSTR *program,
                                           LPWSTR *parameters)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p %p\n", job, program, parameters);
    if (!program || !parameters)
        return E_INVALIDARG;
    *program = *parameters = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    /* Documented: both are L"" when no command line was set. */
    if (SUCCEEDED(hr = cotask_wide_from_utf8(info.notify_program ? info.notify_program : "", program))
            && FAILED(hr = cotask_wide_from_utf8(info.notify_parameters ? info.notify_parameters : "",
                                                 parameters)))
    {
        CoTaskMemFree(*program);
        *program = NULL;
    }
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI job_GetReplyProgress(IBackgroundCopyJob2 *iface,
                                           BG_JOB_REPLY_PROGRESS *progress)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, progress);
    if (!progress)
        return E_INVALIDARG;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    /* Documented: only upload-reply jobs have a reply. */
    if (info.type != BP_JOB_UPLOAD_REPLY)
        hr = E_NOTIMPL;
    else
    {
        progress->BytesTotal = info.reply_bytes_total;
        progress->BytesTransferred = info.reply_bytes_transferred;
    }
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI job_GetReplyData(IBackgroundCopyJob2 *iface, byte **buffer, UINT64 *length)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct ipc_reply reply;
    struct bp_writer w;
    const uint8_t *data;
    uint64_t total;
    uint32_t size;
    HRESULT hr;

    TRACE("%p %p %p\n", job, buffer, length);
    if (!buffer || !length)
        return E_INVALIDARG;
    *buffer = NULL;
    *length = 0;
    job_begin(job, &w, BP_GET_REPLY_DATA);
    hr = ipc_call(&w, &reply);
    if (hr == BG_E_TOO_LARGE)
    {
        /* The caller learns the real size, and gets no buffer. */
        total = bp_get_u64(&reply.rd);
        if (!reply.rd.failed)
            *length = total;
    }
    else if (SUCCEEDED(hr))
    {
        total = bp_get_u64(&reply.rd);
        data = bp_get_bytes(&reply.rd, &size);
        if (reply.rd.failed || (data && size != total))
            hr = BP_E_SERVICE_UNAVAILABLE;
        else if (data && size)
        {
            if (!(*buffer = CoTaskMemAlloc(size)))
                hr = E_OUTOFMEMORY;
            else
            {
                memcpy(*buffer, data, size);
                *length = size;
            }
        }
    }
    ipc_reply_free(&reply);
    return hr;
}

static HRESULT WINAPI job_SetReplyFileName(IBackgroundCopyJob2 *iface, LPCWSTR name)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    char *windows = NULL, *unix_name = NULL;
    struct bp_writer w;
    HRESULT hr;

    TRACE("%p %s\n", job, debugstr_w(name));
    /* NULL or "" hands the choice of the name back to BITS. */
    if (name && *name && FAILED(hr = local_names(name, &windows, &unix_name)))
        return hr;
    job_begin(job, &w, BP_JOB_SET);
    bp_put_u32(&w, BP_PROP_REPLY_FILE_NAME);
    bp_put_str(&w, windows);
    bp_put_str(&w, unix_name);
    free(windows);
    free(unix_name);
    return ipc_call_simple(&w);
}

static HRESULT WINAPI job_GetReplyFileName(IBackgroundCopyJob2 *iface, LPWSTR *name)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", job, name);
    if (!name)
        return E_INVALIDARG;
    *name = NULL;
    if (FAILED(hr = job_get_info(job, &info)))
        return hr;
    if (info.type != BP_JOB_UPLOAD_REPLY)
        hr = E_NOTIMPL;
    else
        hr = cotask_wide_from_utf8(info.reply_file_name, name);
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI job_SetCredentials(IBackgroundCopyJob2 *iface, BG_AUTH_CREDENTIALS *cred)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    const BG_BASIC_CREDENTIALS *basic;
    char *user = NULL, *password = NULL;
    struct bp_writer w;
    HRESULT hr;

    TRACE("%p %p\n", job, cred);
    if (!cred)
        return E_INVALIDARG;
    basic = &cred->Credentials.Basic;
    /* Basic and Digest cannot fall back to the logon credentials. */
    if ((cred->Scheme == BG_AUTH_SCHEME_BASIC || cred->Scheme == BG_AUTH_SCHEME_DIGEST)
            && (!basic->UserName || !basic->Password))
        return E_INVALIDARG;
    if (FAILED(hr = utf8_from_wide(basic->UserName, &user))
            || FAILED(hr = utf8_from_wide(basic->Password, &password)))
    {
        free(user);
        return hr;
    }
    job_begin(job, &w, BP_SET_CREDENTIALS);
    bp_put_u32(&w, cred->Target);
    bp_put_u32(&w, cred->Scheme);
    bp_put_str(&w, user);
    bp_put_str(&w, password);
    if (password)
        SecureZeroMemory(password, strlen(password));
    free(user);
    free(password);
    hr = ipc_call_simple(&w);
    return hr;
}

static HRESULT WINAPI job_RemoveCredentials(IBackgroundCopyJob2 *iface, BG_AUTH_TARGET target,
                                            BG_AUTH_SCHEME scheme)
{
    struct job *job = impl_from_IBackgroundCopyJob2(iface);
    struct bp_writer w;

    TRACE("%p %d %d\n", job, target, scheme);
    job_begin(job, &w, BP_REMOVE_CREDENTIALS);
    bp_put_u32(&w, target);
    bp_put_u32(&w, scheme);
    return ipc_call_simple(&w);
}

static const IBackgroundCopyJob2Vtbl job_vtbl =
{
    job_QueryInterface,
    job_AddRef,
    job_Release,
    job_AddFileSet,
    job_AddFile,
    job_EnumFiles,
    job_Suspend,
    job_Resume,
    job_Cancel,
    job_Complete,
    job_GetId,
    job_GetType,
    job_GetProgress,
    job_GetTimes,
    job_GetState,
    job_GetError,
    job_GetOwner,
    job_SetDisplayName,
    job_GetDisplayName,
    job_SetDescription,
    job_GetDescription,
    job_SetPriority,
    job_GetPriority,
    job_SetNotifyFlags,
    job_GetNotifyFlags,
    job_SetNotifyInterface,
    job_GetNotifyInterface,
    job_SetMinimumRetryDelay,
    job_GetMinimumRetryDelay,
    job_SetNoProgressTimeout,
    job_GetNoProgressTimeout,
    job_GetErrorCount,
    job_SetProxySettings,
    job_GetProxySettings,
    job_TakeOwnership,
    job_SetNotifyCmdLine,
    job_GetNotifyCmdLine,
    job_GetReplyProgress,
    job_GetReplyData,
    job_SetReplyFileName,
    job_GetReplyFileName,
    job_SetCredentials,
    job_RemoveCredentials,
};

HRESULT job_create(const GUID *id, ULONG type, IBackgroundCopyJob2 **out)
{
    struct job *job;

    if (!(job = calloc(1, sizeof(*job))))
        return E_OUTOFMEMORY;
    job->IBackgroundCopyJob2_iface.lpVtbl = &job_vtbl;
    jobext_init(job);
    httpopts_init(job);
    httpopts3_init(job);
    job->refs = 1;
    job->id = *id;
    job->type = type;
    qmgr_lock();
    *out = &job->IBackgroundCopyJob2_iface;
    TRACE("%p for %s\n", job, debugstr_guid(id));
    return S_OK;
}
