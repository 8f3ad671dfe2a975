/*
 * bitsbench.exe: times one BITS job through the installed BITS, as a Windows
 * program sees it.
 *
 *   bitsbench.exe upload-reply <url> <local file>
 *   bitsbench.exe upload <url> <local file>
 *   bitsbench.exe download <url> <local file>
 *
 * Prints "elapsed_ms <n>" (from Resume to the JobTransferred callback, as a
 * program that waits for BITS to tell it learns it) and "bytes <n>", then
 * completes the job and prints "complete_ms <n>" (the Complete call: for a
 * download that is where the files are made durable and take their names).
 * Exit status 0 on success.  The callback object is the conformance tests'
 * (winetest/bitstest.c).
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "bitstest.h"

static int fail(const char *what, HRESULT hr)
{
    fprintf(stderr, "bitsbench: %s failed: 0x%08lx\n", what, (unsigned long)hr);
    return 1;
}

static double now_ms(void)
{
    LARGE_INTEGER freq, t;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1000.0 / (double)freq.QuadPart;
}

int wmain(int argc, WCHAR **argv)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob *job;
    BG_JOB_TYPE type;
    BG_JOB_STATE state;
    BG_JOB_PROGRESS progress;
    struct bt_callback *cb;
    HANDLE events[2];
    GUID id;
    double start, elapsed;
    HRESULT hr;

    if (argc != 4) {
        fprintf(stderr, "usage: bitsbench.exe upload-reply|upload|download <url> <local file>\n");
        return 2;
    }
    if (!wcscmp(argv[1], L"upload-reply"))
        type = BG_JOB_TYPE_UPLOAD_REPLY;
    else if (!wcscmp(argv[1], L"upload"))
        type = BG_JOB_TYPE_UPLOAD;
    else if (!wcscmp(argv[1], L"download"))
        type = BG_JOB_TYPE_DOWNLOAD;
    else {
        fprintf(stderr, "bitsbench: unknown job type\n");
        return 2;
    }

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&manager);
    if (FAILED(hr))
        return fail("CoCreateInstance", hr);
    hr = IBackgroundCopyManager_CreateJob(manager, L"bitsbench", type, &id, &job);
    if (FAILED(hr))
        return fail("CreateJob", hr);
    hr = IBackgroundCopyJob_SetPriority(job, BG_JOB_PRIORITY_FOREGROUND);
    if (FAILED(hr))
        return fail("SetPriority", hr);
    hr = IBackgroundCopyJob_AddFile(job, argv[2], argv[3]);
    if (FAILED(hr))
        return fail("AddFile", hr);

    cb = bt_callback_create();
    if (!cb)
        return fail("bt_callback_create", E_OUTOFMEMORY);
    hr = IBackgroundCopyJob_SetNotifyInterface(job, (IUnknown *)&cb->IBackgroundCopyCallback_iface);
    if (FAILED(hr))
        return fail("SetNotifyInterface", hr);
    hr = IBackgroundCopyJob_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    if (FAILED(hr))
        return fail("SetNotifyFlags", hr);
    events[0] = cb->transferred;
    events[1] = cb->error;

    start = now_ms();
    hr = IBackgroundCopyJob_Resume(job);
    if (FAILED(hr))
        return fail("Resume", hr);
    /* JobTransferred ends the wait; the state is looked at now and then so
     * that a TRANSIENT_ERROR (which has no callback) fails the run too. */
    while (WaitForMultipleObjects(2, events, FALSE, 250) != WAIT_OBJECT_0) {
        hr = IBackgroundCopyJob_GetState(job, &state);
        if (FAILED(hr))
            return fail("GetState", hr);
        if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR) {
            IBackgroundCopyError *error;
            BG_ERROR_CONTEXT context = 0;
            HRESULT code = E_FAIL;
            if (SUCCEEDED(IBackgroundCopyJob_GetError(job, &error))) {
                IBackgroundCopyError_GetError(error, &context, &code);
                IBackgroundCopyError_Release(error);
            }
            fprintf(stderr, "bitsbench: job state %d, context %d\n", state, context);
            IBackgroundCopyJob_Cancel(job);
            return fail("transfer", code);
        }
    }
    elapsed = now_ms() - start;

    hr = IBackgroundCopyJob_GetProgress(job, &progress);
    if (FAILED(hr))
        return fail("GetProgress", hr);
    printf("elapsed_ms %.1f\n", elapsed);
    printf("bytes %llu\n", (unsigned long long)progress.BytesTransferred);
    start = now_ms();
    hr = IBackgroundCopyJob_Complete(job);
    if (FAILED(hr))
        return fail("Complete", hr);
    printf("complete_ms %.1f\n", now_ms() - start);
    IBackgroundCopyJob_Release(job);
    IBackgroundCopyManager_Release(manager);
    bt_callback_release(cb);
    CoUninitialize();
    return 0;
}
