/*
 * fuzz_codec: the wire protocol decoders of common/bitsproto.c on
 * arbitrary bytes.
 *
 * Every input is used four ways:
 *   - as a frame header (bp_parse_header);
 *   - as an encoded struct bp_job_info: a successful decode must encode
 *     back to exactly the bytes it consumed;
 *   - as a little program: byte 0 is a count n, the next n bytes pick
 *     getters (u16, u32, u64, i32, str, bytes, guid, job info) that read
 *     the rest; a reader must never run past its payload, never move back,
 *     and once failed return only zeros and NULLs;
 *   - as GUID text (bp_guid_parse), which must format back to the same GUID.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitsproto.h"

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "fuzz_codec: check failed at line %d: %s\n", __LINE__, #cond); \
    abort(); } } while (0)

static void fuzz_header(const uint8_t *data, size_t size)
{
    uint32_t plen, seq;
    uint16_t type;

    if (size < BP_HEADER_SIZE)
        return;
    if (bp_parse_header(data, &plen, &type, &seq) == 0)
        CHECK(plen <= BP_MAX_FRAME - (BP_HEADER_SIZE - 4));
}

static void fuzz_job_info(const uint8_t *data, size_t size)
{
    struct bp_reader r;
    struct bp_writer w;
    struct bp_job_info info;
    size_t used;

    bp_reader_init(&r, data, size);
    if (bp_get_job_info(&r, &info) < 0) {
        CHECK(r.failed);
        return;
    }
    CHECK(!r.failed && r.left <= size);
    used = size - r.left;
    bp_writer_init(&w);
    bp_put_job_info(&w, &info);
    CHECK(!w.failed);
    CHECK(w.len == used);
    CHECK(!memcmp(w.data, data, used));
    bp_writer_free(&w);
    bp_job_info_free(&info);
}

/* One getter; returns whether it produced a non-zero value. */
static int get_one(struct bp_reader *r, uint8_t op)
{
    uint8_t guid[16];
    uint32_t len;
    size_t left = r->left;
    int nonzero = 0;

    switch (op % 8) {
    case 0: nonzero = bp_get_u16(r) != 0; break;
    case 1: nonzero = bp_get_u32(r) != 0; break;
    case 2: nonzero = bp_get_u64(r) != 0; break;
    case 3: nonzero = bp_get_i32(r) != 0; break;
    case 4: {
        char *s = bp_get_str(r);
        if (s) {
            /* the length on the wire and no NUL inside */
            CHECK(left - r->left == 4 + strlen(s));
            nonzero = 1;
        }
        free(s);
        break;
    }
    case 5: {
        const uint8_t *p = bp_get_bytes(r, &len);
        if (p) {
            CHECK(left - r->left == 4 + (size_t)len);
            CHECK(p + len <= r->p);
            nonzero = 1;
        } else {
            CHECK(len == 0);
        }
        break;
    }
    case 6: {
        static const uint8_t zero[16];
        bp_get_guid(r, guid);
        nonzero = memcmp(guid, zero, 16) != 0;
        break;
    }
    case 7: {
        struct bp_job_info info;
        if (bp_get_job_info(r, &info) == 0) {
            nonzero = 1;
            bp_job_info_free(&info);
        }
        break;
    }
    }
    CHECK(r->left <= left);
    return nonzero;
}

static void fuzz_program(const uint8_t *data, size_t size)
{
    struct bp_reader r;
    size_t n, i;

    if (!size)
        return;
    n = data[0];
    if (n > size - 1)
        n = size - 1;
    bp_reader_init(&r, data + 1 + n, size - 1 - n);
    for (i = 0; i < n; i++) {
        int was_failed = r.failed;
        int nonzero = get_one(&r, data[1 + i]);

        if (was_failed)
            CHECK(!nonzero && r.failed);
    }
}

static void fuzz_guid_text(const uint8_t *data, size_t size)
{
    uint8_t guid[16], again[16];
    char *text, out[39];

    text = malloc(size + 1);
    CHECK(text);
    memcpy(text, data, size);
    text[size] = 0;
    if (bp_guid_parse(text, guid) == 0) {
        bp_guid_format(guid, out);
        CHECK(bp_guid_parse(out, again) == 0);
        CHECK(!memcmp(guid, again, 16));
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_header(data, size);
    fuzz_job_info(data, size);
    fuzz_program(data, size);
    fuzz_guid_text(data, size);
    return 0;
}
