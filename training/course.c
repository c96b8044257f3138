/*
 * course.c - an institution's course of training up to the export: classes,
 * candidates and the checks it can make on them, the test blacklist, test
 * plans and score sheets with the city's review, and the export of passed
 * candidates as SPEC §5 intake for the issuer.
 */
#include "tr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGE_MIN 18
#define AGE_MAX 65
#define CAND_KEY_MAX (TRAINING_CODE_MAX + 1 + IDENT_ID_SIZE)

struct tr_class {
    char inst[TRAINING_CODE_MAX + 1]; /* the institution that formed it */
    char position[3];                 /* the position it trains for */
};

struct tr_cand {
    char name[IDENT_NAME_MAX_BYTES + 1]; /* checked name */
    char gender[4];                      /* 男 or 女 */
    char id_type[4];                     /* "111", ... */
    char id_number[IDENT_ID_SIZE];       /* canonical */
    char position[3];                    /* the class's position */
};

#define CLASS_FIELDS(c)                                                                            \
    {                                                                                              \
        {1, TR_STR, (c)->inst, sizeof(c)->inst, NULL},                                             \
            {2, TR_STR, (c)->position, sizeof(c)->position, NULL},                                 \
    }
#define CAND_FIELDS(c)                                                                             \
    {                                                                                              \
        {1, TR_STR, (c)->name, sizeof(c)->name, NULL},                                             \
            {2, TR_STR, (c)->gender, sizeof(c)->gender, NULL},                                     \
            {3, TR_STR, (c)->id_type, sizeof(c)->id_type, NULL},                                   \
            {4, TR_STR, (c)->id_number, sizeof(c)->id_number, NULL},                               \
            {5, TR_STR, (c)->position, sizeof(c)->position, NULL},                                 \
    }

/* ------------------------------------------------------------- helpers */

/* Key of a candidate: class id, NUL, id_number. Returns its length. */
static size_t cand_key(char key[CAND_KEY_MAX], const char *class_id, const char *id)
{
    size_t a = strlen(class_id), b = strlen(id);

    memcpy(key, class_id, a + 1);
    memcpy(key + a + 1, id, b);
    return a + 1 + b;
}

/*
 * Copies a typed ID number to its stored form: 1..32 printable characters,
 * an 18-character number's final 'x' upper case. TRAINING_EINVAL otherwise.
 */
