/* osp serve end to end over real loopback sockets: publish (good and every
 * refusal), serving with headers, the installed and data APIs, and the
 * store refusing a blob changed behind its back. */
#define _GNU_SOURCE /* strptime, timegm */
#include "harness.h"
#include "fixtures.h"
#include "osp/bundle.h"
#include "osp/pack.h"
#include "osp/client.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"
#include "osp/registry.h"
#include "osp/server.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct harness H;

/* What fsync does to files under the blob store (the server runs in this
 * process): 0 sync, 1 fail on files, 2 fail on directories, as a failing
 * or full disk would. */
static int blob_fsync_fault;

/* Interposes libc's fsync for this test binary: the store's
 * osp_fs_write_atomic calls this one, so a publish meets a real fsync
 * failure with no hook in the product. */
int fsync(int fd);
int fsync(int fd)
{
    int fault = __atomic_load_n(&blob_fsync_fault, __ATOMIC_SEQ_CST);
    if (fault) {
        char link[64], path[PATH_MAX];
        struct stat st;
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
        if (n > 0 && strstr(path, "/blobs") && fstat(fd, &st) == 0 &&
            (fault == 2) == !!S_ISDIR(st.st_mode)) {
            errno = EIO;
            return -1;
        }
    }
    return (int)syscall(SYS_fsync, fd);
}
static char token[80], alice[400];

static int publish(const unsigned char *b, size_t len, const char *tok, const char *type,
                   char *code_out)
{
    char headers[256];
    snprintf(headers, sizeof headers, "Authorization: Bearer %s\r\nContent-Type: %s\r\n", tok,
             type);
    struct osp_client_response r = http("POST", H.app_url, "/api/v1/plugins", headers, b, len);
    if (code_out) {
        cJSON *j = NULL;
        code_out[0] = '\0';
        if (osp_json_parse(r.body, r.body_len, NULL, &j, NULL) == 0) {
            const char *code = osp_json_get_string(osp_json_get(j, "error"), "code");
            snprintf(code_out, 64, "%s", code ? code : "");
        }
        cJSON_Delete(j);
    }
    int status = r.status;
    osp_client_response_clear(&r);
    return status;
}

static size_t count_blobs(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "find %s/blobs -type f | wc -l", H.data_dir);
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    if (p && fscanf(p, "%zu", &n) != 1)
        n = 0;
    if (p)
        pclose(p);
    return n;
}

static unsigned char *bundle;
static size_t bundle_len;
static char digest[OSP_SHA256_HEX_BYTES];

static void start(void)
{
    snprintf(H.data_dir, sizeof H.data_dir, "/tmp/osp-test-server-%d", (int)getpid());
    snprintf(H.access_log, sizeof H.access_log, "%s-access.log", H.data_dir);
    CHECK_INT(harness_start(&H), 0);
    CHECK_INT(harness_login(&H, "default", "alice", "osp-demo", alice, sizeof alice), 200);

    struct osp_registry *reg = NULL;
    char db[256];
    snprintf(db, sizeof db, "%s/registry.db", H.data_dir);
    CHECK_ERR(osp_registry_open(db, &reg), 0);
    struct osp_signer *s = fixture_signer(1);
    struct osp_pubkey pk;
    osp_signer_public(s, &pk);
    CHECK_ERR(osp_registry_publisher_add(reg, "demo", &pk, 0, 1, token), 0);
    osp_registry_close(reg);
    CHECK_ERR(osp_pack_dir(OSP_SAMPLE_PLUGIN, s, NULL, &bundle, &bundle_len, NULL), 0);
    osp_signer_free(s);
}

