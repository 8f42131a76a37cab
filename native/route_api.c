/* The app origin: the shell and the wasm core, and the JSON APIs — publish,
 * the registry (browse, manifests, signatures), installations with
 * consent, operator actions, the shell's installed list and data, CSP
 * reports, health and metrics.  Every refusal is
 * {"error":{"code","message"}} with its status and changes nothing. */
#include "server_internal.h"
#include "osp/bundle.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"
#include "osp/path.h"
#include "osp/perm.h"
#include "osp/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <brotli/encode.h>

#define JSON_BODY_MAX (64u * 1024u)
#define REPORT_MAX (16u * 1024u)
#define MAX_SEGMENTS 10

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

/* ---- small helpers -------------------------------------------------------- */


/* Splits path (after prefix) into '/'-separated segments, in place in buf. */
static int split(const char *path, char *buf, size_t cap, char **seg)
{
    if (strlen(path) >= cap)
        return -1;
    strcpy(buf, path);
    int n = 0;
    for (char *p = buf; *p && n < MAX_SEGMENTS;) {
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
        if (!*p)
            return -1; /* trailing slash */
    }
    return n;
}

static int bearer(struct osp__req *q, const char **token)
{
    const char *auth = mg_get_header(q->c, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return -1;
    *token = auth + 7;
    return 0;
}

/* Operator endpoints need an admin token (osp admin-token add). */

/* Reads a JSON object body (Content-Type application/json, strict). */

static int name_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int manifest_of(struct osp_server *s, const char *digest, struct osp_manifest **m)
{
    char *text = NULL;
    size_t len = 0;
    int rc = osp_store_get(s->store, digest, OSP_MANIFEST_MAX_BYTES, &text, &len);
    if (rc == 0)
        rc = osp_manifest_parse(text, len, 0, m, NULL) == 0 ? 0 : OSP_E_INTERNAL;
    free(text);
    return rc == OSP_E_NOT_FOUND ? OSP_E_INTERNAL : rc;
}

static int has_string(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0) return 1;
    return 0;
}

static int requested(const struct osp_manifest *m, const char *perm)
{
    for (size_t i = 0; i < m->n_rpc; i++)
        if (strcmp(m->rpc[i], perm) == 0)
            return 1;
    return 0;
}

/* ---- publish ------------------------------------------------------------- */

/* Text-like files get a precompressed brotli variant when it saves 10%. */
static int store_br_variant(struct osp_server *s, const struct osp_archive_entry *e,
                            const char *hex)
{
    const char *mime = osp_path_mime_type(e->path);
    int text = strncmp(mime, "text/", 5) == 0 || strcmp(mime, "application/json") == 0 ||
               strcmp(mime, "image/svg+xml") == 0 || strcmp(mime, "application/wasm") == 0;
    if (!text || e->size < 256)
        return 0;
    size_t cap = BrotliEncoderMaxCompressedSize(e->size), len = cap;
    unsigned char *out = malloc(cap ? cap : 1);
    if (!out)
        return OSP_E_NO_MEMORY;
    int rc = 0;
    if (BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, e->size,
                              e->data, &len, out) &&
        len <= e->size * 9 / 10) {
        char vhex[OSP_SHA256_HEX_BYTES];
        rc = osp_store_put(s->store, out, len, vhex);
        if (rc == 0)
            rc = osp_registry_variant_add(s->reg, hex, "br", vhex, len);
    }
    free(out);
    return rc;
}

static void refuse_with_diags(struct osp__req *q, int rc, const struct osp_diags *d)
{
    /* The first problem, in terms of the bundle, never of request bytes. */
    char msg[400];
    if (d->n > 0)
        snprintf(msg, sizeof msg, "%s%s%s", d->items[0].file, d->items[0].file[0] ? ": " : "",
                 d->items[0].message);
    osp_http_send_error(q->c, rc, d->n > 0 ? msg : NULL);
}

