/*
 * cmd_run.c - the one prologue of jianpei-issuer's commands (cmds.h): finds a
 * command's row, parses its command line by the row and runs it; maps a
 * library result to an exit status.
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The index in opts of the option named name (name ends at its first '=' or NUL), or -1. */
static int opt_index(const struct cmd_opt *opts, const char *name)
{
    size_t len = strcspn(name, "=");

    for (int k = 0; opts != NULL && opts[k].name != NULL; k++)
        if (strlen(opts[k].name) == len && strncmp(name, opts[k].name, len) == 0)
            return k;
    return -1;
}

/* The index of the option whose value opts[k] sets: k, or for an alias the option before it
 * (opts_valid: the list does not start with an alias). */
static int value_index(const struct cmd_opt *opts, int k)
{
    while (k > 0 && opts[k].kind == CMD_ALIAS)
        k--;
    return k;
}

/* 0 when opts fits in CMD_OPTS_MAX values and does not start with an alias. */
static int opts_valid(const struct cmd_opt *opts)
{
    for (int k = 0; opts != NULL && opts[k].name != NULL; k++)
        if (k >= CMD_OPTS_MAX || (k == 0 && opts[k].kind == CMD_ALIAS))
            return -1;
    return 0;
}

/* Takes the option at argv[*i], opts[k], into val (moving *i past its value). 0 or -1. */
static int take_opt(int argc, char **argv, int *i, const struct cmd_opt *opts, int k,
                    const char **val)
{
    const char *eq = strchr(argv[*i], '=');
    int v = value_index(opts, k);

    if (opts[v].kind == CMD_FLAG) {
        val[v] = "";
        return eq == NULL ? 0 : -1;
    }
    if (eq != NULL) {
        val[v] = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc)
        return -1;
    val[v] = argv[++*i];
    return 0;
}

/* 0 when every CMD_REQUIRED option of opts got a value in val. */
static int required_present(const struct cmd_opt *opts, const char *const *val)
{
    for (int k = 0; opts != NULL && opts[k].name != NULL; k++)
        if (opts[k].kind == CMD_REQUIRED && val[k] == NULL)
            return -1;
    return 0;
}

int cmd_parse(const struct cmd_spec *spec, int argc, char **argv, const char *home,
              struct cmd_args *a, int *status)
{
    const char *positional = NULL; /* the argument of a CMD_ONE_ARG command */
    int bad = 0;

    *a = (struct cmd_args){.spec = spec, .name = argv[0], .home = home, .argc = argc, .argv = argv};
    *status = CLI_OK;
    if (opts_valid(spec->opts) != 0) {
        fprintf(stderr, "%s: the command's option list is wrong\n", argv[0]);
        *status = CLI_FAILURE;
        return 1;
    }
    if (cli_help_asked(argc, argv, spec->help))
        return 1;

    for (int i = 1; !bad && i < argc; i++) {
        int k = strncmp(argv[i], "--", 2) == 0 ? opt_index(spec->opts, argv[i] + 2) : -1;
        if (k >= 0)
            bad = take_opt(argc, argv, &i, spec->opts, k, a->val);
        else if (spec->form == CMD_ONE_ARG && positional == NULL && argv[i][0] != '-')
            positional = argv[i];
        else
            bad = 1;
        if (k < 0 && bad && strncmp(argv[i], "--", 2) == 0) /* an option's name, no value */
            fprintf(stderr, "%s: unknown option %.*s\n", argv[0], (int)strcspn(argv[i], "="),
                    argv[i]);
    }
    if (!bad && spec->form == CMD_ONE_ARG && positional == NULL)
        bad = 1;
    if (!bad)
        bad = required_present(spec->opts, a->val);
    if (bad) {
        fputs(spec->help, stderr);
        *status = CLI_USAGE;
        return 1;
    }
    a->pos = positional;
    return 0;
}

/* 1 when argv[1..argc-1] has --institution (a cascade), else 0. */
static int cmd_is_cascade(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--institution") == 0 || strncmp(argv[i], "--institution=", 14) == 0)
            return 1;
    return 0;
}

int cmd_run(const struct cmd_spec *spec, int argc, char **argv, const char *home)
{
    struct cmd_args a;
    int status;

    if (spec->cascade != NULL && cmd_is_cascade(argc, argv))
        spec = spec->cascade;
    if (spec->form == CMD_OWN_ARGV) {
        a = (struct cmd_args){
            .spec = spec, .name = argv[0], .home = home, .argc = argc, .argv = argv};
        return spec->run(&a);
    }
    if (cmd_parse(spec, argc, argv, home, &a, &status))
        return status;
    return spec->run(&a);
}

const struct cmd_spec *cmd_lookup(const struct cmd_spec *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

const char *cmd_val(const struct cmd_args *a, const char *name)
{
    int k = opt_index(a->spec->opts, name);

    if (k >= 0)
        k = value_index(a->spec->opts, k);
    return k >= 0 ? a->val[k] : NULL;
}

const char *cmd_val_or(const struct cmd_args *a, const char *name, const char *absent)
{
    const char *v = cmd_val(a, name);

    return v != NULL ? v : absent;
}

const char *cmd_actor(const struct cmd_args *a)
{
    const char *user = getenv("USER");

    return cmd_val_or(a, "actor", user != NULL ? user : "jianpei-issuer");
}

int cmd_flag(const struct cmd_args *a, const char *name)
{
    return cmd_val(a, name) != NULL;
}

int cmd_done(int rc, const char *what, const char *err)
{
    if (rc == 0)
        return CLI_OK;
    if (what != NULL)
        fprintf(stderr, "%s: %s\n", what, err);
    else
        fprintf(stderr, "%s\n", err);
    return rc == ISSUER_EARG ? CLI_USAGE : CLI_FAILURE;
}
