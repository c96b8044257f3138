/*
 * bench_fill.c - builds a large certificate store for the verifier benchmark
 * and measures lookups by number in it.
 *
 * Issuing a million real certificates (about 80 KB of signed PDF each) fits
 * neither this machine's disk nor its time, so this program writes certificate
 * RECORDS only: valid numbers (drawn with store_next_serial, so they never
 * collide with certificates the issuer adds later), valid e-licence
 * identifiers, valid citizen ID numbers, the holder and intake indexes and one
 * "issue" audit entry each, exactly as the issuer fills them, but no PDF and
 * no photo. The store is the one of a home made by `jianpei-issuer init`;
 * its configuration gives province, cities, positions and authority, its keys
 * the signing key id. Record g (counted from the certificates already in the
 * store, so a second fill adds new holders) gets a distinct citizen ID number.
 * `jianpei-issuer check` reports each record's missing PDF and, in a home
 * with SM2 keys, its missing OFD: true of these records, and expected. All
 * personal data is synthetic.
 *
 *   bench_fill --home H --count N [--batch B] [--issue-date YYYY-MM-DD]
 *   bench_fill --home H --lookup [--samples K] [--hot M] [--seed S]
 *   bench_fill --home H --list K [--seed S]
 *
 * --lookup reads every number of the store, then times K random
 * store_cert_get calls: each in a read transaction of its own, each through
 * one handle renewed and reset per lookup (what a verifier worker thread does
 * per request), and all in one read transaction (the B-tree walk and decode
 * alone); wall-clock and CPU nanoseconds per lookup. --hot M draws the K
 * lookups from M numbers picked once (the same working set in a store of any
 * size). --list prints K random existing numbers, one a line.
 */
#include "config.h"
#include "ident.h"
#include "keys.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BENCH_PATH_MAX 4096
#define BENCH_ERR_SIZE 512
#define BENCH_COUNT_MAX 20000000ul    /* bound on --count and on numbers read back */
#define BENCH_BATCH_MAX 100000ul      /* bound on --batch (records per transaction) */
#define BENCH_SAMPLES_MAX 50000000ul  /* bound on --samples and --list */
#define BENCH_DAYS_SPAN 14600u        /* birth dates spread over 40 years */
#define BENCH_BIRTH_BASE (-252460800) /* 1962-01-01T00:00:00Z, first birth date */
#define CHINA_UTC_OFFSET (8 * 3600)

/* Everything a fill run needs, read once from the home. */
struct fill {
    struct jp_config cfg;                /* the home's configuration */
    unsigned char kid[STORE_KEY_ID_LEN]; /* active signing key id */
    char issue_date[IDENT_DATE_SIZE];    /* YYYY-MM-DD of every record */
    int year;                            /* of issue_date */
    uint64_t first;                      /* index of the batch's first record */
    unsigned long n;                     /* records in the batch */
    struct store_cert cert;              /* scratch record */
    char err[BENCH_ERR_SIZE];            /* reason of a failure inside a transaction */
};

/* The numbers of a store, read back for lookups. */
struct numbers {
    char (*no)[IDENT_CERTNO_SIZE]; /* owned; n entries */
    size_t n;                      /* entries in use */
};

static const char *const bench_areas[] = {"440103", "440104", "440106", "440303",
                                          "440304", "440604", "441900", "440402"};
