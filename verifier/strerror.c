/*
 * strerror.c - names the verifier's codes (verifier.h); its own file so that
 * jp_strerror() (common/errname.c) can name them without pulling in the daemon.
 */
#include "verifier.h"

#include <string.h>

const char *verifier_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case VERIFIER_E_INVAL:
        return "invalid argument";
    case VERIFIER_E_START:
        return "cannot start the http daemon";
    case VERIFIER_E_HOME:
        return "home lacks its store, keys or configuration";
    case VERIFIER_E_CLIENTS:
        return "clients file is malformed";
    case VERIFIER_E_EXISTS:
        return "client exists";
    default:
        break;
    }
    if (code > 0)
        return strerror(code);
    return "unknown error";
}
