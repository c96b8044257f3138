/*
 * test_cms_reserve.c - issue 15 target 4: the CMS reservation is the largest
 * signature seen plus a margin, and a signature that outgrows it (here: a
 * process told it had seen only 1,000 bytes) is signed again with the full
 * reservation, so every certificate is issued and its signature valid; the
 * later certificates are smaller than the first, which had the full one.
 */
#include "check.h"
#include "ident.h"
#include "issuer.h"
#include "issuer_lib.h"
#include "issuer_int.h"
#include "sh.h"

#include <stdatomic.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES 3

static char dir[64], home[128];

static void write_intake(const char *path)
{
    FILE *f = fopen(path, "w");
    char d17[32], id[19];

    for (int i = 1; i <= LINES; i++) {
        snprintf(d17, sizeof d17, "44010319900101%03d", 2 * i + 1); /* odd: male */
        snprintf(id, sizeof id, "%.17s%c", d17, ident_mod11_2(d17));
        fprintf(f,
                "{\"name\":\"张三\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":\"%s\","
                "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
                "\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T-CMS\","
                "\"exam_date\":\"2026-10-15\",\"score\":80}\n",
                id);
    }
    fclose(f);
}

/* Issues the intake with is, its CMS size memory first set to seen; the PDFs' sizes in size[]. */
static void issue(issuer *is, unsigned long seen, const char *intake, long size[LINES])
{
    struct issuer_issue_opts o = {.actor = "test", .photo_dir = dir};
    struct issuer_report rep;
    char err[512] = "", pdf[160];
    FILE *in = fopen(intake, "r");

    issuer_report_init(&rep);
    atomic_store(&is->cms_der_max, seen);
    CHECK(in != NULL);
    if (in == NULL)
        return;
    CHECK_INT(issuer_issue(is, in, &o, &rep, err, sizeof err), 0);
    CHECK_INT(rep.issued, LINES);
    for (size_t i = 0; i < rep.n && i < LINES; i++) {
        snprintf(pdf, sizeof pdf, "%s/%zu.pdf", dir, i);
        CHECK_INT(issuer_pdf_save(home, rep.items[i].certificate_no, pdf, err, sizeof err), 0);
        CHECK_INT(sh("pdfsig %s 2>/dev/null | grep -q 'Signature is Valid'", pdf), 0);
        CHECK_INT(sh("qpdf --check %s >/dev/null 2>&1", pdf), 0);
        FILE *f = fopen(pdf, "rb");
        if (f != NULL && fseek(f, 0, SEEK_END) == 0)
            size[i] = ftell(f);
        if (f != NULL)
            fclose(f);
    }
    fclose(in);
    issuer_report_free(&rep);
}

int main(void)
{
    char path[160];
    long size[LINES] = {0};
    issuer *is = NULL;

    snprintf(dir, sizeof dir, "/tmp/jp-cms-XXXXXX");
    if (issuer_lib_home(dir, home, sizeof home, &is) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    write_intake(path);
    if (is != NULL) {
        /* a remembered maximum far below the real signature: the first is signed again with
         * the full reservation, the others reserve what it measured */
        issue(is, 1000, path, size);
        CHECK(atomic_load(&is->cms_der_max) > 1100); /* the signing certificate alone is 649 B */
        CHECK(atomic_load(&is->cms_der_max) < 3000);
        CHECK_INT(issuer_renders(is), LINES);
        CHECK(size[1] > 0 && size[0] > size[1] + 2000);
        CHECK(size[2] > 0 && size[0] > size[2] + 2000);
    }
    issuer_close(is);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (check_failed == 0 && system(path) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return CHECK_DONE();
}
