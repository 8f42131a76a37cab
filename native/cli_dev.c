/* osp dev: the shell in dev mode with one plugin from a directory, rebuilt
 * on every save (devloop.h), on a throwaway data directory with the demo's
 * sample users and records.  Production checks are unchanged: the plugin
 * is signed (by an ephemeral key only this server trusts), published
 * through the publish API, served under its own CSP and granted exactly
 * what its manifest requests. */
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "osp/devloop.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/server.h"

#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static const char *setting(const char *flag, const char *env, const char *fallback)
{
    if (flag)
        return flag;
    const char *v = getenv(env);
    return v && *v ? v : fallback;
}

/* DIR itself when it holds osplugin.json, else DIR/plugin (the layout osp
 * new makes). */
static int plugin_dir(const char *given, char *out, size_t cap)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/osplugin.json", given);
    if (osp_fs_exists(path))
        return realpath(given, out) ? 0 : -1;
    snprintf(path, sizeof path, "%s/plugin/osplugin.json", given);
    if (osp_fs_exists(path)) {
        snprintf(path, sizeof path, "%s/plugin", given);
        return realpath(path, out) ? 0 : -1;
    }
    (void)cap;
    return -1;
}

int osp_cli_dev(int argc, char **argv)
{
    const char *dir = NULL, *app = NULL, *plugin = NULL, *shell = NULL, *core = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, NULL, "--app", &app);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--plugin", &plugin);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--shell-dir", &shell);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--core-dir", &core);
        if (r < 0)
            return osp_cli_usage("dev", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (argv[i][0] == '-' || dir)
            return osp_cli_usage("dev", "unexpected argument %s", argv[i]);
        else
            dir = argv[i];
    }
    if (!dir)
        dir = ".";
    char pdir[PATH_MAX];
    if (plugin_dir(dir, pdir, sizeof pdir) != 0)
        return osp_cli_fail(OSP_E_NOT_FOUND,
                            "%s has no osplugin.json (nor %s/plugin/osplugin.json); start one "
                            "with: osp new NAME --template widget",
                            dir, dir);
    app = setting(app, "OSP_APP_LISTEN", "127.0.0.1:8080");
    plugin = setting(plugin, "OSP_PLUGIN_LISTEN", "127.0.0.1:8081");
    char data[] = "/tmp/osp-dev-XXXXXX";
    if (!mkdtemp(data))
        return osp_cli_fail(OSP_E_IO, "cannot create a temporary data directory in /tmp");

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char server_url[300];
    snprintf(server_url, sizeof server_url, "http://%s", app);
    struct osp_devloop_config dcfg = {pdir, server_url, data, "default", quiet};
    struct osp_devloop *dl = NULL;
    struct osp_server *srv = NULL;
    char err[512] = "";
    int rc = osp_devloop_new(&dcfg, &dl);
    if (rc != 0)
        snprintf(err, sizeof err, "cannot open the dev registry in %s", data);
    struct osp_server_config cfg = {
        .app_listen = app,
        .plugin_listen = plugin,
        .data_dir = data,
        .shell_dir = setting(shell, "OSP_SHELL_DIR", OSP_DEFAULT_SHELL_DIR),
        .core_dir = setting(core, "OSP_CORE_DIR", OSP_DEFAULT_CORE_DIR),
        .threads = 32,
        .sample_data = 1,
        .cache_bytes = 32u << 20,
        .max_upload = 80u << 20,
        .dev = dl,
    };
    if (rc == 0)
        rc = osp_server_start(&cfg, &srv, err, sizeof err);
    if (rc != 0) {
        osp_devloop_free(dl);
        nftw(data, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return osp_cli_fail(rc, "%s", err);
    }
    /* A first build that fails still serves the shell: the overlay shows
     * the problems, and the next save tries again. */
    osp_devloop_build(dl);
    if (osp_devloop_watch(dl) != 0)
        fprintf(stderr, "osp dev: cannot watch %s (inotify); restart osp dev after changes\n",
                pdir);
    fprintf(stderr,
            "osp dev: %s\n"
            "osp dev: open http://%s and sign in as alice (admin), bob (sales) or carol "
            "(viewer), password osp-demo\n"
            "osp dev: saving a file rebuilds the plugin and reloads its frame; Ctrl-C stops\n",
            pdir, app);
    fprintf(stderr, "osp dev: ready\n");
    int sig = 0;
    sigwait(&stop, &sig);
    osp_devloop_stop(dl); /* wakes long polls so the server can stop */
    osp_server_stop(srv);
    osp_devloop_free(dl);
    nftw(data, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    fprintf(stderr, "osp dev: stopped\n");
    return 0;
}
