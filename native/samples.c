/* The demo's sample data (see include/osp/samples.h). */
#include "osp/samples.h"
#include "osp/auth.h"
#include "osp/error.h"
#include "osp/records.h"

#include <stddef.h>
#include <time.h>

int osp_samples_seed(struct osp_db *db)
{
    static const char *const users[][3] = {
        {"default", "alice", "admin"},
        {"default", "bob", "sales"},
        {"default", "carol", "viewer"},
        {"globex", "dave", "admin"},
    };
    static const char *const records[][5] = {
        {"default", "contact", "c1", "alice",
         "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\",\"company\":\"Analytical "
         "Engines\",\"phone\":\"+44 20 7946 0001\",\"rating\":5}"},
        {"default", "contact", "c2", "bob",
         "{\"name\":\"Grace Hopper\",\"email\":\"grace@example.com\",\"company\":\"COBOL "
         "Works\",\"phone\":\"+1 202 555 0102\",\"rating\":4}"},
        {"default", "contact", "c3", "bob",
         "{\"name\":\"Alan Turing\",\"email\":\"alan@example.com\",\"company\":\"Bletchley "
         "Labs\",\"phone\":\"+44 20 7946 0003\",\"rating\":3}"},
        {"default", "deal", "d1", "bob",
         "{\"title\":\"Engine upgrade\",\"amount\":120000,\"stage\":\"proposal\",\"contact\":\"c1\"}"},
        {"default", "deal", "d2", "bob",
         "{\"title\":\"Compiler licence\",\"amount\":45000,\"stage\":\"won\",\"contact\":\"c2\"}"},
        {"default", "deal", "d3", "alice",
         "{\"title\":\"Codebreaking study\",\"amount\":80000,\"stage\":\"qualified\","
         "\"contact\":\"c3\"}"},
        {"default", "deal", "d4", "bob",
         "{\"title\":\"Difference engine parts\",\"amount\":15000,\"stage\":\"lead\"}"},
        {"default", "task", "t1", "bob", "{\"title\":\"Call Ada\",\"done\":false,\"due\":\"2026-12-01\"}"},
        {"default", "task", "t2", "alice",
         "{\"title\":\"Renew COBOL support\",\"done\":true,\"due\":\"2026-11-15\"}"},
        {"globex", "contact", "g1", "dave",
         "{\"name\":\"Hank Scorpio\",\"email\":\"hank@globex.example\",\"company\":\"Globex\","
         "\"rating\":2}"},
        {"globex", "deal", "gd1", "dave",
         "{\"title\":\"Doomsday device\",\"amount\":999999,\"stage\":\"lead\"}"},
    };
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        int rc = osp_auth_user_add(db, users[i][0], users[i][1], OSP_SAMPLE_PASSWORD,
                                   users[i][2], now);
        if (rc != 0 && rc != OSP_E_CONFLICT)
            return rc;
    }
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        int rc = osp_records_seed(db, records[i][0], records[i][1], records[i][2], records[i][3],
                                  records[i][4]);
        if (rc != 0)
            return rc;
    }
    return 0;
}
