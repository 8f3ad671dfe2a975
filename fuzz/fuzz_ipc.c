/*
 * fuzz_ipc: hostile IPC peers against bitsd's request handling
 * (service/control.c and the job code behind it), in-process.
 *
 * Each input is one connection.  bitsd's core runs on a real SQLite store
 * in a temporary directory with a transfer engine that never goes on the
 * network (stub_engine.c); the connection reaches control.c through its
 * listening socket (AF_UNIX here, TCP in bitsd: control.c does not care).
 *
 * Input layout:
 *   u8 flags       bit 0: send a valid BP_HELLO first (with the token)
 *                  bit 1: ... asking for events
 *                  bit 2: the rest is raw bytes, sent as is
 *   u8 chunk       write the stream in pieces of this many bytes (0: at once)
 *   records        (not raw) u8 type, u16 payload length (LE), payload;
 *                  each becomes one well-framed message.  A payload that
 *                  starts with a GUID of 15 zero bytes and a last byte k
 *                  gets the id of the k-th existing job instead, so the
 *                  fuzzer reaches the jobs it created.
 *
 * After each input: the daemon must have dropped or finished the
 * connection, the store must pass SQLite's quick_check, and reloading the
 * store must give back every job with the same persisted values.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bitsd.h"

#define FUZZ_TOKEN "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define FUZZ_SID   "S-1-5-21-1-2-3-1000"
#define MAX_TURNS  100000   /* loop turns before the daemon counts as hung */

static char root[64], statedir[96], sock_path[128];
static int listen_fd = -1;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "fuzz_ipc: check failed at line %d: %s\n", __LINE__, #cond); \
    abort(); } } while (0)

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf without a shell: PATH leads nowhere in here. */
static int remove_tree(const char *path)
{
    if (access(path, F_OK) < 0)
        return 0;
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_root(void)
{
    if (root[0] && remove_tree(root) < 0)
        fprintf(stderr, "fuzz_ipc: could not remove %s\n", root);
}

static void global_init(void)
{
    struct sockaddr_un sa;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

    /* notify command lines are never run here, but make sure of it */
    setenv("PATH", "/nonexistent", 1);
    snprintf(root, sizeof(root), "%s/fuzz-ipc-XXXXXX", base);
    CHECK(mkdtemp(root));
    atexit(remove_root);
    snprintf(statedir, sizeof(statedir), "%s/bitsd", root);
    snprintf(sock_path, sizeof(sock_path), "%s/ctl", root);
    CHECK(statedir_create(statedir) == 0);
    CHECK(log_open("/dev/null", 0, 0) == 0);

    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(listen_fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    CHECK(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(listen_fd, 8) == 0);
}

static void remove_store(void)
{
    static const char *const names[] = { "jobs.db", "jobs.db-wal", "jobs.db-shm" };
    char *replies;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = path_join(statedir, names[i]);
        CHECK(p);
        unlink(p);
        free(p);
    }
    replies = path_join(statedir, "replies");
    CHECK(replies && remove_tree(replies) == 0);
    free(replies);
}

static void daemon_start(struct bitsd *d)
{
    CHECK(bitsd_core_init(d, root, statedir) == 0);
    memcpy(d->token, FUZZ_TOKEN, BP_TOKEN_LEN + 1);
    d->engine = xfer_engine_new();
    CHECK(d->engine);
}

static void daemon_stop(struct bitsd *d)
{
    struct xfer_engine *e = d->engine;

    sched_shutdown(d);
    d->engine = NULL;
    control_close_all(d);       /* no connection is left: closes nothing */
    bitsd_core_free(d);
    xfer_engine_free(e);
}

/* ---- building the byte stream ---- */

struct stream {
    uint8_t *data;
    size_t len, cap;
};

static void stream_add(struct stream *s, const void *p, size_t n)
{
    if (!n)
        return;
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap < s->len + n)
            cap *= 2;
        s->data = realloc(s->data, cap);
        CHECK(s->data);
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, n);
    s->len += n;
}

static void stream_add_writer(struct stream *s, struct bp_writer *w)
{
    bp_end_frame(w);
    CHECK(!w->failed);
    stream_add(s, w->data, w->len);
    bp_writer_free(w);
}

static void add_hello(struct stream *s, int events)
{
    struct bp_writer w;

    bp_writer_init(&w);
    bp_begin_frame(&w, BP_HELLO, 1);
    bp_put_str(&w, FUZZ_TOKEN);
    bp_put_u32(&w, BP_VERSION);
    bp_put_u32(&w, 1234);
    bp_put_str(&w, FUZZ_SID);
    bp_put_u32(&w, events ? BP_HELLO_EVENTS : 0);
    stream_add_writer(s, &w);
}

