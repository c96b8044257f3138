/*
 * test_claim.c - claim codes (SPEC §10, issue 13) as the department and a
 * holder see them: the shape of a code and how typed input is read; issue
 * writes each new certificate's code into its report and the institutions'
 * notice files (private, never through a symlink) and the store keeps only
 * the keyed hash; a second run gives no new code; reissue keeps it; reset
 * replaces it (audit entry without the code); backfill gives codes to
 * certificates that have none, into the file it is told, and only then.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ident.h"
#include "claim.h"
#include "issuer_cli.h"
#include "store.h"

#define N_CERTS 3

struct issued {
    char no[IDENT_CERTNO_SIZE];    /* certificate number */
    char code[JP_CLAIM_CODE_SIZE]; /* canonical claim code from the report */
};

/* A well-formed number nobody was given (serial 9999999, check character computed). */
static const char *unknown_no(void)
{
    static char no[IDENT_CERTNO_SIZE] = "44012026019999999";

    no[17] = ident_mod11_2(no);
    no[18] = '\0';
    return no;
}

static void test_shape(void)
{
    char c[JP_CLAIM_CODE_SIZE], d[JP_CLAIM_CODE_SIZE], shown[JP_CLAIM_SHOWN_SIZE];

    CHECK_INT(jp_claim_normalize("abcd-efgh-jkmn", 14, c), 0);
    CHECK_STR(c, "ABCDEFGHJKMN");
    CHECK_INT(jp_claim_normalize(" 0123 4567 89ab ", 16, c), 0);
    CHECK_STR(c, "0123456789AB");
    CHECK_INT(jp_claim_normalize("IiLl-Oo00-1111", 14, c), 0); /* Crockford: I L -> 1, O -> 0 */
    CHECK_STR(c, "111100001111");
    CHECK_INT(jp_claim_normalize("ABCD-EFGH-JKMU", 14, c), EINVAL); /* U is no symbol */
    CHECK_INT(jp_claim_normalize("ABCD-EFGH-JKM", 13, c), EINVAL);
    CHECK_INT(jp_claim_normalize("ABCD-EFGH-JKMNP", 15, c), EINVAL);
    CHECK_INT(jp_claim_normalize("ABCD-EFGH-JK*N", 14, c), EINVAL);
    CHECK_INT(jp_claim_normalize("", 0, c), EINVAL);
    for (int i = 0; i < 2000; i++) {
        CHECK_INT(jp_claim_new(c), 0);
        CHECK_INT(strspn(c, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), 12);
        jp_claim_show(c, shown);
        CHECK(strlen(shown) == 14 && shown[4] == '-' && shown[9] == '-');
        CHECK_INT(jp_claim_normalize(shown, strlen(shown), d), 0);
        CHECK_STR(d, c);
    }
    CHECK_INT(jp_claim_new(d), 0);
    CHECK(strcmp(c, d) != 0);
}

/* 1 when code is certificate no's claim code in home's store, 0 when not, -1 on error. */
static int code_matches(const char *home, const char *no, const char *typed)
{
    unsigned char key[JP_CLAIM_KEY_LEN], h[JP_CLAIM_HASH_LEN];
    char path[512], err[256], code[JP_CLAIM_CODE_SIZE];
    struct store_cert c;
    store_txn *txn = NULL;
    store *s = NULL;
    int rc;

    snprintf(path, sizeof path, "%s/store", home);
    if (jp_claim_key_load(home, 0, key, err, sizeof err) != 0 ||
        store_open(path, STORE_RDONLY, &s, err, sizeof err) != 0)
        return -1;
    rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_cert_get(txn, no, &c);
    store_read_end(txn);
    store_close(s);
    if (rc != 0)
        return -1;
    if (jp_claim_normalize(typed, strlen(typed), code) != 0)
        return 0;
    if (jp_claim_hash(key, no, code, h) != 0)
        return -1;
    return store_cert_has_claim(&c) && memcmp(h, c.claim_hash, sizeof h) == 0;
}

/* Reads the issued numbers and codes of a report; returns how many. */
static int read_report(const char *path, struct issued *out, int max, int *already)
{
    json_error_t e;
    json_t *r = json_load_file(path, 0, &e), *it;
    size_t i;
    int n = 0;

    *already = -1;
    if (r == NULL)
        return -1;
    json_array_foreach(json_object_get(r, "issued"), i, it)
    {
        const char *no = json_string_value(json_object_get(it, "certificate_no"));
        const char *cc = json_string_value(json_object_get(it, "claim_code"));
        if (n < max && no != NULL && cc != NULL && strlen(cc) == 14 &&
            jp_claim_normalize(cc, 14, out[n].code) == 0) {
            snprintf(out[n].no, sizeof out[n].no, "%s", no);
            n++;
        }
    }
    *already = (int)json_array_size(json_object_get(r, "already_issued"));
    json_array_foreach(json_object_get(r, "already_issued"), i, it)
        CHECK(json_object_get(it, "claim_code") == NULL);
    json_decref(r);
    return n;
}

