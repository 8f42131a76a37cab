#include "check.h"
#include "osp/error.h"
#include "osp/relay.h"

#define CALL(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"context.get\"}"

static int send(struct osp_relay *r, const char *msg, double at, struct osp_rpc_request *req)
{
    return osp_relay_inbound(r, msg, strlen(msg), at, req);
}

static void quotas_refill_over_time(void)
{
    struct osp_relay_limits l = {0, 10, 0};
    struct osp_relay *r = NULL;
    struct osp_rpc_request q;
    CHECK_ERR(osp_relay_new(NULL, 0, &l, &r), 0);
    int accepted = 0;
    char msg[80];
    for (int i = 0; i < 20; i++) {
        snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"context.get\"}", i);
        if (send(r, msg, 0, &q) == 0) {
            accepted++;
            CHECK_ERR(osp_relay_reply(r, q.id), 0);
        } else {
            char want[8];
            snprintf(want, sizeof want, "%d", i);
            CHECK_STR(q.id, want); /* the refusal still names the call */
        }
    }
    CHECK_INT(accepted, 10); /* burst of one second's worth */
    CHECK_ERR(send(r, CALL(100), 50, &q), OSP_E_RATE_LIMITED); /* 0.5 tokens back */
    CHECK_ERR(send(r, CALL(101), 200, &q), 0);                 /* 2 tokens back */
    osp_relay_free(r);
}

static void one_reply_per_call(void)
{
    struct osp_relay_limits l = {2, 0, 0};
    struct osp_relay *r = NULL;
    struct osp_rpc_request q;
    CHECK_ERR(osp_relay_new(NULL, 0, &l, &r), 0);
    CHECK_ERR(send(r, CALL(1), 0, &q), 0);
    CHECK_ERR(send(r, CALL(1), 0, &q), OSP_E_RPC_INVALID_REQUEST);
    CHECK_ERR(send(r, CALL("1"), 0, &q), 0); /* "1" is another id than 1 */
    CHECK_INT(osp_relay_in_flight(r), 2);
    CHECK_ERR(send(r, CALL(3), 0, &q), OSP_E_RATE_LIMITED);
    CHECK_ERR(osp_relay_reply(r, "1"), 0);
    CHECK_ERR(osp_relay_reply(r, "1"), OSP_E_NOT_FOUND); /* never twice */
    CHECK_ERR(osp_relay_reply(r, "7"), OSP_E_NOT_FOUND); /* never unasked */
    CHECK_ERR(osp_relay_reply(r, NULL), OSP_E_NOT_FOUND);
    CHECK_ERR(send(r, CALL(3), 0, &q), 0);
    /* Notifications and responses are never in flight. */
    CHECK_ERR(send(r, "{\"jsonrpc\":\"2.0\",\"method\":\"ui.resize\",\"params\":{\"height\":5}}", 0,
                   &q),
              0);
    CHECK_ERR(send(r, "{\"jsonrpc\":\"2.0\",\"id\":\"h1\",\"result\":\"pong\"}", 0, &q), 0);
    CHECK_INT(osp_relay_in_flight(r), 2);
    osp_relay_free(r);
}

static void grants_and_limits(void)
{
    const char *grants[] = {"ui.toast"};
    struct osp_relay *r = NULL;
    struct osp_rpc_request q;
    CHECK_ERR(osp_relay_new(grants, 1, NULL, &r), 0);
    CHECK_ERR(send(r, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ui.toast\",\"params\":{\"message\":"
                      "\"hi\"}}",
                   0, &q),
              0);
    CHECK_ERR(send(r, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ui.modal\",\"params\":"
                      "{\"contribution\":\"x\"}}",
                   0, &q),
              OSP_E_PERMISSION_DENIED);
    CHECK_INT(osp_relay_in_flight(r), 1); /* refused calls are not in flight */
    osp_relay_free(r);
    const char *many[OSP_GRANTS_MAX + 1];
    for (int i = 0; i <= OSP_GRANTS_MAX; i++)
        many[i] = "ui.toast";
    CHECK_ERR(osp_relay_new(many, OSP_GRANTS_MAX + 1, NULL, &r), OSP_E_TOO_BIG);
    osp_relay_free(NULL);
}

int main(void)
{
    RUN(quotas_refill_over_time);
    RUN(one_reply_per_call);
    RUN(grants_and_limits);
    CHECK_EXIT();
}
