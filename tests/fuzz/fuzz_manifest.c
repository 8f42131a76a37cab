/* libFuzzer harness: osplugin.json bytes through the manifest parser, as a
 * complete manifest and as an author's source manifest (docs/fuzzing.md).
 *
 * Besides the sanitizers, it checks the parser's contract on every input:
 * a result and a code agree, every failure is reported with its code as
 * the first diagnostic, whatever passes as a complete manifest also passes
 * as a source manifest (the source rules only relax "files"), and asking
 * for a partial result (OSP_MANIFEST_PARTIAL, where the header has it)
 * does not change the verdict.  A
 * broken contract calls abort(), which libFuzzer records as a crash; bad
 * input alone never does.
 */
#include "osp/diag.h"
#include "osp/error.h"
#include "osp/manifest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_manifest: contract broken: %s\n", what);
    abort();
}

static void check_result(int rc, const struct osp_manifest *m, const struct osp_diags *d)
{
    if ((rc == 0) != (m != NULL))
        broken("return code and manifest disagree");
    if (rc == OSP_E_NO_MEMORY)
        return; /* allocation failures may go unreported */
    if (rc == 0 && d->n + d->dropped != 0)
        broken("success with diagnostics");
    if (rc != 0 && d->n + d->dropped == 0)
        broken("failure without a diagnostic");
    if (rc != 0 && d->n && d->items[0].code != rc)
        broken("the first diagnostic does not carry the returned code");
    if (!m)
        return;
    /* Lookups are binary searches: the files must be strictly sorted. */
    for (size_t i = 0; i < m->n_files; i++) {
        if (i && strcmp(m->files[i - 1].path, m->files[i].path) >= 0)
            broken("files not strictly sorted");
        if (osp_manifest_find_file(m, m->files[i].path) != &m->files[i])
            broken("osp_manifest_find_file misses a listed file");
    }
    for (size_t i = 0; i < m->n_contributions; i++) {
        const struct osp_contribution *k = &m->contributions[i];
        if (osp_manifest_find_contribution(m, k->id) != k)
            broken("contribution ids are not unique");
        if (m->has_files && !osp_manifest_find_file(m, k->entry))
            broken("a contribution's entry is not in files");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct osp_manifest *m = NULL, *src = NULL;
    struct osp_diags d = {0}, ds = {0};

    /* data is passed as is (not NUL-terminated), so any read past len is
     * caught by AddressSanitizer. */
    int rc = osp_manifest_parse((const char *)data, size, 0, &m, &d);
    check_result(rc, m, &d);
    int rs = osp_manifest_parse((const char *)data, size, OSP_MANIFEST_SOURCE, &src, &ds);
    check_result(rs, src, &ds);
    if (rc == 0 && rs != 0)
        broken("a complete manifest fails as a source manifest");
#ifdef OSP_MANIFEST_PARTIAL
    /* Half-filled manifests are where frees go wrong: free what comes back. */
    struct osp_manifest *part = NULL;
    struct osp_diags dp = {0};
    int rp = osp_manifest_parse((const char *)data, size, OSP_MANIFEST_PARTIAL, &part, &dp);
    if (rp != rc && rp != OSP_E_NO_MEMORY && rc != OSP_E_NO_MEMORY)
        broken("OSP_MANIFEST_PARTIAL changed the verdict");
    if (rp == 0 && !part)
        broken("success without a manifest");
    osp_manifest_free(part);
    osp_diags_free(&dp);
#endif

    osp_manifest_free(m);
    osp_manifest_free(src);
    osp_diags_free(&d);
    osp_diags_free(&ds);
    return 0;
}
