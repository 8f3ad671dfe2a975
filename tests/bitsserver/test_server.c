/*
 * Tests of bits-server: runs it through the harness and drives it with
 * libcurl like a BITS client would.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "server_harness.h"
#include "sha256.h"

#define PROTOCOL_GUID "{7df0354d-249b-430f-820d-3d2a9bef4931}"

static struct bits_server server;
/* The server bits_packet() talks to (a test may start a second one). */
static const struct bits_server *target = &server;
static char root[256];
static CURL *curl;
/* libcurl silently resends a request once when a reused connection dies;
 * tests that cut connections on purpose must start on a fresh one. */
static int fresh_connection;
/* NTLM credentials ("user:password") and proxy request() hands libcurl; NULL = none. */
static struct {
    const char *user_pwd;
    const char *proxy;
    const char *proxy_user_pwd;
} ntlm;

/* ---- helpers ---- */

struct response {
    long status;
    CURLcode result;
    char headers[16384];
    size_t headers_len;
    char *body;
    size_t body_len;
};

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct response *r = arg;
    size_t len = size * n;

    /* A new status line (e.g. after "100 Continue") starts a new header set. */
    if (len >= 5 && !strncmp(data, "HTTP/", 5))
        r->headers_len = 0;
    if (r->headers_len + len < sizeof(r->headers)) {
        memcpy(r->headers + r->headers_len, data, len);
        r->headers_len += len;
        r->headers[r->headers_len] = 0;
    }
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct response *r = arg;
    size_t len = size * n;
    char *p = realloc(r->body, r->body_len + len + 1);

    if (!p)
        return 0;
    memcpy(p + r->body_len, data, len);
    r->body = p;
    r->body_len += len;
    r->body[r->body_len] = 0;
    return len;
}

static void response_free(struct response *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* Value of a response header (case-insensitive name), copied into 'out'; NULL if absent. */
static const char *header_value(const struct response *r, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *line = r->headers;

    while (line && *line) {
        const char *eol = strstr(line, "\r\n");
        size_t llen = eol ? (size_t)(eol - line) : strlen(line);
        if (llen > nlen && !strncasecmp(line, name, nlen) && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            size_t vlen;
            while (*v == ' ')
                v++;
            vlen = (size_t)(line + llen - v);
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(out, v, vlen);
            out[vlen] = 0;
            return out;
        }
        line = eol ? eol + 2 : NULL;
    }
    return NULL;
}

static unsigned long long header_u64(const struct response *r, const char *name)
{
    char v[64];
    assert_non_null(header_value(r, name, v, sizeof(v)));
    return strtoull(v, NULL, 0);
}

/* One HTTP request on the shared (keep-alive) handle. */
static void request(const char *method, const char *url, struct curl_slist *headers,
                    const void *body, size_t len, int send_body, struct response *out)
{
    memset(out, 0, sizeof(*out));
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (fresh_connection)
        curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    if (ntlm.user_pwd) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_NTLM);
        curl_easy_setopt(curl, CURLOPT_USERPWD, ntlm.user_pwd);
    }
    if (ntlm.proxy) {
        curl_easy_setopt(curl, CURLOPT_PROXY, ntlm.proxy);
        curl_easy_setopt(curl, CURLOPT_PROXYAUTH, (long)CURLAUTH_NTLM);
        curl_easy_setopt(curl, CURLOPT_PROXYUSERPWD, ntlm.proxy_user_pwd);
    }
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET"))
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (send_body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, len ? body : "");
    }
    out->result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
}

static void get(const char *url, const char *range, struct response *out)
{
    struct curl_slist *h = NULL;
    char line[256];

    if (range) {
        snprintf(line, sizeof(line), "Range: %s", range);
        h = curl_slist_append(h, line);
    }
    request("GET", url, h, NULL, 0, 0, out);
    curl_slist_free_all(h);
}

