/* Strict HTTP/1.x request heads (see include/osp/httpreq.h). */
#include "osp/httpreq.h"
#include "osp/error.h"

#include <string.h>
#include <strings.h>

size_t osp_httpreq_head_len(const char *buf, size_t len, size_t from)
{
    /* The head ends at its first empty line: LF then CRLF, or LF LF (a
     * bare-LF head, which the parser then refuses by name rather than wait
     * for a CRLF that never comes).  Back up two bytes: the end may
     * straddle the previous look. */
    size_t i = from > 2 ? from - 2 : 0;
    for (; i + 1 < len; i++) {
        const char *p = memchr(buf + i, '\n', len - 1 - i);
        if (!p)
            return 0;
        i = (size_t)(p - buf);
        if (p[1] == '\n')
            return i + 2;
        if (p[1] == '\r' && i + 2 < len && p[2] == '\n')
            return i + 3;
    }
    return 0;
}

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Cuts the line at p (ending CRLF, within end) and returns the next one, or
 * NULL if a CR or LF appears alone inside it. */
static char *cut_line(char *p, const char *end)
{
    for (char *q = p; q + 1 < end; q++) {
        if (*q == '\r') {
            if (q[1] != '\n')
                return NULL;
            *q = '\0';
            return q + 2;
        }
        if (*q == '\n')
            return NULL;
    }
    return NULL;
}

static int bad(const char **why, const char *sentence)
{
    *why = sentence;
    return OSP_E_BAD_REQUEST;
}

static int parse_request_line(char *line, struct osp_httpreq *out, const char **why)
{
    char *p = line;
    out->method = p;
    while (is_tchar((unsigned char)*p))
        p++;
    if (p == line || *p != ' ')
        return bad(why, "the request line does not start with a method");
    *p++ = '\0';
    char *target = p;
    while ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
        p++;
    if (p == target || *p != ' ')
        return bad(why, "the request target is missing or has a byte that is not visible ASCII");
    *p++ = '\0';
    if (strncmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != '\0')
        return bad(why, "only HTTP/1.0 and HTTP/1.1 are spoken here");
    out->version = p + 5;
    char *q = strchr(target, '?');
    out->query = NULL;
    if (q) {
        *q = '\0';
        out->query = q + 1;
    }
    out->path = target;
    return 0;
}

static int parse_header(char *line, struct osp_httpreq_header *h, const char **why)
{
    char *p = line;
    while (is_tchar((unsigned char)*p))
        p++;
    if (*p != ':')
        return bad(why, line[0] == ' ' || line[0] == '\t'
                            ? "folded header lines are not accepted"
                            : "a header name is malformed");
    if (p == line)
        return bad(why, "a header name is empty");
    *p++ = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    char *v = p, *last = p;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\t')
            return bad(why, "a header value has a control byte");
        if (c == 0x7f)
            return bad(why, "a header value has a control byte");
        if (c != ' ' && c != '\t')
            last = p + 1;
    }
    *last = '\0';
    h->name = line;
    h->value = v;
    return 0;
}

int osp_httpreq_parse(char *head, size_t len, struct osp_httpreq *out, const char **why)
{
    *why = "";
    if (len > OSP_HTTPREQ_HEAD_MAX) {
        *why = "the request head is too large";
        return OSP_E_TOO_BIG;
    }
    if (len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4) != 0)
        return bad(why, "request lines must end with CRLF");
    /* A NUL anywhere would end a piece early and hide what follows it. */
    if (memchr(head, '\0', len))
        return bad(why, "the request head has a NUL byte");
    const char *end = head + len;
    char *line = head, *next = cut_line(line, end);
    if (!next)
        return bad(why, "a line does not end with CRLF");
    int rc = parse_request_line(line, out, why);
    if (rc != 0)
        return rc;
    out->n_headers = 0;
    for (line = next; line < end - 2; line = next) {
        if (!(next = cut_line(line, end)))
            return bad(why, "a line does not end with CRLF");
        if (out->n_headers == OSP_HTTPREQ_HEADERS_MAX) {
            *why = "the request has too many header lines";
            return OSP_E_TOO_BIG;
        }
        if ((rc = parse_header(line, &out->headers[out->n_headers], why)) != 0)
            return rc;
        out->n_headers++;
    }
    return 0;
}

const char *osp_httpreq_header(const struct osp_httpreq *r, const char *name)
{
    for (int i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* Whether the comma-separated list has token (case-insensitive). */
static int has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t k = strcspn(p, ", \t");
        if (k == n && strncasecmp(p, token, n) == 0)
            return 1;
        p += k;
        p += strcspn(p, ",");
    }
    return 0;
}

int osp_httpreq_keep_alive(const struct osp_httpreq *r)
{
    int v11 = strcmp(r->version, "1.1") == 0;
    for (int i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, "Connection") != 0)
            continue;
        if (has_token(r->headers[i].value, "close"))
            return 0;
        if (has_token(r->headers[i].value, "keep-alive"))
            v11 = 1;
    }
    return v11;
}

int osp_httpreq_check(const char *path, const char *version,
                      const struct osp_httpreq_header *headers, int n_headers, const char **why)
{
    if (!path || path[0] != '/')
        return bad(why, "the request target must be an absolute path");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p == '%' || *p == '\\' || *p < 0x21 || *p >= 0x7f)
            return bad(why, "the path has an encoded, escaped or control character");
    size_t n = strlen(path);
    if (strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
        (n >= 2 && strcmp(path + n - 2, "/.") == 0) ||
        (n >= 3 && strcmp(path + n - 3, "/..") == 0))
        return bad(why, "the path is not normalised");
    int host = 0, lengths = 0, te = 0;
    for (int i = 0; i < n_headers; i++) {
        const char *name = headers[i].name, *value = headers[i].value;
        if (strcasecmp(name, "Host") == 0)
            host++;
        else if (strcasecmp(name, "Transfer-Encoding") == 0)
            te++;
        else if (strcasecmp(name, "Content-Length") == 0) {
            lengths++;
            size_t k = strlen(value);
            if (k == 0 || k > 18 || strspn(value, "0123456789") != k)
                return bad(why, "Content-Length is not a number");
        }
    }
    if (version && strcmp(version, "1.1") == 0 && host != 1)
        return bad(why, host ? "more than one Host header" : "HTTP/1.1 requires a Host header");
    if (lengths > 1)
        return bad(why, "more than one Content-Length header");
    if (te)
        return bad(why, lengths ? "Content-Length together with Transfer-Encoding"
                                : "send request bodies with Content-Length, not Transfer-Encoding");
    return 0;
}
