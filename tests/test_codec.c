/* Tests of the qmgr <-> bitsd wire codec (common/bitsproto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bitsproto.h"

static const uint8_t sample_guid[16] = {
    0x4d, 0x35, 0xf0, 0x7d, 0x9b, 0x24, 0x0f, 0x43,
    0x82, 0x0d, 0x3d, 0x2a, 0x9b, 0xef, 0x49, 0x31,
};
static const char sample_guid_text[] = "{7DF0354D-249B-430F-820D-3D2A9BEF4931}";

static void test_scalars_round_trip(void **state)
{
    struct bp_writer w;
    struct bp_reader r;

    bp_writer_init(&w);
    bp_put_u16(&w, 0xBEEF);
    bp_put_u32(&w, 0xDEADBEEFu);
    bp_put_u64(&w, 0x0123456789ABCDEFull);
    bp_put_i32(&w, -2147024809);            /* E_INVALIDARG */
    bp_put_u64(&w, BP_SIZE_UNKNOWN);
    bp_put_guid(&w, sample_guid);
    assert_false(w.failed);
    assert_int_equal(w.len, 2 + 4 + 8 + 4 + 8 + 16);
    /* little endian on the wire */
    assert_int_equal(w.data[0], 0xEF);
    assert_int_equal(w.data[1], 0xBE);
    assert_int_equal(w.data[2], 0xEF);
    assert_int_equal(w.data[5], 0xDE);

    bp_reader_init(&r, w.data, w.len);
    assert_int_equal(bp_get_u16(&r), 0xBEEF);
    assert_int_equal(bp_get_u32(&r), 0xDEADBEEFu);
    assert_true(bp_get_u64(&r) == 0x0123456789ABCDEFull);
    assert_int_equal(bp_get_i32(&r), -2147024809);
    assert_true(bp_get_u64(&r) == BP_SIZE_UNKNOWN);
    {
        uint8_t g[16];
        bp_get_guid(&r, g);
        assert_memory_equal(g, sample_guid, 16);
    }
    assert_false(r.failed);
    assert_int_equal(r.left, 0);
    /* Reading past the end fails and yields zero. */
    assert_int_equal(bp_get_u32(&r), 0);
    assert_true(r.failed);
    bp_writer_free(&w);
}

static void test_strings_and_bytes(void **state)
{
    static const uint8_t blob[] = { 0, 1, 2, 0xFF };
    struct bp_writer w;
    struct bp_reader r;
    const uint8_t *p;
    uint32_t len;
    char *s;

    bp_writer_init(&w);
    bp_put_str(&w, "C:\\Users\\t\xc3\xa9st\\file.bin");
    bp_put_str(&w, NULL);
    bp_put_str(&w, "");
    bp_put_bytes(&w, blob, sizeof(blob));
    bp_put_bytes(&w, NULL, 123);            /* NULL data means NULL bytes, length ignored */
    bp_put_bytes(&w, blob, 0);
    assert_false(w.failed);

    bp_reader_init(&r, w.data, w.len);
    s = bp_get_str(&r);
    assert_non_null(s);
    assert_string_equal(s, "C:\\Users\\t\xc3\xa9st\\file.bin");
    free(s);
    assert_null(bp_get_str(&r));            /* NULL string ... */
    assert_false(r.failed);                 /* ... is not an error */
    s = bp_get_str(&r);
    assert_non_null(s);                     /* empty is not NULL */
    assert_string_equal(s, "");
    free(s);
    p = bp_get_bytes(&r, &len);
    assert_non_null(p);
    assert_int_equal(len, sizeof(blob));
    assert_memory_equal(p, blob, sizeof(blob));
    p = bp_get_bytes(&r, &len);
    assert_null(p);
    assert_int_equal(len, 0);
    assert_false(r.failed);
    p = bp_get_bytes(&r, &len);
    assert_non_null(p);                     /* empty bytes are not NULL bytes */
    assert_int_equal(len, 0);
    assert_false(r.failed);
    assert_int_equal(r.left, 0);
    bp_writer_free(&w);
}

