/*
 * The job store: SQLite in WAL mode with synchronous=FULL, so a commit has
 * reached the disk (not only the page cache) before store_save_job returns.
 * That covers SIGKILL of bitsd and also a machine crash.  Every change is a
 * whole-job rewrite inside one transaction: a job has at most 200 files, and
 * one write path is easier to trust than many partial ones.
 *
 * Credentials are deliberately absent: they live only in bitsd's memory
 * (a restart forgets them, like a program re-calling SetCredentials).
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "bitsd.h"

struct store {
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS jobs("
    " id BLOB PRIMARY KEY, seq INTEGER, type INTEGER, state INTEGER, priority INTEGER,"
    " display_name TEXT, description TEXT, owner TEXT,"
    " ctime INTEGER, mtime INTEGER, completion_time INTEGER,"
    " notify_flags INTEGER, notify_program TEXT, notify_parameters TEXT,"
    " min_retry_delay INTEGER, no_progress_timeout INTEGER,"
    " error_count INTEGER, error_context INTEGER, error_code INTEGER, error_file INTEGER,"
    " reply_win TEXT, reply_unix TEXT,"
    " proxy_usage INTEGER, proxy_list TEXT, proxy_bypass TEXT,"
    " notify_pending INTEGER, cancel_deadline INTEGER);"
    "CREATE TABLE IF NOT EXISTS files("
    " job BLOB, idx INTEGER, remote TEXT, local_win TEXT, local_unix TEXT, temp_path TEXT,"
    " bytes_total INTEGER, bytes_transferred INTEGER, completed INTEGER,"
    " PRIMARY KEY(job, idx));"
    "CREATE TABLE IF NOT EXISTS checkpoints("
    " job BLOB PRIMARY KEY, file INTEGER, session_id TEXT, host_id TEXT, acked INTEGER,"
    " total INTEGER, upload_done INTEGER, reply_url TEXT, reply_total INTEGER,"
    " reply_received INTEGER, validator TEXT, source_size INTEGER, source_mtime_ns INTEGER,"
    " host_fallback INTEGER, host_fallback_timeout INTEGER, host_failing_since INTEGER);"
    /* newer interfaces (jobs_newer.c): tables of their own, so a store
     * written before them loads with the defaults */
    "CREATE TABLE IF NOT EXISTS jobs_newer("
    " job BLOB PRIMARY KEY, file_acl_flags INTEGER, peer_caching_flags INTEGER,"
    " max_download_time INTEGER, custom_headers TEXT, security_flags INTEGER,"
    " cert_set INTEGER, cert_location INTEGER, cert_store TEXT, cert_hash BLOB,"
    " cert_subject TEXT, cost_flags INTEGER, notification_clsid BLOB,"
    " dynamic_content INTEGER, high_performance INTEGER, max_download_size INTEGER,"
    " use_stored_credentials INTEGER, min_notification_interval INTEGER, on_demand INTEGER);"
    "CREATE TABLE IF NOT EXISTS files_newer("
    " job BLOB, idx INTEGER, ranges BLOB, validation_state INTEGER, response_headers TEXT,"
    " PRIMARY KEY(job, idx));"
    /* HttpOptions2/3, likewise: a job without a row has the defaults */
    "CREATE TABLE IF NOT EXISTS jobs_http("
    " job BLOB PRIMARY KEY, http_method TEXT, headers_write_only INTEGER);"
    /* HttpOptions3 validation callback set: a row means yes */
    "CREATE TABLE IF NOT EXISTS jobs_certcb(job BLOB PRIMARY KEY);"
    /* the time counted against SetMaximumDownloadTime, when there is some */
    "CREATE TABLE IF NOT EXISTS jobs_clock(job BLOB PRIMARY KEY, download_active_ms INTEGER);";

static int32_t hr_from_sqlite(int rc)
{
    if (rc == SQLITE_FULL)
        return BP_E_DISK_FULL;
    if (rc == SQLITE_NOMEM)
        return E_OUTOFMEMORY;
    return E_FAIL;
}

