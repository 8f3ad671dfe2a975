/*
 * Every IBackgroundCopyJob / IBackgroundCopyJob2 property method with its
 * documented defaults, limits and errors (reference/BITS.md B.1-B.6, the
 * SDK method pages), and the rule that a finished job (ACKNOWLEDGED or
 * CANCELLED) refuses every state-changing call with BG_E_INVALID_STATE.
 *
 * usage: methods_test.exe <server base url> <scratch dir> [<server root>]
 */
#include "conform.h"

#include <sddl.h>
#include <stdio.h>
#include <wchar.h>

static struct bt_args args;
static IBackgroundCopyManager *manager;

static void add_download(IBackgroundCopyJob2 *job, const WCHAR *remote, const WCHAR *local_name)
{
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    HRESULT hr;

    bt_url(url, &args, remote);
    bt_scratch_path(local, &args, local_name);
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile(%ls, %ls): %#lx\n", url, local, hr);
}

static void test_display_name(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods display", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob *created = NULL;
    WCHAR *name = NULL, *max = ct_repeat('n', 256), *over = ct_repeat('o', 257);
    GUID id;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetDisplayName(job, &name);
    ok(hr == S_OK && name && !wcscmp(name, L"methods display"), "GetDisplayName: %#lx %ls\n", hr,
       name ? name : L"(null)");
    CoTaskMemFree(name);
    name = NULL;
    hr = IBackgroundCopyJob2_SetDisplayName(job, L"renamed job");
    ok(hr == S_OK, "SetDisplayName: %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetDisplayName(job, &name);
    ok(hr == S_OK && name && !wcscmp(name, L"renamed job"), "GetDisplayName after set: %#lx %ls\n",
       hr, name ? name : L"(null)");
    CoTaskMemFree(name);
    name = NULL;
    hr = IBackgroundCopyJob2_SetDisplayName(job, max);
    ok(hr == S_OK, "SetDisplayName(256 characters): %#lx\n", hr);
    hr = IBackgroundCopyJob2_SetDisplayName(job, over);
    ok(hr == E_INVALIDARG || hr == (HRESULT)BG_E_STRING_TOO_LONG,
       "SetDisplayName(257 characters): %#lx, expected E_INVALIDARG or BG_E_STRING_TOO_LONG\n", hr);
    hr = IBackgroundCopyJob2_GetDisplayName(job, &name);
    ok(hr == S_OK && name && !wcscmp(name, max), "a refused name replaced the old one: %#lx\n", hr);
    CoTaskMemFree(name);
    hr = IBackgroundCopyJob2_SetDisplayName(job, NULL);
    ok(ct_null_refused(hr), "SetDisplayName(NULL): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetDisplayName(job, NULL);
    ok(ct_null_refused(hr), "GetDisplayName(NULL): %#lx\n", hr);

    hr = IBackgroundCopyManager_CreateJob(manager, over, BG_JOB_TYPE_DOWNLOAD, &id, &created);
    ok(hr == E_INVALIDARG, "CreateJob with a 257-character name: %#lx, expected E_INVALIDARG\n", hr);
    if (SUCCEEDED(hr)) {
        IBackgroundCopyJob_Cancel(created);
        IBackgroundCopyJob_Release(created);
    }
    hr = IBackgroundCopyManager_CreateJob(manager, L"bad type", (BG_JOB_TYPE)3, &id, &created);
    ok(hr == E_INVALIDARG, "CreateJob with type 3: %#lx, expected E_INVALIDARG\n", hr);
    if (SUCCEEDED(hr)) {
        IBackgroundCopyJob_Cancel(created);
        IBackgroundCopyJob_Release(created);
    }
    bt_free(max);
    bt_free(over);
    ct_drop_job(job);
}

static void test_description(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods description", BG_JOB_TYPE_DOWNLOAD);
    WCHAR *text = NULL, *max = ct_repeat('d', 1024), *over = ct_repeat('e', 1025);
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetDescription(job, &text);
    ok(hr == S_OK && text && !*text, "default description: %#lx %ls, expected \"\"\n", hr,
       text ? text : L"(null)");
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyJob2_SetDescription(job, max);
    ok(hr == S_OK, "SetDescription(1024 characters): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetDescription(job, &text);
    ok(hr == S_OK && text && !wcscmp(text, max), "GetDescription after set: %#lx, length %u\n", hr,
       text ? (unsigned)wcslen(text) : 0);
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyJob2_SetDescription(job, over);
    ok(hr == (HRESULT)BG_E_STRING_TOO_LONG, "SetDescription(1025 characters): %#lx, expected "
       "BG_E_STRING_TOO_LONG\n", hr);
    hr = IBackgroundCopyJob2_SetDescription(job, L"");
    ok(hr == S_OK, "SetDescription(\"\"): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetDescription(job, &text);
    ok(hr == S_OK && text && !*text, "GetDescription after \"\": %#lx\n", hr);
    CoTaskMemFree(text);
    hr = IBackgroundCopyJob2_SetDescription(job, NULL);
    ok(ct_null_refused(hr), "SetDescription(NULL): %#lx\n", hr);
    bt_free(max);
    bt_free(over);
    ct_drop_job(job);
}

static void test_priority(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods priority", BG_JOB_TYPE_DOWNLOAD);
    BG_JOB_PRIORITY priority = (BG_JOB_PRIORITY)-1;
    int p;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetPriority(job, &priority);
    ok(hr == S_OK && priority == BG_JOB_PRIORITY_NORMAL, "default priority: %#lx %d\n", hr,
       (int)priority);
    for (p = BG_JOB_PRIORITY_FOREGROUND; p <= BG_JOB_PRIORITY_LOW; p++) {
        hr = IBackgroundCopyJob2_SetPriority(job, (BG_JOB_PRIORITY)p);
        ok(hr == S_OK, "SetPriority(%d): %#lx\n", p, hr);
        hr = IBackgroundCopyJob2_GetPriority(job, &priority);
        ok(hr == S_OK && priority == (BG_JOB_PRIORITY)p, "GetPriority: %#lx %d, expected %d\n", hr,
           (int)priority, p);
    }
    hr = IBackgroundCopyJob2_SetPriority(job, (BG_JOB_PRIORITY)4);
    ok(hr == E_NOTIMPL, "SetPriority(4): %#lx, expected E_NOTIMPL\n", hr);
    hr = IBackgroundCopyJob2_GetPriority(job, &priority);
    ok(hr == S_OK && priority == BG_JOB_PRIORITY_LOW, "priority after a refused set: %d\n",
       (int)priority);
    ct_drop_job(job);
}

static void test_notify_flags(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods notify flags", BG_JOB_TYPE_DOWNLOAD);
    ULONG flags = 0;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetNotifyFlags(job, &flags);
    ok(hr == S_OK && flags == (BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR),
       "default notify flags: %#lx %#lx, expected 0x3\n", hr, flags);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_MODIFICATION);
    ok(hr == S_OK, "SetNotifyFlags(0x9): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetNotifyFlags(job, &flags);
    ok(hr == S_OK && flags == 0x9, "GetNotifyFlags: %#lx %#lx, expected 0x9\n", hr, flags);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_DISABLE);
    ok(hr == S_OK, "SetNotifyFlags(DISABLE): %#lx\n", hr);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, 0x100);
    ok(hr == E_NOTIMPL, "SetNotifyFlags(0x100): %#lx, expected E_NOTIMPL\n", hr);
    hr = IBackgroundCopyJob2_GetNotifyFlags(job, &flags);
    ok(hr == S_OK && flags == BG_NOTIFY_DISABLE, "flags after a refused set: %#lx\n", flags);
    ct_drop_job(job);
}

static IUnknown *identity(IUnknown *unk)
{
    IUnknown *id = NULL;

    if (unk && SUCCEEDED(IUnknown_QueryInterface(unk, &IID_IUnknown, (void **)&id)))
        IUnknown_Release(id);
    return id;
}

static void test_notify_interface(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods notify interface", BG_JOB_TYPE_DOWNLOAD);
    struct bt_callback *cb = bt_callback_create();
    IUnknown *sink = (IUnknown *)0xdeadbeef;
    HRESULT hr;

    if (!job || !cb) {
        bt_callback_release(cb);
        ct_drop_job(job);
        return;
    }
    hr = IBackgroundCopyJob2_GetNotifyInterface(job, &sink);
    ok(hr == S_OK && !sink, "default notify interface: %#lx %p, expected NULL\n", hr, sink);
    hr = IBackgroundCopyJob2_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback_iface);
    ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
    sink = NULL;
    hr = IBackgroundCopyJob2_GetNotifyInterface(job, &sink);
    ok(hr == S_OK && sink, "GetNotifyInterface after set: %#lx %p\n", hr, sink);
    if (sink) {
        ok(identity(sink) == identity((IUnknown *)&cb->IBackgroundCopyCallback_iface),
           "GetNotifyInterface gave another object\n");
        IUnknown_Release(sink);
    }
    hr = IBackgroundCopyJob2_SetNotifyInterface(job, NULL);
    ok(hr == S_OK, "SetNotifyInterface(NULL): %#lx\n", hr);
    sink = (IUnknown *)0xdeadbeef;
    hr = IBackgroundCopyJob2_GetNotifyInterface(job, &sink);
    ok(hr == S_OK && !sink, "GetNotifyInterface after clearing: %#lx %p\n", hr, sink);
    ct_drop_job(job);
    bt_callback_release(cb);
}

static void test_retry_and_timeout(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods retry", BG_JOB_TYPE_DOWNLOAD);
    ULONG value = 0, count = 99;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 600, "default MinimumRetryDelay: %#lx %lu, expected 600\n", hr, value);
    hr = IBackgroundCopyJob2_SetMinimumRetryDelay(job, 60);
    ok(hr == S_OK, "SetMinimumRetryDelay(60): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 60, "MinimumRetryDelay: %lu, expected 60\n", value);
    hr = IBackgroundCopyJob2_SetMinimumRetryDelay(job, 1);
    ok(hr == S_OK, "SetMinimumRetryDelay(1): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK && value == 5, "MinimumRetryDelay after 1: %lu, expected the floor 5\n", value);

    hr = IBackgroundCopyJob2_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 1209600, "default NoProgressTimeout: %#lx %lu, expected 1209600\n",
       hr, value);
    hr = IBackgroundCopyJob2_SetNoProgressTimeout(job, 0);
    ok(hr == S_OK, "SetNoProgressTimeout(0): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 0, "NoProgressTimeout: %lu, expected 0\n", value);
    hr = IBackgroundCopyJob2_SetNoProgressTimeout(job, 3600);
    hr = IBackgroundCopyJob2_GetNoProgressTimeout(job, &value);
    ok(hr == S_OK && value == 3600, "NoProgressTimeout: %lu, expected 3600\n", value);

    hr = IBackgroundCopyJob2_GetErrorCount(job, &count);
    ok(hr == S_OK && count == 0, "GetErrorCount of a new job: %#lx %lu\n", hr, count);
    ct_drop_job(job);
}

static void check_proxy(IBackgroundCopyJob2 *job, BG_JOB_PROXY_USAGE want_usage,
                        const WCHAR *want_list, const WCHAR *want_bypass, int line)
{
    BG_JOB_PROXY_USAGE usage = (BG_JOB_PROXY_USAGE)-1;
    WCHAR *list = NULL, *bypass = NULL;
    HRESULT hr = IBackgroundCopyJob2_GetProxySettings(job, &usage, &list, &bypass);

    ok(hr == S_OK && usage == want_usage, "line %d: GetProxySettings: %#lx usage %d, expected %d\n",
       line, hr, (int)usage, (int)want_usage);
    if (want_list)
        ok(list && !wcscmp(list, want_list), "line %d: proxy list %ls\n", line, list ? list : L"(null)");
    else
        ok(!list || !*list, "line %d: proxy list %ls, expected none\n", line, list);
    if (want_bypass)
        ok(bypass && !wcscmp(bypass, want_bypass), "line %d: bypass list %ls\n", line,
           bypass ? bypass : L"(null)");
    else
        ok(!bypass || !*bypass, "line %d: bypass list %ls, expected none\n", line, bypass);
    CoTaskMemFree(list);
    CoTaskMemFree(bypass);
}

static void test_proxy_settings(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods proxy", BG_JOB_TYPE_DOWNLOAD);
    WCHAR *huge = ct_repeat('p', 40000);
    HRESULT hr;

    if (!job || !huge) {
        bt_free(huge);
        ct_drop_job(job);
        return;
    }
    check_proxy(job, BG_JOB_PROXY_USAGE_PRECONFIG, NULL, NULL, __LINE__);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE,
                                              L"http://127.0.0.1:9 proxy2:8080", L"<local> *.example");
    ok(hr == S_OK, "SetProxySettings(OVERRIDE): %#lx\n", hr);
    check_proxy(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"http://127.0.0.1:9 proxy2:8080",
                L"<local> *.example", __LINE__);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL);
    ok(hr == S_OK, "SetProxySettings(NO_PROXY): %#lx\n", hr);
    check_proxy(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL, __LINE__);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_AUTODETECT, NULL, NULL);
    ok(hr == S_OK, "SetProxySettings(AUTODETECT): %#lx\n", hr);
    check_proxy(job, BG_JOB_PROXY_USAGE_AUTODETECT, NULL, NULL, __LINE__);

    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, NULL, NULL);
    ok(hr == E_INVALIDARG, "OVERRIDE without a list: %#lx, expected E_INVALIDARG\n", hr);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, L"proxy:80", NULL);
    ok(hr == E_INVALIDARG, "NO_PROXY with a list: %#lx, expected E_INVALIDARG\n", hr);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_PRECONFIG, NULL, L"<local>");
    ok(hr == E_INVALIDARG, "PRECONFIG with a bypass list: %#lx, expected E_INVALIDARG\n", hr);
    hr = IBackgroundCopyJob2_SetProxySettings(job, (BG_JOB_PROXY_USAGE)4, NULL, NULL);
    ok(hr == E_NOTIMPL, "usage 4: %#lx, expected E_NOTIMPL\n", hr);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, huge, NULL);
    ok(hr == (HRESULT)BG_E_PROXY_LIST_TOO_LARGE, "40000-character proxy list: %#lx, expected "
       "BG_E_PROXY_LIST_TOO_LARGE\n", hr);
    hr = IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_OVERRIDE, L"proxy:80", huge);
    ok(hr == (HRESULT)BG_E_PROXY_BYPASS_LIST_TOO_LARGE, "40000-character bypass list: %#lx, "
       "expected BG_E_PROXY_BYPASS_LIST_TOO_LARGE\n", hr);
    /* none of the refused calls changed anything */
    check_proxy(job, BG_JOB_PROXY_USAGE_AUTODETECT, NULL, NULL, __LINE__);
    bt_free(huge);
    ct_drop_job(job);
}

