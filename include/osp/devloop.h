/* The osp dev loop: a plugin directory, packed and signed with an
 * ephemeral key on every save, published to a dev server through its
 * ordinary publish API (so every production check applies) and installed
 * with exactly the permissions its manifest requests.
 *
 * The key lives only in this process and in the dev server's throwaway
 * data directory: no other server trusts what it signs.  Each build gets
 * the version "<manifest version>-dev.<n>" because a server accepts a
 * version once.  A failed build leaves the last good one installed and
 * reports its problems in the state.
 */
#ifndef OSP_DEVLOOP_H
#define OSP_DEVLOOP_H

#include <stdint.h>

#include <cjson/cJSON.h>

#define OSP_DEVLOOP_WAIT_MAX_MS 30000 /* longest a state request waits for a change */
#define OSP_DEVLOOP_QUIET_MS 15       /* a save is done when its events pause this long */
#define OSP_DEVLOOP_MAX_WATCHES 256   /* directories watched under the plugin dir */

struct osp_devloop_config {
    const char *plugin_dir; /* holds osplugin.json */
    const char *server_url; /* the dev server's app origin, for publishing */
    const char *data_dir;   /* the dev server's data directory (registry.db) */
    const char *tenant;     /* where builds are installed ("default") */
    int quiet;              /* 1: no build lines on stderr */
};

struct osp_devloop;

/* Opens the registry in cfg->data_dir.  Returns 0 or an osp error. */
int osp_devloop_new(const struct osp_devloop_config *cfg, struct osp_devloop **out);

/* Builds, publishes and installs once, now.  Returns 0, or the first
 * problem's code (the state holds every problem). */
int osp_devloop_build(struct osp_devloop *dl);

/* Starts watching the plugin directory (inotify, recursive) in a thread
 * that rebuilds after each save.  Returns 0 or OSP_E_IO. */
int osp_devloop_watch(struct osp_devloop *dl);

/* The state once its generation is above since, or after timeout_ms
 * (at most OSP_DEVLOOP_WAIT_MAX_MS), or at once when stopping:
 * {"generation","ok","plugin":{…}|null,"problems":[…],"saved_at",
 * "ready_at","build_ms"}.  The caller owns the result; NULL if out of
 * memory. */
cJSON *osp_devloop_state(struct osp_devloop *dl, uint64_t since, int timeout_ms);

/* Wakes every waiter and stops the watcher; state requests answer at once
 * from now on.  Safe to call twice. */
void osp_devloop_stop(struct osp_devloop *dl);

/* Stops and frees; NULL does nothing. */
void osp_devloop_free(struct osp_devloop *dl);

#endif
