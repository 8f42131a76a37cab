/* Writes the shared test vectors (tests/vectors/README.md).  Every input
 * is deterministic (fixed keys, Ed25519 is deterministic), so running this
 * again reproduces the committed files byte for byte; the vectors.fresh
 * test checks that.  Expected codes are written here by hand, per case:
 * the name says what is wrong, the code says how osp must refuse it. */
#include "../unit/fixtures.h"
#include "osp/api.h"
#include "osp/archive.h"
#include "osp/fsutil.h"
#include "osp/json.h"

#include <stdlib.h>

#include <brotli/encode.h>

static const char *out_dir;
static cJSON *cases;

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

/* Manifest fields as raw JSON values; NULL leaves the field out. */
struct mf {
    const char *format, *id, *name, *version, *publisher, *runtime, *engines, *contributes,
        *permissions, *files, *extra;
};

static const struct mf base = {
    "1",
    "\"acme.kanban\"",
    "\"Kanban board\"",
    "\"1.4.2\"",
    "\"acme\"",
    "\"ui\"",
    "{\"osp-ui\": \"^1\"}",
    "{\"widgets\": [{\"id\": \"board\", \"title\": \"Kanban\", \"entry\": \"board.html\"}], "
    "\"views\": [{\"id\": \"pipeline\", \"object\": \"deal\", \"title\": \"Pipeline\", "
    "\"entry\": \"view.html\", \"height\": 480}]}",
    "{\"rpc\": [\"data.read:contact\", \"ui.toast\"], \"connect\": "
    "[\"https://api.acme.example\"]}",
    "{\"board.html\": {\"sha256\": \"" H64("a") "\", \"size\": 812}, \"view.html\": "
    "{\"sha256\": \"" H64("b") "\", \"size\": 90}}",
    NULL,
};

static char *render(const struct mf *f)
{
    static char buf[8192];
    size_t n = 0;
    const char *names[] = {"format",  "id",          "name",        "version", "publisher",
                           "runtime", "engines",     "contributes", "permissions", "files"};
    const char *vals[] = {f->format,  f->id,          f->name,        f->version, f->publisher,
                          f->runtime, f->engines,     f->contributes, f->permissions, f->files};
    n += (size_t)snprintf(buf + n, sizeof buf - n, "{\n");
    int first = 1;
    for (size_t i = 0; i < 10; i++) {
        if (!vals[i])
            continue;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s  \"%s\": %s", first ? "" : ",\n",
                              names[i], vals[i]);
        first = 0;
    }
    if (f->extra)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ",\n  %s", f->extra);
    snprintf(buf + n, sizeof buf - n, "\n}\n");
    return buf;
}

static void write_file(const char *rel, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    osp_fs_mkdirs(path);
    *slash = '/';
    if (osp_fs_write_atomic(path, data, len, 0644) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static cJSON *add_case(const char *name, const char *kind, const char *code)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "kind", kind);
    cJSON *e = cJSON_AddObjectToObject(c, "expect");
    cJSON_AddBoolToObject(e, "ok", strcmp(code, "ok") == 0);
    if (strcmp(code, "ok") != 0)
        cJSON_AddStringToObject(e, "code", code);
    cJSON_AddItemToArray(cases, c);
    return c;
}

static const char *manifest_file(const char *name, const char *text, size_t len)
{
    static char rel[256];
    snprintf(rel, sizeof rel, "manifests/%s.json", name);
    write_file(rel, text, len);
    return rel;
}

static void manifest_case(const char *name, const struct mf *f, const char *code)
{
    const char *text = render(f);
    cJSON *c = add_case(name, "manifest", code);
    cJSON_AddStringToObject(c, "manifest", manifest_file(name, text, strlen(text)));
}

static void manifest_raw_case(const char *name, const char *text, size_t len, const char *code)
{
    cJSON *c = add_case(name, "manifest", code);
    cJSON_AddStringToObject(c, "manifest", manifest_file(name, text, len));
}

static cJSON *key_json(const struct osp_signer *s, const char *publisher, int revoked,
                       double retired_at)
{
    struct osp_pubkey pk;
    char b64[64];
    osp_signer_public(s, &pk);
    osp_sig_pubkey_base64(&pk, b64, sizeof b64);
    cJSON *k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "publisher", publisher);
    cJSON_AddStringToObject(k, "key", b64);
    cJSON_AddNumberToObject(k, "retired_at", retired_at);
    cJSON_AddBoolToObject(k, "revoked", revoked);
    cJSON_AddBoolToObject(k, "verified", 0);
    return k;
}

/* A verify case: manifest text, signature text, one trusted key. */
static cJSON *verify_case(const char *name, const char *manifest, const char *sig, cJSON *key,
                          double use_time, const char *expected_digest, const char *code)
{
    char rel[256];
    cJSON *c = add_case(name, "verify", code);
    cJSON_AddStringToObject(c, "manifest", manifest_file(name, manifest, strlen(manifest)));
    snprintf(rel, sizeof rel, "sigs/%s.minisig", name);
    write_file(rel, sig, strlen(sig));
    cJSON_AddStringToObject(c, "signature", rel);
    cJSON *keys = cJSON_AddArrayToObject(c, "keys");
    cJSON_AddItemToArray(keys, key);
    cJSON_AddNumberToObject(c, "use_time", use_time);
    cJSON_AddStringToObject(c, "expected_digest", expected_digest ? expected_digest : "");
    return c;
}

