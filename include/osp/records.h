/* Records: server-authoritative data under the caller's rights.
 *
 * Every call computes the caller's access (osp_schema_access: the user's
 * role, intersected with the calling plugin's grants when a plugin calls)
 * and applies it three ways: the operation must be allowed, only records
 * in scope are visible (always the caller's tenant; only their own when
 * the role says "own"), and only readable fields are returned or may be
 * filtered and sorted on, only editable ones written.  A record outside
 * the caller's scope does not exist for them (OSP_E_NOT_FOUND).  Every
 * write and every refusal is appended to the audit log.
 */
#ifndef OSP_RECORDS_H
#define OSP_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "osp/auth.h"
#include "osp/db.h"
#include "osp/perm.h"
#include "osp/schema.h"

#define OSP_RECORDS_PAGE_MAX 100 /* the hard cap on a query's page */

struct osp_caller {
    const struct osp_user *user;     /* who: tenant, username, role */
    const char *plugin;              /* the calling plugin, NULL for the host app */
    const struct osp_grants *grants; /* that plugin's grants (NULL for the host app) */
};

struct osp_records {
    struct osp_db *db;
    const struct osp_schema *schema;
};

/* Each returns 0 with a new JSON value in *out (cJSON_Delete it), or an
 * error with a sentence in why: OSP_E_NOT_FOUND (no such object or
 * record), OSP_E_PERMISSION_DENIED, OSP_E_INVALID_PARAMS, OSP_E_IO. */

/* {"records":[…],"total":N}.  filter: field -> exact value (NULL for
 * none); sort: "field" or "-field" (NULL: by id); limit 1..100. */
int osp_records_query(const struct osp_records *r, const struct osp_caller *c,
                      const char *object, const cJSON *filter, const char *sort, int limit,
                      int offset, cJSON **out, char *why, size_t cap);

int osp_records_get(const struct osp_records *r, const struct osp_caller *c, const char *object,
                    const char *id, cJSON **out, char *why, size_t cap);

int osp_records_create(const struct osp_records *r, const struct osp_caller *c,
                       const char *object, const cJSON *values, int64_t now, cJSON **out,
                       char *why, size_t cap);

/* values: fields to set (null clears an optional field). */
int osp_records_update(const struct osp_records *r, const struct osp_caller *c,
                       const char *object, const char *id, const cJSON *values, int64_t now,
                       cJSON **out, char *why, size_t cap);

int osp_records_delete(const struct osp_records *r, const struct osp_caller *c,
                       const char *object, const char *id, int64_t now, char *why, size_t cap);

/* Inserts a record as is (seeding, imports): no checks, no audit. */
int osp_records_seed(struct osp_db *db, const char *tenant, const char *object, const char *id,
                     const char *owner, const char *data_json);

#endif