/* Sends one BITS packet. 'range' and 'session' may be NULL. */
static void bits_packet(const char *path, const char *type, const char *session, const char *range,
                        const void *body, size_t len, struct response *out)
{
    struct curl_slist *h = NULL;
    char line[512], url[1024];

    snprintf(url, sizeof(url), "%s%s", target->url, path);
    snprintf(line, sizeof(line), "BITS-Packet-Type: %s", type);
    h = curl_slist_append(h, line);
    if (!strcasecmp(type, "Create-Session"))
        h = curl_slist_append(h, "BITS-Supported-Protocols: " PROTOCOL_GUID);
    if (session) {
        snprintf(line, sizeof(line), "BITS-Session-Id: %s", session);
        h = curl_slist_append(h, line);
    }
    if (range) {
        snprintf(line, sizeof(line), "Content-Range: %s", range);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Content-Type:");      /* drop curl's form default */
    request("BITS_POST", url, h, body, len, 1, out);
    curl_slist_free_all(h);
}

static void assert_ack(const struct response *r, long status)
{
    char v[64];

    assert_int_equal(r->result, CURLE_OK);
    assert_int_equal(r->status, status);
    assert_non_null(header_value(r, "BITS-Packet-Type", v, sizeof(v)));
    assert_string_equal(v, "Ack");
    assert_non_null(header_value(r, "Content-Length", v, sizeof(v)));
}

static void assert_bits_error(const struct response *r, long status, const char *code,
                              const char *context)
{
    char v[64];

    assert_ack(r, status);
    assert_non_null(header_value(r, "BITS-Error-Code", v, sizeof(v)));
    assert_string_equal(v, code);
    assert_non_null(header_value(r, "BITS-Error-Context", v, sizeof(v)));
    assert_string_equal(v, context);
}

static void create_session(const char *path, char session[128])
{
    struct response r;
    char v[128];

    bits_packet(path, "Create-Session", NULL, NULL, NULL, 0, &r);
    assert_ack(&r, 200);
    assert_non_null(header_value(&r, "BITS-Protocol", v, sizeof(v)));
    assert_string_equal(v, PROTOCOL_GUID);
    assert_non_null(header_value(&r, "Accept-Encoding", v, sizeof(v)));
    assert_string_equal(v, "Identity");
    assert_non_null(header_value(&r, "BITS-Session-Id", session, 128));
    assert_int_equal(strlen(session), 38);
    assert_int_equal(session[0], '{');
    response_free(&r);
}

/* Sends data[first..last] of an upload of 'total' bytes. */
static void send_fragment(const char *path, const char *session, const uint8_t *data,
                          uint64_t first, uint64_t last, uint64_t total, struct response *r)
{
    char range[128];

    snprintf(range, sizeof(range), "bytes %llu-%llu/%llu", (unsigned long long)first,
             (unsigned long long)last, (unsigned long long)total);
    bits_packet(path, "Fragment", session, range, data + first, (size_t)(last - first + 1), r);
}

static void simple_packet(const char *path, const char *type, const char *session, long status)
{
    struct response r;

    bits_packet(path, type, session, NULL, NULL, 0, &r);
    assert_ack(&r, status);
    response_free(&r);
}

/* Deterministic test data. */
static uint8_t *make_data(size_t len, uint32_t seed)
{
    uint8_t *p = malloc(len ? len : 1);
    uint32_t x = seed ? seed : 1;
    size_t i;

    assert_non_null(p);
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc(n ? (size_t)n : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void assert_file_equals(const char *rel, const uint8_t *data, size_t len)
{
    char path[1024];
    size_t got_len;
    uint8_t *got;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    got = read_whole(path, &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, data, len);
    free(got);
}

static int file_exists(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    return access(path, F_OK) == 0;
}

static void sha256_hex_of(const uint8_t *data, size_t len, char hex[65])
{
    struct sha256 s;
    uint8_t d[32];

    sha256_init(&s);
    sha256_update(&s, data, len);
    sha256_final(&s, d);
    sha256_hex(d, hex);
}

/* Full upload of 'data' in fragments of 'step' bytes; returns the last Ack. */
static void upload_all(const char *path, const char *session, const uint8_t *data, size_t len,
                       size_t step, struct response *last)
{
    size_t off;

    memset(last, 0, sizeof(*last));
    for (off = 0; off < len; off += step) {
        size_t end = off + step < len ? off + step : len;
        response_free(last);
        send_fragment(path, session, data, off, end - 1, len, last);
        assert_ack(last, 200);
        assert_int_equal(header_u64(last, "BITS-Received-Content-Range"), end);
    }
}

/* ---- fixtures ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int group_setup(void **state)
{
    snprintf(root, sizeof(root), "/tmp/server-test-%d", (int)getpid());
    if (bits_server_start(root, &server) != 0)
        return -1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl = curl_easy_init();
    return curl ? 0 : -1;
}

static int group_teardown(void **state)
{
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    bits_server_stop(&server);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static int reset_switches(void **state)
{
    return bits_server_control(&server, "reset=1");
}

/* ---- tests ---- */

static void test_sha256_vectors(void **state)
{
    char hex[65];

    sha256_hex_of((const uint8_t *)"abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex_of((const uint8_t *)"", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex_of((const uint8_t *)"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_ping(void **state)
{
    simple_packet("/upload/ping", "Ping", NULL, 200);
    simple_packet("/upload/ping", "PING", NULL, 200);
}

static void test_full_upload(void **state)
{
    const size_t len = 3 * 1024 * 1024 + 12345;
    uint8_t *data = make_data(len, 7);
    struct response r;
    char session[128], dir[512];

    create_session("/upload/full.bin", session);
    snprintf(dir, sizeof(dir), "sessions/%s", session);
    assert_true(file_exists(dir));
    upload_all("/upload/full.bin", session, data, len, 512 * 1024, &r);
    assert_null(header_value(&r, "BITS-Reply-URL", (char[8]){0}, 8));  /* plain upload */
    response_free(&r);
    /* Not published before Close-Session. */
    assert_false(file_exists("uploads/full.bin"));
    simple_packet("/upload/full.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/full.bin", data, len);
    assert_false(file_exists(dir));
    free(data);
}

static void test_resync_416(void **state)
{
    const size_t len = 1000;
    uint8_t *data = make_data(len, 11);
    struct response r;
    char session[128];
    long long before = bits_server_stat(&server, "status_416");

    create_session("/upload/resync.bin", session);
    send_fragment("/upload/resync.bin", session, data, 0, 99, len, &r);
    assert_ack(&r, 200);
    response_free(&r);
    /* A gap: the server tells where to continue. */
    send_fragment("/upload/resync.bin", session, data, 200, 299, len, &r);
    assert_ack(&r, 416);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 100);
    response_free(&r);
    send_fragment("/upload/resync.bin", session, data, 100, 999, len, &r);
    assert_ack(&r, 200);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 1000);
    response_free(&r);
    simple_packet("/upload/resync.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/resync.bin", data, len);
    assert_int_equal(bits_server_stat(&server, "status_416"), before + 1);
    free(data);
}

static void test_overlap_keeps_existing_bytes(void **state)
{
    const size_t len = 300;
    uint8_t *data = make_data(len, 13);
    uint8_t *other = make_data(len, 99);    /* different bytes for the overlap */
    uint8_t *expect = malloc(len);
    long long stored_before = bits_server_stat(&server, "fragment_bytes");
    long long received_before = bits_server_stat(&server, "fragment_bytes_received");
    struct response r;
    char session[128];

    create_session("/upload/overlap.bin", session);
    send_fragment("/upload/overlap.bin", session, data, 0, 100, len, &r);
    assert_ack(&r, 200);
    response_free(&r);
    /* 50-150: only 101-150 are new (the fragment.md example). */
    memcpy(expect, data, len);
    memcpy(expect + 101, other + 101, 50);
    send_fragment("/upload/overlap.bin", session, other, 50, 150, len, &r);
    assert_ack(&r, 200);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 151);
    response_free(&r);
    /* A fragment entirely inside what the server has changes nothing. */
    send_fragment("/upload/overlap.bin", session, other, 0, 9, len, &r);
    assert_ack(&r, 200);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 151);
    response_free(&r);
    send_fragment("/upload/overlap.bin", session, data, 151, 299, len, &r);
    assert_ack(&r, 200);
    response_free(&r);
    simple_packet("/upload/overlap.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/overlap.bin", expect, len);
    /* fragment_bytes counts stored bytes: each once, however often it was sent. */
    assert_int_equal(bits_server_stat(&server, "fragment_bytes"), stored_before + (long long)len);
    assert_int_equal(bits_server_stat(&server, "fragment_bytes_received"),
                     received_before + 101 + 101 + 10 + 149);
    free(data);
    free(other);
    free(expect);
}

static void test_forget_sessions(void **state)
{
    uint8_t *data = make_data(100, 17);
    struct response r;
    char session[128];

    create_session("/upload/forget.bin", session);
    send_fragment("/upload/forget.bin", session, data, 0, 49, 100, &r);
    assert_ack(&r, 200);
    response_free(&r);
    assert_int_equal(bits_server_control(&server, "forget_sessions=1"), 0);
    send_fragment("/upload/forget.bin", session, data, 50, 99, 100, &r);
    assert_bits_error(&r, 500, "0x8020001F", "0x5");
    response_free(&r);
    /* Close and Cancel get the same answer. */
    bits_packet("/upload/forget.bin", "Close-Session", session, NULL, NULL, 0, &r);
    assert_bits_error(&r, 500, "0x8020001F", "0x5");
    response_free(&r);
    /* A fresh session works again. */
    create_session("/upload/forget.bin", session);
    upload_all("/upload/forget.bin", session, data, 100, 100, &r);
    response_free(&r);
    simple_packet("/upload/forget.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/forget.bin", data, 100);
    free(data);
}

static void test_unknown_and_missing_session(void **state)
{
    struct response r;

    bits_packet("/upload/x", "Fragment", "{00000000-0000-0000-0000-000000000001}",
                "bytes 0-0/1", "x", 1, &r);
    assert_bits_error(&r, 500, "0x8020001F", "0x5");
    response_free(&r);
    bits_packet("/upload/x", "Cancel-Session", NULL, NULL, NULL, 0, &r);
    assert_bits_error(&r, 500, "0x8020001F", "0x5");
    response_free(&r);
}

static void test_bad_requests(void **state)
{
    struct response r;
    char session[128];
    struct curl_slist *h = NULL;
    char url[256];

    /* No common protocol. */
    snprintf(url, sizeof(url), "%s/upload/bad.bin", server.url);
    h = curl_slist_append(h, "BITS-Packet-Type: Create-Session");
    h = curl_slist_append(h, "BITS-Supported-Protocols: {00000000-0000-0000-0000-000000000000}");
    request("BITS_POST", url, h, NULL, 0, 1, &r);
    curl_slist_free_all(h);
    assert_bits_error(&r, 400, "0x80200022", "0x5");
    response_free(&r);

    create_session("/upload/bad.bin", session);
    /* Bad Content-Range syntax, last < first, last >= total, length mismatch. */
    bits_packet("/upload/bad.bin", "Fragment", session, "bytes 0-x/10", "0123456789", 10, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    bits_packet("/upload/bad.bin", "Fragment", session, "bytes 5-1/10", "01234", 5, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    bits_packet("/upload/bad.bin", "Fragment", session, "bytes 0-10/10", "0123456789a", 11, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    bits_packet("/upload/bad.bin", "Fragment", session, "bytes 0-9/10", "01234", 5, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    bits_packet("/upload/bad.bin", "Fragment", session, NULL, "01234", 5, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    /* Total changing within a session. */
    bits_packet("/upload/bad.bin", "Fragment", session, "bytes 0-4/10", "01234", 5, &r);
    assert_ack(&r, 200);
    response_free(&r);
    bits_packet("/upload/bad.bin", "Fragment", session, "bytes 5-9/11", "56789", 5, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    /* A body on Close-Session is not allowed. */
    bits_packet("/upload/bad.bin", "Close-Session", session, NULL, "xx", 2, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    /* Unknown packet type. */
    bits_packet("/upload/bad.bin", "Frobnicate", session, NULL, NULL, 0, &r);
    assert_ack(&r, 400);
    response_free(&r);
    /* Unknown URL space / producer. */
    bits_packet("/elsewhere/x", "Create-Session", NULL, NULL, NULL, 0, &r);
    assert_ack(&r, 404);
    response_free(&r);
    bits_packet("/reply/nosuch/x", "Create-Session", NULL, NULL, NULL, 0, &r);
    assert_ack(&r, 404);
    response_free(&r);
    simple_packet("/upload/bad.bin", "Cancel-Session", session, 200);
}

static void test_packet_type_case_insensitive(void **state)
{
    uint8_t *data = make_data(10, 3);
    struct response r;
    char session[128];

    bits_packet("/upload/case.bin", "create-session", NULL, NULL, NULL, 0, &r);
    assert_ack(&r, 200);
    assert_non_null(header_value(&r, "BITS-Session-Id", session, sizeof(session)));
    response_free(&r);
    send_fragment("/upload/case.bin", session, data, 0, 9, 10, &r);
    assert_ack(&r, 200);
    response_free(&r);
    simple_packet("/upload/case.bin", "CLOSE-SESSION", session, 200);
    assert_file_equals("uploads/case.bin", data, 10);
    free(data);
}

/* Uploads 'data' to /reply/<producer>/<name> and returns the reply URL. */
static void upload_reply(const char *path, const uint8_t *data, size_t len, size_t step,
                         char session[128], char reply_url[512])
{
    struct response r;
    size_t off;

    create_session(path, session);
    for (off = 0; off < len; off += step) {
        size_t end = off + step < len ? off + step : len;
        send_fragment(path, session, data, off, end - 1, len, &r);
        assert_ack(&r, 200);
        assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), end);
        if (end < len) {
            /* Only the Ack of the last fragment names the reply. */
            assert_null(header_value(&r, "BITS-Reply-URL", reply_url, 512));
        } else {
            assert_non_null(header_value(&r, "BITS-Reply-URL", reply_url, 512));
            assert_int_equal(strncmp(reply_url, server.url, strlen(server.url)), 0);
        }
        response_free(&r);
    }
}

static void test_reply_digest(void **state)
{
    const size_t len = 1024 * 1024 + 3;
    uint8_t *data = make_data(len, 23);
    char session[128], url[512], hex[65], dir[512];
    struct response r;

    upload_reply("/reply/digest/digest.bin", data, len, 300000, session, url);
    get(url, NULL, &r);
    assert_int_equal(r.result, CURLE_OK);
    assert_int_equal(r.status, 200);
    sha256_hex_of(data, len, hex);
    assert_int_equal(r.body_len, 64);
    assert_string_equal(r.body, hex);
    response_free(&r);
    /* The upload itself is kept for the tests. */
    assert_file_equals("uploads/digest.bin", data, len);

    /* Close-Session deletes the reply. */
    simple_packet("/reply/digest/digest.bin", "Close-Session", session, 200);
    get(url, NULL, &r);
    assert_int_equal(r.status, 404);
    response_free(&r);
    snprintf(dir, sizeof(dir), "sessions/%s", session);
    assert_false(file_exists(dir));
    assert_file_equals("uploads/digest.bin", data, len);
    free(data);
}

static void test_resent_final_fragment_regenerates_reply(void **state)
{
    uint8_t *data = make_data(5000, 29);
    char session[128], url[512], again[512], hex[65];
    long long before;
    struct response r;

    upload_reply("/reply/digest/resend.bin", data, 5000, 2500, session, url);
    before = bits_server_stat(&server, "replies_produced");
    send_fragment("/reply/digest/resend.bin", session, data, 2500, 4999, 5000, &r);
    assert_ack(&r, 200);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 5000);
    assert_non_null(header_value(&r, "BITS-Reply-URL", again, sizeof(again)));
    assert_string_equal(again, url);
    response_free(&r);
    assert_int_equal(bits_server_stat(&server, "replies_produced"), before + 1);
    get(url, NULL, &r);
    sha256_hex_of(data, 5000, hex);
    assert_string_equal(r.body, hex);
    response_free(&r);
    simple_packet("/reply/digest/resend.bin", "Close-Session", session, 200);
    free(data);
}

static int byte_pattern_ok(const char *body, size_t len, size_t first)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((uint8_t)body[i] != (uint8_t)((first + i) % 251))
            return 0;
    return 1;
}

static void test_reply_bytes_with_ranges(void **state)
{
    const size_t n = 2097152;
    uint8_t *data = make_data(4096, 31);
    char session[128], url[512], etag[128], cr[128];
    struct response r;
    struct curl_slist *h = NULL;
    char line[200];

    upload_reply("/reply/bytes/2097152/foo.bin", data, 4096, 4096, session, url);

    request("HEAD", url, NULL, NULL, 0, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(header_u64(&r, "Content-Length"), n);
    assert_non_null(header_value(&r, "ETag", etag, sizeof(etag)));
    assert_non_null(header_value(&r, "Accept-Ranges", line, sizeof(line)));
    response_free(&r);

    get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, n);
    assert_true(byte_pattern_ok(r.body, n, 0));
    response_free(&r);

    get(url, "bytes=1000000-1000999", &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, 1000);
    assert_true(byte_pattern_ok(r.body, 1000, 1000000));
    assert_non_null(header_value(&r, "Content-Range", cr, sizeof(cr)));
    assert_string_equal(cr, "bytes 1000000-1000999/2097152");
    response_free(&r);

    /* Open-ended range resumes to the end. */
    get(url, "bytes=2097000-", &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, 152);
    assert_true(byte_pattern_ok(r.body, 152, 2097000));
    response_free(&r);

    /* If-Range with the current ETag keeps the range. */
    snprintf(line, sizeof(line), "If-Range: %s", etag);
    h = curl_slist_append(h, "Range: bytes=10-19");
    h = curl_slist_append(h, line);
    request("GET", url, h, NULL, 0, 0, &r);
    curl_slist_free_all(h);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, 10);
    response_free(&r);

    get(url, "bytes=2097152-", &r);
    assert_int_equal(r.status, 416);
    assert_non_null(header_value(&r, "Content-Range", cr, sizeof(cr)));
    assert_string_equal(cr, "bytes */2097152");
    response_free(&r);

    simple_packet("/reply/bytes/2097152/foo.bin", "Close-Session", session, 200);
    get(url, NULL, &r);
    assert_int_equal(r.status, 404);
    response_free(&r);
    free(data);
}

static void test_reply_echo_and_empty(void **state)
{
    uint8_t *data = make_data(70000, 37);
    char session[128], url[512];
    struct response r;

    upload_reply("/reply/echo/echo.bin", data, 70000, 30000, session, url);
    get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 70000);
    assert_memory_equal(r.body, data, 70000);
    response_free(&r);
    simple_packet("/reply/echo/echo.bin", "Close-Session", session, 200);

    upload_reply("/reply/empty/empty.bin", data, 100, 100, session, url);
    request("HEAD", url, NULL, NULL, 0, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(header_u64(&r, "Content-Length"), 0);
    response_free(&r);
    simple_packet("/reply/empty/empty.bin", "Close-Session", session, 200);
    free(data);
}

static void test_notify_by_value_and_reference(void **state)
{
    uint8_t *data = make_data(200000, 41);
    char session[128], url[512], hex[65];
    long long before = bits_server_stat(&server, "notifications");
    struct response r;

    sha256_hex_of(data, 200000, hex);
    upload_reply("/reply/notify-value/nv.bin", data, 200000, 65536, session, url);
    get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, hex);
    response_free(&r);
    simple_packet("/reply/notify-value/nv.bin", "Close-Session", session, 200);

    upload_reply("/reply/notify-ref/nr.bin", data, 200000, 200000, session, url);
    get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, hex);
    response_free(&r);
    simple_packet("/reply/notify-ref/nr.bin", "Close-Session", session, 200);
    assert_int_equal(bits_server_stat(&server, "notifications"), before + 2);
    free(data);
}

static void test_notify_application_failure_and_static_url(void **state)
{
    uint8_t *data = make_data(100, 43);
    char session[128], query[512], url[512];
    struct response r;

    snprintf(query, sizeof(query), "notify_url=%s/app/fail/403", server.url);
    assert_int_equal(bits_server_control(&server, query), 0);
    create_session("/reply/notify-value/fail.bin", session);
    send_fragment("/reply/notify-value/fail.bin", session, data, 0, 99, 100, &r);
    assert_bits_error(&r, 500, "0x80190193", "0x7");     /* BG_E_HTTP_ERROR_403 */
    assert_null(header_value(&r, "BITS-Reply-URL", url, sizeof(url)));
    response_free(&r);
    simple_packet("/reply/notify-value/fail.bin", "Cancel-Session", session, 200);

    snprintf(query, sizeof(query), "notify_url=%s/app/static/answer.txt", server.url);
    assert_int_equal(bits_server_control(&server, query), 0);
    upload_reply("/reply/notify-ref/static.bin", data, 100, 100, session, url);
    snprintf(query, sizeof(query), "%s/files/answer.txt", server.url);
    assert_string_equal(url, query);
    simple_packet("/reply/notify-ref/static.bin", "Close-Session", session, 200);
    free(data);
}

static void test_empty_upload(void **state)
{
    char session[128], url[512];
    struct response r;

    create_session("/upload/empty0.bin", session);
    bits_packet("/upload/empty0.bin", "Fragment", session, "bytes */0", NULL, 0, &r);
    assert_ack(&r, 200);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 0);
    response_free(&r);
    simple_packet("/upload/empty0.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/empty0.bin", (const uint8_t *)"", 0);

    /* Upload-reply of an empty file: the digest of nothing. */
    create_session("/reply/digest/empty1.bin", session);
    bits_packet("/reply/digest/empty1.bin", "Fragment", session, "bytes */0", NULL, 0, &r);
    assert_ack(&r, 200);
    assert_non_null(header_value(&r, "BITS-Reply-URL", url, sizeof(url)));
    response_free(&r);
    get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    response_free(&r);
    simple_packet("/reply/digest/empty1.bin", "Close-Session", session, 200);

    /* "*\/0" with a body, or after real data, is malformed. */
    create_session("/upload/empty2.bin", session);
    bits_packet("/upload/empty2.bin", "Fragment", session, "bytes */0", "x", 1, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    bits_packet("/upload/empty2.bin", "Fragment", session, "bytes 0-0/2", "x", 1, &r);
    assert_ack(&r, 200);
    response_free(&r);
    bits_packet("/upload/empty2.bin", "Fragment", session, "bytes */0", NULL, 0, &r);
    assert_bits_error(&r, 400, "0x80070057", "0x5");
    response_free(&r);
    simple_packet("/upload/empty2.bin", "Cancel-Session", session, 200);
}

static void test_cancel_session(void **state)
{
    uint8_t *data = make_data(100, 47);
    struct response r;
    char session[128], dir[512];

    create_session("/upload/cancel.bin", session);
    send_fragment("/upload/cancel.bin", session, data, 0, 49, 100, &r);
    assert_ack(&r, 200);
    response_free(&r);
    simple_packet("/upload/cancel.bin", "Cancel-Session", session, 200);
    snprintf(dir, sizeof(dir), "sessions/%s", session);
    assert_false(file_exists(dir));
    send_fragment("/upload/cancel.bin", session, data, 50, 99, 100, &r);
    assert_bits_error(&r, 500, "0x8020001F", "0x5");
    response_free(&r);
    assert_false(file_exists("uploads/cancel.bin"));
    free(data);
}

static void test_close_incomplete_discards(void **state)
{
    uint8_t *data = make_data(100, 53);
    struct response r;
    char session[128];

    create_session("/upload/partial.bin", session);
    send_fragment("/upload/partial.bin", session, data, 0, 49, 100, &r);
    response_free(&r);
    simple_packet("/upload/partial.bin", "Close-Session", session, 200);
    assert_false(file_exists("uploads/partial.bin"));
    free(data);
}

static void test_fail_fragments(void **state)
{
    uint8_t *data = make_data(100, 59);
    struct response r;
    char session[128], v[64];

    create_session("/upload/failfrag.bin", session);
    assert_int_equal(bits_server_control(&server, "fail_fragments=503&fail_count=2"), 0);
    send_fragment("/upload/failfrag.bin", session, data, 0, 49, 100, &r);
    assert_ack(&r, 503);
    assert_null(header_value(&r, "BITS-Error-Code", v, sizeof(v)));
    response_free(&r);
    send_fragment("/upload/failfrag.bin", session, data, 0, 49, 100, &r);
    assert_ack(&r, 503);
    response_free(&r);
    /* Nothing was stored: the third attempt starts at 0 again. */
    send_fragment("/upload/failfrag.bin", session, data, 50, 99, 100, &r);
    assert_ack(&r, 416);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), 0);
    response_free(&r);
    assert_int_equal(bits_server_control(&server, "fail_fragments=500"), 0);
    send_fragment("/upload/failfrag.bin", session, data, 0, 49, 100, &r);
    assert_bits_error(&r, 500, "0x80004005", "0x5");
    response_free(&r);
    upload_all("/upload/failfrag.bin", session, data, 100, 50, &r);
    response_free(&r);
    simple_packet("/upload/failfrag.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/failfrag.bin", data, 100);
    free(data);
}

