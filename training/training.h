/*
 * training.h - the training companion (SPEC §1, §5, §9; issue "Training
 * companion"): the workflow of the Guangdong notice that produces the passed
 * candidates the issuer numbers, and the continuing-education ledger that
 * feeds the issuer's "lapse" status changes.
 *
 * Roles. Every operation names its actor: the province (directory of
 * institutions, quotas, inspection draws), a city (confirms institutions of
 * its own city, reviews their test plans and score sheets, receives
 * complaints) or an institution (classes, candidates, plans, scores,
 * blacklist, export). An actor outside its remit is refused with
 * TRAINING_EREMIT.
 *
 * Data. The module keeps its own LMDB environment at HOME/training (through
 * store/), with its own hash-chained audit log: one entry per successful
 * write, actor = the actor's text, action = the command, detail without
 * personal data. Every write runs in one store_write transaction: a refusal
 * leaves the store exactly as it was.
 *
 * Errors: 0 on success, a value of enum training_err (the request broke a
 * rule; a lowercase reason naming the field and the rule, never a personal
 * value, is in the caller's why buffer), or a store / LMDB / errno code passed
 * through (a failure). training_strerror() describes all of them. Nothing here
 * exits or logs personal data.
 */
#ifndef JP_TRAINING_H
#define JP_TRAINING_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "ident.h"
#include "util.h"

enum training_err {
    TRAINING_EREFUSED = JP_ERR_TRAINING_BASE, /* a workflow rule refused the request */
    TRAINING_EREMIT,                          /* the actor acts outside its remit */
    TRAINING_ENOTFOUND,                       /* unknown institution, class, exam, ... */
    TRAINING_EINVAL,                          /* a malformed field (id, date, score, code, ...) */
};

/* A static, lowercase description of any code this module returns. Never NULL. */
const char *training_strerror(int code);

/* Returns 1 when code is a refusal of the request (enum training_err), else 0. */
int training_is_refusal(int code);

#define TRAINING_DIR "training"     /* HOME/training */
#define TRAINING_WHY_SIZE 160       /* holds any reason */
#define TRAINING_CODE_MAX 32        /* institution codes, class ids: [A-Za-z0-9-]{1,32} */
#define TRAINING_EXAM_MAX 64        /* exam ids: 1..64 printable ASCII, no space */
#define TRAINING_TEXT_MAX 256       /* names, reasons, complaint text: bytes of UTF-8 */
#define TRAINING_CLASS_MAX 1000     /* candidates in a class, lines of a score sheet */
#define TRAINING_CE_YEARS 64        /* year indexes 1..64 */
#define TRAINING_CE_YEAR_TENTHS 320 /* SPEC §9: 32 hours each year */
#define TRAINING_CE_PAIR_TENTHS 640 /* SPEC §9: 64 hours over two years */

/* ------------------------------------------------------------- handle */

typedef struct training training;

/*
 * Opens the training data of a home: HOME/config.json (catalogue, cities,
 * pass mark) and the environment HOME/training, created on first use. "Today"
 * starts as the date in China (UTC+8). *out is released with training_close();
 * on error it is NULL and err says why.
 */
int training_open(const char *home, training **out, char *err, size_t errlen);
/* Closes the handle. NULL is a no-op. */
void training_close(training *t);
/* Sets the date used for age and blacklist checks (backdated entry, tests). */
void training_set_today(training *t, const struct ident_date *today);
/* The home's configuration; lives as long as t. */
const struct jp_config *training_config(const training *t);

/* ------------------------------------------------------------- actors */

enum training_role { TRAINING_PROVINCE, TRAINING_CITY, TRAINING_INST };

struct training_actor {
    enum training_role role;          /* who acts */
    char code[TRAINING_CODE_MAX + 1]; /* city "01" or institution code; "" for province */
    char text[TRAINING_CODE_MAX + 8]; /* as given: "province", "city:01", "inst:GD0101" */
};

/*
 * Parses "province", "city:NN" or "inst:CODE" into *out. Only the syntax is
 * checked here; the city table and the institution's state are checked by
 * each operation. TRAINING_EINVAL with why set.
 */
int training_actor_parse(const char *s, struct training_actor *out, char *why, size_t whylen);

/* ------------------------------------------------------ institutions */

/* Province: sets how many institutions a city may confirm (not counting removed ones). */
int training_quota_set(training *t, const struct training_actor *a, const char *city, unsigned max,
                       char *why, size_t whylen);

/*
 * City: confirms a new institution of its own city, within its quota: code
 * [A-Za-z0-9-]{1,32}, name 1..256 bytes without control characters, positions
 * a comma-separated list of catalogue codes ("01,05,13"). State "confirmed".
 */
int training_inst_confirm(training *t, const struct training_actor *a, const char *code,
                          const char *name, const char *positions, char *why, size_t whylen);
