/*
 * Transfer engine, download side: Range-resumable GET into temp_path
 * against bits-server's /files/<name>.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "test_upload_util.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(download_whole_file, test_setup),
        cmocka_unit_test_setup(download_resumes_with_range, test_setup),
        cmocka_unit_test_setup(download_restarts_when_remote_changed, test_setup),
        cmocka_unit_test_setup(download_restart_from_checkpoint, test_setup),
        cmocka_unit_test_setup(download_empty_file, test_setup),
        cmocka_unit_test_setup(download_404_is_final, test_setup),
        cmocka_unit_test_setup(download_connect_failure_is_transient, test_setup),
        cmocka_unit_test_setup(download_bad_destination_is_local_error, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
