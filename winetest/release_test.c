/*
 * Calls followed at once by the release of the object called: the pattern
 * of short-lived clients such as bitsadmin (GetJob, one getter, Release,
 * exit).  For each interface the service hands out, a round takes the only
 * live object of that interface, calls one method on it and releases it
 * right away, many times over.  Every call must come back; afterwards a new
 * client must still be served.
 *
 * Under Wine the release of the last stub of an interface unregisters the
 * interface in the server while the reply of the call just made may not yet
 * be accounted for; a server that lets that happen can hang the release for
 * ever, and with it every later client.  This program must then fail (its
 * liveness guard fires) instead of passing.  The hang is a race: against a
 * qmgr.dll without the interface pins (dlls/qmgr/pins.c) this program hung
 * in 3 of 4 runs on a freshly started service (2 CPUs, loaded machine);
 * with the pins it passed every run.
 *
 * The rounds run at the same time, one client thread each, as several
 * programs using BITS at once would; that is when the hang shows.  Each
 * client thread is its own single-threaded apartment with its own manager:
 * Wine's proxy code is not safe against threads of one apartment creating
 * and destroying proxies of one server at once (the client would crash,
 * not the service).  The main thread only watches.
 *
 * usage: release_test.exe <server base url> <scratch dir> [<server root>]
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>

#define ROUNDS          2000
#define GUARD_MS        240000  /* liveness guard for all rounds, never a pass criterion */

static struct bt_args args;
static GUID job_id;                     /* a job in ERROR with one file */
/* Each client thread's own; not held during the manager round. */
static __thread IBackgroundCopyManager *manager;

typedef BOOL (*round_fn)(void);


static IBackgroundCopyJob *get_job(void)
{
    IBackgroundCopyJob *job = NULL;
    HRESULT hr = IBackgroundCopyManager_GetJob(manager, &job_id, &job);

    ok(hr == S_OK && job, "GetJob: %#lx\n", hr);
    return hr == S_OK ? job : NULL;
}

static BOOL round_job(void)
{
    IBackgroundCopyJob *job = get_job();
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return FALSE;
    hr = IBackgroundCopyJob_GetState(job, &state);
    IBackgroundCopyJob_Release(job);
    return ok(hr == S_OK && state == BG_JOB_STATE_ERROR, "GetState: %#lx, state %d\n", hr,
              (int)state);
}

static BOOL round_job2(void)
{
    IBackgroundCopyJob *job = get_job();
    IBackgroundCopyJob2 *job2 = NULL;
    WCHAR *program = NULL, *parameters = NULL;
    HRESULT hr;

    if (!job)
        return FALSE;
    hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2);
    IBackgroundCopyJob_Release(job);
    if (!ok(hr == S_OK, "QueryInterface(IBackgroundCopyJob2): %#lx\n", hr))
        return FALSE;
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job2, &program, &parameters);
    IBackgroundCopyJob2_Release(job2);
    CoTaskMemFree(program);
    CoTaskMemFree(parameters);
    return ok(hr == S_OK, "GetNotifyCmdLine: %#lx\n", hr);
}

static BOOL round_enum_jobs(void)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    ULONG count = 0;
    HRESULT hr;

    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    if (!ok(hr == S_OK && jobs, "EnumJobs: %#lx\n", hr))
        return FALSE;
    hr = IEnumBackgroundCopyJobs_GetCount(jobs, &count);
    IEnumBackgroundCopyJobs_Release(jobs);
    return ok(hr == S_OK && count >= 1, "GetCount: %#lx, %lu jobs\n", hr, count);
}

static IEnumBackgroundCopyFiles *get_files(void)
{
    IBackgroundCopyJob *job = get_job();
    IEnumBackgroundCopyFiles *files = NULL;
    HRESULT hr;

    if (!job)
        return NULL;
    hr = IBackgroundCopyJob_EnumFiles(job, &files);
    IBackgroundCopyJob_Release(job);
    ok(hr == S_OK && files, "EnumFiles: %#lx\n", hr);
    return hr == S_OK ? files : NULL;
}

