/*
 * test_pdf.c - the PAdES incremental update of pdf/ (pdf.h), judged
 * the way a user would judge it: poppler's pdfsig must call the signature valid
 * and the whole document signed, qpdf --check must find the file sound,
 * pdftotext must still find the text, and any changed byte outside the
 * signature value, or inside it, must make pdfsig refuse the signature.
 * Broken inputs (not a PDF, truncated, a wrong startxref, every single byte of
 * a small PDF overwritten in turn) must end in an error, never a crash (run
 * under the Asan build). The PDFs are made with libharu here, the key and the
 * self-signed certificate with OpenSSL, all in a temporary directory.
 */
#include "check.h"
#include "pdf.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hpdf.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define SIGNING_TIME ((time_t)1700000000) /* 2023-11-14 22:13:20 UTC */
#define MAX_OUT (16u * 1024u * 1024u)

enum signer_mode { SIGN_CMS, SIGN_HUGE, SIGN_FAIL, SIGN_FAKE };

struct test_signer {
    EVP_PKEY *key;         /* throwaway P-256 key */
    X509 *cert;            /* self-signed certificate of key */
    enum signer_mode mode; /* what sign() does */
    size_t last_derlen;    /* DER bytes of the last signature */
    int frees;             /* free_der calls */
    double cms_seconds;    /* time spent inside sign() */
};

static char tmpdir[64];

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CMS detached SignedData (CAdES, SHA-256) over the ranges. */
static int cms_sign(struct test_signer *ts, const struct jp_span *ranges, size_t nranges,
                    unsigned char **der, size_t *derlen)
{
    BIO *bio = BIO_new(BIO_s_mem());
    CMS_ContentInfo *cms = NULL;
    unsigned char *p = NULL;
    int n = -1;
    size_t i;

    for (i = 0; i < nranges && bio != NULL; i++)
        BIO_write(bio, ranges[i].p, (int)ranges[i].n);
    if (bio != NULL)
        cms = CMS_sign(ts->cert, ts->key, NULL, bio,
                       CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES);
    if (cms != NULL)
        n = i2d_CMS_ContentInfo(cms, &p);
    CMS_ContentInfo_free(cms);
    BIO_free(bio);
    *der = p;
    *derlen = n > 0 ? (size_t)n : 0;
    return n > 0 ? 0 : -1;
}

static int test_sign(void *ctx, const struct jp_span *ranges, size_t nranges, unsigned char **der,
                     size_t *derlen, char *err, size_t errlen)
{
    struct test_signer *ts = ctx;
    double t0 = now_seconds();
    int rc = 0;

    if (ts->mode == SIGN_CMS) {
        rc = cms_sign(ts, ranges, nranges, der, derlen);
    } else if (ts->mode == SIGN_HUGE || ts->mode == SIGN_FAKE) {
        *derlen = ts->mode == SIGN_HUGE ? 8000 : 64;
        *der = OPENSSL_zalloc(*derlen);
        rc = *der == NULL ? -1 : 0;
    } else {
        snprintf(err, errlen, "test signer: refused on purpose");
        rc = -1;
    }
    ts->last_derlen = rc == 0 ? *derlen : 0;
    ts->cms_seconds += now_seconds() - t0;
    return rc;
}

static void test_free_der(void *ctx, unsigned char *der)
{
    struct test_signer *ts = ctx;

    ts->frees++;
    OPENSSL_free(der);
}

static int make_key_cert(struct test_signer *ts)
{
    X509_NAME *name = NULL;
    int ok;

    ts->key = EVP_EC_gen("P-256");
    ts->cert = X509_new();
    ok = ts->key != NULL && ts->cert != NULL;
    ok = ok && X509_set_version(ts->cert, 2);
    ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(ts->cert), 42);
    ok = ok && ASN1_TIME_set_string_X509(X509_getm_notBefore(ts->cert), "20000101000000Z");
    ok = ok && ASN1_TIME_set_string_X509(X509_getm_notAfter(ts->cert), "20991231235959Z");
    name = ok ? X509_get_subject_name(ts->cert) : NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                          (const unsigned char *)"Jianpei test signer", -1, -1, 0);
    ok = ok && X509_set_issuer_name(ts->cert, name);
    ok = ok && X509_set_pubkey(ts->cert, ts->key);
    ok = ok && X509_sign(ts->cert, ts->key, EVP_sha256()) > 0;
    return ok ? 0 : -1;
}

