/* Shared fixtures: a deterministic test key and a small valid manifest. */
#ifndef OSP_TEST_FIXTURES_H
#define OSP_TEST_FIXTURES_H

#include "osp/hash.h"
#include "osp/signer.h"
#include "osp/verify.h"

#include <stdio.h>
#include <string.h>

/* Key n (1, 2, …) is derived from a fixed seed so signatures are stable. */
static inline struct osp_signer *fixture_signer(int n)
{
    unsigned char seed[32], keyid[8];
    memset(seed, n, sizeof seed);
    memset(keyid, 0xA0 + n, sizeof keyid);
    struct osp_signer *s = NULL;
    if (osp_signer_from_seed(seed, keyid, &s) != 0)
        return NULL;
    return s;
}

static inline struct osp_trusted_key fixture_trusted(const struct osp_signer *s, const char *publisher)
{
    struct osp_trusted_key k;
    memset(&k, 0, sizeof k);
    osp_signer_public(s, &k.key);
    snprintf(k.publisher, sizeof k.publisher, "%s", publisher);
    return k;
}

/* A manifest for widget.html with the given content hash and size. */
static inline void fixture_manifest(char *out, size_t cap, const char *id, const char *version,
                             const char *publisher, const char *file_body)
{
    char hex[OSP_SHA256_HEX_BYTES];
    osp_hash_sha256_hex(file_body, strlen(file_body), hex);
    snprintf(out, cap,
             "{\n  \"format\": 1,\n  \"id\": \"%s\",\n  \"name\": \"Test widget\",\n"
             "  \"version\": \"%s\",\n  \"publisher\": \"%s\",\n  \"runtime\": \"ui\",\n"
             "  \"engines\": {\"osp-ui\": \"^1\"},\n"
             "  \"contributes\": {\"widgets\": [{\"id\": \"main\", \"title\": \"Main\", "
             "\"entry\": \"widget.html\"}]},\n"
             "  \"permissions\": {\"rpc\": [\"data.read:contact\", \"ui.toast\"]},\n"
             "  \"files\": {\"widget.html\": {\"sha256\": \"%s\", \"size\": %zu}}\n}\n",
             id, version, publisher, hex, strlen(file_body));
}

/* Signs manifest with s, binding id/version/digest. */
static inline int fixture_sign(const struct osp_signer *s, const char *manifest, const char *id,
                        const char *version, char *sig, size_t cap)
{
    char digest[OSP_SHA256_HEX_BYTES], tc[256];
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
    osp_verify_format_binding(id, version, digest, tc, sizeof tc);
    return osp_signer_sign(s, manifest, strlen(manifest), tc, 0, sig, cap);
}

#endif