static int id_canon(const char *in, char out[IDENT_ID_SIZE], char *why, size_t whylen)
{
    size_t n = strlen(in);

    if (n < 1 || n >= IDENT_ID_SIZE) {
        jp_errf(why, whylen, "id_number: must be 1-32 characters");
        return TRAINING_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (in[i] <= 0x20 || in[i] >= 0x7f) {
            jp_errf(why, whylen, "id_number: character %zu is not printable", i + 1);
            return TRAINING_EINVAL;
        }
    memcpy(out, in, n + 1);
    if (n == IDENT_CITIZEN_ID_LEN && out[n - 1] == 'x')
        out[n - 1] = 'X';
    return 0;
}

/* The class of the acting institution, or a refusal naming why not. */
static int own_class(store_txn *txn, const struct training_actor *a, const char *class_id,
                     struct tr_class *cl, char *why, size_t whylen)
{
    struct tr_field f[] = CLASS_FIELDS(cl);
    int rc = tr_get(txn, TR_DB_CLASS, class_id, strlen(class_id), f, 2);

    if (rc == STORE_ENOTFOUND) {
        jp_errf(why, whylen, "class_id: unknown class");
        return TRAINING_ENOTFOUND;
    }
    if (rc == 0 && strcmp(cl->inst, a->code) != 0) {
        jp_errf(why, whylen, "class_id: class belongs to another institution");
        return TRAINING_EREMIT;
    }
    return rc;
}

/* The acting institution, into *in; it must offer position. */
static int offering_inst(store_txn *txn, const struct tr_req *r, const char *position,
                         struct tr_inst *in)
{
    int rc = tr_need_inst(txn, r->a, in, r->why, r->whylen);

    if (rc == 0 && !tr_inst_offers(in, position)) {
        jp_errf(r->why, r->whylen, "position: not offered by the institution");
        rc = TRAINING_EREFUSED;
    }
    return rc;
}

/* The acting institution's class class_id, into *cl; it must be for position. */
static int class_for(store_txn *txn, const struct tr_req *r, const char *class_id,
                     const char *position, struct tr_class *cl)
{
    int rc = own_class(txn, r->a, class_id, cl, r->why, r->whylen);

    if (rc == 0 && strcmp(cl->position, position) != 0) {
        jp_errf(r->why, r->whylen, "position: differs from the class's position");
        rc = TRAINING_EREFUSED;
    }
    return rc;
}

/* *hit = 1 when today lies inside the blacklist entry of id, else 0. */
static int blacklisted(store_txn *txn, const char *id, const struct ident_date *today, int *hit)
{
    char from[IDENT_DATE_SIZE], until[IDENT_DATE_SIZE];
    struct tr_field f[] = {{2, TR_STR, from, sizeof from, NULL},
                           {3, TR_STR, until, sizeof until, NULL}};
    struct ident_date df, du;
    int rc = tr_get(txn, TR_DB_BLACK, id, strlen(id), f, 2);

    *hit = 0;
    if (rc == 0 && (ident_date_parse(from, strlen(from), &df, NULL, 0) != 0 ||
                    ident_date_parse(until, strlen(until), &du, NULL, 0) != 0))
        rc = STORE_ECORRUPT;
    if (rc == 0)
        *hit = ident_date_cmp(&df, today) <= 0 && ident_date_cmp(today, &du) <= 0;
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

struct sheet;
static int sheet_has(const struct sheet *s, const char *id, size_t n);

/*
 * Walks the candidates of a class in key (id_number) order: *n gets their
 * count and, when s is not NULL, *missing the 1-based place of the first one
 * without a line in s (0 when none is missing).
 */
static int class_scan(store_txn *txn, const char *class_id, const struct sheet *s, size_t *n,
                      size_t *missing)
{
    size_t plen = strlen(class_id) + 1, kl, vl;
    store_cursor *c = NULL;
    const void *k, *v;
    int rc = store_cursor_open(txn, tr_db(TR_DB_CAND), &c);

    *n = 0;
    if (missing != NULL)
        *missing = 0;
    for (rc = rc != 0 ? rc : store_cursor_seek(c, class_id, plen, &k, &kl, &v, &vl); rc == 0;
         rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
        if (kl < plen || memcmp(k, class_id, plen) != 0)
            break;
        (*n)++;
        if (s != NULL && *missing == 0 && !sheet_has(s, (const char *)k + plen, kl - plen))
            *missing = *n;
    }
    store_cursor_close(c);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* Candidates registered in a class. */
static int class_size(store_txn *txn, const char *class_id, size_t *n)
{
    return class_scan(txn, class_id, NULL, n, NULL);
}

static int position_syntax(const training *t, const char *p, char *why, size_t whylen)
{
    if (p == NULL || strlen(p) != 2 || jp_config_position(&t->cfg, p) == NULL) {
        jp_errf(why, whylen, "position: not in the catalogue");
        return TRAINING_EINVAL;
    }
    return 0;
}

/* -------------------------------------------------------------- classes */

struct class_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *class_id;
    const char *position;
};

static int class_txn(store_txn *txn, void *arg)
{
    struct class_op *op = arg;
    struct tr_inst in;
    struct tr_class cl;
    struct tr_field f[] = CLASS_FIELDS(&cl);
    int rc = offering_inst(txn, &op->r, op->position, &in);

    memcpy(cl.inst, op->r.a->code, sizeof cl.inst);
    memcpy(cl.position, op->position, 3);
    if (rc == 0)
        rc = tr_put(txn, TR_DB_CLASS, op->class_id, strlen(op->class_id), f, 2, STORE_PUT_NEW);
    if (rc == STORE_EEXIST) {
        jp_errf(op->r.why, op->r.whylen, "class_id: already exists");
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "class create", "class %s position %s", op->class_id,
                       op->position);
    return rc;
}

int training_class_create(training *t, const struct training_actor *a, const char *class_id,
                          const char *position, char *why, size_t whylen)
{
    struct class_op op = {
        .r = {.a = a, .why = why, .whylen = whylen}, .class_id = class_id, .position = position};
    int rc = position_syntax(t, position, why, whylen);

    if (rc != 0)
        return rc;
    if (class_id == NULL || !tr_code_ok(class_id)) {
        jp_errf(why, whylen, "class_id: must be 1-32 of A-Z a-z 0-9 -");
        return TRAINING_EINVAL;
    }
    return store_write(t->st, class_txn, &op);
}

/* ----------------------------------------------------------- candidates */

struct reg_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *class_id;
    struct tr_cand c; /* checked fields */
};

/* The checks an institution can make without the store: ID, birth date, age, gender, name. */
static int candidate_fields(const training *t, const struct training_candidate *c,
                            struct tr_cand *out, char *why, size_t whylen)
{
    struct ident_citizen_id cid;
    struct ident_date birth;
    char w[IDENT_WHY_SIZE];
    int rc, age;

    if (c->name == NULL || ident_name_check(c->name, strlen(c->name), w, sizeof w) != 0) {
        jp_errf(why, whylen, "name: %s", c->name ? w : "missing");
        return TRAINING_EINVAL;
    }
    if (c->gender == NULL || (strcmp(c->gender, "男") != 0 && strcmp(c->gender, "女") != 0)) {
        jp_errf(why, whylen, "gender: must be 男 or 女");
        return TRAINING_EINVAL;
    }
    if (c->id_type == NULL || c->id_number == NULL ||
        ident_holder_id_parse(c->id_type, strlen(c->id_type), c->id_number, strlen(c->id_number),
                              &t->today, out->id_number, sizeof out->id_number, w, sizeof w) != 0) {
        jp_errf(why, whylen, "id_number: %s", c->id_type && c->id_number ? w : "missing");
        return TRAINING_EINVAL;
    }
    if (strcmp(c->id_type, IDENT_ID_TYPE_CITIZEN) == 0) {
        rc = ident_citizen_id_parse(out->id_number, strlen(out->id_number), &t->today, &cid, NULL,
                                    0);
        if (rc != 0) {
            jp_errf(why, whylen, "id_number: not a citizen id");
            return TRAINING_EINVAL;
        }
        birth = cid.birth;
        if (cid.male != (strcmp(c->gender, "男") == 0)) {
            jp_errf(why, whylen, "gender: does not match the id_number");
            return TRAINING_EINVAL;
        }
    } else {
        rc = tr_date("birth_date", c->birth_date, &birth, why, whylen);
        if (rc != 0)
            return rc;
    }
    age = ident_age_on(&birth, &t->today);
    if (age < AGE_MIN || age > AGE_MAX) {
        jp_errf(why, whylen, "age: must be %d-%d today", AGE_MIN, AGE_MAX);
        return TRAINING_EREFUSED;
    }
    memcpy(out->name, c->name, strlen(c->name) + 1);
    memcpy(out->gender, c->gender, strlen(c->gender) + 1);
    memcpy(out->id_type, c->id_type, 4);
    return 0;
}

static int reg_txn(store_txn *txn, void *arg)
{
    struct reg_op *op = arg;
    struct tr_field f[] = CAND_FIELDS(&op->c);
    char key[CAND_KEY_MAX];
    struct tr_inst in;
    struct tr_class cl;
    size_t n = 0;
    int hit = 0;
    int rc = offering_inst(txn, &op->r, op->c.position, &in);

    if (rc == 0)
        rc = class_for(txn, &op->r, op->class_id, op->c.position, &cl);
    if (rc == 0)
        rc = blacklisted(txn, op->c.id_number, &op->r.t->today, &hit);
    if (rc == 0 && hit) {
        jp_errf(op->r.why, op->r.whylen, "id_number: on the test blacklist");
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = class_size(txn, op->class_id, &n);
    if (rc == 0 && n >= TRAINING_CLASS_MAX) {
        jp_errf(op->r.why, op->r.whylen, "class_id: class is full (%d)", TRAINING_CLASS_MAX);
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = tr_put(txn, TR_DB_CAND, key, cand_key(key, op->class_id, op->c.id_number), f, 5,
                    STORE_PUT_NEW);
    if (rc == STORE_EEXIST) {
        jp_errf(op->r.why, op->r.whylen, "id_number: already registered in the class");
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "candidate register", "class %s", op->class_id);
    return rc;
}

int training_candidate_register(training *t, const struct training_actor *a,
                                const struct training_candidate *c, char *why, size_t whylen)
{
    struct reg_op op = {.r = {.t = t, .a = a, .why = why, .whylen = whylen},
                        .class_id = c->class_id};
    int rc;

    if (c->class_id == NULL || !tr_code_ok(c->class_id)) {
        jp_errf(why, whylen, "class_id: must be 1-32 of A-Z a-z 0-9 -");
        return TRAINING_EINVAL;
    }
    rc = position_syntax(t, c->position, why, whylen);
    if (rc == 0)
        rc = candidate_fields(t, c, &op.c, why, whylen);
    if (rc != 0)
        return rc;
    memcpy(op.c.position, c->position, 3);
    return store_write(t->st, reg_txn, &op);
}

/* ------------------------------------------------------------ blacklist */

struct black_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *class_id;
    char id[IDENT_ID_SIZE];
    const char *reason;
    char from[IDENT_DATE_SIZE], until[IDENT_DATE_SIZE];
};

static int black_txn(store_txn *txn, void *arg)
{
    struct black_op *op = arg;
    struct tr_field f[] = {{.tag = 1, .type = TR_STR, .cp = op->reason},
                           {.tag = 2, .type = TR_STR, .cp = op->from},
                           {.tag = 3, .type = TR_STR, .cp = op->until},
                           {.tag = 4, .type = TR_STR, .cp = op->r.a->code}};
    char key[CAND_KEY_MAX];
    const void *v;
    size_t vl;
    struct tr_inst in;
    struct tr_class cl;
    int rc = tr_need_inst(txn, op->r.a, &in, op->r.why, op->r.whylen);

    if (rc == 0)
        rc = own_class(txn, op->r.a, op->class_id, &cl, op->r.why, op->r.whylen);
    if (rc == 0)
        rc = store_get(txn, tr_db(TR_DB_CAND), key, cand_key(key, op->class_id, op->id), &v, &vl);
    if (rc == STORE_ENOTFOUND) {
        jp_errf(op->r.why, op->r.whylen, "id_number: not a candidate of the class");
        rc = TRAINING_ENOTFOUND;
    }
    if (rc == 0)
        rc = tr_put(txn, TR_DB_BLACK, op->id, strlen(op->id), f, 4, 0);
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "blacklist add", "class %s until %s", op->class_id, op->until);
    return rc;
}

int training_blacklist_add(training *t, const struct training_actor *a, const char *class_id,
                           const char *id_number, const char *reason, const char *from,
                           const char *until, char *why, size_t whylen)
{
    struct black_op op = {
        .r = {.a = a, .why = why, .whylen = whylen}, .class_id = class_id, .reason = reason};
    struct ident_date df = t->today, du;
    int rc;

    if (class_id == NULL || !tr_code_ok(class_id)) {
        jp_errf(why, whylen, "class_id: must be 1-32 of A-Z a-z 0-9 -");
        return TRAINING_EINVAL;
    }
    if (id_number == NULL) {
        jp_errf(why, whylen, "id_number: missing");
        return TRAINING_EINVAL;
    }
    rc = id_canon(id_number, op.id, why, whylen);
    if (rc == 0)
        rc = tr_text_check("reason", reason, why, whylen);
    if (rc == 0 && from != NULL)
        rc = tr_date("from", from, &df, why, whylen);
    if (rc == 0)
        rc = tr_date("until", until, &du, why, whylen);
    if (rc == 0 && ident_date_cmp(&df, &du) > 0) {
        jp_errf(why, whylen, "until: is before from");
        rc = TRAINING_EINVAL;
    }
    if (rc != 0)
        return rc;
    ident_date_format(&df, op.from, sizeof op.from);
    ident_date_format(&du, op.until, sizeof op.until);
    return store_write(t->st, black_txn, &op);
}

/* ---------------------------------------------------------------- plans */

struct plan_op {
    struct tr_req r;  /* who acts, and where a refusal's reason goes */
    struct tr_plan p; /* the plan to write */
    int approve;      /* review: 1 approve, 0 reject */
};

static int plan_submit_txn(store_txn *txn, void *arg)
{
    struct plan_op *op = arg;
    struct tr_plan old;
    struct tr_inst in;
    struct tr_class cl;
    size_t n = 0;
    int rc = offering_inst(txn, &op->r, op->p.position, &in);

    if (rc == 0)
        rc = class_for(txn, &op->r, op->p.class_id, op->p.position, &cl);
    if (rc == 0)
        rc = class_size(txn, op->p.class_id, &n);
    if (rc == 0 && n == 0) {
        jp_errf(op->r.why, op->r.whylen, "class_id: class has no candidates");
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = tr_plan_get(txn, op->p.exam_id, &old);
    if (rc == 0 && (old.state != TR_REJECTED || strcmp(old.inst, op->r.a->code) != 0)) {
        jp_errf(op->r.why, op->r.whylen, "exam_id: already used by a plan that is not rejected");
        rc = TRAINING_EREFUSED;
    }
    if (rc == STORE_ENOTFOUND || rc == 0) {
        memcpy(op->p.inst, op->r.a->code, sizeof op->p.inst);
        memcpy(op->p.city, in.city, sizeof op->p.city);
        op->p.state = TR_SUBMITTED;
        op->p.reason[0] = '\0';
        rc = tr_plan_put(txn, &op->p);
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "plan submit", "exam %s class %s", op->p.exam_id,
                       op->p.class_id);
    return rc;
}

int training_plan_submit(training *t, const struct training_actor *a, const char *class_id,
                         const char *exam_id, const char *position, const char *exam_date,
                         char *why, size_t whylen)
{
    struct plan_op op = {.r = {.a = a, .why = why, .whylen = whylen}};
    struct ident_date d;
    int rc;

    if (class_id == NULL || !tr_code_ok(class_id)) {
        jp_errf(why, whylen, "class_id: must be 1-32 of A-Z a-z 0-9 -");
        return TRAINING_EINVAL;
    }
    if (exam_id == NULL || !tr_exam_ok(exam_id)) {
        jp_errf(why, whylen, "exam_id: must be 1-64 printable characters without spaces");
        return TRAINING_EINVAL;
    }
    rc = position_syntax(t, position, why, whylen);
    if (rc == 0)
        rc = tr_date("exam_date", exam_date, &d, why, whylen);
    if (rc != 0)
        return rc;
    memcpy(op.p.class_id, class_id, strlen(class_id) + 1);
    memcpy(op.p.exam_id, exam_id, strlen(exam_id) + 1);
    memcpy(op.p.position, position, 3);
    ident_date_format(&d, op.p.exam_date, sizeof op.p.exam_date);
    return store_write(t->st, plan_submit_txn, &op);
}

/* The plan of exam_id, into *p; TRAINING_ENOTFOUND ("unknown exam") when there is none. */
static int known_plan(store_txn *txn, const char *exam_id, struct tr_plan *p, char *why,
                      size_t whylen)
{
    int rc = tr_plan_get(txn, exam_id, p);

    if (rc == STORE_ENOTFOUND) {
        jp_errf(why, whylen, "exam_id: unknown exam");
        rc = TRAINING_ENOTFOUND;
    }
    return rc;
}

/* The plan of exam_id that the acting city oversees. */
static int city_plan(store_txn *txn, const struct training_actor *a, const char *exam_id,
                     struct tr_plan *p, char *why, size_t whylen)
{
    int rc = known_plan(txn, exam_id, p, why, whylen);

    if (rc == 0)
        rc = tr_city_oversees(a, p->city, why, whylen);
    return rc;
}

/* 0 when a plan or score sheet (what) in state is awaiting review, else TRAINING_EREFUSED. */
static int awaiting_review(const struct tr_req *r, const char *what, unsigned state)
{
    if (state == TR_SUBMITTED)
        return 0;
    jp_errf(r->why, r->whylen, "exam_id: %s is %s, not submitted", what,
            tr_review_state_name(state));
    return TRAINING_EREFUSED;
}

static int plan_review_txn(store_txn *txn, void *arg)
{
    struct plan_op *op = arg;
    struct tr_plan p;
    int rc = city_plan(txn, op->r.a, op->p.exam_id, &p, op->r.why, op->r.whylen);

    if (rc == 0)
        rc = awaiting_review(&op->r, "plan", p.state);
    if (rc == 0) {
        p.state = op->approve ? TR_APPROVED : TR_REJECTED;
        memcpy(p.reason, op->p.reason, sizeof p.reason);
        rc = tr_plan_put(txn, &p);
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, op->approve ? "plan approve" : "plan reject", "exam %s",
                       p.exam_id);
    return rc;
}

/* Checks the arguments every review takes. */
static int review_args(const training *t, const struct training_actor *a, const char *exam_id,
                       int approve, const char *reason, char *why, size_t whylen)
{
    int rc = tr_need_city(t, a, why, whylen);

    if (rc == 0 && (exam_id == NULL || !tr_exam_ok(exam_id))) {
        jp_errf(why, whylen, "exam_id: must be 1-64 printable characters without spaces");
        rc = TRAINING_EINVAL;
    }
    if (rc == 0 && !approve)
        rc = tr_text_check("reason", reason, why, whylen);
    return rc;
}

int training_plan_review(training *t, const struct training_actor *a, const char *exam_id,
                         int approve, const char *reason, char *why, size_t whylen)
{
    struct plan_op op = {.r = {.a = a, .why = why, .whylen = whylen}, .approve = approve};
    int rc = review_args(t, a, exam_id, approve, reason, why, whylen);

    if (rc != 0)
        return rc;
    memcpy(op.p.exam_id, exam_id, strlen(exam_id) + 1);
    if (!approve)
        memcpy(op.p.reason, reason, strlen(reason) + 1);
    return store_write(t->st, plan_review_txn, &op);
}

/* --------------------------------------------------------------- scores */

/*
 * A score sheet record: 1 state (u16), 2 reason (text), then one field 3 per
 * line: the id_number, a NUL, the score in tenths as u16 big-endian.
 */
struct sheet {
    uint16_t state;                     /* enum tr_review_state */
    char reason[TRAINING_TEXT_MAX + 1]; /* rejection reason */
    struct training_score *lines;       /* owned, n of them */
    size_t n;                           /* lines used */
};

static void sheet_free(struct sheet *s)
{
    free(s->lines);
    s->lines = NULL;
    s->n = 0;
}

static int sheet_encode(const struct sheet *s, struct jp_buf *out)
{
    unsigned char f[IDENT_ID_SIZE + 3];
    size_t idl;
    int rc = store_rec_begin(out);

    if (rc == 0)
        rc = store_rec_put_u16(out, 1, s->state);
    if (rc == 0)
        rc = store_rec_put_str(out, 2, s->reason);
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        idl = strlen(s->lines[i].id_number);
        memcpy(f, s->lines[i].id_number, idl + 1);
        f[idl + 1] = (unsigned char)(s->lines[i].tenths >> 8);
        f[idl + 2] = (unsigned char)(s->lines[i].tenths & 0xff);
        rc = store_rec_put(out, 3, f, idl + 3);
    }
    return rc;
}

static int sheet_line(struct sheet *s, const unsigned char *v, size_t vl)
{
    struct training_score *tmp;
    const unsigned char *nul = vl >= 3 ? memchr(v, 0, vl) : NULL;

    if (nul == NULL || (size_t)(nul - v) + 3 != vl || nul == v || vl - 3 >= IDENT_ID_SIZE ||
        s->n >= TRAINING_CLASS_MAX)
        return STORE_ECORRUPT;
    tmp = realloc(s->lines, (s->n + 1) * sizeof *tmp);
    if (tmp == NULL)
        return ENOMEM;
    s->lines = tmp;
    memcpy(tmp[s->n].id_number, v, vl - 2);
    tmp[s->n].tenths = nul[1] << 8 | nul[2];
    s->n++;
    return 0;
}

/* Reads the sheet of exam_id into *s (freed with sheet_free). STORE_ENOTFOUND. */
static int sheet_get(store_txn *txn, const char *exam_id, struct sheet *s)
{
    struct store_rec_reader r;
    const void *v, *fv;
    size_t vl, fl;
    uint8_t tag;
    int rc = store_get(txn, tr_db(TR_DB_SCORES), exam_id, strlen(exam_id), &v, &vl);
    int found = rc == 0;

    memset(s, 0, sizeof *s);
    if (found)
        rc = store_rec_open(&r, v, vl);
    while (rc == 0) {
        rc = store_rec_next(&r, &tag, &fv, &fl);
        if (rc == 0 && tag == 1)
            rc = store_rec_u16(fv, fl, &s->state);
        else if (rc == 0 && tag == 2)
            rc = store_rec_str(fv, fl, s->reason, sizeof s->reason);
        else if (rc == 0 && tag == 3)
            rc = sheet_line(s, fv, fl);
    }
    if (found && rc == STORE_ENOTFOUND)
        rc = 0;
    if (rc != 0)
        sheet_free(s);
    return rc;
}

static int sheet_put(store_txn *txn, const char *exam_id, const struct sheet *s)
{
    struct jp_buf b;
    int rc;

    jp_buf_init(&b, TR_REC_MAX);
    rc = sheet_encode(s, &b);
    if (rc == 0)
        rc = store_put(txn, tr_db(TR_DB_SCORES), exam_id, strlen(exam_id), b.data, b.len, 0);
    jp_buf_free(&b);
    return rc;
}

struct scores_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *exam_id;
    struct sheet s; /* upload: lines not owned (the caller's canonical copy) */
    int approve;    /* review */
    const char *reason;
};

