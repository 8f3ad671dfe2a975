/*
 * Transfer engine internals shared by transfer.c (engine, lifecycle),
 * upload.c (BITS upload protocol), download.c (resumable GET) and
 * transfer_cancel.c (Cancel-Session).
 *
 * Threading model: none.  libcurl callbacks (read, write, header) only
 * move bytes and record facts; every decision and every callback into the
 * daemon happens from xfer_engine_run, outside libcurl's callbacks, so the
 * daemon may call any engine function from its callbacks.
 */
#ifndef TRANSFER_INT_H
#define TRANSFER_INT_H

#include <stdint.h>

#include "httputil.h"
#include "transfer.h"

/* Upload fragment sizes: start big (few round trips and checkpoints,
 * close to a plain HTTP PUT in throughput), halve on 413 down to the
 * floor.  28 MiB stays under IIS's default request limit
 * (maxAllowedContentLength 30,000,000 bytes). */
#ifndef UPLOAD_FRAGMENT_START
#define UPLOAD_FRAGMENT_START   (28ull * 1024 * 1024)
#endif
#define UPLOAD_FRAGMENT_FLOOR   (64ull * 1024)
/* The answer to the final fragment waits for the server application (IIS
 * gives it 5 minutes); allow that plus slack before calling it stalled. */
#define UPLOAD_FINAL_STALL_TIME 600L
/* New sessions in a row without any acknowledged byte before giving up. */
#define UPLOAD_MAX_SESSION_RESTARTS 3
/* Downloads make their progress durable every this many bytes. */
#define DOWNLOAD_CHECKPOINT_BYTES (16ull * 1024 * 1024)
/* libcurl hands the body over in pieces of at most 16 KiB; they are
 * gathered into one write of this size (64 times fewer syscalls). */
#define DOWNLOAD_WRITE_BUFFER   (1024u * 1024)

struct xfer;
typedef void (*xfer_step_fn)(struct xfer *x);

/* One resumable GET into a file (downloads and upload replies). */
struct xfer_dl {
    char *url;
    const char *path;
    int fd;
    uint64_t *have;             /* &st.acked or &st.reply_received */
    uint64_t *total;            /* &st.total or &st.reply_total */
    int decided;                /* head of the answer checked */
    int discard;                /* answer carries no file data: drop its body */
    int restart;                /* remote file changed: start again from 0 */
    int need_cp;                /* size or validator changed: checkpoint before data */
    int sent_range;             /* request asked for bytes from *have on */
    uint64_t request_start;     /* *have when the request was sent */
    struct http_error err;      /* why the answer is discarded (hr 0 = no error) */
    unsigned restarts;          /* restarts from 0 in this run */
    uint64_t unsynced;          /* bytes written since the last checkpoint */
    char *wbuf;                 /* body bytes not written yet; they follow *have */
    size_t wlen;
    xfer_step_fn complete;      /* next step once the file is whole */
};

struct xfer {
    struct xfer_engine *engine;
    struct xfer *next;
    enum xfer_kind kind;
    char *url;
    char *local_path;
    char *temp_path;
    char *reply_path;
    char *content_name;
    char *proxy_list;
    char *proxy_bypass;
    struct xfer_credential *creds;
    unsigned n_creds;
    struct http_conf conf;
    struct xfer_callbacks cb;
    void *ctx;
    struct xfer_saved st;
    struct http_op op;

    xfer_step_fn wake;          /* step to run at the next xfer_engine_run */
    int aborted;                /* xfer_abort came; freed at the end of run */
    int done;                   /* result is set; finished() is due */
    int finishing;              /* inside finished() */
    struct xfer_result result;
    int cp_pending;             /* transfer paused until a checkpoint is written */
    int cp_due;                 /* periodic download checkpoint wanted */
    uint64_t shown[4];          /* last values given to progress() */

