/*
 * IBackgroundCopyManager: the one object the class factory hands out.  It
 * is static and lives as long as the service; jobs come from bitsd.
 */
#include <stdlib.h>

#include "qmgr_private.h"

static HRESULT WINAPI manager_QueryInterface(IBackgroundCopyManager *iface, REFIID riid, void **obj)
{
    TRACE("%s\n", debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyManager))
    {
        *obj = iface;
        IBackgroundCopyManager_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI manager_AddRef(IBackgroundCopyManager *iface)
{
    qmgr_lock();
    return 2;
}

static ULONG WINAPI manager_Release(IBackgroundCopyManager *iface)
{
    qmgr_unlock();
    return 1;
}

static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name,
                                        BG_JOB_TYPE type, GUID *id, IBackgroundCopyJob **out)
{
    IBackgroundCopyJob2 *job;
    struct ipc_reply reply;
    struct bp_writer w;
    char *name8;
    GUID created;
    HRESULT hr;

    TRACE("%s %d %p %p\n", debugstr_w(name), type, id, out);
    if (!name || !id || !out)
        return E_INVALIDARG;
    *out = NULL;
    if ((ULONG)type > BG_JOB_TYPE_UPLOAD_REPLY)
        return E_INVALIDARG;
    if (FAILED(hr = utf8_from_wide(name, &name8)))
        return hr;
    ipc_begin(&w, BP_CREATE_JOB);
    bp_put_str(&w, name8);
    bp_put_u32(&w, type);
    free(name8);
    if (SUCCEEDED(hr = ipc_call(&w, &reply)))
    {
        bp_get_guid(&reply.rd, (uint8_t *)&created);
        if (reply.rd.failed)
            hr = BP_E_SERVICE_UNAVAILABLE;
    }
    ipc_reply_free(&reply);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = job_create(&created, type, &job)))
        return hr;
    *id = created;
    *out = (IBackgroundCopyJob *)job;
    return S_OK;
}

static HRESULT WINAPI manager_GetJob(IBackgroundCopyManager *iface, REFGUID id,
                                     IBackgroundCopyJob **out)
{
    IBackgroundCopyJob2 *job;
    struct bp_writer w;
    HRESULT hr;

    TRACE("%s %p\n", debugstr_guid(id), out);
    if (!id || !out)
        return E_INVALIDARG;
    *out = NULL;
    ipc_begin(&w, BP_GET_JOB);
    bp_put_guid(&w, (const uint8_t *)id);
    if (FAILED(hr = ipc_call_simple(&w)))
        return hr;
    if (FAILED(hr = job_create(id, (ULONG)-1, &job)))
        return hr;
    *out = (IBackgroundCopyJob *)job;
    return S_OK;
}

/* Turns the GUID list of an ENUM_JOBS reply into job objects. */
static HRESULT jobs_from_reply(struct bp_reader *rd, IEnumBackgroundCopyJobs **out)
{
    IBackgroundCopyJob **jobs;
    IBackgroundCopyJob2 *job;
    uint32_t count = bp_get_u32(rd), i, made = 0;
    HRESULT hr = S_OK;
    GUID id;

    if (rd->failed || count > rd->left / 16)
        return BP_E_SERVICE_UNAVAILABLE;
    if (!(jobs = calloc(count ? count : 1, sizeof(*jobs))))
        return E_OUTOFMEMORY;
    for (i = 0; i < count && SUCCEEDED(hr); i++)
    {
        bp_get_guid(rd, (uint8_t *)&id);
        if (SUCCEEDED(hr = job_create(&id, (ULONG)-1, &job)))
            jobs[made++] = (IBackgroundCopyJob *)job;
    }
    if (SUCCEEDED(hr))
        hr = enum_jobs_create(jobs, made, out);
    for (i = 0; i < made; i++)
        IBackgroundCopyJob_Release(jobs[i]);
    free(jobs);
    return hr;
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags,
                                       IEnumBackgroundCopyJobs **out)
{
    struct ipc_reply reply;
    struct bp_writer w;
    HRESULT hr;

    TRACE("%#lx %p\n", flags, out);
    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    /* Who may see whose jobs is bitsd's decision (E_ACCESSDENIED). */
    ipc_begin(&w, BP_ENUM_JOBS);
    bp_put_u32(&w, flags);
    if (SUCCEEDED(hr = ipc_call(&w, &reply)))
        hr = jobs_from_reply(&reply.rd, out);
    ipc_reply_free(&reply);
    return hr;
}

static HRESULT WINAPI manager_GetErrorDescription(IBackgroundCopyManager *iface, HRESULT code,
                                                  DWORD langid, LPWSTR *text)
{
    TRACE("%#lx %#lx %p\n", code, langid, text);
    if (!text)
        return E_INVALIDARG;
    return error_text(code, langid, text);
}

static const IBackgroundCopyManagerVtbl manager_vtbl =
{
    manager_QueryInterface,
    manager_AddRef,
    manager_Release,
    manager_CreateJob,
    manager_GetJob,
    manager_EnumJobs,
    manager_GetErrorDescription,
};

IBackgroundCopyManager qmgr_manager = { &manager_vtbl };
