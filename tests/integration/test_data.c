/* Server-authoritative data over real HTTP to a real osp serve with the
 * sample data: every way a hostile plugin or client might reach records it
 * should not (a forged or malformed plugin id, grants narrower than the
 * user's rights, a missing or wrong CSRF header, another tenant's cookie,
 * a cookie after logout or expiry, password guessing), each refused with
 * its exact status and code and with nothing changed; the session cookie's
 * attributes; and the audit trail of writes and refusals, readable by a
 * tenant admin only.  The matrix (matrix_over_http) runs every role x
 * plugin grant set x operation (read, create, update, delete, hidden
 * field, other owner's record, other tenant's record) against an oracle
 * restated from the schema: exact status and code, exactly the readable
 * fields in the output, no record changed by a refusal, and one audit
 * entry per refusal or write.  (test_server.c covers the first
 * plugin-header refusals on GET; this file goes through every operation.) */
#include "harness.h"
#include "fixtures.h"
#include "osp/auth.h"
#include "osp/db.h"
#include "osp/hash.h"
#include "osp/manifest.h"
#include "osp/kv.h"
#include "osp/records.h"
#include "osp/registry.h"
#include "osp/schema.h"
#include "osp/store.h"

#include <sys/stat.h>
#include <time.h>

static struct harness H;
static char db_path[200];

/* A signed-in user: the cookie pair, the CSRF token, and both as headers. */
struct sess {
    char cookie[200]; /* "osp_session=osps_…" */
    char token[OSP_SESSION_TOKEN_LEN + 1];
    char csrf[64];
    char headers[400]; /* Cookie + X-OSP-CSRF lines */
    char set_cookie[300];
};

static struct sess alice, bob, carol, dave, sam;

struct reply {
    int status;
    char code[64];
    cJSON *json;
};

/* One request; headers are whole lines; a JSON body adds its Content-Type. */
static struct reply call(const char *method, const char *path, const char *headers,
                         const char *json)
{
    char all[1024];
    snprintf(all, sizeof all, "%s%s", headers ? headers : "",
             json ? "Content-Type: application/json\r\n" : "");
    struct osp_client_response r = http(method, H.app_url, path, all, json, json ? strlen(json) : 0);
    struct reply out = {r.status, "", NULL};
    error_code(r.body, out.code, sizeof out.code);
    osp_json_parse(r.body, r.body_len, NULL, &out.json, NULL);
    osp_client_response_clear(&r);
    return out;
}

/* call() for the status and code only. */
static int try(const char *method, const char *path, const char *headers, const char *json,
               char code[64])
{
    struct reply r = call(method, path, headers, json);
    snprintf(code, 64, "%s", r.code);
    cJSON_Delete(r.json);
    return r.status;
}

#define CHECK_REFUSED(method, path, headers, json, status, want_code)                              \
    do {                                                                                           \
        char code_[64];                                                                            \
        CHECK_INT(try(method, path, headers, json, code_), status);                               \
        CHECK_STR(code_, want_code);                                                               \
    } while (0)

/* Signs in; extra: more header lines (a cookie the browser still holds). */
static int login_h(const char *tenant, const char *user, const char *password, const char *extra,
                   struct sess *s)
{
    char body[256], headers[600];
    memset(s, 0, sizeof *s);
    snprintf(body, sizeof body, "{\"tenant\":\"%s\",\"username\":\"%s\",\"password\":\"%s\"}",
             tenant, user, password);
    snprintf(headers, sizeof headers, "Content-Type: application/json\r\nX-OSP-CSRF: login\r\n%s",
             extra);
    struct osp_client_response r =
        http("POST", H.app_url, "/api/v1/session", headers, body, strlen(body));
    int status = r.status;
    if (osp_client_header(&r, "Set-Cookie", s->set_cookie, sizeof s->set_cookie)) {
        snprintf(s->cookie, sizeof s->cookie, "%.*s", (int)strcspn(s->set_cookie, ";"),
                 s->set_cookie);
        const char *eq = strchr(s->cookie, '=');
        snprintf(s->token, sizeof s->token, "%s", eq ? eq + 1 : "");
    }
    cJSON *j = NULL;
    if (osp_json_parse(r.body, r.body_len, NULL, &j, NULL) == 0 && osp_json_get_string(j, "csrf"))
        snprintf(s->csrf, sizeof s->csrf, "%s", osp_json_get_string(j, "csrf"));
    cJSON_Delete(j);
    osp_client_response_clear(&r);
    snprintf(s->headers, sizeof s->headers, "Cookie: %s\r\nX-OSP-CSRF: %s\r\n", s->cookie,
             s->csrf);
    return status;
}

static int login(const char *tenant, const char *user, const char *password, struct sess *s)
{
    return login_h(tenant, user, password, "", s);
}

/* s's headers plus one more line. */
static const char *with(const struct sess *s, const char *line, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s\r\n", s->headers, line);
    return buf;
}

/* A record as alice (admin, host app) sees it, as JSON text ("" if none). */
static void record_text(const char *object, const char *id, char *out, size_t cap)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/data/%s/%s", object, id);
    struct reply r = call("GET", path, alice.headers, NULL);
    char *text = r.status == 200 ? cJSON_PrintUnformatted(r.json) : NULL;
    snprintf(out, cap, "%s", text ? text : "");
    cJSON_free(text);
    cJSON_Delete(r.json);
}

/* How many records of object the tenant has, counted in the database, so
 * no check of the API depends on the API. */
static int64_t count_rows(const char *tenant, const char *object)
{
    struct osp_db *db = NULL;
    int64_t n = -1;
    if (osp_db_open(db_path, &db) == 0) {
        sqlite3_stmt *st;
        osp_db_lock(db);
        if (sqlite3_prepare_v2(osp_db_handle(db),
                               "SELECT count(*) FROM records WHERE tenant=? AND object=?", -1,
                               &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, object, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        osp_db_unlock(db);
    }
    osp_db_close(db);
    return n;
}

/* Runs one statement on the server's database from outside, as an
 * operator with sqlite3 would; ? is bound to text. */
static int db_change(const char *sql, const char *text)
{
    struct osp_db *db = NULL;
    int rc = osp_db_open(db_path, &db);
    if (rc == 0)
        rc = osp_db_change(db, sql, "t", text);
    osp_db_close(db);
    return rc;
}

/* Registers plugin id (requesting rpc) and installs it for tenant with
 * grants; no bundle is needed, the data API reads only the installation. */
static void install(const char *id, const char *rpc, const char *tenant, const char *grants)
{
    char manifest[1024], digest[OSP_SHA256_HEX_BYTES];
    snprintf(manifest, sizeof manifest,
             "{\"format\":1,\"id\":\"%s\",\"name\":\"%s\",\"version\":\"1.0.0\","
             "\"publisher\":\"acme\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
             "\"contributes\":{\"widgets\":[{\"id\":\"w\",\"title\":\"W\",\"entry\":\"w.html\"}]},"
             "\"permissions\":{\"rpc\":%s},"
             "\"files\":{\"w.html\":{\"sha256\":\"%s\",\"size\":1}}}",
             id, id, rpc,
             "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" /* "x" */);
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
    /* The manifest in the store too: changing grants through the admin
     * API reads what the plugin requested from there. */
    struct osp_store *store = NULL;
    char stored[OSP_SHA256_HEX_BYTES];
    CHECK_ERR(osp_store_open(H.data_dir, &store), 0);
    if (store)
        CHECK_ERR(osp_store_put(store, manifest, strlen(manifest), stored), 0);
    osp_store_close(store);
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(manifest, strlen(manifest), OSP_MANIFEST_SOURCE, &m, NULL), 0);
    struct osp_registry *reg = NULL;
    CHECK_ERR(osp_registry_open(db_path, &reg), 0);
    int created = 0;
    if (m && reg) {
        CHECK_ERR(osp_registry_version_add(reg, m, digest, "untrusted comment: test\n", "0", 1,
                                           &created),
                  0);
        CHECK_ERR(osp_registry_install(reg, tenant, id, digest, grants, 1), 0);
    }
    osp_registry_close(reg);
    osp_manifest_free(m);
}

static void setup(void)
{
    snprintf(H.data_dir, sizeof H.data_dir, "/tmp/osp-test-data-%d", (int)getpid());
    snprintf(db_path, sizeof db_path, "%s/registry.db", H.data_dir);
    /* The built-in schema plus a role "support" that may update contacts
     * but edit only their rating, and never read their email: field-level
     * rules the built-in roles do not exercise. */
    static char schema_path[200];
    snprintf(schema_path, sizeof schema_path, "%s.schema.json", H.data_dir);
    cJSON *schema = cJSON_Parse(osp_schema_default_json());
    cJSON_AddItemToObject(
        cJSON_GetObjectItemCaseSensitive(schema, "roles"), "support",
        cJSON_Parse("{\"contact\":{\"ops\":\"ru\",\"records\":\"all\",\"read\":[\"name\","
                    "\"company\",\"phone\",\"rating\"],\"edit\":[\"rating\"]},\"deal\":{"
                    "\"ops\":\"r\",\"records\":\"own\",\"read\":[\"title\",\"stage\"]}}"));
    char *text = cJSON_Print(schema);
    FILE *f = fopen(schema_path, "w");
    CHECK(f && text && fputs(text, f) >= 0);
    if (f)
        fclose(f);
    cJSON_free(text);
    cJSON_Delete(schema);
    H.schema = schema_path;
    CHECK_INT(harness_start(&H), 0);
    struct osp_registry *reg = NULL;
    CHECK_ERR(osp_registry_open(db_path, &reg), 0);
    struct osp_signer *s = fixture_signer(1);
    struct osp_pubkey pk;
    osp_signer_public(s, &pk);
    char token[OSP_TOKEN_LEN + 1];
    CHECK_ERR(osp_registry_publisher_add(reg, "acme", &pk, 0, 1, token), 0);
    osp_signer_free(s);
    osp_registry_close(reg);
    /* acme.crm asks for deals too, but consent granted only contacts. */
    install("acme.crm", "[\"data.read:contact\",\"data.write:contact\",\"data.read:deal\",\"storage\"]",
            "default", "[\"data.read:contact\",\"data.write:contact\",\"storage\"]");
    install("acme.globex", "[\"data.read:contact\"]", "globex", "[\"data.read:contact\"]");
    /* The matrix's plugins: reads only, reads and writes, writes only. */
    install("acme.reader", "[\"data.read:contact\",\"data.read:deal\",\"storage\"]", "default",
            "[\"data.read:contact\",\"data.read:deal\"]");
    install("acme.writer",
            "[\"data.read:contact\",\"data.read:deal\",\"data.write:contact\",\"data.write:deal\"]",
            "default",
            "[\"data.read:contact\",\"data.read:deal\",\"data.write:contact\",\"data.write:deal\"]");
    install("acme.blind", "[\"data.write:contact\",\"data.write:deal\"]", "default",
            "[\"data.write:contact\",\"data.write:deal\"]");
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(db_path, &db), 0);
    CHECK_ERR(osp_auth_user_add(db, "default", "sam", "osp-demo", "support", 1), 0);
    osp_db_close(db);
    CHECK_INT(login("default", "sam", "osp-demo", &sam), 200);
    CHECK_INT(login("default", "alice", "osp-demo", &alice), 200);
    CHECK_INT(login("default", "bob", "osp-demo", &bob), 200);
    CHECK_INT(login("default", "carol", "osp-demo", &carol), 200);
    CHECK_INT(login("globex", "dave", "osp-demo", &dave), 200);
}

