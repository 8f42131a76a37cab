/* osp serve: lifecycle, request validation, access log and metrics around
 * every request.  The app origin runs on civetweb, the plugin origin on
 * osp's own event loop (evserver.h says why).  Routes live in
 * route_assets.c (plugin origin) and route_api.c (app origin). */
#include "server_internal.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/httpreq.h"
#include "osp/json.h"
#include "osp/path.h"
#include "osp/perm.h"
#include "osp/samples.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define STATIC_MAX (8u * 1024u * 1024u)
#define REQUEST_MS 30000    /* a request (head, and body on the app origin) must arrive within */
#define KEEP_ALIVE_MS 5000  /* idle time between keep-alive requests */
#define DRAIN_MAX_MS REQUEST_MS /* no app request lasts longer */
#define PLUGIN_DRAIN_MS 5000
/* A number macro as the text civetweb's options take. */
#define TEXT(x) TEXT_(x)
#define TEXT_(x) #x

int64_t osp__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int osp__is_method(const struct osp__req *q, const char *method)
{
    return strcmp(q->ri->request_method, method) == 0;
}

int osp__static_response(const char *dir, const char *rel, const char *cache_control,
                         const char *headers, int head_only, const char *if_none_match,
                         unsigned char **out, size_t *len, size_t *body_len, int *status)
{
    char path[PATH_MAX], *data = NULL;
    size_t n = 0;
    if (osp_path_check(rel) != 0)
        return OSP_E_NOT_FOUND;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int rc = osp_fs_read(path, STATIC_MAX, &data, &n);
    if (rc != 0)
        return rc == OSP_E_NOT_FOUND ? OSP_E_NOT_FOUND : OSP_E_INTERNAL;
    char etag[OSP_SHA256_HEX_BYTES + 2], all[2048];
    etag[0] = '"';
    osp_hash_sha256_hex(data, n, etag + 1);
    strcat(etag, "\"");
    snprintf(all, sizeof all,
             "Cache-Control: %s\r\nETag: %s\r\nX-Content-Type-Options: nosniff\r\n"
             "Referrer-Policy: no-referrer\r\n%s",
             cache_control, etag, headers ? headers : "");
    *status = osp_http_etag_matches(if_none_match, etag) ? 304 : 200;
    struct osp_http_response r = {*status, *status == 304 ? NULL : osp_path_mime_type(rel), all,
                                  data, n, head_only};
    rc = osp_http_build(&r, out, len, body_len);
    free(data);
    return rc == 0 ? 0 : OSP_E_INTERNAL;
}

void osp__send_file(struct osp__req *q, const char *dir, const char *rel, const char *headers)
{
    unsigned char *bytes;
    size_t len, body_len;
    int status = 0;
    /* no-cache: the shell changes with the server; the ETag makes checking cheap. */
    int rc = osp__static_response(dir, rel, "no-cache", headers, osp__is_method(q, "HEAD"),
                                  mg_get_header(q->c, "If-None-Match"), &bytes, &len, &body_len,
                                  &status);
    if (rc != 0) {
        osp_http_send_error(q->c, rc, NULL);
        return;
    }
    osp_http_send_prebuilt(q->c, status, bytes, len, body_len);
    free(bytes);
}

void osp__forget_plugin(struct osp_server *s, const char *plugin_id)
{
    pthread_mutex_lock(&s->manifest_lock);
    for (size_t i = 0; i < OSP__MANIFEST_SLOTS; i++)
        if (s->manifests[i].manifest && strcmp(s->manifests[i].plugin_id, plugin_id) == 0)
            s->manifests[i].checked_ms = 0; /* recheck on next use */
    pthread_mutex_unlock(&s->manifest_lock);
}

/* ---- validation before routing ------------------------------------------ */

/* osp's own request checks (osp_httpreq_check), so civetweb's leniencies
 * never matter; civetweb does not decode the path (decode_url=no). */
static int validate(const struct mg_request_info *ri, const char *path, const char **why)
{
    struct osp_httpreq_header h[OSP_HTTPREQ_HEADERS_MAX];
    int n = ri->num_headers < OSP_HTTPREQ_HEADERS_MAX ? ri->num_headers : OSP_HTTPREQ_HEADERS_MAX;
    for (int i = 0; i < n; i++)
        h[i] = (struct osp_httpreq_header){ri->http_headers[i].name, ri->http_headers[i].value};
    return osp_httpreq_check(path, ri->http_version, h, n, why);
}

/* ---- access log ---------------------------------------------------------- */

