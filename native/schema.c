/* Data schema and role-based access (see include/osp/schema.h). */
#include "osp/schema.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct role_rule {
    char object[33];
    struct osp_access access;
};

struct role {
    char name[33];
    struct role_rule rules[OSP_SCHEMA_MAX_OBJECTS];
    size_t n_rules;
};

struct osp_schema {
    struct osp_object objects[OSP_SCHEMA_MAX_OBJECTS];
    size_t n_objects;
    struct role roles[OSP_SCHEMA_MAX_ROLES];
    size_t n_roles;
};

static const char default_schema[] =
    "{\n"
    "  \"objects\": {\n"
    "    \"contact\": {\"label\": \"Contacts\", \"fields\": {\n"
    "      \"name\": {\"type\": \"string\", \"label\": \"Name\", \"required\": true, \"max\": 100},\n"
    "      \"email\": {\"type\": \"email\", \"label\": \"Email\"},\n"
    "      \"company\": {\"type\": \"string\", \"label\": \"Company\", \"max\": 100},\n"
    "      \"phone\": {\"type\": \"string\", \"label\": \"Phone\", \"max\": 40},\n"
    "      \"rating\": {\"type\": \"rating\", \"label\": \"Rating\"}}},\n"
    "    \"deal\": {\"label\": \"Deals\", \"fields\": {\n"
    "      \"title\": {\"type\": \"string\", \"label\": \"Title\", \"required\": true, \"max\": 120},\n"
    "      \"amount\": {\"type\": \"number\", \"label\": \"Amount\", \"min\": 0, \"max\": 1000000000000},\n"
    "      \"stage\": {\"type\": \"enum\", \"label\": \"Stage\", \"required\": true,\n"
    "                \"options\": [\"lead\", \"qualified\", \"proposal\", \"won\", \"lost\"]},\n"
    "      \"contact\": {\"type\": \"string\", \"label\": \"Contact\", \"max\": 64}}},\n"
    "    \"task\": {\"label\": \"Tasks\", \"fields\": {\n"
    "      \"title\": {\"type\": \"string\", \"label\": \"Title\", \"required\": true, \"max\": 200},\n"
    "      \"done\": {\"type\": \"boolean\", \"label\": \"Done\"},\n"
    "      \"due\": {\"type\": \"date\", \"label\": \"Due\"}}}\n"
    "  },\n"
    "  \"roles\": {\n"
    "    \"admin\": {\n"
    "      \"contact\": {\"ops\": \"crud\", \"records\": \"all\", \"read\": \"*\", \"edit\": \"*\"},\n"
    "      \"deal\": {\"ops\": \"crud\", \"records\": \"all\", \"read\": \"*\", \"edit\": \"*\"},\n"
    "      \"task\": {\"ops\": \"crud\", \"records\": \"all\", \"read\": \"*\", \"edit\": \"*\"}},\n"
    "    \"sales\": {\n"
    "      \"contact\": {\"ops\": \"cru\", \"records\": \"all\", \"read\": \"*\",\n"
    "                  \"edit\": [\"name\", \"email\", \"company\", \"phone\", \"rating\"]},\n"
    "      \"deal\": {\"ops\": \"crud\", \"records\": \"own\", \"read\": \"*\", \"edit\": \"*\"},\n"
    "      \"task\": {\"ops\": \"crud\", \"records\": \"own\", \"read\": \"*\", \"edit\": \"*\"}},\n"
    "    \"viewer\": {\n"
    "      \"contact\": {\"ops\": \"r\", \"records\": \"all\", \"read\": [\"name\", \"company\", \"rating\"]},\n"
    "      \"deal\": {\"ops\": \"r\", \"records\": \"all\", \"read\": [\"title\", \"stage\"]}}\n"
    "  }\n"
    "}\n";

const char *osp_schema_default_json(void)
{
    return default_schema;
}

