#include "check.h"
#include "osp/error.h"
#include "osp/path.h"

static void safe_paths(void)
{
    const char *good[] = {"board.html", "js/app.js", "a/b/c/d.css", "icon@2x.png", "x+y_z-1.txt"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_ERR(osp_path_check(good[i]), 0);
    const char *bad[] = {"",        "/abs.js",     "../up.js", "a/../b.js", "./a.js",  "a//b.js",
                         "a/",      ".hidden",     "a/.env",   "a\\b.js",   "C:x.js",  "a b.js",
                         "caf\xc3\xa9.js", "a%2fb.js", "a/./b",    "..",        "a?b",     "a*b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = osp_path_check(bad[i]);
        if (rc == 0)
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
        CHECK_ERR(rc, OSP_E_ARCHIVE_PATH);
    }
    CHECK_ERR(osp_path_check(NULL), OSP_E_ARCHIVE_PATH);
    char deep[64] = "a/b/c/d/e/f/g/h/i.js"; /* 9 segments */
    CHECK_ERR(osp_path_check(deep), OSP_E_ARCHIVE_PATH);
    char longp[300];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    CHECK_ERR(osp_path_check(longp), OSP_E_ARCHIVE_PATH);
}

static void case_and_reserved(void)
{
    CHECK(osp_path_equal_nocase("Board.HTML", "board.html"));
    CHECK(!osp_path_equal_nocase("board.html", "board.htm"));
    CHECK(osp_path_is_reserved("osplugin.json"));
    CHECK(osp_path_is_reserved("OSPlugin.json.minisig"));
    CHECK(!osp_path_is_reserved("osplugin.js"));
}

static void mime_types(void)
{
    CHECK_STR(osp_path_mime_type("a/b.html"), "text/html; charset=utf-8");
    CHECK_STR(osp_path_mime_type("x.JS"), "text/javascript; charset=utf-8");
    CHECK_STR(osp_path_mime_type("font.woff2"), "font/woff2");
    CHECK_STR(osp_path_mime_type("noext"), "application/octet-stream");
    CHECK_STR(osp_path_mime_type("dir.html/file"), "application/octet-stream");
}

int main(void)
{
    RUN(safe_paths);
    RUN(case_and_reserved);
    RUN(mime_types);
    CHECK_EXIT();
}
