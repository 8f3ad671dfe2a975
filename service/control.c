/*
 * The IPC server: TCP on 127.0.0.1, frames as in bitsproto.h.
 *
 * Sockets are non-blocking.  Input is buffered per connection until a whole
 * frame is there; output is queued per connection and written when the
 * socket takes it, so a slow reader never holds up the loop.  A peer that
 * breaks the rules (first frame not a valid BP_HELLO, wrong token, frame
 * above BP_MAX_FRAME, payload that does not parse exactly) is dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bitsd.h"

#define READ_CHUNK      65536
#define READ_BUDGET     (1024 * 1024)           /* per connection and loop turn */
#define OUT_LIMIT       (64u * 1024 * 1024)     /* a reader this far behind is dropped */
#define MAX_CONNS       256

struct conn {
    struct conn *next;
    struct bitsd *d;
    int fd;
    unsigned id;
    int authed;
    int events;
    int dead;
    int close_after_flush;
    char *sid;
    uint8_t *in;
    size_t in_len, in_cap;
    uint8_t *out;
    size_t out_len, out_off, out_cap;
};

int conn_has_events(const struct conn *c)
{
    return c->events;
}

int control_listen(struct bitsd *d, unsigned *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd, one = 1;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        close(fd);
        return -1;
    }
    d->listen_fd = fd;
    *port = ntohs(sa.sin_port);
    return 0;
}

static void drop(struct conn *c, const char *why)
{
    if (!c->dead)
        log_warn("connection %u dropped: %s", c->id, why);
    c->dead = 1;
}

/* ---- output ---- */

static void flush_out(struct conn *c)
{
    while (!c->dead && c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                drop(c, strerror(errno));
            return;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        if (c->close_after_flush)
            c->dead = 1;
    }
}

static int queue_frame(struct conn *c, const struct bp_writer *w)
{
    size_t need;

    if (c->dead)
        return -1;
    if (c->out_off && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    need = c->out_len + w->len;
    if (need - c->out_off > OUT_LIMIT) {
        drop(c, "peer does not read its replies");
        return -1;
    }
    if (need > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        uint8_t *p;
        while (cap < need)
            cap *= 2;
        p = realloc(c->out, cap);
        if (!p) {
            drop(c, "out of memory");
            return -1;
        }
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, w->data, w->len);
    c->out_len += w->len;
    flush_out(c);
    return c->dead ? -1 : 0;
}

/* Sends a finished reply frame; a reply that could not be built becomes a
 * bare E_OUTOFMEMORY so the client is never left waiting. */
static void send_reply(struct conn *c, struct bp_writer *w, uint16_t type, uint32_t seq)
{
    bp_end_frame(w);
    if (w->failed) {
        bp_begin_frame(w, type, seq);
        bp_put_i32(w, E_OUTOFMEMORY);
        bp_end_frame(w);
    }
    if (!w->failed)
        queue_frame(c, w);
    bp_writer_free(w);
}

static void reply_hr(struct conn *c, uint16_t type, uint32_t seq, int32_t hr)
{
    struct bp_writer w;

    bp_writer_init(&w);
    bp_begin_frame(&w, type, seq);
    bp_put_i32(&w, hr);
    send_reply(c, &w, type, seq);
}

int control_send_event(struct conn *c, const uint8_t id[16], uint32_t event, uint32_t file)
{
    struct bp_writer w;
    int rc;

    if (c->dead || !c->events)
        return -1;
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_EVENT, 0);
    bp_put_guid(&w, id);
    bp_put_u32(&w, event);
    bp_put_u32(&w, file);
    bp_end_frame(&w);
    rc = w.failed ? -1 : queue_frame(c, &w);
    bp_writer_free(&w);
    return rc;
}

unsigned conn_id(const struct conn *c)
{
    return c->id;
}

