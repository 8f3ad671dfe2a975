/*
 * Download jobs against bits-server's /files/<name>: several files in one
 * job transferred in order, sizes unknown until learned, per-file progress,
 * data in a temporary file in the destination directory until Complete,
 * BG_S_PARTIAL_COMPLETE, resume after a broken connection without sending a
 * byte twice, a changed remote file restarting instead of being spliced,
 * a suspended job keeping its progress, 404 as an ERROR tied to the file,
 * and Cancel never deleting a file the user already had.
 *
 * usage: download_test.exe <server base url> <scratch dir> <server root>
 * Files to download are written to <server root>\files\<name>.
 */
#include "conform.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

static struct bt_args args;
static IBackgroundCopyManager *manager;

/* A file on the server with the pattern of 'seed'. */
static BOOL serve(const WCHAR *name, DWORD size, unsigned seed)
{
    WCHAR path[MAX_PATH];

    ct_served_path(path, &args, name);
    return ok(bt_write_pattern_file(path, size, seed), "cannot write %ls\n", path);
}

/* A fresh destination directory under the scratch directory. */
static void make_dir(WCHAR *out, const WCHAR *name)
{
    bt_scratch_path(out, &args, name);
    CreateDirectoryW(out, NULL);
}

static BOOL same_contents(const WCHAR *a, const WCHAR *b)
{
    char ha[65], hb[65];

    return bt_file_sha256(a, ha) && bt_file_sha256(b, hb) && !strcmp(ha, hb);
}

static BOOL exists(const WCHAR *path)
{
    return GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES;
}

