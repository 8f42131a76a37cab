/* Per-plugin, per-user key/value storage (the storage.* RPC methods): a
 * plugin keeps its own settings for each user, never sees another
 * plugin's or user's keys, and is held to quotas. */
#ifndef OSP_KV_H
#define OSP_KV_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "osp/db.h"

#define OSP_KV_MAX_KEYS 100            /* per plugin per user */
#define OSP_KV_MAX_VALUE 8192          /* bytes of JSON per value */
#define OSP_KV_MAX_TOTAL (64u * 1024u) /* bytes of JSON per plugin per user */

struct osp_kv_scope {
    const char *tenant;
    int64_t user_id;
    const char *plugin;
};

/* The value of key as JSON text (malloc'd).  Returns 0 or OSP_E_NOT_FOUND. */
int osp_kv_get(struct osp_db *db, const struct osp_kv_scope *s, const char *key, char **value);

/* Sets key to value_json (valid JSON, checked by the caller).  Returns 0
 * or OSP_E_TOO_BIG when a quota would be exceeded (nothing changes). */
int osp_kv_set(struct osp_db *db, const struct osp_kv_scope *s, const char *key,
               const char *value_json);

/* Returns 0 or OSP_E_NOT_FOUND. */
int osp_kv_remove(struct osp_db *db, const struct osp_kv_scope *s, const char *key);

/* {"keys":[…],"bytes":N} for the scope (cJSON_Delete it). */
int osp_kv_list(struct osp_db *db, const struct osp_kv_scope *s, cJSON **out);

#endif
