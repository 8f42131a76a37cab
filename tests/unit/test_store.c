#include "check.h"
#include "osp/error.h"
#include "osp/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void put_get_and_detect_corruption(void)
{
    char dir[128];
    snprintf(dir, sizeof dir, "/tmp/osp-test-store-%d", (int)getpid());
    struct osp_store *s = NULL;
    CHECK_ERR(osp_store_open(dir, &s), 0);
    char hex[OSP_SHA256_HEX_BYTES], again[OSP_SHA256_HEX_BYTES];
    CHECK_ERR(osp_store_put(s, "hello", 5, hex), 0);
    CHECK_STR(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    CHECK_ERR(osp_store_put(s, "hello", 5, again), 0); /* idempotent */
    char *data = NULL;
    size_t len = 0;
    CHECK_ERR(osp_store_get(s, hex, 100, &data, &len), 0);
    CHECK(len == 5 && memcmp(data, "hello", 5) == 0);
    free(data);
    CHECK_ERR(osp_store_get(s, hex, 4, &data, &len), OSP_E_TOO_BIG);
    CHECK_ERR(osp_store_get(s, "../../etc/passwd", 100, &data, &len), OSP_E_INVALID_ARGUMENT);
    char missing[OSP_SHA256_HEX_BYTES];
    memset(missing, 'a', 64);
    missing[64] = '\0';
    CHECK_ERR(osp_store_get(s, missing, 100, &data, &len), OSP_E_NOT_FOUND);
    /* Bytes changed on disk behind the store's back are refused. */
    char path[512];
    CHECK_ERR(osp_store_path(s, hex, path, sizeof path), 0);
    FILE *f = fopen(path, "r+");
    fputc('j', f);
    fclose(f);
    CHECK_ERR(osp_store_get(s, hex, 100, &data, &len), OSP_E_DIGEST_MISMATCH);
    CHECK(data == NULL);
    osp_store_close(s);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    RUN(put_get_and_detect_corruption);
    CHECK_EXIT();
}
