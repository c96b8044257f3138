/*
 * test_pages.c - the pages module's building blocks (pages.h): the HTML
 * escaper, the page skeleton, urlencoded and multipart form bodies, cookies
 * and CSRF tokens. What a user would notice: a name with markup shows as
 * text, a tampered or forged form is refused, an upload past 2 MiB is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pages.h"

static int esc_is(const char *in, size_t n, const char *want)
{
    struct jp_buf b;
    int ok;

    jp_buf_init(&b, 4096);
    ok = pages_esc(&b, in, n) == 0 && strcmp(b.data != NULL ? (char *)b.data : "", want) == 0;
    if (!ok)
        fprintf(stderr, "escaped: %s\n", b.data != NULL ? (char *)b.data : "");
    jp_buf_free(&b);
    return ok;
}

static void test_escape(void)
{
    CHECK(esc_is("<script>alert('x')&\"</script>", 29,
                 "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;"));
    CHECK(esc_is("张三丰 𠮷", strlen("张三丰 𠮷"), "张三丰 𠮷"));
    CHECK(esc_is("a\xff"
                 "b",
                 3,
                 "a\xef\xbf\xbd"
                 "b"));                                       /* not UTF-8 */
    CHECK(esc_is("\xe5\xbc", 2, "\xef\xbf\xbd\xef\xbf\xbd")); /* cut short */
    CHECK(esc_is("a\x01\x7f"
                 "b\n",
                 5, "ab\n")); /* controls dropped */
    CHECK(esc_is("", 0, ""));
}

static void test_skeleton(void)
{
    struct pages_page p;
    const char *html;

    pages_page_init(&p);
    CHECK(pages_begin(&p, "<首页>", NULL) == 0 && pages_end(&p) == 0);
    html = (const char *)p.body.data;
    CHECK(html != NULL && strstr(html, "<html lang=\"zh-CN\">") != NULL);
    CHECK(html != NULL && strstr(html, "<title>&lt;首页&gt;") != NULL);
    CHECK(html != NULL && strstr(html, "name=\"viewport\"") != NULL);
    CHECK(html != NULL && strstr(html, "http") == NULL); /* no external resource */
    CHECK(html != NULL && strstr(html, "<script") == NULL);
    CHECK(pages_message(&p, 404, "查无此证", "编号 <x>") == 0 && p.status == 404);
    html = (const char *)p.body.data;
    CHECK(html != NULL && strstr(html, "编号 &lt;x&gt;") != NULL &&
          strncmp(html, "<!DOCTYPE html>", 15) == 0);
    pages_page_free(&p);
    CHECK(strstr(PAGES_CSP, "default-src 'none'") != NULL &&
          strstr(PAGES_CSP, "form-action 'self'") != NULL &&
          strstr(PAGES_CSP, "frame-ancestors 'none'") != NULL);
}

static int form_rc(const char *body)
{
    struct pages_form f;
    int rc = pages_form_parse(body, strlen(body), &f);

    pages_form_free(&f);
    return rc;
}

