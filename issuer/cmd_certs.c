/*
 * cmd_certs.c - jianpei-issuer's certificate commands: issue, show, pdf, find,
 * the status changes, reissue and stats. Thin: options in, library calls,
 * exit statuses out.
 */
#include "cmds.h"
#include "cli.h"
#include "ident.h"
#include "issuer.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

int cmd_parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

int cmd_is_help(int argc, char **argv, const char *help)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            return 1;
        }
    return 0;
}

static int open_issuer(const char *home, const char *passfile, int threads, issuer **is)
{
    char err[512] = "";
    char *pass = NULL;
    size_t passlen = 0;
    int rc = cli_passphrase(passfile, &pass, &passlen, err, sizeof err);

    if (rc == 0)
        rc = issuer_open(home, (unsigned char *)pass, passlen, threads, is, err, sizeof err);
    if (pass != NULL) {
        jp_cleanse(pass, passlen);
        free(pass);
    }
    if (rc != 0)
        fprintf(stderr, "cannot open home %s: %s\n", home, err);
    return rc;
}

int cmd_open_store(const char *home, unsigned flags, store **s)
{
    char path[ISSUER_PATH_MAX], err[512] = "";
    int rc = issuer_home_path(home, ISSUER_STORE_DIR, path);

    if (rc == 0)
        rc = issuer_home_check(home, err, sizeof err);
    if (rc == 0)
        rc = store_open(path, flags, s, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "cannot open store %s: %s\n", path, err[0] ? err : store_strerror(rc));
    return rc;
}

/* Checks a certificate number given on the command line before any database access. */
static int check_no(const char *no)
{
    char why[IDENT_WHY_SIZE];

    if (ident_certno_parse(no, strlen(no), NULL, why, sizeof why) == 0)
        return 0;
    fprintf(stderr, "certificate number: %s\n", why);
    return -1;
}

/* ---------------------------------------------------------------- issue */

static const char issue_help[] =
    "usage: jianpei-issuer issue [--home DIR] --input FILE|- [--report FILE]\n"
    "                            [--all-or-nothing] [--threads N] [--actor NAME]\n"
    "                            [--passphrase-file FILE]\n"
    "\n"
    "Reads passed candidates as JSON Lines (SPEC §5), checks every rule, and numbers,\n"
    "renders, signs and stores a certificate for each valid line. A rejected line is\n"
    "reported with its number and reason and changes nothing; issuing the same\n"
    "(id_number, position, exam_id) again returns the existing certificate.\n"
    "The issue date is today in China (UTC+8); certificates are never backdated.\n"
    "\n"
    "  --input FILE|-      intake file, or - for standard input; photo paths are\n"
    "                      relative to the file's directory (to . for stdin)\n"
    "  --report FILE       write the JSON summary of the run (mode 0600; a symlink\n"
    "                      there is replaced, never followed)\n"
    "  --all-or-nothing    refuse the whole input when any line is rejected\n"
    "  --threads N         render and sign on N threads, 1-16 (default: one per core)\n"
    "  --actor NAME        who issues, for the audit log (default: $USER)\n"
    "\n"
    "exit status: 0 all lines issued or already issued, 1 some lines rejected,\n"
    "2 usage error, 3 failure (batches committed before it stay committed, unless\n"
    "--all-or-nothing)\n";

static void progress_cb(void *ctx, unsigned long lines, double fraction)
{
    cli_progress_update(ctx, lines, fraction);
}

static int write_report(const char *path, const struct issuer_report *rep)
{
    char err[512] = "";
    int rc = issuer_report_save(rep, path, err, sizeof err);

    if (rc != 0)
        fprintf(stderr, "cannot write report %s: %s\n", path, err);
    return rc;
}

static void print_rejections(const struct issuer_report *rep)
{
    size_t shown = 0;

    for (size_t i = 0; i < rep->n && shown < 20; i++) {
        if (rep->items[i].what != ISSUER_REJECTED)
            continue;
        fprintf(stderr, "line %lu: %s\n", (unsigned long)rep->items[i].line,
                (const char *)rep->text.data + rep->items[i].reason);
        shown++;
    }
    if (rep->rejected > shown)
        fprintf(stderr, "... and %zu more rejected lines (see --report)\n", rep->rejected - shown);
}