static void test_max_fragment(void **state)
{
    uint8_t *data = make_data(3000, 61);
    struct response r;
    char session[128];

    assert_int_equal(bits_server_control(&server, "max_fragment=1000"), 0);
    create_session("/upload/max.bin", session);
    send_fragment("/upload/max.bin", session, data, 0, 1999, 3000, &r);
    assert_ack(&r, 413);
    response_free(&r);
    upload_all("/upload/max.bin", session, data, 3000, 1000, &r);
    response_free(&r);
    simple_packet("/upload/max.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/max.bin", data, 3000);
    free(data);
}

static void test_fail_create(void **state)
{
    struct response r;
    char session[128];

    assert_int_equal(bits_server_control(&server, "fail_create=403"), 0);
    bits_packet("/upload/fc.bin", "Create-Session", NULL, NULL, NULL, 0, &r);
    assert_bits_error(&r, 403, "0x80070005", "0x5");
    response_free(&r);
    /* Stays until reset. */
    bits_packet("/upload/fc.bin", "Create-Session", NULL, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 403);
    response_free(&r);
    assert_int_equal(bits_server_control(&server, "reset=1"), 0);
    create_session("/upload/fc.bin", session);
    simple_packet("/upload/fc.bin", "Cancel-Session", session, 200);
}

