/* Bundle verification and the trust decision (see include/osp/verify.h). */
#include "osp/verify.h"
#include "osp/error.h"

#include <stdio.h>
#include <string.h>

static int take_token(const char *tok, size_t n, const char *key, char *dst, size_t cap,
                      int *seen)
{
    size_t kl = strlen(key);
    if (n <= kl || memcmp(tok, key, kl) != 0 || tok[kl] != '=')
        return 0;
    if (*seen || n - kl - 1 >= cap)
        return -1;
    memcpy(dst, tok + kl + 1, n - kl - 1);
    dst[n - kl - 1] = '\0';
    *seen = 1;
    return 1;
}

int osp_verify_parse_binding(const char *tc, struct osp_binding *out)
{
    int seen_id = 0, seen_ver = 0, seen_dig = 0;
    memset(out, 0, sizeof *out);
    for (const char *p = tc; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t");
        if (n == 0)
            break;
        int r;
        if ((r = take_token(p, n, "id", out->id, sizeof out->id, &seen_id)) == 0 &&
            (r = take_token(p, n, "version", out->version, sizeof out->version, &seen_ver)) ==
                0)
            r = take_token(p, n, "digest", out->digest, sizeof out->digest, &seen_dig);
        if (r < 0) {
            memset(out, 0, sizeof *out);
            return OSP_E_SIGNATURE_BINDING;
        }
        p += n;
    }
    if (!seen_id || !seen_ver || !seen_dig) {
        memset(out, 0, sizeof *out);
        return OSP_E_SIGNATURE_BINDING;
    }
    return 0;
}

int osp_verify_format_binding(const char *id, const char *version, const char *digest_hex,
                              char *out, size_t cap)
{
    int n = snprintf(out, cap, "id=%s version=%s digest=%s", id, version, digest_hex);
    return n < 0 || (size_t)n >= cap ? OSP_E_TOO_BIG : 0;
}

void osp_verified_clear(struct osp_verified *v)
{
    if (!v)
        return;
    osp_manifest_free(v->manifest);
    memset(v, 0, sizeof *v);
}

/* One pass over a signed manifest.  Without diags it stops at the first
 * problem (the server and browser path); with diags it keeps going and
 * reports every problem it can still see (osp check).  The first code in
 * this order is returned: signature format, expected digest, key, crypto,
 * binding, manifest, id/version, publisher.  With trust NULL the key and
 * crypto checks are skipped (structure only). */
static int verify_pass(const char *manifest, size_t manifest_len, const char *sig, size_t sig_len,
                       const struct osp_trust *trust, int64_t use_time,
                       const char *expected_digest, struct osp_verified *out,
                       struct osp_diags *diags)
{
    static const char SIGFILE[] = "osplugin.json.minisig", MANIFEST[] = "osplugin.json";
    struct osp_sig s;
    struct osp_binding b;
    struct osp_manifest *m = NULL;
    const struct osp_trusted_key *key = NULL;
    char keyid[OSP_SIG_KEYID_HEX_BYTES] = "", digest[OSP_SHA256_HEX_BYTES];
    int first = 0, have_binding = 0;
    memset(out, 0, sizeof *out);

#define PROBLEM(code, file, hint, ...)                                                             \
    do {                                                                                           \
        if (!first)                                                                                \
            first = (code);                                                                        \
        osp_diag_add(diags, (code), (file), "", (hint), __VA_ARGS__);                              \
        if (!diags)                                                                                \
            goto done;                                                                             \
    } while (0)

    int rc = osp_sig_parse(sig, sig_len, &s);
    int sig_ok = rc == 0;
    if (!sig_ok)
        PROBLEM(rc, SIGFILE, "sign the bundle with osp sign or minisign -S", "%s",
                osp_strerror(rc));
    else
        osp_sig_keyid_hex(s.keyid, keyid);

    osp_hash_sha256_hex(manifest, manifest_len, digest);
    if (expected_digest && strcmp(digest, expected_digest) != 0)
        PROBLEM(OSP_E_DIGEST_MISMATCH, MANIFEST, NULL,
                "manifest digest %.16s… is not the expected %.16s…", digest, expected_digest);

