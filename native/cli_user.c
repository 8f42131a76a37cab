/* osp verbs for operators on users and the audit log: user add, list,
 * passwd, remove, and audit.  Like the other registry verbs they work on
 * the data directory's database directly and are safe while osp serve
 * runs: a running server sees a changed password or a removed user on the
 * next request (sessions are looked up in the database every time). */
#include "cli.h"
#include "osp/audit.h"
#include "osp/auth.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"
#include "osp/schema.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_DEFAULT_LIMIT 50
#define AUDIT_SUMMARY_MAX 200 /* characters of detail shown per entry in the table */

/* "2025-01-31 23:59:59" (UTC), or "-" for 0. */
static void utc(int64_t ts, char out[24])
{
    struct tm tm;
    time_t t = (time_t)ts;
    if (ts <= 0 || !gmtime_r(&t, &tm) || !strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, 24, "-");
}

/* Prints text with control characters (C0, DEL, and C1 as UTF-8) replaced
 * by '?': audit entries carry values plugins and users wrote, and must not
 * be able to send escape sequences to the operator's terminal. */
static void put_safe(const char *text, size_t max)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t shown = 0;
    for (; *p && shown < max; p++) {
        if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            putchar('?');
            p++;
        } else {
            putchar(*p < 0x20 || *p == 0x7F ? '?' : *p);
        }
        shown += (*p & 0xC0) != 0x80;
    }
    if (*p)
        fputs("…", stdout);
}

void osp_cli_actor(char *out, size_t cap)
{
    const struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name)
        snprintf(out, cap, "cli:%.60s", pw->pw_name);
    else
        snprintf(out, cap, "cli:uid-%u", (unsigned)geteuid());
}

static void audit_user_change(struct osp_db *db, const char *tenant, const char *action,
                              cJSON *detail)
{
    char actor[80];
    osp_cli_actor(actor, sizeof actor);
    struct osp_audit_entry e = {(int64_t)time(NULL), tenant, actor, "", action, "", "",
                                "allowed", "", detail};
    if (osp_audit_append(db, &e) != 0)
        fprintf(stderr, "osp user: warning: the change is made but could not be audited\n");
    cJSON_Delete(detail);
}

/* The schema osp serve would load: --schema, else $OSP_SCHEMA, else the
 * "schema" key of --config / $OSP_CONFIG, else the built-in one. */
static int load_schema(const char *flag, const char *config, struct osp_schema **out)
{
    const char *path = flag;
    const char *env = getenv("OSP_SCHEMA");
    char *text = NULL, err[512];
    cJSON *root = NULL;
    if (!path && env && *env)
        path = env;
    if (!config)
        config = getenv("OSP_CONFIG");
    if (!path && config && *config) {
        size_t len = 0;
        int rc = osp_fs_read(config, 64u * 1024u, &text, &len);
        if (rc == 0)
            rc = osp_json_parse(text, len, NULL, &root, NULL);
        free(text);
        if (rc != 0)
            return osp_cli_fail(rc, "cannot read config file %s", config);
        path = osp_json_get_string(root, "schema");
    }
    int rc = osp_schema_load(path, out, err, sizeof err);
    cJSON_Delete(root);
    return rc == 0 ? 0 : osp_cli_fail(rc, "%s", err);
}