static void test_embedded_nul_rejected(void **state)
{
    struct bp_writer w;
    struct bp_reader r;

    bp_writer_init(&w);
    bp_put_bytes(&w, "ab\0cd", 5);
    bp_reader_init(&r, w.data, w.len);
    assert_null(bp_get_str(&r));
    assert_true(r.failed);
    bp_writer_free(&w);
}

static void test_string_length_past_payload(void **state)
{
    uint8_t payload[8] = { 100, 0, 0, 0, 'a', 'b', 'c', 'd' };  /* claims 100 bytes, has 4 */
    struct bp_reader r;
    uint32_t len;

    bp_reader_init(&r, payload, sizeof(payload));
    assert_null(bp_get_str(&r));
    assert_true(r.failed);
    bp_reader_init(&r, payload, sizeof(payload));
    assert_null(bp_get_bytes(&r, &len));
    assert_int_equal(len, 0);
    assert_true(r.failed);
}

static void test_oversized_string_fails_writer(void **state)
{
    struct bp_writer w;
    char *big = malloc(BP_MAX_FRAME + 1);

    assert_non_null(big);
    memset(big, 'x', BP_MAX_FRAME);
    big[BP_MAX_FRAME] = 0;
    bp_writer_init(&w);
    bp_begin_frame(&w, BP_HELLO, 1);
    bp_put_str(&w, big);
    assert_true(w.failed);
    /* Later puts do nothing once failed. */
    bp_put_u32(&w, 7);
    assert_true(w.failed);
    free(big);
    bp_writer_free(&w);
}

static void test_frame_header(void **state)
{
    struct bp_writer w;
    uint32_t payload_len, seq;
    uint16_t type;

    bp_writer_init(&w);
    bp_begin_frame(&w, BP_JOB_INFO, 0x11223344u);
    bp_put_u32(&w, 42);
    bp_end_frame(&w);
    assert_false(w.failed);
    assert_int_equal(w.len, BP_HEADER_SIZE + 4);
    assert_int_equal(bp_parse_header(w.data, &payload_len, &type, &seq), 0);
    assert_int_equal(payload_len, 4);
    assert_int_equal(type, BP_JOB_INFO);
    assert_int_equal(seq, 0x11223344u);
    /* Reusing the writer starts a fresh frame. */
    bp_begin_frame(&w, BP_HELLO, 2);
    bp_end_frame(&w);
    assert_int_equal(w.len, BP_HEADER_SIZE);
    assert_int_equal(bp_parse_header(w.data, &payload_len, &type, &seq), 0);
    assert_int_equal(payload_len, 0);
    assert_int_equal(type, BP_HELLO);
    bp_writer_free(&w);
}

static void put_len(uint8_t *buf, uint32_t len)
{
    buf[0] = (uint8_t)len;
    buf[1] = (uint8_t)(len >> 8);
    buf[2] = (uint8_t)(len >> 16);
    buf[3] = (uint8_t)(len >> 24);
}

static void test_frame_header_limits(void **state)
{
    uint8_t hdr[BP_HEADER_SIZE] = { 0 };
    uint32_t payload_len, seq;
    uint16_t type;

    put_len(hdr, 7);                        /* shorter than type + reserved + seq */
    assert_int_equal(bp_parse_header(hdr, &payload_len, &type, &seq), -1);
    put_len(hdr, 0);
    assert_int_equal(bp_parse_header(hdr, &payload_len, &type, &seq), -1);
    put_len(hdr, 8);
    assert_int_equal(bp_parse_header(hdr, &payload_len, &type, &seq), 0);
    assert_int_equal(payload_len, 0);
    put_len(hdr, BP_MAX_FRAME);
    assert_int_equal(bp_parse_header(hdr, &payload_len, &type, &seq), 0);
    assert_int_equal(payload_len, BP_MAX_FRAME - 8);
    put_len(hdr, BP_MAX_FRAME + 1);
    assert_int_equal(bp_parse_header(hdr, &payload_len, &type, &seq), -1);
    put_len(hdr, 0xFFFFFFFFu);
    assert_int_equal(bp_parse_header(hdr, &payload_len, &type, &seq), -1);
}

