/* .osplugin = ustar + brotli (see include/osp/archive.h). */
#include "osp/archive.h"
#include "osp/error.h"
#include "osp/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>

#define BLOCK 512
#define BROTLI_QUALITY 9 /* fixed: the output must not depend on defaults */
#define BROTLI_LGWIN 22

struct ustar {
    char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8], typeflag;
    char linkname[100], magic[6], version[2], uname[32], gname[32], devmajor[8], devminor[8];
    char prefix[155], pad[12];
};

static int entry_path_ok(const char *path)
{
    return osp_path_is_reserved(path) ? (strcmp(path, "osplugin.json") == 0 ||
                                         strcmp(path, "osplugin.json.minisig") == 0)
                                      : osp_path_check(path) == 0;
}

/* Whether path can be stored in a ustar header: name <= 100 bytes, or
 * split at a '/' into prefix <= 155 and name <= 100. */
static int ustar_fits(const char *path)
{
    size_t n = strlen(path);
    if (n <= 100)
        return 1;
    for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/'))
        if ((size_t)(s - path) <= 155 && n - (size_t)(s - path) - 1 <= 100)
            return 1;
    return 0;
}

static int cmp_entries(const void *a, const void *b)
{
    return strcmp(((const struct osp_archive_entry *)a)->path,
                  ((const struct osp_archive_entry *)b)->path);
}

/* Reads a NUL- or space-terminated octal field; -1 if malformed. */
static long long octal(const char *f, size_t n)
{
    long long v = 0;
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        v = v * 8 + (f[i] - '0');
        if (v > (1ll << 40))
            return -1;
    }
    if (digits == 0)
        return -1;
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    return v;
}

static unsigned checksum(const unsigned char *block)
{
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : block[i];
    return sum;
}

static int is_zero_block(const unsigned char *b)
{
    for (int i = 0; i < BLOCK; i++)
        if (b[i])
            return 0;
    return 1;
}

static int fail(struct osp_diags *d, int code, const char *path, const char *msg)
{
    osp_diag_add(d, code, path ? path : "", "", NULL, "%s", msg);
    return code;
}

/* Brotli-decodes into a growing buffer, refusing to pass either the
 * absolute cap or the ratio cap; the check runs per output chunk, so a
 * bomb stops within one chunk of the limit. */
static int decompress(const unsigned char *in, size_t in_len, unsigned char **out,
                      size_t *out_len, struct osp_diags *d)
{
    /* in_len is at most OSP_ARCHIVE_MAX_BYTES, so the product cannot wrap. */
    size_t limit = in_len * OSP_ARCHIVE_MAX_RATIO;
    if (limit < (1u << 20))
        limit = 1u << 20;
    if (limit > OSP_ARCHIVE_MAX_UNPACKED)
        limit = OSP_ARCHIVE_MAX_UNPACKED;
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!st)
        return OSP_E_NO_MEMORY;
    size_t cap = in_len * 4 < (1u << 16) ? (1u << 16) : in_len * 4;
    if (cap > limit)
        cap = limit;
    unsigned char *buf = malloc(cap);
    size_t used = 0, avail_in = in_len;
    const uint8_t *next_in = in;
    int rc = buf ? 0 : OSP_E_NO_MEMORY;
    while (rc == 0) {
        size_t avail_out = cap - used;
        uint8_t *next_out = buf + used;
        BrotliDecoderResult r =
            BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        used = cap - avail_out;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            if (avail_in != 0)
                rc = fail(d, OSP_E_ARCHIVE_INVALID, NULL, "bytes after the end of the archive");
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
            if (cap >= limit) {
                rc = fail(d, OSP_E_ARCHIVE_BOMB, NULL,
                          "the archive decompresses beyond its size or ratio limit");
                break;
            }
            size_t ncap = cap * 2 > limit ? limit : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                rc = OSP_E_NO_MEMORY;
                break;
            }
            buf = nb;
            cap = ncap;
            continue;
        }
        rc = fail(d, OSP_E_ARCHIVE_INVALID, NULL,
                  r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT ? "the archive is truncated"
                                                              : "the archive is not brotli data");
    }
    BrotliDecoderDestroyInstance(st);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = used;
    return 0;
}

