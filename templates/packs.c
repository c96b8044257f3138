/*
 * packs.c - the font subsets ("packs", font.h) of one document: every
 * character it draws (the fields, the template's texts and seal label, the
 * photo placeholder when there is no photo) with the face that draws it, and
 * one pack per face that has some, built on the template's base of that face.
 * The PDF (render.c) builds them for itself; tmpl_fonts_make builds them once
 * with Unicode cmaps for a certificate's PDF and OFD together (issue 15).
 */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A character the static subsets lack, with the face that has it. */
struct dyn_char {
    uint32_t cp;   /* the character */
    uint16_t face; /* font_lib face */
};

static int dyn_cmp(const void *a, const void *b)
{
    const struct dyn_char *x = a, *y = b;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

/* Adds n characters of a text to out, each with the face that draws it; names the field of one
 * no face has (a template text was checked at load). */
static int collect_text(struct tmpl_job *job, int field, const uint32_t *cps, size_t n,
                        struct dyn_char *out, size_t *nout)
{
    for (size_t j = 0; j < n; j++) {
        int face = font_lib_find(&job->t->fonts, cps[j]);
        if (face < 0) {
            jp_errf(job->err, job->errlen, "%s: no configured font has U+%04X",
                    field >= 0 ? tmpl_field_names[field] : "template", (unsigned)cps[j]);
            return TMPL_EGLYPH;
        }
        out[(*nout)++] = (struct dyn_char){cps[j], (uint16_t)face};
    }
    return 0;
}

/*
 * Every character the document draws, sorted, with its face: the fields, the
 * template's texts and seal label, and the photo placeholder when there is no
 * photo. One pack per face of exactly these keeps the PDF small (issue 15).
 */
static int collect_dynamic(struct tmpl_job *job, struct dyn_char *out, size_t *nout)
{
    static const uint32_t placeholder[] = {0x7167, 0x7247}; /* 照片 */
    const struct tmpl *t = job->t;
    size_t n = 0;
    int rc = 0;

    for (int i = 0; i < FIELD_COUNT && rc == 0; i++)
        rc = collect_text(job, i, job->cps[i], job->ncps[i], out, &n);
    for (size_t i = 0; i < t->nitems && rc == 0; i++) {
        const struct item *it = &t->items[i];
        if (it->kind == ITEM_TEXT || it->kind == ITEM_SEAL)
            rc = collect_text(job, -1, it->cps, it->ncps, out, &n);
        else if (it->kind == ITEM_PHOTO && job->in->photo == NULL)
            rc = collect_text(job, -1, placeholder, 2, out, &n);
    }
    if (rc != 0)
        return rc;
    qsort(out, n, sizeof(*out), dyn_cmp);
    *nout = n;
    return 0;
}

int tmpl_job_packs(struct tmpl_job *job, int unicode, struct font_pack packs[FONT_MAX_FACES])
{
    size_t cap = (FIELD_COUNT + job->t->nitems + 1) * TMPL_MAX_FIELD + FONT_MAX_CODES;
    struct dyn_char *dc = calloc(cap, sizeof(*dc));
    uint32_t *cps = calloc(cap, sizeof(*cps));
    size_t n = 0;
    int rc = 0;

    if (dc == NULL || cps == NULL) {
        rc = ENOMEM;
        goto out;
    }
    rc = collect_dynamic(job, dc, &n);
    for (size_t f = 0; f < job->t->fonts.nfaces && rc == 0; f++) {
        const struct font_base *base = &job->t->bases[f];
        size_t k = base->n;
        if (k > 0)
            memcpy(cps, base->cps, k * sizeof(*cps));
        for (size_t i = 0; i < n; i++)
            if (dc[i].face == f && (i == 0 || dc[i].cp != dc[i - 1].cp) &&
                font_base_find(base, dc[i].cp) < 0)
                cps[k++] = dc[i].cp;
        if (k == 0)
            continue;
        rc = unicode ? font_pack_build_unicode(&job->t->fonts, f, base, cps, k, TMPL_DEFLATE_LEVEL,
                                               &packs[f])
                     : font_pack_build_on(&job->t->fonts, f, base, cps, k, TMPL_DEFLATE_LEVEL,
                                          &packs[f]);
        rc = tmpl_job_subset_err(job, rc, job->t->fonts.faces[f].path, TMPL_EPDF);
    }
out:
    free(cps);
    free(dc);
    return rc;
}

int tmpl_fonts_make(const struct tmpl *t, const struct tmpl_fields *f, struct tmpl_fonts **out,
                    char *err, size_t errlen)
{
    struct tmpl_job *job = calloc(1, sizeof *job);
    struct tmpl_fonts *fs = calloc(1, sizeof *fs);
    int rc = tmpl_job_start(job != NULL && fs != NULL ? job : NULL, t, f, err, errlen);

    if (rc == 0)
        rc = tmpl_job_packs(job, 1, fs->packs);
    free(job);
    if (rc != 0) {
        tmpl_fonts_free(fs);
        fs = NULL;
    }
    *out = fs;
    return rc;
}

void tmpl_fonts_free(struct tmpl_fonts *fs)
{
    if (fs == NULL)
        return;
    for (size_t i = 0; i < FONT_MAX_FACES; i++)
        font_pack_free(&fs->packs[i]);
    free(fs);
}
