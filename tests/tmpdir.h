/*
 * tmpdir.h - a test's own directory under /tmp, made with mkdtemp; remove it
 * with jp_remove_tree() (util.h) at the end. For tests only.
 */
#ifndef JP_TEST_TMPDIR_H
#define JP_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
