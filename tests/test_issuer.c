/*
 * test_issuer.c - the issuer end to end through its binary: init, issue with
 * good and bad lines, the report, idempotency, the PDF as a user checks it
 * (pdfsig, pdftotext, pdffonts, zbarimg), status changes, reissue,
 * all-or-nothing, apply-status, audit and store checks, and that no personal
 * data reaches standard error.
 */
#include "capture.h"
#include "check.h"
#include "ident.h"
#include "issuer_cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char dir[64], home[128], in[128];
/* The issue date is always today in China (UTC+8): its year, and a day of next year. */
static char year[16], next_year_day[24];

static void set_dates(void)
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;

    gmtime_r(&now, &tm);
    snprintf(year, sizeof year, "%04d", (tm.tm_year + 1900) % 10000);
    snprintf(next_year_day, sizeof next_year_day, "%04d-01-01", (tm.tm_year + 1901) % 10000);
}

/* 1 when the certificate number no has prefix PPCC, this year, then rest (up to 17 digits). */
static int no_is(const char *no, const char *ppcc, const char *rest)
{
    char want[19];

    snprintf(want, sizeof want, "%s%s%s", ppcc, year, rest);
    return strncmp(no, want, strlen(want)) == 0;
}

static char id_a[IDENT_CITIZEN_ID_LEN + 1], id_b[IDENT_CITIZEN_ID_LEN + 1],
    id_c[IDENT_CITIZEN_ID_LEN + 1], id_d[IDENT_CITIZEN_ID_LEN + 1], id_f[IDENT_CITIZEN_ID_LEN + 1],
    id_bad[IDENT_CITIZEN_ID_LEN + 1], id_young[IDENT_CITIZEN_ID_LEN + 1];

static void write_intake(void)
{
    FILE *f = fopen(in, "w");

    intake_id(id_a, "440103", "19900101", 123);
    intake_id(id_b, "440303", "19850615", 222);
    intake_id(id_c, "440604", "19920304", 318);
    intake_id(id_d, "441900", "19791231", 451);
    intake_id(id_f, "440104", "19880808", 777);
    intake_id(id_young, "440103", "20100101", 111);
    intake_id(id_bad, "440103", "19900101", 135);
    id_bad[17] = id_bad[17] == '0' ? '1' : '0';
    intake_line(f, "张三丰", "男", id_a, "01", "01", "2026-10-15", 86.5, "photo.jpg"); /* 1 */
    intake_line(f, "𠮷䶮堃", "女", id_b, "05", "03", "2026-10-15", 90, NULL);          /* 2 */
    fputs("{\"name\":\"李四\",\n", f);                                                 /* 3 */
    intake_line(f, "阿依古丽·买买提", "女", id_c, "10", "06", "2026-10-15", 75, NULL); /* 4 */
    intake_line(f, "赵六", "男", id_bad, "01", "01", "2026-10-15", 80, NULL);          /* 5 */
    intake_line(f, "钱\xff七", "男", id_f, "01", "01", "2026-10-15", 80, NULL);        /* 6 */
    intake_line(f, "孙八", "男", id_young, "01", "01", "2026-10-15", 80, NULL);        /* 7 */
    intake_line(f, "周九", "男", id_f, "01", "01", next_year_day, 80, NULL);           /* 8 */
    intake_line(f, "吴十", "男", id_f, "01", "01", "2026-10-15", 59.5, NULL);          /* 9 */
    intake_line(f, "郑一", "男", id_f, "14", "01", "2026-10-15", 80, NULL);            /* 10 */
    intake_line(f, "张三丰", "男", id_a, "01", "01", "2026-10-15", 86.5, "photo.jpg"); /* 11 */
    intake_line(f, "王二", "男", id_f, "01", "01", "2026-10-15", 80, "nope.jpg");      /* 12 */
    intake_line(f, "王二", "男", id_f, "01", "01", "2026-10-15", 80, "fake.jpg");      /* 13 */
    intake_line(f, "王五", "男", id_d, "13", "19", "2026-10-15", 66, NULL);            /* 14 */
    fputs("{\"name\":\"", f);                                                          /* 15 */
    for (int i = 0; i < 10 * 1024 * 1024 / 8; i++)
        fputs("AAAAAAAA", f);
    fputs("\"}\n", f);
    intake_line(f, "冯二", "女", id_f, "01", "01", "2026-10-15", 80, NULL);   /* 16 */
    intake_line(f, "张三丰", "男", id_a, "05", "01", "2026-10-15", 70, NULL); /* 17 */
    intake_line(f, "陈七", "男", id_f, "01", "01", "2026-10-15", 80, NULL);   /* 18 */
    fclose(f);
}

