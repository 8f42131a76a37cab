#include "check.h"
#include "osp/csp.h"
#include "osp/error.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct osp_manifest *load(const char *perms)
{
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"format\":1,\"id\":\"acme.kanban\",\"name\":\"K\",\"version\":\"1.0.0\","
             "\"publisher\":\"acme\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
             "\"contributes\":{\"widgets\":[{\"id\":\"b\",\"title\":\"B\",\"entry\":\"b.html\"}]},"
             "\"permissions\":%s,\"files\":{\"b.html\":{\"sha256\":\"" H64 "\",\"size\":1}}}",
             perms);
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(buf, strlen(buf), 0, &m, NULL), 0);
    return m;
}

static const struct osp_csp_params params = {"http://127.0.0.1:8081", "http://127.0.0.1:8080",
                                             "/_osp/sdk/", "http://127.0.0.1:8080/api/v1/csp-reports"};

static void builds_strict_policy(void)
{
    struct osp_manifest *m = load("{}");
    char csp[OSP_CSP_MAX_LEN];
    size_t n = 0;
    CHECK_ERR(osp_csp_build(m, H64, &params, csp, sizeof csp, &n), 0);
    CHECK_INT(n, strlen(csp));
    CHECK(strncmp(csp, "default-src 'none'; ", 20) == 0);
    CHECK_CONTAINS(csp, "script-src http://127.0.0.1:8081/ext-ui/acme.kanban/" H64
                        "/ http://127.0.0.1:8081/_osp/sdk/;");
    CHECK_CONTAINS(csp, "connect-src 'none'");
    CHECK_CONTAINS(csp, "frame-ancestors http://127.0.0.1:8080;");
    CHECK_CONTAINS(csp, "base-uri 'none'; form-action 'none'; object-src 'none'");
    CHECK_CONTAINS(csp, "sandbox allow-scripts");
    CHECK_CONTAINS(csp, "report-uri http://127.0.0.1:8080/api/v1/csp-reports");
    CHECK(strstr(csp, "unsafe-eval") == NULL);
    CHECK(strstr(csp, "allow-same-origin") == NULL);
    CHECK(strstr(csp, "script-src 'unsafe-inline'") == NULL);
    osp_manifest_free(m);
}

static void adds_declared_origins_only(void)
{
    struct osp_manifest *m = load("{\"connect\":[\"https://api.acme.example\"],"
                                  "\"img\":[\"https://*.cdn.example\"]}");
    char csp[OSP_CSP_MAX_LEN];
    CHECK_ERR(osp_csp_build(m, H64, &params, csp, sizeof csp, NULL), 0);
    CHECK_CONTAINS(csp, "connect-src https://api.acme.example;");
    CHECK_CONTAINS(csp, " data: https://*.cdn.example;");
    osp_manifest_free(m);
}

static void refuses_bad_parameters(void)
{
    struct osp_manifest *m = load("{}");
    char csp[OSP_CSP_MAX_LEN];
    struct osp_csp_params p = params;
    CHECK_ERR(osp_csp_build(m, "nothex", &p, csp, sizeof csp, NULL), OSP_E_INVALID_ARGUMENT);
    p.app_origin = "http://x; script-src *";
    CHECK_ERR(osp_csp_build(m, H64, &p, csp, sizeof csp, NULL), OSP_E_INVALID_ARGUMENT);
    p = params;
    p.report_uri = "http://x/r; script-src *";
    CHECK_ERR(osp_csp_build(m, H64, &p, csp, sizeof csp, NULL), OSP_E_INVALID_ARGUMENT);
    p = params;
    p.sdk_path = "/sdk";
    CHECK_ERR(osp_csp_build(m, H64, &p, csp, sizeof csp, NULL), OSP_E_INVALID_ARGUMENT);
    CHECK_ERR(osp_csp_build(m, H64, &params, csp, 40, NULL), OSP_E_TOO_BIG);
    CHECK_STR(csp, "");
    osp_manifest_free(m);
}

int main(void)
{
    RUN(builds_strict_policy);
    RUN(adds_declared_origins_only);
    RUN(refuses_bad_parameters);
    CHECK_EXIT();
}
