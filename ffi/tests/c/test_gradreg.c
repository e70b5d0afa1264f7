/*
 * Tests of the C library: every code of the header named and described, every entry point with
 * NULL for each pointer (and none or NULL-with-a-length for each text), invalid UTF-8, malformed
 * JSON, forged, freed and wrong-kind handles, too-small buffers, where a registry's file goes,
 * key stores on disk (mode 0600), key sets, signed status lists and offline verification,
 * a class of forms as one PDF or a ZIP of PNG pages (in memory and streamed to a file), and
 * notification consumers and the webhook sender against a local server in a thread, and
 * concurrent use of one registry from several threads. Prints "N passed, N failed" as its
 * last line and exits non-zero when anything failed.
 *
 * Built by scripts/c-tests.sh twice: against libgradreg.a with -fsanitize=address,undefined, and
 * against libgradreg.so under valgrind.
 */
#define _GNU_SOURCE /* memmem, strcasestr */

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Text and bytes arguments: S for a NUL-terminated string, SN for a pointer and a length (NULL
 * with a length is an error), B for binary data and BS for the bytes of a C string. */
#define S(s) gradreg_str_from_c(s)
#define SN(p, n) ((gradreg_str){(p), (n)})
#define B(p, n) ((gradreg_bytes){(p), (n)})
#define BS(s) B((const uint8_t *)(s), strlen(s))

/* A sentinel that an output must still hold after a failed call. */
static char sentinel_byte;
#define SENTINEL ((char *)&sentinel_byte)

static char *sample(const char *kind) {
    char *json = NULL;
    if (gradreg_sample_record(S(kind), &json) != GRADREG_OK) {
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
static const char *SCHOOL = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10327\"}";
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
    uint32_t rc = gradreg_registration_apply(S(*reg), S(actor), S(cmd), S(POLICY), now, &out);
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

/* Every code of the header, written out by name: a code the header lost fails to compile, and a
 * code the library knows that is missing here fails the scan below. */
struct named_code {
    uint32_t code;
    const char *name;
};
#define CODE(name) {GRADREG_ERR_##name, #name}
static const struct named_code ALL_CODES[] = {
    CODE(INVALID_RECORD), CODE(MALFORMED_JSON), CODE(INVALID_ARGUMENT), CODE(INVALID_POLICY),
    CODE(INVALID_CODE_TABLE), CODE(ROSTER_EMPTY), CODE(ROSTER_NO_HEADER),
    CODE(ROSTER_MISSING_COLUMNS), CODE(ROSTER_DUPLICATE_COLUMNS), CODE(ROSTER_ENCODING),
    CODE(ROSTER_XLSX), CODE(ROSTER_NO_SHEET), CODE(ROSTER_IO), CODE(ROSTER_UNSUPPORTED_FORMAT),
    CODE(ROSTER_NO_ROWS), CODE(ROSTER_IMPLAUSIBLE_TEXT), CODE(INPUT_TOO_LARGE),
    CODE(ARCHIVE_LIMIT), CODE(CONTENT_LIMIT), CODE(INVALID_WEBHOOK),
    CODE(DATA_KEY_INVALID), CODE(DATA_KEY_RING_INVALID),
    CODE(NULL_ARGUMENT), CODE(INVALID_UTF8), CODE(BUFFER_TOO_SMALL), CODE(WRONG_HANDLE),
    CODE(INVALID_HANDLE), CODE(FORBIDDEN), CODE(LOGIN_REFUSED), CODE(NOT_LOGGED_IN),
    CODE(BASIC_INFO_MISSING), CODE(BASIC_INFO_ALREADY_UPLOADED), CODE(BASIC_INFO_NOT_CONFIRMED),
    CODE(BASIC_INFO_NOT_UNDER_REVIEW), CODE(DESTINATION_NOT_REPORTED),
    CODE(NOT_AWAITING_CONFIRMATION), CODE(DESTINATION_NOT_CONFIRMED), CODE(CONFIRMATION_OUTDATED),
    CODE(CHANGE_NEEDS_VOID_REQUEST), CODE(VOID_REQUEST_OPEN), CODE(VOID_REQUEST_WRONG_STAGE),
    CODE(CHANGE_DEADLINE_PASSED), CODE(VALIDITY_OUT_OF_BOUNDS), CODE(AUTHORIZATION_NOT_FOUND),
    CODE(AUTHORIZATION_NOT_ACTIVE), CODE(AUTHORIZATION_EXPIRED), CODE(EXTENSION_NOT_LATER),
    CODE(SECTION_NOT_REGISTERED), CODE(REASON_REQUIRED), CODE(NUMBER_MALFORMED), CODE(NUMBER_TYPO),
    CODE(TRANSFER_NUMBER_MALFORMED), CODE(TRANSFER_NUMBER_TYPO), CODE(KEY_REFUSED),
    CODE(DUPLICATE_KEY_ID), CODE(KEY_NOT_FOUND), CODE(NO_ACTIVE_KEY), CODE(TOKEN_ISSUE),
    CODE(KEY_STORE), CODE(KEY_SET_INVALID), CODE(STATUS_LIST_INVALID),
    CODE(FONT_NOT_FOUND), CODE(FONT_INVALID), CODE(MISSING_GLYPH), CODE(FIELD_TOO_LONG),
    CODE(INVALID_RENDER_SIZE), CODE(QR_PAYLOAD_INVALID), CODE(FORM_OVERFLOW), CODE(RENDER_FAILED),
    CODE(STORAGE), CODE(CONFLICT), CODE(NOT_FOUND), CODE(BUSY), CODE(CORRUPT), CODE(DISK_FULL),
    CODE(IO), CODE(DUPLICATE_ID_NUMBER), CODE(DUPLICATE_TRANSFER_NUMBER), CODE(ACK_BEYOND_OUTBOX),
    CODE(TAMPERED), CODE(AUDIT_KEY), CODE(WRITES_REFUSED),
    CODE(DATA_KEY_MISSING), CODE(DATA_KEY_WRONG), CODE(UNDECRYPTABLE), CODE(STORE_UNREACHABLE),
    CODE(STORE_TLS_UNAVAILABLE), CODE(STORE_CERTIFICATE_REJECTED),
    CODE(PANIC), CODE(INTERNAL),
};
#undef CODE
#define VERDICT(name) {GRADREG_VERDICT_##name, #name}
static const struct named_code ALL_VERDICTS[] = {
    VERDICT(VALID), VERDICT(EXPIRED), VERDICT(NOT_YET_VALID), VERDICT(REVOKED),
    VERDICT(SUPERSEDED), VERDICT(NO_MATCH), VERDICT(MALFORMED), VERDICT(BAD_SIGNATURE),
    VERDICT(UNKNOWN_KEY), VERDICT(WRONG_SECTION), VERDICT(TYPO), VERDICT(RATE_LIMITED),
    VERDICT(INDETERMINATE), VERDICT(VALID_OFFLINE), VERDICT(UNCHECKED), VERDICT(HOLDER_MISMATCH),
};
#undef VERDICT
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Whether `text` starts with `name` in lower case followed by ": ". */
static int starts_with_lower(const char *text, const char *name) {
    size_t i = 0;
    for (; name[i] != 0; i++) {
        char c = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
        if (text[i] != c) {
            return 0;
        }
    }
    return text[i] == ':' && text[i + 1] == ' ';
}

static void test_result_codes(void) {
    /* Every code has its name and a description in both languages: "name: 中文 / English". */
    for (size_t i = 0; i < COUNT(ALL_CODES); i++) {
        const char *s = gradreg_result_str(ALL_CODES[i].code);
        CHECK(s != NULL && starts_with_lower(s, ALL_CODES[i].name));
        CHECK(s != NULL && strstr(s, " / ") != NULL);
        CHECK(ALL_CODES[i].code >= 100 && ALL_CODES[i].code <= 999);
        CHECK(i == 0 || ALL_CODES[i - 1].code < ALL_CODES[i].code); /* unique, in order */
    }
    /* Every number the library describes is a code of the header, and no other is described. */
    size_t described = 0, unlisted = 0, null = 0;
    for (uint32_t code = 1; code < 1000; code++) {
        const char *s = gradreg_result_str(code);
        if (s == NULL) {
            null++;
            continue;
        }
        if (strncmp(s, "unknown: ", 9) == 0) {
            continue;
        }
        described++;
        int listed = 0;
        for (size_t i = 0; i < COUNT(ALL_CODES); i++) {
            listed |= ALL_CODES[i].code == code;
        }
        if (!listed) {
            unlisted++;
            fprintf(stderr, "code %u (%s) has no GRADREG_ERR_ constant here\n", code, s);
        }
    }
    CHECK(null == 0 && unlisted == 0);
    CHECK(described == COUNT(ALL_CODES));
    CHECK(strncmp(gradreg_result_str(12345), "unknown: ", 9) == 0);
    CHECK(strncmp(gradreg_result_str(901), "unknown: ", 9) == 0); /* retired, never reused */
    CHECK(strcmp(gradreg_result_str(GRADREG_OK), "ok: 成功 / success") == 0);
    CHECK(strcmp(gradreg_result_str(GRADREG_ERR_MALFORMED_JSON),
                 "malformed_json: JSON 格式错误 / malformed JSON") == 0);
    /* The same static string every time. */
    CHECK(gradreg_result_str(GRADREG_ERR_IO) == gradreg_result_str(GRADREG_ERR_IO));
    /* The enum's type name is a 32-bit code, the type the functions return. */
    gradreg_err e = GRADREG_ERR_PANIC;
    CHECK(sizeof e == sizeof(uint32_t) && e == 990);

    /* The verdicts are 0, 1, 2 … in the header's order. */
    CHECK(COUNT(ALL_VERDICTS) == 16);
    for (size_t i = 0; i < COUNT(ALL_VERDICTS); i++) {
        CHECK(ALL_VERDICTS[i].code == i);
    }
    gradreg_verdict v = GRADREG_VERDICT_INDETERMINATE;
    CHECK(sizeof v == sizeof(uint32_t) && v == 12);
    CHECK(gradreg_version() != NULL && strlen(gradreg_version()) > 0);
}

static void test_last_error(void) {
    char *out = SENTINEL;
    size_t needed = 0;
    char buf[512];

    /* After a success the detail is empty and the code is 0. */
    char *json = NULL;
    CHECK_CODE(gradreg_sample_record(GRADREG_STR("basic_info"), &json), GRADREG_OK);
    gradreg_string_free(json);
    CHECK_CODE(gradreg_last_error(buf, sizeof buf, &needed), GRADREG_OK);
    CHECK(needed == 1 && buf[0] == 0);
    CHECK(gradreg_last_error_code() == GRADREG_OK);

    /* A failure leaves a detail starting with the code. */
    CHECK_CODE(gradreg_basic_info_validate(S(NOT_JSON), &out, NULL), GRADREG_ERR_MALFORMED_JSON);
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

typedef uint32_t (*validate_fn)(gradreg_str, char **, size_t *);

static void check_validator(validate_fn f, const char *good) {
    char *out = SENTINEL;
    size_t count = 99;
    CHECK_CODE(f(S(good), &out, &count), GRADREG_OK);
    CHECK(count == 0 && out != SENTINEL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    /* count_out is optional */
    out = NULL;
    CHECK_CODE(f(S(good), &out, NULL), GRADREG_OK);
    gradreg_string_free(out);

    out = SENTINEL;
    count = 99;
    CHECK_CODE(f(SN(NULL, 3), &out, &count), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(f(GRADREG_STR_NONE, &out, &count), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL && count == 99);
    CHECK_CODE(f(S(good), NULL, &count), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(count == 99);
    CHECK_CODE(f(S(BAD_UTF8), &out, &count), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(f(S(NOT_JSON), &out, &count), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(f(GRADREG_STR("[]"), &out, &count), GRADREG_ERR_MALFORMED_JSON);
    /* A length shorter than the text: only that prefix is read, which is not JSON. */
    CHECK_CODE(f(SN(good, 5), &out, &count), GRADREG_ERR_MALFORMED_JSON);
    /* The empty text (not none) is read, and is not JSON. */
    CHECK_CODE(f(GRADREG_STR(""), &out, &count), GRADREG_ERR_MALFORMED_JSON);
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
    CHECK_CODE(gradreg_basic_info_validate(S(bad), &out, &count), GRADREG_OK);
    CHECK(count >= 3);
    CHECK(out != NULL && strstr(out, "scientific_notation") != NULL);
    CHECK(out != NULL && strstr(out, "\"field\":\"name\"") != NULL);
    gradreg_string_free(out);

    /* Unknown fields are refused. */
    const char *unknown = "{\"nmae\":\"x\"}";
    CHECK_CODE(gradreg_basic_info_validate(S(unknown), &out, &count), GRADREG_ERR_MALFORMED_JSON);

    /* Samples. */
    char *json = SENTINEL;
    CHECK_CODE(gradreg_sample_record(GRADREG_STR("nobody"), &json), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_sample_record(SN(NULL, 6), &json), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_sample_record(GRADREG_STR("basic_info"), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_sample_record(GRADREG_STR("\xff\xfe"), &json), GRADREG_ERR_INVALID_UTF8);
    CHECK(json == SENTINEL);
}

/* ---- the pure state machine ---- */

static void test_pure_walk(void) {
    char *reg = NULL;
    CHECK_CODE(gradreg_registration_new(GRADREG_STR("10327:2022010123"), &reg), GRADREG_OK);
    CHECK(reg != NULL && strstr(reg, "\"version\":0") != NULL);
    char *r = dup_str(reg);
    gradreg_string_free(reg);
    reg = r;

    const char *stage = NULL;
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY1, &stage), GRADREG_OK);
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
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY1, &stage), GRADREG_OK);
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
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY2, &stage), GRADREG_OK);
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
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY2, &stage), GRADREG_OK);
    CHECK(strcmp(stage, "confirmed") == 0);

    /* Reminders over a set of registrations. */
    size_t n = strlen(reg) + 3;
    char *regs = malloc(n);
    if (regs == NULL) {
        exit(2);
    }
    snprintf(regs, n, "[%s]", reg);
    char *rem = SENTINEL;
    CHECK_CODE(gradreg_reminders_compute(S(regs), S(POLICY), GRADREG_STR_NONE, JUN10, &rem),
               GRADREG_OK);
    CHECK(rem != SENTINEL && rem[0] == '[');
    gradreg_string_free(rem);
    const char *opts = "{\"deadline_within_days\":30,\"unconfirmed_after_days\":1,"
                       "\"expiring_within_days\":3}";
    rem = NULL;
    CHECK_CODE(gradreg_reminders_compute(GRADREG_STR("[]"), S(POLICY), S(opts), JUN10, &rem),
               GRADREG_OK);
    CHECK(rem != NULL && strcmp(rem, "[]") == 0);
    gradreg_string_free(rem);
    rem = SENTINEL;
    CHECK_CODE(gradreg_reminders_compute(S(regs), S(POLICY), S(NOT_JSON), JUN10, &rem),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(
        gradreg_reminders_compute(GRADREG_STR_NONE, S(POLICY), GRADREG_STR_NONE, JUN10, &rem),
        GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_reminders_compute(S(regs), GRADREG_STR_NONE, GRADREG_STR_NONE, JUN10, &rem),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_reminders_compute(S(regs), S(POLICY), GRADREG_STR_NONE, JUN10, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_reminders_compute(S(BAD_UTF8), S(POLICY), GRADREG_STR_NONE, JUN10, &rem),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(
        gradreg_reminders_compute(S(regs), GRADREG_STR("\"mars\""), GRADREG_STR_NONE, JUN10, &rem),
        GRADREG_ERR_INVALID_POLICY);
    CHECK(rem == SENTINEL);
    free(regs);
    free(reg);
}

/* A void request the graduate withdraws (the confirmation stands); reminders carry stable ids;
 * policies with graduation batches load and are checked. */
static void test_withdraw_and_batches(void) {
    static const char *OFFICE = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10327\"}";
    char *reg = NULL;
    CHECK_CODE(gradreg_registration_new(GRADREG_STR("10327:2022010123"), &reg), GRADREG_OK);
    char *r = dup_str(reg);
    gradreg_string_free(reg);
    reg = r;
    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    CHECK_CODE(step(&reg, OFFICE, upload, MAY1, NULL), GRADREG_OK);
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
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"confirm_destination\"}", MAY1, NULL),
               GRADREG_OK);
    /* Nothing to withdraw yet. */
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"withdraw_void_request\"}", MAY1, NULL),
               GRADREG_ERR_VOID_REQUEST_WRONG_STAGE);
    CHECK_CODE(step(&reg, graduate_actor,
                    "{\"command\":\"file_void_request\",\"reason\":\"可能换单位\"}", MAY1, NULL),
               GRADREG_OK);
    const char *stage = NULL;
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY1, &stage), GRADREG_OK);
    CHECK(stage != NULL && strcmp(stage, "void_requested") == 0);
    /* Only the graduate withdraws. */
    CHECK_CODE(step(&reg, OFFICE, "{\"command\":\"withdraw_void_request\"}", MAY1, NULL),
               GRADREG_ERR_FORBIDDEN);
    char *outcome = NULL;
    CHECK_CODE(step(&reg, graduate_actor, "{\"command\":\"withdraw_void_request\"}", MAY1,
                    &outcome),
               GRADREG_OK);
    CHECK(outcome != NULL && strstr(outcome, "void_request_withdrawn") != NULL);
    gradreg_string_free(outcome);
    CHECK(strstr(reg, "\"withdrawn\"") != NULL);
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY1, &stage), GRADREG_OK);
    CHECK(strcmp(stage, "confirmed") == 0);

    /* Reminders have ids; a policy with batches is read, a bad batch refused. */
    size_t n = strlen(reg) + 3;
    char *regs = malloc(n);
    if (regs == NULL) {
        exit(2);
    }
    snprintf(regs, n, "[%s]", reg);
    const char *batches =
        "{\"name\":\"x\",\"registration_deadline\":{\"month\":6,\"day\":15},"
        "\"change_deadline\":{\"month\":8,\"day\":15},\"batches\":[{\"name\":\"winter\","
        "\"from_month\":9,\"to_month\":12,\"registration_deadline\":{\"month\":6,\"day\":15},"
        "\"change_deadline\":{\"month\":8,\"day\":15},\"year_offset\":1}]}";
    const int64_t AUG10 = 1786327200; /* 2026-08-10T02:00:00Z */
    char *rem = NULL;
    CHECK_CODE(gradreg_reminders_compute(S(regs), S(batches), GRADREG_STR_NONE, AUG10, &rem),
               GRADREG_OK);
    CHECK(rem != NULL && strstr(rem, "\"kind\":\"change_deadline_approaching\"") != NULL);
    CHECK(rem != NULL && strstr(rem, "\"id\":\"10327:2022010123|") != NULL);
    gradreg_string_free(rem);
    const char *early =
        "{\"name\":\"x\",\"registration_deadline\":{\"month\":6,\"day\":15},"
        "\"change_deadline\":{\"month\":6,\"day\":1}}";
    rem = SENTINEL;
    CHECK_CODE(gradreg_reminders_compute(S(regs), S(early), GRADREG_STR_NONE, AUG10, &rem),
               GRADREG_ERR_INVALID_POLICY);
    CHECK(rem == SENTINEL);
    free(regs);
    free(reg);
}