/* Number of plain files matching dir\pattern. */
static int count_files(const WCHAR *dir, const WCHAR *pattern)
{
    WIN32_FIND_DATAW data;
    WCHAR spec[MAX_PATH];
    HANDLE find;
    int n = 0;

    swprintf(spec, MAX_PATH, L"%ls\\%ls", dir, pattern);
    find = FindFirstFileW(spec, &data);
    if (find == INVALID_HANDLE_VALUE)
        return 0;
    do
        if (!(data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
            n++;
    while (FindNextFileW(find, &data));
    FindClose(find);
    return n;
}

static HRESULT add(IBackgroundCopyJob2 *job, const WCHAR *name, const WCHAR *dir, const WCHAR *local_name)
{
    WCHAR url[BT_URL_MAX], path[BT_URL_MAX], local[MAX_PATH];

    swprintf(path, BT_URL_MAX, L"/files/%ls", name);
    bt_url(url, &args, path);
    swprintf(local, MAX_PATH, L"%ls\\%ls", dir, local_name);
    return IBackgroundCopyJob2_AddFile(job, url, local);
}

static IBackgroundCopyFile **get_files(IBackgroundCopyJob2 *job, ULONG *count)
{
    IEnumBackgroundCopyFiles *files = NULL;
    IBackgroundCopyFile **out = NULL;
    ULONG fetched = 0;
    HRESULT hr;

    *count = 0;
    hr = IBackgroundCopyJob2_EnumFiles(job, &files);
    if (!ok(hr == S_OK, "EnumFiles: %#lx\n", hr))
        return NULL;
    if (SUCCEEDED(IEnumBackgroundCopyFiles_GetCount(files, count)) && *count) {
        out = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, *count * sizeof(*out));
        hr = IEnumBackgroundCopyFiles_Next(files, *count, out, &fetched);
        ok(hr == S_OK && fetched == *count, "Next(%lu): %#lx, %lu fetched\n", *count, hr, fetched);
        *count = fetched;
    }
    IEnumBackgroundCopyFiles_Release(files);
    return out;
}

static void release_files(IBackgroundCopyFile **files, ULONG count)
{
    ULONG i;

    for (i = 0; files && i < count; i++)
        if (files[i])
            IBackgroundCopyFile_Release(files[i]);
    bt_free(files);
}

/* Files are transferred one after the other: a later file never has bytes
 * while an earlier one is unfinished; BytesTotal of the job is unknown or
 * the sum of all sizes, never a partial sum. */
static BOOL sample_order(IBackgroundCopyJob2 *job, IBackgroundCopyFile **files, ULONG count,
                         UINT64 total)
{
    BG_FILE_PROGRESS p[8];
    BG_JOB_PROGRESS jp;
    BOOL good = TRUE;
    ULONG i, j;

    for (i = 0; i < count && i < ARRAYSIZE(p); i++)
        if (FAILED(IBackgroundCopyFile_GetProgress(files[i], &p[i])))
            return FALSE;
    for (i = 0; i < count && i < ARRAYSIZE(p); i++)
        for (j = i + 1; j < count && j < ARRAYSIZE(p); j++)
            if (p[j].BytesTransferred && !p[i].Completed) {
                ok(0, "file %lu has %llu bytes while file %lu is unfinished (%llu/%llu)\n", j,
                   p[j].BytesTransferred, i, p[i].BytesTransferred, p[i].BytesTotal);
                good = FALSE;
            }
    if (SUCCEEDED(IBackgroundCopyJob2_GetProgress(job, &jp)) && jp.BytesTotal != BG_SIZE_UNKNOWN &&
        jp.BytesTotal != total) {
        ok(0, "job BytesTotal %llu is neither unknown nor the total %llu\n", jp.BytesTotal, total);
        good = FALSE;
    }
    return good;
}

static void test_multi_file(void)
{
    static const DWORD sizes[3] = { 150000, 0, 250000 };
    static const WCHAR *names[3] = { L"multi0.bin", L"multi1.bin", L"multi2.bin" };
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download multi", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyFile **files;
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH], *name;
    BG_FILE_PROGRESS fp;
    BG_JOB_PROGRESS jp;
    BG_JOB_TIMES times;
    BG_JOB_STATE state;
    UINT64 total = 0;
    ULONG count = 0, i;
    BOOL in_order = TRUE;
    HRESULT hr;

    if (!job)
        return;
    make_dir(dir, L"multi");
    for (i = 0; i < 3; i++) {
        serve(names[i], sizes[i], 3 + i);
        total += sizes[i];
        hr = add(job, names[i], dir, names[i]);
        ok(hr == S_OK, "AddFile(%ls): %#lx\n", names[i], hr);
    }
    hr = IBackgroundCopyJob2_GetProgress(job, &jp);
    ok(hr == S_OK && jp.BytesTotal == BG_SIZE_UNKNOWN && jp.BytesTransferred == 0 &&
       jp.FilesTotal == 3 && jp.FilesTransferred == 0,
       "progress before Resume: %#lx %llu/%llu bytes %lu/%lu files\n", hr, jp.BytesTransferred,
       jp.BytesTotal, jp.FilesTransferred, jp.FilesTotal);

    files = get_files(job, &count);
    ok(count == 3, "EnumFiles gave %lu files\n", count);
    for (i = 0; i < count; i++) {
        WCHAR expect_url[BT_URL_MAX], path[BT_URL_MAX];

        hr = IBackgroundCopyFile_GetProgress(files[i], &fp);
        ok(hr == S_OK && fp.BytesTotal == BG_SIZE_UNKNOWN && !fp.BytesTransferred && !fp.Completed,
           "file %lu before Resume: %#lx %llu/%llu %d\n", i, hr, fp.BytesTransferred, fp.BytesTotal,
           fp.Completed);
        swprintf(path, BT_URL_MAX, L"/files/%ls", names[i]);
        bt_url(expect_url, &args, path);
        name = NULL;
        hr = IBackgroundCopyFile_GetRemoteName(files[i], &name);
        ok(hr == S_OK && name && !wcscmp(name, expect_url), "file %lu remote name %ls\n", i,
           name ? name : L"(null)");
        CoTaskMemFree(name);
        name = NULL;
        swprintf(local, MAX_PATH, L"%ls\\%ls", dir, names[i]);
        hr = IBackgroundCopyFile_GetLocalName(files[i], &name);
        ok(hr == S_OK && name && !wcscmp(name, local), "file %lu local name %ls\n", i,
           name ? name : L"(null)");
        CoTaskMemFree(name);
    }

    /* slow enough to watch the order */
    ct_server_control(&args, "throttle_kbps=2000");
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    for (;;) {
        state = ct_state(job);
        if (count == 3 && in_order)
            in_order = sample_order(job, files, count, total);
        if (state != BG_JOB_STATE_QUEUED && state != BG_JOB_STATE_CONNECTING &&
            state != BG_JOB_STATE_TRANSFERRING)
            break;
        Sleep(10);
    }
    ct_server_control(&args, "throttle_kbps=0");
    ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));

    hr = IBackgroundCopyJob2_GetProgress(job, &jp);
    ok(hr == S_OK && jp.BytesTotal == total && jp.BytesTransferred == total && jp.FilesTotal == 3 &&
       jp.FilesTransferred == 3, "progress when transferred: %llu/%llu bytes %lu/%lu files\n",
       jp.BytesTransferred, jp.BytesTotal, jp.FilesTransferred, jp.FilesTotal);
    for (i = 0; i < count; i++) {
        hr = IBackgroundCopyFile_GetProgress(files[i], &fp);
        ok(hr == S_OK && fp.BytesTotal == sizes[i] && fp.BytesTransferred == sizes[i] && fp.Completed,
           "file %lu when transferred: %llu/%llu completed %d\n", i, fp.BytesTransferred,
           fp.BytesTotal, fp.Completed);
    }
    hr = IBackgroundCopyJob2_GetTimes(job, &times);
    ok(hr == S_OK && (times.TransferCompletionTime.dwHighDateTime || times.TransferCompletionTime.dwLowDateTime),
       "TransferCompletionTime still 0 after the transfer\n");

    /* Before Complete the data is in temporary files in the destination directory. */
    for (i = 0; i < 3; i++) {
        swprintf(local, MAX_PATH, L"%ls\\%ls", dir, names[i]);
        ok(!exists(local), "%ls exists before Complete\n", local);
    }
    ok(count_files(dir, L"*") == 3, "%d files in the destination directory before Complete, "
       "expected 3 temporary files\n", count_files(dir, L"*"));

    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    for (i = 0; i < 3; i++) {
        swprintf(local, MAX_PATH, L"%ls\\%ls", dir, names[i]);
        ct_served_path(served, &args, names[i]);
        ok(same_contents(local, served), "%ls differs from the served file\n", local);
    }
    ok(count_files(dir, L"*") == 3, "%d files in the destination directory after Complete, "
       "expected only the 3 downloads\n", count_files(dir, L"*"));
    release_files(files, count);
    IBackgroundCopyJob2_Release(job);
}

