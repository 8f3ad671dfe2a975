/*
 * Console output, error reporting and small parsing helpers.
 *
 * Output is formatted as UTF-16 and written with WriteConsoleW when stdout is
 * a console; when it is redirected (scripts, pipes) it is converted to the
 * console output code page, as Windows console programs do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "bitsadmin.h"

static void write_text(const WCHAR *text, int len)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD mode, written;
    UINT cp;
    char *bytes;
    int size;

    if (!len || out == INVALID_HANDLE_VALUE || !out)
        return;
    if (GetConsoleMode(out, &mode))
    {
        WriteConsoleW(out, text, len, &written, NULL);
        return;
    }
    /* Redirected: console programs write in the console code page. */
    if (!(cp = GetConsoleOutputCP()))
        cp = GetOEMCP();
    size = WideCharToMultiByte(cp, 0, text, len, NULL, 0, NULL, NULL);
    if (size <= 0 || !(bytes = malloc(size)))
        return;
    WideCharToMultiByte(cp, 0, text, len, bytes, size, NULL, NULL);
    WriteFile(out, bytes, size, &written, NULL);
    free(bytes);
}

/* Formats into a heap buffer large enough for any argument length. */
static WCHAR *format_alloc(const WCHAR *fmt, va_list args, int *len)
{
    va_list copy;
    WCHAR *text;
    int n;

    va_copy(copy, args);
    n = _vscwprintf(fmt, copy);
    va_end(copy);
    if (n < 0 || !(text = malloc((n + 1) * sizeof(WCHAR))))
        return NULL;
    _vsnwprintf(text, n + 1, fmt, args);
    text[n] = 0;
    *len = n;
    return text;
}

/* Line-oriented output; "\n" becomes "\r\n" like every Windows program. */
static void print_lines(const WCHAR *text, int len)
{
    int start = 0, i;

    for (i = 0; i < len; i++)
    {
        if (text[i] != '\n')
            continue;
        if (i > start && text[i - 1] == '\r')
            write_text(text + start, i - start + 1);
        else
        {
            write_text(text + start, i - start);
            write_text(L"\r\n", 2);
        }
        start = i + 1;
    }
    write_text(text + start, len - start);
}

void ba_print(const WCHAR *fmt, ...)
{
    va_list args;
    WCHAR *text;
    int len;

    va_start(args, fmt);
    text = format_alloc(fmt, args, &len);
    va_end(args);
    if (text)
        print_lines(text, len);
    free(text);
}

/* The result of a getter: a line, or the bare value under /rawreturn so that
 * scripts can capture it (for /f ... in ('bitsadmin /rawreturn ...')). */
void ba_value(struct ba_ctx *ctx, const WCHAR *fmt, ...)
{
    va_list args;
    WCHAR *text;
    int len;

    va_start(args, fmt);
    text = format_alloc(fmt, args, &len);
    va_end(args);
    if (!text)
        return;
    print_lines(text, len);
    if (!ctx->raw)
        print_lines(L"\n", 1);
    free(text);
}

static void trim_line_ends(WCHAR *text)
{
    size_t n = wcslen(text);

    while (n && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = 0;
}

/* The text BITS gives for an HRESULT (IBackgroundCopyManager::
 * GetErrorDescription), or the system message table when BITS cannot be
 * asked.  CoTaskMemFree the result; NULL when nobody knows the code. */
WCHAR *ba_describe(struct ba_ctx *ctx, HRESULT hr)
{
    WCHAR *text = NULL, *msg = NULL;
    DWORD len;

    if (ctx->mgr && SUCCEEDED(IBackgroundCopyManager_GetErrorDescription(ctx->mgr, hr,
            LANGIDFROMLCID(GetThreadLocale()), &text)) && text)
    {
        trim_line_ends(text);
        return text;
    }
    len = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER |
                         FORMAT_MESSAGE_IGNORE_INSERTS, NULL, hr, 0, (WCHAR *)&msg, 0, NULL);
    if (!len || !msg)
        return NULL;
    if ((text = CoTaskMemAlloc((len + 1) * sizeof(WCHAR))))
    {
        memcpy(text, msg, (len + 1) * sizeof(WCHAR));
        trim_line_ends(text);
    }
    LocalFree(msg);
    return text;
}

/* "Unable to <what> - 0x80200002" and the description on the next line. */
int ba_fail(struct ba_ctx *ctx, const WCHAR *what, HRESULT hr)
{
    WCHAR *text = ba_describe(ctx, hr);

    ba_print(L"Unable to %ls - 0x%08lx\n", what, (unsigned long)hr);
    if (text)
        ba_print(L"%ls\n", text);
    CoTaskMemFree(text);
    return BA_EXIT_FAILED;
}

/* Switches are case-insensitive and written /name. */
BOOL ba_is_switch(const WCHAR *arg, const WCHAR *name)
{
    return arg[0] == '/' && !_wcsicmp(arg + 1, name);
}

/* Decimal, or hexadecimal with 0x; the whole text must be a number. */
BOOL ba_parse_ulong(const WCHAR *text, ULONG *value)
{
    WCHAR *end;
    unsigned long long v;

    if (!text[0] || text[0] == '-' || text[0] == '+' || iswspace(text[0]))
        return FALSE;
    errno = 0;
    v = wcstoull(text, &end, 0);
    if (errno || *end || v > 0xffffffffULL)
        return FALSE;
    *value = (ULONG)v;
    return TRUE;
}

/* Windows bitsadmin spells an absent string argument "NULL". */
const WCHAR *ba_null_arg(const WCHAR *arg)
{
    return _wcsicmp(arg, L"NULL") ? arg : NULL;
}
