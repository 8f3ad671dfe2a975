/*
 * Fake manager, file, error and enumerators for the qmgrprxy test.
 * Every output is allocated the way a real server allocates it
 * (CoTaskMemAlloc), so the stubs free it after marshalling.
 */
#include <stdio.h>
#include <wchar.h>

#include "fakes.h"

WCHAR *fake_strdup(const WCHAR *s)
{
    WCHAR *copy;
    size_t size;

    if (!s)
        return NULL;
    size = (wcslen(s) + 1) * sizeof(WCHAR);
    if ((copy = CoTaskMemAlloc(size)))
        memcpy(copy, s, size);
    return copy;
}

void fake_describe(HRESULT code, DWORD language, WCHAR *buffer, size_t size)
{
    swprintf(buffer, size, L"error %08lx in language %lu: d\x00e9j\x00e0 vu \x4e2d", code, language);
}

void fake_describe_context(BG_ERROR_CONTEXT context, DWORD language, WCHAR *buffer, size_t size)
{
    swprintf(buffer, size, L"context %d in language %lu", context, language);
}

/* ---- IBackgroundCopyFile6 ---- */

static struct fake_file *impl_from_file(IBackgroundCopyFile6 *iface)
{
    return CONTAINING_RECORD(iface, struct fake_file, IBackgroundCopyFile6_iface);
}