static int send_cert_event(struct conn *c, const uint8_t id[16], uint32_t file,
                           const struct xfer_cert_chain *chain)
{
    struct bp_writer w;
    unsigned i;
    int rc;

    if (c->dead || !c->events || !chain->count)
        return -1;
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_EVENT, 0);
    bp_put_guid(&w, id);
    bp_put_u32(&w, BP_EVENT_SERVER_CERT);
    bp_put_u32(&w, file);
    bp_put_bytes(&w, chain->der[0], (uint32_t)chain->len[0]);
    bp_put_u32(&w, chain->count);
    for (i = 0; i < chain->count; i++)
        bp_put_bytes(&w, chain->der[i], (uint32_t)chain->len[i]);
    bp_end_frame(&w);
    rc = w.failed ? -1 : queue_frame(c, &w);
    bp_writer_free(&w);
    return rc;
}

unsigned control_send_cert_events(struct bitsd *d, const uint8_t id[16], uint32_t file,
                                  const struct xfer_cert_chain *chain, unsigned **ids)
{
    struct conn *c;
    unsigned n = 0, *grown;

    *ids = NULL;
    for (c = d->conns; c; c = c->next) {
        if (!c->events || c->dead)
            continue;
        if (!(grown = realloc(*ids, (n + 1) * sizeof(**ids))))
            break;
        *ids = grown;
        if (send_cert_event(c, id, file, chain) == 0)
            (*ids)[n++] = c->id;
    }
    return n;
}

/* ---- requests ---- */

/* Parsed fields of one request; freed in one place. */
struct req {
    uint8_t id[16];
    uint32_t a, b;
    int32_t hr;
    char *s1, *s2, *s3;
};

static void req_free(struct req *q)
{
    free(q->s1);
    free(q->s2);
    free(q->s3);
}

/* The whole payload must have been consumed, exactly. */
static int parsed(const struct bp_reader *r)
{
    return !r->failed && r->left == 0;
}

static int tokens_equal(const char *a, const char *b)
{
    unsigned char diff = 0;
    size_t i;

    if (!a || strlen(a) != BP_TOKEN_LEN)
        return 0;
    for (i = 0; i < BP_TOKEN_LEN; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static int do_hello(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    char *token = bp_get_str(r), *sid;
    uint32_t version = bp_get_u32(r), pid = bp_get_u32(r), flags;

    sid = bp_get_str(r);
    flags = bp_get_u32(r);
    if (!parsed(r) || !sid || !*sid) {
        free(token);
        free(sid);
        drop(c, "malformed hello");
        return -1;
    }
    if (!tokens_equal(token, c->d->token)) {
        free(token);
        free(sid);
        drop(c, "wrong token");
        return -1;
    }
    free(token);
    if (version != BP_VERSION) {
        free(sid);
        log_warn("connection %u: protocol version %u, expected %u", c->id, version, BP_VERSION);
        c->close_after_flush = 1;
        reply_hr(c, BP_HELLO, seq, BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH);
        return 0;
    }
    c->authed = 1;
    c->sid = sid;
    c->events = (flags & BP_HELLO_EVENTS) != 0;
    log_debug("connection %u: pid %u, owner %s%s", c->id, pid, sid, c->events ? ", events" : "");
    reply_hr(c, BP_HELLO, seq, S_OK);
    return 0;
}

static int do_create(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct bp_writer w;
    struct req q = {0};

    q.s1 = bp_get_str(r);
    q.a = bp_get_u32(r);
    if (!parsed(r)) {
        req_free(&q);
        return -1;
    }
    q.hr = jobs_create(c->d, c->sid, q.s1, q.a, q.id);
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_CREATE_JOB, seq);
    bp_put_i32(&w, q.hr);
    if (q.hr >= 0)
        bp_put_guid(&w, q.id);
    send_reply(c, &w, BP_CREATE_JOB, seq);
    req_free(&q);
    return 0;
}

static int do_get(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    uint8_t id[16];

    bp_get_guid(r, id);
    if (!parsed(r))
        return -1;
    reply_hr(c, BP_GET_JOB, seq, jobs_get(c->d, id));
    return 0;
}

static int do_enum(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    uint32_t flags = bp_get_u32(r), count, i;
    uint8_t (*ids)[16];
    struct bp_writer w;
    int32_t hr;

    if (!parsed(r))
        return -1;
    hr = jobs_enum(c->d, c->sid, flags, &ids, &count);
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_ENUM_JOBS, seq);
    bp_put_i32(&w, hr);
    if (hr >= 0) {
        bp_put_u32(&w, count);
        for (i = 0; i < count; i++)
            bp_put_guid(&w, ids[i]);
    }
    free(ids);
    send_reply(c, &w, BP_ENUM_JOBS, seq);
    return 0;
}

