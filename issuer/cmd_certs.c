/*
 * cmd_certs.c - jianpei-issuer's certificate commands: issue, show, pdf, find,
 * the status changes, reissue and stats. Thin: options in, library calls,
 * exit statuses out.
 */
#include "cmds.h"
#include "cli.h"
#include "issuer.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The option of opts that argv[i] names ("--name" or "--name=..."), or NULL. */
static const struct cmd_opt *opt_of(const char *arg, const struct cmd_opt *opts, size_t n)
{
    size_t len;

    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        len = strlen(opts[k].name);
        if (strncmp(arg + 2, opts[k].name, len) == 0 &&
            (arg[2 + len] == '\0' || arg[2 + len] == '='))
            return &opts[k];
    }
    return NULL;
}

/* Takes the option at argv[*i] (moving *i past its value). Returns 0 or -1. */
static int take_opt(int argc, char **argv, int *i, const struct cmd_opt *o)
{
    const char *eq = strchr(argv[*i], '=');

    if (o->kind == CMD_FLAG) {
        *o->val = "";
        return eq == NULL ? 0 : -1;
    }
    if (eq != NULL) {
        *o->val = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc)
        return -1;
    *o->val = argv[++*i];
    return 0;
}

/* 0 when every CMD_REQUIRED option of opts got a value. */
static int required_present(const struct cmd_opt *opts, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (opts[k].kind == CMD_REQUIRED && *opts[k].val == NULL)
            return -1;
    return 0;
}

int cmd_scan(int argc, char **argv, const struct cmd_opt *opts, size_t n, const char **pos,
             const char *help, int *status)
{
    const char *positional = NULL;
    int bad = 0;

    *status = CLI_OK;
    if (cli_help_asked(argc, argv, help))
        return 1;

    for (int i = 1; !bad && i < argc; i++) {
        const struct cmd_opt *o = opt_of(argv[i], opts, n);
        if (o != NULL)
            bad = take_opt(argc, argv, &i, o);
        else if (pos != NULL && positional == NULL && argv[i][0] != '-')
            positional = argv[i];
        else
            bad = 1;
        if (o == NULL && bad && strncmp(argv[i], "--", 2) == 0) /* an option's name, no value */
            fprintf(stderr, "%s: unknown option %.*s\n", argv[0], (int)strcspn(argv[i], "="),
                    argv[i]);
    }
    if (!bad && pos != NULL && positional == NULL)
        bad = 1;
    if (!bad)
        bad = required_present(opts, n);
    if (bad) {
        fputs(help, stderr);
        *status = CLI_USAGE;
        return 1;
    }
    if (pos != NULL)
        *pos = positional;
    return 0;
}

int cmd_done(int rc, const char *what, const char *err)
{
    if (rc == 0)
        return CLI_OK;
    if (what != NULL)
        fprintf(stderr, "%s: %s\n", what, err);
    else
        fprintf(stderr, "%s\n", err);
    return rc == ISSUER_EARG ? CLI_USAGE : CLI_FAILURE;
}

int open_issuer(const char *home, const char *passfile, int threads, issuer **is)
{
    char err[512] = "";
    char *pass = NULL;
    size_t passlen = 0;
    int rc = cli_passphrase(passfile, &pass, &passlen, err, sizeof err);

    if (rc == 0)
        rc = issuer_open(home, (unsigned char *)pass, passlen, threads, is, err, sizeof err);
    jp_free_secret(pass, passlen);
    if (rc != 0)
        fprintf(stderr, "cannot open home %s: %s\n", home, err);
    else if (!issuer_has_ofd(*is))
        fprintf(stderr,
                "note: %s has no SM2 keys, so no OFD files are made (SPEC §11); add them with\n"
                "  jianpei-issuer --home %s keys sm2-init [--passphrase-file FILE]\n",
                home, home);
    return rc;
}

/* Checks a certificate number given on the command line before any database access. */
static int check_no(const char *no)
{
    char err[256];
    int rc = issuer_certno_check(no, err, sizeof err);

    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    return rc;
}

/* ---------------------------------------------------------------- issue */

