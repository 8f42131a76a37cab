/* The plugin origin's epoll HTTP/1.1 server (see include/osp/evserver.h).
 *
 * Threads: one acceptor, blocked in poll() on the listening socket and a
 * stop eventfd, hands each accepted socket to the worker with the fewest
 * connections (through that worker's queue and eventfd); each worker owns
 * its connections outright, so no connection state is ever shared.
 *
 * A connection is in one of three states: reading a request head,
 * writing a response (the socket is not read meanwhile, so pipelined
 * requests wait in the kernel and in the buffer, in order), or lingering
 * (after a response that ends the connection: its write side is shut and
 * whatever the client still sends is read and dropped, briefly, so that a
 * reset cannot destroy the response before the client has read it).
 * Level-triggered epoll; the interest set changes only when the state
 * does.
 */
#define _GNU_SOURCE /* accept4 */
#include "osp/evserver.h"
#include "osp/error.h"
#include "osp/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define WORKERS_MAX 64
#define BUF_INITIAL 2048
#define LINGER_MS 2000
#define SWEEP_MS 250
#define EVENTS_PER_WAIT 128

enum state { READING, WRITING, LINGERING };

struct conn {
    int fd;
    enum state state;
    uint32_t events; /* the current epoll interest */
    int close_after; /* the response being written ends the connection */
    int64_t deadline_ms;
    char *buf; /* the request head(s) read so far */
    size_t len, cap, scanned, consumed;
    struct iovec iov[4];
    int iov_n, iov_at;
    char date[OSP_HTTP_DATE_LINE_LEN + 1]; /* this response's own copy */
    struct osp_evreply reply;
    char remote[INET6_ADDRSTRLEN];
    struct conn *prev, *next;
};

struct handoff {
    int fd;
    char remote[INET6_ADDRSTRLEN];
};

struct worker {
    struct osp_evserver *s;
    pthread_t thread;
    int started;
    int ep, efd;
    pthread_mutex_t lock; /* guards queue */
    struct handoff *queue;
    size_t queued, queue_cap;
    struct conn *conns; /* every connection this worker owns */
    int count;          /* its length (atomic: the acceptor reads it) */
};

struct osp_evserver {
    struct osp_evserver_config cfg;
    int listen_fd, stop_fd, port;
    pthread_t acceptor;
    int acceptor_started;
    int total;    /* open connections, all workers (atomic) */
    int draining; /* atomic */
    int64_t drain_deadline_ms;
    int n_workers;
    struct worker workers[WORKERS_MAX];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connections ---------------------------------------------------------- */

static void want(struct worker *w, struct conn *c, uint32_t events)
{
    if (c->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->events = events;
}

static void release_reply(struct conn *c)
{
    if (c->reply.release)
        c->reply.release(c->reply.release_ctx, c->reply.release_obj);
    memset(&c->reply, 0, sizeof c->reply);
}

static void conn_close(struct worker *w, struct conn *c)
{
    release_reply(c);
    /* close() alone leaves the epoll set only once no descriptor refers
     * to the socket any more, and a fork elsewhere in the process (before
     * its exec closes the copies) holds one: then events would still come
     * for this freed connection. */
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->buf);
    free(c);
    __atomic_sub_fetch(&w->count, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&w->s->total, 1, __ATOMIC_RELAXED);
}

static void conn_add(struct worker *w, const struct handoff *h, int64_t now)
{
    struct conn *c = calloc(1, sizeof *c);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (!c || epoll_ctl(w->ep, EPOLL_CTL_ADD, h->fd, &ev) != 0) {
        free(c);
        close(h->fd);
        __atomic_sub_fetch(&w->count, 1, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&w->s->total, 1, __ATOMIC_RELAXED);
        return;
    }
    c->fd = h->fd;
    c->events = EPOLLIN;
    c->state = READING;
    c->deadline_ms = now + w->s->cfg.keep_alive_ms;
    memcpy(c->remote, h->remote, sizeof c->remote);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
}

/* The response is out: end the connection, or wait for the next request.
 * Returns 0, or -1 if the connection was closed. */
static int response_done(struct worker *w, struct conn *c, int64_t now)
{
    release_reply(c);
    if (c->close_after) {
        shutdown(c->fd, SHUT_WR);
        c->state = LINGERING;
        c->deadline_ms = now + LINGER_MS;
        want(w, c, EPOLLIN);
        return 0;
    }
    memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
    c->len -= c->consumed;
    c->consumed = c->scanned = 0;
    c->state = READING;
    c->deadline_ms = now + (c->len ? w->s->cfg.request_ms : w->s->cfg.keep_alive_ms);
    want(w, c, EPOLLIN);
    return 0;
}

/* Writes what is left of the response.  Returns 0, or -1 if closed. */
static int flush(struct worker *w, struct conn *c, int64_t now)
{
    while (c->iov_at < c->iov_n) {
        struct msghdr m = {.msg_iov = c->iov + c->iov_at, .msg_iovlen = (size_t)(c->iov_n - c->iov_at)};
        ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->deadline_ms = now + w->s->cfg.write_ms;
                want(w, c, EPOLLOUT);
                return 0;
            }
            conn_close(w, c);
            return -1;
        }
        size_t left = (size_t)n;
        while (c->iov_at < c->iov_n && left >= c->iov[c->iov_at].iov_len)
            left -= c->iov[c->iov_at++].iov_len;
        if (c->iov_at < c->iov_n) {
            c->iov[c->iov_at].iov_base = (char *)c->iov[c->iov_at].iov_base + left;
            c->iov[c->iov_at].iov_len -= left;
        }
    }
    return response_done(w, c, now);
}

