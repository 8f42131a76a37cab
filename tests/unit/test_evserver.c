/* osp_evserver: the plugin origin's event loop, on real loopback sockets
 * with a small handler: keep-alive, pipelining, HTTP/1.0, refusals,
 * timeouts, partial writes, the connection cap and draining. */
#include "check.h"
#include "osp/error.h"
#include "osp/evserver.h"
#include "osp/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BIG (8u << 20)

static int replies, releases, refusals, drained; /* atomic: workers write them */

static void release_counted(void *ctx, const void *bytes)
{
    (void)ctx;
    free((void *)bytes);
    __atomic_add_fetch(&releases, 1, __ATOMIC_SEQ_CST);
}

static void reply(struct osp_evreply *out, unsigned char *bytes, size_t len)
{
    *out = (struct osp_evreply){bytes, len, release_counted, NULL, bytes, 0};
    __atomic_add_fetch(&replies, 1, __ATOMIC_SEQ_CST);
}

static void handler(void *ud, const struct osp_evrequest *r, struct osp_evreply *out)
{
    (void)ud;
    unsigned char *bytes = NULL;
    size_t len = 0, body_len = 0;
    if (r->refusal || r->draining) {
        __atomic_add_fetch(r->refusal ? &refusals : &drained, 1, __ATOMIC_SEQ_CST);
        if (osp_http_build_error(r->refusal ? r->refusal : OSP_E_UNAVAILABLE, r->why, &bytes,
                                 &len, &body_len) == 0)
            reply(out, bytes, len);
        return;
    }
    if (strcmp(r->req->path, "/big") == 0) {
        char *body = malloc(BIG);
        for (size_t i = 0; i < BIG; i++)
            body[i] = (char)('a' + i % 26);
        struct osp_http_response h = {200, "text/plain", NULL, body, BIG, 0};
        if (osp_http_build(&h, &bytes, &len, &body_len) == 0)
            reply(out, bytes, len);
        free(body);
        return;
    }
    if (strcmp(r->req->path, "/silent") == 0)
        return; /* no answer: the connection is closed */
    char body[128];
    int n = snprintf(body, sizeof body, "%s %s from %s", r->req->method, r->req->path, r->remote);
    struct osp_http_response h = {200, "text/plain", "X-Test: 1\r\n", body, (size_t)n,
                                  strcmp(r->req->method, "HEAD") == 0};
    if (osp_http_build(&h, &bytes, &len, &body_len) == 0)
        reply(out, bytes, len);
}

static struct osp_evserver *start(int max_connections, int request_ms, int keep_alive_ms,
                                  int write_ms, int workers, int *port)
{
    struct osp_evserver_config cfg = {"127.0.0.1:0", workers, max_connections, request_ms,
                                      keep_alive_ms, write_ms, handler, NULL};
    struct osp_evserver *s = NULL;
    char err[200] = "";
    int rc = osp_evserver_start(&cfg, &s, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "start: %s\n", err);
    CHECK_ERR(rc, 0);
    *port = s ? osp_evserver_port(s) : 0;
    CHECK(*port > 0);
    return s;
}

