/* Per-plugin per-user storage with quotas (see include/osp/kv.h). */
#include "osp/kv.h"
#include "osp/error.h"

#include <stdlib.h>
#include <string.h>

static int value_row(sqlite3_stmt *st, void *ctx)
{
    *(char **)ctx = osp_db_dup(st, 0);
    return 1;
}

int osp_kv_get(struct osp_db *db, const struct osp_kv_scope *s, const char *key, char **value)
{
    *value = NULL;
    int rc = osp_db_rows(db,
                         "SELECT value FROM kv WHERE tenant=? AND user_id=? AND plugin=? AND "
                         "key=?",
                         value_row, value, "titt", s->tenant, s->user_id, s->plugin, key);
    if (rc == 1)
        return *value ? 0 : OSP_E_NO_MEMORY;
    return rc == 0 ? OSP_E_NOT_FOUND : rc;
}

int osp_kv_set(struct osp_db *db, const struct osp_kv_scope *s, const char *key,
               const char *value_json)
{
    size_t len = strlen(value_json);
    if (len > OSP_KV_MAX_VALUE)
        return OSP_E_TOO_BIG;
    /* Check and write in one transaction so two writers cannot both pass
     * the quota. */
    if (osp_db_begin(db) != 0)
        return OSP_E_IO;
    sqlite3 *h = osp_db_handle(db);
    sqlite3_stmt *st;
    int rc = OSP_E_IO;
    if (sqlite3_prepare_v2(h,
                           "SELECT count(*), coalesce(sum(length(value)), 0), "
                           "coalesce(sum(CASE WHEN key=?4 THEN length(value) END), -1) FROM kv "
                           "WHERE tenant=?1 AND user_id=?2 AND plugin=?3",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, s->tenant, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, s->user_id);
        sqlite3_bind_text(st, 3, s->plugin, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, key, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            int64_t keys = sqlite3_column_int64(st, 0), bytes = sqlite3_column_int64(st, 1);
            int64_t existing = sqlite3_column_int64(st, 2);
            int replacing = existing >= 0;
            int64_t after = bytes - (replacing ? existing : 0) + (int64_t)len;
            rc = (!replacing && keys >= OSP_KV_MAX_KEYS) || after > OSP_KV_MAX_TOTAL
                     ? OSP_E_TOO_BIG
                     : 0;
        }
        sqlite3_finalize(st);
    }
    if (rc == 0 &&
        sqlite3_prepare_v2(h,
                           "INSERT INTO kv(tenant, user_id, plugin, key, value) VALUES(?,?,?,?,?) "
                           "ON CONFLICT(tenant, user_id, plugin, key) DO UPDATE SET "
                           "value=excluded.value",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, s->tenant, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, s->user_id);
        sqlite3_bind_text(st, 3, s->plugin, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, value_json, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : OSP_E_IO;
        sqlite3_finalize(st);
    }
    if (rc == 0)
        return osp_db_commit(db);
    osp_db_rollback(db);
    return rc;
}

int osp_kv_remove(struct osp_db *db, const struct osp_kv_scope *s, const char *key)
{
    return osp_db_change(db, "DELETE FROM kv WHERE tenant=? AND user_id=? AND plugin=? AND key=?",
                         "titt", s->tenant, s->user_id, s->plugin, key);
}

struct listing {
    cJSON *keys;
    int64_t bytes;
};

static int key_row(sqlite3_stmt *st, void *ctx)
{
    struct listing *l = ctx;
    cJSON_AddItemToArray(l->keys, cJSON_CreateString((const char *)sqlite3_column_text(st, 0)));
    l->bytes += sqlite3_column_int64(st, 1);
    return 0;
}

int osp_kv_list(struct osp_db *db, const struct osp_kv_scope *s, cJSON **out)
{
    cJSON *root = cJSON_CreateObject();
    struct listing l = {cJSON_AddArrayToObject(root, "keys"), 0};
    int rc = osp_db_rows(db,
                         "SELECT key, length(value) FROM kv WHERE tenant=? AND user_id=? AND "
                         "plugin=? ORDER BY key",
                         key_row, &l, "tit", s->tenant, s->user_id, s->plugin);
    if (rc != 0) {
        cJSON_Delete(root);
        *out = NULL;
        return rc;
    }
    cJSON_AddNumberToObject(root, "bytes", (double)l.bytes);
    *out = root;
    return 0;
}
