/*
 * Printing job information: enum names, times, the one-line summary used by
 * /list and /info, the verbose block, progress lines, error details and the
 * hex dump of reply data.  The layout follows Windows bitsadmin so that
 * people (and scripts) used to it find things where they expect them.
 */
#include <wchar.h>

#include "bitsadmin.h"
#include <sddl.h>

struct name_value
{
    const WCHAR *name;
    int value;
};

static const struct name_value states[] =
{
    { L"QUEUED", BG_JOB_STATE_QUEUED },
    { L"CONNECTING", BG_JOB_STATE_CONNECTING },
    { L"TRANSFERRING", BG_JOB_STATE_TRANSFERRING },
    { L"SUSPENDED", BG_JOB_STATE_SUSPENDED },
    { L"ERROR", BG_JOB_STATE_ERROR },
    { L"TRANSIENT_ERROR", BG_JOB_STATE_TRANSIENT_ERROR },
    { L"TRANSFERRED", BG_JOB_STATE_TRANSFERRED },
    { L"ACKNOWLEDGED", BG_JOB_STATE_ACKNOWLEDGED },
    { L"CANCELLED", BG_JOB_STATE_CANCELLED },
};

static const struct name_value types[] =
{
    { L"DOWNLOAD", BG_JOB_TYPE_DOWNLOAD },
    { L"UPLOAD", BG_JOB_TYPE_UPLOAD },
    { L"UPLOAD-REPLY", BG_JOB_TYPE_UPLOAD_REPLY },
};

static const struct name_value priorities[] =
{
    { L"FOREGROUND", BG_JOB_PRIORITY_FOREGROUND },
    { L"HIGH", BG_JOB_PRIORITY_HIGH },
    { L"NORMAL", BG_JOB_PRIORITY_NORMAL },
    { L"LOW", BG_JOB_PRIORITY_LOW },
};

static const struct name_value proxy_usages[] =
{
    { L"PRECONFIG", BG_JOB_PROXY_USAGE_PRECONFIG },
    { L"NO_PROXY", BG_JOB_PROXY_USAGE_NO_PROXY },
    { L"OVERRIDE", BG_JOB_PROXY_USAGE_OVERRIDE },
    { L"AUTODETECT", BG_JOB_PROXY_USAGE_AUTODETECT },
};

static const WCHAR *name_of(const struct name_value *table, size_t count, int value)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (table[i].value == value)
            return table[i].name;
    return L"UNKNOWN";
}

static BOOL value_of(const struct name_value *table, size_t count, const WCHAR *name, int *value)
{
    size_t i;

    for (i = 0; i < count; i++)
    {
        if (!_wcsicmp(table[i].name, name))
        {
            *value = table[i].value;
            return TRUE;
        }
    }
    return FALSE;
}

const WCHAR *ba_state_name(BG_JOB_STATE state)
{
    return name_of(states, ARRAYSIZE(states), state);
}

const WCHAR *ba_type_name(BG_JOB_TYPE type)
{
    return name_of(types, ARRAYSIZE(types), type);
}

const WCHAR *ba_priority_name(BG_JOB_PRIORITY priority)
{
    return name_of(priorities, ARRAYSIZE(priorities), priority);
}

const WCHAR *ba_proxy_usage_name(BG_JOB_PROXY_USAGE usage)
{
    return name_of(proxy_usages, ARRAYSIZE(proxy_usages), usage);
}

BOOL ba_parse_priority(const WCHAR *text, BG_JOB_PRIORITY *priority)
{
    int v;

    if (!value_of(priorities, ARRAYSIZE(priorities), text, &v))
        return FALSE;
    *priority = v;
    return TRUE;
}

/* Job types as switches: /DOWNLOAD, /UPLOAD, /UPLOAD-REPLY. */
BOOL ba_parse_type(const WCHAR *text, BG_JOB_TYPE *type)
{
    int v;

    if (text[0] != '/' || !value_of(types, ARRAYSIZE(types), text + 1, &v))
        return FALSE;
    *type = v;
    return TRUE;
}

BOOL ba_parse_proxy_usage(const WCHAR *text, BG_JOB_PROXY_USAGE *usage)
{
    int v;

    if (!value_of(proxy_usages, ARRAYSIZE(proxy_usages), text, &v))
        return FALSE;
    *usage = v;
    return TRUE;
}

/* Local date and time in the user's short format; a zero time is one that
 * has not happened yet (completion of a running job). */
