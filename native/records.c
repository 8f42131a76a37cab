/* Records under the caller's rights (see include/osp/records.h). */
#include "osp/records.h"
#include "osp/audit.h"
#include "osp/error.h"
#include "osp/hash.h"
#include "osp/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

/* bench/data's comparison binary (CMake target osp-bench-noauthz, built
 * only on request, never installed) is compiled with OSP_DATA_NO_AUTHZ:
 * no role, grant, record-scope or field checks, so the benchmark can
 * measure what they cost.  This is the only place it is read; the product
 * has no way to switch the checks off. */
#ifdef OSP_DATA_NO_AUTHZ
enum { AUTHZ = 0 };
#else
enum { AUTHZ = 1 };
#endif

static const char *op_name(unsigned op)
{
    return op == OSP_OP_CREATE   ? "data.create"
           : op == OSP_OP_READ   ? "data.read"
           : op == OSP_OP_UPDATE ? "data.update"
                                 : "data.delete";
}

static void audit(const struct osp_records *r, const struct osp_caller *c, unsigned op,
                  const char *object, const char *record, int err, cJSON *detail, int64_t now)
{
    struct osp_audit_entry e = {now,
                                c->user->tenant,
                                c->user->username,
                                c->plugin ? c->plugin : "",
                                op_name(op),
                                object,
                                record ? record : "",
                                err ? "denied" : "allowed",
                                err ? osp_error_code(err) : "",
                                detail};
    osp_audit_append(r->db, &e);
}

/* The names of the fields a write sets, for the audit log. */
static cJSON *field_names(const cJSON *values)
{
    cJSON *names = cJSON_CreateArray();
    for (const cJSON *v = values ? values->child : NULL; v; v = v->next)
        cJSON_AddItemToArray(names, cJSON_CreateString(v->string));
    return names;
}

/* Refuses with err, says why, and audits the refusal. */
static int refuse(const struct osp_records *r, const struct osp_caller *c, unsigned op,
                  const char *object, const char *record, int err, char *why, size_t cap,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 9, 10)))
#endif
    ;

static int refuse(const struct osp_records *r, const struct osp_caller *c, unsigned op,
                  const char *object, const char *record, int err, char *why, size_t cap,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "reason", why);
    audit(r, c, op, object, record, err, detail, (int64_t)time(NULL));
    cJSON_Delete(detail);
    return err;
}

static int id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= 64 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* The object and the caller's access to it, or a refusal (audited with
 * the record asked for, if any). */
static int access_for(const struct osp_records *r, const struct osp_caller *c, const char *object,
                      const char *record, unsigned op, const struct osp_object **o,
                      struct osp_access *a, char *why, size_t cap)
{
    const char *rec = id_ok(record) ? record : NULL;
    *o = osp_schema_object(r->schema, object);
    if (!*o)
        return refuse(r, c, op, object, rec, OSP_E_NOT_FOUND, why, cap, "no object %.40s",
                      object);
    if (!AUTHZ) {
        memset(a, 0, sizeof *a);
        a->ops = OSP_OP_CREATE | OSP_OP_READ | OSP_OP_UPDATE | OSP_OP_DELETE;
        a->read_fields = a->edit_fields = ~0ull;
        return 0;
    }
    osp_schema_access(r->schema, c->user->role, object, c->grants, a);
    if (!c->grants && c->plugin) /* a plugin without an installation has no grants */
        memset(a, 0, sizeof *a);
    if (!(a->ops & op)) {
        if (c->plugin)
            return refuse(r, c, op, object, rec, OSP_E_PERMISSION_DENIED, why, cap,
                          "%s may not %s %s records here (your role or its grants forbid it)",
                          c->plugin, op_name(op) + 5, object);
        return refuse(r, c, op, object, rec, OSP_E_PERMISSION_DENIED, why, cap,
                      "your role may not %s %s records", op_name(op) + 5, object);
    }
    return 0;
}

/* Loads one record in the caller's scope: {"id","owner",…fields}. */
struct loaded {
    cJSON *record;
};

