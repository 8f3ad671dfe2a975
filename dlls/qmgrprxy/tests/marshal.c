/*
 * qmgrprxy_test: marshals fakes of every BITS interface between two
 * apartments of one process, so every call goes through the proxies and
 * stubs of qmgrprxy.dll (NDR over local RPC), and checks that arguments
 * arrive and results come back intact.  Exit code = failed checks.
 *
 *   qmgrprxy_test.exe [--load PATH\qmgrprxy.dll]
 *
 * Default: the proxies come from the registry (regsvr32 qmgrprxy.dll), and
 * the test also checks that every interface's ProxyStubClsid32 names our
 * factory.  --load: the DLL is loaded and its factory registered for this
 * process only (CoRegisterClassObject + CoRegisterPSClsid), so the test
 * needs no registration.
 *
 * The server apartment is a single-threaded apartment with a message loop;
 * the client is the multithreaded apartment.  Callbacks go the other way.
 */
#include <stdio.h>
#include <wchar.h>

#include "fakes.h"

/* The proxy/stub factory of qmgrprxy.dll (see proxy_prelude.h). */
static const CLSID CLSID_QmgrProxyFactory =
    { 0x5ce34c0d, 0x0dc9, 0x4c1f, { 0x89, 0x7c, 0xda, 0xa1, 0xb7, 0x8c, 0xee, 0x7c } };

static const struct { const IID *iid; const char *name; } interfaces[] =
{
#define IFACE(name) { &IID_##name, #name }
    IFACE(IBackgroundCopyManager), IFACE(IBackgroundCopyJob), IFACE(IBackgroundCopyJob2),
    IFACE(IBackgroundCopyJob3), IFACE(IBackgroundCopyJob4), IFACE(IBackgroundCopyJob5),
    IFACE(IBackgroundCopyJobHttpOptions), IFACE(IBackgroundCopyJobHttpOptions2),
    IFACE(IBackgroundCopyJobHttpOptions3), IFACE(IBackgroundCopyServerCertificateValidationCallback),
    IFACE(IBitsTokenOptions),
    IFACE(IBackgroundCopyFile), IFACE(IBackgroundCopyFile2), IFACE(IBackgroundCopyFile3),
    IFACE(IBackgroundCopyFile4), IFACE(IBackgroundCopyFile5), IFACE(IBackgroundCopyFile6),
    IFACE(IBackgroundCopyError), IFACE(IEnumBackgroundCopyJobs), IFACE(IEnumBackgroundCopyFiles),
    IFACE(IBackgroundCopyCallback), IFACE(IBackgroundCopyCallback2), IFACE(IBackgroundCopyCallback3),
#undef IFACE
};

static int failures, checks;

