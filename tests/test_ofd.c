/*
 * test_ofd.c - the ofd module (SPEC §11): a one-page certificate with an
 * embedded font subset, a frame, a vector QR and a photo is written and
 * sealed with an SM2 hierarchy (keys/sm2.c), and read back intact. Then each
 * tamper a user could try is refused by ofd_verify() AND by an independent
 * checker (tests/peers/ofd-check.py: Python's zipfile and SM3, npm
 * sm-crypto for both SM2 signatures): one byte changed in Content.xml, the
 * seal image swapped, a file added, the signature itself changed. The reader
 * also refuses zip bombs, a DTD and garbage. npm ofd.js 0.2.6 in headless
 * Chromium (tests/peers/ofd-render.py) renders the page: text, seal and a QR
 * that zbarimg reads back. Checked-in fixtures (tests/fixtures/ofd) still
 * verify. The package and the screenshot stay in the test logs
 * (sample-1.ofd, ofdjs-page.png). A missing peer tool fails the test.
 */
#include "check.h"
#include "keys.h"
#include "ofd.h"
#include "sh.h"
#include "util.h"
#include "ofd_lib.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hb-subset.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <hb.h>
#include <qrencode.h>
#include <zip.h>
#include <zlib.h>

#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"
#define HANAMINB "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"
#define CHECKER JP_SOURCE_DIR "/tests/peers/ofd-check.py"
#define SMCRYPTO JP_SOURCE_DIR "/tests/peers/node_modules/sm-crypto/package.json"
#define WHEN ((time_t)1764748800) /* 2025-12-03T08:00:00Z */

static const char title[] = "住房和城乡建设领域施工现场专业人员职业培训合格证";
static const char name[] = "张三丰";
static const char number[] = "442023123456789010";
static const char authority[] = "广东省住房和城乡建设厅";
static const char rare[] = "\xf0\xa0\xae\xb7"; /* U+20BB7 𠮷 (CJK extension B), from HanaMin B */

static char tmpdir[64];
static char scratch[96]; /* tmpdir/surgery.zip, zip_put's */

/* --- Fixtures: PNG, font subset, QR ------------------------------------- */

/*
 * A size x size RGBA PNG: a ring and a centre dot in colour c, transparent
 * elsewhere (ring = 0: a filled square, for the photo). zlib level 0, so two
 * images of one size have the same length whatever their colour.
 */
static void make_png(struct jp_buf *b, unsigned size, const unsigned char c[3], int ring)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t raw_len = (size_t)size * (4 * size + 1), x, y;
    unsigned char *raw = calloc(1, raw_len), ihdr[13] = {0};
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = malloc(zlen);
    double r, m = size / 2.0;

    for (y = 0; y < size && raw != NULL; y++)
        for (x = 0; x < size; x++) {
            unsigned char *px = raw + y * (4 * size + 1) + 1 + 4 * x;

            r = sqrt((x - m) * (x - m) + (y - m) * (y - m));
            if (!ring || (r < m - 1 && r > m - 0.1 * size) || r < 0.18 * size) {
                memcpy(px, c, 3);
                px[3] = 255;
            }
        }
    put32(ihdr, size), put32(ihdr + 4, size);
    ihdr[8] = 8, ihdr[9] = 6;
    jp_buf_init(b, 8u << 20);
    CHECK(raw != NULL && z != NULL && compress2(z, &zlen, raw, (uLong)raw_len, 0) == Z_OK);
    CHECK(jp_buf_append(b, sig, 8) == 0);
    png_chunk(b, "IHDR", ihdr, 13);
    png_chunk(b, "IDAT", z, zlen);
    png_chunk(b, "IEND", NULL, 0);
    free(raw);
    free(z);
}

struct font {
    struct jp_buf ttf; /* the subset */
    hb_font_t *hb;     /* on the whole face, for advances */
    unsigned upem;     /* units per em */
};

