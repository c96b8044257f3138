/*
 * issuer_cli.h - what the tests that drive jianpei-issuer through sh() share:
 * the program's path, a standard home, and the certificate count of `stats`.
 * For tests only; needs sh.h.
 */
#ifndef JP_TEST_ISSUER_CLI_H
#define JP_TEST_ISSUER_CLI_H

#include "sh.h"

#define ISSUER JP_BIN_DIR "/jianpei-issuer"

/* `init` of a home for Guangdong's department at http://127.0.0.1:8080; the exit status. */
static int issuer_init(const char *home) __attribute__((unused));
static int issuer_init(const char *home)
{
    return sh(ISSUER " init --home %s --authority 广东省住房和城乡建设厅 "
                     "--authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 "
                     ">/dev/null",
              home);
}

/* The certificate count `stats` prints for home, or -1. */
static long issuer_certificates(const char *home) __attribute__((unused));
static long issuer_certificates(const char *home)
{
    char out[4096];
    const char *p;

    if (sh_out(out, sizeof out, ISSUER " --home %s stats", home) != 0)
        return -1;
    p = strstr(out, "certificates: ");
    return p ? atol(p + 14) : -1;
}

#endif