static void sign_binding(const struct osp_signer *s, const char *manifest, const char *tc,
                         int legacy, char *sig, size_t cap)
{
    if (osp_signer_sign(s, manifest, strlen(manifest), tc, legacy, sig, cap) != 0) {
        fprintf(stderr, "signing failed\n");
        exit(1);
    }
}

static void manifest_cases(void)
{
    struct mf f = base;
    manifest_case("manifest-ok", &f, "ok");
    f = base, f.id = "\"Acme.Kanban\"";
    manifest_case("manifest-bad-id-uppercase", &f, "bad_id");
    f = base, f.id = "\"kanban\"";
    manifest_case("manifest-bad-id-one-label", &f, "bad_id");
    f = base, f.version = "\"1.0\"";
    manifest_case("manifest-bad-version", &f, "bad_version");
    f = base, f.extra = "\"nmae\": \"typo\"";
    manifest_case("manifest-unknown-key", &f, "unknown_key");
    f = base, f.extra = "\"id\": \"acme.other\"";
    manifest_case("manifest-duplicate-key", &f, "json_duplicate_key");
    f = base, f.name = "\"Kanban \xff\"";
    manifest_case("manifest-bad-utf8", &f, "bad_utf8");
    f = base, f.name = "\"Kan\\u0000ban\"";
    manifest_case("manifest-nul-escape", &f, "bad_utf8");
    f = base, f.extra = "\"deep\": [[[[[[[[[[[[1]]]]]]]]]]]]";
    manifest_case("manifest-too-deep", &f, "json_depth");
    f = base, f.runtime = "\"node\"";
    manifest_case("manifest-unsupported-runtime", &f, "unsupported_runtime");
    f = base, f.engines = "{\"osp-ui\": \"^2\"}";
    manifest_case("manifest-incompatible-engines", &f, "incompatible_engines");
    f = base, f.permissions = "{\"rpc\": [\"data.raed:contact\"]}";
    manifest_case("manifest-unknown-permission", &f, "bad_permission");
    f = base, f.permissions = "{\"connect\": [\"http://api.acme.example\"]}";
    manifest_case("manifest-http-origin", &f, "bad_origin");
    f = base, f.permissions = "{\"connect\": [\"https://*.*.acme.example\"]}";
    manifest_case("manifest-double-wildcard-origin", &f, "bad_origin");
    f = base, f.contributes = "{\"widgets\": [{\"id\": \"board\", \"title\": \"K\", \"entry\": "
                              "\"missing.html\"}]}";
    manifest_case("manifest-entry-not-in-files", &f, "missing_file");
    f = base, f.files = "{\"../board.html\": {\"sha256\": \"" H64("a") "\", \"size\": 1}}";
    manifest_case("manifest-path-traversal", &f, "archive_path");
    f = base, f.files = "{\"board.html\": {\"sha256\": \"" H64("a") "\", \"size\": 1e300}}";
    manifest_case("manifest-absurd-size", &f, "manifest_invalid");
    f = base, f.format = "2";
    manifest_case("manifest-format-2", &f, "unsupported_format");
    f = base, f.files = NULL;
    manifest_case("manifest-no-files", &f, "missing_field");
    manifest_raw_case("manifest-not-object", "[]", 2, "bad_type");
    manifest_raw_case("manifest-trailing-garbage", "{} {}", 5, "json_syntax");
}

