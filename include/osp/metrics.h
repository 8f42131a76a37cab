/* Server metrics in the Prometheus text format: requests by route and
 * status, a latency histogram per route, bytes out, publishes, and
 * refusals by stable error code.  Lock-free counters (relaxed atomics):
 * recording costs a few atomic adds on the request path. */
#ifndef OSP_METRICS_H
#define OSP_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Routes are a closed set so label values never come from requests. */
#define OSP_ROUTE_LIST(X)                                                                          \
    X(ASSET, "asset")                                                                              \
    X(SDK, "sdk")                                                                                  \
    X(SHELL, "shell")                                                                              \
    X(CORE, "core")                                                                                \
    X(PUBLISH, "publish")                                                                          \
    X(INSTALLED, "installed")                                                                      \
    X(DATA, "data")                                                                                \
    X(SESSION, "session")                                                                          \
    X(STORAGE, "storage")                                                                          \
    X(AUDIT, "audit")                                                                              \
    X(REGISTRY, "registry")                                                                        \
    X(INSTALLATIONS, "installations")                                                              \
    X(ADMIN, "admin")                                                                              \
    X(CSP_REPORT, "csp_report")                                                                    \
    X(HEALTH, "healthz")                                                                           \
    X(METRICS, "metrics")                                                                          \
    X(OTHER, "other")

enum osp_route {
#define OSP__ROUTE_ENUM(name, label) OSP_ROUTE_##name,
    OSP_ROUTE_LIST(OSP__ROUTE_ENUM)
#undef OSP__ROUTE_ENUM
        OSP_ROUTE_COUNT
};

struct osp_metrics;

int osp_metrics_new(struct osp_metrics **out);
void osp_metrics_free(struct osp_metrics *m);

/* One finished request. */
void osp_metrics_request(struct osp_metrics *m, enum osp_route route, int status,
                         double seconds, uint64_t bytes_out);

/* One publish: created is 1 for a new version, 0 for an identical one. */
void osp_metrics_publish(struct osp_metrics *m, int created);

/* One refusal with an osp error code (any route). */
void osp_metrics_refusal(struct osp_metrics *m, int err);

/* The label of a route ("asset"). */
const char *osp_metrics_route_label(enum osp_route route);

/* Renders everything as Prometheus text into a new buffer (free() it).
 * Returns 0 or OSP_E_NO_MEMORY. */
int osp_metrics_render(const struct osp_metrics *m, char **out, size_t *len);

#endif