static HRESULT WINAPI file_QueryInterface(IBackgroundCopyFile6 *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyFile)
        || IsEqualGUID(riid, &IID_IBackgroundCopyFile2) || IsEqualGUID(riid, &IID_IBackgroundCopyFile3)
        || IsEqualGUID(riid, &IID_IBackgroundCopyFile4) || IsEqualGUID(riid, &IID_IBackgroundCopyFile5)
        || IsEqualGUID(riid, &IID_IBackgroundCopyFile6))
    {
        *obj = iface;
        IBackgroundCopyFile6_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI file_AddRef(IBackgroundCopyFile6 *iface)
{
    return InterlockedIncrement(&impl_from_file(iface)->refs);
}

static ULONG WINAPI file_Release(IBackgroundCopyFile6 *iface)
{
    struct fake_file *file = impl_from_file(iface);
    ULONG refs = InterlockedDecrement(&file->refs);

    if (!refs)
    {
        CoTaskMemFree(file->remote);
        CoTaskMemFree(file->local);
        CoTaskMemFree(file->response_headers);
        HeapFree(GetProcessHeap(), 0, file);
    }
    return refs;
}

static HRESULT WINAPI file_GetRemoteName(IBackgroundCopyFile6 *iface, LPWSTR *value)
{
    return (*value = fake_strdup(impl_from_file(iface)->remote)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI file_GetLocalName(IBackgroundCopyFile6 *iface, LPWSTR *value)
{
    return (*value = fake_strdup(impl_from_file(iface)->local)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI file_GetProgress(IBackgroundCopyFile6 *iface, BG_FILE_PROGRESS *progress)
{
    progress->BytesTotal = 0x123456789aULL;
    progress->BytesTransferred = impl_from_file(iface)->position;
    progress->Completed = FALSE;
    return S_OK;
}

/* Answers what RequestFileRanges asked for. */
static HRESULT WINAPI file_GetFileRanges(IBackgroundCopyFile6 *iface, DWORD *count, BG_FILE_RANGE **ranges)
{
    struct fake_file *file = impl_from_file(iface);

    if (!count)
        return E_INVALIDARG;
    *count = file->requested_count;
    *ranges = CoTaskMemAlloc(sizeof(**ranges) * (file->requested_count ? file->requested_count : 1));
    if (!*ranges)
        return E_OUTOFMEMORY;
    memcpy(*ranges, file->requested, sizeof(**ranges) * file->requested_count);
    return S_OK;
}

static HRESULT WINAPI file_SetRemoteName(IBackgroundCopyFile6 *iface, LPCWSTR name)
{
    struct fake_file *file = impl_from_file(iface);

    CoTaskMemFree(file->remote);
    file->remote = fake_strdup(name);
    return S_OK;
}

static HRESULT WINAPI file_GetTemporaryName(IBackgroundCopyFile6 *iface, LPWSTR *name)
{
    return (*name = fake_strdup(FAKE_TEMP_NAME)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI file_SetValidationState(IBackgroundCopyFile6 *iface, BOOL state)
{
    impl_from_file(iface)->valid = state;
    return S_OK;
}

static HRESULT WINAPI file_GetValidationState(IBackgroundCopyFile6 *iface, BOOL *state)
{
    *state = impl_from_file(iface)->valid;
    return S_OK;
}

static HRESULT WINAPI file_IsDownloadedFromPeer(IBackgroundCopyFile6 *iface, BOOL *value)
{
    *value = TRUE;
    return S_OK;
}

static HRESULT WINAPI file_GetPeerDownloadStats(IBackgroundCopyFile6 *iface, UINT64 *origin, UINT64 *peers)
{
    *origin = impl_from_file(iface)->position;
    *peers = 0xfedcba9876ULL;
    return S_OK;
}

static HRESULT WINAPI file_SetProperty(IBackgroundCopyFile6 *iface, BITS_FILE_PROPERTY_ID id,
                                       BITS_FILE_PROPERTY_VALUE value)
{
    struct fake_file *file = impl_from_file(iface);

    if (id != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return E_INVALIDARG;
    CoTaskMemFree(file->response_headers);
    file->response_headers = fake_strdup(value.String);
    return S_OK;
}

static HRESULT WINAPI file_GetProperty(IBackgroundCopyFile6 *iface, BITS_FILE_PROPERTY_ID id,
                                       BITS_FILE_PROPERTY_VALUE *value)
{
    if (id != BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS)
        return E_INVALIDARG;
    value->String = fake_strdup(impl_from_file(iface)->response_headers);
    return S_OK;
}

static HRESULT WINAPI file_UpdateDownloadPosition(IBackgroundCopyFile6 *iface, UINT64 offset)
{
    impl_from_file(iface)->position = offset;
    return S_OK;
}

static HRESULT WINAPI file_RequestFileRanges(IBackgroundCopyFile6 *iface, DWORD count,
                                             const BG_FILE_RANGE ranges[])
{
    struct fake_file *file = impl_from_file(iface);

    if (count > FAKE_MAX_RANGES)
        return E_INVALIDARG;
    file->requested_count = count;
    memcpy(file->requested, ranges, sizeof(*ranges) * count);
    return S_OK;
}

static HRESULT WINAPI file_GetFilledFileRanges(IBackgroundCopyFile6 *iface, DWORD *count,
                                               BG_FILE_RANGE **ranges)
{
    struct fake_file *file = impl_from_file(iface);

    *count = 1;
    if (!(*ranges = CoTaskMemAlloc(sizeof(**ranges))))
        return E_OUTOFMEMORY;
    (*ranges)[0].InitialOffset = 0;
    (*ranges)[0].Length = file->position;
    return S_OK;
}

static const IBackgroundCopyFile6Vtbl file_vtbl =
{
    .QueryInterface = file_QueryInterface,
    .AddRef = file_AddRef,
    .Release = file_Release,
    .GetRemoteName = file_GetRemoteName,
    .GetLocalName = file_GetLocalName,
    .GetProgress = file_GetProgress,
    .GetFileRanges = file_GetFileRanges,
    .SetRemoteName = file_SetRemoteName,
    .GetTemporaryName = file_GetTemporaryName,
    .SetValidationState = file_SetValidationState,
    .GetValidationState = file_GetValidationState,
    .IsDownloadedFromPeer = file_IsDownloadedFromPeer,
    .GetPeerDownloadStats = file_GetPeerDownloadStats,
    .SetProperty = file_SetProperty,
    .GetProperty = file_GetProperty,
    .UpdateDownloadPosition = file_UpdateDownloadPosition,
    .RequestFileRanges = file_RequestFileRanges,
    .GetFilledFileRanges = file_GetFilledFileRanges,
};

struct fake_file *fake_file_create(const WCHAR *remote, const WCHAR *local)
{
    struct fake_file *file = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*file));

    if (!file)
        return NULL;
    file->IBackgroundCopyFile6_iface.lpVtbl = &file_vtbl;
    file->refs = 1;
    file->remote = fake_strdup(remote);
    file->local = fake_strdup(local);
    return file;
}

/* ---- IEnumBackgroundCopyFiles ---- */

struct fake_enum_files
{
    IEnumBackgroundCopyFiles IEnumBackgroundCopyFiles_iface;
    LONG refs;
    IBackgroundCopyFile *files[FAKE_MAX_FILES];
    ULONG count, next;
};

static struct fake_enum_files *impl_from_enum_files(IEnumBackgroundCopyFiles *iface)
{
    return CONTAINING_RECORD(iface, struct fake_enum_files, IEnumBackgroundCopyFiles_iface);
}

static HRESULT WINAPI enum_files_QueryInterface(IEnumBackgroundCopyFiles *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyFiles))
    {
        *obj = iface;
        IEnumBackgroundCopyFiles_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_files_AddRef(IEnumBackgroundCopyFiles *iface)
{
    return InterlockedIncrement(&impl_from_enum_files(iface)->refs);
}

static ULONG WINAPI enum_files_Release(IEnumBackgroundCopyFiles *iface)
{
    struct fake_enum_files *files = impl_from_enum_files(iface);
    ULONG refs = InterlockedDecrement(&files->refs), i;

    if (!refs)
    {
        for (i = 0; i < files->count; i++)
            IBackgroundCopyFile_Release(files->files[i]);
        HeapFree(GetProcessHeap(), 0, files);
    }
    return refs;
}

static HRESULT WINAPI enum_files_Next(IEnumBackgroundCopyFiles *iface, ULONG celt,
                                      IBackgroundCopyFile **items, ULONG *fetched)
{
    struct fake_enum_files *files = impl_from_enum_files(iface);
    ULONG n = 0;

    if (!fetched && celt != 1)
        return E_INVALIDARG;
    while (n < celt && files->next < files->count)
    {
        items[n] = files->files[files->next++];
        IBackgroundCopyFile_AddRef(items[n]);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_files_Skip(IEnumBackgroundCopyFiles *iface, ULONG celt)
{
    struct fake_enum_files *files = impl_from_enum_files(iface);
    ULONG left = files->count - files->next;

    files->next += min(celt, left);
    return celt <= left ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_files_Reset(IEnumBackgroundCopyFiles *iface)
{
    impl_from_enum_files(iface)->next = 0;
    return S_OK;
}

static struct fake_enum_files *enum_files_create(IBackgroundCopyFile **items, ULONG count);

static HRESULT WINAPI enum_files_Clone(IEnumBackgroundCopyFiles *iface, IEnumBackgroundCopyFiles **clone)
{
    struct fake_enum_files *files = impl_from_enum_files(iface), *copy;

    if (!(copy = enum_files_create(files->files, files->count)))
        return E_OUTOFMEMORY;
    copy->next = files->next;
    *clone = &copy->IEnumBackgroundCopyFiles_iface;
    return S_OK;
}

static HRESULT WINAPI enum_files_GetCount(IEnumBackgroundCopyFiles *iface, ULONG *count)
{
    *count = impl_from_enum_files(iface)->count;
    return S_OK;
}

static const IEnumBackgroundCopyFilesVtbl enum_files_vtbl =
{
    .QueryInterface = enum_files_QueryInterface,
    .AddRef = enum_files_AddRef,
    .Release = enum_files_Release,
    .Next = enum_files_Next,
    .Skip = enum_files_Skip,
    .Reset = enum_files_Reset,
    .Clone = enum_files_Clone,
    .GetCount = enum_files_GetCount,
};

static struct fake_enum_files *enum_files_create(IBackgroundCopyFile **items, ULONG count)
{
    struct fake_enum_files *files = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*files));
    ULONG i;

    if (!files)
        return NULL;
    files->IEnumBackgroundCopyFiles_iface.lpVtbl = &enum_files_vtbl;
    files->refs = 1;
    for (i = 0; i < count && i < FAKE_MAX_FILES; i++)
    {
        files->files[i] = items[i];
        IBackgroundCopyFile_AddRef(items[i]);
    }
    files->count = i;
    return files;
}

HRESULT fake_enum_files_create(struct fake_job *job, IEnumBackgroundCopyFiles **out)
{
    IBackgroundCopyFile *items[FAKE_MAX_FILES];
    struct fake_enum_files *files;
    unsigned int i;

    for (i = 0; i < job->file_count; i++)
        items[i] = (IBackgroundCopyFile *)&job->files[i]->IBackgroundCopyFile6_iface;
    if (!(files = enum_files_create(items, job->file_count)))
        return E_OUTOFMEMORY;
    *out = &files->IEnumBackgroundCopyFiles_iface;
    return S_OK;
}

/* ---- IBackgroundCopyError ---- */

struct fake_error
{
    IBackgroundCopyError IBackgroundCopyError_iface;
    LONG refs;
    IBackgroundCopyFile *file;
};

static struct fake_error *impl_from_error(IBackgroundCopyError *iface)
{
    return CONTAINING_RECORD(iface, struct fake_error, IBackgroundCopyError_iface);
}

static HRESULT WINAPI error_QueryInterface(IBackgroundCopyError *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyError))
    {
        *obj = iface;
        IBackgroundCopyError_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI error_AddRef(IBackgroundCopyError *iface)
{
    return InterlockedIncrement(&impl_from_error(iface)->refs);
}

static ULONG WINAPI error_Release(IBackgroundCopyError *iface)
{
    struct fake_error *error = impl_from_error(iface);
    ULONG refs = InterlockedDecrement(&error->refs);

    if (!refs)
    {
        if (error->file)
            IBackgroundCopyFile_Release(error->file);
        HeapFree(GetProcessHeap(), 0, error);
    }
    return refs;
}

static HRESULT WINAPI error_GetError(IBackgroundCopyError *iface, BG_ERROR_CONTEXT *context, HRESULT *code)
{
    *context = BG_ERROR_CONTEXT_REMOTE_FILE;
    *code = (HRESULT)0x80190194;
    return S_OK;
}

static HRESULT WINAPI error_GetFile(IBackgroundCopyError *iface, IBackgroundCopyFile **file)
{
    struct fake_error *error = impl_from_error(iface);

    *file = error->file;
    if (!*file)
        return BG_E_FILE_NOT_AVAILABLE;
    IBackgroundCopyFile_AddRef(*file);
    return S_OK;
}

static HRESULT WINAPI error_GetErrorDescription(IBackgroundCopyError *iface, DWORD language, LPWSTR *text)
{
    WCHAR buffer[128];

    fake_describe((HRESULT)0x80190194, language, buffer, ARRAY_SIZE(buffer));
    return (*text = fake_strdup(buffer)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI error_GetErrorContextDescription(IBackgroundCopyError *iface, DWORD language,
                                                       LPWSTR *text)
{
    WCHAR buffer[128];

    fake_describe_context(BG_ERROR_CONTEXT_REMOTE_FILE, language, buffer, ARRAY_SIZE(buffer));
    return (*text = fake_strdup(buffer)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT WINAPI error_GetProtocol(IBackgroundCopyError *iface, LPWSTR *protocol)
{
    return (*protocol = fake_strdup(FAKE_PROTOCOL)) ? S_OK : E_OUTOFMEMORY;
}

static const IBackgroundCopyErrorVtbl error_vtbl =
{
    .QueryInterface = error_QueryInterface,
    .AddRef = error_AddRef,
    .Release = error_Release,
    .GetError = error_GetError,
    .GetFile = error_GetFile,
    .GetErrorDescription = error_GetErrorDescription,
    .GetErrorContextDescription = error_GetErrorContextDescription,
    .GetProtocol = error_GetProtocol,
};

HRESULT fake_error_create(struct fake_job *job, IBackgroundCopyError **out)
{
    struct fake_error *error = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*error));

    if (!error)
        return E_OUTOFMEMORY;
    error->IBackgroundCopyError_iface.lpVtbl = &error_vtbl;
    error->refs = 1;
    if (job->file_count)
    {
        error->file = (IBackgroundCopyFile *)&job->files[0]->IBackgroundCopyFile6_iface;
        IBackgroundCopyFile_AddRef(error->file);
    }
    *out = &error->IBackgroundCopyError_iface;
    return S_OK;
}

/* ---- IEnumBackgroundCopyJobs ---- */

struct fake_enum_jobs
{
    IEnumBackgroundCopyJobs IEnumBackgroundCopyJobs_iface;
    LONG refs;
    IBackgroundCopyJob *jobs[FAKE_MAX_JOBS];
    ULONG count, next;
};

static struct fake_enum_jobs *impl_from_enum_jobs(IEnumBackgroundCopyJobs *iface)
{
    return CONTAINING_RECORD(iface, struct fake_enum_jobs, IEnumBackgroundCopyJobs_iface);
}

static HRESULT WINAPI enum_jobs_QueryInterface(IEnumBackgroundCopyJobs *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IEnumBackgroundCopyJobs))
    {
        *obj = iface;
        IEnumBackgroundCopyJobs_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI enum_jobs_AddRef(IEnumBackgroundCopyJobs *iface)
{
    return InterlockedIncrement(&impl_from_enum_jobs(iface)->refs);
}

static ULONG WINAPI enum_jobs_Release(IEnumBackgroundCopyJobs *iface)
{
    struct fake_enum_jobs *jobs = impl_from_enum_jobs(iface);
    ULONG refs = InterlockedDecrement(&jobs->refs), i;

    if (!refs)
    {
        for (i = 0; i < jobs->count; i++)
            IBackgroundCopyJob_Release(jobs->jobs[i]);
        HeapFree(GetProcessHeap(), 0, jobs);
    }
    return refs;
}

static HRESULT WINAPI enum_jobs_Next(IEnumBackgroundCopyJobs *iface, ULONG celt,
                                     IBackgroundCopyJob **items, ULONG *fetched)
{
    struct fake_enum_jobs *jobs = impl_from_enum_jobs(iface);
    ULONG n = 0;

    if (!fetched && celt != 1)
        return E_INVALIDARG;
    while (n < celt && jobs->next < jobs->count)
    {
        items[n] = jobs->jobs[jobs->next++];
        IBackgroundCopyJob_AddRef(items[n]);
        n++;
    }
    if (fetched)
        *fetched = n;
    return n == celt ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_jobs_Skip(IEnumBackgroundCopyJobs *iface, ULONG celt)
{
    struct fake_enum_jobs *jobs = impl_from_enum_jobs(iface);
    ULONG left = jobs->count - jobs->next;

    jobs->next += min(celt, left);
    return celt <= left ? S_OK : S_FALSE;
}

static HRESULT WINAPI enum_jobs_Reset(IEnumBackgroundCopyJobs *iface)
{
    impl_from_enum_jobs(iface)->next = 0;
    return S_OK;
}

static struct fake_enum_jobs *enum_jobs_create(IBackgroundCopyJob **items, ULONG count);

static HRESULT WINAPI enum_jobs_Clone(IEnumBackgroundCopyJobs *iface, IEnumBackgroundCopyJobs **clone)
{
    struct fake_enum_jobs *jobs = impl_from_enum_jobs(iface), *copy;

    if (!(copy = enum_jobs_create(jobs->jobs, jobs->count)))
        return E_OUTOFMEMORY;
    copy->next = jobs->next;
    *clone = &copy->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}

static HRESULT WINAPI enum_jobs_GetCount(IEnumBackgroundCopyJobs *iface, ULONG *count)
{
    *count = impl_from_enum_jobs(iface)->count;
    return S_OK;
}

static const IEnumBackgroundCopyJobsVtbl enum_jobs_vtbl =
{
    .QueryInterface = enum_jobs_QueryInterface,
    .AddRef = enum_jobs_AddRef,
    .Release = enum_jobs_Release,
    .Next = enum_jobs_Next,
    .Skip = enum_jobs_Skip,
    .Reset = enum_jobs_Reset,
    .Clone = enum_jobs_Clone,
    .GetCount = enum_jobs_GetCount,
};

static struct fake_enum_jobs *enum_jobs_create(IBackgroundCopyJob **items, ULONG count)
{
    struct fake_enum_jobs *jobs = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*jobs));
    ULONG i;

    if (!jobs)
        return NULL;
    jobs->IEnumBackgroundCopyJobs_iface.lpVtbl = &enum_jobs_vtbl;
    jobs->refs = 1;
    for (i = 0; i < count && i < FAKE_MAX_JOBS; i++)
    {
        jobs->jobs[i] = items[i];
        IBackgroundCopyJob_AddRef(items[i]);
    }
    jobs->count = i;
    return jobs;
}

/* ---- IBackgroundCopyManager ---- */

static struct fake_manager *impl_from_manager(IBackgroundCopyManager *iface)
{
    return CONTAINING_RECORD(iface, struct fake_manager, IBackgroundCopyManager_iface);
}

static HRESULT WINAPI manager_QueryInterface(IBackgroundCopyManager *iface, REFIID riid, void **obj)
{
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
    return InterlockedIncrement(&impl_from_manager(iface)->refs);
}

static ULONG WINAPI manager_Release(IBackgroundCopyManager *iface)
{
    struct fake_manager *manager = impl_from_manager(iface);
    ULONG refs = InterlockedDecrement(&manager->refs), i;

    if (!refs)
    {
        for (i = 0; i < manager->job_count; i++)
            IBackgroundCopyJob5_Release(&manager->jobs[i]->IBackgroundCopyJob5_iface);
        HeapFree(GetProcessHeap(), 0, manager);
    }
    return refs;
}

static HRESULT WINAPI manager_CreateJob(IBackgroundCopyManager *iface, LPCWSTR name, BG_JOB_TYPE type,
                                        GUID *id, IBackgroundCopyJob **out)
{
    struct fake_manager *manager = impl_from_manager(iface);
    struct fake_job *job;

    if (type > BG_JOB_TYPE_UPLOAD_REPLY)
        return E_INVALIDARG;
    if (manager->job_count == FAKE_MAX_JOBS)
        return E_OUTOFMEMORY;
    if (!(job = fake_job_create(name, type)))
        return E_OUTOFMEMORY;
    manager->jobs[manager->job_count++] = job;
    *id = job->id;
    *out = (IBackgroundCopyJob *)&job->IBackgroundCopyJob5_iface;
    IBackgroundCopyJob_AddRef(*out);
    return S_OK;
}

static HRESULT WINAPI manager_GetJob(IBackgroundCopyManager *iface, REFGUID id, IBackgroundCopyJob **out)
{
    struct fake_manager *manager = impl_from_manager(iface);
    unsigned int i;

    for (i = 0; i < manager->job_count; i++)
    {
        if (!IsEqualGUID(id, &manager->jobs[i]->id))
            continue;
        *out = (IBackgroundCopyJob *)&manager->jobs[i]->IBackgroundCopyJob5_iface;
        IBackgroundCopyJob_AddRef(*out);
        return S_OK;
    }
    *out = NULL;
    return BG_E_NOT_FOUND;
}

static HRESULT WINAPI manager_EnumJobs(IBackgroundCopyManager *iface, DWORD flags,
                                       IEnumBackgroundCopyJobs **out)
{
    struct fake_manager *manager = impl_from_manager(iface);
    IBackgroundCopyJob *items[FAKE_MAX_JOBS];
    struct fake_enum_jobs *jobs;
    unsigned int i;

    if (flags & ~BG_JOB_ENUM_ALL_USERS)
        return E_NOTIMPL;
    for (i = 0; i < manager->job_count; i++)
        items[i] = (IBackgroundCopyJob *)&manager->jobs[i]->IBackgroundCopyJob5_iface;
    if (!(jobs = enum_jobs_create(items, manager->job_count)))
        return E_OUTOFMEMORY;
    *out = &jobs->IEnumBackgroundCopyJobs_iface;
    return S_OK;
}

static HRESULT WINAPI manager_GetErrorDescription(IBackgroundCopyManager *iface, HRESULT code,
                                                  DWORD language, LPWSTR *text)
{
    WCHAR buffer[128];

    fake_describe(code, language, buffer, ARRAY_SIZE(buffer));
    return (*text = fake_strdup(buffer)) ? S_OK : E_OUTOFMEMORY;
}

static const IBackgroundCopyManagerVtbl manager_vtbl =
{
    .QueryInterface = manager_QueryInterface,
    .AddRef = manager_AddRef,
    .Release = manager_Release,
    .CreateJob = manager_CreateJob,
    .GetJob = manager_GetJob,
    .EnumJobs = manager_EnumJobs,
    .GetErrorDescription = manager_GetErrorDescription,
};

struct fake_manager *fake_manager_create(void)
{
    struct fake_manager *manager = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*manager));

    if (!manager)
        return NULL;
    manager->IBackgroundCopyManager_iface.lpVtbl = &manager_vtbl;
    manager->refs = 1;
    return manager;
}
