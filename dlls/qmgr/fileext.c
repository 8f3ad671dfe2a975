/*
 * IBackgroundCopyFile2..File5 (BITS 2.0-5.0) on the file object: ranges,
 * a new remote name, the temporary file, validation and the last HTTP
 * response headers.  The IBackgroundCopyFile part forwards to file.c.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

static inline struct file *impl_from_IBackgroundCopyFile5(IBackgroundCopyFile5 *iface)
{
    return CONTAINING_RECORD(iface, struct file, IBackgroundCopyFile5_iface);
}

static inline IBackgroundCopyFile *file1(IBackgroundCopyFile5 *iface)
{
    return &impl_from_IBackgroundCopyFile5(iface)->IBackgroundCopyFile_iface;
}

/* Fetches the job's info and checks that this file is in it. */
static HRESULT file_get_info(struct file *file, struct bp_job_info *info)
{
    HRESULT hr = ipc_job_info(&file->job, info);

    if (SUCCEEDED(hr) && file->index >= info->file_count)
    {
        bp_job_info_free(info);
        hr = BG_E_FILE_NOT_AVAILABLE;
    }
    return hr;
}

static void file_begin(struct file *file, struct bp_writer *w, uint16_t type, uint32_t prop)
{
    ipc_begin(w, type);
    bp_put_guid(w, (const uint8_t *)&file->job);
    bp_put_u32(w, file->index);
    bp_put_u32(w, prop);
}

/* ---- IUnknown and IBackgroundCopyFile: file.c's implementation ---- */

static HRESULT WINAPI file5_QueryInterface(IBackgroundCopyFile5 *iface, REFIID riid, void **obj)
{
    return IBackgroundCopyFile_QueryInterface(file1(iface), riid, obj);
}

static ULONG WINAPI file5_AddRef(IBackgroundCopyFile5 *iface)
{
    return IBackgroundCopyFile_AddRef(file1(iface));
}

static ULONG WINAPI file5_Release(IBackgroundCopyFile5 *iface)
{
    return IBackgroundCopyFile_Release(file1(iface));
}

static HRESULT WINAPI file5_GetRemoteName(IBackgroundCopyFile5 *iface, LPWSTR *name)
{
    return IBackgroundCopyFile_GetRemoteName(file1(iface), name);
}

static HRESULT WINAPI file5_GetLocalName(IBackgroundCopyFile5 *iface, LPWSTR *name)
{
    return IBackgroundCopyFile_GetLocalName(file1(iface), name);
}

static HRESULT WINAPI file5_GetProgress(IBackgroundCopyFile5 *iface, BG_FILE_PROGRESS *progress)
{
    return IBackgroundCopyFile_GetProgress(file1(iface), progress);
}

/* ---- IBackgroundCopyFile2 ---- */

static HRESULT WINAPI file5_GetFileRanges(IBackgroundCopyFile5 *iface, DWORD *count,
                                          BG_FILE_RANGE **ranges)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    const struct bp_file_info *f;
    struct bp_job_info info;
    HRESULT hr;
    DWORD i;

    TRACE("%p %p %p\n", file, count, ranges);
    if (!count || !ranges)
        return E_INVALIDARG;
    *count = 0;
    *ranges = NULL;
    if (FAILED(hr = file_get_info(file, &info)))
        return hr;
    f = &info.files[file->index];
    /* documented: no ranges (whole file, or an upload): S_FALSE, 0, NULL */
    if (!f->range_count)
        hr = S_FALSE;
    else if (!(*ranges = CoTaskMemAlloc(f->range_count * sizeof(**ranges))))
        hr = E_OUTOFMEMORY;
    else
    {
        for (i = 0; i < f->range_count; i++)
        {
            (*ranges)[i].InitialOffset = f->ranges[i].offset;
            (*ranges)[i].Length = f->ranges[i].length;
        }
        *count = f->range_count;
    }
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI file5_SetRemoteName(IBackgroundCopyFile5 *iface, LPCWSTR url)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    WCHAR *copy, *old;
    struct bp_writer w;
    char *url8;
    HRESULT hr;

    TRACE("%p %s\n", file, debugstr_w(url));
    if (!url)
        return E_INVALIDARG;
    if (FAILED(hr = utf8_from_wide(url, &url8)))
        return hr;
    file_begin(file, &w, BP_FILE_SET, BP_FILE_PROP_REMOTE_NAME);
    bp_put_str(&w, url8);
    free(url8);
    if (FAILED(hr = ipc_call_simple(&w)))
        return hr;
    /* GetRemoteName asks bitsd; this copy only outlives the job. */
    if (SUCCEEDED(cotask_strdupW(url, &copy)))
    {
        old = InterlockedExchangePointer((void **)&file->remote_name, copy);
        CoTaskMemFree(old);
    }
    return hr;
}

/* ---- IBackgroundCopyFile3 ---- */

typedef WCHAR * (CDECL *wine_get_dos_file_name_t)(const char *);

/* Wine's kernel32 export: the Windows name of a Unix path (HeapAlloc'ed),
 * through the prefix's drive mappings. */