static const char *const bench_surnames[] = {"张", "王", "李", "赵", "陈", "刘", "杨", "黄",
                                             "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
static const char *const bench_given[] = {"伟",   "芳",   "娜",   "秀英", "敏", "静",
                                          "丽",   "强",   "磊",   "军",   "洋", "勇",
                                          "三丰", "子轩", "梓涵", "一诺", "堃", "喆"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_fill --home H --count N [--batch B] [--issue-date YYYY-MM-DD]\n"
               "       bench_fill --home H --lookup [--samples K] [--hot M] [--seed S]\n"
               "       bench_fill --home H --list K [--seed S]\n"
               "\n"
               "Writes N synthetic certificate records (no PDFs) into HOME/store in\n"
               "transactions of B records (default 10000), or times K random lookups by\n"
               "number (default 1000000; with --hot, drawn from M numbers picked at random\n"
               "once), or prints K random existing numbers.\n");
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: steadier than the wall clock on a shared machine. */
static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: a fast reproducible generator; state must not be 0. */
static uint64_t rand_next(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* ---------------------------------------------------------------- fill */

/* The active signing key id of HOME/keys (public data only). */
static int load_kid(const char *home, unsigned char kid[STORE_KEY_ID_LEN], char *err, size_t errlen)
{
    struct keys_info info[KEYS_MAX_SIGNING];
    char dir[BENCH_PATH_MAX];
    keys_t *k = NULL;
    size_t n = 0;
    int rc;

    rc = jp_path_join(dir, sizeof dir, home, "keys");
    if (rc != 0)
        goto out;
    rc = keys_open(dir, KEYS_PUBLIC_ONLY, NULL, 0, &k, err, errlen);
    if (rc != 0)
        goto out;
    rc = keys_list(k, info, KEYS_MAX_SIGNING, &n);
    if (rc != 0)
        goto out_close_keys;
    rc = KEYS_E_NO_ACTIVE_KEY;
    for (size_t i = 0; i < n && rc != 0; i++)
        if (info[i].state == KEYS_ACTIVE)
            rc = jp_hex_decode(info[i].kid, kid, STORE_KEY_ID_LEN);
    if (rc != 0)
        snprintf(err, errlen, "keys: no active signing key");
out_close_keys:
    keys_close(k);
out:
    return rc;
}

/* A valid citizen ID number, distinct for every index below 8 * 14600 * 1000. */
static int synth_id_number(uint64_t g, char out[IDENT_CITIZEN_ID_LEN + 1])
{
    struct ident_date birth;
    char d17[18];
    int64_t secs = BENCH_BIRTH_BASE + (int64_t)(g % BENCH_DAYS_SPAN) * 86400;
    unsigned seq = (unsigned)((g / BENCH_DAYS_SPAN) % 1000u);
    const char *area = bench_areas[(g / BENCH_DAYS_SPAN / 1000u) % COUNT_OF(bench_areas)];
    int rc = ident_date_from_unix(secs, 0, &birth);
    int n;

    if (rc != 0)
        return rc;
    n = snprintf(d17, sizeof d17, "%s%04d%02d%02d%03u", area, birth.year, birth.month, birth.day,
                 seq);
    if (n < 0 || (size_t)n != sizeof d17 - 1)
        return EOVERFLOW;
    memcpy(out, d17, 17);
    out[17] = ident_mod11_2(d17);
    out[18] = '\0';
    return 0;
}

/* Holder, institution and exam fields of record g (everything but the number). */
static int synth_person(const struct fill *f, uint64_t g, const char *city, struct store_cert *c)
{
    char name[64];
    int n, rc;

    n = snprintf(name, sizeof name, "%s%s", bench_surnames[g % COUNT_OF(bench_surnames)],
                 bench_given[(g / 7) % COUNT_OF(bench_given)]);
    if (n < 0 || (size_t)n >= sizeof name)
        return EOVERFLOW;
    rc = store_text_set(c->holder_name, sizeof c->holder_name, name);
    if (rc == 0)
        rc = store_text_set(c->gender, sizeof c->gender, g % 5 < 3 ? "男" : "女");
    if (rc == 0)
        rc = store_text_set(c->id_type, sizeof c->id_type, IDENT_ID_TYPE_CITIZEN);
    if (rc == 0)
        rc = synth_id_number(g, c->id_number);
    if (rc == 0)
        rc = store_text_set(c->authority_name, sizeof c->authority_name, f->cfg.authority);
    if (rc != 0)
        return rc;
    n = snprintf(c->institution_code, sizeof c->institution_code, "GD%s01", city);
    if (n < 0 || (size_t)n >= sizeof c->institution_code)
        return EOVERFLOW;
    n = snprintf(c->institution_name, sizeof c->institution_name, "%s建设职业培训学校",
                 jp_config_city(&f->cfg, city));
    if (n < 0 || (size_t)n >= sizeof c->institution_name)
        return EOVERFLOW;
    n = snprintf(c->exam_id, sizeof c->exam_id, "T%d-%s-%05lu", f->year, c->institution_code,
                 (unsigned long)(g / 200));
    if (n < 0 || (size_t)n >= sizeof c->exam_id)
        return EOVERFLOW;
    memcpy(c->exam_date, f->issue_date, sizeof c->exam_date);
    c->score_tenths = (uint16_t)(600 + g % 401);
    return 0;
}

/* Numbers record g (city and position spread over the catalogue) and fills the rest. */
static int synth_cert(struct fill *f, store_txn *txn, uint64_t g)
{
    struct store_cert *c = &f->cert;
    const char *city = f->cfg.cities[g % f->cfg.ncities].code;
    const char *pos = f->cfg.positions[(g / f->cfg.ncities) % f->cfg.npositions].code;
    char prefix[11], why[IDENT_WHY_SIZE];
    uint32_t serial;
    int n, rc;

    n = snprintf(prefix, sizeof prefix, "%s%s%04d%s", f->cfg.province, city, f->year, pos);
    if (n < 0 || (size_t)n >= sizeof prefix)
        return EOVERFLOW;
    rc = store_next_serial(txn, prefix, &serial);
    if (rc != 0)
        return rc;
    memset(c, 0, sizeof *c);
    rc = ident_certno_make(f->cfg.province, city, f->year, pos, serial, c->certificate_no,
                           sizeof c->certificate_no, why, sizeof why);
    if (rc == 0)
        rc =
            ident_elicence_make(f->cfg.elicence_type_code, f->cfg.authority_uscc, c->certificate_no,
                                1, c->elicence_id, sizeof c->elicence_id, why, sizeof why);
    if (rc != 0) {
        snprintf(f->err, sizeof f->err, "record %llu: %s", (unsigned long long)g, why);
        return STORE_EINVAL;
    }
    c->file_version = 1;
    c->status = STORE_STATUS_VALID;
    memcpy(c->position_code, pos, sizeof c->position_code);
    memcpy(c->issue_date, f->issue_date, sizeof c->issue_date);
    memcpy(c->city, city, sizeof c->city);
    memcpy(c->key_id, f->kid, sizeof c->key_id);
    c->issued_at = (int64_t)time(NULL);
    return synth_person(f, g, city, c);
}

/* Stores the scratch record as the issuer's put_job does, less PDF and photo. */
static int put_cert(const struct fill *f, store_txn *txn)
{
    const struct store_cert *c = &f->cert;
    struct store_audit_entry e;
    int rc;

    rc = store_cert_put(txn, c);
    if (rc == 0)
        rc = store_intake_put(txn, c->id_number, c->position_code, c->exam_id, c->certificate_no);
    if (rc != 0)
        return rc;
    memset(&e, 0, sizeof e);
    e.time = c->issued_at;
    snprintf(e.action, sizeof e.action, "issue");
    memcpy(e.certificate_no, c->certificate_no, sizeof e.certificate_no);
    snprintf(e.actor, sizeof e.actor, "bench_fill");
    snprintf(e.detail, sizeof e.detail, "synthetic record without pdf, position %s",
             c->position_code);
    return store_audit_append(txn, &e);
}

/* store_write callback: one batch. Reruns from scratch after a map resize. */
static int fill_batch_txn(store_txn *txn, void *arg)
{
    struct fill *f = arg;
    int rc = 0;

    for (unsigned long i = 0; rc == 0 && i < f->n; i++) {
        rc = synth_cert(f, txn, f->first + i);
        if (rc == 0)
            rc = put_cert(f, txn);
    }
    return rc;
}

/* Reads the configuration and key id, and checks the issue date. */
static int fill_setup(struct fill *f, const char *home, const char *issue_date, char *err,
                      size_t errlen)
{
    struct ident_date d;
    char why[IDENT_WHY_SIZE];
    int rc;

    rc = jp_config_load(home, &f->cfg, err, errlen);
    if (rc == 0 && (f->cfg.ncities == 0 || f->cfg.npositions == 0)) {
        snprintf(err, errlen, "%s: configuration has no cities or no positions", home);
        rc = EINVAL;
    }
    if (rc == 0)
        rc = load_kid(home, f->kid, err, errlen);
    if (rc != 0)
        return rc;
    rc = ident_date_parse(issue_date, strlen(issue_date), &d, why, sizeof why);
    if (rc != 0) {
        snprintf(err, errlen, "issue date: %s", why);
        return rc;
    }
    f->year = d.year;
    return ident_date_format(&d, f->issue_date, sizeof f->issue_date);
}

static int open_store(const char *home, unsigned flags, store **out, char *err, size_t errlen)
{
    char dir[BENCH_PATH_MAX];
    int rc = jp_path_join(dir, sizeof dir, home, "store");

    if (rc != 0) {
        snprintf(err, errlen, "%s: home path too long", home);
        return rc;
    }
    return store_open(dir, flags, out, err, errlen);
}

/* Size of HOME/store/data.mdb in bytes, 0 when it cannot be read. */
static unsigned long long store_file_size(const char *home)
{
    char path[BENCH_PATH_MAX];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/store/data.mdb", home);

    if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) != 0)
        return 0;
    return (unsigned long long)st.st_blocks * 512ull;
}

