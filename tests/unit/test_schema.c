#include "check.h"
#include "osp/error.h"
#include "osp/schema.h"

static struct osp_schema *load_default(void)
{
    struct osp_schema *s = NULL;
    const char *j = osp_schema_default_json();
    CHECK_ERR(osp_schema_parse(j, strlen(j), &s, NULL), 0);
    return s;
}

static void default_schema_roles(void)
{
    struct osp_schema *s = load_default();
    struct osp_access a;
    const struct osp_object *contact = osp_schema_object(s, "contact");
    CHECK(contact != NULL);
    CHECK(osp_schema_has_role(s, "sales"));
    CHECK(!osp_schema_has_role(s, "root"));
    osp_schema_access(s, "admin", "deal", NULL, &a);
    CHECK_INT(a.ops, OSP_OP_CREATE | OSP_OP_READ | OSP_OP_UPDATE | OSP_OP_DELETE);
    CHECK_INT(a.own_only, 0);
    osp_schema_access(s, "sales", "deal", NULL, &a);
    CHECK_INT(a.own_only, 1);
    osp_schema_access(s, "sales", "contact", NULL, &a);
    CHECK(!(a.ops & OSP_OP_DELETE));
    osp_schema_access(s, "viewer", "contact", NULL, &a);
    CHECK_INT(a.ops, OSP_OP_READ);
    CHECK(!(a.read_fields & (1ull << osp_schema_field_index(contact, "email"))));
    CHECK(a.read_fields & (1ull << osp_schema_field_index(contact, "rating")));
    CHECK_INT(a.edit_fields, 0);
    osp_schema_access(s, "viewer", "task", NULL, &a);
    CHECK_INT(a.ops, 0);
    osp_schema_access(s, "nobody", "contact", NULL, &a);
    CHECK_INT(a.ops, 0);
    osp_schema_free(s);
}

static void plugin_grants_narrow_access(void)
{
    struct osp_schema *s = load_default();
    struct osp_access a;
    const char *read_only[] = {"data.read:contact"};
    struct osp_grants g = {read_only, 1};
    osp_schema_access(s, "admin", "contact", &g, &a);
    CHECK_INT(a.ops, OSP_OP_READ);
    CHECK_INT(a.edit_fields, 0);
    osp_schema_access(s, "admin", "deal", &g, &a); /* not granted at all */
    CHECK_INT(a.ops, 0);
    CHECK_INT(a.read_fields, 0);
    const char *write_only[] = {"data.write:contact"};
    struct osp_grants w = {write_only, 1};
    osp_schema_access(s, "viewer", "contact", &w, &a); /* the user cannot write: nothing */
    CHECK_INT(a.ops, 0);
    osp_schema_free(s);
}

static void checks_values(void)
{
    struct osp_schema *s = load_default();
    const struct osp_object *deal = osp_schema_object(s, "deal");
    char why[200];
    uint64_t all = ~0ull;
    struct {
        const char *json;
        int creating;
        int want;
    } cases[] = {
        {"{\"title\":\"x\",\"stage\":\"won\",\"amount\":10}", 1, 0},
        {"{\"title\":\"x\"}", 1, OSP_E_INVALID_PARAMS},                    /* stage required */
        {"{\"stage\":\"sold\"}", 0, OSP_E_INVALID_PARAMS},                 /* not an option */
        {"{\"amount\":-1}", 0, OSP_E_INVALID_PARAMS},                      /* below min */
        {"{\"amount\":\"10\"}", 0, OSP_E_INVALID_PARAMS},                  /* wrong type */
        {"{\"owner\":\"mallory\"}", 0, OSP_E_INVALID_PARAMS},              /* not a field */
        {"{\"__proto__\":{\"x\":1}}", 0, OSP_E_INVALID_PARAMS},            /* plain data */
        {"{\"title\":\"a\\u0001b\"}", 0, OSP_E_INVALID_PARAMS},            /* control char */
        {"{\"contact\":null}", 0, 0},                                      /* clears */
        {"{\"title\":null}", 0, OSP_E_INVALID_PARAMS},                     /* required */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *v = cJSON_Parse(cases[i].json);
        int rc = osp_schema_check_values(deal, v, cases[i].creating, all, why, sizeof why);
        if (rc != cases[i].want)
            fprintf(stderr, "%s: %s\n", cases[i].json, why);
        CHECK_ERR(rc, cases[i].want);
        cJSON_Delete(v);
    }
    cJSON *v = cJSON_Parse("{\"amount\":5}");
    CHECK_ERR(osp_schema_check_values(deal, v, 0, 1, why, sizeof why), OSP_E_PERMISSION_DENIED);
    CHECK_CONTAINS(why, "deal.amount");
    cJSON_Delete(v);
    const struct osp_object *task = osp_schema_object(s, "task");
    const char *dates[] = {"{\"due\":\"2024-02-29\"}", "{\"due\":\"2023-02-29\"}",
                           "{\"due\":\"2024-13-01\"}", "{\"due\":\"24-1-1\"}"};
    int want[] = {0, OSP_E_INVALID_PARAMS, OSP_E_INVALID_PARAMS, OSP_E_INVALID_PARAMS};
    for (int i = 0; i < 4; i++) {
        v = cJSON_Parse(dates[i]);
        CHECK_ERR(osp_schema_check_values(task, v, 0, all, why, sizeof why), want[i]);
        cJSON_Delete(v);
    }
    osp_schema_free(s);
}

static void refuses_bad_schemas(void)
{
    struct osp_schema *s = NULL;
    struct osp_diags d = {0};
    const char *bad =
        "{\"objects\":{\"x\":{\"fields\":{\"id\":{\"type\":\"string\"},\"a\":{\"type\":\"blob\"}}}},"
        "\"roles\":{\"r\":{\"y\":{\"ops\":\"crux\"},\"x\":{\"ops\":\"z\",\"read\":[\"nope\"]}}},"
        "\"extra\":1}";
    CHECK(osp_schema_parse(bad, strlen(bad), &s, &d) != 0);
    CHECK(s == NULL);
    CHECK(d.n >= 5);
    osp_diags_free(&d);
    CHECK_ERR(osp_schema_parse("[]", 2, &s, NULL), OSP_E_BAD_TYPE);
}

static void describes_for_role(void)
{
    struct osp_schema *s = load_default();
    char *text = osp_schema_describe(s, "viewer");
    CHECK_CONTAINS(text, "\"contact\"");
    CHECK(strstr(text, "\"task\"") == NULL);
    CHECK(strstr(text, "email") == NULL);
    cJSON_free(text);
    osp_schema_free(s);
}

int main(void)
{
    RUN(default_schema_roles);
    RUN(plugin_grants_narrow_access);
    RUN(checks_values);
    RUN(refuses_bad_schemas);
    RUN(describes_for_role);
    CHECK_EXIT();
}