/* A HarfBuzz subset of the font file path with the code points of text. */
static void make_font(struct font *f, const char *path, const char *text)
{
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path), *out = NULL;
    hb_face_t *face = hb_face_create(blob, 0), *sub = NULL;
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_set_t *set = in != NULL ? hb_subset_input_unicode_set(in) : NULL;
    size_t len = strlen(text), k;
    unsigned n = 0;
    uint32_t cp;
    const char *d;

    CHECK(blob != NULL && in != NULL);
    for (; len > 0 && set != NULL; text += k, len -= k) {
        k = jp_utf8_decode((const unsigned char *)text, len, &cp);
        if (k == 0)
            break;
        hb_set_add(set, cp);
    }
    if (in != NULL)
        sub = hb_subset_or_fail(face, in);
    CHECK(sub != NULL);
    if (sub != NULL)
        out = hb_face_reference_blob(sub);
    d = out != NULL ? hb_blob_get_data(out, &n) : NULL;
    jp_buf_init(&f->ttf, 8u << 20);
    CHECK(d != NULL && n > 1000 && jp_buf_append(&f->ttf, d, n) == 0);
    f->hb = hb_font_create(face);
    f->upem = hb_face_get_upem(face);
    hb_blob_destroy(out);
    hb_face_destroy(sub);
    hb_subset_input_destroy(in);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
}

/* Advances of text's characters (all but the last) at size mm. */
static size_t advances(const struct font *f, const char *text, double size, double *dx, size_t max)
{
    size_t len = strlen(text), k, n = 0;
    hb_codepoint_t g;
    uint32_t cp;

    while (len > 0 && n < max) {
        k = jp_utf8_decode((const unsigned char *)text, len, &cp);
        CHECK(k > 0);
        text += k, len -= k;
        if (len == 0)
            break;
        CHECK(hb_font_get_nominal_glyph(f->hb, cp, &g));
        dx[n++] = size * hb_font_get_glyph_h_advance(f->hb, g) / (double)f->upem;
    }
    return n;
}

/* The QR's dark modules as rectangles of a mm at (x, y). */
static size_t make_qr(struct ofd_rect *r, size_t max, double x, double y, double side)
{
    QRcode *q = QRcode_encodeString("https://verify.example.cn/c/442023123456789010", 0,
                                    QR_ECLEVEL_M, QR_MODE_8, 1);
    size_t n = 0;
    int i, j;
    double m;

    CHECK(q != NULL);
    if (q == NULL)
        return 0;
    m = side / q->width;
    for (i = 0; i < q->width; i++)
        for (j = 0; j < q->width; j++)
            if ((q->data[i * q->width + j] & 1) && n < max) {
                r[n].x = x + j * m, r[n].y = y + i * m, r[n].w = m, r[n].h = m;
                n++;
            }
    QRcode_free(q);
    return n;
}

/* --- Verifying: sm2_verify_cb (ofd_lib.h), a pinned root, yes and no ------- */

/* The fixture's trust: a root pinned by fingerprint, and certificates it issued. */
struct pinned {
    struct jp_buf root; /* the pinned root's DER, once found */
};

static int pinned_cb(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                     const unsigned char *sig, size_t siglen)
{
    const struct pinned *p = ctx;

    if (keys_sm2_cert_issued_by(cert->p, cert->n, p->root.data, p->root.len) != 1)
        return 0;
    return keys_sm2_verify(cert->p, cert->n, data, len, sig, siglen);
}

static int accept_cb(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                     const unsigned char *sig, size_t siglen)
{
    (void)ctx, (void)cert, (void)data, (void)len, (void)sig, (void)siglen;
    return 1;
}

static int never_cb(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                    const unsigned char *sig, size_t siglen)
{
    (void)ctx, (void)cert, (void)data, (void)len, (void)sig, (void)siglen;
    return 0;
}

/* --- The document ----------------------------------------------------------- */

struct fixture {
    keys_sm2_t *keys;
    struct font font, rare_font;
    struct jp_buf seal_png, other_png, photo_png, seal, pkg;
    struct jp_buf legacy;  /* the same document with Seal.esl beside SignedValue.dat (ofdrw's) */
    struct jp_span rare_z; /* the rare font given already deflated to ofd_write, or {NULL, 0} */
};

static void make_seal(struct fixture *fx)
{
    static const unsigned char red[3] = {230, 0, 18};
    int calls = 0;

    make_png(&fx->seal_png, 160, red, 1);
    jp_buf_init(&fx->seal, 1u << 20);
    CHECK_INT(seal_make(fx->keys, authority, "44000020251203000001", &fx->seal_png, WHEN, &fx->seal,
                        &calls),
              0);
    CHECK_INT(calls, 1);
    CHECK_INT(
        seal_make(fx->keys, authority, "not ascii \x01", &fx->seal_png, WHEN, &fx->seal, NULL),
        OFD_EINVAL);
}

