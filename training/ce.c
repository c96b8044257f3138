/*
 * ce.c - continuing education (继续教育, SPEC §9): the ledger of hours per
 * holder and year counted from the certificate's issue date, the standing
 * rule (32 hours in each completed year, 64 over each two), and the list of
 * certificates of the issuer's store that must lapse, in the format
 * `jianpei-issuer apply-status --input FILE` reads.
 */
#include "tr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CE_KEY_MAX (IDENT_ID_SIZE + 2)
#define CE_TENTHS_MAX 10000 /* one entry: at most 1000 hours */

/* Key of a ledger entry: id_number, NUL, year as u16 big-endian. Returns its length. */
static size_t ce_key(unsigned char key[CE_KEY_MAX], const char *id, int year)
{
    size_t n = strlen(id);

    memcpy(key, id, n + 1);
    key[n + 1] = (unsigned char)(year >> 8);
    key[n + 2] = (unsigned char)(year & 0xff);
    return n + 3;
}

/* Hours (tenths) of a holder in a year; 0 when none are recorded. */
int tr_ce_get(store_txn *txn, const char *id, int year, uint64_t *tenths)
{
    unsigned char key[CE_KEY_MAX];
    struct tr_field f[] = {{1, TR_U64, tenths, 0, NULL}};
    int rc;

    *tenths = 0;
    rc = tr_get(txn, TR_DB_CE, key, ce_key(key, id, year), f, 1);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* ------------------------------------------------------------- record */

struct ce_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const struct training_ce *v;
    size_t n;
};

static int ce_record_txn(store_txn *txn, void *arg)
{
    struct ce_op *op = arg;
    unsigned char key[CE_KEY_MAX];
    uint64_t tenths = 0;
    struct tr_field f[] = {{1, TR_U64, &tenths, 0, NULL}};
    struct tr_inst in;
    int rc = 0;

    if (op->r.a->role == TRAINING_INST)
        rc = tr_need_inst(txn, op->r.a, &in, op->r.why, op->r.whylen);
    for (size_t i = 0; rc == 0 && i < op->n; i++) {
        rc = tr_ce_get(txn, op->v[i].id_number, op->v[i].year, &tenths);
        tenths += (uint64_t)op->v[i].tenths;
        if (rc == 0)
            rc =
                tr_put(txn, TR_DB_CE, key, ce_key(key, op->v[i].id_number, op->v[i].year), f, 1, 0);
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "ce record", "%zu entries", op->n);
    return rc;
}

