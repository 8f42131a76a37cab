/* HTTP response helpers over civetweb (see include/osp/http.h). */
#include "osp/http.h"
#include "osp/error.h"
#include "osp/json.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

const char *osp_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

static long long record(struct mg_connection *c, int status, long long sent)
{
    struct osp_http_stats *st = mg_get_user_connection_data(c);
    if (st) {
        st->status = status;
        if (sent > 0)
            st->bytes += (unsigned long long)sent;
    }
    return sent;
}

static long long send_response(struct mg_connection *c, const struct osp_http_response *r);

long long osp_http_send(struct mg_connection *c, const struct osp_http_response *r)
{
    return record(c, r->status, send_response(c, r));
}

int osp_http_format_head(const struct osp_http_response *r, char *out, size_t cap,
                         size_t *len)
{
    if (cap > OSP_HTTP_HEAD_MAX)
        cap = OSP_HTTP_HEAD_MAX;
    size_t n = 0;
    int k = snprintf(out, cap, "HTTP/1.1 %d %s\r\n", r->status, osp_http_reason(r->status));
    if (k < 0 || (size_t)k >= cap)
        return OSP_E_TOO_BIG;
    n = (size_t)k;
    if (r->content_type) {
        k = snprintf(out + n, cap - n, "Content-Type: %s\r\n", r->content_type);
        if (k < 0 || (size_t)k >= cap - n)
            return OSP_E_TOO_BIG;
        n += (size_t)k;
    }
    if (r->status != 304 && r->status != 204) {
        k = snprintf(out + n, cap - n, "Content-Length: %zu\r\n", r->body_len);
        if (k < 0 || (size_t)k >= cap - n)
            return OSP_E_TOO_BIG;
        n += (size_t)k;
    }
    k = snprintf(out + n, cap - n, "%s\r\n", r->headers ? r->headers : "");
    if (k < 0 || (size_t)k >= cap - n)
        return OSP_E_TOO_BIG;
    *len = n + (size_t)k;
    return 0;
}

#define DATE_LINE_LEN OSP_HTTP_DATE_LINE_LEN

/* Formatted once per second per thread (time() is a vDSO call; formatting
 * is not free at tens of thousands of responses a second).  Names spelled
 * out so the locale cannot matter. */
const char *osp_http_date_line(void)
{
    static __thread char line[64]; /* room the compiler can prove; 37 used */
    static __thread time_t at = (time_t)-1;
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    if (now != at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(line, sizeof line, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        at = now;
    }
    return line;
}

/* A per-thread buffer where a whole response (head, Date and a body up to
 * OSP_HTTP_COALESCE_MAX) is assembled for one write.  civetweb's threads
 * live as long as the server; the key's destructor frees it when one
 * ends. */
#define SCRATCH_CAP (OSP_HTTP_HEAD_MAX + DATE_LINE_LEN + OSP_HTTP_COALESCE_MAX)
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_ok;

static void scratch_init(void)
{
    scratch_ok = pthread_key_create(&scratch_key, free) == 0;
}

static char *scratch(void)
{
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_ok)
        return NULL;
    char *b = pthread_getspecific(scratch_key);
    if (!b && (b = malloc(SCRATCH_CAP)) != NULL && pthread_setspecific(scratch_key, b) != 0) {
        free(b);
        b = NULL;
    }
    return b;
}

static int write_all(struct mg_connection *c, const char *p, size_t len)
{
    while (len > 0) {
        size_t chunk = len > (1u << 30) ? (1u << 30) : len; /* mg_write answers an int */
        if (mg_write(c, p, chunk) != (int)chunk)
            return -1;
        p += chunk;
        len -= chunk;
    }
    return 0;
}

/* Sends head (status line first, no Date) with the Date line inserted
 * after the status line, then body: one write when it all fits in the
 * thread's buffer (civetweb would otherwise cost a send() per piece, and
 * a second segment per response), else the head and then the body.
 * Returns body_len or -1. */
static long long send_parts(struct mg_connection *c, const char *head, size_t head_len,
                            const void *body, size_t body_len)
{
    const char *nl = memchr(head, '\n', head_len);
    if (!nl)
        return -1;
    size_t status_len = (size_t)(nl - head) + 1;
    const char *date = osp_http_date_line();
    char stack[OSP_HTTP_HEAD_MAX + DATE_LINE_LEN], *buf = scratch();
    size_t cap = SCRATCH_CAP;
    if (!buf) {
        buf = stack;
        cap = sizeof stack;
    }
    if (head_len + DATE_LINE_LEN > cap)
        return -1;
    memcpy(buf, head, status_len);
    memcpy(buf + status_len, date, DATE_LINE_LEN);
    memcpy(buf + status_len + DATE_LINE_LEN, head + status_len, head_len - status_len);
    size_t n = head_len + DATE_LINE_LEN;
    if (body_len > 0 && body_len <= cap - n) {
        memcpy(buf + n, body, body_len);
        return write_all(c, buf, n + body_len) == 0 ? (long long)body_len : -1;
    }
    if (write_all(c, buf, n) != 0)
        return -1;
    return body_len == 0 || write_all(c, body, body_len) == 0 ? (long long)body_len : -1;
}

