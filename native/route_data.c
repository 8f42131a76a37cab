/* Sessions and the data the shell and plugins work with: login/logout,
 * records (under the caller's rights, plugin grants intersected), per-plugin
 * storage, the audit log and the schema.  Every state-changing request
 * made with a session cookie must carry the session's CSRF token in
 * X-OSP-CSRF; the cookie itself is HttpOnly and SameSite=Strict. */
#include "server_internal.h"
#include "osp/audit.h"
#include "osp/error.h"
#include "osp/json.h"
#include "osp/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define COOKIE "osp_session"

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

void osp__send_json(struct osp__req *q, int status, cJSON *body)
{
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (!text) {
        osp_http_send_error(q->c, OSP_E_NO_MEMORY, NULL);
        return;
    }
    osp_http_send_json(q->c, status, text, strlen(text));
    cJSON_free(text);
}

int osp__json_body(struct osp__req *q, cJSON **out)
{
    *out = NULL;
    const char *ct = mg_get_header(q->c, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        osp_http_send_error(q->c, OSP_E_UNSUPPORTED_MEDIA_TYPE, "send application/json");
        return -1;
    }
    char *body = NULL;
    size_t len = 0;
    int rc = osp_http_read_body(q->c, 64u * 1024u, &body, &len);
    if (rc == 0) {
        struct osp_json_limits lim = {64u * 1024u, 8};
        rc = osp_json_parse(body, len, &lim, out, NULL);
        if (rc == 0 && !cJSON_IsObject(*out))
            rc = OSP_E_JSON_SYNTAX;
    }
    free(body);
    if (rc != 0) {
        cJSON_Delete(*out);
        *out = NULL;
        osp_http_send_error(q->c, rc, rc == OSP_E_JSON_SYNTAX ? "the body must be a JSON object"
                                                              : NULL);
        return -1;
    }
    return 0;
}

/* ---- sessions ------------------------------------------------------------ */

/* The session token from the Cookie header, copied into out. */
static int cookie_token(struct osp__req *q, char *out, size_t cap)
{
    const char *h = mg_get_header(q->c, "Cookie");
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n > sizeof COOKIE && strncmp(p, COOKIE "=", sizeof COOKIE) == 0 &&
            n - sizeof COOKIE < cap) {
            memcpy(out, p + sizeof COOKIE, n - sizeof COOKIE);
            out[n - sizeof COOKIE] = '\0';
            return 0;
        }
        p += n;
    }
    return -1;
}

const struct osp_session *osp__session(struct osp__req *q)
{
    if (q->session_state == 0) {
        char token[OSP_SESSION_TOKEN_LEN + 2];
        q->session_state = cookie_token(q, token, sizeof token) == 0 &&
                                   osp_auth_session(q->s->db, token, now_seconds(),
                                                    &q->session) == 0
                               ? 1
                               : -1;
        if (q->session_state == 1)
            snprintf(q->actor, sizeof q->actor, "%s", q->session.user.username);
    }
    return q->session_state == 1 ? &q->session : NULL;
}

static int state_changing(const struct osp__req *q)
{
    return !osp__is_method(q, "GET") && !osp__is_method(q, "HEAD");
}

const struct osp_session *osp__require_session(struct osp__req *q)
{
    const struct osp_session *s = osp__session(q);
    if (!s) {
        osp_http_send_error(q->c, OSP_E_UNAUTHORIZED, "sign in first");
        return NULL;
    }
    /* The header a cross-site form or image cannot send. */
    if (state_changing(q) && !osp_auth_csrf_ok(s, mg_get_header(q->c, "X-OSP-CSRF"))) {
        osp_http_send_error(q->c, OSP_E_FORBIDDEN, "missing or wrong X-OSP-CSRF header");
        return NULL;
    }
    return s;
}