static void test_urlencoded(void)
{
    struct pages_form f;
    const char *v;
    size_t n = 0;
    static const char body[] =
        "name=%E5%BC%A0%E4%B8%89+%E4%B8%B0&id_number=44010319900101123x&&csrf=&nos=a%0D%0Ab";

    CHECK(pages_form_parse(body, sizeof(body) - 1, &f) == 0 && f.n == 4);
    CHECK_STR(pages_form_get(&f, "name", NULL), "张三 丰");
    CHECK_STR(pages_form_get(&f, "id_number", NULL), "44010319900101123x");
    v = pages_form_get(&f, "csrf", &n);
    CHECK(v != NULL && n == 0);
    CHECK_STR(pages_form_get(&f, "nos", NULL), "a\r\nb");
    CHECK(pages_form_get(&f, "other", &n) == NULL && n == 0);
    pages_form_free(&f);
    CHECK(f.n == 0);

    CHECK_INT(form_rc("a=1&a=2"), PAGES_E_FORM);  /* duplicate */
    CHECK_INT(form_rc("a=%E5%BC"), PAGES_E_FORM); /* UTF-8 cut short */
    CHECK_INT(form_rc("a=%C0%AF"), PAGES_E_FORM); /* overlong */
    CHECK_INT(form_rc("a=%00"), PAGES_E_FORM);    /* NUL */
    CHECK_INT(form_rc("a=%1"), PAGES_E_FORM);     /* bad escape */
    CHECK_INT(form_rc("a=%zz"), PAGES_E_FORM);    /* bad escape */
    CHECK_INT(form_rc("a%20b=1"), PAGES_E_FORM);  /* escaped name */
    CHECK_INT(form_rc("=1"), PAGES_E_FORM);       /* empty name */
    CHECK_INT(form_rc("a=1&b=2&c"), 0);           /* a bare name is an empty value */
    CHECK_INT(form_rc(""), 0);
    {
        char many[400] = "";
        int i;

        for (i = 0; i < PAGES_FIELDS_MAX + 1; i++)
            snprintf(many + strlen(many), sizeof(many) - strlen(many), "f%d=1&", i);
        CHECK_INT(form_rc(many), PAGES_E_FORM);
    }
    {
        size_t big = PAGES_VALUE_MAX + 3;
        char *b = malloc(big + 1);

        CHECK(b != NULL);
        if (b != NULL) {
            memset(b, 'x', big);
            memcpy(b, "a=", 2);
            b[big] = '\0';
            CHECK_INT(form_rc(b), PAGES_E_TOO_BIG);
            free(b);
        }
    }
}

#define CT "multipart/form-data; boundary=----WebKitFormBoundaryAbC123"
#define DASH "------WebKitFormBoundaryAbC123"

static int mp_rc(const char *ct, const void *body, size_t len, struct pages_upload *u)
{
    return pages_multipart_parse(ct, body, len, "file", u);
}

static void test_multipart(void)
{
    static const char body[] = DASH "\r\n"
                                    "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
                                    "TOKEN\r\n" DASH "\r\n"
                                    "Content-Disposition: form-data; name=\"file\"; "
                                    "filename=\"证书.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                                    "%PDF-1.7\r\n\x00\x01 binary\r\n" DASH "--\r\n";
    struct pages_upload u;
    char *big;
    size_t n;

    CHECK(mp_rc(CT, body, sizeof(body) - 1, &u) == 0);
    CHECK(u.has_file && u.file_len == 19 && memcmp(u.file, "%PDF-1.7\r\n\x00\x01 binary", 19) == 0);
    CHECK_STR(u.filename, "证书.pdf");
    CHECK_STR(pages_form_get(&u.fields, "csrf", NULL), "TOKEN");
    pages_upload_free(&u);

    /* quoted boundary, as some clients send it */
    CHECK(mp_rc("multipart/form-data; boundary=\"----WebKitFormBoundaryAbC123\"", body,
                sizeof(body) - 1, &u) == 0 &&
          u.has_file);
    pages_upload_free(&u);

    /* truncated anywhere: refused, never read past the end */
    for (n = 0; n < sizeof(body) - 1 - 4; n++) {
        int rc = mp_rc(CT, body, n, &u);

        if (rc != PAGES_E_FORM)
            fprintf(stderr, "truncated at %zu: %d\n", n, rc);
        CHECK(rc == PAGES_E_FORM);
    }
    CHECK_INT(mp_rc(CT, "", 0, &u), PAGES_E_FORM);
    CHECK_INT(mp_rc("multipart/form-data", body, sizeof(body) - 1, &u), PAGES_E_FORM);
    CHECK_INT(mp_rc("multipart/form-data; boundary=other", body, sizeof(body) - 1, &u),
              PAGES_E_FORM);
    CHECK_INT(
        mp_rc("text/plain; boundary=----WebKitFormBoundaryAbC123", body, sizeof(body) - 1, &u),
        PAGES_E_FORM);
    {
        static const char two[] = DASH "\r\nContent-Disposition: form-data; name=\"file\"; "
                                       "filename=\"a\"\r\n\r\nA\r\n" DASH
                                       "\r\nContent-Disposition: form-data; name=\"file\"; "
                                       "filename=\"b\"\r\n\r\nB\r\n" DASH "--";
        static const char noname[] =
            DASH "\r\nContent-Disposition: form-data\r\n\r\nA\r\n" DASH "--";
        static const char empty[] = DASH "\r\nContent-Disposition: form-data; name=\"file\"; "
                                         "filename=\"\"\r\n\r\n\r\n" DASH "--";

        CHECK_INT(mp_rc(CT, two, sizeof(two) - 1, &u), PAGES_E_FORM);
        CHECK_INT(mp_rc(CT, noname, sizeof(noname) - 1, &u), PAGES_E_FORM);
        CHECK(mp_rc(CT, empty, sizeof(empty) - 1, &u) == 0 && u.has_file && u.file_len == 0);
        pages_upload_free(&u);
    }
    /* a file one byte past 2 MiB */
    n = PAGES_UPLOAD_MAX + 1 + 512;
    big = malloc(n + 200);
    CHECK(big != NULL);
    if (big != NULL) {
        size_t o = (size_t)snprintf(big, 200,
                                    DASH "\r\nContent-Disposition: form-data; name=\"file\"; "
                                         "filename=\"x.pdf\"\r\n\r\n");

        memset(big + o, 'A', PAGES_UPLOAD_MAX + 1);
        o += PAGES_UPLOAD_MAX + 1;
        memcpy(big + o, "\r\n" DASH "--", 2 + strlen(DASH) + 2);
        o += 2 + strlen(DASH) + 2;
        CHECK_INT(mp_rc(CT, big, o, &u), PAGES_E_TOO_BIG);
        /* exactly 2 MiB is fine */
        memmove(big + o - strlen(DASH) - 5, big + o - strlen(DASH) - 4, strlen(DASH) + 4);
        CHECK(mp_rc(CT, big, o - 1, &u) == 0 && u.file_len == PAGES_UPLOAD_MAX);
        pages_upload_free(&u);
        free(big);
    }
    /* pages_body_parse picks the parser by content type */
    CHECK(pages_body_parse("application/x-www-form-urlencoded", "a=1", 3, "file", &u) == 0 &&
          !u.has_file);
    CHECK_STR(pages_form_get(&u.fields, "a", NULL), "1");
    pages_upload_free(&u);
    CHECK_INT(pages_body_parse("application/json", "{}", 2, "file", &u), PAGES_E_FORM);
}

