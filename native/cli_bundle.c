/* osp verbs on keys and bundles: keygen, pack, sign, verify, check, inspect.
 * None of them ever runs plugin code. */
#include "cli.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/json.h"
#include "osp/pack.h"
#include "osp/perm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_PUBKEYS 16

int osp_cli_keygen(int argc, char **argv)
{
    const char *base = "osp";
    int no_password = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-o", "--output", &base);
        if (r < 0)
            return osp_cli_usage("keygen", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--no-password") == 0)
            no_password = 1;
        else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
            force = 1;
        else
            return osp_cli_usage("keygen", "unknown argument %s", argv[i]);
    }
    char key_path[PATH_MAX], pub_path[PATH_MAX];
    if (snprintf(key_path, sizeof key_path, "%s.key", base) >= (int)sizeof key_path ||
        snprintf(pub_path, sizeof pub_path, "%s.pub", base) >= (int)sizeof pub_path)
        return osp_cli_usage("keygen", "output name is too long");
    if (!force && (osp_fs_exists(key_path) || osp_fs_exists(pub_path)))
        return osp_cli_fail(OSP_E_CONFLICT, "%s or %s exists; pass --force to replace it",
                            key_path, pub_path);
    char pw[1024] = "", pw2[1024] = "";
    const char *password = NULL;
    if (!no_password) {
        password = getenv("OSP_KEY_PASSWORD");
        if (!password) {
            if (!osp_cli_prompt_password("Password for the new key: ", pw, sizeof pw) ||
                !osp_cli_prompt_password("Repeat it: ", pw2, sizeof pw2))
                return osp_cli_fail(OSP_E_INVALID_ARGUMENT,
                                    "no terminal to ask for a password: set OSP_KEY_PASSWORD "
                                    "or pass --no-password");
            if (strcmp(pw, pw2) != 0)
                return osp_cli_fail(OSP_E_INVALID_ARGUMENT, "the passwords differ");
            password = pw;
        }
    }
    struct osp_signer *s = NULL;
    int rc = osp_signer_generate(&s);
    char sk[OSP_SIGNER_FILE_MAX], pk[256];
    struct osp_pubkey pub;
    if (rc == 0)
        rc = osp_signer_save(s, password, sk, sizeof sk);
    if (rc == 0) {
        osp_signer_public(s, &pub);
        rc = osp_sig_format_pubkey(&pub, pk, sizeof pk);
    }
    if (rc == 0)
        rc = osp_fs_write_atomic(key_path, sk, strlen(sk), 0600);
    if (rc == 0)
        rc = osp_fs_write_atomic(pub_path, pk, strlen(pk), 0644);
    memset(sk, 0, sizeof sk);
    memset(pw, 0, sizeof pw);
    memset(pw2, 0, sizeof pw2);
    osp_signer_free(s);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot write the key pair");
    char id[OSP_SIG_KEYID_HEX_BYTES];
    osp_sig_keyid_hex(pub.keyid, id);
    printf("key id %s\nsecret key: %s (keep it secret%s)\npublic key: %s\n", id, key_path,
           password && *password ? ", password-protected" : ", NOT password-protected", pub_path);
    return 0;
}

static int write_bundle(const char *path, const unsigned char *data, size_t len)
{
    int rc = osp_fs_write_atomic(path, data, len, 0644);
    return rc == 0 ? 0 : osp_cli_fail(rc, "cannot write %s", path);
}

int osp_cli_pack(int argc, char **argv)
{
    const char *dir = NULL, *key = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-k", "--key", &key);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-o", "--output", &output);
        if (r < 0)
            return osp_cli_usage("pack", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (argv[i][0] == '-' || dir)
            return osp_cli_usage("pack", "unexpected argument %s", argv[i]);
        dir = argv[i];
    }
    if (!dir)
        return osp_cli_usage("pack", "which directory?");
    struct osp_signer *s = NULL;
    if (key && osp_cli_load_signer(key, &s) != 0)
        return OSP_EXIT_FAIL;
    struct osp_diags d = {0};
    struct osp_cli_progress progress;
    unsigned char *out = NULL;
    size_t len = 0;
    int rc = osp_pack_dir(dir, s, osp_cli_progress_start(&progress, "pack"), &out, &len, &d);
    osp_cli_progress_done(&progress);
    osp_signer_free(s);
    if (rc != 0) {
        osp_cli_print_diags(&d);
        osp_diags_free(&d);
        return osp_cli_fail(rc, "%s was not packed", dir);
    }
    osp_diags_free(&d);
    char name[PATH_MAX];
    if (!output) {
        /* <id>-<version>.osplugin, from the manifest just written. */
        struct osp_bundle b;
        struct osp_manifest *m = NULL;
        if (osp_bundle_open(out, len, &b, NULL) == 0 &&
            osp_manifest_parse((const char *)b.manifest->data, b.manifest->size, 0, &m, NULL) ==
                0)
            snprintf(name, sizeof name, "%s-%s.osplugin", m->id, m->version);
        else
            snprintf(name, sizeof name, "plugin.osplugin");
        osp_manifest_free(m);
        osp_bundle_close(&b);
        output = name;
    }
    rc = write_bundle(output, out, len);
    free(out);
    if (rc != 0)
        return rc;
    printf("%s (%zu bytes, %s)\n", output, len, key ? "signed" : "unsigned: run osp sign");
    return 0;
}

