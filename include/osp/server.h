/* osp serve: two listeners over one registry and blob store: civetweb for
 * the app origin, osp's own event loop (evserver.h) for the plugin origin.
 *
 * The app origin serves the shell, the wasm core, the publish API, the
 * installed-plugins API and the data API.  The plugin origin serves only
 * immutable plugin assets (/ext-ui/<id>/<digest>/<path>) with each
 * plugin's CSP, and the plugin SDK (/_osp/sdk/).  Plugin content never
 * shares an origin with the app.
 */
#ifndef OSP_SERVER_H
#define OSP_SERVER_H

#include <stddef.h>

struct osp_server_config {
    const char *app_listen;    /* "127.0.0.1:8080" */
    const char *plugin_listen; /* "127.0.0.1:8081" */
    const char *app_origin;    /* as browsers see it; default http://<app_listen> */
    const char *plugin_origin; /* default http://<plugin_listen> */
    const char *data_dir;      /* registry.db and blobs/ live here */
    const char *shell_dir;     /* the shell's static files (and sdk/) */
    const char *core_dir;      /* osp-core.js and osp-core.wasm */
    int threads;               /* app origin: civetweb threads, one per keep-alive client (64) */
    int plugin_workers;        /* plugin origin: event-loop threads (0: one per CPU) */
    int plugin_connections;    /* plugin origin: open connections at most (0: 4096) */
    int sample_data;           /* seed the demo's sample users and records (samples.h) */
    const char *schema;        /* data schema file; NULL for the built-in CRM schema */
    const char *access_log;    /* JSON lines to this file, "-" for stderr, NULL for none */
    size_t cache_bytes;        /* hot blobs kept in memory (default 128 MiB) */
    size_t max_upload;         /* largest accepted bundle (default 80 MiB) */
    struct osp_devloop *dev;   /* osp dev only: enables /api/v1/dev/ (devloop.h); else NULL */
};

struct osp_server;
struct osp_devloop;

/* Starts both listeners.  Returns 0, or an error code with a sentence in
 * err (e.g. the port is in use). */
int osp_server_start(const struct osp_server_config *cfg, struct osp_server **out, char *err,
                     size_t err_cap);

/* Stops accepting, lets in-flight requests finish, and frees everything.
 * NULL does nothing. */
void osp_server_stop(struct osp_server *s);

#endif
