/* In-memory cache of immutable buffers (see include/osp/blobcache.h): a
 * chained hash table that doubles as it fills, and a doubly linked list in
 * recency order, so get, put and eviction cost O(1) apart from skipping
 * entries still in use. */
#include "osp/blobcache.h"
#include "osp/error.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_BUCKETS 1024

struct entry {
    struct osp_blob blob; /* first: callers hold &entry->blob */
    struct entry *chain;  /* next in its bucket */
    struct entry *newer, *older;
    uint64_t hash;
    size_t cost; /* what it counts against max_bytes */
    int refs;
    int cached; /* in the table; 0 once evicted (or never kept) */
    char key[];
};

struct osp_blobcache {
    pthread_mutex_t lock;
    struct entry **buckets;
    size_t n_buckets, entries;
    struct entry *newest, *oldest;
    size_t bytes, max_bytes, max_entry;
    unsigned long long hits, misses, evictions;
};

static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

int osp_blobcache_new(size_t max_bytes, size_t max_entry, struct osp_blobcache **out)
{
    *out = NULL;
    struct osp_blobcache *c = calloc(1, sizeof *c);
    if (!c)
        return OSP_E_NO_MEMORY;
    c->buckets = calloc(FIRST_BUCKETS, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return OSP_E_NO_MEMORY;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->n_buckets = FIRST_BUCKETS;
    c->max_bytes = max_bytes;
    c->max_entry = max_entry;
    *out = c;
    return 0;
}

static void entry_free(struct entry *e)
{
    free((void *)e->blob.data);
    free(e);
}

void osp_blobcache_free(struct osp_blobcache *c)
{
    if (!c)
        return;
    for (struct entry *e = c->newest, *next; e; e = next) {
        next = e->older;
        entry_free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static struct entry *find(const struct osp_blobcache *c, const char *key, uint64_t h)
{
    for (struct entry *e = c->buckets[h & (c->n_buckets - 1)]; e; e = e->chain)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void list_unlink(struct osp_blobcache *c, struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void list_push_newest(struct osp_blobcache *c, struct entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

const struct osp_blob *osp_blobcache_get(struct osp_blobcache *c, const char *key)
{
    uint64_t h = hash_key(key);
    pthread_mutex_lock(&c->lock);
    struct entry *e = find(c, key, h);
    if (e) {
        e->refs++;
        if (c->newest != e) {
            list_unlink(c, e);
            list_push_newest(c, e);
        }
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return e ? &e->blob : NULL;
}

/* Doubles the table when it holds more entries than buckets; if memory is
 * short it keeps the old one (longer chains, still correct). */
static void grow(struct osp_blobcache *c)
{
    if (c->entries <= c->n_buckets)
        return;
    size_t n = c->n_buckets * 2;
    struct entry **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < c->n_buckets; i++)
        for (struct entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    free(c->buckets);
    c->buckets = b;
    c->n_buckets = n;
}

static void table_unlink(struct osp_blobcache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[e->hash & (c->n_buckets - 1)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
}

/* Takes least recently used entries nobody holds out of the cache until it
 * is under its cap, and returns them chained through ->chain so the caller
 * frees them after unlocking.  Entries in use are skipped: if only they
 * are left, the cache stays over its cap until they are released (the
 * overshoot is bounded by the responses being written). */
static struct entry *evict(struct osp_blobcache *c)
{
    struct entry *victims = NULL;
    for (struct entry *e = c->oldest, *newer; e && c->bytes > c->max_bytes; e = newer) {
        newer = e->newer;
        if (e->refs > 0)
            continue;
        table_unlink(c, e);
        list_unlink(c, e);
        e->cached = 0;
        c->bytes -= e->cost;
        c->entries--;
        c->evictions++;
        e->chain = victims;
        victims = e;
    }
    return victims;
}

const struct osp_blob *osp_blobcache_put(struct osp_blobcache *c, const char *key,
                                         unsigned char *data, size_t len)
{
    size_t klen = strlen(key);
    struct entry *e = malloc(sizeof *e + klen + 1);
    if (!e) {
        free(data);
        return NULL;
    }
    memset(e, 0, sizeof *e);
    memcpy(e->key, key, klen + 1);
    e->blob.data = data;
    e->blob.len = len;
    e->hash = hash_key(key);
    e->cost = sizeof *e + klen + 1 + len;
    e->refs = 1;
    if (len > c->max_entry || klen > OSP_BLOBCACHE_KEY_MAX || e->cost > c->max_bytes)
        return &e->blob; /* served once, freed on release */
    pthread_mutex_lock(&c->lock);
    struct entry *have = find(c, key, e->hash);
    if (have) {
        have->refs++;
        pthread_mutex_unlock(&c->lock);
        entry_free(e);
        return &have->blob;
    }
    e->cached = 1;
    size_t b = e->hash & (c->n_buckets - 1);
    e->chain = c->buckets[b];
    c->buckets[b] = e;
    list_push_newest(c, e);
    c->bytes += e->cost;
    c->entries++;
    grow(c);
    struct entry *victims = evict(c);
    pthread_mutex_unlock(&c->lock);
    for (struct entry *v = victims, *next; v; v = next) {
        next = v->chain;
        entry_free(v);
    }
    return &e->blob;
}

void osp_blobcache_release(struct osp_blobcache *c, const struct osp_blob *b)
{
    if (!b)
        return;
    struct entry *e = (struct entry *)(void *)b;
    pthread_mutex_lock(&c->lock);
    int last = --e->refs == 0 && !e->cached;
    /* An entry released while the cache is over its cap (everything was in
     * use when the last one was added) may be what eviction now needs. */
    struct entry *victims = e->cached && e->refs == 0 && c->bytes > c->max_bytes ? evict(c) : NULL;
    pthread_mutex_unlock(&c->lock);
    if (last)
        entry_free(e);
    for (struct entry *v = victims, *next; v; v = next) {
        next = v->chain;
        entry_free(v);
    }
}

void osp_blobcache_stats(struct osp_blobcache *c, struct osp_blobcache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    out->bytes = c->bytes;
    out->entries = c->entries;
    out->max_bytes = c->max_bytes;
    out->max_entry = c->max_entry;
    out->hits = c->hits;
    out->misses = c->misses;
    out->evictions = c->evictions;
    pthread_mutex_unlock(&c->lock);
}