static void verify_cases(void)
{
    struct osp_signer *acme = fixture_signer(1), *other = fixture_signer(2);
    char sig[1024], tc[256], digest[OSP_SHA256_HEX_BYTES];
    struct mf f = base;
    char manifest[8192];
    snprintf(manifest, sizeof manifest, "%s", render(&f));
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
    snprintf(tc, sizeof tc, "id=acme.kanban version=1.4.2 digest=%s", digest);
    sign_binding(acme, manifest, tc, 0, sig, sizeof sig);

    verify_case("verify-ok", manifest, sig, key_json(acme, "acme", 0, 0), 100, digest, "ok");
    char changed[8192];
    snprintf(changed, sizeof changed, "%s", manifest);
    *strstr(changed, "812") = '9';
    verify_case("verify-manifest-byte-changed", changed, sig, key_json(acme, "acme", 0, 0), 100,
                NULL, "signature_invalid");
    verify_case("verify-unknown-key", manifest, sig, key_json(other, "acme", 0, 0), 100, NULL,
                "unknown_key_id");
    verify_case("verify-revoked-key", manifest, sig, key_json(acme, "acme", 1, 0), 100, NULL,
                "key_revoked");
    verify_case("verify-retired-key", manifest, sig, key_json(acme, "acme", 0, 50), 100, NULL,
                "key_retired");
    verify_case("verify-published-before-retirement", manifest, sig,
                key_json(acme, "acme", 0, 500), 100, NULL, "ok");
    verify_case("verify-key-of-other-publisher", manifest, sig, key_json(acme, "mallory", 0, 0),
                100, NULL, "untrusted_publisher");
    verify_case("verify-expected-digest-mismatch", manifest, sig, key_json(acme, "acme", 0, 0),
                100, H64("0"), "digest_mismatch");

    snprintf(tc, sizeof tc, "id=acme.other version=1.4.2 digest=%s", digest);
    sign_binding(acme, manifest, tc, 0, sig, sizeof sig);
    verify_case("verify-binding-names-other-id", manifest, sig, key_json(acme, "acme", 0, 0), 100,
                NULL, "id_mismatch");
    snprintf(tc, sizeof tc, "id=acme.kanban version=1.4.1 digest=%s", digest);
    sign_binding(acme, manifest, tc, 0, sig, sizeof sig);
    verify_case("verify-binding-names-other-version", manifest, sig,
                key_json(acme, "acme", 0, 0), 100, NULL, "version_mismatch");
    snprintf(tc, sizeof tc, "id=acme.kanban version=1.4.2 digest=%s", H64("e"));
    sign_binding(acme, manifest, tc, 0, sig, sizeof sig);
    verify_case("verify-binding-names-other-digest", manifest, sig,
                key_json(acme, "acme", 0, 0), 100, NULL, "digest_mismatch");
    sign_binding(acme, manifest, "timestamp:1700000000\tfile:osplugin.json", 0, sig, sizeof sig);
    verify_case("verify-binding-missing", manifest, sig, key_json(acme, "acme", 0, 0), 100, NULL,
                "signature_binding");
    snprintf(tc, sizeof tc, "id=acme.kanban version=1.4.2 digest=%s", digest);
    sign_binding(acme, manifest, tc, 1, sig, sizeof sig);
    verify_case("verify-legacy-signature-ok", manifest, sig, key_json(acme, "acme", 0, 0), 100,
                NULL, "ok");
    verify_case("verify-signature-garbage", manifest, "this is not a signature\n",
                key_json(acme, "acme", 0, 0), 100, NULL, "signature_malformed");
    /* A prehashed signature with its algorithm bytes changed to "Ex". */
    sign_binding(acme, manifest, tc, 0, sig, sizeof sig);
    char *line = strchr(sig, '\n') + 1;
    memcpy(line, "RXg", 3);
    verify_case("verify-signature-unknown-algorithm", manifest, sig,
                key_json(acme, "acme", 0, 0), 100, NULL, "unsupported_algorithm");
    /* Valid signature over an invalid manifest. */
    f.version = "\"1.4\"";
    snprintf(manifest, sizeof manifest, "%s", render(&f));
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
    snprintf(tc, sizeof tc, "id=acme.kanban version=1.4 digest=%s", digest);
    sign_binding(acme, manifest, tc, 0, sig, sizeof sig);
    verify_case("verify-signed-invalid-manifest", manifest, sig, key_json(acme, "acme", 0, 0),
                100, NULL, "bad_version");
    osp_signer_free(acme);
    osp_signer_free(other);
}

