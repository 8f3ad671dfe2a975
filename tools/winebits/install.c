/*
 * install / uninstall.  Installing replaces the file system32/qmgr.dll
 * rather than pointing the service's ServiceDll elsewhere, because
 * `wineboot -u` resets ServiceDll but leaves a native qmgr.dll in place
 * (shared/reference/WINE.md).  Every step checks before it changes, so
 * running install twice changes nothing the second time.
 */
#include "winebits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM32        "drive_c/windows/system32/"
#define SYSTEM32_QMGR   SYSTEM32 "qmgr.dll"
#define BACKUP_SUFFIX   ".winebits-orig"
#define STATE_DIR       "bitsd"
#define DAEMON_FILE     "bitsd/daemon"

#define KEY_OVERRIDES   "HKCU\\Software\\Wine\\DllOverrides"
#define KEY_CLSID       "HKLM\\Software\\Classes\\CLSID\\{4991D34B-80A1-4291-83B6-3328366B9097}"
#define KEY_APPID       "HKLM\\Software\\Classes\\AppID\\{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"
#define APPID_BITS      "{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"
#define KEY_SERVICE     "HKLM\\System\\CurrentControlSet\\Services\\BITS"
#define KEY_SERVICE_PARAMS KEY_SERVICE "\\Parameters"
#define KEY_SVCHOST     "HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\SvcHost"
#define QMGR_WINPATH    "C:\\windows\\system32\\qmgr.dll"
#define SVCHOST_CMDLINE "C:\\windows\\system32\\svchost.exe -k netsvcs"

/* The DLLs that replace Wine's builtin ones: the service (qmgr) and the
 * proxy/stub DLL that marshals every BITS interface (qmgrprxy).  Each needs
 * the override "native": Wine otherwise loads its builtin even for a file
 * that is in system32. */
static const char *const our_dlls[] = { "qmgr", "qmgrprxy" };
#define N_OUR_DLLS (sizeof(our_dlls) / sizeof(our_dlls[0]))

struct reg_default {
    const char *key;
    const char *value;
    const char *type;
    const char *data;
};

/* What stock Wine registers for BITS (loader/wine.inf and qmgr's own
 * registration).  Only values that are missing are written: a user's
 * changes to existing values are kept. */
static const struct reg_default bits_registration[] = {
    { KEY_CLSID, "AppID", "REG_SZ", APPID_BITS },
    { KEY_APPID, "LocalService", "REG_SZ", "BITS" },
    { KEY_SERVICE, "ImagePath", "REG_EXPAND_SZ", SVCHOST_CMDLINE },
    { KEY_SERVICE, "Type", "REG_DWORD", "16" },
    { KEY_SERVICE, "Start", "REG_DWORD", "3" },
    { KEY_SERVICE, "ErrorControl", "REG_DWORD", "1" },
    { KEY_SERVICE, "ObjectName", "REG_SZ", "LocalSystem" },
    { KEY_SERVICE, "DisplayName", "REG_SZ", "BITS Service" },
    { KEY_SERVICE_PARAMS, "ServiceDll", "REG_EXPAND_SZ", QMGR_WINPATH },
};

/* 1 when the REG_MULTI_SZ text (items joined by "\0") lists 'item'. */
static int multi_sz_has(const char *list, const char *item)
{
    size_t len = strlen(item);
    const char *p = list;

    for (;;) {
        const char *end = strstr(p, "\\0");
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == len && strncasecmp(p, item, len) == 0)
            return 1;
        if (!end)
            return 0;
        p = end + 2;
    }
}

/* svchost -k netsvcs only runs the services listed in its group. */
static int ensure_in_netsvcs(const struct wb_options *opt)
{
    char list[4096], updated[4200];
    int rc = wb_reg_get(opt, KEY_SVCHOST, "netsvcs", list, sizeof(list));

    if (rc < 0)
        return -1;
    if (rc > 0 && multi_sz_has(list, "BITS"))
        return 0;
    if (rc > 0 && list[0])
        snprintf(updated, sizeof(updated), "%s\\0BITS", list);
    else
        snprintf(updated, sizeof(updated), "BITS");
    printf("adding BITS to the svchost netsvcs group\n");
    return wb_reg_add(opt, KEY_SVCHOST, "netsvcs", "REG_MULTI_SZ", updated);
}