static void test_pure_arguments(void) {
    char *reg = NULL;
    CHECK_CODE(gradreg_registration_new(GRADREG_STR("k"), &reg), GRADREG_OK);
    const char *login = "{\"command\":\"login\"}";
    char *out = SENTINEL;
    const char *stage = (const char *)SENTINEL;

    CHECK_CODE(gradreg_registration_new(SN(NULL, 1), &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_new(GRADREG_STR("k"), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_new(GRADREG_STR("\xc3"), &out), GRADREG_ERR_INVALID_UTF8);

    /* NULL for each pointer. */
    CHECK_CODE(gradreg_registration_apply(GRADREG_STR_NONE, S(graduate_actor), S(login), S(POLICY),
                                          MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(
        gradreg_registration_apply(S(reg), GRADREG_STR_NONE, S(login), S(POLICY), MAY1, &out),
        GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_apply(S(reg), S(graduate_actor), GRADREG_STR_NONE, S(POLICY),
                                          MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_apply(S(reg), S(graduate_actor), S(login), GRADREG_STR_NONE,
                                          MAY1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(login), S(POLICY), MAY1, NULL),
        GRADREG_ERR_NULL_ARGUMENT);
    /* Invalid UTF-8 in each text. */
    CHECK_CODE(
        gradreg_registration_apply(S(BAD_UTF8), S(graduate_actor), S(login), S(POLICY), MAY1, &out),
        GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registration_apply(S(reg), S(BAD_UTF8), S(login), S(POLICY), MAY1, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(BAD_UTF8), S(POLICY), MAY1, &out),
        GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(login), S(BAD_UTF8), MAY1, &out),
        GRADREG_ERR_INVALID_UTF8);
    /* Malformed JSON in each text. */
    CHECK_CODE(
        gradreg_registration_apply(S(NOT_JSON), S(graduate_actor), S(login), S(POLICY), MAY1, &out),
        GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_apply(S(reg), S(NOT_JSON), S(login), S(POLICY), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(NOT_JSON), S(POLICY), MAY1, &out),
        GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(login), S(NOT_JSON), MAY1, &out),
        GRADREG_ERR_MALFORMED_JSON);
    /* Unknown role, unknown command, unknown preset, a 30 February deadline. */
    const char *alien = "{\"role\":\"alien\"}";
    CHECK_CODE(gradreg_registration_apply(S(reg), S(alien), S(login), S(POLICY), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    const char *fly = "{\"command\":\"fly\"}";
    CHECK_CODE(gradreg_registration_apply(S(reg), S(graduate_actor), S(fly), S(POLICY), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_apply(S(reg), S(graduate_actor), S(login),
                                          GRADREG_STR("\"mars\""), MAY1, &out),
               GRADREG_ERR_INVALID_POLICY);
    const char *feb30 = "{\"name\":\"x\",\"registration_deadline\":{\"month\":2,\"day\":30},"
                        "\"change_deadline\":{\"month\":8,\"day\":15}}";
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(login), S(feb30), MAY1, &out),
        GRADREG_ERR_INVALID_POLICY);
    /* An instant no calendar holds. */
    CHECK_CODE(
        gradreg_registration_apply(S(reg), S(graduate_actor), S(login), S(POLICY), INT64_MAX, &out),
        GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);

    CHECK_CODE(gradreg_registration_stage(GRADREG_STR_NONE, MAY1, &stage),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_stage(S(reg), MAY1, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registration_stage(S(BAD_UTF8), MAY1, &stage), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registration_stage(S(NOT_JSON), MAY1, &stage), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registration_stage(S(reg), INT64_MIN, &stage), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(stage == (const char *)SENTINEL);
    gradreg_string_free(reg);
}

/* ---- the registry ---- */

static uint32_t reg_apply(gradreg_registry *r, const char *id, const char *actor,
                          const char *cmd, int64_t now) {
    char *out = NULL;
    uint32_t rc = gradreg_registry_apply(r, S(id), S(actor), S(cmd), now, &out);
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

/* ---- text and byte arguments ---- */

static void test_text_arguments(void) {
    /* The struct is a pointer and a length, passed by value. */
    CHECK(sizeof(gradreg_str) == sizeof(const char *) + sizeof(size_t));
    CHECK(sizeof(gradreg_bytes) == sizeof(const uint8_t *) + sizeof(size_t));
    /* GRADREG_STR counts the bytes of a literal, without the NUL. */
    gradreg_str lit = GRADREG_STR("张明");
    CHECK(lit.len == 6 && memcmp(lit.ptr, "张明", 6) == 0);
    CHECK(GRADREG_STR("").len == 0 && GRADREG_STR("").ptr != NULL);
    gradreg_str none = GRADREG_STR_NONE;
    CHECK(none.ptr == NULL && none.len == 0);
    /* gradreg_str_from_c: strlen, NULL gives none, and the last error is left alone. */
    char *out = SENTINEL;
    CHECK_CODE(gradreg_sample_record(GRADREG_STR("nobody"), &out), GRADREG_ERR_INVALID_ARGUMENT);
    const char *c = "10327:2022010123";
    gradreg_str from_c = gradreg_str_from_c(c);
    CHECK(from_c.ptr == c && from_c.len == 16);
    gradreg_str from_null = gradreg_str_from_c(NULL);
    CHECK(from_null.ptr == NULL && from_null.len == 0);
    CHECK(gradreg_last_error_code() == GRADREG_ERR_INVALID_ARGUMENT);

    /* Only len bytes are read: no NUL is needed. */
    const char kind[] = {'b', 'a', 's', 'i', 'c', '_', 'i', 'n', 'f', 'o', '!'};
    out = NULL;
    CHECK_CODE(gradreg_sample_record(SN(kind, 10), &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"id_number\"") != NULL);
    gradreg_string_free(out);
    /* The empty text is text (an unknown kind here), not none. */
    out = SENTINEL;
    CHECK_CODE(gradreg_sample_record(GRADREG_STR(""), &out), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_sample_record(SN("basic_info", 0), &out), GRADREG_ERR_INVALID_ARGUMENT);
    /* None for a required text, and NULL with a length, are NULL arguments. */
    CHECK_CODE(gradreg_sample_record(GRADREG_STR_NONE, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_sample_record(SN(NULL, 10), &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);
    char detail[256];
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strstr(detail, "kind") != NULL);

    /* For an optional text, none is absent and NULL with a length is still an error. */
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(GRADREG_STR("\"jiangsu\""), &r), GRADREG_OK);
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, GRADREG_STR_NONE, MAY1, &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_query(r, SN(NULL, 2), MAY1, &out), GRADREG_ERR_NULL_ARGUMENT);
    /* The empty text is read, and is not a query. */
    CHECK_CODE(gradreg_registry_query(r, GRADREG_STR(""), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(out == SENTINEL);
    gradreg_renderer *renderer = (gradreg_renderer *)SENTINEL;
    CHECK_CODE(gradreg_renderer_new(SN(NULL, 3), &renderer), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(renderer == (gradreg_renderer *)SENTINEL);
    gradreg_registry_free(r);

    /* Bytes: none is an error (every byte argument is required); empty data is data. */
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(NULL, 0), 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(NULL, 32), 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, BS(""), 1), GRADREG_ERR_KEY_REFUSED);
    gradreg_keyring_free(ring);
}

/* ---- where a registry lives: a file, or a folder holding gradreg.sqlite3 ---- */

static void remove_db(const char *path) {
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

static void test_registry_folder(void) {
    char dir[] = "/tmp/gradreg-folder-XXXXXX";
    char *made = mkdtemp(dir);
    CHECK(made != NULL);
    if (made == NULL) {
        return;
    }
    /* A folder gets gradreg.sqlite3 inside it. */
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new(S(dir), S(POLICY), &r), GRADREG_OK);
    walk_to_confirmed(r, "10327:2022010123");
    gradreg_registry_free(r);
    char file[300];
    snprintf(file, sizeof file, "%s/gradreg.sqlite3", dir);
    CHECK(access(file, F_OK) == 0);
    /* The same registry, opened by its file or by its folder again. */
    char *json = NULL;
    r = NULL;
    CHECK_CODE(gradreg_registry_new(S(file), S(POLICY), &r), GRADREG_OK);
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
    gradreg_string_free(json);
    gradreg_registry_free(r);
    char slash[300];
    snprintf(slash, sizeof slash, "%s/", dir);
    r = NULL;
    json = NULL;
    CHECK_CODE(gradreg_registry_new(S(slash), S(POLICY), &r), GRADREG_OK);
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
    gradreg_string_free(json);
    gradreg_registry_free(r);

    /* A file in a folder that does not exist: 507, naming the folder, and nothing is created. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing/x.db", dir);
    r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_new(S(missing), S(POLICY), &r), GRADREG_ERR_IO);
    CHECK(r == (gradreg_registry *)SENTINEL);
    char detail[512];
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strncmp(detail, "[507]", 5) == 0 && strstr(detail, "missing") != NULL);
    char missing_dir[300];
    snprintf(missing_dir, sizeof missing_dir, "%s/missing", dir);
    CHECK(access(missing_dir, F_OK) != 0);
    /* The empty path is not a place. */
    CHECK_CODE(gradreg_registry_new(GRADREG_STR(""), S(POLICY), &r), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(r == (gradreg_registry *)SENTINEL);

    remove_db(file);
    rmdir(dir);
}

/* The audit chain anchored outside the file: the exported head, a keyed chain, and a file of
 * 0 bytes refused rather than taken for a new registry. */
static void test_audit_anchor(void) {
    char dir[] = "/tmp/gradreg-anchor-XXXXXX";
    char *made = mkdtemp(dir);
    CHECK(made != NULL);
    if (made == NULL) {
        return;
    }
    char empty[300];
    snprintf(empty, sizeof empty, "%s/empty.db", dir);
    FILE *f = fopen(empty, "wb");
    if (f != NULL) {
        fclose(f);
    }
    gradreg_registry *r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_new(S(empty), S(POLICY), &r), GRADREG_ERR_CORRUPT);
    CHECK(r == (gradreg_registry *)SENTINEL);

    const char *key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const char *other = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    char path[300];
    snprintf(path, sizeof path, "%s/keyed.db", dir);
    CHECK_CODE(gradreg_registry_new_with_audit_key(S(path), S(POLICY), GRADREG_STR("0011"), &r),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_new_with_audit_key(S(path), S(POLICY), GRADREG_STR_NONE, &r),
               GRADREG_ERR_NULL_ARGUMENT);
    r = NULL;
    CHECK_CODE(gradreg_registry_new_with_audit_key(S(path), S(POLICY), S(key), &r), GRADREG_OK);
    walk_to_confirmed(r, "10327:2022010123");
    char *head = NULL;
    CHECK_CODE(gradreg_registry_audit_head(r, &head), GRADREG_OK);
    CHECK(head != NULL && strncmp(head, "gradreg-audit-head:1:", 21) == 0);
    char *out = NULL;
    if (head != NULL) {
        CHECK_CODE(gradreg_registry_check_audit_against(r, S(head), &out), GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"first_fault\":null") != NULL &&
              strstr(out, "\"row_faults\":[]") != NULL);
        gradreg_string_free(out);
    }
    /* A head of another chain: the record at its place has another hash. */
    const char *foreign =
        "gradreg-audit-head:1:1:0000000000000000000000000000000000000000000000000000000000000000";
    out = NULL;
    CHECK_CODE(gradreg_registry_check_audit_against(r, S(foreign), &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"diverged\"") != NULL);
    gradreg_string_free(out);
    /* A head further on than the log: truncated. */
    const char *ahead =
        "gradreg-audit-head:1:999:0000000000000000000000000000000000000000000000000000000000000000";
    out = NULL;
    CHECK_CODE(gradreg_registry_check_audit_against(r, S(ahead), &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"truncated\"") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_check_audit_against(r, GRADREG_STR("head"), &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_check_audit_against(r, S(foreign), NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_audit_head(r, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_audit_head(NULL, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);
    /* The handle that found a fault refuses writes. */
    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    CHECK_CODE(reg_apply(r, "10327:2022010999", SCHOOL, upload, MAY1),
               GRADREG_ERR_WRITES_REFUSED);
    free(upload);
    gradreg_registry_free(r);
    /* A keyed registry opens only with its key. */
    r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_new(S(path), S(POLICY), &r), GRADREG_ERR_AUDIT_KEY);
    CHECK_CODE(gradreg_registry_new_with_audit_key(S(path), S(POLICY), S(other), &r),
               GRADREG_ERR_AUDIT_KEY);
    CHECK(r == (gradreg_registry *)SENTINEL);
    r = NULL;
    CHECK_CODE(gradreg_registry_new_with_audit_key(S(path), S(POLICY), S(key), &r), GRADREG_OK);
    char *json = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
    gradreg_string_free(json);
    out = NULL;
    if (head != NULL) {
        CHECK_CODE(gradreg_registry_check_audit_against(r, S(head), &out), GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"first_fault\":null") != NULL);
        gradreg_string_free(out);
    }
    gradreg_string_free(head);
    gradreg_registry_free(r);
    remove_db(path);
    remove_db(empty);
}

/* ---- personal data at rest: data keys at open, refusals, rotation ---- */

/* Whether the registry's file (or its WAL) holds `needle` in clear. */
static int file_holds(const char *path, const char *needle) {
    const char *suffixes[] = {"", "-wal"};
    size_t n = strlen(needle);
    for (size_t i = 0; i < 2; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        FILE *f = fopen(p, "rb");
        if (f == NULL) {
            continue;
        }
        char buf[65536 + 64];
        size_t keep = 0, got;
        while ((got = fread(buf + keep, 1, 65536, f)) > 0) {
            size_t len = keep + got;
            for (size_t j = 0; j + n <= len; j++) {
                if (memcmp(buf + j, needle, n) == 0) {
                    fclose(f);
                    return 1;
                }
            }
            keep = n - 1 < len ? n - 1 : len;
            memmove(buf, buf + len - keep, keep);
        }
        fclose(f);
    }
    return 0;
}

#define KEY1 "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY2 "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="

static void test_data_keys(void) {
    char dir[] = "/tmp/gradreg-keys-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        CHECK(0);
        return;
    }
    char file[300];
    snprintf(file, sizeof file, "%s/sealed.db", dir);
    const char *one = "{\"data_keys\":[{\"id\":1,\"key\":\"" KEY1 "\"}]}";
    const char *both = "{\"data_keys\":[{\"id\":1,\"key\":\"" KEY1 "\"},{\"id\":2,\"key\":\"" KEY2
                       "\"}]}";
    const char *two = "{\"data_keys\":[{\"id\":2,\"key\":\"" KEY2 "\"}]}";
    char id_number[32];
    CHECK(json_string_field(basic_json, "id_number", id_number, sizeof id_number));

    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), S(one), &r), GRADREG_OK);
    walk_to_confirmed(r, "10327:2022010123");
    gradreg_registry_free(r);
    CHECK(!file_holds(file, id_number));

    /* Without keys, with a wrong key, with bad keys: refused, and the handle is not written. */
    r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_new(S(file), S(POLICY), &r), GRADREG_ERR_DATA_KEY_MISSING);
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), GRADREG_STR_NONE, &r),
               GRADREG_ERR_DATA_KEY_MISSING);
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), S(two), &r), GRADREG_ERR_DATA_KEY_WRONG);
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY),
                                     GRADREG_STR("{\"data_keys\":[{\"id\":1,\"key\":\"abc\"}]}"), &r),
               GRADREG_ERR_DATA_KEY_INVALID);
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), GRADREG_STR("{\"data_keys\":[]}"), &r),
               GRADREG_ERR_DATA_KEY_RING_INVALID);
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), GRADREG_STR("{\"keys\":[]}"), &r),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(r == (gradreg_registry *)SENTINEL);

    /* Rotation to key 2, then key 2 alone opens the file. */
    r = NULL;
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), S(both), &r), GRADREG_OK);
    uint64_t resealed = 0;
    CHECK_CODE(gradreg_registry_rotate_data_key(r, 2, &resealed), GRADREG_OK);
    CHECK(resealed > 0);
    CHECK_CODE(gradreg_registry_rotate_data_key(r, 2, &resealed), GRADREG_OK);
    CHECK(resealed == 0);
    gradreg_registry_free(r);
    r = NULL;
    CHECK_CODE(gradreg_registry_open(S(file), S(POLICY), S(two), &r), GRADREG_OK);
    char *json = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
    CHECK(json != NULL && strstr(json, id_number) != NULL);
    gradreg_string_free(json);
    gradreg_registry_free(r);

    remove_db(file);
    rmdir(dir);
}