int cmd_issue(int argc, char **argv, const char *home)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"report", required_argument, NULL, 'r'},
        {"all-or-nothing", no_argument, NULL, 'a'},
        {"threads", required_argument, NULL, 't'},
        {"actor", required_argument, NULL, 'A'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct issuer_issue_opts o = {0};
    struct issuer_report rep;
    struct cli_progress prog;
    const char *input = NULL, *report = NULL, *passfile = NULL;
    char dir[ISSUER_PATH_MAX], err[512] = "";
    issuer *is = NULL;
    FILE *in = stdin;
    double t0;
    int c, rc, threads = 0, status = CLI_FAILURE;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            input = optarg;
            break;
        case 'r':
            report = optarg;
            break;
        case 'a':
            o.all_or_nothing = 1;
            break;
        case 't':
            if (cmd_parse_int(optarg, 1, ISSUER_MAX_THREADS, &threads) != 0) {
                fprintf(stderr, "issue: --threads must be 1-%d\n", ISSUER_MAX_THREADS);
                return CLI_USAGE;
            }
            break;
        case 'A':
            o.actor = optarg;
            break;
        case 'P':
            passfile = optarg;
            break;
        case 'h':
            fputs(issue_help, stdout);
            return CLI_OK;
        default:
            fputs(issue_help, stderr);
            return CLI_USAGE;
        }
    }
    if (input == NULL || optind != argc) {
        fputs(issue_help, stderr);
        return CLI_USAGE;
    }
    if (o.actor == NULL)
        o.actor = getenv("USER") ? getenv("USER") : "jianpei-issuer";
    if (strcmp(input, "-") != 0) {
        in = fopen(input, "re");
        if (in == NULL) {
            fprintf(stderr, "cannot open %s: %s\n", input, strerror(errno));
            return CLI_FAILURE;
        }
        if (jp_strf(dir, sizeof dir, "%s", input) != 0) {
            fprintf(stderr, "issue: --input path is too long\n");
            fclose(in);
            return CLI_USAGE;
        }
        o.photo_dir = dirname(dir);
    }
    issuer_report_init(&rep);
    if (open_issuer(home, passfile, threads, &is) != 0)
        goto out;
    cli_progress_start(&prog, "lines");
    o.progress = progress_cb;
    o.progress_ctx = &prog;
    t0 = cli_now();
    rc = issuer_issue(is, in, &o, &rep, err, sizeof err);
    cli_progress_end(&prog);
    if (rc != 0)
        fprintf(stderr, "issue: %s\n", err);
    if (rc == ISSUER_EARG)
        status = CLI_USAGE;
    print_rejections(&rep);
    fprintf(stderr, "%zu issued, %zu already issued, %zu rejected in %.1f s\n", rep.issued,
            rep.already, rep.rejected, cli_now() - t0);
    if (report != NULL && write_report(report, &rep) != 0)
        rc = EIO;
    if (rc == 0)
        status = rep.rejected > 0 ? CLI_REJECTED : CLI_OK;
out:
    issuer_close(is);
    issuer_report_free(&rep);
    if (in != stdin)
        fclose(in);
    return status;
}

/* ----------------------------------------------------------- show, find */

static json_t *cert_json(const struct store_cert *c, const struct jp_config *cfg)
{
    char kid[2 * STORE_KEY_ID_LEN + 1];
    const char *pos = jp_config_position(cfg, c->position_code);

    jp_hex_encode(c->key_id, sizeof c->key_id, kid);
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s},"
                     " s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:f, s:s}",
                     "certificate_no", c->certificate_no, "elicence_id", c->elicence_id,
                     "file_version", (int)c->file_version, "status", store_status_name(c->status),
                     "status_changed_at", (json_int_t)c->status_changed_at, "status_reason",
                     c->status_reason, "position", "code", c->position_code, "name", pos ? pos : "",
                     "issue_date", c->issue_date, "issuer", c->authority_name, "institution",
                     "code", c->institution_code, "name", c->institution_name, "holder", "name",
                     c->holder_name, "gender", c->gender, "id_type", c->id_type, "id_number",
                     c->id_number, "city", c->city, "exam_id", c->exam_id, "exam_date",
                     c->exam_date, "score", c->score_tenths / 10.0, "key_id", kid);
}

static const char show_help[] =
    "usage: jianpei-issuer show [--home DIR] CERTIFICATE_NO [--json]\n"
    "\n"
    "Prints one certificate's record, holder data included (this is the issuing\n"
    "department's own view; the public one is the verifier's).\n";

