/*
 * Transfer engine, download side: Range-resumable GET into temp_path
 * against bits-server's /files/<name>.  The last group drives bitsd's job
 * code (bitsdcore) around the real engine: the engine leaves download data
 * in the page cache, so bitsd checks finished files at start-up and
 * Complete makes them durable.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "test_upload_util.h"
#include "bitsd.h"

#define MiB (1024ull * 1024)

static struct bits_server srv;
static char workdir[] = "/tmp/engine-download-XXXXXX";

static char *work(const char *name)
{
    return path_printf("%s/%s", workdir, name);
}

static char *url(const char *path)
{
    return path_printf("%s%s", srv.url, path);
}

static char *served(const char *name)
{
    return path_printf("%s/files/%s", srv.root, name);
}

static int group_setup(void **state)
{
    char *root, *files;
    int rc;

    if (!mkdtemp(workdir))
        return -1;
    log_open(NULL, 0, 0);               /* bitsd's log: nowhere */
    root = path_printf("%s/root", workdir);
    rc = bits_server_start(root, &srv);
    files = path_printf("%s/files", root);
    mkdir(files, 0755);
    free(files);
    free(root);
    return rc;
}

static int group_teardown(void **state)
{
    char *cmd = path_printf("rm -rf '%s'", workdir);

    bits_server_stop(&srv);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
    free(cmd);
    return 0;
}

static int test_setup(void **state)
{
    return bits_server_control(&srv, "reset=1");
}

static struct xfer_request download_request(struct run *r, char *u, const char *temp)
{
    struct xfer_request req = run_request(r, XFER_DOWNLOAD, u);

    req.local_path = temp;
    req.temp_path = temp;
    return req;
}

static void assert_ok(const struct run *r)
{
    assert_int_equal(r->finished, 1);
    assert_int_equal(r->result.hr, S_OK);
    assert_int_equal(r->result.context, BP_CONTEXT_NONE);
}

/* Overwrites the first 'n' bytes of 'path' with 'X'. */
static void scribble(const char *path, uint64_t n)
{
    char buf[4096];
    FILE *f = fopen(path, "r+b");

    assert_non_null(f);
    memset(buf, 'X', sizeof(buf));
    while (n) {
        size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);

        assert_int_equal(fwrite(buf, 1, k, f), k);
        n -= k;
    }
    fclose(f);
}

static void assert_prefix_scribbled(const char *path, uint64_t n)
{
    FILE *f = fopen(path, "rb");
    uint64_t i;

    assert_non_null(f);
    for (i = 0; i < n; i++)
        assert_int_equal(fgetc(f), 'X');
    fclose(f);
}

/* Compares bytes [from, end) of two files. */
static void assert_same_tail(const char *a, const char *b, uint64_t from)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int ca, cb;

    assert_non_null(fa);
    assert_non_null(fb);
    assert_int_equal(fseeko(fa, (off_t)from, SEEK_SET), 0);
    assert_int_equal(fseeko(fb, (off_t)from, SEEK_SET), 0);
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
        assert_int_equal(ca, cb);
    } while (ca != EOF);
    fclose(fa);
    fclose(fb);
}

static void download_whole_file(void **state)
{
    char *file = served("whole.bin"), *u = url("/files/whole.bin"), *temp = work("whole.tmp");
    uint64_t size = 5 * MiB + 17;
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, size, 21);
    run_init(&r);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    assert_same_file(file, temp);
    assert_true(r.saved.cp.total == size && r.saved.cp.acked == size);
    assert_non_null(r.saved.cp.validator);
    assert_true(r.last_progress == size);
    run_free(&r);
    free(file);
    free(u);
    free(temp);
}

/* Half the file on disk with its validator: only the rest is fetched
 * (the scribbled half stays as it is, which proves no byte of it came
 * again). */
static void download_resumes_with_range(void **state)
{
    char *file = served("resume.bin"), *u = url("/files/resume.bin"), *temp = work("resume.tmp");
    uint64_t size = 4 * MiB + 3, half = 2 * MiB + 1;
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, size, 22);
    run_init(&r);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);

    assert_int_equal(truncate(temp, (off_t)half), 0);
    scribble(temp, half);
    r.saved.cp.acked = half;
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(temp), (int64_t)size);
    assert_prefix_scribbled(temp, half);
    assert_same_tail(file, temp, half);
    run_free(&r);
    free(file);
    free(u);
    free(temp);
}

/* The remote file changed between the runs: If-Range makes the server
 * send it whole and the temp file becomes exactly the new file. */
