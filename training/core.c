/*
 * core.c - the training module's handle (configuration + its own LMDB
 * environment at HOME/training), its errors, actors, the table-driven record
 * codec, and the checks and audit entries every operation shares.
 */
#include "tr_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHINA_UTC_OFFSET (8 * 3600)

static const struct store_dbspec tr_dbs[TR_NDB] = {
    {"t_inst", 0}, {"t_quota", 0},  {"t_class", 0},     {"t_cand", 0}, {"t_black", 0},
    {"t_plan", 0}, {"t_scores", 0}, {"t_complaint", 0}, {"t_draw", 0}, {"t_ce", 0},
};

const char *training_strerror(int code)
{
    switch (code) {
    case TRAINING_EREFUSED:
        return "refused by a workflow rule";
    case TRAINING_EREMIT:
        return "actor acts outside its remit";
    case TRAINING_ENOTFOUND:
        return "no such record";
    case TRAINING_EINVAL:
        return "malformed field";
    default:
        return store_strerror(code);
    }
}

int training_is_refusal(int code)
{
    return code == TRAINING_EREFUSED || code == TRAINING_EREMIT || code == TRAINING_ENOTFOUND ||
           code == TRAINING_EINVAL;
}

int training_open(const char *home, training **out, char *err, size_t errlen)
{
    struct store_opts opts = {.extra = tr_dbs, .n_extra = TR_NDB};
    char path[TR_PATH_MAX];
    training *t = NULL;
    int rc;

    *out = NULL;
    t = calloc(1, sizeof *t);
    if (t == NULL) {
        rc = ENOMEM;
        goto out;
    }
    rc = jp_config_load(home, &t->cfg, err, errlen);
    if (rc != 0)
        goto out_free;
    rc = jp_path_join(path, sizeof path, home, TRAINING_DIR);
    if (rc == 0)
        rc = jp_strf(t->home, sizeof t->home, "%s", home) == 0 ? 0 : ENAMETOOLONG;
    if (rc != 0) {
        jp_errf(err, errlen, "home path is too long");
        goto out_free;
    }
    if (ident_date_from_unix((int64_t)time(NULL), CHINA_UTC_OFFSET, &t->today) != 0) {
        rc = EINVAL;
        jp_errf(err, errlen, "system clock is outside the supported years");
        goto out_free;
    }
    rc = store_open_with(path, STORE_CREATE, &opts, &t->st, err, errlen);
    if (rc != 0)
        goto out_free;
    *out = t;
    t = NULL;
out_free:
    free(t);
out:
    return rc;
}

void training_close(training *t)
{
    if (t == NULL)
        return;
    store_close(t->st);
    free(t);
}

void training_set_today(training *t, const struct ident_date *today)
{
    t->today = *today;
}

const struct jp_config *training_config(const training *t)
{
    return &t->cfg;
}

int training_actor_parse(const char *s, struct training_actor *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (strcmp(s, "province") == 0) {
        out->role = TRAINING_PROVINCE;
    } else if (strncmp(s, "city:", 5) == 0 && strlen(s) == 7 && s[5] >= '0' && s[5] <= '9' &&
               s[6] >= '0' && s[6] <= '9') {
        out->role = TRAINING_CITY;
        memcpy(out->code, s + 5, 3);
    } else if (strncmp(s, "inst:", 5) == 0 && tr_code_ok(s + 5)) {
        out->role = TRAINING_INST;
        memcpy(out->code, s + 5, strlen(s + 5) + 1);
    } else {
        jp_errf(why, whylen, "actor: must be province, city:NN or inst:CODE");
        return TRAINING_EINVAL;
    }
    memcpy(out->text, s, strlen(s) + 1);
    return 0;
}

/* ------------------------------------------------------------- codec */

int tr_rec_encode(const struct tr_field *f, size_t n, struct jp_buf *out)
{
    int rc = store_rec_begin(out);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (f[i].type == TR_STR)
            rc = store_rec_put_str(out, f[i].tag, f[i].p != NULL ? f[i].p : f[i].cp);
        else if (f[i].type == TR_U16)
            rc = store_rec_put_u16(out, f[i].tag, *(const uint16_t *)f[i].p);
        else
            rc = store_rec_put_u64(out, f[i].tag, *(const uint64_t *)f[i].p);
    }
    return rc;
}

static int decode_field(const struct tr_field *f, const void *val, size_t vlen)
{
    if (f->type == TR_STR)
        return store_rec_str(val, vlen, f->p, f->size);
    if (f->type == TR_U16)
        return store_rec_u16(val, vlen, f->p);
    return store_rec_u64(val, vlen, f->p);
}

