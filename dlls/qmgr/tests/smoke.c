/*
 * qmgr_smoke: drives qmgr.dll through COM the way programs do and checks
 * the outcomes.  Exit code = number of failed checks.
 *
 *   qmgr_smoke.exe [--inproc PATH\qmgr.dll] [--no-daemon] [--own-proxy]
 *                  [--transfer download|upload|upload-reply URL LOCALFILE [--expect-error]]
 *
 * Default: CoCreateInstance(CLSID_BackgroundCopyManager, LOCAL_SERVER), i.e.
 * through the BITS service.  --inproc loads the DLL directly (no service).
 * --no-daemon: bitsd is not installed; expect CreateJob to fail with
 * RPC_S_SERVER_UNAVAILABLE (0x800706BA) quickly and cleanly.
 * --transfer: run one job of that type with a callback and Complete it;
 * with --expect-error the URL must answer 404 and the error is examined.
 * --own-proxy: the project's qmgrprxy.dll is installed; every method must
 * marshal (no excuse for IBackgroundCopyError's strings) and the newer
 * interfaces must be registered with it.
 */
#define COBJMACROS
#define CONST_VTABLE
#include <windows.h>
#include <objbase.h>
#include <stdio.h>
#include <wchar.h>

#include "qmgr_bits.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define BG_E_NOT_FOUND                      ((HRESULT)0x80200001)
#define BG_E_ERROR_INFORMATION_UNAVAILABLE  ((HRESULT)0x8020000F)
#define BG_E_TOO_LARGE                      ((HRESULT)0x80200020)
#define SERVER_UNAVAILABLE                  ((HRESULT)0x800706BA)
/* A NULL [in] string is refused by the marshaller before it reaches
 * qmgr.dll when the manager lives in the service. */
#define NULL_REF_POINTER                    ((HRESULT)0x800706F4)

static int failures, checks;
static BOOL through_service, own_proxy;

/* Wine's builtin qmgrprxy cannot marshal the "[out, ref] LPWSTR *" outputs
 * of IBackgroundCopyError (see idl/qmgr_bits.idl); unless the project's own
 * proxy DLL is installed, that answer is reported but not counted. */
static BOOL known_proxy_failure(HRESULT hr)
{
    if (through_service && !own_proxy && hr == NULL_REF_POINTER)
    {
        printf("NOTE: IBackgroundCopyError string output not marshalled by Wine's qmgrprxy\n");
        return TRUE;
    }
    return FALSE;
}

#define CHECK(cond, ...) check(!!(cond), __LINE__, __VA_ARGS__)
static void check(int ok, int line, const char *fmt, ...)
{
    va_list ap;

    checks++;
    if (ok)
        return;
    failures++;
    printf("smoke.c:%d: FAIL: ", line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* ---- a callback sink ---- */

struct sink
{
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG refs;
    HANDLE transferred, error;
};

static struct sink *impl_from_callback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct sink, IBackgroundCopyCallback_iface);
}

static HRESULT WINAPI sink_QueryInterface(IBackgroundCopyCallback *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback))
    {
        *obj = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI sink_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&impl_from_callback(iface)->refs);
}

static ULONG WINAPI sink_Release(IBackgroundCopyCallback *iface)
{
    return InterlockedDecrement(&impl_from_callback(iface)->refs);
}

static HRESULT WINAPI sink_JobTransferred(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job)
{
    SetEvent(impl_from_callback(iface)->transferred);
    return S_OK;
}

static HRESULT WINAPI sink_JobError(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                    IBackgroundCopyError *error)
{
    BG_ERROR_CONTEXT context;
    HRESULT code;

    if (SUCCEEDED(IBackgroundCopyError_GetError(error, &context, &code)))
        printf("JobError: context %d code %#lx\n", context, code);
    SetEvent(impl_from_callback(iface)->error);
    return S_OK;
}

static HRESULT WINAPI sink_JobModification(IBackgroundCopyCallback *iface, IBackgroundCopyJob *job,
                                           DWORD reserved)
{
    return S_OK;
}

static const IBackgroundCopyCallbackVtbl sink_vtbl =
{
    sink_QueryInterface, sink_AddRef, sink_Release,
    sink_JobTransferred, sink_JobError, sink_JobModification,
};

