/*
 * test_store.c - the store as its users see it in one process: open, create,
 * reopen, schema refusal, read-only handles, raw get/put/cursors, failed
 * writes leaving nothing, certificates with their PDFs and indexes, serial
 * counters, map growth from a tiny map, backup and the integrity check.
 * Every test works in its own mkdtemp directory, removed at the end.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "check.h"
#include "raw_lmdb.h"
#include "store.h"

static void make_tmp(char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/jp-store-XXXXXX");
    if (mkdtemp(buf) == NULL) {
        perror("mkdtemp");
        exit(3);
    }
}

static void sub(char *out, size_t n, const char *dir, const char *name)
{
    if (jp_path_join(out, n, dir, name) != 0)
        exit(3);
}

static void make_cert(struct store_cert *c, const char *no, const char *id, const char *exam)
{
    memset(c, 0, sizeof *c);
    store_text_set(c->certificate_no, sizeof c->certificate_no, no);
    c->file_version = 1;
    store_text_set(c->position_code, sizeof c->position_code, "01");
    store_text_set(c->issue_date, sizeof c->issue_date, "2023-08-18");
    store_text_set(c->holder_name, sizeof c->holder_name, "张三丰");
    store_text_set(c->gender, sizeof c->gender, "男");
    store_text_set(c->id_type, sizeof c->id_type, "111");
    store_text_set(c->id_number, sizeof c->id_number, id);
    store_text_set(c->exam_id, sizeof c->exam_id, exam);
    c->score_tenths = 865;
}

/* ------------------------------------------------------- write callbacks */

struct kv {
    int db;          /* database id */
    const char *key; /* NUL-terminated key */
    const char *val; /* NUL-terminated value */
    int fail_after;  /* nonzero: return this after the put */
};

static int put_kv(store_txn *txn, void *arg)
{
    struct kv *a = arg;
    int rc = store_put(txn, a->db, a->key, strlen(a->key), a->val, strlen(a->val), 0);

    return rc != 0 ? rc : a->fail_after;
}

/* Puts a certificate, its PDF, its intake entry and an audit entry, like the issuer. */
static int issue_one(store_txn *txn, void *arg)
{
    const struct store_cert *c = arg;
    struct store_audit_entry e;
    char pdf[64];
    int rc;

    snprintf(pdf, sizeof pdf, "%%PDF-1.7 %s", c->certificate_no);
    rc = store_cert_put(txn, c);
    if (rc == 0)
        rc = store_pdf_put(txn, c->certificate_no, pdf, strlen(pdf));
    if (rc == 0)
        rc = store_intake_put(txn, c->id_number, c->position_code, c->exam_id, c->certificate_no);
    memset(&e, 0, sizeof e);
    e.time = 1700000000;
    strcpy(e.action, "issue");
    strcpy(e.certificate_no, c->certificate_no);
    strcpy(e.actor, "test");
    if (rc == 0)
        rc = store_audit_append(txn, &e);
    return rc;
}

static int get_str(store *s, int db, const char *key, char *out, size_t n)
{
    store_txn *txn = NULL;
    const void *v;
    size_t vlen;
    int rc;

    out[0] = '\0';
    rc = store_read_begin(s, &txn);
    if (rc != 0)
        return rc;
    rc = store_get(txn, db, key, strlen(key), &v, &vlen);
    if (rc == 0 && vlen < n) {
        memcpy(out, v, vlen);
        out[vlen] = '\0';
    }
    store_read_end(txn);
    return rc;
}

/* ------------------------------------------------------------------ tests */

