/* The osp dev loop (see include/osp/devloop.h). */
#include "osp/devloop.h"
#include "osp/client.h"
#include "osp/diag.h"
#include "osp/error.h"
#include "osp/json.h"
#include "osp/manifest.h"
#include "osp/pack.h"
#include "osp/registry.h"
#include "osp/signer.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct osp_devloop {
    char dir[PATH_MAX / 2], server[256], tenant[OSP_TENANT_MAX_LEN + 1];
    int quiet;
    struct osp_registry *reg;
    /* The ephemeral key of the publisher the manifest names now. */
    struct osp_signer *signer;
    char publisher[OSP_ID_MAX_LEN + 1];
    char token[OSP_TOKEN_LEN + 1];
    unsigned build_no;

    pthread_mutex_t lock; /* guards everything below and build runs */
    pthread_cond_t changed;
    uint64_t generation;
    int stopping;
    cJSON *state; /* the last build's state, without "generation" */
    int64_t saved_at;

    int inotify_fd, stop_pipe[2];
    pthread_t watcher;
    int watching;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int osp_devloop_new(const struct osp_devloop_config *cfg, struct osp_devloop **out)
{
    *out = NULL;
    struct osp_devloop *dl = calloc(1, sizeof *dl);
    if (!dl)
        return OSP_E_NO_MEMORY;
    snprintf(dl->dir, sizeof dl->dir, "%s", cfg->plugin_dir);
    snprintf(dl->server, sizeof dl->server, "%s", cfg->server_url);
    snprintf(dl->tenant, sizeof dl->tenant, "%s", cfg->tenant ? cfg->tenant : "default");
    dl->quiet = cfg->quiet;
    dl->inotify_fd = -1;
    dl->stop_pipe[0] = dl->stop_pipe[1] = -1;
    pthread_mutex_init(&dl->lock, NULL);
    pthread_cond_init(&dl->changed, NULL);
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/registry.db", cfg->data_dir);
    int rc = osp_registry_open(db, &dl->reg);
    if (rc != 0) {
        osp_devloop_free(dl);
        return rc;
    }
    *out = dl;
    return 0;
}

static void add_problem(cJSON *problems, int code, const char *file, const char *pointer,
                        const char *message, const char *hint)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "code", osp_error_code(code));
    cJSON_AddStringToObject(e, "file", file ? file : "");
    cJSON_AddStringToObject(e, "pointer", pointer ? pointer : "");
    cJSON_AddStringToObject(e, "message", message ? message : osp_strerror(code));
    cJSON_AddStringToObject(e, "hint", hint ? hint : "");
    cJSON_AddItemToArray(problems, e);
}

static void add_diags(cJSON *problems, const struct osp_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        add_problem(problems, d->items[i].code, d->items[i].file, d->items[i].pointer,
                    d->items[i].message, d->items[i].hint);
}

/* The dev key for publisher, registered in the dev registry on first use
 * (a fresh key each time the manifest names another publisher). */
static int ensure_publisher(struct osp_devloop *dl, const char *publisher, cJSON *problems)
{
    if (dl->signer && strcmp(dl->publisher, publisher) == 0)
        return 0;
    struct osp_signer *s = NULL;
    int rc = osp_signer_generate(&s);
    if (rc != 0)
        return rc;
    struct osp_pubkey pub;
    osp_signer_public(s, &pub);
    char token[OSP_TOKEN_LEN + 1];
    rc = osp_registry_publisher_add(dl->reg, publisher, &pub, 0, (int64_t)time(NULL), token);
    if (rc == OSP_E_CONFLICT) { /* named again after another publisher: add the new key */
        rc = osp_registry_key_add(dl->reg, publisher, &pub, (int64_t)time(NULL));
        if (rc == 0)
            rc = osp_registry_publisher_new_token(dl->reg, publisher, token);
    }
    if (rc != 0) {
        osp_signer_free(s);
        add_problem(problems, rc, "osplugin.json", "/publisher",
                    "the dev server cannot register this publisher", NULL);
        return rc;
    }
    osp_signer_free(dl->signer);
    dl->signer = s;
    snprintf(dl->publisher, sizeof dl->publisher, "%s", publisher);
    memcpy(dl->token, token, sizeof token);
    memset(token, 0, sizeof token);
    return 0;
}

