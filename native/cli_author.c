/* Verbs for plugin authors that are not about one bundle: the SDK tag to
 * paste into a page, and `osp new` (a working plugin from a template). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/hash.h"
#include "osp/pack.h"

#ifndef OSP_DEFAULT_TEMPLATE_DIR
#define OSP_DEFAULT_TEMPLATE_DIR "templates"
#endif

#define TEMPLATE_FILE_MAX (256u * 1024u)
#define NAME_MAX_LEN 40 /* publisher + "." + name stays within the 64 of an id */

/* The SDK path plugins load, relative to the plugin origin and to the
 * shell directory's sdk/ folder. */
#define SDK_PATH "v1/osp.js"

static const char *shell_dir(const char *given)
{
    if (given && *given)
        return given;
    const char *env = getenv("OSP_SHELL_DIR");
    return env && *env ? env : OSP_DEFAULT_SHELL_DIR;
}

/* The SDK <script> tag with its SRI hash, without a newline.  Returns 0 or
 * OSP_E_IO (reported). */
static int sdk_tag(const char *shell, char *out, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sdk/" SDK_PATH, shell);
    char *text = NULL;
    size_t len = 0;
    if (osp_fs_read(path, 4u << 20, &text, &len) != 0) {
        osp_cli_fail(OSP_E_IO, "cannot read the plugin SDK at %s", path);
        return OSP_E_IO;
    }
    unsigned char digest[OSP_SHA256_BYTES];
    osp_hash_sha256(text, len, digest);
    free(text);
    char b64[sodium_base64_ENCODED_LEN(OSP_SHA256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
    /* crossorigin: the page's origin is opaque, so the SDK is a CORS
     * fetch, which is what lets the browser check the integrity. */
    snprintf(out, cap,
             "<script src=\"/_osp/sdk/" SDK_PATH "\" integrity=\"sha256-%s\" "
             "crossorigin=\"anonymous\"></script>",
             b64);
    return 0;
}

int osp_cli_sdk_tag(int argc, char **argv)
{
    const char *shell = NULL;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, NULL, "--shell-dir", &shell);
        if (r < 0)
            return osp_cli_usage("sdk-tag", "%s needs a value", argv[i]);
        if (r == 0)
            return osp_cli_usage("sdk-tag", "unexpected argument %s", argv[i]);
    }
    char tag[256];
    if (sdk_tag(shell_dir(shell), tag, sizeof tag) != 0)
        return OSP_EXIT_FAIL;
    printf("%s\n", tag);
    return 0;
}

/* ---- osp new ------------------------------------------------------------ */

/* The values a template's @@NAME@@ placeholders take. */
struct vars {
    const char *keys[8];
    const char *values[8];
    size_t n;
};

static int simple_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !(s[0] >= 'a' && s[0] <= 'z') || s[n - 1] == '-')
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Replaces every @@KEY@@ in text; unknown placeholders stay as they are. */
static char *substitute(const char *text, size_t len, const struct vars *v, size_t *out_len)
{
    size_t cap = len + 4096, n = 0;
    char *out = malloc(cap);
    for (size_t i = 0; out && i < len;) {
        const char *val = NULL;
        size_t klen = 0;
        if (i + 4 < len && text[i] == '@' && text[i + 1] == '@')
            for (size_t k = 0; k < v->n && !val; k++) {
                klen = strlen(v->keys[k]);
                if (i + 4 + klen <= len && memcmp(text + i + 2, v->keys[k], klen) == 0 &&
                    text[i + 2 + klen] == '@' && text[i + 3 + klen] == '@')
                    val = v->values[k];
            }
        size_t add = val ? strlen(val) : 1;
        if (n + add + 1 > cap) {
            cap = (n + add + 1) * 2;
            char *nb = realloc(out, cap);
            if (!nb) {
                free(out);
                return NULL;
            }
            out = nb;
        }
        if (val) {
            memcpy(out + n, val, add);
            n += add;
            i += klen + 4;
        } else {
            out[n++] = text[i++];
        }
    }
    if (out)
        out[n] = '\0';
    *out_len = n;
    return out;
}

static int write_file(const char *path, const void *data, size_t len)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (osp_fs_mkdirs(dir) != 0)
            return OSP_E_IO;
    }
    return osp_fs_write_atomic(path, data, len, 0644);
}

/* Copies every file under src (recursively) into dst, substituting. */
static int copy_template(const char *src, const char *dst, const struct vars *v)
{
    DIR *d = opendir(src);
    if (!d)
        return osp_cli_fail(OSP_E_IO, "cannot read the template directory %s", src);
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", src, de->d_name);
        snprintf(to, sizeof to, "%s/%s", dst, de->d_name);
        struct stat st;
        if (stat(from, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = copy_template(from, to, v);
            continue;
        }
        char *text = NULL, *out = NULL;
        size_t len = 0, out_len = 0;
        if (osp_fs_read(from, TEMPLATE_FILE_MAX, &text, &len) != 0) {
            rc = osp_cli_fail(OSP_E_IO, "cannot read the template file %s", from);
            break;
        }
        out = substitute(text, len, v, &out_len);
        free(text);
        if (!out || write_file(to, out, out_len) != 0)
            rc = osp_cli_fail(out ? OSP_E_IO : OSP_E_NO_MEMORY, "cannot write %s", to);
        free(out);
    }
    closedir(d);
    return rc;
}

