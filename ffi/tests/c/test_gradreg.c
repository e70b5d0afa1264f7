/*
 * Tests of the C library: every entry point with NULL for each pointer, invalid UTF-8, malformed
 * JSON, forged, freed and wrong-kind handles, too-small buffers, and concurrent use of one
 * registry from several threads. Prints "N passed, N failed" as its last line and exits non-zero
 * when anything failed.
 *
 * Built by scripts/test.sh twice: against libgradreg.a with -fsanitize=address,undefined, and
 * against libgradreg.so under valgrind.
 */
#define _GNU_SOURCE /* memmem */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gradreg.h"

static int passed;
static int failed;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (cond) {                                                                     \
            passed++;                                                                   \
        } else {                                                                        \
            failed++;                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                               \
    } while (0)

#define CHECK_CODE(expr, want)                                                          \
    do {                                                                                \
        uint32_t got_ = (expr);                                                         \
        if (got_ == (uint32_t)(want)) {                                                 \
            passed++;                                                                   \
        } else {                                                                        \
            char detail_[512];                                                          \
            if (gradreg_last_error(detail_, sizeof detail_, NULL) != GRADREG_OK) {      \
                detail_[0] = 0;                                                         \
            }                                                                           \
            failed++;                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s = %u, want %u (%s)\n", __FILE__, __LINE__,  \
                    #expr, (unsigned)got_, (unsigned)(want), detail_);                  \
        }                                                                               \
    } while (0)

/* Instants (seconds since the epoch, UTC). */
static const int64_t MAY1 = 1777600800;  /* 2026-05-01T02:00:00Z */
static const int64_t MAY2 = 1777687200;  /* 2026-05-02T02:00:00Z */
static const int64_t JUN10 = 1781056800; /* 2026-06-10T02:00:00Z */

static const char BAD_UTF8[] = "{\"role\":\"chsi\xff\"}";
static const char NOT_JSON[] = "{not json";
static const char *POLICY = "\"jiangsu\"";

/* A sentinel that an output must still hold after a failed call. */
static char sentinel_byte;
#define SENTINEL ((char *)&sentinel_byte)

static char *sample(const char *kind) {
    char *json = NULL;
    if (gradreg_sample_record(kind, strlen(kind), &json) != GRADREG_OK) {
        fprintf(stderr, "sample %s failed\n", kind);
        exit(2);
    }
    return json;
}

/* Records and actors shared by the tests. */
static char *basic_json;
static char *chsi_json;
static char *dest_json;
static char graduate_actor[128];
static const char *SCHOOL = "{\"role\":\"school_office\",\"id\":\"jyc01\"}";
static const char *PLATFORM = "{\"role\":\"provincial_platform\",\"id\":\"js24365\"}";
static const char *CHSI = "{\"role\":\"chsi\"}";

static char *cmd_with(const char *name, const char *field, const char *json) {
    size_t n = strlen(name) + strlen(field) + strlen(json) + 64;
    char *s = malloc(n);
    if (s == NULL) {
        exit(2);
    }
    snprintf(s, n, "{\"command\":\"%s\",\"%s\":%s}", name, field, json);
    return s;
}

/* Copies the JSON string value after `"key":"` into out (at most out_len - 1 bytes). */
static int json_string_field(const char *json, const char *key, char *out, size_t out_len) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) {
        return 0;
    }
    p += strlen(pattern);
    size_t i = 0;
    while (p[i] != '"' && p[i] != 0 && i + 1 < out_len) {
        out[i] = p[i];
        i++;
    }
    out[i] = 0;
    return 1;
}

/* Applies a command purely; on success replaces *reg with the new registration. */
static uint32_t step(char **reg, const char *actor, const char *cmd, int64_t now, char **outcome) {
    char *out = NULL;
    uint32_t rc = gradreg_registration_apply(*reg, strlen(*reg), actor, strlen(actor), cmd,
                                             strlen(cmd), POLICY, strlen(POLICY), now, &out);
    if (rc != GRADREG_OK) {
        return rc;
    }
    /* The new registration is the outcome's "registration" member. */
    const char *start = strstr(out, "{\"registration\":");
    if (start == NULL) {
        gradreg_string_free(out);
        return 9999;
    }
    /* The outcome is {"registration":{...},"events":[...],"audit":{...}}: cut out the object. */
    const char *p = start + strlen("{\"registration\":");
    int depth = 0;
    int in_string = 0;
    const char *q = p;
    for (; *q; q++) {
        if (in_string) {
            if (*q == '\\') {
                q++;
            } else if (*q == '"') {
                in_string = 0;
            }
            continue;
        }
        if (*q == '"') {
            in_string = 1;
        } else if (*q == '{') {
            depth++;
        } else if (*q == '}') {
            depth--;
            if (depth == 0) {
                break;
            }
        }
    }
    size_t len = (size_t)(q - p) + 1;
    char *next = malloc(len + 1);
    if (next == NULL) {
        exit(2);
    }
    memcpy(next, p, len);
    next[len] = 0;
    free(*reg);
    *reg = next;
    if (outcome != NULL) {
        *outcome = out;
    } else {
        gradreg_string_free(out);
    }
    return GRADREG_OK;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d == NULL) {
        exit(2);
    }
    memcpy(d, s, n);
    return d;
}

/* ---- result codes and the last error ---- */

static void test_result_codes(void) {
    const uint32_t known[] = {
        GRADREG_OK, GRADREG_ERR_INVALID_RECORD, GRADREG_ERR_MALFORMED_JSON,
        GRADREG_ERR_INVALID_ARGUMENT, GRADREG_ERR_INVALID_POLICY, GRADREG_ERR_INVALID_CODE_TABLE,
        GRADREG_ERR_NULL_ARGUMENT, GRADREG_ERR_INVALID_UTF8, GRADREG_ERR_BUFFER_TOO_SMALL,
        GRADREG_ERR_WRONG_HANDLE, GRADREG_ERR_INVALID_HANDLE, GRADREG_ERR_FORBIDDEN,
        GRADREG_ERR_LOGIN_REFUSED, GRADREG_ERR_VALIDITY_OUT_OF_BOUNDS, GRADREG_ERR_NUMBER_TYPO,
        GRADREG_ERR_NOT_FOUND, GRADREG_ERR_CORRUPT, GRADREG_ERR_PANIC, GRADREG_ERR_INTERNAL,
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *s = gradreg_result_str(known[i]);
        CHECK(s != NULL && strncmp(s, "unknown", 7) != 0);
    }
    CHECK(strncmp(gradreg_result_str(12345), "unknown", 7) == 0);
    CHECK(strncmp(gradreg_result_str(GRADREG_OK), "ok", 2) == 0);
    CHECK(gradreg_version() != NULL && strlen(gradreg_version()) > 0);
}

