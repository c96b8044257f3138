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

    /* the example in SPEC §5 carries a wrong check character */
    CHECK_INT(certno_exact("440120260100000013", &c), IDENT_ECHECK);
    CHECK_STR(why, "check character should be 0");
    CHECK_INT(certno_exact("440120260100000010", &c), IDENT_OK);

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

    CHECK_INT(ident_certno_make("44", "01", 2023, "01", 0, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_STR(why, "serial must be 1 to 9999999");
    CHECK_STR(out, "");
    CHECK_INT(ident_certno_make("44", "01", 2023, "01", 10000000, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_certno_make("4", "01", 2023, "01", 1, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_STR(why, "province must be two digits, 11 to 99");
    CHECK_INT(ident_certno_make("44", "00", 2023, "01", 1, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_certno_make("44", "01", 2023, "1a", 1, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_certno_make("44", "01", 2023, "011", 1, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_certno_make("44", "01", 1899, "01", 1, out, sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_certno_make("44", "01", 2023, "01", 1, out, 18, why, sizeof why), IDENT_ENOSPC);

    CHECK_INT(certno_exact("", &c), IDENT_ELENGTH);
    CHECK_STR(why, "is empty");
    CHECK_INT(certno_exact("44012023010000001", &c), IDENT_ELENGTH);
    CHECK_STR(why, "length is 17, expected 18");
    CHECK_INT(certno_exact("4401202301000000133", &c), IDENT_ELENGTH);
    memset(big, '4', sizeof big);
    CHECK_INT(ident_certno_parse(big, sizeof big, &c, why, sizeof why), IDENT_ELENGTH);
    CHECK_STR(why, "length is 4096, expected 18");
    CHECK_INT(certno_exact("4401A0230100000013", &c), IDENT_ECHAR);
    CHECK_STR(why, "character 5 is not a digit");
    CHECK_INT(certno_exact("4401\xef\xbc\x92"
                           "02301000001",
                           &c),
              IDENT_ECHAR); /* full-width 2 */
    CHECK_STR(why, "character 5 is not a digit");
    CHECK_INT(ident_certno_parse(S("4401\0"
                                   "0230100000013"),
                                 &c, why, sizeof why),
              IDENT_ECHAR);
    CHECK_INT(ident_certno_make("44", "03", 2023, "05", 3, out, sizeof out, why, sizeof why),
              IDENT_OK);
    CHECK_INT(out[17], 'X'); /* 44032023050000003 has check X */
    out[17] = 'x';
    CHECK_INT(certno_exact(out, &c), IDENT_ECHAR);
    CHECK_STR(why, "check character must be upper case X");
    CHECK_INT(certno_exact("44012023010000001A", &c), IDENT_ECHAR);
    CHECK_INT(certno_exact("440120230100000012", &c), IDENT_ECHECK);
    CHECK_STR(why, "check character should be 3");
    CHECK_INT(certno_exact("100120230100000007", &c), IDENT_EFORMAT); /* province 10 */
    CHECK_INT(certno_exact("440020230100000018", &c), IDENT_EFORMAT); /* city 00 */
    CHECK_STR(why, "city code must not be 00");
    CHECK_INT(certno_exact("440120230000000016", &c), IDENT_EFORMAT); /* position 00 */
    CHECK_INT(certno_exact("440120230100000005", &c), IDENT_EFORMAT); /* serial 0 */
    CHECK_STR(why, "serial must not be 0000000");
    CHECK_INT(ident_mod11_2("4401202301000000"), 0); /* 16 digits then NUL */
}

static void test_uscc(void)
{
    static const char *const good[] = {"11110000000021135M", "11430000006122244L",
                                       "11220000013544541J", "11370800MB28559184",
                                       "11330105002500287C", "11100000000013338W"};
    char code[IDENT_USCC_LEN + 1];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CHECK_INT(ident_uscc_check(good[i], 18, why, sizeof why), IDENT_OK);
        CHECK_STR(why, "");
    }
    memcpy(code, "11100000000013338X", sizeof code);
    CHECK_INT(ident_uscc_check(code, 18, why, sizeof why), IDENT_ECHECK);
    CHECK_STR(why, "check character should be W");
    memcpy(code, "11370800MB28559185", sizeof code);
    CHECK_INT(ident_uscc_check(code, 18, why, sizeof why), IDENT_ECHECK);
    CHECK_STR(why, "check character should be 4");
    CHECK_INT(ident_uscc_check(S("11100000000013338w"), why, sizeof why), IDENT_ECHAR);
    CHECK_STR(why, "character 18 is lower case");
    CHECK_INT(ident_uscc_check(S("11370800MB2855918I"), why, sizeof why), IDENT_ECHAR);
    CHECK_INT(ident_uscc_check(S("1137080OMB28559184"), why, sizeof why), IDENT_ECHAR);
    CHECK_STR(why, "character 8 is not a digit or a letter other than I O Z S V");
    CHECK_INT(ident_uscc_check(S("11100000000013338"), why, sizeof why), IDENT_ELENGTH);
    CHECK_INT(ident_uscc_check(S(""), why, sizeof why), IDENT_ELENGTH);
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

static void test_elicence_bad(void)
{
    char out[IDENT_ELIC_SIZE];
    char longest[IDENT_ELIC_SIZE], serial[IDENT_ELIC_SERIAL_MAX + 2];

    CHECK_INT(ident_elicence_parse(S(""), NULL, why, sizeof why), IDENT_ELENGTH);
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2."), NULL, why, sizeof why), IDENT_EFORMAT);
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.3.11100000000013338W011.11110000000021135M."
                                     "20230329701.003.Y"),
                                   NULL, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_STR(why, "does not start with the root 1.2.156.3005.2.");
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2.11100000000013338W011.11110000000021135M."
                                     "20230329701.003.y"),
                                   NULL, why, sizeof why),
              IDENT_ECHAR);
    CHECK_STR(why, "character 73 is lower case");
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2.11100000000013338W011.11110000000021135M."
                                     "20230329701.003.Z"),
                                   NULL, why, sizeof why),
              IDENT_ECHECK);
    CHECK_STR(why, "check character should be Y");
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2.11100000000013338W011.11110000000021135M."
                                     "20230329701.003"),
                                   NULL, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_STR(why, "4 parts after the root, expected 5");
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2.11100000000013338W011.11110000000021135M."
                                     "20230329701.003.Y.Y"),
                                   NULL, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2.11100000000013338W011.11110000000021135M."
                                     "20230329701.003.Y."),
                                   NULL, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_INT(ident_elicence_parse(S("1.2.156.3005.2.11100000000013338W011.11110000000021135M.."
                                     "003.Y"),
                                   NULL, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_STR(why, "part 3 after the root is empty");

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
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L", "ABC", 0, out,
                                  sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L", "ABC", 1000, out,
                                  sizeof out, why, sizeof why),
              IDENT_EINVAL);
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244M", "ABC", 1, out,
                                  sizeof out, why, sizeof why),
              IDENT_ECHECK);
    CHECK_STR(why, "issuer: check character should be L");
    CHECK_INT(ident_elicence_make("11100000000013338W000", "11430000006122244L", "ABC", 1, out,
                                  sizeof out, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_INT(ident_elicence_make("11100000000013338W01", "11430000006122244L", "ABC", 1, out,
                                  sizeof out, why, sizeof why),
              IDENT_EFORMAT);
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L", "abc", 1, out,
                                  sizeof out, why, sizeof why),
              IDENT_ECHAR);
    CHECK_INT(ident_elicence_make("11100000000013338W011", "11430000006122244L", "", 1, out,
                                  sizeof out, why, sizeof why),
              IDENT_EFORMAT);
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
    CHECK_INT(ident_citizen_id_parse(S("110105194912310021"), &today, &c, why, sizeof why),
              IDENT_ECHECK);
    CHECK_STR(why, "check character should be X");

    /* 29 February: 2000 and 2024 are leap years, 1900 and 2023 are not */
    make_citizen("44010320000229123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_OK);
    CHECK_INT(c.birth.day, 29);
    make_citizen("44010320240229123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_OK);
    make_citizen("44010320230229123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_EDATE);
    CHECK_STR(why, "birth date is not a real date");
    make_citizen("44010319000229123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_EDATE);
    make_citizen("44010319900231123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_EDATE);
    CHECK(strstr(why, "19900231") == NULL);
    make_citizen("44010319901301123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_EDATE);
    make_citizen("44010318991231123", id);
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_EDATE);
    CHECK_STR(why, "birth date is before 1900");
    make_citizen("44010320240602123", id); /* the day after today */
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_EDATE);
    CHECK_STR(why, "birth date is in the future");
    CHECK_INT(ident_citizen_id_parse(id, 18, NULL, &c, why, sizeof why), IDENT_OK);
    make_citizen("44010320240601123", id); /* born today */
    CHECK_INT(ident_citizen_id_parse(id, 18, &today, &c, why, sizeof why), IDENT_OK);

    CHECK_INT(ident_citizen_id_parse(S("440103900101123"), &today, &c, why, sizeof why),
              IDENT_ELENGTH);
    CHECK_STR(why, "length is 15, expected 18");
    CHECK_INT(ident_citizen_id_parse(S("44010319900101123 "), &today, &c, why, sizeof why),
              IDENT_ECHAR);
    CHECK_STR(why, "character 18 is not a digit or X");
    CHECK_INT(ident_citizen_id_parse(S("4401031990O101123X"), &today, &c, why, sizeof why),
              IDENT_ECHAR);
    CHECK_STR(why, "character 11 is not a digit");
}

static void test_holder_id(void)
{
    struct ident_date today = {2024, 6, 1};
    char out[IDENT_ID_SIZE];

    CHECK_INT(ident_holder_id_parse(S("111"), S("11010519491231002x"), &today, out, sizeof out, why,
                                    sizeof why),
              IDENT_OK);
    CHECK_STR(out, "11010519491231002X");
    CHECK_INT(ident_holder_id_parse(S("111"), S("440103199001011237"), &today, out, sizeof out, why,
                                    sizeof why),
              IDENT_ECHECK);
    CHECK_STR(why, "check character should be 6");
    CHECK_STR(out, "");
    CHECK_INT(
        ident_holder_id_parse(S("414"), S("E12345678"), &today, out, sizeof out, why, sizeof why),
        IDENT_OK);
    CHECK_STR(out, "E12345678");
    CHECK_INT(
        ident_holder_id_parse(S("516"), S("H1234567"), &today, out, sizeof out, why, sizeof why),
        IDENT_OK);
    CHECK_INT(ident_holder_id_parse(S("511"), S("12345"), &today, out, sizeof out, why, sizeof why),
              IDENT_ELENGTH);
    CHECK_STR(why, "length is 5, expected 6 to 32");
    CHECK_INT(ident_holder_id_parse(S("511"), S("123456789012345678901234567890123"), &today, out,
                                    sizeof out, why, sizeof why),
              IDENT_ELENGTH);
    CHECK_INT(ident_holder_id_parse(S("511"), S("12345678901234567890123456789012"), &today, out,
                                    sizeof out, why, sizeof why),
              IDENT_OK);
    CHECK_INT(
        ident_holder_id_parse(S("414"), S("E1234 678"), &today, out, sizeof out, why, sizeof why),
        IDENT_ECHAR);
    CHECK_STR(why, "character 6 is not printable ascii other than space");
    CHECK_INT(ident_holder_id_parse(S("414"),
                                    S("E1234\xc3\xa9"
                                      "78"),
                                    &today, out, sizeof out, why, sizeof why),
              IDENT_ECHAR);
    CHECK_INT(
        ident_holder_id_parse(S("414"), S("E123\t5678"), &today, out, sizeof out, why, sizeof why),
        IDENT_ECHAR);
    CHECK_INT(
        ident_holder_id_parse(S("41"), S("E12345678"), &today, out, sizeof out, why, sizeof why),
        IDENT_ELENGTH);
    CHECK_INT(
        ident_holder_id_parse(S("4a4"), S("E12345678"), &today, out, sizeof out, why, sizeof why),
        IDENT_ECHAR);
    CHECK_STR(why, "id_type character 2 is not a digit");
    CHECK_INT(ident_holder_id_parse(S("414"), S("E12345678"), &today, out, 9, why, sizeof why),
              IDENT_ENOSPC);
    CHECK_INT(ident_holder_id_parse(S("414"), S("E12345678"), &today, NULL, 0, why, sizeof why),
              IDENT_OK);
}

static void test_dates(void)
{
    struct ident_date d, e;
    char out[IDENT_DATE_SIZE];

    CHECK_INT(ident_date_parse(S("2023-08-10"), &d, why, sizeof why), IDENT_OK);
    CHECK(d.year == 2023 && d.month == 8 && d.day == 10);
    CHECK_INT(ident_date_format(&d, out, sizeof out), IDENT_OK);
    CHECK_STR(out, "2023-08-10");
    CHECK_INT(ident_date_format(&d, out, 10), IDENT_ENOSPC);
    CHECK_INT(ident_date_parse(S("2024-02-29"), &d, why, sizeof why), IDENT_OK);
    CHECK_INT(ident_date_parse(S("2000-02-29"), &d, why, sizeof why), IDENT_OK);
    CHECK_INT(ident_date_parse(S("2023-02-29"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_STR(why, "february 29 in a non-leap year");
    CHECK_INT(ident_date_parse(S("2100-02-29"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_INT(ident_date_parse(S("2023-04-31"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_STR(why, "day is past the end of the month");
    CHECK_INT(ident_date_parse(S("2023-13-01"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_INT(ident_date_parse(S("2023-00-01"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_INT(ident_date_parse(S("2023-01-00"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_INT(ident_date_parse(S("1899-12-31"), &d, why, sizeof why), IDENT_EDATE);
    CHECK_INT(ident_date_parse(S("2023-8-10"), &d, why, sizeof why), IDENT_ELENGTH);
    CHECK_INT(ident_date_parse(S("2023/08/10"), &d, why, sizeof why), IDENT_EFORMAT);
    CHECK_STR(why, "character 5 is not '-'");
    CHECK_INT(ident_date_parse(S("2023-08-1a"), &d, why, sizeof why), IDENT_ECHAR);
    CHECK_INT(ident_date_parse(S("+023-08-10"), &d, why, sizeof why), IDENT_ECHAR);
    CHECK_INT(ident_date_parse(S("2023-08-10T00:00"), &d, why, sizeof why), IDENT_ELENGTH);

    CHECK_INT(ident_date_parse(S("2023-08-11"), &e, why, sizeof why), IDENT_OK);
    CHECK_INT(ident_date_parse(S("2023-08-10"), &d, why, sizeof why), IDENT_OK);
    CHECK(ident_date_cmp(&d, &e) < 0);
    CHECK(ident_date_cmp(&e, &d) > 0);
    CHECK_INT(ident_date_cmp(&d, &d), 0);

    CHECK_INT(ident_date_from_unix(0, 0, &d), IDENT_OK);
    CHECK(d.year == 1970 && d.month == 1 && d.day == 1);
    CHECK_INT(ident_date_from_unix(-1, 0, &d), IDENT_OK);
    CHECK(d.year == 1969 && d.month == 12 && d.day == 31);
    CHECK_INT(ident_date_from_unix(1700000000, 0, &d), IDENT_OK); /* 2023-11-14T22:13:20Z */
    CHECK(d.year == 2023 && d.month == 11 && d.day == 14);
    CHECK_INT(ident_date_from_unix(1700000000, 8 * 3600, &d), IDENT_OK);
    CHECK(d.year == 2023 && d.month == 11 && d.day == 15);
    CHECK_INT(ident_date_from_unix(951782400, 0, &d), IDENT_OK); /* 2000-02-29T00:00:00Z */
    CHECK(d.year == 2000 && d.month == 2 && d.day == 29);
    CHECK_INT(ident_date_from_unix(INT64_MAX, 0, &d), IDENT_EDATE);
    CHECK_INT(ident_date_from_unix(INT64_MIN, 0, &d), IDENT_EDATE);
    CHECK_INT(ident_date_from_unix(0, 90000, &d), IDENT_EINVAL);
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
    struct ident_date b = {2000, 8, 10}, leap = {2004, 2, 29};
    struct ident_date on;

    on = (struct ident_date){2018, 8, 9};
    CHECK_INT(ident_age_on(&b, &on), 17);
    on = (struct ident_date){2018, 8, 10};
    CHECK_INT(ident_age_on(&b, &on), 18);
    on = (struct ident_date){2065, 8, 10};
    CHECK_INT(ident_age_on(&b, &on), 65);
    on = (struct ident_date){2000, 8, 10};
    CHECK_INT(ident_age_on(&b, &on), 0);
    on = (struct ident_date){2000, 8, 9};
    CHECK_INT(ident_age_on(&b, &on), -1);
    /* born 29 Feb: a year older on 1 March of a common year, on 29 Feb of a leap year */
    on = (struct ident_date){2022, 2, 28};
    CHECK_INT(ident_age_on(&leap, &on), 17);
    on = (struct ident_date){2022, 3, 1};
    CHECK_INT(ident_age_on(&leap, &on), 18);
    on = (struct ident_date){2024, 2, 29};
    CHECK_INT(ident_age_on(&leap, &on), 20);
    on = (struct ident_date){2023, 2, 29};
    CHECK_INT(ident_age_on(&leap, &on), -1); /* not a date */
}

/* Checks a name and expects rc; the reason must not contain the name. */
static void name_expect(const char *s, size_t len, int rc, const char *reason, int line)
{
    int got = ident_name_check(s, len, why, sizeof why);

    if (got != rc || (reason != NULL && strcmp(why, reason) != 0)) {
        check_failed++;
        fprintf(stderr, "%s:%d: name check gave %d \"%s\", expected %d \"%s\"\n", __FILE__, line,
                got, why, rc, reason != NULL ? reason : "");
    } else {
        check_passed++;
    }
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

static void test_name_mask(void)
{
    char out[IDENT_NAME_MAX_BYTES + 1], small[8];

    CHECK_INT(ident_name_mask(S("张三"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "张*");
    CHECK_INT(ident_name_mask(S("张三丰"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "张*丰");
    CHECK_INT(ident_name_mask(S("阿依古丽·买买提"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "阿******提");
    CHECK_INT(ident_name_mask(S("娜"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "*");
    CHECK_INT(ident_name_mask(S("𠮷野家䶮"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "𠮷**䶮");
    CHECK_INT(ident_name_mask(S("Mary Ann"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "M******n");
    /* a letter keeps its combining marks: the last character stays whole */
    CHECK_INT(ident_name_mask(S("Jose\xcc\x81"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "J**e\xcc\x81");
    CHECK_INT(ident_name_mask(S("张三丰"), small, 8), IDENT_OK); /* 3 + 1 + 3 + NUL */
    CHECK_INT(ident_name_mask(S("张三丰"), small, 7), IDENT_ENOSPC);
    CHECK_STR(small, "");
    CHECK_INT(ident_name_mask(S("张\t丰"), out, sizeof out), IDENT_ECHAR);
    CHECK_STR(out, "");
    CHECK_INT(ident_name_mask(S("张\xc0\xaf"), out, sizeof out), IDENT_EUTF8);
}

static void test_id_mask(void)
{
    char out[IDENT_ID_SIZE];

    CHECK_INT(ident_id_mask(S("440103199001011237"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "440103********1237");
    CHECK_INT(ident_id_mask(S("11010519491231002X"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "110105********002X");
    CHECK_INT(ident_id_mask(S("E12345678"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "*********");
    CHECK_INT(ident_id_mask(S("12345678901234567890"), out, sizeof out), IDENT_OK);
    CHECK_STR(out, "123456**********7890");
    CHECK_INT(ident_id_mask(S("440103199001011237"), out, 18), IDENT_ENOSPC);
    CHECK_STR(out, "");
    CHECK_INT(ident_id_mask(S(""), out, sizeof out), IDENT_ELENGTH);
    CHECK_INT(ident_id_mask(S("123456789012345678901234567890123"), out, sizeof out),
              IDENT_ELENGTH);
    CHECK_INT(ident_id_mask(S("E1234 678"), out, sizeof out), IDENT_ECHAR);
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
