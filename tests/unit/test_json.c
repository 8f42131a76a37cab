#include "check.h"
#include "osp/error.h"
#include "osp/json.h"

#include <stdio.h>

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
    CHECK_STR(out, "\"a\\\"b\\\\c\\n\\u0001\"");
    CHECK_INT(n, strlen(out));
    /* JSON.stringify's short escapes, exactly. */
    osp_json_quote("\b\f\n\r\t\x1f\x7f/", out, sizeof out);
    CHECK_STR(out, "\"\\b\\f\\n\\r\\t\\u001f\x7f/\"");
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

/* Keys are compared as JSON.parse decodes them, not as written. */
static void escaped_duplicates_found(void)
{
    CHECK_ERR(parse("{\"a\":1,\"\\u0061\":2}"), OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}"), OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"a/b\":1,\"a\\/b\":2}"), OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"\\u00e9\":1,\"\xc3\xa9\":2}"), OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(parse("{\"a\":1,\"ab\":2,\"\\u0061b\\n\":3}"), 0);
    /* Many keys (sorted, not compared pairwise), the duplicate escaped. */
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "{");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "\"k%d\":%d,", i, i);
    snprintf(buf + n, sizeof buf - n, "\"\\u006b42\":0}");
    CHECK_ERR(parse(buf), OSP_E_JSON_DUPLICATE_KEY);
    CHECK_ERR(osp_json_validate(buf, strlen(buf), NULL, NULL), OSP_E_JSON_DUPLICATE_KEY);
    buf[n + 7] = 'x'; /* k42 becomes kx2: no longer a duplicate */
    CHECK_ERR(parse(buf), 0);
}

/* osp_json_validate is the check osp_json_parse makes, without a tree. */
static void validate_agrees_with_parse(void)
{
    static const char *const texts[] = {
        "{}", "[1,2]", "{\"a\":{\"a\":1}}", "{\"a\":1,\"a\":2}", "1e999", "\"\\ud800\"", "{\"a\":1,}",
        " 3 ", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\"\xc0\xaf\"",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        CHECK_ERR(osp_json_validate(texts[i], strlen(texts[i]), NULL, NULL), parse(texts[i]));
    size_t off = 99;
    CHECK_ERR(osp_json_validate("[1,,2]", 6, NULL, &off), OSP_E_JSON_SYNTAX);
    CHECK_INT(off, 3);
}

/* Reading validated text in place: members, decoded strings, numbers. */
static void reads_spans(void)
{
    const char *text = " { \"a\" : [1,{\"x\":\"}\"}] , \"b\\u0021\":\"q\\\"\\\\\\n\\ud83d\\ude00\" ,"
                       "\"c\":-1.5e2,\"d\":{}, \"e\":true } \n";
    CHECK_ERR(osp_json_validate(text, strlen(text), NULL, NULL), 0);
    struct osp_json_span root = osp_json_span_of(text, strlen(text));
    CHECK_INT(root.p[0], '{');
    CHECK_INT(root.p[root.n - 1], '}');
    struct osp_json_members it;
    struct osp_json_span k, v;
    char buf[64];
    osp_json_members_begin(&it, root);
    CHECK_INT(osp_json_members_next(&it, &k, &v), 1);
    CHECK_INT(osp_json_string_is(k, "a"), 1);
    CHECK_INT((int)v.n, (int)strlen("[1,{\"x\":\"}\"}]"));
    CHECK_INT(memcmp(v.p, "[1,{\"x\":\"}\"}]", v.n), 0);
    CHECK_INT(osp_json_members_next(&it, &k, &v), 1);
    CHECK_INT(osp_json_string_is(k, "b!"), 1);
    CHECK_INT(osp_json_string_is(k, "b"), 0);
    CHECK_INT(osp_json_string_is(k, "b!!"), 0);
    CHECK_INT(osp_json_string(v, buf, sizeof buf), 8);
    CHECK_STR(buf, "q\"\\\n\xf0\x9f\x98\x80");
    CHECK_INT(osp_json_string(v, buf, 3), 8); /* cut, terminated, full length told */
    CHECK_STR(buf, "q\"");
    CHECK_INT(osp_json_members_next(&it, &k, &v), 1);
    CHECK_INT(osp_json_string_is(k, "c"), 1);
    CHECK_INT(osp_json_number(v) == -150.0, 1);
    CHECK_INT(osp_json_members_next(&it, &k, &v), 1);
    CHECK_INT((int)v.n, 2);
    struct osp_json_members inner;
    osp_json_members_begin(&inner, v);
    CHECK_INT(osp_json_members_next(&inner, &k, &v), 0);
    CHECK_INT(osp_json_members_next(&it, &k, &v), 1);
    CHECK_INT(osp_json_string_is(k, "e"), 1);
    CHECK_INT(v.n == 4 && memcmp(v.p, "true", 4) == 0, 1);
    CHECK_INT(osp_json_members_next(&it, &k, &v), 0);
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
    RUN(escaped_duplicates_found);
    RUN(validate_agrees_with_parse);
    RUN(reads_spans);
    CHECK_EXIT();
}
