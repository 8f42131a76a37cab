/* HTTP/1.x request heads: a strict parser (the plugin origin's own server,
 * evserver.h) and the checks both origins apply before routing, so that
 * neither relies on a library's leniencies.
 *
 * Parsing is in place and allocates nothing: the caller's buffer is cut
 * into NUL-terminated pieces that the parsed request points into, so it
 * must outlive the request.  Only what RFC 9112 allows is accepted:
 * CRLF line ends (no bare LF or CR), a token method, a request-target of
 * visible ASCII, HTTP/1.0 or HTTP/1.1, token header names directly
 * followed by ':', field values of visible bytes, spaces and tabs (no NUL
 * or other control bytes), no obsolete line folding.
 */
#ifndef OSP_HTTPREQ_H
#define OSP_HTTPREQ_H

#include <stddef.h>

#define OSP_HTTPREQ_HEAD_MAX 16384 /* request line, headers and blank line */
#define OSP_HTTPREQ_HEADERS_MAX 64

struct osp_httpreq_header {
    const char *name, *value; /* value without surrounding spaces/tabs */
};

struct osp_httpreq {
    const char *method;  /* "GET" */
    const char *path;    /* the request-target up to '?', raw (not decoded) */
    const char *query;   /* after '?', or NULL */
    const char *version; /* "1.0" or "1.1" */
    struct osp_httpreq_header headers[OSP_HTTPREQ_HEADERS_MAX];
    int n_headers;
};

/* The length of the request head at the start of buf (through the empty
 * line that ends it, CRLF or a bare LF), or 0 if buf does not hold a
 * whole head yet.  from is
 * where the previous call stopped looking (0 at first), so a head arriving
 * in pieces is scanned once. */
size_t osp_httpreq_head_len(const char *buf, size_t len, size_t from);

/* Parses the head in head[0..len), len as osp_httpreq_head_len returned
 * it, writing NULs into head.  Returns 0; OSP_E_BAD_REQUEST with a fixed
 * sentence in *why (never request bytes) for a malformed head;
 * OSP_E_TOO_BIG for more than OSP_HTTPREQ_HEADERS_MAX header lines or a
 * head longer than OSP_HTTPREQ_HEAD_MAX.  On failure out is undefined. */
int osp_httpreq_parse(char *head, size_t len, struct osp_httpreq *out, const char **why);

/* The value of the first header called name (case-insensitive), or NULL. */
const char *osp_httpreq_header(const struct osp_httpreq *r, const char *name);

/* Whether the connection may carry another request after this one: HTTP/1.1
 * unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive". */
int osp_httpreq_keep_alive(const struct osp_httpreq *r);

/* osp's own checks on a request, the same on both origins: the raw path is
 * absolute and has no '%' (so no encoded NUL, slash or dot), backslash,
 * control byte, non-ASCII byte, "//", "/./", "/../" or trailing "/." or
 * "/.."; HTTP/1.1 has exactly one Host; Content-Length is digits and at
 * most once; there is no Transfer-Encoding (osp takes bodies only with a
 * length).  Returns 0 or OSP_E_BAD_REQUEST with a fixed sentence in *why. */
int osp_httpreq_check(const char *path, const char *version,
                      const struct osp_httpreq_header *headers, int n_headers, const char **why);

#endif
