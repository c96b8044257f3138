/*
 * fuzz_pdf.c - libFuzzer target for the pdf module's reader and writer
 * (pdf/pdf.h): pdf_sign() of any bytes, with a stand-in signer that returns
 * a small fixed DER. The reader sees every input (header, startxref, the xref
 * chain along /Prev, trailer, catalog, page tree); inputs it accepts also go
 * through the writer. Beyond memory safety it checks what a caller relies on:
 * a refusal is a code of the module's range (or ENOMEM/EFBIG) with a named
 * reason and leaves the output buffer as it was; a success keeps the input
 * bytes unchanged at the front, ends with %%EOF, carries the signer's DER in
 * /Contents, and called the signer exactly once. Seeds in fuzz/corpus/pdf/.
 */
#include "fuzz_common.h"
#include "pdf.h"
#include "util.h"

#include <errno.h>
#include <string.h>

#define MAX_INPUT (1u << 20) /* larger inputs teach the reader nothing new */

struct fake {
    int calls; /* sign callbacks made */
};

static int fake_sign(void *ctx, const struct jp_span *ranges, size_t nranges, unsigned char **der,
                     size_t *derlen, char *err, size_t errlen)
{
    static unsigned char value[] = {0x30, 0x03, 0x02, 0x01, 0x2A};
    struct fake *f = ctx;

    (void)err, (void)errlen;
    f->calls++;
    FZ_ASSERT(nranges == 2 && ranges[0].n > 0 && ranges[1].n > 0);
    *der = value;
    *derlen = sizeof(value);
    return 0;
}

static void check_signed(const uint8_t *data, size_t size, const struct jp_buf *out)
{
    FZ_ASSERT(out->len > size && memcmp(out->data, data, size) == 0);
    FZ_ASSERT(fz_contains(out->data + out->len - 7, 7, "%%EOF\n", 6));
    FZ_ASSERT(fz_contains(out->data + size, out->len - size, "/Contents <300302012A00", 23));
    FZ_ASSERT(fz_contains(out->data + size, out->len - size, "/ByteRange [0 ", 14));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fake f = {0};
    struct pdf_signer s = {fake_sign,        NULL, &f, 1700000000, "fuzz", NULL,
                           PDF_MIN_CONTENTS, NULL, 0,  NULL,       0,  0};
    struct jp_buf out;
    char err[256];
    int rc;

    if (size > MAX_INPUT)
        return 0;
    jp_buf_init(&out, (size_t)MAX_INPUT * 2);
    err[0] = '\0';
    rc = pdf_sign(data, size, &s, &out, err, sizeof(err));
    FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc == 0) {
        FZ_ASSERT(f.calls == 1);
        check_signed(data, size, &out);
    } else {
        FZ_ASSERT(JP_ERR_IN(rc, JP_ERR_PDF_BASE) || rc == ENOMEM || rc == EFBIG);
        FZ_ASSERT(strcmp(pdf_strerror(rc), "unknown error") != 0);
        FZ_ASSERT(err[0] != '\0' && out.len == 0 && f.calls <= 1);
    }
    jp_buf_free(&out);
    return 0;
}
