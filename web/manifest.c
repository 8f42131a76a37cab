/* Manifest format 1: parsing and validation (see include/osp/manifest.h). */
#include "osp/manifest.h"
#include "osp/error.h"
#include "osp/json.h"
#include "osp/path.h"
#include "osp/perm.h"
#include "osp/version.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
    struct osp_diags *diags;
    int first; /* first error code seen, 0 if none */
};

static void problem(struct ctx *c, int code, const char *ptr, const char *hint, const char *fmt,
                    ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void problem(struct ctx *c, int code, const char *ptr, const char *hint, const char *fmt,
                    ...)
{
    if (!c->first)
        c->first = code;
    if (!c->diags)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    osp_diag_add(c->diags, code, "", ptr, hint, "%s", msg);
}

static void ptr_join(char *out, size_t cap, const char *base, const char *token)
{
    snprintf(out, cap, "%s", base);
    osp_diag_pointer_push(out, cap, token);
}

static void ptr_index(char *out, size_t cap, const char *base, size_t i)
{
    char idx[24];
    snprintf(idx, sizeof idx, "%zu", i);
    ptr_join(out, cap, base, idx);
}

/* Reports every member of obj whose name is not in keys (NULL-terminated). */
static void check_keys(struct ctx *c, const cJSON *obj, const char *base, const char *const *keys)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *best = NULL;
        size_t best_d = 99;
        int known = 0;
        for (size_t i = 0; keys[i]; i++) {
            if (strcmp(m->string, keys[i]) == 0) {
                known = 1;
                break;
            }
            size_t d = osp__edit_distance(m->string, keys[i]);
            if (d < best_d) {
                best_d = d;
                best = keys[i];
            }
        }
        if (known)
            continue;
        char ptr[192], hint[160] = "";
        ptr_join(ptr, sizeof ptr, base, m->string);
        if (best && best_d <= 2)
            snprintf(hint, sizeof hint, "did you mean \"%s\"", best);
        else
            snprintf(hint, sizeof hint, "remove it; unknown keys are refused so typos surface");
        problem(c, OSP_E_UNKNOWN_KEY, ptr, hint, "unknown key \"%.64s\"", m->string);
    }
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    return "an object";
}

/* A required-or-optional string member, checked for type and length.
 * Returns NULL when absent or wrong (after reporting). */
static const char *member_string(struct ctx *c, const cJSON *obj, const char *base,
                                 const char *key, int required, size_t max_len)
{
    char ptr[192];
    ptr_join(ptr, sizeof ptr, base, key);
    const cJSON *v = osp_json_get(obj, key);
    if (!v) {
        if (required)
            problem(c, OSP_E_MISSING_FIELD, base, NULL, "missing required \"%s\"", key);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        problem(c, OSP_E_BAD_TYPE, ptr, NULL, "\"%s\" must be a string, not %s", key,
                type_name(v));
        return NULL;
    }
    size_t n = strlen(v->valuestring);
    if (n == 0 || n > max_len) {
        problem(c, OSP_E_MANIFEST_INVALID, ptr, NULL, "\"%s\" must be 1 to %zu bytes long", key,
                max_len);
        return NULL;
    }
    for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            problem(c, OSP_E_MANIFEST_INVALID, ptr, NULL,
                    "\"%s\" must not contain control characters", key);
            return NULL;
        }
    return v->valuestring;
}

/* An integer member in [lo, hi]; returns 1 and sets *out when valid. */
static int member_int(struct ctx *c, const cJSON *v, const char *ptr, const char *what, double lo,
                      double hi, double *out)
{
    if (!cJSON_IsNumber(v)) {
        problem(c, OSP_E_BAD_TYPE, ptr, NULL, "%s must be a number, not %s", what, type_name(v));
        return 0;
    }
    double d = v->valuedouble;
    if (d != floor(d) || d < lo || d > hi) {
        problem(c, OSP_E_MANIFEST_INVALID, ptr, NULL, "%s must be a whole number from %.0f to %.0f",
                what, lo, hi);
        return 0;
    }
    *out = d;
    return 1;
}

