/*
 * Notifications seen by a Windows program: an IBackgroundCopyCallback2
 * object of this (multithreaded-apartment) program registered with
 * SetNotifyInterface gets, across processes through the proxy/stub DLL,
 *  - FileTransferred once per file, with an IBackgroundCopyFile whose
 *    GetLocalName and GetProgress describe that file, before JobTransferred;
 *  - JobModification during the transfer, coalesced (a slow callback gets
 *    one call for many progress steps) and never for the TRANSFERRED
 *    transition;
 *  - JobTransferred once, or again after MinimumRetryDelay when it failed;
 * and the notify flags are honoured: no FileTransferred without
 * BG_NOTIFY_FILE_TRANSFERRED, nothing with BG_NOTIFY_DISABLE, no
 * FileTransferred for a version 1 callback.  An upload-reply job gets
 * FileTransferred for its file too.  Last, the same program as a
 * single-threaded apartment with a message loop: every call arrives on
 * that thread.  (reference/BITS.md B.1, B.6)
 *
 * usage: callbacks_test.exe <server base url> <scratch dir> <server root>
 * Files to download are written to <server root>\files\<name>.
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <initguid.h>
#include <bits2_0.h>
#include <bits2_5.h>
#include <bits3_0.h>

#define ALL_FLAGS (BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR | BG_NOTIFY_JOB_MODIFICATION | \
                   BG_NOTIFY_FILE_TRANSFERRED)
#define MAX_RECORDED    8
/* How long a negative check ("no call came") waits for a call that should
 * not come; never a pass criterion for a call that should. */
#define QUIET_MS        1500

static struct bt_args args;
static IBackgroundCopyManager *manager;

/* What one FileTransferred call saw. */
struct file_call {
    WCHAR local[MAX_PATH];
    BG_FILE_PROGRESS progress;
    HRESULT hr;
    LONG transferred_before;    /* JobTransferred calls made before this one */
};

/* What one JobModification call saw when it arrived. */
struct mod_call {
    BG_JOB_STATE state;
    BG_JOB_PROGRESS progress;
};

struct callback {
    IBackgroundCopyCallback2 IBackgroundCopyCallback2_iface;
    LONG ref;
    BOOL version1;              /* QueryInterface refuses IBackgroundCopyCallback2 */
    LONG fail_transferred;      /* JobTransferred answers E_FAIL this many times */
    BOOL slow_modification;     /* JobModification works until a file more is done */
    DWORD home_thread;          /* STA: the only thread calls may arrive on (0: any) */
    LONG foreign_thread_calls;
    HANDLE transferred;         /* manual-reset: JobTransferred answered S_OK */
    HANDLE error;
    LONG transferred_calls, error_calls, modification_calls, file_calls;
    LONG modifications_after_transferred;
    struct file_call files[MAX_RECORDED];
    struct mod_call mods[MAX_RECORDED];
};

static struct callback *impl_from_IBackgroundCopyCallback2(IBackgroundCopyCallback2 *iface)
{
    return CONTAINING_RECORD(iface, struct callback, IBackgroundCopyCallback2_iface);
}

/* Counts a call that arrived outside the object's apartment thread. */
static void check_thread(struct callback *cb)
{
    if (cb->home_thread && GetCurrentThreadId() != cb->home_thread)
        InterlockedIncrement(&cb->foreign_thread_calls);
}

static HRESULT STDMETHODCALLTYPE callback_QueryInterface(IBackgroundCopyCallback2 *iface,
                                                         REFIID riid, void **out)
{
    struct callback *cb = impl_from_IBackgroundCopyCallback2(iface);

    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IBackgroundCopyCallback) ||
        (!cb->version1 && IsEqualIID(riid, &IID_IBackgroundCopyCallback2))) {
        *out = iface;
        IBackgroundCopyCallback2_AddRef(iface);
        return S_OK;
    }
    *out = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE callback_AddRef(IBackgroundCopyCallback2 *iface)
{
    return InterlockedIncrement(&impl_from_IBackgroundCopyCallback2(iface)->ref);
}