static int ce_entry_ok(const struct training_ce *e, size_t line, char *why, size_t whylen)
{
    size_t n = strnlen(e->id_number, IDENT_ID_SIZE);

    if (n < 1 || n >= IDENT_ID_SIZE) {
        jp_errf(why, whylen,
                "entry %zu: id_number: must be 1-32 "
                "characters",
                line);
        return TRAINING_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (e->id_number[i] <= 0x20 || e->id_number[i] >= 0x7f ||
            (i == n - 1 && n == IDENT_CITIZEN_ID_LEN && e->id_number[i] == 'x')) {
            jp_errf(why, whylen, "entry %zu: id_number: character %zu is not allowed", line, i + 1);
            return TRAINING_EINVAL;
        }
    if (e->year < 1 || e->year > TRAINING_CE_YEARS) {
        jp_errf(why, whylen, "entry %zu: year: must be 1-%d", line, TRAINING_CE_YEARS);
        return TRAINING_EINVAL;
    }
    if (e->tenths < 1 || e->tenths > CE_TENTHS_MAX) {
        jp_errf(why, whylen, "entry %zu: hours: must be 0.1-%d", line, CE_TENTHS_MAX / 10);
        return TRAINING_EINVAL;
    }
    return 0;
}

int training_ce_record(training *t, const struct training_actor *a, const struct training_ce *v,
                       size_t n, char *why, size_t whylen)
{
    struct ce_op op = {.r = {.a = a, .why = why, .whylen = whylen}, .v = v, .n = n};
    int rc = 0;

    if (a->role == TRAINING_CITY) {
        jp_errf(why, whylen, "actor: only the province or an institution records hours");
        rc = TRAINING_EREMIT;
    }
    if (rc == 0 && (n < 1 || n > 100000)) {
        jp_errf(why, whylen, "entries: must be 1-100000");
        rc = TRAINING_EINVAL;
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = ce_entry_ok(&v[i], i + 1, why, whylen);
    if (rc == 0)
        rc = store_write(t->st, ce_record_txn, &op);
    return rc;
}

/* ----------------------------------------------------------- standing */

/* "20" or "20.5" into out[32] (a long always fits). */
static void hours_text(long tenths, char out[32])
{
    if (tenths % 10 == 0)
        jp_strf(out, 32, "%ld", tenths / 10);
    else
        jp_strf(out, 32, "%ld.%ld", tenths / 10, tenths % 10);
}

int training_ce_standing(const struct ident_date *issued, const struct ident_date *as_of,
                         const int *tenths, size_t nyears, char *reason, size_t reasonlen)
{
    char h[32];
    int done, status = 0;
    long prev = 0, cur;

    if (!ident_date_valid(issued) || !ident_date_valid(as_of))
        return -1;
    done = ident_date_cmp(as_of, issued) < 0 ? 0 : ident_age_on(issued, as_of);
    if (done > TRAINING_CE_YEARS)
        done = TRAINING_CE_YEARS;
    for (int k = 1; status == 0 && k <= done; k++) {
        cur = (size_t)k <= nyears ? tenths[k - 1] : 0;
        if (cur < TRAINING_CE_YEAR_TENTHS) {
            hours_text(cur, h);
            status = jp_strf(reason, reasonlen, "continuing education: %s of %d hours in year %d",
                             h, TRAINING_CE_YEAR_TENTHS / 10, k) == 0
                         ? 1
                         : -1;
        } else if (k >= 2 && prev + cur < TRAINING_CE_PAIR_TENTHS) {
            hours_text(prev + cur, h);
            status =
                jp_strf(reason, reasonlen, "continuing education: %s of %d hours in years %d-%d", h,
                        TRAINING_CE_PAIR_TENTHS / 10, k - 1, k) == 0
                    ? 1
                    : -1;
        }
        prev = cur;
    }
    return status;
}

/* ------------------------------------------------------------- lapses */

/* Appends the lapse line of cert to out when the ledger says it must lapse. */
static int cert_standing(store_txn *tt, const struct store_cert *cert,
                         const struct ident_date *as_of, void *ctx, struct jp_buf *out,
                         size_t *count)
{
    int tenths[TRAINING_CE_YEARS];
    struct ident_date issued;
    char reason[128];
    uint64_t v = 0;
    int rc, st, span;

    (void)ctx;
    if (ident_date_parse(cert->issue_date, strlen(cert->issue_date), &issued, NULL, 0) != 0)
        return STORE_ECORRUPT;
    /* Only years that can be complete by as_of are read (at most its year span). */
    span = as_of->year - issued.year;
    span = span < 0 ? 0 : span > TRAINING_CE_YEARS ? TRAINING_CE_YEARS : span;
    for (int k = 1; k <= span; k++) {
        rc = tr_ce_get(tt, cert->id_number, k, &v);
        if (rc != 0)
            return rc;
        tenths[k - 1] = v > 100000 ? 100000 : (int)v;
    }
    st = training_ce_standing(&issued, as_of, tenths, (size_t)span, reason, sizeof reason);
    if (st != 1)
        return st < 0 ? STORE_ECORRUPT : 0;
    (*count)++;
    return jp_buf_printf(out,
                         "{\"certificate_no\":\"%s\",\"action\":\"lapse\",\"reason\":\"%s\"}\n",
                         cert->certificate_no, reason);
}

/* Walks the issuer's VALID certificates (read-only), calling each on the ledger. */
int tr_ce_scan(training *t, const struct ident_date *as_of, tr_ce_each each, void *ctx,
               struct jp_buf *out, size_t *count, char *why, size_t whylen)
{
    char path[TR_PATH_MAX], err[256] = "";
    struct store_cert cert;
    store *is = NULL;
    store_txn *it = NULL, *tt = NULL;
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = jp_path_join(path, sizeof path, t->home, JP_HOME_STORE);

    if (rc == 0)
        rc = store_open(path, STORE_RDONLY, &is, err, sizeof err);
    if (rc != 0) {
        jp_errf(why, whylen, "issuer store: %s", err[0] ? err : store_strerror(rc));
        goto out;
    }
    rc = store_read_begin(is, &it);
    if (rc != 0)
        goto out_close;
    rc = store_read_begin(t->st, &tt);
    if (rc != 0)
        goto out_end_it;
    rc = store_cursor_open(it, STORE_DB_CERTS, &c);
    for (rc = rc != 0 ? rc : store_cursor_first(c, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        rc = store_cert_decode(v, vl, &cert);
        if (rc == 0 && cert.status == STORE_STATUS_VALID)
            rc = each(tt, &cert, as_of, ctx, out, count);
        if (rc != 0)
            break;
    }
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    store_cursor_close(c);
    store_read_end(tt);
out_end_it:
    store_read_end(it);
out_close:
    store_close(is);
out:
    return rc;
}

struct lapses_audit {
    const struct training_actor *a;
    char detail[96];
};

static int lapses_audit_txn(store_txn *txn, void *arg)
{
    struct lapses_audit *la = arg;

    return tr_audit(txn, la->a, "ce lapses", la->detail);
}

int training_ce_lapses(training *t, const struct training_actor *a, const struct ident_date *as_of,
                       struct jp_buf *out, size_t *count, char *why, size_t whylen)
{
    struct lapses_audit la = {.a = a};
    char date[IDENT_DATE_SIZE] = "";
    int rc = tr_need_province(a, why, whylen);

    *count = 0;
    if (rc == 0 && !ident_date_valid(as_of)) {
        jp_errf(why, whylen, "as_of: not a real date");
        rc = TRAINING_EINVAL;
    }
    if (rc == 0)
        rc = tr_ce_scan(t, as_of, cert_standing, NULL, out, count, why, whylen);
    if (rc == 0) {
        ident_date_format(as_of, date, sizeof date);
        rc = jp_strf(la.detail, sizeof la.detail, "as of %s: %zu certificates to lapse", date,
                     *count);
        if (rc == 0)
            rc = store_write(t->st, lapses_audit_txn, &la);
    }
    return rc;
}
