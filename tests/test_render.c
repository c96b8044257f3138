/*
 * test_render.c - the certificate PDF as its readers see it: rendered from
 * data/certificate.tmpl, written to a private temporary directory and
 * checked with the tools a user or a verifier would use (pdftotext, pdffonts,
 * pdftoppm + zbarimg, qpdf), plus the refusals: bad photos, characters no
 * font has, malformed templates with FILE:LINE, and renders on two threads at
 * once giving the same bytes as one. Also the OFD seal's picture: a PNG that
 * libpng reads, its image data smaller than libpng's own deflate of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

#include "check.h"
#include "render_sample.h"
#include "tmpl.h"

#define TEMPLATE JP_SOURCE_DIR "/data/certificate.tmpl"
#define FIXTURES JP_SOURCE_DIR "/tests/fixtures/render"
#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"
#define QR_URL /* 360 characters: a realistic upper bound for SPEC §7 URLs */                     \
    "HTTPS://JIANPEI.EXAMPLE.GOV.CN/V/440120230100000013/"                                         \
    "D5APZEW2EQLJI5IJPHXGZ5MC6LK5PUUODAZV3YC2XRKNAVQOB5JQFBQMMUV7BDKWAJJKUXTUEECUN43J7O545DAS"     \
    "Z7DZK6ZGKL7JU5I7ID6JFWREC2KHKCLZ5ZWPLAXS2XL5FDQYGNO6AWV4KTIFMDQPKMBIMDDFFPYI2VQCKKVF45BB"     \
    "AVDPG2P3XPHIYEWPY6KXWJSS72NHKH2A7SJNUJAWSR2QS6PONT2YF4WV27JI4GBTLXQFVPCU2BLA4D2TAKDAYZJL"     \
    "6CGVMASSVJPHIIIFI3ZWT653Z2GBFT6HSV5SMUX6TJ2Q"

static char tmpdir[64];

/* snprintf that counts a truncation as a failed check. */
static void fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    CHECK(n >= 0 && (size_t)n < size);
}

/* Runs a shell command and returns its standard output (caller frees), or NULL. */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    struct jp_buf b;
    char chunk[4096];
    size_t n;

    if (p == NULL)
        return NULL;
    jp_buf_init(&b, 4u << 20);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        if (jp_buf_append(&b, chunk, n) != 0)
            break;
    if (pclose(p) != 0 || jp_buf_append(&b, "", 1) != 0) {
        jp_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static void path_in_tmp(char *out, size_t outsz, const char *name)
{
    CHECK(jp_path_join(out, outsz, tmpdir, name) == 0);
}

static int render_to(const struct tmpl *t, const struct tmpl_fields *f, const char *file,
                     size_t *size)
{
    struct jp_buf b;
    char err[256], path[256];
    int rc;

    jp_buf_init(&b, TMPL_MAX_PDF);
    rc = tmpl_render(t, f, &b, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "render: %s (%s)\n", err, tmpl_strerror(rc));
    path_in_tmp(path, sizeof(path), file);
    if (rc == 0)
        rc = jp_write_file_atomic(path, b.data, b.len, 0600);
    *size = b.len;
    jp_buf_free(&b);
    return rc;
}

/* Every font embedded, subset (tagged ABCDEF+) and with a ToUnicode map; returns the count. */
static int check_fonts(const char *pdf)
{
    char cmd[512], *out, *line, *save = NULL;
    int fonts = 0, good = 0;

    fmt(cmd, sizeof(cmd), "pdffonts '%s'", pdf);
    out = run(cmd);
    CHECK(out != NULL);
    if (out == NULL)
        return 0;
    for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        int tagged = 1;
        if (strncmp(line, "name", 4) == 0 || strncmp(line, "----", 4) == 0)
            continue;
        fonts++;
        for (int i = 0; i < 6; i++)
            tagged = tagged && line[i] >= 'A' && line[i] <= 'Z';
        if (tagged && line[6] == '+' && strstr(line, " yes yes yes ") != NULL)
            good++;
        else
            fprintf(stderr, "font not embedded/subset/unicode: %s\n", line);
    }
    CHECK(fonts >= 1);
    CHECK_INT(good, fonts);
    free(out);
    return fonts;
}

