/*
 * offline_cli.h - the command line the two offline checks of jianpei-verifier
 * share (verify-qr in main.c, verify-file in verify_file_cmd.c): one getopt
 * loop over the options they take, each command passing its own table so
 * that it accepts only its own.
 */
#ifndef JP_OFFLINE_CLI_H
#define JP_OFFLINE_CLI_H

#include <getopt.h>

/* The options of an offline check; what a command's table lacks stays as it was. */
struct offline_opts {
    const char *trust; /* --trust FILE */
    const char *pin;   /* --pin SHA256, as given */
    const char *crl;   /* --crl FILE, the root's CRL */
    const char *sm2_crl; /* --sm2-crl FILE, the SM2 root's CRL (verify-file) */
    const char *home;  /* --home DIR (verify-qr) */
    int json;          /* --json given (verify-file) */
};

/*
 * Parses argv[1..argc-1] with getopt_long over table, whose entries map
 * --trust to 't', --pin to 'p', --crl to 'c', --sm2-crl to 's', --home to 'H', --json to 'j'
 * and --help to 'h', into *o; optind is then the first operand. Returns 0 to
 * go on, or 1 when the command is done with exit status *status: CLI_OK
 * after printing help to stdout for --help or -h, CLI_USAGE after printing it
 * to stderr for an option the table does not have (getopt names it first).
 */
int offline_opts_parse(int argc, char **argv, const struct option *table, const char *help,
                       struct offline_opts *o, int *status);

#endif
