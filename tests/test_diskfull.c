/*
 * A full disk loses nothing: the real bitsd against bits-server, with real
 * full file systems (small tmpfs mounts, no mocks).
 *
 *   download_dest_full   the destination's file system fills up during a
 *                        download: TRANSIENT_ERROR, 0x80070070, context
 *                        LOCAL_FILE; another job keeps transferring; after
 *                        space is freed, Resume goes on from the bytes on
 *                        disk (a Range request) and the file is identical.
 *   reply_dir_full       upload-reply whose reply file's directory is full:
 *                        the reply waits in the state directory, Complete
 *                        answers 0x80070070 and leaves the old reply file
 *                        and the job as they were; after freeing, Complete
 *                        puts the right reply in place.
 *   state_dir_full       PREFIX/bitsd (jobs.db + WAL) full: writing calls
 *                        answer 0x80070070 and change nothing, a running
 *                        job whose checkpoint cannot be saved goes to ERROR
 *                        (LOCAL_FILE), bitsd stays up; after freeing all
 *                        works, and after SIGKILL + restart every job is
 *                        back as it was acknowledged (integrity_check ok).
 *   complete_on_full_dest  Complete of a finished download on a full file
 *                        system: a rename in the same directory needs no
 *                        space, so it works.
 *
 * The test enters a mount namespace of its own (unshare(CLONE_NEWNS), mounts
 * private), so its mounts vanish with it whatever happens.  Not root, or no
 * namespaces: it skips (exit 77).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "survive_util.h"

#define SKIP_EXIT 77
#define MIB (1024u * 1024u)
#define NEVER_RETRY 3600u           /* MinimumRetryDelay: no retry while a case runs */

/* Mount points of the running case, unmounted by teardown. */
static char mounts[4][512];
static unsigned nmounts;

/* ---- file systems ---- */

static void mount_small(const char *dir, const char *opts)
{
    if (mkdir(dir, 0755) < 0)
        assert_int_equal(errno, EEXIST);
    assert_int_equal(mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts), 0);
    assert_true(nmounts < 4);
    snprintf(mounts[nmounts++], sizeof(mounts[0]), "%s", dir);
}

static void unmount_all(void)
{
    while (nmounts)
        umount2(mounts[--nmounts], MNT_DETACH);
}

/* Writes 'size' bytes of filler, or until the file system is full when
 * size is 0 (then ENOSPC is asserted: the file system really is full). */
static void write_filler(const char *path, size_t size)
{
    static char block[64 * 1024];
    size_t done = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    memset(block, 0x5a, sizeof(block));
    for (;;) {
        size_t want = sizeof(block);
        ssize_t n;

        if (size && size - done < want)
            want = size - done;
        if (size && !want)
            break;
        n = write(fd, block, want);
        if (n < 0) {
            assert_int_equal(errno, ENOSPC);
            assert_int_equal(size, 0);
            break;
        }
        done += (size_t)n;
    }
    close(fd);
}

/* ---- requests ---- */

static void expect_error(struct ipc_client *c, const uint8_t id[16], uint32_t state,
                         int32_t hr, uint32_t context)
{
    struct bp_job_info info;

    assert_int_equal(sv_wait_state(c, id, state, 30), state);
    assert_int_equal(sv_info(c, id, &info), S_OK);
    if (info.error_code != hr || info.error_context != context)
        print_message("%s: error 0x%08x context %u\n", info.display_name,
                      (unsigned)info.error_code, info.error_context);
    assert_int_equal(info.error_code, hr);
    assert_int_equal(info.error_context, context);
    bp_job_info_free(&info);
}