/* 1 when s has a line for the ID number id[0..n-1]. */
static int sheet_has(const struct sheet *s, const char *id, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->lines[i].id_number) == n && memcmp(s->lines[i].id_number, id, n) == 0)
            return 1;
    return 0;
}

/*
 * Every line names a candidate of the class, once, and every candidate of the
 * class has a line. A missing one is named by its place in the class (in
 * id_number order), never by its name or number.
 */
static int sheet_lines_ok(store_txn *txn, const char *class_id, const struct sheet *s, char *why,
                          size_t whylen)
{
    char key[CAND_KEY_MAX];
    const void *v;
    size_t vl, n = 0, missing = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->lines[i].id_number, s->lines[j].id_number) == 0) {
                jp_errf(why, whylen, "line %zu: id_number: repeats line %zu", i + 1, j + 1);
                return TRAINING_EREFUSED;
            }
        rc = store_get(txn, tr_db(TR_DB_CAND), key, cand_key(key, class_id, s->lines[i].id_number),
                       &v, &vl);
        if (rc == STORE_ENOTFOUND) {
            jp_errf(why, whylen, "line %zu: id_number: not a candidate of the class", i + 1);
            return TRAINING_EREFUSED;
        }
    }
    if (rc == 0)
        rc = class_scan(txn, class_id, s, &n, &missing);
    if (rc == 0 && missing != 0) {
        jp_errf(why, whylen,
                "scores: no score for candidate %zu of the class's %zu (in id_number "
                "order); one score per candidate",
                missing, n);
        rc = TRAINING_EREFUSED;
    }
    return rc;
}