int tr_rec_decode(const void *p, size_t len, const struct tr_field *f, size_t n)
{
    struct store_rec_reader r;
    const void *val;
    size_t vlen;
    uint8_t tag;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (f[i].type == TR_STR)
            memset(f[i].p, 0, f[i].size);
    rc = store_rec_open(&r, p, len);
    while (rc == 0) {
        rc = store_rec_next(&r, &tag, &val, &vlen);
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (f[i].tag == tag)
                rc = decode_field(&f[i], val, vlen);
    }
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

int tr_get(store_txn *txn, enum tr_db db, const void *key, size_t klen, const struct tr_field *f,
           size_t n)
{
    const void *val = NULL;
    size_t vlen = 0;
    int rc = store_get(txn, tr_db(db), key, klen, &val, &vlen);

    if (rc == 0)
        rc = tr_rec_decode(val, vlen, f, n);
    return rc;
}

int tr_put(store_txn *txn, enum tr_db db, const void *key, size_t klen, const struct tr_field *f,
           size_t n, unsigned flags)
{
    struct jp_buf b;
    int rc;

    jp_buf_init(&b, TR_REC_MAX);
    rc = tr_rec_encode(f, n, &b);
    if (rc == 0)
        rc = store_put(txn, tr_db(db), key, klen, b.data, b.len, flags);
    jp_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------- institutions */

/*
 * Reads the record of db under the text key into the nf fields f (their
 * struct already zeroed) and copies the key into keyout, keyoutsz bytes.
 */
static int get_by_text(store_txn *txn, int db, const char *key, struct tr_field *f, size_t nf,
                       char *keyout, size_t keyoutsz)
{
    int rc = tr_get(txn, db, key, strlen(key), f, nf);

    if (rc == 0)
        rc = store_text_set(keyout, keyoutsz, key);
    return rc;
}

int tr_inst_get(store_txn *txn, const char *code, struct tr_inst *out)
{
    struct tr_field f[] = INST_FIELDS(out);

    memset(out, 0, sizeof *out);
    return get_by_text(txn, TR_DB_INST, code, f, sizeof f / sizeof f[0], out->code,
                       sizeof out->code);
}

int tr_inst_put(store_txn *txn, struct tr_inst *in, unsigned flags)
{
    struct tr_field f[] = INST_FIELDS(in);

    return tr_put(txn, TR_DB_INST, in->code, strlen(in->code), f, sizeof f / sizeof f[0], flags);
}

int tr_inst_offers(const struct tr_inst *in, const char *position)
{
    for (const char *p = in->positions; *p != '\0'; p += p[2] == ',' ? 3 : 2)
        if (strncmp(p, position, 2) == 0 && strlen(position) == 2)
            return 1;
    return 0;
}

const char *tr_inst_state_name(unsigned state)
{
    static const char *const names[] = {"unknown", "confirmed", "filed", "removed"};

    return state < 4 ? names[state] : names[0];
}

const char *tr_review_state_name(unsigned state)
{
    static const char *const names[] = {"unknown", "submitted", "approved", "rejected"};

    return state < 4 ? names[state] : names[0];
}

/* -------------------------------------------------------------- plans */

#define PLAN_FIELDS(p)                                                                             \
    {                                                                                              \
        {1, TR_STR, (p)->class_id, sizeof(p)->class_id, NULL},                                     \
            {2, TR_STR, (p)->inst, sizeof(p)->inst, NULL},                                         \
            {3, TR_STR, (p)->city, sizeof(p)->city, NULL},                                         \
            {4, TR_STR, (p)->position, sizeof(p)->position, NULL},                                 \
            {5, TR_STR, (p)->exam_date, sizeof(p)->exam_date, NULL},                               \
            {6, TR_U16, &(p)->state, 0, NULL}, {7, TR_STR, (p)->reason, sizeof(p)->reason, NULL},  \
    }

int tr_plan_get(store_txn *txn, const char *exam_id, struct tr_plan *out)
{
    struct tr_field f[] = PLAN_FIELDS(out);

    memset(out, 0, sizeof *out);
    return get_by_text(txn, TR_DB_PLAN, exam_id, f, sizeof f / sizeof f[0], out->exam_id,
                       sizeof out->exam_id);
}

int tr_plan_put(store_txn *txn, struct tr_plan *p)
{
    struct tr_field f[] = PLAN_FIELDS(p);

    return tr_put(txn, TR_DB_PLAN, p->exam_id, strlen(p->exam_id), f, sizeof f / sizeof f[0], 0);
}

/* ------------------------------------------------------------- checks */

int tr_code_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > TRAINING_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

int tr_exam_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > TRAINING_EXAM_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return 0;
    return 1;
}

int tr_text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), step = 1;
    uint32_t cp = 0;

    if (n < 1 || n > TRAINING_TEXT_MAX)
        return 0;
    for (size_t i = 0; i < n && step > 0; i += step) {
        step = jp_utf8_decode(p + i, n - i, &cp);
        step = cp < 0x20 || cp == 0x7f ? 0 : step;
    }
    return step > 0;
}

