/*
 * ses.c - the electronic seal structures of GB/T 38540-2020, version 4, as
 * OpenSSL ASN.1 templates, field for field as ofdrw's ofdrw-gm module
 * (org.ofdrw.gm.ses.v4 and the v1 classes it reuses) writes them:
 *
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
 *       signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
 *       timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
 *   TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal,
 *       timeInfo GeneralizedTime, dataHash BIT STRING, propertyInfo IA5String,
 *       extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
 *   SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
 *       signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
 *   SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
 *       property SES_ESPropertyInfo, picture SES_ESPictrueInfo,
 *       extDatas ExtensionDatas OPTIONAL }
 *   SES_Header ::= SEQUENCE { id IA5String "ES", version INTEGER, vid IA5String }
 *   SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String,
 *       certListType INTEGER, certList SEQUENCE OF OCTET STRING (type 1),
 *       createDate, validStart, validEnd GeneralizedTime }
 *   SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING,
 *       width INTEGER, height INTEGER }
 *   ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER,
 *       critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 *
 * BIT STRINGs are written with 0 unused bits (as Bouncy Castle's DERBitString
 * does) and refused otherwise. TBS_Sign and SES_SealInfo keep their received
 * encoding (ASN1_SEQUENCE_enc), so signatures are checked over the bytes
 * that were signed.
 */
#include "internal.h"
#include "ossl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

typedef struct {
    ASN1_IA5STRING *id;    /* "ES" */
    ASN1_INTEGER *version; /* 4 */
    ASN1_IA5STRING *vid;   /* vendor id */
} OFD_SES_HEADER;

typedef struct {
    ASN1_OBJECT *extnID;      /* extension id */
    ASN1_BOOLEAN critical;    /* DEFAULT FALSE */
    ASN1_OCTET_STRING *value; /* extnValue */
} OFD_SES_EXTDATA;

DEFINE_STACK_OF(OFD_SES_EXTDATA)
DEFINE_STACK_OF(ASN1_OCTET_STRING)

typedef struct {
    ASN1_INTEGER *type;                  /* seal type */
    ASN1_UTF8STRING *name;               /* seal name */
    ASN1_INTEGER *cert_list_type;        /* 1: certificates */
    STACK_OF(ASN1_OCTET_STRING) * certs; /* certList */
    ASN1_GENERALIZEDTIME *create_date;   /* createDate */
    ASN1_GENERALIZEDTIME *valid_start;   /* validStart */
    ASN1_GENERALIZEDTIME *valid_end;     /* validEnd */
} OFD_SES_PROPERTY;

typedef struct {
    ASN1_IA5STRING *type;    /* "PNG", "SVG", "OFD" */
    ASN1_OCTET_STRING *data; /* the image file */
    ASN1_INTEGER *width;     /* mm */
    ASN1_INTEGER *height;    /* mm */
} OFD_SES_PICTURE;

typedef struct {
    OFD_SES_HEADER *header;
    ASN1_IA5STRING *es_id;
    OFD_SES_PROPERTY *property;
    OFD_SES_PICTURE *picture;
    STACK_OF(OFD_SES_EXTDATA) * ext;
    ASN1_ENCODING enc; /* the received encoding, signed by the maker */
} OFD_SES_SEALINFO;

typedef struct {
    OFD_SES_SEALINFO *info;
    ASN1_OCTET_STRING *cert; /* the maker's certificate */
    ASN1_OBJECT *alg;        /* signAlgID */
    ASN1_BIT_STRING *value;  /* signedValue */
} OFD_SES_SEAL;

typedef struct {
    ASN1_INTEGER *version;
    OFD_SES_SEAL *eseal;
    ASN1_GENERALIZEDTIME *time_info;
    ASN1_BIT_STRING *data_hash;
    ASN1_IA5STRING *property_info;
    STACK_OF(OFD_SES_EXTDATA) * ext;
    ASN1_ENCODING enc; /* the received encoding, signed by the signer */
} OFD_SES_TBS;

typedef struct {
    OFD_SES_TBS *tbs;
    ASN1_OCTET_STRING *cert; /* the signer's certificate */
    ASN1_OBJECT *alg;        /* signatureAlgID */
    ASN1_BIT_STRING *value;  /* signature */
    ASN1_BIT_STRING *stamp;  /* timeStamp, optional */
} OFD_SES_SIGNATURE;

