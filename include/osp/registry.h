/* The registry: publishers, keys, plugins, versions, installations (with
 * grants), brotli variants and operator tokens, in the embedded database
 * (db.h: WAL, synchronous=FULL, versioned schema).  Every function is safe
 * to call from any server thread.  Strings returned in structs are copies
 * owned by the struct.
 */
#ifndef OSP_REGISTRY_H
#define OSP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "osp/hash.h"
#include "osp/manifest.h"
#include "osp/verify.h"

#define OSP_TOKEN_PREFIX "ospt_"
#define OSP_TOKEN_LEN (5 + 64) /* prefix + 32 random bytes in hex */
#define OSP_TENANT_MAX_LEN 64

struct osp_registry;

/* Opens or creates the database at path and migrates it.  Returns 0,
 * OSP_E_IO (cannot open, or the file is newer than this osp) or
 * OSP_E_NO_MEMORY. */
int osp_registry_open(const char *path, struct osp_registry **out);

/* NULL does nothing. */
void osp_registry_close(struct osp_registry *r);

/* The database the registry lives in, for the modules that share it
 * (auth, records, audit). */
struct osp_db *osp_registry_db(struct osp_registry *r);

/* Creates publisher name with one key and returns its publish token in
 * token_out (shown once; only its hash is stored).  Returns 0,
 * OSP_E_CONFLICT (name or key id taken), OSP_E_BAD_ID, OSP_E_IO. */
int osp_registry_publisher_add(struct osp_registry *r, const char *name,
                               const struct osp_pubkey *key, int verified, int64_t now,
                               char token_out[OSP_TOKEN_LEN + 1]);

/* Adds a key to an existing publisher (rotation: add the new key, then
 * retire the old one).  Returns 0, OSP_E_NOT_FOUND (no such publisher),
 * OSP_E_CONFLICT (key id taken) or OSP_E_IO. */
int osp_registry_key_add(struct osp_registry *r, const char *publisher,
                         const struct osp_pubkey *key, int64_t now);

/* Retires key keyid_hex (as osp_sig_keyid_hex prints it) of publisher from
 * time at on: bundles published before stay valid, new signatures are
 * refused.  Returns 0 or OSP_E_NOT_FOUND. */
int osp_registry_key_retire(struct osp_registry *r, const char *publisher,
                            const char *keyid_hex, int64_t at);

/* Revokes a key: everything it signed is refused from now on, including
 * bundles already published.  Returns 0 or OSP_E_NOT_FOUND. */
int osp_registry_key_revoke(struct osp_registry *r, const char *publisher,
                            const char *keyid_hex);

/* Allows (or stops) in-app loading (tier U0) of an installation.  The
 * caller checks who asks and that the publisher is verified.  Returns 0,
 * OSP_E_NOT_FOUND (not installed) or OSP_E_IO. */
int osp_registry_set_in_app(struct osp_registry *r, const char *tenant, const char *plugin_id,
                            int in_app);

/* Whether publisher name is verified: 1, 0, or a negative osp error
 * (OSP_E_NOT_FOUND for no such publisher). */
int osp_registry_publisher_verified(struct osp_registry *r, const char *name);

/* Marks a publisher verified (may load in-app, tier U0) or not.  Returns 0
 * or OSP_E_NOT_FOUND. */
int osp_registry_publisher_set_verified(struct osp_registry *r, const char *name, int verified);

/* The publisher whose token this is.  Returns 0 or OSP_E_UNAUTHORIZED. */
int osp_registry_publisher_auth(struct osp_registry *r, const char *token,
                                char name_out[OSP_ID_MAX_LEN + 1]);

/* Loads the keys of publisher (or of every publisher when NULL) as a trust
 * set: *keys is malloc'd (free() it), *n its length. */
int osp_registry_trust_load(struct osp_registry *r, const char *publisher,
                            struct osp_trusted_key **keys, size_t *n);

struct osp_version_row {
    char plugin_id[OSP_ID_MAX_LEN + 1];
    char version[65];
    char digest[OSP_SHA256_HEX_BYTES];
    char publisher[OSP_ID_MAX_LEN + 1];
    char keyid[OSP_SIG_KEYID_HEX_BYTES];
    char *signature; /* the .minisig text */
    int64_t published_at;
    int revoked;
    int64_t revoked_at;
};

void osp_version_row_clear(struct osp_version_row *v);

/* Registers a verified version.  Versions strictly increase per plugin:
 * the same digest again is accepted (*created = 0), an equal or lower
 * version with another digest is OSP_E_CONFLICT; a plugin id owned by
 * another publisher is OSP_E_FORBIDDEN.  The plugin's listed name and
 * description follow the newest version. */
int osp_registry_version_add(struct osp_registry *r, const struct osp_manifest *m,
                             const char *digest, const char *signature, const char *keyid,
                             int64_t now, int *created);

/* The checks of osp_registry_version_add without adding anything, so a
 * publish can be refused before it writes a blob: 0 if m (with digest)
 * could be added now or is already there, else OSP_E_FORBIDDEN,
 * OSP_E_CONFLICT or OSP_E_BAD_VERSION.  version_add checks again, in its
 * transaction. */
int osp_registry_version_check(struct osp_registry *r, const struct osp_manifest *m,
                               const char *digest);

/* The version of plugin_id with digest.  Returns 0 or OSP_E_NOT_FOUND. */
int osp_registry_version_get(struct osp_registry *r, const char *plugin_id, const char *digest,
                             struct osp_version_row *out);

