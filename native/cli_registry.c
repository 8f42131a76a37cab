/* osp verbs on servers and the registry: publish, publisher, install. */
#include "cli.h"
#include "osp/audit.h"
#include "osp/client.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"
#include "osp/perm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PUBLISH_CONFIG_MAX (16u * 1024u)
#define UPLOAD_PROGRESS_MIN (256u * 1024u) /* a network upload is slow sooner than a pack */

/* What to do about a refusal, in plain words, by stable code. */
static const struct {
    const char *code, *advice;
} publish_advice[] = {
    {"unauthorized", "the server does not accept this token: check OSP_PUBLISH_TOKEN (or "
                     "--token, or the config file); an operator prints a publisher's token "
                     "with 'osp publisher add'"},
    {"forbidden", "the token belongs to another publisher than the manifest's \"publisher\", "
                  "or another publisher owns this plugin id: use that publisher's token, or "
                  "change \"publisher\"/\"id\" in osplugin.json and pack again"},
    {"conflict", "the server already has this version (or a newer one) with other contents: "
                 "raise \"version\" in osplugin.json, pack again and publish the new bundle"},
    {"unknown_key_id", "the bundle is signed with a key this server does not have for its "
                       "publisher: sign with the registered key (osp pack -k), or ask the "
                       "operator to add your .pub (osp publisher key-add)"},
    {"signature_invalid", "the signature does not match the bundle: it changed after signing; "
                          "pack and sign it again"},
    {"signature_binding", "the signature was made for another bundle: pack and sign it again"},
    {"signature_malformed", "the bundle has no usable signature: pack it with -k KEY or run "
                            "osp sign"},
    {"missing_file", "the bundle is unsigned or incomplete: pack it with -k KEY"},
    {"key_revoked", "the key that signed it was revoked: sign with a current key"},
    {"key_retired", "the key that signed it was retired: sign with the publisher's current key"},
    {"digest_mismatch", "a file changed after packing: pack and sign again"},
    {"size_mismatch", "a file changed after packing: pack and sign again"},
    {"too_big", "the bundle is larger than this server accepts (its max_upload_mb): make it "
                "smaller, or ask the operator"},
    {"incompatible_engines", "the server speaks another protocol version than \"engines\" asks "
                             "for: set \"engines\": {\"osp-ui\": \"^1\"}"},
    {"unavailable", "the server is busy or stopping: try again shortly"},
    {"internal", "the server failed and published nothing: try again, or give the operator "
                 "the time of the attempt"},
};

static const char *advice_for(const char *code)
{
    for (size_t i = 0; i < sizeof publish_advice / sizeof publish_advice[0]; i++)
        if (strcmp(publish_advice[i].code, code) == 0)
            return publish_advice[i].advice;
    int err = osp_error_from_code(code);
    if (err && osp_error_http_status(err) == 422)
        return "the bundle or its manifest has a problem: run 'osp check' on it for every "
               "problem with hints, fix them, pack and publish again";
    return NULL;
}

/* {"server": URL, "token": TOKEN} from path; refuses a file others can read,
 * as ssh does, because it holds a secret. */
static int read_publish_config(const char *path, int must_exist, char *server, size_t scap,
                               char *token, size_t tcap)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!must_exist)
            return 0;
        return osp_cli_fail(OSP_E_NOT_FOUND, "no config file %s", path);
    }
    if (st.st_mode & 077)
        return osp_cli_fail(OSP_E_FORBIDDEN,
                            "%s holds a token but others can read it: chmod 600 %s", path, path);
    char *text = NULL;
    size_t len = 0;
    cJSON *j = NULL;
    int rc = osp_fs_read(path, PUBLISH_CONFIG_MAX, &text, &len);
    if (rc == 0)
        rc = osp_json_parse(text, len, NULL, &j, NULL);
    free(text);
    if (rc != 0 || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return osp_cli_fail(rc ? rc : OSP_E_BAD_TYPE, "%s is not a JSON object", path);
    }
    for (const cJSON *k = j->child; k; k = k->next)
        if ((strcmp(k->string, "server") != 0 && strcmp(k->string, "token") != 0) ||
            !cJSON_IsString(k)) {
            rc = osp_cli_fail(OSP_E_UNKNOWN_KEY, "%s: \"%s\" is not a setting (say \"server\" "
                                                 "and \"token\", both strings)",
                              path, k->string);
            cJSON_Delete(j);
            return rc;
        }
    const char *s = osp_json_get_string(j, "server"), *t = osp_json_get_string(j, "token");
    if (s)
        snprintf(server, scap, "%s", s);
    if (t)
        snprintf(token, tcap, "%s", t);
    cJSON_Delete(j);
    return 0;
}