int osp__require_admin(struct osp__req *q, const char *tenant)
{
    const char *auth = mg_get_header(q->c, "Authorization");
    char name[OSP_ID_MAX_LEN + 1];
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        if (osp_registry_admin_auth(q->s->reg, auth + 7, name) != 0) {
            osp_http_send_error(q->c, OSP_E_UNAUTHORIZED, "an operator token is required");
            return -1;
        }
        snprintf(q->actor, sizeof q->actor, "operator:%s", name);
        return 0;
    }
    /* Otherwise an admin of this very tenant, signed in. */
    const struct osp_session *s = tenant ? osp__session(q) : NULL;
    if (!s) {
        osp_http_send_error(q->c, OSP_E_UNAUTHORIZED, "an operator token is required");
        return -1;
    }
    if (strcmp(s->user.role, "admin") != 0 || strcmp(s->user.tenant, tenant) != 0) {
        osp_http_send_error(q->c, OSP_E_FORBIDDEN, "only an admin of this tenant may do that");
        return -1;
    }
    if (state_changing(q) && !osp_auth_csrf_ok(s, mg_get_header(q->c, "X-OSP-CSRF"))) {
        osp_http_send_error(q->c, OSP_E_FORBIDDEN, "missing or wrong X-OSP-CSRF header");
        return -1;
    }
    return 0;
}

void osp__audit(struct osp__req *q, const char *tenant, const char *action, const char *plugin,
                cJSON *detail)
{
    struct osp_audit_entry e = {now_seconds(), tenant ? tenant : "", q->actor,
                                plugin ? plugin : "", action, "", "", "allowed", "", detail};
    osp_audit_append(q->s->db, &e);
    cJSON_Delete(detail);
}

static void session_json(struct osp__req *q, int status, const struct osp_session *s,
                         const char *set_cookie)
{
    cJSON *o = cJSON_CreateObject(), *u = cJSON_AddObjectToObject(o, "user");
    cJSON_AddStringToObject(u, "username", s->user.username);
    cJSON_AddStringToObject(u, "tenant", s->user.tenant);
    cJSON_AddStringToObject(u, "role", s->user.role);
    cJSON_AddStringToObject(o, "csrf", s->csrf);
    cJSON_AddNumberToObject(o, "expires_at", (double)s->expires_at);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char headers[512];
    snprintf(headers, sizeof headers,
             "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s%s%s",
             set_cookie ? "Set-Cookie: " : "", set_cookie ? set_cookie : "",
             set_cookie ? "\r\n" : "");
    struct osp_http_response r = {status, "application/json", headers, text,
                                  text ? strlen(text) : 0, 0};
    osp_http_send(q->c, &r);
    cJSON_free(text);
}

