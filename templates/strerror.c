/*
 * strerror.c - names the template codes (tmpl.h); its own file so that
 * jp_strerror() (common/errname.c) can name them without pulling in libharu.
 */
#include "tmpl.h"

#include <string.h>

const char *tmpl_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case TMPL_ESYNTAX:
        return "template is malformed";
    case TMPL_EFONT:
        return "template font cannot be used";
    case TMPL_EGLYPH:
        return "no configured font has a character of a field";
    case TMPL_EPHOTO:
        return "photo is not a valid JPEG or PNG of at most 200 KB";
    case TMPL_EFIELD:
        return "certificate field is missing or invalid";
    case TMPL_EQR:
        return "qr text cannot be encoded";
    case TMPL_EPDF:
        return "pdf library failed";
    default:
        return code > 0 ? strerror(code) : "unknown error";
    }
}
