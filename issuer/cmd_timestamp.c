/*
 * cmd_timestamp.c - `jianpei-issuer timestamp --pending`: the time-stamps
 * owed by certificates issued under --tsa-optional while the TSA was down
 * (issuer_timestamp_pending, docs/operations.md).
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"

#include <stdio.h>
#include <stdlib.h>

/* A bar on a terminal; else (a log, cron) one line per committed transaction. */
static void progress_cb(void *ctx, unsigned long done, double fraction)
{
    const struct cli_progress *p = ctx;

    if (p->tty)
        cli_progress_update(ctx, done, fraction);
    else if (fraction >= 0)
        fprintf(stderr, "timestamp: %lu done (%.0f%%)\n", done, 100 * fraction);
    else
        fprintf(stderr, "timestamp: %lu done\n", done);
}

/* --list: prints the count of the pending list. */
static int list_pending(issuer *is)
{
    char err[512] = "";
    size_t n = 0;
    int rc = issuer_pending_count(is, &n, err, sizeof err);

    if (rc != 0)
        return cmd_done(rc, "timestamp", err);
    printf("pending: %zu\n", n);
    return CLI_OK;
}

static int run_pending(issuer *is, long timeout)
{
    struct issuer_ts_opts o = {progress_cb, NULL};
    struct issuer_ts_report rep;
    struct cli_progress prog;
    char err[512] = "";
    int rc = issuer_tsa_options(is, timeout, 0, err, sizeof err);

    if (rc != 0)
        return cmd_done(rc, "timestamp", err);
    cli_progress_start(&prog, "certificates");
    o.progress_ctx = &prog;
    rc = issuer_timestamp_pending(is, getenv("USER"), &o, &rep, err, sizeof err);
    cli_progress_end(&prog);
    fprintf(stderr, "timestamp: %zu time-stamped, %zu had one already\n", rep.stamped, rep.already);
    if (rc != 0)
        return cmd_done(rc, "timestamp", err);
    return CLI_OK;
}

int cmd_timestamp(const struct cmd_args *a)
{
    const char *timeout = cmd_val(a, "tsa-timeout");
    issuer *is = NULL;
    long ms = 0;
    int status;

    if (cmd_val(a, "pending") == NULL) {
        fputs("timestamp: --pending is required\n", stderr);
        return CLI_USAGE;
    }
    if (timeout != NULL && cli_parse_long(timeout, 1, ISSUER_TSA_TIMEOUT_MAX, &ms) != 0) {
        fprintf(stderr, "timestamp: --tsa-timeout must be 1-%ld ms\n", ISSUER_TSA_TIMEOUT_MAX);
        return CLI_USAGE;
    }
    if (open_issuer(a->home, cmd_val(a, "passphrase-file"), 1, &is) != 0)
        return CLI_FAILURE;
    status = cmd_flag(a, "list") ? list_pending(is) : run_pending(is, ms);
    issuer_close(is);
    return status;
}
