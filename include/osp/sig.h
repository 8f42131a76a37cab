/* Signatures in the minisign file format, Ed25519 via libsodium.
 *
 * Public key: "untrusted comment: …\n" + base64("Ed" || keyid[8] || pk[32]).
 * Signature:  "untrusted comment: …\n" + base64(alg[2] || keyid[8] || sig[64])
 *             + "\ntrusted comment: <text>\n" + base64(global_sig[64]).
 * alg "ED" signs BLAKE2b-512(message) (prehashed, the default); "Ed" signs
 * the message itself (legacy).  global_sig signs sig || trusted comment, so
 * the trusted comment cannot be changed or moved.  Verification checks the
 * key id before any crypto.  Signing lives in signer.h (native only).
 */
#ifndef OSP_SIG_H
#define OSP_SIG_H

#include <stddef.h>

#define OSP_SIG_KEYID_BYTES 8
#define OSP_SIG_KEYID_HEX_BYTES 17 /* 16 upper-case hex digits + NUL */
#define OSP_SIG_PUBLICKEY_BYTES 32
#define OSP_SIG_BYTES 64
#define OSP_SIG_TRUSTED_COMMENT_MAX 1024
#define OSP_SIG_FILE_MAX 4096      /* a .minisig larger than this is refused */
#define OSP_SIG_PUBKEY_FILE_MAX 2048

struct osp_pubkey {
    unsigned char keyid[OSP_SIG_KEYID_BYTES];
    unsigned char pk[OSP_SIG_PUBLICKEY_BYTES];
};

struct osp_sig {
    int prehashed; /* 1 for "ED", 0 for legacy "Ed" */
    unsigned char keyid[OSP_SIG_KEYID_BYTES];
    unsigned char sig[OSP_SIG_BYTES];
    char trusted_comment[OSP_SIG_TRUSTED_COMMENT_MAX + 1];
    unsigned char global_sig[OSP_SIG_BYTES];
};

/* Parses a public key: the two-line minisign file, or the bare base64 line.
 * Returns 0, OSP_E_KEY_MALFORMED or OSP_E_UNSUPPORTED_ALGORITHM. */
int osp_sig_parse_pubkey(const char *text, size_t len, struct osp_pubkey *out);

/* Parses a .minisig file.  Returns 0, OSP_E_SIGNATURE_MALFORMED,
 * OSP_E_UNSUPPORTED_ALGORITHM or OSP_E_TOO_BIG.  On failure *out is zeroed. */
int osp_sig_parse(const char *text, size_t len, struct osp_sig *out);

/* Verifies sig over msg with key: key id first (OSP_E_UNKNOWN_KEY_ID), then
 * the signature (OSP_E_SIGNATURE_INVALID), then the trusted comment's
 * global signature (OSP_E_SIGNATURE_INVALID).  Returns 0 only if all hold. */
int osp_sig_verify(const struct osp_sig *sig, const struct osp_pubkey *key, const void *msg,
                   size_t msg_len)
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

/* The key id as minisign prints it: the little-endian 64-bit number in
 * upper-case hex ("28FF026BF27F4C01"). */
void osp_sig_keyid_hex(const unsigned char keyid[OSP_SIG_KEYID_BYTES],
                       char out[OSP_SIG_KEYID_HEX_BYTES]);

/* Writes the public key file (two lines, NUL-terminated) into out.
 * Returns 0 or OSP_E_TOO_BIG if cap is too small (128 bytes suffice). */
int osp_sig_format_pubkey(const struct osp_pubkey *key, char *out, size_t cap);

/* Writes just the base64 line of the public key (57 bytes with NUL). */
int osp_sig_pubkey_base64(const struct osp_pubkey *key, char *out, size_t cap);

#endif
