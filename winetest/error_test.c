/*
 * IBackgroundCopyError and the error texts: IBackgroundCopyJob::GetError
 * without an error, GetError/GetFile/GetProtocol/GetErrorDescription/
 * GetErrorContextDescription of a remote (HTTP 404) and of a local error,
 * and IBackgroundCopyManager::GetErrorDescription for every BG_E_* / BG_S_*
 * code, the BG_E_HTTP_ERROR_* codes and common Win32 errors.
 *
 * The string getters cross processes through our qmgrprxy.dll (Wine's
 * builtin proxy cannot marshal them: 0x800706F4).
 *
 * usage: error_test.exe <server base url> <scratch dir> [<server root>]
 */
#include "conform.h"

#include <stdio.h>
#include <wchar.h>

static struct bt_args args;
static IBackgroundCopyManager *manager;

static DWORD user_langid(void)
{
    return LANGIDFROMLCID(GetThreadLocale());
}

static void check_string_getters(IBackgroundCopyError *error, BOOL with_protocol, const char *what)
{
    WCHAR *text = NULL;
    HRESULT hr;

    hr = IBackgroundCopyError_GetErrorDescription(error, user_langid(), &text);
    ok(hr == S_OK && text && *text, "%s: GetErrorDescription: %#lx %ls\n", what, hr,
       text ? text : L"(null)");
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyError_GetErrorContextDescription(error, user_langid(), &text);
    ok(hr == S_OK && text && *text, "%s: GetErrorContextDescription: %#lx %ls\n", what,
       hr, text ? text : L"(null)");
    CoTaskMemFree(text);
    text = NULL;
    hr = IBackgroundCopyError_GetProtocol(error, &text);
    if (with_protocol)
        ok(hr == S_OK && text && !wcscmp(text, L"http"), "%s: GetProtocol: %#lx %ls, "
           "expected http\n", what, hr, text ? text : L"(null)");
    else
        ok(hr == (HRESULT)BG_E_PROTOCOL_NOT_AVAILABLE && !text, "%s: GetProtocol: %#lx, "
           "expected BG_E_PROTOCOL_NOT_AVAILABLE\n", what, hr);
    CoTaskMemFree(text);
}

static void test_no_error(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"error none", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyError *error = (IBackgroundCopyError *)0xdeadbeef;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetError(job, &error);
    ok(hr == (HRESULT)BG_E_ERROR_INFORMATION_UNAVAILABLE, "GetError of a job without error: %#lx, "
       "expected BG_E_ERROR_INFORMATION_UNAVAILABLE\n", hr);
    ok(!error || error == (IBackgroundCopyError *)0xdeadbeef, "GetError handed out %p\n", error);
    ct_drop_job(job);
}

static void test_remote_error(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"error 404", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    WCHAR url[BT_URL_MAX], local[MAX_PATH], *name = NULL;
    BG_ERROR_CONTEXT context = 0;
    BG_JOB_STATE state;
    HRESULT hr, code = 0;

    if (!job)
        return;
    bt_url(url, &args, L"/files/no-such-file.bin");
    bt_scratch_path(local, &args, L"no-such-file.bin");
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    IBackgroundCopyJob2_Resume(job);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_ERROR, "job ended in %s\n", bt_state_name(state));
    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (!ok(hr == S_OK && error, "GetError: %#lx\n", hr)) {
        ct_drop_job(job);
        return;
    }
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    ok(hr == S_OK && context == BG_ERROR_CONTEXT_REMOTE_FILE && code == (HRESULT)BG_E_HTTP_ERROR_404,
       "GetError: %#lx context %d code %#lx\n", hr, (int)context, code);
    hr = IBackgroundCopyError_GetFile(error, &file);
    ok(hr == S_OK && file, "GetFile: %#lx\n", hr);
    if (file) {
        hr = IBackgroundCopyFile_GetLocalName(file, &name);
        ok(hr == S_OK && name && !wcscmp(name, local), "the error's file is %ls\n",
           name ? name : L"(null)");
        CoTaskMemFree(name);
        IBackgroundCopyFile_Release(file);
    }
    check_string_getters(error, TRUE, "404");
    IBackgroundCopyError_Release(error);

    /* The error object is a snapshot; the job forgets its error on Resume. */
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume from ERROR: %#lx\n", hr);
    ct_drop_job(job);
}