static void csp_frame_rpc_cases(void)
{
    const char *ok = "manifests/manifest-ok.json";
    cJSON *c = add_case("csp-default", "csp", "ok");
    cJSON_AddStringToObject(c, "manifest", ok);
    cJSON_AddStringToObject(c, "digest", H64("c"));
    cJSON *p = cJSON_AddObjectToObject(c, "params");
    cJSON_AddStringToObject(p, "plugin_origin", "https://plugins.example.com");
    cJSON_AddStringToObject(p, "app_origin", "https://app.example.com");
    cJSON_AddStringToObject(p, "sdk_path", "/_osp/sdk/");
    cJSON_AddStringToObject(p, "report_uri", "https://app.example.com/api/v1/csp-reports");
    c = add_case("csp-origin-injection", "csp", "invalid_argument");
    cJSON_AddStringToObject(c, "manifest", ok);
    cJSON_AddStringToObject(c, "digest", H64("c"));
    p = cJSON_AddObjectToObject(c, "params");
    cJSON_AddStringToObject(p, "plugin_origin", "https://plugins.example.com");
    cJSON_AddStringToObject(p, "app_origin", "https://app.example.com; script-src *");
    cJSON_AddStringToObject(p, "sdk_path", "/_osp/sdk/");

    c = add_case("frame-view", "frame", "ok");
    cJSON_AddStringToObject(c, "manifest", ok);
    cJSON_AddStringToObject(c, "digest", H64("c"));
    cJSON_AddStringToObject(c, "contribution", "pipeline");
    cJSON_AddStringToObject(c, "plugin_origin", "https://plugins.example.com");
    cJSON_AddBoolToObject(c, "offscreen", 1);
    c = add_case("frame-unknown-contribution", "frame", "not_found");
    cJSON_AddStringToObject(c, "manifest", ok);
    cJSON_AddStringToObject(c, "digest", H64("c"));
    cJSON_AddStringToObject(c, "contribution", "nope");
    cJSON_AddStringToObject(c, "plugin_origin", "https://plugins.example.com");
    cJSON_AddBoolToObject(c, "offscreen", 0);

    static const struct {
        const char *name, *msg, *code;
    } rpc[] = {
        {"rpc-granted-query",
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"contact\"}}",
         "ok"},
        {"rpc-denied-query",
         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"deal\"}}",
         "permission_denied"},
        {"rpc-denied-write",
         "{\"jsonrpc\":\"2.0\",\"id\":\"w\",\"method\":\"data.create\",\"params\":{\"object\":"
         "\"contact\",\"values\":{}}}",
         "permission_denied"},
        {"rpc-not-json", "{\"jsonrpc\":", "parse_error"},
        {"rpc-wrong-version", "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"context.get\"}",
         "invalid_request"},
        {"rpc-unknown-method", "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"fs.read\"}",
         "method_not_found"},
        {"rpc-proto-object",
         "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"__proto__\"}}",
         "invalid_params"},
        {"rpc-duplicate-id", "{\"jsonrpc\":\"2.0\",\"id\":6,\"id\":7,\"method\":\"context.get\"}",
         "parse_error"},
        {"rpc-notification-denied",
         "{\"jsonrpc\":\"2.0\",\"method\":\"storage.list\",\"params\":{}}",
         "permission_denied"},
        {"rpc-unknown-param",
         "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"contact\",\"where\":\"1=1\"}}",
         "invalid_params"},
        {"rpc-proto-param",
         "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"contact\",\"__proto__\":{\"admin\":true}}}",
         "invalid_params"},
        {"rpc-nested-values",
         "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"contact\",\"filter\":{\"name\":{\"$ne\":null}}}}",
         "invalid_params"},
        {"rpc-missing-param", "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ui.resize\"}",
         "invalid_params"},
        {"rpc-limit-out-of-range",
         "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"data.query\",\"params\":{\"object\":"
         "\"contact\",\"limit\":1000}}",
         "invalid_params"},
        {"rpc-cancel-notification",
         "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancel\",\"params\":{\"id\":4}}", "ok"},
        {"rpc-cancel-with-id",
         "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"$/cancel\",\"params\":{\"id\":4}}",
         "invalid_request"},
        {"rpc-response", "{\"jsonrpc\":\"2.0\",\"id\":\"h1\",\"result\":\"pong\"}", "ok"},
        {"rpc-response-both", "{\"jsonrpc\":\"2.0\",\"id\":\"h1\",\"result\":1,\"error\":{}}",
         "invalid_request"},
    };
    for (size_t i = 0; i < sizeof rpc / sizeof rpc[0]; i++) {
        c = add_case(rpc[i].name, "rpc", rpc[i].code);
        cJSON *g = cJSON_AddArrayToObject(c, "grants");
        cJSON_AddItemToArray(g, cJSON_CreateString("data.read:contact"));
        cJSON_AddItemToArray(g, cJSON_CreateString("ui.toast"));
        cJSON_AddStringToObject(c, "message", rpc[i].msg);
    }
}

/* ---- whole bundles ------------------------------------------------------ */

/* A raw tar under construction, for archives osp itself would never write. */
struct tar {
    unsigned char buf[1 << 16];
    size_t len;
};

static void tar_entry(struct tar *t, const char *name, char type, const void *body, size_t n)
{
    unsigned char *h = t->buf + t->len;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
    memcpy(h + 136, "00000000000", 12);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    memcpy(h + 512, body, n);
    t->len += 512 + (n + 511) / 512 * 512;
}

static void tar_end(struct tar *t)
{
    memset(t->buf + t->len, 0, 1024);
    t->len += 1024;
}

static unsigned char *brotli(const void *raw, size_t len, size_t *out_len)
{
    size_t cap = BrotliEncoderMaxCompressedSize(len) + 64;
    unsigned char *out = malloc(cap);
    *out_len = cap;
    BrotliEncoderCompress(9, 22, BROTLI_MODE_GENERIC, len, raw, out_len, out);
    return out;
}

static cJSON *bundle_keys;

static void bundle_case_bytes(const char *name, const unsigned char *data, size_t len,
                              cJSON *keys, const char *code)
{
    char rel[256];
    snprintf(rel, sizeof rel, "bundles/%s.osplugin", name);
    write_file(rel, (const char *)data, len);
    cJSON *c = add_case(name, "bundle", code);
    cJSON_AddStringToObject(c, "bundle", rel);
    cJSON_AddItemToObject(c, "keys", keys ? keys : cJSON_Duplicate(bundle_keys, 1));
    cJSON_AddNumberToObject(c, "use_time", 100);
}

static void bundle_case_tar(const char *name, struct tar *t, const char *code)
{
    size_t n;
    unsigned char *br = brotli(t->buf, t->len, &n);
    bundle_case_bytes(name, br, n, NULL, code);
    free(br);
}

/* The parts of a good bundle, to recombine into bad ones. */
struct parts {
    char manifest[4096];
    char sig[1024];
    const char *html, *js;
};

static const char widget_html[] = "<!doctype html><script src=\"app.js\"></script><p>hi</p>\n";
static const char widget_js[] = "osp.ready().then(() => osp.ui.toast('hello'));\n";

