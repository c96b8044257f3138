/*
 * render.h - private to templates/: the parsed form of a template, shared by
 * the parser (render_parse.c), the drawing code (render.c), the photo checks
 * (photo_check.c, photo_fit.c) and the QR code (qr.c). Coordinates are millimetres from
 * the page's top-left corner, font sizes and line widths are points.
 */
#ifndef JP_TMPL_RENDER_H
#define JP_TMPL_RENDER_H

#include <hpdf.h>
#include <stddef.h>
#include <stdint.h>

#include <qrencode.h>

#include "font.h"
#include "tmpl.h"

#define TMPL_MAX_ITEMS 256          /* drawing directives in one template */
#define TMPL_MAX_LINE 1024          /* bytes of one template line */
#define TMPL_MAX_FILE (256u * 1024) /* bytes of a template file */

enum field_id {
    FIELD_NAME,
    FIELD_GENDER,
    FIELD_ID_NUMBER,
    FIELD_POSITION,
    FIELD_CERTIFICATE_NO,
    FIELD_INSTITUTION,
    FIELD_AUTHORITY,
    FIELD_ISSUE_DATE,
    FIELD_ELICENCE_ID,
    FIELD_COUNT
};

enum item_kind {
    ITEM_RECT,
    ITEM_LINE,
    ITEM_CIRCLE,
    ITEM_TEXT,
    ITEM_FIELD,
    ITEM_PHOTO,
    ITEM_QR,
    ITEM_SEAL,
    ITEM_CHARSET /* characters to keep in the static subset; draws nothing */
};
enum item_align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

struct rgb {
    double r, g, b; /* 0..1 each */
};

/* One drawing directive, in template order. */
struct item {
    enum item_kind kind;   /* what to draw */
    int line;              /* template line, for messages */
    double x, y, w, h;     /* box in mm; line: x,y to w,h; circle, seal: centre x,y radius w */
    double size;           /* font size in pt */
    double min_size;       /* smallest size a field may shrink to, pt */
    double spacing;        /* extra space after each character, pt */
    double width;          /* stroke width in pt; 0 = no stroke */
    double alpha;          /* opacity 0..1 of fills and strokes */
    enum item_align align; /* horizontal alignment of text */
    struct rgb stroke;     /* stroke colour */
    struct rgb fill;       /* fill colour (text colour for text and fields) */
    int has_fill;          /* rect, circle: fill as well */
    enum field_id field;   /* ITEM_FIELD: which field */
    uint32_t *cps;         /* owned; ITEM_TEXT text, ITEM_SEAL label, ITEM_CHARSET set */
    size_t ncps;           /* code points at cps */
};

/* Where a character of the static text lives: face, and position in that face's pack. */
struct static_char {
    uint32_t cp;   /* the character */
    uint16_t face; /* font_lib face */
    uint16_t idx;  /* index in static_packs[face] */
};

struct tmpl {
    double page_w, page_h;                         /* page size in pt */
    struct item *items;                            /* owned; nitems directives */
    size_t nitems;                                 /* directives in use */
    struct font_lib fonts;                         /* faces, main first */
    struct font_pack static_packs[FONT_MAX_FACES]; /* template text, digits, Latin; n may be 0
                                                      (not drawn with since issue 15: bases) */
    struct font_base bases[FONT_MAX_FACES];        /* what every document draws, per face */
    struct static_char *chars;                     /* owned; sorted by cp */
    size_t nchars;                                 /* entries in chars */
};

/* Field names as the template writes them, indexed by enum field_id. */
extern const char *const tmpl_field_names[FIELD_COUNT];

/*
 * The code points of NUL-terminated UTF-8 text (common's strict decoder),
 * at most max of them into out; -1 for invalid UTF-8, a control character
 * (C0, DEL, C1, U+2028, U+2029) or more than max. Returns the count.
 */
long tmpl_codepoints(const char *s, uint32_t *out, size_t max);

/*
 * Decodes the fields of f (tmpl_job_start, for both formats): each field's
 * code points into cps[i], their count into ncps[i]; qr_text checked.
 * Returns 0 or TMPL_EFIELD naming the field (never its text) in err.
 */