static BOOL round_enum_files(void)
{
    IEnumBackgroundCopyFiles *files = get_files();
    ULONG count = 0;
    HRESULT hr;

    if (!files)
        return FALSE;
    hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
    IEnumBackgroundCopyFiles_Release(files);
    return ok(hr == S_OK && count == 1, "GetCount: %#lx, %lu files\n", hr, count);
}

static BOOL round_file(void)
{
    IEnumBackgroundCopyFiles *files = get_files();
    IBackgroundCopyFile *file = NULL;
    BG_FILE_PROGRESS progress;
    ULONG fetched = 0;
    HRESULT hr;

    if (!files)
        return FALSE;
    hr = IEnumBackgroundCopyFiles_Next(files, 1, &file, &fetched);
    IEnumBackgroundCopyFiles_Release(files);
    if (!ok(hr == S_OK && fetched == 1 && file, "Next: %#lx, %lu files\n", hr, fetched))
        return FALSE;
    hr = IBackgroundCopyFile_GetProgress(file, &progress);
    IBackgroundCopyFile_Release(file);
    return ok(hr == S_OK && !progress.Completed, "GetProgress: %#lx\n", hr);
}

static BOOL round_error(void)
{
    IBackgroundCopyJob *job = get_job();
    IBackgroundCopyError *error = NULL;
    BG_ERROR_CONTEXT context;
    HRESULT hr, code;

    if (!job)
        return FALSE;
    hr = IBackgroundCopyJob_GetError(job, &error);
    IBackgroundCopyJob_Release(job);
    if (!ok(hr == S_OK && error, "GetError: %#lx\n", hr))
        return FALSE;
    hr = IBackgroundCopyError_GetError(error, &context, &code);
    IBackgroundCopyError_Release(error);
    return ok(hr == S_OK && context == BG_ERROR_CONTEXT_REMOTE_FILE,
              "IBackgroundCopyError::GetError: %#lx, context %d\n", hr, (int)context);
}

/* Runs while this program holds no manager, so that each round's manager
 * is the only live one. */
static BOOL round_manager(void)
{
    IBackgroundCopyManager *mgr = NULL;
    WCHAR *text = NULL;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                          &IID_IBackgroundCopyManager, (void **)&mgr);
    if (!ok(hr == S_OK, "CoCreateInstance: %#lx\n", hr))
        return FALSE;
    hr = IBackgroundCopyManager_GetErrorDescription(mgr, BG_E_NOT_FOUND, LANG_NEUTRAL, &text);
    IBackgroundCopyManager_Release(mgr);
    CoTaskMemFree(text);
    return ok(hr == S_OK, "GetErrorDescription: %#lx\n", hr);
}

/* One round: an interface and the client code that takes its only live
 * object, calls it and releases it. */
struct round
{
    const char *name;
    round_fn fn;
    LONG times;
    BOOL holds_manager;     /* FALSE: the round's own manager is the only one */
};

/* The manager round runs last, when this program holds no other manager. */
static const struct round rounds[] =
{
    { "IBackgroundCopyJob", round_job, ROUNDS, TRUE },
    { "IBackgroundCopyJob2", round_job2, ROUNDS, TRUE },
    { "IEnumBackgroundCopyJobs", round_enum_jobs, ROUNDS, TRUE },
    { "IEnumBackgroundCopyFiles", round_enum_files, ROUNDS, TRUE },
    { "IBackgroundCopyFile", round_file, ROUNDS, TRUE },
    { "IBackgroundCopyError", round_error, ROUNDS, TRUE },
    { "IBackgroundCopyManager", round_manager, ROUNDS / 4, FALSE },
};

static void run_round(const struct round *round)
{
    LONG i;

    for (i = 0; i < round->times; i++) {
        if (!round->fn()) {
            trace("round %s stopped at iteration %ld\n", round->name, i);
            break;
        }
    }
}

/* A download job whose only file does not exist on the server: it ends in
 * ERROR, so jobs, files and errors can all be asked for. */
