/*
 * HTTP authentication for the test server: Basic (RFC 7617) and Digest
 * with MD5 and qop=auth (RFC 7616, RFC 2617), for the origin server
 * (Authorization / 401) and, for absolute-form requests, for the server
 * acting as a forward proxy to itself (Proxy-Authorization / 407).
 * NTLM (auth_ntlm.c) and Negotiate (auth_negotiate.c) authenticate the
 * connection and answer their own challenges.
 *
 * Nonces are stateless: hex time + MD5(hex time ":" secret), valid for
 * NONCE_LIFETIME seconds; the secret is random per server start.  Nonce
 * counts are not tracked (replay protection is not the point of a test
 * server).
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "md5.h"

#define REALM           "bits-server"
#define NONCE_LIFETIME  600

static pthread_once_t secret_once = PTHREAD_ONCE_INIT;
static char secret[40];

static void make_secret(void)
{
    random_guid_text(secret);
}

static void make_nonce(time_t t, char out[49])
{
    char seed[64], hash[33];

    pthread_once(&secret_once, make_secret);
    snprintf(seed, sizeof(seed), "%016llx:%s", (unsigned long long)t, secret);
    md5_hex(seed, strlen(seed), hash);
    snprintf(out, 49, "%016llx%s", (unsigned long long)t, hash);
}

static int nonce_is_ours(const char *nonce)
{
    char expect[49], *end;
    unsigned long long t;
    time_t now = time(NULL);

    if (strlen(nonce) != 48)
        return 0;
    char stamp[17];
    memcpy(stamp, nonce, 16);
    stamp[16] = 0;
    t = strtoull(stamp, &end, 16);
    if (*end || (time_t)t > now || now - (time_t)t > NONCE_LIFETIME)
        return 0;
    make_nonce((time_t)t, expect);
    return !strcmp(expect, nonce);
}

/* ---- Basic ---- */

static int basic_ok(const char *value, const struct auth_conf *a)
{
    uint8_t plain[600];
    char expect[520];
    ssize_t n;

    if (strncasecmp(value, "Basic ", 6))
        return 0;
    n = base64_decode(value + 6, plain, sizeof(plain));
    snprintf(expect, sizeof(expect), "%s:%s", a->user, a->password);
    return n >= 0 && (size_t)n == strlen(expect) && !memcmp(plain, expect, (size_t)n);
}

/* ---- Digest ---- */

/* Finds name=value or name="value" in a Digest parameter list. */
static int digest_param(const char *list, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = list;

    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *key = p;
        while (*p && *p != '=' && *p != ',')
            p++;
        if (*p != '=')
            continue;
        int match = (size_t)(p - key) == nlen && !strncasecmp(key, name, nlen);
        size_t len = 0;
        p++;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                if (match && len + 1 < cap)
                    out[len++] = *p;
            }
            if (*p == '"')
                p++;
        } else {
            for (; *p && *p != ',' && *p != ' '; p++)
                if (match && len + 1 < cap)
                    out[len++] = *p;
        }
        if (match) {
            out[len] = 0;
            return 0;
        }
    }
    return -1;
}

static int digest_ok(const struct http_request *r, const char *value, const struct auth_conf *a)
{
    char user[256], realm[64], nonce[64], uri[8192], response[40], qop[16] = "", nc[16] = "",
         cnonce[128] = "", seed[9000], ha1[33], ha2[33], expect[33];
    const char *list = value + 7;

    if (strncasecmp(value, "Digest ", 7)
        || digest_param(list, "username", user, sizeof(user)) < 0
        || digest_param(list, "realm", realm, sizeof(realm)) < 0
        || digest_param(list, "nonce", nonce, sizeof(nonce)) < 0
        || digest_param(list, "uri", uri, sizeof(uri)) < 0
        || digest_param(list, "response", response, sizeof(response)) < 0)
        return 0;
    digest_param(list, "qop", qop, sizeof(qop));
    digest_param(list, "nc", nc, sizeof(nc));
    digest_param(list, "cnonce", cnonce, sizeof(cnonce));
    if (strcmp(user, a->user) || strcmp(realm, REALM) || !nonce_is_ours(nonce))
        return 0;
    /* The uri parameter names this request (origin-form, or the absolute
     * URI a client sends to a proxy). */
    if (strcmp(uri, r->target) && !(strstr(uri, "://") && strstr(uri, r->target)))
        return 0;
    snprintf(seed, sizeof(seed), "%s:%s:%s", a->user, REALM, a->password);
    md5_hex(seed, strlen(seed), ha1);
    snprintf(seed, sizeof(seed), "%s:%s", r->method, uri);
    md5_hex(seed, strlen(seed), ha2);
    if (qop[0]) {
        if (strcmp(qop, "auth") || !nc[0] || !cnonce[0])
            return 0;
        snprintf(seed, sizeof(seed), "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
    } else {
        snprintf(seed, sizeof(seed), "%s:%s:%s", ha1, nonce, ha2);
    }
    md5_hex(seed, strlen(seed), expect);
    return !strcasecmp(expect, response);
}

/* ---- the check ---- */

static int credentials_ok(const struct http_request *r, const char *value,
                          const struct auth_conf *a)
{
    if (!value)
        return 0;
    return a->scheme == AUTH_BASIC ? basic_ok(value, a) : digest_ok(r, value, a);
}

static void challenge(struct request_ctx *ctx, int target, const struct auth_conf *a)
{
    const char *header = target == AUTH_PROXY ? "Proxy-Authenticate" : "WWW-Authenticate";
    struct http_hdrs h;
    char nonce[49];

    http_hdrs_init(&h);
    if (a->scheme == AUTH_BASIC) {
        http_hdrs_add(&h, "%s: Basic realm=\"" REALM "\"", header);
    } else {
        make_nonce(time(NULL), nonce);
        http_hdrs_add(&h, "%s: Digest realm=\"" REALM "\", qop=\"auth\", algorithm=MD5, "
                      "nonce=\"%s\", opaque=\"0\"", header, nonce);
    }
    stat_add(STAT_AUTH_CHALLENGES, 1);
    http_send(ctx->conn, ctx->req, target == AUTH_PROXY ? 407 : 401, h.text, NULL, 0);
}

int auth_check(struct request_ctx *ctx)
{
    struct http_request *r = ctx->req;
    struct auth_conf a;

    if (r->absolute_form) {
        stat_add(STAT_PROXIED, 1);
        switch_auth(AUTH_PROXY, &a);
        if (a.scheme == AUTH_NTLM && !ntlm_check(ctx, AUTH_PROXY, &a))
            return 0;
        if (a.scheme == AUTH_NEGOTIATE && !negotiate_check(ctx, AUTH_PROXY, &a))
            return 0;
        if (a.scheme != AUTH_NONE && a.scheme != AUTH_NTLM && a.scheme != AUTH_NEGOTIATE
            && !credentials_ok(r, http_header(r, "Proxy-Authorization"), &a)) {
            challenge(ctx, AUTH_PROXY, &a);
            return 0;
        }
    }
    switch_auth(AUTH_SERVER, &a);
    if (a.scheme == AUTH_NTLM)          /* authenticates the connection */
        return ntlm_check(ctx, AUTH_SERVER, &a);
    if (a.scheme == AUTH_NEGOTIATE)
        return negotiate_check(ctx, AUTH_SERVER, &a);
    if (a.scheme != AUTH_NONE && !credentials_ok(r, http_header(r, "Authorization"), &a)) {
        challenge(ctx, AUTH_SERVER, &a);
        return 0;
    }
    return 1;
}