#define CHECK(cond, ...) check(!!(cond), __LINE__, __VA_ARGS__)
static void check(int ok, int line, const char *fmt, ...)
{
    va_list ap;

    checks++;
    if (ok)
        return;
    failures++;
    printf("marshal.c:%d: FAIL: ", line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static BOOL same_string(const WCHAR *a, const WCHAR *b)
{
    if (!a || !b)
        return a == b;
    return !wcscmp(a, b);
}

/* Checks a string output and frees it. */
#define CHECK_STRING(hr, got, want, what) \
    do { \
        CHECK((hr) == S_OK && same_string(got, want), "%s = %#lx, %ls", what, hr, \
              (got) ? (got) : L"(null)"); \
        CoTaskMemFree(got); \
        (got) = NULL; \
    } while (0)

/* ---- setting up the two apartments ---- */

static const WCHAR *proxy_dll;
static struct fake_manager *server;

/* Makes this apartment use the DLL's factory without the registry. */
static HRESULT register_proxy_dll(void)
{
    HRESULT (WINAPI *get_class)(REFCLSID, REFIID, void **);
    IUnknown *factory;
    HMODULE dll;
    DWORD cookie;
    unsigned int i;
    HRESULT hr;

    if (!(dll = LoadLibraryW(proxy_dll)))
        return HRESULT_FROM_WIN32(GetLastError());
    if (!(get_class = (void *)GetProcAddress(dll, "DllGetClassObject")))
        return HRESULT_FROM_WIN32(GetLastError());
    if (FAILED(hr = get_class(&CLSID_QmgrProxyFactory, &IID_IUnknown, (void **)&factory)))
        return hr;
    hr = CoRegisterClassObject(&CLSID_QmgrProxyFactory, factory, CLSCTX_INPROC_SERVER,
                               REGCLS_MULTIPLEUSE, &cookie);
    IUnknown_Release(factory);
    for (i = 0; SUCCEEDED(hr) && i < ARRAY_SIZE(interfaces); i++)
        hr = CoRegisterPSClsid(interfaces[i].iid, &CLSID_QmgrProxyFactory);
    return hr;
}

struct server_start
{
    HANDLE ready;
    IStream *stream;
    HRESULT hr;
};

static DWORD WINAPI server_thread(void *arg)
{
    struct server_start *start = arg;
    MSG msg;

    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    start->hr = proxy_dll ? register_proxy_dll() : S_OK;
    if (SUCCEEDED(start->hr) && !(server = fake_manager_create()))
        start->hr = E_OUTOFMEMORY;
    if (SUCCEEDED(start->hr))
        start->hr = CoMarshalInterThreadInterfaceInStream(&IID_IBackgroundCopyManager,
                (IUnknown *)&server->IBackgroundCopyManager_iface, &start->stream);
    /* Make sure the message queue exists before the client may post WM_QUIT. */
    PeekMessageW(&msg, NULL, 0, 0, PM_NOREMOVE);
    SetEvent(start->ready);
    while (SUCCEEDED(start->hr) && GetMessageW(&msg, NULL, 0, 0) > 0)
        DispatchMessageW(&msg);
    if (server)
        IBackgroundCopyManager_Release(&server->IBackgroundCopyManager_iface);
    CoUninitialize();
    return 0;
}

/* ---- registration ---- */

static void test_registration(void)
{
    WCHAR key[96], value[64], iid[40], factory[40];
    LONG size;
    unsigned int i;

    StringFromGUID2(&CLSID_QmgrProxyFactory, factory, ARRAY_SIZE(factory));
    for (i = 0; i < ARRAY_SIZE(interfaces); i++)
    {
        StringFromGUID2(interfaces[i].iid, iid, ARRAY_SIZE(iid));
        swprintf(key, ARRAY_SIZE(key), L"Interface\\%ls\\ProxyStubClsid32", iid);
        size = sizeof(value);
        value[0] = 0;
        CHECK(!RegQueryValueW(HKEY_CLASSES_ROOT, key, value, &size) && !wcsicmp(value, factory),
              "%s: ProxyStubClsid32 is \"%ls\"", interfaces[i].name, value);
    }
}

/* ---- manager and job enumeration ---- */

static const GUID test_clsid = { 0x01234567, 0x89ab, 0xcdef, { 1, 2, 3, 4, 5, 6, 7, 8 } };

static void test_manager(IBackgroundCopyManager *manager, IBackgroundCopyJob **first)
{
    IBackgroundCopyJob *job = NULL, *second = NULL, *found, *items[3] = { 0 };
    IEnumBackgroundCopyJobs *jobs, *clone;
    WCHAR *text = NULL, want[128];
    GUID id, id2, got;
    ULONG count, fetched;
    HRESULT hr;

    CHECK((void *)manager != (void *)&server->IBackgroundCopyManager_iface, "manager is not a proxy");

    hr = IBackgroundCopyManager_GetErrorDescription(manager, (HRESULT)0x80200001, 0x409, &text);
    fake_describe((HRESULT)0x80200001, 0x409, want, ARRAY_SIZE(want));
    CHECK_STRING(hr, text, want, "Manager::GetErrorDescription");

    hr = IBackgroundCopyManager_CreateJob(manager, L"first \x00fc\x4e2d", BG_JOB_TYPE_UPLOAD_REPLY, &id, &job);
    CHECK(hr == S_OK && job, "CreateJob = %#lx", hr);
    CHECK(server->job_count == 1 && IsEqualGUID(&id, &server->jobs[0]->id), "job id did not come back");
    CHECK(server->job_count == 1 && same_string(server->jobs[0]->display_name, L"first \x00fc\x4e2d"),
          "display name did not arrive");
    hr = IBackgroundCopyManager_CreateJob(manager, L"second", 7, &id2, &second);
    CHECK(hr == E_INVALIDARG, "CreateJob(type 7) = %#lx", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"second", BG_JOB_TYPE_DOWNLOAD, &id2, &second);
    CHECK(hr == S_OK && second, "CreateJob(second) = %#lx", hr);

    found = NULL;
    hr = IBackgroundCopyManager_GetJob(manager, &id, &found);
    CHECK(hr == S_OK && found, "GetJob = %#lx", hr);
    /* COM identity: the same remote object gives the same proxy. */
    CHECK(found == job, "GetJob gave another proxy: %p, %p", found, job);
    if (found)
        IBackgroundCopyJob_Release(found);
    found = (void *)0xdeadbeef;
    hr = IBackgroundCopyManager_GetJob(manager, &test_clsid, &found);
    CHECK(hr == (HRESULT)BG_E_NOT_FOUND && !found, "GetJob(unknown) = %#lx %p", hr, found);

    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    CHECK(hr == S_OK, "EnumJobs = %#lx", hr);
    if (SUCCEEDED(hr))
    {
        hr = IEnumBackgroundCopyJobs_GetCount(jobs, &count);
        CHECK(hr == S_OK && count == 2, "GetCount = %#lx %lu", hr, count);
        fetched = 99;
        hr = IEnumBackgroundCopyJobs_Next(jobs, 3, items, &fetched);
        CHECK(hr == S_FALSE && fetched == 2 && items[0] && items[1], "Next(3) = %#lx %lu", hr, fetched);
        if (items[1] && SUCCEEDED(IBackgroundCopyJob_GetId(items[1], &got)))
            CHECK(IsEqualGUID(&got, &id2), "second job's id differs");
        if (items[0]) IBackgroundCopyJob_Release(items[0]);
        if (items[1]) IBackgroundCopyJob_Release(items[1]);
        hr = IEnumBackgroundCopyJobs_Reset(jobs);
        CHECK(hr == S_OK, "Reset = %#lx", hr);
        hr = IEnumBackgroundCopyJobs_Skip(jobs, 1);
        CHECK(hr == S_OK, "Skip = %#lx", hr);
        hr = IEnumBackgroundCopyJobs_Clone(jobs, &clone);
        CHECK(hr == S_OK, "Clone = %#lx", hr);
        if (SUCCEEDED(hr))
        {
            /* A NULL pceltFetched is allowed for one item. */
            items[0] = NULL;
            hr = IEnumBackgroundCopyJobs_Next(clone, 1, items, NULL);
            CHECK(hr == S_OK && items[0], "Next(1, NULL) = %#lx", hr);
            if (items[0] && SUCCEEDED(IBackgroundCopyJob_GetId(items[0], &got)))
                CHECK(IsEqualGUID(&got, &id2), "clone did not keep the position");
            if (items[0]) IBackgroundCopyJob_Release(items[0]);
            hr = IEnumBackgroundCopyJobs_Skip(clone, 1);
            CHECK(hr == S_FALSE, "Skip past the end = %#lx", hr);
            IEnumBackgroundCopyJobs_Release(clone);
        }
        IEnumBackgroundCopyJobs_Release(jobs);
    }
    if (second)
        IBackgroundCopyJob_Release(second);
    *first = job;
}

/* ---- IBackgroundCopyJob ---- */

static void test_job(IBackgroundCopyJob *job, struct fake_job *fake)
{
    BG_FILE_INFO set[2] = { { (WCHAR *)L"http://h/a", (WCHAR *)L"C:\\a" },
                            { (WCHAR *)L"http://h/b", (WCHAR *)L"C:\\b" } };
    BG_JOB_PROXY_USAGE usage;
    BG_JOB_PRIORITY priority;
    BG_JOB_PROGRESS progress;
    BG_JOB_TIMES times;
    BG_JOB_STATE state;
    BG_JOB_TYPE type;
    WCHAR *text = NULL, *text2 = NULL;
    ULONG value;
    GUID id;
    HRESULT hr;

    hr = IBackgroundCopyJob_AddFileSet(job, 2, set);
    CHECK(hr == S_OK && fake->file_count == 2, "AddFileSet = %#lx, %u files", hr, fake->file_count);
    CHECK(fake->file_count == 2 && same_string(fake->files[1]->remote, L"http://h/b")
          && same_string(fake->files[1]->local, L"C:\\b"), "AddFileSet: second file garbled");
    hr = IBackgroundCopyJob_AddFile(job, L"http://h/c", L"C:\\c");
    CHECK(hr == S_OK && fake->file_count == 3, "AddFile = %#lx", hr);

    hr = IBackgroundCopyJob_GetId(job, &id);
    CHECK(hr == S_OK && IsEqualGUID(&id, &fake->id), "GetId = %#lx", hr);
    hr = IBackgroundCopyJob_GetType(job, &type);
    CHECK(hr == S_OK && type == BG_JOB_TYPE_UPLOAD_REPLY, "GetType = %#lx %d", hr, type);
    hr = IBackgroundCopyJob_GetProgress(job, &progress);
    CHECK(hr == S_OK && progress.BytesTotal == BG_SIZE_UNKNOWN && progress.BytesTransferred == 0x100000001ULL
          && progress.FilesTotal == 3 && progress.FilesTransferred == 1, "GetProgress = %#lx", hr);
    hr = IBackgroundCopyJob_GetTimes(job, &times);
    CHECK(hr == S_OK && times.CreationTime.dwLowDateTime == 1 && times.CreationTime.dwHighDateTime == 2
          && times.ModificationTime.dwHighDateTime == 4 && times.TransferCompletionTime.dwLowDateTime == 5
          && times.TransferCompletionTime.dwHighDateTime == 6, "GetTimes = %#lx", hr);

    hr = IBackgroundCopyJob_Suspend(job);
    CHECK(hr == S_OK && fake->state == BG_JOB_STATE_SUSPENDED, "Suspend = %#lx", hr);
    hr = IBackgroundCopyJob_GetState(job, &state);
    CHECK(hr == S_OK && state == BG_JOB_STATE_SUSPENDED, "GetState = %#lx %d", hr, state);
    hr = IBackgroundCopyJob_GetOwner(job, &text);
    CHECK_STRING(hr, text, FAKE_OWNER, "GetOwner");

    hr = IBackgroundCopyJob_SetDisplayName(job, L"renamed");
    CHECK(hr == S_OK, "SetDisplayName = %#lx", hr);
    hr = IBackgroundCopyJob_GetDisplayName(job, &text);
    CHECK_STRING(hr, text, L"renamed", "GetDisplayName");
    hr = IBackgroundCopyJob_SetDescription(job, L"d\x00e9scription \xd83d\xde00");
    CHECK(hr == S_OK, "SetDescription = %#lx", hr);
    hr = IBackgroundCopyJob_GetDescription(job, &text);
    CHECK_STRING(hr, text, L"d\x00e9scription \xd83d\xde00", "GetDescription");

    hr = IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_LOW);
    CHECK(hr == S_OK, "SetPriority = %#lx", hr);
    hr = IBackgroundCopyJob_GetPriority(job, &priority);
    CHECK(hr == S_OK && priority == BG_JOB_PRIORITY_LOW, "GetPriority = %#lx %d", hr, priority);
    hr = IBackgroundCopyJob_SetPriority(job, 9);
    CHECK(hr == E_NOTIMPL, "SetPriority(9) = %#lx", hr);

    hr = IBackgroundCopyJob_SetNotifyFlags(job, 0xb);
    CHECK(hr == S_OK, "SetNotifyFlags = %#lx", hr);
    hr = IBackgroundCopyJob_GetNotifyFlags(job, &value);
    CHECK(hr == S_OK && value == 0xb, "GetNotifyFlags = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob_SetMinimumRetryDelay(job, 61);
    CHECK(hr == S_OK, "SetMinimumRetryDelay = %#lx", hr);
    hr = IBackgroundCopyJob_GetMinimumRetryDelay(job, &value);
    CHECK(hr == S_OK && value == 61, "GetMinimumRetryDelay = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob_SetNoProgressTimeout(job, 0xfffffffe);
    CHECK(hr == S_OK, "SetNoProgressTimeout = %#lx", hr);
    hr = IBackgroundCopyJob_GetNoProgressTimeout(job, &value);
    CHECK(hr == S_OK && value == 0xfffffffe, "GetNoProgressTimeout = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob_GetErrorCount(job, &value);
    CHECK(hr == S_OK && value == 7, "GetErrorCount = %#lx %lu", hr, value);

    hr = IBackgroundCopyJob_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy:8080", NULL);
    CHECK(hr == S_OK && same_string(fake->proxy_list, L"proxy:8080") && !fake->proxy_bypass,
          "SetProxySettings = %#lx", hr);
    hr = IBackgroundCopyJob_GetProxySettings(job, &usage, &text, &text2);
    CHECK(hr == S_OK && usage == BG_JOB_PROXY_USAGE_OVERRIDE && same_string(text, L"proxy:8080") && !text2,
          "GetProxySettings = %#lx %d", hr, usage);
    CoTaskMemFree(text);
    CoTaskMemFree(text2);
    text = text2 = NULL;

    hr = IBackgroundCopyJob_TakeOwnership(job);
    CHECK(hr == S_OK && fake->owner_taken, "TakeOwnership = %#lx", hr);
}

/* ---- IBackgroundCopyJob2..5 ---- */

static void test_job2(IBackgroundCopyJob *job, struct fake_job *fake)
{
    BG_AUTH_CREDENTIALS credentials;
    BG_JOB_REPLY_PROGRESS reply;
    IBackgroundCopyJob2 *job2;
    WCHAR *text = NULL, *text2 = NULL;
    UINT64 length = 0;
    byte *data = NULL;
    unsigned int i, bad = 0;
    HRESULT hr;

    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2);
    CHECK(hr == S_OK, "QI(Job2) = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBackgroundCopyJob2_SetNotifyCmdLine(job2, L"C:\\windows\\notepad.exe", NULL);
    CHECK(hr == S_OK && same_string(fake->notify_program, L"C:\\windows\\notepad.exe") && !fake->notify_params,
          "SetNotifyCmdLine = %#lx", hr);
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job2, &text, &text2);
    CHECK(hr == S_OK && same_string(text, L"C:\\windows\\notepad.exe") && !text2, "GetNotifyCmdLine = %#lx", hr);
    CoTaskMemFree(text);
    CoTaskMemFree(text2);
    text = text2 = NULL;

    reply.BytesTotal = reply.BytesTransferred = 1;
    hr = IBackgroundCopyJob2_GetReplyProgress(job2, &reply);
    CHECK(hr == S_OK && reply.BytesTotal == FAKE_REPLY_SIZE && reply.BytesTransferred == FAKE_REPLY_SIZE,
          "GetReplyProgress = %#lx", hr);
    hr = IBackgroundCopyJob2_GetReplyData(job2, &data, &length);
    CHECK(hr == S_OK && data && length == FAKE_REPLY_SIZE, "GetReplyData = %#lx %llu", hr,
          (unsigned long long)length);
    for (i = 0; data && i < length; i++)
        bad += data[i] != (byte)(i * 7 + i / 256);
    CHECK(!bad, "GetReplyData: %u bytes differ", bad);
    CoTaskMemFree(data);

    hr = IBackgroundCopyJob2_SetReplyFileName(job2, L"C:\\reply.bin");
    CHECK(hr == S_OK, "SetReplyFileName = %#lx", hr);
    hr = IBackgroundCopyJob2_GetReplyFileName(job2, &text);
    CHECK_STRING(hr, text, L"C:\\reply.bin", "GetReplyFileName");
    hr = IBackgroundCopyJob2_SetReplyFileName(job2, NULL);
    CHECK(hr == S_OK && !fake->reply_file, "SetReplyFileName(NULL) = %#lx", hr);

    credentials.Target = BG_AUTH_TARGET_PROXY;
    credentials.Scheme = BG_AUTH_SCHEME_NTLM;
    credentials.Credentials.Basic.UserName = (WCHAR *)L"DOMAIN\\user";
    credentials.Credentials.Basic.Password = NULL;
    hr = IBackgroundCopyJob2_SetCredentials(job2, &credentials);
    CHECK(hr == S_OK && fake->cred_target == BG_AUTH_TARGET_PROXY && fake->cred_scheme == BG_AUTH_SCHEME_NTLM
          && same_string(fake->cred_user, L"DOMAIN\\user") && !fake->cred_password,
          "SetCredentials = %#lx", hr);
    hr = IBackgroundCopyJob2_RemoveCredentials(job2, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_PASSPORT);
    CHECK(hr == S_OK && fake->removed_target == BG_AUTH_TARGET_SERVER
          && fake->removed_scheme == BG_AUTH_SCHEME_PASSPORT, "RemoveCredentials = %#lx", hr);
    IBackgroundCopyJob2_Release(job2);
}

static void test_job3_4(IBackgroundCopyJob *job, struct fake_job *fake)
{
    BG_FILE_RANGE ranges[2] = { { 0, 100 }, { 0x100000000ULL, BG_LENGTH_TO_EOF } };
    IBackgroundCopyJob4 *job4;
    DWORD value;
    BOOL elevated;
    HRESULT hr;

    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob4, (void **)&job4);
    CHECK(hr == S_OK, "QI(Job4) = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBackgroundCopyJob4_ReplaceRemotePrefix(job4, L"http://old", L"https://new");
    CHECK(hr == S_OK && same_string(fake->old_prefix, L"http://old") && same_string(fake->new_prefix, L"https://new"),
          "ReplaceRemotePrefix = %#lx", hr);
    hr = IBackgroundCopyJob4_AddFileWithRanges(job4, L"http://h/r", L"C:\\r", 2, ranges);
    CHECK(hr == S_OK && fake->range_count == 2 && fake->ranges[1].InitialOffset == 0x100000000ULL
          && fake->ranges[1].Length == BG_LENGTH_TO_EOF && fake->ranges[0].Length == 100,
          "AddFileWithRanges = %#lx", hr);
    hr = IBackgroundCopyJob4_SetFileACLFlags(job4, BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL);
    CHECK(hr == S_OK, "SetFileACLFlags = %#lx", hr);
    hr = IBackgroundCopyJob4_GetFileACLFlags(job4, &value);
    CHECK(hr == S_OK && value == (BG_COPY_FILE_OWNER | BG_COPY_FILE_DACL), "GetFileACLFlags = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob4_SetPeerCachingFlags(job4, 3);
    CHECK(hr == S_OK, "SetPeerCachingFlags = %#lx", hr);
    hr = IBackgroundCopyJob4_GetPeerCachingFlags(job4, &value);
    CHECK(hr == S_OK && value == 3, "GetPeerCachingFlags = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob4_GetOwnerIntegrityLevel(job4, &value);
    CHECK(hr == S_OK && value == 0x2000, "GetOwnerIntegrityLevel = %#lx %lu", hr, value);
    hr = IBackgroundCopyJob4_GetOwnerElevationState(job4, &elevated);
    CHECK(hr == S_OK && elevated == TRUE, "GetOwnerElevationState = %#lx %d", hr, elevated);
    hr = IBackgroundCopyJob4_SetMaximumDownloadTime(job4, 86400);
    CHECK(hr == S_OK, "SetMaximumDownloadTime = %#lx", hr);
    hr = IBackgroundCopyJob4_GetMaximumDownloadTime(job4, &value);
    CHECK(hr == S_OK && value == 86400, "GetMaximumDownloadTime = %#lx %lu", hr, value);
    IBackgroundCopyJob4_Release(job4);
}

/* Every arm of BITS_JOB_PROPERTY_VALUE, set and read back, plus an ID the
 * union does not know (it must reach the server, not fail in NDR). */
static void test_job5(IBackgroundCopyJob *job, struct fake_job *fake)
{
    BITS_JOB_PROPERTY_VALUE value;
    IBackgroundCopyJob5 *job5;
    HRESULT hr;

    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&job5);
    CHECK(hr == S_OK, "QI(Job5) = %#lx", hr);
    if (FAILED(hr))
        return;

    memset(&value, 0, sizeof(value));
    value.Dword = BITS_COST_STATE_TRANSFER_ALWAYS;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, value);
    CHECK(hr == S_OK && fake->cost_flags == BITS_COST_STATE_TRANSFER_ALWAYS, "SetProperty(COST_FLAGS) = %#lx", hr);
    value.Dword = 1500;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, value);
    CHECK(hr == S_OK && fake->min_notify_interval == 1500, "SetProperty(MIN_INTERVAL) = %#lx", hr);
    value.ClsID = test_clsid;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, value);
    CHECK(hr == S_OK && IsEqualGUID(&fake->notify_clsid, &test_clsid), "SetProperty(CLSID) = %#lx", hr);
    memset(&value, 0, sizeof(value));
    value.Enable = TRUE;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, value);
    CHECK(hr == S_OK && fake->high_performance == TRUE, "SetProperty(HIGH_PERFORMANCE) = %#lx", hr);
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_ON_DEMAND_MODE, value);
    CHECK(hr == S_OK && fake->on_demand == TRUE, "SetProperty(ON_DEMAND) = %#lx", hr);
    value.Uint64 = 0x123456789abcdef0ULL;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, value);
    CHECK(hr == S_OK && fake->max_download_size == 0x123456789abcdef0ULL, "SetProperty(MAX_SIZE) = %#lx", hr);
    memset(&value, 0, sizeof(value));
    value.Target = BG_AUTH_TARGET_PROXY;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, value);
    CHECK(hr == S_OK && fake->stored_credentials == BG_AUTH_TARGET_PROXY, "SetProperty(STORED_CRED) = %#lx", hr);
    hr = IBackgroundCopyJob5_SetProperty(job5, 6, value);
    CHECK(hr == E_INVALIDARG, "SetProperty(6) = %#lx", hr);

    memset(&value, 0xcc, sizeof(value));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_ID_COST_FLAGS, &value);
    CHECK(hr == S_OK && value.Dword == BITS_COST_STATE_TRANSFER_ALWAYS, "GetProperty(COST_FLAGS) = %#lx %#lx",
          hr, value.Dword);
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &value);
    CHECK(hr == S_OK && IsEqualGUID(&value.ClsID, &test_clsid), "GetProperty(CLSID) = %#lx", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_HIGH_PERFORMANCE, &value);
    CHECK(hr == S_OK && value.Enable == TRUE, "GetProperty(HIGH_PERFORMANCE) = %#lx", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_DYNAMIC_CONTENT, &value);
    CHECK(hr == S_OK && value.Enable == FALSE, "GetProperty(DYNAMIC_CONTENT) = %#lx", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE, &value);
    CHECK(hr == S_OK && value.Uint64 == 0x123456789abcdef0ULL, "GetProperty(MAX_SIZE) = %#lx", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_USE_STORED_CREDENTIALS, &value);
    CHECK(hr == S_OK && value.Target == BG_AUTH_TARGET_PROXY, "GetProperty(STORED_CRED) = %#lx", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS, &value);
    CHECK(hr == S_OK && value.Dword == 1500, "GetProperty(MIN_INTERVAL) = %#lx", hr);
    hr = IBackgroundCopyJob5_GetProperty(job5, 8, &value);
    CHECK(hr == E_INVALIDARG, "GetProperty(8) = %#lx", hr);
    IBackgroundCopyJob5_Release(job5);
}

