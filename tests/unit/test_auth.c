#include "check.h"
#include "osp/auth.h"
#include "osp/error.h"

#include <stdlib.h>
#include <unistd.h>

static char path[128];

static void users_and_passwords(void)
{
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(path, &db), 0);
    CHECK_ERR(osp_auth_user_add(db, "acme", "alice", "correct horse", "admin", 1), 0);
    CHECK_ERR(osp_auth_user_add(db, "acme", "alice", "correct horse", "admin", 1), OSP_E_CONFLICT);
    CHECK_ERR(osp_auth_user_add(db, "globex", "alice", "another one", "viewer", 1), 0);
    CHECK_ERR(osp_auth_user_add(db, "acme", "Bob", "correct horse", "admin", 1), OSP_E_BAD_ID);
    CHECK_ERR(osp_auth_user_add(db, "acme", "bob", "short", "admin", 1), OSP_E_INVALID_ARGUMENT);
    struct osp_user_info *u = NULL;
    size_t n = 0;
    CHECK_ERR(osp_auth_users(db, "acme", 1, &u, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(u[0].user.role, "admin");
    CHECK_INT(u[0].created_at, 1);
    CHECK_INT(u[0].sessions, 0);
    free(u);
    CHECK_ERR(osp_auth_users(db, NULL, 1, &u, &n), 0);
    CHECK_INT(n, 2);
    CHECK_STR(u[0].user.tenant, "acme"); /* ordered by tenant */
    free(u);
    /* Stored as Argon2id (crypto_pwhash_str), salted: the same password
     * for two users hashes differently, and never appears in the clear. */
    char h1[160] = "", h2[160] = "";
    sqlite3_stmt *st;
    osp_db_lock(db);
    if (sqlite3_prepare_v2(osp_db_handle(db),
                           "SELECT password_hash FROM users WHERE username='alice' ORDER BY tenant",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            osp_db_copy(h1, sizeof h1, st, 0);
        sqlite3_finalize(st);
    }
    osp_db_unlock(db);
    CHECK(strncmp(h1, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
    CHECK(strstr(h1, "correct horse") == NULL);
    CHECK_ERR(osp_auth_user_add(db, "initech", "alice", "correct horse", "admin", 1), 0);
    osp_db_lock(db);
    if (sqlite3_prepare_v2(osp_db_handle(db),
                           "SELECT password_hash FROM users WHERE tenant='initech'", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            osp_db_copy(h2, sizeof h2, st, 0);
        sqlite3_finalize(st);
    }
    osp_db_unlock(db);
    CHECK(strncmp(h2, "$argon2id$", 10) == 0);
    CHECK(strcmp(h1, h2) != 0);
    osp_db_close(db);
}

static void password_policy(void)
{
    static const struct {
        const char *password;
        int err;
        const char *why;
    } cases[] = {
        {"correct horse", 0, ""},
        {"Zürich-Genève", 0, ""},
        {"", OSP_E_INVALID_ARGUMENT, "empty"},
        {"short", OSP_E_INVALID_ARGUMENT, "use at least 8"},
        {"äöüäöüä", OSP_E_INVALID_ARGUMENT, "has 7 characters"}, /* 14 bytes, 7 characters */
        {"my-erin-pass", OSP_E_INVALID_ARGUMENT, "user name"},
        {"MY-ERIN-PASS", OSP_E_INVALID_ARGUMENT, "user name"},
        {"aaaaaaaaaaaa", OSP_E_INVALID_ARGUMENT, "repeats 1"},
        {"abcabcabcabc", OSP_E_INVALID_ARGUMENT, "repeats 3"},
        {"3456789:;<", OSP_E_INVALID_ARGUMENT, "consecutive"},
        {"zyxwvutsrq", OSP_E_INVALID_ARGUMENT, "consecutive"},
        {"Password123", OSP_E_INVALID_ARGUMENT, "most common"},
        {"qwertyuiop", OSP_E_INVALID_ARGUMENT, "most common"},
    };
    char why[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why[0] = '\0';
        int rc = osp_auth_password_check("erin", cases[i].password, why, sizeof why);
        if (rc != cases[i].err)
            fprintf(stderr, "case %zu (%s): %s\n", i, cases[i].password, why);
        CHECK_ERR(rc, cases[i].err);
        CHECK_CONTAINS(why, cases[i].why);
    }
    CHECK_ERR(osp_auth_password_check("erin", NULL, why, sizeof why), OSP_E_INVALID_ARGUMENT);
    char big[OSP_PASSWORD_MAX_LEN + 2];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = '\0';
    CHECK_ERR(osp_auth_password_check("erin", big, why, sizeof why), OSP_E_TOO_BIG);
    big[OSP_PASSWORD_MAX_LEN] = '\0';
    CHECK_ERR(osp_auth_password_check("erin", big, why, sizeof why), 0);
    /* Short names are not looked for: "al" is in too many good passwords. */
    CHECK_ERR(osp_auth_password_check("al", "royal-flush", why, sizeof why), 0);

    /* Adding a user and setting a password apply the same rules. */
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(path, &db), 0);
    CHECK_ERR(osp_auth_user_add(db, "acme", "erin", "erin-rocks-1", "viewer", 1),
              OSP_E_INVALID_ARGUMENT);
    CHECK_ERR(osp_auth_user_add(db, "acme", "erin", "12345678", "viewer", 1),
              OSP_E_INVALID_ARGUMENT);
    CHECK_ERR(osp_auth_user_passwd(db, "acme", "alice", "password"), OSP_E_INVALID_ARGUMENT);
    struct osp_user_info *u = NULL;
    size_t n = 0;
    CHECK_ERR(osp_auth_users(db, "acme", 1, &u, &n), 0);
    CHECK_INT(n, 1); /* erin was not added */
    free(u);
    osp_db_close(db);
}

static void sessions(void)
{
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(path, &db), 0);
    char t1[OSP_SESSION_TOKEN_LEN + 1], t2[OSP_SESSION_TOKEN_LEN + 1];
    struct osp_session s, got;
    CHECK_ERR(osp_auth_login(db, "acme", "alice", "correct horse", "10.0.0.1", 1000, t1, &s), 0);
    CHECK_STR(s.user.role, "admin");
    CHECK_INT(strlen(s.csrf), OSP_CSRF_LEN);
    /* A second login gets a new token: sessions rotate at login. */
    CHECK_ERR(osp_auth_login(db, "acme", "alice", "correct horse", "10.0.0.1", 1000, t2, &s), 0);
    CHECK(strcmp(t1, t2) != 0);
    CHECK_ERR(osp_auth_session(db, t2, 1010, &got), 0);
    CHECK_STR(got.user.tenant, "acme");
    CHECK(osp_auth_csrf_ok(&got, s.csrf));
    CHECK(!osp_auth_csrf_ok(&got, "0000000000000000000000000000000"));
    CHECK(!osp_auth_csrf_ok(&got, NULL));
    /* Wrong tenant, name or password: the same refusal. */
    CHECK_ERR(osp_auth_login(db, "globex", "alice", "correct horse", "c", 1000, t1, &s),
              OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_login(db, "acme", "nobody", "correct horse", "c", 1000, t1, &s),
              OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_session(db, "osps_nope", 1010, &got), OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_session(db, t2, 1010 + OSP_SESSION_IDLE_S + 100, &got),
              OSP_E_UNAUTHORIZED); /* idle too long (and forgotten) */
    CHECK_ERR(osp_auth_session(db, t2, 1020, &got), OSP_E_UNAUTHORIZED);
    /* Absolute expiry even when active. */
    CHECK_ERR(osp_auth_login(db, "acme", "alice", "correct horse", "c", 2000, t1, &s), 0);
    int64_t t = 2000;
    for (; t < 2000 + OSP_SESSION_ABSOLUTE_S - 600; t += 600)
        CHECK_ERR(osp_auth_session(db, t1, t, &got), 0);
    CHECK_ERR(osp_auth_session(db, t1, 2000 + OSP_SESSION_ABSOLUTE_S, &got), OSP_E_UNAUTHORIZED);
    /* Logout; a new password ends every session. */
    CHECK_ERR(osp_auth_login(db, "acme", "alice", "correct horse", "c", 3000, t1, &s), 0);
    CHECK_ERR(osp_auth_logout(db, t1), 0);
    CHECK_ERR(osp_auth_session(db, t1, 3001, &got), OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_login(db, "acme", "alice", "correct horse", "c", 3000, t1, &s), 0);
    CHECK_ERR(osp_auth_user_passwd(db, "acme", "alice", "battery staple"), 0);
    CHECK_ERR(osp_auth_session(db, t1, 3001, &got), OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_login(db, "acme", "alice", "battery staple", "c", 3000, t1, &s), 0);
    CHECK_ERR(osp_auth_user_passwd(db, "acme", "ghost", "battery staple"), OSP_E_NOT_FOUND);
    osp_db_close(db);
}

/* Operators see live sessions; a new password or removal ends them. */
static void sessions_end_with_the_user(void)
{
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(path, &db), 0);
    CHECK_ERR(osp_auth_user_add(db, "acme", "frank", "long secret 42", "viewer", 10), 0);
    char t1[OSP_SESSION_TOKEN_LEN + 1], t2[OSP_SESSION_TOKEN_LEN + 1];
    struct osp_session s;
    CHECK_ERR(osp_auth_login(db, "acme", "frank", "long secret 42", "c", 7000, t1, &s), 0);
    CHECK_ERR(osp_auth_login(db, "acme", "frank", "long secret 42", "c", 7100, t2, &s), 0);
    struct osp_user_info *u = NULL;
    size_t n = 0;
    CHECK_ERR(osp_auth_users(db, "acme", 7200, &u, &n), 0);
    size_t f = 0;
    while (f < n && strcmp(u[f].user.username, "frank") != 0)
        f++;
    CHECK(f < n);
    if (f < n) {
        CHECK_INT(u[f].sessions, 2);
        CHECK_INT(u[f].last_seen, 7100);
        CHECK_INT(u[f].created_at, 10);
    }
    free(u);
    /* Idle sessions do not count as live. */
    CHECK_ERR(osp_auth_users(db, "acme", 7000 + OSP_SESSION_IDLE_S + 50, &u, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(u[i].user.username, "frank") == 0)
            CHECK_INT(u[i].sessions, 1);
    free(u);

    /* Removal: sessions, storage and the user go; the name can come back
     * with nothing of the old one's. */
    CHECK_ERR(osp_db_change(db,
                            "INSERT INTO kv(tenant, user_id, plugin, key, value) SELECT 'acme', "
                            "id, 'acme.widget', 'k', '1' FROM users WHERE username='frank'",
                            ""),
              0);
    CHECK_ERR(osp_auth_user_remove(db, "acme", "frank"), 0);
    struct osp_session got;
    CHECK_ERR(osp_auth_session(db, t1, 7200, &got), OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_session(db, t2, 7200, &got), OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_login(db, "acme", "frank", "long secret 42", "c", 7200, t1, &s),
              OSP_E_UNAUTHORIZED);
    CHECK_ERR(osp_auth_user_remove(db, "acme", "frank"), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_auth_user_remove(db, "acme", "Frank!"), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_db_change(db, "DELETE FROM kv WHERE plugin='acme.widget'", ""),
              OSP_E_NOT_FOUND); /* already gone */
    CHECK_ERR(osp_db_change(db, "DELETE FROM sessions WHERE user_id NOT IN (SELECT id FROM users)",
                            ""),
              OSP_E_NOT_FOUND);
    osp_db_close(db);
}

static void throttles_guessing(void)
{
    struct osp_db *db = NULL;
    CHECK_ERR(osp_db_open(path, &db), 0);
    char t[OSP_SESSION_TOKEN_LEN + 1];
    struct osp_session s;
    for (int i = 0; i < OSP_LOGIN_MAX_USER_FAILURES; i++)
        CHECK_ERR(osp_auth_login(db, "globex", "alice", "guess", "10.0.0.9", 5000, t, &s),
                  OSP_E_UNAUTHORIZED);
    /* Locked now, even with the right password… */
    CHECK_ERR(osp_auth_login(db, "globex", "alice", "another one", "10.0.0.9", 5001, t, &s),
              OSP_E_RATE_LIMITED);
    /* …until the window passes. */
    CHECK_ERR(osp_auth_login(db, "globex", "alice", "another one", "10.0.0.9",
                             5001 + OSP_LOGIN_WINDOW_S, t, &s),
              0);
    /* One client guessing many names is locked out too. */
    char name[32];
    int limited = 0;
    for (int i = 0; i < OSP_LOGIN_MAX_CLIENT_FAILURES + 1; i++) {
        snprintf(name, sizeof name, "user%d", i);
        limited |= osp_auth_login(db, "acme", name, "guess", "10.9.9.9", 9000, t, &s) ==
                   OSP_E_RATE_LIMITED;
    }
    CHECK(limited);
    osp_db_close(db);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/osp-test-auth-%d.db", (int)getpid());
    RUN(users_and_passwords);
    RUN(password_policy);
    RUN(sessions);
    RUN(sessions_end_with_the_user);
    RUN(throttles_guessing);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm", path, path, path);
    CHECK_INT(system(cmd), 0);
    CHECK_EXIT();
}