/* 1 if path exists and holds anything, 0 if it is missing or empty, -1 if
 * it exists but is not a directory. */
static int non_empty(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return -1;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int any = 0;
    for (struct dirent *de; !any && (de = readdir(d));)
        any = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return any;
}

int osp_cli_new(int argc, char **argv)
{
    const char *name = NULL, *template = "widget", *publisher = "acme", *title = NULL;
    const char *shell = NULL;
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, "-t", "--template", &template);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, "-p", "--publisher", &publisher);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--title", &title);
        if (!r)
            r = osp_cli_opt(argc, argv, &i, NULL, "--shell-dir", &shell);
        if (r < 0)
            return osp_cli_usage("new", "%s needs a value", argv[i]);
        if (r)
            continue;
        if (argv[i][0] == '-' || name)
            return osp_cli_usage("new", "unexpected argument %s", argv[i]);
        name = argv[i];
    }
    if (!name)
        return osp_cli_usage("new", "name the plugin: osp new NAME --template widget|field|view");
    if (!simple_name(name, NAME_MAX_LEN))
        return osp_cli_fail(OSP_E_BAD_ID,
                            "'%s' cannot name a plugin: use 1 to %d lower-case letters, digits "
                            "and '-', starting with a letter (e.g. hello-world)",
                            name, NAME_MAX_LEN);
    if (!simple_name(publisher, 20))
        return osp_cli_fail(OSP_E_BAD_ID,
                            "'%s' cannot name a publisher: use 1 to 20 lower-case letters, "
                            "digits and '-', starting with a letter",
                            publisher);
    static const char *const kinds[] = {"widget", "field", "view"};
    int known = 0;
    for (size_t k = 0; k < 3; k++)
        known |= strcmp(template, kinds[k]) == 0;
    if (!known)
        return osp_cli_fail(OSP_E_BAD_TEMPLATE, "no template '%s': choose widget, field or view",
                            template);
    int state = non_empty(name);
    if (state != 0)
        return osp_cli_fail(OSP_E_DIR_NOT_EMPTY,
                            state < 0 ? "%s exists and is not a directory; choose another name"
                                      : "%s exists and is not empty; choose another name or "
                                        "remove it",
                            name);
    const char *tdir = getenv("OSP_TEMPLATE_DIR");
    if (!tdir || !*tdir)
        tdir = OSP_DEFAULT_TEMPLATE_DIR;
    char tag[256], id[80], human[128], src[PATH_MAX], path[PATH_MAX];
    if (sdk_tag(shell_dir(shell), tag, sizeof tag) != 0)
        return OSP_EXIT_FAIL;
    snprintf(id, sizeof id, "%s.%s", publisher, name);
    if (title) {
        if (strlen(title) > 80 || strpbrk(title, "\"\\<>&\r\n"))
            return osp_cli_fail(OSP_E_INVALID_ARGUMENT,
                                "--title takes at most 80 characters, without quotes, "
                                "backslashes, <, > or &");
        snprintf(human, sizeof human, "%s", title);
    } else {
        /* hello-world -> Hello world */
        snprintf(human, sizeof human, "%s", name);
        for (char *c = human; *c; c++)
            if (*c == '-')
                *c = ' ';
        human[0] = (char)(human[0] - 'a' + 'A');
    }
    struct vars v = {{"ID", "NAME", "TITLE", "PUBLISHER", "SDK_TAG", "TEMPLATE"},
                     {id, name, human, publisher, tag, template},
                     6};
    snprintf(src, sizeof src, "%s/common", tdir);
    int rc = copy_template(src, name, &v);
    if (rc == 0) {
        snprintf(src, sizeof src, "%s/%s", tdir, template);
        rc = copy_template(src, name, &v);
    }
    /* The SDK's type declarations, copied as they are, for completion. */
    char *dts = NULL;
    size_t dts_len = 0;
    snprintf(path, sizeof path, "%s/sdk/v1/osp.d.ts", shell_dir(shell));
    if (rc == 0 && osp_fs_read(path, 1u << 20, &dts, &dts_len) != 0)
        rc = osp_cli_fail(OSP_E_IO, "cannot read the SDK's types at %s", path);
    snprintf(path, sizeof path, "%s/types/osp.d.ts", name);
    if (rc == 0 && write_file(path, dts, dts_len) != 0)
        rc = osp_cli_fail(OSP_E_IO, "cannot write %s", path);
    free(dts);
    if (rc != 0)
        return OSP_EXIT_FAIL;
    /* What we wrote must pass the same check as `osp check`: a template
     * that does not is a bug here, not the author's problem. */
    struct osp_diags d = {0};
    unsigned char *out = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/plugin", name);
    rc = osp_pack_dir(path, NULL, NULL, &out, &len, &d);
    free(out);
    if (rc != 0) {
        osp_cli_print_diags(&d);
        osp_diags_free(&d);
        return osp_cli_fail(OSP_E_INTERNAL, "the %s template in %s does not pass osp check",
                            template, tdir);
    }
    osp_diags_free(&d);
    printf("created %s/ (a %s plugin, id %s)\n\n"
           "  %s/plugin/       what ships: osplugin.json, the page, its script and style\n"
           "  %s/types/        osp.d.ts, for completion in your editor (jsconfig.json)\n"
           "  %s/tests/        a Playwright test against the dev server\n\n"
           "next:\n  osp dev %s\n",
           name, template, id, name, name, name, name);
    return 0;
}
