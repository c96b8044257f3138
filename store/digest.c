/*
 * digest.c - the digest index of every PDF the store has held (store.h): the
 * file's SHA-256 and its signature value's SHA-256, each -> (certificate
 * number, file version), written by store_pdf_put in the same transaction as
 * the PDF, so the issuer needs no change; and the one-off backfill of stores
 * made before the index. Records use the store's record format: tag 1 the
 * number, tag 2 the version (u16).
 */
#include "store_int.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#define DIGEST_KEY_LEN 33         /* kind byte + SHA-256 */
#define SIG_SCAN_MAX (64u * 1024) /* bytes from the end searched for /ByteRange */
#define BACKFILL_BATCH 500        /* certificates per write transaction */

enum { TAG_NO = 1, TAG_VERSION = 2 };

static void digest_key(enum store_digest_kind kind, const unsigned char d[32],
                       unsigned char key[DIGEST_KEY_LEN])
{
    key[0] = (unsigned char)kind;
    memcpy(key + 1, d, 32);
}

/* Reads a decimal integer (at most 10 digits) at p, skipping spaces first. */
static const unsigned char *read_uint(const unsigned char *p, const unsigned char *end, size_t *v)
{
    size_t digits = 0;

    *v = 0;
    while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
        p++;
    while (p < end && *p >= '0' && *p <= '9' && digits < 10) {
        *v = *v * 10 + (size_t)(*p - '0');
        p++;
        digits++;
    }
    return digits > 0 && digits < 10 ? p : NULL;
}

/* The last occurrence of needle in [start, end), or NULL. */
static const unsigned char *find_last(const unsigned char *start, const unsigned char *end,
                                      const char *needle)
{
    size_t n = strlen(needle);
    const unsigned char *p;

    if ((size_t)(end - start) < n)
        return NULL;
    for (p = end - n;; p--) {
        if (memcmp(p, needle, n) == 0)
            return p;
        if (p == start)
            return NULL;
    }
}

int store_pdf_sig_span(const void *pdf, size_t len, size_t *off, size_t *n)
{
    const unsigned char *b = pdf, *end = b + len;
    const unsigned char *start = len > SIG_SCAN_MAX ? end - SIG_SCAN_MAX : b;
    const unsigned char *p = find_last(start, end, "/ByteRange");
    size_t v[4];
    int i;

    *off = 0;
    *n = 0;
    if (p == NULL)
        return STORE_ENOTFOUND;
    p += strlen("/ByteRange");
    while (p < end && *p == ' ')
        p++;
    if (p >= end || *p != '[')
        return STORE_ENOTFOUND;
    p++;
    for (i = 0; i < 4 && p != NULL; i++)
        p = read_uint(p, end, &v[i]);
    if (p == NULL || v[0] != 0 || v[1] == 0 || v[2] <= v[1] + 1 || v[2] > len || b[v[1]] != '<' ||
        b[v[2] - 1] != '>')
        return STORE_ENOTFOUND;
    *off = v[1];
    *n = v[2] - v[1];
    return 0;
}

int store_pdf_sig_digest(const void *pdf, size_t len, unsigned char out[32])
{
    size_t off, n;
    int rc = store_pdf_sig_span(pdf, len, &off, &n);

    if (rc == 0)
        SHA256((const unsigned char *)pdf + off, n, out);
    return rc;
}

int store_digest_put(store_txn *txn, enum store_digest_kind kind, const unsigned char digest[32],
                     const char *certificate_no, uint16_t file_version)
{
    unsigned char key[DIGEST_KEY_LEN];
    struct jp_buf rec;
    int rc;

    if (certificate_no == NULL || strlen(certificate_no) != STORE_CERT_NO_LEN)
        return STORE_EINVAL;
    digest_key(kind, digest, key);
    jp_buf_init(&rec, 64);
    rc = store_rec_begin(&rec);
    if (rc == 0)
        rc = store_rec_put_str(&rec, TAG_NO, certificate_no);
    if (rc == 0)
        rc = store_rec_put_u16(&rec, TAG_VERSION, file_version);
    if (rc == 0)
        rc = store_put(txn, STORE_DB_DIGESTS, key, sizeof(key), rec.data, rec.len, 0);
    jp_buf_free(&rec);
    return rc;
}

