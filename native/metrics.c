/* Prometheus metrics (see include/osp/metrics.h). */
#include "osp/metrics.h"
#include "osp/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statuses osp sends; anything else is counted as "other". */
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                               409, 410, 413, 415, 422, 429, 500, 503, 0};
#define N_STATUS (sizeof statuses / sizeof statuses[0])

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define N_BUCKET (sizeof buckets / sizeof buckets[0])

#define N_ERRORS 128 /* more than the error list will hold for a long time */

struct osp_metrics {
    uint64_t requests[OSP_ROUTE_COUNT][N_STATUS];
    uint64_t latency[OSP_ROUTE_COUNT][N_BUCKET + 1]; /* last is +Inf */
    uint64_t latency_sum_us[OSP_ROUTE_COUNT];
    uint64_t bytes_out[OSP_ROUTE_COUNT];
    uint64_t publishes[2]; /* [0] identical, [1] created */
    uint64_t refusals[N_ERRORS];
};

static void add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

int osp_metrics_new(struct osp_metrics **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : OSP_E_NO_MEMORY;
}

void osp_metrics_free(struct osp_metrics *m)
{
    free(m);
}

const char *osp_metrics_route_label(enum osp_route route)
{
    static const char *const labels[] = {
#define OSP__ROUTE_LABEL(name, label) label,
        OSP_ROUTE_LIST(OSP__ROUTE_LABEL)
#undef OSP__ROUTE_LABEL
    };
    return (unsigned)route < OSP_ROUTE_COUNT ? labels[route] : "other";
}

void osp_metrics_request(struct osp_metrics *m, enum osp_route route, int status,
                         double seconds, uint64_t bytes_out)
{
    if (!m || (unsigned)route >= OSP_ROUTE_COUNT)
        return;
    size_t s = 0;
    while (statuses[s] && statuses[s] != status)
        s++;
    add(&m->requests[route][s], 1);
    size_t b = 0;
    while (b < N_BUCKET && seconds > buckets[b])
        b++;
    add(&m->latency[route][b], 1);
    add(&m->latency_sum_us[route], (uint64_t)(seconds * 1e6));
    add(&m->bytes_out[route], bytes_out);
}

void osp_metrics_publish(struct osp_metrics *m, int created)
{
    if (m)
        add(&m->publishes[created ? 1 : 0], 1);
}

void osp_metrics_refusal(struct osp_metrics *m, int err)
{
    if (m && err < 0 && -err < N_ERRORS)
        add(&m->refusals[-err], 1);
}

struct text {
    char *p;
    size_t len, cap;
    int failed;
};

static void put(struct text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(struct text *t, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)(n > 0 ? n : 0) + 1) * 2;
        char *np = realloc(t->p, cap);
        if (!np) {
            t->failed = 1;
            return;
        }
        t->p = np;
        t->cap = cap;
    }
}

int osp_metrics_render(const struct osp_metrics *m, char **out, size_t *len)
{
    struct text t = {malloc(16384), 0, 16384, 0};
    if (!t.p)
        return OSP_E_NO_MEMORY;
    put(&t, "# HELP osp_http_requests_total HTTP requests by route and status.\n"
            "# TYPE osp_http_requests_total counter\n");
    for (int r = 0; r < OSP_ROUTE_COUNT; r++)
        for (size_t s = 0; s < N_STATUS; s++) {
            uint64_t v = get(&m->requests[r][s]);
            if (!v)
                continue;
            char status[8];
            if (statuses[s])
                snprintf(status, sizeof status, "%d", statuses[s]);
            else
                snprintf(status, sizeof status, "other");
            put(&t, "osp_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                osp_metrics_route_label((enum osp_route)r), status, (unsigned long long)v);
        }
    put(&t, "# HELP osp_http_request_duration_seconds Time from request to response.\n"
            "# TYPE osp_http_request_duration_seconds histogram\n");
    for (int r = 0; r < OSP_ROUTE_COUNT; r++) {
        uint64_t cum = 0, total = 0;
        for (size_t b = 0; b <= N_BUCKET; b++)
            total += get(&m->latency[r][b]);
        if (!total)
            continue;
        const char *label = osp_metrics_route_label((enum osp_route)r);
        for (size_t b = 0; b < N_BUCKET; b++) {
            cum += get(&m->latency[r][b]);
            put(&t, "osp_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                label, buckets[b], (unsigned long long)cum);
        }
        put(&t, "osp_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            label, (unsigned long long)total);
        put(&t, "osp_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
            get(&m->latency_sum_us[r]) / 1e6);
        put(&t, "osp_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
            (unsigned long long)total);
    }
    put(&t, "# HELP osp_http_response_bytes_total Body bytes sent, by route.\n"
            "# TYPE osp_http_response_bytes_total counter\n");
    for (int r = 0; r < OSP_ROUTE_COUNT; r++)
        if (get(&m->bytes_out[r]))
            put(&t, "osp_http_response_bytes_total{route=\"%s\"} %llu\n",
                osp_metrics_route_label((enum osp_route)r),
                (unsigned long long)get(&m->bytes_out[r]));
    put(&t,
        "# HELP osp_publishes_total Accepted publishes (created: a new version).\n"
        "# TYPE osp_publishes_total counter\n"
        "osp_publishes_total{created=\"true\"} %llu\nosp_publishes_total{created=\"false\"} %llu\n",
        (unsigned long long)get(&m->publishes[1]), (unsigned long long)get(&m->publishes[0]));
    put(&t, "# HELP osp_refusals_total Refused requests by stable error code.\n"
            "# TYPE osp_refusals_total counter\n");
    for (int e = 1; e < N_ERRORS; e++)
        if (get(&m->refusals[e]))
            put(&t, "osp_refusals_total{code=\"%s\"} %llu\n", osp_error_code(-e),
                (unsigned long long)get(&m->refusals[e]));
    if (t.failed) {
        free(t.p);
        return OSP_E_NO_MEMORY;
    }
    *out = t.p;
    *len = t.len;
    return 0;
}
