/*
 * Fault switches (set from the command line or GET /_control) and the
 * counters reported by GET /_stats.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct switches {
    int64_t drop_after;                 /* -1 = off */
    int64_t drop_download_after;        /* -1 = off */
    int fail_status;                    /* 0 = off */
    int fail_count;
    uint64_t max_fragment;              /* 0 = off */
    unsigned delay_final_ack_ms;
    int fail_create;                    /* 0 = off */
    char notify_url[URL_MAX];           /* "" = our own /app/digest */
    unsigned throttle_kbps;             /* 0 = full speed */
    unsigned delay_fragment_ms;
    unsigned delay_create_ms;
    unsigned delay_close_ms;
    struct auth_conf auth[2];           /* AUTH_SERVER, AUTH_PROXY */
};

/* Per-name counters ("completed/<name>", "stored/<name>") for tests that
 * must know how often one file was delivered. */
struct name_stat {
    struct name_stat *next;
    char key[NAME_MAX_LEN + 16];
    uint64_t value;
};

static pthread_mutex_t switch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct switches sw = { .drop_after = -1, .drop_download_after = -1 };
static uint64_t counters[STAT_COUNT];
static pthread_mutex_t name_lock = PTHREAD_MUTEX_INITIALIZER;
static struct name_stat *name_stats;

static const char *const stat_names[STAT_COUNT] = {
    [STAT_CONNECTIONS] = "connections",
    [STAT_REQUESTS] = "requests",
    [STAT_PINGS] = "pings",
    [STAT_SESSIONS_CREATED] = "sessions_created",
    [STAT_FRAGMENTS] = "fragments",
    [STAT_FRAGMENT_BYTES] = "fragment_bytes",
    [STAT_FRAGMENT_BYTES_RECEIVED] = "fragment_bytes_received",
    [STAT_CLOSES] = "closes",
    [STAT_CANCELS] = "cancels",
    [STAT_REPLIES_PRODUCED] = "replies_produced",
    [STAT_REPLIES_SERVED] = "replies_served",
    [STAT_NOTIFICATIONS] = "notifications",
    [STAT_NOTIFY_FAILURES] = "notify_failures",
    [STAT_SESSION_NOT_FOUND] = "session_not_found",
    [STAT_STATUS_400] = "status_400",
    [STAT_STATUS_416] = "status_416",
    [STAT_STATUS_413] = "status_413",
    [STAT_INJECTED_FAILURES] = "injected_failures",
    [STAT_DROPS] = "drops",
    [STAT_UPLOADS_STORED] = "uploads_stored",
    [STAT_FILES_SERVED] = "files_served",
    [STAT_PUTS] = "puts",
    [STAT_PUT_BYTES] = "put_bytes",
    [STAT_AUTH_CHALLENGES] = "auth_challenges",
    [STAT_PROXIED] = "proxied_requests",
    [STAT_FILE_BYTES_SENT] = "file_bytes_sent",
    [STAT_RANGE_REQUESTS] = "range_requests",
};

void stat_add(enum stat_id id, uint64_t n)
{
    __atomic_add_fetch(&counters[id], n, __ATOMIC_RELAXED);
}

void stat_name_add(const char *kind, const char *name)
{
    struct name_stat *n;
    char key[NAME_MAX_LEN + 16];

    snprintf(key, sizeof(key), "%s/%s", kind, name);
    pthread_mutex_lock(&name_lock);
    for (n = name_stats; n && strcmp(n->key, key); n = n->next)
        ;
    if (!n && (n = calloc(1, sizeof(*n)))) {
        snprintf(n->key, sizeof(n->key), "%s", key);
        n->next = name_stats;
        name_stats = n;
    }
    if (n)
        n->value++;
    pthread_mutex_unlock(&name_lock);
}

