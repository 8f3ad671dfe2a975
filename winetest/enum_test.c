/*
 * IEnumBackgroundCopyJobs and IEnumBackgroundCopyFiles: Next (S_FALSE when
 * fewer than asked, E_INVALIDARG for celt > 1 without pceltFetched), Skip,
 * Reset, Clone, GetCount; the queue is shared between processes (a second
 * instance of this program creates and looks up jobs); finished jobs are
 * neither enumerated nor found by GetJob.
 *
 * usage: enum_test.exe <server base url> <scratch dir> [<server root>]
 *        enum_test.exe --child <job GUID> <server base url> <scratch dir>
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

static struct bt_args args;
static IBackgroundCopyManager *manager;

static BOOL job_id(IBackgroundCopyJob *job, GUID *id)
{
    return SUCCEEDED(IBackgroundCopyJob_GetId(job, id));
}

/* Position of 'id' in a fresh EnumJobs(flags), or -1. */
static int find_in_queue(DWORD flags, const GUID *id, ULONG *count)
{
    IEnumBackgroundCopyJobs *jobs = NULL;
    IBackgroundCopyJob *job;
    ULONG fetched, i = 0;
    int found = -1;
    GUID got;
    HRESULT hr;

    *count = 0;
    hr = IBackgroundCopyManager_EnumJobs(manager, flags, &jobs);
    if (!ok(hr == S_OK, "EnumJobs(%#lx): %#lx\n", flags, hr))
        return -1;
    IEnumBackgroundCopyJobs_GetCount(jobs, count);
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, &fetched) == S_OK && fetched == 1) {
        if (job_id(job, &got) && IsEqualGUID(&got, id))
            found = (int)i;
        IBackgroundCopyJob_Release(job);
        i++;
    }
    ok(i == *count, "Next gave %lu jobs, GetCount said %lu\n", i, *count);
    IEnumBackgroundCopyJobs_Release(jobs);
    return found;
}

