/*
 * fuzz_http_answer: the transfer engine's reading of server answers
 * (service/httputil.c): header capture as libcurl hands it lines, the
 * lookups, and the parsers of every value the upload protocol and the
 * downloads take from an answer -- BITS-Packet-Type, BITS-Session-Id,
 * BITS-Received-Content-Range, BITS-Host-Id(-Fallback-Timeout),
 * BITS-Reply-URL, BITS-Error-Code/-Context, Content-Range, Content-Length,
 * plus the error table and the File5 header text.
 *
 * The input is the answer's head: lines split at '\n'.  libcurl only ever
 * passes complete lines, so a last line without one gets "\r\n"; each line
 * is handed over in a buffer of exactly its size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitserr.h"
#include "httputil.h"

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "fuzz_http_answer: check failed at line %d: %s\n", __LINE__, #cond); \
    abort(); } } while (0)

#define BASE_URL "http://127.0.0.1:8080/upload/dir/file.bin"

static void feed_line(struct http_op *op, const uint8_t *p, size_t len, int add_crlf)
{
    size_t n = len + (add_crlf ? 2 : 0);
    char *line = malloc(n ? n : 1);

    CHECK(line);
    memcpy(line, p, len);
    if (add_crlf)
        memcpy(line + len, "\r\n", 2);
    CHECK(http_op_header_cb(line, 1, n, op) == n);
    free(line);
}

static void feed_head(struct http_op *op, const uint8_t *data, size_t size)
{
    size_t off = 0;

    while (off < size) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t len = nl ? (size_t)(nl - (data + off)) + 1 : size - off;

        feed_line(op, data + off, len, !nl);
        off += len;
    }
}

static void check_number(const char *v)
{
    uint64_t n;

    if (v)
        http_parse_u64(v, &n);
}

static void check_content_range(const char *v)
{
    uint64_t first, last, total;

    if (!v || http_parse_content_range(v, &first, &last, &total) < 0)
        return;
    if (first == BP_SIZE_UNKNOWN)
        CHECK(last == BP_SIZE_UNKNOWN);
    else
        CHECK(first <= last && (total == BP_SIZE_UNKNOWN || last < total));
}

static void check_url(const char *base, const char *ref, int as_host)
{
    char *url;

    if (!ref)
        return;
    url = as_host ? http_url_with_host(base, ref) : http_url_resolve(base, ref);
    if (url) {
        /* what comes back is a URL libcurl takes again */
        char *again = http_url_resolve(url, url);
        CHECK(again);
        free(again);
    }
    free(url);
}

static void check_error_table(const struct http_op *op)
{
    struct http_error err;
    int32_t bits = http_bits_error(op);

    if (!http_error_from_response(op, &err)) {
        CHECK(op->status >= 200 && op->status < 300);
        CHECK(bits >= 0);
        return;
    }
    /* an answer that is an error always says which, as a failure code */
    CHECK(err.hr < 0);
    CHECK(err.context == BP_CONTEXT_REMOTE_FILE || err.context == BP_CONTEXT_REMOTE_APPLICATION);
    if (bits < 0)
        CHECK(err.hr == bits);
}

static void check_headers_text(const struct http_op *op)
{
    char *text = http_op_headers_text(op);

    if (!op->status) {
        CHECK(!text);
        return;
    }
    CHECK(text);
    CHECK(!strncmp(text, "HTTP/1.1 ", 9));
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const numbers[] = {
        "BITS-Received-Content-Range", "Content-Length", "BITS-Host-Id-Fallback-Timeout",
    };
    struct http_op op;
    const char *v;
    size_t i;

    http_op_init(&op, NULL, NULL);
    feed_head(&op, data, size);
    CHECK(op.header_bytes <= HTTP_HEADERS_MAX_BYTES);

    for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
        check_number(http_op_response_header(&op, numbers[i]));
    check_content_range(http_op_response_header(&op, "Content-Range"));
    v = http_op_response_header(&op, "BITS-Packet-Type");
    if (v)
        CHECK(strlen(v) <= size);
    v = http_op_response_header(&op, "BITS-Session-Id");
    if (v)
        CHECK(strlen(v) <= size);
    check_url(BASE_URL, http_op_response_header(&op, "BITS-Reply-URL"), 0);
    check_url(BASE_URL, http_op_response_header(&op, "BITS-Host-Id"), 1);
    check_url(BASE_URL, http_op_response_header(&op, "Location"), 0);
    check_error_table(&op);
    check_headers_text(&op);
    http_op_cleanup(&op);
    return 0;
}