/* Answers the head in buf[0..head_len) (head_len 0: the head is too big).
 * Returns 0, or -1 if the connection was closed. */
static int answer(struct worker *w, struct conn *c, size_t head_len, int64_t now)
{
    struct osp_evserver *s = w->s;
    struct osp_httpreq req;
    struct osp_evrequest r = {NULL, 0, NULL, c->remote,
                              __atomic_load_n(&s->draining, __ATOMIC_RELAXED)};
    int close_after = r.draining, v10 = 0;
    if (head_len == 0) {
        r.refusal = OSP_E_TOO_BIG;
        r.why = "the request head is too large";
        head_len = c->len;
    } else if ((r.refusal = osp_httpreq_parse(c->buf, head_len, &req, &r.why)) == 0) {
        r.req = &req;
        r.refusal = osp_httpreq_check(req.path, req.version, req.headers, req.n_headers, &r.why);
        /* A body is never read here: answer, then end the connection
         * rather than take its bytes for the next request. */
        const char *length = osp_httpreq_header(&req, "Content-Length");
        if (length && length[strspn(length, "0")] != '\0')
            close_after = 1;
        if (!osp_httpreq_keep_alive(&req))
            close_after = 1;
        v10 = strcmp(req.version, "1.0") == 0;
    }
    if (r.refusal)
        close_after = 1;
    memset(&c->reply, 0, sizeof c->reply);
    s->cfg.handler(s->cfg.ud, &r, &c->reply);
    const unsigned char *b = c->reply.bytes;
    const unsigned char *nl = b ? memchr(b, '\n', c->reply.len) : NULL;
    if (!nl) { /* no answer: just close */
        conn_close(w, c);
        return -1;
    }
    close_after |= c->reply.close;
    size_t status_len = (size_t)(nl - b) + 1;
    memcpy(c->date, osp_http_date_line(), sizeof c->date);
    c->iov[0] = (struct iovec){(void *)b, status_len};
    c->iov[1] = (struct iovec){c->date, OSP_HTTP_DATE_LINE_LEN};
    int n = 2;
    /* HTTP/1.1 keeps the connection unless told; HTTP/1.0 needs telling. */
    static const char close_line[] = "Connection: close\r\n", keep_line[] = "Connection: keep-alive\r\n";
    if (close_after)
        c->iov[n++] = (struct iovec){(void *)close_line, sizeof close_line - 1};
    else if (v10)
        c->iov[n++] = (struct iovec){(void *)keep_line, sizeof keep_line - 1};
    c->iov[n++] = (struct iovec){(void *)(b + status_len), c->reply.len - status_len};
    c->iov_n = n;
    c->iov_at = 0;
    c->consumed = head_len;
    c->close_after = close_after;
    c->state = WRITING;
    return flush(w, c, now);
}

