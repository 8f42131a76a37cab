/* The core's JSON boundary: what the browser (through osp-core.wasm) and
 * the test vectors call.  Every function takes bytes and returns a new
 * JSON string (release with osp_api_free), never NULL except when out of
 * memory:
 *   success  {"ok":true, …}
 *   failure  {"ok":false,"code":"<stable code>","message":"…",
 *             "diagnostics":[{"code","file","pointer","message","hint"}…]}
 * The same C runs natively (tests/unit/test_vectors.c) and in wasm
 * (tests/wasm/run_vectors.mjs, shell/core.js), so both give the same
 * answers byte for byte.  Lengths are size_t and times are doubles so the
 * wasm exports need no 64-bit arguments.
 */
#ifndef OSP_API_H
#define OSP_API_H

#include <stddef.h>

struct osp_relay;
struct osp_rpc_request;

/* {"ok":true} or the manifest's problems.  Checks a complete manifest. */
char *osp_api_manifest_check(const char *manifest, size_t len);

/* Verifies a signed manifest against keys_json, an array of
 * {"publisher","key":"<minisign public key base64>","retired_at","revoked",
 *  "verified"}.  use_time is unix seconds (see osp_verify_manifest);
 * expected_digest may be NULL or "".  Success adds "digest", "keyid",
 * "verified" (publisher) and "manifest": {id, name, version, publisher,
 * contributions:[{id, surface, title, entry, target, height}], rpc,
 * connect, img}. */
char *osp_api_verify(const char *manifest, size_t manifest_len, const char *sig, size_t sig_len,
                     const char *keys_json, double use_time, const char *expected_digest);

/* Opens and verifies a whole .osplugin (osp_bundle_verify) against keys_json
 * as for osp_api_verify, reporting every problem.  Success adds "digest",
 * "keyid", "files" (count) and "manifest". */
char *osp_api_bundle_verify(const unsigned char *bundle, size_t len, const char *keys_json,
                            double use_time);

/* The plugin CSP: params_json is {"plugin_origin","app_origin","sdk_path",
 * "report_uri"}.  Success adds "csp". */
char *osp_api_csp(const char *manifest, size_t len, const char *digest, const char *params_json);

/* The iframe for a contribution.  Success adds "frame": {src, sandbox,
 * referrerpolicy, allow, loading, title, height}. */
char *osp_api_frame(const char *manifest, size_t len, const char *digest,
                    const char *contribution, const char *plugin_origin, int offscreen);

/* A relay for one frame with grants_json (array of strings) and
 * limits_json ({max_in_flight, calls_per_second, bytes_per_second}, any
 * subset; NULL or "" for the defaults).  NULL on bad input or no memory. */
struct osp_relay *osp_api_relay_new(const char *grants_json, const char *limits_json);

/* Checks one inbound message at now_ms (osp_relay_inbound).  Success:
 * {"ok":true,"kind":"request"|"notification"|"response","method","id"
 * (JSON text or null),"permission","cancel"?}.  Failure adds "reply": the
 * JSON-RPC error response to send back (absent when the message cannot be
 * answered: notifications, responses). */
char *osp_api_relay_check(struct osp_relay *r, const char *msg, size_t len, double now_ms);

/* osp_api_relay_check without building JSON for a message that passes
 * (the common case): checks msg into *req (caller-owned storage of
 * osp_api_relay_request_size() bytes) and returns kind + 4 * method (kind:
 * 0 request, 1 notification, 2 response; method: its place in
 * osp_api_rpc_methods, 0 for a response), or a negative osp error code, in
 * which case osp_api_relay_refusal(req, code) describes the refusal.  The
 * checks and quotas are osp_api_relay_check's exactly. */
int osp_api_relay_inbound(struct osp_relay *r, const char *msg, size_t len, double now_ms,
                          struct osp_rpc_request *req);
size_t osp_api_relay_request_size(void);

/* A refusal as osp_api_relay_check reports it: {"ok":false,"code","message",
 * "reply"?}. */
char *osp_api_relay_refusal(const struct osp_rpc_request *req, int code);

/* The method names in osp_rpc_method_name order, as a JSON array. */
char *osp_api_rpc_methods(void);

/* Marks request id_json answered; non-zero means do not send that reply
 * (it was never asked or was answered already). */
int osp_api_relay_reply(struct osp_relay *r, const char *id_json);

/* Checks one file's bytes against a (verified) manifest before the shell
 * runs them in-app (tier U0).  {"ok":true} or the mismatch. */
char *osp_api_file_check(const char *manifest, size_t len, const char *path,
                         const unsigned char *data, size_t data_len);

void osp_api_relay_free(struct osp_relay *r);

/* The error table (osp_error_table_json), static: do not free. */
const char *osp_api_errors(void);

/* The protocol version this core speaks, its limits, and where a checked
 * request's id text and params span lie in the osp_rpc_request record
 * ("request": byte offsets, and the size of a size_t), as JSON. */
char *osp_api_info(void);

void osp_api_free(char *p);

#endif
