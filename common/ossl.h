/*
 * ossl.h - the OpenSSL pieces keys/ and ofd/ share (neither depends on the
 * other): reading one whole DER object of a bounded size, the rule of every
 * reader of certificates, CRLs and seals (the object must take exactly the
 * bytes given, so that two byte strings never read as one object), and SM3.
 */
#ifndef JP_OSSL_H
#define JP_OSSL_H

#include <stddef.h>

#include <openssl/asn1.h>

/*
 * Decodes der[0..len) as one object of type it (ASN1_ITEM_rptr(X509),
 * ASN1_ITEM_rptr(X509_CRL), a module's own ASN1_SEQUENCE type, ...) that ends
 * exactly at der + len. Returns a new object the caller frees with the type's
 * *_free (or ASN1_item_free), or NULL when len is 0 or above max, when the
 * bytes do not decode as it, or when bytes follow the object. OpenSSL's error
 * queue keeps what decoding left there; the caller clears it.
 */
void *jp_der_decode(const ASN1_ITEM *it, const unsigned char *der, size_t len, size_t max);

/*
 * SM3 (GB/T 32905) of len bytes into out. Returns 0, or EIO when OpenSSL
 * fails (its error queue cleared); callers turn EIO into their module's code.
 */
int jp_sm3(const unsigned char *data, size_t len, unsigned char out[32]);

#endif
