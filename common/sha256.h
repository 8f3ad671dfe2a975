/* SHA-256 (FIPS 180-4), plain C: the test server, the native tests and the
 * Windows conformance programs all hash with this one. */
#ifndef COMMON_SHA256_H
#define COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t state[8];
    uint64_t length;            /* bytes hashed so far */
    uint8_t block[64];
    size_t used;                /* bytes waiting in 'block' */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[32]);
/* 64 lowercase hex characters plus NUL. */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
