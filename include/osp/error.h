/* osp error codes: one list, append only.
 *
 * Every fallible osp function returns 0 on success or a negative OSP_E_*
 * value.  The numeric value and the string code of an entry never change
 * once released; new entries go at the end.  The same list produces the
 * enum, osp_error_code(), osp_strerror() and the JSON table handed to the
 * JavaScript side, so no layer hardcodes a code of its own.
 */
#ifndef OSP_ERROR_H
#define OSP_ERROR_H

#include <stddef.h>

/* X(NAME, number, "stable_code", "message", http_status) */
#define OSP_ERROR_LIST(X)                                                                  \
    X(INVALID_ARGUMENT, 1, "invalid_argument", "invalid argument", 400)                    \
    X(NO_MEMORY, 2, "no_memory", "out of memory", 500)                                     \
    X(TOO_BIG, 3, "too_big", "input exceeds a size or count limit", 413)                   \
    X(IO, 4, "io", "input/output error", 500)                                              \
    X(JSON_SYNTAX, 5, "json_syntax", "malformed JSON", 400)                                \
    X(JSON_DUPLICATE_KEY, 6, "json_duplicate_key", "duplicate key in a JSON object", 400)  \
    X(JSON_DEPTH, 7, "json_depth", "JSON nested too deeply", 400)                          \
    X(BAD_UTF8, 8, "bad_utf8", "text is not valid UTF-8 or contains NUL", 400)            \
    X(MANIFEST_INVALID, 9, "manifest_invalid", "manifest is invalid", 422)                 \
    X(UNKNOWN_KEY, 10, "unknown_key", "unknown key in manifest", 422)                      \
    X(BAD_TYPE, 11, "bad_type", "a manifest field has the wrong type", 422)                \
    X(MISSING_FIELD, 12, "missing_field", "a required manifest field is missing", 422)     \
    X(BAD_ID, 13, "bad_id", "identifier does not follow the naming rules", 422)            \
    X(BAD_VERSION, 14, "bad_version", "version is not a valid semantic version", 422)      \
    X(UNSUPPORTED_FORMAT, 15, "unsupported_format", "unsupported manifest format", 422)    \
    X(UNSUPPORTED_RUNTIME, 16, "unsupported_runtime", "unsupported plugin runtime", 422)   \
    X(INCOMPATIBLE_ENGINES, 17, "incompatible_engines",                                    \
      "plugin requires a protocol version this host does not speak", 422)                  \
    X(BAD_PERMISSION, 18, "bad_permission", "unknown or malformed permission", 422)        \
    X(BAD_ORIGIN, 19, "bad_origin", "origin is not an exact https origin", 422)            \
    X(MISSING_FILE, 20, "missing_file", "a referenced file is missing", 422)               \
    X(UNLISTED_FILE, 21, "unlisted_file", "a file is not listed in the manifest", 422)     \
    X(DIGEST_MISMATCH, 22, "digest_mismatch", "content does not match its digest", 422)    \
    X(SIZE_MISMATCH, 23, "size_mismatch", "file size does not match the manifest", 422)    \
    X(SIGNATURE_MALFORMED, 24, "signature_malformed", "signature file is malformed", 422)  \
    X(SIGNATURE_INVALID, 25, "signature_invalid", "signature does not verify", 422)        \
    X(UNKNOWN_KEY_ID, 26, "unknown_key_id", "signed by a key that is not trusted", 422)    \
    X(KEY_MALFORMED, 27, "key_malformed", "key file is malformed", 400)                    \
    X(UNSUPPORTED_ALGORITHM, 28, "unsupported_algorithm",                                  \
      "unsupported signature, key derivation or checksum algorithm", 422)                  \
    X(SIGNATURE_BINDING, 29, "signature_binding",                                          \
      "the signed trusted comment does not name this bundle", 422)                         \
    X(KEY_REVOKED, 30, "key_revoked", "the signing key was revoked", 422)                  \
    X(KEY_RETIRED, 31, "key_retired", "the signing key was retired before this use", 422)  \
    X(UNTRUSTED_PUBLISHER, 32, "untrusted_publisher", "publisher is not trusted", 403)     \
    X(ARCHIVE_INVALID, 33, "archive_invalid", "bundle archive is malformed", 422)          \
    X(ARCHIVE_PATH, 34, "archive_path", "bundle contains a forbidden path", 422)           \
    X(ARCHIVE_BOMB, 35, "archive_bomb", "bundle decompresses beyond its limits", 413)      \
    X(SECRET_FILE, 36, "secret_file", "a secret-looking file would be packed", 422)        \
    X(RPC_PARSE, 37, "parse_error", "message is not valid JSON", 400)                      \
    X(RPC_INVALID_REQUEST, 38, "invalid_request", "not a valid JSON-RPC 2.0 request", 400) \
    X(METHOD_NOT_FOUND, 39, "method_not_found", "unknown method", 404)                     \
    X(INVALID_PARAMS, 40, "invalid_params", "invalid method parameters", 400)              \
    X(PERMISSION_DENIED, 41, "permission_denied", "permission denied", 403)                \
    X(RATE_LIMITED, 42, "rate_limited", "too many calls; slow down", 429)                  \
    X(TIMEOUT, 43, "timeout", "the call did not complete in time", 504)                    \
    X(NOT_FOUND, 44, "not_found", "not found", 404)                                        \
    X(CONFLICT, 45, "conflict", "conflicts with the current state", 409)                   \
    X(UNAUTHORIZED, 46, "unauthorized", "authentication required or invalid", 401)         \
    X(FORBIDDEN, 47, "forbidden", "not allowed", 403)                                      \
    X(UNSUPPORTED_MEDIA_TYPE, 48, "unsupported_media_type", "unsupported content type",    \
      415)                                                                                 \
    X(INTERNAL, 49, "internal", "internal error", 500)                                     \
    X(REVOKED, 50, "revoked", "this bundle version was revoked", 410)                      \
    X(ID_MISMATCH, 51, "id_mismatch", "plugin id does not match", 422)                     \
    X(VERSION_MISMATCH, 52, "version_mismatch", "plugin version does not match", 422)      \
    X(WRONG_PASSWORD, 53, "wrong_password", "wrong password for that key", 400)            \
    X(BAD_REQUEST, 54, "bad_request", "malformed HTTP request", 400)                       \
    X(METHOD_NOT_ALLOWED, 55, "method_not_allowed", "HTTP method not allowed", 405)        \
    X(UNAVAILABLE, 56, "unavailable", "service unavailable", 503)                          \
    X(CANCELLED, 57, "cancelled", "the call was cancelled", 499)                          \
    X(DIR_NOT_EMPTY, 58, "dir_not_empty", "the target directory exists and is not empty",  \
      409)                                                                                 \
    X(BAD_TEMPLATE, 59, "bad_template", "no such plugin template", 400)                    \
    X(NO_TOKEN, 60, "no_token", "no publisher token was given", 401)

enum osp_error {
    OSP_OK = 0,
#define OSP__ERROR_ENUM(name, num, code, msg, status) OSP_E_##name = -(num),
    OSP_ERROR_LIST(OSP__ERROR_ENUM)
#undef OSP__ERROR_ENUM
};

/* The stable string code of err ("permission_denied"), "ok" for 0, and
 * "unknown" for a value not in the list.  Never NULL; static storage. */
const char *osp_error_code(int err);

/* A one-line English message for err.  Never NULL; static storage. */
const char *osp_strerror(int err);

/* The HTTP status a server answers with for err (200 for 0, 500 if unknown). */
int osp_error_http_status(int err);

/* The error value for a stable string code, or 0 if code is unknown. */
int osp_error_from_code(const char *code);

/* The whole list as a JSON object {"<code>":{"value":-N,"message":"…"},…}.
 * Static storage, NUL-terminated; JavaScript reads codes from here. */
const char *osp_error_table_json(void);

#endif
