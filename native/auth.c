/* Users, passwords, sessions and login throttling (see include/osp/auth.h). */
#include "osp/auth.h"
#include "osp/error.h"
#include "osp/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

int osp_auth_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
    if (sodium_init() < 0)
        return OSP_E_NO_MEMORY;
    return crypto_pwhash_str_alg(out, password, strlen(password),
                                 crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0
               ? 0
               : OSP_E_NO_MEMORY;
}

/* ---- password policy --------------------------------------------------- */

/* The passwords every guessing list starts with (compared ignoring case);
 * the length rule already stops the shorter classics. */
static const char *const common_passwords[] = {
    "password",   "password1",  "password12", "password123", "passw0rd",   "p@ssw0rd",
    "12345678",   "123456789",  "1234567890", "87654321",    "11111111",   "00000000",
    "qwertyui",   "qwertyuiop", "qwerty123",  "1q2w3e4r",    "1qaz2wsx",   "asdfghjk",
    "iloveyou",   "letmein1",   "welcome1",   "welcome123",  "sunshine",   "princess",
    "football",   "baseball",   "superman",   "starwars",    "whatever",   "trustno1",
    "changeme",   "admin123",   "administrator", "abc12345", "abcd1234",   "secret123",
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int equal_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; n && *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && lower((unsigned char)hay[i]) == lower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int osp_auth_password_check(const char *username, const char *password, char *why, size_t cap)
{
    size_t bytes = password ? strlen(password) : 0, chars = 0, distinct = 0;
    unsigned char seen[256] = {0};
    for (size_t i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)password[i];
        chars += (c & 0xC0) != 0x80; /* UTF-8 continuation bytes are not characters */
        distinct += !seen[c]++;
    }
    if (bytes == 0) {
        snprintf(why, cap, "the password is empty");
        return OSP_E_INVALID_ARGUMENT;
    }
    if (bytes > OSP_PASSWORD_MAX_LEN) {
        snprintf(why, cap, "the password is longer than %d bytes", OSP_PASSWORD_MAX_LEN);
        return OSP_E_TOO_BIG;
    }
    if (chars < OSP_PASSWORD_MIN_LEN) {
        snprintf(why, cap, "the password has %zu characters; use at least %d", chars,
                 OSP_PASSWORD_MIN_LEN);
        return OSP_E_INVALID_ARGUMENT;
    }
    if (username && strlen(username) >= 3 && contains_nocase(password, username)) {
        snprintf(why, cap, "the password contains the user name");
        return OSP_E_INVALID_ARGUMENT;
    }
    if (distinct < 4) {
        snprintf(why, cap, "the password repeats %zu different characters; mix in more", distinct);
        return OSP_E_INVALID_ARGUMENT;
    }
    int step = (unsigned char)password[1] - (unsigned char)password[0];
    size_t i = 2;
    while (i < bytes && (unsigned char)password[i] - (unsigned char)password[i - 1] == step)
        i++;
    if ((step == 1 || step == -1) && i == bytes) {
        snprintf(why, cap, "the password is a run of consecutive characters");
        return OSP_E_INVALID_ARGUMENT;
    }
    for (size_t k = 0; k < sizeof common_passwords / sizeof common_passwords[0]; k++)
        if (equal_nocase(password, common_passwords[k])) {
            snprintf(why, cap, "the password is one of the most common passwords");
            return OSP_E_INVALID_ARGUMENT;
        }
    return 0;
}

/* ---- users ----------------------------------------------------------------- */

int osp_auth_user_add(struct osp_db *db, const char *tenant, const char *username,
                      const char *password, const char *role, int64_t now)
{
    char hash[crypto_pwhash_STRBYTES], why[128];
    if (!osp_auth_name_ok(tenant) || !osp_auth_name_ok(username) || !role || !*role)
        return OSP_E_BAD_ID;
    int rc = osp_auth_password_check(username, password, why, sizeof why);
    if (rc == 0)
        rc = hash_password(password, hash);
    if (rc == 0)
        rc = osp_db_change(db,
                           "INSERT INTO users(tenant, username, password_hash, role, created_at) "
                           "VALUES(?,?,?,?,?)",
                           "tttti", tenant, username, hash, role, now);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* Runs one statement with text binds while the caller holds a transaction
 * (osp_db_begin): osp_db_change would wait for the lock the caller holds.
 * *changes gets the rows changed. */
static int step_locked(sqlite3 *h, const char *sql, const char *const *texts, int n, int *changes)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return OSP_E_IO;
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : OSP_E_IO;
    if (changes)
        *changes = sqlite3_changes(h);
    sqlite3_finalize(st);
    return rc;
}