int tmpl_fields_decode(const struct tmpl_fields *f, uint32_t cps[FIELD_COUNT][TMPL_MAX_FIELD],
                       size_t ncps[FIELD_COUNT], char *err, size_t errlen);

/*
 * What one render of a certificate starts from, the PDF's (render.c) and the
 * OFD's (render_ofd.c) alike: the template, the caller's fields and their
 * decoded text, and the caller's message buffer. Each format's render state
 * holds one; the template and fields are borrowed for the render.
 */
struct tmpl_job {
    const struct tmpl *t;                      /* the template */
    const struct tmpl_fields *in;              /* caller's fields */
    uint32_t cps[FIELD_COUNT][TMPL_MAX_FIELD]; /* decoded fields */
    size_t ncps[FIELD_COUNT];                  /* code points per field */
    char *err;                                 /* caller's message buffer */
    size_t errlen;                             /* its size */
};

/* tmpl.h's shared packs of one certificate: packs[f] is face f's (n = 0 when it draws none). */
struct tmpl_fonts {
    struct font_pack packs[FONT_MAX_FACES]; /* owned; Unicode cmaps (font_pack_build_unicode) */
};

/*
 * packs.c: builds the packs of the job's document into packs (zeroed by the
 * caller), one per face that draws some of its characters: the base's
 * characters first, then the others ascending; with Unicode cmaps when
 * unicode is 1 (font_pack_build_unicode), else GBK user-area ones
 * (font_pack_build_on). On failure the packs built so far stay for the
 * caller to free. Returns 0, TMPL_EGLYPH (err names the field and the code
 * point), TMPL_EFIELD (too many distinct characters), TMPL_EPDF or ENOMEM.
 */
int tmpl_job_packs(struct tmpl_job *job, int unicode, struct font_pack packs[FONT_MAX_FACES]);

/*
 * Starts a render: err emptied, then j set to t, f, err and f's fields decoded
 * (tmpl_fields_decode). j NULL (its render state could not be allocated)
 * gives ENOMEM after emptying err. Returns 0, ENOMEM or TMPL_EFIELD.
 */
int tmpl_job_start(struct tmpl_job *j, const struct tmpl *t, const struct tmpl_fields *f, char *err,
                   size_t errlen);

/*
 * The outcome of building a face's per-document subset (at path) as the
 * render's code, for both formats: 0 stays 0; E2BIG (more distinct
 * characters than a subset holds) is TMPL_EFIELD, "fields: too many distinct
 * characters" in j's err; anything else is "<path>: cannot subset" in j's
 * err and ENOMEM, or fail (the format's own code: TMPL_EPDF, TMPL_EFONT).
 */
int tmpl_job_subset_err(const struct tmpl_job *j, int rc, const char *path, int fail);

/*
 * How one output format draws each kind of directive; ctx is that format's
 * render state. text draws ITEM_TEXT directives (their own text) and
 * ITEM_FIELD ones (the field's decoded text) alike. A NULL member draws
 * nothing of that kind (the OFD has no circles). Each returns 0 or an error
 * (a template code, ENOMEM), its message in the job's err.
 */
typedef int (*tmpl_draw_fn)(void *ctx, const struct item *it);
struct tmpl_painter {
    tmpl_draw_fn rect;                                                            /* ITEM_RECT */
    tmpl_draw_fn line;                                                            /* ITEM_LINE */
    tmpl_draw_fn circle;                                                          /* ITEM_CIRCLE */
    int (*text)(void *ctx, const struct item *it, const uint32_t *cps, size_t n); /* not NULL */
    tmpl_draw_fn photo;                                                           /* ITEM_PHOTO */
    tmpl_draw_fn qr;                                                              /* ITEM_QR */
    tmpl_draw_fn seal;                                                            /* ITEM_SEAL */
};

/*
 * Draws j's template's directives in template order with p on ctx (ITEM_CHARSET
 * draws nothing); stops at the first failure. Returns 0 or that failure.
 */
int tmpl_paint(const struct tmpl_job *j, const struct tmpl_painter *p, void *ctx);

/* How a line of text sits in its directive's box (tmpl_text_fit). */
struct tmpl_text_fit {
    double size;    /* font size, pt: the item's, or less (not below min_size) to fit */
    double spacing; /* extra space after each character, pt: the item's, 0 once shrunk */
    double indent;  /* pt from the box's left edge to the text's, for the item's alignment */
};

