/*
 * test_store_digest.c - the digest index of the file check (store.h): a PDF
 * put is known by its file digest and its signature digest under the
 * certificate's version; after a reissue the old file is still known as the
 * old version; a read-only handle on a store that predates the index finds
 * nothing instead of failing; the backfill records what the index lacks.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "check.h"
#include "raw_lmdb.h"
#include "store.h"
#include "tmpdir.h"

#define NO "440120230100000013"

struct put_arg {
    const char *pdf;  /* the file */
    uint16_t version; /* the certificate's file_version */
    int drop_digests; /* 1: also remove the file digest again (an old store) */
};

static int put_one(store_txn *txn, void *arg)
{
    struct put_arg *a = arg;
    struct store_cert c;
    unsigned char d[32], key[33];
    int rc;

    memset(&c, 0, sizeof(c));
    store_text_set(c.certificate_no, sizeof(c.certificate_no), NO);
    c.file_version = a->version;
    store_text_set(c.position_code, sizeof(c.position_code), "01");
    store_text_set(c.issue_date, sizeof(c.issue_date), "2023-08-18");
    store_text_set(c.id_number, sizeof(c.id_number), "440103199001011236");
    rc = store_cert_put(txn, &c);
    if (rc == 0)
        rc = store_pdf_put(txn, NO, a->pdf, strlen(a->pdf));
    if (rc == 0 && a->drop_digests) {
        SHA256((const unsigned char *)a->pdf, strlen(a->pdf), d);
        key[0] = STORE_DIGEST_FILE;
        memcpy(key + 1, d, 32);
        rc = store_del(txn, STORE_DB_DIGESTS, key, sizeof(key), NULL, 0);
    }
    return rc;
}

/* Removes the "digests" database, as in a store made before it existed. */
static int drop_index(const char *sdir)
{
    struct raw_lmdb r;
    int rc = raw_lmdb_begin(&r, sdir, "digests");

    if (rc == 0)
        rc = mdb_drop(r.txn, r.dbi, 1);
    return raw_lmdb_end(&r, rc);
}

static int lookup(store *s, enum store_digest_kind kind, const unsigned char d[32],
                  struct store_digest *out)
{
    store_txn *txn = NULL;
    int rc = store_read_begin(s, &txn);

    if (rc == 0)
        rc = store_digest_get(txn, kind, d, out);
    store_read_end(txn);
    return rc;
}

static void file_digest(const char *pdf, unsigned char d[32])
{
    SHA256((const unsigned char *)pdf, strlen(pdf), d);
}

int main(void)
{
    /* the shape pdf/ writes: the gap between ranges is the /Contents hex string */
    static const char v1[] = "%PDF-1.7\nAAAA<3082ABCD>BBBB/ByteRange [0 13 23 5]\n%%EOF\n";
    static const char v1_edit[] = "%PDF-1.7\nAAAB<3082ABCD>BBBB/ByteRange [0 13 23 5]\n%%EOF\n";
    static const char v2[] = "%PDF-1.7\nCCCC<3082EEEE>DDDD/ByteRange [0 13 23 5]\n%%EOF\n";
    char dir[64], sdir[128];
    unsigned char d[32], s1[32], s_edit[32];
    struct store_digest got;
    struct put_arg a = {v1, 1, 0};
    store *s = NULL;
    uint64_t n = 0;

    if (tmpdir_make(dir, "jp-digest") != 0)
        return 3;
    snprintf(sdir, sizeof(sdir), "%s/store", dir);

    CHECK(store_pdf_sig_digest(v1, strlen(v1), s1) == 0);
    CHECK(store_pdf_sig_digest(v1_edit, strlen(v1_edit), s_edit) == 0);
    CHECK(memcmp(s1, s_edit, 32) == 0); /* an edit of the signed bytes keeps the signature */
    CHECK(store_pdf_sig_digest("%PDF no signature", 17, d) == STORE_ENOTFOUND);
    CHECK(store_pdf_sig_digest("/ByteRange [0 99 100 5]", 23, d) == STORE_ENOTFOUND);
    CHECK(store_pdf_sig_digest("/ByteRange [0 1 9", 17, d) == STORE_ENOTFOUND);
    CHECK(store_pdf_sig_digest("", 0, d) == STORE_ENOTFOUND);

    /* an old store, made without the index: read-only lookups find nothing */
    CHECK(store_open(sdir, STORE_CREATE, &s, NULL, 0) == 0);
    CHECK(store_write(s, put_one, &a) == 0);
    store_close(s);
    CHECK(drop_index(sdir) == 0);
    CHECK(store_open(sdir, STORE_RDONLY, &s, NULL, 0) == 0);
    file_digest(v1, d);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == STORE_ENOTFOUND);
    store_close(s);
    CHECK(store_open(sdir, 0, &s, NULL, 0) == 0); /* a writer creates the index: backfill */
    CHECK(store_digest_backfill(s, &n) == 0 && n == 1);
    store_close(s);

    CHECK(store_open(sdir, STORE_RDONLY, &s, NULL, 0) == 0);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == 0);
    CHECK_STR(got.certificate_no, NO);
    CHECK_INT(got.file_version, 1);
    CHECK(lookup(s, STORE_DIGEST_SIG, s1, &got) == 0 && got.file_version == 1);
    file_digest(v1_edit, d);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == STORE_ENOTFOUND);
    store_close(s);

    /* reissue: the new file is version 2, the old stays known as version 1 */
    CHECK(store_open(sdir, 0, &s, NULL, 0) == 0);
    a.pdf = v2;
    a.version = 2;
    CHECK(store_write(s, put_one, &a) == 0);
    file_digest(v1, d);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == 0 && got.file_version == 1);
    file_digest(v2, d);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == 0 && got.file_version == 2);

    /* a store whose index lacks the current file: the backfill records it */
    a.drop_digests = 1;
    CHECK(store_write(s, put_one, &a) == 0);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == STORE_ENOTFOUND);
    CHECK(store_digest_backfill(s, &n) == 0 && n == 1);
    CHECK(lookup(s, STORE_DIGEST_FILE, d, &got) == 0 && got.file_version == 2);
    CHECK(store_digest_backfill(s, &n) == 0 && n == 1); /* again: the same, harmless */
    store_close(s);

    jp_remove_tree(dir);
    return CHECK_DONE();
}
