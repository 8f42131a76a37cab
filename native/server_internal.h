/* What the server's source files share (native/server*.c, route_*.c): the
 * server struct, the per-request context, and the route entry points.
 * Not a public header. */
#ifndef OSP_NATIVE_SERVER_INTERNAL_H
#define OSP_NATIVE_SERVER_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "osp/auth.h"
#include "osp/blobcache.h"
#include "osp/records.h"
#include "osp/schema.h"
#include "osp/evserver.h"
#include "osp/http.h"
#include "osp/manifest.h"
#include "osp/metrics.h"
#include "osp/registry.h"
#include "osp/reports.h"
#include "osp/server.h"
#include "osp/store.h"

#include <civetweb.h>

#define OSP__MANIFEST_SLOTS 256
#define OSP__REVOCATION_RECHECK_MS 2000 /* revocations made elsewhere take effect within this */

/* A parsed manifest and its CSP, by digest.  Both are immutable for a
 * digest; only the revoked flag is rechecked, every few seconds. */
struct osp__manifest_entry {
    char digest[OSP_SHA256_HEX_BYTES];
    char plugin_id[OSP_ID_MAX_LEN + 1];
    struct osp_manifest *manifest;
    char (*br)[OSP_SHA256_HEX_BYTES]; /* per file (same order): brotli variant or "" */
    char *csp;
    int revoked;
    int64_t checked_ms;
};

struct osp_server {
    char app_origin[256], plugin_origin[256];
    char data_dir[PATH_MAX / 2], shell_dir[PATH_MAX / 2], core_dir[PATH_MAX / 2];
    char shell_csp[1024];
    int secure_cookies; /* the app origin is https */
    size_t max_upload;
    int access_log; /* fd, or -1 */
    struct mg_context *app;     /* civetweb: the app origin */
    struct osp_evserver *plugin; /* the event loop: the plugin origin */
    struct osp_registry *reg;
    struct osp_db *db; /* the registry's, shared with auth, records, audit */
    struct osp_schema *schema;
    struct osp_records records;
    struct osp_store *store;
    struct osp_blobcache *blobs;
    struct osp_metrics *metrics;
    struct osp_reports *reports; /* recent CSP reports, for the dev overlay */
    struct osp_devloop *dev;     /* osp dev only, else NULL */
    int in_flight; /* requests inside dispatch (atomic) */
    int stopping;  /* set once osp_server_stop began draining (atomic) */
    pthread_mutex_t manifest_lock;
    struct osp__manifest_entry manifests[OSP__MANIFEST_SLOTS];
    size_t manifest_next;
};

/* One request in flight. */
struct osp__req {
    struct osp_server *s;
    struct mg_connection *c;
    const struct mg_request_info *ri;
    const char *path; /* raw, without the query string */
    enum osp_route route;
    struct osp_http_stats stats;
    int session_state; /* 0 not looked up, 1 present, -1 absent */
    struct osp_session session;
    char actor[80]; /* who acts: a username or "operator:<name>", for the audit log */
};

int64_t osp__now_ms(void);

/* One plugin-origin request in flight: the route fills in *out. */
struct osp__asset_req {
    struct osp_server *s;
    const struct osp_httpreq *rq;
    enum osp_route route;
    struct osp_http_stats stats;
    struct osp_evreply *out;
};

/* Routes of each origin (native/route_assets.c, native/route_api.c). */
void osp__route_plugin(struct osp__asset_req *q);
void osp__route_app(struct osp__req *q);

/* Answers a plugin-origin request with the JSON error for err (message as
 * for osp_http_send_error). */
void osp__asset_error(struct osp__asset_req *q, int err, const char *message);

/* A static file from dir (shell, core, SDK) as a whole response in a new
 * buffer: 200 (head only for HEAD), or 304 when if_none_match (the
 * request's header, or NULL) names its ETag, the SHA-256 of its bytes;
 * *status says which.  cache_control is the Cache-Control value; headers
 * are extra header lines.  Returns 0, OSP_E_NOT_FOUND (no such file, or
 * rel is not a plain relative path) or OSP_E_INTERNAL. */
int osp__static_response(const char *dir, const char *rel, const char *cache_control,
                         const char *headers, int head_only, const char *if_none_match,
                         unsigned char **out, size_t *len, size_t *body_len, int *status);

/* The same, sent over civetweb (an error response when it fails). */
void osp__send_file(struct osp__req *q, const char *dir, const char *rel, const char *headers);

/* Forgets cached manifests of plugin_id (after a revocation through the
 * API, so it takes effect at once). */
void osp__forget_plugin(struct osp_server *s, const char *plugin_id);

int osp__is_method(const struct osp__req *q, const char *method);

/* The request's session from its cookie, or NULL. */
const struct osp_session *osp__session(struct osp__req *q);

/* The session, refusing the request (401) when there is none, and (403)
 * when a state-changing request lacks the session's CSRF header. */
const struct osp_session *osp__require_session(struct osp__req *q);

/* Sends body (consumed) as JSON. */
void osp__send_json(struct osp__req *q, int status, cJSON *body);

/* Reads a JSON object body (application/json, strict); refuses otherwise. */
int osp__json_body(struct osp__req *q, cJSON **out);

/* The /api/v1/session, /data, /storage, /audit and /schema routes
 * (native/route_data.c); returns 1 if the path was one of them. */
int osp__route_data(struct osp__req *q);

/* The /api/v1/dev/ routes (native/route_dev.c); returns 1 if the path was
 * one of them.  Without a dev loop they answer 404. */
int osp__route_dev(struct osp__req *q);

/* Appends an allowed action by q->actor to the audit log (detail consumed). */
void osp__audit(struct osp__req *q, const char *tenant, const char *action, const char *plugin,
                cJSON *detail);

/* An operator token, or an admin user's session of tenant (NULL: operator
 * only).  Refuses with 401/403 otherwise; sets q->actor. */
int osp__require_admin(struct osp__req *q, const char *tenant);

#endif
