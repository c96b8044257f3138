/*
 * tmpl.h - the certificate PDF: a template read at run time (page, fonts,
 * static texts, field boxes, QR code, photo, border and seal artwork; format in
 * data/certificate.tmpl and docs/fonts.md) and the rendering of one
 * holder's certificate into an unsigned PDF (A4, embedded subset fonts, vector
 * QR code, compressed streams). templates/ knows PDF layout and nothing about
 * storage or keys; signing the rendered PDF is pdf/pdf.h's business.
 *
 * Errors (common/errors.h): 0 on success, a negative enum tmpl_err value for
 * template or input failures, or a positive errno (ENOMEM, ...).
 * tmpl_strerror() names any of them; extra context goes into the caller's err
 * buffer (errlen bytes, always NUL-terminated when errlen > 0) and never
 * contains personal data: a field is named by its field name, a character by
 * its code point number.
 *
 * Thread-safety: a loaded template is immutable; any number of threads may
 * call tmpl_render on the same template at once.
 */
#ifndef JP_TMPL_H
#define JP_TMPL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "errors.h"
#include "util.h"

#define TMPL_MAX_FIELD 256           /* code points in one text field */
#define TMPL_MAX_QR 1024             /* bytes of qr_text */
#define TMPL_MAX_PHOTO (200u * 1024) /* bytes of a photo */
#define TMPL_MAX_PDF (8u << 20)      /* bytes of a rendered PDF */

/* The module's codes: JP_ERR_TMPL_BASE, JP_ERR_TMPL_BASE + 1, ... (disjoint from errno). */
enum tmpl_err {
    TMPL_ESYNTAX = JP_ERR_TMPL_BASE,    /* template malformed; err holds "FILE:LINE: reason" */
    TMPL_EFONT = JP_ERR_TMPL_BASE + 1,  /* a template font cannot be read or used */
    TMPL_EGLYPH = JP_ERR_TMPL_BASE + 2, /* no configured font has a character of a field */
    TMPL_EPHOTO = JP_ERR_TMPL_BASE + 3, /* photo not a valid JPEG/PNG, or over TMPL_MAX_PHOTO */
    TMPL_EFIELD = JP_ERR_TMPL_BASE + 4, /* a field missing, too long, bad UTF-8 or controls */
    TMPL_EQR = JP_ERR_TMPL_BASE + 5,    /* qr_text cannot be encoded */
    TMPL_EPDF = JP_ERR_TMPL_BASE + 6,   /* libharu failed */
};

/* The texts of one certificate, UTF-8, NUL-terminated; the caller keeps ownership. */
struct tmpl_fields {
    const char *name;           /* holder's name, e.g. 张三丰 */
    const char *gender;         /* 男 or 女 */
    const char *id_number;      /* full ID number */
    const char *position;       /* position name, e.g. 施工员（土建施工） */
    const char *certificate_no; /* 18-character certificate number */
    const char *institution;    /* training institution's name */
    const char *authority;      /* issuing authority, also written in the seal */
    const char *issue_date;     /* display form, e.g. 2023年08月18日 */
    const char *elicence_id;    /* GB/T 36904 e-licence identifier */
    const char *qr_text;        /* URL for the QR code */
    const unsigned char *photo; /* JPEG or PNG bytes, or NULL for none */
    size_t photo_len;           /* bytes at photo */
    /* tmpl_fonts_make's subsets for these fields, or NULL: a render builds its own */
    const struct tmpl_fonts *fonts;
};

/* An immutable, loaded template. */
struct tmpl;

/* The font subsets of one certificate, shared by its PDF and its OFD (tmpl_fonts_make). */
struct tmpl_fonts;

/*
 * Parses the template file at path and opens its fonts (kept until
 * tmpl_free; their files' pages it read are dropped again, as by
 * tmpl_release_pages, before it returns). On success *out is a new template the caller frees with
 * tmpl_free. Returns 0, TMPL_ESYNTAX ("FILE:LINE: reason" in err), TMPL_EFONT
 * (font unreadable or unusable, with file:line), ENOMEM or an errno of
 * reading the file; *out is NULL on failure.
 */
int tmpl_load(const char *path, struct tmpl **out, char *err, size_t errlen);

/* Frees a template and its fonts. NULL-safe. */
void tmpl_free(struct tmpl *t);

