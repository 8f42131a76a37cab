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

/* Strings a parameter's type allows, decoded; longer ones are cut (and
 * refused by their length). */
#define VALUE_MAX 4096

static int chars_ok(const char *s, size_t n, size_t min, size_t max, const char *set)
{
    return n >= min && n <= max && strspn(s, set) == n;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static int name_ok(const char *s, size_t n)
{
    return s[0] >= 'a' && s[0] <= 'z' && chars_ok(s, n, 1, 32, LOWER DIGITS "_");
}

static int is_string(struct osp_json_span v)
{
    return v.p[0] == '"';
}

static int is_number(struct osp_json_span v)
{
    return v.p[0] == '-' || (v.p[0] >= '0' && v.p[0] <= '9');
}

/* Copies a request id as JSON text; ids are short strings or integers.
 * The text is what JSON.stringify writes for the id JSON.parse reads, so
 * the host and the core name a call alike. */
static int id_text(struct osp_json_span id, char out[OSP_RPC_ID_MAX_LEN + 3])
{
    if (is_string(id)) {
        char text[OSP_RPC_ID_MAX_LEN + 1];
        if (osp_json_string(id, text, sizeof text) > OSP_RPC_ID_MAX_LEN)
            return -1;
        /* Escaped control characters could make the text too long to
         * keep whole; a cut one would name no call. */
        return osp_json_quote(text, out, OSP_RPC_ID_MAX_LEN + 3) < OSP_RPC_ID_MAX_LEN + 3 ? 0 : -1;
    }
    if (is_number(id)) {
        /* Plain digits (every id the SDK sends) are their own text. */
        size_t plain = 0;
        while (plain < id.n && id.p[plain] >= '0' && id.p[plain] <= '9')
            plain++;
        if (plain == id.n && id.n <= 15) { /* no leading zeros: the scan refused them */
            memcpy(out, id.p, id.n);
            out[id.n] = '\0';
            return 0;
        }
        double d = osp_json_number(id);
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

static int scalar(struct osp_json_span v)
{
    if (is_string(v)) {
        char text[1];
        return osp_json_string(v, text, sizeof text) <= VALUE_MAX;
    }
    return v.p[0] != '{' && v.p[0] != '[';
}

/* A string of one of the character sets; text receives it decoded. */
static int string_of(struct osp_json_span v, char *text, size_t cap, size_t *n)
{
    if (!is_string(v))
        return 0;
    *n = osp_json_string(v, text, cap);
    return *n < cap;
}

static int param_ok(const struct param *p, struct osp_json_span v, struct osp_rpc_request *out)
{
    char text[130];
    size_t n;
    switch (p->type) {
    case P_NAME:
        return string_of(v, text, sizeof text, &n) && name_ok(text, n);
    case P_SLUG:
        return string_of(v, text, sizeof text, &n) && chars_ok(text, n, 1, 32, LOWER DIGITS "-");
    case P_ID:
        return string_of(v, text, sizeof text, &n) &&
               chars_ok(text, n, 1, 64, LOWER UPPER DIGITS "_-");
    case P_KEY:
        return string_of(v, text, sizeof text, &n) &&
               chars_ok(text, n, 1, 128, LOWER UPPER DIGITS "._:-");
    case P_ROUTE:
        return string_of(v, text, sizeof text, &n) && chars_ok(text, n, 1, 128, LOWER DIGITS "/_-");
    case P_SORT:
        return string_of(v, text, sizeof text, &n) && n > (text[0] == '-') &&
               name_ok(text + (text[0] == '-'), n - (text[0] == '-'));
    case P_TEXT:
        if (!is_string(v))
            return 0;
        n = osp_json_string(v, text, 1);
        return n >= p->min && n <= p->max;
    case P_INT: {
        if (!is_number(v))
            return 0;
        double d = osp_json_number(v);
        return d == floor(d) && d >= p->min && d <= p->max;
    }
    case P_FIELDS: {
        if (v.p[0] != '{')
            return 0;
        struct osp_json_members it;
        struct osp_json_span key, value;
        size_t count = 0;
        osp_json_members_begin(&it, v);
        while (osp_json_members_next(&it, &key, &value))
            if (++count > 64 || !string_of(key, text, 34, &n) || !name_ok(text, n) ||
                !scalar(value))
                return 0;
        return 1;
    }
    case P_OBJECT:
        return v.p[0] == '{' && v.n <= p->max;
    case P_ANY:
        return v.n <= p->max;
    case P_RPC_ID:
        return id_text(v, out->cancel_id) == 0;
    }
    return 0;
}

/* found[i] receives the value of the method's i-th parameter (p NULL when
 * absent), so nothing reads the params a second time. */
static int params_ok(const struct method *m, const struct osp_json_span *params,
                     struct osp_rpc_request *out, struct osp_json_span found[MAX_PARAMS])
{
    unsigned seen = 0;
    if (params) {
        if (params->p[0] != '{')
            return 0; /* every osp method takes named params */
        struct osp_json_members it;
        struct osp_json_span key, value;
        osp_json_members_begin(&it, *params);
        while (osp_json_members_next(&it, &key, &value)) {
            int i = 0;
            while (i < MAX_PARAMS && m->params[i].name && !osp_json_string_is(key, m->params[i].name))
                i++;
            if (i == MAX_PARAMS || !m->params[i].name || !param_ok(&m->params[i], value, out))
                return 0;
            seen |= 1u << i;
            found[i] = value;
        }
    }
    for (int i = 0; i < MAX_PARAMS && m->params[i].name; i++)
        if (m->params[i].required && !(seen & (1u << i)))
            return 0;
    return 1;
}

/* The envelope's members, by name (duplicates were refused by the scan). */
enum member { M_JSONRPC, M_ID, M_METHOD, M_PARAMS, M_RESULT, M_ERROR, M_OTHER, N_MEMBERS };

static const char *const member_names[M_OTHER] = {"jsonrpc", "id",     "method",
                                                  "params",  "result", "error"};

int osp_rpc_check(const char *msg, size_t len, const struct osp_grants *grants,
                  struct osp_rpc_request *out)
{
    memset(out, 0, sizeof *out);
    out->method_index = -1;
    if (len > OSP_RPC_MAX_BYTES)
        return OSP_E_TOO_BIG;
    /* One strict scan, then the envelope is read in place: no tree, no
     * allocation for any message the SDK sends (bench/browser). */
    struct osp_json_limits lim = {OSP_RPC_MAX_BYTES, OSP_RPC_MAX_DEPTH};
    int rc = osp_json_validate(msg, len, &lim, NULL);
    if (rc == OSP_E_NO_MEMORY || rc == OSP_E_TOO_BIG)
        return rc;
    if (rc != 0)
        return OSP_E_RPC_PARSE;
    struct osp_json_span root = osp_json_span_of(msg, len);
    if (root.p[0] != '{')
        return OSP_E_RPC_INVALID_REQUEST;
    struct osp_json_span member[N_MEMBERS] = {{0}};
    struct osp_json_members it;
    struct osp_json_span key, value;
    osp_json_members_begin(&it, root);
    while (osp_json_members_next(&it, &key, &value)) {
        int m = 0;
        while (m < M_OTHER && !osp_json_string_is(key, member_names[m]))
            m++;
        member[m] = value;
    }
#define HAS(m) (member[m].p != NULL)
    if (HAS(M_ID)) {
        if (id_text(member[M_ID], out->id) != 0)
            return OSP_E_RPC_INVALID_REQUEST;
        out->has_id = 1;
    }
    if (!HAS(M_JSONRPC) || !osp_json_string_is(member[M_JSONRPC], "2.0") || HAS(M_OTHER))
        return OSP_E_RPC_INVALID_REQUEST;
    if (!HAS(M_METHOD)) {
        /* A response to a host request: {jsonrpc, id, result} or {…, error}. */
        if (HAS(M_PARAMS) || !out->has_id || HAS(M_RESULT) == HAS(M_ERROR))
            return OSP_E_RPC_INVALID_REQUEST;
        out->kind = OSP_RPC_RESPONSE;
        return 0;
    }
    if (HAS(M_RESULT) || HAS(M_ERROR) || !is_string(member[M_METHOD]))
        return OSP_E_RPC_INVALID_REQUEST;
    out->kind = out->has_id ? OSP_RPC_REQUEST : OSP_RPC_NOTIFICATION;
    size_t i;
    for (i = 0; i < N_METHODS && !osp_json_string_is(member[M_METHOD], methods[i].name); i++)
        ;
    if (i == N_METHODS)
        return OSP_E_METHOD_NOT_FOUND;
    const struct method *m = &methods[i];
    memcpy(out->method, m->name, strlen(m->name) + 1); /* fits: names are short */
    out->method_index = (int)i;
    if (m->notification_only && out->has_id)
        return OSP_E_RPC_INVALID_REQUEST;
    struct osp_json_span found[MAX_PARAMS] = {{0}};
    if (!params_ok(m, HAS(M_PARAMS) ? &member[M_PARAMS] : NULL, out, found))
        return OSP_E_INVALID_PARAMS;
    if (HAS(M_PARAMS)) {
        out->params_at = (size_t)(member[M_PARAMS].p - msg);
        out->params_len = member[M_PARAMS].n;
    }
    if (m->need == NEED_READ || m->need == NEED_WRITE) {
        /* Every data.* method's first parameter is its required object. */
        char name[34];
        osp_json_string(found[0], name, sizeof name); /* a name: checked above */
        snprintf(out->permission, sizeof out->permission, "data.%s:%s",
                 m->need == NEED_READ ? "read" : "write", name);
    } else if (m->need == NEED_SELF) {
        snprintf(out->permission, sizeof out->permission, "%s", m->name);
    } else if (m->need == NEED_STORAGE) {
        snprintf(out->permission, sizeof out->permission, "storage");
    }
#undef HAS
    if (out->permission[0] && !osp_grants_has(grants, out->permission))
        return OSP_E_PERMISSION_DENIED;
    return 0;
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