static void fill_job_info(struct bp_job_info *info, struct bp_file_info files[2])
{
    memset(info, 0, sizeof(*info));
    memset(files, 0, 2 * sizeof(*files));
    memcpy(info->id, sample_guid, 16);
    info->type = 2;
    info->state = 4;
    info->priority = 1;
    info->display_name = "crash report";
    info->description = NULL;
    info->owner = "S-1-5-21-1-2-3-1000";
    info->bytes_total = 1ull << 33;
    info->bytes_transferred = 12345;
    info->files_total = 2;
    info->files_transferred = 1;
    info->creation_time = 133000000000000000ull;
    info->modification_time = 133000000000000001ull;
    info->transfer_completion_time = 0;
    info->notify_flags = 0xB;
    info->notify_program = "C:\\windows\\notepad.exe";
    info->notify_parameters = NULL;
    info->min_retry_delay = 600;
    info->no_progress_timeout = 1209600;
    info->error_count = 3;
    info->error_context = 7;
    info->error_code = (int32_t)0x80190193u;
    info->error_file = BP_NO_FILE;
    info->reply_bytes_total = BP_SIZE_UNKNOWN;
    info->reply_bytes_transferred = 0;
    info->reply_file_name = "C:\\reply.bin";
    info->proxy_usage = 3;
    info->proxy_list = "proxy:8080";
    info->proxy_bypass = "";
    files[0].remote_name = "http://127.0.0.1:1/upload/a.bin";
    files[0].local_name = "C:\\a.bin";
    files[0].bytes_total = 100;
    files[0].bytes_transferred = 100;
    files[0].completed = 1;
    files[1].remote_name = "http://127.0.0.1:1/upload/b.bin";
    files[1].local_name = NULL;
    files[1].bytes_total = BP_SIZE_UNKNOWN;
    files[1].bytes_transferred = 0;
    files[1].completed = 0;
    info->file_count = 2;
    info->files = files;
}

