/*
 * pdf.h - the pdf module's contract: a bounded reader of PDF structure and an
 * incremental-update writer (PDF 32000-1 §7.5.6) that adds one PAdES signature
 * to a PDF that libharu wrote. The original bytes stay as they are; a new
 * section appends the signature dictionary, a signature field with its widget,
 * new versions of the first page (/Annots) and of the catalog (/AcroForm), a
 * classic cross-reference table and a trailer.
 *
 * The signature value itself is made by a caller's callback (the keys module,
 * through the issuer), so this module knows PDF syntax and nothing about keys
 * or storage: it uses common/ only. It computes the /ByteRange, hands the
 * signed byte ranges to the callback and writes the returned CMS DER into
 * /Contents.
 *
 * Accepted input: a PDF with classic (uncompressed) cross-reference tables and
 * trailers, uncompressed catalog and page dictionaries, no encryption and no
 * existing /AcroForm. Anything else is refused with PDF_EUNSUPPORTED. The
 * reader never reads outside the input and bounds every nesting depth and
 * count, so a hostile or truncated file ends in an error, never a crash.
 *
 * Errors (common/errors.h): 0 on success, a negative enum pdf_err value for
 * a refused document or argument, or a positive errno (ENOMEM; EFBIG when the
 * output buffer's bound is hit). pdf_strerror() names any of them. Extra
 * context goes into the caller's err buffer (errlen bytes, may be NULL when
 * errlen is 0, always NUL-terminated when errlen > 0); it never quotes
 * document text.
 *
 * Thread-safety: no shared state; any number of threads may sign at once.
 */
#ifndef JP_PDF_H
#define JP_PDF_H

#include <stddef.h>
#include <time.h>

#include "errors.h"
#include "util.h"

/* Bounds. */
#define PDF_MAX_INPUT (64u * 1024u * 1024u) /* larger inputs: PDF_EINVAL */
#define PDF_DEFAULT_CONTENTS 6144u          /* DER bytes reserved when 0 is given */
#define PDF_MIN_CONTENTS 256u               /* smallest reservation accepted */
#define PDF_MAX_CONTENTS (256u * 1024u)     /* largest reservation accepted */
#define PDF_MAX_TEXT 256u                   /* bytes of UTF-8 in /Reason, /Location */
#define PDF_MAX_DSS_CERTS 8u                /* certificates a DSS may carry */
#define PDF_MAX_DSS_CRLS 4u                 /* CRLs a DSS may carry */
#define PDF_MAX_DSS_ITEM (256u * 1024u)     /* bytes of one DER certificate or CRL */

/* The module's codes: JP_ERR_PDF_BASE, JP_ERR_PDF_BASE + 1, ... (disjoint from errno). */
enum pdf_err {
    PDF_EFORMAT = JP_ERR_PDF_BASE,          /* not a PDF, or its structure is broken */
    PDF_EUNSUPPORTED = JP_ERR_PDF_BASE + 1, /* a valid PDF using a feature this writer refuses */
    PDF_EINVAL = JP_ERR_PDF_BASE + 2,       /* bad argument: options, text, sizes */
    PDF_ESIGNER = JP_ERR_PDF_BASE + 3,      /* the signer callback failed (its message in err) */
    PDF_ETOOBIG = JP_ERR_PDF_BASE + 4,      /* the signature DER is larger than the reservation */
};

/*
 * Who signs and how. The callbacks are called at most once per pdf_sign()
 * call.
 */
struct pdf_signer {
    /*
     * Makes a CMS detached SignedData (DER) over the concatenation of the
     * nranges ranges (always 2). The spans point into the PDF being built and
     * are valid only during the call. On success returns 0 and sets *der,
     * *derlen; the DER belongs to the callback's side and is handed back
     * through free_der. On failure returns non-zero and may write a lowercase
     * message into err (errlen bytes, NUL-terminated); *der is not used.
     */
    int (*sign)(void *ctx, const struct jp_span *ranges, size_t nranges, unsigned char **der,
                size_t *derlen, char *err, size_t errlen);
    /*
     * Releases a DER returned by sign; called exactly once after each
     * successful sign, also when the DER is then refused. May be NULL when the
     * DER needs no release.
     */
    void (*free_der)(void *ctx, unsigned char *der);
    void *ctx;            /* passed to both callbacks; not owned */
    time_t signing_time;  /* written as /M (D:YYYYMMDDHHmmSSZ), UTC */
    const char *reason;   /* UTF-8 /Reason, or NULL for none; at most PDF_MAX_TEXT */
    const char *location; /* UTF-8 /Location, or NULL for none; same bound */
    size_t contents_size; /* DER bytes reserved in /Contents; 0 = PDF_DEFAULT_CONTENTS */
    /*
     * The Document Security Store (PAdES B-LT): DER certificates (the signing
     * chain) and CRLs written as /DSS /Certs and /CRLs into the signed update,
     * so they are covered by the signature. Borrowed for the call; none
     * (both counts 0) writes no /DSS.
     */
    const struct jp_span *dss_certs; /* ndss_certs items, at most PDF_MAX_DSS_CERTS */
    size_t ndss_certs;
    const struct jp_span *dss_crls; /* ndss_crls items, at most PDF_MAX_DSS_CRLS */
    size_t ndss_crls;
    int dss_deflated; /* 1: every DSS span is zlib data (RFC 1950) of its DER, written as a
                         /FlateDecode stream; 0: the DER as it is */
};

/*
 * Signs pdf (len bytes, not modified, not inside out) with one signature whose
 * /ByteRange covers the whole signed file but the /Contents hex string, and
 * appends the signed file to out: the original bytes, then the update. out is
 * initialised with jp_buf_init() (its max bounds the output; the caller owns
 * it and releases it with jp_buf_free()); on any error it keeps its previous
 * length. Nothing of pdf or signer is kept after the call.
 * Returns 0, PDF_EFORMAT, PDF_EUNSUPPORTED, PDF_EINVAL, PDF_ESIGNER,
 * PDF_ETOOBIG, ENOMEM or EFBIG.
 */
int pdf_sign(const unsigned char *pdf, size_t len, const struct pdf_signer *signer,
             struct jp_buf *out, char *err, size_t errlen);

/*
 * Adds a document time-stamp (PAdES, ETSI EN 319 142-1 §5.4; PDF 2.0
 * §12.8.5) to a PDF that pdf_sign signed: an incremental update with a
 * signature dictionary /Type /DocTimeStamp /SubFilter /ETSI.RFC3161, its
 * field and widget (added to the existing /AcroForm's /Fields and the first
 * page's /Annots) and a new catalog; the earlier revisions, their signature
 * and /DSS stay byte for byte. signer->sign is called once over the two
 * ranges of the new /ByteRange, which cover the whole file including the
 * earlier signature, and must return a DER RFC 3161 TimeStampToken over
 * their SHA-256; only sign, free_der, ctx and contents_size are used. out as
 * for pdf_sign. Returns the same codes as pdf_sign; PDF_EUNSUPPORTED also
 * when the catalog has no /AcroForm with /Fields (the file is not signed).
 */
int pdf_timestamp(const unsigned char *pdf, size_t len, const struct pdf_signer *signer,
                  struct jp_buf *out, char *err, size_t errlen);

/*
 * A static lowercase description of a code returned by this module:
 * "success" for 0, strerror() for errno values, "unknown error" for codes of
 * no one. Never NULL; the caller does not free it.
 */
const char *pdf_strerror(int code);

#endif
