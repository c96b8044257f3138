/*
 * font.h - private to templates/: the font faces a template names, and the
 * small TrueType subsets ("packs") that carry text into a libharu document.
 *
 * libharu 2.3.0 has no way to draw characters outside GBK or ASCII in a CJK
 * face, nor to embed a font from memory, and its Type0 fonts cost a 29 KB
 * GBK CMap and a 64 K-entry scan each. So a pack is a HarfBuzz subset of one
 * face, and font_pack_attach builds the Type0 font objects itself: each
 * character drawn gets a two-byte code in GBK's user-defined area (0xAAA1..
 * 0xAFFE, 0xF8A1..0xFEFE; no zero byte, so libharu's C-string text calls pass
 * it through), an embedded encoding CMap maps code i to CID i+1, a
 * CIDToGIDMap maps CID i+1 to the subset's glyph, and a /ToUnicode CMap maps
 * the code back to the real character (UTF-16, surrogate pairs above the BMP)
 * so text extraction works. The subset's own cmap maps U+E000+i to the same
 * glyph, as libharu's GBK tables map those codes, for tools that read it.
 *
 * Thread-safety: a font_lib and its packs are read-only after they are built
 * and may be shared by any number of threads (subsets run on per-subsetter
 * copies of the faces, font_sub.c); attaching writes only the libharu
 * document passed in.
 */
#ifndef JP_TMPL_FONT_H
#define JP_TMPL_FONT_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

#include <hb-subset.h>
#include <hb.h>

#define FONT_MAX_FACES 8        /* main face (common part + whole) plus fallbacks */
#define FONT_MAX_CODES 1222     /* size of GBK's user-defined area */
#define FONT_MAX_PATH 512       /* bytes of a font path, with NUL */
#define FONT_MAX_PSNAME 64      /* bytes of a PostScript name, with NUL */
#define FONT_MAX_TTF (4u << 20) /* bound on one subset's bytes */
#define FONT_MAX_SUBSETTERS 4   /* sets of subsetter faces a library keeps (font_sub.c) */

struct font_skel; /* font_fast.c: what a subset without HarfBuzz's planner copies */
struct font_pool; /* font_sub.c: the subsetters' own copies of the faces */
struct font_own;  /* font_sub.c: one set of those copies */

/* One TrueType face, opened once per template and shared read-only. */
struct font_face {
    char path[FONT_MAX_PATH];     /* file the face came from */
    char psname[FONT_MAX_PSNAME]; /* PostScript name, [A-Za-z0-9-] only */
    hb_blob_t *blob;              /* owned; the mapped file (see font_file_blob) */
    hb_face_t *face;              /* owned; shared: subset by HarfBuzz only while loading */
    hb_font_t *font;              /* owned; immutable, for cmap and advances */
    struct font_skel *skel;       /* owned; fast subsets (font_fast.c), or NULL */
    hb_blob_t *src;               /* owned; what the subsetters' copies are made of: the
                                     file, or the main face's common part (font_sub.c) */
    unsigned src_index;           /* face index in src */
    int pre_copies;               /* 1: each copy is preprocessed for fast subsetting */
    unsigned upem;                /* units per em */
    int ascent, descent;          /* 1/1000 em, from hhea */
    int bbox[4];                  /* xMin yMin xMax yMax, 1/1000 em, from head */
};

/* A font file mapped read-only by font_lib_add (not by HarfBuzz, whose
 * fallback when mmap fails is a heap copy that must never be madvised). */
struct font_map {
    void *addr; /* page-aligned start, or NULL */
    size_t len; /* bytes mapped */
};

/* The faces in fallback order and the GBK user-area codes. */
struct font_lib {
    struct font_face faces[FONT_MAX_FACES]; /* [0] is the main face */
    size_t nfaces;                          /* faces in use */
    struct font_map maps[FONT_MAX_FACES];   /* the files behind the faces */
    size_t nmaps;                           /* maps in use */
    uint16_t codes[FONT_MAX_CODES];         /* the codes in GBK order */
    struct font_pool *pool;                 /* owned; subsetters' faces, NULL until a face */
};

