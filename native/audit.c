/* The append-only audit log (see include/osp/audit.h). */
#include "osp/audit.h"
#include "osp/error.h"

#include <stdlib.h>
#include <string.h>

int osp_audit_append(struct osp_db *db, const struct osp_audit_entry *e)
{
    char *detail = e->detail ? cJSON_PrintUnformatted(e->detail) : NULL;
    int rc = osp_db_change(db,
                           "INSERT INTO audit(ts, tenant, actor, plugin, action, object, record, "
                           "outcome, code, detail) VALUES(?,?,?,?,?,?,?,?,?,?)",
                           "ittttttttt",
                           e->ts, e->tenant ? e->tenant : "", e->actor ? e->actor : "",
                           e->plugin ? e->plugin : "", e->action ? e->action : "",
                           e->object ? e->object : "", e->record ? e->record : "",
                           e->outcome ? e->outcome : "allowed", e->code ? e->code : "",
                           detail ? detail : "{}");
    cJSON_free(detail);
    return rc;
}

static int entry_row(sqlite3_stmt *st, void *ctx)
{
    cJSON *arr = ctx, *e = cJSON_CreateObject();
    static const char *const names[] = {"id",     "ts",     "tenant",  "actor", "plugin",
                                        "action", "object", "record", "outcome", "code"};
    cJSON_AddNumberToObject(e, names[0], (double)sqlite3_column_int64(st, 0));
    cJSON_AddNumberToObject(e, names[1], (double)sqlite3_column_int64(st, 1));
    for (int i = 2; i < 10; i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        cJSON_AddStringToObject(e, names[i], t ? (const char *)t : "");
    }
    const unsigned char *d = sqlite3_column_text(st, 10);
    cJSON *detail = d ? cJSON_Parse((const char *)d) : NULL;
    cJSON_AddItemToObject(e, "detail", detail ? detail : cJSON_CreateObject());
    cJSON_AddItemToArray(arr, e);
    return 0;
}

int osp_audit_query(struct osp_db *db, const char *tenant, const char *actor,
                    const char *plugin, int64_t before_id, int limit, cJSON **out)
{
    if (limit < 1 || limit > 500)
        limit = 100;
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "entries");
    int rc = osp_db_rows(db,
                         "SELECT id, ts, tenant, actor, plugin, action, object, record, outcome, "
                         "code, detail FROM audit WHERE (?1 IS NULL OR tenant=?1) AND (?2 IS NULL "
                         "OR actor=?2) AND (?3 IS NULL OR plugin=?3) AND (?4 = 0 OR id < ?4) "
                         "ORDER BY id DESC LIMIT ?5",
                         entry_row, arr, "zzzii", tenant, actor, plugin, before_id,
                         (int64_t)limit);
    if (rc != 0) {
        cJSON_Delete(root);
        *out = NULL;
        return rc;
    }
    *out = root;
    return 0;
}