static void test_registry_handles(void) {
    gradreg_registry *r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_new_in_memory(GRADREG_STR_NONE, &r), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new_in_memory(S(BAD_UTF8), &r), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_new_in_memory(S(NOT_JSON), &r), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_new_in_memory(GRADREG_STR("\"mars\""), &r),
               GRADREG_ERR_INVALID_POLICY);
    CHECK_CODE(gradreg_registry_new(SN(NULL, 3), S(POLICY), &r), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new(GRADREG_STR("x.db"), GRADREG_STR_NONE, &r),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new(GRADREG_STR("x.db"), S(POLICY), NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_new(GRADREG_STR("x\xff.db"), S(POLICY), &r),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_new(GRADREG_STR("x\0.db"), S(POLICY), &r),
               GRADREG_ERR_INVALID_ARGUMENT);
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
    uint32_t rc = gradreg_registry_new(S(path), S(POLICY), &r);
    CHECK(rc == GRADREG_ERR_CORRUPT || rc == GRADREG_ERR_STORAGE);
    CHECK(r == (gradreg_registry *)SENTINEL);
    unlink(path);

    /* A real SQLite registry, reopened: the data survives. */
    snprintf(path, sizeof path, "%s/registry.db", dir);
    gradreg_registry *db = NULL;
    CHECK_CODE(gradreg_registry_new(S(path), S(POLICY), &db), GRADREG_OK);
    walk_to_confirmed(db, "10327:2022010123");
    gradreg_registry_free(db);
    db = NULL;
    CHECK_CODE(gradreg_registry_new(S(path), S(POLICY), &db), GRADREG_OK);
    char *json = NULL;
    CHECK_CODE(gradreg_registry_get(db, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
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
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &mem), GRADREG_OK);
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
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    const char *id = "10327:2022010123";
    walk_to_confirmed(r, id);

    char *out = SENTINEL;
    const char *auth = "{\"command\":\"authorize\"}";
    /* NULL for each pointer of apply. */
    CHECK_CODE(gradreg_registry_apply(NULL, S(id), S(graduate_actor), S(auth), MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, GRADREG_STR_NONE, S(graduate_actor), S(auth), MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, S(id), GRADREG_STR_NONE, S(auth), MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), GRADREG_STR_NONE, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(auth), MAY2, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(
        gradreg_registry_apply(r, GRADREG_STR("\xff"), S(graduate_actor), S(auth), MAY2, &out),
        GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(BAD_UTF8), S(auth), MAY2, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(BAD_UTF8), MAY2, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(NOT_JSON), S(auth), MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(NOT_JSON), MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(auth), INT64_MAX, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    /* A refusal by the state machine: the platform may not authorize. */
    CHECK_CODE(reg_apply(r, id, PLATFORM, auth, MAY2), GRADREG_ERR_FORBIDDEN);
    out = NULL;
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(auth), MAY2, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"authorization_issued\"") != NULL);
    gradreg_string_free(out);

    /* Instants outside 0000–9999 are refused; at the edge nothing panics. */
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(auth), 253402300800LL, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(graduate_actor), S(auth), -62167219201LL, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    const int64_t edges[] = {253402300799LL, -62167219200LL, 0};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        char *o = NULL;
        uint32_t rc = gradreg_registration_apply(
            GRADREG_STR("{\"id\":\"e\",\"version\":0,\"data_version\":0}"), S(SCHOOL),
            GRADREG_STR("{\"command\":\"login\"}"), S(POLICY), edges[i], &o);
        CHECK(rc != GRADREG_ERR_PANIC && rc != GRADREG_OK);
        gradreg_string_free(o);
        o = NULL;
        CHECK(gradreg_registry_statistics(r, edges[i], &o) == GRADREG_OK);
        gradreg_string_free(o);
        o = NULL;
        CHECK(gradreg_registry_reminders(r, GRADREG_STR_NONE, edges[i], &o) == GRADREG_OK);
        gradreg_string_free(o);
    }

    /* get */
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("nobody"), &out), GRADREG_ERR_NOT_FOUND);
    CHECK_CODE(gradreg_registry_get(NULL, S(id), &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR_NONE, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_get(r, S(id), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("\xff"), &out), GRADREG_ERR_INVALID_UTF8);
    CHECK(out == SENTINEL);
    CHECK_CODE(gradreg_registry_get(r, S(id), &out), GRADREG_OK);
    CHECK(strstr(out, "\"authorizations\":[{") != NULL);
    gradreg_string_free(out);

    /* query */
    const char *q = "{\"stages\":[\"authorized\"],\"college\":\"会计学院\"}";
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, S(q), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, id) != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, GRADREG_STR_NONE, MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && out[0] == '[');
    gradreg_string_free(out);
    const char *q2 = "{\"stages\":[\"disputed\"]}";
    out = NULL;
    CHECK_CODE(gradreg_registry_query(r, S(q2), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    out = SENTINEL;
    const char *badq = "{\"stages\":[\"flying\"]}";
    CHECK_CODE(gradreg_registry_query(r, S(badq), MAY2, &out), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_query(r, S(BAD_UTF8), MAY2, &out), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_query(NULL, GRADREG_STR_NONE, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_query(r, GRADREG_STR_NONE, MAY2, NULL), GRADREG_ERR_NULL_ARGUMENT);
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
    CHECK_CODE(gradreg_registry_reminders(r, GRADREG_STR_NONE, JUN10, &out), GRADREG_OK);
    CHECK(out != NULL && out[0] == '[');
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_reminders(r, S(NOT_JSON), JUN10, &out), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_reminders(r, S(BAD_UTF8), JUN10, &out), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_reminders(NULL, GRADREG_STR_NONE, JUN10, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_reminders(r, GRADREG_STR_NONE, JUN10, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* export */
    uint8_t *csv = (uint8_t *)SENTINEL;
    size_t csv_len = 7;
    CHECK_CODE(gradreg_registry_export_csv(r, GRADREG_STR_NONE, MAY2, &csv, &csv_len), GRADREG_OK);
    CHECK(csv_len > 3 && csv[0] == 0xEF && csv[1] == 0xBB && csv[2] == 0xBF);
    CHECK(csv_len > 3 && memchr(csv, '*', csv_len) != NULL); /* the ID number is masked */
    gradreg_bytes_free(csv, csv_len);
    csv = (uint8_t *)SENTINEL;
    csv_len = 7;
    CHECK_CODE(gradreg_registry_export_csv(r, GRADREG_STR_NONE, MAY2, NULL, &csv_len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_csv(r, GRADREG_STR_NONE, MAY2, &csv, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_csv(NULL, GRADREG_STR_NONE, MAY2, &csv, &csv_len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_csv(r, S(NOT_JSON), MAY2, &csv, &csv_len),
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

/* ---- notifications: consumer cursors, sent reminders, the webhook ---- */

/* A local HTTP server in a thread: answers `count` requests, each with `status`, one connection
 * each, then stops. (A thread, not a child process: a forked child would inherit and report the
 * parent's memory under valgrind.) */
struct http_server {
    int sock;
    int count;
    int status;
    int port;
    int ok;
    pthread_t thread;
};

static void *http_server_main(void *arg) {
    struct http_server *srv = arg;
    srv->ok = 1;
    for (int i = 0; i < srv->count; i++) {
        int c = accept(srv->sock, NULL, NULL);
        if (c < 0) {
            srv->ok = 0;
            break;
        }
        /* Read the head and the body: enough for a small request. */
        char buf[65536];
        size_t got = 0;
        const char *end = NULL;
        size_t want = 0;
        for (;;) {
            ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
            if (n <= 0) {
                break;
            }
            got += (size_t)n;
            buf[got] = 0;
            if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
                const char *cl = strcasestr(buf, "content-length:");
                want = (size_t)(end - buf) + 4 + (cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0);
            }
            if (end != NULL && got >= want) {
                break;
            }
        }
        if (end == NULL || strcasestr(buf, "gradreg-signature: v1=") == NULL) {
            srv->ok = 0;
        }
        char answer[128];
        int n = snprintf(answer, sizeof answer,
                         "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                         srv->status);
        if (write(c, answer, (size_t)n) < 0) {
            srv->ok = 0;
        }
        close(c);
    }
    close(srv->sock);
    return NULL;
}

/* Starts a server on 127.0.0.1 with a free port; 0 on success. */
static int start_http_server(struct http_server *srv, int count, int status) {
    srv->count = count;
    srv->status = status;
    srv->ok = 0;
    srv->sock = socket(AF_INET, SOCK_STREAM, 0);
    if (srv->sock < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (bind(srv->sock, (struct sockaddr *)&a, sizeof a) != 0 || listen(srv->sock, 8) != 0 ||
        getsockname(srv->sock, (struct sockaddr *)&a, &len) != 0) {
        close(srv->sock);
        return -1;
    }
    srv->port = ntohs(a.sin_port);
    if (pthread_create(&srv->thread, NULL, http_server_main, srv) != 0) {
        close(srv->sock);
        return -1;
    }
    return 0;
}

static void test_notify(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    walk_to_confirmed(r, "10327:2022010123");

    /* Cursors: pending events come back until acknowledged. */
    uint64_t cursor = 99;
    CHECK_CODE(gradreg_registry_consumer_cursor(r, GRADREG_STR("wechat"), &cursor), GRADREG_OK);
    CHECK(cursor == 0);
    char *out = NULL;
    CHECK_CODE(gradreg_registry_pending_events(r, GRADREG_STR("wechat"), 2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"address\":\"graduate:10327:2022010123\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"seq\":1}") != NULL && strstr(out, "\"seq\":2}") != NULL);
    CHECK(out != NULL && strstr(out, "\"id\":\"10327:2022010123#1.0\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"seq\":3") == NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_ack_events(r, GRADREG_STR("wechat"), 2, &cursor), GRADREG_OK);
    CHECK(cursor == 2);
    CHECK_CODE(gradreg_registry_ack_events(r, GRADREG_STR("wechat"), 1, &cursor), GRADREG_OK);
    CHECK(cursor == 2); /* backwards changes nothing */
    cursor = 77;
    CHECK_CODE(gradreg_registry_ack_events(r, GRADREG_STR("wechat"), 1000000, &cursor),
               GRADREG_ERR_ACK_BEYOND_OUTBOX);
    CHECK(cursor == 77);
    CHECK_CODE(gradreg_registry_pending_events(r, GRADREG_STR("wechat"), 100, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"seq\":3}") != NULL && strstr(out, "\"seq\":2}") == NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_consumer_cursor(r, GRADREG_STR("sms"), &cursor), GRADREG_OK);
    CHECK(cursor == 0);
    CHECK_CODE(gradreg_registry_consumer_cursor(r, GRADREG_STR(""), &cursor),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_consumer_cursor(NULL, GRADREG_STR("a"), &cursor),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_consumer_cursor(r, GRADREG_STR_NONE, &cursor),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_consumer_cursor(r, GRADREG_STR("a"), NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_pending_events(r, GRADREG_STR("\xff"), 1, &out),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_pending_events(r, GRADREG_STR("a"), 1, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_ack_events(r, GRADREG_STR("a"), 0, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* Sent once. */
    int now = -1;
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("wechat"), GRADREG_STR("rem-1"), MAY2, &now),
               GRADREG_OK);
    CHECK(now == 1);
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("wechat"), GRADREG_STR("rem-1"), JUN10, &now),
               GRADREG_OK);
    CHECK(now == 0);
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("sms"), GRADREG_STR("rem-1"), MAY2, &now),
               GRADREG_OK);
    CHECK(now == 1);
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("wechat"), GRADREG_STR(""), MAY2, &now),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("wechat"), GRADREG_STR("x"), INT64_MAX, &now),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("wechat"), GRADREG_STR_NONE, MAY2, &now),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_mark_sent(r, GRADREG_STR("wechat"), GRADREG_STR("x"), MAY2, NULL),
               GRADREG_ERR_NULL_ARGUMENT);

    /* The webhook: refused setups. */
    const char *key = "shared-secret";
    gradreg_bytes secret = B((const uint8_t *)key, strlen(key));
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_deliver_webhook(r, GRADREG_STR("ftp://x/"), secret,
                                                GRADREG_STR("hook"), 10, GRADREG_STR_NONE, &out),
               GRADREG_ERR_INVALID_WEBHOOK);
    CHECK_CODE(gradreg_registry_deliver_webhook(r, GRADREG_STR("http://127.0.0.1:9/"),
                                                B((const uint8_t *)key, 0), GRADREG_STR("hook"),
                                                10, GRADREG_STR_NONE, &out),
               GRADREG_ERR_INVALID_WEBHOOK);
    CHECK_CODE(gradreg_registry_deliver_webhook(r, GRADREG_STR("http://127.0.0.1:9/"), secret,
                                                GRADREG_STR("hook"), 10, GRADREG_STR("{\"x\":1}"),
                                                &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_deliver_webhook(r, GRADREG_STR("http://127.0.0.1:9/"), secret,
                                                GRADREG_STR("hook"), 10, GRADREG_STR_NONE, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* A receiver that accepts two requests: two events delivered, the cursor after them. */
    const char *fast = "{\"max_attempts\":1,\"timeout_ms\":5000}";
    struct http_server srv;
    char url[64];
    int started = start_http_server(&srv, 2, 200) == 0;
    CHECK(started);
    if (started) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", srv.port);
        out = NULL;
        CHECK_CODE(gradreg_registry_deliver_webhook(r, S(url), secret, GRADREG_STR("hook"), 2,
                                                    S(fast), &out),
                   GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"failed\":[]") != NULL);
        CHECK(out != NULL && strstr(out, "\"cursor\":2") != NULL);
        CHECK(out != NULL &&
              strstr(out, "\"id\":\"10327:2022010123#1.0\",\"seq\":1,\"status\":200") != NULL);
        gradreg_string_free(out);
        CHECK(pthread_join(srv.thread, NULL) == 0 && srv.ok);
        /* The receiver is gone: the next event fails, retryable, and the cursor stays. */
        out = NULL;
        CHECK_CODE(gradreg_registry_deliver_webhook(r, S(url), secret, GRADREG_STR("hook"), 10,
                                                    S(fast), &out),
                   GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"delivered\":[]") != NULL);
        CHECK(out != NULL && strstr(out, "\"seq\":3,\"permanent\":false,\"status\":null") != NULL);
        CHECK(out != NULL && strstr(out, "\"cursor\":2") != NULL);
        gradreg_string_free(out);
    }
    /* A receiver that refuses with 400: permanent, reported, nothing moves. */
    started = start_http_server(&srv, 1, 400) == 0;
    CHECK(started);
    if (started) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", srv.port);
        out = NULL;
        CHECK_CODE(gradreg_registry_deliver_webhook(r, S(url), secret, GRADREG_STR("hook"), 10,
                                                    S(fast), &out),
                   GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"permanent\":true,\"status\":400") != NULL);
        CHECK(out != NULL && strstr(out, "\"cursor\":2") != NULL);
        gradreg_string_free(out);
        CHECK(pthread_join(srv.thread, NULL) == 0 && srv.ok);
    }
    CHECK_CODE(gradreg_registry_consumer_cursor(r, GRADREG_STR("hook"), &cursor), GRADREG_OK);
    CHECK(cursor == 2);
    gradreg_registry_free(r);
}

static void test_registry_batches(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(GRADREG_STR("\"national\""), &r), GRADREG_OK);

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
    /* all or nothing: nothing is committed */
    CHECK_CODE(gradreg_registry_upload_batch(r, S(records), S(SCHOOL), MAY1, 1, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"refused\"") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("a"), &out), GRADREG_ERR_NOT_FOUND);
    out = NULL;
    CHECK_CODE(gradreg_registry_upload_batch(r, S(records), S(SCHOOL), MAY1, 0, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "{\"id\":\"a\",\"result\":\"created\"}") != NULL);
    CHECK(out != NULL && strstr(out, "\"problems\":[") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("a"), &out), GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_upload_batch(NULL, S(records), S(SCHOOL), MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, S(records), GRADREG_STR_NONE, MAY1, 0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, S(records), S(SCHOOL), MAY1, 0, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_upload_batch(r, S(NOT_JSON), S(SCHOOL), MAY1, 0, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_upload_batch(r, S(records), S(BAD_UTF8), MAY1, 0, &out),
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
    CHECK_CODE(gradreg_registry_apply_batch(r, S(batch), MAY1, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "{\"error\":{\"code\":") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply_batch(NULL, S(batch), MAY1, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply_batch(r, SN(NULL, 3), MAY1, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply_batch(r, S(batch), MAY1, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply_batch(r, S(NOT_JSON), MAY1, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_apply_batch(r, S(BAD_UTF8), MAY1, &out), GRADREG_ERR_INVALID_UTF8);
    CHECK(out == SENTINEL);
    gradreg_registry_free(r);
}


/* ---- work lists and statistics by school ---- */

/* A copy of `text` with every `from` replaced by `to` (free it with free). */
static char *replaced(const char *text, const char *from, const char *to) {
    size_t n = strlen(text) + 1, lf = strlen(from), lt = strlen(to);
    for (const char *p = strstr(text, from); p != NULL; p = strstr(p + lf, from)) {
        n += lt;
    }
    char *out = malloc(n);
    if (out == NULL) {
        exit(2);
    }
    char *w = out;
    const char *r = text;
    for (const char *p = strstr(r, from); p != NULL; p = strstr(r, from)) {
        memcpy(w, r, (size_t)(p - r));
        w += p - r;
        memcpy(w, to, lt);
        w += lt;
        r = p + lf;
    }
    strcpy(w, r);
    return out;
}

static void apply_ok(gradreg_registry *r, const char *id, const char *actor, const char *cmd) {
    char *out = NULL;
    CHECK_CODE(gradreg_registry_apply(r, S(id), S(actor), S(cmd), MAY1, &out), GRADREG_OK);
    gradreg_string_free(out);
}

/* Uploads `basic` as `office`; with `chsi`, walks the graduate to a confirmed destination and a
 * void request awaiting the college. */
static void walk_to_void(gradreg_registry *r, const char *id, const char *office,
                         const char *basic, const char *chsi, const char *id_number) {
    char grad[128];
    snprintf(grad, sizeof grad, "{\"role\":\"graduate\",\"id_number\":\"%s\"}", id_number);
    char *upload = cmd_with("upload_basic_info", "info", basic);
    apply_ok(r, id, office, upload);
    free(upload);
    if (chsi == NULL) {
        return;
    }
    char *account = cmd_with("update_chsi_account", "account", chsi);
    apply_ok(r, id, CHSI, account);
    free(account);
    apply_ok(r, id, grad, "{\"command\":\"login\"}");
    apply_ok(r, id, grad, "{\"command\":\"confirm_basic_info\"}");
    char *report = cmd_with("report_destination", "data", dest_json);
    apply_ok(r, id, PLATFORM, report);
    free(report);
    apply_ok(r, id, grad, "{\"command\":\"confirm_destination\"}");
    apply_ok(r, id, grad, "{\"command\":\"file_void_request\",\"reason\":\"换单位\"}");
}

static void test_worklists(void) {
    static const char *OFFICE_A = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10327\"}";
    static const char *OFFICE_B = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10284\"}";
    static const char *COUNSELOR_A =
        "{\"role\":\"counselor\",\"id\":\"fdy01\",\"school\":\"10327\",\"college\":\"会计学院\"}";
    static const char *COUNSELOR_B =
        "{\"role\":\"counselor\",\"id\":\"fdy01\",\"school\":\"10284\",\"college\":\"会计学院\"}";
    char id_a[32];
    CHECK(json_string_field(basic_json, "id_number", id_a, sizeof id_a));
    const char *id_b = "32010220040506001X";
    const char *id_c = "320102200405060036";
    /* School B's graduate: the sample at 南京大学 with another ID and student number. */
    char *b1 = replaced(basic_json, "\"10327\"", "\"10284\"");
    char *b2 = replaced(b1, "南京财经大学", "南京大学");
    char *basic_b = replaced(b2, id_a, id_b);
    char *chsi_b = replaced(chsi_json, id_a, id_b);
    char *basic_c = replaced(basic_json, id_a, id_c);
    char *c1 = replaced(basic_c, "2022010123", "2022010999");
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(GRADREG_STR("\"jiangsu\""), &r), GRADREG_OK);
    walk_to_void(r, "10327:a", OFFICE_A, basic_json, chsi_json, id_a);
    walk_to_void(r, "10284:b", OFFICE_B, basic_b, chsi_b, id_b);
    /* 10327:c has no CHSI account, and a destination reported: it cannot log in. */
    walk_to_void(r, "10327:c", OFFICE_A, c1, NULL, id_c);
    char *report = cmd_with("report_destination", "data", dest_json);
    apply_ok(r, "10327:c", PLATFORM, report);
    free(report);

    /* Pending void requests: each school's counselor sees their own graduate only. */
    char *out = NULL;
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(COUNSELOR_A), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"id\":\"10327:a\"") != NULL);
    CHECK(out != NULL && strstr(out, "10284:b") == NULL);
    CHECK(out != NULL && strstr(out, "\"stage\":\"awaiting_college\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"reason\":\"换单位\"") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(COUNSELOR_B), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"id\":\"10284:b\"") != NULL);
    CHECK(out != NULL && strstr(out, "10327:a") == NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(PLATFORM), MAY2, &out),
               GRADREG_ERR_FORBIDDEN);
    CHECK_CODE(gradreg_registry_pending_void_requests(NULL, S(COUNSELOR_A), MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_pending_void_requests(r, GRADREG_STR_NONE, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(NOT_JSON), MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(COUNSELOR_A), MAY2, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* Batch approval: ours goes on to the school, the other school's is refused. */
    out = NULL;
    CHECK_CODE(gradreg_registry_approve_void_requests(
                   r, S(COUNSELOR_A), S("[\"10327:a\",\"10284:b\"]"), S("同意"), MAY2, &out),
               GRADREG_OK);
    CHECK(out != NULL &&
          strstr(out, "{\"id\":\"10327:a\",\"void_stage\":\"awaiting_school\"}") != NULL);
    CHECK(out != NULL && strstr(out, "{\"error\":{\"code\":201,") != NULL);
    CHECK(out != NULL && strstr(out, "},\"id\":\"10284:b\"}") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(OFFICE_A), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"stage\":\"awaiting_school\"") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_pending_void_requests(r, S(COUNSELOR_B), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "10284:b") != NULL); /* untouched */
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_approve_void_requests(r, S(COUNSELOR_A), S("{}"),
                                                      GRADREG_STR_NONE, MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_approve_void_requests(r, S(COUNSELOR_A), GRADREG_STR_NONE,
                                                      GRADREG_STR_NONE, MAY2, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(out == SENTINEL);

    /* Cannot log in, with the reason and its remedy: school A's office, not school B's. */
    out = NULL;
    CHECK_CODE(gradreg_registry_cannot_log_in(r, S(OFFICE_A), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"id\":\"10327:c\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"reason\":\"no_chsi_account\"") != NULL);
    CHECK(out != NULL && strstr(out, "未找到您的学信网账号") != NULL);
    CHECK(out != NULL && strstr(out, "\"stage\":\"awaiting_confirmation\"") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_cannot_log_in(r, S(OFFICE_B), MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);

    /* Unconfirmed for 30 days on 10 June: 10327:c, reported on 1 May. */
    out = NULL;
    CHECK_CODE(gradreg_registry_unconfirmed(r, S(OFFICE_A), 30, JUN10, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"id\":\"10327:c\"") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_unconfirmed(r, S(OFFICE_B), 30, JUN10, &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);

    /* Statistics by school add up to the whole. */
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics_for(r, S("{\"school\":\"10327\"}"), MAY2, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"total\":2,") != NULL);
    CHECK(out != NULL && strstr(out, "\"key\":\"10327 南京财经大学\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"by_destination_category\":{\"10\":2}") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics_for(r, S("{\"school\":\"10284\"}"), MAY2, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"total\":1,") != NULL);
    CHECK(out != NULL && strstr(out, "南京财经大学") == NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics_for(r, GRADREG_STR_NONE, MAY2, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"total\":3,") != NULL);
    CHECK(out != NULL && strstr(out, "\"by_destination_province\":{\"320000\":3}") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_statistics_for(r, S(NOT_JSON), MAY2, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(out == SENTINEL);

    gradreg_registry_free(r);
    free(b1);
    free(b2);
    free(basic_b);
    free(chsi_b);
    free(basic_c);
    free(c1);
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
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 8), 1), GRADREG_ERR_KEY_REFUSED);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(NULL, 32), 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_hmac(NULL, 1, B(SECRET, 32), 1), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_ERR_DUPLICATE_KEY_ID);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, B(SEED, 31), 0), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, B(NULL, 32), 0), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, B(SEED, 32), 0), GRADREG_OK);
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
    CHECK_CODE(gradreg_keyring_add_ed25519_public(verifier, 2, B(public_key, 32)), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(verifier, 3, B(public_key, 16)),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(verifier, 3, B(NULL, 32)),
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
    CHECK_CODE(gradreg_keyring_add_ed25519(NULL, 5, B(SEED, 32), 0), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_add_ed25519_public(NULL, 5, B(public_key, 32)),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_public_key(NULL, 2, public_key, 32), GRADREG_ERR_NULL_ARGUMENT);
    /* A forged handle for every key ring function. */
    gradreg_keyring *forged = (gradreg_keyring *)(uintptr_t)0x7770;
    CHECK_CODE(gradreg_keyring_remove(forged, 1), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_activate(forged, 1), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_add_hmac(forged, 5, B(SECRET, 32), 1), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_public_key(forged, 2, public_key, 32),
               GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_keyring_remove(verifier, 2), GRADREG_OK);

    gradreg_keyring *test_ring = NULL;
    CHECK_CODE(gradreg_keyring_new(1, &test_ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(test_ring, 1, BS("short"), 1), GRADREG_OK);

    /* Wrong kinds: a key ring is not a registry, a registry is not a key ring. */
    gradreg_registry *registry = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &registry), GRADREG_OK);
    char *out = SENTINEL;
    CHECK_CODE(gradreg_registry_statistics((gradreg_registry *)ring, MAY1, &out),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_keyring_info((gradreg_keyring *)registry, &out), GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_keyring_add_hmac((gradreg_keyring *)registry, 5, B(SECRET, 32), 1),
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
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    walk_to_confirmed(r, "g1");
    CHECK_CODE(reg_apply(r, "g1", graduate_actor, "{\"command\":\"authorize\"}", MAY2),
               GRADREG_OK);
    *reg_json = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("g1"), reg_json), GRADREG_OK);
    number[0] = 0;
    CHECK(*reg_json != NULL && json_string_field(*reg_json, "number", number, 32));
    return r;
}

static uint32_t verify_scan(gradreg_keyring *ring, gradreg_registry *r, const char *token,
                            const char *verifier, int64_t now) {
    uint32_t verdict = 99;
    char *json = NULL;
    uint32_t rc = gradreg_token_verify(ring, r, S(token), S(verifier), GRADREG_STR_NONE, now,
                                       &verdict, &json);
    gradreg_string_free(json);
    return rc == GRADREG_OK ? verdict : 1000 + rc;
}

/* `principal` is the identity the host authenticated for the caller, never a value taken from
   the request; `verifier` (the department JSON) gives the section only. */
static uint32_t verify_online(gradreg_registry *r, const char *principal, const char *verifier,
                              const char *name, const char *number, int64_t now) {
    uint32_t verdict = 99;
    char *json = NULL;
    uint32_t rc = gradreg_registry_verify_online(r, S(principal), S(verifier), S(name), S(number),
                                                 now, &verdict, &json);
    gradreg_string_free(json);
    return rc == GRADREG_OK ? verdict : 1000 + rc;
}