static ULONGLONG filetime_u64(const FILETIME *ft)
{
    return ((ULONGLONG)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

static void test_times(void)
{
    IBackgroundCopyJob2 *job;
    BG_JOB_TIMES times, later;
    FILETIME before, now;
    HRESULT hr;

    GetSystemTimeAsFileTime(&before);
    job = ct_new_job(manager, L"methods times", BG_JOB_TYPE_DOWNLOAD);
    if (!job)
        return;
    GetSystemTimeAsFileTime(&now);
    hr = IBackgroundCopyJob2_GetTimes(job, &times);
    ok(hr == S_OK, "GetTimes: %#lx\n", hr);
    /* a second of slack: the daemon's clock is read by another process */
    ok(filetime_u64(&times.CreationTime) + 10000000 >= filetime_u64(&before) &&
       filetime_u64(&times.CreationTime) <= filetime_u64(&now) + 10000000,
       "CreationTime %#llx not between %#llx and %#llx\n", filetime_u64(&times.CreationTime),
       filetime_u64(&before), filetime_u64(&now));
    ok(filetime_u64(&times.CreationTime) <= filetime_u64(&times.ModificationTime),
       "CreationTime %#llx after ModificationTime %#llx\n", filetime_u64(&times.CreationTime),
       filetime_u64(&times.ModificationTime));
    ok(!times.TransferCompletionTime.dwLowDateTime && !times.TransferCompletionTime.dwHighDateTime,
       "TransferCompletionTime %#llx before any transfer\n",
       filetime_u64(&times.TransferCompletionTime));
    Sleep(20);
    hr = IBackgroundCopyJob2_SetDescription(job, L"touched");
    hr = IBackgroundCopyJob2_GetTimes(job, &later);
    ok(hr == S_OK && filetime_u64(&later.ModificationTime) > filetime_u64(&times.ModificationTime),
       "ModificationTime did not move on SetDescription: %#llx -> %#llx\n",
       filetime_u64(&times.ModificationTime), filetime_u64(&later.ModificationTime));
    ok(filetime_u64(&later.CreationTime) == filetime_u64(&times.CreationTime),
       "CreationTime changed\n");
    hr = IBackgroundCopyJob2_GetTimes(job, NULL);
    ok(ct_null_refused(hr), "GetTimes(NULL): %#lx\n", hr);
    ct_drop_job(job);
}

/* The caller's user SID as a string, LocalAlloc'ed. */
static WCHAR *own_sid(void)
{
    BYTE buffer[256];
    TOKEN_USER *user = (TOKEN_USER *)buffer;
    WCHAR *text = NULL;
    HANDLE token;
    DWORD size;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        return NULL;
    if (GetTokenInformation(token, TokenUser, buffer, sizeof(buffer), &size))
        ConvertSidToStringSidW(user->User.Sid, &text);
    CloseHandle(token);
    return text;
}

static void test_owner_type_id(void)
{
    IBackgroundCopyJob *job1 = NULL;
    IBackgroundCopyJob2 *job2 = NULL;
    WCHAR *owner = NULL, *mine = own_sid(), *program = NULL, *parameters = NULL;
    BG_JOB_TYPE type;
    GUID id, got;
    int t;
    HRESULT hr;

    for (t = BG_JOB_TYPE_DOWNLOAD; t <= BG_JOB_TYPE_UPLOAD_REPLY; t++) {
        hr = IBackgroundCopyManager_CreateJob(manager, L"methods type", (BG_JOB_TYPE)t, &id, &job1);
        if (!ok(hr == S_OK, "CreateJob(type %d): %#lx\n", t, hr))
            continue;
        hr = IBackgroundCopyJob_GetType(job1, &type);
        ok(hr == S_OK && type == (BG_JOB_TYPE)t, "GetType: %#lx %d, expected %d\n", hr, (int)type, t);
        hr = IBackgroundCopyJob_GetId(job1, &got);
        ok(hr == S_OK && IsEqualGUID(&got, &id), "GetId differs from CreateJob's id (%#lx)\n", hr);
        hr = IBackgroundCopyJob_GetOwner(job1, &owner);
        ok(hr == S_OK && owner && !wcsncmp(owner, L"S-1-5-", 6), "GetOwner: %#lx %ls\n", hr,
           owner ? owner : L"(null)");
        if (mine && owner)
            ok(!wcscmp(owner, mine), "owner %ls, the caller is %ls\n", owner, mine);
        CoTaskMemFree(owner);
        owner = NULL;
        if (t == BG_JOB_TYPE_DOWNLOAD &&
            SUCCEEDED(IBackgroundCopyJob_QueryInterface(job1, &IID_IBackgroundCopyJob2, (void **)&job2))) {
            /* TakeOwnership drops the notification command line (BITS.md B.5). */
            hr = IBackgroundCopyJob2_SetNotifyCmdLine(job2, L"C:\\windows\\notepad.exe",
                                                      L"C:\\windows\\notepad.exe x");
            ok(hr == S_OK, "SetNotifyCmdLine: %#lx\n", hr);
            hr = IBackgroundCopyJob2_TakeOwnership(job2);
            ok(hr == S_OK, "TakeOwnership: %#lx\n", hr);
            hr = IBackgroundCopyJob2_GetOwner(job2, &owner);
            ok(hr == S_OK && owner && mine && !wcscmp(owner, mine), "owner after TakeOwnership: %ls\n",
               owner ? owner : L"(null)");
            CoTaskMemFree(owner);
            owner = NULL;
            hr = IBackgroundCopyJob2_GetNotifyCmdLine(job2, &program, &parameters);
            ok(hr == S_OK && program && !*program && parameters && !*parameters,
               "command line after TakeOwnership: %#lx %ls %ls\n", hr,
               program ? program : L"(null)", parameters ? parameters : L"(null)");
            CoTaskMemFree(program);
            CoTaskMemFree(parameters);
            IBackgroundCopyJob2_Release(job2);
        }
        IBackgroundCopyJob_Cancel(job1);
        IBackgroundCopyJob_Release(job1);
    }
    if (mine)
        LocalFree(mine);
}

static void test_notify_cmdline(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods cmdline", BG_JOB_TYPE_DOWNLOAD);
    WCHAR *program = NULL, *parameters = NULL, *long_program, *long_parameters;
    WCHAR path[MAX_PATH + 8];
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job, &program, &parameters);
    ok(hr == S_OK && program && !*program && parameters && !*parameters,
       "default command line: %#lx %ls %ls, expected \"\" \"\"\n", hr,
       program ? program : L"(null)", parameters ? parameters : L"(null)");
    CoTaskMemFree(program);
    CoTaskMemFree(parameters);
    program = parameters = NULL;

    hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, L"C:\\windows\\system32\\cmd.exe",
                                              L"C:\\windows\\system32\\cmd.exe /c exit 0");
    ok(hr == S_OK, "SetNotifyCmdLine: %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job, &program, &parameters);
    ok(hr == S_OK && program && !wcscmp(program, L"C:\\windows\\system32\\cmd.exe") && parameters &&
       !wcscmp(parameters, L"C:\\windows\\system32\\cmd.exe /c exit 0"),
       "GetNotifyCmdLine: %#lx %ls | %ls\n", hr, program ? program : L"(null)",
       parameters ? parameters : L"(null)");
    CoTaskMemFree(program);
    CoTaskMemFree(parameters);
    program = parameters = NULL;

    hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, NULL, L"cmd.exe /c exit 0");
    ok(hr == E_INVALIDARG, "SetNotifyCmdLine(NULL, parameters): %#lx, expected E_INVALIDARG\n", hr);

    long_program = ct_repeat('p', MAX_PATH + 1);
    long_parameters = ct_repeat('a', 4001);
    if (long_program && long_parameters) {
        hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, long_program, NULL);
        ok(hr == (HRESULT)BG_E_STRING_TOO_LONG, "program of MAX_PATH+1 characters: %#lx, expected "
           "BG_E_STRING_TOO_LONG\n", hr);
        swprintf(path, ARRAYSIZE(path), L"C:\\prog.exe");
        hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, path, long_parameters);
        ok(hr == (HRESULT)BG_E_STRING_TOO_LONG, "parameters of 4001 characters: %#lx, expected "
           "BG_E_STRING_TOO_LONG\n", hr);
        long_parameters[4000] = 0;
        hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, path, long_parameters);
        ok(hr == S_OK, "parameters of 4000 characters: %#lx\n", hr);
    }
    bt_free(long_program);
    bt_free(long_parameters);

    hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, NULL, NULL);
    ok(hr == S_OK, "SetNotifyCmdLine(NULL, NULL): %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job, &program, &parameters);
    ok(hr == S_OK && program && !*program && parameters && !*parameters,
       "command line after removal: %#lx %ls %ls\n", hr, program ? program : L"(null)",
       parameters ? parameters : L"(null)");
    CoTaskMemFree(program);
    CoTaskMemFree(parameters);
    ct_drop_job(job);
}