static void test_cookies(void)
{
    char v[64];

    CHECK(pages_cookie_get("a=1; jp_csrf=XYZ; b=2", "jp_csrf", v, sizeof(v)) == 0);
    CHECK_STR(v, "XYZ");
    CHECK(pages_cookie_get("xjp_csrf=1", "jp_csrf", v, sizeof(v)) == ENOENT);
    CHECK(pages_cookie_get(NULL, "jp_csrf", v, sizeof(v)) == ENOENT);
    CHECK(pages_cookie_get("jp_csrf=A; jp_csrf=B", "jp_csrf", v, sizeof(v)) == PAGES_E_FORM);
    CHECK(pages_cookie_get("jp_csrf=ABCDEFGH", "jp_csrf", v, 4) == ENOSPC);
    CHECK(pages_cookie_get("jp_csrf=", "jp_csrf", v, sizeof(v)) == 0 && v[0] == '\0');
}

static void test_csrf(void)
{
    struct pages_page p;
    struct pages_form f;
    char token[PAGES_CSRF_LEN + 1], again[PAGES_CSRF_LEN + 1], cookie[128], body[128];

    pages_page_init(&p);
    CHECK(pages_csrf_prepare(&p, NULL, 1, token) == 0 && strlen(token) == PAGES_CSRF_LEN);
    CHECK(strncmp(p.set_cookie, "jp_csrf=", 8) == 0 && strstr(p.set_cookie, token) != NULL);
    CHECK(strstr(p.set_cookie, "HttpOnly") != NULL &&
          strstr(p.set_cookie, "SameSite=Strict") != NULL &&
          strstr(p.set_cookie, "; Secure") != NULL && strstr(p.set_cookie, "Path=/") != NULL);
    pages_page_free(&p);
    CHECK(pages_csrf_prepare(&p, NULL, 0, again) == 0 && strstr(p.set_cookie, "Secure") == NULL);
    CHECK(strcmp(token, again) != 0); /* random */
    pages_page_free(&p);

    snprintf(cookie, sizeof(cookie), "other=1; jp_csrf=%s", token);
    CHECK(pages_csrf_prepare(&p, cookie, 0, again) == 0 && strcmp(token, again) == 0 &&
          p.set_cookie[0] == '\0'); /* a visitor's token is kept */
    pages_page_free(&p);
    CHECK(pages_csrf_prepare(&p, "jp_csrf=short", 0, again) == 0 && p.set_cookie[0] != '\0');
    pages_page_free(&p);

    snprintf(body, sizeof(body), "name=x&csrf=%s", token);
    CHECK(pages_form_parse(body, strlen(body), &f) == 0);
    CHECK(pages_csrf_check(cookie, &f) == 0);
    CHECK(pages_csrf_check(NULL, &f) == PAGES_E_CSRF);
    CHECK(pages_csrf_check("jp_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAA", &f) == PAGES_E_CSRF);
    pages_form_free(&f);
    CHECK(pages_form_parse("name=x", 6, &f) == 0 && pages_csrf_check(cookie, &f) == PAGES_E_CSRF);
    pages_form_free(&f);
    snprintf(body, sizeof(body), "csrf=%s", token);
    body[5] ^= 1; /* one character differs */
    CHECK(pages_form_parse(body, strlen(body), &f) == 0 &&
          pages_csrf_check(cookie, &f) == PAGES_E_CSRF);
    pages_form_free(&f);
    {
        struct jp_buf b;

        jp_buf_init(&b, 1024);
        CHECK(pages_csrf_input(&b, token) == 0 && strstr((char *)b.data, token) != NULL &&
              strstr((char *)b.data, "type=\"hidden\" name=\"csrf\"") != NULL);
        jp_buf_free(&b);
    }
    pages_page_init(&p);
    CHECK(pages_csrf_refused(&p) == 0 && p.status == 403 &&
          strstr((char *)p.body.data, "安全校验未通过") != NULL);
    pages_page_free(&p);
}