static void handle_publish(struct osp__req *q)
{
    struct osp_server *s = q->s;
    const char *token;
    char publisher[OSP_ID_MAX_LEN + 1];
    if (bearer(q, &token) != 0 || osp_registry_publisher_auth(s->reg, token, publisher) != 0) {
        osp_http_send_error(q->c, OSP_E_UNAUTHORIZED, "a valid publisher token is required");
        return;
    }
    const char *ct = mg_get_header(q->c, "Content-Type");
    if (!ct || (strcmp(ct, "application/vnd.osp.plugin") != 0 &&
                strcmp(ct, "application/octet-stream") != 0)) {
        osp_http_send_error(q->c, OSP_E_UNSUPPORTED_MEDIA_TYPE,
                            "send the bundle as application/vnd.osp.plugin");
        return;
    }
    char *body = NULL;
    size_t len = 0;
    int rc = osp_http_read_body(q->c, s->max_upload, &body, &len);
    if (rc != 0) {
        osp_http_send_error(q->c, rc,
                            rc == OSP_E_TOO_BIG ? "the bundle is larger than this server accepts"
                                                : NULL);
        return;
    }
    struct osp_diags d = {0};
    struct osp_bundle b = {0};
    struct osp_verified v = {0};
    struct osp_trusted_key *keys = NULL;
    size_t n_keys = 0;
    rc = osp_bundle_open(body, len, &b, &d);
    if (rc == 0) {
        /* A token publishes for its own publisher only. */
        struct osp_manifest *peek = NULL;
        if (osp_manifest_parse((const char *)b.manifest->data, b.manifest->size, 0, &peek,
                               NULL) == 0 &&
            strcmp(peek->publisher, publisher) != 0) {
            osp_diag_add(&d, OSP_E_FORBIDDEN, "osplugin.json", "/publisher", NULL,
                         "this token publishes for %s, not for %s", publisher, peek->publisher);
            rc = OSP_E_FORBIDDEN;
        }
        osp_manifest_free(peek);
    }
    if (rc == 0)
        rc = osp_registry_trust_load(s->reg, publisher, &keys, &n_keys);
    if (rc == 0) {
        struct osp_trust trust = {keys, n_keys};
        rc = osp_bundle_verify(&b, &trust, now_seconds(), &v, &d);
    }
    /* A version that would be refused (not newer, another publisher's id)
     * is refused before any blob is written: a refusal changes nothing. */
    int reg_rc = 0; /* the registry's refusal, explained below */
    if (rc == 0)
        rc = reg_rc = osp_registry_version_check(s->reg, v.manifest, v.digest);
    /* Every blob (and variant) is durable before the registry row that
     * names it: a crash leaves the store as before or as after. */
    char hex[OSP_SHA256_HEX_BYTES];
    for (size_t i = 0; rc == 0 && i < v.manifest->n_files; i++) {
        const struct osp_archive_entry *e = osp_archive_find(b.archive, v.manifest->files[i].path);
        rc = osp_store_put(s->store, e->data, e->size, hex);
        if (rc == 0)
            rc = store_br_variant(s, e, hex);
    }
    if (rc == 0)
        rc = osp_store_put(s->store, b.manifest->data, b.manifest->size, hex);
    int created = 0;
    if (rc == 0) {
        char *sig = strndup((const char *)b.signature->data, b.signature->size);
        rc = reg_rc = sig ? osp_registry_version_add(s->reg, v.manifest, v.digest, sig,
                                                     v.keyid, now_seconds(), &created)
                          : OSP_E_NO_MEMORY;
        free(sig);
    }
    if (reg_rc == OSP_E_CONFLICT)
        osp_diag_add(&d, reg_rc, "", "", NULL,
                     "version %s of %s is not newer than every published version",
                     v.manifest->version, v.manifest->id);
    else if (reg_rc == OSP_E_FORBIDDEN)
        osp_diag_add(&d, reg_rc, "", "", NULL, "plugin id %s belongs to another publisher",
                     v.manifest->id);
    if (rc == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", v.manifest->id);
        cJSON_AddStringToObject(o, "version", v.manifest->version);
        cJSON_AddStringToObject(o, "digest", v.digest);
        cJSON_AddBoolToObject(o, "created", created);
        osp_metrics_publish(s->metrics, created);
        osp__send_json(q, created ? 201 : 200, o);
    } else if (rc == OSP_E_IO) {
        /* The publisher learns nothing about the disk; the operator does. */
        fprintf(stderr,
                "osp serve: publish of %s %s failed: a blob could not be written and synced "
                "under %s/blobs (disk full or failing?); nothing was registered\n",
                v.manifest->id, v.manifest->version, s->data_dir);
        osp_http_send_error(q->c, OSP_E_INTERNAL,
                            "the bundle could not be stored durably; nothing changed");
    } else {
        refuse_with_diags(q, rc, &d);
    }
    free(keys);
    osp_verified_clear(&v);
    if (b.archive)
        osp_bundle_close(&b);
    osp_diags_free(&d);
    free(body);
}

/* ---- registry browsing ---------------------------------------------------- */

static cJSON *version_json(struct osp_server *s, const struct osp_version_row *v, int details)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "version", v->version);
    cJSON_AddStringToObject(o, "digest", v->digest);
    cJSON_AddStringToObject(o, "keyid", v->keyid);
    cJSON_AddNumberToObject(o, "published_at", (double)v->published_at);
    cJSON_AddBoolToObject(o, "revoked", v->revoked);
    if (v->revoked)
        cJSON_AddNumberToObject(o, "revoked_at", (double)v->revoked_at);
    struct osp_manifest *m = NULL;
    if (details && manifest_of(s, v->digest, &m) == 0) {
        cJSON *perms = cJSON_AddArrayToObject(o, "permissions");
        for (size_t i = 0; i < m->n_rpc; i++)
            cJSON_AddItemToArray(perms, cJSON_CreateString(m->rpc[i]));
        cJSON_AddStringToObject(o, "engines", m->engines);
    }
    osp_manifest_free(m);
    return o;
}