static int load_row(sqlite3_stmt *st, void *ctx)
{
    struct loaded *l = ctx;
    const unsigned char *data = sqlite3_column_text(st, 2);
    l->record = data ? cJSON_Parse((const char *)data) : NULL;
    if (!l->record)
        l->record = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(l->record, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(l->record, "owner");
    cJSON_AddStringToObject(l->record, "id", (const char *)sqlite3_column_text(st, 0));
    cJSON_AddStringToObject(l->record, "owner", (const char *)sqlite3_column_text(st, 1));
    return 1;
}

static cJSON *load(const struct osp_records *r, const struct osp_caller *c, const char *object,
                   const char *id, int own_only)
{
    struct loaded l = {NULL};
    osp_db_rows(r->db,
                "SELECT id, owner, data FROM records WHERE tenant=?1 AND object=?2 AND id=?3 "
                "AND (?4 = 0 OR owner = ?5)",
                load_row, &l, "tttit", c->user->tenant, object, id, (int64_t)own_only,
                c->user->username);
    return l.record;
}

/* Binds one filter value by its JSON type. */
static void bind_value(sqlite3_stmt *st, int i, const cJSON *v)
{
    if (cJSON_IsString(v))
        sqlite3_bind_text(st, i, v->valuestring, -1, SQLITE_TRANSIENT);
    else if (cJSON_IsNumber(v))
        sqlite3_bind_double(st, i, v->valuedouble);
    else if (cJSON_IsBool(v))
        sqlite3_bind_int(st, i, cJSON_IsTrue(v));
    else
        sqlite3_bind_null(st, i);
}

int osp_records_query(const struct osp_records *r, const struct osp_caller *c,
                      const char *object, const cJSON *filter, const char *sort, int limit,
                      int offset, cJSON **out, char *why, size_t cap)
{
    const struct osp_object *o;
    struct osp_access a;
    *out = NULL;
    int rc = access_for(r, c, object, NULL, OSP_OP_READ, &o, &a, why, cap);
    if (rc != 0)
        return rc;
    if (limit <= 0)
        limit = 25;
    if (limit > OSP_RECORDS_PAGE_MAX || offset < 0)
        return refuse(r, c, OSP_OP_READ, object, NULL, OSP_E_INVALID_PARAMS, why, cap,
                      "limit is 1 to %d, offset at least 0", OSP_RECORDS_PAGE_MAX);
    /* Filtering or sorting on a hidden field would reveal it: refused. */
    char where[2048] = "", order[128] = "id";
    size_t wl = 0;
    int n_filters = 0;
    for (const cJSON *f = filter ? filter->child : NULL; f; f = f->next) {
        int i = osp_schema_field_index(o, f->string);
        if (i < 0 || !(a.read_fields & (1ull << i)) || n_filters >= 16 ||
            (!cJSON_IsString(f) && !cJSON_IsNumber(f) && !cJSON_IsBool(f) && !cJSON_IsNull(f)))
            return refuse(r, c, OSP_OP_READ, object, NULL,
                          i < 0 ? OSP_E_INVALID_PARAMS : OSP_E_PERMISSION_DENIED, why, cap,
                          "cannot filter %s on %.40s", object, f->string);
        /* Field names are schema names ([a-z0-9_]), so the path is safe. */
        /* Numbered after the six fixed parameters. */
        if (cJSON_IsNull(f))
            wl += (size_t)snprintf(where + wl, sizeof where - wl,
                                   " AND json_extract(data, '$.%s') IS NULL", f->string);
        else
            wl += (size_t)snprintf(where + wl, sizeof where - wl,
                                   " AND json_extract(data, '$.%s') = ?%d", f->string,
                                   7 + n_filters);
        n_filters++;
    }
    if (sort && *sort) {
        int desc = sort[0] == '-';
        int i = osp_schema_field_index(o, sort + desc);
        if (i < 0 || !(a.read_fields & (1ull << i)))
            return refuse(r, c, OSP_OP_READ, object, NULL,
                          i < 0 ? OSP_E_INVALID_PARAMS : OSP_E_PERMISSION_DENIED, why, cap,
                          "cannot sort %s by %.40s", object, sort + desc);
        snprintf(order, sizeof order, "json_extract(data, '$.%s') %s, id", sort + desc,
                 desc ? "DESC" : "ASC");
    }
    char sql[3072];
    snprintf(sql, sizeof sql,
             "SELECT id, owner, data, count(*) OVER () FROM records WHERE tenant=?1 AND "
             "object=?2 AND (?3 = 0 OR owner = ?4)%s ORDER BY %s LIMIT ?5 OFFSET ?6",
             where, order);
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "records");
    int64_t total = 0;
    osp_db_lock(r->db);
    sqlite3_stmt *st;
    rc = OSP_E_IO;
    if (sqlite3_prepare_v2(osp_db_handle(r->db), sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, c->user->tenant, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, object, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, a.own_only);
        sqlite3_bind_text(st, 4, c->user->username, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, limit);
        sqlite3_bind_int(st, 6, offset);
        int k = 7;
        for (const cJSON *f = filter ? filter->child : NULL; f; f = f->next, k++)
            if (!cJSON_IsNull(f))
                bind_value(st, k, f);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            struct loaded l = {NULL};
            load_row(st, &l);
            total = sqlite3_column_int64(st, 3);
            if (AUTHZ) {
                cJSON_AddItemToArray(list, osp_schema_visible(o, l.record, a.read_fields));
                cJSON_Delete(l.record);
            } else {
                cJSON_AddItemToArray(list, l.record);
            }
        }
        rc = s == SQLITE_DONE ? 0 : OSP_E_IO;
        sqlite3_finalize(st);
    }
    osp_db_unlock(r->db);
    if (rc != 0) {
        cJSON_Delete(root);
        snprintf(why, cap, "the records could not be read");
        return rc;
    }
    if (total == 0 && offset > 0)
        total = -1; /* unknown past the end; the client just sees an empty page */
    cJSON_AddNumberToObject(root, "total", (double)total);
    *out = root;
    return 0;
}

