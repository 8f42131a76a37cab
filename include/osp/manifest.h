/* The plugin manifest (osplugin.json, format 1): strict parsing and
 * validation.  docs/bundle-format.md is the specification; this module is
 * the one implementation the server, CLI and browser share.
 */
#ifndef OSP_MANIFEST_H
#define OSP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "osp/diag.h"
#include "osp/hash.h"

#define OSP_MANIFEST_MAX_BYTES (256u * 1024u)
#define OSP_MANIFEST_MAX_DEPTH 8
#define OSP_MANIFEST_MAX_FILES 1000
#define OSP_MANIFEST_MAX_FILE_SIZE (16u * 1024u * 1024u)
#define OSP_MANIFEST_MAX_TOTAL_SIZE (64u * 1024u * 1024u)
#define OSP_MANIFEST_MAX_CONTRIBUTIONS 32
#define OSP_ID_MAX_LEN 64
#define OSP_NAME_MAX_LEN 100

/* Parse flags. */
#define OSP_MANIFEST_SOURCE 1u  /* an author's source manifest: "files" may be absent */
#define OSP_MANIFEST_PARTIAL 2u /* on failure, still return what did validate (diagnostics) */

enum osp_surface {
    OSP_SURFACE_WIDGET,
    OSP_SURFACE_FIELD_RENDERER,
    OSP_SURFACE_VIEW,
};

struct osp_contribution {
    enum osp_surface surface;
    char id[33];
    char *title;     /* NULL when absent (optional for field renderers) */
    char *entry;     /* a path in files */
    char *module;    /* an ES module in files for in-app use (tier U0), or NULL */
    char target[33]; /* fieldType (field renderers) or object (views), else "" */
    int height;      /* size hint in CSS pixels, 0 when absent */
};

struct osp_manifest_file {
    char *path;
    unsigned char sha256[OSP_SHA256_BYTES];
    uint64_t size;
};

struct osp_manifest {
    int format;
    char id[OSP_ID_MAX_LEN + 1];
    char *name;
    char *description; /* NULL when absent */
    char version[65];
    char publisher[OSP_ID_MAX_LEN + 1];
    char runtime[9];
    char engines[65]; /* engines["osp-ui"] */
    struct osp_contribution *contributions;
    size_t n_contributions;
    char **rpc; /* requested RPC permissions */
    size_t n_rpc;
    char **connect; /* requested connect-src origins */
    size_t n_connect;
    char **img; /* requested img-src origins */
    size_t n_img;
    struct osp_manifest_file *files; /* sorted by path */
    size_t n_files;
    int has_files; /* 0 only for a source manifest without "files" */
};

/* Parses and validates buf[0..len).  On success stores a new manifest in
 * *out (release with osp_manifest_free) and returns 0.  On failure *out is
 * NULL (unless OSP_MANIFEST_PARTIAL asks for the fields that did validate,
 * which the caller then frees) and the first problem's code is returned; if diags is not NULL every
 * problem found is appended there (file left empty for the caller to set).
 * Checks: strict JSON, known keys only, types, id/publisher/name rules,
 * semver, runtime "ui", engines compatible with this core, contributions
 * (unique ids, entries listed in files), permission vocabulary, origins,
 * file paths, hashes and sizes, counts and totals. */
int osp_manifest_parse(const char *buf, size_t len, unsigned flags, struct osp_manifest **out,
                       struct osp_diags *diags);

/* Frees m and everything it owns; NULL does nothing. */
void osp_manifest_free(struct osp_manifest *m);

/* The file entry for path, or NULL. */
const struct osp_manifest_file *osp_manifest_find_file(const struct osp_manifest *m,
                                                       const char *path);

/* The contribution with id, or NULL. */
const struct osp_contribution *osp_manifest_find_contribution(const struct osp_manifest *m,
                                                              const char *id);

/* "widgets", "fieldRenderers" or "views". */
const char *osp_manifest_surface_name(enum osp_surface s);

/* Returns 0 if id is a valid plugin id: 3..64 bytes of [a-z0-9.-], at least
 * two dot-separated labels, each starting and ending with [a-z0-9].
 * Otherwise OSP_E_BAD_ID. */
int osp_manifest_check_id(const char *id);

#endif
