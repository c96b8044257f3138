/*
 * intake.c - JSON Lines intake (Jansson) and the rules of SPEC §5.
 */
#include "intake.h"
#include "tmpl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define AGE_MIN 18
#define AGE_MAX 65

static const char *const known_fields[] = {
    "name", "gender",  "id_type",   "id_number", "position", "institution_code", "institution_name",
    "city", "exam_id", "exam_date", "score",     "photo",
};

static int check_known_fields(json_t *o, char *why, size_t whylen)
{
    const char *key;
    json_t *v;

    json_object_foreach(o, key, v)
    {
        size_t i, n = sizeof known_fields / sizeof known_fields[0];
        (void)v;
        for (i = 0; i < n; i++)
            if (strcmp(key, known_fields[i]) == 0)
                break;
        if (i == n) {
            jp_errf(why, whylen, "unknown field (expected only the fields of SPEC §5)");
            return EINVAL;
        }
    }
    return 0;
}

/* A required string field: present, a string, 1..max bytes. */
static int get_str(json_t *o, const char *key, size_t max, const char **s, size_t *len, char *why,
                   size_t whylen)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL) {
        jp_errf(why, whylen, "%s: missing", key);
        return EINVAL;
    }
    if (!json_is_string(v)) {
        jp_errf(why, whylen, "%s: must be a string", key);
        return EINVAL;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (*len == 0) {
        jp_errf(why, whylen, "%s: empty", key);
        return EINVAL;
    }
    if (*len > max) {
        jp_errf(why, whylen, "%s: longer than %zu bytes", key, max);
        return EINVAL;
    }
    return 0;
}

static int has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 1;
    return 0;
}

static int check_name(json_t *o, struct intake_rec *r, char *why, size_t whylen)
{
    char reason[IDENT_WHY_SIZE];
    const char *s;
    size_t len;
    int rc = get_str(o, "name", IDENT_NAME_MAX_BYTES, &s, &len, why, whylen);

    if (rc != 0)
        return rc;
    if (ident_name_check(s, len, reason, sizeof reason) != 0) {
        jp_errf(why, whylen, "name: %s", reason);
        return EINVAL;
    }
    memcpy(r->name, s, len + 1);
    return 0;
}

static int check_identity(const struct intake_ctx *ctx, json_t *o, struct intake_rec *r, char *why,
                          size_t whylen)
{
    char reason[IDENT_WHY_SIZE];
    const char *type, *id, *gender;
    size_t tlen, idlen, glen;
    int rc;

    rc = get_str(o, "gender", 3, &gender, &glen, why, whylen);
    if (rc != 0)
        return rc;
    if (strcmp(gender, "男") != 0 && strcmp(gender, "女") != 0) {
        jp_errf(why, whylen, "gender: must be 男 or 女");
        return EINVAL;
    }
    strcpy(r->gender, gender);
    rc = get_str(o, "id_type", 3, &type, &tlen, why, whylen);
    if (rc == 0)
        rc = get_str(o, "id_number", IDENT_OTHER_ID_MAX, &id, &idlen, why, whylen);
    if (rc != 0)
        return rc;
    if (ident_id_type_check(type, tlen, reason, sizeof reason) != 0) {
        jp_errf(why, whylen, "id_type: %s", reason);
        return EINVAL;
    }
    strcpy(r->id_type, type);
    if (ident_holder_id_parse(type, tlen, id, idlen, &ctx->today, r->id_number, sizeof r->id_number,
                              reason, sizeof reason) != 0) {
        jp_errf(why, whylen, "id_number: %s", reason);
        return EINVAL;
    }
    return 0;
}

/* Cross-checks that need the exam date: age 18-65, gender digit of a citizen ID. */
static int check_age_gender(const struct intake_rec *r, const struct ident_date *exam, char *why,
                            size_t whylen)
{
    struct ident_citizen_id cid;
    int age;

    if (strcmp(r->id_type, IDENT_ID_TYPE_CITIZEN) != 0)
        return 0;
    if (ident_citizen_id_parse(r->id_number, strlen(r->id_number), NULL, &cid, NULL, 0) != 0) {
        jp_errf(why, whylen, "id_number: invalid");
        return EINVAL;
    }
    age = ident_age_on(&cid.birth, exam);
    if (age < AGE_MIN || age > AGE_MAX) {
        jp_errf(why, whylen, "id_number: holder is %d on the exam date, must be %d-%d", age,
                AGE_MIN, AGE_MAX);
        return EINVAL;
    }
    if ((strcmp(r->gender, "男") == 0) != (cid.male == 1)) {
        jp_errf(why, whylen, "gender: does not match the id_number");
        return EINVAL;
    }
    return 0;
}