static const char issue_help[] =
    "usage: jianpei-issuer issue [--home DIR] --input FILE|- [--report FILE]\n"
    "                            [--notices DIR] [--all-or-nothing] [--threads N] [--actor NAME]\n"
    "                            [--tsa-timeout MS] [--tsa-optional]\n"
    "                            [--passphrase-file FILE | --pin-file FILE]\n"
    "\n"
    "Reads passed candidates as JSON Lines (SPEC §5), checks every rule, and numbers,\n"
    "renders, signs and stores a certificate for each valid line. A rejected line is\n"
    "reported with its number and reason and changes nothing; issuing the same\n"
    "(id_number, position, exam_id) again returns the existing certificate.\n"
    "The issue date is today in China (UTC+8); certificates are never backdated.\n"
    "A home with SM2 keys also stores a sealed OFD of each certificate (SPEC §11;\n"
    "jianpei-issuer ofd NO --out FILE); one without says so and makes PDFs only.\n"
    "\n"
    "  --input FILE|-      intake file, or - for standard input; photo paths are\n"
    "                      relative to the file's directory (to . for stdin)\n"
    "  --report FILE       write the JSON summary of the run (mode 0600; a symlink\n"
    "                      there is replaced, never followed); it holds each new\n"
    "                      certificate's claim code (领取码)\n"
    "  --notices DIR       append each new certificate's number, masked name and\n"
    "                      claim code to DIR/<institution_code>/<exam_id>.csv, the\n"
    "                      institutions' notices (folders 0700, files 0600)\n"
    "  --all-or-nothing    refuse the whole input when any line is rejected\n"
    "  --threads N         render and sign on N threads, 1-16 (default: one per core)\n"
    "  --actor NAME        who issues, for the audit log (default: $USER)\n"
    "  --tsa-timeout MS    time allowed for each query to the TSA of config.json's\n"
    "                      tsa_url (default: its tsa_timeout_ms, else 5000); a TSA\n"
    "                      that is down, slow or refuses fails the run (exit 3,\n"
    "                      the failing batch not stored)\n"
    "  --tsa-optional      when the TSA fails, sign without a time-stamp (PAdES B-B)\n"
    "                      and list the certificate for `timestamp --pending`\n"
    "  --passphrase-file FILE, --pin-file FILE\n"
    "                      the keys' passphrase, or the token PIN of a home made with\n"
    "                      init --pkcs11 (default: $JIANPEI_KEY_PASSPHRASE, $JIANPEI_PKCS11_PIN)\n"
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

static int write_notices(issuer *is, const char *dir, const struct issuer_report *rep)
{
    char err[512] = "";
    size_t files = 0;
    int rc = issuer_notices_write(is, rep, dir, &files, err, sizeof err);

    if (rc != 0)
        fprintf(stderr, "cannot write the notices in %s: %s\n", dir, err);
    else
        fprintf(stderr, "notices: %zu files written under %s\n", files, dir);
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
    struct issuer_issue_opts o = {0};
    long tsa_timeout = 0;
    int tsa_optional = 0;
    struct issuer_report rep;
    struct cli_progress prog;
    const char *input = NULL, *report = NULL, *notices = NULL, *passfile = NULL;
    const char *all = NULL, *threads_s = NULL, *tsa_timeout_s = NULL, *tsa_optional_s = NULL;
    const struct cmd_opt opts[] = {
        {"input", CMD_REQUIRED, &input},           {"report", CMD_VALUE, &report},
        {"notices", CMD_VALUE, &notices},          {"all-or-nothing", CMD_FLAG, &all},
        {"threads", CMD_VALUE, &threads_s},        {"actor", CMD_VALUE, &o.actor},
        {"passphrase-file", CMD_VALUE, &passfile}, {"pin-file", CMD_VALUE, &passfile},
        {"tsa-timeout", CMD_VALUE, &tsa_timeout_s}, {"tsa-optional", CMD_FLAG, &tsa_optional_s},
    };
    char dir[JP_HOME_PATH_MAX], err[512] = "";
    issuer *is = NULL;
    FILE *in = stdin;
    double t0;
    long threads = 0;
    int rc, status = CLI_FAILURE;

    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, issue_help, &status))
        return status;
    status = CLI_FAILURE;
    if (threads_s != NULL && cli_parse_long(threads_s, 1, ISSUER_MAX_THREADS, &threads) != 0) {
        fprintf(stderr, "issue: --threads must be 1-%d\n", ISSUER_MAX_THREADS);
        return CLI_USAGE;
    }
    if (tsa_timeout_s != NULL &&
        cli_parse_long(tsa_timeout_s, 1, ISSUER_TSA_TIMEOUT_MAX, &tsa_timeout) != 0) {
        fprintf(stderr, "issue: --tsa-timeout must be 1-%ld ms\n", ISSUER_TSA_TIMEOUT_MAX);
        return CLI_USAGE;
    }
    tsa_optional = tsa_optional_s != NULL;
    o.all_or_nothing = all != NULL;
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
    if (open_issuer(home, passfile, (int)threads, &is) != 0)
        goto out;
    if (issuer_tsa_options(is, tsa_timeout, tsa_optional, err, sizeof err) != 0) {
        fprintf(stderr, "issue: %s\n", err);
        goto out;
    }
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
    if (rep.unstamped > 0)
        fprintf(stderr,
                "issue: %zu certificates issued without a time-stamp (%s); "
                "run `jianpei-issuer timestamp --pending` once the TSA answers\n",
                rep.unstamped, issuer_tsa_failure(is) ? issuer_tsa_failure(is) : "tsa failed");
    if (report != NULL && write_report(report, &rep) != 0)
        rc = EIO;
    if (notices != NULL && write_notices(is, notices, &rep) != 0)
        rc = EIO;
    if (report == NULL && notices == NULL && rep.issued > 0)
        fprintf(stderr,
                "issue: the claim codes of the %zu new certificates were written nowhere "
                "(no --report, no --notices): give them with `claim-code reset`\n",
                rep.issued);
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