/* ---- checks ---- */

static void test_arguments(IBackgroundCopyManager *manager)
{
    IBackgroundCopyJob *job = (void *)0xdeadbeef;
    GUID id;
    WCHAR *text = NULL;
    HRESULT hr;

    hr = IBackgroundCopyManager_CreateJob(manager, NULL, BG_JOB_TYPE_DOWNLOAD, &id, &job);
    CHECK(hr == E_INVALIDARG || hr == NULL_REF_POINTER, "CreateJob(NULL name) = %#lx", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"x", 7, &id, &job);
    CHECK(hr == E_INVALIDARG, "CreateJob(type 7) = %#lx", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"x", BG_JOB_TYPE_DOWNLOAD, &id, NULL);
    CHECK(hr == E_INVALIDARG || hr == NULL_REF_POINTER, "CreateJob(NULL job) = %#lx", hr);

    hr = IBackgroundCopyManager_GetErrorDescription(manager, BG_E_NOT_FOUND, 0x409, &text);
    CHECK(hr == S_OK && text && wcsstr(text, L"not found"), "GetErrorDescription = %#lx", hr);
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, (HRESULT)0x80190194, 0x409, &text);
    CHECK(hr == S_OK && text && wcsstr(text, L"404"), "GetErrorDescription(404) = %#lx", hr);
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, E_ACCESSDENIED, 0x409, &text);
    CHECK(hr == S_OK && text && *text, "GetErrorDescription(E_ACCESSDENIED) = %#lx", hr);
    CoTaskMemFree(text);
}

