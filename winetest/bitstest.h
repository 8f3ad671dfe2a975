/*
 * Helpers shared by the conformance programs: arguments, files, hashes,
 * waiting for a job, and a callback object.  Only Windows SDK headers.
 */
#ifndef WINETEST_BITSTEST_H
#define WINETEST_BITSTEST_H

#define COBJMACROS
#include <windows.h>
#include <bits.h>
#include <bits1_5.h>
#include <bitsmsg.h>

#include "sha256.h"
#include "test.h"

#define BT_URL_MAX      2200
#define BT_WAIT_MS      60000   /* guard against hangs, never a pass criterion */

struct bt_args {
    WCHAR base_url[BT_URL_MAX];     /* http://127.0.0.1:PORT, no trailing slash */
    WCHAR scratch[MAX_PATH];        /* Windows directory for local files */
    WCHAR server_root[MAX_PATH];    /* bits-server --root as a Windows path ("" if not given) */
};

/* usage: <prog> <base url> <scratch dir> [<server root>] */
BOOL bt_parse_args(int argc, char **argv, struct bt_args *args);

/* The start of a conformance program's main(): unbuffered output, the
 * arguments (the server root too when need_root), COM in the multithreaded
 * apartment and the manager (NULL after a failed check).  FALSE on bad
 * arguments: main() returns 2. */
BOOL bt_begin(int argc, char **argv, struct bt_args *args, BOOL need_root,
              IBackgroundCopyManager **manager);
/* The end: releases the manager (may be NULL), leaves COM and prints the
 * summary; main()'s exit code. */
int bt_end(IBackgroundCopyManager *manager);
/* Runs one test function and traces how long it took. */
#define BT_RUN(test) do { DWORD bt_t0 = GetTickCount(); test(); \
        trace("%s: %lu ms\n", #test, GetTickCount() - bt_t0); } while (0)

/* CoCreateInstance(CLSID_BackgroundCopyManager, CLSCTX_LOCAL_SERVER); NULL on failure. */
IBackgroundCopyManager *bt_create_manager(void);
/* CreateJob + QueryInterface(IID_IBackgroundCopyJob2). */
HRESULT bt_create_job(IBackgroundCopyManager *mgr, const WCHAR *name, BG_JOB_TYPE type,
                      IBackgroundCopyJob2 **job);

void bt_url(WCHAR *out, const struct bt_args *args, const WCHAR *path);
void bt_scratch_path(WCHAR *out, const struct bt_args *args, const WCHAR *name);
void bt_server_path(WCHAR *out, const struct bt_args *args, const WCHAR *relative);

/* Writes 'size' bytes: byte i = (i * 7 + seed) % 256. */
BOOL bt_write_pattern_file(const WCHAR *path, DWORD size, unsigned seed);
/* HeapAlloc'd contents (free with bt_free); NULL when unreadable. */
BYTE *bt_read_file(const WCHAR *path, DWORD *size);
void bt_free(void *p);
BOOL bt_file_sha256(const WCHAR *path, char hex[65]);

/* Polls until TRANSFERRED, ERROR, ACKNOWLEDGED or CANCELLED (or the guard
 * timeout) and returns the state; reports the job's error when it failed. */
BG_JOB_STATE bt_wait_for_job(IBackgroundCopyJob2 *job);
const char *bt_state_name(BG_JOB_STATE state);

/* IBackgroundCopyCallback that signals events, usable from any apartment. */
struct bt_callback {
    IBackgroundCopyCallback IBackgroundCopyCallback_iface;
    LONG ref;
    HANDLE transferred;             /* manual-reset events */
    HANDLE error;
    LONG transferred_calls;
    LONG error_calls;
};
struct bt_callback *bt_callback_create(void);
void bt_callback_release(struct bt_callback *cb);

#endif
