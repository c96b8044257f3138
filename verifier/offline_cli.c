/*
 * offline_cli.c - the one option loop of verify-qr and verify-file
 * (offline_cli.h).
 */
#include "offline_cli.h"
#include "cli.h"

#include <stdio.h>

int offline_opts_parse(int argc, char **argv, const struct option *table, const char *help,
                       struct offline_opts *o, int *status)
{
    int c;

    *status = CLI_OK;
    optind = 0; /* 0: glibc re-initialises its scan state */
    while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
        if (c == 't') {
            o->trust = optarg;
        } else if (c == 'p') {
            o->pin = optarg;
        } else if (c == 'c') {
            o->crl = optarg;
        } else if (c == 's') {
            o->sm2_crl = optarg;
        } else if (c == 'H') {
            o->home = optarg;
        } else if (c == 'j') {
            o->json = 1;
        } else {
            fputs(help, c == 'h' ? stdout : stderr);
            *status = c == 'h' ? CLI_OK : CLI_USAGE;
            return 1;
        }
    }
    return 0;
}