static void test_partial_complete(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download partial", BG_JOB_TYPE_DOWNLOAD);
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH];
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return;
    make_dir(dir, L"partial");
    serve(L"present.bin", 40000, 9);
    add(job, L"present.bin", dir, L"present.bin");
    add(job, L"absent.bin", dir, L"absent.bin");
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_ERROR, "job with a missing file ended in %s\n", bt_state_name(state));
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == (HRESULT)BG_S_PARTIAL_COMPLETE, "Complete: %#lx, expected BG_S_PARTIAL_COMPLETE\n", hr);
    swprintf(local, MAX_PATH, L"%ls\\present.bin", dir);
    ct_served_path(served, &args, L"present.bin");
    ok(same_contents(local, served), "the transferred file was not kept by Complete\n");
    swprintf(local, MAX_PATH, L"%ls\\absent.bin", dir);
    ok(!exists(local), "the failed file appeared\n");
    ok(count_files(dir, L"*") == 1, "%d files left in %ls, expected 1\n", count_files(dir, L"*"), dir);
    IBackgroundCopyJob2_Release(job);
}

static void test_not_found(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download 404", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    WCHAR dir[MAX_PATH], url[BT_URL_MAX], *name = NULL;
    BG_ERROR_CONTEXT context = 0;
    BG_JOB_STATE state;
    ULONG errors = 0;
    HRESULT hr, code = 0;

    if (!job)
        return;
    make_dir(dir, L"notfound");
    serve(L"first.bin", 1000, 1);
    add(job, L"first.bin", dir, L"first.bin");
    add(job, L"missing.bin", dir, L"missing.bin");
    IBackgroundCopyJob2_Resume(job);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_ERROR, "job ended in %s, expected ERROR\n", bt_state_name(state));
    hr = IBackgroundCopyJob2_GetErrorCount(job, &errors);
    ok(hr == S_OK && errors >= 1, "GetErrorCount: %#lx %lu\n", hr, errors);
    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (ok(hr == S_OK && error, "GetError: %#lx\n", hr)) {
        hr = IBackgroundCopyError_GetError(error, &context, &code);
        ok(hr == S_OK && code == (HRESULT)BG_E_HTTP_ERROR_404 && context == BG_ERROR_CONTEXT_REMOTE_FILE,
           "error %#lx context %d, expected BG_E_HTTP_ERROR_404 in REMOTE_FILE\n", code, (int)context);
        hr = IBackgroundCopyError_GetFile(error, &file);
        if (ok(hr == S_OK && file, "GetFile: %#lx\n", hr)) {
            bt_url(url, &args, L"/files/missing.bin");
            hr = IBackgroundCopyFile_GetRemoteName(file, &name);
            ok(hr == S_OK && name && !wcscmp(name, url), "the error names %ls, expected %ls\n",
               name ? name : L"(null)", url);
            CoTaskMemFree(name);
            IBackgroundCopyFile_Release(file);
        }
        IBackgroundCopyError_Release(error);
    }
    ct_drop_job(job);
}

