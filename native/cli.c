/* osp: verb dispatch, help, and the helpers verbs share. */
#include "cli.h"
#include "osp/error.h"
#include "osp/fsutil.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;
    const char *help; /* options and details for `osp help VERB` */
};

static int cmd_help(int argc, char **argv);

static const struct verb verbs[] = {
    {"keygen", osp_cli_keygen, "keygen [-o NAME] [--no-password] [--force]",
     "Creates a signing key pair in the minisign format: NAME.key (mode 0600)\n"
     "and NAME.pub.  NAME defaults to 'osp'.  minisign can use the pair too.\n\n"
     "  -o, --output NAME  file name without extension\n"
     "  --no-password      store the secret key unencrypted (CI, demos)\n"
     "  -f, --force        replace existing files\n\n"
     "The password comes from $OSP_KEY_PASSWORD, or is asked on the terminal.\n"},
    {"pack", osp_cli_pack, "pack DIR [-k KEY] [-o FILE]",
     "Packs a plugin directory into a .osplugin bundle, listing and hashing every\n"
     "file in the manifest.  The same directory always gives the same bytes.\n"
     "With -k the bundle is signed; without, sign it later with 'osp sign'.\n"
     "Dotfiles, private keys, .env and token files are refused.\n\n"
     "  -k, --key KEY      secret key file to sign with\n"
     "  -o, --output FILE  where to write (default <id>-<version>.osplugin)\n"},
    {"sign", osp_cli_sign, "sign FILE (-k KEY | --minisig SIG) [-o OUT]",
     "Signs a bundle's manifest, or attaches a signature made elsewhere:\n"
     "  osp inspect FILE --manifest > osplugin.json\n"
     "  minisign -S -s KEY -m osplugin.json -t \"$(osp inspect FILE --trusted-comment)\"\n"
     "  osp sign FILE --minisig osplugin.json.minisig\n\n"
     "  -k, --key KEY      secret key file (osp or minisign)\n"
     "  --minisig SIG      attach this .minisig (it must bind this manifest)\n"
     "  -o, --output OUT   write here instead of replacing FILE\n"},
    {"verify", osp_cli_verify, "verify FILE (-p PUB … | --trust DIR)",
     "Verifies a bundle: the manifest signature with a trusted key (checked by\n"
     "key id first), the trusted comment binding it to this id, version and\n"
     "digest, the manifest, and every file's size and hash.  Never runs plugin\n"
     "code.\n\n"
     "  -p, --pubkey PUB   a trusted public key file (repeatable); it vouches for\n"
     "                     the publisher the manifest names\n"
     "  --trust DIR        the keys registered in an osp data directory, with\n"
     "                     their publishers, retirements and revocations\n"},
    {"check", osp_cli_check, "check DIR|FILE [-p PUB … | --trust DIR] [--json]",
     "Reports every problem at once, each with a stable code, the file, a JSON\n"
     "pointer, a message and a hint.  A directory is checked as 'osp pack' would\n"
     "pack it; a bundle is checked completely, and its signature too when keys\n"
     "are given.  Exits 1 if there is any problem.\n\n"
     "  -p, --pubkey PUB   trusted public key (repeatable)\n"
     "  --trust DIR        keys registered in an osp data directory\n"
     "  --json             one JSON array of problems on stdout\n"},
    {"inspect", osp_cli_inspect, "inspect FILE [--manifest | --trusted-comment | --json]",
     "Summarises a bundle without running it: id, version, publisher, digest,\n"
     "signer key id, permissions in plain words, contributions, files.\n\n"
     "  --manifest          print the exact manifest bytes (to sign elsewhere)\n"
     "  --trusted-comment   print the trusted comment a signature must carry\n"
     "  --json              the summary as JSON\n"},
    {"serve", osp_cli_serve, "serve [--app ADDR] [--plugin ADDR] [--data-dir DIR] [options]",
     "Runs the asset server: the app origin (shell, core, APIs) and the plugin\n"
     "origin (plugin assets with their CSP).  Stops cleanly on Ctrl-C or SIGTERM.\n\n"
     "  --app ADDR            app listener (default 127.0.0.1:8080)\n"
     "  --plugin ADDR         plugin listener (default 127.0.0.1:8081)\n"
     "  --app-origin URL      the app origin as browsers see it (default http://ADDR)\n"
     "  --plugin-origin URL   the plugin origin as browsers see it\n"
     "  -d, --data-dir DIR    registry and blobs (default $OSP_DATA_DIR or ./osp-data)\n"
     "  --shell-dir DIR       the shell's files (default: the source tree's shell/)\n"
     "  --core-dir DIR        osp-core.js/.wasm (default: the build's wasm/)\n"
     "  --threads N           app listener threads (default 64); civetweb serves one\n"
     "                        keep-alive connection per thread, so size it for the\n"
     "                        concurrent clients you expect\n"
     "  --plugin-workers N    plugin listener event-loop threads (default 0: one per\n"
     "                        CPU); each serves any number of connections\n"
     "  --plugin-connections N  plugin connections open at once (default 4096)\n"
     "  --access-log FILE     JSON lines per request (\"-\" for stderr)\n"
     "  --schema FILE         data schema: objects, fields, roles (default: built-in CRM)\n"
     "  --cache-mb N          hot blobs kept in memory (default 128)\n"
     "  --max-upload-mb N     largest bundle accepted (default 80)\n"
     "  -c, --config FILE     JSON settings: app_listen, plugin_listen, app_origin,\n"
     "                        plugin_origin, data_dir, shell_dir, core_dir, threads,\n"
     "                        plugin_workers, plugin_connections, access_log, schema,\n"
     "                        cache_mb, max_upload_mb\n"
     "  --sample-data         seed the demo's users (alice, bob, carol; password osp-demo)\n"
     "                        and records\n\n"
     "Each setting also reads OSP_<NAME> from the environment (OSP_APP_LISTEN,\n"
     "OSP_DATA_DIR, OSP_CONFIG, …); flags win over the environment, which wins\n"
     "over the file.\n"},
    {"publish", osp_cli_publish, "publish FILE [--server URL] [--token TOKEN] [-c CONFIG]",
     "Uploads a signed bundle to a server, which verifies it against the\n"
     "publisher's registered keys before storing anything.  A refusal is\n"
     "explained with what to do about it.  On a terminal, a progress bar shows\n"
     "the upload of bundles from 256 KiB.\n\n"
     "  -s, --server URL   default $OSP_SERVER, else the config file's \"server\",\n"
     "                     else http://127.0.0.1:8080\n"
     "  -t, --token TOKEN  publisher token (default $OSP_PUBLISH_TOKEN, else the\n"
     "                     config file's \"token\")\n"
     "  -c, --config FILE  {\"server\": URL, \"token\": TOKEN}, mode 600 (default\n"
     "                     $OSP_PUBLISH_CONFIG, else ~/.config/osp/publish.json if\n"
     "                     it exists)\n"},
    {"publisher", osp_cli_publisher,
     "publisher (add NAME --key PUB | key-add NAME --key PUB | key-retire NAME KEYID | "
     "key-revoke NAME KEYID | verify NAME [--off] | list) [-d DIR]",
     "Manages the trust store in a data directory.\n\n"
     "  add NAME --key PUB [--verified]   a new publisher with its first key; prints\n"
     "                                    its publish token (shown once, stored hashed)\n"
     "  key-add NAME --key PUB            another key (rotation: add the new one first)\n"
     "  key-retire NAME KEYID [--at T]    no new signatures from T (unix seconds,\n"
     "                                    default now); what was published before stays\n"
     "  key-revoke NAME KEYID             refuse everything the key ever signed\n"
     "  verify NAME [--off]               vouch for a publisher (in-app loading)\n"
     "  list                              publishers and their keys\n"
     "  -d, --data-dir DIR                default $OSP_DATA_DIR or ./osp-data\n"},
    {"install", osp_cli_install, "install ID [--grant PERM …|--grant-all] [--tenant T] [-d DIR]",
     "Installs the newest version of plugin ID for a tenant, granting the listed\n"
     "permissions (each must be one the plugin requests).\n\n"
     "  -g, --grant PERM     grant one requested permission (repeatable)\n"
     "  --grant-all          grant everything the plugin requests\n"
     "  --tenant T           default 'default'\n"
     "  -d, --data-dir DIR   default $OSP_DATA_DIR or ./osp-data\n"},
    {"list", osp_cli_list, "list [TEXT] [-d DIR] [--json]",
     "Lists the plugins in a data directory (those whose id, name or description\n"
     "contains TEXT), with their newest version, versions and installations.\n"
     "Read-only; never runs plugin code.\n\n"
     "  -d, --data-dir DIR   default $OSP_DATA_DIR or ./osp-data\n"
     "  --json               machine-readable output\n"},
    {"show", osp_cli_show, "show ID [-d DIR] [--json]",
     "Shows one plugin: every version with its digest, signing key, publish time\n"
     "and trust state (the shell's decision today: trusted, revoked, key_revoked,\n"
     "…), its installations with grants, and the publisher's keys.  Read-only.\n\n"
     "  -d, --data-dir DIR   default $OSP_DATA_DIR or ./osp-data\n"
     "  --json               machine-readable output\n"},
    {"store", osp_cli_store, "store verify [--repair] [--gc] [-d DIR] [--json]",
     "Re-hashes every blob and checks that every blob the registry names exists.\n"
     "Exits 1 on corrupt or dangling blobs.  Unreferenced blobs (left by a\n"
     "publish that never committed) are reported.\n\n"
     "  --repair   move corrupt blobs to <data>/quarantine/, delete leftovers of\n"
     "             interrupted writes\n"
     "  --gc       delete unreferenced blobs older than ten minutes\n"
     "  --json     machine-readable report\n"},
    {"admin-token", osp_cli_admin_token, "admin-token add NAME [-d DIR]",
     "Creates an operator token for the admin and installation APIs and prints it\n"
     "once (only its hash is stored).\n"},
    {"sdk-tag", osp_cli_sdk_tag, "sdk-tag [--shell-dir DIR]",
     "Prints the <script> tag that loads this host's plugin SDK, pinned with\n"
     "Subresource Integrity.  Paste it into every page of a plugin; never bundle\n"
     "the SDK.  When the SDK changes, its tag does too.\n\n"
     "  --shell-dir DIR   the shell's files (default $OSP_SHELL_DIR, else the\n"
     "                    source tree's shell/)\n"},
    {"user", osp_cli_user,
     "user (add USER --tenant T --role R | passwd USER --tenant T | remove USER --tenant T | "
     "list [--tenant T]) [-d DIR]",
     "Manages the users who sign in to the app, in a data directory (safe while\n"
     "osp serve runs).  Each change is written to the audit log as cli:<you>.\n\n"
     "  add USER --tenant T --role R   a new user; R must be a role of the schema\n"
     "  passwd USER --tenant T         a new password; ends all of USER's sessions\n"
     "  remove USER --tenant T         ends USER's sessions and deletes their plugin\n"
     "                                 storage; records they own keep their name\n"
     "  list [--tenant T] [--json]     users with their live sessions\n"
     "  --password-stdin               read the password from standard input (one line)\n"
     "  --schema FILE, -c CONFIG       the schema osp serve uses, for the roles (default:\n"
     "                                 $OSP_SCHEMA, else the \"schema\" of $OSP_CONFIG,\n"
     "                                 else the built-in CRM schema)\n"
     "  -d, --data-dir DIR             default $OSP_DATA_DIR or ./osp-data\n\n"
     "Without --password-stdin the password comes from $OSP_PASSWORD, or is asked\n"
     "twice on the terminal without echo.  Passwords need at least 8 characters\n"
     "and must not contain the user name, repeat a few characters, run like\n"
     "12345678 or be a well-known password.\n"},
    {"audit", osp_cli_audit,
     "audit [--tenant T] [--actor U] [--plugin P] [--limit N] [--json] [-d DIR]",
     "Shows the audit log, newest first: every record write, every refused data\n"
     "call, grant and user change, with who, which plugin, what, and the fields\n"
     "before and after.  Read-only.\n\n"
     "  --tenant T      only tenant T (default: all)\n"
     "  --actor U       only what U did (a user name, operator:NAME or cli:NAME)\n"
     "  --plugin P      only calls made through plugin P\n"
     "  -n, --limit N   at most N entries, 1 to 500 (default 50)\n"
     "  --before ID     entries older than ID (the next page)\n"
     "  --json          {\"entries\":[…]}, as GET /api/v1/audit answers\n"
     "  -d, --data-dir DIR   default $OSP_DATA_DIR or ./osp-data\n"},
    {"new", osp_cli_new, "new NAME [--template widget|field|view] [--publisher P] [--title T]",
     "Creates NAME/, a working plugin to start from:\n"
     "  NAME/plugin/       what ships: osplugin.json (id P.NAME), the page with the\n"
     "                     SDK's <script> tag (pinned, see osp sdk-tag), its script, a style\n"
     "  NAME/types/        osp.d.ts, the SDK's types; jsconfig.json points editors at it\n"
     "  NAME/tests/        a Playwright test against 'osp dev NAME'\n"
     "  NAME/README.md     how to develop, test and ship it\n"
     "NAME is 1 to 40 lower-case letters, digits and '-', starting with a letter.\n"
     "An existing NAME must be an empty directory.\n\n"
     "  -t, --template T   widget (dashboard, default), field (a rating field\n"
     "                     renderer) or view (a view of deals)\n"
     "  -p, --publisher P  the publisher in the manifest (default acme)\n"
     "  --title T          the plugin's name as people see it (default from NAME)\n"},
    {"dev", osp_cli_dev, "dev [DIR] [--app ADDR] [--plugin ADDR]",
     "Runs the shell in dev mode with the plugin in DIR (default '.'; DIR/plugin\n"
     "when that holds the manifest, as 'osp new' lays it out).  The plugin is\n"
     "packed and signed with a key made for this run and trusted only by this\n"
     "server (a throwaway data directory with the demo's users and records),\n"
     "published through the publish API and granted exactly what its manifest\n"
     "requests: the production CSP, sandbox and permission checks apply.  Saving\n"
     "a file rebuilds it and reloads its frame; the dev overlay shows manifest\n"
     "problems, blocked requests (CSP) with advice, denied calls, crashes and\n"
     "every RPC call.\n\n"
     "  --app ADDR      app listener (default $OSP_APP_LISTEN or 127.0.0.1:8080)\n"
     "  --plugin ADDR   plugin listener (default $OSP_PLUGIN_LISTEN or 127.0.0.1:8081)\n"
     "  -q, --quiet     no line per build on stderr\n"},
    {"help", cmd_help, "help [VERB]", "Lists the verbs, or explains one.\n"},
};

