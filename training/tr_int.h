/*
 * tr_int.h - what the training module's files share and nobody else sees:
 * the handle, the names of its databases, a table-driven record codec over
 * store_rec_*, the stored shapes of institutions, classes, plans and score
 * sheets, and the remit and field checks every operation repeats.
 */
#ifndef JP_TR_INT_H
#define JP_TR_INT_H

#include "training.h"
#include "store.h"

#include <stdint.h>

#define TR_PATH_MAX 4096
#define TR_REC_MAX (64u * 1024) /* bound on one record (a score sheet of 1000 lines fits) */
#define TR_POSITIONS_MAX 200    /* "01,02,..." of up to 64 codes */

enum tr_db {
    TR_DB_INST,      /* "t_inst": code -> institution */
    TR_DB_QUOTA,     /* "t_quota": city -> quota */
    TR_DB_CLASS,     /* "t_class": class id -> class */
    TR_DB_CAND,      /* "t_cand": class id 0 id_number -> candidate */
    TR_DB_BLACK,     /* "t_black": id_number -> blacklist entry */
    TR_DB_PLAN,      /* "t_plan": exam id -> test plan */
    TR_DB_SCORES,    /* "t_scores": exam id -> score sheet */
    TR_DB_COMPLAINT, /* "t_complaint": u64 BE number -> complaint */
    TR_DB_DRAW,      /* "t_draw": year "YYYY" -> inspection draw */
    TR_DB_CE,        /* "t_ce": id_number 0 u16 BE year -> hours */
    TR_NDB
};

struct training {
    store *st;               /* HOME/training, owned */
    struct jp_config cfg;    /* HOME/config.json */
    struct ident_date today; /* for ages and blacklist periods */
    char home[TR_PATH_MAX];  /* the home directory */
};

/* The store id of one of our databases. */
static inline int tr_db(enum tr_db d)
{
    return STORE_DB_EXTRA + (int)d;
}

/* ---- record codec: a table of fields, each a text or an integer ---- */

enum tr_ftype { TR_STR, TR_U16, TR_U64 };

/* What every write of the module carries into its transaction (each *_op starts with one). */
struct tr_req {
    const training *t;              /* the module, when the transaction needs it; else NULL */
    const struct training_actor *a; /* who acts; named in the audit entry */
    char *why;                      /* the reason of a refusal goes here */
    size_t whylen;                  /* bytes at why */
};

struct tr_field {
    uint8_t tag;        /* record tag, 1..255 */
    enum tr_ftype type; /* how p is read and written */
    void *p;            /* char[size], uint16_t or uint64_t */
    size_t size;        /* bytes at p for TR_STR */
    const char *cp;     /* encode only: a text field read from here when p is NULL */
};

/* Encodes the fields into out (reset first). */
int tr_rec_encode(const struct tr_field *f, size_t n, struct jp_buf *out);
/* Decodes a record into the fields (texts zeroed first); unknown tags skipped. */
int tr_rec_decode(const void *p, size_t len, const struct tr_field *f, size_t n);
/* store_get + tr_rec_decode. STORE_ENOTFOUND when absent. */
int tr_get(store_txn *txn, enum tr_db db, const void *key, size_t klen, const struct tr_field *f,
           size_t n);
/* tr_rec_encode + store_put (flags 0 or STORE_PUT_NEW). */
int tr_put(store_txn *txn, enum tr_db db, const void *key, size_t klen, const struct tr_field *f,
           size_t n, unsigned flags);

/* ---- stored shapes ---- */

enum tr_inst_state { TR_INST_CONFIRMED = 1, TR_INST_FILED = 2, TR_INST_REMOVED = 3 };
enum tr_review_state { TR_SUBMITTED = 1, TR_APPROVED = 2, TR_REJECTED = 3 };

struct tr_inst {
    char code[TRAINING_CODE_MAX + 1];   /* key */
    char name[TRAINING_TEXT_MAX + 1];   /* UTF-8 */
    char city[3];                       /* city table code */
    char positions[TR_POSITIONS_MAX];   /* "01,05" */
    uint16_t state;                     /* enum tr_inst_state */
    char reason[TRAINING_TEXT_MAX + 1]; /* why removed, else "" */
};