static void test_drop_after(void **state)
{
    const size_t len = 200000;
    uint8_t *data = make_data(len, 67);
    long long drops = bits_server_stat(&server, "drops");
    struct response r;
    char session[128];

    create_session("/upload/drop.bin", session);
    assert_int_equal(bits_server_control(&server, "drop_after=1000"), 0);
    fresh_connection = 1;
    send_fragment("/upload/drop.bin", session, data, 0, len - 1, len, &r);
    fresh_connection = 0;
    assert_int_not_equal(r.result, CURLE_OK);   /* no Ack: the connection was cut */
    response_free(&r);
    assert_int_equal(bits_server_stat(&server, "drops"), drops + 1);
    /* One-shot: the resent fragment goes through, overlapping what arrived. */
    send_fragment("/upload/drop.bin", session, data, 0, len - 1, len, &r);
    assert_ack(&r, 200);
    assert_int_equal(header_u64(&r, "BITS-Received-Content-Range"), len);
    response_free(&r);
    simple_packet("/upload/drop.bin", "Close-Session", session, 200);
    assert_file_equals("uploads/drop.bin", data, len);
    free(data);
}

static void test_control_rejects_unknown(void **state)
{
    assert_int_equal(bits_server_control(&server, "no_such_switch=1"), -1);
    assert_int_equal(bits_server_control(&server, "drop_after=abc"), -1);
    assert_int_equal(bits_server_control(&server, "fail_create=42"), -1);
    assert_int_equal(bits_server_control(&server, "max_fragment=0"), 0);
}

