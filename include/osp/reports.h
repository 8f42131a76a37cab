/* Recent CSP violation reports, kept in a bounded in-memory ring so the
 * dev overlay can explain them (osp dev).  Every report also goes to the
 * log as before; the ring only holds the newest OSP_REPORTS_CAP.  Safe to
 * call from any server thread.
 */
#ifndef OSP_REPORTS_H
#define OSP_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define OSP_REPORTS_CAP 64               /* reports kept; older ones are dropped */
#define OSP_REPORTS_ENTRY_MAX (8u * 1024u) /* one report's JSON text, at most */

struct osp_reports;

/* A new empty ring.  Returns 0 or OSP_E_NO_MEMORY. */
int osp_reports_new(struct osp_reports **out);

/* NULL does nothing. */
void osp_reports_free(struct osp_reports *r);

/* Adds a copy of report (any JSON value) with the next sequence number
 * (from 1).  Reports bigger than OSP_REPORTS_ENTRY_MAX once printed are
 * dropped.  Returns the sequence number, or 0 if dropped. */
uint64_t osp_reports_add(struct osp_reports *r, const cJSON *report);

/* The reports with a sequence number above since, oldest first, as a new
 * JSON array of {"seq":N,"report":…}; *latest gets the newest sequence
 * number so far.  NULL on allocation failure. */
cJSON *osp_reports_since(struct osp_reports *r, uint64_t since, uint64_t *latest);

#endif
