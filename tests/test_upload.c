/*
 * Transfer engine, upload side: BITS upload and upload-reply against
 * bits-server, driven directly through transfer.h.
 */
#include "test_upload_util.h"

#define MiB (1024ull * 1024)

static struct bits_server srv;
static char workdir[] = "/tmp/engine-upload-XXXXXX";

static char *work(const char *name)
{
    return path_printf("%s/%s", workdir, name);
}

static char *url(const char *path)
{
    return path_printf("%s%s", srv.url, path);
}

static char *uploaded(const char *name)
{
    return path_printf("%s/uploads/%s", srv.root, name);
}

static long long stat_of(const char *key)
{
    long long v = bits_server_stat(&srv, key);

    assert_true(v >= 0);
    return v;
}

static int group_setup(void **state)
{
    char *root;
    int rc;

    if (!mkdtemp(workdir))
        return -1;
    root = path_printf("%s/root", workdir);
    rc = bits_server_start(root, &srv);
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

/* Upload 'src' to /upload/<name> (or another path) on a fresh run. */
static struct xfer_request upload_request(struct run *r, enum xfer_kind kind, char *u,
                                          const char *src, const char *reply)
{
    struct xfer_request req = run_request(r, kind, u);

    req.local_path = src;
    req.content_name = strrchr(src, '/') + 1;
    req.reply_path = reply;
    return req;
}

static void assert_ok(const struct run *r)
{
    assert_int_equal(r->finished, 1);
    assert_int_equal(r->result.hr, S_OK);
    assert_int_equal(r->result.context, BP_CONTEXT_NONE);
}

/* ---- hooks ---- */

/* Stop right after Create-Session was checkpointed. */
static int abort_after_create(struct run *r, const struct xfer_checkpoint *cp)
{
    if (cp->session_id && cp->acked == 0)
        run_abort(r);
    return 0;
}

/* Stop after the first acknowledged fragment. */
static int abort_after_first_ack(struct run *r, const struct xfer_checkpoint *cp)
{
    if (cp->acked > 0 && !cp->upload_done)
        run_abort(r);
    return 0;
}

static int abort_after_upload_done(struct run *r, const struct xfer_checkpoint *cp)
{
    if (cp->upload_done)
        run_abort(r);
    return 0;
}

/* ---- tests ---- */

static void upload_happy_path(void **state)
{
    char *src = work("happy.src"), *u = url("/upload/happy.bin"), *dst = uploaded("happy.bin");
    uint64_t size = 20 * MiB + 12345;
    char before[65], after[65];
    int64_t mtime;
    long long stored = stat_of("uploads_stored");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, size, 1);
    file_sha256(src, before);
    mtime = file_mtime_ns(src);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);

    assert_ok(&r);
    assert_same_file(src, dst);
    file_sha256(src, after);
    assert_string_equal(before, after);             /* source untouched */
    assert_true(file_mtime_ns(src) == mtime);
    assert_non_null(r.saved.cp.session_id);
    assert_int_equal(r.saved.cp.upload_done, 1);
    assert_true(r.saved.cp.acked == size && r.saved.cp.total == size);
    assert_true(r.saved.cp.source_size == size && r.saved.cp.source_mtime_ns == mtime);
    assert_true(r.last_progress == size);
    assert_int_equal(stat_of("uploads_stored"), stored + 1);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

static void upload_reply_digest(void **state)
{
    char *src = work("digest.src"), *reply = work("digest.reply");
    char *u = url("/reply/digest/digest.bin");
    char hex[65], *got;
    size_t len;
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 3 * MiB + 7, 2);
    file_sha256(src, hex);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);

    assert_ok(&r);
    got = read_small_file(reply, &len);
    assert_int_equal(len, 64);
    assert_string_equal(got, hex);
    assert_non_null(r.saved.cp.reply_url);
    assert_true(!strncmp(r.saved.cp.reply_url, "http://", 7));
    assert_int_equal(r.saved.cp.upload_done, 1);
    assert_true(r.saved.cp.reply_total == 64 && r.saved.cp.reply_received == 64);
    free(got);
    run_free(&r);
    free(src);
    free(reply);
    free(u);
}