/* pdftotext finds the name exactly, the certificate number and the ID number. */
static void check_text(const char *pdf, const char *name)
{
    char cmd[512], *out;

    fmt(cmd, sizeof(cmd), "pdftotext '%s' -", pdf);
    out = run(cmd);
    CHECK(out != NULL);
    if (out == NULL)
        return;
    if (strstr(out, name) == NULL)
        fprintf(stderr, "pdftotext lacks the name %s\n", name);
    CHECK(strstr(out, name) != NULL);
    CHECK(strstr(out, "440120230100000013") != NULL);
    CHECK(strstr(out, "440103199001011237") != NULL);
    CHECK(strstr(out, "住房和城乡建设领域施工现场专业人员职业培训合格证") != NULL);
    free(out);
}

/* The page at 150 dpi, as a phone would see a print, decodes to exactly the QR text. */
static void check_qr(const char *pdf, const char *want)
{
    char cmd[1024], png[256], *out;

    path_in_tmp(png, sizeof(png), "page150");
    fmt(cmd, sizeof(cmd),
        "pdftoppm -r 150 -png -singlefile '%s' '%s' && zbarimg -q --raw -Sdisable -Sqrcode.enable '%s.png' 2>/dev/null", pdf,
        png, png);
    out = run(cmd);
    CHECK(out != NULL);
    if (out != NULL) {
        size_t n = strlen(out);
        if (n > 0 && out[n - 1] == '\n')
            out[n - 1] = '\0';
        CHECK_STR(out, want);
    }
    free(out);
}

static void check_qpdf(const char *pdf)
{
    char cmd[512], *out;

    fmt(cmd, sizeof(cmd), "qpdf --check '%s' 2>&1", pdf);
    out = run(cmd);
    CHECK(out != NULL);
    if (out != NULL)
        CHECK(strstr(out, "No syntax or stream encoding errors") != NULL);
    free(out);
}

/* Renders and checks a certificate; faces is the number of faces its characters come from,
 * each drawn through exactly one subset (issue 15: no second subset of the same face). */
static void check_certificate(const struct tmpl *t, const char *name, const unsigned char *photo,
                              size_t len, const char *file, int faces)
{
    struct tmpl_fields f = sample_fields(name, QR_URL, photo, len);
    char pdf[256];
    size_t size = 0;

    CHECK_INT(render_to(t, &f, file, &size), 0);
    path_in_tmp(pdf, sizeof(pdf), file);
    CHECK(size > 1000);
    CHECK(size <= 80 * 1024);
    check_text(pdf, name);
    CHECK_INT(check_fonts(pdf), faces);
    check_qr(pdf, QR_URL);
    check_qpdf(pdf);
}

/* The name box, 110..185 mm by 51..61 mm from the top-left, rasterised in grey at 100 dpi. */
static unsigned char *name_pixels(const char *pdf, size_t *n)
{
    char cmd[1024], out[256];
    unsigned char *data = NULL;
    size_t len = 0;
    int w = 0, h = 0, off = 0;

    path_in_tmp(out, sizeof(out), "namebox");
    fmt(cmd, sizeof(cmd), "pdftoppm -r 100 -gray -singlefile -x 433 -y 201 -W 295 -H 39 '%s' '%s'",
        pdf, out);
    *n = 0;
    if (system(cmd) != 0)
        return NULL;
    strcat(out, ".pgm");
    if (jp_read_file(out, 1u << 20, &data, &len) != 0)
        return NULL;
    if (sscanf((char *)data, "P5 %d %d 255%n", &w, &h, &off) != 2 ||
        (size_t)(off + 1 + w * h) > len) {
        free(data);
        return NULL;
    }
    memmove(data, data + off + 1, (size_t)(w * h));
    *n = (size_t)(w * h);
    return data;
}

static size_t ink(const unsigned char *px, size_t n)
{
    size_t dark = 0;
    for (size_t i = 0; i < n; i++)
        dark += px[i] < 128;
    return dark;
}

/*
 * Rare characters are drawn with their own glyphs: each one-character name
 * leaves ink in the name box, and no two look alike (two .notdef glyphs
 * would: an empty box or a blank).
 */