static void test_tokens_and_verification(void) {
    char *reg = NULL;
    char number[32];
    gradreg_registry *r = authorized_registry(&reg, number);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);

    char *token = SENTINEL;
    /* No active key yet. */
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_NO_ACTIVE_KEY);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_OK);
    /* NULL for each pointer, bad text, wrong values. */
    CHECK_CODE(gradreg_token_issue(NULL, S(reg), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, GRADREG_STR_NONE, S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), GRADREG_STR_NONE, GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), SN(NULL, 7), GRADREG_STR_NONE, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(
        gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("moon"), GRADREG_STR_NONE, &token),
        GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(
        gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"), S(NOT_JSON), &token),
        GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_issue(ring, S(NOT_JSON), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), GRADREG_STR("\xff"), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), GRADREG_STR("ABC"), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_ERR_NUMBER_MALFORMED);
    char typo[32];
    memcpy(typo, number, sizeof typo);
    typo[1] = typo[1] == 'A' ? 'B' : 'A';
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(typo), GRADREG_STR("archive"), GRADREG_STR_NONE,
                                   &token),
               GRADREG_ERR_NUMBER_TYPO);
    const char *bad_prefix = "{\"prefix\":\"https://lower.case/\"}";
    CHECK_CODE(
        gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"), S(bad_prefix), &token),
        GRADREG_ERR_TOKEN_ISSUE);
    CHECK(token == SENTINEL);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_OK);
    CHECK(token != SENTINEL && strlen(token) > 20);
    char *hukou_token = NULL;
    const char *prefix = "{\"prefix\":\"HTTPS://VERIFY.EXAMPLE.CN/V/\"}";
    CHECK_CODE(
        gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("hukou"), S(prefix), &hukou_token),
        GRADREG_OK);
    CHECK(hukou_token != NULL && strncmp(hukou_token, "HTTPS://VERIFY.EXAMPLE.CN/V/", 28) == 0);

    /* Scanned verification. */
    uint32_t verdict = 99;
    char *json = SENTINEL;
    CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2,
                                    &verdict, &json),
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
    CHECK_CODE(gradreg_keyring_add_hmac(other, 1, BS("another secret"), 1), GRADREG_OK);
    v = verify_scan(other, r, token, ARCHIVE_DEPT, MAY2);
    CHECK(v == GRADREG_VERDICT_BAD_SIGNATURE || v == GRADREG_VERDICT_UNKNOWN_KEY);
    gradreg_keyring_free(other);
    const char *opts = "{\"required_prefix\":\"HTTPS://VERIFY.EXAMPLE.CN/V/\"}";
    verdict = 99;
    json = NULL;
    CHECK_CODE(
        gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), S(opts), MAY2, &verdict, &json),
        GRADREG_OK);
    CHECK(verdict == GRADREG_VERDICT_MALFORMED);
    CHECK(json != NULL && strstr(json, "\"failed_at\":\"prefix\"") != NULL);
    gradreg_string_free(json);
    /* Arguments. */
    json = SENTINEL;
    verdict = 99;
    CHECK_CODE(gradreg_token_verify(NULL, r, S(token), S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2,
                                    &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, NULL, S(token), S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2,
                                    &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, GRADREG_STR_NONE, S(ARCHIVE_DEPT), GRADREG_STR_NONE,
                                    MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, S(token), GRADREG_STR_NONE, GRADREG_STR_NONE, MAY2,
                                    &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2,
                                    NULL, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2,
                                    &verdict, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify(ring, r, GRADREG_STR("\xff"), S(ARCHIVE_DEPT), GRADREG_STR_NONE,
                                    MAY2, &verdict, &json),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(NOT_JSON), GRADREG_STR_NONE, MAY2,
                                    &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), S(NOT_JSON), MAY2, &verdict,
                                    &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify((gradreg_keyring *)r, r, S(token), S(ARCHIVE_DEPT),
                                    GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_token_verify(ring, (gradreg_registry *)ring, S(token), S(ARCHIVE_DEPT),
                                    GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(json == SENTINEL && verdict == 99);

    /* Online verification by name and number. */
    CHECK(verify_online(r, "archive-office", ARCHIVE_DEPT, "张明", number, MAY2) == GRADREG_VERDICT_VALID);
    CHECK(verify_online(r, "hukou-office", HUKOU_DEPT, "张 明", number, MAY2) == GRADREG_VERDICT_VALID);
    CHECK(verify_online(r, "archive-office", ARCHIVE_DEPT, "李四", number, MAY2) == GRADREG_VERDICT_NO_MATCH);
    CHECK(verify_online(r, "archive-office", ARCHIVE_DEPT, "张明", typo, MAY2) == GRADREG_VERDICT_TYPO);
    CHECK(verify_online(r, "archive-office", ARCHIVE_DEPT, "张明", "12", MAY2) == GRADREG_VERDICT_MALFORMED);
    CHECK(verify_online(r, "school-office", SCHOOL, "张明", number, MAY2) == GRADREG_VERDICT_WRONG_SECTION);
    /* Failures count per principal and per number: the office's one failure above and the
       guesser's 9 bring the number to its limit of 10, past which a principal with failures of
       its own on it is refused (whatever the name). */
    const char *guesser = "{\"role\":\"archive_dept\",\"id\":\"guesser\",\"name\":\"x\"}";
    for (int i = 0; i < 9; i++) {
        CHECK(verify_online(r, "guesser", guesser, "李四", number, MAY2) == GRADREG_VERDICT_NO_MATCH);
    }
    CHECK(verify_online(r, "guesser", guesser, "李四", number, MAY2) == GRADREG_VERDICT_RATE_LIMITED);
    CHECK(verify_online(r, "guesser", guesser, "张明", number, MAY2) == GRADREG_VERDICT_RATE_LIMITED);
    /* The principal counts, not the department in the request: speaking as another department
       does not escape the limit. */
    CHECK(verify_online(r, "guesser", ARCHIVE_DEPT, "李四", number, MAY2) ==
          GRADREG_VERDICT_RATE_LIMITED);
    /* The number is past its limit now: an office with a failure of its own on it is refused,
       one with a clean record is still answered. */
    CHECK(verify_online(r, "archive-office", ARCHIVE_DEPT, "张明", number, MAY2) ==
          GRADREG_VERDICT_RATE_LIMITED);
    CHECK(verify_online(r, "archive-office-2", ARCHIVE_DEPT, "张明", number, MAY2) ==
          GRADREG_VERDICT_VALID);
    json = SENTINEL;
    verdict = 99;
    CHECK_CODE(gradreg_registry_verify_online(NULL, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT), GRADREG_STR("a"), S(number),
                                              MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR_NONE, S(ARCHIVE_DEPT), GRADREG_STR("a"),
                                              S(number), MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR(" "), S(ARCHIVE_DEPT), GRADREG_STR("a"),
                                              S(number), MAY2, &verdict, &json),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), GRADREG_STR_NONE, GRADREG_STR("a"), S(number),
                                              MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT), SN(NULL, 1), S(number), MAY2,
                                              &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT), GRADREG_STR("a"),
                                              GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT), GRADREG_STR("a"), S(number), MAY2,
                                              NULL, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT), GRADREG_STR("a"), S(number), MAY2,
                                              &verdict, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT), GRADREG_STR("\xe5\xbc"),
                                              S(number), MAY2, &verdict, &json),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_registry_verify_online(r, GRADREG_STR("archive-office"), S(NOT_JSON), GRADREG_STR("a"), S(number), MAY2,
                                              &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_verify_online((gradreg_registry *)ring, GRADREG_STR("archive-office"), S(ARCHIVE_DEPT),
                                              GRADREG_STR("a"), S(number), MAY2, &verdict, &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(json == SENTINEL && verdict == 99);

    /* Online by the transfer number (转递编号) printed for the archive. */
    {
        char *data = sample("destination_with_transfer_number");
        char transfer[40] = {0};
        CHECK(json_string_field(data, "transfer_number", transfer, sizeof transfer));
        gradreg_registry *t = NULL;
        CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &t), GRADREG_OK);
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
        CHECK(verify_online(t, "archive-office", ARCHIVE_DEPT, "张明", transfer, MAY2) == GRADREG_VERDICT_VALID);
        CHECK(verify_online(t, "archive-office", ARCHIVE_DEPT, "李四", transfer, MAY2) == GRADREG_VERDICT_NO_MATCH);
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
    CHECK(verify_online(r, "archive-office-2", ARCHIVE_DEPT, "张明", number, MAY2 + 120) == GRADREG_VERDICT_REVOKED);

    gradreg_string_free(token);
    gradreg_string_free(hukou_token);
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
    free(reg);
}

/* ---- key stores, key sets, status lists and offline verification ---- */

/* A copy (malloc) of the JSON string value after `"key":"`, or NULL. The values read here hold
 * no escapes. */
static char *json_string_dup(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = json == NULL ? NULL : strstr(json, pattern);
    if (p == NULL) {
        return NULL;
    }
    p += strlen(pattern);
    const char *end = strchr(p, '"');
    if (end == NULL) {
        return NULL;
    }
    size_t n = (size_t)(end - p);
    char *out = malloc(n + 1);
    if (out == NULL) {
        exit(2);
    }
    memcpy(out, p, n);
    out[n] = 0;
    return out;
}

static unsigned file_mode(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        return 0xffff;
    }
    return (unsigned)(st.st_mode & 0777);
}

static const char *ISSUER = "示例大学";

static void test_keystore(void) {
    char dir[] = "/tmp/gradreg-keys-XXXXXX";
    char *made = mkdtemp(dir);
    CHECK(made != NULL);
    if (made == NULL) {
        return;
    }
    char path[300];
    snprintf(path, sizeof path, "%s/keys.json", dir);

    /* Arguments of create: every pointer, bad text, an unknown algorithm, the empty path. */
    gradreg_keystore *ks = (gradreg_keystore *)SENTINEL;
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR("ed25519"), MAY1, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_create(GRADREG_STR_NONE, S(ISSUER), GRADREG_STR("ed25519"), MAY1,
                                       &ks),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_create(S(path), SN(NULL, 2), GRADREG_STR("ed25519"), MAY1, &ks),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR_NONE, MAY1, &ks),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_create(S(path), GRADREG_STR("\xff"), GRADREG_STR("ed25519"), MAY1,
                                       &ks),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR("rsa"), MAY1, &ks),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keystore_create(GRADREG_STR(""), S(ISSUER), GRADREG_STR("ed25519"), MAY1,
                                       &ks),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR("ed25519"), INT64_MAX, &ks),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(ks == (gradreg_keystore *)SENTINEL);
    CHECK(access(path, F_OK) != 0); /* no refused call made the file */

    /* Created: one active Ed25519 key, a file readable by its owner only. */
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR("ed25519"), MAY1, &ks),
               GRADREG_OK);
    CHECK(file_mode(path) == 0600);
    gradreg_keystore *again = (gradreg_keystore *)SENTINEL;
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR("ed25519"), MAY1, &again),
               GRADREG_ERR_KEY_STORE);
    CHECK(again == (gradreg_keystore *)SENTINEL);

    char *info = SENTINEL;
    CHECK_CODE(gradreg_keystore_info(ks, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_info(ks, &info), GRADREG_OK);
    CHECK(info != SENTINEL && strstr(info, "\"active\":1") != NULL);
    CHECK(info != SENTINEL && strstr(info, "\"issuer\":\"示例大学\"") != NULL);
    CHECK(info != SENTINEL && strstr(info, "\"algorithm\":\"ed25519\"") != NULL);
    CHECK(info != SENTINEL && strstr(info, "\"valid_from\":\"2026-05-01T02:00:00Z\"") != NULL);
    CHECK(info != SENTINEL && strstr(info, "PRIVATE") == NULL); /* never a secret */
    CHECK(info != SENTINEL && strstr(info, "secret") == NULL);
    gradreg_string_free(info);

    /* Rotation: key 2 signs from MAY2, key 1 keeps verifying. */
    uint32_t kid = 77;
    CHECK_CODE(gradreg_keystore_rotate(ks, GRADREG_STR("rsa"), MAY2, &kid),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keystore_rotate(ks, GRADREG_STR("ed25519"), MAY2, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_rotate(ks, GRADREG_STR_NONE, MAY2, &kid),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK(kid == 77);
    CHECK_CODE(gradreg_keystore_rotate(ks, GRADREG_STR("ed25519"), MAY2, &kid), GRADREG_OK);
    CHECK(kid == 2);
    CHECK(file_mode(path) == 0600);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keystore_keyring(ks, &ring), GRADREG_OK);
    info = NULL;
    CHECK_CODE(gradreg_keyring_info(ring, &info), GRADREG_OK);
    CHECK(info != NULL && strstr(info, "\"active\":2") != NULL);
    CHECK(info != NULL && strstr(info, "\"id\":1") != NULL);
    CHECK(info != NULL && strstr(info, "\"test_mode\":false") != NULL);
    gradreg_string_free(info);
    gradreg_keyring_free(ring);

    /* Retirement: never the active key; an unknown one is not found; key 1 leaves the set. */
    CHECK_CODE(gradreg_keystore_retire(ks, 2, JUN10), GRADREG_ERR_KEY_REFUSED);
    CHECK_CODE(gradreg_keystore_retire(ks, 9, JUN10), GRADREG_ERR_KEY_NOT_FOUND);
    char *set = NULL;
    CHECK_CODE(gradreg_keystore_key_set_json(ks, &set), GRADREG_OK);
    CHECK(set != NULL && strstr(set, "\"kid\": 1") != NULL && strstr(set, "\"kid\": 2") != NULL);
    gradreg_string_free(set);
    CHECK_CODE(gradreg_keystore_retire(ks, 1, JUN10), GRADREG_OK);
    CHECK_CODE(gradreg_keystore_retire(ks, 1, JUN10), GRADREG_OK); /* again: nothing changes */
    set = SENTINEL;
    CHECK_CODE(gradreg_keystore_key_set_json(ks, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_key_set_json(ks, &set), GRADREG_OK);
    CHECK(set != SENTINEL && strstr(set, "\"format\": \"gradreg-key-set\"") != NULL);
    CHECK(set != SENTINEL && strstr(set, "\"kid\": 1") == NULL);
    CHECK(set != SENTINEL && strstr(set, "\"kid\": 2") != NULL);
    CHECK(set != SENTINEL && strstr(set, "PRIVATE") == NULL);
    gradreg_string_free(set);
    gradreg_keystore_free(ks);

    /* Reopened: the same keys and dates, read back from the file. */
    ks = NULL;
    CHECK_CODE(gradreg_keystore_open(S(path), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keystore_open(S(path), &ks), GRADREG_OK);
    info = NULL;
    CHECK_CODE(gradreg_keystore_info(ks, &info), GRADREG_OK);
    CHECK(info != NULL && strstr(info, "\"active\":2") != NULL);
    CHECK(info != NULL && strstr(info, "\"retired_at\":\"2026-06-10T02:00:00Z\"") != NULL);
    CHECK(info != NULL && strstr(info, "\"valid_to\":\"2026-05-02T02:00:00Z\"") != NULL);
    gradreg_string_free(info);
    gradreg_keystore_free(ks);
    /* open_or_create opens what is there: the issuer and algorithm given are not used. */
    ks = NULL;
    CHECK_CODE(gradreg_keystore_open_or_create(S(path), GRADREG_STR("别的学校"),
                                               GRADREG_STR("hmac-sha256"), JUN10, &ks),
               GRADREG_OK);
    info = NULL;
    CHECK_CODE(gradreg_keystore_info(ks, &info), GRADREG_OK);
    CHECK(info != NULL && strstr(info, "示例大学") != NULL && strstr(info, "hmac") == NULL);
    gradreg_string_free(info);
    gradreg_keystore_free(ks);

    /* A file others may read is refused, by open and by open_or_create; 0600 opens again. */
    CHECK(chmod(path, 0644) == 0);
    ks = (gradreg_keystore *)SENTINEL;
    CHECK_CODE(gradreg_keystore_open(S(path), &ks), GRADREG_ERR_KEY_STORE);
    char detail[512];
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strncmp(detail, "[310]", 5) == 0 && strstr(detail, "chmod 600") != NULL);
    CHECK_CODE(gradreg_keystore_open_or_create(S(path), S(ISSUER), GRADREG_STR("ed25519"), MAY1,
                                               &ks),
               GRADREG_ERR_KEY_STORE);
    CHECK(ks == (gradreg_keystore *)SENTINEL);
    CHECK(chmod(path, 0600) == 0);
    CHECK_CODE(gradreg_keystore_open(S(path), &ks), GRADREG_OK);
    CHECK(ks != (gradreg_keystore *)SENTINEL);

    /* A missing file, and a file that is not a key store. */
    char missing[300], other[300], hmac_path[300];
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    snprintf(other, sizeof other, "%s/other.json", dir);
    snprintf(hmac_path, sizeof hmac_path, "%s/hmac.json", dir);
    gradreg_keystore *none = (gradreg_keystore *)SENTINEL;
    CHECK_CODE(gradreg_keystore_open(S(missing), &none), GRADREG_ERR_KEY_STORE);
    FILE *f = fopen(other, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("{\"format\":\"something-else\",\"version\":1}", f);
        fclose(f);
    }
    CHECK(chmod(other, 0600) == 0);
    CHECK_CODE(gradreg_keystore_open(S(other), &none), GRADREG_ERR_KEY_STORE);
    CHECK_CODE(gradreg_keystore_open(GRADREG_STR(""), &none), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_keystore_open(S(BAD_UTF8), &none), GRADREG_ERR_INVALID_UTF8);
    CHECK(none == (gradreg_keystore *)SENTINEL);
    /* open_or_create makes a missing file; HMAC secrets are never published. */
    gradreg_keystore *hmac = NULL;
    CHECK_CODE(gradreg_keystore_open_or_create(S(hmac_path), S(ISSUER), GRADREG_STR("hmac-sha256"),
                                               MAY1, &hmac),
               GRADREG_OK);
    CHECK(file_mode(hmac_path) == 0600);
    set = NULL;
    CHECK_CODE(gradreg_keystore_key_set_json(hmac, &set), GRADREG_OK);
    CHECK(set != NULL && strstr(set, "\"keys\": []") != NULL);
    gradreg_string_free(set);

    /* NULL, forged, wrong-kind and freed handles for every key store function. */
    gradreg_keystore *forged = (gradreg_keystore *)(uintptr_t)0x5550;
    gradreg_registry *registry = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &registry), GRADREG_OK);
    gradreg_keystore *wrong = (gradreg_keystore *)registry;
    gradreg_keystore *handles[3] = {NULL, forged, wrong};
    uint32_t want[3] = {GRADREG_ERR_NULL_ARGUMENT, GRADREG_ERR_INVALID_HANDLE,
                        GRADREG_ERR_WRONG_HANDLE};
    for (int i = 0; i < 3; i++) {
        char *out = SENTINEL;
        gradreg_keyring *r = (gradreg_keyring *)SENTINEL;
        kid = 77;
        CHECK_CODE(gradreg_keystore_rotate(handles[i], GRADREG_STR("ed25519"), MAY2, &kid), want[i]);
        CHECK_CODE(gradreg_keystore_retire(handles[i], 1, MAY2), want[i]);
        CHECK_CODE(gradreg_keystore_keyring(handles[i], &r), want[i]);
        CHECK_CODE(gradreg_keystore_key_set_json(handles[i], &out), want[i]);
        CHECK_CODE(gradreg_keystore_info(handles[i], &out), want[i]);
        CHECK(out == SENTINEL && r == (gradreg_keyring *)SENTINEL && kid == 77);
    }
    CHECK_CODE(gradreg_keystore_keyring(ks, NULL), GRADREG_ERR_NULL_ARGUMENT);
    /* The wrong free function leaves a handle alone; the right one frees it once. */
    gradreg_registry_free((gradreg_registry *)ks);
    gradreg_keyring_free((gradreg_keyring *)ks);
    gradreg_keystore_free((gradreg_keystore *)registry);
    info = NULL;
    CHECK_CODE(gradreg_keystore_info(ks, &info), GRADREG_OK);
    gradreg_string_free(info);
    gradreg_keystore_free(ks);
    gradreg_keystore_free(ks);
    gradreg_keystore_free(NULL);
    info = SENTINEL;
    CHECK_CODE(gradreg_keystore_info(ks, &info), GRADREG_ERR_INVALID_HANDLE);
    CHECK(info == SENTINEL);
    gradreg_keystore_free(hmac);
    gradreg_registry_free(registry);

    unlink(path);
    unlink(other);
    unlink(hmac_path);
    CHECK(rmdir(dir) == 0); /* no temporary file was left behind */
}

/* A key set of one Ed25519 key with this public key in hex. */
static char *key_set_with(const char *public_hex) {
    char *s = malloc(512);
    if (s == NULL) {
        exit(2);
    }
    snprintf(s, 512,
             "{\"format\":\"gradreg-key-set\",\"version\":1,\"issuer\":\"x\",\"keys\":[{\"kid\":1,"
             "\"alg\":\"ed25519\",\"public_key\":\"%s\",\"valid_from\":\"2026-05-01T00:00:00Z\","
             "\"valid_to\":null}]}",
             public_hex);
    return s;
}

