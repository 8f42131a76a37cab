/* The core's JSON boundary (see include/osp/api.h). */
#include "osp/api.h"
#include "osp/bundle.h"
#include "osp/csp.h"
#include "osp/error.h"
#include "osp/frame.h"
#include "osp/json.h"
#include "osp/manifest.h"
#include "osp/relay.h"
#include "osp/rpc.h"
#include "osp/verify.h"
#include "osp/version.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *print(cJSON *root)
{
    char *out = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return out;
}

static cJSON *ok_object(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    return o;
}

static char *failure(int code, const char *message, const struct osp_diags *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(o, "code", osp_error_code(code));
    cJSON_AddStringToObject(o, "message",
                            message ? message
                                    : (d && d->n ? d->items[0].message : osp_strerror(code)));
    cJSON *arr = cJSON_AddArrayToObject(o, "diagnostics");
    for (size_t i = 0; d && i < d->n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "code", osp_error_code(d->items[i].code));
        cJSON_AddStringToObject(e, "file", d->items[i].file);
        cJSON_AddStringToObject(e, "pointer", d->items[i].pointer);
        cJSON_AddStringToObject(e, "message", d->items[i].message);
        cJSON_AddStringToObject(e, "hint", d->items[i].hint);
        cJSON_AddItemToArray(arr, e);
    }
    return print(o);
}

static cJSON *string_array(char **items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

static cJSON *manifest_json(const struct osp_manifest *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", m->id);
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "version", m->version);
    cJSON_AddStringToObject(o, "publisher", m->publisher);
    cJSON *list = cJSON_AddArrayToObject(o, "contributions");
    for (size_t i = 0; i < m->n_contributions; i++) {
        const struct osp_contribution *k = &m->contributions[i];
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", k->id);
        cJSON_AddStringToObject(c, "surface", osp_manifest_surface_name(k->surface));
        if (k->title)
            cJSON_AddStringToObject(c, "title", k->title);
        cJSON_AddStringToObject(c, "entry", k->entry);
        if (k->module)
            cJSON_AddStringToObject(c, "module", k->module);
        if (k->target[0])
            cJSON_AddStringToObject(c, "target", k->target);
        cJSON_AddNumberToObject(c, "height", k->height);
        cJSON_AddItemToArray(list, c);
    }
    cJSON_AddItemToObject(o, "rpc", string_array(m->rpc, m->n_rpc));
    cJSON_AddItemToObject(o, "connect", string_array(m->connect, m->n_connect));
    cJSON_AddItemToObject(o, "img", string_array(m->img, m->n_img));
    return o;
}

char *osp_api_manifest_check(const char *manifest, size_t len)
{
    struct osp_manifest *m = NULL;
    struct osp_diags d = {0};
    int rc = osp_manifest_parse(manifest, len, 0, &m, &d);
    osp_diags_set_file(&d, 0, "osplugin.json");
    char *out;
    if (rc != 0) {
        out = failure(rc, NULL, &d);
    } else {
        cJSON *o = ok_object();
        cJSON_AddItemToObject(o, "manifest", manifest_json(m));
        out = print(o);
    }
    osp_manifest_free(m);
    osp_diags_free(&d);
    return out;
}

/* Reads keys_json into a trust set; returns the count or -1. */
static long read_keys(const char *keys_json, struct osp_trusted_key **out)
{
    cJSON *arr = NULL;
    *out = NULL;
    if (!keys_json || osp_json_parse(keys_json, strlen(keys_json), NULL, &arr, NULL) != 0)
        return -1;
    long n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    if (n < 0 || n > 256 || !(*out = calloc((size_t)(n ? n : 1), sizeof **out))) {
        cJSON_Delete(arr);
        return -1;
    }
    long i = 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, arr)
    {
        const char *pub = osp_json_get_string(k, "publisher");
        const char *key = osp_json_get_string(k, "key");
        const cJSON *retired = osp_json_get(k, "retired_at");
        if (!pub || !key || strlen(pub) > OSP_ID_MAX_LEN ||
            osp_sig_parse_pubkey(key, strlen(key), &(*out)[i].key) != 0) {
            free(*out);
            *out = NULL;
            cJSON_Delete(arr);
            return -1;
        }
        strcpy((*out)[i].publisher, pub);
        (*out)[i].retired_at = cJSON_IsNumber(retired) ? (int64_t)retired->valuedouble : 0;
        (*out)[i].revoked = cJSON_IsTrue(osp_json_get(k, "revoked"));
        (*out)[i].verified = cJSON_IsTrue(osp_json_get(k, "verified"));
        i++;
    }
    cJSON_Delete(arr);
    return n;
}