static void handle_plugins(struct osp__req *q)
{
    char query[129] = "";
    const char *qs = q->ri->query_string;
    if (qs && mg_get_var(qs, strlen(qs), "q", query, sizeof query) < -1) {
        osp_http_send_error(q->c, OSP_E_BAD_REQUEST, "the search text is too long");
        return;
    }
    struct osp_plugin_row *list = NULL;
    size_t n = 0;
    if (osp_registry_plugins(q->s->reg, query, &list, &n) != 0) {
        osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "plugins");
    for (size_t i = 0; i < n; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "id", list[i].id);
        cJSON_AddStringToObject(p, "name", list[i].name);
        cJSON_AddStringToObject(p, "description", list[i].description);
        cJSON_AddStringToObject(p, "publisher", list[i].publisher);
        cJSON_AddNumberToObject(p, "versions", list[i].versions);
        if (list[i].latest_version[0]) {
            cJSON *l = cJSON_AddObjectToObject(p, "latest");
            cJSON_AddStringToObject(l, "version", list[i].latest_version);
            cJSON_AddStringToObject(l, "digest", list[i].latest_digest);
        } else {
            cJSON_AddNullToObject(p, "latest");
        }
        cJSON_AddItemToArray(arr, p);
    }
    osp_registry_plugins_free(list, n);
    osp__send_json(q, 200, o);
}

static void handle_plugin(struct osp__req *q, char **seg, int n)
{
    const char *id = seg[0];
    if (osp_manifest_check_id(id) != 0) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, "no such plugin");
        return;
    }
    if (n == 1) {
        struct osp_version_row *versions = NULL;
        size_t nv = 0;
        if (osp_registry_versions(q->s->reg, id, &versions, &nv) != 0 || nv == 0) {
            osp_registry_versions_free(versions, nv);
            osp_http_send_error(q->c, OSP_E_NOT_FOUND, "no such plugin");
            return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "publisher", versions[0].publisher);
        cJSON *arr = cJSON_AddArrayToObject(o, "versions");
        for (size_t i = 0; i < nv; i++)
            cJSON_AddItemToArray(arr, version_json(q->s, &versions[i], 1));
        osp_registry_versions_free(versions, nv);
        osp__send_json(q, 200, o);
        return;
    }
    struct osp_version_row v;
    if (n != 3 || osp_registry_version_get(q->s->reg, id, seg[1], &v) != 0) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        return;
    }
    if (strcmp(seg[2], "signature") == 0) {
        struct osp_http_response r = {200, "text/plain; charset=utf-8",
                                      "Cache-Control: public, max-age=31536000, immutable\r\n"
                                      "X-Content-Type-Options: nosniff\r\n",
                                      v.signature, strlen(v.signature), osp__is_method(q, "HEAD")};
        osp_http_send(q->c, &r);
    } else if (strcmp(seg[2], "manifest") == 0) {
        /* The exact signed bytes, so clients can verify them. */
        char *text = NULL;
        size_t len = 0;
        int rc = osp_store_get(q->s->store, v.digest, OSP_MANIFEST_MAX_BYTES, &text, &len);
        if (rc != 0) {
            osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
        } else {
            struct osp_http_response r = {200, "application/json",
                                          "Cache-Control: public, max-age=31536000, immutable\r\n"
                                          "X-Content-Type-Options: nosniff\r\n",
                                          text, len, osp__is_method(q, "HEAD")};
            osp_http_send(q->c, &r);
        }
        free(text);
    } else {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
    }
    osp_version_row_clear(&v);
}

/* ---- installations (operator) ------------------------------------------- */

static cJSON *installation_json(struct osp_server *s, const struct osp_installation *in)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "tenant", in->tenant);
    cJSON_AddStringToObject(o, "plugin", in->version.plugin_id);
    cJSON_AddStringToObject(o, "version", in->version.version);
    cJSON_AddStringToObject(o, "digest", in->version.digest);
    cJSON_AddBoolToObject(o, "enabled", in->enabled);
    cJSON_AddBoolToObject(o, "in_app", in->in_app);
    cJSON_AddBoolToObject(o, "revoked", in->version.revoked);
    cJSON *grants = cJSON_Parse(in->grants_json);
    cJSON *pending = cJSON_CreateArray();
    struct osp_manifest *m = NULL;
    if (manifest_of(s, in->version.digest, &m) == 0)
        for (size_t i = 0; i < m->n_rpc; i++)
            if (!has_string(grants, m->rpc[i]))
                cJSON_AddItemToArray(pending, cJSON_CreateString(m->rpc[i]));
    osp_manifest_free(m);
    cJSON_AddItemToObject(o, "grants", grants ? grants : cJSON_CreateArray());
    /* Requested but not granted: what an upgrade added, awaiting consent. */
    cJSON_AddItemToObject(o, "pending", pending);
    return o;
}

static void send_installation(struct osp__req *q, const char *tenant, const char *id, int status)
{
    struct osp_installation in;
    if (osp_registry_installation_get(q->s->reg, tenant, id, &in) != 0) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, "not installed");
        return;
    }
    osp__send_json(q, status, installation_json(q->s, &in));
    osp_installation_clear(&in);
}

