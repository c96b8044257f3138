/*
 * font.c - font faces and per-document subsets for templates/ (see font.h for
 * the encoding trick). HarfBuzz opens the faces once, answers "which face has
 * this character" and makes each subset; the subset's cmap is replaced by one
 * that maps the private-use points libharu derives from GBK user-area codes to
 * the subset's glyphs; libharu then loads the subset from memory through its
 * internal font-definition API (libharu 2.3.0 has no public call for that),
 * and a /ToUnicode CMap is attached to the resulting Type0 font dictionary.
 */
#include "font.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hb-subset.h>
#include <hpdf_doc.h>
#include <hpdf_encoder.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>

#define GBK_ENCODING "GBK-EUC-H"

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

static int set_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        int n;
        va_start(ap, fmt);
        n = vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n >= errlen && errlen > 4)
            memcpy(err + errlen - 4, "...", 4); /* a truncated message says so */
    }
    return code;
}

/* The user-area codes, in GBK order, with the private-use point libharu gives each. */
static void lib_read_codes(struct font_lib *lib, HPDF_Encoder enc)
{
    static const unsigned char rows[][2] = {{0xAA, 0xAF}, {0xF8, 0xFE}};

    lib->ncodes = 0;
    for (size_t r = 0; r < 2; r++) {
        for (unsigned h = rows[r][0]; h <= rows[r][1]; h++) {
            for (unsigned l = 0xA1; l <= 0xFE; l++) {
                HPDF_UNICODE u = HPDF_Encoder_ToUnicode(enc, (HPDF_UINT16)(h << 8 | l));
                if (u < 0xE000 || u > 0xF8FF || lib->ncodes >= FONT_MAX_CODES)
                    continue;
                lib->codes[lib->ncodes] = (uint16_t)(h << 8 | l);
                lib->pua[lib->ncodes] = (uint16_t)u;
                lib->ncodes++;
            }
        }
    }
}

int font_lib_init(struct font_lib *lib, char *err, size_t errlen)
{
    int rc = 0;
    HPDF_Doc pdf = NULL;
    HPDF_Encoder enc;

    memset(lib, 0, sizeof(*lib));
    pdf = HPDF_New(NULL, NULL);
    if (pdf == NULL)
        return set_err(err, errlen, ENOMEM, "%s", "libharu: cannot create a document");
    if (HPDF_UseCNSEncodings(pdf) != HPDF_OK) {
        rc = set_err(err, errlen, EIO, "%s", "libharu: cannot load the CNS encodings");
        goto out_free_pdf;
    }
    enc = HPDF_GetEncoder(pdf, GBK_ENCODING);
    if (enc == NULL || enc->type != HPDF_ENCODER_TYPE_DOUBLE_BYTE) {
        rc = set_err(err, errlen, EIO, "libharu: no %s encoder", GBK_ENCODING);
        goto out_free_pdf;
    }
    lib_read_codes(lib, enc);
    if (lib->ncodes < 256)
        rc = set_err(err, errlen, EIO, "libharu: %s has too few user-defined codes", GBK_ENCODING);
out_free_pdf:
    HPDF_Free(pdf);
    return rc;
}

static int face_has_glyf(hb_face_t *face)
{
    hb_blob_t *glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
    int ok = hb_blob_get_length(glyf) > 0;
    hb_blob_destroy(glyf);
    return ok;
}

int font_lib_add(struct font_lib *lib, const char *path, unsigned index, char *err, size_t errlen)
{
    int rc = 0;
    struct font_face *f;
    hb_face_t *plain = NULL;

    if (lib->nfaces >= FONT_MAX_FACES)
        return set_err(err, errlen, E2BIG, "%s: too many fonts", path);
    f = &lib->faces[lib->nfaces];
    memset(f, 0, sizeof(*f));
    if (strlen(path) >= sizeof(f->path))
        return set_err(err, errlen, ENAMETOOLONG, "%s: path too long", path);
    strcpy(f->path, path);
    f->index = index;
    f->blob = hb_blob_create_from_file_or_fail(path);
    if (f->blob == NULL) {
        rc = set_err(err, errlen, ENOENT, "%s: cannot read font", path);
        goto out;
    }
    if (index >= hb_face_count(f->blob)) {
        rc = set_err(err, errlen, EINVAL, "%s: no such face index", path);
        goto out_free_blob;
    }
    plain = hb_face_create(f->blob, index);
    if (!face_has_glyf(plain)) {
        rc = set_err(err, errlen, EINVAL, "%s: not a TrueType face with glyf outlines", path);
        goto out_free_plain;
    }
    f->face = hb_subset_preprocess(plain);
    f->upem = hb_face_get_upem(f->face);
    f->font = hb_font_create(f->face);
    hb_font_make_immutable(f->font);
    lib->nfaces++;
    goto out_free_plain;
out_free_blob:
    hb_blob_destroy(f->blob);
    f->blob = NULL;
out_free_plain:
    hb_face_destroy(plain);
out:
    return rc;
}