static void publish_refusals_change_nothing(void)
{
    char code[64];
    size_t before = count_blobs();
    CHECK_INT(publish(bundle, bundle_len, "ospt_wrong", "application/vnd.osp.plugin", code), 401);
    CHECK_STR(code, "unauthorized");
    CHECK_INT(publish(bundle, bundle_len, token, "text/plain", code), 415);
    CHECK_INT(publish((const unsigned char *)"garbage", 7, token, "application/vnd.osp.plugin",
                      code),
              422);
    CHECK_STR(code, "archive_invalid");

    /* One byte of the manifest changed after signing. */
    struct osp_bundle b;
    CHECK_ERR(osp_bundle_open(bundle, bundle_len, &b, NULL), 0);
    unsigned char *m = (unsigned char *)b.manifest->data;
    unsigned char *pos = (unsigned char *)strstr((char *)m, "Contacts at a glance");
    pos[0] = 'K';
    unsigned char *tampered;
    size_t tl;
    CHECK_ERR(osp_archive_pack(b.archive->entries, b.archive->n, &tampered, &tl), 0);
    CHECK_INT(publish(tampered, tl, token, "application/vnd.osp.plugin", code), 422);
    CHECK_STR(code, "signature_invalid");
    free(tampered);
    pos[0] = 'C';
    /* One byte of a file changed after signing. */
    unsigned char *w = (unsigned char *)osp_archive_find(b.archive, "widget.js")->data;
    w[0] ^= 1;
    CHECK_ERR(osp_archive_pack(b.archive->entries, b.archive->n, &tampered, &tl), 0);
    CHECK_INT(publish(tampered, tl, token, "application/vnd.osp.plugin", code), 422);
    CHECK_STR(code, "digest_mismatch");
    free(tampered);
    w[0] ^= 1;
    osp_bundle_close(&b);

    /* Signed by a key nobody registered. */
    struct osp_signer *stranger = fixture_signer(7);
    unsigned char *other;
    size_t ol;
    CHECK_ERR(osp_pack_dir(OSP_SAMPLE_PLUGIN, stranger, NULL, &other, &ol, NULL), 0);
    CHECK_INT(publish(other, ol, token, "application/vnd.osp.plugin", code), 422);
    CHECK_STR(code, "unknown_key_id");
    free(other);
    osp_signer_free(stranger);
    CHECK_INT(count_blobs(), before);

    struct osp_client_response r = http("GET", H.app_url, "/api/v1/installed", alice, NULL, 0);
    CHECK_CONTAINS(r.body, "\"plugins\":[]");
    osp_client_response_clear(&r);
}

static void publish_is_idempotent(void)
{
    char code[64];
    CHECK_INT(publish(bundle, bundle_len, token, "application/vnd.osp.plugin", code), 201);
    CHECK_INT(publish(bundle, bundle_len, token, "application/vnd.osp.plugin", code), 200);
    struct osp_bundle b;
    CHECK_ERR(osp_bundle_open(bundle, bundle_len, &b, NULL), 0);
    osp_hash_sha256_hex(b.manifest->data, b.manifest->size, digest);
    osp_bundle_close(&b);

    struct osp_registry *reg = NULL;
    char db[256];
    snprintf(db, sizeof db, "%s/registry.db", H.data_dir);
    CHECK_ERR(osp_registry_open(db, &reg), 0);
    CHECK_ERR(osp_registry_install(reg, "default", "demo.contacts", digest,
                                   "[\"data.read:contact\"]", 2),
              0);
    osp_registry_close(reg);
}

/* RFC 9110 asks an origin server with a clock for a Date header on every
 * 2xx, 3xx and 4xx response: an IMF-fixdate close to now. */
static void check_date(const struct osp_client_response *r)
{
    char date[64];
    CHECK(osp_client_header(r, "Date", date, sizeof date) != NULL);
    CHECK_INT(strlen(date), 29);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    CHECK(end != NULL && *end == '\0');
    time_t t = timegm(&tm), now = time(NULL);
    CHECK(t >= now - 5 && t <= now + 1);
}