static ULONG STDMETHODCALLTYPE callback_Release(IBackgroundCopyCallback2 *iface)
{
    struct callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    LONG ref = InterlockedDecrement(&cb->ref);

    if (!ref) {
        CloseHandle(cb->transferred);
        CloseHandle(cb->error);
        HeapFree(GetProcessHeap(), 0, cb);
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE callback_JobTransferred(IBackgroundCopyCallback2 *iface,
                                                         IBackgroundCopyJob *job)
{
    struct callback *cb = impl_from_IBackgroundCopyCallback2(iface);

    check_thread(cb);
    InterlockedIncrement(&cb->transferred_calls);
    if (InterlockedDecrement(&cb->fail_transferred) >= 0)
        return E_FAIL;
    SetEvent(cb->transferred);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE callback_JobError(IBackgroundCopyCallback2 *iface,
                                                   IBackgroundCopyJob *job,
                                                   IBackgroundCopyError *error)
{
    struct callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    BG_ERROR_CONTEXT context = 0;
    HRESULT code = S_OK;

    check_thread(cb);
    if (error)
        IBackgroundCopyError_GetError(error, &context, &code);
    trace("JobError: %#lx, context %d\n", code, (int)context);
    InterlockedIncrement(&cb->error_calls);
    SetEvent(cb->error);
    return S_OK;
}

/* A program that works for a while on each JobModification: it returns
 * only once another file is done (or the job left the transfer), so every
 * progress step in between must be folded into one later call. */
static void work_until_next_file(IBackgroundCopyJob *job, ULONG files_done)
{
    DWORD start = GetTickCount();
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state;

    while (GetTickCount() - start < BT_WAIT_MS) {
        if (FAILED(IBackgroundCopyJob_GetState(job, &state)) ||
            FAILED(IBackgroundCopyJob_GetProgress(job, &progress)))
            return;
        if (progress.FilesTransferred > files_done ||
            (state != BG_JOB_STATE_SUSPENDED && state != BG_JOB_STATE_QUEUED &&
             state != BG_JOB_STATE_CONNECTING && state != BG_JOB_STATE_TRANSFERRING))
            return;
        Sleep(20);
    }
}

static HRESULT STDMETHODCALLTYPE callback_JobModification(IBackgroundCopyCallback2 *iface,
                                                          IBackgroundCopyJob *job, DWORD reserved)
{
    struct callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    LONG n = InterlockedIncrement(&cb->modification_calls) - 1;
    struct mod_call seen;

    check_thread(cb);
    if (cb->transferred_calls)
        InterlockedIncrement(&cb->modifications_after_transferred);
    memset(&seen, 0, sizeof(seen));
    seen.state = (BG_JOB_STATE)-1;
    IBackgroundCopyJob_GetState(job, &seen.state);
    IBackgroundCopyJob_GetProgress(job, &seen.progress);
    if (n < MAX_RECORDED)
        cb->mods[n] = seen;
    if (cb->slow_modification)
        work_until_next_file(job, seen.progress.FilesTransferred);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE callback_FileTransferred(IBackgroundCopyCallback2 *iface,
                                                          IBackgroundCopyJob *job,
                                                          IBackgroundCopyFile *file)
{
    struct callback *cb = impl_from_IBackgroundCopyCallback2(iface);
    LONG n = InterlockedIncrement(&cb->file_calls) - 1;
    struct file_call *call;
    WCHAR *name = NULL;

    check_thread(cb);
    if (n >= MAX_RECORDED)
        return S_OK;
    call = &cb->files[n];
    call->transferred_before = cb->transferred_calls;
    if (!file) {
        call->hr = E_POINTER;
        return S_OK;
    }
    call->hr = IBackgroundCopyFile_GetLocalName(file, &name);
    if (SUCCEEDED(call->hr) && name)
        lstrcpynW(call->local, name, MAX_PATH);
    CoTaskMemFree(name);
    if (SUCCEEDED(call->hr))
        call->hr = IBackgroundCopyFile_GetProgress(file, &call->progress);
    return S_OK;
}

static IBackgroundCopyCallback2Vtbl callback_vtbl = {
    callback_QueryInterface,
    callback_AddRef,
    callback_Release,
    callback_JobTransferred,
    callback_JobError,
    callback_JobModification,
    callback_FileTransferred,
};

static struct callback *callback_create(void)
{
    struct callback *cb = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*cb));

    if (!ok(cb != NULL, "out of memory\n"))
        return NULL;
    cb->IBackgroundCopyCallback2_iface.lpVtbl = &callback_vtbl;
    cb->ref = 1;
    cb->transferred = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb->error = CreateEventW(NULL, TRUE, FALSE, NULL);
    return cb;
}

static void callback_release(struct callback *cb)
{
    if (cb)
        IBackgroundCopyCallback2_Release(&cb->IBackgroundCopyCallback2_iface);
}

/* ---- jobs ---- */

/* A download job of 'count' files of 'size' bytes served by bits-server,
 * with 'cb' registered for 'flags'; not resumed.  locals[] gets the local
 * names. */
static IBackgroundCopyJob2 *download_job_of(IBackgroundCopyManager *mgr, const WCHAR *tag,
                                            unsigned count, DWORD size, struct callback *cb,
                                            ULONG flags, WCHAR locals[][MAX_PATH])
{
    IBackgroundCopyJob2 *job = ct_new_job(mgr, tag, BG_JOB_TYPE_DOWNLOAD);
    WCHAR name[64], path[MAX_PATH], url[BT_URL_MAX];
    unsigned i;
    HRESULT hr;

    if (!job)
        return NULL;
    for (i = 0; i < count; i++) {
        swprintf(name, ARRAYSIZE(name), L"%ls_%u.bin", tag, i);
        ct_served_path(path, &args, name);
        ok(bt_write_pattern_file(path, size, 11 * i + 5), "cannot write %ls\n", path);
        swprintf(path, MAX_PATH, L"/files/%ls", name);
        bt_url(url, &args, path);
        bt_scratch_path(locals[i], &args, name);
        DeleteFileW(locals[i]);
        hr = IBackgroundCopyJob2_AddFile(job, url, locals[i]);
        ok(hr == S_OK, "AddFile(%ls): %#lx\n", url, hr);
    }
    hr = IBackgroundCopyJob2_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback2_iface);
    ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, flags);
    ok(hr == S_OK, "SetNotifyFlags(%#lx): %#lx\n", flags, hr);
    return job;
}