int osp_archive_unpack(const void *data, size_t len, struct osp_archive **out,
                       struct osp_diags *d)
{
    *out = NULL;
    if (len > OSP_ARCHIVE_MAX_BYTES)
        return fail(d, OSP_E_TOO_BIG, NULL, "the archive is larger than allowed");
    struct osp_archive *a = calloc(1, sizeof *a);
    if (!a)
        return OSP_E_NO_MEMORY;
    int rc = decompress(data, len, &a->tar, &a->tar_len, d);
    if (rc != 0) {
        free(a);
        return rc;
    }
    if (a->tar_len % BLOCK != 0) {
        osp_archive_free(a);
        return fail(d, OSP_E_ARCHIVE_INVALID, NULL, "the tar stream is not whole 512-byte blocks");
    }
    size_t max_entries = a->tar_len / BLOCK;
    if (max_entries > OSP_ARCHIVE_MAX_ENTRIES)
        max_entries = OSP_ARCHIVE_MAX_ENTRIES;
    a->entries = calloc(max_entries + 1, sizeof *a->entries);
    a->names = malloc((max_entries + 1) * (OSP_PATH_MAX_LEN + 1));
    if (!a->entries || !a->names) {
        osp_archive_free(a);
        return OSP_E_NO_MEMORY;
    }
    size_t off = 0, names_used = 0;
    int ended = 0;
    char msg[300];
    while (off + BLOCK <= a->tar_len) {
        const unsigned char *blk = a->tar + off;
        if (is_zero_block(blk)) {
            ended = 1;
            break;
        }
        const struct ustar *h = (const struct ustar *)(const void *)blk;
        if (memcmp(h->magic, "ustar", 5) != 0 || (long long)checksum(blk) != octal(h->chksum, 8)) {
            rc = fail(d, OSP_E_ARCHIVE_INVALID, NULL, "a tar header is malformed");
            break;
        }
        char path[OSP_PATH_MAX_LEN + 64];
        size_t pl = strnlen(h->prefix, sizeof h->prefix), nl = strnlen(h->name, sizeof h->name);
        if (pl + nl + 2 > sizeof path) {
            rc = fail(d, OSP_E_ARCHIVE_PATH, NULL, "an entry name is too long");
            break;
        }
        path[0] = '\0';
        if (pl) {
            memcpy(path, h->prefix, pl);
            path[pl] = '/';
            pl++;
        }
        memcpy(path + pl, h->name, nl);
        path[pl + nl] = '\0';
        if (h->typeflag != '0' && h->typeflag != '\0') {
            snprintf(msg, sizeof msg, "entry %.200s is not a regular file (links, directories "
                                      "and devices are refused)", path);
            rc = fail(d, OSP_E_ARCHIVE_INVALID, NULL, msg);
            break;
        }
        if (!entry_path_ok(path)) {
            snprintf(msg, sizeof msg, "entry name \"%.200s\" is not a safe relative path", path);
            rc = fail(d, OSP_E_ARCHIVE_PATH, NULL, msg);
            break;
        }
        long long size = octal(h->size, sizeof h->size);
        if (size < 0 || (unsigned long long)size > a->tar_len - off - BLOCK) {
            rc = fail(d, OSP_E_ARCHIVE_INVALID, path, "entry size is malformed or truncated");
            break;
        }
        for (size_t i = 0; i < a->n && rc == 0; i++)
            if (osp_path_equal_nocase(a->entries[i].path, path)) {
                snprintf(msg, sizeof msg, "entry %.200s appears twice (names compare without "
                                          "case)", path);
                rc = fail(d, OSP_E_ARCHIVE_PATH, NULL, msg);
            }
        if (rc != 0)
            break;
        if (a->n >= OSP_ARCHIVE_MAX_ENTRIES) {
            rc = fail(d, OSP_E_TOO_BIG, NULL, "the archive has too many entries");
            break;
        }
        char *name = a->names + names_used;
        size_t plen = strlen(path);
        memcpy(name, path, plen + 1);
        names_used += plen + 1;
        a->entries[a->n].path = name;
        a->entries[a->n].data = blk + BLOCK;
        a->entries[a->n].size = (size_t)size;
        a->n++;
        off += BLOCK + (((size_t)size + BLOCK - 1) / BLOCK) * BLOCK;
    }
    if (rc == 0 && !ended)
        rc = fail(d, OSP_E_ARCHIVE_INVALID, NULL, "the tar stream has no end marker");
    if (rc == 0) {
        /* Past the end marker only zero padding may follow. */
        for (; off < a->tar_len && rc == 0; off += BLOCK)
            if (!is_zero_block(a->tar + off))
                rc = fail(d, OSP_E_ARCHIVE_INVALID, NULL, "data after the tar end marker");
    }
    if (rc != 0) {
        osp_archive_free(a);
        return rc;
    }
    qsort(a->entries, a->n, sizeof *a->entries, cmp_entries);
    *out = a;
    return 0;
}

