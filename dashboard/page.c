/*
 * page.c - the dashboard page (dashboard.h): a self-contained HTML document
 * in Simplified Chinese, its own small style sheet (phone first, two columns
 * of chart and table from 900 px), six charts from one tally, no script and
 * nothing fetched from anywhere.
 */
#include "dashboard.h"
#include "pages.h"

#include <errno.h>
#include <string.h>

#define LABEL_MAX 96 /* bytes of one bar's label */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "\"AR PL UMing CN\",sans-serif;background:#f4f4f4;color:#222;font-size:16px;line-height:1.5}"
    "header{background:#1f4e8c;color:#fff;padding:10px 14px;font-weight:bold}"
    "main{max-width:1200px;margin:0 auto;padding:0 12px 24px}"
    "h1{font-size:21px;margin:16px 0 6px}h2{font-size:18px;margin:4px 0 8px}"
    ".note{color:#555;font-size:14px}"
    ".card{background:#fff;border-radius:8px;padding:12px 14px;margin:12px 0}"
    ".pair{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}"
    "figure{margin:0;flex:1 1 100%;min-width:0}.tbl{flex:1 1 100%;overflow-x:auto}"
    "@media (min-width:900px){figure{flex:3 1 0}.tbl{flex:2 1 0}}"
    "svg.chart{display:block;width:100%;height:auto;font-size:16px}"
    "svg .bar{fill:#1f4e8c}svg .grid{stroke:#ddd;stroke-width:1}"
    "svg .axis{stroke:#555;stroke-width:1.5}svg text{fill:#333}svg text.val{fill:#1f4e8c;"
    "font-weight:bold}"
    "table{border-collapse:collapse;width:100%;font-size:15px}"
    "caption{text-align:left;color:#555;font-size:14px;padding-bottom:4px}"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}tfoot th,tfoot td{font-weight:bold}"
    "footer{max-width:1200px;margin:0 auto;padding:12px;color:#777;font-size:13px}"
    "@media print{body{background:#fff}.card{break-inside:avoid}}";

static const char *const status_label[STORE_STATUS_LAPSED + 1] = {
    "有效", "暂扣", "撤销", "注销", "失效",
};
static const char *const change_label[DASH_CHG_COUNT] = {
    "暂扣", "撤销", "恢复", "注销", "失效", "信息变更", "换发新版",
};

/* Labels live in a caller's array of LABEL_MAX-byte slots, one per bar. */
typedef char label_t[LABEL_MAX];

static int head(struct jp_buf *out, const struct dash_tally *t, const char *generated_at)
{
    char day[IDENT_DATE_SIZE];
    int rc = ident_date_format(&t->as_of, day, sizeof day) == 0 ? 0 : EINVAL;

    if (rc == 0)
        rc = jp_buf_printf(out,
                           "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                           "<meta name=\"referrer\" content=\"no-referrer\">"
                           "<title>证书统计看板</title><style>%s</style></head><body>"
                           "<header>施工现场专业人员职业培训合格证 · 运营看板</header><main>"
                           "<h1>证书统计看板</h1><p class=\"note\" id=\"as-of\">数据截至 "
                           "<time datetime=\"%s\">%s</time>",
                           css, day, day);
    if (rc == 0 && generated_at != NULL) {
        rc = jp_buf_puts(out, "，生成于 ");
        if (rc == 0)
            rc = pages_escz(out, generated_at);
    }
    if (rc == 0)
        rc = jp_buf_printf(out,
                           "。证书共 <strong id=\"total\">%lu</strong> 张，审计日志 %llu 条。"
                           "本页只含统计数字，不含任何个人信息。</p>",
                           t->total, (unsigned long long)t->audit_last);
    return rc;
}

static int chart_months(struct jp_buf *out, const struct dash_tally *t)
{
    struct dash_bar bars[DASH_MONTHS_MAX + 2];
    size_t n = 0;
    char title[64];

    if (t->before > 0)
        bars[n++] = (struct dash_bar){"更早", "before", t->before};
    for (int i = 0; i < t->months; i++)
        bars[n++] = (struct dash_bar){t->month[i], t->month[i], t->by_month[i]};
    if (t->after > 0)
        bars[n++] = (struct dash_bar){"此后", "after", t->after};
    if (jp_strf(title, sizeof title, "按月发证数量（近 %d 个月）", t->months) != 0)
        return EINVAL;
    return dash_chart(out, "month", title, "证书（张）", bars, n, 0);
}

