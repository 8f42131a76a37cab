/* Building bundles (native only): a plugin directory into a signed
 * .osplugin, or an existing bundle re-signed.  The output is deterministic:
 * the same directory and key always give the same bytes. */
#ifndef OSP_PACK_H
#define OSP_PACK_H

#include <stddef.h>

#include "osp/bundle.h"
#include "osp/diag.h"
#include "osp/signer.h"

/* Packs directory dir: reads its osplugin.json (a source manifest, "files"
 * optional), lists and hashes every file (skipping .git, node_modules and
 * *.osplugin; refusing dotfiles and secret-looking files such as private
 * keys and .env), writes the complete manifest, signs it with signer
 * unless signer is NULL, and returns the .osplugin bytes in *out (malloc'd).
 * Returns 0 or the first problem's code, with every problem in diags.
 * progress (may be NULL) hears "hashing" and "compressing" in bytes. */
int osp_pack_dir(const char *dir, const struct osp_signer *signer,
                 const struct osp_progress *progress, unsigned char **out, size_t *out_len,
                 struct osp_diags *diags);

/* Re-packs an open bundle with a new signature by signer over its
 * manifest.  Same output contract as osp_pack_dir. */
int osp_pack_sign(const struct osp_bundle *b, const struct osp_signer *signer,
                  unsigned char **out, size_t *out_len, struct osp_diags *diags);

/* Re-packs an open bundle with sig, a .minisig made elsewhere (e.g. by
 * `minisign -S -t "<binding>"`), after checking that it parses and binds
 * this manifest (osp_verify_structure).  Same output contract. */
int osp_pack_attach(const struct osp_bundle *b, const char *sig, size_t sig_len,
                    unsigned char **out, size_t *out_len, struct osp_diags *diags);

/* Re-packs an open bundle with its manifest's "version" replaced by version
 * and signed by signer: osp dev numbers its builds this way (1.0.0-dev.7),
 * because a server accepts each version once.  Same output contract as
 * osp_pack_dir; OSP_E_BAD_VERSION if version is not SemVer. */
int osp_pack_set_version(const struct osp_bundle *b, const char *version,
                         const struct osp_signer *signer, unsigned char **out, size_t *out_len,
                         struct osp_diags *diags);

#endif
