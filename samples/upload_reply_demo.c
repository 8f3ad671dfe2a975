/*
 * upload_reply_demo: upload a file with a BITS upload-reply job and print
 * the server application's reply, the way any Windows program would.
 *
 * usage: upload_reply_demo.exe <url> <local file>
 *
 * Uses only the Windows SDK headers.  mingw's libuuid lacks the BITS GUIDs,
 * so <initguid.h> makes this file define the ones it uses.
 */
#define COBJMACROS
#include <windows.h>
#include <initguid.h>
#include <bits.h>
#include <bits1_5.h>
#include <bitsmsg.h>

#include <stdio.h>

#define WAIT_LIMIT_MS (5 * 60 * 1000)

/* ---- a callback object that turns notifications into events ---- */

struct demo_callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG ref;
    HANDLE done;            /* set on JobTransferred or JobError */
    volatile LONG failed;   /* JobError was called */
};

static struct demo_callback *impl_from_iface(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct demo_callback, IBackgroundCopyCallback_iface);
}

static HRESULT STDMETHODCALLTYPE callback_QueryInterface(IBackgroundCopyCallback *iface,
                                                         REFIID riid, void **out)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback)) {
        *out = iface;
        IBackgroundCopyCallback_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE callback_AddRef(IBackgroundCopyCallback *iface)
{
    return InterlockedIncrement(&impl_from_iface(iface)->ref);
}

static ULONG STDMETHODCALLTYPE callback_Release(IBackgroundCopyCallback *iface)
{
    struct demo_callback *cb = impl_from_iface(iface);
    LONG ref = InterlockedDecrement(&cb->ref);

    if (!ref) {
        CloseHandle(cb->done);
        HeapFree(GetProcessHeap(), 0, cb);
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE callback_JobTransferred(IBackgroundCopyCallback *iface,
                                                         IBackgroundCopyJob *job)
{
    SetEvent(impl_from_iface(iface)->done);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE callback_JobError(IBackgroundCopyCallback *iface,
                                                   IBackgroundCopyJob *job,
                                                   IBackgroundCopyError *error)
{
    struct demo_callback *cb = impl_from_iface(iface);

    InterlockedExchange(&cb->failed, 1);
    SetEvent(cb->done);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE callback_JobModification(IBackgroundCopyCallback *iface,
                                                          IBackgroundCopyJob *job, DWORD reserved)
{
    return S_OK;
}

static IBackgroundCopyCallbackVtbl callback_vtbl = {
    callback_QueryInterface,
    callback_AddRef,
    callback_Release,
    callback_JobTransferred,
    callback_JobError,
    callback_JobModification,
};

static struct demo_callback *callback_create(void)
{
    struct demo_callback *cb = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*cb));

    if (!cb)
        return NULL;
    cb->IBackgroundCopyCallback_iface.lpVtbl = &callback_vtbl;
    cb->ref = 1;
    cb->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!cb->done) {
        HeapFree(GetProcessHeap(), 0, cb);
        return NULL;
    }
    return cb;
}

/* ---- the demo ---- */

static int fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "upload_reply_demo: %s failed: 0x%08lx\n", what, (unsigned long)hr);
    return 1;
}

static void print_job_error(IBackgroundCopyJob2 *job)
{
    IBackgroundCopyError *error;
    BG_ERROR_CONTEXT context;
    HRESULT code;
    WCHAR *text = NULL;

    if (FAILED(IBackgroundCopyJob2_GetError(job, &error)))
        return;
    if (SUCCEEDED(IBackgroundCopyError_GetError(error, &context, &code))) {
        fprintf(stderr, "upload_reply_demo: job error 0x%08lx (context %d)\n",
                (unsigned long)code, (int)context);
        if (SUCCEEDED(IBackgroundCopyError_GetErrorDescription(error, GetUserDefaultLangID(), &text))
            && text) {
            fprintf(stderr, "upload_reply_demo: %ls\n", text);
            CoTaskMemFree(text);
        }
    }
    IBackgroundCopyError_Release(error);
}

/* Prints the reply as text, ending with a newline. */
static void print_bytes(const BYTE *data, UINT64 length)
{
    fwrite(data, 1, (size_t)length, stdout);
    if (length && data[length - 1] != '\n')
        putchar('\n');
}

static int print_reply_file(const WCHAR *name)
{
    BYTE buf[4096];
    DWORD got, last = '\n';
    HANDLE file;

    file = CreateFileW(name, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE)
        return fail("opening the reply file", HRESULT_FROM_WIN32(GetLastError()));
    while (ReadFile(file, buf, sizeof(buf), &got, NULL) && got) {
        fwrite(buf, 1, got, stdout);
        last = buf[got - 1];
    }
    CloseHandle(file);
    if (last != '\n')
        putchar('\n');
    return 0;
}

/* Waits for the callback, then confirms the state (the callback is only a
 * wake-up: the job itself is the truth). */