int osp_records_get(const struct osp_records *r, const struct osp_caller *c, const char *object,
                    const char *id, cJSON **out, char *why, size_t cap)
{
    const struct osp_object *o;
    struct osp_access a;
    *out = NULL;
    int rc = access_for(r, c, object, id, OSP_OP_READ, &o, &a, why, cap);
    if (rc != 0)
        return rc;
    cJSON *rec = id_ok(id) ? load(r, c, object, id, a.own_only) : NULL;
    if (!rec)
        return refuse(r, c, OSP_OP_READ, object, id_ok(id) ? id : "", OSP_E_NOT_FOUND, why, cap,
                      "no such %s", object);
    *out = osp_schema_visible(o, rec, a.read_fields);
    cJSON_Delete(rec);
    return 0;
}

static void new_id(const char *object, char out[24])
{
    unsigned char raw[6];
    char hex[13];
    randombytes_buf(raw, sizeof raw);
    osp_hash_to_hex(raw, sizeof raw, hex);
    snprintf(out, 24, "%c%s", object[0], hex);
}

static int store_record(const struct osp_records *r, const struct osp_caller *c,
                        const char *object, const char *id, const char *owner, const cJSON *data,
                        int64_t now, int insert)
{
    cJSON *copy = cJSON_Duplicate(data, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "owner");
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    if (!text)
        return OSP_E_NO_MEMORY;
    int rc = insert ? osp_db_change(r->db,
                                    "INSERT INTO records(tenant, object, id, owner, data, "
                                    "updated_at) VALUES(?,?,?,?,?,?)",
                                    "ttttti", c->user->tenant, object, id,
                                    owner, text, now)
                    : osp_db_change(r->db,
                                    "UPDATE records SET data=?4, updated_at=?5 WHERE tenant=?1 "
                                    "AND object=?2 AND id=?3",
                                    "tttti", c->user->tenant, object, id, text, now);
    cJSON_free(text);
    return rc;
}

int osp_records_create(const struct osp_records *r, const struct osp_caller *c,
                       const char *object, const cJSON *values, int64_t now, cJSON **out,
                       char *why, size_t cap)
{
    const struct osp_object *o;
    struct osp_access a;
    *out = NULL;
    int rc = access_for(r, c, object, NULL, OSP_OP_CREATE, &o, &a, why, cap);
    if (rc != 0)
        return rc;
    char msg[256];
    if ((rc = osp_schema_check_values(o, values, 1, a.edit_fields, msg, sizeof msg)) != 0)
        return refuse(r, c, OSP_OP_CREATE, object, NULL, rc, why, cap, "%s", msg);
    char id[24];
    rc = OSP_E_CONFLICT;
    for (int attempt = 0; attempt < 4 && rc == OSP_E_CONFLICT; attempt++) {
        new_id(object, id);
        rc = store_record(r, c, object, id, c->user->username, values, now, 1);
    }
    if (rc != 0) {
        snprintf(why, cap, "the record could not be stored");
        return rc;
    }
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddItemToObject(detail, "fields", field_names(values));
    cJSON_AddItemToObject(detail, "after", cJSON_Duplicate(values, 1));
    audit(r, c, OSP_OP_CREATE, object, id, 0, detail, now);
    cJSON_Delete(detail);
    cJSON *rec = load(r, c, object, id, 0);
    *out = rec ? osp_schema_visible(o, rec, a.read_fields) : cJSON_CreateObject();
    cJSON_Delete(rec);
    return 0;
}

