/*
 * cmd_tsa.c - `jianpei-issuer tsa`: runs the home's own time-stamp authority
 * until SIGTERM or SIGINT (issuer_tsa_start, SPEC §13).
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"
#include "util.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char tsa_help[] =
    "usage: jianpei-issuer tsa [--home DIR] --listen HOST:PORT [--passphrase-file FILE]\n"
    "\n"
    "Serves the province's own RFC 3161 time-stamp authority: POST an\n"
    "application/timestamp-query to http://HOST:PORT/ and get an\n"
    "application/timestamp-reply signed by HOME/keys/tsa.key (made at init, issued\n"
    "by the provincial root, extendedKeyUsage critical timeStamping). Prints\n"
    "\"listening on HOST:PORT\" once ready (port 0 picks a free one); SIGTERM or\n"
    "SIGINT stops it. Give its URL to init --tsa-url.\n"
    "\n"
    "  --listen HOST:PORT      numeric address and port, e.g. 127.0.0.1:3161\n"
    "  --passphrase-file FILE  the private keys' passphrase: the first line of FILE\n";

int cmd_tsa(int argc, char **argv, const char *home)
{
    const char *listen = NULL, *passfile = NULL;
    const struct cmd_opt opts[] = {{"listen", CMD_REQUIRED, &listen},
                                   {"passphrase-file", CMD_VALUE, &passfile}};
    struct issuer_tsa *t = NULL;
    char err[512] = "";
    char *pass = NULL;
    size_t passlen = 0;
    sigset_t set;
    int sig = 0, rc, status;

    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, tsa_help, &status))
        return status;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = cli_passphrase(passfile, &pass, &passlen, err, sizeof err);
    if (rc == 0)
        rc = issuer_tsa_start(home, listen, (unsigned char *)pass, passlen, &t, err, sizeof err);
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
