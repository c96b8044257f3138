/*
 * font.c - font faces and per-document subsets for templates/ (see font.h for
 * the encoding). HarfBuzz opens the faces once, answers "which face has this
 * character" and makes each subset, whose cmap is replaced by a private-use
 * one; the subset is compressed once when it is built, and attaching it to a
 * document builds the Type0 font, CID font, descriptor, embedded encoding
 * CMap, CIDToGIDMap, widths and /ToUnicode objects directly with libharu's
 * object API (its internal headers are installed), handing libharu a font
 * object its page text operators accept.
 */
#include "font.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hb-ot.h>
#include <hb-subset.h>
#include <hpdf_doc.h>
#include <hpdf_encoder.h>
#include <hpdf_font.h>
#include <hpdf_mmgr.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>

/* Tables a subset keeps: what libharu reads or embeds, with our cmap added. */
static const hb_tag_t kept_tables[] = {
    HB_TAG('O', 'S', '/', '2'), HB_TAG('c', 'v', 't', ' '), HB_TAG('f', 'p', 'g', 'm'),
    HB_TAG('g', 'l', 'y', 'f'), HB_TAG('h', 'e', 'a', 'd'), HB_TAG('h', 'h', 'e', 'a'),
    HB_TAG('h', 'm', 't', 'x'), HB_TAG('l', 'o', 'c', 'a'), HB_TAG('m', 'a', 'x', 'p'),
    HB_TAG('n', 'a', 'm', 'e'), HB_TAG('p', 'o', 's', 't'), HB_TAG('p', 'r', 'e', 'p'),
};

/* Tables the subsetter need not even process. */
static const hb_tag_t dropped_tables[] = {
    HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
    HB_TAG('B', 'A', 'S', 'E'), HB_TAG('v', 'h', 'e', 'a'), HB_TAG('v', 'm', 't', 'x'),
    HB_TAG('V', 'O', 'R', 'G'), HB_TAG('E', 'B', 'D', 'T'), HB_TAG('E', 'B', 'L', 'C'),
    HB_TAG('B', 'D', 'F', ' '), HB_TAG('g', 'a', 's', 'p'), HB_TAG('p', 'r', 'o', 'p'),
    HB_TAG('F', 'F', 'T', 'M'), HB_TAG('k', 'e', 'r', 'n'), HB_TAG('D', 'S', 'I', 'G'),
};

void font_lib_init(struct font_lib *lib)
{
    static const unsigned char rows[][2] = {{0xAA, 0xAF}, {0xF8, 0xFE}};
    size_t n = 0;

    memset(lib, 0, sizeof(*lib));
    for (size_t r = 0; r < 2; r++)
        for (unsigned h = rows[r][0]; h <= rows[r][1]; h++)
            for (unsigned l = 0xA1; l <= 0xFE; l++)
                lib->codes[n++] = (uint16_t)(h << 8 | l);
}

/* Index of a user-area code in lib->codes, or -1. */
static int code_index(unsigned hi, unsigned lo)
{
    if (lo < 0xA1 || lo > 0xFE)
        return -1;
    if (hi >= 0xAA && hi <= 0xAF)
        return (int)((hi - 0xAA) * 94 + (lo - 0xA1));
    if (hi >= 0xF8 && hi <= 0xFE)
        return (int)(6 * 94 + (hi - 0xF8) * 94 + (lo - 0xA1));
    return -1;
}

static int face_has_glyf(hb_face_t *face)
{
    hb_blob_t *glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
    int ok = hb_blob_get_length(glyf) > 0;
    hb_blob_destroy(glyf);
    return ok;
}

static int to_1000(const struct font_face *f, long v)
{
    return f->upem > 0 ? (int)(v * 1000 / (long)f->upem) : 0;
}

