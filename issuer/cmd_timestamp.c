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

static const char timestamp_help[] =
    "usage: jianpei-issuer timestamp [--home DIR] --pending [--list] [--tsa-timeout MS]\n"
    "                                [--passphrase-file FILE | --pin-file FILE]\n"
    "\n"
    "Adds a document time-stamp (PAdES /DocTimeStamp, /SubFilter /ETSI.RFC3161,\n"
    "an incremental update) from config.json's tsa_url to the file of every\n"
    "certificate issued without a time-stamp by `issue --tsa-optional`, and\n"
    "empties that pending list. The token covers the whole signed file, its\n"
    "signature included; the file version and its QR code stay the same.\n"
    "Running it again with nothing pending does nothing. Progress goes to stderr:\n"
    "a bar on a terminal, else a line per 32 certificates committed.\n"
    "\n"
    "  --pending           time-stamp the pending list (required)\n"
    "  --list              only print how many certificates are pending\n"
    "  --tsa-timeout MS    time allowed for each TSA query (default: config.json's\n"
    "                      tsa_timeout_ms, else 5000)\n"
    "  --passphrase-file FILE, --pin-file FILE\n"
    "                      the keys' passphrase, or the token PIN (as for issue)\n"
    "\n"
    "exit status: 0 done, 2 usage error, 3 failure (the transactions of 32\n"
    "certificates committed before it stay done; the rest stay pending)\n";

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

int cmd_timestamp(int argc, char **argv, const char *home)
{
    const char *pending = NULL, *list = NULL, *timeout = NULL, *passfile = NULL;
    const struct cmd_opt opts[] = {{"pending", CMD_FLAG, &pending},
                                   {"list", CMD_FLAG, &list},
                                   {"tsa-timeout", CMD_VALUE, &timeout},
                                   {"passphrase-file", CMD_VALUE, &passfile},
                                   {"pin-file", CMD_VALUE, &passfile}};
    issuer *is = NULL;
    long ms = 0;
    int status;

    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, timestamp_help, &status))
        return status;
    if (pending == NULL) {
        fputs("timestamp: --pending is required\n", stderr);
        return CLI_USAGE;
    }
    if (timeout != NULL && cli_parse_long(timeout, 1, ISSUER_TSA_TIMEOUT_MAX, &ms) != 0) {
        fprintf(stderr, "timestamp: --tsa-timeout must be 1-%ld ms\n", ISSUER_TSA_TIMEOUT_MAX);
        return CLI_USAGE;
    }
    if (open_issuer(home, passfile, 1, &is) != 0)
        return CLI_FAILURE;
    status = list != NULL ? list_pending(is) : run_pending(is, ms);
    issuer_close(is);
    return status;
}
