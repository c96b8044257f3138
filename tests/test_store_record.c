/*
 * test_store_record.c - the store's record format: round trips, unknown tags
 * skipped, and every truncation or corruption of a record rejected without
 * reading past its end (the inputs are exact-size heap copies, so ASan names
 * any over-read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store.h"
#include "store_sample.h"

/* An exact-size heap copy, so that one byte too far is an ASan report. */
static unsigned char *dup_exact(const void *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);

    if (d != NULL && n > 0)
        memcpy(d, p, n);
    return d;
}

static void test_fields_round_trip(void)
{
    struct jp_buf b;
    struct store_rec_reader r;
    const void *v;
    size_t n;
    uint8_t tag = 0;
    uint16_t u16 = 0;
    uint64_t u64 = 0;
    char s[8];
    unsigned char big[300];

    memset(big, 'x', sizeof big);
    jp_buf_init(&b, 4096);
    CHECK_INT(store_rec_begin(&b), 0);
    CHECK_INT(store_rec_put_u16(&b, 1, 865), 0);
    CHECK_INT(store_rec_put(&b, 200, big, sizeof big), 0); /* a tag from the future */
    CHECK_INT(store_rec_put_u64(&b, 2, UINT64_C(0x0102030405060708)), 0);
    CHECK_INT(store_rec_put_str(&b, 3, "男"), 0);
    CHECK_INT(store_rec_put(&b, 0, "x", 1), STORE_EINVAL);
    CHECK_INT(b.data[0], STORE_REC_VERSION);
    /* 300 needs a two-byte varint: 0xac 0x02 */
    CHECK_INT(b.data[1 + 4], 200);
    CHECK_INT(b.data[1 + 4 + 1], 0xac);
    CHECK_INT(b.data[1 + 4 + 2], 0x02);

    CHECK_INT(store_rec_open(&r, b.data, b.len), 0);
    CHECK_INT(store_rec_next(&r, &tag, &v, &n), 0);
    CHECK_INT(tag, 1);
    CHECK_INT(store_rec_u16(v, n, &u16), 0);
    CHECK_INT(u16, 865);
    CHECK_INT(store_rec_next(&r, &tag, &v, &n), 0);
    CHECK_INT(tag, 200);
    CHECK_INT(n, sizeof big);
    CHECK_INT(store_rec_next(&r, &tag, &v, &n), 0);
    CHECK_INT(store_rec_u64(v, n, &u64), 0);
    CHECK(u64 == UINT64_C(0x0102030405060708));
    CHECK_INT(store_rec_u16(v, n, &u16), STORE_ECORRUPT); /* wrong width */
    CHECK_INT(store_rec_next(&r, &tag, &v, &n), 0);
    CHECK_INT(store_rec_str(v, n, s, sizeof s), 0);
    CHECK_STR(s, "男");
    CHECK_INT(store_rec_str(v, n, s, 3), STORE_ECORRUPT); /* does not fit with its NUL */
    CHECK_INT(store_rec_next(&r, &tag, &v, &n), STORE_ENOTFOUND);
    jp_buf_free(&b);
}

static void test_bad_headers(void)
{
    static const unsigned char bad_version[] = {2, 1, 0};
    static const unsigned char tag_zero[] = {1, 0, 0};
    static const unsigned char long_varint[] = {1, 5, 0x80, 0x80, 0x80, 0x80, 0x01};
    static const unsigned char non_minimal[] = {1, 5, 0x81, 0x00, 'a'};
    static const unsigned char past_end[] = {1, 5, 0x7f, 'a', 'b'};
    static const unsigned char huge[] = {1, 5, 0xff, 0xff, 0xff, 0x7f};
    /* Records that open but whose first field header is corrupt. */
    static const struct {
        const unsigned char *rec; /* the record */
        size_t len;               /* its length */
    } bad[] = {{tag_zero, sizeof tag_zero},
               {long_varint, sizeof long_varint},
               {non_minimal, sizeof non_minimal},
               {past_end, sizeof past_end},
               {huge, sizeof huge}};
    struct store_rec_reader r;
    const void *v;
    size_t n, i;
    uint8_t tag;
    unsigned char *p;
    int failed;

    CHECK_INT(store_rec_open(&r, NULL, 0), STORE_ECORRUPT);
    CHECK_INT(store_rec_open(&r, bad_version, sizeof bad_version), STORE_ESCHEMA);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        failed = check_failed;
        p = dup_exact(bad[i].rec, bad[i].len);
        CHECK_INT(store_rec_open(&r, p, bad[i].len), 0);
        CHECK_INT(store_rec_next(&r, &tag, &v, &n), STORE_ECORRUPT);
        free(p);
        if (check_failed != failed)
            fprintf(stderr, "  (bad record %zu of test_bad_headers)\n", i);
    }
}