static void test_job_enumerator(void)
{
    IBackgroundCopyJob2 *mine[3];
    IEnumBackgroundCopyJobs *jobs = NULL, *clone = NULL;
    IBackgroundCopyJob *got[8] = { 0 }, *first = NULL, *again = NULL;
    GUID ids[3], a, b;
    ULONG count = 0, fetched, i, clone_count = 0;
    HRESULT hr;

    for (i = 0; i < 3; i++) {
        mine[i] = ct_new_job(manager, L"enum job", BG_JOB_TYPE_DOWNLOAD);
        if (!mine[i] || FAILED(IBackgroundCopyJob2_GetId(mine[i], &ids[i]))) {
            while (i--)
                ct_drop_job(mine[i]);
            return;
        }
    }
    hr = IBackgroundCopyManager_EnumJobs(manager, 0, &jobs);
    if (!ok(hr == S_OK && jobs, "EnumJobs: %#lx\n", hr))
        goto out;
    hr = IEnumBackgroundCopyJobs_GetCount(jobs, &count);
    ok(hr == S_OK && count >= 3, "GetCount: %#lx %lu, expected at least our 3 jobs\n", hr, count);
    for (i = 0; i < 3; i++) {
        ULONG n;
        ok(find_in_queue(0, &ids[i], &n) >= 0, "job %lu is not enumerated\n", i);
    }

    /* Next: E_INVALIDARG for celt > 1 without pceltFetched */
    hr = IEnumBackgroundCopyJobs_Next(jobs, 2, got, NULL);
    ok(hr == E_INVALIDARG, "Next(2, NULL fetched): %#lx, expected E_INVALIDARG\n", hr);
    hr = IEnumBackgroundCopyJobs_Next(jobs, 1, &first, NULL);
    ok(hr == S_OK && first, "Next(1, NULL fetched): %#lx\n", hr);
    hr = IEnumBackgroundCopyJobs_Reset(jobs);
    ok(hr == S_OK, "Reset: %#lx\n", hr);
    hr = IEnumBackgroundCopyJobs_Next(jobs, 1, &again, NULL);
    ok(hr == S_OK && again && first && job_id(first, &a) && job_id(again, &b) && IsEqualGUID(&a, &b),
       "Next after Reset did not give the first job again (%#lx)\n", hr);
    if (again)
        IBackgroundCopyJob_Release(again);
    again = NULL;

    /* Clone keeps the position, then moves on its own. */
    hr = IEnumBackgroundCopyJobs_Clone(jobs, &clone);
    ok(hr == S_OK && clone, "Clone: %#lx\n", hr);
    if (clone) {
        IEnumBackgroundCopyJobs_GetCount(clone, &clone_count);
        ok(clone_count == count, "clone counts %lu, original %lu\n", clone_count, count);
        if (count >= 2) {
            IBackgroundCopyJob *from_clone = NULL, *from_original = NULL;
            hr = IEnumBackgroundCopyJobs_Next(clone, 1, &from_clone, NULL);
            IEnumBackgroundCopyJobs_Next(jobs, 1, &from_original, NULL);
            ok(hr == S_OK && from_clone && from_original && job_id(from_clone, &a) &&
               job_id(from_original, &b) && IsEqualGUID(&a, &b),
               "the clone is not at the original's position\n");
            if (from_clone)
                IBackgroundCopyJob_Release(from_clone);
            if (from_original)
                IBackgroundCopyJob_Release(from_original);
            IEnumBackgroundCopyJobs_Reset(clone);
        }
    }

    /* S_FALSE when fewer than asked are left; fetched says how many */
    IEnumBackgroundCopyJobs_Reset(jobs);
    hr = IEnumBackgroundCopyJobs_Skip(jobs, count - 1);
    ok(hr == S_OK, "Skip(count - 1): %#lx\n", hr);
    fetched = 99;
    hr = IEnumBackgroundCopyJobs_Next(jobs, 3, got, &fetched);
    ok(hr == S_FALSE && fetched == 1, "Next(3) with one left: %#lx, fetched %lu, expected S_FALSE, 1\n",
       hr, fetched);
    for (i = 0; i < fetched && i < 3; i++)
        IBackgroundCopyJob_Release(got[i]);
    fetched = 99;
    hr = IEnumBackgroundCopyJobs_Next(jobs, 1, got, &fetched);
    ok(hr == S_FALSE && fetched == 0, "Next at the end: %#lx, fetched %lu, expected S_FALSE, 0\n", hr,
       fetched);
    hr = IEnumBackgroundCopyJobs_Skip(jobs, 1);
    ok(hr == S_FALSE, "Skip at the end: %#lx, expected S_FALSE\n", hr);
    IEnumBackgroundCopyJobs_Reset(jobs);
    hr = IEnumBackgroundCopyJobs_Skip(jobs, count + 5);
    ok(hr == S_FALSE, "Skip past the end: %#lx, expected S_FALSE\n", hr);
    fetched = 99;
    hr = IEnumBackgroundCopyJobs_Next(jobs, 1, got, &fetched);
    ok(hr == S_FALSE && fetched == 0, "Next after skipping past the end: %#lx, %lu\n", hr, fetched);
    if (clone) {
        /* the clone did not move with the original */
        fetched = 0;
        hr = IEnumBackgroundCopyJobs_Next(clone, 1, got, &fetched);
        ok(hr == S_OK && fetched == 1, "the clone moved with the original: %#lx %lu\n", hr, fetched);
        if (fetched == 1)
            IBackgroundCopyJob_Release(got[0]);
        IEnumBackgroundCopyJobs_Release(clone);
    }
    hr = IEnumBackgroundCopyJobs_GetCount(jobs, NULL);
    ok(ct_null_refused(hr), "GetCount(NULL): %#lx\n", hr);
    if (first)
        IBackgroundCopyJob_Release(first);
    IEnumBackgroundCopyJobs_Release(jobs);
out:
    for (i = 0; i < 3; i++)
        ct_drop_job(mine[i]);
}