static void test_last_error(void) {
    char *out = SENTINEL;
    size_t needed = 0;
    char buf[512];

    /* After a success the detail is empty and the code is 0. */
    char *json = NULL;
    CHECK_CODE(gradreg_sample_record("basic_info", 10, &json), GRADREG_OK);
    gradreg_string_free(json);
    CHECK_CODE(gradreg_last_error(buf, sizeof buf, &needed), GRADREG_OK);
    CHECK(needed == 1 && buf[0] == 0);
    CHECK(gradreg_last_error_code() == GRADREG_OK);

    /* A failure leaves a detail starting with the code. */
    CHECK_CODE(gradreg_basic_info_validate(NOT_JSON, strlen(NOT_JSON), &out, NULL),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(out == SENTINEL);
    CHECK(gradreg_last_error_code() == GRADREG_ERR_MALFORMED_JSON);
    /* Ask for the size only. */
    CHECK_CODE(gradreg_last_error(NULL, 0, &needed), GRADREG_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 10 && needed < sizeof buf);
    /* A buffer one byte short: nothing is written. */
    memset(buf, 'x', sizeof buf);
    CHECK_CODE(gradreg_last_error(buf, needed - 1, NULL), GRADREG_ERR_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 'x');
    /* NULL buffer with a length. */
    CHECK_CODE(gradreg_last_error(NULL, 4096, NULL), GRADREG_ERR_NULL_ARGUMENT);
    /* Exactly enough. */
    CHECK_CODE(gradreg_last_error(buf, needed, NULL), GRADREG_OK);
    CHECK(strlen(buf) == needed - 1);
    CHECK(strncmp(buf, "[102]", 5) == 0);
    CHECK(strstr(buf, "json") != NULL);
    /* Asking does not clear it. */
    CHECK(gradreg_last_error_code() == GRADREG_ERR_MALFORMED_JSON);
}

static void test_free_functions(void) {
    gradreg_string_free(NULL);
    gradreg_bytes_free(NULL, 0);
    gradreg_bytes_free(NULL, 10);
    gradreg_registry_free(NULL);
    /* A forged handle is left alone. */
    gradreg_registry_free((gradreg_registry *)(uintptr_t)0x1230);
    CHECK(1);
}

/* ---- validation and samples ---- */

typedef uint32_t (*validate_fn)(const char *, size_t, char **, size_t *);

static void check_validator(validate_fn f, const char *good) {
    char *out = SENTINEL;
    size_t count = 99;
    CHECK_CODE(f(good, strlen(good), &out, &count), GRADREG_OK);
    CHECK(count == 0 && out != SENTINEL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    /* count_out is optional */
    out = NULL;
    CHECK_CODE(f(good, strlen(good), &out, NULL), GRADREG_OK);
    gradreg_string_free(out);

    out = SENTINEL;
    count = 99;
    CHECK_CODE(f(NULL, 3, &out, &count), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL && count == 99);
    CHECK_CODE(f(good, strlen(good), NULL, &count), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(count == 99);
    CHECK_CODE(f(BAD_UTF8, strlen(BAD_UTF8), &out, &count), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(f(NOT_JSON, strlen(NOT_JSON), &out, &count), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(f("[]", 2, &out, &count), GRADREG_ERR_MALFORMED_JSON);
    /* A length shorter than the text: only that prefix is read, which is not JSON. */
    CHECK_CODE(f(good, 5, &out, &count), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(f("", 0, &out, &count), GRADREG_ERR_MALFORMED_JSON);
    CHECK(out == SENTINEL && count == 99);
}

static void test_validation(void) {
    check_validator(gradreg_basic_info_validate, basic_json);
    check_validator(gradreg_destination_validate, dest_json);
    check_validator(gradreg_chsi_account_validate, chsi_json);

    /* Spreadsheet damage is named, and every problem is listed. */
    const char *bad = "{\"name\":\"\",\"gender\":\"1\",\"id_number\":\"3.20102E+17\","
                      "\"phone\":\"1.38123E+10\",\"school_code\":\"10327\"}";
    char *out = NULL;
    size_t count = 0;
    CHECK_CODE(gradreg_basic_info_validate(bad, strlen(bad), &out, &count), GRADREG_OK);
    CHECK(count >= 3);
    CHECK(out != NULL && strstr(out, "scientific_notation") != NULL);
    CHECK(out != NULL && strstr(out, "\"field\":\"name\"") != NULL);
    gradreg_string_free(out);

    /* Unknown fields are refused. */
    const char *unknown = "{\"nmae\":\"x\"}";
    CHECK_CODE(gradreg_basic_info_validate(unknown, strlen(unknown), &out, &count),
               GRADREG_ERR_MALFORMED_JSON);

    /* Samples. */
    char *json = SENTINEL;
    CHECK_CODE(gradreg_sample_record("nobody", 6, &json), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_sample_record(NULL, 6, &json), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_sample_record("basic_info", 10, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_sample_record("\xff\xfe", 2, &json), GRADREG_ERR_INVALID_UTF8);
    CHECK(json == SENTINEL);
}

/* ---- the pure state machine ---- */

static void test_pure_walk(void) {
    char *reg = NULL;
    CHECK_CODE(gradreg_registration_new("10327:2022010123", 16, &reg), GRADREG_OK);
    CHECK(reg != NULL && strstr(reg, "\"version\":0") != NULL);
    char *r = dup_str(reg);
    gradreg_string_free(reg);
    reg = r;

    const char *stage = NULL;
    CHECK_CODE(gradreg_registration_stage(reg, strlen(reg), MAY1, &stage), GRADREG_OK);
    CHECK(stage != NULL && strcmp(stage, "not_uploaded") == 0);

    /* Login before anything is uploaded: refused with every reason. */
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"login\"}", MAY1, NULL),
               GRADREG_ERR_LOGIN_REFUSED);
    char detail[1024];
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strstr(detail, "[202]") != NULL);

    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    /* The graduate may not upload basic information. */
    CHECK_CODE(step(&reg, graduate_actor, upload, MAY1, NULL), GRADREG_ERR_FORBIDDEN);
    CHECK_CODE(step(&reg, SCHOOL, upload, MAY1, NULL), GRADREG_OK);
    free(upload);

    char *account = cmd_with("update_chsi_account", "account", chsi_json);
    CHECK_CODE(step(&reg, CHSI, account, MAY1, NULL), GRADREG_OK);
    free(account);
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"login\"}", MAY1, NULL), GRADREG_OK);
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"confirm_basic_info\"}", MAY1, NULL),
               GRADREG_OK);
    char *report = cmd_with("report_destination", "data", dest_json);
    CHECK_CODE(step(&reg, PLATFORM, report, MAY1, NULL), GRADREG_OK);
    free(report);
    CHECK_CODE(gradreg_registration_stage(reg, strlen(reg), MAY1, &stage), GRADREG_OK);
    CHECK(strcmp(stage, "awaiting_confirmation") == 0);

    /* Authorizing before confirming is refused. */
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"authorize\"}", MAY1, NULL),
               GRADREG_ERR_DESTINATION_NOT_CONFIRMED);
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"confirm_destination\"}", MAY1, NULL),
               GRADREG_OK);
    /* Validity outside the bounds. */
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"authorize\",\"validity_days\":999}",
                    MAY1, NULL),
               GRADREG_ERR_VALIDITY_OUT_OF_BOUNDS);
    char *outcome = NULL;
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"authorize\",\"validity_days\":30}",
                    MAY2, &outcome),
               GRADREG_OK);
    CHECK(outcome != NULL && strstr(outcome, "authorization_issued") != NULL);
    char number[32] = {0};
    CHECK(outcome != NULL && json_string_field(outcome, "number", number, sizeof number));
    gradreg_string_free(outcome);
    CHECK_CODE(gradreg_registration_stage(reg, strlen(reg), MAY2, &stage), GRADREG_OK);
    CHECK(strcmp(stage, "authorized") == 0);

    /* Revoking a number with a typo, then the real one. */
    char cmd[160];
    char typo[32];
    memcpy(typo, number, sizeof typo);
    typo[0] = typo[0] == 'A' ? 'B' : 'A';
    snprintf(cmd, sizeof cmd, "{\"command\":\"revoke_authorization\",\"number\":\"%s\"}", typo);
    /* The number is checked while the command is read: a typo makes the command malformed, and
     * the detail says it is a typo. */
    CHECK_CODE(step(&reg, graduate_actor, cmd, MAY2, NULL), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strstr(detail, "typo") != NULL);
    snprintf(cmd, sizeof cmd, "{\"command\":\"revoke_authorization\",\"number\":\"%s\"}",
             number);
    CHECK_CODE(step(&reg, graduate_actor, cmd, MAY2, NULL), GRADREG_OK);
    CHECK_CODE(gradreg_registration_stage(reg, strlen(reg), MAY2, &stage), GRADREG_OK);
    CHECK(strcmp(stage, "confirmed") == 0);

    /* Reminders over a set of registrations. */
    size_t n = strlen(reg) + 3;
    char *regs = malloc(n);
    if (regs == NULL) {
        exit(2);
    }
    snprintf(regs, n, "[%s]", reg);
    char *rem = SENTINEL;
    CHECK_CODE(gradreg_reminders_compute(regs, strlen(regs), POLICY, strlen(POLICY), NULL, 0,
                                         JUN10, &rem),
               GRADREG_OK);
    CHECK(rem != SENTINEL && rem[0] == '[');
    gradreg_string_free(rem);
    const char *opts = "{\"deadline_within_days\":30,\"unconfirmed_after_days\":1,"
                       "\"expiring_within_days\":3}";
    rem = NULL;
    CHECK_CODE(gradreg_reminders_compute("[]", 2, POLICY, strlen(POLICY), opts, strlen(opts),
                                         JUN10, &rem),
               GRADREG_OK);
    CHECK(rem != NULL && strcmp(rem, "[]") == 0);
    gradreg_string_free(rem);
    rem = SENTINEL;
    CHECK_CODE(gradreg_reminders_compute(regs, strlen(regs), POLICY, strlen(POLICY), NOT_JSON,
                                         strlen(NOT_JSON), JUN10, &rem),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_reminders_compute(NULL, 0, POLICY, strlen(POLICY), NULL, 0, JUN10, &rem),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_reminders_compute(regs, strlen(regs), NULL, 0, NULL, 0, JUN10, &rem),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_reminders_compute(regs, strlen(regs), POLICY, strlen(POLICY), NULL, 0,
                                         JUN10, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_reminders_compute(BAD_UTF8, strlen(BAD_UTF8), POLICY, strlen(POLICY),
                                         NULL, 0, JUN10, &rem),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_reminders_compute(regs, strlen(regs), "\"mars\"", 6, NULL, 0, JUN10, &rem),
               GRADREG_ERR_INVALID_POLICY);
    CHECK(rem == SENTINEL);
    free(regs);
    free(reg);
}

