/* The permission matrix: role x plugin grants x operation, each with the
 * exact outcome, plus field filtering, other owners, other tenants, the
 * audit trail and per-plugin storage. */
#include "check.h"
#include "osp/audit.h"
#include "osp/error.h"
#include "osp/json.h"
#include "osp/kv.h"
#include "osp/records.h"

#include <stdlib.h>
#include <unistd.h>

static char path[128];
static struct osp_db *db;
static struct osp_schema *schema;
static struct osp_records recs;

static const struct osp_user alice = {1, "default", "alice", "admin"};
static const struct osp_user bob = {2, "default", "bob", "sales"};
static const struct osp_user carol = {3, "default", "carol", "viewer"};
static const struct osp_user dave = {4, "globex", "dave", "admin"};

static const char *read_grants[] = {"data.read:contact", "data.read:deal"};
static const char *rw_grants[] = {"data.read:contact", "data.read:deal", "data.write:contact",
                                  "data.write:deal"};
static const struct osp_grants g_read = {read_grants, 2}, g_rw = {rw_grants, 4},
                               g_none = {NULL, 0};

enum as { HOST, PLUGIN_READ, PLUGIN_RW, PLUGIN_NONE, PLUGIN_UNINSTALLED };

static struct osp_caller caller(const struct osp_user *u, enum as as)
{
    struct osp_caller c = {u, NULL, NULL};
    if (as != HOST)
        c.plugin = "acme.widget";
    c.grants = as == PLUGIN_READ ? &g_read
               : as == PLUGIN_RW ? &g_rw
               : as == PLUGIN_NONE ? &g_none
                                   : NULL;
    return c;
}

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/osp-test-records-%d.db", (int)getpid());
    CHECK_ERR(osp_db_open(path, &db), 0);
    const char *j = osp_schema_default_json();
    CHECK_ERR(osp_schema_parse(j, strlen(j), &schema, NULL), 0);
    recs.db = db;
    recs.schema = schema;
    osp_records_seed(db, "default", "contact", "c1", "alice",
                     "{\"name\":\"Ada\",\"email\":\"ada@x.example\",\"rating\":5}");
    osp_records_seed(db, "default", "contact", "c2", "bob",
                     "{\"name\":\"Grace\",\"email\":\"grace@x.example\",\"rating\":4}");
    osp_records_seed(db, "default", "deal", "d1", "bob",
                     "{\"title\":\"Bob's\",\"amount\":100,\"stage\":\"lead\"}");
    osp_records_seed(db, "default", "deal", "d3", "alice",
                     "{\"title\":\"Alice's\",\"amount\":300,\"stage\":\"won\"}");
    osp_records_seed(db, "globex", "contact", "g1", "dave", "{\"name\":\"Hank\"}");
}

enum op { QUERY, GET, CREATE, UPDATE, DELETE };

static int run(const struct osp_user *u, enum as as, enum op op, const char *object,
               const char *id, const char *values, cJSON **out)
{
    struct osp_caller c = caller(u, as);
    char why[256];
    cJSON *v = values ? cJSON_Parse(values) : NULL, *o = NULL;
    int rc;
    switch (op) {
    case QUERY:
        rc = osp_records_query(&recs, &c, object, NULL, NULL, 50, 0, &o, why, sizeof why);
        break;
    case GET:
        rc = osp_records_get(&recs, &c, object, id, &o, why, sizeof why);
        break;
    case CREATE:
        rc = osp_records_create(&recs, &c, object, v, 100, &o, why, sizeof why);
        break;
    case UPDATE:
        rc = osp_records_update(&recs, &c, object, id, v, 100, &o, why, sizeof why);
        break;
    default:
        rc = osp_records_delete(&recs, &c, object, id, 100, why, sizeof why);
        break;
    }
    cJSON_Delete(v);
    if (out)
        *out = o;
    else
        cJSON_Delete(o);
    return rc;
}

