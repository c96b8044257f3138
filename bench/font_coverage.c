/*
 * font_coverage.c - which code points of GB 18030-2022 implementation levels
 * 1-3 (the CJK ideograph blocks it lists) each TrueType face lacks, and how
 * many no face draws at all (docs/fonts.md, issue 18). Built and run by
 * scripts/font-coverage.sh.
 *
 * A face "draws" a code point as templates/font.c's font_lib_find decides:
 * its cmap maps it to a glyph other than 0. Glyphs that are mapped but have
 * no outline (empty extents) are counted separately, since they would print
 * nothing.
 *
 * Usage: font_coverage [--missing N] FONT[:INDEX]...
 * Prints a Markdown table: per block, its size, the code points each face
 * lacks, and those no face draws; then, with --missing N, the first N code
 * points no face draws (U+XXXX, one per line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hb-ot.h>
#include <hb.h>

#define MAX_FACES 16

struct block {
    const char *name;
    unsigned first, last;
};

/* GB 18030-2022's CJK ideograph blocks (levels 1-3). */
static const struct block blocks[] = {
    {"URO U+4E00-9FFF", 0x4E00, 0x9FFF},        {"ext. A U+3400-4DBF", 0x3400, 0x4DBF},
    {"ext. B U+20000-2A6DF", 0x20000, 0x2A6DF}, {"ext. C U+2A700-2B73F", 0x2A700, 0x2B73F},
    {"ext. D U+2B740-2B81F", 0x2B740, 0x2B81F}, {"ext. E U+2B820-2CEAF", 0x2B820, 0x2CEAF},
    {"ext. F U+2CEB0-2EBEF", 0x2CEB0, 0x2EBEF}, {"ext. G U+30000-3134F", 0x30000, 0x3134F},
};
#define NBLOCKS (sizeof(blocks) / sizeof(blocks[0]))

/* Last code point Unicode 15 assigns in each block (the rest of it is unassigned). */
static unsigned assigned_last(const struct block *b)
{
    switch (b->first) {
    case 0x4E00:
        return 0x9FFF;
    case 0x20000:
        return 0x2A6DF;
    case 0x2A700:
        return 0x2B739;
    case 0x2B740:
        return 0x2B81D;
    case 0x2B820:
        return 0x2CEA1;
    case 0x2CEB0:
        return 0x2EBE0;
    case 0x30000:
        return 0x3134A;
    default:
        return b->last;
    }
}

struct face {
    const char *label;
    hb_font_t *font;
};

static int face_open(const char *arg, struct face *f)
{
    char path[1024];
    const char *colon = strrchr(arg, ':');
    unsigned index = 0;
    size_t n = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
    hb_blob_t *blob;
    hb_face_t *face;

    if (n >= sizeof(path))
        return -1;
    memcpy(path, arg, n);
    path[n] = '\0';
    if (colon != NULL)
        index = (unsigned)strtoul(colon + 1, NULL, 10);
    blob = hb_blob_create_from_file_or_fail(path);
    if (blob == NULL)
        return -1;
    face = hb_face_create(blob, index);
    hb_blob_destroy(blob);
    f->font = hb_font_create(face);
    hb_face_destroy(face);
    f->label = strrchr(path, '/') != NULL ? strrchr(arg, '/') + 1 : arg;
    return hb_face_get_glyph_count(hb_font_get_face(f->font)) > 0 ? 0 : -1;
}

/* 1 when the face maps cp to a real glyph, 2 when that glyph has no outline, 0 when absent. */
static int face_draws(const struct face *f, unsigned cp)
{
    hb_codepoint_t g = 0;
    hb_glyph_extents_t ext;

    if (!hb_font_get_nominal_glyph(f->font, cp, &g) || g == 0)
        return 0;
    if (!hb_font_get_glyph_extents(f->font, g, &ext) || ext.width == 0 || ext.height == 0)
        return 2;
    return 1;
}

int main(int argc, char **argv)
{
    struct face faces[MAX_FACES];
    unsigned long lacks[NBLOCKS][MAX_FACES] = {{0}}, none[NBLOCKS] = {0}, empty[MAX_FACES] = {0};
    unsigned long tot_size = 0, tot_none = 0, tot_lacks[MAX_FACES] = {0};
    long missing = 0;
    int nf = 0, a = 1;

    if (argc > 2 && strcmp(argv[1], "--missing") == 0) {
        missing = strtol(argv[2], NULL, 10);
        a = 3;
    }
    if (a >= argc || argc - a > MAX_FACES) {
        fprintf(stderr, "usage: font_coverage [--missing N] FONT[:INDEX]... (at most %d)\n",
                MAX_FACES);
        return 2;
    }
    for (; a < argc; a++, nf++)
        if (face_open(argv[a], &faces[nf]) != 0) {
            fprintf(stderr, "font_coverage: cannot open %s as a font\n", argv[a]);
            return 3;
        }
    for (size_t b = 0; b < NBLOCKS; b++)
        for (unsigned cp = blocks[b].first; cp <= assigned_last(&blocks[b]); cp++) {
            int any = 0;
            for (int i = 0; i < nf; i++) {
                int d = face_draws(&faces[i], cp);
                lacks[b][i] += d == 0;
                empty[i] += d == 2;
                any |= d == 1;
            }
            none[b] += !any;
        }

    printf("| block (assigned) |");
    for (int i = 0; i < nf; i++)
        printf(" %s lacks |", faces[i].label);
    printf(" no face |\n|---|");
    for (int i = 0; i <= nf; i++)
        printf("---:|");
    printf("\n");
    for (size_t b = 0; b < NBLOCKS; b++) {
        unsigned long size = assigned_last(&blocks[b]) - blocks[b].first + 1;
        printf("| %s (%lu) |", blocks[b].name, size);
        for (int i = 0; i < nf; i++) {
            printf(" %lu |", lacks[b][i]);
            tot_lacks[i] += lacks[b][i];
        }
        printf(" %lu |\n", none[b]);
        tot_size += size;
        tot_none += none[b];
    }
    printf("| all (%lu) |", tot_size);
    for (int i = 0; i < nf; i++)
        printf(" %lu |", tot_lacks[i]);
    printf(" **%lu** |\n", tot_none);
    printf("| mapped, no outline |");
    for (int i = 0; i < nf; i++)
        printf(" %lu |", empty[i]);
    printf(" |\n");

    for (size_t b = 0; b < NBLOCKS && missing > 0; b++)
        for (unsigned cp = blocks[b].first; cp <= assigned_last(&blocks[b]) && missing > 0; cp++) {
            int any = 0;
            for (int i = 0; i < nf && !any; i++)
                any = face_draws(&faces[i], cp) == 1;
            if (!any) {
                printf("U+%04X\n", cp);
                missing--;
            }
        }
    for (int i = 0; i < nf; i++)
        hb_font_destroy(faces[i].font);
    return 0;
}