static int scores_upload_txn(store_txn *txn, void *arg)
{
    struct scores_op *op = arg;
    struct sheet old = {0};
    struct tr_plan p;
    struct tr_inst in;
    int rc = tr_need_inst(txn, op->r.a, &in, op->r.why, op->r.whylen);

    if (rc == 0)
        rc = known_plan(txn, op->exam_id, &p, op->r.why, op->r.whylen);
    if (rc == 0 && strcmp(p.inst, op->r.a->code) != 0) {
        jp_errf(op->r.why, op->r.whylen, "exam_id: exam of another institution");
        rc = TRAINING_EREMIT;
    }
    if (rc == 0 && p.state != TR_APPROVED) {
        jp_errf(op->r.why, op->r.whylen, "exam_id: plan is %s, not approved",
                tr_review_state_name(p.state));
        rc = TRAINING_EREFUSED;
    }
    if (rc == 0)
        rc = sheet_get(txn, op->exam_id, &old);
    if (rc == 0 && old.state == TR_APPROVED) {
        jp_errf(op->r.why, op->r.whylen, "exam_id: score sheet is already approved");
        rc = TRAINING_EREFUSED;
    }
    sheet_free(&old);
    if (rc == STORE_ENOTFOUND)
        rc = 0; /* no sheet yet */
    if (rc == 0)
        rc = sheet_lines_ok(txn, p.class_id, &op->s, op->r.why, op->r.whylen);
    if (rc == 0)
        rc = sheet_put(txn, op->exam_id, &op->s);
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, "scores upload", "exam %s: %zu scores", op->exam_id, op->s.n);
    return rc;
}

