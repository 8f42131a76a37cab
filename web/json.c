/* Strict JSON scanning and parsing (see include/osp/json.h). */
#include "osp/json.h"
#include "osp/error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const unsigned char *p;
    const unsigned char *end;
    const unsigned char *start;
    int depth;
    int max_depth;
};

/* Length of the UTF-8 sequence at s (1..4) if it is well formed, else 0.
 * NUL is refused: C strings downstream would silently truncate at it. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0; /* overlong or out of range */
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0; /* surrogates are not characters */
    return n;
}

int osp_json_check_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = utf8_seq(p, end);
        if (n == 0)
            return OSP_E_BAD_UTF8;
        p += n;
    }
    return 0;
}

static void skip_ws(struct scan *sc)
{
    while (sc->p < sc->end &&
           (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r'))
        sc->p++;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *v)
{
    if (end - p < 4)
        return -1;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        *v = (*v << 4) | d;
    }
    return 0;
}

static int scan_string(struct scan *sc)
{
    sc->p++; /* opening quote */
    while (sc->p < sc->end) {
        unsigned char c = *sc->p;
        if (c == '"') {
            sc->p++;
            return 0;
        }
        if (c < 0x20)
            return c == 0 ? OSP_E_BAD_UTF8 : OSP_E_JSON_SYNTAX;
        if (c == '\\') {
            if (sc->end - sc->p < 2)
                return OSP_E_JSON_SYNTAX;
            unsigned char e = sc->p[1];
            if (e == 'u') {
                unsigned v, lo;
                if (hex4(sc->p + 2, sc->end, &v) != 0)
                    return OSP_E_JSON_SYNTAX;
                if (v == 0)
                    return OSP_E_BAD_UTF8;
                sc->p += 6;
                if (v >= 0xDC00 && v <= 0xDFFF)
                    return OSP_E_BAD_UTF8; /* lone low surrogate */
                if (v >= 0xD800 && v <= 0xDBFF) {
                    if (sc->end - sc->p < 6 || sc->p[0] != '\\' || sc->p[1] != 'u' ||
                        hex4(sc->p + 2, sc->end, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
                        return OSP_E_BAD_UTF8;
                    sc->p += 6;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0)
                return OSP_E_JSON_SYNTAX;
            sc->p += 2;
            continue;
        }
        size_t n = utf8_seq(sc->p, sc->end);
        if (n == 0)
            return OSP_E_BAD_UTF8;
        sc->p += n;
    }
    return OSP_E_JSON_SYNTAX;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int scan_number(struct scan *sc)
{
    const unsigned char *p = sc->p, *end = sc->end;
    if (p < end && *p == '-')
        p++;
    if (p >= end || !is_digit(*p))
        return OSP_E_JSON_SYNTAX;
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return OSP_E_JSON_SYNTAX; /* leading zero */
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return OSP_E_JSON_SYNTAX;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return OSP_E_JSON_SYNTAX;
        while (p < end && is_digit(*p))
            p++;
    }
    /* A number longer than any double needs is noise or an attack. */
    if (p - sc->p > 64)
        return OSP_E_JSON_SYNTAX;
    sc->p = p;
    return 0;
}

static int scan_literal(struct scan *sc, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n) != 0)
        return OSP_E_JSON_SYNTAX;
    sc->p += n;
    return 0;
}

/* Iterative over containers would avoid recursion, but depth is capped at
 * max_depth (small), so recursion is bounded and simpler to read. */
static int scan_value(struct scan *sc)
{
    skip_ws(sc);
    if (sc->p >= sc->end)
        return OSP_E_JSON_SYNTAX;
    unsigned char c = *sc->p;
    int rc;
    if (c == '{' || c == '[') {
        unsigned char close = c == '{' ? '}' : ']';
        if (++sc->depth > sc->max_depth)
            return OSP_E_JSON_DEPTH;
        sc->p++;
        skip_ws(sc);
        if (sc->p < sc->end && *sc->p == close) {
            sc->p++;
            sc->depth--;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                skip_ws(sc);
                if (sc->p >= sc->end || *sc->p != '"')
                    return OSP_E_JSON_SYNTAX;
                if ((rc = scan_string(sc)) != 0)
                    return rc;
                skip_ws(sc);
                if (sc->p >= sc->end || *sc->p != ':')
                    return OSP_E_JSON_SYNTAX;
                sc->p++;
            }
            if ((rc = scan_value(sc)) != 0)
                return rc;
            skip_ws(sc);
            if (sc->p >= sc->end)
                return OSP_E_JSON_SYNTAX;
            if (*sc->p == ',') {
                sc->p++;
                continue;
            }
            if (*sc->p == close) {
                sc->p++;
                sc->depth--;
                return 0;
            }
            return OSP_E_JSON_SYNTAX;
        }
    }
    if (c == '"')
        return scan_string(sc);
    if (c == '-' || is_digit(c))
        return scan_number(sc);
    if (c == 't')
        return scan_literal(sc, "true");
    if (c == 'f')
        return scan_literal(sc, "false");
    if (c == 'n')
        return scan_literal(sc, "null");
    return OSP_E_JSON_SYNTAX;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate keys and non-finite numbers, for the whole tree. */
static int check_tree(const cJSON *node)
{
    for (; node; node = node->next) {
        if (cJSON_IsNumber(node) && !isfinite(node->valuedouble))
            return OSP_E_JSON_SYNTAX;
        if (!node->child)
            continue;
        if (cJSON_IsObject(node)) {
            size_t n = 0;
            for (const cJSON *c = node->child; c; c = c->next)
                n++;
            if (n > 1 && n <= 8) {
                /* Few keys (every RPC envelope): compare pairwise, no
                 * allocation. */
                for (const cJSON *a = node->child; a; a = a->next)
                    for (const cJSON *b = a->next; b; b = b->next)
                        if (strcmp(a->string, b->string) == 0)
                            return OSP_E_JSON_DUPLICATE_KEY;
            } else if (n > 1) {
                /* Sorting keeps hostile objects with many keys O(n log n). */
                const char **names = malloc(n * sizeof *names);
                if (!names)
                    return OSP_E_NO_MEMORY;
                size_t i = 0;
                for (const cJSON *c = node->child; c; c = c->next)
                    names[i++] = c->string;
                qsort(names, n, sizeof *names, cmp_names);
                int dup = 0;
                for (i = 1; i < n && !dup; i++)
                    dup = strcmp(names[i - 1], names[i]) == 0;
                free(names);
                if (dup)
                    return OSP_E_JSON_DUPLICATE_KEY;
            }
        }
        int rc = check_tree(node->child);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int osp_json_parse(const char *buf, size_t len, const struct osp_json_limits *limits,
                   cJSON **out, size_t *err_offset)
{
    struct osp_json_limits lim = {1u << 20, OSP_JSON_DEFAULT_MAX_DEPTH};
    if (limits)
        lim = *limits;
    *out = NULL;
    if (err_offset)
        *err_offset = 0;
    if (buf == NULL && len != 0)
        return OSP_E_INVALID_ARGUMENT;
    if (len > lim.max_bytes)
        return OSP_E_TOO_BIG;

    struct scan sc = {(const unsigned char *)buf, (const unsigned char *)buf + len,
                      (const unsigned char *)buf, 0, lim.max_depth};
    int rc = scan_value(&sc);
    if (rc == 0) {
        skip_ws(&sc);
        if (sc.p != sc.end)
            rc = OSP_E_JSON_SYNTAX; /* trailing bytes */
    }
    if (rc != 0) {
        if (err_offset)
            *err_offset = (size_t)(sc.p - sc.start);
        return rc;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, NULL, 0);
    if (!root)
        return OSP_E_NO_MEMORY; /* the scan accepted it, so only allocation fails */
    rc = check_tree(root);
    if (rc != 0) {
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return 0;
}

const cJSON *osp_json_get(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *osp_json_get_string(const cJSON *obj, const char *key)
{
    const cJSON *v = osp_json_get(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

size_t osp_json_quote(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (n + 1 < cap)                                                                           \
            out[n] = (ch);                                                                         \
        n++;                                                                                       \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* Appends v, indented by indent spaces, to the growing buffer. */
static int pretty_into(const cJSON *v, int indent, char **buf, size_t *len, size_t *cap)
{
#define APPEND(s, n)                                                                               \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        if (*len + n_ + 1 > *cap) {                                                                \
            size_t nc = (*cap + n_ + 1) * 2;                                                       \
            char *nb = realloc(*buf, nc);                                                          \
            if (!nb)                                                                               \
                return -1;                                                                         \
            *buf = nb;                                                                             \
            *cap = nc;                                                                             \
        }                                                                                          \
        memcpy(*buf + *len, (s), n_);                                                              \
        *len += n_;                                                                                \
        (*buf)[*len] = '\0';                                                                       \
    } while (0)
    static const char spaces[] = "                                ";
    if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child) {
        int obj = cJSON_IsObject(v);
        APPEND(obj ? "{\n" : "[\n", 2);
        for (const cJSON *c = v->child; c; c = c->next) {
            APPEND(spaces, (size_t)(indent + 2) < sizeof spaces ? (size_t)(indent + 2) : 0);
            if (obj) {
                char key[512];
                size_t kl = osp_json_quote(c->string, key, sizeof key);
                if (kl >= sizeof key)
                    return -1;
                APPEND(key, kl);
                APPEND(": ", 2);
            }
            if (pretty_into(c, indent + 2, buf, len, cap) != 0)
                return -1;
            APPEND(c->next ? ",\n" : "\n", c->next ? 2 : 1);
        }
        APPEND(spaces, (size_t)indent < sizeof spaces ? (size_t)indent : 0);
        APPEND(obj ? "}" : "]", 1);
        return 0;
    }
    char *leaf = cJSON_PrintUnformatted(v);
    if (!leaf)
        return -1;
    size_t ll = strlen(leaf);
    APPEND(leaf, ll);
    cJSON_free(leaf);
    return 0;
#undef APPEND
}

int osp_json_print_pretty(const cJSON *v, char **out, size_t *len)
{
    size_t cap = 0;
    *out = NULL;
    *len = 0;
    if (pretty_into(v, 0, out, len, &cap) != 0) {
        free(*out);
        *out = NULL;
        *len = 0;
        return OSP_E_NO_MEMORY;
    }
    char *nb = realloc(*out, *len + 2);
    if (!nb) {
        free(*out);
        *out = NULL;
        *len = 0;
        return OSP_E_NO_MEMORY;
    }
    *out = nb;
    (*out)[(*len)++] = '\n';
    (*out)[*len] = '\0';
    return 0;
}
