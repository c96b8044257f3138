/*
 * der.h - reading one whole DER object of a bounded size, the rule shared by
 * every reader of certificates, CRLs and seals in keys/ and ofd/: the object
 * must take exactly the bytes given (nothing may follow it), so that two
 * different byte strings never read as the same object.
 */
#ifndef JP_DER_H
#define JP_DER_H

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

#endif
