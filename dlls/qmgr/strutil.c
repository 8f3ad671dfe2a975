/*
 * Strings at the COM/wire boundary: COM speaks UTF-16, bitsd speaks UTF-8.
 * Strings handed to callers are CoTaskMemAlloc'ed copies, as COM requires.
 * Also the checks and conversions for local file names.
 */
#include <stdlib.h>
#include <string.h>

#include "qmgr_private.h"

HRESULT utf8_from_wide(const WCHAR *in, char **out)
{
    int len;
    char *s;

    *out = NULL;
    if (!in)
        return S_OK;
    len = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, in, -1, NULL, 0, NULL, NULL);
    if (len <= 0)
        return E_INVALIDARG;
    if (!(s = malloc(len)))
        return E_OUTOFMEMORY;
    WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, in, -1, s, len, NULL, NULL);
    *out = s;
    return S_OK;
}

HRESULT cotask_wide_from_utf8(const char *in, WCHAR **out)
{
    int len;
    WCHAR *s;

    *out = NULL;
    if (!in)
        return S_OK;
    len = MultiByteToWideChar(CP_UTF8, 0, in, -1, NULL, 0);
    if (len <= 0)
        return E_FAIL;
    if (!(s = CoTaskMemAlloc(len * sizeof(WCHAR))))
        return E_OUTOFMEMORY;
    MultiByteToWideChar(CP_UTF8, 0, in, -1, s, len);
    *out = s;
    return S_OK;
}

HRESULT cotask_strdupW(const WCHAR *in, WCHAR **out)
{
    size_t size;

    *out = NULL;
    if (!in)
        return S_OK;
    size = (wcslen(in) + 1) * sizeof(WCHAR);
    if (!(*out = CoTaskMemAlloc(size)))
        return E_OUTOFMEMORY;
    memcpy(*out, in, size);
    return S_OK;
}

static BOOL is_drive_letter(WCHAR c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* BITS wants absolute names: "X:\dir\file" or "\\server\share\file".
 * Device and long-path prefixes ("\\?\", "\\.\") and NTFS stream names
 * ("file:stream") are refused as Windows does. */
BOOL is_full_windows_path(const WCHAR *path)
{
    const WCHAR *rest;

    if (!path)
        return FALSE;
    if (is_drive_letter(path[0]) && path[1] == ':' && (path[2] == '\\' || path[2] == '/'))
        rest = path + 3;
    else if (path[0] == '\\' && path[1] == '\\')
    {
        if (path[2] == '?' || path[2] == '.' || !path[2] || path[2] == '\\')
            return FALSE;
        rest = path + 2;
    }
    else
        return FALSE;
    return !wcschr(rest, ':') && *rest;
}

typedef char * (CDECL *wine_get_unix_file_name_t)(const WCHAR *);

/* Wine's kernel32 export; absent on Windows, where there is nothing to
 * convert to. */
static char *wine_unix_name(const WCHAR *path)
{
    static wine_get_unix_file_name_t fn;

    if (!fn)
        fn = (wine_get_unix_file_name_t)(void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"),
                                                       "wine_get_unix_file_name");
    return fn ? fn(path) : NULL;
}

HRESULT unix_path_from_windows(const WCHAR *path, char **out)
{
    char *name = wine_unix_name(path);

    *out = NULL;
    if (!name)
    {
        TRACE("no Unix name for %s\n", debugstr_w(path));
        return BP_E_PATH_NOT_FOUND;
    }
    *out = strdup(name);
    HeapFree(GetProcessHeap(), 0, name);
    return *out ? S_OK : E_OUTOFMEMORY;
}
