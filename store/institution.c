/*
 * institution.c - the institution index behind SPEC §10's institution
 * endpoints: institution_code NUL exam_id -> the certificate numbers of that
 * exam (sorted duplicates), kept in step by store_cert_put inside the
 * transaction that writes the record, read page by page, and backfilled once
 * for a store made before it (docs/store-format.md).
 */
#include "store_int.h"

#include <string.h>

#define INST_KEY_MAX (32 + 1 + 64) /* institution_code 0 exam_id, the bounds of store_cert */

/* Builds the key code 0 exam into out[INST_KEY_MAX]; STORE_EINVAL / STORE_ETOOLONG. */
static int inst_key(const char *code, const char *exam, unsigned char *out, size_t *len)
{
    size_t cl = strlen(code), el = strlen(exam);

    if (cl == 0 || el == 0)
        return STORE_EINVAL;
    if (cl > 32 || el > 64)
        return STORE_ETOOLONG;
    memcpy(out, code, cl);
    out[cl] = '\0';
    memcpy(out + cl + 1, exam, el);
    *len = cl + 1 + el;
    return 0;
}

/* 1 when a record has both parts of the key (older or hand-made records may not). */
static int indexed(const struct store_cert *c)
{
    return c->institution_code[0] != '\0' && c->exam_id[0] != '\0';
}

static int same_key(const struct store_cert *a, const struct store_cert *b)
{
    return strcmp(a->institution_code, b->institution_code) == 0 &&
           strcmp(a->exam_id, b->exam_id) == 0;
}

int store_institution_link(store_txn *txn, const struct store_cert *old,
                           const struct store_cert *cert)
{
    unsigned char key[INST_KEY_MAX];
    size_t klen;
    int rc = 0;

    if (old != NULL && indexed(old) && !same_key(old, cert)) {
        rc = inst_key(old->institution_code, old->exam_id, key, &klen);
        if (rc == 0)
            rc = store_del(txn, STORE_DB_INSTITUTIONS, key, klen, old->certificate_no,
                           STORE_CERT_NO_LEN);
        if (rc == STORE_ENOTFOUND)
            rc = 0;
    }
    if (rc != 0 || !indexed(cert))
        return rc;
    rc = inst_key(cert->institution_code, cert->exam_id, key, &klen);
    if (rc == 0)
        rc = store_put(txn, STORE_DB_INSTITUTIONS, key, klen, cert->certificate_no,
                       STORE_CERT_NO_LEN, STORE_PUT_NEW);
    return rc == STORE_EEXIST ? 0 : rc;
}

/* Positions c at the first number after `after` under key k (MDB_NOTFOUND: none). */
static int inst_seek(MDB_cursor *c, MDB_val *k, MDB_val *v, const char *after)
{
    int rc;

    if (after == NULL || after[0] == '\0')
        return mdb_cursor_get(c, k, v, MDB_SET_KEY);
    v->mv_size = strlen(after);
    v->mv_data = (void *)after;
    rc = mdb_cursor_get(c, k, v, MDB_GET_BOTH_RANGE);
    if (rc == 0 && v->mv_size == strlen(after) && memcmp(v->mv_data, after, v->mv_size) == 0)
        rc = mdb_cursor_get(c, k, v, MDB_NEXT_DUP);
    return rc;
}

int store_institution_list(store_txn *txn, const char *institution_code, const char *exam_id,
                           const char *after, char (*out)[IDENT_CERTNO_SIZE], size_t max, size_t *n,
                           int *more)
{
    unsigned char key[INST_KEY_MAX];
    MDB_cursor *c = NULL;
    MDB_val k, v;
    int rc;

    *n = 0;
    *more = 0;
    rc = inst_key(institution_code, exam_id, key, &k.mv_size);
    if (rc != 0)
        return rc;
    k.mv_data = key;
    rc = store_mdb_cursor(txn, STORE_DB_INSTITUTIONS, &c);
    if (rc == STORE_ENOTFOUND) /* an older store opened read-only: not indexed yet */
        return 0;
    if (rc != 0)
        return rc;
    rc = inst_seek(c, &k, &v, after);
    while (rc == 0 && *n < max) {
        if (v.mv_size != STORE_CERT_NO_LEN) {
            rc = STORE_ECORRUPT;
            break;
        }
        memcpy(out[*n], v.mv_data, STORE_CERT_NO_LEN);
        out[*n][STORE_CERT_NO_LEN] = '\0';
        (*n)++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
    }
    if (rc == 0)
        *more = 1;
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Indexes one stored record (the backfill's step). */
static int backfill_one(store_txn *txn, const char *no, const void *v, size_t n)
{
    struct store_cert cert;
    int rc;

    (void)no;
    rc = store_cert_decode(v, n, &cert);
    if (rc == 0)
        rc = store_institution_link(txn, NULL, &cert);
    jp_cleanse(&cert, sizeof cert);
    return rc;
}

int store_institution_backfill(store *s, uint64_t *n)
{
    return store_backfill_walk(s, STORE_DB_CERTS, backfill_one, n);
}
