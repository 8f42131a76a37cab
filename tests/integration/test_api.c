/* The server's APIs and defences over real sockets: the registry (browse,
 * manifests, signatures), installations with consent and upgrades, operator
 * actions (publishers, tokens, keys, revocation), brotli variants, request
 * validation against hostile bytes, metrics, and persistence across a
 * restart. */
#include "harness.h"
#include "fixtures.h"
#include "osp/bundle.h"
#include "osp/fsutil.h"
#include "osp/pack.h"
#include "osp/registry.h"

#include <brotli/decode.h>

static struct harness H;
static char admin[OSP_TOKEN_LEN + 1], token[OSP_TOKEN_LEN + 1];
static char digest1[OSP_SHA256_HEX_BYTES], digest2[OSP_SHA256_HEX_BYTES];
static char admin_header[160], alice[400];

static int signing_key = 1; /* the fixture key make_bundle signs with */

/* A plugin directory for version with the given permissions, packed and
 * signed by fixture key signing_key. */
static unsigned char *make_bundle(const char *version, const char *rpc, size_t *len,
                                  char digest[OSP_SHA256_HEX_BYTES])
{
    char dir[200], path[300], manifest[1024];
    snprintf(dir, sizeof dir, "%s-src-%s", H.data_dir, version);
    osp_fs_mkdirs(dir);
    snprintf(manifest, sizeof manifest,
             "{\"format\":1,\"id\":\"acme.board\",\"name\":\"Board\",\"description\":\"A kanban "
             "board\",\"version\":\"%s\",\"publisher\":\"acme\",\"runtime\":\"ui\","
             "\"engines\":{\"osp-ui\":\"^1\"},\"contributes\":{\"widgets\":[{\"id\":\"b\","
             "\"title\":\"B\",\"entry\":\"index.html\"}]},\"permissions\":{\"rpc\":%s}}",
             version, rpc);
    snprintf(path, sizeof path, "%s/osplugin.json", dir);
    osp_fs_write_atomic(path, manifest, strlen(manifest), 0644);
    /* Compressible text, so a brotli variant is worth keeping. */
    char js[8192] = "";
    for (int i = 0; i < 100; i++)
        strcat(js, "export function render(board) { return board.columns.map(String); }\n");
    snprintf(path, sizeof path, "%s/app.js", dir);
    osp_fs_write_atomic(path, js, strlen(js), 0644);
    snprintf(path, sizeof path, "%s/index.html", dir);
    osp_fs_write_atomic(path, "<!doctype html><script src=\"app.js\"></script>", 45, 0644);
    struct osp_signer *s = fixture_signer(signing_key);
    unsigned char *out = NULL;
    CHECK_ERR(osp_pack_dir(dir, s, NULL, &out, len, NULL), 0);
    osp_signer_free(s);
    struct osp_bundle b;
    CHECK_ERR(osp_bundle_open(out, *len, &b, NULL), 0);
    osp_hash_sha256_hex(b.manifest->data, b.manifest->size, digest);
    osp_bundle_close(&b);
    return out;
}

static int publish_bytes(const unsigned char *b, size_t len, const char *tok)
{
    char headers[200];
    snprintf(headers, sizeof headers,
             "Authorization: Bearer %s\r\nContent-Type: application/vnd.osp.plugin\r\n", tok);
    struct osp_client_response r = http("POST", H.app_url, "/api/v1/plugins", headers, b, len);
    int status = r.status;
    osp_client_response_clear(&r);
    return status;
}

/* An admin JSON call; returns the status and, if out is given, the body. */
static int admin_call(const char *method, const char *path, const char *json, cJSON **out)
{
    char headers[300];
    snprintf(headers, sizeof headers, "%sContent-Type: application/json\r\n", admin_header);
    struct osp_client_response r =
        http(method, H.app_url, path, headers, json, json ? strlen(json) : 0);
    if (out) {
        *out = NULL;
        osp_json_parse(r.body, r.body_len, NULL, out, NULL);
    }
    int status = r.status;
    osp_client_response_clear(&r);
    return status;
}