static void test_open_close_reopen(void)
{
    char tmp[64], dir[128], empty[128], err[256], v[32];
    store *s = NULL;
    struct kv a = {STORE_DB_META, "hello", "world", 0};
    struct stat st;

    make_tmp(tmp, sizeof tmp);
    sub(dir, sizeof dir, tmp, "home/db");
    sub(empty, sizeof empty, tmp, "empty");
    CHECK_INT(store_open(dir, 0, &s, err, sizeof err), STORE_ENOTSTORE);
    CHECK(s == NULL);
    CHECK(strstr(err, "not a jianpei store") != NULL);
    CHECK_INT(store_open(dir, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK(s != NULL);
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK_INT(store_write(s, put_kv, &a), 0);
    store_close(s);
    store_close(NULL);
    s = NULL;
    CHECK_INT(store_open(dir, 0, &s, err, sizeof err), 0);
    CHECK_INT(get_str(s, STORE_DB_META, "hello", v, sizeof v), 0);
    CHECK_STR(v, "world");
    store_close(s);
    s = NULL;
    CHECK_INT(store_open(dir, STORE_CREATE, &s, err, sizeof err), 0); /* create is idempotent */
    CHECK_INT(get_str(s, STORE_DB_META, "hello", v, sizeof v), 0);
    store_close(s);
    s = NULL;
    /* an existing empty directory is no store, and opening leaves it empty */
    CHECK(mkdir(empty, 0700) == 0);
    CHECK_INT(store_open(empty, 0, &s, err, sizeof err), STORE_ENOTSTORE);
    CHECK_INT(store_open(empty, STORE_RDONLY, &s, err, sizeof err), STORE_ENOTSTORE);
    CHECK(rmdir(empty) == 0);
    CHECK_INT(store_open(dir, STORE_CREATE | STORE_RDONLY, &s, err, sizeof err), STORE_EINVAL);
    jp_remove_tree(tmp);
}

/* Writes the schema version (or deletes it when ver < 0) with raw LMDB. */
static int raw_schema(const char *dir, int ver)
{
    struct raw_lmdb r;
    unsigned char b[4] = {0, 0, 0, (unsigned char)ver};
    MDB_val k = {14, "schema_version"}, v = {4, b};
    int rc = raw_lmdb_begin(&r, dir, "meta");

    if (rc == 0)
        rc = ver < 0 ? mdb_del(r.txn, r.dbi, &k, NULL) : mdb_put(r.txn, r.dbi, &k, &v, 0);
    return raw_lmdb_end(&r, rc);
}

static void test_schema_refusal(void)
{
    char tmp[64], err[256];
    store *s = NULL;

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), 0);
    store_close(s);
    s = NULL;
    CHECK_INT(raw_schema(tmp, 2), 0);
    CHECK_INT(store_open(tmp, 0, &s, err, sizeof err), STORE_ESCHEMA);
    CHECK(s == NULL);
    CHECK(strstr(err, "schema version 2 is newer than this program's version 1") != NULL);
    CHECK_INT(store_open(tmp, STORE_RDONLY, &s, err, sizeof err), STORE_ESCHEMA);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), STORE_ESCHEMA);
    CHECK_INT(raw_schema(tmp, 0), 0);
    CHECK_INT(store_open(tmp, 0, &s, err, sizeof err), STORE_ESCHEMA);
    CHECK(strstr(err, "schema version 0 is unknown") != NULL && strstr(err, "version 1") != NULL);
    CHECK_INT(raw_schema(tmp, -1), 0);
    CHECK_INT(store_open(tmp, 0, &s, err, sizeof err), STORE_ENOTSTORE);
    CHECK(strstr(err, "not a jianpei store") != NULL);
    CHECK_INT(raw_schema(tmp, 1), 0);
    CHECK_INT(store_open(tmp, 0, &s, err, sizeof err), 0);
    store_close(s);
    jp_remove_tree(tmp);
}

static void test_rdonly(void)
{
    char tmp[64], err[256], v[32];
    store *s = NULL, *ro = NULL;
    store_txn *txn = NULL;
    struct kv a = {STORE_DB_META, "k", "v1", 0};
    struct store_cert c;

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK_INT(store_write(s, put_kv, &a), 0);
    store_close(s);
    CHECK_INT(store_open(tmp, STORE_RDONLY, &ro, err, sizeof err), 0);
    CHECK_INT(store_write(ro, put_kv, &a), STORE_ERDONLY);
    CHECK_INT(store_read_begin(ro, &txn), 0);
    CHECK_INT(store_put(txn, STORE_DB_META, "k", 1, "x", 1, 0), STORE_ERDONLY);
    CHECK_INT(store_del(txn, STORE_DB_META, "k", 1, NULL, 0), STORE_ERDONLY);
    make_cert(&c, "440120230100000013", "440103199001011237", "E1");
    CHECK_INT(store_cert_put(txn, &c), STORE_ERDONLY);
    store_read_end(txn);
    CHECK_INT(get_str(ro, STORE_DB_META, "k", v, sizeof v), 0);
    CHECK_STR(v, "v1");
    store_close(ro);
    jp_remove_tree(tmp);
}

