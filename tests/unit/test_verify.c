#include "check.h"
#include "fixtures.h"
#include "osp/error.h"
#include "osp/verify.h"

static char manifest[4096], sig[1024];

static int verify_with(const struct osp_trusted_key *keys, size_t n, int64_t when,
                       const char *expected, struct osp_verified *v)
{
    struct osp_trust t = {keys, n};
    return osp_verify_manifest(manifest, strlen(manifest), sig, strlen(sig), &t, when, expected,
                               v, NULL);
}

static void accepts_good_bundle(void)
{
    struct osp_signer *s = fixture_signer(1);
    fixture_manifest(manifest, sizeof manifest, "acme.hello", "1.0.0", "acme", "<p>hi</p>");
    CHECK_ERR(fixture_sign(s, manifest, "acme.hello", "1.0.0", sig, sizeof sig), 0);
    struct osp_trusted_key k = fixture_trusted(s, "acme");
    struct osp_verified v;
    CHECK_ERR(verify_with(&k, 1, 100, NULL, &v), 0);
    CHECK_STR(v.manifest->id, "acme.hello");
    char digest[OSP_SHA256_HEX_BYTES];
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
    CHECK_STR(v.digest, digest);
    CHECK(v.signer == &k);
    CHECK_ERR(osp_verify_file(v.manifest, "widget.html", "<p>hi</p>", 9), 0);
    CHECK_ERR(osp_verify_file(v.manifest, "widget.html", "<p>ho</p>", 9), OSP_E_DIGEST_MISMATCH);
    CHECK_ERR(osp_verify_file(v.manifest, "widget.html", "<p>hi</p>!", 10), OSP_E_SIZE_MISMATCH);
    CHECK_ERR(osp_verify_file(v.manifest, "other.html", "", 0), OSP_E_UNLISTED_FILE);
    osp_verified_clear(&v);
    CHECK_ERR(verify_with(&k, 1, 100, digest, &v), 0);
    osp_verified_clear(&v);
    osp_signer_free(s);
}

static void refuses_every_kind_of_mismatch(void)
{
    struct osp_signer *s = fixture_signer(1), *other = fixture_signer(2);
    struct osp_trusted_key k = fixture_trusted(s, "acme");
    struct osp_verified v;
    struct osp_diags d = {0};
    struct osp_trust t = {&k, 1};

    /* One byte of the manifest changed after signing. */
    manifest[strlen(manifest) - 3] ^= 1;
    CHECK_ERR(osp_verify_manifest(manifest, strlen(manifest), sig, strlen(sig), &t, 0, NULL, &v,
                                  &d),
              OSP_E_SIGNATURE_INVALID);
    CHECK(v.manifest == NULL);
    /* With diagnostics every visible problem is reported, crypto first:
     * the broken signature, the binding to the old digest, and the JSON
     * the flipped byte broke. */
    CHECK_INT(d.n, 3);
    CHECK_ERR(d.items[0].code, OSP_E_SIGNATURE_INVALID);
    CHECK_STR(d.items[0].file, "osplugin.json.minisig");
    CHECK_ERR(d.items[1].code, OSP_E_DIGEST_MISMATCH);
    CHECK_ERR(d.items[2].code, OSP_E_JSON_SYNTAX);
    CHECK_STR(d.items[2].file, "osplugin.json");
    osp_diags_free(&d);
    manifest[strlen(manifest) - 3] ^= 1;

    /* Unknown key, revoked key, retired key. */
    struct osp_trusted_key ko = fixture_trusted(other, "acme");
    CHECK_ERR(verify_with(&ko, 1, 0, NULL, &v), OSP_E_UNKNOWN_KEY_ID);
    CHECK_ERR(verify_with(NULL, 0, 0, NULL, &v), OSP_E_UNKNOWN_KEY_ID);
    k.revoked = 1;
    CHECK_ERR(verify_with(&k, 1, 0, NULL, &v), OSP_E_KEY_REVOKED);
    k.revoked = 0;
    k.retired_at = 1000;
    CHECK_ERR(verify_with(&k, 1, 999, NULL, &v), 0); /* published before retirement */
    osp_verified_clear(&v);
    CHECK_ERR(verify_with(&k, 1, 1000, NULL, &v), OSP_E_KEY_RETIRED);
    k.retired_at = 0;

    /* The key belongs to someone else. */
    struct osp_trusted_key kw = fixture_trusted(s, "mallory");
    CHECK_ERR(verify_with(&kw, 1, 0, NULL, &v), OSP_E_UNTRUSTED_PUBLISHER);

    /* Expected digest differs (the URL named another bundle). */
    CHECK_ERR(verify_with(&k, 1, 0, "00", &v), OSP_E_DIGEST_MISMATCH);

    /* A valid signature whose trusted comment names another bundle. */
    char tc[256], digest[OSP_SHA256_HEX_BYTES];
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
    snprintf(tc, sizeof tc, "id=acme.other version=1.0.0 digest=%s", digest);
    CHECK_ERR(osp_signer_sign(s, manifest, strlen(manifest), tc, 0, sig, sizeof sig), 0);
    CHECK_ERR(verify_with(&k, 1, 0, NULL, &v), OSP_E_ID_MISMATCH);
    snprintf(tc, sizeof tc, "id=acme.hello version=1.0.1 digest=%s", digest);
    CHECK_ERR(osp_signer_sign(s, manifest, strlen(manifest), tc, 0, sig, sizeof sig), 0);
    CHECK_ERR(verify_with(&k, 1, 0, NULL, &v), OSP_E_VERSION_MISMATCH);
    snprintf(tc, sizeof tc, "id=acme.hello version=1.0.0 digest=%064d", 0);
    CHECK_ERR(osp_signer_sign(s, manifest, strlen(manifest), tc, 0, sig, sizeof sig), 0);
    CHECK_ERR(verify_with(&k, 1, 0, NULL, &v), OSP_E_DIGEST_MISMATCH);
    CHECK_ERR(osp_signer_sign(s, manifest, strlen(manifest), "timestamp:1\tfile:x", 0, sig,
                              sizeof sig),
              0);
    CHECK_ERR(verify_with(&k, 1, 0, NULL, &v), OSP_E_SIGNATURE_BINDING);

    /* A signed but invalid manifest is still refused. */
    fixture_manifest(manifest, sizeof manifest, "acme.hello", "1.0", "acme", "x");
    CHECK_ERR(fixture_sign(s, manifest, "acme.hello", "1.0", sig, sizeof sig), 0);
    CHECK_ERR(verify_with(&k, 1, 0, NULL, &v), OSP_E_BAD_VERSION);
    osp_signer_free(s);
    osp_signer_free(other);
}

