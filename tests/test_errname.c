/* test_errname - jp_strerror() names every module's codes by the ranges of errors.h (issue 11 bug
 * 3). */
#include "check.h"
#include "errors.h"
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

#include <errno.h>
#include <lmdb.h>
#include <string.h>

/* jp_strerror names code exactly as its module does, and not as unknown. */
static void names_as(int code, const char *(*module)(int), int base)
{
    CHECK(JP_ERR_IN(code, base));
    CHECK_STR(jp_strerror(code), module(code));
    CHECK(strcmp(jp_strerror(code), "unknown error") != 0);
}

int main(void)
{
    names_as(STORE_ENOTFOUND, store_strerror, JP_ERR_STORE_BASE);
    names_as(KEYS_E_INVAL, keys_strerror, JP_ERR_KEYS_BASE);
    names_as(TRAINING_EREFUSED, training_strerror, JP_ERR_TRAINING_BASE);
    names_as(IDENT_ECHECK, ident_strerror, JP_ERR_IDENT_BASE);
    names_as(TMPL_EGLYPH, tmpl_strerror, JP_ERR_TMPL_BASE);
    names_as(PDF_EFORMAT, pdf_strerror, JP_ERR_PDF_BASE);
    names_as(ISSUER_EHOME, issuer_strerror, JP_ERR_ISSUER_BASE);
    names_as(VERIFIER_E_START, verifier_strerror, JP_ERR_VERIFIER_BASE);
    names_as(OFD_EZIP, ofd_strerror, JP_ERR_OFD_BASE);
    names_as(PAGES_E_LOCKED, pages_strerror, JP_ERR_PAGES_BASE);
    /* before: the verifier guessed by range and named a template code as a store one */
    CHECK_STR(verifier_strerror(TMPL_EGLYPH), "unknown error");
    CHECK_STR(jp_strerror(TMPL_EGLYPH), "no configured font has a character of a field");
    CHECK_STR(jp_strerror(EPERM), strerror(EPERM));
    CHECK_STR(jp_strerror(MDB_MAP_FULL), mdb_strerror(MDB_MAP_FULL));
    CHECK_STR(jp_strerror(0), "success");
    CHECK_STR(jp_strerror(-1), "unknown error");
    return CHECK_DONE();
}
