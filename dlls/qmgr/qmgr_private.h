/*
 * winebits qmgr.dll: a thin COM facade over bitsd.
 *
 * Every object here holds only what identifies it (a job GUID, a file
 * index); all state lives in bitsd, which is asked again on every call.
 */
#ifndef QMGR_PRIVATE_H
#define QMGR_PRIVATE_H

#define COBJMACROS
#define CONST_VTABLE
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>
#include <objbase.h>

#include "qmgr_bits.h"
#include "bitserr.h"
#include "bitsproto.h"

/* ---- debug.c: tracing, off unless WINEBITS_DEBUG is set ---- */
extern int qmgr_debug_on;
void qmgr_debug_init(void);
void qmgr_trace(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define TRACE(...) do { if (qmgr_debug_on) qmgr_trace(__func__, __VA_ARGS__); } while (0)
#define WARN(...) qmgr_trace(__func__, __VA_ARGS__)
const char *debugstr_guid(const GUID *guid);
const char *debugstr_w(const WCHAR *s);

/* ---- strutil.c: UTF-16 <-> UTF-8 and CoTaskMem copies ---- */
/* malloc'd UTF-8 copy; *out is NULL for a NULL input.  E_OUTOFMEMORY or
 * E_INVALIDARG (unpaired surrogate) on failure. */
HRESULT utf8_from_wide(const WCHAR *in, char **out);
/* CoTaskMemAlloc'ed UTF-16 copy of a UTF-8 string; NULL stays NULL. */
HRESULT cotask_wide_from_utf8(const char *in, WCHAR **out);
HRESULT cotask_strdupW(const WCHAR *in, WCHAR **out);
/* Full Windows path check: "X:\..." or "\\server\share...", no "\\?\",
 * no stream suffix. */
BOOL is_full_windows_path(const WCHAR *path);
/* Converts a Windows path to a malloc'd UTF-8 Unix path. */
HRESULT unix_path_from_windows(const WCHAR *path, char **out);

/* ---- ipc.c: the bitsd client ---- */
struct ipc_reply {
    uint8_t *buf;           /* whole payload, malloc'd */
    struct bp_reader rd;    /* positioned after the hr */
};

/* Starts a request frame in w (seq is filled in when sent). */
void ipc_begin(struct bp_writer *w, uint16_t type);
/* Sends the request on the request connection, waits for its reply.
 * Returns the transport error or the reply's hr.  The caller reads the
 * fields after the hr from reply->rd and always calls ipc_reply_free
 * (the reply is kept even for a failing hr: BG_E_TOO_LARGE carries a
 * length).  Frees w. */
HRESULT ipc_call(struct bp_writer *w, struct ipc_reply *reply);
void ipc_reply_free(struct ipc_reply *reply);
/* Convenience: a request whose reply is just an hr. */
HRESULT ipc_call_simple(struct bp_writer *w);
/* Fetches BP_JOB_INFO for a job. */
HRESULT ipc_job_info(const GUID *id, struct bp_job_info *info);
/* The caller's owner SID string ("S-1-5-..."), process-lifetime storage. */
const char *ipc_owner_sid(void);
void ipc_shutdown(void);

/* Low-level pieces shared with events.c. */
struct ipc_frame {
    uint16_t type;
    uint32_t seq;
    uint8_t *payload;       /* malloc'd */
    uint32_t len;
};
/* Connects and says HELLO with the given flags, starting bitsd when no one
 * answers (up to 10 s).  BP_E_SERVICE_UNAVAILABLE when bitsd cannot be
 * reached. */
HRESULT ipc_connect(uint32_t hello_flags, SOCKET *out);
HRESULT ipc_send_frame(SOCKET s, const struct bp_writer *w);
HRESULT ipc_recv_frame(SOCKET s, struct ipc_frame *frame);
/* Stores seq into a frame built by ipc_begin. */
void ipc_set_seq(struct bp_writer *w, uint32_t seq);
uint32_t ipc_next_seq(void);

/* ---- events.c: the events connection and callback table ---- */
HRESULT events_set_sink(const GUID *job, IUnknown *sink);
/* AddRef'ed sink or NULL. */
IUnknown *events_get_sink(const GUID *job);
void events_shutdown(void);
/* TRUE once the events threads exist (the DLL must then stay loaded). */
BOOL events_started(void);
/* Keeps the events connection open while on (counted): a process holding
 * validation callbacks must hear BP_EVENT_SERVER_CERT. */
HRESULT events_hold(BOOL on);
/* The program behind a callback is gone: COM said so with hr. */
BOOL events_peer_gone(HRESULT hr);

/* ---- objects ---- */

/* One job object serves several interface groups, each in its own file. */
struct job
{
    IBackgroundCopyJob2 IBackgroundCopyJob2_iface;          /* job.c: Job, Job2 */
    IBackgroundCopyJob5 IBackgroundCopyJob5_iface;          /* jobext.c: Job3, Job4, Job5 */
    IBackgroundCopyJobHttpOptions IBackgroundCopyJobHttpOptions_iface;  /* httpopts.c */
    IBackgroundCopyJobHttpOptions3 IBackgroundCopyJobHttpOptions3_iface; /* httpopts3.c: 2, 3 */
    LONG refs;
    GUID id;
    ULONG type;     /* cached: a job's type never changes */
};

/* job.c helpers shared with jobext.c and httpopts.c. */
HRESULT job_get_info(struct job *job, struct bp_job_info *info);
HRESULT job_get_u32(struct job *job, size_t field, DWORD *out);
void job_begin(struct job *job, struct bp_writer *w, uint16_t type);
HRESULT job_set_u32(struct job *job, uint32_t prop, uint32_t value);
HRESULT job_set_strings(struct job *job, uint32_t prop, const WCHAR *first,
                        const WCHAR *second, int count);
/* Checks a local file name and converts it (Windows name for the API, Unix
 * name for the transfer). */
HRESULT local_names(const WCHAR *local, char **windows, char **unix_name);
void jobext_init(struct job *job);
void httpopts_init(struct job *job);
/* clientcert.c: the certificate and its private key to bitsd (BP_SET_CLIENT_KEY) */
struct _CERT_CONTEXT;
HRESULT clientcert_send(struct job *job, const struct _CERT_CONTEXT *cert);
HRESULT clientcert_forget(struct job *job);
void httpopts3_init(struct job *job);
/* Releases the job's certificate validation callback (Cancel, Complete). */
void httpopts3_forget_job(const GUID *job);
/* BP_EVENT_SERVER_CERT: calls the job's validation callback with the chain
 * in 'data' (the event's fields after the file index); the HRESULT for
 * bitsd. */
HRESULT httpopts3_validate(const GUID *job, ULONG file, const BYTE *data, size_t len);

/* One file object: IBackgroundCopyFile in file.c, File2..File5 in fileext.c. */
struct file
{
    IBackgroundCopyFile IBackgroundCopyFile_iface;
    IBackgroundCopyFile5 IBackgroundCopyFile5_iface;
    LONG refs;
    GUID job;
    ULONG index;
    WCHAR *remote_name;     /* CoTaskMem; as added, or as last changed through this object */
    WCHAR *local_name;
};
void fileext_init(struct file *file);

HRESULT job_create(const GUID *id, ULONG type, IBackgroundCopyJob2 **job);
HRESULT file_create(const GUID *job, ULONG index, const struct bp_file_info *info,
                    IBackgroundCopyFile **file);
HRESULT enum_jobs_create(IBackgroundCopyJob **jobs, ULONG count, IEnumBackgroundCopyJobs **out);
HRESULT enum_files_create(IBackgroundCopyFile **files, ULONG count, IEnumBackgroundCopyFiles **out);
/* Builds an error object from a job's current error; BG_E_ERROR_INFORMATION_UNAVAILABLE
 * when the job has none. */
HRESULT error_create(const GUID *job, const struct bp_job_info *info, IBackgroundCopyError **out);
/* Text for an HRESULT (BITS table, then the system's); CoTaskMem string. */
HRESULT error_text(HRESULT code, DWORD langid, WCHAR **out);
HRESULT error_context_text(ULONG context, DWORD langid, WCHAR **out);

/* ---- pins.c: one permanent stub per served interface (see there why) ---- */
void pins_create(void);

extern IBackgroundCopyManager qmgr_manager;
extern IClassFactory qmgr_factory;

/* DLL lifetime: objects handed out (for DllCanUnloadNow). */
void qmgr_lock(void);
void qmgr_unlock(void);

extern HINSTANCE qmgr_instance;

#endif