/* ---- sessions ------------------------------------------------------------ */

static void cookie_is_strict_and_rotates(void)
{
    /* HttpOnly (no script reads it), SameSite=Strict (no cross-site request
     * carries it), Path=/, the absolute lifetime, and no Secure over plain
     * http (a browser would drop it). */
    CHECK_CONTAINS(alice.set_cookie, "osp_session=osps_");
    CHECK_CONTAINS(alice.set_cookie, "; HttpOnly");
    CHECK_CONTAINS(alice.set_cookie, "; SameSite=Strict");
    CHECK_CONTAINS(alice.set_cookie, "; Path=/");
    CHECK_CONTAINS(alice.set_cookie, "; Max-Age=43200");
    CHECK(strstr(alice.set_cookie, "Secure") == NULL);
    CHECK(strstr(alice.set_cookie, "Domain") == NULL); /* host-only */
    CHECK_INT(strlen(alice.token), OSP_SESSION_TOKEN_LEN);
    CHECK_INT(strlen(alice.csrf), OSP_CSRF_LEN);

    /* Each login is a new session with a new token and CSRF token. */
    struct sess again;
    CHECK_INT(login("default", "alice", "osp-demo", &again), 200);
    CHECK(strcmp(again.token, alice.token) != 0);
    CHECK(strcmp(again.csrf, alice.csrf) != 0);
    CHECK_INT(try("GET", "/api/v1/session", again.headers, NULL, (char[64]){0}), 200);
    CHECK_INT(try("GET", "/api/v1/session", alice.headers, NULL, (char[64]){0}), 200);

    /* A login without the custom header (what a cross-site form sends) is
     * refused before the password is even looked at, and sets no cookie. */
    const char *body = "{\"tenant\":\"default\",\"username\":\"alice\",\"password\":\"osp-demo\"}";
    struct osp_client_response r = http("POST", H.app_url, "/api/v1/session",
                                        "Content-Type: application/json\r\n", body, strlen(body));
    char h[300], code[64];
    CHECK_INT(r.status, 403);
    CHECK_STR(error_code(r.body, code, sizeof code), "forbidden");
    CHECK(osp_client_header(&r, "Set-Cookie", h, sizeof h) == NULL);
    osp_client_response_clear(&r);
    /* A token of the right shape but unknown. */
    CHECK_REFUSED("GET", "/api/v1/data/contact",
                  "Cookie: osp_session=osps_00000000000000000000000000000000000000000000000000"
                  "00000000000000\r\n",
                  NULL, 401, "unauthorized");
}

static void logout_then_replay(void)
{
    struct sess s;
    CHECK_INT(login("default", "bob", "osp-demo", &s), 200);
    char cookie_only[300];
    snprintf(cookie_only, sizeof cookie_only, "Cookie: %s\r\n", s.cookie);
    /* Logging out is state-changing too: without the CSRF header a
     * cross-site page cannot end a victim's session either. */
    CHECK_REFUSED("DELETE", "/api/v1/session", cookie_only, NULL, 403, "forbidden");
    CHECK_INT(try("GET", "/api/v1/session", s.headers, NULL, (char[64]){0}), 200);

    struct osp_client_response r = http("DELETE", H.app_url, "/api/v1/session", s.headers, NULL, 0);
    char h[300];
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(osp_client_header(&r, "Set-Cookie", h, sizeof h), "Max-Age=0");
    osp_client_response_clear(&r);

    /* The browser forgot the cookie; an attacker who copied it replays it. */
    int64_t contacts = count_rows("default", "contact");
    CHECK_REFUSED("GET", "/api/v1/session", s.headers, NULL, 401, "unauthorized");
    CHECK_REFUSED("GET", "/api/v1/data/contact", s.headers, NULL, 401, "unauthorized");
    CHECK_REFUSED("POST", "/api/v1/data/contact", s.headers, "{\"values\":{\"name\":\"Replay\"}}",
                  401, "unauthorized");
    CHECK_REFUSED("DELETE", "/api/v1/session", s.headers, NULL, 401, "unauthorized");
    CHECK_INT(count_rows("default", "contact"), contacts);
}

static void expired_sessions_refused(void)
{
    struct sess s1, s2, s3;
    CHECK_INT(login("default", "carol", "osp-demo", &s1), 200);
    CHECK_INT(login("default", "carol", "osp-demo", &s2), 200);
    CHECK_INT(login("default", "carol", "osp-demo", &s3), 200);
    char h1[OSP_SHA256_HEX_BYTES], h2[OSP_SHA256_HEX_BYTES], h3[OSP_SHA256_HEX_BYTES];
    osp_hash_sha256_hex(s1.token, strlen(s1.token), h1);
    osp_hash_sha256_hex(s2.token, strlen(s2.token), h2);
    osp_hash_sha256_hex(s3.token, strlen(s3.token), h3);
    long long now = (long long)time(NULL);
    char sql[200];
    /* Past its absolute expiry (12 h after login), moved there in the
     * database instead of waiting. */
    snprintf(sql, sizeof sql, "UPDATE sessions SET expires_at=%lld WHERE token_hash=?", now - 1);
    CHECK_ERR(db_change(sql, h1), 0);
    CHECK_REFUSED("GET", "/api/v1/data/contact", s1.headers, NULL, 401, "unauthorized");
    /* …and forgotten: the row is gone. */
    CHECK_ERR(db_change("DELETE FROM sessions WHERE token_hash=?", h1), OSP_E_NOT_FOUND);
    /* Idle for the whole idle timeout (30 min). */
    snprintf(sql, sizeof sql, "UPDATE sessions SET last_seen=%lld WHERE token_hash=?",
             now - OSP_SESSION_IDLE_S - 1);
    CHECK_ERR(db_change(sql, h2), 0);
    CHECK_REFUSED("GET", "/api/v1/session", s2.headers, NULL, 401, "unauthorized");
    /* Just inside both limits: still good (so the refusals above are about
     * time, not about the row having been touched). */
    snprintf(sql, sizeof sql,
             "UPDATE sessions SET expires_at=%lld, last_seen=%lld WHERE token_hash=?", now + 30,
             now - OSP_SESSION_IDLE_S + 100);
    CHECK_ERR(db_change(sql, h3), 0);
    CHECK_INT(try("GET", "/api/v1/data/contact", s3.headers, NULL, (char[64]){0}), 200);
}

