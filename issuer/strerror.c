/*
 * strerror.c - issuer_strerror: the issuer's own codes by name, and the codes
 * of the modules the issuer calls (store, keys, ident, templates, pdf) handed
 * to the module that owns their range (common/errors.h), so that the first
 * cause keeps its own text. jp_strerror() names any code of the project.
 * issuer_err_default fills a caller's err with that name when nothing more
 * precise was said; issuer_cert_err does so for one certificate's change.
 */
#include "issuer.h"
#include "issuer_int.h"
#include "ident.h"
#include "keys.h"
#include "pdf.h"
#include "store.h"
#include "tmpl.h"

#include "util.h"

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

static const struct jp_err_range namers[] = {
    {JP_ERR_ISSUER_BASE, own_strerror}, {JP_ERR_STORE_BASE, store_strerror},
    {JP_ERR_KEYS_BASE, keys_strerror},  {JP_ERR_IDENT_BASE, ident_strerror},
    {JP_ERR_TMPL_BASE, tmpl_strerror},  {JP_ERR_PDF_BASE, pdf_strerror},
};

const char *issuer_strerror(int code)
{
    const char *s = jp_err_route(namers, sizeof namers / sizeof namers[0], code);

    return s != NULL ? s : "unknown error";
}

int issuer_err_default(int rc, const char *what, char *err, size_t errlen)
{
    if (rc != 0 && err[0] == '\0')
        jp_errf(err, errlen, "%s%s%s", what != NULL ? what : "", what != NULL ? ": " : "",
                issuer_strerror(rc));
    return rc;
}

int issuer_cert_err(int rc, const char *no, char *err, size_t errlen)
{
    if (rc != 0 && err[0] == '\0')
        jp_errf(err, errlen, "%s: %s", no,
                rc == STORE_ENOTFOUND ? "no such certificate" : issuer_strerror(rc));
    return rc;
}