static int do_info(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct bp_job_info info;
    struct bp_writer w;
    uint8_t id[16];
    int32_t hr;

    bp_get_guid(r, id);
    if (!parsed(r))
        return -1;
    hr = jobs_info(c->d, id, &info);
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_JOB_INFO, seq);
    bp_put_i32(&w, hr);
    if (hr >= 0) {
        bp_put_job_info(&w, &info);
        bp_job_info_free(&info);
    }
    send_reply(c, &w, BP_JOB_INFO, seq);
    return 0;
}

/* Values of the newer interfaces' properties (bitsproto.h bp_job_prop). */
static void get_newer_set(struct bp_reader *r, struct job_set *set, struct req *q)
{
    switch (set->prop) {
    case BP_PROP_REMOTE_PREFIX:
        q->s1 = bp_get_str(r);
        q->s2 = bp_get_str(r);
        break;
    case BP_PROP_FILE_ACL_FLAGS:
    case BP_PROP_PEER_CACHING:
    case BP_PROP_MAX_DOWNLOAD_TIME:
    case BP_PROP_SECURITY_FLAGS:
    case BP_PROP_CERT_VALIDATION:
        set->u32 = bp_get_u32(r);
        break;
    case BP_PROP_CUSTOM_HEADERS:
        q->s1 = bp_get_str(r);
        break;
    case BP_PROP_CLIENT_CERT:
        set->sub = bp_get_u32(r);
        set->u32 = bp_get_u32(r);
        q->s1 = bp_get_str(r);
        set->bytes = bp_get_bytes(r, &set->bytes_len);
        q->s2 = bp_get_str(r);
        break;
    case BP_PROP_JOB5:
        set->sub = bp_get_u32(r);
        if (set->sub == BP_JOB5_NOTIFICATION_CLSID)
            bp_get_guid(r, set->guid);
        else if (set->sub == BP_JOB5_MAX_DOWNLOAD_SIZE)
            set->u64 = bp_get_u64(r);
        else
            set->u32 = bp_get_u32(r);
        break;
    case BP_PROP_HTTP_METHOD:
        q->s1 = bp_get_str(r);
        break;
    case BP_PROP_HEADERS_WRITE_ONLY:
        break;              /* no value */
    default:
        r->failed = 1;      /* the value cannot be parsed */
        break;
    }
}

static int do_set(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct job_set set = {0};
    struct req q = {0};
    int32_t hr;

    bp_get_guid(r, q.id);
    set.prop = bp_get_u32(r);
    switch (set.prop) {
    case BP_PROP_DISPLAY_NAME:
    case BP_PROP_DESCRIPTION:
        q.s1 = bp_get_str(r);
        break;
    case BP_PROP_PRIORITY:
    case BP_PROP_NOTIFY_FLAGS:
    case BP_PROP_MIN_RETRY_DELAY:
    case BP_PROP_NO_PROGRESS_TIMEOUT:
        set.u32 = bp_get_u32(r);
        break;
    case BP_PROP_NOTIFY_CMDLINE:
    case BP_PROP_REPLY_FILE_NAME:
        q.s1 = bp_get_str(r);
        q.s2 = bp_get_str(r);
        break;
    case BP_PROP_PROXY:
        set.u32 = bp_get_u32(r);
        q.s1 = bp_get_str(r);
        q.s2 = bp_get_str(r);
        break;
    default:
        get_newer_set(r, &set, &q);
        break;
    }
    if (!parsed(r)) {
        req_free(&q);
        return -1;
    }
    set.s1 = q.s1;
    set.s2 = q.s2;
    hr = jobs_set(c->d, q.id, &set);
    reply_hr(c, BP_JOB_SET, seq, hr);
    req_free(&q);
    return 0;
}