static void test_pure_arguments(void) {
    char *reg = NULL;
    CHECK_CODE(gradreg_registration_new("k", 1, &reg), GRADREG_OK);
    const char *login = "{\"command\":\"login\"}";
    size_t rl = strlen(reg), al = strlen(graduate_actor), cl = strlen(login), pl = strlen(POLICY);
    char *out = SENTINEL;
    const char *stage = (const char *)SENTINEL;

    CHECK_CODE(gradreg_registration_new(NULL, 1, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_new("k", 1, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_new("\xc3", 1, &out), GRADREG_ERR_INVALID_UTF8);

    /* NULL for each pointer. */
    CHECK_CODE(gradreg_registration_apply(NULL, rl, graduate_actor, al, login, cl, POLICY, pl,
                                          MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_apply(reg, rl, NULL, al, login, cl, POLICY, pl, MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, NULL, cl, POLICY, pl,
                                          MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, NULL, pl, MAY1,
                                          &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, POLICY, pl,
                                          MAY1, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    /* Invalid UTF-8 in each text. */
    CHECK_CODE(gradreg_registration_apply(BAD_UTF8, strlen(BAD_UTF8), graduate_actor, al, login,
                                          cl, POLICY, pl, MAY1, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registration_apply(reg, rl, BAD_UTF8, strlen(BAD_UTF8), login, cl, POLICY,
                                          pl, MAY1, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, BAD_UTF8,
                                          strlen(BAD_UTF8), POLICY, pl, MAY1, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, BAD_UTF8,
                                          strlen(BAD_UTF8), MAY1, &out),
               GRADREG_ERR_INVALID_UTF8);
    /* Malformed JSON in each text. */
    CHECK_CODE(gradreg_registration_apply(NOT_JSON, strlen(NOT_JSON), graduate_actor, al, login,
                                          cl, POLICY, pl, MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_apply(reg, rl, NOT_JSON, strlen(NOT_JSON), login, cl, POLICY,
                                          pl, MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, NOT_JSON,
                                          strlen(NOT_JSON), POLICY, pl, MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, NOT_JSON,
                                          strlen(NOT_JSON), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    /* Unknown role, unknown command, unknown preset, a 30 February deadline. */
    const char *alien = "{\"role\":\"alien\"}";
    CHECK_CODE(gradreg_registration_apply(reg, rl, alien, strlen(alien), login, cl, POLICY, pl,
                                          MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    const char *fly = "{\"command\":\"fly\"}";
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, fly, strlen(fly), POLICY,
                                          pl, MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, "\"mars\"", 6,
                                          MAY1, &out),
               GRADREG_ERR_INVALID_POLICY);
    const char *feb30 = "{\"name\":\"x\",\"registration_deadline\":{\"month\":2,\"day\":30},"
                        "\"change_deadline\":{\"month\":8,\"day\":15}}";
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, feb30,
                                          strlen(feb30), MAY1, &out),
               GRADREG_ERR_INVALID_POLICY);
    /* An instant no calendar holds. */
    CHECK_CODE(gradreg_registration_apply(reg, rl, graduate_actor, al, login, cl, POLICY, pl,
                                          INT64_MAX, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);

    CHECK_CODE(gradreg_registration_stage(NULL, rl, MAY1, &stage), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_stage(reg, rl, MAY1, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_stage(BAD_UTF8, strlen(BAD_UTF8), MAY1, &stage),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registration_stage(NOT_JSON, strlen(NOT_JSON), MAY1, &stage),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_stage(reg, rl, INT64_MIN, &stage),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(stage == (const char *)SENTINEL);
    gradreg_string_free(reg);
}

/* ---- the registry ---- */

static uint32_t reg_apply(gradreg_registry *r, const char *id, const char *actor,
                          const char *cmd, int64_t now) {
    char *out = NULL;
    uint32_t rc = gradreg_registry_apply(r, id, strlen(id), actor, strlen(actor), cmd,
                                         strlen(cmd), now, &out);
    gradreg_string_free(out);
    return rc;
}

/* Walks graduate `id` (with the sample records) up to a confirmed destination. */
static void walk_to_confirmed(gradreg_registry *r, const char *id) {
    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    char *account = cmd_with("update_chsi_account", "account", chsi_json);
    char *report = cmd_with("report_destination", "data", dest_json);
    CHECK_CODE(reg_apply(r, id, SCHOOL, upload, MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(r, id, CHSI, account, MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(r, id, graduate_actor, "{\"command\":\"login\"}", MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(r, id, graduate_actor, "{\"command\":\"confirm_basic_info\"}", MAY1),
               GRADREG_OK);
    CHECK_CODE(reg_apply(r, id, PLATFORM, report, MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(r, id, graduate_actor, "{\"command\":\"confirm_destination\"}", MAY1),
               GRADREG_OK);
    free(upload);
    free(account);
    free(report);
}

static void test_registry_handles(void) {
    gradreg_registry *r = (gradreg_registry *)SENTINEL;
    size_t pl = strlen(POLICY);
    CHECK_CODE(gradreg_registry_new_in_memory(NULL, pl, &r), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, pl, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new_in_memory(BAD_UTF8, strlen(BAD_UTF8), &r),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_new_in_memory(NOT_JSON, strlen(NOT_JSON), &r),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_new_in_memory("\"mars\"", 6, &r), GRADREG_ERR_INVALID_POLICY);
    CHECK_CODE(gradreg_registry_new(NULL, 3, POLICY, pl, &r), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new("x.db", 4, NULL, pl, &r), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new("x.db", 4, POLICY, pl, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new("x\xff.db", 5, POLICY, pl, &r), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_new("x\0.db", 5, POLICY, pl, &r), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(r == (gradreg_registry *)SENTINEL);

    /* A file that is not a database. */
    char dir[] = "/tmp/gradreg-test-XXXXXX";
    char *made = mkdtemp(dir);
    CHECK(made != NULL);
    if (made == NULL) {
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/not-a-db", dir);
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        for (int i = 0; i < 64; i++) {
            fputs("this is not an SQLite database at all. ", f);
        }
        fclose(f);
    }
    uint32_t rc = gradreg_registry_new(path, strlen(path), POLICY, pl, &r);
    CHECK(rc == GRADREG_ERR_CORRUPT || rc == GRADREG_ERR_STORAGE);
    CHECK(r == (gradreg_registry *)SENTINEL);
    unlink(path);

    /* A real SQLite registry, reopened: the data survives. */
    snprintf(path, sizeof path, "%s/registry.db", dir);
    gradreg_registry *db = NULL;
    CHECK_CODE(gradreg_registry_new(path, strlen(path), POLICY, pl, &db), GRADREG_OK);
    walk_to_confirmed(db, "10327:2022010123");
    gradreg_registry_free(db);
    db = NULL;
    CHECK_CODE(gradreg_registry_new(path, strlen(path), POLICY, pl, &db), GRADREG_OK);
    char *json = NULL;
    CHECK_CODE(gradreg_registry_get(db, "10327:2022010123", 16, &json), GRADREG_OK);
    CHECK(json != NULL && strstr(json, "\"destination_status\":\"confirmed\"") != NULL);
    gradreg_string_free(json);
    gradreg_registry_free(db);
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);

    /* Freed, forged and double-freed handles. */
    gradreg_registry *mem = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, pl, &mem), GRADREG_OK);
    CHECK(mem != NULL);
    gradreg_registry_free(mem);
    char *out = SENTINEL;
    CHECK_CODE(gradreg_registry_statistics(mem, MAY1, &out), GRADREG_ERR_INVALID_HANDLE);
    gradreg_registry_free(mem); /* a second free is a no-op */
    CHECK_CODE(gradreg_registry_statistics((gradreg_registry *)(uintptr_t)0x4440, MAY1, &out),
               GRADREG_ERR_INVALID_HANDLE);
    /* A pointer to ordinary memory is not a handle either (and is never dereferenced). */
    CHECK_CODE(gradreg_registry_statistics((gradreg_registry *)dir, MAY1, &out),
               GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_registry_statistics(NULL, MAY1, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);
}

static void test_registry_operations(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, strlen(POLICY), &r), GRADREG_OK);
    const char *id = "10327:2022010123";
    size_t il = strlen(id);
    walk_to_confirmed(r, id);

    char *out = SENTINEL;
    const char *auth = "{\"command\":\"authorize\"}";
    size_t al = strlen(graduate_actor), cl = strlen(auth);
    /* NULL for each pointer of apply. */
    CHECK_CODE(gradreg_registry_apply(NULL, id, il, graduate_actor, al, auth, cl, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, NULL, il, graduate_actor, al, auth, cl, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, id, il, NULL, al, auth, cl, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, NULL, cl, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, auth, cl, MAY2, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, "\xff", 1, graduate_actor, al, auth, cl, MAY2, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_apply(r, id, il, BAD_UTF8, strlen(BAD_UTF8), auth, cl, MAY2,
                                      &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, BAD_UTF8, strlen(BAD_UTF8),
                                      MAY2, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_apply(r, id, il, NOT_JSON, strlen(NOT_JSON), auth, cl, MAY2,
                                      &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, NOT_JSON, strlen(NOT_JSON),
                                      MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, auth, cl, INT64_MAX, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    /* A refusal by the state machine: the platform may not authorize. */
    CHECK_CODE(reg_apply(r, id, PLATFORM, auth, MAY2), GRADREG_ERR_FORBIDDEN);
    out = NULL;
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, auth, cl, MAY2, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"authorization_issued\"") != NULL);
    gradreg_string_free(out);

    /* Instants outside 0000–9999 are refused; at the edge nothing panics. */
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, auth, cl, 253402300800LL,
                                      &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, id, il, graduate_actor, al, auth, cl, -62167219201LL,
                                      &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    const int64_t edges[] = {253402300799LL, -62167219200LL, 0};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        char *o = NULL;
        uint32_t rc = gradreg_registration_apply(
            "{\"id\":\"e\",\"version\":0,\"data_version\":0}", 39, SCHOOL, strlen(SCHOOL),
            "{\"command\":\"login\"}", 19, POLICY, strlen(POLICY), edges[i], &o);
        CHECK(rc != GRADREG_ERR_PANIC && rc != GRADREG_OK);
        gradreg_string_free(o);
        o = NULL;
        CHECK(gradreg_registry_statistics(r, edges[i], &o) == GRADREG_OK);
        gradreg_string_free(o);
        o = NULL;
        CHECK(gradreg_registry_reminders(r, NULL, 0, edges[i], &o) == GRADREG_OK);
        gradreg_string_free(o);
    }

    /* get */
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_get(r, "nobody", 6, &out), GRADREG_ERR_NOT_FOUND);
    CHECK_CODE(gradreg_registry_get(NULL, id, il, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_get(r, NULL, il, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_get(r, id, il, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_get(r, "\xff", 1, &out), GRADREG_ERR_INVALID_UTF8);
    CHECK(out == SENTINEL);
    CHECK_CODE(gradreg_registry_get(r, id, il, &out), GRADREG_OK);
    CHECK(strstr(out, "\"authorizations\":[{") != NULL);
    gradreg_string_free(out);

    /* query */
    const char *q = "{\"stages\":[\"authorized\"],\"college\":\"会计学院\"}";
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, q, strlen(q), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, id) != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, NULL, 0, MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && out[0] == '[');
    gradreg_string_free(out);
    const char *q2 = "{\"stages\":[\"disputed\"]}";
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, q2, strlen(q2), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    out = SENTINEL;
    const char *badq = "{\"stages\":[\"flying\"]}";
    CHECK_CODE(gradreg_registry_query(r, badq, strlen(badq), MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_query(r, BAD_UTF8, strlen(BAD_UTF8), MAY2, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_query(NULL, NULL, 0, MAY2, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_query(r, NULL, 0, MAY2, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* statistics */
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics(r, MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"total\":1") != NULL);
    gradreg_string_free(out);
    CHECK_CODE(gradreg_registry_statistics(r, MAY2, NULL), GRADREG_ERR_NULL_ARGUMENT);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_statistics(r, INT64_MIN, &out), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);

    /* reminders */
    out = NULL;
    CHECK_CODE(gradreg_registry_reminders(r, NULL, 0, JUN10, &out), GRADREG_OK);
    CHECK(out != NULL && out[0] == '[');
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_reminders(r, NOT_JSON, strlen(NOT_JSON), JUN10, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_reminders(r, BAD_UTF8, strlen(BAD_UTF8), JUN10, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_reminders(NULL, NULL, 0, JUN10, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_reminders(r, NULL, 0, JUN10, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* export */
    uint8_t *csv = (uint8_t *)SENTINEL;
    size_t csv_len = 7;
    CHECK_CODE(gradreg_registry_export_csv(r, NULL, 0, MAY2, &csv, &csv_len), GRADREG_OK);
    CHECK(csv_len > 3 && csv[0] == 0xEF && csv[1] == 0xBB && csv[2] == 0xBF);
    CHECK(csv_len > 3 && memchr(csv, '*', csv_len) != NULL); /* the ID number is masked */
    gradreg_bytes_free(csv, csv_len);
    csv = (uint8_t *)SENTINEL;
    csv_len = 7;
    CHECK_CODE(gradreg_registry_export_csv(r, NULL, 0, MAY2, NULL, &csv_len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_csv(r, NULL, 0, MAY2, &csv, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_csv(NULL, NULL, 0, MAY2, &csv, &csv_len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_csv(r, NOT_JSON, strlen(NOT_JSON), MAY2, &csv, &csv_len),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(csv == (uint8_t *)SENTINEL && csv_len == 7);

    /* audit */
    out = NULL;
    CHECK_CODE(gradreg_registry_check_audit(r, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"first_fault\":null") != NULL);
    gradreg_string_free(out);
    CHECK_CODE(gradreg_registry_check_audit(r, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_check_audit(NULL, &out), GRADREG_ERR_NULL_ARGUMENT);

    /* events */
    out = NULL;
    CHECK_CODE(gradreg_registry_events_after(r, 0, 100, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"seq\":1") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_events_after(r, 0, 0, &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    CHECK_CODE(gradreg_registry_events_after(r, 0, 1, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_events_after(NULL, 0, 1, &out), GRADREG_ERR_NULL_ARGUMENT);

    gradreg_registry_free(r);
}

static void test_registry_batches(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory("\"national\"", 10, &r), GRADREG_OK);

    /* upload_batch: one good record, one invalid, one key twice. */
    size_t n = 3 * strlen(basic_json) + 256;
    char *records = malloc(n);
    if (records == NULL) {
        exit(2);
    }
    snprintf(records, n,
             "[{\"id\":\"a\",\"info\":%s},{\"id\":\"b\",\"info\":{\"name\":\"李\","
             "\"id_number\":\"3.20102E+17\"}},{\"id\":\"a\",\"info\":%s}]",
             basic_json, basic_json);
    char *out = NULL;
    size_t sl = strlen(SCHOOL), rl = strlen(records);
    /* all or nothing: nothing is committed */
    CHECK_CODE(gradreg_registry_upload_batch(r, records, rl, SCHOOL, sl, MAY1, 1, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"refused\"") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_get(r, "a", 1, &out), GRADREG_ERR_NOT_FOUND);
    out = NULL;
    CHECK_CODE(gradreg_registry_upload_batch(r, records, rl, SCHOOL, sl, MAY1, 0, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "{\"id\":\"a\",\"result\":\"created\"}") != NULL);
    CHECK(out != NULL && strstr(out, "\"problems\":[") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r, "a", 1, &out), GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_upload_batch(NULL, records, rl, SCHOOL, sl, MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, NULL, rl, SCHOOL, sl, MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, records, rl, NULL, sl, MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, records, rl, SCHOOL, sl, MAY1, 0, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, NOT_JSON, strlen(NOT_JSON), SCHOOL, sl, MAY1, 0,
                                             &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_upload_batch(r, records, rl, BAD_UTF8, strlen(BAD_UTF8), MAY1, 0,
                                             &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK(out == SENTINEL);
    free(records);

    /* apply_batch: a login, and a refused authorization. */
    char batch[512];
    snprintf(batch, sizeof batch,
             "[{\"id\":\"a\",\"actor\":%s,\"command\":{\"command\":\"confirm_basic_info\"}},"
             "{\"id\":\"a\",\"actor\":%s,\"command\":{\"command\":\"authorize\"}}]",
             graduate_actor, graduate_actor);
    out = NULL;
    CHECK_CODE(gradreg_registry_apply_batch(r, batch, strlen(batch), MAY1, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "{\"error\":{\"code\":") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply_batch(NULL, batch, strlen(batch), MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply_batch(r, NULL, 3, MAY1, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply_batch(r, batch, strlen(batch), MAY1, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply_batch(r, NOT_JSON, strlen(NOT_JSON), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_apply_batch(r, BAD_UTF8, strlen(BAD_UTF8), MAY1, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK(out == SENTINEL);
    gradreg_registry_free(r);
}


/* ---- key rings, tokens, verification, forms, rosters ---- */

static const char *ARCHIVE_DEPT =
    "{\"role\":\"archive_dept\",\"id\":\"nj-rc\",\"name\":\"南京市人才服务中心\"}";
static const char *HUKOU_DEPT =
    "{\"role\":\"hukou_dept\",\"id\":\"nj-gl\",\"name\":\"鼓楼分局宁海路派出所\"}";

static const uint8_t SECRET[32] = {
    0x3a, 0x91, 0x5c, 0x07, 0xee, 0x42, 0x18, 0xd3, 0x66, 0x2b, 0xf0, 0x84, 0x19, 0xa7, 0x5e, 0xc2,
    0x70, 0x0d, 0x9b, 0x33, 0xe8, 0x46, 0x21, 0xbf, 0x58, 0x8c, 0x14, 0xfa, 0x63, 0xd9, 0x02, 0x7e,
};
static const uint8_t SEED[32] = {
    0x11, 0x8f, 0x2e, 0x73, 0xc4, 0x5a, 0x09, 0xb6, 0xd1, 0x47, 0x3c, 0xe0, 0x95, 0x28, 0x7b, 0xf4,
    0x06, 0x6d, 0xa2, 0x59, 0xce, 0x31, 0x84, 0x1f, 0xba, 0x67, 0x0e, 0xd8, 0x43, 0x9a, 0x25, 0xfc,
};

static void test_keyring(void) {
    gradreg_keyring *ring = (gradreg_keyring *)SENTINEL;
    CHECK_CODE(gradreg_keyring_new(0, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(ring == (gradreg_keyring *)SENTINEL);
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);

    /* A production ring refuses a short key; a test ring takes it. */
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, SECRET, 8, 1), GRADREG_ERR_KEY_REFUSED);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, NULL, 32, 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_hmac(NULL, 1, SECRET, 32, 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, SECRET, 32, 1), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, SECRET, 32, 1), GRADREG_ERR_DUPLICATE_KEY_ID);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, SEED, 31, 0), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, NULL, 32, 0), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, SEED, 32, 0), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_activate(ring, 9), GRADREG_ERR_KEY_NOT_FOUND);
    CHECK_CODE(gradreg_keyring_activate(NULL, 1), GRADREG_ERR_NULL_ARGUMENT);

    uint8_t public_key[32];
    memset(public_key, 0, sizeof public_key);
    CHECK_CODE(gradreg_keyring_public_key(ring, 2, public_key, 31),
               GRADREG_ERR_BUFFER_TOO_SMALL);
    CHECK(public_key[0] == 0);
    CHECK_CODE(gradreg_keyring_public_key(ring, 2, NULL, 32), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_public_key(ring, 1, public_key, 32), GRADREG_ERR_KEY_NOT_FOUND);
    CHECK_CODE(gradreg_keyring_public_key(ring, 2, public_key, 32), GRADREG_OK);

    /* A verifier's ring holds the public key only. */
    gradreg_keyring *verifier = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &verifier), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(verifier, 2, public_key, 32), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(verifier, 3, public_key, 16),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(verifier, 3, NULL, 32),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_activate(verifier, 2), GRADREG_ERR_KEY_REFUSED);

    char *info = SENTINEL;
    CHECK_CODE(gradreg_keyring_info(ring, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_info(NULL, &info), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(info == SENTINEL);
    CHECK_CODE(gradreg_keyring_info(ring, &info), GRADREG_OK);
    CHECK(info != SENTINEL && strstr(info, "\"active\":1") != NULL);
    CHECK(info != SENTINEL && strstr(info, "\"ed25519\"") != NULL);
    gradreg_string_free(info);
    CHECK_CODE(gradreg_keyring_remove(ring, 7), GRADREG_ERR_KEY_NOT_FOUND);
    /* A NULL handle for every key ring function. */
    CHECK_CODE(gradreg_keyring_remove(NULL, 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519(NULL, 5, SEED, 32, 0), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(NULL, 5, public_key, 32),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_public_key(NULL, 2, public_key, 32), GRADREG_ERR_NULL_ARGUMENT);
    /* A forged handle for every key ring function. */
    gradreg_keyring *forged = (gradreg_keyring *)(uintptr_t)0x7770;
    CHECK_CODE(gradreg_keyring_remove(forged, 1), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_activate(forged, 1), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_add_hmac(forged, 5, SECRET, 32, 1), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_public_key(forged, 2, public_key, 32),
               GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_remove(verifier, 2), GRADREG_OK);

    gradreg_keyring *test_ring = NULL;
    CHECK_CODE(gradreg_keyring_new(1, &test_ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(test_ring, 1, (const uint8_t *)"short", 5, 1),
               GRADREG_OK);

    /* Wrong kinds: a key ring is not a registry, a registry is not a key ring. */
    gradreg_registry *registry = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, strlen(POLICY), &registry), GRADREG_OK);
    char *out = SENTINEL;
    CHECK_CODE(gradreg_registry_statistics((gradreg_registry *)ring, MAY1, &out),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_keyring_info((gradreg_keyring *)registry, &out), GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_keyring_add_hmac((gradreg_keyring *)registry, 5, SECRET, 32, 1),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(out == SENTINEL);
    /* Freeing through the wrong free function leaves both alone. */
    gradreg_registry_free((gradreg_registry *)ring);
    gradreg_keyring_free((gradreg_keyring *)registry);
    CHECK_CODE(gradreg_keyring_info(ring, &out), GRADREG_OK);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics(registry, MAY1, &out), GRADREG_OK);
    gradreg_string_free(out);

    gradreg_registry_free(registry);
    gradreg_keyring_free(test_ring);
    gradreg_keyring_free(verifier);
    gradreg_keyring_free(ring);
    gradreg_keyring_free(ring); /* a second free is a no-op */
    gradreg_keyring_free(NULL);
    CHECK_CODE(gradreg_keyring_info(ring, &out), GRADREG_ERR_INVALID_HANDLE);
}

/* A registry with the sample graduate authorized; *reg_json and number receive the
 * registration and the verification number. */
static gradreg_registry *authorized_registry(char **reg_json, char number[32]) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, strlen(POLICY), &r), GRADREG_OK);
    walk_to_confirmed(r, "g1");
    CHECK_CODE(reg_apply(r, "g1", graduate_actor, "{\"command\":\"authorize\"}", MAY2),
               GRADREG_OK);
    *reg_json = NULL;
    CHECK_CODE(gradreg_registry_get(r, "g1", 2, reg_json), GRADREG_OK);
    number[0] = 0;
    CHECK(*reg_json != NULL && json_string_field(*reg_json, "number", number, 32));
    return r;
}

static uint32_t verify_scan(gradreg_keyring *ring, gradreg_registry *r, const char *token,
                            const char *verifier, int64_t now) {
    uint32_t verdict = 99;
    char *json = NULL;
    uint32_t rc = gradreg_token_verify(ring, r, token, strlen(token), verifier, strlen(verifier),
                                       NULL, 0, now, &verdict, &json);
    gradreg_string_free(json);
    return rc == GRADREG_OK ? verdict : 1000 + rc;
}

static uint32_t verify_online(gradreg_registry *r, const char *verifier, const char *name,
                              const char *number, int64_t now) {
    uint32_t verdict = 99;
    char *json = NULL;
    uint32_t rc = gradreg_registry_verify_online(r, verifier, strlen(verifier), name,
                                                 strlen(name), number, strlen(number), now,
                                                 &verdict, &json);
    gradreg_string_free(json);
    return rc == GRADREG_OK ? verdict : 1000 + rc;
}

static void test_tokens_and_verification(void) {
    char *reg = NULL;
    char number[32];
    gradreg_registry *r = authorized_registry(&reg, number);
    size_t rl = strlen(reg), nl = strlen(number);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);

    char *token = SENTINEL;
    /* No active key yet. */
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_NO_ACTIVE_KEY);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, SECRET, 32, 1), GRADREG_OK);
    /* NULL for each pointer, bad text, wrong values. */
    CHECK_CODE(gradreg_token_issue(NULL, reg, rl, number, nl, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, NULL, rl, number, nl, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, NULL, nl, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, NULL, 7, NULL, 0, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "archive", 7, NULL, 0, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "moon", 4, NULL, 0, &token),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "archive", 7, NOT_JSON,
                                   strlen(NOT_JSON), &token),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_issue(ring, NOT_JSON, strlen(NOT_JSON), number, nl, "archive", 7,
                                   NULL, 0, &token),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, "\xff", 1, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, "ABC", 3, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_NUMBER_MALFORMED);
    char typo[32];
    memcpy(typo, number, sizeof typo);
    typo[1] = typo[1] == 'A' ? 'B' : 'A';
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, typo, nl, "archive", 7, NULL, 0, &token),
               GRADREG_ERR_NUMBER_TYPO);
    const char *bad_prefix = "{\"prefix\":\"https://lower.case/\"}";
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "archive", 7, bad_prefix,
                                   strlen(bad_prefix), &token),
               GRADREG_ERR_TOKEN_ISSUE);
    CHECK(token == SENTINEL);
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "archive", 7, NULL, 0, &token),
               GRADREG_OK);
    CHECK(token != SENTINEL && strlen(token) > 20);
    char *hukou_token = NULL;
    const char *prefix = "{\"prefix\":\"HTTPS://VERIFY.EXAMPLE.CN/V/\"}";
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "hukou", 5, prefix, strlen(prefix),
                                   &hukou_token),
               GRADREG_OK);
    CHECK(hukou_token != NULL && strncmp(hukou_token, "HTTPS://VERIFY.EXAMPLE.CN/V/", 28) == 0);

    /* Scanned verification. */
    uint32_t verdict = 99;
    char *json = SENTINEL;
    size_t tl = strlen(token), vl = strlen(ARCHIVE_DEPT);
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, ARCHIVE_DEPT, vl, NULL, 0, MAY2, &verdict,
                                    &json),
               GRADREG_OK);
    CHECK(verdict == GRADREG_VERDICT_VALID);
    CHECK(json != SENTINEL && strstr(json, "\"verdict\":\"valid\"") != NULL);
    CHECK(json != SENTINEL && strstr(json, "\"archive\":{") != NULL);
    CHECK(json != SENTINEL && strstr(json, "13812345678") == NULL); /* never the phone */
    gradreg_string_free(json);
    CHECK(verify_scan(ring, r, token, HUKOU_DEPT, MAY2) == GRADREG_VERDICT_WRONG_SECTION);
    CHECK(verify_scan(ring, r, token, graduate_actor, MAY2) == GRADREG_VERDICT_WRONG_SECTION);
    CHECK(verify_scan(ring, r, hukou_token, HUKOU_DEPT, MAY2) == GRADREG_VERDICT_VALID);
    CHECK(verify_scan(ring, r, token, ARCHIVE_DEPT, MAY2 + 40 * 86400) ==
          GRADREG_VERDICT_EXPIRED);
    CHECK(verify_scan(ring, r, "GR1.NOTATOKEN", ARCHIVE_DEPT, MAY2) != GRADREG_VERDICT_VALID);
    CHECK(verify_scan(ring, r, "hello", ARCHIVE_DEPT, MAY2) == GRADREG_VERDICT_MALFORMED);
    /* A flipped character: the signature (or the encoding) no longer holds. */
    char *tampered = dup_str(token);
    size_t mid = strlen(tampered) / 2;
    tampered[mid] = tampered[mid] == 'A' ? 'B' : 'A';
    uint32_t v = verify_scan(ring, r, tampered, ARCHIVE_DEPT, MAY2);
    CHECK(v == GRADREG_VERDICT_BAD_SIGNATURE || v == GRADREG_VERDICT_MALFORMED);
    free(tampered);
    /* Another issuer's ring does not know the key. */
    gradreg_keyring *other = NULL;
    CHECK_CODE(gradreg_keyring_new(1, &other), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(other, 1, (const uint8_t *)"another secret", 14, 1),
               GRADREG_OK);
    v = verify_scan(other, r, token, ARCHIVE_DEPT, MAY2);
    CHECK(v == GRADREG_VERDICT_BAD_SIGNATURE || v == GRADREG_VERDICT_UNKNOWN_KEY);
    gradreg_keyring_free(other);
    const char *opts = "{\"required_prefix\":\"HTTPS://VERIFY.EXAMPLE.CN/V/\"}";
    verdict = 99;
    json = NULL;
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, ARCHIVE_DEPT, vl, opts, strlen(opts), MAY2,
                                    &verdict, &json),
               GRADREG_OK);
    CHECK(verdict == GRADREG_VERDICT_MALFORMED);
    CHECK(json != NULL && strstr(json, "\"failed_at\":\"prefix\"") != NULL);
    gradreg_string_free(json);
    /* Arguments. */
    json = SENTINEL;
    verdict = 99;
    CHECK_CODE(gradreg_token_verify(NULL, r, token, tl, ARCHIVE_DEPT, vl, NULL, 0, MAY2, &verdict,
                                    &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, NULL, token, tl, ARCHIVE_DEPT, vl, NULL, 0, MAY2,
                                    &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, NULL, tl, ARCHIVE_DEPT, vl, NULL, 0, MAY2, &verdict,
                                    &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, NULL, vl, NULL, 0, MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, ARCHIVE_DEPT, vl, NULL, 0, MAY2, NULL,
                                    &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, ARCHIVE_DEPT, vl, NULL, 0, MAY2, &verdict,
                                    NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, "\xff", 1, ARCHIVE_DEPT, vl, NULL, 0, MAY2, &verdict,
                                    &json),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, NOT_JSON, strlen(NOT_JSON), NULL, 0, MAY2,
                                    &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify(ring, r, token, tl, ARCHIVE_DEPT, vl, NOT_JSON,
                                    strlen(NOT_JSON), MAY2, &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify((gradreg_keyring *)r, r, token, tl, ARCHIVE_DEPT, vl, NULL, 0,
                                    MAY2, &verdict, &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_token_verify(ring, (gradreg_registry *)ring, token, tl, ARCHIVE_DEPT, vl,
                                    NULL, 0, MAY2, &verdict, &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(json == SENTINEL && verdict == 99);

    /* Online verification by name and number. */
    CHECK(verify_online(r, ARCHIVE_DEPT, "张明", number, MAY2) == GRADREG_VERDICT_VALID);
    CHECK(verify_online(r, HUKOU_DEPT, "张 明", number, MAY2) == GRADREG_VERDICT_VALID);
    CHECK(verify_online(r, ARCHIVE_DEPT, "李四", number, MAY2) == GRADREG_VERDICT_NO_MATCH);
    CHECK(verify_online(r, ARCHIVE_DEPT, "张明", typo, MAY2) == GRADREG_VERDICT_TYPO);
    CHECK(verify_online(r, ARCHIVE_DEPT, "张明", "12", MAY2) == GRADREG_VERDICT_MALFORMED);
    CHECK(verify_online(r, SCHOOL, "张明", number, MAY2) == GRADREG_VERDICT_WRONG_SECTION);
    /* Failed attempts count per verifier: past the limit the verifier is refused. */
    const char *guesser = "{\"role\":\"archive_dept\",\"id\":\"guesser\",\"name\":\"x\"}";
    for (int i = 0; i < 10; i++) {
        CHECK(verify_online(r, guesser, "李四", number, MAY2) == GRADREG_VERDICT_NO_MATCH);
    }
    CHECK(verify_online(r, guesser, "张明", number, MAY2) == GRADREG_VERDICT_RATE_LIMITED);
    CHECK(verify_online(r, ARCHIVE_DEPT, "张明", number, MAY2) == GRADREG_VERDICT_VALID);
    json = SENTINEL;
    verdict = 99;
    size_t av = strlen(ARCHIVE_DEPT);
    CHECK_CODE(gradreg_registry_verify_online(NULL, ARCHIVE_DEPT, av, "a", 1, number, nl, MAY2,
                                              &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, NULL, av, "a", 1, number, nl, MAY2, &verdict,
                                              &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, ARCHIVE_DEPT, av, NULL, 1, number, nl, MAY2,
                                              &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, ARCHIVE_DEPT, av, "a", 1, NULL, nl, MAY2,
                                              &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, ARCHIVE_DEPT, av, "a", 1, number, nl, MAY2, NULL,
                                              &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, ARCHIVE_DEPT, av, "a", 1, number, nl, MAY2,
                                              &verdict, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, ARCHIVE_DEPT, av, "\xe5\xbc", 2, number, nl,
                                              MAY2, &verdict, &json),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_verify_online(r, NOT_JSON, strlen(NOT_JSON), "a", 1, number, nl,
                                              MAY2, &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_verify_online((gradreg_registry *)ring, ARCHIVE_DEPT, av, "a", 1,
                                              number, nl, MAY2, &verdict, &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(json == SENTINEL && verdict == 99);

    /* Online by the transfer number (转递编号) printed for the archive. */
    {
        char *data = sample("destination_with_transfer_number");
        char transfer[40] = {0};
        CHECK(json_string_field(data, "transfer_number", transfer, sizeof transfer));
        gradreg_registry *t = NULL;
        CHECK_CODE(gradreg_registry_new_in_memory(POLICY, strlen(POLICY), &t), GRADREG_OK);
        char *upload = cmd_with("upload_basic_info", "info", basic_json);
        char *account = cmd_with("update_chsi_account", "account", chsi_json);
        char *report = cmd_with("report_destination", "data", data);
        CHECK_CODE(reg_apply(t, "g2", SCHOOL, upload, MAY1), GRADREG_OK);
        CHECK_CODE(reg_apply(t, "g2", CHSI, account, MAY1), GRADREG_OK);
        CHECK_CODE(reg_apply(t, "g2", graduate_actor, "{\"command\":\"login\"}", MAY1), GRADREG_OK);
        CHECK_CODE(reg_apply(t, "g2", graduate_actor, "{\"command\":\"confirm_basic_info\"}", MAY1),
                   GRADREG_OK);
        CHECK_CODE(reg_apply(t, "g2", PLATFORM, report, MAY1), GRADREG_OK);
        CHECK_CODE(reg_apply(t, "g2", graduate_actor, "{\"command\":\"confirm_destination\"}",
                             MAY1),
                   GRADREG_OK);
        CHECK_CODE(reg_apply(t, "g2", graduate_actor, "{\"command\":\"authorize\"}", MAY2),
                   GRADREG_OK);
        CHECK(verify_online(t, ARCHIVE_DEPT, "张明", transfer, MAY2) == GRADREG_VERDICT_VALID);
        CHECK(verify_online(t, ARCHIVE_DEPT, "李四", transfer, MAY2) == GRADREG_VERDICT_NO_MATCH);
        free(upload);
        free(account);
        free(report);
        gradreg_string_free(data);
        gradreg_registry_free(t);
    }

    /* After revocation both ways say revoked. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "{\"command\":\"revoke_authorization\",\"number\":\"%s\"}", number);
    CHECK_CODE(reg_apply(r, "g1", graduate_actor, cmd, MAY2 + 60), GRADREG_OK);
    CHECK(verify_scan(ring, r, token, ARCHIVE_DEPT, MAY2 + 120) == GRADREG_VERDICT_REVOKED);
    CHECK(verify_online(r, ARCHIVE_DEPT, "张明", number, MAY2 + 120) == GRADREG_VERDICT_REVOKED);

    gradreg_string_free(token);
    gradreg_string_free(hukou_token);
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
    free(reg);
}

/* One renderer for the tests: finding and reading a system font takes a while under valgrind. */
static gradreg_renderer *shared_renderer;

static void test_renderer(void) {
    gradreg_renderer *renderer = (gradreg_renderer *)SENTINEL;
    CHECK_CODE(gradreg_renderer_new(NULL, 0, NULL), GRADREG_ERR_NULL_ARGUMENT);
    const char *missing = "/nonexistent/font.ttf";
    uint32_t rc = gradreg_renderer_new(missing, strlen(missing), &renderer);
    CHECK(rc == GRADREG_ERR_FONT_INVALID || rc == GRADREG_ERR_FONT_NOT_FOUND);
    CHECK_CODE(gradreg_renderer_new("\xff", 1, &renderer), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_renderer_new_from_font((const uint8_t *)"not a font", 10, &renderer),
               GRADREG_ERR_FONT_INVALID);
    CHECK_CODE(gradreg_renderer_new_from_font(NULL, 10, &renderer), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_new_from_font((const uint8_t *)"x", 1, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(renderer == (gradreg_renderer *)SENTINEL);
    rc = gradreg_renderer_new(NULL, 0, &renderer);
    if (rc == GRADREG_ERR_FONT_NOT_FOUND) {
        fprintf(stderr, "note: no CJK font on this machine: form rendering not tested\n");
        return;
    }
    CHECK_CODE(rc, GRADREG_OK);
    shared_renderer = renderer;

    char *reg = NULL;
    char number[32];
    gradreg_registry *r = authorized_registry(&reg, number);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, SECRET, 32, 1), GRADREG_OK);
    size_t rl = strlen(reg), nl = strlen(number);
    char *token = NULL;
    CHECK_CODE(gradreg_token_issue(ring, reg, rl, number, nl, "archive", 7, NULL, 0, &token),
               GRADREG_OK);
    if (token == NULL) {
        return;
    }
    size_t tl = strlen(token);
    const char *formats[3] = {"svg", "pdf", "png"};
    const char *magic[3] = {"<svg", "%PDF", "\x89PNG"};
    for (int i = 0; i < 3; i++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                           formats[i], 3, 72, MAY2, &bytes, &len),
                   GRADREG_OK);
        CHECK(bytes != NULL && len > 100);
        if (bytes != NULL && len > 4) {
            CHECK(i == 0 ? memmem(bytes, len < 512 ? len : 512, magic[0], 4) != NULL
                         : memcmp(bytes, magic[i], 4) == 0);
        }
        gradreg_bytes_free(bytes, len);
    }
    uint8_t *bytes = (uint8_t *)SENTINEL;
    size_t len = 7;
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       "png", 3, 10, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_RENDER_SIZE);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       "gif", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, "\x01", 1,
                                       "svg", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_QR_PAYLOAD_INVALID);
    /* After the validity the form is refused. */
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       "svg", 3, 0, MAY2 + 40 * 86400, &bytes, &len),
               GRADREG_ERR_AUTHORIZATION_EXPIRED);
    CHECK_CODE(gradreg_renderer_render(NULL, reg, rl, number, nl, "archive", 7, token, tl, "svg",
                                       3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, NULL, rl, number, nl, "archive", 7, token, tl,
                                       "svg", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, NULL, nl, "archive", 7, token, tl,
                                       "svg", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, NULL, 7, token, tl, "svg",
                                       3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, NULL, tl,
                                       "svg", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       NULL, 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       "svg", 3, 0, MAY2, NULL, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       "svg", 3, 0, MAY2, &bytes, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, NOT_JSON, strlen(NOT_JSON), number, nl,
                                       "archive", 7, token, tl, "svg", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_renderer_render(renderer, reg, rl, number, nl, "archive", 7, token, tl,
                                       "sv\xff", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_renderer_render((gradreg_renderer *)ring, reg, rl, number, nl, "archive",
                                       7, token, tl, "svg", 3, 0, MAY2, &bytes, &len),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(bytes == (uint8_t *)SENTINEL && len == 7);

    gradreg_string_free(token);
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
    free(reg);
}

static void test_roster(void) {
    const char *csv =
        "\xef\xbb\xbf" "姓名,性别代码,身份证号,学号,院校代码,院校名称,学院,专业代码,专业名称,"
        "学历代码,毕业日期\r\n"
        "张明,1,320102200403151217,2022010123,10327,南京财经大学,会计学院,120203K,会计学,31,"
        "2026-06-30\r\n"
        "李华,2,3.20102E+17,2022010124,10327,南京财经大学,会计学院,120203K,会计学,31,"
        "2026-06-30\r\n";
    char *out = SENTINEL;
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)csv, strlen(csv), NULL, 0, &out), GRADREG_OK);
    CHECK(out != SENTINEL && strstr(out, "\"row\":2") != NULL);
    CHECK(out != SENTINEL && strstr(out, "scientific_notation") != NULL);
    gradreg_string_free(out);
    const char *opts = "{\"format\":\"csv\",\"encoding\":\"utf8\"}";
    out = NULL;
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)csv, strlen(csv), opts, strlen(opts), &out),
               GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)"", 0, NULL, 0, &out),
               GRADREG_ERR_ROSTER_EMPTY);
    const char *headless = "a,b,c\r\n1,2,3\r\n";
    uint32_t rc = gradreg_roster_parse((const uint8_t *)headless, strlen(headless), NULL, 0, &out);
    CHECK(rc == GRADREG_ERR_ROSTER_NO_HEADER || rc == GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    const char *partial = "姓名,身份证号\r\n张明,320102200403151217\r\n";
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)partial, strlen(partial), NULL, 0, &out),
               GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    CHECK_CODE(gradreg_roster_parse(NULL, 3, NULL, 0, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)csv, strlen(csv), NULL, 0, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)csv, strlen(csv), NOT_JSON, strlen(NOT_JSON),
                                    &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_roster_parse((const uint8_t *)csv, strlen(csv), BAD_UTF8, strlen(BAD_UTF8),
                                    &out),
               GRADREG_ERR_INVALID_UTF8);
    /* A legacy .xls is named as such. */
    const uint8_t xls[16] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_CODE(gradreg_roster_parse(xls, sizeof xls, NULL, 0, &out),
               GRADREG_ERR_ROSTER_UNSUPPORTED_FORMAT);
    CHECK(out == SENTINEL);

    /* Import into a registry: all or nothing refuses the file with a bad row; good rows import
     * the good one; importing again changes nothing. */
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, strlen(POLICY), &r), GRADREG_OK);
    size_t cl = strlen(csv), sl = strlen(SCHOOL);
    out = NULL;
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NULL, 0, SCHOOL, sl,
                                              MAY1, 1, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":0") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NULL, 0, SCHOOL, sl,
                                              MAY1, 0, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":1") != NULL);
    CHECK(out != NULL && strstr(out, "\"rejected\":1") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NULL, 0, SCHOOL, sl,
                                              MAY1, 0, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"unchanged\":1") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r, "10327:2022010123", 16, &out), GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_import_roster(NULL, (const uint8_t *)csv, cl, NULL, 0, SCHOOL, sl,
                                              MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_roster(r, NULL, cl, NULL, 0, SCHOOL, sl, MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NULL, 0, NULL, sl,
                                              MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NULL, 0, SCHOOL, sl,
                                              MAY1, 0, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NOT_JSON,
                                              strlen(NOT_JSON), SCHOOL, sl, MAY1, 0, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)csv, cl, NULL, 0, BAD_UTF8,
                                              strlen(BAD_UTF8), MAY1, 0, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_import_roster(r, (const uint8_t *)"", 0, NULL, 0, SCHOOL, sl, MAY1,
                                              0, &out),
               GRADREG_ERR_ROSTER_EMPTY);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_registry_import_roster((gradreg_registry *)ring, (const uint8_t *)csv, cl,
                                              NULL, 0, SCHOOL, sl, MAY1, 0, &out),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(out == SENTINEL);
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
}

