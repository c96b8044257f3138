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

int cmd_issue(const struct cmd_args *a)
{
    struct issuer_issue_opts o = {.actor = cmd_actor(a)};
    long tsa_timeout = 0;
    int tsa_optional = cmd_flag(a, "tsa-optional");
    struct issuer_report rep;
    struct cli_progress prog;
    const char *input = cmd_val(a, "input"), *report = cmd_val(a, "report");
    const char *notices = cmd_val(a, "notices"), *threads_s = cmd_val(a, "threads");
    const char *tsa_timeout_s = cmd_val(a, "tsa-timeout");
    char dir[JP_HOME_PATH_MAX], err[512] = "";
    issuer *is = NULL;
    FILE *in = stdin;
    double t0;
    long threads = 0;
    int rc, status = CLI_FAILURE;

    if (threads_s != NULL && cli_parse_long(threads_s, 1, ISSUER_MAX_THREADS, &threads) != 0) {
        fprintf(stderr, "issue: --threads must be 1-%d\n", ISSUER_MAX_THREADS);
        return CLI_USAGE;
    }
    if (tsa_timeout_s != NULL &&
        cli_parse_long(tsa_timeout_s, 1, ISSUER_TSA_TIMEOUT_MAX, &tsa_timeout) != 0) {
        fprintf(stderr, "issue: --tsa-timeout must be 1-%ld ms\n", ISSUER_TSA_TIMEOUT_MAX);
        return CLI_USAGE;
    }
    o.all_or_nothing = cmd_flag(a, "all-or-nothing");
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
    if (open_issuer(a->home, cmd_val(a, "passphrase-file"), (int)threads, &is) != 0)
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

int cmd_show(const struct cmd_args *a)
{
    char err[512] = "";
    int rc = issuer_show(a->home, a->pos, cmd_flag(a, "json"), stdout, err, sizeof err);

    return cmd_done(rc, NULL, err);
}

int cmd_find(const struct cmd_args *a)
{
    char err[512] = "";
    size_t n = 0;
    int rc = issuer_find(a->home, cmd_val(a, "id-number"), stdout, &n, err, sizeof err);

    if (rc == 0 && n == 0)
        fprintf(stderr, "no certificates for that id number\n");
    return cmd_done(rc, "find", err);
}

/* ------------------------------------------------------------------ pdf */

/* pdf and ofd: a stored file of a certificate to --out FILE; a->name names which. */
int cmd_file_out(const struct cmd_args *a)
{
    const char *out = cmd_val(a, "out");
    char err[512] = "";
    int rc = strcmp(a->name, "ofd") == 0
                 ? issuer_ofd_save(a->home, a->pos, out, cmd_flag(a, "force"), err, sizeof err)
                 : issuer_pdf_save(a->home, a->pos, out, err, sizeof err);

    if (rc == 0)
        printf("%s\n", out);
    return cmd_done(rc, a->name, err);
}

/* ------------------------------------------------------ status, reissue */

/* One certificate's status change; a->name names it. */
int cmd_status(const struct cmd_args *a)
{
    const char *actor = cmd_val_or(a, "actor", getenv("USER"));
    char err[512] = "";
    int rc;

    if (check_no(a->pos) != 0)
        return CLI_USAGE;
    rc = issuer_status_apply(a->home, a->pos, a->name, cmd_val(a, "reason"), cmd_val(a, "note"),
                             actor, err, sizeof err);
    if (rc != 0)
        return cmd_done(rc, a->name, err);
    printf("%s: %s done\n", a->pos, a->name);
    return CLI_OK;
}

int cmd_reissue(const struct cmd_args *a)
{
    char err[512] = "";
    issuer *is = NULL;
    int rc;

    if (check_no(a->pos) != 0)
        return CLI_USAGE;
    if (open_issuer(a->home, cmd_val(a, "passphrase-file"), 1, &is) != 0)
        return CLI_FAILURE;
    rc = issuer_reissue(is, a->pos, getenv("USER"), err, sizeof err);
    issuer_close(is);
    if (rc != 0) {
        fprintf(stderr, "reissue: %s\n", err);
        return CLI_FAILURE;
    }
    printf("%s: reissued\n", a->pos);
    return CLI_OK;
}

/* ---------------------------------------------------------------- stats */

int cmd_stats(const struct cmd_args *a)
{
    char err[512] = "";
    int rc = cmd_flag(a, "json") ? issuer_stats_json(a->home, stdout, err, sizeof err)
                                 : issuer_stats(a->home, stdout, err, sizeof err);

    return cmd_done(rc, "stats", err);
}

/* --------------------------------------------------------- apply-status */

int cmd_apply_status(const struct cmd_args *a)
{
    struct issuer_apply_counts n;
    const char *input = cmd_val(a, "input");
    const char *actor = cmd_val_or(a, "actor", "jianpei-training");
    char err[512] = "";
    FILE *in = stdin;
    int rc;

    if (strcmp(input, "-") != 0 && (in = fopen(input, "re")) == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", input, strerror(errno));
        return CLI_FAILURE;
    }
    rc = issuer_apply_status_file(a->home, in, actor, stderr, &n, err, sizeof err);
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

int cmd_claim_reset(const struct cmd_args *a)
{
    char shown[ISSUER_CLAIM_SHOWN_SIZE], err[512] = "";
    int rc = issuer_claim_reset(a->home, a->pos, cmd_actor(a), shown, err, sizeof err);

    if (rc == 0) {
        printf("%s: new claim code, the old one no longer works\n%s\n", a->pos, shown);
        jp_cleanse(shown, sizeof shown);
    }
    return cmd_done(rc, "claim-code reset", err);
}

int cmd_claim_backfill(const struct cmd_args *a)
{
    const char *out = cmd_val(a, "out");
    char err[512] = "";
    size_t given = 0;
    int rc = issuer_claim_backfill(a->home, out, cmd_actor(a), &given, err, sizeof err);

    if (rc == 0 && given == 0)
        printf("every certificate has a claim code: nothing to do, %s not written\n", out);
    else if (rc == 0)
        printf("%zu certificates got a claim code, written to %s\n", given, out);
    return cmd_done(rc, "claim-code backfill", err);
}

/* claim-code SUBCOMMAND ...: the row of cmd_claim_table that argv[1] names. */
int cmd_claim_code(const struct cmd_args *a)
{
    const struct cmd_spec *sub = NULL;

    if (a->argc >= 2 && (strcmp(a->argv[1], "--help") == 0 || strcmp(a->argv[1], "-h") == 0)) {
        fputs(a->spec->help, stdout);
        return CLI_OK;
    }
    if (a->argc >= 2)
        sub = cmd_lookup(cmd_claim_table, cmd_claim_table_len, a->argv[1]);
    if (sub == NULL) {
        fputs(a->spec->help, stderr);
        return CLI_USAGE;
    }
    return cmd_run(sub, a->argc - 1, a->argv + 1, a->home);
}
