/*
 * main.c - jianpei-issuer, the provincial department's CLI (SPEC §2).
 * A thin layer over issuer.h alone: finds the home and the command's row in
 * cmd_table (cmds.h) and runs it; exit statuses 0 ok, 1 some input rejected,
 * 2 usage, 3 failure.
 */
#include "cli.h"
#include "cmds.h"
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

static void usage_main(FILE *f)
{
    fputs("usage: jianpei-issuer [--home DIR] COMMAND [ARGS]\n"
          "\n"
          "The provincial department's tool: numbers, renders, signs and stores\n"
          "职业培训合格证 certificates. The home is --home DIR, else $JIANPEI_HOME,\n"
          "else ./jianpei-home. Every command takes --help.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < cmd_table_len; i++)
        fprintf(f, "  %-12s %s\n", cmd_table[i].name, cmd_table[i].summary);
    fputs("\nexit status: 0 success, 1 some input rejected (the rest done), 2 usage error,\n"
          "3 failure (nothing changed)\n",
          f);
}

int main(int argc, char **argv)
{
    const struct cmd_spec *c;
    const char *home_flag = NULL;
    char home[JP_HOME_PATH_MAX];

    /* Rendering allocates many short-lived blocks of 128 KB and more (font
     * subsets, PDF streams): a fixed mmap threshold hands them back to the
     * system at once instead of letting glibc raise it and keep them in heap
     * arenas. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    if (cli_extract_home(&argc, argv, &home_flag) != 0) {
        fprintf(stderr, "--home needs a directory\n");
        return CLI_USAGE;
    }
    if (argc < 2) {
        usage_main(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage_main(stdout);
        return CLI_OK;
    }
    if (jp_home_resolve(home_flag, home, sizeof home) != 0) {
        fprintf(stderr, "home path is too long\n");
        return CLI_USAGE;
    }
    c = cmd_lookup(cmd_table, cmd_table_len, argv[1]);
    if (c != NULL)
        return cmd_run(c, argc - 1, argv + 1, home);
    fprintf(stderr, "unknown command %s\n\n", argv[1]);
    usage_main(stderr);
    return CLI_USAGE;
}
