/*
 * test_issuer_batch.c - issue 11 bug 4: a line the renderer refuses inside a
 * batch costs only the lines whose numbers change. 64 lines of one prefix, line
 * 60 with a photo that passes intake (JPEG magic) but not the renderer: the
 * lines before it keep their signed files, so the run renders 64 + 4 PDFs
 * (before the fix: 64 + 63), and numbers stay gapless in input order.
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

static char dir[64], home[128];

static void make_id(char out[19], int seq)
{
    char d17[32];

    snprintf(d17, sizeof d17, "44010319900101%03d", seq);
    snprintf(out, 19, "%.17s%c", d17, ident_mod11_2(d17));
}

static void write_intake(const char *path)
{
    FILE *f = fopen(path, "w");
    char id[19];

    for (int i = 1; i <= LINES; i++) {
        make_id(id, 2 * i + 1); /* odd: male */
        fprintf(f,
                "{\"name\":\"张三\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":\"%s\","
                "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
                "\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T-BATCH\","
                "\"exam_date\":\"2026-10-15\",\"score\":80%s}\n",
                id, i == BAD ? ",\"photo\":\"bad.jpg\"" : "");
    }
    fclose(f);
    f = fopen("bad.jpg", "w");
    fputs("\xff\xd8\xff\xe0 this is not a JPEG stream at all", f);
    fclose(f);
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
