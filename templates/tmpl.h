/*
 * tmpl.h - the certificate PDF: a template read at run time (page, fonts,
 * static texts, field boxes, QR code, photo, border and seal artwork; format in
 * templates/certificate.tmpl and docs/fonts.md) and the rendering of one
 * holder's certificate into an unsigned PDF (A4, embedded subset fonts, vector
 * QR code, compressed streams). templates/ knows PDF layout and nothing about
 * storage or keys; signing is templates/pdfsign's business.
 *
 * Errors: 0 on success, an enum tmpl_err value for template or input
 * failures, or a positive errno (ENOMEM, ...). tmpl_strerror() names any of
 * them; extra context goes into the caller's err buffer (errlen bytes,
 * always NUL-terminated when errlen > 0) and never contains personal data:
 * a field is named by its field name, a character by its code point number.
 *
 * Thread-safety: a loaded template is immutable; any number of threads may
 * call tmpl_render on the same template at once.
 */
#ifndef JP_TMPL_H
#define JP_TMPL_H

#include <stddef.h>
#include <time.h>

#include "util.h"

#define TMPL_MAX_FIELD 256           /* code points in one text field */
#define TMPL_MAX_QR 1024             /* bytes of qr_text */
#define TMPL_MAX_PHOTO (200u * 1024) /* bytes of a photo */
#define TMPL_MAX_PDF (8u << 20)      /* bytes of a rendered PDF */

enum tmpl_err {
    TMPL_ESYNTAX = 3100, /* template malformed; err holds "FILE:LINE: reason" */
    TMPL_EFONT,          /* a template font cannot be read or used */
    TMPL_EGLYPH,         /* no configured font has a character of a field */
    TMPL_EPHOTO,         /* photo not a valid JPEG/PNG, or over TMPL_MAX_PHOTO */
    TMPL_EFIELD,         /* a field is missing, not UTF-8, has control characters or is too long */
    TMPL_EQR,            /* qr_text cannot be encoded */
    TMPL_EPDF,           /* libharu failed */
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
};

/* An immutable, loaded template. */
struct tmpl;

/*
 * Parses the template file at path and opens its fonts (kept until
 * tmpl_free). On success *out is a new template the caller frees with
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

/* A static, lowercase description of any code tmpl_* returns. */
const char *tmpl_strerror(int code);

/* ===================================================== signing (pdfsign.c) */
/*
 * a PAdES signature for a PDF that libharu wrote, added as an
 * incremental update: the original bytes stay as they are, and a new section
 * appends the signature dictionary, a signature field with its widget, new
 * versions of the first page (/Annots) and of the catalog (/AcroForm), a
 * classic cross-reference table and a trailer. The signature value itself is
 * made by a caller's callback (the keys module), so this file knows PDF syntax
 * and nothing about keys: it computes the /ByteRange, hands the signed byte
 * ranges to the callback and writes the returned CMS DER into /Contents.
 *
 * Accepted input: a PDF with classic (uncompressed) cross-reference tables and
 * trailers, uncompressed catalog and page dictionaries, no encryption and no
 * existing /AcroForm. Anything else is refused with TMPL_SIGN_EUNSUPPORTED.
 */
/* Bounds. */
#define TMPL_SIGN_MAX_PDF (64u * 1024u * 1024u) /* larger inputs: TMPL_SIGN_EINVAL */
#define TMPL_SIGN_DEFAULT_CONTENTS 6144u        /* DER bytes reserved when 0 is given */
#define TMPL_SIGN_MIN_CONTENTS 256u             /* smallest reservation accepted */
#define TMPL_SIGN_MAX_CONTENTS (256u * 1024u)   /* largest reservation accepted */
#define TMPL_SIGN_MAX_TEXT 256u                 /* bytes of UTF-8 in /Reason, /Location */

/*
 * Errors. Functions return 0, one of these, or a positive errno value
 * (ENOMEM; EFBIG when the output buffer's bound is hit). The values lie above
 * any errno so that both fit in one int.
 */
enum tmpl_sign_error {
    TMPL_SIGN_EFORMAT = 20001, /* not a PDF, or its structure is broken (details in err) */
    TMPL_SIGN_EUNSUPPORTED,    /* a valid PDF using a feature this signer refuses */
    TMPL_SIGN_EINVAL,          /* bad argument: options, text, sizes */
    TMPL_SIGN_ESIGNER,         /* the signer callback failed (its message in err) */
    TMPL_SIGN_ETOOBIG,         /* the signature DER is larger than the reserved space */
};

/*
 * One signed byte range. data points into the PDF being built and is valid
 * only during the sign callback.
 */
struct tmpl_range {
    const unsigned char *data; /* first byte of the range */
    size_t len;                /* bytes in the range */
};

/*
 * Who signs and how. The callbacks are called at most once per
 * tmpl_sign_pdf() call.
 */
struct tmpl_signer {
    /*
     * Makes a CMS detached SignedData (DER) over the concatenation of the
     * nranges ranges (always 2). On success returns 0 and sets *der, *derlen;
     * the DER belongs to the callback's side and is handed back through
     * free_der. On failure returns non-zero and may write a lowercase message
     * into err (errlen bytes, NUL-terminated); *der is not used.
     */
    int (*sign)(void *ctx, const struct tmpl_range *ranges, size_t nranges, unsigned char **der,
                size_t *derlen, char *err, size_t errlen);
    /*
     * Releases a DER returned by sign; called exactly once after each
     * successful sign, also when the DER is then refused. May be NULL when the
     * DER needs no release.
     */
    void (*free_der)(void *ctx, unsigned char *der);
    void *ctx;            /* passed to both callbacks */
    time_t signing_time;  /* written as /M (D:YYYYMMDDHHmmSSZ), UTC */
    const char *reason;   /* UTF-8 /Reason, or NULL for none; at most TMPL_SIGN_MAX_TEXT */
    const char *location; /* UTF-8 /Location, or NULL for none; same bound */
    size_t contents_size; /* DER bytes reserved in /Contents; 0 = TMPL_SIGN_DEFAULT_CONTENTS */
};

/*
 * Signs pdf (len bytes, not modified, not inside out) with one signature whose
 * /ByteRange covers the whole signed file but the /Contents hex string, and
 * appends the signed file to out: the original bytes, then the update. out
 * is initialised with jp_buf_init() (its max bounds the output; the caller
 * owns it and releases it with jp_buf_free()); on any error it keeps its
 * previous length, as tmpl_render() does. err (errlen bytes, may be NULL)
 * receives a lowercase message naming what is wrong; it never quotes document
 * text.
 * Returns 0, TMPL_SIGN_EFORMAT, TMPL_SIGN_EUNSUPPORTED, TMPL_SIGN_EINVAL,
 * TMPL_SIGN_ESIGNER, TMPL_SIGN_ETOOBIG, ENOMEM or EFBIG.
 */
int tmpl_sign_pdf(const unsigned char *pdf, size_t len, const struct tmpl_signer *signer,
                  struct jp_buf *out, char *err, size_t errlen);

/*
 * A static English description of a code returned by tmpl_sign_pdf(); errno
 * values are described by strerror(). Never NULL; the caller does not free it.
 */
const char *tmpl_sign_strerror(int rc);

#endif