static void make_parts(struct parts *p, const struct osp_signer *s, const char *id,
                       const char *version, const char *extra_manifest_text, const char *tc)
{
    char h1[OSP_SHA256_HEX_BYTES], h2[OSP_SHA256_HEX_BYTES], digest[OSP_SHA256_HEX_BYTES];
    char binding[256];
    osp_hash_sha256_hex(widget_html, strlen(widget_html), h1);
    osp_hash_sha256_hex(widget_js, strlen(widget_js), h2);
    p->html = widget_html;
    p->js = widget_js;
    snprintf(p->manifest, sizeof p->manifest,
             "{\n  \"format\": 1,\n  \"id\": \"%s\",\n  \"name\": \"Hello\",\n"
             "  \"version\": \"%s\",\n  \"publisher\": \"acme\",\n  \"runtime\": \"ui\",\n"
             "  \"engines\": {\"osp-ui\": \"^1\"},\n"
             "  \"contributes\": {\"widgets\": [{\"id\": \"hello\", \"title\": \"Hello\", "
             "\"entry\": \"widget.html\"}]},\n"
             "  \"permissions\": {\"rpc\": [\"ui.toast\"]},%s\n"
             "  \"files\": {\n    \"app.js\": {\"sha256\": \"%s\", \"size\": %zu},\n"
             "    \"widget.html\": {\"sha256\": \"%s\", \"size\": %zu}\n  }\n}\n",
             id, version, extra_manifest_text ? extra_manifest_text : "", h2, strlen(widget_js),
             h1, strlen(widget_html));
    osp_hash_sha256_hex(p->manifest, strlen(p->manifest), digest);
    if (!tc) {
        snprintf(binding, sizeof binding, "id=%s version=%s digest=%s", id, version, digest);
        tc = binding;
    }
    sign_binding(s, p->manifest, tc, 0, p->sig, sizeof p->sig);
}

/* Packs parts with osp's own (strict, well-formed) archive writer. */
static void bundle_case_parts(const char *name, const struct parts *p, int with_sig,
                              const char *extra_path, const char *extra_body, cJSON *keys,
                              const char *code)
{
    struct osp_archive_entry e[5];
    size_t n = 0;
    e[n++] = (struct osp_archive_entry){"osplugin.json", (const unsigned char *)p->manifest,
                                        strlen(p->manifest)};
    if (with_sig)
        e[n++] = (struct osp_archive_entry){"osplugin.json.minisig",
                                            (const unsigned char *)p->sig, strlen(p->sig)};
    if (p->html)
        e[n++] = (struct osp_archive_entry){"widget.html", (const unsigned char *)p->html,
                                            strlen(p->html)};
    if (p->js)
        e[n++] = (struct osp_archive_entry){"app.js", (const unsigned char *)p->js,
                                            strlen(p->js)};
    if (extra_path)
        e[n++] = (struct osp_archive_entry){extra_path, (const unsigned char *)extra_body,
                                            strlen(extra_body)};
    unsigned char *out;
    size_t len;
    if (osp_archive_pack(e, n, &out, &len) != 0) {
        fprintf(stderr, "%s: pack failed\n", name);
        exit(1);
    }
    bundle_case_bytes(name, out, len, keys, code);
    free(out);
}

/* Raw tar of the good parts plus one hostile entry first. */
static void bundle_case_hostile(const char *name, const struct parts *p, const char *path,
                                char type, const char *code)
{
    static struct tar t;
    t.len = 0;
    tar_entry(&t, path, type, "x", type == '0' ? 1 : 0);
    tar_entry(&t, "osplugin.json", '0', p->manifest, strlen(p->manifest));
    tar_entry(&t, "osplugin.json.minisig", '0', p->sig, strlen(p->sig));
    tar_entry(&t, "widget.html", '0', p->html, strlen(p->html));
    tar_entry(&t, "app.js", '0', p->js, strlen(p->js));
    tar_end(&t);
    bundle_case_tar(name, &t, code);
}

/* good's manifest with one edit, signed again (binding the new digest):
 * the signature is fine, the manifest is what must be refused. */
static void resigned_edit(const char *name, const struct parts *good,
                          const struct osp_signer *s, const char *from, const char *to,
                          const char *code)
{
    struct parts p = *good;
    char *at = strstr(p.manifest, from);
    if (!at) {
        fprintf(stderr, "%s: fixture lacks %s\n", name, from);
        exit(1);
    }
    char tail[4096], tc[256], digest[OSP_SHA256_HEX_BYTES];
    snprintf(tail, sizeof tail, "%s", at + strlen(from));
    snprintf(at, sizeof p.manifest - (size_t)(at - p.manifest), "%s%s", to, tail);
    osp_hash_sha256_hex(p.manifest, strlen(p.manifest), digest);
    snprintf(tc, sizeof tc, "id=acme.hello version=1.0.0 digest=%s", digest);
    sign_binding(s, p.manifest, tc, 0, p.sig, sizeof p.sig);
    bundle_case_parts(name, &p, 1, NULL, NULL, NULL, code);
}

