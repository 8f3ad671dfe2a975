/*
 * Transfer engine helpers without a server: BITS-Host-Id URL rewriting,
 * reply URL resolution, header value parsing and the error table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bitserr.h"
#include "bitsproto.h"
#include "httputil.h"

static void check_host(const char *url, const char *host, const char *expected)
{
    char *got = http_url_with_host(url, host);

    assert_non_null(got);
    assert_string_equal(got, expected);
    free(got);
}

static void host_id_replaces_host(void **state)
{
    check_host("http://farm.example.com/upload/a.bin?x=1", "node7",
               "http://node7/upload/a.bin?x=1");
    check_host("http://farm.example.com:8080/upload/a.bin", "10.0.0.7",
               "http://10.0.0.7:8080/upload/a.bin");
    check_host("https://farm.example.com/u", "node7:9443", "https://node7:9443/u");
    check_host("http://farm/u", "fe80::1", "http://[fe80::1]/u");
    check_host("http://farm/u", "[::1]:81", "http://[::1]:81/u");
}

/* A BITS-Host-Id whose port is not a number is a broken answer, not a URL
 * (found by fuzz_http_answer: libcurl took " 30" and built "http://h: 30/"). */
static void host_id_bad_port_refused(void **state)
{
    assert_null(http_url_with_host("http://farm/u", "h: 30"));
    assert_null(http_url_with_host("http://farm/u", "h:8x"));
    assert_null(http_url_with_host("http://farm/u", "[::1]: 8"));
    assert_null(http_url_with_host("http://farm/u", "a\002b"));
}

/* The status is read from the line libcurl hands over and nothing after
 * it (found by fuzz_http_answer: strtol skipped the CR LF and read on). */
static void status_line_stays_in_line(void **state)
{
    static const char buf[] = "HTTP/1.1 \r\r\n200 trailing bytes of another line";
    static const char ok[] = "HTTP/1.1 206 Partial Content\r\n";
    static const char hdr[] = "BITS-Packet-Type: Ack\r\n";
    struct http_op op;

    http_op_init(&op, NULL, NULL);
    assert_int_equal(http_op_header_cb((char *)buf, 1, 12, &op), 12);
    assert_int_equal(op.status, 0);
    assert_int_equal(http_op_header_cb((char *)ok, 1, sizeof(ok) - 1, &op), sizeof(ok) - 1);
    assert_int_equal(op.status, 206);
    http_op_header_cb((char *)hdr, 1, sizeof(hdr) - 1, &op);
    assert_string_equal(http_op_response_header(&op, "bits-packet-type"), "Ack");
    http_op_cleanup(&op);
}

static void check_resolve(const char *base, const char *ref, const char *expected)
{
    char *got = http_url_resolve(base, ref);

    assert_non_null(got);
    assert_string_equal(got, expected);
    free(got);
}

static void reply_url_resolves(void **state)
{
    check_resolve("http://h:1/reply/digest/a.bin", "http://other/r/1", "http://other/r/1");
    check_resolve("http://h:1/reply/digest/a.bin", "/replies/9", "http://h:1/replies/9");
    check_resolve("http://h:1/reply/digest/a.bin", "r/9", "http://h:1/reply/digest/r/9");
}

static void content_range_parses(void **state)
{
    uint64_t a, b, t;

    assert_int_equal(http_parse_content_range("bytes 0-99/100", &a, &b, &t), 0);
    assert_true(a == 0 && b == 99 && t == 100);
    assert_int_equal(http_parse_content_range("bytes */4096", &a, &b, &t), 0);
    assert_true(t == 4096 && a == BP_SIZE_UNKNOWN);
    assert_int_equal(http_parse_content_range("bytes 5-9/*", &a, &b, &t), 0);
    assert_true(t == BP_SIZE_UNKNOWN);
    assert_int_equal(http_parse_content_range("bytes 9-5/10", &a, &b, &t), -1);
    /* the last byte must lie inside the complete length (fuzz_engine) */
    assert_int_equal(http_parse_content_range("bytes 100-18446744073709551615/0", &a, &b, &t), -1);
    assert_int_equal(http_parse_content_range("bytes 0-10/10", &a, &b, &t), -1);
    assert_int_equal(http_parse_content_range("bytes 0-9/10", &a, &b, &t), 0);
    assert_int_equal(http_parse_content_range("items 0-1/2", &a, &b, &t), -1);
    assert_int_equal(http_parse_content_range("bytes 0-1/2x", &a, &b, &t), -1);
    assert_int_equal(http_parse_u64(" 213 ", &a), 0);
    assert_true(a == 213);
    assert_int_equal(http_parse_u64("-1", &a), -1);
    assert_int_equal(http_parse_u64("99999999999999999999999", &a), -1);
}