static void hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    int *failed = user_data;

    fprintf(stderr, "libharu error 0x%04X detail %u\n", (unsigned)error_no, (unsigned)detail_no);
    *failed = 1;
}

/* A PDF of npages pages of Helvetica text; with_link adds a link annotation to page 1. */
static int make_pdf(int npages, int lines, int with_link, struct jp_buf *out)
{
    HPDF_Doc pdf;
    HPDF_Page page;
    HPDF_Font font;
    HPDF_Rect rect = {50, 50, 200, 80};
    HPDF_UINT32 size;
    unsigned char *tmp = NULL;
    char line[96];
    int failed = 0, p, l;

    pdf = HPDF_New(hpdf_error, &failed);
    if (pdf == NULL)
        goto out;
    HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "jianpei test_pdf");
    font = HPDF_GetFont(pdf, "Helvetica", NULL);
    for (p = 0; p < npages && !failed; p++) {
        page = HPDF_AddPage(pdf);
        HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
        HPDF_Page_BeginText(page);
        HPDF_Page_SetFontAndSize(page, font, 10);
        HPDF_Page_TextOut(page, 60, 500, "Jianpei training certificate 440120230100000013");
        for (l = 0; l < lines; l++) {
            snprintf(line, sizeof(line), "page %d line %d: the quick brown fox jumps", p, l);
            HPDF_Page_TextOut(page, 60, (HPDF_REAL)(480 - 10 * (l % 40)), line);
        }
        HPDF_Page_EndText(page);
        if (with_link && p == 0)
            HPDF_Page_CreateURILinkAnnot(page, rect, "https://example.org/");
    }
    if (!failed)
        HPDF_SaveToStream(pdf);
    size = failed ? 0 : HPDF_GetStreamSize(pdf);
    tmp = size > 0 ? malloc(size) : NULL;
    if (tmp != NULL)
        HPDF_ReadFromStream(pdf, tmp, &size);
    if (tmp == NULL || failed || jp_buf_append(out, tmp, size) != 0)
        failed = 1;
    free(tmp);
    HPDF_Free(pdf);
out:
    return pdf == NULL || failed ? -1 : 0;
}

/* Runs a shell command, capturing stdout and stderr; returns its exit status or -1. */
static int run(const char *cmd, struct jp_buf *text)
{
    char chunk[4096];
    size_t n;
    FILE *f;
    int st = -1;

    jp_buf_reset(text);
    jp_buf_puts(text, "");
    f = popen(cmd, "r");
    if (f == NULL)
        goto out;
    for (n = fread(chunk, 1, sizeof(chunk), f); n > 0; n = fread(chunk, 1, sizeof(chunk), f))
        jp_buf_append(text, chunk, n);
    st = pclose(f);
    st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
out:
    return st;
}

/* Writes data to tmpdir/name and runs "tool [args] FILE 2>&1". */
static int run_tool(const char *tool, const char *name, const unsigned char *data, size_t len,
                    struct jp_buf *text)
{
    char path[128], cmd[512];
    int n, st = -1;

    jp_buf_reset(text);
    jp_buf_puts(text, "");
    n = snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || jp_write_file_atomic(path, data, len, 0600) != 0)
        goto out;
    n = snprintf(cmd, sizeof(cmd), "%s '%s' 2>&1", tool, path);
    if (n > 0 && (size_t)n < sizeof(cmd))
        st = run(cmd, text);
out:
    return st;
}

static int pdfsig_valid(const unsigned char *data, size_t len, struct jp_buf *text)
{
    run_tool("pdfsig", "check.pdf", data, len, text);
    return strstr((const char *)text->data, "Signature is Valid.") != NULL;
}

static struct pdf_signer signer_for(struct test_signer *ts)
{
    struct pdf_signer s = {test_sign, test_free_der, ts, SIGNING_TIME, NULL, NULL,
                           0,         NULL,          0,  NULL,         0,  0};