static void structure_without_keys(void)
{
    struct osp_signer *s = fixture_signer(1);
    fixture_manifest(manifest, sizeof manifest, "acme.hello", "1.0.0", "acme", "x");
    CHECK_ERR(fixture_sign(s, manifest, "acme.hello", "1.0.0", sig, sizeof sig), 0);
    struct osp_verified v;
    CHECK_ERR(osp_verify_structure(manifest, strlen(manifest), sig, strlen(sig), &v, NULL), 0);
    CHECK(v.signer == NULL);
    CHECK_STR(v.manifest->id, "acme.hello");
    osp_verified_clear(&v);
    /* Any key at all makes it refuse when there is no trust. */
    CHECK_ERR(osp_verify_manifest(manifest, strlen(manifest), sig, strlen(sig), NULL, 0, NULL,
                                  &v, NULL),
              OSP_E_UNKNOWN_KEY_ID);
    fixture_manifest(manifest, sizeof manifest, "acme.hello", "1.0.0", "acme", "y");
    CHECK_ERR(osp_verify_structure(manifest, strlen(manifest), sig, strlen(sig), &v, NULL),
              OSP_E_DIGEST_MISMATCH);
    osp_signer_free(s);
}

static void binding_parse(void)
{
    struct osp_binding b;
    CHECK_ERR(osp_verify_parse_binding("id=a.b version=1.0.0 digest=ff timestamp=3", &b), 0);
    CHECK_STR(b.id, "a.b");
    CHECK_STR(b.version, "1.0.0");
    CHECK_STR(b.digest, "ff");
    CHECK_ERR(osp_verify_parse_binding("version=1 digest=ff", &b), OSP_E_SIGNATURE_BINDING);
    CHECK_ERR(osp_verify_parse_binding("id=a id=b version=1 digest=ff", &b),
              OSP_E_SIGNATURE_BINDING);
    CHECK_ERR(osp_verify_parse_binding("", &b), OSP_E_SIGNATURE_BINDING);
    char out[16];
    CHECK_ERR(osp_verify_format_binding("a.b", "1.0.0", "ff", out, sizeof out), OSP_E_TOO_BIG);
}

int main(void)
{
    RUN(accepts_good_bundle);
    RUN(refuses_every_kind_of_mismatch);
    RUN(structure_without_keys);
    RUN(binding_parse);
    CHECK_EXIT();
}