static void serves_assets_with_policy(void)
{
    char path[256], h[2048];
    snprintf(path, sizeof path, "/ext-ui/demo.contacts/%s/widget.html", digest);
    struct osp_client_response r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "<script src=\"/_osp/sdk/v1/osp.js\"");
    CHECK_CONTAINS(osp_client_header(&r, "Content-Security-Policy", h, sizeof h),
                   "default-src 'none'");
    char fa[200];
    snprintf(fa, sizeof fa, "frame-ancestors %s;", H.app_url);
    CHECK_CONTAINS(h, fa);
    CHECK_CONTAINS(h, "sandbox allow-scripts");
    CHECK_CONTAINS(h, "base-uri 'none'; form-action 'none'; object-src 'none'");
    char report[200];
    snprintf(report, sizeof report, "report-uri %s/api/v1/csp-reports", H.app_url);
    CHECK_CONTAINS(h, report);
    /* Loadable as a module script from an opaque (sandboxed) origin, and
     * no referrer leaves the frame. */
    CHECK_STR(osp_client_header(&r, "Access-Control-Allow-Origin", h, sizeof h), "*");
    CHECK_STR(osp_client_header(&r, "Cross-Origin-Resource-Policy", h, sizeof h), "cross-origin");
    CHECK_STR(osp_client_header(&r, "Referrer-Policy", h, sizeof h), "no-referrer");
    CHECK_STR(osp_client_header(&r, "Cache-Control", h, sizeof h),
              "public, max-age=31536000, immutable");
    CHECK_STR(osp_client_header(&r, "X-Content-Type-Options", h, sizeof h), "nosniff");
    CHECK_STR(osp_client_header(&r, "Content-Type", h, sizeof h), "text/html; charset=utf-8");
    char etag[100];
    CHECK(osp_client_header(&r, "ETag", etag, sizeof etag) != NULL);
    CHECK_INT(strlen(etag), 66);
    check_date(&r);
    osp_client_response_clear(&r);
    /* Again, now from the memory cache: still a current Date. */
    r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    check_date(&r);
    osp_client_response_clear(&r);

    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", etag);
    r = http("GET", H.plugin_url, path, inm, NULL, 0);
    CHECK_INT(r.status, 304);
    CHECK_INT(r.body_len, 0);
    check_date(&r);
    osp_client_response_clear(&r);

    snprintf(path, sizeof path, "/ext-ui/demo.contacts/%s/widget.js", digest);
    r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    CHECK(osp_client_header(&r, "Content-Security-Policy", h, sizeof h) == NULL);
    CHECK_STR(osp_client_header(&r, "Content-Type", h, sizeof h),
              "text/javascript; charset=utf-8");
    osp_client_response_clear(&r);

    static const struct {
        const char *id;
        int digest_len;
        const char *file;
    } not_found[] = {{"demo.contacts", 64, "osplugin.json"},
                     {"demo.contacts", 64, "nope.html"},
                     {"demo.other", 64, "widget.html"},
                     {"demo.contacts", 63, "widget.html"}};
    for (size_t i = 0; i < sizeof not_found / sizeof not_found[0]; i++) {
        snprintf(path, sizeof path, "/ext-ui/%s/%.*s/%s", not_found[i].id,
                 not_found[i].digest_len, digest, not_found[i].file);
        r = http("GET", H.plugin_url, path, NULL, NULL, 0);
        CHECK_INT(r.status, 404);
        CHECK_CONTAINS(r.body, "\"code\":\"not_found\"");
        check_date(&r);
        osp_client_response_clear(&r);
    }
    /* Plugin content is not on the app origin. */
    snprintf(path, sizeof path, "/ext-ui/demo.contacts/%s/widget.html", digest);
    r = http("GET", H.app_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 404);
    osp_client_response_clear(&r);
    /* Encoded dots or slashes, and request bytes never echoed. */
    const char *hostile[] = {"/ext-ui/demo.contacts/%2e%2e/widget.html",
                             "/ext-ui/demo.contacts%2fx/widget.html", "/<script>alert(1)</script>",
                             "/ext-ui/a/../b"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        r = http("GET", H.plugin_url, hostile[i], NULL, NULL, 0);
        CHECK(r.status == 400 || r.status == 404);
        CHECK(r.body && !strstr(r.body, "script") && !strstr(r.body, "%2"));
        osp_client_response_clear(&r);
    }
    r = http("POST", H.plugin_url, path, NULL, "x", 1);
    CHECK_INT(r.status, 405);
    osp_client_response_clear(&r);
}

