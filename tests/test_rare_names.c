/*
 * test_rare_names.c - issue 18: every GB 18030-2022 name the installed faces
 * can draw is issued and rendered, and a name with a character none of them
 * has is refused at intake, with the field, the line number and the code
 * point, never the name. The faces are data/certificate.tmpl's: U+30000 (CJK
 * extension G) is drawn by BabelStone Han only; U+30041 (extension G) by no
 * face (scripts/font-coverage.sh --missing lists it first).
 */
#include "capture.h"
#include "issuer_cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64] = "/tmp/jp-rare-XXXXXX";
static char home[128];

/* Line 1: 李 + U+30000 (drawable); line 2: 张 + U+30041 (no face); line 3: 王芳. */
static const char *const names[] = {"李\U00030000", "张\U00030041", "王芳"};

static void write_intake(const char *path)
{
    static const char *const ids[] = {"440106197705238308", "440106200606025248",
                                      "44030319980717000X"};
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    if (f == NULL)
        return;
    for (int i = 0; i < 3; i++)
        fprintf(f,
                "{\"name\":\"%s\",\"gender\":\"女\",\"id_type\":\"111\",\"id_number\":\"%s\","
                "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
                "\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T-RARE\","
                "\"exam_date\":\"2026-10-15\",\"score\":80}\n",
                names[i], ids[i]);
    fclose(f);
}

/* The item of list in the report for lineno, or NULL. */
static json_t *item_of(json_t *rep, const char *list, int lineno)
{
    json_t *a = json_object_get(rep, list), *it;
    size_t i;

    json_array_foreach(a, i, it)
    {
        if (json_integer_value(json_object_get(it, "line")) == lineno)
            return it;
    }
    return NULL;
}

/* The issued certificate of line 1 shows its ext. G character, drawn with an embedded subset. */
static void check_rendered(const char *no)
{
    char out[8192];

    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s/g.pdf", home, no, dir), 0);
    CHECK_INT(sh_out(out, sizeof out, "pdftotext %s/g.pdf -", dir), 0);
    CHECK(strstr(out, names[0]) != NULL);
    CHECK_INT(sh_out(out, sizeof out, "pdffonts %s/g.pdf", dir), 0);
    /* a BabelStone subset: embedded, subset, ToUnicode map */
    CHECK(strstr(out, "+BabelStoneHan") != NULL);
    CHECK_INT(sh("pdffonts %s/g.pdf | grep BabelStoneHan | grep -q 'yes yes yes'", dir), 0);
    CHECK_INT(sh("pdffonts %s/g.pdf | grep -v '^name\\|^---' | grep -vq 'yes yes yes'", dir), 1);
    CHECK_INT(sh("pdfsig %s/g.pdf 2>/dev/null | grep -q 'Signature is Valid'", dir), 0);
}

int main(void)
{
    char in[160], out[4096];
    json_error_t e;
    json_t *rep, *it;

    if (mkdtemp(dir) == NULL || chdir(dir) != 0)
        return 1;
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    CHECK_INT(issuer_init(home), 0);
    write_intake(in);
    CHECK_INT(cap_holders(in), 0);
    /* exit 1: some input rejected, the rest issued */
    CHECK_INT(sh(ISSUER " --home %s issue --input %s --report %s/r.json 2>%s/err.txt", home, in,
                 dir, dir),
              1);
    CHECK_INT(cap_file("err.txt", "err.log"), 0);
    CHECK_INT(cap_claim_codes("r.json"), 0);
    CHECK_INT(cap_file("r.json", "report.json"), 0);
    rep = json_load_file("r.json", 0, &e);
    CHECK(rep != NULL);
    if (rep != NULL) {
        CHECK_INT(json_array_size(json_object_get(rep, "issued")), 2);
        CHECK_INT(json_array_size(json_object_get(rep, "rejected")), 1);
        it = item_of(rep, "rejected", 2);
        CHECK(it != NULL);
        CHECK_STR(json_string_value(json_object_get(it, "reason")),
                  "name: no configured font has U+30041");
        it = item_of(rep, "issued", 1);
        CHECK(it != NULL && item_of(rep, "issued", 3) != NULL);
        if (it != NULL)
            check_rendered(json_string_value(json_object_get(it, "certificate_no")));
        json_decref(rep);
    }
    /* the refused name is nowhere in the messages */
    CHECK_INT(sh("grep -q 张 %s/err.txt", dir), 1);
    CHECK_INT(issuer_certificates(home), 2);
    /* the template's faces draw U+30041 nowhere, so no certificate holds it */
    CHECK_INT(
        sh_out(out, sizeof out, ISSUER " --home %s find --id-number 440106200606025248 2>&1", home),
        0);
    CHECK(strstr(out, "4401") == NULL);
    if (check_failed == 0) {
        char cmd[96];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", dir);
    }
    return CHECK_DONE();
}
