/*
 * verify_file_cmd.h - the verify-file command of jianpei-verifier (verify_file_cmd.c).
 */
#ifndef JP_VERIFY_FILE_CMD_H
#define JP_VERIFY_FILE_CMD_H

/* Runs `verify-file`; argv[0] is "verify-file". Returns the exit status (cli.h). */
int cmd_verify_file(int argc, char **argv);

#endif