/* ---- plugins ----------------------------------------------------------------- */

static void forged_plugin_ids(void)
{
    char h[600], before[1024], after[1024];
    int64_t contacts = count_rows("default", "contact");
    record_text("contact", "c1", before, sizeof before);
    CHECK(before[0] != '\0');
    /* Well-formed ids of plugins the tenant has not installed: one that
     * does not exist, one installed only for another tenant. */
    static const char *const forged[] = {"X-OSP-Plugin: evil.plugin",
                                         "X-OSP-Plugin: acme.globex"};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        with(&alice, forged[i], h, sizeof h);
        CHECK_REFUSED("GET", "/api/v1/data/contact/c1", h, NULL, 403, "permission_denied");
        CHECK_REFUSED("POST", "/api/v1/data/contact/query", h, "{}", 403, "permission_denied");
        CHECK_REFUSED("POST", "/api/v1/data/contact", h, "{\"values\":{\"name\":\"Forged\"}}", 403,
                      "permission_denied");
        CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", h, "{\"values\":{\"rating\":0}}", 403,
                      "permission_denied");
        CHECK_REFUSED("DELETE", "/api/v1/data/contact/c1", h, NULL, 403, "permission_denied");
        CHECK_REFUSED("PUT", "/api/v1/storage/k", h, "{\"value\":1}", 403, "permission_denied");
    }
    /* A disabled installation grants nothing either. */
    struct osp_registry *reg = NULL;
    CHECK_ERR(osp_registry_open(db_path, &reg), 0);
    CHECK_ERR(osp_registry_set_enabled(reg, "default", "acme.crm", 0), 0);
    CHECK_REFUSED("GET", "/api/v1/data/contact/c1", with(&alice, "X-OSP-Plugin: acme.crm", h, sizeof h),
                  NULL, 403, "permission_denied");
    CHECK_ERR(osp_registry_set_enabled(reg, "default", "acme.crm", 1), 0);
    osp_registry_close(reg);
    CHECK_INT(try("GET", "/api/v1/data/contact/c1", h, NULL, (char[64]){0}), 200);

    /* Malformed ids are a bad request, before anything is looked up. */
    static const char *const malformed[] = {
        "X-OSP-Plugin: Evil.Plugin", "X-OSP-Plugin: ../acme.crm", "X-OSP-Plugin: acme crm",
        "X-OSP-Plugin: a",           "X-OSP-Plugin: acme.crm;x",  "X-OSP-Plugin: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        with(&alice, malformed[i], h, sizeof h);
        CHECK_REFUSED("GET", "/api/v1/data/contact", h, NULL, 400, "bad_request");
        CHECK_REFUSED("POST", "/api/v1/data/contact", h, "{\"values\":{\"name\":\"Forged\"}}", 400,
                      "bad_request");
        CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", h, "{\"values\":{\"rating\":0}}", 400,
                      "bad_request");
    }
    CHECK_INT(count_rows("default", "contact"), contacts);
    record_text("contact", "c1", after, sizeof after);
    CHECK_STR(after, before);
}

static void grants_narrow_user_rights(void)
{
    char h[600], before[1024], after[1024], code[64];
    /* alice is an admin: as the host app she reads and writes deals. */
    CHECK_INT(try("GET", "/api/v1/data/deal/d1", alice.headers, NULL, code), 200);
    record_text("deal", "d1", before, sizeof before);
    int64_t deals = count_rows("default", "deal");
    /* Through acme.crm, which was granted contacts only, she cannot. */
    with(&alice, "X-OSP-Plugin: acme.crm", h, sizeof h);
    CHECK_INT(try("GET", "/api/v1/data/contact/c1", h, NULL, code), 200); /* its grant works */
    CHECK_REFUSED("GET", "/api/v1/data/deal", h, NULL, 403, "permission_denied");
    CHECK_REFUSED("GET", "/api/v1/data/deal/d1", h, NULL, 403, "permission_denied");
    CHECK_REFUSED("POST", "/api/v1/data/deal/query", h, "{\"filter\":{\"stage\":\"won\"}}", 403,
                  "permission_denied");
    CHECK_REFUSED("POST", "/api/v1/data/deal", h,
                  "{\"values\":{\"title\":\"Via plugin\",\"stage\":\"lead\"}}", 403,
                  "permission_denied");
    CHECK_REFUSED("PATCH", "/api/v1/data/deal/d1", h, "{\"values\":{\"amount\":1}}", 403,
                  "permission_denied");
    CHECK_REFUSED("DELETE", "/api/v1/data/deal/d1", h, NULL, 403, "permission_denied");
    CHECK_INT(count_rows("default", "deal"), deals);
    record_text("deal", "d1", after, sizeof after);
    CHECK_STR(after, before);

    /* The other way round: acme.crm may write contacts, but bob (sales)
     * may not delete them and carol (viewer) may not write at all.  A
     * plugin's grants never add to the user's rights. */
    record_text("contact", "c2", before, sizeof before);
    CHECK_REFUSED("DELETE", "/api/v1/data/contact/c2", with(&bob, "X-OSP-Plugin: acme.crm", h, sizeof h),
                  NULL, 403, "permission_denied");
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c2",
                  with(&carol, "X-OSP-Plugin: acme.crm", h, sizeof h), "{\"values\":{\"rating\":1}}",
                  403, "permission_denied");
    /* Nor does it widen fields: the viewer's plugin sees no email. */
    struct reply r = call("GET", "/api/v1/data/contact/c2", h, NULL);
    CHECK_INT(r.status, 200);
    CHECK(osp_json_get(r.json, "name") != NULL);
    CHECK(osp_json_get(r.json, "email") == NULL);
    cJSON_Delete(r.json);
    record_text("contact", "c2", after, sizeof after);
    CHECK_STR(after, before);
}

static void csrf_guards_every_write(void)
{
    char h[600], cookie_only[300], before[1024], after[1024], code[64];
    snprintf(cookie_only, sizeof cookie_only, "Cookie: %s\r\n", bob.cookie);
    int64_t contacts = count_rows("default", "contact");
    record_text("contact", "c2", before, sizeof before);
    /* Missing, wrong, and another session's token (alice's). */
    const char *variants[3];
    char wrong[400], others[400];
    snprintf(wrong, sizeof wrong, "%sX-OSP-CSRF: 00000000000000000000000000000000\r\n", cookie_only);
    snprintf(others, sizeof others, "%sX-OSP-CSRF: %s\r\n", cookie_only, alice.csrf);
    variants[0] = cookie_only;
    variants[1] = wrong;
    variants[2] = others;
    for (int i = 0; i < 3; i++) {
        CHECK_REFUSED("POST", "/api/v1/data/contact", variants[i],
                      "{\"values\":{\"name\":\"Cross-site\"}}", 403, "forbidden");
        CHECK_REFUSED("PATCH", "/api/v1/data/contact/c2", variants[i],
                      "{\"values\":{\"rating\":0}}", 403, "forbidden");
        CHECK_REFUSED("DELETE", "/api/v1/data/deal/d1", variants[i], NULL, 403, "forbidden");
        snprintf(h, sizeof h, "%sX-OSP-Plugin: acme.crm\r\n", variants[i]);
        CHECK_REFUSED("PUT", "/api/v1/storage/theme", h, "{\"value\":\"dark\"}", 403, "forbidden");
        /* Even a query, which reads, is a POST: it needs the header too. */
        CHECK_REFUSED("POST", "/api/v1/data/contact/query", variants[i], "{}", 403, "forbidden");
    }
    CHECK_INT(count_rows("default", "contact"), contacts);
    record_text("contact", "c2", after, sizeof after);
    CHECK_STR(after, before);
    char d1[1024];
    record_text("deal", "d1", d1, sizeof d1);
    CHECK(d1[0] != '\0');
    /* Reads need no CSRF token; the right token lets the write through. */
    CHECK_INT(try("GET", "/api/v1/data/contact/c2", cookie_only, NULL, code), 200);
    snprintf(h, sizeof h, "%sX-OSP-Plugin: acme.crm\r\n", bob.headers);
    CHECK_INT(try("PUT", "/api/v1/storage/theme", h, "{\"value\":\"dark\"}", code), 200);
}

