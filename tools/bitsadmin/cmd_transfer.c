/*
 * /transfer <name> [/DOWNLOAD|/UPLOAD|/UPLOAD-REPLY] [/PRIORITY p] [/ACLFLAGS f]
 *           <remote> <local> [<remote> <local> ...]
 *
 * Creates the job, adds the files, resumes it and waits, printing progress
 * whenever it changes.  A transferred job is completed; a job that fails
 * (ERROR, not TRANSIENT_ERROR, which BITS retries by itself) is canceled, as
 * is the job of a transfer interrupted with Ctrl-C: nothing is left behind.
 */
#include <wchar.h>

#include "bitsadmin.h"
#include <bits2_0.h>

#define POLL_MS 200

struct transfer_request
{
    const WCHAR *name;
    BG_JOB_TYPE type;
    BOOL has_priority;
    BG_JOB_PRIORITY priority;
    DWORD acl_flags;            /* 0 = not given */
    int pairs;
    WCHAR **files;              /* remote, local, remote, local, ... */
};

/* /ACLFLAGS letters: o(wner), g(roup), d(acl), s(acl). */
static BOOL parse_acl_flags(const WCHAR *text, DWORD *flags)
{
    *flags = 0;
    for (; *text; text++)
    {
        switch (towlower(*text))
        {
        case 'o': *flags |= BG_COPY_FILE_OWNER; break;
        case 'g': *flags |= BG_COPY_FILE_GROUP; break;
        case 'd': *flags |= BG_COPY_FILE_DACL; break;
        case 's': *flags |= BG_COPY_FILE_SACL; break;
        default: return FALSE;
        }
    }
    return *flags != 0;
}

static int parse_request(int argc, WCHAR **argv, struct transfer_request *req)
{
    const struct ba_command *cmd = ba_find_command(L"transfer");
    GUID id;
    int i;

    memset(req, 0, sizeof(*req));
    req->name = argv[0];
    req->type = BG_JOB_TYPE_DOWNLOAD;
    /* The job is found again by its GUID, never by name: a GUID-like name
     * would be ambiguous, so Windows refuses it too. */
    if (ba_parse_guid(argv[0], &id))
        return ba_usage_error(cmd, L"the job name cannot be a GUID");
    for (i = 1; i < argc && argv[i][0] == '/'; i++)
    {
        if (ba_parse_type(argv[i], &req->type))
            continue;
        if (ba_is_switch(argv[i], L"priority") && i + 1 < argc &&
            ba_parse_priority(argv[i + 1], &req->priority))
        {
            req->has_priority = TRUE;
            i++;
            continue;
        }
        if (ba_is_switch(argv[i], L"aclflags") && i + 1 < argc &&
            parse_acl_flags(argv[i + 1], &req->acl_flags))
        {
            i++;
            continue;
        }
        return ba_usage_error(cmd, argv[i]);
    }
    if (i >= argc || (argc - i) % 2)
        return ba_usage_error(cmd, L"give pairs of remote and local file names");
    req->files = argv + i;
    req->pairs = (argc - i) / 2;
    return BA_EXIT_OK;
}

static HRESULT set_acl_flags(IBackgroundCopyJob *job, DWORD flags)
{
    IBackgroundCopyJob3 *job3;
    HRESULT hr;

    if (FAILED(hr = IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob3, (void **)&job3)))
        return hr;
    hr = IBackgroundCopyJob3_SetFileACLFlags(job3, flags);
    IBackgroundCopyJob3_Release(job3);
    return hr;
}

/* Everything up to Resume; on failure the half-made job is canceled. */
static int start_job(struct ba_ctx *ctx, const struct transfer_request *req,
                     IBackgroundCopyJob **job)
{
    const WCHAR *what = L"create job";
    HRESULT hr;
    GUID id;
    int i;

    if (FAILED(hr = IBackgroundCopyManager_CreateJob(ctx->mgr, req->name, req->type, &id, job)))
    {
        *job = NULL;
        return ba_fail(ctx, what, hr);
    }
    if (req->has_priority && FAILED(hr = IBackgroundCopyJob_SetPriority(*job, req->priority)))
        what = L"set priority";
    else if (req->acl_flags && FAILED(hr = set_acl_flags(*job, req->acl_flags)))
        what = L"set ACL flags";
    for (i = 0; SUCCEEDED(hr) && i < req->pairs; i++)
    {
        hr = IBackgroundCopyJob_AddFile(*job, req->files[2 * i], req->files[2 * i + 1]);
        what = L"add file to job";
    }
    if (SUCCEEDED(hr) && FAILED(hr = IBackgroundCopyJob_Resume(*job)))
        what = L"resume job";
    if (SUCCEEDED(hr))
        return BA_EXIT_OK;
    ba_fail(ctx, what, hr);
    IBackgroundCopyJob_Cancel(*job);
    IBackgroundCopyJob_Release(*job);
    *job = NULL;
    return BA_EXIT_FAILED;
}