char *osp_api_verify(const char *manifest, size_t manifest_len, const char *sig, size_t sig_len,
                     const char *keys_json, double use_time, const char *expected_digest)
{
    struct osp_trusted_key *keys = NULL;
    long n = read_keys(keys_json, &keys);
    if (n < 0)
        return failure(OSP_E_KEY_MALFORMED, "the trusted keys could not be read", NULL);
    struct osp_trust t = {keys, (size_t)n};
    struct osp_verified v;
    struct osp_diags d = {0};
    int rc = osp_verify_manifest(manifest, manifest_len, sig, sig_len, &t, (int64_t)use_time,
                                 expected_digest && *expected_digest ? expected_digest : NULL, &v,
                                 &d);
    char *out;
    if (rc != 0) {
        out = failure(rc, NULL, &d);
    } else {
        cJSON *o = ok_object();
        cJSON_AddStringToObject(o, "digest", v.digest);
        cJSON_AddStringToObject(o, "keyid", v.keyid);
        cJSON_AddBoolToObject(o, "verified", v.signer->verified);
        cJSON_AddItemToObject(o, "manifest", manifest_json(v.manifest));
        out = print(o);
    }
    osp_verified_clear(&v);
    osp_diags_free(&d);
    free(keys);
    return out;
}

char *osp_api_bundle_verify(const unsigned char *bundle, size_t len, const char *keys_json,
                            double use_time)
{
    struct osp_trusted_key *keys = NULL;
    long n = read_keys(keys_json, &keys);
    if (n < 0)
        return failure(OSP_E_KEY_MALFORMED, "the trusted keys could not be read", NULL);
    struct osp_trust t = {keys, (size_t)n};
    struct osp_diags d = {0};
    struct osp_bundle b;
    struct osp_verified v = {0};
    int rc = osp_bundle_open(bundle, len, &b, &d);
    if (rc == 0) {
        rc = osp_bundle_verify(&b, &t, (int64_t)use_time, &v, &d);
        osp_bundle_close(&b);
    }
    char *out;
    if (rc != 0) {
        out = failure(rc, NULL, &d);
    } else {
        cJSON *o = ok_object();
        cJSON_AddStringToObject(o, "digest", v.digest);
        cJSON_AddStringToObject(o, "keyid", v.keyid);
        cJSON_AddNumberToObject(o, "files", (double)v.manifest->n_files);
        cJSON_AddItemToObject(o, "manifest", manifest_json(v.manifest));
        out = print(o);
    }
    osp_verified_clear(&v);
    osp_diags_free(&d);
    free(keys);
    return out;
}

/* Parses a manifest for csp/frame, which only need it valid. */
static int parse_for_use(const char *manifest, size_t len, struct osp_manifest **m, char **err)
{
    struct osp_diags d = {0};
    int rc = osp_manifest_parse(manifest, len, 0, m, &d);
    if (rc != 0)
        *err = failure(rc, NULL, &d);
    osp_diags_free(&d);
    return rc;
}

char *osp_api_csp(const char *manifest, size_t len, const char *digest, const char *params_json)
{
    struct osp_manifest *m = NULL;
    char *out = NULL;
    if (parse_for_use(manifest, len, &m, &out) != 0)
        return out;
    cJSON *p = NULL;
    if (!params_json || osp_json_parse(params_json, strlen(params_json), NULL, &p, NULL) != 0) {
        osp_manifest_free(m);
        return failure(OSP_E_INVALID_ARGUMENT, "params must be a JSON object", NULL);
    }
    struct osp_csp_params params = {osp_json_get_string(p, "plugin_origin"),
                                     osp_json_get_string(p, "app_origin"),
                                     osp_json_get_string(p, "sdk_path"),
                                     osp_json_get_string(p, "report_uri")};
    char csp[OSP_CSP_MAX_LEN];
    int rc = osp_csp_build(m, digest, &params, csp, sizeof csp, NULL);
    if (rc != 0) {
        out = failure(rc, NULL, NULL);
    } else {
        cJSON *o = ok_object();
        cJSON_AddStringToObject(o, "csp", csp);
        out = print(o);
    }
    cJSON_Delete(p);
    osp_manifest_free(m);
    return out;
}

