/*
 * test_ident.c - identifier and holder-identity rules: certificate numbers,
 * e-licence identifiers (the five real ones of SPEC §3.2 and every one of their
 * single-character changes), GB 32100 codes, citizen ID numbers and other
 * documents, dates and ages, holder names in any script, and masking.
 */
#include "check.h"
#include "ident.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S(lit) (lit), (sizeof(lit) - 1) /* a literal as (s, len) */

static char why[IDENT_WHY_SIZE];

/*
 * The tables below: each case carries its own __LINE__, so a failure names the
 * case's line in this file and what was called.
 */

/* A case's call gave got: it must be rc and, unless reason is NULL, why must be reason. */
static void expect_rc(int line, const char *call, int got, int rc, const char *reason)
{
    if (got != rc || (reason != NULL && strcmp(why, reason) != 0)) {
        check_failed++;
        fprintf(stderr, "%s:%d: %s gave %d \"%s\", expected %d \"%s\"\n", __FILE__, line, call, got,
                why, rc, reason != NULL ? reason : "(any reason)");
    } else {
        check_passed++;
    }
}

/* A case's output got must be want, unless want is NULL. */
static void expect_str(int line, const char *what, const char *got, const char *want)
{
    if (want == NULL)
        return;
    if (strcmp(got, want) != 0) {
        check_failed++;
        fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, line, what, got, want);
    } else {
        check_passed++;
    }
}

/* A text parsed: the code expected and, unless NULL, the reason. */
struct text_case {
    int line;
    const char *text;   /* NUL-terminated input */
    int rc;             /* expected code */
    const char *reason; /* expected why, or NULL for any */
};

static const char *const elicences[5] = {
    "1.2.156.3005.2.11100000000013338W011.11110000000021135M.20230329701.003.Y",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
    "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
};

/* Parses a NUL-terminated string through a heap copy of exactly its length, so
 * that ASan catches any read past len. */
static int certno_exact(const char *s, struct ident_certno *out)
{
    size_t n = strlen(s);
    char *copy = malloc(n > 0 ? n : 1);
    int rc;

    memcpy(copy, s, n);
    rc = ident_certno_parse(copy, n, out, why, sizeof why);
    free(copy);
    return rc;
}

