/* The osp command line: verbs grouped by what they touch (native/cli_*.c),
 * dispatched and documented in native/cli.c. */
#ifndef OSP_NATIVE_CLI_H
#define OSP_NATIVE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "osp/bundle.h"
#include "osp/diag.h"
#include "osp/json.h"
#include "osp/registry.h"
#include "osp/signer.h"

/* Exit statuses: 0 success, 1 a refused or failed operation, 2 usage. */
#define OSP_EXIT_FAIL 1
#define OSP_EXIT_USAGE 2

/* Where the shell and the wasm core are, unless configured (the build
 * points these at the source tree and build/wasm). */
#ifndef OSP_DEFAULT_SHELL_DIR
#define OSP_DEFAULT_SHELL_DIR "shell"
#endif
#ifndef OSP_DEFAULT_CORE_DIR
#define OSP_DEFAULT_CORE_DIR "wasm"
#endif

int osp_cli_main(int argc, char **argv);

/* Verbs; argv[0] is the verb itself. */
int osp_cli_keygen(int argc, char **argv);
int osp_cli_pack(int argc, char **argv);
int osp_cli_sign(int argc, char **argv);
int osp_cli_verify(int argc, char **argv);
int osp_cli_check(int argc, char **argv);
int osp_cli_inspect(int argc, char **argv);
int osp_cli_publish(int argc, char **argv);
int osp_cli_publisher(int argc, char **argv);
int osp_cli_install(int argc, char **argv);
int osp_cli_list(int argc, char **argv);
int osp_cli_show(int argc, char **argv);
int osp_cli_store(int argc, char **argv);
int osp_cli_admin_token(int argc, char **argv);
int osp_cli_serve(int argc, char **argv);
int osp_cli_user(int argc, char **argv);
int osp_cli_audit(int argc, char **argv);
int osp_cli_sdk_tag(int argc, char **argv);
int osp_cli_new(int argc, char **argv);
int osp_cli_dev(int argc, char **argv);

/* Prints "osp: <code>: <message>" to stderr and returns OSP_EXIT_FAIL. */
int osp_cli_fail(int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints "osp <verb>: <message>" and a pointer to help; returns OSP_EXIT_USAGE. */
int osp_cli_usage(const char *verb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* If argv[*i] is short or long, stores the next argument in *val, advances
 * *i and returns 1; returns -1 if the value is missing; 0 otherwise. */
int osp_cli_opt(int argc, char **argv, int *i, const char *short_name, const char *long_name,
                const char **val);

/* The data directory: --data-dir, else $OSP_DATA_DIR, else ./osp-data. */
const char *osp_cli_data_dir(const char *given);

/* Prints v as indented JSON on stdout and deletes it. */
void osp_cli_print_json(cJSON *v);

/* Prints diagnostics, one problem per line with its hint, to stderr. */
void osp_cli_print_diags(const struct osp_diags *d);

/* Loads a secret key, asking for its password ($OSP_KEY_PASSWORD or the
 * terminal) when it has one.  Returns 0 or an exit status (already
 * reported). */
int osp_cli_load_signer(const char *path, struct osp_signer **out);

/* Reads a public key file.  Returns 0 or an osp error code. */
int osp_cli_read_pubkey(const char *path, struct osp_pubkey *key);

/* Opens the registry in data_dir (created if needed).  Returns 0 or an
 * exit status (already reported). */
int osp_cli_open_registry(const char *data_dir, struct osp_registry **reg);

/* Opens the registry of an existing data directory (never creates one:
 * a mistyped -d is reported, not initialised).  Returns 0 or an exit
 * status (already reported). */
int osp_cli_open_existing(const char *data_dir, struct osp_registry **reg);

/* Reads and opens a bundle; *raw holds the file bytes (free() it after
 * osp_bundle_close).  Returns 0 or an exit status (already reported). */
int osp_cli_read_bundle(const char *path, struct osp_bundle *b, char **raw);

/* Reads a password from the terminal without echo into buf; NULL when
 * there is no terminal. */
char *osp_cli_prompt_password(const char *prompt, char *buf, size_t cap);

/* The actor the audit log names for this command line: cli:<system user>. */
void osp_cli_actor(char *out, size_t cap);

/* A progress line on stderr for big bundles (only on a terminal and only
 * for work of a few MB or more). */
struct osp_cli_progress {
    struct osp_progress reporter;
    const char *what;
    uint64_t min_bytes; /* less work than this draws nothing (default 4 MiB) */
    int drawn;
    struct timespec last;
};

/* Returns the reporter to pass on, or NULL when stderr is not a terminal. */
const struct osp_progress *osp_cli_progress_start(struct osp_cli_progress *p, const char *what);

/* Ends the progress line, if one was drawn. */
void osp_cli_progress_done(struct osp_cli_progress *p);

#endif
