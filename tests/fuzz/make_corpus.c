/* Writes the fuzz harnesses' seed corpora (docs/fuzzing.md):
 *
 *   make_corpus <source-tree> <out-dir>      (out-dir: tests/fuzz/corpus)
 *
 * Seeds are small valid inputs plus one of each kind of refusal, so the
 * fuzzer starts past the outer checks.  Everything comes from committed
 * files (tests/vectors/, docs/examples/contacts-widget) and the tests'
 * fixed keys, and Ed25519, packing and brotli are deterministic, so running
 * it again gives the same bytes.  Archive seeds are not named *.osplugin:
 * .gitignore would drop them.
 */
#include "osp/archive.h"
#include "osp/bundle.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/hash.h"
#include "osp/sig.h"
#include "osp/signer.h"
#include "osp/verify.h"
/* Packing is moving from bundle.h (osp_bundle_pack_dir) to pack.h
 * (osp_pack_dir, with a progress argument); this builds against either. */
#if __has_include("osp/pack.h")
#include "osp/pack.h"
#define OSP_HAVE_PACK_H 1
#endif

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brotli/encode.h>
#include <sodium.h>

#define MAX_ENTRIES 16

static const char *src_root, *out_root;

/* The good manifest of tests/unit/test_manifest.c: every surface and list. */
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static const char good_manifest[] =
    "{\"format\":1,\"id\":\"acme.kanban\",\"name\":\"Kanban board\",\"version\":\"1.4.2\","
    "\"publisher\":\"acme\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
    "\"contributes\":{\"widgets\":[{\"id\":\"board\",\"title\":\"Kanban\",\"entry\":\"board.html\","
    "\"height\":320}],\"fieldRenderers\":[{\"id\":\"stars\",\"fieldType\":\"rating\",\"entry\":"
    "\"stars.html\"}],\"views\":[{\"id\":\"pipeline\",\"object\":\"deal\",\"title\":\"Pipeline\","
    "\"entry\":\"view.html\"}]},"
    "\"permissions\":{\"rpc\":[\"data.read:contact\",\"data.write:task\",\"ui.toast\",\"storage\"],"
    "\"connect\":[\"https://api.acme.example\"],\"img\":[\"https://cdn.acme.example\"]},"
    "\"files\":{\"board.html\":{\"sha256\":\"" H64 "\",\"size\":812},"
    "\"stars.html\":{\"sha256\":\"" H64 "\",\"size\":10},"
    "\"view.html\":{\"sha256\":\"" H64 "\",\"size\":0},"
    "\"js/app.js\":{\"sha256\":\"" H64 "\",\"size\":5}}}";

/* The rest of the vocabulary: wildcard and port origins, every RPC
 * permission, an engines range with two comparators, a description. */
static const char wide_manifest[] =
    "{\n  \"format\": 1,\n  \"id\": \"acme.crm-tools\",\n  \"name\": \"CRM tools\",\n"
    "  \"description\": \"Every permission kind.\",\n  \"version\": \"2.0.0-beta.1+build.7\",\n"
    "  \"publisher\": \"acme\",\n  \"runtime\": \"ui\",\n"
    "  \"engines\": {\"osp-ui\": \">=1.0 <3\"},\n"
    "  \"contributes\": {\"fieldRenderers\": [{\"id\": \"stars\", \"fieldType\": \"rating\", "
    "\"entry\": \"r/stars.htm\", \"height\": 16}],\n"
    "    \"views\": [{\"id\": \"map\", \"object\": \"deal_stage\", \"title\": \"Map\", "
    "\"entry\": \"view.html\", \"height\": 4000}]},\n"
    "  \"permissions\": {\"rpc\": [\"data.read:contact\", \"data.write:deal_stage\", "
    "\"storage\", \"ui.toast\", \"ui.modal\", \"ui.navigate\"],\n"
    "    \"connect\": [\"https://*.acme.example\", \"https://api.acme.example:8443\"],\n"
    "    \"img\": [\"https://cdn.acme.example\"]},\n"
    "  \"files\": {\"r/stars.htm\": {\"sha256\": \"" H64 "\", \"size\": 16777216},\n"
    "    \"view.html\": {\"sha256\": \"" H64 "\", \"size\": 0}}\n}\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "make_corpus: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_root, dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die("cannot create %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s/%s", out_root, dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        die("cannot write %s", path);
}

