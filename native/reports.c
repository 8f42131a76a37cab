/* A ring of recent CSP reports (see include/osp/reports.h). */
#include "osp/reports.h"
#include "osp/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct osp_reports {
    pthread_mutex_t lock;
    char *text[OSP_REPORTS_CAP]; /* printed JSON, slot = seq % CAP */
    uint64_t next;               /* sequence number of the next report */
};

int osp_reports_new(struct osp_reports **out)
{
    struct osp_reports *r = calloc(1, sizeof *r);
    if (!r)
        return OSP_E_NO_MEMORY;
    pthread_mutex_init(&r->lock, NULL);
    r->next = 1;
    *out = r;
    return 0;
}

void osp_reports_free(struct osp_reports *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < OSP_REPORTS_CAP; i++)
        free(r->text[i]);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

uint64_t osp_reports_add(struct osp_reports *r, const cJSON *report)
{
    /* Stored as text: a parsed copy would cost more and the ring is read
     * rarely (by one developer's overlay). */
    char *text = cJSON_PrintUnformatted(report);
    if (!text || strlen(text) > OSP_REPORTS_ENTRY_MAX) {
        cJSON_free(text);
        return 0;
    }
    char *copy = strdup(text);
    cJSON_free(text);
    if (!copy)
        return 0;
    pthread_mutex_lock(&r->lock);
    uint64_t seq = r->next++;
    size_t slot = (size_t)(seq % OSP_REPORTS_CAP);
    free(r->text[slot]);
    r->text[slot] = copy;
    pthread_mutex_unlock(&r->lock);
    return seq;
}

cJSON *osp_reports_since(struct osp_reports *r, uint64_t since, uint64_t *latest)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    pthread_mutex_lock(&r->lock);
    uint64_t last = r->next - 1;
    uint64_t first = last >= OSP_REPORTS_CAP ? last - OSP_REPORTS_CAP + 1 : 1;
    if (since + 1 > first)
        first = since + 1;
    for (uint64_t seq = first; seq <= last; seq++) {
        const char *text = r->text[seq % OSP_REPORTS_CAP];
        cJSON *o = cJSON_CreateObject();
        cJSON *rep = text ? cJSON_Parse(text) : NULL;
        if (!o || !rep) {
            cJSON_Delete(o);
            cJSON_Delete(rep);
            continue;
        }
        cJSON_AddNumberToObject(o, "seq", (double)seq);
        cJSON_AddItemToObject(o, "report", rep);
        cJSON_AddItemToArray(arr, o);
    }
    pthread_mutex_unlock(&r->lock);
    if (latest)
        *latest = last;
    return arr;
}
