/* Diagnostics: every problem found in one pass, each with a stable code,
 * where it is (file + JSON pointer), what is wrong and how to fix it.
 *
 * Parsers take an optional struct osp_diags *; when given, they keep going
 * after the first problem and append one entry per problem, so `osp check`
 * can print them all.  The caller owns the struct: zero-initialise it, and
 * release it with osp_diags_free().
 */
#ifndef OSP_DIAG_H
#define OSP_DIAG_H

#include <stddef.h>

#define OSP_DIAG_MAX 256 /* further problems are counted, not stored */

struct osp_diag {
    int code;           /* an OSP_E_* value */
    char file[128];     /* e.g. "osplugin.json"; may be empty */
    char pointer[192];  /* RFC 6901 JSON pointer, "" for the whole document */
    char message[256];  /* what is wrong, one line */
    char hint[256];     /* how to fix it, may be empty */
};

struct osp_diags {
    struct osp_diag *items;
    size_t n;       /* stored entries */
    size_t dropped; /* entries past OSP_DIAG_MAX */
    size_t cap;
};

/* Appends a diagnostic.  message and hint are printf formats; hint may be
 * NULL.  Does nothing if d is NULL.  Allocation failure drops the entry and
 * counts it in d->dropped. */
void osp_diag_add(struct osp_diags *d, int code, const char *file, const char *pointer,
                  const char *hint, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Sets file on every entry from index `from` that has none. */
void osp_diags_set_file(struct osp_diags *d, size_t from, const char *file);

/* Releases the entries; the struct can be reused afterwards. */
void osp_diags_free(struct osp_diags *d);

/* Appends the RFC 6901 escape of token ('~' -> "~0", '/' -> "~1") to the
 * pointer in buf (NUL-terminated, capacity cap), after a '/'.  Truncates
 * silently at cap. */
void osp_diag_pointer_push(char *buf, size_t cap, const char *token);

#endif