int osp_auth_user_passwd(struct osp_db *db, const char *tenant, const char *username,
                         const char *password)
{
    char hash[crypto_pwhash_STRBYTES], why[128];
    int rc = osp_auth_password_check(username, password, why, sizeof why);
    if (rc != 0)
        return rc;
    if ((rc = hash_password(password, hash)) != 0)
        return rc;
    /* The new hash and the end of every old session commit together: no
     * moment where the new password is set and an old cookie still works. */
    if (osp_db_begin(db) != 0) {
        sodium_memzero(hash, sizeof hash);
        return OSP_E_IO;
    }
    sqlite3 *h = osp_db_handle(db);
    const char *const binds[] = {tenant ? tenant : "", username ? username : "", hash};
    int changed = 0;
    rc = step_locked(h, "UPDATE users SET password_hash=?3 WHERE tenant=?1 AND username=?2", binds,
                     3, &changed);
    if (rc == 0 && changed == 0)
        rc = OSP_E_NOT_FOUND;
    if (rc == 0)
        rc = step_locked(h,
                         "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE "
                         "tenant=?1 AND username=?2)",
                         binds, 2, NULL);
    sodium_memzero(hash, sizeof hash);
    if (rc != 0) {
        osp_db_rollback(db);
        return rc;
    }
    return osp_db_commit(db);
}

int osp_auth_user_remove(struct osp_db *db, const char *tenant, const char *username)
{
    if (!osp_auth_name_ok(tenant) || !osp_auth_name_ok(username))
        return OSP_E_NOT_FOUND;
    if (osp_db_begin(db) != 0)
        return OSP_E_IO;
    sqlite3 *h = osp_db_handle(db);
    char user_key[160];
    snprintf(user_key, sizeof user_key, "u:%s/%s", tenant, username);
    const char *const binds[] = {tenant, username}, *const key[] = {user_key};
    /* Storage and sessions first: user ids can be reused by a later user,
     * who must inherit nothing. */
    int changed = 0;
    int rc = step_locked(h,
                         "DELETE FROM kv WHERE user_id IN (SELECT id FROM users WHERE tenant=?1 "
                         "AND username=?2)",
                         binds, 2, NULL);
    if (rc == 0)
        rc = step_locked(h,
                         "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE "
                         "tenant=?1 AND username=?2)",
                         binds, 2, NULL);
    if (rc == 0)
        rc = step_locked(h, "DELETE FROM login_failures WHERE key=?", key, 1, NULL);
    if (rc == 0)
        rc = step_locked(h, "DELETE FROM users WHERE tenant=?1 AND username=?2", binds, 2,
                         &changed);
    if (rc == 0 && changed == 0)
        rc = OSP_E_NOT_FOUND;
    if (rc != 0) {
        osp_db_rollback(db);
        return rc;
    }
    return osp_db_commit(db);
}

static int user_row(sqlite3_stmt *st, void *ctx)
{
    struct osp_user_info *u = osp_db_rows_next(ctx);
    if (!u)
        return OSP_E_NO_MEMORY;
    u->user.id = sqlite3_column_int64(st, 0);
    osp_db_copy(u->user.tenant, sizeof u->user.tenant, st, 1);
    osp_db_copy(u->user.username, sizeof u->user.username, st, 2);
    osp_db_copy(u->user.role, sizeof u->user.role, st, 3);
    u->created_at = sqlite3_column_int64(st, 4);
    u->sessions = sqlite3_column_int64(st, 5);
    u->last_seen = sqlite3_column_int64(st, 6);
    return 0;
}