static void curl_errors_map(void **state)
{
    struct http_error err;

    http_error_from_curl(CURLE_COULDNT_CONNECT, &err);
    assert_int_equal(err.hr, BG_E_CONNECT_FAILURE);
    assert_int_equal(err.context, BP_CONTEXT_GENERAL_TRANSPORT);
    assert_int_equal(err.transient, 1);
    http_error_from_curl(CURLE_OPERATION_TIMEDOUT, &err);
    assert_int_equal(err.hr, BG_E_TIMEOUT);
    http_error_from_curl(CURLE_COULDNT_RESOLVE_HOST, &err);
    assert_int_equal(err.hr, BG_E_NAME_RESOLUTION_FAILURE);
    http_error_from_curl(CURLE_RECV_ERROR, &err);
    assert_int_equal(err.hr, BG_E_RECEIVE_FAILURE);
    http_error_from_curl(CURLE_PEER_FAILED_VERIFICATION, &err);
    assert_int_equal(err.hr, BG_E_TRUST_FAILURE);
    assert_int_equal(err.transient, 0);
    http_error_from_curl(CURLE_SSL_CONNECT_ERROR, &err);
    assert_int_equal(err.hr, BG_E_SECURE_CHANNEL_FAILURE);
}

static void statuses_map(void **state)
{
    assert_int_equal(http_status_is_transient(503, BP_CONTEXT_REMOTE_FILE), 1);
    assert_int_equal(http_status_is_transient(500, BP_CONTEXT_REMOTE_FILE), 1);
    assert_int_equal(http_status_is_transient(501, BP_CONTEXT_REMOTE_FILE), 0);
    assert_int_equal(http_status_is_transient(505, BP_CONTEXT_REMOTE_FILE), 0);
    assert_int_equal(http_status_is_transient(404, BP_CONTEXT_REMOTE_FILE), 0);
    assert_int_equal(http_status_is_transient(403, BP_CONTEXT_REMOTE_FILE), 0);
    assert_int_equal(http_status_is_transient(408, BP_CONTEXT_REMOTE_FILE), 1);
    assert_int_equal(http_status_is_transient(409, BP_CONTEXT_REMOTE_FILE), 0);
    assert_int_equal(http_status_is_transient(409, BP_CONTEXT_REMOTE_APPLICATION), 1);
    assert_int_equal(http_status_is_transient(404, BP_CONTEXT_REMOTE_APPLICATION), 0);
    assert_int_equal(http_status_is_transient(302, BP_CONTEXT_REMOTE_APPLICATION), 0);
    assert_int_equal(http_status_is_transient(306, BP_CONTEXT_REMOTE_APPLICATION), 1);
    assert_int_equal(http_status_is_transient(502, BP_CONTEXT_REMOTE_APPLICATION), 1);
    assert_int_equal(http_status_is_transient(505, BP_CONTEXT_REMOTE_APPLICATION), 0);
}

static void local_errors_map(void **state)
{
    struct http_error err;

    http_error_from_errno(ENOENT, &err);
    assert_int_equal(err.hr, BP_E_FILE_NOT_FOUND);
    assert_int_equal(err.context, BP_CONTEXT_LOCAL_FILE);
    assert_int_equal(err.transient, 0);
    http_error_from_errno(ENOSPC, &err);
    assert_int_equal(err.hr, BP_E_DISK_FULL);
    assert_int_equal(err.transient, 1);
    http_error_from_errno(EACCES, &err);
    assert_int_equal(err.hr, E_ACCESSDENIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(host_id_replaces_host),
        cmocka_unit_test(host_id_bad_port_refused),
        cmocka_unit_test(status_line_stays_in_line),
        cmocka_unit_test(reply_url_resolves),
        cmocka_unit_test(content_range_parses),
        cmocka_unit_test(curl_errors_map),
        cmocka_unit_test(statuses_map),
        cmocka_unit_test(local_errors_map),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
