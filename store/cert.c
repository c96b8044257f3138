/*
 * cert.c - the certificate record on top of the record format, and the data
 * kept beside it: the PDF bytes, the intake index that makes issuance
 * idempotent, the holder index behind `find --id-number`, and the serial
 * counters per PPCCYYYYJJ prefix. Field tags are fixed forever once written
 * (docs/store-format.md); new fields take new tags.
 */
#include "store_int.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <openssl/sha.h>

#define CERT_REC_MAX 8192 /* an encoded certificate is far smaller */
#define INTAKE_KEY_MAX 128

enum field_type { F_STR, F_OPTSTR, F_U16, F_I64, F_I64_OPT, F_STATUS, F_KEYID, F_HASH };

struct cert_field {
    uint8_t tag;          /* record tag, never reused */
    enum field_type type; /* how the bytes are laid out */
    size_t off;           /* offset in struct store_cert */
    size_t size;          /* size of the member */
};

#define CERT_FIELD(tag, type, m)                                                                   \
    {                                                                                              \
        tag, type, offsetof(struct store_cert, m), sizeof(((struct store_cert *)0)->m)             \
    }

static const struct cert_field cert_fields[] = {
    CERT_FIELD(1, F_STR, certificate_no),
    CERT_FIELD(2, F_STR, elicence_id),
    CERT_FIELD(3, F_U16, file_version),
    CERT_FIELD(4, F_STATUS, status),
    CERT_FIELD(5, F_I64, status_changed_at),
    CERT_FIELD(6, F_STR, status_reason),
    CERT_FIELD(7, F_STR, position_code),
    CERT_FIELD(8, F_STR, issue_date),
    CERT_FIELD(9, F_STR, holder_name),
    CERT_FIELD(10, F_STR, gender),
    CERT_FIELD(11, F_STR, id_type),
    CERT_FIELD(12, F_STR, id_number),
    CERT_FIELD(13, F_STR, institution_code),
    CERT_FIELD(14, F_STR, institution_name),
    CERT_FIELD(15, F_STR, city),
    CERT_FIELD(16, F_STR, exam_id),
    CERT_FIELD(17, F_STR, exam_date),
    CERT_FIELD(18, F_U16, score_tenths),
    CERT_FIELD(19, F_STR, authority_name),
    CERT_FIELD(20, F_KEYID, key_id),
    CERT_FIELD(21, F_I64, issued_at),
    CERT_FIELD(22, F_HASH, claim_hash),
    CERT_FIELD(23, F_OPTSTR, qr_text),
    CERT_FIELD(30, F_I64_OPT, version_at),
};

#define N_CERT_FIELDS (sizeof cert_fields / sizeof cert_fields[0])

static const char *const status_names[] = {"valid", "suspended", "revoked", "cancelled", "lapsed"};

const char *store_status_name(enum store_cert_status st)
{
    if ((unsigned)st > STORE_STATUS_LAPSED)
        return NULL;
    return status_names[st];
}

int store_status_parse(const char *name, enum store_cert_status *out)
{
    unsigned i;

    for (i = 0; i <= STORE_STATUS_LAPSED; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (enum store_cert_status)i;
            return 0;
        }
    }
    return STORE_EINVAL;
}

int store_cert_has_claim(const struct store_cert *cert)
{
    unsigned char any = 0;

    for (size_t i = 0; i < sizeof cert->claim_hash; i++)
        any |= cert->claim_hash[i];
    return any != 0;
}

const char *store_cert_qr(const struct store_cert *cert)
{
    return cert->qr_text[0] != '\0' ? cert->qr_text : NULL;
}

int store_text_set(char *dst, size_t dstsz, const char *src)
{
    size_t n = strlen(src);

    if (dstsz == 0)
        return STORE_ETOOLONG;
    dst[0] = '\0';
    if (n >= dstsz)
        return STORE_ETOOLONG;
    memcpy(dst, src, n + 1);
    return 0;
}

/* 18 characters: 17 digits and a digit or X. Checked before any key use. */
static int cert_no_ok(const char *no)
{
    size_t i;

    if (no == NULL || strnlen(no, STORE_CERT_NO_LEN + 1) != STORE_CERT_NO_LEN)
        return 0;
    for (i = 0; i < STORE_CERT_NO_LEN - 1; i++) {
        if (no[i] < '0' || no[i] > '9')
            return 0;
    }
    return (no[i] >= '0' && no[i] <= '9') || no[i] == 'X';
}

