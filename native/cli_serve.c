/* osp serve: configuration from a file, the environment and flags (flags
 * win, then the environment, then the file), then run until SIGINT or
 * SIGTERM, finishing in-flight requests. */
#include "cli.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"
#include "osp/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* One setting: its flag, environment variable and config file key. */
struct setting {
    const char *flag, *env, *key;
    const char *value;
    int is_number;
};

enum {
    S_APP, S_PLUGIN, S_APP_ORIGIN, S_PLUGIN_ORIGIN, S_DATA, S_SHELL, S_CORE, S_THREADS,
    S_PLUGIN_WORKERS, S_PLUGIN_CONNECTIONS, S_ACCESS_LOG, S_SCHEMA, S_CACHE_MB,
    S_MAX_UPLOAD_MB, S_COUNT
};

/* Numbers from the file are kept as text in numbers[i], like flag values. */
static int apply_config_file(const char *path, struct setting *set, char (*numbers)[32],
                             cJSON **keep)
{
    char *text = NULL;
    size_t len = 0;
    int rc = osp_fs_read(path, 64u * 1024u, &text, &len);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot read config file %s", path);
    cJSON *root = NULL;
    size_t at = 0;
    rc = osp_json_parse(text, len, NULL, &root, &at);
    free(text);
    if (rc != 0 || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return osp_cli_fail(rc ? rc : OSP_E_BAD_TYPE, "%s: not a JSON object (near byte %zu)",
                            path, at);
    }
    for (const cJSON *k = root->child; k; k = k->next) {
        int i = 0;
        while (i < S_COUNT && strcmp(set[i].key, k->string) != 0)
            i++;
        if (i == S_COUNT) {
            cJSON_Delete(root);
            return osp_cli_fail(OSP_E_UNKNOWN_KEY, "%s: unknown setting \"%s\"", path, k->string);
        }
        if (set[i].is_number ? !cJSON_IsNumber(k) : !cJSON_IsString(k)) {
            cJSON_Delete(root);
            return osp_cli_fail(OSP_E_BAD_TYPE, "%s: \"%s\" must be a %s", path, k->string,
                                set[i].is_number ? "number" : "string");
        }
        if (set[i].is_number) {
            snprintf(numbers[i], sizeof numbers[i], "%.0f", k->valuedouble);
            set[i].value = numbers[i];
        } else {
            set[i].value = k->valuestring;
        }
    }
    *keep = root;
    return 0;
}

/* Each connection is a descriptor: lift the soft limit (often 1024) toward
 * what the limits allow, within the hard limit.  Beyond it, accepting
 * waits (the listener's backlog holds new connections meanwhile). */
static void raise_fd_limit(rlim_t want)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= want)
        return;
    r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > want ? want : r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
}

static int number(const char *verb, const char *name, const char *text, long lo, long hi,
                  long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || v < lo || v > hi)
        return osp_cli_usage(verb, "%s takes a number from %ld to %ld", name, lo, hi);
    *out = v;
    return 0;
}