int osp_manifest_check_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 3 || n > OSP_ID_MAX_LEN)
        return OSP_E_BAD_ID;
    int labels = 0;
    const char *label = id;
    for (;;) {
        const char *dot = strchr(label, '.');
        size_t ln = dot ? (size_t)(dot - label) : strlen(label);
        if (ln == 0 || label[0] == '-' || label[ln - 1] == '-')
            return OSP_E_BAD_ID;
        for (size_t i = 0; i < ln; i++) {
            char ch = label[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
                return OSP_E_BAD_ID;
        }
        labels++;
        if (!dot)
            break;
        label = dot + 1;
    }
    return labels >= 2 ? 0 : OSP_E_BAD_ID;
}

/* [a-z0-9][a-z0-9-]* up to max; for publishers and contribution ids. */
static int simple_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* [a-z][a-z0-9_]* up to 32: object and field type names. */
static int type_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static void parse_files(struct ctx *c, const cJSON *files, struct osp_manifest *m)
{
    static const char *const file_keys[] = {"sha256", "size", NULL};
    if (!cJSON_IsObject(files)) {
        problem(c, OSP_E_BAD_TYPE, "/files", NULL, "\"files\" must be an object, not %s",
                type_name(files));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(files);
    if (n > OSP_MANIFEST_MAX_FILES) {
        problem(c, OSP_E_TOO_BIG, "/files", NULL, "%zu files listed; at most %u are allowed", n,
                OSP_MANIFEST_MAX_FILES);
        return;
    }
    m->files = calloc(n ? n : 1, sizeof *m->files);
    if (!m->files) {
        problem(c, OSP_E_NO_MEMORY, "/files", NULL, "out of memory");
        return;
    }
    uint64_t total = 0;
    for (const cJSON *f = files->child; f; f = f->next) {
        char ptr[192], sub[192];
        ptr_join(ptr, sizeof ptr, "/files", f->string);
        int ok = 1;
        if (osp_path_check(f->string) != 0) {
            problem(c, OSP_E_ARCHIVE_PATH, ptr,
                    "use relative paths of letters, digits and ._@+- separated by single '/'",
                    "file path \"%.80s\" is not a safe relative path", f->string);
            ok = 0;
        } else if (osp_path_is_reserved(f->string)) {
            problem(c, OSP_E_ARCHIVE_PATH, ptr, "the manifest and its signature are not listed",
                    "\"%s\" is reserved", f->string);
            ok = 0;
        }
        for (size_t i = 0; ok && i < m->n_files; i++)
            if (osp_path_equal_nocase(m->files[i].path, f->string)) {
                problem(c, OSP_E_ARCHIVE_PATH, ptr, "rename one of them",
                        "\"%.80s\" differs from \"%.80s\" only by case", f->string,
                        m->files[i].path);
                ok = 0;
            }
        if (!cJSON_IsObject(f)) {
            problem(c, OSP_E_BAD_TYPE, ptr, "write {\"sha256\": \"<hex>\", \"size\": <bytes>}",
                    "file entry must be an object, not %s", type_name(f));
            continue;
        }
        check_keys(c, f, ptr, file_keys);
        struct osp_manifest_file e;
        memset(&e, 0, sizeof e);
        const char *hex = member_string(c, f, ptr, "sha256", 1, 64);
        ptr_join(sub, sizeof sub, ptr, "sha256");
        if (hex && osp_hash_from_hex(hex, e.sha256, sizeof e.sha256) != 0) {
            problem(c, OSP_E_MANIFEST_INVALID, sub, NULL,
                    "sha256 must be 64 lowercase hex digits");
            ok = 0;
        } else if (!hex) {
            ok = 0;
        }
        const cJSON *size = osp_json_get(f, "size");
        ptr_join(sub, sizeof sub, ptr, "size");
        double sz = 0;
        if (!size) {
            problem(c, OSP_E_MISSING_FIELD, ptr, NULL, "missing required \"size\"");
            ok = 0;
        } else if (!member_int(c, size, sub, "size", 0, OSP_MANIFEST_MAX_FILE_SIZE, &sz)) {
            ok = 0;
        }
        if (!ok)
            continue;
        e.size = (uint64_t)sz;
        total += e.size;
        e.path = osp__strdup(f->string);
        if (!e.path) {
            problem(c, OSP_E_NO_MEMORY, ptr, NULL, "out of memory");
            return;
        }
        m->files[m->n_files++] = e;
    }
    if (total > OSP_MANIFEST_MAX_TOTAL_SIZE)
        problem(c, OSP_E_TOO_BIG, "/files", NULL,
                "files add up to %llu bytes; at most %u are allowed", (unsigned long long)total,
                OSP_MANIFEST_MAX_TOTAL_SIZE);
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const struct osp_manifest_file *)a)->path,
                  ((const struct osp_manifest_file *)b)->path);
}