static void handle_session(struct osp__req *q)
{
    if (osp__is_method(q, "GET")) {
        const struct osp_session *s = osp__session(q);
        if (!s)
            osp_http_send_error(q->c, OSP_E_UNAUTHORIZED, "not signed in");
        else
            session_json(q, 200, s, NULL);
        return;
    }
    if (osp__is_method(q, "DELETE")) {
        char token[OSP_SESSION_TOKEN_LEN + 2];
        if (!osp__require_session(q))
            return;
        if (cookie_token(q, token, sizeof token) == 0)
            osp_auth_logout(q->s->db, token);
        char headers[256];
        snprintf(headers, sizeof headers,
                 "Cache-Control: no-store\r\nSet-Cookie: " COOKIE
                 "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s\r\n",
                 q->s->secure_cookies ? "; Secure" : "");
        struct osp_http_response r = {200, "application/json", headers, "{\"signed_out\":true}",
                                      19, 0};
        osp_http_send(q->c, &r);
        return;
    }
    if (!osp__is_method(q, "POST")) {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
        return;
    }
    /* Login: the custom header keeps cross-site forms from logging a
     * victim into someone else's account. */
    if (!mg_get_header(q->c, "X-OSP-CSRF")) {
        osp_http_send_error(q->c, OSP_E_FORBIDDEN, "missing X-OSP-CSRF header");
        return;
    }
    cJSON *body = NULL;
    if (osp__json_body(q, &body) != 0)
        return;
    const char *tenant = osp_json_get_string(body, "tenant");
    const char *username = osp_json_get_string(body, "username");
    const char *password = osp_json_get_string(body, "password");
    char token[OSP_SESSION_TOKEN_LEN + 1];
    struct osp_session s;
    int rc = tenant && username && password
                 ? osp_auth_login(q->s->db, tenant, username, password, q->ri->remote_addr,
                                  now_seconds(), token, &s)
                 : OSP_E_INVALID_PARAMS;
    cJSON_Delete(body);
    if (rc != 0) {
        osp_http_send_error(q->c, rc,
                            rc == OSP_E_UNAUTHORIZED  ? "wrong tenant, name or password"
                            : rc == OSP_E_RATE_LIMITED ? "too many failed sign-ins; wait 15 minutes"
                            : rc == OSP_E_INVALID_PARAMS ? "give tenant, username and password"
                                                         : NULL);
        return;
    }
    /* Rotation: a session id the browser held before this login (planted
     * by an attacker, or the last user's on a shared machine) ends here,
     * so only the id issued now is worth anything. */
    char previous[OSP_SESSION_TOKEN_LEN + 2];
    if (cookie_token(q, previous, sizeof previous) == 0)
        osp_auth_logout(q->s->db, previous);
    char cookie[256];
    snprintf(cookie, sizeof cookie,
             COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", token,
             OSP_SESSION_ABSOLUTE_S, q->s->secure_cookies ? "; Secure" : "");
    session_json(q, 200, &s, cookie);
}

/* ---- records --------------------------------------------------------------- */

/* osp__require_session for the data and storage routes: a state-changing
 * call refused for its CSRF header comes from a known user, so it is a
 * denied data call and goes to the audit log.  (Calls with no valid
 * session name nobody: they are answered 401 and not audited.) */
static const struct osp_session *data_session(struct osp__req *q, const char *action,
                                              const char *object, const char *record)
{
    const struct osp_session *s = osp__session(q);
    if (!s || !state_changing(q) || osp_auth_csrf_ok(s, mg_get_header(q->c, "X-OSP-CSRF")))
        return osp__require_session(q);
    /* On record before the answer leaves, so a client that has its 403
     * also finds it in the log. */
    const char *plugin = mg_get_header(q->c, "X-OSP-Plugin");
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "reason", "missing or wrong X-OSP-CSRF header");
    struct osp_audit_entry e = {now_seconds(),
                                s->user.tenant,
                                s->user.username,
                                plugin && osp_manifest_check_id(plugin) == 0 ? plugin : "",
                                action,
                                object,
                                record,
                                "denied",
                                osp_error_code(OSP_E_FORBIDDEN),
                                detail};
    osp_audit_append(q->s->db, &e);
    cJSON_Delete(detail);
    osp_http_send_error(q->c, OSP_E_FORBIDDEN, "missing or wrong X-OSP-CSRF header");
    return NULL;
}

/* The calling plugin's grants for the user's tenant (X-OSP-Plugin), or
 * the host app when there is no header.  A named plugin that is not
 * installed and enabled gets no grants at all. */
struct plugin_grants {
    const char *plugin;
    cJSON *list;
    const char *perms[OSP_GRANTS_MAX];
    struct osp_grants grants;
};

static int plugin_of(struct osp__req *q, const struct osp_session *s, struct plugin_grants *pg)
{
    memset(pg, 0, sizeof *pg);
    pg->plugin = mg_get_header(q->c, "X-OSP-Plugin");
    if (!pg->plugin)
        return 0;
    if (osp_manifest_check_id(pg->plugin) != 0) {
        osp_http_send_error(q->c, OSP_E_BAD_REQUEST, "X-OSP-Plugin must name a plugin");
        return -1;
    }
    char *text = NULL;
    if (osp_registry_grants(q->s->reg, s->user.tenant, pg->plugin, &text) == 0) {
        pg->list = cJSON_Parse(text);
        const cJSON *g;
        cJSON_ArrayForEach(g, pg->list) if (cJSON_IsString(g) && pg->grants.n < OSP_GRANTS_MAX)
            pg->perms[pg->grants.n++] = g->valuestring;
    }
    free(text);
    pg->grants.perms = pg->perms;
    return 0;
}

