/*
 * HTTP helpers for the transfer engine.  See httputil.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "httputil.h"

#define HTTP_USER_AGENT         "Microsoft BITS/7.8"
#define HTTP_CONNECT_TIMEOUT    60L     /* seconds */
#define HTTP_STALL_TIME         120L    /* seconds below 1 byte/s = dead connection */
#define HTTP_MAX_REDIRECTS      10L

/* ---- response header capture ---- */

static void free_headers(struct http_op *op)
{
    struct http_hdr *h, *next;

    for (h = op->headers; h; h = next) {
        next = h->next;
        free(h);
    }
    op->headers = NULL;
    op->header_bytes = 0;
}

static void trim_span(const char **start, const char **end)
{
    while (*start < *end && isspace((unsigned char)**start))
        (*start)++;
    while (*end > *start && isspace((unsigned char)(*end)[-1]))
        (*end)--;
}

/* A status line starts a new response (a redirect, an auth round trip, a
 * 100 Continue): only the headers of the last one describe the answer. */
static void take_status_line(struct http_op *op, const char *line, size_t len)
{
    const char *p = memchr(line, ' ', len);

    free_headers(op);
    op->status = 0;
    if (p && (size_t)(p - line) + 4 <= len)
        op->status = strtol(p + 1, NULL, 10);
}

static void take_header_line(struct http_op *op, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    const char *name = line, *name_end, *value, *value_end = line + len;
    struct http_hdr *h;
    size_t name_len, value_len;

    if (!colon || colon == line)
        return;
    name_end = colon;
    value = colon + 1;
    trim_span(&name, &name_end);
    trim_span(&value, &value_end);
    name_len = (size_t)(name_end - name);
    value_len = (size_t)(value_end - value);
    if (op->header_bytes + name_len + value_len > HTTP_HEADERS_MAX_BYTES)
        return;
    h = malloc(sizeof(*h) + name_len + value_len + 2);
    if (!h)
        return;
    memcpy(h->name, name, name_len);
    h->name[name_len] = 0;
    h->value = h->name + name_len + 1;
    memcpy(h->value, value, value_len);
    h->value[value_len] = 0;
    h->next = op->headers;
    op->headers = h;
    op->header_bytes += name_len + value_len;
}

static size_t header_cb(char *data, size_t size, size_t nitems, void *userdata)
{
    struct http_op *op = userdata;
    size_t len = size * nitems;

    if (len >= 5 && !strncmp(data, "HTTP/", 5))
        take_status_line(op, data, len);
    else if (len > 2)
        take_header_line(op, data, len);
    return len;
}

static size_t discard_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    return size * nmemb;
}

const char *http_op_response_header(const struct http_op *op, const char *name)
{
    const struct http_hdr *h;

    for (h = op->headers; h; h = h->next)
        if (!strcasecmp(h->name, name))
            return h->value;
    return NULL;
}

/* ---- request lifecycle ---- */

void http_op_init(struct http_op *op, CURLM *multi, void *owner)
{
    memset(op, 0, sizeof(*op));
    op->multi = multi;
    op->owner = owner;
}

void http_op_cancel(struct http_op *op)
{
    if (op->active) {
        curl_multi_remove_handle(op->multi, op->easy);
        op->active = 0;
    }
}

void http_op_cleanup(struct http_op *op)
{
    http_op_cancel(op);
    if (op->easy)
        curl_easy_cleanup(op->easy);
    op->easy = NULL;
    curl_slist_free_all(op->req_headers);
    op->req_headers = NULL;
    free_headers(op);
}

static long auth_bit(int scheme)
{
    switch (scheme) {
    case BP_AUTH_BASIC: return CURLAUTH_BASIC;
    case BP_AUTH_DIGEST: return CURLAUTH_DIGEST;
    case BP_AUTH_NTLM: return CURLAUTH_NTLM;
    case BP_AUTH_NEGOTIATE: return CURLAUTH_NEGOTIATE;
    default: return 0;     /* Passport: no HTTP equivalent left */
    }
}