    return s;
}

/* Offset of the last occurrence of needle in out, or SIZE_MAX. */
static size_t find_last(const struct jp_buf *out, const char *needle)
{
    size_t n = strlen(needle), i, found = SIZE_MAX;

    for (i = 0; i + n <= out->len; i++) {
        if (memcmp(out->data + i, needle, n) == 0)
            found = i;
    }
    return found;
}

/*
 * pdf_sign over pdf's first at bytes (up to just after "startxref\n") ending
 * in offset and %%EOF, built in bad; returns pdf_sign's code.
 */
static int sign_with_startxref(const struct jp_buf *pdf, size_t at, const char *offset,
                               const struct pdf_signer *s, struct jp_buf *bad, struct jp_buf *out,
                               char *err, size_t errlen)
{
    jp_buf_reset(bad);
    jp_buf_append(bad, pdf->data, at);
    jp_buf_printf(bad, "%s\n%%%%EOF\n", offset);
    return pdf_sign(bad->data, bad->len, s, out, err, errlen);
}

static void test_valid_signature(struct test_signer *ts, const struct jp_buf *pdf,
                                 struct jp_buf *signed_pdf)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf text;
    char err[256] = "";
    int rc, st;

    jp_buf_init(&text, 1u << 20);
    s.reason = "广东省住房和城乡建设厅 签发 𠮷";
    s.location = "Guangzhou";
    ts->mode = SIGN_CMS;
    ts->frees = 0;
    rc = pdf_sign(pdf->data, pdf->len, &s, signed_pdf, err, sizeof(err));
    CHECK_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "sign: %s\n", err);
    CHECK_INT(ts->frees, 1);
    CHECK(signed_pdf->len > pdf->len + 2 * PDF_DEFAULT_CONTENTS);
    CHECK(signed_pdf->len >= pdf->len && memcmp(signed_pdf->data, pdf->data, pdf->len) == 0);
    CHECK(find_last(signed_pdf, "/M (D:20231114221320Z)") != SIZE_MAX);
    CHECK(find_last(signed_pdf, "/Location <4775616E677A686F75>") != SIZE_MAX);
    CHECK(find_last(signed_pdf, "/Reason <FEFF5E7F4E1C") != SIZE_MAX);
    CHECK(find_last(signed_pdf, "/SigFlags 3 >> >>") != SIZE_MAX);
    CHECK(find_last(signed_pdf, "/Version /1.7") != SIZE_MAX); /* libharu wrote %PDF-1.3 */

    CHECK(pdfsig_valid(signed_pdf->data, signed_pdf->len, &text));
    CHECK(strstr((const char *)text.data, "Total document signed") != NULL);
    CHECK(strstr((const char *)text.data, "ETSI.CAdES.detached") != NULL);
    if (!pdfsig_valid(signed_pdf->data, signed_pdf->len, &text))
        fprintf(stderr, "pdfsig said:\n%s\n", (const char *)text.data);

    /* poppler takes the catalog's /Version over the header's 1.3 */
    run_tool("pdfinfo", "signed.pdf", signed_pdf->data, signed_pdf->len, &text);
    CHECK(strstr((const char *)text.data, "PDF version:     1.7") != NULL);

    st = run_tool("qpdf --check", "signed.pdf", signed_pdf->data, signed_pdf->len, &text);
    CHECK_INT(st, 0);
    CHECK(strstr((const char *)text.data, "No syntax or stream encoding errors") != NULL);
    CHECK(strstr((const char *)text.data, "WARNING") == NULL);
    CHECK(strstr((const char *)text.data, "xref") == NULL);
    if (st != 0)
        fprintf(stderr, "qpdf said:\n%s\n", (const char *)text.data);

    jp_buf_free(&text);
}