static void send_result(struct osp__req *q, int rc, int status, cJSON *out, const char *why)
{
    if (rc != 0)
        osp_http_send_error(q->c, rc, why[0] ? why : NULL);
    else
        osp__send_json(q, status, out);
}

static int query_int(struct osp__req *q, const char *name, int fallback)
{
    char v[16];
    const char *qs = q->ri->query_string;
    if (!qs || mg_get_var(qs, strlen(qs), name, v, sizeof v) <= 0)
        return fallback;
    char *end;
    long n = strtol(v, &end, 10);
    return *end || n < -1 || n > 1000000 ? -2 : (int)n;
}

/* The audit action of a records request. */
static const char *records_action(const struct osp__req *q, const char *id)
{
    if (osp__is_method(q, "GET") || (strcmp(id, "query") == 0 && osp__is_method(q, "POST")))
        return "data.read";
    return osp__is_method(q, "POST")    ? "data.create"
           : osp__is_method(q, "PATCH") ? "data.update"
                                        : "data.delete";
}

static void handle_records(struct osp__req *q, const char *rest)
{
    char object[40] = "", id[80] = "", why[256] = "";
    const char *slash = strchr(rest, '/');
    size_t ol = slash ? (size_t)(slash - rest) : strlen(rest);
    int path_ok = !(ol == 0 || ol >= sizeof object || (slash && strlen(slash + 1) >= sizeof id));
    if (path_ok) {
        memcpy(object, rest, ol);
        object[ol] = '\0';
        if (slash)
            strcpy(id, slash + 1);
    }
    const struct osp_session *s =
        data_session(q, records_action(q, id), object, strcmp(id, "query") == 0 ? "" : id);
    if (!s)
        return;
    if (!path_ok) {
        osp_http_send_error(q->c, OSP_E_NOT_FOUND, NULL);
        return;
    }
    struct plugin_grants pg;
    if (plugin_of(q, s, &pg) != 0)
        return;
    struct osp_caller caller = {&s->user, pg.plugin, pg.plugin ? &pg.grants : NULL};
    cJSON *body = NULL, *out = NULL;
    int rc;
    int64_t now = now_seconds();
    const struct osp_records *r = &q->s->records;
    if (!*id && osp__is_method(q, "GET")) {
        /* A simple listing: ?limit=&offset=&sort= */
        char sort[40] = "";
        const char *qs = q->ri->query_string;
        if (qs)
            mg_get_var(qs, strlen(qs), "sort", sort, sizeof sort);
        int limit = query_int(q, "limit", 25), offset = query_int(q, "offset", 0);
        if (limit < 0 || offset < 0) {
            osp_http_send_error(q->c, OSP_E_INVALID_PARAMS, "limit and offset are numbers");
        } else {
            rc = osp_records_query(r, &caller, object, NULL, sort, limit, offset, &out, why,
                                   sizeof why);
            send_result(q, rc, 200, out, why);
        }
    } else if (strcmp(id, "query") == 0 && osp__is_method(q, "POST")) {
        if (osp__json_body(q, &body) == 0) {
            const cJSON *filter = osp_json_get(body, "filter"), *limit = osp_json_get(body, "limit"),
                        *offset = osp_json_get(body, "offset");
            const char *sort = osp_json_get_string(body, "sort");
            if ((filter && !cJSON_IsObject(filter)) || (limit && !cJSON_IsNumber(limit)) ||
                (offset && !cJSON_IsNumber(offset))) {
                osp_http_send_error(q->c, OSP_E_INVALID_PARAMS,
                                    "filter is an object; limit and offset are numbers");
            } else {
                rc = osp_records_query(r, &caller, object, filter, sort,
                                       limit ? limit->valueint : 25,
                                       offset ? offset->valueint : 0, &out, why, sizeof why);
                send_result(q, rc, 200, out, why);
            }
        }
    } else if (*id && osp__is_method(q, "GET")) {
        rc = osp_records_get(r, &caller, object, id, &out, why, sizeof why);
        send_result(q, rc, 200, out, why);
    } else if (!*id && osp__is_method(q, "POST")) {
        if (osp__json_body(q, &body) == 0) {
            rc = osp_records_create(r, &caller, object, osp_json_get(body, "values"), now, &out,
                                    why, sizeof why);
            send_result(q, rc, 201, out, why);
        }
    } else if (*id && osp__is_method(q, "PATCH")) {
        if (osp__json_body(q, &body) == 0) {
            rc = osp_records_update(r, &caller, object, id, osp_json_get(body, "values"), now,
                                    &out, why, sizeof why);
            send_result(q, rc, 200, out, why);
        }
    } else if (*id && osp__is_method(q, "DELETE")) {
        rc = osp_records_delete(r, &caller, object, id, now, why, sizeof why);
        send_result(q, rc, 200, rc == 0 ? cJSON_Parse("{\"deleted\":true}") : NULL, why);
    } else {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
    }
    cJSON_Delete(body);
    cJSON_Delete(pg.list);
}

