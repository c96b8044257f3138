/*
 * ofd.h - the ofd module's contract (SPEC §11): an OFD package writer
 * (GB/T 33190-2016) for a one-page document given as a small drawing model,
 * the electronic seal of GB/T 38540-2020 (SES_Seal and SES_Signature,
 * version 4, DER from OpenSSL ASN.1 templates), and a bounded reader that
 * verifies a sealed package.
 *
 * The package (docs/ofd.md has an annotated example):
 *   OFD.xml                          DocBody: DocInfo, DocRoot, Signatures
 *   Doc_0/Document.xml               CommonData (page area, resources), Pages
 *   Doc_0/PublicRes.xml              Fonts (embedded TrueType files)
 *   Doc_0/DocumentRes.xml            MultiMedias (images)
 *   Doc_0/Res/font_N.ttf, image_N.*  the font and image files
 *   Doc_0/Pages/Page_0/Content.xml   one layer: paths, images, text
 *   Doc_0/Signs/Signatures.xml       the one signature, Type="Seal"
 *   Doc_0/Signs/Sign_0/Signature.xml SignedInfo: References (SM3, base64) of
 *                                    every file above, StampAnnot
 *   Doc_0/Signs/Sign_0/SignedValue.dat  the SES_Signature (DER), which holds
 *                                    the SES_Seal
 * (ofdrw also writes the SES_Seal beside it as Doc_0/Signs/Sign_0/Seal.esl,
 * named by a Seal element of Signature.xml: ofd_stamp.seal_file; the reader
 * accepts both.)
 * The structures and their use follow ofdrw (ofdrw-gm ses/v4, ofdrw-sign
 * OFDSigner and SESV4Container): dataHash is SM3 of Signature.xml,
 * propertyInfo its absolute path, the seal maker signs DER(SES_SealInfo).
 *
 * Signatures are made and checked by the caller's callbacks (the keys module
 * through the issuer or verifier): this module knows no keys and no store. It
 * uses common/, libzip, libxml2 and OpenSSL's ASN.1 and SM3.
 *
 * Errors (common/errors.h): 0, a negative enum ofd_err, or a positive errno
 * (ENOMEM; EFBIG when an output bound is hit). ofd_strerror() names them.
 * Where err/errlen is taken, a lowercase message goes there on failure (err
 * may be NULL when errlen is 0); it never quotes document text.
 *
 * Thread-safety: no shared state; the module may be used from any number of
 * threads at once (libxml2 and libzip are used per call) once ofd_global_init()
 * has run.
 */
#ifndef JP_OFD_H
#define JP_OFD_H

#include <stddef.h>
#include <time.h>

#include "errors.h"
#include "util.h"

/* Bounds of the writer. */
#define OFD_MAX_FONTS 8            /* fonts a document may embed */
#define OFD_MAX_OBJECTS 16384      /* texts + paths + images of the page */
#define OFD_MAX_TEXT 4096          /* bytes of UTF-8 in one text run */
#define OFD_MAX_OUTPUT (32u << 20) /* bytes of a written package */
#define OFD_SIG_MAX 128            /* bytes of a signature a signer may return */
#define OFD_CERT_MAX (64u << 10)   /* bytes of a certificate's DER */
/* Bounds of the reader: anything past them is refused, never read. */
#define OFD_MAX_INPUT (32u << 20) /* bytes of a package */
#define OFD_MAX_ENTRIES 256       /* files in a package */
#define OFD_MAX_ENTRY (16u << 20) /* uncompressed bytes of one file */
#define OFD_MAX_TOTAL (64u << 20) /* uncompressed bytes of all files */
#define OFD_MAX_RATIO 100u        /* uncompressed / compressed, for files over 64 KiB */
#define OFD_MAX_XML (2u << 20)    /* bytes of an XML file the reader parses */
#define OFD_MAX_NAME 255          /* bytes of a file name in the package */

/* SM2 with SM3 (GB/T 33560), the only signature algorithm written and accepted. */
#define OFD_OID_SM2_SM3 "1.2.156.10197.1.501"

/* The module's codes: JP_ERR_OFD_BASE, JP_ERR_OFD_BASE + 1, ... */
enum ofd_err {
    OFD_EINVAL = JP_ERR_OFD_BASE,      /* bad argument or drawing model (details in err) */
    OFD_ESIGNER = JP_ERR_OFD_BASE + 1, /* a signer or verifier callback failed */
    OFD_EXML = JP_ERR_OFD_BASE + 2,    /* libxml2 failed to write */
    OFD_EZIP = JP_ERR_OFD_BASE + 3,    /* libzip failed to write */
    OFD_EASN1 = JP_ERR_OFD_BASE + 4,   /* an ASN.1 structure cannot be encoded or decoded */
    OFD_ENOFILE = JP_ERR_OFD_BASE + 5, /* a reference's file is not in the package (ofd_ref_*) */
};

