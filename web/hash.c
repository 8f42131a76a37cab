/* SHA-256 and hex helpers (see include/osp/hash.h). */
#include "osp/hash.h"
#include "osp/error.h"

#include <string.h>

void osp_hash_sha256(const void *data, size_t len, unsigned char out[OSP_SHA256_BYTES])
{
    crypto_hash_sha256(out, (const unsigned char *)data, (unsigned long long)len);
}

void osp_hash_sha256_init(struct osp_sha256 *h)
{
    crypto_hash_sha256_init(&h->state);
}

void osp_hash_sha256_update(struct osp_sha256 *h, const void *data, size_t len)
{
    crypto_hash_sha256_update(&h->state, (const unsigned char *)data, (unsigned long long)len);
}

void osp_hash_sha256_final(struct osp_sha256 *h, unsigned char out[OSP_SHA256_BYTES])
{
    crypto_hash_sha256_final(&h->state, out);
}

void osp_hash_to_hex(const unsigned char *bin, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bin[i] >> 4];
        hex[2 * i + 1] = digits[bin[i] & 15];
    }
    hex[2 * len] = '\0';
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int osp_hash_from_hex(const char *hex, unsigned char *out, size_t out_len)
{
    if (!hex || strlen(hex) != 2 * out_len)
        return OSP_E_INVALID_ARGUMENT;
    for (size_t i = 0; i < out_len; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return OSP_E_INVALID_ARGUMENT;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

void osp_hash_sha256_hex(const void *data, size_t len, char hex[OSP_SHA256_HEX_BYTES])
{
    unsigned char bin[OSP_SHA256_BYTES];
    osp_hash_sha256(data, len, bin);
    osp_hash_to_hex(bin, sizeof bin, hex);
}