/* A contribution's file key (entry, module): a safe relative path whose
 * type starts with mime.  Returns it, or NULL (clearing *ok when it is
 * required or present but bad). */
static const char *contribution_path(struct ctx *c, const cJSON *item, const char *ptr,
                                     const char *key, int required, const char *mime,
                                     const char *what, int *ok)
{
    char sub[192], hint[64];
    const char *path = member_string(c, item, ptr, key, required, OSP_PATH_MAX_LEN);
    ptr_join(sub, sizeof sub, ptr, key);
    if (!path) {
        if (required || osp_json_get(item, key))
            *ok = 0;
        return NULL;
    }
    if (osp_path_check(path) != 0) {
        problem(c, OSP_E_ARCHIVE_PATH, sub, NULL, "%s \"%.80s\" is not a safe relative path", key,
                path);
    } else if (strncmp(osp_path_mime_type(path), mime, strlen(mime)) != 0) {
        snprintf(hint, sizeof hint, "point %s at %s", key, what);
        problem(c, OSP_E_MANIFEST_INVALID, sub, hint, "%s \"%.80s\" is not %s", key, path, what);
    } else {
        return path;
    }
    *ok = 0;
    return NULL;
}

static void parse_contributes(struct ctx *c, const cJSON *contrib, struct osp_manifest *m)
{
    static const char *const surfaces[] = {"widgets", "fieldRenderers", "views", NULL};
    static const char *const widget_keys[] = {"id", "title", "entry", "module", "height", NULL};
    static const char *const field_keys[] = {"id",    "fieldType", "entry", "module",
                                             "title", "height",    NULL};
    static const char *const view_keys[] = {"id", "object", "entry", "module", "title", "height", NULL};
    static const char *const *const keys_by_surface[] = {widget_keys, field_keys, view_keys};
    static const char *const target_key[] = {NULL, "fieldType", "object"};

    if (!cJSON_IsObject(contrib)) {
        problem(c, OSP_E_BAD_TYPE, "/contributes", NULL,
                "\"contributes\" must be an object, not %s", type_name(contrib));
        return;
    }
    check_keys(c, contrib, "/contributes", surfaces);
    m->contributions = calloc(OSP_MANIFEST_MAX_CONTRIBUTIONS, sizeof *m->contributions);
    if (!m->contributions) {
        problem(c, OSP_E_NO_MEMORY, "/contributes", NULL, "out of memory");
        return;
    }
    for (int s = 0; s < 3; s++) {
        const cJSON *list = osp_json_get(contrib, surfaces[s]);
        char base[192];
        ptr_join(base, sizeof base, "/contributes", surfaces[s]);
        if (!list)
            continue;
        if (!cJSON_IsArray(list)) {
            problem(c, OSP_E_BAD_TYPE, base, NULL, "\"%s\" must be an array, not %s",
                    surfaces[s], type_name(list));
            continue;
        }
        size_t i = 0;
        for (const cJSON *item = list->child; item; item = item->next, i++) {
            char ptr[192], sub[192];
            ptr_index(ptr, sizeof ptr, base, i);
            if (!cJSON_IsObject(item)) {
                problem(c, OSP_E_BAD_TYPE, ptr, NULL, "a contribution must be an object, not %s",
                        type_name(item));
                continue;
            }
            if (m->n_contributions >= OSP_MANIFEST_MAX_CONTRIBUTIONS) {
                problem(c, OSP_E_TOO_BIG, ptr, NULL, "at most %d contributions are allowed",
                        OSP_MANIFEST_MAX_CONTRIBUTIONS);
                return;
            }
            check_keys(c, item, ptr, keys_by_surface[s]);
            struct osp_contribution k;
            memset(&k, 0, sizeof k);
            k.surface = (enum osp_surface)s;
            int ok = 1;
            const char *id = member_string(c, item, ptr, "id", 1, 32);
            ptr_join(sub, sizeof sub, ptr, "id");
            if (id && !simple_name_ok(id, 32)) {
                problem(c, OSP_E_BAD_ID, sub, "use lowercase letters, digits and '-'",
                        "contribution id \"%s\" is not valid", id);
                ok = 0;
            } else if (id) {
                for (size_t j = 0; j < m->n_contributions; j++)
                    if (strcmp(m->contributions[j].id, id) == 0) {
                        problem(c, OSP_E_MANIFEST_INVALID, sub,
                                "contribution ids are unique across all surfaces",
                                "contribution id \"%s\" is used twice", id);
                        ok = 0;
                    }
                if (ok)
                    snprintf(k.id, sizeof k.id, "%s", id);
            } else {
                ok = 0;
            }
            const char *title = member_string(c, item, ptr, "title", s != 1, OSP_NAME_MAX_LEN);
            if (!title && (s != 1 || osp_json_get(item, "title")))
                ok = 0;
            const char *entry = contribution_path(c, item, ptr, "entry", 1, "text/html",
                                                  "an .html page", &ok);
            /* module: an ES module the shell may run in-app instead of the
             * frame (tier U0, verified publishers the operator opted in);
             * entry stays required, so the plugin works either way. */
            const char *module = contribution_path(c, item, ptr, "module", 0, "text/javascript",
                                                   "a .js or .mjs module", &ok);
            if (target_key[s]) {
                const char *t = member_string(c, item, ptr, target_key[s], 1, 32);
                ptr_join(sub, sizeof sub, ptr, target_key[s]);
                if (t && !type_name_ok(t)) {
                    problem(c, OSP_E_MANIFEST_INVALID, sub, "use [a-z][a-z0-9_]*, e.g. contact",
                            "\"%s\" value \"%s\" is not a valid name", target_key[s], t);
                    ok = 0;
                } else if (t) {
                    snprintf(k.target, sizeof k.target, "%s", t);
                } else {
                    ok = 0;
                }
            }
            const cJSON *h = osp_json_get(item, "height");
            if (h) {
                double hv;
                ptr_join(sub, sizeof sub, ptr, "height");
                if (member_int(c, h, sub, "height", 16, 4000, &hv))
                    k.height = (int)hv;
                else
                    ok = 0;
            }
            if (!ok)
                continue;
            k.title = title ? osp__strdup(title) : NULL;
            k.entry = osp__strdup(entry);
            k.module = module ? osp__strdup(module) : NULL;
            if ((title && !k.title) || !k.entry || (module && !k.module)) {
                free(k.title);
                free(k.entry);
                free(k.module);
                problem(c, OSP_E_NO_MEMORY, ptr, NULL, "out of memory");
                return;
            }
            m->contributions[m->n_contributions++] = k;
        }
    }
}