static BOOL make_error_job(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"release test", BG_JOB_TYPE_DOWNLOAD);
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return FALSE;
    bt_url(url, &args, L"/files/release_test_missing.bin");
    bt_scratch_path(local, &args, L"release_test.bin");
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    if (hr == S_OK)
        hr = IBackgroundCopyJob2_GetId(job, &job_id);
    if (hr == S_OK)
        hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "GetId/Resume: %#lx\n", hr);
    state = hr == S_OK ? bt_wait_for_job(job) : BG_JOB_STATE_SUSPENDED;
    ok(state == BG_JOB_STATE_ERROR, "job in state %s, expected ERROR\n", bt_state_name(state));
    IBackgroundCopyJob2_Release(job);
    return state == BG_JOB_STATE_ERROR;
}

static void cancel_error_job(void)
{
    IBackgroundCopyJob *job = get_job();

    if (!job)
        return;
    ok(IBackgroundCopyJob_Cancel(job) == S_OK, "Cancel failed\n");
    IBackgroundCopyJob_Release(job);
}

/* Where the client is, for the report when the guard fires. */
static const char *volatile stage = "setup";
static volatile LONG rounds_done[ARRAYSIZE(rounds)];

static DWORD WINAPI round_thread(void *param)
{
    size_t i = (size_t)param;
    HRESULT hr;

    /* S_FALSE for the manager round, which runs on the client thread. */
    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    ok(SUCCEEDED(hr), "CoInitializeEx(STA): %#lx\n", hr);
    if (!rounds[i].holds_manager)
        run_round(&rounds[i]);
    else if ((manager = bt_create_manager())) {
        run_round(&rounds[i]);
        IBackgroundCopyManager_Release(manager);
        manager = NULL;
    }
    CoUninitialize();
    rounds_done[i] = 1;
    return 0;
}

/* The rounds that hold a manager, all at once. */
static void run_rounds_together(void)
{
    HANDLE threads[ARRAYSIZE(rounds)];
    DWORD count = 0;
    size_t i;

    for (i = 0; i < ARRAYSIZE(rounds); i++) {
        if (!rounds[i].holds_manager)
            continue;
        if (!ok((threads[count] = CreateThread(NULL, 0, round_thread, (void *)i, 0, NULL)) != NULL,
                "CreateThread: %lu\n", GetLastError()))
            continue;
        count++;
    }
    WaitForMultipleObjects(count, threads, TRUE, INFINITE);
    while (count--)
        CloseHandle(threads[count]);
}

static DWORD WINAPI client_thread(void *unused)
{
    BOOL made = FALSE;
    HRESULT hr;
    size_t i;

    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    ok(hr == S_OK, "CoInitializeEx(STA): %#lx\n", hr);
    if ((manager = bt_create_manager())) {
        made = make_error_job();
        IBackgroundCopyManager_Release(manager);
        manager = NULL;
    }
    if (made) {
        stage = "rounds";
        run_rounds_together();
        /* Then the manager round, with no other manager in this program. */
        for (i = 0; i < ARRAYSIZE(rounds); i++) {
            if (rounds[i].holds_manager)
                continue;
            stage = rounds[i].name;
            round_thread((void *)i);
        }
        /* The service still serves a new client after all of that. */
        stage = "cleanup";
        if ((manager = bt_create_manager())) {
            cancel_error_job();
            IBackgroundCopyManager_Release(manager);
            manager = NULL;
        }
    }
    CoUninitialize();
    return 0;
}

static void report_stuck_rounds(void)
{
    size_t i;

    trace("stuck in %s\n", stage);
    for (i = 0; i < ARRAYSIZE(rounds); i++)
        if (!rounds_done[i])
            trace("round %s did not finish\n", rounds[i].name);
}

int main(int argc, char **argv)
{
    HANDLE thread;
    DWORD wait;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!bt_parse_args(argc, argv, &args))
        return 2;
    thread = CreateThread(NULL, 0, client_thread, NULL, 0, NULL);
    if (!ok(thread != NULL, "CreateThread: %lu\n", GetLastError()))
        return winetest_summary();
    wait = WaitForSingleObject(thread, GUARD_MS);
    if (!ok(wait == WAIT_OBJECT_0, "a call into BITS never returned\n")) {
        report_stuck_rounds();
        /* The client threads are stuck inside COM: leave without them. */
        ExitProcess(winetest_summary());
    }
    CloseHandle(thread);
    return winetest_summary();
}
