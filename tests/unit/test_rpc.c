#include "check.h"

#include <stdio.h>
#include "osp/error.h"
#include "osp/rpc.h"

static const char *granted[] = {"data.read:contact", "ui.toast"};
static const struct osp_grants grants = {granted, 2};

static int check(const char *msg, struct osp_rpc_request *r)
{
    return osp_rpc_check(msg, strlen(msg), &grants, r);
}

static void allows_granted_calls(void)
{
    struct osp_rpc_request r;
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\","
                    "\"params\":{\"object\":\"contact\"}}", &r), 0);
    CHECK_STR(r.method, "data.query");
    CHECK_STR(r.permission, "data.read:contact");
    CHECK_STR(r.id, "1");
    CHECK_INT(r.has_id, 1);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"method\":\"context.get\"}", &r), 0);
    CHECK_STR(r.id, "\"a\\\"b\"");
    CHECK_STR(r.permission, "");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"method\":\"ui.toast\",\"params\":{\"message\":\"x\"}}",
                    &r), 0);
    CHECK_INT(r.has_id, 0);
}

static void denies_ungranted_calls(void)
{
    struct osp_rpc_request r;
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"data.query\","
                    "\"params\":{\"object\":\"deal\"}}", &r), OSP_E_PERMISSION_DENIED);
    CHECK_STR(r.permission, "data.read:deal");
    CHECK_STR(r.id, "7");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"data.update\","
                    "\"params\":{\"object\":\"contact\",\"id\":\"c1\",\"values\":{}}}", &r),
              OSP_E_PERMISSION_DENIED);
    CHECK_STR(r.permission, "data.write:contact");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"storage.set\",\"params\":"
                    "{\"key\":\"k\",\"value\":[1,2]}}", &r),
              OSP_E_PERMISSION_DENIED);
    CHECK_STR(r.permission, "storage");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ui.navigate\",\"params\":"
                    "{\"to\":\"contacts/c1\"}}", &r),
              OSP_E_PERMISSION_DENIED);
}

static void refuses_malformed_envelopes(void)
{
    struct osp_rpc_request r;
    CHECK_ERR(check("not json", &r), OSP_E_RPC_PARSE);
    CHECK_ERR(check("[]", &r), OSP_E_RPC_INVALID_REQUEST);
    CHECK_ERR(check("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"context.get\"}", &r),
              OSP_E_RPC_INVALID_REQUEST);
    CHECK_STR(r.id, "1"); /* still correlatable */
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1}", &r), OSP_E_RPC_INVALID_REQUEST);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"context.get\"}", &r),
              OSP_E_RPC_INVALID_REQUEST);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"context.get\"}", &r),
              OSP_E_RPC_INVALID_REQUEST);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"context.get\",\"x\":1}", &r),
              OSP_E_RPC_INVALID_REQUEST);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eval\"}", &r),
              OSP_E_METHOD_NOT_FOUND);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\"}", &r),
              OSP_E_INVALID_PARAMS);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\","
                    "\"params\":{\"object\":\"__proto__\"}}", &r), OSP_E_INVALID_PARAMS);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.toast\",\"params\":[1]}", &r),
              OSP_E_INVALID_PARAMS);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"context.get\"}", &r),
              OSP_E_RPC_PARSE);
    static char big[OSP_RPC_MAX_BYTES + 2];
    memset(big, ' ', sizeof big - 1);
    CHECK_ERR(osp_rpc_check(big, sizeof big - 1, &grants, &r), OSP_E_TOO_BIG);
}

