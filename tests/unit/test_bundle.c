#include "check.h"
#include "fixtures.h"
#include "osp/bundle.h"
#include "osp/pack.h"
#include "osp/error.h"
#include "osp/fsutil.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void put(const char *rel, const char *body)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    osp_fs_mkdirs(p);
    *slash = '/';
    CHECK_ERR(osp_fs_write_atomic(p, body, strlen(body), 0644), 0);
}

static void rm(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    unlink(p);
}

static const char source_manifest[] =
    "{\"format\":1,\"id\":\"acme.hello\",\"name\":\"Hello\",\"version\":\"1.0.0\","
    "\"publisher\":\"acme\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
    "\"contributes\":{\"widgets\":[{\"id\":\"main\",\"title\":\"Main\",\"entry\":\"widget.html\"}]},"
    "\"permissions\":{\"rpc\":[\"data.read:contact\"]}}";

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/osp-test-bundle-%d", (int)getpid());
    put("osplugin.json", source_manifest);
    put("widget.html", "<!doctype html><p>hello</p>");
    put("js/widget.js", "console.log(1)");
    put(".git/config", "ignored");
    put("old.osplugin", "ignored");
}

static void packs_signs_and_verifies(void)
{
    struct osp_signer *s = fixture_signer(1);
    struct osp_trusted_key k = fixture_trusted(s, "acme");
    struct osp_trust t = {&k, 1};
    struct osp_diags d = {0};
    unsigned char *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    CHECK_ERR(osp_pack_dir(dir, s, NULL, &out, &len, &d), 0);
    CHECK_INT(d.n, 0);
    CHECK_ERR(osp_pack_dir(dir, s, NULL, &again, &len2, NULL), 0);
    CHECK(len == len2 && memcmp(out, again, len) == 0); /* deterministic */
    free(again);

    struct osp_bundle b;
    struct osp_verified v;
    CHECK_ERR(osp_bundle_open(out, len, &b, NULL), 0);
    CHECK_INT(b.archive->n, 4); /* manifest, signature, two files */
    CHECK_ERR(osp_bundle_verify(&b, &t, 0, &v, NULL), 0);
    CHECK_INT(v.manifest->n_files, 2);
    CHECK(osp_manifest_find_file(v.manifest, "js/widget.js") != NULL);
    osp_verified_clear(&v);

    /* A file byte changed after signing: refused, and the file named. */
    unsigned char *data = (unsigned char *)osp_archive_find(b.archive, "widget.html")->data;
    data[3] ^= 1;
    CHECK_ERR(osp_bundle_verify(&b, &t, 0, &v, &d), OSP_E_DIGEST_MISMATCH);
    CHECK(v.manifest == NULL);
    CHECK_INT(d.n, 1);
    CHECK_STR(d.items[0].file, "widget.html");
    osp_diags_free(&d);
    data[3] ^= 1;

    /* A manifest byte changed after signing. */
    unsigned char *mdata = (unsigned char *)b.manifest->data;
    mdata[10] ^= 1;
    CHECK_ERR(osp_bundle_verify(&b, &t, 0, &v, NULL), OSP_E_SIGNATURE_INVALID);
    mdata[10] ^= 1;
    osp_bundle_close(&b);

    /* Unsigned pack, then sign. */
    struct osp_bundle u;
    unsigned char *unsigned_out = NULL, *signed_out = NULL;
    size_t ul = 0, sl = 0;
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &unsigned_out, &ul, NULL), 0);
    CHECK_ERR(osp_bundle_open(unsigned_out, ul, &u, NULL), 0);
    CHECK(u.signature == NULL);
    CHECK_ERR(osp_bundle_verify(&u, &t, 0, &v, NULL), OSP_E_SIGNATURE_MALFORMED);
    CHECK_ERR(osp_pack_sign(&u, s, &signed_out, &sl, NULL), 0);
    CHECK(sl == len && memcmp(signed_out, out, len) == 0);
    osp_bundle_close(&u);
    free(unsigned_out);
    free(signed_out);
    free(out);
    osp_signer_free(s);
}

static void refuses_secrets_and_bad_names(void)
{
    struct osp_diags d = {0};
    unsigned char *out = NULL;
    size_t len = 0;
    put(".env", "TOKEN=abc");
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &out, &len, &d), OSP_E_SECRET_FILE);
    CHECK(out == NULL);
    CHECK_STR(d.items[0].file, ".env");
    osp_diags_free(&d);
    rm(".env");
    put("assets/deploy.key", "x");
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &out, &len, NULL), OSP_E_SECRET_FILE);
    rm("assets/deploy.key");
    put("notes.txt", "-----BEGIN OPENSSH PRIVATE KEY-----");
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &out, &len, NULL), OSP_E_SECRET_FILE);
    rm("notes.txt");
    put("a b.js", "x");
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &out, &len, NULL), OSP_E_ARCHIVE_PATH);
    rm("a b.js");
    rm("widget.html");
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &out, &len, &d), OSP_E_MISSING_FILE);
    osp_diags_free(&d);
    put("widget.html", "<!doctype html><p>hello</p>");
    CHECK_ERR(osp_pack_dir("/nonexistent/dir", NULL, NULL, &out, &len, NULL),
              OSP_E_MISSING_FILE);
    CHECK_ERR(osp_pack_dir(dir, NULL, NULL, &out, &len, NULL), 0);
    free(out);
}

static void refuses_unlisted_and_missing_files(void)
{
    /* Hand-built archive: a signed manifest plus an extra file. */
    struct osp_signer *s = fixture_signer(1);
    struct osp_trusted_key k = fixture_trusted(s, "acme");
    struct osp_trust t = {&k, 1};
    char manifest[4096], sig[1024];
    fixture_manifest(manifest, sizeof manifest, "acme.x", "1.0.0", "acme", "<p>");
    fixture_sign(s, manifest, "acme.x", "1.0.0", sig, sizeof sig);
    struct osp_archive_entry e[] = {{"osplugin.json", (const unsigned char *)manifest, strlen(manifest)},
                                    {"osplugin.json.minisig", (const unsigned char *)sig, strlen(sig)},
                                    {"widget.html", (const unsigned char *)"<p>", 3},
                                    {"extra.js", (const unsigned char *)"evil()", 6}};
    unsigned char *out;
    size_t len;
    struct osp_bundle b;
    struct osp_verified v;
    struct osp_diags d = {0};
    CHECK_ERR(osp_archive_pack(e, 4, &out, &len), 0);
    CHECK_ERR(osp_bundle_open(out, len, &b, NULL), 0);
    CHECK_ERR(osp_bundle_verify(&b, &t, 0, &v, &d), OSP_E_UNLISTED_FILE);
    CHECK_STR(d.items[0].file, "extra.js");
    osp_diags_free(&d);
    osp_bundle_close(&b);
    free(out);
    CHECK_ERR(osp_archive_pack(e, 2, &out, &len), 0);
    CHECK_ERR(osp_bundle_open(out, len, &b, NULL), 0);
    CHECK_ERR(osp_bundle_verify(&b, &t, 0, &v, NULL), OSP_E_MISSING_FILE);
    osp_bundle_close(&b);
    free(out);
    CHECK_ERR(osp_archive_pack(e + 2, 1, &out, &len), 0);
    CHECK_ERR(osp_bundle_open(out, len, &b, NULL), OSP_E_MISSING_FILE);
    free(out);
    osp_signer_free(s);
}

int main(void)
{
    setup();
    RUN(packs_signs_and_verifies);
    RUN(refuses_secrets_and_bad_names);
    RUN(refuses_unlisted_and_missing_files);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
