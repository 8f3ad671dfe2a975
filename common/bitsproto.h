/*
 * Wire protocol between qmgr.dll (PE, in svchost) and bitsd (native).
 *
 * Plain C, no OS headers: this file and bitsproto.c are compiled by both
 * gcc and x86_64-w64-mingw32-gcc.
 *
 * Transport: TCP on 127.0.0.1.  Every message is a frame:
 *
 *     u32 length     bytes that follow this field (type + seq + payload)
 *     u16 type       enum bp_msg_type
 *     u16 reserved   0
 *     u32 seq        request number chosen by the client, echoed in the reply;
 *                    0 in events pushed by bitsd
 *     payload        fields in the order listed below
 *
 * All integers are little endian.  A string is u32 byte length followed by
 * UTF-8 bytes (no terminator); length 0xFFFFFFFF means NULL.  Bytes are u32
 * length + data.  A GUID is 16 bytes in Windows memory layout (Data1..Data3
 * little endian, Data4 as is).  Times are FILETIME values (100 ns since 1601).
 *
 * The first frame on a connection must be BP_HELLO with the token from the
 * state directory; bitsd drops a connection whose first frame is anything
 * else, whose token is wrong, or whose frame is malformed or larger than
 * BP_MAX_FRAME.
 *
 * Every reply starts with i32 hr (an HRESULT); fields after it are present
 * only when hr is a success code (>= 0) unless stated otherwise.
 */
#ifndef BITSPROTO_H
#define BITSPROTO_H

#include <stddef.h>
#include <stdint.h>

#define BP_VERSION          1
#define BP_MAX_FRAME        (4u * 1024 * 1024)  /* reply data is at most 1 MiB */
#define BP_HEADER_SIZE      12                  /* length + type + reserved + seq */
#define BP_TOKEN_LEN        64                  /* hex characters in the token */
#define BP_REPLY_DATA_MAX   (1024u * 1024)      /* GetReplyData limit */
#define BP_SIZE_UNKNOWN     UINT64_MAX          /* BG_SIZE_UNKNOWN */
#define BP_NO_FILE          0xFFFFFFFFu

enum bp_msg_type {
    /* req: str token, u32 version, u32 client pid, str owner SID ("S-1-5-..."),
     *      u32 flags (BP_HELLO_EVENTS: this connection receives events)
     * rep: hr */
    BP_HELLO = 1,

    /* req: str display name, u32 BG_JOB_TYPE
     * rep: hr, guid job id */
    BP_CREATE_JOB = 2,

    /* req: guid  rep: hr (BG_E_NOT_FOUND when unknown or finished) */
    BP_GET_JOB = 3,

    /* req: u32 flags (BG_JOB_ENUM_ALL_USERS = 1)
     * rep: hr, u32 count, count x guid (creation order) */
    BP_ENUM_JOBS = 4,

    /* req: guid  rep: hr, struct bp_job_info (see bp_put_job_info) */
    BP_JOB_INFO = 5,

    /* req: guid, u32 enum bp_job_prop, value as listed at bp_job_prop
     * rep: hr */
    BP_JOB_SET = 6,

    /* req: guid, str remote URL, str local name (Windows), str local name (Unix)
     * rep: hr */
    BP_ADD_FILE = 7,

    /* req: guid, u32 enum bp_job_action  rep: hr */
    BP_JOB_ACTION = 8,

    /* req: guid
     * rep: hr, u64 length, bytes data.  On BG_E_TOO_LARGE the length is still
     * sent (and the bytes are empty).  No reply at all: S_OK, length 0,
     * bytes with length 0xFFFFFFFF (NULL). */
    BP_GET_REPLY_DATA = 9,

    /* req: guid, u32 BG_AUTH_TARGET, u32 BG_AUTH_SCHEME, str user, str password
     * rep: hr */
    BP_SET_CREDENTIALS = 10,

    /* req: guid, u32 BG_AUTH_TARGET, u32 BG_AUTH_SCHEME  rep: hr */
    BP_REMOVE_CREDENTIALS = 11,

    /* Sent on an events connection.  The connection then receives
     * BP_EVENT frames for this job (the program registered a callback).
     * req: guid, u32 subscribe (1) or unsubscribe (0)  rep: hr */
    BP_SUBSCRIBE = 12,