/* 1.4.2 -> 1.4.2-dev.7; 2.0.0-beta.1+x -> 2.0.0-beta.1.dev.7 */
static void dev_version(const char *version, unsigned n, char *out, size_t cap)
{
    size_t base = strcspn(version, "+");
    snprintf(out, cap, "%.*s%sdev.%u", (int)base, version,
             memchr(version, '-', base) ? "." : "-", n);
}

/* Publishes bundle to the dev server as any publisher would. */
static int publish(struct osp_devloop *dl, const unsigned char *bundle, size_t len,
                   char digest[OSP_SHA256_HEX_BYTES], cJSON *problems)
{
    char headers[256], err[512];
    snprintf(headers, sizeof headers,
             "Authorization: Bearer %s\r\nContent-Type: application/vnd.osp.plugin\r\n",
             dl->token);
    struct osp_client_response res;
    int rc = osp_client_request("POST", dl->server, "/api/v1/plugins", headers, bundle, len,
                                30000, &res, err, sizeof err);
    if (rc != 0) {
        add_problem(problems, rc, "", "", err, NULL);
        return rc;
    }
    cJSON *j = NULL;
    osp_json_parse(res.body, res.body_len, NULL, &j, NULL);
    if (res.status == 200 || res.status == 201) {
        const char *d = osp_json_get_string(j, "digest");
        snprintf(digest, OSP_SHA256_HEX_BYTES, "%s", d ? d : "");
    } else {
        const cJSON *e = osp_json_get(j, "error");
        const char *code = osp_json_get_string(e, "code");
        rc = code ? osp_error_from_code(code) : 0;
        if (!rc)
            rc = OSP_E_INTERNAL;
        add_problem(problems, rc, "", "", osp_json_get_string(e, "message"),
                    rc == OSP_E_CONFLICT ? "osp dev cannot go back to a lower version; restart "
                                           "osp dev after lowering \"version\""
                                         : NULL);
    }
    cJSON_Delete(j);
    osp_client_response_clear(&res);
    return rc;
}

static int install(struct osp_devloop *dl, const struct osp_manifest *m, const char *digest,
                   cJSON *problems)
{
    /* Exactly what the manifest requests: the relay and the server check
     * every call against these, as they would after an admin's consent. */
    cJSON *grants = cJSON_CreateArray();
    for (size_t i = 0; grants && i < m->n_rpc; i++)
        cJSON_AddItemToArray(grants, cJSON_CreateString(m->rpc[i]));
    char *text = grants ? cJSON_PrintUnformatted(grants) : NULL;
    cJSON_Delete(grants);
    int rc = text ? osp_registry_install(dl->reg, dl->tenant, m->id, digest, text,
                                         (int64_t)time(NULL))
                  : OSP_E_NO_MEMORY;
    cJSON_free(text);
    if (rc != 0)
        add_problem(problems, rc, "", "", "the dev server could not install the build", NULL);
    return rc;
}

static void log_build(const struct osp_devloop *dl, int rc, const cJSON *state)
{
    if (dl->quiet)
        return;
    const cJSON *p = osp_json_get(state, "plugin");
    if (rc == 0) {
        fprintf(stderr, "osp dev: built %s %s in %.0f ms\n", osp_json_get_string(p, "id"),
                osp_json_get_string(p, "version"),
                osp_json_get(state, "build_ms")->valuedouble);
        return;
    }
    const cJSON *problems = osp_json_get(state, "problems");
    for (const cJSON *e = problems ? problems->child : NULL; e; e = e->next) {
        const char *file = osp_json_get_string(e, "file"), *hint = osp_json_get_string(e, "hint");
        fprintf(stderr, "osp dev: %s: %s%s%s\n", osp_json_get_string(e, "code"),
                file && *file ? file : "", file && *file ? ": " : "",
                osp_json_get_string(e, "message"));
        if (hint && *hint)
            fprintf(stderr, "    hint: %s\n", hint);
    }
    fprintf(stderr, "osp dev: build failed; the last good build stays loaded\n");
}

