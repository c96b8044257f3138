/*
 * photo.c - the holder's photo in the issuer's photos database, kept once:
 * when the certificate's current OFD package holds the photo's exact bytes
 * (it embeds a photo as given unless photo_fit re-encodes it), the database
 * keeps an ofd_ref_make reference into that package instead of a second copy
 * (7.7 KB a certificate with the test photo, docs/benchmarks.md); otherwise
 * the bytes, as before. Readers take both values with store_photo_get and
 * resolve them with ofd_ref_value (ofd_ref_resolve checks the digest), as the
 * verifier's pages do, so every caller still gets the photo as given at
 * intake. Stores made before keep their raw photos and work as is.
 */
#include "issuer_int.h"
#include "ofd.h"
#include "store.h"

int photo_get(store_txn *txn, const char *no, struct jp_buf *out)
{
    struct store_photo p;
    int rc = store_photo_get(txn, no, &p);

    jp_buf_reset(out);
    if (rc == 0)
        rc = ofd_ref_value(p.photo.p, p.photo.n, p.pkg.p, p.pkg.n, out);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

int photo_put(issuer *is, store_txn *txn, const char *no, const void *photo, size_t len,
              const struct jp_buf *ofd)
{
    struct jp_buf ref;
    int rc = OFD_ENOFILE;

    jp_buf_init(&ref, OFD_REF_MAX);
    if (ofd->len > 0)
        rc = ofd_ref_make(ofd->data, ofd->len, photo, len, &ref);
    if (rc == 0)
        rc = store_put(txn, is->photos_db, no, STORE_CERT_NO_LEN, ref.data, ref.len, 0);
    else if (rc == OFD_ENOFILE)
        rc = store_put(txn, is->photos_db, no, STORE_CERT_NO_LEN, photo, len, 0);
    jp_buf_free(&ref);
    return rc;
}
