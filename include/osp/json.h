/* Strict JSON: a validating scan before cJSON builds the tree.
 *
 * cJSON is lenient (leading zeros, lone '-', NUL in \u escapes, duplicate
 * keys, unbounded depth).  osp_json_parse first scans the bytes against the
 * RFC 8259 grammar with limits, then lets cJSON build the tree, then walks
 * it for duplicate keys and non-finite numbers.  Every JSON input osp reads
 * (manifests, RPC messages, API bodies) goes through here.
 */
#ifndef OSP_JSON_H
#define OSP_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define OSP_JSON_DEFAULT_MAX_DEPTH 32

struct osp_json_limits {
    size_t max_bytes; /* inputs longer than this fail with OSP_E_TOO_BIG */
    int max_depth;    /* nesting of arrays/objects; past it OSP_E_JSON_DEPTH */
};

/* Parses buf[0..len) into a new cJSON tree stored in *out (free it with
 * cJSON_Delete).  Returns 0, or OSP_E_TOO_BIG, OSP_E_BAD_UTF8 (invalid UTF-8,
 * raw or escaped NUL), OSP_E_JSON_SYNTAX, OSP_E_JSON_DEPTH,
 * OSP_E_JSON_DUPLICATE_KEY, OSP_E_NO_MEMORY.  On failure *out is NULL and,
 * if err_offset is not NULL, it receives the byte offset of the problem. */
int osp_json_parse(const char *buf, size_t len, const struct osp_json_limits *limits,
                   cJSON **out, size_t *err_offset);

/* Returns 0 if s[0..len) is well-formed UTF-8 without NUL (no overlongs, no
 * surrogates, nothing above U+10FFFF), else OSP_E_BAD_UTF8. */
int osp_json_check_utf8(const char *s, size_t len);

/* Case-sensitive member lookup; NULL if obj is not an object or lacks key. */
const cJSON *osp_json_get(const cJSON *obj, const char *key);

/* The member's string value if it is a string, else NULL. */
const char *osp_json_get_string(const cJSON *obj, const char *key);

/* Appends s to out as a JSON string literal (quotes and escapes included).
 * Returns the number of bytes the literal needs (excluding the final NUL),
 * writing at most cap bytes and always NUL-terminating when cap > 0. */
size_t osp_json_quote(const char *s, char *out, size_t cap);

/* Prints v as JSON with two-space indentation and a final newline, object
 * members in their order: a stable, readable form (pack writes manifests
 * with it).  *out is malloc'd.  Returns 0 or OSP_E_NO_MEMORY. */
int osp_json_print_pretty(const cJSON *v, char **out, size_t *len);

#endif
