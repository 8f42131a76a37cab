/* The plugin origin's HTTP/1.1 server: a few threads multiplexing many
 * keep-alive connections with epoll.
 *
 * Why not civetweb, which serves the app origin: civetweb gives every
 * connection a thread of its own, so every request costs a thread wake-up
 * (about one context switch per request, measured in bench/http), which
 * is most of the cost of answering a cached asset.  The plugin origin only
 * ever answers GET and HEAD with complete responses that are already in
 * memory, so it needs none of what civetweb adds and all of the event
 * loop's economy: one read and one writev per request, several requests
 * per epoll_wait under load, no per-connection thread.
 *
 * What it does: an acceptor thread hands each new connection to the
 * least-loaded worker (one per CPU by default); the worker reads the
 * request head (osp_httpreq_parse, at most OSP_HTTPREQ_HEAD_MAX bytes),
 * calls the handler, and writes the response with the Date line (and a
 * Connection line when needed) inserted after its status line, without
 * copying the response.  Pipelined requests are answered in order.
 *
 * What it refuses by itself (the handler is still called, to answer and
 * count the refusal): a malformed or oversized head, a request with a
 * body (Content-Length above 0; Transfer-Encoding is refused by
 * osp_httpreq_check), and any request once draining.  After a refusal, a
 * request with a body, "Connection: close" or an HTTP/1.0 request without
 * keep-alive, the connection is closed once the response is written (after
 * a short linger that reads and discards what the client still sends, so
 * its response is not lost to a reset).
 *
 * Limits, each in the config with a default: connections in all (new ones
 * beyond are closed at once), the time a request head may take to arrive
 * (slow clients), the idle time between keep-alive requests, and the time
 * a response write may stall.
 *
 * Not here, by design: TLS (terminate it in front), request bodies,
 * chunked encoding, upgrades, HTTP/2.
 */
#ifndef OSP_EVSERVER_H
#define OSP_EVSERVER_H

#include <stddef.h>

#include "osp/httpreq.h"

/* What the handler is asked to answer. */
struct osp_evrequest {
    const struct osp_httpreq *req; /* NULL when the head could not be parsed */
    int refusal;       /* 0, or the osp error to answer with (req may be NULL) */
    const char *why;   /* the refusal's fixed sentence, or NULL */
    const char *remote; /* the peer's address, as text */
    int draining;      /* the server is stopping: answer 503 */
};

/* The handler's answer: len bytes holding a whole response as
 * osp_http_format_head builds it (status line, headers without Date, blank
 * line, then the body, or none for HEAD and 304).  The bytes must stay
 * valid until release(release_ctx, release_obj) is called (the server
 * calls it exactly once, when the bytes were written or the connection
 * failed; NULL release: the bytes are static).  Setting close asks for
 * the connection to be closed after this response. */
struct osp_evreply {
    const unsigned char *bytes;
    size_t len;
    void (*release)(void *ctx, const void *obj);
    void *release_ctx;
    const void *release_obj;
    int close;
};

/* Called on a worker thread for every request head; must fill out (a
 * response with no bytes closes the connection without an answer).  It may
 * block (a cache miss reads the store), but every connection of that
 * worker waits meanwhile, so the hot path must not. */
typedef void (*osp_evserver_handler)(void *ud, const struct osp_evrequest *r,
                                     struct osp_evreply *out);

struct osp_evserver_config {
    const char *listen;  /* "127.0.0.1:8081", "[::1]:8081", or "8081" for every address */
    int workers;         /* event-loop threads; 0: one per online CPU (at most 64) */
    int max_connections; /* open at once, in all; 0: 4096 */
    int request_ms;      /* a request head must arrive within this once begun; 0: 30000 */
    int keep_alive_ms;   /* idle time allowed between requests; 0: 5000 */
    int write_ms;        /* a response write may make no progress this long; 0: 30000 */
    osp_evserver_handler handler;
    void *ud;
};

struct osp_evserver;

/* Binds cfg->listen and starts the threads.  Returns 0, or OSP_E_IO (the
 * address is in use or not local), OSP_E_INVALID_ARGUMENT (a malformed
 * address or limit) or OSP_E_NO_MEMORY, with a sentence in err. */
int osp_evserver_start(const struct osp_evserver_config *cfg, struct osp_evserver **out,
                       char *err, size_t err_cap);

/* The port the server listens on (useful with port 0). */
int osp_evserver_port(const struct osp_evserver *s);

/* Stops accepting at once; idle connections are closed, responses being
 * written are finished, heads that complete meanwhile are handed to the
 * handler with draining set; after drain_ms whatever is left is closed.
 * Then the threads are joined and everything freed.  NULL does nothing. */
void osp_evserver_stop(struct osp_evserver *s, int drain_ms);

#endif
