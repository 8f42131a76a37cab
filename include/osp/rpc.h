/* JSON-RPC 2.0 between plugin frames and the host: the envelope, the
 * methods with their parameters, and the grant each method needs.  Every
 * message from a plugin passes osp_rpc_check (through the relay) before the
 * host acts on it (docs/protocol.md).
 *
 * Methods, parameters and the permission they need:
 *   context.get     {}                                          none
 *   ui.resize       {height}                                    none
 *   ui.toast        {message, kind?}                            ui.toast
 *   ui.modal        {contribution, context?}                    ui.modal
 *   ui.navigate     {to}                                        ui.navigate
 *   ui.focus        {to: next|previous|escape} (focus handoff)  none
 *   ui.close        {}  (a modal frame closes itself)           none
 *   data.query      {object, filter?, sort?, limit?, offset?}   data.read:<object>
 *   data.get        {object, id}                                data.read:<object>
 *   data.create     {object, values}                            data.write:<object>
 *   data.update     {object, id, values}                        data.write:<object>
 *   data.delete     {object, id}                                data.write:<object>
 *   storage.get / .remove {key}, storage.set {key, value},
 *   storage.list {}                                             storage
 *   $/cancel        {id}  (notification: stop request id)       none
 * Parameters are closed: unknown keys (including "__proto__" and
 * "constructor") are invalid_params, never merged into anything.
 */
#ifndef OSP_RPC_H
#define OSP_RPC_H

#include <stddef.h>

#include "osp/perm.h"

#define OSP_RPC_MAX_BYTES (64u * 1024u)
#define OSP_RPC_MAX_DEPTH 16
#define OSP_RPC_ID_MAX_LEN 64
#define OSP_RPC_STORAGE_VALUE_MAX 8192 /* bytes of JSON per storage value */

/* A port message may carry a batch: up to OSP_RPC_BATCH_MAX messages joined
 * by U+001E (record separator, which strict JSON text never contains
 * unescaped), at most OSP_RPC_MAX_BYTES in all.  The shell cuts a batch at
 * each separator and passes every piece to osp_rpc_check (through the
 * relay) as a message of its own; a port message past either limit is
 * checked whole, and so refused. */
#define OSP_RPC_BATCH_MAX 64
#define OSP_RPC_BATCH_SEPARATOR 0x1e

enum osp_rpc_kind {
    OSP_RPC_REQUEST,      /* has method and id: expects one reply */
    OSP_RPC_NOTIFICATION, /* has method, no id */
    OSP_RPC_RESPONSE,     /* has id and result or error: answers a host request */
};

struct osp_rpc_request {
    enum osp_rpc_kind kind;
    char id[OSP_RPC_ID_MAX_LEN + 3]; /* the id as JSON text (number or quoted string) */
    int has_id;
    char method[32];
    char permission[OSP_PERM_MAX_LEN + 1]; /* the grant it needs, "" if none */
    char cancel_id[OSP_RPC_ID_MAX_LEN + 3]; /* for $/cancel: the id to stop, as JSON text */
    int method_index; /* method's place in osp_rpc_method_name's list, -1 if none */
    /* Where the params value lies in the checked message (bytes from its
     * start; length 0 when there are none), so the host can read the
     * params alone instead of parsing the whole message again. */
    size_t params_at, params_len;
};

/* The methods osp_rpc_check knows, in a fixed order (so a verdict can name
 * one by number): the name of method i < osp_rpc_method_count(), or NULL
 * past the end.  Static: do not free. */
size_t osp_rpc_method_count(void);
const char *osp_rpc_method_name(size_t i);

/* Checks msg[0..len) is one JSON-RPC 2.0 message: a request or
 * notification for a known method with valid params that grants allow, or
 * a response (to a host request).  Fills *out as far as it got (out->id is
 * set whenever the id could be read, so an error reply can be correlated).
 * Returns 0 or OSP_E_TOO_BIG, OSP_E_RPC_PARSE, OSP_E_RPC_INVALID_REQUEST,
 * OSP_E_METHOD_NOT_FOUND, OSP_E_INVALID_PARAMS, OSP_E_PERMISSION_DENIED. */
int osp_rpc_check(const char *msg, size_t len, const struct osp_grants *grants,
                  struct osp_rpc_request *out);

/* The JSON-RPC error code for an osp error: -32700 parse error, -32600
 * invalid request, -32601 method not found, -32602 invalid params, -32000
 * for everything else (the osp code travels in error.data.code). */
int osp_rpc_error_number(int err);

/* Writes an error response for request id_json (JSON text, or NULL for
 * null) into out:
 * {"jsonrpc":"2.0","id":…,"error":{"code":N,"message":"…","data":{"code":"…"}}}
 * detail, when not NULL, replaces the default message.  Returns the length
 * written, or 0 if cap is too small. */
size_t osp_rpc_error_reply(const char *id_json, int err, const char *detail, char *out,
                           size_t cap);

#endif
