/*
 * The prefix's own proxy settings, for jobs with BG_JOB_PROXY_USAGE_PRECONFIG
 * ("use the owner's Internet Explorer settings").  bitsd runs outside Wine,
 * so it reads them from the registry files of the prefix:
 *
 *   user.reg    HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings
 *               ProxyEnable (dword), ProxyServer, ProxyOverride (strings)
 *   system.reg  HKLM\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections
 *               WinHttpSettings (binary; what "netsh winhttp set proxy" writes)
 *
 * The Internet Settings of the user win; WinHTTP's machine default is used
 * when they enable no proxy.  The files are read at every transfer start,
 * so a changed setting applies to the next transfer without a restart.
 *
 * Wine writes the files itself (wineserver saves them a few seconds after a
 * change); a key name has its backslashes doubled, a string value is in
 * double quotes with \\ and \" escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bitsd.h"

#define INTERNET_SETTINGS_KEY "Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings"
#define CONNECTIONS_KEY INTERNET_SETTINGS_KEY "\\\\Connections"

/* WinHttpSettings: DWORD size, DWORD counter, DWORD flags, then counted
 * ASCII strings: proxy server, bypass list. */
#define WINHTTP_FLAG_PROXY 2u
#define WINHTTP_HEADER_SIZE 12u

static void strip_newline(char *line)
{
    size_t n = strlen(line);

    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
}

/* "[key] stamp": whether 'line' opens section 'key' (case-insensitive). */
static int is_section(const char *line, const char *key)
{
    size_t n = strlen(key);

    return line[0] == '[' && !strncasecmp(line + 1, key, n) && line[n + 1] == ']';
}

/* Appends the continuation lines of a value that ends in '\' */
static int join_continued(FILE *f, char **value)
{
    char *line = NULL;
    size_t cap = 0;

    for (;;) {
        size_t n = strlen(*value);
        char *joined, *p;

        if (!n || (*value)[n - 1] != '\\')
            break;
        (*value)[n - 1] = 0;
        if (getline(&line, &cap, f) < 0)
            break;
        strip_newline(line);
        for (p = line; *p == ' ' || *p == '\t'; p++)
            ;
        joined = malloc(n + strlen(p) + 1);
        if (!joined) {
            free(line);
            return -1;
        }
        strcat(strcpy(joined, *value), p);
        free(*value);
        *value = joined;
    }
    free(line);
    return 0;
}

/* The text after '=' of value 'name' in section 'key' of 'file', with
 * continuation lines joined; malloc'd, or NULL when absent. */
static char *reg_value(const char *file, const char *key, const char *name)
{
    FILE *f = fopen(file, "re");
    char *line = NULL, *found = NULL;
    size_t cap = 0, name_len = strlen(name);
    int in_key = 0;

    if (!f)
        return NULL;
    while (!found && getline(&line, &cap, f) >= 0) {
        strip_newline(line);
        if (line[0] == '[') {
            in_key = is_section(line, key);
            continue;
        }
        if (!in_key || line[0] != '"' || strncasecmp(line + 1, name, name_len)
            || line[name_len + 1] != '"' || line[name_len + 2] != '=')
            continue;
        found = strdup(line + name_len + 3);
        if (found && join_continued(f, &found) < 0) {
            free(found);
            found = NULL;
        }
    }
    free(line);
    fclose(f);
    return found;
}

/* "text" with \\ and \" escapes to its contents; NULL when not a string. */
static char *reg_string(const char *raw)
{
    char *out, *o;

    if (!raw || raw[0] != '"' || !(out = malloc(strlen(raw))))
        return NULL;
    for (raw++, o = out; *raw && *raw != '"'; raw++) {
        if (*raw == '\\' && raw[1])
            raw++;
        *o++ = *raw;
    }
    *o = 0;
    return out;
}

static int reg_dword(const char *raw, unsigned long *out)
{
    char *end;

    if (!raw || strncasecmp(raw, "dword:", 6))
        return -1;
    *out = strtoul(raw + 6, &end, 16);
    return end == raw + 6 ? -1 : 0;
}

/* "hex:18,00,..." to bytes; malloc'd, length in *len. */
static unsigned char *reg_binary(const char *raw, size_t *len)
{
    unsigned char *out;
    const char *p;
    size_t n = 0;

    if (!raw || strncasecmp(raw, "hex:", 4) || !(out = malloc(strlen(raw) / 3 + 1)))
        return NULL;
    for (p = raw + 4; *p;) {
        char *end;
        unsigned long b = strtoul(p, &end, 16);

        if (end == p || b > 255)
            break;
        out[n++] = (unsigned char)b;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',')
            break;
    }
    *len = n;
    return out;
}

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A counted string of the WinHttpSettings blob at *pos; malloc'd or NULL. */
static char *blob_string(const unsigned char *blob, size_t len, size_t *pos)
{
    uint32_t n;
    char *s;

    if (*pos + 4 > len)
        return NULL;
    n = le32(blob + *pos);
    *pos += 4;
    if (n > len - *pos || !(s = malloc(n + 1)))
        return NULL;
    memcpy(s, blob + *pos, n);
    s[n] = 0;
    *pos += n;
    return s;
}

static int from_internet_settings(const char *prefix, char **server, char **bypass)
{
    char *file = path_join(prefix, "user.reg"), *raw;
    unsigned long enable = 0;

    if (!file)
        return -1;
    raw = reg_value(file, INTERNET_SETTINGS_KEY, "ProxyEnable");
    if (reg_dword(raw, &enable) == 0 && enable) {
        free(raw);
        raw = reg_value(file, INTERNET_SETTINGS_KEY, "ProxyServer");
        *server = reg_string(raw);
        free(raw);
        raw = reg_value(file, INTERNET_SETTINGS_KEY, "ProxyOverride");
        *bypass = reg_string(raw);
    }
    free(raw);
    free(file);
    if (*server && !**server) {
        free(*server);
        *server = NULL;
    }
    return *server ? 1 : 0;
}

static int from_winhttp_settings(const char *prefix, char **server, char **bypass)
{
    char *file = path_join(prefix, "system.reg"), *raw;
    unsigned char *blob = NULL;
    size_t len = 0, pos = WINHTTP_HEADER_SIZE;

    if (!file)
        return -1;
    raw = reg_value(file, CONNECTIONS_KEY, "WinHttpSettings");
    free(file);
    blob = reg_binary(raw, &len);
    free(raw);
    if (blob && len >= WINHTTP_HEADER_SIZE && (le32(blob + 8) & WINHTTP_FLAG_PROXY)) {
        *server = blob_string(blob, len, &pos);
        if (*server)
            *bypass = blob_string(blob, len, &pos);
    }
    free(blob);
    if (*server && !**server) {
        free(*server);
        *server = NULL;
    }
    return *server ? 1 : 0;
}

int prefix_proxy_settings(const char *prefix, char **server, char **bypass)
{
    int rc;

    *server = *bypass = NULL;
    if (!prefix)
        return 0;
    rc = from_internet_settings(prefix, server, bypass);
    if (rc != 0)
        return rc;
    free(*bypass);
    *bypass = NULL;
    return from_winhttp_settings(prefix, server, bypass);
}