static int digest_decode(const void *p, size_t len, struct store_digest *out)
{
    struct store_rec_reader r;
    const void *val;
    size_t vlen;
    uint8_t tag;
    int rc, seen = 0;

    memset(out, 0, sizeof(*out));
    rc = store_rec_open(&r, p, len);
    while (rc == 0) {
        rc = store_rec_next(&r, &tag, &val, &vlen);
        if (rc == 0 && tag == TAG_NO) {
            rc = store_rec_str(val, vlen, out->certificate_no, sizeof(out->certificate_no));
            seen |= 1;
        } else if (rc == 0 && tag == TAG_VERSION) {
            rc = store_rec_u16(val, vlen, &out->file_version);
            seen |= 2;
        }
    }
    if (rc != STORE_ENOTFOUND)
        return rc;
    return seen == 3 && strlen(out->certificate_no) == STORE_CERT_NO_LEN ? 0 : STORE_ECORRUPT;
}

int store_digest_get(store_txn *txn, enum store_digest_kind kind, const unsigned char digest[32],
                     struct store_digest *out)
{
    unsigned char key[DIGEST_KEY_LEN];
    const void *val;
    size_t vlen;
    int rc;

    memset(out, 0, sizeof(*out));
    digest_key(kind, digest, key);
    rc = store_get(txn, STORE_DB_DIGESTS, key, sizeof(key), &val, &vlen);
    if (rc != 0)
        return rc;
    return digest_decode(val, vlen, out);
}

/* Records both digests of one PDF (used by store_pdf_put and the backfill). */
int store_digest_record(store_txn *txn, const char *certificate_no, const void *pdf, size_t len)
{
    unsigned char d[32];

    SHA256(pdf, len, d);
    return store_digest_record_with(txn, certificate_no, pdf, len, d);
}

int store_digest_record_with(store_txn *txn, const char *certificate_no, const void *pdf,
                             size_t len, const unsigned char sha256[32])
{
    unsigned char d[32];
    struct store_cert cert;
    uint16_t version = 0;
    int rc;

    rc = store_cert_get(txn, certificate_no, &cert);
    if (rc == 0)
        version = cert.file_version;
    else if (rc != STORE_ENOTFOUND)
        return rc;
    rc = store_digest_put(txn, STORE_DIGEST_FILE, sha256, certificate_no, version);
    if (rc == 0 && store_pdf_sig_digest(pdf, len, d) == 0)
        rc = store_digest_put(txn, STORE_DIGEST_SIG, d, certificate_no, version);
    return rc;
}

struct backfill {
    char from[IDENT_CERTNO_SIZE];  /* last number of the batches committed, "" at first */
    char after[IDENT_CERTNO_SIZE]; /* last number done in this batch */
    uint64_t done;                 /* entries handled in this transaction */
    int more;                      /* 1: stopped at the batch size */
    int db;                        /* the database walked, keyed by certificate number */
    int (*each)(store_txn *txn, const char *no, const void *v, size_t n); /* per entry */
};

/* One batch: up to BACKFILL_BATCH entries after a->after. */
static int backfill_batch(store_txn *txn, void *arg)
{
    struct backfill *a = arg;
    char no[IDENT_CERTNO_SIZE];
    MDB_cursor *c = NULL;
    MDB_val k, v;
    int rc;

    memcpy(a->after, a->from, sizeof(a->after)); /* a rerun (map grown) starts over */
    k.mv_size = strlen(a->after);
    k.mv_data = a->after;
    a->done = 0;
    a->more = 0;
    rc = store_mdb_cursor(txn, a->db, &c);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(c, &k, &v, a->after[0] != '\0' ? MDB_SET_RANGE : MDB_FIRST);
    if (rc == 0 && a->after[0] != '\0' && k.mv_size == strlen(a->after) &&
        memcmp(k.mv_data, a->after, k.mv_size) == 0)
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    while (rc == 0 && a->done < BACKFILL_BATCH) {
        if (k.mv_size != STORE_CERT_NO_LEN) {
            rc = STORE_ECORRUPT;
            break;
        }
        memcpy(no, k.mv_data, STORE_CERT_NO_LEN);
        no[STORE_CERT_NO_LEN] = '\0';
        /* the cursor's value stays valid: the puts of each touch another database */
        rc = a->each(txn, no, v.mv_data, v.mv_size);
        if (rc != 0)
            break;
        memcpy(a->after, no, sizeof(no));
        a->done++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (rc == 0)
        a->more = 1;
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int store_backfill_walk(store *s, int db,
                        int (*each)(store_txn *txn, const char *no, const void *v, size_t n),
                        uint64_t *n)
{
    struct backfill a;
    int rc;

    *n = 0;
    memset(&a, 0, sizeof(a));
    a.db = db;
    a.each = each;
    do {
        rc = store_write(s, backfill_batch, &a);
        if (rc != 0)
            break;
        *n += a.done;
        memcpy(a.from, a.after, sizeof(a.from));
    } while (a.more);
    return rc;
}

int store_digest_backfill(store *s, uint64_t *n)
{
    return store_backfill_walk(s, STORE_DB_PDFS, store_digest_record, n);
}
