/* osp serve: lifecycle, request validation, access log and metrics around
 * every request.  Routes live in route_assets.c (plugin origin) and
 * route_api.c (app origin). */
#include "server_internal.h"
#include "osp/error.h"
#include "osp/fsutil.h"
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
#define DRAIN_MAX_MS 30000 /* = request_timeout_ms: no request lasts longer */

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

void osp__send_file(struct osp__req *q, const char *dir, const char *rel, const char *headers)
{
    char path[PATH_MAX], *data = NULL;
    size_t len = 0;
    if (osp_path_check(rel) != 0) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        return;
    }
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int rc = osp_fs_read(path, STATIC_MAX, &data, &len);
    if (rc != 0) {
        osp_http_send_error(q->c, rc == OSP_E_NOT_FOUND ? OSP_E_NOT_FOUND : OSP_E_INTERNAL, NULL);
        return;
    }
    char all[2048];
    snprintf(all, sizeof all,
             "Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n"
             "Referrer-Policy: no-referrer\r\n%s",
             headers ? headers : "");
    struct osp_http_response r = {200, osp_path_mime_type(rel), all, data, len,
                                  osp__is_method(q, "HEAD")};
    osp_http_send(q->c, &r);
    free(data);
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

/* osp's own request checks, so civetweb's leniencies never matter: the
 * raw path (civetweb does not decode it: decode_url=no) has no '%' (so no
 * encoded NUL, slash or dot), backslash, control byte, "//", "/./" or
 * "/../"; HTTP/1.1 needs Host; Content-Length appears at most once, as
 * digits, and never together with Transfer-Encoding.  Returns 0 or the
 * refusal's error with a fixed message in *why. */
static int validate(const struct mg_request_info *ri, const char *path, const char **why)
{
    if (!path || path[0] != '/') {
        *why = "the request target must be an absolute path";
        return OSP_E_BAD_REQUEST;
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p == '%' || *p == '\\' || *p < 0x21 || *p >= 0x7f) {
            *why = "the path has an encoded, escaped or control character";
            return OSP_E_BAD_REQUEST;
        }
    if (strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
        (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)) {
        *why = "the path is not normalised";
        return OSP_E_BAD_REQUEST;
    }
    int host = 0, lengths = 0, te = 0;
    for (int i = 0; i < ri->num_headers; i++) {
        const char *name = ri->http_headers[i].name, *value = ri->http_headers[i].value;
        if (strcasecmp(name, "Host") == 0)
            host++;
        else if (strcasecmp(name, "Transfer-Encoding") == 0)
            te++;
        else if (strcasecmp(name, "Content-Length") == 0) {
            lengths++;
            size_t n = strlen(value);
            if (n == 0 || n > 18 || strspn(value, "0123456789") != n) {
                *why = "Content-Length is not a number";
                return OSP_E_BAD_REQUEST;
            }
        }
    }
    if (ri->http_version && strcmp(ri->http_version, "1.1") == 0 && host != 1) {
        *why = host ? "more than one Host header" : "HTTP/1.1 requires a Host header";
        return OSP_E_BAD_REQUEST;
    }
    if (lengths > 1) {
        *why = "more than one Content-Length header";
        return OSP_E_BAD_REQUEST;
    }
    if (te) {
        *why = lengths ? "Content-Length together with Transfer-Encoding"
                       : "send request bodies with Content-Length, not Transfer-Encoding";
        return OSP_E_BAD_REQUEST;
    }
    return 0;
}

/* ---- access log ---------------------------------------------------------- */

static void access_log(const struct osp__req *q, const char *origin, double seconds)
{
    if (q->s->access_log < 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40], path[300], method[24], line[768];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    /* Request bytes are quoted (and bounded) so a path cannot forge lines. */
    char trimmed[201];
    snprintf(trimmed, sizeof trimmed, "%s", q->path ? q->path : "");
    osp_json_quote(trimmed, path, sizeof path);
    char m[9];
    snprintf(m, sizeof m, "%s", q->ri->request_method);
    osp_json_quote(m, method, sizeof method);
    int n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s.%03ldZ\",\"origin\":\"%s\",\"method\":%s,\"route\":\"%s\","
                     "\"path\":%s,\"status\":%d,\"bytes\":%llu,\"ms\":%.3f,\"remote\":\"%s\"%s%s%s}\n",
                     when, ts.tv_nsec / 1000000, origin, method,
                     osp_metrics_route_label(q->route), path, q->stats.status, q->stats.bytes,
                     seconds * 1000, q->ri->remote_addr, q->stats.error ? ",\"error\":\"" : "",
                     q->stats.error ? osp_error_code(q->stats.error) : "",
                     q->stats.error ? "\"" : "");
    if (n > 0 && (size_t)n < sizeof line) {
        /* One write per line: O_APPEND keeps concurrent lines whole. */
        ssize_t w = write(q->s->access_log, line, (size_t)n);
        (void)w;
    }
}

static int dispatch(struct mg_connection *c, struct osp_server *s, int plugin_origin)
{
    /* Counted before looking at stopping, so osp_server_stop either sees
     * this request in flight and waits for it, or it sees stopping. */
    __atomic_add_fetch(&s->in_flight, 1, __ATOMIC_SEQ_CST);
    int stopping = __atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST);
    struct timespec t0, t1;
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
    else if (plugin_origin)
        osp__route_plugin(&q);
    else
        osp__route_app(&q);
    if (q.stats.status == 0) /* a route that forgot to answer is a bug */
        osp_http_send_error(c, OSP_E_INTERNAL, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    osp_metrics_request(s->metrics, q.route, q.stats.status, seconds, q.stats.bytes);
    if (q.stats.error)
        osp_metrics_refusal(s->metrics, q.stats.error);
    access_log(&q, plugin_origin ? "plugin" : "app", seconds);
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

static int app_handler(struct mg_connection *c, void *cbdata)
{
    return dispatch(c, cbdata, 0);
}

static int plugin_handler(struct mg_connection *c, void *cbdata)
{
    return dispatch(c, cbdata, 1);
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

static struct mg_context *start_listener(const char *listen, int threads, void *self,
                                         mg_request_handler handler, char *err, size_t err_cap)
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
                             "keep_alive_timeout_ms", "5000",
                             "request_timeout_ms", "30000",
                             "max_request_size", "16384",
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
    mg_set_request_handler(ctx, "/", handler, self);
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
    if (rc == 0 && !(s->app = start_listener(cfg->app_listen, threads, s, app_handler, err,
                                             err_cap)))
        rc = OSP_E_IO;
    if (rc == 0 && !(s->plugin = start_listener(cfg->plugin_listen, threads, s, plugin_handler,
                                                err, err_cap)))
        rc = OSP_E_IO;
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
    /* mg_stop closes the listeners and joins every worker. */
    if (s->app)
        mg_stop(s->app);
    if (s->plugin)
        mg_stop(s->plugin);
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