int osp_cli_publish(int argc, char **argv)
{
    const char *file = NULL, *server = NULL, *token = NULL, *config = NULL;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-s", "--server", &server);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-t", "--token", &token);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-c", "--config", &config);
        if (r < 0)
            return osp_cli_usage("publish", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (argv[i][0] == '-' || file)
            return osp_cli_usage("publish", "unexpected argument %s", argv[i]);
        file = argv[i];
    }
    if (!file)
        return osp_cli_usage("publish", "which bundle?");
    /* Flags win over the environment, which wins over the config file. */
    char cfg_server[256] = "", cfg_token[160] = "", default_cfg[PATH_MAX] = "";
    int must_exist = config != NULL;
    if (!config && (config = getenv("OSP_PUBLISH_CONFIG")) && *config)
        must_exist = 1;
    if (!config || !*config) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(default_cfg, sizeof default_cfg, "%s/osp/publish.json", xdg);
        else if (home && *home)
            snprintf(default_cfg, sizeof default_cfg, "%s/.config/osp/publish.json", home);
        config = default_cfg;
    }
    if (*config && read_publish_config(config, must_exist, cfg_server, sizeof cfg_server,
                                       cfg_token, sizeof cfg_token) != 0)
        return OSP_EXIT_FAIL;
    if (!server)
        server = getenv("OSP_SERVER");
    if (!server || !*server)
        server = cfg_server[0] ? cfg_server : "http://127.0.0.1:8080";
    if (!token)
        token = getenv("OSP_PUBLISH_TOKEN");
    if (!token || !*token)
        token = cfg_token[0] ? cfg_token : NULL;
    if (!token)
        return osp_cli_fail(OSP_E_NO_TOKEN,
                            "no publisher token: set OSP_PUBLISH_TOKEN, pass --token, or put "
                            "{\"token\": \"…\"} in %s (mode 600)",
                            *config ? config : "~/.config/osp/publish.json");
    if (strlen(token) > 100 || strpbrk(token, "\r\n"))
        return osp_cli_fail(OSP_E_UNAUTHORIZED, "that is not a publisher token (ospt_…)");
    char *data = NULL;
    size_t len = 0;
    int rc = osp_fs_read(file, OSP_ARCHIVE_MAX_BYTES, &data, &len);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot read %s", file);
    char headers[256], err[512];
    snprintf(headers, sizeof headers,
             "Authorization: Bearer %s\r\nContent-Type: application/vnd.osp.plugin\r\n", token);
    struct osp_client_response res;
    struct osp_cli_progress progress;
    const struct osp_progress *reporter = osp_cli_progress_start(&progress, "publish");
    progress.min_bytes = UPLOAD_PROGRESS_MIN;
    rc = osp_client_request_progress("POST", server, "/api/v1/plugins", headers, data, len,
                                     60000, reporter, &res, err, sizeof err);
    osp_cli_progress_done(&progress);
    free(data);
    if (rc != 0) {
        osp_cli_fail(rc, "%s", err);
        if (rc == OSP_E_IO)
            fprintf(stderr, "    what to do: check that the server runs and that --server "
                            "(or OSP_SERVER) is its app URL; nothing was published\n");
        return OSP_EXIT_FAIL;
    }
    cJSON *j = NULL;
    osp_json_parse(res.body, res.body_len, NULL, &j, NULL);
    int status = res.status;
    osp_client_response_clear(&res);
    if (status == 200 || status == 201) {
        printf("published %s %s\n  digest %s%s\n", osp_json_get_string(j, "id"),
               osp_json_get_string(j, "version"), osp_json_get_string(j, "digest"),
               status == 200 ? "\n  (this exact bundle was already published)" : "");
        cJSON_Delete(j);
        return 0;
    }
    const cJSON *e = osp_json_get(j, "error");
    const char *code = osp_json_get_string(e, "code"), *msg = osp_json_get_string(e, "message");
    if (!code) /* not an osp server, or a proxy in between */
        code = status >= 500 ? "internal" : status == 404 ? "not_found" : "bad_request";
    fprintf(stderr, "osp: %s: the server refused %s (HTTP %d): %s\n", code, file, status,
            msg ? msg : "no explanation given");
    const char *advice = status == 404 && !osp_json_get(j, "error")
                             ? "is --server the osp app URL? it has no publish API"
                             : advice_for(code);
    if (advice)
        fprintf(stderr, "    what to do: %s\n", advice);
    cJSON_Delete(j);
    return OSP_EXIT_FAIL;
}

