/*
 * fuzz_upload.c - libFuzzer target for what the employers' pages take from a
 * browser (pages.h, store.h): multipart/form-data with one file, urlencoded
 * forms, the Cookie header, the CSRF check, and the signature locator the
 * file check runs on the uploaded file (store_pdf_sig_digest).
 *
 * Input: the first line is the Content-Type header (a multipart boundary to
 * mutate), the second a Cookie header, the rest the body. Beyond memory
 * safety it checks that a parsed file lies inside the body and within 2 MiB,
 * that every text field is valid UTF-8 without NUL, and that parsing the same
 * body twice gives the same answer.
 */
#include "fuzz_common.h"
#include "pages.h"
#include "store.h"
#include "util.h"

#include <stdint.h>
#include <string.h>

static void check_fields(const struct pages_form *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        FZ_ASSERT(jp_utf8_valid(f->f[i].value, f->f[i].len));
        FZ_ASSERT(memchr(f->f[i].value, 0, f->f[i].len) == NULL);
        FZ_ASSERT(f->f[i].len <= PAGES_VALUE_MAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char ctype[512], cookie[512], token[64];
    const uint8_t *p = data, *end = data + size;
    struct pages_upload u, again;
    unsigned char d[32];
    int rc, rc2;

    fz_next_line(&p, end, ctype, sizeof(ctype));
    fz_next_line(&p, end, cookie, sizeof(cookie));
    rc = pages_body_parse(ctype, p, (size_t)(end - p), "file", &u);
    rc2 = pages_body_parse(ctype, p, (size_t)(end - p), "file", &again);
    FZ_ASSERT(rc == rc2);
    if (rc == 0) {
        FZ_ASSERT(u.fields.n == again.fields.n && u.has_file == again.has_file);
        check_fields(&u.fields);
        if (u.has_file) {
            FZ_ASSERT(u.file_len <= PAGES_UPLOAD_MAX);
            FZ_ASSERT(u.file >= p && u.file + u.file_len <= end);
            store_pdf_sig_digest(u.file, u.file_len, d);
        }
        (void)pages_csrf_check(cookie, &u.fields);
    }
    pages_upload_free(&u);
    pages_upload_free(&again);
    (void)pages_cookie_get(cookie, PAGES_CSRF_COOKIE, token, sizeof(token));
    store_pdf_sig_digest(data, size, d);
    return 0;
}