static void test_holder_match(void)
{
    char out[64];

    /* U+F900 豈 (compatibility) is U+8C48 豈 after NFC; U+FA0C 兀 is U+5140 */
    CHECK(pages_nfc("\xef\xa4\x80", 3, out, sizeof(out)) == 0);
    CHECK_STR(out, "\xe8\xb1\x88");
    CHECK(pages_nfc("\xef\xa8\x8c", 3, out, sizeof(out)) == 0);
    CHECK_STR(out, "\xe5\x85\x80");
    CHECK(pages_nfc("e\xcc\x81", 3, out, sizeof(out)) == 0); /* e + combining acute */
    CHECK_STR(out, "\xc3\xa9");
    CHECK(pages_nfc("\xff", 1, out, sizeof(out)) == PAGES_E_FORM);
    CHECK(pages_nfc("张三丰", strlen("张三丰"), out, 4) == PAGES_E_TOO_BIG && out[0] == '\0');

    CHECK(pages_holder_match("金\xef\xa4\x80", strlen("金\xef\xa4\x80"), "44010319900101123x", 18,
                             "金\xe8\xb1\x88", "44010319900101123X"));
    CHECK(pages_holder_match(" 张三丰 ", strlen(" 张三丰 "), "440103199001011236", 18, "张三丰",
                             "440103199001011236"));
    CHECK(!pages_holder_match("张三丰", strlen("张三丰"), "440103199001011237", 18, "张三丰",
                              "440103199001011236"));
    CHECK(!pages_holder_match("张三", strlen("张三"), "440103199001011236", 18, "张三丰",
                              "440103199001011236"));
    CHECK(!pages_holder_match("张三丰", strlen("张三丰"), "440103199001011236", 18, NULL, NULL));
    CHECK(!pages_holder_match("", 0, "", 0, "", ""));
    CHECK(!pages_holder_match(NULL, 0, NULL, 0, "张三丰", "440103199001011236"));
}

int main(void)
{
    test_escape();
    test_skeleton();
    test_urlencoded();
    test_multipart();
    test_cookies();
    test_csrf();
    test_holder_match();
    return CHECK_DONE();
}