/* The connection breaks in the middle of the body: the download goes on
 * from where it stopped (a Range request) and no byte is sent twice. */
static void test_resume_after_drop(void)
{
    const DWORD size = 3 * 1024 * 1024, cut = 1000000;
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download drop", BG_JOB_TYPE_DOWNLOAD);
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH];
    LONGLONG sent_before, sent_after, ranges_before, ranges_after;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return;
    make_dir(dir, L"drop");
    serve(L"drop.bin", size, 77);
    add(job, L"drop.bin", dir, L"drop.bin");
    sent_before = ct_server_stat(&args, "file_bytes_sent");
    ranges_before = ct_server_stat(&args, "range_requests");
    ok(sent_before >= 0 && ranges_before >= 0, "bits-server has no file_bytes_sent/range_requests\n");
    ct_server_control(&args, "drop_download_after=1000000");
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));
    sent_after = ct_server_stat(&args, "file_bytes_sent");
    ranges_after = ct_server_stat(&args, "range_requests");
    ok(sent_after - sent_before == size, "the server sent %lld bytes for a %lu-byte file cut at %lu\n",
       sent_after - sent_before, size, cut);
    ok(ranges_after - ranges_before == 1, "%lld range requests, expected 1\n", ranges_after - ranges_before);
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    swprintf(local, MAX_PATH, L"%ls\\drop.bin", dir);
    ct_served_path(served, &args, L"drop.bin");
    ok(same_contents(local, served), "the resumed download is not byte-identical\n");
    IBackgroundCopyJob2_Release(job);
}