/* rare: also the run of U+20BB7 in HanaMin B (ofd.js cannot draw it, see test_render). */
static void make_doc(struct fixture *fx, struct jp_buf *out, int *calls, int rare_run,
                     int seal_file)
{
    static double dx[4][64];
    static struct ofd_rect qr[2000], frame[2];
    static const unsigned char blue[3] = {40, 80, 160};
    struct ofd_font fonts[2] = {
        {"AR PL UMing CN", "AR PL UMing", {fx->font.ttf.data, fx->font.ttf.len}, {NULL, 0}},
        {"HanaMinB", "HanaMinB", {fx->rare_font.ttf.data, fx->rare_font.ttf.len}, fx->rare_z},
    };
    struct ofd_text texts[5] = {
        {0, 6, 20, 40, title, dx[0], 0, {0, 0, 0}},
        {0, 5, 30, 80, name, dx[1], 0, {0, 0, 0}},
        {0, 5, 30, 95, number, dx[2], 0, {0, 0, 0}},
        {0, 5, 100, 240, authority, dx[3], 0, {0, 0, 0}},
        {1, 5, 60, 80, rare, NULL, 0, {0, 0, 0}},
    };
    struct ofd_path paths[2] = {{frame, 1, 0, 0.8, {150, 40, 30}, 0}, {qr, 0, 1, 0, {0, 0, 0}, 0}};
    struct ofd_image photo = {"PNG", {NULL, 0}, {150, 60, 35, 45}};
    struct sm2_signer signer = {fx->keys, KEYS_SM2_SIGNER, 0};
    struct ofd_signer s = {sm2_sign_cb, &signer, {NULL, 0}};
    struct ofd_stamp stamp = {{fx->seal.data, fx->seal.len}, {115, 215, 40, 40}, WHEN, &s,
                              seal_file};
    struct ofd_doc doc = {
        .doc_id = "0123456789abcdef0123456789abcdef",
        .title = title,
        .creator = "Jianpei",
        .creation_date = "2025-12-03",
        .fonts = fonts,
        .nfonts = 2,
        .page = {210, 297, paths, 2, &photo, 1, texts, rare_run ? 5 : 4},
    };
    char err[256] = "";
    size_t i;

    for (i = 0; i < 4; i++)
        texts[i].ndx = advances(&fx->font, texts[i].text, texts[i].size, dx[i], 64);
    frame[0] = (struct ofd_rect){10, 10, 190, 277};
    paths[1].nrects = make_qr(qr, 2000, 150, 120, 35);
    if (fx->photo_png.data == NULL)
        make_png(&fx->photo_png, 40, blue, 0);
    photo.data.p = fx->photo_png.data, photo.data.n = fx->photo_png.len;
    CHECK_INT(keys_sm2_cert_der(fx->keys, KEYS_SM2_SIGNER, &s.cert.p, &s.cert.n), 0);
    jp_buf_init(out, OFD_MAX_OUTPUT);
    CHECK_INT(ofd_write(&doc, &stamp, out, err, sizeof err), 0);
    if (err[0] != '\0')
        fprintf(stderr, "ofd_write: %s\n", err);
    *calls = signer.calls;
    /* A model error is refused before anything is signed. */
    texts[1].ndx = 1;
    CHECK_INT(ofd_write(&doc, &stamp, out, err, sizeof err), OFD_EINVAL);
    CHECK_INT(signer.calls, *calls);
}

/* --- Verdicts ------------------------------------------------------------------ */

static enum ofd_verdict verdict(const keys_sm2_t *k, const struct jp_buf *pkg, char *reason,
                                size_t reasonsz)
{
    struct ofd_verifier v = {sm2_verify_cb, (void *)k};
    struct ofd_report r;
    enum ofd_verdict out;

    CHECK_INT(ofd_verify(pkg->data, pkg->len, &v, &r), 0);
    out = r.verdict;
    if (reason != NULL)
        snprintf(reason, reasonsz, "%s", r.reason);
    ofd_report_free(&r);
    return out;
}

