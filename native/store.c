/* Content-addressed blob store (see include/osp/store.h). */
#include "osp/store.h"
#include "osp/error.h"
#include "osp/fsutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct osp_store {
    char root[PATH_MAX - 128]; /* <data>/blobs/sha256, short enough for any blob path */
    char quarantine[PATH_MAX - 128];
};

int osp_store_open(const char *data_dir, struct osp_store **out)
{
    *out = NULL;
    struct osp_store *s = calloc(1, sizeof *s);
    if (!s)
        return OSP_E_NO_MEMORY;
    snprintf(s->quarantine, sizeof s->quarantine, "%s/quarantine", data_dir);
    int n = snprintf(s->root, sizeof s->root, "%s/blobs/sha256", data_dir);
    if (n < 0 || (size_t)n >= sizeof s->root || osp_fs_mkdirs(s->root) != 0) {
        free(s);
        return OSP_E_IO;
    }
    *out = s;
    return 0;
}

void osp_store_close(struct osp_store *s)
{
    free(s);
}

int osp_store_path(const struct osp_store *s, const char *hex, char *out, size_t cap)
{
    unsigned char bin[OSP_SHA256_BYTES];
    if (osp_hash_from_hex(hex, bin, sizeof bin) != 0)
        return OSP_E_INVALID_ARGUMENT;
    int n = snprintf(out, cap, "%s/%.2s/%s", s->root, hex, hex + 2);
    return n < 0 || (size_t)n >= cap ? OSP_E_INVALID_ARGUMENT : 0;
}

int osp_store_put(struct osp_store *s, const void *data, size_t len,
                  char hex[OSP_SHA256_HEX_BYTES])
{
    char path[PATH_MAX], dir[PATH_MAX];
    osp_hash_sha256_hex(data, len, hex);
    if (osp_store_path(s, hex, path, sizeof path) != 0)
        return OSP_E_IO;
    if (osp_fs_exists(path))
        return 0;
    snprintf(dir, sizeof dir, "%s/%.2s", s->root, hex);
    int rc = osp_fs_mkdirs(dir);
    if (rc == 0)
        rc = osp_fs_write_atomic(path, data, len, 0644);
    return rc;
}

int osp_store_get(struct osp_store *s, const char *hex, size_t max, char **data, size_t *len)
{
    char path[PATH_MAX];
    *data = NULL;
    *len = 0;
    int rc = osp_store_path(s, hex, path, sizeof path);
    if (rc != 0)
        return rc;
    rc = osp_fs_read(path, max, data, len);
    if (rc != 0)
        return rc;
    char got[OSP_SHA256_HEX_BYTES];
    osp_hash_sha256_hex(*data, *len, got);
    if (strcmp(got, hex) != 0) {
        free(*data);
        *data = NULL;
        *len = 0;
        return OSP_E_DIGEST_MISMATCH;
    }
    return 0;
}

static int is_hex(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

int osp_store_verify(struct osp_store *s, int repair,
                     void (*found)(void *ctx, const char *what, const char *name), void *ctx,
                     struct osp_store_report *out)
{
    memset(out, 0, sizeof *out);
    DIR *top = opendir(s->root);
    if (!top)
        return OSP_E_IO;
    int rc = 0;
    for (struct dirent *d; (d = readdir(top));) {
        if (d->d_name[0] == '.')
            continue;
        char dir[PATH_MAX], rel[300];
        snprintf(dir, sizeof dir, "%s/%.8s", s->root, d->d_name);
        if (!is_hex(d->d_name, 2)) {
            out->unexpected++;
            if (found)
                found(ctx, "unexpected", d->d_name);
            continue;
        }
        DIR *sub = opendir(dir);
        if (!sub)
            continue;
        for (struct dirent *e; (e = readdir(sub));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[PATH_MAX];
            if (osp_fs_join(path, sizeof path, dir, e->d_name) != 0)
                continue;
            snprintf(rel, sizeof rel, "%s/%.200s", d->d_name, e->d_name);
            if (strstr(e->d_name, ".tmp.")) {
                out->temporary++;
                if (found)
                    found(ctx, "temporary", rel);
                if (repair)
                    unlink(path);
                continue;
            }
            if (!is_hex(e->d_name, 62)) {
                out->unexpected++;
                if (found)
                    found(ctx, "unexpected", rel);
                continue;
            }
            char hex[OSP_SHA256_HEX_BYTES], *data = NULL;
            size_t len = 0;
            snprintf(hex, sizeof hex, "%s%s", d->d_name, e->d_name);
            int r = osp_store_get(s, hex, (size_t)1 << 32, &data, &len);
            free(data);
            if (r == 0) {
                out->blobs++;
                out->bytes += len;
                if (found)
                    found(ctx, "blob", hex);
            } else if (r == OSP_E_DIGEST_MISMATCH) {
                out->corrupt++;
                if (found)
                    found(ctx, "corrupt", rel);
                if (repair) {
                    char dest[PATH_MAX];
                    snprintf(dest, sizeof dest, "%s/%s.%ld", s->quarantine, hex, (long)time(NULL));
                    if (osp_fs_mkdirs(s->quarantine) != 0 || rename(path, dest) != 0 ||
                        osp_fs_sync_dir(dir) != 0)
                        rc = OSP_E_IO;
                }
            } else {
                rc = OSP_E_IO;
            }
        }
        closedir(sub);
    }
    closedir(top);
    return rc;
}

int osp_store_remove(struct osp_store *s, const char *hex)
{
    char path[PATH_MAX], dir[PATH_MAX];
    if (osp_store_path(s, hex, path, sizeof path) != 0)
        return OSP_E_INVALID_ARGUMENT;
    if (unlink(path) != 0)
        return osp_fs_exists(path) ? OSP_E_IO : OSP_E_NOT_FOUND;
    snprintf(dir, sizeof dir, "%s/%.2s", s->root, hex);
    return osp_fs_sync_dir(dir);
}

long long osp_store_age(struct osp_store *s, const char *hex)
{
    char path[PATH_MAX];
    struct stat st;
    if (osp_store_path(s, hex, path, sizeof path) != 0 || stat(path, &st) != 0)
        return -1;
    return (long long)(time(NULL) - st.st_mtime);
}