int osp_records_update(const struct osp_records *r, const struct osp_caller *c,
                       const char *object, const char *id, const cJSON *values, int64_t now,
                       cJSON **out, char *why, size_t cap)
{
    const struct osp_object *o;
    struct osp_access a;
    *out = NULL;
    int rc = access_for(r, c, object, id, OSP_OP_UPDATE, &o, &a, why, cap);
    if (rc != 0)
        return rc;
    cJSON *rec = id_ok(id) ? load(r, c, object, id, a.own_only) : NULL;
    if (!rec)
        return refuse(r, c, OSP_OP_UPDATE, object, id_ok(id) ? id : "", OSP_E_NOT_FOUND, why,
                      cap, "no such %s", object);
    char msg[256];
    if ((rc = osp_schema_check_values(o, values, 0, a.edit_fields, msg, sizeof msg)) != 0) {
        cJSON_Delete(rec);
        return refuse(r, c, OSP_OP_UPDATE, object, id, rc, why, cap, "%s", msg);
    }
    cJSON *before = cJSON_CreateObject(), *after = cJSON_CreateObject();
    for (const cJSON *v = values->child; v; v = v->next) {
        const cJSON *old = osp_json_get(rec, v->string);
        cJSON_AddItemToObject(before, v->string, old ? cJSON_Duplicate(old, 1) : cJSON_CreateNull());
        cJSON_AddItemToObject(after, v->string, cJSON_Duplicate(v, 1));
        cJSON_DeleteItemFromObjectCaseSensitive(rec, v->string);
        if (!cJSON_IsNull(v))
            cJSON_AddItemToObject(rec, v->string, cJSON_Duplicate(v, 1));
    }
    /* A required field cannot be cleared. */
    for (size_t i = 0; i < o->n_fields && rc == 0; i++)
        if (o->fields[i].required && !osp_json_get(rec, o->fields[i].name))
            rc = OSP_E_INVALID_PARAMS;
    if (rc != 0) {
        cJSON_Delete(before);
        cJSON_Delete(after);
        cJSON_Delete(rec);
        return refuse(r, c, OSP_OP_UPDATE, object, id, rc, why, cap,
                      "a required field of %s cannot be cleared", object);
    }
    rc = store_record(r, c, object, id, NULL, rec, now, 0);
    if (rc == 0) {
        cJSON *detail = cJSON_CreateObject();
        cJSON_AddItemToObject(detail, "fields", field_names(values));
        cJSON_AddItemToObject(detail, "before", before);
        cJSON_AddItemToObject(detail, "after", after);
        audit(r, c, OSP_OP_UPDATE, object, id, 0, detail, now);
        cJSON_Delete(detail);
        *out = osp_schema_visible(o, rec, a.read_fields);
    } else {
        cJSON_Delete(before);
        cJSON_Delete(after);
        snprintf(why, cap, "the record could not be stored");
    }
    cJSON_Delete(rec);
    return rc;
}

int osp_records_delete(const struct osp_records *r, const struct osp_caller *c,
                       const char *object, const char *id, int64_t now, char *why, size_t cap)
{
    const struct osp_object *o;
    struct osp_access a;
    int rc = access_for(r, c, object, id, OSP_OP_DELETE, &o, &a, why, cap);
    if (rc != 0)
        return rc;
    cJSON *rec = id_ok(id) ? load(r, c, object, id, a.own_only) : NULL;
    if (!rec)
        return refuse(r, c, OSP_OP_DELETE, object, id_ok(id) ? id : "", OSP_E_NOT_FOUND, why,
                      cap, "no such %s", object);
    rc = osp_db_change(r->db, "DELETE FROM records WHERE tenant=? AND object=? AND id=?", "ttt",
                       c->user->tenant, object, id);
    if (rc == 0) {
        cJSON *detail = cJSON_CreateObject();
        cJSON_AddItemToObject(detail, "before", rec);
        audit(r, c, OSP_OP_DELETE, object, id, 0, detail, now);
        cJSON_Delete(detail);
    } else {
        cJSON_Delete(rec);
        snprintf(why, cap, "the record could not be deleted");
    }
    return rc;
}

int osp_records_seed(struct osp_db *db, const char *tenant, const char *object, const char *id,
                     const char *owner, const char *data_json)
{
    int rc = osp_db_change(db,
                           "INSERT OR IGNORE INTO records(tenant, object, id, owner, data) "
                           "VALUES(?,?,?,?,?)",
                           "ttttt", tenant, object, id, owner, data_json);
    return rc == OSP_E_NOT_FOUND ? 0 : rc;
}
