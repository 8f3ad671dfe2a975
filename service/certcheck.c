/*
 * Server certificate validation callback (IBackgroundCopyJobHttpOptions3).
 *
 * BITS calls the program's callback after the system's own checks passed
 * and before any HTTP request goes out.  libcurl cannot stop in the middle
 * of a handshake for an answer that comes later from another process, so
 * the engine makes the handshake alone first (CONNECT_ONLY, with the
 * job's TLS settings: the system checks and SetSecurityFlags apply as
 * always), takes the chain libcurl saw (CURLINFO_CERTINFO), hands it to
 * the daemon and waits without blocking the loop.  Accepted: the real
 * requests are pinned to that server key (CURLOPT_PINNEDPUBLICKEY), so the
 * data cannot come from a server the callback never judged.  Refused: the
 * job goes to TRANSIENT_ERROR with the callback's HRESULT (documented).
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "transfer_int.h"

#define PIN_PREFIX "sha256//"

struct chain {
    unsigned count;
    uint8_t *der[16];           /* a longer chain is cut: the rest is never needed */
    size_t len[16];
};

static void chain_free(struct chain *c)
{
    unsigned i;

    for (i = 0; i < c->count; i++)
        OPENSSL_free(c->der[i]);
    c->count = 0;
}

/* libcurl (OpenSSL) lists each certificate's fields as "Name:value"; the
 * "Cert:" field is the PEM text. */
static X509 *cert_from_info(const struct curl_slist *fields)
{
    const struct curl_slist *f;
    X509 *cert = NULL;
    BIO *bio;

    for (f = fields; f; f = f->next) {
        if (strncmp(f->data, "Cert:", 5))
            continue;
        if ((bio = BIO_new_mem_buf(f->data + 5, -1))) {
            cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
            BIO_free(bio);
        }
        break;
    }
    return cert;
}

static int take_chain(CURL *e, struct chain *out, X509 **leaf)
{
    struct curl_certinfo *info = NULL;
    unsigned char *der;
    X509 *cert;
    int i, len;

    *leaf = NULL;
    if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &info) != CURLE_OK || !info)
        return -1;
    for (i = 0; i < info->num_of_certs && out->count < 16; i++) {
        if (!(cert = cert_from_info(info->certinfo[i])))
            return -1;
        der = NULL;
        len = i2d_X509(cert, &der);
        if (len <= 0) {
            X509_free(cert);
            return -1;
        }
        out->der[out->count] = der;
        out->len[out->count++] = (size_t)len;
        if (!*leaf)
            *leaf = cert;
        else
            X509_free(cert);
    }
    return out->count ? 0 : -1;
}

/* The pin libcurl checks: SHA-256 of the DER SubjectPublicKeyInfo. */
static char *key_pin(X509 *leaf)
{
    unsigned char *spki = NULL, digest[SHA256_DIGEST_LENGTH];
    char *pin;
    int len;

    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &spki);
    if (len <= 0)
        return NULL;
    SHA256(spki, (size_t)len, digest);
    OPENSSL_free(spki);
    pin = malloc(sizeof(PIN_PREFIX) + 4 * ((sizeof(digest) + 2) / 3));
    if (!pin)
        return NULL;
    memcpy(pin, PIN_PREFIX, sizeof(PIN_PREFIX) - 1);
    EVP_EncodeBlock((unsigned char *)pin + sizeof(PIN_PREFIX) - 1, digest, sizeof(digest));
    return pin;
}

static void report_chain(struct xfer *x, const struct chain *c)
{
    struct xfer_cert_chain view;

    view.count = c->count;
    view.der = (const uint8_t *const *)c->der;
    view.len = c->len;
    x->cert_waiting = 1;
    if (x->cb.server_cert)
        x->cb.server_cert(x->ctx, &view);
    else
        xfer_cert_verdict(x, BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED);
}

static void on_handshake(struct http_op *op, CURLcode rc)
{
    struct xfer *x = op->owner;
    struct http_error err;
    struct chain c = { 0 };
    X509 *leaf = NULL;

    if (rc != CURLE_OK) {
        /* the system's checks failed: the callback is never called */
        http_op_error_from_curl(op, rc, &err);
        xfer_fail_with(x, &err);
        return;
    }
    if (take_chain(op->easy, &c, &leaf) < 0 || !(x->pinned_key = key_pin(leaf))) {
        X509_free(leaf);
        chain_free(&c);
        xfer_fail(x, BG_E_SECURE_CHANNEL_FAILURE, BP_CONTEXT_SERVER_CERTIFICATE_CALLBACK, 1);
        return;
    }
    X509_free(leaf);
    report_chain(x, &c);
    chain_free(&c);
}

static void handshake_step(struct xfer *x)
{
    CURL *e;

    if (http_op_prepare(&x->op, x->url, &x->conf) < 0) {
        xfer_fail(x, E_OUTOFMEMORY, BP_CONTEXT_GENERAL_TRANSPORT, 1);
        return;
    }
    e = x->op.easy;
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
    /* a handshake of its own: a reused connection or TLS session would
     * show no chain */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    xfer_send(x, on_handshake);
}

void certcheck_begin(struct xfer *x, xfer_step_fn next)
{
    x->cert_next = next;
    xfer_schedule(x, handshake_step);
}

void xfer_cert_verdict(struct xfer *x, int32_t hr)
{
    if (!x || x->aborted || x->done || !x->cert_waiting)
        return;
    x->cert_waiting = 0;
    if (hr < 0) {
        xfer_fail(x, hr, BP_CONTEXT_SERVER_CERTIFICATE_CALLBACK, 1);
        return;
    }
    x->conf.pinned_key = x->pinned_key;
    xfer_schedule(x, x->cert_next);
}

void certcheck_release(struct xfer *x)
{
    x->conf.pinned_key = NULL;
    free(x->pinned_key);
    x->pinned_key = NULL;
}
