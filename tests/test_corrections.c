/*
 * test_corrections.c - the operator's corrections and cascades (issue 19),
 * through jianpei-issuer and jianpei-verifier of this build:
 *   - `correct NO --name`: the new PDF (pdftotext) shows the new name, not the
 *     old; file version 002; the old file's QR page says in amber that the
 *     certificate was reissued (旧版本, 换发, the current status 有效), never the
 *     red 不符; the file check says older_version for the old PDF and
 *     identical for the new; the audit entry names the field, not the values;
 *     `--history` has both values; bad values exit 2 naming the option and
 *     change nothing; --new-claim-code prints a new code;
 *   - `suspend --institution --issued-from --issued-to`: over a store whose
 *     issue dates were spread on purpose, --dry-run lists exactly the
 *     certificates the store says match and changes nothing; the run changes
 *     exactly those (an already suspended one and a revoked one are left) and
 *     no other; bad dates and an unknown institution exit 2 naming the option;
 *     a revoke cascade then revokes the suspended ones.
 */
#include "issuer_cli.h"
#include "store.h"
#include "verifier_client.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256], home[300];

static int contains(const char *hay, const char *needle)
{
    return hay != NULL && strstr(hay, needle) != NULL;
}

/* What one read of home's store asks: a record, or the last audit entry. */
struct query {
    const char *no;              /* the record's number, or NULL for the last audit entry */
    struct store_cert *c;        /* the record */
    struct store_audit_entry *e; /* the entry */
};

static int query_txn(store_txn *txn, struct query *q)
{
    uint64_t seq = 0;
    size_t n = 0;
    int rc;

    if (q->no != NULL)
        return store_cert_get(txn, q->no, q->c);
    rc = store_audit_last(txn, &seq);
    if (rc == 0 && seq > 0)
        rc = store_audit_since(txn, seq - 1, q->e, 1, &n);
    return rc == 0 && n == 1 ? 0 : -1;
}

/* Runs q in a read transaction of home's store; 0 or -1. */
static int query(const char *h, struct query *q)
{
    char path[400], err[256];
    store *s = NULL;
    store_txn *txn = NULL;
    int rc;

    snprintf(path, sizeof path, "%s/store", h);
    rc = store_open(path, STORE_RDONLY, &s, err, sizeof err);
    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = query_txn(txn, q);
    store_read_end(txn);
    store_close(s);
    return rc == 0 ? 0 : -1;
}

/* The stored record of no into *c; 0 or -1. */
static int record(const char *h, const char *no, struct store_cert *c)
{
    struct query q = {no, c, NULL};

    return query(h, &q);
}

/* The last audit entry of home into *e; 0 or -1. */
static int last_audit(const char *h, struct store_audit_entry *e)
{
    struct query q = {NULL, NULL, e};

    return query(h, &q);
}

/* ------------------------------------------------------------ corrections */

static void register_holder(const char *name, const char *id)
{
    char path[400];
    FILE *f;

    snprintf(path, sizeof path, "%s/new-names.jsonl", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fprintf(f, "{\"name\":\"%s\",\"id_number\":\"%s\"}\n", name, id);
    fclose(f);
    CHECK_INT(cap_holders(path), 0);
}

static char *pdf_text(const char *pdf)
{
    static char out[65536];

    if (sh_out(out, sizeof out, "pdftotext -layout %s -", pdf) != 0)
        return NULL;
    return out;
}

static void http_get(int port, const char *path, struct vc_resp *r)
{
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, r) == 0 && r->status == 200);
}

static void check_file(int port, const char *pdf, const char *want)
{
    size_t len = 0;
    char *data = vc_slurp(pdf, &len);
    struct vc_resp r;

    CHECK(data != NULL);
    if (data == NULL)
        return;
    CHECK(vc_http(port, "POST", "/api/v1/check-file", "Content-Type: application/pdf\r\n", data,
                  len, &r) == 0 &&
          r.status == 200);
    CHECK(contains((const char *)r.body, want));
    vc_resp_free(&r);
    free(data);
}