/* An array of unique strings, each checked by check(); copies into *out. */
static void parse_string_list(struct ctx *c, const cJSON *perms, const char *key, int origins,
                              char ***out, size_t *n_out)
{
    char base[192];
    ptr_join(base, sizeof base, "/permissions", key);
    const cJSON *list = osp_json_get(perms, key);
    if (!list)
        return;
    if (!cJSON_IsArray(list)) {
        problem(c, OSP_E_BAD_TYPE, base, NULL, "\"%s\" must be an array of strings, not %s", key,
                type_name(list));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > OSP_GRANTS_MAX) {
        problem(c, OSP_E_TOO_BIG, base, NULL, "at most %d entries are allowed", OSP_GRANTS_MAX);
        return;
    }
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) {
        problem(c, OSP_E_NO_MEMORY, base, NULL, "out of memory");
        return;
    }
    size_t i = 0;
    for (const cJSON *v = list->child; v; v = v->next, i++) {
        char ptr[192], hint[200] = "";
        ptr_index(ptr, sizeof ptr, base, i);
        if (!cJSON_IsString(v)) {
            problem(c, OSP_E_BAD_TYPE, ptr, NULL, "entries must be strings, not %s",
                    type_name(v));
            continue;
        }
        const char *s = v->valuestring;
        int rc = origins ? osp_perm_check_origin(s, hint, sizeof hint)
                         : osp_perm_check(s, hint, sizeof hint);
        if (rc != 0) {
            problem(c, rc, ptr, hint, origins ? "origin %.100s is not allowed"
                                              : "permission %.64s unknown", s);
            continue;
        }
        int dup = 0;
        for (size_t j = 0; j < *n_out; j++)
            dup |= strcmp((*out)[j], s) == 0;
        if (dup) {
            problem(c, OSP_E_MANIFEST_INVALID, ptr, "list each entry once",
                    "\"%.100s\" is listed twice", s);
            continue;
        }
        char *copy = osp__strdup(s);
        if (!copy) {
            problem(c, OSP_E_NO_MEMORY, ptr, NULL, "out of memory");
            return;
        }
        (*out)[(*n_out)++] = copy;
    }
}

