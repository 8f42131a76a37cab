/* The audit log: every write to records, every grant change, every refused
 * data call, appended to one table and never changed. */
#ifndef OSP_AUDIT_H
#define OSP_AUDIT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "osp/db.h"

struct osp_audit_entry {
    int64_t ts;
    const char *tenant;
    const char *actor;   /* a username, or "operator:<token name>" */
    const char *plugin;  /* the calling plugin, "" for the host app */
    const char *action;  /* "data.create", "installation.grant", … */
    const char *object;  /* "" when not about records */
    const char *record;
    const char *outcome; /* "allowed" or "denied" */
    const char *code;    /* the stable error code when denied */
    const cJSON *detail; /* fields, before, after, grants…; may be NULL */
};

/* Appends one entry.  Returns 0 or OSP_E_IO. */
int osp_audit_append(struct osp_db *db, const struct osp_audit_entry *e);

/* Newest entries first for tenant (NULL: all), optionally of one actor or
 * plugin (NULL: any), with id below before_id (0: from the newest), at most
 * limit (1..500).  *out is {"entries":[…]} (cJSON_Delete it). */
int osp_audit_query(struct osp_db *db, const char *tenant, const char *actor,
                    const char *plugin, int64_t before_id, int limit, cJSON **out);

#endif
