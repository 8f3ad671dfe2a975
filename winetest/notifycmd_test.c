/*
 * SetNotifyCmdLine after the creating program is gone.  This program makes
 * a download job against a slowed bits-server, names notify_helper.exe as
 * its notification command line, resumes it and exits at once (the job is
 * far from transferred); tests/wine/notify_cmdline.sh then waits for the
 * helper's marker file.  Prints "job {GUID}" for the script.
 *
 * usage: notifycmd_test.exe <server base url> <scratch dir> <server root>
 *        <helper exe> <marker file>
 */
#include "conform.h"

#include <stdio.h>
#include <wchar.h>

int main(int argc, char **argv)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob2 *job;
    WCHAR helper[MAX_PATH], marker[MAX_PATH], params[4 * MAX_PATH], url[BT_URL_MAX];
    WCHAR dir[MAX_PATH], local[MAX_PATH], served[MAX_PATH], *program = NULL, *parameters = NULL;
    struct bt_args args;
    GUID id;
    WCHAR text[40];
    HRESULT hr;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 6 || !bt_parse_args(4, argv, &args)) {
        printf("usage: notifycmd_test.exe <url> <scratch> <server root> <helper> <marker>\n");
        return 2;
    }
    MultiByteToWideChar(CP_ACP, 0, argv[4], -1, helper, MAX_PATH);
    MultiByteToWideChar(CP_ACP, 0, argv[5], -1, marker, MAX_PATH);
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    ok(hr == S_OK, "CoInitializeEx: %#lx\n", hr);
    manager = bt_create_manager();
    if (!manager)
        return winetest_summary();
    job = ct_new_job(manager, L"notify command line", BG_JOB_TYPE_DOWNLOAD);
    if (!job)
        return winetest_summary();

    ct_served_path(served, &args, L"notify.bin");
    ok(bt_write_pattern_file(served, 2 * 1024 * 1024, 17), "cannot write %ls\n", served);
    bt_scratch_path(dir, &args, L"notify");
    CreateDirectoryW(dir, NULL);
    swprintf(local, MAX_PATH, L"%ls\\notify.bin", dir);
    bt_url(url, &args, L"/files/notify.bin");
    hr = IBackgroundCopyJob2_AddFile(job, url, local);
    ok(hr == S_OK, "AddFile: %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetId(job, &id);
    ok(hr == S_OK, "GetId: %#lx\n", hr);
    StringFromGUID2(&id, text, ARRAYSIZE(text));

    /* parameters start with the program; quoted pieces stay one argument;
     * %windir% is passed as written (no environment expansion) */
    swprintf(params, ARRAYSIZE(params), L"\"%ls\" %ls \"%ls\" %%windir%%", helper, text, marker);
    hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, helper, params);
    ok(hr == S_OK, "SetNotifyCmdLine: %#lx\n", hr);
    hr = IBackgroundCopyJob2_GetNotifyCmdLine(job, &program, &parameters);
    ok(hr == S_OK && program && parameters && !wcscmp(program, helper) && !wcscmp(parameters, params),
       "GetNotifyCmdLine: %#lx %ls %ls\n", hr, program ? program : L"(null)",
       parameters ? parameters : L"(null)");
    CoTaskMemFree(program);
    CoTaskMemFree(parameters);
    hr = IBackgroundCopyJob2_SetNotifyFlags(job, BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
    ok(hr == S_OK, "SetNotifyFlags: %#lx\n", hr);
    ok(ct_server_control(&args, "throttle_kbps=300"), "throttle_kbps refused\n");
    hr = IBackgroundCopyJob2_Resume(job);
    ok(hr == S_OK, "Resume: %#lx\n", hr);
    ok(ct_state(job) != BG_JOB_STATE_TRANSFERRED, "the job transferred before the program left\n");
    printf("job %ls\n", text);
    IBackgroundCopyJob2_Release(job);
    IBackgroundCopyManager_Release(manager);
    CoUninitialize();
    return winetest_summary();
}
