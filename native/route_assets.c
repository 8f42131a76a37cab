/* The plugin origin: immutable plugin assets under
 * /ext-ui/<id>/<digest>/<path>, each HTML page with its plugin's CSP, and
 * the plugin SDK under /_osp/sdk/.  Nothing else exists here.  Served by
 * the event loop (evserver.h): every route fills in a whole response,
 * which the loop writes. */
#include "server_internal.h"
#include "osp/csp.h"
#include "osp/error.h"
#include "osp/path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ASSET_HEADERS_MAX (OSP_CSP_MAX_LEN + 1024)

/* What a request needs from its manifest, copied out of the cache. */
struct asset {
    char hex[OSP_SHA256_HEX_BYTES];    /* the file's content address */
    char br_hex[OSP_SHA256_HEX_BYTES]; /* its brotli variant, or "" */
    const char *mime;
    char csp[OSP_CSP_MAX_LEN]; /* HTML only */
};

static void entry_clear(struct osp__manifest_entry *e)
{
    osp_manifest_free(e->manifest);
    free(e->br);
    free(e->csp);
    memset(e, 0, sizeof *e);
}

/* Builds a cache entry for (id, digest): the registry row, the manifest
 * from the store, its CSP and its brotli variants. */
static int load_entry(struct osp_server *s, const char *id, const char *digest,
                      struct osp__manifest_entry *e)
{
    struct osp_version_row row;
    memset(e, 0, sizeof *e);
    int rc = osp_registry_version_get(s->reg, id, digest, &row);
    if (rc != 0)
        return rc;
    e->revoked = row.revoked;
    osp_version_row_clear(&row);
    char *text = NULL;
    size_t len = 0;
    rc = osp_store_get(s->store, digest, OSP_MANIFEST_MAX_BYTES, &text, &len);
    if (rc == 0 && osp_manifest_parse(text, len, 0, &e->manifest, NULL) != 0)
        rc = OSP_E_INTERNAL; /* it parsed at publish: the store was changed */
    free(text);
    if (rc != 0)
        return rc == OSP_E_NOT_FOUND ? OSP_E_INTERNAL : rc;
    char csp[OSP_CSP_MAX_LEN], report[320];
    snprintf(report, sizeof report, "%s/api/v1/csp-reports", s->app_origin);
    struct osp_csp_params p = {s->plugin_origin, s->app_origin, "/_osp/sdk/", report};
    rc = osp_csp_build(e->manifest, digest, &p, csp, sizeof csp, NULL);
    e->csp = rc == 0 ? strdup(csp) : NULL;
    e->br = calloc(e->manifest->n_files ? e->manifest->n_files : 1, sizeof *e->br);
    if (rc == 0 && (!e->csp || !e->br))
        rc = OSP_E_NO_MEMORY;
    for (size_t i = 0; rc == 0 && i < e->manifest->n_files; i++) {
        char hex[OSP_SHA256_HEX_BYTES];
        osp_hash_to_hex(e->manifest->files[i].sha256, OSP_SHA256_BYTES, hex);
        if (osp_registry_variant_get(s->reg, hex, "br", e->br[i]) != 0)
            e->br[i][0] = '\0';
    }
    if (rc != 0) {
        entry_clear(e);
        return rc;
    }
    snprintf(e->digest, sizeof e->digest, "%s", digest);
    snprintf(e->plugin_id, sizeof e->plugin_id, "%s", id);
    e->checked_ms = osp__now_ms();
    return 0;
}

static struct osp__manifest_entry *find_entry(struct osp_server *s, const char *id,
                                              const char *digest)
{
    for (size_t i = 0; i < OSP__MANIFEST_SLOTS; i++)
        if (s->manifests[i].manifest && strcmp(s->manifests[i].digest, digest) == 0 &&
            strcmp(s->manifests[i].plugin_id, id) == 0)
            return &s->manifests[i];
    return NULL;
}

/* Copies what serving path needs out of the entry (cache lock held). */
static int fill_asset(const struct osp__manifest_entry *e, const char *path, struct asset *a)
{
    if (e->revoked)
        return OSP_E_REVOKED;
    const struct osp_manifest_file *f = osp_manifest_find_file(e->manifest, path);
    if (!f)
        return OSP_E_NOT_FOUND;
    osp_hash_to_hex(f->sha256, OSP_SHA256_BYTES, a->hex);
    snprintf(a->br_hex, sizeof a->br_hex, "%s", e->br[f - e->manifest->files]);
    a->mime = osp_path_mime_type(path);
    a->csp[0] = '\0';
    if (strncmp(a->mime, "text/html", 9) == 0)
        snprintf(a->csp, sizeof a->csp, "%s", e->csp);
    return 0;
}

