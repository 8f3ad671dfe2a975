/*
 * The notification CLSID (IBackgroundCopyJob5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID)
 * after the creating program is gone.  The program plays both parts:
 *
 *  - creator: registers itself as the COM local server of a test CLSID,
 *    makes two download jobs that name it (no SetNotifyInterface) and exits
 *    at once: a slowed one that will transfer (its notify command line must
 *    not run, the CLSID comes first) and one whose URL answers 404;
 *  - server (started by COM with the switch below, plus -Embedding): its
 *    callback writes markers per job: JobTransferred completes the job and
 *    notes whether FileTransferred came first, JobError cancels it,
 *    FileTransferred notes the file, JobModification counts.  The first
 *    JobError answers E_FAIL, so the event must come again after
 *    MinimumRetryDelay.
 *
 * tests/wine/notify_clsid.sh runs the creator and checks the markers.
 *
 * usage: notifyclsid_test.exe <url> <scratch> <server root> <marker dir> <helper exe>
 *        notifyclsid_test.exe /clsidserver <marker dir> [-Embedding]
 */
#include "conform.h"

#include <stdio.h>
#include <wchar.h>

#include <initguid.h>
#include <bits2_0.h>
#include <bits2_5.h>
#include <bits3_0.h>
#include <bits5_0.h>

/* {7C1D5B0E-3A41-4F6B-9C2E-5D8A0B6E4F21}: this program's test class */
DEFINE_GUID(CLSID_NotifyClsidTest, 0x7c1d5b0e, 0x3a41, 0x4f6b, 0x9c,0x2e, 0x5d,0x8a,0x0b,0x6e,0x4f,0x21);

#define SERVER_SWITCH   L"/clsidserver"
#define SERVER_IDLE_MS  1500    /* no object left for this long: the work is done */
#define SERVER_LIFE_MS  180000  /* guard: a server never lingers */
#define RETRY_DELAY_S   5       /* bitsd's floor for MinimumRetryDelay */

/* ---- server: the callback object and its class factory ---- */

static WCHAR marker_dir[MAX_PATH];
static LONG objects_alive, calls_done;

/* <marker dir>\<job guid>.<ext> */
static void marker_path(WCHAR *out, const WCHAR *job, const WCHAR *ext)
{
    swprintf(out, MAX_PATH, L"%ls\\%ls.%ls", marker_dir, job, ext);
}

static BOOL marker_exists(const WCHAR *job, const WCHAR *ext)
{
    WCHAR path[MAX_PATH];

    marker_path(path, job, ext);
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

static int attempt_number(const WCHAR *job)
{
    WCHAR path[MAX_PATH];
    int n = 0;
    FILE *f;

    marker_path(path, job, L"attempts");
    if ((f = _wfopen(path, L"r")))
    {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        fclose(f);
    }
    if ((f = _wfopen(path, L"w")))
    {
        fprintf(f, "%d\n", n + 1);
        fclose(f);
    }
    return n + 1;
}

/* The marker appears whole (rename), after the job was acted on. */
static void write_marker(const WCHAR *job, const char *text)
{
    WCHAR path[MAX_PATH], tmp[MAX_PATH];
    FILE *f;

    marker_path(path, job, L"txt");
    marker_path(tmp, job, L"tmp");
    if (!(f = _wfopen(tmp, L"w")))
        return;
    fputs(text, f);
    fclose(f);
    MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING);
}

static BOOL job_guid(IBackgroundCopyJob *job, WCHAR *text)
{
    GUID id;

    return SUCCEEDED(IBackgroundCopyJob_GetId(job, &id)) && StringFromGUID2(&id, text, 40);
}

