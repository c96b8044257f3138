/*
 * chart.c - one dashboard chart (dashboard.h): a bar chart as inline SVG and
 * the same figures as a table beside it. The SVG scales to its box (viewBox,
 * width 100%), so one drawing reads on a phone and at desktop width; labels
 * are SVG text in the page's own font, escaped with the one HTML escaper.
 */
#include "dashboard.h"
#include "pages.h"

#include <string.h>

#define VW 640       /* viewBox width */
#define VH 280       /* viewBox height of an upright chart */
#define UP_LEFT 52   /* upright: room for the value axis */
#define UP_BOTTOM 72 /* upright: room for the labels under the bars */
#define UP_TOP 16    /* upright: room above the highest tick */
#define ROW_H 30     /* across: height of one bar's row */
#define AC_LEFT 210  /* across: room for the labels left of the bars */
#define AC_RIGHT 64  /* across: room for the value right of a bar */
#define AC_TOP 8     /* across: room above the first row */
#define AC_BOTTOM 28 /* across: room for the value axis */
#define TICKS 4      /* value-axis divisions wanted */

/* A step of 1, 2 or 5 times a power of ten that divides max into at most TICKS parts. */
static unsigned long tick_step(unsigned long max)
{
    unsigned long mag = 1;

    for (;;) {
        if (mag * TICKS >= max)
            return mag;
        if (2 * mag * TICKS >= max)
            return 2 * mag;
        if (5 * mag * TICKS >= max)
            return 5 * mag;
        mag *= 10;
    }
}

static unsigned long bars_max(const struct dash_bar *bars, size_t n)
{
    unsigned long m = 0;

    for (size_t i = 0; i < n; i++)
        if (bars[i].value > m)
            m = bars[i].value;
    return m;
}

/* The axis top: a whole number of steps at or above max (at least one step). */
static unsigned long axis_top(unsigned long max, unsigned long step)
{
    unsigned long top = (max + step - 1) / step * step;

    return top == 0 ? step : top;
}

static int text_at(struct jp_buf *out, double x, double y, const char *anchor, const char *extra,
                   const char *s)
{
    int rc = jp_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor,
                           extra);

    if (rc == 0)
        rc = pages_escz(out, s);
    if (rc == 0)
        rc = jp_buf_puts(out, "</text>");
    return rc;
}

/* Months and the like: bars standing on the x axis, value ticks on the left. */
static int svg_upright(struct jp_buf *out, const struct dash_bar *bars, size_t n)
{
    unsigned long step = tick_step(bars_max(bars, n)), top = axis_top(bars_max(bars, n), step);
    double plot_w = VW - UP_LEFT - 8, plot_h = VH - UP_TOP - UP_BOTTOM;
    double slot = plot_w / (double)n, base = VH - UP_BOTTOM;
    int slanted = n > 8, rc = 0;

    for (unsigned long v = 0; rc == 0 && v <= top; v += step) {
        double y = base - plot_h * (double)v / (double)top;
        char num[24];

        rc =
            jp_buf_printf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
                          UP_LEFT, y, VW - 8, y);
        if (rc == 0)
            rc = jp_strf(num, sizeof num, "%lu", v);
        if (rc == 0)
            rc = text_at(out, UP_LEFT - 6, y + 4, "end", "", num);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        double h = plot_h * (double)bars[i].value / (double)top;
        double x = UP_LEFT + slot * (double)i, cx = x + slot / 2;
        char num[24], rot[64];

        rc = jp_buf_printf(out,
                           "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\"><title>",
                           x + slot * 0.15, base - h, slot * 0.7, h);
        if (rc == 0)
            rc = pages_escz(out, bars[i].label);
        if (rc == 0)
            rc = jp_buf_printf(out, ": %lu</title></rect>", bars[i].value);
        if (rc == 0 && bars[i].value > 0)
            rc = jp_strf(num, sizeof num, "%lu", bars[i].value);
        if (rc == 0 && bars[i].value > 0)
            rc = text_at(out, cx, base - h - 4, "middle", " class=\"val\"", num);
        if (rc == 0)
            rc = jp_strf(rot, sizeof rot, " transform=\"rotate(-40 %.1f %.1f)\"", cx, base + 16.0);
        if (rc == 0)
            rc = text_at(out, cx, base + 16, slanted ? "end" : "middle", slanted ? rot : "",
                         bars[i].label);
    }
    if (rc == 0)
        rc =
            jp_buf_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
                          UP_LEFT, base, VW - 8, base);
    return rc;
}