static void matrix(void)
{
    static const struct {
        const struct osp_user *user;
        enum as as;
        enum op op;
        const char *object, *id, *values;
        int want;
    } rows[] = {
        /* Reads: role allows, plugin grants must too. */
        {&alice, HOST, QUERY, "contact", NULL, NULL, 0},
        {&bob, HOST, QUERY, "contact", NULL, NULL, 0},
        {&carol, HOST, QUERY, "contact", NULL, NULL, 0},
        {&carol, HOST, QUERY, "task", NULL, NULL, OSP_E_PERMISSION_DENIED},
        {&alice, PLUGIN_READ, QUERY, "contact", NULL, NULL, 0},
        {&alice, PLUGIN_READ, QUERY, "task", NULL, NULL, OSP_E_PERMISSION_DENIED},
        {&alice, PLUGIN_NONE, QUERY, "contact", NULL, NULL, OSP_E_PERMISSION_DENIED},
        {&alice, PLUGIN_UNINSTALLED, QUERY, "contact", NULL, NULL, OSP_E_PERMISSION_DENIED},
        {&carol, PLUGIN_RW, QUERY, "deal", NULL, NULL, 0},
        {&alice, HOST, QUERY, "invoice", NULL, NULL, OSP_E_NOT_FOUND},
        /* Record scope: sales sees only own deals; other tenants never. */
        {&bob, HOST, GET, "deal", "d1", NULL, 0},
        {&bob, HOST, GET, "deal", "d3", NULL, OSP_E_NOT_FOUND},
        {&alice, HOST, GET, "deal", "d1", NULL, 0},
        {&carol, HOST, GET, "deal", "d3", NULL, 0},
        {&alice, HOST, GET, "contact", "g1", NULL, OSP_E_NOT_FOUND},
        {&dave, HOST, GET, "contact", "c1", NULL, OSP_E_NOT_FOUND},
        {&dave, HOST, GET, "contact", "g1", NULL, 0},
        {&alice, HOST, GET, "contact", "../c1", NULL, OSP_E_NOT_FOUND},
        /* Updates: role fields, plugin write grants. */
        {&alice, HOST, UPDATE, "contact", "c1", "{\"email\":\"ada@y.example\"}", 0},
        {&bob, HOST, UPDATE, "contact", "c1", "{\"rating\":3}", 0},
        {&carol, HOST, UPDATE, "contact", "c1", "{\"rating\":1}", OSP_E_PERMISSION_DENIED},
        {&alice, PLUGIN_READ, UPDATE, "contact", "c1", "{\"rating\":2}", OSP_E_PERMISSION_DENIED},
        {&alice, PLUGIN_RW, UPDATE, "contact", "c1", "{\"rating\":2}", 0},
        {&carol, PLUGIN_RW, UPDATE, "contact", "c1", "{\"rating\":2}", OSP_E_PERMISSION_DENIED},
        {&bob, HOST, UPDATE, "deal", "d3", "{\"amount\":1}", OSP_E_NOT_FOUND},
        {&bob, PLUGIN_RW, UPDATE, "deal", "d1", "{\"stage\":\"won\"}", 0},
        {&bob, PLUGIN_RW, UPDATE, "deal", "d1", "{\"stage\":\"sold\"}", OSP_E_INVALID_PARAMS},
        {&alice, HOST, UPDATE, "contact", "g1", "{\"name\":\"X\"}", OSP_E_NOT_FOUND},
        /* Creates. */
        {&bob, HOST, CREATE, "deal", NULL, "{\"title\":\"New\",\"stage\":\"lead\"}", 0},
        {&carol, HOST, CREATE, "deal", NULL, "{\"title\":\"New\",\"stage\":\"lead\"}",
         OSP_E_PERMISSION_DENIED},
        {&bob, PLUGIN_READ, CREATE, "deal", NULL, "{\"title\":\"New\",\"stage\":\"lead\"}",
         OSP_E_PERMISSION_DENIED},
        {&bob, HOST, CREATE, "deal", NULL, "{\"title\":\"No stage\"}", OSP_E_INVALID_PARAMS},
        /* Deletes. */
        {&bob, HOST, DELETE, "contact", "c2", NULL, OSP_E_PERMISSION_DENIED},
        {&bob, HOST, DELETE, "deal", "d3", NULL, OSP_E_NOT_FOUND},
        {&alice, PLUGIN_RW, DELETE, "deal", "d3", NULL, 0},
        {&alice, HOST, DELETE, "deal", "d3", NULL, OSP_E_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int rc = run(rows[i].user, rows[i].as, rows[i].op, rows[i].object, rows[i].id,
                     rows[i].values, NULL);
        if (rc != rows[i].want)
            fprintf(stderr, "row %zu (%s as %d, op %d on %s %s)\n", i, rows[i].user->username,
                    rows[i].as, rows[i].op, rows[i].object, rows[i].id ? rows[i].id : "");
        CHECK_ERR(rc, rows[i].want);
    }
}

static void fields_and_records_filtered(void)
{
    cJSON *out = NULL;
    /* The viewer sees contact names and ratings, never emails. */
    CHECK_ERR(run(&carol, HOST, QUERY, "contact", NULL, NULL, &out), 0);
    char *text = cJSON_PrintUnformatted(out);
    CHECK_CONTAINS(text, "\"rating\"");
    CHECK(strstr(text, "email") == NULL);
    CHECK(strstr(text, "Hank") == NULL); /* other tenant */
    cJSON_free(text);
    CHECK_INT(osp_json_get(out, "total")->valueint, 2);
    cJSON_Delete(out);
    /* Sales sees only own deals. */
    CHECK_ERR(run(&bob, HOST, QUERY, "deal", NULL, NULL, &out), 0);
    const cJSON *r;
    cJSON_ArrayForEach(r, osp_json_get(out, "records"))
        CHECK_STR(osp_json_get_string(r, "owner"), "bob");
    cJSON_Delete(out);
    /* Filtering or sorting on a hidden field is refused (no oracle). */
    struct osp_caller c = caller(&carol, HOST);
    char why[200];
    cJSON *filter = cJSON_Parse("{\"email\":\"ada@y.example\"}");
    CHECK_ERR(osp_records_query(&recs, &c, "contact", filter, NULL, 10, 0, &out, why, sizeof why),
              OSP_E_PERMISSION_DENIED);
    cJSON_Delete(filter);
    CHECK_ERR(osp_records_query(&recs, &c, "contact", NULL, "-email", 10, 0, &out, why,
                                sizeof why),
              OSP_E_PERMISSION_DENIED);
    filter = cJSON_Parse("{\"rating\":2}");
    CHECK_ERR(osp_records_query(&recs, &c, "contact", filter, "-name", 10, 0, &out, why,
                                sizeof why),
              0);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(out, "records")), 1);
    cJSON_Delete(out);
    cJSON_Delete(filter);
    CHECK_ERR(osp_records_query(&recs, &c, "contact", NULL, NULL, 101, 0, &out, why, sizeof why),
              OSP_E_INVALID_PARAMS); /* the page cap */
}

