/*
 * intake.h - one line of the intake file (SPEC §5) parsed and checked by every
 * rule a clerk would check. Internal to the issuer.
 *
 * Reasons written into why name the field and the rule ("id_number: check
 * character should be 7"), never the value: values are personal data.
 */
#ifndef JP_INTAKE_H
#define JP_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ident.h"
#include "util.h"

struct tmpl; /* templates/tmpl.h */

#define INTAKE_WHY_SIZE 160
#define INTAKE_PHOTO_MAX (200u * 1024) /* SPEC §5: at most 200 KB */

struct intake_rec {
    unsigned long line;                  /* line number in the input, from 1 */
    char name[IDENT_NAME_MAX_BYTES + 1]; /* checked holder name */
    char gender[4];                      /* 男 or 女 */
    char id_type[4];                     /* "111", ... */
    char id_number[IDENT_ID_SIZE];       /* canonical form (final X upper case) */
    char position[3];                    /* catalogue code */
    char institution_code[33];           /* [A-Za-z0-9-]{1,32} */
    char institution_name[257];          /* 1..128 characters, no control characters */
    char city[3];                        /* city table code */
    char exam_id[65];                    /* 1..64 printable ASCII */
    char exam_date[11];                  /* YYYY-MM-DD */
    uint16_t score_tenths;               /* 86.5 -> 865 */
    struct jp_buf photo;                 /* owned JPEG/PNG bytes; data NULL when none */
};

struct intake_ctx {
    const struct jp_config *config; /* catalogue, city table, pass mark */
    struct ident_date today;        /* exam dates after it are refused */
    const char *photo_dir;          /* photos are relative to it (the input's directory) */
    const struct tmpl *tmpl;        /* faces that draw name and institution_name; NULL: unchecked */
};

/*
 * Parses one JSON line into *out (its photo read and owned by out). Returns 0,
 * or EINVAL with the reason in why; out holds nothing to free then.
 * ENOMEM on allocation failure.
 */
int intake_parse(const struct intake_ctx *ctx, const char *line, size_t len, struct intake_rec *out,
                 char *why, size_t whylen);

/* Frees the photo of a record; NULL-safe. */
void intake_rec_clear(struct intake_rec *r);

#endif
