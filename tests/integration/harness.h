/* A real osp server on loopback for integration tests: start/stop (and
 * restart on the same data directory), HTTP through osp's own client, and
 * raw bytes through a plain socket for requests no client would send. */
#ifndef OSP_TEST_HARNESS_H
#define OSP_TEST_HARNESS_H

#include "check.h"
#include "osp/client.h"
#include "osp/error.h"
#include "osp/json.h"
#include "osp/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct harness {
    char data_dir[128];
    char app[64], plugin[64], app_url[80], plugin_url[80];
    int app_port, plugin_port;
    char access_log[192];
    size_t max_upload;
    const char *schema;     /* a schema file, NULL for the built-in one */
    const char *app_origin; /* as browsers would see it, NULL for http://<listen> */
    const char *plugin_origin;
    struct osp_server *srv;
};

/* Starts a server on free ports (tries a few) over h->data_dir. */
static inline int harness_start(struct harness *h)
{
    int base = 20000 + (int)(getpid() % 15000) * 2;
    for (int attempt = 0; attempt < 20 && !h->srv; attempt++) {
        int port = h->app_port ? h->app_port : base + 2 * attempt;
        snprintf(h->app, sizeof h->app, "127.0.0.1:%d", port);
        snprintf(h->plugin, sizeof h->plugin, "127.0.0.1:%d", port + 1);
        struct osp_server_config cfg = {.app_listen = h->app,
                                        .plugin_listen = h->plugin,
                                        .data_dir = h->data_dir,
                                        .shell_dir = OSP_SHELL_DIR,
                                        .core_dir = "/nonexistent",
                                        .threads = 8,
                                        .sample_data = 1,
                                        .access_log = h->access_log[0] ? h->access_log : NULL,
                                        .max_upload = h->max_upload,
                                        .schema = h->schema,
                                        .app_origin = h->app_origin,
                                        .plugin_origin = h->plugin_origin};
        char err[256];
        if (osp_server_start(&cfg, &h->srv, err, sizeof err) == 0) {
            h->app_port = port;
            h->plugin_port = port + 1;
        } else if (h->app_port) {
            fprintf(stderr, "restart failed: %s\n", err);
            break;
        }
    }
    snprintf(h->app_url, sizeof h->app_url, "http://%s", h->app);
    snprintf(h->plugin_url, sizeof h->plugin_url, "http://%s", h->plugin);
    return h->srv ? 0 : -1;
}

static inline void harness_stop(struct harness *h)
{
    osp_server_stop(h->srv);
    h->srv = NULL;
}

static inline struct osp_client_response http(const char *method, const char *base,
                                              const char *path, const char *headers,
                                              const void *body, size_t len)
{
    struct osp_client_response r;
    char err[256];
    int rc = osp_client_request(method, base, path, headers, body, len, 10000, &r, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "request %s %s failed: %s\n", method, path, err);
    CHECK_ERR(rc, 0);
    if (rc != 0) {
        r.status = -1;
        r.body = calloc(1, 1);
    }
    return r;
}

/* Signs in and writes the headers that make later requests that user's:
 * "Cookie: osp_session=…\r\nX-OSP-CSRF: …\r\n".  Returns the status. */
static inline int harness_login(const struct harness *h, const char *tenant, const char *user,
                                const char *password, char *headers, size_t cap)
{
    char body[256], cookie[200] = "", csrf[64] = "";
    snprintf(body, sizeof body, "{\"tenant\":\"%s\",\"username\":\"%s\",\"password\":\"%s\"}",
             tenant, user, password);
    struct osp_client_response r =
        http("POST", h->app_url, "/api/v1/session",
             "Content-Type: application/json\r\nX-OSP-CSRF: login\r\n", body, strlen(body));
    int status = r.status;
    osp_client_header(&r, "Set-Cookie", cookie, sizeof cookie);
    cJSON *j = NULL;
    if (osp_json_parse(r.body, r.body_len, NULL, &j, NULL) == 0 && osp_json_get_string(j, "csrf"))
        snprintf(csrf, sizeof csrf, "%s", osp_json_get_string(j, "csrf"));
    cJSON_Delete(j);
    osp_client_response_clear(&r);
    cookie[strcspn(cookie, ";")] = '\0';
    snprintf(headers, cap, "Cookie: %s\r\nX-OSP-CSRF: %s\r\n", cookie, csrf);
    return status;
}

/* The stable error code in a JSON error body ("" if none). */
static inline const char *error_code(const char *body, char *out, size_t cap)
{
    cJSON *j = NULL;
    out[0] = '\0';
    if (body && osp_json_parse(body, strlen(body), NULL, &j, NULL) == 0) {
        const char *code = osp_json_get_string(osp_json_get(j, "error"), "code");
        snprintf(out, cap, "%s", code ? code : "");
    }
    cJSON_Delete(j);
    return out;
}

/* Sends raw bytes to port and returns the whole reply (until the server
 * closes or 3 s pass); *status gets the status code from the first line. */
static inline char *raw(int port, const char *bytes, size_t len, int *status)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char *out = calloc(1, 65536);
    size_t got = 0;
    *status = -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && send(fd, bytes, len, 0) == (ssize_t)len) {
        shutdown(fd, SHUT_WR);
        ssize_t n;
        while (got < 65535 && (n = recv(fd, out + got, 65535 - got, 0)) > 0)
            got += (size_t)n;
        sscanf(out, "HTTP/1.%*d %d", status);
    }
    close(fd);
    return out;
}

/* A request no client would send, and the status osp answers it with
 * (-1: the connection is dropped unanswered). */
struct raw_case {
    const char *name, *bytes;
    int status;
};

/* Sends each case to port on its own connection: the status must be the
 * case's, any answer osp's JSON error (and, with closes, one that says
 * the connection ends), and no answer may echo the request's telltale
 * words (script, passwd, evil). */
static inline void check_raw_refusals(int port, const struct raw_case *cases, size_t n,
                                      int closes)
{
    for (size_t i = 0; i < n; i++) {
        int status;
        char *reply = raw(port, cases[i].bytes, strlen(cases[i].bytes), &status);
        if (status != cases[i].status)
            fprintf(stderr, "%s: status %d\n%s\n", cases[i].name, status, reply);
        CHECK_INT(status, cases[i].status);
        if (cases[i].status == -1)
            CHECK(reply[0] == '\0');
        else
            CHECK(strstr(reply, "{\"error\":{\"code\":\"") != NULL &&
                  (!closes || strstr(reply, "Connection: close\r\n") != NULL));
        CHECK(strstr(reply, "script") == NULL && strstr(reply, "passwd") == NULL &&
              strstr(reply, "evil") == NULL);
        free(reply);
    }
}

/* Sends a head of about 30 KB for path to port and returns the status;
 * the answer must not echo it. */
static inline int oversized_head(int port, const char *path)
{
    char big[40000];
    int n = snprintf(big, sizeof big, "GET %s HTTP/1.1\r\nHost: x\r\nX-Pad: ", path);
    memset(big + n, 'a', 30000);
    memcpy(big + n + 30000, "\r\n\r\n", 5);
    int status;
    char *reply = raw(port, big, strlen(big), &status);
    CHECK(strstr(reply, "aaaa") == NULL);
    CHECK(status < 0 || strstr(reply, "{\"error\":{\"code\":\"") != NULL);
    free(reply);
    return status;
}

#endif