/* "admin, sales, viewer" */
static void role_names(const struct osp_schema *s, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    const char *name;
    for (size_t i = 0; (name = osp_schema_role_name(s, i)) && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", name);
}

/* The new password: one line of standard input with --password-stdin,
 * else $OSP_PASSWORD, else asked twice on the terminal; then held to
 * osp_auth_password_check.  buf holds OSP_PASSWORD_MAX_LEN + 2 bytes.
 * Returns 0 or an exit status (reported; buf wiped). */
static int new_password(int from_stdin, const char *username, char *buf, size_t cap)
{
    char again[OSP_PASSWORD_MAX_LEN + 2], why[160] = "";
    const char *env = getenv("OSP_PASSWORD");
    int rc = 0;
    buf[0] = again[0] = '\0';
    if (from_stdin) {
        if (!fgets(buf, (int)cap, stdin))
            buf[0] = '\0';
        size_t n = strcspn(buf, "\r\n");
        if (buf[n] == '\0' && n == cap - 1)
            rc = OSP_E_TOO_BIG; /* no end of line within the limit */
        buf[n] = '\0';
    } else if (env) {
        rc = strlen(env) < cap ? 0 : OSP_E_TOO_BIG;
        snprintf(buf, cap, "%s", rc == 0 ? env : "");
    } else if (!osp_cli_prompt_password("New password: ", buf, cap)) {
        return osp_cli_usage("user", "no terminal to ask for the password on: pass "
                                     "--password-stdin or set OSP_PASSWORD");
    } else if (!osp_cli_prompt_password("Repeat it: ", again, sizeof again) ||
               strcmp(buf, again) != 0) {
        rc = OSP_E_INVALID_ARGUMENT;
        snprintf(why, sizeof why, "the two entries differ");
    }
    memset(again, 0, sizeof again);
    if (rc == OSP_E_TOO_BIG)
        snprintf(why, sizeof why, "the password is longer than %d bytes", OSP_PASSWORD_MAX_LEN);
    if (rc == 0)
        rc = osp_auth_password_check(username, buf, why, sizeof why);
    if (rc != 0) {
        memset(buf, 0, cap);
        return osp_cli_fail(rc, "password refused for %s: %s; nothing changed", username, why);
    }
    return 0;
}

/* ---- osp user ------------------------------------------------------------ */

struct user_args {
    const char *username, *tenant, *role, *data, *schema, *config;
    int password_stdin, json;
};

static int parse_user_args(int argc, char **argv, struct user_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", &a->data);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--tenant", &a->tenant);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--role", &a->role);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--schema", &a->schema);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-c", "--config", &a->config);
        if (r < 0)
            return osp_cli_usage("user", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--password-stdin") == 0)
            a->password_stdin = 1;
        else if (strcmp(argv[i], "--json") == 0)
            a->json = 1;
        else if (argv[i][0] == '-' || a->username)
            return osp_cli_usage("user", "unexpected argument %s", argv[i]);
        else
            a->username = argv[i];
    }
    return 0;
}

/* The user's row, for the checks made before asking for a password. */
static int find_user(struct osp_db *db, const char *tenant, const char *username,
                     struct osp_user_info *out)
{
    struct osp_user_info *list = NULL;
    size_t n = 0;
    int rc = osp_auth_users(db, tenant, (int64_t)time(NULL), &list, &n);
    if (rc != 0)
        return rc;
    rc = OSP_E_NOT_FOUND;
    for (size_t i = 0; i < n && rc != 0; i++)
        if (strcmp(list[i].user.username, username) == 0) {
            *out = list[i];
            rc = 0;
        }
    free(list);
    return rc;
}

static int user_add(struct osp_db *db, const struct user_args *a)
{
    struct osp_schema *schema = NULL;
    char roles[512], password[OSP_PASSWORD_MAX_LEN + 2];
    struct osp_user_info existing;
    if (load_schema(a->schema, a->config, &schema) != 0)
        return OSP_EXIT_FAIL;
    int known = osp_schema_has_role(schema, a->role);
    role_names(schema, roles, sizeof roles);
    osp_schema_free(schema);
    /* Everything that can be refused is refused before the password is
     * asked for. */
    if (!known)
        return osp_cli_fail(OSP_E_INVALID_ARGUMENT,
                            "no role \"%.40s\" in the schema (its roles: %s); nothing changed",
                            a->role, roles);
    int rc = find_user(db, a->tenant, a->username, &existing);
    if (rc == 0)
        return osp_cli_fail(OSP_E_CONFLICT, "%s already exists in tenant %s; nothing changed",
                            a->username, a->tenant);
    if (rc != OSP_E_NOT_FOUND)
        return osp_cli_fail(rc, "cannot read the users");
    if ((rc = new_password(a->password_stdin, a->username, password, sizeof password)) != 0)
        return rc;
    rc = osp_auth_user_add(db, a->tenant, a->username, password, a->role, (int64_t)time(NULL));
    memset(password, 0, sizeof password);
    if (rc == OSP_E_CONFLICT)
        return osp_cli_fail(rc, "%s already exists in tenant %s; nothing changed", a->username,
                            a->tenant);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot add %s", a->username);
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "username", a->username);
    cJSON_AddStringToObject(detail, "role", a->role);
    audit_user_change(db, a->tenant, "user.add", detail);
    printf("added %s to tenant %s as %s\n", a->username, a->tenant, a->role);
    return 0;
}