static void download_restarts_when_remote_changed(void **state)
{
    char *file = served("changed.bin"), *u = url("/files/changed.bin"), *temp = work("changed.tmp");
    char *next = work("changed.next");
    uint64_t half = 1 * MiB;
    char *old_validator;
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, 3 * MiB, 23);
    run_init(&r);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    old_validator = strdup(r.saved.cp.validator);

    assert_int_equal(truncate(temp, (off_t)half), 0);
    r.saved.cp.acked = half;
    write_pattern_file(next, 3 * MiB + 100, 24);
    assert_int_equal(rename(next, file), 0);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    assert_same_file(file, temp);
    assert_string_not_equal(old_validator, r.saved.cp.validator);
    assert_true(r.saved.cp.total == 3 * MiB + 100);
    free(old_validator);
    run_free(&r);
    free(file);
    free(u);
    free(temp);
    free(next);
}

/* After a crash the temp file and the checkpoint disagree: only bytes that
 * are both on disk and checkpointed are kept, the rest is fetched again. */
static void resume_with(const char *file, char *u, const char *temp, uint64_t on_disk,
                        uint64_t checkpointed)
{
    uint64_t kept = on_disk < checkpointed ? on_disk : checkpointed;
    struct run r;
    struct xfer_request req;

    run_init(&r);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);

    assert_int_equal(truncate(temp, (off_t)on_disk), 0);
    scribble(temp, on_disk);
    r.saved.cp.acked = checkpointed;
    xfer_engine_free(r.engine);                 /* the daemon died */
    r.engine = xfer_engine_new();
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(temp), file_size(file));
    assert_prefix_scribbled(temp, kept);
    assert_same_tail(file, temp, kept);
    run_free(&r);
}

static void download_restart_from_checkpoint(void **state)
{
    char *file = served("restart.bin"), *u = url("/files/restart.bin"), *temp = work("restart.tmp");

    write_pattern_file(file, 6 * MiB + 1, 25);
    resume_with(file, u, temp, 4 * MiB, 2 * MiB);   /* more on disk than checkpointed */
    resume_with(file, u, temp, 1 * MiB, 3 * MiB);   /* less on disk than checkpointed */
    free(file);
    free(u);
    free(temp);
}

/* IBackgroundCopyJobHttpOptions2::SetHttpMethod: the daemon hands the
 * verb with dynamic set; the server sees that verb and the file arrives. */
static void download_with_custom_verb(void **state)
{
    char *file = served("verb.bin"), *u = url("/files/verb.bin"), *temp = work("verb.tmp");
    char seen[4096];
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, 300000, 5);
    run_init(&r);
    req = download_request(&r, u, temp);
    req.http_method = "X-FETCH";
    req.dynamic = 1;
    run_go(&r, &req);
    assert_ok(&r);
    assert_same_file(file, temp);
    assert_int_equal(bits_server_get(&srv, "/_last_headers", seen, sizeof(seen)), 200);
    assert_memory_equal(seen, "X-FETCH /files/verb.bin\n", 24);
    assert_null(strstr(seen, "Range:"));
    run_free(&r);
    free(file);
    free(u);
    free(temp);
}

static void download_empty_file(void **state)
{
    char *file = served("empty.bin"), *u = url("/files/empty.bin"), *temp = work("empty.tmp");
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, 0, 26);
    run_init(&r);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(temp), 0);
    assert_true(r.saved.cp.total == 0);
    run_free(&r);
    free(file);
    free(u);
    free(temp);
}

static void download_404_is_final(void **state)
{
    char *u = url("/files/no-such-file.bin"), *temp = work("missing.tmp");
    struct run r;
    struct xfer_request req;

    run_init(&r);
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BP_HTTP_ERROR(404));
    assert_int_equal(r.result.context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(r.result.transient, 0);
    run_free(&r);
    free(u);
    free(temp);
}

static void download_connect_failure_is_transient(void **state)
{
    char *temp = work("refused.tmp");
    struct run r;
    struct xfer_request req;

    run_init(&r);
    req = download_request(&r, "http://127.0.0.1:1/files/x.bin", temp);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BG_E_CONNECT_FAILURE);
    assert_int_equal(r.result.context, BP_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(r.result.transient, 1);
    run_free(&r);
    free(temp);
}

static void download_bad_destination_is_local_error(void **state)
{
    char *file = served("nodir.bin"), *u = url("/files/nodir.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, 10, 27);
    run_init(&r);
    req = download_request(&r, u, "/nonexistent-dir-for-engine-test/x.tmp");
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BP_HR(0x80070002));
    assert_int_equal(r.result.context, BP_CONTEXT_LOCAL_FILE);
    run_free(&r);
    free(file);
    free(u);
}


