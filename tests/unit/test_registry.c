#include "check.h"
#include "fixtures.h"
#include "osp/error.h"
#include "osp/registry.h"

#include <stdlib.h>
#include <unistd.h>

static char db[128];

static struct osp_manifest *manifest(const char *id, const char *version, const char *publisher)
{
    char buf[4096];
    fixture_manifest(buf, sizeof buf, id, version, publisher, "x");
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(buf, strlen(buf), 0, &m, NULL), 0);
    return m;
}

static void publishers_and_tokens(void)
{
    struct osp_registry *r = NULL;
    CHECK_ERR(osp_registry_open(db, &r), 0);
    struct osp_signer *s = fixture_signer(1);
    struct osp_pubkey pk;
    osp_signer_public(s, &pk);
    char token[OSP_TOKEN_LEN + 1], name[OSP_ID_MAX_LEN + 1];
    CHECK_ERR(osp_registry_publisher_add(r, "acme", &pk, 1, 10, token), 0);
    CHECK_INT(strlen(token), OSP_TOKEN_LEN);
    CHECK_ERR(osp_registry_publisher_add(r, "acme", &pk, 0, 10, token), OSP_E_CONFLICT);
    CHECK_ERR(osp_registry_publisher_add(r, "Bad Name", &pk, 0, 10, token), OSP_E_BAD_ID);
    CHECK_ERR(osp_registry_publisher_auth(r, "ospt_nope", name), OSP_E_UNAUTHORIZED);
    osp_registry_close(r);
    /* Reopen: state persists, migrations are idempotent. */
    CHECK_ERR(osp_registry_open(db, &r), 0);
    struct osp_trusted_key *keys = NULL;
    size_t n = 0;
    CHECK_ERR(osp_registry_trust_load(r, "acme", &keys, &n), 0);
    CHECK_INT(n, 1);
    CHECK(memcmp(&keys[0].key, &pk, sizeof pk) == 0);
    CHECK_INT(keys[0].verified, 1);
    free(keys);
    CHECK_ERR(osp_registry_trust_load(r, "nobody", &keys, &n), 0);
    CHECK_INT(n, 0);
    free(keys);
    osp_registry_close(r);
    osp_signer_free(s);
}