static HRESULT set_basic(IBackgroundCopyJob2 *job, BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme,
                         WCHAR *user, WCHAR *password)
{
    BG_AUTH_CREDENTIALS cred;

    memset(&cred, 0, sizeof(cred));
    cred.Target = target;
    cred.Scheme = scheme;
    cred.Credentials.Basic.UserName = user;
    cred.Credentials.Basic.Password = password;
    return IBackgroundCopyJob2_SetCredentials(job, &cred);
}

static void test_credentials(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods credentials", BG_JOB_TYPE_DOWNLOAD);
    WCHAR *long_user = ct_repeat('u', 301), *long_password = ct_repeat('w', 70000);
    HRESULT hr;

    if (!job || !long_user || !long_password) {
        bt_free(long_user);
        bt_free(long_password);
        ct_drop_job(job);
        return;
    }
    hr = set_basic(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"user", L"secret");
    ok(hr == S_OK, "SetCredentials(SERVER, BASIC): %#lx\n", hr);
    hr = set_basic(job, BG_AUTH_TARGET_PROXY, BG_AUTH_SCHEME_DIGEST, L"user", L"secret");
    ok(hr == S_OK, "SetCredentials(PROXY, DIGEST): %#lx\n", hr);
    hr = set_basic(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_NTLM, NULL, NULL);
    ok(hr == S_OK, "SetCredentials(SERVER, NTLM, implicit): %#lx\n", hr);
    hr = set_basic(job, (BG_AUTH_TARGET)3, BG_AUTH_SCHEME_BASIC, L"user", L"secret");
    ok(hr == (HRESULT)BG_E_INVALID_AUTH_TARGET, "target 3: %#lx, expected BG_E_INVALID_AUTH_TARGET\n", hr);
    hr = set_basic(job, (BG_AUTH_TARGET)0, BG_AUTH_SCHEME_BASIC, L"user", L"secret");
    ok(hr == (HRESULT)BG_E_INVALID_AUTH_TARGET, "target 0: %#lx, expected BG_E_INVALID_AUTH_TARGET\n", hr);
    hr = set_basic(job, BG_AUTH_TARGET_SERVER, (BG_AUTH_SCHEME)6, L"user", L"secret");
    ok(hr == (HRESULT)BG_E_INVALID_AUTH_SCHEME, "scheme 6: %#lx, expected BG_E_INVALID_AUTH_SCHEME\n", hr);
    hr = set_basic(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, NULL, L"secret");
    ok(hr == E_INVALIDARG, "BASIC without a user: %#lx, expected E_INVALIDARG\n", hr);
    hr = set_basic(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, long_user, L"secret");
    ok(hr == (HRESULT)BG_E_USERNAME_TOO_LARGE, "301-character user: %#lx, expected "
       "BG_E_USERNAME_TOO_LARGE\n", hr);
    hr = set_basic(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"user", long_password);
    ok(hr == (HRESULT)BG_E_PASSWORD_TOO_LARGE, "70000-character password: %#lx, expected "
       "BG_E_PASSWORD_TOO_LARGE\n", hr);
    hr = IBackgroundCopyJob2_SetCredentials(job, NULL);
    ok(ct_null_refused(hr), "SetCredentials(NULL): %#lx\n", hr);

    hr = IBackgroundCopyJob2_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC);
    ok(hr == S_OK, "RemoveCredentials(SERVER, BASIC): %#lx\n", hr);
    hr = IBackgroundCopyJob2_RemoveCredentials(job, (BG_AUTH_TARGET)3, BG_AUTH_SCHEME_BASIC);
    ok(hr == (HRESULT)BG_E_INVALID_AUTH_TARGET, "RemoveCredentials(target 3): %#lx\n", hr);
    hr = IBackgroundCopyJob2_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, (BG_AUTH_SCHEME)0);
    ok(hr == (HRESULT)BG_E_INVALID_AUTH_SCHEME, "RemoveCredentials(scheme 0): %#lx\n", hr);
    bt_free(long_user);
    bt_free(long_password);
    ct_drop_job(job);
}