/* ---- bitsd around the engine: start-up check of finished files, Complete ---- */

#define OWNER "S-1-5-21-1-2-3-1000"

struct daemon {
    struct bitsd d;
    char *prefix;
    char *statedir;
};

static void daemon_start(struct daemon *dm, const char *name)
{
    if (!dm->prefix) {
        dm->prefix = work(name);
        dm->statedir = path_printf("%s/bitsd", dm->prefix);
        assert_int_equal(mkdir(dm->prefix, 0700), 0);
        assert_int_equal(mkdir(dm->statedir, 0700), 0);
    }
    assert_int_equal(bitsd_core_init(&dm->d, dm->prefix, dm->statedir), 0);
    dm->d.engine = xfer_engine_new();
    assert_non_null(dm->d.engine);
}

/* Stops it the way a kill does as far as the files are concerned: nothing
 * is synced or moved, the store keeps what it was told. */
static void daemon_stop(struct daemon *dm)
{
    sched_shutdown(&dm->d);
    xfer_engine_free(dm->d.engine);
    dm->d.engine = NULL;
    bitsd_core_free(&dm->d);
}

static void daemon_free(struct daemon *dm)
{
    free(dm->prefix);
    free(dm->statedir);
}

static struct job *daemon_job(struct daemon *dm, const uint8_t id[16])
{
    struct job *job = jobs_find(&dm->d, id);

    assert_non_null(job);
    return job;
}

/* Runs the loop of bitsd.c (without IPC) until the job is TRANSFERRED. */
static void daemon_run_to_transferred(struct daemon *dm, const uint8_t id[16])
{
    for (;;) {
        struct job *job = daemon_job(dm, id);

        if (job->j.state == BP_STATE_TRANSFERRED)
            return;
        assert_int_not_equal(job->j.state, BP_STATE_ERROR);
        assert_int_not_equal(job->j.state, BP_STATE_TRANSIENT_ERROR);
        assert_int_not_equal(job->j.state, BP_STATE_SUSPENDED);
        assert_true(xfer_engine_wait(dm->d.engine, NULL, 0, 100) >= 0);
        xfer_engine_run(dm->d.engine);
        sched_tick(&dm->d);
    }
}

/* A download job of 'n' files /files/<names[i]> into <prefix>/<names[i]>,
 * run to TRANSFERRED. */
static void daemon_download(struct daemon *dm, const char *const *names, unsigned n, uint8_t id[16])
{
    unsigned i;

    assert_int_equal(jobs_create(&dm->d, OWNER, "speed", BP_JOB_DOWNLOAD, id), S_OK);
    for (i = 0; i < n; i++) {
        char *remote = path_printf("%s/files/%s", srv.url, names[i]);
        char *local = path_printf("%s/%s", dm->prefix, names[i]);
        char *win = path_printf("Z:\\\\dl\\\\%s", names[i]);

        assert_int_equal(jobs_add_file(&dm->d, id, remote, win, local), S_OK);
        free(remote);
        free(local);
        free(win);
    }
    assert_int_equal(jobs_action(&dm->d, id, BP_ACTION_RESUME, NULL), S_OK);
    daemon_run_to_transferred(dm, id);
}

static void assert_completes_identical(struct daemon *dm, const uint8_t id[16],
                                       const char *const *names, unsigned n)
{
    struct job *job = daemon_job(dm, id);
    char *temps[8];
    unsigned i;

    assert_true(n <= 8);
    for (i = 0; i < n; i++)
        temps[i] = strdup(job->j.files[i].temp_path);
    assert_int_equal(jobs_action(&dm->d, id, BP_ACTION_COMPLETE, NULL), S_OK);
    assert_int_equal(daemon_job(dm, id)->j.state, BP_STATE_ACKNOWLEDGED);
    for (i = 0; i < n; i++) {
        char *local = path_printf("%s/%s", dm->prefix, names[i]);
        char *file = served(names[i]);

        assert_same_file(file, local);
        assert_int_equal(file_size(temps[i]), -1);     /* renamed, not copied */
        free(local);
        free(file);
        free(temps[i]);
    }
}

/* A finished file cut short (what a power loss can do to page-cache data):
 * bitsd's start-up puts the job back to transferring, the rest comes with
 * one Range request, and Complete gives a byte-identical file. */
