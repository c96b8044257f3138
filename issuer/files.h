/*
 * files.h - how the issuer writes a file that holds personal data (a PDF, the
 * run report with its claim codes): mode 0600 whatever the umask, a random
 * temporary name created O_EXCL beside the target, renamed over it, so that a
 * symlink or another user's file at the target is replaced, never written
 * through. Internal to the issuer.
 */
#ifndef JP_ISSUER_FILES_H
#define JP_ISSUER_FILES_H

#include <stdio.h>

/*
 * Creates path with what fill() writes to f (fill returns 0 or an errno
 * value), fsynced and renamed into place. Returns 0, fill's error, or the
 * errno of the system call that failed, with the reason in err; on error
 * nothing is left at path that was not there before.
 */
int private_file_write(const char *path, int (*fill)(FILE *f, void *ctx), void *ctx, char *err,
                       size_t errlen);

#endif