/*
 * Initialises libxml2 (xmlInitParser), whose first use is not thread-safe.
 * Call once from main() before threads use this module; calling it again is
 * harmless. Single-threaded programs may skip it.
 */
void ofd_global_init(void);

/* A static English description of any code these functions return. Never NULL. */
const char *ofd_strerror(int rc);

/* --- The drawing model ----------------------------------------------------
 * Page coordinates are millimetres from the top-left corner, y downwards
 * (OFD's own). Every pointer is borrowed for the duration of the call. */

struct ofd_color {
    unsigned char r, g, b; /* sRGB, 0..255 */
};

struct ofd_font {
    const char *name;   /* FontName, e.g. "AR PL UMing"; ASCII or UTF-8 */
    const char *family; /* FamilyName, may be NULL */
    struct jp_span ttf; /* the TrueType file (a subset) embedded as is */
    struct jp_span z;   /* ttf already deflated (raw, RFC 1951), the ZIP member's data as
                           it is; {NULL, 0}: ofd_write deflates ttf itself */
};

/*
 * One run of text on one baseline: x, y is the origin of the first glyph on
 * the baseline. dx holds the advance from each character (Unicode code point)
 * to the next, in mm, so ndx = code points - 1 (NULL/0: the font's own
 * advances; the Boundary then assumes size per character).
 * text goes into TextCode as Unicode, so readers extract it.
 */
struct ofd_text {
    size_t font;            /* index into ofd_doc.fonts */
    double size;            /* font size, mm */
    double x, y;            /* baseline origin, mm */
    const char *text;       /* UTF-8, 1..OFD_MAX_TEXT bytes, no control characters */
    const double *dx;       /* advances, mm; NULL for size each */
    size_t ndx;             /* entries in dx: 0, or code points - 1 */
    struct ofd_color color; /* fill colour */
};

struct ofd_rect {
    double x, y, w, h; /* mm; w, h > 0 */
};

/* Rectangles drawn as one path: filled (QR modules) or stroked (frames). */
struct ofd_path {
    const struct ofd_rect *rects; /* 1.. rectangles */
    size_t nrects;                /* entries in rects */
    int fill;                     /* 1: fill the rectangles, 0: stroke their outlines */
    double line_width;            /* mm, for strokes */
    struct ofd_color color;       /* fill or stroke colour */
    double unit;                  /* mm, > 0: the rectangles lie on a grid of this step from
                                     the path's corner (the QR's modules), written in steps
                                     with a CTM scaling them: shorter numbers; 0: in mm */
};

struct ofd_image {
    const char *format;  /* "PNG" or "JPEG" */
    struct jp_span data; /* the image file, embedded as is */
    struct ofd_rect box; /* where it is drawn, mm */
};

/* One page, drawn in this order: paths, images, texts (later on top). */
struct ofd_page {
    double width, height;           /* mm, e.g. 210 x 297 */
    const struct ofd_path *paths;   /* may be NULL when npaths is 0 */
    size_t npaths;                  /* entries in paths */
    const struct ofd_image *images; /* may be NULL when nimages is 0 */
    size_t nimages;                 /* entries in images */
    const struct ofd_text *texts;   /* may be NULL when ntexts is 0 */
    size_t ntexts;                  /* entries in texts */
};

struct ofd_doc {
    const char *doc_id;           /* DocID: 32 lower-case hex digits (a UUID without dashes) */
    const char *title;            /* Title, UTF-8, may be NULL */
    const char *creator;          /* Creator, e.g. "Jianpei", may be NULL */
    const char *creation_date;    /* CreationDate, YYYY-MM-DD */
    const struct ofd_font *fonts; /* 1..OFD_MAX_FONTS */
    size_t nfonts;                /* entries in fonts */
    struct ofd_page page;         /* the one page */
};

/* --- Signing ---------------------------------------------------------------- */

/*
 * A signer: SM2 with SM3 and the GM/T 0009 identifier over data[0..len-1],
 * the DER signature written into sig (sigsz = OFD_SIG_MAX bytes), its length
 * in *siglen. Returns 0, or any nonzero value (then err holds the reason);
 * this module then returns OFD_ESIGNER. cert is the signer's certificate DER.
 */