static void access_log(const struct osp_server *s, const char *origin, const char *method_in,
                       const char *path_in, enum osp_route route,
                       const struct osp_http_stats *stats, double seconds, const char *remote)
{
    if (s->access_log < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40], path[300], method[24], line[768];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    /* Request bytes are quoted (and bounded) so a path cannot forge lines. */
    char trimmed[201];
    snprintf(trimmed, sizeof trimmed, "%s", path_in ? path_in : "");
    osp_json_quote(trimmed, path, sizeof path);
    char m[9];
    snprintf(m, sizeof m, "%s", method_in ? method_in : "");
    osp_json_quote(m, method, sizeof method);
    int n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s.%03ldZ\",\"origin\":\"%s\",\"method\":%s,\"route\":\"%s\","
                     "\"path\":%s,\"status\":%d,\"bytes\":%llu,\"ms\":%.3f,\"remote\":\"%s\"%s%s%s}\n",
                     when, ts.tv_nsec / 1000000, origin, method,
                     osp_metrics_route_label(route), path, stats->status, stats->bytes,
                     seconds * 1000, remote, stats->error ? ",\"error\":\"" : "",
                     stats->error ? osp_error_code(stats->error) : "", stats->error ? "\"" : "");
    if (n > 0 && (size_t)n < sizeof line) {
        /* One write per line: O_APPEND keeps concurrent lines whole. */
        ssize_t w = write(s->access_log, line, (size_t)n);
        (void)w;
    }
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void account(struct osp_server *s, const char *origin, const char *method,
                    const char *path, enum osp_route route, const struct osp_http_stats *stats,
                    const struct timespec *t0, const char *remote)
{
    double seconds = seconds_since(t0);
    osp_metrics_request(s->metrics, route, stats->status, seconds, stats->bytes);
    if (stats->error)
        osp_metrics_refusal(s->metrics, stats->error);
    access_log(s, origin, method, path, route, stats, seconds, remote);
}

/* The app origin's requests, on civetweb's threads. */
static int app_handler(struct mg_connection *c, void *cbdata)
{
    struct osp_server *s = cbdata;
    /* Counted before looking at stopping, so osp_server_stop either sees
     * this request in flight and waits for it, or it sees stopping. */
    __atomic_add_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
    int stopping = __atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct osp__req q;
    memset(&q, 0, sizeof q);
    q.s = s;
    q.c = c;
    q.ri = mg_get_request_info(c);
    q.path = q.ri->local_uri_raw ? q.ri->local_uri_raw : q.ri->local_uri;
    q.route = OSP_ROUTE_OTHER;
    mg_set_user_connection_data(c, &q.stats);
    const char *why = NULL;
    int rc = validate(q.ri, q.path, &why);
    if (rc != 0)
        osp_http_send_error(c, rc, why);
    else if (stopping) /* arrived after SIGTERM: nothing done, try again elsewhere */
        osp_http_send_error(c, OSP_E_UNAVAILABLE, "the server is shutting down");
    else
        osp__route_app(&q);
    if (q.stats.status == 0) /* a route that forgot to answer is a bug */
        osp_http_send_error(c, OSP_E_INTERNAL, NULL);
    account(s, "app", q.ri->request_method, q.path, q.route, &q.stats, &t0, q.ri->remote_addr);
    mg_set_user_connection_data(c, NULL);
    __atomic_sub_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
    return q.stats.status;
}

/* osp authenticates by itself (tokens, sessions).  Without a handler of
 * its own civetweb looks for a .htpasswd file on every request (a stat()
 * each time, and a stray /.htpasswd on the host would put every route
 * behind civetweb's digest authentication). */
static int authorize_all(struct mg_connection *c, void *cbdata)
{
    (void)c;
    (void)cbdata;
    return 1;
}

/* The plugin origin's requests, on the event loop's workers (which have
 * already parsed and checked the head, and refused what fails). */
static void plugin_handler(void *ud, const struct osp_evrequest *r, struct osp_evreply *out)
{
    struct osp_server *s = ud;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct osp__asset_req q = {s, r->req, OSP_ROUTE_OTHER, {0, 0, 0}, out};
    if (r->refusal)
        osp__asset_error(&q, r->refusal, r->why);
    else if (r->draining)
        osp__asset_error(&q, OSP_E_UNAVAILABLE, "the server is shutting down");
    else
        osp__route_plugin(&q);
    if (q.stats.status == 0) /* a route that forgot to answer is a bug */
        osp__asset_error(&q, OSP_E_INTERNAL, NULL);
    account(s, "plugin", r->req ? r->req->method : NULL, r->req ? r->req->path : NULL, q.route,
            &q.stats, &t0, r->remote);
}

