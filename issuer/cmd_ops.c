/*
 * cmd_ops.c - jianpei-issuer's day-to-day corrections: `correct` (a new
 * version with corrected holder data) and the cascades `suspend|revoke
 * --institution CODE --issued-from DATE --issued-to DATE`. Thin: options in,
 * library calls, exit statuses out. Numbers only on the terminal, no names.
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *actor_default(void)
{
    return getenv("USER") ? getenv("USER") : "jianpei-issuer";
}

/* -------------------------------------------------------------- correct */

static const char correct_help[] =
    "usage: jianpei-issuer correct [--home DIR] CERTIFICATE_NO --reason TEXT\n"
    "                              [--name NAME] [--gender 男|女] [--photo FILE]\n"
    "                              [--new-claim-code] [--actor NAME] [--passphrase-file FILE]\n"
    "       jianpei-issuer correct [--home DIR] CERTIFICATE_NO --history\n"
    "\n"
    "Corrects a valid certificate's holder data (信息变更): a new version of the same\n"
    "certificate (same number, e-licence version + 1), rendered and signed again with\n"
    "the current key. Every intake rule (SPEC §5) is applied to the corrected record;\n"
    "a rejected value changes nothing and exits 2 naming the option. The old file stays\n"
    "known: scanned or checked, it shows as an earlier version, not as a forgery.\n"
    "\n"
    "  --name NAME       the corrected name (1-64 letters, · and spaces)\n"
    "  --gender 男|女    the corrected gender (must agree with a citizen ID number)\n"
    "  --photo FILE      a new JPEG or PNG photo, at most 200 KB\n"
    "  --reason TEXT     why (at most 200 bytes); kept with the old and new values in the\n"
    "                    issuer's corrections record, never in the status feed or a log\n"
    "  --new-claim-code  also give a new claim code (领取码), printed alone on the last\n"
    "                    line; without it the holder's code stays as it is\n"
    "  --history         print the recorded corrections (old and new values) as JSON Lines\n"
    "  --actor NAME      who, for the audit log (default: $USER)\n";

static int correct_history(const char *home, const char *no)
{
    char err[512] = "";
    issuer *is = NULL;
    size_t n = 0;
    int rc;

    if (open_issuer(home, NULL, 1, &is) != 0)
        return CLI_FAILURE;
    rc = issuer_corrections_print(is, no, stdout, &n, err, sizeof err);
    issuer_close(is);
    if (rc == 0 && n == 0)
        fprintf(stderr, "%s: no corrections recorded\n", no);
    return cmd_done(rc, "correct", err);
}

int cmd_correct(int argc, char **argv, const char *home)
{
    struct issuer_correction c = {.actor = actor_default()};
    struct issuer_correct_result res;
    const char *no = NULL, *passfile = NULL, *newcode = NULL, *history = NULL;
    char err[512] = "";
    issuer *is = NULL;
    int rc, status;
    const struct cmd_opt opts[] = {
        {"name", CMD_VALUE, &c.name},           {"gender", CMD_VALUE, &c.gender},
        {"photo", CMD_VALUE, &c.photo},         {"reason", CMD_VALUE, &c.reason},
        {"new-claim-code", CMD_FLAG, &newcode}, {"history", CMD_FLAG, &history},
        {"actor", CMD_VALUE, &c.actor},         {"passphrase-file", CMD_VALUE, &passfile},
    };

    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], &no, correct_help, &status))
        return status;
    if (issuer_certno_check(no, err, sizeof err) != 0)
        return cmd_done(ISSUER_EARG, "correct", err);
    if (history != NULL)
        return correct_history(home, no);
    c.new_claim_code = newcode != NULL;
    if (open_issuer(home, passfile, 1, &is) != 0)
        return CLI_FAILURE;
    rc = issuer_correct(is, no, &c, &res, err, sizeof err);
    issuer_close(is);
    if (rc != 0)
        return cmd_done(rc, "correct", err);
    printf("%s: corrected (%s), file version %03u\n", no, res.fields, res.file_version);
    if (c.new_claim_code) {
        printf("new claim code, the old one no longer works:\n%s\n", res.claim_shown);
        jp_cleanse(res.claim_shown, sizeof res.claim_shown);
    }
    return CLI_OK;
}

/* -------------------------------------------------------------- cascade */

static const char cascade_help[] =
    "usage: jianpei-issuer suspend|revoke [--home DIR] --institution CODE\n"
    "                      --issued-from DATE --issued-to DATE --reason CODE|TEXT\n"
    "                      [--note TEXT] [--dry-run] [--actor NAME]\n"
    "\n"
    "A cascade: suspends (暂扣) or revokes (撤销) every certificate the institution\n"
    "issued from DATE to DATE (YYYY-MM-DD, both included), all in one transaction,\n"
    "each with its audit entry and status-feed entry like a single change, and prints\n"
    "how many. Certificates already so are counted and left; a suspend leaves revoked,\n"
    "cancelled and lapsed ones, a revoke leaves revoked and cancelled ones.\n"
    "\n"
    "  --institution CODE  the training institution's code, as on the certificates\n"
    "  --reason CODE|TEXT  a code (" ISSUER_REASON_CODES "),\n"
    "                      or free text that becomes the internal note under\n"
    "                      institution_struck_off\n"
    "  --note TEXT         internal note for the audit log (never published)\n"
    "  --dry-run           list the certificate numbers that would change, change nothing\n"
    "  --actor NAME        who, for the audit log (default: $USER)\n"
    "\n"
    "exit status: 0 done, 2 usage error (a bad date, an institution without certificates,\n"
    "...: the message names the option), 3 failure (nothing changed)\n";

int cmd_is_cascade(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--institution") == 0 || strncmp(argv[i], "--institution=", 14) == 0)
            return 1;
    return 0;
}

int cmd_cascade(int argc, char **argv, const char *home)
{
    struct issuer_cascade o = {.action = argv[0], .actor = actor_default()};
    struct issuer_cascade_result r;
    const char *dry = NULL, *done;
    char err[512] = "";
    int rc, status;
    const struct cmd_opt opts[] = {
        {"institution", CMD_REQUIRED, &o.institution},
        {"issued-from", CMD_REQUIRED, &o.issued_from},
        {"issued-to", CMD_REQUIRED, &o.issued_to},
        {"reason", CMD_REQUIRED, &o.reason},
        {"note", CMD_VALUE, &o.note},
        {"actor", CMD_VALUE, &o.actor},
        {"dry-run", CMD_FLAG, &dry},
    };

    if (strcmp(argv[0], "suspend") != 0 && strcmp(argv[0], "revoke") != 0) {
        fprintf(stderr, "%s: --institution: only suspend and revoke cascade\n", argv[0]);
        return CLI_USAGE;
    }
    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, cascade_help, &status))
        return status;
    o.dry_run = dry != NULL;
    done = strcmp(argv[0], "revoke") == 0 ? "revoked" : "suspended";
    rc = issuer_cascade_run(home, &o, &r, err, sizeof err);
    if (rc != 0)
        return cmd_done(rc, argv[0], err);
    for (size_t i = 0; o.dry_run && i < r.n; i++)
        printf("%s\n", r.nos[i]);
    printf("%s%s %zu certificates of %s issued %s..%s%s; %zu already %s, %zu left as they are; "
           "%zu records scanned\n",
           o.dry_run ? "would " : "", o.dry_run ? argv[0] : done, r.n, o.institution, o.issued_from,
           o.issued_to, o.dry_run ? " (dry run: nothing changed)" : "", r.already, done, r.left,
           r.scanned);
    issuer_cascade_free(&r);
    return CLI_OK;
}