/* The QR pages of the old and the new file, and the file check of both. */
static void check_verifier(const char *old_url, const char *new_url, const char *old_pdf,
                           const char *new_pdf)
{
    char err_path[400], vbin[400];
    char *argv[] = {vbin, "--home",           home, "--listen", "127.0.0.1:0", "--threads",
                    "2",  "--no-rate-limits", NULL};
    struct vc_daemon d;
    struct vc_resp r;
    const char *body;

    snprintf(vbin, sizeof vbin, "%s/jianpei-verifier", JP_BIN_DIR);
    snprintf(err_path, sizeof err_path, "%s/verifier.err", dir);
    if (vc_daemon_start(argv, err_path, &d) != 0) {
        CHECK(!"verifier started");
        return;
    }
    http_get(d.port, strstr(old_url, "/V/"), &r);
    body = (const char *)r.body;
    CHECK(contains(body, "class=\"b a\"><strong>旧版本"));
    CHECK(contains(body, "换发"));
    CHECK(contains(body, "第001版") && contains(body, "第002版"));
    CHECK(contains(body, "<strong>有效</strong><span>证书当前状态"));
    CHECK(!contains(body, "不符") && !contains(body, "class=\"b r\""));
    vc_resp_free(&r);
    CHECK(vc_http(d.port, "GET", strstr(old_url, "/V/"), "Accept: application/json\r\n", NULL, 0,
                  &r) == 0);
    CHECK(contains((const char *)r.body, "\"older_version\":true"));
    vc_resp_free(&r);
    http_get(d.port, strstr(new_url, "/V/"), &r);
    body = (const char *)r.body;
    CHECK(contains(body, "<strong>有效</strong><span>证书状态") && !contains(body, "旧版本"));
    vc_resp_free(&r);
    check_file(d.port, old_pdf, "\"verdict\":\"older_version\"");
    check_file(d.port, new_pdf, "\"verdict\":\"identical\"");
    CHECK(vc_daemon_stop(&d) == 0);
}

/* Bad corrections: exit 2, the option named, the record as it was. */
static void capture_errs(const char *const *names);

static void check_refusals(const char *no, const char *id)
{
    static const char *const errs[] = {"e1", "e2", "e3", "e4", NULL};
    char photo[400];
    struct store_cert c;
    const char *other = id[16] % 2 ? "女" : "男"; /* the gender the ID number does not say */

    CHECK_INT(sh(ISSUER " --home %s correct %s --name 'abc1' --reason typo 2>%s/e1", home, no, dir),
              2);
    CHECK_INT(sh("grep -q -- '--name: name:' %s/e1", dir), 0);
    CHECK_INT(
        sh(ISSUER " --home %s correct %s --gender %s --reason typo 2>%s/e2", home, no, other, dir),
        2);
    CHECK_INT(sh("grep -q -- '--gender: gender: does not match' %s/e2", dir), 0);
    CHECK_INT(sh(ISSUER " --home %s correct %s --photo %s/none.jpg --reason typo 2>%s/e3", home, no,
                 dir, dir),
              2);
    CHECK_INT(sh("grep -q -- '--photo: photo:' %s/e3", dir), 0);
    CHECK_INT(
        sh(ISSUER " --home %s correct %s --name 张\U00030041 --reason typo 2>%s/e4", home, no, dir),
        2); /* CJK extension G: no configured face draws it (scripts/font-coverage.sh) */
    CHECK_INT(sh("grep -q -- '--name: no configured font has U+30041' %s/e4", dir), 0);
    CHECK_INT(sh(ISSUER " --home %s correct %s --name 张三 2>/dev/null", home, no), 2);
    CHECK_INT(sh(ISSUER " --home %s correct %s --reason typo 2>/dev/null", home, no), 2);
    CHECK_INT(sh(ISSUER " --home %s correct --help | grep -q -- --new-claim-code", home), 0);
    capture_errs(errs);
    CHECK(record(home, no, &c) == 0 && c.file_version == 2);
    /* a new photo and a new claim code: version 3, the code on the last line */
    snprintf(photo, sizeof photo, "%s/tests/fixtures/render/photo.jpg", JP_SOURCE_DIR);
    CHECK_INT(sh(ISSUER " --home %s correct %s --photo %s --new-claim-code --reason 'photo' "
                        "| tail -1 | grep -Eq '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$'",
                 home, no, photo),
              0);
    CHECK(record(home, no, &c) == 0 && c.file_version == 3);
}

