/* File helpers for the native side: bounded reads and durable writes.
 *
 * osp_fs_write_atomic is the only way osp writes a file that must survive
 * a crash: write a temporary file in the same directory, fsync it, rename
 * it over the target, fsync the directory.  A reader sees the old file or
 * the new one, never a mixture; an fsync failure is an error.
 */
#ifndef OSP_FSUTIL_H
#define OSP_FSUTIL_H

#include <stddef.h>

/* Reads the whole file at path into a new buffer (*data, NUL-terminated
 * for convenience, *len excludes the NUL).  Files larger than max fail with
 * OSP_E_TOO_BIG.  Returns 0, OSP_E_NOT_FOUND, OSP_E_IO, OSP_E_NO_MEMORY. */
int osp_fs_read(const char *path, size_t max, char **data, size_t *len);

/* Durably replaces path with data (see above); mode is applied to the new
 * file (e.g. 0600 for secret keys).  Returns 0 or OSP_E_IO. */
int osp_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Creates path and missing parents with mode 0755 (like mkdir -p), and
 * fsyncs each parent that gained an entry.  Returns 0 or OSP_E_IO. */
int osp_fs_mkdirs(const char *path);

/* fsync()s the directory at path.  Returns 0 or OSP_E_IO. */
int osp_fs_sync_dir(const char *path);

/* Writes "a/b" into out.  Returns 0, or -1 (out untouched beyond a NUL)
 * if it does not fit. */
int osp_fs_join(char *out, size_t cap, const char *a, const char *b);

/* 1 if path exists (any type), else 0. */
int osp_fs_exists(const char *path);

#endif
