/* Server-authoritative data over real HTTP to a real osp serve with the
 * sample data: every way a hostile plugin or client might reach records it
 * should not (a forged or malformed plugin id, grants narrower than the
 * user's rights, a missing or wrong CSRF header, another tenant's cookie,
 * a cookie after logout or expiry, password guessing), each refused with
 * its exact status and code and with nothing changed; the session cookie's
 * attributes; and the audit trail of writes and refusals, readable by a
 * tenant admin only.  (test_server.c covers the first plugin-header
 * refusals on GET; this file goes through every operation.) */
#include "harness.h"
#include "fixtures.h"
#include "osp/auth.h"
#include "osp/db.h"
#include "osp/hash.h"
#include "osp/manifest.h"
#include "osp/registry.h"

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

static struct sess alice, bob, carol, dave;

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

static int login(const char *tenant, const char *user, const char *password, struct sess *s)
{
    char body[256];
    memset(s, 0, sizeof *s);
    snprintf(body, sizeof body, "{\"tenant\":\"%s\",\"username\":\"%s\",\"password\":\"%s\"}",
             tenant, user, password);
    struct osp_client_response r =
        http("POST", H.app_url, "/api/v1/session",
             "Content-Type: application/json\r\nX-OSP-CSRF: login\r\n", body, strlen(body));
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
             "\"permissions\":{\"rpc\":%s}}",
             id, id, rpc);
    osp_hash_sha256_hex(manifest, strlen(manifest), digest);
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
    RUN(password_guessing_throttled);
    harness_stop(&H);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", H.data_dir);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