static int parse_number(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_status(const char *s, int *out)
{
    uint64_t v;

    if (parse_number(s, 599, &v) < 0 || (v != 0 && v < 100))
        return -1;
    *out = (int)v;
    return 0;
}

/* Applies one switch with switch_lock held. */
static int apply_locked(const char *name, const char *value)
{
    uint64_t v;

    if (!strcmp(name, "drop_after")) {
        if (parse_number(value, INT64_MAX, &v) < 0)
            return -1;
        sw.drop_after = (int64_t)v;
    } else if (!strcmp(name, "drop_download_after")) {
        if (parse_number(value, INT64_MAX, &v) < 0)
            return -1;
        sw.drop_download_after = (int64_t)v;
    } else if (!strcmp(name, "fail_fragments")) {
        if (parse_status(value, &sw.fail_status) < 0)
            return -1;
        if (sw.fail_status && sw.fail_count == 0)
            sw.fail_count = 1;
    } else if (!strcmp(name, "fail_count")) {
        if (parse_number(value, INT32_MAX, &v) < 0)
            return -1;
        sw.fail_count = (int)v;
    } else if (!strcmp(name, "max_fragment")) {
        if (parse_number(value, UINT64_MAX, &v) < 0)
            return -1;
        sw.max_fragment = v;
    } else if (!strcmp(name, "delay_final_ack_ms")) {
        if (parse_number(value, 3600u * 1000, &v) < 0)
            return -1;
        sw.delay_final_ack_ms = (unsigned)v;
    } else if (!strcmp(name, "fail_create")) {
        if (parse_status(value, &sw.fail_create) < 0)
            return -1;
    } else if (!strcmp(name, "notify_url")) {
        if (strlen(value) >= sizeof(sw.notify_url) ||
            (value[0] && strncmp(value, "http://", 7)))
            return -1;
        strcpy(sw.notify_url, value);
    } else if (!strcmp(name, "throttle_kbps")) {
        if (parse_number(value, 1u << 30, &v) < 0)
            return -1;
        sw.throttle_kbps = (unsigned)v;
    } else if (!strcmp(name, "delay_fragment_ms")) {
        if (parse_number(value, 3600u * 1000, &v) < 0)
            return -1;
        sw.delay_fragment_ms = (unsigned)v;
    } else if (!strcmp(name, "delay_create_ms")) {
        if (parse_number(value, 3600u * 1000, &v) < 0)
            return -1;
        sw.delay_create_ms = (unsigned)v;
    } else if (!strcmp(name, "delay_close_ms")) {
        if (parse_number(value, 3600u * 1000, &v) < 0)
            return -1;
        sw.delay_close_ms = (unsigned)v;
    } else if (!strcmp(name, "auth") || !strcmp(name, "proxy_auth")) {
        struct auth_conf *a = &sw.auth[name[0] == 'p' ? AUTH_PROXY : AUTH_SERVER];
        if (!strcmp(value, "none"))
            a->scheme = AUTH_NONE;
        else if (!strcmp(value, "basic"))
            a->scheme = AUTH_BASIC;
        else if (!strcmp(value, "digest"))
            a->scheme = AUTH_DIGEST;
        else if (!strcmp(value, "ntlm"))
            a->scheme = AUTH_NTLM;
        else if (!strcmp(value, "negotiate") && negotiate_available())
            a->scheme = AUTH_NEGOTIATE;
        else
            return -1;
    } else if (!strcmp(name, "auth_user") || !strcmp(name, "proxy_user")) {
        struct auth_conf *a = &sw.auth[name[0] == 'p' ? AUTH_PROXY : AUTH_SERVER];
        if (strlen(value) >= sizeof(a->user) || strchr(value, ':'))
            return -1;
        strcpy(a->user, value);
    } else if (!strcmp(name, "auth_password") || !strcmp(name, "proxy_password")) {
        struct auth_conf *a = &sw.auth[name[0] == 'p' ? AUTH_PROXY : AUTH_SERVER];
        if (strlen(value) >= sizeof(a->password))
            return -1;
        strcpy(a->password, value);
    } else if (!strcmp(name, "reset")) {
        if (strcmp(value, "1"))
            return strcmp(value, "0") ? -1 : 0;
        memset(&sw, 0, sizeof(sw));
        sw.drop_after = -1;
        sw.drop_download_after = -1;
    } else {
        return -1;
    }
    return 0;
}

int control_apply(const char *name, const char *value)
{
    int rc;

    if (!strcmp(name, "forget_sessions")) {
        /* Takes effect at once: the next packet of any session gets 0x8020001F. */
        if (strcmp(value, "1"))
            return strcmp(value, "0") ? -1 : 0;
        sessions_forget_all();
        return 0;
    }
    pthread_mutex_lock(&switch_lock);
    rc = apply_locked(name, value);
    pthread_mutex_unlock(&switch_lock);
    return rc;
}

int64_t switch_take_drop_after(void)
{
    int64_t n;

    pthread_mutex_lock(&switch_lock);
    n = sw.drop_after;
    sw.drop_after = -1;
    pthread_mutex_unlock(&switch_lock);
    return n;
}

int64_t switch_take_drop_download_after(void)
{
    int64_t n;

    pthread_mutex_lock(&switch_lock);
    n = sw.drop_download_after;
    sw.drop_download_after = -1;
    pthread_mutex_unlock(&switch_lock);
    return n;
}

int switch_take_fragment_failure(void)
{
    int status = 0;

    pthread_mutex_lock(&switch_lock);
    if (sw.fail_status && sw.fail_count > 0) {
        status = sw.fail_status;
        if (--sw.fail_count == 0)
            sw.fail_status = 0;
    }
    pthread_mutex_unlock(&switch_lock);
    return status;
}

uint64_t switch_max_fragment(void)
{
    uint64_t v;

    pthread_mutex_lock(&switch_lock);
    v = sw.max_fragment;
    pthread_mutex_unlock(&switch_lock);
    return v;
}

unsigned switch_delay_final_ack_ms(void)
{
    unsigned v;

    pthread_mutex_lock(&switch_lock);
    v = sw.delay_final_ack_ms;
    pthread_mutex_unlock(&switch_lock);
    return v;
}

int switch_fail_create(void)
{
    int v;

    pthread_mutex_lock(&switch_lock);
    v = sw.fail_create;
    pthread_mutex_unlock(&switch_lock);
    return v;
}

unsigned switch_delay_ms(enum delay_point which)
{
    unsigned v;

    pthread_mutex_lock(&switch_lock);
    v = which == DELAY_FRAGMENT ? sw.delay_fragment_ms
      : which == DELAY_CREATE ? sw.delay_create_ms : sw.delay_close_ms;
    pthread_mutex_unlock(&switch_lock);
    return v;
}

size_t switch_throttle_chunk(void)
{
    unsigned kbps;

    pthread_mutex_lock(&switch_lock);
    kbps = sw.throttle_kbps;
    pthread_mutex_unlock(&switch_lock);
    /* bytes per THROTTLE_TICK_MS */
    return kbps ? (size_t)kbps * 1024 * THROTTLE_TICK_MS / 1000 + 1 : 0;
}

void switch_auth(int target, struct auth_conf *out)
{
    pthread_mutex_lock(&switch_lock);
    *out = sw.auth[target];
    pthread_mutex_unlock(&switch_lock);
}

void switch_notify_url(char out[URL_MAX])
{
    pthread_mutex_lock(&switch_lock);
    if (sw.notify_url[0])
        snprintf(out, URL_MAX, "%s", sw.notify_url);
    else
        snprintf(out, URL_MAX, "http://127.0.0.1:%d/app/digest", config.port);
    pthread_mutex_unlock(&switch_lock);
}

void handle_control(struct request_ctx *ctx)
{
    char query[8192], *pair, *save = NULL;
    char msg[512];

    if (strlen(ctx->req->query) >= sizeof(query)) {
        http_send(ctx->conn, ctx->req, 400, NULL, "query too long\n", 15);
        return;
    }
    strcpy(query, ctx->req->query);
    for (pair = strtok_r(query, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        const char *value = eq ? eq + 1 : "1";

        if (eq)
            *eq = 0;
        if (http_percent_decode(pair) < 0 || (eq && http_percent_decode(eq + 1) < 0) ||
            control_apply(pair, value) < 0) {
            int n = snprintf(msg, sizeof(msg), "bad switch: %.400s\n", pair);
            http_send(ctx->conn, ctx->req, 400, "Content-Type: text/plain\r\n", msg, (size_t)n);
            return;
        }
        log_msg("control: %s=%s", pair, value);
    }
    http_send(ctx->conn, ctx->req, 200, "Content-Type: text/plain\r\n", "ok", 2);
}

void handle_stats(struct request_ctx *ctx)
{
    char text[16384];
    struct name_stat *ns;
    size_t len = 0;
    int i;

    for (i = 0; i < STAT_COUNT; i++) {
        int n = snprintf(text + len, sizeof(text) - len, "%s %llu\n", stat_names[i],
                         (unsigned long long)__atomic_load_n(&counters[i], __ATOMIC_RELAXED));
        if (n < 0 || (size_t)n >= sizeof(text) - len)
            break;
        len += (size_t)n;
    }
    pthread_mutex_lock(&name_lock);
    for (ns = name_stats; ns; ns = ns->next) {
        int n = snprintf(text + len, sizeof(text) - len, "%s %llu\n", ns->key,
                         (unsigned long long)ns->value);
        if (n < 0 || (size_t)n >= sizeof(text) - len)
            break;
        len += (size_t)n;
    }
    pthread_mutex_unlock(&name_lock);
    http_send(ctx->conn, ctx->req, 200, "Content-Type: text/plain\r\nCache-Control: no-store\r\n",
              text, len);
}

/* ---- last request headers (GET /_last_headers) ---- */

static pthread_mutex_t headers_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_headers[HTTP_HEAD_MAX];
static size_t last_headers_len;

void remember_headers(const struct http_request *r)
{
    size_t len = 0;
    int i, n0;

    pthread_mutex_lock(&headers_lock);
    /* the request line first, so a test sees the verb too */
    n0 = snprintf(last_headers, sizeof(last_headers), "%s %s\n", r->method, r->target);
    if (n0 > 0 && (size_t)n0 < sizeof(last_headers))
        len = (size_t)n0;
    for (i = 0; i < r->header_count; i++) {
        int n = snprintf(last_headers + len, sizeof(last_headers) - len, "%s: %s\n",
                         r->headers[i].name, r->headers[i].value);
        if (n < 0 || (size_t)n >= sizeof(last_headers) - len)
            break;
        len += (size_t)n;
    }
    last_headers_len = len;
    pthread_mutex_unlock(&headers_lock);
}

void handle_last_headers(struct request_ctx *ctx)
{
    static char copy[HTTP_HEAD_MAX];
    static pthread_mutex_t copy_lock = PTHREAD_MUTEX_INITIALIZER;
    size_t len;

    /* copied first: the answer must not hold headers_lock while sending */
    pthread_mutex_lock(&copy_lock);
    pthread_mutex_lock(&headers_lock);
    len = last_headers_len;
    memcpy(copy, last_headers, len);
    pthread_mutex_unlock(&headers_lock);
    http_send(ctx->conn, ctx->req, 200, "Content-Type: text/plain\r\nCache-Control: no-store\r\n",
              copy, len);
    pthread_mutex_unlock(&copy_lock);
}