static void tenants_are_isolated(void)
{
    char before[1024], after[1024], h[600];
    record_text("contact", "c1", before, sizeof before);
    int64_t default_contacts = count_rows("default", "contact");
    /* dave administers globex: default's ids do not exist for him. */
    CHECK_REFUSED("GET", "/api/v1/data/contact/c1", dave.headers, NULL, 404, "not_found");
    CHECK_REFUSED("GET", "/api/v1/data/deal/d1", dave.headers, NULL, 404, "not_found");
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", dave.headers, "{\"values\":{\"rating\":0}}",
                  404, "not_found");
    CHECK_REFUSED("DELETE", "/api/v1/data/contact/c1", dave.headers, NULL, 404, "not_found");
    /* Queries return globex's records only, whatever the filter. */
    struct reply r = call("POST", "/api/v1/data/contact/query", dave.headers, "{\"limit\":100}");
    CHECK_INT(r.status, 200);
    const cJSON *rec;
    int n = 0;
    cJSON_ArrayForEach(rec, osp_json_get(r.json, "records"))
    {
        CHECK_STR(osp_json_get_string(rec, "id"), "g1");
        n++;
    }
    CHECK_INT(n, 1);
    CHECK_INT(osp_json_get(r.json, "total")->valueint, 1);
    cJSON_Delete(r.json);
    r = call("POST", "/api/v1/data/contact/query", dave.headers,
             "{\"filter\":{\"name\":\"Ada Lovelace\"}}");
    CHECK_INT(r.status, 200);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(r.json, "records")), 0);
    cJSON_Delete(r.json);
    /* What he creates lands in globex and is invisible from default. */
    r = call("POST", "/api/v1/data/contact", dave.headers, "{\"values\":{\"name\":\"Globex only\"}}");
    CHECK_INT(r.status, 201);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/data/contact/%s", osp_json_get_string(r.json, "id"));
    cJSON_Delete(r.json);
    CHECK_REFUSED("GET", path, alice.headers, NULL, 404, "not_found");
    CHECK_INT(count_rows("default", "contact"), default_contacts);
    /* A plugin installed for default gives him nothing in either tenant. */
    CHECK_REFUSED("GET", "/api/v1/data/contact/g1", with(&dave, "X-OSP-Plugin: acme.crm", h, sizeof h),
                  NULL, 403, "permission_denied");
    record_text("contact", "c1", after, sizeof after);
    CHECK_STR(after, before);
}

/* ---- audit -------------------------------------------------------------------- */

static const cJSON *find_entry(const cJSON *entries, const char *action, const char *record,
                               const char *outcome)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        if (strcmp(osp_json_get_string(e, "action"), action) == 0 &&
            strcmp(osp_json_get_string(e, "record"), record) == 0 &&
            strcmp(osp_json_get_string(e, "outcome"), outcome) == 0)
            return e;
    }
    return NULL;
}

static void audit_trail_for_admins_only(void)
{
    char h[600], code[64];
    with(&bob, "X-OSP-Plugin: acme.crm", h, sizeof h);
    CHECK_INT(try("PATCH", "/api/v1/data/contact/c2", h, "{\"values\":{\"rating\":1}}", code), 200);
    CHECK_REFUSED("GET", "/api/v1/data/deal/d1", h, NULL, 403, "permission_denied");

    struct reply r = call("GET", "/api/v1/audit?actor=bob&plugin=acme.crm&limit=500", alice.headers,
                          NULL);
    CHECK_INT(r.status, 200);
    const cJSON *entries = osp_json_get(r.json, "entries");
    const cJSON *w = find_entry(entries, "data.update", "c2", "allowed");
    CHECK(w != NULL);
    if (w) {
        CHECK_STR(osp_json_get_string(w, "tenant"), "default");
        CHECK_STR(osp_json_get_string(w, "actor"), "bob");
        CHECK_STR(osp_json_get_string(w, "plugin"), "acme.crm");
        CHECK_STR(osp_json_get_string(w, "object"), "contact");
        const cJSON *d = osp_json_get(w, "detail");
        char *fields = cJSON_PrintUnformatted(osp_json_get(d, "fields"));
        CHECK_STR(fields, "[\"rating\"]");
        cJSON_free(fields);
        CHECK_INT(osp_json_get(osp_json_get(d, "before"), "rating")->valueint, 4);
        CHECK_INT(osp_json_get(osp_json_get(d, "after"), "rating")->valueint, 1);
        CHECK(cJSON_IsNumber(osp_json_get(w, "ts")));
    }
    const cJSON *denied = find_entry(entries, "data.read", "d1", "denied");
    CHECK(denied != NULL);
    if (denied) {
        CHECK_STR(osp_json_get_string(denied, "object"), "deal");
        CHECK_STR(osp_json_get_string(denied, "code"), "permission_denied");
        CHECK_CONTAINS(osp_json_get_string(osp_json_get(denied, "detail"), "reason"),
                       "acme.crm may not read deal");
    }
    /* Every entry matches the filter, and alice's earlier refusals through
     * forged ids are there too, under her name. */
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        CHECK_STR(osp_json_get_string(e, "actor"), "bob");
        CHECK_STR(osp_json_get_string(e, "plugin"), "acme.crm");
    }
    cJSON_Delete(r.json);
    r = call("GET", "/api/v1/audit?plugin=evil.plugin", alice.headers, NULL);
    CHECK_INT(r.status, 200);
    CHECK(find_entry(osp_json_get(r.json, "entries"), "data.update", "c1", "denied") != NULL);
    cJSON_Delete(r.json);

    /* Sales and viewers may not read the log; nobody signed out may. */
    CHECK_REFUSED("GET", "/api/v1/audit", bob.headers, NULL, 403, "forbidden");
    CHECK_REFUSED("GET", "/api/v1/audit", carol.headers, NULL, 403, "forbidden");
    CHECK_REFUSED("GET", "/api/v1/audit", NULL, NULL, 401, "unauthorized");
    /* Another tenant's admin sees only his tenant, whatever he asks for. */
    r = call("GET", "/api/v1/audit?tenant=default&limit=500", dave.headers, NULL);
    CHECK_INT(r.status, 200);
    int n = 0;
    cJSON_ArrayForEach(e, osp_json_get(r.json, "entries"))
    {
        CHECK_STR(osp_json_get_string(e, "tenant"), "globex");
        n++;
    }
    CHECK(n >= 1); /* his own create */
    cJSON_Delete(r.json);
}

/* ---- the matrix: role x plugin grant x operation ------------------------------ */

/* What each role may do, restated from the schema this server runs (the
 * built-in one plus "support", written in setup): the oracle the server is
 * checked against.  Fields are space-separated, "*" is all of them. */
struct rule {
    const char *ops;
    int own;
    const char *read, *edit;
};
static const struct {
    const char *role;
    struct rule contact, deal;
} roles[] = {
    {"admin", {"crud", 0, "*", "*"}, {"crud", 0, "*", "*"}},
    {"sales", {"cru", 0, "*", "name email company phone rating"}, {"crud", 1, "*", "*"}},
    {"viewer", {"r", 0, "name company rating", ""}, {"r", 0, "title stage", ""}},
    {"support", {"ru", 0, "name company phone rating", "rating"}, {"r", 1, "title stage", ""}},
};

/* How the caller comes: as the host app, or as a plugin with these grants
 * for tenant default (NULL: not installed there). */
static const struct {
    const char *plugin;
    const char *grants;
} callers[] = {
    {NULL, NULL},
    {"acme.reader", "data.read:contact data.read:deal"},
    {"acme.writer", "data.read:contact data.read:deal data.write:contact data.write:deal"},
    {"acme.blind", "data.write:contact data.write:deal"},
    {"acme.absent", NULL},
};

static const char *const CONTACT_FIELDS = "name email company phone rating";
static const char *const DEAL_FIELDS = "title amount stage contact";

static int word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && strncmp(p, word, n) == 0)
            return 1;
        p += k;
        p += *p == ' ';
    }
    return 0;
}

static const struct rule *rule_of(int role, const char *object)
{
    return strcmp(object, "contact") == 0 ? &roles[role].contact : &roles[role].deal;
}

static int granted(int as, const char *object, char op)
{
    char perm[64];
    if (!callers[as].plugin)
        return 1;
    snprintf(perm, sizeof perm, "data.%s:%s", op == 'r' ? "read" : "write", object);
    return callers[as].grants && word_in(callers[as].grants, perm);
}

static int may(int role, int as, const char *object, char op)
{
    return strchr(rule_of(role, object)->ops, op) && granted(as, object, op);
}

static int field_ok(int role, int as, const char *object, const char *field, int edit)
{
    const struct rule *r = rule_of(role, object);
    const char *list = edit ? r->edit : r->read;
    int in = strcmp(list, "*") == 0 || word_in(list, field);
    return in && (edit ? granted(as, object, 'w') : may(role, as, object, 'r'));
}

/* The keys a caller must see of a record: id, owner and exactly the
 * readable fields it has. */
static int keys_exact(const cJSON *rec, int role, int as, const char *object)
{
    const char *fields = strcmp(object, "contact") == 0 ? CONTACT_FIELDS : DEAL_FIELDS;
    int ok = osp_json_get(rec, "id") && osp_json_get(rec, "owner");
    for (const cJSON *k = rec ? rec->child : NULL; k; k = k->next)
        if (strcmp(k->string, "id") != 0 && strcmp(k->string, "owner") != 0 &&
            (!word_in(fields, k->string) || !field_ok(role, as, object, k->string, 0)))
            ok = 0; /* a field it may not read */
    return ok;
}