static const struct verb *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i].name, name) == 0)
            return &verbs[i];
    return NULL;
}

static void print_overview(FILE *out)
{
    fprintf(out, "osp: run untrusted UI plugins safely\n\nusage:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        fprintf(out, "  osp %s\n", verbs[i].synopsis);
    fprintf(out, "\nrun 'osp help VERB' for a verb's options\n");
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    const struct verb *v = find_verb(argv[1]);
    if (!v)
        return osp_cli_usage("help", "no verb %s", argv[1]);
    printf("usage: osp %s\n\n%s", v->synopsis, v->help);
    return 0;
}

int osp_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return OSP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv + 1);
    const struct verb *v = find_verb(argv[1]);
    if (!v) {
        fprintf(stderr, "osp: unknown verb '%s'\n", argv[1]);
        print_overview(stderr);
        return OSP_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            char *help_argv[] = {"help", argv[1]};
            return cmd_help(2, help_argv);
        }
    return v->run(argc - 1, argv + 1);
}

/* ---- shared helpers ----------------------------------------------------- */

int osp_cli_fail(int err, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "osp: %s: ", osp_error_code(err));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return OSP_EXIT_FAIL;
}

int osp_cli_usage(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "osp %s: ", verb);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nrun 'osp help %s' for usage\n", verb);
    return OSP_EXIT_USAGE;
}

