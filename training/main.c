/*
 * main.c - jianpei-training, the companion CLI (SPEC §2, issue "Training
 * companion"). A thin layer over jp_training: each command is a row of a
 * table (words, options it takes, options it needs, help), the options are
 * parsed generically, and results map to exit statuses 0 ok, 1 input
 * rejected (nothing changed), 2 usage, 3 failure (nothing changed).
 * Input files (score sheets, continuing-education imports) are JSON Lines.
 */
#include "errors.h"
#include "cli.h"
#include "notify.h"
#include "config.h"
#include "store.h"
#include "training.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_OPTS 12
#define INPUT_MAX (16u << 20) /* bound on an input file */
#define OUTPUT_MAX (64u << 20)

/* The options of one command line: --name value pairs and two flags. */
struct args {
    const char *name[MAX_OPTS]; /* option names without "--" */
    const char *val[MAX_OPTS];  /* their values */
    size_t n;                   /* pairs used */
    int json;                   /* --json given */
    int help;                   /* --help given */
};

struct command;
typedef int (*run_fn)(training *t, const struct training_actor *a, const struct args *g, char *why,
                      size_t whylen);

struct command {
    const char *w1, *w2; /* the command's words; w2 NULL for one-word commands */
    const char *takes;   /* space-separated options it accepts besides --as and --home */
    const char *needs;   /* space-separated options it requires */
    int actor;           /* --as required */
    run_fn run;          /* the work */
    const char *help;    /* usage text */
};

static const char *opt(const struct args *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->name[i], name) == 0)
            return g->val[i];
    return NULL;
}

/* 1 when word is in the space-separated list. */
static int listed(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; p != NULL && *p != '\0';) {
        if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
            return 1;
        p = strchr(p, ' ');
        p = p != NULL ? p + 1 : NULL;
    }
    return 0;
}

/* Parses argv[from..] against the command's option list. Returns 0 or CLI_USAGE. */
static int args_parse(int argc, char **argv, int from, const struct command *c, struct args *g)
{
    int rc = 0;

    memset(g, 0, sizeof *g);
    for (int i = from; rc == 0 && i < argc; i++) {
        const char *name = argv[i] + 2;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            g->help = 1;
        } else if (strcmp(argv[i], "--json") == 0 && listed(c->takes, "json")) {
            g->json = 1;
        } else if (strncmp(argv[i], "--", 2) != 0 ||
                   !(listed(c->takes, name) || strcmp(name, "as") == 0 ||
                     strcmp(name, "today") == 0) ||
                   i + 1 >= argc || g->n == MAX_OPTS) {
            fprintf(stderr, "unexpected argument %s\n", argv[i]);
            rc = CLI_USAGE;
        } else {
            g->name[g->n] = name;
            g->val[g->n++] = argv[++i];
        }
    }
    return rc;
}

/* ------------------------------------------------------------ helpers */

/* Writes a fixed reason and returns TRAINING_EINVAL. */
static int refuse(char *why, size_t whylen, const char *reason)
{
    jp_errf(why, whylen, "%s", reason);
    return TRAINING_EINVAL;
}

static int write_out(const char *path, const struct jp_buf *b, mode_t mode, char *why,
                     size_t whylen)
{
    int rc;

    if (strcmp(path, "-") == 0)
        return fwrite(b->data != NULL ? (const void *)b->data : "", 1, b->len, stdout) == b->len
                   ? 0
                   : EIO;
    rc = jp_write_file_atomic(path, b->data != NULL ? (const void *)b->data : "", b->len, mode);
    if (rc != 0)
        jp_errf(why, whylen, "cannot write %s: %s", path, strerror(rc));
    return rc;
}

/* A number in lo..hi with at most one decimal, as tenths. Returns 0, or -1 when it is not one. */
static int number_tenths(json_t *v, double lo, double hi, int *tenths)
{
    double x, t;

    if (!json_is_number(v))
        return -1;
    x = json_number_value(v);
    t = round(x * 10);
    if (!(x >= lo && x <= hi) || fabs(t - x * 10) > 1e-6)
        return -1;
    *tenths = (int)t;
    return 0;
}

