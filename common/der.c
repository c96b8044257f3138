/*
 * der.c - jp_der_decode(): one whole DER object of a bounded size (der.h).
 */
#include "der.h"

#include <limits.h>

void *jp_der_decode(const ASN1_ITEM *it, const unsigned char *der, size_t len, size_t max)
{
    const unsigned char *p = der;
    ASN1_VALUE *v = NULL;

    if (len == 0 || len > max || len > LONG_MAX)
        return NULL;
    v = ASN1_item_d2i(NULL, &p, (long)len, it);
    if (v != NULL && p != der + len) {
        ASN1_item_free(v, it);
        v = NULL;
    }
    return v;
}
