#include "check.h"
#include "osp/error.h"
#include "osp/manifest.h"

#include <stdlib.h>

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char good[] =
    "{\"format\":1,\"id\":\"acme.kanban\",\"name\":\"Kanban board\",\"version\":\"1.4.2\","
    "\"publisher\":\"acme\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
    "\"contributes\":{\"widgets\":[{\"id\":\"board\",\"title\":\"Kanban\",\"entry\":\"board.html\","
    "\"height\":320}],\"fieldRenderers\":[{\"id\":\"stars\",\"fieldType\":\"rating\",\"entry\":"
    "\"stars.html\"}],\"views\":[{\"id\":\"pipeline\",\"object\":\"deal\",\"title\":\"Pipeline\","
    "\"entry\":\"view.html\"}]},"
    "\"permissions\":{\"rpc\":[\"data.read:contact\",\"data.write:task\",\"ui.toast\",\"storage\"],"
    "\"connect\":[\"https://api.acme.example\"],\"img\":[\"https://cdn.acme.example\"]},"
    "\"files\":{\"board.html\":{\"sha256\":\"" H64 "\",\"size\":812},"
    "\"stars.html\":{\"sha256\":\"" H64 "\",\"size\":10},"
    "\"view.html\":{\"sha256\":\"" H64 "\",\"size\":0},"
    "\"js/app.js\":{\"sha256\":\"" H64 "\",\"size\":5}}}";

/* good with the first occurrence of from replaced by to. */
static char *variant(const char *from, const char *to)
{
    const char *at = strstr(good, from);
    if (!at) {
        fprintf(stderr, "fixture lacks \"%s\"\n", from);
        abort();
    }
    size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    size_t pre = (size_t)(at - good);
    memcpy(out, good, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    return out;
}

/* Parses a variant; returns the code and copies the first pointer/hint. */
static int try_variant(const char *from, const char *to, char *ptr, char *hint)
{
    char *s = variant(from, to);
    struct osp_manifest *m = NULL;
    struct osp_diags d = {0};
    int rc = osp_manifest_parse(s, strlen(s), 0, &m, &d);
    if (ptr)
        strcpy(ptr, d.n ? d.items[0].pointer : "");
    if (hint)
        strcpy(hint, d.n ? d.items[0].hint : "");
    CHECK((rc == 0) == (d.n == 0));
    CHECK((rc == 0) == (m != NULL));
    if (d.n)
        CHECK_INT(d.items[0].code, rc);
    osp_manifest_free(m);
    osp_diags_free(&d);
    free(s);
    return rc;
}

static void parses_good_manifest(void)
{
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(good, strlen(good), 0, &m, NULL), 0);
    if (!m)
        return;
    CHECK_STR(m->id, "acme.kanban");
    CHECK_STR(m->version, "1.4.2");
    CHECK_STR(m->publisher, "acme");
    CHECK_INT(m->n_contributions, 3);
    CHECK_INT(m->contributions[0].surface, OSP_SURFACE_WIDGET);
    CHECK_INT(m->contributions[0].height, 320);
    CHECK_STR(m->contributions[1].target, "rating");
    CHECK(m->contributions[1].title == NULL);
    CHECK_STR(m->contributions[2].target, "deal");
    CHECK_INT(m->n_rpc, 4);
    CHECK_INT(m->n_connect, 1);
    CHECK_INT(m->n_img, 1);
    CHECK_INT(m->n_files, 4);
    CHECK_STR(m->files[0].path, "board.html"); /* sorted */
    CHECK_STR(m->files[1].path, "js/app.js");
    CHECK(osp_manifest_find_file(m, "view.html") != NULL);
    CHECK(osp_manifest_find_file(m, "nope.html") == NULL);
    CHECK(osp_manifest_find_contribution(m, "pipeline") != NULL);
    CHECK_INT(osp_manifest_find_file(m, "board.html")->size, 812);
    osp_manifest_free(m);
}