void osp_archive_free(struct osp_archive *a)
{
    if (!a)
        return;
    free(a->entries);
    free(a->names);
    free(a->tar);
    free(a);
}

const struct osp_archive_entry *osp_archive_find(const struct osp_archive *a, const char *path)
{
    if (!a || !path)
        return NULL;
    struct osp_archive_entry key = {path, NULL, 0};
    return bsearch(&key, a->entries, a->n, sizeof *a->entries, cmp_entries);
}

static void write_header(unsigned char *blk, const char *path, size_t size)
{
    struct ustar *h = (struct ustar *)(void *)blk;
    memset(blk, 0, BLOCK);
    size_t n = strlen(path);
    if (n <= sizeof h->name) {
        memcpy(h->name, path, n);
    } else {
        /* Split at the first '/' that leaves at most 100 bytes of name
         * (ustar_fits checked one exists). */
        const char *cut = strchr(path, '/');
        while (n - (size_t)(cut - path) - 1 > sizeof h->name)
            cut = strchr(cut + 1, '/');
        memcpy(h->prefix, path, (size_t)(cut - path));
        memcpy(h->name, cut + 1, strlen(cut + 1));
    }
    memcpy(h->mode, "0000644", 8);
    memcpy(h->uid, "0000000", 8);
    memcpy(h->gid, "0000000", 8);
    snprintf(h->size, sizeof h->size, "%011llo", (unsigned long long)size);
    memcpy(h->mtime, "00000000000", 12);
    h->typeflag = '0';
    memcpy(h->magic, "ustar", 6);
    memcpy(h->version, "00", 2);
    snprintf(h->chksum, sizeof h->chksum, "%06o", checksum(blk));
    h->chksum[7] = ' ';
}

int osp_archive_pack(const struct osp_archive_entry *entries, size_t n, unsigned char **out,
                     size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (n > OSP_ARCHIVE_MAX_ENTRIES)
        return OSP_E_TOO_BIG;
    struct osp_archive_entry *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return OSP_E_NO_MEMORY;
    memcpy(sorted, entries, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_entries);
    size_t tar_len = 2 * BLOCK;
    for (size_t i = 0; i < n; i++) {
        if (!entry_path_ok(sorted[i].path) || !ustar_fits(sorted[i].path) ||
            (i && strcmp(sorted[i - 1].path, sorted[i].path) == 0)) {
            free(sorted);
            return OSP_E_ARCHIVE_PATH;
        }
        tar_len += BLOCK + ((sorted[i].size + BLOCK - 1) / BLOCK) * BLOCK;
    }
    if (tar_len > OSP_ARCHIVE_MAX_UNPACKED) {
        free(sorted);
        return OSP_E_TOO_BIG;
    }
    unsigned char *tar = calloc(1, tar_len);
    if (!tar) {
        free(sorted);
        return OSP_E_NO_MEMORY;
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        write_header(tar + off, sorted[i].path, sorted[i].size);
        if (sorted[i].size)
            memcpy(tar + off + BLOCK, sorted[i].data, sorted[i].size);
        off += BLOCK + ((sorted[i].size + BLOCK - 1) / BLOCK) * BLOCK;
    }
    free(sorted);
    size_t cap = BrotliEncoderMaxCompressedSize(tar_len);
    unsigned char *br = malloc(cap ? cap : tar_len + 1024);
    if (!br) {
        free(tar);
        return OSP_E_NO_MEMORY;
    }
    size_t br_len = cap ? cap : tar_len + 1024;
    if (!BrotliEncoderCompress(BROTLI_QUALITY, BROTLI_LGWIN, BROTLI_MODE_GENERIC, tar_len, tar,
                               &br_len, br)) {
        free(tar);
        free(br);
        return OSP_E_NO_MEMORY;
    }
    free(tar);
    *out = br;
    *out_len = br_len;
    return 0;
}