/* Waits until some bytes of a running job arrived, then suspends it. */
static BOOL suspend_midway(IBackgroundCopyJob2 *job, BG_JOB_PROGRESS *progress)
{
    DWORD start = GetTickCount();
    HRESULT hr;

    for (;;) {
        hr = IBackgroundCopyJob2_GetProgress(job, progress);
        if (FAILED(hr) || (progress->BytesTransferred && progress->BytesTransferred < progress->BytesTotal))
            break;
        if (GetTickCount() - start > BT_WAIT_MS || ct_state(job) == BG_JOB_STATE_TRANSFERRED)
            return FALSE;
        Sleep(10);
    }
    hr = IBackgroundCopyJob2_Suspend(job);
    ok(hr == S_OK, "Suspend: %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetProgress(job, progress);
    return SUCCEEDED(hr);
}

static void test_suspend_keeps_progress(void)
{
    const DWORD size = 2 * 1024 * 1024;
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download suspend", BG_JOB_TYPE_DOWNLOAD);
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH];
    BG_JOB_PROGRESS before, after;
    LONGLONG sent_before, sent_after, ranges_before, ranges_after;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return;
    make_dir(dir, L"suspend");
    serve(L"suspend.bin", size, 5);
    add(job, L"suspend.bin", dir, L"suspend.bin");
    sent_before = ct_server_stat(&args, "file_bytes_sent");
    ranges_before = ct_server_stat(&args, "range_requests");
    ct_server_control(&args, "throttle_kbps=1000");
    IBackgroundCopyJob2_Resume(job);
    if (!ok(suspend_midway(job, &before), "the job never was midway\n")) {
        ct_server_control(&args, "throttle_kbps=0");
        ct_drop_job(job);
        return;
    }
    Sleep(300);
    hr = IBackgroundCopyJob2_GetProgress(job, &after);
    ok(hr == S_OK && ct_state(job) == BG_JOB_STATE_SUSPENDED, "state after Suspend: %s\n",
       bt_state_name(ct_state(job)));
    ok(after.BytesTransferred == before.BytesTransferred && after.BytesTransferred > 0 &&
       after.BytesTotal == size, "suspended progress %llu/%llu, was %llu\n", after.BytesTransferred,
       after.BytesTotal, before.BytesTransferred);
    ct_server_control(&args, "throttle_kbps=0");
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));
    sent_after = ct_server_stat(&args, "file_bytes_sent");
    ranges_after = ct_server_stat(&args, "range_requests");
    /* Resume asks for the rest only: one Range request, and the file is not
     * sent twice (the server may have pushed a slice more into the socket
     * than the job had counted when it was suspended). */
    ok(ranges_after - ranges_before == 1, "%lld range requests after Resume, expected 1\n",
       ranges_after - ranges_before);
    ok(sent_after - sent_before < 2 * (LONGLONG)size, "the server sent %lld bytes for %lu\n",
       sent_after - sent_before, size);
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    swprintf(local, MAX_PATH, L"%ls\\suspend.bin", dir);
    ct_served_path(served, &args, L"suspend.bin");
    ok(same_contents(local, served), "the download resumed after Suspend is not byte-identical\n");
    IBackgroundCopyJob2_Release(job);
}

/* The remote file changes while the job is suspended: the resumed download
 * must be the new file, not old bytes followed by new ones. */
static void test_changed_remote_restarts(void)
{
    const DWORD size = 2 * 1024 * 1024;
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download changed", BG_JOB_TYPE_DOWNLOAD);
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH];
    BG_JOB_PROGRESS before;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job)
        return;
    make_dir(dir, L"changed");
    serve(L"changed.bin", size, 11);
    add(job, L"changed.bin", dir, L"changed.bin");
    ct_server_control(&args, "throttle_kbps=1000");
    IBackgroundCopyJob2_Resume(job);
    if (!ok(suspend_midway(job, &before), "the job never was midway\n")) {
        ct_server_control(&args, "throttle_kbps=0");
        ct_drop_job(job);
        return;
    }
    ct_server_control(&args, "throttle_kbps=0");
    Sleep(1100);        /* a new Last-Modified second as well as a new ETag */
    serve(L"changed.bin", size, 200);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "job ended in %s\n", bt_state_name(state));
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    swprintf(local, MAX_PATH, L"%ls\\changed.bin", dir);
    ct_served_path(served, &args, L"changed.bin");
    ok(same_contents(local, served), "the download of a changed file was spliced (after %llu bytes)\n",
       before.BytesTransferred);
    IBackgroundCopyJob2_Release(job);
}