static void setup(void)
{
    snprintf(H.data_dir, sizeof H.data_dir, "/tmp/osp-test-api-%d", (int)getpid());
    H.max_upload = 64 * 1024;
    CHECK_INT(harness_start(&H), 0);
    struct osp_registry *reg = NULL;
    char db[256];
    snprintf(db, sizeof db, "%s/registry.db", H.data_dir);
    CHECK_ERR(osp_registry_open(db, &reg), 0);
    CHECK_ERR(osp_registry_admin_token_add(reg, "ops", 1, admin), 0);
    osp_registry_close(reg);
    snprintf(admin_header, sizeof admin_header, "Authorization: Bearer %s\r\n", admin);
    CHECK_INT(harness_login(&H, "default", "alice", "osp-demo", alice, sizeof alice), 200);
}

static void operator_creates_publisher(void)
{
    struct osp_signer *s = fixture_signer(1);
    struct osp_pubkey pk;
    char key[64], body[256];
    osp_signer_public(s, &pk);
    osp_sig_pubkey_base64(&pk, key, sizeof key);
    osp_signer_free(s);
    snprintf(body, sizeof body, "{\"name\":\"acme\",\"key\":\"%s\"}", key);
    /* No or a wrong operator token: refused. */
    struct osp_client_response r = http("POST", H.app_url, "/api/v1/admin/publishers",
                                        "Content-Type: application/json\r\n", body, strlen(body));
    CHECK_INT(r.status, 401);
    osp_client_response_clear(&r);
    char bad[200];
    snprintf(bad, sizeof bad, "Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
             "ospt_0000000000000000000000000000000000000000000000000000000000000000");
    r = http("POST", H.app_url, "/api/v1/admin/publishers", bad, body, strlen(body));
    CHECK_INT(r.status, 401);
    osp_client_response_clear(&r);

    cJSON *j = NULL;
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers", body, &j), 201);
    snprintf(token, sizeof token, "%s", osp_json_get_string(j, "token"));
    CHECK_INT(strlen(token), OSP_TOKEN_LEN);
    cJSON_Delete(j);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers", body, NULL), 409);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers", "{\"name\":\"x\"}", NULL), 400);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers", "[1]", NULL), 400);
    char headers[200];
    snprintf(headers, sizeof headers, "%sContent-Type: text/plain\r\n", admin_header);
    r = http("POST", H.app_url, "/api/v1/admin/publishers", headers, body, strlen(body));
    CHECK_INT(r.status, 415);
    osp_client_response_clear(&r);
}

static void publish_and_browse(void)
{
    size_t len;
    unsigned char *b1 = make_bundle("1.0.0", "[\"data.read:contact\",\"ui.toast\"]", &len, digest1);
    CHECK_INT(publish_bytes(b1, len, token), 201);
    free(b1);
    /* Too big for this server (max_upload 64 KiB): 413, nothing read. */
    unsigned char *big = calloc(1, 100 * 1024);
    CHECK_INT(publish_bytes(big, 100 * 1024, token), 413);
    free(big);

    struct osp_client_response r = http("GET", H.app_url, "/api/v1/plugins?q=kanban", NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"id\":\"acme.board\"");
    CHECK_CONTAINS(r.body, digest1);
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/api/v1/plugins?q=nothing-like-this", NULL, NULL, 0);
    CHECK_CONTAINS(r.body, "\"plugins\":[]");
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/api/v1/plugins/acme.board", NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"permissions\":[\"data.read:contact\",\"ui.toast\"]");
    osp_client_response_clear(&r);
    char path[200];
    snprintf(path, sizeof path, "/api/v1/plugins/acme.board/%s/manifest", digest1);
    r = http("GET", H.app_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    char got[OSP_SHA256_HEX_BYTES];
    osp_hash_sha256_hex(r.body, r.body_len, got);
    CHECK_STR(got, digest1); /* the exact signed bytes */
    osp_client_response_clear(&r);
    snprintf(path, sizeof path, "/api/v1/plugins/acme.board/%s/signature", digest1);
    r = http("GET", H.app_url, path, NULL, NULL, 0);
    CHECK_CONTAINS(r.body, "trusted comment: id=acme.board version=1.0.0");
    osp_client_response_clear(&r);
    const char *missing[] = {"/api/v1/plugins/acme.nothing", "/api/v1/plugins/Bad..Id",
                             "/api/v1/plugins/acme.board/abc/manifest",
                             "/api/v1/plugins/acme.board/x/y/z"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        r = http("GET", H.app_url, missing[i], NULL, NULL, 0);
        CHECK_INT(r.status, 404);
        osp_client_response_clear(&r);
    }
    r = http("DELETE", H.app_url, "/api/v1/plugins/acme.board", NULL, NULL, 0);
    CHECK_INT(r.status, 405);
    osp_client_response_clear(&r);
}