int osp_manifest_parse(const char *buf, size_t len, unsigned flags, struct osp_manifest **out,
                       struct osp_diags *diags)
{
    static const char *const top_keys[] = {"format",  "id",          "name",        "description",
                                           "version", "publisher",   "runtime",     "engines",
                                           "contributes", "permissions", "files", NULL};
    static const char *const engine_keys[] = {"osp-ui", NULL};
    static const char *const perm_keys[] = {"rpc", "connect", "img", NULL};
    struct ctx c = {diags, 0};
    *out = NULL;

    if (len > OSP_MANIFEST_MAX_BYTES) {
        problem(&c, OSP_E_TOO_BIG, "", NULL, "manifest is %zu bytes; at most %u are allowed", len,
                OSP_MANIFEST_MAX_BYTES);
        return c.first;
    }
    struct osp_json_limits lim = {OSP_MANIFEST_MAX_BYTES, OSP_MANIFEST_MAX_DEPTH};
    cJSON *root = NULL;
    size_t at = 0;
    int rc = osp_json_parse(buf, len, &lim, &root, &at);
    if (rc != 0) {
        char hint[64];
        snprintf(hint, sizeof hint, "near byte %zu", at);
        problem(&c, rc, "", hint, "%s", osp_strerror(rc));
        return c.first;
    }
    if (!cJSON_IsObject(root)) {
        problem(&c, OSP_E_BAD_TYPE, "", NULL, "the manifest must be a JSON object, not %s",
                type_name(root));
        cJSON_Delete(root);
        return c.first;
    }
    struct osp_manifest *m = calloc(1, sizeof *m);
    if (!m) {
        cJSON_Delete(root);
        return OSP_E_NO_MEMORY;
    }
    check_keys(&c, root, "", top_keys);

    const cJSON *format = osp_json_get(root, "format");
    double fv;
    if (!format)
        problem(&c, OSP_E_MISSING_FIELD, "", "add \"format\": 1", "missing required \"format\"");
    else if (!cJSON_IsNumber(format))
        problem(&c, OSP_E_BAD_TYPE, "/format", "write \"format\": 1",
                "\"format\" must be a number, not %s", type_name(format));
    else if (member_int(&c, format, "/format", "format", 0, 1e6, &fv) && fv != 1)
        problem(&c, OSP_E_UNSUPPORTED_FORMAT, "/format", "this host reads format 1",
                "format %.0f is not supported", fv);
    else
        m->format = 1;

