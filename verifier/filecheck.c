/*
 * filecheck.c - the offline file check behind `jianpei-verifier verify-file`
 * (issue 18): a PDF by its PAdES signature (keys_trust_cms_verify over every
 * byte but the signature value, so an appended update fails too), an OFD
 * package by its GB/T 38540 seal (ofdcheck.c). Only the trust list decides;
 * no store, clock or network is read.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ofd.h"

const char *verifier_file_verdict_name(enum verifier_file_verdict v)
{
    static const char *const names[] = {"valid", "modified", "not_ours", "revoked_key",
                                        "not_signed"};

    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "not_signed";
}

static enum verifier_file_verdict from_cms(enum keys_cms_verdict v)
{
    switch (v) {
    case KEYS_CMS_VALID:
        return VERIFIER_FILE_VALID;
    case KEYS_CMS_MODIFIED:
        return VERIFIER_FILE_MODIFIED;
    case KEYS_CMS_UNKNOWN_KEY:
        return VERIFIER_FILE_NOT_OURS;
    case KEYS_CMS_REVOKED_KEY:
        return VERIFIER_FILE_REVOKED_KEY;
    default:
        return VERIFIER_FILE_NOT_SIGNED;
    }
}

static int pdf_check(const keys_trust_t *t, const unsigned char *file, size_t len,
                     struct verifier_file *out)
{
    struct jp_span ranges[2];
    enum keys_cms_verdict cv;
    unsigned char *der = NULL;
    size_t off, n, dlen = 0;
    int rc;

    out->format = "pdf";
    rc = vf_pdf_sig_der(file, len, &der, &dlen, &off, &n);
    if (rc == ENOENT)
        jp_errf(out->reason, sizeof out->reason, "no signature (/ByteRange) in the PDF");
    if (rc == EINVAL)
        jp_errf(out->reason, sizeof out->reason, "the signature value is not hexadecimal");
    if (rc == ENOENT || rc == EINVAL)
        return 0;
    if (rc != 0)
        return rc;
    ranges[0] = (struct jp_span){file, off};
    ranges[1] = (struct jp_span){file + off + n, len - off - n};
    rc = keys_trust_cms_verify(t, der, dlen, ranges, 2, &cv, out->reason, sizeof out->reason);
    out->verdict = from_cms(cv);
    free(der);
    return rc;
}

static int ofd_check(const keys_trust_t *t, const unsigned char *file, size_t len,
                     struct verifier_file *out)
{
    struct vf_ofd_seal seal;
    int rc = vf_ofd_check(t, file, len, &seal);

    out->format = "ofd";
    memcpy(out->reason, seal.reason, sizeof out->reason);
    if (rc != 0)
        return rc;
    if (seal.seal == OFD_NOT_SIGNED)
        out->verdict = VERIFIER_FILE_NOT_SIGNED;
    else if (!seal.ours)
        out->verdict = VERIFIER_FILE_NOT_OURS;
    else if (seal.seal == OFD_MODIFIED)
        out->verdict = VERIFIER_FILE_MODIFIED;
    else if (seal.signer_revoked)
        out->verdict = VERIFIER_FILE_REVOKED_KEY;
    else
        out->verdict = VERIFIER_FILE_VALID;
    if (out->verdict == VERIFIER_FILE_NOT_OURS && seal.seal != OFD_NOT_SIGNED)
        jp_errf(out->reason, sizeof out->reason,
                "the seal is not made with the trust list's SM2 keys");
    if (out->verdict == VERIFIER_FILE_REVOKED_KEY)
        jp_errf(out->reason, sizeof out->reason, "the SM2 signing key is revoked");
    return 0;
}

int verifier_file_check(const keys_trust_t *trust, const unsigned char *file, size_t len,
                        struct verifier_file *out)
{
    memset(out, 0, sizeof *out);
    out->format = "unknown";
    out->verdict = VERIFIER_FILE_NOT_SIGNED;
    if (len >= 5 && memcmp(file, "%PDF-", 5) == 0)
        return pdf_check(trust, file, len, out);
    if (vf_is_ofd(file, len))
        return ofd_check(trust, file, len, out);
    jp_errf(out->reason, sizeof out->reason, "neither a PDF nor an OFD package");
    return 0;
}