static void test_finished_jobs_hidden(void)
{
    IBackgroundCopyJob2 *cancelled = ct_new_job(manager, L"enum cancelled", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob2 *completed = ct_new_job(manager, L"enum completed", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob *found = NULL;
    WCHAR url[BT_URL_MAX], local[MAX_PATH];
    GUID id_cancelled, id_completed, unknown;
    ULONG count;
    HRESULT hr;

    if (!cancelled || !completed) {
        ct_drop_job(cancelled);
        ct_drop_job(completed);
        return;
    }
    IBackgroundCopyJob2_GetId(cancelled, &id_cancelled);
    IBackgroundCopyJob2_GetId(completed, &id_completed);
    hr = IBackgroundCopyManager_GetJob(manager, &id_cancelled, &found);
    ok(hr == S_OK && found, "GetJob of a live job: %#lx\n", hr);
    if (found) {
        GUID got;
        ok(job_id(found, &got) && IsEqualGUID(&got, &id_cancelled), "GetJob gave another job\n");
        IBackgroundCopyJob_Release(found);
        found = NULL;
    }
    bt_url(url, &args, L"/files/never.bin");
    bt_scratch_path(local, &args, L"enum_never.bin");
    IBackgroundCopyJob2_AddFile(completed, url, local);
    hr = IBackgroundCopyJob2_Cancel(cancelled);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Complete(completed);
    ok(SUCCEEDED(hr), "Complete: %#lx\n", hr);

    ok(find_in_queue(0, &id_cancelled, &count) < 0, "a cancelled job is enumerated\n");
    ok(find_in_queue(0, &id_completed, &count) < 0, "an acknowledged job is enumerated\n");
    hr = IBackgroundCopyManager_GetJob(manager, &id_cancelled, &found);
    ok(hr == (HRESULT)BG_E_NOT_FOUND && !found, "GetJob of a cancelled job: %#lx, expected "
       "BG_E_NOT_FOUND\n", hr);
    hr = IBackgroundCopyManager_GetJob(manager, &id_completed, &found);
    ok(hr == (HRESULT)BG_E_NOT_FOUND && !found, "GetJob of an acknowledged job: %#lx, expected "
       "BG_E_NOT_FOUND\n", hr);
    CoCreateGuid(&unknown);
    hr = IBackgroundCopyManager_GetJob(manager, &unknown, &found);
    ok(hr == (HRESULT)BG_E_NOT_FOUND && !found, "GetJob of an unknown GUID: %#lx, expected "
       "BG_E_NOT_FOUND\n", hr);
    IBackgroundCopyJob2_Release(cancelled);
    IBackgroundCopyJob2_Release(completed);
}

static void test_all_users(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"enum all users", BG_JOB_TYPE_DOWNLOAD);
    IEnumBackgroundCopyJobs *jobs = NULL;
    ULONG count;
    GUID id;
    HRESULT hr;

    if (!job)
        return;
    IBackgroundCopyJob2_GetId(job, &id);
    /* Administrators see every user's jobs; others get E_ACCESSDENIED. */
    hr = IBackgroundCopyManager_EnumJobs(manager, BG_JOB_ENUM_ALL_USERS, &jobs);
    ok(hr == S_OK || hr == E_ACCESSDENIED, "EnumJobs(ALL_USERS): %#lx\n", hr);
    if (jobs) {
        IEnumBackgroundCopyJobs_Release(jobs);
        ok(find_in_queue(BG_JOB_ENUM_ALL_USERS, &id, &count) >= 0,
           "EnumJobs(ALL_USERS) misses the caller's own job\n");
    }
    ct_drop_job(job);
}

static void test_file_enumerator(void)
{
    static const WCHAR *names[3] = { L"/files/e0.bin", L"/files/e1.bin", L"/files/e2.bin" };
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"enum files", BG_JOB_TYPE_DOWNLOAD);
    IEnumBackgroundCopyFiles *files = NULL, *clone = NULL;
    IBackgroundCopyFile *got[4] = { 0 };
    WCHAR url[BT_URL_MAX], local[MAX_PATH], *name;
    ULONG count = 0, fetched, i;
    HRESULT hr;

    if (!job)
        return;
    hr = IBackgroundCopyJob2_EnumFiles(job, &files);
    ok(hr == S_OK && files, "EnumFiles of an empty job: %#lx\n", hr);
    if (files) {
        IEnumBackgroundCopyFiles_GetCount(files, &count);
        ok(count == 0, "empty job: %lu files\n", count);
        fetched = 99;
        hr = IEnumBackgroundCopyFiles_Next(files, 1, got, &fetched);
        ok(hr == S_FALSE && fetched == 0, "Next on an empty job: %#lx %lu\n", hr, fetched);
        IEnumBackgroundCopyFiles_Release(files);
        files = NULL;
    }
    for (i = 0; i < 3; i++) {
        bt_url(url, &args, names[i]);
        swprintf(local, MAX_PATH, L"%ls\\enum%lu.bin", args.scratch, i);
        hr = IBackgroundCopyJob2_AddFile(job, url, local);
        ok(hr == S_OK, "AddFile: %#lx\n", hr);
    }
    hr = IBackgroundCopyJob2_EnumFiles(job, &files);
    if (!ok(hr == S_OK && files, "EnumFiles: %#lx\n", hr)) {
        ct_drop_job(job);
        return;
    }
    hr = IEnumBackgroundCopyFiles_GetCount(files, &count);
    ok(hr == S_OK && count == 3, "GetCount: %#lx %lu\n", hr, count);
    hr = IEnumBackgroundCopyFiles_Next(files, 2, got, NULL);
    ok(hr == E_INVALIDARG, "Next(2, NULL fetched): %#lx, expected E_INVALIDARG\n", hr);
    fetched = 0;
    hr = IEnumBackgroundCopyFiles_Next(files, 4, got, &fetched);
    ok(hr == S_FALSE && fetched == 3, "Next(4) of 3 files: %#lx, %lu\n", hr, fetched);
    for (i = 0; i < fetched && i < 4; i++) {
        name = NULL;
        bt_url(url, &args, names[i]);
        hr = IBackgroundCopyFile_GetRemoteName(got[i], &name);
        ok(hr == S_OK && name && !wcscmp(name, url), "file %lu is %ls, expected %ls (order of "
           "AddFile)\n", i, name ? name : L"(null)", url);
        CoTaskMemFree(name);
        IBackgroundCopyFile_Release(got[i]);
    }
    IEnumBackgroundCopyFiles_Reset(files);
    hr = IEnumBackgroundCopyFiles_Skip(files, 2);
    ok(hr == S_OK, "Skip(2): %#lx\n", hr);
    hr = IEnumBackgroundCopyFiles_Clone(files, &clone);
    ok(hr == S_OK && clone, "Clone: %#lx\n", hr);
    hr = IEnumBackgroundCopyFiles_Skip(files, 2);
    ok(hr == S_FALSE, "Skip(2) with one left: %#lx, expected S_FALSE\n", hr);
    if (clone) {
        fetched = 0;
        hr = IEnumBackgroundCopyFiles_Next(clone, 1, got, &fetched);
        ok(hr == S_OK && fetched == 1, "Next on the clone: %#lx %lu\n", hr, fetched);
        if (fetched == 1) {
            name = NULL;
            bt_url(url, &args, names[2]);
            IBackgroundCopyFile_GetRemoteName(got[0], &name);
            ok(name && !wcscmp(name, url), "the clone is at %ls, expected the third file\n",
               name ? name : L"(null)");
            CoTaskMemFree(name);
            IBackgroundCopyFile_Release(got[0]);
        }
        IEnumBackgroundCopyFiles_Release(clone);
    }
    IEnumBackgroundCopyFiles_Release(files);
    ct_drop_job(job);
}