static void test_correct(void)
{
    static const char new_name[] = "张𠮷喆";
    char no[19], name[257], id[33], old_pdf[400], new_pdf[400], old_url[1024], new_url[1024];
    char out[8192], *text;
    struct store_audit_entry e;
    struct store_cert c;

    CHECK(vc_holder(dir, 0, no, name, id) == 0);
    register_holder(new_name, id);
    snprintf(old_pdf, sizeof old_pdf, "%s/old.pdf", dir);
    snprintf(new_pdf, sizeof new_pdf, "%s/new.pdf", dir);
    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s >/dev/null", home, no, old_pdf), 0);
    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, no, old_url, sizeof old_url) == 0);

    CHECK(sh_out(out, sizeof out,
                 ISSUER " --home %s correct %s --name %s --reason '姓名录入错误，持证人申请更正'",
                 home, no, new_name) == 0);
    CHECK(contains(out, "corrected (name), file version 002"));
    CHECK(!contains(out, "claim code"));
    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s >/dev/null", home, no, new_pdf), 0);
    text = pdf_text(new_pdf);
    CHECK(contains(text, new_name) && !contains(text, name));
    text = pdf_text(old_pdf);
    CHECK(contains(text, name));
    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, no, new_url, sizeof new_url) == 0);
    CHECK(strcmp(old_url, new_url) != 0);
    CHECK(record(home, no, &c) == 0 && c.file_version == 2 && strcmp(c.holder_name, new_name) == 0);
    CHECK(c.version_at > 0 && strstr(c.elicence_id, ".002.") != NULL);

    CHECK(last_audit(home, &e) == 0);
    CHECK_STR(e.action, "correct");
    CHECK(contains(e.detail, "file version 2: name; record sha256 "));
    CHECK(!contains(e.detail, name) && !contains(e.detail, new_name) &&
          !contains(e.detail, "录入"));
    CHECK(sh_out(out, sizeof out, ISSUER " --home %s correct %s --history", home, no) == 0);
    CHECK(contains(out, name) && contains(out, new_name) && contains(out, "姓名录入错误"));

    check_verifier(old_url, new_url, old_pdf, new_pdf);
    check_refusals(no, id);
}

/* --------------------------------------------------------------- cascades */

#define NCERT 30

static const char *const dates[] = {"2024-01-10", "2024-03-01", "2024-05-20", "2024-06-30",
                                    "2024-07-01"};

/* Spreads the issue dates of every record over dates[] (a store aged on purpose). */
static int redate_txn(store_txn *txn, void *arg)
{
    char(*nos)[19] = arg;
    struct store_cert c;
    int rc = 0;

    for (int i = 0; rc == 0 && i < NCERT; i++) {
        rc = store_cert_get(txn, nos[i], &c);
        if (rc == 0)
            rc = store_text_set(c.issue_date, sizeof c.issue_date, dates[i % 5]);
        if (rc == 0)
            rc = store_cert_put(txn, &c);
    }
    return rc;
}

static int redate(const char *h, char (*nos)[19])
{
    char path[400], err[256];
    store *s = NULL;
    int rc;

    snprintf(path, sizeof path, "%s/store", h);
    rc = store_open(path, 0, &s, err, sizeof err);
    if (rc == 0)
        rc = store_write(s, redate_txn, nos);
    store_close(s);
    return rc;
}

