#include "check.h"
#include "osp/error.h"
#include "osp/json.h"

static void codes_round_trip(void)
{
    CHECK_STR(osp_error_code(0), "ok");
    CHECK_STR(osp_error_code(OSP_E_PERMISSION_DENIED), "permission_denied");
    CHECK_STR(osp_error_code(-9999), "unknown");
    CHECK_STR(osp_error_code(5), "unknown");
    CHECK_INT(osp_error_from_code("rate_limited"), OSP_E_RATE_LIMITED);
    CHECK_INT(osp_error_from_code("no_such_code"), 0);
    CHECK_INT(osp_error_http_status(OSP_E_UNAUTHORIZED), 401);
    CHECK_INT(osp_error_http_status(OSP_E_CONFLICT), 409);
    CHECK_INT(osp_error_http_status(-9999), 500);
    CHECK_STR(osp_strerror(-9999), "unknown error");
}

/* Values are dense, codes unique: the lookup by index depends on it. */
static void list_is_dense_and_unique(void)
{
    int n = 0;
#define COUNT(name, num, code, msg, status) n++;
    OSP_ERROR_LIST(COUNT)
#undef COUNT
    for (int i = 1; i <= n; i++) {
        CHECK(strcmp(osp_error_code(-i), "unknown") != 0);
        CHECK_INT(osp_error_from_code(osp_error_code(-i)), -i);
    }
    CHECK_STR(osp_error_code(-(n + 1)), "unknown");
}

static void table_is_json(void)
{
    const char *t = osp_error_table_json();
    cJSON *j = NULL;
    CHECK_ERR(osp_json_parse(t, strlen(t), NULL, &j, NULL), 0);
    const cJSON *e = osp_json_get(j, "timeout");
    CHECK(e != NULL);
    CHECK_INT(osp_json_get(e, "value")->valuedouble, OSP_E_TIMEOUT);
    CHECK_INT(osp_json_get(e, "status")->valuedouble, 504);
    cJSON_Delete(j);
}

int main(void)
{
    RUN(codes_round_trip);
    RUN(list_is_dense_and_unique);
    RUN(table_is_json);
    CHECK_EXIT();
}
