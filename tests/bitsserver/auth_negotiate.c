/*
 * Negotiate (RFC 4559: SPNEGO over HTTP) with Kerberos for the test server,
 * for the origin server (401) and the forward proxy (407).
 *
 * The acceptor uses the default acceptor credentials, that is the keytab
 * named by KRB5_KTNAME (tests/krb5/realm.sh writes one for
 * HTTP/127.0.0.1), and one token completes it: a Kerberos AP-REQ needs no
 * second round.  The client principal must equal the configured user:
 * "alice@WINEBITS.TEST" exactly, or "alice" with any realm.
 *
 * Like IIS with persistent authentication, an authenticated connection
 * stays authenticated (request_ctx.negotiated): libcurl sends no
 * Authorization on later requests of a connection it authenticated.  The
 * principal is checked against the configuration again on every request,
 * so a change of auth_user takes effect at once.
 *
 * The mutual-authentication token (AP-REP) is not sent back: the answer is
 * produced by the request's handler, and libcurl does not require it.
 */
#include "server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_GSSAPI
#include <gssapi/gssapi.h>

#define TOKEN_MAX       (48 * 1024)
#define PRINCIPAL_MAX   NEGOTIATE_PRINCIPAL_MAX

int negotiate_available(void)
{
    return 1;
}

static int principal_is_user(const char *principal, const char *user)
{
    size_t n = strlen(user);

    if (!n)
        return 0;
    if (strchr(user, '@'))
        return !strcmp(principal, user);
    return !strncmp(principal, user, n) && principal[n] == '@';
}

static void log_gss_error(OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 ctx = 0, st;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    char line[512];
    size_t len = 0;

    do {
        if (gss_display_status(&st, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &text))
            break;
        len += (size_t)snprintf(line + len, sizeof(line) - len, "%.*s; ", (int)text.length,
                                (const char *)text.value);
        gss_release_buffer(&st, &text);
    } while (ctx && len < sizeof(line));
    ctx = 0;
    if (len < sizeof(line) && !gss_display_status(&st, minor, GSS_C_MECH_CODE, GSS_C_NO_OID,
                                                  &ctx, &text)) {
        snprintf(line + len, sizeof(line) - len, "%.*s", (int)text.length,
                 (const char *)text.value);
        gss_release_buffer(&st, &text);
    }
    log_msg("negotiate: token refused: %s", line);
}

/* Accepts one initial token; on success writes the client principal. */
static int accept_token(const uint8_t *token, size_t len, char principal[PRINCIPAL_MAX])
{
    OM_uint32 major, minor, st;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in = { len, (void *)token };
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER, name = GSS_C_EMPTY_BUFFER;
    gss_name_t client = GSS_C_NO_NAME;
    int ok = 0;

    major = gss_accept_sec_context(&minor, &ctx, GSS_C_NO_CREDENTIAL, &in,
                                   GSS_C_NO_CHANNEL_BINDINGS, &client, NULL, &out, NULL, NULL,
                                   NULL);
    if (major != GSS_S_COMPLETE) {
        /* CONTINUE_NEEDED would mean a mechanism other than Kerberos */
        log_gss_error(major, minor);
    } else if (gss_display_name(&minor, client, &name, NULL) == GSS_S_COMPLETE
               && name.length < PRINCIPAL_MAX && !memchr(name.value, 0, name.length)) {
        memcpy(principal, name.value, name.length);
        principal[name.length] = 0;
        ok = 1;
    }
    gss_release_buffer(&st, &name);
    gss_release_buffer(&st, &out);
    gss_release_name(&st, &client);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&st, &ctx, GSS_C_NO_BUFFER);
    return ok;
}

/* 1 when 'value' (NULL when absent) authenticates the configured user on
 * this connection; 'done' is the connection's authenticated principal. */
static int negotiate_ok(char done[PRINCIPAL_MAX], const char *value, const struct auth_conf *a)
{
    static __thread uint8_t token[TOKEN_MAX];
    char principal[PRINCIPAL_MAX];
    ssize_t len;

    if (!value)
        return done[0] && principal_is_user(done, a->user);
    if (strncasecmp(value, "Negotiate ", 10))
        return 0;
    done[0] = 0;
    value += 10;
    while (*value == ' ')
        value++;
    len = base64_decode(value, token, sizeof(token));
    if (len <= 0 || !accept_token(token, (size_t)len, principal))
        return 0;
    if (!principal_is_user(principal, a->user)) {
        log_msg("negotiate: %s is not the configured user %s", principal, a->user);
        return 0;
    }
    snprintf(done, PRINCIPAL_MAX, "%s", principal);
    return 1;
}

#else   /* no GSS-API at build time: auth=negotiate is refused by control.c */

int negotiate_available(void)
{
    return 0;
}

static int negotiate_ok(char done[NEGOTIATE_PRINCIPAL_MAX], const char *value,
                        const struct auth_conf *a)
{
    (void)done;
    (void)value;
    (void)a;
    return 0;
}

#endif

int negotiate_check(struct request_ctx *ctx, int target, const struct auth_conf *a)
{
    const char *value = http_header(ctx->req, target == AUTH_PROXY ? "Proxy-Authorization"
                                                                    : "Authorization");
    struct http_hdrs h;

    if (negotiate_ok(ctx->negotiated[target], value, a))
        return 1;
    http_hdrs_init(&h);
    http_hdrs_add(&h, "%s: Negotiate",
                  target == AUTH_PROXY ? "Proxy-Authenticate" : "WWW-Authenticate");
    stat_add(STAT_AUTH_CHALLENGES, 1);
    http_send(ctx->conn, ctx->req, target == AUTH_PROXY ? 407 : 401, h.text, NULL, 0);
    return 0;
}
