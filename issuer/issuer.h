/*
 * issuer.h - the provincial department's side of Jianpei: creating a home,
 * and (issue.c) turning intake lines into numbered, rendered, signed and
 * stored certificates, and changing their status.
 *
 * Errors: 0, or a positive errno value / a code of the module used (store_*,
 * keys_*, tmpl_*), always with a lowercase reason in the caller's err buffer.
 * Nothing here exits and nothing logs personal data.
 */
#ifndef JP_ISSUER_H
#define JP_ISSUER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "util.h"
#include "ident.h"

/* Paths inside a home; each fits in ISSUER_PATH_MAX. */
#define ISSUER_PATH_MAX 4096
#define ISSUER_KEYS_DIR "keys"
#define ISSUER_STORE_DIR "store"
#define ISSUER_TRUST_FILE "trust-list.pem"
#define ISSUER_ROOT_FILE "trust-root.pem" /* the root certificate, public: the verifier's pin */
#define ISSUER_TEMPLATE_FILE "certificate.tmpl"

struct issuer_init_opts {
    const char *home;           /* the home to create; must not exist or be empty */
    const char *templates_dir;  /* positions.tsv, provinces.tsv, cities-PP.tsv, certificate.tmpl */
    const char *province;       /* two digits, "44" */
    const char *authority;      /* issuing authority, UTF-8 */
    const char *authority_uscc; /* its 统一社会信用代码, GB 32100 checked */
    const char *public_url;     /* http(s)://host[:port][/path], stored upper case */
    const unsigned char *passphrase; /* NULL: keys unencrypted */
    size_t passphrase_len;           /* bytes of passphrase */
    const char *elicence_type_code;  /* NULL: the default placeholder */
};

/* The e-licence type code used when none is given: MOHURD's USCC + sequence
 * "999" (the real sequence for this certificate is not yet published). */
#define ISSUER_DEFAULT_ELICENCE_TYPE "11100000000013338W999"

/*
 * Creates a home: configuration, template, keys (root + signing), store and
 * the exported trust list. Everything is built in a sibling directory and
 * renamed into place last, so a failure or a crash leaves no half home; an
 * existing non-empty home is refused (EEXIST) and left untouched.
 */
int issuer_init_home(const struct issuer_init_opts *o, char *err, size_t errlen);

/* HOME/name into out[ISSUER_PATH_MAX]. ENAMETOOLONG. */
int issuer_home_path(const char *home, const char *name, char *out);

/* ------------------------------------------------------------- issuing */

typedef struct issuer issuer;

#define ISSUER_MAX_THREADS 16
#define ISSUER_LINE_MAX (64u * 1024) /* longer intake lines are rejected unread */

/*
 * Opens a home for issuing: configuration, template (fonts loaded once), the
 * store read-write, and one key handle per worker thread (threads 0 = one per
 * core, at most ISSUER_MAX_THREADS). The passphrase decrypts the signing key
 * when the home's keys are encrypted. *out is released with issuer_close().
 */
int issuer_open(const char *home, const unsigned char *pass, size_t passlen, int threads,
                issuer **out, char *err, size_t errlen);
/* Closes everything issuer_open opened. NULL-safe. */
void issuer_close(issuer *is);
/* The opened home's configuration (lives as long as is). */
const struct jp_config *issuer_config(const issuer *is);
/* The opened store (lives as long as is); for read commands. */
struct store *issuer_store(issuer *is);

enum issuer_outcome {
    ISSUER_ISSUED,   /* a new certificate was issued */
    ISSUER_ALREADY,  /* the same (id_number, position, exam_id) was issued before */
    ISSUER_REJECTED, /* the line broke a rule; nothing changed for it */
};

/* One line's result, 28 bytes: a 100,000-line run keeps 100,000 of them. */
struct issuer_item {
    uint32_t line;                          /* input line number, from 1 */
    uint8_t what;                           /* enum issuer_outcome */
    char certificate_no[IDENT_CERTNO_SIZE]; /* issued or already issued number, else "" */
    uint32_t reason; /* offset of the NUL-terminated reason in text (rejected only) */
};

