/* SHA-256 and hex: content addresses for manifests, files and blobs.
 * Thin over libsodium so the native and wasm builds hash identically. */
#ifndef OSP_HASH_H
#define OSP_HASH_H

#include <stddef.h>

#include <sodium/crypto_hash_sha256.h>

#define OSP_SHA256_BYTES 32
#define OSP_SHA256_HEX_BYTES 65 /* 64 lowercase hex digits + NUL */

struct osp_sha256 {
    crypto_hash_sha256_state state;
};

void osp_hash_sha256(const void *data, size_t len, unsigned char out[OSP_SHA256_BYTES]);

/* Streaming form for large inputs. */
void osp_hash_sha256_init(struct osp_sha256 *h);
void osp_hash_sha256_update(struct osp_sha256 *h, const void *data, size_t len);
void osp_hash_sha256_final(struct osp_sha256 *h, unsigned char out[OSP_SHA256_BYTES]);

/* Writes 2*len lowercase hex digits and a NUL to hex (capacity 2*len+1). */
void osp_hash_to_hex(const unsigned char *bin, size_t len, char *hex);

/* Decodes exactly 2*out_len lowercase hex digits (no more, no less, no
 * upper case: digests have one spelling).  Returns 0 or
 * OSP_E_INVALID_ARGUMENT. */
int osp_hash_from_hex(const char *hex, unsigned char *out, size_t out_len);

/* SHA-256 of data as 64 lowercase hex digits. */
void osp_hash_sha256_hex(const void *data, size_t len, char hex[OSP_SHA256_HEX_BYTES]);

#endif