    /* Pushed by bitsd, seq 0: guid, u32 enum bp_event, u32 file index
     * (BP_NO_FILE unless BP_EVENT_FILE_TRANSFERRED or _SERVER_CERT).  qmgr
     * answers every event with BP_EVENT_RESULT.
     * BP_EVENT_SERVER_CERT (not a subscription: sent to every events
     * connection while a job with BP_PROP_CERT_VALIDATION opens an https
     * transfer) adds: bytes certificate (DER X.509 of the server), u32
     * count, count x bytes (DER, the chain libcurl saw, the server's
     * first).  The result is the HRESULT of ValidateServerCertificate, or
     * BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED from a process that
     * holds no callback for the job. */
    BP_EVENT = 13,

    /* req: guid, u32 enum bp_event, i32 hr returned by the callback (or
     * RPC error when it could not be called)  rep: hr */
    BP_EVENT_RESULT = 14,

    /* IBackgroundCopyJob3::AddFileWithRanges (download jobs only).
     * req: guid, str remote URL, str local name (Windows), str local name (Unix),
     *      u32 count, count x (u64 offset, u64 length; BP_LENGTH_TO_EOF allowed)
     * rep: hr */
    BP_ADD_FILE_RANGES = 15,

    /* Changes one file of a job.
     * req: guid, u32 file index, u32 enum bp_file_prop, value as listed there
     * rep: hr */
    BP_FILE_SET = 16,

    /* Reads a file value too large for BP_JOB_INFO.
     * req: guid, u32 file index, u32 enum bp_file_prop
     * rep: hr, value as listed at bp_file_prop */
    BP_FILE_GET = 17,

    /* The private half of the job's client certificate (HttpOptions), for
     * libcurl.  qmgr sends it after every BP_PROP_CLIENT_CERT; bitsd keeps
     * it in memory only, like credentials, and uses it while the job has a
     * certificate set.  Both NULL: forget it.
     * req: guid, bytes certificate (DER X.509), bytes private key (DER,
     *      PKCS#1 RSAPrivateKey)  rep: hr */
    BP_SET_CLIENT_KEY = 18,
};

#define BP_LENGTH_TO_EOF        UINT64_MAX      /* BG_LENGTH_TO_EOF */
#define BP_MAX_RANGES_PER_FILE  500u            /* MaxRangesPerFile: no policy here, a fixed cap */
#define BP_MAX_CUSTOM_HEADERS   16383u          /* characters, without the terminator */
#define BP_CERT_HASH_LEN        20u             /* SHA-1 thumbprint */

/* File values for BP_FILE_SET / BP_FILE_GET. */
enum bp_file_prop {
    BP_FILE_PROP_REMOTE_NAME = 1,       /* set: str URL (IBackgroundCopyFile2::SetRemoteName) */
    BP_FILE_PROP_VALIDATION_STATE = 2,  /* set: u32 BOOL (IBackgroundCopyFile3) */
    BP_FILE_PROP_RESPONSE_HEADERS = 3,  /* get: str, NULL before any answer (File5) */
};

#define BP_HELLO_EVENTS 1u

enum bp_event {
    BP_EVENT_TRANSFERRED = 1,
    BP_EVENT_ERROR = 2,
    BP_EVENT_MODIFICATION = 3,
    BP_EVENT_FILE_TRANSFERRED = 4,
    BP_EVENT_SERVER_CERT = 5,
};

enum bp_job_action {
    BP_ACTION_RESUME = 1,
    BP_ACTION_SUSPEND = 2,
    BP_ACTION_CANCEL = 3,
    BP_ACTION_COMPLETE = 4,
    BP_ACTION_TAKE_OWNERSHIP = 5,   /* value after the action: str new owner SID */
};