/* pdftotext of the signed file (the path is ours, so no shell lookup is needed). */
static void test_text_survives(const struct jp_buf *signed_pdf)
{
    struct jp_buf text;
    char path[128], cmd[256];
    int n, st = -1;

    jp_buf_init(&text, 1u << 20);
    n = snprintf(path, sizeof(path), "%s/text.pdf", tmpdir);
    if (n > 0 && (size_t)n < sizeof(path) &&
        jp_write_file_atomic(path, signed_pdf->data, signed_pdf->len, 0600) == 0) {
        n = snprintf(cmd, sizeof(cmd), "pdftotext '%s' - 2>&1", path);
        if (n > 0 && (size_t)n < sizeof(cmd))
            st = run(cmd, &text);
    }
    CHECK_INT(st, 0);
    CHECK(text.data != NULL && strstr((const char *)text.data,
                                      "Jianpei training certificate 440120230100000013") != NULL);
    jp_buf_free(&text);
}

/* Flips one byte at each position and expects pdfsig to refuse the signature. */
static void test_tampering(const struct test_signer *ts, const struct jp_buf *signed_pdf,
                           size_t orig_len)
{
    size_t lt = find_last(signed_pdf, "/Contents <") + 10;
    size_t pos[] = {
        0,                                          /* %PDF header */
        orig_len / 2,                               /* middle of the original */
        find_last(signed_pdf, "Jianpei training"),  /* the page text */
        orig_len - 2,                               /* the original's %%EOF */
        find_last(signed_pdf, "/Type /Sig") + 7,    /* the signature dictionary */
        find_last(signed_pdf, "/ByteRange [") + 12, /* inside the ByteRange array */
        find_last(signed_pdf, "/ByteRange [") + 16, /* inside the ByteRange array */
        find_last(signed_pdf, "/M (D:") + 8,        /* the signing time */
        find_last(signed_pdf, "/Subtype /Widget"),  /* the widget */
        find_last(signed_pdf, "/Annots [") + 9,     /* the new page */
        find_last(signed_pdf, "/SigFlags 3") + 10,  /* the new catalog */
        find_last(signed_pdf, "xref\n") + 8,        /* the new xref table */
        find_last(signed_pdf, "/Prev ") + 6,        /* the new trailer */
        signed_pdf->len - 3,                        /* %%EOF */
        signed_pdf->len - 1,                        /* the last byte */
        lt + 1 + 2 * ts->last_derlen - 10,          /* /Contents: the ECDSA value */
        lt + 1,                                     /* /Contents: the DER's first tag */
    };
    struct jp_buf copy, text;
    size_t i, refused = 0;

    jp_buf_init(&copy, MAX_OUT);
    jp_buf_init(&text, 1u << 20);
    CHECK(jp_buf_append(&copy, signed_pdf->data, signed_pdf->len) == 0);
    for (i = 0; i < sizeof(pos) / sizeof(pos[0]) && copy.len == signed_pdf->len; i++) {
        if (pos[i] >= copy.len) {
            CHECK(pos[i] < copy.len);
            continue;
        }
        copy.data[pos[i]] ^= 0x01;
        if (!pdfsig_valid(copy.data, copy.len, &text))
            refused++;
        else
            fprintf(stderr, "byte %zu (position %zu) flipped: pdfsig still valid\n", pos[i], i);
        copy.data[pos[i]] ^= 0x01;
    }
    CHECK_INT(refused, sizeof(pos) / sizeof(pos[0]));
    /* the unchanged copy is still valid, so the refusals come from the flips */
    CHECK(pdfsig_valid(copy.data, copy.len, &text));
    /* a digest mismatch is reported as such */
    copy.data[orig_len / 2] ^= 0x01;
    pdfsig_valid(copy.data, copy.len, &text);
    CHECK(strstr((const char *)text.data, "Digest Mismatch.") != NULL);
    jp_buf_free(&copy);
    jp_buf_free(&text);
}

