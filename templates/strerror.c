/*
 * strerror.c - names the template codes (tmpl.h); its own file so that
 * jp_strerror() (common/errname.c) can name them without pulling in libharu.
 */
#include "tmpl.h"

#include "util.h"

static const struct jp_err_text tmpl_errs[] = {
    {TMPL_ESYNTAX, "template is malformed"},
    {TMPL_EFONT, "template font cannot be used"},
    {TMPL_EGLYPH, "no configured font has a character of a field"},
    {TMPL_EPHOTO, "photo is not a valid JPEG or PNG of at most 200 KB"},
    {TMPL_EFIELD, "certificate field is missing or invalid"},
    {TMPL_EQR, "qr text cannot be encoded"},
    {TMPL_EPDF, "pdf library failed"},
};

const char *tmpl_strerror(int code)
{
    return jp_err_name(tmpl_errs, sizeof tmpl_errs / sizeof tmpl_errs[0], code);
}
