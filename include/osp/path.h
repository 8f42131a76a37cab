/* Bundle-relative paths: the one definition of a safe file name inside a
 * plugin, used by the manifest ("files" keys, entries), the archive reader
 * and the asset server alike. */
#ifndef OSP_PATH_H
#define OSP_PATH_H

#include <stddef.h>

#define OSP_PATH_MAX_LEN 200    /* fits a ustar name field with room to spare */
#define OSP_PATH_MAX_SEGMENTS 8

/* Returns 0 if path is a normalised relative path: segments of
 * [A-Za-z0-9._@+-] joined by single '/', none empty, "." or "..", none
 * starting with '.' except a single leading-dot file at the top is not
 * allowed either (dotfiles are never plugin content), at most
 * OSP_PATH_MAX_LEN bytes and OSP_PATH_MAX_SEGMENTS segments.  Backslashes,
 * drive letters, absolute paths, NUL, percent signs and non-ASCII are
 * refused.  Otherwise OSP_E_ARCHIVE_PATH. */
int osp_path_check(const char *path);

/* ASCII case-insensitive equality, for refusing names that collide on
 * case-insensitive file systems. */
int osp_path_equal_nocase(const char *a, const char *b);

/* Whether path names a reserved bundle member (the manifest or its
 * signature), which cannot appear in "files". */
int osp_path_is_reserved(const char *path);

/* The MIME type served for path, from its extension ("text/html;
 * charset=utf-8", "text/javascript; charset=utf-8", …), or
 * "application/octet-stream".  Static storage. */
const char *osp_path_mime_type(const char *path);

#endif
