/*
 * dashboard.h - the operator's dashboard (issue 19): what the store holds,
 * counted in one read pass (dash_tally), and one self-contained HTML page in
 * Simplified Chinese that shows it as bar charts drawn as inline SVG, each
 * with its numbers in a table beside it (dash_page). No script, no external
 * resource, no web font.
 *
 * Nothing here holds personal data: certificates are counted by month of
 * issue, city code, position code and status, the audit log by action, and
 * the holder, ID number, institution and claim code are never read out of
 * a record. The page is therefore not secret (the issuer writes it 0644).
 *
 * Errors: 0, a store code (store_strerror), ENOMEM/EFBIG of the output buffer,
 * or EINVAL for an argument outside its documented range.
 */
#ifndef JP_DASHBOARD_H
#define JP_DASHBOARD_H

#include <stddef.h>

#include "config.h"
#include "ident.h"
#include "store.h"
#include "util.h"

#define DASH_MONTHS_MAX 120    /* --months at most */
#define DASH_MONTHS_DEFAULT 12 /* months shown when the caller asks 0 */
#define DASH_CODES_MAX 100     /* distinct city or position codes counted ("00".."99") */
#define DASH_LAPSE_DAYS 90     /* the lapse window: the days after as_of */
#define DASH_LAPSE_BINS 3      /* of 30 days each */

/* Actions of the audit log counted as status changes, in the page's order. */
enum dash_change {
    DASH_CHG_SUSPEND,
    DASH_CHG_REVOKE,
    DASH_CHG_REINSTATE,
    DASH_CHG_CANCEL,
    DASH_CHG_LAPSE,
    DASH_CHG_CORRECT,
    DASH_CHG_REISSUE,
    DASH_CHG_COUNT,
};

/* The audit action of a change kind ("suspend", ...). */
const char *dash_change_action(enum dash_change k);

struct dash_tally {
    struct ident_date as_of;                 /* the day the figures are read for */
    int months;                              /* months in by_month, 1..DASH_MONTHS_MAX */
    char month[DASH_MONTHS_MAX][8];          /* "YYYY-MM", oldest first, as_of's month last */
    unsigned long by_month[DASH_MONTHS_MAX]; /* certificates issued in that month */
    unsigned long before;                    /* issued before the first month shown */
    unsigned long after;                     /* issued after as_of's month */
    unsigned long total;                     /* certificates in the store */
    unsigned long by_status[STORE_STATUS_LAPSED + 1]; /* by current status */
    unsigned long by_city[DASH_CODES_MAX];            /* by city code (index = the two digits) */
    unsigned long by_position[DASH_CODES_MAX];        /* by position code */
    unsigned long other_code;              /* a city or position that is not two digits */
    unsigned long changes[DASH_CHG_COUNT]; /* audit entries of each kind */
    unsigned long lapse[DASH_LAPSE_BINS];  /* valid certificates whose next continuing-
                                              education anniversary falls in days
                                              1-30, 31-60, 61-90 after as_of */
    uint64_t audit_last;                   /* the audit log's last sequence number */
};

/*
 * Counts the store as seen by txn (a read transaction the caller owns) into
 * *out (zeroed first): every certificate record once, every audit entry once.
 * months 0 means DASH_MONTHS_DEFAULT; more than DASH_MONTHS_MAX, or an
 * invalid as_of, is EINVAL. A record that does not decode is STORE_ECORRUPT.
 */
int dash_tally(store_txn *txn, const struct ident_date *as_of, int months, struct dash_tally *out);
/*
 * Calls fn(entry, arg) on every audit entry txn sees, in order, until fn
 * returns non-zero (that code is returned); *last gets the last entry's
 * sequence number (0 for none). 0, ENOMEM or a store error.
 */
int dash_audit_each(store_txn *txn, int (*fn)(const struct store_audit_entry *e, void *arg),
                    void *arg, uint64_t *last);

/*
 * Appends the whole dashboard page for t to out: an HTML document, labels
 * from cfg's city table and position catalogue (codes it does not know are
 * shown as the code), generated_at the text shown as the time of the
 * figures (escaped; may be NULL). Returns 0 or out's errors.
 */
int dash_page(const struct dash_tally *t, const struct jp_config *cfg, const char *generated_at,
              struct jp_buf *out);

/* ------------------------------------------------------------- chart.c */

/* One bar of a chart: a label (UTF-8, escaped when written) and its value. */
struct dash_bar {
    const char *label;   /* not owned */
    const char *key;     /* ASCII code for data-key (a city or position code), or NULL */
    unsigned long value; /* the count */
};

/*
 * Appends one chart section: a heading, a bar chart as inline SVG (bars with
 * a value axis, grid lines and labels; role="img" with the title as its
 * accessible name) and beside it a table of the same figures (label, value),
 * with a total row. id is a short ASCII name used for element ids. horizontal
 * 1 draws the bars across (long labels), 0 upright (months). n may be 0 (the
 * chart then says there is nothing to show).
 */
int dash_chart(struct jp_buf *out, const char *id, const char *title, const char *unit,
               const struct dash_bar *bars, size_t n, int horizontal);

#endif