static void installed_and_data_apis(void)
{
    struct osp_client_response r = http("GET", H.app_url, "/api/v1/installed", alice, NULL, 0);
    CHECK_INT(r.status, 200);
    cJSON *j = NULL;
    CHECK_ERR(osp_json_parse(r.body, r.body_len, NULL, &j, NULL), 0);
    const cJSON *p = cJSON_GetArrayItem(osp_json_get(j, "plugins"), 0);
    CHECK_STR(osp_json_get_string(p, "id"), "demo.contacts");
    CHECK_STR(osp_json_get_string(p, "digest"), digest);
    CHECK_CONTAINS(osp_json_get_string(p, "signature"), "trusted comment: id=demo.contacts");
    CHECK_CONTAINS(osp_json_get_string(p, "manifest"), "\"files\"");
    CHECK_INT(cJSON_GetArraySize(osp_json_get(p, "keys")), 1);
    CHECK_STR(osp_json_get_string(j, "plugin_origin"), H.plugin_url);
    cJSON_Delete(j);
    osp_client_response_clear(&r);

    char as_plugin[500];
    snprintf(as_plugin, sizeof as_plugin, "%sX-OSP-Plugin: demo.contacts\r\n", alice);
    r = http("GET", H.app_url, "/api/v1/data/contact", as_plugin, NULL, 0);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "Grace Hopper");
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/api/v1/data/deal", as_plugin, NULL, 0);
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(r.body, "permission_denied");
    osp_client_response_clear(&r);
    snprintf(as_plugin, sizeof as_plugin, "%sX-OSP-Plugin: evil.plugin\r\n", alice);
    r = http("GET", H.app_url, "/api/v1/data/contact", as_plugin, NULL, 0);
    CHECK_INT(r.status, 403);
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/api/v1/data/contact", NULL, NULL, 0);
    CHECK_INT(r.status, 401); /* no session, no data */
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/healthz", NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    osp_client_response_clear(&r);
    r = http("GET", H.app_url, "/", NULL, NULL, 0);
    char h[1400];
    CHECK_CONTAINS(osp_client_header(&r, "Content-Security-Policy", h, sizeof h),
                   "script-src 'self' 'wasm-unsafe-eval'");
    osp_client_response_clear(&r);
}

/* The sample plugin copied, changed by a sed script, packed and signed
 * with fixture key `key`; NULL if any step fails. */
static unsigned char *variant(const char *sed, int key, size_t *len)
{
    char dir[160], cmd[800];
    snprintf(dir, sizeof dir, "%s-plugin", H.data_dir);
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && cp -r %s %s && echo '/* changed */' >> %s/widget.js && "
             "sed -i -e '%s' %s/osplugin.json",
             dir, OSP_SAMPLE_PLUGIN, dir, dir, sed, dir);
    CHECK_INT(system(cmd), 0);
    struct osp_signer *s = fixture_signer(key);
    unsigned char *b = NULL;
    CHECK_ERR(osp_pack_dir(dir, s, NULL, &b, len, NULL), 0);
    osp_signer_free(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return b;
}

/* Refusals that depend on what is already published: each refused before
 * a single blob is written, so a refused publish leaves the store as it
 * was (not even unreferenced blobs). */
static void version_and_owner_refusals_store_nothing(void)
{
    char code[64];
    size_t before = count_blobs(), len;
    static const struct {
        const char *sed, *code;
        int key, status;
    } cases[] = {
        /* same version, other bytes: a conflict, not an overwrite */
        {"s/\"1.0.0\"/\"1.0.0\"/", "conflict", 1, 409},
        /* a lower version */
        {"s/\"1.0.0\"/\"0.9.0\"/", "conflict", 1, 409},
        /* this token's publisher is demo, the manifest says acme */
        {"s/\"publisher\": \"demo\"/\"publisher\": \"acme\"/;s/\"1.0.0\"/\"2.0.0\"/",
         "forbidden", 1, 403},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *b = variant(cases[i].sed, cases[i].key, &len);
        if (!b)
            continue;
        CHECK_INT(publish(b, len, token, "application/vnd.osp.plugin", code), cases[i].status);
        CHECK_STR(code, cases[i].code);
        free(b);
        CHECK_INT(count_blobs(), before);
    }

    /* Another publisher (its own token and key) claiming demo.contacts. */
    struct osp_registry *reg = NULL;
    char db[256], other[80];
    snprintf(db, sizeof db, "%s/registry.db", H.data_dir);
    CHECK_ERR(osp_registry_open(db, &reg), 0);
    struct osp_signer *s = fixture_signer(2);
    struct osp_pubkey pk;
    osp_signer_public(s, &pk);
    osp_signer_free(s);
    CHECK_ERR(osp_registry_publisher_add(reg, "rival", &pk, 0, 1, other), 0);
    osp_registry_close(reg);
    unsigned char *b = variant(
        "s/\"publisher\": \"demo\"/\"publisher\": \"rival\"/;s/\"1.0.0\"/\"3.0.0\"/", 2,
        &len);
    if (b) {
        CHECK_INT(publish(b, len, other, "application/vnd.osp.plugin", code), 403);
        CHECK_STR(code, "forbidden");
        free(b);
    }
    CHECK_INT(count_blobs(), before);
}