static void install_with_consent_and_upgrade(void)
{
    const char *base = "/api/v1/tenants/default/installations/acme.board";
    char path[200];
    cJSON *j = NULL;
    struct osp_client_response r = http("GET", H.app_url, base, NULL, NULL, 0);
    CHECK_INT(r.status, 401);
    osp_client_response_clear(&r);
    snprintf(path, sizeof path, "%s/consent", base);
    CHECK_INT(admin_call("GET", path, NULL, &j), 200);
    const cJSON *req = osp_json_get(j, "requested");
    CHECK_INT(cJSON_GetArraySize(req), 2);
    CHECK_STR(osp_json_get_string(cJSON_GetArrayItem(req, 0), "means"),
              "read contact records you can see");
    CHECK(cJSON_IsFalse(osp_json_get(cJSON_GetArrayItem(req, 0), "granted")));
    cJSON_Delete(j);

    CHECK_INT(admin_call("PUT", base, "{}", NULL), 400);                  /* grants required */
    CHECK_INT(admin_call("PUT", base, "{\"grants\":[\"storage\"]}", NULL), 422); /* not requested */
    CHECK_INT(admin_call("PUT", base, "{\"grants\":\"all\"}", NULL), 400);
    CHECK_INT(admin_call("PUT", base, "{\"version\":\"9.9.9\",\"grants\":[]}", NULL), 404);
    CHECK_INT(admin_call("PUT", "/api/v1/tenants/default/installations/acme.none",
                         "{\"grants\":[]}", NULL),
              404);
    CHECK_INT(admin_call("PUT", base, "{\"grants\":[\"data.read:contact\"]}", &j), 201);
    CHECK_STR(cJSON_GetArrayItem(osp_json_get(j, "grants"), 0)->valuestring, "data.read:contact");
    CHECK_STR(cJSON_GetArrayItem(osp_json_get(j, "pending"), 0)->valuestring, "ui.toast");
    cJSON_Delete(j);

    /* 1.1.0 asks for one more permission: the upgrade installs the code and
     * keeps the new permission off until granted. */
    size_t len;
    unsigned char *b2 = make_bundle("1.1.0", "[\"data.read:contact\",\"ui.toast\",\"storage\"]",
                                    &len, digest2);
    CHECK_INT(publish_bytes(b2, len, token), 201);
    free(b2);
    CHECK_INT(admin_call("PUT", base, "{\"version\":\"latest\"}", &j), 200);
    CHECK_STR(osp_json_get_string(j, "version"), "1.1.0");
    CHECK_INT(cJSON_GetArraySize(osp_json_get(j, "grants")), 1);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(j, "pending")), 2);
    cJSON_Delete(j);
    /* Pin back to 1.0.0, then grant storage on 1.1.0 explicitly. */
    CHECK_INT(admin_call("PUT", base, "{\"version\":\"1.0.0\"}", &j), 200);
    CHECK_STR(osp_json_get_string(j, "version"), "1.0.0");
    cJSON_Delete(j);
    CHECK_INT(admin_call("PUT", base, "{\"version\":\"1.1.0\",\"grants\":[\"storage\",\"storage\"]}",
                         &j),
              200);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(j, "grants")), 1);
    cJSON_Delete(j);

    /* Disabled installations disappear from the shell's list. */
    CHECK_INT(admin_call("PATCH", base, "{\"enabled\":false}", NULL), 200);
    r = http("GET", H.app_url, "/api/v1/installed", alice, NULL, 0);
    CHECK(strstr(r.body, "acme.board") == NULL);
    osp_client_response_clear(&r);
    CHECK_INT(admin_call("PATCH", base, "{\"enabled\":\"yes\"}", NULL), 400);
    CHECK_INT(admin_call("PATCH", base, "{\"version\":\"1.0.0\"}", NULL), 400);
    CHECK_INT(admin_call("PATCH", base, "{\"enabled\":true,\"grants\":[\"data.read:contact\"]}",
                         &j),
              200);
    CHECK(cJSON_IsTrue(osp_json_get(j, "enabled")));
    cJSON_Delete(j);
    r = http("GET", H.app_url, "/api/v1/installed", alice, NULL, 0);
    CHECK_CONTAINS(r.body, "acme.board");
    osp_client_response_clear(&r);
    CHECK_INT(admin_call("GET", "/api/v1/tenants/default/installations", NULL, &j), 200);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(j, "installations")), 1);
    cJSON_Delete(j);
    CHECK_INT(admin_call("GET", "/api/v1/tenants/Bad Tenant/installations", NULL, NULL), 400);
    CHECK_INT(admin_call("GET", "/api/v1/tenants/t/elsewhere", NULL, NULL), 404);
}