/* The newest (highest) non-revoked version of plugin_id. */
int osp_registry_version_latest(struct osp_registry *r, const char *plugin_id,
                                struct osp_version_row *out);

struct osp_installation {
    struct osp_version_row version;
    char tenant[OSP_TENANT_MAX_LEN + 1];
    char *grants_json; /* JSON array of granted permission strings */
    int enabled;
    int64_t installed_at;
    int in_app; /* the operator allowed in-app loading (tier U0) */
};

/* Installs (or re-points) plugin_id for tenant at the version with digest,
 * with grants (a JSON array of permission strings).  Returns 0,
 * OSP_E_NOT_FOUND (no such version) or OSP_E_IO. */
int osp_registry_install(struct osp_registry *r, const char *tenant, const char *plugin_id,
                         const char *digest, const char *grants_json, int64_t now);

/* Every enabled installation of tenant, ordered by plugin id.  *out is an
 * array to release with osp_registry_installations_free.  Revoked versions
 * are included (with version.revoked set) so the shell can say why it
 * refuses them. */
int osp_registry_installations(struct osp_registry *r, const char *tenant,
                               struct osp_installation **out, size_t *n);

void osp_registry_installations_free(struct osp_installation *list, size_t n);

/* Installations filtered by tenant and/or plugin (NULL matches any),
 * disabled ones too when include_disabled. */
int osp_registry_installations_where(struct osp_registry *r, const char *tenant,
                                     const char *plugin_id, int include_disabled,
                                     struct osp_installation **out, size_t *n);

/* One installation (enabled or not).  Returns 0 or OSP_E_NOT_FOUND; release
 * with osp_registry_installations_free(out, 1)'s single-element form:
 * osp_installation_clear. */
int osp_registry_installation_get(struct osp_registry *r, const char *tenant,
                                  const char *plugin_id, struct osp_installation *out);

void osp_installation_clear(struct osp_installation *in);

int osp_registry_uninstall(struct osp_registry *r, const char *tenant, const char *plugin_id);

int osp_registry_set_enabled(struct osp_registry *r, const char *tenant, const char *plugin_id,
                             int enabled);

/* Replaces the grants (JSON array text) of an installation. */
int osp_registry_set_grants(struct osp_registry *r, const char *tenant, const char *plugin_id,
                            const char *grants_json);

struct osp_plugin_row {
    char id[OSP_ID_MAX_LEN + 1];
    char publisher[OSP_ID_MAX_LEN + 1];
    char *name;        /* of the newest version */
    char *description; /* "" when none */
    char latest_version[65];                 /* "" when every version is revoked */
    char latest_digest[OSP_SHA256_HEX_BYTES]; /* likewise */
    int versions;
};

/* Plugins whose id, name or description contains query (NULL or "" for
 * all), ordered by id, at most 500.  Release with osp_registry_plugins_free. */
int osp_registry_plugins(struct osp_registry *r, const char *query, struct osp_plugin_row **out,
                         size_t *n);

void osp_registry_plugins_free(struct osp_plugin_row *list, size_t n);

/* Every version of plugin_id, newest first.  Release with
 * osp_registry_versions_free. */
int osp_registry_versions(struct osp_registry *r, const char *plugin_id,
                          struct osp_version_row **out, size_t *n);

void osp_registry_versions_free(struct osp_version_row *list, size_t n);

/* Revokes one version: it is served as 410 Gone and never mounted again.
 * Returns 0 or OSP_E_NOT_FOUND (no such version, or already revoked). */
int osp_registry_version_revoke(struct osp_registry *r, const char *plugin_id,
                                const char *version, int64_t now);

/* Records that blob variant (hex) is sha256's content in encoding ("br"). */
int osp_registry_variant_add(struct osp_registry *r, const char *sha256, const char *encoding,
                             const char *variant, size_t size);

/* The variant of sha256 in encoding.  Returns 0 or OSP_E_NOT_FOUND. */
int osp_registry_variant_get(struct osp_registry *r, const char *sha256, const char *encoding,
                             char variant[OSP_SHA256_HEX_BYTES]);

struct osp_variant_row {
    char sha256[OSP_SHA256_HEX_BYTES];
    char encoding[16];
    char variant[OSP_SHA256_HEX_BYTES];
};

/* Every recorded variant (*out malloc'd; free() it). */
int osp_registry_variants(struct osp_registry *r, struct osp_variant_row **out, size_t *n);

/* Replaces a publisher's publish token; the new one is returned once. */
int osp_registry_publisher_new_token(struct osp_registry *r, const char *name,
                                     char token_out[OSP_TOKEN_LEN + 1]);

/* Creates an operator (admin API) token named name, returned once. */
int osp_registry_admin_token_add(struct osp_registry *r, const char *name, int64_t now,
                                 char token_out[OSP_TOKEN_LEN + 1]);

/* The admin token's name.  Returns 0 or OSP_E_UNAUTHORIZED. */
int osp_registry_admin_auth(struct osp_registry *r, const char *token,
                            char name_out[OSP_ID_MAX_LEN + 1]);

/* The grants of plugin_id's installation for tenant (JSON array text,
 * malloc'd).  Returns 0 or OSP_E_NOT_FOUND (not installed or disabled). */
int osp_registry_grants(struct osp_registry *r, const char *tenant, const char *plugin_id,
                        char **grants_json);



#endif