static void test_suspend_resume(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods suspend", BG_JOB_TYPE_DOWNLOAD);
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_Suspend(job);
    ok(hr == S_OK, "Suspend of a suspended job: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == (HRESULT)BG_E_EMPTY, "Resume without files: %#lx, expected BG_E_EMPTY\n", hr);
    ok(ct_state(job) == BG_JOB_STATE_SUSPENDED, "state after BG_E_EMPTY: %s\n",
       bt_state_name(ct_state(job)));
    ct_drop_job(job);
}

/* Every state-changing call on a finished job. */
static void check_finished_refuses(IBackgroundCopyJob2 *job, const char *what)
{
    struct bt_callback *cb = bt_callback_create();
    WCHAR url[BT_URL_MAX], local[MAX_PATH], *text = NULL;
    BG_JOB_PRIORITY priority;
    ULONG value;
    HRESULT hr;

#define REFUSED(call) do { hr = (call); \
        ok(hr == (HRESULT)BG_E_INVALID_STATE, "%s: %s: %#lx, expected BG_E_INVALID_STATE\n", \
           what, #call, hr); } while (0)
    bt_url(url, &args, L"/files/never.bin");
    bt_scratch_path(local, &args, L"never.bin");
    REFUSED(IBackgroundCopyJob2_AddFile(job, url, local));
    REFUSED(IBackgroundCopyJob2_Suspend(job));
    REFUSED(IBackgroundCopyJob2_Resume(job));
    REFUSED(IBackgroundCopyJob2_Cancel(job));
    REFUSED(IBackgroundCopyJob2_Complete(job));
    REFUSED(IBackgroundCopyJob2_SetDisplayName(job, L"late"));
    REFUSED(IBackgroundCopyJob2_SetDescription(job, L"late"));
    REFUSED(IBackgroundCopyJob2_SetPriority(job, BG_JOB_PRIORITY_HIGH));
    REFUSED(IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED));
    if (cb)
        REFUSED(IBackgroundCopyJob2_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback_iface));
    REFUSED(IBackgroundCopyJob2_SetMinimumRetryDelay(job, 60));
    REFUSED(IBackgroundCopyJob2_SetNoProgressTimeout(job, 60));
    REFUSED(IBackgroundCopyJob2_SetProxySettings(job, BG_JOB_PROXY_USAGE_NO_PROXY, NULL, NULL));
    REFUSED(IBackgroundCopyJob2_TakeOwnership(job));
    REFUSED(IBackgroundCopyJob2_SetNotifyCmdLine(job, NULL, NULL));
    REFUSED(set_basic(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC, L"user", L"secret"));
    REFUSED(IBackgroundCopyJob2_RemoveCredentials(job, BG_AUTH_TARGET_SERVER, BG_AUTH_SCHEME_BASIC));
#undef REFUSED
    /* reading a finished job still works */
    hr = IBackgroundCopyJob2_GetDisplayName(job, &text);
    ok(hr == S_OK, "%s: GetDisplayName: %#lx\n", what, hr);
    CoTaskMemFree(text);
    hr = IBackgroundCopyJob2_GetPriority(job, &priority);
    ok(hr == S_OK, "%s: GetPriority: %#lx\n", what, hr);
    hr = IBackgroundCopyJob2_GetMinimumRetryDelay(job, &value);
    ok(hr == S_OK, "%s: GetMinimumRetryDelay: %#lx\n", what, hr);
    bt_callback_release(cb);
}