static void assert_str_same(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void test_job_info_round_trip(void **state)
{
    struct bp_file_info files[2];
    struct bp_job_info in, out;
    struct bp_writer w;
    struct bp_reader r;
    uint32_t i;

    fill_job_info(&in, files);
    bp_writer_init(&w);
    bp_put_job_info(&w, &in);
    assert_false(w.failed);
    bp_reader_init(&r, w.data, w.len);
    assert_int_equal(bp_get_job_info(&r, &out), 0);
    assert_false(r.failed);
    assert_int_equal(r.left, 0);

    assert_memory_equal(out.id, in.id, 16);
    assert_int_equal(out.type, in.type);
    assert_int_equal(out.state, in.state);
    assert_int_equal(out.priority, in.priority);
    assert_str_same(out.display_name, in.display_name);
    assert_str_same(out.description, in.description);
    assert_str_same(out.owner, in.owner);
    assert_true(out.bytes_total == in.bytes_total);
    assert_true(out.bytes_transferred == in.bytes_transferred);
    assert_int_equal(out.files_total, in.files_total);
    assert_int_equal(out.files_transferred, in.files_transferred);
    assert_true(out.creation_time == in.creation_time);
    assert_true(out.modification_time == in.modification_time);
    assert_true(out.transfer_completion_time == in.transfer_completion_time);
    assert_int_equal(out.notify_flags, in.notify_flags);
    assert_str_same(out.notify_program, in.notify_program);
    assert_str_same(out.notify_parameters, in.notify_parameters);
    assert_int_equal(out.min_retry_delay, in.min_retry_delay);
    assert_int_equal(out.no_progress_timeout, in.no_progress_timeout);
    assert_int_equal(out.error_count, in.error_count);
    assert_int_equal(out.error_context, in.error_context);
    assert_int_equal(out.error_code, in.error_code);
    assert_int_equal(out.error_file, in.error_file);
    assert_true(out.reply_bytes_total == in.reply_bytes_total);
    assert_true(out.reply_bytes_transferred == in.reply_bytes_transferred);
    assert_str_same(out.reply_file_name, in.reply_file_name);
    assert_int_equal(out.proxy_usage, in.proxy_usage);
    assert_str_same(out.proxy_list, in.proxy_list);
    assert_str_same(out.proxy_bypass, in.proxy_bypass);
    assert_int_equal(out.file_count, 2);
    for (i = 0; i < 2; i++) {
        assert_str_same(out.files[i].remote_name, in.files[i].remote_name);
        assert_str_same(out.files[i].local_name, in.files[i].local_name);
        assert_true(out.files[i].bytes_total == in.files[i].bytes_total);
        assert_true(out.files[i].bytes_transferred == in.files[i].bytes_transferred);
        assert_int_equal(out.files[i].completed, in.files[i].completed);
    }
    bp_job_info_free(&out);
    assert_null(out.files);
    bp_writer_free(&w);
}

static void test_job_info_without_files(void **state)
{
    struct bp_file_info files[2];
    struct bp_job_info in, out;
    struct bp_writer w;
    struct bp_reader r;

    fill_job_info(&in, files);
    in.file_count = 0;
    in.files = NULL;
    bp_writer_init(&w);
    bp_put_job_info(&w, &in);
    bp_reader_init(&r, w.data, w.len);
    assert_int_equal(bp_get_job_info(&r, &out), 0);
    assert_int_equal(out.file_count, 0);
    bp_job_info_free(&out);
    bp_writer_free(&w);
}

/* Every proper prefix of a valid job info must be rejected cleanly. */
static void test_job_info_truncated(void **state)
{
    struct bp_file_info files[2];
    struct bp_job_info in, out;
    struct bp_writer w;
    struct bp_reader r;
    size_t cut;

    fill_job_info(&in, files);
    bp_writer_init(&w);
    bp_put_job_info(&w, &in);
    for (cut = 0; cut < w.len; cut++) {
        bp_reader_init(&r, w.data, cut);
        assert_int_equal(bp_get_job_info(&r, &out), -1);
        assert_true(r.failed);
        /* nothing left allocated: the struct is zeroed */
        assert_null(out.display_name);
        assert_null(out.files);
    }
    bp_writer_free(&w);
}

static void test_truncated_scalars(void **state)
{
    uint8_t three[3] = { 1, 2, 3 };
    struct bp_reader r;
    uint8_t g[16];

    bp_reader_init(&r, three, sizeof(three));
    assert_int_equal(bp_get_u32(&r), 0);
    assert_true(r.failed);
    bp_reader_init(&r, three, sizeof(three));
    assert_true(bp_get_u64(&r) == 0);
    assert_true(r.failed);
    bp_reader_init(&r, three, sizeof(three));
    assert_int_equal(bp_get_u16(&r), 0x0201);
    assert_false(r.failed);
    assert_int_equal(bp_get_u16(&r), 0);    /* one byte left is not enough */
    assert_true(r.failed);
    bp_reader_init(&r, three, sizeof(three));
    memset(g, 0xAA, sizeof(g));
    bp_get_guid(&r, g);
    assert_true(r.failed);
    assert_int_equal(g[0], 0);              /* zero-filled on failure */
    assert_int_equal(g[15], 0);
}

/* Bytes of the newer-interface fields after the file list when they are
 * all zero/NULL and there are no files: 17 u32, 4 NULL strings, NULL hash
 * bytes, a GUID and a u64. */
#define NEWER_TAIL_EMPTY 96

/* The newer-interface fields and each file's ranges survive the trip. */
static void test_job_info_newer_fields(void **state)
{
    static const struct bp_range ranges[3] = {
        { 100, 100 }, { 900, 100 }, { 4000, BP_LENGTH_TO_EOF },
    };
    struct bp_file_info files[2];
    struct bp_job_info in, out;
    struct bp_writer w;
    struct bp_reader r;
    size_t cut;

    fill_job_info(&in, files);
    in.file_acl_flags = 15;
    in.peer_caching_flags = 3;
    in.max_download_time = 7776000;
    in.custom_headers = "X-One: 1\r\nX-Two: 2\r\n";
    in.security_flags = 0x20A;
    in.cert_set = 1;
    in.cert_location = 1;
    in.cert_store = "MY";
    memset(in.cert_hash, 0xAB, 20);
    in.cert_has_hash = 1;
    in.cert_subject = NULL;
    in.cost_flags = 0x800000ffu;
    memcpy(in.notification_clsid, sample_guid, 16);
    in.dynamic_content = 1;
    in.high_performance = 1;
    in.max_download_size = 1ull << 40;
    in.use_stored_credentials = 2;
    in.min_notification_interval = 500;
    in.on_demand = 1;
    in.http_method = "X-FETCH";
    in.headers_write_only = 1;
    files[0].temp_name = "/tmp/BIT1234.tmp";
    files[0].validation_state = 1;
    files[0].range_count = 3;
    files[0].ranges = (struct bp_range *)ranges;
    files[1].temp_name = NULL;
    files[1].validation_state = 0;
    files[1].range_count = 0;
    files[1].ranges = NULL;

    bp_writer_init(&w);
    bp_put_job_info(&w, &in);
    assert_false(w.failed);
    bp_reader_init(&r, w.data, w.len);
    assert_int_equal(bp_get_job_info(&r, &out), 0);
    assert_int_equal(r.left, 0);
    assert_int_equal(out.file_acl_flags, 15);
    assert_int_equal(out.peer_caching_flags, 3);
    assert_int_equal(out.max_download_time, 7776000);
    assert_string_equal(out.custom_headers, in.custom_headers);
    assert_int_equal(out.security_flags, 0x20A);
    assert_int_equal(out.cert_set, 1);
    assert_int_equal(out.cert_location, 1);
    assert_string_equal(out.cert_store, "MY");
    assert_int_equal(out.cert_has_hash, 1);
    assert_memory_equal(out.cert_hash, in.cert_hash, 20);
    assert_null(out.cert_subject);
    assert_int_equal(out.cost_flags, 0x800000ffu);
    assert_memory_equal(out.notification_clsid, sample_guid, 16);
    assert_int_equal(out.dynamic_content, 1);
    assert_int_equal(out.high_performance, 1);
    assert_true(out.max_download_size == 1ull << 40);
    assert_int_equal(out.use_stored_credentials, 2);
    assert_int_equal(out.min_notification_interval, 500);
    assert_int_equal(out.on_demand, 1);
    assert_string_equal(out.http_method, "X-FETCH");
    assert_int_equal(out.headers_write_only, 1);
    assert_string_equal(out.files[0].temp_name, "/tmp/BIT1234.tmp");
    assert_int_equal(out.files[0].validation_state, 1);
    assert_int_equal(out.files[0].range_count, 3);
    assert_memory_equal(out.files[0].ranges, ranges, sizeof(ranges));
    assert_null(out.files[1].temp_name);
    assert_int_equal(out.files[1].range_count, 0);
    assert_null(out.files[1].ranges);
    bp_job_info_free(&out);

    /* Every cut inside the newer part is refused, and frees what it took. */
    for (cut = 1; cut < 200; cut++) {
        bp_reader_init(&r, w.data, w.len - cut);
        assert_int_equal(bp_get_job_info(&r, &out), -1);
        assert_null(out.files);
        assert_null(out.custom_headers);
    }
    bp_writer_free(&w);
}

/* A range count beyond what the payload holds is refused before allocating. */
static void test_job_info_hostile_range_count(void **state)
{
    struct bp_file_info files[2];
    struct bp_job_info in, out;
    struct bp_writer w;
    struct bp_reader r;

    fill_job_info(&in, files);
    files[0].temp_name = files[1].temp_name = NULL;
    files[0].validation_state = files[1].validation_state = 0;
    files[0].range_count = files[1].range_count = 0;
    files[0].ranges = files[1].ranges = NULL;
    in.file_count = 1;
    bp_writer_init(&w);
    bp_put_job_info(&w, &in);
    /* the last u32 is file 0's range count */
    w.data[w.len - 1] = 0x10;
    bp_reader_init(&r, w.data, w.len);
    assert_int_equal(bp_get_job_info(&r, &out), -1);
    assert_null(out.files);
    bp_writer_free(&w);
}

/* A file_count far beyond what the payload holds must not allocate or read out of bounds. */
static void test_job_info_hostile_file_count(void **state)
{
    static const uint32_t counts[] = { 0xFFFFFFFFu, 0x10000000u, 3 };
    struct bp_file_info files[2];
    struct bp_job_info in, out;
    struct bp_writer w;
    struct bp_reader r;
    size_t i;

    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        fill_job_info(&in, files);
        in.file_count = 0;
        in.files = NULL;
        bp_writer_init(&w);
        bp_put_job_info(&w, &in);
        /* Patch the count (the u32 before the newer fields) and append a little junk. */
        w.data[w.len - NEWER_TAIL_EMPTY - 4] = (uint8_t)counts[i];
        w.data[w.len - NEWER_TAIL_EMPTY - 3] = (uint8_t)(counts[i] >> 8);
        w.data[w.len - NEWER_TAIL_EMPTY - 2] = (uint8_t)(counts[i] >> 16);
        w.data[w.len - NEWER_TAIL_EMPTY - 1] = (uint8_t)(counts[i] >> 24);
        bp_put_u32(&w, 0);
        bp_put_u32(&w, 0);
        bp_reader_init(&r, w.data, w.len);
        assert_int_equal(bp_get_job_info(&r, &out), -1);
        assert_true(r.failed);
        assert_null(out.files);
        assert_int_equal(out.file_count, 0);
        bp_writer_free(&w);
    }
}

