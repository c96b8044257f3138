/*
 * qr.c - the certificate's QR code as vector modules. libqrencode makes the
 * symbol: error correction Q; alphanumeric segments (numeric ones for long
 * digit runs) when the text is upper-case URL material as SPEC §7 requires,
 * 8-bit otherwise. (QRcode_encodeString refuses QR_MODE_AN as a hint, so
 * the segments are appended explicitly.) Each row's runs of dark modules
 * become one filled rectangle, so the code stays sharp at any print or
 * screen resolution (a scaled raster QR did not decode at 150 dpi), over a
 * white square that holds the 4-module quiet zone.
 */
#include "render.h"

#include <errno.h>
#include <string.h>

#include <qrencode.h>

#define QR_QUIET 4        /* modules of white border on each side */
#define QR_MIN_NUM_RUN 16 /* digits worth a numeric segment of their own */

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
    QRinput *in;
    QRcode *code = NULL;

    if (!qr_is_alnum(text))
        return QRcode_encodeString8bit(text, 0, QR_ECLEVEL_Q);
    in = QRinput_new2(0, QR_ECLEVEL_Q);
    if (in == NULL)
        return NULL;
    if (qr_append_an(in, text) == 0)
        code = QRcode_encodeInput(in);
    QRinput_free(in);
    return code;
}

/* Adds the dark runs of one row as rectangles, in module units (y up). */
static HPDF_STATUS qr_row(HPDF_Page page, const QRcode *c, int row)
{
    HPDF_STATUS st = HPDF_OK;
    const unsigned char *d = c->data + (size_t)row * (size_t)c->width;
    int col = 0;

    while (col < c->width && st == HPDF_OK) {
        int start;
        if (!(d[col] & 1)) {
            col++;
            continue;
        }
        start = col;
        while (col < c->width && (d[col] & 1))
            col++;
        st = HPDF_Page_Rectangle(page, (HPDF_REAL)start, (HPDF_REAL)(c->width - 1 - row),
                                 (HPDF_REAL)(col - start), 1);
    }
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
    for (int row = 0; row < c->width && st == HPDF_OK; row++)
        st = qr_row(page, c, row);
    st += HPDF_Page_Fill(page);
    st += HPDF_Page_GRestore(page);
    if (st != HPDF_OK)
        rc = TMPL_EPDF;
    QRcode_free(c);
    return rc;
}