static int publisher_list(struct osp_registry *reg)
{
    struct osp_trusted_key *keys = NULL;
    size_t n = 0;
    int rc = osp_registry_trust_load(reg, NULL, &keys, &n);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot read the trust store");
    const char *current = "";
    for (size_t i = 0; i < n; i++) {
        char id[OSP_SIG_KEYID_HEX_BYTES], state[64];
        if (strcmp(current, keys[i].publisher) != 0) {
            current = keys[i].publisher;
            printf("%s%s\n", current, keys[i].verified ? " (verified)" : "");
        }
        osp_sig_keyid_hex(keys[i].key.keyid, id);
        if (keys[i].revoked)
            snprintf(state, sizeof state, "revoked");
        else if (keys[i].retired_at)
            snprintf(state, sizeof state, "retired from %lld", (long long)keys[i].retired_at);
        else
            snprintf(state, sizeof state, "active");
        printf("  key %s  %s\n", id, state);
    }
    if (n == 0)
        printf("no publishers\n");
    free(keys);
    return 0;
}

int osp_cli_publisher(int argc, char **argv)
{
    static const char *const actions[] = {"add",        "key-add", "key-retire",
                                          "key-revoke", "verify",  "list"};
    const char *action = argc > 1 ? argv[1] : "";
    size_t a = 0;
    while (a < sizeof actions / sizeof actions[0] && strcmp(actions[a], action) != 0)
        a++;
    if (a == sizeof actions / sizeof actions[0])
        return osp_cli_usage("publisher", "say add, key-add, key-retire, key-revoke, verify or "
                                          "list");
    const char *name = NULL, *keyid = NULL, *key = NULL, *data = NULL, *at = NULL;
    int verified = 0, off = 0;
    for (int i = 2; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-p", "--key", &key);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", &data);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--at", &at);
        if (r < 0)
            return osp_cli_usage("publisher", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--verified") == 0)
            verified = 1;
        else if (strcmp(argv[i], "--off") == 0)
            off = 1;
        else if (argv[i][0] == '-')
            return osp_cli_usage("publisher", "unexpected argument %s", argv[i]);
        else if (!name)
            name = argv[i];
        else if (!keyid)
            keyid = argv[i];
        else
            return osp_cli_usage("publisher", "unexpected argument %s", argv[i]);
    }
    int needs_key_file = a <= 1, needs_keyid = a == 2 || a == 3;
    if ((a != 5 && !name) || (needs_key_file && !key) || (needs_keyid && !keyid))
        return osp_cli_usage("publisher", "missing arguments for %s", action);
    struct osp_pubkey pub;
    int rc;
    if (needs_key_file && (rc = osp_cli_read_pubkey(key, &pub)) != 0)
        return osp_cli_fail(rc, "cannot read public key %s", key);
    int64_t when = (int64_t)time(NULL);
    if (at) {
        char *end;
        long long v = strtoll(at, &end, 10);
        if (*end || v <= 0)
            return osp_cli_usage("publisher", "--at takes unix seconds");
        when = v;
    }
    struct osp_registry *reg = NULL;
    if (osp_cli_open_registry(osp_cli_data_dir(data), &reg) != 0)
        return OSP_EXIT_FAIL;
    char token[OSP_TOKEN_LEN + 1];
    switch (a) {
    case 0:
        rc = osp_registry_publisher_add(reg, name, &pub, verified, when, token);
        if (rc == 0) {
            printf("%s\n", token);
            fprintf(stderr, "publisher %s added; the line above is its publish token, shown once\n",
                    name);
        }
        break;
    case 1:
        rc = osp_registry_key_add(reg, name, &pub, when);
        break;
    case 2:
        rc = osp_registry_key_retire(reg, name, keyid, when);
        break;
    case 3:
        rc = osp_registry_key_revoke(reg, name, keyid);
        break;
    case 4:
        rc = osp_registry_publisher_set_verified(reg, name, !off);
        break;
    default:
        rc = publisher_list(reg);
        osp_registry_close(reg);
        return rc;
    }
    osp_registry_close(reg);
    if (rc == OSP_E_CONFLICT)
        return osp_cli_fail(rc, "%s: that publisher or key already exists", action);
    if (rc == OSP_E_NOT_FOUND)
        return osp_cli_fail(rc, "%s: no such publisher%s", action, keyid ? " or key" : "");
    if (rc != 0)
        return osp_cli_fail(rc, "%s failed", action);
    if (a != 0)
        printf("%s: done\n", action);
    return 0;
}