static void restart_resumes_short_transferred_file(void **state)
{
    static const char *const names[] = { "short.bin" };
    uint64_t size = 6 * MiB + 5, half = 3 * MiB + 1;
    char *file = served(names[0]), *temp;
    long long ranges, sent;
    struct daemon dm = { 0 };
    uint8_t id[16];
    struct job *job;

    write_pattern_file(file, size, 31);
    daemon_start(&dm, "short");
    daemon_download(&dm, names, 1, id);
    temp = strdup(daemon_job(&dm, id)->j.files[0].temp_path);
    assert_int_equal(file_size(temp), (int64_t)size);
    daemon_stop(&dm);

    assert_int_equal(truncate(temp, (off_t)half), 0);
    daemon_start(&dm, "short");
    job = daemon_job(&dm, id);
    assert_int_equal(job->j.state, BP_STATE_QUEUED);
    assert_int_equal(job->j.files[0].completed, 0);
    assert_true(job->j.files[0].bytes_transferred == half);
    assert_true(job->j.completion_time == 0);

    ranges = bits_server_stat(&srv, "range_requests");
    sent = bits_server_stat(&srv, "file_bytes_sent");
    daemon_run_to_transferred(&dm, id);
    assert_int_equal(bits_server_stat(&srv, "range_requests"), ranges + 1);
    assert_int_equal(bits_server_stat(&srv, "file_bytes_sent"), sent + (long long)(size - half));
    assert_completes_identical(&dm, id, names, 1);

    daemon_stop(&dm);
    daemon_free(&dm);
    free(temp);
    free(file);
}

/* The same when the bytes on disk are not the server's: what survived is
 * kept as it is (no byte of it fetched again), which proves the resume
 * starts from the size on disk and not from 0. */
static void restart_keeps_bytes_on_disk(void **state)
{
    static const char *const names[] = { "kept.bin" };
    uint64_t size = 2 * MiB + 7, on_disk = 1 * MiB + 3;
    char *file = served(names[0]), *temp;
    struct daemon dm = { 0 };
    uint8_t id[16];

    write_pattern_file(file, size, 32);
    daemon_start(&dm, "kept");
    daemon_download(&dm, names, 1, id);
    temp = strdup(daemon_job(&dm, id)->j.files[0].temp_path);
    daemon_stop(&dm);

    assert_int_equal(truncate(temp, (off_t)on_disk), 0);
    scribble(temp, on_disk);
    daemon_start(&dm, "kept");
    assert_int_equal(daemon_job(&dm, id)->j.state, BP_STATE_QUEUED);
    daemon_run_to_transferred(&dm, id);
    assert_int_equal(file_size(temp), (int64_t)size);
    assert_prefix_scribbled(temp, on_disk);
    assert_same_tail(file, temp, on_disk);

    daemon_stop(&dm);
    daemon_free(&dm);
    free(temp);
    free(file);
}

/* Several files: an earlier file that lost its tail has no checkpoint of
 * its own any more (no validator for If-Range), so it is fetched again
 * whole; a file whose temp file vanished (its directory entry never
 * reached the disk) too.  Intact files are left alone. */
static void restart_refetches_earlier_files(void **state)
{
    static const char *const names[] = { "multi-a.bin", "multi-b.bin", "multi-c.bin" };
    uint64_t sizes[] = { 3 * MiB + 1, 1 * MiB + 2, 2 * MiB + 3 };
    char *files[3], *temps[3];
    struct daemon dm = { 0 };
    uint8_t id[16];
    struct job *job;
    long long ranges;
    unsigned i;

    for (i = 0; i < 3; i++) {
        files[i] = served(names[i]);
        write_pattern_file(files[i], sizes[i], 33 + i);
    }
    daemon_start(&dm, "multi");
    daemon_download(&dm, names, 3, id);
    for (i = 0; i < 3; i++)
        temps[i] = strdup(daemon_job(&dm, id)->j.files[i].temp_path);
    daemon_stop(&dm);

    assert_int_equal(truncate(temps[0], (off_t)MiB), 0);
    assert_int_equal(unlink(temps[1]), 0);
    daemon_start(&dm, "multi");
    job = daemon_job(&dm, id);
    assert_int_equal(job->j.state, BP_STATE_QUEUED);
    assert_int_equal(job->j.files[0].completed, 0);
    assert_int_equal(job->j.files[1].completed, 0);
    assert_int_equal(job->j.files[2].completed, 1);
    assert_true(job->j.files[0].bytes_transferred == 0);

    ranges = bits_server_stat(&srv, "range_requests");
    daemon_run_to_transferred(&dm, id);
    assert_int_equal(bits_server_stat(&srv, "range_requests"), ranges);
    assert_completes_identical(&dm, id, names, 3);

    daemon_stop(&dm);
    daemon_free(&dm);
    for (i = 0; i < 3; i++) {
        free(files[i]);
        free(temps[i]);
    }
}