static void test_existing_annots(struct test_signer *ts)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf pdf, out, text;
    char err[256] = "";
    size_t at, refs = 0;
    int rc;

    jp_buf_init(&pdf, MAX_OUT);
    jp_buf_init(&out, MAX_OUT);
    jp_buf_init(&text, 1u << 20);
    CHECK(make_pdf(2, 3, 1, &pdf) == 0);
    ts->mode = SIGN_CMS;
    rc = pdf_sign(pdf.data, pdf.len, &s, &out, err, sizeof(err));
    CHECK_INT(rc, 0);
    at = find_last(&out, "/Annots [");
    for (; at != SIZE_MAX && at < out.len && out.data[at] != ']'; at++)
        refs += out.data[at] == 'R';
    CHECK_INT(refs, 2); /* the link and the signature widget */
    CHECK(pdfsig_valid(out.data, out.len, &text));
    CHECK_INT(run_tool("qpdf --check", "annots.pdf", out.data, out.len, &text), 0);

    /* a second signature is refused clearly: the catalog has an /AcroForm now */
    jp_buf_free(&pdf);
    CHECK(jp_buf_append(&pdf, out.data, out.len) == 0);
    jp_buf_free(&out);
    rc = pdf_sign(pdf.data, pdf.len, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EUNSUPPORTED);
    CHECK(strstr(err, "AcroForm") != NULL);
    CHECK_INT(out.len, 0);
    jp_buf_free(&pdf);
    jp_buf_free(&out);
    jp_buf_free(&text);
}

/* The signed file is appended after what out held; on error out keeps its length. */
static void test_append(struct test_signer *ts, const struct jp_buf *pdf)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf out, text;
    char err[256] = "";

    jp_buf_init(&out, MAX_OUT);
    jp_buf_init(&text, 1u << 20);
    jp_buf_puts(&out, "prefix");
    ts->mode = SIGN_HUGE;
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), PDF_ETOOBIG);
    CHECK_STR((const char *)out.data, "prefix");
    ts->mode = SIGN_CMS;
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), 0);
    CHECK(out.len > 6 && memcmp(out.data, "prefix", 6) == 0);
    CHECK(out.len > 6 && pdfsig_valid(out.data + 6, out.len - 6, &text));
    CHECK(strstr((const char *)text.data, "Total document signed") != NULL);
    jp_buf_free(&out);
    jp_buf_free(&text);
}

static void test_errors(struct test_signer *ts, const struct jp_buf *pdf)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf out, bad;
    char err[256], offset[32];
    size_t at;
    int rc;

    jp_buf_init(&out, MAX_OUT);
    jp_buf_init(&bad, MAX_OUT);

    ts->mode = SIGN_HUGE; /* 8000 bytes of DER, 6144 reserved */
    ts->frees = 0;
    rc = pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_ETOOBIG);
    CHECK(strstr(err, "8000") != NULL && strstr(err, "6144") != NULL);
    CHECK_INT(out.len, 0);
    CHECK_INT(ts->frees, 1);
    s.contents_size = 9000; /* room enough */
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), 0);
    jp_buf_free(&out);
    s.contents_size = 0;

    ts->mode = SIGN_FAIL;
    rc = pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_ESIGNER);
    CHECK_STR(err, "test signer: refused on purpose");
    CHECK_INT(out.len, 0);

    ts->mode = SIGN_FAKE;
    rc = pdf_sign((const unsigned char *)"hello, world\n", 13, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EFORMAT);
    CHECK(strstr(err, "%PDF-") != NULL);
    rc = pdf_sign(pdf->data, 0, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EFORMAT);
    rc = pdf_sign(pdf->data, pdf->len / 2, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EFORMAT);
    CHECK(strstr(err, "startxref") != NULL);
    rc = pdf_sign(pdf->data, pdf->len - 4, &s, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EFORMAT);
    CHECK_INT(out.len, 0);

    /* startxref pointing nowhere: past the end, into the header, at an object */
    at = find_last(pdf, "startxref\n") + 10;
    CHECK(at < pdf->len);
    rc = sign_with_startxref(pdf, at, "99999999", &s, &bad, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EFORMAT);
    CHECK(strstr(err, "startxref") != NULL);
    rc = sign_with_startxref(pdf, at, "3", &s, &bad, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EFORMAT);
    CHECK(strstr(err, "not an xref table") != NULL);
    CHECK_INT(jp_strf(offset, sizeof(offset), "%zu", find_last(pdf, "1 0 obj")), 0);
    rc = sign_with_startxref(pdf, at, offset, &s, &bad, &out, err, sizeof(err));
    CHECK_INT(rc, PDF_EUNSUPPORTED);
    CHECK(strstr(err, "cross-reference streams") != NULL);
    CHECK_INT(out.len, 0);

    /* options */
    s.contents_size = 100;
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), PDF_EINVAL);
    s.contents_size = 0;
    s.reason = "bad \xC3\x28 utf-8";
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), PDF_EINVAL);
    CHECK(strstr(err, "reason") != NULL);
    s.reason = "line\nbreak";
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), PDF_EINVAL);
    s.reason = NULL;
    jp_buf_free(&out);
    jp_buf_puts(&out, "pdf:");
    CHECK_INT(pdf_sign(out.data, out.len, &s, &out, err, sizeof(err)), PDF_EINVAL);
    CHECK(strstr(err, "inside the output") != NULL);
    jp_buf_free(&out);
    jp_buf_init(&out, pdf->len + 100); /* output bound too small */
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, err, sizeof(err)), EFBIG);
    CHECK_INT(out.len, 0);
    CHECK_INT(pdf_sign(pdf->data, pdf->len, &s, &out, NULL, 0), EFBIG);

    CHECK_STR(pdf_strerror(PDF_ETOOBIG), "signature larger than the space reserved");
    CHECK_STR(pdf_strerror(ENOMEM), strerror(ENOMEM));
    CHECK_STR(pdf_strerror(-7), "unknown error");
    CHECK(JP_ERR_IN(PDF_EFORMAT, JP_ERR_PDF_BASE) && JP_ERR_IN(PDF_ETOOBIG, JP_ERR_PDF_BASE));
    CHECK_STR(pdf_strerror(PDF_EUNSUPPORTED), "pdf uses a feature the signer does not support");
    jp_buf_free(&out);
    jp_buf_free(&bad);
}

