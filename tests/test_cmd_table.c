/*
 * test_cmd_table.c - jianpei-issuer's command table and its parser (issuer/cmds.h):
 * every row is well formed, and cmd_run parses as the commands' --help texts
 * promise (values, flags, aliases, the argument, usage errors, a cascade's row).
 */
#include "check.h"
#include "cli.h"
#include "cmds.h"

#include <stdio.h>
#include <string.h>

/* What the test row's run function saw. */
static struct cmd_args seen;
static int runs;

static int record(const struct cmd_args *a)
{
    seen = *a;
    runs++;
    return 42;
}

static const struct cmd_opt test_opts[] = {{"input", CMD_REQUIRED},
                                           {"dry-run", CMD_FLAG},
                                           {"passphrase-file", CMD_VALUE},
                                           {"pin-file", CMD_ALIAS},
                                           {NULL}};
static const struct cmd_spec test_cascade = {
    "cascade", NULL, "cascade help\n", test_opts, CMD_NO_ARG, NULL, record};
static const struct cmd_spec test_row = {"t",         "a test",      "t help\n", test_opts,
                                         CMD_ONE_ARG, &test_cascade, record};

/* cmd_run over the words of line (at most 15, split at spaces) against the home "H". */
static int run(const struct cmd_spec *spec, const char *line)
{
    static char buf[512];
    char *argv[16];
    int argc = 0;

    snprintf(buf, sizeof buf, "%s", line);
    for (char *w = strtok(buf, " "); w != NULL && argc < 15; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    memset(&seen, 0, sizeof seen);
    return cmd_run(spec, argc, argv, "H");
}

/* Counts a row's options; -1 when it is wrong (too many, or it starts with an alias). */
static int opts_count(const struct cmd_opt *opts)
{
    int n = 0;

    while (opts != NULL && opts[n].name != NULL)
        n++;
    if (n > CMD_OPTS_MAX || (n > 0 && opts[0].kind == CMD_ALIAS))
        return -1;
    return n;
}

static void check_rows(const struct cmd_spec *table, size_t n, int summaries)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(table[i].name != NULL && table[i].help != NULL && table[i].run != NULL);
        CHECK(!summaries || table[i].summary != NULL);
        CHECK(strncmp(table[i].help, "usage: jianpei-issuer ", 22) == 0);
        CHECK(opts_count(table[i].opts) >= 0);
        CHECK(table[i].form != CMD_OWN_ARGV || table[i].cascade == NULL);
        CHECK(cmd_lookup(table, n, table[i].name) == &table[i]); /* names are unique */
    }
    CHECK(cmd_lookup(table, n, "no-such-command") == NULL);
}

static void test_values(void)
{
    CHECK_INT(run(&test_row, "t --input a NO"), 42);
    CHECK_STR(seen.name, "t");
    CHECK_STR(seen.home, "H");
    CHECK_STR(seen.pos, "NO");
    CHECK_STR(cmd_val(&seen, "input"), "a");
    CHECK(cmd_val(&seen, "passphrase-file") == NULL);
    CHECK(!cmd_flag(&seen, "dry-run"));
    CHECK(cmd_val(&seen, "not-an-option") == NULL);
    CHECK_STR(cmd_val_or(&seen, "passphrase-file", "absent"), "absent");

    CHECK_INT(run(&test_row, "t NO --input=b --dry-run"), 42);
    CHECK_STR(cmd_val(&seen, "input"), "b");
    CHECK(cmd_flag(&seen, "dry-run"));
    CHECK_STR(cmd_val(&seen, "dry-run"), "");
}

static void test_alias(void)
{
    CHECK_INT(run(&test_row, "t NO --input a --passphrase-file P --pin-file Q"), 42);
    CHECK_STR(cmd_val(&seen, "passphrase-file"), "Q"); /* the last given wins */
    CHECK_STR(cmd_val(&seen, "pin-file"), "Q");
    CHECK_INT(run(&test_row, "t NO --input a --pin-file=Q --passphrase-file P"), 42);
    CHECK_STR(cmd_val(&seen, "passphrase-file"), "P");
}

static void test_usage(void)
{
    int before = runs;

    CHECK_INT(run(&test_row, "t NO"), CLI_USAGE);                       /* --input missing */
    CHECK_INT(run(&test_row, "t --input a"), CLI_USAGE);                /* no argument */
    CHECK_INT(run(&test_row, "t A B --input a"), CLI_USAGE);            /* one too many */
    CHECK_INT(run(&test_row, "t NO --input"), CLI_USAGE);               /* no value */
    CHECK_INT(run(&test_row, "t NO --input a --dry-run=1"), CLI_USAGE); /* a flag's value */
    CHECK_INT(run(&test_row, "t NO --input a --inputs b"), CLI_USAGE);  /* not a prefix match */
    CHECK_INT(run(&test_row, "t NO --input a -x"), CLI_USAGE);
    CHECK_INT(run(&test_row, "t --help"), CLI_OK);
    CHECK_INT(run(&test_row, "t NO --input a -h"), CLI_OK);
    CHECK_INT(runs, before); /* none of them ran the command */
}

static void test_cascade_row(void)
{
    CHECK_INT(run(&test_row, "t --institution X --input a"), CLI_USAGE); /* cascade's options */
    CHECK_INT(run(&test_row, "t --institution=X"), CLI_USAGE);
    CHECK_INT(run(&test_cascade, "c --input a"), 42);
    CHECK(seen.spec == &test_cascade && seen.pos == NULL);
}

static void test_bad_row(void)
{
    static const struct cmd_opt alias_first[] = {{"pin-file", CMD_ALIAS}, {NULL}};
    const struct cmd_spec bad = {"b", NULL, "b help\n", alias_first, CMD_NO_ARG, NULL, record};
    struct cmd_opt many[CMD_OPTS_MAX + 2];
    struct cmd_spec too_many = bad;

    CHECK_INT(run(&bad, "b"), CLI_FAILURE);
    for (int k = 0; k <= CMD_OPTS_MAX; k++)
        many[k] = (struct cmd_opt){"x", CMD_FLAG};
    many[CMD_OPTS_MAX + 1] = (struct cmd_opt){NULL, CMD_VALUE};
    too_many.opts = many;
    CHECK_INT(run(&too_many, "b"), CLI_FAILURE);
}

int main(void)
{
    check_rows(cmd_table, cmd_table_len, 1);
    check_rows(cmd_claim_table, cmd_claim_table_len, 0);
    CHECK(cmd_lookup(cmd_table, cmd_table_len, "issue") != NULL);
    test_values();
    test_alias();
    test_usage();
    test_cascade_row();
    test_bad_row();
    return CHECK_DONE();
}