/* The independent checker's exit status for a package (written to tmpdir/name). */
static int peer_check(const struct jp_buf *pkg, const char *fname)
{
    char path[128];

    snprintf(path, sizeof path, "%s/%s", tmpdir, fname);
    unlink(path);
    CHECK_INT(jp_write_file_excl(path, pkg->data, pkg->len, 0600), 0);
    return sh("python3 '%s' '%s' >&2", CHECKER, path);
}

/* A tampered package: refused by us with reason containing want, and by the peer. */
static void expect_refused(const struct fixture *fx, const struct jp_buf *pkg, const char *label,
                           enum ofd_verdict want_verdict, const char *want)
{
    char reason[256] = "";
    enum ofd_verdict v = verdict(fx->keys, pkg, reason, sizeof reason);

    fprintf(stderr, "%s: %s (%s)\n", label, ofd_verdict_name(v), reason);
    CHECK_INT(v, want_verdict);
    CHECK(strstr(reason, want) != NULL);
    CHECK_INT(peer_check(pkg, "tampered.ofd"), 1);
}

static void test_intact(const struct fixture *fx)
{
    struct ofd_verifier v = {sm2_verify_cb, fx->keys}, no = {never_cb, NULL};
    struct ofd_report r;
    const unsigned char *der;
    size_t derlen;
    char out[4096] = "", path[128];
    struct jp_buf esl;

    CHECK_INT(ofd_verify(fx->pkg.data, fx->pkg.len, &v, &r), 0);
    CHECK_STR(ofd_verdict_name(r.verdict), "intact");
    CHECK_STR(r.reason, "");
    CHECK_STR(r.es_id, "44000020251203000001");
    CHECK_STR(r.time_info, "20251203080000Z");
    CHECK_INT(keys_sm2_cert_der(fx->keys, KEYS_SM2_SIGNER, &der, &derlen), 0);
    CHECK(r.signer_cert.len == derlen && memcmp(r.signer_cert.data, der, derlen) == 0);
    CHECK(r.files >= 10);
    ofd_report_free(&r);
    /* The seal is only inside SignedValue.dat; a package with ofdrw's Seal.esl copy is intact
     * too, for us and for the peer. */
    CHECK(zip_get(&fx->pkg, "Doc_0/Signs/Sign_0/Seal.esl", &esl) != 0);
    jp_buf_free(&esl);
    CHECK(fx->legacy.len > fx->pkg.len + fx->seal.len);
    CHECK_INT(verdict(fx->keys, &fx->legacy, NULL, 0), OFD_INTACT);
    CHECK_INT(peer_check(&fx->legacy, "legacy.ofd"), 0);
    /* A verifier that trusts nobody: the same package is not intact for it. */
    CHECK_INT(ofd_verify(fx->pkg.data, fx->pkg.len, &no, &r), 0);
    CHECK_INT(r.verdict, OFD_MODIFIED);
    ofd_report_free(&r);

    CHECK(access(SMCRYPTO, R_OK) == 0); /* scripts/install-peers.sh: npm ci in tests/peers */
    CHECK_INT(peer_check(&fx->pkg, "sample.ofd"), 0);
    snprintf(path, sizeof path, "%s/sample.ofd", tmpdir);
    CHECK_INT(sh_out(out, sizeof out, "python3 '%s' --text '%s'", CHECKER, path), 0);
    CHECK(strstr(out, name) != NULL && strstr(out, number) != NULL &&
          strstr(out, authority) != NULL && strstr(out, rare) != NULL);
    CHECK_INT(cap_file(path, "sample.ofd"), 0);
}

/*
 * ofd.js (tests/peers/ofd-render.py, headless Chromium) renders the page: the
 * name, number and authority are drawn as text, the seal's picture from
 * SignedValue.dat is drawn, and zbarimg reads the QR from the screenshot,
 * which stays in the test logs (ofdjs-page.png) for a person to look at.
 * ofd.js 0.2.6 renders nothing at all when a TextCode holds a character
 * outside the BMP (U+20BB7 here; our own reader and Python extract it), so
 * it gets the same certificate without that run.
 */
