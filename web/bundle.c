/* Opening and verifying whole bundles (see include/osp/bundle.h). */
#include "osp/bundle.h"
#include "osp/error.h"
#include "osp/path.h"

#include <string.h>

int osp_bundle_open(const void *data, size_t len, struct osp_bundle *out,
                    struct osp_diags *diags)
{
    memset(out, 0, sizeof *out);
    int rc = osp_archive_unpack(data, len, &out->archive, diags);
    if (rc != 0)
        return rc;
    out->manifest = osp_archive_find(out->archive, OSP_BUNDLE_MANIFEST);
    out->signature = osp_archive_find(out->archive, OSP_BUNDLE_SIGNATURE);
    if (!out->manifest) {
        osp_diag_add(diags, OSP_E_MISSING_FILE, OSP_BUNDLE_MANIFEST, "", NULL,
                     "the bundle has no osplugin.json");
        osp_bundle_close(out);
        return OSP_E_MISSING_FILE;
    }
    return 0;
}

void osp_bundle_close(struct osp_bundle *b)
{
    if (!b)
        return;
    osp_archive_free(b->archive);
    memset(b, 0, sizeof *b);
}

/* Every listed file present with its size and hash, nothing unlisted. */
static int check_files(const struct osp_bundle *b, const struct osp_manifest *m,
                       struct osp_diags *diags)
{
    int first = 0;
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < m->n_files; i++)
        total += m->files[i].size;
    for (size_t i = 0; i < m->n_files; i++) {
        const struct osp_archive_entry *e = osp_archive_find(b->archive, m->files[i].path);
        int r = e ? osp_verify_file(m, e->path, e->data, e->size) : OSP_E_MISSING_FILE;
        done += m->files[i].size;
        if (b->progress && b->progress->fn)
            b->progress->fn(b->progress->ctx, "verifying", done, total);
        if (r == 0)
            continue;
        if (!first)
            first = r;
        osp_diag_add(diags, r, m->files[i].path, "", NULL, "%s",
                     r == OSP_E_MISSING_FILE    ? "listed in the manifest but not in the bundle"
                     : r == OSP_E_SIZE_MISMATCH ? "size differs from the manifest"
                                                : "content differs from the signed hash");
        if (!diags)
            return first;
    }
    for (size_t i = 0; i < b->archive->n; i++) {
        const char *p = b->archive->entries[i].path;
        if (osp_path_is_reserved(p) || osp_manifest_find_file(m, p))
            continue;
        if (!first)
            first = OSP_E_UNLISTED_FILE;
        osp_diag_add(diags, OSP_E_UNLISTED_FILE, p, "", "remove it, or list and sign it",
                     "in the bundle but not listed in the signed manifest");
        if (!diags)
            return first;
    }
    return first;
}

static int verify_bundle(const struct osp_bundle *b, const struct osp_trust *trust, int check_only,
                         int64_t use_time, struct osp_verified *out, struct osp_diags *diags)
{
    const char *manifest = (const char *)b->manifest->data;
    size_t mlen = b->manifest->size;
    int first;
    memset(out, 0, sizeof *out);
    if (!b->signature) {
        osp_diag_add(diags, OSP_E_SIGNATURE_MALFORMED, OSP_BUNDLE_SIGNATURE, "",
                     "sign it with osp sign FILE -k KEY", "the bundle is not signed");
        first = OSP_E_SIGNATURE_MALFORMED;
        if (!diags)
            return first;
        if (osp_manifest_parse(manifest, mlen, 0, &out->manifest, NULL) != 0) {
            /* Report the manifest's own problems too. */
            size_t before = diags->n;
            struct osp_manifest *m = NULL;
            osp_manifest_parse(manifest, mlen, 0, &m, diags);
            osp_diags_set_file(diags, before, OSP_BUNDLE_MANIFEST);
            return first;
        }
    } else {
        const char *sig = (const char *)b->signature->data;
        first = check_only ? osp_verify_structure(manifest, mlen, sig, b->signature->size, out,
                                                  diags)
                           : osp_verify_manifest(manifest, mlen, sig, b->signature->size, trust,
                                                 use_time, NULL, out, diags);
        if (first && !diags)
            return first;
        /* Diagnostics go on to the files whenever the manifest itself is
         * readable, even though the signature failed. */
        if (first && osp_manifest_parse(manifest, mlen, 0, &out->manifest, NULL) != 0)
            return first;
    }
    int rc = check_files(b, out->manifest, diags);
    if (!first)
        first = rc;
    if (first)
        osp_verified_clear(out);
    return first;
}

int osp_bundle_verify(const struct osp_bundle *b, const struct osp_trust *trust,
                      int64_t use_time, struct osp_verified *out, struct osp_diags *diags)
{
    static const struct osp_trust none = {NULL, 0};
    return verify_bundle(b, trust ? trust : &none, 0, use_time, out, diags);
}

int osp_bundle_check(const struct osp_bundle *b, struct osp_verified *out,
                     struct osp_diags *diags)
{
    return verify_bundle(b, NULL, 1, 0, out, diags);
}
