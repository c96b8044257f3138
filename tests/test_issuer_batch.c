/*
 * test_issuer_batch.c - issue 11 bug 4: a line the renderer refuses inside a
 * batch costs only the lines whose numbers change. 64 lines of one prefix, line
 * 60 with a photo that passes intake (JPEG magic) but not the renderer: the
 * lines before it keep their signed files, so the run renders 64 + 4 PDFs
 * (before the fix: 64 + 63), and numbers stay gapless in input order.
 * Then the same over three batches, each rendered ahead with numbers
 * predicted while the one before it commits (issue 15): the bad line in the
 * second batch, and a run whose first lines were issued before.
 */
#include "check.h"
#include "ident.h"
#include "issuer.h"
#include "issuer_lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES 64
#define BAD 60
#define BATCH 64 /* issue.c's BATCH_MAX: lines a transaction holds */

static char dir[64], home[128];

static void make_id(char out[19], int seq)
{
    char d17[32];

    snprintf(d17, sizeof d17, "44010319900101%03d", seq);
    snprintf(out, 19, "%.17s%c", d17, ident_mod11_2(d17));
}

/* Lines 1..lines of exam, line bad (0: none) with the bad photo; ids of seq 2 * (first + i) + 1. */
static void write_lines(const char *path, const char *exam, int first, int lines, int bad)
{
    FILE *f = fopen(path, "w");
    char id[19];

    for (int i = 1; i <= lines; i++) {
        make_id(id, 2 * (first + i) + 1); /* odd: male */
        fprintf(f,
                "{\"name\":\"张三\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":\"%s\","
                "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
                "\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"%s\","
                "\"exam_date\":\"2026-10-15\",\"score\":80%s}\n",
                id, exam, i == bad ? ",\"photo\":\"bad.jpg\"" : "");
    }
    fclose(f);
}

static void write_intake(const char *path)
{
    FILE *f;

    write_lines(path, "T-BATCH", 0, LINES, BAD);
    f = fopen("bad.jpg", "w");
    fputs("\xff\xd8\xff\xe0 this is not a JPEG stream at all", f);
    fclose(f);
}

/* Issues the lines of path with is into rep (initialised here). */
static void issue_file(issuer *is, const char *path, struct issuer_report *rep)
{
    struct issuer_issue_opts o = {.actor = "test", .photo_dir = dir};
    char err[512] = "";
    FILE *in = fopen(path, "r");

    issuer_report_init(rep);
    CHECK(in != NULL);
    if (in != NULL) {
        CHECK_INT(issuer_issue(is, in, &o, rep, err, sizeof err), 0);
        fclose(in);
    }
}

/* Whether report item i (line i + 1) was issued with serial serial. */
static int has_serial(const struct issuer_report *rep, size_t i, int serial)
{
    char want[8];

    snprintf(want, sizeof want, "%07d", serial);
    return i < rep->n && rep->items[i].what == ISSUER_ISSUED &&
           strncmp(rep->items[i].certificate_no + 10, want, 7) == 0;
}

#define AHEAD_LINES 150 /* three batches */
#define AHEAD_BAD 100   /* in the second, rendered ahead of its transaction */

/*
 * Batches rendered ahead (issue.c, batch_txn): after the 63 of the first test,
 * 150 lines with a bad one at 100 take serials 64.. gapless in input order; the
 * renders are every line once, the bad one again in its own transaction, and
 * the 28 after it in its batch again (their numbers moved). Then 70 lines of a
 * new exam, and the same 70 with 80 more: exactly the 80 new ones are rendered.
 */
static void ahead_checks(issuer *is)
{
    struct issuer_report rep;
    char path[160];
    unsigned long before = issuer_renders(is);
    int ok = 1;

    snprintf(path, sizeof path, "%s/ahead.jsonl", dir);
    write_lines(path, "T-AHEAD", 200, AHEAD_LINES, AHEAD_BAD);
    issue_file(is, path, &rep);
    CHECK_INT(rep.issued, AHEAD_LINES - 1);
    CHECK_INT(rep.rejected, 1);
    CHECK_INT(rep.n, AHEAD_LINES);
    CHECK(rep.n == AHEAD_LINES && rep.items[AHEAD_BAD - 1].what == ISSUER_REJECTED);
    for (int i = 1; i <= AHEAD_LINES; i++)
        if (i != AHEAD_BAD && !has_serial(&rep, (size_t)i - 1, LINES - 1 + i - (i > AHEAD_BAD)))
            ok = 0;
    CHECK(ok);
    CHECK_INT(issuer_renders(is) - before, AHEAD_LINES + 1 + (2 * BATCH - AHEAD_BAD));
    issuer_report_free(&rep);

    write_lines(path, "T-AHEAD2", 300, 70, 0);
    issue_file(is, path, &rep);
    CHECK_INT(rep.issued, 70);
    issuer_report_free(&rep);
    before = issuer_renders(is);
    write_lines(path, "T-AHEAD2", 300, AHEAD_LINES, 0);
    issue_file(is, path, &rep);
    CHECK_INT(rep.issued, AHEAD_LINES - 70);
    CHECK_INT(rep.already, 70);
    CHECK_INT(issuer_renders(is) - before, AHEAD_LINES - 70);
    /* after 63 + 149 + 70 */
    CHECK(has_serial(&rep, 70, LINES - 1 + AHEAD_LINES - 1 + 70 + 1));
    CHECK(has_serial(&rep, AHEAD_LINES - 1, LINES - 1 + AHEAD_LINES - 1 + AHEAD_LINES));
    issuer_report_free(&rep);
}

int main(void)
{
    struct issuer_issue_opts o = {.actor = "test"};
    struct issuer_report rep;
    char err[512] = "", path[160];
    issuer *is = NULL;
    FILE *in;

    snprintf(dir, sizeof dir, "/tmp/jp-batch-XXXXXX");
    if (issuer_lib_home(dir, home, sizeof home, &is) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    write_intake(path);
    o.photo_dir = dir;
    issuer_report_init(&rep);
    in = fopen(path, "r");
    CHECK(in != NULL && is != NULL);
    if (in != NULL && is != NULL) {
        CHECK_INT(issuer_issue(is, in, &o, &rep, err, sizeof err), 0);
        CHECK_INT(rep.issued, LINES - 1);
        CHECK_INT(rep.rejected, 1);
        CHECK_INT(rep.n, LINES);
        CHECK_INT(rep.items[BAD - 1].what, ISSUER_REJECTED);
        /* Gapless, in input order: line 61 takes serial 60. */
        CHECK(strncmp(rep.items[BAD].certificate_no + 10, "0000060", 7) == 0);
        CHECK(strncmp(rep.items[BAD - 2].certificate_no + 10, "0000059", 7) == 0);
        CHECK_INT(issuer_renders(is), LINES + (LINES - BAD));
        ahead_checks(is);
    }
    if (in != NULL)
        fclose(in);
    issuer_report_free(&rep);
    issuer_close(is);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (check_failed == 0 && system(path) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return CHECK_DONE();
}
