/*
 * Downloads from local remote names, the size pass and PRECONFIG proxies:
 *
 *   - localpath.c: file://, drive and UNC names mapped into a prefix
 *     (case-insensitive lookup, escapes, device forms refused)
 *   - proxycfg.c: the prefix's user.reg / system.reg proxy settings
 *   - the engine copying a local file in bounded steps, resuming from a
 *     checkpoint, restarting when the source changed, and the errors of a
 *     missing source
 *   - the engine's size pass (HEAD and stat) before the first byte
 *   - the real bitsd: a file:// job end to end, job BytesTotal known before
 *     the first byte of a multi-file job, and a PRECONFIG job going through
 *     the proxy a user.reg names (bits-server counts proxied requests)
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "test_upload_util.h"
#include "bitsd.h"
#include "ipcclient.h"

#define MiB (1024ull * 1024)
#define SID "S-1-5-21-1-2-3-1000"

static char workdir[] = "/tmp/local-test-XXXXXX";
static struct bits_server srv;

static char *work(const char *name)
{
    return path_printf("%s/%s", workdir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}

static int group_setup(void **state)
{
    char *root, *files;
    int rc;

    if (!mkdtemp(workdir))
        return -1;
    log_open(NULL, 0, 0);
    root = work("root");
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

/* A prefix with drive C: (dosdevices/c: -> ../drive_c) and a UNC share. */
static char *make_prefix(const char *name)
{
    char *prefix = work(name), *p;

    assert_int_equal(mkdir(prefix, 0755), 0);
    p = path_printf("%s/drive_c", prefix);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
    p = path_printf("%s/dosdevices", prefix);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
    p = path_printf("%s/dosdevices/c:", prefix);
    assert_int_equal(symlink("../drive_c", p), 0);
    free(p);
    p = path_printf("%s/dosdevices/unc/srv/share", prefix);
    assert_int_equal(system(path_printf("mkdir -p '%s'", p)), 0);
    free(p);
    return prefix;
}

/* ---- localpath.c ---- */

static void assert_maps(const char *prefix, const char *remote, const char *expect_rel)
{
    char *got = remote_unix_path(prefix, remote), *expect = path_printf("%s/%s", prefix, expect_rel);

    assert_non_null(got);
    assert_string_equal(got, expect);
    free(got);
    free(expect);
}

static void test_local_names(void **state)
{
    char *prefix = make_prefix("names"), *p;

    p = path_printf("%s/drive_c/Some Dir", prefix);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
    p = path_printf("%s/drive_c/Some Dir/Data.BIN", prefix);
    write_text(p, "x");
    free(p);

    assert_true(remote_is_local("C:\\x"));
    assert_true(remote_is_local("c:/x"));
    assert_true(remote_is_local("\\\\srv\\share\\x"));
    assert_true(remote_is_local("FILE:///C:/x"));
    assert_false(remote_is_local("\\\\?\\C:\\x"));
    assert_false(remote_is_local("\\\\.\\pipe\\x"));
    assert_false(remote_is_local("file://"));
    assert_false(remote_is_local("http://h/x"));
    assert_false(remote_is_local("C:x"));

    /* exact, then case-insensitive components; missing ones kept as given */
    assert_maps(prefix, "C:\\Some Dir\\Data.BIN", "dosdevices/c:/Some Dir/Data.BIN");
    assert_maps(prefix, "c:\\some dir\\data.bin", "dosdevices/c:/Some Dir/Data.BIN");
    assert_maps(prefix, "C:/SOME DIR/missing.bin", "dosdevices/c:/Some Dir/missing.bin");
    assert_maps(prefix, "C:\\..\\..\\Some Dir\\.\\data.bin", "dosdevices/c:/Some Dir/Data.BIN");
    assert_maps(prefix, "file:///C:/some%20dir/DATA.bin", "dosdevices/c:/Some Dir/Data.BIN");
    assert_maps(prefix, "file://localhost/c:/Some%20Dir/Data.BIN", "dosdevices/c:/Some Dir/Data.BIN");
    assert_maps(prefix, "\\\\srv\\share\\f.bin", "dosdevices/unc/srv/share/f.bin");
    assert_maps(prefix, "file://srv/share/f.bin", "dosdevices/unc/srv/share/f.bin");

    errno = 0;
    assert_null(remote_unix_path(prefix, "file:///etc/passwd"));       /* not a Windows name */
    assert_int_equal(errno, EINVAL);
    assert_null(remote_unix_path(prefix, "file:///C:/a%2"));           /* bad escape */
    assert_null(remote_unix_path(prefix, "file:///C:/a%00b"));         /* escaped NUL */
    assert_null(remote_unix_path(prefix, "\\\\srv"));                  /* no share */
    assert_null(remote_unix_path(prefix, "\\\\?\\C:\\x"));
    free(prefix);
}

