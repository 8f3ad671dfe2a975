/*
 * Switches that create jobs, add files and move jobs through their life
 * cycle: /create, /addfile, /addfileset, /resume, /suspend, /cancel,
 * /complete, /reset, /takeownership.
 */
#include <stdlib.h>
#include <wchar.h>

#include "bitsadmin.h"

/* A success code other than S_OK (BG_S_PARTIAL_COMPLETE, ...) says what
 * only partly worked; show its text under the confirmation. */
static void print_success_note(struct ba_ctx *ctx, HRESULT hr)
{
    WCHAR *text;

    if (hr == S_OK || !(text = ba_describe(ctx, hr)))
        return;
    ba_print(L"%ls\n", text);
    CoTaskMemFree(text);
}

int ba_cmd_create(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    BG_JOB_TYPE type = BG_JOB_TYPE_DOWNLOAD;
    IBackgroundCopyJob *job;
    WCHAR id_text[39];
    HRESULT hr;
    GUID id;

    if (argc == 2 && !ba_parse_type(argv[0], &type))
        return ba_usage_error(ba_find_command(L"create"), argv[0]);
    if (FAILED(ba_connect(ctx)))
        return BA_EXIT_FAILED;
    hr = IBackgroundCopyManager_CreateJob(ctx->mgr, argv[argc - 1], type, &id, &job);
    if (FAILED(hr))
        return ba_fail(ctx, L"create job", hr);
    IBackgroundCopyJob_Release(job);
    ba_guid_text(&id, id_text);
    if (ctx->raw)
        ba_value(ctx, L"%ls", id_text);
    else
        ba_print(L"Created job %ls.\n", id_text);
    return BA_EXIT_OK;
}

int ba_cmd_addfile(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IBackgroundCopyJob *job;
    HRESULT hr;

    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        return BA_EXIT_FAILED;
    hr = IBackgroundCopyJob_AddFile(job, argv[1], argv[2]);
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return ba_fail(ctx, L"add file to job", hr);
    ba_print(L"Added %ls -> %ls to job.\n", argv[1], argv[2]);
    return BA_EXIT_OK;
}

/* The file list may be UTF-16 (with BOM), UTF-8 or the ANSI code page. */
static WCHAR *decode_text(const BYTE *bytes, DWORD size)
{
    UINT cp = CP_UTF8;
    DWORD flags = MB_ERR_INVALID_CHARS;
    WCHAR *text;
    int n;

    if (size >= 2 && bytes[0] == 0xff && bytes[1] == 0xfe)
    {
        n = (size - 2) / sizeof(WCHAR);
        if (!(text = malloc((n + 1) * sizeof(WCHAR))))
            return NULL;
        memcpy(text, bytes + 2, n * sizeof(WCHAR));
        text[n] = 0;
        return text;
    }
    if (size >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf)
    {
        bytes += 3;
        size -= 3;
    }
    if (!(n = MultiByteToWideChar(cp, flags, (const char *)bytes, size, NULL, 0)) && size)
    {
        cp = CP_ACP;
        flags = 0;
        n = MultiByteToWideChar(cp, flags, (const char *)bytes, size, NULL, 0);
    }
    if (!(text = malloc((n + 1) * sizeof(WCHAR))))
        return NULL;
    MultiByteToWideChar(cp, flags, (const char *)bytes, size, text, n);
    text[n] = 0;
    return text;
}

static WCHAR *read_text_file(const WCHAR *path, HRESULT *hr)
{
    HANDLE file;
    DWORD size, got = 0;
    WCHAR *text = NULL;
    BYTE *bytes;

    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE)
    {
        *hr = HRESULT_FROM_WIN32(GetLastError());
        return NULL;
    }
    size = GetFileSize(file, NULL);
    if (size == INVALID_FILE_SIZE || !(bytes = malloc(size ? size : 1)))
        *hr = E_OUTOFMEMORY;
    else
    {
        if (ReadFile(file, bytes, size, &got, NULL) && got == size)
            text = decode_text(bytes, size);
        *hr = text ? S_OK : HRESULT_FROM_WIN32(ERROR_READ_FAULT);
        free(bytes);
    }
    CloseHandle(file);
    return text;
}

/* Next word of a line: "quoted words" keep their spaces. Returns NULL at
 * the end of the line; *cursor moves past the word. */