int osp_cli_opt(int argc, char **argv, int *i, const char *short_name, const char *long_name,
                const char **val)
{
    const char *a = argv[*i];
    if (!((short_name && strcmp(a, short_name) == 0) || (long_name && strcmp(a, long_name) == 0)))
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *val = argv[++*i];
    return 1;
}

const char *osp_cli_data_dir(const char *given)
{
    if (given)
        return given;
    const char *env = getenv("OSP_DATA_DIR");
    return env && *env ? env : "./osp-data";
}

void osp_cli_print_json(cJSON *v)
{
    char *text = NULL;
    size_t len = 0;
    if (v && osp_json_print_pretty(v, &text, &len) == 0)
        fwrite(text, 1, len, stdout);
    free(text);
    cJSON_Delete(v);
}

void osp_cli_print_diags(const struct osp_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct osp_diag *e = &d->items[i];
        fprintf(stderr, "osp: %s: %s%s%s%s%s\n", osp_error_code(e->code), e->file,
                e->pointer[0] ? "#" : "", e->pointer, e->file[0] || e->pointer[0] ? ": " : "",
                e->message);
        if (e->hint[0])
            fprintf(stderr, "    hint: %s\n", e->hint);
    }
    if (d->dropped)
        fprintf(stderr, "osp: … and %zu more problems\n", d->dropped);
}

