/* Per-plugin Content-Security-Policy (see include/osp/csp.h). */
#include "osp/csp.h"
#include "osp/error.h"
#include "osp/hash.h"
#include "osp/perm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct sbuf {
    char *p;
    size_t cap, len;
    int overflow;
};

static void put(struct sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(b->p + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room)
        b->overflow = 1;
    else
        b->len += (size_t)n;
}

static int digest_ok(const char *d)
{
    unsigned char bin[OSP_SHA256_BYTES];
    return d && osp_hash_from_hex(d, bin, sizeof bin) == 0;
}

/* A path prefix usable in a source expression: starts and ends with '/',
 * no characters CSP would treat as separators. */
static int path_ok(const char *p)
{
    size_t n = p ? strlen(p) : 0;
    if (n == 0 || p[0] != '/' || p[n - 1] != '/')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] <= ' ' || p[i] == ';' || p[i] == ',' || p[i] == '\'' || p[i] == 0x7f)
            return 0;
    return 1;
}

int osp_csp_build(const struct osp_manifest *m, const char *digest,
                  const struct osp_csp_params *p, char *out, size_t cap, size_t *out_len)
{
    if (!m || !p || !out || cap == 0 || !digest_ok(digest) ||
        osp_perm_check_host_origin(p->plugin_origin) != 0 ||
        osp_perm_check_host_origin(p->app_origin) != 0 || !path_ok(p->sdk_path))
        return OSP_E_INVALID_ARGUMENT;
    if (p->report_uri && (strpbrk(p->report_uri, " ;,'\r\n\t") || strlen(p->report_uri) > 512))
        return OSP_E_INVALID_ARGUMENT;

    char own[512];
    int n = snprintf(own, sizeof own, "%s/ext-ui/%s/%s/", p->plugin_origin, m->id, digest);
    if (n < 0 || (size_t)n >= sizeof own)
        return OSP_E_INVALID_ARGUMENT;

    struct sbuf b = {out, cap, 0, 0};
    put(&b, "default-src 'none'");
    put(&b, "; script-src %s %s%s", own, p->plugin_origin, p->sdk_path);
    put(&b, "; style-src %s 'unsafe-inline'", own);
    put(&b, "; font-src %s", own);
    put(&b, "; img-src %s data:", own);
    for (size_t i = 0; i < m->n_img; i++)
        put(&b, " %s", m->img[i]);
    if (m->n_connect == 0) {
        put(&b, "; connect-src 'none'");
    } else {
        put(&b, "; connect-src");
        for (size_t i = 0; i < m->n_connect; i++)
            put(&b, " %s", m->connect[i]);
    }
    put(&b, "; frame-ancestors %s", p->app_origin);
    put(&b, "; base-uri 'none'; form-action 'none'; object-src 'none'");
    put(&b, "; sandbox allow-scripts");
    if (p->report_uri)
        put(&b, "; report-uri %s", p->report_uri);
    if (b.overflow) {
        out[0] = '\0';
        return OSP_E_TOO_BIG;
    }
    if (out_len)
        *out_len = b.len;
    return 0;
}
