/* Plugin iframe description (see include/osp/frame.h). */
#include "osp/frame.h"
#include "osp/error.h"
#include "osp/hash.h"
#include "osp/perm.h"

#include <stdio.h>
#include <string.h>

int osp_frame_describe(const struct osp_manifest *m, const char *digest,
                       const char *contribution_id, const char *plugin_origin, int offscreen,
                       struct osp_frame *out)
{
    unsigned char bin[OSP_SHA256_BYTES];
    memset(out, 0, sizeof *out);
    if (!m || !digest || osp_hash_from_hex(digest, bin, sizeof bin) != 0 ||
        osp_perm_check_host_origin(plugin_origin) != 0)
        return OSP_E_INVALID_ARGUMENT;
    const struct osp_contribution *k = osp_manifest_find_contribution(m, contribution_id);
    if (!k)
        return OSP_E_NOT_FOUND;
    /* Ids, digests and entries are validated to URL-safe characters, so no
     * escaping is needed; a truncated URL would be a bug, so refuse it. */
    int n = snprintf(out->src, sizeof out->src, "%s/ext-ui/%s/%s/%s", plugin_origin, m->id,
                     digest, k->entry);
    if (n < 0 || (size_t)n >= sizeof out->src) {
        memset(out, 0, sizeof *out);
        return OSP_E_INVALID_ARGUMENT;
    }
    snprintf(out->sandbox, sizeof out->sandbox, "allow-scripts");
    snprintf(out->referrerpolicy, sizeof out->referrerpolicy, "no-referrer");
    out->allow[0] = '\0';
    snprintf(out->loading, sizeof out->loading, "%s", offscreen ? "lazy" : "eager");
    snprintf(out->title, sizeof out->title, "%s — %s", k->title ? k->title : k->id,
             m->name ? m->name : m->id);
    out->height = k->height;
    return 0;
}