static void test_kv_and_cursors(void)
{
    static const struct store_dbspec extra[] = {{"kv", 0}, {"multi", STORE_DB_DUPS}};
    struct store_opts o = {0, 0, extra, 2};
    char tmp[64], err[256], v[32];
    const char *keys[] = {"a", "b", "c", "d"};
    store *s = NULL;
    store_txn *txn = NULL;
    store_cursor *c = NULL;
    const void *k, *val;
    size_t kn, vn;
    struct jp_buf small;
    int kv = -1, multi = -1, i;
    struct kv a = {0, NULL, NULL, 0};

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open_with(tmp, STORE_CREATE, &o, &s, err, sizeof err), 0);
    CHECK_INT(store_db_by_name(s, "kv", &kv), 0);
    CHECK_INT(store_db_by_name(s, "multi", &multi), 0);
    CHECK_INT(kv, STORE_DB_EXTRA);
    CHECK_INT(store_db_by_name(s, "certs", &i), 0);
    CHECK_INT(i, STORE_DB_CERTS);
    CHECK_INT(store_db_by_name(s, "nope", &i), STORE_ENOTFOUND);
    {
        static const struct store_dbspec clash[] = {{"certs", 0}};
        struct store_opts bad = {0, 0, clash, 1};
        store *s2 = NULL;

        CHECK_INT(store_open_with(tmp, 0, &bad, &s2, err, sizeof err), STORE_EINVAL);
        CHECK(s2 == NULL);
    }
    a.db = kv;
    for (i = 3; i >= 0; i--) {
        a.key = keys[i];
        a.val = keys[i];
        CHECK_INT(store_write(s, put_kv, &a), 0);
    }
    /* a failing callback leaves nothing behind */
    a.key = "e";
    a.fail_after = STORE_EINVAL;
    CHECK_INT(store_write(s, put_kv, &a), STORE_EINVAL);
    CHECK_INT(get_str(s, kv, "e", v, sizeof v), STORE_ENOTFOUND);
    a.db = multi;
    a.key = "m";
    a.fail_after = 0;
    a.val = "2";
    CHECK_INT(store_write(s, put_kv, &a), 0);
    a.val = "1";
    CHECK_INT(store_write(s, put_kv, &a), 0);

    CHECK_INT(store_read_begin(s, &txn), 0);
    CHECK_INT(store_cursor_open(txn, kv, &c), 0);
    CHECK_INT(store_cursor_first(c, &k, &kn, &val, &vn), 0);
    CHECK(kn == 1 && memcmp(k, "a", 1) == 0);
    for (i = 1; i < 4; i++) {
        CHECK_INT(store_cursor_next(c, &k, &kn, &val, &vn), 0);
        CHECK(kn == 1 && memcmp(k, keys[i], 1) == 0);
    }
    CHECK_INT(store_cursor_next(c, &k, &kn, &val, &vn), STORE_ENOTFOUND);
    CHECK_INT(store_cursor_seek(c, "bb", 2, &k, &kn, &val, &vn), 0);
    CHECK(kn == 1 && memcmp(k, "c", 1) == 0);
    CHECK_INT(store_cursor_seek(c, "z", 1, &k, &kn, &val, &vn), STORE_ENOTFOUND);
    store_cursor_close(c);
    store_cursor_close(NULL);
    CHECK_INT(store_cursor_open(txn, multi, &c), 0);
    CHECK_INT(store_cursor_first(c, &k, &kn, &val, &vn), 0);
    CHECK(vn == 1 && memcmp(val, "1", 1) == 0); /* duplicates sorted by value */
    CHECK_INT(store_cursor_next(c, &k, &kn, &val, &vn), 0);
    CHECK(vn == 1 && memcmp(val, "2", 1) == 0);
    store_cursor_close(c);
    jp_buf_init(&small, 0);
    CHECK_INT(store_get_copy(txn, kv, "a", 1, &small), EFBIG);
    jp_buf_free(&small);
    CHECK_INT(store_get(txn, 99, "a", 1, &val, &vn), STORE_EINVAL);
    store_read_end(txn);
    store_close(s);
    jp_remove_tree(tmp);
}