/* A checkpoint that claims more than the server has: 416 tells us where
 * to go on. */
static void upload_resync_ahead(void **state)
{
    char *src = work("ahead.src"), *u = url("/upload/ahead.bin"), *dst = uploaded("ahead.bin");
    long long resyncs = stat_of("status_416");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 3 * MiB, 3);
    run_init(&r);
    r.on_checkpoint = abort_after_create;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);
    assert_int_equal(r.finished, 0);

    r.on_checkpoint = NULL;
    r.saved.cp.acked = 1 * MiB;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_true(stat_of("status_416") > resyncs);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

/* A checkpoint behind the server: the overlap is resent and ignored. */
static void upload_resync_behind(void **state)
{
    char *src = work("behind.src"), *u = url("/upload/behind.bin"), *dst = uploaded("behind.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 40 * MiB, 4);
    run_init(&r);
    r.on_checkpoint = abort_after_first_ack;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);
    assert_true(r.saved.cp.acked > 1 * MiB);

    r.on_checkpoint = NULL;
    r.saved.cp.acked = 1 * MiB;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

static void upload_lost_session(void **state)
{
    char *src = work("lost.src"), *u = url("/upload/lost.bin"), *dst = uploaded("lost.bin");
    long long created = stat_of("sessions_created"), lost = stat_of("session_not_found");
    char *first_session;
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 2 * MiB + 1, 5);
    run_init(&r);
    r.on_checkpoint = abort_after_create;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);
    first_session = strdup(r.saved.cp.session_id);

    assert_int_equal(bits_server_control(&srv, "forget_sessions=1"), 0);
    r.on_checkpoint = NULL;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_string_not_equal(first_session, r.saved.cp.session_id);
    assert_int_equal(stat_of("sessions_created"), created + 2);
    assert_true(stat_of("session_not_found") > lost);
    assert_same_file(src, dst);
    free(first_session);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

static void upload_413_shrinks_fragments(void **state)
{
    char *src = work("small.src"), *u = url("/upload/small.bin"), *dst = uploaded("small.bin");
    long long too_large = stat_of("status_413");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 3 * MiB + 5, 6);
    assert_int_equal(bits_server_control(&srv, "max_fragment=1048576"), 0);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_true(stat_of("status_413") > too_large);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

