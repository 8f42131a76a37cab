/* libFuzzer harness: a plugin's RPC message as the relay reads it
 * (docs/fuzzing.md).  The core reads messages in place, without a tree
 * (osp_json_validate, then the span functions); cJSON, which builds a tree
 * by its own code, is the oracle:
 *
 *   every text osp_json_validate accepts, cJSON parses too, to a tree with
 *   no duplicate keys (as JSON.parse would decode them); the span reader
 *   sees the same members in the same order, the same decoded keys and
 *   strings, the same numbers and types, at every depth of every object;
 *   a refusal for a duplicate key has a duplicate in cJSON's tree (when
 *   cJSON can build one);
 *   osp_rpc_check's verdict agrees with the tree: a message that passes
 *   has jsonrpc "2.0", the method it names, the id it reports (as
 *   JSON.stringify would write it), the permission it needs and a params
 *   span that parses alone to its params; a parse
 *   refusal is a text that osp_json_validate refuses;
 *   a relay fed the message twice refuses the second as a duplicate id.
 *
 * A broken contract calls abort(); bad input alone never does.
 */
#include "osp/error.h"
#include "osp/json.h"
#include "osp/perm.h"
#include "osp/relay.h"
#include "osp/rpc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_rpc: contract broken: %s\n", what);
    abort();
}

/* A decoded span as a malloc'd C string (valid strings hold no NUL). */
static char *decoded(struct osp_json_span s)
{
    size_t n = osp_json_string(s, NULL, 0);
    char *out = malloc(n + 1);
    if (!out)
        abort();
    if (osp_json_string(s, out, n + 1) != n || strlen(out) != n)
        broken("osp_json_string gives two lengths");
    return out;
}

static int has_duplicate(const cJSON *node)
{
    for (; node; node = node->next) {
        if (cJSON_IsObject(node))
            for (const cJSON *a = node->child; a; a = a->next)
                for (const cJSON *b = a->next; b; b = b->next)
                    if (strcmp(a->string, b->string) == 0)
                        return 1;
        if (node->child && has_duplicate(node->child))
            return 1;
    }
    return 0;
}

/* The span reader and cJSON's tree describe the same value. */
static void agree(const cJSON *node, struct osp_json_span v)
{
    char c = v.p[0];
    if (c == '{') {
        if (!cJSON_IsObject(node))
            broken("an object is not an object to cJSON");
        struct osp_json_members it;
        struct osp_json_span key, value;
        const cJSON *child = node->child;
        osp_json_members_begin(&it, v);
        while (osp_json_members_next(&it, &key, &value)) {
            if (!child)
                broken("the span reader sees more members than cJSON");
            char *k = decoded(key);
            if (strcmp(k, child->string) != 0 || !osp_json_string_is(key, child->string))
                broken("a key decodes differently");
            free(k);
            agree(child, value);
            child = child->next;
        }
        if (child)
            broken("the span reader sees fewer members than cJSON");
    } else if (c == '[') {
        if (!cJSON_IsArray(node))
            broken("an array is not an array to cJSON");
    } else if (c == '"') {
        if (!cJSON_IsString(node))
            broken("a string is not a string to cJSON");
        char *s = decoded(v);
        if (strcmp(s, node->valuestring) != 0)
            broken("a string decodes differently");
        free(s);
    } else if (c == 't' || c == 'f' || c == 'n') {
        if (!(c == 't' ? cJSON_IsTrue(node) : c == 'f' ? cJSON_IsFalse(node) : cJSON_IsNull(node)))
            broken("a literal is another to cJSON");
    } else {
        if (!cJSON_IsNumber(node) || osp_json_number(v) != node->valuedouble ||
            !isfinite(node->valuedouble))
            broken("a number reads differently");
    }
}

/* The id as JSON.stringify writes it for the value JSON.parse reads. */
static void id_as_host_writes(const cJSON *id, char *out, size_t cap)
{
    if (cJSON_IsString(id))
        osp_json_quote(id->valuestring, out, cap);
    else
        snprintf(out, cap, "%.0f", id->valuedouble == 0 ? 0.0 : id->valuedouble);
}