/* Every record of every tenant, as text: "nothing changed" is this string
 * being equal before and after. */
static int concat_row(sqlite3_stmt *st, void *ctx)
{
    *(char **)ctx = osp_db_dup(st, 0);
    return 1;
}

/* One connection of the test's own for the many looks the matrix takes
 * (WAL: it reads beside the server's). */
static struct osp_db *test_db(void)
{
    static struct osp_db *db;
    if (!db && osp_db_open(db_path, &db) != 0)
        db = NULL;
    return db;
}

static char *records_snapshot(void)
{
    struct osp_db *db = test_db();
    char *out = NULL;
    if (db)
        osp_db_rows(db,
                    "SELECT coalesce(group_concat(r, char(10)), '') FROM (SELECT tenant || '/' || "
                    "object || '/' || id || '/' || owner || '/' || data AS r FROM records ORDER "
                    "BY tenant, object, id)",
                    concat_row, &out, "");
    return out ? out : strdup("?");
}

/* The newest audit entry: its id, action, record and outcome. */
struct last_audit {
    int64_t id;
    char action[40], record[80], outcome[16], code[40], actor[80], plugin[80];
};

static int audit_row(sqlite3_stmt *st, void *ctx)
{
    struct last_audit *a = ctx;
    a->id = sqlite3_column_int64(st, 0);
    osp_db_copy(a->action, sizeof a->action, st, 1);
    osp_db_copy(a->record, sizeof a->record, st, 2);
    osp_db_copy(a->outcome, sizeof a->outcome, st, 3);
    osp_db_copy(a->code, sizeof a->code, st, 4);
    osp_db_copy(a->actor, sizeof a->actor, st, 5);
    osp_db_copy(a->plugin, sizeof a->plugin, st, 6);
    return 1;
}

static struct last_audit last_audit(void)
{
    struct last_audit a = {0};
    struct osp_db *db = test_db();
    if (db)
        osp_db_rows(db,
                    "SELECT id, action, record, outcome, code, actor, plugin FROM audit ORDER BY "
                    "id DESC LIMIT 1",
                    audit_row, &a, "");
    return a;
}

static void seed(const char *tenant, const char *object, const char *id, const char *owner,
                 const char *data)
{
    CHECK_ERR(osp_records_seed(test_db(), tenant, object, id, owner, data), 0);
}

static struct sess *const matrix_users[4] = {&alice, &bob, &carol, &sam};
static const char *const matrix_names[4] = {"alice", "bob", "carol", "sam"};

/* One operation of the matrix. */
enum mop { M_QUERY, M_GET, M_FILTER, M_SORT, M_CREATE, M_UPDATE, M_DELETE };
struct mcase {
    const char *what;
    enum mop op;
    const char *object, *id; /* id "*" : a fresh record seeded for the case */
    const char *owner;       /* the record's owner ("me": the caller) */
    const char *tenant;
    const char *field; /* written, filtered or sorted on */
    const char *body;
};

static const struct mcase mcases[] = {
    {"query contacts", M_QUERY, "contact", NULL, NULL, "default", NULL, "{\"limit\":100}"},
    {"query deals", M_QUERY, "deal", NULL, NULL, "default", NULL, "{\"limit\":100}"},
    {"get a contact", M_GET, "contact", "mc1", "bob", "default", NULL, NULL},
    {"get another owner's contact", M_GET, "contact", "mc2", "alice", "default", NULL, NULL},
    {"get one's own deal", M_GET, "deal", "md1", "bob", "default", NULL, NULL},
    {"get another owner's deal", M_GET, "deal", "md2", "alice", "default", NULL, NULL},
    {"get another tenant's contact", M_GET, "contact", "mg1", "dave", "globex", NULL, NULL},
    {"filter on a hidden field", M_FILTER, "contact", NULL, NULL, "default", "email",
     "{\"filter\":{\"email\":\"m1@example.com\"}}"},
    {"sort on a hidden field", M_SORT, "contact", NULL, NULL, "default", "phone",
     "{\"sort\":\"-phone\",\"limit\":100}"},
    {"filter on a visible field", M_FILTER, "contact", NULL, NULL, "default", "name",
     "{\"filter\":{\"name\":\"Matrix One\"}}"},
    {"create a contact", M_CREATE, "contact", NULL, NULL, "default", "name rating",
     "{\"values\":{\"name\":\"Matrix new\",\"rating\":1}}"},
    {"create a deal", M_CREATE, "deal", NULL, NULL, "default", "title stage",
     "{\"values\":{\"title\":\"Matrix deal\",\"stage\":\"lead\"}}"},
    {"update an editable field", M_UPDATE, "contact", "mc1", "bob", "default", "rating",
     "{\"values\":{\"rating\":2}}"},
    {"update a field the role may not edit", M_UPDATE, "contact", "mc1", "bob", "default",
     "email", "{\"values\":{\"email\":\"m1@example.com\"}}"},
    {"update another owner's deal", M_UPDATE, "deal", "md2", "alice", "default", "stage",
     "{\"values\":{\"stage\":\"won\"}}"},
    {"update another tenant's contact", M_UPDATE, "contact", "mg1", "dave", "globex", "rating",
     "{\"values\":{\"rating\":1}}"},
    {"delete a contact", M_DELETE, "contact", "*", "bob", "default", NULL, NULL},
    {"delete one's own deal", M_DELETE, "deal", "*", "me", "default", NULL, NULL},
    {"delete another owner's deal", M_DELETE, "deal", "*", "alice", "default", NULL, NULL},
    {"delete another tenant's contact", M_DELETE, "contact", "mg1", "dave", "globex", NULL,
     NULL},
};

/* The status the oracle expects, or 0 for 200/201. */
static int expected(int role, int as, const struct mcase *c, const char **code)
{
    char op = c->op == M_CREATE   ? 'c'
              : c->op == M_UPDATE ? 'u'
              : c->op == M_DELETE ? 'd'
                                  : 'r';
    const char *me = matrix_names[role];
    *code = "permission_denied";
    if (!may(role, as, c->object, op))
        return 403;
    if ((c->op == M_FILTER || c->op == M_SORT) && !field_ok(role, as, c->object, c->field, 0))
        return 403;
    if (c->id) {
        const char *owner = strcmp(c->owner, "me") == 0 ? me : c->owner;
        if (strcmp(c->tenant, "default") != 0 ||
            (rule_of(role, c->object)->own && strcmp(owner, me) != 0)) {
            *code = "not_found";
            return 404;
        }
    }
    if (c->op == M_UPDATE || c->op == M_CREATE) {
        char f[64];
        for (const char *p = c->field; *p;) {
            size_t k = strcspn(p, " ");
            snprintf(f, sizeof f, "%.*s", (int)k, p);
            if (!field_ok(role, as, c->object, f, 1))
                return 403;
            p += k;
            p += *p == ' ';
        }
    }
    *code = "";
    return 0;
}

