/*
 * internal.h - private to pdf/: the parsed view of the document being signed,
 * shared by the reader (reader.c), which fills it, and the writer (writer.c),
 * which copies the catalog's and the first page's entries into the update.
 * Every offset is an offset into the caller's PDF bytes (doc->buf); nothing
 * here owns memory but the struct pdfdoc itself.
 */
#ifndef JP_PDF_INTERNAL_H
#define JP_PDF_INTERNAL_H

#include <stddef.h>

#include "pdf.h"

#define PDF_MAX_DICT 64     /* entries of one dictionary we keep */
#define PDF_MAX_SECTIONS 64 /* xref sections along the /Prev chain */

/*
 * Writes a reason into (err, errlen) with jp_errf, the one formatter of
 * reasons, and yields rc: `rc = PDF_FAIL(err, errlen, PDF_EFORMAT, "...")`.
 * An expression; it hides no return or goto.
 */
#define PDF_FAIL(err, errlen, rc, ...) (jp_errf((err), (errlen), __VA_ARGS__), (rc))

enum tok_type {
    TOK_EOF,
    TOK_INT,
    TOK_REAL,
    TOK_NAME,
    TOK_STRING,
    TOK_HEXSTR,
    TOK_DICT_OPEN,
    TOK_DICT_CLOSE,
    TOK_ARRAY_OPEN,
    TOK_ARRAY_CLOSE,
    TOK_KEYWORD,
    TOK_REF, /* "N G R"; produced by value parsing, never by the lexer */
};

struct dent {
    size_t kstart, kend; /* key, including its '/' */
    size_t vstart, vend; /* the whole value */
    enum tok_type vtype; /* first token's type, or TOK_REF */
};

struct dict {
    struct dent e[PDF_MAX_DICT]; /* top-level entries in file order */
    size_t n;                    /* entries used */
};

struct ref {
    long num; /* object number, 1..MAX_OBJNUM */
    long gen; /* generation, 0..MAX_GEN */
};

struct pdfdoc {
    const unsigned char *buf;          /* the original PDF; not owned */
    size_t len;                        /* its length */
    char *err;                         /* caller's message buffer, may be NULL */
    size_t errlen;                     /* its size */
    size_t sections[PDF_MAX_SECTIONS]; /* xref section offsets, newest first */
    size_t nsections;                  /* sections used */
    struct dict trailer;               /* the newest trailer */
    struct dict catalog;               /* the catalog dictionary */
    struct dict page;                  /* the first page's dictionary */
    struct dict scratch;               /* intermediate page-tree nodes */
    struct ref root;                   /* the catalog's reference */
    struct ref pageref;                /* the first page's reference */
    long size;                         /* the trailer's /Size */
    int signed_ok;                     /* 1: an /AcroForm (a signed file) is accepted */
};

/*
 * Reads doc->buf (doc->len bytes): the xref chain, the newest trailer, the
 * catalog and the first page; refuses what cannot be updated. Returns 0,
 * PDF_EFORMAT or PDF_EUNSUPPORTED with a reason in doc->err.
 */
int pdf_doc_load(struct pdfdoc *doc);

/* Whether the key of e is /name. */
int pdf_key_is(const struct pdfdoc *doc, const struct dent *e, const char *name);

/* The entry /key of d, or NULL. The entry lives in d. */
const struct dent *pdf_dict_get(const struct pdfdoc *doc, const struct dict *d, const char *key);

/*
 * Finds the span between the brackets of an array value, direct or through one
 * indirect reference: [*start, *end). Returns 0 or PDF_EFORMAT (what names the
 * value in the reason).
 */
int pdf_array_inner(struct pdfdoc *doc, const struct dent *e, const char *what, size_t *start,
                    size_t *end);

/*
 * Reads a dictionary value, direct or through one indirect reference, into d
 * (its entries point into doc->buf). Returns 0 or PDF_EFORMAT.
 */
int pdf_dict_value(struct pdfdoc *doc, const struct dent *e, const char *what, struct dict *d);

/* Appends the entries of d except those named in skip (NULL-terminated); writer.c. */
int pdf_put_entries(struct jp_buf *out, const struct pdfdoc *doc, const struct dict *d,
                    const char *const *skip);
/* "num gen obj <<" for ref and the entries of d except those in skip; writer.c. */
int pdf_put_obj_head(struct jp_buf *out, const struct pdfdoc *doc, const struct ref *ref,
                     const struct dict *d, const char *const *skip);
/* " /key [" the array's inner bytes doc->buf[start, end) " num 0 R]": one reference added. */
int pdf_put_array_plus(struct jp_buf *out, const struct pdfdoc *doc, const char *key,
                       size_t start, size_t end, long num);

#define BR_WIDTH 34   /* "0 " + three 10-digit numbers and spaces */
#define NEW_OBJECTS 4 /* signature, widget, page, catalog */
#define MAX_OBJECTS (NEW_OBJECTS + 1 + PDF_MAX_DSS_CERTS + PDF_MAX_DSS_CRLS) /* with a DSS */