static int user_passwd(struct osp_db *db, const struct user_args *a)
{
    char password[OSP_PASSWORD_MAX_LEN + 2];
    struct osp_user_info u;
    int rc = find_user(db, a->tenant, a->username, &u);
    if (rc != 0)
        return osp_cli_fail(rc, rc == OSP_E_NOT_FOUND ? "no user %s in tenant %s"
                                                      : "cannot read user %s of tenant %s",
                            a->username, a->tenant);
    if ((rc = new_password(a->password_stdin, a->username, password, sizeof password)) != 0)
        return rc;
    rc = osp_auth_user_passwd(db, a->tenant, a->username, password);
    memset(password, 0, sizeof password);
    if (rc != 0)
        return osp_cli_fail(rc, rc == OSP_E_NOT_FOUND ? "no user %s in tenant %s"
                                                      : "cannot change the password of %s (%s)",
                            a->username, a->tenant);
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "username", a->username);
    cJSON_AddNumberToObject(detail, "sessions_ended", (double)u.sessions);
    audit_user_change(db, a->tenant, "user.passwd", detail);
    printf("changed the password of %s in tenant %s; %lld session%s ended\n", a->username,
           a->tenant, (long long)u.sessions, u.sessions == 1 ? "" : "s");
    return 0;
}

static int user_remove(struct osp_db *db, const struct user_args *a)
{
    struct osp_user_info u;
    int rc = find_user(db, a->tenant, a->username, &u);
    if (rc == 0)
        rc = osp_auth_user_remove(db, a->tenant, a->username);
    if (rc != 0)
        return osp_cli_fail(rc, rc == OSP_E_NOT_FOUND ? "no user %s in tenant %s"
                                                      : "cannot remove %s from tenant %s",
                            a->username, a->tenant);
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "username", a->username);
    cJSON_AddStringToObject(detail, "role", u.user.role);
    cJSON_AddNumberToObject(detail, "sessions_ended", (double)u.sessions);
    audit_user_change(db, a->tenant, "user.remove", detail);
    printf("removed %s from tenant %s; %lld session%s ended\n", a->username, a->tenant,
           (long long)u.sessions, u.sessions == 1 ? "" : "s");
    return 0;
}

static int user_list(struct osp_db *db, const struct user_args *a)
{
    struct osp_schema *schema = NULL;
    if (load_schema(a->schema, a->config, &schema) != 0)
        return OSP_EXIT_FAIL;
    struct osp_user_info *list = NULL;
    size_t n = 0;
    int rc = osp_auth_users(db, a->tenant, (int64_t)time(NULL), &list, &n);
    if (rc != 0) {
        osp_schema_free(schema);
        return osp_cli_fail(rc, "cannot read the users");
    }
    cJSON *arr = a->json ? cJSON_CreateArray() : NULL;
    if (!a->json && n)
        printf("%-16s %-20s %-12s %-19s %8s  %s\n", "TENANT", "USER", "ROLE", "CREATED (UTC)",
               "SESSIONS", "LAST SEEN (UTC)");
    int unknown_roles = 0;
    for (size_t i = 0; i < n; i++) {
        const struct osp_user_info *u = &list[i];
        int known = osp_schema_has_role(schema, u->user.role);
        unknown_roles += !known;
        if (a->json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "tenant", u->user.tenant);
            cJSON_AddStringToObject(o, "username", u->user.username);
            cJSON_AddStringToObject(o, "role", u->user.role);
            cJSON_AddBoolToObject(o, "role_in_schema", known);
            cJSON_AddNumberToObject(o, "created_at", (double)u->created_at);
            cJSON_AddNumberToObject(o, "sessions", (double)u->sessions);
            cJSON_AddNumberToObject(o, "last_seen", (double)u->last_seen);
            cJSON_AddItemToArray(arr, o);
        } else {
            char created[24], seen[24], role[48];
            utc(u->created_at, created);
            utc(u->last_seen, seen);
            snprintf(role, sizeof role, "%s%s", u->user.role, known ? "" : "*");
            printf("%-16s %-20s %-12s %-19s %8lld  %s\n", u->user.tenant, u->user.username, role,
                   created, (long long)u->sessions, seen);
        }
    }
    if (a->json)
        osp_cli_print_json(arr);
    else if (n == 0)
        printf("(no users%s%s)\n", a->tenant ? " in tenant " : "", a->tenant ? a->tenant : "");
    else if (unknown_roles)
        printf("* not a role of the schema: such users can sign in but read and change "
               "nothing\n");
    free(list);
    osp_schema_free(schema);
    return 0;
}

