/*
 * entry.c - one file of an OFD package copied out of the ZIP, for callers that
 * need a single member (the issuer's seal digest, the tests' package surgery)
 * without verifying the package; ofd_verify() is the reader that checks.
 */
#include "ofd.h"

#include <errno.h>

#include <zip.h>

/* Appends the rest of the open member f to out; 0, EIO, ENOMEM or EFBIG. */
static int copy_member(zip_file_t *f, struct jp_buf *out)
{
    unsigned char buf[8192];
    zip_int64_t n = 0;
    int rc = 0;

    while (rc == 0) {
        n = zip_fread(f, buf, sizeof buf);
        if (n <= 0)
            break;
        rc = jp_buf_append(out, buf, (size_t)n);
    }
    if (rc == 0 && n < 0)
        rc = EIO; /* damaged, or its CRC fails */
    return rc;
}

int ofd_read_entry(const void *pkg, size_t len, const char *name, size_t max, struct jp_buf *out)
{
    zip_source_t *src;
    zip_file_t *f;
    zip_t *za;
    int rc = ENOENT;

    jp_buf_init(out, max);
    src = zip_source_buffer_create(pkg, len, 0, NULL);
    za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY, NULL) : NULL;
    if (za == NULL) {
        rc = src == NULL ? ENOMEM : ENOENT;
        zip_source_free(src); /* a failed open does not take src; NULL-safe */
        goto out;
    }
    f = zip_fopen(za, name, 0);
    if (f == NULL)
        goto out_discard;
    rc = copy_member(f, out);
    zip_fclose(f);
out_discard:
    zip_discard(za); /* frees src too */
out:
    return rc;
}
