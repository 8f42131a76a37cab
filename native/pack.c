/* Packing plugin directories into signed bundles (see include/osp/pack.h). */
#include "osp/pack.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/hash.h"
#include "osp/json.h"
#include "osp/path.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


struct file_list {
    struct osp_archive_entry *items;
    size_t n, cap;
    uint64_t total;
};

static void free_files(struct file_list *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        free((void *)fl->items[i].path);
        free((void *)fl->items[i].data);
    }
    free(fl->items);
    memset(fl, 0, sizeof *fl);
}

static int skipped_name(const char *name, int is_dir)
{
    if (is_dir)
        return strcmp(name, ".git") == 0 || strcmp(name, ".hg") == 0 ||
               strcmp(name, ".svn") == 0 || strcmp(name, "node_modules") == 0;
    size_t n = strlen(name);
    return osp_path_is_reserved(name) || (n > 9 && strcmp(name + n - 9, ".osplugin") == 0);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Names and contents that look like credentials never go into a bundle. */
static const char *secret_reason(const char *name, const unsigned char *data, size_t len)
{
    if (strncmp(name, ".env", 4) == 0 || strcmp(name, ".npmrc") == 0 ||
        strcmp(name, ".netrc") == 0)
        return "environment and credential files hold secrets";
    if (ends_with(name, ".key") || ends_with(name, ".pem") || ends_with(name, ".p12") ||
        ends_with(name, ".pfx") || strncmp(name, "id_rsa", 6) == 0 ||
        strncmp(name, "id_ed25519", 10) == 0 || strncmp(name, "id_ecdsa", 8) == 0)
        return "private key files must never ship";
    static const char *const markers[] = {"PRIVATE KEY-----", "minisign encrypted secret key",
                                          "minisign secret key"};
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        size_t ml = strlen(markers[i]);
        for (size_t j = 0; len >= ml && j <= len - ml; j++)
            if (data[j] == (unsigned char)markers[i][0] && memcmp(data + j, markers[i], ml) == 0)
                return "the file contains a private key";
    }
    return NULL;
}

