/* The embedded SQLite database and its schema (see include/osp/db.h). */
#include "osp/db.h"
#include "osp/error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct osp_db {
    sqlite3 *conn;
    pthread_mutex_t lock;
};

/* Append only: each entry moves the schema one version forward. */
static const char *const migrations[] = {
    /* 1: the walking skeleton's tables. */
    "CREATE TABLE publishers("
    "  name TEXT PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  verified INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE publisher_keys("
    "  keyid TEXT PRIMARY KEY,"
    "  publisher TEXT NOT NULL REFERENCES publishers(name),"
    "  pubkey TEXT NOT NULL,"
    "  added_at INTEGER NOT NULL,"
    "  retired_at INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE plugins("
    "  id TEXT PRIMARY KEY,"
    "  publisher TEXT NOT NULL REFERENCES publishers(name),"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE versions("
    "  plugin_id TEXT NOT NULL REFERENCES plugins(id),"
    "  version TEXT NOT NULL,"
    "  digest TEXT NOT NULL UNIQUE,"
    "  signature TEXT NOT NULL,"
    "  keyid TEXT NOT NULL,"
    "  published_at INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(plugin_id, version));"
    "CREATE TABLE installations("
    "  tenant TEXT NOT NULL,"
    "  plugin_id TEXT NOT NULL REFERENCES plugins(id),"
    "  digest TEXT NOT NULL REFERENCES versions(digest),"
    "  grants TEXT NOT NULL,"
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  installed_at INTEGER NOT NULL,"
    "  PRIMARY KEY(tenant, plugin_id));"
    "CREATE TABLE records("
    "  tenant TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  data TEXT NOT NULL,"
    "  PRIMARY KEY(tenant, object, id));",
    /* 2: the registry API: browsable plugins, revocation times, brotli
     * variants, admin tokens. */
    "ALTER TABLE plugins ADD COLUMN name TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE plugins ADD COLUMN description TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE versions ADD COLUMN revoked_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE variants("
    "  sha256 TEXT NOT NULL,"
    "  encoding TEXT NOT NULL,"
    "  variant TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  PRIMARY KEY(sha256, encoding));"
    "CREATE TABLE admin_tokens("
    "  name TEXT PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL);",
    /* 3: users, sessions, owned records, per-plugin storage, audit. */
    "CREATE TABLE users("
    "  id INTEGER PRIMARY KEY,"
    "  tenant TEXT NOT NULL,"
    "  username TEXT NOT NULL,"
    "  password_hash TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE(tenant, username));"
    "CREATE TABLE sessions("
    "  token_hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  csrf TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE TABLE login_failures("
    "  key TEXT PRIMARY KEY,"
    "  failures INTEGER NOT NULL,"
    "  first_at INTEGER NOT NULL,"
    "  locked_until INTEGER NOT NULL DEFAULT 0);"
    "ALTER TABLE records ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE records ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE kv("
    "  tenant TEXT NOT NULL,"
    "  user_id INTEGER NOT NULL,"
    "  plugin TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY(tenant, user_id, plugin, key));"
    "CREATE TABLE audit("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  ts INTEGER NOT NULL,"
    "  tenant TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  plugin TEXT NOT NULL DEFAULT '',"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL DEFAULT '',"
    "  record TEXT NOT NULL DEFAULT '',"
    "  outcome TEXT NOT NULL,"
    "  code TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX audit_by_tenant ON audit(tenant, id);",
    /* 4: in-app loading (tier U0), switched on per installation by the
     * operator. */
    "ALTER TABLE installations ADD COLUMN in_app INTEGER NOT NULL DEFAULT 0;",
};

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : OSP_E_IO;
}

static int migrate(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return OSP_E_IO;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    int target = (int)(sizeof migrations / sizeof migrations[0]);
    if (version < 0 || version > target)
        return OSP_E_IO; /* unreadable, or written by a newer osp */
    for (int v = version; v < target; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        if (exec(db, "BEGIN IMMEDIATE") != 0)
            return OSP_E_IO;
        if (exec(db, migrations[v]) != 0 || exec(db, pragma) != 0 || exec(db, "COMMIT") != 0) {
            exec(db, "ROLLBACK");
            return OSP_E_IO;
        }
    }
    return 0;
}