/* ---- threads ---- */

#define THREADS 4
#define PER_THREAD 6

struct worker {
    gradreg_registry *registry;
    int index;
    int failures;
};

static void *work(void *arg) {
    struct worker *w = arg;
    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    for (int i = 0; i < PER_THREAD; i++) {
        /* Everyone works on the same graduate too, so version conflicts happen and are
         * retried inside the library. */
        const char *ids[2] = {"shared", NULL};
        char own[32];
        snprintf(own, sizeof own, "t%d-%d", w->index, i);
        ids[1] = own;
        for (int k = 0; k < 2; k++) {
            char *out = NULL;
            uint32_t rc = gradreg_registry_apply(w->registry, ids[k], strlen(ids[k]), SCHOOL,
                                                 strlen(SCHOOL), upload, strlen(upload), MAY1,
                                                 &out);
            gradreg_string_free(out);
            /* The shared one succeeds (first upload or an identical re-upload); an own key
             * with the same ID number is refused as a duplicate after the first. */
            if (k == 0 && rc != GRADREG_OK) {
                w->failures++;
            }
            if (k == 1 && rc != GRADREG_OK && rc != GRADREG_ERR_DUPLICATE_ID_NUMBER) {
                w->failures++;
            }
        }
        /* Each thread's last error is its own. */
        char *bad = SENTINEL;
        if (gradreg_basic_info_validate(NOT_JSON, strlen(NOT_JSON), &bad, NULL) !=
                GRADREG_ERR_MALFORMED_JSON ||
            gradreg_last_error_code() != GRADREG_ERR_MALFORMED_JSON) {
            w->failures++;
        }
        char *stats = NULL;
        if (gradreg_registry_statistics(w->registry, MAY1, &stats) != GRADREG_OK ||
            gradreg_last_error_code() != GRADREG_OK) {
            w->failures++;
        }
        gradreg_string_free(stats);
    }
    free(upload);
    return NULL;
}

