/* Bounded reads and crash-safe writes (see include/osp/fsutil.h). */
#include "osp/fsutil.h"
#include "osp/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int osp_fs_read(const char *path, size_t max, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? OSP_E_NOT_FOUND : OSP_E_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return OSP_E_IO;
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return OSP_E_TOO_BIG;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return OSP_E_NO_MEMORY;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != size) {
        free(buf);
        return OSP_E_IO;
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    return 0;
}

int osp_fs_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return OSP_E_IO;
    int rc = fsync(fd) == 0 ? 0 : OSP_E_IO;
    close(fd);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int osp_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return OSP_E_IO;
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (n == 0)
            strcpy(dir, "/");
    } else {
        strcpy(dir, ".");
    }
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return OSP_E_IO;
    /* O_EXCL: a stale temp file from a crashed writer is replaced below. */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return OSP_E_IO;
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return OSP_E_IO;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return OSP_E_IO;
    }
    return osp_fs_sync_dir(dir);
}

int osp_fs_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return OSP_E_IO;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, 0755) == 0) {
            /* Make the new entry durable in its parent. */
            char *parent_end = strrchr(buf, '/');
            if (parent_end) {
                char keep = *parent_end;
                *parent_end = '\0';
                int rc = osp_fs_sync_dir(parent_end == buf ? "/" : buf);
                *parent_end = keep;
                if (rc != 0)
                    return rc;
            }
        } else if (errno != EEXIST) {
            return OSP_E_IO;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : OSP_E_IO;
}

int osp_fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int osp_fs_join(char *out, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (cap == 0 || la + lb + 2 > cap) {
        if (cap)
            out[0] = '\0';
        return -1;
    }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 0;
}