static void audit_trail(void)
{
    cJSON *out = NULL;
    CHECK_ERR(osp_audit_query(db, "default", NULL, NULL, 0, 500, &out), 0);
    int writes = 0, denied = 0, with_before = 0, denied_with_record = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, osp_json_get(out, "entries"))
    {
        const char *outcome = osp_json_get_string(e, "outcome");
        const char *action = osp_json_get_string(e, "action");
        const cJSON *detail = osp_json_get(e, "detail");
        if (strcmp(outcome, "denied") == 0) {
            denied++;
            CHECK(osp_json_get_string(detail, "reason") != NULL);
            /* A refused write names the record it was aimed at. */
            denied_with_record += strcmp(action, "data.update") == 0 &&
                                  strcmp(osp_json_get_string(e, "code"), "permission_denied") == 0 &&
                                  strcmp(osp_json_get_string(e, "record"), "c1") == 0;
        } else if (strcmp(action, "data.read") != 0) {
            writes++;
        }
        /* Every allowed create or update lists the fields it set, each with
         * its value after (and before, for updates). */
        if (strcmp(outcome, "allowed") == 0 &&
            (strcmp(action, "data.update") == 0 || strcmp(action, "data.create") == 0)) {
            const cJSON *f, *fields = osp_json_get(detail, "fields");
            CHECK(cJSON_GetArraySize(fields) > 0);
            cJSON_ArrayForEach(f, fields)
            {
                CHECK(osp_json_get(osp_json_get(detail, "after"), f->valuestring) != NULL);
                if (strcmp(action, "data.update") == 0)
                    CHECK(osp_json_get(osp_json_get(detail, "before"), f->valuestring) != NULL);
            }
        }
        if (osp_json_get(detail, "before"))
            with_before++;
    }
    CHECK_INT(writes, 6); /* 4 updates, 1 create, 1 delete that succeeded */
    CHECK(denied >= 18);
    CHECK(with_before >= 5);
    CHECK_INT(denied_with_record, 3); /* carol; alice with read grants; carol with write grants */
    cJSON_Delete(out);
    CHECK_ERR(osp_audit_query(db, "default", NULL, "acme.widget", 0, 500, &out), 0);
    cJSON_ArrayForEach(e, osp_json_get(out, "entries"))
        CHECK_STR(osp_json_get_string(e, "plugin"), "acme.widget");
    cJSON_Delete(out);
    CHECK_ERR(osp_audit_query(db, "globex", NULL, NULL, 0, 500, &out), 0);
    cJSON_ArrayForEach(e, osp_json_get(out, "entries"))
        CHECK_STR(osp_json_get_string(e, "tenant"), "globex");
    cJSON_Delete(out);
}