/* A blob that cannot be made durable fails its publish: nothing is
 * registered and no partial blob is visible; the same bundle publishes once
 * the disk is well again. */
static void fsync_failure_fails_the_publish(void)
{
    char code[64];
    size_t len;
    unsigned char *b = variant("s/\"1.0.0\"/\"4.0.0\"/", 1, &len);
    if (!b)
        return;
    size_t before = count_blobs();
    for (int fault = 1; fault <= 2; fault++) {
        __atomic_store_n(&blob_fsync_fault, fault, __ATOMIC_SEQ_CST);
        int status = publish(b, len, token, "application/vnd.osp.plugin", code);
        __atomic_store_n(&blob_fsync_fault, 0, __ATOMIC_SEQ_CST);
        CHECK_INT(status, 500);
        CHECK_STR(code, "internal"); /* the disk's trouble is told to the operator's log */
        struct osp_client_response r =
            http("GET", H.app_url, "/api/v1/plugins/demo.contacts", NULL, NULL, 0);
        CHECK_INT(r.status, 200);
        CHECK(r.body && strstr(r.body, "4.0.0") == NULL);
        osp_client_response_clear(&r);
        /* A failed file sync leaves nothing, not even its temporary file. */
        if (fault == 1)
            CHECK_INT(count_blobs(), before);
    }
    /* A failed directory sync may leave complete, unreferenced blobs (what
     * `osp store verify --gc` collects), never a temporary file. */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test -z \"$(find %s/blobs -name '*.tmp.*')\"", H.data_dir);
    CHECK_INT(system(cmd), 0);
    CHECK_INT(publish(b, len, token, "application/vnd.osp.plugin", code), 201);
    free(b);
}

/* A file larger than a socket buffer goes out in several writes: whole
 * and equal to the published bytes, from the first request (which builds
 * it) and from the cache. */
static void large_assets_are_sent_whole(void)
{
    char dir[160], cmd[900];
    snprintf(dir, sizeof dir, "%s-large", H.data_dir);
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && cp -r %s %s && head -c 600000 /dev/urandom | base64 -w 100 | "
             "sed 's|^|// |' >> %s/widget.js && sed -i -e 's/\"1.0.0\"/\"5.0.0\"/' %s/osplugin.json",
             dir, OSP_SAMPLE_PLUGIN, dir, dir, dir);
    CHECK_INT(system(cmd), 0);
    char path[300], *js = NULL, *resp_digest = NULL;
    size_t js_len = 0, len = 0;
    snprintf(path, sizeof path, "%s/widget.js", dir);
    CHECK_ERR(osp_fs_read(path, 4u << 20, &js, &js_len), 0);
    CHECK(js_len > 512 * 1024);
    struct osp_signer *s = fixture_signer(1);
    unsigned char *b = NULL;
    CHECK_ERR(osp_pack_dir(dir, s, NULL, &b, &len, NULL), 0);
    osp_signer_free(s);
    char headers[256];
    snprintf(headers, sizeof headers,
             "Authorization: Bearer %s\r\nContent-Type: application/vnd.osp.plugin\r\n", token);
    struct osp_client_response r = http("POST", H.app_url, "/api/v1/plugins", headers, b, len);
    CHECK_INT(r.status, 201);
    cJSON *j = NULL;
    if (osp_json_parse(r.body, r.body_len, NULL, &j, NULL) == 0 && osp_json_get_string(j, "digest"))
        resp_digest = strdup(osp_json_get_string(j, "digest"));
    cJSON_Delete(j);
    osp_client_response_clear(&r);
    CHECK(resp_digest != NULL);
    for (int i = 0; resp_digest && i < 2; i++) {
        snprintf(path, sizeof path, "/ext-ui/demo.contacts/%s/widget.js", resp_digest);
        r = http("GET", H.plugin_url, path, "Accept-Encoding: identity\r\n", NULL, 0);
        CHECK_INT(r.status, 200);
        CHECK_INT(r.body_len, js_len);
        CHECK(r.body && memcmp(r.body, js, js_len) == 0);
        osp_client_response_clear(&r);
    }
    free(resp_digest);
    free(js);
    free(b);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
}