static const char show_help[] =
    "usage: jianpei-issuer show [--home DIR] CERTIFICATE_NO [--json]\n"
    "\n"
    "Prints one certificate's record, holder data included (this is the issuing\n"
    "department's own view; the public one is the verifier's).\n";

int cmd_show(int argc, char **argv, const char *home)
{
    const char *no = NULL, *json = NULL;
    const struct cmd_opt opts[] = {{"json", CMD_FLAG, &json}};
    char err[512] = "";
    int rc, status;

    if (cmd_scan(argc, argv, opts, 1, &no, show_help, &status))
        return status;
    rc = issuer_show(home, no, json != NULL, stdout, err, sizeof err);
    return cmd_done(rc, NULL, err);
}

static const char find_help[] = "usage: jianpei-issuer find [--home DIR] --id-number ID\n"
                                "\n"
                                "Lists the certificate numbers and statuses of one holder.\n";

int cmd_find(int argc, char **argv, const char *home)
{
    const char *id = NULL;
    const struct cmd_opt opts[] = {{"id-number", CMD_REQUIRED, &id}};
    char err[512] = "";
    size_t n = 0;
    int rc, status;

    if (cmd_scan(argc, argv, opts, 1, NULL, find_help, &status))
        return status;
    rc = issuer_find(home, id, stdout, &n, err, sizeof err);
    if (rc == 0 && n == 0)
        fprintf(stderr, "no certificates for that id number\n");
    return cmd_done(rc, "find", err);
}

/* ------------------------------------------------------------------ pdf */

static const char pdf_help[] =
    "usage: jianpei-issuer pdf [--home DIR] CERTIFICATE_NO --out FILE\n"
    "\n"
    "Writes the stored signed PDF of a certificate to FILE (mode 0600: it holds the\n"
    "holder's personal data; a symlink at FILE is replaced, never followed).\n";

static const char ofd_help[] =
    "usage: jianpei-issuer ofd [--home DIR] CERTIFICATE_NO --out FILE [--force]\n"
    "\n"
    "Writes the stored sealed OFD of a certificate's current version (SPEC §11,\n"
    "docs/ofd.md) to FILE, mode 0600: it holds the holder's personal data. An\n"
    "existing FILE is refused unless --force (then it is replaced, never followed).\n"
    "Certificates issued while the home had no SM2 keys have no OFD.\n";

/* pdf and ofd: a stored file of a certificate to --out FILE; argv[0] names which
 * (only ofd takes --force). */
int cmd_file_out(int argc, char **argv, const char *home)
{
    int ofd = strcmp(argv[0], "ofd") == 0;
    const char *no = NULL, *out = NULL, *force = NULL;
    const struct cmd_opt opts[] = {{"out", CMD_REQUIRED, &out}, {"force", CMD_FLAG, &force}};
    char err[512] = "";
    int rc, status;

    if (cmd_scan(argc, argv, opts, ofd ? 2 : 1, &no, ofd ? ofd_help : pdf_help, &status))
        return status;
    rc = ofd ? issuer_ofd_save(home, no, out, force != NULL, err, sizeof err)
             : issuer_pdf_save(home, no, out, err, sizeof err);
    if (rc == 0)
        printf("%s\n", out);
    return cmd_done(rc, argv[0], err);
}