static void test_no_daemon(IBackgroundCopyManager *manager)
{
    IBackgroundCopyJob *job = NULL;
    DWORD start = GetTickCount();
    GUID id;
    HRESULT hr;

    hr = IBackgroundCopyManager_CreateJob(manager, L"smoke", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    CHECK(hr == SERVER_UNAVAILABLE, "CreateJob without bitsd = %#lx", hr);
    CHECK(!job, "job pointer set on failure");
    printf("CreateJob without bitsd took %lu ms\n", GetTickCount() - start);
}

/* Programs probe for newer interfaces with QueryInterface.  Across
 * processes the answer must be the server's (S_OK or E_NOINTERFACE), never
 * a marshalling failure. */
static void probe(IUnknown *object, const IID *iid, const char *name)
{
    IUnknown *got = NULL;
    HRESULT hr;

    hr = IUnknown_QueryInterface(object, iid, (void **)&got);
    CHECK((hr == S_OK && got) || (hr == E_NOINTERFACE && !got), "QI(%s) = %#lx", name, hr);
    printf("QI(%s) = %#lx\n", name, hr);
    if (got)
        IUnknown_Release(got);
}

/* With the project's proxy DLL every interface in the IDL must name its
 * factory; Wine's registration covers only BITS 1.0-3.0. */
static void check_proxy_registration(void)
{
    static const struct { const IID *iid; const char *name; } ifaces[] =
    {
        { &IID_IBackgroundCopyError, "IBackgroundCopyError" },
        { &IID_IBackgroundCopyJob3, "IBackgroundCopyJob3" },
        { &IID_IBackgroundCopyJob4, "IBackgroundCopyJob4" },
        { &IID_IBackgroundCopyJob5, "IBackgroundCopyJob5" },
        { &IID_IBackgroundCopyJobHttpOptions, "IBackgroundCopyJobHttpOptions" },
        { &IID_IBackgroundCopyFile2, "IBackgroundCopyFile2" },
        { &IID_IBackgroundCopyFile5, "IBackgroundCopyFile5" },
        { &IID_IBackgroundCopyCallback3, "IBackgroundCopyCallback3" },
    };
    WCHAR key[96], iid[40], value[40];
    unsigned int i;
    LONG size;

    for (i = 0; i < ARRAY_SIZE(ifaces); i++)
    {
        StringFromGUID2(ifaces[i].iid, iid, ARRAY_SIZE(iid));
        swprintf(key, ARRAY_SIZE(key), L"Interface\\%ls\\ProxyStubClsid32", iid);
        size = sizeof(value);
        value[0] = 0;
        CHECK(!RegQueryValueW(HKEY_CLASSES_ROOT, key, value, &size)
              && !wcsicmp(value, L"{5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C}"),
              "%s: ProxyStubClsid32 \"%ls\"", ifaces[i].name, value);
    }
}

static void test_job(IBackgroundCopyManager *manager, const WCHAR *dir)
{
    IBackgroundCopyJob *job = NULL, *found = NULL;
    IBackgroundCopyJob2 *job2 = NULL;
    IEnumBackgroundCopyFiles *files;
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyFile *file;
    IBackgroundCopyError *error = (void *)0xdeadbeef;
    BG_JOB_REPLY_PROGRESS reply;
    BG_JOB_STATE state;
    BG_JOB_TYPE type;
    WCHAR local[MAX_PATH], *text;
    GUID id, got;
    ULONG count, value, fetched;
    BOOL listed = FALSE;
    HRESULT hr;

    hr = IBackgroundCopyManager_CreateJob(manager, L"smoke job", BG_JOB_TYPE_DOWNLOAD, &id, &job);
    CHECK(hr == S_OK, "CreateJob = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBackgroundCopyJob_GetId(job, &got);
    CHECK(hr == S_OK && IsEqualGUID(&id, &got), "GetId = %#lx", hr);
    hr = IBackgroundCopyJob_GetType(job, &type);
    CHECK(hr == S_OK && type == BG_JOB_TYPE_DOWNLOAD, "GetType = %#lx %d", hr, type);
    hr = IBackgroundCopyJob_GetState(job, &state);
    CHECK(hr == S_OK && state == BG_JOB_STATE_SUSPENDED, "GetState = %#lx %d", hr, state);
    hr = IBackgroundCopyJob_GetDisplayName(job, &text);
    CHECK(hr == S_OK && !wcscmp(text, L"smoke job"), "GetDisplayName = %#lx", hr);
    CoTaskMemFree(text);
    hr = IBackgroundCopyJob_SetDescription(job, L"d\x00e9scription \x4e2d");
    CHECK(hr == S_OK, "SetDescription = %#lx", hr);
    hr = IBackgroundCopyJob_GetDescription(job, &text);
    CHECK(hr == S_OK && !wcscmp(text, L"d\x00e9scription \x4e2d"), "GetDescription = %#lx", hr);
    CoTaskMemFree(text);
    hr = IBackgroundCopyJob_GetNotifyFlags(job, &value);
    CHECK(hr == S_OK && value == 3, "GetNotifyFlags = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob_GetMinimumRetryDelay(job, &value);
    CHECK(hr == S_OK && value == 600, "GetMinimumRetryDelay = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob_GetError(job, &error);
    CHECK(hr == BG_E_ERROR_INFORMATION_UNAVAILABLE, "GetError = %#lx", hr);
    hr = IBackgroundCopyJob_GetOwner(job, &text);
    CHECK(hr == S_OK && text && !wcsncmp(text, L"S-1-", 4), "GetOwner = %#lx", hr);
    CoTaskMemFree(text);

    hr = IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1:1/x", L"relative\\file");
    CHECK(hr == E_INVALIDARG, "AddFile(relative) = %#lx", hr);
    swprintf(local, MAX_PATH, L"%ls\\smoke-download.bin", dir);
    hr = IBackgroundCopyJob_AddFile(job, L"http://127.0.0.1:1/x", local);
    CHECK(hr == S_OK, "AddFile = %#lx", hr);
    hr = IBackgroundCopyJob_EnumFiles(job, &files);
    CHECK(hr == S_OK, "EnumFiles = %#lx", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
        CHECK(hr == S_OK && count == 1, "GetCount = %#lx %lu", hr, count);
        hr = IEnumBackgroundCopyFiles_Next(files, 2, &file, NULL);
        CHECK(hr == E_INVALIDARG, "Next(2, NULL fetched) = %#lx", hr);
        hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched);
        CHECK(hr == S_OK && fetched == 1, "Next = %#lx", hr);
        if (hr == S_OK)
        {
            hr = IBackgroundCopyFile_GetLocalName(file, &text);
            CHECK(hr == S_OK && !wcscmp(text, local), "GetLocalName = %#lx", hr);
            CoTaskMemFree(text);
            probe((IUnknown *)file, &IID_IBackgroundCopyFile2, "File2");
            probe((IUnknown *)file, &IID_IBackgroundCopyFile5, "File5");
            IBackgroundCopyFile_Release(file);
        }
        hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched);
        CHECK(hr == S_FALSE && fetched == 0, "Next at end = %#lx", hr);
        IEnumBackgroundCopyFiles_Release(files);
    }

    probe((IUnknown *)job, &IID_IBackgroundCopyJob3, "Job3");
    probe((IUnknown *)job, &IID_IBackgroundCopyJob4, "Job4");
    probe((IUnknown *)job, &IID_IBackgroundCopyJob5, "Job5");
    probe((IUnknown *)job, &IID_IBackgroundCopyJobHttpOptions, "JobHttpOptions");
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2);
    CHECK(hr == S_OK, "QI(Job2) = %#lx", hr);
    if (job2)
    {
        hr = IBackgroundCopyJob2_GetReplyProgress(job2, &reply);
        CHECK(hr == E_NOTIMPL, "GetReplyProgress(download) = %#lx", hr);
        IBackgroundCopyJob2_Release(job2);
    }

    hr = IBackgroundCopyManager_GetJob(manager, &id, &found);
    CHECK(hr == S_OK, "GetJob = %#lx", hr);
    if (found)
        IBackgroundCopyJob_Release(found);
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    CHECK(hr == S_OK, "EnumJobs = %#lx", hr);
    if (SUCCEEDED(hr))
    {
        while (IEnumBackgroundCopyJobs_Next(jobs, 1, &found, NULL) == S_OK)
        {
            if (SUCCEEDED(IBackgroundCopyJob_GetId(found, &got)) && IsEqualGUID(&got, &id))
                listed = TRUE;
            IBackgroundCopyJob_Release(found);
        }
        IEnumBackgroundCopyJobs_Release(jobs);
    }
    CHECK(listed, "new job not listed by EnumJobs");

    hr = IBackgroundCopyJob_Cancel(job);
    CHECK(hr == S_OK, "Cancel = %#lx", hr);
    found = NULL;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &found);
    CHECK(hr == BG_E_NOT_FOUND, "GetJob after Cancel = %#lx", hr);
    if (found)
        IBackgroundCopyJob_Release(found);
    IBackgroundCopyJob_Release(job);
}

