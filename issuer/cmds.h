/*
 * cmds.h - the command functions of jianpei-issuer, called by main.c's
 * dispatch with argv[0] = the command's name. Each returns an exit status.
 */
#ifndef JP_CMDS_H
#define JP_CMDS_H

#include <stddef.h>

/* How cmd_scan takes an option. */
enum cmd_opt_kind {
    CMD_VALUE,    /* "--name VALUE" or "--name=VALUE", optional */
    CMD_REQUIRED, /* the same, and the command needs it */
    CMD_FLAG,     /* "--name" alone; its value is set to "" */
};

/* One option of a command that has no getopt table. */
struct cmd_opt {
    const char *name;       /* without the leading dashes */
    enum cmd_opt_kind kind; /* how it is taken */
    const char **val;       /* where its value goes; left as it was when absent */
};

/*
 * Parses argv[1..argc-1]: the n options of opts and, when pos is not NULL,
 * exactly one positional argument into *pos. Returns 0 to go on, or 1 when the
 * command is done with exit status *status: CLI_OK after printing help for
 * --help or -h, CLI_USAGE after printing help to stderr for an unknown option
 * (named first: "show: unknown option --x"),
 * a value missing, a required option or the positional argument absent, or one
 * too many.
 */
int cmd_scan(int argc, char **argv, const struct cmd_opt *opts, size_t n, const char **pos,
             const char *help, int *status);
/* The exit status of a library result rc: 0, 2 for ISSUER_EARG, else 3, after
 * printing "what: err" (or err alone when what is NULL) to stderr on failure. */
int cmd_done(int rc, const char *what, const char *err);

/* Opens the home for issuing (passphrase from passfile or the environment); says why not on
 * stderr. Returns 0 or the error. */
struct issuer;
int open_issuer(const char *home, const char *passfile, int threads, struct issuer **is);

int cmd_issue(int argc, char **argv, const char *home);
int cmd_tsa(int argc, char **argv, const char *home); /* cmd_tsa.c */
int cmd_timestamp(int argc, char **argv, const char *home); /* cmd_timestamp.c */
int cmd_show(int argc, char **argv, const char *home);
int cmd_find(int argc, char **argv, const char *home);
/* pdf and ofd, the stored file of a certificate to --out FILE (argv[0] names which). */
int cmd_file_out(int argc, char **argv, const char *home);
int cmd_status(int argc, char **argv, const char *home);
int cmd_reissue(int argc, char **argv, const char *home);
int cmd_stats(int argc, char **argv, const char *home);
int cmd_apply_status(int argc, char **argv, const char *home);
int cmd_claim_code(int argc, char **argv, const char *home);
int cmd_correct(int argc, char **argv, const char *home);
/* revoke or suspend --institution CODE ...: called by cmd_status. */
int cmd_cascade(int argc, char **argv, const char *home);
/* 1 when argv has --institution (a cascade), else 0. */
int cmd_is_cascade(int argc, char **argv);
/* report --html FILE: the operator's dashboard (cmd_report.c). */
int cmd_report(int argc, char **argv, const char *home);

#endif
