/* Helpers shared by the conformance programs (see bitstest.h). */
#include "bitstest.h"
#include "conform.h"

#include <stdio.h>
#include <wchar.h>

BOOL bt_parse_args(int argc, char **argv, struct bt_args *args)
{
    size_t len;

    memset(args, 0, sizeof(*args));
    if (argc < 3 || argc > 4) {
        printf("usage: %s <server base url> <scratch dir> [<server root>]\n", argv[0]);
        return FALSE;
    }
    if (!MultiByteToWideChar(CP_ACP, 0, argv[1], -1, args->base_url, BT_URL_MAX) ||
        !MultiByteToWideChar(CP_ACP, 0, argv[2], -1, args->scratch, MAX_PATH) ||
        (argc == 4 && !MultiByteToWideChar(CP_ACP, 0, argv[3], -1, args->server_root, MAX_PATH))) {
        printf("argument too long\n");
        return FALSE;
    }
    len = wcslen(args->base_url);
    if (len && args->base_url[len - 1] == '/')
        args->base_url[len - 1] = 0;
    len = wcslen(args->scratch);
    if (len && args->scratch[len - 1] == '\\')
        args->scratch[len - 1] = 0;
    return TRUE;
}

BOOL bt_begin(int argc, char **argv, struct bt_args *args, BOOL need_root,
              IBackgroundCopyManager **manager)
{
    HRESULT hr;

    setvbuf(stdout, NULL, _IONBF, 0);
    *manager = NULL;
    if (!bt_parse_args(argc, argv, args))
        return FALSE;
    if (need_root && !args->server_root[0]) {
        printf("%s needs the server root as its third argument\n", argv[0]);
        return FALSE;
    }
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    ok(hr == S_OK, "CoInitializeEx(MTA): %#lx\n", hr);
    *manager = bt_create_manager();
    return TRUE;
}

int bt_end(IBackgroundCopyManager *manager)
{
    if (manager)
        IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    return winetest_summary();
}

IBackgroundCopyManager *bt_create_manager(void)
{
    IBackgroundCopyManager *mgr = NULL;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&mgr);
    ok(hr == S_OK, "CoCreateInstance(BackgroundCopyManager) failed: %#lx\n", hr);
    return hr == S_OK ? mgr : NULL;
}

HRESULT bt_create_job(IBackgroundCopyManager *mgr, const WCHAR *name, BG_JOB_TYPE type,
                      IBackgroundCopyJob2 **job2)
{
    IBackgroundCopyJob *job = NULL;
    GUID id;
    HRESULT hr;

    *job2 = NULL;
    hr = IBackgroundCopyManager_CreateJob(mgr, name, type, &id, &job);
    if (FAILED(hr))
        return hr;
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)job2);
    IBackgroundCopyJob_Release(job);
    return hr;
}

void bt_url(WCHAR *out, const struct bt_args *args, const WCHAR *path)
{
    swprintf(out, BT_URL_MAX, L"%ls%ls", args->base_url, path);
}

void bt_scratch_path(WCHAR *out, const struct bt_args *args, const WCHAR *name)
{
    swprintf(out, MAX_PATH, L"%ls\\%ls", args->scratch, name);
}

void bt_server_path(WCHAR *out, const struct bt_args *args, const WCHAR *relative)
{
    swprintf(out, MAX_PATH, L"%ls\\%ls", args->server_root, relative);
}

BOOL bt_write_pattern_file(const WCHAR *path, DWORD size, unsigned seed)
{
    BYTE buf[4096];
    DWORD done = 0, written;
    HANDLE file;

    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE)
        return FALSE;
    while (done < size) {
        DWORD n = size - done < sizeof(buf) ? size - done : sizeof(buf), i;

        for (i = 0; i < n; i++)
            buf[i] = (BYTE)(((done + i) * 7 + seed) % 256);
        if (!WriteFile(file, buf, n, &written, NULL) || written != n) {
            CloseHandle(file);
            return FALSE;
        }
        done += n;
    }
    CloseHandle(file);
    return TRUE;
}

BYTE *bt_read_file(const WCHAR *path, DWORD *size)
{
    LARGE_INTEGER file_size;
    HANDLE file;
    DWORD got = 0;
    BYTE *data;

    *size = 0;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE)
        return NULL;
    if (!GetFileSizeEx(file, &file_size) || file_size.QuadPart > 64 * 1024 * 1024) {
        CloseHandle(file);
        return NULL;
    }
    /* One extra byte so an empty file still gives a non-NULL buffer. */
    data = HeapAlloc(GetProcessHeap(), 0, (SIZE_T)file_size.QuadPart + 1);
    if (data && !ReadFile(file, data, (DWORD)file_size.QuadPart, &got, NULL)) {
        HeapFree(GetProcessHeap(), 0, data);
        data = NULL;
    }
    CloseHandle(file);
    if (data)
        *size = got;
    return data;
}

