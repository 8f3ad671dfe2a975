/*
 * Argument and state rules of upload and upload-reply jobs that need no
 * transfer to finish: the reply methods on other job types, NULL
 * arguments, the one-file limit of uploads, relative local names, Resume
 * without files, Complete before TRANSFERRED and after Cancel.
 *
 * usage: jobrules_test.exe <server base url> <scratch dir>
 */
#include "bitstest.h"

#include <stdio.h>

static struct bt_args args;
static IBackgroundCopyManager *manager;

static IBackgroundCopyJob2 *new_job(BG_JOB_TYPE type)
{
    IBackgroundCopyJob2 *job = NULL;
    HRESULT hr = bt_create_job(manager, L"winebits rules test", type, &job);

    ok(hr == S_OK, "CreateJob(type %d): %#lx\n", (int)type, hr);
    return hr == S_OK ? job : NULL;
}

static void drop_job(IBackgroundCopyJob2 *job)
{
    BG_JOB_STATE state;

    if (SUCCEEDED(IBackgroundCopyJob2_GetState(job, &state)) &&
        state != BG_JOB_STATE_ACKNOWLEDGED && state != BG_JOB_STATE_CANCELLED)
        IBackgroundCopyJob2_Cancel(job);
    IBackgroundCopyJob2_Release(job);
}

static void add_source(IBackgroundCopyJob2 *job, const WCHAR *remote, const WCHAR *name)
{
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    HRESULT hr;

    bt_url(url, &args, remote);
    bt_scratch_path(local, &args, name);
    ok(bt_write_pattern_file(local, 1000, 2), "cannot write %ls\n", local);
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile(%ls, %ls): %#lx\n", url, local, hr);
}

/* The reply methods exist only for upload-reply jobs. */
static void test_reply_methods_not_implemented(BG_JOB_TYPE type)
{
    IBackgroundCopyJob2 *job = new_job(type);
    BG_JOB_REPLY_PROGRESS progress;
    WCHAR name[MAX_PATH], *reply_name = NULL;
    BYTE *data = NULL;
    UINT64 length = 0;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetReplyProgress(job, &progress);
    ok(hr == E_NOTIMPL, "type %d: GetReplyProgress: %#lx, expected E_NOTIMPL\n", (int)type, hr);
    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == E_NOTIMPL, "type %d: GetReplyData: %#lx, expected E_NOTIMPL\n", (int)type, hr);
    if (SUCCEEDED(hr))
        CoTaskMemFree(data);
    hr = IBackgroundCopyJob2_GetReplyFileName(job, &reply_name);
    ok(hr == E_NOTIMPL, "type %d: GetReplyFileName: %#lx, expected E_NOTIMPL\n", (int)type, hr);
    if (SUCCEEDED(hr))
        CoTaskMemFree(reply_name);
    bt_scratch_path(name, &args, L"reply_never.bin");
    hr = IBackgroundCopyJob2_SetReplyFileName(job, name);
    ok(hr == E_NOTIMPL, "type %d: SetReplyFileName: %#lx, expected E_NOTIMPL\n", (int)type, hr);
    drop_job(job);
}

/* A NULL [out] pointer is refused either by the method (E_INVALIDARG) or,
 * since BITS is out of process, already by the COM proxy: the pointers are
 * [ref] in the BITS IDL and a NULL [ref] pointer never reaches the server
 * (RPC_X_NULL_REF_POINTER), on Windows as under Wine.  GetReplyData's
 * length is [unique] but also sizes the buffer, so NULL there is not
 * something a proxy can carry and is not tried. */
static BOOL null_refused(HRESULT hr, const char *call)
{
    if (hr == HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER))
        trace("%s: refused by the COM proxy\n", call);
    return hr == E_INVALIDARG || hr == HRESULT_FROM_WIN32(RPC_X_NULL_REF_POINTER);
}

