#include "check.h"
#include "osp/error.h"
#include "osp/version.h"

static int cmp(const char *a, const char *b)
{
    struct osp_semver x, y;
    CHECK_ERR(osp_version_parse(a, &x), 0);
    CHECK_ERR(osp_version_parse(b, &y), 0);
    return osp_version_compare(&x, &y);
}

static void parses_semver(void)
{
    struct osp_semver v;
    CHECK_ERR(osp_version_parse("1.4.2", &v), 0);
    CHECK_INT(v.major, 1);
    CHECK_INT(v.minor, 4);
    CHECK_INT(v.patch, 2);
    CHECK_ERR(osp_version_parse("1.0.0-beta.11+build.7", &v), 0);
    CHECK_STR(v.pre, "beta.11");
    CHECK_ERR(osp_version_parse("0.0.0", NULL), 0);
    const char *bad[] = {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "v1.2.3", "1.2.3-",
                         "1.2.3-01", "1.2.3+", "1.2.3-a..b", "-1.2.3", "1.2.x",
                         "9007199254740992.0.0", " 1.2.3", "1.2.3 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = osp_version_parse(bad[i], &v);
        if (rc != OSP_E_BAD_VERSION)
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
        CHECK_ERR(rc, OSP_E_BAD_VERSION);
    }
}

static void orders_by_precedence(void)
{
    CHECK(cmp("1.0.0", "2.0.0") < 0);
    CHECK(cmp("1.10.0", "1.9.0") > 0);
    CHECK(cmp("1.0.0-alpha", "1.0.0") < 0);
    CHECK(cmp("1.0.0-alpha", "1.0.0-alpha.1") < 0);
    CHECK(cmp("1.0.0-alpha.1", "1.0.0-alpha.beta") < 0);
    CHECK(cmp("1.0.0-beta.2", "1.0.0-beta.11") < 0);
    CHECK(cmp("1.0.0-rc.1", "1.0.0") < 0);
    CHECK(cmp("1.0.0+a", "1.0.0+b") == 0);
}

static int sat(const char *v, const char *range)
{
    struct osp_semver x;
    CHECK_ERR(osp_version_parse(v, &x), 0);
    return osp_version_satisfies(&x, range);
}

static void ranges(void)
{
    CHECK_INT(sat("1.0.0", "^1"), 1);
    CHECK_INT(sat("1.9.3", "^1.2"), 1);
    CHECK_INT(sat("2.0.0", "^1"), 0);
    CHECK_INT(sat("2.0.0-rc.1", "^1"), 0);
    CHECK_INT(sat("0.2.5", "^0.2.3"), 1);
    CHECK_INT(sat("0.3.0", "^0.2.3"), 0);
    CHECK_INT(sat("1.2.9", "~1.2"), 1);
    CHECK_INT(sat("1.3.0", "~1.2"), 0);
    CHECK_INT(sat("1.0.0", "1"), 1);
    CHECK_INT(sat("1.5.0", "1.x"), 1);
    CHECK_INT(sat("1.0.0", "=1.0.0"), 1);
    CHECK_INT(sat("1.0.1", "1.0.0"), 0);
    CHECK_INT(sat("2.5.0", ">=1.0 <3"), 1);
    CHECK_INT(sat("3.0.0", ">=1.0 <3"), 0);
    CHECK_INT(sat("1.0.0", ">1"), 0);
    CHECK_INT(sat("2.0.0", ">1"), 1);
    CHECK_INT(sat("1.9.9", "<=1"), 1);
    CHECK_INT(sat("7.0.0", "*"), 1);
    CHECK_ERR(sat("1.0.0", ""), OSP_E_BAD_VERSION);
    CHECK_ERR(sat("1.0.0", "^"), OSP_E_BAD_VERSION);
    CHECK_ERR(sat("1.0.0", "^1.2.3.4"), OSP_E_BAD_VERSION);
    CHECK_ERR(sat("1.0.0", "latest"), OSP_E_BAD_VERSION);
    CHECK_ERR(sat("1.0.0", "^1 || ^2"), OSP_E_BAD_VERSION);
}

static void engines_against_this_core(void)
{
    CHECK_ERR(osp_version_engines_check("^1"), 0);
    CHECK_ERR(osp_version_engines_check(">=1.0 <2"), 0);
    CHECK_ERR(osp_version_engines_check("^2"), OSP_E_INCOMPATIBLE_ENGINES);
    CHECK_ERR(osp_version_engines_check("^1.1"), OSP_E_INCOMPATIBLE_ENGINES);
    CHECK_ERR(osp_version_engines_check("banana"), OSP_E_BAD_VERSION);
}

int main(void)
{
    RUN(parses_semver);
    RUN(orders_by_precedence);
    RUN(ranges);
    RUN(engines_against_this_core);
    CHECK_EXIT();
}
