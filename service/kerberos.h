/*
 * Negotiate with the user name and password a job was given
 * (SetCredentials, BG_AUTH_SCHEME_NEGOTIATE), as Windows does: bitsd gets
 * a Kerberos TGT for that user into an in-memory credential cache and
 * points GSS-API (which libcurl's Negotiate uses) at it.
 *
 * GSS-API takes its default credential cache per thread, and bitsd runs
 * every transfer on one thread: only one Kerberos identity can be in use at
 * a time.  The scheduler (sched.c) therefore never runs two transfers that
 * need different identities together (krb_identity gives the key it
 * compares).
 *
 * Built without Kerberos (no HAVE_KRB5) every call succeeds and Negotiate
 * uses libcurl's default: the process's own credential cache.
 */
#ifndef KERBEROS_H
#define KERBEROS_H

#include <stddef.h>
#include <stdint.h>

#define KRB_IDENTITY_MAX 512

struct krb_error {
    int32_t hr;             /* BG_E_HTTP_ERROR_401, or a transient network error */
    int context;            /* BP_CONTEXT_* */
    int transient;
};

/* The identity a Negotiate credential stands for, as a principal name
 * ("alice@REALM"; "DOMAIN\alice" and "alice" get the default realm, a
 * dotted DOMAIN is taken as the realm).  "" for a credential without a
 * user name: the process's default credentials.  The scheduler compares
 * these strings. */
void krb_identity(const char *user, char out[KRB_IDENTITY_MAX]);

/* Makes GSS-API use a TGT of 'user' got with 'password' (kept for reuse
 * while it is valid, renewed when it ends soon or the password differs).
 * 'user' NULL or "" selects the process's default credentials.  Returns 0,
 * or -1 with 'err' filled: a refused password or unknown user is
 * BG_E_HTTP_ERROR_401, or _407 for 'proxy' credentials (final), an
 * unreachable KDC a transient error. */
int krb_use(const char *user, const char *password, int proxy, struct krb_error *err);

/* Destroys the in-memory TGT and forgets the password copy (no transfer
 * needs them any more); GSS-API goes back to the default credentials. */
void krb_forget(void);

#endif