static json_t *load_report(const char *path)
{
    json_error_t e;
    json_t *r = json_load_file(path, 0, &e);

    CHECK(r != NULL);
    return r;
}

/* The reason reported for a line, or "" when the line was not rejected. */
static const char *reason_of(json_t *rep, int lineno)
{
    json_t *a = json_object_get(rep, "rejected"), *it;
    size_t i;

    json_array_foreach(a, i,
                       it) if (json_integer_value(json_object_get(it, "line")) ==
                               lineno) return json_string_value(json_object_get(it, "reason"));
    return "";
}

static const char *number_of(json_t *rep, const char *list, int lineno)
{
    json_t *a = json_object_get(rep, list), *it;
    size_t i;

    json_array_foreach(
        a, i, it) if (json_integer_value(json_object_get(it, "line")) ==
                      lineno) return json_string_value(json_object_get(it, "certificate_no"));
    return "";
}

static void test_init(void)
{
    char out[4096];

    CHECK_INT(issuer_init(home), 0);
    /* Key files are 0600 in a 0700 directory; a token home (scripts/test-pkcs11.sh) has none
     * but the SM2 pair of the OFD seal (SoftHSM2 has no SM2), encrypted with the PIN. */
    if (sh("grep -q '\"pkcs11\"' %s/keys/keys.json", home) == 0)
        CHECK_INT(sh("test $(stat -c %%a %s/keys) = 700 && "
                     "test -z \"$(ls %s/keys | grep key$ | grep -v '^sm2-')\" && "
                     "grep -q 'ENCRYPTED PRIVATE KEY' %s/keys/sm2-root.key && "
                     "grep -q 'ENCRYPTED PRIVATE KEY' %s/keys/sm2-sign.key && "
                     "test $(stat -c %%a %s/keys/sm2-sign.key) = 600",
                     home, home, home, home, home),
                  0);
    else
        CHECK_INT(sh("test $(stat -c %%a %s/keys) = 700 && "
                     "test $(stat -c %%a %s/keys/root.key) = 600",
                     home, home),
                  0);
    /* A second init refuses and changes nothing. */
    CHECK_INT(sh("cd %s && sha256sum config.json keys/* > %s/sums", home, dir), 0);
    CHECK_INT(sh(ISSUER " init --home %s --authority X --authority-uscc 11440000MB2C12345J "
                        "--public-url http://x",
                 home),
              3);
    CHECK_INT(sh("cd %s && sha256sum -c --quiet %s/sums", home, dir), 0);
    /* Bad credit code: a usage error with the reason, no home left behind. */
    CHECK_INT(sh_out(out, sizeof out,
                     ISSUER " init --home %s/h2 --authority X --authority-uscc "
                            "11440000MB2C12345K --public-url http://x 2>&1",
                     dir),
              2);
    cap_append("stderr.log", out, strlen(out));
    CHECK(strstr(out, "check character should be J") != NULL);
    CHECK_INT(sh("test ! -e %s/h2", dir), 0);
}