int osp_db_open(const char *path, struct osp_db **out)
{
    *out = NULL;
    struct osp_db *db = calloc(1, sizeof *db);
    if (!db)
        return OSP_E_NO_MEMORY;
    pthread_mutex_init(&db->lock, NULL);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &db->conn, flags, NULL) != SQLITE_OK) {
        osp_db_close(db);
        return OSP_E_IO;
    }
    sqlite3_busy_timeout(db->conn, 5000);
    if (exec(db->conn, "PRAGMA journal_mode=WAL") != 0 ||
        exec(db->conn, "PRAGMA synchronous=FULL") != 0 ||
        exec(db->conn, "PRAGMA foreign_keys=ON") != 0 || migrate(db->conn) != 0) {
        osp_db_close(db);
        return OSP_E_IO;
    }
    *out = db;
    return 0;
}

void osp_db_close(struct osp_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->conn);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

void osp_db_lock(struct osp_db *db)
{
    pthread_mutex_lock(&db->lock);
}

void osp_db_unlock(struct osp_db *db)
{
    pthread_mutex_unlock(&db->lock);
}

sqlite3 *osp_db_handle(struct osp_db *db)
{
    return db->conn;
}

int osp_db_begin(struct osp_db *db)
{
    pthread_mutex_lock(&db->lock);
    if (exec(db->conn, "BEGIN IMMEDIATE") != 0) {
        pthread_mutex_unlock(&db->lock);
        return OSP_E_IO;
    }
    return 0;
}

int osp_db_commit(struct osp_db *db)
{
    int rc = exec(db->conn, "COMMIT");
    if (rc != 0)
        exec(db->conn, "ROLLBACK");
    pthread_mutex_unlock(&db->lock);
    return rc;
}

void osp_db_rollback(struct osp_db *db)
{
    exec(db->conn, "ROLLBACK");
    pthread_mutex_unlock(&db->lock);
}

static void bind_all(sqlite3_stmt *st, const char *types, va_list ap)
{
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't' || types[i] == 'z') {
            const char *v = va_arg(ap, const char *);
            if (v)
                sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        } else {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        }
    }
}

int osp_db_change(struct osp_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    sqlite3_stmt *st;
    pthread_mutex_lock(&db->lock);
    int rc = OSP_E_IO;
    if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) == SQLITE_OK) {
        va_start(ap, types);
        bind_all(st, types, ap);
        va_end(ap);
        int step = sqlite3_step(st);
        rc = step == SQLITE_DONE          ? (sqlite3_changes(db->conn) > 0 ? 0 : OSP_E_NOT_FOUND)
             : step == SQLITE_CONSTRAINT ? OSP_E_CONFLICT
                                         : OSP_E_IO;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int osp_db_rows(struct osp_db *db, const char *sql, int (*row)(sqlite3_stmt *st, void *ctx),
                void *ctx, const char *types, ...)
{
    va_list ap;
    sqlite3_stmt *st;
    pthread_mutex_lock(&db->lock);
    int rc = OSP_E_IO;
    if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) == SQLITE_OK) {
        va_start(ap, types);
        bind_all(st, types, ap);
        va_end(ap);
        int s = SQLITE_DONE;
        rc = 0;
        while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
            rc = row(st, ctx);
        if (rc == 0 && s != SQLITE_DONE)
            rc = OSP_E_IO;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db->lock);
    return rc;
}

void osp_db_copy(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

char *osp_db_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return strdup(t ? (const char *)t : "");
}

void *osp_db_rows_next(struct osp_db_rows *rs)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 8;
        void *ni = realloc(rs->items, cap * rs->size);
        if (!ni)
            return NULL;
        rs->items = ni;
        rs->cap = cap;
    }
    void *row = (char *)rs->items + rs->n++ * rs->size;
    memset(row, 0, rs->size);
    return row;
}