/* A subset of one face: cps[i] is drawn with the two bytes of lib->codes[i]. */
struct font_pack {
    size_t face;         /* index into font_lib.faces */
    size_t n;            /* characters in the pack */
    uint32_t *cps;       /* owned; n real code points in pack order */
    uint16_t *gids;      /* owned; glyph of cps[i] in the subset */
    uint16_t *widths;    /* owned; advance of cps[i] in 1/1000 em */
    unsigned char *zttf; /* owned; the subset font file, zlib-compressed */
    size_t zlen;         /* bytes at zttf */
    size_t ttflen;       /* bytes of the uncompressed font file */
    hb_blob_t *file;     /* owned; that file itself: font_pack_build_unicode's packs, else NULL */
};

/*
 * The characters a template always draws in one face, as the start of every
 * document's pack of that face (font_base.c): their glyf bytes and those
 * bytes compressed once (raw deflate ending in a full flush).
 */
struct font_base {
    size_t n;            /* characters, ascending */
    uint32_t *cps;       /* owned; n characters, each in the face */
    unsigned char *glyf; /* owned; glyf bytes of .notdef and cps[0..n) in a pack starting so */
    size_t glyflen;      /* bytes at glyf */
    unsigned char *z;    /* owned; glyf compressed, or NULL: the base is not usable */
    size_t zlen;         /* bytes at z */
    unsigned long adler; /* Adler-32 of glyf */
};

/*
 * Drops this process's resident pages of the font files (MADV_DONTNEED on the
 * read-only private mappings): they stay in the page cache and fault back in
 * when a later subset reads them. For long runs, between renders.
 */
void font_lib_release_pages(const struct font_lib *lib);

/* Sets up an empty library with the code table. */
void font_lib_init(struct font_lib *lib);
/*
 * Opens face index of the TrueType file path and appends it to lib. Returns 0,
 * ENOENT (unreadable), EINVAL (not a TrueType face with glyf outlines),
 * E2BIG (too many faces), ENAMETOOLONG; a message naming path goes to err.
 */
int font_lib_add(struct font_lib *lib, const char *path, unsigned index, char *err, size_t errlen);
/* Releases every face. NULL-safe; lib is left empty. */
void font_lib_free(struct font_lib *lib);

/* Index of the first face with a real glyph for cp, or -1 when none has one. */
int font_lib_find(const struct font_lib *lib, uint32_t cp);
/* Advance width of cp in face, in 1/1000 em (0 when the face lacks cp). */
int font_lib_advance(const struct font_lib *lib, size_t face, uint32_t cp);

/*
 * font_sub.c: HarfBuzz's subsetter never runs on the shared faces above
 * (HarfBuzz 6.0, Debian 12, is not safe for two subsets of one preprocessed
 * face at once: ASan saw a double free inside hb_subset_plan_create_or_fail
 * with two issuing threads). A subsetter takes a set of copies of its own:
 *
 * font_pool_new gives lib its pool of FONT_MAX_SUBSETTERS sets (0, or ENOMEM;
 * a no-op when it has one); font_pool_free frees it and every copy in it
 * (NULL-safe; no set may be held).
 * font_own_take returns a set no other thread holds (one of the pool's, or,
 * when all are held, one made for this caller alone), or NULL (ENOMEM); it
 * belongs to the caller until font_own_give(lib, set), which frees a set made
 * for one caller and puts a pool's back (NULL-safe). Any thread, no lock.
 * font_own_face returns the set's copy of lib->faces[face], made on first use
 * (glyph ids as the shared face's), or NULL (ENOMEM, face out of range); it
 * belongs to the set: use it only while holding the set.
 */
int font_pool_new(struct font_lib *lib);
void font_pool_free(struct font_lib *lib);
struct font_own *font_own_take(const struct font_lib *lib);
void font_own_give(const struct font_lib *lib, struct font_own *o);
hb_face_t *font_own_face(const struct font_lib *lib, struct font_own *o, size_t face);

/*
 * Builds a pack of face holding the n distinct code points cps (n <=
 * FONT_MAX_CODES, each present in the face), compressed at libdeflate level (1-12).
 * The pack owns copies; free it with font_pack_free. Returns 0, ENOMEM,
 * E2BIG (too many characters) or EIO (HarfBuzz or zlib failed).
 */
int font_pack_build(const struct font_lib *lib, size_t face, const uint32_t *cps, size_t n,
                    int level, struct font_pack *out);