    const char *s = member_string(&c, root, "", "id", 1, OSP_ID_MAX_LEN);
    if (s && osp_manifest_check_id(s) != 0)
        problem(&c, OSP_E_BAD_ID, "/id",
                "use reverse-DNS style: lowercase labels of [a-z0-9-] joined by dots, e.g. "
                "acme.kanban",
                "plugin id \"%s\" is not valid", s);
    else if (s)
        snprintf(m->id, sizeof m->id, "%s", s);

    s = member_string(&c, root, "", "name", 1, OSP_NAME_MAX_LEN);
    if (s && !(m->name = osp__strdup(s)))
        problem(&c, OSP_E_NO_MEMORY, "/name", NULL, "out of memory");
    s = member_string(&c, root, "", "description", 0, 500);
    if (s && !(m->description = osp__strdup(s)))
        problem(&c, OSP_E_NO_MEMORY, "/description", NULL, "out of memory");
    else if (!s && osp_json_get(root, "description") && !c.first)
        c.first = OSP_E_MANIFEST_INVALID;

    s = member_string(&c, root, "", "version", 1, OSP_VERSION_MAX_LEN);
    if (s && osp_version_parse(s, NULL) != 0)
        problem(&c, OSP_E_BAD_VERSION, "/version", "use MAJOR.MINOR.PATCH, e.g. 1.4.2",
                "version \"%s\" is not a semantic version", s);
    else if (s)
        snprintf(m->version, sizeof m->version, "%s", s);

    s = member_string(&c, root, "", "publisher", 1, OSP_ID_MAX_LEN);
    if (s && !simple_name_ok(s, OSP_ID_MAX_LEN))
        problem(&c, OSP_E_BAD_ID, "/publisher", "use lowercase letters, digits and '-'",
                "publisher \"%s\" is not valid", s);
    else if (s)
        snprintf(m->publisher, sizeof m->publisher, "%s", s);

    s = member_string(&c, root, "", "runtime", 1, 8);
    if (s && strcmp(s, "ui") != 0)
        problem(&c, OSP_E_UNSUPPORTED_RUNTIME, "/runtime", "write \"runtime\": \"ui\"",
                "runtime \"%s\" is not supported", s);
    else if (s)
        snprintf(m->runtime, sizeof m->runtime, "%s", s);

    const cJSON *engines = osp_json_get(root, "engines");
    if (!engines) {
        problem(&c, OSP_E_MISSING_FIELD, "", "add \"engines\": {\"osp-ui\": \"^1\"}",
                "missing required \"engines\"");
    } else if (!cJSON_IsObject(engines)) {
        problem(&c, OSP_E_BAD_TYPE, "/engines", NULL, "\"engines\" must be an object, not %s",
                type_name(engines));
    } else {
        check_keys(&c, engines, "/engines", engine_keys);
        s = member_string(&c, engines, "/engines", "osp-ui", 1, 64);
        if (s) {
            rc = osp_version_engines_check(s);
            if (rc == OSP_E_BAD_VERSION)
                problem(&c, OSP_E_BAD_VERSION, "/engines/osp-ui",
                        "use a range such as \"^1\" or \">=1.0 <3\"",
                        "engines range \"%s\" is malformed", s);
            else if (rc != 0)
                problem(&c, OSP_E_INCOMPATIBLE_ENGINES, "/engines/osp-ui",
                        "this host speaks osp-ui protocol 1.0; ask for \"^1\"",
                        "engines range \"%s\" excludes protocol 1.0", s);
            else
                snprintf(m->engines, sizeof m->engines, "%s", s);
        }
    }

    const cJSON *perms = osp_json_get(root, "permissions");
    if (perms && !cJSON_IsObject(perms)) {
        problem(&c, OSP_E_BAD_TYPE, "/permissions", NULL,
                "\"permissions\" must be an object, not %s", type_name(perms));
    } else if (perms) {
        check_keys(&c, perms, "/permissions", perm_keys);
        parse_string_list(&c, perms, "rpc", 0, &m->rpc, &m->n_rpc);
        parse_string_list(&c, perms, "connect", 1, &m->connect, &m->n_connect);
        parse_string_list(&c, perms, "img", 1, &m->img, &m->n_img);
    }