static void matrix_over_http(void)
{
    seed("default", "contact", "mc1", "bob",
         "{\"name\":\"Matrix One\",\"email\":\"m1@example.com\",\"company\":\"M Co\","
         "\"phone\":\"+1 555 0001\",\"rating\":2}");
    seed("default", "contact", "mc2", "alice",
         "{\"name\":\"Matrix Two\",\"email\":\"m2@example.com\",\"company\":\"M Co\","
         "\"phone\":\"+1 555 0002\",\"rating\":3}");
    seed("default", "deal", "md1", "bob",
         "{\"title\":\"Matrix bob\",\"amount\":10,\"stage\":\"lead\",\"contact\":\"mc1\"}");
    seed("default", "deal", "md2", "alice",
         "{\"title\":\"Matrix alice\",\"amount\":20,\"stage\":\"won\",\"contact\":\"mc2\"}");
    seed("globex", "contact", "mg1", "dave", "{\"name\":\"Matrix Globex\",\"rating\":1}");
    int cases = 0, allowed = 0;
    for (int role = 0; role < 4; role++) {
        for (int as = 0; as < (int)(sizeof callers / sizeof callers[0]); as++) {
            for (size_t k = 0; k < sizeof mcases / sizeof mcases[0]; k++) {
                const struct mcase *c = &mcases[k];
                const struct sess *u = matrix_users[role];
                char headers[600], path[160], id[40];
                snprintf(headers, sizeof headers, "%s", u->headers);
                if (callers[as].plugin)
                    snprintf(headers, sizeof headers, "%sX-OSP-Plugin: %s\r\n", u->headers,
                             callers[as].plugin);
                snprintf(id, sizeof id, "%s", c->id ? c->id : "");
                if (c->id && strcmp(c->id, "*") == 0) {
                    const char *owner =
                        strcmp(c->owner, "me") == 0 ? matrix_names[role] : c->owner;
                    snprintf(id, sizeof id, "mx%d-%d-%zu", role, as, k);
                    seed("default", c->object, id, owner,
                         strcmp(c->object, "deal") == 0
                             ? "{\"title\":\"Scratch\",\"stage\":\"lead\"}"
                             : "{\"name\":\"Scratch\"}");
                }
                const char *method = c->op == M_GET      ? "GET"
                                     : c->op == M_UPDATE ? "PATCH"
                                     : c->op == M_DELETE ? "DELETE"
                                                         : "POST";
                if (c->op == M_QUERY || c->op == M_FILTER || c->op == M_SORT)
                    snprintf(path, sizeof path, "/api/v1/data/%s/query", c->object);
                else if (c->op == M_CREATE)
                    snprintf(path, sizeof path, "/api/v1/data/%s", c->object);
                else
                    snprintf(path, sizeof path, "/api/v1/data/%s/%s", c->object, id);
                const char *want_code;
                int want = expected(role, as, c, &want_code);
                char *before = records_snapshot();
                struct last_audit a0 = last_audit();
                struct reply r = call(method, path, headers, c->body);
                struct last_audit a1 = last_audit();
                char *after = records_snapshot();
                int ok = 1;
                cases++;
                if (want) {
                    /* Refused: the exact status and code, nothing changed,
                     * and one audit entry saying so. */
                    ok = r.status == want && strcmp(r.code, want_code) == 0 &&
                         strcmp(before, after) == 0 && a1.id == a0.id + 1 &&
                         strcmp(a1.outcome, "denied") == 0 && strcmp(a1.code, want_code) == 0 &&
                         strcmp(a1.actor, matrix_names[role]) == 0 &&
                         strcmp(a1.plugin, callers[as].plugin ? callers[as].plugin : "") == 0;
                } else {
                    allowed++;
                    int write = c->op == M_CREATE || c->op == M_UPDATE || c->op == M_DELETE;
                    ok = r.status == (c->op == M_CREATE ? 201 : 200) &&
                         /* reads leave no trace; each write exactly one */
                         a1.id == a0.id + write &&
                         (!write || strcmp(a1.outcome, "allowed") == 0);
                    if (c->op == M_GET || c->op == M_CREATE || c->op == M_UPDATE)
                        ok = ok && keys_exact(r.json, role, as, c->object);
                    if (c->op == M_QUERY || c->op == M_FILTER || c->op == M_SORT) {
                        const cJSON *rec;
                        int n = 0, saw_mc1 = 0;
                        cJSON_ArrayForEach(rec, osp_json_get(r.json, "records"))
                        {
                            const char *rid = osp_json_get_string(rec, "id");
                            const char *owner = osp_json_get_string(rec, "owner");
                            n++;
                            saw_mc1 |= rid && strcmp(rid, "mc1") == 0;
                            ok = ok && keys_exact(rec, role, as, c->object) && rid &&
                                 rid[0] != 'g' && strcmp(rid, "mg1") != 0 && owner &&
                                 (!rule_of(role, c->object)->own ||
                                  strcmp(owner, matrix_names[role]) == 0);
                        }
                        if (c->op == M_FILTER)
                            ok = ok && n == 1 && saw_mc1;
                        if (strcmp(c->object, "contact") == 0 && c->op != M_FILTER)
                            ok = ok && saw_mc1;
                    }
                    if (c->op == M_DELETE) {
                        char t[16];
                        record_text(c->object, id, t, sizeof t);
                        ok = ok && t[0] == '\0';
                    }
                }
                if (!ok) {
                    char *got = r.json ? cJSON_PrintUnformatted(r.json) : NULL;
                    fprintf(stderr,
                            "matrix: %s (%s) via %s, %s: got %d %s (audit %lld->%lld %s %s), "
                            "want %d %s; changed: %s; body %.300s\n",
                            matrix_names[role], roles[role].role,
                            callers[as].plugin ? callers[as].plugin : "host app", c->what,
                            r.status, r.code, (long long)a0.id, (long long)a1.id, a1.outcome,
                            a1.code, want ? want : (c->op == M_CREATE ? 201 : 200), want_code,
                            strcmp(before, after) ? "yes" : "no", got ? got : "");
                    cJSON_free(got);
                }
                CHECK(ok);
                free(before);
                free(after);
                cJSON_Delete(r.json);
            }
        }
    }
    /* The matrix is not vacuous either way. */
    CHECK_INT(cases, 4 * 5 * (int)(sizeof mcases / sizeof mcases[0]));
    CHECK(allowed > 40 && allowed < cases - 100);
    fprintf(stderr, "matrix: %d cases, %d allowed, %d refused\n", cases, allowed, cases - allowed);
}

/* ---- sessions, continued ------------------------------------------------------- */

static void login_rotates_the_session_id(void)
{
    /* A browser that still holds a session id when someone signs in (one
     * planted by an attacker, or the last user's) gets a new id, and the
     * old one stops working at once. */
    struct sess before, after, other;
    CHECK_INT(login("default", "carol", "osp-demo", &before), 200);
    CHECK_INT(login("default", "bob", "osp-demo", &other), 200);
    char extra[300];
    snprintf(extra, sizeof extra, "Cookie: %s\r\n", before.cookie);
    CHECK_INT(login_h("default", "carol", "osp-demo", extra, &after), 200);
    CHECK(strcmp(after.token, before.token) != 0);
    CHECK(strcmp(after.csrf, before.csrf) != 0);
    CHECK_REFUSED("GET", "/api/v1/session", before.headers, NULL, 401, "unauthorized");
    CHECK_INT(try("GET", "/api/v1/session", after.headers, NULL, (char[64]){0}), 200);
    /* Whoever the old id belonged to: bob's ends when carol signs in on
     * his browser. */
    snprintf(extra, sizeof extra, "Cookie: %s\r\n", other.cookie);
    CHECK_INT(login_h("default", "carol", "osp-demo", extra, &after), 200);
    CHECK_REFUSED("GET", "/api/v1/data/contact", other.headers, NULL, 401, "unauthorized");
    /* A failed sign-in ends nothing. */
    CHECK_INT(login("default", "bob", "osp-demo", &other), 200);
    snprintf(extra, sizeof extra, "Cookie: %s\r\n", other.cookie);
    CHECK_INT(login_h("default", "carol", "wrong password", extra, &after), 401);
    CHECK_INT(try("GET", "/api/v1/session", other.headers, NULL, (char[64]){0}), 200);
}

static void secure_cookie_over_tls(void)
{
    /* Behind TLS (the app origin is https), the cookie is Secure, set and
     * cleared alike. */
    struct harness T = {0};
    snprintf(T.data_dir, sizeof T.data_dir, "/tmp/osp-test-data-tls-%d", (int)getpid());
    T.app_origin = "https://app.example";
    T.plugin_origin = "https://plugins.example";
    T.app_port = H.app_port + 2;
    if (harness_start(&T) != 0) {
        T.app_port = 0; /* let it search */
        CHECK_INT(harness_start(&T), 0);
    }
    if (!T.srv)
        return;
    const char *body = "{\"tenant\":\"default\",\"username\":\"alice\",\"password\":\"osp-demo\"}";
    struct osp_client_response r =
        http("POST", T.app_url, "/api/v1/session",
             "Content-Type: application/json\r\nX-OSP-CSRF: login\r\n", body, strlen(body));
    char set_cookie[300] = "", h[300], cookie[200], csrf[64] = "";
    CHECK_INT(r.status, 200);
    osp_client_header(&r, "Set-Cookie", set_cookie, sizeof set_cookie);
    CHECK_CONTAINS(set_cookie, "; HttpOnly");
    CHECK_CONTAINS(set_cookie, "; SameSite=Strict");
    CHECK_CONTAINS(set_cookie, "; Secure");
    cJSON *j = NULL;
    if (osp_json_parse(r.body, r.body_len, NULL, &j, NULL) == 0 && osp_json_get_string(j, "csrf"))
        snprintf(csrf, sizeof csrf, "%s", osp_json_get_string(j, "csrf"));
    cJSON_Delete(j);
    osp_client_response_clear(&r);
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(set_cookie, ";"), set_cookie);
    char headers[400];
    snprintf(headers, sizeof headers, "Cookie: %s\r\nX-OSP-CSRF: %s\r\n", cookie, csrf);
    r = http("DELETE", T.app_url, "/api/v1/session", headers, NULL, 0);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(osp_client_header(&r, "Set-Cookie", h, sizeof h), "; Secure");
    CHECK_CONTAINS(h, "Max-Age=0");
    osp_client_response_clear(&r);
    harness_stop(&T);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", T.data_dir);
    CHECK_INT(system(cmd), 0);
}

/* ---- impersonation -------------------------------------------------------------- */