static void test_null_arguments(void)
{
    IBackgroundCopyJob2 *job = new_job(BG_JOB_TYPE_UPLOAD_REPLY);
    UINT64 length = 0;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_GetReplyProgress(job, NULL);
    ok(null_refused(hr, "GetReplyProgress(NULL)"), "GetReplyProgress(NULL): %#lx, expected E_INVALIDARG\n", hr);
    hr = IBackgroundCopyJob2_GetReplyData(job, NULL, &length);
    ok(null_refused(hr, "GetReplyData(NULL, &length)"), "GetReplyData(NULL, &length): %#lx, expected E_INVALIDARG\n", hr);
    hr = IBackgroundCopyJob2_GetReplyFileName(job, NULL);
    ok(null_refused(hr, "GetReplyFileName(NULL)"), "GetReplyFileName(NULL): %#lx, expected E_INVALIDARG\n", hr);
    drop_job(job);
}

static void test_upload_one_file(BG_JOB_TYPE type)
{
    IBackgroundCopyJob2 *job = new_job(type);
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    HRESULT hr;

    if (!job)
        return;
    add_source(job, type == BG_JOB_TYPE_UPLOAD ? L"/upload/one.bin" : L"/reply/digest/one.bin",
               L"one.bin");
    bt_url(url, &args, L"/upload/two.bin");
    bt_scratch_path(local, &args, L"two.bin");
    ok(bt_write_pattern_file(local, 10, 4), "cannot write %ls\n", local);
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == (HRESULT)BG_E_TOO_MANY_FILES, "type %d: second AddFile: %#lx, expected BG_E_TOO_MANY_FILES\n",
       (int)type, hr);
    drop_job(job);
}

static void test_relative_local_name(void)
{
    IBackgroundCopyJob2 *job = new_job(BG_JOB_TYPE_UPLOAD);
    WCHAR url[BT_URL_MAX];
    HRESULT hr;

    if (!job)
        return;
    bt_url(url, &args, L"/upload/relative.bin");
    hr = IBackgroundCopyJob2_AddFile(job, url, L"relative.bin");
    ok(hr == E_INVALIDARG, "AddFile with a relative local name: %#lx, expected E_INVALIDARG\n", hr);
    drop_job(job);
}

static void test_resume_empty(void)
{
    IBackgroundCopyJob2 *job = new_job(BG_JOB_TYPE_UPLOAD_REPLY);
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == (HRESULT)BG_E_EMPTY, "Resume without files: %#lx, expected BG_E_EMPTY\n", hr);
    hr = IBackgroundCopyJob2_GetState(job, &state);
    ok(hr == S_OK && state == BG_JOB_STATE_SUSPENDED, "state after failed Resume: %s (%#lx)\n",
       bt_state_name(state), hr);
    drop_job(job);
}

static void test_complete_before_transferred(void)
{
    IBackgroundCopyJob2 *job = new_job(BG_JOB_TYPE_UPLOAD);
    HRESULT hr;

    if (!job)
        return;
    add_source(job, L"/upload/early.bin", L"early.bin");
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "Complete of a suspended upload: %#lx, expected "
       "BG_E_INVALID_STATE\n", hr);
    drop_job(job);
}

static void test_complete_after_cancel(void)
{
    IBackgroundCopyJob2 *job = new_job(BG_JOB_TYPE_UPLOAD_REPLY);
    BYTE *data = NULL;
    UINT64 length = 0;
    HRESULT hr;

    if (!job)
        return;
    add_source(job, L"/reply/digest/cancelled.bin", L"cancelled.bin");
    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "GetReplyData of a suspended job: %#lx, expected "
       "BG_E_INVALID_STATE\n", hr);
    hr = IBackgroundCopyJob2_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "Complete after Cancel: %#lx, expected BG_E_INVALID_STATE\n", hr);
    IBackgroundCopyJob2_Release(job);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, FALSE, &manager))
        return 2;
    if (manager) {
        test_reply_methods_not_implemented(BG_JOB_TYPE_DOWNLOAD);
        test_reply_methods_not_implemented(BG_JOB_TYPE_UPLOAD);
        test_null_arguments();
        test_upload_one_file(BG_JOB_TYPE_UPLOAD);
        test_upload_one_file(BG_JOB_TYPE_UPLOAD_REPLY);
        test_relative_local_name();
        test_resume_empty();
        test_complete_before_transferred();
        test_complete_after_cancel();
    }
    return bt_end(manager);
}