/* After a server's stop, every reply it was given has been released. */
static void stop(struct osp_evserver *s, int drain_ms)
{
    osp_evserver_stop(s, drain_ms);
    CHECK_INT(__atomic_load_n(&releases, __ATOMIC_SEQ_CST),
              __atomic_load_n(&replies, __ATOMIC_SEQ_CST));
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void say(int fd, const char *text)
{
    CHECK_INT(send(fd, text, strlen(text), MSG_NOSIGNAL), (long long)strlen(text));
}

/* Reads a response head into head (NUL-terminated), a byte at a time so
 * nothing past it is taken.  Returns the status, or -1. */
static int read_head(int fd, char *head, size_t cap)
{
    size_t got = 0;
    head[0] = '\0';
    while (got + 1 < cap) {
        ssize_t n = recv(fd, head + got, 1, 0);
        if (n <= 0)
            return -1;
        got++;
        head[got] = '\0';
        if (got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    int status = -1;
    return sscanf(head, "HTTP/1.1 %d", &status) == 1 ? status : -1;
}

/* Reads one response: the head as read_head, the body (Content-Length
 * bytes) into a new buffer.  Returns the status, or -1. */
static int response(int fd, char *head, size_t cap, char **body, size_t *body_len)
{
    *body = NULL;
    *body_len = 0;
    int status = read_head(fd, head, cap);
    const char *cl = strstr(head, "Content-Length: ");
    size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
    if (status < 0 || status == 304 || !want)
        return status;
    *body = malloc(want + 1);
    size_t at = 0;
    while (at < want) {
        ssize_t n = recv(fd, *body + at, want - at, 0);
        if (n <= 0)
            break;
        at += (size_t)n;
    }
    (*body)[at] = '\0';
    *body_len = at;
    return status;
}

/* 1 if the server closed fd (EOF or reset) within ms, with no bytes first. */
static int closed_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) != 1)
        return 0;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void msleep(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void serves_with_date_and_keeps_alive(void)
{
    int port;
    struct osp_evserver *s = start(0, 0, 0, 0, 2, &port);
    int fd = dial(port);
    char head[4096], *body;
    size_t len;
    for (int i = 0; i < 3; i++) { /* the same connection, three times */
        say(fd, "GET /hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
        CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
        /* Date right after the status line, a current IMF-fixdate. */
        CHECK(strncmp(head, "HTTP/1.1 200 OK\r\nDate: ", 23) == 0);
        CHECK(strstr(head, " GMT\r\nContent-Type: text/plain\r\n") != NULL);
        CHECK(strstr(head, "Connection:") == NULL);
        CHECK_CONTAINS(head, "X-Test: 1\r\n");
        CHECK_STR(body, "GET /hello from 127.0.0.1");
        free(body);
    }
    say(fd, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK_INT(read_head(fd, head, sizeof head), 200);
    CHECK_CONTAINS(head, "Content-Length: 26\r\n"); /* the GET's length, no body */
    CHECK(!closed_within(fd, 50));
    close(fd);
    stop(s, 1000);
}

static void answers_pipelined_requests_in_order(void)
{
    int port;
    struct osp_evserver *s = start(0, 0, 0, 0, 1, &port);
    int fd = dial(port);
    say(fd, "GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n"
            "GET /three HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const char *want[] = {"GET /one from 127.0.0.1", "GET /two from 127.0.0.1",
                          "GET /three from 127.0.0.1"};
    char head[4096], *body;
    size_t len;
    for (int i = 0; i < 3; i++) {
        CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
        CHECK_STR(body, want[i]);
        free(body);
    }
    CHECK_CONTAINS(head, "Connection: close\r\n");
    CHECK(closed_within(fd, 2000));
    close(fd);
    stop(s, 1000);
}

static void http10_closes_unless_kept_alive(void)
{
    int port;
    struct osp_evserver *s = start(0, 0, 0, 0, 1, &port);
    char head[4096], *body;
    size_t len;
    int fd = dial(port);
    say(fd, "GET /old HTTP/1.0\r\n\r\n");
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
    CHECK_CONTAINS(head, "Connection: close\r\n");
    free(body);
    CHECK(closed_within(fd, 2000));
    close(fd);
    fd = dial(port);
    say(fd, "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
    CHECK_CONTAINS(head, "Connection: keep-alive\r\n");
    free(body);
    say(fd, "GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
    CHECK_STR(body, "GET /again from 127.0.0.1");
    free(body);
    close(fd);
    stop(s, 1000);
}

static void refuses_bad_heads_and_closes(void)
{
    int port;
    struct osp_evserver *s = start(0, 0, 0, 0, 1, &port);
    static const struct {
        const char *bytes;
        int status;
        const char *code;
    } cases[] = {
        {"GET /x HTTP/1.1\nHost: t\n\n\r\n\r\n", 400, "bad_request"},
        {"GET /x HTTP/1.1\r\n\r\n", 400, "bad_request"}, /* no Host */
        {"GET /a%2fb<script> HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request"},
        {"GET /a/../b HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request"},
        {"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request"},
        {"GET http://evil.example/ HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad_request"},
        {"GET /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
         "bad_request"},
        {"GET /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400,
         "bad_request"},
        {"GET /x HTTP/3\r\nHost: t\r\n\r\n", 400, "bad_request"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int before = __atomic_load_n(&refusals, __ATOMIC_SEQ_CST);
        int fd = dial(port);
        say(fd, cases[i].bytes);
        char head[4096], *body;
        size_t len;
        int status = response(fd, head, sizeof head, &body, &len);
        if (status != cases[i].status)
            fprintf(stderr, "case %zu: %d\n%s\n", i, status, head);
        CHECK_INT(status, cases[i].status);
        CHECK_CONTAINS(head, "Connection: close\r\n");
        char code[64];
        snprintf(code, sizeof code, "{\"error\":{\"code\":\"%s\"", cases[i].code);
        CHECK_CONTAINS(body, code);
        CHECK(body && !strstr(body, "script") && !strstr(body, "evil"));
        CHECK_INT(__atomic_load_n(&refusals, __ATOMIC_SEQ_CST), before + 1);
        free(body);
        CHECK(closed_within(fd, 3000)); /* after the linger read what was left */
        close(fd);
    }
    /* A head that never ends within the bound: too_big (413), whatever follows. */
    int fd = dial(port);
    char pad[OSP_HTTPREQ_HEAD_MAX + 100];
    int n = snprintf(pad, sizeof pad, "GET /x HTTP/1.1\r\nHost: t\r\nX-Pad: ");
    memset(pad + n, 'a', sizeof pad - (size_t)n - 1);
    pad[sizeof pad - 1] = '\0';
    say(fd, pad);
    char head[4096], *body;
    size_t len;
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 413);
    CHECK_CONTAINS(body, "\"code\":\"too_big\"");
    CHECK(body && !strstr(body, "aaaa"));
    free(body);
    close(fd);
    /* A request with a body is answered, and its body never read as a request. */
    fd = dial(port);
    say(fd, "GET /with-body HTTP/1.1\r\nHost: t\r\nContent-Length: 37\r\n\r\n"
            "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
    CHECK_STR(body, "GET /with-body from 127.0.0.1");
    CHECK_CONTAINS(head, "Connection: close\r\n");
    free(body);
    CHECK(closed_within(fd, 3000));
    close(fd);
    /* A handler that does not answer: closed, nothing sent. */
    fd = dial(port);
    say(fd, "GET /silent HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(closed_within(fd, 2000));
    close(fd);
    stop(s, 1000);
}

static void times_out_idle_and_slow_clients(void)
{
    int port;
    struct osp_evserver *s = start(0, 300, 300, 0, 1, &port);
    /* Idle after a response: closed after keep_alive_ms. */
    int fd = dial(port);
    say(fd, "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    char head[4096], *body;
    size_t len;
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
    free(body);
    CHECK(!closed_within(fd, 100));
    CHECK(closed_within(fd, 2000));
    close(fd);
    /* Connected, never a byte: the same. */
    fd = dial(port);
    CHECK(closed_within(fd, 2000));
    close(fd);
    /* A head trickling in: closed request_ms after it began, unanswered,
     * however often bytes arrive. */
    int before = __atomic_load_n(&replies, __ATOMIC_SEQ_CST);
    fd = dial(port);
    const char *slow = "GET /slowloris HTTP/1.1\r\nHost: t\r\nX-A: b\r\n";
    int closed = 0;
    for (size_t i = 0; slow[i] && !closed; i++) {
        char c[2] = {slow[i], 0};
        if (send(fd, c, 1, MSG_NOSIGNAL) != 1)
            closed = 1;
        closed = closed || closed_within(fd, 60);
    }
    CHECK(closed || closed_within(fd, 2000));
    CHECK_INT(__atomic_load_n(&replies, __ATOMIC_SEQ_CST), before);
    close(fd);
    stop(s, 1000);
}

static int read_big(int fd, int slow)
{
    char head[4096], *body;
    size_t len;
    if (slow) /* let the server fill the socket and wait for EPOLLOUT a few times */
        msleep(200);
    int status = response(fd, head, sizeof head, &body, &len);
    int ok = status == 200 && len == BIG;
    for (size_t i = 0; ok && i < BIG; i++)
        ok = body[i] == (char)('a' + i % 26);
    free(body);
    return ok;
}

static void writes_large_responses_and_drops_stalled_ones(void)
{
    int port;
    struct osp_evserver *s = start(0, 0, 0, 300, 1, &port);
    int fd = dial(port);
    say(fd, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(read_big(fd, 1));
    /* Still usable afterwards. */
    say(fd, "GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
    char head[4096], *body;
    size_t len;
    CHECK_INT(response(fd, head, sizeof head, &body, &len), 200);
    free(body);
    close(fd);
    /* A client that never reads: the write stalls, and write_ms later the
     * connection is dropped and its response released. */
    fd = dial(port);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    say(fd, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    int released = 0;
    for (int i = 0; i < 100 && !released; i++) {
        msleep(50);
        released = __atomic_load_n(&releases, __ATOMIC_SEQ_CST) ==
                   __atomic_load_n(&replies, __ATOMIC_SEQ_CST);
    }
    CHECK(released);
    close(fd);
    stop(s, 1000);
}

static void caps_connections(void)
{
    int port;
    struct osp_evserver *s = start(2, 0, 0, 0, 2, &port);
    int a = dial(port), b = dial(port);
    char head[4096], *body;
    size_t len;
    say(a, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK_INT(response(a, head, sizeof head, &body, &len), 200);
    free(body);
    say(b, "GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK_INT(response(b, head, sizeof head, &body, &len), 200);
    free(body);
    int c = dial(port); /* the kernel accepts it; the server closes it at once */
    CHECK(c >= 0 && closed_within(c, 2000));
    close(c);
    close(b);
    /* A closed connection frees its place. */
    int ok = 0;
    for (int i = 0; i < 40 && !ok; i++) {
        msleep(25);
        c = dial(port);
        say(c, "GET /c HTTP/1.1\r\nHost: t\r\n\r\n");
        ok = response(c, head, sizeof head, &body, &len) == 200;
        free(body);
        close(c);
    }
    CHECK(ok);
    close(a);
    stop(s, 1000);
}

struct stopper {
    struct osp_evserver *s;
    int drain_ms;
};

static void *stop_thread(void *arg)
{
    struct stopper *st = arg;
    osp_evserver_stop(st->s, st->drain_ms);
    return NULL;
}

static void drains_on_stop(void)
{
    int port;
    struct osp_evserver *s = start(0, 0, 0, 0, 1, &port);
    int writing = dial(port), idle = dial(port), partial = dial(port);
    char head[4096], *body;
    size_t len;
    say(idle, "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK_INT(response(idle, head, sizeof head, &body, &len), 200);
    free(body);
    say(writing, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"); /* not read yet */
    say(partial, "GET /late HTTP/1.1\r\nHost: t\r\n");
    msleep(100);
    struct stopper st = {s, 5000};
    pthread_t t;
    pthread_create(&t, NULL, stop_thread, &st);
    msleep(200);
    /* The idle connection goes, new ones are refused... */
    CHECK(closed_within(idle, 2000));
    CHECK(dial(port) < 0);
    /* ...a head completing now is answered 503 and closed... */
    say(partial, "\r\n");
    CHECK_INT(response(partial, head, sizeof head, &body, &len), 503);
    CHECK_CONTAINS(body, "\"code\":\"unavailable\"");
    CHECK_CONTAINS(head, "Connection: close\r\n");
    free(body);
    /* ...and the response being written is finished. */
    CHECK(read_big(writing, 0));
    pthread_join(t, NULL);
    CHECK(__atomic_load_n(&drained, __ATOMIC_SEQ_CST) == 1);
    CHECK_INT(__atomic_load_n(&releases, __ATOMIC_SEQ_CST),
              __atomic_load_n(&replies, __ATOMIC_SEQ_CST));
    close(idle);
    close(partial);
    close(writing);
}

static void refuses_bad_listen_addresses(void)
{
    static const char *bad[] = {"nonsense", "127.0.0.1:99999", "127.0.0.1:", "[::1",
                                "[::1]8081", "localhost:8081", "1.2.3:80x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct osp_evserver_config cfg = {bad[i], 1, 0, 0, 0, 0, handler, NULL};
        struct osp_evserver *s = NULL;
        char err[200] = "";
        CHECK_ERR(osp_evserver_start(&cfg, &s, err, sizeof err), OSP_E_INVALID_ARGUMENT);
        CHECK(s == NULL && err[0]);
    }
    /* A port someone holds: refused, not shared. */
    int port;
    struct osp_evserver *held = start(0, 0, 0, 0, 1, &port);
    char listen[32], err[200] = "";
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    struct osp_evserver_config cfg = {listen, 1, 0, 0, 0, 0, handler, NULL};
    struct osp_evserver *s = NULL;
    CHECK_ERR(osp_evserver_start(&cfg, &s, err, sizeof err), OSP_E_IO);
    CHECK_CONTAINS(err, "in use");
    struct osp_evserver_config neg = {"127.0.0.1:0", 100, 0, 0, 0, 0, handler, NULL};
    CHECK_ERR(osp_evserver_start(&neg, &s, err, sizeof err), OSP_E_INVALID_ARGUMENT);
    stop(held, 0);
    osp_evserver_stop(NULL, 0);
}

int main(void)
{
    RUN(serves_with_date_and_keeps_alive);
    RUN(answers_pipelined_requests_in_order);
    RUN(http10_closes_unless_kept_alive);
    RUN(refuses_bad_heads_and_closes);
    RUN(times_out_idle_and_slow_clients);
    RUN(writes_large_responses_and_drops_stalled_ones);
    RUN(caps_connections);
    RUN(drains_on_stop);
    RUN(refuses_bad_listen_addresses);
    CHECK_EXIT();
}