/* Province: files (备案) a confirmed institution; it becomes active ("filed"). */
int training_inst_file(training *t, const struct training_actor *a, const char *code, char *why,
                       size_t whylen);
/* Province: removes (清出) an institution, with a reason (1..256 bytes). Final. */
int training_inst_remove(training *t, const struct training_actor *a, const char *code,
                         const char *reason, char *why, size_t whylen);
/*
 * Anyone: the directory as a JSON array (one object per institution: code,
 * name, city, positions, state), appended to out. Returns 0 or a store error.
 */
int training_inst_list_json(training *t, struct jp_buf *out);

/* --------------------------------------------------- inspection draw */

#define TRAINING_SEED_LEN 32 /* bytes of a draw's seed */

/*
 * The pure sampling rule: of n institution codes, the k = ceil(n / 10) (at
 * least 1 when n > 0) whose SHA-256(seed || year || code) sort first are
 * drawn; their indexes go into idx[] in code order. Same inputs, same sample.
 * idx must hold n entries. Returns 0 or ENOMEM.
 */
int training_inspection_sample(const unsigned char seed[TRAINING_SEED_LEN], int year,
                               const char *const *codes, size_t n, size_t *idx, size_t *k);
/*
 * Province: draws year's random inspection sample among the filed
 * institutions, with seed_hex (64 hex digits) or, when NULL, a fresh random
 * seed, and records the year, seed and sample. A year is drawn once
 * (TRAINING_EREFUSED after). Appends the draw as JSON ({"year","seed",
 * "active","sample":[codes]}) to out.
 */
int training_inspection_draw(training *t, const struct training_actor *a, int year,
                             const char *seed_hex, struct jp_buf *out, char *why, size_t whylen);

/* -------------------------------------------------------- complaints */

/* City: records a complaint (text 1..256 bytes) about one of its institutions; *id = its number. */
int training_complaint_add(training *t, const struct training_actor *a, const char *inst_code,
                           const char *text, uint64_t *id, char *why, size_t whylen);
/* City: its complaints as a JSON array appended to out (province: all of them). */
int training_complaint_list_json(training *t, const struct training_actor *a, struct jp_buf *out,
                                 char *why, size_t whylen);

/* --------------------------------------------- classes and candidates */

/* Institution: forms a class (id [A-Za-z0-9-]{1,32}, new) for a position it offers. */
int training_class_create(training *t, const struct training_actor *a, const char *class_id,
                          const char *position, char *why, size_t whylen);

/* A candidate as an institution registers it. All strings NUL-terminated. */
struct training_candidate {
    const char *class_id;   /* a class of the acting institution */
    const char *position;   /* must be offered and be the class's position */
    const char *name;       /* SPEC §5 name rule */
    const char *gender;     /* 男 or 女; for id_type 111 it must match the ID */
    const char *id_type;    /* "111", or another three-digit document type */
    const char *id_number;  /* GB 11643 for 111, else 6..32 printable characters */
    const char *birth_date; /* YYYY-MM-DD; required unless id_type is 111, else NULL */
};

/*
 * Institution: registers a candidate in a class after the checks it can make:
 * valid ID, age 18..65 today, position offered and the class's, not on the
 * test blacklist today, not already in the class.
 */
int training_candidate_register(training *t, const struct training_actor *a,
                                const struct training_candidate *c, char *why, size_t whylen);

/*
 * Institution: puts one of its candidates (in class_id) on the test blacklist
 * (测试黑名单) from `from` (NULL: today) to `until` inclusive, with a reason.
 * Later registrations of that ID inside the period are refused.
 */
int training_blacklist_add(training *t, const struct training_actor *a, const char *class_id,
                           const char *id_number, const char *reason, const char *from,
                           const char *until, char *why, size_t whylen);

/* ------------------------------------------------- plans and scores */

/* Institution: submits a test plan for one of its classes (position = the class's, offered). */
int training_plan_submit(training *t, const struct training_actor *a, const char *class_id,
                         const char *exam_id, const char *position, const char *exam_date,
                         char *why, size_t whylen);
/*
 * City: approves (approve = 1) or rejects (0, reason required) a submitted
 * plan of one of its institutions.
 */
int training_plan_review(training *t, const struct training_actor *a, const char *exam_id,
                         int approve, const char *reason, char *why, size_t whylen);

struct training_score {
    char id_number[IDENT_ID_SIZE]; /* as typed; canonicalised before lookup */
    int tenths;                    /* 86.5 -> 865; must be 0..1000 */
};

/*
 * Institution: uploads the score sheet of an approved plan; every line must
 * name a candidate of the plan's class, once, with a score 0..100. Replaces a
 * submitted or rejected sheet; an approved sheet is final.
 */
int training_scores_upload(training *t, const struct training_actor *a, const char *exam_id,
                           const struct training_score *scores, size_t n, char *why, size_t whylen);
