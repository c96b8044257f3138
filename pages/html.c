/*
 * html.c - the one HTML escaper and the page skeleton every human page
 * shares (pages.h): Simplified Chinese, a viewport for phones, one inline
 * style sheet that reads well from 360 px to a desktop and prints, no
 * script, no external resource.
 */
#include "pages.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* The replacement of a byte that is not UTF-8: U+FFFD. */
static const char replacement[] = "\xef\xbf\xbd";

static const char *entity(unsigned char ch)
{
    switch (ch) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

int pages_esc(struct jp_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    int rc = 0;

    while (rc == 0 && i < n) {
        uint32_t cp;
        size_t k = jp_utf8_decode(p + i, n - i, &cp);
        const char *e = k == 1 ? entity(p[i]) : NULL;

        if (k > 1 ||
            (k == 1 && e == NULL && (cp >= 0x20 || cp == '\t' || cp == '\n') && cp != 0x7f)) {
            run += k; /* plain text: copied in one append below */
            i += k;
            continue;
        }
        rc = jp_buf_append(b, p + i - run, run);
        run = 0;
        if (rc == 0 && e != NULL)
            rc = jp_buf_puts(b, e);
        else if (rc == 0 && k == 0)
            rc = jp_buf_puts(b, replacement);
        i += k == 0 ? 1 : k;
    }
    if (rc == 0)
        rc = jp_buf_append(b, p + i - run, run);
    return rc;
}

int pages_escz(struct jp_buf *b, const char *s)
{
    return s == NULL ? 0 : pages_esc(b, s, strlen(s));
}

void pages_page_init(struct pages_page *p)
{
    p->status = 200;
    jp_buf_init(&p->body, PAGES_BODY_MAX);
    p->set_cookie[0] = '\0';
    p->retry_after = 0;
}

void pages_page_free(struct pages_page *p)
{
    if (p == NULL)
        return;
    jp_buf_free(&p->body);
    pages_page_init(p);
}

/* The shared style sheet: phone first, wider screens centred, print plain. */
static const char base_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "sans-serif;background:#f4f4f4;color:#222;font-size:17px;line-height:1.6}"
    "header{background:#1f4e8c;color:#fff;padding:10px 14px}"
    "header a{color:#fff;text-decoration:none;font-weight:bold}"
    "main{max-width:720px;margin:0 auto;padding:0 12px 24px}"
    "h1{font-size:20px;margin:16px 0 8px}h2{font-size:18px;margin:18px 0 8px}"
    "p{margin:10px 0}a{color:#1f4e8c}"
    ".card{background:#fff;border-radius:8px;padding:12px 14px;margin:12px 0}"
    "label{display:block;margin:10px 0 4px;color:#444}"
    "input[type=text],input[type=file],textarea{width:100%;font-size:17px;padding:8px;"
    "border:1px solid #999;border-radius:6px;background:#fff}"
    "textarea{min-height:8em;font-family:monospace}"
    "button{margin-top:12px;font-size:17px;padding:10px 18px;border:0;border-radius:6px;"
    "background:#1f4e8c;color:#fff;width:100%}"
    "dl{margin:0}dt{color:#666;font-size:14px;margin-top:8px}dd{margin:2px 0 8px;"
    "word-break:break-all}"
    ".b{color:#fff;text-align:center;padding:22px 12px;border-radius:8px;margin:12px 0}"
    ".b strong{display:block;font-size:40px;letter-spacing:4px}"
    ".g{background:#1a7f37}.r{background:#c62828}.a{background:#b26a00}.n{background:#555}"
    ".ok{color:#1a7f37;font-weight:bold}.bad{color:#c62828;font-weight:bold}"
    ".note{color:#555;font-size:15px}"
    "table{border-collapse:collapse;width:100%;background:#fff;font-size:15px}"
    "th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;word-break:break-all}"
    "footer{max-width:720px;margin:0 auto;padding:12px;color:#777;font-size:13px}"
    "@media print{header,footer,form,.noprint{display:none}body{background:#fff}"
    "main{max-width:none}}";

int pages_begin(struct pages_page *p, const char *title, const char *css)
{
    int rc;

    rc = jp_buf_fill(&p->body, pages_escz,
                     "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<meta name=\"referrer\" content=\"no-referrer\"><title>%s - 证书核验</title>"
                     "<style>",
                     title);
    if (rc == 0)
        rc = jp_buf_puts(&p->body, base_css);
    if (rc == 0 && css != NULL)
        rc = jp_buf_puts(&p->body, css);
    if (rc == 0)
        rc = jp_buf_puts(&p->body, "</style></head><body><header><a href=\"/\">"
                                   "施工现场专业人员职业培训合格证 · 证书核验</a></header><main>");
    return rc;
}

int pages_end(struct pages_page *p)
{
    return jp_buf_puts(&p->body, "</main><footer>广东省住房和城乡建设厅 · 电子证书核验服务"
                                 "</footer></body></html>");
}

int pages_message(struct pages_page *p, unsigned status, const char *heading, const char *text)
{
    int rc;

    jp_buf_reset(&p->body);
    p->status = status;
    rc = pages_begin(p, heading, NULL);
    if (rc == 0)
        rc = jp_buf_fill(&p->body, pages_escz,
                         "<h1>%s</h1><div class=\"card\"><p>%s</p>"
                         "<p><a href=\"/\">返回首页</a></p></div>",
                         heading, text);
    if (rc == 0)
        rc = pages_end(p);
    return rc;
}