int training_scores_upload(training *t, const struct training_actor *a, const char *exam_id,
                           const struct training_score *scores, size_t n, char *why, size_t whylen)
{
    struct scores_op op = {.r = {.a = a, .why = why, .whylen = whylen}, .exam_id = exam_id};
    int rc = 0;

    if (exam_id == NULL || !tr_exam_ok(exam_id)) {
        jp_errf(why, whylen, "exam_id: must be 1-64 printable characters without spaces");
        return TRAINING_EINVAL;
    }
    if (n < 1 || n > TRAINING_CLASS_MAX) {
        jp_errf(why, whylen, "scores: must be 1-%d lines", TRAINING_CLASS_MAX);
        return TRAINING_EINVAL;
    }
    op.s.lines = calloc(n, sizeof *op.s.lines);
    if (op.s.lines == NULL)
        return ENOMEM;
    op.s.n = n;
    op.s.state = TR_SUBMITTED;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = id_canon(scores[i].id_number, op.s.lines[i].id_number, why, whylen);
        if (rc != 0) {
            jp_errf(why, whylen, "line %zu: id_number: must be 1-32 printable characters", i + 1);
        } else if (scores[i].tenths < 0 || scores[i].tenths > 1000) {
            jp_errf(why, whylen, "line %zu: score: must be 0-100", i + 1);
            rc = TRAINING_EINVAL;
        }
        op.s.lines[i].tenths = scores[i].tenths;
    }
    if (rc == 0)
        rc = store_write(t->st, scores_upload_txn, &op);
    sheet_free(&op.s);
    return rc;
}