void font_lib_free(struct font_lib *lib)
{
    if (lib == NULL)
        return;
    for (size_t i = 0; i < lib->nfaces; i++) {
        hb_font_destroy(lib->faces[i].font);
        hb_face_destroy(lib->faces[i].face);
        hb_blob_destroy(lib->faces[i].blob);
    }
    lib->nfaces = 0;
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

/*
 * A cmap with one (3,1) format-4 subtable: one segment per character, mapping
 * pua[i] to gids[i] through idDelta, and the closing 0xFFFF segment.
 */
static hb_blob_t *cmap_build(const uint16_t *pua, const hb_codepoint_t *gids, size_t n)
{
    size_t segs = n + 1, sublen = 16 + 8 * segs, len = 12 + sublen;
    unsigned char *t = calloc(1, len);
    unsigned char *s, *end, *start, *delta;
    unsigned search = 1, selector = 0;

    if (t == NULL)
        return NULL;
    while (search * 2 <= segs) {
        search *= 2;
        selector++;
    }
    put16(t + 2, 1);                  /* numTables */
    put16(t + 4, 3);                  /* platform Windows */
    put16(t + 6, 1);                  /* Unicode BMP */
    put16(t + 10, 12);                /* subtable offset (low half of a 32-bit field) */
    s = t + 12;
    put16(s, 4);                      /* format */
    put16(s + 2, (unsigned)sublen);   /* length */
    put16(s + 6, (unsigned)segs * 2); /* segCountX2 */
    put16(s + 8, search * 2);
    put16(s + 10, selector);
    put16(s + 12, (unsigned)(segs * 2 - search * 2));
    end = s + 14;
    start = end + 2 * segs + 2;
    delta = start + 2 * segs;
    for (size_t i = 0; i < n; i++) {
        put16(end + 2 * i, pua[i]);
        put16(start + 2 * i, pua[i]);
        put16(delta + 2 * i, (unsigned)((gids[i] - pua[i]) & 0xFFFF));
    }
    put16(end + 2 * n, 0xFFFF);
    put16(start + 2 * n, 0xFFFF);
    put16(delta + 2 * n, 1);
    return hb_blob_create_or_fail((const char *)t, (unsigned)len, HB_MEMORY_MODE_READONLY, t, free);
}

static hb_subset_input_t *subset_input(const struct font_face *f, const uint32_t *cps, size_t n)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_set_t *drop;

    if (in == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        hb_set_add(hb_subset_input_glyph_set(in), face_glyph(f, cps[i]));
    drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof(dropped_tables) / sizeof(dropped_tables[0]); i++)
        hb_set_add(drop, dropped_tables[i]);
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_DEFAULT);
    return in;
}

/* A new face of the subset's kept tables plus cmap, serialised to bytes. */
static int face_rebuild(hb_face_t *sub, hb_blob_t *cmap, struct font_pack *out)
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
    out->ttf = malloc(len);
    if (out->ttf == NULL) {
        rc = ENOMEM;
        goto out;
    }
    memcpy(out->ttf, data, len);
    out->ttflen = len;
out:
    hb_blob_destroy(whole);
    hb_face_destroy(builder);
    return rc;
}

