/*
 * Whether the server asked for a client certificate.
 *
 * A server that demands one and gets none ends the connection, and under
 * TLS 1.3 it does so after the handshake, so libcurl reports a send or
 * receive error that looks like any dropped connection.  OpenSSL tells the
 * client when the server asks (the client certificate callback), which is
 * what tells "client certificate needed" apart from a network failure.
 * Only for libcurl built on OpenSSL; elsewhere nothing is watched.
 */
#include <string.h>
#include <openssl/ssl.h>

#include "httputil.h"

static int ctx_index = -1;

/* Called by OpenSSL when the server's CertificateRequest arrives and no
 * certificate was configured: note it, send none. */
static int on_cert_request(SSL *ssl, X509 **cert, EVP_PKEY **key)
{
    int *asked = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);

    (void)cert;
    (void)key;
    if (asked)
        *asked = 1;
    return 0;
}

static CURLcode on_ssl_ctx(CURL *e, void *ctx, void *asked)
{
    (void)e;
    if (!SSL_CTX_set_ex_data(ctx, ctx_index, asked))
        return CURLE_OK;
    SSL_CTX_set_client_cert_cb(ctx, on_cert_request);
    return CURLE_OK;
}

static int curl_uses_openssl(void)
{
    static int known, openssl;
    const curl_version_info_data *v;

    if (!known) {
        known = 1;
        v = curl_version_info(CURLVERSION_NOW);
        openssl = v && v->ssl_version && !strncmp(v->ssl_version, "OpenSSL/", 8);
        if (openssl)
            ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        openssl = openssl && ctx_index >= 0;
    }
    return openssl;
}

void http_watch_cert_request(CURL *e, int *asked)
{
    *asked = 0;
    if (!curl_uses_openssl())
        return;
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, asked);
}
