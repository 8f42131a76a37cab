/* A small HTTP client for the CLI (osp publish), over civetweb's client. */
#ifndef OSP_CLIENT_H
#define OSP_CLIENT_H

#include <stddef.h>

#include "osp/bundle.h" /* struct osp_progress */

#define OSP_CLIENT_RESPONSE_MAX (1u << 20)

struct osp_client_response {
    int status;
    char *body; /* NUL-terminated, malloc'd; release with osp_client_response_clear */
    size_t body_len;
    char *headers; /* "Name: value\r\n" lines as received, malloc'd */
};

/* Sends method to base_url (http://host[:port], or https:// when civetweb
 * has TLS) + path with extra header lines (each ending "\r\n", may be NULL)
 * and body.  Returns 0 with *out filled for any HTTP status, or OSP_E_IO /
 * OSP_E_INVALID_ARGUMENT with a sentence in err. */
int osp_client_request(const char *method, const char *base_url, const char *path,
                       const char *headers, const void *body, size_t len, int timeout_ms,
                       struct osp_client_response *out, char *err, size_t err_cap);

/* osp_client_request, sending the body in chunks and reporting each to
 * progress ("uploading", bytes sent, len); progress may be NULL. */
int osp_client_request_progress(const char *method, const char *base_url, const char *path,
                                const char *headers, const void *body, size_t len,
                                int timeout_ms, const struct osp_progress *progress,
                                struct osp_client_response *out, char *err, size_t err_cap);

void osp_client_response_clear(struct osp_client_response *r);

/* The value of response header name (case-insensitive) copied into out, or
 * NULL if absent. */
const char *osp_client_header(const struct osp_client_response *r, const char *name, char *out,
                              size_t cap);

#endif
