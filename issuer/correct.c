/*
 * correct.c - corrections of a certificate's holder data (信息变更): the
 * stored record with the new values goes through every intake rule of SPEC §5
 * (intake.c, as an issue line would), then the next file version is made by
 * reissue_version, the one path of every new version. The old and new values
 * and the reason go into the issuer's "corrections" database; the audit entry
 * names the fields and that record's SHA-256, never a value.
 */
#include "audit.h"
#include "claim.h"
#include "ident.h"
#include "intake.h"
#include "issuer.h"
#include "issuer_int.h"
#include "store.h"
#include "tmpl.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/sha.h>

#define CHINA_UTC_OFFSET (8 * 3600)
#define CORR_KEY_LEN (STORE_CERT_NO_LEN + 2) /* number + version u16 BE */
#define CORR_REC_MAX (4u * 1024)             /* bytes of one corrections record */

struct correct {
    issuer *is;                        /* the issuer */
    const char *no;                    /* certificate number */
    const struct issuer_correction *o; /* what to change */
    struct intake_ctx ctx;             /* the intake rules' context */
    struct intake_rec rec;             /* the record with the new values, checked */
    struct jp_buf pdf;                 /* the new file */
    struct issuer_correct_result *out; /* what was done */
    char code[JP_CLAIM_CODE_SIZE];     /* the new claim code, when asked */
    char photo_dir[JP_HOME_PATH_MAX];  /* folder of o->photo */
    char photo_base[JP_HOME_PATH_MAX]; /* its name in that folder */
    char *err;                         /* caller's message buffer */
    size_t errlen;                     /* its size */
};

/* ---------------------------------------------------------------- rules */

/* The stored record c with the new values as an intake line (SPEC §5), malloc'd; NULL: ENOMEM. */
static char *intake_line(const struct correct *k, const struct store_cert *c)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "name",
        k->o->name ? k->o->name : c->holder_name, "gender", k->o->gender ? k->o->gender : c->gender,
        "id_type", c->id_type, "id_number", c->id_number, "position", c->position_code,
        "institution_code", c->institution_code, "institution_name", c->institution_name, "city",
        c->city, "exam_id", c->exam_id, "exam_date", c->exam_date, "score", c->score_tenths / 10.0);
    char *line = NULL;

    if (o != NULL && k->o->photo != NULL &&
        json_object_set_new(o, "photo", json_string(k->photo_base)) != 0) {
        json_decref(o);
        return NULL;
    }
    if (o != NULL)
        line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return line;
}

/* The option of a new value an intake reason names ("name: ..." -> "--name"), or "". */
static const char *option_of(const char *why)
{
    static const char *const fields[][2] = {
        {"name:", "--name: "}, {"gender:", "--gender: "}, {"photo:", "--photo: "}};

    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strncmp(why, fields[i][0], strlen(fields[i][0])) == 0)
            return fields[i][1];
    return "";
}

/* Applies every intake rule to c with the new values into k->rec. ISSUER_EARG names the option. */
static int check_new(struct correct *k, const struct store_cert *c)
{
    char why[INTAKE_WHY_SIZE];
    char *line = intake_line(k, c);
    size_t len;
    int rc;

    if (line == NULL)
        return ENOMEM;
    len = strlen(line);
    intake_rec_clear(&k->rec);
    rc = intake_parse(&k->ctx, line, len, &k->rec, why, sizeof why);
    jp_free_secret(line, len);
    if (rc == EINVAL) {
        jp_errf(k->err, k->errlen, "%s: %s%s", c->certificate_no, option_of(why), why);
        return ISSUER_EARG;
    }
    return rc;
}

/* ------------------------------------------------------------- record */

static void sha256_hex(const void *p, size_t n, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256(p, n, md);
    jp_hex_encode(md, sizeof md, hex);
}

/* Adds {"old":a,"new":b} under field to changes and its name to the result's list. */
static int add_change(json_t *changes, struct issuer_correct_result *out, const char *field,
                      const char *a, const char *b)
{
    size_t n = strlen(out->fields);

    if (json_object_set_new(changes, field, json_pack("{s:s, s:s}", "old", a, "new", b)) != 0)
        return ENOMEM;
    return jp_strf(out->fields + n, sizeof out->fields - n, "%s%s", n ? ", " : "", field);
}