/* A fragment floor the server never accepts: BG_E_TOO_LARGE, final. */
static void upload_413_below_floor_fails(void **state)
{
    char *src = work("floor.src"), *u = url("/upload/floor.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1 * MiB, 7);
    assert_int_equal(bits_server_control(&srv, "max_fragment=1000"), 0);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BG_E_TOO_LARGE);
    assert_int_equal(r.result.context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(r.result.transient, 0);
    run_free(&r);
    free(src);
    free(u);
}

static void upload_5xx_is_transient_then_resumes(void **state)
{
    char *src = work("flaky.src"), *u = url("/upload/flaky.bin"), *dst = uploaded("flaky.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1 * MiB + 3, 8);
    assert_int_equal(bits_server_control(&srv, "fail_fragments=503&fail_count=1"), 0);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BP_HTTP_ERROR(503));
    assert_int_equal(r.result.context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(r.result.transient, 1);
    assert_non_null(r.saved.cp.session_id);

    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

static void upload_403_is_final(void **state)
{
    char *src = work("denied.src"), *u = url("/upload/denied.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1000, 9);
    assert_int_equal(bits_server_control(&srv, "fail_fragments=403&fail_count=1"), 0);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    /* The server sends E_ACCESSDENIED in BITS-Error-Code with the 403. */
    assert_int_equal(r.result.hr, E_ACCESSDENIED);
    assert_int_equal(r.result.context, BP_CONTEXT_REMOTE_FILE);
    assert_int_equal(r.result.transient, 0);
    run_free(&r);
    free(src);
    free(u);
}

static void upload_dropped_connection_resumes(void **state)
{
    char *src = work("drop.src"), *u = url("/upload/drop.bin"), *dst = uploaded("drop.bin");
    long long drops = stat_of("drops");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 2 * MiB, 10);
    assert_int_equal(bits_server_control(&srv, "drop_after=300000"), 0);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(stat_of("drops"), drops + 1);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

static void upload_reply_2mb(void **state)
{
    char *src = work("big-reply.src"), *reply = work("big-reply.reply");
    char *u = url("/reply/bytes/2097152/big-reply.bin");
    uint8_t buf[65536];
    uint64_t at = 0;
    struct run r;
    struct xfer_request req;
    FILE *f;

    write_pattern_file(src, 1000, 11);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(reply), 2097152);
    f = fopen(reply, "rb");
    assert_non_null(f);
    for (;;) {
        size_t n = fread(buf, 1, sizeof(buf), f), i;

        if (!n)
            break;
        for (i = 0; i < n; i++, at++)
            assert_int_equal(buf[i], at % 251);
    }
    fclose(f);
    assert_true(at == 2097152);
    assert_true(r.saved.cp.reply_received == 2097152 && r.saved.cp.reply_total == 2097152);
    run_free(&r);
    free(src);
    free(reply);
    free(u);
}

static void upload_reply_empty(void **state)
{
    char *src = work("noreply.src"), *reply = work("noreply.reply");
    char *u = url("/reply/empty/noreply.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 4096, 12);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(reply), 0);
    assert_true(r.saved.cp.reply_total == 0);
    run_free(&r);
    free(src);
    free(reply);
    free(u);
}

/* Killed mid-upload, started again from the stored checkpoint: the server
 * receives every byte exactly once. */
static void upload_restart_from_checkpoint(void **state)
{
    char *src = work("restart.src"), *u = url("/upload/restart.bin"), *dst = uploaded("restart.bin");
    uint64_t size = 40 * MiB + 99;
    long long bytes = stat_of("fragment_bytes"), stored = stat_of("uploads_stored");
    long long received = stat_of("fragment_bytes_received");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, size, 13);
    run_init(&r);
    r.on_checkpoint = abort_after_first_ack;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);
    assert_true(r.saved.cp.acked > 0 && r.saved.cp.acked < size);
    xfer_engine_free(r.engine);                 /* the daemon died */
    r.engine = xfer_engine_new();

    r.on_checkpoint = NULL;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_same_file(src, dst);
    assert_int_equal(stat_of("fragment_bytes"), bytes + (long long)size);
    /* Not a byte sent twice: the restart went on from the acknowledged offset. */
    assert_int_equal(stat_of("fragment_bytes_received"), received + (long long)size);
    assert_int_equal(stat_of("uploads_stored"), stored + 1);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

/* Upload-reply restarted after the upload was acknowledged: only the reply
 * is fetched; the source is not needed any more. */
static void upload_reply_restart_after_upload(void **state)
{
    char *src = work("later.src"), *reply = work("later.reply");
    char *u = url("/reply/bytes/100000/later.bin");
    long long fragments;
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 5000, 14);
    run_init(&r);
    r.on_checkpoint = abort_after_upload_done;
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);
    assert_non_null(r.saved.cp.reply_url);
    assert_int_equal(unlink(src), 0);
    fragments = stat_of("fragments");

    r.on_checkpoint = NULL;
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(reply), 100000);
    assert_int_equal(stat_of("fragments"), fragments);
    run_free(&r);
    free(src);
    free(reply);
    free(u);
}

static char *changing_source;

static int append_after_first_ack(struct run *r, const struct xfer_checkpoint *cp)
{
    if (cp->acked > 0 && !cp->upload_done && !r->hook_data) {
        FILE *f = fopen(changing_source, "ab");

        assert_non_null(f);
        fputc('!', f);
        fclose(f);
        r->hook_data = changing_source;
    }
    return 0;
}

static void upload_local_file_changed(void **state)
{
    char *src = work("changing.src"), *u = url("/upload/changing.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 40 * MiB, 15);
    changing_source = src;
    run_init(&r);
    r.on_checkpoint = append_after_first_ack;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BG_E_LOCAL_FILE_CHANGED);
    assert_int_equal(r.result.context, BP_CONTEXT_LOCAL_FILE);
    assert_int_equal(r.result.transient, 0);

    /* Started again with the recorded identity: still changed. */
    r.on_checkpoint = NULL;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.result.hr, BG_E_LOCAL_FILE_CHANGED);
    run_free(&r);
    free(src);
    free(u);
}