int store_open(const char *path, struct store **out)
{
    struct store *s = calloc(1, sizeof(*s));
    char *err = NULL;

    if (!s)
        return -1;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
        != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(s->db, 5000);
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     &err) != SQLITE_OK
        || sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK) {
        log_warn("store %s: %s", path, err ? err : sqlite3_errmsg(s->db));
        sqlite3_free(err);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    if (s->db)
        log_warn("store %s: %s", path, sqlite3_errmsg(s->db));
    sqlite3_close(s->db);
    free(s);
    return -1;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int store_limit_growth(struct store *s, int on)
{
    sqlite3_stmt *st;
    long long pages = 1073741823;
    char sql[64];
    int rc;

    if (on) {
        if (sqlite3_prepare_v2(s->db, "PRAGMA page_count", -1, &st, NULL) != SQLITE_OK)
            return -1;
        if (sqlite3_step(st) == SQLITE_ROW)
            pages = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld", pages);
    rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
    sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Prepares 'sql' with the job's id bound to its first parameter. */
static int prepare_job(sqlite3 *db, const char *sql, const uint8_t id[16], sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

    if (rc == SQLITE_OK)
        sqlite3_bind_blob(*st, 1, id, 16, SQLITE_STATIC);
    return rc;
}

/* Runs a statement whose only parameter is the job's id. */
static int exec_job(sqlite3 *db, const char *sql, const uint8_t id[16])
{
    sqlite3_stmt *st;
    int rc = prepare_job(db, sql, id, &st);

    return rc == SQLITE_OK ? step_done(st) : rc;
}

static int save_row(sqlite3 *db, const struct job_data *jd)
{
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db,
        "INSERT OR REPLACE INTO jobs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        jd->id, &st);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(st, 2, jd->seq);
    sqlite3_bind_int64(st, 3, jd->type);
    sqlite3_bind_int64(st, 4, jd->state);
    sqlite3_bind_int64(st, 5, jd->priority);
    bind_text(st, 6, jd->display_name);
    bind_text(st, 7, jd->description);
    bind_text(st, 8, jd->owner);
    bind_u64(st, 9, jd->ctime);
    bind_u64(st, 10, jd->mtime);
    bind_u64(st, 11, jd->completion_time);
    sqlite3_bind_int64(st, 12, jd->notify_flags);
    bind_text(st, 13, jd->notify_program);
    bind_text(st, 14, jd->notify_parameters);
    sqlite3_bind_int64(st, 15, jd->min_retry_delay);
    sqlite3_bind_int64(st, 16, jd->no_progress_timeout);
    sqlite3_bind_int64(st, 17, jd->error_count);
    sqlite3_bind_int64(st, 18, jd->error_context);
    sqlite3_bind_int64(st, 19, jd->error_code);
    sqlite3_bind_int64(st, 20, jd->error_file);
    bind_text(st, 21, jd->reply_win);
    bind_text(st, 22, jd->reply_unix);
    sqlite3_bind_int64(st, 23, jd->proxy_usage);
    bind_text(st, 24, jd->proxy_list);
    bind_text(st, 25, jd->proxy_bypass);
    sqlite3_bind_int64(st, 26, jd->notify_pending);
    bind_u64(st, 27, jd->cancel_deadline);
    return step_done(st);
}

static int save_files(sqlite3 *db, const struct job_data *jd)
{
    sqlite3_stmt *st;
    uint32_t i;
    int rc;

    if ((rc = exec_job(db, "DELETE FROM files WHERE job=?", jd->id)) != SQLITE_OK)
        return rc;
    for (i = 0; i < jd->nfiles; i++) {
        const struct jfile *f = &jd->files[i];
        rc = prepare_job(db, "INSERT INTO files VALUES(?,?,?,?,?,?,?,?,?)", jd->id, &st);
        if (rc != SQLITE_OK)
            return rc;
        sqlite3_bind_int64(st, 2, i);
        bind_text(st, 3, f->remote);
        bind_text(st, 4, f->local_win);
        bind_text(st, 5, f->local_unix);
        bind_text(st, 6, f->temp_path);
        bind_u64(st, 7, f->bytes_total);
        bind_u64(st, 8, f->bytes_transferred);
        sqlite3_bind_int(st, 9, f->completed);
        if ((rc = step_done(st)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int save_ckpt(sqlite3 *db, const struct job_data *jd)
{
    const struct xfer_saved *ck = &jd->ck;
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db,
        "INSERT OR REPLACE INTO checkpoints VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", jd->id, &st);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(st, 2, jd->ck_file);
    bind_text(st, 3, ck->session_id);
    bind_text(st, 4, ck->host_id);
    bind_u64(st, 5, ck->acked);
    bind_u64(st, 6, ck->total);
    sqlite3_bind_int(st, 7, ck->upload_done);
    bind_text(st, 8, ck->reply_url);
    bind_u64(st, 9, ck->reply_total);
    bind_u64(st, 10, ck->reply_received);
    bind_text(st, 11, ck->validator);
    bind_u64(st, 12, ck->source_size);
    sqlite3_bind_int64(st, 13, ck->source_mtime_ns);
    sqlite3_bind_int(st, 14, ck->host_fallback);
    sqlite3_bind_int64(st, 15, ck->host_fallback_timeout);
    sqlite3_bind_int64(st, 16, ck->host_failing_since);
    return step_done(st);
}

static int save_newer(sqlite3 *db, const struct job_data *jd)
{
    const struct job_newer *x = &jd->x;
    sqlite3_stmt *st;
    uint32_t i;
    int rc;

    rc = prepare_job(db, "INSERT OR REPLACE INTO jobs_newer VALUES"
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", jd->id, &st);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(st, 2, x->file_acl_flags);
    sqlite3_bind_int64(st, 3, x->peer_caching_flags);
    sqlite3_bind_int64(st, 4, x->max_download_time);
    bind_text(st, 5, x->custom_headers);
    sqlite3_bind_int64(st, 6, x->security_flags);
    sqlite3_bind_int64(st, 7, x->cert_set);
    sqlite3_bind_int64(st, 8, x->cert_location);
    bind_text(st, 9, x->cert_store);
    if (x->cert_has_hash)
        sqlite3_bind_blob(st, 10, x->cert_hash, 20, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    bind_text(st, 11, x->cert_subject);
    sqlite3_bind_int64(st, 12, x->cost_flags);
    sqlite3_bind_blob(st, 13, x->notification_clsid, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 14, x->dynamic_content);
    sqlite3_bind_int64(st, 15, x->high_performance);
    bind_u64(st, 16, x->max_download_size);
    sqlite3_bind_int64(st, 17, x->use_stored_credentials);
    sqlite3_bind_int64(st, 18, x->min_notification_interval);
    sqlite3_bind_int64(st, 19, x->on_demand);
    if ((rc = step_done(st)) != SQLITE_OK)
        return rc;
    if ((rc = exec_job(db, "DELETE FROM files_newer WHERE job=?", jd->id)) != SQLITE_OK)
        return rc;
    for (i = 0; i < jd->nfiles; i++) {
        const struct jfile *f = &jd->files[i];
        if (!f->nranges && !f->validation_state && !f->response_headers)
            continue;
        rc = prepare_job(db, "INSERT INTO files_newer VALUES(?,?,?,?,?)", jd->id, &st);
        if (rc != SQLITE_OK)
            return rc;
        sqlite3_bind_int64(st, 2, i);
        if (f->nranges)
            sqlite3_bind_blob(st, 3, f->ranges, (int)(f->nranges * sizeof(*f->ranges)),
                              SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, f->validation_state);
        bind_text(st, 5, f->response_headers);
        if ((rc = step_done(st)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Only jobs that changed a default get a row: most jobs never do. */
static int save_http(sqlite3 *db, const struct job_data *jd)
{
    const struct job_newer *x = &jd->x;
    int changed = x->http_method || x->headers_write_only;
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db, changed ? "INSERT OR REPLACE INTO jobs_http VALUES(?,?,?)"
                                 : "DELETE FROM jobs_http WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return rc;
    if (changed) {
        bind_text(st, 2, x->http_method);
        sqlite3_bind_int64(st, 3, x->headers_write_only);
    }
    return step_done(st);
}

static int save_certcb(sqlite3 *db, const struct job_data *jd)
{
    return exec_job(db, jd->x.cert_validation ? "INSERT OR REPLACE INTO jobs_certcb VALUES(?)"
                                              : "DELETE FROM jobs_certcb WHERE job=?", jd->id);
}

static int save_clock(sqlite3 *db, const struct job_data *jd)
{
    uint64_t ms = jd->x.download_active_ms;
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db, ms ? "INSERT OR REPLACE INTO jobs_clock VALUES(?,?)"
                            : "DELETE FROM jobs_clock WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return rc;
    if (ms)
        bind_u64(st, 2, ms);
    return step_done(st);
}

int32_t store_save_job(struct store *s, const struct job_data *jd)
{
    int rc;

    rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK && (rc = save_row(s->db, jd)) == SQLITE_OK
        && (rc = save_files(s->db, jd)) == SQLITE_OK && (rc = save_ckpt(s->db, jd)) == SQLITE_OK
        && (rc = save_newer(s->db, jd)) == SQLITE_OK
        && (rc = save_http(s->db, jd)) == SQLITE_OK
        && (rc = save_certcb(s->db, jd)) == SQLITE_OK
        && (rc = save_clock(s->db, jd)) == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return S_OK;
    log_warn("store: saving a job failed: %s", sqlite3_errmsg(s->db));
    /* SQLite may have rolled back already (SQLITE_FULL does) */
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return hr_from_sqlite(rc);
}

int32_t store_delete_job(struct store *s, const uint8_t id[16])
{
    static const char *const sql[] = {
        "DELETE FROM files WHERE job=?", "DELETE FROM checkpoints WHERE job=?",
        "DELETE FROM jobs_newer WHERE job=?", "DELETE FROM files_newer WHERE job=?",
        "DELETE FROM jobs_http WHERE job=?", "DELETE FROM jobs_certcb WHERE job=?",
        "DELETE FROM jobs_clock WHERE job=?",
        "DELETE FROM jobs WHERE id=?",
    };
    unsigned i;
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    for (i = 0; rc == SQLITE_OK && i < sizeof(sql) / sizeof(sql[0]); i++)
        rc = exec_job(s->db, sql[i], id);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return hr_from_sqlite(rc);
    }
    return S_OK;
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static uint64_t col_u64(sqlite3_stmt *st, int i)
{
    return (uint64_t)sqlite3_column_int64(st, i);
}

static void load_row(sqlite3_stmt *st, struct job_data *jd)
{
    if (sqlite3_column_bytes(st, 0) == 16)
        memcpy(jd->id, sqlite3_column_blob(st, 0), 16);
    jd->seq = sqlite3_column_int64(st, 1);
    jd->type = (uint32_t)sqlite3_column_int64(st, 2);
    jd->state = (uint32_t)sqlite3_column_int64(st, 3);
    jd->priority = (uint32_t)sqlite3_column_int64(st, 4);
    jd->display_name = col_text(st, 5);
    jd->description = col_text(st, 6);
    jd->owner = col_text(st, 7);
    jd->ctime = col_u64(st, 8);
    jd->mtime = col_u64(st, 9);
    jd->completion_time = col_u64(st, 10);
    jd->notify_flags = (uint32_t)sqlite3_column_int64(st, 11);
    jd->notify_program = col_text(st, 12);
    jd->notify_parameters = col_text(st, 13);
    jd->min_retry_delay = (uint32_t)sqlite3_column_int64(st, 14);
    jd->no_progress_timeout = (uint32_t)sqlite3_column_int64(st, 15);
    jd->error_count = (uint32_t)sqlite3_column_int64(st, 16);
    jd->error_context = (uint32_t)sqlite3_column_int64(st, 17);
    jd->error_code = (int32_t)sqlite3_column_int64(st, 18);
    jd->error_file = (uint32_t)sqlite3_column_int64(st, 19);
    jd->reply_win = col_text(st, 20);
    jd->reply_unix = col_text(st, 21);
    jd->proxy_usage = (uint32_t)sqlite3_column_int64(st, 22);
    jd->proxy_list = col_text(st, 23);
    jd->proxy_bypass = col_text(st, 24);
    jd->notify_pending = (uint32_t)sqlite3_column_int64(st, 25);
    jd->cancel_deadline = col_u64(st, 26);
}

static int load_files(sqlite3 *db, struct job_data *jd)
{
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db, "SELECT remote, local_win, local_unix, temp_path, bytes_total,"
                     " bytes_transferred, completed FROM files WHERE job=? ORDER BY idx",
                     jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct jfile *f = realloc(jd->files, (jd->nfiles + 1) * sizeof(*f));
        if (!f)
            break;
        jd->files = f;
        f = &jd->files[jd->nfiles++];
        memset(f, 0, sizeof(*f));
        f->remote = col_text(st, 0);
        f->local_win = col_text(st, 1);
        f->local_unix = col_text(st, 2);
        f->temp_path = col_text(st, 3);
        f->bytes_total = col_u64(st, 4);
        f->bytes_transferred = col_u64(st, 5);
        f->completed = sqlite3_column_int(st, 6);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int load_ckpt(sqlite3 *db, struct job_data *jd)
{
    struct xfer_saved *ck = &jd->ck;
    sqlite3_stmt *st;
    int rc;

    ckpt_reset(jd, 0);
    rc = prepare_job(db, "SELECT file, session_id, host_id, acked, total, upload_done,"
                     " reply_url, reply_total, reply_received, validator, source_size,"
                     " source_mtime_ns, host_fallback, host_fallback_timeout, host_failing_since"
                     " FROM checkpoints WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        jd->ck_file = (uint32_t)sqlite3_column_int64(st, 0);
        ck->session_id = col_text(st, 1);
        ck->host_id = col_text(st, 2);
        ck->acked = col_u64(st, 3);
        ck->total = col_u64(st, 4);
        ck->upload_done = sqlite3_column_int(st, 5);
        ck->reply_url = col_text(st, 6);
        ck->reply_total = col_u64(st, 7);
        ck->reply_received = col_u64(st, 8);
        ck->validator = col_text(st, 9);
        ck->source_size = col_u64(st, 10);
        ck->source_mtime_ns = sqlite3_column_int64(st, 11);
        ck->host_fallback = sqlite3_column_int(st, 12);
        ck->host_fallback_timeout = (uint32_t)sqlite3_column_int64(st, 13);
        ck->host_failing_since = sqlite3_column_int64(st, 14);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void load_newer_row(sqlite3_stmt *st, struct job_newer *x)
{
    x->file_acl_flags = (uint32_t)sqlite3_column_int64(st, 0);
    x->peer_caching_flags = (uint32_t)sqlite3_column_int64(st, 1);
    x->max_download_time = (uint32_t)sqlite3_column_int64(st, 2);
    x->custom_headers = col_text(st, 3);
    x->security_flags = (uint32_t)sqlite3_column_int64(st, 4);
    x->cert_set = (uint32_t)sqlite3_column_int64(st, 5);
    x->cert_location = (uint32_t)sqlite3_column_int64(st, 6);
    x->cert_store = col_text(st, 7);
    if (sqlite3_column_bytes(st, 8) == 20) {
        memcpy(x->cert_hash, sqlite3_column_blob(st, 8), 20);
        x->cert_has_hash = 1;
    }
    x->cert_subject = col_text(st, 9);
    x->cost_flags = (uint32_t)sqlite3_column_int64(st, 10);
    if (sqlite3_column_bytes(st, 11) == 16)
        memcpy(x->notification_clsid, sqlite3_column_blob(st, 11), 16);
    x->dynamic_content = (uint32_t)sqlite3_column_int64(st, 12);
    x->high_performance = (uint32_t)sqlite3_column_int64(st, 13);
    x->max_download_size = col_u64(st, 14);
    x->use_stored_credentials = (uint32_t)sqlite3_column_int64(st, 15);
    x->min_notification_interval = (uint32_t)sqlite3_column_int64(st, 16);
    x->on_demand = (uint32_t)sqlite3_column_int64(st, 17);
}

static int load_newer(sqlite3 *db, struct job_data *jd)
{
    sqlite3_stmt *st;
    int rc;

    job_newer_defaults(&jd->x);
    rc = prepare_job(db, "SELECT file_acl_flags, peer_caching_flags, max_download_time,"
                     " custom_headers, security_flags, cert_set, cert_location, cert_store,"
                     " cert_hash, cert_subject, cost_flags, notification_clsid,"
                     " dynamic_content, high_performance, max_download_size,"
                     " use_stored_credentials, min_notification_interval, on_demand"
                     " FROM jobs_newer WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        load_newer_row(st, &jd->x);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    rc = prepare_job(db, "SELECT idx, ranges, validation_state, response_headers"
                     " FROM files_newer WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint32_t idx = (uint32_t)sqlite3_column_int64(st, 0);
        int bytes = sqlite3_column_bytes(st, 1);
        struct jfile *f;

        if (idx >= jd->nfiles)
            continue;
        f = &jd->files[idx];
        if (bytes > 0 && bytes % (int)sizeof(*f->ranges) == 0
            && (f->ranges = malloc((size_t)bytes))) {
            memcpy(f->ranges, sqlite3_column_blob(st, 1), (size_t)bytes);
            f->nranges = (uint32_t)(bytes / (int)sizeof(*f->ranges));
        }
        f->validation_state = (uint32_t)sqlite3_column_int64(st, 2);
        f->response_headers = col_text(st, 3);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int load_http(sqlite3 *db, struct job_data *jd)
{
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db, "SELECT http_method, headers_write_only FROM jobs_http"
                     " WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        jd->x.http_method = col_text(st, 0);
        jd->x.headers_write_only = (uint32_t)sqlite3_column_int64(st, 1);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int load_clock(sqlite3 *db, struct job_data *jd)
{
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db, "SELECT download_active_ms FROM jobs_clock WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        jd->x.download_active_ms = col_u64(st, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int load_certcb(sqlite3 *db, struct job_data *jd)
{
    sqlite3_stmt *st;
    int rc;

    rc = prepare_job(db, "SELECT 1 FROM jobs_certcb WHERE job=?", jd->id, &st);
    if (rc != SQLITE_OK)
        return -1;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        jd->x.cert_validation = 1;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_load(struct store *s, int (*cb)(void *ctx, struct job_data *jd), void *ctx)
{
    sqlite3_stmt *st;
    int rc, n = 0;

    rc = sqlite3_prepare_v2(s->db, "SELECT * FROM jobs ORDER BY seq", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct job_data jd;

        memset(&jd, 0, sizeof(jd));
        load_row(st, &jd);
        if (load_files(s->db, &jd) < 0 || load_ckpt(s->db, &jd) < 0
            || load_newer(s->db, &jd) < 0 || load_http(s->db, &jd) < 0
            || load_certcb(s->db, &jd) < 0 || load_clock(s->db, &jd) < 0) {
            job_data_free(&jd);
            rc = SQLITE_ERROR;
            break;
        }
        /* The callback takes ownership of jd's contents. */
        if (cb(ctx, &jd) < 0) {
            rc = SQLITE_ERROR;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}
