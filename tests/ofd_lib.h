/*
 * ofd_lib.h - what the OFD tests (test_ofd.c, test_ofd_check.c,
 * test_ofd_issue.c) build their packages with: PNG chunks, SM2 signing and
 * verifying through keys/sm2.c, a seal and package surgery (ofd_read_entry,
 * libzip). For tests only; include after check.h, keys.h, ofd.h and util.h.
 */
#ifndef JP_TEST_OFD_LIB_H
#define JP_TEST_OFD_LIB_H

#include "capture.h"
#include "sh.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zip.h>
#include <zlib.h>

#define UNUSED_FN __attribute__((unused))

static void put32(unsigned char *p, uint32_t v) UNUSED_FN;
static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Appends one PNG chunk (length, type, data, CRC) to b. */
static void png_chunk(struct jp_buf *b, const char *type, const unsigned char *d,
                      size_t n) UNUSED_FN;
static void png_chunk(struct jp_buf *b, const char *type, const unsigned char *d, size_t n)
{
    unsigned char h[8], crc[4];

    put32(h, (uint32_t)n);
    memcpy(h + 4, type, 4);
    put32(crc, (uint32_t)crc32(crc32(0, (const Bytef *)type, 4), d, (uInt)n));
    CHECK(jp_buf_append(b, h, 8) == 0 && jp_buf_append(b, d, n) == 0 &&
          jp_buf_append(b, crc, 4) == 0);
}

/* An SM2 key of keys/sm2.c as an ofd_signer's context; calls counts the signatures. */
struct sm2_signer {
    const keys_sm2_t *keys;
    enum keys_sm2_which which;
    int calls;
};

static int sm2_sign_cb(void *ctx, const unsigned char *data, size_t len, unsigned char *sig,
                       size_t sigsz, size_t *siglen, char *err, size_t errlen) UNUSED_FN;
static int sm2_sign_cb(void *ctx, const unsigned char *data, size_t len, unsigned char *sig,
                       size_t sigsz, size_t *siglen, char *err, size_t errlen)
{
    struct sm2_signer *s = ctx;
    unsigned char buf[KEYS_SM2_SIG_MAX];
    int rc;

    s->calls++;
    rc = keys_sm2_sign(s->keys, s->which, data, len, buf, siglen, err, errlen);
    if (rc == 0 && *siglen <= sigsz)
        memcpy(sig, buf, *siglen);
    return rc != 0 || *siglen > sigsz;
}

/* Valid when the signature holds and the certificate is ctx's SM2 root or issued by it. */
static int sm2_verify_cb(void *ctx, const struct jp_span *cert, const unsigned char *data,
                         size_t len, const unsigned char *sig, size_t siglen) UNUSED_FN;
static int sm2_verify_cb(void *ctx, const struct jp_span *cert, const unsigned char *data,
                         size_t len, const unsigned char *sig, size_t siglen)
{
    const keys_sm2_t *k = ctx;
    const unsigned char *root;
    size_t rootlen;

    if (keys_sm2_cert_der(k, KEYS_SM2_ROOT, &root, &rootlen) != 0)
        return -1;
    if (keys_sm2_cert_issued_by(cert->p, cert->n, root, rootlen) != 1)
        return 0;
    return keys_sm2_verify(cert->p, cert->n, data, len, sig, siglen);
}

/*
 * The test seal (SES_Seal) named name with the picture png (PNG, 40 x 40 mm),
 * made by k's root for k's signing certificate, valid five years from when,
 * into seal (initialised by the caller). Returns ofd_seal_make's code; *calls is the number of
 * signatures.
 */
static int seal_make(const keys_sm2_t *k, const char *name, const char *es_id,
                     const struct jp_buf *png, time_t when, struct jp_buf *seal,
                     int *calls) UNUSED_FN;
static int seal_make(const keys_sm2_t *k, const char *name, const char *es_id,
                     const struct jp_buf *png, time_t when, struct jp_buf *seal, int *calls)
{
    struct sm2_signer maker = {k, KEYS_SM2_ROOT, 0};
    struct ofd_signer s = {sm2_sign_cb, &maker, {NULL, 0}};
    struct jp_span signer_cert;
    struct ofd_seal_info info = {
        .vid = "Jianpei",
        .es_id = es_id,
        .type = 1,
        .name = name,
        .signer_certs = &signer_cert,
        .nsigner_certs = 1,
        .created = when,
        .valid_start = when,
        .valid_end = when + 5 * 365 * 86400,
        .picture_type = "PNG",
        .picture = {png->data, png->len},
        .width_mm = 40,
        .height_mm = 40,
    };
    char err[256] = "";
    int rc;

    CHECK_INT(keys_sm2_cert_der(k, KEYS_SM2_ROOT, &s.cert.p, &s.cert.n), 0);
    CHECK_INT(keys_sm2_cert_der(k, KEYS_SM2_SIGNER, &signer_cert.p, &signer_cert.n), 0);
    rc = ofd_seal_make(&info, &s, seal, err, sizeof err);
    if (calls != NULL)
        *calls = maker.calls;
    return rc;
}

