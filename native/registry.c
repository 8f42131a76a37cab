/* SQLite registry (see include/osp/registry.h). */
#include "osp/registry.h"
#include "osp/db.h"
#include "osp/error.h"
#include "osp/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

struct osp_registry {
    struct osp_db *db;
    sqlite3 *conn; /* osp_db_handle(db), used only under osp_db_lock */
};

int osp_registry_open(const char *path, struct osp_registry **out)
{
    *out = NULL;
    struct osp_registry *r = calloc(1, sizeof *r);
    if (!r)
        return OSP_E_NO_MEMORY;
    int rc = osp_db_open(path, &r->db);
    if (rc != 0) {
        free(r);
        return rc;
    }
    r->conn = osp_db_handle(r->db);
    *out = r;
    return 0;
}

void osp_registry_close(struct osp_registry *r)
{
    if (!r)
        return;
    osp_db_close(r->db);
    free(r);
}

struct osp_db *osp_registry_db(struct osp_registry *r)
{
    return r->db;
}

static int exec(sqlite3 *conn, const char *sql)
{
    return sqlite3_exec(conn, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : OSP_E_IO;
}





static void token_hash(const char *token, char hex[OSP_SHA256_HEX_BYTES])
{
    osp_hash_sha256_hex(token, strlen(token), hex);
}



int osp_registry_publisher_add(struct osp_registry *r, const char *name,
                               const struct osp_pubkey *key, int verified, int64_t now,
                               char token_out[OSP_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    char hash[OSP_SHA256_HEX_BYTES], keyid[OSP_SIG_KEYID_HEX_BYTES], pub[64];
    size_t nl = strlen(name);
    if (nl == 0 || nl > OSP_ID_MAX_LEN || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != nl)
        return OSP_E_BAD_ID;
    randombytes_buf(raw, sizeof raw);
    memcpy(token_out, OSP_TOKEN_PREFIX, 5);
    osp_hash_to_hex(raw, sizeof raw, token_out + 5);
    sodium_memzero(raw, sizeof raw);
    token_hash(token_out, hash);
    osp_sig_keyid_hex(key->keyid, keyid);
    osp_sig_pubkey_base64(key, pub, sizeof pub);

    osp_db_lock(r->db);
    int rc = exec(r->conn, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = NULL;
    if (rc == 0) {
        sqlite3_prepare_v2(r->conn,
                           "INSERT INTO publishers(name, token_hash, verified, created_at) "
                           "VALUES(?,?,?,?)",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, verified ? 1 : 0);
        sqlite3_bind_int64(st, 4, now);
        int s = sqlite3_step(st);
        rc = s == SQLITE_DONE ? 0 : s == SQLITE_CONSTRAINT ? OSP_E_CONFLICT : OSP_E_IO;
        sqlite3_finalize(st);
    }
    if (rc == 0) {
        sqlite3_prepare_v2(r->conn,
                           "INSERT INTO publisher_keys(keyid, publisher, pubkey, added_at) "
                           "VALUES(?,?,?,?)",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, keyid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, pub, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        int s = sqlite3_step(st);
        rc = s == SQLITE_DONE ? 0 : s == SQLITE_CONSTRAINT ? OSP_E_CONFLICT : OSP_E_IO;
        sqlite3_finalize(st);
    }
    if (rc == 0 && exec(r->conn, "COMMIT") != 0)
        rc = OSP_E_IO;
    if (rc != 0) {
        exec(r->conn, "ROLLBACK");
        sodium_memzero(token_out, OSP_TOKEN_LEN + 1);
    }
    osp_db_unlock(r->db);
    return rc;
}

/* Runs one UPDATE/INSERT with text/int64 parameters under the lock;
 * returns 0, OSP_E_NOT_FOUND when no row changed, OSP_E_CONFLICT on a
 * constraint, OSP_E_IO otherwise.  Types: 't' text, 'i' int64. */

/* ---- listing helpers ---------------------------------------------------- */

/* Runs a query with text/int64 binds ('t'/'i' in types) and calls row()
 * for each row; row returns 0 to go on or an error to stop with. */

/* A growable array of fixed-size rows. */


int osp_registry_key_add(struct osp_registry *r, const char *publisher,
                         const struct osp_pubkey *key, int64_t now)
{
    char keyid[OSP_SIG_KEYID_HEX_BYTES], pub[64];
    osp_sig_keyid_hex(key->keyid, keyid);
    osp_sig_pubkey_base64(key, pub, sizeof pub);
    return osp_db_change(r->db,
                       "INSERT INTO publisher_keys(keyid, publisher, pubkey, added_at) SELECT "
                       "?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM publishers WHERE name=?2)",
                       "ttti", keyid, publisher, pub, now);
}

int osp_registry_key_retire(struct osp_registry *r, const char *publisher,
                            const char *keyid_hex, int64_t at)
{
    return osp_db_change(r->db, "UPDATE publisher_keys SET retired_at=?3 WHERE publisher=?1 AND keyid=?2",
                       "tti", publisher, keyid_hex, at);
}

int osp_registry_key_revoke(struct osp_registry *r, const char *publisher,
                            const char *keyid_hex)
{
    return osp_db_change(r->db, "UPDATE publisher_keys SET revoked=1 WHERE publisher=?1 AND keyid=?2",
                       "tt", publisher, keyid_hex);
}

int osp_registry_publisher_set_verified(struct osp_registry *r, const char *name, int verified)
{
    return osp_db_change(r->db, "UPDATE publishers SET verified=?2 WHERE name=?1", "ti", name,
                       (int64_t)(verified ? 1 : 0));
}

static int int_row(sqlite3_stmt *st, void *ctx)
{
    *(int *)ctx = sqlite3_column_int(st, 0);
    return 1;
}

int osp_registry_publisher_verified(struct osp_registry *r, const char *name)
{
    int verified = 0;
    int rc = osp_db_rows(r->db, "SELECT verified FROM publishers WHERE name=?", int_row, &verified,
                        "t", name);
    if (rc == 1)
        return verified ? 1 : 0;
    return rc == 0 ? OSP_E_NOT_FOUND : rc;
}

int osp_registry_publisher_auth(struct osp_registry *r, const char *token,
                                char name_out[OSP_ID_MAX_LEN + 1])
{
    char hash[OSP_SHA256_HEX_BYTES];
    name_out[0] = '\0';
    if (!token || strlen(token) != OSP_TOKEN_LEN || strncmp(token, OSP_TOKEN_PREFIX, 5) != 0)
        return OSP_E_UNAUTHORIZED;
    /* Looking up by hash keeps the comparison off the secret itself. */
    token_hash(token, hash);
    osp_db_lock(r->db);
    sqlite3_stmt *st;
    int rc = OSP_E_UNAUTHORIZED;
    if (sqlite3_prepare_v2(r->conn, "SELECT name FROM publishers WHERE token_hash=?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            osp_db_copy(name_out, OSP_ID_MAX_LEN + 1, st, 0);
            rc = 0;
        }
        sqlite3_finalize(st);
    }
    osp_db_unlock(r->db);
    return rc;
}

int osp_registry_trust_load(struct osp_registry *r, const char *publisher,
                            struct osp_trusted_key **keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    osp_db_lock(r->db);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->conn,
                                "SELECT k.publisher, k.pubkey, k.retired_at, k.revoked, "
                                "p.verified FROM publisher_keys k JOIN publishers p "
                                "ON p.name = k.publisher WHERE ?1 IS NULL OR k.publisher = ?1 "
                                "ORDER BY k.keyid",
                                -1, &st, NULL) == SQLITE_OK
                 ? 0
                 : OSP_E_IO;
    size_t cap = 0;
    if (rc == 0) {
        sqlite3_bind_text(st, 1, publisher, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                struct osp_trusted_key *nk = realloc(*keys, cap * sizeof *nk);
                if (!nk) {
                    rc = OSP_E_NO_MEMORY;
                    break;
                }
                *keys = nk;
            }
            struct osp_trusted_key *k = &(*keys)[*n];
            memset(k, 0, sizeof *k);
            const unsigned char *pub = sqlite3_column_text(st, 1);
            if (!pub || osp_sig_parse_pubkey((const char *)pub, strlen((const char *)pub),
                                             &k->key) != 0)
                continue; /* unreadable key: never trusted */
            osp_db_copy(k->publisher, sizeof k->publisher, st, 0);
            k->retired_at = sqlite3_column_int64(st, 2);
            k->revoked = sqlite3_column_int(st, 3);
            k->verified = sqlite3_column_int(st, 4);
            (*n)++;
        }
        sqlite3_finalize(st);
    }
    osp_db_unlock(r->db);
    if (rc != 0) {
        free(*keys);
        *keys = NULL;
        *n = 0;
    }
    return rc;
}

void osp_version_row_clear(struct osp_version_row *v)
{
    if (!v)
        return;
    free(v->signature);
    memset(v, 0, sizeof *v);
}

#define VERSION_COLUMNS                                                                            \
    "v.plugin_id, v.version, v.digest, p.publisher, v.keyid, v.signature, v.published_at, "      \
    "v.revoked, v.revoked_at"

static void read_version(sqlite3_stmt *st, int col, struct osp_version_row *v)
{
    osp_db_copy(v->plugin_id, sizeof v->plugin_id, st, col);
    osp_db_copy(v->version, sizeof v->version, st, col + 1);
    osp_db_copy(v->digest, sizeof v->digest, st, col + 2);
    osp_db_copy(v->publisher, sizeof v->publisher, st, col + 3);
    osp_db_copy(v->keyid, sizeof v->keyid, st, col + 4);
    v->signature = osp_db_dup(st, col + 5);
    v->published_at = sqlite3_column_int64(st, col + 6);
    v->revoked = sqlite3_column_int(st, col + 7);
    v->revoked_at = sqlite3_column_int64(st, col + 8);
}

/* Whether m (with digest) may be added now: 0 yes, 1 already there
 * (idempotent), OSP_E_FORBIDDEN (the id is another publisher's) or
 * OSP_E_CONFLICT (not newer than every published version).  Under the db
 * lock. */
static int check_new_version(struct osp_registry *r, const struct osp_manifest *m,
                             const char *digest, const struct osp_semver *mine)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, exists = 0;
    /* The plugin id belongs to the publisher who first published it. */
    sqlite3_prepare_v2(r->conn, "SELECT publisher FROM plugins WHERE id=?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *owner = sqlite3_column_text(st, 0);
        if (!owner || strcmp((const char *)owner, m->publisher) != 0)
            rc = OSP_E_FORBIDDEN;
        exists = 1;
    }
    sqlite3_finalize(st);
    if (rc == 0 && exists) {
        sqlite3_prepare_v2(r->conn, "SELECT version, digest FROM versions WHERE plugin_id=?", -1,
                           &st, NULL);
        sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
            const char *ver = (const char *)sqlite3_column_text(st, 0);
            const char *dig = (const char *)sqlite3_column_text(st, 1);
            struct osp_semver other;
            if (dig && strcmp(dig, digest) == 0) {
                rc = 1; /* identical bundle: idempotent */
                break;
            }
            if (!ver || osp_version_parse(ver, &other) != 0 ||
                osp_version_compare(mine, &other) <= 0)
                rc = OSP_E_CONFLICT;
        }
        sqlite3_finalize(st);
    }
    return rc;
}

