/*
 * IEnumBackgroundCopyJobs: a snapshot of job objects taken when the
 * enumerator is made (EnumJobs); Clone shares nothing but copies the
 * snapshot and the position.
 */
#include <stdlib.h>

#include "qmgr_private.h"

struct enum_jobs
{
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;
    LONG refs;
    IBackgroundCopyJob **jobs;
    ULONG count;
    ULONG position;
};

static inline struct enum_jobs *impl_from_IEnumBackgroundCopyJobs(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, struct enum_jobs, IEnumBackgroundCopyJobs_iface);
}

static HRESULT WINAPI enum_jobs_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid,
                                               void **obj)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p %s\n", enum_jobs, debugstr_guid(riid));
    if (!obj)
        return E_POINTER;
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyJobs))
    {
        *obj = &enum_jobs->IEnumBackgroundCopyJobs_iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_jobs_AddRef(IEnumBackgroundCopyJobs *iface)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);
    return InterlockedIncrement(&enum_jobs->refs);
}

static ULONG WINAPI enum_jobs_Release(IEnumBackgroundCopyJobs *iface)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG refs = InterlockedDecrement(&enum_jobs->refs);
    ULONG i;

    if (!refs)
    {
        for (i = 0; i < enum_jobs->count; i++)
            IBackgroundCopyJob_Release(enum_jobs->jobs[i]);
        free(enum_jobs->jobs);
        free(enum_jobs);
        qmgr_unlock();
    }
    return refs;
}

static HRESULT WINAPI enum_jobs_Next(IEnumBackgroundCopyJobs *iface, ULONG celt,
                                     IBackgroundCopyJob **jobs, ULONG *fetched)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG n = 0;

    TRACE("%p %lu %p %p\n", enum_jobs, celt, jobs, fetched);
    if (!jobs || (celt > 1 && !fetched))
        return E_INVALIDARG;
    while (n < celt && enum_jobs->position < enum_jobs->count)
    {
        jobs[n] = enum_jobs->jobs[enum_jobs->position++];
        IBackgroundCopyJob_AddRef(jobs[n]);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_jobs_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);
    ULONG left = enum_jobs->count - enum_jobs->position;

    TRACE("%p %lu\n", enum_jobs, celt);
    if (celt > left)
    {
        enum_jobs->position = enum_jobs->count;
        return S_FALSE;
    }
    enum_jobs->position += celt;
    return S_OK;
}

static HRESULT WINAPI enum_jobs_Reset(IEnumBackgroundCopyJobs *iface)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p\n", enum_jobs);
    enum_jobs->position = 0;
    return S_OK;
}

static HRESULT WINAPI enum_jobs_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **out)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);
    HRESULT hr;

    TRACE("%p %p\n", enum_jobs, out);
    if (!out)
        return E_INVALIDARG;
    if (SUCCEEDED(hr = enum_jobs_create(enum_jobs->jobs, enum_jobs->count, out)))
        impl_from_IEnumBackgroundCopyJobs(*out)->position = enum_jobs->position;
    return hr;
}

static HRESULT WINAPI enum_jobs_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *count)
{
    struct enum_jobs *enum_jobs = impl_from_IEnumBackgroundCopyJobs(iface);

    TRACE("%p %p\n", enum_jobs, count);
    if (!count)
        return E_INVALIDARG;
    *count = enum_jobs->count;
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl enum_jobs_vtbl =
{
    enum_jobs_QueryInterface,
    enum_jobs_AddRef,
    enum_jobs_Release,
    enum_jobs_Next,
    enum_jobs_Skip,
    enum_jobs_Reset,
    enum_jobs_Clone,
    enum_jobs_GetCount,
};

/* Takes its own references on the jobs. */
HRESULT enum_jobs_create(IBackgroundCopyJob **jobs, ULONG count, IEnumBackgroundCopyJobs **out)
{
    struct enum_jobs *enum_jobs;
    ULONG i;

    *out = NULL;
    if (!(enum_jobs = calloc(1, sizeof(*enum_jobs))))
        return E_OUTOFMEMORY;
    if (!(enum_jobs->jobs = calloc(count ? count : 1, sizeof(*jobs))))
    {
        free(enum_jobs);
        return E_OUTOFMEMORY;
    }
    for (i = 0; i < count; i++)
    {
        enum_jobs->jobs[i] = jobs[i];
        IBackgroundCopyJob_AddRef(jobs[i]);
    }
    enum_jobs->IEnumBackgroundCopyJobs_iface.lpVtbl = &enum_jobs_vtbl;
    enum_jobs->refs = 1;
    enum_jobs->count = count;
    qmgr_lock();
    *out = &enum_jobs->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}