/* The destination directory disappears before the transfer: an error of
 * the local file, not tied to a protocol. */
static void test_local_error(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"error local", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyError *error = NULL;
    WCHAR dir[MAX_PATH], local[MAX_PATH], url[BT_URL_MAX], served[MAX_PATH];
    BG_ERROR_CONTEXT context = 0;
    BG_JOB_STATE state;
    HRESULT hr, code = 0;

    if (!job)
        return;
    if (args.server_root[0]) {
        ct_served_path(served, &args, L"local-error.bin");
        bt_write_pattern_file(served, 1000, 1);
    }
    bt_scratch_path(dir, &args, L"vanishing");
    CreateDirectoryW(dir, NULL);
    swprintf(local, MAX_PATH, L"%ls\\x.bin", dir);
    bt_url(url, &args, L"/files/local-error.bin");
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    /* the first error is final, no retry */
    IBackgroundCopyJob2_SetNoProgressTimeout(job, 0);
    ok(RemoveDirectoryW(dir), "cannot remove %ls\n", dir);
    IBackgroundCopyJob2_Resume(job);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_ERROR, "job ended in %s\n", bt_state_name(state));
    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (ok(hr == S_OK && error, "GetError: %#lx\n", hr)) {
        hr = IBackgroundCopyError_GetError(error, &context, &code);
        ok(hr == S_OK && context == BG_ERROR_CONTEXT_LOCAL_FILE && FAILED(code),
           "GetError: %#lx context %d code %#lx, expected a LOCAL_FILE error\n", hr, (int)context, code);
        check_string_getters(error, FALSE, "local");
        IBackgroundCopyError_Release(error);
    }
    ct_drop_job(job);
}

static const HRESULT bits_codes[] = {
    BG_S_PARTIAL_COMPLETE, BG_S_UNABLE_TO_DELETE_FILES, BG_E_NOT_FOUND, BG_E_INVALID_STATE,
    BG_E_EMPTY, BG_E_FILE_NOT_AVAILABLE, BG_E_PROTOCOL_NOT_AVAILABLE, BG_S_ERROR_CONTEXT_NONE,
    BG_E_ERROR_CONTEXT_UNKNOWN, BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER,
    BG_E_ERROR_CONTEXT_LOCAL_FILE, BG_E_ERROR_CONTEXT_REMOTE_FILE,
    BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT, BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION,
    BG_E_DESTINATION_LOCKED, BG_E_VOLUME_CHANGED, BG_E_ERROR_INFORMATION_UNAVAILABLE,
    BG_E_NETWORK_DISCONNECTED, BG_E_MISSING_FILE_SIZE, BG_E_INSUFFICIENT_HTTP_SUPPORT,
    BG_E_INSUFFICIENT_RANGE_SUPPORT, BG_E_REMOTE_NOT_SUPPORTED, BG_E_NEW_OWNER_DIFF_MAPPING,
    BG_E_NEW_OWNER_NO_FILE_ACCESS, BG_S_PARTIAL_COMPLETE, BG_E_PROXY_LIST_TOO_LARGE,
    BG_E_PROXY_BYPASS_LIST_TOO_LARGE, BG_E_TOO_MANY_FILES, BG_E_LOCAL_FILE_CHANGED,
    BG_E_ERROR_CONTEXT_REMOTE_APPLICATION, BG_E_SESSION_NOT_FOUND, BG_E_TOO_LARGE,
    BG_E_STRING_TOO_LONG, BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, BG_E_SERVER_EXECUTE_ENABLE,
    BG_E_NO_PROGRESS, BG_E_USERNAME_TOO_LARGE, BG_E_PASSWORD_TOO_LARGE,
    BG_E_INVALID_AUTH_TARGET, BG_E_INVALID_AUTH_SCHEME,
    /* bitsmsg.h values the mingw headers may not name */
    (HRESULT)0x8020001B /* INVALID_SERVER_RESPONSE */, (HRESULT)0x80200029 /* FILE_NOT_FOUND */,
    (HRESULT)0x0020002A /* S_PROXY_CHANGED */, (HRESULT)0x8020002B /* INVALID_RANGE */,
    (HRESULT)0x8020002C /* OVERLAPPING_RANGES */, (HRESULT)0x8020002D /* CONNECT_FAILURE */,
    (HRESULT)0x8020002E /* CONNECTION_CLOSED */, (HRESULT)0x8020002F /* CONNECTION_RESET */,
    (HRESULT)0x80200030 /* DESTINATION_UNREACHABLE */, (HRESULT)0x80200031 /* HOST_NOT_FOUND */,
    (HRESULT)0x80200032 /* NAME_RESOLUTION_FAILURE */, (HRESULT)0x80200033 /* PROXY_NOT_FOUND */,
    (HRESULT)0x80200034 /* PROXY_RESOLUTION_FAILURE */, (HRESULT)0x80200035 /* PROXY_AUTH_FAILURE */,
    (HRESULT)0x80200036 /* SECURE_CHANNEL_FAILURE */, (HRESULT)0x80200037 /* TIMEOUT */,
    (HRESULT)0x80200038 /* TRUST_FAILURE */, (HRESULT)0x8020003D /* UNKNOWN_ERROR */,
    (HRESULT)0x80200049 /* TOO_MANY_JOBS_PER_USER */, (HRESULT)0x80200050 /* TOO_MANY_JOBS_PER_MACHINE */,
    (HRESULT)0x80200051 /* TOO_MANY_FILES_IN_JOB */, (HRESULT)0x80200052 /* TOO_MANY_RANGES_IN_FILE */,
};