static void check_glyphs(const struct tmpl *t)
{
    static const char *const names[] = {"𠮷", "䶮", "堃", "喆", "赟", "镕", "吉",
                                        /* CJK ext. C, D, E, F (HanaMinB), G (BabelStone) */
                                        "\U0002A700", "\U0002B740", "\U0002B820", "\U0002CEB0",
                                        "\U00030000"};
    enum { N = sizeof(names) / sizeof(names[0]) };
    unsigned char *px[N] = {0};
    size_t n[N] = {0};

    for (int i = 0; i < N; i++) {
        struct tmpl_fields f = sample_fields(names[i], QR_URL, NULL, 0);
        char file[32], pdf[256];
        size_t size;
        fmt(file, sizeof(file), "glyph%d.pdf", i);
        CHECK_INT(render_to(t, &f, file, &size), 0);
        path_in_tmp(pdf, sizeof(pdf), file);
        px[i] = name_pixels(pdf, &n[i]);
        CHECK(px[i] != NULL && n[i] > 0);
        CHECK(px[i] != NULL && ink(px[i], n[i]) > 20);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            CHECK(px[i] != NULL && px[j] != NULL && n[i] == n[j] &&
                  memcmp(px[i], px[j], n[i]) != 0);
    for (int i = 0; i < N; i++)
        free(px[i]);
}

static void check_photos(const struct tmpl *t, const unsigned char *jpg, size_t jlen)
{
    static const unsigned char junk[] = "GIF89a this is not a photo at all........";
    unsigned char *big = calloc(1, TMPL_MAX_PHOTO + 1), *bad = malloc(jlen);
    struct jp_buf b;
    char err[256];

    CHECK(big != NULL && bad != NULL);
    if (big == NULL || bad == NULL)
        goto out;
    jp_buf_init(&b, TMPL_MAX_PDF);
    struct tmpl_fields f = sample_fields("张三丰", QR_URL, junk, sizeof(junk));
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EPHOTO);
    CHECK(strstr(err, "photo") != NULL);
    f.photo = jpg;
    f.photo_len = jlen / 2; /* truncated: no EOI */
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EPHOTO);
    memcpy(big, jpg, jlen);
    memcpy(big + TMPL_MAX_PHOTO - 1, "\xFF\xD9", 2);
    f.photo = big;
    f.photo_len = TMPL_MAX_PHOTO + 1;
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EPHOTO);
    memcpy(bad, jpg, jlen);
    bad[3] = 0x00; /* the first marker is no longer a marker */
    f.photo = bad;
    f.photo_len = jlen;
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EPHOTO);
    CHECK_INT(b.len, 0); /* a refused render appends nothing */
    jp_buf_free(&b);
out:
    free(big);
    free(bad);
}

static void check_png_crc(const struct tmpl *t)
{
    unsigned char *png = NULL;
    size_t len = 0;
    struct jp_buf b;
    char err[256];

    CHECK(jp_read_file(FIXTURES "/photo.png", TMPL_MAX_PHOTO, &png, &len) == 0);
    if (png == NULL)
        return;
    jp_buf_init(&b, TMPL_MAX_PDF);
    struct tmpl_fields f = sample_fields("张三丰", QR_URL, png, len);
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), 0);
    png[len / 2] ^= 0x55; /* inside IDAT: its CRC no longer holds */
    jp_buf_reset(&b);
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EPHOTO);
    jp_buf_free(&b);
    free(png);
}

