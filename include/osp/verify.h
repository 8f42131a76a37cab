/* Bundle verification and the trust decision: the one function the server
 * (at publish), the CLI (verify, inspect) and the browser (before mounting)
 * call to decide whether a manifest may be used.
 *
 * A bundle is trusted when its manifest signature verifies with a key of
 * the trust set that is neither revoked nor retired at the time of use,
 * the signed trusted comment names exactly this bundle (id, version,
 * digest), the signer belongs to the manifest's publisher, and the
 * manifest is valid (which includes engines compatibility).  Files are
 * checked against the manifest separately with osp_verify_file.
 */
#ifndef OSP_VERIFY_H
#define OSP_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "osp/diag.h"
#include "osp/hash.h"
#include "osp/manifest.h"
#include "osp/sig.h"

struct osp_trusted_key {
    struct osp_pubkey key;
    char publisher[OSP_ID_MAX_LEN + 1];
    int64_t retired_at; /* unix seconds; 0 = active.  Uses at or after it are refused */
    int revoked;        /* refused for every use */
    int verified;       /* the publisher is verified (may load in-app, tier U0) */
};

struct osp_trust {
    const struct osp_trusted_key *keys;
    size_t n;
};

/* What a signature binds: parsed from the trusted comment
 * "id=<id> version=<version> digest=<sha256 hex>" (space-separated
 * key=value tokens in any order; other tokens such as timestamp= are
 * allowed and ignored). */
struct osp_binding {
    char id[OSP_ID_MAX_LEN + 1];
    char version[65];
    char digest[OSP_SHA256_HEX_BYTES];
};

/* Returns 0 or OSP_E_SIGNATURE_BINDING if a token is missing, repeated or
 * too long. */
int osp_verify_parse_binding(const char *trusted_comment, struct osp_binding *out);

/* Writes the canonical trusted comment for a bundle into out.  Returns 0
 * or OSP_E_TOO_BIG. */
int osp_verify_format_binding(const char *id, const char *version, const char *digest_hex,
                              char *out, size_t cap);

struct osp_verified {
    struct osp_manifest *manifest; /* owned: release with osp_verified_clear */
    char digest[OSP_SHA256_HEX_BYTES];
    char keyid[OSP_SIG_KEYID_HEX_BYTES];
    const struct osp_trusted_key *signer; /* points into the trust set */
};

/* Verifies a signed manifest against trust.  use_time is the moment of use
 * being judged, in unix seconds: now when publishing, the recorded publish
 * time when loading an already-published bundle, so that retiring a key
 * stops new signatures without breaking what was published before.  If
 * expected_digest is not NULL the manifest's digest must equal it.
 * Returns 0 and fills *out, or the first problem's code; on failure *out is
 * cleared.  Without diags it stops at the first problem; with diags it
 * reports every problem it can see (for diagnostics).  The binding
 * mismatches are OSP_E_DIGEST_MISMATCH, OSP_E_ID_MISMATCH and
 * OSP_E_VERSION_MISMATCH; a trusted comment that names no bundle is
 * OSP_E_SIGNATURE_BINDING. */
int osp_verify_manifest(const char *manifest, size_t manifest_len, const char *sig,
                        size_t sig_len, const struct osp_trust *trust, int64_t use_time,
                        const char *expected_digest, struct osp_verified *out,
                        struct osp_diags *diags)
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

/* Everything osp_verify_manifest checks except the key and the crypto:
 * the signature's format, its binding to this manifest's digest, id and
 * version, and the manifest.  For `osp check` without keys; a 0 here says
 * nothing about who signed (out->signer is NULL). */
int osp_verify_structure(const char *manifest, size_t manifest_len, const char *sig,
                         size_t sig_len, struct osp_verified *out, struct osp_diags *diags);

/* Releases what *v owns and zeroes it; safe on a zeroed struct. */
void osp_verified_clear(struct osp_verified *v);

/* Checks one file's bytes against the manifest: OSP_E_UNLISTED_FILE if
 * path is not listed, OSP_E_SIZE_MISMATCH, OSP_E_DIGEST_MISMATCH, or 0. */
int osp_verify_file(const struct osp_manifest *m, const char *path, const void *data, size_t len);

#endif