static int has_job_id_first(uint16_t type)
{
    return type != BP_HELLO && type != BP_CREATE_JOB && type != BP_ENUM_JOBS;
}

/* The GUID placeholder: 15 zero bytes and an index. */
static void patch_job_id(const struct bitsd *d, uint8_t *payload, size_t len)
{
    static const uint8_t zero[15];
    const struct job *job;
    unsigned count = 0, k;

    if (len < 16 || memcmp(payload, zero, sizeof(zero)))
        return;
    for (job = d->jobs; job; job = job->next)
        count++;
    if (!count)
        return;
    k = payload[15] % count;
    for (job = d->jobs; k--; job = job->next)
        ;
    memcpy(payload, job->j.id, 16);
}

static void put_le(uint8_t *p, int n, uint32_t v)
{
    int i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* One record of the input as one frame; returns the bytes it used. */
static size_t add_record(struct stream *s, const struct bitsd *d, const uint8_t *p, size_t n,
                         uint32_t seq)
{
    uint8_t hdr[BP_HEADER_SIZE], *payload;
    uint16_t type;
    size_t len;

    if (n < 3)
        return n;
    type = p[0];
    len = (size_t)p[1] | (size_t)p[2] << 8;
    if (len > n - 3)
        len = n - 3;
    payload = malloc(len ? len : 1);
    CHECK(payload);
    memcpy(payload, p + 3, len);
    if (has_job_id_first(type))
        patch_job_id(d, payload, len);
    put_le(hdr, 4, (uint32_t)(len + BP_HEADER_SIZE - 4));
    put_le(hdr + 4, 2, type);
    put_le(hdr + 6, 2, 0);
    put_le(hdr + 8, 4, seq);
    stream_add(s, hdr, sizeof(hdr));
    stream_add(s, payload, len);
    free(payload);
    return 3 + len;
}

/* ---- talking to the daemon ---- */

static int client_connect(void)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    CHECK(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    return fd;
}

/* The client's side of one connection. */
struct client {
    int fd;
    int eof;                    /* the daemon closed the connection */
    struct stream out;          /* bytes not yet sent */
    size_t out_off;
    struct stream in;           /* reply bytes not yet parsed */
    uint32_t awaiting;          /* seq of the request whose reply is due, 0 none */
    int raw;                    /* raw bytes sent: no telling what is a request */
};

/* Reads replies: every request gets exactly one, with its seq; seq 0 is
 * an event. */
static void client_read(struct client *cl)
{
    uint8_t buf[65536];
    ssize_t n;
    size_t off = 0;

    while ((n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        stream_add(&cl->in, buf, (size_t)n);
    if (n == 0)
        cl->eof = 1;
    while (cl->in.len - off >= BP_HEADER_SIZE) {
        uint32_t plen, seq;
        uint16_t type;

        CHECK(bp_parse_header(cl->in.data + off, &plen, &type, &seq) == 0);
        if (cl->in.len - off < BP_HEADER_SIZE + (size_t)plen)
            break;
        if (seq && !cl->raw) {
            CHECK(seq == cl->awaiting);
            CHECK(plen >= 4);
            cl->awaiting = 0;
        } else if (!seq && !cl->raw) {
            CHECK(type == BP_EVENT);
        }
        off += BP_HEADER_SIZE + (size_t)plen;
    }
    if (off) {
        memmove(cl->in.data, cl->in.data + off, cl->in.len - off);
        cl->in.len -= off;
    }
}

static void client_send(struct client *cl, size_t chunk)
{
    size_t want = cl->out.len - cl->out_off;
    ssize_t n;

    if (!want || cl->eof)
        return;
    if (chunk && want > chunk)
        want = chunk;
    n = send(cl->fd, cl->out.data + cl->out_off, want, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0)
        cl->out_off += (size_t)n;
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        cl->eof = 1;    /* the daemon dropped us */
    if (cl->out_off == cl->out.len)
        cl->out_off = cl->out.len = 0;
}

/* Runs the daemon's loop while the client sends its requests one after
 * the other (each after the reply to the one before, as qmgr does), then
 * closes.  The daemon must answer each request or drop the connection, and
 * must let go of the connection in the end; one that does neither hangs. */
static void converse(struct bitsd *d, const uint8_t *data, size_t size, uint8_t flags,
                     size_t chunk)
{
    struct client cl = { .fd = client_connect() };
    unsigned first_id = d->next_conn_id + 1, turns;
    uint32_t seq = 2;
    size_t off = 0;
    int shut = 0;

    if (flags & 1) {
        add_hello(&cl.out, flags & 2);
        cl.awaiting = 1;
    }
    if (flags & 4) {
        stream_add(&cl.out, data, size);
        off = size;
        cl.raw = 1;
        cl.awaiting = 0;
    }
    for (turns = 0; turns < MAX_TURNS; turns++) {
        if (!cl.eof && !cl.awaiting && !cl.out.len && off < size) {
            off += add_record(&cl.out, d, data + off, size - off, seq);
            if (cl.out.len)
                cl.awaiting = seq++;
        }
        client_send(&cl, chunk);
        if (!shut && !cl.awaiting && !cl.out.len && off == size) {
            shutdown(cl.fd, SHUT_WR);
            shut = 1;
        }
        control_run(d);
        sched_tick(d);
        client_read(&cl);
        if ((shut || cl.eof) && d->next_conn_id >= first_id && !d->conns)
            break;
    }
    if (turns == MAX_TURNS)
        fprintf(stderr, "fuzz_ipc: hung, awaiting reply %u, %zu bytes unsent\n",
                cl.awaiting, cl.out.len - cl.out_off);
    CHECK(turns < MAX_TURNS);
    free(cl.out.data);
    free(cl.in.data);
    close(cl.fd);
}

/* ---- after the conversation ---- */

static void quick_check(void)
{
    char *path = path_join(statedir, "jobs.db");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const unsigned char *text;

    CHECK(path);
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    text = sqlite3_column_text(st, 0);
    CHECK(text && !strcmp((const char *)text, "ok"));
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What a restart must give back: the values the programs set. */
static void check_same_job(const struct bp_job_info *a, const struct bp_job_info *b)
{
    uint32_t i;

    CHECK(!memcmp(a->id, b->id, 16));
    CHECK(a->type == b->type);
    CHECK(a->priority == b->priority);
    CHECK(same_str(a->display_name, b->display_name));
    CHECK(same_str(a->description, b->description));
    CHECK(same_str(a->owner, b->owner));
    CHECK(a->notify_flags == b->notify_flags);
    CHECK(same_str(a->notify_program, b->notify_program));
    CHECK(same_str(a->notify_parameters, b->notify_parameters));
    CHECK(a->min_retry_delay == b->min_retry_delay);
    CHECK(a->no_progress_timeout == b->no_progress_timeout);
    CHECK(a->proxy_usage == b->proxy_usage);
    CHECK(same_str(a->proxy_list, b->proxy_list));
    CHECK(same_str(a->proxy_bypass, b->proxy_bypass));
    CHECK(same_str(a->custom_headers, b->custom_headers));
    CHECK(same_str(a->http_method, b->http_method));
    CHECK(a->security_flags == b->security_flags);
    CHECK(a->file_count == b->file_count);
    for (i = 0; i < a->file_count; i++) {
        CHECK(same_str(a->files[i].remote_name, b->files[i].remote_name));
        CHECK(same_str(a->files[i].local_name, b->files[i].local_name));
        CHECK(a->files[i].range_count == b->files[i].range_count);
    }
}

struct snapshot {
    unsigned count;
    struct bp_job_info *jobs;
};

static void snapshot_take(const struct bitsd *d, struct snapshot *snap)
{
    const struct job *job;
    unsigned i = 0;

    snap->count = 0;
    for (job = d->jobs; job; job = job->next)
        snap->count++;
    snap->jobs = calloc(snap->count ? snap->count : 1, sizeof(*snap->jobs));
    CHECK(snap->jobs);
    for (job = d->jobs; job; job = job->next)
        CHECK(job_fill_info(job, &snap->jobs[i++]) == 0);
}

static void snapshot_free(struct snapshot *snap)
{
    unsigned i;

    for (i = 0; i < snap->count; i++)
        bp_job_info_free(&snap->jobs[i]);
    free(snap->jobs);
}

static void check_reload(const struct snapshot *before, const struct bitsd *d)
{
    struct snapshot after;
    unsigned i;

    snapshot_take(d, &after);
    CHECK(after.count == before->count);
    for (i = 0; i < after.count; i++)
        check_same_job(&before->jobs[i], &after.jobs[i]);
    snapshot_free(&after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct bitsd d;
    struct snapshot snap;

    if (!ready) {
        global_init();
        ready = 1;
    }
    if (size < 2)
        return 0;

    daemon_start(&d);
    d.listen_fd = listen_fd;
    converse(&d, data + 2, size - 2, data[0], data[1]);

    /* Nothing the peer did may have broken the store or lost a job. */
    snapshot_take(&d, &snap);
    d.listen_fd = -1;
    daemon_stop(&d);
    quick_check();
    daemon_start(&d);
    check_reload(&snap, &d);
    snapshot_free(&snap);
    daemon_stop(&d);
    remove_store();
    return 0;
}