struct xent {
    long num;   /* object number */
    long gen;   /* generation */
    size_t off; /* offset of "num gen obj" in the output */
};

/* Offsets below are file offsets: out->data + base is the signed PDF's first byte. */
struct layout {
    size_t base;                /* out->len before the call; the PDF starts there */
    size_t br_at;               /* first byte of the /ByteRange placeholder */
    size_t contents_lt;         /* offset of the '<' of /Contents */
    size_t contents_gt;         /* offset after the '>' of /Contents */
    size_t reserve;             /* DER bytes reserved */
    struct xent x[MAX_OBJECTS]; /* the new objects and where they start */
    size_t nx;                  /* objects in x: NEW_OBJECTS and the DSS's */
};

/* The update's shared steps (writer.c), used by pdf_sign and pdf_timestamp. */
/* Bytes of the signed PDF written so far: the current file offset. */
size_t pdf_here(const struct jp_buf *out, const struct layout *lay);
/* Drops what this call appended; out is as the caller passed it. */
void pdf_buf_restore(struct jp_buf *out, size_t base);
/* The xref section for lay's objects (sorted into runs) and the trailer. */
int pdf_put_xref_trailer(struct jp_buf *out, const struct pdfdoc *doc, struct layout *lay);
/* The update's end: the catalog by put_catalog (lay->x[3], its offset set here), xref, trailer. */
int pdf_end_update(struct jp_buf *out, struct pdfdoc *doc, struct layout *lay,
                   int (*put_catalog)(struct jp_buf *, struct pdfdoc *, const struct layout *));
/* What one kind of update (a signature, a document time-stamp) writes. */
struct pdf_update_kind {
    const char *what; /* "signed", "time-stamped": for messages */
    int signed_ok;    /* 1: the input may be signed already (has an /AcroForm) */
    /* Appends the original bytes and the update (placeholders in lay). */
    int (*write)(struct pdfdoc *doc, const struct pdf_signer *s, const void *arg,
                 struct jp_buf *out, struct layout *lay);
    const void *arg; /* passed to write */
};
/*
 * Loads pdf, writes kind's update into out, fills /ByteRange and has
 * signer->sign make /Contents; out keeps its length on any error. The
 * arguments are checked by the caller (pdf_check_args).
 */
int pdf_update(const unsigned char *pdf, size_t len, const struct pdf_signer *signer,
               const struct pdf_update_kind *kind, struct jp_buf *out, char *err, size_t errlen);
/*
 * Sets lay's four objects (new signature and widget numbers, the first page,
 * the catalog) and appends the original bytes (and a newline when they end
 * without one); lay->x[0].off is where the update starts.
 */
int pdf_begin_update(const struct pdfdoc *doc, struct jp_buf *out, struct layout *lay);
/* " /ByteRange [...] /Contents <00...>": fixed-width placeholders, their offsets in lay. */
int pdf_put_placeholders(struct jp_buf *out, struct layout *lay);
/* Checks pdf_sign's arguments: buffers, input size, reservation, texts, DSS. */
int pdf_check_args(const unsigned char *pdf, size_t len, const struct pdf_signer *s,
                   const struct jp_buf *out, char *err, size_t errlen);
/* The first page again, its /Annots with the widget lay->x[1] added. */
int pdf_put_page_object(struct jp_buf *out, struct pdfdoc *doc, const struct layout *lay);
/* "N 0 obj << /Type /type /Filter /Adobe.PPKLite /SubFilter /subfilter" and the placeholders. */
int pdf_put_sig_head(struct jp_buf *out, struct layout *lay, const char *type,
                     const char *subfilter);
/*
 * The widget lay->x[1] of the signature field named field (a PDF string
 * without parentheses) and the first page with it; sets both offsets in lay.
 */
int pdf_put_widget_page(struct jp_buf *out, struct pdfdoc *doc, struct layout *lay,
                        const char *field);
/* Writes the final /ByteRange into its placeholder, space padded. */
int pdf_patch_byterange(struct jp_buf *out, const struct layout *lay, char *err, size_t errlen);
/* Calls the signer over the two ranges and writes its DER into /Contents. */
int pdf_sign_ranges(struct jp_buf *out, const struct pdf_signer *s, const struct layout *lay,
                    char *err, size_t errlen);

/* The DSS of the update (dss.c). */
/* Checks the signer's DSS items against the bounds. Returns 0 or PDF_EINVAL. */
int pdf_dss_check(const struct pdf_signer *s, char *err, size_t errlen);
/* Objects the DSS adds: 0 without items, else the dictionary and one per item. */
size_t pdf_dss_objects(const struct pdf_signer *s);
/*
 * Appends the DSS dictionary as object first and its streams as the objects
 * after it; offs[0..pdf_dss_objects(s)-1] get their offsets (out->len - base).
 */
int pdf_dss_put(struct jp_buf *out, size_t base, long first, const struct pdf_signer *s,
                size_t *offs);

#endif