/* The version a request names: "latest" (default) or an exact version. */
static int pick_version(struct osp__req *q, const char *id, const char *version,
                        struct osp_version_row *v)
{
    int rc;
    if (!version || strcmp(version, "latest") == 0) {
        rc = osp_registry_version_latest(q->s->reg, id, v);
    } else {
        struct osp_version_row *all = NULL;
        size_t n = 0;
        rc = osp_registry_versions(q->s->reg, id, &all, &n);
        if (rc == 0) {
            rc = OSP_E_NOT_FOUND;
            for (size_t i = 0; i < n && rc; i++)
                if (strcmp(all[i].version, version) == 0) {
                    *v = all[i];
                    memset(&all[i], 0, sizeof all[i]);
                    rc = 0;
                }
        }
        osp_registry_versions_free(all, n);
    }
    if (rc == 0 && v->revoked) {
        osp_version_row_clear(v);
        osp_http_send_error(q->c, OSP_E_REVOKED, "that version was revoked");
        return -1;
    }
    if (rc != 0) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, "no such plugin version");
        return -1;
    }
    return 0;
}

static void handle_consent(struct osp__req *q, const char *tenant, const char *id)
{
    char version[65] = "latest";
    const char *qs = q->ri->query_string;
    if (qs)
        mg_get_var(qs, strlen(qs), "version", version, sizeof version);
    struct osp_version_row v;
    if (pick_version(q, id, version, &v) != 0)
        return;
    struct osp_manifest *m = NULL;
    if (manifest_of(q->s, v.digest, &m) != 0) {
        osp_version_row_clear(&v);
        osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
        return;
    }
    struct osp_installation in;
    int installed = osp_registry_installation_get(q->s->reg, tenant, id, &in) == 0;
    cJSON *granted = installed ? cJSON_Parse(in.grants_json) : NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "plugin", id);
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "publisher", m->publisher);
    cJSON_AddStringToObject(o, "version", v.version);
    cJSON_AddStringToObject(o, "digest", v.digest);
    cJSON *arr = cJSON_AddArrayToObject(o, "requested");
    for (size_t i = 0; i < m->n_rpc; i++) {
        char means[160];
        cJSON *p = cJSON_CreateObject();
        osp_perm_describe(m->rpc[i], means, sizeof means);
        cJSON_AddStringToObject(p, "permission", m->rpc[i]);
        cJSON_AddStringToObject(p, "means", means);
        cJSON_AddBoolToObject(p, "granted", has_string(granted, m->rpc[i]));
        cJSON_AddItemToArray(arr, p);
    }
    cJSON *conn = cJSON_AddArrayToObject(o, "connect");
    for (size_t i = 0; i < m->n_connect; i++)
        cJSON_AddItemToArray(conn, cJSON_CreateString(m->connect[i]));
    cJSON *img = cJSON_AddArrayToObject(o, "img");
    for (size_t i = 0; i < m->n_img; i++)
        cJSON_AddItemToArray(img, cJSON_CreateString(m->img[i]));
    cJSON_Delete(granted);
    if (installed)
        osp_installation_clear(&in);
    osp_manifest_free(m);
    osp_version_row_clear(&v);
    osp__send_json(q, 200, o);
}

/* Grants from a request body: strings the manifest requests, each once. */
static int read_grants(struct osp__req *q, const cJSON *arr, const struct osp_manifest *m,
                       char **json)
{
    *json = NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > OSP_GRANTS_MAX) {
        osp_http_send_error(q->c, OSP_E_INVALID_PARAMS, "grants must be an array of permissions");
        return -1;
    }
    cJSON *out = cJSON_CreateArray();
    const cJSON *g;
    cJSON_ArrayForEach(g, arr)
    {
        if (!cJSON_IsString(g) || !requested(m, g->valuestring)) {
            char msg[160];
            snprintf(msg, sizeof msg, "%.80s is not a permission this version requests",
                     cJSON_IsString(g) ? g->valuestring : "a non-string");
            cJSON_Delete(out);
            osp_http_send_error(q->c, OSP_E_BAD_PERMISSION, msg);
            return -1;
        }
        if (!has_string(out, g->valuestring))
            cJSON_AddItemToArray(out, cJSON_CreateString(g->valuestring));
    }
    *json = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    return *json ? 0 : -1;
}

/* PUT: install, or move an installation to another version.  An upgrade
 * without explicit grants keeps what was granted that the new version
 * still requests; anything new stays off until granted. */