static void test_guid_format_parse(void **state)
{
    char text[39];
    uint8_t g[16];

    bp_guid_format(sample_guid, text);
    assert_string_equal(text, sample_guid_text);
    assert_int_equal(bp_guid_parse(text, g), 0);
    assert_memory_equal(g, sample_guid, 16);
    /* lower case and no braces are accepted */
    memset(g, 0, sizeof(g));
    assert_int_equal(bp_guid_parse("7df0354d-249b-430f-820d-3d2a9bef4931", g), 0);
    assert_memory_equal(g, sample_guid, 16);
    memset(g, 0, sizeof(g));
    assert_int_equal(bp_guid_parse("{7df0354d-249B-430f-820D-3d2a9bef4931}", g), 0);
    assert_memory_equal(g, sample_guid, 16);
    /* all-zero and all-ones survive too */
    memset(g, 0xFF, sizeof(g));
    bp_guid_format(g, text);
    assert_string_equal(text, "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}");
    memset(g, 0, sizeof(g));
    bp_guid_format(g, text);
    assert_string_equal(text, "{00000000-0000-0000-0000-000000000000}");
}

static void test_guid_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "{}",
        "{7DF0354D-249B-430F-820D-3D2A9BEF4931",       /* missing closing brace */
        "7DF0354D-249B-430F-820D-3D2A9BEF4931}",        /* closing brace without opening */
        "{7DF0354D-249B-430F-820D-3D2A9BEF4931}x",      /* trailing junk */
        "{7DF0354D-249B-430F-820D-3D2A9BEF49310}",      /* one digit too many */
        "{7DF0354D-249B-430F-820D-3D2A9BEF493}",        /* one digit short */
        "{7DF0354D249B-430F-820D-3D2A9BEF4931}",        /* missing dash */
        "{7DF0354D-249B-430F-820D-3D2A9BEF4931 }",
        "{7DF0354G-249B-430F-820D-3D2A9BEF4931}",       /* not hex */
        "{7DF0354D-249B-430F-820D_3D2A9BEF4931}",       /* wrong separator */
        "{7DF0354D-249B-430F-820D-3D2A9BEF493\xff}",
        "7DF0354D",
    };
    uint8_t g[16];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(bp_guid_parse(bad[i], g), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_round_trip),
        cmocka_unit_test(test_strings_and_bytes),
        cmocka_unit_test(test_embedded_nul_rejected),
        cmocka_unit_test(test_string_length_past_payload),
        cmocka_unit_test(test_oversized_string_fails_writer),
        cmocka_unit_test(test_frame_header),
        cmocka_unit_test(test_frame_header_limits),
        cmocka_unit_test(test_job_info_round_trip),
        cmocka_unit_test(test_job_info_without_files),
        cmocka_unit_test(test_job_info_truncated),
        cmocka_unit_test(test_truncated_scalars),
        cmocka_unit_test(test_job_info_hostile_file_count),
        cmocka_unit_test(test_job_info_newer_fields),
        cmocka_unit_test(test_job_info_hostile_range_count),
        cmocka_unit_test(test_guid_format_parse),
        cmocka_unit_test(test_guid_parse_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