int osp_cli_sign(int argc, char **argv)
{
    const char *file = NULL, *key = NULL, *minisig = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-k", "--key", &key);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--minisig", &minisig);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-o", "--output", &output);
        if (r < 0)
            return osp_cli_usage("sign", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (argv[i][0] == '-' || file)
            return osp_cli_usage("sign", "unexpected argument %s", argv[i]);
        file = argv[i];
    }
    if (!file || !key == !minisig)
        return osp_cli_usage("sign", "give a bundle and either -k KEY or --minisig SIG");
    struct osp_bundle b;
    char *raw = NULL, *sig = NULL;
    size_t sig_len = 0;
    struct osp_signer *s = NULL;
    if (osp_cli_read_bundle(file, &b, &raw) != 0)
        return OSP_EXIT_FAIL;
    int rc = 0;
    if (key && osp_cli_load_signer(key, &s) != 0)
        rc = OSP_EXIT_FAIL;
    if (minisig && (rc = osp_fs_read(minisig, OSP_SIG_FILE_MAX, &sig, &sig_len)) != 0)
        rc = osp_cli_fail(rc, "cannot read %s", minisig);
    struct osp_diags d = {0};
    unsigned char *out = NULL;
    size_t len = 0;
    if (rc == 0) {
        rc = s ? osp_pack_sign(&b, s, &out, &len, &d)
               : osp_pack_attach(&b, sig, sig_len, &out, &len, &d);
        if (rc != 0) {
            osp_cli_print_diags(&d);
            rc = osp_cli_fail(rc, "%s was not signed", file);
        }
    }
    osp_diags_free(&d);
    osp_signer_free(s);
    osp_bundle_close(&b);
    free(raw);
    free(sig);
    if (rc == 0 && (rc = write_bundle(output ? output : file, out, len)) == 0)
        printf("%s signed\n", output ? output : file);
    free(out);
    return rc;
}

/* The keys to trust: -p files (vouching for publisher), or every key
 * registered in a data directory.  *keys is malloc'd.  Returns 0 or an
 * exit status (already reported). */
static int load_trust(const char *const *pubs, int n_pubs, const char *trust_dir,
                      const char *publisher, struct osp_trusted_key **keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    if (trust_dir) {
        char db[PATH_MAX];
        snprintf(db, sizeof db, "%s/registry.db", trust_dir);
        if (!osp_fs_exists(db))
            return osp_cli_fail(OSP_E_NOT_FOUND, "%s is not an osp data directory (no registry.db)",
                                trust_dir);
        struct osp_registry *reg = NULL;
        if (osp_cli_open_registry(trust_dir, &reg) != 0)
            return OSP_EXIT_FAIL;
        int rc = osp_registry_trust_load(reg, NULL, keys, n);
        osp_registry_close(reg);
        return rc == 0 ? 0 : osp_cli_fail(rc, "cannot read the trust store in %s", trust_dir);
    }
    *keys = calloc((size_t)(n_pubs ? n_pubs : 1), sizeof **keys);
    if (!*keys)
        return osp_cli_fail(OSP_E_NO_MEMORY, "out of memory");
    for (int i = 0; i < n_pubs; i++) {
        int rc = osp_cli_read_pubkey(pubs[i], &(*keys)[i].key);
        if (rc != 0) {
            free(*keys);
            *keys = NULL;
            return osp_cli_fail(rc, "cannot read public key %s", pubs[i]);
        }
        snprintf((*keys)[i].publisher, sizeof (*keys)[i].publisher, "%s", publisher);
    }
    *n = (size_t)n_pubs;
    return 0;
}