static char *read_file(const char *path, size_t *len)
{
    char *data = NULL;
    int rc = osp_fs_read(path, 1u << 20, &data, len);
    if (rc != 0)
        die("cannot read %s: %s", path, osp_strerror(rc));
    return data;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die("cannot write %s", path);
}

/* A fuzz_sig seed: the mode byte, the text, and for signatures a NUL and
 * the signed message. */
static void put_sig(const char *name, int mode, const char *text, size_t len, const char *msg,
                    size_t msg_len)
{
    size_t n = 1 + len + (msg ? 1 + msg_len : 0);
    char *buf = malloc(n);
    if (!buf)
        die("out of memory");
    buf[0] = (char)mode;
    memcpy(buf + 1, text, len);
    if (msg) {
        buf[1 + len] = '\0';
        memcpy(buf + 2 + len, msg, msg_len);
    }
    put("sig", name, buf, n);
    free(buf);
}

static struct osp_signer *key(int n)
{
    /* As tests/unit/fixtures.h: key 1 signed the vectors for "acme". */
    unsigned char seed[32], keyid[OSP_SIG_KEYID_BYTES];
    struct osp_signer *s = NULL;
    memset(seed, n, sizeof seed);
    memset(keyid, 0xA0 + n, sizeof keyid);
    if (osp_signer_from_seed(seed, keyid, &s) != 0)
        die("cannot derive key %d", n);
    return s;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix, sorted (readdir order varies). */
static size_t list_dir(const char *dir, const char *suffix, char **names, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        die("cannot open %s", dir);
    size_t n = 0, sl = strlen(suffix);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0 && n < cap)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    return n;
}

/* ---- manifests ---------------------------------------------------------- */

/* Request heads: what browsers and wrk send to the plugin origin, and the
 * hostile shapes the integration tests refuse. */