static int check_catalogue(const struct intake_ctx *ctx, json_t *o, struct intake_rec *r, char *why,
                           size_t whylen)
{
    const char *pos, *city;
    size_t plen, clen;
    int rc;

    rc = get_str(o, "position", 2, &pos, &plen, why, whylen);
    if (rc != 0)
        return rc;
    if (plen != 2 || jp_config_position(ctx->config, pos) == NULL) {
        jp_errf(why, whylen, "position: not in the position catalogue");
        return EINVAL;
    }
    strcpy(r->position, pos);
    rc = get_str(o, "city", 2, &city, &clen, why, whylen);
    if (rc != 0)
        return rc;
    if (clen != 2 || jp_config_city(ctx->config, city) == NULL) {
        jp_errf(why, whylen, "city: not in the city table of province %s", ctx->config->province);
        return EINVAL;
    }
    strcpy(r->city, city);
    return 0;
}

static int is_code_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

static int is_printable_ascii(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* EINVAL naming the first character of s[0..n-1] that ok() refuses, else 0. */
static int check_chars(const char *field, const char *s, size_t n, int (*ok)(unsigned char),
                       const char *allowed, char *why, size_t whylen)
{
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i])) {
            jp_errf(why, whylen, "%s: character %zu is not %s", field, i + 1, allowed);
            return EINVAL;
        }
    return 0;
}

/* A required string field of characters ok() allows, copied into out (outsz bytes, NUL included).
 */
static int get_token(json_t *o, const char *key, char *out, size_t outsz, int (*ok)(unsigned char),
                     const char *allowed, char *why, size_t whylen)
{
    const char *s;
    size_t len;
    int rc = get_str(o, key, outsz - 1, &s, &len, why, whylen);

    if (rc == 0)
        rc = check_chars(key, s, len, ok, allowed, why, whylen);
    if (rc == 0)
        memcpy(out, s, len + 1);
    return rc;
}

static int check_institution(json_t *o, struct intake_rec *r, char *why, size_t whylen)
{
    const char *name;
    size_t nlen;
    int rc;

    rc = get_token(o, "institution_code", r->institution_code, sizeof r->institution_code,
                   is_code_char, "a letter, digit or -", why, whylen);
    if (rc != 0)
        return rc;
    rc = get_str(o, "institution_name", sizeof r->institution_name - 1, &name, &nlen, why, whylen);
    if (rc != 0)
        return rc;
    if (has_control(name, nlen)) {
        jp_errf(why, whylen, "institution_name: contains a control character");
        return EINVAL;
    }
    strcpy(r->institution_name, name);
    return 0;
}

/* A text the certificate prints must be drawable by the template's faces (docs/fonts.md). */
static int check_drawable(const struct intake_ctx *ctx, const char *field, const char *text,
                          char *why, size_t whylen)
{
    uint32_t cp;

    if (ctx->tmpl == NULL || tmpl_drawable(ctx->tmpl, text, &cp) != TMPL_EGLYPH)
        return 0; /* other faults of the text are the renderer's to name */
    jp_errf(why, whylen, "%s: no configured font has U+%04X", field, (unsigned)cp);
    return EINVAL;
}

static int check_exam(const struct intake_ctx *ctx, json_t *o, struct intake_rec *r,
                      struct ident_date *exam, char *why, size_t whylen)
{
    char reason[IDENT_WHY_SIZE];
    const char *date;
    size_t dlen;
    int rc;