int cmd_show(int argc, char **argv, const char *home)
{
    struct jp_config cfg;
    struct store_cert c;
    const char *no = NULL;
    char err[512];
    store *s = NULL;
    store_txn *txn = NULL;
    json_t *j;
    int json = 0, rc;

    if (cmd_is_help(argc, argv, show_help))
        return CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (no == NULL && argv[i][0] != '-')
            no = argv[i];
        else {
            fputs(show_help, stderr);
            return CLI_USAGE;
        }
    }
    if (no == NULL) {
        fputs(show_help, stderr);
        return CLI_USAGE;
    }
    if (check_no(no) != 0)
        return CLI_USAGE;
    if (jp_config_load(home, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return CLI_FAILURE;
    }
    if (cmd_open_store(home, STORE_RDONLY, &s) != 0)
        return CLI_FAILURE;
    rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_cert_get(txn, no, &c);
    store_read_end(txn);
    store_close(s);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", no,
                rc == STORE_ENOTFOUND ? "no such certificate" : store_strerror(rc));
        return CLI_FAILURE;
    }
    j = cert_json(&c, &cfg);
    if (j == NULL)
        return CLI_FAILURE;
    json_dumpf(j, stdout,
               json ? JSON_COMPACT | JSON_PRESERVE_ORDER : JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
    return CLI_OK;
}

static const char find_help[] = "usage: jianpei-issuer find [--home DIR] --id-number ID\n"
                                "\n"
                                "Lists the certificate numbers and statuses of one holder.\n";

int cmd_find(int argc, char **argv, const char *home)
{
    char(*nos)[19] = NULL;
    const char *id = NULL;
    size_t n = 0;
    store *s = NULL;
    store_txn *txn = NULL;
    int rc;

    if (cmd_is_help(argc, argv, find_help))
        return CLI_OK;
    if (argc == 3 && strcmp(argv[1], "--id-number") == 0)
        id = argv[2];
    else if (argc == 2 && strncmp(argv[1], "--id-number=", 12) == 0)
        id = argv[1] + 12;
    if (id == NULL || id[0] == '\0' || strlen(id) > 32) {
        fputs(find_help, stderr);
        return CLI_USAGE;
    }
    if (cmd_open_store(home, STORE_RDONLY, &s) != 0)
        return CLI_FAILURE;
    nos = calloc(256, sizeof *nos);
    rc = nos == NULL ? ENOMEM : store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_holder_list(txn, id, nos, 256, &n);
    for (size_t i = 0; rc == 0 && i < n && i < 256; i++) {
        struct store_cert c;
        if (store_cert_get(txn, nos[i], &c) == 0)
            printf("%s  %-9s  %s  %s\n", c.certificate_no, store_status_name(c.status),
                   c.position_code, c.issue_date);
    }
    store_read_end(txn);
    store_close(s);
    free(nos);
    if (rc != 0) {
        fprintf(stderr, "find: %s\n", store_strerror(rc));
        return CLI_FAILURE;
    }
    if (n == 0)
        fprintf(stderr, "no certificates for that id number\n");
    return CLI_OK;
}

/* ------------------------------------------------------------------ pdf */

static const char pdf_help[] = "usage: jianpei-issuer pdf [--home DIR] CERTIFICATE_NO --out FILE\n"
                               "\n"
                               "Writes the stored signed PDF of a certificate to FILE.\n";

int cmd_pdf(int argc, char **argv, const char *home)
{
    const char *no = NULL, *out = NULL;
    struct jp_buf pdf;
    store *s = NULL;
    store_txn *txn = NULL;
    int rc;

    if (cmd_is_help(argc, argv, pdf_help))
        return CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (no == NULL && argv[i][0] != '-')
            no = argv[i];
        else
            no = out = NULL, i = argc;
    }
    if (no == NULL || out == NULL) {
        fputs(pdf_help, stderr);
        return CLI_USAGE;
    }
    if (check_no(no) != 0)
        return CLI_USAGE;
    if (cmd_open_store(home, STORE_RDONLY, &s) != 0)
        return CLI_FAILURE;
    jp_buf_init(&pdf, STORE_PDF_MAX);
    rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_pdf_copy(txn, no, &pdf);
    store_read_end(txn);
    store_close(s);
    if (rc == 0) {
        rc = jp_write_file_atomic(out, pdf.data, pdf.len, 0600);
        if (rc != 0)
            fprintf(stderr, "cannot write %s: %s\n", out, strerror(rc));
    } else {
        fprintf(stderr, "%s: %s\n", no,
                rc == STORE_ENOTFOUND ? "no such certificate" : store_strerror(rc));
    }
    jp_buf_free(&pdf);
    if (rc == 0)
        printf("%s\n", out);
    return rc == 0 ? CLI_OK : CLI_FAILURE;
}