static void check_reply(IBackgroundCopyJob *job)
{
    IBackgroundCopyJob2 *job2;
    BG_JOB_REPLY_PROGRESS progress;
    UINT64 length = 0;
    byte *data = NULL;
    WCHAR *name = NULL;
    HRESULT hr;

    if (FAILED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2)))
        return;
    hr = IBackgroundCopyJob2_GetReplyProgress(job2, &progress);
    CHECK(hr == S_OK && progress.BytesTotal == progress.BytesTransferred,
          "GetReplyProgress = %#lx", hr);
    hr = IBackgroundCopyJob2_GetReplyData(job2, &data, &length);
    printf("reply: %llu bytes\n", (unsigned long long)length);
    if (progress.BytesTotal > 1024 * 1024)
        CHECK(hr == BG_E_TOO_LARGE && !data, "GetReplyData(> 1 MB) = %#lx %p", hr, data);
    else
        CHECK(hr == S_OK, "GetReplyData = %#lx", hr);
    CHECK(length == progress.BytesTotal, "reply length %llu, progress says %llu",
          (unsigned long long)length, (unsigned long long)progress.BytesTotal);
    CoTaskMemFree(data);
    hr = IBackgroundCopyJob2_GetReplyFileName(job2, &name);
    CHECK(hr == S_OK && name, "GetReplyFileName = %#lx", hr);
    CoTaskMemFree(name);
    IBackgroundCopyJob2_Release(job2);
}

/* The job failed (the URL is expected to give HTTP 404): look at the error
 * as a program would. */
