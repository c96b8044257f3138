/*
 * report.c - the run report of SPEC §5: items kept compactly in input order,
 * written as JSON one item at a time (a 100,000-line report would cost tens of
 * megabytes as a JSON tree) into a private file (files.h).
 */
#include "report.h"
#include "files.h"
#include "claim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void issuer_report_init(struct issuer_report *rep)
{
    memset(rep, 0, sizeof *rep);
    jp_buf_init(&rep->text, (size_t)1 << 30); /* fits issuer_item.reason */
}

void issuer_report_free(struct issuer_report *rep)
{
    if (rep == NULL)
        return;
    jp_free_secret(rep->items, rep->cap * sizeof *rep->items);
    jp_buf_free(&rep->text);
    memset(rep, 0, sizeof *rep);
}

int report_add(struct issuer_report *rep, unsigned long line, enum issuer_outcome what,
               const char *no, const char *claim, const char *why)
{
    struct issuer_item *it;
    int rc;

    it = jp_grow(rep->items, &rep->cap, rep->n, sizeof *it, 256);
    if (it == NULL)
        return ENOMEM;
    rep->items = it;
    if (line > UINT32_MAX)
        return EFBIG;
    it = &rep->items[rep->n];
    it->line = (uint32_t)line;
    it->what = (uint8_t)what;
    rc = jp_strf(it->certificate_no, sizeof it->certificate_no, "%s", no ? no : "");
    if (rc == 0 && claim != NULL && strlen(claim) != JP_CLAIM_SYMBOLS)
        rc = EINVAL;
    it->claim_code[0] = '\0';
    if (rc == 0 && claim != NULL)
        jp_claim_show(claim, it->claim_code);
    if (rc != 0)
        return rc;
    it->reason = (uint32_t)rep->text.len;
    rc = jp_buf_append(&rep->text, why ? why : "", strlen(why ? why : "") + 1);
    if (rc != 0)
        return rc;
    rep->n++;
    rep->issued += what == ISSUER_ISSUED;
    rep->already += what == ISSUER_ALREADY;
    rep->rejected += what == ISSUER_REJECTED;
    return 0;
}

/* One item as JSON into b (reset first). */
static int item_json(const struct issuer_report *rep, const struct issuer_item *it, int first,
                     struct jp_buf *b)
{
    int rc;

    jp_buf_reset(b);
    rc = jp_buf_printf(b, "%s{\"line\":%lu,", first ? "" : ",", (unsigned long)it->line);
    if (rc == 0 && it->what == ISSUER_REJECTED) {
        rc = jp_buf_puts(b, "\"reason\":");
        if (rc == 0)
            rc = jp_json_strz(b, (const char *)rep->text.data + it->reason);
    } else if (rc == 0) {
        rc = jp_buf_puts(b, "\"certificate_no\":");
        if (rc == 0)
            rc = jp_json_strz(b, it->certificate_no);
        if (rc == 0 && it->claim_code[0] != '\0')
            rc = jp_buf_printf(b, ",\"claim_code\":\"%s\"", it->claim_code);
    }
    if (rc == 0)
        rc = jp_buf_puts(b, "}");
    return rc;
}

/* One list of the report ("issued":[...]) streamed item by item. */
static int report_list_write(const struct issuer_report *rep, enum issuer_outcome what,
                             const char *name, FILE *out, struct jp_buf *b)
{
    int first = 1, rc = fprintf(out, "\"%s\":[", name) < 0 ? EIO : 0;

    for (size_t i = 0; rc == 0 && i < rep->n; i++) {
        if (rep->items[i].what != what)
            continue;
        rc = item_json(rep, &rep->items[i], first, b);
        if (rc == 0 && fwrite(b->data, 1, b->len, out) != b->len)
            rc = EIO;
        first = 0;
    }
    return rc == 0 && fputc(']', out) == EOF ? EIO : rc;
}

int issuer_report_write(const struct issuer_report *rep, FILE *out)
{
    struct jp_buf b;
    int rc = fputc('{', out) == EOF ? EIO : 0;

    jp_buf_init(&b, 64 * 1024); /* holds claim codes: wiped below */
    if (rc == 0)
        rc = report_list_write(rep, ISSUER_ISSUED, "issued", out, &b);
    if (rc == 0 && fputc(',', out) == EOF)
        rc = EIO;
    if (rc == 0)
        rc = report_list_write(rep, ISSUER_ALREADY, "already_issued", out, &b);
    if (rc == 0 && fputc(',', out) == EOF)
        rc = EIO;
    if (rc == 0)
        rc = report_list_write(rep, ISSUER_REJECTED, "rejected", out, &b);
    if (rc == 0 && fputs("}\n", out) == EOF)
        rc = EIO;
    if (b.data != NULL)
        jp_cleanse(b.data, b.cap);
    jp_buf_free(&b);
    return rc;
}

static int report_fill(FILE *f, void *ctx)
{
    return issuer_report_write(ctx, f);
}

int issuer_report_save(const struct issuer_report *rep, const char *path, char *err, size_t errlen)
{
    return private_file_write(path, report_fill, (void *)rep, err, errlen);
}
