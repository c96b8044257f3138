/*
 * fuzz_intake.c - libFuzzer target for intake_parse() (issuer/intake.h): one
 * JSON line of SPEC §5 checked by every clerk's rule, with a fixed
 * configuration (province 44, data/positions.tsv, data/cities-44.tsv,
 * pass mark 60), a fixed today (2026-01-01) and a photo directory holding
 * photo.jpg and photo.png. Beyond memory safety it checks that an accepted
 * record passes the ident rules again and is in range, and that a rejection
 * reason never quotes personal data from the line: no run of 8 or more
 * digits and no two consecutive CJK characters (SPEC §8: personal data never
 * goes into an error message).
 */
#include "config.h"
#include "fuzz_common.h"
#include "ident.h"
#include "intake.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct jp_config cfg;
static char photo_dir[1024];

static void copy_photo(const char *from, const char *name)
{
    unsigned char *p = NULL;
    size_t n = 0;

    if (jp_read_file(from, INTAKE_PHOTO_MAX, &p, &n) != 0)
        fz_fail("cannot read a fixture photo");
    fz_write(name, p, n);
    free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];

    (void)argc;
    (void)argv;
    cfg.format = JP_CONFIG_FORMAT;
    memcpy(cfg.province, "44", 3);
    cfg.pass_mark_tenths = 600;
    if (jp_config_read_table(JP_SOURCE_DIR "/data/positions.tsv", cfg.positions,
                             JP_CONFIG_MAX_CODES, &cfg.npositions, err, sizeof(err)) != 0 ||
        jp_config_read_table(JP_SOURCE_DIR "/data/cities-44.tsv", cfg.cities, JP_CONFIG_MAX_CODES,
                             &cfg.ncities, err, sizeof(err)) != 0)
        fz_fail("cannot read the catalogue tables");
    copy_photo(JP_SOURCE_DIR "/tests/fixtures/render/photo.jpg", "photo.jpg");
    copy_photo(JP_SOURCE_DIR "/tests/fixtures/render/photo.png", "photo.png");
    if (strlen(fz_tmpdir()) >= sizeof(photo_dir))
        fz_fail("temporary path too long");
    strcpy(photo_dir, fz_tmpdir());
    return 0;
}

/* 1 when why holds 8 consecutive digits or two consecutive CJK characters. */
static int leaks(const char *why)
{
    size_t i, digits = 0, wide = 0;

    for (i = 0; why[i] != '\0'; i++) {
        unsigned char c = (unsigned char)why[i];

        digits = c >= '0' && c <= '9' ? digits + 1 : 0;
        if (c >= 0xE0)
            wide++;
        else if (c < 0x80)
            wide = 0;
        if (digits >= 8 || wide >= 2)
            return 1;
    }
    return 0;
}

static void check_accepted(const struct intake_rec *r)
{
    char why[IDENT_WHY_SIZE];

    FZ_ASSERT(ident_name_check(r->name, strlen(r->name), why, sizeof(why)) == 0);
    FZ_ASSERT(ident_holder_id_parse(r->id_type, strlen(r->id_type), r->id_number,
                                    strlen(r->id_number), NULL, NULL, 0, why, sizeof(why)) == 0);
    FZ_ASSERT(jp_config_position(&cfg, r->position) != NULL);
    FZ_ASSERT(jp_config_city(&cfg, r->city) != NULL);
    FZ_ASSERT(strcmp(r->gender, "男") == 0 || strcmp(r->gender, "女") == 0);
    FZ_ASSERT(r->score_tenths >= cfg.pass_mark_tenths && r->score_tenths <= 1000);
    FZ_ASSERT(strcmp(r->exam_date, "2026-01-01") <= 0);
    FZ_ASSERT((r->photo.data == NULL) == (r->photo.len == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct intake_ctx ctx = {.config = &cfg, .today = {2026, 1, 1}, .photo_dir = photo_dir};
    struct intake_rec rec = {.line = 1};
    char why[INTAKE_WHY_SIZE];
    int rc;

    why[0] = '\0';
    rc = intake_parse(&ctx, (const char *)data, size, &rec, why, sizeof(why));
    FZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    if (rc == 0) {
        check_accepted(&rec);
    } else {
        FZ_ASSERT(why[0] != '\0');
        if (leaks(why)) {
            fprintf(stderr, "reason: %s\n", why);
            fz_fail("a rejection reason quotes personal data");
        }
    }
    intake_rec_clear(&rec);
    return 0;
}