/* PostScript name (sanitised), ascent, descent and bounding box for the descriptor. */
static void face_metrics(struct font_face *f)
{
    hb_font_extents_t ext = {0};
    hb_blob_t *head = hb_face_reference_table(f->face, HB_TAG('h', 'e', 'a', 'd'));
    unsigned len = 0, size = sizeof(f->psname);
    const unsigned char *h = (const unsigned char *)hb_blob_get_data(head, &len);
    size_t k = 0;

    hb_ot_name_get_utf8(f->face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &size,
                        f->psname);
    for (size_t i = 0; f->psname[i] != '\0'; i++) {
        char c = f->psname[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
            f->psname[k++] = c;
    }
    f->psname[k] = '\0';
    if (k == 0)
        strcpy(f->psname, "Font");
    hb_font_get_h_extents(f->font, &ext);
    f->ascent = to_1000(f, ext.ascender);
    f->descent = to_1000(f, ext.descender);
    for (int i = 0; i < 4 && len >= 44; i++)
        f->bbox[i] = to_1000(f, (int16_t)(h[36 + 2 * i] << 8 | h[37 + 2 * i]));
    hb_blob_destroy(head);
}

/*
 * The code points of GB 2312 (its 6,763 hanzi and its symbols) plus ASCII and
 * the CJK punctuation blocks: what nearly every name, institution and
 * template text uses. Built once with iconv, into a set the caller destroys.
 */
static hb_set_t *common_set(void)
{
    hb_set_t *set = hb_set_create();
    iconv_t cd = iconv_open("UTF-32LE", "GB2312");

    hb_set_add_range(set, 0x20, 0x7E);
    hb_set_add_range(set, 0x3000, 0x303F);
    hb_set_add_range(set, 0xFF00, 0xFFEF);
    hb_set_add(set, 0x00B7);
    for (unsigned hi = 0xA1; cd != (iconv_t)-1 && hi <= 0xF7; hi++) {
        for (unsigned lo = 0xA1; lo <= 0xFE; lo++) {
            char in[2] = {(char)hi, (char)lo}, *ip = in;
            unsigned char out[4], *op = out;
            size_t il = 2, ol = 4;
            if (iconv(cd, &ip, &il, (char **)&op, &ol) != (size_t)-1 && ol == 0)
                hb_set_add(set, (hb_codepoint_t)out[0] | (hb_codepoint_t)out[1] << 8 |
                                    (hb_codepoint_t)out[2] << 16 | (hb_codepoint_t)out[3] << 24);
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    return set;
}

/*
 * The main face cut down to common_set(), as a font file in *src (the caller
 * destroys it; NULL on failure, with NULL returned) and a plain face of it.
 * Each subsetter's copy of it is preprocessed for fast subsetting (font_sub.c;
 * the shared face is not: one preprocessed copy fewer, about 7 MB). A
 * preprocessed face of the whole of a large CJK font keeps about 70 MB; of its
 * common part, a fraction of that, while the characters outside it (rare
 * ones, e.g. 堃 喆 赟 镕) still come from the whole face, the next in fallback
 * order, at the unpreprocessed speed.
 */
static hb_face_t *common_face(hb_face_t *plain, hb_blob_t **src)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_face_t *sub = NULL, *common = NULL;
    hb_set_t *set = NULL;

    *src = NULL;
    if (in == NULL)
        return NULL;
    set = common_set();
    hb_set_union(hb_subset_input_unicode_set(in), set);
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
    sub = hb_subset_or_fail(plain, in);
    if (sub != NULL)
        *src = hb_face_reference_blob(sub); /* the subsetters' copies start from it */
    if (*src != NULL && hb_blob_get_length(*src) > 0)
        common = hb_face_create(*src, 0);
    hb_face_destroy(sub);
    hb_set_destroy(set);
    hb_subset_input_destroy(in);
    return common;
}

static void map_destroy(void *user)
{
    struct font_map *m = user;

    munmap(m->addr, m->len);
    free(m);
}

/* Maps path read-only into a blob whose destruction unmaps it; *map tells where. */
static hb_blob_t *font_file_blob(const char *path, struct font_map *map)
{
    struct font_map *m = NULL;
    struct stat st;
    void *addr = MAP_FAILED;
    hb_blob_t *blob = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size < (1ull << 31))
        addr = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (addr == MAP_FAILED)
        return NULL;
    m = malloc(sizeof(*m));
    if (m == NULL) {
        munmap(addr, (size_t)st.st_size);
        return NULL;
    }
    m->addr = addr;
    m->len = (size_t)st.st_size;
    blob =
        hb_blob_create_or_fail(addr, (unsigned)st.st_size, HB_MEMORY_MODE_READONLY, m, map_destroy);
    if (blob == NULL) {
        map_destroy(m);
        return NULL;
    }
    map->addr = addr;
    map->len = (size_t)st.st_size;
    return blob;
}

void font_lib_release_pages(const struct font_lib *lib)
{
    for (size_t i = 0; i < lib->nmaps; i++)
        madvise(lib->maps[i].addr, lib->maps[i].len, MADV_DONTNEED);
}

static hb_subset_input_t *subset_input(const struct font_face *f, const uint32_t *cps, size_t n);

/*
 * Appends one face to lib; takes a reference to blob and to face, and one to
 * src, the font file whose face number index face is: what font_sub.c copies
 * (preprocessing each copy when pre is 1).
 */
static struct font_face *face_push(struct font_lib *lib, const char *path, hb_blob_t *blob,
                                   hb_face_t *face, hb_blob_t *src, unsigned index, int pre)
{
    struct font_face *f = &lib->faces[lib->nfaces++];
    hb_subset_input_t *one;

    memset(f, 0, sizeof(*f));
    strcpy(f->path, path);
    f->blob = hb_blob_reference(blob);
    f->face = face;
    f->src = hb_blob_reference(src);
    f->src_index = index;
    f->pre_copies = pre;
    f->upem = hb_face_get_upem(f->face);
    f->font = hb_font_create(f->face);
    hb_font_make_immutable(f->font);
    face_metrics(f);
    one = subset_input(f, NULL, 0);
    f->skel = font_skel_new(f->face, one);
    hb_subset_input_destroy(one);
    return f;
}

int font_lib_add(struct font_lib *lib, const char *path, unsigned index, char *err, size_t errlen)
{
    int rc = 0;
    hb_blob_t *blob = NULL, *common_src = NULL;
    hb_face_t *plain = NULL, *common = NULL;
    struct font_map map = {NULL, 0};
    size_t need = lib->nfaces == 0 ? 2 : 1;

    if (lib->nfaces + need > FONT_MAX_FACES) {
        jp_errf(err, errlen, "%s: too many fonts", path);
        rc = E2BIG;
        goto out;
    }
    if (strlen(path) >= sizeof(lib->faces[0].path)) {
        jp_errf(err, errlen, "%s: path too long", path);
        rc = ENAMETOOLONG;
        goto out;
    }
    if (font_pool_new(lib) != 0) {
        jp_errf(err, errlen, "%s: out of memory", path);
        rc = ENOMEM;
        goto out;
    }
    blob = font_file_blob(path, &map);
    if (blob == NULL) {
        jp_errf(err, errlen, "%s: cannot read font", path);
        rc = ENOENT;
        goto out;
    }
    plain = index < hb_face_count(blob) ? hb_face_create(blob, index) : NULL;
    if (plain == NULL || !face_has_glyf(plain)) {
        jp_errf(err, errlen, "%s: face %u is not a TrueType face with glyf outlines", path, index);
        rc = EINVAL;
        goto out_free_plain;
    }
    /* The main face goes in twice: its common part (preprocessed copies), then whole. */
    if (lib->nfaces == 0) {
        common = common_face(plain, &common_src);
        if (common == NULL) {
            jp_errf(err, errlen, "%s: cannot prepare the common subset", path);
            rc = ENOMEM;
            goto out_free_plain;
        }
        face_push(lib, path, blob, common, common_src, 0, 1);
    }
    face_push(lib, path, blob, hb_face_reference(plain), blob, index, 0);
    lib->maps[lib->nmaps++] = map; /* only now: the faces keep the blob, hence the map */
out_free_plain:
    hb_blob_destroy(common_src);
    hb_face_destroy(plain);
    hb_blob_destroy(blob);
out:
    return rc;
}

void font_lib_free(struct font_lib *lib)
{
    if (lib == NULL)
        return;
    font_pool_free(lib); /* the copies first: they may share the faces' blobs */
    for (size_t i = 0; i < lib->nfaces; i++) {
        hb_blob_destroy(lib->faces[i].src);
        font_skel_free(lib->faces[i].skel);
        hb_font_destroy(lib->faces[i].font);
        hb_face_destroy(lib->faces[i].face);
        hb_blob_destroy(lib->faces[i].blob);
    }
    lib->nfaces = 0;
    lib->nmaps = 0;
}

static hb_codepoint_t face_glyph(const struct font_face *f, uint32_t cp)
{
    hb_codepoint_t g = 0;
    if (!hb_font_get_nominal_glyph(f->font, cp, &g))
        g = 0;
    return g;
}

int font_lib_find(const struct font_lib *lib, uint32_t cp)
{
    for (size_t i = 0; i < lib->nfaces; i++)
        if (face_glyph(&lib->faces[i], cp) != 0)
            return (int)i;
    return -1;
}

int font_lib_advance(const struct font_lib *lib, size_t face, uint32_t cp)
{
    const struct font_face *f = &lib->faces[face];
    hb_codepoint_t g = face_glyph(f, cp);
    if (g == 0 || f->upem == 0)
        return 0;
    return (int)((long)hb_font_get_glyph_h_advance(f->font, g) * 1000 / (long)f->upem);
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, (unsigned)(v >> 16));
    put16(p + 2, (unsigned)v);
}

