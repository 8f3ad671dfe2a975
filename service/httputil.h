/*
 * HTTP helpers for the transfer engine: one request in flight per owner
 * (struct http_op), response header capture, URL rewriting, credentials
 * and proxy options, and the single table that maps HTTP statuses, BITS
 * error headers and libcurl errors to BITS HRESULTs.
 */
#ifndef HTTPUTIL_H
#define HTTPUTIL_H

#include <stdint.h>
#include <curl/curl.h>

#include "transfer.h"

/* Response headers kept per response; a peer cannot make us hold more. */
#define HTTP_HEADERS_MAX_BYTES  (64 * 1024)

struct http_hdr {
    struct http_hdr *next;
    char *value;            /* points into the same allocation as name */
    char name[];
};

struct http_op;
typedef void (*http_done_fn)(struct http_op *op, CURLcode rc);

/* One HTTP request and the response headers of its final answer. */
struct http_op {
    CURL *easy;
    CURLM *multi;
    int active;                     /* added to the multi handle */
    struct curl_slist *req_headers;
    long status;                    /* status of the last response head seen */
    struct http_hdr *headers;       /* headers of that response */
    size_t header_bytes;
    char errbuf[CURL_ERROR_SIZE];
    int32_t tls_hr;                 /* WinHTTP-style TLS verdict of a failure, 0 = none */
    int cert_requested;             /* the server asked for a client certificate (tlswatch.c) */
    http_done_fn done;
    void *owner;
};

/* What went wrong, in BITS terms. */
struct http_error {
    int32_t hr;
    int context;                    /* BP_CONTEXT_* */
    int transient;
};

/* Connection settings shared by every request of one transfer. */
struct http_conf {
    const struct xfer_credential *creds;
    unsigned n_creds;
    int proxy_usage;
    const char *proxy_list;
    const char *proxy_bypass;
    /* IBackgroundCopyJobHttpOptions: lines sent with every request, and
     * BG_SSL_* / BG_HTTP_REDIRECT_POLICY_* flags */
    const char *custom_headers;
    uint32_t security_flags;
    /* HttpOptions client certificate for TLS (DER X.509 and DER PKCS#1
     * key), owned: http_conf_set_client_key / http_conf_clear_client_key */
    unsigned char *client_cert, *client_key;
    size_t client_cert_len, client_key_len;
    /* CURLOPT_PINNEDPUBLICKEY ("sha256//..."): the server key a validation
     * callback accepted (certcheck.c), NULL for none */
    const char *pinned_key;
};

/* Trust: libcurl's system CAs, plus the PEM file named by this environment
 * variable of bitsd when it is set (test CAs, a private CA). */
#define HTTP_CA_FILE_ENV                "BITSD_CA_FILE"

/* Copies the key pair into 'conf' (NULLs: none); 0 or -1 (out of memory). */
int http_conf_set_client_key(struct http_conf *conf, const void *cert, size_t cert_len,
                             const void *key, size_t key_len);
/* Wipes and frees the key pair. */
void http_conf_clear_client_key(struct http_conf *conf);
/* tlswatch.c: sets *asked when the server of this request asks for a
 * client certificate none was configured for (OpenSSL builds of libcurl). */
void http_watch_cert_request(CURL *e, int *asked);

#define HTTP_SSL_IGNORE_CN_INVALID      0x0002u
#define HTTP_SSL_IGNORE_DATE_INVALID    0x0004u
#define HTTP_SSL_IGNORE_UNKNOWN_CA      0x0008u
#define HTTP_SSL_IGNORE_WRONG_USAGE     0x0010u
#define HTTP_REDIRECT_POLICY_MASK       0x0700u
#define HTTP_REDIRECT_DISALLOW          0x0200u

/* Whether redirects are followed under the job's security flags. */
int http_follows_redirects(const struct http_conf *conf);
/* The captured headers of the last answer as "Name: value\r\n" lines after
 * "HTTP/1.1 <status>\r\n"; malloc'd, NULL when there is no answer. */
char *http_op_headers_text(const struct http_op *op);

void http_op_init(struct http_op *op, CURLM *multi, void *owner);
/* Removes the request from the multi handle (if running) and frees all. */
void http_op_cleanup(struct http_op *op);
/* Stops the running request, keeps the easy handle for reuse. */
void http_op_cancel(struct http_op *op);

/* Resets the easy handle for a new request to 'url' with the common
 * options (HTTP/1.1, timeouts, credentials, proxy, header capture).
 * Returns 0 or -1 (out of memory). */
int http_op_prepare(struct http_op *op, const char *url, const struct http_conf *conf);
/* Adds a request header line "Name: value" (printf style); 0 or -1. */
int http_op_header(struct http_op *op, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the prepared request to the multi handle; 'done' runs from
 * xfer_engine_run when it ends.  0 or -1. */
int http_op_start(struct http_op *op, http_done_fn done);

/* libcurl's header callback of every http_op (userdata: the op): one
 * complete header line (status lines start a new response).  Exported so
 * fuzz/fuzz_http_answer.c can feed it server answers. */
size_t http_op_header_cb(char *data, size_t size, size_t nitems, void *userdata);
/* Case-insensitive lookup in the captured response headers; NULL if absent. */
const char *http_op_response_header(const struct http_op *op, const char *name);
/* Called by the engine when libcurl reports the request finished. */
void http_op_finished(struct http_op *op, CURLcode rc);

/* Replaces the host part of 'url' with 'host' ("name", "name:port",
 * "1.2.3.4", "[::1]:80").  Returns a malloc'd URL or NULL. */
char *http_url_with_host(const char *url, const char *host);
/* Resolves 'ref' (absolute or relative) against 'base'; malloc'd or NULL. */
char *http_url_resolve(const char *base, const char *ref);

/* Parses an unsigned decimal number that fills the whole string (spaces
 * around allowed); 0 or -1. */
int http_parse_u64(const char *s, uint64_t *out);
/* Parses "bytes a-b/total" (total may be "*": *total = BP_SIZE_UNKNOWN);
 * 0 or -1. */
int http_parse_content_range(const char *s, uint64_t *first, uint64_t *last, uint64_t *total);

/* The error table.  Each returns 1 and fills 'err' when the outcome is an
 * error; http_error_from_response returns 0 for a 2xx answer without a
 * BITS error header. */
int http_error_from_response(const struct http_op *op, struct http_error *err);
void http_error_from_curl(CURLcode rc, struct http_error *err);
/* http_error_from_curl refined by what the request saw of TLS: an
 * unknown CA, a name or date mismatch, a client certificate the server
 * demanded (BP_E_WINHTTP_*).  Use this where the http_op is at hand. */
void http_op_error_from_curl(const struct http_op *op, CURLcode rc, struct http_error *err);
void http_error_from_errno(int err, struct http_error *out);
/* Transient or not, for an HTTP status in a given context. */
int http_status_is_transient(long status, int context);
/* BITS-Error-Code / BITS-Error of the response as an HRESULT; 0 if absent. */
int32_t http_bits_error(const struct http_op *op);

#endif