static void httpreq_seeds(void)
{
    static const struct {
        const char *name, *text;
    } seeds[] = {
        {"asset-get", "GET /ext-ui/acme.kanban/0123456789abcdef0123456789abcdef0123456789abcdef"
                      "0123456789abcdef/board.html HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n"
                      "Accept-Encoding: gzip, deflate, br\r\nIf-None-Match: \"ab\"\r\n"
                      "Sec-Fetch-Dest: iframe\r\n\r\n"},
        {"pipelined", "GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b?q=1 HTTP/1.1\r\nHost: x\r\n"
                      "Connection: close\r\n\r\n"},
        {"http10-keep-alive", "GET /_osp/sdk/v1/osp.js HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
        {"body", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"},
        {"chunked", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        {"encoded", "GET /ext-ui/a%2f..%2e%2e%00/x HTTP/1.1\r\nHost: x\r\n\r\n"},
        {"bare-lf", "GET / HTTP/1.1\nHost: x\n\n"},
        {"folded", "GET / HTTP/1.1\r\nHost: x\r\n folded: y\r\n\r\n"},
        {"unterminated", "GET /ext-ui/x HTTP/1.1\r\nHost: x\r\nX-Pad: aaaa"},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        put("httpreq", seeds[i].name, seeds[i].text, strlen(seeds[i].text));
}

/* RPC messages: what the SDK sends (every method kind, a batch piece, a
 * response to a ping), escapes and spacing JSON.parse reads alike, and one
 * of each refusal. */
static void rpc_seeds(void)
{
    static const struct {
        const char *name, *text;
    } seeds[] = {
        {"context-get", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"context.get\",\"params\":{}}"},
        {"data-query", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"data.query\",\"params\":"
                       "{\"object\":\"contact\",\"filter\":{\"city\":\"Oslo\",\"vip\":true},"
                       "\"sort\":\"-name\",\"limit\":20,\"offset\":0}}"},
        {"data-update", "{\"jsonrpc\":\"2.0\",\"id\":\"u1\",\"method\":\"data.update\",\"params\":"
                        "{\"object\":\"task\",\"id\":\"t_1\",\"values\":{\"done\":true,\"n\":1.5,"
                        "\"note\":null}}}"},
        {"storage-set", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"storage.set\",\"params\":"
                        "{\"key\":\"board:layout\",\"value\":{\"cols\":[1,2,[3]],\"s\":\"x\"}}}"},
        {"toast", "{\"jsonrpc\":\"2.0\",\"method\":\"ui.toast\",\"params\":{\"message\":\"Saved\","
                  "\"kind\":\"success\"}}"},
        {"cancel", "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancel\",\"params\":{\"id\":7}}"},
        {"pong", "{\"jsonrpc\":\"2.0\",\"id\":\"$h1\",\"result\":\"pong\"}"},
        {"escaped", " {\"jsonrpc\" : \"2.0\", \"\\u0069d\" : \"caf\\u00e9\\ud83d\\ude00\","
                    " \"method\" : \"data\\u002eget\", \"params\" : {\"object\" : \"contact\","
                    " \"id\" : \"c\\u0031\"}}\n"},
        {"duplicate-id", "{\"jsonrpc\":\"2.0\",\"id\":1,\"\\u0069d\":2,\"method\":\"context.get\"}"},
        {"proto", "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"data.create\",\"params\":"
                  "{\"object\":\"task\",\"values\":{\"__proto__\":{\"admin\":true}}}}"},
        {"unknown-method", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"eval\"}"},
        {"ungranted", "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"data.delete\",\"params\":"
                      "{\"object\":\"deal\",\"id\":\"d1\"}}"},
        {"big-id", "{\"jsonrpc\":\"2.0\",\"id\":9007199254740992,\"method\":\"context.get\"}"},
        {"deep", "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"storage.set\",\"params\":{\"key\":\"k\","
                 "\"value\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}}"},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        put("rpc", seeds[i].name, seeds[i].text, strlen(seeds[i].text));
}

static void manifest_seeds(const char *packed_manifest, size_t packed_len)
{
    char dir[4096], path[4096], *names[64];
    put("manifest", "test-manifest-good.json", good_manifest, strlen(good_manifest));
    put("manifest", "wide-vocabulary.json", wide_manifest, strlen(wide_manifest));
    snprintf(path, sizeof path, "%s/docs/examples/contacts-widget/osplugin.json", src_root);
    size_t len;
    char *src = read_file(path, &len);
    put("manifest", "contacts-source.json", src, len);
    free(src);
    put("manifest", "contacts-packed.json", packed_manifest, packed_len);

    /* The vectors' manifests; many verify cases share one, keep it once. */
    snprintf(dir, sizeof dir, "%s/tests/vectors/manifests", src_root);
    size_t n = list_dir(dir, ".json", names, 64);
    char *seen[64];
    size_t seen_len[64], n_seen = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *m = read_file(path, &len);
        int dup = 0;
        for (size_t j = 0; j < n_seen && !dup; j++)
            dup = seen_len[j] == len && memcmp(seen[j], m, len) == 0;
        if (dup) {
            free(m);
        } else {
            put("manifest", names[i], m, len);
            seen[n_seen] = m;
            seen_len[n_seen++] = len;
        }
        free(names[i]);
    }
    for (size_t j = 0; j < n_seen; j++)
        free(seen[j]);
}

/* ---- signatures and keys ------------------------------------------------ */

/* Replaces the base64 line (the second) of a key or signature file. */
static void put_with_line(const char *name, int mode, const char *file, const char *line)
{
    const char *nl = strchr(file, '\n');
    const char *rest = strchr(nl + 1, '\n');
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%.*s%s%s", (int)(nl + 1 - file), file, line, rest);
    put_sig(name, mode, buf, (size_t)n, NULL, 0);
}

static void sig_seeds(const struct osp_signer *k1, const struct osp_signer *k2,
                      const char *manifest, size_t mlen, const char *bundle_sig, size_t sig_len)
{
    char dir[4096], path[4096], *names[64], buf[2048];
    size_t len, mlen_v, seen_len[64];

    /* Mode 0: the vectors' signatures with the manifests they were made over. */
    snprintf(dir, sizeof dir, "%s/tests/vectors/sigs", src_root);
    size_t n = list_dir(dir, ".minisig", names, 64);
    /* Many cases share a signature and manifest; keep each pair once, and
     * name the shared one after verify-ok, which comes first. */
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], "verify-ok.minisig") == 0) {
            char *ok = names[i];
            memmove(names + 1, names, i * sizeof *names);
            names[0] = ok;
        }
    char *seen[64];
    size_t n_seen = 0;
    for (size_t i = 0; i < n; i++) {
        size_t base = strlen(names[i]) - strlen(".minisig");
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *sig = read_file(path, &len);
        snprintf(path, sizeof path, "%s/tests/vectors/manifests/%.*s.json", src_root, (int)base,
                 names[i]);
        char *m = read_file(path, &mlen_v);
        /* The seed as put_sig writes it, to compare. */
        size_t seed_len = len + 1 + mlen_v;
        char *seed = malloc(seed_len);
        if (!seed)
            die("out of memory");
        memcpy(seed, sig, len);
        seed[len] = '\0';
        memcpy(seed + len + 1, m, mlen_v);
        int dup = 0;
        for (size_t j = 0; j < n_seen && !dup; j++)
            dup = seen_len[j] == seed_len && memcmp(seen[j], seed, seed_len) == 0;
        if (!dup) {
            snprintf(path, sizeof path, "%.*s", (int)base, names[i]);
            put_sig(path, 0, sig, len, m, mlen_v);
            seen[n_seen] = seed;
            seen_len[n_seen++] = seed_len;
        } else {
            free(seed);
        }
        free(sig);
        free(m);
        free(names[i]);
    }
    for (size_t j = 0; j < n_seen; j++)
        free(seen[j]);
    put_sig("bundle-signature", 0, bundle_sig, sig_len, manifest, mlen);
    if (osp_signer_sign(k1, "hello", 5, "timestamp:1700000000\tfile:hello", 1, buf, sizeof buf) !=
        0)
        die("cannot sign");
    put_sig("legacy-minisign-comment", 0, buf, strlen(buf), "hello", 5);

    /* Mode 1: public keys as files, bare lines, with CRLF, of another
     * algorithm. */
    struct osp_pubkey pk;
    char line[64];
    osp_signer_public(k1, &pk);
    osp_sig_format_pubkey(&pk, buf, sizeof buf);
    put_sig("pubkey-file", 1, buf, strlen(buf), NULL, 0);
    osp_sig_pubkey_base64(&pk, line, sizeof line);
    put_sig("pubkey-bare-line", 1, line, strlen(line), NULL, 0);
    char crlf[256];
    const char *nl = strchr(buf, '\n');
    int c = snprintf(crlf, sizeof crlf, "%.*s\r\n%s\r\n", (int)(nl - buf), buf, line);
    put_sig("pubkey-crlf", 1, crlf, (size_t)c, NULL, 0);
    memcpy(line, "RXg", 3); /* "Ex": not Ed25519 */
    put_with_line("pubkey-unknown-algorithm", 1, buf, line);
    osp_signer_public(k2, &pk);
    osp_sig_format_pubkey(&pk, buf, sizeof buf);
    put_sig("pubkey-other", 1, buf, strlen(buf), NULL, 0);

    /* Mode 2: secret keys.  The encrypted-looking one is crafted (fixed
     * salt, stored limits): the harness never runs its KDF, and a real
     * one would take a random salt. */
    if (osp_signer_save(k1, NULL, buf, sizeof buf) != 0)
        die("cannot save key");
    put_sig("seckey-plain", 2, buf, strlen(buf), NULL, 0);
    nl = strchr(buf, '\n');
    unsigned char raw[256];
    size_t raw_len = 0;
    if (sodium_base642bin(raw, sizeof raw, nl + 1, strcspn(nl + 1, "\n"), NULL, &raw_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        raw_len != 158)
        die("unexpected secret key layout");
    char b64[256];
    memcpy(raw + 2, "Sc", 2);
    memset(raw + 6, 0x5a, 32);
    static const unsigned char limits[16] = {0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0};
    memcpy(raw + 38, limits, sizeof limits); /* opslimit 2^25, memlimit 2^28 */
    sodium_bin2base64(b64, sizeof b64, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    put_with_line("seckey-scrypt", 2, buf, b64);
    memcpy(raw + 2, "Xx", 2);
    sodium_bin2base64(b64, sizeof b64, raw, raw_len, sodium_base64_VARIANT_ORIGINAL);
    put_with_line("seckey-unknown-kdf", 2, buf, b64);
    put_sig("seckey-truncated", 2, buf, strlen(buf) / 2, NULL, 0);
}

/* ---- archives and bundles ----------------------------------------------- */

struct tar {
    unsigned char *buf;
    size_t len, cap;
};

static void tar_checksum(unsigned char *h)
{
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* Appends one ustar entry; prefix and link may be NULL. */
static void tar_entry(struct tar *t, const char *prefix, const char *name, char type,
                      const char *link, const void *data, size_t len)
{
    size_t need = 512 + (len + 511) / 512 * 512;
    if (t->len + need > t->cap) {
        t->cap = (t->len + need) * 2;
        t->buf = realloc(t->buf, t->cap);
        if (!t->buf)
            die("out of memory");
    }
    unsigned char *h = t->buf + t->len;
    memset(h, 0, need);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
    memcpy(h + 136, "00000000000", 12);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    if (prefix)
        memcpy(h + 345, prefix, strlen(prefix));
    tar_checksum(h);
    if (len)
        memcpy(h + 512, data, len);
    t->len += need;
}

static void tar_zeros(struct tar *t, size_t n)
{
    t->buf = realloc(t->buf, t->len + n);
    if (!t->buf)
        die("out of memory");
    memset(t->buf + t->len, 0, n);
    t->len += n;
    t->cap = t->len;
}

/* Compresses tar as osp_archive_pack does (quality 9, window 22) and
 * writes it to the listed corpora. */
static void put_tar(const char *name, struct tar *t, int to_bundle)
{
    size_t len = BrotliEncoderMaxCompressedSize(t->len) + 1024;
    unsigned char *br = malloc(len);
    if (!br || !BrotliEncoderCompress(9, 22, BROTLI_MODE_GENERIC, t->len, t->buf, &len, br))
        die("cannot compress %s", name);
    put("archive", name, br, len);
    if (to_bundle)
        put("bundle", name, br, len);
    free(br);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

static void put_both(const char *name, const unsigned char *data, size_t len)
{
    put("archive", name, data, len);
    put("bundle", name, data, len);
}

static unsigned char *pack_dir(const char *dir, const struct osp_signer *s, size_t *len)
{
    unsigned char *out = NULL;
    struct osp_diags d = {0};
#if OSP_HAVE_PACK_H
    int rc = osp_pack_dir(dir, s, NULL, &out, len, &d);
#else
    int rc = osp_bundle_pack_dir(dir, s, &out, len, &d);
#endif
    if (rc != 0)
        die("cannot pack %s: %s", dir, d.n ? d.items[0].message : osp_strerror(rc));
    osp_diags_free(&d);
    return out;
}

/* A copy of a bundle's entries to change and pack again. */
struct entries {
    struct osp_archive_entry e[MAX_ENTRIES];
    size_t n;
};

static void load_entries(const struct osp_bundle *b, struct entries *es)
{
    if (b->archive->n > MAX_ENTRIES)
        die("too many entries");
    memcpy(es->e, b->archive->entries, b->archive->n * sizeof *es->e);
    es->n = b->archive->n;
}

static struct osp_archive_entry *find(struct entries *es, const char *path)
{
    for (size_t i = 0; i < es->n; i++)
        if (strcmp(es->e[i].path, path) == 0)
            return &es->e[i];
    die("no entry %s", path);
    return NULL;
}

static void drop(struct entries *es, const char *path)
{
    struct osp_archive_entry *e = find(es, path);
    *e = es->e[es->n - 1];
    es->n--;
}

static void put_entries(const char *name, const struct entries *es)
{
    unsigned char *out = NULL;
    size_t len = 0;
    if (osp_archive_pack(es->e, es->n, &out, &len) != 0)
        die("cannot pack %s", name);
    put_both(name, out, len);
    free(out);
}

/* Variants of a bundle that verifies: each breaks one thing behind the
 * signature, or re-signs in the legacy format. */
static void bundle_variants(const unsigned char *good, size_t good_len, const struct osp_signer *k1)
{
    struct osp_bundle b;
    struct entries es;
    if (osp_bundle_open(good, good_len, &b, NULL) != 0)
        die("cannot open the acme bundle");

    load_entries(&b, &es);
    struct osp_archive_entry *js = find(&es, "widget.js");
    unsigned char *changed = malloc(js->size);
    memcpy(changed, js->data, js->size);
    changed[0] ^= 1;
    js->data = changed;
    put_entries("acme-file-changed", &es);
    free(changed);

    load_entries(&b, &es);
    struct osp_archive_entry *css = find(&es, "widget.css");
    unsigned char *grown = malloc(css->size + 1);
    memcpy(grown, css->data, css->size);
    grown[css->size] = '\n';
    css->data = grown;
    css->size++;
    put_entries("acme-file-grown", &es);
    free(grown);

    load_entries(&b, &es);
    drop(&es, "widget.css");
    put_entries("acme-file-missing", &es);

    load_entries(&b, &es);
    es.e[es.n++] = (struct osp_archive_entry){"notes.txt", (const unsigned char *)"hi\n", 3};
    put_entries("acme-file-unlisted", &es);

    load_entries(&b, &es);
    struct osp_archive_entry *m = find(&es, OSP_BUNDLE_MANIFEST);
    char *edited = malloc(m->size + 1);
    memcpy(edited, m->data, m->size);
    edited[m->size] = '\0';
    *strstr(edited, "Contacts") = 'K';
    m->data = (const unsigned char *)edited;
    put_entries("acme-manifest-changed", &es);
    free(edited);

    /* Legacy "Ed" signature (what older minisign makes) binding the same
     * manifest: verifies. */
    load_entries(&b, &es);
    m = find(&es, OSP_BUNDLE_MANIFEST);
    char digest[OSP_SHA256_HEX_BYTES], tc[256], sig[1024];
    osp_hash_sha256_hex(m->data, m->size, digest);
    osp_verify_format_binding("demo.contacts", "1.0.0", digest, tc, sizeof tc);
    if (osp_signer_sign(k1, m->data, m->size, tc, 1, sig, sizeof sig) != 0)
        die("cannot sign");
    struct osp_archive_entry *s = find(&es, OSP_BUNDLE_SIGNATURE);
    s->data = (const unsigned char *)sig;
    s->size = strlen(sig);
    put_entries("acme-legacy-signature", &es);

    load_entries(&b, &es);
    drop(&es, OSP_BUNDLE_MANIFEST);
    put_entries("no-manifest", &es);

    osp_bundle_close(&b);
}

/* Archives the unpacker must refuse, one reason each. */
static void broken_archives(const unsigned char *good, size_t good_len)
{
    static const char html[] = "<!doctype html><p>hi</p>\n";
    struct tar t = {0};
    put("archive", "not-brotli", "this is not an osplugin\n", 24);
    put("archive", "truncated", good, good_len / 2);
    unsigned char *trailing = malloc(good_len + 1);
    memcpy(trailing, good, good_len);
    trailing[good_len] = 'x';
    put("archive", "trailing-bytes", trailing, good_len + 1);
    free(trailing);

    tar_zeros(&t, 4u << 20); /* 4 MiB of zeros in a few bytes: a bomb */
    put_tar("bomb", &t, 0);
    tar_zeros(&t, 1024);
    put_tar("empty-tar", &t, 1);

    tar_entry(&t, NULL, "assets/", '5', NULL, NULL, 0);
    tar_zeros(&t, 1024);
    put_tar("tar-directory", &t, 0);
    tar_entry(&t, NULL, "widget.html", '2', "/etc/passwd", NULL, 0);
    tar_zeros(&t, 1024);
    put_tar("tar-symlink", &t, 0);
    tar_entry(&t, NULL, "widget.html", '1', "osplugin.json", NULL, 0);
    tar_zeros(&t, 1024);
    put_tar("tar-hardlink", &t, 0);
    tar_entry(&t, NULL, "././@LongLink", 'L', NULL, "x.html", 7);
    tar_entry(&t, NULL, "x", '0', NULL, html, sizeof html - 1);
    tar_zeros(&t, 1024);
    put_tar("tar-gnu-longname", &t, 0);
    tar_entry(&t, NULL, "../widget.html", '0', NULL, html, sizeof html - 1);
    tar_zeros(&t, 1024);
    put_tar("tar-traversal", &t, 0);
    tar_entry(&t, "..", "widget.html", '0', NULL, html, sizeof html - 1);
    tar_zeros(&t, 1024);
    put_tar("tar-prefix-traversal", &t, 0);
    tar_entry(&t, NULL, "Widget.html", '0', NULL, html, sizeof html - 1);
    tar_entry(&t, NULL, "widget.html", '0', NULL, html, sizeof html - 1);
    tar_zeros(&t, 1024);
    put_tar("tar-case-duplicate", &t, 0);
    tar_entry(&t, NULL, "widget.html", '0', NULL, html, sizeof html - 1);
    t.buf[0] = 'W'; /* after the checksum was computed */
    tar_zeros(&t, 1024);
    put_tar("tar-bad-checksum", &t, 0);
    tar_entry(&t, NULL, "widget.html", '0', NULL, html, sizeof html - 1);
    put_tar("tar-no-end", &t, 0);
    tar_entry(&t, NULL, "widget.html", '0', NULL, html, sizeof html - 1);
    tar_zeros(&t, 1024);
    tar_entry(&t, NULL, "late.html", '0', NULL, html, sizeof html - 1);
    put_tar("tar-data-after-end", &t, 0);
    tar_entry(&t, NULL, "widget.html", '0', NULL, html, sizeof html - 1);
    tar_zeros(&t, 1000);
    put_tar("tar-not-whole-blocks", &t, 0);
    tar_entry(&t, NULL, "widget.html", '0', NULL, html, sizeof html - 1);
    memcpy(t.buf + 124, "00000003777", 11); /* 2047 bytes: past the end of the tar */
    tar_checksum(t.buf);
    tar_zeros(&t, 512);
    put_tar("tar-size-past-end", &t, 0);

    /* Valid: a path long enough to need the ustar prefix field. */
    static const char long_path[] =
        "assets/a-directory-name-long-enough-to-need-the-prefix-field/"
        "another-level-of-directories-for-good-measure/and-finally-a-page-name.html";
    struct osp_archive_entry e[] = {{long_path, (const unsigned char *)html, sizeof html - 1},
                                    {OSP_BUNDLE_MANIFEST, (const unsigned char *)"{}", 2}};
    unsigned char *out = NULL;
    size_t len = 0;
    if (osp_archive_pack(e, 2, &out, &len) != 0)
        die("cannot pack the long path");
    put("archive", "long-path", out, len);
    free(out);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[4096];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Copies the example plugin into tmp with its publisher set to pub. */
static void example_as(const char *tmp, const char *pub)
{
    static const char *const files[] = {"widget.html", "widget.js", "widget.css", "card.html",
                                        "card.js"};
    char path[4096];
    size_t len;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/docs/examples/contacts-widget/%s", src_root, files[i]);
        char *data = read_file(path, &len);
        snprintf(path, sizeof path, "%s/%s", tmp, files[i]);
        write_file(path, data);
        free(data);
    }
    snprintf(path, sizeof path, "%s/docs/examples/contacts-widget/osplugin.json", src_root);
    char *m = read_file(path, &len);
    char *at = strstr(m, "\"publisher\": \"demo\"");
    if (!at)
        die("the example's publisher is no longer \"demo\"");
    char edited[8192];
    snprintf(edited, sizeof edited, "%.*s\"publisher\": \"%s\"%s", (int)(at - m), m, pub,
             at + strlen("\"publisher\": \"demo\""));
    snprintf(path, sizeof path, "%s/osplugin.json", tmp);
    write_file(path, edited);
    free(m);
}

/* A plugin with a widget, a field renderer and a view, files in a subdirectory. */
static void multi_surface(const char *tmp)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/js", tmp);
    if (mkdir(path, 0755) != 0)
        die("cannot create %s", path);
    static const char *const files[][2] = {
        {"board.html", "<!doctype html><script src=\"js/app.js\"></script><p>board</p>\n"},
        {"stars.html", "<!doctype html><p>***</p>\n"},
        {"view.html", "<!doctype html><p>pipeline</p>\n"},
        {"js/app.js", "osp.ready();\n"},
        {"osplugin.json",
         "{\"format\": 1, \"id\": \"acme.kanban\", \"name\": \"Kanban board\", \"version\": "
         "\"1.4.2\", \"publisher\": \"acme\", \"runtime\": \"ui\", \"engines\": {\"osp-ui\": "
         "\"^1\"}, \"contributes\": {\"widgets\": [{\"id\": \"board\", \"title\": \"Kanban\", "
         "\"entry\": \"board.html\", \"height\": 320}], \"fieldRenderers\": [{\"id\": "
         "\"stars\", \"fieldType\": \"rating\", \"entry\": \"stars.html\"}], \"views\": [{\"id\": "
         "\"pipeline\", \"object\": \"deal\", \"title\": \"Pipeline\", \"entry\": "
         "\"view.html\"}]}, \"permissions\": {\"rpc\": [\"data.read:contact\", "
         "\"data.write:task\", \"ui.toast\", \"storage\"], \"connect\": "
         "[\"https://api.acme.example\"], \"img\": [\"https://cdn.acme.example\"]}}\n"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp, files[i][0]);
        write_file(path, files[i][1]);
    }
}

static char *make_tmp(void)
{
    char tmpl[] = "/tmp/osp-corpus.XXXXXX";
    if (!mkdtemp(tmpl))
        die("cannot create a temporary directory");
    return strdup(tmpl);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_corpus SOURCE-TREE OUT-DIR\n");
        return 2;
    }
    src_root = argv[1];
    out_root = argv[2];
    if (mkdir(out_root, 0755) != 0 && errno != EEXIST)
        die("cannot create %s", out_root);
    struct osp_signer *k1 = key(1), *k2 = key(2);
    size_t len;

    /* The example as published by "demo": fails the publisher check,
     * since the harness trusts key 1 for "acme" only. */
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/examples/contacts-widget", src_root);
    unsigned char *demo = pack_dir(path, k1, &len);
    put_both("contacts-demo-signed", demo, len);
    free(demo);

    char *tmp = make_tmp();
    example_as(tmp, "acme");
    size_t good_len, n;
    unsigned char *good = pack_dir(tmp, k1, &good_len);
    put_both("contacts-acme-signed", good, good_len);
    unsigned char *other = pack_dir(tmp, NULL, &n);
    put_both("contacts-acme-unsigned", other, n);
    free(other);
    other = pack_dir(tmp, k2, &n);
    put_both("contacts-acme-other-key", other, n);
    free(other);
    rm_tree(tmp);
    free(tmp);

    tmp = make_tmp();
    multi_surface(tmp);
    other = pack_dir(tmp, k1, &n);
    put_both("kanban-acme-signed", other, n);
    free(other);
    rm_tree(tmp);
    free(tmp);

    httpreq_seeds();
    rpc_seeds();
    bundle_variants(good, good_len, k1);
    broken_archives(good, good_len);

    struct osp_bundle b;
    if (osp_bundle_open(good, good_len, &b, NULL) != 0 || !b.signature)
        die("cannot open the acme bundle");
    manifest_seeds((const char *)b.manifest->data, b.manifest->size);
    sig_seeds(k1, k2, (const char *)b.manifest->data, b.manifest->size,
              (const char *)b.signature->data, b.signature->size);
    osp_bundle_close(&b);
    free(good);
    osp_signer_free(k1);
    osp_signer_free(k2);
    return 0;
}