static int walk(const char *root, const char *rel, struct file_list *fl, struct osp_diags *d,
                int *first)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *dir = opendir(path);
    if (!dir) {
        osp_diag_add(d, OSP_E_IO, rel, "", NULL, "cannot read directory");
        return OSP_E_IO;
    }
    /* Collect names first so the walk order does not depend on readdir. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *de; (de = readdir(dir));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(de->d_name);
        if (names[n])
            n++;
    }
    closedir(dir);
    int rc = 0;
    for (size_t i = 0; i < n && rc != OSP_E_NO_MEMORY; i++) {
        char child_rel[PATH_MAX], child[PATH_MAX];
        int l1 = snprintf(child_rel, sizeof child_rel, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        int l2 = snprintf(child, sizeof child, "%s/%.*s", root, PATH_MAX / 2, child_rel);
        if (l1 < 0 || l2 < 0 || (size_t)l1 >= sizeof child_rel / 2 || (size_t)l2 >= sizeof child) {
            osp_diag_add(d, OSP_E_ARCHIVE_PATH, names[i], "", NULL, "path is too long");
            *first = *first ? *first : OSP_E_ARCHIVE_PATH;
            continue;
        }
        struct stat st;
        if (lstat(child, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (!skipped_name(names[i], 1))
                rc = walk(root, child_rel, fl, d, first);
            continue;
        }
        if (skipped_name(names[i], 0) && !*rel)
            continue;
        if (!S_ISREG(st.st_mode)) {
            osp_diag_add(d, OSP_E_ARCHIVE_INVALID, child_rel, "", "replace it with a regular file",
                         "not a regular file (symlinks and devices are never packed)");
            *first = *first ? *first : OSP_E_ARCHIVE_INVALID;
            continue;
        }
        char *data = NULL;
        size_t len = 0;
        int r = osp_fs_read(child, OSP_MANIFEST_MAX_FILE_SIZE, &data, &len);
        if (r != 0) {
            osp_diag_add(d, r, child_rel, "", NULL, "%s", osp_strerror(r));
            *first = *first ? *first : r;
            continue;
        }
        const char *why = secret_reason(names[i], (const unsigned char *)data, len);
        if (why) {
            osp_diag_add(d, OSP_E_SECRET_FILE, child_rel, "",
                         "move it out of the plugin directory", "refusing to pack: %s", why);
            *first = *first ? *first : OSP_E_SECRET_FILE;
            free(data);
            continue;
        }
        if (osp_path_check(child_rel) != 0) {
            osp_diag_add(d, OSP_E_ARCHIVE_PATH, child_rel, "",
                         "use names of letters, digits and ._@+- (no leading dot)",
                         "file name is not allowed in a bundle");
            *first = *first ? *first : OSP_E_ARCHIVE_PATH;
            free(data);
            continue;
        }
        if (fl->n == fl->cap) {
            size_t ncap = fl->cap ? fl->cap * 2 : 16;
            struct osp_archive_entry *ni = realloc(fl->items, ncap * sizeof *ni);
            if (!ni) {
                free(data);
                rc = OSP_E_NO_MEMORY;
                break;
            }
            fl->items = ni;
            fl->cap = ncap;
        }
        fl->items[fl->n].path = strdup(child_rel);
        fl->items[fl->n].data = (unsigned char *)data;
        fl->items[fl->n].size = len;
        fl->total += len;
        fl->n++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int cmp_entry_paths(const void *a, const void *b)
{
    return strcmp(((const struct osp_archive_entry *)a)->path,
                  ((const struct osp_archive_entry *)b)->path);
}

/* The .minisig for manifest bytes, binding id, version and digest. */
static int sign_manifest(const struct osp_signer *signer, const char *manifest, size_t mlen,
                         char *sig, size_t cap, struct osp_diags *d)
{
    struct osp_manifest *m = NULL;
    size_t before = d ? d->n : 0;
    int rc = osp_manifest_parse(manifest, mlen, 0, &m, d);
    osp_diags_set_file(d, before, OSP_BUNDLE_MANIFEST);
    if (rc != 0)
        return rc;
    char digest[OSP_SHA256_HEX_BYTES], tc[256];
    osp_hash_sha256_hex(manifest, mlen, digest);
    rc = osp_verify_format_binding(m->id, m->version, digest, tc, sizeof tc);
    if (rc == 0)
        rc = osp_signer_sign(signer, manifest, mlen, tc, 0, sig, cap);
    osp_manifest_free(m);
    return rc;
}

/* Packs manifest, signature (if any) and files into an archive. */
static int pack_with(const char *manifest, size_t mlen, const char *sig, size_t sig_len,
                     const struct osp_archive_entry *files, size_t n_files, unsigned char **out,
                     size_t *out_len)
{
    struct osp_archive_entry *all = malloc((n_files + 2) * sizeof *all);
    if (!all)
        return OSP_E_NO_MEMORY;
    size_t n = 0;
    all[n++] = (struct osp_archive_entry){OSP_BUNDLE_MANIFEST, (const unsigned char *)manifest,
                                          mlen};
    if (sig)
        all[n++] = (struct osp_archive_entry){OSP_BUNDLE_SIGNATURE, (const unsigned char *)sig,
                                              sig_len};
    for (size_t i = 0; i < n_files; i++)
        if (!osp_path_is_reserved(files[i].path))
            all[n++] = files[i];
    int rc = osp_archive_pack(all, n, out, out_len);
    free(all);
    return rc;
}

static void report(const struct osp_progress *p, const char *stage, uint64_t done,
                   uint64_t total)
{
    if (p && p->fn)
        p->fn(p->ctx, stage, done, total);
}

