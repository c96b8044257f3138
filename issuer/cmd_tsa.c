/*
 * cmd_tsa.c - `jianpei-issuer tsa`: runs the home's own time-stamp authority
 * until SIGTERM or SIGINT (issuer_tsa_start, SPEC §13).
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_tsa(const struct cmd_args *a)
{
    const char *listen = cmd_val(a, "listen");
    struct issuer_tsa *t = NULL;
    char err[512] = "";
    char *pass = NULL;
    size_t passlen = 0;
    sigset_t set;
    int sig = 0, rc;

    cli_block_stop_signals(&set);
    rc = cli_passphrase(cmd_val(a, "passphrase-file"), &pass, &passlen, err, sizeof err);
    if (rc == 0)
        rc = issuer_tsa_start(a->home, listen, (unsigned char *)pass, passlen, &t, err, sizeof err);
    jp_free_secret(pass, passlen);
    if (rc != 0)
        return cmd_done(rc, "tsa", err);
    printf("listening on %.*s:%u\n", (int)(strrchr(listen, ':') - listen), listen,
           issuer_tsa_port(t));
    fflush(stdout);
    sigwait(&set, &sig);
    issuer_tsa_stop(t);
    return CLI_OK;
}
