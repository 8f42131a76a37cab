/* Safe bundle-relative paths and their MIME types (see include/osp/path.h). */
#include "osp/path.h"
#include "osp/error.h"

#include <string.h>

static int allowed_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
}

int osp_path_check(const char *path)
{
    if (!path)
        return OSP_E_ARCHIVE_PATH;
    size_t len = strlen(path);
    if (len == 0 || len > OSP_PATH_MAX_LEN)
        return OSP_E_ARCHIVE_PATH;
    int segments = 0;
    const char *seg = path;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || seg[0] == '.')
            return OSP_E_ARCHIVE_PATH; /* empty, ".", "..", or dotfile */
        for (size_t i = 0; i < n; i++)
            if (!allowed_char(seg[i]))
                return OSP_E_ARCHIVE_PATH;
        if (++segments > OSP_PATH_MAX_SEGMENTS)
            return OSP_E_ARCHIVE_PATH;
        if (!end)
            break;
        seg = end + 1;
    }
    return 0;
}

int osp_path_equal_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z')
            cb = (char)(cb - 'A' + 'a');
        if (ca != cb)
            return 0;
        if (ca == '\0')
            return 1;
    }
}

int osp_path_is_reserved(const char *path)
{
    return osp_path_equal_nocase(path, "osplugin.json") ||
           osp_path_equal_nocase(path, "osplugin.json.minisig");
}

const char *osp_path_mime_type(const char *path)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".avif", "image/avif"},
        {".ico", "image/x-icon"},
        {".woff", "font/woff"},
        {".woff2", "font/woff2"},
        {".ttf", "font/ttf"},
        {".otf", "font/otf"},
        {".wasm", "application/wasm"},
        {".txt", "text/plain; charset=utf-8"},
        {".md", "text/markdown; charset=utf-8"},
    };
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (osp_path_equal_nocase(dot, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}