static int scores_review_txn(store_txn *txn, void *arg)
{
    struct scores_op *op = arg;
    struct sheet s = {0};
    struct tr_plan p;
    int rc = city_plan(txn, op->r.a, op->exam_id, &p, op->r.why, op->r.whylen);

    if (rc == 0)
        rc = sheet_get(txn, op->exam_id, &s);
    if (rc == STORE_ENOTFOUND) {
        jp_errf(op->r.why, op->r.whylen, "exam_id: no score sheet uploaded");
        rc = TRAINING_ENOTFOUND;
    }
    if (rc == 0)
        rc = awaiting_review(&op->r, "score sheet", s.state);
    if (rc == 0) {
        s.state = op->approve ? TR_APPROVED : TR_REJECTED;
        memcpy(s.reason, op->approve ? "" : op->reason, op->approve ? 1 : strlen(op->reason) + 1);
        rc = sheet_put(txn, op->exam_id, &s);
    }
    if (rc == 0)
        rc = tr_auditf(txn, op->r.a, op->approve ? "scores approve" : "scores reject", "exam %s",
                       op->exam_id);
    sheet_free(&s);
    return rc;
}

int training_scores_review(training *t, const struct training_actor *a, const char *exam_id,
                           int approve, const char *reason, char *why, size_t whylen)
{
    struct scores_op op = {.r = {.a = a, .why = why, .whylen = whylen},
                           .exam_id = exam_id,
                           .approve = approve,
                           .reason = reason};
    int rc = review_args(t, a, exam_id, approve, reason, why, whylen);

    if (rc != 0)
        return rc;
    return store_write(t->st, scores_review_txn, &op);
}