/* Answers every whole request head in the buffer, in order, as long as
 * each response goes out at once.  Returns 0, or -1 if closed. */
static int process(struct worker *w, struct conn *c, int64_t now)
{
    while (c->state == READING && c->len > 0) {
        size_t head = osp_httpreq_head_len(c->buf, c->len, c->scanned);
        if (head == 0) {
            c->scanned = c->len;
            if (c->len < OSP_HTTPREQ_HEAD_MAX)
                return 0; /* wait for the rest */
        }
        if (answer(w, c, head, now) != 0)
            return -1;
    }
    return 0;
}

static int on_readable(struct worker *w, struct conn *c, int64_t now)
{
    if (c->state == LINGERING) {
        char sink[4096];
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            conn_close(w, c);
        return 0;
    }
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : BUF_INITIAL;
        if (cap > OSP_HTTPREQ_HEAD_MAX)
            cap = OSP_HTTPREQ_HEAD_MAX;
        char *b = cap > c->cap ? realloc(c->buf, cap) : NULL;
        if (!b) {
            conn_close(w, c);
            return -1;
        }
        c->buf = b;
        c->cap = cap;
    }
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0) { /* closed by the peer, or failed: nothing to answer */
        conn_close(w, c);
        return -1;
    }
    if (c->len == 0) /* a head begins: it has request_ms to arrive whole */
        c->deadline_ms = now + w->s->cfg.request_ms;
    c->len += (size_t)n;
    return process(w, c, now);
}

/* ---- workers ---------------------------------------------------------------- */

static void take_queue(struct worker *w, int64_t now)
{
    uint64_t v;
    ssize_t r = read(w->efd, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&w->lock);
    struct handoff *q = w->queue;
    size_t n = w->queued;
    w->queue = NULL;
    w->queued = w->queue_cap = 0;
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < n; i++)
        conn_add(w, &q[i], now);
    free(q);
}

/* Closes connections past their deadline; when draining, also the idle
 * ones. */
static void sweep(struct worker *w, int64_t now, int draining)
{
    for (struct conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        if (now >= c->deadline_ms || (draining && c->state == READING && c->len == 0))
            conn_close(w, c);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct osp_evserver *s = w->s;
    struct epoll_event events[EVENTS_PER_WAIT];
    int64_t last_sweep = now_ms();
    for (;;) {
        int draining = __atomic_load_n(&s->draining, __ATOMIC_ACQUIRE);
        int n = epoll_wait(w->ep, events, EVENTS_PER_WAIT, draining ? 50 : SWEEP_MS);
        int64_t now = now_ms();
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                take_queue(w, now);
                continue;
            }
            if (c->state == WRITING) {
                if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                    if (flush(w, c, now) == 0)
                        process(w, c, now);
            } else if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                on_readable(w, c, now);
            }
        }
        /* Under load epoll_wait never blocks, so without this a worker
         * keeps its CPU for whole timeslices while other runnable threads
         * (the app origin's, the clients' on a shared machine) wait: that
         * wait is the tail of every latency.  With nothing else runnable
         * it returns at once.  Measured in bench/http: p99 halved, req/s
         * up (docs/benchmarks.md). */
        if (n > 0)
            sched_yield();
        draining = __atomic_load_n(&s->draining, __ATOMIC_ACQUIRE);
        if (draining || now - last_sweep >= SWEEP_MS) {
            sweep(w, now, draining);
            last_sweep = now;
        }
        if (draining && (!w->conns || now >= s->drain_deadline_ms))
            break;
    }
    while (w->conns)
        conn_close(w, w->conns);
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->queued; i++)
        close(w->queue[i].fd);
    w->queued = 0;
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* ---- acceptor ------------------------------------------------------------------ */

