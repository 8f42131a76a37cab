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
    /* Only an exponent can take 64 characters past a double's range. */
    if (memchr(sc->p, 'e', (size_t)(p - sc->p)) || memchr(sc->p, 'E', (size_t)(p - sc->p))) {
        struct osp_json_span v = {(const char *)sc->p, (size_t)(p - sc->p)};
        if (!isfinite(osp_json_number(v)))
            return OSP_E_JSON_SYNTAX;
    }
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

/* A string's contents (between the quotes) decoded one byte at a time:
 * escapes become the UTF-8 bytes JSON.parse would see.  Only for strings
 * the scanner accepted, so every escape here is complete and valid. */
struct decoder {
    const unsigned char *p, *end;
    unsigned char pending[4];
    int n_pending, next_pending;
};

static void decoder_init(struct decoder *d, struct osp_json_span s)
{
    d->p = (const unsigned char *)s.p + 1;
    d->end = (const unsigned char *)s.p + s.n - 1;
    d->n_pending = d->next_pending = 0;
}

/* The next decoded byte, or -1 at the end. */
static int decoder_next(struct decoder *d)
{
    if (d->next_pending < d->n_pending)
        return d->pending[d->next_pending++];
    if (d->p >= d->end)
        return -1;
    if (*d->p != '\\')
        return *d->p++;
    unsigned char e = d->p[1];
    d->p += 2;
    switch (e) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'u':
        break;
    default:
        return e; /* '"', '\\' or '/' */
    }
    unsigned cp, lo;
    hex4(d->p, d->end, &cp);
    d->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* the scanner saw its low half */
        hex4(d->p + 2, d->end, &lo);
        d->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (int i = n - 1; i > 0; i--) {
        d->pending[i] = (unsigned char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    d->pending[0] = (unsigned char)(lead[n] | cp);
    d->n_pending = n;
    d->next_pending = 1;
    return d->pending[0];
}

/* Orders two string literals by their decoded bytes (0: the same string).
 * Without escapes, that is the order of the raw bytes. */
static int compare_strings(struct osp_json_span a, struct osp_json_span b)
{
    if (!memchr(a.p, '\\', a.n) && !memchr(b.p, '\\', b.n)) {
        int c = memcmp(a.p + 1, b.p + 1, (a.n < b.n ? a.n : b.n) - 2);
        return c ? c : (a.n > b.n) - (a.n < b.n);
    }
    struct decoder x, y;
    decoder_init(&x, a);
    decoder_init(&y, b);
    for (;;) {
        int cx = decoder_next(&x), cy = decoder_next(&y);
        if (cx != cy || cx < 0)
            return cx - cy;
    }
}

static int compare_keys(const void *a, const void *b)
{
    return compare_strings(*(const struct osp_json_span *)a, *(const struct osp_json_span *)b);
}

/* An object's keys so far: on the stack for the few of an RPC envelope,
 * on the heap (sorted at the close) past that. */
#define FEW_KEYS 8

struct keys {
    struct osp_json_span few[FEW_KEYS];
    unsigned escaped; /* bit i: few[i] has an escape */
    struct osp_json_span *all;
    size_t n, cap;
};

static int keys_add(struct keys *k, struct osp_json_span key)
{
    if (k->n < FEW_KEYS) {
        if (memchr(key.p, '\\', key.n))
            k->escaped |= 1u << k->n;
        k->few[k->n++] = key;
        return 0;
    }
    if (k->n == k->cap || !k->all) {
        size_t cap = k->all ? 2 * k->cap : 4 * FEW_KEYS;
        struct osp_json_span *all = realloc(k->all, cap * sizeof *all);
        if (!all)
            return OSP_E_NO_MEMORY;
        if (!k->all)
            memcpy(all, k->few, sizeof k->few);
        k->all = all;
        k->cap = cap;
    }
    k->all[k->n++] = key;
    return 0;
}

/* Pairwise for a few keys (no allocation); sorting keeps a hostile object
 * with many keys O(n log n). */
static int keys_unique(struct keys *k)
{
    if (!k->all) {
        for (size_t i = 0; i < k->n; i++)
            for (size_t j = i + 1; j < k->n; j++) {
                struct osp_json_span a = k->few[i], b = k->few[j];
                int same = a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
                if (same || (((k->escaped >> i) | (k->escaped >> j)) & 1u &&
                             compare_strings(a, b) == 0))
                    return OSP_E_JSON_DUPLICATE_KEY;
            }
        return 0;
    }
    qsort(k->all, k->n, sizeof *k->all, compare_keys);
    for (size_t i = 1; i < k->n; i++)
        if (compare_strings(k->all[i - 1], k->all[i]) == 0)
            return OSP_E_JSON_DUPLICATE_KEY;
    return 0;
}

static int scan_value(struct scan *sc);

static int scan_container(struct scan *sc, unsigned char c, struct keys *keys)
{
    unsigned char close = c == '{' ? '}' : ']';
    int rc;
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
            const unsigned char *key = sc->p;
            if ((rc = scan_string(sc)) != 0)
                return rc;
            struct osp_json_span span = {(const char *)key, (size_t)(sc->p - key)};
            if ((rc = keys_add(keys, span)) != 0)
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
            return c == '{' ? keys_unique(keys) : 0;
        }
        return OSP_E_JSON_SYNTAX;
    }
}