void bt_free(void *p)
{
    if (p)
        HeapFree(GetProcessHeap(), 0, p);
}

BOOL bt_file_sha256(const WCHAR *path, char hex[65])
{
    DWORD size;
    BYTE *data = bt_read_file(path, &size);
    struct sha256 ctx;
    uint8_t digest[32];

    if (!data)
        return FALSE;
    sha256_init(&ctx);
    sha256_update(&ctx, data, size);
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    bt_free(data);
    return TRUE;
}

const char *bt_state_name(BG_JOB_STATE state)
{
    static const char *const names[] = {
        "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR",
        "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED",
    };

    return (unsigned)state < ARRAYSIZE(names) ? names[state] : "?";
}

static void report_job_error(IBackgroundCopyJob2 *job, BG_JOB_STATE state)
{
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT context = 0;
    HRESULT code = S_OK, hr;

    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (hr != S_OK) {
        trace("job in state %s, GetError returned %#lx\n", bt_state_name(state), hr);
        return;
    }
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    trace("job in state %s: error %#lx, context %d (GetError %#lx)\n",
          bt_state_name(state), code, (int)context, hr);
    IBackgroundCopyError_Release(error);
}

BG_JOB_STATE bt_wait_for_job(IBackgroundCopyJob2 *job)
{
    DWORD start = GetTickCount();
    BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
    BOOL reported_transient = FALSE;
    HRESULT hr;

    for (;;) {
        hr = IBackgroundCopyJob2_GetState(job, &state);
        if (FAILED(hr)) {
            ok(0, "GetState failed while waiting: %#lx\n", hr);
            return BG_JOB_STATE_ERROR;
        }
        if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ACKNOWLEDGED ||
            state == BG_JOB_STATE_CANCELLED)
            return state;
        if (state == BG_JOB_STATE_ERROR) {
            report_job_error(job, state);
            return state;
        }
        if (state == BG_JOB_STATE_TRANSIENT_ERROR && !reported_transient) {
            report_job_error(job, state);
            reported_transient = TRUE;
        }
        if (GetTickCount() - start > BT_WAIT_MS) {
            trace("job still %s after %u ms\n", bt_state_name(state), (unsigned)BT_WAIT_MS);
            return state;
        }
        Sleep(50);
    }
}

/* ---- callback object ---- */

static struct bt_callback *impl_from_callback(IBackgroundCopyCallback *iface)
{
    return CONTAINING_RECORD(iface, struct bt_callback, IBackgroundCopyCallback_iface);
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
    return InterlockedIncrement(&impl_from_callback(iface)->ref);
}

static ULONG STDMETHODCALLTYPE callback_Release(IBackgroundCopyCallback *iface)
{
    struct bt_callback *cb = impl_from_callback(iface);
    LONG ref = InterlockedDecrement(&cb->ref);

    if (!ref) {
        CloseHandle(cb->transferred);
        CloseHandle(cb->error);
        HeapFree(GetProcessHeap(), 0, cb);
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE callback_JobTransferred(IBackgroundCopyCallback *iface,
                                                         IBackgroundCopyJob *job)
{
    struct bt_callback *cb = impl_from_callback(iface);

    InterlockedIncrement(&cb->transferred_calls);
    SetEvent(cb->transferred);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE callback_JobError(IBackgroundCopyCallback *iface,
                                                   IBackgroundCopyJob *job,
                                                   IBackgroundCopyError *error)
{
    struct bt_callback *cb = impl_from_callback(iface);

    InterlockedIncrement(&cb->error_calls);
    SetEvent(cb->error);
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

struct bt_callback *bt_callback_create(void)
{
    struct bt_callback *cb = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*cb));

    if (!cb)
        return NULL;
    cb->IBackgroundCopyCallback_iface.lpVtbl = &callback_vtbl;
    cb->ref = 1;
    cb->transferred = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->error = CreateEventW(NULL, TRUE, FALSE, NULL);
    return cb;
}

void bt_callback_release(struct bt_callback *cb)
{
    if (cb)
        IBackgroundCopyCallback_Release(&cb->IBackgroundCopyCallback_iface);
}
