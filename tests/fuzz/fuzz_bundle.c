/* libFuzzer harness: a whole .osplugin through open and verify, as `osp
 * verify` and the publish endpoint run it (docs/fuzzing.md).
 *
 * The trust set holds one key, the tests' key 1 (tests/unit/fixtures.h)
 * for publisher "acme"; the seed corpus (make_corpus.c) has bundles it
 * signed, so inputs reach the file checks behind the signature.  As in
 * fuzz_archive.c, a custom mutator mostly mutates the tar inside the
 * brotli stream, which keeps a signed manifest intact while the files
 * around it change.
 *
 * Checked on every input: results and codes agree, failures are
 * reported, verification gives the same code with and without
 * diagnostics, and a verified bundle really has every listed file with
 * its size and hash and nothing unlisted.  A broken contract calls abort();
 * bad input alone never does.
 */
#include "osp/bundle.h"
#include "osp/diag.h"
#include "osp/error.h"
#include "osp/path.h"
#include "osp/signer.h"
#include "osp/verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define TAR_MAX (256u * 1024u) /* larger tars are mutated compressed */

static uint8_t tar_buf[TAR_MAX];
static uint8_t out_buf[TAR_MAX + 1024];
static struct osp_trusted_key trusted;
static struct osp_trust trust = {&trusted, 1};

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_bundle: contract broken: %s\n", what);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char seed[32], keyid[OSP_SIG_KEYID_BYTES];
    struct osp_signer *s = NULL;
    memset(seed, 1, sizeof seed);
    memset(keyid, 0xA1, sizeof keyid);
    if (osp_signer_from_seed(seed, keyid, &s) != 0) {
        fprintf(stderr, "fuzz_bundle: cannot derive the fixed key\n");
        exit(1);
    }
    osp_signer_public(s, &trusted.key);
    osp_signer_free(s);
    snprintf(trusted.publisher, sizeof trusted.publisher, "acme");
    return 0;
}

/* Same as in fuzz_archive.c: rewrites the checksum of every block that
 * looks like a ustar header. */
static void fix_checksums(uint8_t *tar, size_t len)
{
    for (size_t off = 0; off + 512 <= len; off += 512) {
        uint8_t *h = tar + off;
        if (memcmp(h + 257, "ustar", 5) != 0)
            continue;
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : h[i];
        char field[9];
        snprintf(field, sizeof field, "%06o", sum & 0777777u);
        memcpy(h + 148, field, 7);
        h[155] = ' ';
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size_t tar_len = TAR_MAX;
    if (seed % 8 != 0 &&
        BrotliDecoderDecompress(size, data, &tar_len, tar_buf) == BROTLI_DECODER_RESULT_SUCCESS) {
        tar_len = LLVMFuzzerMutate(tar_buf, tar_len, TAR_MAX);
        if (seed % 16 != 1)
            fix_checksums(tar_buf, tar_len);
        size_t out_len = sizeof out_buf;
        if (BrotliEncoderCompress(1, 18, BROTLI_MODE_GENERIC, tar_len, tar_buf, &out_len,
                                  out_buf) &&
            out_len <= max_size) {
            memcpy(data, out_buf, out_len);
            return out_len;
        }
    }
    return LLVMFuzzerMutate(data, size, max_size);
}

/* What osp_bundle_verify promised, checked independently. */
static void check_verified(const struct osp_bundle *b, const struct osp_verified *v)
{
    const struct osp_manifest *m = v->manifest;
    if (!m)
        broken("verified without a manifest");
    if (v->signer != &trusted || strcmp(m->publisher, "acme") != 0)
        broken("verified with the wrong key or publisher");
    for (size_t i = 0; i < m->n_files; i++) {
        const struct osp_archive_entry *e = osp_archive_find(b->archive, m->files[i].path);
        if (!e || osp_verify_file(m, e->path, e->data, e->size) != 0)
            broken("a listed file is missing or differs");
    }
    for (size_t i = 0; i < b->archive->n; i++) {
        const char *p = b->archive->entries[i].path;
        if (!osp_path_is_reserved(p) && !osp_manifest_find_file(m, p))
            broken("an unlisted file passed");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct osp_bundle b;
    struct osp_diags d = {0};
    int rc = osp_bundle_open(data, size, &b, &d);
    if (rc != 0) {
        if (b.archive || b.manifest || b.signature)
            broken("a failed open left the bundle set");
        if (rc != OSP_E_NO_MEMORY && d.n + d.dropped == 0)
            broken("open failed without a diagnostic");
        osp_diags_free(&d);
        return 0;
    }
    if (!b.archive || !b.manifest)
        broken("an open bundle without archive or manifest");

    /* With diagnostics verification may look further, but the verdict and
     * the first code must be those of the quick pass without. */
    struct osp_verified v, quick;
    size_t before = d.n + d.dropped;
    rc = osp_bundle_verify(&b, &trust, 0, &v, &d);
    int rq = osp_bundle_verify(&b, &trust, 0, &quick, NULL);
    if (rc != rq && rc != OSP_E_NO_MEMORY && rq != OSP_E_NO_MEMORY)
        broken("verification with and without diagnostics disagree");
    if (rc == 0)
        check_verified(&b, &v);
    else if (v.manifest)
        broken("a failed verification kept its manifest");
    else if (rc != OSP_E_NO_MEMORY && d.n + d.dropped == before)
        broken("verification failed without a diagnostic");
    if (rq != 0 && quick.manifest)
        broken("a failed verification kept its manifest");

    osp_verified_clear(&v);
    osp_verified_clear(&quick);
    osp_bundle_close(&b);
    osp_diags_free(&d);
    return 0;
}