/*
 * Walks the certificate numbers of txn in key order and counts them into *n;
 * with nb, also copies each into nb until it holds max (STORE_ECORRUPT for a
 * key that is no certificate number).
 */
static int scan_numbers(store_txn *txn, struct numbers *nb, size_t max, size_t *n)
{
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = store_cursor_open(txn, STORE_DB_CERTS, &c);

    *n = 0;
    if (rc != 0)
        return rc;
    for (rc = store_cursor_first(c, &k, &kl, &v, &vl); rc == 0 && (nb == NULL || nb->n < max);
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        (*n)++;
        if (nb == NULL)
            continue;
        if (kl != STORE_CERT_NO_LEN) {
            rc = STORE_ECORRUPT;
            break;
        }
        memcpy(nb->no[nb->n], k, STORE_CERT_NO_LEN);
        nb->no[nb->n][STORE_CERT_NO_LEN] = '\0';
        nb->n++;
    }
    store_cursor_close(c);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* Counts the certificates of the store in a read transaction of its own. */
static int count_store(store *s, size_t *n)
{
    store_txn *txn = NULL;
    int rc = store_read_begin(s, &txn);

    *n = 0;
    if (rc != 0)
        return rc;
    rc = scan_numbers(txn, NULL, 0, n);
    store_read_end(txn);
    return rc;
}

static int run_fill(const char *home, unsigned long count, unsigned long batch,
                    const char *issue_date, char *err, size_t errlen)
{
    struct fill *f = NULL;
    store *s = NULL;
    size_t base = 0;
    double t0;
    int rc;

    f = calloc(1, sizeof *f);
    if (f == NULL)
        return ENOMEM;
    rc = fill_setup(f, home, issue_date, err, errlen);
    if (rc != 0)
        goto out_free_fill;
    rc = open_store(home, 0, &s, err, errlen);
    if (rc != 0)
        goto out_free_fill;
    rc = count_store(s, &base);
    t0 = now_seconds();
    for (unsigned long done = 0; rc == 0 && done < count; done += f->n) {
        f->first = base + done;
        f->n = count - done < batch ? count - done : batch;
        rc = store_write(s, fill_batch_txn, f);
        if (rc == 0)
            rc = store_release_pages(s);
        if (rc == 0 && (done + f->n) % 100000 == 0)
            fprintf(stderr, "bench_fill: %lu records\n", done + f->n);
    }
    if (rc != 0) {
        int n = snprintf(err, errlen, "cannot fill the store: %s%s%s", store_strerror(rc),
                         f->err[0] ? ": " : "", f->err);
        if (n < 0 || (size_t)n >= errlen)
            snprintf(err, errlen, "cannot fill the store: %s", store_strerror(rc));
        goto out_close_store;
    }
    printf("filled=%lu seconds=%.2f rate=%.0f/s data_mdb_bytes=%llu\n", count, now_seconds() - t0,
           (double)count / (now_seconds() - t0), store_file_size(home));
out_close_store:
    store_close(s);
out_free_fill:
    free(f);
    return rc;
}

/* -------------------------------------------------------------- lookups */

static void numbers_free(struct numbers *nb)
{
    free(nb->no);
    nb->no = NULL;
    nb->n = 0;
}

/* Reads every certificate number of the store into nb (caller frees with numbers_free). */
static int read_numbers(store *s, struct numbers *nb)
{
    store_txn *txn = NULL;
    size_t total = 0, copied = 0;
    int rc = store_read_begin(s, &txn);

    if (rc != 0)
        return rc;
    rc = scan_numbers(txn, NULL, 0, &total);
    if (rc == 0 && (total == 0 || total > BENCH_COUNT_MAX))
        rc = total == 0 ? STORE_ENOTFOUND : EFBIG;
    if (rc != 0)
        goto out_end_txn;
    nb->no = calloc(total, sizeof *nb->no);
    if (nb->no == NULL) {
        rc = ENOMEM;
        goto out_end_txn;
    }
    rc = scan_numbers(txn, nb, total, &copied);
    if (rc != 0)
        numbers_free(nb);
out_end_txn:
    store_read_end(txn);
    return rc;
}

/* How time_lookups reads: a read transaction per lookup, one handle renewed
 * per lookup (as a verifier worker thread does), or one transaction for all. */
enum lookup_mode { LOOKUP_OWN_TXN, LOOKUP_RENEW, LOOKUP_ONE_TXN };

/* One lookup in a read transaction of its own. */
static int lookup_own_txn(store *s, const char *no, struct store_cert *out)
{
    store_txn *txn = NULL;
    int rc = store_read_begin(s, &txn);

    if (rc != 0)
        return rc;
    rc = store_cert_get(txn, no, out);
    store_read_end(txn);
    return rc;
}

/* One lookup as a verifier request makes it: *txn renewed, then reset. */
static int lookup_renew(store *s, store_txn **txn, const char *no, struct store_cert *out)
{
    int rc = store_read_renew(s, txn);

    if (rc != 0)
        return rc;
    rc = store_cert_get(*txn, no, out);
    store_read_reset(*txn);
    return rc;
}

static int lookup_one(store *s, store_txn **txn, enum lookup_mode mode, const char *no,
                      struct store_cert *out)
{
    if (mode == LOOKUP_OWN_TXN)
        return lookup_own_txn(s, no, out);
    if (mode == LOOKUP_RENEW)
        return lookup_renew(s, txn, no, out);
    return store_cert_get(*txn, no, out);
}

/* Mean time per lookup: wall and CPU nanoseconds. */
struct lookup_time {
    double ns;     /* wall clock */
    double cpu_ns; /* CPU time of the process (user + system) */
};

/* Times k lookups of the numbers nb->no[idx[i]] read as mode says into *t. */
static int time_lookups(store *s, const struct numbers *nb, const uint32_t *idx, size_t k,
                        enum lookup_mode mode, struct lookup_time *t)
{
    struct store_cert cert;
    store_txn *txn = NULL;
    double t0, c0;
    int rc = mode == LOOKUP_ONE_TXN ? store_read_begin(s, &txn) : 0;

    t0 = now_seconds();
    c0 = cpu_seconds();
    for (size_t i = 0; rc == 0 && i < k; i++) {
        const char *no = nb->no[idx[i]];
        rc = lookup_one(s, &txn, mode, no, &cert);
        if (rc == 0 && memcmp(cert.certificate_no, no, STORE_CERT_NO_LEN) != 0)
            rc = STORE_ECORRUPT;
    }
    t->cpu_ns = (cpu_seconds() - c0) * 1e9 / (double)k;
    t->ns = (now_seconds() - t0) * 1e9 / (double)k;
    store_read_end(txn);
    return rc;
}

/* Fills idx[k] with random indexes below n, drawn from hot of them picked once (0: all). */
static int draw_indexes(uint32_t *idx, size_t k, size_t n, size_t hot, uint64_t *seed)
{
    uint32_t *pool = hot > 0 ? calloc(hot, sizeof *pool) : NULL;

    if (hot > 0 && pool == NULL)
        return ENOMEM;
    for (size_t i = 0; i < hot; i++)
        pool[i] = (uint32_t)(rand_next(seed) % n);
    for (size_t i = 0; i < k; i++)
        idx[i] = hot > 0 ? pool[rand_next(seed) % hot] : (uint32_t)(rand_next(seed) % n);
    free(pool);
    return 0;
}

static int run_lookup(const char *home, size_t samples, size_t hot, uint64_t seed, char *err,
                      size_t errlen)
{
    struct numbers nb = {NULL, 0};
    uint32_t *idx = NULL;
    store *s = NULL;
    struct lookup_time warm, own, renew, one;
    int rc = open_store(home, STORE_RDONLY, &s, err, errlen);

    if (rc != 0)
        goto out;
    rc = read_numbers(s, &nb);
    if (rc != 0)
        goto out_close_store;
    idx = calloc(samples, sizeof *idx);
    if (idx == NULL) {
        rc = ENOMEM;
        goto out_free_numbers;
    }
    rc = draw_indexes(idx, samples, nb.n, hot, &seed);
    if (rc == 0)
        rc = time_lookups(s, &nb, idx, samples, LOOKUP_ONE_TXN, &warm);
    if (rc == 0)
        rc = time_lookups(s, &nb, idx, samples, LOOKUP_OWN_TXN, &own);
    if (rc == 0)
        rc = time_lookups(s, &nb, idx, samples, LOOKUP_RENEW, &renew);
    if (rc == 0)
        rc = time_lookups(s, &nb, idx, samples, LOOKUP_ONE_TXN, &one);
    if (rc == 0)
        printf("records=%zu lookups=%zu ns_per_lookup_own_txn=%.0f ns_per_lookup_one_txn=%.0f "
               "ns_per_lookup_first_pass=%.0f cpu_ns_own_txn=%.0f cpu_ns_renew=%.0f "
               "cpu_ns_one_txn=%.0f hot=%zu\n",
               nb.n, samples, own.ns, one.ns, warm.ns, own.cpu_ns, renew.cpu_ns, one.cpu_ns, hot);
    else
        snprintf(err, errlen, "lookup failed: %s", store_strerror(rc));
    free(idx);
out_free_numbers:
    numbers_free(&nb);
out_close_store:
    store_close(s);
out:
    return rc;
}

static int run_list(const char *home, size_t k, uint64_t seed, char *err, size_t errlen)
{
    struct numbers nb = {NULL, 0};
    store *s = NULL;
    int rc = open_store(home, STORE_RDONLY, &s, err, errlen);

    if (rc != 0)
        goto out;
    rc = read_numbers(s, &nb);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read the numbers: %s", store_strerror(rc));
        goto out_close_store;
    }
    for (size_t i = 0; i < k; i++)
        printf("%s\n", nb.no[rand_next(&seed) % nb.n]);
    numbers_free(&nb);
out_close_store:
    store_close(s);
out:
    return rc;
}