int osp_cli_install(int argc, char **argv)
{
    const char *id = NULL, *data = NULL, *tenant = "default", *grants[OSP_GRANTS_MAX];
    int n_grants = 0, grant_all = 0;
    for (int i = 1; i < argc; i++) {
        const char *g = NULL;
        int r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", &data);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--tenant", &tenant);
        if (!r && (r = osp_cli_opt(argc, argv, &i, "-g", "--grant", &g)) == 1) {
            if (n_grants == OSP_GRANTS_MAX)
                return osp_cli_usage("install", "too many grants");
            grants[n_grants++] = g;
        }
        if (r < 0)
            return osp_cli_usage("install", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--grant-all") == 0)
            grant_all = 1;
        else if (argv[i][0] == '-' || id)
            return osp_cli_usage("install", "unexpected argument %s", argv[i]);
        else
            id = argv[i];
    }
    if (!id)
        return osp_cli_usage("install", "which plugin?");
    struct osp_registry *reg = NULL;
    if (osp_cli_open_registry(osp_cli_data_dir(data), &reg) != 0)
        return OSP_EXIT_FAIL;
    struct osp_version_row v;
    int rc = osp_registry_version_latest(reg, id, &v);
    if (rc != 0) {
        osp_registry_close(reg);
        return osp_cli_fail(rc, "no published version of %s", id);
    }
    /* Grants are a subset of what the manifest requests: consent can only
     * narrow a request, never widen it. */
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    struct osp_manifest *m = NULL;
    snprintf(path, sizeof path, "%s/blobs/sha256/%.2s/%s", osp_cli_data_dir(data), v.digest,
             v.digest + 2);
    rc = osp_fs_read(path, OSP_MANIFEST_MAX_BYTES, &text, &len);
    if (rc == 0)
        rc = osp_manifest_parse(text, len, 0, &m, NULL);
    free(text);
    if (rc != 0)
        rc = osp_cli_fail(rc, "the stored manifest of %s is unreadable", id);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; rc == 0 && i < m->n_rpc; i++) {
        int wanted = grant_all;
        for (int k = 0; k < n_grants; k++)
            wanted |= strcmp(grants[k], m->rpc[i]) == 0;
        if (wanted)
            cJSON_AddItemToArray(arr, cJSON_CreateString(m->rpc[i]));
    }
    for (int k = 0; rc == 0 && k < n_grants; k++) {
        int requested = 0;
        for (size_t i = 0; i < m->n_rpc; i++)
            requested |= strcmp(grants[k], m->rpc[i]) == 0;
        if (!requested)
            rc = osp_cli_fail(OSP_E_PERMISSION_DENIED, "%s does not request %s", id, grants[k]);
    }
    char *grants_json = rc == 0 ? cJSON_PrintUnformatted(arr) : NULL;
    if (rc == 0) {
        struct osp_installation old;
        int had = osp_registry_installation_get(reg, tenant, id, &old) == 0;
        rc = grants_json ? osp_registry_install(reg, tenant, id, v.digest, grants_json,
                                                (int64_t)time(NULL))
                         : OSP_E_NO_MEMORY;
        if (rc == 0) {
            /* A grant change from the command line is audited like one made
             * through the API: same action names, same detail. */
            char actor[80];
            osp_cli_actor(actor, sizeof actor);
            cJSON *detail = cJSON_CreateObject();
            cJSON_AddStringToObject(detail, "version", v.version);
            cJSON_AddItemToObject(detail, "grants", cJSON_Parse(grants_json));
            if (had)
                cJSON_AddItemToObject(detail, "previous_grants", cJSON_Parse(old.grants_json));
            struct osp_audit_entry e = {(int64_t)time(NULL),
                                        tenant,
                                        actor,
                                        id,
                                        had ? "installation.change" : "installation.install",
                                        "",
                                        "",
                                        "allowed",
                                        "",
                                        detail};
            if (osp_audit_append(osp_registry_db(reg), &e) != 0)
                fprintf(stderr, "osp install: warning: installed but could not be audited\n");
            cJSON_Delete(detail);
            printf("installed %s %s for tenant %s with grants %s\n", id, v.version, tenant,
                   grants_json);
        } else {
            rc = osp_cli_fail(rc, "cannot install %s", id);
        }
        if (had)
            osp_installation_clear(&old);
    }
    cJSON_free(grants_json);
    cJSON_Delete(arr);
    osp_manifest_free(m);
    osp_version_row_clear(&v);
    osp_registry_close(reg);
    return rc == 0 ? 0 : OSP_EXIT_FAIL;
}

