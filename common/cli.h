/*
 * cli.h - what the three programs' mains share: exit statuses (SPEC §2),
 * a progress bar for long work on a terminal, and reading a passphrase.
 * Internal to the programs; only main()s and their command functions use it.
 */
#ifndef JP_CLI_H
#define JP_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

enum cli_exit {
    CLI_OK = 0,       /* success */
    CLI_REJECTED = 1, /* some input rejected, the rest done */
    CLI_USAGE = 2,    /* usage error */
    CLI_FAILURE = 3   /* failure, nothing changed */
};

/* A progress bar drawn on stderr when it is a terminal; silent otherwise. */
struct cli_progress {
    int tty;          /* stderr is a terminal */
    double start;     /* monotonic seconds at start */
    double last_draw; /* monotonic seconds of the last draw */
    const char *unit; /* what is counted, e.g. "certificates" */
};

void cli_progress_start(struct cli_progress *p, const char *unit);
/*
 * Redraws at most 10 times a second: a bar when fraction (0..1, the share of the
 * work done) is known, else fraction < 0; items done, rate per second and ETA.
 */
void cli_progress_update(struct cli_progress *p, unsigned long done, double fraction);
/* Clears the bar line. */
void cli_progress_end(struct cli_progress *p);

/*
 * Takes --home DIR / --home=DIR out of argv wherever it stands (so that both
 * `prog --home D cmd` and `prog cmd --home D` work), compacting argv and
 * *argc; *home is left as it was when there is none. -1 when --home has no
 * directory after it.
 */
int cli_extract_home(int *argc, char **argv, const char **home);

/*
 * 1 when argv[1..argc-1] holds --help or -h, after printing help to stdout;
 * else 0. For commands and subcommands that take no getopt table, so that
 * every one of them answers --help (and none takes "--help" for a name).
 */
int cli_help_asked(int argc, char **argv, const char *help);

/*
 * Parses s as a decimal integer of min..max with nothing before or after it
 * (no sign games, no "12abc", no empty string) into *out. Returns 0 or EINVAL.
 */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Monotonic clock in seconds. */
double cli_now(void);

/*
 * Reads the secret that opens the keys: from the file named by path when not
 * NULL (first line, without its newline; --passphrase-file or --pin-file), else
 * from $JIANPEI_KEY_PASSPHRASE, else $JIANPEI_PKCS11_PIN (a home whose keys are
 * in a PKCS#11 token takes it as the token's PIN), else none (*len = 0, *out =
 * NULL). Caller releases *out with jp_free_secret(*out, *len) (util.h). Returns 0
 * or errno; err says why.
 */
int cli_passphrase(const char *path, char **out, size_t *len, char *err, size_t errlen);

/*
 * The data directory (catalogue, city tables, certificate template with its font
 * configuration): share/jianpei beside the program's bin/, i.e. /usr/share/jianpei
 * for /usr/bin/jianpei-issuer and build/share/jianpei in a build tree (the build
 * copies data/ there); fallback when /proc/self/exe is unreadable.
 * Writes at most outlen bytes; returns 0 or ENAMETOOLONG.
 */
int cli_data_dir(char *out, size_t outlen, const char *fallback);
/* A token PIN for init --pkcs11: path's first line, else $JIANPEI_PKCS11_PIN; as above. */
int cli_pin(const char *path, char **out, size_t *len, char *err, size_t errlen);

/*
 * For a program that serves until it is told to stop: blocks SIGTERM and SIGINT
 * in the calling thread, so that the threads it starts afterwards inherit the
 * mask and only sigwait(set, ...) takes them, and ignores SIGPIPE (a client
 * that hangs up costs one write its EPIPE, not the process). Fills *set with
 * those two signals. Call it on the main thread before starting any other.
 * (cli_signals.c)
 */
void cli_block_stop_signals(sigset_t *set);

#endif
