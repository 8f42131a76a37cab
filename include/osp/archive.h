/* The .osplugin container: a ustar tar compressed with brotli.
 *
 * Packing is deterministic (entries sorted by path, mode 0644, uid/gid 0,
 * mtime 0, empty owner names), so the same files always give the same
 * bytes.  Unpacking is strict and bounded: regular files only, safe
 * normalised paths (osp_path_check), no duplicates or case-only
 * collisions, at most OSP_ARCHIVE_MAX_ENTRIES entries and
 * OSP_ARCHIVE_MAX_UNPACKED bytes, and a decompression ratio cap checked as
 * bytes come out of the decoder, so a brotli bomb fails before memory
 * grows.  Nothing is written to disk here.
 */
#ifndef OSP_ARCHIVE_H
#define OSP_ARCHIVE_H

#include <stddef.h>

#include "osp/diag.h"
#include "osp/manifest.h"

#define OSP_ARCHIVE_MAX_BYTES (80u * 1024u * 1024u) /* compressed */
#define OSP_ARCHIVE_MAX_ENTRIES (OSP_MANIFEST_MAX_FILES + 2)
/* Files plus manifest, signature and one 512-byte header + padding each. */
#define OSP_ARCHIVE_MAX_UNPACKED                                                                  \
    (OSP_MANIFEST_MAX_TOTAL_SIZE + OSP_MANIFEST_MAX_BYTES + 8192u +                               \
     OSP_ARCHIVE_MAX_ENTRIES * 1024u + 1024u)
#define OSP_ARCHIVE_MAX_RATIO 200 /* unpacked bytes per compressed byte, past 1 MiB */

struct osp_archive_entry {
    const char *path;
    const unsigned char *data;
    size_t size;
};

struct osp_archive {
    struct osp_archive_entry *entries; /* sorted by path */
    size_t n;
    unsigned char *tar; /* the decompressed tar; entries point into it */
    size_t tar_len;
    char *names; /* NUL-terminated paths, entries point into it */
};

/* Unpacks a .osplugin.  Returns 0 and a new archive in *out (release with
 * osp_archive_free), or OSP_E_ARCHIVE_INVALID, OSP_E_ARCHIVE_PATH,
 * OSP_E_ARCHIVE_BOMB, OSP_E_TOO_BIG, OSP_E_NO_MEMORY, with details in diags
 * when not NULL. */
int osp_archive_unpack(const void *data, size_t len, struct osp_archive **out,
                       struct osp_diags *diags);

void osp_archive_free(struct osp_archive *a);

/* The entry for path, or NULL. */
const struct osp_archive_entry *osp_archive_find(const struct osp_archive *a, const char *path);

/* Packs entries (any order; paths must pass osp_path_check or be the
 * reserved manifest/signature names) into a new malloc'd .osplugin buffer.
 * Returns 0, OSP_E_ARCHIVE_PATH, OSP_E_TOO_BIG or OSP_E_NO_MEMORY. */
int osp_archive_pack(const struct osp_archive_entry *entries, size_t n, unsigned char **out,
                     size_t *out_len);

#endif