static void test_threads(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(POLICY, strlen(POLICY), &r), GRADREG_OK);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].registry = r;
        workers[i].index = i;
        workers[i].failures = 0;
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].failures == 0);
    }
    char *out = NULL;
    CHECK_CODE(gradreg_registry_get(r, "shared", 6, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"version\":1,") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_check_audit(r, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"first_fault\":null") != NULL);
    gradreg_string_free(out);
    gradreg_registry_free(r);
}


/* Several threads issue, verify and render with one key ring, one registry and one renderer
 * while the main thread adds and removes a key. */
struct codes_worker {
    gradreg_keyring *ring;
    gradreg_registry *registry;
    gradreg_renderer *renderer;
    const char *reg;
    const char *number;
    int failures;
};

static void *codes_work(void *arg) {
    struct codes_worker *w = arg;
    size_t rl = strlen(w->reg), nl = strlen(w->number);
    for (int i = 0; i < 3; i++) {
        char *token = NULL;
        if (gradreg_token_issue(w->ring, w->reg, rl, w->number, nl, "archive", 7, NULL, 0,
                                &token) != GRADREG_OK) {
            w->failures++;
            continue;
        }
        if (verify_scan(w->ring, w->registry, token, ARCHIVE_DEPT, MAY2) !=
            GRADREG_VERDICT_VALID) {
            w->failures++;
        }
        if (verify_online(w->registry, ARCHIVE_DEPT, "张明", w->number, MAY2) !=
            GRADREG_VERDICT_VALID) {
            w->failures++;
        }
        if (w->renderer != NULL) {
            uint8_t *svg = NULL;
            size_t len = 0;
            if (gradreg_renderer_render(w->renderer, w->reg, rl, w->number, nl, "archive", 7,
                                        token, strlen(token), "svg", 3, 0, MAY2, &svg,
                                        &len) != GRADREG_OK) {
                w->failures++;
            }
            gradreg_bytes_free(svg, len);
        }
        gradreg_string_free(token);
    }
    return NULL;
}