/*
 * Every byte of a small PDF overwritten in turn, and every truncation of its
 * tail: each call ends in 0 or an error code, never a crash (Asan build).
 */
static void test_no_crash(struct test_signer *ts, const struct jp_buf *pdf)
{
    static const unsigned char subst[] = {'(', '<', '0', 0xFF, '[', ' ', '/', '9'};
    struct pdf_signer s = signer_for(ts);
    struct jp_buf out, bad;
    char err[128];
    size_t i, ok = 0, refused = 0;
    int rc;

    ts->mode = SIGN_FAKE;
    jp_buf_init(&out, MAX_OUT);
    jp_buf_init(&bad, MAX_OUT);
    CHECK(jp_buf_append(&bad, pdf->data, pdf->len) == 0);
    for (i = 0; i < pdf->len && bad.len == pdf->len; i++) {
        bad.data[i] = subst[i % sizeof(subst)];
        rc = pdf_sign(bad.data, bad.len, &s, &out, err, sizeof(err));
        ok += rc == 0;
        refused += rc == PDF_EFORMAT || rc == PDF_EUNSUPPORTED;
        jp_buf_free(&out);
        bad.data[i] = pdf->data[i];
    }
    CHECK_INT(ok + refused, pdf->len);
    CHECK(refused > 0);
    for (i = 0; i < pdf->len; i++) {
        rc = pdf_sign(pdf->data, i, &s, &out, err, sizeof(err));
        CHECK(rc == PDF_EFORMAT || (rc == 0 && i + 2 >= pdf->len));
        jp_buf_free(&out);
    }
    printf("byte sweep: %zu of %zu one-byte changes still signable, %zu refused\n", ok, pdf->len,
           refused);
    jp_buf_free(&out);
    jp_buf_free(&bad);
}

/* A /Prev that points back at the newest xref section is refused, not followed forever. */
static void test_prev_loop(struct test_signer *ts, const struct jp_buf *signed_pdf)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf bad, out;
    size_t prev = find_last(signed_pdf, "/Prev "), sx = find_last(signed_pdf, "startxref\n");
    char err[256] = "";
    long newest;
    int rc;

    jp_buf_init(&bad, MAX_OUT);
    jp_buf_init(&out, MAX_OUT);
    CHECK(prev != SIZE_MAX && sx != SIZE_MAX && sx > prev);
    if (prev != SIZE_MAX && sx != SIZE_MAX && sx > prev) {
        newest = strtol((const char *)signed_pdf->data + sx + 10, NULL, 10);
        jp_buf_append(&bad, signed_pdf->data, prev);
        jp_buf_printf(&bad, "/Prev %ld >>\nstartxref\n%ld\n%%%%EOF\n", newest, newest);
        rc = pdf_sign(bad.data, bad.len, &s, &out, err, sizeof(err));
        CHECK_INT(rc, PDF_EFORMAT);
        CHECK(strstr(err, "loops") != NULL);
    }
    jp_buf_free(&bad);
    jp_buf_free(&out);
}