/* What an issue run did, in input order. Owned by the caller: issuer_report_free. */
struct issuer_report {
    struct issuer_item *items;        /* one per non-blank line */
    size_t n, cap;                    /* used and allocated items */
    struct jp_buf text;               /* reasons; at most 4 GiB (issuer_item.reason) */
    size_t issued, already, rejected; /* counts */
};

struct issuer_issue_opts {
    int all_or_nothing;     /* refuse the whole input when any line is rejected */
    const char *photo_dir;  /* photos are relative to it (the input file's directory) */
    const char *issue_date; /* YYYY-MM-DD, or NULL for today in China (UTC+8) */
    const char *actor;      /* written in the audit log, e.g. the operator's login */
    /* Called after each committed batch: lines read so far, share of input read (or -1). */
    void (*progress)(void *ctx, unsigned long lines, double fraction);
    void *progress_ctx; /* passed to progress */
};

/*
 * Issues the JSON Lines read from in (SPEC §5), streaming: every line is
 * validated; valid new ones are numbered (in input order), rendered and signed
 * on all worker threads, and stored with their PDF, indexes, serial counter and
 * an audit entry in one LMDB write transaction per batch, so a crash leaves
 * each batch whole or absent. Lines already issued are reported with their
 * number. With all_or_nothing the input is validated first, then issued in a
 * single transaction, and any rejection refuses the whole input. Returns 0
 * when the run completed (rejections are in the report), or an error that
 * stopped it (batches committed before stay committed unless all_or_nothing).
 */
int issuer_issue(issuer *is, FILE *in, const struct issuer_issue_opts *o, struct issuer_report *rep,
                 char *err, size_t errlen);

void issuer_report_init(struct issuer_report *rep);
void issuer_report_free(struct issuer_report *rep);
/* Writes the report as the JSON of SPEC §5. Returns 0 or an errno value. */
int issuer_report_write(const struct issuer_report *rep, FILE *out);

/* ------------------------------------------------------ status changes */

/*
 * Changes a certificate's status (SPEC §9) and appends the audit entry, in one
 * transaction. action: "revoke", "suspend", "reinstate", "cancel" or "lapse".
 * Allowed: revoke from valid, suspended or lapsed; suspend from valid;
 * reinstate from suspended or lapsed; cancel from valid, suspended or lapsed;
 * lapse from valid. revoked and cancelled are final. reason is one of the
 * codes of store.h (ISSUER_REASON_CODES), kept with the record and published
 * in the status-changes feed; note (NULL, or 1..ISSUER_NOTE_MAX bytes of
 * printable UTF-8) goes into the audit entry's detail after the code and is
 * never served by the verifier. Returns 0, EALREADY when the certificate
 * already has the target status (nothing written), STORE_ENOTFOUND, EINVAL
 * (bad number, action, reason, note or transition; err says which), or a
 * store error; nothing changes on error.
 */
#define ISSUER_REASON_CODES                                                                        \
    "fraud, error, holder_request, ce_shortfall, institution_struck_off, other"
#define ISSUER_NOTE_MAX 200 /* bytes of an internal note */
int issuer_status_change(struct store *st, const char *certificate_no, const char *action,
                         const char *reason, const char *note, const char *actor, char *err,
                         size_t errlen);

/*
 * Issues a new file for a valid certificate: same number, e-licence identifier
 * version + 1, freshly rendered and signed PDF (with the current signing key),
 * audit entry "reissue". Returns 0, STORE_ENOTFOUND, EINVAL (not valid), or
 * an error of rendering, signing or storing; nothing changes on error.
 */
int issuer_reissue(issuer *is, const char *certificate_no, const char *actor, char *err,
                   size_t errlen);
#endif