long long osp_http_send_prebuilt(struct mg_connection *c, int status, const void *bytes,
                                 size_t len, size_t body_len)
{
    long long sent = body_len <= len ? send_parts(c, bytes, len - body_len,
                                                  (const char *)bytes + (len - body_len),
                                                  body_len)
                                     : -1;
    return record(c, status, sent);
}

static long long send_response(struct mg_connection *c, const struct osp_http_response *r)
{
    char head[OSP_HTTP_HEAD_MAX];
    int with_body = !r->head_only && r->status != 304 && r->status != 204;
    size_t n;
    if (osp_http_format_head(r, head, sizeof head, &n) != 0)
        return -1; /* a bug in the caller's headers; never send a truncated head */
    return send_parts(c, head, n, r->body, with_body ? r->body_len : 0);
}

void osp_http_send_json(struct mg_connection *c, int status, const char *json, size_t len)
{
    struct osp_http_response r = {status, "application/json", OSP_HTTP_JSON_HEADERS, json, len,
                                  0};
    osp_http_send(c, &r);
}

int osp_http_etag_matches(const char *header, const char *etag)
{
    if (!header)
        return 0;
    if (strcmp(header, "*") == 0)
        return 1;
    /* Weak comparison, as If-None-Match asks: W/"x" matches "x". */
    size_t n = strlen(etag);
    for (const char *p = header; (p = strstr(p, etag)) != NULL; p += n)
        if ((p == header || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
    return 0;
}

size_t osp_http_error_body(int err, const char *message, char *out, size_t cap)
{
    char msg[512];
    osp_json_quote(message ? message : osp_strerror(err), msg, sizeof msg);
    int n = snprintf(out, cap, "{\"error\":{\"code\":\"%s\",\"message\":%s}}",
                     osp_error_code(err), msg);
    if (n < 0 || (size_t)n >= cap)
        n = snprintf(out, cap, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                     osp_error_code(err), osp_strerror(err));
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

void osp_http_send_error(struct mg_connection *c, int err, const char *message)
{
    char body[OSP_HTTP_ERROR_BODY_MAX];
    size_t n = osp_http_error_body(err, message, body, sizeof body);
    osp_http_send_json(c, osp_error_http_status(err), body, n);
    struct osp_http_stats *st = mg_get_user_connection_data(c);
    if (st)
        st->error = err;
}

int osp_http_build(const struct osp_http_response *r, unsigned char **out, size_t *len,
                   size_t *body_len)
{
    *out = NULL;
    *len = *body_len = 0;
    char head[OSP_HTTP_HEAD_MAX];
    size_t n;
    int rc = osp_http_format_head(r, head, sizeof head, &n);
    if (rc != 0)
        return rc;
    size_t body = !r->head_only && r->status != 304 && r->status != 204 ? r->body_len : 0;
    unsigned char *p = malloc(n + body + 1);
    if (!p)
        return OSP_E_NO_MEMORY;
    memcpy(p, head, n);
    if (body)
        memcpy(p + n, r->body, body);
    *out = p;
    *len = n + body;
    *body_len = body;
    return 0;
}

int osp_http_build_error(int err, const char *message, unsigned char **out, size_t *len,
                         size_t *body_len)
{
    char body[OSP_HTTP_ERROR_BODY_MAX];
    size_t n = osp_http_error_body(err, message, body, sizeof body);
    struct osp_http_response r = {osp_error_http_status(err), "application/json",
                                  OSP_HTTP_JSON_HEADERS, body, n, 0};
    return osp_http_build(&r, out, len, body_len);
}

int osp_http_read_body(struct mg_connection *c, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const struct mg_request_info *ri = mg_get_request_info(c);
    if (ri->content_length < 0)
        return OSP_E_BAD_REQUEST;
    if ((unsigned long long)ri->content_length > max)
        return OSP_E_TOO_BIG;
    size_t want = (size_t)ri->content_length;
    char *buf = malloc(want ? want : 1);
    if (!buf)
        return OSP_E_NO_MEMORY;
    size_t got = 0;
    while (got < want) {
        int n = mg_read(c, buf + got, want - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != want) {
        free(buf);
        return OSP_E_BAD_REQUEST;
    }
    *out = buf;
    *len = got;
    return 0;
}