int osp_registry_version_check(struct osp_registry *r, const struct osp_manifest *m,
                               const char *digest)
{
    struct osp_semver mine;
    if (osp_version_parse(m->version, &mine) != 0)
        return OSP_E_BAD_VERSION;
    osp_db_lock(r->db);
    int rc = check_new_version(r, m, digest, &mine);
    osp_db_unlock(r->db);
    return rc == 1 ? 0 : rc;
}

int osp_registry_version_add(struct osp_registry *r, const struct osp_manifest *m,
                             const char *digest, const char *signature, const char *keyid,
                             int64_t now, int *created)
{
    struct osp_semver mine;
    *created = 0;
    if (osp_version_parse(m->version, &mine) != 0)
        return OSP_E_BAD_VERSION;
    osp_db_lock(r->db);
    int rc = exec(r->conn, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = NULL;
    if (rc == 0)
        rc = check_new_version(r, m, digest, &mine);
    if (rc == 0) {
        /* The listing shows the newest version's name and description. */
        sqlite3_prepare_v2(r->conn,
                           "INSERT INTO plugins(id, publisher, created_at, name, description) "
                           "VALUES(?1,?2,?3,?4,?5) ON CONFLICT(id) DO UPDATE SET "
                           "name=excluded.name, description=excluded.description",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, m->publisher, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_text(st, 4, m->name ? m->name : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, m->description ? m->description : "", -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : OSP_E_IO;
        sqlite3_finalize(st);
    }
    if (rc == 0) {
        sqlite3_prepare_v2(r->conn,
                           "INSERT INTO versions(plugin_id, version, digest, signature, keyid, "
                           "published_at) VALUES(?,?,?,?,?,?)",
                           -1, &st, NULL);
        sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, m->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, signature, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, keyid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, now);
        int s = sqlite3_step(st);
        rc = s == SQLITE_DONE ? 0 : s == SQLITE_CONSTRAINT ? OSP_E_CONFLICT : OSP_E_IO;
        sqlite3_finalize(st);
    }
    if (rc == 0) {
        rc = exec(r->conn, "COMMIT");
        *created = rc == 0;
    } else {
        exec(r->conn, "ROLLBACK");
        if (rc == 1)
            rc = 0;
    }
    osp_db_unlock(r->db);
    return rc;
}

static int version_query(struct osp_registry *r, const char *sql, const char *a, const char *b,
                         struct osp_version_row *out)
{
    memset(out, 0, sizeof *out);
    osp_db_lock(r->db);
    sqlite3_stmt *st;
    int rc = OSP_E_IO;
    if (sqlite3_prepare_v2(r->conn, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        rc = OSP_E_NOT_FOUND;
        if (sqlite3_step(st) == SQLITE_ROW) {
            read_version(st, 0, out);
            rc = out->signature ? 0 : OSP_E_NO_MEMORY;
        }
        sqlite3_finalize(st);
    }
    osp_db_unlock(r->db);
    return rc;
}

int osp_registry_version_get(struct osp_registry *r, const char *plugin_id, const char *digest,
                             struct osp_version_row *out)
{
    return version_query(r,
                         "SELECT " VERSION_COLUMNS " FROM versions v JOIN plugins p ON "
                         "p.id = v.plugin_id WHERE v.plugin_id=? AND v.digest=?",
                         plugin_id, digest, out);
}

int osp_registry_version_latest(struct osp_registry *r, const char *plugin_id,
                                struct osp_version_row *out)
{
    /* Versions only ever increase, so the newest row is the highest. */
    return version_query(r,
                         "SELECT " VERSION_COLUMNS " FROM versions v JOIN plugins p ON "
                         "p.id = v.plugin_id WHERE v.plugin_id=? AND v.revoked=0 "
                         "ORDER BY v.published_at DESC, v.rowid DESC LIMIT 1",
                         plugin_id, NULL, out);
}

int osp_registry_install(struct osp_registry *r, const char *tenant, const char *plugin_id,
                         const char *digest, const char *grants_json, int64_t now)
{
    osp_db_lock(r->db);
    sqlite3_stmt *st;
    int rc = OSP_E_IO;
    if (sqlite3_prepare_v2(r->conn,
                           "INSERT INTO installations(tenant, plugin_id, digest, grants, enabled, "
                           "installed_at) SELECT ?1, ?2, ?3, ?4, 1, ?5 WHERE EXISTS (SELECT 1 "
                           "FROM versions WHERE plugin_id=?2 AND digest=?3) "
                           "ON CONFLICT(tenant, plugin_id) DO UPDATE SET digest=excluded.digest, "
                           "grants=excluded.grants, enabled=1, installed_at=excluded.installed_at",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, plugin_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, grants_json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(r->conn) > 0 ? 0 : OSP_E_NOT_FOUND;
        sqlite3_finalize(st);
    }
    osp_db_unlock(r->db);
    return rc;
}

static int installation_row(sqlite3_stmt *st, void *ctx)
{
    struct osp_installation *in = osp_db_rows_next(ctx);
    if (!in)
        return OSP_E_NO_MEMORY;
    read_version(st, 0, &in->version);
    osp_db_copy(in->tenant, sizeof in->tenant, st, 9);
    in->grants_json = osp_db_dup(st, 10);
    in->enabled = sqlite3_column_int(st, 11);
    in->installed_at = sqlite3_column_int64(st, 12);
    in->in_app = sqlite3_column_int(st, 13);
    return in->version.signature && in->grants_json ? 0 : OSP_E_NO_MEMORY;
}

int osp_registry_installations_where(struct osp_registry *r, const char *tenant,
                                     const char *plugin_id, int include_disabled,
                                     struct osp_installation **out, size_t *n)
{
    struct osp_db_rows rs = {NULL, 0, 0, sizeof(struct osp_installation)};
    int rc = osp_db_rows(r->db,
                        "SELECT " VERSION_COLUMNS ", i.tenant, i.grants, i.enabled, "
                        "i.installed_at, i.in_app FROM installations i JOIN versions v ON v.digest = "
                        "i.digest JOIN plugins p ON p.id = v.plugin_id "
                        "WHERE (?1 IS NULL OR i.tenant = ?1) AND (?2 IS NULL OR i.plugin_id = ?2) "
                        "AND (i.enabled = 1 OR ?3) ORDER BY i.tenant, i.plugin_id",
                        installation_row, &rs, "tti", tenant, plugin_id,
                        (int64_t)(include_disabled ? 1 : 0));
    *out = rs.items;
    *n = rs.n;
    if (rc != 0) {
        osp_registry_installations_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int osp_registry_installations(struct osp_registry *r, const char *tenant,
                               struct osp_installation **out, size_t *n)
{
    return osp_registry_installations_where(r, tenant, NULL, 0, out, n);
}

void osp_installation_clear(struct osp_installation *in)
{
    if (!in)
        return;
    osp_version_row_clear(&in->version);
    free(in->grants_json);
    memset(in, 0, sizeof *in);
}

void osp_registry_installations_free(struct osp_installation *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        osp_installation_clear(&list[i]);
    free(list);
}

int osp_registry_grants(struct osp_registry *r, const char *tenant, const char *plugin_id,
                        char **grants_json)
{
    *grants_json = NULL;
    osp_db_lock(r->db);
    sqlite3_stmt *st;
    int rc = OSP_E_IO;
    if (sqlite3_prepare_v2(r->conn,
                           "SELECT grants FROM installations WHERE tenant=? AND plugin_id=? AND "
                           "enabled=1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, plugin_id, -1, SQLITE_STATIC);
        rc = OSP_E_NOT_FOUND;
        if (sqlite3_step(st) == SQLITE_ROW) {
            *grants_json = osp_db_dup(st, 0);
            rc = *grants_json ? 0 : OSP_E_NO_MEMORY;
        }
        sqlite3_finalize(st);
    }
    osp_db_unlock(r->db);
    return rc;
}



static int plugin_row(sqlite3_stmt *st, void *ctx)
{
    struct osp_plugin_row *p = osp_db_rows_next(ctx);
    if (!p)
        return OSP_E_NO_MEMORY;
    osp_db_copy(p->id, sizeof p->id, st, 0);
    osp_db_copy(p->publisher, sizeof p->publisher, st, 1);
    p->name = osp_db_dup(st, 2);
    p->description = osp_db_dup(st, 3);
    osp_db_copy(p->latest_version, sizeof p->latest_version, st, 4);
    osp_db_copy(p->latest_digest, sizeof p->latest_digest, st, 5);
    p->versions = sqlite3_column_int(st, 6);
    return p->name && p->description ? 0 : OSP_E_NO_MEMORY;
}

int osp_registry_plugins(struct osp_registry *r, const char *query, struct osp_plugin_row **out,
                         size_t *n)
{
    /* LIKE with an escape character so %, _ and \ in a query are literal. */
    char pattern[2 * 128 + 3];
    size_t k = 0;
    pattern[k++] = '%';
    for (const char *q = query ? query : ""; *q && k < sizeof pattern - 3; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            pattern[k++] = '\\';
        pattern[k++] = *q;
    }
    pattern[k++] = '%';
    pattern[k] = '\0';
    struct osp_db_rows rs = {NULL, 0, 0, sizeof(struct osp_plugin_row)};
    int rc = osp_db_rows(r->db,
                        "SELECT p.id, p.publisher, p.name, p.description, "
                        "coalesce(v.version, ''), coalesce(v.digest, ''), "
                        "(SELECT count(*) FROM versions WHERE plugin_id = p.id) "
                        "FROM plugins p LEFT JOIN versions v ON v.rowid = (SELECT rowid FROM "
                        "versions WHERE plugin_id = p.id AND revoked = 0 ORDER BY published_at "
                        "DESC, rowid DESC LIMIT 1) "
                        "WHERE p.id LIKE ?1 ESCAPE '\\' OR p.name LIKE ?1 ESCAPE '\\' "
                        "OR p.description LIKE ?1 ESCAPE '\\' ORDER BY p.id LIMIT 500",
                        plugin_row, &rs, "t", pattern);
    *out = rs.items;
    *n = rs.n;
    if (rc != 0) {
        osp_registry_plugins_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void osp_registry_plugins_free(struct osp_plugin_row *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].name);
        free(list[i].description);
    }
    free(list);
}

static int version_row(sqlite3_stmt *st, void *ctx)
{
    struct osp_version_row *v = osp_db_rows_next(ctx);
    if (!v)
        return OSP_E_NO_MEMORY;
    read_version(st, 0, v);
    return v->signature ? 0 : OSP_E_NO_MEMORY;
}

int osp_registry_versions(struct osp_registry *r, const char *plugin_id,
                          struct osp_version_row **out, size_t *n)
{
    struct osp_db_rows rs = {NULL, 0, 0, sizeof(struct osp_version_row)};
    int rc = osp_db_rows(r->db,
                        "SELECT " VERSION_COLUMNS " FROM versions v JOIN plugins p ON p.id = "
                        "v.plugin_id WHERE v.plugin_id=? ORDER BY v.published_at DESC, "
                        "v.rowid DESC",
                        version_row, &rs, "t", plugin_id);
    *out = rs.items;
    *n = rs.n;
    if (rc != 0) {
        osp_registry_versions_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void osp_registry_versions_free(struct osp_version_row *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        osp_version_row_clear(&list[i]);
    free(list);
}

int osp_registry_version_revoke(struct osp_registry *r, const char *plugin_id,
                                const char *version, int64_t now)
{
    return osp_db_change(r->db,
                       "UPDATE versions SET revoked=1, revoked_at=?3 WHERE plugin_id=?1 AND "
                       "version=?2 AND revoked=0",
                       "tti", plugin_id, version, now);
}

int osp_registry_uninstall(struct osp_registry *r, const char *tenant, const char *plugin_id)
{
    return osp_db_change(r->db, "DELETE FROM installations WHERE tenant=? AND plugin_id=?", "tt",
                       tenant, plugin_id);
}

int osp_registry_set_enabled(struct osp_registry *r, const char *tenant, const char *plugin_id,
                             int enabled)
{
    return osp_db_change(r->db, "UPDATE installations SET enabled=?3 WHERE tenant=?1 AND plugin_id=?2",
                       "tti", tenant, plugin_id, (int64_t)(enabled ? 1 : 0));
}

int osp_registry_set_in_app(struct osp_registry *r, const char *tenant, const char *plugin_id,
                            int in_app)
{
    return osp_db_change(r->db, "UPDATE installations SET in_app=?3 WHERE tenant=?1 AND plugin_id=?2",
                       "tti", tenant, plugin_id, (int64_t)(in_app ? 1 : 0));
}

int osp_registry_set_grants(struct osp_registry *r, const char *tenant, const char *plugin_id,
                            const char *grants_json)
{
    return osp_db_change(r->db, "UPDATE installations SET grants=?3 WHERE tenant=?1 AND plugin_id=?2",
                       "ttt", tenant, plugin_id, grants_json);
}

int osp_registry_variant_add(struct osp_registry *r, const char *sha256, const char *encoding,
                             const char *variant, size_t size)
{
    int rc = osp_db_change(r->db,
                         "INSERT INTO variants(sha256, encoding, variant, size) VALUES(?,?,?,?) "
                         "ON CONFLICT(sha256, encoding) DO NOTHING",
                         "ttti", sha256, encoding, variant, (int64_t)size);
    return rc == OSP_E_NOT_FOUND ? 0 : rc; /* already recorded */
}

static int variant_row(sqlite3_stmt *st, void *ctx)
{
    osp_db_copy(ctx, OSP_SHA256_HEX_BYTES, st, 0);
    return 1; /* one row is enough */
}

int osp_registry_variant_get(struct osp_registry *r, const char *sha256, const char *encoding,
                             char variant[OSP_SHA256_HEX_BYTES])
{
    variant[0] = '\0';
    int rc = osp_db_rows(r->db, "SELECT variant FROM variants WHERE sha256=? AND encoding=?",
                        variant_row, variant, "tt", sha256, encoding);
    if (rc == 1)
        return 0;
    return rc == 0 ? OSP_E_NOT_FOUND : rc;
}

static void new_token(char token[OSP_TOKEN_LEN + 1], char hash[OSP_SHA256_HEX_BYTES])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(token, OSP_TOKEN_PREFIX, 5);
    osp_hash_to_hex(raw, sizeof raw, token + 5);
    sodium_memzero(raw, sizeof raw);
    token_hash(token, hash);
}

int osp_registry_publisher_new_token(struct osp_registry *r, const char *name,
                                     char token_out[OSP_TOKEN_LEN + 1])
{
    char hash[OSP_SHA256_HEX_BYTES];
    new_token(token_out, hash);
    int rc = osp_db_change(r->db, "UPDATE publishers SET token_hash=?2 WHERE name=?1", "tt", name, hash);
    if (rc != 0)
        sodium_memzero(token_out, OSP_TOKEN_LEN + 1);
    return rc;
}

int osp_registry_admin_token_add(struct osp_registry *r, const char *name, int64_t now,
                                 char token_out[OSP_TOKEN_LEN + 1])
{
    char hash[OSP_SHA256_HEX_BYTES];
    size_t nl = strlen(name);
    if (nl == 0 || nl > OSP_ID_MAX_LEN || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != nl)
        return OSP_E_BAD_ID;
    new_token(token_out, hash);
    int rc = osp_db_change(r->db, "INSERT INTO admin_tokens(name, token_hash, created_at) VALUES(?,?,?)",
                         "tti", name, hash, now);
    if (rc != 0)
        sodium_memzero(token_out, OSP_TOKEN_LEN + 1);
    return rc;
}

static int name_row(sqlite3_stmt *st, void *ctx)
{
    osp_db_copy(ctx, OSP_ID_MAX_LEN + 1, st, 0);
    return 1;
}

int osp_registry_admin_auth(struct osp_registry *r, const char *token,
                            char name_out[OSP_ID_MAX_LEN + 1])
{
    char hash[OSP_SHA256_HEX_BYTES];
    name_out[0] = '\0';
    if (!token || strlen(token) != OSP_TOKEN_LEN || strncmp(token, OSP_TOKEN_PREFIX, 5) != 0)
        return OSP_E_UNAUTHORIZED;
    token_hash(token, hash);
    int rc = osp_db_rows(r->db, "SELECT name FROM admin_tokens WHERE token_hash=?", name_row, name_out,
                        "t", hash);
    return rc == 1 ? 0 : OSP_E_UNAUTHORIZED;
}

int osp_registry_installation_get(struct osp_registry *r, const char *tenant,
                                  const char *plugin_id, struct osp_installation *out)
{
    struct osp_installation *list = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    int rc = osp_registry_installations_where(r, tenant, plugin_id, 1, &list, &n);
    if (rc == 0 && n == 0)
        rc = OSP_E_NOT_FOUND;
    if (rc == 0) {
        *out = list[0];
        memset(&list[0], 0, sizeof list[0]);
    }
    osp_registry_installations_free(list, n);
    return rc;
}

static int variant_list_row(sqlite3_stmt *st, void *ctx)
{
    struct osp_variant_row *v = osp_db_rows_next(ctx);
    if (!v)
        return OSP_E_NO_MEMORY;
    osp_db_copy(v->sha256, sizeof v->sha256, st, 0);
    osp_db_copy(v->encoding, sizeof v->encoding, st, 1);
    osp_db_copy(v->variant, sizeof v->variant, st, 2);
    return 0;
}

int osp_registry_variants(struct osp_registry *r, struct osp_variant_row **out, size_t *n)
{
    struct osp_db_rows rs = {NULL, 0, 0, sizeof(struct osp_variant_row)};
    int rc = osp_db_rows(r->db, "SELECT sha256, encoding, variant FROM variants ORDER BY sha256",
                        variant_list_row, &rs, "");
    *out = rs.items;
    *n = rs.n;
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
