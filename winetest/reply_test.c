/*
 * Upload-reply conformance: both ways of getting the reply, the 1 MB limit
 * of GetReplyData, reply progress, the empty reply, and the JobTransferred
 * callback in a multithreaded-apartment program.
 *
 * usage: reply_test.exe <server base url> <scratch dir>
 * The server is bits-server; /reply/digest/<name> answers with the
 * SHA-256 hex of the upload, /reply/bytes/<n>/<name> with n bytes where
 * byte i = i % 251, /reply/empty/<name> with nothing.
 */
#include "bitstest.h"

#include <stdio.h>
#include <string.h>

#define LARGE_REPLY 2097152u

static struct bt_args args;
static IBackgroundCopyManager *manager;

/* An UPLOAD_REPLY job with one file of 'size' bytes, not yet resumed. */
static IBackgroundCopyJob2 *reply_job(const WCHAR *remote, const WCHAR *local_name,
                                      DWORD size, unsigned seed, WCHAR *local)
{
    WCHAR url[BT_URL_MAX];
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    bt_url(url, &args, remote);
    bt_scratch_path(local, &args, local_name);
    if (!ok(bt_write_pattern_file(local, size, seed), "cannot write %ls\n", local))
        return NULL;
    hr = bt_create_job(manager, L"winebits reply test", BG_JOB_TYPE_UPLOAD_REPLY, &job);
    if (!ok(hr == S_OK, "CreateJob(UPLOAD_REPLY) failed: %#lx\n", hr))
        return NULL;
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile(%ls) failed: %#lx\n", url, hr);
    return job;
}

static void finish(IBackgroundCopyJob2 *job)
{
    BG_JOB_STATE state;

    /* Leave nothing in the queue for the next program. */
    if (SUCCEEDED(IBackgroundCopyJob2_GetState(job, &state)) &&
        state != BG_JOB_STATE_ACKNOWLEDGED && state != BG_JOB_STATE_CANCELLED)
        IBackgroundCopyJob2_Cancel(job);
    IBackgroundCopyJob2_Release(job);
}

static BOOL resume_and_wait(IBackgroundCopyJob2 *job)
{
    BG_JOB_STATE state;
    HRESULT hr;

    hr = IBackgroundCopyJob2_Resume(job);
    if (!ok(hr == S_OK, "Resume failed: %#lx\n", hr))
        return FALSE;
    state = bt_wait_for_job(job);
    return ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s, expected TRANSFERRED\n",
              bt_state_name(state));
}

/* Pattern 1: GetReplyData while TRANSFERRED.  Also: reply progress before
 * and after, GetReplyData before TRANSFERRED, and the source unchanged. */
static void test_reply_data(void)
{
    char source_before[65], source_after[65];
    BG_JOB_REPLY_PROGRESS progress;
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob2 *job;
    BYTE *data = (BYTE *)1;
    UINT64 length = 12345;
    HRESULT hr;

    job = reply_job(L"/reply/digest/data.bin", L"reply_data.bin", 100000, 3, local);
    if (!job)
        return;
    ok(bt_file_sha256(local, source_before), "cannot hash %ls\n", local);

    memset(&progress, 0xcc, sizeof(progress));
    hr = IBackgroundCopyJob2_GetReplyProgress(job, &progress);
    ok(hr == S_OK, "GetReplyProgress before Resume: %#lx\n", hr);
    ok(progress.BytesTotal == BG_SIZE_UNKNOWN, "reply BytesTotal before Resume is %#llx, "
       "expected BG_SIZE_UNKNOWN\n", progress.BytesTotal);

    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == (HRESULT)BG_E_INVALID_STATE, "GetReplyData before TRANSFERRED: %#lx, expected "
       "BG_E_INVALID_STATE\n", hr);

    if (!resume_and_wait(job)) {
        finish(job);
        return;
    }

    hr = IBackgroundCopyJob2_GetReplyProgress(job, &progress);
    ok(hr == S_OK, "GetReplyProgress after transfer: %#lx\n", hr);
    ok(progress.BytesTotal == 64, "reply BytesTotal %llu, expected 64\n", progress.BytesTotal);
    ok(progress.BytesTransferred == 64, "reply BytesTransferred %llu, expected 64\n",
       progress.BytesTransferred);

    data = NULL;
    length = 0;
    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == S_OK, "GetReplyData: %#lx\n", hr);
    ok(length == 64, "reply length %llu, expected 64\n", length);
    ok(bt_file_sha256(local, source_after), "cannot hash %ls\n", local);
    ok(!strcmp(source_before, source_after), "the upload source changed: %s -> %s\n",
       source_before, source_after);
    if (data && length == 64) {
        ok(!memcmp(data, source_before, 64), "reply %.64s is not the upload's SHA-256 %s\n",
           (const char *)data, source_before);
    }
    CoTaskMemFree(data);

    /* The reply stays readable after Complete (ACKNOWLEDGED). */
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    data = NULL;
    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == S_OK, "GetReplyData after Complete: %#lx\n", hr);
    ok(length == 64 && data && !memcmp(data, source_before, 64),
       "reply after Complete differs (length %llu)\n", length);
    CoTaskMemFree(data);
    finish(job);
}