static void test_issue(void)
{
    json_t *rep, *rep2;
    const char *a;

    write_intake();
    CHECK_INT(cap_holders(in), 0);
    CHECK_INT(sh("cp %s/fixtures/render/photo.jpg %s/photo.jpg && echo text > %s/fake.jpg",
                 JP_SOURCE_DIR "/tests", dir, dir),
              0);
    CHECK_INT(sh(ISSUER " --home %s issue --input %s"
                        " --report %s/r1.json 2>%s/err1.txt",
                 home, in, dir, dir),
              1);
    CHECK_INT(cap_file("err1.txt", "err1.log"), 0);
    CHECK_INT(cap_file("r1.json", "report.json"), 0);
    rep = load_report("r1.json");
    CHECK_INT(json_array_size(json_object_get(rep, "issued")), 6);
    CHECK_INT(json_array_size(json_object_get(rep, "rejected")), 12);
    CHECK(strstr(reason_of(rep, 3), "not valid JSON") != NULL);
    CHECK(strstr(reason_of(rep, 5), "id_number: check character should be") != NULL);
    CHECK(strstr(reason_of(rep, 6), "not valid JSON") != NULL); /* invalid UTF-8 */
    CHECK(strstr(reason_of(rep, 7), "must be 18-65") != NULL);
    CHECK(strstr(reason_of(rep, 8), "exam_date: is in the future") != NULL);
    CHECK(strstr(reason_of(rep, 9), "below the pass mark") != NULL);
    CHECK(strstr(reason_of(rep, 10), "position") != NULL);
    CHECK(strstr(reason_of(rep, 11), "duplicate of line 1") != NULL);
    CHECK(strstr(reason_of(rep, 12), "photo: cannot read") != NULL);
    CHECK(strstr(reason_of(rep, 13), "photo: not a JPEG or PNG") != NULL);
    CHECK(strstr(reason_of(rep, 15), "longer than") != NULL);
    CHECK(strstr(reason_of(rep, 16), "gender") != NULL);
    /* Numbers in input order within a prefix: line 1 gets serial 1, line 18 serial 2. */
    a = number_of(rep, "issued", 1);
    CHECK(no_is(a, "4401", "010000001") && strlen(a) == 18);
    CHECK(no_is(number_of(rep, "issued", 18), "4401", "010000002"));
    CHECK(no_is(number_of(rep, "issued", 2), "4403", "050000001"));
    /* No personal data on stderr. */
    CHECK_INT(sh("grep -q -e 张三丰 -e %s -e %s -e 买买提 %s/err1.txt", id_a, id_b, dir), 1);
    /* Idempotent: the same file again issues nothing and names the same numbers. */
    CHECK_INT(sh(ISSUER " --home %s issue --input %s --report %s/r2.json", home, in, dir), 1);
    CHECK_INT(cap_file("r2.json", "report.json"), 0);
    rep2 = load_report("r2.json");
    CHECK_INT(json_array_size(json_object_get(rep2, "issued")), 0);
    CHECK_INT(json_array_size(json_object_get(rep2, "already_issued")), 6);
    CHECK_STR(number_of(rep2, "already_issued", 1), a);
    CHECK_INT(issuer_certificates(home), 6);
    json_decref(rep2);
    json_decref(rep);
}