static void brotli_variants(void)
{
    char path[200], h[512];
    snprintf(path, sizeof path, "/ext-ui/acme.board/%s/app.js", digest1);
    struct osp_client_response plain = http("GET", H.plugin_url, path, NULL, NULL, 0);
    struct osp_client_response br =
        http("GET", H.plugin_url, path, "Accept-Encoding: gzip, br\r\n", NULL, 0);
    CHECK_INT(br.status, 200);
    CHECK_STR(osp_client_header(&br, "Content-Encoding", h, sizeof h), "br");
    CHECK_STR(osp_client_header(&br, "Vary", h, sizeof h), "Accept-Encoding");
    CHECK(osp_client_header(&plain, "Content-Encoding", h, sizeof h) == NULL);
    CHECK(br.body_len < plain.body_len / 4);
    unsigned char decoded[16384];
    size_t dlen = sizeof decoded;
    CHECK(BrotliDecoderDecompress(br.body_len, (const uint8_t *)br.body, &dlen, decoded) ==
          BROTLI_DECODER_RESULT_SUCCESS);
    CHECK(dlen == plain.body_len && memcmp(decoded, plain.body, dlen) == 0);
    char etag[120], inm[160];
    osp_client_header(&br, "ETag", etag, sizeof etag);
    CHECK(strstr(etag, ".br\"") != NULL);
    snprintf(inm, sizeof inm, "Accept-Encoding: br\r\nIf-None-Match: %s\r\n", etag);
    osp_client_response_clear(&br);
    br = http("GET", H.plugin_url, path, inm, NULL, 0);
    CHECK_INT(br.status, 304);
    osp_client_response_clear(&br);
    br = http("GET", H.plugin_url, path, "Accept-Encoding: br;q=0, gzip\r\n", NULL, 0);
    CHECK(osp_client_header(&br, "Content-Encoding", h, sizeof h) == NULL);
    osp_client_response_clear(&br);
    osp_client_response_clear(&plain);
}