/* Nothing to repair: an intact TRANSFERRED job stays TRANSFERRED, and so
 * does one whose Complete had moved the file but was killed before it
 * saved ACKNOWLEDGED (the next Complete finishes it). */
static void restart_leaves_intact_and_moved_files(void **state)
{
    static const char *const names[] = { "intact.bin", "moved.bin" };
    char *file0 = served(names[0]), *file1 = served(names[1]), *local1;
    struct daemon dm = { 0 };
    uint8_t id[16];
    struct job *job;
    long long served_before;

    write_pattern_file(file0, 1 * MiB + 11, 41);
    write_pattern_file(file1, 2 * MiB + 13, 42);
    daemon_start(&dm, "intact");
    daemon_download(&dm, names, 2, id);
    local1 = path_printf("%s/%s", dm.prefix, names[1]);
    assert_int_equal(rename(daemon_job(&dm, id)->j.files[1].temp_path, local1), 0);
    daemon_stop(&dm);

    served_before = bits_server_stat(&srv, "files_served");
    daemon_start(&dm, "intact");
    job = daemon_job(&dm, id);
    assert_int_equal(job->j.state, BP_STATE_TRANSFERRED);
    assert_int_equal(job->j.files[0].completed, 1);
    assert_int_equal(job->j.files[1].completed, 1);
    assert_int_equal(jobs_action(&dm.d, id, BP_ACTION_COMPLETE, NULL), S_OK);
    assert_int_equal(job->j.state, BP_STATE_ACKNOWLEDGED);
    assert_int_equal(bits_server_stat(&srv, "files_served"), served_before);
    {
        char *local0 = path_printf("%s/%s", dm.prefix, names[0]);

        assert_same_file(file0, local0);
        free(local0);
    }
    assert_same_file(file1, local1);

    daemon_stop(&dm);
    daemon_free(&dm);
    free(local1);
    free(file0);
    free(file1);
}

/* What a restart relies on now that nothing is synced while a download
 * runs: every checkpoint counts only bytes already written to the temp
 * file, never goes back, and the last one says whole. */
struct cp_watch {
    const char *temp;
    uint64_t last;
};

static int check_cp_on_disk(struct run *r, const struct xfer_checkpoint *cp)
{
    struct cp_watch *w = r->hook_data;

    assert_true(file_size(w->temp) >= (int64_t)cp->acked);
    assert_true(cp->acked >= w->last);
    w->last = cp->acked;
    return 0;
}

static void download_checkpoints_count_written_bytes(void **state)
{
    char *file = served("whole2.bin"), *u = url("/files/whole2.bin"), *temp = work("whole2.tmp");
    uint64_t size = 40 * MiB + 9;       /* room for periodic checkpoints */
    struct cp_watch watch = { temp, 0 };
    struct run r;
    struct xfer_request req;

    write_pattern_file(file, size, 43);
    run_init(&r);
    r.on_checkpoint = check_cp_on_disk;
    r.hook_data = &watch;
    req = download_request(&r, u, temp);
    run_go(&r, &req);
    assert_ok(&r);
    assert_true(r.checkpoints >= 2);    /* size known, (periodic,) whole */
    assert_true(r.saved.cp.acked == size && r.saved.cp.total == size);
    assert_same_file(file, temp);
    run_free(&r);
    free(file);
    free(u);
    free(temp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(download_whole_file, test_setup),
        cmocka_unit_test_setup(download_resumes_with_range, test_setup),
        cmocka_unit_test_setup(download_restarts_when_remote_changed, test_setup),
        cmocka_unit_test_setup(download_restart_from_checkpoint, test_setup),
        cmocka_unit_test_setup(download_with_custom_verb, test_setup),
        cmocka_unit_test_setup(download_empty_file, test_setup),
        cmocka_unit_test_setup(download_404_is_final, test_setup),
        cmocka_unit_test_setup(download_connect_failure_is_transient, test_setup),
        cmocka_unit_test_setup(download_bad_destination_is_local_error, test_setup),
        cmocka_unit_test_setup(download_checkpoints_count_written_bytes, test_setup),
        cmocka_unit_test_setup(restart_resumes_short_transferred_file, test_setup),
        cmocka_unit_test_setup(restart_keeps_bytes_on_disk, test_setup),
        cmocka_unit_test_setup(restart_refetches_earlier_files, test_setup),
        cmocka_unit_test_setup(restart_leaves_intact_and_moved_files, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