static int put_new_twice(store_txn *txn, void *arg)
{
    int rc = store_put(txn, STORE_DB_META, "n", 1, "1", 1, STORE_PUT_NEW);

    (void)arg;
    if (rc == 0)
        rc = store_put(txn, STORE_DB_META, "n", 1, "2", 1, STORE_PUT_NEW);
    return rc;
}

static int del_key(store_txn *txn, void *arg)
{
    return store_del(txn, STORE_DB_META, arg, strlen(arg), NULL, 0);
}

static void test_put_new_and_del(void)
{
    char tmp[64], err[256], v[8];
    store *s = NULL;
    struct kv a = {STORE_DB_META, "x", "1", 0};

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK_INT(store_write(s, put_new_twice, NULL), STORE_EEXIST);
    CHECK_INT(get_str(s, STORE_DB_META, "n", v, sizeof v), STORE_ENOTFOUND);
    CHECK_INT(store_write(s, put_kv, &a), 0);
    CHECK_INT(store_write(s, del_key, "x"), 0);
    CHECK_INT(get_str(s, STORE_DB_META, "x", v, sizeof v), STORE_ENOTFOUND);
    CHECK_INT(store_write(s, del_key, "x"), STORE_ENOTFOUND);
    store_close(s);
    jp_remove_tree(tmp);
}

static int change_holder(store_txn *txn, void *arg)
{
    struct store_cert *c = arg;

    store_text_set(c->id_number, sizeof c->id_number, "440103199202021234");
    return store_cert_put(txn, c);
}