/* How many of the n ascending codes are below U+FFFF. */
static size_t below_ffff(const uint32_t *codes, size_t n)
{
    size_t k = 0;

    while (k < n && codes[k] < 0xFFFF)
        k++;
    return k;
}

/*
 * A cmap mapping codes[i] to gids[i] for n ascending codes: a (3,1) format-4
 * subtable of those below U+FFFF (one segment each, through idDelta, and the
 * closing 0xFFFF segment) and, when any is above the BMP, a (3,10)
 * format-12 subtable of all of them (one group each).
 */
static hb_blob_t *cmap_build(const uint32_t *codes, const hb_codepoint_t *gids, size_t n)
{
    size_t bmp = below_ffff(codes, n);
    int wide = bmp < n;
    size_t segs = bmp + 1, sublen = 16 + 8 * segs, head = wide ? 20 : 12;
    size_t len12 = wide ? 16 + 12 * n : 0, len = head + sublen + len12;
    unsigned char *t = calloc(1, len);
    unsigned char *s, *end, *start, *delta, *g;
    unsigned search = 1, selector = 0;

    if (t == NULL)
        return NULL;
    while (search * 2 <= segs) {
        search *= 2;
        selector++;
    }
    put16(t + 2, wide ? 2 : 1); /* numTables */
    put16(t + 4, 3);            /* platform Windows */
    put16(t + 6, 1);            /* Unicode BMP */
    put32(t + 8, (uint32_t)head);
    if (wide) {
        put16(t + 12, 3);  /* platform Windows */
        put16(t + 14, 10); /* Unicode full repertoire */
        put32(t + 16, (uint32_t)(head + sublen));
    }
    s = t + head;
    put16(s, 4);                      /* format */
    put16(s + 2, (unsigned)sublen);   /* length */
    put16(s + 6, (unsigned)segs * 2); /* segCountX2 */
    put16(s + 8, search * 2);
    put16(s + 10, selector);
    put16(s + 12, (unsigned)(segs * 2 - search * 2));
    end = s + 14;
    start = end + 2 * segs + 2;
    delta = start + 2 * segs;
    for (size_t i = 0; i < bmp; i++) {
        put16(end + 2 * i, (unsigned)codes[i]);
        put16(start + 2 * i, (unsigned)codes[i]);
        put16(delta + 2 * i, (unsigned)((gids[i] - codes[i]) & 0xFFFF));
    }
    put16(end + 2 * bmp, 0xFFFF);
    put16(start + 2 * bmp, 0xFFFF);
    put16(delta + 2 * bmp, 1);
    g = s + sublen;
    if (wide) {
        put16(g, 12); /* format */
        put32(g + 4, (uint32_t)len12);
        put32(g + 12, (uint32_t)n);
        for (size_t i = 0; i < n; i++) {
            put32(g + 16 + 12 * i, codes[i]);
            put32(g + 20 + 12 * i, codes[i]);
            put32(g + 24 + 12 * i, gids[i]);
        }
    }
    return hb_blob_create_or_fail((const char *)t, (unsigned)len, HB_MEMORY_MODE_READONLY, t, free);
}

