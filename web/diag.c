/* Diagnostics accumulation (see include/osp/diag.h). */
#include "osp/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void osp_diag_add(struct osp_diags *d, int code, const char *file, const char *pointer,
                  const char *hint, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->n >= OSP_DIAG_MAX) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct osp_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            d->dropped++;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    struct osp_diag *e = &d->items[d->n++];
    memset(e, 0, sizeof *e);
    e->code = code;
    copy_str(e->file, sizeof e->file, file);
    copy_str(e->pointer, sizeof e->pointer, pointer);
    copy_str(e->hint, sizeof e->hint, hint);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

void osp_diags_set_file(struct osp_diags *d, size_t from, const char *file)
{
    if (!d)
        return;
    for (size_t i = from; i < d->n; i++)
        if (d->items[i].file[0] == '\0')
            copy_str(d->items[i].file, sizeof d->items[i].file, file);
}

void osp_diags_free(struct osp_diags *d)
{
    if (!d)
        return;
    free(d->items);
    memset(d, 0, sizeof *d);
}

void osp_diag_pointer_push(char *buf, size_t cap, const char *token)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap)
        return;
    buf[n++] = '/';
    for (const char *p = token; *p && n + 1 < cap; p++) {
        if (*p == '~' || *p == '/') {
            if (n + 2 >= cap)
                break;
            buf[n++] = '~';
            buf[n++] = *p == '~' ? '0' : '1';
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = '\0';
}
