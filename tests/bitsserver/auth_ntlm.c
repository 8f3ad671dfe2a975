/*
 * NTLM over HTTP for the test server, server side ([MS-NLMP], HTTP use as
 * in [MS-NTHT]): "WWW-Authenticate: NTLM" (or Proxy-Authenticate) on the
 * first 401/407; a NEGOTIATE_MESSAGE (Type 1) is answered with a
 * CHALLENGE_MESSAGE (Type 2) carrying a random server challenge and target
 * information, so clients answer with NTLMv2; the AUTHENTICATE_MESSAGE
 * (Type 3) is verified by recomputing the NTProofStr from the configured
 * password:
 *
 *   NT hash   = MD4(UTF-16LE(password))                        (RFC 1320)
 *   NTOWFv2   = HMAC-MD5(NT hash, UTF-16LE(UPPER(user) domain)) (RFC 2104)
 *   NTProofStr = HMAC-MD5(NTOWFv2, server challenge || client blob)
 *
 * NTLM authenticates the connection: the handshake state lives with the
 * connection (struct ntlm_state), and later requests on an authenticated
 * connection need no header.  Only NTLMv2 is accepted (LM, NTLMv1 and
 * NTLM2 session responses are refused).  No signing or sealing: HTTP
 * does not use them.  Case folding of user names is ASCII only.
 */
#include "server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "md5.h"

#define NTLM_MSG_MAX    2048            /* tokens we accept; real ones are < 1 KiB */
#define NTLM_NAME_MAX   256             /* UTF-16 code units of a user or domain name */

/* NEGOTIATE flags ([MS-NLMP] 2.2.2.5) the server uses. */
#define NEG_UNICODE             0x00000001u
#define NEG_OEM                 0x00000002u
#define NEG_REQUEST_TARGET      0x00000004u
#define NEG_NTLM                0x00000200u
#define NEG_ALWAYS_SIGN         0x00008000u
#define NEG_TARGET_TYPE_DOMAIN  0x00010000u
#define NEG_EXTENDED_SECURITY   0x00080000u
#define NEG_TARGET_INFO         0x00800000u

/* AV_PAIR ids ([MS-NLMP] 2.2.2.1). */
#define AV_EOL                  0
#define AV_NB_COMPUTER_NAME     1
#define AV_NB_DOMAIN_NAME       2
#define AV_DNS_COMPUTER_NAME    3
#define AV_DNS_DOMAIN_NAME      4

#define TARGET_DOMAIN           "BITS"

static const uint8_t signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/* ---- MD4 (RFC 1320) ---- */

static uint32_t rotl(uint32_t x, unsigned s)
{
    return (x << s) | (x >> (32 - s));
}

static void md4_block(uint32_t h[4], const uint8_t block[64])
{
    static const uint8_t order2[16] = { 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15 };
    static const uint8_t order3[16] = { 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15 };
    static const uint8_t shift1[4] = { 3, 7, 11, 19 }, shift2[4] = { 3, 5, 9, 13 },
                         shift3[4] = { 3, 9, 11, 15 };
    uint32_t x[16], v[4] = { h[0], h[1], h[2], h[3] };
    int i;

    for (i = 0; i < 16; i++)
        x[i] = (uint32_t)block[4 * i] | (uint32_t)block[4 * i + 1] << 8 |
               (uint32_t)block[4 * i + 2] << 16 | (uint32_t)block[4 * i + 3] << 24;
    /* Each step updates one of a, b, c, d in turn: v[(16 - i) % 4] is "a"
     * of step i, and b, c, d follow it cyclically. */
    for (i = 0; i < 16; i++) {
        uint32_t *a = &v[(16 - i) % 4], b = v[(17 - i) % 4], c = v[(18 - i) % 4],
                 d = v[(19 - i) % 4];
        *a = rotl(*a + ((b & c) | (~b & d)) + x[i], shift1[i % 4]);
    }
    for (i = 0; i < 16; i++) {
        uint32_t *a = &v[(16 - i) % 4], b = v[(17 - i) % 4], c = v[(18 - i) % 4],
                 d = v[(19 - i) % 4];
        *a = rotl(*a + ((b & c) | (b & d) | (c & d)) + x[order2[i]] + 0x5A827999u,
                  shift2[i % 4]);
    }
    for (i = 0; i < 16; i++) {
        uint32_t *a = &v[(16 - i) % 4], b = v[(17 - i) % 4], c = v[(18 - i) % 4],
                 d = v[(19 - i) % 4];
        *a = rotl(*a + (b ^ c ^ d) + x[order3[i]] + 0x6ED9EBA1u, shift3[i % 4]);
    }
    for (i = 0; i < 4; i++)
        h[i] += v[i];
}