static int lookup(struct osp_server *s, const char *id, const char *digest, const char *path,
                  struct asset *a)
{
    int64_t now = osp__now_ms();
    pthread_mutex_lock(&s->manifest_lock);
    struct osp__manifest_entry *e = find_entry(s, id, digest);
    if (e && now - e->checked_ms < OSP__REVOCATION_RECHECK_MS) {
        int rc = fill_asset(e, path, a);
        pthread_mutex_unlock(&s->manifest_lock);
        return rc;
    }
    pthread_mutex_unlock(&s->manifest_lock);

    if (e) {
        /* Known, but time to ask the registry whether it was revoked. */
        struct osp_version_row row;
        int rc = osp_registry_version_get(s->reg, id, digest, &row);
        pthread_mutex_lock(&s->manifest_lock);
        e = find_entry(s, id, digest);
        if (e && rc == 0) {
            e->revoked = row.revoked;
            e->checked_ms = now;
        }
        rc = e ? fill_asset(e, path, a) : OSP_E_NOT_FOUND;
        pthread_mutex_unlock(&s->manifest_lock);
        osp_version_row_clear(&row);
        return rc;
    }
    struct osp__manifest_entry fresh;
    int rc = load_entry(s, id, digest, &fresh);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&s->manifest_lock);
    if ((e = find_entry(s, id, digest)) != NULL) {
        entry_clear(&fresh); /* another request loaded it meanwhile */
    } else {
        e = &s->manifests[s->manifest_next];
        s->manifest_next = (s->manifest_next + 1) % OSP__MANIFEST_SLOTS;
        entry_clear(e);
        *e = fresh;
    }
    rc = fill_asset(e, path, a);
    pthread_mutex_unlock(&s->manifest_lock);
    return rc;
}

/* Whether the client takes brotli: "br" listed without q=0 (or "*"). */
static int accepts_br(const char *header)
{
    if (!header)
        return 0;
    int br = -1, star = -1;
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t name = strcspn(p, ";, ");
        int zero = 0;
        const char *q = memchr(p, ';', n);
        if (q) {
            q++;
            while (*q == ' ')
                q++;
            if (strncmp(q, "q=", 2) == 0) {
                double v = strtod(q + 2, NULL);
                zero = v <= 0;
            }
        }
        if (name == 2 && strncasecmp(p, "br", 2) == 0)
            br = !zero;
        else if (name == 1 && *p == '*')
            star = !zero;
        p += n;
    }
    return br >= 0 ? br : star > 0;
}

/* A whole asset response as the memory cache keeps it: the 304 head, then
 * the 200 head and the body, so that 304, HEAD and GET are each one write of
 * contiguous bytes (bytes, bytes + head304 for head200 (+ body) bytes). */
struct prebuilt {
    size_t head304, head200, body;
    unsigned char bytes[];
};

/* Everything an asset response's bytes depend on, so a key never names two
 * different responses: the served blob's hash (the body), the encoding and
 * whether a br variant exists (Content-Encoding, ETag, Vary), and the
 * digest and path (the CSP and Content-Type). */
static void response_key(const struct asset *a, int br, const char *digest, const char *path,
                         char out[OSP_BLOBCACHE_KEY_MAX + 1])
{
    snprintf(out, OSP_BLOBCACHE_KEY_MAX + 1, "%s %s%s %s/%s", br ? a->br_hex : a->hex,
             br ? "br" : "identity", a->br_hex[0] ? "+vary" : "", digest, path);
}

/* The headers of every asset response, 200 and 304 alike.  The Date
 * header is not among them: osp_http_send and osp_http_send_prebuilt add
 * it at sending time, so the rest of the response is fixed and can be
 * built once and kept in the cache. */
static void asset_headers(const struct asset *a, int br, char *out, size_t cap)
{
    snprintf(out, cap,
             "Cache-Control: public, max-age=31536000, immutable\r\n"
             "ETag: \"%s%s\"\r\n"
             "X-Content-Type-Options: nosniff\r\n"
             "Referrer-Policy: no-referrer\r\n"
             "Cross-Origin-Resource-Policy: cross-origin\r\n"
             "Access-Control-Allow-Origin: *\r\n"
             "%s%s%s%s%s",
             a->hex, br ? ".br" : "", a->br_hex[0] ? "Vary: Accept-Encoding\r\n" : "",
             br ? "Content-Encoding: br\r\n" : "", a->csp[0] ? "Content-Security-Policy: " : "",
             a->csp, a->csp[0] ? "\r\n" : "");
}

