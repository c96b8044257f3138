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

/* -------------------------------------------------------------- correct */

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

int cmd_correct(const struct cmd_args *a)
{
    struct issuer_correction c = {
        .name = cmd_val(a, "name"),
        .gender = cmd_val(a, "gender"),
        .photo = cmd_val(a, "photo"),
        .reason = cmd_val(a, "reason"),
        .new_claim_code = cmd_flag(a, "new-claim-code"),
        .actor = cmd_actor(a),
    };
    struct issuer_correct_result res;
    const char *no = a->pos;
    char err[512] = "";
    issuer *is = NULL;
    int rc;

    if (issuer_certno_check(no, err, sizeof err) != 0)
        return cmd_done(ISSUER_EARG, "correct", err);
    if (cmd_flag(a, "history"))
        return correct_history(a->home, no);
    if (open_issuer(a->home, cmd_val(a, "passphrase-file"), 1, &is) != 0)
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

/* A cascade of a->name (suspend or revoke), parsed. */
static int cascade_run(const struct cmd_args *a)
{
    struct issuer_cascade o = {
        .action = a->name,
        .institution = cmd_val(a, "institution"),
        .issued_from = cmd_val(a, "issued-from"),
        .issued_to = cmd_val(a, "issued-to"),
        .reason = cmd_val(a, "reason"),
        .note = cmd_val(a, "note"),
        .actor = cmd_actor(a),
        .dry_run = cmd_flag(a, "dry-run"),
    };
    struct issuer_cascade_result r;
    const char *done;
    char err[512] = "";
    int rc;

    done = strcmp(a->name, "revoke") == 0 ? "revoked" : "suspended";
    rc = issuer_cascade_run(a->home, &o, &r, err, sizeof err);
    if (rc != 0)
        return cmd_done(rc, a->name, err);
    for (size_t i = 0; o.dry_run && i < r.n; i++)
        printf("%s\n", r.nos[i]);
    printf("%s%s %zu certificates of %s issued %s..%s%s; %zu already %s, %zu left as they are; "
           "%zu records scanned\n",
           o.dry_run ? "would " : "", o.dry_run ? a->name : done, r.n, o.institution, o.issued_from,
           o.issued_to, o.dry_run ? " (dry run: nothing changed)" : "", r.already, done, r.left,
           r.scanned);
    issuer_cascade_free(&r);
    return CLI_OK;
}

/* Only suspend and revoke cascade: any other change is refused before its options are read. */
int cmd_cascade(const struct cmd_args *a)
{
    struct cmd_args parsed;
    int status;

    if (strcmp(a->name, "suspend") != 0 && strcmp(a->name, "revoke") != 0) {
        fprintf(stderr, "%s: --institution: only suspend and revoke cascade\n", a->name);
        return CLI_USAGE;
    }
    if (cmd_parse(a->spec, a->argc, a->argv, a->home, &parsed, &status))
        return status;
    return cascade_run(&parsed);
}