static void test_files_download(void **state)
{
    uint8_t *data = make_data(10000, 71);
    char path[512], url[512], etag[128], modified[64], line[200];
    struct curl_slist *h = NULL;
    struct response r;
    FILE *f;

    snprintf(path, sizeof(path), "%s/files/dl.bin", root);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, 10000, f), 10000);
    fclose(f);
    snprintf(url, sizeof(url), "%s/files/dl.bin", server.url);

    get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 10000);
    assert_memory_equal(r.body, data, 10000);
    assert_non_null(header_value(&r, "ETag", etag, sizeof(etag)));
    assert_non_null(header_value(&r, "Last-Modified", modified, sizeof(modified)));
    response_free(&r);

    get(url, "bytes=9990-", &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, 10);
    assert_memory_equal(r.body, data + 9990, 10);
    response_free(&r);

    get(url, "bytes=-100", &r);      /* suffix range */
    assert_int_equal(r.status, 206);
    assert_int_equal(r.body_len, 100);
    assert_memory_equal(r.body, data + 9900, 100);
    response_free(&r);

    /* If-Range with the Last-Modified date keeps the range ... */
    snprintf(line, sizeof(line), "If-Range: %s", modified);
    h = curl_slist_append(h, "Range: bytes=0-9");
    h = curl_slist_append(h, line);
    request("GET", url, h, NULL, 0, 0, &r);
    curl_slist_free_all(h);
    assert_int_equal(r.status, 206);
    response_free(&r);
    /* ... a stale validator gets the whole file. */
    h = curl_slist_append(NULL, "Range: bytes=0-9");
    h = curl_slist_append(h, "If-Range: \"stale\"");
    request("GET", url, h, NULL, 0, 0, &r);
    curl_slist_free_all(h);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 10000);
    response_free(&r);

    get(url, "bytes=20000-", &r);
    assert_int_equal(r.status, 416);
    response_free(&r);

    snprintf(url, sizeof(url), "%s/files/missing.bin", server.url);
    get(url, NULL, &r);
    assert_int_equal(r.status, 404);
    response_free(&r);
    snprintf(url, sizeof(url), "%s/files/..%%2Fsessions", server.url);
    get(url, NULL, &r);
    assert_int_equal(r.status, 404);
    response_free(&r);
    free(data);
}

