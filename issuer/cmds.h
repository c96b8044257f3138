/*
 * cmds.h - the command functions of jianpei-issuer, called by main.c's
 * dispatch with argv[0] = the command's name. Each returns an exit status.
 */
#ifndef JP_CMDS_H
#define JP_CMDS_H

/* Prints help to stdout and returns 1 when argv asks for --help or -h. */
int cmd_is_help(int argc, char **argv, const char *help);
/* Parses a decimal integer min..max (nothing else in s) into *out. Returns 0 or -1. */
int cmd_parse_int(const char *s, int min, int max, int *out);

int cmd_issue(int argc, char **argv, const char *home);
int cmd_show(int argc, char **argv, const char *home);
int cmd_find(int argc, char **argv, const char *home);
int cmd_pdf(int argc, char **argv, const char *home);
int cmd_status(int argc, char **argv, const char *home);
int cmd_reissue(int argc, char **argv, const char *home);
int cmd_stats(int argc, char **argv, const char *home);
int cmd_apply_status(int argc, char **argv, const char *home);

#endif