/* ---- proxycfg.c ---- */

static void test_prefix_proxy_settings(void **state)
{
    char *prefix = make_prefix("proxycfg"), *user = path_printf("%s/user.reg", prefix);
    char *system_reg = path_printf("%s/system.reg", prefix), *server, *bypass;

    /* nothing configured */
    assert_int_equal(prefix_proxy_settings(prefix, &server, &bypass), 0);
    assert_null(server);

    write_text(user,
        "WINE REGISTRY Version 2\n;; All keys relative to \\\\User\\\\S-1-5-21\n\n#arch=win64\n\n"
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings\\\\Other] 1700000000\n"
        "\"ProxyEnable\"=dword:00000001\n\"ProxyServer\"=\"wrong:1\"\n\n"
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings] 1700000000\n"
        "#time=1d9f0e0c0a0b0c0\n"
        "\"ProxyEnable\"=dword:00000001\n"
        "\"ProxyOverride\"=\"<local>;*.example.com;a\\\\b\"\n"
        "\"ProxyServer\"=\"http=127.0.0.1:3128;https=127.0.0.1:3129\"\n\n"
        "[Software\\\\Wine] 1700000000\n\"ProxyServer\"=\"wrong:2\"\n");
    assert_int_equal(prefix_proxy_settings(prefix, &server, &bypass), 1);
    assert_string_equal(server, "http=127.0.0.1:3128;https=127.0.0.1:3129");
    assert_string_equal(bypass, "<local>;*.example.com;a\\b");
    free(server);
    free(bypass);

    /* disabled in Internet Settings: WinHTTP's machine default applies
     * (flags 3, "127.0.0.1:8888", bypass "<local>"; continued hex lines) */
    write_text(user,
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings] 1700000000\n"
        "\"ProxyEnable\"=dword:00000000\n\"ProxyServer\"=\"127.0.0.1:3128\"\n");
    assert_int_equal(prefix_proxy_settings(prefix, &server, &bypass), 0);
    write_text(system_reg,
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings\\\\Connections] 1700000000\n"
        "\"WinHttpSettings\"=hex:18,00,00,00,00,00,00,00,03,00,00,00,0e,00,00,00,31,32,37,2e,\\\n"
        "  30,2e,30,2e,31,3a,38,38,38,38,07,00,00,00,3c,6c,6f,63,61,6c,3e\n");
    assert_int_equal(prefix_proxy_settings(prefix, &server, &bypass), 1);
    assert_string_equal(server, "127.0.0.1:8888");
    assert_string_equal(bypass, "<local>");
    free(server);
    free(bypass);

    /* WinHTTP direct (flags 1): no proxy */
    write_text(system_reg,
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings\\\\Connections] 1700000000\n"
        "\"WinHttpSettings\"=hex:18,00,00,00,00,00,00,00,01,00,00,00,00,00,00,00,00,00,00,00\n");
    assert_int_equal(prefix_proxy_settings(prefix, &server, &bypass), 0);
    free(user);
    free(system_reg);
    free(prefix);
}

/* ---- the engine: local copies ---- */

struct local_run {
    struct run r;
    unsigned runs;                      /* xfer_engine_run calls */
    uint64_t after_first_run;           /* bytes copied by then */
    uint64_t sizes[8];
    int known[8];
    int sizes_before_data;              /* every probe answered before a byte moved */
    unsigned probes;
};

static struct local_run *current;

static void lr_progress(void *ctx, uint64_t transferred, uint64_t total, uint64_t rr, uint64_t rt)
{
    struct local_run *lr = current;
    unsigned i, answered = 0;

    run_progress(ctx, transferred, total, rr, rt);
    for (i = 0; i < 8; i++)
        answered += lr->known[i];
    if (transferred && lr->probes && answered < lr->probes && lr->sizes_before_data == 1)
        lr->sizes_before_data = 0;
}