struct chunk_source {
    const uint8_t *data;
    size_t len, off;
};

static size_t read_chunks(char *buf, size_t size, size_t n, void *arg)
{
    struct chunk_source *src = arg;
    size_t take = size * n;

    if (take > 7777)
        take = 7777;            /* odd sizes make many chunks */
    if (take > src->len - src->off)
        take = src->len - src->off;
    memcpy(buf, src->data + src->off, take);
    src->off += take;
    return take;
}

static void test_put(void **state)
{
    const size_t len = 3 * 1024 * 1024;
    uint8_t *data = make_data(len, 73);
    struct chunk_source src = { data, 100000, 0 };
    struct curl_slist *h;
    struct response r;
    char url[512];

    snprintf(url, sizeof(url), "%s/put/p.bin", server.url);
    request("PUT", url, NULL, data, len, 1, &r);
    assert_int_equal(r.result, CURLE_OK);
    assert_int_equal(r.status, 201);
    response_free(&r);
    assert_file_equals("put/p.bin", data, len);
    request("PUT", url, NULL, data, 1000, 1, &r);
    assert_int_equal(r.status, 204);
    response_free(&r);
    assert_file_equals("put/p.bin", data, 1000);

    /* Chunked request body. */
    memset(&r, 0, sizeof(r));
    curl_easy_reset(curl);
    h = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_chunks);
    curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    assert_int_equal(r.status, 204);
    response_free(&r);
    assert_file_equals("put/p.bin", data, 100000);
    free(data);
}