/* libcurl holds one user name per target: the first credential for the
 * target supplies it, and every scheme given for the target is allowed. */
static void apply_credentials(CURL *easy, const struct http_conf *conf, int target)
{
    const struct xfer_credential *chosen = NULL;
    long mask = 0;
    unsigned i;

    for (i = 0; i < conf->n_creds; i++) {
        const struct xfer_credential *c = &conf->creds[i];
        long bit = auth_bit(c->scheme);

        if (c->target != target || !bit)
            continue;
        mask |= bit;
        if (!chosen)
            chosen = c;
    }
    if (!chosen)
        return;
    if (target == BP_AUTH_TARGET_SERVER) {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, mask);
        curl_easy_setopt(easy, CURLOPT_USERNAME, chosen->user ? chosen->user : "");
        curl_easy_setopt(easy, CURLOPT_PASSWORD, chosen->password ? chosen->password : "");
    } else {
        curl_easy_setopt(easy, CURLOPT_PROXYAUTH, mask);
        curl_easy_setopt(easy, CURLOPT_PROXYUSERNAME, chosen->user ? chosen->user : "");
        curl_easy_setopt(easy, CURLOPT_PROXYPASSWORD, chosen->password ? chosen->password : "");
    }
}

static int is_list_sep(char c)
{
    return c == ';' || c == ',' || isspace((unsigned char)c);
}

/* Picks the proxy for 'url' from a Windows proxy list: entries separated by
 * spaces or semicolons, either "host:port" (any scheme) or
 * "scheme=host:port".  Returns a malloc'd string or NULL. */
static char *pick_proxy(const char *list, const char *url)
{
    const char *colon = strchr(url, ':');
    size_t scheme_len = colon ? (size_t)(colon - url) : 0;
    const char *p = list;

    while (p && *p) {
        const char *start, *end, *eq;

        while (*p && is_list_sep(*p))
            p++;
        start = p;
        while (*p && !is_list_sep(*p))
            p++;
        end = p;
        if (start == end)
            break;
        eq = memchr(start, '=', (size_t)(end - start));
        if (!eq)
            return strndup(start, (size_t)(end - start));
        if ((size_t)(eq - start) == scheme_len && !strncasecmp(start, url, scheme_len))
            return strndup(eq + 1, (size_t)(end - eq - 1));
    }
    return NULL;
}

/* Windows bypass list ("host;*.domain;<local>") to libcurl's NOPROXY
 * ("host,domain,localhost,127.0.0.1").  Returns a malloc'd string. */
static char *bypass_to_noproxy(const char *bypass)
{
    size_t cap = strlen(bypass) * 2 + 64, len = 0;
    char *out = malloc(cap);
    const char *p = bypass;

    if (!out)
        return NULL;
    out[0] = 0;
    while (*p) {
        const char *start, *end;

        while (*p && is_list_sep(*p))
            p++;
        start = p;
        while (*p && !is_list_sep(*p))
            p++;
        end = p;
        if (start == end)
            break;
        if (end - start == 7 && !strncasecmp(start, "<local>", 7)) {
            start = "localhost,127.0.0.1,::1";
            end = start + strlen(start);
        }
        while (start < end && (*start == '*' || *start == '.'))
            start++;       /* libcurl matches a domain and its subdomains */
        if (start == end)
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "," : "",
                                (int)(end - start), start);
    }
    return out;
}

static int apply_proxy(CURL *easy, const struct http_conf *conf, const char *url)
{
    char *proxy, *noproxy;

    switch (conf->proxy_usage) {
    case BP_PROXY_NO_PROXY:
        curl_easy_setopt(easy, CURLOPT_PROXY, "");
        curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
        return 0;
    case BP_PROXY_OVERRIDE:
        proxy = conf->proxy_list ? pick_proxy(conf->proxy_list, url) : NULL;
        curl_easy_setopt(easy, CURLOPT_PROXY, proxy ? proxy : "");
        free(proxy);
        if (conf->proxy_bypass) {
            noproxy = bypass_to_noproxy(conf->proxy_bypass);
            if (!noproxy)
                return -1;
            curl_easy_setopt(easy, CURLOPT_NOPROXY, noproxy);
            free(noproxy);
        }
        return 0;
    default:
        /* PRECONFIG and AUTODETECT: libcurl's default, the *_proxy variables. */
        return 0;
    }
}