/* The SDK and the shell's files carry their SHA-256 as ETag and answer a
 * matching If-None-Match with an empty 304. */
static void static_files_have_etags(void)
{
    static const struct {
        const char *path, *file, *cache;
    } cases[] = {{"/_osp/sdk/v1/osp.js", "sdk/v1/osp.js", "no-cache"},
                 {"/shell/app.js", "app.js", "no-cache"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *base = i == 0 ? H.plugin_url : H.app_url;
        char file[400], want[OSP_SHA256_HEX_BYTES + 2], h[200], inm[200], *data = NULL;
        size_t len = 0;
        snprintf(file, sizeof file, "%s/%s", OSP_SHELL_DIR, cases[i].file);
        CHECK_ERR(osp_fs_read(file, 1u << 20, &data, &len), 0);
        want[0] = '"';
        osp_hash_sha256_hex(data, len, want + 1);
        strcat(want, "\"");
        struct osp_client_response r = http("GET", base, cases[i].path, NULL, NULL, 0);
        CHECK_INT(r.status, 200);
        CHECK_INT(r.body_len, len);
        CHECK_STR(osp_client_header(&r, "ETag", h, sizeof h), want);
        CHECK_STR(osp_client_header(&r, "Cache-Control", h, sizeof h), cases[i].cache);
        osp_client_response_clear(&r);
        snprintf(inm, sizeof inm, "If-None-Match: W/%s, \"other\"\r\n", want);
        r = http("GET", base, cases[i].path, inm, NULL, 0);
        CHECK_INT(r.status, 304);
        CHECK_INT(r.body_len, 0);
        CHECK_STR(osp_client_header(&r, "ETag", h, sizeof h), want);
        osp_client_response_clear(&r);
        r = http("GET", base, cases[i].path, "If-None-Match: \"stale\"\r\n", NULL, 0);
        CHECK_INT(r.status, 200);
        osp_client_response_clear(&r);
        free(data);
    }
}

static void corrupt_blob_never_served(void)
{
    /* Flip a byte of widget.css's blob on disk (never requested so far, so
     * not in the memory cache). */
    struct osp_bundle b;
    CHECK_ERR(osp_bundle_open(bundle, bundle_len, &b, NULL), 0);
    const struct osp_archive_entry *e = osp_archive_find(b.archive, "widget.css");
    char hex[OSP_SHA256_HEX_BYTES], blob[512];
    osp_hash_sha256_hex(e->data, e->size, hex);
    osp_bundle_close(&b);
    snprintf(blob, sizeof blob, "%s/blobs/sha256/%.2s/%s", H.data_dir, hex, hex + 2);
    FILE *f = fopen(blob, "r+");
    CHECK(f != NULL);
    if (f) {
        fputc('!', f);
        fclose(f);
    }
    char path[256];
    snprintf(path, sizeof path, "/ext-ui/demo.contacts/%s/widget.css", digest);
    struct osp_client_response r = http("GET", H.plugin_url, path, NULL, NULL, 0);
    CHECK_INT(r.status, 500);
    CHECK(strstr(r.body, "color") == NULL);
    osp_client_response_clear(&r);
}

/* Every request left one JSON line with the fields operators filter on. */
static void access_log_is_json_lines(void)
{
    char *text = NULL;
    size_t len = 0;
    CHECK_ERR(osp_fs_read(H.access_log, 1u << 20, &text, &len), 0);
    int lines = 0, published = 0, refused = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        CHECK(nl != NULL);
        if (!nl)
            break;
        cJSON *j = NULL;
        CHECK_ERR(osp_json_parse(line, (size_t)(nl - line), NULL, &j, NULL), 0);
        CHECK(osp_json_get_string(j, "ts") && osp_json_get_string(j, "route") &&
              cJSON_IsNumber(osp_json_get(j, "status")) && cJSON_IsNumber(osp_json_get(j, "ms")));
        const char *route = osp_json_get_string(j, "route");
        published += route && strcmp(route, "publish") == 0 &&
                     osp_json_get(j, "status")->valueint == 201;
        refused += osp_json_get_string(j, "error") != NULL;
        cJSON_Delete(j);
        lines++;
        line = nl + 1;
    }
    CHECK(lines > 20);
    CHECK_INT(published, 3); /* the sample, 4.0.0 once fsync worked again, 5.0.0 */
    CHECK(refused >= 8);
    free(text);
}

