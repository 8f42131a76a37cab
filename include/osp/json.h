/* Strict JSON: a validating scan before cJSON builds the tree.
 *
 * cJSON is lenient (leading zeros, lone '-', NUL in \u escapes, duplicate
 * keys, unbounded depth).  osp_json_validate scans the bytes against the
 * RFC 8259 grammar with limits, refusing duplicate keys and non-finite
 * numbers; osp_json_parse then lets cJSON build the tree.  Hot paths (the
 * relay's check of every RPC message) read validated text in place with
 * the span functions instead, without a tree.  Every JSON input osp reads
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

/* Checks that buf[0..len) is one strict JSON value, exactly what
 * osp_json_parse accepts, without building anything (keys are compared as
 * JSON.parse would see them, escapes decoded).  Returns 0 or the codes of
 * osp_json_parse.  Allocates only for objects of more than 8 keys. */
int osp_json_validate(const char *buf, size_t len, const struct osp_json_limits *limits,
                      size_t *err_offset);

/* Parses buf[0..len) into a new cJSON tree stored in *out (free it with
 * cJSON_Delete).  Returns 0, or OSP_E_TOO_BIG, OSP_E_BAD_UTF8 (invalid UTF-8,
 * raw or escaped NUL), OSP_E_JSON_SYNTAX, OSP_E_JSON_DEPTH,
 * OSP_E_JSON_DUPLICATE_KEY, OSP_E_NO_MEMORY.  On failure *out is NULL and,
 * if err_offset is not NULL, it receives the byte offset of the problem. */
int osp_json_parse(const char *buf, size_t len, const struct osp_json_limits *limits,
                   cJSON **out, size_t *err_offset);

/* Reading text that osp_json_validate accepted, in place, with no tree
 * and no allocation: a value is a span of the text (a string's span
 * includes its quotes).  These functions assume valid text; on anything
 * else their results are meaningless (but they stay within the span). */
struct osp_json_span {
    const char *p;
    size_t n;
};

/* The value of buf[0..len) without the whitespace around it. */
struct osp_json_span osp_json_span_of(const char *buf, size_t len);

/* An object's members in order: begin with the object's span, then each
 * next() gives a key (a string span) and its value; 0 at the end. */
struct osp_json_members {
    const char *p, *end;
};
void osp_json_members_begin(struct osp_json_members *it, struct osp_json_span object);
int osp_json_members_next(struct osp_json_members *it, struct osp_json_span *key,
                          struct osp_json_span *value);

/* A string value decoded (escapes resolved, UTF-8): writes at most cap - 1
 * bytes and a NUL (when cap > 0); returns the decoded length in bytes,
 * whatever cap was.  Valid strings never decode to a NUL. */
size_t osp_json_string(struct osp_json_span s, char *out, size_t cap);

/* Whether the value is a string that decodes to exactly text. */
int osp_json_string_is(struct osp_json_span s, const char *text);

/* A number value as a double (strtod on the text). */
double osp_json_number(struct osp_json_span v);

/* Returns 0 if s[0..len) is well-formed UTF-8 without NUL (no overlongs, no
 * surrogates, nothing above U+10FFFF), else OSP_E_BAD_UTF8. */
int osp_json_check_utf8(const char *s, size_t len);

/* Case-sensitive member lookup; NULL if obj is not an object or lacks key. */
const cJSON *osp_json_get(const cJSON *obj, const char *key);

/* The member's string value if it is a string, else NULL. */
const char *osp_json_get_string(const cJSON *obj, const char *key);

/* Appends s to out as a JSON string literal (quotes and escapes included),
 * escaped as JSON.stringify escapes: \" \\ \b \f \n \r \t, other control
 * characters as \u00xx, everything else as it is.
 * Returns the number of bytes the literal needs (excluding the final NUL),
 * writing at most cap bytes and always NUL-terminating when cap > 0. */
size_t osp_json_quote(const char *s, char *out, size_t cap);

/* Prints v as JSON with two-space indentation and a final newline, object
 * members in their order: a stable, readable form (pack writes manifests
 * with it).  *out is malloc'd.  Returns 0 or OSP_E_NO_MEMORY. */
int osp_json_print_pretty(const cJSON *v, char **out, size_t *len);

#endif