/* Reads the served blob from the store (which checks its hash: a blob that
 * no longer matches is never served), builds the whole response and hands
 * it to the memory cache, which keeps it if it fits.  Returns it with a
 * reference held, or NULL (missing or corrupt blob, reported; or out of
 * memory). */
static const struct osp_blob *build_response(struct osp_server *s, const struct asset *a, int br,
                                             const char *key)
{
    const char *hex = br ? a->br_hex : a->hex;
    char *data = NULL;
    size_t len = 0;
    int rc = osp_store_get(s->store, hex, OSP_MANIFEST_MAX_FILE_SIZE, &data, &len);
    if (rc != 0) {
        fprintf(stderr, "osp serve: blob %s: %s\n", hex, osp_error_code(rc));
        return NULL;
    }
    char *head304 = malloc(2 * OSP_HTTP_HEAD_MAX);
    char *head200 = head304 ? head304 + OSP_HTTP_HEAD_MAX : NULL;
    struct prebuilt *p = NULL;
    size_t n304 = 0, n200 = 0;
    if (head304) {
        char hdrs[ASSET_HEADERS_MAX];
        asset_headers(a, br, hdrs, sizeof hdrs);
        struct osp_http_response r304 = {304, NULL, hdrs, NULL, 0, 1};
        struct osp_http_response r200 = {200, a->mime, hdrs, NULL, len, 0};
        if (osp_http_format_head(&r304, head304, OSP_HTTP_HEAD_MAX, &n304) == 0 &&
            osp_http_format_head(&r200, head200, OSP_HTTP_HEAD_MAX, &n200) == 0)
            p = malloc(sizeof *p + n304 + n200 + len);
    }
    if (p) {
        p->head304 = n304;
        p->head200 = n200;
        p->body = len;
        memcpy(p->bytes, head304, n304);
        memcpy(p->bytes + n304, head200, n200);
        memcpy(p->bytes + n304 + n200, data, len);
    }
    free(head304);
    free(data);
    if (!p)
        return NULL;
    return osp_blobcache_put(s->blobs, key, (unsigned char *)p, sizeof *p + n304 + n200 + len);
}

static void release_blob(void *cache, const void *blob)
{
    osp_blobcache_release(cache, blob);
}

static void release_malloc(void *unused, const void *bytes)
{
    (void)unused;
    free((void *)bytes);
}

/* Answers with part of a cached prebuilt response (the reference passes to
 * the loop, which releases it once written). */
static void reply_blob(struct osp__asset_req *q, const struct osp_blob *b, const void *bytes,
                       size_t len, int status, size_t body_len)
{
    *q->out = (struct osp_evreply){bytes, len, release_blob, q->s->blobs, b, 0};
    q->stats.status = status;
    q->stats.bytes = body_len;
}

/* Answers with bytes in a new buffer (ownership passes to the loop). */
static void reply_owned(struct osp__asset_req *q, unsigned char *bytes, size_t len, int status,
                        size_t body_len)
{
    *q->out = (struct osp_evreply){bytes, len, release_malloc, NULL, bytes, 0};
    q->stats.status = status;
    q->stats.bytes = body_len;
}

void osp__asset_error(struct osp__asset_req *q, int err, const char *message)
{
    unsigned char *bytes = NULL;
    size_t len = 0, body_len = 0;
    if (osp_http_build_error(err, message, &bytes, &len, &body_len) != 0)
        return; /* out of memory: the loop closes the connection */
    reply_owned(q, bytes, len, osp_error_http_status(err), body_len);
    q->stats.error = err;
}

static int is_method(const struct osp__asset_req *q, const char *method)
{
    return strcmp(q->rq->method, method) == 0;
}

