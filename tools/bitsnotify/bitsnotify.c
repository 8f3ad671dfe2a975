/*
 * bitsnotify.exe: hands one job event to the job's notification CLSID
 * (BITS_JOB_PROPERTY_NOTIFICATION_CLSID).  bitsd runs it through wine in
 * the job owner's prefix when no callback registered with
 * SetNotifyInterface took the event (service/notify.c).
 *
 * As on Windows, the class is activated out of process
 * (CLSCTX_LOCAL_SERVER) and its IBackgroundCopyCallback methods get the job
 * as the BITS service serves it.  Being a Windows program itself, this one
 * starts the BITS service when Wine has ended svchost, and keeps wineserver
 * alive while the callback runs.
 *
 * usage: bitsnotify.exe {job} {clsid} transferred|error|modification
 *        bitsnotify.exe {job} {clsid} file <index>...
 *
 * Exit code: 0 the callback took the event (or the job is gone, so there is
 * nothing left to tell); otherwise bitsd tries the next route or again
 * after the job's MinimumRetryDelay.
 */
#define COBJMACROS
#include <windows.h>
#include <initguid.h>
#include <bits.h>
#include <bits3_0.h>
#include <bitsmsg.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

enum exit_code {
    EXIT_DELIVERED = 0,
    EXIT_CALLBACK_FAILED = 1,   /* the callback returned a failure */
    EXIT_USAGE = 2,
    EXIT_ACTIVATION_FAILED = 3, /* the CLSID could not be activated */
    EXIT_NO_SERVICE = 4,        /* BITS could not be reached */
    EXIT_TIMEOUT = 5,           /* the callback did not return in time */
};

/* A callback that never returns must not hold the event forever: bitsd
 * starts the next route only when this process has ended. */
#define CALLBACK_TIMEOUT_MS     (5 * 60 * 1000)

enum event { EVENT_TRANSFERRED, EVENT_ERROR, EVENT_MODIFICATION, EVENT_FILE };

struct request {
    GUID job;
    GUID clsid;
    enum event event;
    int nfiles;
    ULONG *files;
};

static void report(const char *what, HRESULT hr)
{
    fprintf(stderr, "bitsnotify: %s: 0x%08lx\n", what, (unsigned long)hr);
}

static BOOL parse_event(const WCHAR *word, enum event *event)
{
    static const struct { const WCHAR *word; enum event event; } words[] = {
        { L"transferred", EVENT_TRANSFERRED },
        { L"error", EVENT_ERROR },
        { L"modification", EVENT_MODIFICATION },
        { L"file", EVENT_FILE },
    };
    size_t i;

    for (i = 0; i < ARRAYSIZE(words); i++)
    {
        if (!wcscmp(word, words[i].word))
        {
            *event = words[i].event;
            return TRUE;
        }
    }
    return FALSE;
}

static BOOL parse_args(int argc, WCHAR **argv, struct request *req)
{
    WCHAR *end;
    int i;

    if (argc < 4 || FAILED(CLSIDFromString(argv[1], &req->job))
        || FAILED(CLSIDFromString(argv[2], &req->clsid)) || !parse_event(argv[3], &req->event))
        return FALSE;
    req->nfiles = argc - 4;
    if ((req->event == EVENT_FILE) != (req->nfiles > 0))
        return FALSE;
    if (!req->nfiles)
        return TRUE;
    if (!(req->files = calloc(req->nfiles, sizeof(*req->files))))
        return FALSE;
    for (i = 0; i < req->nfiles; i++)
    {
        req->files[i] = wcstoul(argv[4 + i], &end, 10);
        if (end == argv[4 + i] || *end)
            return FALSE;
    }
    return TRUE;
}

static HRESULT file_at(IBackgroundCopyJob *job, ULONG index, IBackgroundCopyFile **file)
{
    IEnumBackgroundCopyFiles *files;
    ULONG fetched = 0;
    HRESULT hr;

    *file = NULL;
    if (FAILED(hr = IBackgroundCopyJob_EnumFiles(job, &files)))
        return hr;
    if (index)
        hr = IEnumBackgroundCopyFiles_Skip(files, index);
    if (hr == S_OK)
        hr = IEnumBackgroundCopyFiles_Next(files, 1, file, &fetched);
    if (hr == S_FALSE || (SUCCEEDED(hr) && fetched != 1))
        hr = BG_E_FILE_NOT_AVAILABLE;
    IEnumBackgroundCopyFiles_Release(files);
    return hr;
}