/* Iterative over containers would avoid recursion, but depth is capped at
 * max_depth (small), so recursion is bounded and simpler to read. */
static int scan_value(struct scan *sc)
{
    skip_ws(sc);
    if (sc->p >= sc->end)
        return OSP_E_JSON_SYNTAX;
    unsigned char c = *sc->p;
    if (c == '{' || c == '[') {
        int rc;
        struct keys keys;
        keys.all = NULL;
        keys.n = keys.cap = 0;
        keys.escaped = 0;
        rc = scan_container(sc, c, &keys);
        free(keys.all);
        return rc;
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

int osp_json_validate(const char *buf, size_t len, const struct osp_json_limits *limits,
                      size_t *err_offset)
{
    struct osp_json_limits lim = {1u << 20, OSP_JSON_DEFAULT_MAX_DEPTH};
    if (limits)
        lim = *limits;
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
    if (rc != 0 && err_offset)
        *err_offset = (size_t)(sc.p - sc.start);
    return rc;
}

int osp_json_parse(const char *buf, size_t len, const struct osp_json_limits *limits,
                   cJSON **out, size_t *err_offset)
{
    *out = NULL;
    int rc = osp_json_validate(buf, len, limits, err_offset);
    if (rc != 0)
        return rc;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, NULL, 0);
    if (!root)
        return OSP_E_NO_MEMORY; /* the scan accepted it, so only allocation fails */
    *out = root;
    return 0;
}

struct osp_json_span osp_json_span_of(const char *buf, size_t len)
{
    struct scan sc = {(const unsigned char *)buf, (const unsigned char *)buf + len,
                      (const unsigned char *)buf, 0, 0};
    skip_ws(&sc);
    const unsigned char *start = sc.p;
    const unsigned char *end = sc.end;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    struct osp_json_span v = {(const char *)start, (size_t)(end - start)};
    return v;
}

/* The end of the valid value at p: strings by their quotes, containers by
 * counting brackets outside strings, scalars by their last character. */
static const char *skip_valid(const char *p, const char *end)
{
    int depth = 0;
    do {
        char c = *p;
        if (c == '"') {
            for (p++; *p != '"'; p++) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q)
                    return end; /* not valid text: stay inside */
                const char *b = memchr(p, '\\', (size_t)(q - p));
                if (!b) {
                    p = q - 1;
                    continue;
                }
                p = b + 1;
            }
            p++;
        } else if (c == '{' || c == '[') {
            depth++;
            p++;
        } else if (c == '}' || c == ']') {
            depth--;
            p++;
        } else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p++;
        } else {
            while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
                   *p != '\n' && *p != '\r')
                p++;
        }
    } while (depth > 0);
    return p;
}

static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

void osp_json_members_begin(struct osp_json_members *it, struct osp_json_span object)
{
    it->p = object.p + 1;
    it->end = object.p + object.n - 1;
}

int osp_json_members_next(struct osp_json_members *it, struct osp_json_span *key,
                          struct osp_json_span *value)
{
    const char *p = skip_blank(it->p, it->end);
    if (p < it->end && *p == ',')
        p = skip_blank(p + 1, it->end);
    if (p >= it->end)
        return 0;
    const char *k = p;
    p = skip_valid(p, it->end);
    key->p = k;
    key->n = (size_t)(p - k);
    p = skip_blank(p, it->end);
    p = skip_blank(p + 1, it->end); /* the colon */
    const char *v = p;
    p = skip_valid(p, it->end);
    value->p = v;
    value->n = (size_t)(p - v);
    it->p = p;
    return 1;
}

size_t osp_json_string(struct osp_json_span s, char *out, size_t cap)
{
    struct decoder d;
    decoder_init(&d, s);
    size_t n = 0;
    for (int c; (c = decoder_next(&d)) >= 0; n++)
        if (n + 1 < cap)
            out[n] = (char)c;
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}

int osp_json_string_is(struct osp_json_span s, const char *text)
{
    if (s.n == 0 || s.p[0] != '"')
        return 0;
    size_t n = strlen(text);
    if (s.n == n + 2 && memcmp(s.p + 1, text, n) == 0)
        return 1;
    if (s.n < n + 2 || !memchr(s.p, '\\', s.n))
        return 0; /* escapes only ever make a literal longer than its text */
    struct decoder d;
    decoder_init(&d, s);
    for (const unsigned char *q = (const unsigned char *)text;; q++) {
        int c = decoder_next(&d);
        if (c < 0 || *q == '\0')
            return c < 0 && *q == '\0';
        if (c != *q)
            return 0;
    }
}

double osp_json_number(struct osp_json_span v)
{
    char text[72];
    size_t n = v.n < sizeof text - 1 ? v.n : sizeof text - 1;
    memcpy(text, v.p, n);
    text[n] = '\0';
    return strtod(text, NULL);
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
        /* JSON.stringify's escapes, exactly: the relay names a call by its
         * id's text, and the host writes that text with JSON.stringify. */
        const char *e = c == '"' ? "\"" : c == '\\' ? "\\" : c == '\b' ? "b" : c == '\f' ? "f"
                      : c == '\n' ? "n" : c == '\r' ? "r" : c == '\t' ? "t" : NULL;
        if (e) {
            PUT('\\');
            PUT(*e);
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
