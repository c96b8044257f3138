/*
 * inst.c - the directory of training institutions and what hangs off it:
 * city quotas, confirmation by a city, filing (备案) and removal (清出) by the
 * province, the published list, the yearly random inspection draw and the
 * complaints a city receives.
 */
#include "tr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#define TR_MAX_INSTITUTIONS 100000u

/* ------------------------------------------------------------- quota */

struct quota_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *city;
    uint16_t max;
};

static int quota_txn(store_txn *txn, void *arg)
{
    struct quota_op *op = arg;
    struct tr_field f[] = {{1, TR_U16, &op->max, 0, NULL}};
    int rc = tr_put(txn, TR_DB_QUOTA, op->city, 2, f, 1, 0);

    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "quota set", "city %s quota %u", op->city, (unsigned)op->max);
    return rc;
}

int training_quota_set(training *t, const struct training_actor *a, const char *city, unsigned max,
                       char *why, size_t whylen)
{
    struct quota_op op = {.r = {.a = a}, .city = city, .max = (uint16_t)max};
    int rc = tr_need_province(a, why, whylen);

    if (rc != 0)
        return rc;
    if (jp_config_city(&t->cfg, city) == NULL) {
        jp_errf(why, whylen, "city: not in the city table");
        return TRAINING_EINVAL;
    }
    if (max > 10000) {
        jp_errf(why, whylen, "quota: must be 0-10000");
        return TRAINING_EINVAL;
    }
    return store_write(t->st, quota_txn, &op);
}

