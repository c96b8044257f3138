/*
 * lt_tool.c - what the long-term signature tests (test_longterm.sh) read out
 * of a signed PDF with OpenSSL, for the checks of real tools:
 *   lt_tool token PDF TOKEN_OUT DATA_OUT  the signature time-stamp token (DER) of
 *                                         the PDF's CMS and the signature value it
 *                                         stamps (for `openssl ts -verify -data`)
 *   lt_tool cms PDF CMS_OUT               the CMS SignedData (DER) of /Contents
 *   lt_tool restamp PDF TOKEN PDF_OUT     the PDF with its signature time-stamp token
 *                                         replaced by TOKEN (DER), in the same gap:
 *                                         how a forger would pass off another TSA's
 *                                         time (the signature value is untouched)
 * Exit 0, or 1 with a message when the PDF has no such thing. For tests only.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#define MAX_PDF (64u * 1024u * 1024u)

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p = f != NULL ? malloc(MAX_PDF) : NULL;

    *len = p != NULL ? fread(p, 1, MAX_PDF, f) : 0;
    if (f != NULL)
        fclose(f);
    return p;
}

static int spit(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(p, 1, n, f) == n;

    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : 1;
}

/* Where the gap "<...>" of the last /ByteRange is: *a (the '<') and *b (after '>'). */
static int gap_of(const unsigned char *pdf, size_t len, unsigned long *a, unsigned long *b)
{
    const char *br = NULL, *s;
    unsigned long c;

    for (s = (const char *)pdf;
         (s = memmem(s, len - (size_t)(s - (const char *)pdf), "/ByteRange [", 12)) != NULL; s++)
        br = s;
    return br != NULL && sscanf(br + 12, "0 %lu %lu %lu", a, b, &c) == 3 && *b <= len && *a + 1 < *b
               ? 0
               : 1;
}

/* Replaces si's time-stamp token by the DER token of path and writes pdf, re-encoded, to out. */
static int restamp(CMS_ContentInfo *cms, CMS_SignerInfo *si, unsigned char *pdf, size_t len,
                   const char *path, const char *out)
{
    size_t toklen = 0, i;
    unsigned char *tok = slurp(path, &toklen), *der = NULL;
    int at = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1), n;
    unsigned long a, b;
    ASN1_STRING *seq = ASN1_STRING_new();

    if (tok == NULL || at < 0 || seq == NULL || gap_of(pdf, len, &a, &b) != 0)
        return 1;
    X509_ATTRIBUTE_free(CMS_unsigned_delete_attr(si, at));
    if (ASN1_STRING_set(seq, tok, (int)toklen) != 1 ||
        CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, seq,
                                      -1) != 1)
        return 1;
    n = i2d_CMS_ContentInfo(cms, &der);
    if (n <= 0 || (unsigned long)n * 2 > b - a - 2)
        return 1;
    for (i = 0; i < (size_t)n; i++)
        snprintf((char *)pdf + a + 1 + 2 * i, 3, "%02x", der[i]);
    memset(pdf + a + 1 + 2 * (size_t)n, '0', b - a - 2 - 2 * (size_t)n);
    ASN1_STRING_free(seq);
    OPENSSL_free(der);
    free(tok);
    return spit(out, pdf, len);
}

/* The DER inside /Contents <...> of the (last) signature's /ByteRange. */
static unsigned char *contents_der(const unsigned char *pdf, size_t len, size_t *derlen)
{
    const char *br = NULL, *s;
    unsigned long a, b, c;
    unsigned char *der;
    size_t i, n;

    for (s = (const char *)pdf;
         (s = memmem(s, len - (size_t)(s - (const char *)pdf), "/ByteRange [", 12)) != NULL; s++)
        br = s;
    if (br == NULL || sscanf(br + 12, "0 %lu %lu %lu", &a, &b, &c) != 3 || b > len || a + 1 >= b)
        return NULL;
    n = (b - a - 2) / 2;
    der = malloc(n);
    for (i = 0; der != NULL && i < n; i++) {
        unsigned int v;
        if (sscanf((const char *)pdf + a + 1 + 2 * i, "%2x", &v) != 1)
            break;
        der[i] = (unsigned char)v;
    }
    *derlen = n;
    return der;
}

int main(int argc, char **argv)
{
    size_t len = 0, derlen = 0;
    unsigned char *pdf, *der;
    const unsigned char *p;
    CMS_ContentInfo *cms;
    CMS_SignerInfo *si;
    X509_ATTRIBUTE *at;
    ASN1_TYPE *t;
    ASN1_OCTET_STRING *sig;
    int rc = 1;

    if (argc < 4 || (strcmp(argv[1], "token") == 0 && argc != 5)) {
        fprintf(stderr, "usage: lt_tool token PDF TOKEN_OUT DATA_OUT | cms PDF CMS_OUT | "
                        "restamp PDF TOKEN PDF_OUT\n");
        return 2;
    }
    pdf = slurp(argv[2], &len);
    der = pdf != NULL ? contents_der(pdf, len, &derlen) : NULL;
    p = der;
    cms = der != NULL ? d2i_CMS_ContentInfo(NULL, &p, (long)derlen) : NULL;
    if (cms == NULL) {
        fprintf(stderr, "lt_tool: %s: no CMS in /Contents\n", argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "cms") == 0) {
        rc = spit(argv[3], der, (size_t)(p - der));
        goto out;
    }
    si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    if (strcmp(argv[1], "restamp") == 0 && argc == 5) {
        rc = si != NULL ? restamp(cms, si, pdf, len, argv[3], argv[4]) : 1;
        if (rc != 0)
            fprintf(stderr, "lt_tool: %s: cannot put %s in its place\n", argv[2], argv[3]);
        goto out;
    }
    at = si != NULL ? CMS_unsigned_get_attr(
                          si, CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1))
                    : NULL;
    t = at != NULL ? X509_ATTRIBUTE_get0_type(at, 0) : NULL;
    if (t == NULL || t->type != V_ASN1_SEQUENCE) {
        fprintf(stderr, "lt_tool: %s: the signature has no time-stamp token\n", argv[2]);
        goto out;
    }
    sig = CMS_SignerInfo_get0_signature(si);
    rc = spit(argv[3], t->value.sequence->data, (size_t)t->value.sequence->length) ||
         spit(argv[4], sig->data, (size_t)sig->length);
out:
    CMS_ContentInfo_free(cms);
    free(der);
    free(pdf);
    return rc;
}
