/* HTTP response helpers over civetweb (see include/osp/http.h). */
#include "osp/http.h"
#include "osp/error.h"
#include "osp/json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

long long osp_http_send_prebuilt(struct mg_connection *c, int status, const void *bytes,
                                 size_t len, size_t body_len)
{
    /* mg_write takes a size_t but answers an int. */
    long long sent = len <= INT_MAX && mg_write(c, bytes, len) == (int)len ? (long long)body_len : -1;
    return record(c, status, sent);
}

static long long send_response(struct mg_connection *c, const struct osp_http_response *r)
{
    char stack[OSP_HTTP_HEAD_MAX + 4096];
    int with_body = !r->head_only && r->status != 304 && r->status != 204;
    size_t head;
    if (osp_http_format_head(r, stack, OSP_HTTP_HEAD_MAX, &head) != 0)
        return -1; /* a bug in the caller's headers; never send a truncated head */
    if (!with_body || r->body_len == 0)
        return mg_write(c, stack, head) == (int)head ? 0 : -1;
    /* One write for head and body whenever it fits: civetweb would
     * otherwise cost a send() per piece. */
    if (r->body_len <= sizeof stack - head) {
        memcpy(stack + head, r->body, r->body_len);
        size_t total = head + r->body_len;
        return mg_write(c, stack, total) == (int)total ? (long long)r->body_len : -1;
    }
    if (r->body_len <= OSP_HTTP_COALESCE_MAX) {
        char *buf = malloc(head + r->body_len);
        if (buf) {
            memcpy(buf, stack, head);
            memcpy(buf + head, r->body, r->body_len);
            int ok = mg_write(c, buf, head + r->body_len) == (int)(head + r->body_len);
            free(buf);
            return ok ? (long long)r->body_len : -1;
        }
    }
    if (mg_write(c, stack, head) != (int)head)
        return -1;
    const char *p = r->body;
    size_t left = r->body_len;
    while (left > 0) {
        size_t chunk = left > (1u << 20) ? (1u << 20) : left;
        if (mg_write(c, p, chunk) != (int)chunk)
            return -1;
        p += chunk;
        left -= chunk;
    }
    return (long long)r->body_len;
}

void osp_http_send_json(struct mg_connection *c, int status, const char *json, size_t len)
{
    struct osp_http_response r = {status, "application/json",
                                  "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
                                  json, len, 0};
    osp_http_send(c, &r);
}

void osp_http_send_error(struct mg_connection *c, int err, const char *message)
{
    char msg[512], body[768];
    osp_json_quote(message ? message : osp_strerror(err), msg, sizeof msg);
    int n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":%s}}",
                     osp_error_code(err), msg);
    if (n < 0 || (size_t)n >= sizeof body)
        n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                     osp_error_code(err), osp_strerror(err));
    osp_http_send_json(c, osp_error_http_status(err), body, (size_t)n);
    struct osp_http_stats *st = mg_get_user_connection_data(c);
    if (st)
        st->error = err;
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