/* The publisher a bundle's manifest names, or "" (for -p keys). */
static void manifest_publisher(const struct osp_bundle *b, char out[OSP_ID_MAX_LEN + 1])
{
    struct osp_manifest *m = NULL;
    out[0] = '\0';
    if (osp_manifest_parse((const char *)b->manifest->data, b->manifest->size, 0, &m, NULL) == 0)
        snprintf(out, OSP_ID_MAX_LEN + 1, "%s", m->publisher);
    osp_manifest_free(m);
}

/* Options shared by verify and check. */
struct key_opts {
    const char *pubs[MAX_PUBKEYS];
    int n_pubs;
    const char *trust;
    const char *target;
    int json;
};

static int parse_key_opts(const char *verb, int argc, char **argv, struct key_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = osp_cli_opt(argc, argv, &i, "-p", "--pubkey", &v);
        if (r == 1) {
            if (o->n_pubs == MAX_PUBKEYS)
                return osp_cli_usage(verb, "at most %d public keys", MAX_PUBKEYS);
            o->pubs[o->n_pubs++] = v;
            continue;
        }
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--trust", &o->trust);
        if (r < 0)
            return osp_cli_usage(verb, "%s needs a value", argv[i]);
        if (r)
            continue;
        if (strcmp(argv[i], "--json") == 0 && strcmp(verb, "check") == 0)
            o->json = 1;
        else if (argv[i][0] == '-' || o->target)
            return osp_cli_usage(verb, "unexpected argument %s", argv[i]);
        else
            o->target = argv[i];
    }
    if (!o->target)
        return osp_cli_usage(verb, "what should be checked?");
    if (o->n_pubs && o->trust)
        return osp_cli_usage(verb, "give -p keys or --trust, not both");
    return 0;
}

int osp_cli_verify(int argc, char **argv)
{
    struct key_opts o;
    if (parse_key_opts("verify", argc, argv, &o) != 0)
        return OSP_EXIT_USAGE;
    if (!o.n_pubs && !o.trust)
        return osp_cli_usage("verify", "give at least one -p PUBKEY, or --trust DIR");
    struct osp_bundle b;
    char *raw = NULL, publisher[OSP_ID_MAX_LEN + 1];
    if (osp_cli_read_bundle(o.target, &b, &raw) != 0)
        return OSP_EXIT_FAIL;
    manifest_publisher(&b, publisher);
    struct osp_trusted_key *keys = NULL;
    size_t n = 0;
    if (load_trust(o.pubs, o.n_pubs, o.trust, publisher, &keys, &n) != 0) {
        osp_bundle_close(&b);
        free(raw);
        return OSP_EXIT_FAIL;
    }
    struct osp_trust trust = {keys, n};
    struct osp_diags d = {0};
    struct osp_verified v = {0};
    struct osp_cli_progress progress;
    b.progress = osp_cli_progress_start(&progress, "verify");
    int rc = osp_bundle_verify(&b, &trust, (int64_t)time(NULL), &v, &d);
    osp_cli_progress_done(&progress);
    if (rc == 0)
        printf("%s: OK\n  %s %s by %s%s\n  digest %s\n  signed by key %s\n", o.target,
               v.manifest->id, v.manifest->version, v.manifest->publisher,
               v.signer->verified ? " (verified publisher)" : "", v.digest, v.keyid);
    else
        osp_cli_print_diags(&d);
    osp_verified_clear(&v);
    osp_diags_free(&d);
    osp_bundle_close(&b);
    free(raw);
    free(keys);
    return rc == 0 ? 0 : osp_cli_fail(rc, "%s was refused", o.target);
}

static void print_diags_json(const struct osp_diags *d)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < d->n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "code", osp_error_code(d->items[i].code));
        cJSON_AddStringToObject(e, "file", d->items[i].file);
        cJSON_AddStringToObject(e, "pointer", d->items[i].pointer);
        cJSON_AddStringToObject(e, "message", d->items[i].message);
        cJSON_AddStringToObject(e, "hint", d->items[i].hint);
        cJSON_AddItemToArray(arr, e);
    }
    osp_cli_print_json(arr);
}