static const unsigned http_statuses[] = {
    400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 449,
    500, 501, 502, 503, 504, 505,
};

static const HRESULT win32_codes[] = {
    E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, E_FAIL, E_NOTIMPL,
    HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND),
    HRESULT_FROM_WIN32(ERROR_DISK_FULL), HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION),
    HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED), HRESULT_FROM_WIN32(ERROR_WRITE_PROTECT),
};

static BOOL describe(HRESULT code, DWORD langid, WCHAR **text)
{
    HRESULT hr;

    *text = NULL;
    hr = IBackgroundCopyManager_GetErrorDescription(manager, code, langid, text);
    if (hr != S_OK || !*text || !**text) {
        ok(0, "GetErrorDescription(%#lx, %#lx): %#lx %ls\n", code, langid, hr,
           *text ? *text : L"(null)");
        CoTaskMemFree(*text);
        *text = NULL;
        return FALSE;
    }
    return TRUE;
}

static void test_descriptions(void)
{
    const DWORD english = MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US);
    WCHAR *text, *other;
    unsigned i;
    HRESULT hr;

    for (i = 0; i < ARRAYSIZE(bits_codes); i++) {
        if (describe(bits_codes[i], user_langid(), &text))
            CoTaskMemFree(text);
    }
    for (i = 0; i < ARRAYSIZE(http_statuses); i++) {
        if (describe((HRESULT)(0x80190000u + http_statuses[i]), english, &text)) {
            WCHAR number[8];
            swprintf(number, ARRAYSIZE(number), L"%u", http_statuses[i]);
            ok(wcsstr(text, number) != NULL, "the text of HTTP %u does not name it: %ls\n",
               http_statuses[i], text);
            CoTaskMemFree(text);
        }
    }
    for (i = 0; i < ARRAYSIZE(win32_codes); i++) {
        if (describe(win32_codes[i], english, &text))
            CoTaskMemFree(text);
    }
    /* different codes, different texts */
    if (describe(BG_E_NOT_FOUND, english, &text)) {
        if (describe(BG_E_INVALID_STATE, english, &other)) {
            ok(wcscmp(text, other), "BG_E_NOT_FOUND and BG_E_INVALID_STATE share a text\n");
            CoTaskMemFree(other);
        }
        CoTaskMemFree(text);
    }
    hr = IBackgroundCopyManager_GetErrorDescription(manager, BG_E_NOT_FOUND, english, NULL);
    ok(ct_null_refused(hr), "GetErrorDescription(NULL): %#lx\n", hr);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, FALSE, &manager))
        return 2;
    if (manager) {
        BT_RUN(test_no_error);
        BT_RUN(test_remote_error);
        BT_RUN(test_local_error);
        BT_RUN(test_descriptions);
    }
    return bt_end(manager);
}
