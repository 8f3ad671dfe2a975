/*
 * IBackgroundCopyError: a job's error as it was when the object was made
 * (from BP_JOB_INFO).  Windows hands out the same kind of snapshot; a later
 * Resume does not change an error object already returned.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

struct error
{
    IBackgroundCopyError IBackgroundCopyError_iface;
    LONG refs;
    GUID job;
    BG_ERROR_CONTEXT context;
    HRESULT code;
    ULONG file_index;               /* BP_NO_FILE when not tied to a file */
    struct bp_file_info file;       /* names of that file (UTF-8, malloc'd) */
    BOOL from_transfer;             /* the error came from an HTTP exchange */
};

static inline struct error *impl_from_IBackgroundCopyError(IBackgroundCopyError *iface)
{
    return CONTAINING_RECORD(iface, struct error, IBackgroundCopyError_iface);
}

static HRESULT WINAPI error_QueryInterface(IBackgroundCopyError *iface, REFIID riid, void **obj)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %s\n", error, debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyError))
    {
        *obj = &error->IBackgroundCopyError_iface;
        IBackgroundCopyError_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI error_AddRef(IBackgroundCopyError *iface)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);
    return InterlockedIncrement(&error->refs);
}

static ULONG WINAPI error_Release(IBackgroundCopyError *iface)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);
    ULONG refs = InterlockedDecrement(&error->refs);

    if (!refs)
    {
        free(error->file.remote_name);
        free(error->file.local_name);
        free(error);
        qmgr_unlock();
    }
    return refs;
}

static HRESULT WINAPI error_GetError(IBackgroundCopyError *iface, BG_ERROR_CONTEXT *context,
                                     HRESULT *code)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %p %p\n", error, context, code);
    if (!context || !code)
        return E_INVALIDARG;
    *context = error->context;
    *code = error->code;
    return S_OK;
}

static HRESULT WINAPI error_GetFile(IBackgroundCopyError *iface, IBackgroundCopyFile **file)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %p\n", error, file);
    if (!file)
        return E_INVALIDARG;
    *file = NULL;
    if (error->file_index == BP_NO_FILE)
        return BG_E_FILE_NOT_AVAILABLE;
    return file_create(&error->job, error->file_index, &error->file, file);
}

static HRESULT WINAPI error_GetErrorDescription(IBackgroundCopyError *iface, DWORD langid,
                                                LPWSTR *text)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %#lx %p\n", error, langid, text);
    if (!text)
        return E_INVALIDARG;
    *text = NULL;
    /* Documented for this method (unlike the manager's): 0 is refused. */
    if (!langid)
        return E_INVALIDARG;
    return error_text(error->code, langid, text);
}

static HRESULT WINAPI error_GetErrorContextDescription(IBackgroundCopyError *iface, DWORD langid,
                                                       LPWSTR *text)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %#lx %p\n", error, langid, text);
    if (!text)
        return E_INVALIDARG;
    *text = NULL;
    if (!langid)
        return E_INVALIDARG;
    return error_context_text(error->context, langid, text);
}

static HRESULT WINAPI error_GetProtocol(IBackgroundCopyError *iface, LPWSTR *protocol)
{
    struct error *error = impl_from_IBackgroundCopyError(iface);

    TRACE("%p %p\n", error, protocol);
    if (!protocol)
        return E_INVALIDARG;
    *protocol = NULL;
    if (!error->from_transfer)
        return BG_E_PROTOCOL_NOT_AVAILABLE;
    return cotask_strdupW(L"http", protocol);
}

static const IBackgroundCopyErrorVtbl error_vtbl =
{
    error_QueryInterface,
    error_AddRef,
    error_Release,
    error_GetError,
    error_GetFile,
    error_GetErrorDescription,
    error_GetErrorContextDescription,
    error_GetProtocol,
};

static BOOL is_http_url(const char *url)
{
    return url && (!_strnicmp(url, "http://", 7) || !_strnicmp(url, "https://", 8));
}

/* Errors in these contexts come from talking to the server. */
static BOOL is_transfer_context(ULONG context)
{
    return context == BP_CONTEXT_REMOTE_FILE || context == BP_CONTEXT_GENERAL_TRANSPORT
        || context == BP_CONTEXT_REMOTE_APPLICATION;
}

HRESULT error_create(const GUID *job, const struct bp_job_info *info, IBackgroundCopyError **out)
{
    const struct bp_file_info *file = NULL;
    struct error *error;

    *out = NULL;
    if (info->error_context == BP_CONTEXT_NONE)
        return BG_E_ERROR_INFORMATION_UNAVAILABLE;
    if (!(error = calloc(1, sizeof(*error))))
        return E_OUTOFMEMORY;
    error->IBackgroundCopyError_iface.lpVtbl = &error_vtbl;
    error->refs = 1;
    error->job = *job;
    error->context = info->error_context;
    error->code = info->error_code;
    error->file_index = BP_NO_FILE;
    if (info->error_file != BP_NO_FILE && info->error_file < info->file_count)
    {
        file = &info->files[info->error_file];
        error->file_index = info->error_file;
        error->file.remote_name = file->remote_name ? _strdup(file->remote_name) : NULL;
        error->file.local_name = file->local_name ? _strdup(file->local_name) : NULL;
        if ((file->remote_name && !error->file.remote_name)
                || (file->local_name && !error->file.local_name))
        {
            free(error->file.remote_name);
            free(error->file.local_name);
            free(error);
            return E_OUTOFMEMORY;
        }
    }
    else if (info->file_count)
        file = &info->files[0];
    error->from_transfer = is_transfer_context(info->error_context)
                           && file && is_http_url(file->remote_name);
    qmgr_lock();
    *out = &error->IBackgroundCopyError_iface;
    return S_OK;
}