static const struct {
    const char *name;
    enum osp_field_type type;
    double min, max;
} types[] = {
    {"string", OSP_FIELD_STRING, 0, 200},  {"text", OSP_FIELD_TEXT, 0, 4000},
    {"email", OSP_FIELD_EMAIL, 0, 254},    {"number", OSP_FIELD_NUMBER, -1e15, 1e15},
    {"integer", OSP_FIELD_INTEGER, -9007199254740991.0, 9007199254740991.0},
    {"boolean", OSP_FIELD_BOOLEAN, 0, 0},  {"rating", OSP_FIELD_RATING, 0, 5},
    {"enum", OSP_FIELD_ENUM, 0, 0},        {"date", OSP_FIELD_DATE, 0, 0},
};

struct ctx {
    struct osp_diags *d;
    int first;
};

static void problem(struct ctx *c, int code, const char *ptr, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void problem(struct ctx *c, int code, const char *ptr, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->first)
        c->first = code;
    osp_diag_add(c->d, code, "schema", ptr, NULL, "%s", msg);
}

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 32 && s[0] >= 'a' && s[0] <= 'z' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int only_keys(struct ctx *c, const cJSON *obj, const char *ptr, const char *const *keys)
{
    int ok = 1;
    for (const cJSON *k = obj->child; k; k = k->next) {
        int known = 0;
        for (size_t i = 0; keys[i] && !known; i++)
            known = strcmp(keys[i], k->string) == 0;
        if (!known) {
            problem(c, OSP_E_UNKNOWN_KEY, ptr, "unknown key \"%.40s\"", k->string);
            ok = 0;
        }
    }
    return ok;
}

static void parse_field(struct ctx *c, const cJSON *def, struct osp_field *f, const char *ptr)
{
    static const char *const keys[] = {"type", "label", "required", "min", "max", "options", NULL};
    if (!cJSON_IsObject(def)) {
        problem(c, OSP_E_BAD_TYPE, ptr, "a field is an object");
        return;
    }
    only_keys(c, def, ptr, keys);
    const char *type = osp_json_get_string(def, "type");
    size_t t = 0;
    while (type && t < sizeof types / sizeof types[0] && strcmp(types[t].name, type) != 0)
        t++;
    if (!type || t == sizeof types / sizeof types[0]) {
        problem(c, OSP_E_MANIFEST_INVALID, ptr, "unknown field type \"%.20s\"", type ? type : "");
        return;
    }
    f->type = types[t].type;
    f->min = types[t].min;
    f->max = types[t].max;
    const char *label = osp_json_get_string(def, "label");
    snprintf(f->label, sizeof f->label, "%s", label ? label : f->name);
    f->required = cJSON_IsTrue(osp_json_get(def, "required"));
    const cJSON *v;
    if ((v = osp_json_get(def, "min")) && cJSON_IsNumber(v))
        f->min = v->valuedouble;
    if ((v = osp_json_get(def, "max")) && cJSON_IsNumber(v))
        f->max = v->valuedouble;
    const cJSON *opts = osp_json_get(def, "options");
    if (f->type == OSP_FIELD_ENUM) {
        int n = cJSON_IsArray(opts) ? cJSON_GetArraySize(opts) : 0;
        if (n == 0 || n > 64) {
            problem(c, OSP_E_MANIFEST_INVALID, ptr, "an enum needs 1 to 64 options");
            return;
        }
        f->options = calloc((size_t)n, sizeof *f->options);
        const cJSON *o;
        cJSON_ArrayForEach(o, opts) if (f->options && cJSON_IsString(o) && name_ok(o->valuestring))
            f->options[f->n_options++] = strdup(o->valuestring);
        if ((int)f->n_options != n)
            problem(c, OSP_E_MANIFEST_INVALID, ptr, "enum options are names like \"won\"");
    }
}