static void expect_transferred(struct ipc_client *c, const uint8_t id[16])
{
    struct bp_job_info info;
    uint32_t s = sv_wait_state(c, id, BP_STATE_TRANSFERRED, 30);
    char cmd[700];

    if (s != BP_STATE_TRANSFERRED) {
        assert_int_equal(sv_info(c, id, &info), S_OK);
        print_message("%s: state %u error 0x%08x context %u; bitsd's log ends:\n",
                      info.display_name, info.state, (unsigned)info.error_code,
                      info.error_context);
        bp_job_info_free(&info);
        snprintf(cmd, sizeof(cmd), "tail -n 20 '%s' >&2", sv_path("daemon-stderr.log"));
        if (system(cmd) != 0)
            print_message("(no log)\n");
    }
    assert_int_equal(s, BP_STATE_TRANSFERRED);
}

/* A suspended download job of 'size' bytes from bits-server into
 * PREFIX/drive_c/<rel>; retries only when told to (Resume). */
static void make_download(struct ipc_client *c, const char *rel, size_t size, uint32_t priority,
                          uint8_t id[16], char digest[65])
{
    char remote[4200], url[256], win[256], name[64];
    const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    char *p;

    snprintf(name, sizeof(name), "%s", base);
    snprintf(remote, sizeof(remote), "%s/files/%s", sv.srv.root, name);
    sv_make_file(remote, size, (unsigned)size);
    sv_sha256(remote, digest);
    snprintf(url, sizeof(url), "%s/files/%s", sv.srv.url, name);
    snprintf(win, sizeof(win), "C:\\%s", rel);
    for (p = win; *p; p++)
        if (*p == '/')
            *p = '\\';
    snprintf(remote, sizeof(remote), "drive_c/%s", rel);
    assert_int_equal(sv_create_job(c, name, BP_JOB_DOWNLOAD, id), S_OK);
    assert_int_equal(sv_set_u32(c, id, BP_PROP_PRIORITY, priority), S_OK);
    assert_int_equal(sv_set_u32(c, id, BP_PROP_MIN_RETRY_DELAY, NEVER_RETRY), S_OK);
    assert_int_equal(sv_add_file(c, id, url, win, sv_path(remote)), S_OK);
}

static void complete_and_compare(struct ipc_client *c, const uint8_t id[16], const char *rel,
                                 const char *digest)
{
    char hex[65], path[300];

    snprintf(path, sizeof(path), "drive_c/%s", rel);
    assert_int_equal(sv_action(c, id, BP_ACTION_COMPLETE), S_OK);
    sv_sha256(sv_path(path), hex);
    assert_string_equal(hex, digest);
}

/* Number of BIT*.tmp files left in a directory. */
static int temp_files_in(const char *dir)
{
    struct dirent *e;
    DIR *d = opendir(dir);
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "BIT", 3) && strstr(e->d_name, ".tmp"))
            n++;
    closedir(d);
    return n;
}

static unsigned enum_jobs(struct ipc_client *c, uint8_t ids[][16], unsigned max)
{
    struct bp_reader r;
    uint32_t n, i;

    ipc_begin(c, BP_ENUM_JOBS);
    bp_put_u32(&c->req, 0);
    assert_int_equal(sv_call(c, &r), S_OK);
    n = bp_get_u32(&r);
    assert_true(n <= max);
    for (i = 0; i < n; i++)
        bp_get_guid(&r, ids[i]);
    assert_false(r.failed);
    return n;
}

static int daemon_alive(void)
{
    int status;

    return sv.daemon > 0 && waitpid(sv.daemon, &status, WNOHANG) == 0;
}

/* ---- set-up ---- */

static int teardown(void **state)
{
    (void)state;
    /* bitsd first: the state directory may be one of the mounts */
    sv_stop_daemon(SIGTERM);
    unmount_all();
    return sv_teardown();
}

static void start_all(void)
{
    assert_int_equal(sv_start_daemon(NULL), 0);
    assert_int_equal(bits_server_start(sv_path("srv"), &sv.srv), 0);
}

/* ---- a: the download's file system fills up ---- */

