/*
 * bits-server: the project's BITS upload-protocol test server.
 * Shared declarations of its parts (see README.md for the behaviour).
 */
#ifndef BITSSERVER_SERVER_H
#define BITSSERVER_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "http.h"

#define BITS_PROTOCOL_GUID  "{7df0354d-249b-430f-820d-3d2a9bef4931}"
#define URL_MAX             2300        /* BITSServerNotificationURL allows 2,200 */
#define NAME_MAX_LEN        255
#define IOBUF_SIZE          (1u << 20)  /* per-connection transfer buffer */

/* ---- configuration (main.c) ---- */
struct server_config {
    char root[PATH_MAX];
    int port;                           /* the port actually bound */
    int quiet;
};
extern struct server_config config;

/* NTLM authenticates a connection, not a request: the handshake state of
 * one connection towards one target (auth_ntlm.c). */
struct ntlm_state {
    int stage;                          /* NTLM_IDLE, NTLM_CHALLENGED, NTLM_DONE */
    int unicode;                        /* strings of the Type 3 are UTF-16LE */
    uint8_t challenge[8];               /* server challenge of our Type 2 */
    uint8_t account[16];                /* MD5 of the user:password it authenticated */
};
enum { NTLM_IDLE = 0, NTLM_CHALLENGED, NTLM_DONE };

#define NEGOTIATE_PRINCIPAL_MAX 256

/* One request being handled; handlers answer through ctx->conn. */
struct request_ctx {
    struct http_conn *conn;
    struct http_request *req;
    uint8_t *iobuf;                     /* IOBUF_SIZE bytes for streaming */
    struct ntlm_state ntlm[2];          /* of the connection: [AUTH_SERVER], [AUTH_PROXY] */
    char negotiated[2][NEGOTIATE_PRINCIPAL_MAX]; /* Negotiate: principal authenticated on
                                                  * the connection per target, "" if none */
};

/* ---- fault switches and counters (control.c) ---- */
enum stat_id {
    STAT_CONNECTIONS,
    STAT_REQUESTS,
    STAT_PINGS,
    STAT_SESSIONS_CREATED,
    STAT_FRAGMENTS,
    STAT_FRAGMENT_BYTES,
    STAT_FRAGMENT_BYTES_RECEIVED,
    STAT_CLOSES,
    STAT_CANCELS,
    STAT_REPLIES_PRODUCED,
    STAT_REPLIES_SERVED,
    STAT_NOTIFICATIONS,
    STAT_NOTIFY_FAILURES,
    STAT_SESSION_NOT_FOUND,
    STAT_STATUS_400,
    STAT_STATUS_416,
    STAT_STATUS_413,
    STAT_INJECTED_FAILURES,
    STAT_DROPS,
    STAT_UPLOADS_STORED,
    STAT_FILES_SERVED,
    STAT_PUTS,
    STAT_PUT_BYTES,
    STAT_AUTH_CHALLENGES,
    STAT_PROXIED,
    STAT_FILE_BYTES_SENT,
    STAT_RANGE_REQUESTS,
    STAT_COUNT
};

void stat_add(enum stat_id id, uint64_t n);
/* Counts one event for one upload name: "<kind>/<name> N" in /_stats. */
void stat_name_add(const char *kind, const char *name);

/* Authentication switches (auth.c checks them). */
enum { AUTH_SERVER = 0, AUTH_PROXY = 1 };
enum { AUTH_NONE = 0, AUTH_BASIC = 1, AUTH_DIGEST = 2, AUTH_NTLM = 3, AUTH_NEGOTIATE = 4 };
struct auth_conf {
    int scheme;                         /* AUTH_NONE, AUTH_BASIC, ... */
    char user[256];
    char password[256];
};
void switch_auth(int target, struct auth_conf *out);

/* Slow-down switches for fault tests. */
enum delay_point { DELAY_FRAGMENT, DELAY_CREATE, DELAY_CLOSE };
#define THROTTLE_TICK_MS 50
unsigned switch_delay_ms(enum delay_point which);
/* throttle_kbps: bytes that may move per THROTTLE_TICK_MS, 0 = no limit. */
size_t switch_throttle_chunk(void);
void sleep_ms(unsigned ms);
/* Applies one switch ("drop_after", "5"); returns 0 or -1 for an unknown
 * name or bad value.  Used by the command line and GET /_control. */
int control_apply(const char *name, const char *value);
/* One-shot: returns the byte count and disarms, or -1 when not armed. */
int64_t switch_take_drop_after(void);
/* One-shot: the next GET of /files/<name> sends this many body bytes, then
 * closes the connection; -1 when not armed. */
int64_t switch_take_drop_download_after(void);
/* Returns the status to fail the next Fragment with (consuming one of
 * fail_count), or 0. */