/* ---- read-only inspection: list, show ------------------------------------ */

static int parse_inspect_opts(const char *verb, int argc, char **argv, const char **id,
                              const char **data, int *json)
{
    *json = 0;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", data);
        if (r < 0)
            return osp_cli_usage(verb, "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            *json = 1;
        else if (argv[i][0] == '-' || !id || *id)
            return osp_cli_usage(verb, "unexpected argument %s", argv[i]);
        else
            *id = argv[i];
    }
    return 0;
}

int osp_cli_list(int argc, char **argv)
{
    const char *data = NULL, *query = NULL;
    int json;
    if (parse_inspect_opts("list", argc, argv, &query, &data, &json) != 0)
        return OSP_EXIT_USAGE;
    struct osp_registry *reg = NULL;
    if (osp_cli_open_existing(data, &reg) != 0)
        return OSP_EXIT_FAIL;
    struct osp_plugin_row *list = NULL;
    size_t n = 0;
    int rc = osp_registry_plugins(reg, query, &list, &n);
    if (rc != 0) {
        osp_registry_close(reg);
        return osp_cli_fail(rc, "cannot read the registry");
    }
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    if (!json)
        printf("%-32s %-10s %-16s %8s %9s\n", "PLUGIN", "LATEST", "PUBLISHER", "VERSIONS",
               "INSTALLED");
    for (size_t i = 0; i < n; i++) {
        struct osp_installation *ins = NULL;
        size_t ni = 0;
        osp_registry_installations_where(reg, NULL, list[i].id, 1, &ins, &ni);
        osp_registry_installations_free(ins, ni);
        if (json) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "id", list[i].id);
            cJSON_AddStringToObject(p, "name", list[i].name);
            cJSON_AddStringToObject(p, "publisher", list[i].publisher);
            cJSON_AddStringToObject(p, "latest", list[i].latest_version);
            cJSON_AddStringToObject(p, "digest", list[i].latest_digest);
            cJSON_AddNumberToObject(p, "versions", list[i].versions);
            cJSON_AddNumberToObject(p, "installations", (double)ni);
            cJSON_AddItemToArray(arr, p);
        } else {
            printf("%-32s %-10s %-16s %8d %9zu\n", list[i].id,
                   list[i].latest_version[0] ? list[i].latest_version : "(revoked)",
                   list[i].publisher, list[i].versions, ni);
        }
    }
    if (json)
        osp_cli_print_json(arr);
    else if (n == 0)
        printf("(no plugins)\n");
    osp_registry_plugins_free(list, n);
    osp_registry_close(reg);
    return 0;
}