/* Categories with long names: one row each, the value axis below. */
static int svg_across(struct jp_buf *out, const struct dash_bar *bars, size_t n, int height)
{
    unsigned long step = tick_step(bars_max(bars, n)), top = axis_top(bars_max(bars, n), step);
    double plot_w = VW - AC_LEFT - AC_RIGHT, base = height - AC_BOTTOM;
    int rc = 0;

    for (unsigned long v = 0; rc == 0 && v <= top; v += step) {
        double x = AC_LEFT + plot_w * (double)v / (double)top;
        char num[24];

        rc = jp_buf_printf(out,
                           "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>",
                           x, AC_TOP, x, base);
        if (rc == 0)
            rc = jp_strf(num, sizeof num, "%lu", v);
        if (rc == 0)
            rc = text_at(out, x, base + 18, "middle", "", num);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        double w = plot_w * (double)bars[i].value / (double)top;
        double y = AC_TOP + ROW_H * (double)i;
        char num[24];

        rc = jp_buf_printf(out,
                           "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%d\"><title>",
                           AC_LEFT, y + 5, w, ROW_H - 10);
        if (rc == 0)
            rc = pages_escz(out, bars[i].label);
        if (rc == 0)
            rc = jp_buf_printf(out, ": %lu</title></rect>", bars[i].value);
        if (rc == 0)
            rc = text_at(out, AC_LEFT - 8, y + ROW_H / 2.0 + 5, "end", "", bars[i].label);
        if (rc == 0)
            rc = jp_strf(num, sizeof num, "%lu", bars[i].value);
        if (rc == 0)
            rc = text_at(out, AC_LEFT + w + 6, y + ROW_H / 2.0 + 5, "start", " class=\"val\"", num);
    }
    if (rc == 0)
        rc = jp_buf_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/>",
                           AC_LEFT, AC_TOP, AC_LEFT, base);
    return rc;
}

static int svg_chart(struct jp_buf *out, const char *id, const char *title,
                     const struct dash_bar *bars, size_t n, int horizontal)
{
    int height = horizontal ? AC_TOP + ROW_H * (int)(n ? n : 1) + AC_BOTTOM : VH;
    int rc = jp_buf_printf(out,
                           "<svg class=\"chart\" id=\"c-%s\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
                           "role=\"img\" aria-labelledby=\"h-%s\" "
                           "xmlns=\"http://www.w3.org/2000/svg\"><title>",
                           id, VW, height, id);

    if (rc == 0)
        rc = pages_escz(out, title);
    if (rc == 0)
        rc = jp_buf_puts(out, "</title>");
    if (rc == 0 && n == 0)
        rc = text_at(out, VW / 2.0, height / 2.0, "middle", "", "暂无数据");
    else if (rc == 0 && horizontal)
        rc = svg_across(out, bars, n, height);
    else if (rc == 0)
        rc = svg_upright(out, bars, n);
    if (rc == 0)
        rc = jp_buf_puts(out, "</svg>");
    return rc;
}

static int table(struct jp_buf *out, const char *id, const char *title, const char *unit,
                 const struct dash_bar *bars, size_t n)
{
    unsigned long sum = 0;
    int rc = jp_buf_printf(out, "<table id=\"t-%s\"><caption>", id);

    if (rc == 0)
        rc = pages_escz(out, title);
    if (rc == 0)
        rc = jp_buf_puts(out, "</caption><thead><tr><th scope=\"col\">项目</th><th scope=\"col\">");
    if (rc == 0)
        rc = pages_escz(out, unit);
    if (rc == 0)
        rc = jp_buf_puts(out, "</th></tr></thead><tbody>");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = jp_buf_puts(out, "<tr");
        if (rc == 0 && bars[i].key != NULL) {
            rc = jp_buf_puts(out, " data-key=\"");
            if (rc == 0)
                rc = pages_escz(out, bars[i].key);
            if (rc == 0)
                rc = jp_buf_puts(out, "\"");
        }
        if (rc == 0)
            rc = jp_buf_puts(out, "><th scope=\"row\">");
        if (rc == 0)
            rc = pages_escz(out, bars[i].label);
        if (rc == 0)
            rc = jp_buf_printf(out, "</th><td class=\"n\">%lu</td></tr>", bars[i].value);
        sum += bars[i].value;
    }
    if (rc == 0)
        rc = jp_buf_printf(out,
                           "</tbody><tfoot><tr><th scope=\"row\">合计</th><td class=\"n\">%lu</td>"
                           "</tr></tfoot></table>",
                           sum);
    return rc;
}

int dash_chart(struct jp_buf *out, const char *id, const char *title, const char *unit,
               const struct dash_bar *bars, size_t n, int horizontal)
{
    int rc =
        jp_buf_printf(out, "<section class=\"card dash\" id=\"s-%s\"><h2 id=\"h-%s\">", id, id);

    if (rc == 0)
        rc = pages_escz(out, title);
    if (rc == 0)
        rc = jp_buf_puts(out, "</h2><div class=\"pair\"><figure>");
    if (rc == 0)
        rc = svg_chart(out, id, title, bars, n, horizontal);
    if (rc == 0)
        rc = jp_buf_puts(out, "</figure><div class=\"tbl\">");
    if (rc == 0)
        rc = table(out, id, title, unit, bars, n);
    if (rc == 0)
        rc = jp_buf_puts(out, "</div></div></section>");
    return rc;
}