/* City: approves or rejects (reason required) a submitted score sheet of its institution. */
int training_scores_review(training *t, const struct training_actor *a, const char *exam_id,
                           int approve, const char *reason, char *why, size_t whylen);

/*
 * Institution (its own exams) or city (its institutions' exams): appends to
 * out the SPEC §5 JSON Lines of the candidates who reached the pass mark in an
 * APPROVED score sheet, and sets *count. out holds personal data: the caller
 * writes it to the file the operator named and nowhere else.
 */
int training_export_passed(training *t, const struct training_actor *a, const char *exam_id,
                           struct jp_buf *out, size_t *count, char *why, size_t whylen);

/* ------------------------------------------------ continuing education */

struct training_ce {
    char id_number[IDENT_ID_SIZE]; /* the holder */
    int year;                      /* 1..TRAINING_CE_YEARS, counted from the issue date */
    int tenths;                    /* hours * 10, 1..10000 */
};

/*
 * Province or institution: adds hours to each (holder, year), all in one
 * transaction (any bad entry refuses the lot; why names its index from 1).
 */
int training_ce_record(training *t, const struct training_actor *a, const struct training_ce *v,
                       size_t n, char *why, size_t whylen);

/*
 * The pure SPEC §9 rule for one certificate issued on `issued`, as of
 * `as_of`: a year k is complete on the k-th anniversary (29 February issues
 * complete on 1 March in common years); each complete year needs
 * TRAINING_CE_YEAR_TENTHS and each two consecutive complete years
 * TRAINING_CE_PAIR_TENTHS. tenths[k-1] holds year k's hours (nyears entries;
 * missing years count 0). Returns 1 and a reason ("continuing education: 20
 * of 32 hours in year 1") when the certificate must lapse, 0 when in good
 * standing, -1 for invalid dates or a reason buffer too small (64 bytes suffice).
 */
int training_ce_standing(const struct ident_date *issued, const struct ident_date *as_of,
                         const int *tenths, size_t nyears, char *reason, size_t reasonlen);

/*
 * Province: for every VALID certificate of HOME/store (opened read-only),
 * applies training_ce_standing with the ledger's hours and appends one JSON
 * line {"certificate_no","action":"lapse","reason"} per certificate that must
 * lapse to out (the input of `jianpei-issuer apply-status`); *count = lines.
 */
int training_ce_lapses(training *t, const struct training_actor *a, const struct ident_date *as_of,
                       struct jp_buf *out, size_t *count, char *why, size_t whylen);

/*
 * Province: the reminders of SPEC §9 before the fact. For every VALID certificate
 * whose next anniversary after as_of falls within within_days days (0..366), the
 * standing on that anniversary is computed with the hours recorded so far; one
 * JSON line per certificate that would lapse then is appended to out:
 * {"certificate_no","due":"YYYY-MM-DD","year":K,"hours":"20","needed":"32",
 *  "reason":"continuing education: 20 of 32 hours in year K"}
 * (no name or ID number: the line is the input of notify). *count = lines.
 */
int training_ce_due(training *t, const struct training_actor *a, const struct ident_date *as_of,
                    int within_days, struct jp_buf *out, size_t *count, char *why, size_t whylen);

/* ------------------------------------------------ review outcomes */

#define TRAINING_TEMPLATE_MAX 24 /* bytes of a message template id, NUL included */

/* A city's decision on a test plan or a score sheet, as its audit entry records it. */
struct training_outcome {
    uint64_t seq;                            /* the audit entry of the review: one event */
    int64_t time;                            /* when it was decided, unix seconds */
    char template_id[TRAINING_TEMPLATE_MAX]; /* plan_approved, plan_rejected, scores_... */
    char exam_id[TRAINING_EXAM_MAX + 1];     /* the plan's exam */
    char institution[TRAINING_CODE_MAX + 1]; /* the institution that submitted it */
    char city[3];                            /* the reviewing city */
};

/* One outcome of training_review_outcomes; a nonzero return stops the walk and is returned. */
typedef int (*training_outcome_fn)(const struct training_outcome *o, void *ctx);

/*
 * Calls each, in audit order, for every plan or score-sheet approval and
 * rejection of the training audit log (one read transaction). The rejection
 * reason is free text and is not passed on. *o lives for the call only.
 * Returns 0, each's nonzero return, or a store error (STORE_ECORRUPT when an
 * entry or its plan does not decode).
 */
int training_review_outcomes(training *t, training_outcome_fn each, void *ctx);

/* ------------------------------------------------------------- audit */

/*
 * Recomputes the hash chain of the training audit log (store_audit_verify):
 * 0 with *first_bad = 0 when intact, STORE_ECORRUPT with the first bad
 * sequence number otherwise; *count = entries read.
 */
int training_audit_verify(training *t, uint64_t *first_bad, uint64_t *count);

#endif
