/* Permission vocabulary, origins and grants (see include/osp/perm.h). */
#include "osp/perm.h"
#include "osp/error.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char *const simple_perms[] = {"storage", "ui.toast", "ui.modal", "ui.navigate"};
static const char *const object_prefixes[] = {"data.read:", "data.write:"};

static void put_hint(char *hint, size_t cap, const char *text)
{
    if (hint && cap)
        snprintf(hint, cap, "%s", text);
}

static int valid_object_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

int osp_perm_check(const char *perm, char *hint, size_t hint_cap)
{
    if (hint && hint_cap)
        hint[0] = '\0';
    if (!perm || strlen(perm) > OSP_PERM_MAX_LEN) {
        put_hint(hint, hint_cap, "permissions are short names such as data.read:contact");
        return OSP_E_BAD_PERMISSION;
    }
    for (size_t i = 0; i < sizeof simple_perms / sizeof simple_perms[0]; i++)
        if (strcmp(perm, simple_perms[i]) == 0)
            return 0;
    for (size_t i = 0; i < sizeof object_prefixes / sizeof object_prefixes[0]; i++) {
        size_t n = strlen(object_prefixes[i]);
        if (strncmp(perm, object_prefixes[i], n) == 0) {
            if (valid_object_name(perm + n))
                return 0;
            put_hint(hint, hint_cap,
                     "the object name after ':' must match [a-z][a-z0-9_]{0,31}, e.g. contact");
            return OSP_E_BAD_PERMISSION;
        }
    }
    /* Suggest the nearest known spelling, keeping the object if there is one. */
    const char *colon = strchr(perm, ':');
    char head[OSP_PERM_MAX_LEN + 1];
    size_t hl = colon ? (size_t)(colon - perm) + 1 : strlen(perm);
    memcpy(head, perm, hl);
    head[hl] = '\0';
    const char *best = NULL;
    size_t best_d = 99;
    for (size_t i = 0; i < sizeof object_prefixes / sizeof object_prefixes[0]; i++) {
        size_t d = osp__edit_distance(head, object_prefixes[i]);
        if (d < best_d) {
            best_d = d;
            best = object_prefixes[i];
        }
    }
    for (size_t i = 0; i < sizeof simple_perms / sizeof simple_perms[0]; i++) {
        size_t d = osp__edit_distance(colon ? head : perm, simple_perms[i]);
        if (d < best_d) {
            best_d = d;
            best = simple_perms[i];
        }
    }
    if (hint && hint_cap) {
        if (best && best_d <= 3) {
            int is_prefix = best[strlen(best) - 1] == ':';
            snprintf(hint, hint_cap, "did you mean %s%s", best,
                     is_prefix ? (colon && colon[1] ? colon + 1 : "<object>") : "");
        } else {
            snprintf(hint, hint_cap,
                     "known permissions: data.read:<object>, data.write:<object>, storage, "
                     "ui.toast, ui.modal, ui.navigate");
        }
    }
    return OSP_E_BAD_PERMISSION;
}

static int host_label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

/* The origin grammar shared by manifest origins and host origins. */
static int check_origin(const char *origin, int allow_http, int allow_wildcard, char *hint,
                        size_t hint_cap)
{
    if (hint && hint_cap)
        hint[0] = '\0';
    if (!origin || strlen(origin) > OSP_ORIGIN_MAX_LEN) {
        put_hint(hint, hint_cap, "an origin is at most 253 characters");
        return OSP_E_BAD_ORIGIN;
    }
    const char *host;
    if (strncmp(origin, "https://", 8) == 0)
        host = origin + 8;
    else if (allow_http && strncmp(origin, "http://", 7) == 0)
        host = origin + 7;
    else {
        put_hint(hint, hint_cap, "origins must use https, e.g. https://api.example.com");
        return OSP_E_BAD_ORIGIN;
    }
    const char *port = strchr(host, ':');
    size_t host_len = port ? (size_t)(port - host) : strlen(host);
    if (port) {
        const char *p = port + 1;
        size_t digits = strspn(p, "0123456789");
        long v = 0;
        for (size_t i = 0; i < digits && i < 6; i++)
            v = v * 10 + (p[i] - '0');
        if (digits == 0 || digits > 5 || p[digits] != '\0' || p[0] == '0' || v > 65535) {
            put_hint(hint, hint_cap, "the port must be a number from 1 to 65535");
            return OSP_E_BAD_ORIGIN;
        }
    }
    const char *h = host;
    size_t left = host_len;
    int wildcard = 0;
    if (allow_wildcard && left >= 2 && h[0] == '*' && h[1] == '.') {
        h += 2;
        left -= 2;
        wildcard = 1;
    }
    int labels = 0;
    while (left > 0) {
        const char *dot = memchr(h, '.', left);
        size_t n = dot ? (size_t)(dot - h) : left;
        if (!host_label_ok(h, n)) {
            put_hint(hint, hint_cap,
                     "write the exact origin: lowercase host, optional port, no path or "
                     "trailing slash; one leading *. is the only wildcard");
            return OSP_E_BAD_ORIGIN;
        }
        labels++;
        if (!dot)
            break;
        h = dot + 1;
        left -= n + 1;
        if (left == 0) {
            put_hint(hint, hint_cap, "remove the trailing dot");
            return OSP_E_BAD_ORIGIN;
        }
    }
    if (labels == 0 || (wildcard && labels < 2)) {
        put_hint(hint, hint_cap, "a wildcard must be followed by at least two labels");
        return OSP_E_BAD_ORIGIN;
    }
    return 0;
}

int osp_perm_check_origin(const char *origin, char *hint, size_t hint_cap)
{
    return check_origin(origin, 0, 1, hint, hint_cap);
}

int osp_perm_check_host_origin(const char *origin)
{
    return check_origin(origin, 1, 0, NULL, 0);
}

void osp_perm_describe(const char *perm, char *out, size_t cap)
{
    if (strncmp(perm, "data.read:", 10) == 0)
        snprintf(out, cap, "read %s records you can see", perm + 10);
    else if (strncmp(perm, "data.write:", 11) == 0)
        snprintf(out, cap, "create and change %s records you can edit", perm + 11);
    else if (strcmp(perm, "storage") == 0)
        snprintf(out, cap, "keep its own settings for each user");
    else if (strcmp(perm, "ui.toast") == 0)
        snprintf(out, cap, "show notifications");
    else if (strcmp(perm, "ui.modal") == 0)
        snprintf(out, cap, "open dialogs");
    else if (strcmp(perm, "ui.navigate") == 0)
        snprintf(out, cap, "move you to other pages of the app");
    else if (strncmp(perm, "https://", 8) == 0)
        snprintf(out, cap, "contact %s", perm);
    else
        snprintf(out, cap, "%s", perm);
}

int osp_grants_has(const struct osp_grants *g, const char *perm)
{
    if (!g || !perm)
        return 0;
    for (size_t i = 0; i < g->n; i++)
        if (g->perms[i] && strcmp(g->perms[i], perm) == 0)
            return 1;
    return 0;
}