/* A code point and its glyph in a pack, for the Unicode cmap's order. */
struct cp_gid {
    uint32_t cp;
    hb_codepoint_t gid;
};

static int cp_gid_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct cp_gid *)a)->cp, y = ((const struct cp_gid *)b)->cp;

    return (x > y) - (x < y);
}

/*
 * The pack's cmap: code i is U+E000+i (the PDF's, see the top of font.h), or,
 * with unicode, each of cps[i] itself (sorted here: a pack lists the base's
 * characters first).
 */
static hb_blob_t *pack_cmap(const uint32_t *cps, const hb_codepoint_t *gids, size_t n, int unicode)
{
    struct cp_gid *pairs = malloc(n * sizeof(*pairs));
    uint32_t *codes = malloc(n * sizeof(*codes));
    hb_codepoint_t *order = malloc(n * sizeof(*order));
    hb_blob_t *cmap = NULL;

    if (pairs == NULL || codes == NULL || order == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        pairs[i] = (struct cp_gid){unicode ? cps[i] : 0xE000 + (uint32_t)i, gids[i]};
    if (unicode)
        qsort(pairs, n, sizeof(*pairs), cp_gid_cmp);
    for (size_t i = 0; i < n; i++) {
        codes[i] = pairs[i].cp;
        order[i] = pairs[i].gid;
    }
    cmap = cmap_build(codes, order, n);
out:
    free(pairs);
    free(codes);
    free(order);
    return cmap;
}

static hb_subset_input_t *subset_input(const struct font_face *f, const uint32_t *cps, size_t n)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_set_t *drop;

    if (in == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        hb_set_add(hb_subset_input_glyph_set(in), face_glyph(f, cps[i]));
    /* keep the licence URL beside the copyright notice (IDs 0-6); the full licence text is 7 KB */
    hb_set_add(hb_subset_input_set(in, HB_SUBSET_SETS_NAME_ID), HB_OT_NAME_ID_LICENSE_URL);
    drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof(dropped_tables) / sizeof(dropped_tables[0]); i++)
        hb_set_add(drop, dropped_tables[i]);
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_DEFAULT);
    return in;
}

/* A new face of the subset's kept tables plus cmap, serialised and compressed (and kept). */
static int face_rebuild(hb_face_t *sub, hb_blob_t *cmap, int level, const struct font_base *base,
                        int keep, struct font_pack *out)
{
    int rc = 0;
    hb_face_t *builder = hb_face_builder_create();
    hb_blob_t *whole = NULL;
    const char *data;
    unsigned len = 0;

    hb_face_builder_add_table(builder, HB_TAG('c', 'm', 'a', 'p'), cmap);
    for (size_t i = 0; i < sizeof(kept_tables) / sizeof(kept_tables[0]); i++) {
        hb_blob_t *t = hb_face_reference_table(sub, kept_tables[i]);
        if (hb_blob_get_length(t) > 0)
            hb_face_builder_add_table(builder, kept_tables[i], t);
        hb_blob_destroy(t);
    }
    whole = hb_face_reference_blob(builder);
    data = hb_blob_get_data(whole, &len);
    if (len == 0 || len > FONT_MAX_TTF) {
        rc = EIO;
        goto out;
    }
    rc = font_base_deflate(base, (const unsigned char *)data, len, level > 9 ? 9 : level,
                           &out->zttf, &out->zlen);
    if (rc == 1)
        rc = jp_zlib_compress((const unsigned char *)data, len, level, &out->zttf, &out->zlen);
    if (rc != 0)
        goto out;
    out->ttflen = len;
    if (keep)
        out->file = hb_blob_reference(whole);
out:
    hb_blob_destroy(whole);
    hb_face_destroy(builder);
    return rc;
}

/* subset_run without HarfBuzz's planner: glyph i+1 is cps[i]'s; 1 to fall back. */
static int fast_run(const struct font_face *f, const uint32_t *cps, size_t n, hb_codepoint_t *gids,
                    hb_face_t **sub)
{
    hb_codepoint_t *src = calloc(n + 1, sizeof(*src));
    int rc;

    if (src == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        src[i + 1] = face_glyph(f, cps[i]);
        gids[i] = (hb_codepoint_t)(i + 1);
    }
    rc = font_skel_subset(f->skel, src, n + 1, sub);
    free(src);
    return rc;
}

/* subset_run with HarfBuzz's planner, on a copy of face of the caller's own (font_sub.c). */
static int plan_run(const struct font_lib *lib, size_t face, const hb_subset_input_t *in,
                    const uint32_t *cps, size_t n, hb_codepoint_t *gids, hb_face_t **sub)
{
    int rc = 0;
    struct font_own *own = font_own_take(lib);
    hb_face_t *mine = own != NULL ? font_own_face(lib, own, face) : NULL;
    hb_subset_plan_t *plan = NULL;
    const hb_map_t *map;

    if (mine == NULL) {
        rc = ENOMEM;
        goto out_give;
    }
    plan = hb_subset_plan_create_or_fail(mine, in);
    if (plan == NULL) {
        rc = EIO;
        goto out_give;
    }
    map = hb_subset_plan_old_to_new_glyph_mapping(plan);
    for (size_t i = 0; i < n; i++)
        gids[i] = hb_map_get(map, face_glyph(&lib->faces[face], cps[i]));
    *sub = hb_subset_plan_execute_or_fail(plan);
    if (*sub == NULL)
        rc = EIO;
    hb_subset_plan_destroy(plan);
out_give:
    font_own_give(lib, own);
    return rc;
}

