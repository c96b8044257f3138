/*
 * csrf.c - cross-site request forgery protection of every form (pages.h,
 * SPEC §10): the double-submit pattern. A page with a form carries the token
 * of the visitor's jp_csrf cookie (made when missing) in a hidden csrf field;
 * a post is accepted only when field and cookie are equal. Another site can
 * make a browser post, but can neither read nor set our cookie (HttpOnly,
 * SameSite=Strict) nor see the page, so it cannot know the token.
 */
#include "pages.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#define TOKEN_BYTES 16 /* 128 bits */

/* 1 when s is PAGES_CSRF_LEN characters of the base32 alphabet. */
static int token_ok(const char *s, size_t n)
{
    size_t i;

    if (n != PAGES_CSRF_LEN)
        return 0;
    for (i = 0; i < n; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
            return 0;
    }
    return 1;
}

static int token_new(char token[PAGES_CSRF_LEN + 1])
{
    unsigned char raw[TOKEN_BYTES];
    int rc;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return EIO;
    rc = jp_base32_encode(raw, sizeof(raw), token, PAGES_CSRF_LEN + 1);
    jp_cleanse(raw, sizeof(raw));
    return rc;
}

int pages_csrf_prepare(struct pages_page *p, const char *cookie_header, int secure,
                       char token[PAGES_CSRF_LEN + 1])
{
    char have[PAGES_CSRF_LEN + 2];
    int rc;

    if (pages_cookie_get(cookie_header, PAGES_CSRF_COOKIE, have, sizeof(have)) == 0 &&
        token_ok(have, strlen(have))) {
        memcpy(token, have, PAGES_CSRF_LEN + 1);
        return 0;
    }
    rc = token_new(token);
    if (rc == 0)
        rc = jp_strf(p->set_cookie, sizeof(p->set_cookie),
                     "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", PAGES_CSRF_COOKIE, token,
                     secure ? "; Secure" : "");
    return rc;
}

int pages_csrf_input(struct jp_buf *b, const char *token)
{
    int rc = jp_buf_puts(b, "<input type=\"hidden\" name=\"" PAGES_CSRF_FIELD "\" value=\"");

    if (rc == 0)
        rc = pages_escz(b, token);
    if (rc == 0)
        rc = jp_buf_puts(b, "\">");
    return rc;
}

int pages_csrf_check(const char *cookie_header, const struct pages_form *form)
{
    char have[PAGES_CSRF_LEN + 2];
    size_t flen = 0;
    const char *field = pages_form_get(form, PAGES_CSRF_FIELD, &flen);

    if (pages_cookie_get(cookie_header, PAGES_CSRF_COOKIE, have, sizeof(have)) != 0 ||
        !token_ok(have, strlen(have)) || field == NULL || !token_ok(field, flen))
        return PAGES_E_CSRF;
    return CRYPTO_memcmp(have, field, PAGES_CSRF_LEN) == 0 ? 0 : PAGES_E_CSRF;
}

int pages_csrf_refused(struct pages_page *p)
{
    return pages_message(p, 403, "请求未被接受",
                         "此表单已失效或不是从本站页面提交的（安全校验未通过）。"
                         "请返回上一页，刷新后重新提交。");
}
