/*
 * photo.c - the two values a holder's photo is read from (store.h): the
 * issuer's photos database keeps either the photo's bytes or a reference into
 * the certificate's OFD package (ofd.h, issuer/photo.c), so a reader needs
 * both, from one snapshot. Resolving the reference is ofd_ref_value's: the
 * store keeps bytes and never looks inside them.
 */
#include "store_int.h"

#include <string.h>

/* The value of certificate no in the extra database called name; STORE_ENOTFOUND when none. */
static int get_by_name(store_txn *txn, const char *name, const char *no, struct jp_span *out)
{
    const void *val = NULL;
    size_t n = 0;
    int db = -1;
    int rc = store_db_by_name(txn->s, name, &db);

    if (rc == 0)
        rc = store_get(txn, db, no, STORE_CERT_NO_LEN, &val, &n);
    out->p = rc == 0 ? val : NULL;
    out->n = rc == 0 ? n : 0;
    return rc;
}

int store_photo_get(store_txn *txn, const char *no, struct store_photo *out)
{
    int rc;

    memset(out, 0, sizeof *out);
    rc = get_by_name(txn, STORE_PHOTOS_DB, no, &out->photo);
    if (rc == 0) {
        rc = get_by_name(txn, STORE_OFDS_DB, no, &out->pkg);
        rc = rc == STORE_ENOTFOUND ? 0 : rc; /* a photo kept as its bytes needs no package */
    }
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}