static void upload_missing_source(void **state)
{
    char *src = work("does-not-exist.src"), *u = url("/upload/missing.bin");
    struct run r;
    struct xfer_request req;

    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BP_HR(0x80070002));
    assert_int_equal(r.result.context, BP_CONTEXT_LOCAL_FILE);
    assert_int_equal(r.result.transient, 0);
    run_free(&r);
    free(src);
    free(u);
}

static void upload_empty_file(void **state)
{
    char *src = work("empty.src"), *u = url("/upload/empty.bin"), *dst = uploaded("empty.bin");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 0, 16);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_int_equal(file_size(dst), 0);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

static int32_t cancel_hr = 1;

static void cancel_done(void *ctx, int32_t hr)
{
    cancel_hr = hr;
}

static void upload_cancel_session(void **state)
{
    char *src = work("cancel.src"), *u = url("/upload/cancel.bin");
    long long cancels = stat_of("cancels");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1000, 17);
    run_init(&r);
    r.on_checkpoint = abort_after_create;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);

    cancel_hr = 1;
    xfer_cancel_session(r.engine, u, r.saved.cp.session_id, NULL, NULL, 0, cancel_done, NULL);
    while (cancel_hr == 1) {
        assert_true(xfer_engine_wait(r.engine, NULL, 0, 1000) >= 0);
        xfer_engine_run(r.engine);
    }
    assert_int_equal(cancel_hr, S_OK);
    assert_int_equal(stat_of("cancels"), cancels + 1);
    run_free(&r);
    free(src);
    free(u);
}

static void upload_connect_failure_is_transient(void **state)
{
    char *src = work("noserver.src");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1000, 18);
    run_init(&r);
    /* Port 1 on loopback: nothing listens there. */
    req = upload_request(&r, XFER_UPLOAD, "http://127.0.0.1:1/upload/x.bin", src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BG_E_CONNECT_FAILURE);
    assert_int_equal(r.result.context, BP_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(r.result.transient, 1);
    run_free(&r);
    free(src);
}

/* Later packets go to the BITS-Host-Id host (here: the same server under
 * another name, "localhost"). */
static void upload_uses_host_id(void **state)
{
    char *src = work("hostid.src"), *u = url("/upload/hostid.bin"), *dst = uploaded("hostid.bin");
    char host[32];
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1 * MiB, 19);
    run_init(&r);
    r.on_checkpoint = abort_after_create;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);

    snprintf(host, sizeof(host), "localhost:%d", srv.port);
    free(r.saved.host_id);
    r.saved.host_id = strdup(host);
    r.saved.cp.host_id = r.saved.host_id;
    r.on_checkpoint = NULL;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_string_equal(r.saved.cp.host_id, host);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

/* The Host-Id host is unreachable: without a fallback timeout the error is
 * transient and the timer starts; with one that ran out, the upload starts
 * over on the original host. */
static void upload_host_id_fallback(void **state)
{
    char *src = work("fallback.src"), *u = url("/upload/fallback.bin"), *dst = uploaded("fallback.bin");
    long long created = stat_of("sessions_created");
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 1 * MiB + 1, 20);
    run_init(&r);
    r.on_checkpoint = abort_after_create;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.aborted, 1);

    free(r.saved.host_id);
    r.saved.host_id = strdup("127.0.0.1:1");
    r.saved.cp.host_id = r.saved.host_id;
    r.saved.cp.host_fallback = 0;
    r.on_checkpoint = NULL;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_int_equal(r.result.hr, BG_E_CONNECT_FAILURE);
    assert_int_equal(r.result.transient, 1);
    assert_true(r.saved.cp.host_failing_since > 0);
    assert_string_equal(r.saved.cp.host_id, "127.0.0.1:1");

    r.saved.cp.host_fallback = 1;
    r.saved.cp.host_fallback_timeout = 0;
    req = upload_request(&r, XFER_UPLOAD, u, src, NULL);
    run_go(&r, &req);
    assert_ok(&r);
    assert_null(r.saved.cp.host_id);
    assert_int_equal(stat_of("sessions_created"), created + 2);
    assert_same_file(src, dst);
    run_free(&r);
    free(src);
    free(u);
    free(dst);
}