    const cJSON *files = osp_json_get(root, "files");
    if (files) {
        m->has_files = 1;
        parse_files(&c, files, m);
        if (m->files)
            qsort(m->files, m->n_files, sizeof *m->files, cmp_files);
    } else if (!(flags & OSP_MANIFEST_SOURCE)) {
        problem(&c, OSP_E_MISSING_FIELD, "", "osp pack writes \"files\" for you",
                "missing required \"files\"");
    }

    const cJSON *contrib = osp_json_get(root, "contributes");
    if (!contrib) {
        problem(&c, OSP_E_MISSING_FIELD, "",
                "add \"contributes\": {\"widgets\": [{\"id\": …, \"title\": …, \"entry\": …}]}",
                "missing required \"contributes\"");
    } else {
        parse_contributes(&c, contrib, m);
        if (m->contributions && m->n_contributions == 0 && cJSON_IsObject(contrib) && !c.first)
            problem(&c, OSP_E_MANIFEST_INVALID, "/contributes",
                    "add at least one widget, field renderer or view",
                    "the plugin contributes nothing");
    }
    /* Entries must be shipped: checked once both lists are known. */
    if (m->has_files) {
        for (size_t i = 0; i < m->n_contributions; i++) {
            const struct osp_contribution *k = &m->contributions[i];
            if (!osp_manifest_find_file(m, k->entry))
                problem(&c, OSP_E_MISSING_FILE, "/files", "list the file under \"files\"",
                        "entry %.80s not in files (contribution \"%s\")", k->entry, k->id);
            if (k->module && !osp_manifest_find_file(m, k->module))
                problem(&c, OSP_E_MISSING_FILE, "/files", "list the file under \"files\"",
                        "module %.80s not in files (contribution \"%s\")", k->module, k->id);
        }
    }

    cJSON_Delete(root);
    if (c.first && !(flags & OSP_MANIFEST_PARTIAL)) {
        osp_manifest_free(m);
        return c.first;
    }
    *out = m;
    return c.first;
}

void osp_manifest_free(struct osp_manifest *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->description);
    for (size_t i = 0; i < m->n_contributions; i++) {
        free(m->contributions[i].title);
        free(m->contributions[i].entry);
        free(m->contributions[i].module);
    }
    free(m->contributions);
    for (size_t i = 0; i < m->n_rpc; i++)
        free(m->rpc[i]);
    free(m->rpc);
    for (size_t i = 0; i < m->n_connect; i++)
        free(m->connect[i]);
    free(m->connect);
    for (size_t i = 0; i < m->n_img; i++)
        free(m->img[i]);
    free(m->img);
    for (size_t i = 0; i < m->n_files; i++)
        free(m->files[i].path);
    free(m->files);
    free(m);
}

const struct osp_manifest_file *osp_manifest_find_file(const struct osp_manifest *m,
                                                       const char *path)
{
    if (!m || !path || !m->files)
        return NULL;
    size_t lo = 0, hi = m->n_files;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, m->files[mid].path);
        if (c == 0)
            return &m->files[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct osp_contribution *osp_manifest_find_contribution(const struct osp_manifest *m,
                                                              const char *id)
{
    if (!m || !id)
        return NULL;
    for (size_t i = 0; i < m->n_contributions; i++)
        if (strcmp(m->contributions[i].id, id) == 0)
            return &m->contributions[i];
    return NULL;
}

const char *osp_manifest_surface_name(enum osp_surface s)
{
    switch (s) {
    case OSP_SURFACE_WIDGET:
        return "widgets";
    case OSP_SURFACE_FIELD_RENDERER:
        return "fieldRenderers";
    case OSP_SURFACE_VIEW:
        return "views";
    }
    return "unknown";
}