char *osp_cli_prompt_password(const char *prompt, char *buf, size_t cap)
{
    if (!isatty(STDIN_FILENO))
        return NULL;
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    int tty_ok = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty_ok) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *r = fgets(buf, (int)cap, stdin);
    if (tty_ok)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    if (!r)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

int osp_cli_load_signer(const char *path, struct osp_signer **out)
{
    char *text = NULL, pw[1024];
    size_t len = 0;
    int rc = osp_fs_read(path, OSP_SIGNER_FILE_MAX, &text, &len);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot read secret key %s", path);
    const char *password = NULL;
    if (osp_signer_is_encrypted(text, len) == 1) {
        password = getenv("OSP_KEY_PASSWORD");
        if (!password)
            password = osp_cli_prompt_password("Password for the secret key: ", pw, sizeof pw);
        if (!password) {
            free(text);
            return osp_cli_fail(OSP_E_WRONG_PASSWORD,
                                "%s is password-protected: set OSP_KEY_PASSWORD or run on a "
                                "terminal",
                                path);
        }
    }
    rc = osp_signer_load(text, len, password, out);
    memset(pw, 0, sizeof pw);
    free(text);
    if (rc != 0)
        return osp_cli_fail(rc, "%s: %s", path, osp_strerror(rc));
    return 0;
}

