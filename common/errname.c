/*
 * errname.c - jp_strerror(): names any code of the project (common/errors.h).
 * Each module names its own range; this file only dispatches by the ranges
 * errors.h fixes, so it is the one place that knows every module. It is its
 * own library (jp_errname), linked by the programs and the tests, never by a
 * module, so the modules keep depending downwards only.
 */
#include "errors.h"

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
#include "util.h"
#include "verifier.h"

static const struct jp_err_range modules[] = {
    {JP_ERR_STORE_BASE, store_strerror},       {JP_ERR_KEYS_BASE, keys_strerror},
    {JP_ERR_TRAINING_BASE, training_strerror}, {JP_ERR_IDENT_BASE, ident_strerror},
    {JP_ERR_TMPL_BASE, tmpl_strerror},         {JP_ERR_PDF_BASE, pdf_strerror},
    {JP_ERR_ISSUER_BASE, issuer_strerror},     {JP_ERR_VERIFIER_BASE, verifier_strerror},
    {JP_ERR_OFD_BASE, ofd_strerror},           {JP_ERR_PAGES_BASE, pages_strerror},
};

const char *jp_strerror(int code)
{
    const char *s = jp_err_route(modules, sizeof modules / sizeof modules[0], code);

    if (s == NULL && code >= MDB_KEYEXIST && code <= MDB_LAST_ERRCODE) /* LMDB's own */
        s = store_strerror(code);
    return s != NULL ? s : "unknown error";
}
