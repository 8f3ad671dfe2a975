/* SHA-256 (FIPS 180-4), for checking uploads and digest replies. */
#ifndef WINETEST_SHA256_H
#define WINETEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256_ctx {
    uint32_t h[8];
    uint64_t length;        /* bytes hashed so far */
    uint8_t block[64];
    size_t used;            /* bytes waiting in 'block' */
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[32]);
/* Lowercase hex of the digest of 'data', NUL-terminated. */
void sha256_hex(const void *data, size_t len, char hex[65]);
void sha256_digest_to_hex(const uint8_t digest[32], char hex[65]);

#endif