static void validates_params(void)
{
    struct osp_rpc_request r;
    static const char *const bad[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.resize\",\"params\":{\"height\":-1}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.resize\",\"params\":{\"height\":1.5}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.toast\",\"params\":{\"message\":\"\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.get\",\"params\":{\"object\":\"contact\","
        "\"id\":\"../x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":{\"object\":\"contact\","
        "\"sort\":\"name; drop\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":{\"object\":\"contact\","
        "\"constructor\":{}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"context.get\",\"params\":{\"x\":1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(check(bad[i], &r), OSP_E_INVALID_PARAMS);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":{\"object\":"
                    "\"contact\",\"filter\":{\"company\":\"Acme\",\"rating\":5},\"sort\":\"-name\","
                    "\"limit\":10,\"offset\":20}}",
                    &r),
              0);
    /* "constructor" as a field name is plain data (the server checks fields
     * against its schema); only the closed parameter names are structure. */
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":"
                    "{\"object\":\"contact\",\"filter\":{\"constructor\":1}}}",
                    &r),
              0);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"method\":\"$/cancel\",\"params\":{\"id\":\"x\"}}", &r), 0);
    CHECK_INT(r.kind, OSP_RPC_NOTIFICATION);
    CHECK_STR(r.cancel_id, "\"x\"");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":\"h3\",\"error\":{\"code\":1}}", &r), 0);
    CHECK_INT(r.kind, OSP_RPC_RESPONSE);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"result\":1}", &r), OSP_E_RPC_INVALID_REQUEST);
}

static void names_methods_by_number(void)
{
    struct osp_rpc_request r;
    CHECK_INT(osp_rpc_method_name(osp_rpc_method_count()) == NULL, 1);
    for (size_t i = 0; i < osp_rpc_method_count(); i++)
        CHECK_INT(strlen(osp_rpc_method_name(i)) < sizeof r.method, 1);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.toast\","
                    "\"params\":{\"message\":\"x\"}}", &r), 0);
    CHECK_STR(osp_rpc_method_name((size_t)r.method_index), "ui.toast");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", &r),
              OSP_E_METHOD_NOT_FOUND);
    CHECK_INT(r.method_index, -1);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":\"h1\",\"result\":1}", &r), 0);
    CHECK_INT(r.method_index, -1);
}

/* Numeric ids as JSON text, as JavaScript's JSON.stringify writes them
 * (the host answers by that text). */
static void writes_numeric_ids(void)
{
    struct osp_rpc_request r;
    static const char *const ids[][2] = {
        {"0", "0"}, {"-0", "0"}, {"-0.0", "0"}, {"7", "7"}, {"-12", "-12"}, {"1e3", "1000"},
        {"9007199254740991", "9007199254740991"}, {"-9007199254740991", "-9007199254740991"},
    };
    char msg[160];
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"context.get\"}",
                 ids[i][0]);
        CHECK_ERR(check(msg, &r), 0);
        CHECK_STR(r.id, ids[i][1]);
    }
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":9007199254740992,\"method\":\"context.get\"}",
                    &r), OSP_E_RPC_INVALID_REQUEST);
}

static void error_replies(void)
{
    char out[512];
    size_t n = osp_rpc_error_reply("7", OSP_E_PERMISSION_DENIED, NULL, out, sizeof out);
    CHECK_INT(n, strlen(out));
    CHECK_STR(out, "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32000,\"message\":"
                   "\"permission denied\",\"data\":{\"code\":\"permission_denied\"}}}");
    osp_rpc_error_reply(NULL, OSP_E_RPC_PARSE, "bad \"json\"", out, sizeof out);
    CHECK_CONTAINS(out, "\"id\":null");
    CHECK_CONTAINS(out, "-32700");
    CHECK_CONTAINS(out, "bad \\\"json\\\"");
    CHECK_INT(osp_rpc_error_reply("1", OSP_E_TIMEOUT, NULL, out, 10), 0);
}

/* The core reads a message as JSON.parse reads it: escapes decoded,
 * spacing ignored, the id written back as JSON.stringify writes it. */
