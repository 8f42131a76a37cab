/* The data schema: objects with typed fields, and roles that grant
 * object-level operations, field-level read/edit and record-level scope.
 * osp_schema_access computes what a caller may do: the user's role,
 * intersected with the calling plugin's grants when a plugin calls.  The
 * default schema (a small CRM: contact, deal, task; roles admin, sales,
 * viewer) is built in; `osp serve --schema FILE` replaces it
 * (docs/security-model.md describes the format).
 */
#ifndef OSP_SCHEMA_H
#define OSP_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "osp/diag.h"
#include "osp/perm.h"

#define OSP_SCHEMA_MAX_FIELDS 64 /* per object: fields are bits in a mask */
#define OSP_SCHEMA_MAX_OBJECTS 32
#define OSP_SCHEMA_MAX_ROLES 16

enum osp_field_type {
    OSP_FIELD_STRING,
    OSP_FIELD_TEXT,
    OSP_FIELD_EMAIL,
    OSP_FIELD_NUMBER,
    OSP_FIELD_INTEGER,
    OSP_FIELD_BOOLEAN,
    OSP_FIELD_RATING, /* integer 0..5 */
    OSP_FIELD_ENUM,
    OSP_FIELD_DATE, /* YYYY-MM-DD */
};

/* Operations, as bits. */
#define OSP_OP_CREATE 1u
#define OSP_OP_READ 2u
#define OSP_OP_UPDATE 4u
#define OSP_OP_DELETE 8u

struct osp_field {
    char name[33];
    char label[65];
    enum osp_field_type type;
    int required;
    double min, max; /* numbers; max is also the string length cap */
    char **options;  /* enum */
    size_t n_options;
};

struct osp_object {
    char name[33];
    char label[65];
    struct osp_field *fields;
    size_t n_fields;
};

struct osp_access {
    unsigned ops;         /* OSP_OP_* */
    int own_only;         /* only records the user owns */
    uint64_t read_fields; /* bit i: fields[i] */
    uint64_t edit_fields;
};

struct osp_schema;

/* Parses a schema document (strict JSON; unknown keys refused).  Returns 0
 * or the first problem's code, every problem in diags. */
int osp_schema_parse(const char *json, size_t len, struct osp_schema **out,
                     struct osp_diags *diags);

/* The built-in CRM schema's JSON text (static). */
const char *osp_schema_default_json(void);

#define OSP_SCHEMA_FILE_MAX (1u << 20) /* bytes of a schema file */

/* The schema osp serve uses: the file at path, or the built-in one when
 * path is NULL.  Returns 0, OSP_E_IO (unreadable), OSP_E_TOO_BIG, or the
 * first problem's code, with a sentence naming the file and the problem
 * in err.  The CLI loads it the same way so both agree on the roles. */
int osp_schema_load(const char *path, struct osp_schema **out, char *err, size_t err_cap);

void osp_schema_free(struct osp_schema *s);

const struct osp_object *osp_schema_object(const struct osp_schema *s, const char *name);

/* 1 if role exists. */
int osp_schema_has_role(const struct osp_schema *s, const char *role);

/* The name of role i (in schema order), or NULL past the last one. */
const char *osp_schema_role_name(const struct osp_schema *s, size_t i);

/* What role may do with object; when plugin_grants is not NULL the caller
 * is a plugin and the result is also limited to its grants
 * (data.read:<object> for reads, data.write:<object> for writes).
 * Unknown roles and objects get nothing. */
void osp_schema_access(const struct osp_schema *s, const char *role, const char *object,
                       const struct osp_grants *plugin_grants, struct osp_access *out);

/* Index of field name in object, or -1. */
int osp_schema_field_index(const struct osp_object *o, const char *name);

/* Checks values (an object of field -> value) for create (all required
 * fields present) or update: every field known (OSP_E_INVALID_PARAMS),
 * editable (OSP_E_PERMISSION_DENIED), and of its type
 * (OSP_E_INVALID_PARAMS).  why gets a sentence naming the field. */
int osp_schema_check_values(const struct osp_object *o, const cJSON *values, int creating,
                            uint64_t editable, char *why, size_t cap);

/* A copy of record with only the readable fields (plus "id" and "owner"). */
cJSON *osp_schema_visible(const struct osp_object *o, const cJSON *record, uint64_t readable);

/* The objects and fields role may read, for the shell: JSON text. */
char *osp_schema_describe(const struct osp_schema *s, const char *role);

#endif