/*
 * Builds the base of face for the n ascending distinct code points cps (each
 * in the face): a pack of them is made once and its glyphs kept compressed.
 * The base owns copies; free it with font_base_free. Returns 0, ENOMEM, E2BIG
 * or EIO; when the subset's glyphs are not numbered in cps order (a composite
 * glyph sent it to HarfBuzz's planner) it returns 0 with base->z NULL, and
 * font_pack_build_on then compresses whole files.
 */
int font_base_build(const struct font_lib *lib, size_t face, const uint32_t *cps, size_t n,
                    struct font_base *out);
/* Frees a base. NULL-safe; the base is left empty. */
void font_base_free(struct font_base *b);
/*
 * As font_pack_build, for cps starting with base->cps (base may be NULL): when
 * the subset's glyf table starts with the base's glyph bytes, only the rest of
 * the file is compressed (zlib level 1-9) and the base's run is copied in;
 * otherwise the whole file is, at that level. Same returns.
 */
int font_pack_build_on(const struct font_lib *lib, size_t face, const struct font_base *base,
                       const uint32_t *cps, size_t n, int level, struct font_pack *out);
/*
 * As font_pack_build_on, for a document that names its characters by Unicode
 * (the OFD, whose readers map TextCode through the font's cmap): the subset's
 * cmap maps each of cps to its glyph ((3,1) format 4 for the BMP, and (3,10)
 * format 12 of all when any is above it), and the pack keeps the uncompressed
 * file in out->file. Same returns.
 */
int font_pack_build_unicode(const struct font_lib *lib, size_t face, const struct font_base *base,
                            const uint32_t *cps, size_t n, int level, struct font_pack *out);
/*
 * The raw deflate data (RFC 1951) inside a pack's zlib stream zttf: the
 * stream without its 2-byte header and Adler-32, borrowed from p, of *len
 * bytes (NULL and 0 for an empty pack). What a ZIP member of the file holds.
 */
const unsigned char *font_pack_raw(const struct font_pack *p, size_t *len);
/* Position of cp in b's characters (binary search), or -1 when absent. */
int font_base_find(const struct font_base *b, uint32_t cp);
/* font_base.c: keeps glyf (len bytes) and its compressed run in b; 0 or ENOMEM/EIO. */
int font_base_prepare(struct font_base *b, const unsigned char *glyf, size_t len);
/* font_base.c: the zlib stream of a font file ttf built on b; 0, 1 (b does not fit it:
 * compress the whole file), ENOMEM or EIO. *out is malloc'ed, the caller frees it. */
int font_base_deflate(const struct font_base *b, const unsigned char *ttf, size_t len, int level,
                      unsigned char **out, size_t *outlen);

/* Frees a pack's memory. NULL-safe; the pack is left empty. */
void font_pack_free(struct font_pack *p);
/* Position of cp in the pack, or -1 when absent (linear; packs are small). */
int font_pack_find(const struct font_pack *p, uint32_t cp);

/*
 * Adds the pack to pdf as an embedded Type0/CIDFontType2 font named
 * TAG+PSNAME (tag: 6 upper-case letters, unique within pdf) that libharu's
 * page text calls accept. The font and its objects belong to pdf; the pack
 * must outlive nothing (its bytes are copied). Returns the font, or NULL when
 * libharu failed (its error handler has been told).
 */
HPDF_Font font_pack_attach(const struct font_lib *lib, const struct font_pack *p, HPDF_Doc pdf,
                           const char *tag);

/*
 * font_fast.c: the fast subsets. font_skel_new prepares them for a
 * TrueType face (one_glyph: a subset input of .notdef alone, with the name
 * IDs a pack keeps; not consumed), or returns NULL (no glyf table, out of
 * memory: HarfBuzz's planner is used). font_skel_subset makes a face builder holding
 * glyph src[i] of the face as glyph i (src[0] = .notdef) with every table a
 * pack keeps except cmap: 0 and *sub (caller destroys), 1 when a glyph is
 * composite (use HarfBuzz), ENOMEM or EIO.
 */
struct font_skel *font_skel_new(hb_face_t *face, hb_subset_input_t *one_glyph);
void font_skel_free(struct font_skel *s);
int font_skel_subset(const struct font_skel *s, const hb_codepoint_t *src, size_t n,
                     hb_face_t **sub);

#endif