static void test_key_sets(void) {
    /* A ring's key set: the Ed25519 key only, the HMAC secret never. */
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_ed25519(ring, 2, B(SEED, 32), 0), GRADREG_OK);
    char *set = SENTINEL;
    CHECK_CODE(gradreg_keyring_key_set_json(ring, GRADREG_STR_NONE, &set),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_key_set_json(ring, S(ISSUER), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_key_set_json(NULL, S(ISSUER), &set), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_key_set_json((gradreg_keyring *)(uintptr_t)0x5560, S(ISSUER), &set),
               GRADREG_ERR_INVALID_HANDLE);
    CHECK(set == SENTINEL);
    CHECK_CODE(gradreg_keyring_key_set_json(ring, S(ISSUER), &set), GRADREG_OK);
    CHECK(set != SENTINEL && strstr(set, "\"kid\": 2") != NULL && strstr(set, "\"kid\": 1") == NULL);
    CHECK(set != SENTINEL && strstr(set, "\"issuer\": \"示例大学\"") != NULL);

    /* Imported: a verify-only ring with the same public key. */
    gradreg_keyring *verifier = (gradreg_keyring *)SENTINEL;
    CHECK_CODE(gradreg_keyring_from_key_set(S(set), 0, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_from_key_set(GRADREG_STR_NONE, 0, &verifier),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_keyring_from_key_set(S(BAD_UTF8), 0, &verifier), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_keyring_from_key_set(S(NOT_JSON), 0, &verifier),
               GRADREG_ERR_KEY_SET_INVALID);
    CHECK_CODE(gradreg_keyring_from_key_set(GRADREG_STR("{}"), 0, &verifier),
               GRADREG_ERR_KEY_SET_INVALID);
    CHECK(verifier == (gradreg_keyring *)SENTINEL);
    CHECK_CODE(gradreg_keyring_from_key_set(S(set), 0, &verifier), GRADREG_OK);
    uint8_t a[32], b[32];
    CHECK_CODE(gradreg_keyring_public_key(ring, 2, a, sizeof a), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_public_key(verifier, 2, b, sizeof b), GRADREG_OK);
    CHECK(memcmp(a, b, 32) == 0);
    char *info = NULL;
    CHECK_CODE(gradreg_keyring_info(verifier, &info), GRADREG_OK);
    CHECK(info != NULL && strstr(info, "\"can_sign\":false") != NULL);
    CHECK(info != NULL && strstr(info, "\"active\":null") != NULL);
    gradreg_string_free(info);

    /* Bad key sets: not hex, a repeated id, another format. */
    char *bad = key_set_with("zz");
    gradreg_keyring *refused = (gradreg_keyring *)SENTINEL;
    CHECK_CODE(gradreg_keyring_from_key_set(S(bad), 0, &refused), GRADREG_ERR_KEY_SET_INVALID);
    free(bad);
    const char *other_format = "{\"format\":\"jwks\",\"version\":1,\"issuer\":\"x\",\"keys\":[]}";
    CHECK_CODE(gradreg_keyring_from_key_set(S(other_format), 0, &refused),
               GRADREG_ERR_KEY_SET_INVALID);
    /* A small-order public key (the identity point, 01 00 … 00): refused in production,
     * accepted by a test ring. */
    char small[65];
    memset(small, '0', 64);
    small[1] = '1';
    small[64] = 0;
    char *weak = key_set_with(small);
    CHECK_CODE(gradreg_keyring_from_key_set(S(weak), 0, &refused), GRADREG_ERR_KEY_REFUSED);
    CHECK(refused == (gradreg_keyring *)SENTINEL);
    gradreg_keyring *test_ring = NULL;
    CHECK_CODE(gradreg_keyring_from_key_set(S(weak), 1, &test_ring), GRADREG_OK);
    info = NULL;
    CHECK_CODE(gradreg_keyring_info(test_ring, &info), GRADREG_OK);
    CHECK(info != NULL && strstr(info, "\"test_mode\":true") != NULL);
    gradreg_string_free(info);
    free(weak);

    gradreg_keyring_free(test_ring);
    gradreg_keyring_free(verifier);
    gradreg_keyring_free(ring);
    gradreg_string_free(set);
}

/* Verifies offline; returns the verdict (or 1000 + the code of a failed call) and, when
 * json_out is not NULL, the verdict's JSON. */
static uint32_t verify_off(gradreg_keyring *ring, gradreg_status_lists *lists, const char *token,
                           const char *options, int64_t now, char **json_out) {
    uint32_t verdict = 99;
    char *json = NULL;
    uint32_t rc = gradreg_token_verify_offline(ring, lists, S(token), S(ARCHIVE_DEPT),
                                               options == NULL ? GRADREG_STR_NONE : S(options),
                                               now, &verdict, &json);
    if (json_out != NULL) {
        *json_out = json;
    } else {
        gradreg_string_free(json);
    }
    return rc == GRADREG_OK ? verdict : 1000 + rc;
}

/* Publishes the registry's status lists and adds the first to a new lists handle, checked with
 * the verifier's ring; *text_out receives the list's text (free it). */
static gradreg_status_lists *publish_lists(gradreg_registry *r, gradreg_keyring *issuer,
                                           gradreg_keyring *verifier, int64_t now,
                                           int64_t next_update, char **text_out) {
    char *json = NULL;
    CHECK_CODE(gradreg_registry_status_lists(r, issuer, now, next_update, &json), GRADREG_OK);
    char *text = json_string_dup(json, "text");
    CHECK(text != NULL && strncmp(text, "GS1.", 4) == 0);
    CHECK(json != NULL && strstr(json, "[{\"list\":0,") == json);
    gradreg_string_free(json);
    gradreg_status_lists *lists = NULL;
    CHECK_CODE(gradreg_status_lists_new(&lists), GRADREG_OK);
    if (text != NULL) {
        CHECK_CODE(gradreg_status_lists_add(lists, verifier, S(text)), GRADREG_OK);
    }
    *text_out = text;
    return lists;
}

static void test_offline_verification(void) {
    /* The issuer: a registry with the graduate authorized, and an Ed25519 key store. */
    char *reg = NULL;
    char number[32];
    gradreg_registry *r = authorized_registry(&reg, number);
    char dir[] = "/tmp/gradreg-offline-XXXXXX";
    char *made = mkdtemp(dir);
    CHECK(made != NULL);
    if (made == NULL) {
        gradreg_registry_free(r);
        free(reg);
        return;
    }
    char path[300];
    snprintf(path, sizeof path, "%s/keys.json", dir);
    gradreg_keystore *ks = NULL;
    CHECK_CODE(gradreg_keystore_create(S(path), S(ISSUER), GRADREG_STR("ed25519"), MAY1, &ks),
               GRADREG_OK);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keystore_keyring(ks, &ring), GRADREG_OK);

    /* A format-2 token with its disclosure, issued through the registry. */
    const char *v2 = "{\"version\":2,\"embed_disclosure\":true}";
    char *token = SENTINEL;
    CHECK_CODE(gradreg_registry_issue_token(NULL, ring, S(number), GRADREG_STR("archive"), S(v2),
                                            MAY2, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token(r, NULL, S(number), GRADREG_STR("archive"), S(v2),
                                            MAY2, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"), S(v2),
                                            MAY2, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, GRADREG_STR_NONE, GRADREG_STR("archive"),
                                            S(v2), MAY2, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), SN(NULL, 4), S(v2), MAY2, &token),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token((gradreg_registry *)ring, ring, S(number),
                                            GRADREG_STR("archive"), S(v2), MAY2, &token),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_registry_issue_token(r, (gradreg_keyring *)r, S(number),
                                            GRADREG_STR("archive"), S(v2), MAY2, &token),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, GRADREG_STR("ABC"), GRADREG_STR("archive"),
                                            S(v2), MAY2, &token),
               GRADREG_ERR_NUMBER_MALFORMED);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("moon"), S(v2), MAY2,
                                            &token),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"),
                                            S(NOT_JSON), MAY2, &token),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"),
                                            GRADREG_STR("{\"version\":7}"), MAY2, &token),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"),
                                            GRADREG_STR("{\"colour\":1}"), MAY2, &token),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(token == SENTINEL);
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"), S(v2),
                                            MAY2, &token),
               GRADREG_OK);
    CHECK(token != SENTINEL && strncmp(token, "GR2.", 4) == 0);
    /* A format-1 token through the registry has no status pointer. */
    char *token_v1 = NULL;
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"),
                                            GRADREG_STR_NONE, MAY2, &token_v1),
               GRADREG_OK);
    CHECK(token_v1 != NULL && strncmp(token_v1, "GR1.", 4) == 0);
    /* gradreg_token_issue takes the version too. */
    char *direct = NULL;
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("hukou"),
                                   GRADREG_STR("{\"version\":2}"), &direct),
               GRADREG_OK);
    CHECK(direct != NULL && strncmp(direct, "GR2.", 4) == 0);
    gradreg_string_free(direct);
    direct = SENTINEL;
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("hukou"),
                                   GRADREG_STR("{\"version\":3}"), &direct),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(direct == SENTINEL);

    /* The registry recorded the signing key. */
    char *keys = SENTINEL;
    CHECK_CODE(gradreg_registry_signing_keys(NULL, S(number), &keys), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_signing_keys(r, GRADREG_STR_NONE, &keys),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_signing_keys(r, S(number), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_signing_keys(r, GRADREG_STR("12"), &keys),
               GRADREG_ERR_NUMBER_MALFORMED);
    CHECK_CODE(gradreg_registry_signing_keys((gradreg_registry *)ring, S(number), &keys),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(keys == SENTINEL);
    CHECK_CODE(gradreg_registry_signing_keys(r, S(number), &keys), GRADREG_OK);
    CHECK(keys != SENTINEL && strstr(keys, "\"key_id\":1") != NULL);
    CHECK(keys != SENTINEL && strstr(keys, "\"first_at\":\"2026-05-02T02:00:00Z\"") != NULL);
    CHECK(keys != SENTINEL && strstr(keys, "\"key_id\":2") == NULL);
    gradreg_string_free(keys);

    /* Published lists: nothing revoked yet. */
    char *lists_json = SENTINEL;
    CHECK_CODE(gradreg_registry_status_lists(NULL, ring, MAY2 + 60, MAY2 + 86400, &lists_json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_status_lists(r, NULL, MAY2 + 60, MAY2 + 86400, &lists_json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_status_lists(r, ring, MAY2 + 60, MAY2 + 86400, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_status_lists(r, ring, MAY2 + 60, MAY2 + 60, &lists_json),
               GRADREG_ERR_STATUS_LIST_INVALID);
    CHECK_CODE(gradreg_registry_status_lists(r, ring, MAY2 + 60, INT64_MIN, &lists_json),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_status_lists(r, (gradreg_keyring *)ks, MAY2 + 60, MAY2 + 86400,
                                             &lists_json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(lists_json == SENTINEL);
    CHECK_CODE(gradreg_registry_status_lists(r, ring, MAY2 + 60, MAY2 + 86400, &lists_json),
               GRADREG_OK);
    CHECK(lists_json != SENTINEL && strstr(lists_json, "\"not_in_force\":0") != NULL);
    char *text = json_string_dup(lists_json, "text");
    gradreg_string_free(lists_json);
    CHECK(text != NULL && strncmp(text, "GS1.", 4) == 0);

    /* The verifier holds ONLY the key set JSON and the list texts. */
    char *set = NULL;
    CHECK_CODE(gradreg_keystore_key_set_json(ks, &set), GRADREG_OK);
    gradreg_keyring *verifier = NULL;
    CHECK_CODE(gradreg_keyring_from_key_set(S(set), 0, &verifier), GRADREG_OK);
    gradreg_status_lists *lists = NULL;
    CHECK_CODE(gradreg_status_lists_new(NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_status_lists_new(&lists), GRADREG_OK);
    CHECK_CODE(gradreg_status_lists_add(lists, verifier, GRADREG_STR_NONE),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_status_lists_add(NULL, verifier, S(text)), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_status_lists_add(lists, NULL, S(text)), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_status_lists_add(lists, verifier, GRADREG_STR("hello")),
               GRADREG_ERR_STATUS_LIST_INVALID);
    CHECK_CODE(gradreg_status_lists_add(lists, verifier, S(BAD_UTF8)), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_status_lists_add((gradreg_status_lists *)verifier, verifier, S(text)),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_status_lists_add(lists, (gradreg_keyring *)lists, S(text)),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_status_lists_add((gradreg_status_lists *)(uintptr_t)0x5570, verifier,
                                        S(text)),
               GRADREG_ERR_INVALID_HANDLE);
    if (text != NULL) {
        /* A changed character: the signature no longer holds. */
        char *forged = dup_str(text);
        size_t mid = strlen(forged) / 2;
        forged[mid] = forged[mid] == 'A' ? 'B' : 'A';
        CHECK_CODE(gradreg_status_lists_add(lists, verifier, S(forged)),
                   GRADREG_ERR_STATUS_LIST_INVALID);
        free(forged);
        /* Another issuer's key set does not check it. */
        gradreg_keyring *stranger = NULL;
        char *other_set = NULL;
        CHECK_CODE(gradreg_keyring_new(0, &stranger), GRADREG_OK);
        CHECK_CODE(gradreg_keyring_add_ed25519(stranger, 1, B(SEED, 32), 1), GRADREG_OK);
        CHECK_CODE(gradreg_keyring_key_set_json(stranger, GRADREG_STR("别人"), &other_set),
                   GRADREG_OK);
        gradreg_keyring *stranger_verifier = NULL;
        CHECK_CODE(gradreg_keyring_from_key_set(S(other_set), 0, &stranger_verifier), GRADREG_OK);
        CHECK_CODE(gradreg_status_lists_add(lists, stranger_verifier, S(text)),
                   GRADREG_ERR_STATUS_LIST_INVALID);
        gradreg_keyring_free(stranger_verifier);
        gradreg_keyring_free(stranger);
        gradreg_string_free(other_set);
    }
    char *held = SENTINEL;
    CHECK_CODE(gradreg_status_lists_info(lists, &held), GRADREG_OK);
    CHECK(held != SENTINEL && strcmp(held, "[]") == 0); /* nothing refused was added */
    gradreg_string_free(held);
    CHECK_CODE(gradreg_status_lists_add(lists, verifier, S(text)), GRADREG_OK);
    held = NULL;
    CHECK_CODE(gradreg_status_lists_info(lists, &held), GRADREG_OK);
    CHECK(held != NULL && strstr(held, "\"list\":0") != NULL);
    CHECK(held != NULL && strstr(held, "\"entries\":131072") != NULL);
    CHECK(held != NULL && strstr(held, "\"next_update\":\"2026-05-03T02:00:00Z\"") != NULL);
    gradreg_string_free(held);

    /* valid_offline, with the disclosure the token carries and the list's time. */
    char *json = NULL;
    CHECK(verify_off(verifier, lists, token, NULL, MAY2 + 120, &json) ==
          GRADREG_VERDICT_VALID_OFFLINE);
    CHECK(json != NULL && strstr(json, "\"verdict\":\"valid_offline\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"code\":13") != NULL);
    CHECK(json != NULL && strstr(json, "\"disclosure\":{") != NULL);
    CHECK(json != NULL && strstr(json, "\"identity\":{") != NULL);
    CHECK(json != NULL && strstr(json, "\"status_as_of\":\"2026-05-02T02:01:00Z\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"failed_at\":null") != NULL);
    CHECK(json != NULL && strstr(json, "13812345678") == NULL); /* never the phone */
    gradreg_string_free(json);
    /* The hukou office does not see the archive form, offline either. */
    {
        uint32_t verdict = 99;
        char *j = NULL;
        CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(HUKOU_DEPT),
                                                GRADREG_STR_NONE, MAY2 + 120, &verdict, &j),
                   GRADREG_OK);
        CHECK(verdict == GRADREG_VERDICT_WRONG_SECTION);
        gradreg_string_free(j);
    }
    /* The holder: the printed number and the name. */
    char opts[160];
    snprintf(opts, sizeof opts, "{\"printed_number\":\"%s\",\"holder_name\":\"张明\"}", number);
    CHECK(verify_off(verifier, lists, token, opts, MAY2 + 120, NULL) ==
          GRADREG_VERDICT_VALID_OFFLINE);
    CHECK(verify_off(verifier, lists, token, "{\"holder_name\":\"李四\"}", MAY2 + 120, NULL) ==
          GRADREG_VERDICT_HOLDER_MISMATCH);
    {
        /* The number of another authorization (another registry's graduate). */
        char *other_reg = NULL;
        char other[32];
        gradreg_registry *r2 = authorized_registry(&other_reg, other);
        CHECK(strcmp(other, number) != 0);
        snprintf(opts, sizeof opts, "{\"printed_number\":\"%s\"}", other);
        json = NULL;
        CHECK(verify_off(verifier, lists, token, opts, MAY2 + 120, &json) ==
              GRADREG_VERDICT_HOLDER_MISMATCH);
        CHECK(json != NULL && strstr(json, "\"failed_at\":\"holder\"") != NULL);
        CHECK(json != NULL && strstr(json, "\"identity\"") == NULL); /* nothing disclosed */
        gradreg_string_free(json);
        /* Online too. */
        uint32_t verdict = 99;
        char *j = NULL;
        CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), S(opts), MAY2 + 120,
                                        &verdict, &j),
                   GRADREG_OK);
        CHECK(verdict == GRADREG_VERDICT_HOLDER_MISMATCH);
        gradreg_string_free(j);
        gradreg_registry_free(r2);
        free(other_reg);
    }
    /* A printed number that is no number, or has a typo, is an error, not a verdict. */
    char typo[32];
    memcpy(typo, number, sizeof typo);
    typo[1] = typo[1] == 'A' ? 'B' : 'A';
    snprintf(opts, sizeof opts, "{\"printed_number\":\"%s\"}", typo);
    CHECK(verify_off(verifier, lists, token, opts, MAY2 + 120, NULL) ==
          1000 + GRADREG_ERR_NUMBER_TYPO);
    CHECK(verify_off(verifier, lists, token, "{\"printed_number\":\"12\"}", MAY2 + 120, NULL) ==
          1000 + GRADREG_ERR_NUMBER_MALFORMED);
    CHECK(verify_scan(ring, r, token, ARCHIVE_DEPT, MAY2 + 120) == GRADREG_VERDICT_VALID);
    {
        uint32_t verdict = 99;
        char *j = SENTINEL;
        CHECK_CODE(gradreg_token_verify(ring, r, S(token), S(ARCHIVE_DEPT), S(opts), MAY2 + 120,
                                        &verdict, &j),
                   GRADREG_ERR_NUMBER_TYPO);
        CHECK(verdict == 99 && j == SENTINEL);
    }

    /* Unchecked: no lists held (NULL, or an empty handle); a stale list; a format-1 token. */
    json = NULL;
    CHECK(verify_off(verifier, NULL, token, NULL, MAY2 + 120, &json) ==
          GRADREG_VERDICT_UNCHECKED);
    CHECK(json != NULL && strstr(json, "\"reason\":\"no_status_list\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"reason_zh\":\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"failed_at\":\"status\"") != NULL);
    CHECK(json != NULL && strstr(json, "\"disclosure\":{") != NULL);
    gradreg_string_free(json);
    gradreg_status_lists *empty = NULL;
    CHECK_CODE(gradreg_status_lists_new(&empty), GRADREG_OK);
    CHECK(verify_off(verifier, empty, token, NULL, MAY2 + 120, NULL) ==
          GRADREG_VERDICT_UNCHECKED);
    json = NULL;
    CHECK(verify_off(verifier, lists, token, NULL, MAY2 + 86400, &json) ==
          GRADREG_VERDICT_UNCHECKED);
    CHECK(json != NULL && strstr(json, "\"reason\":\"stale_status_list\"") != NULL);
    gradreg_string_free(json);
    json = NULL;
    CHECK(verify_off(verifier, lists, token_v1, NULL, MAY2 + 120, &json) ==
          GRADREG_VERDICT_UNCHECKED);
    CHECK(json != NULL && strstr(json, "\"reason\":\"no_status_pointer\"") != NULL);
    gradreg_string_free(json);
    /* Only accepted verdicts say valid: a verifier without the issuer's key cannot. */
    gradreg_keyring *nobody = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &nobody), GRADREG_OK);
    CHECK(verify_off(nobody, lists, token, NULL, MAY2 + 120, NULL) == GRADREG_VERDICT_UNKNOWN_KEY);
    gradreg_keyring_free(nobody);

    /* Revoked: the graduate revokes, the issuer republishes, the verifier takes the new list. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "{\"command\":\"revoke_authorization\",\"number\":\"%s\"}", number);
    CHECK_CODE(reg_apply(r, "g1", graduate_actor, cmd, MAY2 + 200), GRADREG_OK);
    char *text2 = NULL;
    gradreg_status_lists *fresh = publish_lists(r, ring, verifier, MAY2 + 300, MAY2 + 86400, &text2);
    lists_json = NULL;
    CHECK_CODE(gradreg_registry_status_lists(r, ring, MAY2 + 300, MAY2 + 86400, &lists_json),
               GRADREG_OK);
    CHECK(lists_json != NULL && strstr(lists_json, "\"not_in_force\":1") != NULL);
    gradreg_string_free(lists_json);
    json = NULL;
    CHECK(verify_off(verifier, fresh, token, NULL, MAY2 + 400, &json) == GRADREG_VERDICT_REVOKED);
    CHECK(json != NULL && strstr(json, "\"failed_at\":\"status\"") != NULL);
    gradreg_string_free(json);
    /* The older list added after the newer one changes nothing; the newer replaces the older. */
    CHECK_CODE(gradreg_status_lists_add(fresh, verifier, S(text)), GRADREG_OK);
    CHECK(verify_off(verifier, fresh, token, NULL, MAY2 + 400, NULL) == GRADREG_VERDICT_REVOKED);
    CHECK(verify_off(verifier, lists, token, NULL, MAY2 + 400, NULL) ==
          GRADREG_VERDICT_VALID_OFFLINE); /* as of its list's time */
    CHECK_CODE(gradreg_status_lists_add(lists, verifier, S(text2)), GRADREG_OK);
    CHECK(verify_off(verifier, lists, token, NULL, MAY2 + 400, NULL) == GRADREG_VERDICT_REVOKED);
    /* No new token for a revoked authorization. */
    char *refused = SENTINEL;
    CHECK_CODE(gradreg_registry_issue_token(r, ring, S(number), GRADREG_STR("archive"), S(v2),
                                            MAY2 + 500, &refused),
               GRADREG_ERR_AUTHORIZATION_NOT_ACTIVE);
    CHECK(refused == SENTINEL);

    /* A verify-only ring cannot sign lists or tokens. */
    lists_json = SENTINEL;
    CHECK_CODE(gradreg_registry_status_lists(r, verifier, MAY2 + 300, MAY2 + 86400, &lists_json),
               GRADREG_ERR_NO_ACTIVE_KEY);
    CHECK(lists_json == SENTINEL);

    /* Every argument of gradreg_token_verify_offline. */
    uint32_t verdict = 99;
    json = SENTINEL;
    CHECK_CODE(gradreg_token_verify_offline(NULL, lists, S(token), S(ARCHIVE_DEPT),
                                            GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, GRADREG_STR_NONE, S(ARCHIVE_DEPT),
                                            GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), GRADREG_STR_NONE,
                                            GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(ARCHIVE_DEPT),
                                            SN(NULL, 3), MAY2, &verdict, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(ARCHIVE_DEPT),
                                            GRADREG_STR_NONE, MAY2, NULL, &json),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(ARCHIVE_DEPT),
                                            GRADREG_STR_NONE, MAY2, &verdict, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, GRADREG_STR("\xff"), S(ARCHIVE_DEPT),
                                            GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(NOT_JSON),
                                            GRADREG_STR_NONE, MAY2, &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(ARCHIVE_DEPT),
                                            S(NOT_JSON), MAY2, &verdict, &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(ARCHIVE_DEPT),
                                            GRADREG_STR("{\"holder\":\"x\"}"), MAY2, &verdict,
                                            &json),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_token_verify_offline(verifier, lists, S(token), S(ARCHIVE_DEPT),
                                            GRADREG_STR_NONE, INT64_MAX, &verdict, &json),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_token_verify_offline(verifier, (gradreg_status_lists *)(uintptr_t)0x5580,
                                            S(token), S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2,
                                            &verdict, &json),
               GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_token_verify_offline(verifier, (gradreg_status_lists *)verifier, S(token),
                                            S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2, &verdict,
                                            &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_token_verify_offline((gradreg_keyring *)lists, lists, S(token),
                                            S(ARCHIVE_DEPT), GRADREG_STR_NONE, MAY2, &verdict,
                                            &json),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(verdict == 99 && json == SENTINEL);
    /* Garbage is a verdict, not an error. */
    uint32_t garbage = verify_off(verifier, lists, "GR2.NOTATOKEN", NULL, MAY2, NULL);
    CHECK(garbage == GRADREG_VERDICT_MALFORMED || garbage == GRADREG_VERDICT_BAD_SIGNATURE);
    CHECK(verify_off(verifier, lists, "", NULL, MAY2, NULL) == GRADREG_VERDICT_MALFORMED);
    /* status_lists_info's arguments. */
    held = SENTINEL;
    CHECK_CODE(gradreg_status_lists_info(NULL, &held), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_status_lists_info(lists, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_status_lists_info((gradreg_status_lists *)r, &held),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(held == SENTINEL);

    /* A rotation: the new key signs the lists from then on. A verifier with the old key set
     * cannot check them until it fetches the new set, in which the old key still verifies
     * the tokens it signed. */
    uint32_t kid = 0;
    CHECK_CODE(gradreg_keystore_rotate(ks, GRADREG_STR("ed25519"), MAY2 + 600, &kid), GRADREG_OK);
    CHECK(kid == 2);
    gradreg_keyring *ring2 = NULL;
    CHECK_CODE(gradreg_keystore_keyring(ks, &ring2), GRADREG_OK);
    lists_json = NULL;
    CHECK_CODE(gradreg_registry_status_lists(r, ring2, MAY2 + 700, MAY2 + 86400, &lists_json),
               GRADREG_OK);
    char *text3 = json_string_dup(lists_json, "text");
    gradreg_string_free(lists_json);
    CHECK(text3 != NULL);
    if (text3 != NULL) {
        CHECK_CODE(gradreg_status_lists_add(lists, verifier, S(text3)),
                   GRADREG_ERR_STATUS_LIST_INVALID);
        char *set2 = NULL;
        CHECK_CODE(gradreg_keystore_key_set_json(ks, &set2), GRADREG_OK);
        gradreg_keyring *verifier2 = NULL;
        CHECK_CODE(gradreg_keyring_from_key_set(S(set2), 0, &verifier2), GRADREG_OK);
        gradreg_status_lists *lists2 = NULL;
        CHECK_CODE(gradreg_status_lists_new(&lists2), GRADREG_OK);
        CHECK_CODE(gradreg_status_lists_add(lists2, verifier2, S(text3)), GRADREG_OK);
        CHECK(verify_off(verifier2, lists2, token, NULL, MAY2 + 800, NULL) ==
              GRADREG_VERDICT_REVOKED);
        gradreg_status_lists_free(lists2);
        gradreg_keyring_free(verifier2);
        gradreg_string_free(set2);
        free(text3);
    }
    gradreg_keyring_free(ring2);

    /* Frees: the wrong free function leaves a handle alone; the right one frees it once. */
    gradreg_keyring_free((gradreg_keyring *)lists);
    gradreg_registry_free((gradreg_registry *)lists);
    gradreg_status_lists_free((gradreg_status_lists *)verifier);
    held = NULL;
    CHECK_CODE(gradreg_status_lists_info(lists, &held), GRADREG_OK);
    gradreg_string_free(held);
    CHECK(verify_off(verifier, lists, token, NULL, MAY2 + 400, NULL) == GRADREG_VERDICT_REVOKED);
    gradreg_status_lists_free(lists);
    gradreg_status_lists_free(lists);
    gradreg_status_lists_free(NULL);
    CHECK(verify_off(verifier, lists, token, NULL, MAY2 + 400, NULL) ==
          1000 + GRADREG_ERR_INVALID_HANDLE);

    gradreg_status_lists_free(fresh);
    gradreg_status_lists_free(empty);
    gradreg_keyring_free(verifier);
    gradreg_keyring_free(ring);
    gradreg_keystore_free(ks);
    gradreg_registry_free(r);
    gradreg_string_free(token);
    gradreg_string_free(token_v1);
    gradreg_string_free(set);
    free(text);
    free(text2);
    free(reg);
    unlink(path);
    CHECK(rmdir(dir) == 0);
}

/* One renderer for the tests: finding and reading a system font takes a while under valgrind. */
static gradreg_renderer *shared_renderer;

static void test_renderer(void) {
    gradreg_renderer *renderer = (gradreg_renderer *)SENTINEL;
    CHECK_CODE(gradreg_renderer_new(GRADREG_STR_NONE, NULL), GRADREG_ERR_NULL_ARGUMENT);
    const char *missing = "/nonexistent/font.ttf";
    uint32_t rc = gradreg_renderer_new(S(missing), &renderer);
    CHECK(rc == GRADREG_ERR_FONT_INVALID || rc == GRADREG_ERR_FONT_NOT_FOUND);
    CHECK_CODE(gradreg_renderer_new(GRADREG_STR("\xff"), &renderer), GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_renderer_new_from_font(BS("not a font"), &renderer),
               GRADREG_ERR_FONT_INVALID);
    CHECK_CODE(gradreg_renderer_new_from_font(B(NULL, 10), &renderer), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_new_from_font(BS("x"), NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK(renderer == (gradreg_renderer *)SENTINEL);
    rc = gradreg_renderer_new(GRADREG_STR_NONE, &renderer);
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
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_OK);
    char *token = NULL;
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &token),
               GRADREG_OK);
    if (token == NULL) {
        return;
    }
    const char *formats[3] = {"svg", "pdf", "png"};
    const char *magic[3] = {"<svg", "%PDF", "\x89PNG"};
    for (int i = 0; i < 3; i++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                           S(token), S(formats[i]), 72, MAY2, &bytes, &len),
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
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("png"), 10, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_RENDER_SIZE);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("gif"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       GRADREG_STR("\x01"), GRADREG_STR("svg"), 0, MAY2, &bytes,
                                       &len),
               GRADREG_ERR_QR_PAYLOAD_INVALID);
    /* After the validity the form is refused. */
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("svg"), 0, MAY2 + 40 * 86400, &bytes,
                                       &len),
               GRADREG_ERR_AUTHORIZATION_EXPIRED);
    CHECK_CODE(gradreg_renderer_render(NULL, S(reg), S(number), GRADREG_STR("archive"), S(token),
                                       GRADREG_STR("svg"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, GRADREG_STR_NONE, S(number),
                                       GRADREG_STR("archive"), S(token), GRADREG_STR("svg"), 0,
                                       MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), GRADREG_STR_NONE, GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("svg"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), SN(NULL, 7), S(token),
                                       GRADREG_STR("svg"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       GRADREG_STR_NONE, GRADREG_STR("svg"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), SN(NULL, 3), 0, MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("svg"), 0, MAY2, NULL, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("svg"), 0, MAY2, &bytes, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render(renderer, S(NOT_JSON), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("svg"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(token), GRADREG_STR("sv\xff"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_renderer_render((gradreg_renderer *)ring, S(reg), S(number),
                                       GRADREG_STR("archive"), S(token), GRADREG_STR("svg"), 0,
                                       MAY2, &bytes, &len),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(bytes == (uint8_t *)SENTINEL && len == 7);

    gradreg_string_free(token);
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
    free(reg);
}

/* ---- a class of forms at once: one PDF, a ZIP of PNG pages, in memory or streamed to a file ---- */

/* Occurrences of `needle` in `len` bytes at `hay`. */
static size_t count_in(const uint8_t *hay, size_t len, const char *needle) {
    size_t n = 0, k = strlen(needle);
    const uint8_t *p = hay, *end = hay + len;
    while (p < end) {
        const uint8_t *hit = memmem(p, (size_t)(end - p), needle, k);
        if (hit == NULL) {
            break;
        }
        n++;
        p = hit + k;
    }
    return n;
}

/* Page objects of a PDF: "/Type /Page" not followed by "s" (the page tree is /Pages). */
static size_t pdf_pages(const uint8_t *pdf, size_t len) {
    return count_in(pdf, len, "/Type /Page") - count_in(pdf, len, "/Type /Pages");
}

/* The entries of a ZIP archive, from its end-of-central-directory record (the last 22 bytes:
 * the archive has no comment). */
static int zip_entries(const uint8_t *zip, size_t len) {
    if (len < 22 || memcmp(zip + len - 22, "PK\x05\x06", 4) != 0) {
        return -1;
    }
    return zip[len - 12] | (zip[len - 11] << 8);
}

/* A JSON array of `n` class items; item `bad` (if < n) gets `bad_item` instead. Free it. */
static char *class_items(const char *reg, const char *number, const char *tokens[2], int n,
                         int bad, const char *bad_item) {
    size_t cap = (size_t)n * (strlen(reg) + strlen(tokens[0]) + strlen(tokens[1]) + 200) + 64;
    if (bad_item != NULL) {
        cap += strlen(bad_item);
    }
    char *json = malloc(cap);
    if (json == NULL) {
        return NULL;
    }
    size_t at = 0;
    json[at++] = '[';
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            json[at++] = ',';
        }
        if (i == bad && bad_item != NULL) {
            at += (size_t)snprintf(json + at, cap - at, "%s", bad_item);
        } else {
            at += (size_t)snprintf(json + at, cap - at,
                                   "{\"registration\":%s,\"number\":\"%s\",\"section\":\"%s\","
                                   "\"token\":\"%s\"}",
                                   reg, number, i % 2 ? "hukou" : "archive", tokens[i % 2]);
        }
    }
    json[at++] = ']';
    json[at] = 0;
    return json;
}

/* Names in a folder, other than . and .. */
static int files_in(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

static uint8_t *read_file(const char *path, size_t *len) {
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *data = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 0 && fseek(f, 0, SEEK_SET) == 0) {
            data = malloc((size_t)size);
            if (data != NULL && fread(data, 1, (size_t)size, f) == (size_t)size) {
                *len = (size_t)size;
            } else {
                free(data);
                data = NULL;
            }
        }
    }
    fclose(f);
    return data;
}

/* Whether this process runs under valgrind, which preloads its own libraries into it. */
static int under_valgrind(void) {
    const char *preload = getenv("LD_PRELOAD");
    return preload != NULL && strstr(preload, "vgpreload") != NULL;
}

static void test_class(void) {
    gradreg_renderer *renderer = shared_renderer;
    if (renderer == NULL) {
        return;
    }
    /* A PNG page takes about half a minute under valgrind: there the ZIPs hold 2 pages; the
     * run under AddressSanitizer, of the same code, writes the ZIP of 40. */
    const int vg = under_valgrind();
    const int zip_pages = vg ? 2 : 40;
    char *reg = NULL;
    char number[32];
    gradreg_registry *r = authorized_registry(&reg, number);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_OK);
    char *archive = NULL, *hukou = NULL;
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("archive"),
                                   GRADREG_STR_NONE, &archive),
               GRADREG_OK);
    CHECK_CODE(gradreg_token_issue(ring, S(reg), S(number), GRADREG_STR("hukou"),
                                   GRADREG_STR_NONE, &hukou),
               GRADREG_OK);
    char *class40 = NULL;
    char *class3 = NULL;
    char *class2 = NULL;
    if (reg == NULL || archive == NULL || hukou == NULL) {
        goto done;
    }
    const char *tokens[2] = {archive, hukou};
    class40 = class_items(reg, number, tokens, 40, -1, NULL);
    class3 = class_items(reg, number, tokens, 3, -1, NULL);
    class2 = class_items(reg, number, tokens, 2, -1, NULL);
    CHECK(class40 != NULL && class3 != NULL && class2 != NULL);
    if (class40 == NULL || class3 == NULL || class2 == NULL) {
        goto done;
    }
    const char *zip_class = vg ? class2 : class40;

    /* 40 forms, one PDF of 40 pages; each font subset once, so far smaller than 40 PDFs. */
    uint8_t *pdf = NULL;
    size_t pdf_len = 0;
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class40), GRADREG_STR("pdf"), 0, MAY2,
                                             &pdf, &pdf_len),
               GRADREG_OK);
    CHECK(pdf != NULL && pdf_len > 5 && memcmp(pdf, "%PDF-", 5) == 0);
    if (pdf != NULL) {
        CHECK(pdf_pages(pdf, pdf_len) == 40);
        CHECK(count_in(pdf, pdf_len, "/Count 40") == 1);
        CHECK(count_in(pdf, pdf_len, "pdfaid") == 0);
    }
    uint8_t *one = NULL;
    size_t one_len = 0;
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("archive"),
                                       S(archive), GRADREG_STR("pdf"), 0, MAY2, &one, &one_len),
               GRADREG_OK);
    CHECK(one != NULL && pdf_len < 40 * one_len / 4);
    gradreg_bytes_free(one, one_len);
    gradreg_bytes_free(pdf, pdf_len);

    /* PDF/A-2b: for a class, and for one form through gradreg_renderer_render. */
    pdf = NULL;
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), GRADREG_STR("pdf/a"), 0, MAY2,
                                             &pdf, &pdf_len),
               GRADREG_OK);
    if (pdf != NULL) {
        CHECK(pdf_pages(pdf, pdf_len) == 3);
        CHECK(count_in(pdf, pdf_len, "<pdfaid:part>2</pdfaid:part>") == 1);
        CHECK(count_in(pdf, pdf_len, "<pdfaid:conformance>B</pdfaid:conformance>") == 1);
        CHECK(count_in(pdf, pdf_len, "/OutputIntents") == 1);
    }
    gradreg_bytes_free(pdf, pdf_len);
    one = NULL;
    CHECK_CODE(gradreg_renderer_render(renderer, S(reg), S(number), GRADREG_STR("hukou"),
                                       S(hukou), GRADREG_STR("pdf/a"), 0, MAY2, &one, &one_len),
               GRADREG_OK);
    CHECK(one != NULL && memcmp(one, "%PDF-", 5) == 0 &&
          count_in(one, one_len, "<pdfaid:part>2</pdfaid:part>") == 1 &&
          pdf_pages(one, one_len) == 1);
    gradreg_bytes_free(one, one_len);

    /* A ZIP of PNG pages in memory, named in order. */
    uint8_t *zip = NULL;
    size_t zip_len = 0;
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class2), GRADREG_STR("png-zip"), 72,
                                             MAY2, &zip, &zip_len),
               GRADREG_OK);
    CHECK(zip != NULL && zip_len > 30 && memcmp(zip, "PK\x03\x04", 4) == 0);
    if (zip != NULL && zip_len > 30) {
        CHECK(zip_entries(zip, zip_len) == 2);
        size_t name_len = (size_t)(zip[26] | (zip[27] << 8));
        CHECK(name_len > 12 && memcmp(zip + 30, "001-archive-", 12) == 0);
        CHECK(30 + name_len + 8 < zip_len && memcmp(zip + 30 + name_len, "\x89PNG", 4) == 0);
        CHECK(count_in(zip, zip_len, "002-hukou-") == 2); /* local header, central directory */
        CHECK(count_in(zip, zip_len, "\x89PNG\r\n") == 2);
    }
    gradreg_bytes_free(zip, zip_len);

    /* Streamed to files: 40 pages each (the ZIP: see above), nothing else left in the folder. */
    char dir[] = "/tmp/gradreg-class-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        CHECK(0);
        goto done;
    }
    char pdf_path[300], zip_path[300];
    snprintf(pdf_path, sizeof pdf_path, "%s/class.pdf", dir);
    snprintf(zip_path, sizeof zip_path, "%s/class.zip", dir);
    size_t pages = 0;
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(class40), GRADREG_STR("pdf"), 0, MAY2,
                                            S(pdf_path), &pages),
               GRADREG_OK);
    CHECK(pages == 40);
    pdf = read_file(pdf_path, &pdf_len);
    CHECK(pdf != NULL && memcmp(pdf, "%PDF-", 5) == 0 && pdf_pages(pdf, pdf_len) == 40);
    free(pdf);
    pages = 0;
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(zip_class), GRADREG_STR("png-zip"), 72,
                                            MAY2, S(zip_path), &pages),
               GRADREG_OK);
    CHECK(pages == (size_t)zip_pages);
    zip = read_file(zip_path, &zip_len);
    CHECK(zip != NULL && zip_entries(zip, zip_len) == zip_pages);
    if (zip != NULL) {
        char last[32];
        snprintf(last, sizeof last, "%03d-hukou-", zip_pages);
        CHECK(count_in(zip, zip_len, "PK\x03\x04") == (size_t)zip_pages);
        CHECK(count_in(zip, zip_len, "\x89PNG\r\n") == (size_t)zip_pages);
        CHECK(count_in(zip, zip_len, last) == 2);
    }
    free(zip);
    CHECK(files_in(dir) == 2);

    /* Errors: nothing is written to the outputs, and nothing is left behind. */
    uint8_t *bytes = (uint8_t *)SENTINEL;
    size_t len = 7;
    pages = 7;
    char detail[512];
    CHECK_CODE(gradreg_renderer_render_class(renderer, GRADREG_STR("[]"), GRADREG_STR("pdf"), 0,
                                             MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_ARGUMENT);
    char empty_path[300];
    snprintf(empty_path, sizeof empty_path, "%s/empty.pdf", dir);
    CHECK_CODE(gradreg_renderer_write_class(renderer, GRADREG_STR(" [ ] "), GRADREG_STR("pdf"), 0,
                                            MAY2, S(empty_path), &pages),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(access(empty_path, F_OK) != 0);
    CHECK_CODE(gradreg_renderer_render_class(renderer, GRADREG_STR("{}"), GRADREG_STR("pdf"), 0,
                                             MAY2, &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(NOT_JSON), GRADREG_STR("pdf"), 0, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), GRADREG_STR("gif"), 0, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), GRADREG_STR("png-zip"), 10, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_INVALID_RENDER_SIZE);
    /* A bad item names its index, counting from 0. */
    char bad_section[2048];
    snprintf(bad_section, sizeof bad_section,
             "{\"registration\":{},\"number\":\"%s\",\"section\":\"front\",\"token\":\"T\"}",
             number);
    char *bad = class_items(reg, number, tokens, 4, 2, bad_section);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(bad), GRADREG_STR("pdf"), 0, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON); /* {} is not a registration */
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strstr(detail, "items_json[2].registration") != NULL);
    free(bad);
    snprintf(bad_section, sizeof bad_section,
             "{\"registration\":%s,\"number\":\"%s\",\"section\":\"front\",\"token\":\"T\"}", reg,
             number);
    bad = class_items(reg, number, tokens, 4, 2, bad_section);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(bad), GRADREG_STR("pdf/a"), 0, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strncmp(detail, "[103] items_json[2]: ", 21) == 0 && strstr(detail, "front") != NULL);
    free(bad);
    bad = class_items(reg, number, tokens, 4, 0, "{\"registration\":{},\"number\":\"x\"}");
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(bad), GRADREG_STR("png-zip"), 72, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strstr(detail, "items_json[0]") != NULL && strstr(detail, "section") != NULL);
    free(bad);
    bad = class_items(reg, number, tokens, 3, 0, "[1]");
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(bad), GRADREG_STR("pdf"), 0, MAY2,
                                             &bytes, &len),
               GRADREG_ERR_MALFORMED_JSON);
    free(bad);
    /* Every form of a class must be in force: after the validity, the first item fails. */
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), GRADREG_STR("pdf"), 0,
                                             MAY2 + 40 * 86400, &bytes, &len),
               GRADREG_ERR_AUTHORIZATION_EXPIRED);
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strncmp(detail, "[219] items_json[0]: ", 21) == 0);
    CHECK(bytes == (uint8_t *)SENTINEL && len == 7);

    /* The last of 40 items is bad: the streamed file is removed, an existing one kept. */
    FILE *old = fopen(pdf_path, "wb");
    CHECK(old != NULL);
    if (old != NULL) {
        fputs("old", old);
        fclose(old);
    }
    bad = class_items(reg, number, tokens, 40, 39, bad_section);
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(bad), GRADREG_STR("pdf"), 0, MAY2,
                                            S(pdf_path), &pages),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strncmp(detail, "[103] items_json[39]: ", 22) == 0);
    free(bad);
    bad = class_items(reg, number, tokens, 2, 1, bad_section);
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(bad), GRADREG_STR("png-zip"), 72, MAY2,
                                            S(empty_path), &pages),
               GRADREG_ERR_INVALID_ARGUMENT);
    free(bad);
    CHECK(access(empty_path, F_OK) != 0);
    CHECK(files_in(dir) == 2);
    size_t old_len = 0;
    uint8_t *kept = read_file(pdf_path, &old_len);
    CHECK(kept != NULL && old_len == 3 && memcmp(kept, "old", 3) == 0);
    free(kept);
    /* A folder that does not exist: 507 naming it, and nothing created. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing/class.pdf", dir);
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                            S(missing), &pages),
               GRADREG_ERR_IO);
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strncmp(detail, "[507]", 5) == 0 && strstr(detail, "missing") != NULL);
    /* A folder is not a file; the empty path is not a place. */
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                            S(dir), &pages),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                            GRADREG_STR(""), &pages),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(files_in(dir) == 2);
    CHECK(pages == 7);

    /* NULL, none and handles. */
    CHECK_CODE(gradreg_renderer_render_class(NULL, S(class3), GRADREG_STR("pdf"), 0, MAY2, &bytes,
                                             &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render_class((gradreg_renderer *)ring, S(class3),
                                             GRADREG_STR("pdf"), 0, MAY2, &bytes, &len),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK_CODE(gradreg_renderer_render_class(renderer, GRADREG_STR_NONE, GRADREG_STR("pdf"), 0,
                                             MAY2, &bytes, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), SN(NULL, 3), 0, MAY2, &bytes,
                                             &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                             NULL, &len),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                             &bytes, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_render_class(renderer, GRADREG_STR("[\xff]"), GRADREG_STR("pdf"),
                                             0, MAY2, &bytes, &len),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                            GRADREG_STR_NONE, &pages),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_write_class(renderer, S(class3), GRADREG_STR("pdf"), 0, MAY2,
                                            S(empty_path), NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_renderer_write_class((gradreg_renderer *)ring, S(class3),
                                            GRADREG_STR("pdf"), 0, MAY2, S(empty_path), &pages),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(access(empty_path, F_OK) != 0);
    CHECK(bytes == (uint8_t *)SENTINEL && len == 7 && pages == 7);

    unlink(pdf_path);
    unlink(zip_path);
    CHECK(rmdir(dir) == 0);
done:
    free(class40);
    free(class3);
    free(class2);
    gradreg_string_free(archive);
    gradreg_string_free(hukou);
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
    CHECK_CODE(gradreg_roster_parse(BS(csv), GRADREG_STR_NONE, &out), GRADREG_OK);
    CHECK(out != SENTINEL && strstr(out, "\"row\":2") != NULL);
    CHECK(out != SENTINEL && strstr(out, "scientific_notation") != NULL);
    gradreg_string_free(out);
    const char *opts = "{\"format\":\"csv\",\"encoding\":\"utf8\"}";
    out = NULL;
    CHECK_CODE(gradreg_roster_parse(BS(csv), S(opts), &out), GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_roster_parse(BS(""), GRADREG_STR_NONE, &out), GRADREG_ERR_ROSTER_EMPTY);
    const char *headless = "a,b,c\r\n1,2,3\r\n";
    uint32_t rc = gradreg_roster_parse(BS(headless), GRADREG_STR_NONE, &out);
    CHECK(rc == GRADREG_ERR_ROSTER_NO_HEADER || rc == GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    const char *partial = "姓名,身份证号\r\n张明,320102200403151217\r\n";
    CHECK_CODE(gradreg_roster_parse(BS(partial), GRADREG_STR_NONE, &out),
               GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    CHECK_CODE(gradreg_roster_parse(B(NULL, 3), GRADREG_STR_NONE, &out), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_roster_parse(BS(csv), GRADREG_STR_NONE, NULL), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_roster_parse(BS(csv), S(NOT_JSON), &out), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_roster_parse(BS(csv), S(BAD_UTF8), &out), GRADREG_ERR_INVALID_UTF8);
    /* A legacy .xls is named as such. */
    const uint8_t xls[16] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_CODE(gradreg_roster_parse(B(xls, sizeof xls), GRADREG_STR_NONE, &out),
               GRADREG_ERR_ROSTER_UNSUPPORTED_FORMAT);
    CHECK(out == SENTINEL);

    /* Import into a registry: all or nothing refuses the file with a bad row; good rows import
     * the good one; importing again changes nothing. */
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    out = NULL;
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 1, &out),
        GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":0") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":1") != NULL);
    CHECK(out != NULL && strstr(out, "\"rejected\":1") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"unchanged\":1") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &out), GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(
        gradreg_registry_import_roster(NULL, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(
        gradreg_registry_import_roster(r, B(NULL, 0), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, GRADREG_STR_NONE, MAY1,
                                              0, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, NULL),
        GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_roster(r, BS(csv), S(NOT_JSON), S(SCHOOL), MAY1, 0, &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(BAD_UTF8), MAY1, 0, &out),
        GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(""), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_ERR_ROSTER_EMPTY);
    gradreg_keyring *ring = NULL;
    CHECK_CODE(gradreg_keyring_new(0, &ring), GRADREG_OK);
    CHECK_CODE(gradreg_registry_import_roster((gradreg_registry *)ring, BS(csv), GRADREG_STR_NONE,
                                              S(SCHOOL), MAY1, 0, &out),
               GRADREG_ERR_WRONG_HANDLE);
    CHECK(out == SENTINEL);
    gradreg_keyring_free(ring);
    gradreg_registry_free(r);
}

/* ---- destinations and the full export ---- */

/* Counts the occurrences of `needle` in the NUL-terminated `hay`. */
static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void test_exchange(void) {
    /* A registry holding the sample graduate with the platform's report. */
    const char *id = "10327:2022010123";
    gradreg_registry *a = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &a), GRADREG_OK);
    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    char *report = cmd_with("report_destination", "data", dest_json);
    CHECK_CODE(reg_apply(a, id, SCHOOL, upload, MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(a, id, PLATFORM, report, MAY1), GRADREG_OK);
    free(upload);
    free(report);

    /* The full export: every field, the full ID number, the count written. */
    uint8_t *csv = NULL;
    size_t csv_len = 0;
    uint64_t count = 0;
    CHECK_CODE(gradreg_registry_export_records(a, GRADREG_STR_NONE, GRADREG_STR("csv"), MAY2, &csv,
                                               &csv_len, &count),
               GRADREG_OK);
    CHECK(count == 1 && csv != NULL && csv_len > 3 && memcmp(csv, "\xef\xbb\xbf", 3) == 0);
    CHECK(csv != NULL && memmem(csv, csv_len, "登记号", strlen("登记号")) != NULL);
    CHECK(csv != NULL && memmem(csv, csv_len, "档案转递方式", strlen("档案转递方式")) != NULL);
    uint8_t *xlsx = NULL;
    size_t xlsx_len = 0;
    CHECK_CODE(gradreg_registry_export_records(a, S("{\"stages\":[]}"), GRADREG_STR("xlsx"), MAY2,
                                               &xlsx, &xlsx_len, &count),
               GRADREG_OK);
    CHECK(count == 1 && xlsx != NULL && xlsx_len > 4 && memcmp(xlsx, "PK\x03\x04", 4) == 0);

    /* Both files read back into a fresh registry: the same basic information and destination. */
    const gradreg_bytes files[2] = {B(csv, csv_len), B(xlsx, xlsx_len)};
    char *want = NULL;
    CHECK_CODE(gradreg_registry_get(a, S(id), &want), GRADREG_OK);
    for (int i = 0; i < 2; i++) {
        gradreg_registry *b = NULL;
        CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &b), GRADREG_OK);
        char *out = NULL;
        CHECK_CODE(gradreg_registry_import_roster(b, files[i], GRADREG_STR_NONE, S(SCHOOL), MAY1, 1,
                                                  &out),
                   GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"created\":1") != NULL);
        gradreg_string_free(out);
        out = NULL;
        CHECK_CODE(gradreg_registry_import_destinations(b, files[i], GRADREG_STR_NONE, S(PLATFORM),
                                                        MAY1, 1, &out),
                   GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"reported\":1") != NULL);
        CHECK(out != NULL && strstr(out, "\"problems\":[]") != NULL);
        gradreg_string_free(out);
        out = NULL;
        CHECK_CODE(gradreg_registry_import_destinations(b, files[i], GRADREG_STR_NONE, S(PLATFORM),
                                                        MAY1, 1, &out),
                   GRADREG_OK);
        CHECK(out != NULL && strstr(out, "\"unchanged\":1") != NULL);
        gradreg_string_free(out);
        /* The second registry exports the same CSV. */
        uint8_t *again = NULL;
        size_t again_len = 0;
        CHECK_CODE(gradreg_registry_export_records(b, GRADREG_STR_NONE, GRADREG_STR("csv"), MAY2,
                                                   &again, &again_len, &count),
                   GRADREG_OK);
        CHECK(again_len == csv_len && again != NULL && memcmp(again, csv, csv_len) == 0);
        gradreg_bytes_free(again, again_len);
        gradreg_registry_free(b);
    }
    gradreg_string_free(want);

    /* A bad cell (row 2, 毕业去向代码) and a registration that is not there (row 3): all or nothing
     * stores nothing; good rows store neither; the parser alone names the same cell. */
    const char *dest =
        "学号,院校代码,毕业去向代码\r\n"
        "2022010123,10327,99\r\n"
        "2022019999,10327,70\r\n";
    char *out = NULL;
    CHECK_CODE(gradreg_registry_import_destinations(a, BS(dest), GRADREG_STR_NONE, S(PLATFORM),
                                                    MAY2, 1, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"reported\":0") != NULL);
    CHECK(out != NULL && strstr(out, "\"rejected\":2") != NULL);
    CHECK(out != NULL && strstr(out, "\"field\":\"destination.code\"") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_import_destinations(a, BS(dest), GRADREG_STR_NONE, S(PLATFORM),
                                                    MAY2, 0, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"refused\":[{\"row\":3") != NULL);
    CHECK(out != NULL && count_of(out, "\"code\":\"refused\"") == 1);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_destinations_parse(BS(dest), GRADREG_STR_NONE, &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"row\":2") != NULL && strstr(out, "\"ok\":true") != NULL);
    CHECK(out != NULL && count_of(out, "\"code\":\"unknown_code\"") == 1);
    gradreg_string_free(out);

    /* Arguments: nothing is written on failure. */
    out = SENTINEL;
    uint8_t *none = (uint8_t *)SENTINEL;
    size_t none_len = 7;
    CHECK_CODE(gradreg_registry_import_destinations(NULL, BS(dest), GRADREG_STR_NONE, S(PLATFORM),
                                                    MAY2, 1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_destinations(a, BS(dest), GRADREG_STR_NONE,
                                                    GRADREG_STR_NONE, MAY2, 1, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_import_destinations(a, BS(dest), S(NOT_JSON), S(PLATFORM), MAY2, 1,
                                                    &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_registry_import_destinations(a, BS(""), GRADREG_STR_NONE, S(PLATFORM), MAY2,
                                                    1, &out),
               GRADREG_ERR_ROSTER_EMPTY);
    CHECK_CODE(gradreg_registry_import_destinations(a, BS(dest), GRADREG_STR_NONE, S(PLATFORM),
                                                    MAY2, 1, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_destinations_parse(B(NULL, 3), GRADREG_STR_NONE, &out),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_records(a, GRADREG_STR_NONE, GRADREG_STR("ods"), MAY2, &none,
                                               &none_len, &count),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_records(a, GRADREG_STR_NONE, GRADREG_STR_NONE, MAY2, &none,
                                               &none_len, &count),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_records(a, GRADREG_STR_NONE, GRADREG_STR("csv"), MAY2, &none,
                                               &none_len, NULL),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_records(NULL, GRADREG_STR_NONE, GRADREG_STR("csv"), MAY2,
                                               &none, &none_len, &count),
               GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_export_records(a, S(NOT_JSON), GRADREG_STR("csv"), MAY2, &none,
                                               &none_len, &count),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(out == SENTINEL && none == (uint8_t *)SENTINEL && none_len == 7);
    gradreg_bytes_free(csv, csv_len);
    gradreg_bytes_free(xlsx, xlsx_len);
    gradreg_registry_free(a);
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
            uint32_t rc =
                gradreg_registry_apply(w->registry, S(ids[k]), S(SCHOOL), S(upload), MAY1, &out);
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
        if (gradreg_basic_info_validate(S(NOT_JSON), &bad, NULL) != GRADREG_ERR_MALFORMED_JSON ||
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
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
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
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("shared"), &out), GRADREG_OK);
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
    for (int i = 0; i < 3; i++) {
        char *token = NULL;
        if (gradreg_token_issue(w->ring, S(w->reg), S(w->number), GRADREG_STR("archive"),
                                GRADREG_STR_NONE, &token) != GRADREG_OK) {
            w->failures++;
            continue;
        }
        if (verify_scan(w->ring, w->registry, token, ARCHIVE_DEPT, MAY2) !=
            GRADREG_VERDICT_VALID) {
            w->failures++;
        }
        if (verify_online(w->registry, "archive-office", ARCHIVE_DEPT, "张明", w->number, MAY2) !=
            GRADREG_VERDICT_VALID) {
            w->failures++;
        }
        if (w->renderer != NULL) {
            uint8_t *svg = NULL;
            size_t len = 0;
            if (gradreg_renderer_render(w->renderer, S(w->reg), S(w->number),
                                        GRADREG_STR("archive"), S(token), GRADREG_STR("svg"), 0,
                                        MAY2, &svg, &len) != GRADREG_OK) {
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
    CHECK_CODE(gradreg_keyring_add_hmac(ring, 1, B(SECRET, 32), 1), GRADREG_OK);
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
        CHECK_CODE(gradreg_keyring_add_ed25519(ring, id, B(SEED, 32), 0), GRADREG_OK);
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

/* A registry's own roster headers and code tables, header previews and dry runs. */
static void test_roster_aliases_and_tables(void) {
    const char *csv =
        "学生证件编号甲,姓名,性别代码,学号,院校代码,院校名称,学院,专业代码,专业名称,"
        "学历代码,毕业日期,民族代码\r\n"
        "320102200403151217,张明,1,2022010123,10327,南京财经大学,会计学院,120203K,会计学,31,"
        "2026-06-30,60\r\n";
    const char *aliases = "# our export\n学生证件编号甲\tid_number\n";
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    char *out = SENTINEL;
    /* Unknown header: the file has no ID number column. */
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    CHECK(out == SENTINEL);
    /* The header preview lists it as missing, and the header as ignored. */
    out = NULL;
    CHECK_CODE(gradreg_roster_preview_header(BS(csv), GRADREG_STR_NONE, GRADREG_STR_NONE, &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "id_number)\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"kind\":\"ignored\"") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_roster_preview_header(BS(csv), GRADREG_STR_NONE, S(aliases), &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"missing\":[]") != NULL);
    gradreg_string_free(out);
    /* A bad line is refused, named, and changes nothing; the registry stays usable. */
    CHECK_CODE(gradreg_registry_add_header_aliases(r, S("学生证件编号甲\tid_number\nx\tno_field\n")),
               GRADREG_ERR_INVALID_ARGUMENT);
    char detail[256];
    CHECK(gradreg_last_error(detail, sizeof detail, NULL) == GRADREG_OK &&
          strstr(detail, "line 2") != NULL);
    out = SENTINEL;
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    /* The alias makes the file readable; the ethnicity code 60 is still unknown. */
    CHECK_CODE(gradreg_registry_add_header_aliases(r, S(aliases)), GRADREG_OK);
    out = NULL;
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 0, &out),
        GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":0") != NULL && strstr(out, "ethnicity") != NULL);
    gradreg_string_free(out);
    /* Tables: an unknown table and a bad line are refused and change nothing. */
    CHECK_CODE(gradreg_registry_load_table(r, S("no_such_table"), S("60\t测试族\n"), 0),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_load_table(r, S("ethnicities"), S("one column only\n"), 0),
               GRADREG_ERR_INVALID_CODE_TABLE);
    CHECK_CODE(gradreg_registry_load_table(r, S("ethnicities"), S("60\t测试族\n"), 0), GRADREG_OK);
    /* A dry run reports the row and stores nothing. */
    out = NULL;
    CHECK_CODE(
        gradreg_registry_preview_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 1, &out),
        GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":1") != NULL);
    CHECK(out != NULL && strstr(out, "\"dry_run\":true") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &out),
               GRADREG_ERR_NOT_FOUND);
    /* The import itself. */
    out = NULL;
    CHECK_CODE(
        gradreg_registry_import_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 1, &out),
        GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"created\":1") != NULL);
    CHECK(out != NULL && strstr(out, "\"dry_run\":false") != NULL);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &out), GRADREG_OK);
    gradreg_string_free(out);
    /* Parsing without a registry takes the aliases as text; a file of them loads too. */
    out = NULL;
    CHECK_CODE(gradreg_roster_parse_with_aliases(BS(csv), GRADREG_STR_NONE, S(aliases), &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"field\":\"id_number\"") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_roster_parse_with_aliases(BS(csv), GRADREG_STR_NONE, S("bad line"), &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    CHECK_CODE(gradreg_registry_load_header_aliases_file(r, S("/no/such/aliases.tsv")),
               GRADREG_ERR_ROSTER_IO);
    /* Arguments and handles. */
    CHECK_CODE(gradreg_registry_add_header_aliases(NULL, S(aliases)), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_add_header_aliases(r, GRADREG_STR_NONE), GRADREG_ERR_NULL_ARGUMENT);
    CHECK_CODE(gradreg_registry_load_table(r, S("ethnicities"), S(BAD_UTF8), 0),
               GRADREG_ERR_INVALID_UTF8);
    CHECK_CODE(
        gradreg_registry_preview_roster(r, BS(csv), GRADREG_STR_NONE, S(SCHOOL), MAY1, 1, NULL),
        GRADREG_ERR_NULL_ARGUMENT);
    gradreg_registry_free(r);
    CHECK_CODE(gradreg_registry_add_header_aliases(r, S(aliases)), GRADREG_ERR_INVALID_HANDLE);
    CHECK_CODE(gradreg_registry_load_table(r, S("ethnicities"), S("61\tx\n"), 0),
               GRADREG_ERR_INVALID_HANDLE);
}

/* A copy of `s` with the first `from` replaced by `to` (the caller frees it). */
static char *replaced_first(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    if (at == NULL) {
        fprintf(stderr, "replaced: %s not found\n", from);
        exit(2);
    }
    size_t head = (size_t)(at - s), n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    if (out == NULL) {
        exit(2);
    }
    memcpy(out, s, head);
    snprintf(out + head, n - head, "%s%s", to, at + strlen(from));
    return out;
}

/* One ID number in two cohorts (a bachelor and a master), found with their cohorts; transfer
 * numbers issued, parsed and refused when a second graduate reports one already held. */
static void test_cohorts_and_transfer_numbers(void) {
    static const char *office = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10327\"}";
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    char id_number[32];
    CHECK(json_string_field(basic_json, "id_number", id_number, sizeof id_number));
    char *master = replaced_first(basic_json, "\"education_level\":\"31\"", "\"education_level\":\"11\"");
    char *up_bachelor = cmd_with("upload_basic_info", "info", basic_json);
    char *up_master = cmd_with("upload_basic_info", "info", master);
    CHECK_CODE(reg_apply(r, "10327:b1", office, up_bachelor, MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(r, "10327:m1", office, up_master, MAY1), GRADREG_OK);
    /* The same cohort under another key is refused. */
    CHECK_CODE(reg_apply(r, "10327:m2", office, up_master, MAY1), GRADREG_ERR_DUPLICATE_ID_NUMBER);

    char *out = SENTINEL;
    CHECK_CODE(gradreg_registry_find_by_id_number(r, S(id_number), &out), GRADREG_OK);
    CHECK(out != SENTINEL && out != NULL);
    if (out != SENTINEL && out != NULL) {
        /* Two entries, each with its cohort; newest first: level 31 sorts after 11 in one year. */
        const char *first = strstr(out, "\"cohort\":");
        CHECK(first != NULL && strstr(first + 1, "\"cohort\":") != NULL);
        const char *b = strstr(out, "\"id\":\"10327:b1\"");
        const char *m = strstr(out, "\"id\":\"10327:m1\"");
        CHECK(b != NULL && m != NULL && b < m);
        CHECK(strstr(out, "\"graduation_year\":2026") != NULL);
        gradreg_string_free(out);
    }
    out = NULL;
    CHECK_CODE(gradreg_registry_find_by_id_number(r, GRADREG_STR("110101199001011237"), &out),
               GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_find_by_id_number_in(r, S(id_number), 2026, GRADREG_STR("11"), &out),
               GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"id\":\"10327:m1\"") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_find_by_id_number_in(r, S(id_number), 2025, GRADREG_STR("11"), &out),
               GRADREG_ERR_NOT_FOUND);
    CHECK(out == SENTINEL);
    CHECK_CODE(gradreg_registry_find_by_id_number(r, S(id_number), NULL), GRADREG_ERR_NULL_ARGUMENT);

    /* Transfer numbers: from entropy as Rust gives them, parsed as typed, random. */
    uint8_t entropy[16];
    memset(entropy, 3, sizeof entropy);
    char *number = NULL;
    CHECK_CODE(gradreg_transfer_number_from_entropy(B(entropy, 16), &number), GRADREG_OK);
    CHECK(number != NULL && strcmp(number, "ZD-0R30-C1G6-0R3D") == 0);
    out = SENTINEL;
    CHECK_CODE(gradreg_transfer_number_from_entropy(B(entropy, 15), &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    out = NULL;
    CHECK_CODE(gradreg_transfer_number_parse(GRADREG_STR("zd 0r30 c1g6 0r3d"), &out), GRADREG_OK);
    CHECK(out != NULL && strcmp(out, "ZD-0R30-C1G6-0R3D") == 0);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_transfer_number_parse(GRADREG_STR("ZD-0R30-C1G6-0R3E"), &out),
               GRADREG_ERR_TRANSFER_NUMBER_TYPO);
    CHECK_CODE(gradreg_transfer_number_parse(GRADREG_STR("HR4J-T23D-9QS6-X9K1"), &out),
               GRADREG_ERR_TRANSFER_NUMBER_MALFORMED);
    CHECK(out == SENTINEL);
    out = NULL;
    CHECK_CODE(gradreg_transfer_number_random(&out), GRADREG_OK);
    CHECK(out != NULL && strlen(out) == 17 && strncmp(out, "ZD-", 3) == 0);
    char *again = NULL;
    CHECK_CODE(gradreg_transfer_number_parse(S(out), &again), GRADREG_OK);
    CHECK(again != NULL && strcmp(again, out) == 0);
    gradreg_string_free(again);
    gradreg_string_free(out);

    /* A transfer number held by the bachelor cannot be reported for the master. */
    char *with_number = replaced_first(dest_json, "\"receiving_unit\":",
                                 "\"transfer_number\":\"ZD-0R30-C1G6-0R3D\",\"receiving_unit\":");
    char *report = cmd_with("report_destination", "data", with_number);
    CHECK_CODE(reg_apply(r, "10327:b1", PLATFORM, report, MAY1), GRADREG_OK);
    CHECK_CODE(reg_apply(r, "10327:m1", PLATFORM, report, MAY1),
               GRADREG_ERR_DUPLICATE_TRANSFER_NUMBER);
    char detail[512];
    CHECK_CODE(gradreg_last_error(detail, sizeof detail, NULL), GRADREG_OK);
    CHECK(strstr(detail, "10327:b1") != NULL);

    free(report);
    free(with_number);
    gradreg_string_free(number);
    free(up_master);
    free(up_bachelor);
    free(master);
    gradreg_registry_free(r);
}

/* ---- the boundary: versions, handles, instants, keys, options ---- */

/* The sample basic information with a class name (a correction of it). */
static char *basic_with_class(const char *class_name) {
    size_t n = strlen(basic_json) + strlen(class_name) + 32;
    char *s = malloc(n);
    if (s == NULL) {
        exit(2);
    }
    snprintf(s, n, "%.*s,\"class_name\":\"%s\"}", (int)(strlen(basic_json) - 1), basic_json,
             class_name);
    return s;
}

static void test_boundary(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r), GRADREG_OK);
    const char *id = "10327:2022010123";

    /* Two offices correct the same record from the version they read: the second is a conflict,
     * in a single call and in a batch. */
    char *upload = cmd_with("upload_basic_info", "info", basic_json);
    char *out = NULL;
    CHECK_CODE(gradreg_registry_apply_at_version(r, S(id), 0, S(SCHOOL), S(upload), MAY1, &out),
               GRADREG_OK);
    gradreg_string_free(out);
    out = NULL;
    char *a = basic_with_class("会计2201");
    char *b = basic_with_class("会计2202");
    char *fix_a = cmd_with("correct_basic_info", "info", a);
    char *fix_b = cmd_with("correct_basic_info", "info", b);
    CHECK_CODE(gradreg_registry_apply_at_version(r, S(id), 1, S(SCHOOL), S(fix_a), MAY1, &out),
               GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply_at_version(r, S(id), 1, S(SCHOOL), S(fix_b), MAY1, &out),
               GRADREG_ERR_CONFLICT);
    CHECK(out == SENTINEL);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r, S(id), &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "会计2201") != NULL && strstr(out, "\"version\":2") != NULL);
    gradreg_string_free(out);
    size_t n = strlen(fix_a) + strlen(fix_b) + 512;
    char *batch = malloc(n);
    CHECK(batch != NULL);
    if (batch != NULL) {
        snprintf(batch, n,
                 "[{\"id\":\"%s\",\"expected_version\":2,\"actor\":%s,\"command\":%s},"
                 "{\"id\":\"%s\",\"expected_version\":2,\"actor\":%s,\"command\":%s}]",
                 id, SCHOOL, fix_b, id, SCHOOL, fix_a);
        out = NULL;
        CHECK_CODE(gradreg_registry_apply_batch(r, S(batch), MAY1, &out), GRADREG_OK);
        CHECK(out != NULL && strncmp(out, "[{\"ok\":", 7) == 0 &&
              strstr(out, "{\"error\":{\"code\":502") != NULL);
        gradreg_string_free(out);
        free(batch);
    }
    free(upload);
    free(a);
    free(b);
    free(fix_a);
    free(fix_b);

    /* Handles are not guessable: the handle after a live one is not the next one made, and
     * freeing guesses leaves live registries alone. */
    gradreg_registry *r2 = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r2), GRADREG_OK);
    CHECK(r2 != (gradreg_registry *)((uintptr_t)r + 16));
    gradreg_registry_free((gradreg_registry *)((uintptr_t)r + 16));
    gradreg_registry_free((gradreg_registry *)((uintptr_t)r2 - 16));
    for (uintptr_t guess = 16; guess <= 16 * 1024; guess += 16) {
        gradreg_registry_free((gradreg_registry *)guess);
    }
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics(r, MAY1, &out), GRADREG_OK);
    gradreg_string_free(out);
    out = NULL;
    CHECK_CODE(gradreg_registry_statistics(r2, MAY1, &out), GRADREG_OK);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_statistics((gradreg_registry *)(uintptr_t)32, MAY1, &out),
               GRADREG_ERR_INVALID_HANDLE);
    CHECK(out == SENTINEL);
    gradreg_registry_free(r2);

    /* Instants the faces cannot carry: nothing after 9999-12-31, nothing before 0001-01-01. */
    const char *late_id = "10327:2022010124";
    gradreg_registry *r3 = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r3), GRADREG_OK);
    walk_to_confirmed(r3, late_id);
    const int64_t DEC1_9999 = 253399622400; /* 9999-12-01T00:00:00Z */
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply(r3, S(late_id), S(graduate_actor),
                                      GRADREG_STR("{\"command\":\"authorize\",\"validity_days\":60}"),
                                      DEC1_9999, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    out = NULL;
    CHECK_CODE(gradreg_registry_get(r3, S(late_id), &out), GRADREG_OK);
    CHECK(out != NULL && strstr(out, "\"authorizations\":[]") != NULL);
    gradreg_string_free(out);
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_apply(r3, S(late_id), S(graduate_actor),
                                      GRADREG_STR("{\"command\":\"login\"}"),
                                      -62167219200 /* 0000-01-01 */, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    /* Authorized now, a reminder window no duration holds is an argument error, not a panic. */
    out = NULL;
    CHECK_CODE(reg_apply(r3, late_id, graduate_actor, "{\"command\":\"authorize\"}", MAY2),
               GRADREG_OK);
    const char *huge = "{\"deadline_within_days\":7,\"unconfirmed_after_days\":3,"
                       "\"expiring_within_days\":100000000000000}";
    out = SENTINEL;
    CHECK_CODE(gradreg_registry_reminders(r3, S(huge), MAY2, &out), GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    char *regs = NULL;
    CHECK_CODE(gradreg_registry_get(r3, S(late_id), &regs), GRADREG_OK);
    if (regs != NULL) {
        size_t m = strlen(regs) + 3;
        char *list = malloc(m);
        if (list != NULL) {
            snprintf(list, m, "[%s]", regs);
            CHECK_CODE(gradreg_reminders_compute(S(list), S(POLICY), S(huge), MAY2, &out),
                       GRADREG_ERR_INVALID_ARGUMENT);
            free(list);
        }
        gradreg_string_free(regs);
    }
    gradreg_registry_free(r3);

    /* Keys with NUL or control characters are refused; the CSV export never holds a NUL. */
    const char nul_key[] = {'1', '0', '3', '2', '7', ':', 0, 'x'};
    out = SENTINEL;
    CHECK_CODE(gradreg_registration_new(SN(nul_key, sizeof nul_key), &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);
    char *upload2 = cmd_with("upload_basic_info", "info", basic_json);
    gradreg_registry *r4 = NULL;
    CHECK_CODE(gradreg_registry_new_in_memory(S(POLICY), &r4), GRADREG_OK);
    CHECK_CODE(gradreg_registry_apply(r4, SN(nul_key, sizeof nul_key), S(SCHOOL), S(upload2),
                                      MAY1, &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK_CODE(gradreg_registry_apply(r4, GRADREG_STR("10327:\n1"), S(SCHOOL), S(upload2), MAY1,
                                      &out),
               GRADREG_ERR_INVALID_ARGUMENT);
    uint8_t *csv = NULL;
    size_t csv_len = 0;
    CHECK_CODE(gradreg_registry_export_csv(r4, GRADREG_STR_NONE, MAY1, &csv, &csv_len), GRADREG_OK);
    CHECK(csv != NULL && memchr(csv, 0, csv_len) == NULL);
    gradreg_bytes_free(csv, csv_len);
    free(upload2);
    gradreg_registry_free(r4);
    gradreg_registry_free(r);
}

/* ---- bounded inputs ---- */

/* CRC-32 (IEEE), as zip needs it. */
static uint32_t crc32_of(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
    }
    return ~c;
}

static void put16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
    put16(p, v);
    put16(p + 2, v >> 16);
}

/* A zip archive of one entry named `name` (method 0 stored or 8 deflated); `*len` receives its
 * size. The headers declare `declared` uncompressed bytes and the checksum `crc`. */
static uint8_t *zip_one(const char *name, uint16_t method, const uint8_t *data, size_t n,
                        uint32_t crc, uint32_t declared, size_t *len) {
    size_t nl = strlen(name);
    size_t total = 30 + nl + n + 46 + nl + 22;
    uint8_t *z = calloc(1, total);
    if (z == NULL) {
        exit(2);
    }
    uint8_t *p = z;
    put32(p, 0x04034b50u);
    put16(p + 4, 20);
    put16(p + 8, method);
    put32(p + 14, crc);
    put32(p + 18, (uint32_t)n);
    put32(p + 22, declared);
    put16(p + 26, (uint32_t)nl);
    memcpy(p + 30, name, nl);
    memcpy(p + 30 + nl, data, n);
    uint8_t *c = p + 30 + nl + n;
    put32(c, 0x02014b50u);
    put16(c + 4, 20);
    put16(c + 6, 20);
    put16(c + 10, method);
    put32(c + 16, crc);
    put32(c + 20, (uint32_t)n);
    put32(c + 24, declared);
    put16(c + 28, (uint32_t)nl);
    memcpy(c + 46, name, nl);
    uint8_t *e = c + 46 + nl;
    put32(e, 0x06054b50u);
    put16(e + 8, 1);
    put16(e + 10, 1);
    put32(e + 12, (uint32_t)(46 + nl));
    put32(e + 16, (uint32_t)(30 + nl + n));
    *len = total;
    return z;
}

/* A bit writer for a raw deflate stream (least significant bit first). */
typedef struct {
    uint8_t *p;
    size_t n;
    uint32_t acc;
    int bits;
} bits_t;

static void put_bits(bits_t *w, uint32_t v, int n) {
    w->acc |= v << w->bits;
    w->bits += n;
    while (w->bits >= 8) {
        w->p[w->n++] = (uint8_t)w->acc;
        w->acc >>= 8;
        w->bits -= 8;
    }
}

/* A Huffman code goes most significant bit first. */
static void put_code(bits_t *w, uint32_t code, int n) {
    uint32_t r = 0;
    for (int i = 0; i < n; i++) {
        r |= ((code >> i) & 1u) << (n - 1 - i);
    }
    put_bits(w, r, n);
}

/* A deflate stream of one fixed-Huffman block inflating to 1 + 258 * matches zero bytes: a
 * literal 0, then copies of 258 bytes at distance 1. About 160 inflated bytes per byte. */
static uint8_t *zeros_deflate(size_t matches, size_t *len) {
    bits_t w = {calloc(1, matches * 13 / 8 + 16), 0, 0, 0};
    if (w.p == NULL) {
        exit(2);
    }
    put_bits(&w, 1, 1);    /* the last block */
    put_bits(&w, 1, 2);    /* fixed Huffman codes */
    put_code(&w, 0x30, 8); /* literal 0 */
    for (size_t i = 0; i < matches; i++) {
        put_code(&w, 0xC5, 8); /* length 258 (symbol 285) */
        put_code(&w, 0, 5);    /* distance 1 */
    }
    put_code(&w, 0, 7); /* end of block */
    put_bits(&w, 0, 7);
    *len = w.n;
    return w.p;
}

/* The message of the thread's last error. */
static const char *last_message(char *buf, size_t n) {
    if (gradreg_last_error(buf, n, NULL) != GRADREG_OK) {
        buf[0] = 0;
    }
    return buf;
}

static void test_limits(void) {
    char msg[1024];
    char *out = SENTINEL;
    size_t len = 0;
    size_t wide_len = 0;

    /* A sheet whose two cells span A1:XFD1048576: the spreadsheet reader would allocate 17
     * billion cells; refused before it does. */
    const char *sheet =
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
        "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData></worksheet>";
    uint8_t *wide = zip_one("xl/worksheets/sheet1.xml", 0, (const uint8_t *)sheet,
                            strlen(sheet), crc32_of((const uint8_t *)sheet, strlen(sheet)),
                            (uint32_t)strlen(sheet), &wide_len);
    CHECK_CODE(gradreg_roster_parse(B(wide, wide_len), GRADREG_STR_NONE, &out),
               GRADREG_ERR_CONTENT_LIMIT);
    CHECK(strstr(last_message(msg, sizeof msg), "max_cells") != NULL);
    CHECK(out == SENTINEL);
    /* A declared shared-string count the reader would reserve room for. */
    const char *sst = "<sst uniqueCount=\"1000000000000\"><si><t>x</t></si></sst>";
    uint8_t *strings = zip_one("xl/sharedStrings.xml", 0, (const uint8_t *)sst, strlen(sst),
                               crc32_of((const uint8_t *)sst, strlen(sst)),
                               (uint32_t)strlen(sst), &len);
    CHECK_CODE(gradreg_roster_parse(B(strings, len), GRADREG_STR_NONE, &out),
               GRADREG_ERR_CONTENT_LIMIT);
    CHECK(strstr(last_message(msg, sizeof msg), "max_shared_strings") != NULL);
    free(strings);

    /* A zip bomb: 400 KB inflating to 64 MiB of zeros, refused at the ratio the options set
     * (its ratio, about 160, is under the default of 200). */
    size_t dn = 0;
    uint8_t *deflated = zeros_deflate((size_t)64 * 1024 * 1024 / 258, &dn);
    size_t bn = 0;
    uint8_t *bomb = zip_one("xl/worksheets/sheet1.xml", 8, deflated, dn, 0, 64u << 20, &bn);
    free(deflated);
    CHECK_CODE(gradreg_roster_parse(B(bomb, bn), S("{\"format\":\"auto\",\"encoding\":\"auto\","
                                                   "\"limits\":{\"max_ratio\":100}}"),
                                    &out),
               GRADREG_ERR_ARCHIVE_LIMIT);
    CHECK(strstr(last_message(msg, sizeof msg), "max_ratio") != NULL);
    CHECK_CODE(gradreg_roster_parse(B(bomb, bn), S("{\"format\":\"xlsx\",\"encoding\":\"auto\","
                                                   "\"limits\":{\"max_entry_bytes\":4194304,"
                                                   "\"max_xml_token_bytes\":1000000000}}"),
                                    &out),
               GRADREG_ERR_ARCHIVE_LIMIT);
    CHECK(strstr(last_message(msg, sizeof msg), "max_entry_bytes") != NULL);
    CHECK_CODE(gradreg_roster_parse(B(bomb, bn), S("{\"format\":\"auto\",\"encoding\":\"auto\","
                                                   "\"limits\":{\"max_rows\":1,\"bogus\":1}}"),
                                    &out),
               GRADREG_ERR_MALFORMED_JSON);
    CHECK(out == SENTINEL);
    free(bomb);

    /* Options' limits: a CSV roster of more rows than allowed; raised, it reads. */
    const char *csv = "姓名,身份证号\n张三,1\n李四,2\n王五,3\n";
    CHECK_CODE(gradreg_roster_parse(BS(csv), S("{\"format\":\"csv\",\"encoding\":\"auto\","
                                               "\"limits\":{\"max_rows\":2}}"),
                                    &out),
               GRADREG_ERR_CONTENT_LIMIT);
    CHECK_CODE(gradreg_roster_parse(BS(csv), S("{\"format\":\"csv\",\"encoding\":\"auto\","
                                               "\"limits\":{\"max_input_bytes\":10}}"),
                                    &out),
               GRADREG_ERR_INPUT_TOO_LARGE);
    CHECK(strstr(last_message(msg, sizeof msg), "max_input_bytes") != NULL);

    /* The process's defaults: JSON arguments past max_json_bytes are refused before parsing,
     * and files are read with them when the options give no limits. */
    char *limits = NULL;
    CHECK_CODE(gradreg_limits_get(&limits), GRADREG_OK);
    CHECK(limits != NULL && strstr(limits, "\"max_json_bytes\":67108864") != NULL);
    gradreg_string_free(limits);
    CHECK_CODE(gradreg_limits_set(S("{\"max_json_bytes\":64,\"max_rows\":2}")), GRADREG_OK);
    CHECK_CODE(gradreg_roster_parse(BS(csv), GRADREG_STR_NONE, &out), GRADREG_ERR_CONTENT_LIMIT);
    CHECK_CODE(gradreg_roster_parse(BS(csv), S("{\"format\":\"csv\",\"encoding\":\"auto\"}"),
                                    &out),
               GRADREG_ERR_CONTENT_LIMIT);
    char *validated = SENTINEL;
    CHECK_CODE(gradreg_basic_info_validate(S(basic_json), &validated, NULL),
               GRADREG_ERR_INPUT_TOO_LARGE);
    CHECK(strstr(last_message(msg, sizeof msg), "max_json_bytes") != NULL);
    CHECK_CODE(gradreg_limits_set(S("{\"max_rowz\":1}")), GRADREG_ERR_MALFORMED_JSON);
    CHECK_CODE(gradreg_limits_set(GRADREG_STR_NONE), GRADREG_OK);
    /* Past the limits again: what stops it now is the roster's missing columns. */
    CHECK_CODE(gradreg_roster_parse(BS(csv), GRADREG_STR_NONE, &out),
               GRADREG_ERR_ROSTER_MISSING_COLUMNS);
    CHECK_CODE(gradreg_limits_get(NULL), GRADREG_ERR_NULL_ARGUMENT);
    /* The wide sheet again, with limits that allow its cells: still refused, as rows. */
    CHECK_CODE(gradreg_roster_parse(B(wide, wide_len), S("{\"format\":\"xlsx\",\"encoding\":\"auto\","
                                                    "\"limits\":{\"max_rows\":1000}}"),
                                    &out),
               GRADREG_ERR_CONTENT_LIMIT);
    CHECK(strstr(last_message(msg, sizeof msg), "max_rows") != NULL);
    free(wide);
}

static void test_postgres_url(const char *url);

/* Store URLs: memory:, an unknown scheme, and the PostgreSQL servers the test command starts:
 * plain (GRADREG_TEST_PG_URL) and speaking TLS (GRADREG_TEST_PG_TLS_URL, its certificates in
 * GRADREG_TEST_PG_TLS_CERTS); without them only the first two. The registration is walked when
 * the database does not hold it yet, so a second run (the release library after the debug one)
 * reads what the first wrote. */
static void test_store_urls(void) {
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_open(GRADREG_STR("memory:"), S(POLICY), GRADREG_STR_NONE, &r),
               GRADREG_OK);
    walk_to_confirmed(r, "10327:2022010123");
    char *json = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
    gradreg_string_free(json);
    gradreg_registry_free(r);
    r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_open(GRADREG_STR("mysql://h/db"), S(POLICY), GRADREG_STR_NONE, &r),
               GRADREG_ERR_INVALID_ARGUMENT);
    CHECK(r == (gradreg_registry *)SENTINEL);

    test_postgres_url(getenv("GRADREG_TEST_PG_URL"));

    /* The same over TLS, the server's certificate checked against the test authority (and
     * refused against another), as a libpq user writes it. */
    const char *tls_url = getenv("GRADREG_TEST_PG_TLS_URL");
    const char *certs = getenv("GRADREG_TEST_PG_TLS_CERTS");
    if (tls_url == NULL || tls_url[0] == '\0' || certs == NULL || certs[0] == '\0') {
        return;
    }
    char with_tls[1024];
    snprintf(with_tls, sizeof with_tls, "%s?sslmode=verify-full&sslrootcert=%s/other-ca.pem",
             tls_url, certs);
    r = (gradreg_registry *)SENTINEL;
    CHECK_CODE(gradreg_registry_open(S(with_tls), S(POLICY), GRADREG_STR_NONE, &r),
               GRADREG_ERR_STORE_CERTIFICATE_REJECTED);
    CHECK(r == (gradreg_registry *)SENTINEL);
    snprintf(with_tls, sizeof with_tls, "%s?sslmode=verify-full&sslrootcert=%s/ca.pem", tls_url,
             certs);
    test_postgres_url(with_tls);
}

/* Opens the PostgreSQL store at `url` (when given), walks a registration to confirmed there
 * unless an earlier run did, and reads it back. */
static void test_postgres_url(const char *url) {
    if (url == NULL || url[0] == '\0') {
        return;
    }
    gradreg_registry *r = NULL;
    CHECK_CODE(gradreg_registry_open(S(url), S(POLICY), GRADREG_STR_NONE, &r), GRADREG_OK);
    if (r == NULL) {
        return;
    }
    char *json = NULL;
    uint32_t rc = gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json);
    CHECK(rc == GRADREG_OK || rc == GRADREG_ERR_NOT_FOUND);
    gradreg_string_free(json);
    if (rc == GRADREG_ERR_NOT_FOUND) {
        walk_to_confirmed(r, "10327:2022010123");
    }
    json = NULL;
    CHECK_CODE(gradreg_registry_get(r, GRADREG_STR("10327:2022010123"), &json), GRADREG_OK);
    const char *stage = NULL;
    if (json != NULL) {
        CHECK_CODE(gradreg_registration_stage(S(json), MAY1, &stage), GRADREG_OK);
        CHECK(stage != NULL && strcmp(stage, "confirmed") == 0);
    }
    gradreg_string_free(json);
    gradreg_registry_free(r);
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
    test_text_arguments();
    test_validation();
    test_pure_walk();
    test_withdraw_and_batches();
    test_pure_arguments();
    test_registry_handles();
    test_registry_folder();
    test_audit_anchor();
    test_data_keys();
    test_registry_operations();
    test_registry_batches();
    test_worklists();
    test_notify();
    test_threads();
    test_keyring();
    test_tokens_and_verification();
    test_keystore();
    test_key_sets();
    test_offline_verification();
    test_renderer();
    test_class();
    test_roster();
    test_roster_aliases_and_tables();
    test_limits();
    test_exchange();
    test_threads_codes();
    test_cohorts_and_transfer_numbers();
    test_boundary();
    test_store_urls();
    /* The renderer is freed last; freeing twice and freeing NULL are no-ops. */
    gradreg_renderer_free(shared_renderer);
    gradreg_renderer_free(shared_renderer);
    gradreg_renderer_free(NULL);
    char *after = SENTINEL;
    uint8_t *none = (uint8_t *)SENTINEL;
    size_t none_len = 0;
    if (shared_renderer != NULL) {
        CHECK_CODE(gradreg_renderer_render(shared_renderer, GRADREG_STR("{}"), GRADREG_STR("x"),
                                           GRADREG_STR("archive"), GRADREG_STR("T"),
                                           GRADREG_STR("svg"), 0, MAY2, &none, &none_len),
                   GRADREG_ERR_INVALID_HANDLE);
    }
    CHECK(after == SENTINEL && none == (uint8_t *)SENTINEL);

    gradreg_string_free(basic_json);
    gradreg_string_free(chsi_json);
    gradreg_string_free(dest_json);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
