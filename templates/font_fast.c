/*
 * font_fast.c - per-document subsets without HarfBuzz's subset planner. A
 * document's pack is a handful of characters, and planning a HarfBuzz subset
 * of a large CJK face costs a fixed 0.2-0.4 ms however few they are, and a
 * multi-millisecond plan for a whole face that is not preprocessed (a third
 * of issuance CPU, docs/benchmarks.md). A subset of simple glyphs is a copy:
 * glyph i+1 is the glyph of the pack's character i, glyph 0 the face's
 * .notdef; glyf (each glyph with its own instructions), loca and hmtx are
 * written here, while head, hhea, maxp, OS/2, name, post and the global
 * hinting programs (cvt, fpgm, prep, which HarfBuzz passes through as they
 * are) come from a one-glyph HarfBuzz subset made once per face, their glyph
 * counts patched. A pack meeting a composite glyph (which would need its
 * components renumbered)
 * takes HarfBuzz's path instead.
 */
#include "font.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hb-subset.h>

enum {
    SKEL_HEAD,
    SKEL_HHEA,
    SKEL_MAXP,
    SKEL_OS2,
    SKEL_NAME,
    SKEL_POST,
    SKEL_CVT,
    SKEL_FPGM,
    SKEL_PREP,
    SKEL_NTABLES
};

static const hb_tag_t skel_tags[SKEL_NTABLES] = {
    HB_TAG('h', 'e', 'a', 'd'), HB_TAG('h', 'h', 'e', 'a'), HB_TAG('m', 'a', 'x', 'p'),
    HB_TAG('O', 'S', '/', '2'), HB_TAG('n', 'a', 'm', 'e'), HB_TAG('p', 'o', 's', 't'),
    HB_TAG('c', 'v', 't', ' '), HB_TAG('f', 'p', 'g', 'm'), HB_TAG('p', 'r', 'e', 'p'),
};

/* What a fast subset copies from, per face. */
struct font_skel {
    hb_blob_t *glyf, *loca, *hmtx;   /* owned references; the face's own tables */
    hb_blob_t *tables[SKEL_NTABLES]; /* owned; of a one-glyph subset, in skel_tags order */
    unsigned nglyphs;                /* glyphs in the face */
    unsigned nhmetrics;              /* hhea.numberOfHMetrics of the face */
    int loca_long;                   /* head.indexToLocFormat of the face */
};

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static int has_table(hb_face_t *face, hb_tag_t tag)
{
    hb_blob_t *b = hb_face_reference_table(face, tag);
    int has = hb_blob_get_length(b) > 0;

    hb_blob_destroy(b);
    return has;
}

void font_skel_free(struct font_skel *s)
{
    if (s == NULL)
        return;
    hb_blob_destroy(s->glyf);
    hb_blob_destroy(s->loca);
    hb_blob_destroy(s->hmtx);
    for (int i = 0; i < SKEL_NTABLES; i++)
        hb_blob_destroy(s->tables[i]);
    free(s);
}

/* Reads the face's glyph count, metrics count and loca format; 0 when consistent. */
static int skel_counts(struct font_skel *s, hb_face_t *face)
{
    hb_blob_t *head = hb_face_reference_table(face, HB_TAG('h', 'e', 'a', 'd'));
    hb_blob_t *hhea = hb_face_reference_table(face, HB_TAG('h', 'h', 'e', 'a'));
    unsigned hl = 0, hhl = 0, ll = 0, ml = 0;
    const unsigned char *h = (const unsigned char *)hb_blob_get_data(head, &hl);
    const unsigned char *hh = (const unsigned char *)hb_blob_get_data(hhea, &hhl);
    int rc = -1;

    hb_blob_get_data(s->loca, &ll);
    hb_blob_get_data(s->hmtx, &ml);
    s->nglyphs = hb_face_get_glyph_count(face);
    if (hl >= 54 && hhl >= 36) {
        s->loca_long = be16(h + 50) == 1;
        s->nhmetrics = be16(hh + 34);
        if (s->nglyphs > 0 && s->nhmetrics > 0 && s->nhmetrics <= s->nglyphs &&
            ll >= (s->nglyphs + 1) * (s->loca_long ? 4u : 2u) &&
            ml >= s->nhmetrics * 4u + (s->nglyphs - s->nhmetrics) * 2u)
            rc = 0;
    }
    hb_blob_destroy(head);
    hb_blob_destroy(hhea);
    return rc;
}