/* MD4 of a short message (passwords): one call, no streaming. */
static void md4(const void *data, size_t len, uint8_t digest[16])
{
    uint32_t h[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
    const uint8_t *p = data;
    uint8_t block[64];
    uint64_t bits = (uint64_t)len * 8;
    size_t left = len, i;

    for (; left >= 64; left -= 64, p += 64)
        md4_block(h, p);
    /* Padding: 0x80, zeros up to 56 mod 64, then the bit length (LE). */
    memset(block, 0, sizeof(block));
    memcpy(block, p, left);
    block[left] = 0x80;
    if (left >= 56) {
        md4_block(h, block);
        memset(block, 0, sizeof(block));
    }
    for (i = 0; i < 8; i++)
        block[56 + i] = (uint8_t)(bits >> (8 * i));
    md4_block(h, block);
    for (i = 0; i < 16; i++)
        digest[i] = (uint8_t)(h[i / 4] >> (8 * (i % 4)));
}

/* ---- HMAC-MD5 (RFC 2104) ---- */

static void hmac_md5(const void *key, size_t key_len, const void *data, size_t len,
              uint8_t mac[16])
{
    uint8_t k[64] = { 0 }, pad[64], inner[16];
    struct md5_ctx c;
    int i;

    if (key_len > sizeof(k)) {
        md5_init(&c);
        md5_update(&c, key, key_len);
        md5_final(&c, k);
    } else {
        memcpy(k, key, key_len);
    }
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    md5_init(&c);
    md5_update(&c, pad, sizeof(pad));
    md5_update(&c, data, len);
    md5_final(&c, inner);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    md5_init(&c);
    md5_update(&c, pad, sizeof(pad));
    md5_update(&c, inner, sizeof(inner));
    md5_final(&c, mac);
}

/* ---- strings ---- */

/* A name as UTF-16 code units. */
struct wname {
    uint16_t u[NTLM_NAME_MAX];
    size_t n;
};

static int wname_put(struct wname *w, uint32_t cp)
{
    if (cp >= 0x10000) {
        if (w->n + 2 > NTLM_NAME_MAX)
            return -1;
        cp -= 0x10000;
        w->u[w->n++] = (uint16_t)(0xD800 | (cp >> 10));
        w->u[w->n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        return 0;
    }
    if (w->n + 1 > NTLM_NAME_MAX)
        return -1;
    w->u[w->n++] = (uint16_t)cp;
    return 0;
}

/* UTF-8 (the switches' encoding) to UTF-16; -1 on bad UTF-8 or overflow. */
static int wname_from_utf8(struct wname *w, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + len;

    w->n = 0;
    while (p < end) {
        uint32_t cp = *p++;
        int more = cp < 0x80 ? 0 : (cp & 0xE0) == 0xC0 ? 1 : (cp & 0xF0) == 0xE0 ? 2
                 : (cp & 0xF8) == 0xF0 ? 3 : -1;
        if (more < 0 || end - p < more)
            return -1;
        if (more)
            cp &= 0x3Fu >> more;
        for (; more > 0; more--, p++) {
            if ((*p & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (*p & 0x3F);
        }
        if (wname_put(w, cp) < 0)
            return -1;
    }
    return 0;
}

/* A string field of a Type 3: UTF-16LE, or OEM bytes taken as Latin-1. */
static int wname_from_field(struct wname *w, const uint8_t *p, size_t len, int unicode)
{
    size_t i;

    w->n = 0;
    if (unicode) {
        if (len % 2 || len / 2 > NTLM_NAME_MAX)
            return -1;
        for (i = 0; i < len / 2; i++)
            w->u[w->n++] = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
        return 0;
    }
    if (len > NTLM_NAME_MAX)
        return -1;
    for (i = 0; i < len; i++)
        w->u[w->n++] = p[i];
    return 0;
}

static uint16_t ascii_upper(uint16_t ch)
{
    return ch >= 'a' && ch <= 'z' ? (uint16_t)(ch - 'a' + 'A') : ch;
}

static int wname_equal_nocase(const struct wname *a, const struct wname *b)
{
    size_t i;

    if (a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++)
        if (ascii_upper(a->u[i]) != ascii_upper(b->u[i]))
            return 0;
    return 1;
}

/* Appends the units as UTF-16LE bytes; returns the new length. */
static size_t put_utf16le(uint8_t *out, size_t at, const struct wname *w, int upper)
{
    size_t i;

    for (i = 0; i < w->n; i++) {
        uint16_t ch = upper ? ascii_upper(w->u[i]) : w->u[i];
        out[at++] = (uint8_t)ch;
        out[at++] = (uint8_t)(ch >> 8);
    }
    return at;
}

/* ---- message fields ---- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* The payload a security buffer at 'at' points to; -1 when outside the message. */
static int field(const uint8_t *msg, size_t len, size_t at, const uint8_t **data, size_t *n)
{
    size_t flen = (size_t)(msg[at] | msg[at + 1] << 8);
    size_t off = get32(msg + at + 4);

    if (off > len || flen > len - off)
        return -1;
    *data = msg + off;
    *n = flen;
    return 0;
}

/* Message type of a decoded token, 0 when it is no NTLMSSP message. */
static uint32_t message_type(const uint8_t *msg, size_t len)
{
    if (len < 12 || memcmp(msg, signature, sizeof(signature)))
        return 0;
    return get32(msg + 8);
}

/* ---- Type 2 ---- */

/* Appends one AV_PAIR with an ASCII value. */
static size_t put_av(uint8_t *out, size_t at, uint16_t id, const char *value)
{
    struct wname w;

    wname_from_utf8(&w, value, strlen(value));
    put16(out + at, id);
    put16(out + at + 2, (uint16_t)(w.n * 2));
    return put_utf16le(out, at + 4, &w, 0);
}

/* Builds the CHALLENGE_MESSAGE for the client's NEGOTIATE flags. */
static size_t build_challenge(struct ntlm_state *st, uint32_t client_flags, uint8_t out[512])
{
    static const size_t header = 56;    /* fixed part including the Version field */
    uint32_t flags = NEG_REQUEST_TARGET | NEG_NTLM | NEG_ALWAYS_SIGN | NEG_TARGET_TYPE_DOMAIN
                     | NEG_EXTENDED_SECURITY | NEG_TARGET_INFO;
    size_t at = header, name_len, info_at;
    struct wname target;

    /* UTF-16 unless the client offers only OEM strings. */
    st->unicode = (client_flags & NEG_UNICODE) || !(client_flags & NEG_OEM);
    flags |= st->unicode ? NEG_UNICODE : NEG_OEM;
    memset(out, 0, header);
    memcpy(out, signature, sizeof(signature));
    put32(out + 8, 2);

    if (st->unicode) {
        wname_from_utf8(&target, TARGET_DOMAIN, strlen(TARGET_DOMAIN));
        at = put_utf16le(out, at, &target, 0);
    } else {
        memcpy(out + at, TARGET_DOMAIN, strlen(TARGET_DOMAIN));
        at += strlen(TARGET_DOMAIN);
    }
    name_len = at - header;
    put16(out + 12, (uint16_t)name_len);
    put16(out + 14, (uint16_t)name_len);
    put32(out + 16, (uint32_t)header);
    put32(out + 20, flags);
    memcpy(out + 24, st->challenge, 8);

    /* Target information (always UTF-16): its presence makes clients use NTLMv2. */
    info_at = at;
    at = put_av(out, at, AV_NB_DOMAIN_NAME, TARGET_DOMAIN);
    at = put_av(out, at, AV_NB_COMPUTER_NAME, "BITS-SERVER");
    at = put_av(out, at, AV_DNS_DOMAIN_NAME, "bits.test");
    at = put_av(out, at, AV_DNS_COMPUTER_NAME, "bits-server.bits.test");
    put16(out + at, AV_EOL);
    put16(out + at + 2, 0);
    at += 4;
    put16(out + 40, (uint16_t)(at - info_at));
    put16(out + 42, (uint16_t)(at - info_at));
    put32(out + 44, (uint32_t)info_at);
    return at;
}

/* ---- Type 3 ---- */

/* Splits a configured "DOMAIN\user" (or plain "user", any domain). */
static int configured_account(const struct auth_conf *a, struct wname *user,
                              struct wname *domain, int *any_domain)
{
    const char *slash = strchr(a->user, '\\');

    *any_domain = !slash;
    if (!slash) {
        domain->n = 0;
        return wname_from_utf8(user, a->user, strlen(a->user));
    }
    if (wname_from_utf8(domain, a->user, (size_t)(slash - a->user)) < 0)
        return -1;
    return wname_from_utf8(user, slash + 1, strlen(slash + 1));
}

/* NTOWFv2 of the password for the user and domain the client named. */
static int ntowfv2(const struct auth_conf *a, const struct wname *user,
                   const struct wname *domain, uint8_t key[16])
{
    uint8_t buf[4 * NTLM_NAME_MAX], nt_hash[16];
    struct wname pw;
    size_t n;

    if (wname_from_utf8(&pw, a->password, strlen(a->password)) < 0)
        return -1;
    n = put_utf16le(buf, 0, &pw, 0);
    md4(buf, n, nt_hash);
    n = put_utf16le(buf, 0, user, 1);
    n = put_utf16le(buf, n, domain, 0);
    hmac_md5(nt_hash, sizeof(nt_hash), buf, n, key);
    return 0;
}

/* 1 when the AUTHENTICATE_MESSAGE proves the configured password. */
static int authenticate_ok(const struct ntlm_state *st, const uint8_t *msg, size_t len,
                           const struct auth_conf *a)
{
    const uint8_t *nt, *user_f, *domain_f;
    size_t nt_len, user_len, domain_len;
    struct wname user, domain, want_user, want_domain;
    uint8_t key[16], proof[16], seed[8 + NTLM_MSG_MAX];
    int any_domain;

    /* Security buffers: NtChallengeResponse at 20, DomainName 28, UserName 36. */
    if (len < 52 || field(msg, len, 20, &nt, &nt_len) < 0
        || field(msg, len, 28, &domain_f, &domain_len) < 0
        || field(msg, len, 36, &user_f, &user_len) < 0)
        return 0;
    /* NTLMv2: NTProofStr (16) + blob starting with RespType 1, HiRespType 1. */
    if (nt_len < 16 + 28 || nt[16] != 1 || nt[17] != 1)
        return 0;
    if (wname_from_field(&user, user_f, user_len, st->unicode) < 0
        || wname_from_field(&domain, domain_f, domain_len, st->unicode) < 0
        || configured_account(a, &want_user, &want_domain, &any_domain) < 0)
        return 0;
    if (!wname_equal_nocase(&user, &want_user)
        || (!any_domain && !wname_equal_nocase(&domain, &want_domain)))
        return 0;
    if (ntowfv2(a, &user, &domain, key) < 0)
        return 0;
    memcpy(seed, st->challenge, 8);
    memcpy(seed + 8, nt + 16, nt_len - 16);
    hmac_md5(key, sizeof(key), seed, 8 + nt_len - 16, proof);
    return !memcmp(proof, nt, sizeof(proof));
}

/* ---- the handshake ---- */

static void account_of(const struct auth_conf *a, uint8_t out[16])
{
    struct md5_ctx c;

    md5_init(&c);
    md5_update(&c, a->user, strlen(a->user));
    md5_update(&c, ":", 1);
    md5_update(&c, a->password, strlen(a->password));
    md5_final(&c, out);
}

static int new_challenge(struct ntlm_state *st)
{
    return getrandom(st->challenge, sizeof(st->challenge), 0) == (ssize_t)sizeof(st->challenge)
           ? 0 : -1;
}

/* Returns 1 when authenticated; 0 with the header value for the 401/407
 * ("NTLM" or "NTLM <Type 2>") in 'challenge'. */
static int ntlm_step(struct ntlm_state *st, const char *value, const struct auth_conf *a,
                     char *challenge, size_t cap)
{
    uint8_t msg[NTLM_MSG_MAX], account[16], type2[512];
    ssize_t len = -1;
    uint32_t type = 0;

    account_of(a, account);
    if (value && !strncasecmp(value, "NTLM ", 5)) {
        const char *token = value + 5;
        while (*token == ' ')
            token++;
        len = base64_decode(token, msg, sizeof(msg));
        type = len > 0 ? message_type(msg, (size_t)len) : 0;
    }
    if (type == 1 && len >= 16 && new_challenge(st) == 0) {
        size_t n = build_challenge(st, get32(msg + 12), type2);
        st->stage = NTLM_CHALLENGED;
        if (cap > 5) {
            memcpy(challenge, "NTLM ", 5);
            if (base64_encode(type2, n, challenge + 5, cap - 5))
                return 0;
        }
        st->stage = NTLM_IDLE;
    } else if (type == 3 && st->stage == NTLM_CHALLENGED) {
        st->stage = NTLM_IDLE;          /* one answer per challenge */
        if (authenticate_ok(st, msg, (size_t)len, a)) {
            st->stage = NTLM_DONE;
            memcpy(st->account, account, sizeof(account));
            return 1;
        }
    } else if (type == 0 && st->stage == NTLM_DONE
               && !memcmp(st->account, account, sizeof(account))) {
        /* The connection is authenticated (for these credentials). */
        return 1;
    } else {
        st->stage = NTLM_IDLE;
    }
    snprintf(challenge, cap, "NTLM");
    return 0;
}

int ntlm_check(struct request_ctx *ctx, int target, const struct auth_conf *a)
{
    const char *value = http_header(ctx->req, target == AUTH_PROXY ? "Proxy-Authorization"
                                                                    : "Authorization");
    char token[1024];
    struct http_hdrs h;

    if (ntlm_step(&ctx->ntlm[target], value, a, token, sizeof(token)))
        return 1;
    http_hdrs_init(&h);
    http_hdrs_add(&h, "%s: %s", target == AUTH_PROXY ? "Proxy-Authenticate" : "WWW-Authenticate",
                  token);
    stat_add(STAT_AUTH_CHALLENGES, 1);
    http_send(ctx->conn, ctx->req, target == AUTH_PROXY ? 407 : 401, h.text, NULL, 0);
    return 0;
}
