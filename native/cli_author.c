/* Verbs for plugin authors that are not about one bundle: the SDK tag to
 * paste into a page. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "osp/error.h"
#include "osp/fsutil.h"
#include "osp/hash.h"

#ifndef OSP_DEFAULT_SHELL_DIR
#define OSP_DEFAULT_SHELL_DIR "shell"
#endif

/* The SDK path plugins load, relative to the plugin origin and to the
 * shell directory's sdk/ folder. */
#define SDK_PATH "v1/osp.js"

int osp_cli_sdk_tag(int argc, char **argv)
{
    const char *shell = getenv("OSP_SHELL_DIR");
    for (int i = 1; i < argc; i++) {
        int r = osp_cli_opt(argc, argv, &i, NULL, "--shell-dir", &shell);
        if (r < 0)
            return osp_cli_usage("sdk-tag", "%s needs a value", argv[i]);
        if (r == 0)
            return osp_cli_usage("sdk-tag", "unexpected argument %s", argv[i]);
    }
    if (!shell || !*shell)
        shell = OSP_DEFAULT_SHELL_DIR;
    char path[4096];
    snprintf(path, sizeof path, "%s/sdk/" SDK_PATH, shell);
    char *text = NULL;
    size_t len = 0;
    if (osp_fs_read(path, 4u << 20, &text, &len) != 0)
        return osp_cli_fail(OSP_E_IO, "cannot read the plugin SDK at %s", path);
    unsigned char digest[OSP_SHA256_BYTES];
    osp_hash_sha256(text, len, digest);
    free(text);
    char b64[sodium_base64_ENCODED_LEN(OSP_SHA256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
    /* crossorigin: the page's origin is opaque, so the SDK is a CORS
     * fetch, which is what lets the browser check the integrity. */
    printf("<script src=\"/_osp/sdk/" SDK_PATH "\" integrity=\"sha256-%s\" "
           "crossorigin=\"anonymous\"></script>\n",
           b64);
    return 0;
}