void ba_format_time(const FILETIME *ft, WCHAR *out, size_t len)
{
    FILETIME local;
    SYSTEMTIME st;
    int n;

    if ((!ft->dwLowDateTime && !ft->dwHighDateTime) || !FileTimeToLocalFileTime(ft, &local) ||
        !FileTimeToSystemTime(&local, &st))
    {
        lstrcpynW(out, L"UNKNOWN", len);
        return;
    }
    n = GetDateFormatW(LOCALE_USER_DEFAULT, DATE_SHORTDATE, &st, NULL, out, len);
    if (n <= 0 || (size_t)n >= len)
    {
        lstrcpynW(out, L"UNKNOWN", len);
        return;
    }
    out[n - 1] = ' ';
    if (GetTimeFormatW(LOCALE_USER_DEFAULT, 0, &st, NULL, out + n, len - n) <= 0)
        out[n - 1] = 0;
}

void ba_format_bytes(UINT64 bytes, WCHAR *out, size_t len)
{
    if (bytes == BG_SIZE_UNKNOWN)
        lstrcpynW(out, L"UNKNOWN", len);
    else
        _snwprintf(out, len, L"%I64u", bytes);
    out[len - 1] = 0;
}

/* GetOwner gives a SID string; people want DOMAIN\user.  The SID itself is
 * shown when the account cannot be looked up. */
void ba_format_owner(const WCHAR *sid_text, WCHAR *out, size_t len)
{
    WCHAR name[256], domain[256];
    DWORD name_len = ARRAYSIZE(name), domain_len = ARRAYSIZE(domain);
    SID_NAME_USE use;
    PSID sid;

    lstrcpynW(out, sid_text, len);
    if (!ConvertStringSidToSidW(sid_text, &sid))
        return;
    if (LookupAccountSidW(NULL, sid, name, &name_len, domain, &domain_len, &use))
    {
        if (domain[0])
            _snwprintf(out, len, L"%ls\\%ls", domain, name);
        else
            _snwprintf(out, len, L"%ls", name);
        out[len - 1] = 0;
    }
    LocalFree(sid);
}

static void percent_text(UINT64 done, UINT64 total, WCHAR *out, size_t len)
{
    out[0] = 0;
    if (total != BG_SIZE_UNKNOWN && total)
        _snwprintf(out, len, L" (%I64u%%)", done >= total ? 100 : done * 100 / total);
    out[len - 1] = 0;
}

/* {GUID} 'name' STATE files / files bytes / bytes */
void ba_print_job_line(IBackgroundCopyJob *job)
{
    WCHAR id_text[39] = L"", done[32], total[32], *name = NULL;
    BG_JOB_PROGRESS progress = { 0 };
    BG_JOB_STATE state = 0;
    GUID id;

    if (SUCCEEDED(IBackgroundCopyJob_GetId(job, &id)))
        ba_guid_text(&id, id_text);
    IBackgroundCopyJob_GetDisplayName(job, &name);
    IBackgroundCopyJob_GetState(job, &state);
    IBackgroundCopyJob_GetProgress(job, &progress);
    ba_format_bytes(progress.BytesTransferred, done, ARRAYSIZE(done));
    ba_format_bytes(progress.BytesTotal, total, ARRAYSIZE(total));
    ba_print(L"%ls '%ls' %ls %lu / %lu %ls / %ls\n", id_text, name ? name : L"",
             ba_state_name(state), progress.FilesTransferred, progress.FilesTotal, done, total);
    CoTaskMemFree(name);
}

/* Two lines /transfer repeats while it waits; state and progress are the
 * caller's, so that what is printed is what it decided on. */
void ba_print_progress(IBackgroundCopyJob *job, BG_JOB_STATE state, const BG_JOB_PROGRESS *progress)
{
    WCHAR done[32], total[32], percent[16], *name = NULL;
    BG_JOB_PRIORITY priority;
    BG_JOB_TYPE type = 0;

    IBackgroundCopyJob_GetDisplayName(job, &name);
    IBackgroundCopyJob_GetType(job, &type);
    if (FAILED(IBackgroundCopyJob_GetPriority(job, &priority)))
        priority = -1;
    ba_format_bytes(progress->BytesTransferred, done, ARRAYSIZE(done));
    ba_format_bytes(progress->BytesTotal, total, ARRAYSIZE(total));
    percent_text(progress->BytesTransferred, progress->BytesTotal, percent, ARRAYSIZE(percent));
    ba_print(L"DISPLAY: '%ls' TYPE: %ls STATE: %ls\n", name ? name : L"", ba_type_name(type),
             ba_state_name(state));
    ba_print(L"PRIORITY: %ls FILES: %lu / %lu BYTES: %ls / %ls%ls\n", ba_priority_name(priority),
             progress->FilesTransferred, progress->FilesTotal, done, total, percent);
    CoTaskMemFree(name);
}

