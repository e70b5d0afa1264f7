/*
 * The C half of the field probe (scripts/field-probe.sh): built against a libgradreg compiled with
 * the core's test-only feature `field-probe`, which adds the optional field BasicInfo.probe_note.
 * Nothing in ffi/ or include/ knows of that field; records cross as JSON, so a record carrying it
 * must go into a registry and come back out with the field intact. Prints "c: N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradreg.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (cond) {                                                         \
            passed++;                                                       \
        } else {                                                            \
            failed++;                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                   \
    } while (0)

static void report_last_error(uint32_t code) {
    char buf[1024];
    size_t needed = 0;
    if (gradreg_last_error(buf, sizeof buf, &needed) == GRADREG_OK) {
        fprintf(stderr, "  [%u] %s\n", code, buf);
    }
}

int main(void) {
    const int64_t may1 = 1777600800; /* 2026-05-01T02:00:00Z */
    const char *school = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10327\"}";
    const char *note = "probe-\xe5\xad\x97\xe6\xae\xb5"; /* "probe-字段" */

    char *basic = NULL;
    uint32_t rc = gradreg_sample_record(GRADREG_STR("basic_info"), &basic);
    CHECK(rc == GRADREG_OK && basic != NULL && basic[0] == '{');
    if (rc != GRADREG_OK || basic == NULL) {
        report_last_error(rc);
        printf("c: %d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    /* The sample as the core writes it, with the probe field added as the first member. */
    size_t n = strlen(basic) + strlen(note) + 256;
    char *records = malloc(n);
    if (records == NULL) {
        return 2;
    }
    snprintf(records, n, "[{\"id\":\"probe\",\"info\":{\"probe_note\":\"%s\",%s}]", note,
             basic + 1);
    gradreg_string_free(basic);

    gradreg_registry *r = NULL;
    rc = gradreg_registry_new_in_memory(GRADREG_STR("\"national\""), &r);
    CHECK(rc == GRADREG_OK);
    char *out = NULL;
    rc = gradreg_registry_upload_batch(r, gradreg_str_from_c(records),
                                       gradreg_str_from_c(school), may1, 1, &out);
    CHECK(rc == GRADREG_OK && out != NULL && strstr(out, "\"created\"") != NULL);
    if (out != NULL && strstr(out, "\"created\"") == NULL) {
        fprintf(stderr, "  upload: %s\n", out);
    }
    gradreg_string_free(out);
    out = NULL;
    rc = gradreg_registry_get(r, GRADREG_STR("probe"), &out);
    CHECK(rc == GRADREG_OK && out != NULL);
    char expected[256];
    snprintf(expected, sizeof expected, "\"probe_note\":\"%s\"", note);
    CHECK(out != NULL && strstr(out, expected) != NULL);
    gradreg_string_free(out);

    /* The field is known, not merely tolerated: a misspelt member is still refused as malformed
       JSON, and the refusal names it. */
    out = NULL;
    snprintf(records, n, "[{\"id\":\"other\",\"info\":{\"probe_notes\":\"%s\"}}]", note);
    rc = gradreg_registry_upload_batch(r, gradreg_str_from_c(records),
                                       gradreg_str_from_c(school), may1, 1, &out);
    CHECK(rc == GRADREG_ERR_MALFORMED_JSON && out == NULL);
    char detail[2048];
    size_t needed = 0;
    CHECK(gradreg_last_error(detail, sizeof detail, &needed) == GRADREG_OK &&
          strstr(detail, "probe_notes") != NULL);

    gradreg_registry_free(r);
    free(records);
    printf("c: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