static void test_stats(void **state)
{
    long long created = bits_server_stat(&server, "sessions_created");
    long long closes = bits_server_stat(&server, "closes");
    long long cancels = bits_server_stat(&server, "cancels");
    long long fragments = bits_server_stat(&server, "fragments");
    char session[128];
    struct response r;

    assert_true(created >= 0);
    create_session("/upload/stats.bin", session);
    send_fragment("/upload/stats.bin", session, (const uint8_t *)"abc", 0, 2, 3, &r);
    response_free(&r);
    simple_packet("/upload/stats.bin", "Close-Session", session, 200);
    create_session("/upload/stats.bin", session);
    simple_packet("/upload/stats.bin", "Cancel-Session", session, 200);
    assert_int_equal(bits_server_stat(&server, "sessions_created"), created + 2);
    assert_int_equal(bits_server_stat(&server, "closes"), closes + 1);
    assert_int_equal(bits_server_stat(&server, "cancels"), cancels + 1);
    assert_int_equal(bits_server_stat(&server, "fragments"), fragments + 1);
    assert_int_equal(bits_server_stat(&server, "no_such_counter"), -1);
}

/* Switches given on the command line, via bits_server_start_args. */
static void test_command_line_switches(void **state)
{
    struct bits_server second;
    char root2[300], app[300], session[128], url[512];
    const char *args[] = { "--max-fragment", "10", "--delay-final-ack-ms", "20",
                           "--notify-url", app, NULL };
    struct response r;

    snprintf(root2, sizeof(root2), "%s/second-root", root);
    snprintf(app, sizeof(app), "%s/app/fail/409", server.url);
    assert_int_equal(bits_server_start_args(root2, args, &second), 0);
    assert_int_not_equal(second.port, server.port);
    target = &second;
    create_session("/reply/notify-value/cli.bin", session);
    send_fragment("/reply/notify-value/cli.bin", session, (const uint8_t *)"0123456789a", 0, 10,
                  11, &r);
    assert_ack(&r, 413);
    response_free(&r);
    send_fragment("/reply/notify-value/cli.bin", session, (const uint8_t *)"0123456789a", 0, 9,
                  11, &r);
    assert_ack(&r, 200);
    response_free(&r);
    /* The final Ack comes (late) with the application's error. */
    send_fragment("/reply/notify-value/cli.bin", session, (const uint8_t *)"0123456789a", 10, 10,
                  11, &r);
    assert_bits_error(&r, 500, "0x80190199", "0x7");    /* BG_E_HTTP_ERROR_409 */
    assert_null(header_value(&r, "BITS-Reply-URL", url, sizeof(url)));
    response_free(&r);
    target = &server;
    bits_server_stop(&second);
    assert_int_equal(second.pid, 0);
    bits_server_stop(&second);          /* harmless twice */
}

#define NTLM_USER       "alice"
#define NTLM_PASSWORD   "S3cr3t pass-4711"
#define NTLM_PASSWORD_Q "S3cr3t%20pass-4711"

static void expect_ntlm_refusal(const char *url, long status, const char *header)
{
    struct response r;
    char v[64];

    get(url, NULL, &r);
    assert_int_equal(r.status, status);
    assert_non_null(header_value(&r, header, v, sizeof(v)));
    assert_string_equal(v, "NTLM");
    response_free(&r);
}

