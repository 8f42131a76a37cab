/* Per-frame relay state: grants, quotas, calls in flight (see
 * include/osp/relay.h). */
#include "osp/relay.h"
#include "osp/error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct bucket {
    double tokens, rate, burst, last_ms;
};

struct osp_relay {
    char *grants[OSP_GRANTS_MAX];
    size_t n_grants;
    struct osp_relay_limits limits;
    struct bucket calls, bytes;
    char in_flight[OSP_RELAY_MAX_IN_FLIGHT][OSP_RPC_ID_MAX_LEN + 3];
    size_t n_in_flight;
};

static void bucket_init(struct bucket *b, double per_second)
{
    b->rate = per_second / 1000.0;
    b->burst = per_second;
    b->tokens = per_second;
    b->last_ms = -1;
}

/* Takes cost tokens if there are enough; refills for the time passed. */
static int bucket_take(struct bucket *b, double cost, double now_ms)
{
    if (b->last_ms >= 0 && now_ms > b->last_ms) {
        b->tokens += (now_ms - b->last_ms) * b->rate;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
    }
    if (b->last_ms < 0 || now_ms > b->last_ms)
        b->last_ms = now_ms;
    if (b->tokens < cost)
        return 0;
    b->tokens -= cost;
    return 1;
}

int osp_relay_new(const char *const *grants, size_t n, const struct osp_relay_limits *limits,
                  struct osp_relay **out)
{
    *out = NULL;
    if (n > OSP_GRANTS_MAX)
        return OSP_E_TOO_BIG;
    struct osp_relay *r = calloc(1, sizeof *r);
    if (!r)
        return OSP_E_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        if (!(r->grants[i] = osp__strdup(grants[i]))) {
            osp_relay_free(r);
            return OSP_E_NO_MEMORY;
        }
        r->n_grants++;
    }
    struct osp_relay_limits l = {32, 200, 1u << 20};
    if (limits) {
        if (limits->max_in_flight)
            l.max_in_flight = limits->max_in_flight;
        if (limits->calls_per_second)
            l.calls_per_second = limits->calls_per_second;
        if (limits->bytes_per_second)
            l.bytes_per_second = limits->bytes_per_second;
    }
    if (l.max_in_flight > OSP_RELAY_MAX_IN_FLIGHT)
        l.max_in_flight = OSP_RELAY_MAX_IN_FLIGHT;
    r->limits = l;
    bucket_init(&r->calls, l.calls_per_second);
    bucket_init(&r->bytes, l.bytes_per_second);
    *out = r;
    return 0;
}

void osp_relay_free(struct osp_relay *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_grants; i++)
        free(r->grants[i]);
    free(r);
}

static long find_in_flight(const struct osp_relay *r, const char *id)
{
    for (size_t i = 0; i < r->n_in_flight; i++)
        if (strcmp(r->in_flight[i], id) == 0)
            return (long)i;
    return -1;
}

int osp_relay_inbound(struct osp_relay *r, const char *msg, size_t len, double now_ms,
                      struct osp_rpc_request *out)
{
    memset(out, 0, sizeof *out);
    /* The check comes before the quotas so that even a refusal for rate
     * can name the call it refuses; the host does nothing more for it. */
    struct osp_grants g = {(const char *const *)r->grants, r->n_grants};
    int rc = osp_rpc_check(msg, len, &g, out);
    int within = bucket_take(&r->bytes, (double)len, now_ms) && bucket_take(&r->calls, 1, now_ms);
    if (rc != 0)
        return rc;
    if (!within)
        return OSP_E_RATE_LIMITED;
    if (out->kind != OSP_RPC_REQUEST)
        return 0;
    if (find_in_flight(r, out->id) >= 0)
        return OSP_E_RPC_INVALID_REQUEST; /* the same id twice: replies would be ambiguous */
    if (r->n_in_flight >= r->limits.max_in_flight)
        return OSP_E_RATE_LIMITED;
    memcpy(r->in_flight[r->n_in_flight++], out->id, sizeof out->id);
    return 0;
}

int osp_relay_reply(struct osp_relay *r, const char *id_json)
{
    long i = id_json ? find_in_flight(r, id_json) : -1;
    if (i < 0)
        return OSP_E_NOT_FOUND;
    r->n_in_flight--;
    if ((size_t)i != r->n_in_flight)
        memcpy(r->in_flight[i], r->in_flight[r->n_in_flight], sizeof r->in_flight[i]);
    return 0;
}

size_t osp_relay_in_flight(const struct osp_relay *r)
{
    return r->n_in_flight;
}
