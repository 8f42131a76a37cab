/* Dev-only routes (osp dev): the build state as a long poll, and the recent
 * CSP reports.  They exist only when the server runs with a dev loop; a
 * normal osp serve answers 404 for them. */
#include "server_internal.h"
#include "osp/devloop.h"
#include "osp/error.h"
#include "osp/reports.h"

#include <stdlib.h>
#include <string.h>

static uint64_t query_number(struct osp__req *q, const char *name)
{
    char v[32] = "";
    const char *qs = q->ri->query_string;
    if (!qs || mg_get_var(qs, strlen(qs), name, v, sizeof v) < 0)
        return 0;
    return strtoull(v, NULL, 10);
}

int osp__route_dev(struct osp__req *q)
{
    if (strncmp(q->path, "/api/v1/dev/", 12) != 0)
        return 0;
    q->route = OSP_ROUTE_OTHER;
    const char *what = q->path + 12;
    if (!q->s->dev) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, "only osp dev has dev endpoints");
        return 1;
    }
    if (!osp__is_method(q, "GET")) {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
        return 1;
    }
    if (!osp__require_session(q))
        return 1;
    if (strcmp(what, "state") == 0) {
        /* ?since=N&wait=MS: answers when the build generation passes N. */
        uint64_t wait = query_number(q, "wait");
        cJSON *state = osp_devloop_state(q->s->dev, query_number(q, "since"),
                                         wait > OSP_DEVLOOP_WAIT_MAX_MS ? OSP_DEVLOOP_WAIT_MAX_MS
                                                                        : (int)wait);
        if (!state)
            osp_http_send_error(q->c, OSP_E_NO_MEMORY, NULL);
        else
            osp__send_json(q, 200, state);
    } else if (strcmp(what, "csp-reports") == 0) {
        uint64_t latest = 0;
        cJSON *list = osp_reports_since(q->s->reports, query_number(q, "since"), &latest);
        cJSON *o = cJSON_CreateObject();
        if (!list || !o) {
            cJSON_Delete(list);
            cJSON_Delete(o);
            osp_http_send_error(q->c, OSP_E_NO_MEMORY, NULL);
            return 1;
        }
        cJSON_AddNumberToObject(o, "latest", (double)latest);
        cJSON_AddItemToObject(o, "reports", list);
        osp__send_json(q, 200, o);
    } else {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
    }
    return 1;
}
