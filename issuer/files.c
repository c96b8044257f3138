/*
 * files.c - private files: random temporary name (mkstemp: O_CREAT|O_EXCL,
 * mode 0600), fchmod 0600 against any umask, fsync, rename over the target.
 */
#include "files.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsync of the directory that holds path, so the rename survives a crash. */
static void sync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    FILE *d;

    if (jp_strf(dir, sizeof dir, "%s", path) != 0)
        return;
    d = fopen(dirname(dir), "re");
    if (d == NULL)
        return;
    fsync(fileno(d));
    fclose(d);
}

static int fill_and_close(FILE *f, int (*fill)(FILE *f, void *ctx), void *ctx)
{
    int rc = fill(f, ctx);

    if (rc == 0 && fflush(f) != 0)
        rc = errno ? errno : EIO;
    if (rc == 0 && fsync(fileno(f)) != 0)
        rc = errno;
    if (fclose(f) != 0 && rc == 0)
        rc = errno ? errno : EIO;
    return rc;
}

int private_file_write(const char *path, int (*fill)(FILE *f, void *ctx), void *ctx, char *err,
                       size_t errlen)
{
    char tmp[PATH_MAX];
    FILE *f = NULL;
    int fd = -1, rc;

    rc = jp_strf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (rc != 0) {
        jp_errf(err, errlen, "path is too long");
        rc = ENAMETOOLONG;
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = errno;
        jp_errf(err, errlen, "cannot create a temporary file: %s", strerror(rc));
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
        rc = errno;
        close(fd);
        goto out_unlink;
    }
    rc = fill_and_close(f, fill, ctx);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = errno;
    if (rc == 0) {
        sync_dir_of(path);
        goto out;
    }
out_unlink:
    jp_errf(err, errlen, "%s", strerror(rc));
    unlink(tmp);
out:
    return rc;
}
