/*
 * Helpers of the BITS 1.5 conformance programs (download, methods, enum,
 * error): jobs, documented "refused" answers, and talking to bits-server's
 * /_control and /_stats.  Only Windows SDK headers.
 */
#ifndef WINETEST_CONFORM_H
#define WINETEST_CONFORM_H

#include "bitstest.h"

/* A NULL argument refused by the method (E_INVALIDARG) or already by the
 * COM proxy ([ref] pointers: RPC_X_NULL_REF_POINTER), as on Windows. */
BOOL ct_null_refused(HRESULT hr);

/* CreateJob + IBackgroundCopyJob2, reported through ok(); NULL on failure. */
IBackgroundCopyJob2 *ct_new_job(IBackgroundCopyManager *mgr, const WCHAR *name, BG_JOB_TYPE type);
/* Cancels the job unless it is finished, then releases it. */
void ct_drop_job(IBackgroundCopyJob2 *job);
BG_JOB_STATE ct_state(IBackgroundCopyJob2 *job);

/* HeapAlloc'd string of 'count' copies of 'c' (free with bt_free). */
WCHAR *ct_repeat(WCHAR c, size_t count);

/* GET <base url><path> from bits-server; returns the HTTP status (0 when the
 * server cannot be reached) and copies the body (NUL-terminated) to 'body'. */
int ct_http_get(const struct bt_args *args, const char *path, char *body, size_t size);
/* GET /_control?<query>; TRUE when the server said 200. */
BOOL ct_server_control(const struct bt_args *args, const char *query);
/* One counter of GET /_stats; -1 when missing. */
LONGLONG ct_server_stat(const struct bt_args *args, const char *name);

/* Files under the server root (bits-server serves ROOT\files\<name>). */
void ct_served_path(WCHAR *out, const struct bt_args *args, const WCHAR *name);
/* Polls until the job leaves QUEUED/CONNECTING/TRANSFERRING... or reaches
 * 'want' (bt_wait_for_job semantics plus a wanted state). */
BG_JOB_STATE ct_wait_for_state(IBackgroundCopyJob2 *job, BG_JOB_STATE want);

#endif
