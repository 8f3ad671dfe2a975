/*
 * IBackgroundCopyFile: one file of a job, identified by the job's GUID and
 * the file's index (files are never removed from a job).  The names are
 * fixed once added and kept; progress is asked from bitsd on every call.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

static inline struct file *impl_from_IBackgroundCopyFile(IBackgroundCopyFile *iface)
{
    return CONTAINING_RECORD(iface, struct file, IBackgroundCopyFile_iface);
}

static HRESULT WINAPI file_QueryInterface(IBackgroundCopyFile *iface, REFIID riid, void **obj)
{
    struct file *file = impl_from_IBackgroundCopyFile(iface);

    TRACE("%p %s\n", file, debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyFile))
    {
        *obj = &file->IBackgroundCopyFile_iface;
        IBackgroundCopyFile_AddRef(iface);
        return S_OK;
    }
    /* File2..File5: fileext.c; File6 (on-demand ranges) is not served. */
    if (IsEqualGUID(riid, &IID_IBackgroundCopyFile2) || IsEqualGUID(riid, &IID_IBackgroundCopyFile3)
            || IsEqualGUID(riid, &IID_IBackgroundCopyFile4) || IsEqualGUID(riid, &IID_IBackgroundCopyFile5))
    {
        *obj = &file->IBackgroundCopyFile5_iface;
        IBackgroundCopyFile_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI file_AddRef(IBackgroundCopyFile *iface)
{
    struct file *file = impl_from_IBackgroundCopyFile(iface);
    return InterlockedIncrement(&file->refs);
}

static ULONG WINAPI file_Release(IBackgroundCopyFile *iface)
{
    struct file *file = impl_from_IBackgroundCopyFile(iface);
    ULONG refs = InterlockedDecrement(&file->refs);

    if (!refs)
    {
        CoTaskMemFree(file->remote_name);
        CoTaskMemFree(file->local_name);
        free(file);
        qmgr_unlock();
    }
    return refs;
}

static HRESULT WINAPI file_GetRemoteName(IBackgroundCopyFile *iface, LPWSTR *name)
{
    struct file *file = impl_from_IBackgroundCopyFile(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", file, name);
    if (!name)
        return E_INVALIDARG;
    /* SetRemoteName and ReplaceRemotePrefix change the name in bitsd; once
     * the job is gone the name as last known here is all there is. */
    if (SUCCEEDED(ipc_job_info(&file->job, &info)))
    {
        hr = file->index < info.file_count
             ? cotask_wide_from_utf8(info.files[file->index].remote_name, name) : E_FAIL;
        bp_job_info_free(&info);
        if (SUCCEEDED(hr))
            return hr;
    }
    return cotask_strdupW(file->remote_name, name);
}

static HRESULT WINAPI file_GetLocalName(IBackgroundCopyFile *iface, LPWSTR *name)
{
    struct file *file = impl_from_IBackgroundCopyFile(iface);

    TRACE("%p %p\n", file, name);
    if (!name)
        return E_INVALIDARG;
    return cotask_strdupW(file->local_name, name);
}

static HRESULT WINAPI file_GetProgress(IBackgroundCopyFile *iface, BG_FILE_PROGRESS *progress)
{
    struct file *file = impl_from_IBackgroundCopyFile(iface);
    struct bp_job_info info;
    HRESULT hr;

    TRACE("%p %p\n", file, progress);
    if (!progress)
        return E_INVALIDARG;
    if (FAILED(hr = ipc_job_info(&file->job, &info)))
        return hr;
    if (file->index >= info.file_count)
        hr = BG_E_FILE_NOT_AVAILABLE;
    else
    {
        progress->BytesTotal = info.files[file->index].bytes_total;
        progress->BytesTransferred = info.files[file->index].bytes_transferred;
        progress->Completed = info.files[file->index].completed != 0;
    }
    bp_job_info_free(&info);
    return hr;
}

static const IBackgroundCopyFileVtbl file_vtbl =
{
    file_QueryInterface,
    file_AddRef,
    file_Release,
    file_GetRemoteName,
    file_GetLocalName,
    file_GetProgress,
};

HRESULT file_create(const GUID *job, ULONG index, const struct bp_file_info *info,
                    IBackgroundCopyFile **out)
{
    struct file *file;
    HRESULT hr;

    *out = NULL;
    if (!(file = calloc(1, sizeof(*file))))
        return E_OUTOFMEMORY;
    if (FAILED(hr = cotask_wide_from_utf8(info->remote_name, &file->remote_name))
            || FAILED(hr = cotask_wide_from_utf8(info->local_name, &file->local_name)))
    {
        CoTaskMemFree(file->remote_name);
        free(file);
        return hr;
    }
    file->IBackgroundCopyFile_iface.lpVtbl = &file_vtbl;
    fileext_init(file);
    file->refs = 1;
    file->job = *job;
    file->index = index;
    qmgr_lock();
    *out = &file->IBackgroundCopyFile_iface;
    return S_OK;
}