/* The changes of c (old) into the new record k->rec: the JSON object and out->fields. */
static int changes_of(struct correct *k, const struct store_cert *c, const void *photo,
                      size_t photo_len, json_t *changes)
{
    char a[65], b[65];
    int rc = 0;

    k->out->fields[0] = '\0';
    if (strcmp(c->holder_name, k->rec.name) != 0)
        rc = add_change(changes, k->out, "name", c->holder_name, k->rec.name);
    if (rc == 0 && strcmp(c->gender, k->rec.gender) != 0)
        rc = add_change(changes, k->out, "gender", c->gender, k->rec.gender);
    if (rc == 0 && k->rec.photo.data != NULL) {
        if (photo != NULL)
            sha256_hex(photo, photo_len, a);
        else
            memcpy(a, "none", sizeof "none");
        sha256_hex(k->rec.photo.data, k->rec.photo.len, b);
        if (strcmp(a, b) != 0)
            rc = add_change(changes, k->out, "photo", a, b);
    }
    if (rc == 0 && k->out->fields[0] == '\0') {
        jp_errf(k->err, k->errlen, "%s: nothing to correct: the new values are the stored ones",
                c->certificate_no);
        rc = ISSUER_EARG;
    }
    return rc;
}

static void corr_key(const char *no, unsigned version, unsigned char key[CORR_KEY_LEN])
{
    memcpy(key, no, STORE_CERT_NO_LEN);
    key[STORE_CERT_NO_LEN] = (unsigned char)(version >> 8);
    key[STORE_CERT_NO_LEN + 1] = (unsigned char)version;
}

/* Stores the corrections record of c's new version; its SHA-256 into hex. */
static int record_put(struct correct *k, store_txn *txn, const struct store_cert *c,
                      json_t *changes, char hex[65])
{
    unsigned char key[CORR_KEY_LEN];
    json_t *o = json_pack("{s:s, s:i, s:I, s:s, s:s, s:O}", "certificate_no", c->certificate_no,
                          "file_version", (int)c->file_version, "time", (json_int_t)c->version_at,
                          "actor", k->o->actor, "reason", k->o->reason, "changes", changes);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    size_t len = text != NULL ? strlen(text) : 0;
    int rc = text == NULL ? ENOMEM : 0;

    json_decref(o);
    if (rc == 0 && len > CORR_REC_MAX)
        rc = EFBIG;
    if (rc == 0) {
        sha256_hex(text, len, hex);
        corr_key(c->certificate_no, c->file_version, key);
        rc = store_put(txn, k->is->corrections_db, key, sizeof key, text, len, STORE_PUT_NEW);
    }
    if (text != NULL) {
        jp_free_secret(text, len);
    }
    return rc;
}

/* ---------------------------------------------------------- transaction */

/* The corrected record: new values, and a new claim code when asked. */
static int apply_new(struct correct *k, struct store_cert *c)
{
    int rc = store_text_set(c->holder_name, sizeof c->holder_name, k->rec.name);

    if (rc == 0)
        rc = store_text_set(c->gender, sizeof c->gender, k->rec.gender);
    if (rc == 0 && k->o->new_claim_code)
        rc = jp_claim_new(k->code);
    if (rc == 0 && k->o->new_claim_code)
        rc = jp_claim_hash(k->is->claim_key, c->certificate_no, k->code, c->claim_hash);
    return rc;
}

static int correct_txn(store_txn *txn, void *arg)
{
    struct correct *k = arg;
    struct store_cert c;
    json_t *changes = json_object();
    struct jp_buf old;
    const void *photo = NULL;
    size_t photo_len = 0;
    char hex[65];
    int rc = changes == NULL ? ENOMEM : store_cert_get(txn, k->no, &c);

    jp_buf_init(&old, TMPL_MAX_PHOTO);
    if (rc == 0)
        rc = check_new(k, &c);
    if (rc == 0)
        rc = photo_get(txn, c.certificate_no, &old);
    if (rc == 0 && old.len > 0) {
        photo = old.data;
        photo_len = old.len;
    }
    if (rc == 0)
        rc = changes_of(k, &c, photo, photo_len, changes);
    if (rc == 0)
        rc = apply_new(k, &c);
    if (rc == 0 && k->rec.photo.data != NULL) {
        photo = k->rec.photo.data;
        photo_len = k->rec.photo.len;
    }
    /* reissue_version stores photo (the new one, or the old copied out of the map) */
    if (rc == 0)
        rc = reissue_version(k->is, txn, &c, photo, photo_len, &k->pdf, k->err, k->errlen);
    if (rc == 0)
        rc = record_put(k, txn, &c, changes, hex);
    if (rc == 0)
        rc = audit_append(txn, c.version_at, "correct", c.certificate_no, k->o->actor,
                          "file version %u: %s%s; record sha256 %s", (unsigned)c.file_version,
                          k->out->fields, k->o->new_claim_code ? ", claim code" : "", hex);
    if (rc == 0)
        k->out->file_version = c.file_version;
    json_decref(changes);
    jp_buf_free(&old);
    jp_cleanse(&c, sizeof c);
    return rc;
}