static void lr_size_known(void *ctx, unsigned index, uint64_t size)
{
    assert_true(index < 8);
    current->sizes[index] = size;
    current->known[index] = 1;
}

static const struct xfer_callbacks lr_callbacks = {
    .checkpoint = run_checkpoint,
    .progress = lr_progress,
    .finished = run_finished,
    .size_known = lr_size_known,
};

static void lr_go(struct local_run *lr, const struct xfer_request *req)
{
    struct run *r = &lr->r;

    current = lr;
    r->finished = 0;
    r->aborted = 0;
    r->x = xfer_start(r->engine, req, &lr_callbacks, r);
    assert_non_null(r->x);
    while (!r->finished && !r->aborted) {
        assert_true(xfer_engine_wait(r->engine, NULL, 0, 1000) >= 0);
        xfer_engine_run(r->engine);
        if (!lr->runs++)
            lr->after_first_run = r->saved.cp.acked > r->last_progress ? r->saved.cp.acked
                                                                        : r->last_progress;
    }
}

static struct xfer_request copy_request(struct run *r, const char *src, const char *temp)
{
    struct xfer_request req = run_request(r, XFER_DOWNLOAD, "file:///C:/src.bin");

    req.source_path = src;
    req.local_path = temp;
    req.temp_path = temp;
    return req;
}

static void test_copy_whole_in_steps(void **state)
{
    struct local_run lr = { 0 };
    char *src = work("copy-src.bin"), *temp = work("copy-temp.bin");
    struct xfer_request req;
    struct stat ss, ts;

    write_pattern_file(src, 20 * MiB + 12345, 1);
    run_init(&lr.r);
    req = copy_request(&lr.r, src, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.finished, 1);
    assert_int_equal(lr.r.result.hr, S_OK);
    assert_same_file(src, temp);
    assert_int_equal(lr.r.saved.cp.acked, 20 * MiB + 12345);
    assert_int_equal(lr.r.saved.cp.total, 20 * MiB + 12345);
    assert_non_null(lr.r.saved.cp.validator);
    assert_int_equal(strncmp(lr.r.saved.cp.validator, "local:", 6), 0);
    /* size first, one periodic checkpoint (16 MiB), the end */
    assert_true(lr.r.checkpoints >= 3);
    /* the event loop got control back long before the copy ended */
    assert_true(lr.after_first_run < 20 * MiB);
    assert_true(lr.runs >= 2);
    /* SMB downloads keep the remote file's modification time */
    assert_int_equal(stat(src, &ss), 0);
    assert_int_equal(stat(temp, &ts), 0);
    assert_int_equal(ss.st_mtim.tv_sec, ts.st_mtim.tv_sec);
    run_free(&lr.r);
    free(src);
    free(temp);
}

static int abort_after_data(struct run *r, const struct xfer_checkpoint *cp)
{
    if (cp->acked > 0)
        run_abort(r);
    return 0;
}

/* Bytes [0, n) of 'path' are overwritten with 'X'. */
static void scribble(const char *path, size_t n)
{
    int fd = open(path, O_WRONLY);
    char *buf = malloc(n);

    assert_true(fd >= 0);
    memset(buf, 'X', n);
    assert_int_equal(pwrite(fd, buf, n, 0), (ssize_t)n);
    close(fd);
    free(buf);
}

static int starts_with_scribble(const char *path, size_t n)
{
    char *buf = malloc(n);
    int fd = open(path, O_RDONLY), good;
    size_t i;

    assert_true(fd >= 0);
    assert_int_equal(read(fd, buf, n), (ssize_t)n);
    close(fd);
    for (i = 0, good = 1; i < n; i++)
        good &= buf[i] == 'X';
    free(buf);
    return good;
}