static HRESULT WINAPI callback_QueryInterface(IBackgroundCopyCallback2 *iface, REFIID riid, void **out)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IBackgroundCopyCallback)
        || IsEqualGUID(riid, &IID_IBackgroundCopyCallback2))
    {
        *out = iface;
        IBackgroundCopyCallback2_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

/* One static object: its life is counted in objects_alive. */
static ULONG WINAPI callback_AddRef(IBackgroundCopyCallback2 *iface)
{
    return InterlockedIncrement(&objects_alive);
}

static ULONG WINAPI callback_Release(IBackgroundCopyCallback2 *iface)
{
    return InterlockedDecrement(&objects_alive);
}

static HRESULT WINAPI callback_JobTransferred(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job)
{
    WCHAR id[40];
    char text[256];
    int attempt, file_first;
    HRESULT hr;

    if (!job_guid(job, id))
        return E_FAIL;
    attempt = attempt_number(id);
    file_first = marker_exists(id, L"file");
    hr = IBackgroundCopyJob_Complete(job);
    snprintf(text, sizeof(text), "transferred %ls\ncomplete 0x%08lx\nattempt %d\nfile first %d\n",
             id, (unsigned long)hr, attempt, file_first);
    write_marker(id, text);
    InterlockedIncrement(&calls_done);
    return hr;
}

static HRESULT WINAPI callback_JobError(IBackgroundCopyCallback2 *iface, IBackgroundCopyJob *job,
                                        IBackgroundCopyError *error)
{
    BG_ERROR_CONTEXT context = 0;
    HRESULT code = S_OK, hr;
    WCHAR id[40];
    char text[256];
    int attempt;

    if (!job_guid(job, id))
        return E_FAIL;
    InterlockedIncrement(&calls_done);
    attempt = attempt_number(id);
    if (attempt == 1)
        return E_FAIL;      /* BITS must ask again after MinimumRetryDelay */
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    if (SUCCEEDED(hr))
        hr = IBackgroundCopyJob_Cancel(job);
    snprintf(text, sizeof(text), "error %ls\ncontext %d code 0x%08lx\ncancel 0x%08lx\nattempt %d\n",
             id, (int)context, (unsigned long)code, (unsigned long)hr, attempt);
    write_marker(id, text);
    return hr;
}

/* Appends "modification" to <job>.mods: at least one must come. */
static HRESULT WINAPI callback_JobModification(IBackgroundCopyCallback2 *iface,
                                               IBackgroundCopyJob *job, DWORD reserved)
{
    WCHAR id[40], path[MAX_PATH];
    FILE *f;

    if (!job_guid(job, id))
        return E_FAIL;
    marker_path(path, id, L"mods");
    if ((f = _wfopen(path, L"a")))
    {
        fputs("modification\n", f);
        fclose(f);
    }
    InterlockedIncrement(&calls_done);
    return S_OK;
}

/* <job>.file names the file (its local name). */
static HRESULT WINAPI callback_FileTransferred(IBackgroundCopyCallback2 *iface,
                                               IBackgroundCopyJob *job, IBackgroundCopyFile *file)
{
    WCHAR id[40], *local = NULL, path[MAX_PATH], tmp[MAX_PATH];
    HRESULT hr;
    FILE *f;

    if (!job_guid(job, id))
        return E_FAIL;
    InterlockedIncrement(&calls_done);
    if (FAILED(hr = IBackgroundCopyFile_GetLocalName(file, &local)))
        return hr;
    marker_path(path, id, L"file");
    marker_path(tmp, id, L"filetmp");
    if ((f = _wfopen(tmp, L"w")))
    {
        fprintf(f, "file %ls\n", local);
        fclose(f);
        MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING);
    }
    CoTaskMemFree(local);
    return S_OK;
}

static IBackgroundCopyCallback2Vtbl callback_vtbl =
{
    callback_QueryInterface,
    callback_AddRef,
    callback_Release,
    callback_JobTransferred,
    callback_JobError,
    callback_JobModification,
    callback_FileTransferred,
};

static IBackgroundCopyCallback2 callback_object = { &callback_vtbl };

static HRESULT WINAPI factory_QueryInterface(IClassFactory *iface, REFIID riid, void **out)
{
    if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IClassFactory))
    {
        *out = iface;
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI factory_AddRef(IClassFactory *iface)
{
    return 2;
}

static ULONG WINAPI factory_Release(IClassFactory *iface)
{
    return 1;
}

static HRESULT WINAPI factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                             void **out)
{
    *out = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    return IBackgroundCopyCallback2_QueryInterface(&callback_object, riid, out);
}