/*
 * Seeded pseudo-random damage (1-4 bytes, tail-heavy, sometimes truncated) to
 * a PDF: deterministic, and every call ends in 0 or an error code.
 */
static void test_random_damage(struct test_signer *ts, const struct jp_buf *pdf,
                               int (*update)(const unsigned char *, size_t,
                                             const struct pdf_signer *, struct jp_buf *, char *,
                                             size_t))
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf out, bad;
    unsigned long x = 0x9E3779B9UL;
    size_t round, k, n, at, ok = 0, len;
    char err[128];
    int rc, odd = 0;

    ts->mode = SIGN_FAKE;
    jp_buf_init(&out, MAX_OUT);
    jp_buf_init(&bad, MAX_OUT);
    CHECK(jp_buf_append(&bad, pdf->data, pdf->len) == 0);
    for (round = 0; round < 20000 && bad.len == pdf->len; round++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        n = 1 + (x >> 60) % 4;
        for (k = 0; k < n; k++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            at = (x >> 33) % 2 ? pdf->len - 1 - (x >> 34) % 700 : (x >> 34) % pdf->len;
            bad.data[at] = (unsigned char)(x >> 20);
        }
        len = (x >> 40) % 8 == 0 ? pdf->len - (x >> 44) % 64 : pdf->len;
        rc = update(bad.data, len, &s, &out, err, sizeof(err));
        ok += rc == 0;
        odd += rc != 0 && rc != PDF_EFORMAT && rc != PDF_EUNSUPPORTED;
        jp_buf_free(&out);
        memcpy(bad.data, pdf->data, pdf->len);
    }
    CHECK_INT(odd, 0);
    printf("random damage: %zu of 20000 damaged pdfs still signable, the rest refused\n", ok);
    jp_buf_free(&out);
    jp_buf_free(&bad);
}

/* Time of pdf_sign without the CMS callback, on a ~50 KB PDF. */
static void measure(struct test_signer *ts)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf pdf, out;
    char err[256];
    double t0, total;
    int i, rounds = 200, fails = 0;

    jp_buf_init(&pdf, MAX_OUT);
    jp_buf_init(&out, MAX_OUT);
    CHECK(make_pdf(8, 100, 0, &pdf) == 0);
    CHECK(pdf.len > 40000 && pdf.len < 80000);
    ts->mode = SIGN_CMS;
    ts->cms_seconds = 0;
    t0 = now_seconds();
    for (i = 0; i < rounds; i++) {
        fails += pdf_sign(pdf.data, pdf.len, &s, &out, err, sizeof(err)) != 0;
        jp_buf_free(&out);
    }
    total = now_seconds() - t0;
    CHECK_INT(fails, 0);
    printf("timing: %zu-byte pdf, %d rounds: %.1f us per signature without the cms callback, "
           "%.1f us in the callback (ECDSA P-256)\n",
           pdf.len, rounds, (total - ts->cms_seconds) / rounds * 1e6,
           ts->cms_seconds / rounds * 1e6);
    jp_buf_free(&pdf);
    jp_buf_free(&out);
}

static void remove_tmpdir(void)
{
    static const char *const names[] = {"check.pdf", "signed.pdf", "text.pdf", "annots.pdf"};
    char path[128];
    size_t i;
    int n;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        n = snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        if (n > 0 && (size_t)n < sizeof(path))
            unlink(path);
    }
    rmdir(tmpdir);
}

/* Occurrences of "N 0 R" inside the last "/Fields [...]" of out. */
static int last_fields(const struct jp_buf *out)
{
    size_t at = find_last(out, "/Fields [");
    const char *p, *end;
    int n = 0;

    if (at == SIZE_MAX)
        return -1;
    p = (const char *)out->data + at;
    end = memchr(p, ']', out->len - at);
    for (; end != NULL && (p = strstr(p + 1, " R")) != NULL && p < end; n++)
        ;
    return n;
}

