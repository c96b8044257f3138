/*
 * qr.c - the certificate's QR code as vector modules. libqrencode makes the
 * symbol: error correction Q; alphanumeric segments (numeric ones for long
 * digit runs) when the text is upper-case URL material as SPEC §7 requires,
 * 8-bit otherwise. (QRcode_encodeString refuses QR_MODE_AN as a hint, so
 * the segments are appended explicitly.) Each row's runs of dark modules
 * become one filled rectangle, so the code stays sharp at any print or
 * screen resolution (a scaled raster QR did not decode at 150 dpi), over a
 * white square that holds the 4-module quiet zone.
 *
 * Speed (docs/benchmarks.md): libqrencode's automatic mask choice scores all
 * eight masks and was 9 % of issuance CPU; the symbol uses one fixed mask
 * (any of the eight is valid QR, and tests decode it at 150 dpi), and the
 * rectangles are written to the page's content stream directly, as
 * integers, instead of through HPDF_Page_Rectangle (a 512-byte byte-wise
 * memset and four float conversions per rectangle, another 10 %).
 */
#include "render.h"

#include <errno.h>
#include <string.h>

#include <hpdf_pages.h>
#include <qrencode.h>

#define QR_MAX_WIDTH 177  /* modules across a version-40 symbol */
#define QR_QUIET 4        /* modules of white border on each side */
#define QR_MIN_NUM_RUN 16 /* digits worth a numeric segment of their own */
#define QR_MASK 2         /* the fixed mask pattern (libqrencode numbering) */

/* Exported by libqrencode 4 (qrencode.c) but not declared in qrencode.h:
 * QRcode_encodeInput with the mask given (0-7) instead of chosen (-1). */
extern QRcode *QRcode_encodeMask(QRinput *input, int mask);

static int qr_is_alnum(const char *s)
{
    static const char an[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    for (; *s != '\0'; s++)
        if (strchr(an, *s) == NULL)
            return 0;
    return 1;
}

/*
 * Appends text as alphanumeric segments, except digit runs long enough that
 * numeric mode (3.3 bits a digit against 5.5) pays for the two extra segment
 * headers, such as the 18-digit certificate number. Never 8-bit.
 */
static int qr_append_an(QRinput *in, const char *text)
{
    size_t len = strlen(text), i = 0;
    int rc = 0;

    while (i < len && rc == 0) {
        size_t j = i, digits = strspn(text + i, "0123456789");
        if (digits >= QR_MIN_NUM_RUN) {
            rc = QRinput_append(in, QR_MODE_NUM, (int)digits, (const unsigned char *)text + i);
            i += digits;
            continue;
        }
        while (j < len && strspn(text + j, "0123456789") < QR_MIN_NUM_RUN)
            j++;
        rc = QRinput_append(in, QR_MODE_AN, (int)(j - i), (const unsigned char *)text + i);
        i = j;
    }
    return rc;
}

static QRcode *qr_encode(const char *text)
{
    QRinput *in = QRinput_new2(0, QR_ECLEVEL_Q);
    QRcode *code = NULL;
    int rc;

    if (in == NULL)
        return NULL;
    if (qr_is_alnum(text))
        rc = qr_append_an(in, text);
    else
        rc = QRinput_append(in, QR_MODE_8, (int)strlen(text), (const unsigned char *)text);
    if (rc == 0)
        code = QRcode_encodeMask(in, QR_MASK);
    QRinput_free(in);
    return code;
}

QRcode *qr_symbol(const char *text)
{
    return qr_encode(text);
}

/* Writes v (0..9999) in decimal followed by sep; returns the end. */
static char *put_uint(char *p, unsigned v, char sep)
{
    char tmp[4];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 4);
    while (n > 0)
        *p++ = tmp[--n];
    *p++ = sep;
    return p;
}

/* Appends the dark runs of one row as "x y w 1 re" in module units (y up). */
static HPDF_STATUS qr_row(HPDF_Stream s, const QRcode *c, int row)
{
    char buf[(QR_MAX_WIDTH + 1) / 2 * 20];
    const unsigned char *d = c->data + (size_t)row * (size_t)c->width;
    char *p = buf;
    int col = 0, start, len;

    for (start = jp_run_next(d, c->width, &col, &len); start >= 0;
         start = jp_run_next(d, c->width, &col, &len)) {
        p = put_uint(p, (unsigned)start, ' ');
        p = put_uint(p, (unsigned)(c->width - 1 - row), ' ');
        p = put_uint(p, (unsigned)len, ' ');
        memcpy(p, "1 re\n", 5);
        p += 5;
    }
    return p == buf ? HPDF_OK : HPDF_Stream_Write(s, (const HPDF_BYTE *)buf, (HPDF_UINT)(p - buf));
}

/* The dark modules as one filled path, straight into the page's content stream. */
static HPDF_STATUS qr_modules(HPDF_Page page, const QRcode *c)
{
    HPDF_PageAttr attr = (HPDF_PageAttr)page->attr;
    HPDF_STATUS st = HPDF_OK;

    if (attr == NULL || attr->gmode != HPDF_GMODE_PAGE_DESCRIPTION || c->width > QR_MAX_WIDTH)
        return HPDF_INVALID_OPERATION;
    for (int row = 0; row < c->width && st == HPDF_OK; row++)
        st = qr_row(attr->stream, c, row);
    if (st == HPDF_OK)
        st = HPDF_Stream_WriteStr(attr->stream, "f\n");
    return st;
}

int qr_draw(HPDF_Page page, const char *text, double x, double y, double size_pt, int *version)
{
    int rc = 0;
    QRcode *c = qr_encode(text);
    HPDF_STATUS st = HPDF_OK;
    double m;

    if (c == NULL)
        return errno == ENOMEM ? ENOMEM : TMPL_EQR;
    *version = c->version;
    m = size_pt / (c->width + 2 * QR_QUIET);
    st += HPDF_Page_GSave(page);
    st += HPDF_Page_SetRGBFill(page, 1, 1, 1);
    st += HPDF_Page_Rectangle(page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)size_pt,
                              (HPDF_REAL)size_pt);
    st += HPDF_Page_Fill(page);
    st += HPDF_Page_SetRGBFill(page, 0, 0, 0);
    /* module coordinates: integers keep the content stream short */
    st += HPDF_Page_Concat(page, (HPDF_REAL)m, 0, 0, (HPDF_REAL)m, (HPDF_REAL)(x + QR_QUIET * m),
                           (HPDF_REAL)(y + QR_QUIET * m));
    if (st == HPDF_OK)
        st = qr_modules(page, c);
    st += HPDF_Page_GRestore(page);
    if (st != HPDF_OK)
        rc = TMPL_EPDF;
    QRcode_free(c);
    return rc;
}
