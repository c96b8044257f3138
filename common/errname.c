/*
 * errname.c - jp_strerror(): names any code of the project (common/errors.h).
 * Each module names its own range; this file only dispatches by the ranges
 * errors.h fixes, so it is the one place that knows every module. It is its
 * own library (jp_errname), linked by the programs and the tests, never by a
 * module, so the modules keep depending downwards only.
 */
#include "errors.h"

#include <string.h>

#include <lmdb.h>

#include "ident.h"
#include "issuer.h"
#include "keys.h"
#include "ofd.h"
#include "pages.h"
#include "pdf.h"
#include "store.h"
#include "tmpl.h"
#include "training.h"
#include "verifier.h"

/* One module's range and its namer. */
struct jp_err_module {
    int base;                      /* first code, JP_ERR_*_BASE */
    const char *(*name)(int code); /* the module's *_strerror */
};

static const struct jp_err_module modules[] = {
    {JP_ERR_STORE_BASE, store_strerror},       {JP_ERR_KEYS_BASE, keys_strerror},
    {JP_ERR_TRAINING_BASE, training_strerror}, {JP_ERR_IDENT_BASE, ident_strerror},
    {JP_ERR_TMPL_BASE, tmpl_strerror},         {JP_ERR_PDF_BASE, pdf_strerror},
    {JP_ERR_ISSUER_BASE, issuer_strerror},     {JP_ERR_VERIFIER_BASE, verifier_strerror},
    {JP_ERR_OFD_BASE, ofd_strerror},           {JP_ERR_PAGES_BASE, pages_strerror},
};

const char *jp_strerror(int code)
{
    if (code == 0)
        return "success";
    if (code > 0)
        return strerror(code);
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
        if (JP_ERR_IN(code, modules[i].base))
            return modules[i].name(code);
    }
    if (code >= MDB_KEYEXIST && code <= MDB_LAST_ERRCODE) /* LMDB's own, passed through */
        return store_strerror(code);
    return "unknown error";
}