static void test_pdf(void)
{
    char out[16384], no_a[IDENT_CERTNO_SIZE], no_b[IDENT_CERTNO_SIZE];
    json_t *rep = load_report("r1.json");

    snprintf(no_a, sizeof no_a, "%s", number_of(rep, "issued", 1));
    snprintf(no_b, sizeof no_b, "%s", number_of(rep, "issued", 2));
    json_decref(rep);
    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s/a.pdf >/dev/null", home, no_a, dir), 0);
    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s/b.pdf >/dev/null", home, no_b, dir), 0);
    CHECK_INT(sh_out(out, sizeof out, "pdfsig %s/a.pdf 2>&1", dir), 0);
    CHECK(strstr(out, "Signature is Valid.") != NULL);
    CHECK(strstr(out, "Total document signed") != NULL);
    CHECK(strstr(out, "ETSI.CAdES.detached") != NULL);
    CHECK_INT(sh_out(out, sizeof out, "pdftotext %s/a.pdf -", dir), 0);
    CHECK(strstr(out, "张三丰") != NULL && strstr(out, no_a) != NULL && strstr(out, id_a));
    CHECK_INT(sh_out(out, sizeof out, "pdftotext %s/b.pdf -", dir), 0);
    CHECK(strstr(out, "𠮷䶮堃") != NULL);
    /* Every font embedded, subset, with a ToUnicode map: no "no" in those columns. */
    CHECK_INT(sh("pdffonts %s/b.pdf | tail -n +3 | awk '{print $(NF-4),$(NF-3),$(NF-2)}' "
                 "| grep -q no",
                 dir),
              1);
    CHECK_INT(sh_out(out, sizeof out,
                     "pdftoppm -r 150 -png %s/a.pdf %s/a && zbarimg -q --raw -Sdisable -Sqrcode.enable %s/a-1.png", dir, dir,
                     dir),
              0);
    CHECK(strncmp(out, "HTTP://127.0.0.1:8080/V/", 24) == 0);
    CHECK(strncmp(out + 24, no_a, 18) == 0 && out[42] == '/');
    /* One byte changed in the signed range: pdfsig no longer says valid. */
    CHECK_INT(sh("cp %s/a.pdf %s/t.pdf && b=$(dd if=%s/t.pdf bs=1 skip=2000 count=1 2>/dev/null)"
                 " && { [ \"$b\" = X ] && c=Y || c=X; } && printf %%s \"$c\" | dd of=%s/t.pdf bs=1"
                 " seek=2000 conv=notrunc 2>/dev/null && ! cmp -s %s/a.pdf %s/t.pdf",
                 dir, dir, dir, dir, dir, dir),
              0);
    sh_out(out, sizeof out, "pdfsig %s/t.pdf 2>&1", dir);
    CHECK(strstr(out, "Signature is Valid.") == NULL);
}

