/*
 * Transfer engine: the HTTP side of bitsd.  One libcurl multi handle drives
 * every transfer; the daemon's event loop calls xfer_engine_wait() (which is
 * curl_multi_poll with the daemon's own sockets as extra fds) and then
 * xfer_engine_run().  No threads.
 *
 * The engine keeps no durable state.  Everything a restart needs comes in
 * through struct xfer_request and goes out through the checkpoint callback,
 * which the daemon writes to its store before the engine goes on (the
 * callback runs synchronously).
 */
#ifndef TRANSFER_H
#define TRANSFER_H

#include <stdint.h>
#include <curl/curl.h>

#include "bitsproto.h"

struct xfer_engine;
struct xfer;

enum xfer_kind {
    XFER_UPLOAD,            /* BITS upload protocol, one file */
    XFER_UPLOAD_REPLY,      /* upload, then download the reply */
    XFER_DOWNLOAD,          /* HTTP GET (Range-resumable) into temp_path */
};

struct xfer_credential {
    int target;             /* BP_AUTH_TARGET_SERVER / _PROXY */
    int scheme;             /* BP_AUTH_BASIC ... */
    const char *user;       /* UTF-8; may be NULL for NTLM/Negotiate */
    const char *password;
};

/* Progress that must survive a restart.  The daemon stores every field the
 * checkpoint callback reports and hands the same values back in the next
 * xfer_request for the job. */
struct xfer_checkpoint {
    const char *session_id;     /* BITS-Session-Id, NULL before Create-Session */
    const char *host_id;        /* BITS-Host-Id, NULL if none */
    uint64_t acked;             /* bytes the server acknowledged */
    uint64_t total;             /* upload/download size, BP_SIZE_UNKNOWN until known */
    int upload_done;            /* final fragment acknowledged */
    const char *reply_url;      /* absolute BITS-Reply-URL, NULL until known */
    uint64_t reply_total;       /* BP_SIZE_UNKNOWN until the reply download starts */
    uint64_t reply_received;    /* bytes of the reply in reply_path */
    const char *validator;      /* downloads: ETag or Last-Modified of the partial data;
                                 * upload-reply: the same for the partial reply */
    /* Added by the engine (store them like the rest, hand them back): */
    uint64_t source_size;       /* upload source identity as recorded; the daemon */
    int64_t source_mtime_ns;    /* passes these back as xfer_request.source_* */
    int host_fallback;          /* 0: never fall back from host_id; 1: fall back ... */
    uint32_t host_fallback_timeout; /* ... after this many seconds (BITS-Host-Id-Fallback-Timeout) */
    int64_t host_failing_since; /* Unix time of the first failed connect to host_id, 0 = none */
};

/* An owned copy of a checkpoint: the engine's running state and the
 * daemon's record of a job's current file are both one of these. */
struct xfer_saved {
    char *session_id;
    char *host_id;
    uint64_t acked;
    uint64_t total;
    int upload_done;
    char *reply_url;
    uint64_t reply_total;
    uint64_t reply_received;
    char *validator;
    uint64_t source_size;
    int64_t source_mtime_ns;
    int host_fallback;
    uint32_t host_fallback_timeout;
    int64_t host_failing_since;
};

/* Frees the strings and empties 's' (totals BP_SIZE_UNKNOWN). */
void xfer_saved_clear(struct xfer_saved *s);
/* Copies 'cp' into 's'; -1 when out of memory ('s' keeps what was copied). */
int xfer_saved_assign(struct xfer_saved *s, const struct xfer_checkpoint *cp);
/* A checkpoint whose strings point into 's'. */
void xfer_saved_view(const struct xfer_saved *s, struct xfer_checkpoint *cp);

struct xfer_request {
    enum xfer_kind kind;
    const char *url;            /* remote name, http:// or https:// */
    const char *local_path;     /* Unix path: upload source / download destination */
    const char *temp_path;      /* downloads: where data goes until Complete */
    const char *reply_path;     /* upload-reply: where the reply goes */
    const char *content_name;   /* upload: Content-Name (local file name without directory) */
    const struct xfer_credential *credentials;
    unsigned credential_count;
    int proxy_usage;            /* BP_PROXY_* */
    const char *proxy_list;     /* for BP_PROXY_OVERRIDE */
    const char *proxy_bypass;
    struct xfer_checkpoint resume; /* from the store; zeroed (totals BP_SIZE_UNKNOWN) for a new job */
    /* Upload source identity recorded when the job first started (0 = record now):
     * a different size or mtime gives BG_E_LOCAL_FILE_CHANGED. */
    uint64_t source_size;
    int64_t source_mtime_ns;
    /* Downloads whose remote name is a local file (file://, C:\..., UNC):
     * its Unix path.  The engine copies it into temp_path in bounded steps
     * from xfer_engine_run instead of sending a GET; url is then only a name. */
    const char *source_path;
    /* Size pass: before the first byte of a download moves, the engine
     * learns these files' sizes (HEAD for a URL, stat for a path) and
     * reports each through xfer_callbacks.size_known. */
    const struct xfer_probe *probes;
    unsigned probe_count;
    /* Newer interfaces (jobs_newer.c).  custom_headers: "Name: value" lines
     * separated by CR/LF, sent with every HTTP request.  security_flags:
     * BG_SSL_IGNORE_* turn certificate checks off, BG_HTTP_REDIRECT_POLICY_*
     * decides whether redirects are followed.  ranges: downloads of
     * AddFileWithRanges; the ranges' bytes go into temp_path back to back,
     * in the given order (resume.acked counts them).  max_size: 0, or the
     * largest download accepted (BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED).
     * dynamic: no size needed and no Range requests (DYNAMIC_CONTENT). */
    const char *custom_headers;
    uint32_t security_flags;
    const struct bp_range *ranges;
    unsigned range_count;
    uint64_t max_size;
    int dynamic;
    /* HttpOptions client certificate: DER X.509 and its DER (PKCS#1)
     * private key, handed to libcurl for TLS; NULL for none.  Copied. */
    const void *client_cert;
    size_t client_cert_len;
    const void *client_key;
    size_t client_key_len;
    /* Downloads: the verb of the GET requests (IBackgroundCopyJobHttpOptions2
     * SetHttpMethod), NULL for GET.  The daemon sets dynamic with it. */
    const char *http_method;
    /* HttpOptions3 SetServerCertificateValidationInterface: before the
     * first request of an https transfer the engine makes a TLS handshake
     * of its own (no request), reports the server's chain through
     * xfer_callbacks.server_cert and waits for xfer_cert_verdict.  The
     * requests that follow accept only that server key (pinned). */
    int validate_server_cert;
};

