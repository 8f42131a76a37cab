/* Permissions: the closed vocabulary a manifest may request, the origin
 * rules for connect/img, and grants (what an installation actually got).
 *
 * RPC permissions: "data.read:<object>", "data.write:<object>", "storage",
 * "ui.toast", "ui.modal", "ui.navigate".  <object> is [a-z][a-z0-9_]{0,31}.
 * Origins: "https://host[:port]" exactly (lowercase, no path, no trailing
 * slash); the host may start with one "*." wildcard label, never more and
 * never a bare "*".
 */
#ifndef OSP_PERM_H
#define OSP_PERM_H

#include <stddef.h>

#define OSP_PERM_MAX_LEN 64
#define OSP_ORIGIN_MAX_LEN 253
#define OSP_GRANTS_MAX 64 /* permissions per list (rpc, connect, img) */

/* Returns 0 if perm is in the vocabulary, else OSP_E_BAD_PERMISSION and, if
 * hint is not NULL, a suggestion ("did you mean data.read:contact") or an
 * explanation in hint (NUL-terminated, capacity hint_cap). */
int osp_perm_check(const char *perm, char *hint, size_t hint_cap);

/* Returns 0 if origin follows the origin rules above, else OSP_E_BAD_ORIGIN
 * with an explanation in hint as for osp_perm_check. */
int osp_perm_check_origin(const char *origin, char *hint, size_t hint_cap);

/* Returns 0 if origin is a host origin (the app or plugin origin a server
 * is configured with): "http://" or "https://", a host of lowercase labels
 * or an IPv4 address, an optional port, nothing after.  No wildcards.
 * Otherwise OSP_E_BAD_ORIGIN. */
int osp_perm_check_host_origin(const char *origin);

/* A plain-words description of perm ("read your contact records"), for
 * consent screens and `osp inspect`.  Writes into out (NUL-terminated). */
void osp_perm_describe(const char *perm, char *out, size_t cap);

/* What an installation was granted.  Borrowed pointers: the caller keeps
 * the strings alive as long as the struct is used. */
struct osp_grants {
    const char *const *perms;
    size_t n;
};

/* 1 if perm is granted exactly, else 0. */
int osp_grants_has(const struct osp_grants *g, const char *perm);

#endif
