/*
 * The program a job's notification command line runs (notifycmd_test.c):
 * writes its command line to the marker file, then takes the job's data
 * with Complete, as an updater's helper would.  The marker's second line is
 * the Complete result.
 *
 * usage: notify_helper.exe {job GUID} <marker file> [anything]
 */
#include "bitstest.h"

#include <stdio.h>
#include <wchar.h>

static void write_marker(const WCHAR *path, const WCHAR *line1, HRESULT hr)
{
    FILE *f = _wfopen(path, L"w");

    if (!f)
        return;
    fprintf(f, "%ls\n", line1);
    fprintf(f, "complete 0x%08lx\n", (unsigned long)hr);
    fclose(f);
}

int wmain(int argc, WCHAR **argv)
{
    IBackgroundCopyManager *manager;
    IBackgroundCopyJob *job = NULL;
    WCHAR marker_tmp[MAX_PATH];
    HRESULT hr = E_FAIL;
    GUID id;

    if (argc < 3 || FAILED(CLSIDFromString(argv[1], &id)))
        return 2;
    if (SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) && (manager = bt_create_manager())) {
        hr = IBackgroundCopyManager_GetJob(manager, &id, &job);
        if (SUCCEEDED(hr)) {
            hr = IBackgroundCopyJob_Complete(job);
            IBackgroundCopyJob_Release(job);
        }
        IBackgroundCopyManager_Release(manager);
        CoUninitialize();
    }
    /* the marker appears whole (rename), after Complete */
    swprintf(marker_tmp, MAX_PATH, L"%ls.tmp", argv[2]);
    write_marker(marker_tmp, GetCommandLineW(), hr);
    MoveFileExW(marker_tmp, argv[2], MOVEFILE_REPLACE_EXISTING);
    return SUCCEEDED(hr) ? 0 : 1;
}