int osp_devloop_build(struct osp_devloop *dl)
{
    pthread_mutex_lock(&dl->lock);
    int64_t t0 = mono_ms();
    int64_t saved_at = dl->saved_at ? dl->saved_at : wall_ms();
    dl->saved_at = 0;
    pthread_mutex_unlock(&dl->lock);

    cJSON *state = cJSON_CreateObject();
    cJSON *problems = cJSON_CreateArray();
    struct osp_diags d = {0};
    unsigned char *raw = NULL, *signed_bundle = NULL;
    size_t raw_len = 0, signed_len = 0;
    struct osp_bundle b = {0};
    struct osp_manifest *m = NULL;
    char version[96] = "", digest[OSP_SHA256_HEX_BYTES] = "";
    /* Exactly what `osp check DIR` and `osp pack DIR` check. */
    int rc = osp_pack_dir(dl->dir, NULL, NULL, &raw, &raw_len, &d);
    if (rc == 0 && (rc = osp_bundle_open(raw, raw_len, &b, &d)) == 0)
        rc = osp_manifest_parse((const char *)b.manifest->data, b.manifest->size, 0, &m, &d);
    add_diags(problems, &d);
    osp_diags_free(&d);
    if (rc == 0)
        rc = ensure_publisher(dl, m->publisher, problems);
    if (rc == 0) {
        dev_version(m->version, ++dl->build_no, version, sizeof version);
        rc = osp_pack_set_version(&b, version, dl->signer, &signed_bundle, &signed_len, &d);
        add_diags(problems, &d);
        osp_diags_free(&d);
    }
    if (rc == 0)
        rc = publish(dl, signed_bundle, signed_len, digest, problems);
    if (rc == 0)
        rc = install(dl, m, digest, problems);
    int64_t t1 = mono_ms();
    cJSON_AddBoolToObject(state, "ok", rc == 0);
    if (m) {
        cJSON *p = cJSON_AddObjectToObject(state, "plugin");
        cJSON_AddStringToObject(p, "id", m->id);
        cJSON_AddStringToObject(p, "version", rc == 0 ? version : m->version);
        cJSON_AddStringToObject(p, "digest", digest);
        cJSON_AddStringToObject(p, "dir", dl->dir);
    } else {
        cJSON_AddNullToObject(state, "plugin");
    }
    cJSON_AddItemToObject(state, "problems", problems);
    cJSON_AddNumberToObject(state, "saved_at", (double)saved_at);
    cJSON_AddNumberToObject(state, "ready_at", (double)wall_ms());
    cJSON_AddNumberToObject(state, "build_ms", (double)(t1 - t0));
    log_build(dl, rc, state);
    osp_manifest_free(m);
    if (b.archive)
        osp_bundle_close(&b);
    free(raw);
    free(signed_bundle);

    pthread_mutex_lock(&dl->lock);
    cJSON_Delete(dl->state);
    dl->state = state;
    dl->generation++;
    pthread_cond_broadcast(&dl->changed);
    pthread_mutex_unlock(&dl->lock);
    return rc;
}

/* ---- watching ------------------------------------------------------------ */

static void watch_tree(struct osp_devloop *dl, const char *path, int depth)
{
    if (depth > 8)
        return;
    if (inotify_add_watch(dl->inotify_fd, path,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                              IN_ATTRIB) < 0)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d));) {
        /* What pack skips never triggers a build either. */
        if (de->d_name[0] == '.' || strcmp(de->d_name, "node_modules") == 0)
            continue;
        char child[PATH_MAX];
        struct stat st;
        snprintf(child, sizeof child, "%s/%s", path, de->d_name);
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            watch_tree(dl, child, depth + 1);
    }
    closedir(d);
}

/* 1 if the events in buf include one worth a build (not an editor's
 * dotfile or backup, not a bundle written into the directory). */