/* The server application failed: its status decides (403 final, 503
 * transient), context REMOTE_APPLICATION. */
static void reply_app_failure(int status, int transient)
{
    char *src = work("app.src"), *reply = work("app.reply");
    char *u = url("/reply/notify-value/app.bin");
    char *ctl = path_printf("notify_url=%s%%2Fapp%%2Ffail%%2F%d", srv.url, status);
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 2000, 30 + status);
    assert_int_equal(bits_server_control(&srv, ctl), 0);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);
    assert_int_equal(r.finished, 1);
    assert_int_equal(r.result.hr, BP_HTTP_ERROR(status));
    assert_int_equal(r.result.context, BP_CONTEXT_REMOTE_APPLICATION);
    assert_int_equal(r.result.transient, transient);
    assert_int_equal(r.saved.cp.upload_done, 0);
    run_free(&r);
    free(ctl);
    free(src);
    free(reply);
    free(u);
}

static void upload_reply_app_403_is_final(void **state)
{
    reply_app_failure(403, 0);
}

static void upload_reply_app_503_is_transient(void **state)
{
    reply_app_failure(503, 1);
}

/* By-value notification to the sample application: the reply is its answer. */
static void upload_reply_notify_value(void **state)
{
    char *src = work("byvalue.src"), *reply = work("byvalue.reply");
    char *u = url("/reply/notify-value/byvalue.bin");
    char hex[65], *got;
    size_t len;
    struct run r;
    struct xfer_request req;

    write_pattern_file(src, 300000, 40);
    file_sha256(src, hex);
    run_init(&r);
    req = upload_request(&r, XFER_UPLOAD_REPLY, u, src, reply);
    run_go(&r, &req);
    assert_ok(&r);
    got = read_small_file(reply, &len);
    assert_string_equal(got, hex);
    free(got);
    run_free(&r);
    free(src);
    free(reply);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(upload_happy_path, test_setup),
        cmocka_unit_test_setup(upload_reply_digest, test_setup),
        cmocka_unit_test_setup(upload_resync_ahead, test_setup),
        cmocka_unit_test_setup(upload_resync_behind, test_setup),
        cmocka_unit_test_setup(upload_lost_session, test_setup),
        cmocka_unit_test_setup(upload_413_shrinks_fragments, test_setup),
        cmocka_unit_test_setup(upload_413_below_floor_fails, test_setup),
        cmocka_unit_test_setup(upload_5xx_is_transient_then_resumes, test_setup),
        cmocka_unit_test_setup(upload_403_is_final, test_setup),
        cmocka_unit_test_setup(upload_dropped_connection_resumes, test_setup),
        cmocka_unit_test_setup(upload_reply_2mb, test_setup),
        cmocka_unit_test_setup(upload_reply_empty, test_setup),
        cmocka_unit_test_setup(upload_restart_from_checkpoint, test_setup),
        cmocka_unit_test_setup(upload_reply_restart_after_upload, test_setup),
        cmocka_unit_test_setup(upload_local_file_changed, test_setup),
        cmocka_unit_test_setup(upload_missing_source, test_setup),
        cmocka_unit_test_setup(upload_empty_file, test_setup),
        cmocka_unit_test_setup(upload_cancel_session, test_setup),
        cmocka_unit_test_setup(upload_connect_failure_is_transient, test_setup),
        cmocka_unit_test_setup(upload_uses_host_id, test_setup),
        cmocka_unit_test_setup(upload_host_id_fallback, test_setup),
        cmocka_unit_test_setup(upload_reply_app_403_is_final, test_setup),
        cmocka_unit_test_setup(upload_reply_app_503_is_transient, test_setup),
        cmocka_unit_test_setup(upload_reply_notify_value, test_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