/* New glyph ids of the pack's characters, and the subset face itself. */
static int subset_run(const struct font_lib *lib, size_t face, const uint32_t *cps, size_t n,
                      hb_codepoint_t *gids, hb_face_t **sub)
{
    const struct font_face *f = &lib->faces[face];
    int rc = 0;
    hb_subset_input_t *in = subset_input(f, cps, n);

    *sub = NULL;
    if (in == NULL)
        return ENOMEM;
    if (f->skel != NULL) {
        rc = fast_run(f, cps, n, gids, sub);
        if (rc != 1)
            goto out_free_input;
    }
    rc = plan_run(lib, face, in, cps, n, gids, sub);
out_free_input:
    hb_subset_input_destroy(in);
    return rc;
}

static int pack_alloc(struct font_pack *p, size_t n)
{
    p->cps = calloc(n, sizeof(*p->cps));
    p->gids = calloc(n, sizeof(*p->gids));
    p->widths = calloc(n, sizeof(*p->widths));
    return p->cps != NULL && p->gids != NULL && p->widths != NULL ? 0 : ENOMEM;
}

int font_pack_build(const struct font_lib *lib, size_t face, const uint32_t *cps, size_t n,
                    int level, struct font_pack *out)
{
    return font_pack_build_on(lib, face, NULL, cps, n, level, out);
}

/* font_pack_build_on, or font_pack_build_unicode when unicode is 1. */
static int pack_build(const struct font_lib *lib, size_t face, const struct font_base *base,
                      const uint32_t *cps, size_t n, int level, int unicode, struct font_pack *out)
{
    int rc = 0;
    hb_codepoint_t *gids = NULL;
    hb_face_t *sub = NULL;
    hb_blob_t *cmap = NULL;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n > FONT_MAX_CODES || face >= lib->nfaces)
        return E2BIG;
    gids = calloc(n, sizeof(*gids));
    if (gids == NULL || pack_alloc(out, n) != 0) {
        rc = ENOMEM;
        goto out_free;
    }
    out->face = face;
    out->n = n;
    rc = subset_run(lib, face, cps, n, gids, &sub);
    if (rc != 0)
        goto out_free;
    for (size_t i = 0; i < n; i++) {
        out->cps[i] = cps[i];
        out->gids[i] = (uint16_t)gids[i];
        out->widths[i] = (uint16_t)font_lib_advance(lib, face, cps[i]);
    }
    cmap = pack_cmap(cps, gids, n, unicode);
    if (cmap == NULL) {
        rc = ENOMEM;
        goto out_free;
    }
    if (base != NULL &&
        (base->n == 0 || base->n > n || memcmp(cps, base->cps, base->n * sizeof(*cps)) != 0))
        base = NULL; /* the pack does not start with the base's characters */
    for (size_t i = 0; base != NULL && i < base->n; i++)
        if (gids[i] != i + 1)
            base = NULL;
    rc = face_rebuild(sub, cmap, level, base, unicode, out);
out_free:
    hb_blob_destroy(cmap);
    hb_face_destroy(sub);
    free(gids);
    if (rc != 0)
        font_pack_free(out);
    return rc;
}

int font_pack_build_on(const struct font_lib *lib, size_t face, const struct font_base *base,
                       const uint32_t *cps, size_t n, int level, struct font_pack *out)
{
    return pack_build(lib, face, base, cps, n, level, 0, out);
}

int font_pack_build_unicode(const struct font_lib *lib, size_t face, const struct font_base *base,
                            const uint32_t *cps, size_t n, int level, struct font_pack *out)
{
    return pack_build(lib, face, base, cps, n, level, 1, out);
}

const unsigned char *font_pack_raw(const struct font_pack *p, size_t *len)
{
    *len = p->zlen > 6 ? p->zlen - 6 : 0;
    return p->zlen > 6 ? p->zttf + 2 : NULL; /* past the zlib header; the Adler-32 left off */
}

int font_base_build(const struct font_lib *lib, size_t face, const uint32_t *cps, size_t n,
                    struct font_base *out)
{
    int rc = 0;
    hb_codepoint_t *gids = NULL;
    hb_face_t *sub = NULL;
    hb_blob_t *glyf = NULL;
    const char *data;
    unsigned len = 0;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n > FONT_MAX_CODES || face >= lib->nfaces)
        return E2BIG;
    gids = calloc(n, sizeof(*gids));
    out->cps = calloc(n, sizeof(*out->cps));
    if (gids == NULL || out->cps == NULL) {
        rc = ENOMEM;
        goto out_free;
    }
    memcpy(out->cps, cps, n * sizeof(*cps));
    out->n = n;
    rc = subset_run(lib, face, cps, n, gids, &sub);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (gids[i] != i + 1)
            goto out_free; /* planner order: no usable base, rc 0 */
    if (rc != 0)
        goto out_free;
    glyf = hb_face_reference_table(sub, HB_TAG('g', 'l', 'y', 'f'));
    data = hb_blob_get_data(glyf, &len);
    if (len > 0)
        rc = font_base_prepare(out, (const unsigned char *)data, len);
out_free:
    hb_blob_destroy(glyf);
    hb_face_destroy(sub);
    free(gids);
    if (rc != 0)
        font_base_free(out);
    return rc;
}

