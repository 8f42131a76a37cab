/* HTTP responses, in one place: built in one buffer, then sent over
 * civetweb (the app origin) or handed whole to the event loop (the plugin
 * origin, evserver.h); and request bodies over civetweb.
 *
 * Every response osp sends is built by osp_http_format_head (osp_http_build
 * and osp_http_build_error make a whole response of it), and civetweb's
 * go out through osp_http_send or, when built beforehand,
 * osp_http_send_prebuilt: the status line and all headers are
 * built in one buffer (osp_http_format_head), the Date header (RFC 9110
 * requires it of an origin server with a clock) is inserted after the
 * status line when the response is sent, and for bodies up to
 * OSP_HTTP_COALESCE_MAX head and body go out in a single write (civetweb's
 * own header API costs one send() per line).  Error bodies are always
 * {"error":{"code":"…","message":"…"}} and never echo request bytes.
 */
#ifndef OSP_HTTP_H
#define OSP_HTTP_H

#include <stddef.h>

struct mg_connection;

#define OSP_HTTP_HEAD_MAX 12288
#define OSP_HTTP_COALESCE_MAX (64u * 1024u)

struct osp_http_response {
    int status;
    const char *content_type;  /* NULL for none (e.g. 304) */
    const char *headers;       /* extra header lines, each ending "\r\n"; may be NULL */
    const void *body;
    size_t body_len;
    int head_only;             /* HEAD request: send Content-Length but no body */
};

/* What a request's response was, for the access log and metrics.  When a
 * connection's user data (mg_set_user_connection_data) points at one of
 * these, osp_http_send and osp_http_send_error fill it in. */
struct osp_http_stats {
    int status;
    unsigned long long bytes; /* body bytes sent */
    int error;                /* the osp error of a refusal, else 0 */
};

/* Sends r.  Returns the number of body bytes written, or -1 if the
 * connection failed. */
long long osp_http_send(struct mg_connection *c, const struct osp_http_response *r);

/* Writes r's head into out (at most cap bytes): the status line,
 * Content-Type, Content-Length (except for 204 and 304, where it is the
 * body's length even for HEAD), r->headers and the blank line; what
 * osp_http_send sends before the body, except the Date line, which is
 * inserted after the status line at sending time (so a head built once
 * stays valid).  Returns 0, or OSP_E_TOO_BIG
 * if it does not fit in cap or OSP_HTTP_HEAD_MAX (out is then undefined). */
int osp_http_format_head(const struct osp_http_response *r, char *out, size_t cap,
                         size_t *len);

/* Sends len bytes that already hold a whole response as
 * osp_http_format_head builds it (head, and body_len body bytes at its
 * end), with the Date line inserted after the status line: in one write
 * when the body is at most OSP_HTTP_COALESCE_MAX, else the head and then
 * the body.  Records status and body_len for the access log and metrics.  Returns body_len, or -1 if the connection
 * failed. */
long long osp_http_send_prebuilt(struct mg_connection *c, int status, const void *bytes,
                                 size_t len, size_t body_len);

/* "Date: " + an IMF-fixdate (always 29 bytes) + CRLF. */
#define OSP_HTTP_DATE_LINE_LEN 37

/* The Date line for the current second (OSP_HTTP_DATE_LINE_LEN bytes and
 * a NUL), in a per-thread buffer valid until this thread's next call. */
const char *osp_http_date_line(void);

/* The headers of every JSON response (besides Content-Type and -Length). */
#define OSP_HTTP_JSON_HEADERS "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"

#define OSP_HTTP_ERROR_BODY_MAX 768

/* Whether an If-None-Match header (NULL: none) names etag (with its
 * quotes), by the weak comparison RFC 9110 asks for; "*" matches. */
int osp_http_etag_matches(const char *header, const char *etag);

/* Writes the JSON error body for err ({"error":{"code","message"}};
 * message replaces the default one when not NULL and must not contain
 * request bytes) into out and returns its length (cap: at least
 * OSP_HTTP_ERROR_BODY_MAX). */
size_t osp_http_error_body(int err, const char *message, char *out, size_t cap);

/* A whole response in one new buffer (*out, free it): the head as
 * osp_http_format_head builds it, then the body unless r is head_only, 304
 * or 204.  *body_len is the body bytes included.  Returns 0, OSP_E_TOO_BIG
 * (headers over OSP_HTTP_HEAD_MAX) or OSP_E_NO_MEMORY. */
int osp_http_build(const struct osp_http_response *r, unsigned char **out, size_t *len,
                   size_t *body_len);

/* The JSON error response for err (as osp_http_send_error sends it) in one
 * new buffer, as osp_http_build makes it.  Returns 0 or OSP_E_NO_MEMORY. */
int osp_http_build_error(int err, const char *message, unsigned char **out, size_t *len,
                         size_t *body_len);

/* Sends the JSON error for err with its HTTP status; message replaces the
 * default message when not NULL (it must not contain request bytes). */
void osp_http_send_error(struct mg_connection *c, int err, const char *message);

/* Sends a JSON body with status. */
void osp_http_send_json(struct mg_connection *c, int status, const char *json, size_t len);

/* Reads the request body (Content-Length required, at most max bytes) into
 * a new buffer.  Returns 0, OSP_E_TOO_BIG, OSP_E_BAD_REQUEST (no or bad
 * length, short body) or OSP_E_NO_MEMORY. */
int osp_http_read_body(struct mg_connection *c, size_t max, char **out, size_t *len);

/* The reason phrase for status ("Not Found"). */
const char *osp_http_reason(int status);

#endif