static void versions_only_increase(void)
{
    struct osp_registry *r = NULL;
    CHECK_ERR(osp_registry_open(db, &r), 0);
    struct osp_manifest *v1 = manifest("acme.x", "1.0.0", "acme");
    struct osp_manifest *v2 = manifest("acme.x", "1.1.0", "acme");
    struct osp_manifest *v0 = manifest("acme.x", "0.9.0", "acme");
    struct osp_manifest *other = manifest("acme.x", "2.0.0", "mallory");
    char d1[65], d2[65], d3[65];
    memset(d1, '1', 64);
    memset(d2, '2', 64);
    memset(d3, '3', 64);
    d1[64] = d2[64] = d3[64] = '\0';
    int created = -1;
    CHECK_ERR(osp_registry_version_add(r, v1, d1, "sig", "K", 100, &created), 0);
    CHECK_INT(created, 1);
    CHECK_ERR(osp_registry_version_add(r, v1, d1, "sig", "K", 101, &created), 0);
    CHECK_INT(created, 0);
    CHECK_ERR(osp_registry_version_add(r, v1, d3, "sig", "K", 102, &created), OSP_E_CONFLICT);
    CHECK_ERR(osp_registry_version_add(r, v0, d3, "sig", "K", 102, &created), OSP_E_CONFLICT);
    CHECK_ERR(osp_registry_version_add(r, other, d3, "sig", "K", 102, &created), OSP_E_FORBIDDEN);
    CHECK_ERR(osp_registry_version_add(r, v2, d2, "sig2", "K", 103, &created), 0);
    struct osp_version_row row;
    CHECK_ERR(osp_registry_version_latest(r, "acme.x", &row), 0);
    CHECK_STR(row.version, "1.1.0");
    CHECK_STR(row.signature, "sig2");
    CHECK_INT(row.published_at, 103);
    osp_version_row_clear(&row);
    CHECK_ERR(osp_registry_version_get(r, "acme.x", d1, &row), 0);
    CHECK_STR(row.version, "1.0.0");
    osp_version_row_clear(&row);
    CHECK_ERR(osp_registry_version_get(r, "acme.y", d1, &row), OSP_E_NOT_FOUND);

    CHECK_ERR(osp_registry_install(r, "t1", "acme.x", d2, "[\"ui.toast\"]", 200), 0);
    CHECK_ERR(osp_registry_install(r, "t1", "acme.x", d3, "[]", 200), OSP_E_NOT_FOUND);
    struct osp_installation *list = NULL;
    size_t n = 0;
    CHECK_ERR(osp_registry_installations(r, "t1", &list, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(list[0].version.digest, d2);
    CHECK_STR(list[0].grants_json, "[\"ui.toast\"]");
    osp_registry_installations_free(list, n);
    CHECK_ERR(osp_registry_installations(r, "t2", &list, &n), 0);
    CHECK_INT(n, 0);
    osp_registry_installations_free(list, n);
    char *g = NULL;
    CHECK_ERR(osp_registry_grants(r, "t1", "acme.x", &g), 0);
    CHECK_STR(g, "[\"ui.toast\"]");
    free(g);
    CHECK_ERR(osp_registry_grants(r, "t2", "acme.x", &g), OSP_E_NOT_FOUND);

    osp_manifest_free(v0);
    osp_manifest_free(v1);
    osp_manifest_free(v2);
    osp_manifest_free(other);
    osp_registry_close(r);
}

static void browse_revoke_and_manage(void)
{
    struct osp_registry *r = NULL;
    CHECK_ERR(osp_registry_open(db, &r), 0);
    struct osp_plugin_row *plugins = NULL;
    size_t n = 0;
    CHECK_ERR(osp_registry_plugins(r, "test wid", &plugins, &n), 0); /* name "Test widget" */
    CHECK_INT(n, 1);
    CHECK_STR(plugins[0].id, "acme.x");
    CHECK_STR(plugins[0].latest_version, "1.1.0");
    CHECK_INT(plugins[0].versions, 2);
    osp_registry_plugins_free(plugins, n);
    CHECK_ERR(osp_registry_plugins(r, "100%_", &plugins, &n), 0); /* wildcards are literal */
    CHECK_INT(n, 0);
    osp_registry_plugins_free(plugins, n);

    struct osp_version_row *versions = NULL;
    CHECK_ERR(osp_registry_versions(r, "acme.x", &versions, &n), 0);
    CHECK_INT(n, 2);
    CHECK_STR(versions[0].version, "1.1.0"); /* newest first */
    osp_registry_versions_free(versions, n);

    CHECK_ERR(osp_registry_version_revoke(r, "acme.x", "1.1.0", 300), 0);
    CHECK_ERR(osp_registry_version_revoke(r, "acme.x", "1.1.0", 301), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_registry_version_revoke(r, "acme.x", "9.9.9", 301), OSP_E_NOT_FOUND);
    struct osp_version_row row;
    CHECK_ERR(osp_registry_version_latest(r, "acme.x", &row), 0);
    CHECK_STR(row.version, "1.0.0"); /* revoked versions are never the latest */
    osp_version_row_clear(&row);
    struct osp_installation in;
    CHECK_ERR(osp_registry_installation_get(r, "t1", "acme.x", &in), 0);
    CHECK_INT(in.version.revoked, 1);
    CHECK_INT(in.version.revoked_at, 300);
    osp_installation_clear(&in);

    CHECK_ERR(osp_registry_set_enabled(r, "t1", "acme.x", 0), 0);
    struct osp_installation *list = NULL;
    CHECK_ERR(osp_registry_installations(r, "t1", &list, &n), 0);
    CHECK_INT(n, 0); /* disabled: not for the shell */
    osp_registry_installations_free(list, n);
    CHECK_ERR(osp_registry_installations_where(r, NULL, "acme.x", 1, &list, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(list[0].tenant, "t1");
    osp_registry_installations_free(list, n);
    CHECK_ERR(osp_registry_set_grants(r, "t1", "acme.x", "[]"), 0);
    CHECK_ERR(osp_registry_uninstall(r, "t1", "acme.x"), 0);
    CHECK_ERR(osp_registry_uninstall(r, "t1", "acme.x"), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_registry_installation_get(r, "t1", "acme.x", &in), OSP_E_NOT_FOUND);

    char v[OSP_SHA256_HEX_BYTES], a[65], b[65];
    memset(a, 'a', 64);
    memset(b, 'b', 64);
    a[64] = b[64] = '\0';
    CHECK_ERR(osp_registry_variant_get(r, a, "br", v), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_registry_variant_add(r, a, "br", b, 10), 0);
    CHECK_ERR(osp_registry_variant_add(r, a, "br", b, 10), 0);
    CHECK_ERR(osp_registry_variant_get(r, a, "br", v), 0);
    CHECK_STR(v, b);

    char token[OSP_TOKEN_LEN + 1], again[OSP_TOKEN_LEN + 1], name[OSP_ID_MAX_LEN + 1];
    CHECK_ERR(osp_registry_admin_token_add(r, "ops", 1, token), 0);
    CHECK_ERR(osp_registry_admin_token_add(r, "ops", 1, again), OSP_E_CONFLICT);
    CHECK_ERR(osp_registry_admin_auth(r, token, name), 0);
    CHECK_STR(name, "ops");
    CHECK_ERR(osp_registry_publisher_auth(r, token, name), OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_registry_publisher_new_token(r, "acme", again), 0);
    CHECK_ERR(osp_registry_publisher_auth(r, again, name), 0);
    CHECK_STR(name, "acme");
    CHECK_ERR(osp_registry_publisher_new_token(r, "nobody", again), OSP_E_NOT_FOUND);
    osp_registry_close(r);
}

static void key_rotation_and_revocation(void)
{
    struct osp_registry *r = NULL;
    CHECK_ERR(osp_registry_open(db, &r), 0);
    struct osp_signer *s1 = fixture_signer(1), *s2 = fixture_signer(2);
    struct osp_pubkey k1, k2;
    osp_signer_public(s1, &k1);
    osp_signer_public(s2, &k2);
    char id1[OSP_SIG_KEYID_HEX_BYTES], id2[OSP_SIG_KEYID_HEX_BYTES];
    osp_sig_keyid_hex(k1.keyid, id1);
    osp_sig_keyid_hex(k2.keyid, id2);
    CHECK_ERR(osp_registry_key_add(r, "acme", &k2, 50), 0);
    CHECK_ERR(osp_registry_key_add(r, "acme", &k2, 50), OSP_E_CONFLICT);
    CHECK_ERR(osp_registry_key_add(r, "nobody", &k2, 50), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_registry_key_retire(r, "acme", id1, 60), 0);
    CHECK_ERR(osp_registry_key_retire(r, "other", id1, 60), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_registry_key_revoke(r, "acme", id2), 0);
    CHECK_ERR(osp_registry_key_revoke(r, "acme", "0000000000000000"), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_registry_publisher_set_verified(r, "acme", 0), 0);
    CHECK_ERR(osp_registry_publisher_set_verified(r, "nobody", 1), OSP_E_NOT_FOUND);
    struct osp_trusted_key *keys = NULL;
    size_t n = 0;
    CHECK_ERR(osp_registry_trust_load(r, "acme", &keys, &n), 0);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++) {
        int is1 = memcmp(keys[i].key.keyid, k1.keyid, 8) == 0;
        CHECK_INT(keys[i].retired_at, is1 ? 60 : 0);
        CHECK_INT(keys[i].revoked, is1 ? 0 : 1);
        CHECK_INT(keys[i].verified, 0);
    }
    free(keys);
    osp_signer_free(s1);
    osp_signer_free(s2);
    osp_registry_close(r);
}

int main(void)
{
    snprintf(db, sizeof db, "/tmp/osp-test-registry-%d.db", (int)getpid());
    RUN(publishers_and_tokens);
    RUN(versions_only_increase);
    RUN(browse_revoke_and_manage);
    RUN(key_rotation_and_revocation);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm", db, db, db);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