void font_pack_free(struct font_pack *p)
{
    if (p == NULL)
        return;
    free(p->cps);
    free(p->gids);
    free(p->widths);
    free(p->zttf);
    hb_blob_destroy(p->file);
    memset(p, 0, sizeof(*p));
}

int font_pack_find(const struct font_pack *p, uint32_t cp)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->cps[i] == cp)
            return (int)i;
    return -1;
}

/*
 * The codespace of a pack's encoding CMap and of its ToUnicode CMap, which
 * must declare the same one (PDF 32000-1 §9.7.6.2, §9.10.3): every code a
 * pack draws is two bytes, so one two-byte range covers them all. GBK's
 * ranges (<00> <80> for one byte, <8140> <FEFE> for two), written here
 * before, declared one-byte codes no text uses, and MuPDF, which re-keys a
 * ToUnicode map by CID through the encoding's codespace, dropped the text of
 * every CID above 128 (<80>) with "ignoring CMap range (129-129) that is
 * outside of the codespace" (issue 11, bug 7).
 */
#define PACK_CODESPACE "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"

/* Appends one bfchar line: the GBK code and the UTF-16BE of cp. */
static HPDF_STATUS tounicode_line(HPDF_Stream s, uint16_t code, uint32_t cp)
{
    char line[40];
    int n;

    if (cp >= 0x10000) {
        uint32_t v = cp - 0x10000;
        n = snprintf(line, sizeof(line), "<%04X> <%04X%04X>\n", (unsigned)code,
                     (unsigned)(0xD800 + (v >> 10)), (unsigned)(0xDC00 + (v & 0x3FF)));
    } else {
        n = snprintf(line, sizeof(line), "<%04X> <%04X>\n", (unsigned)code, (unsigned)cp);
    }
    if (n < 0 || (size_t)n >= sizeof(line))
        return HPDF_FAILD_TO_ALLOC_MEM;
    return HPDF_Stream_WriteStr(s, line);
}

static HPDF_STATUS tounicode_write(const struct font_lib *lib, const struct font_pack *p,
                                   HPDF_Stream s)
{
    static const char head[] =
        "/CIDInit /ProcSet findresource begin\n"
        "12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
        "/Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" PACK_CODESPACE;
    static const char tail[] = "endcmap\nCMapName currentdict /CMap defineresource pop\n"
                               "end\nend\n";
    HPDF_STATUS st = HPDF_Stream_WriteStr(s, head);

    for (size_t i = 0; i < p->n && st == HPDF_OK; i += 100) {
        size_t chunk = p->n - i < 100 ? p->n - i : 100;
        char line[32];
        int n = snprintf(line, sizeof(line), "%zu beginbfchar\n", chunk);
        if (n < 0 || (size_t)n >= sizeof(line))
            return HPDF_FAILD_TO_ALLOC_MEM;
        st = HPDF_Stream_WriteStr(s, line);
        for (size_t j = i; j < i + chunk && st == HPDF_OK; j++)
            st = tounicode_line(s, lib->codes[j], p->cps[j]);
        if (st == HPDF_OK)
            st = HPDF_Stream_WriteStr(s, "endbfchar\n");
    }
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, tail);
    return st;
}

/* Writes formatted text (under 64 bytes) to a stream; HPDF_OK or a libharu status. */
static HPDF_STATUS put_str(HPDF_Stream s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static HPDF_STATUS put_str(HPDF_Stream s, const char *fmt, ...)
{
    char line[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        return HPDF_FAILD_TO_ALLOC_MEM;
    return HPDF_Stream_WriteStr(s, line);
}

/* Encoding CMap: code i of the user area is CID i+1. The codes of one GBK row (94, 0xA1 to
 * 0xFE) are consecutive, so each row is one cidrange: 13 lines at most, not one per code. */
static HPDF_STATUS encoding_write(const struct font_lib *lib, const struct font_pack *p,
                                  HPDF_Stream s, const char *name)
{
    HPDF_STATUS st = HPDF_Stream_WriteStr(s, "/CIDInit /ProcSet findresource begin\n"
                                             "12 dict begin\nbegincmap\n"
                                             "/CIDSystemInfo << /Registry (Adobe) /Ordering "
                                             "(Identity) /Supplement 0 >> def\n/CMapName /");
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, name);
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, " def\n/CMapType 1 def\n/WMode 0 def\n" PACK_CODESPACE);
    if (st == HPDF_OK && p->n > 0)
        st = put_str(s, "%u begincidrange\n", (unsigned)((p->n + 93) / 94));
    for (size_t i = 0; i < p->n && st == HPDF_OK; i += 94) {
        size_t last = p->n - i < 94 ? p->n - 1 : i + 93;
        st = put_str(s, "<%04X> <%04X> %u\n", lib->codes[i], lib->codes[last], (unsigned)(i + 1));
    }
    if (st == HPDF_OK && p->n > 0)
        st = HPDF_Stream_WriteStr(s, "endcidrange\n");
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, "endcmap\nCMapName currentdict /CMap defineresource pop\n"
                                     "end\nend\n");
    return st;
}

/* Everything a font object needs while libharu draws with it. */
static HPDF_TextWidth pack_text_width(HPDF_Font font, const HPDF_BYTE *text, HPDF_UINT len)
{
    HPDF_FontAttr attr = (HPDF_FontAttr)font->attr;
    const HPDF_INT16 *w = attr->widths; /* w[0] = count, then the pack's widths */
    HPDF_TextWidth tw = {0, 0, 0, 0};

    for (HPDF_UINT i = 0; i + 1 < len; i += 2) {
        int k = code_index(text[i], text[i + 1]);
        tw.numchars++;
        if (k >= 0 && k < w[0])
            tw.width += (HPDF_UINT)w[k + 1];
    }
    return tw;
}