/* Completes a transferred job; for upload-reply jobs also says where the
 * reply went (Complete is what makes that file appear). */
static int complete_job(struct ba_ctx *ctx, IBackgroundCopyJob *job, BG_JOB_TYPE type)
{
    IBackgroundCopyJob2 *job2 = NULL;
    WCHAR *reply = NULL;
    HRESULT hr;

    if (type == BG_JOB_TYPE_UPLOAD_REPLY &&
        SUCCEEDED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2)))
    {
        IBackgroundCopyJob2_GetReplyFileName(job2, &reply);
        IBackgroundCopyJob2_Release(job2);
    }
    hr = IBackgroundCopyJob_Complete(job);
    if (FAILED(hr))
    {
        CoTaskMemFree(reply);
        return ba_fail(ctx, L"complete job", hr);
    }
    if (reply)
        ba_print(L"Reply file: %ls\n", reply);
    CoTaskMemFree(reply);
    ba_print(L"Transfer complete.\n");
    return BA_EXIT_OK;
}

struct seen
{
    BG_JOB_STATE state;
    UINT64 bytes;
    ULONG files;
    BOOL printed;
};

/* Progress is printed when something changed, so redirected output stays
 * short however long the transfer takes. */
static void report_progress(struct ba_ctx *ctx, IBackgroundCopyJob *job, BG_JOB_STATE state,
                            struct seen *seen)
{
    BG_JOB_PROGRESS progress = { 0 };

    IBackgroundCopyJob_GetProgress(job, &progress);
    if (seen->printed && seen->state == state && seen->bytes == progress.BytesTransferred &&
        seen->files == progress.FilesTransferred)
        return;
    ba_print_progress(job, state, &progress);
    if (state == BG_JOB_STATE_TRANSIENT_ERROR && (!seen->printed || seen->state != state))
        ba_print_error(ctx, job);
    seen->printed = TRUE;
    seen->state = state;
    seen->bytes = progress.BytesTransferred;
    seen->files = progress.FilesTransferred;
}

static int wait_for_job(struct ba_ctx *ctx, IBackgroundCopyJob *job, BG_JOB_TYPE type)
{
    struct seen seen = { 0 };
    BG_JOB_STATE state;
    HRESULT hr;

    for (;;)
    {
        if (ba_interrupted)
        {
            IBackgroundCopyJob_Cancel(job);
            ba_print(L"Transfer canceled.\n");
            return BA_EXIT_FAILED;
        }
        if (FAILED(hr = IBackgroundCopyJob_GetState(job, &state)))
            return ba_fail(ctx, L"get state", hr);
        report_progress(ctx, job, state, &seen);
        switch (state)
        {
        case BG_JOB_STATE_TRANSFERRED:
            return complete_job(ctx, job, type);
        case BG_JOB_STATE_ERROR:
            ba_print_error(ctx, job);
            IBackgroundCopyJob_Cancel(job);
            ba_print(L"Unable to complete transfer.\n");
            return BA_EXIT_FAILED;
        case BG_JOB_STATE_ACKNOWLEDGED:
            ba_print(L"Transfer complete.\n");
            return BA_EXIT_OK;
        case BG_JOB_STATE_CANCELLED:
            ba_print(L"Transfer canceled.\n");
            return BA_EXIT_FAILED;
        case BG_JOB_STATE_SUSPENDED:
            /* Someone suspended it (e.g. bitsadmin /suspend); keep waiting,
             * as Windows does, until it is resumed or canceled. */
        default:
            Sleep(POLL_MS);
            break;
        }
    }
}

int ba_cmd_transfer(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    struct transfer_request req;
    IBackgroundCopyJob *job;
    int rc;

    if ((rc = parse_request(argc, argv, &req)))
        return rc;
    if (FAILED(ba_connect(ctx)))
        return BA_EXIT_FAILED;
    ba_catch_interrupts();
    if ((rc = start_job(ctx, &req, &job)))
        return rc;
    rc = wait_for_job(ctx, job, req.type);
    IBackgroundCopyJob_Release(job);
    return rc;
}