/* Bytes of the IDAT chunks of the PNG p[0..n) into *idat (malloc'd); their count, -1 if bad. */
static int png_idat(const unsigned char *p, size_t n, unsigned char **idat, size_t *len)
{
    size_t at = 8;
    int count = 0;

    *idat = NULL;
    *len = 0;
    while (at + 12 <= n) {
        size_t l =
            (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 | p[at + 3];
        if (l > n - at - 12)
            return -1;
        if (memcmp(p + at + 4, "IDAT", 4) == 0) {
            unsigned char *m = realloc(*idat, *len + l);
            if (m == NULL)
                return -1;
            memcpy(m + *len, p + at + 8, l);
            *idat = m;
            *len += l;
            count++;
        }
        at += 12 + l;
    }
    return count;
}

/* The seal's picture (made once per issuer, stored in every OFD package) reads as a
 * 400-pixel PNG, and its image data is smaller than libpng's default deflate of the same
 * rows: it was deflated again at the highest level. */
static void check_seal_png(const struct tmpl *t)
{
    struct jp_buf b;
    png_image img;
    unsigned char *idat = NULL, *rows = NULL, *px = NULL, *z = NULL;
    size_t ilen = 0;
    uLongf rlen = 400u * (1 + 200), zlen;
    unsigned side = 0;

    jp_buf_init(&b, 1u << 20);
    CHECK_INT(tmpl_seal_png(t, "广东省住房和城乡建设厅", &b, &side), 0);
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    CHECK(b.len > 0 && png_image_begin_read_from_memory(&img, b.data, b.len) != 0);
    CHECK_INT(img.width, 400);
    CHECK_INT(img.height, 400);
    img.format = PNG_FORMAT_RGBA;
    px = malloc(PNG_IMAGE_SIZE(img));
    CHECK(px != NULL && png_image_finish_read(&img, NULL, px, 0, NULL) != 0);
    CHECK_INT(png_idat(b.data, b.len, &idat, &ilen), 1);
    rows = malloc(rlen);
    zlen = compressBound(rlen);
    z = malloc(zlen);
    CHECK(rows != NULL && z != NULL && idat != NULL &&
          uncompress(rows, &rlen, idat, (uLong)ilen) == Z_OK && rlen == 400u * 201);
    CHECK(z != NULL && rows != NULL &&
          compress2(z, &zlen, rows, rlen, Z_DEFAULT_COMPRESSION) == Z_OK && ilen < zlen);
    png_image_free(&img);
    free(idat);
    free(rows);
    free(px);
    free(z);
    jp_buf_free(&b);
}

static void check_fields(const struct tmpl *t)
{
    struct jp_buf b;
    char err[256];
    struct tmpl_fields f = sample_fields("张三丰", QR_URL, NULL, 0);

    jp_buf_init(&b, TMPL_MAX_PDF);
    f.name = NULL;
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EFIELD);
    CHECK(strncmp(err, "name:", 5) == 0);
    f.name = "张\n三";
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EFIELD);
    f.name = "张三丰";
    f.institution = "\xE5\xB9"; /* cut UTF-8 */
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EFIELD);
    CHECK(strncmp(err, "institution:", 12) == 0);
    jp_buf_free(&b);
}

static int write_tmp(const char *name, const char *text, char *path, size_t pathsz)
{
    path_in_tmp(path, pathsz, name);
    return jp_write_file_atomic(path, text, strlen(text), 0600);
}

/* A template with only UMing cannot draw 𠮷: the field is named, the character only by number. */
static void check_missing_glyph(void)
{
    static const char *body =
        "page A4 landscape\n"
        "font " UMING " 0\n"
        "field name 10 10 100 10\nfield gender 10 20 100 10\nfield id_number 10 30 100 10\n"
        "field position 10 40 100 10\nfield certificate_no 10 50 100 10\n"
        "field institution 10 60 100 10\nfield authority 10 70 100 10\n"
        "field issue_date 10 80 100 10\nfield elicence_id 10 90 200 10\n"
        "photo 200 10 30 40\nqr 200 60 40\n";
    char path[256], err[256];
    struct tmpl *t = NULL;
    struct jp_buf b;

    CHECK(write_tmp("uming-only.tmpl", body, path, sizeof(path)) == 0);
    CHECK_INT(tmpl_load(path, &t, err, sizeof(err)), 0);
    if (t == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    jp_buf_init(&b, TMPL_MAX_PDF);
    struct tmpl_fields f = sample_fields("张𠮷", QR_URL, NULL, 0);
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), TMPL_EGLYPH);
    CHECK(strstr(err, "name") != NULL);
    CHECK(strstr(err, "U+20BB7") != NULL);
    CHECK(strstr(err, "𠮷") == NULL && strstr(err, "张") == NULL);
    f.name = "张三丰";
    CHECK_INT(tmpl_render(t, &f, &b, err, sizeof(err)), 0);
    jp_buf_free(&b);
    tmpl_free(t);
    t = NULL;

    /* the same template writing 𠮷 itself is refused at load, at that line */
    char body2[1024], want[300];
    int lines = 1;
    for (const char *c = body; *c != '\0'; c++)
        lines += *c == '\n';
    fmt(body2, sizeof(body2), "%stext 10 120 50 10 \"\xF0\xA0\xAE\xB7\"\n", body);
    CHECK(write_tmp("uming-text.tmpl", body2, path, sizeof(path)) == 0);
    CHECK_INT(tmpl_load(path, &t, err, sizeof(err)), TMPL_EFONT);
    CHECK(t == NULL);
    fmt(want, sizeof(want), "%s:%d: no font has U+20BB7", path, lines);
    CHECK_STR(err, want);
}