static void test_finished_jobs(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"methods cancelled", BG_JOB_TYPE_DOWNLOAD);
    WCHAR local[MAX_PATH];
    HRESULT hr;

    if (job) {
        add_download(job, L"/files/cancelled.bin", L"cancelled.bin");
        hr = IBackgroundCopyJob2_Cancel(job);
        ok(hr == S_OK, "Cancel: %#lx\n", hr);
        ok(ct_state(job) == BG_JOB_STATE_CANCELLED, "state after Cancel: %s\n",
           bt_state_name(ct_state(job)));
        check_finished_refuses(job, "CANCELLED");
        IBackgroundCopyJob2_Release(job);
    }

    /* Complete of a download with nothing transferred: BG_S_PARTIAL_COMPLETE,
     * the untransferred file does not appear. */
    job = ct_new_job(manager, L"methods acknowledged", BG_JOB_TYPE_DOWNLOAD);
    if (job) {
        add_download(job, L"/files/acked.bin", L"acked.bin");
        hr = IBackgroundCopyJob2_Complete(job);
        ok(hr == (HRESULT)BG_S_PARTIAL_COMPLETE, "Complete of an untransferred download: %#lx, "
           "expected BG_S_PARTIAL_COMPLETE\n", hr);
        ok(ct_state(job) == BG_JOB_STATE_ACKNOWLEDGED, "state after Complete: %s\n",
           bt_state_name(ct_state(job)));
        bt_scratch_path(local, &args, L"acked.bin");
        ok(GetFileAttributesW(local) == INVALID_FILE_ATTRIBUTES,
           "Complete created %ls for a file that was never transferred\n", local);
        check_finished_refuses(job, "ACKNOWLEDGED");
        IBackgroundCopyJob2_Release(job);
    }
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, FALSE, &manager))
        return 2;
    if (manager) {
        test_display_name();
        test_description();
        test_priority();
        test_notify_flags();
        test_notify_interface();
        test_retry_and_timeout();
        test_proxy_settings();
        test_times();
        test_owner_type_id();
        test_notify_cmdline();
        test_credentials();
        test_suspend_resume();
        test_finished_jobs();
    }
    return bt_end(manager);
}
