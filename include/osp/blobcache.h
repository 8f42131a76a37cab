/* Immutable byte buffers in memory, by key, for the asset server: what it
 * keeps is complete prebuilt responses (status line, headers and body), so a
 * hit is one write of one buffer.  Keys must name the bytes exactly (the
 * asset server puts the served blob's hash in every key), so an entry never
 * goes stale and is never replaced.
 *
 * Bounded: at most max_bytes in all (buffers, keys and bookkeeping) and
 * max_entry per buffer; least recently used entries go first.  Thread safe:
 * one mutex, held only for the table and list updates, never while a
 * caller uses a buffer.  Entries are reference counted, so one evicted
 * while a response is still being written stays valid until released. */
#ifndef OSP_BLOBCACHE_H
#define OSP_BLOBCACHE_H

#include <stddef.h>

#define OSP_BLOBCACHE_KEY_MAX 512 /* bytes of a key, NUL excluded */

struct osp_blob {
    const unsigned char *data;
    size_t len;
};

struct osp_blobcache;

/* What the cache holds now, and how it got there. */
struct osp_blobcache_stats {
    size_t bytes;   /* counted against max_bytes: buffers, keys, bookkeeping */
    size_t entries;
    size_t max_bytes, max_entry;
    unsigned long long hits, misses, evictions;
};

/* A cache holding at most max_bytes in all and buffers of at most max_entry
 * bytes.  Returns 0 or OSP_E_NO_MEMORY. */
int osp_blobcache_new(size_t max_bytes, size_t max_entry, struct osp_blobcache **out);

/* Frees the cache; every blob must have been released.  NULL does nothing. */
void osp_blobcache_free(struct osp_blobcache *c);

/* The blob under key with a reference held (release it), or NULL. */
const struct osp_blob *osp_blobcache_get(struct osp_blobcache *c, const char *key);

/* Adds data (malloc'd; ownership passes to the cache) under key and returns
 * it with a reference held.  A buffer larger than max_entry, or a key longer
 * than OSP_BLOBCACHE_KEY_MAX, is not kept but still returned, and freed on
 * release.  If key is already cached the new copy is freed and the cached
 * one returned.  NULL when out of memory (data is freed). */
const struct osp_blob *osp_blobcache_put(struct osp_blobcache *c, const char *key,
                                         unsigned char *data, size_t len);

/* Drops the reference get or put returned.  NULL does nothing. */
void osp_blobcache_release(struct osp_blobcache *c, const struct osp_blob *b);

void osp_blobcache_stats(struct osp_blobcache *c, struct osp_blobcache_stats *out);

#endif