/* ------------------------------------------------------ status, reissue */

static const char status_help[] =
    "usage: jianpei-issuer revoke|suspend|reinstate|cancel|lapse [--home DIR]\n"
    "                      CERTIFICATE_NO --reason CODE [--note TEXT] [--actor NAME]\n"
    "       jianpei-issuer revoke|suspend --institution CODE --issued-from DATE\n"
    "                      --issued-to DATE --reason CODE|TEXT [--dry-run] ...\n"
    "                      (a cascade: see `jianpei-issuer suspend --institution X --help`)\n"
    "\n"
    "Changes a certificate's status and appends it to the audit log (SPEC §9).\n"
    "revoke: 撤销; suspend: 暂扣; reinstate: back to valid; cancel: 注销;\n"
    "lapse: 失效 (continuing education not kept up). revoked and cancelled are final.\n"
    "CODE is one of " ISSUER_REASON_CODES ";\n"
    "it is published in the status-changes feed. --note (at most 200 bytes) stays in\n"
    "the issuer's audit log and is never served by the verifier.\n";

int cmd_status(int argc, char **argv, const char *home)
{
    const char *no = NULL, *reason = NULL, *note = NULL, *actor = getenv("USER");
    char err[512] = "";
    int rc, status;

    const struct cmd_opt opts[] = {{"reason", CMD_REQUIRED, &reason},
                                   {"note", CMD_VALUE, &note},
                                   {"actor", CMD_VALUE, &actor}};

    if (cmd_is_cascade(argc, argv))
        return cmd_cascade(argc, argv, home);
    if (cmd_scan(argc, argv, opts, 3, &no, status_help, &status))
        return status;
    if (check_no(no) != 0)
        return CLI_USAGE;
    rc = issuer_status_apply(home, no, argv[0], reason, note, actor, err, sizeof err);
    if (rc != 0)
        return cmd_done(rc, argv[0], err);
    printf("%s: %s done\n", no, argv[0]);
    return CLI_OK;
}

static const char reissue_help[] =
    "usage: jianpei-issuer reissue [--home DIR] CERTIFICATE_NO [--passphrase-file FILE]\n"
    "                              [--pin-file FILE]\n"
    "\n"
    "Issues a new file for a valid certificate: same number, e-licence identifier\n"
    "version + 1, freshly rendered and signed with the current key.\n";

