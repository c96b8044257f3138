/*
 * job.c - what the PDF (render.c) and the OFD (render_ofd.c) renderers share
 * of one render (render.h): its start (the fields decoded), what a failed
 * font subset means, the walk over the template's directives in order
 * through a format's painter, and how a line of text fits its box, so that
 * the two formats cannot drift apart.
 */
#include "render.h"

#include <errno.h>
#include <math.h>

int tmpl_job_start(struct tmpl_job *j, const struct tmpl *t, const struct tmpl_fields *f,
                   char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (j == NULL)
        return ENOMEM;
    j->t = t;
    j->in = f;
    j->err = err;
    j->errlen = errlen;
    return tmpl_fields_decode(f, j->cps, j->ncps, err, errlen);
}

int tmpl_job_subset_err(const struct tmpl_job *j, int rc, const char *path, int fail)
{
    if (rc == E2BIG) {
        jp_errf(j->err, j->errlen, "fields: too many distinct characters");
        return TMPL_EFIELD;
    }
    if (rc != 0) {
        jp_errf(j->err, j->errlen, "%s: cannot subset", path);
        return rc == ENOMEM ? ENOMEM : fail;
    }
    return 0;
}

/* The painter's function for a directive of kind k that takes no text, or NULL. */
static tmpl_draw_fn painter_of(const struct tmpl_painter *p, enum item_kind k)
{
    switch (k) {
    case ITEM_RECT:
        return p->rect;
    case ITEM_LINE:
        return p->line;
    case ITEM_CIRCLE:
        return p->circle;
    case ITEM_PHOTO:
        return p->photo;
    case ITEM_QR:
        return p->qr;
    case ITEM_SEAL:
        return p->seal;
    case ITEM_TEXT:
    case ITEM_FIELD:
    case ITEM_CHARSET:
        break;
    }
    return NULL;
}

static int paint_item(const struct tmpl_job *j, const struct item *it,
                      const struct tmpl_painter *p, void *ctx)
{
    tmpl_draw_fn paint = painter_of(p, it->kind);

    if (it->kind == ITEM_TEXT)
        return p->text(ctx, it, it->cps, it->ncps);
    if (it->kind == ITEM_FIELD)
        return p->text(ctx, it, j->cps[it->field], j->ncps[it->field]);
    return paint != NULL ? paint(ctx, it) : 0;
}

int tmpl_paint(const struct tmpl_job *j, const struct tmpl_painter *p, void *ctx)
{
    int rc = 0;

    for (size_t i = 0; i < j->t->nitems && rc == 0; i++)
        rc = paint_item(j, &j->t->items[i], p, ctx);
    return rc;
}

struct tmpl_text_fit tmpl_text_fit(const struct item *it, double boxw, const uint32_t *cps,
                                   size_t n, tmpl_width_fn width, const void *ctx)
{
    struct tmpl_text_fit f = {it->size, it->spacing, 0};
    double w = width(ctx, cps, n, f.size, f.spacing);

    if (w > boxw) {
        f.spacing = 0;
        w = width(ctx, cps, n, f.size, 0);
        f.size = fmax(it->min_size, f.size * boxw / w);
        w = width(ctx, cps, n, f.size, 0);
    }
    if (it->align == ALIGN_CENTER)
        f.indent = (boxw - w) / 2;
    else if (it->align == ALIGN_RIGHT)
        f.indent = boxw - w;
    return f;
}