int osp_cli_user(int argc, char **argv)
{
    static const char *const actions[] = {"add", "list", "passwd", "remove"};
    const char *action = argc > 1 ? argv[1] : "";
    size_t k = 0;
    while (k < sizeof actions / sizeof actions[0] && strcmp(actions[k], action) != 0)
        k++;
    if (k == sizeof actions / sizeof actions[0])
        return osp_cli_usage("user", "say add, list, passwd or remove");
    struct user_args a;
    if (parse_user_args(argc, argv, &a) != 0)
        return OSP_EXIT_USAGE;
    int is_list = k == 1;
    if (is_list && a.username)
        return osp_cli_usage("user", "list takes no user name (filter with --tenant)");
    if (!is_list && (!a.username || !a.tenant))
        return osp_cli_usage("user", "%s needs USERNAME and --tenant T", action);
    if (k == 0 && !a.role)
        return osp_cli_usage("user", "add needs --role R");
    if (a.role && k != 0)
        return osp_cli_usage("user", "only add takes --role");
    if (a.password_stdin && k != 0 && k != 2)
        return osp_cli_usage("user", "only add and passwd take --password-stdin");
    if ((a.schema || a.config) && k >= 2)
        return osp_cli_usage("user", "only add and list read the schema");
    if (a.json && !is_list)
        return osp_cli_usage("user", "only list has --json");
    /* Checked here too, so a typo is not reported as "no user". */
    if (a.tenant && !osp_auth_name_ok(a.tenant))
        return osp_cli_fail(OSP_E_BAD_ID, "tenant \"%.64s\": names are a-z, 0-9 and -, 1 to 64 "
                                          "characters",
                            a.tenant);
    if (a.username && !osp_auth_name_ok(a.username))
        return osp_cli_fail(OSP_E_BAD_ID, "user \"%.64s\": names are a-z, 0-9 and -, 1 to 64 "
                                          "characters",
                            a.username);
    struct osp_registry *reg = NULL;
    int rc = k == 0 ? osp_cli_open_registry(osp_cli_data_dir(a.data), &reg)
                    : osp_cli_open_existing(a.data, &reg);
    if (rc != 0)
        return OSP_EXIT_FAIL;
    struct osp_db *db = osp_registry_db(reg);
    switch (k) {
    case 0:
        rc = user_add(db, &a);
        break;
    case 1:
        rc = user_list(db, &a);
        break;
    case 2:
        rc = user_passwd(db, &a);
        break;
    default:
        rc = user_remove(db, &a);
        break;
    }
    osp_registry_close(reg);
    return rc;
}

/* ---- osp audit ------------------------------------------------------------- */

/* Appends text to a summary line, bounded. */
static void add_text(char *out, size_t cap, size_t *len, const char *text)
{
    if (*len < cap)
        *len += (size_t)snprintf(out + *len, cap - *len, "%s", text);
}

static void add_json(char *out, size_t cap, size_t *len, const cJSON *v)
{
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    add_text(out, cap, len, text ? text : "null");
    cJSON_free(text);
}

/* One line saying what an entry's detail holds: the reason of a refusal,
 * each field written (before -> after), or the detail as JSON. */
static void summarise(const cJSON *detail, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    const char *reason = osp_json_get_string(detail, "reason");
    const cJSON *fields = osp_json_get(detail, "fields"), *before = osp_json_get(detail, "before"),
                *after = osp_json_get(detail, "after"), *f;
    if (reason) {
        add_text(out, cap, &len, reason);
    } else if (cJSON_IsArray(fields)) {
        cJSON_ArrayForEach(f, fields)
        {
            if (!cJSON_IsString(f))
                continue;
            add_text(out, cap, &len, len ? "; " : "");
            add_text(out, cap, &len, f->valuestring);
            if (before) {
                add_text(out, cap, &len, ": ");
                add_json(out, cap, &len, osp_json_get(before, f->valuestring));
                add_text(out, cap, &len, " -> ");
            } else {
                add_text(out, cap, &len, " = ");
            }
            add_json(out, cap, &len, osp_json_get(after, f->valuestring));
        }
    } else if (before) {
        add_text(out, cap, &len, "was ");
        add_json(out, cap, &len, before);
    } else if (detail && detail->child) {
        add_json(out, cap, &len, detail);
    }
}