static void another_tenants_cookie(void)
{
    /* dave (admin of globex) holds a valid session; whatever he pairs it
     * with, default's data stays out of reach and unchanged. */
    char *before = records_snapshot(), h[800];
    struct last_audit a0 = last_audit();
    /* His cookie with alice's CSRF token (as if lifted from her page). */
    snprintf(h, sizeof h, "Cookie: %s\r\nX-OSP-CSRF: %s\r\n", dave.cookie, alice.csrf);
    CHECK_REFUSED("POST", "/api/v1/data/contact", h, "{\"values\":{\"name\":\"Cross-tenant\"}}",
                  403, "forbidden");
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", h, "{\"values\":{\"rating\":0}}", 403,
                  "forbidden");
    /* Her cookie with his token. */
    snprintf(h, sizeof h, "Cookie: %s\r\nX-OSP-CSRF: %s\r\n", alice.cookie, dave.csrf);
    CHECK_REFUSED("DELETE", "/api/v1/data/contact/c1", h, NULL, 403, "forbidden");
    /* Both cookies at once: the first one is the session, and the token
     * must be that session's. */
    snprintf(h, sizeof h, "Cookie: %s; %s\r\nX-OSP-CSRF: %s\r\n", dave.cookie, alice.cookie,
             alice.csrf);
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", h, "{\"values\":{\"rating\":0}}", 403,
                  "forbidden");
    snprintf(h, sizeof h, "Cookie: %s; %s\r\nX-OSP-CSRF: %s\r\n", dave.cookie, alice.cookie,
             dave.csrf);
    CHECK_REFUSED("GET", "/api/v1/data/contact/c1", h, NULL, 404, "not_found");
    /* His whole session, naming a plugin installed for default only. */
    snprintf(h, sizeof h, "%sX-OSP-Plugin: acme.crm\r\n", dave.headers);
    CHECK_REFUSED("GET", "/api/v1/data/contact/c1", h, NULL, 403, "permission_denied");
    CHECK_REFUSED("POST", "/api/v1/data/contact/query", h, "{}", 403, "permission_denied");
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", h, "{\"values\":{\"rating\":0}}", 403,
                  "permission_denied");
    CHECK_REFUSED("PUT", "/api/v1/storage/k", h, "{\"value\":1}", 403, "permission_denied");
    /* alice's token with one character changed: not a session at all. */
    char forged[200];
    snprintf(forged, sizeof forged, "%s", alice.cookie);
    size_t n = strlen(forged);
    forged[n - 1] = forged[n - 1] == '0' ? '1' : '0';
    snprintf(h, sizeof h, "Cookie: %s\r\nX-OSP-CSRF: %s\r\n", forged, alice.csrf);
    CHECK_REFUSED("GET", "/api/v1/data/contact/c1", h, NULL, 401, "unauthorized");
    CHECK_REFUSED("DELETE", "/api/v1/data/contact/c1", h, NULL, 401, "unauthorized");
    char *after = records_snapshot();
    CHECK_STR(after, before);
    free(before);
    free(after);
    /* The refusals by a known session are on record under dave's tenant,
     * never under default. */
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(db_path, &db), 0);
    struct last_audit a1 = last_audit();
    CHECK(a1.id > a0.id);
    int64_t leaked = -1;
    sqlite3_stmt *st;
    osp_db_lock(db);
    if (sqlite3_prepare_v2(osp_db_handle(db),
                           "SELECT count(*) FROM audit WHERE id > ? AND (tenant != 'globex' OR "
                           "actor != 'dave' OR outcome != 'denied')",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a0.id);
        if (sqlite3_step(st) == SQLITE_ROW)
            leaked = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    osp_db_unlock(db);
    osp_db_close(db);
    /* alice's cookie with dave's token was refused for her session: that
     * one entry is hers. */
    CHECK_INT(leaked, 1);
}

/* ---- grants, storage and the audit of refusals ------------------------------------ */

