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
/* WoW64: 32-bit programs load 32-bit DLLs from syswow64 and see the 32-bit
 * registry view, so they need a 32-bit qmgrprxy.dll registered there by the
 * 32-bit regsvr32.  A prefix made by a Wine without 32-bit support has an
 * empty syswow64: kernel32.dll tells the two apart. */
#define SYSWOW64        "drive_c/windows/syswow64/"
#define SYSWOW64_KERNEL32 SYSWOW64 "kernel32.dll"
#define BIN_I386_PROXY  "i386/qmgrprxy.dll"
#define REGSVR32_WOW64  "C:\\windows\\syswow64\\regsvr32.exe"
#define PROXY_WOW64     "C:\\windows\\syswow64\\qmgrprxy.dll"
#define BACKUP_SUFFIX   ".winebits-orig"
#define STATE_DIR       "bitsd"
#define DAEMON_FILE     "bitsd/daemon"

#define KEY_OVERRIDES   "HKCU\\Software\\Wine\\DllOverrides"
#define KEY_CLSID       "HKLM\\Software\\Classes\\CLSID\\{4991D34B-80A1-4291-83B6-3328366B9097}"
/* Versioned manager CLSIDs (BITS 1.5 ... 10.3): the same server. */
#define KEY_CLASSES     "HKLM\\Software\\Classes\\CLSID\\"
#define KEY_CLSID_1_5   KEY_CLASSES "{F087771F-D74F-4C1A-BB8A-E16ACA9124EA}"
#define KEY_CLSID_2_0   KEY_CLASSES "{6D18AD12-BDE3-4393-B311-099C346E6DF9}"
#define KEY_CLSID_2_5   KEY_CLASSES "{03CA98D6-FF5D-49B8-ABC6-03DD84127020}"
#define KEY_CLSID_3_0   KEY_CLASSES "{659CDEA7-489E-11D9-A9CD-000D56965251}"
#define KEY_CLSID_4_0   KEY_CLASSES "{BB6DF56B-CACE-11DC-9992-0019B93A3A84}"
#define KEY_CLSID_5_0   KEY_CLASSES "{1ECCA34C-E88A-44E3-8D6A-8921BDE9E452}"
#define KEY_CLSID_10_1  KEY_CLASSES "{4BD3E4E1-7BD4-4A2B-9964-496400DE5193}"
#define KEY_CLSID_10_2  KEY_CLASSES "{4575438F-A6C8-4976-B0FE-2F26B80D959E}"
#define KEY_CLSID_10_3  KEY_CLASSES "{5FD42AD5-C04E-4D36-ADC7-E08FF15737AD}"
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
    { KEY_CLSID_1_5, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_2_0, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_2_5, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_3_0, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_4_0, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_5_0, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_10_1, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_10_2, "AppID", "REG_SZ", APPID_BITS },
    { KEY_CLSID_10_3, "AppID", "REG_SZ", APPID_BITS },
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

/* <prefix>/<dir><dll>.dll; dir is SYSTEM32 or SYSWOW64. */
static int dll_path(char *out, size_t size, const char *prefix, const char *dir,
                    const char *dll)
{
    char rel[256];

    snprintf(rel, sizeof(rel), "%s%s.dll", dir, dll);
    return wb_path(out, size, prefix, rel);
}

static int system32_path(char *out, size_t size, const char *prefix, const char *dll)
{
    return dll_path(out, size, prefix, SYSTEM32, dll);
}

/* Puts 'ours' in place of the DLL at 'target', keeping Wine's file once. */
static int replace_dll(const char *ours, const char *target)
{
    if (backup_original(target, ours) < 0)
        return -1;
    if (!wb_files_equal(target, ours)) {
        if (wb_copy_file(ours, target, 0644) < 0)
            return -1;
        printf("installed %s\n", target);
    }
    return 0;
}

