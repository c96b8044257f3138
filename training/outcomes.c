/*
 * outcomes.c - the city's review decisions (plan and score sheet approved or
 * rejected) read back from the training audit log, where each is one entry
 * with its own sequence number: the events that `jianpei-training notify`
 * turns into messages to the institution. The audit log is append-only, so an
 * event keeps its sequence number, and a message id derived from it is stable.
 */
#include "tr_int.h"

#include <string.h>

#define OUTCOME_BATCH 64 /* audit entries read at a time */

struct review_action {
    const char *action;      /* the audit action written by course.c */
    const char *template_id; /* the message template it becomes */
};

static const struct review_action review_actions[] = {
    {"plan approve", "plan_approved"},
    {"plan reject", "plan_rejected"},
    {"scores approve", "scores_approved"},
    {"scores reject", "scores_rejected"},
};

/* The template of an audit action, or NULL when the entry is not a review. */
static const char *review_template(const char *action)
{
    for (size_t i = 0; i < sizeof review_actions / sizeof review_actions[0]; i++)
        if (strcmp(action, review_actions[i].action) == 0)
            return review_actions[i].template_id;
    return NULL;
}

/* Fills *o from a review entry (detail "exam ID") and the plan it names. */
static int outcome_of(store_txn *txn, const struct store_audit_entry *e, const char *template_id,
                      struct training_outcome *o)
{
    struct tr_plan p;
    const char *exam = e->detail + 5;
    int rc;

    if (strncmp(e->detail, "exam ", 5) != 0 || !tr_exam_ok(exam))
        return STORE_ECORRUPT;
    rc = tr_plan_get(txn, exam, &p);
    if (rc == STORE_ENOTFOUND)
        rc = STORE_ECORRUPT;
    if (rc != 0)
        return rc;
    memset(o, 0, sizeof *o);
    o->seq = e->seq;
    o->time = e->time;
    memcpy(o->template_id, template_id, strlen(template_id) + 1);
    memcpy(o->exam_id, exam, strlen(exam) + 1);
    memcpy(o->institution, p.inst, sizeof o->institution);
    memcpy(o->city, p.city, sizeof o->city);
    return 0;
}

int training_review_outcomes(training *t, training_outcome_fn each, void *ctx)
{
    struct store_audit_entry batch[OUTCOME_BATCH];
    struct training_outcome o;
    store_txn *txn = NULL;
    const char *tid;
    uint64_t since = 0;
    size_t n = 0;
    int rc = store_read_begin(t->st, &txn);

    while (rc == 0) {
        rc = store_audit_since(txn, since, batch, OUTCOME_BATCH, &n);
        if (rc != 0 || n == 0)
            break;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            tid = review_template(batch[i].action);
            if (tid != NULL)
                rc = outcome_of(txn, &batch[i], tid, &o);
            if (rc == 0 && tid != NULL)
                rc = each(&o, ctx);
        }
        since = batch[n - 1].seq;
    }
    store_read_end(txn);
    return rc;
}
