/*
 * strerror.c - issuer_strerror: the issuer's own codes by name, and the codes
 * of the modules the issuer calls (store, keys, ident, templates, pdf) handed
 * to the module that owns their range (common/errors.h), so that the first
 * cause keeps its own text. jp_strerror() names any code of the project.
 */
#include "issuer.h"
#include "ident.h"
#include "keys.h"
#include "pdf.h"
#include "store.h"
#include "tmpl.h"

#include <string.h>

static const char *own_strerror(int code)
{
    switch (code) {
    case ISSUER_EARG:
        return "invalid option or argument";
    case ISSUER_ERENDER:
        return "a line could not be rendered";
    case ISSUER_ESTATUS:
        return "the certificate's status does not allow this change";
    case ISSUER_EHOME:
        return "unsafe home: a symlink, not owned by the user, or group/world-writable";
    case ISSUER_EPHOTO:
        return "photo is outside the input folder or not a regular file";
    default:
        return "unknown issuer error";
    }
}

const char *issuer_strerror(int code)
{
    if (code == 0)
        return "success";
    if (code > 0)
        return strerror(code);
    if (JP_ERR_IN(code, JP_ERR_ISSUER_BASE))
        return own_strerror(code);
    if (JP_ERR_IN(code, JP_ERR_STORE_BASE))
        return store_strerror(code);
    if (JP_ERR_IN(code, JP_ERR_KEYS_BASE))
        return keys_strerror(code);
    if (JP_ERR_IN(code, JP_ERR_IDENT_BASE))
        return ident_strerror(code);
    if (JP_ERR_IN(code, JP_ERR_TMPL_BASE))
        return tmpl_strerror(code);
    if (JP_ERR_IN(code, JP_ERR_PDF_BASE))
        return pdf_strerror(code);
    return "unknown error";
}
