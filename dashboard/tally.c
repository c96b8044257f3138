/*
 * tally.c - the dashboard's one pass over the store (dashboard.h): every
 * certificate record is decoded once and counted by month of issue, city,
 * position, status and the coming continuing-education anniversary; every
 * audit entry is counted by action. Only codes and dates are kept.
 */
#include "dashboard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_CHUNK 64 /* audit entries read per store_audit_since call */

static const char *const change_actions[DASH_CHG_COUNT] = {
    "suspend", "revoke", "reinstate", "cancel", "lapse", "correct", "reissue",
};

const char *dash_change_action(enum dash_change k)
{
    return k < DASH_CHG_COUNT ? change_actions[k] : "";
}

/* The month index of "YYYY-MM" counted from year 0. */
static long month_number(int year, int month)
{
    return (long)year * 12 + (month - 1);
}

/* Fills the labels of the months shown, as_of's month last. */
static void months_label(struct dash_tally *t)
{
    long last = month_number(t->as_of.year, t->as_of.month);

    for (int i = 0; i < t->months; i++) {
        long m = last - (t->months - 1 - i);

        (void)jp_strf(t->month[i], sizeof t->month[i], "%04ld-%02ld", m / 12, m % 12 + 1);
    }
}

/* The two-digit code's value 0..99, or -1. */
static int code_index(const char *code)
{
    if (code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' || code[2] != '\0')
        return -1;
    return (code[0] - '0') * 10 + (code[1] - '0');
}

/* Counts issue into the month bins (or before/after them). */
static void count_month(struct dash_tally *t, const struct ident_date *issued)
{
    long first = month_number(t->as_of.year, t->as_of.month) - (t->months - 1);
    long m = month_number(issued->year, issued->month);

    if (m < first)
        t->before++;
    else if (m - first >= t->months)
        t->after++;
    else
        t->by_month[m - first]++;
}

/* Counts a valid certificate whose next anniversary after as_of falls in the lapse window;
 * 29 February's anniversary is 1 March in common years (as training's ce due counts it). */
static void count_lapse(struct dash_tally *t, const struct ident_date *issued)
{
    struct ident_date ann = *issued;
    long days;

    ann.year = t->as_of.year;
    if (!ident_date_valid(&ann)) {
        ann.month = 3;
        ann.day = 1;
    }
    if (ident_date_cmp(&ann, &t->as_of) <= 0) {
        ann = *issued;
        ann.year = t->as_of.year + 1;
        if (!ident_date_valid(&ann)) {
            ann.month = 3;
            ann.day = 1;
        }
    }
    if (ann.year <= issued->year)
        return; /* issued after as_of: no anniversary yet */
    days = ident_date_days(&ann) - ident_date_days(&t->as_of);
    if (days >= 1 && days <= DASH_LAPSE_DAYS)
        t->lapse[(days - 1) / (DASH_LAPSE_DAYS / DASH_LAPSE_BINS)]++;
}

static void count_cert(struct dash_tally *t, const struct store_cert *c)
{
    struct ident_date issued;
    int city = code_index(c->city), pos = code_index(c->position_code);

    t->total++;
    if (c->status <= STORE_STATUS_LAPSED)
        t->by_status[c->status]++;
    if (city >= 0)
        t->by_city[city]++;
    if (pos >= 0)
        t->by_position[pos]++;
    if (city < 0 || pos < 0)
        t->other_code++;
    if (ident_date_parse(c->issue_date, strlen(c->issue_date), &issued, NULL, 0) != 0)
        return;
    count_month(t, &issued);
    if (c->status == STORE_STATUS_VALID)
        count_lapse(t, &issued);
}

static int tally_certs(store_txn *txn, struct dash_tally *t)
{
    struct store_cert *c = malloc(sizeof *c);
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = c == NULL ? ENOMEM : store_cursor_open(txn, STORE_DB_CERTS, &cur);

    if (rc == 0)
        rc = store_cursor_first(cur, &k, &kl, &v, &vl);
    while (rc == 0) {
        rc = store_cert_decode(v, vl, c);
        if (rc == 0)
            count_cert(t, c);
        if (rc == 0)
            rc = store_cursor_next(cur, &k, &kl, &v, &vl);
    }
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    store_cursor_close(cur);
    jp_free_secret(c, sizeof *c); /* the record held a holder's data */
    return rc;
}

static void count_action(struct dash_tally *t, const char *action)
{
    for (int k = 0; k < DASH_CHG_COUNT; k++)
        if (strcmp(action, change_actions[k]) == 0)
            t->changes[k]++;
}

int dash_audit_each(store_txn *txn, int (*fn)(const struct store_audit_entry *e, void *arg),
                    void *arg, uint64_t *last)
{
    struct store_audit_entry *e = calloc(AUDIT_CHUNK, sizeof *e);
    uint64_t since = 0;
    size_t n = AUDIT_CHUNK;
    int rc = e == NULL ? ENOMEM : 0;

    while (rc == 0 && n == AUDIT_CHUNK) {
        rc = store_audit_since(txn, since, e, AUDIT_CHUNK, &n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = fn(&e[i], arg);
            since = e[i].seq;
        }
    }
    *last = since;
    free(e);
    return rc;
}

static int tally_entry(const struct store_audit_entry *e, void *arg)
{
    count_action(arg, e->action);
    return 0;
}

static int tally_audit(store_txn *txn, struct dash_tally *t)
{
    return dash_audit_each(txn, tally_entry, t, &t->audit_last);
}

int dash_tally(store_txn *txn, const struct ident_date *as_of, int months, struct dash_tally *out)
{
    int rc;

    memset(out, 0, sizeof *out);
    if (months == 0)
        months = DASH_MONTHS_DEFAULT;
    if (months < 1 || months > DASH_MONTHS_MAX || !ident_date_valid(as_of))
        return EINVAL;
    out->as_of = *as_of;
    out->months = months;
    months_label(out);
    rc = tally_certs(txn, out);
    if (rc == 0)
        rc = tally_audit(txn, out);
    return rc;
}
