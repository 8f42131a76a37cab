/* Semantic versions and engines ranges (see include/osp/version.h). */
#include "osp/version.h"
#include "osp/error.h"

#include <string.h>

#define MAX_SAFE 9007199254740991ull /* 2^53 - 1 */

/* Reads a decimal number without leading zeros; advances *p. */
static int read_num(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    if (*s == '0' && s[1] >= '0' && s[1] <= '9')
        return -1;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > MAX_SAFE)
            return -1;
        s++;
    }
    *p = s;
    *out = v;
    return 0;
}

static int is_ident_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Dot-separated identifiers; numeric ones without leading zeros when pre. */
static int read_idents(const char **p, int numeric_rules, char *out, size_t cap)
{
    const char *s = *p, *start = s;
    for (;;) {
        const char *id = s;
        int all_digits = 1;
        while (is_ident_char(*s)) {
            if (*s < '0' || *s > '9')
                all_digits = 0;
            s++;
        }
        if (s == id)
            return -1;
        if (numeric_rules && all_digits && *id == '0' && s - id > 1)
            return -1;
        if (*s != '.')
            break;
        s++;
    }
    if (out) {
        size_t n = (size_t)(s - start);
        if (n >= cap)
            return -1;
        memcpy(out, start, n);
        out[n] = '\0';
    }
    *p = s;
    return 0;
}

int osp_version_parse(const char *s, struct osp_semver *out)
{
    struct osp_semver v;
    memset(&v, 0, sizeof v);
    if (!s || strlen(s) > OSP_VERSION_MAX_LEN)
        return OSP_E_BAD_VERSION;
    const char *p = s;
    if (read_num(&p, &v.major) || *p++ != '.' || read_num(&p, &v.minor) || *p++ != '.' ||
        read_num(&p, &v.patch))
        return OSP_E_BAD_VERSION;
    if (*p == '-') {
        p++;
        if (read_idents(&p, 1, v.pre, sizeof v.pre))
            return OSP_E_BAD_VERSION;
    }
    if (*p == '+') {
        p++;
        if (read_idents(&p, 0, NULL, 0))
            return OSP_E_BAD_VERSION;
    }
    if (*p != '\0')
        return OSP_E_BAD_VERSION;
    if (out)
        *out = v;
    return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_pre(const char *a, const char *b)
{
    /* A version without pre-release ranks above one with. */
    if (!*a || !*b)
        return (!*a) - (!*b);
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        int na = la > 0 && strspn(a, "0123456789") >= la;
        int nb = lb > 0 && strspn(b, "0123456789") >= lb;
        int c;
        if (na && nb)
            c = la != lb ? (la < lb ? -1 : 1) : memcmp(a, b, la);
        else if (na != nb)
            c = na ? -1 : 1; /* numeric identifiers rank below alphanumeric */
        else {
            size_t l = la < lb ? la : lb;
            c = memcmp(a, b, l);
            if (c == 0)
                c = cmp_u64(la, lb);
        }
        if (c != 0)
            return c < 0 ? -1 : 1;
        a += la;
        b += lb;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        a++;
        b++;
    }
}

int osp_version_compare(const struct osp_semver *a, const struct osp_semver *b)
{
    int c = cmp_u64(a->major, b->major);
    if (!c)
        c = cmp_u64(a->minor, b->minor);
    if (!c)
        c = cmp_u64(a->patch, b->patch);
    if (!c)
        c = cmp_pre(a->pre, b->pre);
    return c;
}

/* One comparator as a half-open interval [lo, hi); has_lo/has_hi say which
 * bounds exist, lo_open makes the lower bound exclusive. */
struct interval {
    struct osp_semver lo, hi;
    int has_lo, has_hi, lo_open, hi_closed;
};

static void set_ver(struct osp_semver *v, uint64_t ma, uint64_t mi, uint64_t pa, const char *pre)
{
    memset(v, 0, sizeof *v);
    v->major = ma;
    v->minor = mi;
    v->patch = pa;
    strcpy(v->pre, pre);
}

static int is_wild(const char *p)
{
    return *p == 'x' || *p == 'X' || *p == '*';
}

