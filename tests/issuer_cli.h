/*
 * issuer_cli.h - what the tests that drive jianpei-issuer through sh() share:
 * the program's path, a standard home, a working directory with a generated
 * batch, and the certificate count of `stats`. For tests only.
 */
#ifndef JP_TEST_ISSUER_CLI_H
#define JP_TEST_ISSUER_CLI_H

#include "check.h"
#include "ident.h"
#include "sh.h"

#include <stdio.h>

#define ISSUER JP_BIN_DIR "/jianpei-issuer"

/* `init` of a home for Guangdong's department at http://127.0.0.1:8080; the exit status. */
static int issuer_init(const char *home) __attribute__((unused));
static int issuer_init(const char *home)
{
    return sh(ISSUER " init --home %s --authority 广东省住房和城乡建设厅 "
                     "--authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 "
                     ">/dev/null",
              home);
}

/*
 * The working directory of a test that issues a generated batch: dir (a
 * mkdtemp template, filled in) gets a standard home dir/home and dir/in.jsonl
 * of records intake lines from bench/gen_intake.py with seed, registered with
 * the capture for the privacy scan. Each step is a check; -1 when the
 * directory cannot be made, else 0.
 */
static int issuer_workdir(char *dir, int records, int seed) __attribute__((unused));
static int issuer_workdir(char *dir, int records, int seed)
{
    char path[256];

    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/home", dir);
    CHECK_INT(issuer_init(path), 0);
    CHECK_INT(sh("python3 %s/bench/gen_intake.py %d --seed %d > %s/in.jsonl", JP_SOURCE_DIR,
                 records, seed, dir),
              0);
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    CHECK_INT(cap_holders(path), 0);
    return 0;
}

/* The number `stats` prints for home after label (e.g. "certificates: "), or -1. */
static long issuer_stat(const char *home, const char *label) __attribute__((unused));
static long issuer_stat(const char *home, const char *label)
{
    char out[4096];
    const char *p;

    if (sh_out(out, sizeof out, ISSUER " --home %s stats", home) != 0)
        return -1;
    p = strstr(out, label);
    return p ? atol(p + strlen(label)) : -1;
}

/* The certificate count `stats` prints for home, or -1. */
static long issuer_certificates(const char *home) __attribute__((unused));
static long issuer_certificates(const char *home)
{
    return issuer_stat(home, "certificates: ");
}

/* A valid GB 11643 number for a birth date and a 3-digit sequence (odd = male). */
static void intake_id(char out[IDENT_CITIZEN_ID_LEN + 1], const char *area, const char *birth,
                      int seq) __attribute__((unused));
static void intake_id(char out[IDENT_CITIZEN_ID_LEN + 1], const char *area, const char *birth,
                      int seq)
{
    char d17[18];

    snprintf(d17, sizeof d17, "%s%s%03d", area, birth, seq);
    snprintf(out, 19, "%s%c", d17, ident_mod11_2(d17));
}

/* One SPEC §5 intake line of an exam of GD0101 (photo: a file name, or NULL). */
static void intake_line(FILE *f, const char *name, const char *gender, const char *id,
                        const char *position, const char *city, const char *exam_date, double score,
                        const char *photo) __attribute__((unused));
static void intake_line(FILE *f, const char *name, const char *gender, const char *id,
                        const char *position, const char *city, const char *exam_date, double score,
                        const char *photo)
{
    fprintf(f,
            "{\"name\":\"%s\",\"gender\":\"%s\",\"id_type\":\"111\",\"id_number\":\"%s\","
            "\"position\":\"%s\",\"institution_code\":\"GD0101\",\"institution_name\":"
            "\"广州市建设职业培训学校\",\"city\":\"%s\",\"exam_id\":\"T2026-1015-GZ-001\","
            "\"exam_date\":\"%s\",\"score\":%.1f%s%s%s}\n",
            name, gender, id, position, city, exam_date, score, photo ? ",\"photo\":\"" : "",
            photo ? photo : "", photo ? "\"" : "");
}

#endif
