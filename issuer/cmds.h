/*
 * cmds.h - the command functions of jianpei-issuer, called by main.c's
 * dispatch with argv[0] = the command's name. Each returns an exit status.
 */
#ifndef JP_CMDS_H
#define JP_CMDS_H

int cmd_issue(int argc, char **argv, const char *home);
int cmd_show(int argc, char **argv, const char *home);
int cmd_find(int argc, char **argv, const char *home);
int cmd_pdf(int argc, char **argv, const char *home);
int cmd_status(int argc, char **argv, const char *home);
int cmd_reissue(int argc, char **argv, const char *home);
int cmd_stats(int argc, char **argv, const char *home);
int cmd_apply_status(int argc, char **argv, const char *home);

#endif
