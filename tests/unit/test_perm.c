#include "check.h"
#include "osp/error.h"
#include "osp/perm.h"

static void vocabulary(void)
{
    char hint[200];
    CHECK_ERR(osp_perm_check("data.read:contact", hint, sizeof hint), 0);
    CHECK_ERR(osp_perm_check("data.write:task", hint, sizeof hint), 0);
    CHECK_ERR(osp_perm_check("storage", hint, sizeof hint), 0);
    CHECK_ERR(osp_perm_check("ui.toast", hint, sizeof hint), 0);
    CHECK_ERR(osp_perm_check("ui.navigate", hint, sizeof hint), 0);
    CHECK_ERR(osp_perm_check("data.raed:contact", hint, sizeof hint), OSP_E_BAD_PERMISSION);
    CHECK_STR(hint, "did you mean data.read:contact");
    CHECK_ERR(osp_perm_check("ui.tost", hint, sizeof hint), OSP_E_BAD_PERMISSION);
    CHECK_STR(hint, "did you mean ui.toast");
    CHECK_ERR(osp_perm_check("data.read:Contact", hint, sizeof hint), OSP_E_BAD_PERMISSION);
    CHECK_CONTAINS(hint, "object name");
    CHECK_ERR(osp_perm_check("data.read:", hint, sizeof hint), OSP_E_BAD_PERMISSION);
    CHECK_ERR(osp_perm_check("admin", hint, sizeof hint), OSP_E_BAD_PERMISSION);
    CHECK_CONTAINS(hint, "known permissions");
    CHECK_ERR(osp_perm_check("*", NULL, 0), OSP_E_BAD_PERMISSION);
}

static void origins(void)
{
    char hint[200];
    const char *good[] = {"https://api.acme.example", "https://cdn.acme.example:8443",
                          "https://*.acme.example", "https://localhost"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_ERR(osp_perm_check_origin(good[i], hint, sizeof hint), 0);
    const char *bad[] = {"http://api.acme.example", "https://api.acme.example/",
                         "https://api.acme.example/v1", "https://*", "https://*.example",
                         "https://*.*.acme.example", "https://API.acme.example",
                         "https://api.acme.example:0", "https://api.acme.example:99999",
                         "https://a..b", "https://-a.b", "api.acme.example", "https://",
                         "https://api.acme.example.", "*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = osp_perm_check_origin(bad[i], hint, sizeof hint);
        if (rc == 0)
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
        CHECK_ERR(rc, OSP_E_BAD_ORIGIN);
    }
    CHECK_ERR(osp_perm_check_host_origin("http://127.0.0.1:8080"), 0);
    CHECK_ERR(osp_perm_check_host_origin("https://app.example.com"), 0);
    CHECK_ERR(osp_perm_check_host_origin("http://127.0.0.1:8080/"), OSP_E_BAD_ORIGIN);
    CHECK_ERR(osp_perm_check_host_origin("https://*.example.com"), OSP_E_BAD_ORIGIN);
    CHECK_ERR(osp_perm_check_host_origin("javascript:alert(1)"), OSP_E_BAD_ORIGIN);
}

static void grants(void)
{
    const char *list[] = {"data.read:contact", "ui.toast"};
    struct osp_grants g = {list, 2};
    CHECK(osp_grants_has(&g, "ui.toast"));
    CHECK(!osp_grants_has(&g, "data.read:deal"));
    CHECK(!osp_grants_has(&g, "data.read:contac"));
    CHECK(!osp_grants_has(NULL, "ui.toast"));
    char d[100];
    osp_perm_describe("data.read:contact", d, sizeof d);
    CHECK_STR(d, "read contact records you can see");
}

int main(void)
{
    RUN(vocabulary);
    RUN(origins);
    RUN(grants);
    CHECK_EXIT();
}
