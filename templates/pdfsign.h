/*
 * pdfsign.h - a PAdES signature for a PDF that libharu wrote, added as an
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
 * These declarations are meant to be folded into tmpl.h.
 */
#ifndef JP_TMPL_PDFSIGN_H
#define JP_TMPL_PDFSIGN_H

#include <stddef.h>
#include <time.h>

#include "util.h"

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
