/* HTTP responses and request bodies over civetweb, in one place.
 *
 * Every response osp sends goes through osp_http_send or, when it was built
 * beforehand, osp_http_send_prebuilt: the status line and all headers are
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