/* BG_SSL_IGNORE_*: libcurl has one switch for the chain (unknown CA, dates,
 * usage) and one for the name; BG_SSL_ENABLE_CRL_CHECK has no libcurl
 * counterpart without a CRL file and is left to the TLS library. */
static void apply_security(CURL *e, const struct http_conf *conf)
{
    uint32_t f = conf->security_flags;

    if (f & (HTTP_SSL_IGNORE_UNKNOWN_CA | HTTP_SSL_IGNORE_DATE_INVALID | HTTP_SSL_IGNORE_WRONG_USAGE))
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    if (f & HTTP_SSL_IGNORE_CN_INVALID)
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, http_follows_redirects(conf) ? 1L : 0L);
}

/* SetCustomHeaders text: each line "Name: value", ended by CR/LF; empty
 * lines are skipped, a line without a colon is not a header and skipped. */
static int apply_custom_headers(struct http_op *op, const char *text)
{
    const char *p = text, *end;
    struct curl_slist *l;
    char *line;

    while (p && *p) {
        end = p + strcspn(p, "\r\n");
        if (end > p && memchr(p, ':', (size_t)(end - p))) {
            line = strndup(p, (size_t)(end - p));
            if (!line)
                return -1;
            l = curl_slist_append(op->req_headers, line);
            free(line);
            if (!l)
                return -1;
            op->req_headers = l;
        }
        p = end + strspn(end, "\r\n");
    }
    return 0;
}

int http_op_prepare(struct http_op *op, const char *url, const struct http_conf *conf)
{
    CURL *e;

    http_op_cancel(op);
    if (!op->easy) {
        op->easy = curl_easy_init();
        if (!op->easy)
            return -1;
    } else {
        curl_easy_reset(op->easy);
    }
    curl_slist_free_all(op->req_headers);
    op->req_headers = NULL;
    free_headers(op);
    op->status = 0;
    op->errbuf[0] = 0;
    e = op->easy;

    if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK)
        return -1;
    curl_easy_setopt(e, CURLOPT_PRIVATE, op);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, op->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, op);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, HTTP_STALL_TIME);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRECTS);
    /* Certificate checks stay at libcurl's default: on. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (conf) {
        apply_credentials(e, conf, BP_AUTH_TARGET_SERVER);
        apply_credentials(e, conf, BP_AUTH_TARGET_PROXY);
        if (apply_proxy(e, conf, url) < 0)
            return -1;
        apply_security(e, conf);
        if (apply_custom_headers(op, conf->custom_headers) < 0)
            return -1;
    }
    return 0;
}

int http_follows_redirects(const struct http_conf *conf)
{
    return !conf || (conf->security_flags & HTTP_REDIRECT_POLICY_MASK) != HTTP_REDIRECT_DISALLOW;
}

char *http_op_headers_text(const struct http_op *op)
{
    const struct http_hdr *h;
    size_t len = 32;
    char *text, *p;

    if (!op->status)
        return NULL;
    for (h = op->headers; h; h = h->next)
        len += strlen(h->name) + strlen(h->value) + 4;
    text = malloc(len);
    if (!text)
        return NULL;
    p = text + sprintf(text, "HTTP/1.1 %ld\r\n", op->status);
    for (h = op->headers; h; h = h->next)
        p += sprintf(p, "%s: %s\r\n", h->name, h->value);
    return text;
}

int http_op_header(struct http_op *op, const char *fmt, ...)
{
    struct curl_slist *l;
    char line[4096 + 128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    l = curl_slist_append(op->req_headers, line);
    if (!l)
        return -1;
    op->req_headers = l;
    return 0;
}

int http_op_start(struct http_op *op, http_done_fn done)
{
    op->done = done;
    curl_easy_setopt(op->easy, CURLOPT_HTTPHEADER, op->req_headers);
    if (curl_multi_add_handle(op->multi, op->easy) != CURLM_OK)
        return -1;
    op->active = 1;
    return 0;
}

void http_op_finished(struct http_op *op, CURLcode rc)
{
    long code = 0;

    http_op_cancel(op);
    /* Our own status parse sees every head; libcurl's is the authority for
     * the final one. */
    if (curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code)
        op->status = code;
    op->done(op, rc);
}