int cmd_reissue(int argc, char **argv, const char *home)
{
    const char *no = NULL, *passfile = NULL;
    char err[512] = "";
    issuer *is = NULL;
    int rc, status;

    const struct cmd_opt opts[] = {{"passphrase-file", CMD_VALUE, &passfile},
                                   {"pin-file", CMD_VALUE, &passfile}};

    if (cmd_scan(argc, argv, opts, 2, &no, reissue_help, &status))
        return status;
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

static const char stats_help[] =
    "usage: jianpei-issuer stats [--home DIR] [--json]\n"
    "\n"
    "Counts certificates by status, PDF bytes, audit entries.\n"
    "  --json   one JSON object instead: also by month of issue, city and position\n"
    "           code, and audit entries by action (counts only, no personal data)\n";

int cmd_stats(int argc, char **argv, const char *home)
{
    const char *json = NULL;
    const struct cmd_opt opts[] = {{"json", CMD_FLAG, &json}};
    char err[512] = "";
    int rc, status;

    if (cmd_scan(argc, argv, opts, 1, NULL, stats_help, &status))
        return status;
    rc = json != NULL ? issuer_stats_json(home, stdout, err, sizeof err)
                      : issuer_stats(home, stdout, err, sizeof err);
    return cmd_done(rc, "stats", err);
}

/* --------------------------------------------------------- apply-status */

static const char apply_help[] =
    "usage: jianpei-issuer apply-status [--home DIR] --input FILE|- [--actor NAME]\n"
    "\n"
    "Applies status changes written by `jianpei-training ce lapses` (or any other\n"
    "source): JSON Lines {\"certificate_no\":\"...\",\"action\":\"lapse\",\"reason\":\"...\"}\n"
    "with action revoke, suspend, reinstate, cancel or lapse, reason a code (" ISSUER_REASON_CODES
    ")\n"
    "and an optional internal \"note\"; a reason that is not a code becomes the note, under\n"
    "ce_shortfall for a lapse and other otherwise. Each line is its own\n"
    "transaction; a certificate already in the target status is left as it is.\n"
    "exit status: 0 all applied or already so, 1 some lines rejected, 3 failure\n";

int cmd_apply_status(int argc, char **argv, const char *home)
{
    struct issuer_apply_counts n;
    const char *input = NULL, *actor = "jianpei-training";
    char err[512] = "";
    FILE *in = stdin;
    int rc, status;

    const struct cmd_opt opts[] = {{"input", CMD_REQUIRED, &input}, {"actor", CMD_VALUE, &actor}};

    if (cmd_scan(argc, argv, opts, 2, NULL, apply_help, &status))
        return status;
    if (strcmp(input, "-") != 0 && (in = fopen(input, "re")) == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", input, strerror(errno));
        return CLI_FAILURE;
    }
    rc = issuer_apply_status_file(home, in, actor, stderr, &n, err, sizeof err);
    if (in != stdin)
        fclose(in);
    if (rc != 0) {
        fprintf(stderr, "apply-status: %s\n", err);
        return CLI_FAILURE;
    }
    fprintf(stderr, "%lu applied, %lu already so, %lu rejected\n", n.applied, n.already,
            n.rejected);
    return n.rejected > 0 ? CLI_REJECTED : CLI_OK;
}

/* ----------------------------------------------------------- claim-code */

static const char claim_help[] =
    "usage: jianpei-issuer claim-code reset NO [--home DIR] [--actor NAME]\n"
    "       jianpei-issuer claim-code backfill --out FILE [--home DIR] [--actor NAME]\n"
    "\n"
    "Claim codes (领取码) let a holder fetch their own certificate (SPEC §10).\n"
    "  reset NO         give certificate NO a new code, printed alone on the last\n"
    "                   line of standard output; the old code stops working\n"
    "  backfill         give a code to every certificate that has none (stores made\n"
    "                   before claim codes): the codes go to FILE (mode 0600, CSV:\n"
    "                   certificate_no,institution_code,exam_id,name_masked,claim_code)\n"
    "                   before they are stored; hand each institution its lines\n"
    "  --actor NAME     who does it, for the audit log (default: $USER)\n";

static int claim_reset(int argc, char **argv, const char *home, const char *actor)
{
    char shown[ISSUER_CLAIM_SHOWN_SIZE], err[512] = "";
    const char *no = NULL;
    int rc, status;
    const struct cmd_opt opts[] = {{"actor", CMD_VALUE, &actor}};

    if (cmd_scan(argc, argv, opts, 1, &no, claim_help, &status))
        return status;
    rc = issuer_claim_reset(home, no, actor, shown, err, sizeof err);
    if (rc == 0) {
        printf("%s: new claim code, the old one no longer works\n%s\n", no, shown);
        jp_cleanse(shown, sizeof shown);
    }
    return cmd_done(rc, "claim-code reset", err);
}

static int claim_backfill(int argc, char **argv, const char *home, const char *actor)
{
    const char *out = NULL;
    char err[512] = "";
    size_t given = 0;
    int rc, status;
    const struct cmd_opt opts[] = {{"out", CMD_REQUIRED, &out}, {"actor", CMD_VALUE, &actor}};

    if (cmd_scan(argc, argv, opts, 2, NULL, claim_help, &status))
        return status;
    rc = issuer_claim_backfill(home, out, actor, &given, err, sizeof err);
    if (rc == 0 && given == 0)
        printf("every certificate has a claim code: nothing to do, %s not written\n", out);
    else if (rc == 0)
        printf("%zu certificates got a claim code, written to %s\n", given, out);
    return cmd_done(rc, "claim-code backfill", err);
}

int cmd_claim_code(int argc, char **argv, const char *home)
{
    const char *actor = getenv("USER") ? getenv("USER") : "jianpei-issuer";

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(claim_help, stdout);
        return CLI_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "reset") == 0)
        return claim_reset(argc - 1, argv + 1, home, actor);
    if (argc >= 2 && strcmp(argv[1], "backfill") == 0)
        return claim_backfill(argc - 1, argv + 1, home, actor);
    fputs(claim_help, stderr);
    return CLI_USAGE;
}