static void rpc_agrees(const char *text, size_t len, const cJSON *root)
{
    static const char *const granted[] = {"data.read:contact", "data.write:task", "storage",
                                          "ui.toast"};
    struct osp_grants grants = {granted, sizeof granted / sizeof granted[0]};
    struct osp_rpc_request r;
    int rc = osp_rpc_check(text, len, &grants, &r);
    if (rc == OSP_E_NO_MEMORY)
        return;
    if (rc == OSP_E_RPC_PARSE || rc == OSP_E_TOO_BIG)
        broken("a valid text is refused as unreadable");
    if (r.has_id) {
        char want[8 * OSP_RPC_ID_MAX_LEN]; /* room for any escaping: a cut id would match a cut one */
        id_as_host_writes(osp_json_get(root, "id"), want, sizeof want);
        if (strcmp(want, r.id) != 0)
            broken("the id is not the one the host would write");
    }
    if (rc != 0)
        return;
    const char *version = osp_json_get_string(root, "jsonrpc");
    if (!version || strcmp(version, "2.0") != 0)
        broken("a message passes without jsonrpc 2.0");
    if (r.kind == OSP_RPC_RESPONSE) {
        if (osp_json_get(root, "method") || !r.has_id)
            broken("a response has a method or no id");
        return;
    }
    const char *method = osp_json_get_string(root, "method");
    if (!method || strcmp(method, r.method) != 0 ||
        strcmp(osp_rpc_method_name((size_t)r.method_index), method) != 0)
        broken("a message passes under another method's name");
    if ((r.kind == OSP_RPC_REQUEST) != (osp_json_get(root, "id") != NULL))
        broken("request and notification are mixed up");
    if (strncmp(method, "data.", 5) == 0) {
        const char *object = osp_json_get_string(osp_json_get(root, "params"), "object");
        char want[OSP_PERM_MAX_LEN + 1];
        snprintf(want, sizeof want, "data.%s:%s",
                 strcmp(method, "data.query") == 0 || strcmp(method, "data.get") == 0 ? "read"
                                                                                    : "write",
                 object ? object : "");
        if (!object || strcmp(want, r.permission) != 0)
            broken("a data call needs another permission than its object's");
    }
    const cJSON *params = osp_json_get(root, "params");
    if (params) {
        /* The span the host parses alone holds exactly the params. */
        cJSON *alone = r.params_at + r.params_len <= len
                           ? cJSON_ParseWithLength(text + r.params_at, r.params_len)
                           : NULL;
        if (!alone || !cJSON_Compare(alone, params, 1))
            broken("the params span is not the params");
        cJSON_Delete(alone);
    } else if (r.params_len != 0) {
        broken("a params span without params");
    }
    if (r.permission[0] && !osp_grants_has(&grants, r.permission))
        broken("a call passes without its grant");
    if (r.kind != OSP_RPC_REQUEST)
        return;
    struct osp_relay *relay = NULL;
    struct osp_relay_limits limits = {4, 1000, 1u << 20};
    if (osp_relay_new(granted, grants.n, &limits, &relay) != 0)
        abort();
    struct osp_rpc_request a, b;
    if (osp_relay_inbound(relay, text, len, 0, &a) != 0)
        broken("the relay refuses what the check passed");
    if (osp_relay_inbound(relay, text, len, 0, &b) != OSP_E_RPC_INVALID_REQUEST)
        broken("the relay takes the same id twice");
    if (osp_relay_reply(relay, a.id) != 0 || osp_relay_reply(relay, a.id) != OSP_E_NOT_FOUND)
        broken("a call is answered other than exactly once");
    osp_relay_free(relay);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct osp_json_limits lim = {OSP_RPC_MAX_BYTES, OSP_RPC_MAX_DEPTH};
    int rc = osp_json_validate(text, size, &lim, NULL);
    if (rc != 0) {
        struct osp_rpc_request r;
        int verdict = osp_rpc_check(text, size, NULL, &r);
        if (verdict != OSP_E_RPC_PARSE && verdict != OSP_E_TOO_BIG && verdict != OSP_E_NO_MEMORY)
            broken("an invalid text gets past the parse");
        if (rc == OSP_E_JSON_DUPLICATE_KEY) {
            /* The scan stops at the first problem; the text may have
             * others after it, which cJSON then refuses. */
            cJSON *tree = cJSON_ParseWithLength(text, size);
            if (tree && !has_duplicate(tree))
                broken("a duplicate key that cJSON does not see");
            cJSON_Delete(tree);
        }
        return 0;
    }
    cJSON *tree = cJSON_ParseWithLength(text, size);
    if (!tree)
        broken("cJSON cannot parse a valid text");
    if (has_duplicate(tree))
        broken("a valid text has a duplicate key");
    agree(tree, osp_json_span_of(text, size));
    rpc_agrees(text, size, tree);
    cJSON_Delete(tree);
    return 0;
}