/* --------------------------------------------------------------- export */

struct export_op {
    struct tr_req r; /* who acts, and where a refusal's reason goes */
    const char *exam_id;
    struct jp_buf lines; /* the JSON Lines, emptied at the start of each run */
    size_t count;        /* lines written */
};

static int export_line(struct jp_buf *out, const struct tr_cand *c, const struct tr_inst *in,
                       const struct tr_plan *p, int tenths)
{
    int rc = jp_buf_puts(out, "{\"name\":");

    if (rc == 0)
        rc = jp_json_strz(out, c->name);
    if (rc == 0)
        rc = jp_buf_printf(out,
                           ",\"gender\":\"%s\",\"id_type\":\"%s\",\"id_number\":\"%s\","
                           "\"position\":\"%s\",\"institution_code\":\"%s\","
                           "\"institution_name\":",
                           c->gender, c->id_type, c->id_number, p->position, in->code);
    if (rc == 0)
        rc = jp_json_strz(out, in->name);
    if (rc == 0)
        rc = jp_buf_printf(out, ",\"city\":\"%s\",\"exam_id\":", in->city);
    if (rc == 0)
        rc = jp_json_strz(out, p->exam_id);
    if (rc == 0)
        rc = jp_buf_printf(out, ",\"exam_date\":\"%s\",\"score\":%d", p->exam_date, tenths / 10);
    if (rc == 0 && tenths % 10 != 0)
        rc = jp_buf_printf(out, ".%d", tenths % 10);
    if (rc == 0)
        rc = jp_buf_puts(out, "}\n");
    return rc;
}

