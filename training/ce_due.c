/*
 * ce_due.c - continuing-education reminders (`jianpei-training ce due`): the
 * certificates that would lapse at their next anniversary if no more hours were
 * recorded, found early enough for the holder to catch up (SPEC §9's rule,
 * training_ce_standing, applied on the anniversary instead of today).
 */
#include "tr_int.h"

#include <stdio.h>
#include <string.h>

#define DUE_WITHIN_MAX 366

/* The k-th anniversary of issued; 29 February falls on 1 March in common years. */
static void anniversary(const struct ident_date *issued, int k, struct ident_date *out)
{
    *out = *issued;
    out->year += k;
    if (!ident_date_valid(out)) {
        out->month = 3;
        out->day = 1;
    }
}

/* Appends cert's reminder when its next anniversary is near and its hours short. */
static int cert_due(store_txn *tt, const struct store_cert *cert, const struct ident_date *as_of,
                    void *ctx, struct jp_buf *out, size_t *count)
{
    const int *within = ctx; /* days ahead */
    int tenths[TRAINING_CE_YEARS];
    struct ident_date issued, next;
    char reason[128], date[IDENT_DATE_SIZE];
    uint64_t v = 0;
    int rc, k, st;

    if (ident_date_parse(cert->issue_date, strlen(cert->issue_date), &issued, NULL, 0) != 0)
        return STORE_ECORRUPT;
    k = ident_date_cmp(as_of, &issued) < 0 ? 1 : ident_age_on(&issued, as_of) + 1;
    if (k > TRAINING_CE_YEARS)
        return 0;
    anniversary(&issued, k, &next);
    if (ident_date_days(&next) - ident_date_days(as_of) > *within)
        return 0;
    for (int y = 1; y <= k; y++) {
        rc = tr_ce_get(tt, cert->id_number, y, &v);
        if (rc != 0)
            return rc;
        tenths[y - 1] = v > 100000 ? 100000 : (int)v;
    }
    st = training_ce_standing(&issued, &next, tenths, (size_t)k, reason, sizeof reason);
    if (st != 1)
        return st < 0 ? STORE_ECORRUPT : 0;
    ident_date_format(&next, date, sizeof date);
    (*count)++;
    return jp_buf_printf(out,
                         "{\"certificate_no\":\"%s\",\"due\":\"%s\",\"year\":%d,"
                         "\"hours\":%d.%d,\"reason\":\"%s\"}\n",
                         cert->certificate_no, date, k, tenths[k - 1] / 10, tenths[k - 1] % 10,
                         reason);
}

int training_ce_due(training *t, const struct training_actor *a, const struct ident_date *as_of,
                    int within_days, struct jp_buf *out, size_t *count, char *why, size_t whylen)
{
    int rc = tr_need_province(a, why, whylen);

    *count = 0;
    if (rc == 0 && !ident_date_valid(as_of)) {
        jp_errf(why, whylen, "as_of: not a real date");
        rc = TRAINING_EINVAL;
    }
    if (rc == 0 && (within_days < 0 || within_days > DUE_WITHIN_MAX)) {
        jp_errf(why, whylen, "within: must be 0-%d days", DUE_WITHIN_MAX);
        rc = TRAINING_EINVAL;
    }
    if (rc == 0) {
        rc = tr_ce_scan(t, as_of, cert_due, &within_days, out, count, why, whylen);
    }
    return rc;
}