/* "read"/"edit": "*" or an array of field names -> a mask. */
static uint64_t field_mask(struct ctx *c, const struct osp_object *o, const cJSON *v,
                           const char *ptr)
{
    if (!v)
        return 0;
    if (cJSON_IsString(v) && strcmp(v->valuestring, "*") == 0)
        return o->n_fields >= 64 ? ~0ull : ((1ull << o->n_fields) - 1);
    uint64_t mask = 0;
    const cJSON *f;
    if (!cJSON_IsArray(v)) {
        problem(c, OSP_E_BAD_TYPE, ptr, "fields are \"*\" or a list of names");
        return 0;
    }
    cJSON_ArrayForEach(f, v)
    {
        int i = cJSON_IsString(f) ? osp_schema_field_index(o, f->valuestring) : -1;
        if (i < 0)
            problem(c, OSP_E_MANIFEST_INVALID, ptr, "no field \"%.40s\" in %s",
                    cJSON_IsString(f) ? f->valuestring : "?", o->name);
        else
            mask |= 1ull << i;
    }
    return mask;
}

int osp_schema_parse(const char *json, size_t len, struct osp_schema **out,
                     struct osp_diags *diags)
{
    static const char *const top[] = {"objects", "roles", NULL};
    static const char *const obj_keys[] = {"label", "fields", NULL};
    static const char *const rule_keys[] = {"ops", "records", "read", "edit", NULL};
    struct ctx c = {diags, 0};
    *out = NULL;
    cJSON *root = NULL;
    int rc = osp_json_parse(json, len, NULL, &root, NULL);
    if (rc != 0) {
        problem(&c, rc, "", "%s", osp_strerror(rc));
        return rc;
    }
    struct osp_schema *s = calloc(1, sizeof *s);
    if (!s) {
        cJSON_Delete(root);
        return OSP_E_NO_MEMORY;
    }
    if (!cJSON_IsObject(root))
        problem(&c, OSP_E_BAD_TYPE, "", "the schema is a JSON object");
    else
        only_keys(&c, root, "", top);
    const cJSON *objects = osp_json_get(root, "objects"), *o;
    cJSON_ArrayForEach(o, objects)
    {
        char ptr[96];
        snprintf(ptr, sizeof ptr, "/objects/%.40s", o->string);
        if (!name_ok(o->string) || !cJSON_IsObject(o) || s->n_objects == OSP_SCHEMA_MAX_OBJECTS) {
            problem(&c, OSP_E_MANIFEST_INVALID, ptr, "object names are [a-z][a-z0-9_]*");
            continue;
        }
        only_keys(&c, o, ptr, obj_keys);
        struct osp_object *obj = &s->objects[s->n_objects++];
        snprintf(obj->name, sizeof obj->name, "%s", o->string);
        const char *label = osp_json_get_string(o, "label");
        snprintf(obj->label, sizeof obj->label, "%s", label ? label : o->string);
        const cJSON *fields = osp_json_get(o, "fields"), *f;
        int n = cJSON_IsObject(fields) ? cJSON_GetArraySize(fields) : 0;
        if (n == 0 || n > OSP_SCHEMA_MAX_FIELDS) {
            problem(&c, OSP_E_MANIFEST_INVALID, ptr, "an object has 1 to 64 fields");
            continue;
        }
        obj->fields = calloc((size_t)n, sizeof *obj->fields);
        if (!obj->fields)
            continue;
        cJSON_ArrayForEach(f, fields)
        {
            char fptr[160];
            snprintf(fptr, sizeof fptr, "%s/fields/%.40s", ptr, f->string);
            if (!name_ok(f->string) || strcmp(f->string, "id") == 0 ||
                strcmp(f->string, "owner") == 0) {
                problem(&c, OSP_E_MANIFEST_INVALID, fptr,
                        "field names are [a-z][a-z0-9_]*, and not id or owner");
                continue;
            }
            struct osp_field *fd = &obj->fields[obj->n_fields++];
            snprintf(fd->name, sizeof fd->name, "%s", f->string);
            parse_field(&c, f, fd, fptr);
        }
    }
    const cJSON *roles = osp_json_get(root, "roles"), *r;
    cJSON_ArrayForEach(r, roles)
    {
        char ptr[96];
        snprintf(ptr, sizeof ptr, "/roles/%.40s", r->string);
        if (!name_ok(r->string) || !cJSON_IsObject(r) || s->n_roles == OSP_SCHEMA_MAX_ROLES) {
            problem(&c, OSP_E_MANIFEST_INVALID, ptr, "role names are [a-z][a-z0-9_]*");
            continue;
        }
        struct role *role = &s->roles[s->n_roles++];
        snprintf(role->name, sizeof role->name, "%s", r->string);
        const cJSON *rule;
        cJSON_ArrayForEach(rule, r)
        {
            char rptr[160];
            snprintf(rptr, sizeof rptr, "%s/%.40s", ptr, rule->string);
            const struct osp_object *obj = osp_schema_object(s, rule->string);
            if (!obj || !cJSON_IsObject(rule)) {
                problem(&c, OSP_E_MANIFEST_INVALID, rptr, "no object \"%.40s\"", rule->string);
                continue;
            }
            only_keys(&c, rule, rptr, rule_keys);
            struct role_rule *rr = &role->rules[role->n_rules++];
            snprintf(rr->object, sizeof rr->object, "%s", obj->name);
            const char *ops = osp_json_get_string(rule, "ops");
            for (const char *p = ops ? ops : ""; *p; p++) {
                unsigned bit = *p == 'c' ? OSP_OP_CREATE
                               : *p == 'r' ? OSP_OP_READ
                               : *p == 'u' ? OSP_OP_UPDATE
                               : *p == 'd' ? OSP_OP_DELETE
                                           : 0;
                if (!bit)
                    problem(&c, OSP_E_MANIFEST_INVALID, rptr, "ops are letters of \"crud\"");
                rr->access.ops |= bit;
            }
            const char *records = osp_json_get_string(rule, "records");
            if (records && strcmp(records, "own") != 0 && strcmp(records, "all") != 0)
                problem(&c, OSP_E_MANIFEST_INVALID, rptr, "records is \"all\" or \"own\"");
            rr->access.own_only = !records || strcmp(records, "own") == 0;
            rr->access.read_fields = field_mask(&c, obj, osp_json_get(rule, "read"), rptr);
            rr->access.edit_fields = field_mask(&c, obj, osp_json_get(rule, "edit"), rptr);
        }
    }
    cJSON_Delete(root);
    if (c.first) {
        osp_schema_free(s);
        return c.first;
    }
    *out = s;
    return 0;
}

