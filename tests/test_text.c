/*
 * test_text.c - the certificate's text layer as three independent readers
 * extract it (issue 11, bug 7): poppler (pdftotext), pdf.js (npm pdfjs-dist
 * under tests/peers/, tests/peers/pdfjs-text.mjs) and MuPDF (mutool draw -F
 * txt). Each must return the title, the holder's name, rare characters
 * included (𠮷 U+20BB7 from CJK extension B, 䶮 U+4DAE, 堃), and the
 * certificate number, and MuPDF must not warn about the fonts' CMaps (it
 * drops characters whose codes fall outside a codespace range, PDF 32000
 * §9.7.6.2). The certificates are rendered from data/certificate.tmpl and
 * signed by pdf_sign with a stand-in signature value, so the files have the
 * issued layout (an incremental update after libharu's output).
 *
 * A reader that is missing is a failure, not a skip: scripts/install-deps.sh
 * installs poppler-utils and mupdf-tools, scripts/install-peers.sh pdfjs-dist.
 * JP_KEEP=1 in the environment keeps the temporary directory with the PDFs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pdf.h"
#include "render_sample.h"
#include "sh.h"
#include "tmpl.h"
#include "util.h"

#define TEMPLATE JP_SOURCE_DIR "/data/certificate.tmpl"
#define PHOTO JP_SOURCE_DIR "/tests/fixtures/render/photo.jpg"
#define PDFJS JP_SOURCE_DIR "/tests/peers/pdfjs-text.mjs"
#define PDFJS_LIB JP_SOURCE_DIR "/tests/peers/node_modules/pdfjs-dist/legacy/build/pdf.mjs"
#define QR_TEXT "HTTPS://JP.EXAMPLE/V/440120230100000013/2KCE3IQBEYCERTVQXUCT3YNORCQ"
#define TEXT_MAX (1u << 20) /* bytes of one reader's output */

static char tmpdir[64];

/* A stand-in for the CMS: the readers extract text without checking signatures. */
static int fake_sign(void *ctx, const struct jp_span *ranges, size_t nranges, unsigned char **der,
                     size_t *derlen, char *err, size_t errlen)
{
    static unsigned char value[] = {0x30, 0x03, 0x02, 0x01, 0x00};

    (void)ctx, (void)ranges, (void)nranges, (void)err, (void)errlen;
    *der = value;
    *derlen = sizeof(value);
    return 0;
}

/* Renders and signs the sample certificate for name into the file at path; 0 or a code. */
static int make_certificate(const struct tmpl *t, const char *name, const unsigned char *photo,
                            size_t len, const char *path)
{
    struct tmpl_fields f = sample_fields(name, QR_TEXT, photo, len);
    struct pdf_signer s = {fake_sign, NULL, NULL, 1700000000, NULL, NULL, 0, NULL, 0, NULL, 0, 0};
    struct jp_buf raw, out;
    char err[256] = "";
    int rc;

    jp_buf_init(&raw, TMPL_MAX_PDF);
    jp_buf_init(&out, TMPL_MAX_PDF);
    rc = tmpl_render(t, &f, &raw, err, sizeof(err));
    if (rc == 0)
        rc = pdf_sign(raw.data, raw.len, &s, &out, err, sizeof(err));
    if (rc == 0)
        rc = jp_write_file_atomic(path, out.data, out.len, 0600);
    if (rc != 0)
        fprintf(stderr, "certificate for the test: %s (%d)\n", err, rc);
    jp_buf_free(&raw);
    jp_buf_free(&out);
    return rc;
}

/* Drops white space: readers differ in where they put spaces between spaced-out glyphs. */
static void squeeze(char *s)
{
    char *w = s;

    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f')
            *w++ = *s;
    *w = '\0';
}

/* What one reader must find in the text it extracted. */
static void check_found(const char *reader, const char *text, const char *name)
{
    const char *want[] = {SAMPLE_TITLE, name, SAMPLE_CERT_NO};

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strstr(text, want[i]) == NULL)
            fprintf(stderr, "%s: text lacks \"%s\"; it reads:\n%.600s\n", reader, want[i], text);
        CHECK(strstr(text, want[i]) != NULL);
    }
}