    /* upload */
    int src_fd;
    char *post_url;             /* url, or url with the BITS-Host-Id host */
    uint64_t frag_size;
    uint64_t frag_start;
    uint64_t frag_len;
    uint64_t frag_pos;          /* bytes of the fragment handed to libcurl */
    int frag_final;
    uint64_t upload_sent;       /* bytes handed to the server (for progress) */
    int src_error;              /* read callback saw the source change or fail */
    int src_errno;
    unsigned session_restarts;  /* new sessions since the last progress */
    unsigned reconnects;        /* immediate resends since the last progress */
    unsigned resyncs;           /* 416s in a row that did not move on */

    /* download / reply */
    struct xfer_dl dl;
    int dl_errno;               /* write callback failed with this errno */

    /* download of a local file (localcopy.c); the temp file is dl.fd,
     * the source src_fd */
    char *source_path;
    char *copy_validator;       /* identity of the source being copied */
    unsigned copy_restarts;

    /* size pass (sizepass.c) */
    struct xfer_probe *probes;  /* owned copies */
    unsigned n_probes;
    unsigned probe_pos;
    xfer_step_fn probe_next;    /* step once the pass is over */

    /* newer interfaces (xfer_request: custom_headers ... dynamic) */
    char *custom_headers;
    struct bp_range *ranges;    /* owned copy; NULL: the whole file */
    unsigned n_ranges;
    uint64_t remote_size;       /* ranges: the remote file's size, BP_SIZE_UNKNOWN until known */
    uint64_t max_size;
    int dynamic;
    char *http_method;          /* downloads: the verb instead of GET, NULL for GET */

    /* server certificate validation (certcheck.c) */
    xfer_step_fn cert_next;     /* step once the chain is accepted */
    int cert_waiting;           /* server_cert reported, no verdict yet */
    char *pinned_key;           /* "sha256//<base64>" of the judged server key */
};

/* transfer.c */
int xfer_checkpoint(struct xfer *x);
void xfer_fail(struct xfer *x, int32_t hr, int context, int transient);
void xfer_fail_with(struct xfer *x, const struct http_error *err);
void xfer_succeed(struct xfer *x);
void xfer_schedule(struct xfer *x, xfer_step_fn step);
int xfer_set_str(char **field, const char *value);
/* Starts x->op (already prepared) with 'done'; fails the transfer when
 * libcurl refuses. */
void xfer_send(struct xfer *x, http_done_fn done);
CURLM *xfer_engine_multi(struct xfer_engine *e);

/* A Cancel-Session in flight; owned by the engine until it ends. */
struct cancel_op {
    struct cancel_op *next;
    struct xfer_engine *engine;
    struct http_op op;
    void (*done)(void *ctx, int32_t hr);
    void *ctx;
};
void xfer_engine_add_cancel(struct xfer_engine *e, struct cancel_op *c);
void xfer_engine_remove_cancel(struct xfer_engine *e, struct cancel_op *c);

/* transfer_cancel.c */
void cancel_op_free(struct cancel_op *c);

/* localcopy.c: a download whose remote file is a local path */
void localcopy_begin(struct xfer *x);
void localcopy_release(struct xfer *x);

/* sizepass.c: learns the sizes of xfer_request.probes, then runs 'next' */
void sizepass_begin(struct xfer *x, xfer_step_fn next);
void sizepass_release(struct xfer *x);

/* certcheck.c: handshake, chain to the daemon, verdict, then 'next' */
void certcheck_begin(struct xfer *x, xfer_step_fn next);
void certcheck_release(struct xfer *x);

/* upload.c */
void upload_begin(struct xfer *x);
void upload_release(struct xfer *x);

/* download.c */
void download_begin(struct xfer *x);
void download_file(struct xfer *x, const char *url, const char *path, uint64_t *have, uint64_t *total,
                   xfer_step_fn complete);
void download_release(struct xfer *x);
/* Writes the checkpoint a download waits for (cp_pending: paused until
 * then) or wants (cp_due), from xfer_engine_run. */
void download_run_checkpoint(struct xfer *x);
/* Writes the buffered body bytes to the file, so *have counts them;
 * 0, or -1 with x->dl_errno set. */
int download_flush(struct xfer *x);

#endif