static void download_dest_full(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t big[16], other[16];
    char big_d[65], other_d[65], head[8192];
    long long ranges;
    const char *range;

    (void)state;
    sv_setup("diskfull");
    /* 12 MiB with 8 MiB taken: an 8 MiB download runs out after about 4 */
    mount_small(sv_path("drive_c/small"), "size=12m,mode=0755");
    write_filler(sv_path("drive_c/small/filler"), 8 * MIB);
    start_all();
    sv_connect(&c, 0);

    make_download(&c, "small/big.bin", 8 * MIB, BP_PRIORITY_FOREGROUND, big, big_d);
    make_download(&c, "other.bin", 6 * MIB, BP_PRIORITY_FOREGROUND, other, other_d);
    /* a slow link keeps the other job in flight while the first one fails */
    assert_int_equal(bits_server_control(&sv.srv, "throttle_kbps=8192"), 0);
    assert_int_equal(sv_action(&c, big, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_action(&c, other, BP_ACTION_RESUME), S_OK);

    /* Disk full is recoverable without the program (someone frees space):
     * TRANSIENT_ERROR, retried after MinimumRetryDelay, ERROR after
     * NoProgressTimeout (HACKING.md, errors). */
    expect_error(&c, big, BP_STATE_TRANSIENT_ERROR, BP_E_DISK_FULL, BP_CONTEXT_LOCAL_FILE);
    assert_int_equal(sv_info(&c, big, &info), S_OK);
    assert_int_equal(info.error_count, 1);
    assert_true(info.bytes_transferred > 0 && info.bytes_transferred < 8 * MIB);
    bp_job_info_free(&info);

    /* the other file system is not affected */
    expect_transferred(&c, other);
    complete_and_compare(&c, other, "other.bin", other_d);

    /* free the space: Resume continues where the data on disk ends */
    assert_int_equal(bits_server_control(&sv.srv, "reset=1"), 0);
    assert_int_equal(unlink(sv_path("drive_c/small/filler")), 0);
    ranges = bits_server_stat(&sv.srv, "range_requests");
    assert_int_equal(sv_action(&c, big, BP_ACTION_RESUME), S_OK);
    expect_transferred(&c, big);
    assert_true(bits_server_stat(&sv.srv, "range_requests") > ranges);
    assert_true(bits_server_get(&sv.srv, "/_last_headers", head, sizeof(head)) == 200);
    range = strcasestr(head, "Range: bytes=");
    assert_non_null(range);
    assert_true(strtoull(range + 13, NULL, 10) > 0);
    complete_and_compare(&c, big, "small/big.bin", big_d);
    assert_int_equal(temp_files_in(sv_path("drive_c/small")), 0);
    assert_true(daemon_alive());
    ipc_close(&c);
}

/* ---- b: the reply file's directory is full ---- */

static void reply_dir_full(void **state)
{
    static const char old[] = "the reply of an earlier run";
    struct ipc_client c;
    struct bp_job_info info;
    uint8_t id[16];
    char url[256], digest[65], hex[65], *data;
    uint64_t len;
    int fd;

    (void)state;
    sv_setup("diskfull");
    mount_small(sv_path("drive_c/small"), "size=1m,mode=0755");
    start_all();
    sv_connect(&c, 0);

    sv_make_file(sv_path("drive_c/up.bin"), 300 * 1024 + 7, 3);
    sv_sha256(sv_path("drive_c/up.bin"), digest);
    /* echo: the reply is the upload, more than the old reply file frees */
    snprintf(url, sizeof(url), "%s/reply/echo/up.bin", sv.srv.url);
    assert_int_equal(sv_create_job(&c, "reply", BP_JOB_UPLOAD_REPLY, id), S_OK);
    assert_int_equal(sv_add_file(&c, id, url, "C:\\up.bin", sv_path("drive_c/up.bin")), S_OK);
    assert_int_equal(sv_set_strs(&c, id, BP_PROP_REPLY_FILE_NAME, "C:\\small\\reply.txt",
                                 sv_path("drive_c/small/reply.txt")), S_OK);
    /* a reply file from before, then nothing left on its file system */
    fd = open(sv_path("drive_c/small/reply.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, old, sizeof(old)), (ssize_t)sizeof(old));
    close(fd);
    write_filler(sv_path("drive_c/small/filler"), 0);

    /* The reply is kept in the state directory until Complete, so the
     * transfer itself does not need the full file system. */
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_transferred(&c, id);
    assert_int_equal(sv_reply_data(&c, id, &data, &len), S_OK);
    assert_int_equal(len, 300 * 1024 + 7);
    free(data);

    /* Complete cannot write the reply file: it says so, and nothing moved */
    assert_int_equal(sv_action(&c, id, BP_ACTION_COMPLETE), BP_E_DISK_FULL);
    assert_int_equal(sv_info(&c, id, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_TRANSFERRED);
    bp_job_info_free(&info);
    assert_true(sv_file_contains(sv_path("drive_c/small/reply.txt"), old, sizeof(old)));
    assert_int_equal(access(sv_path("drive_c/small/reply.txt.bitsd-copy"), F_OK), -1);
    assert_int_equal(sv_reply_data(&c, id, &data, &len), S_OK);
    assert_int_equal(len, 300 * 1024 + 7);
    free(data);

    /* freed: Complete puts the reply in place */
    assert_int_equal(unlink(sv_path("drive_c/small/filler")), 0);
    assert_int_equal(sv_action(&c, id, BP_ACTION_COMPLETE), S_OK);
    sv_sha256(sv_path("drive_c/small/reply.txt"), hex);
    assert_string_equal(hex, digest);
    assert_int_equal(sv_wait_state(&c, id, BP_STATE_ACKNOWLEDGED, 5), BP_STATE_ACKNOWLEDGED);
    assert_true(daemon_alive());
    ipc_close(&c);
}

/* ---- c: the state directory is full ---- */

static void check_integrity(const char *db_path)
{
    sqlite3 *db;
    sqlite3_stmt *st;

    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

struct snapshot {
    uint8_t id[16];
    struct bp_job_info info;
};

static void compare_info(const struct bp_job_info *a, const struct bp_job_info *b)
{
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->priority, b->priority);
    assert_string_equal(a->display_name, b->display_name);
    assert_int_equal(a->files_total, b->files_total);
    assert_int_equal(a->files_transferred, b->files_transferred);
    assert_int_equal(a->bytes_total, b->bytes_total);
    assert_int_equal(a->bytes_transferred, b->bytes_transferred);
    assert_int_equal(a->error_code, b->error_code);
    assert_int_equal(a->error_context, b->error_context);
}

static void state_dir_full(void **state)
{
    struct ipc_client c;
    struct bp_job_info info;
    static struct snapshot snap[128];
    uint8_t keep[16], run[16], done[16], rep[16], probe[16], ids[128][16];
    char keep_d[65], run_d[65], done_d[65], hex[65], url[256], *data;
    uint64_t len;
    unsigned n, i, created = 0;
    int32_t hr = S_OK;

    (void)state;
    sv_setup("diskfull");
    mount_small(sv.statedir, "size=8m,mode=0700");
    start_all();
    sv_connect(&c, 0);

    /* acknowledged before the disk fills up */
    make_download(&c, "keep.bin", 64 * 1024, BP_PRIORITY_NORMAL, keep, keep_d);
    assert_int_equal(sv_set_strs(&c, keep, BP_PROP_DISPLAY_NAME, "kept name", NULL), S_OK);
    make_download(&c, "done.bin", 512 * 1024, BP_PRIORITY_FOREGROUND, done, done_d);
    assert_int_equal(sv_action(&c, done, BP_ACTION_RESUME), S_OK);
    expect_transferred(&c, done);
    make_download(&c, "run.bin", 2 * MIB, BP_PRIORITY_FOREGROUND, run, run_d);
    assert_int_equal(bits_server_control(&sv.srv, "throttle_kbps=256"), 0);
    assert_int_equal(sv_action(&c, run, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, run, BP_STATE_TRANSFERRING, 30), BP_STATE_TRANSFERRING);
    /* an upload-reply: its acknowledged fragments and its reply (kept in
     * the state directory) need the full file system */
    sv_make_file(sv_path("drive_c/rep.bin"), 900 * 1024 + 11, 5);
    snprintf(url, sizeof(url), "%s/reply/echo/rep.bin", sv.srv.url);
    assert_int_equal(sv_create_job(&c, "rep", BP_JOB_UPLOAD_REPLY, rep), S_OK);
    assert_int_equal(sv_set_u32(&c, rep, BP_PROP_PRIORITY, BP_PRIORITY_FOREGROUND), S_OK);
    assert_int_equal(sv_add_file(&c, rep, url, "C:\\rep.bin", sv_path("drive_c/rep.bin")), S_OK);
    assert_int_equal(sv_action(&c, rep, BP_ACTION_RESUME), S_OK);
    assert_int_equal(sv_wait_state(&c, rep, BP_STATE_TRANSFERRING, 30), BP_STATE_TRANSFERRING);

    write_filler(sv_path("bitsd/filler"), 0);

    /* The last page of the WAL may still take a small write: what succeeds
     * is durable (checked after the restart); soon every write fails. */
    for (i = 0; i < 200; i++) {
        hr = sv_create_job(&c, "probe", BP_JOB_DOWNLOAD, probe);
        if (hr < 0)
            break;
        created++;
    }
    print_message("jobs created on the full state directory before it failed: %u\n", created);
    assert_int_equal(hr, BP_E_DISK_FULL);
    n = enum_jobs(&c, ids, 128);
    assert_int_equal(sv_create_job(&c, "refused", BP_JOB_DOWNLOAD, probe), BP_E_DISK_FULL);
    assert_int_equal(enum_jobs(&c, ids, 128), n);
    snprintf(url, sizeof(url), "%s/files/keep.bin", sv.srv.url);
    assert_int_equal(sv_add_file(&c, keep, url, "C:\\again.bin", sv_path("drive_c/again.bin")),
                     BP_E_DISK_FULL);
    assert_int_equal(sv_set_strs(&c, keep, BP_PROP_DISPLAY_NAME, "lost name", NULL),
                     BP_E_DISK_FULL);
    assert_int_equal(sv_set_u32(&c, keep, BP_PROP_PRIORITY, BP_PRIORITY_LOW), BP_E_DISK_FULL);
    assert_int_equal(sv_action(&c, keep, BP_ACTION_RESUME), BP_E_DISK_FULL);
    assert_int_equal(sv_info(&c, keep, &info), S_OK);
    assert_string_equal(info.display_name, "kept name");
    assert_int_equal(info.files_total, 1);
    assert_int_equal(info.priority, BP_PRIORITY_NORMAL);
    assert_int_equal(info.state, BP_STATE_SUSPENDED);
    bp_job_info_free(&info);

    /* Complete moves the file, then cannot record it: it fails, and a
     * later Complete finds the file in place (jobs.c, complete_download) */
    assert_int_equal(sv_action(&c, done, BP_ACTION_COMPLETE), BP_E_DISK_FULL);
    assert_int_equal(sv_info(&c, done, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_TRANSFERRED);
    bp_job_info_free(&info);

    /* the running job cannot record its progress: ERROR, not unrecorded bytes */
    expect_error(&c, run, BP_STATE_ERROR, BP_E_DISK_FULL, BP_CONTEXT_LOCAL_FILE);
    expect_error(&c, rep, BP_STATE_ERROR, BP_E_DISK_FULL, BP_CONTEXT_LOCAL_FILE);
    assert_true(daemon_alive());

    /* space again: everything works */
    assert_int_equal(unlink(sv_path("bitsd/filler")), 0);
    assert_int_equal(bits_server_control(&sv.srv, "reset=1"), 0);
    assert_int_equal(sv_set_strs(&c, keep, BP_PROP_DISPLAY_NAME, "renamed later", NULL), S_OK);
    assert_int_equal(sv_create_job(&c, "after", BP_JOB_DOWNLOAD, probe), S_OK);
    assert_int_equal(sv_action(&c, done, BP_ACTION_COMPLETE), S_OK);
    sv_sha256(sv_path("drive_c/done.bin"), hex);
    assert_string_equal(hex, done_d);
    assert_int_equal(sv_action(&c, run, BP_ACTION_RESUME), S_OK);
    expect_transferred(&c, run);
    complete_and_compare(&c, run, "run.bin", run_d);
    assert_int_equal(sv_action(&c, rep, BP_ACTION_RESUME), S_OK);
    expect_transferred(&c, rep);
    assert_int_equal(sv_reply_data(&c, rep, &data, &len), S_OK);
    assert_int_equal(len, 900 * 1024 + 11);
    assert_true(sv_file_contains(sv_path("drive_c/rep.bin"), data, len));
    free(data);

    /* SIGKILL: every job comes back as it was acknowledged */
    n = enum_jobs(&c, ids, 128);
    for (i = 0; i < n; i++) {
        memcpy(snap[i].id, ids[i], 16);
        assert_int_equal(sv_info(&c, ids[i], &snap[i].info), S_OK);
    }
    ipc_close(&c);
    sv_stop_daemon(SIGKILL);
    check_integrity(sv_path("bitsd/jobs.db"));
    assert_int_equal(sv_start_daemon(NULL), 0);
    sv_connect(&c, 0);
    assert_int_equal(enum_jobs(&c, ids, 128), n);
    for (i = 0; i < n; i++) {
        assert_int_equal(sv_info(&c, snap[i].id, &info), S_OK);
        compare_info(&snap[i].info, &info);
        bp_job_info_free(&info);
        bp_job_info_free(&snap[i].info);
    }
    assert_int_equal(sv_info(&c, keep, &info), S_OK);
    assert_string_equal(info.display_name, "renamed later");
    bp_job_info_free(&info);
    assert_int_equal(sv_info(&c, run, &info), S_OK);
    assert_int_equal(info.state, BP_STATE_ACKNOWLEDGED);
    bp_job_info_free(&info);
    ipc_close(&c);
}

/* ---- d: Complete on a full file system ---- */

static void complete_on_full_dest(void **state)
{
    struct ipc_client c;
    uint8_t id[16];
    char digest[65];

    (void)state;
    sv_setup("diskfull");
    mount_small(sv_path("drive_c/small"), "size=4m,mode=0755");
    start_all();
    sv_connect(&c, 0);

    make_download(&c, "small/d.bin", 1 * MIB + 5, BP_PRIORITY_FOREGROUND, id, digest);
    assert_int_equal(sv_action(&c, id, BP_ACTION_RESUME), S_OK);
    expect_transferred(&c, id);
    write_filler(sv_path("drive_c/small/filler"), 0);
    /* the temp file is next to the destination: Complete is a rename */
    complete_and_compare(&c, id, "small/d.bin", digest);
    assert_int_equal(temp_files_in(sv_path("drive_c/small")), 0);
    ipc_close(&c);
}

/* Own mount namespace, mounts not propagated back: 0, or -1 to skip. */
static int private_mounts(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "SKIP: test_diskfull needs root (it mounts tmpfs file systems)\n");
        return -1;
    }
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        fprintf(stderr, "SKIP: no private mount namespace here: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(download_dest_full, teardown),
        cmocka_unit_test_teardown(reply_dir_full, teardown),
        cmocka_unit_test_teardown(state_dir_full, teardown),
        cmocka_unit_test_teardown(complete_on_full_dest, teardown),
    };

    if (private_mounts() < 0)
        return SKIP_EXIT;
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
