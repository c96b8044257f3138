/*
 * fuzz_common.c - the temporary directory, file and search helpers of the
 * fuzz targets (fuzz_common.h).
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[512];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void tmpdir_remove(void)
{
    if (tmpdir[0] != '\0')
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fz_fail(const char *what)
{
    fprintf(stderr, "fuzz invariant broken: %s\n", what);
    abort();
}

const char *fz_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    int n;

    if (tmpdir[0] != '\0')
        return tmpdir;
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    n = snprintf(tmpdir, sizeof(tmpdir), "%s/jp-fuzz-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof(tmpdir) || mkdtemp(tmpdir) == NULL)
        fz_fail("cannot make a temporary directory");
    atexit(tmpdir_remove);
    return tmpdir;
}

const char *fz_write(const char *name, const void *p, size_t n)
{
    static char path[1024];
    FILE *f = NULL;
    int w;

    w = snprintf(path, sizeof(path), "%s/%s", fz_tmpdir(), name);
    if (w < 0 || (size_t)w >= sizeof(path))
        fz_fail("temporary path too long");
    f = fopen(path, "wb");
    if (f == NULL)
        fz_fail("cannot create a temporary file");
    if (n > 0 && fwrite(p, 1, n, f) != n)
        fz_fail("cannot write a temporary file");
    if (fclose(f) != 0)
        fz_fail("cannot close a temporary file");
    return path;
}

int fz_contains(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    if (nlen == 0 || nlen > hlen)
        return 0;
    return memmem(hay, hlen, needle, nlen) != NULL;
}

void fz_next_line(const uint8_t **p, const uint8_t *end, char *out, size_t outsz)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);

    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p = nl != NULL ? nl + 1 : end;
}