/* ------------------------------------------------------ status, reissue */

static const char status_help[] =
    "usage: jianpei-issuer revoke|suspend|reinstate|cancel|lapse [--home DIR]\n"
    "                      CERTIFICATE_NO --reason TEXT [--actor NAME]\n"
    "\n"
    "Changes a certificate's status and appends it to the audit log (SPEC §9).\n"
    "revoke: 撤销; suspend: 暂扣; reinstate: back to valid; cancel: 注销;\n"
    "lapse: 失效 (continuing education not kept up). revoked and cancelled are final.\n"
    "The reason is published in the status-changes feed: no personal data in it.\n";

int cmd_status(int argc, char **argv, const char *home)
{
    const char *no = NULL, *reason = NULL, *actor = getenv("USER");
    char err[512] = "";
    store *s = NULL;
    int rc;

    if (cmd_is_help(argc, argv, status_help))
        return CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc)
            actor = argv[++i];
        else if (no == NULL && argv[i][0] != '-')
            no = argv[i];
        else
            no = reason = NULL, i = argc;
    }
    if (no == NULL || reason == NULL) {
        fputs(status_help, stderr);
        return CLI_USAGE;
    }
    if (check_no(no) != 0)
        return CLI_USAGE;
    if (reason[0] == '\0' || strlen(reason) > ISSUER_REASON_MAX) {
        fprintf(stderr, "%s: --reason must be 1-%d bytes\n", argv[0], ISSUER_REASON_MAX);
        return CLI_USAGE;
    }
    if (cmd_open_store(home, 0, &s) != 0)
        return CLI_FAILURE;
    rc = issuer_status_change(s, no, argv[0], reason, actor, err, sizeof err);
    store_close(s);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", argv[0], err);
        return rc == ISSUER_EARG ? CLI_USAGE : CLI_FAILURE;
    }
    printf("%s: %s done\n", no, argv[0]);
    return CLI_OK;
}

static const char reissue_help[] =
    "usage: jianpei-issuer reissue [--home DIR] CERTIFICATE_NO [--passphrase-file FILE]\n"
    "\n"
    "Issues a new file for a valid certificate: same number, e-licence identifier\n"
    "version + 1, freshly rendered and signed with the current key.\n";

int cmd_reissue(int argc, char **argv, const char *home)
{
    const char *no = NULL, *passfile = NULL;
    char err[512] = "";
    issuer *is = NULL;
    int rc;

    if (cmd_is_help(argc, argv, reissue_help))
        return CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
            passfile = argv[++i];
        else if (no == NULL && argv[i][0] != '-')
            no = argv[i];
        else
            no = NULL, i = argc;
    }
    if (no == NULL) {
        fputs(reissue_help, stderr);
        return CLI_USAGE;
    }
    if (check_no(no) != 0)
        return CLI_USAGE;
    if (open_issuer(home, passfile, 1, &is) != 0)
        return CLI_FAILURE;
    rc = issuer_reissue(is, no, getenv("USER"), err, sizeof err);
    issuer_close(is);
    if (rc != 0) {
        fprintf(stderr, "reissue: %s\n", err);
        return CLI_FAILURE;
    }
    printf("%s: reissued\n", no);
    return CLI_OK;
}

/* ---------------------------------------------------------------- stats */

static const char stats_help[] = "usage: jianpei-issuer stats [--home DIR]\n"
                                 "\n"
                                 "Counts certificates by status, PDF bytes, audit entries.\n";

