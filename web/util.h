/* Internal helpers shared by the core's sources (not part of the API). */
#ifndef OSP_WEB_UTIL_H
#define OSP_WEB_UTIL_H

#include <stddef.h>

/* Levenshtein distance of two short strings (each at most 40 bytes);
 * 99 when either is longer.  Used to suggest the spelling a user meant. */
size_t osp__edit_distance(const char *a, const char *b);

/* malloc'd copy of s, or NULL when out of memory. */
char *osp__strdup(const char *s);

#endif