/* ---- per-plugin storage ---------------------------------------------------- */

/* Audits a refused storage call by the signed-in user. */
static void storage_refused(struct osp__req *q, const char *plugin, const char *action,
                            const char *key, int err, const char *reason)
{
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "reason", reason);
    struct osp_audit_entry e = {now_seconds(),  q->session.user.tenant,
                                q->session.user.username, plugin ? plugin : "",
                                action,          "",
                                key ? key : "",  "denied",
                                osp_error_code(err), detail};
    osp_audit_append(q->s->db, &e);
    cJSON_Delete(detail);
}

static void handle_storage(struct osp__req *q, const char *key)
{
    const char *action = osp__is_method(q, "PUT")      ? "storage.write"
                         : osp__is_method(q, "DELETE") ? "storage.remove"
                                                       : "storage.read";
    size_t kl = key ? strlen(key) : 0;
    const char *audit_key = kl <= 128 ? key : NULL;
    const struct osp_session *s = data_session(q, action, "", audit_key ? audit_key : "");
    if (!s)
        return;
    struct plugin_grants pg;
    if (plugin_of(q, s, &pg) != 0)
        return;
    if (!pg.plugin || !osp_grants_has(&pg.grants, "storage")) {
        static const char why[] = "storage belongs to plugins granted the storage permission";
        storage_refused(q, pg.plugin, action, audit_key, OSP_E_PERMISSION_DENIED, why);
        cJSON_Delete(pg.list);
        osp_http_send_error(q->c, OSP_E_PERMISSION_DENIED, why);
        return;
    }
    struct osp_kv_scope scope = {s->user.tenant, s->user.id, pg.plugin};
    if (key && (kl == 0 || kl > 128 ||
                strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") !=
                    kl)) {
        osp_http_send_error(q->c, OSP_E_INVALID_PARAMS, "keys are [A-Za-z0-9._:-]{1,128}");
    } else if (!key && osp__is_method(q, "GET")) {
        cJSON *out = NULL;
        int rc = osp_kv_list(q->s->db, &scope, &out);
        send_result(q, rc, 200, out, "");
    } else if (key && osp__is_method(q, "GET")) {
        char *value = NULL;
        int rc = osp_kv_get(q->s->db, &scope, key, &value);
        if (rc != 0) {
            osp_http_send_error(q->c, rc, rc == OSP_E_NOT_FOUND ? "no such key" : NULL);
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "value", cJSON_Parse(value));
            osp__send_json(q, 200, o);
        }
        free(value);
    } else if (key && osp__is_method(q, "PUT")) {
        cJSON *body = NULL;
        if (osp__json_body(q, &body) != 0) {
            cJSON_Delete(pg.list);
            return;
        }
        const cJSON *v = osp_json_get(body, "value");
        char *text = v ? cJSON_PrintUnformatted(v) : NULL;
        int rc = text ? osp_kv_set(q->s->db, &scope, key, text) : OSP_E_INVALID_PARAMS;
        if (rc == OSP_E_TOO_BIG) /* a quota: refused, so audited like any refusal */
            storage_refused(q, pg.plugin, action, key, rc, "this plugin's storage is full");
        if (rc != 0)
            osp_http_send_error(q->c, rc, rc == OSP_E_TOO_BIG ? "this plugin's storage is full"
                                                              : "give a value");
        else
            osp__send_json(q, 200, cJSON_Parse("{\"stored\":true}"));
        cJSON_free(text);
        cJSON_Delete(body);
    } else if (key && osp__is_method(q, "DELETE")) {
        int rc = osp_kv_remove(q->s->db, &scope, key);
        send_result(q, rc, 200, rc == 0 ? cJSON_Parse("{\"removed\":true}") : NULL,
                    rc == OSP_E_NOT_FOUND ? "no such key" : "");
    } else {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
    }
    cJSON_Delete(pg.list);
}

