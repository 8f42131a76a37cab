/* osp store verify: every blob re-hashed, every registry reference
 * resolved, leftovers of interrupted writes removed, corrupt blobs moved
 * aside, and unreferenced blobs reported (and collected with --gc). */
#include "cli.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GC_MIN_AGE_S 600 /* a blob this young may belong to a publish in flight */

struct seen {
    char (*hex)[OSP_SHA256_HEX_BYTES];
    size_t n, cap;
    int json;
    cJSON *problems;
};

static void found(void *ctx, const char *what, const char *name)
{
    struct seen *s = ctx;
    if (strcmp(what, "blob") == 0) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            void *nh = realloc(s->hex, cap * sizeof *s->hex);
            if (!nh)
                return;
            s->hex = nh;
            s->cap = cap;
        }
        snprintf(s->hex[s->n++], OSP_SHA256_HEX_BYTES, "%s", name);
        return;
    }
    if (s->json) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "kind", what);
        cJSON_AddStringToObject(p, "name", name);
        cJSON_AddItemToArray(s->problems, p);
    } else {
        fprintf(stderr, "osp store: %s: %s\n", what, name);
    }
}

static int cmp_hex(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int have(const struct seen *s, const char *hex)
{
    return bsearch(hex, s->hex, s->n, sizeof *s->hex, cmp_hex) != NULL;
}

/* Marks hex referenced; reports it dangling if the store lacks it. */
static void reference(struct seen *s, char *refs, const char *hex, const char *by, int *dangling)
{
    char(*hit)[OSP_SHA256_HEX_BYTES] = bsearch(hex, s->hex, s->n, sizeof *s->hex, cmp_hex);
    if (hit) {
        refs[hit - s->hex] = 1;
        return;
    }
    (*dangling)++;
    char what[200];
    snprintf(what, sizeof what, "%s (needed by %s)", hex, by);
    found(s, "dangling", what);
}

int osp_cli_store(int argc, char **argv)
{
    const char *data = NULL;
    int repair = 0, gc = 0, json = 0;
    if (argc < 2 || strcmp(argv[1], "verify") != 0)
        return osp_cli_usage("store", "say: osp store verify [--repair] [--gc] [--json]");
    for (int i = 2; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", &data);
        if (r < 0)
            return osp_cli_usage("store", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--repair") == 0)
            repair = 1;
        else if (strcmp(argv[i], "--gc") == 0)
            gc = 1;
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return osp_cli_usage("store", "unexpected argument %s", argv[i]);
    }
    const char *dir = osp_cli_data_dir(data);
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/registry.db", dir);
    if (!osp_fs_exists(db))
        return osp_cli_fail(OSP_E_NOT_FOUND, "%s is not an osp data directory", dir);
    struct osp_store *store = NULL;
    struct osp_registry *reg = NULL;
    if (osp_store_open(dir, &store) != 0)
        return osp_cli_fail(OSP_E_IO, "cannot open the store in %s", dir);
    if (osp_cli_open_registry(dir, &reg) != 0) {
        osp_store_close(store);
        return OSP_EXIT_FAIL;
    }
    struct seen s = {NULL, 0, 0, json, json ? cJSON_CreateArray() : NULL};
    struct osp_store_report rep;
    int rc = osp_store_verify(store, repair, found, &s, &rep);
    qsort(s.hex, s.n, sizeof *s.hex, cmp_hex);
    char *refs = calloc(s.n ? s.n : 1, 1);

    /* Everything the registry names must be a good blob. */
    int dangling = 0;
    struct osp_plugin_row *plugins = NULL;
    size_t np = 0;
    if (rc == 0)
        rc = osp_registry_plugins(reg, NULL, &plugins, &np);
    for (size_t p = 0; rc == 0 && p < np; p++) {
        struct osp_version_row *vs = NULL;
        size_t nv = 0;
        rc = osp_registry_versions(reg, plugins[p].id, &vs, &nv);
        for (size_t i = 0; rc == 0 && i < nv; i++) {
            char by[160];
            snprintf(by, sizeof by, "%s %s", vs[i].plugin_id, vs[i].version);
            reference(&s, refs, vs[i].digest, by, &dangling);
            if (!have(&s, vs[i].digest))
                continue;
            char *text = NULL;
            size_t len = 0;
            struct osp_manifest *m = NULL;
            if (osp_store_get(store, vs[i].digest, OSP_MANIFEST_MAX_BYTES, &text, &len) == 0 &&
                osp_manifest_parse(text, len, 0, &m, NULL) == 0)
                for (size_t f = 0; f < m->n_files; f++) {
                    char hex[OSP_SHA256_HEX_BYTES];
                    osp_hash_to_hex(m->files[f].sha256, OSP_SHA256_BYTES, hex);
                    reference(&s, refs, hex, by, &dangling);
                }
            osp_manifest_free(m);
            free(text);
        }
        osp_registry_versions_free(vs, nv);
    }
    osp_registry_plugins_free(plugins, np);
    struct osp_variant_row *variants = NULL;
    size_t nvar = 0;
    if (rc == 0 && (rc = osp_registry_variants(reg, &variants, &nvar)) == 0)
        for (size_t i = 0; i < nvar; i++) {
            char by[100];
            snprintf(by, sizeof by, "the %s variant of %.16s…", variants[i].encoding,
                     variants[i].sha256);
            reference(&s, refs, variants[i].variant, by, &dangling);
        }
    free(variants);

    /* Blobs nothing names: left by publishes that never committed. */
    size_t orphans = 0, collected = 0;
    for (size_t i = 0; rc == 0 && i < s.n; i++) {
        if (refs[i])
            continue;
        orphans++;
        if (gc && osp_store_age(store, s.hex[i]) >= GC_MIN_AGE_S &&
            osp_store_remove(store, s.hex[i]) == 0)
            collected++;
        else
            found(&s, "unreferenced", s.hex[i]);
    }
    int bad = rep.corrupt > 0 || dangling > 0;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "blobs", (double)rep.blobs);
        cJSON_AddNumberToObject(o, "bytes", (double)rep.bytes);
        cJSON_AddNumberToObject(o, "corrupt", (double)rep.corrupt);
        cJSON_AddNumberToObject(o, "temporary", (double)rep.temporary);
        cJSON_AddNumberToObject(o, "unexpected", (double)rep.unexpected);
        cJSON_AddNumberToObject(o, "dangling", dangling);
        cJSON_AddNumberToObject(o, "unreferenced", (double)(orphans - collected));
        cJSON_AddNumberToObject(o, "collected", (double)collected);
        cJSON_AddItemToObject(o, "problems", s.problems);
        s.problems = NULL;
        osp_cli_print_json(o);
    } else if (rc == 0) {
        printf("%zu blobs (%.1f MB) verified; %zu corrupt%s, %d dangling, %zu temporary%s, "
               "%zu unreferenced%s\n",
               rep.blobs, rep.bytes / 1048576.0, rep.corrupt,
               repair && rep.corrupt ? " (quarantined)" : "", dangling, rep.temporary,
               repair && rep.temporary ? " (removed)" : "", orphans - collected,
               collected ? " (after gc)" : "");
    }
    cJSON_Delete(s.problems);
    free(s.hex);
    free(refs);
    osp_registry_close(reg);
    osp_store_close(store);
    if (rc != 0)
        return osp_cli_fail(rc, "the store could not be read completely");
    return bad ? osp_cli_fail(OSP_E_DIGEST_MISMATCH, "the store has corrupt or missing blobs")
               : 0;
}