static void test_certno(void)
{
    static const struct text_case bad[] = {
        /* the example in SPEC §5 carries a wrong check character */
        {__LINE__, "440120260100000013", IDENT_ECHECK, "check character should be 0"},
        {__LINE__, "440120260100000010", IDENT_OK, NULL},
        {__LINE__, "", IDENT_ELENGTH, "is empty"},
        {__LINE__, "44012023010000001", IDENT_ELENGTH, "length is 17, expected 18"},
        {__LINE__, "4401202301000000133", IDENT_ELENGTH, NULL},
        {__LINE__, "4401A0230100000013", IDENT_ECHAR, "character 5 is not a digit"},
        {__LINE__, "4401\xef\xbc\x92" /* full-width 2 */ "02301000001", IDENT_ECHAR,
         "character 5 is not a digit"},
        {__LINE__, "44012023010000001A", IDENT_ECHAR, NULL},
        {__LINE__, "440120230100000012", IDENT_ECHECK, "check character should be 3"},
        {__LINE__, "100120230100000007", IDENT_EFORMAT, NULL}, /* province 10 */
        {__LINE__, "440020230100000018", IDENT_EFORMAT, "city code must not be 00"},
        {__LINE__, "440120230000000016", IDENT_EFORMAT, NULL}, /* position 00 */
        {__LINE__, "440120230100000005", IDENT_EFORMAT, "serial must not be 0000000"},
    };
    static const struct {
        int line;
        const char *province, *city;
        int year;
        const char *position;
        uint32_t serial;
        size_t outsz; /* bytes of out offered */
        int rc;
        const char *reason;
    } bad_make[] = {
        {__LINE__, "44", "01", 2023, "01", 0, IDENT_CERTNO_SIZE, IDENT_EINVAL,
         "serial must be 1 to 9999999"},
        {__LINE__, "44", "01", 2023, "01", 10000000, IDENT_CERTNO_SIZE, IDENT_EINVAL, NULL},
        {__LINE__, "4", "01", 2023, "01", 1, IDENT_CERTNO_SIZE, IDENT_EINVAL,
         "province must be two digits, 11 to 99"},
        {__LINE__, "44", "00", 2023, "01", 1, IDENT_CERTNO_SIZE, IDENT_EINVAL, NULL},
        {__LINE__, "44", "01", 2023, "1a", 1, IDENT_CERTNO_SIZE, IDENT_EINVAL, NULL},
        {__LINE__, "44", "01", 2023, "011", 1, IDENT_CERTNO_SIZE, IDENT_EINVAL, NULL},
        {__LINE__, "44", "01", 1899, "01", 1, IDENT_CERTNO_SIZE, IDENT_EINVAL, NULL},
        {__LINE__, "44", "01", 2023, "01", 1, 18, IDENT_ENOSPC, NULL},
    };
    struct ident_certno c;
    char out[IDENT_CERTNO_SIZE];
    char big[4096];

    CHECK_INT(certno_exact("440120230100000013", &c), IDENT_OK);
    CHECK_STR(why, "");
    CHECK_STR(c.text, "440120230100000013");
    CHECK_STR(c.province, "44");
    CHECK_STR(c.city, "01");
    CHECK_INT(c.year, 2023);
    CHECK_STR(c.position, "01");
    CHECK_INT(c.serial, 1);
    CHECK_INT(c.check, '3');
    CHECK_INT(ident_certno_parse(S("440120230100000013"), NULL, NULL, 0), IDENT_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rc(bad[i].line, "ident_certno_parse", certno_exact(bad[i].text, &c), bad[i].rc,
                  bad[i].reason);

    CHECK_INT(ident_certno_make("44", "19", 2024, "13", 9999999, out, sizeof out, why, sizeof why),
              IDENT_OK);
    CHECK_INT(strlen(out), 18);
    CHECK(strncmp(out, "44192024139999999", 17) == 0);
    CHECK_INT(certno_exact(out, &c), IDENT_OK);
    CHECK_INT(c.serial, 9999999);
    CHECK_STR(c.position, "13");
    CHECK_INT(ident_certno_make("44", "01", 2023, "01", 1, out, sizeof out, why, sizeof why),
              IDENT_OK);
    CHECK_STR(out, "440120230100000013");
    /* a maker whose check ends in X writes upper case, and the parser takes it back */
    CHECK_INT(ident_certno_make("44", "03", 2023, "05", 3, out, sizeof out, why, sizeof why),
              IDENT_OK);
    CHECK_INT(certno_exact(out, NULL), IDENT_OK);
    CHECK_INT(out[17], 'X'); /* 44032023050000003 has check X */
    out[17] = 'x';
    CHECK_INT(certno_exact(out, &c), IDENT_ECHAR);
    CHECK_STR(why, "check character must be upper case X");

    for (size_t i = 0; i < sizeof bad_make / sizeof bad_make[0]; i++) {
        expect_rc(bad_make[i].line, "ident_certno_make",
                  ident_certno_make(bad_make[i].province, bad_make[i].city, bad_make[i].year,
                                    bad_make[i].position, bad_make[i].serial, out,
                                    bad_make[i].outsz, why, sizeof why),
                  bad_make[i].rc, bad_make[i].reason);
        expect_str(bad_make[i].line, "out", out, "");
    }

    memset(big, '4', sizeof big);
    CHECK_INT(ident_certno_parse(big, sizeof big, &c, why, sizeof why), IDENT_ELENGTH);
    CHECK_STR(why, "length is 4096, expected 18");
    CHECK_INT(ident_certno_parse(S("4401\0"
                                   "0230100000013"),
                                 &c, why, sizeof why),
              IDENT_ECHAR);
    CHECK_INT(ident_mod11_2("4401202301000000"), 0); /* 16 digits then NUL */
}

static void test_uscc(void)
{
    static const char *const good[] = {"11110000000021135M", "11430000006122244L",
                                       "11220000013544541J", "11370800MB28559184",
                                       "11330105002500287C", "11100000000013338W"};
    static const struct text_case bad[] = {
        {__LINE__, "11100000000013338X", IDENT_ECHECK, "check character should be W"},
        {__LINE__, "11370800MB28559185", IDENT_ECHECK, "check character should be 4"},
        {__LINE__, "11100000000013338w", IDENT_ECHAR, "character 18 is lower case"},
        {__LINE__, "11370800MB2855918I", IDENT_ECHAR, NULL},
        {__LINE__, "1137080OMB28559184", IDENT_ECHAR,
         "character 8 is not a digit or a letter other than I O Z S V"},
        {__LINE__, "11100000000013338", IDENT_ELENGTH, NULL},
        {__LINE__, "", IDENT_ELENGTH, NULL},
    };

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CHECK_INT(ident_uscc_check(good[i], 18, why, sizeof why), IDENT_OK);
        CHECK_STR(why, "");
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rc(bad[i].line, "ident_uscc_check",
                  ident_uscc_check(bad[i].text, strlen(bad[i].text), why, sizeof why), bad[i].rc,
                  bad[i].reason);
}

static void test_elicence_good(void)
{
    struct ident_elicence e;
    char out[IDENT_ELIC_SIZE];

    for (size_t i = 0; i < 5; i++) {
        CHECK_INT(ident_elicence_parse(elicences[i], strlen(elicences[i]), &e, why, sizeof why),
                  IDENT_OK);
        CHECK_STR(why, "");
        CHECK_INT(ident_elicence_make(e.type_code, e.issuer, e.serial, e.version, out, sizeof out,
                                      why, sizeof why),
                  IDENT_OK);
        CHECK_STR(out, elicences[i]);
    }
    CHECK_INT(ident_elicence_parse(elicences[3], strlen(elicences[3]), &e, why, sizeof why),
              IDENT_OK);
    CHECK_STR(e.type_code, "11100000000013338W087");
    CHECK_STR(e.issuer, "11370800MB28559184");
    CHECK_STR(e.serial, "37080001202411010001");
    CHECK_INT(e.version, 1);
    CHECK_INT(e.check, '3');

    /* Jianpei's own shape: MOHURD type code, a Guangdong issuer, certificate number */
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L",
                                  "440120230100000013", 1, out, sizeof out, why, sizeof why),
              IDENT_OK);
    CHECK_INT(ident_elicence_parse(out, strlen(out), &e, why, sizeof why), IDENT_OK);
    CHECK_STR(e.serial, "440120230100000013");
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L",
                                  "440120230100000013", 1, out, 60, why, sizeof why),
              IDENT_ENOSPC);
    CHECK_STR(out, "");
}