/* ---- URLs ---- */

static int set_host_port(CURLU *u, const char *host)
{
    char name[512];
    const char *port = NULL;
    const char *colon = strrchr(host, ':');
    size_t len = strlen(host);

    if (host[0] == '[') {
        const char *close = strchr(host, ']');

        if (!close)
            return -1;
        len = (size_t)(close - host) + 1;
        if (close[1] == ':')
            port = close + 2;
    } else if (colon && colon == strchr(host, ':')) {
        len = (size_t)(colon - host);
        port = colon + 1;
    } else if (colon) {
        /* Bare IPv6 literal. */
        if (len + 3 > sizeof(name))
            return -1;
        snprintf(name, sizeof(name), "[%s]", host);
        return curl_url_set(u, CURLUPART_HOST, name, 0) == CURLUE_OK ? 0 : -1;
    }
    if (len == 0 || len >= sizeof(name))
        return -1;
    memcpy(name, host, len);
    name[len] = 0;
    if (curl_url_set(u, CURLUPART_HOST, name, 0) != CURLUE_OK)
        return -1;
    if (port && *port && curl_url_set(u, CURLUPART_PORT, port, 0) != CURLUE_OK)
        return -1;
    return 0;
}

char *http_url_with_host(const char *url, const char *host)
{
    CURLU *u = curl_url();
    char *tmp = NULL, *out = NULL;

    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && set_host_port(u, host) == 0
        && curl_url_get(u, CURLUPART_URL, &tmp, 0) == CURLUE_OK) {
        out = strdup(tmp);
    }
    curl_free(tmp);
    curl_url_cleanup(u);
    return out;
}

char *http_url_resolve(const char *base, const char *ref)
{
    CURLU *u = curl_url();
    char *tmp = NULL, *out = NULL;

    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK
        && curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_URL, &tmp, 0) == CURLUE_OK) {
        out = strdup(tmp);
    }
    curl_free(tmp);
    curl_url_cleanup(u);
    return out;
}

/* ---- header values ---- */

static const char *parse_digits(const char *p, uint64_t *out)
{
    uint64_t v = 0;

    if (!isdigit((unsigned char)*p))
        return NULL;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');

        if (v > (UINT64_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
    }
    *out = v;
    return p;
}

int http_parse_u64(const char *s, uint64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    s = parse_digits(s, out);
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    return *s ? -1 : 0;
}

int http_parse_content_range(const char *s, uint64_t *first, uint64_t *last, uint64_t *total)
{
    while (isspace((unsigned char)*s))
        s++;
    if (strncasecmp(s, "bytes", 5))
        return -1;
    s += 5;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '*') {
        *first = *last = BP_SIZE_UNKNOWN;
        s++;
    } else {
        if (!(s = parse_digits(s, first)) || *s++ != '-' || !(s = parse_digits(s, last)))
            return -1;
        if (*last < *first)
            return -1;
    }
    if (*s++ != '/')
        return -1;
    if (*s == '*') {
        *total = BP_SIZE_UNKNOWN;
        s++;
    } else if (!(s = parse_digits(s, total))) {
        return -1;
    }
    while (isspace((unsigned char)*s))
        s++;
    return *s ? -1 : 0;
}

/* ---- the error table ---- */