int osp_cli_serve(int argc, char **argv)
{
    struct setting set[S_COUNT] = {
        [S_APP] = {"--app", "OSP_APP_LISTEN", "app_listen", "127.0.0.1:8080", 0},
        [S_PLUGIN] = {"--plugin", "OSP_PLUGIN_LISTEN", "plugin_listen", "127.0.0.1:8081", 0},
        [S_APP_ORIGIN] = {"--app-origin", "OSP_APP_ORIGIN", "app_origin", NULL, 0},
        [S_PLUGIN_ORIGIN] = {"--plugin-origin", "OSP_PLUGIN_ORIGIN", "plugin_origin", NULL, 0},
        [S_DATA] = {"--data-dir", "OSP_DATA_DIR", "data_dir", "./osp-data", 0},
        [S_SHELL] = {"--shell-dir", "OSP_SHELL_DIR", "shell_dir", OSP_DEFAULT_SHELL_DIR, 0},
        [S_CORE] = {"--core-dir", "OSP_CORE_DIR", "core_dir", OSP_DEFAULT_CORE_DIR, 0},
        [S_THREADS] = {"--threads", "OSP_THREADS", "threads", "64", 1},
        [S_PLUGIN_WORKERS] = {"--plugin-workers", "OSP_PLUGIN_WORKERS", "plugin_workers", "0", 1},
        [S_PLUGIN_CONNECTIONS] = {"--plugin-connections", "OSP_PLUGIN_CONNECTIONS",
                                  "plugin_connections", "4096", 1},
        [S_ACCESS_LOG] = {"--access-log", "OSP_ACCESS_LOG", "access_log", NULL, 0},
        [S_SCHEMA] = {"--schema", "OSP_SCHEMA", "schema", NULL, 0},
        [S_CACHE_MB] = {"--cache-mb", "OSP_CACHE_MB", "cache_mb", "128", 1},
        [S_MAX_UPLOAD_MB] = {"--max-upload-mb", "OSP_MAX_UPLOAD_MB", "max_upload_mb", "80", 1},
    };
    const char *config = getenv("OSP_CONFIG");
    const char *flags[S_COUNT] = {0};
    int sample_data = 0;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-c", "--config", &config);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-d", NULL, &flags[S_DATA]);
        for (int k = 0; !r && k < S_COUNT; k++)
            r = osp_cli_opt(argc, argv, &i, NULL, set[k].flag, &flags[k]);
        if (r < 0)
            return osp_cli_usage("serve", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--sample-data") == 0)
            sample_data = 1;
        else
            return osp_cli_usage("serve", "unknown argument %s", argv[i]);
    }
    cJSON *file = NULL;
    char numbers[S_COUNT][32];
    if (config && apply_config_file(config, set, numbers, &file) != 0)
        return OSP_EXIT_FAIL;
    for (int k = 0; k < S_COUNT; k++) {
        const char *env = getenv(set[k].env);
        if (env && *env)
            set[k].value = env;
        if (flags[k])
            set[k].value = flags[k];
    }
    long threads = 0, workers = 0, connections = 0, cache_mb = 0, upload_mb = 0;
    if (number("serve", "threads", set[S_THREADS].value, 2, 4096, &threads) ||
        number("serve", "plugin_workers", set[S_PLUGIN_WORKERS].value, 0, 64, &workers) ||
        number("serve", "plugin_connections", set[S_PLUGIN_CONNECTIONS].value, 1, 1 << 20,
               &connections) ||
        number("serve", "cache_mb", set[S_CACHE_MB].value, 0, 65536, &cache_mb) ||
        number("serve", "max_upload_mb", set[S_MAX_UPLOAD_MB].value, 1, 1024, &upload_mb)) {
        cJSON_Delete(file);
        return OSP_EXIT_USAGE;
    }
    struct osp_server_config cfg = {
        .app_listen = set[S_APP].value,
        .plugin_listen = set[S_PLUGIN].value,
        .app_origin = set[S_APP_ORIGIN].value,
        .plugin_origin = set[S_PLUGIN_ORIGIN].value,
        .data_dir = set[S_DATA].value,
        .shell_dir = set[S_SHELL].value,
        .core_dir = set[S_CORE].value,
        .schema = set[S_SCHEMA].value,
        .threads = (int)threads,
        .plugin_workers = (int)workers,
        .plugin_connections = (int)connections,
        .sample_data = sample_data,
        .access_log = set[S_ACCESS_LOG].value,
        .cache_bytes = (size_t)cache_mb << 20,
        .max_upload = (size_t)upload_mb << 20,
    };

    /* Block the stop signals before any server thread exists, so they are
     * delivered only to sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit((rlim_t)connections + (rlim_t)threads + 256);

    struct osp_server *srv = NULL;
    char err[512] = "";
    int rc = osp_server_start(&cfg, &srv, err, sizeof err);
    if (rc != 0) {
        cJSON_Delete(file);
        return osp_cli_fail(rc, "%s", err);
    }
    char loop[64] = "an event-loop worker per CPU";
    if (workers)
        snprintf(loop, sizeof loop, "%ld event-loop worker%s", workers, workers == 1 ? "" : "s");
    fprintf(stderr,
            "osp serve: app on %s (%ld threads), plugins on %s (%s, %ld connections at most), "
            "data in %s\n",
            cfg.app_listen, threads, cfg.plugin_listen, loop, connections, cfg.data_dir);
    fprintf(stderr, "osp serve: ready\n");
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "osp serve: %s received, finishing in-flight requests\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    osp_server_stop(srv);
    cJSON_Delete(file);
    fprintf(stderr, "osp serve: stopped\n");
    return 0;
}