#define ELIC_ROOT "1.2.156.3005.2."
#define ELIC_HEAD ELIC_ROOT "11100000000013338W011.11110000000021135M."

static void test_elicence_bad(void)
{
    static const struct text_case bad[] = {
        {__LINE__, "", IDENT_ELENGTH, NULL},
        {__LINE__, ELIC_ROOT, IDENT_EFORMAT, NULL},
        {__LINE__, "1.2.156.3005.3.11100000000013338W011.11110000000021135M.20230329701.003.Y",
         IDENT_EFORMAT, "does not start with the root 1.2.156.3005.2."},
        {__LINE__, ELIC_HEAD "20230329701.003.y", IDENT_ECHAR, "character 73 is lower case"},
        {__LINE__, ELIC_HEAD "20230329701.003.Z", IDENT_ECHECK, "check character should be Y"},
        {__LINE__, ELIC_HEAD "20230329701.003", IDENT_EFORMAT,
         "4 parts after the root, expected 5"},
        {__LINE__, ELIC_HEAD "20230329701.003.Y.Y", IDENT_EFORMAT, NULL},
        {__LINE__, ELIC_HEAD "20230329701.003.Y.", IDENT_EFORMAT, NULL},
        {__LINE__, ELIC_HEAD ".003.Y", IDENT_EFORMAT, "part 3 after the root is empty"},
    };
    static const struct {
        int line;
        const char *type_code, *issuer, *serial;
        int version;
        int rc;
        const char *reason;
    } bad_make[] = {
        {__LINE__, "11100000000013338W011", "11430000006122244L", "ABC", 0, IDENT_EINVAL, NULL},
        {__LINE__, "11100000000013338W011", "11430000006122244L", "ABC", 1000, IDENT_EINVAL, NULL},
        {__LINE__, "11100000000013338W011", "11430000006122244M", "ABC", 1, IDENT_ECHECK,
         "issuer: check character should be L"},
        {__LINE__, "11100000000013338W000", "11430000006122244L", "ABC", 1, IDENT_EFORMAT, NULL},
        {__LINE__, "11100000000013338W01", "11430000006122244L", "ABC", 1, IDENT_EFORMAT, NULL},
        {__LINE__, "11100000000013338W011", "11430000006122244L", "abc", 1, IDENT_ECHAR, NULL},
        {__LINE__, "11100000000013338W011", "11430000006122244L", "", 1, IDENT_EFORMAT, NULL},
    };
    char out[IDENT_ELIC_SIZE];
    char longest[IDENT_ELIC_SIZE], serial[IDENT_ELIC_SERIAL_MAX + 2];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rc(bad[i].line, "ident_elicence_parse",
                  ident_elicence_parse(bad[i].text, strlen(bad[i].text), NULL, why, sizeof why),
                  bad[i].rc, bad[i].reason);

    /* the 64-character serial is the longest accepted, 65 is refused */
    memset(serial, '9', IDENT_ELIC_SERIAL_MAX);
    serial[IDENT_ELIC_SERIAL_MAX] = '\0';
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L", serial, 999,
                                  longest, sizeof longest, why, sizeof why),
              IDENT_OK);
    CHECK_INT(strlen(longest), IDENT_ELIC_MAX_LEN);
    CHECK_INT(ident_elicence_parse(longest, strlen(longest), NULL, why, sizeof why), IDENT_OK);
    serial[IDENT_ELIC_SERIAL_MAX] = '9';
    serial[IDENT_ELIC_SERIAL_MAX + 1] = '\0';
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L", serial, 1, out,
                                  sizeof out, why, sizeof why),
              IDENT_EFORMAT);
    for (size_t i = 0; i < sizeof bad_make / sizeof bad_make[0]; i++)
        expect_rc(bad_make[i].line, "ident_elicence_make",
                  ident_elicence_make(bad_make[i].type_code, bad_make[i].issuer, bad_make[i].serial,
                                      bad_make[i].version, out, sizeof out, why, sizeof why),
                  bad_make[i].rc, bad_make[i].reason);
}

/*
 * Every substitution of one character of a known-good identifier by another
 * character of [0-9A-Z.] must be refused.
 */