/* ----------------------------------------------------------------- main */

struct args {
    const char *home;       /* --home */
    const char *issue_date; /* --issue-date */
    unsigned long count;    /* --count, 0 = not a fill */
    unsigned long batch;    /* --batch */
    unsigned long samples;  /* --samples */
    unsigned long hot;      /* --hot, 0 = draw from every number */
    unsigned long list;     /* --list, 0 = not a list */
    unsigned long seed;     /* --seed */
    int lookup;             /* --lookup */
};

/* Parses a decimal in 1..max; 0 when it is not one. */
static unsigned long parse_count(const char *s, unsigned long max)
{
    char *end = NULL;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 || v > max)
        return 0;
    return v;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--lookup") == 0) {
            a->lookup = 1;
            continue;
        }
        if (val == NULL)
            return 2;
        i++;
        if (strcmp(opt, "--home") == 0)
            a->home = val;
        else if (strcmp(opt, "--issue-date") == 0)
            a->issue_date = val;
        else if (strcmp(opt, "--count") == 0)
            a->count = parse_count(val, BENCH_COUNT_MAX);
        else if (strcmp(opt, "--batch") == 0)
            a->batch = parse_count(val, BENCH_BATCH_MAX);
        else if (strcmp(opt, "--samples") == 0)
            a->samples = parse_count(val, BENCH_SAMPLES_MAX);
        else if (strcmp(opt, "--hot") == 0) {
            a->hot = parse_count(val, BENCH_SAMPLES_MAX);
            if (a->hot == 0)
                return 2; /* 0 would mean every number */
        } else if (strcmp(opt, "--list") == 0)
            a->list = parse_count(val, BENCH_SAMPLES_MAX);
        else if (strcmp(opt, "--seed") == 0)
            a->seed = parse_count(val, ~0ul);
        else
            return 2;
    }
    if (a->home == NULL || a->batch == 0 || a->samples == 0 || a->seed == 0)
        return 2;
    return (a->count != 0) + a->lookup + (a->list != 0) == 1 ? 0 : 2;
}

int main(int argc, char **argv)
{
    struct args a = {NULL, "2025-06-20", 0, 10000, 1000000, 0, 0, 1, 0};
    char err[BENCH_ERR_SIZE] = "";
    int rc;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (parse_args(argc, argv, &a) != 0) {
        usage(stderr);
        return 2;
    }
    if (a.count != 0)
        rc = run_fill(a.home, a.count, a.batch, a.issue_date, err, sizeof err);
    else if (a.lookup)
        rc = run_lookup(a.home, a.samples, a.hot, a.seed, err, sizeof err);
    else
        rc = run_list(a.home, a.list, a.seed, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "bench_fill: %s\n", err[0] ? err : store_strerror(rc));
        return 3;
    }
    return 0;
}