/* "remote -> local" for downloads, "remote <- local" for uploads. */
static void print_file(IBackgroundCopyFile *file, BG_JOB_TYPE type, const WCHAR *indent,
                       BOOL with_progress)
{
    WCHAR *remote = NULL, *local = NULL, done[32], total[32];
    BG_FILE_PROGRESS progress = { 0 };

    IBackgroundCopyFile_GetRemoteName(file, &remote);
    IBackgroundCopyFile_GetLocalName(file, &local);
    if (with_progress)
    {
        IBackgroundCopyFile_GetProgress(file, &progress);
        ba_format_bytes(progress.BytesTransferred, done, ARRAYSIZE(done));
        ba_format_bytes(progress.BytesTotal, total, ARRAYSIZE(total));
        ba_print(L"%ls%ls / %ls %ls ", indent, done, total,
                 progress.Completed ? L"COMPLETED" : L"WORKING");
    }
    else
        ba_print(L"%ls", indent);
    ba_print(L"%ls %ls %ls\n", remote ? remote : L"", type == BG_JOB_TYPE_DOWNLOAD ? L"->" : L"<-",
             local ? local : L"");
    CoTaskMemFree(remote);
    CoTaskMemFree(local);
}

static void print_files(IBackgroundCopyJob *job, BG_JOB_TYPE type)
{
    IEnumBackgroundCopyFiles *files;
    IBackgroundCopyFile *file;

    ba_print(L"JOB FILES:\n");
    if (FAILED(IBackgroundCopyJob_EnumFiles(job, &files)))
        return;
    while (IEnumBackgroundCopyFiles_Next(files, 1, &file, NULL) == S_OK)
    {
        print_file(file, type, L"\t", TRUE);
        IBackgroundCopyFile_Release(file);
    }
    IEnumBackgroundCopyFiles_Release(files);
}

static void print_identity(IBackgroundCopyJob *job, BG_JOB_TYPE type)
{
    WCHAR id_text[39] = L"", owner[300] = L"UNKNOWN", *name = NULL, *sid = NULL;
    BG_JOB_STATE state = 0;
    GUID id;

    if (SUCCEEDED(IBackgroundCopyJob_GetId(job, &id)))
        ba_guid_text(&id, id_text);
    IBackgroundCopyJob_GetDisplayName(job, &name);
    IBackgroundCopyJob_GetState(job, &state);
    if (SUCCEEDED(IBackgroundCopyJob_GetOwner(job, &sid)) && sid)
        ba_format_owner(sid, owner, ARRAYSIZE(owner));
    ba_print(L"GUID: %ls DISPLAY: '%ls'\n", id_text, name ? name : L"");
    ba_print(L"TYPE: %ls STATE: %ls OWNER: %ls\n", ba_type_name(type), ba_state_name(state), owner);
    CoTaskMemFree(name);
    CoTaskMemFree(sid);
}

static void print_progress_and_times(IBackgroundCopyJob *job)
{
    WCHAR done[32], total[32], percent[16], created[64], modified[64], completed[64];
    BG_JOB_PRIORITY priority = BG_JOB_PRIORITY_NORMAL;
    BG_JOB_PROGRESS progress = { 0 };
    BG_JOB_TIMES times = { { 0 } };

    /* Out values of failed calls are not to be trusted (marshalling zeroes
     * them): anything BITS would not tell is shown as UNKNOWN. */
    if (FAILED(IBackgroundCopyJob_GetPriority(job, &priority)))
        priority = -1;
    IBackgroundCopyJob_GetProgress(job, &progress);
    if (FAILED(IBackgroundCopyJob_GetTimes(job, &times)))
        memset(&times, 0, sizeof(times));
    ba_format_bytes(progress.BytesTransferred, done, ARRAYSIZE(done));
    ba_format_bytes(progress.BytesTotal, total, ARRAYSIZE(total));
    percent_text(progress.BytesTransferred, progress.BytesTotal, percent, ARRAYSIZE(percent));
    ba_format_time(&times.CreationTime, created, ARRAYSIZE(created));
    ba_format_time(&times.ModificationTime, modified, ARRAYSIZE(modified));
    ba_format_time(&times.TransferCompletionTime, completed, ARRAYSIZE(completed));
    ba_print(L"PRIORITY: %ls FILES: %lu / %lu BYTES: %ls / %ls%ls\n", ba_priority_name(priority),
             progress.FilesTransferred, progress.FilesTotal, done, total, percent);
    ba_print(L"CREATION TIME: %ls MODIFICATION TIME: %ls\n", created, modified);
    ba_print(L"COMPLETION TIME: %ls\n", completed);
}