static void test_cert_round_trip(void)
{
    struct store_cert c, d;
    struct jp_buf b;

    store_sample(&c);
    jp_buf_init(&b, 8192);
    CHECK_INT(store_cert_encode(&c, &b), 0);
    CHECK_INT(store_cert_decode(b.data, b.len, &d), 0);
    CHECK_STR(d.certificate_no, c.certificate_no);
    CHECK_STR(d.holder_name, "张𠮷丰");
    CHECK_STR(d.gender, "男");
    CHECK_STR(d.elicence_id, c.elicence_id);
    CHECK_STR(d.status_reason, "复核中");
    CHECK_INT(d.status, STORE_STATUS_SUSPENDED);
    CHECK_INT(d.status_changed_at, -5);
    CHECK_INT(d.score_tenths, 865);
    CHECK_INT(d.issued_at, 1692316800);
    CHECK(memcmp(d.key_id, c.key_id, 8) == 0);
    CHECK_STR(d.authority_name, c.authority_name);
    CHECK(memcmp(&c, &d, sizeof c) == 0); /* every field, both zeroed first */

    /* a field of a later version is skipped */
    CHECK_INT(store_rec_put_str(&b, 99, "future"), 0);
    CHECK_INT(store_cert_decode(b.data, b.len, &d), 0);
    CHECK_STR(d.exam_id, "T2023-0810-GZ-001");
    /* the same known field twice is a defect */
    CHECK_INT(store_rec_put_str(&b, 8, "2024-01-01"), 0);
    CHECK_INT(store_cert_decode(b.data, b.len, &d), STORE_ECORRUPT);
    CHECK_STR(d.certificate_no, ""); /* nothing half-decoded is left */
    jp_buf_free(&b);
}

/* The QR text (tag 23): kept exactly; a record without it (an older store) reads as none. */
static void test_cert_qr_text(void)
{
    static const char qr[] = "HTTP://127.0.0.1:8080/V/440120230100000013/"
                             "NBSWY3DPEB3W64TMMQQGC3TEEBZW63LFEB2GK6DUEBRW63LFOQ";
    struct store_cert c, d;
    struct jp_buf b;
    size_t without;

    store_sample(&c);
    jp_buf_init(&b, 8192);
    CHECK_INT(store_cert_encode(&c, &b), 0);
    without = b.len;
    CHECK_INT(store_cert_decode(b.data, b.len, &d), 0);
    CHECK(store_cert_qr(&d) == NULL);
    CHECK_INT(store_text_set(c.qr_text, sizeof c.qr_text, qr), 0);
    CHECK_INT(store_cert_encode(&c, &b), 0);
    CHECK(b.len > without + strlen(qr));
    CHECK_INT(store_cert_decode(b.data, b.len, &d), 0);
    CHECK(store_cert_qr(&d) != NULL && strcmp(store_cert_qr(&d), qr) == 0);
    /* the bound: STORE_QR_MAX bytes fit, one more does not */
    memset(c.qr_text, 'A', STORE_QR_MAX);
    c.qr_text[STORE_QR_MAX] = '\0';
    CHECK_INT(store_cert_encode(&c, &b), 0);
    CHECK_INT(store_cert_decode(b.data, b.len, &d), 0);
    CHECK_INT(strlen(d.qr_text), STORE_QR_MAX);
    CHECK_INT(store_rec_put_str(&b, 23, "x"), 0); /* twice: a defect */
    CHECK_INT(store_cert_decode(b.data, b.len, &d), STORE_ECORRUPT);
    jp_buf_free(&b);
}

static void test_cert_rejects(void)
{
    struct store_cert c;
    struct jp_buf b;
    char longname[300];

    jp_buf_init(&b, 8192);
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    store_sample(&c);
    CHECK_INT(store_text_set(c.holder_name, sizeof c.holder_name, longname), STORE_ETOOLONG);
    CHECK_STR(c.holder_name, "");
    CHECK_INT(store_text_set(c.gender, sizeof c.gender, "男性"), STORE_ETOOLONG);
    store_sample(&c);
    memset(c.city, '1', sizeof c.city); /* not terminated inside its array */
    CHECK_INT(store_cert_encode(&c, &b), STORE_EINVAL);
    store_sample(&c);
    c.status = (enum store_cert_status)9;
    CHECK_INT(store_cert_encode(&c, &b), STORE_EINVAL);
    store_sample(&c);
    store_text_set(c.certificate_no, sizeof c.certificate_no, "44012023010000001");
    CHECK_INT(store_cert_encode(&c, &b), STORE_EINVAL);
    jp_buf_free(&b);
}

/* Every proper prefix of a good record and every single-byte change must decode
 * cleanly or be rejected, never read past the end. */
static void test_cert_truncated_and_garbage(void)
{
    struct store_cert c, d;
    struct jp_buf b;
    size_t len, bad_prefix = 0, i;
    unsigned char *p;
    unsigned seed = 12345;
    int k;

    store_sample(&c);
    jp_buf_init(&b, 8192);
    CHECK_INT(store_cert_encode(&c, &b), 0);
    for (len = 0; len < b.len; len++) {
        p = dup_exact(b.data, len);
        if (store_cert_decode(p, len, &d) != 0)
            bad_prefix++;
        free(p);
    }
    /* a cut inside a field is always caught; a cut between fields after the number
     * may decode (later fields are optional), so most but not all prefixes fail */
    CHECK(bad_prefix > b.len / 2);
    for (i = 0; i < b.len; i++) {
        for (k = 0; k < 4; k++) {
            p = dup_exact(b.data, b.len);
            seed = seed * 1103515245u + 12345u;
            p[i] = (unsigned char)(seed >> 16);
            (void)store_cert_decode(p, b.len, &d);
            free(p);
        }
    }
    for (k = 0; k < 2000; k++) {
        len = (size_t)(k % 97);
        p = malloc(len ? len : 1);
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = (unsigned char)(seed >> 16);
        }
        if (len > 0)
            p[0] = STORE_REC_VERSION;
        CHECK(store_cert_decode(p, len, &d) != 0 || strlen(d.certificate_no) == 18);
        free(p);
    }
    jp_buf_free(&b);
}

int main(void)
{
    test_fields_round_trip();
    test_bad_headers();
    test_cert_round_trip();
    test_cert_qr_text();
    test_cert_rejects();
    test_cert_truncated_and_garbage();
    return CHECK_DONE();
}
