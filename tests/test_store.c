/*
 * The SQLite job store: every field survives a round trip, updates replace,
 * deletes delete, a committed change survives SIGKILL of the writer, and a
 * full database reports BP_E_DISK_FULL without half-written jobs.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bitsd.h"

static char dir[64];
static char db[128];

static int setup(void **state)
{
    strcpy(dir, "/tmp/daemon-store-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/jobs.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void sample(struct job_data *jd, uint8_t tag)
{
    memset(jd, 0, sizeof(*jd));
    memset(jd->id, tag, 16);
    jd->seq = tag;
    jd->type = BP_JOB_UPLOAD_REPLY;
    jd->state = BP_STATE_TRANSFERRING;
    jd->priority = BP_PRIORITY_HIGH;
    jd->display_name = strdup("name \xC3\xA9");
    jd->description = NULL;
    jd->owner = strdup("S-1-5-21-1-2-3-1000");
    jd->ctime = 133000000000000000ULL;
    jd->mtime = 133000000000000001ULL;
    jd->completion_time = 0;
    jd->notify_flags = 0x1B;
    jd->notify_program = strdup("C:\\n.exe");
    jd->notify_parameters = strdup("C:\\n.exe {job}");
    jd->min_retry_delay = 60;
    jd->no_progress_timeout = 0;
    jd->error_count = 3;
    jd->error_context = BP_CONTEXT_REMOTE_FILE;
    jd->error_code = BP_HTTP_ERROR(503);
    jd->error_file = 0;
    jd->reply_win = strdup("C:\\dir\\BIT1A2B.tmp");
    jd->reply_unix = strdup("/p/drive_c/dir/BIT1A2B.tmp");
    jd->proxy_usage = BP_PROXY_OVERRIDE;
    jd->proxy_list = strdup("proxy:8080");
    jd->proxy_bypass = NULL;
    jd->notify_pending = BP_EVENT_ERROR;
    jd->cancel_deadline = 5;
    jd->nfiles = 1;
    jd->files = calloc(1, sizeof(*jd->files));
    jd->files[0].remote = strdup("http://127.0.0.1/reply/digest/x");
    jd->files[0].local_win = strdup("C:\\dir\\src.bin");
    jd->files[0].local_unix = strdup("/p/drive_c/dir/src.bin");
    jd->files[0].bytes_total = BP_SIZE_UNKNOWN;
    jd->files[0].bytes_transferred = 77;
    ckpt_reset(jd, 0);
    jd->ck.session_id = strdup("{session}");
    jd->ck.acked = 77;
    jd->ck.total = 100;
    jd->ck.upload_done = 1;
    jd->ck.reply_url = strdup("http://127.0.0.1/replies/1");
    jd->ck.reply_received = 5;
    jd->ck.source_size = 100;
    jd->ck.source_mtime_ns = -42;
    jd->ck.host_fallback = 1;
    jd->ck.host_fallback_timeout = 86400;
    jd->ck.host_failing_since = 1700000000;
}

struct loaded {
    struct job_data jobs[4];
    int n;
};

static int collect(void *ctx, struct job_data *jd)
{
    struct loaded *l = ctx;

    assert_true(l->n < 4);
    l->jobs[l->n++] = *jd;
    return 0;
}

static void free_loaded(struct loaded *l)
{
    int i;

    for (i = 0; i < l->n; i++)
        job_data_free(&l->jobs[i]);
    l->n = 0;
}

static void assert_same(const struct job_data *a, const struct job_data *b)
{
    assert_memory_equal(a->id, b->id, 16);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->priority, b->priority);
    assert_string_equal(a->display_name, b->display_name);
    assert_null(b->description);
    assert_string_equal(a->owner, b->owner);
    assert_true(a->ctime == b->ctime && a->mtime == b->mtime);
    assert_int_equal(a->notify_flags, b->notify_flags);
    assert_string_equal(a->notify_parameters, b->notify_parameters);
    assert_int_equal(a->min_retry_delay, b->min_retry_delay);
    assert_int_equal(a->error_count, b->error_count);
    assert_int_equal(a->error_code, b->error_code);
    assert_string_equal(a->reply_unix, b->reply_unix);
    assert_int_equal(a->proxy_usage, b->proxy_usage);
    assert_string_equal(a->proxy_list, b->proxy_list);
    assert_null(b->proxy_bypass);
    assert_int_equal(a->notify_pending, b->notify_pending);
    assert_int_equal(a->cancel_deadline, b->cancel_deadline);
    assert_int_equal(a->nfiles, b->nfiles);
    assert_string_equal(a->files[0].remote, b->files[0].remote);
    assert_string_equal(a->files[0].local_unix, b->files[0].local_unix);
    assert_null(b->files[0].temp_path);
    assert_true(b->files[0].bytes_total == BP_SIZE_UNKNOWN);
    assert_int_equal(a->files[0].bytes_transferred, b->files[0].bytes_transferred);
    assert_string_equal(a->ck.session_id, b->ck.session_id);
    assert_null(b->ck.host_id);
    assert_int_equal(a->ck.acked, b->ck.acked);
    assert_int_equal(a->ck.upload_done, b->ck.upload_done);
    assert_string_equal(a->ck.reply_url, b->ck.reply_url);
    assert_true(b->ck.reply_total == BP_SIZE_UNKNOWN);
    assert_int_equal(a->ck.reply_received, b->ck.reply_received);
    assert_int_equal(a->ck.source_mtime_ns, b->ck.source_mtime_ns);
    assert_int_equal(a->ck.host_fallback_timeout, b->ck.host_fallback_timeout);
    assert_int_equal(a->ck.host_failing_since, b->ck.host_failing_since);
}

static void test_round_trip(void **state)
{
    struct job_data jd, copy;
    struct loaded l = { .n = 0 };
    struct store *s;

    sample(&jd, 7);
    assert_int_equal(store_open(db, &s), 0);
    assert_int_equal(store_save_job(s, &jd), S_OK);
    store_close(s);

    assert_int_equal(store_open(db, &s), 0);
    assert_int_equal(store_load(s, collect, &l), 1);
    assert_same(&jd, &l.jobs[0]);
    free_loaded(&l);

    /* update: fewer fields, more files */
    assert_int_equal(job_data_copy(&copy, &jd), 0);
    copy.state = BP_STATE_TRANSFERRED;
    free(copy.ck.session_id);
    copy.ck.session_id = strdup("{other}");
    copy.files = realloc(copy.files, 2 * sizeof(*copy.files));
    memset(&copy.files[1], 0, sizeof(copy.files[1]));
    copy.files[1].remote = strdup("http://h/2");
    copy.nfiles = 2;
    assert_int_equal(store_save_job(s, &copy), S_OK);
    assert_int_equal(store_load(s, collect, &l), 1);
    assert_int_equal(l.jobs[0].state, BP_STATE_TRANSFERRED);
    assert_int_equal(l.jobs[0].nfiles, 2);
    assert_string_equal(l.jobs[0].files[1].remote, "http://h/2");
    assert_string_equal(l.jobs[0].ck.session_id, "{other}");
    free_loaded(&l);

    assert_int_equal(store_delete_job(s, jd.id), S_OK);
    assert_int_equal(store_load(s, collect, &l), 0);
    store_close(s);
    job_data_free(&copy);
    job_data_free(&jd);
}