char *osp_api_frame(const char *manifest, size_t len, const char *digest,
                    const char *contribution, const char *plugin_origin, int offscreen)
{
    struct osp_manifest *m = NULL;
    char *out = NULL;
    if (parse_for_use(manifest, len, &m, &out) != 0)
        return out;
    struct osp_frame f;
    int rc = osp_frame_describe(m, digest, contribution, plugin_origin, offscreen, &f);
    if (rc != 0) {
        out = failure(rc, NULL, NULL);
    } else {
        cJSON *o = ok_object();
        cJSON *fr = cJSON_AddObjectToObject(o, "frame");
        cJSON_AddStringToObject(fr, "src", f.src);
        cJSON_AddStringToObject(fr, "sandbox", f.sandbox);
        cJSON_AddStringToObject(fr, "referrerpolicy", f.referrerpolicy);
        cJSON_AddStringToObject(fr, "allow", f.allow);
        cJSON_AddStringToObject(fr, "loading", f.loading);
        cJSON_AddStringToObject(fr, "title", f.title);
        cJSON_AddNumberToObject(fr, "height", f.height);
        out = print(o);
    }
    osp_manifest_free(m);
    return out;
}

struct osp_relay *osp_api_relay_new(const char *grants_json, const char *limits_json)
{
    cJSON *arr = NULL, *lim = NULL;
    if (!grants_json || osp_json_parse(grants_json, strlen(grants_json), NULL, &arr, NULL) != 0)
        return NULL;
    if (limits_json && *limits_json &&
        osp_json_parse(limits_json, strlen(limits_json), NULL, &lim, NULL) != 0) {
        cJSON_Delete(arr);
        return NULL;
    }
    const char *list[OSP_GRANTS_MAX];
    size_t n = 0;
    const cJSON *g;
    int bad = !cJSON_IsArray(arr) || (lim && !cJSON_IsObject(lim));
    cJSON_ArrayForEach(g, arr)
    {
        if (!cJSON_IsString(g) || n == OSP_GRANTS_MAX) {
            bad = 1;
            break;
        }
        list[n++] = g->valuestring;
    }
    struct osp_relay_limits limits = {0, 0, 0};
    const cJSON *v;
    if ((v = osp_json_get(lim, "max_in_flight")) && cJSON_IsNumber(v) && v->valuedouble > 0)
        limits.max_in_flight = (unsigned)v->valuedouble;
    if ((v = osp_json_get(lim, "calls_per_second")) && cJSON_IsNumber(v) && v->valuedouble > 0)
        limits.calls_per_second = (unsigned)v->valuedouble;
    if ((v = osp_json_get(lim, "bytes_per_second")) && cJSON_IsNumber(v) && v->valuedouble > 0)
        limits.bytes_per_second = (unsigned)v->valuedouble;
    struct osp_relay *r = NULL;
    if (!bad)
        osp_relay_new(list, n, &limits, &r);
    cJSON_Delete(arr);
    cJSON_Delete(lim);
    return r;
}

int osp_api_relay_inbound(struct osp_relay *r, const char *msg, size_t len, double now_ms,
                          struct osp_rpc_request *req)
{
    if (!r || !req)
        return OSP_E_INVALID_ARGUMENT;
    int rc = osp_relay_inbound(r, msg, len, now_ms, req);
    if (rc != 0)
        return rc;
    return (int)req->kind + 4 * (req->method_index > 0 ? req->method_index : 0);
}

size_t osp_api_relay_request_size(void)
{
    return sizeof(struct osp_rpc_request);
}

char *osp_api_rpc_methods(void)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < osp_rpc_method_count(); i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(osp_rpc_method_name(i)));
    return print(a);
}