struct snap {
    enum store_cert_status st[NCERT];
    char inst[NCERT][33];
    char date[NCERT][11];
};

static void snapshot(const char *h, char (*nos)[19], struct snap *s)
{
    struct store_cert c;

    for (int i = 0; i < NCERT; i++) {
        CHECK(record(h, nos[i], &c) == 0);
        s->st[i] = c.status;
        snprintf(s->inst[i], sizeof s->inst[i], "%s", c.institution_code);
        snprintf(s->date[i], sizeof s->date[i], "%s", c.issue_date);
    }
}

static int in_range(const struct snap *s, int i, const char *inst)
{
    return strcmp(s->inst[i], inst) == 0 && strcmp(s->date[i], "2024-03-01") >= 0 &&
           strcmp(s->date[i], "2024-06-30") <= 0;
}

#define RANGE "--issued-from 2024-03-01 --issued-to 2024-06-30"

/* Copies the error files dir/NAME... into the capture for the privacy scan. */
static void capture_errs(const char *const *names)
{
    char path[400];

    for (; *names != NULL; names++) {
        snprintf(path, sizeof path, "%s/%s", dir, *names);
        cap_file(path, "stderr.txt");
    }
}

static void check_cascade_refusals(const char *h, const char *inst)
{
    static const char *const errs[] = {"c1", "c2", "c3", NULL};

    CHECK_INT(sh(ISSUER " --home %s suspend --institution %s --issued-from 2024-13-01 "
                        "--issued-to 2024-06-30 --reason fraud 2>%s/c1",
                 h, inst, dir),
              2);
    CHECK_INT(sh("grep -q -- '--issued-from: must be a date' %s/c1", dir), 0);
    CHECK_INT(sh(ISSUER " --home %s suspend --institution %s --issued-from 2024-06-30 "
                        "--issued-to 2024-03-01 --reason fraud 2>%s/c2",
                 h, inst, dir),
              2);
    CHECK_INT(sh("grep -q -- '--issued-from: after --issued-to' %s/c2", dir), 0);
    CHECK_INT(sh(ISSUER " --home %s suspend --institution GD9999 " RANGE " --reason fraud 2>%s/c3",
                 h, dir),
              2);
    CHECK_INT(sh("grep -q -- '--institution: no certificate of institution GD9999' %s/c3", dir), 0);
    CHECK_INT(sh(ISSUER " --home %s suspend --institution 'a b' " RANGE " --reason fraud "
                        "2>/dev/null",
                 h),
              2);
    CHECK_INT(sh(ISSUER " --home %s suspend --institution %s --issued-from 2024-03-01 "
                        "--reason fraud 2>/dev/null",
                 h, inst),
              2);
    CHECK_INT(sh(ISSUER " --home %s cancel --institution %s " RANGE " --reason fraud 2>/dev/null",
                 h, inst),
              2);
    capture_errs(errs);
}

