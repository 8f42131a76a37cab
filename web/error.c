/* The error list (include/osp/error.h) expanded into lookups. */
#include "osp/error.h"

#include <string.h>

struct osp__error_row {
    int value;
    const char *code;
    const char *message;
    int status;
};

static const struct osp__error_row error_rows[] = {
#define ROW(name, num, code, msg, status) {-(num), code, msg, status},
    OSP_ERROR_LIST(ROW)
#undef ROW
};

static const struct osp__error_row *find_row(int err)
{
    /* Values are dense (-1, -2, …), so the row index is -err - 1. */
    size_t n = sizeof error_rows / sizeof error_rows[0];
    if (err >= 0 || (size_t)(-(long)err) > n)
        return NULL;
    return &error_rows[-(long)err - 1];
}

const char *osp_error_code(int err)
{
    const struct osp__error_row *row = find_row(err);
    if (err == 0)
        return "ok";
    return row ? row->code : "unknown";
}

const char *osp_strerror(int err)
{
    const struct osp__error_row *row = find_row(err);
    if (err == 0)
        return "success";
    return row ? row->message : "unknown error";
}

int osp_error_http_status(int err)
{
    const struct osp__error_row *row = find_row(err);
    if (err == 0)
        return 200;
    return row ? row->status : 500;
}

int osp_error_from_code(const char *code)
{
    if (code == NULL)
        return 0;
    for (size_t i = 0; i < sizeof error_rows / sizeof error_rows[0]; i++)
        if (strcmp(error_rows[i].code, code) == 0)
            return error_rows[i].value;
    return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)
const char *osp_error_table_json(void)
{
    /* Codes and messages contain no characters that need JSON escaping;
     * test_error checks that the table parses. */
    static const char table[] = "{"
#define JROW(name, num, code, msg, status)                                                         \
    "\"" code "\":{\"value\":-" STR(num) ",\"message\":\"" msg "\",\"status\":" STR(status) "},"
        OSP_ERROR_LIST(JROW)
#undef JROW
            "\"ok\":{\"value\":0,\"message\":\"success\",\"status\":200}}";
    return table;
}