static void test_committed_change_survives_sigkill(void **state)
{
    struct loaded l = { .n = 0 };
    struct store *s;
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        struct job_data jd;
        struct store *cs;
        sample(&jd, 9);
        if (store_open(db, &cs) < 0 || store_save_job(cs, &jd) != S_OK)
            _exit(1);
        jd.state = BP_STATE_ERROR;
        if (store_save_job(cs, &jd) != S_OK)
            _exit(1);
        /* no close, no checkpoint of the WAL: die like kill -9 */
        raise(SIGKILL);
        _exit(2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(store_open(db, &s), 0);
    assert_int_equal(store_load(s, collect, &l), 1);
    assert_int_equal(l.jobs[0].state, BP_STATE_ERROR);
    assert_string_equal(l.jobs[0].ck.session_id, "{session}");
    free_loaded(&l);
    store_close(s);
}

static void test_full_database(void **state)
{
    struct loaded l = { .n = 0 };
    struct job_data jd;
    struct store *s;
    int32_t hr = S_OK;
    int i, saved = 0;

    assert_int_equal(store_open(db, &s), 0);
    sample(&jd, 1);
    assert_int_equal(store_save_job(s, &jd), S_OK);
    assert_int_equal(store_limit_growth(s, 1), 0);
    free(jd.description);
    jd.description = malloc(20000);
    memset(jd.description, 'x', 19999);
    jd.description[19999] = 0;
    for (i = 2; i < 10 && hr >= 0; i++) {
        memset(jd.id, i, 16);
        hr = store_save_job(s, &jd);
        saved += hr >= 0;
    }
    assert_int_equal(hr, BP_E_DISK_FULL);
    assert_int_equal(store_limit_growth(s, 0), 0);
    /* the failed job is not there at all; the others are whole */
    assert_int_equal(store_load(s, collect, &l), 1 + saved);
    for (i = 0; i < l.n; i++)
        assert_int_equal(l.jobs[i].nfiles, 1);
    free_loaded(&l);
    store_close(s);
    job_data_free(&jd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed_change_survives_sigkill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