int osp_cli_check(int argc, char **argv)
{
    struct key_opts o;
    if (parse_key_opts("check", argc, argv, &o) != 0)
        return OSP_EXIT_USAGE;
    struct stat st;
    if (stat(o.target, &st) != 0)
        return osp_cli_fail(OSP_E_NOT_FOUND, "%s does not exist", o.target);
    struct osp_diags d = {0};
    int rc;
    if (S_ISDIR(st.st_mode)) {
        /* Exactly what pack would refuse, without writing anything. */
        unsigned char *out = NULL;
        size_t len = 0;
        rc = osp_pack_dir(o.target, NULL, NULL, &out, &len, &d);
        free(out);
    } else {
        char *raw = NULL;
        size_t len = 0;
        struct osp_bundle b;
        rc = osp_fs_read(o.target, OSP_ARCHIVE_MAX_BYTES, &raw, &len);
        if (rc != 0)
            osp_diag_add(&d, rc, o.target, "", NULL, "cannot read the file");
        else
            rc = osp_bundle_open(raw, len, &b, &d);
        if (rc == 0) {
            char publisher[OSP_ID_MAX_LEN + 1];
            struct osp_verified v = {0};
            struct osp_trusted_key *keys = NULL;
            size_t n = 0;
            manifest_publisher(&b, publisher);
            if (o.n_pubs || o.trust) {
                if (load_trust(o.pubs, o.n_pubs, o.trust, publisher, &keys, &n) != 0) {
                    osp_bundle_close(&b);
                    free(raw);
                    osp_diags_free(&d);
                    return OSP_EXIT_FAIL;
                }
                struct osp_trust trust = {keys, n};
                rc = osp_bundle_verify(&b, &trust, (int64_t)time(NULL), &v, &d);
            } else {
                rc = osp_bundle_check(&b, &v, &d);
            }
            osp_verified_clear(&v);
            free(keys);
            osp_bundle_close(&b);
        }
        free(raw);
    }
    if (o.json)
        print_diags_json(&d);
    else if (rc == 0)
        printf("%s: no problems found%s\n", o.target,
               S_ISDIR(st.st_mode) || o.n_pubs || o.trust
                   ? ""
                   : " (signature not checked against a key: pass -p or --trust)");
    else
        osp_cli_print_diags(&d);
    size_t count = d.n + d.dropped;
    osp_diags_free(&d);
    if (rc != 0 && !o.json)
        fprintf(stderr, "osp: %zu problem%s in %s\n", count, count == 1 ? "" : "s", o.target);
    return rc == 0 ? 0 : OSP_EXIT_FAIL;
}

static const char *human_size(uint64_t n, char *buf, size_t cap)
{
    if (n < 1024)
        snprintf(buf, cap, "%llu B", (unsigned long long)n);
    else if (n < 1024 * 1024)
        snprintf(buf, cap, "%.1f KB", n / 1024.0);
    else
        snprintf(buf, cap, "%.1f MB", n / 1048576.0);
    return buf;
}