/* tmpl_drawable answers as tmpl_render does, naming the first character no face has. */
static void check_drawable(const struct tmpl *t)
{
    uint32_t cp = 1;

    CHECK_INT(tmpl_drawable(t, "张𠮷\U00030000 Li-2", &cp), 0);
    CHECK(cp == 0);
    CHECK_INT(tmpl_drawable(t, "张\U00030041\U00030042", &cp), TMPL_EGLYPH);
    CHECK(cp == 0x30041);
    CHECK_INT(tmpl_drawable(t, "张\x01", &cp), TMPL_EFIELD);
    CHECK_INT(tmpl_drawable(t, "\xE5\xBC", &cp), TMPL_EFIELD);
}

/* A QR text outside alphanumeric mode (lower case) still encodes, as 8-bit data. */
static void check_qr_8bit(const struct tmpl *t)
{
    static const char url[] = "https://jianpei.example.gov.cn/v/440120230100000013/abc";
    struct tmpl_fields f = sample_fields("张三丰", QR_URL, NULL, 0);
    char pdf[256];
    size_t size = 0;

    f.qr_text = url;
    CHECK_INT(render_to(t, &f, "lower.pdf", &size), 0);
    path_in_tmp(pdf, sizeof(pdf), "lower.pdf");
    check_qr(pdf, url);
}

/* Each malformed template is refused with FILE:LINE: reason. */
static void check_malformed(void)
{
    static const struct {
        const char *body, *line, *reason;
        int rc;
    } cases[] = {
        {"page A4 landscape\nfont " UMING "\nsquare 1 2 3 4\n", ":3: ", "unknown directive",
         TMPL_ESYNTAX},
        {"page A4 landscape\nrect 1 2 x3 4\n", ":2: ", "bad number", TMPL_ESYNTAX},
        {"page A4 landscape\nrect 1 2 3 4 colour=#000000\n", ":2: ", "unknown option",
         TMPL_ESYNTAX},
        {"page A4 landscape\n\nfield nickname 1 2 3 4\n", ":3: ", "unknown field", TMPL_ESYNTAX},
        {"page A4 landscape\nfont /nonexistent/font.ttf\n", ":2: ", "cannot read font", TMPL_EFONT},
        {"page A4 landscape\nfont " UMING
         "\nfield name 10 10 50 10\nqr 10 40 40\nphoto 60 40 30 40\n",
         ":5: ", "field 'gender' is not placed", TMPL_ESYNTAX},
        {"page A4 landscape\nqr 10 10 20\n", ":2: ", "at least 30 mm", TMPL_ESYNTAX},
        {"page A4 landscape\nrect 280 10 30 10\n", ":2: ", "outside the page", TMPL_ESYNTAX},
        {"rect 1 1 1 1\n", ":1: ", "page must come", TMPL_ESYNTAX},
        {"page A4 landscape\ntext 1 1 50 10 \"unclosed\n", ":2: ", "unbalanced quote",
         TMPL_ESYNTAX},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256], err[512], want[300];
        struct tmpl *t = (struct tmpl *)1;
        CHECK(write_tmp("bad.tmpl", cases[i].body, path, sizeof(path)) == 0);
        CHECK_INT(tmpl_load(path, &t, err, sizeof(err)), cases[i].rc);
        CHECK(t == NULL);
        fmt(want, sizeof(want), "%s%s", path, cases[i].line);
        if (strncmp(err, want, strlen(want)) != 0 || strstr(err, cases[i].reason) == NULL)
            fprintf(stderr, "case %zu: got \"%s\"\n", i, err);
        CHECK(strncmp(err, want, strlen(want)) == 0);
        CHECK(strstr(err, cases[i].reason) != NULL);
    }
}