static int mode_of(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* The notices hold every new certificate's line, in private files and folders. */
static void check_notices(const char *dir, const struct issued *iss, int n)
{
    char out[8192], shown[JP_CLAIM_SHOWN_SIZE], line[160];

    CHECK_INT(mode_of(dir), 0700);
    CHECK_INT(sh("test -d %s/GD0101 && test -f %s/GD0101/T20261015-GD0101-00000.csv", dir, dir), 0);
    CHECK_INT(
        sh("test -z \"$(find %s -type d ! -perm 0700; find %s -type f ! -perm 0600)\"", dir, dir),
        0);
    CHECK_INT(sh_out(out, sizeof out, "cat %s/*/*.csv", dir), 0);
    CHECK(strstr(out, "certificate_no,name_masked,claim_code\n") != NULL);
    CHECK(strstr(out, "*") != NULL); /* masked names */
    for (int i = 0; i < n; i++) {
        jp_claim_show(iss[i].code, shown);
        snprintf(line, sizeof line, "%s,", iss[i].no);
        CHECK(strstr(out, line) != NULL);
        CHECK(strstr(out, shown) != NULL);
    }
}

/* No audit entry names a code. */
static void check_audit_clean(const char *home, const char *code)
{
    char out[65536], shown[JP_CLAIM_SHOWN_SIZE];

    jp_claim_show(code, shown);
    CHECK_INT(sh_out(out, sizeof out, "strings -a %s/store/data.mdb | grep -c -e '%s' -e '%s'",
                     home, code, shown),
              1); /* grep -c found none */
}

/* Makes certificate no look issued before claim codes: its hash removed. */
static int drop_code_txn(store_txn *txn, void *arg)
{
    struct store_cert c;
    int rc = store_cert_get(txn, arg, &c);

    if (rc != 0)
        return rc;
    memset(c.claim_hash, 0, sizeof c.claim_hash);
    return store_cert_put(txn, &c);
}

static void drop_code(const char *home, const char *no)
{
    char path[512], err[256];
    store *s = NULL;

    snprintf(path, sizeof path, "%s/store", home);
    CHECK_INT(store_open(path, 0, &s, err, sizeof err), 0);
    if (s != NULL)
        CHECK_INT(store_write(s, drop_code_txn, (void *)no), 0);
    store_close(s);
}

static void test_backfill(const char *dir, const char *home, const struct issued *iss)
{
    char out[4096], *p, code[JP_CLAIM_CODE_SIZE];

    drop_code(home, iss[1].no);
    CHECK_INT(code_matches(home, iss[1].no, iss[1].code), 0);
    CHECK_INT(sh(ISSUER " --home %s claim-code backfill >/dev/null", home), 2); /* --out needed */
    CHECK_INT(sh(ISSUER " --home %s claim-code backfill --out %s/bf.csv", home, dir), 0);
    CHECK_INT(mode_of(strcat(strcpy(out, dir), "/bf.csv")), 0600);
    CHECK_INT(sh_out(out, sizeof out, "cat %s/bf.csv", dir), 0);
    CHECK(strncmp(out, "certificate_no,institution_code,exam_id,name_masked,claim_code\n", 62) ==
          0);
    p = strstr(out, iss[1].no);
    CHECK(p != NULL && strstr(out, iss[0].no) == NULL); /* only the one without a code */
    p = p ? strrchr(p, ',') : NULL;
    CHECK(p != NULL && jp_claim_normalize(p + 1, 14, code) == 0);
    if (p != NULL) {
        CHECK_INT(code_matches(home, iss[1].no, code), 1);
        CHECK_INT(cap_append("secrets-1.txt", code, strlen(code)), 0);
        CHECK_INT(cap_append("secrets-1.txt", "\n", 1), 0);
    }
    CHECK_INT(code_matches(home, iss[2].no, iss[2].code), 1); /* the others keep theirs */
    CHECK_INT(sh("rm %s/bf.csv", dir), 0);
    CHECK_INT(
        sh_out(out, sizeof out, ISSUER " --home %s claim-code backfill --out %s/bf.csv", home, dir),
        0);
    CHECK(strstr(out, "nothing to do") != NULL);
    CHECK_INT(sh("test ! -e %s/bf.csv", dir), 0);
}

static void test_issue(void)
{
    char dir[] = "/tmp/jp-claim-XXXXXX", home[256], out[4096], *last;
    struct issued iss[N_CERTS + 1], again[N_CERTS];
    char code[JP_CLAIM_CODE_SIZE];
    int n, already;

    if (issuer_workdir(dir, N_CERTS, 7) != 0)
        return;
    snprintf(home, sizeof home, "%s/home", dir);
    CHECK_INT(sh(ISSUER " --home %s issue --input %s/in.jsonl --report %s/rep.json --notices "
                        "%s/nt 2>/dev/null",
                 home, dir, dir, dir),
              0);
    CHECK_INT(mode_of(strcat(strcpy(out, home), "/claim.key")), 0600);
    n = read_report(strcat(strcpy(out, dir), "/rep.json"), iss, N_CERTS + 1, &already);
    CHECK_INT(n, N_CERTS);
    CHECK_INT(already, 0);
    if (n != N_CERTS)
        return;
    check_notices(strcat(strcpy(out, dir), "/nt"), iss, n);
    for (int i = 0; i < n; i++) {
        CHECK_INT(code_matches(home, iss[i].no, iss[i].code), 1);
        CHECK_INT(code_matches(home, iss[i].no, iss[(i + 1) % n].code), 0);
        check_audit_clean(home, iss[i].code);
    }
    CHECK(strcmp(iss[0].code, iss[1].code) != 0);

    /* Idempotent: the same input again names the numbers and gives no code. */
    CHECK_INT(sh(ISSUER " --home %s issue --input %s/in.jsonl --report %s/rep2.json 2>/dev/null",
                 home, dir, dir),
              0);
    CHECK_INT(read_report(strcat(strcpy(out, dir), "/rep2.json"), again, N_CERTS, &already), 0);
    CHECK_INT(already, N_CERTS);
    CHECK_INT(code_matches(home, iss[0].no, iss[0].code), 1);

    /* Reissue keeps the code. */
    CHECK_INT(sh(ISSUER " --home %s reissue %s >/dev/null", home, iss[0].no), 0);
    CHECK_INT(code_matches(home, iss[0].no, iss[0].code), 1);

    /* Reset: a new code on the last line, the old one dead, nothing in the audit log. */
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s claim-code reset %s", home, iss[0].no), 0);
    out[strcspn(out, "\0")] = '\0';
    if (strlen(out) > 0 && out[strlen(out) - 1] == '\n')
        out[strlen(out) - 1] = '\0';
    last = strrchr(out, '\n');
    last = last ? last + 1 : out;
    CHECK_INT(strlen(last), 14);
    CHECK_INT(jp_claim_normalize(last, strlen(last), code), 0);
    CHECK_INT(code_matches(home, iss[0].no, code), 1);
    CHECK_INT(code_matches(home, iss[0].no, iss[0].code), 0);
    CHECK_INT(cap_append("secrets-1.txt", code, strlen(code)), 0);
    CHECK_INT(cap_append("secrets-1.txt", "\n", 1), 0);
    check_audit_clean(home, code);
    CHECK_INT(sh(ISSUER " --home %s audit verify >/dev/null", home), 0);
    CHECK_INT(sh(ISSUER " --home %s claim-code reset 440120260100000019 2>/dev/null", home), 2);
    CHECK_INT(sh(ISSUER " --home %s claim-code reset %s 2>/dev/null", home, unknown_no()), 3);

    test_backfill(dir, home, iss);
    cap_file(strcat(strcpy(out, dir), "/rep.json"), "report.json");
    CHECK_INT(cap_claim_codes(out), 0);
    jp_remove_tree(dir);
}

/* A notices folder planted as a symlink, or an institution folder that is one, is refused. */
static void test_notices_symlink(void)
{
    char dir[] = "/tmp/jp-claim-XXXXXX", home[256];

    if (issuer_workdir(dir, 1, 8) != 0)
        return;
    snprintf(home, sizeof home, "%s/home", dir);
    CHECK_INT(
        sh("mkdir -m 700 %s/nt %s/elsewhere && ln -s ../elsewhere %s/nt/GD0101", dir, dir, dir), 0);
    CHECK(sh(ISSUER " --home %s issue --input %s/in.jsonl --notices %s/nt 2>/dev/null", home, dir,
             dir) != 0);
    CHECK_INT(sh("test -z \"$(ls -A %s/elsewhere)\"", dir), 0);
    CHECK_INT(sh("ln -s elsewhere %s/nt2", dir), 0);
    CHECK_INT(sh("printf '' | " ISSUER " --home %s issue --input - --notices %s/nt2 2>/dev/null",
                 home, dir),
              3);
    jp_remove_tree(dir);
}

int main(void)
{
    test_shape();
    test_issue();
    test_notices_symlink();
    return CHECK_DONE();
}