static int wait_for_transfer(IBackgroundCopyJob2 *job, struct demo_callback *cb)
{
    BG_JOB_STATE state;
    HRESULT hr;

    if (WaitForSingleObject(cb->done, WAIT_LIMIT_MS) != WAIT_OBJECT_0) {
        fprintf(stderr, "upload_reply_demo: no notification within %d s\n", WAIT_LIMIT_MS / 1000);
        IBackgroundCopyJob2_Cancel(job);
        return 1;
    }
    hr = IBackgroundCopyJob2_GetState(job, &state);
    if (FAILED(hr))
        return fail("GetState", hr);
    if (cb->failed || state != BG_JOB_STATE_TRANSFERRED) {
        fprintf(stderr, "upload_reply_demo: job ended in state %d\n", (int)state);
        print_job_error(job);
        IBackgroundCopyJob2_Cancel(job);
        return 1;
    }
    return 0;
}

static int show_reply(IBackgroundCopyJob2 *job)
{
    WCHAR *reply_name = NULL;
    BYTE *data = NULL;
    UINT64 length = 0;
    HRESULT hr;
    int rc;

    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    if (hr == (HRESULT)BG_E_TOO_LARGE)
        printf("reply data: %llu bytes, too large for GetReplyData; see the reply file\n", length);
    else if (FAILED(hr))
        return fail("GetReplyData", hr);
    else {
        printf("reply data (%llu bytes):\n", length);
        if (data)
            print_bytes(data, length);
        CoTaskMemFree(data);
    }

    hr = IBackgroundCopyJob2_Complete(job);
    if (FAILED(hr))
        return fail("Complete", hr);
    hr = IBackgroundCopyJob2_GetReplyFileName(job, &reply_name);
    if (FAILED(hr))
        return fail("GetReplyFileName", hr);
    if (!reply_name) {
        fprintf(stderr, "upload_reply_demo: the job has no reply file\n");
        return 1;
    }
    printf("reply file %ls:\n", reply_name);
    rc = print_reply_file(reply_name);
    CoTaskMemFree(reply_name);
    return rc;
}

static int run(const WCHAR *url, const WCHAR *local)
{
    IBackgroundCopyManager *manager = NULL;
    IBackgroundCopyJob *job1 = NULL;
    IBackgroundCopyJob2 *job = NULL;
    struct demo_callback *cb = NULL;
    WCHAR full[MAX_PATH];
    GUID id;
    HRESULT hr;
    int rc = 1;

    /* BITS wants a full local path. */
    if (!GetFullPathNameW(local, MAX_PATH, full, NULL))
        return fail("GetFullPathName", HRESULT_FROM_WIN32(GetLastError()));

    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&manager);
    if (FAILED(hr))
        return fail("CoCreateInstance(BackgroundCopyManager)", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"upload_reply_demo",
                                          BG_JOB_TYPE_UPLOAD_REPLY, &id, &job1);
    if (FAILED(hr)) {
        rc = fail("CreateJob", hr);
        goto out;
    }
    hr = IBackgroundCopyJob_QueryInterface(job1, &IID_IBackgroundCopyJob2, (void **)&job);
    if (FAILED(hr)) {
        rc = fail("QueryInterface(IBackgroundCopyJob2)", hr);
        goto out;
    }
    hr = IBackgroundCopyJob2_AddFile(job, url, full);
    if (FAILED(hr)) {
        rc = fail("AddFile", hr);
        goto cancel;
    }
    if (!(cb = callback_create())) {
        rc = fail("creating the callback", E_OUTOFMEMORY);
        goto cancel;
    }
    hr = IBackgroundCopyJob2_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback_iface);
    if (FAILED(hr)) {
        rc = fail("SetNotifyInterface", hr);
        goto cancel;
    }
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    if (FAILED(hr)) {
        rc = fail("SetNotifyFlags", hr);
        goto cancel;
    }
    hr = IBackgroundCopyJob2_Resume(job);
    if (FAILED(hr)) {
        rc = fail("Resume", hr);
        goto cancel;
    }
    printf("uploading %ls to %ls\n", full, url);
    if (wait_for_transfer(job, cb))
        goto out;
    rc = show_reply(job);
    goto out;

cancel:
    IBackgroundCopyJob2_Cancel(job);
out:
    if (cb)
        IBackgroundCopyCallback_Release(&cb->IBackgroundCopyCallback_iface);
    if (job)
        IBackgroundCopyJob2_Release(job);
    if (job1)
        IBackgroundCopyJob_Release(job1);
    IBackgroundCopyManager_Release(manager);
    return rc;
}

int main(int argc, char **argv)
{
    WCHAR url[2201], local[MAX_PATH];
    HRESULT hr;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: upload_reply_demo.exe <url> <local file>\n");
        return 2;
    }
    if (!MultiByteToWideChar(CP_ACP, 0, argv[1], -1, url, ARRAYSIZE(url)) ||
        !MultiByteToWideChar(CP_ACP, 0, argv[2], -1, local, ARRAYSIZE(local))) {
        fprintf(stderr, "upload_reply_demo: argument too long\n");
        return 2;
    }
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    rc = run(url, local);
    CoUninitialize();
    return rc;
}