int tr_text_check(const char *field, const char *s, char *why, size_t whylen)
{
    if (s == NULL || !tr_text_ok(s)) {
        jp_errf(why, whylen, "%s: must be 1-256 bytes of UTF-8 without control characters", field);
        return TRAINING_EINVAL;
    }
    return 0;
}

int tr_code_check(const char *field, const char *s, char *why, size_t whylen)
{
    if (s == NULL || !tr_code_ok(s)) {
        jp_errf(why, whylen, "%s: must be 1-32 of A-Z a-z 0-9 -", field);
        return TRAINING_EINVAL;
    }
    return 0;
}

int tr_date(const char *field, const char *s, struct ident_date *out, char *why, size_t whylen)
{
    char w[IDENT_WHY_SIZE];

    if (s == NULL) {
        jp_errf(why, whylen, "%s: missing", field);
        return TRAINING_EINVAL;
    }
    if (ident_date_parse(s, strlen(s), out, w, sizeof w) != 0) {
        jp_errf(why, whylen, "%s: %s", field, w);
        return TRAINING_EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------- remit */

int tr_need_province(const struct training_actor *a, char *why, size_t whylen)
{
    if (a->role != TRAINING_PROVINCE) {
        jp_errf(why, whylen, "actor: only the province may do this");
        return TRAINING_EREMIT;
    }
    return 0;
}

int tr_need_city(const training *t, const struct training_actor *a, char *why, size_t whylen)
{
    if (a->role != TRAINING_CITY) {
        jp_errf(why, whylen, "actor: only a city may do this");
        return TRAINING_EREMIT;
    }
    if (jp_config_city(&t->cfg, a->code) == NULL) {
        jp_errf(why, whylen, "actor: city is not in the city table");
        return TRAINING_EINVAL;
    }
    return 0;
}

int tr_need_inst(store_txn *txn, const struct training_actor *a, struct tr_inst *in, char *why,
                 size_t whylen)
{
    int rc;

    if (a->role != TRAINING_INST) {
        jp_errf(why, whylen, "actor: only an institution may do this");
        return TRAINING_EREMIT;
    }
    rc = tr_inst_get(txn, a->code, in);
    if (rc == STORE_ENOTFOUND) {
        jp_errf(why, whylen, "actor: unknown institution %s", a->code);
        return TRAINING_ENOTFOUND;
    }
    if (rc == 0 && in->state != TR_INST_FILED) {
        jp_errf(why, whylen, "actor: institution %s is %s, not filed", a->code,
                tr_inst_state_name(in->state));
        return TRAINING_EREFUSED;
    }
    return rc;
}

int tr_city_oversees(const struct training_actor *a, const char *city, char *why, size_t whylen)
{
    if (a->role != TRAINING_CITY || strcmp(a->code, city) != 0) {
        jp_errf(why, whylen, "actor: city %s does not oversee institutions of city %s", a->code,
                city);
        return TRAINING_EREMIT;
    }
    return 0;
}

int tr_audit(store_txn *txn, const struct training_actor *a, const char *action, const char *detail)
{
    struct store_audit_entry e;
    int rc;

    memset(&e, 0, sizeof e);
    e.time = (int64_t)time(NULL);
    rc = store_text_set(e.action, sizeof e.action, action);
    if (rc == 0)
        rc = store_text_set(e.actor, sizeof e.actor, a->text);
    if (rc == 0)
        rc = store_text_set(e.detail, sizeof e.detail, detail);
    if (rc == 0)
        rc = store_audit_append(txn, &e);
    return rc;
}

int tr_auditf(store_txn *txn, const struct training_actor *a, const char *action, const char *fmt,
              ...)
{
    char detail[sizeof((struct store_audit_entry *)0)->detail];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = jp_vstrf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return rc == 0 ? tr_audit(txn, a, action, detail) : rc;
}

int training_audit_verify(training *t, uint64_t *first_bad, uint64_t *count)
{
    return store_audit_verify(t->st, first_bad, count);
}