static IBackgroundCopyJob2 *download_job(const WCHAR *tag, unsigned count, DWORD size,
                                         struct callback *cb, ULONG flags,
                                         WCHAR locals[][MAX_PATH])
{
    return download_job_of(manager, tag, count, size, cb, flags, locals);
}

/* Waits for a successful JobTransferred (JobError or the guard timeout
 * end the wait); TRUE when it came. */
static BOOL wait_transferred(struct callback *cb, IBackgroundCopyJob2 *job)
{
    HANDLE events[2] = { cb->transferred, cb->error };
    DWORD wait = WaitForMultipleObjects(2, events, FALSE, BT_WAIT_MS);

    if (wait == WAIT_TIMEOUT)
        bt_wait_for_job(job);   /* reports where the job is stuck */
    return ok(wait == WAIT_OBJECT_0, "JobTransferred was not delivered (wait %#lx, JobError calls "
              "%ld, JobTransferred calls %ld)\n", wait, cb->error_calls, cb->transferred_calls);
}

static void complete(IBackgroundCopyJob2 *job)
{
    HRESULT hr = IBackgroundCopyJob2_Complete(job);

    ok(hr == S_OK, "Complete: %#lx\n", hr);
}

/* Index of the local name a FileTransferred call reported; -1 if none. */
static int which_file(const struct file_call *call, WCHAR locals[][MAX_PATH], unsigned count)
{
    unsigned i;

    for (i = 0; i < count; i++)
        if (!_wcsicmp(call->local, locals[i]))
            return (int)i;
    return -1;
}

/* Every FileTransferred call named a different file of the job, with its
 * full progress, before JobTransferred. */
static void check_file_calls(struct callback *cb, WCHAR locals[][MAX_PATH], unsigned count,
                             DWORD size)
{
    BOOL seen[MAX_RECORDED] = { FALSE };
    const struct file_call *call;
    LONG i;
    int index;

    ok(cb->file_calls == (LONG)count, "FileTransferred called %ld times, expected %u\n",
       cb->file_calls, count);
    for (i = 0; i < cb->file_calls && i < MAX_RECORDED; i++) {
        call = &cb->files[i];
        if (!ok(call->hr == S_OK, "FileTransferred %ld: file methods failed: %#lx\n", i, call->hr))
            continue;
        index = which_file(call, locals, count);
        ok(index >= 0, "FileTransferred %ld: local name %ls is no file of the job\n", i, call->local);
        if (index >= 0) {
            ok(!seen[index], "FileTransferred twice for %ls\n", call->local);
            seen[index] = TRUE;
        }
        ok(call->progress.BytesTotal == size && call->progress.BytesTransferred == size &&
           call->progress.Completed, "FileTransferred %ld (%ls): progress %llu/%llu completed %d, "
           "expected %lu/%lu completed\n", i, call->local, call->progress.BytesTransferred,
           call->progress.BytesTotal, call->progress.Completed, size, size);
        ok(call->transferred_before == 0, "FileTransferred %ld (%ls) came after JobTransferred\n",
           i, call->local);
    }
}