/* Pattern 2: GetReplyFileName, Complete, then read the file. */
static void test_reply_file(void)
{
    char source_hash[65];
    WCHAR local[MAX_PATH], *reply_name = NULL;
    IBackgroundCopyJob2 *job;
    BYTE *contents;
    DWORD size;
    HRESULT hr;

    job = reply_job(L"/reply/digest/file.bin", L"reply_file.bin", 4321, 11, local);
    if (!job)
        return;
    ok(bt_file_sha256(local, source_hash), "cannot hash %ls\n", local);
    if (!resume_and_wait(job)) {
        finish(job);
        return;
    }
    hr = IBackgroundCopyJob2_GetReplyFileName(job, &reply_name);
    ok(hr == S_OK, "GetReplyFileName: %#lx\n", hr);
    ok(reply_name != NULL && reply_name[0], "no reply file name\n");
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    if (reply_name) {
        contents = bt_read_file(reply_name, &size);
        ok(contents != NULL, "cannot read the reply file %ls after Complete\n", reply_name);
        if (contents) {
            ok(size == 64, "reply file holds %lu bytes, expected 64\n", size);
            ok(size == 64 && !memcmp(contents, source_hash, 64),
               "reply file is not the upload's SHA-256 %s\n", source_hash);
        }
        bt_free(contents);
        CoTaskMemFree(reply_name);
    }
    finish(job);
}

static BOOL check_large_pattern(const BYTE *data, DWORD size)
{
    DWORD i;

    for (i = 0; i < size; i++)
        if (data[i] != (BYTE)(i % 251))
            return FALSE;
    return TRUE;
}

/* A 2 MB reply: GetReplyData refuses with the real length; the reply file
 * has every byte. */
static void test_reply_too_large(void)
{
    WCHAR local[MAX_PATH], *reply_name = NULL;
    BG_JOB_REPLY_PROGRESS progress;
    IBackgroundCopyJob2 *job;
    BYTE *data = (BYTE *)1, *contents;
    UINT64 length = 0;
    DWORD size;
    HRESULT hr;

    job = reply_job(L"/reply/bytes/2097152/large.bin", L"reply_large.bin", 1000, 5, local);
    if (!job)
        return;
    if (!resume_and_wait(job)) {
        finish(job);
        return;
    }
    hr = IBackgroundCopyJob2_GetReplyProgress(job, &progress);
    ok(hr == S_OK, "GetReplyProgress: %#lx\n", hr);
    ok(progress.BytesTotal == LARGE_REPLY && progress.BytesTransferred == LARGE_REPLY,
       "reply progress %llu/%llu, expected %u/%u\n", progress.BytesTransferred,
       progress.BytesTotal, LARGE_REPLY, LARGE_REPLY);

    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == (HRESULT)BG_E_TOO_LARGE, "GetReplyData of 2 MB: %#lx, expected BG_E_TOO_LARGE\n", hr);
    ok(data == NULL, "buffer %p, expected NULL\n", data);
    ok(length == LARGE_REPLY, "length %llu, expected %u\n", length, LARGE_REPLY);
    if (hr == S_OK)
        CoTaskMemFree(data);

    hr = IBackgroundCopyJob2_GetReplyFileName(job, &reply_name);
    ok(hr == S_OK && reply_name, "GetReplyFileName: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    if (reply_name) {
        contents = bt_read_file(reply_name, &size);
        ok(contents != NULL, "cannot read the reply file %ls\n", reply_name);
        if (contents) {
            ok(size == LARGE_REPLY, "reply file holds %lu bytes, expected %u\n", size, LARGE_REPLY);
            ok(check_large_pattern(contents, size), "reply file bytes differ from i %% 251\n");
        }
        bt_free(contents);
        CoTaskMemFree(reply_name);
    }
    finish(job);
}

/* No reply from the server application: S_OK, NULL buffer, length 0. */
static void test_reply_empty(void)
{
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob2 *job;
    BYTE *data = (BYTE *)1;
    UINT64 length = 99;
    HRESULT hr;

    job = reply_job(L"/reply/empty/empty.bin", L"reply_empty.bin", 777, 9, local);
    if (!job)
        return;
    if (!resume_and_wait(job)) {
        finish(job);
        return;
    }
    hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length);
    ok(hr == S_OK, "GetReplyData with no reply: %#lx\n", hr);
    ok(data == NULL, "buffer %p, expected NULL\n", data);
    ok(length == 0, "length %llu, expected 0\n", length);
    if (data && data != (BYTE *)1)
        CoTaskMemFree(data);
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    finish(job);
}

/* JobTransferred reaches a callback object of this MTA program. */
static void test_callback(void)
{
    struct bt_callback *cb = bt_callback_create();
    WCHAR local[MAX_PATH];
    IBackgroundCopyJob2 *job;
    HANDLE events[2];
    DWORD wait;
    HRESULT hr;

    if (!ok(cb != NULL, "out of memory\n"))
        return;
    job = reply_job(L"/reply/digest/callback.bin", L"reply_callback.bin", 2048, 1, local);
    if (!job) {
        bt_callback_release(cb);
        return;
    }
    hr = IBackgroundCopyJob2_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback_iface);
    ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);

    events[0] = cb->transferred;
    events[1] = cb->error;
    wait = WaitForMultipleObjects(2, events, FALSE, BT_WAIT_MS);
    ok(wait == WAIT_OBJECT_0, "JobTransferred was not delivered (wait %#lx, JobError calls %ld)\n",
       wait, cb->error_calls);
    ok(cb->error_calls == 0, "JobError was called %ld times\n", cb->error_calls);
    if (wait == WAIT_OBJECT_0) {
        hr = IBackgroundCopyJob2_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
    } else if (wait == WAIT_TIMEOUT) {
        bt_wait_for_job(job);  /* reports where the job is stuck */
    }
    finish(job);
    bt_callback_release(cb);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, FALSE, &manager))
        return 2;
    if (manager) {
        test_reply_data();
        test_reply_file();
        test_reply_too_large();
        test_reply_empty();
        test_callback();
    }
    return bt_end(manager);
}