/* --- package surgery (libzip) ------------------------------------------------- */

/* The member fname of the package pkg into a new buffer out (ofd_read_entry, bound
 * OFD_MAX_ENTRY); the caller frees out. Returns 0, or ofd_read_entry's code. */
static int zip_get(const struct jp_buf *pkg, const char *fname, struct jp_buf *out) UNUSED_FN;
static int zip_get(const struct jp_buf *pkg, const char *fname, struct jp_buf *out)
{
    return ofd_read_entry(pkg->data, pkg->len, fname, OFD_MAX_ENTRY, out);
}

/*
 * A copy of pkg with fname's content replaced by data (added when missing),
 * into out; the rewrite goes through the file scratch, which it replaces.
 */
static void zip_put(const struct jp_buf *pkg, const char *fname, const void *data, size_t len,
                    const char *scratch, struct jp_buf *out) UNUSED_FN;
static void zip_put(const struct jp_buf *pkg, const char *fname, const void *data, size_t len,
                    const char *scratch, struct jp_buf *out)
{
    unsigned char *copy = NULL;
    zip_source_t *s;
    size_t n = 0;
    zip_t *za;

    unlink(scratch);
    CHECK_INT(jp_write_file_excl(scratch, pkg->data, pkg->len, 0600), 0);
    za = zip_open(scratch, 0, NULL);
    CHECK(za != NULL);
    s = za != NULL ? zip_source_buffer(za, data, len, 0) : NULL;
    CHECK(s != NULL && zip_file_add(za, fname, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) >= 0);
    CHECK(za != NULL && zip_close(za) == 0);
    CHECK_INT(jp_read_file(scratch, 64u << 20, &copy, &n), 0);
    jp_buf_init(out, 64u << 20);
    CHECK(copy != NULL && jp_buf_append(out, copy, n) == 0);
    free(copy);
}

/* The text ofd.js drew: the contents of the SVG <text> elements of its DOM, concatenated,
 * NUL-terminated. */
static void drawn_text(const char *dom, struct jp_buf *out) UNUSED_FN;
static void drawn_text(const char *dom, struct jp_buf *out)
{
    const char *p = dom, *gt, *end;

    jp_buf_init(out, 1u << 20);
    while ((p = strstr(p, "<text")) != NULL) {
        gt = strchr(p, '>');
        end = gt != NULL ? strstr(gt, "</text>") : NULL;
        if (end == NULL)
            break;
        CHECK_INT(jp_buf_append(out, gt + 1, (size_t)(end - gt - 1)), 0);
        p = end;
    }
    CHECK_INT(jp_buf_append(out, "", 1), 0);
}

/*
 * ofd.js in headless Chromium (tests/peers/ofd-render.py) renders the package
 * file: the screenshot goes to the test logs as png_name (its path into png),
 * the DOM to html. Returns the DOM (the caller frees it), NULL when there is
 * none; text gets the text drawn (drawn_text).
 */
static unsigned char *ofdjs_render(const char *file, const char *png_name, const char *html,
                                   char *png, size_t pngsz, struct jp_buf *text) UNUSED_FN;
static unsigned char *ofdjs_render(const char *file, const char *png_name, const char *html,
                                   char *png, size_t pngsz, struct jp_buf *text)
{
    unsigned char *dom = NULL;
    size_t len = 0;

    CHECK(jp_path_join(png, pngsz, cap_dir(), png_name) == 0);
    CHECK_INT(sh("python3 '%s' '%s' '%s' '%s'", JP_SOURCE_DIR "/tests/peers/ofd-render.py", file,
                 png, html),
              0);
    CHECK_INT(jp_read_file(html, 64u << 20, &dom, &len), 0);
    if (dom != NULL)
        drawn_text((const char *)dom, text);
    return dom;
}

#undef UNUSED_FN

#endif