static void print_entry(const cJSON *e)
{
    char when[24], target[160], outcome[80], summary[2048];
    const cJSON *id = osp_json_get(e, "id"), *ts = osp_json_get(e, "ts");
    const char *object = osp_json_get_string(e, "object"),
               *record = osp_json_get_string(e, "record"),
               *code = osp_json_get_string(e, "code"), *plugin = osp_json_get_string(e, "plugin");
    utc(cJSON_IsNumber(ts) ? (int64_t)ts->valuedouble : 0, when);
    snprintf(target, sizeof target, "%s%s%s", object && *object ? object : "-",
             record && *record ? "/" : "", record && *record ? record : "");
    snprintf(outcome, sizeof outcome, "%s%s%s", osp_json_get_string(e, "outcome"),
             code && *code ? " " : "", code && *code ? code : "");
    printf("%-7.0f %-19s ", cJSON_IsNumber(id) ? id->valuedouble : 0, when);
    const char *cols[] = {osp_json_get_string(e, "tenant"), osp_json_get_string(e, "actor"),
                          plugin && *plugin ? plugin : "-", osp_json_get_string(e, "action"),
                          target, outcome};
    static const int widths[] = {12, 16, 20, 22, 24, 0};
    size_t n_cols = sizeof cols / sizeof cols[0];
    for (size_t i = 0; i < n_cols; i++) {
        const char *c = cols[i] ? cols[i] : "";
        put_safe(c, 64);
        int pad = widths[i] - (int)strlen(c);
        if (i + 1 < n_cols)
            printf("%*s", pad > 0 ? pad + 1 : 1, "");
    }
    putchar('\n');
    summarise(osp_json_get(e, "detail"), summary, sizeof summary);
    if (summary[0]) {
        fputs("        ", stdout);
        put_safe(summary, AUDIT_SUMMARY_MAX);
        putchar('\n');
    }
}

/* Prints v as indented JSON, with DEL and C1 controls escaped (\u007f,
 * \u0080…\u009f) as well as cJSON's C0 ones: the same JSON value, but
 * nothing in it can drive the terminal.  Such bytes only occur inside JSON
 * strings, so escaping them in the text is exact.  Deletes v. */
static void print_json_safe(cJSON *v)
{
    char *text = NULL;
    size_t len = 0;
    if (v && osp_json_print_pretty(v, &text, &len) == 0) {
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c == 0x7F) {
                fputs("\\u007f", stdout);
            } else if (c == 0xC2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
                       (unsigned char)text[i + 1] <= 0x9F) {
                printf("\\u%04x", (unsigned char)text[++i]);
            } else {
                putchar(c);
            }
        }
    }
    free(text);
    cJSON_Delete(v);
}

static int number_arg(const char *name, const char *text, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi)
        return osp_cli_usage("audit", "%s takes a number from %ld to %ld", name, lo, hi);
    *out = v;
    return 0;
}

int osp_cli_audit(int argc, char **argv)
{
    const char *data = NULL, *tenant = NULL, *actor = NULL, *plugin = NULL, *limit_s = NULL,
               *before_s = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", &data);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--tenant", &tenant);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--actor", &actor);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--plugin", &plugin);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-n", "--limit", &limit_s);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--before", &before_s);
        if (r < 0)
            return osp_cli_usage("audit", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return osp_cli_usage("audit", "unexpected argument %s", argv[i]);
    }
    long limit = AUDIT_DEFAULT_LIMIT, before = 0;
    if ((limit_s && number_arg("--limit", limit_s, 1, 500, &limit) != 0) ||
        (before_s && number_arg("--before", before_s, 1, 0x7fffffffL, &before) != 0))
        return OSP_EXIT_USAGE;
    if (tenant && !osp_auth_name_ok(tenant))
        return osp_cli_fail(OSP_E_BAD_ID, "tenant \"%.64s\": names are a-z, 0-9 and -, 1 to 64 "
                                          "characters",
                            tenant);
    struct osp_registry *reg = NULL;
    if (osp_cli_open_existing(data, &reg) != 0)
        return OSP_EXIT_FAIL;
    cJSON *out = NULL;
    int rc = osp_audit_query(osp_registry_db(reg), tenant, actor, plugin, before, (int)limit,
                             &out);
    osp_registry_close(reg);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot read the audit log");
    if (json) {
        print_json_safe(out);
        return 0;
    }
    const cJSON *entries = osp_json_get(out, "entries"), *e;
    if (cJSON_GetArraySize(entries) == 0) {
        printf("(no audit entries%s)\n", tenant || actor || plugin || before ? " match" : "");
        cJSON_Delete(out);
        return 0;
    }
    printf("%-7s %-19s %-12s %-16s %-20s %-22s %-24s %s\n", "ID", "TIME (UTC)", "TENANT", "ACTOR",
           "PLUGIN", "ACTION", "TARGET", "OUTCOME");
    cJSON_ArrayForEach(e, entries) print_entry(e);
    int n = cJSON_GetArraySize(entries);
    const cJSON *last = cJSON_GetArrayItem(entries, n - 1);
    if (n == limit && cJSON_IsNumber(osp_json_get(last, "id")))
        printf("(newest first; older ones: --before %.0f)\n", osp_json_get(last, "id")->valuedouble);
    cJSON_Delete(out);
    return 0;
}
