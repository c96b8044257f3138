/*
 * font.h - private to templates/: the font faces a template names, and the
 * small per-document TrueType subsets ("packs") that carry its text into a
 * libharu document.
 *
 * libharu 2.3.0 has no UTF-8 path and its GBK CMap cannot reach characters
 * outside GBK, nor draw ASCII in a CJK face. So every character drawn, CJK or
 * not, is given a code in GBK's user-defined area (0xAAA1.., 0xF8A1..), which
 * libharu maps to private-use code points U+E000..; a pack is a HarfBuzz
 * subset of one face whose cmap is rewritten so those private-use points reach
 * the right glyphs, and the font gets a /ToUnicode CMap so text extraction
 * yields the real characters. Each pack uses the code list from its start, so
 * a pack holds at most font_lib.ncodes characters. libharu's own GBK tables
 * give most of those codes no CID, or a shared one, so the font's encoding
 * CMap, CIDToGIDMap and widths are rewritten after libharu made them: code i
 * is CID i+1 and reaches the pack's glyph directly.
 *
 * Thread-safety: a font_lib is read-only after font_lib_init and may be shared
 * by any number of threads; packs belong to one caller.
 */
#ifndef JP_TMPL_FONT_H
#define JP_TMPL_FONT_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

#include <hb.h>

#define FONT_MAX_FACES 4     /* main face plus fallbacks */
#define FONT_MAX_CODES 1222  /* size of GBK's user-defined area */
#define FONT_MAX_PATH 512    /* bytes of a font path, with NUL */
#define FONT_MAX_TTF (4u << 20) /* bound on one subset's bytes */

/* One TrueType face, opened once per template and shared read-only. */
struct font_face {
    char path[FONT_MAX_PATH]; /* file the face came from */
    unsigned index;           /* face index inside a collection */
    hb_blob_t *blob;          /* owned; the mapped file */
    hb_face_t *face;          /* owned; preprocessed for fast subsetting */
    hb_font_t *font;          /* owned; immutable, for cmap and advances */
    unsigned upem;            /* units per em */
};

/* The faces in fallback order and the usable GBK user-area codes. */
struct font_lib {
    struct font_face faces[FONT_MAX_FACES]; /* [0] is the main face */
    size_t nfaces;                          /* faces in use */
    uint16_t codes[FONT_MAX_CODES];         /* GBK user-area codes, in order */
    uint16_t pua[FONT_MAX_CODES];           /* the private-use point libharu maps codes[i] to */
    size_t ncodes;                          /* entries in codes and pua */
};

/* A subset of one face: cps[i] is drawn with the two bytes of lib->codes[i]. */
struct font_pack {
    size_t face;        /* index into font_lib.faces */
    size_t n;           /* characters in the pack */
    uint32_t *cps;      /* owned; n real code points in pack order */
    uint16_t *gids;     /* owned; glyph of cps[i] in the subset */
    uint16_t *widths;   /* owned; advance of cps[i] in 1/1000 em */
    unsigned char *ttf; /* owned; the subset font file */
    size_t ttflen;      /* bytes in ttf */
};

/*
 * Sets up an empty library and reads the GBK user-area code table from
 * libharu. Returns 0 or ENOMEM / EIO (libharu failed), message in err.
 */
int font_lib_init(struct font_lib *lib, char *err, size_t errlen);
/*
 * Opens face index of the TrueType file path and appends it to lib. Returns 0,
 * ENOENT/EACCES (unreadable), EINVAL (not a TrueType face with glyf outlines),
 * E2BIG (too many faces); a message naming path goes to err.
 */
int font_lib_add(struct font_lib *lib, const char *path, unsigned index, char *err, size_t errlen);
/* Releases every face. NULL-safe; lib is left empty. */
void font_lib_free(struct font_lib *lib);

/* Index of the first face with a real glyph for cp, or -1 when none has one. */
int font_lib_find(const struct font_lib *lib, uint32_t cp);
/* Advance width of cp in face, in 1/1000 em (0 when the face lacks cp). */
int font_lib_advance(const struct font_lib *lib, size_t face, uint32_t cp);

/*
 * Builds a pack of face holding the n code points cps (n <= lib->ncodes, each
 * present in the face). The pack owns copies; free it with font_pack_free.
 * Returns 0, ENOMEM, E2BIG (too many characters) or EIO (HarfBuzz failed).
 */
int font_pack_build(const struct font_lib *lib, size_t face, const uint32_t *cps, size_t n,
                    struct font_pack *out);
/* Frees a pack's memory. NULL-safe; the pack is left empty. */
void font_pack_free(struct font_pack *p);
/* Position of cp in the pack, or -1 when absent (linear; packs are small). */
int font_pack_find(const struct font_pack *p, uint32_t cp);

/*
 * Loads the pack into pdf as an embedded Type0 font with GBK-EUC-H encoding,
 * subset tag tag (6 upper-case letters, unique within pdf) and a /ToUnicode
 * CMap. The font belongs to pdf. Returns the font, or NULL after libharu's
 * error handler has been called or on ENOMEM.
 */
HPDF_Font font_pack_attach(const struct font_lib *lib, const struct font_pack *p, HPDF_Doc pdf,
                           const char *tag);

#endif