static int install_dll(const struct wb_options *opt, const char *dll)
{
    char ours[WB_PATH_MAX], target[WB_PATH_MAX], name[256];

    snprintf(name, sizeof(name), "%s.dll", dll);
    if (bin_file(opt, name, ours, sizeof(ours)) < 0)
        return -1;
    if (system32_path(target, sizeof(target), opt->prefix, dll) < 0)
        return -1;
    if (replace_dll(ours, target) < 0)
        return -1;
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

/* 1 when syswow64 holds our 32-bit proxy (its backup of Wine's is there). */
static int wow64_proxy_installed(const char *prefix)
{
    char target[WB_PATH_MAX], backup[WB_PATH_MAX];

    if (dll_path(target, sizeof(target), prefix, SYSWOW64, "qmgrprxy") < 0 ||
        backup_path(backup, sizeof(backup), target) < 0)
        return 0;
    return wb_file_exists(backup);
}

/* 1 when the prefix runs 32-bit programs (WoW64), 0 when it cannot. */
static int prefix_is_wow64(const char *prefix)
{
    char path[WB_PATH_MAX];

    return wb_path(path, sizeof(path), prefix, SYSWOW64_KERNEL32) == 0 &&
           wb_file_exists(path);
}

/* The 32-bit half is optional: a 64-bit-only prefix, or a build without
 * the 32-bit DLL (WINEBITS_WIN32=OFF), installs the 64-bit half alone.
 * 1 and the 32-bit DLL's path in 'ours' when there is a 32-bit half to
 * install; 0 (said why) when not. */
static int wow64_proxy_source(const struct wb_options *opt, char *ours, size_t size)
{
    if (!prefix_is_wow64(opt->prefix)) {
        printf("no 32-bit Wine in %s (no " SYSWOW64_KERNEL32 "): "
               "32-bit proxy/stub DLL not installed\n", opt->prefix);
        return 0;
    }
    if (wb_path(ours, size, opt->bin_dir, BIN_I386_PROXY) < 0)
        return 0;
    if (!wb_file_exists(ours)) {
        printf("%s not built (WINEBITS_WIN32=OFF?): 32-bit programs in %s "
               "keep Wine's proxy/stub DLL and its interfaces\n", ours, opt->prefix);
        return 0;
    }
    return 1;
}

/* syswow64 still holds Wine's placeholder for its builtin qmgrprxy, which
 * "native" refuses to load (c0000135): 32-bit programs could marshal no
 * BITS interface at all.  "native,builtin" still prefers our 64-bit file
 * and lets 32-bit programs fall back to Wine's builtin. */
static int allow_builtin_wow64_proxy(const struct wb_options *opt)
{
    if (!prefix_is_wow64(opt->prefix) || wow64_proxy_installed(opt->prefix))
        return 0;
    return wb_reg_add(opt, KEY_OVERRIDES, "qmgrprxy", "REG_SZ", "native,builtin");
}

/* The 32-bit regsvr32 writes the 32-bit registry view (Wow6432Node):
 * ProxyStubClsid32 of every interface and the PSFactory's InprocServer32. */
static int register_wow64_proxy(const struct wb_options *opt, int unregister)
{
    const char *reg[] = { REGSVR32_WOW64, "/s", PROXY_WOW64, NULL };
    const char *unreg[] = { REGSVR32_WOW64, "/u", "/s", PROXY_WOW64, NULL };

    if (wb_run_wine(opt, unregister ? unreg : reg) != 0) {
        fprintf(stderr, "winebits: 32-bit regsvr32 %s" PROXY_WOW64 " failed in %s\n",
                unregister ? "/u " : "", opt->prefix);
        return -1;
    }
    return 0;
}

/* The qmgrprxy=native override set for the 64-bit DLL (HKCU\Software\Wine
 * is one key for both bitnesses) covers this file too. */
static int install_wow64_proxy(const struct wb_options *opt)
{
    char ours[WB_PATH_MAX], target[WB_PATH_MAX];

    if (!wow64_proxy_source(opt, ours, sizeof(ours)))
        return allow_builtin_wow64_proxy(opt);
    if (dll_path(target, sizeof(target), opt->prefix, SYSWOW64, "qmgrprxy") < 0)
        return -1;
    if (replace_dll(ours, target) < 0)
        return -1;
    return register_wow64_proxy(opt, 0);
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
    if (install_wow64_proxy(opt) < 0)
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

/* Puts Wine's file (kept by replace_dll) back; nothing to do without one. */
static int restore_file(const char *target)
{
    char backup[WB_PATH_MAX];

    if (backup_path(backup, sizeof(backup), target) < 0)
        return -1;
    if (wb_file_exists(backup)) {
        if (rename(backup, target) < 0) {
            fprintf(stderr, "winebits: restoring %s: %s\n", target, strerror(errno));
            return -1;
        }
        printf("restored Wine's %s\n", target);
    }
    return 0;
}

static int restore_dll(const struct wb_options *opt, const char *dll)
{
    char target[WB_PATH_MAX];

    if (system32_path(target, sizeof(target), opt->prefix, dll) < 0)
        return -1;
    if (restore_file(target) < 0)
        return -1;
    return wb_reg_delete(opt, KEY_OVERRIDES, dll);
}


/* Unregisters our 32-bit proxy and puts Wine's file back: 1 when it did,
 * so that Wine's proxy registers its interfaces in the 32-bit view again
 * once the qmgrprxy override is gone (as the 64-bit half does). */
static int uninstall_wow64_proxy(const struct wb_options *opt)
{
    char target[WB_PATH_MAX];

    if (!wow64_proxy_installed(opt->prefix))
        return 0;
    if (!prefix_is_wow64(opt->prefix)) {
        fprintf(stderr, "winebits: %s has our 32-bit proxy but no 32-bit Wine to "
                "unregister it with\n", opt->prefix);
        return -1;
    }
    if (register_wow64_proxy(opt, 1) < 0)
        return -1;
    if (dll_path(target, sizeof(target), opt->prefix, SYSWOW64, "qmgrprxy") < 0)
        return -1;
    if (restore_file(target) < 0)
        return -1;
    return 1;
}

int wb_uninstall(const struct wb_options *opt)
{
    char daemon_file[WB_PATH_MAX], state_dir[WB_PATH_MAX];
    int was_installed = wb_is_installed(opt->prefix);
    int wow64_removed;
    size_t i;

    if (!wb_is_wine_prefix(opt->prefix)) {
        fprintf(stderr, "winebits: %s is not a Wine prefix\n", opt->prefix);
        return WB_EXIT_FAILURE;
    }
    if (wb_daemon_stop(opt->prefix, opt->verbose) < 0)
        return WB_EXIT_FAILURE;
    /* Our interfaces go away with our proxy DLL; Wine's own registration
     * of its qmgrprxy comes back with its file. */
    wow64_removed = uninstall_wow64_proxy(opt);
    if (wow64_removed < 0)
        return WB_EXIT_FAILURE;
    if (was_installed && register_proxy(opt, 1) < 0)
        return WB_EXIT_FAILURE;
    for (i = 0; i < N_OUR_DLLS; i++)
        if (restore_dll(opt, our_dlls[i]) < 0)
            return WB_EXIT_FAILURE;
    if (was_installed && register_proxy(opt, 0) < 0)
        return WB_EXIT_FAILURE;
    if (wow64_removed && register_wow64_proxy(opt, 0) < 0)
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
