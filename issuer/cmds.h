/*
 * cmds.h - the commands of jianpei-issuer. Every command is a row of one table
 * (cmd_table.c): its name, summary, --help text, options and run function.
 * cmd_run parses a command line by its row and calls the run function with
 * what it found; a run function returns the exit status (CLI_OK .. CLI_FAILURE).
 */
#ifndef JP_CMDS_H
#define JP_CMDS_H

#include <stddef.h>

/* init's default PKCS#11 module: p11-kit's proxy reaches every token registered with p11-kit
 * (SoftHSM2, OpenSC, HSMs). */
#define CMD_P11_MODULE "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"

/* How cmd_parse takes an option. */
enum cmd_opt_kind {
    CMD_VALUE,    /* "--name VALUE" or "--name=VALUE", optional */
    CMD_REQUIRED, /* the same, and the command needs it */
    CMD_FLAG,     /* "--name" alone */
    CMD_ALIAS,    /* another name of the option before it (--pin-file of --passphrase-file):
                     its value is that option's, the last of them given wins */
};

/* How many options one command takes at most. */
#define CMD_OPTS_MAX 16

/* One option of a command; a command's list ends with {NULL}. */
struct cmd_opt {
    const char *name;       /* without the leading dashes */
    enum cmd_opt_kind kind; /* how it is taken */
};

/* What a command takes besides its options. */
enum cmd_form {
    CMD_NO_ARG,   /* options only */
    CMD_ONE_ARG,  /* exactly one argument too, into cmd_args.pos */
    CMD_OWN_ARGV, /* not parsed by cmd_run: the run function reads a->argv (with cmd_parse of
                     its row, or getopt) */
};

struct cmd_args;

/* A command: a row of the table. */
struct cmd_spec {
    const char *name;                     /* the word after the program (or after claim-code) */
    const char *summary;                  /* one line for jianpei-issuer --help */
    const char *help;                     /* --help text, on stderr after a usage error */
    const struct cmd_opt *opts;           /* its options, ended by {NULL}; NULL for none */
    enum cmd_form form;                   /* what it takes besides */
    const struct cmd_spec *cascade;       /* run instead when argv has --institution, or NULL */
    int (*run)(const struct cmd_args *a); /* the command; returns the exit status */
};

/* A command line as cmd_run (or cmd_parse) left it; valid as long as argv and home are. */
struct cmd_args {
    const struct cmd_spec *spec;   /* the command's row */
    const char *name;              /* the command's name as given, argv[0] */
    const char *home;              /* the home directory main resolved */
    int argc;                      /* the command line, argv[0] the command's name */
    char **argv;                   /* (the same) */
    const char *pos;               /* the argument of a CMD_ONE_ARG command, else NULL */
    const char *val[CMD_OPTS_MAX]; /* the value of spec->opts[k] ("" for a flag given), or NULL */
};

/* The commands of jianpei-issuer in the order --help lists them (cmd_table.c). */
extern const struct cmd_spec cmd_table[];
extern const size_t cmd_table_len;
/* claim-code's subcommands, reset and backfill (cmd_table.c). */
extern const struct cmd_spec cmd_claim_table[];
extern const size_t cmd_claim_table_len;

/* The row of table[0..n-1] named name, or NULL. */
const struct cmd_spec *cmd_lookup(const struct cmd_spec *table, size_t n, const char *name);

/*
 * Parses argv[1..argc-1] by spec into *a: the options of spec->opts and, for
 * CMD_ONE_ARG (not CMD_OWN_ARGV), exactly one argument that does not start with '-'.
 * Returns 0 to go on, or 1 when the command is done with exit status *status:
 * CLI_OK after printing spec->help to stdout for --help or -h; CLI_USAGE after
 * printing it to stderr for an unknown option (named first: "show: unknown
 * option --x"), a value missing, a required option or the positional argument
 * absent, or one too many; CLI_FAILURE when spec has more than CMD_OPTS_MAX
 * options or starts with a CMD_ALIAS (said on stderr).
 */
int cmd_parse(const struct cmd_spec *spec, int argc, char **argv, const char *home,
              struct cmd_args *a, int *status);
/*
 * Runs the command of spec over argv[0..argc-1] (argv[0] its name): spec->cascade
 * instead when argv has --institution; then cmd_parse unless CMD_OWN_ARGV, and
 * run. Returns the exit status.
 */
int cmd_run(const struct cmd_spec *spec, int argc, char **argv, const char *home);
/* The value of a's option name (an alias's: its option's): "" for a flag given, NULL when
 * absent or when a's command has no such option. */
const char *cmd_val(const struct cmd_args *a, const char *name);
/* cmd_val, or absent when that is NULL. */
const char *cmd_val_or(const struct cmd_args *a, const char *name, const char *absent);
/* Who acts, for the audit log: --actor, else $USER, else "jianpei-issuer". */
const char *cmd_actor(const struct cmd_args *a);
/* 1 when a's option name was given, else 0. */
int cmd_flag(const struct cmd_args *a, const char *name);
/* The exit status of a library result rc: 0, 2 for ISSUER_EARG, else 3, after
 * printing "what: err" (or err alone when what is NULL) to stderr on failure. */
int cmd_done(int rc, const char *what, const char *err);

/* Opens the home for issuing (passphrase from passfile or the environment); says why not on
 * stderr. Returns 0 or the error. */
struct issuer;
int open_issuer(const char *home, const char *passfile, int threads, struct issuer **is);

/* The run functions of the table's rows. */
int cmd_init(const struct cmd_args *a);           /* cmd_home.c */
int cmd_keys(const struct cmd_args *a);           /* cmd_home.c */
int cmd_audit(const struct cmd_args *a);          /* cmd_home.c */
int cmd_check(const struct cmd_args *a);          /* cmd_home.c */
int cmd_backup(const struct cmd_args *a);         /* cmd_home.c */
int cmd_backfill(const struct cmd_args *a);       /* cmd_home.c: a->name names which */
int cmd_issue(const struct cmd_args *a);          /* cmd_certs.c */
int cmd_show(const struct cmd_args *a);           /* cmd_certs.c */
int cmd_find(const struct cmd_args *a);           /* cmd_certs.c */
int cmd_file_out(const struct cmd_args *a);       /* cmd_certs.c: pdf or ofd, by a->name */
int cmd_status(const struct cmd_args *a);         /* cmd_certs.c: the change a->name */
int cmd_reissue(const struct cmd_args *a);        /* cmd_certs.c */
int cmd_stats(const struct cmd_args *a);          /* cmd_certs.c */
int cmd_apply_status(const struct cmd_args *a);   /* cmd_certs.c */
int cmd_claim_code(const struct cmd_args *a);     /* cmd_certs.c: cmd_claim_table's */
int cmd_claim_reset(const struct cmd_args *a);    /* cmd_certs.c */
int cmd_claim_backfill(const struct cmd_args *a); /* cmd_certs.c */
int cmd_correct(const struct cmd_args *a);        /* cmd_ops.c */
int cmd_cascade(const struct cmd_args *a);        /* cmd_ops.c: suspend or revoke only */
int cmd_report(const struct cmd_args *a);         /* cmd_report.c */
int cmd_timestamp(const struct cmd_args *a);      /* cmd_timestamp.c */
int cmd_tsa(const struct cmd_args *a);            /* cmd_tsa.c */

#endif