/* ---- two processes ---- */

#define CHILD_NAME L"enum job of the child"

/* The child: sees the parent's job, creates one the parent must see. */
static int child_main(const char *guid_text)
{
    IBackgroundCopyJob *job = NULL;
    IBackgroundCopyJob2 *mine;
    WCHAR text[64], *name = NULL, path[MAX_PATH];
    GUID parent_id, child_id;
    HANDLE file;
    DWORD written;
    char out[64];
    HRESULT hr;

    MultiByteToWideChar(CP_ACP, 0, guid_text, -1, text, ARRAYSIZE(text));
    if (!ok(CLSIDFromString(text, &parent_id) == S_OK, "child: bad GUID %s\n", guid_text))
        return winetest_summary();
    hr = IBackgroundCopyManager_GetJob(manager, &parent_id, &job);
    ok(hr == S_OK && job, "child: GetJob of the parent's job: %#lx\n", hr);
    if (job) {
        hr = IBackgroundCopyJob_GetDisplayName(job, &name);
        ok(hr == S_OK && name && !wcscmp(name, L"enum job of the parent"), "child: the parent's "
           "job is called %ls\n", name ? name : L"(null)");
        CoTaskMemFree(name);
        IBackgroundCopyJob_Release(job);
    }
    mine = ct_new_job(manager, CHILD_NAME, BG_JOB_TYPE_DOWNLOAD);
    if (mine && SUCCEEDED(IBackgroundCopyJob2_GetId(mine, &child_id))) {
        StringFromGUID2(&child_id, text, ARRAYSIZE(text));
        WideCharToMultiByte(CP_ACP, 0, text, -1, out, sizeof(out), NULL, NULL);
        bt_scratch_path(path, &args, L"child_job.txt");
        file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        ok(file != INVALID_HANDLE_VALUE, "child: cannot write %ls\n", path);
        if (file != INVALID_HANDLE_VALUE) {
            WriteFile(file, out, (DWORD)strlen(out), &written, NULL);
            CloseHandle(file);
        }
        /* left in the queue on purpose: the parent looks it up and cancels it */
        IBackgroundCopyJob2_Release(mine);
    }
    return winetest_summary();
}

