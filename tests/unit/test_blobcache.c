/* osp_blobcache: hits and misses, one copy per key, least recently used
 * eviction that never frees a buffer in use, oversized buffers served once. */
#include "check.h"
#include "osp/blobcache.h"
#include "osp/error.h"

#include <stdlib.h>
#include <string.h>

static unsigned char *filled(size_t len, char c)
{
    unsigned char *p = malloc(len);
    memset(p, c, len);
    return p;
}

static void hits_and_misses(void)
{
    struct osp_blobcache *c;
    CHECK_ERR(osp_blobcache_new(1u << 20, 1u << 19, &c), 0);
    CHECK(osp_blobcache_get(c, "a") == NULL);
    const struct osp_blob *b = osp_blobcache_put(c, "a", filled(100, 'a'), 100);
    CHECK(b && b->len == 100 && b->data[99] == 'a');
    osp_blobcache_release(c, b);
    const struct osp_blob *again = osp_blobcache_get(c, "a");
    CHECK(again == b);
    /* A second copy under the same key is dropped for the first. */
    const struct osp_blob *dup = osp_blobcache_put(c, "a", filled(100, 'z'), 100);
    CHECK(dup == b && dup->data[0] == 'a');
    osp_blobcache_release(c, dup);
    osp_blobcache_release(c, again);
    struct osp_blobcache_stats st;
    osp_blobcache_stats(c, &st);
    CHECK_INT(st.entries, 1);
    CHECK_INT(st.hits, 1);
    CHECK_INT(st.misses, 1);
    osp_blobcache_free(c);
    osp_blobcache_free(NULL);
}

static void evicts_least_recent_but_never_in_use(void)
{
    struct osp_blobcache *c;
    CHECK_ERR(osp_blobcache_new(10000, 5000, &c), 0);
    osp_blobcache_release(c, osp_blobcache_put(c, "a", filled(4000, 'a'), 4000));
    const struct osp_blob *held = osp_blobcache_put(c, "b", filled(4000, 'b'), 4000);
    osp_blobcache_release(c, osp_blobcache_get(c, "a")); /* a is now the newer */
    /* c pushes the cache over: b is the oldest, but held, so a goes. */
    osp_blobcache_release(c, osp_blobcache_put(c, "c", filled(4000, 'c'), 4000));
    CHECK(osp_blobcache_get(c, "a") == NULL);
    CHECK(held->data[3999] == 'b');
    const struct osp_blob *cb = osp_blobcache_get(c, "c");
    CHECK(cb != NULL);
    osp_blobcache_release(c, cb);
    osp_blobcache_release(c, held);
    struct osp_blobcache_stats st;
    osp_blobcache_stats(c, &st);
    CHECK(st.bytes <= st.max_bytes);
    CHECK_INT(st.evictions, 1);
    /* Larger than max_entry: served once, never kept. */
    const struct osp_blob *big = osp_blobcache_put(c, "big", filled(6000, 'x'), 6000);
    CHECK(big && big->len == 6000 && big->data[5999] == 'x');
    osp_blobcache_release(c, big);
    CHECK(osp_blobcache_get(c, "big") == NULL);
    osp_blobcache_free(c);
}

int main(void)
{
    RUN(hits_and_misses);
    RUN(evicts_least_recent_but_never_in_use);
    CHECK_EXIT();
}
