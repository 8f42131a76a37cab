#include "check.h"
#include "osp/error.h"
#include "osp/json.h"

static int parse(const char *s)
{
    cJSON *j = NULL;
    int rc = osp_json_parse(s, strlen(s), NULL, &j, NULL);
    cJSON_Delete(j);
    return rc;
}

static void accepts_valid_json(void)
{
    CHECK_ERR(parse("{}"), 0);
    CHECK_ERR(parse(" [1, -0.5, 2e10, true, false, null, \"x\"] "), 0);
    CHECK_ERR(parse("{\"a\":{\"b\":[{}]}}"), 0);
    CHECK_ERR(parse("\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00\""), 0);
    CHECK_ERR(parse("0"), 0);
}

static void rejects_bad_syntax(void)
{
    CHECK_ERR(parse(""), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("{"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("{\"a\":1,}"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("[1,]"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("01"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("-"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("1."), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("+1"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("{} x"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("{'a':1}"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("\"tab\there\""), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("\"\\x\""), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("tru"), OSP_E_JSON_SYNTAX);
    CHECK_ERR(parse("1e999"), OSP_E_JSON_SYNTAX); /* not finite */
    CHECK_ERR(parse("123456789012345678901234567890123456789012345678901234567890123456789"),
              OSP_E_JSON_SYNTAX);
}

static void rejects_duplicates_nul_and_bad_utf8(void)
{
    CHECK_ERR(parse("{\"a\":1,\"a\":2}"), OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}"), OSP_E_JSON_DUPLICATE_KEY);
    /* Up to 8 keys are compared pairwise, more are sorted: both ways. */
    CHECK_ERR(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"a\":8}"),
              OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,"
                    "\"a\":9}"),
              OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8}"), 0);
    CHECK_ERR(parse("{\"a\":1,\"A\":2}"), 0); /* keys are case-sensitive */
    CHECK_ERR(parse("\"a\\u0000b\""), OSP_E_BAD_UTF8);
    CHECK_ERR(parse("\"\xc0\xaf\""), OSP_E_BAD_UTF8);       /* overlong '/' */
    CHECK_ERR(parse("\"\xed\xa0\x80\""), OSP_E_BAD_UTF8);   /* raw surrogate */
    CHECK_ERR(parse("\"\xf4\x90\x80\x80\""), OSP_E_BAD_UTF8); /* > U+10FFFF */
    CHECK_ERR(parse("\"\\udc00\""), OSP_E_BAD_UTF8);        /* lone low surrogate */
    CHECK_ERR(parse("\"\\ud800x\""), OSP_E_BAD_UTF8);       /* unpaired high */
    const char nul[] = "{\"a\":1}\0";
    cJSON *j = NULL;
    CHECK_ERR(osp_json_parse(nul, sizeof nul - 1, NULL, &j, NULL), OSP_E_JSON_SYNTAX);
    CHECK(j == NULL);
}

static void many_keys_duplicate_found(void)
{
    /* A wide object with one duplicate at the end: found, and quickly. */
    static char buf[200000];
    size_t n = 0;
    buf[n++] = '{';
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "\"k%d\":0,", i);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "\"k5\":1}");
    CHECK_ERR(parse(buf), OSP_E_JSON_DUPLICATE_KEY);
}

static void enforces_limits(void)
{
    struct osp_json_limits lim = {16, 2};
    cJSON *j = NULL;
    const char *deep = "[[[1]]]";
    size_t off = 0;
    CHECK_ERR(osp_json_parse(deep, strlen(deep), &lim, &j, &off), OSP_E_JSON_DEPTH);
    CHECK_INT(off, 2);
    const char *big = "[1,2,3,4,5,6,7,8,9]";
    CHECK_ERR(osp_json_parse(big, strlen(big), &lim, &j, NULL), OSP_E_TOO_BIG);
    /* Default depth: 32 levels fine, 33 refused, 100000 refused without
     * deep recursion. */
    static char d[200001];
    memset(d, '[', 100000);
    memset(d + 100000, ']', 100000);
    CHECK_ERR(osp_json_parse(d, 200000, NULL, &j, NULL), OSP_E_JSON_DEPTH);
    memset(d, 0, sizeof d);
    memset(d, '[', 32);
    memset(d + 32, ']', 32);
    CHECK_ERR(osp_json_parse(d, 64, NULL, &j, NULL), 0);
    cJSON_Delete(j);
}

static void quote_escapes(void)
{
    char out[64];
    size_t n = osp_json_quote("a\"b\\c\n\x01", out, sizeof out);
    CHECK_STR(out, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    CHECK_INT(n, strlen(out));
    char tiny[4];
    n = osp_json_quote("abcdef", tiny, sizeof tiny);
    CHECK_INT(n, 8);
    CHECK_INT(strlen(tiny), 3);
}

static void utf8_check(void)
{
    CHECK_ERR(osp_json_check_utf8("plain", 5), 0);
    CHECK_ERR(osp_json_check_utf8("\xe2\x82\xac", 3), 0);
    CHECK_ERR(osp_json_check_utf8("\xe2\x82", 2), OSP_E_BAD_UTF8);
    CHECK_ERR(osp_json_check_utf8("a\0b", 3), OSP_E_BAD_UTF8);
    CHECK_ERR(osp_json_check_utf8("\xff", 1), OSP_E_BAD_UTF8);
}

int main(void)
{
    RUN(accepts_valid_json);
    RUN(rejects_bad_syntax);
    RUN(rejects_duplicates_nul_and_bad_utf8);
    RUN(many_keys_duplicate_found);
    RUN(enforces_limits);
    RUN(quote_escapes);
    RUN(utf8_check);
    CHECK_EXIT();
}