/* Cancel deletes the temporary file, never a file the user already had. */
static void test_cancel_keeps_existing(void)
{
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download cancel", BG_JOB_TYPE_DOWNLOAD);
    WCHAR dir[MAX_PATH], local[MAX_PATH];
    char before[65], after[65];
    BG_JOB_PROGRESS progress;
    HRESULT hr;

    if (!job)
        return;
    make_dir(dir, L"cancel");
    swprintf(local, MAX_PATH, L"%ls\\mine.bin", dir);
    ok(bt_write_pattern_file(local, 5000, 42), "cannot write %ls\n", local);
    bt_file_sha256(local, before);
    serve(L"cancel.bin", 2 * 1024 * 1024, 8);
    add(job, L"cancel.bin", dir, L"mine.bin");
    ct_server_control(&args, "throttle_kbps=1000");
    IBackgroundCopyJob2_Resume(job);
    suspend_midway(job, &progress);
    ok(count_files(dir, L"*") == 2, "%d files while transferring, expected mine.bin and a "
       "temporary file\n", count_files(dir, L"*"));
    hr = IBackgroundCopyJob2_Cancel(job);
    ok(hr == S_OK, "Cancel: %#lx\n", hr);
    ct_server_control(&args, "throttle_kbps=0");
    ok(bt_file_sha256(local, after) && !strcmp(before, after),
       "Cancel changed or deleted the pre-existing %ls\n", local);
    ok(count_files(dir, L"*") == 1, "%d files after Cancel, expected only mine.bin\n",
       count_files(dir, L"*"));
    IBackgroundCopyJob2_Release(job);
}

/* "file:///C:/dir/name" for "C:\dir\name" (no characters that need escapes). */
static void file_url(WCHAR *out, const WCHAR *path)
{
    WCHAR *p;

    swprintf(out, BT_URL_MAX, L"file:///%ls", path);
    for (p = out; *p; p++)
        if (*p == '\\')
            *p = '/';
}

/* The job's error is 'code' in 'context', tied to the file named 'remote'. */
static void check_error(IBackgroundCopyJob2 *job, HRESULT code, BG_ERROR_CONTEXT context,
                        const WCHAR *remote)
{
    IBackgroundCopyError *error = NULL;
    IBackgroundCopyFile *file = NULL;
    BG_ERROR_CONTEXT got_context = 0;
    HRESULT hr, got = 0;
    WCHAR *name = NULL;

    hr = IBackgroundCopyJob2_GetError(job, &error);
    if (!ok(hr == S_OK && error, "GetError: %#lx\n", hr))
        return;
    IBackgroundCopyError_GetError(error, &got_context, &got);
    ok(got == code && got_context == context, "error %#lx context %d, expected %#lx context %d\n",
       got, (int)got_context, code, (int)context);
    hr = IBackgroundCopyError_GetFile(error, &file);
    if (ok(hr == S_OK && file, "GetFile: %#lx\n", hr)) {
        hr = IBackgroundCopyFile_GetRemoteName(file, &name);
        ok(hr == S_OK && name && !wcscmp(name, remote), "the error names %ls, expected %ls\n",
           name ? name : L"(null)", remote);
        CoTaskMemFree(name);
        IBackgroundCopyFile_Release(file);
    }
    IBackgroundCopyError_Release(error);
}