/* New glyph ids of the pack's characters, and the subset face itself. */
static int subset_run(const struct font_face *f, const uint32_t *cps, size_t n,
                      hb_codepoint_t *gids, hb_face_t **sub)
{
    int rc = 0;
    hb_subset_input_t *in = subset_input(f, cps, n);
    hb_subset_plan_t *plan = NULL;
    const hb_map_t *map;

    *sub = NULL;
    if (in == NULL)
        return ENOMEM;
    plan = hb_subset_plan_create_or_fail(f->face, in);
    if (plan == NULL) {
        rc = EIO;
        goto out_free_input;
    }
    map = hb_subset_plan_old_to_new_glyph_mapping(plan);
    for (size_t i = 0; i < n; i++)
        gids[i] = hb_map_get(map, face_glyph(f, cps[i]));
    *sub = hb_subset_plan_execute_or_fail(plan);
    if (*sub == NULL)
        rc = EIO;
    hb_subset_plan_destroy(plan);
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
                    struct font_pack *out)
{
    int rc = 0;
    hb_codepoint_t *gids = NULL;
    hb_face_t *sub = NULL;
    hb_blob_t *cmap = NULL;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n > lib->ncodes || face >= lib->nfaces)
        return E2BIG;
    gids = calloc(n, sizeof(*gids));
    if (gids == NULL || pack_alloc(out, n) != 0) {
        rc = ENOMEM;
        goto out_free;
    }
    out->face = face;
    out->n = n;
    rc = subset_run(&lib->faces[face], cps, n, gids, &sub);
    if (rc != 0)
        goto out_free;
    for (size_t i = 0; i < n; i++) {
        out->cps[i] = cps[i];
        out->gids[i] = (uint16_t)gids[i];
        out->widths[i] = (uint16_t)font_lib_advance(lib, face, cps[i]);
    }
    cmap = cmap_build(lib->pua, gids, n);
    if (cmap == NULL) {
        rc = ENOMEM;
        goto out_free;
    }
    rc = face_rebuild(sub, cmap, out);
out_free:
    hb_blob_destroy(cmap);
    hb_face_destroy(sub);
    free(gids);
    if (rc != 0)
        font_pack_free(out);
    return rc;
}

void font_pack_free(struct font_pack *p)
{
    if (p == NULL)
        return;
    free(p->cps);
    free(p->gids);
    free(p->widths);
    free(p->ttf);
    memset(p, 0, sizeof(*p));
}

int font_pack_find(const struct font_pack *p, uint32_t cp)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->cps[i] == cp)
            return (int)i;
    return -1;
}

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
    static const char head[] = "/CIDInit /ProcSet findresource begin\n"
                               "12 dict begin\nbegincmap\n"
                               "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                               "/Supplement 0 >> def\n"
                               "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                               "2 begincodespacerange\n<00> <80>\n<8140> <FEFE>\n"
                               "endcodespacerange\n";
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

static HPDF_FontDef fontdef_load(const struct font_pack *p, HPDF_Doc pdf, const char *tag)
{
    HPDF_Stream s = HPDF_MemStream_New(pdf->mmgr, 16384);
    HPDF_FontDef def;
    char renamed[HPDF_LIMIT_MAX_NAME_LEN + 1];
    int n;

    if (s == NULL)
        return NULL;
    if (HPDF_Stream_Write(s, p->ttf, (HPDF_UINT)p->ttflen) != HPDF_OK) {
        HPDF_Stream_Free(s);
        return NULL;
    }
    def = HPDF_TTFontDef_Load(pdf->mmgr, s, HPDF_TRUE); /* takes s, also on failure */
    if (def == NULL)
        return NULL;
    /* Two packs of one face share a PostScript name; libharu keys fonts by name. */
    n = snprintf(renamed, sizeof(renamed), "%s-%s", def->base_font, tag);
    if (n < 0 || (size_t)n >= sizeof(renamed) || HPDF_Doc_FindFontDef(pdf, renamed) != NULL) {
        HPDF_FontDef_Free(def);
        return NULL;
    }
    memcpy(def->base_font, renamed, (size_t)n + 1);
    HPDF_TTFontDef_SetTagName(def, (char *)tag);
    if (HPDF_List_Add(pdf->fontdef_list, def) != HPDF_OK) {
        HPDF_FontDef_Free(def);
        return NULL;
    }
    return def;
}