int cmd_stats(int argc, char **argv, const char *home)
{
    unsigned long by_status[STORE_STATUS_LAPSED + 1] = {0}, total = 0;
    unsigned long long pdf_bytes = 0;
    const void *k, *v;
    size_t kl, vl;
    uint64_t last = 0;
    store *s = NULL;
    store_txn *txn = NULL;
    store_cursor *cur = NULL;
    int rc;

    if (cmd_is_help(argc, argv, stats_help))
        return CLI_OK;
    if (argc != 1) {
        fputs(stats_help, stderr);
        return CLI_USAGE;
    }
    if (cmd_open_store(home, STORE_RDONLY, &s) != 0)
        return CLI_FAILURE;
    rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_cursor_open(txn, STORE_DB_CERTS, &cur);
    for (int r = rc == 0 ? store_cursor_first(cur, &k, &kl, &v, &vl) : rc; r == 0;
         r = store_cursor_next(cur, &k, &kl, &v, &vl)) {
        struct store_cert c;
        if (store_cert_decode(v, vl, &c) == 0 && c.status <= STORE_STATUS_LAPSED)
            by_status[c.status]++;
        total++;
    }
    store_cursor_close(cur);
    cur = NULL;
    if (rc == 0)
        rc = store_cursor_open(txn, STORE_DB_PDFS, &cur);
    for (int r = rc == 0 ? store_cursor_first(cur, &k, &kl, &v, &vl) : rc; r == 0;
         r = store_cursor_next(cur, &k, &kl, &v, &vl))
        pdf_bytes += vl;
    store_cursor_close(cur);
    if (rc == 0)
        rc = store_audit_last(txn, &last);
    store_read_end(txn);
    if (rc == 0) {
        printf("certificates: %lu\n", total);
        for (int i = 0; i <= STORE_STATUS_LAPSED; i++)
            printf("  %-10s %lu\n", store_status_name((enum store_cert_status)i), by_status[i]);
        printf("pdf bytes: %llu (%.1f KB per certificate)\n", pdf_bytes,
               total ? pdf_bytes / 1024.0 / total : 0.0);
        printf("audit entries: %llu\n", (unsigned long long)last);
        printf("map size: %zu MiB\n", store_map_size(s) >> 20);
    } else {
        fprintf(stderr, "stats: %s\n", store_strerror(rc));
    }
    store_close(s);
    return rc == 0 ? CLI_OK : CLI_FAILURE;
}

/* --------------------------------------------------------- apply-status */

static const char apply_help[] =
    "usage: jianpei-issuer apply-status [--home DIR] --input FILE|- [--actor NAME]\n"
    "\n"
    "Applies status changes written by `jianpei-training ce lapses` (or any other\n"
    "source): JSON Lines {\"certificate_no\":\"...\",\"action\":\"lapse\",\"reason\":\"...\"}\n"
    "with action revoke, suspend, reinstate, cancel or lapse. Each line is its own\n"
    "transaction; a certificate already in the target status is left as it is.\n"
    "exit status: 0 all applied or already so, 1 some lines rejected, 3 failure\n";

static int apply_line(store *s, const char *line, size_t len, const char *actor, char *why,
                      size_t whylen)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *no, *action, *reason;
    int rc;

    if (o == NULL || !json_is_object(o)) {
        snprintf(why, whylen, "not a JSON object");
        json_decref(o);
        return EINVAL;
    }
    no = json_string_value(json_object_get(o, "certificate_no"));
    action = json_string_value(json_object_get(o, "action"));
    reason = json_string_value(json_object_get(o, "reason"));
    if (no == NULL || action == NULL || reason == NULL) {
        snprintf(why, whylen, "certificate_no, action and reason must be strings");
        json_decref(o);
        return EINVAL;
    }
    rc = issuer_status_change(s, no, action, reason, actor, why, whylen);
    json_decref(o);
    return rc;
}

int cmd_apply_status(int argc, char **argv, const char *home)
{
    const char *input = NULL, *actor = "jianpei-training";
    unsigned long applied = 0, already = 0, rejected = 0, lineno = 0;
    char *line = NULL, why[512];
    size_t cap = 0;
    ssize_t len;
    store *s = NULL;
    FILE *in = stdin;
    int rc = 0;

    if (cmd_is_help(argc, argv, apply_help))
        return CLI_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
            input = argv[++i];
        else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc)
            actor = argv[++i];
        else
            input = NULL, i = argc;
    }
    if (input == NULL) {
        fputs(apply_help, stderr);
        return CLI_USAGE;
    }
    if (strcmp(input, "-") != 0 && (in = fopen(input, "re")) == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", input, strerror(errno));
        return CLI_FAILURE;
    }
    if (cmd_open_store(home, 0, &s) != 0) {
        rc = -1;
        goto out;
    }
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (len > 4096) {
            fprintf(stderr, "line %lu: longer than 4096 bytes\n", lineno);
            rejected++;
            continue;
        }
        rc = apply_line(s, line, (size_t)len, actor, why, sizeof why);
        if (rc == 0) {
            applied++;
        } else if (rc == EALREADY) {
            already++;
        } else {
            fprintf(stderr, "line %lu: %s\n", lineno, why);
            rejected++;
        }
        rc = 0;
    }
    fprintf(stderr, "%lu applied, %lu already so, %lu rejected\n", applied, already, rejected);
out:
    free(line);
    store_close(s);
    if (in != stdin)
        fclose(in);
    if (rc != 0)
        return CLI_FAILURE;
    return rejected > 0 ? CLI_REJECTED : CLI_OK;
}
