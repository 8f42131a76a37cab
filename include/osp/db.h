/* The embedded database: one SQLite file holding the registry, users and
 * sessions, records, per-plugin storage and the audit log.  WAL mode with
 * synchronous=FULL (an acknowledged write survives a crash), foreign keys
 * on, and a versioned schema (PRAGMA user_version) migrated forward on
 * open; the whole schema lives in native/db.c.  One connection behind a
 * mutex serves every thread.  Modules (registry, auth, records, audit)
 * share it through these helpers.
 */
#ifndef OSP_DB_H
#define OSP_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct osp_db;

/* Opens or creates the database at path and migrates it.  Returns 0,
 * OSP_E_IO (cannot open, or the file is newer than this osp) or
 * OSP_E_NO_MEMORY. */
int osp_db_open(const char *path, struct osp_db **out);

/* NULL does nothing. */
void osp_db_close(struct osp_db *db);

/* Runs one statement with binds described by types ('t' text, 'i' int64,
 * 'z' text that may be NULL) under the lock.  Returns 0, OSP_E_NOT_FOUND
 * when no row changed, OSP_E_CONFLICT on a constraint, OSP_E_IO. */
int osp_db_change(struct osp_db *db, const char *sql, const char *types, ...);

/* Runs a query under the lock and calls row() per row; row returns 0 to go
 * on, or a value to stop with (returned).  Binds as for osp_db_change. */
int osp_db_rows(struct osp_db *db, const char *sql, int (*row)(sqlite3_stmt *st, void *ctx),
                void *ctx, const char *types, ...);

/* For multi-statement work: take the lock and BEGIN IMMEDIATE; then use
 * osp_db_handle; finish with osp_db_commit (which rolls back if the
 * commit fails) or osp_db_rollback.  Both release the lock. */
int osp_db_begin(struct osp_db *db);
int osp_db_commit(struct osp_db *db);
void osp_db_rollback(struct osp_db *db);

/* Lock/unlock without a transaction (a few statements that must not
 * interleave with other threads). */
void osp_db_lock(struct osp_db *db);
void osp_db_unlock(struct osp_db *db);

/* The connection; only while holding the lock. */
sqlite3 *osp_db_handle(struct osp_db *db);

/* Column helpers: copy text (truncating, "" for NULL) or duplicate it. */
void osp_db_copy(char *dst, size_t cap, sqlite3_stmt *st, int col);
char *osp_db_dup(sqlite3_stmt *st, int col);

/* A growable array of fixed-size rows for row callbacks. */
struct osp_db_rows {
    void *items;
    size_t n, cap, size;
};

/* A zeroed new row, or NULL when out of memory. */
void *osp_db_rows_next(struct osp_db_rows *rs);

#endif
