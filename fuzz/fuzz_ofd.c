/*
 * fuzz_ofd.c - libFuzzer target for the ofd module's reader (ofd/ofd.h):
 * ofd_verify() of any bytes, with a stand-in verifier that accepts every
 * signature, so inputs reach the ZIP bounds, the XML of OFD.xml,
 * Signatures.xml and Signature.xml, the Reference digests, the coverage
 * check and the SES_Signature decoder. Beyond memory safety it checks what a
 * caller relies on: 0 (or ENOMEM) is returned, the verdict is one of three,
 * a refusal names its reason, and an intact verdict asked the verifier
 * exactly twice (the seal maker's and the signer's signature). Seeds in
 * fuzz/corpus/ofd/ (a sealed package from tests/test_ofd.c and tampered ones).
 */
#include "fuzz_common.h"
#include "ofd.h"

#include <errno.h>
#include <string.h>

struct fake {
    int calls; /* verify callbacks made */
};

static int accept_all(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                      const unsigned char *sig, size_t siglen)
{
    struct fake *f = ctx;

    FZ_ASSERT(cert != NULL && cert->p != NULL && data != NULL && len > 0);
    (void)sig, (void)siglen;
    f->calls++;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fake f = {0};
    struct ofd_verifier v = {accept_all, &f};
    struct ofd_report r;
    int rc;

    rc = ofd_verify(data, size, &v, &r);
    FZ_ASSERT(rc == 0 || rc == ENOMEM);
    if (rc == 0) {
        FZ_ASSERT(r.verdict == OFD_INTACT || r.verdict == OFD_MODIFIED ||
                  r.verdict == OFD_NOT_SIGNED);
        FZ_ASSERT(memchr(r.reason, '\0', sizeof r.reason) != NULL);
        FZ_ASSERT((r.verdict == OFD_INTACT) == (r.reason[0] == '\0'));
        FZ_ASSERT(r.verdict != OFD_INTACT || f.calls == 2);
        FZ_ASSERT(r.files <= OFD_MAX_ENTRIES);
        FZ_ASSERT(r.verdict != OFD_INTACT || r.have_signed_value); /* the store indexes it */
    }
    ofd_report_free(&r);
    return 0;
}