static void test_second_process(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"enum job of the parent", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob *child_job = NULL;
    WCHAR exe[MAX_PATH], cmdline[2 * MAX_PATH + BT_URL_MAX + 64], text[64], path[MAX_PATH];
    char guid[64] = "";
    PROCESS_INFORMATION pi;
    STARTUPINFOW si;
    DWORD code = 1, got = 0;
    GUID id, child_id;
    ULONG count;
    HANDLE file;
    HRESULT hr;

    if (!job)
        return;
    IBackgroundCopyJob2_GetId(job, &id);
    StringFromGUID2(&id, text, ARRAYSIZE(text));
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    swprintf(cmdline, ARRAYSIZE(cmdline), L"\"%ls\" --child %ls %ls \"%ls\"", exe, text,
             args.base_url, args.scratch);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (ok(CreateProcessW(exe, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi),
           "CreateProcess(%ls): %lu\n", cmdline, GetLastError())) {
        ok(WaitForSingleObject(pi.hProcess, BT_WAIT_MS) == WAIT_OBJECT_0, "the child did not end\n");
        GetExitCodeProcess(pi.hProcess, &code);
        ok(code == 0, "the child process failed (exit %lu)\n", code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    bt_scratch_path(path, &args, L"child_job.txt");
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (ok(file != INVALID_HANDLE_VALUE, "the child left no job id\n")) {
        ReadFile(file, guid, sizeof(guid) - 1, &got, NULL);
        guid[got] = 0;
        CloseHandle(file);
        MultiByteToWideChar(CP_ACP, 0, guid, -1, text, ARRAYSIZE(text));
        if (ok(CLSIDFromString(text, &child_id) == S_OK, "bad child job id %s\n", guid)) {
            ok(find_in_queue(0, &child_id, &count) >= 0, "the child's job is not enumerated here\n");
            hr = IBackgroundCopyManager_GetJob(manager, &child_id, &child_job);
            ok(hr == S_OK && child_job, "GetJob of the child's job: %#lx\n", hr);
            if (child_job) {
                hr = IBackgroundCopyJob_Cancel(child_job);
                ok(hr == S_OK, "Cancel of the child's job: %#lx\n", hr);
                IBackgroundCopyJob_Release(child_job);
            }
        }
    }
    ct_drop_job(job);
}

int main(int argc, char **argv)
{
    BOOL child = argc == 5 && !strcmp(argv[1], "--child");
    char *child_argv[3];
    HRESULT hr;
    int status;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (child) {
        child_argv[0] = argv[0];
        child_argv[1] = argv[3];
        child_argv[2] = argv[4];
        if (!bt_parse_args(3, child_argv, &args))
            return 2;
    } else if (!bt_parse_args(argc, argv, &args)) {
        return 2;
    }
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    ok(hr == S_OK, "CoInitializeEx(MTA): %#lx\n", hr);
    manager = bt_create_manager();
    if (!manager) {
        CoUninitialize();
        return winetest_summary();
    }
    if (child) {
        status = child_main(argv[2]);
        IBackgroundCopyManager_Release(manager);
        CoUninitialize();
        return status;
    }
    test_job_enumerator();
    test_finished_jobs_hidden();
    test_all_users();
    test_file_enumerator();
    test_second_process();
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    return winetest_summary();
}