static void check_error(IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error;
    IBackgroundCopyFile *file;
    BG_ERROR_CONTEXT context;
    WCHAR *text;
    HRESULT hr, code;

    hr = IBackgroundCopyJob_GetError(job, &error);
    CHECK(hr == S_OK, "GetError = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    CHECK(hr == S_OK && context == BG_ERROR_CONTEXT_REMOTE_FILE && code == (HRESULT)0x80190194,
          "GetError = %#lx context %d code %#lx", hr, context, code);
    hr = IBackgroundCopyError_GetProtocol(error, &text);
    CHECK(known_proxy_failure(hr) || (hr == S_OK && !wcscmp(text, L"http")), "GetProtocol = %#lx", hr);
    if (hr == S_OK)
        CoTaskMemFree(text);
    hr = IBackgroundCopyError_GetErrorDescription(error, 0x409, &text);
    CHECK(known_proxy_failure(hr) || (hr == S_OK && wcsstr(text, L"404")),
          "GetErrorDescription = %#lx", hr);
    if (hr == S_OK)
        CoTaskMemFree(text);
    hr = IBackgroundCopyError_GetErrorContextDescription(error, 0x409, &text);
    CHECK(known_proxy_failure(hr) || (hr == S_OK && text && *text),
          "GetErrorContextDescription = %#lx", hr);
    if (hr == S_OK)
        CoTaskMemFree(text);
    hr = IBackgroundCopyError_GetFile(error, &file);
    CHECK(hr == S_OK, "GetFile = %#lx", hr);
    if (hr == S_OK)
    {
        hr = IBackgroundCopyFile_GetRemoteName(file, &text);
        CHECK(hr == S_OK && wcsstr(text, L"http://"), "GetRemoteName = %#lx", hr);
        CoTaskMemFree(text);
        IBackgroundCopyFile_Release(file);
    }
    IBackgroundCopyError_Release(error);
}

/* A whole job with a callback: AddFile, Resume, wait for JobTransferred
 * (or JobError when expect_error), then Complete (or Cancel). */
static void test_transfer(IBackgroundCopyManager *manager, BG_JOB_TYPE type, const WCHAR *url,
                          const WCHAR *local, BOOL expect_error)
{
    struct sink sink = { { &sink_vtbl }, 1, NULL, NULL };
    IBackgroundCopyJob *job;
    BG_JOB_STATE state;
    HANDLE events[2];
    DWORD wait;
    GUID id;
    HRESULT hr;

    sink.transferred = events[0] = CreateEventW(NULL, TRUE, FALSE, NULL);
    sink.error = events[1] = CreateEventW(NULL, TRUE, FALSE, NULL);
    hr = IBackgroundCopyManager_CreateJob(manager, L"smoke transfer", type, &id, &job);
    CHECK(hr == S_OK, "CreateJob = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBackgroundCopyJob_AddFile(job, url, local);
    CHECK(hr == S_OK, "AddFile = %#lx", hr);
    hr = IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&sink.IBackgroundCopyCallback_iface);
    CHECK(hr == S_OK, "SetNotifyInterface = %#lx", hr);
    hr = IBackgroundCopyJob_Resume(job);
    CHECK(hr == S_OK, "Resume = %#lx", hr);
    /* A program's own deadline, not a timing assertion: give up eventually. */
    wait = WaitForMultipleObjects(2, events, FALSE, 60000);
    hr = IBackgroundCopyJob_GetState(job, &state);
    CHECK(hr == S_OK, "GetState = %#lx", hr);
    printf("state after wait: %d\n", state);
    if (expect_error)
    {
        CHECK(wait == WAIT_OBJECT_0 + 1, "no JobError callback (wait %lu)", wait);
        CHECK(state == BG_JOB_STATE_ERROR, "state %d after JobError", state);
        check_error(job);
        hr = IBackgroundCopyJob_Cancel(job);
        CHECK(hr == S_OK, "Cancel = %#lx", hr);
    }
    else if (wait == WAIT_OBJECT_0)
    {
        CHECK(state == BG_JOB_STATE_TRANSFERRED, "state %d after JobTransferred", state);
        if (type == BG_JOB_TYPE_UPLOAD_REPLY)
            check_reply(job);
        hr = IBackgroundCopyJob_Complete(job);
        CHECK(hr == S_OK, "Complete = %#lx", hr);
        hr = IBackgroundCopyJob_GetState(job, &state);
        CHECK(hr == S_OK && state == BG_JOB_STATE_ACKNOWLEDGED, "state after Complete %d", state);
        if (type == BG_JOB_TYPE_DOWNLOAD)
            CHECK(GetFileAttributesW(local) != INVALID_FILE_ATTRIBUTES,
                  "destination missing after Complete");
    }
    else
    {
        CHECK(0, "no JobTransferred callback (wait %lu)", wait);
        IBackgroundCopyJob_Cancel(job);
    }
    hr = IBackgroundCopyJob_SetNotifyInterface(job, NULL);
    CHECK(hr == S_OK || hr == BG_E_NOT_FOUND, "SetNotifyInterface(NULL) = %#lx", hr);
    IBackgroundCopyJob_Release(job);
    CHECK(sink.refs == 1, "sink still referenced: %ld", sink.refs);
    CloseHandle(events[0]);
    CloseHandle(events[1]);
}