int osp_cli_read_pubkey(const char *path, struct osp_pubkey *key)
{
    char *text = NULL;
    size_t len = 0;
    int rc = osp_fs_read(path, OSP_SIG_PUBKEY_FILE_MAX, &text, &len);
    if (rc == 0)
        rc = osp_sig_parse_pubkey(text, len, key);
    free(text);
    return rc;
}

int osp_cli_open_registry(const char *data_dir, struct osp_registry **reg)
{
    char path[PATH_MAX];
    if (osp_fs_mkdirs(data_dir) != 0)
        return osp_cli_fail(OSP_E_IO, "cannot create %s", data_dir);
    snprintf(path, sizeof path, "%s/registry.db", data_dir);
    int rc = osp_registry_open(path, reg);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot open the registry %s", path);
    return 0;
}

int osp_cli_open_existing(const char *data_dir, struct osp_registry **reg)
{
    char db[PATH_MAX];
    const char *dir = osp_cli_data_dir(data_dir);
    snprintf(db, sizeof db, "%s/registry.db", dir);
    if (!osp_fs_exists(db))
        return osp_cli_fail(OSP_E_NOT_FOUND, "%s is not an osp data directory (no registry.db)",
                            dir);
    return osp_cli_open_registry(dir, reg);
}

int osp_cli_read_bundle(const char *path, struct osp_bundle *b, char **raw)
{
    size_t len = 0;
    struct osp_diags d = {0};
    int rc = osp_fs_read(path, OSP_ARCHIVE_MAX_BYTES, raw, &len);
    if (rc != 0)
        return osp_cli_fail(rc, "cannot read %s", path);
    rc = osp_bundle_open(*raw, len, b, &d);
    if (rc != 0) {
        osp_cli_print_diags(&d);
        osp_diags_free(&d);
        free(*raw);
        *raw = NULL;
        return osp_cli_fail(rc, "%s is not a readable bundle", path);
    }
    osp_diags_free(&d);
    return 0;
}

/* ---- progress on a terminal -------------------------------------------- */

#define PROGRESS_MIN_BYTES (4u << 20) /* smaller work finishes before anyone looks */
#define PROGRESS_BAR_WIDTH 24

static void draw_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    struct osp_cli_progress *p = ctx;
    if (total < p->min_bytes)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (p->drawn && ms < 100 && done != total)
        return;
    p->last = now;
    p->drawn = 1;
    double frac = total ? (double)done / (double)total : 1.0;
    char bar[PROGRESS_BAR_WIDTH + 1];
    size_t filled = (size_t)(frac * PROGRESS_BAR_WIDTH);
    for (size_t i = 0; i < PROGRESS_BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_BAR_WIDTH] = '\0';
    fprintf(stderr, "\r%s: %-11s [%s] %.1f / %.1f MB (%3.0f%%)  ", p->what, stage, bar,
            done / 1048576.0, total / 1048576.0, 100.0 * frac);
    fflush(stderr);
}

const struct osp_progress *osp_cli_progress_start(struct osp_cli_progress *p, const char *what)
{
    memset(p, 0, sizeof *p);
    if (!isatty(STDERR_FILENO))
        return NULL;
    p->what = what;
    p->min_bytes = PROGRESS_MIN_BYTES;
    p->reporter.fn = draw_progress;
    p->reporter.ctx = p;
    return &p->reporter;
}

void osp_cli_progress_done(struct osp_cli_progress *p)
{
    if (p->drawn)
        fputc('\n', stderr);
    p->drawn = 0;
}