int osp_pack_dir(const char *dir, const struct osp_signer *signer,
                 const struct osp_progress *progress, unsigned char **out, size_t *out_len,
                 struct osp_diags *d)
{
    *out = NULL;
    *out_len = 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, OSP_BUNDLE_MANIFEST);
    char *src = NULL;
    size_t src_len = 0;
    int rc = osp_fs_read(path, OSP_MANIFEST_MAX_BYTES, &src, &src_len);
    if (rc != 0) {
        osp_diag_add(d, rc == OSP_E_NOT_FOUND ? OSP_E_MISSING_FILE : rc, OSP_BUNDLE_MANIFEST, "",
                     "run osp new to start a plugin", "cannot read %s: %s", path,
                     osp_strerror(rc));
        return rc == OSP_E_NOT_FOUND ? OSP_E_MISSING_FILE : rc;
    }
    struct osp_manifest *m = NULL;
    size_t before = d ? d->n : 0;
    /* Partial: entries and listed files are checked even when other
     * fields are wrong, so one run reports everything. */
    int first = osp_manifest_parse(src, src_len, OSP_MANIFEST_SOURCE | OSP_MANIFEST_PARTIAL, &m, d);
    osp_diags_set_file(d, before, OSP_BUNDLE_MANIFEST);

    struct file_list fl = {0};
    rc = walk(dir, "", &fl, d, &first);
    if (rc != 0 && !first)
        first = rc;
    qsort(fl.items, fl.n, sizeof *fl.items, cmp_entry_paths);

    /* A source manifest that lists files must list exactly what is there. */
    if (m && m->has_files) {
        for (size_t i = 0; i < m->n_files; i++)
            if (!bsearch(&(struct osp_archive_entry){m->files[i].path, NULL, 0}, fl.items, fl.n,
                         sizeof *fl.items, cmp_entry_paths)) {
                osp_diag_add(d, OSP_E_MISSING_FILE, m->files[i].path, "", NULL,
                             "listed in osplugin.json but not in the directory");
                first = first ? first : OSP_E_MISSING_FILE;
            }
        for (size_t i = 0; i < fl.n; i++)
            if (!osp_manifest_find_file(m, fl.items[i].path)) {
                osp_diag_add(d, OSP_E_UNLISTED_FILE, fl.items[i].path, "",
                             "list it, or remove \"files\" and let osp pack list everything",
                             "in the directory but not listed in osplugin.json");
                first = first ? first : OSP_E_UNLISTED_FILE;
            }
    }
    if (m)
        for (size_t i = 0; i < m->n_contributions; i++)
            if (!bsearch(&(struct osp_archive_entry){m->contributions[i].entry, NULL, 0},
                         fl.items, fl.n, sizeof *fl.items, cmp_entry_paths)) {
                osp_diag_add(d, OSP_E_MISSING_FILE, m->contributions[i].entry, "",
                             "create the file or fix the entry",
                             "entry of contribution \"%s\" does not exist",
                             m->contributions[i].id);
                first = first ? first : OSP_E_MISSING_FILE;
            }
    osp_manifest_free(m);
    m = NULL;
    if (first) {
        free(src);
        free_files(&fl);
        return first;
    }

    /* Rebuild the manifest with a complete "files" object. */
    cJSON *root = cJSON_ParseWithLength(src, src_len);
    free(src);
    cJSON *files = cJSON_CreateObject();
    rc = root && files ? 0 : OSP_E_NO_MEMORY;
    uint64_t hashed = 0;
    for (size_t i = 0; rc == 0 && i < fl.n; i++) {
        char hex[OSP_SHA256_HEX_BYTES];
        osp_hash_sha256_hex(fl.items[i].data, fl.items[i].size, hex);
        hashed += fl.items[i].size;
        report(progress, "hashing", hashed, fl.total);
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddStringToObject(e, "sha256", hex) ||
            !cJSON_AddNumberToObject(e, "size", (double)fl.items[i].size) ||
            !cJSON_AddItemToObject(files, fl.items[i].path, e))
            rc = OSP_E_NO_MEMORY;
    }
    char *manifest = NULL;
    size_t mlen = 0;
    if (rc == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "files");
        cJSON_AddItemToObject(root, "files", files);
        files = NULL;
        if (osp_json_print_pretty(root, &manifest, &mlen) != 0)
            rc = OSP_E_NO_MEMORY;
    }
    cJSON_Delete(files);
    cJSON_Delete(root);
    if (rc == 0) {
        /* Signing parses the final manifest; unsigned, parse it anyway. */
        char sig[1024];
        if (signer) {
            rc = sign_manifest(signer, manifest, mlen, sig, sizeof sig, d);
        } else {
            before = d ? d->n : 0;
            rc = osp_manifest_parse(manifest, mlen, 0, &m, d);
            osp_diags_set_file(d, before, OSP_BUNDLE_MANIFEST);
            osp_manifest_free(m);
        }
        report(progress, "compressing", 0, fl.total);
        if (rc == 0)
            rc = pack_with(manifest, mlen, signer ? sig : NULL, signer ? strlen(sig) : 0,
                           fl.items, fl.n, out, out_len);
        report(progress, "compressing", fl.total, fl.total);
    }
    free(manifest);
    free_files(&fl);
    return rc;
}