/* Properties written with BP_JOB_SET and the value that follows. */
enum bp_job_prop {
    BP_PROP_DISPLAY_NAME = 1,       /* str */
    BP_PROP_DESCRIPTION = 2,        /* str */
    BP_PROP_PRIORITY = 3,           /* u32 BG_JOB_PRIORITY */
    BP_PROP_NOTIFY_FLAGS = 4,       /* u32 */
    BP_PROP_NOTIFY_CMDLINE = 5,     /* str program, str parameters (both may be NULL) */
    BP_PROP_MIN_RETRY_DELAY = 6,    /* u32 seconds */
    BP_PROP_NO_PROGRESS_TIMEOUT = 7,/* u32 seconds */
    BP_PROP_REPLY_FILE_NAME = 8,    /* str Windows name, str Unix name (NULL, NULL = default) */
    BP_PROP_PROXY = 9,              /* u32 BG_JOB_PROXY_USAGE, str proxy list, str bypass list */
    /* IBackgroundCopyJob3 */
    BP_PROP_REMOTE_PREFIX = 10,     /* str old prefix, str new prefix (ReplaceRemotePrefix);
                                     * the reply may be S_FALSE: nothing matched */
    BP_PROP_FILE_ACL_FLAGS = 11,    /* u32 BG_COPY_FILE_* */
    /* IBackgroundCopyJob4 */
    BP_PROP_PEER_CACHING = 12,      /* u32 BG_JOB_ENABLE_PEERCACHING_* */
    BP_PROP_MAX_DOWNLOAD_TIME = 13, /* u32 seconds */
    /* IBackgroundCopyJobHttpOptions */
    BP_PROP_CUSTOM_HEADERS = 14,    /* str, NULL removes them */
    BP_PROP_SECURITY_FLAGS = 15,    /* u32 BG_SSL_* | BG_HTTP_REDIRECT_POLICY_* */
    BP_PROP_CLIENT_CERT = 16,       /* u32 set (0 = remove), u32 BG_CERT_STORE_LOCATION,
                                     * str store name, bytes hash (20 or NULL), str subject */
    /* IBackgroundCopyJob5::SetProperty: u32 BITS_JOB_PROPERTY_ID, then the value:
     * u32 (COST_FLAGS, DYNAMIC_CONTENT, HIGH_PERFORMANCE, USE_STORED_CREDENTIALS,
     * MINIMUM_NOTIFICATION_INTERVAL_MS, ON_DEMAND_MODE), guid (NOTIFICATION_CLSID)
     * or u64 (MAX_DOWNLOAD_SIZE). */
    BP_PROP_JOB5 = 17,
    /* IBackgroundCopyJobHttpOptions2/3 */
    BP_PROP_HTTP_METHOD = 18,       /* str verb; NULL or the type's default ("GET",
                                     * "BITS_POST") = the default (download jobs only) */
    BP_PROP_HEADERS_WRITE_ONLY = 19,/* no value: from now on the custom headers are
                                     * never sent back in BP_JOB_INFO (cannot be undone) */
    BP_PROP_CERT_VALIDATION = 20,   /* u32: 1 = a program set a server certificate
                                     * validation callback (HttpOptions3), 0 = removed */
};

/* BITS_JOB_PROPERTY_ID */
enum {
    BP_JOB5_COST_FLAGS = 1, BP_JOB5_NOTIFICATION_CLSID = 2, BP_JOB5_DYNAMIC_CONTENT = 3,
    BP_JOB5_HIGH_PERFORMANCE = 4, BP_JOB5_MAX_DOWNLOAD_SIZE = 5,
    BP_JOB5_USE_STORED_CREDENTIALS = 7, BP_JOB5_MIN_NOTIFICATION_INTERVAL = 9,
    BP_JOB5_ON_DEMAND_MODE = 10
};

struct bp_range {
    uint64_t offset;
    uint64_t length;                /* BP_LENGTH_TO_EOF: to the end of the remote file */
};

struct bp_file_info {
    char *remote_name;
    char *local_name;               /* Windows name, as given to AddFile */
    uint64_t bytes_total;           /* BP_SIZE_UNKNOWN until known */
    uint64_t bytes_transferred;
    uint32_t completed;
    /* Encoded after the job's own new fields (see bp_put_job_info). */
    char *temp_name;                /* Unix name of the temporary file; NULL for uploads */
    uint32_t validation_state;      /* BOOL, IBackgroundCopyFile3 */
    uint32_t range_count;           /* 0: the whole file */
    struct bp_range *ranges;
};