struct ofd_signer {
    int (*sign)(void *ctx, const unsigned char *data, size_t len, unsigned char *sig, size_t sigsz,
                size_t *siglen, char *err, size_t errlen);
    void *ctx;           /* passed to sign; not owned */
    struct jp_span cert; /* the signer's X.509 certificate, DER */
};

/* What the seal maker puts in a seal (SES_SealInfo of GB/T 38540-2020 v4). */
struct ofd_seal_info {
    const char *vid;                    /* SES_Header.vid, the maker's vendor id, IA5 */
    const char *es_id;                  /* esID, the seal's unique id, IA5, 1..64 characters */
    int type;                           /* property.type: 1 official seal (公章) .. */
    const char *name;                   /* property.name, UTF-8, e.g. the authority's name */
    const struct jp_span *signer_certs; /* property.certList (type 1): who may use the seal */
    size_t nsigner_certs;               /* 1..8 entries */
    time_t created;                     /* property.createDate */
    time_t valid_start, valid_end;      /* property.validStart, validEnd */
    const char *picture_type;           /* picture.type: "PNG" (or "SVG", "OFD") */
    struct jp_span picture;             /* picture.data: the seal's image file */
    unsigned width_mm, height_mm;       /* picture.width, height: printed size, mm */
};

/*
 * Makes an electronic seal: SESeal {eSealInfo, cert = maker's certificate,
 * signAlgID = OFD_OID_SM2_SM3, signedValue = maker's signature over
 * DER(eSealInfo)}, appended as DER to out (a seal is made once and used for
 * every document). Returns 0, OFD_EINVAL, OFD_ESIGNER, OFD_EASN1, ENOMEM or
 * EFBIG (out unchanged on error).
 */
int ofd_seal_make(const struct ofd_seal_info *info, const struct ofd_signer *maker,
                  struct jp_buf *out, char *err, size_t errlen);

/* Where and how a document is sealed. */
struct ofd_stamp {
    struct jp_span seal;             /* an SESeal DER from ofd_seal_make() */
    struct ofd_rect box;             /* StampAnnot Boundary: the seal's image on the page */
    time_t when;                     /* timeInfo, SignatureDateTime and the ZIP times */
    const struct ofd_signer *signer; /* signs TBS_Sign; its cert goes into SES_Signature */
    int seal_file; /* 1: also Seal.esl, a copy of the seal (as ofdrw writes it; 12 KB for
                      ours), covered by a Reference; 0: the seal only inside SignedValue.dat */
};

/*
 * Writes a sealed one-page OFD package for doc and appends it to out.
 * Apart from the SM2 signature's randomness the bytes depend only on the
 * arguments. Calls stamp->signer->sign exactly once.
 * Returns 0, OFD_EINVAL, OFD_ESIGNER, OFD_EXML, OFD_EZIP, OFD_EASN1, ENOMEM or
 * EFBIG (out unchanged on error).
 */
int ofd_write(const struct ofd_doc *doc, const struct ofd_stamp *stamp, struct jp_buf *out,
              char *err, size_t errlen);

/* --- Reading and verifying ------------------------------------------------ */

/*
 * A verifier: returns 1 when sig (DER) is a valid SM2-with-SM3 signature
 * (GM/T 0009 identifier) over data under the key of the certificate cert
 * (DER), 0 when it is not, negative when the check could not run. Whether the
 * certificate is trusted is also the callback's to decide (0 when not).
 */
struct ofd_verifier {
    int (*verify)(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                  const unsigned char *sig, size_t siglen);
    void *ctx; /* passed to verify; not owned */
};

enum ofd_verdict {
    OFD_INTACT,     /* every file is covered by the seal, every digest and signature holds */
    OFD_MODIFIED,   /* a digest or a signature fails, or a file is added or missing */
    OFD_NOT_SIGNED, /* not an OFD package, no seal, or a seal this reader cannot read */
};

/* "intact", "modified" or "not_signed"; static, never NULL. */
const char *ofd_verdict_name(enum ofd_verdict v);

struct ofd_report {
    enum ofd_verdict verdict;  /* always set when ofd_verify() returns 0 */
    char reason[256];          /* why, for MODIFIED and NOT_SIGNED; "" when INTACT */
    char es_id[65];            /* the seal's esID, "" when not read */
    char time_info[32];        /* TBS_Sign.timeInfo as written (GeneralizedTime), or "" */
    size_t files;              /* files in the package */
    struct jp_buf signer_cert; /* DER of SES_Signature.cert when decoded (also when the
                                  package was refused before the seal was checked); owned */
    struct jp_buf maker_cert;  /* DER of SESeal.cert when decoded (likewise); owned */
    unsigned char signed_value_sha256[32]; /* SHA-256 of the signature's SignedValue.dat */
    int have_signed_value;                 /* 1 when signed_value_sha256 is set (file found) */
};