static void test_copy_resumes_from_checkpoint(void **state)
{
    struct local_run lr = { 0 };
    char *src = work("resume-src.bin"), *temp = work("resume-temp.bin");
    struct xfer_request req;
    uint64_t have;

    write_pattern_file(src, 40 * MiB, 2);
    run_init(&lr.r);
    lr.r.on_checkpoint = abort_after_data;
    req = copy_request(&lr.r, src, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.aborted, 1);
    have = lr.r.saved.cp.acked;
    assert_true(have > 0 && have < 40 * MiB);

    /* Bytes the checkpoint covers are not copied again: mark them. */
    scribble(temp, 4096);
    lr.r.on_checkpoint = NULL;
    req = copy_request(&lr.r, src, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.result.hr, S_OK);
    assert_int_equal(file_size(temp), 40 * MiB);
    assert_true(starts_with_scribble(temp, 4096));
    /* and the rest is the source's */
    {
        char *tail_src = work("resume-tail-src"), *tail_tmp = work("resume-tail-tmp");
        char *cmd = path_printf("tail -c +4097 '%s' > '%s' && tail -c +4097 '%s' > '%s'",
                                src, tail_src, temp, tail_tmp);
        assert_int_equal(system(cmd), 0);
        assert_same_file(tail_src, tail_tmp);
        free(cmd);
        free(tail_src);
        free(tail_tmp);
    }
    run_free(&lr.r);
    free(src);
    free(temp);
}

static void test_copy_restarts_when_source_changed(void **state)
{
    struct local_run lr = { 0 };
    char *src = work("changed-src.bin"), *temp = work("changed-temp.bin");
    struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
    struct xfer_request req;

    write_pattern_file(src, 40 * MiB, 3);
    run_init(&lr.r);
    lr.r.on_checkpoint = abort_after_data;
    req = copy_request(&lr.r, src, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.aborted, 1);
    assert_true(lr.r.saved.cp.acked > 0);

    /* same size, other contents and time stamp */
    write_pattern_file(src, 40 * MiB, 4);
    assert_int_equal(utimensat(AT_FDCWD, src, times, 0), 0);
    lr.r.on_checkpoint = NULL;
    req = copy_request(&lr.r, src, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.result.hr, S_OK);
    assert_same_file(src, temp);
    run_free(&lr.r);
    free(src);
    free(temp);
}

