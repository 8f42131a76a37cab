/* Whole bundles: open a .osplugin and verify it (manifest signature and
 * trust through osp_verify_manifest, then every file against the
 * manifest).  Portable: the server, the CLI and the wasm test build all
 * use it; the browser shell itself verifies manifests and loads files by
 * URL.  Packing lives in pack.h (native).
 */
#ifndef OSP_BUNDLE_H
#define OSP_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "osp/archive.h"
#include "osp/diag.h"
#include "osp/verify.h"

#define OSP_BUNDLE_MANIFEST "osplugin.json"
#define OSP_BUNDLE_SIGNATURE "osplugin.json.minisig"

/* Progress of long operations on big bundles: fn hears the stage ("hashing",
 * "verifying", "compressing"), bytes done and bytes in all. */
struct osp_progress {
    void (*fn)(void *ctx, const char *stage, uint64_t done, uint64_t total);
    void *ctx;
};

struct osp_bundle {
    struct osp_archive *archive;
    const struct osp_archive_entry *manifest;  /* never NULL once open */
    const struct osp_archive_entry *signature; /* NULL for an unsigned bundle */
    const struct osp_progress *progress;       /* set by the caller; NULL for none */
};

/* Unpacks data and locates the manifest and signature.  Returns 0 or an
 * archive error, or OSP_E_MISSING_FILE when there is no manifest.  Release
 * with osp_bundle_close. */
int osp_bundle_open(const void *data, size_t len, struct osp_bundle *out,
                    struct osp_diags *diags);

void osp_bundle_close(struct osp_bundle *b);

/* Verifies an open bundle: osp_verify_manifest (see verify.h for use_time),
 * then every listed file present with its size and hash, and no unlisted
 * file.  Returns the first problem's code, or 0 with *out filled (release
 * with osp_verified_clear).  Without diags it stops at the first problem;
 * with diags it reports every problem, files included. */
int osp_bundle_verify(const struct osp_bundle *b, const struct osp_trust *trust,
                      int64_t use_time, struct osp_verified *out, struct osp_diags *diags)
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

/* Everything osp_bundle_verify checks except the key and the crypto (see
 * osp_verify_structure): for `osp check` without trusted keys.  A 0 says
 * nothing about who signed. */
int osp_bundle_check(const struct osp_bundle *b, struct osp_verified *out,
                     struct osp_diags *diags);

#endif
