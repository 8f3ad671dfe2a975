/*
 * Switches of IBackgroundCopyJob2 (BITS 1.5): the reply of upload-reply
 * jobs, the notification command line and credentials.
 */
#include <wchar.h>

#include "bitsadmin.h"

static int finish2(struct ba_ctx *ctx, IBackgroundCopyJob2 *job, HRESULT hr, const WCHAR *what)
{
    IBackgroundCopyJob2_Release(job);
    return FAILED(hr) ? ba_fail(ctx, what, hr) : BA_EXIT_OK;
}

int ba_cmd_getreplydata(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob2 *job;
    UINT64 length = 0;
    BYTE *data = NULL;
    HRESULT hr;

    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_GetReplyData(job, &data, &length)))
    {
        if (!ctx->raw)
            ba_print(L"Reply data (%I64u bytes):\n", data ? length : 0);
        if (data)
            ba_hex_dump(data, length);
        else if (!ctx->raw)
            ba_print(L"(no reply data)\n");
    }
    CoTaskMemFree(data);
    return finish2(ctx, job, hr, L"get reply data");
}

int ba_cmd_getreplyfilename(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob2 *job;
    WCHAR *name = NULL;
    HRESULT hr;

    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_GetReplyFileName(job, &name)))
        ba_value(ctx, L"%ls", name ? name : L"NULL");
    CoTaskMemFree(name);
    return finish2(ctx, job, hr, L"get reply file name");
}

/* "NULL" lets BITS pick the name. */
int ba_cmd_setreplyfilename(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    const WCHAR *name = ba_null_arg(argv[1]);
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_SetReplyFileName(job, name)))
        ba_print(L"Reply file name set to %ls.\n", name ? name : L"NULL");
    return finish2(ctx, job, hr, L"set reply file name");
}

int ba_cmd_getreplyprogress(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    BG_JOB_REPLY_PROGRESS progress;
    IBackgroundCopyJob2 *job;
    WCHAR done[32], total[32];
    HRESULT hr;

    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_GetReplyProgress(job, &progress)))
    {
        ba_format_bytes(progress.BytesTransferred, done, ARRAYSIZE(done));
        ba_format_bytes(progress.BytesTotal, total, ARRAYSIZE(total));
        ba_value(ctx, L"%ls / %ls", done, total);
    }
    return finish2(ctx, job, hr, L"get reply progress");
}

/* /setnotifycmdline <job> <program|NULL> <parameters|NULL>; the parameters
 * must start with the program name (BITS passes them as the command line). */
int ba_cmd_setnotifycmdline(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    const WCHAR *program = ba_null_arg(argv[1]), *params = ba_null_arg(argv[2]);
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_SetNotifyCmdLine(job, program, params)))
    {
        if (program)
            ba_print(L"Notification command line set to '%ls' %ls%ls%ls.\n", program,
                     params ? L"'" : L"", params ? params : L"NULL", params ? L"'" : L"");
        else
            ba_print(L"Notification command line removed.\n");
    }
    return finish2(ctx, job, hr, L"set notification command line");
}

int ba_cmd_getnotifycmdline(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    WCHAR *program = NULL, *params = NULL;
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_GetNotifyCmdLine(job, &program, &params)))
    {
        if (!program || !program[0])
            ba_value(ctx, L"NULL");
        else
            ba_value(ctx, L"'%ls' %ls%ls%ls", program, params ? L"'" : L"",
                     params ? params : L"NULL", params ? L"'" : L"");
    }
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    return finish2(ctx, job, hr, L"get notification command line");
}

static BOOL parse_target(const WCHAR *text, BG_AUTH_TARGET *target)
{
    if (!_wcsicmp(text, L"SERVER"))
        *target = BG_AUTH_TARGET_SERVER;
    else if (!_wcsicmp(text, L"PROXY"))
        *target = BG_AUTH_TARGET_PROXY;
    else
        return FALSE;
    return TRUE;
}

static BOOL parse_scheme(const WCHAR *text, BG_AUTH_SCHEME *scheme)
{
    static const struct { const WCHAR *name; BG_AUTH_SCHEME scheme; } schemes[] =
    {
        { L"BASIC", BG_AUTH_SCHEME_BASIC },
        { L"DIGEST", BG_AUTH_SCHEME_DIGEST },
        { L"NTLM", BG_AUTH_SCHEME_NTLM },
        { L"NEGOTIATE", BG_AUTH_SCHEME_NEGOTIATE },
        { L"PASSPORT", BG_AUTH_SCHEME_PASSPORT },
    };
    size_t i;

    for (i = 0; i < ARRAYSIZE(schemes); i++)
    {
        if (!_wcsicmp(text, schemes[i].name))
        {
            *scheme = schemes[i].scheme;
            return TRUE;
        }
    }
    return FALSE;
}

/* /setcredentials <job> SERVER|PROXY <scheme> <user> <password>; "NULL"
 * user and password ask NTLM/Negotiate for the logged-on user's. */
int ba_cmd_setcredentials(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    const struct ba_command *cmd = ba_find_command(L"setcredentials");
    BG_AUTH_CREDENTIALS creds;
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    memset(&creds, 0, sizeof(creds));
    if (!parse_target(argv[1], &creds.Target))
        return ba_usage_error(cmd, argv[1]);
    if (!parse_scheme(argv[2], &creds.Scheme))
        return ba_usage_error(cmd, argv[2]);
    creds.Credentials.Basic.UserName = (WCHAR *)ba_null_arg(argv[3]);
    creds.Credentials.Basic.Password = (WCHAR *)ba_null_arg(argv[4]);
    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    if (SUCCEEDED(hr = IBackgroundCopyJob2_SetCredentials(job, &creds)))
        ba_print(L"Credentials set.\n");
    return finish2(ctx, job, hr, L"set credentials");
}

int ba_cmd_removecredentials(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    const struct ba_command *cmd = ba_find_command(L"removecredentials");
    BG_AUTH_TARGET target;
    BG_AUTH_SCHEME scheme;
    IBackgroundCopyJob2 *job;
    HRESULT hr;

    if (!parse_target(argv[1], &target))
        return ba_usage_error(cmd, argv[1]);
    if (!parse_scheme(argv[2], &scheme))
        return ba_usage_error(cmd, argv[2]);
    if (FAILED(ba_open_job2(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    hr = IBackgroundCopyJob2_RemoveCredentials(job, target, scheme);
    if (hr == S_FALSE)
        ba_print(L"No credentials were set for this target and scheme.\n");
    else if (SUCCEEDED(hr))
        ba_print(L"Credentials removed.\n");
    return finish2(ctx, job, hr, L"remove credentials");
}
