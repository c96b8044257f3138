/*
 * issuer_lib.h - what the tests that drive issuer/ as a library share: a
 * working directory with a standard home, opened. For tests only; include
 * after check.h and issuer.h.
 */
#ifndef JP_TEST_ISSUER_LIB_H
#define JP_TEST_ISSUER_LIB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * Makes dir (a mkdtemp template, filled in) and enters it, then a home
 * dir/home (its path in home) for Guangdong's department with the
 * repository's templates, opened into *is; each step after the directory is a
 * check. Returns -1 when the directory cannot be made or entered, else 0.
 */
static int issuer_lib_home(char *dir, char *home, size_t homesz, issuer **is)
    __attribute__((unused));
static int issuer_lib_home(char *dir, char *home, size_t homesz, issuer **is)
{
    struct issuer_init_opts io = {.home = home,
                                  .templates_dir = JP_SOURCE_DIR "/data",
                                  .province = "44",
                                  .authority = "广东省住房和城乡建设厅",
                                  .authority_uscc = "11440000MB2C12345J",
                                  .public_url = "http://127.0.0.1:8080"};
    char err[512] = "";

    if (mkdtemp(dir) == NULL || chdir(dir) != 0)
        return -1;
    snprintf(home, homesz, "%s/home", dir);
    CHECK_INT(issuer_init_home(&io, err, sizeof err), 0);
    CHECK_INT(issuer_open(home, NULL, 0, 1, is, err, sizeof err), 0);
    return 0;
}

#endif