static void rejects_each_bad_field(void)
{
    char ptr[200], hint[300];
    CHECK_ERR(try_variant("\"format\":1", "\"format\":2", ptr, NULL), OSP_E_UNSUPPORTED_FORMAT);
    CHECK_ERR(try_variant("\"format\":1", "\"format\":\"1\"", ptr, NULL), OSP_E_BAD_TYPE);
    CHECK_STR(ptr, "/format");
    CHECK_ERR(try_variant("\"format\":1,", "", NULL, NULL), OSP_E_MISSING_FIELD);
    CHECK_ERR(try_variant("acme.kanban", "Acme.Kanban", ptr, NULL), OSP_E_BAD_ID);
    CHECK_STR(ptr, "/id");
    CHECK_ERR(try_variant("acme.kanban", "kanban", NULL, NULL), OSP_E_BAD_ID);
    CHECK_ERR(try_variant("acme.kanban", "acme..kanban", NULL, NULL), OSP_E_BAD_ID);
    CHECK_ERR(try_variant("acme.kanban", "acme.-kanban", NULL, NULL), OSP_E_BAD_ID);
    CHECK_ERR(try_variant("1.4.2", "1.4", ptr, NULL), OSP_E_BAD_VERSION);
    CHECK_STR(ptr, "/version");
    CHECK_ERR(try_variant("\"publisher\":\"acme\"", "\"publisher\":\"Acme Inc\"", NULL, NULL),
              OSP_E_BAD_ID);
    CHECK_ERR(try_variant("\"runtime\":\"ui\"", "\"runtime\":\"node\"", ptr, NULL),
              OSP_E_UNSUPPORTED_RUNTIME);
    CHECK_ERR(try_variant("\"^1\"", "\"^2\"", ptr, NULL), OSP_E_INCOMPATIBLE_ENGINES);
    CHECK_STR(ptr, "/engines/osp-ui");
    CHECK_ERR(try_variant("\"^1\"", "\"soon\"", NULL, NULL), OSP_E_BAD_VERSION);
    CHECK_ERR(try_variant("\"name\":\"Kanban board\"", "\"nmae\":\"Kanban board\"", ptr, hint),
              OSP_E_UNKNOWN_KEY);
    CHECK_STR(ptr, "/nmae");
    CHECK_STR(hint, "did you mean \"name\"");
    CHECK_ERR(try_variant("\"name\":\"Kanban board\"", "\"name\":\"\"", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"name\":\"Kanban board\"", "\"name\":\"a\\nb\"", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"data.read:contact\"", "\"data.raed:contact\"", ptr, hint),
              OSP_E_BAD_PERMISSION);
    CHECK_STR(ptr, "/permissions/rpc/0");
    CHECK_STR(hint, "did you mean data.read:contact");
    CHECK_ERR(try_variant("\"storage\"]", "\"storage\",\"storage\"]", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("https://api.acme.example", "http://api.acme.example", ptr, NULL),
              OSP_E_BAD_ORIGIN);
    CHECK_STR(ptr, "/permissions/connect/0");
    CHECK_ERR(try_variant("\"rpc\":", "\"rcp\":", ptr, NULL), OSP_E_UNKNOWN_KEY);
    CHECK_ERR(try_variant("\"widgets\":", "\"widget\":", ptr, hint), OSP_E_UNKNOWN_KEY);
    CHECK_STR(hint, "did you mean \"widgets\"");
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"missing.html\"", ptr, hint),
              OSP_E_MISSING_FILE);
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"js/app.js\"", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"../board.html\"", NULL, NULL),
              OSP_E_ARCHIVE_PATH);
    /* module (tier U0): optional, a shipped .js/.mjs at a safe path. */
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"board.html\",\"module\":\"js/app.js\"",
                          NULL, NULL),
              0);
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"board.html\",\"module\":\"js/none.js\"",
                          ptr, NULL),
              OSP_E_MISSING_FILE);
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"board.html\",\"module\":\"board.html\"",
                          ptr, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_STR(ptr, "/contributes/widgets/0/module");
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"board.html\",\"module\":\"../x.js\"",
                          NULL, NULL),
              OSP_E_ARCHIVE_PATH);
    CHECK_ERR(try_variant("\"entry\":\"board.html\"", "\"entry\":\"board.html\",\"module\":7", NULL, NULL),
              OSP_E_BAD_TYPE);
    CHECK_ERR(try_variant("\"id\":\"stars\"", "\"id\":\"board\"", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"fieldType\":\"rating\",", "", NULL, NULL), OSP_E_MISSING_FIELD);
    CHECK_ERR(try_variant("\"height\":320", "\"height\":3.5", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"height\":320", "\"height\":1e9", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"size\":812", "\"size\":-1", ptr, NULL), OSP_E_MANIFEST_INVALID);
    CHECK_STR(ptr, "/files/board.html/size");
    CHECK_ERR(try_variant("\"size\":812", "\"size\":99999999999", NULL, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_ERR(try_variant("\"size\":812", "\"size\":812,\"mode\":1", NULL, NULL),
              OSP_E_UNKNOWN_KEY);
    CHECK_ERR(try_variant("\"js/app.js\"", "\"js/../app.js\"", NULL, NULL), OSP_E_ARCHIVE_PATH);
    CHECK_ERR(try_variant("\"js/app.js\"", "\"Board.html\"", NULL, NULL), OSP_E_ARCHIVE_PATH);
    CHECK_ERR(try_variant("\"js/app.js\"", "\"osplugin.json\"", NULL, NULL),
              OSP_E_ARCHIVE_PATH);
    CHECK_ERR(try_variant("0123456789abcdef0123", "0123456789ABCDEF0123", ptr, NULL),
              OSP_E_MANIFEST_INVALID);
    CHECK_STR(ptr, "/files/board.html/sha256");
    CHECK_ERR(try_variant("\"format\":1", "\"format\":1,\"format\":1", NULL, NULL),
              OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(try_variant("Kanban board", "Kanban \xff", NULL, NULL), OSP_E_BAD_UTF8);
    CHECK_ERR(try_variant("{\"format\"", "[{\"format\"", NULL, NULL), OSP_E_JSON_SYNTAX);
}

static void reports_every_problem(void)
{
    const char *bad = "{\"format\":1,\"id\":\"X\",\"name\":\"n\",\"version\":\"one\","
                      "\"publisher\":\"acme\",\"runtime\":\"py\",\"engines\":{\"osp-ui\":\"^1\"},"
                      "\"contributes\":{\"widgets\":[{\"id\":\"w\",\"title\":\"W\",\"entry\":"
                      "\"w.html\"}]},\"permissions\":{\"rpc\":[\"ui.tost\"]},\"extra\":true}";
    struct osp_manifest *m = NULL;
    struct osp_diags d = {0};
    int rc = osp_manifest_parse(bad, strlen(bad), OSP_MANIFEST_SOURCE, &m, &d);
    CHECK(rc != 0);
    CHECK(m == NULL);
    int seen_id = 0, seen_ver = 0, seen_rt = 0, seen_perm = 0, seen_key = 0;
    for (size_t i = 0; i < d.n; i++) {
        seen_id |= d.items[i].code == OSP_E_BAD_ID && !strcmp(d.items[i].pointer, "/id");
        seen_ver |= d.items[i].code == OSP_E_BAD_VERSION;
        seen_rt |= d.items[i].code == OSP_E_UNSUPPORTED_RUNTIME;
        seen_perm |= d.items[i].code == OSP_E_BAD_PERMISSION;
        seen_key |= d.items[i].code == OSP_E_UNKNOWN_KEY && !strcmp(d.items[i].pointer, "/extra");
    }
    CHECK(seen_id && seen_ver && seen_rt && seen_perm && seen_key);
    CHECK_INT(d.n, 5);
    osp_diags_free(&d);
}

static void source_manifest_may_omit_files(void)
{
    const char *src = "{\"format\":1,\"id\":\"a.b\",\"name\":\"n\",\"version\":\"1.0.0\","
                      "\"publisher\":\"p\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
                      "\"contributes\":{\"widgets\":[{\"id\":\"w\",\"title\":\"W\",\"entry\":"
                      "\"w.html\"}]}}";
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(src, strlen(src), OSP_MANIFEST_SOURCE, &m, NULL), 0);
    CHECK(m && !m->has_files);
    osp_manifest_free(m);
    CHECK_ERR(osp_manifest_parse(src, strlen(src), 0, &m, NULL), OSP_E_MISSING_FIELD);
    CHECK(m == NULL);
}

static void limits(void)
{
    static char big[OSP_MANIFEST_MAX_BYTES + 10];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(big, sizeof big, 0, &m, NULL), OSP_E_TOO_BIG);
    const char *deep = "{\"format\":1,\"x\":[[[[[[[[[[1]]]]]]]]]]}";
    CHECK_ERR(osp_manifest_parse(deep, strlen(deep), 0, &m, NULL), OSP_E_JSON_DEPTH);
    CHECK_ERR(osp_manifest_check_id("a.b"), 0);
    CHECK_ERR(osp_manifest_check_id("ab"), OSP_E_BAD_ID);
    osp_manifest_free(NULL);
}

int main(void)
{
    RUN(parses_good_manifest);
    RUN(rejects_each_bad_field);
    RUN(reports_every_problem);
    RUN(source_manifest_may_omit_files);
    RUN(limits);
    CHECK_EXIT();
}