static void test_cascade(void)
{
    char cdir[256], chome[300], nos[NCERT][19], name[257], id[33], out[8192], want[8192] = "";
    struct snap before, after;
    int expect = 0, i, pre_susp = -1, pre_rev = -1;
    const char *inst = NULL;
    struct store_audit_entry e;
    uint64_t seq0 = 0;

    CHECK(vc_scratch(cdir, sizeof cdir, "/tmp/jp-cascade-XXXXXX", chome, sizeof chome) == 0);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, cdir, NCERT) == 0);
    for (i = 0; i < NCERT; i++)
        CHECK(vc_holder(cdir, (size_t)i, nos[i], name, id) == 0);
    CHECK_INT(redate(chome, nos), 0);
    snapshot(chome, nos, &before);
    for (i = 0, expect = 0; i < NCERT; i++) { /* the institution with most in the range */
        int n = 0;
        for (int j = 0; j < NCERT; j++)
            n += in_range(&before, j, before.inst[i]);
        if (n > expect) {
            expect = n;
            inst = before.inst[i];
        }
    }
    CHECK(expect >= 3);
    expect = 0;
    for (i = 0; i < NCERT; i++) {
        if (!in_range(&before, i, inst))
            continue;
        if (pre_susp < 0)
            pre_susp = i;
        else if (pre_rev < 0)
            pre_rev = i;
    }
    CHECK(pre_rev >= 0);
    if (pre_rev < 0)
        return;
    CHECK_INT(sh(ISSUER " --home %s suspend %s --reason other >/dev/null", chome, nos[pre_susp]),
              0);
    CHECK_INT(sh(ISSUER " --home %s revoke %s --reason fraud >/dev/null", chome, nos[pre_rev]), 0);
    snapshot(chome, nos, &before);
    for (i = 0; i < NCERT; i++) {
        if (in_range(&before, i, inst) && before.st[i] == STORE_STATUS_VALID) {
            strcat(want, nos[i]);
            strcat(want, "\n");
            expect++;
        }
    }
    CHECK(expect >= 1);
    check_cascade_refusals(chome, inst);

    /* the dry run lists exactly them (number order is the store's) and changes nothing */
    CHECK(last_audit(chome, &e) == 0);
    seq0 = e.seq;
    CHECK(sh_out(out, sizeof out,
                 ISSUER " --home %s suspend --institution %s " RANGE
                        " --reason institution_struck_off --dry-run | grep -v scanned",
                 chome, inst) == 0);
    CHECK_STR(out, want);
    snapshot(chome, nos, &after);
    CHECK(memcmp(before.st, after.st, sizeof before.st) == 0);
    {
        struct store_audit_entry e2;
        CHECK(last_audit(chome, &e2) == 0 && e2.seq == e.seq);
    }

    /* the run changes exactly them */
    CHECK(sh_out(out, sizeof out,
                 ISSUER " --home %s suspend --institution %s " RANGE
                        " --reason '机构弄虚作假被清出' --note 'notice 2026-12'",
                 chome, inst) == 0);
    snprintf(want, sizeof want,
             "suspended %d certificates of %s issued 2024-03-01..2024-06-30; 1 "
             "already suspended, 1 left as they are; %d records scanned\n",
             expect, inst, NCERT);
    CHECK_STR(out, want);
    snapshot(chome, nos, &after);
    for (i = 0; i < NCERT; i++) {
        int changes = in_range(&before, i, inst) && before.st[i] == STORE_STATUS_VALID;
        CHECK_INT((int)after.st[i], changes ? STORE_STATUS_SUSPENDED : (int)before.st[i]);
    }
    CHECK(last_audit(chome, &e) == 0);
    CHECK_STR(e.action, "suspend");
    CHECK(contains(e.detail, "institution_struck_off: cascade "));
    CHECK(contains(e.detail, "机构弄虚作假被清出; notice 2026-12"));
    CHECK_INT((int)(e.seq - seq0), expect); /* one audit entry each, nothing more */

    /* a revoke over the same range: the suspended ones and the pre-suspended one */
    CHECK(sh_out(out, sizeof out,
                 ISSUER " --home %s revoke --institution %s " RANGE " --reason fraud", chome,
                 inst) == 0);
    snprintf(want, sizeof want, "revoked %d certificates", expect + 1);
    CHECK(contains(out, want) && contains(out, "1 already revoked"));
    snapshot(chome, nos, &before);
    for (i = 0; i < NCERT; i++)
        CHECK_INT((int)before.st[i],
                  in_range(&before, i, inst) ? STORE_STATUS_REVOKED : (int)after.st[i]);
    sh("rm -rf %s", cdir);
}

int main(void)
{
    if (vc_scratch(dir, sizeof dir, "/tmp/jp-corrections-XXXXXX", home, sizeof home) != 0)
        return 3;
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 3) == 0);
    test_correct();
    test_cascade();
    sh("rm -rf %s", dir);
    return CHECK_DONE();
}
