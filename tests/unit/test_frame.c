#include "check.h"
#include "osp/error.h"
#include "osp/frame.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void describes_sandboxed_frame(void)
{
    const char *src =
        "{\"format\":1,\"id\":\"acme.kanban\",\"name\":\"Kanban\",\"version\":\"1.0.0\","
        "\"publisher\":\"acme\",\"runtime\":\"ui\",\"engines\":{\"osp-ui\":\"^1\"},"
        "\"contributes\":{\"widgets\":[{\"id\":\"board\",\"title\":\"Board\",\"entry\":"
        "\"ui/board.html\",\"height\":300}]},"
        "\"files\":{\"ui/board.html\":{\"sha256\":\"" H64 "\",\"size\":1}}}";
    struct osp_manifest *m = NULL;
    CHECK_ERR(osp_manifest_parse(src, strlen(src), 0, &m, NULL), 0);
    struct osp_frame f;
    CHECK_ERR(osp_frame_describe(m, H64, "board", "http://127.0.0.1:8081", 0, &f), 0);
    CHECK_STR(f.src, "http://127.0.0.1:8081/ext-ui/acme.kanban/" H64 "/ui/board.html");
    CHECK_STR(f.sandbox, "allow-scripts");
    CHECK_STR(f.referrerpolicy, "no-referrer");
    CHECK_STR(f.allow, "");
    CHECK_STR(f.loading, "eager");
    CHECK_STR(f.title, "Board — Kanban");
    CHECK_INT(f.height, 300);
    CHECK_ERR(osp_frame_describe(m, H64, "board", "http://127.0.0.1:8081", 1, &f), 0);
    CHECK_STR(f.loading, "lazy");
    CHECK_ERR(osp_frame_describe(m, H64, "nope", "http://127.0.0.1:8081", 0, &f), OSP_E_NOT_FOUND);
    CHECK_ERR(osp_frame_describe(m, "abc", "board", "http://127.0.0.1:8081", 0, &f),
              OSP_E_INVALID_ARGUMENT);
    CHECK_ERR(osp_frame_describe(m, H64, "board", "javascript:alert(1)", 0, &f),
              OSP_E_INVALID_ARGUMENT);
    CHECK_STR(f.src, "");
    osp_manifest_free(m);
}

int main(void)
{
    RUN(describes_sandboxed_frame);
    CHECK_EXIT();
}