static WCHAR *next_word(WCHAR **cursor)
{
    WCHAR *p = *cursor, *word;

    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    if (*p == '"')
    {
        word = ++p;
        while (*p && *p != '"')
            p++;
    }
    else
    {
        word = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (*p)
        *p++ = 0;
    *cursor = p;
    return word;
}

/* One "remote local" pair per line; empty lines and lines starting with #
 * are skipped.  Fills 'files' (may be NULL to count); returns the count or
 * -1 (with the bad line number) when a line is not a pair. */
static int parse_file_set(WCHAR *text, BG_FILE_INFO *files, int *bad_line)
{
    WCHAR *line = text, *next, *remote, *local, *cursor;
    int count = 0, number = 0;

    for (; line; line = next)
    {
        number++;
        if ((next = wcschr(line, '\n')))
            *next++ = 0;
        line[wcscspn(line, L"\r")] = 0;
        cursor = line;
        if (!(remote = next_word(&cursor)) || remote[0] == '#')
            continue;
        if (!(local = next_word(&cursor)) || next_word(&cursor))
        {
            *bad_line = number;
            return -1;
        }
        if (files)
        {
            files[count].RemoteName = remote;
            files[count].LocalName = local;
        }
        count++;
    }
    return count;
}

int ba_cmd_addfileset(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    BG_FILE_INFO *files = NULL;
    IBackgroundCopyJob *job;
    WCHAR *text;
    int count, bad_line = 0;
    HRESULT hr;

    if (!(text = read_text_file(argv[1], &hr)))
        return ba_fail(ctx, L"read the file list", hr);
    /* Count on a copy first: parsing cuts the text into words. */
    {
        WCHAR *copy = _wcsdup(text);
        count = copy ? parse_file_set(copy, NULL, &bad_line) : -1;
        free(copy);
    }
    if (count < 0)
    {
        ba_print(L"Unable to read the file list: line %d is not a pair of "
                 L"remote and local names.\n", bad_line);
        free(text);
        return BA_EXIT_USAGE;
    }
    if (!count || !(files = calloc(count, sizeof(*files))))
    {
        ba_print(count ? L"Out of memory.\n" : L"The file list names no files.\n");
        free(text);
        return BA_EXIT_FAILED;
    }
    parse_file_set(text, files, &bad_line);
    if (FAILED(ba_open_job(ctx, argv[0], &job)))
        hr = E_FAIL;
    else
    {
        hr = IBackgroundCopyJob_AddFileSet(job, count, files);
        IBackgroundCopyJob_Release(job);
        if (FAILED(hr))
            ba_fail(ctx, L"add the file set to the job", hr);
        else
            ba_print(L"Added %d file(s) to job.\n", count);
    }
    free(files);
    free(text);
    return FAILED(hr) ? BA_EXIT_FAILED : BA_EXIT_OK;
}

/* The state changes that take nothing but the job. */
enum job_action { ACTION_RESUME, ACTION_SUSPEND, ACTION_CANCEL, ACTION_COMPLETE, ACTION_TAKEOWNERSHIP };

static int job_action(struct ba_ctx *ctx, const WCHAR *ref, enum job_action action)
{
    static const struct
    {
        const WCHAR *failure;
        const WCHAR *done;
    } texts[] =
    {
        { L"resume job", L"Job resumed." },
        { L"suspend job", L"Job suspended." },
        { L"cancel job", L"Job canceled." },
        { L"complete job", L"Job completed." },
        { L"take ownership of job", L"Took ownership of the job." },
    };
    IBackgroundCopyJob *job;
    HRESULT hr = E_FAIL;

    if (FAILED(ba_open_job(ctx, ref, &job)))
        return BA_EXIT_FAILED;
    switch (action)
    {
    case ACTION_RESUME:        hr = IBackgroundCopyJob_Resume(job); break;
    case ACTION_SUSPEND:       hr = IBackgroundCopyJob_Suspend(job); break;
    case ACTION_CANCEL:        hr = IBackgroundCopyJob_Cancel(job); break;
    case ACTION_COMPLETE:      hr = IBackgroundCopyJob_Complete(job); break;
    case ACTION_TAKEOWNERSHIP: hr = IBackgroundCopyJob_TakeOwnership(job); break;
    }
    IBackgroundCopyJob_Release(job);
    if (FAILED(hr))
        return ba_fail(ctx, texts[action].failure, hr);
    ba_print(L"%ls\n", texts[action].done);
    print_success_note(ctx, hr);
    return BA_EXIT_OK;
}

int ba_cmd_resume(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return job_action(ctx, argv[0], ACTION_RESUME);
}

int ba_cmd_suspend(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return job_action(ctx, argv[0], ACTION_SUSPEND);
}

int ba_cmd_cancel(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return job_action(ctx, argv[0], ACTION_CANCEL);
}

int ba_cmd_complete(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return job_action(ctx, argv[0], ACTION_COMPLETE);
}

int ba_cmd_takeownership(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    return job_action(ctx, argv[0], ACTION_TAKEOWNERSHIP);
}

/* Cancels every job of the caller (or of every user with /allusers). */
int ba_cmd_reset(struct ba_ctx *ctx, int argc, WCHAR **argv)
{
    IEnumBackgroundCopyJobs *jobs;
    IBackgroundCopyJob *job;
    ULONG total = 0, canceled = 0;
    BOOL all_users = FALSE;
    HRESULT hr;

    if (argc == 1)
    {
        if (!ba_is_switch(argv[0], L"allusers"))
            return ba_usage_error(ba_find_command(L"reset"), argv[0]);
        all_users = TRUE;
    }
    if (FAILED(ba_connect(ctx)) || FAILED(ba_enum_jobs(ctx, all_users, &jobs)))
        return BA_EXIT_FAILED;
    while (IEnumBackgroundCopyJobs_Next(jobs, 1, &job, NULL) == S_OK)
    {
        total++;
        hr = IBackgroundCopyJob_Cancel(job);
        if (SUCCEEDED(hr))
            canceled++;
        else
        {
            GUID id;
            WCHAR what[64] = L"cancel job";

            if (SUCCEEDED(IBackgroundCopyJob_GetId(job, &id)))
            {
                WCHAR id_text[39];
                ba_guid_text(&id, id_text);
                _snwprintf(what, ARRAYSIZE(what), L"cancel job %ls", id_text);
                what[ARRAYSIZE(what) - 1] = 0;
            }
            ba_fail(ctx, what, hr);
        }
        IBackgroundCopyJob_Release(job);
    }
    IEnumBackgroundCopyJobs_Release(jobs);
    ba_print(L"%lu out of %lu jobs canceled.\n", canceled, total);
    return canceled == total ? BA_EXIT_OK : BA_EXIT_FAILED;
}