/* ------------------------------------------------------------ checks */

static int check_opts(struct correct *k)
{
    const struct issuer_correction *o = k->o;
    char copy[JP_HOME_PATH_MAX];
    int rc;

    if (o->name == NULL && o->gender == NULL && o->photo == NULL) {
        jp_errf(k->err, k->errlen, "give at least one of --name, --gender, --photo");
        return ISSUER_EARG;
    }
    if (o->reason == NULL || !status_note_ok(o->reason)) {
        jp_errf(k->err, k->errlen,
                "--reason: must be 1-%d bytes of UTF-8 without control characters",
                ISSUER_NOTE_MAX);
        return ISSUER_EARG;
    }
    if (o->photo == NULL)
        return 0;
    rc = jp_strf(copy, sizeof copy, "%s", o->photo);
    if (rc == 0)
        rc = jp_strf(k->photo_base, sizeof k->photo_base, "%s", basename(copy));
    if (rc == 0)
        rc = jp_strf(copy, sizeof copy, "%s", o->photo);
    if (rc == 0)
        rc = jp_strf(k->photo_dir, sizeof k->photo_dir, "%s", dirname(copy));
    if (rc != 0) {
        jp_errf(k->err, k->errlen, "--photo: path too long");
        return ISSUER_EARG;
    }
    k->ctx.photo_dir = k->photo_dir;
    return 0;
}

static int today_china(struct ident_date *d)
{
    return ident_date_from_unix((int64_t)time(NULL), CHINA_UTC_OFFSET, d);
}

int issuer_correct(issuer *is, const char *certificate_no, const struct issuer_correction *c,
                   struct issuer_correct_result *out, char *err, size_t errlen)
{
    struct issuer_correction o = *c;
    struct correct k = {
        .is = is, .no = certificate_no, .o = &o, .out = out, .err = err, .errlen = errlen};
    int rc;

    err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (o.actor == NULL)
        o.actor = "jianpei-issuer";
    k.ctx.config = &is->cfg;
    jp_buf_init(&k.pdf, TMPL_MAX_PDF);
    rc = issuer_certno_check(certificate_no, err, errlen);
    if (rc == 0)
        rc = check_opts(&k);
    if (rc == 0)
        rc = audit_actor_check(o.actor, err, errlen);
    if (rc == 0)
        rc = today_china(&k.ctx.today);
    if (rc == 0)
        rc = store_write(is->st, correct_txn, &k);
    if (rc == TMPL_EGLYPH) { /* the new name has a character no configured font draws */
        char why[256];
        jp_strf(why, sizeof why, "%s", err);
        jp_errf(err, errlen, "%s: --%s", certificate_no, why);
        rc = ISSUER_EARG;
    }
    if (rc == 0 && o.new_claim_code)
        jp_claim_show(k.code, out->claim_shown);
    issuer_cert_err(rc, certificate_no, err, errlen);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    intake_rec_clear(&k.rec);
    jp_buf_free(&k.pdf);
    jp_cleanse(&k, sizeof k);
    return rc;
}

/* ------------------------------------------------------------ history */

int issuer_corrections_print(issuer *is, const char *no, FILE *out, size_t *n, char *err,
                             size_t errlen)
{
    unsigned char key[CORR_KEY_LEN];
    store_txn *txn = NULL;
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = issuer_certno_check(no, err, errlen);

    *n = 0;
    corr_key(no, 0, key);
    if (rc == 0)
        rc = store_read_begin(is->st, &txn);
    if (rc == 0)
        rc = store_cursor_open(txn, is->corrections_db, &cur);
    if (rc == 0)
        rc = store_cursor_seek(cur, key, sizeof key, &k, &kl, &v, &vl);
    while (rc == 0 && kl == CORR_KEY_LEN && memcmp(k, no, STORE_CERT_NO_LEN) == 0) {
        if (fwrite(v, 1, vl, out) != vl || fputc('\n', out) == EOF)
            rc = EIO;
        *n += rc == 0;
        if (rc == 0)
            rc = store_cursor_next(cur, &k, &kl, &v, &vl);
    }
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    issuer_err_default(rc, no, err, errlen);
    store_cursor_close(cur);
    store_read_end(txn);
    return rc;
}
