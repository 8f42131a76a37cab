/* The RPC relay for one plugin frame: what the frame was granted, how much
 * it may ask, and which of its calls are in flight.  Every message from
 * the frame passes osp_relay_inbound before the host acts on it; every
 * reply the host sends passes osp_relay_reply, so each call is answered
 * exactly once (docs/protocol.md).
 *
 * Quotas are token buckets refilled continuously from now_ms (the caller's
 * clock: the core has none): calls per second and message bytes per
 * second, each with a burst of one second's worth, plus a cap on calls in
 * flight.  A message over a quota is refused with OSP_E_RATE_LIMITED and
 * costs the host nothing more.
 */
#ifndef OSP_RELAY_H
#define OSP_RELAY_H

#include <stddef.h>

#include "osp/rpc.h"

#define OSP_RELAY_MAX_IN_FLIGHT 256

struct osp_relay_limits {
    unsigned max_in_flight;    /* default 32, at most OSP_RELAY_MAX_IN_FLIGHT */
    unsigned calls_per_second; /* default 200 */
    unsigned bytes_per_second; /* default 1 MiB */
};

struct osp_relay;

/* A relay whose frame holds grants (copied).  limits may be NULL for the
 * defaults; zero fields take their default.  Returns 0, OSP_E_TOO_BIG
 * (more than OSP_GRANTS_MAX grants) or OSP_E_NO_MEMORY. */
int osp_relay_new(const char *const *grants, size_t n, const struct osp_relay_limits *limits,
                  struct osp_relay **out);

/* NULL does nothing. */
void osp_relay_free(struct osp_relay *r);

/* Checks one message from the frame at time now_ms: osp_rpc_check against
 * the grants, then the quotas (every message counts, refused or not), then
 * correlation (a request id
 * already in flight is OSP_E_RPC_INVALID_REQUEST; too many in flight is
 * OSP_E_RATE_LIMITED).  An accepted request is in flight until
 * osp_relay_reply.  Responses (to host requests) and $/cancel pass the
 * quotas like anything else. */
int osp_relay_inbound(struct osp_relay *r, const char *msg, size_t len, double now_ms,
                      struct osp_rpc_request *out);

/* Marks request id_json answered.  Returns 0, or OSP_E_NOT_FOUND if it is
 * not in flight (never asked, or answered already): the host must not
 * send that reply. */
int osp_relay_reply(struct osp_relay *r, const char *id_json);

/* Calls in flight now. */
size_t osp_relay_in_flight(const struct osp_relay *r);

#endif