static void hand_off(struct osp_evserver *s, int fd, const struct sockaddr_storage *a)
{
    struct worker *w = &s->workers[0];
    for (int i = 1; i < s->n_workers; i++)
        if (__atomic_load_n(&s->workers[i].count, __ATOMIC_RELAXED) <
            __atomic_load_n(&w->count, __ATOMIC_RELAXED))
            w = &s->workers[i];
    struct handoff h = {fd, ""};
    if (a->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, h.remote, sizeof h.remote);
    else
        inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, h.remote, sizeof h.remote);
    pthread_mutex_lock(&w->lock);
    if (w->queued == w->queue_cap) {
        size_t cap = w->queue_cap ? w->queue_cap * 2 : 16;
        struct handoff *q = realloc(w->queue, cap * sizeof *q);
        if (!q) {
            pthread_mutex_unlock(&w->lock);
            close(fd);
            __atomic_sub_fetch(&s->total, 1, __ATOMIC_RELAXED);
            return;
        }
        w->queue = q;
        w->queue_cap = cap;
    }
    w->queue[w->queued++] = h;
    __atomic_add_fetch(&w->count, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&w->lock);
    uint64_t one = 1;
    ssize_t r = write(w->efd, &one, sizeof one);
    (void)r;
}

static void *acceptor_main(void *arg)
{
    struct osp_evserver *s = arg;
    struct pollfd p[2] = {{s->listen_fd, POLLIN, 0}, {s->stop_fd, POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        for (;;) {
            struct sockaddr_storage a;
            socklen_t alen = sizeof a;
            int fd = accept4(s->listen_fd, (struct sockaddr *)&a, &alen,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                    /* Out of descriptors: the backlog waits; do not spin. */
                    struct timespec ten = {0, 10 * 1000 * 1000};
                    nanosleep(&ten, NULL);
                }
                break;
            }
            if (__atomic_add_fetch(&s->total, 1, __ATOMIC_RELAXED) > s->cfg.max_connections) {
                __atomic_sub_fetch(&s->total, 1, __ATOMIC_RELAXED);
                close(fd);
                continue;
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            hand_off(s, fd, &a);
        }
    }
    return NULL;
}

/* ---- start and stop ----------------------------------------------------------------- */

/* "host:port", "[v6]:port" or "port" -> a bound, listening socket. */
static int listen_on(const char *listen_at, int *port, char *err, size_t err_cap)
{
    char host[128] = "", service[16];
    const char *colon = strrchr(listen_at, ':');
    if (listen_at[0] == '[') {
        const char *close_br = strchr(listen_at, ']');
        if (!close_br || close_br[1] != ':' || (size_t)(close_br - listen_at - 1) >= sizeof host) {
            snprintf(err, err_cap, "%s is not an address like [::1]:8081", listen_at);
            return OSP_E_INVALID_ARGUMENT;
        }
        memcpy(host, listen_at + 1, (size_t)(close_br - listen_at - 1));
        colon = close_br + 1;
    } else if (colon) {
        if ((size_t)(colon - listen_at) >= sizeof host) {
            snprintf(err, err_cap, "%s: the host part is too long", listen_at);
            return OSP_E_INVALID_ARGUMENT;
        }
        memcpy(host, listen_at, (size_t)(colon - listen_at));
    }
    const char *digits = colon ? colon + 1 : listen_at;
    size_t nd = strlen(digits);
    if (nd == 0 || nd > 5 || strspn(digits, "0123456789") != nd || atoi(digits) > 65535) {
        snprintf(err, err_cap, "%s is not an address like 127.0.0.1:8081", listen_at);
        return OSP_E_INVALID_ARGUMENT;
    }
    snprintf(service, sizeof service, "%s", digits);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host[0] ? host : NULL, service, &hints, &ai) != 0 || !ai) {
        snprintf(err, err_cap, "%s is not a numeric local address", listen_at);
        return OSP_E_INVALID_ARGUMENT;
    }
    /* A bare port: IPv4 on every address, as civetweb reads it. */
    struct addrinfo *use = ai;
    for (struct addrinfo *p = ai; !host[0] && p; p = p->ai_next)
        if (p->ai_family == AF_INET) {
            use = p;
            break;
        }
    int fd = socket(use->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    /* SO_REUSEADDR only rebinds a port in TIME_WAIT after a restart; never
     * SO_REUSEPORT, which would let a second server share the port. */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, use->ai_addr, use->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, err_cap, "cannot listen on %s (%s)", listen_at,
                 fd < 0 ? strerror(errno) : errno == EADDRINUSE ? "in use" : strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return OSP_E_IO;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    *port = 0;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0)
        *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