/*
 * Reads and verifies the package pkg[0..len-1]: the ZIP within the bounds
 * above, the XML with libxml2 (no network, no DTD, no entities), every
 * Reference's SM3 digest, no file left uncovered (only the signature's own
 * Signature.xml and SignedValue.dat may be), Seal.esl (when Signature.xml
 * names one) equal to the seal inside the signature, dataHash = SM3(Signature.xml), the seal maker's
 * signature and the signer's signature through v->verify, and the signer's
 * certificate listed in the seal's certList.
 * r is overwritten (release an earlier report first).
 * Returns 0 with r filled (release with ofd_report_free(), also after an
 * error), or OFD_EINVAL, OFD_ESIGNER (the callback could not check), ENOMEM.
 */
int ofd_verify(const unsigned char *pkg, size_t len, const struct ofd_verifier *v,
               struct ofd_report *r);

/* Frees the buffers of a report (it stays usable). NULL-safe. */
void ofd_report_free(struct ofd_report *r);

/*
 * Copies the file name (a path inside the package, such as
 * "Doc_0/Signs/Sign_0/SignedValue.dat") out of the ZIP package pkg[0..len-1]
 * into out, which it initialises with the bound max (jp_buf_init); the caller
 * frees out with jp_buf_free(), also after an error. Nothing is verified: use
 * ofd_verify() for that.
 * Returns 0; ENOENT when pkg is no ZIP or holds no file name; EFBIG when the
 * file is longer than max; EIO when libzip cannot read it (damaged, CRC
 * mismatch); ENOMEM.
 */
int ofd_read_entry(const void *pkg, size_t len, const char *name, size_t max, struct jp_buf *out);

/* --- References to a file of a package ------------------------------------
 * A reference is a few dozen bytes that stand for one file of a package (its
 * name and SHA-256), for a store that keeps the package and would otherwise
 * keep the file's bytes again (the issuer's photos, docs/store-format.md). */

#define OFD_REF_MAX (40 + OFD_MAX_NAME) /* bytes of a reference */

/* 1 when val[0..len-1] is a reference (ofd_ref_make's), 0 otherwise (e.g. a JPEG or PNG). */
int ofd_is_ref(const void *val, size_t len);

/*
 * Makes a reference to the file of the package pkg[0..pkglen-1] whose bytes are
 * exactly data[0..len-1] and appends it to out (at most OFD_REF_MAX bytes).
 * Returns 0, OFD_ENOFILE (no file of the package holds these bytes),
 * OFD_EINVAL (pkg is not a ZIP this reader opens), ENOMEM or EFBIG; out is
 * unchanged on error.
 */
int ofd_ref_make(const unsigned char *pkg, size_t pkglen, const void *data, size_t len,
                 struct jp_buf *out);

/*
 * Appends the bytes of the file ref (ofd_ref_make's) stands for, read from the
 * package pkg[0..pkglen-1], to out, after checking their SHA-256 against the
 * reference's. Returns 0, OFD_EINVAL (ref is not a well-formed reference),
 * OFD_ENOFILE (the file is missing, damaged, larger than OFD_MAX_ENTRY or
 * has other bytes: never a wrong file), ENOMEM or EFBIG; out is unchanged on
 * error.
 */
int ofd_ref_resolve(const void *ref, size_t reflen, const unsigned char *pkg, size_t pkglen,
                    struct jp_buf *out);

/*
 * Appends the file a stored value val[0..len-1] stands for to out: a reference
 * (ofd_is_ref) resolved against pkg[0..pkglen-1] as ofd_ref_resolve does, any
 * other value (a photo kept as its bytes) as it is. pkg may be NULL with
 * pkglen 0 when the store holds no package: a reference then is OFD_ENOFILE.
 * Returns 0, ofd_ref_resolve's errors, ENOMEM or EFBIG; out is unchanged on
 * error. The one reading of a value that may be a reference (issuer/photo.c,
 * verifier/holder_pages.c).
 */
int ofd_ref_value(const void *val, size_t len, const unsigned char *pkg, size_t pkglen,
                  struct jp_buf *out);

#endif