static const struct curl_rule {
    CURLcode rc;
    int32_t hr;
    int transient;
} curl_rules[] = {
    { CURLE_COULDNT_RESOLVE_HOST,       BG_E_NAME_RESOLUTION_FAILURE,   1 },
    { CURLE_COULDNT_RESOLVE_PROXY,      BG_E_PROXY_NAME_RESOLUTION_FAILURE, 1 },
    { CURLE_COULDNT_CONNECT,            BG_E_CONNECT_FAILURE,           1 },
    { CURLE_OPERATION_TIMEDOUT,         BG_E_TIMEOUT,                   1 },
    { CURLE_SEND_ERROR,                 BG_E_SEND_FAILURE,              1 },
    { CURLE_RECV_ERROR,                 BG_E_RECEIVE_FAILURE,           1 },
    { CURLE_GOT_NOTHING,                BG_E_CONNECTION_CLOSED,         1 },
    { CURLE_PARTIAL_FILE,               BG_E_CONNECTION_CLOSED,         1 },
    { CURLE_PROXY,                      BG_E_CONNECT_FAILURE,           1 },
    { CURLE_SSL_CONNECT_ERROR,          BG_E_SECURE_CHANNEL_FAILURE,    1 },
    { CURLE_SSL_CIPHER,                 BG_E_SECURE_CHANNEL_FAILURE,    1 },
    { CURLE_SSL_SHUTDOWN_FAILED,        BG_E_SECURE_CHANNEL_FAILURE,    1 },
    { CURLE_USE_SSL_FAILED,             BG_E_SECURE_CHANNEL_FAILURE,    1 },
    /* A certificate that does not verify will not verify on retry. */
    { CURLE_PEER_FAILED_VERIFICATION,   BG_E_TRUST_FAILURE,             0 },
    { CURLE_SSL_CACERT_BADFILE,         BG_E_TRUST_FAILURE,             0 },
    { CURLE_SSL_ISSUER_ERROR,           BG_E_TRUST_FAILURE,             0 },
    { CURLE_SSL_CRL_BADFILE,            BG_E_TRUST_FAILURE,             0 },
    { CURLE_SSL_PINNEDPUBKEYNOTMATCH,   BG_E_TRUST_FAILURE,             0 },
    { CURLE_SSL_INVALIDCERTSTATUS,      BG_E_TRUST_FAILURE,             0 },
    { CURLE_SSL_CERTPROBLEM,            BG_E_TRUST_FAILURE,             0 },
    { CURLE_WEIRD_SERVER_REPLY,         BG_E_INSUFFICIENT_HTTP_SUPPORT, 1 },
    { CURLE_UNSUPPORTED_PROTOCOL,       E_INVALIDARG,                   0 },
    { CURLE_URL_MALFORMAT,              E_INVALIDARG,                   0 },
    { CURLE_TOO_MANY_REDIRECTS,         BG_E_INVALID_SERVER_RESPONSE,   0 },
    { CURLE_LOGIN_DENIED,               BP_HTTP_ERROR(401),             0 },
    { CURLE_OUT_OF_MEMORY,              E_OUTOFMEMORY,                  1 },
};

void http_error_from_curl(CURLcode rc, struct http_error *err)
{
    size_t i;

    err->hr = BG_E_UNKNOWN_ERROR;
    err->context = BP_CONTEXT_GENERAL_TRANSPORT;
    err->transient = 1;
    for (i = 0; i < sizeof(curl_rules) / sizeof(curl_rules[0]); i++) {
        if (curl_rules[i].rc == rc) {
            err->hr = curl_rules[i].hr;
            err->transient = curl_rules[i].transient;
            return;
        }
    }
}

/* Status ranges that end a job (everything else is retried), per context.
 * REMOTE_APPLICATION follows the IIS mapping for server applications
 * (BITS.md A.7); REMOTE_FILE treats every 4xx but 408 as final. */
static const struct status_rule {
    int context;
    long lo, hi;
    int transient;
} status_rules[] = {
    { BP_CONTEXT_REMOTE_APPLICATION, 300, 305, 0 },
    { BP_CONTEXT_REMOTE_APPLICATION, 307, 307, 0 },
    { BP_CONTEXT_REMOTE_APPLICATION, 408, 409, 1 },
    { BP_CONTEXT_REMOTE_APPLICATION, 400, 499, 0 },
    { BP_CONTEXT_REMOTE_APPLICATION, 501, 501, 0 },
    { BP_CONTEXT_REMOTE_APPLICATION, 505, 505, 0 },
    { BP_CONTEXT_REMOTE_FILE,        300, 399, 0 },
    { BP_CONTEXT_REMOTE_FILE,        408, 408, 1 },
    { BP_CONTEXT_REMOTE_FILE,        400, 499, 0 },
    { BP_CONTEXT_REMOTE_FILE,        501, 501, 0 },
    { BP_CONTEXT_REMOTE_FILE,        505, 505, 0 },
};