static HRESULT WINAPI factory_LockServer(IClassFactory *iface, BOOL lock)
{
    return S_OK;
}

static IClassFactoryVtbl factory_vtbl =
{
    factory_QueryInterface,
    factory_AddRef,
    factory_Release,
    factory_CreateInstance,
    factory_LockServer,
};

static IClassFactory factory_object = { &factory_vtbl };

/* Serves until a callback ran and no object has been held for a while. */
static int run_server(const WCHAR *dir)
{
    DWORD cookie, waited = 0, idle = 0;
    HRESULT hr;

    wcsncpy(marker_dir, dir, MAX_PATH - 1);
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 1;
    hr = CoRegisterClassObject(&CLSID_NotifyClsidTest, (IUnknown *)&factory_object,
                               CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
    if (FAILED(hr))
        return 1;
    while (waited < SERVER_LIFE_MS && idle < SERVER_IDLE_MS)
    {
        Sleep(100);
        waited += 100;
        idle = calls_done && !objects_alive ? idle + 100 : 0;
    }
    CoRevokeClassObject(cookie);
    CoUninitialize();
    return 0;
}

/* ---- creator ---- */

/* HKLM\Software\Classes\CLSID\{...}\LocalServer32 = "<this exe>" /clsidserver "<dir>"
 * (COM appends -Embedding when it starts the server). */
static BOOL register_server(const WCHAR *dir)
{
    WCHAR self[MAX_PATH], command[3 * MAX_PATH], clsid[40], key[128];
    HKEY hkey;
    LONG err;

    if (!GetModuleFileNameW(NULL, self, MAX_PATH))
        return FALSE;
    StringFromGUID2(&CLSID_NotifyClsidTest, clsid, ARRAYSIZE(clsid));
    swprintf(key, ARRAYSIZE(key), L"Software\\Classes\\CLSID\\%ls\\LocalServer32", clsid);
    swprintf(command, ARRAYSIZE(command), L"\"%ls\" %ls \"%ls\"", self, SERVER_SWITCH, dir);
    err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_WRITE, NULL, &hkey, NULL);
    if (err)
        return FALSE;
    err = RegSetValueExW(hkey, NULL, 0, REG_SZ, (const BYTE *)command,
                         (DWORD)(wcslen(command) + 1) * sizeof(WCHAR));
    RegCloseKey(hkey);
    return !err;
}

static void set_notification_clsid(IBackgroundCopyJob2 *job)
{
    BITS_JOB_PROPERTY_VALUE value;
    IBackgroundCopyJob5 *job5;
    HRESULT hr;

    hr = IBackgroundCopyJob2_QueryInterface(job, &IID_IBackgroundCopyJob5, (void **)&job5);
    ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob5): %#lx\n", hr);
    if (FAILED(hr))
        return;
    value.ClsID = CLSID_NotifyClsidTest;
    hr = IBackgroundCopyJob5_SetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, value);
    ok(hr == S_OK, "SetProperty(NOTIFICATION_CLSID): %#lx\n", hr);
    memset(&value, 0, sizeof(value));
    hr = IBackgroundCopyJob5_GetProperty(job5, BITS_JOB_PROPERTY_NOTIFICATION_CLSID, &value);
    ok(hr == S_OK && IsEqualGUID(&value.ClsID, &CLSID_NotifyClsidTest),
       "GetProperty(NOTIFICATION_CLSID): %#lx\n", hr);
    IBackgroundCopyJob5_Release(job5);
}

/* A download job naming our CLSID, notified as 'flags' say, retried after
 * RETRY_DELAY_S; prints "<label> {GUID}" for the script. */