/* ---- tests ---- */

/* All four notifications with a slow JobModification: three files at a
 * throttled rate, so many progress steps happen while the program works. */
static void test_all_notifications(void)
{
    WCHAR locals[3][MAX_PATH], served[MAX_PATH], name[64];
    const DWORD size = 2560 * 1024;
    struct callback *cb = callback_create();
    ULONGLONG last_bytes = 0;
    IBackgroundCopyJob2 *job;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state = BG_JOB_STATE_ERROR;
    char local_hash[65], served_hash[65];
    LONG mods, i, during = 0;
    unsigned steps = 0;
    HRESULT hr;

    if (!cb)
        return;
    cb->slow_modification = TRUE;
    job = download_job(L"cb_all", 3, size, cb, ALL_FLAGS, locals);
    if (!job) {
        callback_release(cb);
        return;
    }
    /* 7.5 MiB at about 5000 KiB/s: the data comes in slices every 50 ms,
     * and bitsd's progress moves with every MiB it writes */
    ct_server_control(&args, "throttle_kbps=5000");
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    for (;;) {
        if (FAILED(IBackgroundCopyJob2_GetProgress(job, &progress)))
            break;
        if (progress.BytesTransferred != last_bytes) {
            steps++;
            last_bytes = progress.BytesTransferred;
        }
        state = ct_state(job);
        if (state != BG_JOB_STATE_QUEUED && state != BG_JOB_STATE_CONNECTING &&
            state != BG_JOB_STATE_TRANSFERRING)
            break;
        Sleep(20);
    }
    ct_server_control(&args, "throttle_kbps=0");
    ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));
    trace("%u progress steps seen by polling\n", steps);
    ok(steps >= 3, "only %u progress steps seen; the throttled transfer was not observable\n", steps);

    if (wait_transferred(cb, job)) {
        ok(cb->transferred_calls == 1, "JobTransferred called %ld times\n", cb->transferred_calls);
        /* anything sent before the transition has been delivered by now */
        mods = cb->modification_calls;
        trace("%ld JobModification calls\n", mods);
        ok(mods >= 1, "JobModification was never called\n");
        /* One call per file at most while the program works (plus one for
         * the start): 3 files, many more progress steps. */
        ok(mods <= 5, "JobModification called %ld times for a program that works until the next "
           "file is done: not coalesced\n", mods);
        for (i = 0; i < mods && i < MAX_RECORDED; i++) {
            const struct mod_call *m = &cb->mods[i];
            trace("JobModification %ld: %s, %llu bytes, %lu files\n", i, bt_state_name(m->state),
                  m->progress.BytesTransferred, m->progress.FilesTransferred);
            if ((m->state == BG_JOB_STATE_TRANSFERRING || m->state == BG_JOB_STATE_CONNECTING ||
                 m->state == BG_JOB_STATE_QUEUED) && m->progress.FilesTransferred < 3)
                during++;
        }
        ok(during >= 1, "no JobModification arrived while the job was transferring\n");
        check_file_calls(cb, locals, 3, size);
        Sleep(QUIET_MS);
        ok(cb->modifications_after_transferred == 0, "%ld JobModification calls after "
           "JobTransferred (the TRANSFERRED transition)\n", cb->modifications_after_transferred);
        ok(cb->transferred_calls == 1, "JobTransferred called %ld times\n", cb->transferred_calls);
    }
    ok(cb->error_calls == 0, "JobError called %ld times\n", cb->error_calls);
    complete(job);
    for (i = 0; i < 3; i++) {
        swprintf(name, ARRAYSIZE(name), L"cb_all_%ld.bin", i);
        ct_served_path(served, &args, name);
        ok(bt_file_sha256(locals[i], local_hash) && bt_file_sha256(served, served_hash) &&
           !strcmp(local_hash, served_hash), "%ls differs from the served file\n", locals[i]);
    }
    ct_drop_job(job);
    callback_release(cb);
}

/* Without BG_NOTIFY_FILE_TRANSFERRED an IBackgroundCopyCallback2 gets no
 * FileTransferred; the other notifications still come. */
