/*
 * Kerberos credentials for Negotiate (see kerberos.h).
 *
 * The TGT lives in a MEMORY: credential cache of this process, never in a
 * file; krb_forget destroys it when no transfer needs it.  libcurl asks
 * GSS-API for the default initiator credentials, and gss_krb5_ccache_name
 * makes our cache the default for this (the only) thread.
 */
#include "kerberos.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bitsd.h"

/* Not a Kerberos matter: the same name for the build with and without it. */
void krb_identity(const char *user, char out[KRB_IDENTITY_MAX])
{
    const char *slash, *at, *name = user, *realm = NULL;
    size_t name_len, realm_len = 0, i;

    out[0] = 0;
    if (!user || !*user)
        return;
    name_len = strlen(user);
    if ((slash = strchr(user, '\\'))) {
        /* DOMAIN\user: a NetBIOS domain name is not a realm, a DNS one is */
        name = slash + 1;
        name_len = strlen(name);
        if (memchr(user, '.', (size_t)(slash - user))) {
            realm = user;
            realm_len = (size_t)(slash - user);
        }
    } else if ((at = strrchr(user, '@'))) {
        /* user@realm (a UPN): realms are upper case by convention */
        name_len = (size_t)(at - user);
        realm = at + 1;
        realm_len = strlen(realm);
    }
    if (name_len + realm_len + 2 > KRB_IDENTITY_MAX)
        name_len = realm_len = 0;   /* too long: no principal, the KDC says no */
    memcpy(out, name, name_len);
    out[name_len] = 0;
    if (realm_len) {
        out[name_len] = '@';
        for (i = 0; i < realm_len; i++)
            out[name_len + 1 + i] = (char)toupper((unsigned char)realm[i]);
        out[name_len + 1 + realm_len] = 0;
    }
}

#ifdef HAVE_KRB5

#include <krb5.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include "bitserr.h"

/* A TGT that ends sooner than this is replaced before a transfer starts. */
#define RENEW_MARGIN_S  300

static struct {
    krb5_context ctx;
    krb5_ccache cc;                     /* our MEMORY: cache, NULL when none */
    char cc_name[64];
    char identity[KRB_IDENTITY_MAX];    /* whose TGT cc holds */
    char *password;                     /* it was got with (reuse needs the same) */
    time_t endtime;
    unsigned serial;
    const char *gss_points_at;          /* cc_name, or NULL for the default cache */
} kr;

static void wipe_password(void)
{
    if (kr.password) {
        explicit_bzero(kr.password, strlen(kr.password));
        free(kr.password);
        kr.password = NULL;
    }
}

/* Tells GSS-API which cache is the default (NULL: the process's own). */
static void point_gss(const char *name)
{
    OM_uint32 minor;

    if (name == kr.gss_points_at)
        return;
    if (gss_krb5_ccache_name(&minor, name, NULL) != GSS_S_COMPLETE) {
        log_warn("kerberos: cannot select credential cache (%u)", (unsigned)minor);
        return;
    }
    kr.gss_points_at = name;
}

void krb_forget(void)
{
    point_gss(NULL);
    if (kr.cc) {
        krb5_cc_destroy(kr.ctx, kr.cc);
        kr.cc = NULL;
        log_debug("kerberos: credentials of %s forgotten", kr.identity);
    }
    kr.identity[0] = 0;
    kr.endtime = 0;
    wipe_password();
}

/* The password or the user is wrong, as opposed to the KDC being out of
 * reach or the configuration broken (which may heal by itself). */
static int credentials_refused(krb5_error_code ret)
{
    switch (ret) {
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_CLIENT_REVOKED:
    case KRB5KDC_ERR_KEY_EXP:
    case KRB5KDC_ERR_NAME_EXP:
    case KRB5KDC_ERR_POLICY:
    case KRB5_PREAUTH_FAILED:
    case KRB5_PARSE_MALFORMED:
    case KRB5_LIBOS_CANTREADPWD:
        return 1;
    default:
        return 0;
    }
}