/* Institutions of city that count against its quota (not removed). */
static int city_count(store_txn *txn, const char *city, unsigned *n)
{
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl;
    struct tr_inst in;
    struct tr_field f[] = {{2, TR_STR, in.city, sizeof in.city, NULL},
                           {4, TR_U16, &in.state, 0, NULL}};
    int rc = store_cursor_open(txn, tr_db(TR_DB_INST), &c);

    *n = 0;
    if (rc != 0)
        return rc;
    for (rc = store_cursor_first(c, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        rc = tr_rec_decode(v, vl, f, 2);
        if (rc != 0)
            break;
        if (strcmp(in.city, city) == 0 && in.state != TR_INST_REMOVED)
            (*n)++;
    }
    store_cursor_close(c);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* ----------------------------------------------------------- confirm */

struct confirm_op {
    struct tr_req r;   /* who acts, and where a refusal's reason goes */
    struct tr_inst in; /* the new record */
};

static int confirm_txn(store_txn *txn, void *arg)
{
    struct confirm_op *op = arg;
    struct tr_field f[] = {{1, TR_U16, NULL, 0, NULL}};
    uint16_t quota = 0;
    unsigned used = 0;
    int rc;

    f[0].p = &quota;
    rc = tr_get(txn, TR_DB_QUOTA, op->in.city, 2, f, 1);
    if (rc == STORE_ENOTFOUND) {
        jp_errf(op->r.why, op->r.whylen, "city: no quota set by the province");
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = city_count(txn, op->in.city, &used);
    if (rc == 0 && used >= quota) {
        jp_errf(op->r.why, op->r.whylen, "city: quota of %u institutions is used up",
                (unsigned)quota);
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = tr_inst_put(txn, &op->in, STORE_PUT_NEW);
    if (rc == STORE_EEXIST) {
        jp_errf(op->r.why, op->r.whylen, "code: institution already exists");
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "institution confirm", "institution %s", op->in.code);
    return rc;
}

/* Checks "01,05,13": catalogue codes, no repeats. */
static int positions_ok(const training *t, const char *list, char *why, size_t whylen)
{
    size_t n = strlen(list);
    char code[3] = "";

    if (n < 2 || n >= TR_POSITIONS_MAX || n % 3 != 2) {
        jp_errf(why, whylen, "positions: must be catalogue codes separated by commas");
        return TRAINING_EINVAL;
    }
    for (size_t i = 0; i < n; i += 3) {
        memcpy(code, list + i, 2);
        if ((i + 2 < n && list[i + 2] != ',') || jp_config_position(&t->cfg, code) == NULL) {
            jp_errf(why, whylen, "positions: entry %zu is not a catalogue code", i / 3 + 1);
            return TRAINING_EINVAL;
        }
        for (size_t j = 0; j < i; j += 3)
            if (memcmp(list + j, code, 2) == 0) {
                jp_errf(why, whylen, "positions: %s is repeated", code);
                return TRAINING_EINVAL;
            }
    }
    return 0;
}

/* What a city's act on an institution checks first: a city acts, code and text are well-formed. */
static int city_act_check(const training *t, const struct training_actor *a, const char *code_field,
                          const char *code, const char *text_field, const char *text, char *why,
                          size_t whylen)
{
    int rc = tr_need_city(t, a, why, whylen);

    if (rc == 0)
        rc = tr_code_check(code_field, code, why, whylen);
    if (rc == 0)
        rc = tr_text_check(text_field, text, why, whylen);
    return rc;
}

int training_inst_confirm(training *t, const struct training_actor *a, const char *code,
                          const char *name, const char *positions, char *why, size_t whylen)
{
    struct confirm_op op = {.r = {.a = a, .why = why, .whylen = whylen}};
    int rc = city_act_check(t, a, "code", code, "name", name, why, whylen);

    if (rc != 0)
        return rc;
    rc = positions_ok(t, positions, why, whylen);
    if (rc != 0)
        return rc;
    memcpy(op.in.code, code, strlen(code) + 1);
    memcpy(op.in.name, name, strlen(name) + 1);
    memcpy(op.in.city, a->code, 3);
    memcpy(op.in.positions, positions, strlen(positions) + 1);
    op.in.state = TR_INST_CONFIRMED;
    return store_write(t->st, confirm_txn, &op);
}

/* ------------------------------------------------------ file, remove */

struct state_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *code;
    const char *reason; /* removal only */
    uint16_t to;        /* TR_INST_FILED or TR_INST_REMOVED */
};

static int state_txn(store_txn *txn, void *arg)
{
    struct state_op *op = arg;
    struct tr_inst in;
    int rc = tr_inst_get(txn, op->code, &in);

    if (rc == STORE_ENOTFOUND) {
        jp_errf(op->r.why, op->r.whylen, "code: unknown institution");
        rc = TRAINING_ENOTFOUND;
    }
    if (rc == 0 && in.state == TR_INST_REMOVED) {
        jp_errf(op->r.why, op->r.whylen, "code: institution was removed");
        rc = TRAINING_EREFUSED;
    } else if (rc == 0 && op->to == TR_INST_FILED && in.state != TR_INST_CONFIRMED) {
        jp_errf(op->r.why, op->r.whylen, "code: institution is %s, not confirmed",
                tr_inst_state_name(in.state));
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0) {
        in.state = op->to;
        if (op->reason != NULL)
            memcpy(in.reason, op->reason, strlen(op->reason) + 1);
        rc = tr_inst_put(txn, &in, 0);
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a,
                       op->to == TR_INST_FILED ? "institution file" : "institution remove",
                       "institution %s", op->code);
    return rc;
}

int training_inst_file(training *t, const struct training_actor *a, const char *code, char *why,
                       size_t whylen)
{
    struct state_op op = {
        .r = {.a = a, .why = why, .whylen = whylen}, .code = code, .to = TR_INST_FILED};
    int rc = tr_need_province(a, why, whylen);

    if (rc != 0)
        return rc;
    if (!tr_code_ok(code)) {
        jp_errf(why, whylen, "code: must be 1-32 of A-Z a-z 0-9 -");
        return TRAINING_EINVAL;
    }
    return store_write(t->st, state_txn, &op);
}

int training_inst_remove(training *t, const struct training_actor *a, const char *code,
                         const char *reason, char *why, size_t whylen)
{
    struct state_op op = {.r = {.a = a, .why = why, .whylen = whylen},
                          .code = code,
                          .reason = reason,
                          .to = TR_INST_REMOVED};
    int rc = tr_need_province(a, why, whylen);

    if (rc != 0)
        return rc;
    rc = tr_code_check("code", code, why, whylen);
    if (rc == 0)
        rc = tr_text_check("reason", reason, why, whylen);
    if (rc != 0)
        return rc;
    return store_write(t->st, state_txn, &op);
}

/* --------------------------------------------------------------- list */

static int inst_json(struct jp_buf *out, const struct tr_inst *in, int first)
{
    int rc = jp_buf_puts(out, first ? "{\"code\":" : ",{\"code\":");

    if (rc == 0)
        rc = jp_json_strz(out, in->code);
    if (rc == 0)
        rc = jp_buf_puts(out, ",\"name\":");
    if (rc == 0)
        rc = jp_json_strz(out, in->name);
    if (rc == 0)
        rc = jp_buf_printf(out, ",\"city\":\"%s\",\"positions\":[", in->city);
    for (const char *p = in->positions; rc == 0 && *p != '\0'; p += p[2] == ',' ? 3 : 2)
        rc = jp_buf_printf(out, "%s\"%.2s\"", p == in->positions ? "" : ",", p);
    if (rc == 0)
        rc = jp_buf_printf(out, "],\"state\":\"%s\"}", tr_inst_state_name(in->state));
    return rc;
}

int training_inst_list_json(training *t, struct jp_buf *out)
{
    store_txn *txn = NULL;
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl;
    struct tr_inst in;
    struct tr_field f[] = INST_FIELDS(&in);
    int rc, first = 1;

    rc = store_read_begin(t->st, &txn);
    if (rc != 0)
        goto out;
    rc = store_cursor_open(txn, tr_db(TR_DB_INST), &c);
    if (rc != 0)
        goto out_end;
    rc = jp_buf_puts(out, "[");
    for (rc = rc != 0 ? rc : store_cursor_first(c, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        memset(&in, 0, sizeof in);
        rc = kl <= TRAINING_CODE_MAX ? tr_rec_decode(v, vl, f, sizeof f / sizeof f[0])
                                     : STORE_ECORRUPT;
        if (rc == 0) {
            memcpy(in.code, k, kl);
            rc = inst_json(out, &in, first);
        }
        if (rc != 0)
            break;
        first = 0;
    }
    if (rc == STORE_ENOTFOUND)
        rc = jp_buf_puts(out, "]");
    store_cursor_close(c);
out_end:
    store_read_end(txn);
out:
    return rc;
}

/* --------------------------------------------------------- inspection */

struct ranked {
    unsigned char h[32]; /* SHA-256(seed || year || code) */
    size_t idx;          /* index into the caller's codes */
};

static int ranked_cmp(const void *a, const void *b)
{
    return memcmp(((const struct ranked *)a)->h, ((const struct ranked *)b)->h, 32);
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

int training_inspection_sample(const unsigned char seed[TRAINING_SEED_LEN], int year,
                               const char *const *codes, size_t n, size_t *idx, size_t *k)
{
    unsigned char msg[TRAINING_SEED_LEN + 4 + TRAINING_CODE_MAX];
    struct ranked *r = NULL;
    size_t len;
    int rc = 0;

    *k = n == 0 ? 0 : (n + 9) / 10;
    if (n == 0)
        goto out;
    r = calloc(n, sizeof *r);
    if (r == NULL) {
        rc = ENOMEM;
        goto out;
    }
    memcpy(msg, seed, TRAINING_SEED_LEN);
    for (int i = 0; i < 4; i++)
        msg[TRAINING_SEED_LEN + i] = (unsigned char)((unsigned)year >> (24 - 8 * i));
    for (size_t i = 0; i < n; i++) {
        len = strnlen(codes[i], TRAINING_CODE_MAX);
        memcpy(msg + TRAINING_SEED_LEN + 4, codes[i], len);
        r[i].idx = i;
        if (!EVP_Digest(msg, TRAINING_SEED_LEN + 4 + len, r[i].h, NULL, EVP_sha256(), NULL)) {
            rc = ENOMEM;
            goto out_free;
        }
    }
    qsort(r, n, sizeof *r, ranked_cmp);
    for (size_t i = 0; i < *k; i++)
        idx[i] = r[i].idx;
    qsort(idx, *k, sizeof *idx, size_cmp);
out_free:
    free(r);
out:
    return rc;
}

struct draw_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    int year;
    unsigned char seed[TRAINING_SEED_LEN];
    struct jp_buf json; /* the draw as JSON; emptied at the start of each run */
};

/* The codes of the filed institutions, in code order; *codes freed by the caller. */
static int active_codes(store_txn *txn, char (**codes)[TRAINING_CODE_MAX + 1], size_t *n)
{
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl, cap = 0;
    uint16_t state = 0;
    struct tr_field f[] = {{4, TR_U16, &state, 0, NULL}};
    char(*tmp)[TRAINING_CODE_MAX + 1];
    int rc = store_cursor_open(txn, tr_db(TR_DB_INST), &c);

    *codes = NULL;
    *n = 0;
    for (rc = rc != 0 ? rc : store_cursor_first(c, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        rc = kl <= TRAINING_CODE_MAX ? tr_rec_decode(v, vl, f, 1) : STORE_ECORRUPT;
        if (rc != 0)
            break;
        if (state != TR_INST_FILED)
            continue;
        if (*n == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            tmp = cap <= TR_MAX_INSTITUTIONS ? realloc(*codes, cap * sizeof **codes) : NULL;
            if (tmp == NULL) {
                rc = ENOMEM;
                break;
            }
            *codes = tmp;
        }
        memcpy((*codes)[*n], k, kl);
        (*codes)[(*n)++][kl] = '\0';
    }
    store_cursor_close(c);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* Writes the JSON of a draw into out and its record into rec. */
static int draw_render(struct draw_op *op, char (*codes)[TRAINING_CODE_MAX + 1], size_t n,
                       const size_t *idx, size_t k, struct jp_buf *rec)
{
    char seedhex[2 * TRAINING_SEED_LEN + 1];
    struct jp_buf sample;
    int rc;

    jp_buf_init(&sample, TR_REC_MAX);
    jp_hex_encode(op->seed, TRAINING_SEED_LEN, seedhex);
    rc = jp_buf_printf(&op->json, "{\"year\":%d,\"seed\":\"%s\",\"active\":%zu,\"sample\":[",
                       op->year, seedhex, n);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        rc = jp_buf_printf(&op->json, "%s\"%s\"", i ? "," : "", codes[idx[i]]);
        if (rc == 0)
            rc = jp_buf_printf(&sample, "%s%s", i ? "," : "", codes[idx[i]]);
    }
    if (rc == 0)
        rc = jp_buf_puts(&op->json, "]}\n");
    if (rc == 0)
        rc = store_rec_begin(rec);
    if (rc == 0)
        rc = store_rec_put_str(rec, 1, seedhex);
    if (rc == 0)
        rc = store_rec_put(rec, 2, sample.data, sample.len);
    if (rc == 0)
        rc = store_rec_put_u64(rec, 3, (uint64_t)n);
    jp_buf_free(&sample);
    return rc;
}

static int draw_txn(store_txn *txn, void *arg)
{
    struct draw_op *op = arg;
    char(*codes)[TRAINING_CODE_MAX + 1] = NULL;
    const char **ptrs = NULL;
    size_t n = 0, k = 0, *idx = NULL;
    char key[8];
    struct jp_buf rec;
    const void *v;
    size_t vl;
    int rc;

    jp_buf_init(&rec, TR_REC_MAX);
    jp_buf_reset(&op->json); /* a retried run starts over */
    rc = jp_strf(key, sizeof key, "%04d", op->year);
    if (rc == 0)
        rc = store_get(txn, tr_db(TR_DB_DRAW), key, 4, &v, &vl);
    if (rc == 0) {
        jp_errf(op->r.why, op->r.whylen, "year: the inspection sample of %d is already drawn",
                op->year);
        rc = TRAINING_EREFUSED;
        goto out;
    }
    rc = rc == STORE_ENOTFOUND ? active_codes(txn, &codes, &n) : rc;
    if (rc != 0)
        goto out;
    ptrs = calloc(n + 1, sizeof *ptrs);
    idx = calloc(n + 1, sizeof *idx);
    if (ptrs == NULL || idx == NULL) {
        rc = ENOMEM;
        goto out_free;
    }
    for (size_t i = 0; i < n; i++)
        ptrs[i] = codes[i];
    rc = training_inspection_sample(op->seed, op->year, ptrs, n, idx, &k);
    if (rc == 0)
        rc = draw_render(op, codes, n, idx, k, &rec);
    if (rc == 0)
        rc = store_put(txn, tr_db(TR_DB_DRAW), key, 4, rec.data, rec.len, STORE_PUT_NEW);
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "inspection draw", "year %d: %zu of %zu active institutions",
                       op->year, k, n);
out_free:
    free(idx);
    free(ptrs);
    free(codes);
out:
    jp_buf_free(&rec);
    return rc;
}

int training_inspection_draw(training *t, const struct training_actor *a, int year,
                             const char *seed_hex, struct jp_buf *out, char *why, size_t whylen)
{
    struct draw_op op = {.r = {.a = a, .why = why, .whylen = whylen}, .year = year};
    int rc = tr_need_province(a, why, whylen);

    if (rc != 0)
        return rc;
    if (year < 2000 || year > 9999) {
        jp_errf(why, whylen, "year: must be 2000-9999");
        return TRAINING_EINVAL;
    }
    if (seed_hex != NULL && (strlen(seed_hex) != 2 * TRAINING_SEED_LEN ||
                             jp_hex_decode(seed_hex, op.seed, TRAINING_SEED_LEN) != 0)) {
        jp_errf(why, whylen, "seed: must be 64 hex digits");
        return TRAINING_EINVAL;
    }
    if (seed_hex == NULL && RAND_bytes(op.seed, TRAINING_SEED_LEN) != 1) {
        jp_errf(why, whylen, "seed: random generator failed");
        return ENOMEM;
    }
    jp_buf_init(&op.json, TR_REC_MAX);
    rc = store_write(t->st, draw_txn, &op);
    if (rc == 0)
        rc = jp_buf_append(out, op.json.data, op.json.len);
    jp_buf_free(&op.json);
    return rc;
}

/* -------------------------------------------------------- complaints */

struct complaint_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *inst;
    const char *text;
    char date[IDENT_DATE_SIZE];
    uint64_t id;
};

/* The number after the highest complaint number (1 for none). */
static int complaint_next(store_txn *txn, uint64_t *id)
{
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = store_cursor_open(txn, tr_db(TR_DB_COMPLAINT), &c);

    *id = 1;
    for (rc = rc != 0 ? rc : store_cursor_first(c, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        uint64_t x = 0;

        for (size_t i = 0; i < kl && i < 8; i++)
            x = x << 8 | ((const unsigned char *)k)[i];
        if (x >= *id)
            *id = x + 1;
    }
    store_cursor_close(c);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

static int complaint_txn(store_txn *txn, void *arg)
{
    struct complaint_op *op = arg;
    struct tr_inst in;
    unsigned char key[8];
    struct tr_field f[] = {{.tag = 1, .type = TR_STR, .cp = op->inst},
                           {.tag = 2, .type = TR_STR, .p = in.city},
                           {.tag = 3, .type = TR_STR, .cp = op->text},
                           {.tag = 4, .type = TR_STR, .cp = op->date}};
    int rc = tr_inst_get(txn, op->inst, &in);

    if (rc == STORE_ENOTFOUND) {
        jp_errf(op->r.why, op->r.whylen, "institution: unknown institution");
        rc = TRAINING_ENOTFOUND;
    }
    if (rc == 0)
        rc = tr_city_oversees(op->r.a, in.city, op->r.why, op->r.whylen);
    if (rc == 0)
        rc = complaint_next(txn, &op->id);
    for (int i = 0; i < 8; i++)
        key[i] = (unsigned char)(op->id >> (56 - 8 * i));
    if (rc == 0)
        rc = tr_put(txn, TR_DB_COMPLAINT, key, 8, f, 4, STORE_PUT_NEW);
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "complaint add", "complaint %llu about institution %s",
                       (unsigned long long)op->id, op->inst);
    return rc;
}

int training_complaint_add(training *t, const struct training_actor *a, const char *inst_code,
                           const char *text, uint64_t *id, char *why, size_t whylen)
{
    struct complaint_op op = {
        .r = {.a = a, .why = why, .whylen = whylen}, .inst = inst_code, .text = text};
    int rc = city_act_check(t, a, "institution", inst_code, "text", text, why, whylen);

    if (rc != 0)
        return rc;
    ident_date_format(&t->today, op.date, sizeof op.date);
    rc = store_write(t->st, complaint_txn, &op);
    if (rc == 0)
        *id = op.id;
    return rc;
}

static int complaint_json(struct jp_buf *out, uint64_t id, const char *inst, const char *city,
                          const char *text, const char *date, int first)
{
    int rc = jp_buf_printf(out, "%s{\"id\":%llu,\"institution\":", first ? "" : ",",
                           (unsigned long long)id);

    if (rc == 0)
        rc = jp_json_strz(out, inst);
    if (rc == 0)
        rc = jp_buf_printf(out, ",\"city\":\"%s\",\"date\":\"%s\",\"text\":", city, date);
    if (rc == 0)
        rc = jp_json_strz(out, text);
    if (rc == 0)
        rc = jp_buf_puts(out, "}");
    return rc;
}

int training_complaint_list_json(training *t, const struct training_actor *a, struct jp_buf *out,
                                 char *why, size_t whylen)
{
    char inst[TRAINING_CODE_MAX + 1], city[3], text[TRAINING_TEXT_MAX + 1], date[IDENT_DATE_SIZE];
    struct tr_field f[] = {{1, TR_STR, inst, sizeof inst, NULL},
                           {2, TR_STR, city, sizeof city, NULL},
                           {3, TR_STR, text, sizeof text, NULL},
                           {4, TR_STR, date, sizeof date, NULL}};
    store_txn *txn = NULL;
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc, first = 1;

    rc = a->role == TRAINING_PROVINCE ? 0 : tr_need_city(t, a, why, whylen);
    if (rc != 0)
        return rc;
    rc = store_read_begin(t->st, &txn);
    if (rc != 0)
        return rc;
    rc = store_cursor_open(txn, tr_db(TR_DB_COMPLAINT), &c);
    if (rc == 0)
        rc = jp_buf_puts(out, "[");
    for (rc = rc != 0 ? rc : store_cursor_first(c, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        uint64_t id = 0;

        rc = kl == 8 ? tr_rec_decode(v, vl, f, 4) : STORE_ECORRUPT;
        if (rc != 0)
            break;
        for (size_t i = 0; i < 8; i++)
            id = id << 8 | ((const unsigned char *)k)[i];
        if (a->role == TRAINING_CITY && strcmp(city, a->code) != 0)
            continue;
        rc = complaint_json(out, id, inst, city, text, date, first);
        first = 0;
        if (rc != 0)
            break;
    }
    if (rc == STORE_ENOTFOUND)
        rc = jp_buf_puts(out, "]");
    store_cursor_close(c);
    store_read_end(txn);
    return rc;
}