/* ---- HTTP options and token options ---- */

static void test_http_options(IBackgroundCopyJob *job, struct fake_job *fake)
{
    IBackgroundCopyJobHttpOptions3 *http;
    BG_CERT_STORE_LOCATION location;
    BYTE hash[20], *got_hash = NULL;
    WCHAR *store = NULL, *subject = NULL, *text = NULL;
    ULONG flags;
    unsigned int i;
    HRESULT hr;

    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJobHttpOptions3, (void **)&http);
    CHECK(hr == S_OK, "QI(HttpOptions3) = %#lx", hr);
    if (FAILED(hr))
        return;
    for (i = 0; i < sizeof(hash); i++)
        hash[i] = 0xa0 + i;
    hr = IBackgroundCopyJobHttpOptions3_SetClientCertificateByID(http, BG_CERT_STORE_LOCATION_LOCAL_MACHINE,
                                                                 L"MY", hash);
    CHECK(hr == S_OK && !memcmp(fake->cert_hash, hash, sizeof(hash)), "SetClientCertificateByID = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_GetClientCertificate(http, &location, &store, &got_hash, &subject);
    CHECK(hr == S_OK && location == BG_CERT_STORE_LOCATION_LOCAL_MACHINE && same_string(store, L"MY")
          && got_hash && !memcmp(got_hash, hash, sizeof(hash)) && !subject, "GetClientCertificate = %#lx", hr);
    CoTaskMemFree(store);
    CoTaskMemFree(got_hash);
    CoTaskMemFree(subject);
    hr = IBackgroundCopyJobHttpOptions3_SetClientCertificateByName(http, BG_CERT_STORE_LOCATION_USERS,
                                                                   L"Root", L"CN=client");
    CHECK(hr == S_OK && fake->cert_location == BG_CERT_STORE_LOCATION_USERS
          && same_string(fake->cert_subject, L"CN=client"), "SetClientCertificateByName = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_RemoveClientCertificate(http);
    CHECK(hr == S_OK && !fake->has_cert, "RemoveClientCertificate = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_RemoveClientCertificate(http);
    CHECK(hr == S_FALSE, "RemoveClientCertificate again = %#lx", hr);

    hr = IBackgroundCopyJobHttpOptions3_SetCustomHeaders(http, L"X-One: 1\r\nX-Two: 2\r\n");
    CHECK(hr == S_OK, "SetCustomHeaders = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_GetCustomHeaders(http, &text);
    CHECK_STRING(hr, text, L"X-One: 1\r\nX-Two: 2\r\n", "GetCustomHeaders");
    hr = IBackgroundCopyJobHttpOptions3_SetCustomHeaders(http, NULL);
    CHECK(hr == S_OK && !fake->custom_headers, "SetCustomHeaders(NULL) = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_SetSecurityFlags(http, BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_DISALLOW);
    CHECK(hr == S_OK, "SetSecurityFlags = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_GetSecurityFlags(http, &flags);
    CHECK(hr == S_OK && flags == (BG_SSL_IGNORE_UNKNOWN_CA | BG_HTTP_REDIRECT_POLICY_DISALLOW),
          "GetSecurityFlags = %#lx %#lx", hr, flags);

    hr = IBackgroundCopyJobHttpOptions3_SetHttpMethod(http, L"PUT");
    CHECK(hr == S_OK, "SetHttpMethod = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_GetHttpMethod(http, &text);
    CHECK_STRING(hr, text, L"PUT", "GetHttpMethod");

    hr = IBackgroundCopyJobHttpOptions3_SetServerCertificateValidationInterface(http, NULL);
    CHECK(hr == S_OK && !fake->cert_validator, "SetServerCertificateValidationInterface(NULL) = %#lx", hr);
    hr = IBackgroundCopyJobHttpOptions3_MakeCustomHeadersWriteOnly(http);
    CHECK(hr == S_OK && fake->headers_write_only, "MakeCustomHeadersWriteOnly = %#lx", hr);
    text = (WCHAR *)0xdeadbeef;
    hr = IBackgroundCopyJobHttpOptions3_GetCustomHeaders(http, &text);
    CHECK(hr == E_ACCESSDENIED && !text, "GetCustomHeaders(write only) = %#lx %p", hr, text);
    IBackgroundCopyJobHttpOptions3_Release(http);
}

static void test_token_options(IBackgroundCopyJob *job, struct fake_job *fake)
{
    IBitsTokenOptions *token;
    WCHAR *sid = NULL;
    DWORD flags;
    HRESULT hr;

    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBitsTokenOptions, (void **)&token);
    CHECK(hr == S_OK, "QI(IBitsTokenOptions) = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBitsTokenOptions_SetHelperTokenFlags(token, BG_TOKEN_LOCAL_FILE | BG_TOKEN_NETWORK);
    CHECK(hr == S_OK, "SetHelperTokenFlags = %#lx", hr);
    hr = IBitsTokenOptions_GetHelperTokenFlags(token, &flags);
    CHECK(hr == S_OK && flags == (BG_TOKEN_LOCAL_FILE | BG_TOKEN_NETWORK), "GetHelperTokenFlags = %#lx", hr);
    hr = IBitsTokenOptions_SetHelperToken(token);
    CHECK(hr == S_OK && fake->helper_token, "SetHelperToken = %#lx", hr);
    hr = IBitsTokenOptions_GetHelperTokenSid(token, &sid);
    CHECK_STRING(hr, sid, FAKE_TOKEN_SID, "GetHelperTokenSid");
    hr = IBitsTokenOptions_ClearHelperToken(token);
    CHECK(hr == S_OK && !fake->helper_token, "ClearHelperToken = %#lx", hr);
    hr = IBitsTokenOptions_GetHelperTokenSid(token, &sid);
    CHECK_STRING(hr, sid, NULL, "GetHelperTokenSid(none)");
    IBitsTokenOptions_Release(token);
}

/* ---- files, enumeration of files, error ---- */

static void test_file(IBackgroundCopyFile *file, struct fake_file *fake)
{
    BITS_FILE_PROPERTY_VALUE property;
    BG_FILE_RANGE ranges[2] = { { 10, 20 }, { 4096, BG_LENGTH_TO_EOF } }, *got = NULL;
    BG_FILE_PROGRESS progress;
    IBackgroundCopyFile6 *file6;
    WCHAR *text = NULL;
    UINT64 origin, peers;
    DWORD count;
    BOOL flag;
    HRESULT hr;

    hr = IBackgroundCopyFile_GetProgress(file, &progress);
    CHECK(hr == S_OK && progress.BytesTotal == 0x123456789aULL && !progress.Completed,
          "File::GetProgress = %#lx", hr);
    hr = IBackgroundCopyFile_QueryInterface(file, &IID_IBackgroundCopyFile6, (void **)&file6);
    CHECK(hr == S_OK, "QI(File6) = %#lx", hr);
    if (FAILED(hr))
        return;

    hr = IBackgroundCopyFile6_SetRemoteName(file6, L"https://mirror/x");
    CHECK(hr == S_OK, "SetRemoteName = %#lx", hr);
    hr = IBackgroundCopyFile6_GetRemoteName(file6, &text);
    CHECK_STRING(hr, text, L"https://mirror/x", "GetRemoteName after SetRemoteName");
    hr = IBackgroundCopyFile6_GetTemporaryName(file6, &text);
    CHECK_STRING(hr, text, FAKE_TEMP_NAME, "GetTemporaryName");
    hr = IBackgroundCopyFile6_SetValidationState(file6, TRUE);
    CHECK(hr == S_OK && fake->valid, "SetValidationState = %#lx", hr);
    hr = IBackgroundCopyFile6_GetValidationState(file6, &flag);
    CHECK(hr == S_OK && flag == TRUE, "GetValidationState = %#lx", hr);
    hr = IBackgroundCopyFile6_IsDownloadedFromPeer(file6, &flag);
    CHECK(hr == S_OK && flag == TRUE, "IsDownloadedFromPeer = %#lx", hr);

    hr = IBackgroundCopyFile6_UpdateDownloadPosition(file6, 0x200000003ULL);
    CHECK(hr == S_OK && fake->position == 0x200000003ULL, "UpdateDownloadPosition = %#lx", hr);
    hr = IBackgroundCopyFile6_GetPeerDownloadStats(file6, &origin, &peers);
    CHECK(hr == S_OK && origin == 0x200000003ULL && peers == 0xfedcba9876ULL, "GetPeerDownloadStats = %#lx", hr);

    hr = IBackgroundCopyFile6_RequestFileRanges(file6, 2, ranges);
    CHECK(hr == S_OK && fake->requested_count == 2 && fake->requested[1].InitialOffset == 4096
          && fake->requested[1].Length == BG_LENGTH_TO_EOF, "RequestFileRanges = %#lx", hr);
    count = 0;
    hr = IBackgroundCopyFile6_GetFileRanges(file6, &count, &got);
    CHECK(hr == S_OK && count == 2 && got && got[0].InitialOffset == 10 && got[0].Length == 20
          && got[1].Length == BG_LENGTH_TO_EOF, "GetFileRanges = %#lx %lu", hr, count);
    CoTaskMemFree(got);
    got = NULL;
    hr = IBackgroundCopyFile6_GetFilledFileRanges(file6, &count, &got);
    CHECK(hr == S_OK && count == 1 && got && got[0].Length == 0x200000003ULL, "GetFilledFileRanges = %#lx", hr);
    CoTaskMemFree(got);

    property.String = (WCHAR *)L"HTTP/1.1 200 OK\r\nContent-Type: x\r\n";
    hr = IBackgroundCopyFile6_SetProperty(file6, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, property);
    CHECK(hr == S_OK && same_string(fake->response_headers, property.String), "File5::SetProperty = %#lx", hr);
    property.String = NULL;
    hr = IBackgroundCopyFile6_GetProperty(file6, BITS_FILE_PROPERTY_ID_HTTP_RESPONSE_HEADERS, &property);
    CHECK_STRING(hr, property.String, L"HTTP/1.1 200 OK\r\nContent-Type: x\r\n", "File5::GetProperty");
    hr = IBackgroundCopyFile6_GetProperty(file6, 2, &property);
    CHECK(hr == E_INVALIDARG, "File5::GetProperty(2) = %#lx", hr);
    IBackgroundCopyFile6_Release(file6);
}

static void test_files(IBackgroundCopyJob *job, struct fake_job *fake)
{
    IEnumBackgroundCopyFiles *files, *clone;
    IBackgroundCopyFile *items[8] = { 0 };
    WCHAR *text = NULL;
    ULONG count, fetched, i;
    HRESULT hr;

    hr = IBackgroundCopyJob_EnumFiles(job, &files);
    CHECK(hr == S_OK, "EnumFiles = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
    CHECK(hr == S_OK && count == fake->file_count, "GetCount = %#lx %lu", hr, count);
    hr = IEnumBackgroundCopyFiles_Next(files, 2, items, NULL);
    CHECK(hr == E_INVALIDARG, "Next(2, NULL) = %#lx", hr);
    hr = IEnumBackgroundCopyFiles_Next(files, ARRAY_SIZE(items), items, &fetched);
    CHECK(hr == S_FALSE && fetched == fake->file_count, "Next(all) = %#lx %lu", hr, fetched);
    for (i = 0; i < fetched && i < ARRAY_SIZE(items); i++)
    {
        hr = IBackgroundCopyFile_GetLocalName(items[i], &text);
        CHECK_STRING(hr, text, fake->files[i]->local, "GetLocalName");
    }
    if (fetched)
        test_file(items[0], fake->files[0]);
    for (i = 0; i < fetched && i < ARRAY_SIZE(items); i++)
        IBackgroundCopyFile_Release(items[i]);
    hr = IEnumBackgroundCopyFiles_Clone(files, &clone);
    CHECK(hr == S_OK, "Clone = %#lx", hr);
    if (SUCCEEDED(hr))
    {
        fetched = 5;
        hr = IEnumBackgroundCopyFiles_Next(clone, 1, items, &fetched);
        CHECK(hr == S_FALSE && fetched == 0, "Next at end of clone = %#lx %lu", hr, fetched);
        hr = IEnumBackgroundCopyFiles_Reset(clone);
        CHECK(hr == S_OK, "Reset = %#lx", hr);
        hr = IEnumBackgroundCopyFiles_Skip(clone, 2);
        CHECK(hr == S_OK, "Skip = %#lx", hr);
        IEnumBackgroundCopyFiles_Release(clone);
    }
    IEnumBackgroundCopyFiles_Release(files);
}

/* The methods Wine's qmgrprxy cannot marshal (0x800706F4). */
static void test_error(IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error;
    IBackgroundCopyFile *file;
    BG_ERROR_CONTEXT context;
    WCHAR *text = NULL, want[128];
    HRESULT hr, code;

    hr = IBackgroundCopyJob_GetError(job, &error);
    CHECK(hr == S_OK, "GetError = %#lx", hr);
    if (FAILED(hr))
        return;
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    CHECK(hr == S_OK && context == BG_ERROR_CONTEXT_REMOTE_FILE && code == (HRESULT)0x80190194,
          "Error::GetError = %#lx %d %#lx", hr, context, code);
    hr = IBackgroundCopyError_GetErrorDescription(error, 0x407, &text);
    fake_describe((HRESULT)0x80190194, 0x407, want, ARRAY_SIZE(want));
    CHECK_STRING(hr, text, want, "Error::GetErrorDescription");
    hr = IBackgroundCopyError_GetErrorContextDescription(error, 0x409, &text);
    fake_describe_context(BG_ERROR_CONTEXT_REMOTE_FILE, 0x409, want, ARRAY_SIZE(want));
    CHECK_STRING(hr, text, want, "Error::GetErrorContextDescription");
    hr = IBackgroundCopyError_GetProtocol(error, &text);
    CHECK_STRING(hr, text, FAKE_PROTOCOL, "Error::GetProtocol");
    hr = IBackgroundCopyError_GetFile(error, &file);
    CHECK(hr == S_OK, "Error::GetFile = %#lx", hr);
    if (SUCCEEDED(hr))
    {
        hr = IBackgroundCopyFile_GetRemoteName(file, &text);
        CHECK(hr == S_OK && text && wcsstr(text, L"://"), "GetRemoteName = %#lx", hr);
        CoTaskMemFree(text);
        IBackgroundCopyFile_Release(file);
    }
    IBackgroundCopyError_Release(error);
}

/* ---- callbacks: server apartment to client ---- */

struct sink
{
    IBackgroundCopyCallback3 IBackgroundCopyCallback3_iface;
    LONG refs;
    int transferred, errors, modifications, files, ranges;
    BOOL reentered;
    DWORD range_count;
    BG_FILE_RANGE last_range;
};

static struct sink *impl_from_sink(IBackgroundCopyCallback3 *iface)
{
    return CONTAINING_RECORD(iface, struct sink, IBackgroundCopyCallback3_iface);
}

static HRESULT WINAPI sink_QueryInterface(IBackgroundCopyCallback3 *iface, REFIID riid, void **obj)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback)
        || IsEqualGUID(riid, &IID_IBackgroundCopyCallback2) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback3))
    {
        *obj = iface;
        IBackgroundCopyCallback3_AddRef(iface);
        return S_OK;
    }
    *obj = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI sink_AddRef(IBackgroundCopyCallback3 *iface)
{
    return InterlockedIncrement(&impl_from_sink(iface)->refs);
}

static ULONG WINAPI sink_Release(IBackgroundCopyCallback3 *iface)
{
    return InterlockedDecrement(&impl_from_sink(iface)->refs);
}

/* Programs call back into the job from their callback; the server
 * apartment must take that call while it waits for ours. */
static HRESULT WINAPI sink_JobTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job)
{
    struct sink *sink = impl_from_sink(iface);
    WCHAR *name = NULL;

    sink->transferred++;
    if (SUCCEEDED(IBackgroundCopyJob_GetDisplayName(job, &name)))
        sink->reentered = same_string(name, L"renamed");
    CoTaskMemFree(name);
    return S_OK;
}

static HRESULT WINAPI sink_JobError(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                    IBackgroundCopyError *error)
{
    BG_ERROR_CONTEXT context;
    HRESULT code;

    if (SUCCEEDED(IBackgroundCopyError_GetError(error, &context, &code)) && code == (HRESULT)0x80190194)
        impl_from_sink(iface)->errors++;
    return S_OK;
}

static HRESULT WINAPI sink_JobModification(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                           DWORD reserved)
{
    impl_from_sink(iface)->modifications++;
    return S_OK;
}

static HRESULT WINAPI sink_FileTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                           IBackgroundCopyFile *file)
{
    WCHAR *name = NULL;

    if (SUCCEEDED(IBackgroundCopyFile_GetLocalName(file, &name)) && same_string(name, L"C:\\a"))
        impl_from_sink(iface)->files++;
    CoTaskMemFree(name);
    return S_OK;
}

static HRESULT WINAPI sink_FileRangesTransferred(IBackgroundCopyCallback3 *iface, IBackgroundCopyJob *job,
                                                 IBackgroundCopyFile *file, DWORD count,
                                                 const BG_FILE_RANGE ranges[])
{
    struct sink *sink = impl_from_sink(iface);

    sink->ranges++;
    sink->range_count = count;
    if (count)
        sink->last_range = ranges[count - 1];
    return S_OK;
}

static const IBackgroundCopyCallback3Vtbl sink_vtbl =
{
    .QueryInterface = sink_QueryInterface,
    .AddRef = sink_AddRef,
    .Release = sink_Release,
    .JobTransferred = sink_JobTransferred,
    .JobError = sink_JobError,
    .JobModification = sink_JobModification,
    .FileTransferred = sink_FileTransferred,
    .FileRangesTransferred = sink_FileRangesTransferred,
};

static void test_callbacks(IBackgroundCopyJob *job, struct fake_job *fake)
{
    struct sink sink = { { &sink_vtbl }, 1 };
    IUnknown *got = NULL;
    HRESULT hr;

    hr = IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&sink.IBackgroundCopyCallback3_iface);
    CHECK(hr == S_OK && fake->notify, "SetNotifyInterface = %#lx", hr);
    CHECK(fake->notify != (IUnknown *)&sink.IBackgroundCopyCallback3_iface, "server got the sink unmarshalled");
    /* Back in its own apartment the sink is itself again, not a proxy. */
    hr = IBackgroundCopyJob_GetNotifyInterface(job, &got);
    CHECK(hr == S_OK && got == (IUnknown *)&sink.IBackgroundCopyCallback3_iface,
          "GetNotifyInterface = %#lx %p", hr, got);
    if (got)
        IUnknown_Release(got);

    hr = IBackgroundCopyJob_Resume(job);
    CHECK(hr == S_OK, "Resume = %#lx", hr);
    CHECK(fake->callbacks_made == 5 && fake->callback_result == S_OK, "callbacks: %d made, first failure %#lx",
          fake->callbacks_made, fake->callback_result);
    CHECK(sink.transferred == 1 && sink.reentered, "JobTransferred: %d calls, re-entry %d", sink.transferred,
          sink.reentered);
    CHECK(sink.errors == 1, "JobError with the error object: %d", sink.errors);
    CHECK(sink.modifications == 1, "JobModification: %d", sink.modifications);
    CHECK(sink.files == 1, "FileTransferred with the file: %d", sink.files);
    CHECK(sink.ranges == 1 && sink.range_count == 2 && sink.last_range.InitialOffset == 0x100000000ULL
          && sink.last_range.Length == BG_LENGTH_TO_EOF, "FileRangesTransferred: %d calls, %lu ranges",
          sink.ranges, sink.range_count);

    hr = IBackgroundCopyJob_SetNotifyInterface(job, NULL);
    CHECK(hr == S_OK && !fake->notify, "SetNotifyInterface(NULL) = %#lx", hr);
    CHECK(sink.refs == 1, "sink still referenced: %ld", sink.refs);

    hr = IBackgroundCopyJob_Complete(job);
    CHECK(hr == S_OK && fake->state == BG_JOB_STATE_ACKNOWLEDGED, "Complete = %#lx", hr);
    hr = IBackgroundCopyJob_Cancel(job);
    CHECK(hr == S_OK && fake->state == BG_JOB_STATE_CANCELLED, "Cancel = %#lx", hr);
}

int wmain(int argc, WCHAR **argv)
{
    struct server_start start = { 0 };
    IBackgroundCopyManager *manager = NULL;
    IBackgroundCopyJob *job = NULL;
    HANDLE thread;
    DWORD tid;
    HRESULT hr;
    int i;

    for (i = 1; i < argc; i++)
        if (!wcscmp(argv[i], L"--load") && i + 1 < argc)
            proxy_dll = argv[++i];

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (proxy_dll)
    {
        hr = register_proxy_dll();
        CHECK(hr == S_OK, "registering %ls in-process = %#lx", proxy_dll, hr);
    }
    else
        test_registration();

    start.ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    thread = CreateThread(NULL, 0, server_thread, &start, 0, &tid);
    WaitForSingleObject(start.ready, INFINITE);
    CHECK(start.hr == S_OK, "server apartment = %#lx", start.hr);
    if (SUCCEEDED(start.hr))
    {
        hr = CoGetInterfaceAndReleaseStream(start.stream, &IID_IBackgroundCopyManager, (void **)&manager);
        CHECK(hr == S_OK, "unmarshalling the manager = %#lx", hr);
    }
    if (manager)
    {
        test_manager(manager, &job);
        if (job)
        {
            struct fake_job *fake = server->jobs[0];

            test_job(job, fake);
            test_job2(job, fake);
            test_job3_4(job, fake);
            test_job5(job, fake);
            test_http_options(job, fake);
            test_token_options(job, fake);
            test_files(job, fake);
            test_error(job);
            test_callbacks(job, fake);
            IBackgroundCopyJob_Release(job);
        }
        IBackgroundCopyManager_Release(manager);
    }
    PostThreadMessageW(tid, WM_QUIT, 0, 0);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    CoUninitialize();
    printf("%d checks, %d failures\n", checks, failures);
    return failures;
}