static void test_copy_missing_source(void **state)
{
    struct local_run lr = { 0 };
    char *src = work("no-such.bin"), *nodir = work("no-dir/x.bin"), *temp = work("missing-temp.bin");
    struct xfer_request req;

    run_init(&lr.r);
    req = copy_request(&lr.r, src, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.result.hr, BP_HR(0x80070002));
    assert_int_equal(lr.r.result.context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(lr.r.result.transient, 0);

    req = copy_request(&lr.r, nodir, temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.result.hr, BP_HR(0x80070003));     /* ERROR_PATH_NOT_FOUND */

    write_text(src, "");
    req = copy_request(&lr.r, path_printf("%s/x.bin", src), temp);
    lr_go(&lr, &req);
    assert_int_equal(lr.r.result.hr, BP_HR(0x80070003));     /* a file used as a directory */
    assert_int_equal(lr.r.result.context, BP_CONTEXT_REMOTE_FILE);
    run_free(&lr.r);
    free(src);
    free(nodir);
    free(temp);
}

/* ---- the engine: size pass ---- */

static void test_size_pass(void **state)
{
    struct local_run lr = { 0 };
    char *a = path_printf("%s/files/sp-a.bin", srv.root), *b = path_printf("%s/files/sp-b.bin", srv.root);
    char *local = work("sp-local.bin"), *temp = work("sp-temp.bin");
    char *ua = path_printf("%s/files/sp-a.bin", srv.url), *ub = path_printf("%s/files/sp-b.bin", srv.url);
    char *um = path_printf("%s/files/sp-missing.bin", srv.url);
    struct xfer_probe probes[4] = {
        { 0, ua, NULL }, { 1, ub, NULL }, { 2, um, NULL }, { 3, NULL, local },
    };
    struct xfer_request req;

    assert_int_equal(bits_server_control(&srv, "reset=1"), 0);
    write_pattern_file(a, 3 * MiB, 5);
    write_pattern_file(b, 777777, 6);
    write_pattern_file(local, 4242, 7);
    run_init(&lr.r);
    req = run_request(&lr.r, XFER_DOWNLOAD, ua);
    req.local_path = temp;
    req.temp_path = temp;
    req.probes = probes;
    req.probe_count = 4;
    lr.probes = 3;                      /* the missing one is never answered */
    lr.sizes_before_data = 1;
    lr_go(&lr, &req);
    assert_int_equal(lr.r.result.hr, S_OK);
    assert_same_file(a, temp);
    assert_true(lr.known[0] && lr.known[1] && !lr.known[2] && lr.known[3]);
    assert_int_equal(lr.sizes[0], 3 * MiB);
    assert_int_equal(lr.sizes[1], 777777);
    assert_int_equal(lr.sizes[3], 4242);
    assert_int_equal(lr.sizes_before_data, 1);
    /* HEADs move no file data: only the one GET's bytes were sent */
    assert_int_equal(bits_server_stat(&srv, "file_bytes_sent"), 3 * MiB);
    run_free(&lr.r);
    free(a); free(b); free(local); free(temp); free(ua); free(ub); free(um);
}

/* ---- the real bitsd ---- */

struct daemon {
    char *prefix;
    char *statedir;
    pid_t pid;
    struct ipc_client c;
};

static void daemon_start(struct daemon *dm, const char *name)
{
    char *port;
    int i;

    dm->prefix = make_prefix(name);
    dm->statedir = path_printf("%s/bitsd", dm->prefix);
    port = path_printf("%s/port", dm->statedir);
    dm->pid = fork();
    assert_true(dm->pid >= 0);
    if (dm->pid == 0) {
        char *log = path_printf("%s/daemon-stderr.log", dm->prefix);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

        if (fd >= 0)
            dup2(fd, 2);
        /* the test's own environment must not decide the proxy */
        unsetenv("http_proxy");
        unsetenv("HTTP_PROXY");
        unsetenv("https_proxy");
        unsetenv("HTTPS_PROXY");
        unsetenv("all_proxy");
        unsetenv("ALL_PROXY");
        unsetenv("no_proxy");
        unsetenv("NO_PROXY");
        execl(BITSD_PATH, "bitsd", "--prefix", dm->prefix, "--foreground", "--verbose", (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 1000 && access(port, R_OK) != 0; i++)
        sleep_ms(10);
    assert_int_equal(access(port, R_OK), 0);
    free(port);
    assert_int_equal(ipc_connect(&dm->c, dm->statedir, SID, 0), 0);
}

static void daemon_stop(struct daemon *dm)
{
    int status;

    ipc_close(&dm->c);
    if (dm->pid > 0) {
        kill(dm->pid, SIGTERM);
        waitpid(dm->pid, &status, 0);
    }
    free(dm->prefix);
    free(dm->statedir);
}

static int32_t dm_call(struct daemon *dm, struct bp_reader *r)
{
    int32_t hr;

    assert_int_equal(ipc_call(&dm->c, r, &hr), 0);
    return hr;
}

static void dm_create(struct daemon *dm, uint8_t id[16])
{
    struct bp_reader r;

    ipc_begin(&dm->c, BP_CREATE_JOB);
    bp_put_str(&dm->c.req, "local test");
    bp_put_u32(&dm->c.req, BP_JOB_DOWNLOAD);
    assert_int_equal(dm_call(dm, &r), S_OK);
    bp_get_guid(&r, id);
}

static int32_t dm_add(struct daemon *dm, const uint8_t id[16], const char *remote, const char *name)
{
    struct bp_reader r;
    char *win = path_printf("C:\\%s", name), *unx = path_printf("%s/drive_c/%s", dm->prefix, name);
    int32_t hr;

    ipc_begin(&dm->c, BP_ADD_FILE);
    bp_put_guid(&dm->c.req, id);
    bp_put_str(&dm->c.req, remote);
    bp_put_str(&dm->c.req, win);
    bp_put_str(&dm->c.req, unx);
    hr = dm_call(dm, &r);
    free(win);
    free(unx);
    return hr;
}

static int32_t dm_action(struct daemon *dm, const uint8_t id[16], uint32_t act)
{
    struct bp_reader r;

    ipc_begin(&dm->c, BP_JOB_ACTION);
    bp_put_guid(&dm->c.req, id);
    bp_put_u32(&dm->c.req, act);
    return dm_call(dm, &r);
}

static void dm_info(struct daemon *dm, const uint8_t id[16], struct bp_job_info *info)
{
    struct bp_reader r;

    ipc_begin(&dm->c, BP_JOB_INFO);
    bp_put_guid(&dm->c.req, id);
    assert_int_equal(dm_call(dm, &r), S_OK);
    assert_int_equal(bp_get_job_info(&r, info), 0);
}

static uint32_t dm_wait_final(struct daemon *dm, const uint8_t id[16], struct bp_job_info *info)
{
    int i;

    for (i = 0; i < 60 * 20; i++) {
        dm_info(dm, id, info);
        if (info->state == BP_STATE_TRANSFERRED || info->state == BP_STATE_ERROR
            || info->state == BP_STATE_TRANSIENT_ERROR)
            return info->state;
        bp_job_info_free(info);
        sleep_ms(50);
    }
    fail_msg("job never finished");
    return 0;
}

static void test_daemon_file_url_job(void **state)
{
    struct daemon dm = { 0 };
    struct bp_job_info info;
    uint8_t id[16];
    char *src, *dst, *dst2, *cdir;

    daemon_start(&dm, "dm-file");
    cdir = path_printf("%s/drive_c/Source Files", dm.prefix);
    assert_int_equal(mkdir(cdir, 0755), 0);
    src = path_printf("%s/Big.bin", cdir);
    write_pattern_file(src, 9 * MiB + 3, 8);
    dst = path_printf("%s/drive_c/copy1.bin", dm.prefix);
    dst2 = path_printf("%s/drive_c/copy2.bin", dm.prefix);

    dm_create(&dm, id);
    assert_int_equal(dm_add(&dm, id, "file:///C:/source%20files/big.bin", "copy1.bin"), S_OK);
    assert_int_equal(dm_add(&dm, id, "c:\\Source Files\\BIG.BIN", "copy2.bin"), S_OK);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(dm_wait_final(&dm, id, &info), BP_STATE_TRANSFERRED);
    assert_int_equal(info.bytes_total, 2 * (9 * MiB + 3));
    assert_int_equal(info.bytes_transferred, 2 * (9 * MiB + 3));
    assert_int_equal(info.files_transferred, 2);
    bp_job_info_free(&info);
    /* nothing under the real names before Complete */
    assert_int_equal(access(dst, F_OK), -1);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_COMPLETE), S_OK);
    assert_same_file(src, dst);
    assert_same_file(src, dst2);

    /* a missing source: ERROR, ERROR_FILE_NOT_FOUND in REMOTE_FILE, file 0 */
    dm_create(&dm, id);
    assert_int_equal(dm_add(&dm, id, "C:\\Source Files\\gone.bin", "gone.bin"), S_OK);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(dm_wait_final(&dm, id, &info), BP_STATE_ERROR);
    assert_int_equal(info.error_code, BP_HR(0x80070002));
    assert_int_equal(info.error_context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(info.error_file, 0);
    bp_job_info_free(&info);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_CANCEL), S_OK);

    /* the device forms are refused at AddFile */
    dm_create(&dm, id);
    assert_int_equal(dm_add(&dm, id, "\\\\?\\C:\\Source Files\\Big.bin", "x.bin"), E_INVALIDARG);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_CANCEL), S_OK);
    daemon_stop(&dm);
    free(src); free(dst); free(dst2); free(cdir);
}

