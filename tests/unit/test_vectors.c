/* Runs tests/vectors/cases.json through the core's JSON API natively:
 * each result must match the case's "expect" fields, and every raw result
 * is written to OUT so the wasm run can be compared byte for byte. */
#include "check.h"
#include "osp/api.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>

static char base[PATH_MAX];

static char *load(const char *rel, size_t *len)
{
    char path[PATH_MAX * 2], *data = NULL;
    snprintf(path, sizeof path, "%s/%s", base, rel);
    if (osp_fs_read(path, 16u << 20, &data, len) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    return data;
}

/* Evaluates one case; returns the API's raw JSON output (malloc'd). */
static char *evaluate(const cJSON *c)
{
    const char *kind = osp_json_get_string(c, "kind");
    size_t mlen = 0, slen = 0;
    char *m = NULL, *s = NULL, *out = NULL;
    const char *mf = osp_json_get_string(c, "manifest");
    if (mf)
        m = load(mf, &mlen);
    if (strcmp(kind, "manifest") == 0) {
        out = osp_api_manifest_check(m, mlen);
    } else if (strcmp(kind, "verify") == 0) {
        s = load(osp_json_get_string(c, "signature"), &slen);
        char *keys = cJSON_PrintUnformatted(osp_json_get(c, "keys"));
        out = osp_api_verify(m, mlen, s, slen, keys, osp_json_get(c, "use_time")->valuedouble,
                             osp_json_get_string(c, "expected_digest"));
        cJSON_free(keys);
    } else if (strcmp(kind, "bundle") == 0) {
        size_t blen = 0;
        char *bundle = load(osp_json_get_string(c, "bundle"), &blen);
        char *keys = cJSON_PrintUnformatted(osp_json_get(c, "keys"));
        out = osp_api_bundle_verify((const unsigned char *)bundle, blen, keys,
                                    osp_json_get(c, "use_time")->valuedouble);
        cJSON_free(keys);
        free(bundle);
    } else if (strcmp(kind, "csp") == 0) {
        char *params = cJSON_PrintUnformatted(osp_json_get(c, "params"));
        out = osp_api_csp(m, mlen, osp_json_get_string(c, "digest"), params);
        cJSON_free(params);
    } else if (strcmp(kind, "frame") == 0) {
        out = osp_api_frame(m, mlen, osp_json_get_string(c, "digest"),
                            osp_json_get_string(c, "contribution"),
                            osp_json_get_string(c, "plugin_origin"),
                            cJSON_IsTrue(osp_json_get(c, "offscreen")));
    } else if (strcmp(kind, "rpc") == 0) {
        char *grants = cJSON_PrintUnformatted(osp_json_get(c, "grants"));
        struct osp_relay *r = osp_api_relay_new(grants, NULL);
        const char *msg = osp_json_get_string(c, "message");
        out = osp_api_relay_check(r, msg, strlen(msg), 0);
        osp_api_relay_free(r);
        cJSON_free(grants);
    } else if (strcmp(kind, "relay") == 0) {
        /* A sequence of messages at given times; the result is the array of
         * the relay's answers, with "reply" calls in between where asked. */
        char *grants = cJSON_PrintUnformatted(osp_json_get(c, "grants"));
        char *limits = cJSON_PrintUnformatted(osp_json_get(c, "limits"));
        struct osp_relay *r = osp_api_relay_new(grants, limits);
        cJSON *results = cJSON_CreateArray();
        const cJSON *step;
        cJSON_ArrayForEach(step, osp_json_get(c, "steps"))
        {
            const char *msg = osp_json_get_string(step, "message");
            const char *reply = osp_json_get_string(step, "reply");
            if (reply) {
                cJSON_AddItemToArray(results,
                                     cJSON_CreateNumber(osp_api_relay_reply(r, reply)));
                continue;
            }
            char *one = osp_api_relay_check(r, msg, strlen(msg),
                                            osp_json_get(step, "at")->valuedouble);
            cJSON_AddItemToArray(results, cJSON_Parse(one));
            osp_api_free(one);
        }
        char *text = cJSON_PrintUnformatted(results);
        cJSON *wrap = cJSON_CreateObject();
        cJSON_AddBoolToObject(wrap, "ok", 1);
        cJSON_AddItemToObject(wrap, "steps", results);
        out = cJSON_PrintUnformatted(wrap);
        cJSON_Delete(wrap);
        cJSON_free(text);
        osp_api_relay_free(r);
        cJSON_free(grants);
        cJSON_free(limits);
    }
    free(m);
    free(s);
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_vectors CASES.json [OUT.json]\n");
        return 2;
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", argv[1]);
    snprintf(base, sizeof base, "%s", dirname(tmp));
    size_t len = 0;
    char *text = NULL;
    if (osp_fs_read(argv[1], 4u << 20, &text, &len) != 0)
        return 2;
    cJSON *cases = NULL;
    CHECK_ERR(osp_json_parse(text, len, NULL, &cases, NULL), 0);
    free(text);
    cJSON *outputs = cJSON_CreateObject();
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const char *name = osp_json_get_string(c, "name");
        char *raw = evaluate(c);
        cJSON *got = NULL;
        int parsed = raw && osp_json_parse(raw, strlen(raw), NULL, &got, NULL) == 0;
        CHECK(parsed);
        const cJSON *e;
        int ok = parsed;
        cJSON_ArrayForEach(e, osp_json_get(c, "expect"))
        {
            const cJSON *a = osp_json_get(got, e->string);
            if (!a || !cJSON_Compare(a, e, 1)) {
                char *want = cJSON_PrintUnformatted(e);
                fprintf(stderr, "%s: %s is wrong, want %s\n  got %s\n", name, e->string, want,
                        raw);
                cJSON_free(want);
                ok = 0;
            }
        }
        /* Relay sequences: each step's code, "ok", or reply result. */
        const cJSON *codes = osp_json_get(c, "codes");
        if (parsed && codes) {
            const cJSON *want = codes->child, *step = osp_json_get(got, "steps")->child;
            for (; want && step; want = want->next, step = step->next) {
                int same = cJSON_IsNumber(step)
                               ? cJSON_IsNumber(want) && want->valueint == step->valueint
                           : cJSON_IsTrue(osp_json_get(step, "ok"))
                               ? cJSON_IsString(want) && strcmp(want->valuestring, "ok") == 0
                               : cJSON_IsString(want) &&
                                     strcmp(want->valuestring,
                                            osp_json_get_string(step, "code")) == 0;
                if (!same) {
                    fprintf(stderr, "%s: a step answered %s\n", name, cJSON_PrintUnformatted(step));
                    ok = 0;
                }
            }
            if (want || step)
                ok = 0;
        }
        /* A refusal always says which stable code and why. */
        if (parsed && !cJSON_IsTrue(osp_json_get(got, "ok")))
            CHECK(osp_error_from_code(osp_json_get_string(got, "code")) < 0);
        if (!ok)
            check_failures++;
        cJSON_AddStringToObject(outputs, name, raw ? raw : "");
        cJSON_Delete(got);
        osp_api_free(raw);
        n++;
    }
    fprintf(stderr, "%d vectors, %d failed\n", n, check_failures);
    if (argc > 2) {
        char *dump = cJSON_Print(outputs);
        if (osp_fs_write_atomic(argv[2], dump, strlen(dump), 0644) != 0)
            check_failures++;
        cJSON_free(dump);
    }
    cJSON_Delete(outputs);
    cJSON_Delete(cases);
    CHECK_EXIT();
}