static int do_add_file(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};

    bp_get_guid(r, q.id);
    q.s1 = bp_get_str(r);
    q.s2 = bp_get_str(r);
    q.s3 = bp_get_str(r);
    if (!parsed(r)) {
        req_free(&q);
        return -1;
    }
    reply_hr(c, BP_ADD_FILE, seq, jobs_add_file(c->d, q.id, q.s1, q.s2, q.s3));
    req_free(&q);
    return 0;
}

static int do_add_file_ranges(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct bp_range *ranges = NULL;
    struct req q = {0};
    uint32_t n, i;

    bp_get_guid(r, q.id);
    q.s1 = bp_get_str(r);
    q.s2 = bp_get_str(r);
    q.s3 = bp_get_str(r);
    n = bp_get_u32(r);
    if (!r->failed && n <= r->left / 16 && n)
        ranges = calloc(n, sizeof(*ranges));
    if (n > r->left / 16 || (n && !ranges))
        r->failed = 1;
    for (i = 0; i < n && !r->failed; i++) {
        ranges[i].offset = bp_get_u64(r);
        ranges[i].length = bp_get_u64(r);
    }
    if (!parsed(r)) {
        free(ranges);
        req_free(&q);
        return -1;
    }
    reply_hr(c, BP_ADD_FILE_RANGES, seq,
             jobs_add_file_ranges(c->d, q.id, q.s1, q.s2, q.s3, ranges, n));
    free(ranges);
    req_free(&q);
    return 0;
}

static int do_file_set(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};
    uint32_t value = 0;

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    q.b = bp_get_u32(r);
    if (q.b == BP_FILE_PROP_REMOTE_NAME)
        q.s1 = bp_get_str(r);
    else if (q.b == BP_FILE_PROP_VALIDATION_STATE)
        value = bp_get_u32(r);
    else
        r->failed = 1;
    if (!parsed(r)) {
        req_free(&q);
        return -1;
    }
    reply_hr(c, BP_FILE_SET, seq, jobs_file_set(c->d, q.id, q.a, q.b, value, q.s1));
    req_free(&q);
    return 0;
}

static int do_file_get(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct bp_writer w;
    struct req q = {0};
    char *value;
    int32_t hr;

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    q.b = bp_get_u32(r);
    if (!parsed(r))
        return -1;
    hr = jobs_file_get(c->d, q.id, q.a, q.b, &value);
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_FILE_GET, seq);
    bp_put_i32(&w, hr);
    if (hr >= 0)
        bp_put_str(&w, value);
    free(value);
    send_reply(c, &w, BP_FILE_GET, seq);
    return 0;
}

static int do_action(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    if (q.a == BP_ACTION_TAKE_OWNERSHIP)
        q.s1 = bp_get_str(r);
    if (!parsed(r)) {
        req_free(&q);
        return -1;
    }
    reply_hr(c, BP_JOB_ACTION, seq, jobs_action(c->d, q.id, q.a, q.s1));
    req_free(&q);
    return 0;
}

static int do_reply_data(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct bp_writer w;
    uint8_t id[16], *data;
    uint64_t len;
    int32_t hr;

    bp_get_guid(r, id);
    if (!parsed(r))
        return -1;
    hr = jobs_reply_data(c->d, id, &data, &len);
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_GET_REPLY_DATA, seq);
    bp_put_i32(&w, hr);
    if (hr >= 0) {
        bp_put_u64(&w, data ? len : 0);
        bp_put_bytes(&w, data, (uint32_t)len);
    } else if (hr == BG_E_TOO_LARGE) {
        bp_put_u64(&w, len);
        bp_put_bytes(&w, "", 0);
    }
    free(data);
    send_reply(c, &w, BP_GET_REPLY_DATA, seq);
    return 0;
}

static int do_set_creds(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    q.b = bp_get_u32(r);
    q.s1 = bp_get_str(r);
    q.s2 = bp_get_str(r);
    if (!parsed(r)) {
        req_free(&q);
        return -1;
    }
    reply_hr(c, BP_SET_CREDENTIALS, seq, jobs_set_credentials(c->d, q.id, q.a, q.b, q.s1, q.s2));
    if (q.s2)
        memset(q.s2, 0, strlen(q.s2));
    req_free(&q);
    return 0;
}