static void put_installation(struct osp__req *q, const char *tenant, const char *id)
{
    cJSON *body = NULL;
    if (osp__json_body(q, &body) != 0)
        return;
    const cJSON *ver = osp_json_get(body, "version"), *grants = osp_json_get(body, "grants");
    struct osp_version_row v;
    struct osp_manifest *m = NULL;
    struct osp_installation old;
    char *grants_json = NULL;
    int had = 0;
    if (ver && !cJSON_IsString(ver)) {
        osp_http_send_error(q->c, OSP_E_INVALID_PARAMS, "version must be a string");
        goto out;
    }
    if (pick_version(q, id, ver ? ver->valuestring : NULL, &v) != 0)
        goto out;
    if (manifest_of(q->s, v.digest, &m) != 0) {
        osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
        goto out_v;
    }
    had = osp_registry_installation_get(q->s->reg, tenant, id, &old) == 0;
    if (grants) {
        if (read_grants(q, grants, m, &grants_json) != 0)
            goto out_v;
    } else if (had) {
        cJSON *kept = cJSON_CreateArray(), *prev = cJSON_Parse(old.grants_json);
        const cJSON *g;
        cJSON_ArrayForEach(g, prev) if (cJSON_IsString(g) && requested(m, g->valuestring))
            cJSON_AddItemToArray(kept, cJSON_CreateString(g->valuestring));
        grants_json = cJSON_PrintUnformatted(kept);
        cJSON_Delete(kept);
        cJSON_Delete(prev);
    } else {
        osp_http_send_error(q->c, OSP_E_INVALID_PARAMS,
                            "a new installation needs grants (see .../consent)");
        goto out_v;
    }
    int rc = grants_json ? osp_registry_install(q->s->reg, tenant, id, v.digest, grants_json,
                                                now_seconds())
                         : OSP_E_NO_MEMORY;
    if (rc != 0) {
        osp_http_send_error(q->c, rc, NULL);
    } else {
        cJSON *detail = cJSON_CreateObject();
        cJSON_AddStringToObject(detail, "version", v.version);
        cJSON_AddItemToObject(detail, "grants", cJSON_Parse(grants_json));
        if (had)
            cJSON_AddItemToObject(detail, "previous_grants", cJSON_Parse(old.grants_json));
        osp__audit(q, tenant, had ? "installation.change" : "installation.install", id, detail);
        send_installation(q, tenant, id, had ? 200 : 201);
    }
out_v:
    osp_version_row_clear(&v);
out:
    if (had)
        osp_installation_clear(&old);
    cJSON_free(grants_json);
    osp_manifest_free(m);
    cJSON_Delete(body);
}

static void patch_installation(struct osp__req *q, const char *tenant, const char *id)
{
    cJSON *body = NULL;
    struct osp_installation in;
    if (osp_registry_installation_get(q->s->reg, tenant, id, &in) != 0) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, "not installed");
        return;
    }
    if (osp__json_body(q, &body) != 0) {
        osp_installation_clear(&in);
        return;
    }
    const cJSON *enabled = osp_json_get(body, "enabled"), *grants = osp_json_get(body, "grants");
    const cJSON *in_app = osp_json_get(body, "in_app");
    char *grants_json = NULL;
    struct osp_manifest *m = NULL;
    int ok = 1;
    for (const cJSON *k = body->child; k && ok; k = k->next)
        if (strcmp(k->string, "enabled") != 0 && strcmp(k->string, "grants") != 0 &&
            strcmp(k->string, "in_app") != 0) {
            osp_http_send_error(q->c, OSP_E_INVALID_PARAMS,
                                "only enabled, grants and in_app can change");
            ok = 0;
        }
    if (ok && ((enabled && !cJSON_IsBool(enabled)) || (in_app && !cJSON_IsBool(in_app)))) {
        osp_http_send_error(q->c, OSP_E_INVALID_PARAMS, "enabled and in_app must be true or false");
        ok = 0;
    }
    /* In-app code runs in the app's own origin, with the user's session:
     * only the operator may allow it, and only for a verified publisher. */
    if (ok && in_app && cJSON_IsTrue(in_app)) {
        if (strncmp(q->actor, "operator:", 9) != 0) {
            osp_http_send_error(q->c, OSP_E_FORBIDDEN, "only the operator may allow in-app loading");
            ok = 0;
        } else if (osp_registry_publisher_verified(q->s->reg, in.version.publisher) != 1) {
            osp_http_send_error(q->c, OSP_E_FORBIDDEN,
                                "in-app loading is only for verified publishers");
            ok = 0;
        }
    }
    if (ok && grants) {
        ok = manifest_of(q->s, in.version.digest, &m) == 0;
        if (!ok)
            osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
        else
            ok = read_grants(q, grants, m, &grants_json) == 0;
    }
    if (ok) {
        /* Both changes or neither: validate first, then write. */
        int rc = 0;
        if (grants_json)
            rc = osp_registry_set_grants(q->s->reg, tenant, id, grants_json);
        if (rc == 0 && enabled)
            rc = osp_registry_set_enabled(q->s->reg, tenant, id, cJSON_IsTrue(enabled));
        if (rc == 0 && in_app)
            rc = osp_registry_set_in_app(q->s->reg, tenant, id, cJSON_IsTrue(in_app));
        if (rc != 0) {
            osp_http_send_error(q->c, rc, NULL);
        } else {
            cJSON *detail = cJSON_CreateObject();
            if (grants_json) {
                cJSON_AddItemToObject(detail, "grants", cJSON_Parse(grants_json));
                cJSON_AddItemToObject(detail, "previous_grants", cJSON_Parse(in.grants_json));
            }
            if (enabled)
                cJSON_AddBoolToObject(detail, "enabled", cJSON_IsTrue(enabled));
            if (in_app)
                cJSON_AddBoolToObject(detail, "in_app", cJSON_IsTrue(in_app));
            osp__audit(q, tenant, "installation.change", id, detail);
            send_installation(q, tenant, id, 200);
        }
    }
    cJSON_free(grants_json);
    osp_manifest_free(m);
    cJSON_Delete(body);
    osp_installation_clear(&in);
}

