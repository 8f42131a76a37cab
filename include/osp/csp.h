/* The Content-Security-Policy for a plugin's pages, built from its
 * manifest.  The server sends it on every HTML response under
 * /ext-ui/<id>/<digest>/; nothing else decides a plugin's CSP.
 *
 * default-src 'none'; scripts, styles, fonts and images only from the
 * plugin's own digest path (plus the host's SDK path for scripts, and
 * data: images); connect-src and img-src add exactly the declared origins;
 * frame-ancestors is the app origin; base-uri, form-action and object-src
 * are 'none'; the sandbox directive repeats the iframe's sandbox; reports
 * go to the app origin.  Inline styles are allowed: a sandboxed frame
 * without network or secrets gains little from forbidding them, and many
 * UI libraries set style attributes.  Inline scripts are not.
 */
#ifndef OSP_CSP_H
#define OSP_CSP_H

#include <stddef.h>

#include "osp/manifest.h"

#define OSP_CSP_MAX_LEN 8192

struct osp_csp_params {
    const char *plugin_origin; /* "https://plugins.example.com" */
    const char *app_origin;    /* "https://app.example.com" */
    const char *sdk_path;      /* path prefix of the SDK on the plugin origin, "/_osp/sdk/" */
    const char *report_uri;    /* absolute URL for violation reports, or NULL */
};

/* Writes the policy for manifest m at digest into out (NUL-terminated) and
 * its length into *out_len.  Returns 0, OSP_E_INVALID_ARGUMENT (bad
 * origins, digest or path) or OSP_E_TOO_BIG (cap too small). */
int osp_csp_build(const struct osp_manifest *m, const char *digest,
                  const struct osp_csp_params *p, char *out, size_t cap, size_t *out_len);

#endif