static int relevant(const char *buf, ssize_t n)
{
    int any = 0;
    for (const char *p = buf; p < buf + n;) {
        const struct inotify_event *e = (const struct inotify_event *)p;
        size_t len = e->len ? strlen(e->name) : 0;
        if (!e->len || (e->name[0] != '.' && e->name[len - 1] != '~' &&
                        !(len > 9 && strcmp(e->name + len - 9, ".osplugin") == 0)))
            any = 1;
        p += sizeof *e + e->len;
    }
    return any;
}

static void *watcher_main(void *arg)
{
    struct osp_devloop *dl = arg;
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        struct pollfd fds[2] = {{dl->inotify_fd, POLLIN, 0}, {dl->stop_pipe[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            break;
        if (!(fds[0].revents & POLLIN))
            continue;
        int64_t first = wall_ms();
        int build = 0;
        /* An editor's save is several events (write, rename, attrib): wait
         * until they pause, then build once. */
        do {
            ssize_t n = read(dl->inotify_fd, buf, sizeof buf);
            if (n > 0)
                build |= relevant(buf, n);
            fds[0].revents = 0;
        } while (poll(fds, 1, OSP_DEVLOOP_QUIET_MS) > 0 && (fds[0].revents & POLLIN) &&
                 wall_ms() - first < 200);
        if (!build)
            continue;
        pthread_mutex_lock(&dl->lock);
        int stopping = dl->stopping;
        dl->saved_at = first;
        pthread_mutex_unlock(&dl->lock);
        if (stopping)
            break;
        watch_tree(dl, dl->dir, 0); /* new subdirectories */
        osp_devloop_build(dl);
    }
    return NULL;
}

int osp_devloop_watch(struct osp_devloop *dl)
{
    dl->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (dl->inotify_fd < 0 || pipe(dl->stop_pipe) != 0)
        return OSP_E_IO;
    watch_tree(dl, dl->dir, 0);
    if (pthread_create(&dl->watcher, NULL, watcher_main, dl) != 0)
        return OSP_E_IO;
    dl->watching = 1;
    return 0;
}

cJSON *osp_devloop_state(struct osp_devloop *dl, uint64_t since, int timeout_ms)
{
    if (timeout_ms > OSP_DEVLOOP_WAIT_MAX_MS)
        timeout_ms = OSP_DEVLOOP_WAIT_MAX_MS;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&dl->lock);
    while (!dl->stopping && dl->generation <= since && timeout_ms > 0)
        if (pthread_cond_timedwait(&dl->changed, &dl->lock, &until) != 0)
            break;
    cJSON *out = dl->state ? cJSON_Duplicate(dl->state, 1) : cJSON_CreateObject();
    if (out) {
        cJSON_AddNumberToObject(out, "generation", (double)dl->generation);
        cJSON_AddBoolToObject(out, "stopping", dl->stopping);
    }
    pthread_mutex_unlock(&dl->lock);
    return out;
}

void osp_devloop_stop(struct osp_devloop *dl)
{
    pthread_mutex_lock(&dl->lock);
    dl->stopping = 1;
    pthread_cond_broadcast(&dl->changed);
    pthread_mutex_unlock(&dl->lock);
    if (dl->watching) {
        ssize_t w = write(dl->stop_pipe[1], "x", 1);
        (void)w;
        pthread_join(dl->watcher, NULL);
        dl->watching = 0;
    }
}

void osp_devloop_free(struct osp_devloop *dl)
{
    if (!dl)
        return;
    osp_devloop_stop(dl);
    if (dl->inotify_fd >= 0)
        close(dl->inotify_fd);
    for (int i = 0; i < 2; i++)
        if (dl->stop_pipe[i] >= 0)
            close(dl->stop_pipe[i]);
    osp_signer_free(dl->signer);
    osp_registry_close(dl->reg);
    cJSON_Delete(dl->state);
    memset(dl->token, 0, sizeof dl->token);
    pthread_cond_destroy(&dl->changed);
    pthread_mutex_destroy(&dl->lock);
    free(dl);
}