static int do_remove_creds(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    q.b = bp_get_u32(r);
    if (!parsed(r))
        return -1;
    reply_hr(c, BP_REMOVE_CREDENTIALS, seq, jobs_remove_credentials(c->d, q.id, q.a, q.b));
    return 0;
}

static int do_set_client_key(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    const uint8_t *cert, *key;
    uint32_t cert_len, key_len;
    uint8_t id[16];
    struct job *job;

    bp_get_guid(r, id);
    cert = bp_get_bytes(r, &cert_len);
    key = bp_get_bytes(r, &key_len);
    if (!parsed(r))
        return -1;
    job = jobs_find(c->d, id);
    reply_hr(c, BP_SET_CLIENT_KEY, seq,
             job ? job_set_client_key(job, cert, cert_len, key, key_len) : BG_E_NOT_FOUND);
    return 0;
}

static int do_subscribe(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    if (!parsed(r))
        return -1;
    reply_hr(c, BP_SUBSCRIBE, seq, notify_subscribe(c->d, c, q.id, q.a != 0));
    return 0;
}

static int do_event_result(struct conn *c, struct bp_reader *r, uint32_t seq)
{
    struct req q = {0};

    bp_get_guid(r, q.id);
    q.a = bp_get_u32(r);
    q.hr = bp_get_i32(r);
    if (!parsed(r))
        return -1;
    reply_hr(c, BP_EVENT_RESULT, seq, S_OK);
    notify_result(c->d, c, q.id, q.a, q.hr);
    return 0;
}

static void dispatch(struct conn *c, uint16_t type, uint32_t seq, const uint8_t *p, size_t n)
{
    struct bp_reader r;
    int rc;

    bp_reader_init(&r, p, n);
    if (!c->authed) {
        if (type != BP_HELLO)
            drop(c, "first frame is not a hello");
        else
            do_hello(c, &r, seq);
        return;
    }
    switch (type) {
    case BP_CREATE_JOB: rc = do_create(c, &r, seq); break;
    case BP_GET_JOB: rc = do_get(c, &r, seq); break;
    case BP_ENUM_JOBS: rc = do_enum(c, &r, seq); break;
    case BP_JOB_INFO: rc = do_info(c, &r, seq); break;
    case BP_JOB_SET: rc = do_set(c, &r, seq); break;
    case BP_ADD_FILE: rc = do_add_file(c, &r, seq); break;
    case BP_JOB_ACTION: rc = do_action(c, &r, seq); break;
    case BP_GET_REPLY_DATA: rc = do_reply_data(c, &r, seq); break;
    case BP_SET_CREDENTIALS: rc = do_set_creds(c, &r, seq); break;
    case BP_REMOVE_CREDENTIALS: rc = do_remove_creds(c, &r, seq); break;
    case BP_SET_CLIENT_KEY: rc = do_set_client_key(c, &r, seq); break;
    case BP_SUBSCRIBE: rc = do_subscribe(c, &r, seq); break;
    case BP_EVENT_RESULT: rc = do_event_result(c, &r, seq); break;
    case BP_ADD_FILE_RANGES: rc = do_add_file_ranges(c, &r, seq); break;
    case BP_FILE_SET: rc = do_file_set(c, &r, seq); break;
    case BP_FILE_GET: rc = do_file_get(c, &r, seq); break;
    default: rc = -1; break;
    }
    if (rc < 0)
        drop(c, "malformed or unknown request");
}

/* ---- input ---- */

static int ensure_in(struct conn *c, size_t need)
{
    uint8_t *p;
    size_t cap;

    if (need <= c->in_cap)
        return 0;
    cap = c->in_cap ? c->in_cap : READ_CHUNK;
    while (cap < need)
        cap *= 2;
    p = realloc(c->in, cap);
    if (!p)
        return -1;
    c->in = p;
    c->in_cap = cap;
    return 0;
}