/* Every file's size is known before the first byte of the job arrives. */
static void test_daemon_sizes_learned_first(void **state)
{
    static const uint64_t sizes[3] = { 600000, 0, 900000 };
    struct daemon dm = { 0 };
    struct bp_job_info info;
    uint64_t total = 0;
    uint8_t id[16];
    int i, watched = 0;

    assert_int_equal(bits_server_control(&srv, "reset=1"), 0);
    daemon_start(&dm, "dm-sizes");
    dm_create(&dm, id);
    for (i = 0; i < 3; i++) {
        char *served = path_printf("%s/files/sizes%d.bin", srv.root, i);
        char *url = path_printf("%s/files/sizes%d.bin", srv.url, i);
        char *name = path_printf("sizes%d.bin", i);

        write_pattern_file(served, sizes[i], 9 + i);
        assert_int_equal(dm_add(&dm, id, url, name), S_OK);
        total += sizes[i];
        free(served); free(url); free(name);
    }
    dm_info(&dm, id, &info);
    assert_int_equal(info.bytes_total, BP_SIZE_UNKNOWN);
    bp_job_info_free(&info);
    assert_int_equal(bits_server_control(&srv, "throttle_kbps=2000"), 0);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_RESUME), S_OK);
    for (;;) {
        dm_info(&dm, id, &info);
        if (info.bytes_transferred) {
            /* data moved: the total is the whole job's */
            assert_int_equal(info.bytes_total, total);
            watched++;
        }
        if (info.state == BP_STATE_TRANSFERRED || info.state == BP_STATE_ERROR) {
            bp_job_info_free(&info);
            break;
        }
        bp_job_info_free(&info);
        sleep_ms(5);
    }
    assert_int_equal(bits_server_control(&srv, "throttle_kbps=0"), 0);
    assert_true(watched > 0);
    dm_info(&dm, id, &info);
    assert_int_equal(info.state, BP_STATE_TRANSFERRED);
    assert_int_equal(info.bytes_total, total);
    bp_job_info_free(&info);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_CANCEL), S_OK);
    daemon_stop(&dm);
}