static void handle_installations(struct osp__req *q, char **seg, int n)
{
    /* seg: <tenant> "installations" [<plugin> ["consent"]] */
    const char *tenant = seg[0];
    if (!name_ok(tenant, OSP_TENANT_MAX_LEN) || strcmp(seg[1], "installations") != 0 ||
        (n >= 3 && osp_manifest_check_id(seg[2]) != 0) ||
        (n == 4 && strcmp(seg[3], "consent") != 0) || n > 4) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        return;
    }
    if (osp__require_admin(q, tenant) != 0)
        return;
    int get = osp__is_method(q, "GET");
    if (n == 2 && get) {
        struct osp_installation *list = NULL;
        size_t count = 0;
        if (osp_registry_installations_where(q->s->reg, tenant, NULL, 1, &list, &count) != 0) {
            osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
            return;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(o, "installations");
        for (size_t i = 0; i < count; i++)
            cJSON_AddItemToArray(arr, installation_json(q->s, &list[i]));
        osp_registry_installations_free(list, count);
        osp__send_json(q, 200, o);
    } else if (n == 4 && get) {
        handle_consent(q, tenant, seg[2]);
    } else if (n == 3 && get) {
        send_installation(q, tenant, seg[2], 200);
    } else if (n == 3 && osp__is_method(q, "PUT")) {
        put_installation(q, tenant, seg[2]);
    } else if (n == 3 && osp__is_method(q, "PATCH")) {
        patch_installation(q, tenant, seg[2]);
    } else if (n == 3 && osp__is_method(q, "DELETE")) {
        int rc = osp_registry_uninstall(q->s->reg, tenant, seg[2]);
        if (rc != 0) {
            osp_http_send_error(q->c, rc, rc == OSP_E_NOT_FOUND ? "not installed" : NULL);
        } else {
            osp__audit(q, tenant, "installation.uninstall", seg[2], NULL);
            osp__send_json(q, 200, cJSON_Parse("{\"uninstalled\":true}"));
        }
    } else {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
    }
}

/* ---- operator actions ------------------------------------------------------ */

static void send_token(struct osp__req *q, int status, const char *name, const char *token)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "publisher", name);
    cJSON_AddStringToObject(o, "token", token);
    osp__send_json(q, status, o);
}

static void handle_admin(struct osp__req *q, char **seg, int n)
{
    if (osp__require_admin(q, NULL) != 0)
        return;
    struct osp_server *s = q->s;
    int post = osp__is_method(q, "POST");
    cJSON *body = NULL;
    char token[OSP_TOKEN_LEN + 1];
    int rc = OSP_E_NOT_FOUND;
    const char *msg = NULL;
    if (n == 1 && strcmp(seg[0], "publishers") == 0 && post) {
        /* {name, key, verified} → the new publisher's token, once. */
        if (osp__json_body(q, &body) != 0)
            return;
        const char *name = osp_json_get_string(body, "name");
        const char *key = osp_json_get_string(body, "key");
        struct osp_pubkey pk;
        if (!name || !key || osp_sig_parse_pubkey(key, strlen(key), &pk) != 0) {
            rc = OSP_E_INVALID_PARAMS;
            msg = "give name and key (a minisign public key)";
        } else {
            rc = osp_registry_publisher_add(s->reg, name, &pk,
                                            cJSON_IsTrue(osp_json_get(body, "verified")),
                                            now_seconds(), token);
            if (rc == 0)
                send_token(q, 201, name, token);
            msg = rc == OSP_E_CONFLICT ? "that publisher or key exists" : NULL;
        }
    } else if (n == 3 && strcmp(seg[0], "publishers") == 0 && strcmp(seg[2], "token") == 0 &&
               post) {
        rc = name_ok(seg[1], OSP_ID_MAX_LEN)
                 ? osp_registry_publisher_new_token(s->reg, seg[1], token)
                 : OSP_E_NOT_FOUND;
        if (rc == 0)
            send_token(q, 200, seg[1], token);
    } else if (n == 3 && strcmp(seg[0], "publishers") == 0 && strcmp(seg[2], "keys") == 0 &&
               post) {
        if (osp__json_body(q, &body) != 0)
            return;
        const char *key = osp_json_get_string(body, "key");
        struct osp_pubkey pk;
        if (!key || osp_sig_parse_pubkey(key, strlen(key), &pk) != 0) {
            rc = OSP_E_INVALID_PARAMS;
            msg = "key must be a minisign public key";
        } else if ((rc = osp_registry_key_add(s->reg, seg[1], &pk, now_seconds())) == 0) {
            osp__send_json(q, 201, cJSON_Parse("{\"added\":true}"));
        }
    } else if (n == 5 && strcmp(seg[0], "publishers") == 0 && strcmp(seg[2], "keys") == 0 &&
               post && (strcmp(seg[4], "retire") == 0 || strcmp(seg[4], "revoke") == 0)) {
        if (strcmp(seg[4], "retire") == 0)
            rc = osp_registry_key_retire(s->reg, seg[1], seg[3], now_seconds());
        else
            rc = osp_registry_key_revoke(s->reg, seg[1], seg[3]);
        if (rc == 0)
            osp__send_json(q, 200, cJSON_Parse(strcmp(seg[4], "retire") == 0 ? "{\"retired\":true}"
                                                                         : "{\"revoked\":true}"));
    } else if (n == 5 && strcmp(seg[0], "plugins") == 0 && strcmp(seg[2], "versions") == 0 &&
               strcmp(seg[4], "revoke") == 0 && post) {
        rc = osp_manifest_check_id(seg[1]) == 0
                 ? osp_registry_version_revoke(s->reg, seg[1], seg[3], now_seconds())
                 : OSP_E_NOT_FOUND;
        if (rc == 0) {
            osp__forget_plugin(s, seg[1]);
            osp__send_json(q, 200, cJSON_Parse("{\"revoked\":true}"));
        }
        msg = "no such version, or already revoked";
    } else if (!post) {
        rc = OSP_E_METHOD_NOT_ALLOWED;
    }
    if (rc != 0) {
        osp_http_send_error(q->c, rc, rc == OSP_E_NOT_FOUND && !msg ? "no such publisher or key"
                                                                    : msg);
    } else {
        /* "publishers/acme/keys/<id>/revoke" → action "admin.publishers.keys.revoke". */
        char action[96] = "admin";
        for (int i = 0; i < n; i += 2)
            snprintf(action + strlen(action), sizeof action - strlen(action), ".%.20s", seg[i]);
        cJSON *detail = cJSON_CreateObject();
        for (int i = 1; i < n; i += 2)
            cJSON_AddStringToObject(detail, seg[i - 1], seg[i]);
        osp__audit(q, "", action, "", detail);
    }
    cJSON_Delete(body);
}