static void test_render(struct fixture *fx)
{
    char sample[128], png[700], html[128], qr[256] = "";
    unsigned char b64[64];
    unsigned char *dom = NULL;
    struct jp_buf text, plain;
    int calls = 0;

    make_doc(fx, &plain, &calls, 0, 0);
    snprintf(sample, sizeof sample, "%s/plain.ofd", tmpdir);
    CHECK_INT(jp_write_file_excl(sample, plain.data, plain.len, 0600), 0);
    jp_buf_free(&plain);
    snprintf(html, sizeof html, "%s/render.html", tmpdir);
    dom = ofdjs_render(sample, "ofdjs-page.png", html, png, sizeof png, &text);
    if (dom == NULL)
        return;
    CHECK(text.data != NULL && strstr((char *)text.data, name) != NULL &&
          strstr((char *)text.data, number) != NULL &&
          strstr((char *)text.data, authority) != NULL);
    /* The seal's PNG (signature and IHDR: 160 x 160) as a data: URL. */
    CHECK_INT(EVP_EncodeBlock(b64, fx->seal_png.data, 33), 44);
    CHECK(strstr((char *)dom, (char *)b64) != NULL);
    CHECK_INT(sh_out(qr, sizeof qr, "zbarimg -q --raw -Sdisable -Sqrcode.enable '%s'", png), 0);
    CHECK(strstr(qr, "https://verify.example.cn/c/442023123456789010") != NULL);
    jp_buf_free(&text);
    free(dom);
}

static void test_content_byte(const struct fixture *fx)
{
    struct jp_buf c, t;
    char *p;

    CHECK_INT(zip_get(&fx->pkg, "Doc_0/Pages/Page_0/Content.xml", &c), 0);
    p = c.data != NULL ? strstr((char *)c.data, number) : NULL;
    CHECK(p != NULL);
    if (p == NULL)
        return;
    p[17] = '9'; /* 442023123456789010 -> ...9019 */
    zip_put(&fx->pkg, "Doc_0/Pages/Page_0/Content.xml", c.data, c.len, scratch, &t);
    expect_refused(fx, &t, "one byte in Content.xml", OFD_MODIFIED, "Content.xml");
    jp_buf_free(&c);
    jp_buf_free(&t);
}

/* Replaces the seal picture inside a DER file with other, same-length bytes. */
static int swap_picture(struct jp_buf *der, const struct jp_buf *from, const struct jp_buf *to)
{
    size_t i;

    for (i = 0; i + from->len <= der->len; i++)
        if (memcmp(der->data + i, from->data, from->len) == 0) {
            memcpy(der->data + i, to->data, to->len);
            return 1;
        }
    return 0;
}

static void test_seal_swapped(struct fixture *fx)
{
    static const unsigned char blue[3] = {0, 60, 200};
    struct jp_buf val, lval, esl, t1, t2, t3;

    make_png(&fx->other_png, 160, blue, 1);
    CHECK_INT(fx->other_png.len, fx->seal_png.len);
    CHECK_INT(zip_get(&fx->pkg, "Doc_0/Signs/Sign_0/SignedValue.dat", &val), 0);
    CHECK(swap_picture(&val, &fx->seal_png, &fx->other_png));
    /* The seal's one copy, in the signature: the seal maker's signature fails. */
    zip_put(&fx->pkg, "Doc_0/Signs/Sign_0/SignedValue.dat", val.data, val.len, scratch, &t1);
    expect_refused(fx, &t1, "seal image swapped in SignedValue.dat", OFD_MODIFIED, "Seal");
    /* A package with Seal.esl beside: only in the signature (the maker's signature fails or
     * Seal.esl differs), then in both copies (Seal.esl's digest fails). */
    CHECK_INT(zip_get(&fx->legacy, "Doc_0/Signs/Sign_0/SignedValue.dat", &lval), 0);
    CHECK_INT(zip_get(&fx->legacy, "Doc_0/Signs/Sign_0/Seal.esl", &esl), 0);
    CHECK(swap_picture(&lval, &fx->seal_png, &fx->other_png));
    CHECK(swap_picture(&esl, &fx->seal_png, &fx->other_png));
    zip_put(&fx->legacy, "Doc_0/Signs/Sign_0/SignedValue.dat", lval.data, lval.len, scratch, &t2);
    expect_refused(fx, &t2, "seal image swapped in SignedValue.dat beside Seal.esl",
                   OFD_MODIFIED, "Seal");
    zip_put(&t2, "Doc_0/Signs/Sign_0/Seal.esl", esl.data, esl.len, scratch, &t3);
    expect_refused(fx, &t3, "seal image swapped everywhere", OFD_MODIFIED, "Seal.esl");
    jp_buf_free(&val), jp_buf_free(&lval), jp_buf_free(&esl);
    jp_buf_free(&t1), jp_buf_free(&t2), jp_buf_free(&t3);
}