static void print_settings(IBackgroundCopyJob *job)
{
    WCHAR *proxies = NULL, *bypass = NULL, *description = NULL;
    BG_JOB_PROXY_USAGE usage = BG_JOB_PROXY_USAGE_PRECONFIG;
    ULONG flags = 0, delay = 0, timeout = 0, errors = 0;
    IUnknown *callback = NULL;

    IBackgroundCopyJob_GetNotifyFlags(job, &flags);
    IBackgroundCopyJob_GetNotifyInterface(job, &callback);
    IBackgroundCopyJob_GetMinimumRetryDelay(job, &delay);
    IBackgroundCopyJob_GetNoProgressTimeout(job, &timeout);
    IBackgroundCopyJob_GetErrorCount(job, &errors);
    IBackgroundCopyJob_GetProxySettings(job, &usage, &proxies, &bypass);
    IBackgroundCopyJob_GetDescription(job, &description);
    ba_print(L"NOTIFY INTERFACE: %ls NOTIFICATION FLAGS: %lu\n",
             callback ? L"REGISTERED" : L"UNREGISTERED", flags);
    ba_print(L"RETRY DELAY: %lu NO PROGRESS TIMEOUT: %lu ERROR COUNT: %lu\n", delay, timeout, errors);
    ba_print(L"PROXY USAGE: %ls PROXY LIST: %ls PROXY BYPASS LIST: %ls\n",
             ba_proxy_usage_name(usage), proxies && proxies[0] ? proxies : L"NULL",
             bypass && bypass[0] ? bypass : L"NULL");
    ba_print(L"DESCRIPTION: %ls\n", description ? description : L"");
    if (callback)
        IUnknown_Release(callback);
    CoTaskMemFree(proxies);
    CoTaskMemFree(bypass);
    CoTaskMemFree(description);
}

/* Notify command line, and for upload-reply jobs the reply's file and
 * progress: what IBackgroundCopyJob2 adds. */
static void print_job2(IBackgroundCopyJob *job, BG_JOB_TYPE type)
{
    WCHAR *program = NULL, *params = NULL, *reply = NULL, done[32], total[32];
    BG_JOB_REPLY_PROGRESS progress;
    IBackgroundCopyJob2 *job2;

    if (FAILED(IBackgroundCopyJob_QueryInterface(job, &IID_IBackgroundCopyJob2, (void **)&job2)))
        return;
    if (SUCCEEDED(IBackgroundCopyJob2_GetNotifyCmdLine(job2, &program, &params)) && program)
        ba_print(L"NOTIFICATION COMMAND LINE: '%ls' '%ls'\n", program, params ? params : L"");
    else
        ba_print(L"NOTIFICATION COMMAND LINE: none\n");
    if (type == BG_JOB_TYPE_UPLOAD_REPLY)
    {
        IBackgroundCopyJob2_GetReplyFileName(job2, &reply);
        ba_print(L"REPLY FILE: %ls%ls%ls\n", reply ? L"'" : L"", reply ? reply : L"NULL",
                 reply ? L"'" : L"");
        if (SUCCEEDED(IBackgroundCopyJob2_GetReplyProgress(job2, &progress)))
        {
            ba_format_bytes(progress.BytesTransferred, done, ARRAYSIZE(done));
            ba_format_bytes(progress.BytesTotal, total, ARRAYSIZE(total));
            ba_print(L"REPLY PROGRESS: %ls / %ls\n", done, total);
        }
    }
    CoTaskMemFree(program);
    CoTaskMemFree(params);
    CoTaskMemFree(reply);
    IBackgroundCopyJob2_Release(job2);
}

void ba_print_job_verbose(struct ba_ctx *ctx, IBackgroundCopyJob *job)
{
    BG_JOB_STATE state = 0;
    BG_JOB_TYPE type = 0;

    IBackgroundCopyJob_GetType(job, &type);
    IBackgroundCopyJob_GetState(job, &state);
    print_identity(job, type);
    print_progress_and_times(job);
    print_settings(job);
    if (state == BG_JOB_STATE_ERROR || state == BG_JOB_STATE_TRANSIENT_ERROR)
        ba_print_error(ctx, job);
    print_files(job, type);
    print_job2(job, type);
}