/*
 * Drops this process's resident pages of the template's font files (they stay
 * in the page cache and fault back in when needed): a long-running issuer calls
 * it between batches so that its resident set does not keep every page that
 * rare characters ever touched. Safe at any time, also during renders: the
 * mappings are read-only views of unchanged files, so pages are only re-read.
 */
void tmpl_release_pages(const struct tmpl *t);

/*
 * Renders one certificate and appends the PDF bytes to pdf_out (which the
 * caller owns and frees; its bound limits the PDF size). On failure pdf_out
 * keeps its previous length. Returns 0, TMPL_EFIELD, TMPL_EGLYPH (err names
 * the field and the code point), TMPL_EPHOTO, TMPL_EQR, TMPL_EPDF, ENOMEM or
 * EFBIG (pdf_out's bound).
 */
int tmpl_render(const struct tmpl *t, const struct tmpl_fields *f, struct jp_buf *pdf_out,
                char *err, size_t errlen);

/*
 * Builds the font subsets that every character of f needs (one per face,
 * Unicode cmaps) once, for tmpl_render and tmpl_render_ofd of the same
 * fields to share through f->fonts instead of each building its own of the
 * same face (issue 15). f->fonts is ignored. On success *out is the caller's,
 * freed with tmpl_fonts_free after both renders; it borrows nothing from f.
 * Returns 0, or what tmpl_render would for these fields before drawing
 * (TMPL_EFIELD, TMPL_EGLYPH, TMPL_EPDF, ENOMEM) with *out NULL.
 */
int tmpl_fonts_make(const struct tmpl *t, const struct tmpl_fields *f, struct tmpl_fonts **out,
                    char *err, size_t errlen);
/* Frees what tmpl_fonts_make made. NULL-safe. */
void tmpl_fonts_free(struct tmpl_fonts *fs);

/* --- OFD (SPEC §11; templates/render_ofd.c) ------------------------------ */

struct ofd_stamp;

/*
 * Renders the same certificate as tmpl_render into a sealed one-page OFD
 * package (ofd/ofd.h, docs/ofd.md) appended to out: the template's frame,
 * texts, fields, photo and QR (vector), fonts embedded as HarfBuzz subsets of
 * the faces the PDF uses. stamp gives the seal, time and signer (its signer's
 * sign is called once); its box is replaced by the template's seal circle,
 * or the page's lower right corner when the template has no seal. doc_id is
 * 32 lower-case hex digits.
 * Returns 0, the errors of tmpl_render (TMPL_EFIELD, TMPL_EGLYPH, TMPL_EPHOTO,
 * TMPL_EQR, TMPL_EFONT), or ofd_write's (OFD_*, ENOMEM, EFBIG) with the reason
 * in err; out keeps its length on failure.
 */
int tmpl_render_ofd(const struct tmpl *t, const struct tmpl_fields *f,
                    const struct ofd_stamp *stamp, const char *doc_id, struct jp_buf *out,
                    char *err, size_t errlen);

/*
 * The picture of the template's seal for the electronic seal (SES_Seal): a
 * transparent PNG in the seal's colour of what the PDF draws (rim, star,
 * authority, UTF-8, along the arc, the label below), appended to png;
 * *side_mm gets its printed size (a template without a seal gets a red one of
 * 40 mm without label). Returns 0, TMPL_EFIELD (authority not UTF-8),
 * TMPL_EGLYPH (no face has one of its characters), ENOMEM, EIO or EFBIG.
 */
int tmpl_seal_png(const struct tmpl *t, const char *authority, struct jp_buf *png,
                  unsigned *side_mm);
/*
 * Whether every character of the NUL-terminated UTF-8 text can be drawn by one
 * of the template's faces, as tmpl_render decides (a field holding it would
 * fail with TMPL_EGLYPH). Returns 0; TMPL_EGLYPH with the first character no
 * face has in *cp; TMPL_EFIELD for text tmpl_render refuses (not UTF-8, a
 * control character, over TMPL_MAX_FIELD code points). *cp is 0 unless
 * TMPL_EGLYPH. Safe from any thread, like tmpl_render.
 */
int tmpl_drawable(const struct tmpl *t, const char *text, uint32_t *cp);

/* A static, lowercase description of any code tmpl_* returns. */
const char *tmpl_strerror(int code);

#endif
