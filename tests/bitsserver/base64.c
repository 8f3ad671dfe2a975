/*
 * Base64 (RFC 4648, standard alphabet, with padding) of binary data, for
 * the authentication tokens that travel in HTTP headers (NTLM messages).
 */
#include "server.h"

#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes the text and a NUL; returns its length, 0 when 'cap' is too small. */
size_t base64_encode(const void *data, size_t len, char *out, size_t cap)
{
    const uint8_t *in = data;
    size_t i, n = 0;

    if ((len + 2) / 3 * 4 + 1 > cap)
        return 0;
    for (i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[n++] = alphabet[(v >> 18) & 63];
        out[n++] = alphabet[(v >> 12) & 63];
        out[n++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[n++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[n] = 0;
    return n;
}

/* Stops at the end of the text, at '=' or at white space after the token;
 * -1 on any other character or when 'cap' bytes are not enough. */
ssize_t base64_decode(const char *text, uint8_t *out, size_t cap)
{
    uint32_t bits = 0;
    unsigned nbits = 0;
    size_t n = 0;

    for (; *text && *text != '=' && *text != ' ' && *text != '\t'; text++) {
        const char *at = strchr(alphabet, *text);
        if (!at)
            return -1;
        bits = (bits << 6) | (uint32_t)(at - alphabet);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(bits >> nbits);
        }
    }
    return (ssize_t)n;
}