/* The nonzero codes of counts as bars, named by name(cfg, code) or the code itself. */
static size_t code_bars(const unsigned long *counts, const struct jp_config *cfg,
                        const char *(*name)(const struct jp_config *, const char *),
                        struct dash_bar *bars, label_t *labels, char (*keys)[3])
{
    size_t n = 0;

    for (int i = 0; i < DASH_CODES_MAX; i++) {
        const char *nm;

        if (counts[i] == 0)
            continue;
        (void)jp_strf(keys[n], 3, "%02d", i);
        nm = cfg != NULL ? name(cfg, keys[n]) : NULL;
        if (nm != NULL)
            (void)jp_strf(labels[n], LABEL_MAX, "%s %s", nm, keys[n]);
        else
            (void)jp_strf(labels[n], LABEL_MAX, "代码 %s", keys[n]);
        bars[n] = (struct dash_bar){labels[n], keys[n], counts[i]};
        n++;
    }
    return n;
}

static int chart_codes(struct jp_buf *out, const char *id, const char *title,
                       const unsigned long *counts, const struct jp_config *cfg,
                       const char *(*name)(const struct jp_config *, const char *))
{
    struct dash_bar bars[DASH_CODES_MAX];
    label_t labels[DASH_CODES_MAX]; /* 10 KB on the stack */
    char keys[DASH_CODES_MAX][3];
    size_t n = code_bars(counts, cfg, name, bars, labels, keys);

    return dash_chart(out, id, title, "证书（张）", bars, n, 1);
}

static int chart_status(struct jp_buf *out, const struct dash_tally *t)
{
    struct dash_bar bars[STORE_STATUS_LAPSED + 1];

    for (int i = 0; i <= STORE_STATUS_LAPSED; i++)
        bars[i] = (struct dash_bar){status_label[i], store_status_name((enum store_cert_status)i),
                                    t->by_status[i]};
    return dash_chart(out, "status", "按当前状态", "证书（张）", bars, STORE_STATUS_LAPSED + 1, 1);
}

static int chart_changes(struct jp_buf *out, const struct dash_tally *t)
{
    struct dash_bar bars[DASH_CHG_COUNT];

    for (int k = 0; k < DASH_CHG_COUNT; k++)
        bars[k] = (struct dash_bar){change_label[k], dash_change_action((enum dash_change)k),
                                    t->changes[k]};
    return dash_chart(out, "changes", "状态变更与换发（按类型，累计）", "次数", bars,
                      DASH_CHG_COUNT, 1);
}

static int chart_lapse(struct jp_buf *out, const struct dash_tally *t)
{
    static const char *const keys[DASH_LAPSE_BINS] = {"1-30", "31-60", "61-90"};
    static const char *const labels[DASH_LAPSE_BINS] = {"1–30 天内", "31–60 天", "61–90 天"};
    struct dash_bar bars[DASH_LAPSE_BINS];

    for (int i = 0; i < DASH_LAPSE_BINS; i++)
        bars[i] = (struct dash_bar){labels[i], keys[i], t->lapse[i]};
    return dash_chart(out, "lapse", "未来 90 天内到继续教育周年的有效证书（学时不足将失效）",
                      "证书（张）", bars, DASH_LAPSE_BINS, 1);
}

int dash_page(const struct dash_tally *t, const struct jp_config *cfg, const char *generated_at,
              struct jp_buf *out)
{
    int rc = head(out, t, generated_at);

    if (rc == 0)
        rc = chart_months(out, t);
    if (rc == 0)
        rc = chart_codes(out, "city", "按城市", t->by_city, cfg, jp_config_city);
    if (rc == 0)
        rc = chart_codes(out, "position", "按岗位", t->by_position, cfg, jp_config_position);
    if (rc == 0)
        rc = chart_status(out, t);
    if (rc == 0)
        rc = chart_changes(out, t);
    if (rc == 0)
        rc = chart_lapse(out, t);
    if (rc == 0 && t->other_code > 0)
        rc = jp_buf_printf(out,
                           "<p class=\"note\">另有 %lu 张证书的城市或岗位代码不是两位数字，"
                           "未计入按城市或按岗位的图表。</p>",
                           t->other_code);
    if (rc == 0)
        rc = jp_buf_puts(out, "</main><footer>运营看板 · 由 jianpei 生成 · 无外部资源</footer>"
                              "</body></html>");
    return rc;
}
