/* The demo's sample tenants, users and records (osp serve --sample-data).
 * Tenant "default" (Acme Inc): alice (admin), bob (sales), carol (viewer);
 * tenant "globex": dave (admin).  Every sample user's password is
 * OSP_SAMPLE_PASSWORD.  Seeding is idempotent. */
#ifndef OSP_SAMPLES_H
#define OSP_SAMPLES_H

#include "osp/db.h"

#define OSP_SAMPLE_PASSWORD "osp-demo"

/* Adds whatever sample users and records are missing.  Returns 0 or an
 * osp error. */
int osp_samples_seed(struct osp_db *db);

#endif