    if (sig_ok && trust) {
        for (size_t i = 0; i < trust->n && !key; i++)
            if (memcmp(trust->keys[i].key.keyid, s.keyid, OSP_SIG_KEYID_BYTES) == 0)
                key = &trust->keys[i];
        if (!key)
            PROBLEM(OSP_E_UNKNOWN_KEY_ID, SIGFILE,
                    "register the publisher's public key, or sign with a registered key",
                    "signed by key %s, which is not trusted", keyid);
        else if (key->revoked)
            PROBLEM(OSP_E_KEY_REVOKED, SIGFILE, "sign with a current key",
                    "key %s of publisher %s was revoked", keyid, key->publisher);
        else if (key->retired_at != 0 && use_time >= key->retired_at)
            PROBLEM(OSP_E_KEY_RETIRED, SIGFILE, "sign with the publisher's new key",
                    "key %s of publisher %s is retired", keyid, key->publisher);
        else if ((rc = osp_sig_verify(&s, &key->key, manifest, manifest_len)) != 0)
            PROBLEM(rc, SIGFILE, "the manifest changed after signing; sign it again",
                    "the signature does not match the manifest bytes");
    }

    if (sig_ok) {
        if (osp_verify_parse_binding(s.trusted_comment, &b) != 0)
            PROBLEM(OSP_E_SIGNATURE_BINDING, SIGFILE,
                    "the trusted comment must read id=<id> version=<version> digest=<sha256>",
                    "the signed trusted comment does not name a bundle");
        else if ((have_binding = 1) && strcmp(b.digest, digest) != 0)
            PROBLEM(OSP_E_DIGEST_MISMATCH, SIGFILE, "sign this manifest again",
                    "the signature names manifest digest %.16s…, this manifest is %.16s…",
                    b.digest, digest);
    }

    size_t before = diags ? diags->n : 0;
    rc = osp_manifest_parse(manifest, manifest_len, 0, &m, diags);
    osp_diags_set_file(diags, before, MANIFEST);
    if (rc != 0) {
        if (!first)
            first = rc;
        goto done;
    }
    if (have_binding && strcmp(b.id, m->id) != 0)
        PROBLEM(OSP_E_ID_MISMATCH, SIGFILE, "sign the bundle again",
                "the signature names plugin %.64s, the manifest %s", b.id, m->id);
    if (have_binding && strcmp(b.version, m->version) != 0)
        PROBLEM(OSP_E_VERSION_MISMATCH, SIGFILE, "sign the bundle again",
                "the signature names version %.64s, the manifest %s", b.version, m->version);
    if (key && strcmp(m->publisher, key->publisher) != 0)
        PROBLEM(OSP_E_UNTRUSTED_PUBLISHER, MANIFEST, NULL,
                "manifest names publisher %s but key %s belongs to %s", m->publisher, keyid,
                key->publisher);
#undef PROBLEM
done:
    if (first) {
        osp_manifest_free(m);
        return first;
    }
    out->manifest = m;
    memcpy(out->digest, digest, sizeof digest);
    memcpy(out->keyid, keyid, sizeof keyid);
    out->signer = key;
    return 0;
}

int osp_verify_manifest(const char *manifest, size_t manifest_len, const char *sig,
                        size_t sig_len, const struct osp_trust *trust, int64_t use_time,
                        const char *expected_digest, struct osp_verified *out,
                        struct osp_diags *diags)
{
    static const struct osp_trust none = {NULL, 0};
    return verify_pass(manifest, manifest_len, sig, sig_len, trust ? trust : &none, use_time,
                       expected_digest, out, diags);
}

int osp_verify_structure(const char *manifest, size_t manifest_len, const char *sig,
                         size_t sig_len, struct osp_verified *out, struct osp_diags *diags)
{
    return verify_pass(manifest, manifest_len, sig, sig_len, NULL, 0, NULL, out, diags);
}

int osp_verify_file(const struct osp_manifest *m, const char *path, const void *data, size_t len)
{
    const struct osp_manifest_file *f = osp_manifest_find_file(m, path);
    if (!f)
        return OSP_E_UNLISTED_FILE;
    if (f->size != (uint64_t)len)
        return OSP_E_SIZE_MISMATCH;
    unsigned char h[OSP_SHA256_BYTES];
    osp_hash_sha256(data, len, h);
    return memcmp(h, f->sha256, sizeof h) == 0 ? 0 : OSP_E_DIGEST_MISMATCH;
}