static HRESULT get_manager(const WCHAR *inproc, IBackgroundCopyManager **manager)
{
    HRESULT (WINAPI *get_class)(REFCLSID, REFIID, void **);
    IClassFactory *factory;
    HMODULE dll;
    HRESULT hr;

    if (!inproc)
        return CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                                &IID_IBackgroundCopyManager, (void **)manager);
    if (!(dll = LoadLibraryW(inproc)))
        return HRESULT_FROM_WIN32(GetLastError());
    get_class = (void *)GetProcAddress(dll, "DllGetClassObject");
    if (!get_class)
        return E_FAIL;
    if (FAILED(hr = get_class(&CLSID_BackgroundCopyManager, &IID_IClassFactory, (void **)&factory)))
        return hr;
    hr = IClassFactory_CreateInstance(factory, NULL, &IID_IBackgroundCopyManager, (void **)manager);
    IClassFactory_Release(factory);
    return hr;
}

int wmain(int argc, WCHAR **argv)
{
    IBackgroundCopyManager *manager;
    const WCHAR *inproc = NULL, *url = NULL, *local = NULL;
    BG_JOB_TYPE type = BG_JOB_TYPE_DOWNLOAD;
    WCHAR dir[MAX_PATH];
    BOOL no_daemon = FALSE, expect_error = FALSE;
    HRESULT hr;
    int i;

    for (i = 1; i < argc; i++)
    {
        if (!wcscmp(argv[i], L"--inproc") && i + 1 < argc)
            inproc = argv[++i];
        else if (!wcscmp(argv[i], L"--no-daemon"))
            no_daemon = TRUE;
        else if (!wcscmp(argv[i], L"--expect-error"))
            expect_error = TRUE;
        else if (!wcscmp(argv[i], L"--own-proxy"))
            own_proxy = TRUE;
        else if (!wcscmp(argv[i], L"--transfer") && i + 3 < argc)
        {
            i++;
            if (!wcscmp(argv[i], L"upload"))
                type = BG_JOB_TYPE_UPLOAD;
            else if (!wcscmp(argv[i], L"upload-reply"))
                type = BG_JOB_TYPE_UPLOAD_REPLY;
            url = argv[++i];
            local = argv[++i];
        }
    }
    GetTempPathW(MAX_PATH, dir);
    if (wcslen(dir) > 3 && dir[wcslen(dir) - 1] == '\\')
        dir[wcslen(dir) - 1] = 0;

    through_service = !inproc;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (own_proxy)
        check_proxy_registration();
    hr = get_manager(inproc, &manager);
    CHECK(hr == S_OK, "getting the manager = %#lx", hr);
    if (SUCCEEDED(hr))
    {
        test_arguments(manager);
        if (no_daemon)
            test_no_daemon(manager);
        else
            test_job(manager, dir);
        if (url)
            test_transfer(manager, type, url, local, expect_error);
        IBackgroundCopyManager_Release(manager);
    }
    CoUninitialize();
    printf("%d checks, %d failures\n", checks, failures);
    return failures;
}