/* Handles every complete frame in the input buffer. */
static void handle_frames(struct conn *c)
{
    size_t off = 0;

    while (!c->dead && !c->close_after_flush && c->in_len - off >= BP_HEADER_SIZE) {
        uint32_t plen, seq;
        uint16_t type;

        if (bp_parse_header(c->in + off, &plen, &type, &seq) < 0) {
            drop(c, "bad frame length");
            return;
        }
        if (c->in_len - off < BP_HEADER_SIZE + (size_t)plen)
            break;
        dispatch(c, type, seq, c->in + off + BP_HEADER_SIZE, plen);
        off += BP_HEADER_SIZE + (size_t)plen;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
}

static void read_conn(struct conn *c)
{
    size_t budget = READ_BUDGET;

    while (!c->dead && budget) {
        ssize_t n;

        if (ensure_in(c, c->in_len + READ_CHUNK) < 0) {
            drop(c, "out of memory");
            return;
        }
        n = recv(c->fd, c->in + c->in_len, READ_CHUNK, MSG_DONTWAIT);
        if (n == 0) {
            c->dead = 1;    /* orderly close */
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                drop(c, strerror(errno));
            return;
        }
        c->in_len += (size_t)n;
        budget = (size_t)n < budget ? budget - (size_t)n : 0;
        handle_frames(c);
    }
}

static void accept_conns(struct bitsd *d)
{
    unsigned count = 0;
    struct conn *c;
    int fd, one = 1;

    for (c = d->conns; c; c = c->next)
        count++;
    for (;;) {
        fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (count >= MAX_CONNS) {
            log_warn("too many connections");
            close(fd);
            continue;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->d = d;
        c->fd = fd;
        c->id = ++d->next_conn_id;
        c->next = d->conns;
        d->conns = c;
        count++;
        log_debug("connection %u accepted", c->id);
    }
}

static void conn_free(struct bitsd *d, struct conn *c)
{
    notify_conn_gone(d, c);
    certcb_conn_gone(d, c);
    close(c->fd);
    free(c->sid);
    free(c->in);
    free(c->out);
    free(c);
}

static void sweep(struct bitsd *d)
{
    struct conn **p = &d->conns, *c;

    while ((c = *p)) {
        if (c->dead) {
            *p = c->next;
            conn_free(d, c);
        } else {
            p = &c->next;
        }
    }
}

unsigned control_fds(struct bitsd *d, struct curl_waitfd *fds, unsigned max)
{
    struct conn *c;
    unsigned n = 0;

    if (d->listen_fd >= 0 && n < max) {
        fds[n].fd = d->listen_fd;
        fds[n].events = CURL_WAIT_POLLIN;
        fds[n++].revents = 0;
    }
    for (c = d->conns; c && n < max; c = c->next) {
        fds[n].fd = c->fd;
        fds[n].events = CURL_WAIT_POLLIN | (c->out_len > c->out_off ? CURL_WAIT_POLLOUT : 0);
        fds[n++].revents = 0;
    }
    return n;
}

void control_run(struct bitsd *d)
{
    struct pollfd pfd[MAX_CONNS + 1];
    struct conn *c, *conn_at[MAX_CONNS + 1];
    nfds_t n = 0, i;

    /* Our own zero-timeout poll: the engine's wait may not report revents. */
    if (d->listen_fd >= 0) {
        pfd[n].fd = d->listen_fd;
        pfd[n].events = POLLIN;
        conn_at[n++] = NULL;
    }
    for (c = d->conns; c && n < MAX_CONNS + 1; c = c->next) {
        pfd[n].fd = c->fd;
        pfd[n].events = POLLIN | (c->out_len > c->out_off ? POLLOUT : 0);
        conn_at[n++] = c;
    }
    if (poll(pfd, n, 0) > 0) {
        for (i = 0; i < n; i++) {
            c = conn_at[i];
            if (!c) {
                if (pfd[i].revents & POLLIN)
                    accept_conns(d);
                continue;
            }
            if (pfd[i].revents & POLLOUT)
                flush_out(c);
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                read_conn(c);
        }
    }
    sweep(d);
}

void control_close_all(struct bitsd *d)
{
    struct conn *c;

    while ((c = d->conns)) {
        d->conns = c->next;
        conn_free(d, c);
    }
    if (d->listen_fd >= 0)
        close(d->listen_fd);
    d->listen_fd = -1;
}
