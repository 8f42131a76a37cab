#include "check.h"
#include "osp/reports.h"

#include <stdio.h>

static cJSON *report(int n)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *body = cJSON_AddObjectToObject(r, "csp-report");
    cJSON_AddStringToObject(body, "effective-directive", "connect-src");
    cJSON_AddNumberToObject(body, "n", n);
    return r;
}

static int nth(const cJSON *entry)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(entry, "report"), "csp-report");
    return (int)cJSON_GetObjectItemCaseSensitive(body, "n")->valuedouble;
}

static void since_and_sequence(void)
{
    struct osp_reports *r = NULL;
    CHECK_INT(osp_reports_new(&r), 0);
    uint64_t latest = 99;
    cJSON *list = osp_reports_since(r, 0, &latest);
    CHECK_INT(cJSON_GetArraySize(list), 0);
    CHECK_INT((int)latest, 0);
    cJSON_Delete(list);
    for (int i = 1; i <= 3; i++) {
        cJSON *x = report(i);
        CHECK_INT((int)osp_reports_add(r, x), i);
        cJSON_Delete(x);
    }
    list = osp_reports_since(r, 1, &latest);
    CHECK_INT(cJSON_GetArraySize(list), 2);
    CHECK_INT(nth(cJSON_GetArrayItem(list, 0)), 2);
    CHECK_INT(nth(cJSON_GetArrayItem(list, 1)), 3);
    CHECK_INT((int)latest, 3);
    cJSON_Delete(list);
    list = osp_reports_since(r, 3, NULL);
    CHECK_INT(cJSON_GetArraySize(list), 0);
    cJSON_Delete(list);
    osp_reports_free(r);
    osp_reports_free(NULL);
}

/* The ring keeps only the newest OSP_REPORTS_CAP; oversized reports are
 * dropped, never truncated. */
static void bounded(void)
{
    struct osp_reports *r = NULL;
    CHECK_INT(osp_reports_new(&r), 0);
    for (int i = 1; i <= OSP_REPORTS_CAP + 10; i++) {
        cJSON *x = report(i);
        osp_reports_add(r, x);
        cJSON_Delete(x);
    }
    uint64_t latest = 0;
    cJSON *list = osp_reports_since(r, 0, &latest);
    CHECK_INT(cJSON_GetArraySize(list), OSP_REPORTS_CAP);
    CHECK_INT(nth(cJSON_GetArrayItem(list, 0)), 11);
    CHECK_INT((int)latest, OSP_REPORTS_CAP + 10);
    cJSON_Delete(list);
    static char big[OSP_REPORTS_ENTRY_MAX + 10];
    memset(big, 'a', sizeof big - 1);
    cJSON *x = cJSON_CreateString(big);
    CHECK_INT((int)osp_reports_add(r, x), 0);
    cJSON_Delete(x);
    osp_reports_free(r);
}

int main(void)
{
    RUN(since_and_sequence);
    RUN(bounded);
    CHECK_EXIT();
}
