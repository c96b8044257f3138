/*
 * ossl.c - jp_der_decode() and jp_sm3(), the OpenSSL pieces keys/ and ofd/
 * share (ossl.h).
 */
#include "ossl.h"

#include <errno.h>
#include <limits.h>

#include <openssl/err.h>
#include <openssl/evp.h>

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

int jp_sm3(const unsigned char *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, out, &n, EVP_sm3(), NULL) != 1 || n != 32) {
        ERR_clear_error();
        return EIO;
    }
    return 0;
}