/* ---- audit and schema -------------------------------------------------------- */

static void handle_audit(struct osp__req *q)
{
    char tenant[OSP_TENANT_MAX_LEN + 1] = "", actor[65] = "", plugin[65] = "";
    const char *qs = q->ri->query_string;
    if (qs) {
        mg_get_var(qs, strlen(qs), "tenant", tenant, sizeof tenant);
        mg_get_var(qs, strlen(qs), "actor", actor, sizeof actor);
        mg_get_var(qs, strlen(qs), "plugin", plugin, sizeof plugin);
    }
    /* An admin sees their own tenant; an operator token any (or all). */
    const struct osp_session *s = osp__session(q);
    const char *scope = s ? s->user.tenant : (tenant[0] ? tenant : NULL);
    if (osp__require_admin(q, s ? s->user.tenant : NULL) != 0)
        return;
    if (!osp__is_method(q, "GET")) {
        osp_http_send_error(q->c, OSP_E_METHOD_NOT_ALLOWED, NULL);
        return;
    }
    int limit = query_int(q, "limit", 100), before = query_int(q, "before", 0);
    cJSON *out = NULL;
    int rc = osp_audit_query(q->s->db, scope, actor[0] ? actor : NULL, plugin[0] ? plugin : NULL,
                             before > 0 ? before : 0, limit, &out);
    send_result(q, rc, 200, out, "");
}

static void handle_schema(struct osp__req *q)
{
    const struct osp_session *s = osp__require_session(q);
    if (!s)
        return;
    char *text = osp_schema_describe(q->s->schema, s->user.role);
    if (!text) {
        osp_http_send_error(q->c, OSP_E_NO_MEMORY, NULL);
        return;
    }
    osp_http_send_json(q->c, 200, text, strlen(text));
    cJSON_free(text);
}

int osp__route_data(struct osp__req *q)
{
    const char *p = q->path;
    if (strcmp(p, "/api/v1/session") == 0) {
        q->route = OSP_ROUTE_SESSION;
        handle_session(q);
    } else if (strncmp(p, "/api/v1/data/", 13) == 0) {
        q->route = OSP_ROUTE_DATA;
        handle_records(q, p + 13);
    } else if (strcmp(p, "/api/v1/storage") == 0 || strncmp(p, "/api/v1/storage/", 16) == 0) {
        q->route = OSP_ROUTE_STORAGE;
        handle_storage(q, p[15] == '/' ? p + 16 : NULL);
    } else if (strcmp(p, "/api/v1/audit") == 0) {
        q->route = OSP_ROUTE_AUDIT;
        handle_audit(q);
    } else if (strcmp(p, "/api/v1/schema") == 0) {
        q->route = OSP_ROUTE_DATA;
        handle_schema(q);
    } else {
        return 0;
    }
    return 1;
}