/* civetweb's own errors (malformed request lines, oversized headers…) get
 * our JSON body too, never a page that echoes the request. */
static int http_error(struct mg_connection *c, int status, const char *msg)
{
    int err = status == 413   ? OSP_E_TOO_BIG
              : status == 405 ? OSP_E_METHOD_NOT_ALLOWED
              : status == 404 ? OSP_E_NOT_FOUND
              : status >= 500 ? OSP_E_INTERNAL
                              : OSP_E_BAD_REQUEST;
    osp_http_send_error(c, err, NULL);
    return 0;
}

static int log_message(const struct mg_connection *c, const char *message)
{
    fprintf(stderr, "osp serve: civetweb: %s\n", message);
    return 1;
}

static struct mg_context *start_app_listener(const char *listen, int threads, void *self,
                                             char *err, size_t err_cap)
{
    char nthreads[16], backlog[16];
    snprintf(nthreads, sizeof nthreads, "%d", threads);
    snprintf(backlog, sizeof backlog, "%d", threads * 4);
    /* Every option explicit: no document root (so civetweb serves no files,
     * lists no directories, runs no CGI), raw URLs for our own validation,
     * bounded request heads, timeouts, and one thread per keep-alive
     * connection expected (civetweb gives each connection a thread). */
    const char *options[] = {"listening_ports", listen,
                             "num_threads", nthreads,
                             "listen_backlog", backlog,
                             "connection_queue", backlog,
                             "enable_directory_listing", "no",
                             "decode_url", "no",
                             "enable_keep_alive", "yes",
                             "keep_alive_timeout_ms", TEXT(KEEP_ALIVE_MS),
                             "request_timeout_ms", TEXT(REQUEST_MS),
                             "max_request_size", TEXT(OSP_HTTPREQ_HEAD_MAX),
                             "tcp_nodelay", "1",
                             "linger_timeout_ms", "0",
                             NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.log_message = log_message;
    cb.http_error = http_error;
    struct mg_context *ctx = mg_start(&cb, self, options);
    if (!ctx) {
        snprintf(err, err_cap, "cannot listen on %s (in use, or not a local address)", listen);
        return NULL;
    }
    mg_set_request_handler(ctx, "/", app_handler, self);
    mg_set_auth_handler(ctx, "/", authorize_all, NULL);
    return ctx;
}

static void origin_from_listen(char *out, size_t cap, const char *given, const char *listen)
{
    if (given)
        snprintf(out, cap, "%s", given);
    else
        snprintf(out, cap, "http://%s", listen);
}

int osp_server_start(const struct osp_server_config *cfg, struct osp_server **out, char *err,
                     size_t err_cap)
{
    *out = NULL;
    struct osp_server *s = calloc(1, sizeof *s);
    if (!s)
        return OSP_E_NO_MEMORY;
    pthread_mutex_init(&s->manifest_lock, NULL);
    s->access_log = -1;
    origin_from_listen(s->app_origin, sizeof s->app_origin, cfg->app_origin, cfg->app_listen);
    origin_from_listen(s->plugin_origin, sizeof s->plugin_origin, cfg->plugin_origin,
                       cfg->plugin_listen);
    snprintf(s->data_dir, sizeof s->data_dir, "%s", cfg->data_dir);
    snprintf(s->shell_dir, sizeof s->shell_dir, "%s", cfg->shell_dir);
    snprintf(s->core_dir, sizeof s->core_dir, "%s", cfg->core_dir);
    s->secure_cookies = strncmp(s->app_origin, "https://", 8) == 0;
    s->max_upload = cfg->max_upload ? cfg->max_upload : 80u * 1024u * 1024u;
    int rc = 0;
    if (osp_perm_check_host_origin(s->app_origin) != 0 ||
        osp_perm_check_host_origin(s->plugin_origin) != 0) {
        snprintf(err, err_cap, "origins must look like http://host:port (got %s and %s)",
                 s->app_origin, s->plugin_origin);
        rc = OSP_E_INVALID_ARGUMENT;
    } else if (strcmp(s->app_origin, s->plugin_origin) == 0) {
        snprintf(err, err_cap, "the app and plugin origins must differ");
        rc = OSP_E_INVALID_ARGUMENT;
    }
    snprintf(s->shell_csp, sizeof s->shell_csp,
             /* blob: and the plugin origin's connect-src are for in-app
              * modules (tier U0): fetched from there, checked in wasm,
              * imported from a blob: URL of the checked bytes. */
             "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' blob:; style-src 'self'; "
             "img-src 'self' data:; connect-src 'self' %s/ext-ui/; frame-src %s/ext-ui/; "
             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
             s->plugin_origin, s->plugin_origin);
    if (rc == 0 && cfg->access_log && *cfg->access_log) {
        s->access_log = strcmp(cfg->access_log, "-") == 0
                            ? dup(STDERR_FILENO)
                            : open(cfg->access_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                                   0640);
        if (s->access_log < 0) {
            snprintf(err, err_cap, "cannot open the access log %s: %s", cfg->access_log,
                     strerror(errno));
            rc = OSP_E_IO;
        }
    }
    char db[PATH_MAX];
    if (rc == 0 && osp_fs_mkdirs(s->data_dir) != 0) {
        snprintf(err, err_cap, "cannot create data directory %s", s->data_dir);
        rc = OSP_E_IO;
    }
    if (rc == 0) {
        snprintf(db, sizeof db, "%s/registry.db", s->data_dir);
        if ((rc = osp_registry_open(db, &s->reg)) != 0)
            snprintf(err, err_cap, "cannot open the registry %s", db);
    }
    if (rc == 0) {
        s->db = osp_registry_db(s->reg);
        rc = osp_schema_load(cfg->schema, &s->schema, err, err_cap);
        s->records.db = s->db;
        s->records.schema = s->schema;
    }
    if (rc == 0 && (rc = osp_store_open(s->data_dir, &s->store)) != 0)
        snprintf(err, err_cap, "cannot open the blob store under %s", s->data_dir);
    s->dev = cfg->dev;
    /* One response may take up to an eighth of the cache (16 MiB of the
     * default 128), so a 1 MB script is served from memory like a small
     * one; larger files are read and re-hashed on every request. */
    size_t cache_bytes = cfg->cache_bytes ? cfg->cache_bytes : 128u << 20;
    if (rc == 0 && ((rc = osp_metrics_new(&s->metrics)) != 0 ||
                    (rc = osp_reports_new(&s->reports)) != 0 ||
                    (rc = osp_blobcache_new(cache_bytes, cache_bytes / 8, &s->blobs)) != 0))
        snprintf(err, err_cap, "out of memory");
    if (rc == 0 && cfg->sample_data && (rc = osp_samples_seed(s->db)) != 0)
        snprintf(err, err_cap, "cannot seed the sample users and records");
    int threads = cfg->threads > 0 ? cfg->threads : 64;
    if (rc == 0 && !(s->app = start_app_listener(cfg->app_listen, threads, s, err, err_cap)))
        rc = OSP_E_IO;
    struct osp_evserver_config ev = {
        .listen = cfg->plugin_listen,
        .workers = cfg->plugin_workers,
        .max_connections = cfg->plugin_connections,
        .request_ms = REQUEST_MS,
        .keep_alive_ms = KEEP_ALIVE_MS,
        .write_ms = REQUEST_MS,
        .handler = plugin_handler,
        .ud = s,
    };
    if (rc == 0)
        rc = osp_evserver_start(&ev, &s->plugin, err, err_cap);
    if (rc != 0) {
        osp_server_stop(s);
        return rc;
    }
    *out = s;
    return 0;
}

void osp_server_stop(struct osp_server *s)
{
    if (!s)
        return;
    /* Drain first, while civetweb still runs: requests already inside a
     * handler finish, uploads included (once mg_stop raises civetweb's stop
     * flag its reads fail, so a publish still receiving its body would be
     * refused), and new ones get 503.  Bounded by the request timeout. */
    __atomic_store_n(&s->stopping, 1, __ATOMIC_SEQ_CST);
    for (int waited = 0; waited < DRAIN_MAX_MS &&
                         __atomic_load_n(&s->in_flight, __ATOMIC_SEQ_CST) > 0;
         waited += 10) {
        struct timespec ten = {0, 10 * 1000 * 1000};
        nanosleep(&ten, NULL);
    }
    /* mg_stop closes the listener and joins every worker. */
    if (s->app)
        mg_stop(s->app);
    /* The plugin origin answers only from memory or the store: its
     * responses being written get a few seconds to finish. */
    osp_evserver_stop(s->plugin, PLUGIN_DRAIN_MS);
    for (size_t i = 0; i < OSP__MANIFEST_SLOTS; i++) {
        osp_manifest_free(s->manifests[i].manifest);
        free(s->manifests[i].br);
        free(s->manifests[i].csp);
    }
    osp_blobcache_free(s->blobs);
    osp_schema_free(s->schema);
    osp_metrics_free(s->metrics);
    osp_reports_free(s->reports);
    osp_store_close(s->store);
    osp_registry_close(s->reg);
    if (s->access_log >= 0)
        close(s->access_log);
    pthread_mutex_destroy(&s->manifest_lock);
    free(s);
}
