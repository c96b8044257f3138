/*
 * sh.h - test helpers that run a shell command (the programs under test, and
 * the checking tools pdfsig, zbarimg, pdftotext) and return its exit status
 * or its output. What a command writes to stderr, unless the command itself
 * redirects it, is appended to the test's capture (capture.h) for the privacy
 * scan: do not send the programs' stderr to /dev/null. For tests only.
 */
#ifndef JP_TEST_SH_H
#define JP_TEST_SH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "capture.h"

/* Wraps cmd so that its stderr is appended to the capture: 0, or -1 when it does not fit. */
static int sh_wrap(char *out, size_t outsz, const char *cmd) __attribute__((unused));
static int sh_wrap(char *out, size_t outsz, const char *cmd)
{
    int n = snprintf(out, outsz, "{ %s\n} 2>>'%s'", cmd, cap_stderr_path());

    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* Runs a printf-formatted command with /bin/sh; returns its exit status, or -1. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int sh(const char *fmt, ...)
{
    char cmd[8192], wrapped[9000];
    va_list ap;
    int st, n;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd || sh_wrap(wrapped, sizeof wrapped, cmd) != 0)
        return -1;
    st = system(wrapped);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/*
 * Runs a command and captures up to outsz-1 bytes of its standard output into
 * out (NUL-terminated). Returns the exit status, or -1.
 */
static int sh_out(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), unused));
static int sh_out(char *out, size_t outsz, const char *fmt, ...)
{
    char cmd[8192], wrapped[9000];
    va_list ap;
    size_t len = 0, n;
    FILE *p;
    int st, w;

    va_start(ap, fmt);
    w = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    out[0] = '\0';
    if (w < 0 || (size_t)w >= sizeof cmd || sh_wrap(wrapped, sizeof wrapped, cmd) != 0)
        return -1;
    p = popen(wrapped, "r");
    if (p == NULL)
        return -1;
    while (len + 1 < outsz && (n = fread(out + len, 1, outsz - 1 - len, p)) > 0)
        len += n;
    out[len] = '\0';
    while (fgetc(p) != EOF)
        ;
    st = pclose(p);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

#endif