struct tr_plan {
    char exam_id[TRAINING_EXAM_MAX + 1];  /* key */
    char class_id[TRAINING_CODE_MAX + 1]; /* the class examined */
    char inst[TRAINING_CODE_MAX + 1];     /* its institution */
    char city[3];                         /* the institution's city */
    char position[3];                     /* the class's position */
    char exam_date[IDENT_DATE_SIZE];      /* YYYY-MM-DD */
    uint16_t state;                       /* enum tr_review_state */
    char reason[TRAINING_TEXT_MAX + 1];   /* rejection reason, else "" */
};

#define INST_FIELDS(in)                                                                            \
    {                                                                                              \
        {1, TR_STR, (in)->name, sizeof(in)->name, NULL},                                           \
            {2, TR_STR, (in)->city, sizeof(in)->city, NULL},                                       \
            {3, TR_STR, (in)->positions, sizeof(in)->positions, NULL},                             \
            {4, TR_U16, &(in)->state, 0, NULL},                                                    \
            {5, TR_STR, (in)->reason, sizeof(in)->reason, NULL},                                   \
    }

int tr_inst_get(store_txn *txn, const char *code, struct tr_inst *out);
/* Writes an institution (flags 0 or STORE_PUT_NEW); *in is only read (the codec's table is not
 * const). */
int tr_inst_put(store_txn *txn, struct tr_inst *in, unsigned flags);
int tr_plan_get(store_txn *txn, const char *exam_id, struct tr_plan *out);
/* Writes a plan under its exam id; *p is only read. */
int tr_plan_put(store_txn *txn, struct tr_plan *p);
/* 1 when the institution's list holds the position code. */
int tr_inst_offers(const struct tr_inst *in, const char *position);
const char *tr_inst_state_name(unsigned state);
const char *tr_review_state_name(unsigned state);

/* ---- reasons, checks, remit ---- */

/* [A-Za-z0-9-]{1,32}: institution codes and class ids. */
int tr_code_ok(const char *s);
/* 1..64 printable ASCII without spaces: exam ids. */
int tr_exam_ok(const char *s);
/* 1..256 bytes of valid UTF-8 without control characters: names, reasons, text. */
int tr_text_ok(const char *s);
/* TRAINING_EINVAL, why naming field, unless s is not NULL and tr_text_ok. */
int tr_text_check(const char *field, const char *s, char *why, size_t whylen);
/* TRAINING_EINVAL, why naming field, unless s is not NULL and tr_code_ok. */
int tr_code_check(const char *field, const char *s, char *why, size_t whylen);
/* Parses a YYYY-MM-DD field; TRAINING_EINVAL naming field. */
int tr_date(const char *field, const char *s, struct ident_date *out, char *why, size_t whylen);

int tr_need_province(const struct training_actor *a, char *why, size_t whylen);
/* A city actor whose code is in the city table. */
int tr_need_city(const training *t, const struct training_actor *a, char *why, size_t whylen);
/* An institution actor whose institution is filed (active); *in = its record. */
int tr_need_inst(store_txn *txn, const struct training_actor *a, struct tr_inst *in, char *why,
                 size_t whylen);
/* TRAINING_EREMIT unless the city actor oversees the institution's city. */
int tr_city_oversees(const struct training_actor *a, const char *city, char *why, size_t whylen);

/* Appends the audit entry of a successful write; detail must hold no personal data. */
int tr_audit(store_txn *txn, const struct training_actor *a, const char *action,
             const char *detail);
/* tr_audit with the detail printf-formatted; ENOSPC when it does not fit the entry. */
int tr_auditf(store_txn *txn, const struct training_actor *a, const char *action,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ce.c: a holder's hours (tenths) in year k of the ledger; 0 when none. */
int tr_ce_get(store_txn *txn, const char *id, int year, uint64_t *tenths);

/* One certificate of tr_ce_scan: may append a line to out and count it. */
typedef int (*tr_ce_each)(store_txn *ledger, const struct store_cert *cert,
                          const struct ident_date *as_of, void *ctx, struct jp_buf *out,
                          size_t *count);

/* Calls each for every VALID certificate of HOME/store (read-only) with the ledger open. */
int tr_ce_scan(training *t, const struct ident_date *as_of, tr_ce_each each, void *ctx,
               struct jp_buf *out, size_t *count, char *why, size_t whylen);

#endif