    rc = get_token(o, "exam_id", r->exam_id, sizeof r->exam_id, is_printable_ascii,
                   "printable ASCII", why, whylen);
    if (rc != 0)
        return rc;
    rc = get_str(o, "exam_date", 10, &date, &dlen, why, whylen);
    if (rc != 0)
        return rc;
    if (ident_date_parse(date, dlen, exam, reason, sizeof reason) != 0) {
        jp_errf(why, whylen, "exam_date: %s", reason);
        return EINVAL;
    }
    if (ident_date_cmp(exam, &ctx->today) > 0) {
        jp_errf(why, whylen, "exam_date: is in the future");
        return EINVAL;
    }
    strcpy(r->exam_date, date);
    return 0;
}

static int check_score(const struct intake_ctx *ctx, json_t *o, struct intake_rec *r, char *why,
                       size_t whylen)
{
    json_t *v = json_object_get(o, "score");
    double score, tenths;

    if (v == NULL) {
        jp_errf(why, whylen, "score: missing");
        return EINVAL;
    }
    if (!json_is_number(v)) {
        jp_errf(why, whylen, "score: must be a number");
        return EINVAL;
    }
    score = json_number_value(v);
    if (!(score >= 0 && score <= 100)) {
        jp_errf(why, whylen, "score: must be 0-100");
        return EINVAL;
    }
    tenths = round(score * 10);
    if (fabs(tenths - score * 10) > 1e-6) {
        jp_errf(why, whylen, "score: at most one decimal place");
        return EINVAL;
    }
    if ((int)tenths < ctx->config->pass_mark_tenths) {
        jp_errf(why, whylen, "score: below the pass mark %.1f",
                ctx->config->pass_mark_tenths / 10.0);
        return EINVAL;
    }
    r->score_tenths = (uint16_t)tenths;
    return 0;
}

static int photo_path_ok(const char *p, size_t len)
{
    if (p[0] == '/' || strstr(p, "..") != NULL || has_control(p, len))
        return 0;
    return 1;
}

static int is_jpeg_or_png(const unsigned char *p, size_t n)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return 1;
    return n >= 8 && memcmp(p, png, 8) == 0;
}

/* 1 when the open file fd lies under the real path of dir, else 0. */
static int fd_is_under(int fd, const char *dir)
{
    char link[64], real[PATH_MAX], *root = realpath(dir, NULL);
    ssize_t n = -1;
    size_t rn;
    int under = 0;

    if (root != NULL && jp_strf(link, sizeof link, "/proc/self/fd/%d", fd) == 0)
        n = readlink(link, real, sizeof real - 1);
    if (n > 0) {
        real[n] = '\0';
        rn = strlen(root);
        under = strncmp(real, root, rn) == 0 && (real[rn] == '/' || strcmp(root, "/") == 0);
    }
    free(root);
    return under;
}

/*
 * Opens dir/rel for reading, never through a final symlink, never blocking on
 * a FIFO or device; a regular file whose real path is under dir's. Returns
 * 0 (*fd set) or EINVAL with the reason in why (*fd = -1).
 */
static int photo_open(const char *dir, const char *rel, int *fd, char *why, size_t whylen)
{
    char path[PATH_MAX];
    struct stat st;
    int rc = jp_strf(path, sizeof path, "%s/%s", dir, rel);

    *fd = -1;
    if (rc != 0) {
        jp_errf(why, whylen, "photo: path too long");
        rc = EINVAL;
        goto out;
    }
    *fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0) {
        jp_errf(why, whylen, "photo: cannot read the file (%s)", strerror(errno));
        rc = EINVAL;
        goto out;
    }
    rc = EINVAL;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode))
        jp_errf(why, whylen, "photo: not a regular file");
    else if (!fd_is_under(*fd, dir))
        jp_errf(why, whylen, "photo: outside the input file's folder");
    else if ((uintmax_t)st.st_size > INTAKE_PHOTO_MAX)
        jp_errf(why, whylen, "photo: larger than %u KB", INTAKE_PHOTO_MAX / 1024);
    else
        rc = 0;
    if (rc != 0) {
        close(*fd);
        *fd = -1;
    }
out:
    return rc;
}

