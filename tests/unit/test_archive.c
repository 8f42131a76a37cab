#include "check.h"
#include "osp/archive.h"
#include "osp/error.h"

#include <stdlib.h>

#include <brotli/encode.h>

/* Compresses raw bytes as a .osplugin would be, for hand-made tars. */
static unsigned char *brotli(const void *raw, size_t len, size_t *out_len)
{
    size_t cap = BrotliEncoderMaxCompressedSize(len) + 64;
    unsigned char *out = malloc(cap);
    *out_len = cap;
    BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, len, raw, out_len, out);
    return out;
}

/* A one-entry ustar with the given name and type flag. */
static size_t tar_one(unsigned char *buf, const char *name, char type, const char *body)
{
    memset(buf, 0, 2048);
    strcpy((char *)buf, name);
    memcpy(buf + 100, "0000644", 8);
    snprintf((char *)buf + 124, 12, "%011o", (unsigned)strlen(body));
    memcpy(buf + 136, "00000000000", 12);
    buf[156] = (unsigned char)type;
    memcpy(buf + 257, "ustar", 6);
    memcpy(buf + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : buf[i];
    snprintf((char *)buf + 148, 8, "%06o", sum);
    memcpy(buf + 512, body, strlen(body));
    return 512 + 512 + 1024;
}

static int unpack_raw(const unsigned char *tar, size_t len)
{
    size_t blen;
    unsigned char *br = brotli(tar, len, &blen);
    struct osp_archive *a = NULL;
    int rc = osp_archive_unpack(br, blen, &a, NULL);
    osp_archive_free(a);
    free(br);
    return rc;
}

static void round_trip_and_determinism(void)
{
    struct osp_archive_entry e[] = {{"z.js", (const unsigned char *)"zz", 2},
                                    {"a/b.html", (const unsigned char *)"<p>", 3},
                                    {"osplugin.json", (const unsigned char *)"{}", 2},
                                    {"empty.txt", (const unsigned char *)"", 0}};
    unsigned char *out1, *out2;
    size_t l1, l2;
    CHECK_ERR(osp_archive_pack(e, 4, &out1, &l1), 0);
    struct osp_archive_entry rev[] = {e[3], e[2], e[1], e[0]};
    CHECK_ERR(osp_archive_pack(rev, 4, &out2, &l2), 0);
    CHECK(l1 == l2 && memcmp(out1, out2, l1) == 0);
    struct osp_archive *a = NULL;
    CHECK_ERR(osp_archive_unpack(out1, l1, &a, NULL), 0);
    CHECK_INT(a->n, 4);
    CHECK_STR(a->entries[0].path, "a/b.html");
    const struct osp_archive_entry *f = osp_archive_find(a, "z.js");
    CHECK(f && f->size == 2 && memcmp(f->data, "zz", 2) == 0);
    CHECK(osp_archive_find(a, "empty.txt")->size == 0);
    CHECK(osp_archive_find(a, "nope") == NULL);
    osp_archive_free(a);
    free(out1);
    free(out2);
    /* Long paths go through the ustar prefix field. */
    char longp[200];
    snprintf(longp, sizeof longp, "%s/%s", "dir-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
             "file-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.js");
    struct osp_archive_entry le = {longp, (const unsigned char *)"x", 1};
    CHECK_ERR(osp_archive_pack(&le, 1, &out1, &l1), 0);
    CHECK_ERR(osp_archive_unpack(out1, l1, &a, NULL), 0);
    CHECK(a && osp_archive_find(a, longp) != NULL);
    osp_archive_free(a);
    free(out1);
}

static void refuses_bad_entries(void)
{
    unsigned char tar[2048];
    size_t n = tar_one(tar, "ok.js", '0', "x");
    CHECK_ERR(unpack_raw(tar, n), 0);
    n = tar_one(tar, "link.js", '2', "");
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_INVALID);
    n = tar_one(tar, "dir/", '5', "");
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_INVALID);
    n = tar_one(tar, "../evil.js", '0', "x");
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_PATH);
    n = tar_one(tar, "/etc/passwd", '0', "x");
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_PATH);
    n = tar_one(tar, "a\\b.js", '0', "x");
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_PATH);
    n = tar_one(tar, ".env", '0', "x");
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_PATH);
    n = tar_one(tar, "ok.js", '0', "x");
    tar[148] ^= 1; /* checksum */
    CHECK_ERR(unpack_raw(tar, n), OSP_E_ARCHIVE_INVALID);
    n = tar_one(tar, "ok.js", '0', "x");
    CHECK_ERR(unpack_raw(tar, 1024), OSP_E_ARCHIVE_INVALID); /* no end marker */
    /* Duplicates and case-only collisions. */
    unsigned char two[4096];
    tar_one(two, "a.js", '0', "x");
    tar_one(two + 1024, "A.js", '0', "y");
    memset(two + 2048, 0, 2048);
    CHECK_ERR(unpack_raw(two, 4096), OSP_E_ARCHIVE_PATH);
    /* Not brotli at all, and truncated brotli. */
    struct osp_archive *a = NULL;
    CHECK_ERR(osp_archive_unpack("hello world", 11, &a, NULL), OSP_E_ARCHIVE_INVALID);
    size_t bl;
    unsigned char *br = brotli(two, 4096, &bl);
    CHECK_ERR(osp_archive_unpack(br, bl / 2, &a, NULL), OSP_E_ARCHIVE_INVALID);
    free(br);
    struct osp_archive_entry bad = {"../x", (const unsigned char *)"", 0};
    unsigned char *out;
    size_t ol;
    CHECK_ERR(osp_archive_pack(&bad, 1, &out, &ol), OSP_E_ARCHIVE_PATH);
}

static void stops_a_brotli_bomb(void)
{
    /* 200 MiB of zeros compresses to a few hundred bytes. */
    size_t raw_len = 200u << 20;
    unsigned char *raw = calloc(1, raw_len);
    size_t bl;
    unsigned char *br = brotli(raw, raw_len, &bl);
    free(raw);
    CHECK(bl < 100000);
    struct osp_archive *a = NULL;
    struct osp_diags d = {0};
    CHECK_ERR(osp_archive_unpack(br, bl, &a, &d), OSP_E_ARCHIVE_BOMB);
    CHECK(a == NULL);
    CHECK_INT(d.n, 1);
    osp_diags_free(&d);
    free(br);
}

int main(void)
{
    RUN(round_trip_and_determinism);
    RUN(refuses_bad_entries);
    RUN(stops_a_brotli_bomb);
    CHECK_EXIT();
}
