/*
 * dashboard.c - the issuer's two views of the store as counts: `stats --json`
 * (every certificate and audit entry counted by code, straight from the
 * records) and `report --html` (the operator's dashboard of dashboard.h,
 * written atomically). Neither puts personal data anywhere.
 */
#include "issuer.h"
#include "dashboard.h"
#include "ident.h"
#include "issuer_int.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#define CHINA_UTC_OFFSET (8 * 3600)

/* obj[key] += 1 (creating it at 1). 0 or ENOMEM. */
static int bump(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (v != NULL)
        return json_integer_set(v, json_integer_value(v) + 1) == 0 ? 0 : ENOMEM;
    return json_object_set_new(obj, key, json_integer(1)) == 0 ? 0 : ENOMEM;
}

/* Counts one certificate record into the objects of root. */
static int stats_cert(json_t *root, const struct store_cert *c)
{
    char month[8];
    const char *st = store_status_name(c->status);
    int rc;

    memcpy(month, c->issue_date, 7);
    month[7] = '\0';
    rc = bump(json_object_get(root, "by_status"), st != NULL ? st : "unknown");
    if (rc == 0)
        rc = bump(json_object_get(root, "by_month"), month);
    if (rc == 0)
        rc = bump(json_object_get(root, "by_city"), c->city);
    if (rc == 0)
        rc = bump(json_object_get(root, "by_position"), c->position_code);
    if (rc == 0)
        rc = bump(root, "certificates");
    return rc;
}

static int stats_certs(store_txn *txn, json_t *root)
{
    struct store_cert *c = malloc(sizeof *c);
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = c == NULL ? ENOMEM : store_cursor_open(txn, STORE_DB_CERTS, &cur);

    for (int r = rc == 0 ? store_cursor_first(cur, &k, &kl, &v, &vl) : rc; rc == 0 && r == 0;
         r = store_cursor_next(cur, &k, &kl, &v, &vl)) {
        rc = store_cert_decode(v, vl, c);
        if (rc == 0)
            rc = stats_cert(root, c);
    }
    store_cursor_close(cur);
    jp_free_secret(c, sizeof *c);
    return rc;
}

static int stats_pdf_bytes(store_txn *txn, json_t *root)
{
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t kl, vl;
    json_int_t bytes = 0;
    int rc = store_cursor_open(txn, STORE_DB_PDFS, &cur);

    for (int r = rc == 0 ? store_cursor_first(cur, &k, &kl, &v, &vl) : rc; r == 0;
         r = store_cursor_next(cur, &k, &kl, &v, &vl))
        bytes += (json_int_t)vl;
    store_cursor_close(cur);
    if (rc == 0 && json_object_set_new(root, "pdf_bytes", json_integer(bytes)) != 0)
        rc = ENOMEM;
    return rc;
}

static int stats_entry(const struct store_audit_entry *e, void *acts)
{
    return bump(acts, e->action);
}

static int stats_audit(store_txn *txn, json_t *root)
{
    uint64_t since = 0;
    int rc = dash_audit_each(txn, stats_entry, json_object_get(root, "audit_actions"), &since);

    if (rc == 0 && json_object_set_new(root, "audit_entries", json_integer((json_int_t)since)) != 0)
        rc = ENOMEM;
    return rc;
}

static json_t *stats_root(void)
{
    json_t *root = json_pack("{s:i, s:{}, s:{}, s:{}, s:{}, s:{}}", "certificates", 0, "by_status",
                             "by_month", "by_city", "by_position", "audit_actions");

    for (int i = 0; root != NULL && i <= STORE_STATUS_LAPSED; i++)
        json_object_set_new(json_object_get(root, "by_status"),
                            store_status_name((enum store_cert_status)i), json_integer(0));
    return root;
}

int issuer_stats_json(const char *home, FILE *out, char *err, size_t errlen)
{
    json_t *root = stats_root();
    store *s = NULL;
    store_txn *txn = NULL;
    int rc = root == NULL ? ENOMEM : issuer_store_open(home, STORE_RDONLY, &s, err, errlen);

    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = stats_certs(txn, root);
    if (rc == 0)
        rc = stats_pdf_bytes(txn, root);
    if (rc == 0)
        rc = stats_audit(txn, root);
    store_read_end(txn);
    store_close(s);
    if (rc == 0 &&
        (json_dumpf(root, out, JSON_SORT_KEYS | JSON_COMPACT) != 0 || fputc('\n', out) == EOF))
        rc = EIO;
    issuer_err_default(rc, NULL, err, errlen);
    json_decref(root);
    return rc;
}

/* as_of parsed, or today in China when NULL. */
static int report_day(const char *as_of, struct ident_date *d, char *err, size_t errlen)
{
    char why[IDENT_WHY_SIZE];

    if (as_of == NULL)
        return ident_date_from_unix((int64_t)time(NULL), CHINA_UTC_OFFSET, d) == 0 ? 0 : EINVAL;
    if (ident_date_parse(as_of, strlen(as_of), d, why, sizeof why) == 0)
        return 0;
    jp_errf(err, errlen, "--as-of: %s", why);
    return ISSUER_EARG;
}

/* The generation time shown on the page: China's time, to the minute. */
static void now_text(char *out, size_t outsz)
{
    time_t t = time(NULL) + CHINA_UTC_OFFSET;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M 北京时间", &tm) == 0)
        out[0] = '\0';
}

/* The page into page: config, one read transaction, the tally, the HTML. */
static int report_build(const char *home, const struct ident_date *day, int months,
                        struct jp_buf *page, char *err, size_t errlen)
{
    struct jp_config *cfg = calloc(1, sizeof *cfg);
    struct dash_tally *t = calloc(1, sizeof *t);
    store *s = NULL;
    store_txn *txn = NULL;
    char when[48];
    int rc =
        cfg == NULL || t == NULL ? ENOMEM : issuer_store_open(home, STORE_RDONLY, &s, err, errlen);

    if (rc == 0)
        rc = jp_config_load(home, cfg, err, errlen);
    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = dash_tally(txn, day, months, t);
    store_read_end(txn);
    store_close(s);
    now_text(when, sizeof when);
    if (rc == 0)
        rc = dash_page(t, cfg, when, page);
    free(cfg);
    free(t);
    return rc;
}

int issuer_report_html(const char *home, const char *path, const char *as_of, int months, char *err,
                       size_t errlen)
{
    struct ident_date day;
    struct jp_buf page;
    int rc;

    if (months < 0 || months > DASH_MONTHS_MAX) {
        jp_errf(err, errlen, "--months: expected 1 to %d", DASH_MONTHS_MAX);
        return ISSUER_EARG;
    }
    rc = report_day(as_of, &day, err, errlen);
    if (rc != 0)
        return rc;
    jp_buf_init(&page, (size_t)8 << 20);
    rc = report_build(home, &day, months, &page, err, errlen);
    if (rc == 0) {
        rc = jp_write_file_atomic(path, page.data, page.len, 0644);
        if (rc != 0)
            jp_errf(err, errlen, "cannot write %s: %s", path, strerror(rc));
    }
    issuer_err_default(rc, NULL, err, errlen);
    jp_buf_free(&page);
    return rc;
}