/* Reads at most INTAKE_PHOTO_MAX bytes of fd into r->photo. Returns 0, EFBIG, ENOMEM or errno. */
static int photo_read(int fd, struct intake_rec *r)
{
    char chunk[16384];
    ssize_t n;
    int rc = 0;

    jp_buf_init(&r->photo, INTAKE_PHOTO_MAX);
    while (rc == 0 && (n = read(fd, chunk, sizeof chunk)) != 0)
        rc = n < 0 ? errno : jp_buf_append(&r->photo, chunk, (size_t)n);
    if (rc != 0)
        jp_buf_free(&r->photo);
    return rc;
}

/* Reads the optional photo. Messages never name the path: it may hold an ID number. */
static int read_photo(const struct intake_ctx *ctx, json_t *o, struct intake_rec *r, char *why,
                      size_t whylen)
{
    json_t *v = json_object_get(o, "photo");
    const char *rel;
    int fd, rc;

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        jp_errf(why, whylen, "photo: must be a non-empty string path");
        return EINVAL;
    }
    rel = json_string_value(v);
    if (!photo_path_ok(rel, json_string_length(v))) {
        jp_errf(why, whylen, "photo: must be a relative path without ..");
        return EINVAL;
    }
    rc = photo_open(ctx->photo_dir ? ctx->photo_dir : ".", rel, &fd, why, whylen);
    if (rc != 0)
        return rc;
    rc = photo_read(fd, r);
    close(fd);
    if (rc == EFBIG) {
        jp_errf(why, whylen, "photo: larger than %u KB", INTAKE_PHOTO_MAX / 1024);
        return EINVAL;
    }
    if (rc == ENOMEM)
        return ENOMEM;
    if (rc != 0) {
        jp_errf(why, whylen, "photo: cannot read the file (%s)", strerror(rc));
        return EINVAL;
    }
    if (!is_jpeg_or_png(r->photo.data, r->photo.len)) {
        intake_rec_clear(r);
        jp_errf(why, whylen, "photo: not a JPEG or PNG file");
        return EINVAL;
    }
    return 0;
}

static int parse_object(const struct intake_ctx *ctx, json_t *o, struct intake_rec *r, char *why,
                        size_t whylen)
{
    struct ident_date exam;
    int rc;

    rc = check_known_fields(o, why, whylen);
    if (rc == 0)
        rc = check_name(o, r, why, whylen);
    if (rc == 0)
        rc = check_drawable(ctx, "name", r->name, why, whylen);
    if (rc == 0)
        rc = check_identity(ctx, o, r, why, whylen);
    if (rc == 0)
        rc = check_catalogue(ctx, o, r, why, whylen);
    if (rc == 0)
        rc = check_institution(o, r, why, whylen);
    if (rc == 0)
        rc = check_drawable(ctx, "institution_name", r->institution_name, why, whylen);
    if (rc == 0)
        rc = check_exam(ctx, o, r, &exam, why, whylen);
    if (rc == 0)
        rc = check_age_gender(r, &exam, why, whylen);
    if (rc == 0)
        rc = check_score(ctx, o, r, why, whylen);
    if (rc == 0)
        rc = read_photo(ctx, o, r, why, whylen);
    return rc;
}

int intake_parse(const struct intake_ctx *ctx, const char *line, size_t len, struct intake_rec *out,
                 char *why, size_t whylen)
{
    unsigned long lineno = out->line;
    json_error_t jerr;
    json_t *o;
    int rc;

    memset(out, 0, sizeof *out);
    out->line = lineno;
    /* Jansson rejects invalid UTF-8 and, without JSON_ALLOW_NUL, NUL in strings. */
    o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL) {
        /* Jansson quotes the offending token ("near '...'"): it may be personal data. */
        char *near = strstr(jerr.text, " near ");
        if (near != NULL)
            *near = '\0';
        jp_errf(why, whylen, "not valid JSON at column %d: %s", jerr.column, jerr.text);
        return EINVAL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        jp_errf(why, whylen, "not a JSON object");
        return EINVAL;
    }
    rc = parse_object(ctx, o, out, why, whylen);
    json_decref(o);
    if (rc != 0)
        intake_rec_clear(out);
    return rc;
}

void intake_rec_clear(struct intake_rec *r)
{
    if (r != NULL)
        jp_buf_free(&r->photo);
}
