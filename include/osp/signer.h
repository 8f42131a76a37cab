/* Signing keys in the minisign secret key format (native only; the browser
 * never holds a secret key).
 *
 * Secret key file: "untrusted comment: …\n" + base64(
 *   "Ed" || kdf_alg[2] || "B2" || salt[32] || opslimit_le[8] ||
 *   memlimit_le[8] || (keyid[8] || sk[64] || chk[32]) XOR scrypt(password)).
 * kdf_alg is "Sc" (scrypt via libsodium) or two zero bytes for a key
 * stored without a password (minisign -W); chk is BLAKE2b-256 of
 * "Ed" || keyid || sk and detects a wrong password.
 */
#ifndef OSP_SIGNER_H
#define OSP_SIGNER_H

#include <stddef.h>

#include "osp/sig.h"

#define OSP_SIGNER_FILE_MAX 4096

struct osp_signer; /* secret key material in guarded memory */

/* A new random key pair.  Returns 0 or OSP_E_NO_MEMORY. */
int osp_signer_generate(struct osp_signer **out);

/* A key pair from a 32-byte seed and key id (deterministic; for tests and
 * test vectors only). */
int osp_signer_from_seed(const unsigned char seed[32],
                         const unsigned char keyid[OSP_SIG_KEYID_BYTES],
                         struct osp_signer **out);

/* 1 if the secret key file text is password-protected, 0 if not, or a
 * negative error if it is not a secret key file. */
int osp_signer_is_encrypted(const char *text, size_t len);

/* Loads a secret key file.  password may be NULL for an unencrypted key.
 * Returns 0, OSP_E_KEY_MALFORMED, OSP_E_UNSUPPORTED_ALGORITHM,
 * OSP_E_WRONG_PASSWORD (also when a password is needed but NULL) or
 * OSP_E_NO_MEMORY. */
int osp_signer_load(const char *text, size_t len, const char *password,
                    struct osp_signer **out);

/* Writes the secret key file, encrypted with password unless it is NULL or
 * empty.  Returns 0, OSP_E_TOO_BIG or OSP_E_NO_MEMORY. */
int osp_signer_save(const struct osp_signer *s, const char *password, char *out, size_t cap);

void osp_signer_public(const struct osp_signer *s, struct osp_pubkey *out);

/* Signs msg (prehashed "ED" unless legacy is set) with trusted_comment
 * (one line, at most OSP_SIG_TRUSTED_COMMENT_MAX bytes) and writes the
 * .minisig text into out.  Returns 0, OSP_E_INVALID_ARGUMENT or
 * OSP_E_TOO_BIG. */
int osp_signer_sign(const struct osp_signer *s, const void *msg, size_t len,
                    const char *trusted_comment, int legacy, char *out, size_t cap);

/* Wipes and frees; NULL does nothing. */
void osp_signer_free(struct osp_signer *s);

#endif