static void test_certs_and_indexes(void)
{
    static const char *const nos[] = {"440120230100000013", "440120230100000021",
                                      "440120230200000015", "440320230100000017"};
    char tmp[64], err[256], no[IDENT_CERTNO_SIZE], list[4][IDENT_CERTNO_SIZE];
    store *s = NULL;
    store_txn *txn = NULL;
    struct store_cert c, got;
    const void *pdf;
    size_t len, n;
    struct jp_buf copy;
    int i;

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), 0);
    for (i = 0; i < 4; i++) {
        make_cert(&c, nos[i], i < 3 ? "440103199001011237" : "110101198001010018",
                  i == 1 ? "E2" : "E1");
        if (i == 2)
            store_text_set(c.position_code, sizeof c.position_code, "02");
        CHECK_INT(store_write(s, issue_one, &c), 0);
    }
    CHECK_INT(store_read_begin(s, &txn), 0);
    CHECK_INT(store_cert_get(txn, nos[0], &got), 0);
    CHECK_STR(got.holder_name, "张三丰");
    CHECK_STR(got.exam_id, "E1");
    CHECK_INT(got.score_tenths, 865);
    CHECK_INT(store_cert_get(txn, "440120230100000099", &got), STORE_ENOTFOUND);
    CHECK_INT(store_cert_get(txn, "4401202301", &got), STORE_EINVAL);
    CHECK_INT(store_pdf_get(txn, nos[1], &pdf, &len), 0);
    CHECK(len == 9 + 18 && memcmp((const char *)pdf + 9, nos[1], 18) == 0);
    jp_buf_init(&copy, STORE_PDF_MAX);
    CHECK_INT(store_pdf_copy(txn, nos[1], &copy), 0);
    CHECK(copy.len == len && memcmp(copy.data, pdf, len) == 0);
    jp_buf_free(&copy);
    CHECK_INT(store_pdf_get(txn, "440120230100000099", &pdf, &len), STORE_ENOTFOUND);
    CHECK_INT(store_intake_get(txn, "440103199001011237", "01", "E2", no), 0);
    CHECK_STR(no, nos[1]);
    CHECK_INT(store_intake_get(txn, "440103199001011237", "02", "E1", no), 0);
    CHECK_STR(no, nos[2]);
    CHECK_INT(store_intake_get(txn, "440103199001011237", "03", "E1", no), STORE_ENOTFOUND);
    CHECK_INT(store_holder_list(txn, "440103199001011237", list, 4, &n), 0);
    CHECK_INT(n, 3);
    CHECK_STR(list[0], nos[0]);
    CHECK_STR(list[2], nos[2]);
    CHECK_INT(store_holder_list(txn, "440103199001011237", list, 1, &n), 0);
    CHECK_INT(n, 3); /* the total, more than fit */
    CHECK_INT(store_holder_list(txn, "110101198001010018", list, 4, &n), 0);
    CHECK_INT(n, 1);
    CHECK_STR(list[0], nos[3]);
    CHECK_INT(store_holder_list(txn, "999", list, 4, &n), 0);
    CHECK_INT(n, 0);
    store_read_end(txn);

    /* a changed id_number moves the certificate in the holder index */
    make_cert(&c, nos[0], "440103199001011237", "E1");
    CHECK_INT(store_write(s, change_holder, &c), 0);
    CHECK_INT(store_read_begin(s, &txn), 0);
    CHECK_INT(store_holder_list(txn, "440103199001011237", list, 4, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(store_holder_list(txn, "440103199202021234", list, 4, &n), 0);
    CHECK_INT(n, 1);
    store_read_end(txn);
    store_close(s);
    jp_remove_tree(tmp);
}

struct serial_arg {
    const char *prefix; /* counter to advance */
    uint32_t got;       /* serial returned */
    int fail;           /* nonzero: abort the txn with this afterwards */
};

static int next_serial(store_txn *txn, void *arg)
{
    struct serial_arg *a = arg;
    int rc = store_next_serial(txn, a->prefix, &a->got);

    return rc != 0 ? rc : a->fail;
}

static int set_counter(store_txn *txn, void *arg)
{
    unsigned char b[4] = {0x00, 0x98, 0x96, 0x7f}; /* 9999999 */

    return store_put(txn, STORE_DB_SERIALS, arg, 10, b, 4, 0);
}

static void test_serials(void)
{
    char tmp[64], err[256];
    store *s = NULL;
    struct serial_arg a = {"4401202301", 0, 0};

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK_INT(store_write(s, next_serial, &a), 0);
    CHECK_INT(a.got, 1);
    CHECK_INT(store_write(s, next_serial, &a), 0);
    CHECK_INT(a.got, 2);
    a.fail = STORE_EINVAL; /* an aborted issuance does not consume a number */
    CHECK_INT(store_write(s, next_serial, &a), STORE_EINVAL);
    a.fail = 0;
    CHECK_INT(store_write(s, next_serial, &a), 0);
    CHECK_INT(a.got, 3);
    a.prefix = "4403202301";
    CHECK_INT(store_write(s, next_serial, &a), 0);
    CHECK_INT(a.got, 1);
    a.prefix = "440320230";
    CHECK_INT(store_write(s, next_serial, &a), STORE_EINVAL);
    a.prefix = "44032023A1";
    CHECK_INT(store_write(s, next_serial, &a), STORE_EINVAL);
    CHECK_INT(store_write(s, set_counter, "4419202301"), 0);
    a.prefix = "4419202301";
    CHECK_INT(store_write(s, next_serial, &a), STORE_EEXHAUSTED);
    store_close(s);
    s = NULL;
    CHECK_INT(store_open(tmp, 0, &s, err, sizeof err), 0); /* counters survive reopen */
    a.prefix = "4401202301";
    CHECK_INT(store_write(s, next_serial, &a), 0);
    CHECK_INT(a.got, 4);
    store_close(s);
    jp_remove_tree(tmp);
}

struct bulk {
    unsigned first; /* first key number */
    unsigned count; /* values to write */
    size_t size;    /* bytes per value */
    unsigned runs;  /* times the callback ran */
};

static int put_bulk(store_txn *txn, void *arg)
{
    struct bulk *b = arg;
    unsigned char *val = NULL;
    char key[16];
    unsigned i;
    int rc = 0;

    b->runs++;
    val = malloc(b->size);
    if (val == NULL)
        return ENOMEM;
    for (i = 0; rc == 0 && i < b->count; i++) {
        snprintf(key, sizeof key, "k%08u", b->first + i);
        memset(val, (int)(b->first + i), b->size);
        rc = store_put(txn, STORE_DB_PDFS, key, strlen(key), val, b->size, 0);
    }
    free(val);
    return rc;
}

static void test_map_growth(void)
{
    struct store_opts o = {64 << 10, 0, NULL, 0};
    char tmp[64], err[256];
    store *s = NULL;
    store_txn *txn = NULL;
    struct bulk b = {0, 64, 32 << 10, 0}; /* 2 MiB in one transaction */
    const void *v;
    size_t n;
    unsigned i, runs_before;

    make_tmp(tmp, sizeof tmp);
    CHECK_INT(store_open_with(tmp, STORE_CREATE, &o, &s, err, sizeof err), 0);
    CHECK(store_map_size(s) <= (64u << 10));
    CHECK_INT(store_write(s, put_bulk, &b), 0);
    CHECK(b.runs > 1); /* ran again from scratch after MDB_MAP_FULL */
    runs_before = b.runs;
    for (i = 1; i < 4; i++) { /* another 6 MiB in smaller transactions */
        b.first = i * 64;
        CHECK_INT(store_write(s, put_bulk, &b), 0);
    }
    CHECK(b.runs >= runs_before + 3);
    CHECK(store_map_size(s) >= (8u << 20));
    CHECK_INT(store_read_begin(s, &txn), 0);
    CHECK_INT(store_get(txn, STORE_DB_PDFS, "k00000255", 9, &v, &n), 0);
    CHECK(n == (32u << 10) && ((const unsigned char *)v)[n - 1] == 255);
    CHECK_INT(store_get(txn, STORE_DB_PDFS, "k00000000", 9, &v, &n), 0);
    store_read_end(txn);
    printf("map grew from 64 KiB to %zu KiB; the callback ran %u times for 4 transactions\n",
           store_map_size(s) >> 10, b.runs);
    store_close(s);
    jp_remove_tree(tmp);
}

static int del_pdf(store_txn *txn, void *arg)
{
    return store_del(txn, STORE_DB_PDFS, arg, 18, NULL, 0);
}

static int lower_counter(store_txn *txn, void *arg)
{
    unsigned char b[4] = {0, 0, 0, 1};

    (void)arg;
    return store_put(txn, STORE_DB_SERIALS, "4401202301", 10, b, 4, 0);
}

static int dangling_holder(store_txn *txn, void *arg)
{
    (void)arg;
    return store_put(txn, STORE_DB_HOLDER, "440103199001011237", 18, "440120230100000099", 18, 0);
}

static int issue_numbered(store_txn *txn, void *arg)
{
    struct store_cert *c = arg;
    uint32_t serial;
    char no[IDENT_CERTNO_SIZE];
    int rc;

    rc = store_next_serial(txn, "4401202301", &serial);
    if (rc != 0)
        return rc;
    snprintf(no, sizeof no, "4401202301%07u0", (unsigned)serial);
    store_text_set(c->certificate_no, sizeof c->certificate_no, no);
    return issue_one(txn, c);
}

static void test_backup_and_check(void)
{
    char tmp[64], dir[128], bak[128], err[256];
    store *s = NULL, *b = NULL;
    struct store_report r;
    struct store_cert c;
    int i;

    make_tmp(tmp, sizeof tmp);
    sub(dir, sizeof dir, tmp, "db");
    sub(bak, sizeof bak, tmp, "backup");
    CHECK_INT(store_open(dir, STORE_CREATE, &s, err, sizeof err), 0);
    for (i = 0; i < 5; i++) {
        make_cert(&c, "440120230100000000", "440103199001011237", i % 2 ? "E1" : "E2");
        c.exam_id[1] = (char)('0' + i);
        CHECK_INT(store_write(s, issue_numbered, &c), 0);
    }
    CHECK_INT(store_check(s, &r), 0);
    CHECK_INT(r.problems, 0);
    CHECK_INT(r.certs, 5);
    CHECK_INT(r.pdfs, 5);
    CHECK_INT(r.audit_entries, 5);

    CHECK_INT(store_backup(s, bak, err, sizeof err), 0);
    CHECK_INT(store_backup(s, bak, err, sizeof err), STORE_EBUSY);
    CHECK(strstr(err, "backup") != NULL);
    CHECK_INT(store_open(bak, 0, &b, err, sizeof err), 0);
    CHECK_INT(store_check(b, &r), 0);
    CHECK_INT(r.problems, 0);
    CHECK_INT(r.certs, 5);
    CHECK_INT(r.audit_entries, 5);
    store_close(b);

    CHECK_INT(store_write(s, del_pdf, "440120230100000020"), 0);
    CHECK_INT(store_check(s, &r), 0);
    CHECK_INT(r.problems, 1);
    CHECK_STR(r.first[0], "certificate 440120230100000020 has no pdf");
    CHECK_INT(store_write(s, lower_counter, NULL), 0);
    CHECK_INT(store_write(s, dangling_holder, NULL), 0);
    CHECK_INT(store_check(s, &r), 0);
    CHECK_INT(r.problems, 3);
    CHECK(strstr(r.first[1], "below issued serial 5") != NULL);
    CHECK_STR(r.first[2], "holder entry points at missing certificate 440120230100000099");
    for (i = 0; i < 3; i++) /* no personal data in the report */
        CHECK(strstr(r.first[i], "440103199001011237") == NULL);
    store_close(s);
    jp_remove_tree(tmp);
}

/* The mode bits of path, or -1 when it cannot be read. */
static int mode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* A backup is 0700 / 0600 whatever the umask; check names a store file others may read. */
static void test_private_modes(void)
{
    char tmp[64], dir[128], bak[128], bak2[128], path[160], err[256];
    struct store_report r;
    store *s = NULL;
    mode_t old;

    make_tmp(tmp, sizeof tmp);
    sub(dir, sizeof dir, tmp, "db");
    sub(bak, sizeof bak, tmp, "backup");
    sub(bak2, sizeof bak2, tmp, "backup2");
    CHECK_INT(store_open(dir, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK_INT(store_check(s, &r), 0);
    CHECK_INT(r.problems, 0);

    old = umask(0);
    CHECK_INT(store_backup(s, bak, err, sizeof err), 0);
    CHECK_INT(mode_of(bak), 0700);
    sub(path, sizeof path, bak, "data.mdb");
    CHECK_INT(mode_of(path), 0600);
    CHECK_INT(mkdir(bak2, 0755), 0); /* an empty directory of another mode is taken and closed */
    CHECK_INT(store_backup(s, bak2, err, sizeof err), 0);
    CHECK_INT(mode_of(bak2), 0700);
    sub(path, sizeof path, bak2, "data.mdb");
    CHECK_INT(mode_of(path), 0600);
    umask(old);

    sub(path, sizeof path, dir, "data.mdb");
    CHECK_INT(chmod(path, 0644), 0);
    CHECK_INT(chmod(dir, 0750), 0);
    CHECK_INT(store_check(s, &r), 0);
    CHECK_INT(r.problems, 2);
    CHECK_STR(r.first[0], "store directory has mode 0750: group or others may read it (want 0700)");
    CHECK_STR(r.first[1],
              "store file data.mdb has mode 0644: group or others may read it (want 0600)");
    sub(path, sizeof path, dir, "lock.mdb");
    CHECK_INT(chmod(path, 0604), 0);
    CHECK_INT(store_check(s, &r), 0);
    CHECK_INT(r.problems, 3);
    CHECK_STR(r.first[2],
              "store file lock.mdb has mode 0604: group or others may read it (want 0600)");
    store_close(s);
    jp_remove_tree(tmp);
}

int main(void)
{
    test_open_close_reopen();
    test_schema_refusal();
    test_rdonly();
    test_kv_and_cursors();
    test_put_new_and_del();
    test_certs_and_indexes();
    test_serials();
    test_map_growth();
    test_backup_and_check();
    test_private_modes();
    return CHECK_DONE();
}