static void storage_scopes_and_quotas(void)
{
    struct osp_kv_scope a = {"default", 1, "acme.widget"}, b = {"default", 2, "acme.widget"},
                        other = {"default", 1, "other.plugin"};
    char *v = NULL;
    CHECK_ERR(osp_kv_set(db, &a, "theme", "\"dark\""), 0);
    CHECK_ERR(osp_kv_get(db, &a, "theme", &v), 0);
    CHECK_STR(v, "\"dark\"");
    free(v);
    CHECK_ERR(osp_kv_get(db, &b, "theme", &v), OSP_E_NOT_FOUND);     /* another user */
    CHECK_ERR(osp_kv_get(db, &other, "theme", &v), OSP_E_NOT_FOUND); /* another plugin */
    static char big[OSP_KV_MAX_VALUE + 10];
    memset(big, 'x', sizeof big - 1);
    big[0] = '"';
    big[sizeof big - 2] = '"';
    CHECK_ERR(osp_kv_set(db, &a, "big", big), OSP_E_TOO_BIG);
    char key[16], value[OSP_KV_MAX_VALUE - 100];
    memset(value, 'y', sizeof value - 1);
    value[0] = value[sizeof value - 2] = '"';
    value[sizeof value - 1] = '\0';
    int stored = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "k%d", i);
        if (osp_kv_set(db, &b, key, value) == 0)
            stored++;
    }
    CHECK_INT(stored, (int)(OSP_KV_MAX_TOTAL / (sizeof value - 1))); /* the total quota */
    CHECK_ERR(osp_kv_set(db, &b, "k0", "1"), 0); /* replacing frees room */
    cJSON *list = NULL;
    CHECK_ERR(osp_kv_list(db, &a, &list), 0);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(list, "keys")), 1);
    cJSON_Delete(list);
    CHECK_ERR(osp_kv_remove(db, &a, "theme"), 0);
    CHECK_ERR(osp_kv_remove(db, &a, "theme"), OSP_E_NOT_FOUND);
}

int main(void)
{
    setup();
    RUN(matrix);
    RUN(fields_and_records_filtered);
    RUN(audit_trail);
    RUN(storage_scopes_and_quotas);
    osp_schema_free(schema);
    osp_db_close(db);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm", path, path, path);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