static int fix_limit(int *v, int fallback, int lo, int hi)
{
    if (*v == 0)
        *v = fallback;
    return *v >= lo && *v <= hi ? 0 : -1;
}

int osp_evserver_start(const struct osp_evserver_config *cfg, struct osp_evserver **out,
                       char *err, size_t err_cap)
{
    *out = NULL;
    struct osp_evserver_config c = *cfg;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int cpu_workers = cpus < 1 ? 1 : cpus > WORKERS_MAX ? WORKERS_MAX : (int)cpus;
    if (!c.handler || !c.listen || fix_limit(&c.workers, cpu_workers, 1, WORKERS_MAX) ||
        fix_limit(&c.max_connections, 4096, 1, 1 << 20) ||
        fix_limit(&c.request_ms, 30000, 1, 3600000) ||
        fix_limit(&c.keep_alive_ms, 5000, 1, 3600000) ||
        fix_limit(&c.write_ms, 30000, 1, 3600000)) {
        snprintf(err, err_cap, "plugin server: workers must be 1..%d and limits positive",
                 WORKERS_MAX);
        return OSP_E_INVALID_ARGUMENT;
    }
    struct osp_evserver *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_cap, "out of memory");
        return OSP_E_NO_MEMORY;
    }
    s->cfg = c;
    s->stop_fd = -1;
    s->n_workers = 0;
    int fd = listen_on(c.listen, &s->port, err, err_cap);
    if (fd < 0) {
        free(s);
        return fd; /* the error */
    }
    s->listen_fd = fd;
    int rc = 0;
    if ((s->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0)
        rc = OSP_E_IO;
    for (int i = 0; rc == 0 && i < c.workers; i++) {
        struct worker *w = &s->workers[i];
        w->s = s;
        pthread_mutex_init(&w->lock, NULL);
        s->n_workers = i + 1;
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        if (w->ep < 0 || w->efd < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->efd, &ev) != 0 ||
            pthread_create(&w->thread, NULL, worker_main, w) != 0)
            rc = OSP_E_IO;
        else
            w->started = 1;
    }
    if (rc == 0 && pthread_create(&s->acceptor, NULL, acceptor_main, s) == 0)
        s->acceptor_started = 1;
    else if (rc == 0)
        rc = OSP_E_IO;
    if (rc != 0) {
        snprintf(err, err_cap, "plugin server: cannot start its threads (%s)", strerror(errno));
        osp_evserver_stop(s, 0);
        return rc;
    }
    *out = s;
    return 0;
}

int osp_evserver_port(const struct osp_evserver *s)
{
    return s->port;
}

void osp_evserver_stop(struct osp_evserver *s, int drain_ms)
{
    if (!s)
        return;
    uint64_t one = 1;
    ssize_t r;
    if (s->acceptor_started) {
        r = write(s->stop_fd, &one, sizeof one);
        pthread_join(s->acceptor, NULL);
    }
    close(s->listen_fd); /* new connections are refused from here on */
    s->drain_deadline_ms = now_ms() + (drain_ms > 0 ? drain_ms : 0);
    __atomic_store_n(&s->draining, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < s->n_workers; i++)
        if (s->workers[i].started)
            r = write(s->workers[i].efd, &one, sizeof one);
    (void)r;
    for (int i = 0; i < s->n_workers; i++) {
        struct worker *w = &s->workers[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        if (w->ep >= 0)
            close(w->ep);
        if (w->efd >= 0)
            close(w->efd);
        free(w->queue);
        pthread_mutex_destroy(&w->lock);
    }
    if (s->stop_fd >= 0)
        close(s->stop_fd);
    free(s);
}