/* The plan of exam_id if the actor may export it. */
static int export_plan(store_txn *txn, const struct training_actor *a, const char *exam_id,
                       struct tr_plan *p, char *why, size_t whylen)
{
    int rc = known_plan(txn, exam_id, p, why, whylen);

    if (rc != 0)
        return rc;
    if (a->role == TRAINING_CITY)
        return tr_city_oversees(a, p->city, why, whylen);
    if (a->role != TRAINING_INST || strcmp(a->code, p->inst) != 0) {
        jp_errf(why, whylen, "actor: only the exam's institution or its city may export");
        return TRAINING_EREMIT;
    }
    return 0;
}

static int export_txn(store_txn *txn, void *arg)
{
    struct export_op *op = arg;
    struct tr_cand c;
    struct tr_field f[] = CAND_FIELDS(&c);
    struct sheet s = {0};
    struct tr_plan p;
    struct tr_inst in;
    char key[CAND_KEY_MAX];
    int rc;

    jp_buf_reset(&op->lines);
    op->count = 0;
    rc = export_plan(txn, op->r.a, op->exam_id, &p, op->r.why, op->r.whylen);
    if (rc == 0)
        rc = tr_inst_get(txn, p.inst, &in);
    if (rc == 0)
        rc = sheet_get(txn, op->exam_id, &s);
    if (rc == STORE_ENOTFOUND || (rc == 0 && s.state != TR_APPROVED)) {
        jp_errf(op->r.why, op->r.whylen, "exam_id: score sheet is not approved");
        rc = TRAINING_EREFUSED;
    }
    for (size_t i = 0; rc == 0 && i < s.n; i++) {
        if (s.lines[i].tenths < op->r.t->cfg.pass_mark_tenths)
            continue;
        rc = tr_get(txn, TR_DB_CAND, key, cand_key(key, p.class_id, s.lines[i].id_number), f, 5);
        if (rc == 0)
            rc = export_line(&op->lines, &c, &in, &p, s.lines[i].tenths);
        op->count++;
    }
    sheet_free(&s);
    if (rc == 0)
        rc =
            tr_auditf(txn, op->r.a, "export-passed", "exam %s: %zu passed", op->exam_id, op->count);
    return rc;
}

int training_export_passed(training *t, const struct training_actor *a, const char *exam_id,
                           struct jp_buf *out, size_t *count, char *why, size_t whylen)
{
    struct export_op op = {.r = {.t = t, .a = a, .why = why, .whylen = whylen}, .exam_id = exam_id};
    int rc;

    *count = 0;
    if (exam_id == NULL || !tr_exam_ok(exam_id)) {
        jp_errf(why, whylen, "exam_id: must be 1-64 printable characters without spaces");
        return TRAINING_EINVAL;
    }
    jp_buf_init(&op.lines, 64u << 20);
    rc = store_write(t->st, export_txn, &op);
    if (rc == 0 && op.lines.len > 0)
        rc = jp_buf_append(out, op.lines.data, op.lines.len);
    if (rc == 0)
        *count = op.count;
    jp_buf_free(&op.lines);
    return rc;
}
