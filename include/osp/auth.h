/* Users, passwords and sessions.
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str).  A
 * session is a random token in an HttpOnly, SameSite=Strict cookie (only
 * its hash is stored) plus a CSRF token the shell sends in a header on
 * every state-changing request.  Sessions end after 30 idle minutes or 12
 * hours in all.  A login is refused (OSP_E_RATE_LIMITED) after 5 failures
 * for one user or 50 from one client address within 15 minutes, for 15
 * minutes; unknown users cost the same time as known ones.  Changing a
 * password or removing a user ends that user's sessions at once.
 */
#ifndef OSP_AUTH_H
#define OSP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "osp/db.h"

#define OSP_SESSION_TOKEN_LEN (5 + 64) /* "osps_" + 32 random bytes in hex */
#define OSP_CSRF_LEN 32
#define OSP_SESSION_IDLE_S (30 * 60)
#define OSP_SESSION_ABSOLUTE_S (12 * 60 * 60)
#define OSP_LOGIN_WINDOW_S (15 * 60)
#define OSP_LOGIN_MAX_USER_FAILURES 5
#define OSP_LOGIN_MAX_CLIENT_FAILURES 50
#define OSP_PASSWORD_MIN_LEN 8    /* characters (UTF-8 code points) */
#define OSP_PASSWORD_MAX_LEN 1024 /* bytes */

struct osp_user {
    int64_t id;
    char tenant[65];
    char username[65];
    char role[33];
};

struct osp_session {
    struct osp_user user;
    char csrf[OSP_CSRF_LEN + 1];
    int64_t created_at, last_seen, expires_at;
};

/* 1 if name is a valid tenant or user name: [a-z0-9-]{1,64}. */
int osp_auth_name_ok(const char *name);

/* Whether password is acceptable for username: not empty, at least
 * OSP_PASSWORD_MIN_LEN characters, at most OSP_PASSWORD_MAX_LEN bytes, not
 * containing the user name, not a few characters repeated, not a run like
 * "12345678", not one of the best-known passwords.  Returns 0,
 * OSP_E_INVALID_ARGUMENT or OSP_E_TOO_BIG, with a sentence in why. */
int osp_auth_password_check(const char *username, const char *password, char *why, size_t cap);

/* Adds a user (names as osp_auth_name_ok says); the role is not checked here
 * (the schema is the caller's).  Returns 0, OSP_E_BAD_ID, what
 * osp_auth_password_check returns, OSP_E_CONFLICT (the user exists) or
 * OSP_E_IO. */
int osp_auth_user_add(struct osp_db *db, const char *tenant, const char *username,
                      const char *password, const char *role, int64_t now);

/* Sets a user's password and ends all their sessions, in one transaction.
 * Returns 0, OSP_E_NOT_FOUND, what osp_auth_password_check returns, or
 * OSP_E_IO. */
int osp_auth_user_passwd(struct osp_db *db, const char *tenant, const char *username,
                         const char *password);

/* Removes a user with their sessions and their per-plugin storage, in one
 * transaction.  Records they own keep their owner name.  Returns 0,
 * OSP_E_NOT_FOUND or OSP_E_IO. */
int osp_auth_user_remove(struct osp_db *db, const char *tenant, const char *username);

/* A user as operators see it. */
struct osp_user_info {
    struct osp_user user;
    int64_t created_at;
    int64_t sessions;  /* live at now: neither idle nor past their absolute expiry */
    int64_t last_seen; /* newest activity of any live session, 0 if none */
};

/* Users of tenant (all tenants when NULL), ordered by tenant and name;
 * *out is malloc'd (free() it). */
int osp_auth_users(struct osp_db *db, const char *tenant, int64_t now, struct osp_user_info **out,
                   size_t *n);

/* Checks a password and opens a new session (a fresh token every login).
 * client is the caller's address, for throttling.  Returns 0 with the
 * token in token_out and the session in *out, OSP_E_UNAUTHORIZED (wrong
 * tenant, name or password: indistinguishable), or OSP_E_RATE_LIMITED. */
int osp_auth_login(struct osp_db *db, const char *tenant, const char *username,
                   const char *password, const char *client, int64_t now,
                   char token_out[OSP_SESSION_TOKEN_LEN + 1], struct osp_session *out);

/* The live session of token, refreshing its idle timer.  Returns 0 or
 * OSP_E_UNAUTHORIZED (unknown, expired or malformed). */
int osp_auth_session(struct osp_db *db, const char *token, int64_t now, struct osp_session *out);

/* Ends a session.  Returns 0 or OSP_E_UNAUTHORIZED. */
int osp_auth_logout(struct osp_db *db, const char *token);

/* Constant-time comparison of a presented CSRF token with the session's. */
int osp_auth_csrf_ok(const struct osp_session *s, const char *presented);

#endif