static void test_elicence_mutations(void)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.";
    char buf[IDENT_ELIC_SIZE];
    size_t tried = 0, expected = 0, accepted = 0;

    for (size_t i = 0; i < 5; i++) {
        size_t n = strlen(elicences[i]);

        expected += n * (sizeof alphabet - 2);
        for (size_t pos = 0; pos < n; pos++) {
            for (size_t a = 0; a < sizeof alphabet - 1; a++) {
                if (alphabet[a] == elicences[i][pos])
                    continue;
                memcpy(buf, elicences[i], n);
                buf[pos] = alphabet[a];
                tried++;
                if (ident_elicence_parse(buf, n, NULL, why, sizeof why) == IDENT_OK) {
                    accepted++;
                    fprintf(stderr, "accepted: id %zu pos %zu -> %c\n", i, pos, alphabet[a]);
                }
            }
        }
    }
    CHECK_INT(tried, expected);
    CHECK_INT(tried, (73 + 73 + 69 + 82 + 72) * 36); /* lengths of the five, 36 others each */
    CHECK_INT(accepted, 0);
    printf("e-licence mutations tried: %zu, accepted: %zu\n", tried, accepted);
}

/* An 18-character citizen ID from 17 digits with its correct check character. */
static void make_citizen(const char *digits17, char out[IDENT_CITIZEN_ID_LEN + 1])
{
    memcpy(out, digits17, 17);
    out[17] = ident_mod11_2(digits17);
    out[18] = '\0';
}

static void test_citizen(void)
{
    static const struct text_case bad[] = {
        {__LINE__, "110105194912310021", IDENT_ECHECK, "check character should be X"},
        {__LINE__, "440103900101123", IDENT_ELENGTH, "length is 15, expected 18"},
        {__LINE__, "44010319900101123 ", IDENT_ECHAR, "character 18 is not a digit or X"},
        {__LINE__, "4401031990O101123X", IDENT_ECHAR, "character 11 is not a digit"},
    };
    /* 17 digits completed by make_citizen: 29 February of 2000 and 2024 (leap years),
     * not of 1900 and 2023, and dates that do not exist, are too early or too late */
    static const struct text_case births[] = {
        {__LINE__, "44010320000229123", IDENT_OK, ""},
        {__LINE__, "44010320240229123", IDENT_OK, ""},
        {__LINE__, "44010320230229123", IDENT_EDATE, "birth date is not a real date"},
        {__LINE__, "44010319000229123", IDENT_EDATE, NULL},
        {__LINE__, "44010319900231123", IDENT_EDATE, NULL},
        {__LINE__, "44010319901301123", IDENT_EDATE, NULL},
        {__LINE__, "44010318991231123", IDENT_EDATE, "birth date is before 1900"},
        {__LINE__, "44010320240602123", IDENT_EDATE, "birth date is in the future"}, /* tomorrow */
        {__LINE__, "44010320240601123", IDENT_OK, ""},                               /* today */
    };
    struct ident_citizen_id c;
    struct ident_date today = {2024, 6, 1};
    char id[IDENT_CITIZEN_ID_LEN + 1];

    CHECK_INT(ident_citizen_id_parse(S("440103199001011236"), &today, &c, why, sizeof why),
              IDENT_OK);
    CHECK_STR(why, "");
    CHECK_STR(c.text, "440103199001011236");
    CHECK_INT(c.birth.year, 1990);
    CHECK_INT(c.birth.month, 1);
    CHECK_INT(c.birth.day, 1);
    CHECK_INT(c.male, 1); /* digit 17 is 3 */
    /* SPEC's example number: right shape, wrong check character */
    CHECK_INT(ident_citizen_id_parse(S("440103199001011237"), &today, &c, why, sizeof why),
              IDENT_ECHECK);
    CHECK_STR(why, "check character should be 6");
    CHECK(strstr(why, "19900101") == NULL && strstr(why, "440103") == NULL);

    /* a final x: accepted, given back as X */
    CHECK_INT(ident_citizen_id_parse(S("11010519491231002x"), &today, &c, why, sizeof why),
              IDENT_OK);
    CHECK_STR(c.text, "11010519491231002X");
    CHECK_INT(c.male, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rc(
            bad[i].line, "ident_citizen_id_parse",
            ident_citizen_id_parse(bad[i].text, strlen(bad[i].text), &today, &c, why, sizeof why),
            bad[i].rc, bad[i].reason);

    for (size_t i = 0; i < sizeof births / sizeof births[0]; i++) {
        char birth[9];

        make_citizen(births[i].text, id);
        snprintf(birth, sizeof birth, "%.8s", births[i].text + 6);
        expect_rc(births[i].line, "ident_citizen_id_parse",
                  ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), births[i].rc,
                  births[i].reason);
        CHECK(strstr(why, birth) == NULL); /* the reason never quotes the birth date */
    }
    make_citizen("44010320000229123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_OK);
    CHECK_INT(c.birth.day, 29);
    make_citizen("44010320240602123", id); /* the day after today, but no today to compare */
    CHECK_INT(ident_citizen_id_parse(id, 18, NULL, &c, why, sizeof why), IDENT_OK);
}

static void test_holder_id(void)
{
    static const struct {
        int line;
        const char *type, *id; /* id_type and number */
        size_t outsz;          /* bytes of out offered */
        int rc;
        const char *reason; /* expected why, or NULL for any */
        const char *out;    /* expected out, or NULL when not checked */
    } cases[] = {
        {__LINE__, "111", "11010519491231002x", IDENT_ID_SIZE, IDENT_OK, NULL,
         "11010519491231002X"},
        {__LINE__, "111", "440103199001011237", IDENT_ID_SIZE, IDENT_ECHECK,
         "check character should be 6", ""},
        {__LINE__, "414", "E12345678", IDENT_ID_SIZE, IDENT_OK, NULL, "E12345678"},
        {__LINE__, "516", "H1234567", IDENT_ID_SIZE, IDENT_OK, NULL, NULL},
        {__LINE__, "511", "12345", IDENT_ID_SIZE, IDENT_ELENGTH, "length is 5, expected 6 to 32",
         NULL},
        {__LINE__, "511", "123456789012345678901234567890123", IDENT_ID_SIZE, IDENT_ELENGTH, NULL,
         NULL},
        {__LINE__, "511", "12345678901234567890123456789012", IDENT_ID_SIZE, IDENT_OK, NULL, NULL},
        {__LINE__, "414", "E1234 678", IDENT_ID_SIZE, IDENT_ECHAR,
         "character 6 is not printable ascii other than space", NULL},
        {__LINE__, "414",
         "E1234\xc3\xa9"
         "78",
         IDENT_ID_SIZE, IDENT_ECHAR, NULL, NULL},
        {__LINE__, "414", "E123\t5678", IDENT_ID_SIZE, IDENT_ECHAR, NULL, NULL},
        {__LINE__, "41", "E12345678", IDENT_ID_SIZE, IDENT_ELENGTH, NULL, NULL},
        {__LINE__, "4a4", "E12345678", IDENT_ID_SIZE, IDENT_ECHAR,
         "id_type character 2 is not a digit", NULL},
        {__LINE__, "414", "E12345678", 9, IDENT_ENOSPC, NULL, NULL},
    };
    struct ident_date today = {2024, 6, 1};
    char out[IDENT_ID_SIZE];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_rc(cases[i].line, "ident_holder_id_parse",
                  ident_holder_id_parse(cases[i].type, strlen(cases[i].type), cases[i].id,
                                        strlen(cases[i].id), &today, out, cases[i].outsz, why,
                                        sizeof why),
                  cases[i].rc, cases[i].reason);
        expect_str(cases[i].line, "out", out, cases[i].out);
    }
    CHECK_INT(ident_holder_id_parse(S("414"), S("E12345678"), &today, NULL, 0, why, sizeof why),
              IDENT_OK);
}