int osp_schema_load(const char *path, struct osp_schema **out, char *err, size_t err_cap)
{
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    *out = NULL;
    if (path && (rc = osp_fs_read(path, OSP_SCHEMA_FILE_MAX, &text, &len)) != 0) {
        snprintf(err, err_cap, "cannot read the schema %s", path);
        return rc;
    }
    struct osp_diags d = {0};
    const char *json = text ? text : osp_schema_default_json();
    rc = osp_schema_parse(json, text ? len : strlen(json), out, &d);
    if (rc != 0)
        snprintf(err, err_cap, "schema %s: %s %s", path ? path : "(built in)",
                 d.n ? d.items[0].pointer : "", d.n ? d.items[0].message : osp_strerror(rc));
    osp_diags_free(&d);
    free(text);
    return rc;
}

void osp_schema_free(struct osp_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_objects; i++) {
        for (size_t f = 0; f < s->objects[i].n_fields; f++) {
            for (size_t o = 0; o < s->objects[i].fields[f].n_options; o++)
                free(s->objects[i].fields[f].options[o]);
            free(s->objects[i].fields[f].options);
        }
        free(s->objects[i].fields);
    }
    free(s);
}

const struct osp_object *osp_schema_object(const struct osp_schema *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->n_objects; i++)
        if (strcmp(s->objects[i].name, name) == 0)
            return &s->objects[i];
    return NULL;
}