static void operator_revokes_and_rotates(void)
{
    char path[200], code[64];
    /* Revoking a version: 410 for its assets, flagged for the shell. */
    snprintf(path, sizeof path, "/ext-ui/acme.board/%s/index.html", digest2);
    struct osp_client_response r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    osp_client_response_clear(&r);
    CHECK_INT(admin_call("POST", "/api/v1/admin/plugins/acme.board/versions/1.1.0/revoke", NULL,
                         NULL),
              200);
    CHECK_INT(admin_call("POST", "/api/v1/admin/plugins/acme.board/versions/1.1.0/revoke", NULL,
                         NULL),
              404);
    r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 410);
    CHECK_STR(error_code(r.body, code, sizeof code), "revoked");
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/api/v1/installed", alice, NULL, 0);
    CHECK_CONTAINS(r.body, "\"revoked\":true");
    osp_client_response_clear(&r);
    CHECK_INT(admin_call("PUT", "/api/v1/tenants/default/installations/acme.board",
                         "{\"version\":\"1.1.0\",\"grants\":[]}", NULL),
              410);

    /* A new token replaces the old one. */
    cJSON *j = NULL;
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers/acme/token", NULL, &j), 200);
    char fresh[OSP_TOKEN_LEN + 1];
    snprintf(fresh, sizeof fresh, "%s", osp_json_get_string(j, "token"));
    cJSON_Delete(j);
    size_t len;
    char d[OSP_SHA256_HEX_BYTES];
    unsigned char *b3 = make_bundle("1.2.0", "[]", &len, d);
    CHECK_INT(publish_bytes(b3, len, token), 401);
    CHECK_INT(publish_bytes(b3, len, fresh), 201);
    free(b3);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers/nobody/token", NULL, NULL), 404);

    /* Keys: add a second, retire and revoke through the API. */
    struct osp_signer *s2 = fixture_signer(2);
    struct osp_pubkey pk;
    char key[64], body[200], kid[OSP_SIG_KEYID_HEX_BYTES];
    osp_signer_public(s2, &pk);
    osp_sig_pubkey_base64(&pk, key, sizeof key);
    osp_sig_keyid_hex(pk.keyid, kid);
    osp_signer_free(s2);
    snprintf(body, sizeof body, "{\"key\":\"%s\"}", key);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers/acme/keys", body, NULL), 201);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers/acme/keys", body, NULL), 409);
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers/acme/keys", "{\"key\":\"RWQ\"}", NULL),
              400);
    /* While active, the second key signs for acme. */
    signing_key = 2;
    unsigned char *b4 = make_bundle("1.3.0", "[]", &len, d);
    CHECK_INT(publish_bytes(b4, len, fresh), 201);
    free(b4);
    snprintf(path, sizeof path, "/api/v1/admin/publishers/acme/keys/%s/revoke", kid);
    CHECK_INT(admin_call("POST", path, NULL, NULL), 200);
    /* Revoked: nothing it signs is accepted any more, by name. */
    unsigned char *b5 = make_bundle("1.4.0", "[]", &len, d);
    char headers[200];
    snprintf(headers, sizeof headers,
             "Authorization: Bearer %s\r\nContent-Type: application/vnd.osp.plugin\r\n", fresh);
    struct osp_client_response pr = http("POST", H.app_url, "/api/v1/plugins", headers, b5, len);
    CHECK_INT(pr.status, 422);
    CHECK_STR(error_code(pr.body, code, sizeof code), "key_revoked");
    osp_client_response_clear(&pr);
    free(b5);
    signing_key = 1;
    CHECK_INT(admin_call("POST", "/api/v1/admin/publishers/acme/keys/0000000000000000/retire",
                         NULL, NULL),
              404);
    CHECK_INT(admin_call("GET", "/api/v1/admin/publishers", NULL, NULL), 405);
    CHECK_INT(admin_call("POST", "/api/v1/admin/elsewhere", NULL, NULL), 404);
}

/* Bytes no well-behaved client sends: each refused with a JSON error that
 * never echoes them, before any route sees them. */
