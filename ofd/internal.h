/*
 * internal.h - what the files of the ofd module share and nobody else sees:
 * the SES structures' codec (ses.c), the XML writer helpers (xml.c) and the
 * package file list the writer and reader use. Not included outside ofd/.
 */
#ifndef JP_OFD_INTERNAL_H
#define JP_OFD_INTERNAL_H

#include "ofd.h"

#include <zip.h>

#define OFD_NS "http://www.ofdspec.org/2016"
#define OFD_SIGNS_DIR "Doc_0/Signs"
#define OFD_SIGNATURES OFD_SIGNS_DIR "/Signatures.xml"
#define OFD_SIGN_DIR OFD_SIGNS_DIR "/Sign_0"
#define OFD_SIGNATURE OFD_SIGN_DIR "/Signature.xml"
#define OFD_SIGNED_VALUE OFD_SIGN_DIR "/SignedValue.dat"
#define OFD_SEAL_FILE OFD_SIGN_DIR "/Seal.esl"
#define OFD_SM3_NAME "SM3"                /* CheckMethod, as ofdrw writes it */
#define OFD_OID_SM3 "1.2.156.10197.1.401" /* CheckMethod also accepted */
#define OFD_SES_VERSION 4                 /* GB/T 38540-2020 */
#define OFD_SEAL_MAX (1u << 20)           /* bytes of an SESeal */

/* One file of a package being written: name and owned bytes. */
struct ofd_file {
    char name[OFD_MAX_NAME + 1]; /* path inside the ZIP, no leading "/" */
    unsigned char *data;         /* owned (malloc) */
    size_t len;                  /* bytes at data */
    struct jp_span z;            /* borrowed; data already deflated (raw), or {NULL, 0} */
};

/* Files of a package being written, in ZIP order. */
struct ofd_files {
    struct ofd_file f[OFD_MAX_FONTS + 64]; /* fonts, images, XML, seal files */
    size_t n;                              /* entries in use */
};

/* Adds a file, taking data over (also on failure, when it is freed). */
int ofd_files_take(struct ofd_files *fs, const char *name, unsigned char *data, size_t len);
/* Frees every file. */
void ofd_files_free(struct ofd_files *fs);

/*
 * A read-only libzip handle over pkg[0..len), which is not copied and must
 * outlive it; close it with zip_discard(). NULL with *rc ENOMEM, or ENOENT
 * when the bytes are no ZIP; *rc 0 otherwise (entry.c).
 */
zip_t *ofd_zip_open(const void *pkg, size_t len, int *rc);
/*
 * Appends file i of za to out: exactly the size its directory entry declares,
 * CRC checked by libzip, nothing verified beyond that. Returns 0; ENOENT when
 * there is no file i or it declares no size; EFBIG when it would take out past
 * out->max; EIO when it is shorter or longer than declared or its CRC fails;
 * ENOMEM. out is unchanged on failure.
 */
int ofd_zip_read(zip_t *za, zip_uint64_t i, struct jp_buf *out);

/* SM3 of data into out. Returns 0 or OFD_EASN1 (OpenSSL failed). */
int ofd_sm3(const unsigned char *data, size_t len, unsigned char out[32]);

/* Writes a message into err (NULL-safe); returns rc. */
int ofd_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * The SES_Signature of a document: TBS_Sign {version 4, eseal (decoded from
 * seal), timeInfo = when, dataHash = hash (SM3 of Signature.xml),
 * propertyInfo = property}, signed by signer, with signer->cert. DER into
 * *out (malloc, caller frees), *outlen bytes.
 */
int ofd_ses_sign(const struct jp_span *seal, time_t when, const unsigned char hash[32],
                 const char *property, const struct ofd_signer *signer, unsigned char **out,
                 size_t *outlen, char *err, size_t errlen);

/*
 * Checks SignedValue.dat (der) against the rest of the package: seal_file
 * (Seal.esl, NULL when absent) equals the seal inside, dataHash equals
 * sigxml_hash, propertyInfo equals property, both signatures through v, the
 * signer listed in the seal's certList. Sets r->verdict and r->reason (only
 * to MODIFIED or NOT_SIGNED; leaves INTACT as is otherwise) and copies the
 * certificates, esID and timeInfo into r. Returns 0, OFD_ESIGNER or ENOMEM.
 */
int ofd_ses_check(const unsigned char *der, size_t len, const struct jp_span *seal_file,
                  const unsigned char sigxml_hash[32], const char *property,
                  const struct ofd_verifier *v, struct ofd_report *r);
/*
 * Copies the certificates, esID and timeInfo of SignedValue.dat (der) into r
 * without checking anything against the package or r's verdict: for a package
 * refused before its seal was read, so that the caller still learns whose
 * seal it carries. A der that does not decode leaves r as it is.
 * Returns 0 or ENOMEM.
 */
int ofd_ses_certs(const unsigned char *der, size_t len, struct ofd_report *r);

/* Sets the verdict and a formatted reason; always returns 0. */
int ofd_verdict(struct ofd_report *r, enum ofd_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The XML files of a package (xml.c). Each returns 0 or an ofd_err, *out malloc'd. */
int ofd_xml_ofd(const struct ofd_doc *doc, unsigned char **out, size_t *len);
int ofd_xml_document(const struct ofd_doc *doc, unsigned *max_id, unsigned char **out, size_t *len);
int ofd_xml_public_res(const struct ofd_doc *doc, unsigned char **out, size_t *len);
int ofd_xml_document_res(const struct ofd_doc *doc, unsigned char **out, size_t *len);
int ofd_xml_content(const struct ofd_doc *doc, unsigned char **out, size_t *len);
int ofd_xml_signatures(unsigned char **out, size_t *len);
int ofd_xml_signature(const struct ofd_files *fs, const struct ofd_stamp *stamp, unsigned page,
                      unsigned char **out, size_t *len);
/* The page's id (its layer and objects follow it). */
unsigned ofd_page_id(const struct ofd_doc *doc);

/* Resource ids: fonts 1.., images after them, page and objects after those. */
#define OFD_FONT_ID(i) ((unsigned)(i) + 1)
#define OFD_IMAGE_ID(doc, i) ((unsigned)(doc)->nfonts + 1 + (unsigned)(i))
/* Names of the resource files. */
int ofd_font_file(char *out, size_t outsz, size_t i);
int ofd_image_file(char *out, size_t outsz, const struct ofd_doc *doc, size_t i);

#endif