static void bundle_cases(void)
{
    struct osp_signer *acme = fixture_signer(1), *other = fixture_signer(2);
    bundle_keys = cJSON_CreateArray();
    cJSON_AddItemToArray(bundle_keys, key_json(acme, "acme", 0, 0));
    struct parts good, p;
    make_parts(&good, acme, "acme.hello", "1.0.0", NULL, NULL);

    bundle_case_parts("bundle-ok", &good, 1, NULL, NULL, NULL, "ok");
    cJSON *two = cJSON_CreateArray();
    cJSON_AddItemToArray(two, key_json(other, "acme", 0, 0));
    cJSON_AddItemToArray(two, key_json(acme, "acme", 0, 0));
    bundle_case_parts("bundle-ok-second-of-two-keys", &good, 1, NULL, NULL, two, "ok");
    p = good;
    {
        /* Legacy (non-prehashed) signature over the same binding. */
        char tc[256], digest[OSP_SHA256_HEX_BYTES];
        osp_hash_sha256_hex(good.manifest, strlen(good.manifest), digest);
        snprintf(tc, sizeof tc, "id=acme.hello version=1.0.0 digest=%s", digest);
        sign_binding(acme, p.manifest, tc, 1, p.sig, sizeof p.sig);
    }
    bundle_case_parts("bundle-ok-legacy-signature", &p, 1, NULL, NULL, NULL, "ok");

    /* Container-level refusals. */
    bundle_case_bytes("bundle-not-brotli", (const unsigned char *)"just some text\n", 15, NULL,
                      "archive_invalid");
    {
        struct osp_archive_entry e[] = {{"osplugin.json", (const unsigned char *)good.manifest,
                                         strlen(good.manifest)}};
        unsigned char *out;
        size_t len;
        osp_archive_pack(e, 1, &out, &len);
        bundle_case_bytes("bundle-truncated-brotli", out, len / 2, NULL, "archive_invalid");
        free(out);
    }
    {
        size_t raw = 64u << 20, n;
        unsigned char *zeros = calloc(1, raw);
        unsigned char *br = brotli(zeros, raw, &n);
        bundle_case_bytes("bundle-brotli-bomb", br, n, NULL, "archive_bomb");
        free(br);
        free(zeros);
    }
    bundle_case_hostile("bundle-tar-symlink", &good, "link.js", '2', "archive_invalid");
    bundle_case_hostile("bundle-tar-hardlink", &good, "hard.js", '1', "archive_invalid");
    bundle_case_hostile("bundle-tar-directory", &good, "dir", '5', "archive_invalid");
    bundle_case_hostile("bundle-tar-char-device", &good, "tty", '3', "archive_invalid");
    bundle_case_hostile("bundle-tar-fifo", &good, "fifo", '6', "archive_invalid");
    bundle_case_hostile("bundle-tar-pax-header", &good, "pax", 'x', "archive_invalid");
    bundle_case_hostile("bundle-tar-gnu-longname", &good, "././@LongLink", 'L',
                        "archive_invalid");
    bundle_case_hostile("bundle-path-dotdot", &good, "../escape.js", '0', "archive_path");
    bundle_case_hostile("bundle-path-absolute", &good, "/etc/cron.d/x", '0', "archive_path");
    bundle_case_hostile("bundle-path-backslash", &good, "js\\app.js", '0', "archive_path");
    bundle_case_hostile("bundle-path-drive-letter", &good, "C:/x.js", '0', "archive_path");
    bundle_case_hostile("bundle-path-dot-segment", &good, "./app.js", '0', "archive_path");
    bundle_case_hostile("bundle-path-empty-segment", &good, "js//app.js", '0', "archive_path");
    bundle_case_hostile("bundle-path-dotfile", &good, ".env", '0', "archive_path");
    bundle_case_hostile("bundle-path-space", &good, "my file.js", '0', "archive_path");
    bundle_case_hostile("bundle-duplicate-entry", &good, "app.js", '0', "archive_path");
    bundle_case_hostile("bundle-case-collision", &good, "App.js", '0', "archive_path");
    {
        static struct tar t;
        t.len = 0;
        tar_entry(&t, "osplugin.json", '0', good.manifest, strlen(good.manifest));
        t.buf[148] ^= 1;
        tar_end(&t);
        bundle_case_tar("bundle-tar-bad-checksum", &t, "archive_invalid");
        t.len = 0;
        tar_entry(&t, "osplugin.json", '0', good.manifest, strlen(good.manifest));
        memcpy(t.buf + 257, "gnutar", 6);
        tar_end(&t);
        bundle_case_tar("bundle-tar-not-ustar", &t, "archive_invalid");
        t.len = 0;
        tar_entry(&t, "osplugin.json", '0', good.manifest, strlen(good.manifest));
        bundle_case_tar("bundle-tar-no-end-marker", &t, "archive_invalid");
        t.len = 0;
        tar_entry(&t, "osplugin.json", '0', good.manifest, strlen(good.manifest));
        snprintf((char *)t.buf + 124, 12, "%011o", 99999u); /* size past the end */
        unsigned sum = 0;
        memset(t.buf + 148, ' ', 8);
        for (int i = 0; i < 512; i++)
            sum += t.buf[i];
        snprintf((char *)t.buf + 148, 8, "%06o", sum);
        tar_end(&t);
        bundle_case_tar("bundle-tar-size-past-end", &t, "archive_invalid");
        t.len = 0;
        tar_entry(&t, "osplugin.json", '0', good.manifest, strlen(good.manifest));
        tar_end(&t);
        memcpy(t.buf + t.len, "trailing garbage", 16);
        t.len += 512;
        bundle_case_tar("bundle-tar-data-after-end", &t, "archive_invalid");
    }
    {
        struct osp_archive_entry e[] = {{"widget.html", (const unsigned char *)widget_html,
                                         strlen(widget_html)}};
        unsigned char *out;
        size_t len;
        osp_archive_pack(e, 1, &out, &len);
        bundle_case_bytes("bundle-no-manifest", out, len, NULL, "missing_file");
        free(out);
    }

    /* Signature and trust refusals. */
    bundle_case_parts("bundle-unsigned", &good, 0, NULL, NULL, NULL, "signature_malformed");
    p = good;
    snprintf(p.sig, sizeof p.sig, "untrusted comment: nothing\nnot base64!\n");
    bundle_case_parts("bundle-signature-garbage", &p, 1, NULL, NULL, NULL,
                      "signature_malformed");
    cJSON *k = cJSON_CreateArray();
    cJSON_AddItemToArray(k, key_json(other, "acme", 0, 0));
    bundle_case_parts("bundle-unknown-key", &good, 1, NULL, NULL, k, "unknown_key_id");
    k = cJSON_CreateArray();
    cJSON_AddItemToArray(k, key_json(acme, "acme", 1, 0));
    bundle_case_parts("bundle-revoked-key", &good, 1, NULL, NULL, k, "key_revoked");
    k = cJSON_CreateArray();
    cJSON_AddItemToArray(k, key_json(acme, "acme", 0, 50));
    bundle_case_parts("bundle-retired-key", &good, 1, NULL, NULL, k, "key_retired");
    k = cJSON_CreateArray();
    cJSON_AddItemToArray(k, key_json(acme, "mallory", 0, 0));
    bundle_case_parts("bundle-key-of-other-publisher", &good, 1, NULL, NULL, k,
                      "untrusted_publisher");
    bundle_case_parts("bundle-no-keys-trusted", &good, 1, NULL, NULL, cJSON_CreateArray(),
                      "unknown_key_id");
    p = good;
    *strstr(p.manifest, "Hello") = 'J';
    bundle_case_parts("bundle-manifest-byte-changed", &p, 1, NULL, NULL, NULL,
                      "signature_invalid");
    make_parts(&p, acme, "acme.other", "1.0.0", NULL, NULL);
    strcpy(p.manifest, good.manifest);
    bundle_case_parts("bundle-signature-moved-from-other-bundle", &p, 1, NULL, NULL, NULL,
                      "signature_invalid");
    {
        char tc[256], digest[OSP_SHA256_HEX_BYTES];
        osp_hash_sha256_hex(good.manifest, strlen(good.manifest), digest);
        snprintf(tc, sizeof tc, "id=acme.other version=1.0.0 digest=%s", digest);
        make_parts(&p, acme, "acme.hello", "1.0.0", NULL, tc);
        bundle_case_parts("bundle-signature-names-other-id", &p, 1, NULL, NULL, NULL,
                          "id_mismatch");
        snprintf(tc, sizeof tc, "id=acme.hello version=2.0.0 digest=%s", digest);
        make_parts(&p, acme, "acme.hello", "1.0.0", NULL, tc);
        bundle_case_parts("bundle-signature-names-other-version", &p, 1, NULL, NULL, NULL,
                          "version_mismatch");
        snprintf(tc, sizeof tc, "id=acme.hello version=1.0.0 digest=%s", H64("f"));
        make_parts(&p, acme, "acme.hello", "1.0.0", NULL, tc);
        bundle_case_parts("bundle-signature-names-other-digest", &p, 1, NULL, NULL, NULL,
                          "digest_mismatch");
        make_parts(&p, acme, "acme.hello", "1.0.0", NULL, "timestamp:1700000000\tfile:x");
        bundle_case_parts("bundle-signature-binds-nothing", &p, 1, NULL, NULL, NULL,
                          "signature_binding");
    }

    /* File refusals. */
    p = good;
    p.html = "<!doctype html><script src=\"app.js\"></script><p>ho</p>\n";
    bundle_case_parts("bundle-file-byte-changed", &p, 1, NULL, NULL, NULL, "digest_mismatch");
    p = good;
    p.js = "osp.ready();\n";
    bundle_case_parts("bundle-file-size-changed", &p, 1, NULL, NULL, NULL, "size_mismatch");
    p = good;
    p.js = NULL;
    bundle_case_parts("bundle-file-missing", &p, 1, NULL, NULL, NULL, "missing_file");
    bundle_case_parts("bundle-file-unlisted", &good, 1, "extra.js", "evil()", NULL,
                      "unlisted_file");

    /* Signed, but the manifest itself is refused. */
    make_parts(&p, acme, "acme.hello", "1.0.0", "\n  \"nmae\": \"x\",", NULL);
    bundle_case_parts("bundle-manifest-unknown-key", &p, 1, NULL, NULL, NULL, "unknown_key");
    make_parts(&p, acme, "acme.hello", "1.0", NULL, NULL);
    bundle_case_parts("bundle-manifest-bad-version", &p, 1, NULL, NULL, NULL, "bad_version");
    make_parts(&p, acme, "Acme.Hello", "1.0.0", NULL, NULL);
    bundle_case_parts("bundle-manifest-bad-id", &p, 1, NULL, NULL, NULL, "bad_id");
    make_parts(&p, acme, "acme.hello", "1.0.0", "\n  \"description\": 7,", NULL);
    bundle_case_parts("bundle-manifest-wrong-type", &p, 1, NULL, NULL, NULL, "bad_type");
    make_parts(&p, acme, "acme.hello", "1.0.0", "\n  \"name\": \"dup\",", NULL);
    bundle_case_parts("bundle-manifest-duplicate-key", &p, 1, NULL, NULL, NULL,
                      "json_duplicate_key");
    static const struct {
        const char *name, *from, *to, *code;
    } edits[] = {
        {"bundle-manifest-incompatible-engines", "\"^1\"", "\"^3\"", "incompatible_engines"},
        {"bundle-manifest-unsupported-runtime", "\"ui\"", "\"py\"", "unsupported_runtime"},
        {"bundle-manifest-unknown-permission", "\"ui.toast\"", "\"ui.tost\"", "bad_permission"},
        {"bundle-manifest-entry-not-in-files", "\"entry\": \"widget.html\"",
         "\"entry\": \"missing.html\"", "missing_file"},
        {"bundle-manifest-http-origin", "[\"ui.toast\"]}",
         "[\"ui.toast\"], \"connect\": [\"http://api.example.com\"]}", "bad_origin"},
        {"bundle-manifest-not-json", "{\n  \"format\"", "{\n  format", "json_syntax"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++)
        resigned_edit(edits[i].name, &good, acme, edits[i].from, edits[i].to, edits[i].code);
    osp_signer_free(acme);
    osp_signer_free(other);
    cJSON_Delete(bundle_keys);
}

/* Sequences through one relay: quotas, in-flight caps, correlation. */
static void relay_case(const char *name, const char *limits, const char *const *steps,
                       size_t n, const char *codes)
{
    cJSON *c = add_case(name, "relay", "ok");
    /* What each step must answer: a code, "ok", or osp_api_relay_reply's int. */
    cJSON_AddItemToObject(c, "codes", cJSON_Parse(codes));
    cJSON *g = cJSON_AddArrayToObject(c, "grants");
    cJSON_AddItemToArray(g, cJSON_CreateString("data.read:contact"));
    cJSON_AddItemToObject(c, "limits", cJSON_Parse(limits));
    cJSON *arr = cJSON_AddArrayToObject(c, "steps");
    /* "@T message" is a message at time T ms; "reply ID" marks ID answered. */
    for (size_t i = 0; i < n; i++) {
        cJSON *st = cJSON_CreateObject();
        if (strncmp(steps[i], "reply ", 6) == 0) {
            cJSON_AddStringToObject(st, "reply", steps[i] + 6);
        } else {
            char *sp = strchr(steps[i], ' ');
            cJSON_AddNumberToObject(st, "at", atof(steps[i] + 1));
            cJSON_AddStringToObject(st, "message", sp + 1);
        }
        cJSON_AddItemToArray(arr, st);
    }
}

#define Q(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"context.get\"}"

static void relay_cases(void)
{
    const char *calls[] = {"@0 " Q(1),    "reply 1", "@0 " Q(2),   "reply 2", "@0 " Q(3),
                           "reply 3",     "@0 " Q(4), "@10 " Q(5), "@1000 " Q(6)};
    relay_case("relay-calls-per-second", "{\"calls_per_second\":3}", calls, 9,
               "[\"ok\",0,\"ok\",0,\"ok\",0,\"rate_limited\",\"rate_limited\",\"ok\"]");
    const char *flight[] = {"@0 " Q(1), "@1 " Q(2), "@2 " Q(3), "reply 1", "@3 " Q(4),
                            "reply 1",  "reply 9"};
    relay_case("relay-in-flight-cap", "{\"max_in_flight\":2}", flight, 7,
               "[\"ok\",\"ok\",\"rate_limited\",0,\"ok\",-44,-44]");
    const char *dup[] = {"@0 " Q(7), "@1 " Q(7), "reply 7", "@2 " Q(7)};
    relay_case("relay-duplicate-id-in-flight", "{}", dup, 4,
               "[\"ok\",\"invalid_request\",0,\"ok\"]");
    const char *bytes[] = {"@0 " Q(1),
                           "@0 {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"data.query\",\"params\":"
                           "{\"object\":\"contact\",\"filter\":{\"name\":\"xxxxxxxxxxxxxxxxxxxx\"}}}",
                           "@2000 " Q(3)};
    relay_case("relay-bytes-per-second", "{\"bytes_per_second\":100}", bytes, 3,
               "[\"ok\",\"rate_limited\",\"ok\"]");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_vectors OUT_DIR\n");
        return 2;
    }
    out_dir = argv[1];
    cases = cJSON_CreateArray();
    manifest_cases();
    verify_cases();
    csp_frame_rpc_cases();
    bundle_cases();
    relay_cases();
    char *text = cJSON_Print(cases);
    size_t n = strlen(text);
    text = realloc(text, n + 2);
    text[n++] = '\n';
    write_file("cases.json", text, n);
    fprintf(stderr, "%d cases written to %s\n", cJSON_GetArraySize(cases), out_dir);
    free(text);
    cJSON_Delete(cases);
    return 0;
}