struct font_skel *font_skel_new(hb_face_t *face, hb_subset_input_t *one_glyph)
{
    struct font_skel *s = NULL;
    hb_face_t *sub = NULL;

    if (one_glyph == NULL || !has_table(face, HB_TAG('g', 'l', 'y', 'f')))
        return NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
    s->loca = hb_face_reference_table(face, HB_TAG('l', 'o', 'c', 'a'));
    s->hmtx = hb_face_reference_table(face, HB_TAG('h', 'm', 't', 'x'));
    sub = hb_subset_or_fail(face, one_glyph);
    for (int i = 0; sub != NULL && i < SKEL_NTABLES; i++)
        s->tables[i] = hb_face_reference_table(sub, skel_tags[i]);
    hb_face_destroy(sub);
    if (sub == NULL || skel_counts(s, face) != 0 || hb_blob_get_length(s->tables[SKEL_HEAD]) < 54 ||
        hb_blob_get_length(s->tables[SKEL_HHEA]) < 36 ||
        hb_blob_get_length(s->tables[SKEL_MAXP]) < 6) {
        font_skel_free(s);
        return NULL;
    }
    return s;
}

/* Byte range of glyph g in glyf; 0 when loca is consistent. */
static int glyph_range(const struct font_skel *s, const unsigned char *loca, unsigned glyflen,
                       unsigned g, uint32_t *off, uint32_t *len)
{
    uint32_t a, b;

    if (g >= s->nglyphs)
        return -1;
    a = s->loca_long ? be32(loca + 4 * g) : 2u * be16(loca + 2 * g);
    b = s->loca_long ? be32(loca + 4 * (g + 1)) : 2u * be16(loca + 2 * (g + 1));
    if (a > b || b > glyflen)
        return -1;
    *off = a;
    *len = b - a;
    return 0;
}

/* A copy of blob with its 16-bit field at off set to v. */
static hb_blob_t *patched(hb_blob_t *blob, unsigned off, unsigned v)
{
    unsigned len = 0;
    const char *d = hb_blob_get_data(blob, &len);
    unsigned char *c = len >= off + 2 ? malloc(len) : NULL;

    if (c == NULL)
        return NULL;
    memcpy(c, d, len);
    put16(c + off, v);
    return hb_blob_create_or_fail((const char *)c, len, HB_MEMORY_MODE_WRITABLE, c, free);
}

/* Adds blob (NULL: out of memory) to builder under tag; takes the reference. */
static int add_table(hb_face_t *builder, hb_tag_t tag, hb_blob_t *blob)
{
    int ok = blob != NULL && hb_face_builder_add_table(builder, tag, blob);

    hb_blob_destroy(blob);
    return ok ? 0 : ENOMEM;
}

/* Entry i of a loca table: long (offset) or short (offset / 2; offsets are even). */
static void loca_put(unsigned char *l, int is_long, size_t i, size_t off)
{
    if (is_long)
        put32(l + 4 * i, (uint32_t)off);
    else
        put16(l + 2 * i, (unsigned)(off / 2));
}