static int put_field(struct jp_buf *out, const struct cert_field *f, const unsigned char *base)
{
    const void *m = base + f->off;
    int64_t i64;
    uint16_t u16;
    unsigned char st;

    switch (f->type) {
    case F_STR:
    case F_OPTSTR: /* optional: absent while empty */
        if (memchr(m, '\0', f->size) == NULL)
            return STORE_EINVAL;
        if (f->type == F_OPTSTR && ((const char *)m)[0] == '\0')
            return 0;
        return store_rec_put_str(out, f->tag, m);
    case F_U16:
        memcpy(&u16, m, sizeof u16);
        return store_rec_put_u16(out, f->tag, u16);
    case F_I64:
        memcpy(&i64, m, sizeof i64);
        return store_rec_put_u64(out, f->tag, (uint64_t)i64);
    case F_I64_OPT: /* absent while 0 */
        memcpy(&i64, m, sizeof i64);
        return i64 == 0 ? 0 : store_rec_put_u64(out, f->tag, (uint64_t)i64);
    case F_STATUS:
        if (store_status_name(((const struct store_cert *)base)->status) == NULL)
            return STORE_EINVAL;
        st = (unsigned char)((const struct store_cert *)base)->status;
        return store_rec_put(out, f->tag, &st, 1);
    case F_KEYID:
        return store_rec_put(out, f->tag, m, f->size);
    case F_HASH: /* optional: absent while all zero */
        if (!store_cert_has_claim((const struct store_cert *)base))
            return 0;
        return store_rec_put(out, f->tag, m, f->size);
    }
    return STORE_EINVAL;
}

int store_cert_encode(const struct store_cert *cert, struct jp_buf *out)
{
    size_t i;
    int rc;

    if (!cert_no_ok(cert->certificate_no))
        return STORE_EINVAL;
    rc = store_rec_begin(out);
    for (i = 0; rc == 0 && i < N_CERT_FIELDS; i++)
        rc = put_field(out, &cert_fields[i], (const unsigned char *)cert);
    return rc;
}

static int get_field(const struct cert_field *f, unsigned char *base, const void *v, size_t n)
{
    void *m = base + f->off;
    const unsigned char *b = v;
    uint64_t u64;
    uint16_t u16;
    int64_t i64;
    int rc;

    switch (f->type) {
    case F_STR:
    case F_OPTSTR:
        return store_rec_str(v, n, m, f->size);
    case F_U16:
        rc = store_rec_u16(v, n, &u16);
        if (rc == 0)
            memcpy(m, &u16, sizeof u16);
        return rc;
    case F_I64:
    case F_I64_OPT:
        rc = store_rec_u64(v, n, &u64);
        i64 = (int64_t)u64;
        if (rc == 0)
            memcpy(m, &i64, sizeof i64);
        return rc;
    case F_STATUS:
        if (n != 1 || b[0] > STORE_STATUS_LAPSED)
            return STORE_ECORRUPT;
        ((struct store_cert *)base)->status = (enum store_cert_status)b[0];
        return 0;
    case F_KEYID:
    case F_HASH:
        if (n != f->size)
            return STORE_ECORRUPT;
        memcpy(m, v, n);
        return 0;
    }
    return STORE_ECORRUPT;
}

/* The index of the field with this tag, or -1 for a tag of a later version. */
static int field_index(uint8_t tag)
{
    size_t i;

    for (i = 0; i < N_CERT_FIELDS; i++) {
        if (cert_fields[i].tag == tag)
            return (int)i;
    }
    return -1;
}