static void test_status(void)
{
    char out[8192], no_a[IDENT_CERTNO_SIZE], no_b[IDENT_CERTNO_SIZE], no_c[IDENT_CERTNO_SIZE],
        no_d[IDENT_CERTNO_SIZE];
    json_t *rep = load_report("r1.json");
    FILE *f;

    snprintf(no_a, sizeof no_a, "%s", number_of(rep, "issued", 1));
    snprintf(no_b, sizeof no_b, "%s", number_of(rep, "issued", 2));
    snprintf(no_c, sizeof no_c, "%s", number_of(rep, "issued", 4));
    snprintf(no_d, sizeof no_d, "%s", number_of(rep, "issued", 14));
    json_decref(rep);
    CHECK_INT(sh(ISSUER " --home %s revoke %s --reason fraud --note found >/dev/null", home, no_a),
              0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s show %s --json", home, no_a), 0);
    CHECK(strstr(out, "\"status\":\"revoked\"") != NULL);
    CHECK_INT(sh(ISSUER " --home %s reinstate %s --reason error", home, no_a), 3);
    /* Reasons are codes (issue 12 finding 10): free text is a usage error. */
    CHECK_INT(sh(ISSUER " --home %s suspend %s --reason 'found out' 2>/dev/null", home, no_b), 2);
    CHECK_INT(sh(ISSUER " --home %s suspend %s --reason other --note check >/dev/null", home, no_b),
              0);
    CHECK_INT(sh(ISSUER " --home %s reinstate %s --reason error --note ok >/dev/null", home, no_b),
              0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s show %s --json", home, no_b), 0);
    CHECK(strstr(out, "\"status\":\"valid\"") != NULL);
    /* A number failing its check is refused before any database access. */
    CHECK_INT(sh(ISSUER " --home %s revoke 440120260100000012 --reason error", home), 2);
    /* Reissue: same number, version 2, a PDF that verifies. */
    CHECK_INT(sh(ISSUER " --home %s reissue %s >/dev/null", home, no_c), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s show %s --json", home, no_c), 0);
    CHECK(strstr(out, ".002.") != NULL && strstr(out, "\"file_version\":2") != NULL);
    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s/c.pdf >/dev/null", home, no_c, dir), 0);
    CHECK_INT(sh("pdfsig %s/c.pdf | grep -q 'Signature is Valid.'", dir), 0);
    /* apply-status: a lapse, then the same again (already so), then a bad line. */
    f = fopen("st.jsonl", "w");
    fprintf(f,
            "{\"certificate_no\":\"%s\",\"action\":\"lapse\",\"reason\":\"continuing "
            "education: 20 of 32 hours in year 1\"}\n",
            no_d);
    fclose(f);
    CHECK_INT(sh(ISSUER " --home %s apply-status --input %s/st.jsonl", home, dir), 0);
    CHECK_INT(sh(ISSUER " --home %s apply-status --input %s/st.jsonl", home, dir), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s show %s --json", home, no_d), 0);
    CHECK(strstr(out, "\"status\":\"lapsed\"") != NULL);
    CHECK(strstr(out, "\"status_reason\":\"ce_shortfall\"") != NULL); /* free text: the note */
    f = fopen("st2.jsonl", "w");
    fprintf(f, "{\"certificate_no\":\"%s\",\"action\":\"explode\",\"reason\":\"x\"}\n", no_d);
    fclose(f);
    CHECK_INT(sh(ISSUER " --home %s apply-status --input %s/st2.jsonl", home, dir), 1);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s audit verify", home), 0);
    CHECK(strstr(out, "intact") != NULL);
    CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 0);
}

static void test_all_or_nothing(void)
{
    char id1[IDENT_CITIZEN_ID_LEN + 1], id2[IDENT_CITIZEN_ID_LEN + 1];
    json_t *rep;
    FILE *f = fopen("aon.jsonl", "w");

    intake_id(id1, "440106", "19950505", 191);
    intake_id(id2, "440106", "19960606", 282);
    intake_line(f, "林一", "男", id1, "02", "01", "2026-10-15", 88, NULL);
    intake_line(f, "林二", "女", id2, "02", "01", "2026-10-15", 12, NULL); /* below pass */
    fclose(f);
    CHECK_INT(cap_holders("aon.jsonl"), 0);
    CHECK_INT(sh(ISSUER " --home %s issue --all-or-nothing --input %s/aon.jsonl", home, dir), 1);
    CHECK_INT(issuer_certificates(home), 6);
    f = fopen("aon.jsonl", "w");
    intake_line(f, "林一", "男", id1, "02", "01", "2026-10-15", 88, NULL);
    intake_line(f, "林二", "女", id2, "02", "01", "2026-10-15", 72, NULL);
    fclose(f);
    CHECK_INT(
        sh("cat %s/aon.jsonl | " ISSUER " --home %s issue --all-or-nothing --input - ", dir, home),
        0);
    CHECK_INT(issuer_certificates(home), 8);
    /* Refused as a whole, the report still names the lines issued before. */
    f = fopen("aon.jsonl", "a");
    intake_line(f, "林三", "女", id2, "02", "01", "2026-10-15", 12, NULL);
    fclose(f);
    CHECK_INT(sh(ISSUER " --home %s issue --all-or-nothing --input %s/aon.jsonl --report "
                        "%s/r5.json 2>/dev/null",
                 home, dir, dir),
              1);
    rep = load_report("r5.json");
    CHECK_INT(json_array_size(json_object_get(rep, "already_issued")), 2);
    CHECK_INT(json_array_size(json_object_get(rep, "rejected")), 1);
    json_decref(rep);
}

/* The audit entry count `stats` prints for home, or -1. */
static long audit_entries(void)
{
    return issuer_stat(home, "audit entries: ");
}

/* Issue 11 bugs 1 and 8: option values that are cut, zero or empty are usage errors. */
static void test_usage_errors(void)
{
    char out[4096], actor[80];
    json_t *rep = load_report("r1.json");
    const char *no = number_of(rep, "issued", 18);

    CHECK_INT(sh_out(out, sizeof out,
                     ISSUER " --home %s issue --input %s --issue-date 2026-11-25xyz 2>&1", home,
                     in),
              2);
    CHECK(strstr(out, "issue-date") != NULL);
    CHECK_INT(
        sh(ISSUER " --home %s issue --input %s --issue-date 2026-13-01 2>/dev/null", home, in), 2);
    CHECK_INT(sh(ISSUER " --home %s issue --input %s --threads 0 2>/dev/null", home, in), 2);
    memset(actor, 'a', 70);
    actor[70] = '\0';
    CHECK_INT(sh(ISSUER " --home %s issue --input %s --actor %s 2>/dev/null", home, in, actor), 2);
    CHECK_INT(sh(ISSUER " --home %s suspend %s --reason '' 2>/dev/null", home, no), 2);
    json_decref(rep);
}

/* Issue 11 bug 8, issue 12 finding 7: files with personal data are 0600, never via a symlink. */
static void test_private_files(void)
{
    json_t *rep = load_report("r1.json");
    const char *no = number_of(rep, "issued", 18);

    CHECK_INT(sh("echo keep > %s/victim && ln -s %s/victim %s/r3.json", dir, dir, dir), 0);
    CHECK_INT(sh("umask 022 && " ISSUER " --home %s issue --input %s --report %s/r3.json "
                 "2>/dev/null",
                 home, in, dir),
              1);
    CHECK_INT(sh("test \"$(cat %s/victim)\" = keep && test ! -L %s/r3.json && "
                 "test $(stat -c %%a %s/r3.json) = 600",
                 dir, dir, dir),
              0);
    CHECK_INT(
        sh("umask 022 && " ISSUER " --home %s pdf %s --out %s/p.pdf >/dev/null", home, no, dir), 0);
    CHECK_INT(sh("test $(stat -c %%a %s/p.pdf) = 600", dir), 0);
    CHECK_INT(sh("umask 022 && " ISSUER " --home %s backup %s/bk >/dev/null", home, dir), 0);
    CHECK_INT(
        sh("test $(stat -c %%a %s/bk) = 700 && test $(stat -c %%a %s/bk/data.mdb) = 600", dir, dir),
        0);
    /* check names a store file that others may read. */
    CHECK_INT(sh("chmod 644 %s/store/data.mdb", home), 0);
    CHECK_INT(sh(ISSUER " --home %s check | grep -q 'mode 644'", home), 0);
    CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 3);
    CHECK_INT(sh("chmod 600 %s/store/data.mdb", home), 0);
    json_decref(rep);
}

/* Issue 12 finding 8: a photo through a symlinked folder or a FIFO is refused, at once. */
static void test_photo_paths(void)
{
    char id1[19], id2[19];
    json_t *rep;
    FILE *f;

    CHECK_INT(sh("mkdir -p %s/outside %s/tree && cp %s/fixtures/render/photo.jpg %s/outside/ && "
                 "ln -s ../outside %s/tree/ph && mkfifo %s/tree/fifo.jpg",
                 dir, dir, JP_SOURCE_DIR "/tests", dir, dir, dir),
              0);
    intake_id(id1, "440106", "19930303", 515);
    intake_id(id2, "440106", "19940404", 626); /* even: female */
    f = fopen("tree/in.jsonl", "w");
    intake_line(f, "韩一", "男", id1, "03", "01", "2026-10-15", 88, "ph/photo.jpg");
    intake_line(f, "韩二", "女", id2, "03", "01", "2026-10-15", 88, "fifo.jpg");
    fclose(f);
    CHECK_INT(cap_holders("tree/in.jsonl"), 0);
    CHECK_INT(sh("timeout 60 " ISSUER " --home %s issue --input %s/tree/in.jsonl --report "
                 "%s/r4.json 2>/dev/null",
                 home, dir, dir),
              1);
    rep = load_report("r4.json");
    CHECK(strstr(reason_of(rep, 1), "outside the input") != NULL);
    CHECK(strstr(reason_of(rep, 2), "not a regular file") != NULL);
    json_decref(rep);
}

/* Issue 12 finding 8: a home an attacker could have arranged is refused. */
static void test_unsafe_home(void)
{
    char out[4096];

    CHECK_INT(sh("chmod o+w %s", home), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s stats 2>&1", home), 3);
    CHECK(strstr(out, "writable") != NULL);
    CHECK_INT(sh("chmod o-w %s", home), 0);
    CHECK_INT(issuer_init("h3"), 0);
    CHECK_INT(sh("rm -rf h3/keys && ln -s %s/keys h3/keys", home), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home h3 issue --input %s 2>&1", in), 3);
    CHECK(strstr(out, "symlink") != NULL);
}

/* Issue 11 bug 8: revoke without the root's passphrase exits 3 and changes nothing. */
static void test_revoke_needs_root(void)
{
    char out[4096], kid[17] = "";

    CHECK_INT(sh("printf 'secret words\\n' > pass.txt && " ISSUER
                 " init --home h4 --authority X --authority-uscc 11440000MB2C12345J "
                 "--public-url http://x --passphrase-file pass.txt >/dev/null"),
              0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home h4 keys list | awk 'NR == 2 {print $1}'"), 0);
    snprintf(kid, sizeof kid, "%.16s", out);
    CHECK_INT(sh("cp h4/keys/keys.json keys-before.json && cp h4/trust-list.pem trust-before.pem"),
              0);
    CHECK_INT(
        sh("env -u JIANPEI_KEY_PASSPHRASE " ISSUER " --home h4 keys revoke %s 2>/dev/null", kid),
        3);
    CHECK_INT(sh("cmp -s keys-before.json h4/keys/keys.json && cmp -s trust-before.pem "
                 "h4/trust-list.pem"),
              0);
    CHECK_INT(sh(ISSUER " --home h4 keys revoke %s --passphrase-file pass.txt >/dev/null", kid), 0);
    CHECK_INT(sh(ISSUER " --home h4 keys list | grep -q revoked"), 0);
}

/* Issue 11 bug 8: key rotations and revocations are in the audit log. Last: no active key after. */
static void test_key_audit(void)
{
    char out[4096], kid[17] = "";
    long before = audit_entries();
    const char *p;

    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s keys rotate", home), 0);
    p = strstr(out, "new active signing key ");
    CHECK(p != NULL);
    if (p != NULL)
        snprintf(kid, sizeof kid, "%.16s", p + 23);
    CHECK_INT(audit_entries(), before + 1);
    CHECK_INT(sh(ISSUER " --home %s keys revoke %s >/dev/null", home, kid), 0);
    CHECK_INT(audit_entries(), before + 2);
    CHECK_INT(sh(ISSUER " --home %s audit verify >/dev/null", home), 0);
}

int main(void)
{
    set_dates();
    snprintf(dir, sizeof dir, "/tmp/jp-issuer-XXXXXX");
    if (mkdtemp(dir) == NULL || chdir(dir) != 0)
        return 1;
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    test_init();
    test_issue();
    test_pdf();
    test_status();
    test_all_or_nothing();
    test_usage_errors();
    test_private_files();
    test_photo_paths();
    test_unsafe_home();
    test_revoke_needs_root();
    test_key_audit();
    if (check_failed == 0)
        sh("rm -rf %s", dir);
    else
        fprintf(stderr, "kept %s for inspection\n", dir);
    return CHECK_DONE();
}
