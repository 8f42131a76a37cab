/* HTTP client over civetweb (see include/osp/client.h). */
#include "osp/client.h"
#include "osp/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <civetweb.h>

static int parse_base(const char *url, char *host, size_t host_cap, int *port, int *tls)
{
    const char *p;
    if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
        *tls = 0;
        *port = 80;
    } else if (strncmp(url, "https://", 8) == 0) {
        p = url + 8;
        *tls = 1;
        *port = 443;
    } else {
        return -1;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= host_cap)
        return -1;
    memcpy(host, p, hl);
    host[hl] = '\0';
    p += hl;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (v <= 0 || v > 65535 || (*end != '\0' && strcmp(end, "/") != 0))
            return -1;
        *port = (int)v;
    } else if (*p != '\0' && strcmp(p, "/") != 0) {
        return -1;
    }
    return 0;
}

#define UPLOAD_CHUNK (64u * 1024u) /* small enough for a smooth progress bar */

/* Writes body in chunks, telling progress after each; 0 or -1. */
static int send_body(struct mg_connection *c, const unsigned char *body, size_t len,
                     const struct osp_progress *progress)
{
    for (size_t off = 0; off < len;) {
        size_t n = len - off < UPLOAD_CHUNK ? len - off : UPLOAD_CHUNK;
        if (mg_write(c, body + off, n) != (int)n)
            return -1;
        off += n;
        if (progress && progress->fn)
            progress->fn(progress->ctx, "uploading", off, len);
    }
    return 0;
}

int osp_client_request(const char *method, const char *base_url, const char *path,
                       const char *headers, const void *body, size_t len, int timeout_ms,
                       struct osp_client_response *out, char *err, size_t err_cap)
{
    return osp_client_request_progress(method, base_url, path, headers, body, len, timeout_ms,
                                       NULL, out, err, err_cap);
}

int osp_client_request_progress(const char *method, const char *base_url, const char *path,
                                const char *headers, const void *body, size_t len,
                                int timeout_ms, const struct osp_progress *progress,
                                struct osp_client_response *out, char *err, size_t err_cap)
{
    memset(out, 0, sizeof *out);
    char host[256], ebuf[256] = "";
    int port, tls;
    if (parse_base(base_url, host, sizeof host, &port, &tls) != 0) {
        snprintf(err, err_cap, "server URL must look like http://host:port");
        return OSP_E_INVALID_ARGUMENT;
    }
    if (tls && !mg_check_feature(2)) {
        snprintf(err, err_cap, "this civetweb has no TLS support; use http:// on loopback");
        return OSP_E_INVALID_ARGUMENT;
    }
    struct mg_connection *c = mg_connect_client(host, port, tls, ebuf, sizeof ebuf);
    if (!c) {
        snprintf(err, err_cap, "cannot connect to %s: %s", base_url, ebuf[0] ? ebuf : "refused");
        return OSP_E_IO;
    }
    int rc = 0;
    if (mg_printf(c,
                  "%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n%s\r\n",
                  method, path, host, port, len, headers ? headers : "") <= 0 ||
        (len > 0 && send_body(c, body, len, progress) != 0)) {
        snprintf(err, err_cap, "the connection to %s failed while sending", base_url);
        rc = OSP_E_IO;
    }
    if (rc == 0 && mg_get_response(c, ebuf, sizeof ebuf, timeout_ms) < 0) {
        snprintf(err, err_cap, "no response from %s: %s", base_url, ebuf);
        rc = OSP_E_IO;
    }
    if (rc == 0) {
        const struct mg_response_info *ri = mg_get_response_info(c);
        out->status = ri->status_code;
        size_t hl = 1;
        for (int i = 0; i < ri->num_headers; i++)
            hl += strlen(ri->http_headers[i].name) + strlen(ri->http_headers[i].value) + 4;
        out->headers = malloc(hl);
        if (out->headers) {
            size_t off = 0;
            for (int i = 0; i < ri->num_headers; i++)
                off += (size_t)snprintf(out->headers + off, hl - off, "%s: %s\r\n",
                                        ri->http_headers[i].name, ri->http_headers[i].value);
            out->headers[off] = '\0';
        }
        size_t cap = 4096;
        out->body = malloc(cap);
        while (out->body) {
            if (out->body_len + 1024 > cap) {
                if (cap >= OSP_CLIENT_RESPONSE_MAX)
                    break;
                char *nb = realloc(out->body, cap * 2);
                if (!nb)
                    break;
                out->body = nb;
                cap *= 2;
            }
            int n = mg_read(c, out->body + out->body_len, cap - out->body_len - 1);
            if (n <= 0)
                break;
            out->body_len += (size_t)n;
        }
        if (out->body)
            out->body[out->body_len] = '\0';
        else
            rc = OSP_E_NO_MEMORY;
    }
    mg_close_connection(c);
    if (rc != 0)
        osp_client_response_clear(out);
    return rc;
}

const char *osp_client_header(const struct osp_client_response *r, const char *name, char *out,
                              size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end)
            break;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(end - v);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        line = end + 2;
    }
    return NULL;
}

void osp_client_response_clear(struct osp_client_response *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}
