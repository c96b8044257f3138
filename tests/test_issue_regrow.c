/*
 * test_issue_regrow.c - issue 15 target 5: batch_txn frees each job's signed
 * files once they are put (drop_files), so when a later put of the batch finds
 * the store map full and store_write runs the transaction again on a grown map,
 * the jobs put before are rendered again. 640 lines with the 7.7 KB photo
 * (~115 KB of store each) outgrow the 64 MiB map a new store starts with: every
 * line is issued with its number in input order, every stored PDF is a whole
 * signed PDF, and more PDFs were rendered than lines (the retried ones).
 */
#include "check.h"
#include "ident.h"
#include "issuer.h"
#include "issuer_lib.h"
#include "sh.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES 640
#define MAP_START (64UL << 20) /* store.h: map_size 0 = 64 MiB */

static char dir[64], home[128];

static void write_intake(const char *path)
{
    FILE *f = fopen(path, "w");
    char d17[32], id[19];

    for (int i = 1; i <= LINES; i++) {
        snprintf(d17, sizeof d17, "440103199001%02d%03d", 1 + i / 400,
                 2 * (i % 400) + 1); /* odd: male */
        snprintf(id, sizeof id, "%.17s%c", d17, ident_mod11_2(d17));
        fprintf(f,
                "{\"name\":\"张三\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":\"%s\","
                "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
                "\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T-GROW\","
                "\"exam_date\":\"2026-10-15\",\"score\":80,\"photo\":\"photo.jpg\"}\n",
                id);
    }
    fclose(f);
}

/* 1 when the file at path starts with %PDF- and holds more than 10 KB. */
static int whole_pdf(const char *path)
{
    char head[5] = "";
    long size = 0;
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return 0;
    if (fread(head, 1, sizeof head, f) == sizeof head && fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    fclose(f);
    return memcmp(head, "%PDF-", 5) == 0 && size > 10 * 1024;
}

static void checks(issuer *is)
{
    struct issuer_issue_opts o = {.actor = "test", .photo_dir = dir};
    struct issuer_report rep;
    char err[512] = "", path[160], want[24];
    int in_order = 1, whole = 1;
    FILE *in;

    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    write_intake(path);
    CHECK_INT(sh("cp %s/tests/fixtures/render/photo.jpg %s/photo.jpg", JP_SOURCE_DIR, dir), 0);
    issuer_report_init(&rep);
    in = fopen(path, "r");
    CHECK(in != NULL);
    if (in == NULL)
        return;
    CHECK_INT(issuer_issue(is, in, &o, &rep, err, sizeof err), 0);
    fclose(in);
    CHECK_INT(rep.issued, LINES);
    CHECK_INT(rep.n, LINES);
    CHECK(store_map_size(issuer_store(is)) > MAP_START);
    CHECK(issuer_renders(is) > LINES);
    CHECK(issuer_renders(is) < LINES + 64); /* one batch's puts at most, once */
    for (size_t i = 0; i < rep.n; i++) {
        snprintf(want, sizeof want, "%07zu", i + 1); /* serials from 1 */
        if (strncmp(rep.items[i].certificate_no + 10, want, 7) != 0)
            in_order = 0;
        snprintf(path, sizeof path, "%s/c.pdf", dir);
        unlink(path);
        if (issuer_pdf_save(home, rep.items[i].certificate_no, path, err, sizeof err) != 0 ||
            !whole_pdf(path))
            whole = 0;
        if (i % 64 == 0 && whole)
            CHECK_INT(sh("pdfsig %s 2>/dev/null | grep -q 'Signature is Valid'", path), 0);
    }
    CHECK(in_order);
    CHECK(whole);
    issuer_report_free(&rep);
}

int main(void)
{
    char path[160];
    issuer *is = NULL;

    snprintf(dir, sizeof dir, "/tmp/jp-regrow-XXXXXX");
    if (issuer_lib_home(dir, home, sizeof home, &is) != 0)
        return 1;
    if (is != NULL)
        checks(is);
    issuer_close(is);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (check_failed == 0 && system(path) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return CHECK_DONE();
}