static void test_no_file_flag(void)
{
    WCHAR locals[3][MAX_PATH];
    struct callback *cb = callback_create();
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (!cb)
        return;
    job = download_job(L"cb_nofile", 3, 20000, cb, ALL_FLAGS & ~BG_NOTIFY_FILE_TRANSFERRED, locals);
    if (job) {
        hr = IBackgroundCopyJob2_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        if (wait_transferred(cb, job)) {
            /* FileTransferred would have come before JobTransferred */
            ok(cb->file_calls == 0, "FileTransferred called %ld times without "
               "BG_NOTIFY_FILE_TRANSFERRED\n", cb->file_calls);
            ok(cb->transferred_calls == 1, "JobTransferred called %ld times\n", cb->transferred_calls);
            complete(job);
        }
        ct_drop_job(job);
    }
    callback_release(cb);
}

/* BG_NOTIFY_DISABLE wins over every other flag: no callback at all. */
static void test_disabled(void)
{
    WCHAR locals[2][MAX_PATH];
    struct callback *cb = callback_create();
    IBackgroundCopyJob2 *job;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!cb)
        return;
    job = download_job(L"cb_disabled", 2, 20000, cb, BG_NOTIFY_DISABLE | ALL_FLAGS, locals);
    if (job) {
        hr = IBackgroundCopyJob2_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        state = bt_wait_for_job(job);
        ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));
        Sleep(QUIET_MS);
        ok(!cb->transferred_calls && !cb->error_calls && !cb->modification_calls && !cb->file_calls,
           "BG_NOTIFY_DISABLE: JobTransferred %ld, JobError %ld, JobModification %ld, "
           "FileTransferred %ld calls, expected none\n", cb->transferred_calls, cb->error_calls,
           cb->modification_calls, cb->file_calls);
        complete(job);
        ct_drop_job(job);
    }
    callback_release(cb);
}

/* An IBackgroundCopyCallback (version 1) object with every flag: no
 * FileTransferred, and JobTransferred still comes, once. */
static void test_version1_callback(void)
{
    WCHAR locals[2][MAX_PATH];
    struct callback *cb = callback_create();
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (!cb)
        return;
    cb->version1 = TRUE;
    job = download_job(L"cb_v1", 2, 20000, cb, ALL_FLAGS, locals);
    if (job) {
        hr = IBackgroundCopyJob2_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        if (wait_transferred(cb, job)) {
            ok(cb->file_calls == 0, "FileTransferred called %ld times on a version 1 callback\n",
               cb->file_calls);
            ok(cb->transferred_calls == 1, "JobTransferred called %ld times\n", cb->transferred_calls);
            ok(cb->error_calls == 0, "JobError called %ld times\n", cb->error_calls);
            complete(job);
            ok(ct_state(job) == BG_JOB_STATE_ACKNOWLEDGED, "job not ACKNOWLEDGED after Complete\n");
        }
        ct_drop_job(job);
    }
    callback_release(cb);
}

/* A JobTransferred that fails is called again after MinimumRetryDelay
 * (BITS.md B.6); the job stays TRANSFERRED meanwhile. */
static void test_failed_callback_retried(void)
{
    WCHAR locals[1][MAX_PATH];
    struct callback *cb = callback_create();
    IBackgroundCopyJob2 *job;
    BG_JOB_STATE state;
    DWORD start;
    HRESULT hr;

    if (!cb)
        return;
    cb->fail_transferred = 1;
    job = download_job(L"cb_retry", 1, 20000, cb, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR,
                       locals);
    if (job) {
        hr = IBackgroundCopyJob2_SetMinimumRetryDelay(job, 5);
        ok(hr == S_OK, "SetMinimumRetryDelay(5): %#lx\n", hr);
        hr = IBackgroundCopyJob2_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        state = bt_wait_for_job(job);
        ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));
        start = GetTickCount();
        while (!cb->transferred_calls && GetTickCount() - start < BT_WAIT_MS)
            Sleep(20);
        ok(cb->transferred_calls >= 1, "JobTransferred was never called\n");
        ok(ct_state(job) == BG_JOB_STATE_TRANSFERRED, "job left TRANSFERRED after a failed "
           "JobTransferred\n");
        if (wait_transferred(cb, job))
            ok(cb->transferred_calls == 2, "JobTransferred called %ld times, expected 2 (one "
               "failure, one retry)\n", cb->transferred_calls);
        complete(job);
        ct_drop_job(job);
    }
    callback_release(cb);
}

/* An upload-reply job: FileTransferred for its one file (the upload), then
 * JobTransferred once the reply is in. */