/* The server's certificates as DER, the server's own first. */
struct xfer_cert_chain {
    unsigned count;
    const uint8_t *const *der;
    const size_t *len;
};

/* One file of a download job whose size is still unknown. */
struct xfer_probe {
    unsigned index;             /* handed back to size_known */
    const char *url;            /* http(s) URL, or NULL when path is set */
    const char *path;           /* Unix path of a local remote file */
};

struct xfer_result {
    int32_t hr;                 /* S_OK or the BG_E_* / BG_E_HTTP_ERROR_* for the job */
    int context;                /* BP_CONTEXT_* (BP_CONTEXT_NONE on success) */
    int transient;              /* 1: retry later (TRANSIENT_ERROR); 0: ERROR */
};

struct xfer_callbacks {
    /* Durable progress; called before the engine relies on it (e.g. after
     * Create-Session and before the first fragment).  Non-zero return = the
     * store failed: the engine stops with BG_E_* for a local file error. */
    int (*checkpoint)(void *ctx, const struct xfer_checkpoint *cp);
    /* Cheap, frequent progress for display: bytes moved so far. */
    void (*progress)(void *ctx, uint64_t transferred, uint64_t total,
                     uint64_t reply_received, uint64_t reply_total);
    /* Called exactly once unless xfer_abort() came first; 'x' is freed after
     * the callback returns. */
    void (*finished)(void *ctx, const struct xfer_result *result);
    /* Size pass (xfer_request.probes): the size of probe 'index'; not
     * called for a file whose size could not be learned.  May be NULL. */
    void (*size_known)(void *ctx, unsigned index, uint64_t size);
    /* The response headers of the file's last answer ("Name: value\r\n"
     * lines, status line first), for IBackgroundCopyFile5.  May be NULL. */
    void (*headers)(void *ctx, const char *text);
    /* xfer_request.validate_server_cert: the chain to judge; the transfer
     * waits until xfer_cert_verdict (which may be called from here).  The
     * chain is valid during the call only.  NULL: every chain is refused
     * with BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED. */
    void (*server_cert)(void *ctx, const struct xfer_cert_chain *chain);
};

struct xfer_engine *xfer_engine_new(void);
void xfer_engine_free(struct xfer_engine *e);      /* aborts what is running */

/* Waits for activity on transfers or on 'extra' fds, at most timeout_ms. */
int xfer_engine_wait(struct xfer_engine *e, struct curl_waitfd *extra, unsigned n_extra, int timeout_ms);
/* Moves transfers on and delivers callbacks. */
void xfer_engine_run(struct xfer_engine *e);
/* Milliseconds until the engine needs xfer_engine_run again (-1: no timer). */
long xfer_engine_timeout(struct xfer_engine *e);

/* Starts a transfer; strings are copied.  Returns NULL only on allocation failure. */
struct xfer *xfer_start(struct xfer_engine *e, const struct xfer_request *req,
                        const struct xfer_callbacks *cb, void *ctx);
/* The answer to server_cert: S_OK goes on (pinned to that server key), a
 * failure ends the transfer in TRANSIENT_ERROR with that HRESULT and
 * BP_CONTEXT_SERVER_CERTIFICATE_CALLBACK.  Ignored when nothing waits. */
void xfer_cert_verdict(struct xfer *x, int32_t hr);
/* Stops a transfer at once (Suspend, daemon shutdown); no finished callback. */
void xfer_abort(struct xfer *x);

/* Fire-and-forget Cancel-Session for an upload session (Cancel of a job).
 * done() reports whether it reached the server (hr S_OK) so the daemon can
 * re-send later; may be NULL. */
void xfer_cancel_session(struct xfer_engine *e, const char *url, const char *session_id,
                         const char *host_id, const struct xfer_credential *creds, unsigned n_creds,
                         void (*done)(void *ctx, int32_t hr), void *ctx);

#endif