int switch_take_fragment_failure(void);
uint64_t switch_max_fragment(void);
unsigned switch_delay_final_ack_ms(void);
int switch_fail_create(void);
/* Writes the notification URL to use (configured, or our own /app/digest). */
void switch_notify_url(char out[URL_MAX]);
void handle_control(struct request_ctx *ctx);
void handle_stats(struct request_ctx *ctx);
/* Keeps the header lines of the last request outside /_control, /_stats and
 * /_last_headers; GET /_last_headers answers them (the request line
 * "METHOD target", then "Name: value" lines). */
void remember_headers(const struct http_request *r);
void handle_last_headers(struct request_ctx *ctx);

/* ---- sessions (session.c) ---- */
enum session_kind { SESSION_UPLOAD, SESSION_REPLY };

struct session {
    char id[40];                        /* "{GUID}" */
    char dir[PATH_MAX];                 /* ROOT/sessions/<id> */
    enum session_kind kind;
    char name[NAME_MAX_LEN + 1];        /* destination name under ROOT/uploads */
    char producer[128];                 /* upload-reply: "digest", "bytes/N", ... */
    char request_url[URL_MAX];          /* absolute URL of Create-Session */
    char query[URL_MAX];                /* query of that URL, appended to the notify URL */
    uint64_t received;                  /* next byte wanted */
    uint64_t total;
    int total_known;
    int complete;                       /* last byte received */
    char reply_url[URL_MAX];            /* BITS-Reply-URL of the last final Ack */

    pthread_mutex_t lock;               /* held while one packet is processed */
    int refs;                           /* table reference + one per user */
    int dead;                           /* removed from the table */
    struct session *next;
};

struct session *session_create(enum session_kind kind, const char *name, const char *producer,
                               const char *request_url, const char *query);
/* Finds a live session and locks it; NULL when unknown.  Release with session_release. */
struct session *session_acquire(const char *id);
void session_release(struct session *s);
/* Removes a (locked) session from the table; its directory goes away with
 * the last reference. */
void session_remove(struct session *s);
/* forget_sessions: drops every session (their data too). */
void sessions_forget_all(void);
/* Path of a file inside the session directory; 0 or -1 when too long. */
int session_path(const struct session *s, const char *file, char out[PATH_MAX]);

/* ---- BITS_POST (upload.c) ---- */
void handle_bits_post(struct request_ctx *ctx);

/* ---- reply production (producer.c, notify.c) ---- */
struct reply_outcome {
    int status;                         /* 0 on success, else the Ack status */
    int32_t hr;                         /* BITS-Error-Code for a failed Ack */
    unsigned context;                   /* BITS-Error-Context */
    char static_url[URL_MAX];           /* app's BITS-Static-Response-URL, "" if none */
};

/* Produces ROOT/sessions/<id>/reply (or a static URL) for a completed
 * upload-reply session. */
void produce_reply(struct session *s, struct reply_outcome *out);
/* IIS model: POSTs to the server application (by value or by reference). */
void notify_application(struct session *s, int by_reference, const char *data_path,
                        const char *reply_tmp, struct reply_outcome *out);

/* ---- authentication (auth.c) ---- */
/* Checks Authorization (origin server) and, for absolute-form requests,
 * Proxy-Authorization.  Returns 1 to go on; 0 when it answered 401/407. */
int auth_check(struct request_ctx *ctx);
/* NTLM (auth_ntlm.c): one step of the handshake on this connection with
 * target AUTH_SERVER or AUTH_PROXY.  Returns 1 when the connection is
 * authenticated as 'a'; 0 when it answered 401/407. */
int ntlm_check(struct request_ctx *ctx, int target, const struct auth_conf *a);
/* Negotiate with Kerberos (auth_negotiate.c), same contract as ntlm_check;
 * the connection stays authenticated as the accepted principal.
 * negotiate_available() is 0 when bits-server was built without GSS-API. */
int negotiate_check(struct request_ctx *ctx, int target, const struct auth_conf *a);
int negotiate_available(void);
/* Base64 of binary data (base64.c); decode returns the length or -1. */
size_t base64_encode(const void *data, size_t len, char *out, size_t cap);
ssize_t base64_decode(const char *text, uint8_t *out, size_t cap);

/* ---- plain HTTP resources (files.c, app.c) ---- */
void handle_get_file(struct request_ctx *ctx, const char *path, int is_reply);
void handle_put(struct request_ctx *ctx, const char *name);
void handle_app(struct request_ctx *ctx, const char *rest);

/* ---- helpers (fsutil.c) ---- */
int name_is_safe(const char *name);
int path_join(char out[PATH_MAX], const char *dir, const char *name);
int mkdir_p(const char *path);
/* Removes a directory that holds only files. */
int remove_flat_dir(const char *dir);
/* Makes 'dst' a complete copy of 'src', replacing it atomically (hard
 * link when possible, else a copy through a temporary name). */
int publish_copy(const char *src, const char *dst);
/* Replaces 'dst' by 'src' (rename). */
int publish_move(const char *src, const char *dst);
void random_guid_text(char out[40]);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