static void reads_as_json_parse_does(void)
{
    struct osp_rpc_request r;
    CHECK_ERR(check(" {\"jsonrpc\" : \"2\\u002e0\", \"\\u0069d\" : 3 , \"method\":"
                    "\"data\\u002equery\",\"params\":{\"\\u006fbject\":\"\\u0063ontact\"}} \n",
                    &r),
              0);
    CHECK_STR(r.method, "data.query");
    CHECK_STR(r.permission, "data.read:contact");
    CHECK_STR(r.id, "3");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":\"a\\nb\\u0001\\u00e9\",\"method\":\"context.get\"}", &r), 0);
    CHECK_STR(r.id, "\"a\\nb\\u0001\xc3\xa9\"");
    /* The params' span, for the host to parse them alone. */
    const char *spaced = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ui.toast\",\"params\": "
                         "{\"message\":\"hi\"} }";
    CHECK_ERR(check(spaced, &r), 0);
    CHECK_INT(r.params_len, strlen("{\"message\":\"hi\"}"));
    CHECK_INT(memcmp(spaced + r.params_at, "{\"message\":\"hi\"}", r.params_len), 0);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1e2,\"method\":\"context.get\"}", &r), 0);
    CHECK_INT(r.params_len, 0); /* none */
    CHECK_STR(r.id, "100");
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":-0,\"method\":\"context.get\"}", &r), 0);
    CHECK_STR(r.id, "0");
    /* An escaped name is still the name: a duplicate, or a closed key. */
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"\\u0069d\":2,\"method\":\"context.get\"}", &r),
              OSP_E_RPC_PARSE);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":"
                    "{\"object\":\"contact\",\"\\u006fbject\":\"deal\"}}",
                    &r),
              OSP_E_RPC_PARSE);
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":"
                    "{\"object\":\"con\\u0074act;\"}}",
                    &r),
              OSP_E_INVALID_PARAMS);
    /* A 65-byte id decoded from fewer escaped bytes is still too long. */
    char msg[256];
    snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\\u00e9\",\"method\":\"context.get\"}",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    CHECK_ERR(check(msg, &r), OSP_E_RPC_INVALID_REQUEST);
    CHECK_INT(r.has_id, 0);
    /* 64 bytes, but 128 escaped: refused rather than kept cut. */
    char nl[64 * 2 + 1] = {0};
    for (int i = 0; i < 64; i++)
        memcpy(nl + 2 * i, "\\n", 2);
    snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"context.get\"}", nl);
    CHECK_ERR(check(msg, &r), OSP_E_RPC_INVALID_REQUEST);
    CHECK_INT(r.has_id, 0);
}

/* Sizes of free-form values are the bytes of JSON as sent. */
static void measures_values_as_sent(void)
{
    static const char *storage[] = {"storage"};
    const struct osp_grants g = {storage, 1};
    struct osp_rpc_request r;
    static char msg[OSP_RPC_STORAGE_VALUE_MAX + 256];
    for (int extra = 0; extra <= 1; extra++) {
        int n = snprintf(msg, sizeof msg,
                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"storage.set\",\"params\":"
                         "{\"key\":\"k\",\"value\":\"");
        int body = OSP_RPC_STORAGE_VALUE_MAX - 2 + extra; /* plus the quotes */
        memset(msg + n, 'v', (size_t)body);
        snprintf(msg + n + body, sizeof msg - (size_t)(n + body), "\"}}");
        CHECK_ERR(osp_rpc_check(msg, strlen(msg), &g, &r), extra ? OSP_E_INVALID_PARAMS : 0);
    }
    CHECK_ERR(check("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.toast\",\"params\":"
                    "{\"message\":\"\\u00e9\"}}",
                    &r),
              0); /* 1 character, 2 bytes: within 1..200 */
}

int main(void)
{
    RUN(allows_granted_calls);
    RUN(denies_ungranted_calls);
    RUN(refuses_malformed_envelopes);
    RUN(validates_params);
    RUN(names_methods_by_number);
    RUN(writes_numeric_ids);
    RUN(error_replies);
    RUN(reads_as_json_parse_does);
    RUN(measures_values_as_sent);
    CHECK_EXIT();
}