static void test_threads_codes(void) {
    char *reg = NULL;
    char number[32];
    gradreg_registry *r = authorized_registry(&reg, number);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, SECRET, 32, 1), GRADREG_OK);
    gradreg_renderer *renderer = shared_renderer;
    pthread_t threads[THREADS];
    struct codes_worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].ring = ring;
        workers[i].registry = r;
        workers[i].renderer = renderer;
        workers[i].reg = reg;
        workers[i].number = number;
        workers[i].failures = 0;
        CHECK(pthread_create(&threads[i], NULL, codes_work, &workers[i]) == 0);
    }
    /* Writers of the ring wait for readers; retired keys keep verifying. */
    for (uint32_t id = 10; id < 14; id++) {
        CHECK_CODE(gradreg_keyring_add_ed25519(ring, id, SEED, 32, 0), GRADREG_OK);
        CHECK_CODE(gradreg_keyring_remove(ring, id), GRADREG_OK);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].failures == 0);
    }
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
    free(reg);
}

int main(void) {
    basic_json = sample("basic_info");
    chsi_json = sample("chsi_account");
    dest_json = sample("destination");
    char id_number[32];
    if (!json_string_field(basic_json, "id_number", id_number, sizeof id_number)) {
        fprintf(stderr, "no id_number in the sample\n");
        return 2;
    }
    snprintf(graduate_actor, sizeof graduate_actor,
             "{\"role\":\"graduate\",\"id_number\":\"%s\"}", id_number);

    test_result_codes();
    test_last_error();
    test_free_functions();
    test_validation();
    test_pure_walk();
    test_pure_arguments();
    test_registry_handles();
    test_registry_operations();
    test_registry_batches();
    test_threads();
    test_keyring();
    test_tokens_and_verification();
    test_renderer();
    test_roster();
    test_threads_codes();
    /* The renderer is freed last; freeing twice and freeing NULL are no-ops. */
    gradreg_renderer_free(shared_renderer);
    gradreg_renderer_free(shared_renderer);
    gradreg_renderer_free(NULL);
    char *after = SENTINEL;
    uint8_t *none = (uint8_t *)SENTINEL;
    size_t none_len = 0;
    if (shared_renderer != NULL) {
        CHECK_CODE(gradreg_renderer_render(shared_renderer, "{}", 2, "x", 1, "archive", 7, "T", 1,
                                           "svg", 3, 0, MAY2, &none, &none_len),
                   GRADREG_ERR_INVALID_HANDLE);
    }
    CHECK(after == SENTINEL && none == (uint8_t *)SENTINEL);

    gradreg_string_free(basic_json);
    gradreg_string_free(chsi_json);
    gradreg_string_free(dest_json);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