static void print_error_code(const WCHAR *label, HRESULT code, const WCHAR *text)
{
    ba_print(L"%ls0x%08lx%ls%ls\n", label, (unsigned long)code, text ? L" - " : L"",
             text ? text : L"");
}

/* Each error context has an HRESULT whose text describes it, so that the
 * manager can describe a context when the error object cannot. */
static HRESULT context_code(BG_ERROR_CONTEXT context)
{
    switch (context)
    {
    case BG_ERROR_CONTEXT_NONE:                        return BG_S_ERROR_CONTEXT_NONE;
    case BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER:       return BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER;
    case BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION:  return BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION;
    case BG_ERROR_CONTEXT_LOCAL_FILE:                  return BG_E_ERROR_CONTEXT_LOCAL_FILE;
    case BG_ERROR_CONTEXT_REMOTE_FILE:                 return BG_E_ERROR_CONTEXT_REMOTE_FILE;
    case BG_ERROR_CONTEXT_GENERAL_TRANSPORT:           return BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT;
    case BG_ERROR_CONTEXT_REMOTE_APPLICATION:          return BG_E_ERROR_CONTEXT_REMOTE_APPLICATION;
    default:                                           return BG_E_ERROR_CONTEXT_UNKNOWN;
    }
}

/* ERROR FILE / ERROR CODE / ERROR CONTEXT, from the job's error object.
 * Returns the failure of GetError (BG_E_ERROR_INFORMATION_UNAVAILABLE when
 * the job has no error) without printing anything in that case. */
HRESULT ba_print_error(struct ba_ctx *ctx, IBackgroundCopyJob *job)
{
    WCHAR *code_text = NULL, *context_text = NULL;
    LANGID lang = LANGIDFROMLCID(GetThreadLocale());
    BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
    IBackgroundCopyError *error;
    IBackgroundCopyFile *file;
    BG_JOB_TYPE type = 0;
    HRESULT hr, code = S_OK;

    if (FAILED(hr = IBackgroundCopyJob_GetError(job, &error)))
        return hr;
    IBackgroundCopyJob_GetType(job, &type);
    IBackgroundCopyError_GetError(error, &context, &code);
    if (SUCCEEDED(IBackgroundCopyError_GetFile(error, &file)) && file)
    {
        print_file(file, type, L"ERROR FILE:    ", FALSE);
        IBackgroundCopyFile_Release(file);
    }
    else
        ba_print(L"ERROR FILE:    (none)\n");
    if (FAILED(IBackgroundCopyError_GetErrorDescription(error, lang, &code_text)))
        code_text = ba_describe(ctx, code);
    if (FAILED(IBackgroundCopyError_GetErrorContextDescription(error, lang, &context_text)))
        context_text = ba_describe(ctx, context_code(context));
    if (code_text)
    {
        size_t n = wcslen(code_text);
        while (n && (code_text[n - 1] == '\n' || code_text[n - 1] == '\r'))
            code_text[--n] = 0;
    }
    print_error_code(L"ERROR CODE:    ", code, code_text);
    print_error_code(L"ERROR CONTEXT: ", context, context_text);
    CoTaskMemFree(code_text);
    CoTaskMemFree(context_text);
    IBackgroundCopyError_Release(error);
    return S_OK;
}

/* Offset, 16 bytes in hex, the same bytes as text (dots for the others). */
void ba_hex_dump(const BYTE *data, UINT64 length)
{
    WCHAR line[96];
    UINT64 offset;
    int i, pos;

    for (offset = 0; offset < length; offset += 16)
    {
        pos = _snwprintf(line, ARRAYSIZE(line), L"%04I64x: ", offset);
        for (i = 0; i < 16; i++)
        {
            if (offset + i < length)
                pos += _snwprintf(line + pos, ARRAYSIZE(line) - pos, L"%02x ", data[offset + i]);
            else
                pos += _snwprintf(line + pos, ARRAYSIZE(line) - pos, L"   ");
            if (i == 7)
                line[pos++] = ' ';
        }
        line[pos++] = ' ';
        for (i = 0; i < 16 && offset + i < length; i++)
        {
            BYTE c = data[offset + i];
            line[pos++] = (c >= 0x20 && c < 0x7f) ? c : '.';
        }
        line[pos] = 0;
        ba_print(L"%ls\n", line);
    }
}