static int json_id(json_t *o, char out[IDENT_ID_SIZE])
{
    const char *s = json_string_value(json_object_get(o, "id_number"));
    size_t n = s != NULL ? strlen(s) : 0;

    if (n < 1 || n >= IDENT_ID_SIZE)
        return -1;
    memcpy(out, s, n + 1);
    if (n == IDENT_CITIZEN_ID_LEN && out[n - 1] == 'x')
        out[n - 1] = 'X';
    return 0;
}

/*
 * Reads a JSON Lines file and calls each(obj, line, ctx) per non-blank line.
 * A malformed line refuses the file (TRAINING_EINVAL, why names the line).
 */
static int read_jsonl(const char *path, int (*each)(json_t *o, size_t line, void *ctx), void *ctx,
                      char *why, size_t whylen)
{
    unsigned char *data = NULL;
    size_t len = 0, line = 0;
    char *p, *nl;
    json_error_t je;
    json_t *o;
    int rc = jp_read_file(path, INPUT_MAX, &data, &len);

    if (rc != 0) {
        jp_errf(why, whylen, "cannot read %s: %s", path, strerror(rc));
        goto out;
    }
    for (p = (char *)data; rc == 0 && p < (char *)data + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)((char *)data + len - p));
        if (nl == NULL)
            nl = (char *)data + len;
        line++;
        if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
            jp_errf(why, whylen, "line %zu: holds a NUL byte", line);
            rc = TRAINING_EINVAL;
            break;
        }
        *nl = '\0';
        if (strspn(p, " \t\r") == strlen(p))
            continue;
        o = json_loads(p, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(o)) {
            jp_errf(why, whylen, "line %zu: not a JSON object", line);
            rc = TRAINING_EINVAL;
        } else {
            rc = each(o, line, ctx);
            if (rc != 0)
                jp_errf(why, whylen, "line %zu: %s", line,
                        rc == 1 ? "needs id_number (string) and score 0-100, one decimal"
                                : "needs id_number, year 1-64 and hours 0.1-1000, one decimal");
            rc = rc != 0 ? TRAINING_EINVAL : 0;
        }
        json_decref(o);
    }
out:
    free(data);
    return rc;
}

/* -------------------------------------------------------- institutions */

static int run_quota(training *t, const struct training_actor *a, const struct args *g, char *why,
                     size_t whylen)
{
    char *end = NULL;
    unsigned long max = strtoul(opt(g, "max"), &end, 10);

    if (end == NULL || *end != '\0' || max > 10000)
        return refuse(why, whylen, "max: must be 0-10000");
    return training_quota_set(t, a, opt(g, "city"), (unsigned)max, why, whylen);
}

static int run_confirm(training *t, const struct training_actor *a, const struct args *g, char *why,
                       size_t whylen)
{
    return training_inst_confirm(t, a, opt(g, "code"), opt(g, "name"), opt(g, "positions"), why,
                                 whylen);
}

static int run_file(training *t, const struct training_actor *a, const struct args *g, char *why,
                    size_t whylen)
{
    return training_inst_file(t, a, opt(g, "code"), why, whylen);
}

static int run_remove(training *t, const struct training_actor *a, const struct args *g, char *why,
                      size_t whylen)
{
    int rc = training_inst_remove(t, a, opt(g, "code"), opt(g, "reason"), why, whylen);

    /* The issuer alone changes certificates: say what to run there (a cascade). */
    if (rc == 0)
        printf("institution %s removed. Its certificates are unchanged; to suspend those it\n"
               "issued in a period, list them first, then run the same without --dry-run:\n"
               "  jianpei-issuer suspend --institution %s --issued-from YYYY-MM-DD "
               "--issued-to YYYY-MM-DD --reason institution_struck_off --dry-run\n",
               opt(g, "code"), opt(g, "code"));
    return rc;
}