char *osp_api_relay_refusal(const struct osp_rpc_request *req, int rc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(o, "code", osp_error_code(rc));
    char message[160];
    if (rc == OSP_E_PERMISSION_DENIED)
        snprintf(message, sizeof message, "%s needs the %s permission, which this plugin was "
                 "not granted", req->method, req->permission);
    else if (rc == OSP_E_RATE_LIMITED)
        snprintf(message, sizeof message, "too many calls at once; slow down");
    else
        snprintf(message, sizeof message, "%s", osp_strerror(rc));
    cJSON_AddStringToObject(o, "message", message);
    /* Reply whenever the sender can correlate it; invalid requests get a
     * null id as JSON-RPC prescribes.  Notifications and responses never
     * get a reply. */
    int notification = req->kind == OSP_RPC_NOTIFICATION || req->kind == OSP_RPC_RESPONSE;
    if (!notification && (req->has_id || rc == OSP_E_RPC_PARSE ||
                          rc == OSP_E_RPC_INVALID_REQUEST || rc == OSP_E_TOO_BIG)) {
        char reply[512];
        if (osp_rpc_error_reply(req->has_id ? req->id : NULL, rc, message, reply, sizeof reply))
            cJSON_AddStringToObject(o, "reply", reply);
    }
    return print(o);
}

char *osp_api_relay_check(struct osp_relay *r, const char *msg, size_t len, double now_ms)
{
    static const char *const kinds[] = {"request", "notification", "response"};
    struct osp_rpc_request req;
    if (!r)
        return failure(OSP_E_INVALID_ARGUMENT, "no relay", NULL);
    int rc = osp_relay_inbound(r, msg, len, now_ms, &req);
    if (rc != 0)
        return osp_api_relay_refusal(&req, rc);
    cJSON *o = ok_object();
    cJSON_AddStringToObject(o, "kind", kinds[req.kind]);
    if (req.kind != OSP_RPC_RESPONSE)
        cJSON_AddStringToObject(o, "method", req.method);
    if (req.has_id)
        cJSON_AddRawToObject(o, "id", req.id);
    else
        cJSON_AddNullToObject(o, "id");
    cJSON_AddStringToObject(o, "permission", req.permission);
    if (req.cancel_id[0])
        cJSON_AddRawToObject(o, "cancel", req.cancel_id);
    return print(o);
}

int osp_api_relay_reply(struct osp_relay *r, const char *id_json)
{
    return r ? osp_relay_reply(r, id_json) : OSP_E_INVALID_ARGUMENT;
}

char *osp_api_file_check(const char *manifest, size_t len, const char *path,
                         const unsigned char *data, size_t data_len)
{
    struct osp_manifest *m = NULL;
    char *out = NULL;
    if (parse_for_use(manifest, len, &m, &out) != 0)
        return out;
    int rc = osp_verify_file(m, path, data, data_len);
    osp_manifest_free(m);
    if (rc != 0)
        return failure(rc, NULL, NULL);
    return print(ok_object());
}

void osp_api_relay_free(struct osp_relay *r)
{
    osp_relay_free(r);
}

const char *osp_api_errors(void)
{
    return osp_error_table_json();
}

char *osp_api_info(void)
{
    cJSON *o = cJSON_CreateObject();
    char proto[32];
    snprintf(proto, sizeof proto, "%d.%d.%d", OSP_UI_PROTOCOL_MAJOR, OSP_UI_PROTOCOL_MINOR,
             OSP_UI_PROTOCOL_PATCH);
    cJSON_AddStringToObject(o, "protocol", proto);
    cJSON *lim = cJSON_AddObjectToObject(o, "limits");
    cJSON_AddNumberToObject(lim, "manifest_bytes", OSP_MANIFEST_MAX_BYTES);
    cJSON_AddNumberToObject(lim, "rpc_bytes", OSP_RPC_MAX_BYTES);
    cJSON_AddNumberToObject(lim, "rpc_depth", OSP_RPC_MAX_DEPTH);
    cJSON_AddNumberToObject(lim, "rpc_batch", OSP_RPC_BATCH_MAX);
    cJSON_AddNumberToObject(lim, "rpc_batch_separator", OSP_RPC_BATCH_SEPARATOR);
    cJSON_AddNumberToObject(lim, "grants", OSP_GRANTS_MAX);
    /* Where JS reads a checked request's id text and params span in the
     * record osp_api_relay_inbound fills (wasm32: size_t is 4 bytes). */
    cJSON *req = cJSON_AddObjectToObject(o, "request");
    cJSON_AddNumberToObject(req, "id", offsetof(struct osp_rpc_request, id));
    cJSON_AddNumberToObject(req, "params_at", offsetof(struct osp_rpc_request, params_at));
    cJSON_AddNumberToObject(req, "params_len", offsetof(struct osp_rpc_request, params_len));
    cJSON_AddNumberToObject(req, "size_bytes", sizeof(size_t));
    return print(o);
}

void osp_api_free(char *p)
{
    cJSON_free(p);
}