/*
 * pdf_timestamp (the document time-stamp, docts.c): refused on an unsigned
 * file; on a signed one an update after the signed bytes, kept as they were,
 * with /DocTimeStamp /ETSI.RFC3161 and a second field, that qpdf finds sound
 * and after which pdfsig still calls the first signature valid; a second
 * time-stamp adds a third field; a failing stamper leaves out as it was.
 */
static void test_doc_timestamp(struct test_signer *ts, const struct jp_buf *pdf,
                               const struct jp_buf *signed_pdf)
{
    struct pdf_signer s = signer_for(ts);
    struct jp_buf out, twice, text;
    char err[256];

    jp_buf_init(&out, MAX_OUT);
    jp_buf_init(&twice, MAX_OUT);
    jp_buf_init(&text, MAX_OUT);
    ts->mode = SIGN_FAKE;
    CHECK_INT(pdf_timestamp(pdf->data, pdf->len, &s, &out, err, sizeof(err)), PDF_EUNSUPPORTED);
    CHECK(strstr(err, "AcroForm") != NULL);
    CHECK(out.len == 0);
    CHECK_INT(pdf_timestamp(signed_pdf->data, signed_pdf->len, &s, &out, err, sizeof(err)), 0);
    CHECK(out.len > signed_pdf->len && memcmp(out.data, signed_pdf->data, signed_pdf->len) == 0);
    CHECK(find_last(&out, "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161") >
          signed_pdf->len);
    CHECK_INT(last_fields(&out), 2);
    CHECK(run_tool("qpdf --check", "docts.pdf", out.data, out.len, &text) == 0);
    CHECK(pdfsig_valid(out.data, out.len, &text));
    CHECK(strstr((const char *)text.data, "Signature #2") != NULL);
    CHECK_INT(pdf_timestamp(out.data, out.len, &s, &twice, err, sizeof(err)), 0);
    CHECK_INT(last_fields(&twice), 3);
    ts->mode = SIGN_FAIL;
    jp_buf_reset(&twice);
    CHECK_INT(pdf_timestamp(out.data, out.len, &s, &twice, err, sizeof(err)), PDF_ESIGNER);
    CHECK(twice.len == 0);
    ts->mode = SIGN_CMS;
    jp_buf_free(&out);
    jp_buf_free(&twice);
    jp_buf_free(&text);
}

int main(void)
{
    struct test_signer ts = {NULL, NULL, SIGN_CMS, 0, 0, 0};
    struct jp_buf pdf, signed_pdf;

    jp_buf_init(&pdf, MAX_OUT);
    jp_buf_init(&signed_pdf, MAX_OUT);
    memcpy(tmpdir, "/tmp/jp-pdfsign-XXXXXX", sizeof("/tmp/jp-pdfsign-XXXXXX"));
    CHECK(mkdtemp(tmpdir) != NULL);
    CHECK(make_key_cert(&ts) == 0);
    CHECK(make_pdf(1, 2, 0, &pdf) == 0);
    if (check_failed == 0) {
        test_valid_signature(&ts, &pdf, &signed_pdf);
        test_text_survives(&signed_pdf);
        test_tampering(&ts, &signed_pdf, pdf.len);
        test_existing_annots(&ts);
        test_append(&ts, &pdf);
        test_errors(&ts, &pdf);
        test_no_crash(&ts, &pdf);
        test_prev_loop(&ts, &signed_pdf);
        test_random_damage(&ts, &pdf, pdf_sign);
        test_random_damage(&ts, &signed_pdf, pdf_sign);
        test_doc_timestamp(&ts, &pdf, &signed_pdf);
        test_random_damage(&ts, &signed_pdf, pdf_timestamp);
        measure(&ts);
    }

    jp_buf_free(&pdf);
    jp_buf_free(&signed_pdf);
    X509_free(ts.cert);
    EVP_PKEY_free(ts.key);
    remove_tmpdir();
    return CHECK_DONE();
}