static int ensure_registration(const struct wb_options *opt)
{
    size_t i;

    for (i = 0; i < sizeof(bits_registration) / sizeof(bits_registration[0]); i++) {
        const struct reg_default *r = &bits_registration[i];
        int present = wb_reg_value_is(opt, r->key, r->value, NULL);

        if (present < 0) {
            fprintf(stderr, "winebits: cannot run wine reg in %s\n", opt->prefix);
            return -1;
        }
        if (present)
            continue;
        printf("adding missing BITS registration %s\\%s\n", r->key, r->value);
        if (wb_reg_add(opt, r->key, r->value, r->type, r->data) < 0)
            return -1;
    }
    return ensure_in_netsvcs(opt);
}

static int bin_file(const struct wb_options *opt, const char *name, char *out, size_t size)
{
    if (wb_path(out, size, opt->bin_dir, name) < 0)
        return -1;
    if (!wb_file_exists(out)) {
        fprintf(stderr, "winebits: %s not found (build it, or pass --bin-dir)\n", out);
        return -1;
    }
    return 0;
}

/* Keeps Wine's qmgr.dll as <name>.winebits-orig the first time only: on a
 * second install the file in system32 is already ours. */
static int backup_path(char *out, size_t size, const char *target)
{
    int n = snprintf(out, size, "%s%s", target, BACKUP_SUFFIX);

    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int backup_original(const char *target, const char *ours)
{
    char backup[WB_PATH_MAX];

    if (backup_path(backup, sizeof(backup), target) < 0)
        return -1;
    if (wb_file_exists(backup))
        return 0;
    if (!wb_file_exists(target)) {
        fprintf(stderr, "winebits: %s is missing; the prefix looks incomplete\n", target);
        return -1;
    }
    if (wb_files_equal(target, ours)) {
        fprintf(stderr, "winebits: warning: %s is already the winebits build and no "
                "original was kept; uninstall will rely on Wine's builtin qmgr\n", target);
        return 0;
    }
    if (wb_copy_file(target, backup, 0644) < 0)
        return -1;
    return 0;
}

static int system32_path(char *out, size_t size, const char *prefix, const char *dll)
{
    char rel[256];

    snprintf(rel, sizeof(rel), SYSTEM32 "%s.dll", dll);
    return wb_path(out, size, prefix, rel);
}

static int install_dll(const struct wb_options *opt, const char *dll)
{
    char ours[WB_PATH_MAX], target[WB_PATH_MAX], name[256];

    snprintf(name, sizeof(name), "%s.dll", dll);
    if (bin_file(opt, name, ours, sizeof(ours)) < 0)
        return -1;
    if (system32_path(target, sizeof(target), opt->prefix, dll) < 0)
        return -1;
    if (backup_original(target, ours) < 0)
        return -1;
    if (!wb_files_equal(target, ours)) {
        if (wb_copy_file(ours, target, 0644) < 0)
            return -1;
        printf("installed %s\n", target);
    }
    return wb_reg_add(opt, KEY_OVERRIDES, dll, "REG_SZ", "native");
}

/* Points every BITS interface at our proxy/stub DLL (its DllRegisterServer
 * registers them all under the PSFactory CLSID Wine's qmgrprxy uses, so
 * `wineboot -u` re-registering Wine's interfaces lands on our file too). */
static int register_proxy(const struct wb_options *opt, int unregister)
{
    const char *reg[] = { "regsvr32", "/s", "qmgrprxy.dll", NULL };
    const char *unreg[] = { "regsvr32", "/u", "/s", "qmgrprxy.dll", NULL };

    if (wb_run_wine(opt, unregister ? unreg : reg) != 0) {
        fprintf(stderr, "winebits: regsvr32 %sqmgrprxy.dll failed in %s\n",
                unregister ? "/u " : "", opt->prefix);
        return -1;
    }
    return 0;
}

static int make_state_dir(const char *prefix, char *dir, size_t size)
{
    if (wb_path(dir, size, prefix, STATE_DIR) < 0)
        return -1;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "winebits: mkdir %s: %s\n", dir, strerror(errno));
        return -1;
    }
    /* The token lives here: whatever mode it had, it is private now. */
    if (chmod(dir, 0700) < 0) {
        fprintf(stderr, "winebits: chmod %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_daemon_path(const struct wb_options *opt, const char *bitsd)
{
    char dir[WB_PATH_MAX], file[WB_PATH_MAX], line[WB_PATH_MAX + 2];

    if (access(bitsd, X_OK) < 0) {
        fprintf(stderr, "winebits: %s is not executable\n", bitsd);
        return -1;
    }
    if (make_state_dir(opt->prefix, dir, sizeof(dir)) < 0)
        return -1;
    if (wb_path(file, sizeof(file), opt->prefix, DAEMON_FILE) < 0)
        return -1;
    snprintf(line, sizeof(line), "%s\n", bitsd);
    return wb_write_file(file, line, 0600);
}

int wb_install(const struct wb_options *opt)
{
    char bitsd_rel[WB_PATH_MAX], bitsd[WB_PATH_MAX];
    size_t i;

    if (!wb_is_wine_prefix(opt->prefix)) {
        fprintf(stderr, "winebits: %s is not an initialised Wine prefix "
                "(run `WINEPREFIX=%s wineboot -i` first)\n", opt->prefix, opt->prefix);
        return WB_EXIT_FAILURE;
    }
    if (bin_file(opt, "bitsd", bitsd_rel, sizeof(bitsd_rel)) < 0)
        return WB_EXIT_FAILURE;
    /* bitsd is started later from inside Wine: the path must be absolute. */
    if (!realpath(bitsd_rel, bitsd)) {
        fprintf(stderr, "winebits: %s: %s\n", bitsd_rel, strerror(errno));
        return WB_EXIT_FAILURE;
    }
    for (i = 0; i < N_OUR_DLLS; i++)
        if (install_dll(opt, our_dlls[i]) < 0)
            return WB_EXIT_FAILURE;
    if (register_proxy(opt, 0) < 0)
        return WB_EXIT_FAILURE;
    if (ensure_registration(opt) < 0)
        return WB_EXIT_FAILURE;
    if (write_daemon_path(opt, bitsd) < 0)
        return WB_EXIT_FAILURE;
    printf("winebits installed in %s (bitsd: %s)\n", opt->prefix, bitsd);
    return WB_EXIT_OK;
}

/* Installed = our backup of Wine's DLL and the daemon path are both there. */
int wb_is_installed(const char *prefix)
{
    char path[WB_PATH_MAX];

    if (wb_path(path, sizeof(path), prefix, SYSTEM32_QMGR BACKUP_SUFFIX) < 0 ||
        !wb_file_exists(path))
        return 0;
    if (wb_path(path, sizeof(path), prefix, DAEMON_FILE) < 0)
        return 0;
    return wb_file_exists(path);
}

static int restore_dll(const struct wb_options *opt, const char *dll)
{
    char target[WB_PATH_MAX], backup[WB_PATH_MAX];

    if (system32_path(target, sizeof(target), opt->prefix, dll) < 0)
        return -1;
    if (backup_path(backup, sizeof(backup), target) < 0)
        return -1;
    if (wb_file_exists(backup)) {
        if (rename(backup, target) < 0) {
            fprintf(stderr, "winebits: restoring %s: %s\n", target, strerror(errno));
            return -1;
        }
        printf("restored Wine's %s\n", target);
    }
    return wb_reg_delete(opt, KEY_OVERRIDES, dll);
}

int wb_uninstall(const struct wb_options *opt)
{
    char daemon_file[WB_PATH_MAX], state_dir[WB_PATH_MAX];
    int was_installed = wb_is_installed(opt->prefix);
    size_t i;

    if (!wb_is_wine_prefix(opt->prefix)) {
        fprintf(stderr, "winebits: %s is not a Wine prefix\n", opt->prefix);
        return WB_EXIT_FAILURE;
    }
    if (wb_daemon_stop(opt->prefix, opt->verbose) < 0)
        return WB_EXIT_FAILURE;
    /* Our interfaces go away with our proxy DLL; Wine's own registration
     * of its qmgrprxy comes back with its file. */
    if (was_installed && register_proxy(opt, 1) < 0)
        return WB_EXIT_FAILURE;
    for (i = 0; i < N_OUR_DLLS; i++)
        if (restore_dll(opt, our_dlls[i]) < 0)
            return WB_EXIT_FAILURE;
    if (was_installed && register_proxy(opt, 0) < 0)
        return WB_EXIT_FAILURE;
    if (wb_path(daemon_file, sizeof(daemon_file), opt->prefix, DAEMON_FILE) < 0 ||
        wb_path(state_dir, sizeof(state_dir), opt->prefix, STATE_DIR) < 0)
        return WB_EXIT_FAILURE;
    if (unlink(daemon_file) < 0 && errno != ENOENT) {
        fprintf(stderr, "winebits: %s: %s\n", daemon_file, strerror(errno));
        return WB_EXIT_FAILURE;
    }
    if (was_installed)
        printf("winebits removed from %s; the job store in %s was left alone\n",
               opt->prefix, state_dir);
    else
        printf("winebits was not installed in %s; nothing left to remove\n", opt->prefix);
    return WB_EXIT_OK;
}