/* glyf, loca and hmtx of the glyphs src[0..n) (src[0] = .notdef); 1 for a composite. */
static int copy_glyphs(const struct font_skel *s, const hb_codepoint_t *src, size_t n,
                       hb_face_t *builder, int *loca_long)
{
    unsigned glen = 0, llen = 0, mlen = 0;
    const unsigned char *glyf = (const unsigned char *)hb_blob_get_data(s->glyf, &glen);
    const unsigned char *loca = (const unsigned char *)hb_blob_get_data(s->loca, &llen);
    const unsigned char *hmtx = (const unsigned char *)hb_blob_get_data(s->hmtx, &mlen);
    size_t total = 0;
    unsigned char *g = NULL, *l = calloc(n + 1, 4), *m = calloc(n, 4);
    int rc = 0;

    for (size_t i = 0; i < n && l != NULL; i++) {
        uint32_t off, len;
        if (glyph_range(s, loca, glen, src[i], &off, &len) != 0) {
            rc = EIO;
            break;
        }
        if (len >= 10 && (int16_t)be16(glyf + off) < 0) {
            rc = 1; /* composite */
            break;
        }
        total += (len + 1) & ~1u;
    }
    *loca_long = total > 2 * 0xFFFFu;
    if (rc == 0 && l != NULL && m != NULL && total < FONT_MAX_TTF)
        g = calloc(1, total + 4);
    if (rc == 0 && g == NULL)
        rc = ENOMEM;
    for (size_t i = 0, at = 0; rc == 0 && i < n; i++) {
        uint32_t off, len;
        unsigned gid = src[i], hm = gid < s->nhmetrics ? gid : s->nhmetrics - 1;
        glyph_range(s, loca, glen, gid, &off, &len);
        memcpy(g + at, glyf + off, len);
        loca_put(l, *loca_long, i, at);
        at += (len + 1) & ~1u;
        loca_put(l, *loca_long, i + 1, at);
        put16(m + 4 * i, be16(hmtx + 4 * hm));
        put16(m + 4 * i + 2, gid < s->nhmetrics
                                 ? be16(hmtx + 4 * gid + 2)
                                 : be16(hmtx + 4 * s->nhmetrics + 2 * (gid - s->nhmetrics)));
    }
    if (rc == 0) {
        rc = add_table(builder, HB_TAG('g', 'l', 'y', 'f'),
                       hb_blob_create_or_fail((const char *)g, (unsigned)(total > 0 ? total : 4),
                                              HB_MEMORY_MODE_WRITABLE, g, free));
        g = NULL;
    }
    if (rc == 0) {
        rc = add_table(builder, HB_TAG('l', 'o', 'c', 'a'),
                       hb_blob_create_or_fail((const char *)l,
                                              (unsigned)((*loca_long ? 4 : 2) * (n + 1)),
                                              HB_MEMORY_MODE_WRITABLE, l, free));
        l = NULL;
    }
    if (rc == 0) {
        rc = add_table(builder, HB_TAG('h', 'm', 't', 'x'),
                       hb_blob_create_or_fail((const char *)m, (unsigned)(4 * n),
                                              HB_MEMORY_MODE_WRITABLE, m, free));
        m = NULL;
    }
    free(g);
    free(l);
    free(m);
    return rc;
}

int font_skel_subset(const struct font_skel *s, const hb_codepoint_t *src, size_t n,
                     hb_face_t **sub)
{
    hb_face_t *b = hb_face_builder_create();
    unsigned count = (unsigned)n;
    int loca_long = 0;
    int rc = b == NULL ? ENOMEM : copy_glyphs(s, src, n, b, &loca_long);

    if (rc == 0)
        rc = add_table(b, skel_tags[SKEL_HEAD],
                       patched(s->tables[SKEL_HEAD], 50, (unsigned)loca_long));
    if (rc == 0)
        rc = add_table(b, skel_tags[SKEL_HHEA], patched(s->tables[SKEL_HHEA], 34, count));
    if (rc == 0)
        rc = add_table(b, skel_tags[SKEL_MAXP], patched(s->tables[SKEL_MAXP], 4, count));
    for (int i = SKEL_OS2; rc == 0 && i < SKEL_NTABLES; i++)
        if (hb_blob_get_length(s->tables[i]) > 0)
            rc = add_table(b, skel_tags[i], hb_blob_reference(s->tables[i]));
    if (rc != 0) {
        hb_face_destroy(b);
        b = NULL;
    }
    *sub = b;
    return rc;
}
