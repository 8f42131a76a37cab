/* JSON-RPC messages, method parameters and grants (see include/osp/rpc.h). */
#include "osp/rpc.h"
#include "osp/error.h"
#include "osp/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum need { NEED_NONE, NEED_READ, NEED_WRITE, NEED_SELF, NEED_STORAGE };

enum ptype {
    P_NAME,   /* [a-z][a-z0-9_]{0,31}: objects, fields */
    P_SLUG,   /* [a-z0-9-]{1,32}: contribution ids */
    P_ID,     /* [A-Za-z0-9_-]{1,64}: record ids */
    P_KEY,    /* [A-Za-z0-9._:-]{1,128}: storage keys */
    P_ROUTE,  /* [a-z0-9/_-]{1,128}: host routes */
    P_SORT,   /* field or -field */
    P_TEXT,   /* any string of 1..max bytes */
    P_INT,    /* whole number in [min, max] */
    P_FIELDS, /* object of field name -> scalar */
    P_OBJECT, /* any object of at most max bytes of JSON */
    P_ANY,    /* any JSON value of at most max bytes */
    P_RPC_ID, /* a request id: string of at most 64 bytes or a safe integer */
};

struct param {
    const char *name;
    enum ptype type;
    int required;
    double min, max;
};

#define MAX_PARAMS 6

static const struct method {
    const char *name;
    enum need need;
    int notification_only;
    struct param params[MAX_PARAMS];
} methods[] = {
    {"context.get", NEED_NONE, 0, {{0}}},
    {"ui.resize", NEED_NONE, 0, {{"height", P_INT, 1, 0, 10000}}},
    {"ui.toast", NEED_SELF, 0, {{"message", P_TEXT, 1, 1, 200}, {"kind", P_NAME, 0, 0, 0}}},
    {"ui.modal", NEED_SELF, 0, {{"contribution", P_SLUG, 1, 0, 0}, {"context", P_OBJECT, 0, 0, 4096}}},
    {"ui.navigate", NEED_SELF, 0, {{"to", P_ROUTE, 1, 0, 0}}},
    {"ui.focus", NEED_NONE, 0, {{"to", P_NAME, 1, 0, 0}}},
    {"ui.close", NEED_NONE, 0, {{0}}},
    {"data.query",
     NEED_READ,
     0,
     {{"object", P_NAME, 1, 0, 0},
      {"filter", P_FIELDS, 0, 0, 0},
      {"sort", P_SORT, 0, 0, 0},
      {"limit", P_INT, 0, 1, 100},
      {"offset", P_INT, 0, 0, 1000000}}},
    {"data.get", NEED_READ, 0, {{"object", P_NAME, 1, 0, 0}, {"id", P_ID, 1, 0, 0}}},
    {"data.create", NEED_WRITE, 0, {{"object", P_NAME, 1, 0, 0}, {"values", P_FIELDS, 1, 0, 0}}},
    {"data.update",
     NEED_WRITE,
     0,
     {{"object", P_NAME, 1, 0, 0}, {"id", P_ID, 1, 0, 0}, {"values", P_FIELDS, 1, 0, 0}}},
    {"data.delete", NEED_WRITE, 0, {{"object", P_NAME, 1, 0, 0}, {"id", P_ID, 1, 0, 0}}},
    {"storage.get", NEED_STORAGE, 0, {{"key", P_KEY, 1, 0, 0}}},
    {"storage.set",
     NEED_STORAGE,
     0,
     {{"key", P_KEY, 1, 0, 0}, {"value", P_ANY, 1, 0, OSP_RPC_STORAGE_VALUE_MAX}}},
    {"storage.remove", NEED_STORAGE, 0, {{"key", P_KEY, 1, 0, 0}}},
    {"storage.list", NEED_STORAGE, 0, {{0}}},
    {"$/cancel", NEED_NONE, 1, {{"id", P_RPC_ID, 1, 0, 0}}},
};

#define N_METHODS (sizeof methods / sizeof methods[0])

size_t osp_rpc_method_count(void)
{
    return N_METHODS;
}

const char *osp_rpc_method_name(size_t i)
{
    return i < N_METHODS ? methods[i].name : NULL;
}

static int chars_ok(const char *s, size_t min, size_t max, const char *set)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, set) == n;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static int name_ok(const char *s)
{
    return s[0] >= 'a' && s[0] <= 'z' && chars_ok(s, 1, 32, LOWER DIGITS "_");
}

