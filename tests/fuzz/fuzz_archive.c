/* libFuzzer harness: .osplugin bytes (brotli over ustar) through the strict
 * unpacker (docs/fuzzing.md).
 *
 * Inputs stay real .osplugin files, so a crash reproduces with `osp
 * verify`.  Mutating compressed bytes almost never gives a well-formed tar,
 * and the brotli decoder is a system library without coverage feedback, so
 * a custom mutator mostly works on the tar inside: decompress, mutate,
 * repair header checksums, compress again.
 *
 * Checked on every input: a result and a code agree, failures are
 * reported, entries are sorted and unique, each entry is found by
 * osp_archive_find and lies inside the tar, and (for one input in
 * sixteen) an archive that unpacks packs again into one that unpacks to
 * the same entries.  A broken contract calls abort(); bad input alone never
 * does.
 */
#include "osp/archive.h"
#include "osp/diag.h"
#include "osp/error.h"
#include "osp/path.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define TAR_MAX (256u * 1024u) /* larger tars are mutated compressed */

static uint8_t tar_buf[TAR_MAX];
static uint8_t out_buf[TAR_MAX + 1024];

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_archive: contract broken: %s\n", what);
    abort();
}

/* Rewrites the checksum of every block that looks like a ustar header, so
 * mutations get past the checksum test to the checks behind it. */
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
        memcpy(h + 148, field, 7); /* six digits and a NUL */
        h[155] = ' ';
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size_t tar_len = TAR_MAX;
    /* One mutation in eight works on the compressed bytes, which keeps the
     * decoder's error paths (truncation, trailing bytes, bombs) in play. */
    if (seed % 8 != 0 &&
        BrotliDecoderDecompress(size, data, &tar_len, tar_buf) == BROTLI_DECODER_RESULT_SUCCESS) {
        tar_len = LLVMFuzzerMutate(tar_buf, tar_len, TAR_MAX);
        /* Leave a bad checksum now and then so that check stays covered. */
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

static void check_entries(const struct osp_archive *a)
{
    const unsigned char *lo = a->tar, *hi = a->tar + a->tar_len;
    if (a->n > OSP_ARCHIVE_MAX_ENTRIES)
        broken("more entries than OSP_ARCHIVE_MAX_ENTRIES");
    for (size_t i = 0; i < a->n; i++) {
        const struct osp_archive_entry *e = &a->entries[i];
        if (i && strcmp(a->entries[i - 1].path, e->path) >= 0)
            broken("entries not strictly sorted");
        if (osp_archive_find(a, e->path) != e)
            broken("osp_archive_find misses an entry");
        if (i && osp_path_equal_nocase(a->entries[i - 1].path, e->path))
            broken("two entries differ only by case");
        if (osp_path_check(e->path) != 0 && strcmp(e->path, "osplugin.json") != 0 &&
            strcmp(e->path, "osplugin.json.minisig") != 0)
            broken("an unsafe entry path was accepted");
        if (e->data < lo || e->data > hi || e->size > (size_t)(hi - e->data))
            broken("entry data outside the tar");
    }
}

/* Packs the entries again; the result must unpack to the same entries. */
static void check_repack(const struct osp_archive *a)
{
    unsigned char *packed = NULL;
    size_t packed_len = 0;
    int rc = osp_archive_pack(a->entries, a->n, &packed, &packed_len);
    if (rc == OSP_E_NO_MEMORY)
        return;
    if (rc != 0)
        broken("an unpacked archive does not pack again");
    struct osp_archive *b = NULL;
    rc = osp_archive_unpack(packed, packed_len, &b, NULL);
    if (rc != 0 && rc != OSP_E_NO_MEMORY)
        broken("a packed archive does not unpack");
    if (b) {
        if (b->n != a->n)
            broken("repacking changed the entry count");
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->entries[i].path, b->entries[i].path) != 0 ||
                a->entries[i].size != b->entries[i].size ||
                (a->entries[i].size &&
                 memcmp(a->entries[i].data, b->entries[i].data, a->entries[i].size) != 0))
                broken("repacking changed an entry");
    }
    osp_archive_free(b);
    free(packed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct osp_archive *a = NULL;
    struct osp_diags d = {0};
    int rc = osp_archive_unpack(data, size, &a, &d);
    if ((rc == 0) != (a != NULL))
        broken("return code and archive disagree");
    if (rc != 0 && rc != OSP_E_NO_MEMORY && d.n + d.dropped == 0)
        broken("failure without a diagnostic");
    if (a) {
        check_entries(a);
        if (osp_archive_find(a, "not a path") != NULL)
            broken("osp_archive_find found a missing path");
        /* Packing runs a quality-9 brotli encode, which costs more than
         * everything else here together; every sixteenth input (by
         * length) still checks it. */
        if (size % 16 == 0)
            check_repack(a);
    }
    osp_archive_free(a);
    osp_diags_free(&d);
    return 0;
}