/* Remote names that are files (SMB names: file://, a full path on a drive,
 * UNC) are download-only; they are copied like HTTP downloads: sizes known
 * first, data in a temporary file until Complete, the copy identical.  A
 * missing source is ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND in
 * REMOTE_FILE.  The \\?\ form and other schemes are refused by AddFile. */
static void test_other_remote_names(void)
{
    const DWORD size = 3 * 1024 * 1024 + 17;
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download schemes", BG_JOB_TYPE_DOWNLOAD);
    IBackgroundCopyJob2 *upload = ct_new_job(manager, L"upload schemes", BG_JOB_TYPE_UPLOAD);
    WCHAR dir[MAX_PATH], src[MAX_PATH], local[MAX_PATH], local2[MAX_PATH], url[BT_URL_MAX];
    WCHAR missing[MAX_PATH], nodir[MAX_PATH], device[MAX_PATH];
    BG_JOB_PROGRESS jp;
    BG_JOB_STATE state;
    HRESULT hr;

    if (!job || !upload) {
        ct_drop_job(job);
        ct_drop_job(upload);
        return;
    }
    make_dir(dir, L"schemes");
    swprintf(src, MAX_PATH, L"%ls\\source.bin", dir);
    ok(bt_write_pattern_file(src, size, 21), "cannot write %ls\n", src);
    file_url(url, src);

    hr = IBackgroundCopyJob2_AddFile(upload, url, src);
    ok(hr == E_INVALIDARG, "upload AddFile(file://): %#lx, expected E_INVALIDARG\n", hr);
    ct_drop_job(upload);

    swprintf(local, MAX_PATH, L"%ls\\fromurl.bin", dir);
    swprintf(local2, MAX_PATH, L"%ls\\frompath.bin", dir);
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "download AddFile(%ls): %#lx\n", url, hr);
    hr = IBackgroundCopyJob2_AddFile(job, src, local2);
    ok(hr == S_OK, "download AddFile(%ls): %#lx\n", src, hr);
    swprintf(device, MAX_PATH, L"\\\\?\\%ls", src);
    hr = IBackgroundCopyJob2_AddFile(job, device, local);
    ok(hr == E_INVALIDARG, "AddFile(%ls): %#lx, expected E_INVALIDARG\n", device, hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "local-file download ended in %s\n", bt_state_name(state));
    hr = IBackgroundCopyJob2_GetProgress(job, &jp);
    ok(hr == S_OK && jp.BytesTotal == 2ull * size && jp.BytesTransferred == 2ull * size &&
       jp.FilesTransferred == 2, "progress %#lx: %llu/%llu bytes, %lu files\n", hr,
       jp.BytesTransferred, jp.BytesTotal, jp.FilesTransferred);
    ok(!exists(local) && !exists(local2), "a download appeared before Complete\n");
    hr = IBackgroundCopyJob2_Complete(job);
    ok(hr == S_OK, "Complete: %#lx\n", hr);
    ok(same_contents(local, src), "the file:// download differs from its source\n");
    ok(same_contents(local2, src), "the drive-path download differs from its source\n");
    IBackgroundCopyJob2_Release(job);

    /* a missing source file, then a missing source directory */
    job = ct_new_job(manager, L"download missing local", BG_JOB_TYPE_DOWNLOAD);
    if (!job)
        return;
    swprintf(missing, MAX_PATH, L"%ls\\no such file.bin", dir);
    swprintf(local, MAX_PATH, L"%ls\\never.bin", dir);
    IBackgroundCopyJob2_AddFile(job, missing, local);
    IBackgroundCopyJob2_Resume(job);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_ERROR, "missing source: job ended in %s\n", bt_state_name(state));
    check_error(job, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), BG_ERROR_CONTEXT_REMOTE_FILE, missing);
    ct_drop_job(job);

    job = ct_new_job(manager, L"download missing dir", BG_JOB_TYPE_DOWNLOAD);
    if (!job)
        return;
    swprintf(nodir, MAX_PATH, L"%ls\\no such dir\\x.bin", dir);
    file_url(url, nodir);
    IBackgroundCopyJob2_AddFile(job, url, local);
    IBackgroundCopyJob2_Resume(job);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_ERROR, "missing directory: job ended in %s\n", bt_state_name(state));
    check_error(job, HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), BG_ERROR_CONTEXT_REMOTE_FILE, url);
    ct_drop_job(job);

    job = ct_new_job(manager, L"download schemes", BG_JOB_TYPE_DOWNLOAD);
    if (!job)
        return;
    swprintf(local, MAX_PATH, L"%ls\\ftp.bin", dir);
    hr = IBackgroundCopyJob2_AddFile(job, L"ftp://127.0.0.1/file.bin", local);
    ok(hr == E_INVALIDARG, "AddFile(ftp://): %#lx, expected E_INVALIDARG\n", hr);
    hr = IBackgroundCopyJob2_AddFile(job, L"http://127.0.0.1/x", L"relative.bin");
    ok(hr == E_INVALIDARG, "AddFile with a relative local name: %#lx, expected E_INVALIDARG\n", hr);
    swprintf(local, MAX_PATH, L"%ls\\no such dir\\x.bin", dir);
    hr = IBackgroundCopyJob2_AddFile(job, L"http://127.0.0.1/x", local);
    ok(FAILED(hr), "AddFile into a missing directory: %#lx\n", hr);
    ct_drop_job(job);
}

