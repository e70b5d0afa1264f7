/*
 * A graduate's registration through the C library, step by step: validate the school's record,
 * walk the graduate through upload → CHSI account → login → confirmation → report → confirm →
 * authorize in a registry, issue the signed QR token of the archive form, render that form to PDF
 * and PNG, then verify it as an archive office would (scanning the QR code, and online by name and
 * number) and print the verdicts.
 *
 * The forms are written to the current directory (archive-form.pdf, archive-form.png). No font
 * needs to be installed: the library carries a CJK font, and uses the one named by GRADREG_FONT,
 * else a system CJK font (fonts-wqy-microhei on Debian), when there is one.
 *
 * Text goes in as a gradreg_str: GRADREG_STR("…") for a literal, gradreg_str_from_c(s) for a
 * NUL-terminated string, GRADREG_STR_NONE where an optional argument is left out.
 *
 * Build (from the repository root, after scripts/build-c.sh, which puts libgradreg.so and
 * libgradreg.a in target/debug):
 *   cc -std=c11 -Wall -Wextra -Wpedantic -Werror examples/c/walkthrough.c \
 *      $(PKG_CONFIG_PATH=include pkg-config --define-variable=libdir=$PWD/target/debug \
 *        --cflags --libs gradreg) -o walkthrough
 *   LD_LIBRARY_PATH=target/debug ./walkthrough            # in memory
 *   LD_LIBRARY_PATH=target/debug ./walkthrough reg.db     # in an SQLite file
 *   LD_LIBRARY_PATH=target/debug ./walkthrough data/      # in data/gradreg.sqlite3 (data/ exists)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradreg.h"

/* The school's upload for one graduate (synthetic; the ID number's check character is right). */
static const char *BASIC_INFO =
    "{\"name\":\"张明\",\"gender\":\"1\",\"id_number\":\"320102200403151217\","
    "\"exam_number\":\"22320102150123\",\"student_number\":\"2022010123\","
    "\"school_code\":\"10327\",\"school_name\":\"南京财经大学\",\"college\":\"会计学院\","
    "\"major_code\":\"120203K\",\"major_name\":\"会计学\",\"education_level\":\"31\","
    "\"training_mode\":\"1\",\"schooling_length\":\"4\",\"enrolment_date\":\"2022-09-01\","
    "\"graduation_date\":\"2026-06-30\",\"origin_region\":\"320102\",\"ethnicity\":\"01\","
    "\"political_status\":\"03\",\"phone\":\"13812345678\",\"email\":\"zhangming@example.com\"}";

/* The same record as a spreadsheet mangled it. */
static const char *DAMAGED =
    "{\"name\":\"张明\",\"gender\":\"1\",\"id_number\":\"3.20102E+17\",\"school_code\":\"10327\","
    "\"phone\":\"13812345678.0\",\"education_level\":\"31\",\"graduation_date\":\"2026-06-30\"}";

static const char *CHSI_ACCOUNT =
    "{\"name\":\"张明\",\"id_number\":\"320102200403151217\",\"student_record_bound\":true,"
    "\"phone\":\"13812345678\",\"email\":\"zhangming@example.com\"}";

/* What the provincial platform reports: employment, archive transfer and hukou migration. */
static const char *DESTINATION =
    "{\"destination\":{\"code\":\"10\",\"employer\":{\"name\":\"江苏紫金数据科技有限公司\","
    "\"credit_code\":\"91320106MA1XK2P3QH\",\"nature\":\"39\",\"industry\":\"63\","
    "\"region\":\"320106\",\"address\":\"江苏省南京市鼓楼区中山北路 200 号\"},"
    "\"job_category\":\"13\",\"signing_date\":\"2026-04-20\"},"
    "\"archive\":{\"receiving_unit\":\"南京市人才服务中心\","
    "\"address\":\"江苏省南京市玄武区北京东路 63 号\",\"postal_code\":\"210008\","
    "\"contact\":\"王老师\",\"phone\":\"025-83592000\",\"method\":\"confidential_mail\"},"
    "\"hukou\":{\"migrate\":true,\"reason\":\"graduation\","
    "\"address\":\"江苏省南京市鼓楼区中山北路 200 号集体户\","
    "\"police_station\":\"南京市公安局鼓楼分局宁海路派出所\",\"region\":\"320106\"}}";