static void test_upload_reply(void)
{
    WCHAR locals[1][MAX_PATH], url[BT_URL_MAX];
    const DWORD size = 30000;
    struct callback *cb = callback_create();
    IBackgroundCopyJob2 *job;
    BYTE *reply = NULL;
    UINT64 length = 0;
    HRESULT hr;

    if (!cb)
        return;
    job = ct_new_job(manager, L"cb_reply", BG_JOB_TYPE_UPLOAD_REPLY);
    if (job) {
        bt_scratch_path(locals[0], &args, L"cb_reply.bin");
        ok(bt_write_pattern_file(locals[0], size, 77), "cannot write %ls\n", locals[0]);
        bt_url(url, &args, L"/reply/digest/cb_reply.bin");
        hr = IBackgroundCopyJob2_AddFile(job, url, locals[0]);
        ok(hr == S_OK, "AddFile(%ls): %#lx\n", url, hr);
        hr = IBackgroundCopyJob2_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback2_iface);
        ok(hr == S_OK, "SetNotifyInterface: %#lx\n", hr);
        hr = IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                                BG_NOTIFY_FILE_TRANSFERRED);
        ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
        hr = IBackgroundCopyJob2_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        if (wait_transferred(cb, job)) {
            check_file_calls(cb, locals, 1, size);
            hr = IBackgroundCopyJob2_GetReplyData(job, &reply, &length);
            ok(hr == S_OK && length == 64, "GetReplyData: %#lx, %llu bytes, expected the 64-byte "
               "digest\n", hr, length);
            CoTaskMemFree(reply);
            complete(job);
        }
        ct_drop_job(job);
    }
    callback_release(cb);
}

/* Waits for JobTransferred (or JobError) while dispatching this
 * single-threaded apartment's messages; TRUE when it came. */
static BOOL pump_until_transferred(struct callback *cb, IBackgroundCopyJob2 *job)
{
    HANDLE events[2] = { cb->transferred, cb->error };
    DWORD start = GetTickCount(), wait, elapsed;
    MSG msg;

    for (;;) {
        elapsed = GetTickCount() - start;
        if (elapsed >= BT_WAIT_MS) {
            wait = WAIT_TIMEOUT;
            break;
        }
        wait = MsgWaitForMultipleObjects(2, events, FALSE, BT_WAIT_MS - elapsed, QS_ALLINPUT);
        if (wait != WAIT_OBJECT_0 + 2)
            break;
        while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
    }
    if (wait == WAIT_TIMEOUT)
        bt_wait_for_job(job);
    return ok(wait == WAIT_OBJECT_0, "STA: JobTransferred was not delivered (wait %#lx, JobError "
              "calls %ld)\n", wait, cb->error_calls);
}

/* A single-threaded-apartment program with a message loop: every
 * notification arrives on its thread, FileTransferred once per file. */
static void test_apartment_thread(void)
{
    WCHAR locals[3][MAX_PATH];
    struct callback *cb = callback_create();
    IBackgroundCopyManager *sta_manager;
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (!cb)
        return;
    cb->home_thread = GetCurrentThreadId();
    sta_manager = bt_create_manager();
    job = sta_manager ? download_job_of(sta_manager, L"cb_sta", 3, 20000, cb, ALL_FLAGS, locals)
                      : NULL;
    if (job) {
        hr = IBackgroundCopyJob2_Resume(job);
        ok(hr == S_OK, "Resume: %#lx\n", hr);
        if (pump_until_transferred(cb, job)) {
            check_file_calls(cb, locals, 3, 20000);
            ok(cb->transferred_calls == 1, "STA: JobTransferred called %ld times\n",
               cb->transferred_calls);
            ok(cb->modification_calls >= 1, "STA: JobModification was never called\n");
            complete(job);
        }
        ok(cb->foreign_thread_calls == 0, "STA: %ld calls arrived on another thread than the "
           "apartment's\n", cb->foreign_thread_calls);
        ct_drop_job(job);
    }
    if (sta_manager)
        IBackgroundCopyManager_Release(sta_manager);
    callback_release(cb);
}

int main(int argc, char **argv)
{
    HRESULT hr;

    if (!bt_begin(argc, argv, &args, TRUE, &manager))
        return 2;
    if (manager) {
        test_all_notifications();
        test_no_file_flag();
        test_disabled();
        test_version1_callback();
        test_failed_callback_retried();
        test_upload_reply();
        IBackgroundCopyManager_Release(manager);
    }
    CoUninitialize();

    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    ok(hr == S_OK, "CoInitializeEx(STA): %#lx\n", hr);
    test_apartment_thread();
    return bt_end(NULL);
}