static void test_file_added(const struct fixture *fx)
{
    struct jp_buf t;

    zip_put(&fx->pkg, "Doc_0/Res/image_9.png", fx->photo_png.data, fx->photo_png.len, scratch, &t);
    expect_refused(fx, &t, "file added", OFD_MODIFIED, "image_9.png is not covered");
    jp_buf_free(&t);
}

static void test_signature_byte(const struct fixture *fx)
{
    struct jp_buf val, t;

    CHECK_INT(zip_get(&fx->pkg, "Doc_0/Signs/Sign_0/SignedValue.dat", &val), 0);
    if (val.len > 0)
        val.data[val.len - 1] ^= 0x01; /* the last byte of s */
    zip_put(&fx->pkg, "Doc_0/Signs/Sign_0/SignedValue.dat", val.data, val.len, scratch, &t);
    expect_refused(fx, &t, "signature changed", OFD_MODIFIED, "signature does not verify");
    jp_buf_free(&val), jp_buf_free(&t);
}

/* Bombs, a DTD, garbage: refused without being read. */
static void test_hostile(const struct fixture *fx)
{
    static const char dtd[] = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"xx\">]>"
                              "<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\">&x;</ofd:OFD>";
    unsigned char *zeros = calloc(1, 20u << 20);
    struct jp_buf t, empty;
    char reason[256];

    jp_buf_init(&empty, 1);
    CHECK_INT(verdict(fx->keys, &empty, reason, sizeof reason), OFD_NOT_SIGNED);
    CHECK_INT(verdict(fx->keys, &fx->seal, reason, sizeof reason), OFD_NOT_SIGNED);
    CHECK(strstr(reason, "not a ZIP") != NULL);
    zip_put(&fx->pkg, "OFD.xml", dtd, sizeof dtd - 1, scratch, &t);
    CHECK_INT(verdict(fx->keys, &t, reason, sizeof reason), OFD_NOT_SIGNED);
    CHECK(strstr(reason, "DTD") != NULL);
    jp_buf_free(&t);
    CHECK(zeros != NULL);
    if (zeros == NULL)
        return;
    zip_put(&fx->pkg, "big.bin", zeros, 20u << 20, scratch, &t); /* over OFD_MAX_ENTRY */
    CHECK_INT(verdict(fx->keys, &t, reason, sizeof reason), OFD_NOT_SIGNED);
    CHECK(strstr(reason, "larger than the bound") != NULL);
    jp_buf_free(&t);
    zip_put(&fx->pkg, "ratio.bin", zeros, 4u << 20, scratch, &t); /* 4 MiB of zeros: ratio ~1000 */
    CHECK_INT(verdict(fx->keys, &t, reason, sizeof reason), OFD_NOT_SIGNED);
    CHECK(strstr(reason, "ratio") != NULL);
    jp_buf_free(&t);
    free(zeros);
}

/* A byte flipped in the ZIP itself (inside the compressed Content.xml): refused. */
static void test_raw_flip(const struct fixture *fx)
{
    struct jp_buf t;
    char reason[256] = "";
    size_t i;

    jp_buf_init(&t, OFD_MAX_OUTPUT);
    CHECK_INT(jp_buf_append(&t, fx->pkg.data, fx->pkg.len), 0);
    for (i = 0; i + 30 < t.len; i++)
        if (memcmp(t.data + i, "Doc_0/Pages/Page_0/Content.xml", 30) == 0)
            break;
    CHECK(i + 200 < t.len);
    t.data[i + 30 + 100] ^= 0x20; /* 100 bytes into the compressed data */
    CHECK(verdict(fx->keys, &t, reason, sizeof reason) != OFD_INTACT);
    fprintf(stderr, "byte flipped in the ZIP: %s\n", reason);
    CHECK_INT(peer_check(&t, "flipped.ofd"), 1);
    jp_buf_free(&t);
}

/* Raw deflate (RFC 1951) of in at zlib's level 9, so not what ofd_write's libdeflate makes;
 * *out is malloc'ed (NULL and 0 when zlib failed). */