/* Width in pt of n characters at size (pt) with spacing (pt) between them, as a format
 * measures them; ctx is the format's render state. */
typedef double (*tmpl_width_fn)(const void *ctx, const uint32_t *cps, size_t n, double size,
                                double spacing);

/*
 * Fits n > 0 characters into the box of it, boxw points wide: at the item's size
 * and spacing when they fit, else without spacing and shrunk in proportion
 * (not below min_size), then aligned as the item says. The one text rule of
 * the PDF and the OFD.
 */
struct tmpl_text_fit tmpl_text_fit(const struct item *it, double boxw, const uint32_t *cps,
                                   size_t n, tmpl_width_fn width, const void *ctx);

/* Parses the template text (path for messages) into t, whose fonts are still to be built. */
int tmpl_parse(struct tmpl *t, const char *path, char *text, char *err, size_t errlen);
/* Builds the static packs and the static character table from t's items. */
int tmpl_build_static(struct tmpl *t, const char *path, char *err, size_t errlen);

/* 0 when the photo is a well-formed JPEG or PNG within TMPL_MAX_PHOTO, else TMPL_EPHOTO. */
int photo_check(const unsigned char *p, size_t len, int *is_png);
/*
 * Fits a checked photo to a box of box_w_mm x box_h_mm: decoded, scaled down to
 * the box at 200 dpi and re-encoded as JPEG within about 22 KB. Returns 0 and
 * a new JPEG in *out (caller frees with free()), or -1 when the original bytes
 * should be used as they are (already within the byte budget, or not
 * decodable here).
 */
int photo_fit(const unsigned char *p, size_t len, int is_png, double box_w_mm, double box_h_mm,
              unsigned char **out, size_t *outlen);

/*
 * Draws text as a QR code (error correction Q; alphanumeric mode when the text
 * allows it, else 8-bit) of side size_pt, lower-left corner at x,y in points,
 * including the white 4-module quiet zone, as filled vector rectangles.
 * Returns 0, TMPL_EQR or TMPL_EPDF.
 */
int qr_draw(HPDF_Page page, const char *text, double x, double y, double size_pt, int *version);

/*
 * The symbol qr_draw draws for text (render_ofd.c draws it into the OFD):
 * a libqrencode QRcode the caller frees with QRcode_free, or NULL (errno
 * ENOMEM when out of memory, else the text cannot be encoded).
 */
QRcode *qr_symbol(const char *text);

/* Level (libdeflate 1-12) of each certificate's own streams; static fonts use 12, once. */
#define TMPL_DEFLATE_LEVEL 3
/* Bytes tmpl_deflate_raw may need for len bytes of input. */
size_t tmpl_deflate_raw_bound(size_t len);
/*
 * Compresses len bytes at level into cap bytes at out as raw deflate (RFC 1951,
 * its last block final), with this thread's compressor: 0 and *outlen, ENOMEM
 * or EIO (out too small).
 */
int tmpl_deflate_raw(const unsigned char *in, size_t len, int level, unsigned char *out, size_t cap,
                     size_t *outlen);
/* A stream dictionary's write_fn that declares its bytes already deflated. */
HPDF_STATUS tmpl_write_flate_filter(HPDF_Dict obj, HPDF_Stream s);
/*
 * Deflates, in place, every stream of pdf that libharu would deflate on
 * saving, and marks each as already deflated. Call just before saving.
 * Returns 0, ENOMEM, EIO or EFBIG.
 */
int tmpl_deflate_doc(HPDF_Doc pdf, int level);

/*
 * Deflates the image data of the PNG that png holds (and nothing else) again
 * at libdeflate's level 12, as one IDAT in the place of libpng's; the pixels,
 * filters and other chunks are kept (png_pack.c). For pictures made once and
 * stored many times: it costs tens of milliseconds. png is left as it was
 * when libpng's data is already as small.
 * Returns 0, EINVAL (not a non-interlaced PNG this can read; png unchanged),
 * ENOMEM, EIO or EFBIG (png unchanged).
 */
int tmpl_png_repack(struct jp_buf *png);

#endif