/* PRECONFIG (the default) goes through the proxy the prefix's Internet
 * Settings name; bits-server proxies to itself and counts it. */
static void test_daemon_preconfig_proxy(void **state)
{
    struct daemon dm = { 0 };
    struct bp_job_info info;
    uint8_t id[16];
    char *served = path_printf("%s/files/proxied.bin", srv.root);
    char *url = path_printf("http://bits-proxy-test.invalid:%d/files/proxied.bin", srv.port);
    char *userreg, *text;
    long long before;

    write_pattern_file(served, 300000, 12);
    daemon_start(&dm, "dm-proxy");
    userreg = path_printf("%s/user.reg", dm.prefix);
    text = path_printf(
        "WINE REGISTRY Version 2\n\n"
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings] 1700000000\n"
        "\"ProxyEnable\"=dword:00000001\n"
        "\"ProxyServer\"=\"127.0.0.1:%d\"\n"
        "\"ProxyOverride\"=\"<local>\"\n", srv.port);
    write_text(userreg, text);
    before = bits_server_stat(&srv, "proxied_requests");
    assert_true(before >= 0);

    /* the host name does not resolve: only the proxy can reach it */
    dm_create(&dm, id);
    assert_int_equal(dm_add(&dm, id, url, "proxied.bin"), S_OK);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_RESUME), S_OK);
    assert_int_equal(dm_wait_final(&dm, id, &info), BP_STATE_TRANSFERRED);
    assert_int_equal(info.proxy_usage, BP_PROXY_PRECONFIG);
    bp_job_info_free(&info);
    assert_true(bits_server_stat(&srv, "proxied_requests") > before);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_COMPLETE), S_OK);
    {
        char *dst = path_printf("%s/drive_c/proxied.bin", dm.prefix);
        assert_same_file(served, dst);
        free(dst);
    }

    /* proxy switched off: the same name fails to resolve */
    write_text(userreg,
        "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Internet Settings] 1700000000\n"
        "\"ProxyEnable\"=dword:00000000\n");
    dm_create(&dm, id);
    assert_int_equal(dm_add(&dm, id, url, "direct.bin"), S_OK);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_RESUME), S_OK);
    assert_int_not_equal(dm_wait_final(&dm, id, &info), BP_STATE_TRANSFERRED);
    bp_job_info_free(&info);
    assert_int_equal(dm_action(&dm, id, BP_ACTION_CANCEL), S_OK);
    daemon_stop(&dm);
    free(served); free(url); free(userreg); free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_names),
        cmocka_unit_test(test_prefix_proxy_settings),
        cmocka_unit_test(test_copy_whole_in_steps),
        cmocka_unit_test(test_copy_resumes_from_checkpoint),
        cmocka_unit_test(test_copy_restarts_when_source_changed),
        cmocka_unit_test(test_copy_missing_source),
        cmocka_unit_test(test_size_pass),
        cmocka_unit_test(test_daemon_file_url_job),
        cmocka_unit_test(test_daemon_sizes_learned_first),
        cmocka_unit_test(test_daemon_preconfig_proxy),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
