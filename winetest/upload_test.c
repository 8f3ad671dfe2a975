/*
 * Plain upload: the job reaches TRANSFERRED, Complete works, the server
 * holds a byte-identical copy and the source is untouched.
 *
 * usage: upload_test.exe <server base url> <scratch dir> <server root>
 * <server root> is bits-server's --root as a Windows path (Z:\...); the
 * uploaded file appears as <root>\uploads\<name>.
 */
#include "bitstest.h"

#include <stdio.h>
#include <string.h>

static struct bt_args args;
static IBackgroundCopyManager *manager;

static void test_upload(const WCHAR *name, DWORD size)
{
    char before[65], after[65], remote_hash[65];
    WCHAR url[BT_URL_MAX], local[MAX_PATH], remote[MAX_PATH], path[MAX_PATH], relative[MAX_PATH];
    IBackgroundCopyJob2 *job = NULL;
    BG_JOB_PROGRESS progress;
    BG_JOB_STATE state;
    HRESULT hr;

    swprintf(path, MAX_PATH, L"/upload/%ls", name);
    bt_url(url, &args, path);
    bt_scratch_path(local, &args, name);
    if (!ok(bt_write_pattern_file(local, size, 17), "cannot write %ls\n", local))
        return;
    ok(bt_file_sha256(local, before), "cannot hash %ls\n", local);

    hr = bt_create_job(manager, L"winebits upload test", BG_JOB_TYPE_UPLOAD, &job);
    if (!ok(hr == S_OK, "CreateJob(UPLOAD): %#lx\n", hr))
        return;
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    state = bt_wait_for_job(job);
    ok(state == BG_JOB_STATE_TRANSFERRED, "%ls: job ended in %s, expected TRANSFERRED\n", name,
       bt_state_name(state));
    if (state == BG_JOB_STATE_TRANSFERRED) {
        hr = IBackgroundCopyJob2_GetProgress(job, &progress);
        ok(hr == S_OK && progress.BytesTotal == size && progress.BytesTransferred == size &&
           progress.FilesTotal == 1 && progress.FilesTransferred == 1,
           "progress %llu/%llu bytes, %lu/%lu files (%#lx)\n", progress.BytesTransferred,
           progress.BytesTotal, progress.FilesTransferred, progress.FilesTotal, hr);
        hr = IBackgroundCopyJob2_Complete(job);
        ok(hr == S_OK, "Complete: %#lx\n", hr);
        hr = IBackgroundCopyJob2_GetState(job, &state);
        ok(hr == S_OK && state == BG_JOB_STATE_ACKNOWLEDGED, "state after Complete: %s\n",
           bt_state_name(state));
    } else {
        IBackgroundCopyJob2_Cancel(job);
    }
    IBackgroundCopyJob2_Release(job);

    swprintf(relative, MAX_PATH, L"uploads\\%ls", name);
    bt_server_path(remote, &args, relative);
    if (ok(bt_file_sha256(remote, remote_hash), "the server has no %ls\n", remote))
        ok(!strcmp(remote_hash, before), "%ls on the server differs: %s, sent %s\n", name,
           remote_hash, before);
    ok(bt_file_sha256(local, after) && !strcmp(before, after), "the source %ls changed\n", local);
}

int main(int argc, char **argv)
{
    if (!bt_begin(argc, argv, &args, TRUE, &manager))
        return 2;
    if (manager) {
        test_upload(L"small.bin", 1000);
        test_upload(L"large.bin", 3 * 1024 * 1024 + 17);
    }
    return bt_end(manager);
}