/* The templates keep the layout of the ASN.1 above, one field a line. */
// clang-format off
ASN1_SEQUENCE(OFD_SES_HEADER) = {
    ASN1_SIMPLE(OFD_SES_HEADER, id, ASN1_IA5STRING),
    ASN1_SIMPLE(OFD_SES_HEADER, version, ASN1_INTEGER),
    ASN1_SIMPLE(OFD_SES_HEADER, vid, ASN1_IA5STRING),
} ASN1_SEQUENCE_END(OFD_SES_HEADER)

ASN1_SEQUENCE(OFD_SES_EXTDATA) = {
    ASN1_SIMPLE(OFD_SES_EXTDATA, extnID, ASN1_OBJECT),
    ASN1_OPT(OFD_SES_EXTDATA, critical, ASN1_FBOOLEAN),
    ASN1_SIMPLE(OFD_SES_EXTDATA, value, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(OFD_SES_EXTDATA)

ASN1_SEQUENCE(OFD_SES_PROPERTY) = {
    ASN1_SIMPLE(OFD_SES_PROPERTY, type, ASN1_INTEGER),
    ASN1_SIMPLE(OFD_SES_PROPERTY, name, ASN1_UTF8STRING),
    ASN1_SIMPLE(OFD_SES_PROPERTY, cert_list_type, ASN1_INTEGER),
    ASN1_SEQUENCE_OF(OFD_SES_PROPERTY, certs, ASN1_OCTET_STRING),
    ASN1_SIMPLE(OFD_SES_PROPERTY, create_date, ASN1_GENERALIZEDTIME),
    ASN1_SIMPLE(OFD_SES_PROPERTY, valid_start, ASN1_GENERALIZEDTIME),
    ASN1_SIMPLE(OFD_SES_PROPERTY, valid_end, ASN1_GENERALIZEDTIME),
} ASN1_SEQUENCE_END(OFD_SES_PROPERTY)

ASN1_SEQUENCE(OFD_SES_PICTURE) = {
    ASN1_SIMPLE(OFD_SES_PICTURE, type, ASN1_IA5STRING),
    ASN1_SIMPLE(OFD_SES_PICTURE, data, ASN1_OCTET_STRING),
    ASN1_SIMPLE(OFD_SES_PICTURE, width, ASN1_INTEGER),
    ASN1_SIMPLE(OFD_SES_PICTURE, height, ASN1_INTEGER),
} ASN1_SEQUENCE_END(OFD_SES_PICTURE)

ASN1_SEQUENCE_enc(OFD_SES_SEALINFO, enc, NULL) = {
    ASN1_SIMPLE(OFD_SES_SEALINFO, header, OFD_SES_HEADER),
    ASN1_SIMPLE(OFD_SES_SEALINFO, es_id, ASN1_IA5STRING),
    ASN1_SIMPLE(OFD_SES_SEALINFO, property, OFD_SES_PROPERTY),
    ASN1_SIMPLE(OFD_SES_SEALINFO, picture, OFD_SES_PICTURE),
    ASN1_SEQUENCE_OF_OPT(OFD_SES_SEALINFO, ext, OFD_SES_EXTDATA),
} ASN1_SEQUENCE_END_enc(OFD_SES_SEALINFO, OFD_SES_SEALINFO)

ASN1_SEQUENCE(OFD_SES_SEAL) = {
    ASN1_SIMPLE(OFD_SES_SEAL, info, OFD_SES_SEALINFO),
    ASN1_SIMPLE(OFD_SES_SEAL, cert, ASN1_OCTET_STRING),
    ASN1_SIMPLE(OFD_SES_SEAL, alg, ASN1_OBJECT),
    ASN1_SIMPLE(OFD_SES_SEAL, value, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(OFD_SES_SEAL)

ASN1_SEQUENCE_enc(OFD_SES_TBS, enc, NULL) = {
    ASN1_SIMPLE(OFD_SES_TBS, version, ASN1_INTEGER),
    ASN1_SIMPLE(OFD_SES_TBS, eseal, OFD_SES_SEAL),
    ASN1_SIMPLE(OFD_SES_TBS, time_info, ASN1_GENERALIZEDTIME),
    ASN1_SIMPLE(OFD_SES_TBS, data_hash, ASN1_BIT_STRING),
    ASN1_SIMPLE(OFD_SES_TBS, property_info, ASN1_IA5STRING),
    ASN1_EXP_SEQUENCE_OF_OPT(OFD_SES_TBS, ext, OFD_SES_EXTDATA, 0),
} ASN1_SEQUENCE_END_enc(OFD_SES_TBS, OFD_SES_TBS)

ASN1_SEQUENCE(OFD_SES_SIGNATURE) = {
    ASN1_SIMPLE(OFD_SES_SIGNATURE, tbs, OFD_SES_TBS),
    ASN1_SIMPLE(OFD_SES_SIGNATURE, cert, ASN1_OCTET_STRING),
    ASN1_SIMPLE(OFD_SES_SIGNATURE, alg, ASN1_OBJECT),
    ASN1_SIMPLE(OFD_SES_SIGNATURE, value, ASN1_BIT_STRING),
    ASN1_EXP_OPT(OFD_SES_SIGNATURE, stamp, ASN1_BIT_STRING, 0),
} ASN1_SEQUENCE_END(OFD_SES_SIGNATURE)

DECLARE_ASN1_FUNCTIONS(OFD_SES_SEALINFO)
DECLARE_ASN1_FUNCTIONS(OFD_SES_SEAL)
DECLARE_ASN1_FUNCTIONS(OFD_SES_TBS)
DECLARE_ASN1_FUNCTIONS(OFD_SES_SIGNATURE)
IMPLEMENT_ASN1_FUNCTIONS(OFD_SES_SEALINFO)
IMPLEMENT_ASN1_FUNCTIONS(OFD_SES_SEAL)
IMPLEMENT_ASN1_FUNCTIONS(OFD_SES_TBS)
IMPLEMENT_ASN1_FUNCTIONS(OFD_SES_SIGNATURE)

/* clang-format stays off through this line, which it would indent as the macros' continuation */
int ofd_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
// clang-format on
{
    va_list ap;

    ERR_clear_error();
    if (err == NULL || errlen == 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

int ofd_verdict(struct ofd_report *r, enum ofd_verdict v, const char *fmt, ...)
{
    va_list ap;

    r->verdict = v;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return 0;
}

int ofd_sm3(const unsigned char *data, size_t len, unsigned char out[32])
{
    return jp_sm3(data, len, out) == 0 ? 0 : OFD_EASN1;
}

/* A BIT STRING of whole bytes: 0 unused bits, never trimmed. */
static int bits_set(ASN1_BIT_STRING *b, const unsigned char *p, size_t n)
{
    if (n > INT32_MAX || ASN1_BIT_STRING_set(b, (unsigned char *)p, (int)n) != 1)
        return 0;
    b->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    b->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    return 1;
}

/* 1 when a decoded BIT STRING has no unused bits. */
static int bits_whole(const ASN1_BIT_STRING *b)
{
    return (b->flags & ASN1_STRING_FLAG_BITS_LEFT) == 0 || (b->flags & 0x07) == 0;
}

static int str_set(ASN1_STRING *s, const char *v)
{
    return v != NULL && ASN1_STRING_set(s, v, (int)strlen(v)) == 1;
}

static int ia5_ok(const char *s, size_t max)
{
    size_t i, n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

static int gtime_set(ASN1_GENERALIZEDTIME *g, time_t t)
{
    return ASN1_GENERALIZEDTIME_set(g, t) != NULL;
}

/* The DER of obj, of the template it, in a new buffer the caller free()s. 0 or OFD_EASN1. */
static int der_of(const ASN1_ITEM *it, const void *obj, unsigned char **out, size_t *outlen)
{
    unsigned char *der = NULL;
    int n = ASN1_item_i2d((const ASN1_VALUE *)obj, &der, it);

    *out = n > 0 ? malloc((size_t)n) : NULL;
    *outlen = *out != NULL ? (size_t)n : 0;
    if (*out != NULL)
        memcpy(*out, der, (size_t)n);
    OPENSSL_free(der);
    return *out != NULL ? 0 : OFD_EASN1;
}

static int validate_seal_info(const struct ofd_seal_info *in, char *err, size_t errlen)
{
    size_t i;

    if (!ia5_ok(in->vid, 64) || !ia5_ok(in->es_id, 64) || !ia5_ok(in->picture_type, 8))
        return ofd_fail(OFD_EINVAL, err, errlen, "seal: vid, esID and picture type must be ASCII");
    if (in->name == NULL || !jp_utf8_valid(in->name, strlen(in->name)) || in->name[0] == '\0' ||
        strlen(in->name) > 256)
        return ofd_fail(OFD_EINVAL, err, errlen, "seal: name must be 1..256 bytes of UTF-8");
    if (in->nsigner_certs < 1 || in->nsigner_certs > 8 || in->picture.n == 0 ||
        in->picture.n > OFD_SEAL_MAX / 2 || in->width_mm == 0 || in->height_mm == 0 ||
        in->type < 1 || in->valid_end <= in->valid_start)
        return ofd_fail(OFD_EINVAL, err, errlen, "seal: certificates, picture or dates missing");
    for (i = 0; i < in->nsigner_certs; i++)
        if (in->signer_certs[i].p == NULL || in->signer_certs[i].n == 0 ||
            in->signer_certs[i].n > OFD_CERT_MAX)
            return ofd_fail(OFD_EINVAL, err, errlen, "seal: signer certificate %zu malformed", i);
    return 0;
}

static int fill_property(OFD_SES_PROPERTY *p, const struct ofd_seal_info *in)
{
    ASN1_OCTET_STRING *c;
    size_t i;

    if (ASN1_INTEGER_set(p->type, in->type) != 1 || !str_set(p->name, in->name) ||
        ASN1_INTEGER_set(p->cert_list_type, 1) != 1 || !gtime_set(p->create_date, in->created) ||
        !gtime_set(p->valid_start, in->valid_start) || !gtime_set(p->valid_end, in->valid_end))
        return 0;
    for (i = 0; i < in->nsigner_certs; i++) {
        c = ASN1_OCTET_STRING_new();
        if (c == NULL ||
            ASN1_OCTET_STRING_set(c, in->signer_certs[i].p, (int)in->signer_certs[i].n) != 1 ||
            sk_ASN1_OCTET_STRING_push(p->certs, c) <= 0) {
            ASN1_OCTET_STRING_free(c);
            return 0;
        }
    }
    return 1;
}

static int fill_seal_info(OFD_SES_SEALINFO *si, const struct ofd_seal_info *in)
{
    return str_set(si->header->id, "ES") &&
           ASN1_INTEGER_set(si->header->version, OFD_SES_VERSION) == 1 &&
           str_set(si->header->vid, in->vid) && str_set(si->es_id, in->es_id) &&
           fill_property(si->property, in) && str_set(si->picture->type, in->picture_type) &&
           ASN1_OCTET_STRING_set(si->picture->data, in->picture.p, (int)in->picture.n) == 1 &&
           ASN1_INTEGER_set(si->picture->width, (long)in->width_mm) == 1 &&
           ASN1_INTEGER_set(si->picture->height, (long)in->height_mm) == 1;
}

/* Calls a signer over data; the signature into sig/siglen. */
static int call_signer(const struct ofd_signer *s, const unsigned char *data, size_t len,
                       unsigned char sig[OFD_SIG_MAX], size_t *siglen, char *err, size_t errlen)
{
    *siglen = 0;
    if (s->sign(s->ctx, data, len, sig, OFD_SIG_MAX, siglen, err, errlen) != 0)
        return OFD_ESIGNER;
    if (*siglen == 0 || *siglen > OFD_SIG_MAX)
        return ofd_fail(OFD_ESIGNER, err, errlen, "signer returned %zu bytes", *siglen);
    return 0;
}

/*
 * Signs the DER of tbs (of the template it) with s and fills the part SESeal
 * and SES_Signature both end with: the signer's certificate, the algorithm
 * (SM2 with SM3) and the signature. Returns 0, call_signer's code, or
 * OFD_EASN1.
 */
static int sign_into(const struct ofd_signer *s, const ASN1_ITEM *it, const void *tbs,
                     ASN1_OCTET_STRING *cert, ASN1_OBJECT **alg, ASN1_BIT_STRING *value, char *err,
                     size_t errlen)
{
    unsigned char sig[OFD_SIG_MAX], *der = NULL;
    size_t siglen = 0, len = 0;
    int rc = der_of(it, tbs, &der, &len);

    if (rc == 0)
        rc = call_signer(s, der, len, sig, &siglen, err, errlen);
    if (rc == 0) {
        ASN1_OBJECT_free(*alg);
        *alg = OBJ_txt2obj(OFD_OID_SM2_SM3, 1);
        if (*alg == NULL || ASN1_OCTET_STRING_set(cert, s->cert.p, (int)s->cert.n) != 1 ||
            !bits_set(value, sig, siglen))
            rc = OFD_EASN1;
    }
    free(der);
    return rc;
}

int ofd_seal_make(const struct ofd_seal_info *info, const struct ofd_signer *maker,
                  struct jp_buf *out, char *err, size_t errlen)
{
    OFD_SES_SEAL *seal = NULL;
    unsigned char *der = NULL;
    size_t derlen = 0;
    int rc;

    rc = validate_seal_info(info, err, errlen);
    if (rc != 0)
        return rc;
    if (maker == NULL || maker->sign == NULL || maker->cert.p == NULL || maker->cert.n == 0 ||
        maker->cert.n > OFD_CERT_MAX)
        return ofd_fail(OFD_EINVAL, err, errlen, "seal: no maker");
    rc = OFD_EASN1;
    seal = OFD_SES_SEAL_new();
    if (seal != NULL && fill_seal_info(seal->info, info))
        rc = sign_into(maker, ASN1_ITEM_rptr(OFD_SES_SEALINFO), seal->info, seal->cert, &seal->alg,
                       seal->value, err, errlen);
    if (rc == 0)
        rc = der_of(ASN1_ITEM_rptr(OFD_SES_SEAL), seal, &der, &derlen);
    if (rc == 0)
        rc = jp_buf_append(out, der, derlen);
    free(der);
    OFD_SES_SEAL_free(seal);
    if (rc == OFD_EASN1)
        ofd_fail(rc, err, errlen, "seal: cannot encode");
    return rc;
}

/* Decodes a whole DER SESeal (nothing may follow it). */
static OFD_SES_SEAL *seal_decode(const unsigned char *der, size_t len)
{
    return jp_der_decode(ASN1_ITEM_rptr(OFD_SES_SEAL), der, len, OFD_SEAL_MAX);
}

static int fill_tbs(OFD_SES_TBS *t, const struct jp_span *seal, time_t when,
                    const unsigned char hash[32], const char *property)
{
    OFD_SES_SEAL *s = seal_decode(seal->p, seal->n);

    if (s == NULL)
        return 0;
    OFD_SES_SEAL_free(t->eseal);
    t->eseal = s;
    return ASN1_INTEGER_set(t->version, OFD_SES_VERSION) == 1 && gtime_set(t->time_info, when) &&
           bits_set(t->data_hash, hash, 32) && str_set(t->property_info, property);
}

int ofd_ses_sign(const struct jp_span *seal, time_t when, const unsigned char hash[32],
                 const char *property, const struct ofd_signer *signer, unsigned char **out,
                 size_t *outlen, char *err, size_t errlen)
{
    OFD_SES_SIGNATURE *s = OFD_SES_SIGNATURE_new();
    int rc = OFD_EASN1;

    *out = NULL;
    *outlen = 0;
    if (s == NULL || !fill_tbs(s->tbs, seal, when, hash, property)) {
        ofd_fail(rc, err, errlen, "seal: not a GB/T 38540 SESeal");
        goto out;
    }
    rc = sign_into(signer, ASN1_ITEM_rptr(OFD_SES_TBS), s->tbs, s->cert, &s->alg, s->value, err,
                   errlen);
    if (rc == 0)
        rc = der_of(ASN1_ITEM_rptr(OFD_SES_SIGNATURE), s, out, outlen);
    if (rc == OFD_EASN1)
        ofd_fail(rc, err, errlen, "SES_Signature: cannot encode");
out:
    OFD_SES_SIGNATURE_free(s);
    return rc;
}

/* --- Checking ------------------------------------------------------------- */

static int oid_is_sm2(const ASN1_OBJECT *o)
{
    char txt[64];

    return OBJ_obj2txt(txt, sizeof txt, o, 1) > 0 && strcmp(txt, OFD_OID_SM2_SM3) == 0;
}

static int int_is(const ASN1_INTEGER *i, int64_t want)
{
    int64_t v;

    return ASN1_INTEGER_get_int64(&v, i) == 1 && v == want;
}

static void copy_ia5(char *out, size_t outsz, const ASN1_STRING *s)
{
    int n = ASN1_STRING_length(s);
    const unsigned char *p = ASN1_STRING_get0_data(s);
    size_t i, j = 0;

    for (i = 0; i < (size_t)n && j + 1 < outsz; i++)
        if (p[i] >= 0x20 && p[i] < 0x7f)
            out[j++] = (char)p[i];
    out[j] = '\0';
}

/* Header, version, algorithms, BIT STRINGs: what makes it a v4 seal of SM2. */
static int check_shape(const OFD_SES_SIGNATURE *s, struct ofd_report *r)
{
    const OFD_SES_SEAL *e = s->tbs->eseal;
    const OFD_SES_HEADER *h = e->info->header;

    if (!int_is(s->tbs->version, OFD_SES_VERSION) || !int_is(h->version, OFD_SES_VERSION) ||
        ASN1_STRING_length(h->id) != 2 || memcmp(ASN1_STRING_get0_data(h->id), "ES", 2) != 0)
        return ofd_verdict(r, OFD_NOT_SIGNED, "SES_Signature: not version 4"), 0;
    if (!oid_is_sm2(s->alg) || !oid_is_sm2(e->alg))
        return ofd_verdict(r, OFD_NOT_SIGNED, "SES_Signature: algorithm is not SM2 with SM3"), 0;
    if (!bits_whole(s->value) || !bits_whole(e->value) || !bits_whole(s->tbs->data_hash) ||
        (s->stamp != NULL && !bits_whole(s->stamp)))
        return ofd_verdict(r, OFD_NOT_SIGNED, "SES_Signature: a BIT STRING has unused bits"), 0;
    if (ASN1_STRING_length(s->cert) <= 0 || ASN1_STRING_length(e->cert) <= 0 ||
        ASN1_STRING_length(s->cert) > (int)OFD_CERT_MAX ||
        ASN1_STRING_length(e->cert) > (int)OFD_CERT_MAX)
        return ofd_verdict(r, OFD_NOT_SIGNED, "SES_Signature: a certificate is empty or too long"),
               0;
    if (!int_is(e->info->property->cert_list_type, 1))
        return ofd_verdict(r, OFD_NOT_SIGNED, "SESeal: certListType other than 1 unsupported"), 0;
    return 1;
}

static int copy_out(struct ofd_report *r, const OFD_SES_SIGNATURE *s)
{
    const ASN1_OCTET_STRING *mc = s->tbs->eseal->cert;
    int rc;

    copy_ia5(r->es_id, sizeof r->es_id, s->tbs->eseal->info->es_id);
    copy_ia5(r->time_info, sizeof r->time_info, s->tbs->time_info);
    jp_buf_reset(&r->signer_cert);
    jp_buf_reset(&r->maker_cert);
    rc = jp_buf_append(&r->signer_cert, ASN1_STRING_get0_data(s->cert),
                       (size_t)ASN1_STRING_length(s->cert));
    if (rc == 0)
        rc = jp_buf_append(&r->maker_cert, ASN1_STRING_get0_data(mc),
                           (size_t)ASN1_STRING_length(mc));
    return rc;
}

/* Calls the verifier: 1 valid, 0 not, OFD_ESIGNER when it could not check. */
static int call_verify(const struct ofd_verifier *v, const ASN1_OCTET_STRING *cert,
                       const unsigned char *data, size_t len, const ASN1_BIT_STRING *sig)
{
    struct jp_span c = {ASN1_STRING_get0_data(cert), (size_t)ASN1_STRING_length(cert)};
    int ok = v->verify(v->ctx, &c, data, len, ASN1_STRING_get0_data(sig),
                       (size_t)ASN1_STRING_length(sig));

    return ok < 0 ? OFD_ESIGNER : ok == 1;
}

static int signer_listed(const OFD_SES_SIGNATURE *s)
{
    const STACK_OF(ASN1_OCTET_STRING) *certs = s->tbs->eseal->info->property->certs;
    int i;

    for (i = 0; i < sk_ASN1_OCTET_STRING_num(certs); i++)
        if (ASN1_OCTET_STRING_cmp(sk_ASN1_OCTET_STRING_value(certs, i), s->cert) == 0)
            return 1;
    return 0;
}

/* The two signatures: the maker's over SES_SealInfo, the signer's over TBS_Sign. */
static int check_signatures(const OFD_SES_SIGNATURE *s, const struct ofd_verifier *v,
                            struct ofd_report *r)
{
    const OFD_SES_SEAL *e = s->tbs->eseal;
    unsigned char *info = NULL, *tbs = NULL;
    int infolen, tbslen, ok, rc = ENOMEM;

    infolen = i2d_OFD_SES_SEALINFO(e->info, &info);
    tbslen = i2d_OFD_SES_TBS(s->tbs, &tbs);
    if (infolen <= 0 || tbslen <= 0)
        goto out;
    rc = 0;
    ok = call_verify(v, e->cert, info, (size_t)infolen, e->value);
    if (ok == 0)
        ofd_verdict(r, OFD_MODIFIED, "SESeal: the seal maker's signature does not verify");
    if (ok == 1)
        ok = call_verify(v, s->cert, tbs, (size_t)tbslen, s->value);
    if (ok == 0 && r->verdict == OFD_INTACT)
        ofd_verdict(r, OFD_MODIFIED, "SES_Signature: the signature does not verify");
    if (ok < 0)
        rc = ok;
out:
    OPENSSL_free(info);
    OPENSSL_free(tbs);
    return rc;
}

/* Seal.esl, dataHash and propertyInfo against the package. */
static int check_binding(const OFD_SES_SIGNATURE *s, const struct jp_span *seal_file,
                         const unsigned char hash[32], const char *property, struct ofd_report *r)
{
    const ASN1_BIT_STRING *h = s->tbs->data_hash;
    unsigned char *esl = NULL;
    int n, same;

    if (ASN1_STRING_length(h) != 32 || memcmp(ASN1_STRING_get0_data(h), hash, 32) != 0)
        return ofd_verdict(r, OFD_MODIFIED, "SES_Signature: dataHash is not SM3 of Signature.xml"),
               0;
    if (ASN1_STRING_length(s->tbs->property_info) != (int)strlen(property) ||
        memcmp(ASN1_STRING_get0_data(s->tbs->property_info), property, strlen(property)) != 0)
        return ofd_verdict(r, OFD_MODIFIED, "SES_Signature: propertyInfo names another file"), 0;
    if (!signer_listed(s))
        return ofd_verdict(r, OFD_MODIFIED, "SESeal: the signer is not in its certList"), 0;
    if (seal_file == NULL)
        return 1;
    n = i2d_OFD_SES_SEAL(s->tbs->eseal, &esl);
    same = n > 0 && (size_t)n == seal_file->n && memcmp(esl, seal_file->p, (size_t)n) == 0;
    OPENSSL_free(esl);
    if (!same)
        return ofd_verdict(r, OFD_MODIFIED, "Seal.esl differs from the seal in SignedValue.dat"), 0;
    return 1;
}

/* check_shape() without touching the caller's verdict. */
static int check_shape_quiet(const OFD_SES_SIGNATURE *s)
{
    struct ofd_report scratch;

    memset(&scratch, 0, sizeof scratch);
    return check_shape(s, &scratch);
}

/* Decodes a whole DER SES_Signature (nothing may follow it): its seal and two signatures. */
static OFD_SES_SIGNATURE *signature_decode(const unsigned char *der, size_t len)
{
    return jp_der_decode(ASN1_ITEM_rptr(OFD_SES_SIGNATURE), der, len, 2 * OFD_SEAL_MAX);
}

int ofd_ses_certs(const unsigned char *der, size_t len, struct ofd_report *r)
{
    OFD_SES_SIGNATURE *s = signature_decode(der, len);
    int rc = 0;

    if (s != NULL && check_shape_quiet(s))
        rc = copy_out(r, s);
    OFD_SES_SIGNATURE_free(s);
    ERR_clear_error();
    return rc;
}

int ofd_ses_check(const unsigned char *der, size_t len, const struct jp_span *seal_file,
                  const unsigned char sigxml_hash[32], const char *property,
                  const struct ofd_verifier *v, struct ofd_report *r)
{
    OFD_SES_SIGNATURE *s = signature_decode(der, len);
    int rc = 0;

    if (s == NULL) {
        ofd_verdict(r, OFD_NOT_SIGNED, "SignedValue.dat: not a DER SES_Signature");
        goto out;
    }
    if (!check_shape(s, r))
        goto out;
    rc = copy_out(r, s);
    if (rc != 0 || !check_binding(s, seal_file, sigxml_hash, property, r))
        goto out;
    rc = check_signatures(s, v, r);
out:
    OFD_SES_SIGNATURE_free(s);
    ERR_clear_error();
    return rc;
}