int osp_schema_has_role(const struct osp_schema *s, const char *role)
{
    for (size_t i = 0; s && role && i < s->n_roles; i++)
        if (strcmp(s->roles[i].name, role) == 0)
            return 1;
    return 0;
}

const char *osp_schema_role_name(const struct osp_schema *s, size_t i)
{
    return s && i < s->n_roles ? s->roles[i].name : NULL;
}

int osp_schema_field_index(const struct osp_object *o, const char *name)
{
    for (size_t i = 0; o && name && i < o->n_fields; i++)
        if (strcmp(o->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

void osp_schema_access(const struct osp_schema *s, const char *role, const char *object,
                       const struct osp_grants *plugin_grants, struct osp_access *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; s && role && i < s->n_roles; i++) {
        if (strcmp(s->roles[i].name, role) != 0)
            continue;
        for (size_t k = 0; k < s->roles[i].n_rules; k++)
            if (strcmp(s->roles[i].rules[k].object, object) == 0)
                *out = s->roles[i].rules[k].access;
    }
    if (!plugin_grants)
        return;
    /* A plugin acts with the user's rights and its own grants, whichever is
     * less: never more than either. */
    char perm[64];
    snprintf(perm, sizeof perm, "data.read:%s", object);
    if (!osp_grants_has(plugin_grants, perm))
        out->ops &= ~OSP_OP_READ;
    snprintf(perm, sizeof perm, "data.write:%s", object);
    if (!osp_grants_has(plugin_grants, perm)) {
        out->ops &= ~(OSP_OP_CREATE | OSP_OP_UPDATE | OSP_OP_DELETE);
        out->edit_fields = 0;
    }
    if (!(out->ops & OSP_OP_READ))
        out->read_fields = 0;
}

static int date_ok(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
        s[7] != '-')
        return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] &&
           !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

static int value_ok(const struct osp_field *f, const cJSON *v)
{
    if (cJSON_IsNull(v))
        return !f->required;
    switch (f->type) {
    case OSP_FIELD_STRING:
    case OSP_FIELD_TEXT: {
        if (!cJSON_IsString(v) || strlen(v->valuestring) > (size_t)f->max)
            return 0;
        for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
            if (*p < 0x20 && !(f->type == OSP_FIELD_TEXT && (*p == '\n' || *p == '\t')))
                return 0;
        return !f->required || v->valuestring[0];
    }
    case OSP_FIELD_EMAIL: {
        if (!cJSON_IsString(v) || strlen(v->valuestring) > 254)
            return 0;
        const char *at = strchr(v->valuestring, '@');
        return at && at != v->valuestring && at[1] && !strchr(at + 1, '@') &&
               !strpbrk(v->valuestring, " \t\r\n<>\"");
    }
    case OSP_FIELD_NUMBER:
        return cJSON_IsNumber(v) && v->valuedouble >= f->min && v->valuedouble <= f->max;
    case OSP_FIELD_INTEGER:
    case OSP_FIELD_RATING:
        return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
               v->valuedouble >= f->min && v->valuedouble <= f->max;
    case OSP_FIELD_BOOLEAN:
        return cJSON_IsBool(v);
    case OSP_FIELD_ENUM:
        for (size_t i = 0; cJSON_IsString(v) && i < f->n_options; i++)
            if (strcmp(f->options[i], v->valuestring) == 0)
                return 1;
        return 0;
    case OSP_FIELD_DATE:
        return cJSON_IsString(v) && date_ok(v->valuestring);
    }
    return 0;
}

int osp_schema_check_values(const struct osp_object *o, const cJSON *values, int creating,
                            uint64_t editable, char *why, size_t cap)
{
    if (!cJSON_IsObject(values)) {
        snprintf(why, cap, "values must be an object of field: value");
        return OSP_E_INVALID_PARAMS;
    }
    for (const cJSON *v = values->child; v; v = v->next) {
        int i = osp_schema_field_index(o, v->string);
        if (i < 0) {
            snprintf(why, cap, "%s has no field %.40s", o->name, v->string);
            return OSP_E_INVALID_PARAMS;
        }
        if (!(editable & (1ull << i))) {
            snprintf(why, cap, "you may not edit %s.%s", o->name, v->string);
            return OSP_E_PERMISSION_DENIED;
        }
        if (!value_ok(&o->fields[i], v)) {
            snprintf(why, cap, "%s.%s is not a valid %s", o->name, v->string,
                     types[o->fields[i].type].name);
            return OSP_E_INVALID_PARAMS;
        }
    }
    for (size_t i = 0; creating && i < o->n_fields; i++)
        if (o->fields[i].required && !osp_json_get(values, o->fields[i].name)) {
            snprintf(why, cap, "%s.%s is required", o->name, o->fields[i].name);
            return OSP_E_INVALID_PARAMS;
        }
    return 0;
}

cJSON *osp_schema_visible(const struct osp_object *o, const cJSON *record, uint64_t readable)
{
    cJSON *out = cJSON_CreateObject();
    if (!out)
        return NULL;
    const cJSON *v;
    if ((v = osp_json_get(record, "id")))
        cJSON_AddItemToObject(out, "id", cJSON_Duplicate(v, 1));
    if ((v = osp_json_get(record, "owner")))
        cJSON_AddItemToObject(out, "owner", cJSON_Duplicate(v, 1));
    for (size_t i = 0; i < o->n_fields; i++)
        if ((readable & (1ull << i)) && (v = osp_json_get(record, o->fields[i].name)))
            cJSON_AddItemToObject(out, o->fields[i].name, cJSON_Duplicate(v, 1));
    return out;
}

char *osp_schema_describe(const struct osp_schema *s, const char *role)
{
    cJSON *root = cJSON_CreateObject(), *objs = cJSON_AddObjectToObject(root, "objects");
    for (size_t i = 0; i < s->n_objects; i++) {
        const struct osp_object *o = &s->objects[i];
        struct osp_access a;
        osp_schema_access(s, role, o->name, NULL, &a);
        if (!(a.ops & OSP_OP_READ))
            continue;
        cJSON *jo = cJSON_AddObjectToObject(objs, o->name);
        cJSON_AddStringToObject(jo, "label", o->label);
        char ops[5] = "";
        if (a.ops & OSP_OP_CREATE)
            strcat(ops, "c");
        strcat(ops, "r");
        if (a.ops & OSP_OP_UPDATE)
            strcat(ops, "u");
        if (a.ops & OSP_OP_DELETE)
            strcat(ops, "d");
        cJSON_AddStringToObject(jo, "ops", ops);
        cJSON_AddStringToObject(jo, "records", a.own_only ? "own" : "all");
        cJSON *fields = cJSON_AddArrayToObject(jo, "fields");
        for (size_t f = 0; f < o->n_fields; f++) {
            if (!(a.read_fields & (1ull << f)))
                continue;
            cJSON *jf = cJSON_CreateObject();
            cJSON_AddStringToObject(jf, "name", o->fields[f].name);
            cJSON_AddStringToObject(jf, "label", o->fields[f].label);
            cJSON_AddStringToObject(jf, "type", types[o->fields[f].type].name);
            cJSON_AddBoolToObject(jf, "required", o->fields[f].required);
            cJSON_AddBoolToObject(jf, "editable", (a.edit_fields >> f) & 1);
            if (o->fields[f].n_options) {
                cJSON *opts = cJSON_AddArrayToObject(jf, "options");
                for (size_t k = 0; k < o->fields[f].n_options; k++)
                    cJSON_AddItemToArray(opts, cJSON_CreateString(o->fields[f].options[k]));
            }
            cJSON_AddItemToArray(fields, jf);
        }
    }
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}
