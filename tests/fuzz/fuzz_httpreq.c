/* libFuzzer harness: HTTP/1.x request heads as the plugin origin's server
 * reads them (docs/fuzzing.md).  The bytes arrive in pieces whose sizes
 * come from the input's own length, as a socket would deliver them:
 *
 *   osp_httpreq_head_len, fed piece by piece (resuming where it stopped),
 *   must find the same end as one look at all the bytes;
 *   osp_httpreq_parse on a copy of exactly the head's bytes;
 *   on success, osp_httpreq_check, osp_httpreq_keep_alive and a lookup of
 *   every header by its own name.
 *
 * A broken contract (a piecewise end that differs, a parsed request whose
 * pieces point outside the head or break the documented grammar, a
 * refusal without a sentence) calls abort(); bad input alone never does.
 */
#include "osp/error.h"
#include "osp/httpreq.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_httpreq: contract broken: %s\n", what);
    abort();
}

static int inside(const char *p, const char *buf, size_t len)
{
    return p >= buf && p < buf + len && memchr(p, '\0', (size_t)(buf + len - p)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t once = osp_httpreq_head_len(text, size, 0);
    size_t from = 0, piecewise = 0, step = 1 + size % 7;
    for (size_t len = step < size ? step : size; len <= size && !piecewise;) {
        piecewise = osp_httpreq_head_len(text, len, from);
        from = len;
        if (len == size)
            break;
        len = len + step > size ? size : len + step;
        step = step * 5 % 11 + 1;
    }
    if (piecewise != once)
        broken("head_len in pieces differs from one look");
    if (once == 0 && size > OSP_HTTPREQ_HEAD_MAX)
        return 0; /* the server refuses this as too_big without parsing */
    size_t len = once ? once : size;
    if (len == 0)
        return 0;
    char *head = malloc(len);
    memcpy(head, data, len);
    struct osp_httpreq r;
    const char *why = NULL;
    int rc = osp_httpreq_parse(head, len, &r, &why);
    if (rc != 0) {
        if ((rc != OSP_E_BAD_REQUEST && rc != OSP_E_TOO_BIG) || !why || !*why)
            broken("a refusal without its code or sentence");
        if (once == 0 && rc != OSP_E_BAD_REQUEST)
            broken("an unterminated head was not bad_request");
        free(head);
        return 0;
    }
    if (once == 0 || len > OSP_HTTPREQ_HEAD_MAX)
        broken("parsed a head that is not whole or too long");
    if (!inside(r.method, head, len) || !inside(r.path, head, len) ||
        !inside(r.version, head, len) || (r.query && !inside(r.query, head, len)))
        broken("a request-line piece points outside the head");
    if (!*r.method || (strcmp(r.version, "1.0") != 0 && strcmp(r.version, "1.1") != 0))
        broken("a request line outside the grammar");
    for (const char *p = r.path; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?')
            broken("a path byte outside the grammar");
    if (r.n_headers < 0 || r.n_headers > OSP_HTTPREQ_HEADERS_MAX)
        broken("a header count outside its bound");
    for (int i = 0; i < r.n_headers; i++) {
        const struct osp_httpreq_header *h = &r.headers[i];
        if (!inside(h->name, head, len) || !inside(h->value, head, len) || !*h->name)
            broken("a header points outside the head or has no name");
        for (const char *p = h->value; *p; p++)
            if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                broken("a control byte in a header value");
        size_t vl = strlen(h->value);
        if (vl && (h->value[0] == ' ' || h->value[0] == '\t' || h->value[vl - 1] == ' ' ||
                   h->value[vl - 1] == '\t'))
            broken("a header value with surrounding whitespace");
        if (!osp_httpreq_header(&r, h->name))
            broken("a header not found by its own name");
    }
    const char *check_why = NULL;
    rc = osp_httpreq_check(r.path, r.version, r.headers, r.n_headers, &check_why);
    if (rc != 0 && (rc != OSP_E_BAD_REQUEST || !check_why || !*check_why))
        broken("a check refusal without its code or sentence");
    if (rc == 0 && (r.path[0] != '/' || strchr(r.path, '%') || strstr(r.path, "/../")))
        broken("a path that the check should refuse passed");
    (void)osp_httpreq_keep_alive(&r);
    free(head);
    return 0;
}