/* ---- the shell's own API -------------------------------------------------- */

static cJSON *keys_json(struct osp_server *s, const char *publisher)
{
    struct osp_trusted_key *keys = NULL;
    size_t n = 0;
    cJSON *arr = cJSON_CreateArray();
    if (!arr || osp_registry_trust_load(s->reg, publisher, &keys, &n) != 0)
        return arr;
    for (size_t i = 0; i < n; i++) {
        char b64[64];
        cJSON *k = cJSON_CreateObject();
        osp_sig_pubkey_base64(&keys[i].key, b64, sizeof b64);
        cJSON_AddStringToObject(k, "publisher", keys[i].publisher);
        cJSON_AddStringToObject(k, "key", b64);
        cJSON_AddNumberToObject(k, "retired_at", (double)keys[i].retired_at);
        cJSON_AddBoolToObject(k, "revoked", keys[i].revoked);
        cJSON_AddBoolToObject(k, "verified", keys[i].verified);
        cJSON_AddItemToArray(arr, k);
    }
    free(keys);
    return arr;
}

static void handle_installed(struct osp__req *q)
{
    struct osp_server *s = q->s;
    struct osp_installation *list = NULL;
    size_t n = 0;
    const struct osp_session *me = osp__require_session(q);
    if (!me)
        return;
    if (osp_registry_installations(s->reg, me->user.tenant, &list, &n) != 0) {
        osp_http_send_error(q->c, OSP_E_INTERNAL, NULL);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "tenant", me->user.tenant);
    cJSON_AddStringToObject(root, "plugin_origin", s->plugin_origin);
    if (s->dev) /* the shell loads its dev overlay (shell/dev.js) */
        cJSON_AddBoolToObject(root, "dev", 1);
    cJSON *plugins = cJSON_AddArrayToObject(root, "plugins");
    for (size_t i = 0; i < n; i++) {
        const struct osp_version_row *v = &list[i].version;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "id", v->plugin_id);
        cJSON_AddStringToObject(p, "version", v->version);
        cJSON_AddStringToObject(p, "digest", v->digest);
        cJSON_AddStringToObject(p, "publisher", v->publisher);
        cJSON_AddNumberToObject(p, "published_at", (double)v->published_at);
        cJSON_AddBoolToObject(p, "revoked", v->revoked);
        /* The manifest goes out as stored, unchecked: the shell verifies it
         * in wasm, so a blob changed behind the server's back fails there. */
        char path[PATH_MAX], *text = NULL;
        size_t len = 0;
        if (osp_store_path(s->store, v->digest, path, sizeof path) == 0 &&
            osp_fs_read(path, OSP_MANIFEST_MAX_BYTES, &text, &len) == 0 &&
            osp_json_check_utf8(text, len) == 0)
            cJSON_AddStringToObject(p, "manifest", text);
        else
            cJSON_AddNullToObject(p, "manifest");
        free(text);
        cJSON_AddStringToObject(p, "signature", v->signature);
        cJSON_AddItemToObject(p, "keys", keys_json(s, v->publisher));
        cJSON *grants = cJSON_Parse(list[i].grants_json);
        cJSON_AddItemToObject(p, "grants", grants ? grants : cJSON_CreateArray());
        /* The shell still checks the signer is verified, in wasm. */
        cJSON_AddBoolToObject(p, "in_app", list[i].in_app);
        cJSON_AddItemToArray(plugins, p);
    }
    osp_registry_installations_free(list, n);
    osp__send_json(q, 200, root);
}

