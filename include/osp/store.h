/* The content-addressed blob store: <data>/blobs/sha256/ab/cdef… where the
 * name is the SHA-256 of the content.  Writes are durable and atomic
 * (osp_fs_write_atomic); reads re-check the hash so a corrupted blob is
 * never served as if it were good.
 */
#ifndef OSP_STORE_H
#define OSP_STORE_H

#include <stddef.h>

#include "osp/hash.h"

struct osp_store;

/* Opens (creating if needed) the store under data_dir.  Returns 0,
 * OSP_E_IO or OSP_E_NO_MEMORY. */
int osp_store_open(const char *data_dir, struct osp_store **out);

/* NULL does nothing. */
void osp_store_close(struct osp_store *s);

/* Stores data durably under its hash (written into hex).  Storing bytes
 * that are already present does nothing.  Returns 0 or OSP_E_IO. */
int osp_store_put(struct osp_store *s, const void *data, size_t len,
                  char hex[OSP_SHA256_HEX_BYTES]);

/* Reads the blob named hex (at most max bytes) into a new buffer (free()
 * it).  Returns 0, OSP_E_NOT_FOUND, OSP_E_INVALID_ARGUMENT (hex is not a
 * digest), OSP_E_TOO_BIG, OSP_E_IO, or OSP_E_DIGEST_MISMATCH when the
 * bytes on disk no longer hash to their name. */
int osp_store_get(struct osp_store *s, const char *hex, size_t max, char **data, size_t *len);

/* The file path of blob hex (which must be a digest).  Returns 0 or
 * OSP_E_INVALID_ARGUMENT. */
int osp_store_path(const struct osp_store *s, const char *hex, char *out, size_t cap);

struct osp_store_report {
    size_t blobs;      /* blobs whose content matches their name */
    size_t bytes;      /* their total size */
    size_t corrupt;    /* content does not match the name (moved aside with repair) */
    size_t temporary;  /* leftovers of interrupted writes (removed with repair) */
    size_t unexpected; /* anything else under blobs/ (left alone) */
};

/* Re-hashes every blob.  found() hears each problem ("corrupt",
 * "temporary", "unexpected" and the path below the store) and each good
 * blob ("blob", hex), if not NULL.  With repair, corrupt blobs move to
 * <data>/quarantine/ and temporary files are deleted: neither was ever
 * visible as a good blob.  Returns 0 or OSP_E_IO. */
int osp_store_verify(struct osp_store *s, int repair,
                     void (*found)(void *ctx, const char *what, const char *name), void *ctx,
                     struct osp_store_report *out);

/* Deletes blob hex (garbage collection of unreferenced blobs).  Returns 0,
 * OSP_E_NOT_FOUND or OSP_E_IO. */
int osp_store_remove(struct osp_store *s, const char *hex);

/* Seconds since blob hex was written, or -1 if it does not exist. */
long long osp_store_age(struct osp_store *s, const char *hex);

#endif