static void test_dates(void)
{
    static const struct text_case bad[] = {
        {__LINE__, "2024-02-29", IDENT_OK, ""},
        {__LINE__, "2000-02-29", IDENT_OK, ""},
        {__LINE__, "2023-02-29", IDENT_EDATE, "february 29 in a non-leap year"},
        {__LINE__, "2100-02-29", IDENT_EDATE, NULL},
        {__LINE__, "2023-04-31", IDENT_EDATE, "day is past the end of the month"},
        {__LINE__, "2023-13-01", IDENT_EDATE, NULL},
        {__LINE__, "2023-00-01", IDENT_EDATE, NULL},
        {__LINE__, "2023-01-00", IDENT_EDATE, NULL},
        {__LINE__, "1899-12-31", IDENT_EDATE, NULL},
        {__LINE__, "2023-8-10", IDENT_ELENGTH, NULL},
        {__LINE__, "2023/08/10", IDENT_EFORMAT, "character 5 is not '-'"},
        {__LINE__, "2023-08-1a", IDENT_ECHAR, NULL},
        {__LINE__, "+023-08-10", IDENT_ECHAR, NULL},
        {__LINE__, "2023-08-10T00:00", IDENT_ELENGTH, NULL},
    };
    /* unix seconds at a UTC offset, and the day they fall on */
    static const struct {
        int line;
        int64_t secs;
        int offset;
        int rc;
        struct ident_date day; /* checked when rc is IDENT_OK */
    } days[] = {
        {__LINE__, 0, 0, IDENT_OK, {1970, 1, 1}},
        {__LINE__, -1, 0, IDENT_OK, {1969, 12, 31}},
        {__LINE__, 1700000000, 0, IDENT_OK, {2023, 11, 14}}, /* 2023-11-14T22:13:20Z */
        {__LINE__, 1700000000, 8 * 3600, IDENT_OK, {2023, 11, 15}},
        {__LINE__, 951782400, 0, IDENT_OK, {2000, 2, 29}}, /* 2000-02-29T00:00:00Z */
        {__LINE__, INT64_MAX, 0, IDENT_EDATE, {0, 0, 0}},
        {__LINE__, INT64_MIN, 0, IDENT_EDATE, {0, 0, 0}},
        {__LINE__, 0, 90000, IDENT_EINVAL, {0, 0, 0}},
    };
    struct ident_date d, e;
    char out[IDENT_DATE_SIZE];

    CHECK_INT(ident_date_parse(S("2023-08-10"), &d, why, sizeof why), IDENT_OK);
    CHECK(d.year == 2023 && d.month == 8 && d.day == 10);
    CHECK_INT(ident_date_format(&d, out, sizeof out), IDENT_OK);
    CHECK_STR(out, "2023-08-10");
    CHECK_INT(ident_date_format(&d, out, 10), IDENT_ENOSPC);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rc(bad[i].line, "ident_date_parse",
                  ident_date_parse(bad[i].text, strlen(bad[i].text), &d, why, sizeof why),
                  bad[i].rc, bad[i].reason);

    CHECK_INT(ident_date_parse(S("2023-08-11"), &e, why, sizeof why), IDENT_OK);
    CHECK_INT(ident_date_parse(S("2023-08-10"), &d, why, sizeof why), IDENT_OK);
    CHECK(ident_date_cmp(&d, &e) < 0);
    CHECK(ident_date_cmp(&e, &d) > 0);
    CHECK_INT(ident_date_cmp(&d, &d), 0);

    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        const struct ident_date *want = &days[i].day;
        int rc;

        d = (struct ident_date){0, 0, 0};
        rc = ident_date_from_unix(days[i].secs, days[i].offset, &d);
        if (rc != days[i].rc ||
            (rc == IDENT_OK &&
             (d.year != want->year || d.month != want->month || d.day != want->day))) {
            check_failed++;
            fprintf(stderr,
                    "%s:%d: ident_date_from_unix gave %d, %04d-%02d-%02d, expected %d, "
                    "%04d-%02d-%02d\n",
                    __FILE__, days[i].line, rc, d.year, d.month, d.day, days[i].rc, want->year,
                    want->month, want->day);
        } else {
            check_passed++;
        }
    }
}