int osp_auth_users(struct osp_db *db, const char *tenant, int64_t now, struct osp_user_info **out,
                   size_t *n)
{
    struct osp_db_rows rs = {NULL, 0, 0, sizeof(struct osp_user_info)};
    /* Live means what osp_auth_session would accept at now. */
    int rc = osp_db_rows(db,
                         "SELECT u.id, u.tenant, u.username, u.role, u.created_at, "
                         "count(s.token_hash), coalesce(max(s.last_seen), 0) FROM users u "
                         "LEFT JOIN sessions s ON s.user_id = u.id AND s.expires_at > ?2 AND "
                         "s.last_seen > ?2 - ?3 WHERE ?1 IS NULL OR u.tenant=?1 GROUP BY u.id "
                         "ORDER BY u.tenant, u.username",
                         user_row, &rs, "zii", tenant, now, (int64_t)OSP_SESSION_IDLE_S);
    *out = rs.items;
    *n = rs.n;
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- throttling ------------------------------------------------------------ */

struct failures {
    int64_t count, first_at, locked_until;
};

static int failure_row(sqlite3_stmt *st, void *ctx)
{
    struct failures *f = ctx;
    f->count = sqlite3_column_int64(st, 0);
    f->first_at = sqlite3_column_int64(st, 1);
    f->locked_until = sqlite3_column_int64(st, 2);
    return 1;
}

static int locked(struct osp_db *db, const char *key, int64_t now)
{
    struct failures f = {0, 0, 0};
    osp_db_rows(db, "SELECT failures, first_at, locked_until FROM login_failures WHERE key=?",
                failure_row, &f, "t", key);
    return f.locked_until > now;
}

static void count_failure(struct osp_db *db, const char *key, int max, int64_t now)
{
    /* A window of OSP_LOGIN_WINDOW_S: failures inside it add up; reaching
     * max locks the key for one window. */
    osp_db_change(db,
                  "INSERT INTO login_failures(key, failures, first_at) VALUES(?1, 1, ?2) "
                  "ON CONFLICT(key) DO UPDATE SET "
                  "failures = CASE WHEN first_at < ?2 - ?3 THEN 1 ELSE failures + 1 END, "
                  "first_at = CASE WHEN first_at < ?2 - ?3 THEN ?2 ELSE first_at END",
                  "tii", key, now, (int64_t)OSP_LOGIN_WINDOW_S);
    osp_db_change(db,
                  "UPDATE login_failures SET locked_until = ?2 + ?4, failures = 0, first_at = ?2 "
                  "WHERE key=?1 AND failures >= ?3",
                  "tiii", key, now, (int64_t)max, (int64_t)OSP_LOGIN_WINDOW_S);
}

/* ---- sessions ---------------------------------------------------------------- */

struct login_row {
    int64_t id;
    char hash[crypto_pwhash_STRBYTES];
    char role[33];
    int found;
};

static int login_row(sqlite3_stmt *st, void *ctx)
{
    struct login_row *l = ctx;
    l->id = sqlite3_column_int64(st, 0);
    osp_db_copy(l->hash, sizeof l->hash, st, 1);
    osp_db_copy(l->role, sizeof l->role, st, 2);
    l->found = 1;
    return 1;
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    randombytes_buf(raw, bytes);
    osp_hash_to_hex(raw, bytes, out);
    sodium_memzero(raw, sizeof raw);
}

int osp_auth_login(struct osp_db *db, const char *tenant, const char *username,
                   const char *password, const char *client, int64_t now,
                   char token_out[OSP_SESSION_TOKEN_LEN + 1], struct osp_session *out)
{
    char user_key[160], client_key[80];
    memset(out, 0, sizeof *out);
    token_out[0] = '\0';
    if (sodium_init() < 0)
        return OSP_E_NO_MEMORY;
    snprintf(user_key, sizeof user_key, "u:%.64s/%.64s", tenant ? tenant : "",
             username ? username : "");
    snprintf(client_key, sizeof client_key, "c:%.64s", client ? client : "");
    if (locked(db, user_key, now) || locked(db, client_key, now))
        return OSP_E_RATE_LIMITED;
    struct login_row l = {0};
    if (osp_auth_name_ok(tenant) && osp_auth_name_ok(username))
        osp_db_rows(db, "SELECT id, password_hash, role FROM users WHERE tenant=? AND username=?",
                    login_row, &l, "tt", tenant, username);
    /* Verify against a real hash either way (same parameters as ours), so
     * an unknown user takes as long as a wrong password. */
    static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$lzNYQ4H55v+mx26FX/41kQ$"
                                "QckeN5V3lpUHEPVdsd1tYuckN2nyuqBr7v6sjmj5UNo";
    const char *pw = password ? password : "";
    int ok = crypto_pwhash_str_verify(l.found ? l.hash : dummy, pw, strlen(pw)) == 0 && l.found;
    sodium_memzero(l.hash, sizeof l.hash);
    if (!ok) {
        count_failure(db, user_key, OSP_LOGIN_MAX_USER_FAILURES, now);
        count_failure(db, client_key, OSP_LOGIN_MAX_CLIENT_FAILURES, now);
        return OSP_E_UNAUTHORIZED;
    }
    osp_db_change(db, "DELETE FROM login_failures WHERE key=?", "t", user_key);
    char hex[65], token_hash[OSP_SHA256_HEX_BYTES];
    memcpy(token_out, "osps_", 5);
    random_hex(token_out + 5, 32);
    random_hex(hex, OSP_CSRF_LEN / 2);
    osp_hash_sha256_hex(token_out, OSP_SESSION_TOKEN_LEN, token_hash);
    int rc = osp_db_change(db,
                           "INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen, "
                           "expires_at) VALUES(?,?,?,?,?,?)",
                           "titiii", token_hash, l.id, hex, now, now,
                           now + (int64_t)OSP_SESSION_ABSOLUTE_S);
    if (rc != 0) {
        sodium_memzero(token_out, OSP_SESSION_TOKEN_LEN + 1);
        return rc;
    }
    out->user.id = l.id;
    snprintf(out->user.tenant, sizeof out->user.tenant, "%s", tenant);
    snprintf(out->user.username, sizeof out->user.username, "%s", username);
    snprintf(out->user.role, sizeof out->user.role, "%s", l.role);
    memcpy(out->csrf, hex, OSP_CSRF_LEN + 1);
    out->created_at = out->last_seen = now;
    out->expires_at = now + OSP_SESSION_ABSOLUTE_S;
    return 0;
}

static int session_row(sqlite3_stmt *st, void *ctx)
{
    struct osp_session *s = ctx;
    s->user.id = sqlite3_column_int64(st, 0);
    osp_db_copy(s->user.tenant, sizeof s->user.tenant, st, 1);
    osp_db_copy(s->user.username, sizeof s->user.username, st, 2);
    osp_db_copy(s->user.role, sizeof s->user.role, st, 3);
    osp_db_copy(s->csrf, sizeof s->csrf, st, 4);
    s->created_at = sqlite3_column_int64(st, 5);
    s->last_seen = sqlite3_column_int64(st, 6);
    s->expires_at = sqlite3_column_int64(st, 7);
    return 1;
}

static int token_hash_of(const char *token, char hash[OSP_SHA256_HEX_BYTES])
{
    if (!token || strlen(token) != OSP_SESSION_TOKEN_LEN || strncmp(token, "osps_", 5) != 0 ||
        strspn(token + 5, "0123456789abcdef") != 64)
        return -1;
    osp_hash_sha256_hex(token, OSP_SESSION_TOKEN_LEN, hash);
    return 0;
}

int osp_auth_session(struct osp_db *db, const char *token, int64_t now, struct osp_session *out)
{
    char hash[OSP_SHA256_HEX_BYTES];
    memset(out, 0, sizeof *out);
    if (token_hash_of(token, hash) != 0)
        return OSP_E_UNAUTHORIZED;
    int rc = osp_db_rows(db,
                         "SELECT u.id, u.tenant, u.username, u.role, s.csrf, s.created_at, "
                         "s.last_seen, s.expires_at FROM sessions s JOIN users u ON u.id = "
                         "s.user_id WHERE s.token_hash=?",
                         session_row, out, "t", hash);
    if (rc != 1 || now >= out->expires_at || now - out->last_seen >= OSP_SESSION_IDLE_S) {
        if (rc == 1) /* expired: forget it */
            osp_db_change(db, "DELETE FROM sessions WHERE token_hash=?", "t", hash);
        memset(out, 0, sizeof *out);
        return OSP_E_UNAUTHORIZED;
    }
    /* The idle timer moves at most once a minute: no write per request. */
    if (now - out->last_seen >= 60) {
        osp_db_change(db, "UPDATE sessions SET last_seen=? WHERE token_hash=?", "it", now, hash);
        out->last_seen = now;
    }
    return 0;
}

int osp_auth_logout(struct osp_db *db, const char *token)
{
    char hash[OSP_SHA256_HEX_BYTES];
    if (token_hash_of(token, hash) != 0)
        return OSP_E_UNAUTHORIZED;
    return osp_db_change(db, "DELETE FROM sessions WHERE token_hash=?", "t", hash) == 0
               ? 0
               : OSP_E_UNAUTHORIZED;
}

int osp_auth_csrf_ok(const struct osp_session *s, const char *presented)
{
    return presented && strlen(presented) == OSP_CSRF_LEN && s->csrf[0] &&
           sodium_memcmp(presented, s->csrf, OSP_CSRF_LEN) == 0;
}