static HRESULT windows_path_from_unix(const char *unix_name, WCHAR **out)
{
    static wine_get_dos_file_name_t fn;
    WCHAR *name;
    HRESULT hr;

    *out = NULL;
    if (!fn)
        fn = (wine_get_dos_file_name_t)(void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                              "wine_get_dos_file_name");
    if (!fn || !(name = fn(unix_name)))
        return BP_E_PATH_NOT_FOUND;
    hr = cotask_strdupW(name, out);
    HeapFree(GetProcessHeap(), 0, name);
    return hr;
}

static HRESULT WINAPI file5_GetTemporaryName(IBackgroundCopyFile5 *iface, LPWSTR *name)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", file, name);
    if (!name)
        return E_INVALIDARG;
    *name = NULL;
    if (FAILED(hr = file_get_info(file, &info)))
        return hr;
    /* Only downloads have one; bitsd names it when the file is added. */
    if (info.type != BP_JOB_DOWNLOAD || !info.files[file->index].temp_name)
        hr = E_NOTIMPL;
    else
        hr = windows_path_from_unix(info.files[file->index].temp_name, name);
    bp_job_info_free(&info);
    return hr;
}

static HRESULT WINAPI file5_SetValidationState(IBackgroundCopyFile5 *iface, BOOL state)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    struct bp_writer w;

    TRACE("%p %d\n", file, state);
    file_begin(file, &w, BP_FILE_SET, BP_FILE_PROP_VALIDATION_STATE);
    bp_put_u32(&w, state ? 1 : 0);
    return ipc_call_simple(&w);
}

static HRESULT WINAPI file5_GetValidationState(IBackgroundCopyFile5 *iface, BOOL *state)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", file, state);
    if (!state)
        return E_INVALIDARG;
    if (FAILED(hr = file_get_info(file, &info)))
        return hr;
    *state = info.files[file->index].validation_state != 0;
    bp_job_info_free(&info);
    return S_OK;
}

static HRESULT WINAPI file5_IsDownloadedFromPeer(IBackgroundCopyFile5 *iface, BOOL *from_peer)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", file, from_peer);
    if (!from_peer)
        return E_INVALIDARG;
    if (FAILED(hr = file_get_info(file, &info)))
        return hr;
    bp_job_info_free(&info);
    /* There is no peer caching here: every byte comes from the origin. */
    *from_peer = FALSE;
    return S_OK;
}

/* ---- IBackgroundCopyFile4 ---- */

static HRESULT WINAPI file5_GetPeerDownloadStats(IBackgroundCopyFile5 *iface, UINT64 *from_origin,
                                                 UINT64 *from_peers)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p %p\n", file, from_origin, from_peers);
    if (!from_origin || !from_peers)
        return E_INVALIDARG;
    if (FAILED(hr = file_get_info(file, &info)))
        return hr;
    *from_origin = info.files[file->index].bytes_transferred;
    *from_peers = 0;
    bp_job_info_free(&info);
    return S_OK;
}

/* ---- IBackgroundCopyFile5 ---- */

static HRESULT WINAPI file5_SetProperty(IBackgroundCopyFile5 *iface, BITS_FILE_PROPERTY_ID id,
                                        BITS_FILE_PROPERTY_VALUE value)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);

    TRACE("%p %d\n", file, id);
    /* The one file property is what the server answered: it cannot be set. */
    if (id == BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return BG_E_READ_ONLY_PROPERTY;
    return BG_E_UNKNOWN_PROPERTY_ID;
}

static HRESULT WINAPI file5_GetProperty(IBackgroundCopyFile5 *iface, BITS_FILE_PROPERTY_ID id,
                                        BITS_FILE_PROPERTY_VALUE *value)
{
    struct file *file = impl_from_IBackgroundCopyFile5(iface);
    struct ipc_reply reply;
    struct bp_writer w;
    char *headers;
    HRESULT hr;

    TRACE("%p %d %p\n", file, id, value);
    if (!value)
        return E_INVALIDARG;
    value->String = NULL;
    if (id != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return BG_E_UNKNOWN_PROPERTY_ID;
    file_begin(file, &w, BP_FILE_GET, BP_FILE_PROP_RESPONSE_HEADERS);
    hr = ipc_call(&w, &reply);
    if (SUCCEEDED(hr))
    {
        headers = bp_get_str(&reply.rd);
        if (reply.rd.failed)
            hr = BP_E_SERVICE_UNAVAILABLE;
        else
            /* NULL until the server has answered a request for this file */
            hr = cotask_wide_from_utf8(headers, &value->String);
        free(headers);
    }
    ipc_reply_free(&reply);
    return hr;
}

static const IBackgroundCopyFile5Vtbl file5_vtbl =
{
    file5_QueryInterface,
    file5_AddRef,
    file5_Release,
    file5_GetRemoteName,
    file5_GetLocalName,
    file5_GetProgress,
    /* IBackgroundCopyFile2 */
    file5_GetFileRanges,
    file5_SetRemoteName,
    /* IBackgroundCopyFile3 */
    file5_GetTemporaryName,
    file5_SetValidationState,
    file5_GetValidationState,
    file5_IsDownloadedFromPeer,
    /* IBackgroundCopyFile4 */
    file5_GetPeerDownloadStats,
    /* IBackgroundCopyFile5 */
    file5_SetProperty,
    file5_GetProperty,
};

void fileext_init(struct file *file)
{
    file->IBackgroundCopyFile5_iface.lpVtbl = &file5_vtbl;
}
