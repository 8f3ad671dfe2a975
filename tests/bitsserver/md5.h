/*
 * MD5 (RFC 1321), only for HTTP Digest authentication (RFC 7616 "MD5",
 * RFC 2617) in bits-server.  Not for anything that needs a secure hash.
 */
#ifndef BITSSERVER_MD5_H
#define BITSSERVER_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5_ctx {
    uint32_t state[4];
    uint64_t length;            /* bytes hashed so far */
    uint8_t block[64];
    size_t used;                /* bytes waiting in 'block' */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t len);
void md5_final(struct md5_ctx *c, uint8_t digest[16]);
/* MD5 of 'data' as 32 lower-case hex characters plus NUL. */
void md5_hex(const void *data, size_t len, char out[33]);

#endif