/* Runs a reader's command; its output in out (TEXT_MAX bytes), squeezed. */
static int read_text(const char *reader, const char *cmd, char *out)
{
    int st = sh_out(out, TEXT_MAX, "%s", cmd);

    if (st != 0)
        fprintf(stderr,
                "%s: exit status %d (is it installed? scripts/install-deps.sh, "
                "scripts/install-peers.sh)\n",
                reader, st);
    squeeze(out);
    return st;
}

static void check_poppler(const char *pdf, const char *name, char *out)
{
    char cmd[512];

    CHECK(jp_strf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", pdf) == 0);
    CHECK_INT(read_text("pdftotext", cmd, out), 0);
    check_found("pdftotext", out, name);
}

static void check_pdfjs(const char *pdf, const char *name, char *out)
{
    char cmd[1024];

    CHECK(access(PDFJS_LIB, R_OK) == 0); /* scripts/install-peers.sh: npm ci in tests/peers */
    CHECK(jp_strf(cmd, sizeof(cmd), "node '%s' '%s'", PDFJS, pdf) == 0);
    CHECK_INT(read_text("pdf.js", cmd, out), 0);
    check_found("pdf.js", out, name);
}

/*
 * Lines of MuPDF's stderr but its one note about the build (Debian's mutool
 * has no ICC colour management and says so on every file).
 */
static size_t mupdf_warnings(char *log)
{
    char *line, *save = NULL;
    size_t n = 0;

    for (line = strtok_r(log, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (strcmp(line, "warning: ICC support is not available") == 0)
            continue;
        fprintf(stderr, "mutool: %s\n", line);
        n++;
    }
    return n;
}

/* MuPDF's text, and its warnings about the file (a dropped CMap range is one). */
static void check_mupdf(const char *pdf, const char *name, char *out)
{
    char cmd[1024], log[256];
    unsigned char *warn = NULL;
    size_t wlen = 0;

    CHECK(jp_path_join(log, sizeof(log), tmpdir, "mutool.log") == 0);
    CHECK(jp_strf(cmd, sizeof(cmd), "mutool draw -q -F txt -o - '%s' 2>'%s'", pdf, log) == 0);
    CHECK_INT(read_text("mutool", cmd, out), 0);
    check_found("mutool", out, name);
    CHECK_INT(jp_read_file(log, TEXT_MAX, &warn, &wlen), 0);
    CHECK_INT(warn != NULL ? mupdf_warnings((char *)warn) : 0, 0);
    free(warn);
}

static void check_readers(const struct tmpl *t, const char *name, const unsigned char *photo,
                          size_t len, const char *file)
{
    char pdf[256], *out = malloc(TEXT_MAX);

    CHECK(out != NULL);
    CHECK(jp_path_join(pdf, sizeof(pdf), tmpdir, file) == 0);
    CHECK_INT(make_certificate(t, name, photo, len, pdf), 0);
    if (out != NULL) {
        check_poppler(pdf, name, out);
        check_pdfjs(pdf, name, out);
        check_mupdf(pdf, name, out);
    }
    free(out);
}

int main(void)
{
    struct tmpl *t = NULL;
    unsigned char *photo = NULL;
    size_t len = 0;
    char err[512], cmd[128];

    memcpy(tmpdir, "/tmp/jp-text-XXXXXX", sizeof("/tmp/jp-text-XXXXXX"));
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    CHECK_INT(sample_load(TEMPLATE, PHOTO, &t, &photo, &len, err, sizeof(err)), 0);
    if (t != NULL) {
        check_readers(t, "𠮷䶮堃", photo, len, "rare.pdf");
        check_readers(t, "张三丰", NULL, 0, "zhang.pdf");
        check_readers(t, "阿依古丽·买买提", photo, len, "dot.pdf");
        /* CJK ext. C-F from HanaMinB, ext. G from BabelStone Han (issue 18) */
        check_readers(t, "李\U0002A700\U0002B740\U0002CEB0\U00030000", photo, len, "extg.pdf");
    } else {
        fprintf(stderr, "setup: %s\n", err);
    }
    tmpl_free(t);
    free(photo);
    if (getenv("JP_KEEP") == NULL && jp_strf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir) == 0 &&
        system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    return CHECK_DONE();
}