static int run_list(training *t, const struct training_actor *a, const struct args *g, char *why,
                    size_t whylen)
{
    struct jp_buf b;
    json_t *arr = NULL, *e;
    size_t i;
    int rc;

    (void)a;
    jp_buf_init(&b, OUTPUT_MAX);
    rc = training_inst_list_json(t, &b);
    if (rc == 0 && g->json) {
        rc = jp_buf_puts(&b, "\n");
        if (rc == 0)
            rc = write_out("-", &b, 0, why, whylen);
        goto out;
    }
    if (rc == 0)
        arr = json_loads((const char *)b.data, 0, NULL);
    json_array_foreach(arr, i, e)
    {
        printf("%-12s %-2s %-10s %s\n", json_string_value(json_object_get(e, "code")),
               json_string_value(json_object_get(e, "city")),
               json_string_value(json_object_get(e, "state")),
               json_string_value(json_object_get(e, "name")));
    }
    json_decref(arr);
out:
    jp_buf_free(&b);
    return rc;
}

static int run_draw(training *t, const struct training_actor *a, const struct args *g, char *why,
                    size_t whylen)
{
    struct jp_buf b;
    int year = atoi(opt(g, "year"));
    int rc;

    jp_buf_init(&b, OUTPUT_MAX);
    rc = training_inspection_draw(t, a, year, opt(g, "seed"), &b, why, whylen);
    if (rc == 0)
        rc = write_out("-", &b, 0, why, whylen);
    jp_buf_free(&b);
    return rc;
}

static int run_complaint_add(training *t, const struct training_actor *a, const struct args *g,
                             char *why, size_t whylen)
{
    uint64_t id = 0;
    int rc = training_complaint_add(t, a, opt(g, "institution"), opt(g, "text"), &id, why, whylen);

    if (rc == 0)
        printf("complaint %llu recorded\n", (unsigned long long)id);
    return rc;
}