static const char *GRADUATE = "{\"role\":\"graduate\",\"id_number\":\"320102200403151217\"}";
static const char *SCHOOL = "{\"role\":\"school_office\",\"id\":\"jyc01\",\"school\":\"10327\"}";
static const char *CHSI = "{\"role\":\"chsi\"}";
static const char *PLATFORM = "{\"role\":\"provincial_platform\",\"id\":\"js24365\"}";
static const char *KEY = "10327:2022010123";
static const char *ARCHIVE_DEPT =
    "{\"role\":\"archive_dept\",\"id\":\"nj-rc\",\"name\":\"南京市人才服务中心\"}";
static const char *HUKOU_DEPT =
    "{\"role\":\"hukou_dept\",\"id\":\"nj-gl\",\"name\":\"鼓楼分局宁海路派出所\"}";

/* A demonstration signing key. A real issuer loads its secret from a key store; never put one in
 * source code. */
static const uint8_t DEMO_SECRET[32] = {
    0x5d, 0x1e, 0xa4, 0x7b, 0x33, 0xc8, 0x90, 0x02, 0x6f, 0xe1, 0x48, 0xbd, 0x27, 0x94, 0x0a, 0xd6,
    0x81, 0x3c, 0xf5, 0x6a, 0x17, 0xb2, 0x4e, 0xc9, 0x08, 0x73, 0xde, 0x35, 0x9f, 0x60, 0xab, 0x14,
};

/* 2026-05-01 10:00 in China (02:00 UTC), and a day later. */
static const int64_t MAY1 = 1777600800;
static const int64_t MAY2 = 1777687200;

/* Prints the result of a call; on failure the code, its name and the thread's detail. */
static int report(const char *what, uint32_t rc) {
    if (rc == GRADREG_OK) {
        printf("  ok       %s\n", what);
        return 1;
    }
    char detail[1024];
    if (gradreg_last_error(detail, sizeof detail, NULL) != GRADREG_OK) {
        snprintf(detail, sizeof detail, "(detail longer than the buffer)");
    }
    printf("  refused  %s\n           %s\n           %s\n", what, gradreg_result_str(rc),
           detail);
    return 0;
}

/* Writes a buffer to a file; returns 1 on success. */
static int write_file(const char *path, const uint8_t *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    size_t written = fwrite(bytes, 1, len, f);
    return fclose(f) == 0 && written == len;
}

/* Prints a verdict: its code and the JSON's "verdict" and "message_zh". */
static void print_verdict(const char *what, uint32_t rc, uint32_t verdict, const char *json) {
    if (!report(what, rc)) {
        return;
    }
    const char *msg = strstr(json, "\"message_zh\":\"");
    const char *end = msg != NULL ? strchr(msg + 14, '"') : NULL;
    printf("           verdict %u: %.*s\n", verdict, end != NULL ? (int)(end - msg - 14) : 0,
           end != NULL ? msg + 14 : "");
}

/* Builds {"command":NAME,FIELD:JSON} in a malloc'd string. */
static char *command(const char *name, const char *field, const char *json) {
    size_t n = strlen(name) + strlen(field) + strlen(json) + 32;
    char *s = malloc(n);
    if (s != NULL) {
        snprintf(s, n, "{\"command\":\"%s\",\"%s\":%s}", name, field, json);
    }
    return s;
}