static HPDF_UINT pack_measure_text(HPDF_Font font, const HPDF_BYTE *text, HPDF_UINT len,
                                   HPDF_REAL width, HPDF_REAL font_size, HPDF_REAL char_space,
                                   HPDF_REAL word_space, HPDF_BOOL wordwrap, HPDF_REAL *real_width)
{
    (void)font, (void)text, (void)len, (void)width, (void)font_size, (void)char_space;
    (void)word_space, (void)wordwrap;
    if (real_width != NULL)
        *real_width = 0;
    return 0; /* templates lay text out themselves */
}

static void pack_font_free(HPDF_Dict font)
{
    HPDF_FontAttr attr = (HPDF_FontAttr)font->attr;

    if (attr == NULL)
        return;
    if (attr->widths != NULL)
        HPDF_FreeMem(font->mmgr, attr->widths);
    if (attr->encoder != NULL)
        HPDF_FreeMem(font->mmgr, attr->encoder);
    HPDF_FreeMem(font->mmgr, attr);
    font->attr = NULL;
}

/* A stream object holding len deflated bytes, in pdf's xref. */
static HPDF_Dict deflated_stream(HPDF_Doc pdf, const unsigned char *z, size_t len)
{
    HPDF_Dict d = HPDF_DictStream_New(pdf->mmgr, pdf->xref);

    if (d == NULL)
        return NULL;
    d->filter = HPDF_STREAM_FILTER_NONE;
    d->write_fn = tmpl_write_flate_filter;
    if (HPDF_Stream_Write(d->stream, z, (HPDF_UINT)len) != HPDF_OK)
        return NULL;
    return d;
}

static HPDF_Dict text_stream(HPDF_Doc pdf)
{
    HPDF_Dict d = HPDF_DictStream_New(pdf->mmgr, pdf->xref);

    if (d != NULL && (pdf->compression_mode & HPDF_COMP_TEXT))
        d->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    return d;
}

static HPDF_Dict identity_info(HPDF_MMgr mmgr)
{
    HPDF_Dict info = HPDF_Dict_New(mmgr);
    HPDF_STATUS st = HPDF_OK;

    if (info == NULL)
        return NULL;
    st += HPDF_Dict_Add(info, "Registry", HPDF_String_New(mmgr, "Adobe", NULL));
    st += HPDF_Dict_Add(info, "Ordering", HPDF_String_New(mmgr, "Identity", NULL));
    st += HPDF_Dict_AddNumber(info, "Supplement", 0);
    return st == HPDF_OK ? info : NULL;
}

static HPDF_Dict descriptor_new(const struct font_face *f, const struct font_pack *p, HPDF_Doc pdf,
                                const char *name)
{
    HPDF_Dict d = HPDF_Dict_New(pdf->mmgr), file;
    HPDF_Array box = HPDF_Array_New(pdf->mmgr);
    HPDF_STATUS st = HPDF_OK;

    if (d == NULL || box == NULL || HPDF_Xref_Add(pdf->xref, d) != HPDF_OK)
        return NULL;
    file = deflated_stream(pdf, p->zttf, p->zlen);
    if (file == NULL)
        return NULL;
    st += HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)p->ttflen);
    for (int i = 0; i < 4; i++)
        st += HPDF_Array_AddNumber(box, f->bbox[i]);
    st += HPDF_Dict_AddName(d, "Type", "FontDescriptor");
    st += HPDF_Dict_AddName(d, "FontName", name);
    st += HPDF_Dict_AddNumber(d, "Flags", 4); /* symbolic: glyphs outside the Latin set */
    st += HPDF_Dict_Add(d, "FontBBox", box);
    st += HPDF_Dict_AddNumber(d, "ItalicAngle", 0);
    st += HPDF_Dict_AddNumber(d, "Ascent", f->ascent);
    st += HPDF_Dict_AddNumber(d, "Descent", f->descent);
    st += HPDF_Dict_AddNumber(d, "CapHeight", f->ascent);
    st += HPDF_Dict_AddNumber(d, "StemV", 80);
    st += HPDF_Dict_Add(d, "FontFile2", file);
    return st == HPDF_OK ? d : NULL;
}

/* CIDToGIDMap stream: CID 0 is .notdef, CID i+1 is the pack's glyph i. */
static HPDF_Dict cid_to_gid_map(const struct font_pack *p, HPDF_Doc pdf)
{
    HPDF_Dict m = text_stream(pdf);
    unsigned char zero[2] = {0, 0};
    HPDF_STATUS st;

    if (m == NULL)
        return NULL;
    st = HPDF_Stream_Write(m->stream, zero, 2);
    for (size_t i = 0; i < p->n && st == HPDF_OK; i++) {
        unsigned char g[2] = {(unsigned char)(p->gids[i] >> 8), (unsigned char)p->gids[i]};
        st = HPDF_Stream_Write(m->stream, g, 2);
    }
    return st == HPDF_OK ? m : NULL;
}

