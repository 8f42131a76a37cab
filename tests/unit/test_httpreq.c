/* osp_httpreq: strict request heads and the checks both origins apply. */
#include "check.h"
#include "osp/error.h"
#include "osp/httpreq.h"

#include <stdlib.h>
#include <string.h>

/* Parses text (a whole head) in a scratch copy; *why gets the reason. */
static int parse(const char *text, struct osp_httpreq *r, char **keep, const char **why)
{
    size_t n = strlen(text);
    *keep = malloc(n + 1);
    memcpy(*keep, text, n + 1);
    return osp_httpreq_parse(*keep, n, r, why);
}

static void head_len_finds_the_blank_line(void)
{
    const char *h = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next";
    size_t whole = strlen("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_INT(osp_httpreq_head_len(h, strlen(h), 0), whole);
    /* Arriving a byte at a time, resuming where the last look stopped. */
    size_t from = 0, found = 0;
    for (size_t len = 1; len <= strlen(h) && !found; len++) {
        found = osp_httpreq_head_len(h, len, from);
        from = len;
    }
    CHECK_INT(found, whole);
    CHECK_INT(osp_httpreq_head_len("GET / HTTP/1.1\r\n\r", 17, 0), 0);
    CHECK_INT(osp_httpreq_head_len("", 0, 0), 0);
    /* A bare-LF head ends too (for the parser to refuse it by name). */
    CHECK_INT(osp_httpreq_head_len("GET / HTTP/1.1\n\nX", 17, 0), 16);
    CHECK_INT(osp_httpreq_head_len("GET / HTTP/1.1\r\nHost: x\r\n\r", 28, 0), 0);
    CHECK_INT(osp_httpreq_head_len("GET / HTTP/1.1\r\n\r\n", 18, 17), 18);
}

static void parses_a_request(void)
{
    struct osp_httpreq r;
    char *buf;
    const char *why;
    CHECK_ERR(parse("GET /ext-ui/a/b.js?v=1 HTTP/1.1\r\nHost: x\r\n"
                    "Accept-Encoding:  br, gzip \t\r\nX-Empty:\r\n\r\n",
                    &r, &buf, &why),
              0);
    CHECK_STR(r.method, "GET");
    CHECK_STR(r.path, "/ext-ui/a/b.js");
    CHECK_STR(r.query, "v=1");
    CHECK_STR(r.version, "1.1");
    CHECK_INT(r.n_headers, 3);
    CHECK_STR(osp_httpreq_header(&r, "accept-encoding"), "br, gzip");
    CHECK_STR(osp_httpreq_header(&r, "X-EMPTY"), "");
    CHECK(osp_httpreq_header(&r, "Cookie") == NULL);
    CHECK(osp_httpreq_keep_alive(&r));
    free(buf);

    CHECK_ERR(parse("HEAD / HTTP/1.0\r\n\r\n", &r, &buf, &why), 0);
    CHECK_STR(r.version, "1.0");
    CHECK(r.query == NULL);
    CHECK_INT(r.n_headers, 0);
    CHECK(!osp_httpreq_keep_alive(&r));
    free(buf);
}

static void keep_alive_follows_the_version_and_connection(void)
{
    static const struct {
        const char *head;
        int keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: upgrade,keep-alive\r\n\r\n", 1},
        {"GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct osp_httpreq r;
        char *buf;
        const char *why;
        CHECK_ERR(parse(cases[i].head, &r, &buf, &why), 0);
        if (osp_httpreq_keep_alive(&r) != cases[i].keep)
            fprintf(stderr, "keep-alive case %zu\n", i);
        CHECK_INT(osp_httpreq_keep_alive(&r), cases[i].keep);
        free(buf);
    }
}

static void refuses_malformed_heads(void)
{
    static const char *bad[] = {
        "GET / HTTP/1.1\nHost: x\r\n\r\n",             /* bare LF */
        "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",     /* bare CR */
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",          /* two spaces */
        " GET / HTTP/1.1\r\nHost: x\r\n\r\n",          /* leading space */
        "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",       /* leading blank line */
        "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",           /* not a token */
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",           /* version */
        "GET / HTTP/1.10\r\nHost: x\r\n\r\n",
        "GET / http/1.1\r\nHost: x\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",       /* DEL in the target */
        "GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",   /* non-ASCII target */
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",          /* space before colon */
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\r\n: x\r\n\r\n",               /* empty name */
        "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",         /* control byte in a value */
        "GET / HTTP/1.1\r\nX: a\x7fz\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n\r\n",                  /* an empty header line */
        "GET\r\n\r\n",
        "GET /\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct osp_httpreq r;
        char *buf;
        const char *why = NULL;
        int rc = parse(bad[i], &r, &buf, &why);
        if (rc != OSP_E_BAD_REQUEST)
            fprintf(stderr, "bad head %zu parsed (%s)\n", i, osp_error_code(rc));
        CHECK_ERR(rc, OSP_E_BAD_REQUEST);
        CHECK(why && *why);
        free(buf);
    }
    /* A NUL hidden inside a value. */
    char nul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
    struct osp_httpreq r;
    const char *why;
    CHECK_ERR(osp_httpreq_parse(nul, sizeof nul - 1, &r, &why), OSP_E_BAD_REQUEST);
    char lf[] = "GET / HTTP/1.1\n\n";
    CHECK_ERR(osp_httpreq_parse(lf, sizeof lf - 1, &r, &why), OSP_E_BAD_REQUEST);
    CHECK_STR(why, "request lines must end with CRLF");
    char nohead[] = "GET / HTTP/1.1\r\n";
    CHECK_ERR(osp_httpreq_parse(nohead, sizeof nohead - 1, &r, &why), OSP_E_BAD_REQUEST);
}

static void bounds_headers_and_size(void)
{
    char head[OSP_HTTPREQ_HEAD_MAX + 64];
    size_t n = (size_t)snprintf(head, sizeof head, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < OSP_HTTPREQ_HEADERS_MAX; i++)
        n += (size_t)snprintf(head + n, sizeof head - n, "X-%d: v\r\n", i);
    memcpy(head + n, "\r\n", 3);
    struct osp_httpreq r;
    const char *why;
    char *copy = strdup(head);
    CHECK_ERR(osp_httpreq_parse(copy, strlen(copy), &r, &why), 0);
    CHECK_INT(r.n_headers, OSP_HTTPREQ_HEADERS_MAX);
    free(copy);
    /* One more line is too many. */
    n = (size_t)snprintf(head, sizeof head, "GET / HTTP/1.1\r\nX-extra: v\r\n");
    for (int i = 0; i < OSP_HTTPREQ_HEADERS_MAX; i++)
        n += (size_t)snprintf(head + n, sizeof head - n, "X-%d: v\r\n", i);
    memcpy(head + n, "\r\n", 3);
    copy = strdup(head);
    CHECK_ERR(osp_httpreq_parse(copy, strlen(copy), &r, &why), OSP_E_TOO_BIG);
    free(copy);
    /* Longer than the bound. */
    n = (size_t)snprintf(head, sizeof head, "GET / HTTP/1.1\r\nX: ");
    memset(head + n, 'a', OSP_HTTPREQ_HEAD_MAX);
    memcpy(head + OSP_HTTPREQ_HEAD_MAX - 4 + 1, "\r\n\r\n", 5);
    CHECK_ERR(osp_httpreq_parse(head, OSP_HTTPREQ_HEAD_MAX + 1, &r, &why), OSP_E_TOO_BIG);
}

static void checks_paths_and_framing(void)
{
    const struct osp_httpreq_header host[] = {{"Host", "x"}};
    const char *why;
    CHECK_ERR(osp_httpreq_check("/ext-ui/a.b/0123/x.js", "1.1", host, 1, &why), 0);
    CHECK_ERR(osp_httpreq_check("/", "1.0", NULL, 0, &why), 0);
    static const char *bad_paths[] = {"*", "http://evil.example/", "", "/a%00b", "/a%2fb",
                                      "/%2e%2e/x", "/a\\b", "/a//b", "/a/./b", "/a/../b",
                                      "/a/..", "/a/."};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        why = NULL;
        CHECK_ERR(osp_httpreq_check(bad_paths[i], "1.1", host, 1, &why), OSP_E_BAD_REQUEST);
        CHECK(why && (strlen(bad_paths[i]) < 3 || !strstr(why, bad_paths[i] + 1)));
    }
    CHECK_ERR(osp_httpreq_check(NULL, "1.1", host, 1, &why), OSP_E_BAD_REQUEST);
    /* Host exactly once on HTTP/1.1. */
    CHECK_ERR(osp_httpreq_check("/", "1.1", NULL, 0, &why), OSP_E_BAD_REQUEST);
    CHECK_STR(why, "HTTP/1.1 requires a Host header");
    const struct osp_httpreq_header two_hosts[] = {{"Host", "a"}, {"host", "b"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", two_hosts, 2, &why), OSP_E_BAD_REQUEST);
    /* Content-Length: digits, once, never with Transfer-Encoding. */
    const struct osp_httpreq_header cl_ok[] = {{"Host", "x"}, {"Content-Length", "12"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", cl_ok, 2, &why), 0);
    const struct osp_httpreq_header cl_bad[] = {{"Host", "x"}, {"Content-Length", "1x"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", cl_bad, 2, &why), OSP_E_BAD_REQUEST);
    const struct osp_httpreq_header cl_neg[] = {{"Host", "x"}, {"Content-Length", "-1"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", cl_neg, 2, &why), OSP_E_BAD_REQUEST);
    const struct osp_httpreq_header cl_two[] = {
        {"Host", "x"}, {"Content-Length", "1"}, {"content-length", "1"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", cl_two, 3, &why), OSP_E_BAD_REQUEST);
    CHECK_STR(why, "more than one Content-Length header");
    const struct osp_httpreq_header cl_te[] = {
        {"Host", "x"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", cl_te, 3, &why), OSP_E_BAD_REQUEST);
    CHECK_STR(why, "Content-Length together with Transfer-Encoding");
    const struct osp_httpreq_header te[] = {{"Host", "x"}, {"Transfer-Encoding", "chunked"}};
    CHECK_ERR(osp_httpreq_check("/", "1.1", te, 2, &why), OSP_E_BAD_REQUEST);
}

int main(void)
{
    RUN(head_len_finds_the_blank_line);
    RUN(parses_a_request);
    RUN(keep_alive_follows_the_version_and_connection);
    RUN(refuses_malformed_heads);
    RUN(bounds_headers_and_size);
    RUN(checks_paths_and_framing);
    CHECK_EXIT();
}