/* Applies a command to the graduate and prints the outcome's messages (events). */
static int step(gradreg_registry *registry, const char *what, const char *actor, const char *cmd,
                int64_t now, char **outcome_out) {
    char *outcome = NULL;
    uint32_t rc = gradreg_registry_apply(registry, gradreg_str_from_c(KEY),
                                         gradreg_str_from_c(actor), gradreg_str_from_c(cmd), now,
                                         &outcome);
    int ok = report(what, rc);
    if (ok) {
        /* Print each event's Chinese message: a real system would parse the JSON. */
        const char *p = outcome;
        while ((p = strstr(p, "\"message_zh\":\"")) != NULL) {
            p += strlen("\"message_zh\":\"");
            const char *end = strchr(p, '"');
            if (end == NULL) {
                break;
            }
            printf("           消息: %.*s\n", (int)(end - p), p);
            p = end;
        }
        if (outcome_out != NULL) {
            *outcome_out = outcome;
            return ok;
        }
    }
    gradreg_string_free(outcome);
    return ok;
}

int main(int argc, char **argv) {
    printf("gradreg %s\n\n1. Validate the school's records\n", gradreg_version());
    char *problems = NULL;
    size_t count = 0;
    if (report("basic info", gradreg_basic_info_validate(gradreg_str_from_c(BASIC_INFO), &problems,
                                                         &count))) {
        printf("           %zu problem(s): %s\n", count, problems);
        gradreg_string_free(problems);
    }
    if (report("damaged basic info",
               gradreg_basic_info_validate(gradreg_str_from_c(DAMAGED), &problems, &count))) {
        printf("           %zu problem(s): %s\n", count, problems);
        gradreg_string_free(problems);
    }

    printf("\n2. Open a registry (%s)\n", argc > 1 ? argv[1] : "in memory");
    gradreg_registry *registry = NULL;
    /* A file, or a folder that holds gradreg.sqlite3; a file's folder must exist. */
    uint32_t rc = argc > 1 ? gradreg_registry_new(gradreg_str_from_c(argv[1]),
                                                  GRADREG_STR("\"jiangsu\""), &registry)
                           : gradreg_registry_new_in_memory(GRADREG_STR("\"jiangsu\""), &registry);
    if (!report("open", rc)) {
        return 1;
    }

    printf("\n3. Walk the graduate through the registration\n");
    char *upload = command("upload_basic_info", "info", BASIC_INFO);
    char *account = command("update_chsi_account", "account", CHSI_ACCOUNT);
    char *reported = command("report_destination", "data", DESTINATION);
    char *outcome = NULL;
    int ok = upload != NULL && account != NULL && reported != NULL;
    /* Refused on purpose: a graduate cannot log in before the school uploads. */
    step(registry, "graduate logs in too early", GRADUATE, "{\"command\":\"login\"}", MAY1, NULL);
    ok = ok && step(registry, "school uploads basic info", SCHOOL, upload, MAY1, NULL);
    ok = ok && step(registry, "CHSI reports the account", CHSI, account, MAY1, NULL);
    ok = ok && step(registry, "graduate logs in", GRADUATE, "{\"command\":\"login\"}", MAY1, NULL);
    ok = ok && step(registry, "graduate confirms basic info", GRADUATE,
                    "{\"command\":\"confirm_basic_info\"}", MAY1, NULL);
    ok = ok && step(registry, "platform reports the destination", PLATFORM, reported, MAY1, NULL);
    ok = ok && step(registry, "graduate confirms the destination", GRADUATE,
                    "{\"command\":\"confirm_destination\"}", MAY1, NULL);
    ok = ok && step(registry, "graduate authorizes verification for 30 days", GRADUATE,
                    "{\"command\":\"authorize\",\"validity_days\":30}", MAY2, &outcome);
    free(upload);
    free(account);
    free(reported);

    char number[32] = {0};
    if (ok) {
        const char *p = strstr(outcome, "\"number\":\"");
        if (p != NULL) {
            memcpy(number, p + strlen("\"number\":\""), 19);
            printf("\n  核验编号 (verification number): %s\n", number);
        }
        gradreg_string_free(outcome);
        ok = number[0] != 0;
    }

    /* The registration as stored: the forms and tokens are built from it. */
    char *registration = NULL;
    ok = ok && report("read the registration back",
                      gradreg_registry_get(registry, gradreg_str_from_c(KEY), &registration));

    printf("\n4. Issue the archive form: signed token, PDF and PNG\n");
    gradreg_keyring *ring = NULL;
    char *token = NULL;
    ok = ok && report("key ring", gradreg_keyring_new(0, &ring));
    const gradreg_bytes secret = {DEMO_SECRET, sizeof DEMO_SECRET};
    ok = ok && report("add the signing key", gradreg_keyring_add_hmac(ring, 1, secret, 1));
    ok = ok && report("token of the archive form",
                      gradreg_token_issue(ring, gradreg_str_from_c(registration),
                                          gradreg_str_from_c(number), GRADREG_STR("archive"),
                                          GRADREG_STR_NONE, &token));
    if (ok) {
        printf("           %s\n", token);
    }
    gradreg_renderer *renderer = NULL;
    int rendered =
        ok && report("renderer (CJK font)", gradreg_renderer_new(GRADREG_STR_NONE, &renderer));
    const char *formats[2] = {"pdf", "png"};
    const char *files[2] = {"archive-form.pdf", "archive-form.png"};
    for (int i = 0; rendered && i < 2; i++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        char what[64];
        snprintf(what, sizeof what, "render %s", files[i]);
        rendered = report(what, gradreg_renderer_render(
                                    renderer, gradreg_str_from_c(registration),
                                    gradreg_str_from_c(number), GRADREG_STR("archive"),
                                    gradreg_str_from_c(token), gradreg_str_from_c(formats[i]), 150,
                                    MAY2, &bytes, &len));
        if (rendered) {
            rendered = write_file(files[i], bytes, len);
            printf("           %zu bytes → %s%s\n", len, files[i], rendered ? "" : " (not written)");
        }
        gradreg_bytes_free(bytes, len);
    }
    gradreg_renderer_free(renderer);
    ok = ok && rendered;

    if (ok) {
        printf("\n5. Verify, as the receiving offices do\n");
        uint32_t verdict = 0;
        char *json = NULL;
        uint32_t rc = gradreg_token_verify(ring, registry, gradreg_str_from_c(token),
                                           gradreg_str_from_c(ARCHIVE_DEPT), GRADREG_STR_NONE,
                                           MAY2, &verdict, &json);
        print_verdict("archive office scans the QR code", rc, verdict, json);
        if (rc == GRADREG_OK) {
            printf("           %s\n", json);
        }
        gradreg_string_free(json);
        json = NULL;
        rc = gradreg_token_verify(ring, registry, gradreg_str_from_c(token),
                                  gradreg_str_from_c(HUKOU_DEPT), GRADREG_STR_NONE, MAY2, &verdict,
                                  &json);
        print_verdict("hukou office scans the archive form's QR code", rc, verdict, json);
        gradreg_string_free(json);
        json = NULL;
        rc = gradreg_registry_verify_online(registry, GRADREG_STR("archive-office"),
                                            gradreg_str_from_c(ARCHIVE_DEPT),
                                            GRADREG_STR("张明"), gradreg_str_from_c(number), MAY2,
                                            &verdict, &json);
        print_verdict("archive office types 张明 + the number", rc, verdict, json);
        gradreg_string_free(json);
        json = NULL;
        rc = gradreg_registry_verify_online(registry, GRADREG_STR("archive-office"),
                                            gradreg_str_from_c(ARCHIVE_DEPT),
                                            GRADREG_STR("李华"), gradreg_str_from_c(number), MAY2,
                                            &verdict, &json);
        print_verdict("archive office types 李华 + the number", rc, verdict, json);
        gradreg_string_free(json);

        printf("\n6. Ask the registry\n");
        char *stats = NULL;
        if (report("statistics", gradreg_registry_statistics(registry, MAY2, &stats))) {
            printf("           %s\n", stats);
            gradreg_string_free(stats);
        }
        char *audit = NULL;
        if (report("audit chain", gradreg_registry_check_audit(registry, &audit))) {
            printf("           %s\n", audit);
            gradreg_string_free(audit);
        }
    }
    gradreg_string_free(token);
    gradreg_string_free(registration);
    gradreg_keyring_free(ring);
    gradreg_registry_free(registry);
    return ok ? 0 : 1;
}