/* BytesTotal of a multi-file job is the full sum as soon as bytes move:
 * BITS learns every size first. */
static void test_sizes_learned_first(void)
{
    static const DWORD sizes[3] = { 400000, 300000, 500000 };
    static const WCHAR *names[3] = { L"first0.bin", L"first1.bin", L"first2.bin" };
    IBackgroundCopyJob2 *job = ct_new_job(manager, L"download sizes first", BG_JOB_TYPE_DOWNLOAD);
    WCHAR dir[MAX_PATH];
    BG_JOB_PROGRESS jp;
    BG_JOB_STATE state;
    UINT64 total = 0;
    BOOL seen = FALSE, good = TRUE;
    ULONG i;

    if (!job)
        return;
    make_dir(dir, L"sizesfirst");
    for (i = 0; i < 3; i++) {
        serve(names[i], sizes[i], 30 + i);
        add(job, names[i], dir, names[i]);
        total += sizes[i];
    }
    ct_server_control(&args, "throttle_kbps=2000");
    IBackgroundCopyJob2_Resume(job);
    for (;;) {
        state = ct_state(job);
        if (SUCCEEDED(IBackgroundCopyJob2_GetProgress(job, &jp)) && jp.BytesTransferred) {
            seen = TRUE;
            if (good && jp.BytesTotal != total) {
                ok(0, "%llu bytes moved while BytesTotal is %llu, expected %llu\n",
                   jp.BytesTransferred, jp.BytesTotal, total);
                good = FALSE;
            }
        }
        if (state != BG_JOB_STATE_QUEUED && state != BG_JOB_STATE_CONNECTING &&
            state != BG_JOB_STATE_TRANSFERRING)
            break;
        Sleep(5);
    }
    ct_server_control(&args, "throttle_kbps=0");
    ok(state == BG_JOB_STATE_TRANSFERRED && seen, "job ended in %s\n", bt_state_name(state));
    ct_drop_job(job);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, TRUE, &manager))
        return 2;
    if (manager) {
        BT_RUN(test_multi_file);
        BT_RUN(test_partial_complete);
        BT_RUN(test_not_found);
        BT_RUN(test_resume_after_drop);
        BT_RUN(test_suspend_keeps_progress);
        BT_RUN(test_changed_remote_restarts);
        BT_RUN(test_cancel_keeps_existing);
        BT_RUN(test_other_remote_names);
        BT_RUN(test_sizes_learned_first);
    }
    return bt_end(manager);
}
