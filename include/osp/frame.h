/* The iframe for one plugin contribution (tier U1): where it loads from
 * and which attributes fence it in.  The shell creates exactly this
 * element; it never composes a plugin URL or sandbox string itself.
 *
 * sandbox is "allow-scripts" only: never allow-same-origin (the frame
 * would share the plugin origin's storage and could lift its own
 * sandbox), never top navigation or popups.  referrerpolicy is
 * no-referrer, the permissions policy (allow) is empty, and frames that
 * start offscreen load lazily.
 */
#ifndef OSP_FRAME_H
#define OSP_FRAME_H

#include "osp/manifest.h"

struct osp_frame {
    char src[512];
    char sandbox[64];
    char referrerpolicy[16];
    char allow[8];
    char loading[8];
    char title[224]; /* "<contribution title> — <plugin name>" */
    int height; /* the manifest's size hint, 0 when absent */
};

/* Describes the frame for contribution_id of manifest m at digest, served
 * from plugin_origin.  Returns 0, OSP_E_NOT_FOUND (no such contribution)
 * or OSP_E_INVALID_ARGUMENT (bad origin or digest). */
int osp_frame_describe(const struct osp_manifest *m, const char *digest,
                       const char *contribution_id, const char *plugin_origin, int offscreen,
                       struct osp_frame *out);

#endif