/* The trust decision for a stored version, as the shell would make it. */
static const char *trust_state(struct osp_registry *reg, const char *data,
                               const struct osp_version_row *v, const struct osp_trust *trust)
{
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    if (v->revoked)
        return "revoked";
    snprintf(path, sizeof path, "%s/blobs/sha256/%.2s/%s", osp_cli_data_dir(data), v->digest,
             v->digest + 2);
    if (osp_fs_read(path, OSP_MANIFEST_MAX_BYTES, &text, &len) != 0)
        return "manifest_missing";
    struct osp_verified out;
    int rc = osp_verify_manifest(text, len, v->signature, strlen(v->signature), trust,
                                 v->published_at, v->digest, &out, NULL);
    osp_verified_clear(&out);
    free(text);
    (void)reg;
    return rc == 0 ? "trusted" : osp_error_code(rc);
}

int osp_cli_show(int argc, char **argv)
{
    const char *data = NULL, *id = NULL;
    int json;
    if (parse_inspect_opts("show", argc, argv, &id, &data, &json) != 0)
        return OSP_EXIT_USAGE;
    if (!id)
        return osp_cli_usage("show", "which plugin?");
    struct osp_registry *reg = NULL;
    if (osp_cli_open_existing(data, &reg) != 0)
        return OSP_EXIT_FAIL;
    struct osp_version_row *versions = NULL;
    struct osp_installation *ins = NULL;
    struct osp_trusted_key *keys = NULL;
    size_t nv = 0, ni = 0, nk = 0;
    int rc = osp_registry_versions(reg, id, &versions, &nv);
    if (rc == 0 && nv == 0)
        rc = OSP_E_NOT_FOUND;
    if (rc == 0)
        rc = osp_registry_installations_where(reg, NULL, id, 1, &ins, &ni);
    if (rc == 0)
        rc = osp_registry_trust_load(reg, versions[0].publisher, &keys, &nk);
    if (rc != 0) {
        osp_registry_versions_free(versions, nv);
        osp_registry_close(reg);
        return osp_cli_fail(rc, rc == OSP_E_NOT_FOUND ? "no plugin %s" : "cannot read %s", id);
    }
    struct osp_trust trust = {keys, nk};
    cJSON *o = json ? cJSON_CreateObject() : NULL;
    if (json) {
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "publisher", versions[0].publisher);
    } else {
        printf("%s, published by %s\n\nversions\n", id, versions[0].publisher);
    }
    cJSON *va = json ? cJSON_AddArrayToObject(o, "versions") : NULL;
    for (size_t i = 0; i < nv; i++) {
        const char *state = trust_state(reg, data, &versions[i], &trust);
        if (json) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "version", versions[i].version);
            cJSON_AddStringToObject(v, "digest", versions[i].digest);
            cJSON_AddStringToObject(v, "keyid", versions[i].keyid);
            cJSON_AddNumberToObject(v, "published_at", (double)versions[i].published_at);
            cJSON_AddBoolToObject(v, "revoked", versions[i].revoked);
            cJSON_AddStringToObject(v, "trust", state);
            cJSON_AddItemToArray(va, v);
        } else {
            printf("  %-12s sha256:%.16s…  key %s  published %lld  %s\n", versions[i].version,
                   versions[i].digest, versions[i].keyid, (long long)versions[i].published_at,
                   state);
        }
    }
    cJSON *ia = json ? cJSON_AddArrayToObject(o, "installations") : NULL;
    if (!json)
        printf("\ninstallations%s\n", ni ? "" : "\n  (none)");
    for (size_t i = 0; i < ni; i++) {
        if (json) {
            cJSON *in = cJSON_CreateObject();
            cJSON_AddStringToObject(in, "tenant", ins[i].tenant);
            cJSON_AddStringToObject(in, "version", ins[i].version.version);
            cJSON_AddBoolToObject(in, "enabled", ins[i].enabled);
            cJSON *g = cJSON_Parse(ins[i].grants_json);
            cJSON_AddItemToObject(in, "grants", g ? g : cJSON_CreateArray());
            cJSON_AddItemToArray(ia, in);
        } else {
            printf("  tenant %-16s %-10s %-8s grants %s\n", ins[i].tenant, ins[i].version.version,
                   ins[i].enabled ? "enabled" : "disabled", ins[i].grants_json);
        }
    }
    cJSON *ka = json ? cJSON_AddArrayToObject(o, "keys") : NULL;
    if (!json)
        printf("\npublisher keys\n");
    for (size_t i = 0; i < nk; i++) {
        char kid[OSP_SIG_KEYID_HEX_BYTES];
        osp_sig_keyid_hex(keys[i].key.keyid, kid);
        const char *state = keys[i].revoked ? "revoked" : keys[i].retired_at ? "retired" : "active";
        if (json) {
            cJSON *k = cJSON_CreateObject();
            cJSON_AddStringToObject(k, "keyid", kid);
            cJSON_AddStringToObject(k, "state", state);
            cJSON_AddNumberToObject(k, "retired_at", (double)keys[i].retired_at);
            cJSON_AddBoolToObject(k, "verified_publisher", keys[i].verified);
            cJSON_AddItemToArray(ka, k);
        } else {
            printf("  %s  %s%s\n", kid, state, keys[i].verified ? " (verified publisher)" : "");
        }
    }
    if (json)
        osp_cli_print_json(o);
    free(keys);
    osp_registry_installations_free(ins, ni);
    osp_registry_versions_free(versions, nv);
    osp_registry_close(reg);
    return 0;
}

int osp_cli_admin_token(int argc, char **argv)
{
    const char *data = NULL, *name = NULL;
    if (argc < 2 || strcmp(argv[1], "add") != 0)
        return osp_cli_usage("admin-token", "say: osp admin-token add NAME");
    for (int i = 2; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-d", "--data-dir", &data);
        if (r < 0)
            return osp_cli_usage("admin-token", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (argv[i][0] == '-' || name)
            return osp_cli_usage("admin-token", "unexpected argument %s", argv[i]);
        name = argv[i];
    }
    if (!name)
        return osp_cli_usage("admin-token", "give the token a name");
    struct osp_registry *reg = NULL;
    if (osp_cli_open_registry(osp_cli_data_dir(data), &reg) != 0)
        return OSP_EXIT_FAIL;
    char token[OSP_TOKEN_LEN + 1];
    int rc = osp_registry_admin_token_add(reg, name, (int64_t)time(NULL), token);
    osp_registry_close(reg);
    if (rc != 0)
        return osp_cli_fail(rc, rc == OSP_E_CONFLICT ? "a token named %s exists" : "cannot add %s",
                            name);
    printf("%s\n", token);
    fprintf(stderr, "operator token %s added; the line above is shown once\n", name);
    return 0;
}