/* Copies a request id as JSON text; ids are short strings or integers. */
static int id_text(const cJSON *id, char out[OSP_RPC_ID_MAX_LEN + 3])
{
    if (cJSON_IsString(id)) {
        if (strlen(id->valuestring) > OSP_RPC_ID_MAX_LEN)
            return -1;
        osp_json_quote(id->valuestring, out, OSP_RPC_ID_MAX_LEN + 3);
        return 0;
    }
    if (cJSON_IsNumber(id)) {
        double d = id->valuedouble;
        if (d != floor(d) || fabs(d) > 9007199254740991.0)
            return -1;
        /* Written by hand (printf's float formatting was a visible share
         * of a check in wasm); -0 is the id 0: JavaScript writes both as
         * "0", and the host answers by that text. */
        unsigned long long u = (unsigned long long)fabs(d);
        char digits[24];
        size_t n = 0, k = 0;
        do
            digits[n++] = (char)('0' + u % 10);
        while (u /= 10);
        if (d < 0)
            out[k++] = '-';
        while (n)
            out[k++] = digits[--n];
        out[k] = '\0';
        return 0;
    }
    return -1;
}

static size_t json_size(const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    size_t n = text ? strlen(text) : (size_t)-1;
    cJSON_free(text);
    return n;
}

static int scalar(const cJSON *v)
{
    return (cJSON_IsString(v) && strlen(v->valuestring) <= 4096) || cJSON_IsNumber(v) ||
           cJSON_IsBool(v) || cJSON_IsNull(v);
}

static int param_ok(const struct param *p, const cJSON *v, struct osp_rpc_request *out)
{
    switch (p->type) {
    case P_NAME:
        return cJSON_IsString(v) && name_ok(v->valuestring);
    case P_SLUG:
        return cJSON_IsString(v) && chars_ok(v->valuestring, 1, 32, LOWER DIGITS "-");
    case P_ID:
        return cJSON_IsString(v) && chars_ok(v->valuestring, 1, 64, LOWER UPPER DIGITS "_-");
    case P_KEY:
        return cJSON_IsString(v) && chars_ok(v->valuestring, 1, 128, LOWER UPPER DIGITS "._:-");
    case P_ROUTE:
        return cJSON_IsString(v) && chars_ok(v->valuestring, 1, 128, LOWER DIGITS "/_-");
    case P_SORT:
        return cJSON_IsString(v) && name_ok(v->valuestring + (v->valuestring[0] == '-'));
    case P_TEXT:
        return cJSON_IsString(v) && strlen(v->valuestring) >= p->min &&
               strlen(v->valuestring) <= p->max;
    case P_INT:
        return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
               v->valuedouble >= p->min && v->valuedouble <= p->max;
    case P_FIELDS: {
        if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) > 64)
            return 0;
        for (const cJSON *f = v->child; f; f = f->next)
            if (!name_ok(f->string) || !scalar(f))
                return 0;
        return 1;
    }
    case P_OBJECT:
        return cJSON_IsObject(v) && json_size(v) <= p->max;
    case P_ANY:
        return json_size(v) <= p->max;
    case P_RPC_ID:
        return id_text(v, out->cancel_id) == 0;
    }
    return 0;
}

static int params_ok(const struct method *m, const cJSON *params, struct osp_rpc_request *out)
{
    if (params && !cJSON_IsObject(params))
        return 0; /* every osp method takes named params */
    for (const cJSON *k = params ? params->child : NULL; k; k = k->next) {
        const struct param *p = NULL;
        for (int i = 0; i < MAX_PARAMS && m->params[i].name && !p; i++)
            if (strcmp(m->params[i].name, k->string) == 0)
                p = &m->params[i];
        if (!p || !param_ok(p, k, out))
            return 0;
    }
    for (int i = 0; i < MAX_PARAMS && m->params[i].name; i++)
        if (m->params[i].required && !osp_json_get(params, m->params[i].name))
            return 0;
    return 1;
}