int osp_pack_sign(const struct osp_bundle *b, const struct osp_signer *signer,
                  unsigned char **out, size_t *out_len, struct osp_diags *d)
{
    *out = NULL;
    *out_len = 0;
    if (!signer)
        return OSP_E_INVALID_ARGUMENT;
    char sig[1024];
    const char *manifest = (const char *)b->manifest->data;
    int rc = sign_manifest(signer, manifest, b->manifest->size, sig, sizeof sig, d);
    if (rc != 0)
        return rc;
    return pack_with(manifest, b->manifest->size, sig, strlen(sig), b->archive->entries,
                     b->archive->n, out, out_len);
}

int osp_pack_attach(const struct osp_bundle *b, const char *sig, size_t sig_len,
                    unsigned char **out, size_t *out_len, struct osp_diags *d)
{
    *out = NULL;
    *out_len = 0;
    const char *manifest = (const char *)b->manifest->data;
    struct osp_verified v;
    int rc = osp_verify_structure(manifest, b->manifest->size, sig, sig_len, &v, d);
    osp_verified_clear(&v);
    if (rc != 0)
        return rc;
    return pack_with(manifest, b->manifest->size, sig, sig_len, b->archive->entries,
                     b->archive->n, out, out_len);
}

int osp_pack_set_version(const struct osp_bundle *b, const char *version,
                         const struct osp_signer *signer, unsigned char **out, size_t *out_len,
                         struct osp_diags *d)
{
    *out = NULL;
    *out_len = 0;
    if (!signer)
        return OSP_E_INVALID_ARGUMENT;
    cJSON *root = NULL;
    int rc = osp_json_parse((const char *)b->manifest->data, b->manifest->size, NULL, &root,
                            NULL);
    if (rc != 0)
        return rc;
    cJSON *v = cJSON_CreateString(version);
    if (!v || !cJSON_ReplaceItemInObjectCaseSensitive(root, "version", v)) {
        cJSON_Delete(v);
        cJSON_Delete(root);
        return OSP_E_MANIFEST_INVALID;
    }
    char *manifest = NULL;
    size_t mlen = 0;
    rc = osp_json_print_pretty(root, &manifest, &mlen) == 0 ? 0 : OSP_E_NO_MEMORY;
    cJSON_Delete(root);
    char sig[1024];
    /* Signing parses the new manifest, so a bad version is refused here. */
    if (rc == 0)
        rc = sign_manifest(signer, manifest, mlen, sig, sizeof sig, d);
    if (rc == 0)
        rc = pack_with(manifest, mlen, sig, strlen(sig), b->archive->entries, b->archive->n, out,
                       out_len);
    free(manifest);
    return rc;
}