static void expect_ntlm_download(const char *url, const uint8_t *data, size_t len)
{
    struct response r;

    get(url, NULL, &r);
    assert_int_equal(r.result, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, data, len);
    response_free(&r);
}

/* NTLM (auth=ntlm) with libcurl as the known-good client: the Type 1/2/3
 * handshake, a BITS upload whose POST bodies go through handshakes,
 * authentication that holds for the connection, and refusals. */
static void test_ntlm(void **state)
{
    uint8_t *data = make_data(70000, 93);
    char session[128], path[512], url[512], v[1024];
    long long challenges;
    struct curl_slist *h;
    struct response r;
    FILE *f;

    if (!(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_NTLM)) {
        free(data);
        print_message("libcurl without NTLM: skipped\n");
        skip();
    }
    assert_int_equal(bits_server_control(&server, "auth=ntlm&auth_user=" NTLM_USER
                                         "&auth_password=" NTLM_PASSWORD_Q), 0);
    snprintf(path, sizeof(path), "%s/files/ntlm.bin", root);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, 70000, f), 70000);
    fclose(f);
    snprintf(url, sizeof(url), "%s/files/ntlm.bin", server.url);

    /* No credentials: a bare challenge.  A Type 1 by hand: a Type 2 back. */
    expect_ntlm_refusal(url, 401, "WWW-Authenticate");
    h = curl_slist_append(NULL, "Authorization: NTLM TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=");
    request("GET", url, h, NULL, 0, 0, &r);
    curl_slist_free_all(h);
    assert_int_equal(r.status, 401);
    assert_non_null(header_value(&r, "WWW-Authenticate", v, sizeof(v)));
    assert_true(!strncmp(v, "NTLM TlRMTVNTUAACAAAA", 21));      /* "NTLMSSP\0", type 2 */
    response_free(&r);

    /* The handshake costs one challenge; the connection then stays
     * authenticated: the second request needs no handshake (a new
     * connection would have needed one). */
    ntlm.user_pwd = NTLM_USER ":" NTLM_PASSWORD;
    challenges = bits_server_stat(&server, "auth_challenges");
    expect_ntlm_download(url, data, 70000);
    assert_int_equal(bits_server_stat(&server, "auth_challenges"), challenges + 1);
    expect_ntlm_download(url, data, 70000);
    assert_int_equal(bits_server_stat(&server, "auth_challenges"), challenges + 1);

    /* Every BITS_POST on a new connection: the body follows the handshake. */
    fresh_connection = 1;
    create_session("/upload/ntlm.bin", session);
    upload_all("/upload/ntlm.bin", session, data, 70000, 30000, &r);
    response_free(&r);
    simple_packet("/upload/ntlm.bin", "Close-Session", session, 200);
    fresh_connection = 0;
    assert_file_equals("uploads/ntlm.bin", data, 70000);
    assert_true(bits_server_stat(&server, "auth_challenges") >= challenges + 5);

    /* Wrong password, wrong user; any domain when the switch names none. */
    ntlm.user_pwd = NTLM_USER ":nope";
    expect_ntlm_refusal(url, 401, "WWW-Authenticate");
    ntlm.user_pwd = "mallory:" NTLM_PASSWORD;
    expect_ntlm_refusal(url, 401, "WWW-Authenticate");
    ntlm.user_pwd = "WORKGROUP\\ALICE:" NTLM_PASSWORD;
    expect_ntlm_download(url, data, 70000);
    /* DOMAIN\user in the switch: the domain must match too. */
    assert_int_equal(bits_server_control(&server, "auth_user=BITS%5Calice"), 0);
    ntlm.user_pwd = "OTHER\\alice:" NTLM_PASSWORD;
    expect_ntlm_refusal(url, 401, "WWW-Authenticate");
    ntlm.user_pwd = "bits\\alice:" NTLM_PASSWORD;
    expect_ntlm_download(url, data, 70000);

    /* The server as a proxy: 407 and Proxy-Authenticate. */
    assert_int_equal(bits_server_control(&server, "auth=none&proxy_auth=ntlm&proxy_user=proxyuser"
                                         "&proxy_password=Pr0xy-0815"), 0);
    snprintf(url, sizeof(url), "http://localhost:%d/files/ntlm.bin", server.port);
    ntlm.user_pwd = NULL;
    ntlm.proxy = server.url;
    ntlm.proxy_user_pwd = "proxyuser:Pr0xy-0815";
    expect_ntlm_download(url, data, 70000);
    ntlm.proxy_user_pwd = "proxyuser:wrong";
    expect_ntlm_refusal(url, 407, "Proxy-Authenticate");
    memset(&ntlm, 0, sizeof(ntlm));
    free(data);
}

#define T(f) cmocka_unit_test_setup(f, reset_switches)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sha256_vectors),
        T(test_ping),
        T(test_full_upload),
        T(test_resync_416),
        T(test_overlap_keeps_existing_bytes),
        T(test_forget_sessions),
        T(test_unknown_and_missing_session),
        T(test_bad_requests),
        T(test_packet_type_case_insensitive),
        T(test_reply_digest),
        T(test_resent_final_fragment_regenerates_reply),
        T(test_reply_bytes_with_ranges),
        T(test_reply_echo_and_empty),
        T(test_notify_by_value_and_reference),
        T(test_notify_application_failure_and_static_url),
        T(test_empty_upload),
        T(test_cancel_session),
        T(test_close_incomplete_discards),
        T(test_fail_fragments),
        T(test_max_fragment),
        T(test_fail_create),
        T(test_drop_after),
        T(test_control_rejects_unknown),
        T(test_files_download),
        T(test_put),
        T(test_stats),
        T(test_command_line_switches),
        T(test_ntlm),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