static int run_complaint_list(training *t, const struct training_actor *a, const struct args *g,
                              char *why, size_t whylen)
{
    struct jp_buf b;
    int rc;

    (void)g;
    jp_buf_init(&b, OUTPUT_MAX);
    rc = training_complaint_list_json(t, a, &b, why, whylen);
    if (rc == 0)
        rc = jp_buf_puts(&b, "\n");
    if (rc == 0)
        rc = write_out("-", &b, 0, why, whylen);
    jp_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------- course */

static int run_class(training *t, const struct training_actor *a, const struct args *g, char *why,
                     size_t whylen)
{
    return training_class_create(t, a, opt(g, "class"), opt(g, "position"), why, whylen);
}

static int run_register(training *t, const struct training_actor *a, const struct args *g,
                        char *why, size_t whylen)
{
    struct training_candidate c = {
        .class_id = opt(g, "class"),
        .position = opt(g, "position"),
        .name = opt(g, "name"),
        .gender = opt(g, "gender"),
        .id_type = opt(g, "id-type") != NULL ? opt(g, "id-type") : "111",
        .id_number = opt(g, "id-number"),
        .birth_date = opt(g, "birth-date"),
    };

    return training_candidate_register(t, a, &c, why, whylen);
}

static int run_blacklist(training *t, const struct training_actor *a, const struct args *g,
                         char *why, size_t whylen)
{
    return training_blacklist_add(t, a, opt(g, "class"), opt(g, "id-number"), opt(g, "reason"),
                                  opt(g, "from"), opt(g, "until"), why, whylen);
}

static int run_plan_submit(training *t, const struct training_actor *a, const struct args *g,
                           char *why, size_t whylen)
{
    return training_plan_submit(t, a, opt(g, "class"), opt(g, "exam"), opt(g, "position"),
                                opt(g, "date"), why, whylen);
}

/* plan approve and plan reject: reject takes the --reason that approve refuses. */
static int run_plan_review(training *t, const struct training_actor *a, const struct args *g,
                           char *why, size_t whylen)
{
    const char *reason = opt(g, "reason");

    return training_plan_review(t, a, opt(g, "exam"), reason == NULL, reason, why, whylen);
}

struct score_list {
    struct training_score v[TRAINING_CLASS_MAX]; /* lines read */
    size_t n;                                    /* used */
};

static int score_line(json_t *o, size_t line, void *ctx)
{
    struct score_list *s = ctx;
    json_t *v = json_object_get(o, "score");
    double x = json_number_value(v);

    (void)line;
    if (s->n >= TRAINING_CLASS_MAX || json_id(o, s->v[s->n].id_number) != 0 || !json_is_number(v))
        return 1;
    /* A number out of range passes on as -1: the library names the rule. */
    s->v[s->n].tenths = -1;
    if (fabs(x) < 1e6 && number_tenths(v, -1e6, 1e6, &s->v[s->n].tenths) != 0)
        return 1;
    s->n++;
    return 0;
}

static int run_scores_upload(training *t, const struct training_actor *a, const struct args *g,
                             char *why, size_t whylen)
{
    struct score_list *s = calloc(1, sizeof *s);
    int rc;

    if (s == NULL)
        return ENOMEM;
    rc = read_jsonl(opt(g, "input"), score_line, s, why, whylen);
    if (rc == 0)
        rc = training_scores_upload(t, a, opt(g, "exam"), s->v, s->n, why, whylen);
    free(s);
    return rc;
}

/* scores approve and scores reject, as plan approve and reject. */
static int run_scores_review(training *t, const struct training_actor *a, const struct args *g,
                             char *why, size_t whylen)
{
    const char *reason = opt(g, "reason");

    return training_scores_review(t, a, opt(g, "exam"), reason == NULL, reason, why, whylen);
}

static int run_export(training *t, const struct training_actor *a, const struct args *g, char *why,
                      size_t whylen)
{
    struct jp_buf b;
    size_t n = 0;
    int rc;

    jp_buf_init(&b, OUTPUT_MAX);
    rc = training_export_passed(t, a, opt(g, "exam"), &b, &n, why, whylen);
    if (rc == 0)
        rc = write_out(opt(g, "out"), &b, 0600, why, whylen);
    if (rc == 0 && strcmp(opt(g, "out"), "-") != 0)
        printf("%zu passed candidates written to %s\n", n, opt(g, "out"));
    jp_buf_free(&b);
    return rc;
}

/* ------------------------------------------------ continuing education */

static int run_ce_record(training *t, const struct training_actor *a, const struct args *g,
                         char *why, size_t whylen)
{
    struct training_ce e;
    json_t *h = json_real(strtod(opt(g, "hours"), NULL));
    size_t n = strlen(opt(g, "id-number"));
    char *end = NULL;
    int rc;

    memset(&e, 0, sizeof e);
    e.year = (int)strtol(opt(g, "year"), &end, 10);
    e.tenths = -1;
    rc = number_tenths(h, 0, 1000, &e.tenths);
    json_decref(h);
    if (rc != 0)
        return refuse(why, whylen, "hours: must be 0-1000 with one decimal");
    if (n < 1 || n >= IDENT_ID_SIZE || end == NULL || *end != '\0')
        return refuse(why, whylen, "id-number and year: malformed");
    memcpy(e.id_number, opt(g, "id-number"), n + 1);
    if (n == IDENT_CITIZEN_ID_LEN && e.id_number[n - 1] == 'x')
        e.id_number[n - 1] = 'X';
    rc = training_ce_record(t, a, &e, 1, why, whylen);
    if (rc == 0)
        printf("recorded %s hours for year %d\n", opt(g, "hours"), e.year);
    return rc;
}

struct ce_list {
    struct training_ce *v; /* owned */
    size_t n, cap;         /* used, allocated */
};

static int ce_line(json_t *o, size_t line, void *ctx)
{
    struct ce_list *l = ctx;
    json_t *y = json_object_get(o, "year");
    struct training_ce *tmp;

    (void)line;
    if (l->n == l->cap) {
        l->cap = l->cap == 0 ? 256 : l->cap * 2;
        tmp = l->cap <= 100000 ? realloc(l->v, l->cap * sizeof *tmp) : NULL;
        if (tmp == NULL)
            return 2;
        l->v = tmp;
    }
    if (json_id(o, l->v[l->n].id_number) != 0 || !json_is_integer(y) || json_integer_value(y) < 1 ||
        json_integer_value(y) > TRAINING_CE_YEARS)
        return 2;
    l->v[l->n].year = (int)json_integer_value(y);
    if (number_tenths(json_object_get(o, "hours"), 0.1, 1000, &l->v[l->n].tenths) != 0)
        return 2;
    l->n++;
    return 0;
}

static int run_ce_import(training *t, const struct training_actor *a, const struct args *g,
                         char *why, size_t whylen)
{
    struct ce_list l = {0};
    int rc = read_jsonl(opt(g, "input"), ce_line, &l, why, whylen);

    if (rc == 0)
        rc = training_ce_record(t, a, l.v, l.n, why, whylen);
    if (rc == 0)
        printf("recorded %zu entries\n", l.n);
    free(l.v);
    return rc;
}

static int run_ce_lapses(training *t, const struct training_actor *a, const struct args *g,
                         char *why, size_t whylen)
{
    struct ident_date d;
    struct jp_buf b;
    size_t n = 0;
    int rc;

    jp_buf_init(&b, OUTPUT_MAX);
    rc = ident_date_parse(opt(g, "as-of"), strlen(opt(g, "as-of")), &d, NULL, 0) == 0
             ? 0
             : refuse(why, whylen, "as-of: must be a real YYYY-MM-DD");
    if (rc == 0)
        rc = training_ce_lapses(t, a, &d, &b, &n, why, whylen);
    if (rc == 0)
        rc = write_out(opt(g, "out"), &b, 0644, why, whylen);
    if (rc == 0 && strcmp(opt(g, "out"), "-") != 0)
        printf("%zu certificates to lapse written to %s\n", n, opt(g, "out"));
    jp_buf_free(&b);
    return rc;
}

/* "60d" or "60": days 0..366. Returns 0 or EINVAL. */
static int parse_days(const char *s, int *out)
{
    char num[8];
    size_t n = strlen(s);
    long v;

    if (n > 0 && s[n - 1] == 'd')
        n--;
    if (n == 0 || n >= sizeof num)
        return EINVAL;
    memcpy(num, s, n);
    num[n] = '\0';
    if (cli_parse_long(num, 0, 366, &v) != 0)
        return EINVAL;
    *out = (int)v;
    return 0;
}

static int run_ce_due(training *t, const struct training_actor *a, const struct args *g,
                      char *why, size_t whylen)
{
    const char *out = opt(g, "out") != NULL ? opt(g, "out") : "-";
    struct ident_date d;
    struct jp_buf b;
    size_t n = 0;
    int within = 0, rc;

    jp_buf_init(&b, OUTPUT_MAX);
    rc = ident_date_parse(opt(g, "as-of"), strlen(opt(g, "as-of")), &d, NULL, 0) == 0
             ? 0
             : refuse(why, whylen, "as-of: must be a real YYYY-MM-DD");
    if (rc == 0 && parse_days(opt(g, "within"), &within) != 0)
        rc = refuse(why, whylen, "within: must be 0-366 days, e.g. 60d");
    if (rc == 0)
        rc = training_ce_due(t, a, &d, within, &b, &n, why, whylen);
    if (rc == 0)
        rc = write_out(out, &b, 0600, why, whylen);
    if (rc == 0 && strcmp(out, "-") != 0)
        printf("%zu holders short of hours written to %s\n", n, out);
    jp_buf_free(&b);
    return rc;
}

static int run_audit(training *t, const struct training_actor *a, const struct args *g, char *why,
                     size_t whylen)
{
    uint64_t first_bad = 0, count = 0;
    int rc = training_audit_verify(t, &first_bad, &count);

    (void)a;
    (void)g;
    if (rc == 0)
        printf("audit log intact: %llu entries\n", (unsigned long long)count);
    else if (rc == STORE_ECORRUPT)
        jp_errf(why, whylen, "audit log broken at entry %llu (%llu entries read)",
                (unsigned long long)first_bad, (unsigned long long)count);
    return rc;
}

/* ------------------------------------------------------------ dispatch */

static const struct command commands[] = {
    {"quota", "set", "city max", "city max", 1, run_quota,
     "usage: jianpei-training quota set --as province --city NN --max N\n"
     "Sets how many institutions city NN may confirm (removed ones do not count).\n"},
    {"institution", "confirm", "code name positions", "code name positions", 1, run_confirm,
     "usage: jianpei-training institution confirm --as city:NN --code CODE --name NAME\n"
     "                                            --positions 01,05,...\n"
     "A city confirms a training institution of its own city, within its quota.\n"},
    {"institution", "file", "code", "code", 1, run_file,
     "usage: jianpei-training institution file --as province --code CODE\n"
     "The province files (备案) a confirmed institution: it becomes active.\n"},
    {"institution", "remove", "code reason", "code reason", 1, run_remove,
     "usage: jianpei-training institution remove --as province --code CODE --reason TEXT\n"
     "The province removes (清出) an institution; it can no longer act. It prints the\n"
     "jianpei-issuer cascade that suspends the certificates it issued in a period.\n"},
    {"institution", "list", "json", "", 0, run_list,
     "usage: jianpei-training institution list [--json]\n"
     "The published directory: code, city, state, name (--json: a JSON array).\n"},
    {"institutions", "list", "json", "", 0, run_list,
     "usage: jianpei-training institutions list [--json]\n"
     "The published directory: code, city, state, name (--json: a JSON array).\n"},
    {"inspection", "draw", "year seed", "year", 1, run_draw,
     "usage: jianpei-training inspection draw --as province --year YYYY [--seed HEX64]\n"
     "Draws at least 10% of the filed institutions for the year's random inspection,\n"
     "from a fresh random seed (or HEX64); year, seed and sample are recorded and\n"
     "printed as JSON, so anyone can recompute the sample. Once per year.\n"},
    {"complaint", "add", "institution text", "institution text", 1, run_complaint_add,
     "usage: jianpei-training complaint add --as city:NN --institution CODE --text TEXT\n"
     "Records a complaint about an institution of the city.\n"},
    {"complaint", "list", "", "", 1, run_complaint_list,
     "usage: jianpei-training complaint list --as city:NN|province\n"
     "The complaints of the city (the province sees all) as a JSON array.\n"},
    {"class", "create", "class position", "class position", 1, run_class,
     "usage: jianpei-training class create --as inst:CODE --class ID --position NN\n"
     "Forms a class for a position the institution offers.\n"},
    {"candidate", "register", "class position name gender id-type id-number birth-date",
     "class position name gender id-number", 1, run_register,
     "usage: jianpei-training candidate register --as inst:CODE --class ID --position NN\n"
     "        --name NAME --gender 男|女 [--id-type 111] --id-number N [--birth-date DATE]\n"
     "Registers a candidate after the checks the institution can make: valid ID,\n"
     "age 18-65 today, position offered and the class's, not on the test blacklist.\n"
     "--birth-date is needed for documents other than 111 (citizen ID).\n"},
    {"blacklist", "add", "class id-number reason from until", "class id-number reason until", 1,
     run_blacklist,
     "usage: jianpei-training blacklist add --as inst:CODE --class ID --id-number N\n"
     "        --reason TEXT [--from DATE] --until DATE\n"
     "Puts a candidate caught cheating on the test blacklist (测试黑名单) for the period.\n"},
    {"plan", "submit", "class exam position date", "class exam position date", 1, run_plan_submit,
     "usage: jianpei-training plan submit --as inst:CODE --class ID --exam EXAM_ID\n"
     "        --position NN --date YYYY-MM-DD\n"
     "Submits a test plan for a class to the city (a rejected plan may be resubmitted).\n"},
    {"plan", "approve", "exam", "exam", 1, run_plan_review,
     "usage: jianpei-training plan approve --as city:NN --exam EXAM_ID\n"},
    {"plan", "reject", "exam reason", "exam reason", 1, run_plan_review,
     "usage: jianpei-training plan reject --as city:NN --exam EXAM_ID --reason TEXT\n"},
    {"scores", "upload", "exam input", "exam input", 1, run_scores_upload,
     "usage: jianpei-training scores upload --as inst:CODE --exam EXAM_ID --input FILE\n"
     "FILE: JSON Lines {\"id_number\":\"...\",\"score\":86.5}, one per candidate of the\n"
     "plan's class, 0-100 with one decimal. Any bad line refuses the whole sheet.\n"},
    {"scores", "approve", "exam", "exam", 1, run_scores_review,
     "usage: jianpei-training scores approve --as city:NN --exam EXAM_ID\n"},
    {"scores", "reject", "exam reason", "exam reason", 1, run_scores_review,
     "usage: jianpei-training scores reject --as city:NN --exam EXAM_ID --reason TEXT\n"},
    {"export-passed", NULL, "exam out", "exam out", 1, run_export,
     "usage: jianpei-training export-passed --as inst:CODE|city:NN --exam EXAM_ID --out FILE\n"
     "Writes the candidates at or above the pass mark of an approved score sheet as\n"
     "SPEC §5 JSON Lines (mode 0600; '-' for stdout), the input of jianpei-issuer issue.\n"},
    {"ce", "record", "id-number year hours", "id-number year hours", 1, run_ce_record,
     "usage: jianpei-training ce record --as province|inst:CODE --id-number N --year K\n"
     "        --hours H\n"
     "Adds H hours (one decimal) of continuing education in year K (1 = the first year\n"
     "after the certificate's issue date) for the holder.\n"},
    {"ce", "import", "input", "input", 1, run_ce_import,
     "usage: jianpei-training ce import --as province|inst:CODE --input FILE\n"
     "FILE: JSON Lines {\"id_number\":\"...\",\"year\":1,\"hours\":12.5} from an online\n"
     "platform; all lines are recorded, or none when one is bad.\n"},
    {"ce", "lapses", "as-of out", "as-of out", 1, run_ce_lapses,
     "usage: jianpei-training ce lapses --as province --as-of YYYY-MM-DD --out FILE\n"
     "Writes one JSON line {\"certificate_no\",\"action\":\"lapse\",\"reason\"} per valid\n"
     "certificate whose holder did not keep up continuing education (SPEC §9: 32 hours\n"
     "in each completed year, 64 over two), for jianpei-issuer apply-status --input.\n"},
    {"ce", "due", "as-of within out", "as-of within", 1, run_ce_due,
     "usage: jianpei-training ce due --as province --as-of YYYY-MM-DD --within 60d\n"
     "        [--out FILE]\n"
     "Lists, one JSON line each, the valid certificates whose next anniversary falls\n"
     "within the days given and whose holder would lapse then with the hours recorded\n"
     "so far: {\"certificate_no\",\"due\",\"year\",\"hours\",\"reason\"}, no name or ID\n"
     "number (to stdout, or FILE mode 0600). Reminders to send before the fact.\n"},
    {"audit", "verify", "", "", 0, run_audit,
     "usage: jianpei-training audit verify\n"
     "Recomputes the hash chain of the training audit log (who did what, when).\n"
     "Exit 0 when intact, 3 when broken.\n"},
};

static void usage_main(FILE *f)
{
    fputs("usage: jianpei-training [--home DIR] COMMAND [SUBCOMMAND] --as ACTOR [OPTIONS]\n"
          "\n"
          "The training companion: institutions, classes, candidates, test plans, scores,\n"
          "blacklist, complaints, continuing education, export of passed candidates.\n"
          "ACTOR is province, city:NN or inst:CODE; each acts only within its remit.\n"
          "--today YYYY-MM-DD sets the date of age and blacklist checks (default: today\n"
          "in China). Every command takes --help.\n\ncommands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s %s\n", commands[i].w1, commands[i].w2 ? commands[i].w2 : "");
    fputs("  notify        (reminders and review outcomes, queued and sent once)\n", f);
    fputs("\nexit status: 0 success, 1 input rejected (nothing changed), 2 usage error,\n"
          "3 failure (nothing changed)\n",
          f);
}

/* Checks that every needed option is present. Returns 0 or CLI_USAGE. */
static int args_complete(const struct command *c, const struct args *g)
{
    char need[128];
    char *save = NULL;
    int rc = 0;

    if (strlen(c->needs) >= sizeof need)
        return CLI_USAGE; /* a table entry too long: a programming error */
    memcpy(need, c->needs, strlen(c->needs) + 1);
    for (char *w = strtok_r(need, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
        if (opt(g, w) == NULL) {
            fprintf(stderr, "%s%s%s: --%s is required\n", c->w1, c->w2 ? " " : "",
                    c->w2 ? c->w2 : "", w);
            rc = CLI_USAGE;
        }
    if (c->actor && opt(g, "as") == NULL) {
        fprintf(stderr, "%s%s%s: --as is required\n", c->w1, c->w2 ? " " : "", c->w2 ? c->w2 : "");
        rc = CLI_USAGE;
    }
    return rc;
}

/* Opens the home, sets the actor and the date, runs the command, maps the result. */
static int run_command(const struct command *c, const struct args *g, const char *home)
{
    struct training_actor a = {.role = TRAINING_PROVINCE, .text = "public"};
    char why[TRAINING_WHY_SIZE] = "", err[512] = "";
    struct ident_date today;
    training *t = NULL;
    const char *today_s = opt(g, "today");
    int rc, status;

    if (opt(g, "as") != NULL && training_actor_parse(opt(g, "as"), &a, why, sizeof why) != 0) {
        fprintf(stderr, "%s: %s\n", c->w1, why);
        return CLI_USAGE;
    }
    if (today_s != NULL && ident_date_parse(today_s, strlen(today_s), &today, NULL, 0) != 0) {
        fprintf(stderr, "%s: --today must be a real YYYY-MM-DD\n", c->w1);
        return CLI_USAGE;
    }
    rc = training_open(home, &t, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "cannot open training data of %s: %s\n", home,
                err[0] ? err : jp_strerror(rc));
        return CLI_FAILURE;
    }
    if (today_s != NULL)
        training_set_today(t, &today);
    rc = c->run(t, &a, g, why, sizeof why);
    training_close(t);
    status = rc == 0 ? CLI_OK : training_is_refusal(rc) ? CLI_REJECTED : CLI_FAILURE;
    if (rc != 0)
        fprintf(stderr, "%s%s%s: %s\n", c->w1, c->w2 ? " " : "", c->w2 ? c->w2 : "",
                why[0] ? why : jp_strerror(rc));
    return status;
}

static const struct command *find_command(int argc, char **argv, int *next)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct command *c = &commands[i];

        if (strcmp(argv[1], c->w1) != 0)
            continue;
        if (c->w2 == NULL) {
            *next = 2;
            return c;
        }
        if (argc > 2 && strcmp(argv[2], c->w2) == 0) {
            *next = 3;
            return c;
        }
    }
    return NULL;
}

