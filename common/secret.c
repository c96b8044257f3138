/*
 * secret.c - jp_free_secret (util.h): the end of every heap buffer that held a
 * secret or a holder's personal data, wiped before it goes back to malloc so
 * that no later allocation reads it.
 */
#include "util.h"

#include <stdlib.h>

void jp_free_secret(void *p, size_t n)
{
    jp_cleanse(p, n);
    free(p);
}