/* Writes formatted text (under 64 bytes) to a stream; HPDF_OK or a libharu status. */
static HPDF_STATUS put_str(HPDF_Stream s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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

/* Encoding CMap: code i of the user area is CID i+1. */
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
        st = HPDF_Stream_WriteStr(s, " def\n/CMapType 1 def\n/WMode 0 def\n"
                                     "2 begincodespacerange\n<00> <80>\n<8140> <FEFE>\n"
                                     "endcodespacerange\n");
    for (size_t i = 0; i < p->n && st == HPDF_OK; i += 100) {
        size_t chunk = p->n - i < 100 ? p->n - i : 100;
        st = put_str(s, "%u begincidchar\n", (unsigned)chunk);
        for (size_t j = i; j < i + chunk && st == HPDF_OK; j++)
            st = put_str(s, "<%04X> %u\n", lib->codes[j], (unsigned)(j + 1));
        if (st == HPDF_OK)
            st = HPDF_Stream_WriteStr(s, "endcidchar\n");
    }
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(s, "endcmap\nCMapName currentdict /CMap defineresource pop\n"
                                     "end\nend\n");
    return st;
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

/* Replaces libharu's GBK encoding CMap (29 KB per font) by one naming only p's codes. */
static HPDF_STATUS encoding_replace(const struct font_lib *lib, const struct font_pack *p,
                                    HPDF_Dict cmap, const char *tag)
{
    char name[32];
    int n = snprintf(name, sizeof(name), "%s-UDA-H", tag);
    HPDF_STATUS st = HPDF_OK;

    if (n < 0 || (size_t)n >= sizeof(name))
        return HPDF_FAILD_TO_ALLOC_MEM;
    HPDF_MemStream_FreeData(cmap->stream);
    st += HPDF_Dict_AddName(cmap, "CMapName", name);
    st += HPDF_Dict_Add(cmap, "CIDSystemInfo", identity_info(cmap->mmgr));
    if (st == HPDF_OK)
        st = encoding_write(lib, p, cmap->stream, name);
    return st;
}

/* Replaces the CID font's widths and CIDToGIDMap by p's own. */
static HPDF_STATUS cidfont_replace(const struct font_pack *p, HPDF_Dict cid, HPDF_Dict map)
{
    HPDF_Array w = HPDF_Array_New(cid->mmgr), ws = HPDF_Array_New(cid->mmgr);
    HPDF_STATUS st = HPDF_OK;
    unsigned char zero[2] = {0, 0};

    if (w == NULL || ws == NULL)
        return HPDF_FAILD_TO_ALLOC_MEM;
    st += HPDF_Array_AddNumber(w, 1);
    st += HPDF_Array_Add(w, ws);
    for (size_t i = 0; i < p->n; i++)
        st += HPDF_Array_AddNumber(ws, p->widths[i]);
    st += HPDF_Dict_Add(cid, "W", w);
    st += HPDF_Dict_Add(cid, "CIDSystemInfo", identity_info(cid->mmgr));
    HPDF_MemStream_FreeData(map->stream);
    st += HPDF_Stream_Write(map->stream, zero, 2);
    for (size_t i = 0; i < p->n; i++) {
        unsigned char g[2] = {(unsigned char)(p->gids[i] >> 8), (unsigned char)p->gids[i]};
        st += HPDF_Stream_Write(map->stream, g, 2);
    }
    return st;
}

HPDF_Font font_pack_attach(const struct font_lib *lib, const struct font_pack *p, HPDF_Doc pdf,
                           const char *tag)
{
    HPDF_FontDef def = fontdef_load(p, pdf, tag);
    HPDF_Font font;
    HPDF_FontAttr attr;
    HPDF_Dict tu;

    if (def == NULL)
        return NULL;
    font = HPDF_GetFont(pdf, def->base_font, GBK_ENCODING);
    if (font == NULL)
        return NULL;
    attr = (HPDF_FontAttr)font->attr;
    if (attr->cmap_stream == NULL || attr->map_stream == NULL || attr->descendant_font == NULL)
        return NULL;
    if (encoding_replace(lib, p, attr->cmap_stream, tag) != HPDF_OK ||
        cidfont_replace(p, attr->descendant_font, attr->map_stream) != HPDF_OK)
        return NULL;
    tu = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
    if (tu == NULL)
        return NULL;
    if (pdf->compression_mode & HPDF_COMP_TEXT)
        tu->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    if (tounicode_write(lib, p, tu->stream) != HPDF_OK)
        return NULL;
    if (HPDF_Dict_Add(font, "ToUnicode", tu) != HPDF_OK)
        return NULL;
    return font;
}