/* The plugin origin's own server refuses what no browser sends, with our
 * JSON errors and never the request's bytes, and still pipelines. */
static void plugin_origin_refuses_hostile_heads(void)
{
    static const struct raw_case cases[] = {
        {"no Host on HTTP/1.1", "GET /ext-ui/x HTTP/1.1\r\n\r\n", 400},
        {"two Host headers", "GET /ext-ui/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"encoded NUL", "GET /ext-ui/a%00<script> HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"encoded slash", "GET /ext-ui/demo.contacts%2fx/y HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"encoded dots", "GET /ext-ui/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"dot segments", "GET /ext-ui/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"backslash", "GET /ext-ui\\..\\x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"asterisk target", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"bare LF", "GET /ext-ui/x HTTP/1.1\nHost: x\n\n", 400},
        {"folded header", "GET /ext-ui/x HTTP/1.1\r\nHost: x\r\n evil: 1\r\n\r\n", 400},
        {"duplicate Content-Length",
         "GET /ext-ui/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
         400},
        {"malformed Content-Length",
         "GET /ext-ui/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nx", 400},
        {"Content-Length with Transfer-Encoding",
         "POST /ext-ui/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
         "chunked\r\n\r\n0\r\n\r\n",
         400},
        {"a body", "POST /ext-ui/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nevil!", 405},
        {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
    };
    check_raw_refusals(H.plugin_port, cases, sizeof cases / sizeof cases[0], 1);
    CHECK_INT(oversized_head(H.plugin_port, "/ext-ui/x"), 413);

    /* Two asset requests in one segment: two answers, in order; HTTP/1.0
     * without keep-alive is told the connection ends. */
    char two[600];
    int n = snprintf(two, sizeof two,
                 "GET /ext-ui/demo.contacts/%s/widget.js HTTP/1.1\r\nHost: x\r\n\r\n"
                 "HEAD /ext-ui/demo.contacts/%s/widget.html HTTP/1.0\r\n\r\n",
                 digest, digest);
    int status;
    char *reply = raw(H.plugin_port, two, (size_t)n, &status);
    CHECK_INT(status, 200);
    const char *second = strstr(reply + 1, "HTTP/1.1 200 OK\r\n");
    CHECK(second != NULL);
    CHECK(second && strstr(second, "Content-Type: text/html") != NULL &&
          strstr(second, "Connection: close\r\n") != NULL);
    CHECK(strstr(reply, "Content-Type: text/javascript") < second);
    free(reply);

    struct osp_client_response r = http("GET", H.app_url, "/metrics", NULL, NULL, 0);
    CHECK_CONTAINS(r.body, "osp_http_requests_total{route=\"other\",status=\"400\"}");
    CHECK_CONTAINS(r.body, "osp_refusals_total{code=\"too_big\"}");
    osp_client_response_clear(&r);
}

int main(void)
{
    start();
    if (!H.srv)
        return 1;
    RUN(publish_refusals_change_nothing);
    RUN(publish_is_idempotent);
    RUN(serves_assets_with_policy);
    RUN(installed_and_data_apis);
    RUN(version_and_owner_refusals_store_nothing);
    RUN(fsync_failure_fails_the_publish);
    RUN(large_assets_are_sent_whole);
    RUN(static_files_have_etags);
    RUN(corrupt_blob_never_served);
    RUN(plugin_origin_refuses_hostile_heads);
    access_log_is_json_lines();
    harness_stop(&H);
    free(bundle);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", H.data_dir, H.access_log);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