/* A response to a host request: {jsonrpc, id, result} or {…, error}. */
static int check_response(const cJSON *root, struct osp_rpc_request *out)
{
    int has_result = osp_json_get(root, "result") != NULL;
    int has_error = osp_json_get(root, "error") != NULL;
    for (const cJSON *m = root->child; m; m = m->next)
        if (strcmp(m->string, "jsonrpc") && strcmp(m->string, "id") &&
            strcmp(m->string, "result") && strcmp(m->string, "error"))
            return OSP_E_RPC_INVALID_REQUEST;
    if (!out->has_id || has_result == has_error)
        return OSP_E_RPC_INVALID_REQUEST;
    out->kind = OSP_RPC_RESPONSE;
    return 0;
}

int osp_rpc_check(const char *msg, size_t len, const struct osp_grants *grants,
                  struct osp_rpc_request *out)
{
    memset(out, 0, sizeof *out);
    out->method_index = -1;
    if (len > OSP_RPC_MAX_BYTES)
        return OSP_E_TOO_BIG;
    struct osp_json_limits lim = {OSP_RPC_MAX_BYTES, OSP_RPC_MAX_DEPTH};
    cJSON *root = NULL;
    int rc = osp_json_parse(msg, len, &lim, &root, NULL);
    if (rc == OSP_E_NO_MEMORY || rc == OSP_E_TOO_BIG)
        return rc;
    if (rc != 0)
        return OSP_E_RPC_PARSE;
    rc = OSP_E_RPC_INVALID_REQUEST;
    if (!cJSON_IsObject(root))
        goto done;
    const cJSON *id = osp_json_get(root, "id");
    if (id) {
        if (id_text(id, out->id) != 0)
            goto done;
        out->has_id = 1;
    }
    const char *version = osp_json_get_string(root, "jsonrpc");
    if (!version || strcmp(version, "2.0") != 0)
        goto done;
    if (!osp_json_get(root, "method")) {
        rc = check_response(root, out);
        goto done;
    }
    for (const cJSON *m = root->child; m; m = m->next)
        if (strcmp(m->string, "jsonrpc") && strcmp(m->string, "id") &&
            strcmp(m->string, "method") && strcmp(m->string, "params"))
            goto done;
    const char *method = osp_json_get_string(root, "method");
    if (!method)
        goto done;
    out->kind = out->has_id ? OSP_RPC_REQUEST : OSP_RPC_NOTIFICATION;
    size_t i;
    for (i = 0; i < N_METHODS && strcmp(methods[i].name, method) != 0; i++)
        ;
    if (i == N_METHODS) {
        rc = OSP_E_METHOD_NOT_FOUND;
        goto done;
    }
    const struct method *m = &methods[i];
    memcpy(out->method, methods[i].name, strlen(methods[i].name) + 1); /* fits: names are short */
    out->method_index = (int)i;
    if (m->notification_only && out->has_id)
        goto done;
    if (!params_ok(m, osp_json_get(root, "params"), out)) {
        rc = OSP_E_INVALID_PARAMS;
        goto done;
    }
    if (m->need == NEED_READ || m->need == NEED_WRITE)
        snprintf(out->permission, sizeof out->permission, "data.%s:%s",
                 m->need == NEED_READ ? "read" : "write",
                 osp_json_get_string(osp_json_get(root, "params"), "object"));
    else if (m->need == NEED_SELF)
        snprintf(out->permission, sizeof out->permission, "%s", method);
    else if (m->need == NEED_STORAGE)
        snprintf(out->permission, sizeof out->permission, "storage");
    rc = 0;
    if (out->permission[0] && !osp_grants_has(grants, out->permission))
        rc = OSP_E_PERMISSION_DENIED;
done:
    cJSON_Delete(root);
    return rc;
}

int osp_rpc_error_number(int err)
{
    switch (err) {
    case OSP_E_RPC_PARSE:
    case OSP_E_TOO_BIG:
        return -32700;
    case OSP_E_RPC_INVALID_REQUEST:
        return -32600;
    case OSP_E_METHOD_NOT_FOUND:
        return -32601;
    case OSP_E_INVALID_PARAMS:
        return -32602;
    default:
        return -32000;
    }
}

size_t osp_rpc_error_reply(const char *id_json, int err, const char *detail, char *out,
                           size_t cap)
{
    char message[512];
    osp_json_quote(detail ? detail : osp_strerror(err), message, sizeof message);
    int n = snprintf(out, cap,
                     "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,\"message\":%s,"
                     "\"data\":{\"code\":\"%s\"}}}",
                     id_json && *id_json ? id_json : "null", osp_rpc_error_number(err), message,
                     osp_error_code(err));
    if (n < 0 || (size_t)n >= cap) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}