int osp_cli_inspect(int argc, char **argv)
{
    const char *file = NULL;
    int want_manifest = 0, want_tc = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--manifest") == 0)
            want_manifest = 1;
        else if (strcmp(argv[i], "--trusted-comment") == 0)
            want_tc = 1;
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' || file)
            return osp_cli_usage("inspect", "unexpected argument %s", argv[i]);
        else
            file = argv[i];
    }
    if (!file || want_manifest + want_tc + json > 1)
        return osp_cli_usage("inspect", "give one bundle and at most one output option");
    struct osp_bundle b;
    char *raw = NULL;
    if (osp_cli_read_bundle(file, &b, &raw) != 0)
        return OSP_EXIT_FAIL;
    int rc = 0;
    if (want_manifest) {
        fwrite(b.manifest->data, 1, b.manifest->size, stdout);
        goto done;
    }
    struct osp_manifest *m = NULL;
    struct osp_diags d = {0};
    rc = osp_manifest_parse((const char *)b.manifest->data, b.manifest->size, 0, &m, &d);
    osp_diags_set_file(&d, 0, OSP_BUNDLE_MANIFEST);
    if (rc != 0) {
        osp_cli_print_diags(&d);
        osp_diags_free(&d);
        rc = osp_cli_fail(rc, "%s has an invalid manifest; see osp check", file);
        goto done;
    }
    char digest[OSP_SHA256_HEX_BYTES], tc[256], keyid[OSP_SIG_KEYID_HEX_BYTES] = "";
    osp_hash_sha256_hex(b.manifest->data, b.manifest->size, digest);
    osp_verify_format_binding(m->id, m->version, digest, tc, sizeof tc);
    struct osp_sig sig;
    int sig_ok = b.signature &&
                 osp_sig_parse((const char *)b.signature->data, b.signature->size, &sig) == 0;
    if (sig_ok)
        osp_sig_keyid_hex(sig.keyid, keyid);
    uint64_t total = 0;
    for (size_t i = 0; i < m->n_files; i++)
        total += m->files[i].size;
    char size[32], desc[160];
    if (want_tc) {
        printf("%s\n", tc);
    } else if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", m->id);
        cJSON_AddStringToObject(o, "name", m->name);
        cJSON_AddStringToObject(o, "version", m->version);
        cJSON_AddStringToObject(o, "publisher", m->publisher);
        cJSON_AddStringToObject(o, "digest", digest);
        cJSON_AddStringToObject(o, "trusted_comment", tc);
        if (sig_ok) {
            cJSON_AddStringToObject(o, "keyid", keyid);
            cJSON_AddStringToObject(o, "signed_comment", sig.trusted_comment);
        } else {
            cJSON_AddNullToObject(o, "keyid");
        }
        cJSON *perms = cJSON_AddArrayToObject(o, "permissions");
        for (size_t i = 0; i < m->n_rpc; i++) {
            cJSON *p = cJSON_CreateObject();
            osp_perm_describe(m->rpc[i], desc, sizeof desc);
            cJSON_AddStringToObject(p, "permission", m->rpc[i]);
            cJSON_AddStringToObject(p, "means", desc);
            cJSON_AddItemToArray(perms, p);
        }
        cJSON *conn = cJSON_AddArrayToObject(o, "connect");
        for (size_t i = 0; i < m->n_connect; i++)
            cJSON_AddItemToArray(conn, cJSON_CreateString(m->connect[i]));
        cJSON *img = cJSON_AddArrayToObject(o, "img");
        for (size_t i = 0; i < m->n_img; i++)
            cJSON_AddItemToArray(img, cJSON_CreateString(m->img[i]));
        cJSON *files = cJSON_AddArrayToObject(o, "files");
        for (size_t i = 0; i < m->n_files; i++) {
            cJSON *f = cJSON_CreateObject();
            char hex[OSP_SHA256_HEX_BYTES];
            osp_hash_to_hex(m->files[i].sha256, OSP_SHA256_BYTES, hex);
            cJSON_AddStringToObject(f, "path", m->files[i].path);
            cJSON_AddNumberToObject(f, "size", (double)m->files[i].size);
            cJSON_AddStringToObject(f, "sha256", hex);
            cJSON_AddItemToArray(files, f);
        }
        osp_cli_print_json(o);
    } else {
        printf("%s %s — %s\n", m->id, m->version, m->name);
        if (m->description)
            printf("  %s\n", m->description);
        printf("\npublisher   %s\ndigest      sha256:%s\n", m->publisher, digest);
        if (sig_ok)
            printf("signed by   key %s (%s Ed25519)\n            \"%s\"\n", keyid,
                   sig.prehashed ? "prehashed" : "legacy", sig.trusted_comment);
        else
            printf("signed by   %s\n", b.signature ? "(malformed signature)" : "(not signed)");
        printf("            not checked here: run osp verify with the publisher's key\n");
        printf("\nit asks to\n");
        if (m->n_rpc == 0)
            printf("  (nothing beyond showing its own content)\n");
        for (size_t i = 0; i < m->n_rpc; i++) {
            osp_perm_describe(m->rpc[i], desc, sizeof desc);
            printf("  %-22s %s\n", m->rpc[i], desc);
        }
        for (size_t i = 0; i < m->n_connect; i++)
            printf("  %-22s connect to %s\n", "network", m->connect[i]);
        for (size_t i = 0; i < m->n_img; i++)
            printf("  %-22s load images from %s\n", "images", m->img[i]);
        printf("\ncontributes\n");
        for (size_t i = 0; i < m->n_contributions; i++) {
            const struct osp_contribution *k = &m->contributions[i];
            printf("  %-15s %-12s %s%s%s → %s\n", osp_manifest_surface_name(k->surface), k->id,
                   k->title ? "\"" : "", k->title ? k->title : k->target, k->title ? "\"" : "",
                   k->entry);
        }
        printf("\nfiles (%zu, %s)\n", m->n_files, human_size(total, size, sizeof size));
        for (size_t i = 0; i < m->n_files; i++)
            printf("  %10s  %s\n", human_size(m->files[i].size, size, sizeof size),
                   m->files[i].path);
    }
    osp_manifest_free(m);
    osp_diags_free(&d);
done:
    osp_bundle_close(&b);
    free(raw);
    return rc;
}