static void serve_asset(struct osp__asset_req *q, const char *rest)
{
    char id[OSP_ID_MAX_LEN + 1], digest[OSP_SHA256_HEX_BYTES];
    const char *slash = strchr(rest, '/');
    size_t idl = slash ? (size_t)(slash - rest) : 0;
    const char *d = slash ? slash + 1 : NULL, *slash2 = d ? strchr(d, '/') : NULL;
    unsigned char bin[OSP_SHA256_BYTES];
    if (!slash || idl == 0 || idl > OSP_ID_MAX_LEN || !slash2 || slash2 - d != 64) {
        osp__asset_error(q, OSP_E_NOT_FOUND, NULL);
        return;
    }
    memcpy(id, rest, idl);
    id[idl] = '\0';
    memcpy(digest, d, 64);
    digest[64] = '\0';
    const char *path = slash2 + 1;
    if (osp_manifest_check_id(id) != 0 || osp_hash_from_hex(digest, bin, sizeof bin) != 0 ||
        osp_path_check(path) != 0) {
        osp__asset_error(q, OSP_E_NOT_FOUND, NULL);
        return;
    }
    /* Every request asks the manifest cache first, so a revocation takes
     * effect within OSP__REVOCATION_RECHECK_MS even for cached responses. */
    struct asset a;
    int rc = lookup(q->s, id, digest, path, &a);
    if (rc != 0) {
        osp__asset_error(q, rc,
                         rc == OSP_E_NOT_FOUND  ? "no such file in this plugin version"
                         : rc == OSP_E_REVOKED ? "this plugin version was revoked"
                                                : NULL);
        return;
    }
    int br = a.br_hex[0] && accepts_br(osp_httpreq_header(q->rq, "Accept-Encoding"));
    char etag[OSP_SHA256_HEX_BYTES + 8], key[OSP_BLOBCACHE_KEY_MAX + 1];
    snprintf(etag, sizeof etag, "\"%s%s\"", a.hex, br ? ".br" : "");
    int not_modified = osp_http_etag_matches(osp_httpreq_header(q->rq, "If-None-Match"), etag);
    response_key(&a, br, digest, path, key);
    const struct osp_blob *b = osp_blobcache_get(q->s->blobs, key);
    if (!b && not_modified) {
        /* Not worth reading the blob for: the same head, built here. */
        char headers[ASSET_HEADERS_MAX];
        asset_headers(&a, br, headers, sizeof headers);
        struct osp_http_response r = {304, NULL, headers, NULL, 0, 1};
        unsigned char *bytes;
        size_t len, body_len;
        if (osp_http_build(&r, &bytes, &len, &body_len) == 0)
            reply_owned(q, bytes, len, 304, 0);
        else
            osp__asset_error(q, OSP_E_INTERNAL, NULL);
        return;
    }
    if (!b && !(b = build_response(q->s, &a, br, key))) {
        osp__asset_error(q, OSP_E_INTERNAL, NULL);
        return;
    }
    const struct prebuilt *p = (const struct prebuilt *)(const void *)b->data;
    if (not_modified)
        reply_blob(q, b, p->bytes, p->head304, 304, 0);
    else if (is_method(q, "HEAD"))
        reply_blob(q, b, p->bytes + p->head304, p->head200, 200, 0);
    else
        reply_blob(q, b, p->bytes + p->head304, p->head200 + p->body, 200, p->body);
}

void osp__route_plugin(struct osp__asset_req *q)
{
    if (!is_method(q, "GET") && !is_method(q, "HEAD")) {
        osp__asset_error(q, OSP_E_METHOD_NOT_ALLOWED, NULL);
        return;
    }
    const char *path = q->rq->path;
    if (strncmp(path, "/ext-ui/", 8) == 0) {
        q->route = OSP_ROUTE_ASSET;
        serve_asset(q, path + 8);
    } else if (strncmp(path, "/_osp/sdk/", 10) == 0) {
        char sdk[PATH_MAX];
        q->route = OSP_ROUTE_SDK;
        snprintf(sdk, sizeof sdk, "%s/sdk", q->s->shell_dir);
        unsigned char *bytes;
        size_t len, body_len;
        /* no-cache, as for the shell: a sandboxed frame's opaque origin
         * gets a cache partition of its own, so a longer lifetime would
         * not spare the next frame its download (measured: every frame
         * fetched it); the ETag at least makes a revalidation a 304. */
        int status = 0;
        int rc = osp__static_response(sdk, path + 10, "no-cache",
                                      "Access-Control-Allow-Origin: *\r\n"
                                      "Cross-Origin-Resource-Policy: cross-origin\r\n",
                                      is_method(q, "HEAD"),
                                      osp_httpreq_header(q->rq, "If-None-Match"), &bytes, &len,
                                      &body_len, &status);
        if (rc == 0)
            reply_owned(q, bytes, len, status, body_len);
        else
            osp__asset_error(q, rc, NULL);
    } else {
        osp__asset_error(q, OSP_E_NOT_FOUND, NULL);
    }
}
