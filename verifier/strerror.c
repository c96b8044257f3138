/*
 * strerror.c - names the verifier's codes (verifier.h); its own file so that
 * jp_strerror() (common/errname.c) can name them without pulling in the daemon.
 */
#include "verifier.h"

#include "util.h"

static const struct jp_err_text verifier_errs[] = {
    {VERIFIER_E_INVAL, "invalid argument"},
    {VERIFIER_E_START, "cannot start the http daemon"},
    {VERIFIER_E_HOME, "home lacks its store, keys or configuration"},
    {VERIFIER_E_CLIENTS, "clients file is malformed"},
    {VERIFIER_E_EXISTS, "client exists"},
};

const char *verifier_strerror(int code)
{
    return jp_err_name(verifier_errs, sizeof verifier_errs / sizeof verifier_errs[0], code);
}
