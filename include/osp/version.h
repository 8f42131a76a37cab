/* Semantic versions (plugin versions) and engines ranges (which protocol a
 * plugin needs).  Compatibility is protocol-first: a manifest's
 * engines["osp-ui"] names versions of the plugin protocol, not of the host
 * platform, and this core knows which protocol versions it speaks. */
#ifndef OSP_VERSION_H
#define OSP_VERSION_H

#include <stdint.h>

#define OSP_VERSION_MAX_LEN 64
#define OSP_RANGE_MAX_LEN 64

/* The plugin protocol this core speaks (docs/protocol.md). */
#define OSP_UI_PROTOCOL_MAJOR 1
#define OSP_UI_PROTOCOL_MINOR 0
#define OSP_UI_PROTOCOL_PATCH 0

struct osp_semver {
    uint64_t major, minor, patch;
    char pre[OSP_VERSION_MAX_LEN + 1]; /* pre-release, "" if none; build metadata dropped */
};

/* Parses a SemVer 2.0.0 string (MAJOR.MINOR.PATCH[-pre][+build], no leading
 * zeros, each number below 2^53 so JavaScript reads it exactly).
 * Returns 0 or OSP_E_BAD_VERSION. */
int osp_version_parse(const char *s, struct osp_semver *out);

/* SemVer precedence: <0, 0 or >0.  Build metadata is ignored. */
int osp_version_compare(const struct osp_semver *a, const struct osp_semver *b);

/* Checks an engines range against the protocol this core speaks.  The range
 * is one or more space-separated comparators, all of which must hold:
 * "^1", "~1.2", "1", "1.0.x", ">=1.0 <3", "=1.0.0", "*".  Returns 0 if
 * compatible, OSP_E_INCOMPATIBLE_ENGINES if well formed but not,
 * OSP_E_BAD_VERSION if malformed. */
int osp_version_engines_check(const char *range);

/* Whether version v satisfies range (same grammar as above).  Returns 1, 0,
 * or OSP_E_BAD_VERSION. */
int osp_version_satisfies(const struct osp_semver *v, const char *range);

#endif