static HPDF_Dict cid_font_new(const struct font_lib *lib, const struct font_pack *p, HPDF_Doc pdf,
                              const char *name)
{
    HPDF_Dict c = HPDF_Dict_New(pdf->mmgr), desc, map;
    HPDF_Array w = HPDF_Array_New(pdf->mmgr), ws = HPDF_Array_New(pdf->mmgr);
    HPDF_STATUS st = HPDF_OK;

    if (c == NULL || w == NULL || ws == NULL || HPDF_Xref_Add(pdf->xref, c) != HPDF_OK)
        return NULL;
    desc = descriptor_new(&lib->faces[p->face], p, pdf, name);
    map = cid_to_gid_map(p, pdf);
    if (desc == NULL || map == NULL)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        st += HPDF_Array_AddNumber(ws, p->widths[i]);
    st += HPDF_Array_AddNumber(w, 1);
    st += HPDF_Array_Add(w, ws);
    st += HPDF_Dict_AddName(c, "Type", "Font");
    st += HPDF_Dict_AddName(c, "Subtype", "CIDFontType2");
    st += HPDF_Dict_AddName(c, "BaseFont", name);
    st += HPDF_Dict_Add(c, "CIDSystemInfo", identity_info(pdf->mmgr));
    st += HPDF_Dict_Add(c, "FontDescriptor", desc);
    st += HPDF_Dict_AddNumber(c, "DW", 1000);
    st += HPDF_Dict_Add(c, "W", w);
    st += HPDF_Dict_Add(c, "CIDToGIDMap", map);
    return st == HPDF_OK ? c : NULL;
}

static HPDF_Dict encoding_new(const struct font_lib *lib, const struct font_pack *p, HPDF_Doc pdf,
                              const char *tag)
{
    HPDF_Dict e = text_stream(pdf);
    char name[32];
    int n = snprintf(name, sizeof(name), "%s-UDA-H", tag);
    HPDF_STATUS st = HPDF_OK;

    if (e == NULL || n < 0 || (size_t)n >= sizeof(name))
        return NULL;
    st += HPDF_Dict_AddName(e, "Type", "CMap");
    st += HPDF_Dict_AddName(e, "CMapName", name);
    st += HPDF_Dict_Add(e, "CIDSystemInfo", identity_info(pdf->mmgr));
    st += HPDF_Dict_AddNumber(e, "WMode", 0);
    if (st == HPDF_OK)
        st = encoding_write(lib, p, e->stream, name);
    return st == HPDF_OK ? e : NULL;
}

/* The attributes libharu's text operators read from a font object. */
static HPDF_FontAttr font_attr_new(const struct font_pack *p, HPDF_Doc pdf)
{
    HPDF_FontAttr a = HPDF_GetMem(pdf->mmgr, sizeof(*a));
    HPDF_Encoder enc = HPDF_GetMem(pdf->mmgr, sizeof(*enc));
    HPDF_INT16 *w = HPDF_GetMem(pdf->mmgr, (HPDF_UINT)((p->n + 1) * sizeof(*w)));

    if (a == NULL || enc == NULL || w == NULL) {
        if (a != NULL)
            HPDF_FreeMem(pdf->mmgr, a);
        if (enc != NULL)
            HPDF_FreeMem(pdf->mmgr, enc);
        if (w != NULL)
            HPDF_FreeMem(pdf->mmgr, w);
        return NULL;
    }
    memset(a, 0, sizeof(*a));
    memset(enc, 0, sizeof(*enc));
    enc->sig_bytes = HPDF_ENCODER_SIG_BYTES;
    enc->type = HPDF_ENCODER_TYPE_DOUBLE_BYTE;
    strcpy(enc->name, "JP-UDA-H");
    w[0] = (HPDF_INT16)p->n;
    for (size_t i = 0; i < p->n; i++)
        w[i + 1] = (HPDF_INT16)p->widths[i];
    a->type = HPDF_FONT_TYPE0_TT;
    a->writing_mode = HPDF_WMODE_HORIZONTAL;
    a->text_width_fn = pack_text_width;
    a->measure_text_fn = pack_measure_text;
    a->encoder = enc; /* no encode_text_fn: libharu writes the bytes as they are */
    a->widths = w;
    a->xref = pdf->xref;
    return a;
}

HPDF_Font font_pack_attach(const struct font_lib *lib, const struct font_pack *p, HPDF_Doc pdf,
                           const char *tag)
{
    char name[8 + FONT_MAX_PSNAME];
    HPDF_Dict font = HPDF_Dict_New(pdf->mmgr), cid, enc, tu;
    HPDF_Array desc = HPDF_Array_New(pdf->mmgr);
    HPDF_STATUS st = HPDF_OK;
    int n = snprintf(name, sizeof(name), "%s+%s", tag, lib->faces[p->face].psname);

    if (font == NULL || desc == NULL || n < 0 || (size_t)n >= sizeof(name) ||
        HPDF_Xref_Add(pdf->xref, font) != HPDF_OK)
        return NULL;
    font->header.obj_class |= HPDF_OSUBCLASS_FONT;
    font->free_fn = pack_font_free;
    font->attr = font_attr_new(p, pdf);
    cid = cid_font_new(lib, p, pdf, name);
    enc = encoding_new(lib, p, pdf, tag);
    tu = text_stream(pdf);
    if (font->attr == NULL || cid == NULL || enc == NULL || tu == NULL)
        return NULL;
    st += tounicode_write(lib, p, tu->stream);
    st += HPDF_Array_Add(desc, cid);
    st += HPDF_Dict_AddName(font, "Type", "Font");
    st += HPDF_Dict_AddName(font, "Subtype", "Type0");
    st += HPDF_Dict_AddName(font, "BaseFont", name);
    st += HPDF_Dict_Add(font, "Encoding", enc);
    st += HPDF_Dict_Add(font, "DescendantFonts", desc);
    st += HPDF_Dict_Add(font, "ToUnicode", tu);
    return st == HPDF_OK ? font : NULL;
}
