/*
 * bitsd internals shared by its modules.
 *
 *   log.c       timestamped log file (and stderr in --foreground)
 *   statedir.c  <prefix>/bitsd: directory, lock, token, port
 *   store.c     SQLite persistence of jobs, files and checkpoints
 *   job.c       one job: memory, copies, progress, info for the wire
 *   jobs.c      the job operations behind every IPC request
 *   sched.c     which jobs run, engine callbacks, retry timers
 *   notify.c    events to subscribers and notify command lines
 *   expire.c    JobInactivityTimeout and removal of finished jobs
 *   control.c   the IPC server: connections, framing, dispatch
 *   bitsd.c     main() and the event loop (not in bitsdcore)
 */
#ifndef BITSD_H
#define BITSD_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "bitsproto.h"
#include "bitserr.h"
#include "transfer.h"

struct store;
struct conn;
struct job_set;

/* ---- log.c ---- */
int log_open(const char *path, int foreground, int verbose);
void log_close(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- statedir.c ---- */
char *path_join(const char *dir, const char *name);
int statedir_create(const char *dir);
/* Returns the lock fd, -2 when another bitsd holds it, -1 on error. */
int statedir_lock(const char *dir);
int statedir_write_token(const char *dir, char token[BP_TOKEN_LEN + 1]);
int statedir_write_port(const char *dir, unsigned port);
int random_bytes(void *buf, size_t len);

/* ---- job.c: the job object ---- */
struct jfile {
    char *remote;
    char *local_win;
    char *local_unix;
    char *temp_path;                /* downloads: data lives here until Complete */
    uint64_t bytes_total;
    uint64_t bytes_transferred;
    int completed;
    /* newer interfaces */
    uint32_t nranges;               /* AddFileWithRanges; 0 = the whole file */
    struct bp_range *ranges;
    uint32_t validation_state;      /* IBackgroundCopyFile3 */
    char *response_headers;         /* last answer's headers (File5), NULL before one */
};

/* Properties of the newer interfaces (IBackgroundCopyJob3/4/5,
 * IBackgroundCopyJobHttpOptions); stored in the jobs_newer table. */
struct job_newer {
    uint32_t file_acl_flags;
    uint32_t peer_caching_flags;
    uint32_t max_download_time;     /* seconds in CONNECTING/TRANSFERRING */
    char *custom_headers;
    uint32_t security_flags;
    uint32_t cert_set, cert_location, cert_has_hash;
    char *cert_store, *cert_subject;
    uint8_t cert_hash[20];
    uint32_t cost_flags;
    uint8_t notification_clsid[16];
    uint32_t dynamic_content, high_performance;
    uint64_t max_download_size;     /* 0 = no limit */
    uint32_t use_stored_credentials;
    uint32_t min_notification_interval; /* ms between JobModification events */
    uint32_t on_demand;
    /* HttpOptions2/3 */
    char *http_method;              /* NULL: the default verb of the job type */
    uint32_t headers_write_only;    /* GetCustomHeaders refused for good */
    uint32_t cert_validation;       /* a validation callback was set (certcb.c) */
    /* time spent in CONNECTING/TRANSFERRING since the last Resume, for
     * SetMaximumDownloadTime; kept across restarts of bitsd */
    uint64_t download_active_ms;
};

#define BP_DEFAULT_MAX_DOWNLOAD_TIME 7776000u   /* 90 days (SetMaximumDownloadTime) */

/* Everything about a job that is persisted.  Kept apart from the runtime
 * fields so a failed store write can put back the previous copy whole. */
struct job_data {
    uint8_t id[16];
    int64_t seq;                    /* creation order */
    uint32_t type, state, priority;
    char *display_name, *description, *owner;
    uint64_t ctime, mtime, completion_time;
    uint32_t notify_flags;
    char *notify_program, *notify_parameters;
    uint32_t min_retry_delay, no_progress_timeout;
    uint32_t error_count, error_context;
    int32_t error_code;
    uint32_t error_file;
    char *reply_win, *reply_unix;
    uint32_t proxy_usage;
    char *proxy_list, *proxy_bypass;
    uint32_t nfiles;
    struct jfile *files;
    uint32_t ck_file;               /* the file 'ck' belongs to */
    struct xfer_saved ck;
    uint32_t notify_pending;        /* BP_EVENT_TRANSFERRED/ERROR not yet taken, or 0 */
    uint64_t cancel_deadline;       /* FILETIME until which Cancel-Session is re-sent; 0 none */
    struct job_newer x;             /* Job3/4/5 and HttpOptions properties (jobs_newer.c) */
};

#define CRED_TARGETS 2
#define CRED_SCHEMES 5

struct job_cred {
    int set;
    char *user;
    char *password;
};

struct bitsd;

struct job {
    struct job *next;
    struct bitsd *d;
    struct job_data j;
    /* Credentials stay in memory only: never written to disk. */
    struct job_cred creds[CRED_TARGETS][CRED_SCHEMES];
    /* Client certificate (DER) and its private key (DER PKCS#1) for TLS,
     * memory only like the credentials (clientkey.c). */
    uint8_t *client_cert, *client_key;
    size_t client_cert_len, client_key_len;

    /* scheduler */
    struct xfer *xfer;
    uint32_t cur_file;
    int64_t started_ms;             /* when the current run began */
    int64_t progress_ms;            /* last progress (or resume): no-progress timer */
    int64_t retry_at_ms;            /* TRANSIENT_ERROR: when to queue again */
    uint64_t rr_stamp;              /* round robin: lower ran longer ago */
    int next_file;                  /* a file finished: start the next one */
    int ckpt_failed;
    int sizes_asked;                /* size pass of this run handed to the engine */

    /* notifications */
    int64_t notify_at_ms;
    int notify_waiting;             /* results outstanding for the pending event */
    pid_t notify_pid;
    int notify_route;               /* what notify_pid runs: NOTIFY_ROUTE_* (notify.c) */
    pid_t aux_pid;                  /* notification CLSID helper for JobModification or
                                       FileTransferred (best effort, not retried) */
    int mod_pending;
    int mod_waiting;
    uint32_t *file_events;
    uint32_t n_file_events;

    /* Cancel-Session still to be sent after Cancel */
    int cancel_inflight;
    int64_t cancel_retry_ms;

    /* SetMaximumDownloadTime: time spent CONNECTING/TRANSFERRING since the
     * last Resume (memory only: a daemon restart starts it again) */
    int64_t active_tick_ms;
    uint64_t clock_saved_ms;        /* download_active_ms when last saved for the clock */
    int64_t last_mod_ms;            /* MINIMUM_NOTIFICATION_INTERVAL_MS throttle */

    /* BP_EVENT_SERVER_CERT asked, no verdict yet: the connections asked
     * (ids) that have not answered (certcb.c) */
    unsigned *cert_asked;
    unsigned n_cert_asked;
};

uint64_t filetime_now(void);
int64_t mono_ms(void);
size_t utf16_len(const char *utf8);
int job_is_final(const struct job *job);
struct job *job_new(void);
void job_free(struct job *job);
void job_data_free(struct job_data *jd);
int job_data_copy(struct job_data *dst, const struct job_data *src);
void ckpt_reset(struct job_data *jd, uint32_t file);
void job_clear_creds(struct job *job);
/* clientkey.c: the client certificate's key pair, memory only */
void job_clear_client_key(struct job *job);
int job_has_client_key(const struct job *job);
int32_t job_set_client_key(struct job *job, const uint8_t *cert, uint32_t cert_len,
                           const uint8_t *key, uint32_t key_len);
int job_fill_info(const struct job *job, struct bp_job_info *info);
void job_progress(const struct job *job, uint64_t *total, uint64_t *done,
                  uint32_t *files_done);
char *job_reply_temp(const struct bitsd *d, const struct job *job);
char *dir_of(const char *path, char sep);
const char *base_of(const char *path);

/* ---- jobs_newer.c: the newer interfaces' properties ---- */
void job_newer_free(struct job_newer *x);
int job_newer_copy(struct job_newer *dst, const struct job_newer *src);
void job_newer_defaults(struct job_newer *x);
void job_newer_fill_info(const struct job *job, struct bp_job_info *info, int *bad);
void jfile_newer_free(struct jfile *f);
int jfile_newer_copy(struct jfile *dst, const struct jfile *src);
/* Validates and applies a BP_PROP_* of the newer interfaces (job_set
 * values: u32, u64, s1, s2, bytes). */
int32_t jobs_newer_apply(struct bitsd *d, struct job *job, const struct job_set *set);
int32_t jobs_add_file_ranges(struct bitsd *d, const uint8_t id[16], const char *remote,
                             const char *local_win, const char *local_unix,
                             const struct bp_range *ranges, uint32_t count);
int32_t jobs_file_set(struct bitsd *d, const uint8_t id[16], uint32_t index, uint32_t prop,
                      uint32_t u32, const char *s);
int32_t jobs_file_get(struct bitsd *d, const uint8_t id[16], uint32_t index, uint32_t prop,
                      char **s);
/* Ranges check of AddFileWithRanges (exported for tests). */
int32_t ranges_check(const struct bp_range *ranges, uint32_t count);

/* ---- localpath.c: remote names that are files (file://, C:\..., UNC) ---- */
int remote_is_local(const char *remote);
/* Unix path of a local remote name inside 'prefix' (malloc'd), or NULL
 * with errno EINVAL (not a supported name) or ENOMEM. */
char *remote_unix_path(const char *prefix, const char *remote);

/* ---- proxycfg.c: the prefix's Internet Settings / WinHTTP proxy ---- */
/* 1 and malloc'd *server (Windows proxy list) and *bypass (may be NULL)
 * when the prefix enables a proxy; 0 when it does not; -1 out of memory. */
int prefix_proxy_settings(const char *prefix, char **server, char **bypass);

/* ---- store.c ---- */
int store_open(const char *path, struct store **out);
void store_close(struct store *s);
int32_t store_save_job(struct store *s, const struct job_data *jd);
int32_t store_delete_job(struct store *s, const uint8_t id[16]);
int store_load(struct store *s, int (*cb)(void *ctx, struct job_data *jd), void *ctx);
/* Caps the database at its current size, so growth fails like a full disk. */
int store_limit_growth(struct store *s, int on);

/* ---- the daemon ---- */
struct sub {
    struct sub *next;
    struct conn *conn;
    uint8_t job[16];
};

struct bitsd {
    char *prefix;
    char *statedir;
    char *replies;
    char token[BP_TOKEN_LEN + 1];
    struct store *store;
    struct xfer_engine *engine;
    struct job *jobs;               /* creation order */
    int64_t next_seq;
    uint64_t rr_counter;
    int listen_fd;
    struct conn *conns;
    unsigned next_conn_id;
    struct sub *subs;
    int stop;
    uint64_t inactivity_100ns;      /* JobInactivityTimeout (BITSD_INACTIVITY_TIMEOUT) */
};

/* Finished (acknowledged or cancelled) jobs are kept this long. */
#define FINISHED_KEEP_100NS (24ULL * 3600 * 10000000)

/* bitsd.c / tests: set up everything but the network and the engine. */
int bitsd_core_init(struct bitsd *d, const char *prefix, const char *statedir);
void bitsd_core_free(struct bitsd *d);

/* ---- jobs.c: the operations behind the IPC messages ---- */
struct job *jobs_find(struct bitsd *d, const uint8_t id[16]);
int jobs_load(struct bitsd *d);
int32_t jobs_create(struct bitsd *d, const char *owner, const char *name, uint32_t type,
                    uint8_t id[16]);
int32_t jobs_get(struct bitsd *d, const uint8_t id[16]);
int32_t jobs_enum(struct bitsd *d, const char *owner, uint32_t flags, uint8_t (**ids)[16],
                  uint32_t *count);
int32_t jobs_info(struct bitsd *d, const uint8_t id[16], struct bp_job_info *info);

struct job_set {
    uint32_t prop;
    uint32_t u32;
    char *s1, *s2;                  /* string values (not owned) */
    /* newer interfaces */
    uint32_t sub;                   /* BP_PROP_JOB5: BITS_JOB_PROPERTY_ID; CLIENT_CERT: set */
    uint64_t u64;
    uint8_t guid[16];
    const uint8_t *bytes;           /* CLIENT_CERT hash (not owned), NULL if none */
    uint32_t bytes_len;
};
int32_t jobs_set(struct bitsd *d, const uint8_t id[16], const struct job_set *set);
int32_t jobs_add_file(struct bitsd *d, const uint8_t id[16], const char *remote,
                      const char *local_win, const char *local_unix);
int32_t jobs_action(struct bitsd *d, const uint8_t id[16], uint32_t action,
                    const char *new_owner);
/* On success *data is malloc'd (NULL when there is no reply); *len its size or,
 * for BG_E_TOO_LARGE, the real size. */
int32_t jobs_reply_data(struct bitsd *d, const uint8_t id[16], uint8_t **data, uint64_t *len);
int32_t jobs_set_credentials(struct bitsd *d, const uint8_t id[16], uint32_t target,
                             uint32_t scheme, const char *user, const char *password);
int32_t jobs_remove_credentials(struct bitsd *d, const uint8_t id[16], uint32_t target,
                                uint32_t scheme);
/* Saves the job; on failure puts 'backup' back.  Consumes 'backup'. */
int32_t jobs_commit(struct bitsd *d, struct job *job, struct job_data *backup);
/* A changed job: modification time and the JobModification event. */
void jobs_touch(struct job *job);
/* Deletes the job from the store and from memory (it must be idle). */
void jobs_remove(struct bitsd *d, struct job *job);

/* ---- expire.c ---- */
uint64_t expire_limit_from_env(void);
void expire_tick(struct bitsd *d);
long expire_timeout(struct bitsd *d);      /* ms until the next check, -1 none */

/* ---- sched.c ---- */
void sched_tick(struct bitsd *d);
long sched_timeout(struct bitsd *d);    /* ms until the next timer, -1 none */
void sched_stop_job(struct job *job);   /* abort a running transfer, keep progress */
void sched_cancel_session(struct bitsd *d, struct job *job);
void sched_shutdown(struct bitsd *d);

/* ---- notify.c ---- */
void notify_state_event(struct job *job, uint32_t event);
void notify_modified(struct job *job);
void notify_file(struct job *job, uint32_t file);
void notify_clear(struct job *job);
void notify_tick(struct bitsd *d);
long notify_timeout(struct bitsd *d);
int32_t notify_subscribe(struct bitsd *d, struct conn *c, const uint8_t id[16], int on);
void notify_result(struct bitsd *d, struct conn *c, const uint8_t id[16], uint32_t event,
                   int32_t hr);
void notify_conn_gone(struct bitsd *d, struct conn *c);
/* ---- certcb.c: the server certificate validation callback ---- */
/* Asks every events connection about 'chain' for the job's running
 * transfer; the verdict goes to xfer_cert_verdict. */
void certcb_ask(struct bitsd *d, struct job *job, const struct xfer_cert_chain *chain);
void certcb_result(struct bitsd *d, struct conn *c, const uint8_t id[16], int32_t hr);
void certcb_conn_gone(struct bitsd *d, struct conn *c);
void certcb_clear(struct job *job);
/* Windows command-line rules (CommandLineToArgvW); NULL-terminated, free with argv_free. */
char **split_cmdline(const char *cmdline, int *argc);
void argv_free(char **argv);

/* ---- control.c ---- */
int control_listen(struct bitsd *d, unsigned *port);
/* Fills 'fds' (at most 'max') with the descriptors the loop must watch. */
unsigned control_fds(struct bitsd *d, struct curl_waitfd *fds, unsigned max);
void control_run(struct bitsd *d);
int control_send_event(struct conn *c, const uint8_t id[16], uint32_t event, uint32_t file);
int conn_has_events(const struct conn *c);
unsigned conn_id(const struct conn *c);
/* BP_EVENT_SERVER_CERT to every events connection; returns how many took
 * it and their ids in *ids (malloc'd, NULL when none). */
unsigned control_send_cert_events(struct bitsd *d, const uint8_t id[16], uint32_t file,
                                  const struct xfer_cert_chain *chain, unsigned **ids);
void control_close_all(struct bitsd *d);

#endif