static int audit_has(const char *sql_where, const char *text)
{
    struct osp_db *db = NULL;
    int64_t n = 0;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE %s", sql_where);
    if (osp_db_open(db_path, &db) == 0) {
        sqlite3_stmt *st;
        osp_db_lock(db);
        if (sqlite3_prepare_v2(osp_db_handle(db), sql, -1, &st, NULL) == SQLITE_OK) {
            if (text)
                sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        osp_db_unlock(db);
    }
    osp_db_close(db);
    return (int)n;
}

static void grant_changes_take_effect_and_are_audited(void)
{
    const char *path = "/api/v1/tenants/default/installations/acme.crm";
    char h[600], code[64], cookie_only[300];
    with(&bob, "X-OSP-Plugin: acme.crm", h, sizeof h);
    CHECK_INT(try("PATCH", "/api/v1/data/contact/c2", h, "{\"values\":{\"phone\":\"+1 1\"}}", code),
              200);
    /* Only an admin of the tenant, with the CSRF header, may change grants. */
    CHECK_REFUSED("PATCH", path, bob.headers, "{\"grants\":[\"data.read:contact\"]}", 403,
                  "forbidden");
    snprintf(cookie_only, sizeof cookie_only, "Cookie: %s\r\n", alice.cookie);
    CHECK_REFUSED("PATCH", path, cookie_only, "{\"grants\":[\"data.read:contact\"]}", 403,
                  "forbidden");
    CHECK_REFUSED("PATCH", path, dave.headers, "{\"grants\":[\"data.read:contact\"]}", 403,
                  "forbidden");
    int changes = audit_has("action='installation.change' AND plugin='acme.crm'", NULL);
    /* alice narrows acme.crm to reading contacts: bob's next write through
     * it is refused at once. */
    CHECK_INT(try("PATCH", path, alice.headers,
                  "{\"grants\":[\"data.read:contact\",\"storage\"]}", code),
              200);
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c2", h, "{\"values\":{\"phone\":\"+1 2\"}}", 403,
                  "permission_denied");
    CHECK_INT(try("GET", "/api/v1/data/contact/c2", h, NULL, code), 200);
    CHECK_INT(audit_has("action='installation.change' AND plugin='acme.crm'", NULL), changes + 1);
    CHECK_INT(audit_has("action='installation.change' AND plugin='acme.crm' AND actor='alice' AND "
                        "tenant='default' AND detail = ?",
                        "{\"grants\":[\"data.read:contact\",\"storage\"],\"previous_grants\":["
                        "\"data.read:contact\",\"data.write:contact\",\"storage\"]}"),
              1);
    /* Restored, and audited again. */
    CHECK_INT(try("PATCH", path, alice.headers,
                  "{\"grants\":[\"data.read:contact\",\"data.write:contact\",\"storage\"]}", code),
              200);
    CHECK_INT(try("PATCH", "/api/v1/data/contact/c2", h, "{\"values\":{\"phone\":\"+1 3\"}}", code),
              200);
    CHECK_INT(audit_has("action='installation.change' AND plugin='acme.crm'", NULL), changes + 2);
}

static void storage_quota_and_refusals_audited(void)
{
    char h[600], code[64], big[OSP_KV_MAX_VALUE + 64];
    /* acme.reader was not granted storage: refused, and on record. */
    with(&bob, "X-OSP-Plugin: acme.reader", h, sizeof h);
    CHECK_REFUSED("PUT", "/api/v1/storage/prefs", h, "{\"value\":{\"a\":1}}", 403,
                  "permission_denied");
    CHECK_REFUSED("GET", "/api/v1/storage/prefs", h, NULL, 403, "permission_denied");
    CHECK_INT(audit_has("action='storage.write' AND plugin='acme.reader' AND actor='bob' AND "
                        "outcome='denied' AND code='permission_denied' AND record=?",
                        "prefs"),
              1);
    /* The host app has no storage of its own. */
    CHECK_REFUSED("GET", "/api/v1/storage", bob.headers, NULL, 403, "permission_denied");
    /* One value past the per-value cap: too big, nothing stored. */
    with(&bob, "X-OSP-Plugin: acme.crm", h, sizeof h);
    snprintf(big, sizeof big, "{\"value\":\"%0*d\"}", OSP_KV_MAX_VALUE, 0);
    CHECK_REFUSED("PUT", "/api/v1/storage/huge", h, big, 413, "too_big");
    CHECK_REFUSED("GET", "/api/v1/storage/huge", h, NULL, 404, "not_found");
    CHECK_INT(audit_has("action='storage.write' AND plugin='acme.crm' AND outcome='denied' AND "
                        "code='too_big' AND record=?",
                        "huge"),
              1);
    /* Filling the per-user total: the first value that does not fit is
     * refused, and alice's storage for the same plugin is untouched. */
    char value[OSP_KV_MAX_VALUE - 64 + 16], key[32];
    snprintf(value, sizeof value, "{\"value\":\"%0*d\"}", OSP_KV_MAX_VALUE - 64, 0);
    int stored = 0, status = 200;
    for (int i = 0; i < 20 && status == 200; i++) {
        snprintf(key, sizeof key, "/api/v1/storage/fill%d", i);
        status = try("PUT", key, h, value, code);
        stored += status == 200;
    }
    CHECK_INT(status, 413);
    CHECK_STR(code, "too_big");
    CHECK(stored >= 6 && stored <= 8); /* 64 KiB in values of 8 KiB less some */
    char ah[600];
    with(&alice, "X-OSP-Plugin: acme.crm", ah, sizeof ah);
    CHECK_INT(try("PUT", "/api/v1/storage/fill0", ah, "{\"value\":1}", code), 200);
    struct reply r = call("GET", "/api/v1/storage/fill0", ah, NULL);
    CHECK_INT(osp_json_get(r.json, "value") ? osp_json_get(r.json, "value")->valueint : -1, 1);
    cJSON_Delete(r.json);
    /* Removing makes room again. */
    CHECK_INT(try("DELETE", "/api/v1/storage/fill0", h, NULL, code), 200);
    CHECK_INT(try("PUT", key, h, value, code), 200);
}

static void csrf_refusals_audited(void)
{
    char cookie_only[300];
    snprintf(cookie_only, sizeof cookie_only, "Cookie: %s\r\nX-OSP-Plugin: acme.crm\r\n",
             carol.cookie);
    int before = audit_has("actor='carol' AND outcome='denied' AND code='forbidden'", NULL);
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c3", cookie_only, "{\"values\":{\"rating\":0}}",
                  403, "forbidden");
    CHECK_REFUSED("PUT", "/api/v1/storage/x", cookie_only, "{\"value\":0}", 403, "forbidden");
    CHECK_INT(audit_has("actor='carol' AND outcome='denied' AND code='forbidden'", NULL),
              before + 2);
    CHECK_INT(audit_has("actor='carol' AND action='data.update' AND object='contact' AND "
                        "plugin='acme.crm' AND code='forbidden' AND record=?",
                        "c3"),
              1);
}

/* ---- the data API's own rules -------------------------------------------------------- */

static void query_sort_paginate_and_types(void)
{
    /* The page cap is hard: 100 is the most one page holds. */
    CHECK_REFUSED("POST", "/api/v1/data/contact/query", alice.headers, "{\"limit\":101}", 400,
                  "invalid_params");
    CHECK_REFUSED("GET", "/api/v1/data/contact?limit=1000", alice.headers, NULL, 400,
                  "invalid_params");
    CHECK_REFUSED("POST", "/api/v1/data/contact/query", alice.headers, "{\"offset\":-1}", 400,
                  "invalid_params");
    CHECK_REFUSED("POST", "/api/v1/data/contact/query", alice.headers, "{\"filter\":[1]}", 400,
                  "invalid_params");
    CHECK_REFUSED("POST", "/api/v1/data/contact/query", alice.headers,
                  "{\"filter\":{\"nosuch\":1}}", 400, "invalid_params");
    /* Pages of two, sorted by name descending, cover the sample contacts
     * in order with the right total. */
    struct reply r = call("POST", "/api/v1/data/contact/query", alice.headers,
                          "{\"sort\":\"-name\",\"limit\":2,\"offset\":0,"
                          "\"filter\":{\"company\":\"COBOL Works\"}}");
    CHECK_INT(r.status, 200);
    CHECK_INT(cJSON_GetArraySize(osp_json_get(r.json, "records")), 1);
    cJSON_Delete(r.json);
    char prev[120] = "\xff";
    int seen = 0, total = -1;
    for (int offset = 0; offset < 200; offset += 2) {
        char body[120];
        snprintf(body, sizeof body, "{\"sort\":\"-name\",\"limit\":2,\"offset\":%d}", offset);
        r = call("POST", "/api/v1/data/contact/query", alice.headers, body);
        CHECK_INT(r.status, 200);
        const cJSON *rec, *records = osp_json_get(r.json, "records");
        if (offset == 0)
            total = osp_json_get(r.json, "total")->valueint;
        int n = cJSON_GetArraySize(records);
        cJSON_ArrayForEach(rec, records)
        {
            const char *name = osp_json_get_string(rec, "name");
            CHECK(name && strcmp(name, prev) <= 0);
            snprintf(prev, sizeof prev, "%s", name ? name : "");
            seen++;
        }
        cJSON_Delete(r.json);
        if (n < 2)
            break;
    }
    CHECK_INT(seen, total);
    CHECK_INT(total, count_rows("default", "contact"));
    /* Field types: each bad value refused with invalid_params, nothing
     * stored. */
    static const char *const bad[] = {
        "{\"values\":{\"name\":\"X\",\"rating\":6}}",
        "{\"values\":{\"name\":\"X\",\"rating\":2.5}}",
        "{\"values\":{\"name\":\"X\",\"email\":\"not-an-email\"}}",
        "{\"values\":{\"name\":42}}",
        "{\"values\":{\"name\":\"\"}}",
        "{\"values\":{\"name\":\"X\",\"nosuch\":1}}",
        "{\"values\":{\"rating\":3}}", /* name is required */
        "{\"values\":[\"X\"]}",
    };
    char *before = records_snapshot();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_REFUSED("POST", "/api/v1/data/contact", alice.headers, bad[i], 400,
                      "invalid_params");
    static const char *const bad_deal[] = {
        "{\"values\":{\"title\":\"X\",\"stage\":\"sold\"}}",
        "{\"values\":{\"title\":\"X\",\"stage\":\"lead\",\"amount\":-1}}",
        "{\"values\":{\"title\":\"X\",\"stage\":\"lead\",\"amount\":\"10\"}}",
    };
    for (size_t i = 0; i < sizeof bad_deal / sizeof bad_deal[0]; i++)
        CHECK_REFUSED("POST", "/api/v1/data/deal", alice.headers, bad_deal[i], 400,
                      "invalid_params");
    CHECK_REFUSED("PATCH", "/api/v1/data/task/t1", alice.headers, "{\"values\":{\"due\":\"2026-02-30\"}}",
                  400, "invalid_params");
    CHECK_REFUSED("PATCH", "/api/v1/data/task/t1", alice.headers, "{\"values\":{\"done\":\"yes\"}}",
                  400, "invalid_params");
    CHECK_REFUSED("PATCH", "/api/v1/data/contact/c1", alice.headers, "{\"values\":{\"name\":null}}",
                  400, "invalid_params"); /* a required field cannot be cleared */
    char *after = records_snapshot();
    CHECK_STR(after, before);
    free(before);
    free(after);
}

/* ---- throttling (last: it locks this client out) ------------------------------------ */

static void password_guessing_throttled(void)
{
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(db_path, &db), 0);
    CHECK_ERR(osp_auth_user_add(db, "default", "gina", "throttle me 42", "viewer", 1), 0);
    osp_db_close(db);
    struct sess s;
    for (int i = 0; i < OSP_LOGIN_MAX_USER_FAILURES; i++)
        CHECK_INT(login("default", "gina", "guess", &s), 401);
    /* Locked: even the right password is refused, with its own code. */
    const char *body = "{\"tenant\":\"default\",\"username\":\"gina\",\"password\":\"throttle me 42\"}";
    struct osp_client_response r =
        http("POST", H.app_url, "/api/v1/session",
             "Content-Type: application/json\r\nX-OSP-CSRF: login\r\n", body, strlen(body));
    char code[64], h[300];
    CHECK_INT(r.status, 429);
    CHECK_STR(error_code(r.body, code, sizeof code), "rate_limited");
    CHECK(osp_client_header(&r, "Set-Cookie", h, sizeof h) == NULL);
    osp_client_response_clear(&r);
    /* Another user from the same address is not locked by gina's. */
    CHECK_INT(login("default", "carol", "osp-demo", &s), 200);
    /* One address guessing many names is locked out as a whole. */
    int status = 0, tries = 0;
    char name[32];
    for (; tries < OSP_LOGIN_MAX_CLIENT_FAILURES + 1 && status != 429; tries++) {
        snprintf(name, sizeof name, "nobody%d", tries);
        status = login("default", name, "guess", &s);
    }
    CHECK_INT(status, 429);
    CHECK(tries <= OSP_LOGIN_MAX_CLIENT_FAILURES + 1);
    CHECK_INT(login("default", "alice", "osp-demo", &s), 429);
}

int main(void)
{
    setup();
    if (!H.srv)
        return 1;
    RUN(cookie_is_strict_and_rotates);
    RUN(logout_then_replay);
    RUN(expired_sessions_refused);
    RUN(forged_plugin_ids);
    RUN(grants_narrow_user_rights);
    RUN(csrf_guards_every_write);
    RUN(tenants_are_isolated);
    RUN(audit_trail_for_admins_only);
    RUN(login_rotates_the_session_id);
    RUN(secure_cookie_over_tls);
    RUN(another_tenants_cookie);
    RUN(grant_changes_take_effect_and_are_audited);
    RUN(storage_quota_and_refusals_audited);
    RUN(csrf_refusals_audited);
    RUN(matrix_over_http);
    RUN(query_sort_paginate_and_types);
    RUN(password_guessing_throttled);
    harness_stop(&H);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s.schema.json", H.data_dir, H.data_dir);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