int store_cert_decode(const void *p, size_t len, struct store_cert *out)
{
    struct store_rec_reader r;
    uint32_t seen = 0;
    const void *v;
    size_t n;
    uint8_t tag;
    int rc, i;

    memset(out, 0, sizeof *out);
    rc = store_rec_open(&r, p, len);
    while (rc == 0) {
        rc = store_rec_next(&r, &tag, &v, &n);
        if (rc != 0)
            break;
        i = field_index(tag);
        if (i < 0)
            continue;
        if (seen & (1u << i))
            rc = STORE_ECORRUPT;
        else
            rc = get_field(&cert_fields[i], (unsigned char *)out, v, n);
        seen |= 1u << i;
    }
    if (rc == STORE_ENOTFOUND)
        rc = cert_no_ok(out->certificate_no) ? 0 : STORE_ECORRUPT;
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ----------------------------------------------------------- cert in LMDB */

int store_cert_get(store_txn *txn, const char *certificate_no, struct store_cert *out)
{
    const void *v;
    size_t n;
    int rc;

    memset(out, 0, sizeof *out);
    if (!cert_no_ok(certificate_no))
        return STORE_EINVAL;
    rc = store_get(txn, STORE_DB_CERTS, certificate_no, STORE_CERT_NO_LEN, &v, &n);
    if (rc != 0)
        return rc;
    return store_cert_decode(v, n, out);
}

/*
 * Drops the index entries of the record cert replaces: its holder entry when
 * the id_number changed, its institution entry when the institution or exam
 * changed (store_institution_link).
 */
static int unlink_old(store_txn *txn, const struct store_cert *cert)
{
    struct store_cert old;
    int rc;

    rc = store_cert_get(txn, cert->certificate_no, &old);
    if (rc == STORE_ENOTFOUND)
        return store_institution_link(txn, NULL, cert);
    if (rc == 0)
        rc = store_institution_link(txn, &old, cert);
    if (rc != 0 || strcmp(old.id_number, cert->id_number) == 0 || old.id_number[0] == '\0')
        goto out;
    rc = store_del(txn, STORE_DB_HOLDER, old.id_number, strlen(old.id_number), old.certificate_no,
                   STORE_CERT_NO_LEN);
    rc = rc == STORE_ENOTFOUND ? 0 : rc;
out:
    jp_cleanse(&old, sizeof old);
    return rc;
}

int store_cert_put(store_txn *txn, const struct store_cert *cert)
{
    struct jp_buf rec;
    int rc;

    if (txn->rdonly)
        return STORE_ERDONLY;
    jp_buf_init(&rec, CERT_REC_MAX);
    rc = store_cert_encode(cert, &rec);
    if (rc != 0)
        goto out_free;
    rc = unlink_old(txn, cert);
    if (rc != 0)
        goto out_free;
    rc = store_put(txn, STORE_DB_CERTS, cert->certificate_no, STORE_CERT_NO_LEN, rec.data, rec.len,
                   0);
    if (rc != 0 || cert->id_number[0] == '\0')
        goto out_free;
    rc = store_put(txn, STORE_DB_HOLDER, cert->id_number, strlen(cert->id_number),
                   cert->certificate_no, STORE_CERT_NO_LEN, STORE_PUT_NEW);
    if (rc == STORE_EEXIST)
        rc = 0;

out_free:
    jp_buf_free(&rec);
    return rc;
}

/* ------------------------------------------------------------------ PDFs */

int store_pdf_put(store_txn *txn, const char *certificate_no, const void *pdf, size_t len)
{
    unsigned char d[32];
    int rc;

    if (!cert_no_ok(certificate_no))
        return STORE_EINVAL;
    if (len > STORE_PDF_MAX)
        return STORE_ETOOLONG;
    SHA256(pdf, len, d); /* once: the change log's digest and the file digest index's */
    rc = store_put_digested(txn, STORE_DB_PDFS, certificate_no, STORE_CERT_NO_LEN, pdf, len, 0, d);
    return rc != 0 ? rc : store_digest_record_with(txn, certificate_no, pdf, len, d);
}

int store_pdf_get(store_txn *txn, const char *certificate_no, const void **pdf, size_t *len)
{
    *pdf = NULL;
    *len = 0;
    if (!cert_no_ok(certificate_no))
        return STORE_EINVAL;
    return store_get(txn, STORE_DB_PDFS, certificate_no, STORE_CERT_NO_LEN, pdf, len);
}

int store_pdf_copy(store_txn *txn, const char *certificate_no, struct jp_buf *out)
{
    jp_buf_reset(out);
    if (!cert_no_ok(certificate_no))
        return STORE_EINVAL;
    return store_get_copy(txn, STORE_DB_PDFS, certificate_no, STORE_CERT_NO_LEN, out);
}

/* ---------------------------------------------------------------- intake */

int store_intake_key(const char *id_number, const char *position, const char *exam_id,
                     unsigned char *out, size_t outsz, size_t *len)
{
    size_t a = strlen(id_number), b = strlen(position), c = strlen(exam_id);

    *len = 0;
    if (a == 0 || b == 0 || c == 0)
        return STORE_EINVAL;
    if (a > 32 || b > 2 || c > 64 || a + b + c + 2 > outsz)
        return STORE_ETOOLONG;
    memcpy(out, id_number, a);
    out[a] = '\0';
    memcpy(out + a + 1, position, b);
    out[a + 1 + b] = '\0';
    memcpy(out + a + b + 2, exam_id, c);
    *len = a + b + c + 2;
    return 0;
}

int store_intake_put(store_txn *txn, const char *id_number, const char *position,
                     const char *exam_id, const char *certificate_no)
{
    unsigned char key[INTAKE_KEY_MAX];
    size_t klen;
    int rc;

    if (!cert_no_ok(certificate_no))
        return STORE_EINVAL;
    rc = store_intake_key(id_number, position, exam_id, key, sizeof key, &klen);
    if (rc != 0)
        return rc;
    return store_put(txn, STORE_DB_INTAKE, key, klen, certificate_no, STORE_CERT_NO_LEN, 0);
}

int store_intake_get(store_txn *txn, const char *id_number, const char *position,
                     const char *exam_id, char out[IDENT_CERTNO_SIZE])
{
    unsigned char key[INTAKE_KEY_MAX];
    const void *v;
    size_t klen, n;
    int rc;

    out[0] = '\0';
    rc = store_intake_key(id_number, position, exam_id, key, sizeof key, &klen);
    if (rc != 0)
        return rc;
    rc = store_get(txn, STORE_DB_INTAKE, key, klen, &v, &n);
    if (rc != 0)
        return rc;
    if (n != STORE_CERT_NO_LEN)
        return STORE_ECORRUPT;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

/* ---------------------------------------------------------------- holder */

int store_holder_list(store_txn *txn, const char *id_number, char (*out)[IDENT_CERTNO_SIZE],
                      size_t max, size_t *n)
{
    MDB_val k = {strlen(id_number), (void *)id_number}, v;
    MDB_cursor *c = NULL;
    int rc;

    *n = 0;
    rc = store_mdb_cursor(txn, STORE_DB_HOLDER, &c);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
    while (rc == 0) {
        if (v.mv_size != STORE_CERT_NO_LEN) {
            rc = STORE_ECORRUPT;
            break;
        }
        if (*n < max) {
            memcpy(out[*n], v.mv_data, STORE_CERT_NO_LEN);
            out[*n][STORE_CERT_NO_LEN] = '\0';
        }
        (*n)++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --------------------------------------------------------------- serials */

/* The last serial drawn for prefix (0 when none) in *last; 0, STORE_EINVAL for a malformed
 * prefix, STORE_EEXHAUSTED when no serial is left, or store_get's error. */
static int serial_last(store_txn *txn, const char *prefix, uint32_t *last)
{
    const void *v;
    size_t n, i;
    int rc;

    *last = 0;
    if (strnlen(prefix, 11) != 10)
        return STORE_EINVAL;
    for (i = 0; i < 10; i++) {
        if (prefix[i] < '0' || prefix[i] > '9')
            return STORE_EINVAL;
    }
    rc = store_get(txn, STORE_DB_SERIALS, prefix, 10, &v, &n);
    if (rc == 0 && n != 4)
        return STORE_ECORRUPT;
    if (rc == 0)
        *last = store_be32_get(v);
    else if (rc != STORE_ENOTFOUND)
        return rc;
    return *last >= STORE_SERIAL_MAX ? STORE_EEXHAUSTED : 0;
}

int store_next_serial(store_txn *txn, const char *prefix, uint32_t *serial)
{
    unsigned char buf[4];
    uint32_t last;
    int rc = serial_last(txn, prefix, &last);

    *serial = 0;
    if (rc != 0)
        return rc;
    store_be32_put(buf, last + 1);
    rc = store_put(txn, STORE_DB_SERIALS, prefix, 10, buf, sizeof buf, 0);
    if (rc == 0)
        *serial = last + 1;
    return rc;
}

int store_peek_serial(store_txn *txn, const char *prefix, uint32_t *serial)
{
    uint32_t last;
    int rc = serial_last(txn, prefix, &last);

    *serial = rc == 0 ? last + 1 : 0;
    return rc;
}