static void hostile_requests(void)
{
    /* -1: civetweb drops the connection before osp sees the request
     * (docs/operator-guide.md); nothing is answered or processed. */
    static const struct raw_case cases[] = {
        {"no Host on HTTP/1.1", "GET /healthz HTTP/1.1\r\n\r\n", 400},
        {"two Host headers", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"duplicate Content-Length",
         "POST /api/v1/plugins HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
         400},
        {"malformed Content-Length",
         "POST /api/v1/plugins HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nx", 400},
        {"Content-Length with Transfer-Encoding",
         "POST /api/v1/plugins HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n",
         400},
        {"chunked upload", "POST /api/v1/plugins HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                           "chunked\r\n\r\n0\r\n\r\n",
         400},
        {"encoded NUL", "GET /healthz%00<script> HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"encoded slash", "GET /api/v1/plugins/acme%2fboard HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"encoded dots", "GET /shell/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"dot segments", "GET /shell/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"backslash", "GET /shell\\..\\x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"asterisk target", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", -1},
        {"absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", -1},
    };
    check_raw_refusals(H.app_port, cases, sizeof cases / sizeof cases[0], 0);
    /* A header block beyond max_request_size: civetweb refuses it, with our body. */
    int status = oversized_head(H.app_port, "/healthz");
    CHECK(status == 400 || status == 413 || status == 431);
}

static void metrics_count_requests(void)
{
    struct osp_client_response r = http("GET", H.app_url, "/metrics", NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    char h[120];
    CHECK_STR(osp_client_header(&r, "Content-Type", h, sizeof h),
              "text/plain; version=0.0.4; charset=utf-8");
    CHECK_CONTAINS(r.body, "osp_http_requests_total{route=\"publish\",status=\"201\"} 4");
    CHECK_CONTAINS(r.body, "osp_http_requests_total{route=\"asset\",status=\"410\"} 1");
    CHECK_CONTAINS(r.body, "osp_refusals_total{code=\"unauthorized\"}");
    CHECK_CONTAINS(r.body, "osp_refusals_total{code=\"bad_request\"}");
    CHECK_CONTAINS(r.body, "osp_publishes_total{created=\"true\"} 4");
    CHECK_CONTAINS(r.body, "osp_http_request_duration_seconds_bucket{route=\"asset\",le=\"+Inf\"}");
    CHECK_CONTAINS(r.body, "osp_http_response_bytes_total{route=\"asset\"}");
    osp_client_response_clear(&r);
}

static void state_survives_restart(void)
{
    harness_stop(&H);
    CHECK_INT(harness_start(&H), 0); /* same ports, same data directory */
    struct osp_client_response r = http("GET", H.app_url, "/api/v1/installed", alice, NULL, 0);
    CHECK_CONTAINS(r.body, "acme.board");
    osp_client_response_clear(&r);
    char path[200];
    snprintf(path, sizeof path, "/ext-ui/acme.board/%s/index.html", digest1);
    r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    osp_client_response_clear(&r);
    snprintf(path, sizeof path, "/ext-ui/acme.board/%s/index.html", digest2);
    r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 410); /* revocation is durable too */
    osp_client_response_clear(&r);
    CHECK_INT(admin_call("DELETE", "/api/v1/tenants/default/installations/acme.board", NULL, NULL),
              200);
    CHECK_INT(admin_call("DELETE", "/api/v1/tenants/default/installations/acme.board", NULL, NULL),
              404);
}

int main(void)
{
    setup();
    if (!H.srv)
        return 1;
    RUN(operator_creates_publisher);
    RUN(publish_and_browse);
    RUN(install_with_consent_and_upgrade);
    RUN(brotli_variants);
    RUN(operator_revokes_and_rotates);
    RUN(hostile_requests);
    RUN(metrics_count_requests);
    RUN(state_survives_restart);
    harness_stop(&H);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s-src-*", H.data_dir, H.data_dir);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