int http_status_is_transient(long status, int context)
{
    size_t i;

    for (i = 0; i < sizeof(status_rules) / sizeof(status_rules[0]); i++) {
        const struct status_rule *r = &status_rules[i];

        if (r->context == context && status >= r->lo && status <= r->hi)
            return r->transient;
    }
    return 1;
}

/* BITS errors that no retry can cure (MC-BUP 3.1.5.2.1). */
static int bits_error_is_final(int32_t hr)
{
    return hr == E_ACCESSDENIED || hr == BG_E_TOO_LARGE || hr == E_INVALIDARG
        || hr == BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH || hr == BG_E_SERVER_EXECUTE_ENABLE;
}

static int parse_hex(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;

    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    errno = 0;
    v = strtoul(s, &end, 16);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || v > 0xFFFFFFFFul)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int32_t http_bits_error(const struct http_op *op)
{
    const char *v = http_op_response_header(op, "BITS-Error-Code");
    uint32_t hr;

    if (!v)
        v = http_op_response_header(op, "BITS-Error");
    if (!v || parse_hex(v, &hr) < 0)
        return 0;
    return (int32_t)hr;
}

int http_error_from_response(const struct http_op *op, struct http_error *err)
{
    int32_t bits_hr = http_bits_error(op);
    const char *ctx_text = http_op_response_header(op, "BITS-Error-Context");
    uint32_t ctx = 5;

    if (bits_hr < 0) {
        long status = op->status;

        if (ctx_text)
            parse_hex(ctx_text, &ctx);
        err->hr = bits_hr;
        err->context = ctx == 7 ? BP_CONTEXT_REMOTE_APPLICATION : BP_CONTEXT_REMOTE_FILE;
        /* A server application's failure comes as BG_E_HTTP_ERROR_<its
         * status>; that status, not the Ack's, decides (BITS.md A.7). */
        if (err->context == BP_CONTEXT_REMOTE_APPLICATION
            && (uint32_t)bits_hr >= (uint32_t)BP_HTTP_ERROR(100)
            && (uint32_t)bits_hr <= (uint32_t)BP_HTTP_ERROR(999))
            status = (long)((uint32_t)bits_hr - (uint32_t)BP_HTTP_ERROR(0));
        err->transient = !bits_error_is_final(bits_hr)
                         && http_status_is_transient(status, err->context);
        return 1;
    }
    if (op->status >= 200 && op->status < 300)
        return 0;
    err->context = BP_CONTEXT_REMOTE_FILE;
    if (op->status < 100 || op->status > 999) {
        err->hr = BG_E_INVALID_SERVER_RESPONSE;
        err->transient = 1;
        return 1;
    }
    err->hr = BP_HTTP_ERROR(op->status);
    err->transient = http_status_is_transient(op->status, err->context);
    return 1;
}

void http_error_from_errno(int e, struct http_error *out)
{
    out->context = BP_CONTEXT_LOCAL_FILE;
    out->transient = 0;
    switch (e) {
    case ENOENT: out->hr = BP_E_FILE_NOT_FOUND; break;
    case ENOTDIR: out->hr = BP_E_PATH_NOT_FOUND; break;
    case EACCES: case EPERM: case EROFS: out->hr = E_ACCESSDENIED; break;
    case ENOSPC: case EDQUOT: out->hr = BP_E_DISK_FULL; out->transient = 1; break;
    case ENOMEM: out->hr = E_OUTOFMEMORY; out->transient = 1; break;
    default: out->hr = E_FAIL; break;
    }
}
