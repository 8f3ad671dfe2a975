/*
 * Tracing for qmgr.dll.  Off by default; WINEBITS_DEBUG=1 in the
 * environment of svchost (or DWORD HKLM\Software\winebits\Debug = 1) turns
 * it on.  Lines go to OutputDebugString (visible with WINEDEBUG=+debugstr)
 * and to stderr, which Wine passes to the terminal that started the
 * wineserver.
 */
#include <stdarg.h>
#include <string.h>
#include <stdio.h>

#include "qmgr_private.h"

int qmgr_debug_on;

static BOOL debug_from_registry(void)
{
    DWORD value = 0, size = sizeof(value), type;
    HKEY key;
    LONG err;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\winebits", 0, KEY_READ, &key))
        return FALSE;
    err = RegQueryValueExW(key, L"Debug", NULL, &type, (BYTE *)&value, &size);
    RegCloseKey(key);
    return !err && type == REG_DWORD && value;
}

void qmgr_debug_init(void)
{
    char buf[8];
    DWORD n = GetEnvironmentVariableA("WINEBITS_DEBUG", buf, sizeof(buf));

    qmgr_debug_on = (n > 0 && n < sizeof(buf) && buf[0] != '0') || debug_from_registry();
}

void qmgr_trace(const char *func, const char *fmt, ...)
{
    char line[1024];
    int n;
    va_list ap;

    n = snprintf(line, sizeof(line), "qmgr:%04lx:%s ", GetCurrentThreadId(), func);
    if (n < 0 || n >= (int)sizeof(line))
        return;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    OutputDebugStringA(line);
    fputs(line, stderr);
    fflush(stderr);
}

/* Small ring of buffers so several debugstr_* can appear in one TRACE. */
static char *debug_buffer(void)
{
    static char ring[8][300];
    static LONG next;
    return ring[(InterlockedIncrement(&next) & 7)];
}

const char *debugstr_guid(const GUID *g)
{
    char *buf;

    if (!g)
        return "(null)";
    buf = debug_buffer();
    snprintf(buf, 300, "{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2],
             g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
    return buf;
}

const char *debugstr_w(const WCHAR *s)
{
    char *buf;

    if (!s)
        return "(null)";
    buf = debug_buffer();
    buf[0] = '"';
    if (!WideCharToMultiByte(CP_UTF8, 0, s, -1, buf + 1, 296, NULL, NULL))
        strcpy(buf + 1, "...");
    strcat(buf, "\"");
    return buf;
}
