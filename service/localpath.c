/*
 * Remote names of download jobs that name a file rather than a URL: BITS
 * takes "a UNC path, full path with a network drive, or the file://
 * prefix" (bg_file_info.md).  Under Wine those are names in the prefix's
 * namespace, so bitsd maps them itself the way Wine does:
 *
 *     C:\dir\file               <prefix>/dosdevices/c:/dir/file
 *     \\server\share\dir\file   <prefix>/dosdevices/unc/server/share/dir/file
 *     file:///C:/dir/file       as C:\dir\file (percent escapes decoded)
 *     file://server/share/file  as \\server\share\file
 *
 * Windows names are case-insensitive: each component is looked up as
 * written first and then case-insensitively, like Wine's lookup.  The
 * mapping is done when a transfer starts (not at AddFile) so it follows
 * the prefix's drive mappings as they are then, and nothing extra has to
 * be stored.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bitsd.h"

static int is_drive_path(const char *s)
{
    return isalpha((unsigned char)s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/');
}

/* "\\server\share..." but not the "\\?\" and "\\.\" device forms. */
static int is_unc_path(const char *s)
{
    return (s[0] == '\\' && s[1] == '\\') && s[2] && s[2] != '\\' && s[2] != '/'
        && !((s[2] == '?' || s[2] == '.') && (s[3] == '\\' || s[3] == '/'));
}

int remote_is_local(const char *remote)
{
    return remote && ((!strncasecmp(remote, "file://", 7) && remote[7]) || is_drive_path(remote)
                      || is_unc_path(remote));
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX in place; -1 on a malformed escape or an escaped NUL. */
static int percent_decode(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (*s == '%') {
            int hi = hex_value(s[1]), lo = hi < 0 ? -1 : hex_value(s[2]);

            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *out++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
    return 0;
}

/* file:// URL to a Windows path (malloc'd), or NULL. */
static char *windows_from_file_url(const char *url)
{
    const char *rest = url + 7, *slash;
    char *path, *host = NULL, *win;
    size_t hostlen;
    int remote_host;

    slash = strchr(rest, '/');
    hostlen = slash ? (size_t)(slash - rest) : strlen(rest);
    remote_host = hostlen && !(hostlen == 9 && !strncasecmp(rest, "localhost", 9));
    if (remote_host)
        host = strndup(rest, hostlen);
    path = strdup(slash ? slash : "");
    if (!path || (remote_host && !host) || percent_decode(path) < 0) {
        free(path);
        free(host);
        return NULL;
    }
    if (host) {
        /* file://server/share/file is \\server\share\file */
        win = malloc(strlen(host) + strlen(path) + 3);
        if (win)
            strcat(strcat(strcpy(win, "\\\\"), host), path);
    } else if (is_drive_path(path + (path[0] == '/'))) {
        win = strdup(path + (path[0] == '/'));
    } else {
        win = NULL;             /* a Unix path is not a Windows name */
    }
    free(path);
    free(host);
    return win;
}

/* Appends '/' and the entry of directory 'dir' that matches 'name': the
 * exact name if it exists, else one that differs only in case, else 'name'
 * itself (so that opening it fails with ENOENT). */
static int append_component(char **dir, const char *name)
{
    const char *chosen = name;
    char *found = NULL, *joined;
    struct stat sb;
    DIR *d;

    joined = path_join(*dir, name);
    if (!joined)
        return -1;
    if (lstat(joined, &sb) < 0 && (d = opendir(*dir))) {
        struct dirent *e;

        while ((e = readdir(d))) {
            if (!strcasecmp(e->d_name, name)) {
                found = strdup(e->d_name);
                break;
            }
        }
        closedir(d);
        if (found) {
            chosen = found;
            free(joined);
            joined = path_join(*dir, chosen);
        }
    }
    free(found);
    if (!joined)
        return -1;
    free(*dir);
    *dir = joined;
    return 0;
}

/* Walks the components of 'rest' (separated by \ or /) below 'root'. */
static char *resolve_below(char *root, const char *rest)
{
    char *copy = strdup(rest), *save = NULL, *comp;
    size_t root_len = strlen(root);

    if (!copy) {
        free(root);
        return NULL;
    }
    for (comp = strtok_r(copy, "\\/", &save); comp; comp = strtok_r(NULL, "\\/", &save)) {
        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) {
            char *cut = strrchr(root, '/');
            /* never above the drive or share root */
            if (cut && (size_t)(cut - root) >= root_len)
                *cut = 0;
            continue;
        }
        if (append_component(&root, comp) < 0) {
            free(root);
            root = NULL;
            break;
        }
    }
    free(copy);
    return root;
}

static char *unix_from_windows(const char *prefix, const char *win)
{
    char *root, *dosdevices = path_join(prefix, "dosdevices");
    const char *rest;

    if (!dosdevices)
        return NULL;
    if (is_drive_path(win)) {
        char drive[3] = { (char)tolower((unsigned char)win[0]), ':', 0 };

        root = path_join(dosdevices, drive);
        rest = win + 2;
    } else if (is_unc_path(win)) {
        root = path_join(dosdevices, "unc");
        rest = win + 2;
    } else {
        root = NULL;
        rest = NULL;
        errno = EINVAL;
    }
    free(dosdevices);
    if (!root)
        return NULL;
    if (!is_drive_path(win)) {
        /* server and share: both must be given */
        const char *p = rest + strcspn(rest, "\\/");
        if (!*p || !p[1]) {
            free(root);
            errno = EINVAL;
            return NULL;
        }
    }
    return resolve_below(root, rest);
}

char *remote_unix_path(const char *prefix, const char *remote)
{
    char *win, *unix_path;

    if (!remote_is_local(remote)) {
        errno = EINVAL;
        return NULL;
    }
    if (!strncasecmp(remote, "file://", 7))
        win = windows_from_file_url(remote);
    else
        win = strdup(remote);
    if (!win) {
        errno = EINVAL;
        return NULL;
    }
    unix_path = unix_from_windows(prefix, win);
    free(win);
    return unix_path;
}