/* The server's own check of a data call: the plugin named by the host SDK
 * must be installed for this tenant with a grant for the operation.  The
 * relay in the browser checked the same, but a client that skips it must
 * gain nothing. */

static void handle_csp_report(struct osp__req *q)
{
    char *body = NULL;
    size_t len = 0;
    if (osp_http_read_body(q->c, REPORT_MAX, &body, &len) == 0) {
        cJSON *j = NULL;
        if (osp_json_parse(body, len, NULL, &j, NULL) == 0) {
            char *line = cJSON_PrintUnformatted(j);
            if (line)
                fprintf(stderr, "{\"event\":\"csp-report\",\"report\":%s}\n", line);
            cJSON_free(line);
            osp_reports_add(q->s->reports, j);
            cJSON_Delete(j);
        }
    }
    free(body);
    struct osp_http_response r = {204, NULL, NULL, NULL, 0, 0};
    osp_http_send(q->c, &r);
}

static void handle_metrics(struct osp__req *q)
{
    char *text = NULL;
    size_t len = 0;
    if (osp_metrics_render(q->s->metrics, &text, &len) != 0) {
        osp_http_send_error(q->c, OSP_E_NO_MEMORY, NULL);
        return;
    }
    struct osp_http_response r = {200, "text/plain; version=0.0.4; charset=utf-8",
                                  "Cache-Control: no-store\r\n", text, len,
                                  osp__is_method(q, "HEAD")};
    osp_http_send(q->c, &r);
    free(text);
}

void osp__route_app(struct osp__req *q)
{
    const char *p = q->path;
    int get = osp__is_method(q, "GET") || osp__is_method(q, "HEAD");
    char buf[512], *seg[MAX_SEGMENTS];
    int n;
    if (strcmp(p, "/api/v1/plugins") == 0) {
        q->route = osp__is_method(q, "POST") ? OSP_ROUTE_PUBLISH : OSP_ROUTE_REGISTRY;
        if (osp__is_method(q, "POST"))
            handle_publish(q);
        else if (get)
            handle_plugins(q);
        else
            osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
    } else if (strncmp(p, "/api/v1/plugins/", 16) == 0) {
        q->route = OSP_ROUTE_REGISTRY;
        if (!get)
            osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
        else if ((n = split(p + 16, buf, sizeof buf, seg)) <= 0)
            osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        else
            handle_plugin(q, seg, n);
    } else if (strncmp(p, "/api/v1/tenants/", 16) == 0) {
        q->route = OSP_ROUTE_INSTALLATIONS;
        if ((n = split(p + 16, buf, sizeof buf, seg)) < 2)
            osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        else
            handle_installations(q, seg, n);
    } else if (strncmp(p, "/api/v1/admin/", 14) == 0) {
        q->route = OSP_ROUTE_ADMIN;
        if ((n = split(p + 14, buf, sizeof buf, seg)) < 1)
            osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        else
            handle_admin(q, seg, n);
    } else if (osp__route_data(q)) {
        /* sessions, records, storage, audit, schema */
    } else if (osp__route_dev(q)) {
        /* osp dev: build state, CSP reports */
    } else if (strcmp(p, "/api/v1/csp-reports") == 0 && osp__is_method(q, "POST")) {
        q->route = OSP_ROUTE_CSP_REPORT;
        handle_csp_report(q);
    } else if (!get) {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
    } else if (strcmp(p, "/api/v1/installed") == 0) {
        q->route = OSP_ROUTE_INSTALLED;
        handle_installed(q);
    } else if (strcmp(p, "/") == 0 || strcmp(p, "/index.html") == 0) {
        char headers[1400];
        q->route = OSP_ROUTE_SHELL;
        snprintf(headers, sizeof headers,
                 "Content-Security-Policy: %s\r\nX-Frame-Options: DENY\r\n", q->s->shell_csp);
        osp__send_file(q, q->s->shell_dir, "index.html", headers);
    } else if (strncmp(p, "/shell/", 7) == 0) {
        q->route = OSP_ROUTE_SHELL;
        osp__send_file(q, q->s->shell_dir, p + 7, NULL);
    } else if (strncmp(p, "/core/", 6) == 0) {
        q->route = OSP_ROUTE_CORE;
        osp__send_file(q, q->s->core_dir, p + 6, NULL);
    } else if (strcmp(p, "/healthz") == 0) {
        q->route = OSP_ROUTE_HEALTH;
        osp_http_send_json(q->c, 200, "{\"status\":\"ok\"}", 15);
    } else if (strcmp(p, "/metrics") == 0) {
        q->route = OSP_ROUTE_METRICS;
        handle_metrics(q);
    } else {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
    }
}