static IBackgroundCopyJob2 *make_job(IBackgroundCopyManager *manager, const struct bt_args *args,
                                     const WCHAR *name, const WCHAR *remote, const WCHAR *local,
                                     ULONG flags, const char *label)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, name, BG_JOB_TYPE_DOWNLOAD);
    WCHAR url[BT_URL_MAX], text[40];
    HRESULT hr;
    GUID id;

    if (!job)
        return NULL;
    bt_url(url, args, remote);
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    set_notification_clsid(job);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, flags);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    hr = IBackgroundCopyJob2_SetMinimumRetryDelay(job, RETRY_DELAY_S);
    ok(hr == S_OK, "SetMinimumRetryDelay: %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetId(job, &id);
    ok(hr == S_OK, "GetId: %#lx\n", hr);
    StringFromGUID2(&id, text, ARRAYSIZE(text));
    printf("%s %ls\n", label, text);
    return job;
}

static int run_creator(char **argv)
{
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH], markers[MAX_PATH], helper[MAX_PATH];
    WCHAR params[3 * MAX_PATH], cmd_marker[MAX_PATH];
    IBackgroundCopyJob2 *good, *missing;
    IBackgroundCopyManager *manager;
    struct bt_args args;
    HRESULT hr;

    if (!bt_parse_args(4, argv, &args))
        return 2;
    MultiByteToWideChar(CP_ACP, 0, argv[4], -1, markers, MAX_PATH);
    MultiByteToWideChar(CP_ACP, 0, argv[5], -1, helper, MAX_PATH);
    ok(register_server(markers), "cannot register the test class's LocalServer32\n");
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    ok(hr == S_OK, "CoInitializeEx: %#lx\n", hr);
    if (!(manager = bt_create_manager()))
        return winetest_summary();

    ct_served_path(served, &args, L"clsid.bin");
    ok(bt_write_pattern_file(served, 2 * 1024 * 1024, 23), "cannot write %ls\n", served);
    bt_scratch_path(dir, &args, L"clsid");
    CreateDirectoryW(dir, NULL);
    ok(ct_server_control(&args, "throttle_kbps=300"), "throttle_kbps refused\n");

    swprintf(local, MAX_PATH, L"%ls\\clsid.bin", dir);
    good = make_job(manager, &args, L"notification clsid", L"/files/clsid.bin", local,
                    BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_FILE_TRANSFERRED
                    | BG_NOTIFY_JOB_MODIFICATION, "job");
    swprintf(local, MAX_PATH, L"%ls\\missing.bin", dir);
    missing = make_job(manager, &args, L"notification clsid 404", L"/files/missing.bin", local,
                       BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR, "errjob");
    if (good)
    {
        /* the CLSID takes the event, so this command line must never run */
        swprintf(cmd_marker, MAX_PATH, L"%ls\\cmdline.txt", markers);
        swprintf(params, ARRAYSIZE(params), L"\"%ls\" {00000000-0000-0000-0000-000000000000} \"%ls\"",
                 helper, cmd_marker);
        hr = IBackgroundCopyJob2_SetNotifyCmdLine(good, helper, params);
        ok(hr == S_OK, "SetNotifyCmdLine: %#lx\n", hr);
        hr = IBackgroundCopyJob2_Resume(good);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        ok(ct_state(good) != BG_JOB_STATE_TRANSFERRED, "the job transferred before the program left\n");
        IBackgroundCopyJob2_Release(good);
    }
    if (missing)
    {
        hr = IBackgroundCopyJob2_Resume(missing);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        IBackgroundCopyJob2_Release(missing);
    }
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    return winetest_summary();
}

int main(int argc, char **argv)
{
    WCHAR **wargv;
    int wargc;

    setvbuf(stdout, NULL, _IONBF, 0);
    wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);
    if (wargv && wargc >= 3 && !wcscmp(wargv[1], SERVER_SWITCH))
        return run_server(wargv[2]);
    if (argc != 6)
    {
        printf("usage: notifyclsid_test.exe <url> <scratch> <server root> <marker dir> <helper exe>\n"
               "       notifyclsid_test.exe %ls <marker dir>\n", SERVER_SWITCH);
        return 2;
    }
    return run_creator(argv);
}
