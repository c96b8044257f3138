/*
 * tmpdir.h - a test's own directory under /tmp: made with mkdtemp, removed
 * with everything in it at the end. Needs _XOPEN_SOURCE 700 (nftw) before the
 * first include. For tests only.
 */
#ifndef JP_TEST_TMPDIR_H
#define JP_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int tmpdir_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Makes /tmp/NAME.XXXXXX into dir (64 bytes). Returns 0, or -1 with a message. */
static int tmpdir_make(char dir[64], const char *name) __attribute__((unused));
static int tmpdir_make(char dir[64], const char *name)
{
    int n = snprintf(dir, 64, "/tmp/%s.XXXXXX", name);

    if (n < 0 || n >= 64 || mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* Removes dir and everything below it (symbolic links are not followed). */
static void tmpdir_remove(const char *dir) __attribute__((unused));
static void tmpdir_remove(const char *dir)
{
    nftw(dir, tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