/* Parses one comparator token (NUL-terminated) into an interval. */
static int parse_comparator(const char *tok, struct interval *iv)
{
    memset(iv, 0, sizeof *iv);
    char op[3] = "";
    if (tok[0] == '^' || tok[0] == '~' || tok[0] == '=') {
        op[0] = tok[0];
        tok++;
    } else if (tok[0] == '>' || tok[0] == '<') {
        op[0] = tok[0];
        tok++;
        if (*tok == '=') {
            op[1] = '=';
            tok++;
        }
    }
    if (*tok == 'v')
        tok++;
    uint64_t part[3] = {0, 0, 0};
    int nparts = 0;
    const char *p = tok;
    while (nparts < 3) {
        if (is_wild(p)) {
            /* "1.x", "1.x.x", "*": the rest stays unspecified. */
            p++;
            while (*p == '.' && is_wild(p + 1))
                p += 2;
            break;
        }
        if (read_num(&p, &part[nparts]))
            return OSP_E_BAD_VERSION;
        nparts++;
        if (*p != '.')
            break;
        p++;
    }
    char pre[OSP_VERSION_MAX_LEN + 1] = "";
    if (*p == '-' && nparts == 3) {
        p++;
        if (read_idents(&p, 1, pre, sizeof pre))
            return OSP_E_BAD_VERSION;
    }
    if (*p != '\0')
        return OSP_E_BAD_VERSION;
    if (nparts == 0) {
        if (op[0] != '\0' && op[0] != '=' && !(op[0] == '>' && op[1] == '='))
            return OSP_E_BAD_VERSION;
        return 0; /* "*": anything */
    }
    uint64_t ma = part[0], mi = part[1], pa = part[2];
    /* The exclusive upper bound of the partial version as written. */
    struct osp_semver next;
    if (nparts == 1)
        set_ver(&next, ma + 1, 0, 0, "0");
    else if (nparts == 2)
        set_ver(&next, ma, mi + 1, 0, "0");
    else
        set_ver(&next, ma, mi, pa + 1, "0");

    if (op[0] == '^') {
        iv->has_lo = iv->has_hi = 1;
        set_ver(&iv->lo, ma, mi, pa, pre);
        if (ma > 0 || nparts == 1)
            set_ver(&iv->hi, ma + 1, 0, 0, "0");
        else if (mi > 0 || nparts == 2)
            set_ver(&iv->hi, 0, mi + 1, 0, "0");
        else
            set_ver(&iv->hi, 0, 0, pa + 1, "0");
    } else if (op[0] == '~') {
        iv->has_lo = iv->has_hi = 1;
        set_ver(&iv->lo, ma, mi, pa, pre);
        if (nparts == 1)
            set_ver(&iv->hi, ma + 1, 0, 0, "0");
        else
            set_ver(&iv->hi, ma, mi + 1, 0, "0");
    } else if (op[0] == '>' && op[1] == '=') {
        iv->has_lo = 1;
        set_ver(&iv->lo, ma, mi, pa, pre);
    } else if (op[0] == '>') {
        iv->has_lo = 1;
        if (nparts == 3) {
            set_ver(&iv->lo, ma, mi, pa, pre);
            iv->lo_open = 1;
        } else {
            iv->lo = next;
        }
    } else if (op[0] == '<' && op[1] == '=') {
        iv->has_hi = 1;
        if (nparts == 3) {
            set_ver(&iv->hi, ma, mi, pa, pre);
            iv->hi_closed = 1;
        } else {
            iv->hi = next;
        }
    } else if (op[0] == '<') {
        iv->has_hi = 1;
        set_ver(&iv->hi, ma, mi, pa, nparts == 3 ? pre : "0");
    } else { /* "=" or bare: exact when complete, x-range when partial */
        iv->has_lo = iv->has_hi = 1;
        set_ver(&iv->lo, ma, mi, pa, pre);
        if (nparts == 3) {
            iv->hi = iv->lo;
            iv->hi_closed = 1;
        } else {
            iv->hi = next;
        }
    }
    return 0;
}

static int in_interval(const struct osp_semver *v, const struct interval *iv)
{
    if (iv->has_lo) {
        int c = osp_version_compare(v, &iv->lo);
        if (c < 0 || (c == 0 && iv->lo_open))
            return 0;
    }
    if (iv->has_hi) {
        int c = osp_version_compare(v, &iv->hi);
        if (c > 0 || (c == 0 && !iv->hi_closed))
            return 0;
    }
    return 1;
}

int osp_version_satisfies(const struct osp_semver *v, const char *range)
{
    if (!range || strlen(range) > OSP_RANGE_MAX_LEN)
        return OSP_E_BAD_VERSION;
    char buf[OSP_RANGE_MAX_LEN + 1];
    strcpy(buf, range);
    int ok = 1, ncomp = 0;
    for (char *tok = buf; *tok;) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            break;
        char *end = tok + strcspn(tok, " ");
        char saved = *end;
        *end = '\0';
        struct interval iv;
        if (parse_comparator(tok, &iv))
            return OSP_E_BAD_VERSION;
        ncomp++;
        if (!in_interval(v, &iv))
            ok = 0;
        *end = saved;
        tok = end;
    }
    if (ncomp == 0)
        return OSP_E_BAD_VERSION;
    return ok;
}

int osp_version_engines_check(const char *range)
{
    struct osp_semver proto;
    set_ver(&proto, OSP_UI_PROTOCOL_MAJOR, OSP_UI_PROTOCOL_MINOR, OSP_UI_PROTOCOL_PATCH, "");
    int r = osp_version_satisfies(&proto, range);
    if (r < 0)
        return r;
    return r ? 0 : OSP_E_INCOMPATIBLE_ENGINES;
}