static void fail(struct krb_error *err, const char *identity, int proxy, krb5_error_code ret)
{
    const char *msg = kr.ctx ? krb5_get_error_message(kr.ctx, ret) : "no Kerberos context";

    if (credentials_refused(ret)) {
        err->hr = BP_HTTP_ERROR(proxy ? 407 : 401);
        err->context = BP_CONTEXT_REMOTE_FILE;
        err->transient = 0;
    } else {
        err->hr = BG_E_CONNECT_FAILURE;
        err->context = BP_CONTEXT_GENERAL_TRANSPORT;
        err->transient = 1;
    }
    log_info("kerberos: no TGT for %s: %s", identity, msg);
    if (kr.ctx)
        krb5_free_error_message(kr.ctx, msg);
}

/* Asks the KDC for a TGT; blocks for the exchange (one round trip, or the
 * library's timeouts when the KDC does not answer). */
static krb5_error_code get_tgt(const char *identity, const char *password, krb5_creds *creds)
{
    krb5_get_init_creds_opt *opt = NULL;
    krb5_principal client = NULL;
    krb5_error_code ret;

    ret = krb5_parse_name(kr.ctx, identity, &client);
    if (!ret)
        ret = krb5_get_init_creds_opt_alloc(kr.ctx, &opt);
    if (!ret) {
        /* the TGT serves this process only */
        krb5_get_init_creds_opt_set_forwardable(opt, 0);
        krb5_get_init_creds_opt_set_proxiable(opt, 0);
        /* no prompter: an expired password is a refusal, not a dialogue */
        ret = krb5_get_init_creds_password(kr.ctx, creds, client, password, NULL, NULL, 0,
                                           NULL, opt);
    }
    if (opt)
        krb5_get_init_creds_opt_free(kr.ctx, opt);
    if (client)
        krb5_free_principal(kr.ctx, client);
    return ret;
}

/* Puts the TGT into our cache: the same cache again for the same identity,
 * a new one for another. */
static krb5_error_code keep_tgt(const char *identity, krb5_creds *creds)
{
    krb5_error_code ret;

    if (kr.cc && strcmp(kr.identity, identity))
        krb_forget();
    if (!kr.cc) {
        snprintf(kr.cc_name, sizeof(kr.cc_name), "MEMORY:bitsd-%ld-%u", (long)getpid(),
                 ++kr.serial);
        ret = krb5_cc_resolve(kr.ctx, kr.cc_name, &kr.cc);
        if (ret) {
            kr.cc = NULL;
            return ret;
        }
    }
    ret = krb5_cc_initialize(kr.ctx, kr.cc, creds->client);
    if (!ret)
        ret = krb5_cc_store_cred(kr.ctx, kr.cc, creds);
    if (ret) {
        krb_forget();
        return ret;
    }
    snprintf(kr.identity, sizeof(kr.identity), "%s", identity);
    kr.endtime = (time_t)creds->times.endtime;
    return 0;
}

static int reusable(const char *identity, const char *password)
{
    return kr.cc && !strcmp(kr.identity, identity) && kr.password
           && !strcmp(kr.password, password) && time(NULL) + RENEW_MARGIN_S < kr.endtime;
}

int krb_use(const char *user, const char *password, int proxy, struct krb_error *err)
{
    char identity[KRB_IDENTITY_MAX];
    krb5_creds creds;
    krb5_error_code ret;

    krb_identity(user, identity);
    if (!identity[0]) {
        point_gss(NULL);
        return 0;
    }
    if (!password)
        password = "";
    if (!kr.ctx && (ret = krb5_init_context(&kr.ctx))) {
        kr.ctx = NULL;
        fail(err, identity, proxy, ret);
        return -1;
    }
    if (!reusable(identity, password)) {
        memset(&creds, 0, sizeof(creds));
        ret = get_tgt(identity, password, &creds);
        if (!ret) {
            ret = keep_tgt(identity, &creds);
            krb5_free_cred_contents(kr.ctx, &creds);
        }
        if (ret) {
            fail(err, identity, proxy, ret);
            return -1;
        }
        wipe_password();
        kr.password = strdup(password);     /* NULL: the next use asks the KDC again */
        log_info("kerberos: TGT for %s (memory only)", identity);
    }
    point_gss(kr.cc_name);
    return 0;
}

#else   /* !HAVE_KRB5: libcurl's default credentials */

int krb_use(const char *user, const char *password, int proxy, struct krb_error *err)
{
    (void)user;
    (void)password;
    (void)proxy;
    (void)err;
    return 0;
}

void krb_forget(void)
{
}

#endif