/* ident_date_days against ident_date_from_unix, which counts the other way. */
static void test_days(void)
{
    struct ident_date d = {1970, 1, 1}, back;

    CHECK_INT(ident_date_days(&d), 0);
    d = (struct ident_date){1969, 12, 31};
    CHECK_INT(ident_date_days(&d), -1);
    d = (struct ident_date){2024, 3, 1};
    CHECK_INT(ident_date_days(&d) - ident_date_days(&(struct ident_date){2024, 2, 28}), 2);
    for (long day = -25567; day < 40000; day += 97) { /* 1900 to 2079 */
        CHECK_INT(ident_date_from_unix((int64_t)day * 86400, 0, &back), 0);
        if (ident_date_days(&back) != day) {
            CHECK_INT(ident_date_days(&back), day);
            break;
        }
    }
}

static void test_age(void)
{
    static const struct {
        int line;
        struct ident_date birth, on;
        int age; /* expected ident_age_on */
    } cases[] = {
        {__LINE__, {2000, 8, 10}, {2018, 8, 9}, 17},
        {__LINE__, {2000, 8, 10}, {2018, 8, 10}, 18},
        {__LINE__, {2000, 8, 10}, {2065, 8, 10}, 65},
        {__LINE__, {2000, 8, 10}, {2000, 8, 10}, 0},
        {__LINE__, {2000, 8, 10}, {2000, 8, 9}, -1},
        /* born 29 Feb: a year older on 1 March of a common year, on 29 Feb of a leap year */
        {__LINE__, {2004, 2, 29}, {2022, 2, 28}, 17},
        {__LINE__, {2004, 2, 29}, {2022, 3, 1}, 18},
        {__LINE__, {2004, 2, 29}, {2024, 2, 29}, 20},
        {__LINE__, {2004, 2, 29}, {2023, 2, 29}, -1}, /* not a date */
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = ident_age_on(&cases[i].birth, &cases[i].on);

        if (got != cases[i].age) {
            check_failed++;
            fprintf(stderr, "%s:%d: ident_age_on gave %d, expected %d\n", __FILE__, cases[i].line,
                    got, cases[i].age);
        } else {
            check_passed++;
        }
    }
}

/* Checks a name and expects rc and, unless reason is NULL, that reason. */
static void name_expect(const char *s, size_t len, int rc, const char *reason, int line)
{
    expect_rc(line, "ident_name_check", ident_name_check(s, len, why, sizeof why), rc, reason);
}

#define NAME(lit, rc, reason) name_expect(S(lit), rc, reason, __LINE__)