/*
 * `jianpei-training plan --help` (or just `plan`): prints the usage of every
 * command of the group, to stdout for --help, else to stderr. 0 when argv[1]
 * names no group or something else follows it.
 */
static int group_help(int argc, char **argv)
{
    int asked = argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
    int found = 0;

    for (size_t i = 0; (argc == 2 || asked) && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].w1, argv[1]) == 0) {
            fputs(commands[i].help, asked ? stdout : stderr);
            found = 1;
        }
    return found;
}

int main(int argc, char **argv)
{
    const char *home_flag = NULL;
    const struct command *c;
    char home[4096];
    struct args g;
    int next = 0;

    if (cli_extract_home(&argc, argv, &home_flag) != 0) {
        fprintf(stderr, "--home needs a directory\n");
        return CLI_USAGE;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage_main(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "notify") == 0)
        return notify_main(argc - 1, argv + 1, home_flag);
    c = find_command(argc, argv, &next);
    if (c == NULL && group_help(argc, argv))
        return argc > 2 ? CLI_OK : CLI_USAGE;
    if (c == NULL) {
        fprintf(stderr, "unknown command %s%s%s\n\n", argv[1], argc > 2 ? " " : "",
                argc > 2 ? argv[2] : "");
        usage_main(stderr);
        return CLI_USAGE;
    }
    if (args_parse(argc, argv, next, c, &g) != 0) {
        fputs(c->help, stderr);
        return CLI_USAGE;
    }
    if (g.help) {
        fputs(c->help, stdout);
        return CLI_OK;
    }
    if (args_complete(c, &g) != 0) {
        fputs(c->help, stderr);
        return CLI_USAGE;
    }
    if (jp_home_resolve(home_flag, home, sizeof home) != 0) {
        fprintf(stderr, "home path is too long\n");
        return CLI_USAGE;
    }
    return run_command(c, &g, home);
}
