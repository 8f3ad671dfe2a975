/*
 * Fake BITS objects for the qmgrprxy marshalling test.
 *
 * They live in a server apartment and remember what they are told, so a
 * client in another apartment can set a value through the proxy, read it
 * back through the proxy, and also look at the fake directly (same
 * process) to see what arrived on the far side.
 */
#ifndef QMGRPRXY_FAKES_H
#define QMGRPRXY_FAKES_H

#define COBJMACROS
#define CONST_VTABLE
#include <windows.h>
#include <objbase.h>

#include <bitsmsg.h>

#include "qmgr_bits.h"

/* Newer than mingw's bitsmsg.h. */
#ifndef BG_E_TOO_MANY_RANGES_IN_FILE
#define BG_E_TOO_MANY_RANGES_IN_FILE ((HRESULT)0x80200052)
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define FAKE_MAX_FILES 8
#define FAKE_MAX_JOBS  8
#define FAKE_MAX_RANGES 4
#define FAKE_REPLY_SIZE 3000

struct fake_file
{
    IBackgroundCopyFile6 IBackgroundCopyFile6_iface;
    LONG refs;
    WCHAR *remote, *local, *response_headers;
    BOOL valid;
    UINT64 position;
    DWORD requested_count;
    BG_FILE_RANGE requested[FAKE_MAX_RANGES];
};

struct fake_job
{
    IBackgroundCopyJob5 IBackgroundCopyJob5_iface;
    IBackgroundCopyJobHttpOptions3 IBackgroundCopyJobHttpOptions3_iface;
    IBitsTokenOptions IBitsTokenOptions_iface;
    LONG refs;

    GUID id;
    BG_JOB_TYPE type;
    BG_JOB_STATE state;
    BG_JOB_PRIORITY priority;
    WCHAR *display_name, *description;
    ULONG notify_flags, retry_delay, no_progress_timeout;
    IUnknown *notify;
    BG_JOB_PROXY_USAGE proxy_usage;
    WCHAR *proxy_list, *proxy_bypass;
    BOOL owner_taken;
    struct fake_file *files[FAKE_MAX_FILES];
    unsigned int file_count;

    /* IBackgroundCopyJob2..4 */
    WCHAR *notify_program, *notify_params, *reply_file;
    BG_AUTH_TARGET cred_target, removed_target;
    BG_AUTH_SCHEME cred_scheme, removed_scheme;
    WCHAR *cred_user, *cred_password;
    WCHAR *old_prefix, *new_prefix;
    DWORD range_count;
    BG_FILE_RANGE ranges[FAKE_MAX_RANGES];
    DWORD acl_flags, peer_flags;
    ULONG max_download_time;

    /* IBackgroundCopyJob5 properties */
    DWORD cost_flags, min_notify_interval;
    GUID notify_clsid;
    BOOL dynamic_content, high_performance, on_demand;
    UINT64 max_download_size;
    BG_AUTH_TARGET stored_credentials;

    /* IBackgroundCopyJobHttpOptions..3, IBitsTokenOptions */
    BG_CERT_STORE_LOCATION cert_location;
    WCHAR *cert_store, *cert_subject, *custom_headers, *http_method;
    BYTE cert_hash[20];
    BOOL has_cert, headers_write_only, helper_token;
    ULONG security_flags;
    DWORD token_flags;
    IUnknown *cert_validator;

    /* Callbacks Resume made and what they answered. */
    int callbacks_made;
    HRESULT callback_result;
};

struct fake_manager
{
    IBackgroundCopyManager IBackgroundCopyManager_iface;
    LONG refs;
    struct fake_job *jobs[FAKE_MAX_JOBS];
    unsigned int job_count;
};

struct fake_manager *fake_manager_create(void);
struct fake_job *fake_job_create(const WCHAR *name, BG_JOB_TYPE type);
struct fake_file *fake_file_create(const WCHAR *remote, const WCHAR *local);
HRESULT fake_enum_files_create(struct fake_job *job, IEnumBackgroundCopyFiles **out);
HRESULT fake_error_create(struct fake_job *job, IBackgroundCopyError **out);

/* The text the fakes answer for descriptions, so both sides agree. */
#define FAKE_OWNER        L"S-1-5-21-1004336348-1177238915-682003330-512"
#define FAKE_PROTOCOL     L"http"
#define FAKE_TEMP_NAME    L"C:\\windows\\temp\\BIT1234.tmp"
#define FAKE_TOKEN_SID    L"S-1-5-18"
void fake_describe(HRESULT code, DWORD language, WCHAR *buffer, size_t size);
void fake_describe_context(BG_ERROR_CONTEXT context, DWORD language, WCHAR *buffer, size_t size);

WCHAR *fake_strdup(const WCHAR *s);

#endif