static void raw_deflate(const struct jp_buf *in, unsigned char **out, size_t *outlen)
{
    z_stream z;
    uLong cap;

    memset(&z, 0, sizeof z);
    *out = NULL, *outlen = 0;
    CHECK_INT(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    cap = deflateBound(&z, (uLong)in->len);
    *out = malloc(cap);
    CHECK(*out != NULL);
    z.next_in = in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = *out;
    z.avail_out = (uInt)cap;
    if (*out != NULL)
        CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = z.total_out;
    deflateEnd(&z);
}

/* 1 when member i of za, as stored (flags ZIP_FL_COMPRESSED) or unpacked (0), is the len
 * bytes at want. */
static int member_is(zip_t *za, zip_uint64_t i, zip_flags_t flags, const unsigned char *want,
                     size_t len)
{
    zip_file_t *f = zip_fopen_index(za, i, flags);
    unsigned char *got = malloc(len + 1);
    zip_int64_t n = f != NULL && got != NULL ? zip_fread(f, got, len + 1) : -1;
    int same = n == (zip_int64_t)len && memcmp(got, want, len) == 0;

    if (f != NULL)
        zip_fclose(f);
    free(got);
    return same;
}

/*
 * A font given already deflated (ofd_font.z, as issuance gives its packs) is
 * its ZIP member as it is: the member holds exactly those bytes, unpacks
 * (CRC-32 checked) to the font file, and the package is intact.
 */
static void test_predeflated(struct fixture *fx)
{
    struct jp_buf pkg;
    unsigned char *z = NULL;
    size_t zlen = 0;
    char reason[256] = "";
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za = NULL;
    int calls = 0, found = 0;

    raw_deflate(&fx->rare_font.ttf, &z, &zlen);
    fx->rare_z = (struct jp_span){z, zlen};
    make_doc(fx, &pkg, &calls, 1, 0);
    fx->rare_z = (struct jp_span){NULL, 0};
    CHECK_INT(verdict(fx->keys, &pkg, reason, sizeof reason), OFD_INTACT);
    zip_error_init(&ze);
    src = zip_source_buffer_create(pkg.data, pkg.len, 0, &ze);
    if (src != NULL && (za = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL)
        zip_source_free(src);
    CHECK(za != NULL);
    for (zip_int64_t i = 0; za != NULL && i < zip_get_num_entries(za, 0); i++) {
        zip_stat_t st;
        if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0 ||
            strncmp(st.name, "Doc_0/Res/font_", 15) != 0 || st.size != fx->rare_font.ttf.len)
            continue;
        found = 1;
        CHECK_INT((int)st.comp_method, ZIP_CM_DEFLATE);
        CHECK_INT((long)st.comp_size, (long)zlen);
        CHECK(member_is(za, (zip_uint64_t)i, ZIP_FL_COMPRESSED, z, zlen));
        CHECK(member_is(za, (zip_uint64_t)i, 0, fx->rare_font.ttf.data, fx->rare_font.ttf.len));
    }
    CHECK(found);
    if (za != NULL)
        zip_discard(za);
    zip_error_fini(&ze);
    jp_buf_free(&pkg);
    free(z);
}

/* Verifies a checked-in package against the root pinned in sm2-root.sha256. */
static enum ofd_verdict fixture_verdict(const char *file, const struct pinned *pin)
{
    struct ofd_verifier v = {pinned_cb, (void *)pin};
    struct ofd_report r;
    unsigned char *pkg = NULL;
    size_t len = 0;
    enum ofd_verdict out = OFD_NOT_SIGNED;

    CHECK_INT(jp_read_file(file, OFD_MAX_INPUT, &pkg, &len), 0);
    CHECK_INT(ofd_verify(pkg, len, &v, &r), 0);
    out = r.verdict;
    fprintf(stderr, "%s: %s %s\n", file, ofd_verdict_name(out), r.reason);
    ofd_report_free(&r);
    free(pkg);
    return out;
}

static void test_fixtures(const struct fixture *fx)
{
    struct ofd_verifier any = {accept_cb, NULL};
    struct ofd_report r;
    struct pinned pin;
    unsigned char *pkg = NULL, *want = NULL, d[32];
    char hex[65];
    size_t len = 0, wantlen = 0;

    /* The root is the seal maker's certificate inside the package; its fingerprint is pinned. */
    CHECK_INT(
        jp_read_file(JP_SOURCE_DIR "/tests/fixtures/ofd/sealed.ofd", OFD_MAX_INPUT, &pkg, &len), 0);
    CHECK_INT(
        jp_read_file(JP_SOURCE_DIR "/tests/fixtures/ofd/sm2-root.sha256", 128, &want, &wantlen), 0);
    CHECK_INT(ofd_verify(pkg, len, &any, &r), 0);
    jp_buf_init(&pin.root, 64u * 1024u);
    CHECK(r.maker_cert.len > 0 &&
          jp_buf_append(&pin.root, r.maker_cert.data, r.maker_cert.len) == 0);
    ofd_report_free(&r);
    free(pkg);
    SHA256(pin.root.data, pin.root.len, d);
    jp_hex_encode(d, sizeof d, hex);
    CHECK(want != NULL && wantlen >= 64 && memcmp(want, hex, 64) == 0);
    free(want);
    CHECK_INT(fixture_verdict(JP_SOURCE_DIR "/tests/fixtures/ofd/sealed.ofd", &pin), OFD_INTACT);
    CHECK_INT(fixture_verdict(JP_SOURCE_DIR "/tests/fixtures/ofd/forged.ofd", &pin), OFD_MODIFIED);
    jp_buf_free(&pin.root);
    /* Another root (this run's) does not vouch for the fixture. */
    pkg = NULL;
    CHECK_INT(
        jp_read_file(JP_SOURCE_DIR "/tests/fixtures/ofd/sealed.ofd", OFD_MAX_INPUT, &pkg, &len), 0);
    {
        struct jp_buf b = {pkg, len, len, len};

        CHECK_INT(verdict(fx->keys, &b, NULL, 0), OFD_MODIFIED);
    }
    free(pkg);
}

int main(void)
{
    struct keys_create_opts opts = {.authority = authority, .uscc = "11440000006939631R"};
    struct fixture fx;
    char err[256] = "", chars[512];
    uint64_t t0;
    int calls = 0, i;

    memset(&fx, 0, sizeof fx);
    ofd_global_init();
    memcpy(tmpdir, "/tmp/jp-ofd-XXXXXX", sizeof("/tmp/jp-ofd-XXXXXX"));
    CHECK(mkdtemp(tmpdir) != NULL);
    snprintf(scratch, sizeof scratch, "%s/surgery.zip", tmpdir);
    CHECK_INT(keys_sm2_generate(&opts, &fx.keys, err, sizeof err), 0);
    snprintf(chars, sizeof chars, "%s%s%s%s", title, name, number, authority);
    make_font(&fx.font, UMING, chars);
    make_font(&fx.rare_font, HANAMINB, rare);
    make_seal(&fx);
    make_doc(&fx, &fx.pkg, &calls, 1, 0);
    CHECK_INT(calls, 1);
    make_doc(&fx, &fx.legacy, &calls, 1, 1);
    t0 = jp_mono_us();
    for (i = 0; i < 20; i++) {
        struct jp_buf b;

        make_doc(&fx, &b, &calls, 1, 0);
        jp_buf_free(&b);
    }
    /* Informational (not asserted): the mean of 20 writes, each with one SM2 signature. */
    fprintf(stderr, "write+seal: %.2f ms per package, %zu bytes\n",
            (double)(jp_mono_us() - t0) / 20 / 1000.0, fx.pkg.len);
    test_intact(&fx);
    test_render(&fx);
    test_content_byte(&fx);
    test_seal_swapped(&fx);
    test_file_added(&fx);
    test_signature_byte(&fx);
    test_hostile(&fx);
    test_raw_flip(&fx);
    test_predeflated(&fx);
    test_fixtures(&fx);

    hb_font_destroy(fx.font.hb);
    jp_buf_free(&fx.font.ttf);
    hb_font_destroy(fx.rare_font.hb);
    jp_buf_free(&fx.rare_font.ttf);
    jp_buf_free(&fx.seal_png), jp_buf_free(&fx.other_png), jp_buf_free(&fx.photo_png);
    jp_buf_free(&fx.seal), jp_buf_free(&fx.pkg), jp_buf_free(&fx.legacy);
    keys_sm2_free(fx.keys);
    CHECK_INT(sh("rm -r '%s'", tmpdir), 0);
    return CHECK_DONE();
}