/* Work for one of two threads rendering from the same template at once. */
struct job {
    const struct tmpl *t;        /* shared template */
    const struct tmpl_fields *f; /* shared fields */
    const struct jp_buf *want;   /* the single-threaded result */
    int same;                    /* renders identical to want */
};

static void *render_many(void *arg)
{
    struct job *j = arg;
    struct jp_buf b;
    char err[256];

    jp_buf_init(&b, TMPL_MAX_PDF);
    for (int i = 0; i < 20; i++) {
        jp_buf_reset(&b);
        if (tmpl_render(j->t, j->f, &b, err, sizeof(err)) == 0 && b.len == j->want->len &&
            memcmp(b.data, j->want->data, b.len) == 0)
            j->same++;
    }
    jp_buf_free(&b);
    return NULL;
}

static void check_threads(const struct tmpl *t, const unsigned char *jpg, size_t jlen)
{
    struct tmpl_fields f = sample_fields("𠮷䶮堃", QR_URL, jpg, jlen);
    struct jp_buf want;
    struct job jobs[2];
    pthread_t th[2];
    char err[256];

    jp_buf_init(&want, TMPL_MAX_PDF);
    CHECK_INT(tmpl_render(t, &f, &want, err, sizeof(err)), 0);
    for (int i = 0; i < 2; i++) {
        jobs[i] = (struct job){.t = t, .f = &f, .want = &want};
        CHECK(pthread_create(&th[i], NULL, render_many, &jobs[i]) == 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].same, 20);
    }
    jp_buf_free(&want);
}

/* Every code lies in templates' negative range of common/errors.h and has its own text. */
static void check_error_codes(void)
{
    static const int codes[] = {TMPL_ESYNTAX, TMPL_EFONT, TMPL_EGLYPH, TMPL_EPHOTO,
                                TMPL_EFIELD,  TMPL_EQR,   TMPL_EPDF};
    size_t i;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        CHECK(JP_ERR_IN(codes[i], JP_ERR_TMPL_BASE));
        CHECK(strcmp(tmpl_strerror(codes[i]), "unknown error") != 0);
    }
    CHECK_STR(tmpl_strerror(ENOMEM), strerror(ENOMEM));
    CHECK_STR(tmpl_strerror(JP_ERR_TMPL_BASE + 99), "unknown error");
}

static void remove_tmpdir(void)
{
    char cmd[128];
    fmt(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

int main(void)
{
    struct tmpl *t = NULL;
    unsigned char *jpg = NULL, *png = NULL;
    size_t jlen = 0, plen = 0;
    char err[512];

    strcpy(tmpdir, "/tmp/jp-render-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    CHECK_INT(sample_load(TEMPLATE, FIXTURES "/photo.jpg", &t, &jpg, &jlen, err, sizeof(err)), 0);
    CHECK(jp_read_file(FIXTURES "/photo.png", TMPL_MAX_PHOTO, &png, &plen) == 0);
    if (t != NULL && jpg != NULL && png != NULL) {
        check_certificate(t, "𠮷䶮堃", jpg, jlen, "rare.pdf", 3);
        check_certificate(t, "张三丰", png, plen, "zhang.pdf", 1);
        check_certificate(t, "阿依古丽·买买提·艾合买提江", jpg, jlen, "long.pdf", 1);
        check_certificate(t, "堃喆赟镕", NULL, 0, "nophoto.pdf", 2);
        check_certificate(t, "李\U00030000", jpg, jlen, "extg.pdf", 2);
        check_glyphs(t);
        check_drawable(t);
        check_photos(t, jpg, jlen);
        check_png_crc(t);
        check_seal_png(t);
        check_fields(t);
        check_qr_8bit(t);
        check_threads(t, jpg, jlen);
    } else {
        fprintf(stderr, "setup: %s\n", err);
    }
    check_missing_glyph();
    check_malformed();
    check_error_codes();
    tmpl_free(t);
    tmpl_free(NULL);
    free(jpg);
    free(png);
    remove_tmpdir();
    return CHECK_DONE();
}