struct bp_job_info {
    uint8_t id[16];
    uint32_t type;                  /* BG_JOB_TYPE */
    uint32_t state;                 /* BG_JOB_STATE */
    uint32_t priority;              /* BG_JOB_PRIORITY */
    char *display_name;
    char *description;
    char *owner;                    /* SID string */
    uint64_t bytes_total;           /* BG_JOB_PROGRESS */
    uint64_t bytes_transferred;
    uint32_t files_total;
    uint32_t files_transferred;
    uint64_t creation_time;         /* BG_JOB_TIMES, FILETIME */
    uint64_t modification_time;
    uint64_t transfer_completion_time;
    uint32_t notify_flags;
    char *notify_program;
    char *notify_parameters;
    uint32_t min_retry_delay;
    uint32_t no_progress_timeout;
    uint32_t error_count;
    uint32_t error_context;         /* BG_ERROR_CONTEXT, 0 = no error */
    int32_t error_code;             /* HRESULT */
    uint32_t error_file;            /* index into files or BP_NO_FILE */
    uint64_t reply_bytes_total;     /* BG_JOB_REPLY_PROGRESS */
    uint64_t reply_bytes_transferred;
    char *reply_file_name;          /* Windows name; NULL if none yet */
    uint32_t proxy_usage;
    char *proxy_list;
    char *proxy_bypass;
    uint32_t file_count;
    struct bp_file_info *files;
    /* Newer interfaces; encoded after the file list, then each file's
     * temp_name, validation_state and ranges. */
    uint32_t file_acl_flags;
    uint32_t peer_caching_flags;
    uint32_t max_download_time;     /* seconds */
    char *custom_headers;
    uint32_t security_flags;
    uint32_t cert_set;              /* a client certificate is configured */
    uint32_t cert_location;
    char *cert_store;
    uint8_t cert_hash[20];          /* zero when chosen by subject */
    uint32_t cert_has_hash;
    char *cert_subject;
    uint32_t cost_flags;
    uint8_t notification_clsid[16];
    uint32_t dynamic_content;
    uint32_t high_performance;
    uint64_t max_download_size;     /* 0: no limit */
    uint32_t use_stored_credentials;
    uint32_t min_notification_interval; /* ms */
    uint32_t on_demand;
    /* HttpOptions2/3; encoded after on_demand, before the files' newer fields. */
    char *http_method;              /* NULL: the default of the job type */
    uint32_t headers_write_only;    /* custom_headers is then NULL */
};

/* Growing output buffer.  On allocation failure 'failed' is set and later
 * puts do nothing; check it once before sending. */
struct bp_writer {
    uint8_t *data;
    size_t len;
    size_t cap;
    int failed;
};

/* Cursor over a received payload.  Reading past the end sets 'failed' and
 * returns zero values / NULL; check it once after the last get. */
struct bp_reader {
    const uint8_t *p;
    size_t left;
    int failed;
};

void bp_writer_init(struct bp_writer *w);
void bp_writer_free(struct bp_writer *w);
/* Starts a frame: reserves the header; bp_end_frame fills in the length. */
void bp_begin_frame(struct bp_writer *w, uint16_t type, uint32_t seq);
void bp_end_frame(struct bp_writer *w);
void bp_put_u16(struct bp_writer *w, uint16_t v);
void bp_put_u32(struct bp_writer *w, uint32_t v);
void bp_put_u64(struct bp_writer *w, uint64_t v);
void bp_put_i32(struct bp_writer *w, int32_t v);
void bp_put_str(struct bp_writer *w, const char *s);    /* NULL allowed */
void bp_put_bytes(struct bp_writer *w, const void *data, uint32_t len); /* NULL data = NULL bytes */
void bp_put_guid(struct bp_writer *w, const uint8_t guid[16]);
void bp_put_job_info(struct bp_writer *w, const struct bp_job_info *info);

/* Parses a frame header from 'buf' (at least BP_HEADER_SIZE bytes).
 * Returns 0 and fills the outputs, or -1 when the length is below 8 or above
 * BP_MAX_FRAME (the peer must be dropped). 'payload_len' excludes the header. */
int bp_parse_header(const uint8_t *buf, uint32_t *payload_len, uint16_t *type, uint32_t *seq);

void bp_reader_init(struct bp_reader *r, const void *payload, size_t len);
uint16_t bp_get_u16(struct bp_reader *r);
uint32_t bp_get_u32(struct bp_reader *r);
uint64_t bp_get_u64(struct bp_reader *r);
int32_t bp_get_i32(struct bp_reader *r);
/* Returns a malloc'd, NUL-terminated copy, or NULL for a NULL string or on
 * failure ('failed' tells which).  Rejects strings with embedded NULs. */
char *bp_get_str(struct bp_reader *r);
/* Returns a pointer into the payload (not a copy) and its length; NULL for
 * NULL bytes. */
const uint8_t *bp_get_bytes(struct bp_reader *r, uint32_t *len);
void bp_get_guid(struct bp_reader *r, uint8_t guid[16]);
/* Fills 'info' (allocations owned by it); returns 0 or -1 on malformed input
 * (in which case 'info' holds nothing that needs freeing). */
int bp_get_job_info(struct bp_reader *r, struct bp_job_info *info);
void bp_job_info_free(struct bp_job_info *info);

/* GUID text in registry form "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}";
 * 'out' must hold 39 bytes. bp_guid_parse accepts the same form (braces
 * optional, any case) and returns 0 or -1. */
void bp_guid_format(const uint8_t guid[16], char out[39]);
int bp_guid_parse(const char *text, uint8_t guid[16]);

#endif