static void test_names(void)
{
    char name[300];

    NAME("张三丰", IDENT_OK, "");
    NAME("张三", IDENT_OK, "");
    NAME("阿依古丽·买买提", IDENT_OK, "");
    NAME("王䶮", IDENT_OK, "");               /* U+4DAE, extension A */
    NAME("𠮷野家", IDENT_OK, "");             /* U+20BB7, extension B */
    NAME("李\xf0\xb0\x80\x80", IDENT_OK, ""); /* U+30000, extension G */
    NAME("李\xf0\xb1\x8d\x90", IDENT_OK, ""); /* U+31350, extension H */
    NAME("堃喆赟镕", IDENT_OK, "");
    NAME("Mary Ann Smith", IDENT_OK, "");
    NAME("José Müller", IDENT_OK, "");
    NAME("Jose\xcc\x81", IDENT_OK, ""); /* e + combining acute */
    NAME("देवनागरी", IDENT_OK, "");      /* Devanagari with Mc/Mn vowel signs */
    NAME("ᠮᠣᠩᠭᠣᠯ", IDENT_OK, "");       /* Mongolian */
    NAME("ئەنۋەر", IDENT_OK, "");       /* Uyghur (Arabic script) */
    NAME("བཀྲ་ཤིས", IDENT_ECHAR, "character 4 is not a letter, middle dot or space"); /* tsheg */
    NAME("佐々木", IDENT_OK, ""); /* U+3005 is Lm */
    NAME("娜", IDENT_OK, "");

    NAME("", IDENT_ELENGTH, "name is empty");
    NAME(" 张三", IDENT_EFORMAT, "name starts with a space or middle dot");
    NAME("张三 ", IDENT_EFORMAT, "name ends with a space or middle dot");
    NAME("·张三", IDENT_EFORMAT, "name starts with a space or middle dot");
    NAME("张三·", IDENT_EFORMAT, "name ends with a space or middle dot");
    NAME("Mary  Ann", IDENT_EFORMAT, "character 6 follows another space or middle dot");
    NAME("阿依·· 买", IDENT_EFORMAT, "character 4 follows another space or middle dot");
    NAME("阿依古丽・买买提", IDENT_ECHAR, "character 5 is not the middle dot U+00B7");
    NAME("阿依古丽•买买提", IDENT_ECHAR, "character 5 is not the middle dot U+00B7");
    NAME("张\t三", IDENT_ECHAR, "character 2 is a control character");
    NAME("张三\n", IDENT_ECHAR, "character 3 is a control character");
    NAME("张\x7f", IDENT_ECHAR, "character 2 is a control character");
    NAME("张\xc2\x85", IDENT_ECHAR, "character 2 is a control character"); /* U+0085 */
    NAME("张\0三", IDENT_ECHAR, "character 2 is a control character");
    NAME("张\xe2\x80\xae三", IDENT_ECHAR, "character 2 is not a letter, middle dot or space");
    NAME("张\xe2\x80\x8d三", IDENT_ECHAR, "character 2 is not a letter, middle dot or space");
    NAME("张\xe3\x80\x80三", IDENT_ECHAR, "character 2 is not a letter, middle dot or space");
    NAME("张三1", IDENT_ECHAR, "character 3 is not a letter, middle dot or space");
    NAME("O'Brien", IDENT_ECHAR, "character 2 is not a letter, middle dot or space");
    NAME("张\xe0\xa5\x8d", IDENT_OK, ""); /* virama after a letter of another script: a mark */
    NAME("\xcc\x81張", IDENT_ECHAR, "character 1 is a combining mark without a letter before it");
    NAME("A \xcc\x81", IDENT_ECHAR, "character 3 is a combining mark without a letter before it");
    NAME("张\xf0\xaf\xa0\x80", IDENT_OK, ""); /* U+2F800 compatibility ideograph, Lo */
    NAME("张\xf3\xa0\x80\x81", IDENT_ECHAR, "character 2 is not a letter, middle dot or space");
    NAME("张\xee\x80\x80", IDENT_ECHAR,
         "character 2 is not a letter, middle dot or space"); /* PUA */
    NAME("张\xf0\xb2\x8e\xb0", IDENT_ECHAR, "character 2 is not a letter, middle dot or space");

    /* invalid UTF-8 */
    NAME("张\xc0\xaf", IDENT_EUTF8, "byte 4 is not valid utf-8");     /* overlong '/' */
    NAME("张\xe0\x80\xaf", IDENT_EUTF8, "byte 4 is not valid utf-8"); /* overlong */
    NAME("张\xf0\x80\x80\xaf", IDENT_EUTF8, NULL);                    /* overlong */
    NAME("张\xed\xa0\x80", IDENT_EUTF8, "byte 4 is not valid utf-8"); /* U+D800 */
    NAME("张\xed\xbf\xbf", IDENT_EUTF8, NULL);                        /* U+DFFF */
    NAME("张\xf4\x90\x80\x80", IDENT_EUTF8, NULL);                    /* U+110000 */
    NAME("张\xf5\x80\x80\x80", IDENT_EUTF8, NULL);
    NAME("张\xe4\xb8", IDENT_EUTF8, "byte 4 is not valid utf-8"); /* cut short */
    NAME("\x80张", IDENT_EUTF8, "byte 1 is not valid utf-8");
    NAME("张\xff", IDENT_EUTF8, NULL);
    NAME("张\xe4\x41\xb8", IDENT_EUTF8, NULL);

    /* 64 characters are the most; 65 are refused without reading past 256 bytes */
    for (size_t i = 0; i < 64; i++)
        memcpy(name + 3 * i, "张", 3);
    name_expect(name, 3 * 64, IDENT_OK, "", __LINE__);
    memcpy(name + 3 * 64, "张", 3);
    name_expect(name, 3 * 65, IDENT_ELENGTH, "name is longer than 64 characters", __LINE__);
    memset(name, 'a', sizeof name);
    name_expect(name, 64, IDENT_OK, "", __LINE__);
    name_expect(name, 65, IDENT_ELENGTH, "name is longer than 64 characters", __LINE__);
    name_expect(name, sizeof name, IDENT_ELENGTH, "name is longer than 256 bytes (64 characters)",
                __LINE__);
}