static HRESULT call_file_transferred(IUnknown *sink, IBackgroundCopyJob *job,
                                     const struct request *req)
{
    IBackgroundCopyCallback2 *callback2;
    IBackgroundCopyFile *file;
    HRESULT hr, result = S_OK;
    int i;

    if (FAILED(hr = IUnknown_QueryInterface(sink, &IID_IBackgroundCopyCallback2,
                                            (void **)&callback2)))
        return hr;
    for (i = 0; i < req->nfiles; i++)
    {
        if (SUCCEEDED(hr = file_at(job, req->files[i], &file)))
        {
            hr = IBackgroundCopyCallback2_FileTransferred(callback2, job, file);
            IBackgroundCopyFile_Release(file);
        }
        if (FAILED(hr))
            result = hr;
    }
    IBackgroundCopyCallback2_Release(callback2);
    return result;
}

static HRESULT call_job_error(IBackgroundCopyCallback *callback, IBackgroundCopyJob *job)
{
    IBackgroundCopyError *error;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_GetError(job, &error)))
        return hr;
    hr = IBackgroundCopyCallback_JobError(callback, job, error);
    IBackgroundCopyError_Release(error);
    return hr;
}

static HRESULT call_callback(IUnknown *sink, IBackgroundCopyJob *job, const struct request *req)
{
    IBackgroundCopyCallback *callback;
    HRESULT hr;

    if (req->event == EVENT_FILE)
        return call_file_transferred(sink, job, req);
    if (FAILED(hr = IUnknown_QueryInterface(sink, &IID_IBackgroundCopyCallback,
                                            (void **)&callback)))
        return hr;
    switch (req->event)
    {
    case EVENT_TRANSFERRED:
        hr = IBackgroundCopyCallback_JobTransferred(callback, job);
        break;
    case EVENT_ERROR:
        hr = call_job_error(callback, job);
        break;
    default:
        hr = IBackgroundCopyCallback_JobModification(callback, job, 0);
        break;
    }
    IBackgroundCopyCallback_Release(callback);
    return hr;
}

static int deliver(const struct request *req)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob *job;
    IUnknown *sink;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&manager);
    if (FAILED(hr))
    {
        report("BITS manager", hr);
        return EXIT_NO_SERVICE;
    }
    hr = IBackgroundCopyManager_GetJob(manager, &req->job, &job);
    IBackgroundCopyManager_Release(manager);
    if (hr == (HRESULT)BG_E_NOT_FOUND)
        return EXIT_DELIVERED;  /* completed or cancelled meanwhile */
    if (FAILED(hr))
    {
        report("GetJob", hr);
        return EXIT_NO_SERVICE;
    }
    hr = CoCreateInstance(&req->clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)&sink);
    if (FAILED(hr))
    {
        report("activating the notification CLSID", hr);
        IBackgroundCopyJob_Release(job);
        return EXIT_ACTIVATION_FAILED;
    }
    hr = call_callback(sink, job, req);
    IUnknown_Release(sink);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
    {
        report("callback", hr);
        return EXIT_CALLBACK_FAILED;
    }
    return EXIT_DELIVERED;
}

static DWORD WINAPI watchdog(void *arg)
{
    Sleep(CALLBACK_TIMEOUT_MS);
    fprintf(stderr, "bitsnotify: no answer in %u s\n", CALLBACK_TIMEOUT_MS / 1000);
    ExitProcess(EXIT_TIMEOUT);
    return 0;
}

int wmain(int argc, WCHAR **argv)
{
    struct request req = { 0 };
    HANDLE thread;
    int rc;

    if (!parse_args(argc, argv, &req))
    {
        fprintf(stderr, "usage: bitsnotify.exe {job} {clsid} transferred|error|modification\n"
                        "       bitsnotify.exe {job} {clsid} file <index>...\n");
        return EXIT_USAGE;
    }
    if ((thread = CreateThread(NULL, 0, watchdog, NULL, 0, NULL)))
        CloseHandle(thread);
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return EXIT_NO_SERVICE;
    rc = deliver(&req);
    CoUninitialize();
    free(req.files);
    return rc;
}
