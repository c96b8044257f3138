/*
 * fuzz_tmpl.c - libFuzzer target for tmpl_load() (templates/tmpl.h): the
 * certificate template file, written to the target's temporary directory
 * and parsed with its fonts opened. A template that loads is then rendered
 * once with a fixed holder (rare characters included), so layouts the parser
 * accepts are also drawn. Fonts are opened per input, so this target runs
 * about ten inputs a second; seeds reference the fonts of
 * data/certificate.tmpl (fonts-arphic-uming, fonts-hanazono, fonts-babelstone-han).
 * Beyond memory safety it checks that a refusal always says where
 * ("FILE:LINE: reason" or a font reason) and that a rendered PDF starts with
 * %PDF- and ends with %%EOF.
 */
#include "fuzz_common.h"
#include "render_sample.h"
#include "tmpl.h"
#include "util.h"

#include <string.h>

#define QR_TEXT "HTTPS://JP.EXAMPLE/V/440120230100000013/2KCE3IQBEYCERTVQXUCT3YNORCQ"

static void render_once(const struct tmpl *t)
{
    struct tmpl_fields holder = sample_fields("张𠮷䶮", QR_TEXT, NULL, 0);
    struct jp_buf pdf;
    char err[256];
    int rc;

    jp_buf_init(&pdf, TMPL_MAX_PDF);
    rc = tmpl_render(t, &holder, &pdf, err, sizeof(err));
    if (rc == 0) {
        FZ_ASSERT(pdf.len > 16 && memcmp(pdf.data, "%PDF-", 5) == 0);
        FZ_ASSERT(fz_contains(pdf.data + pdf.len - 16, 16, "%%EOF", 5));
    } else {
        FZ_ASSERT(pdf.len == 0);
    }
    jp_buf_free(&pdf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tmpl *t = NULL;
    const char *path;
    char err[512];
    int rc;

    if (size > 64 * 1024)
        return 0;
    path = fz_write("certificate.tmpl", data, size);
    err[0] = '\0';
    rc = tmpl_load(path, &t, err, sizeof(err));
    FZ_ASSERT((rc == 0) == (t != NULL));
    FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc == TMPL_ESYNTAX)
        FZ_ASSERT(strncmp(err, path, strlen(path)) == 0);
    if (rc == 0)
        render_once(t);
    tmpl_free(t);
    return 0;
}