/* A masking case: the input as (text, len), the room offered, the code and the output. */
struct mask_case {
    int line;
    const char *text;
    size_t len;       /* bytes of text (S() for a literal) */
    size_t outsz;     /* bytes of out offered */
    int rc;           /* expected code */
    const char *want; /* expected out, or NULL when not checked */
};

/* Runs one case of mask (ident_name_mask or ident_id_mask) into a heap buffer of exactly
 * outsz bytes, so that ASan sees any write past it. */
static void mask_expect(const struct mask_case *c, const char *call,
                        int (*mask)(const char *, size_t, char *, size_t))
{
    char *out = malloc(c->outsz);

    CHECK(out != NULL);
    if (out == NULL)
        return;
    why[0] = '\0'; /* the maskers give no reason */
    expect_rc(c->line, call, mask(c->text, c->len, out, c->outsz), c->rc, NULL);
    expect_str(c->line, "out", out, c->want);
    free(out);
}

static void test_name_mask(void)
{
    static const struct mask_case cases[] = {
        {__LINE__, S("张三"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "张*"},
        {__LINE__, S("张三丰"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "张*丰"},
        {__LINE__, S("阿依古丽·买买提"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "阿******提"},
        {__LINE__, S("娜"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "*"},
        {__LINE__, S("𠮷野家䶮"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "𠮷**䶮"},
        {__LINE__, S("Mary Ann"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "M******n"},
        /* a letter keeps its combining marks: the last character stays whole */
        {__LINE__, S("Jose\xcc\x81"), IDENT_NAME_MAX_BYTES + 1, IDENT_OK, "J**e\xcc\x81"},
        {__LINE__, S("张三丰"), 8, IDENT_OK, NULL}, /* 3 + 1 + 3 + NUL */
        {__LINE__, S("张三丰"), 7, IDENT_ENOSPC, ""},
        {__LINE__, S("张\t丰"), IDENT_NAME_MAX_BYTES + 1, IDENT_ECHAR, ""},
        {__LINE__, S("张\xc0\xaf"), IDENT_NAME_MAX_BYTES + 1, IDENT_EUTF8, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        mask_expect(&cases[i], "ident_name_mask", ident_name_mask);
}

static void test_id_mask(void)
{
    static const struct mask_case cases[] = {
        {__LINE__, S("440103199001011237"), IDENT_ID_SIZE, IDENT_OK, "440103********1237"},
        {__LINE__, S("11010519491231002X"), IDENT_ID_SIZE, IDENT_OK, "110105********002X"},
        {__LINE__, S("E12345678"), IDENT_ID_SIZE, IDENT_OK, "*********"},
        {__LINE__, S("12345678901234567890"), IDENT_ID_SIZE, IDENT_OK, "123456**********7890"},
        {__LINE__, S("440103199001011237"), 18, IDENT_ENOSPC, ""},
        {__LINE__, S(""), IDENT_ID_SIZE, IDENT_ELENGTH, NULL},
        {__LINE__, S("123456789012345678901234567890123"), IDENT_ID_SIZE, IDENT_ELENGTH, NULL},
        {__LINE__, S("E1234 678"), IDENT_ID_SIZE, IDENT_ECHAR, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        mask_expect(&cases[i], "ident_id_mask", ident_id_mask);
}

static void test_strerror(void)
{
    CHECK_STR(ident_strerror(IDENT_OK), "identifier: success");
    CHECK_STR(ident_strerror(IDENT_ECHECK), "identifier: check character does not match");
    CHECK_STR(ident_strerror(12345), "identifier: unknown error");
    CHECK(ident_strerror(IDENT_ENOSPC) != NULL);
}

int main(void)
{
    test_certno();
    test_uscc();
    test_elicence_good();
    test_elicence_bad();
    test_elicence_mutations();
    test_citizen();
    test_holder_id();
    test_dates();
    test_age();
    test_days();
    test_names();
    test_name_mask();
    test_id_mask();
    test_strerror();
    return CHECK_DONE();
}
