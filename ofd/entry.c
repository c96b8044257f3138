/*
 * entry.c - one file of an OFD package copied out of the ZIP without verifying
 * the package: ofd_read_entry() for callers that need a single member (the
 * issuer's seal digest, the tests' package surgery), and the two steps it is
 * made of, ofd_zip_open() and ofd_zip_read() (internal.h), which the file
 * references (ref.c) use too. ofd_verify() is the reader that checks.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

zip_t *ofd_zip_open(const void *pkg, size_t len, int *rc)
{
    zip_source_t *src = zip_source_buffer_create(pkg, len, 0, NULL);
    zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY, NULL) : NULL;

    *rc = src == NULL ? ENOMEM : za == NULL ? ENOENT : 0;
    if (za == NULL)
        zip_source_free(src); /* a failed open does not take src; NULL-safe */
    return za;
}

/* Exactly size bytes of the open member f into p, nothing after them: 0 or EIO. */
static int read_exact(zip_file_t *f, unsigned char *p, size_t size)
{
    zip_int64_t got = size > 0 ? zip_fread(f, p, size) : 0;

    if (got < 0 || (size_t)got != size || zip_fread(f, p + size, 1) != 0)
        return EIO; /* shorter or longer than declared, or its CRC fails */
    return 0;
}

int ofd_zip_read(zip_t *za, zip_uint64_t i, struct jp_buf *out)
{
    zip_stat_t st;
    zip_file_t *f = NULL;
    unsigned char *p = NULL;
    int rc = ENOENT;

    zip_stat_init(&st);
    if (zip_stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        goto out;
    rc = EFBIG;
    if (st.size > out->max - out->len)
        goto out;
    rc = ENOMEM;
    p = malloc((size_t)st.size + 1);
    if (p == NULL)
        goto out;
    rc = ENOENT;
    f = zip_fopen_index(za, i, 0);
    if (f == NULL)
        goto out_free;
    rc = read_exact(f, p, (size_t)st.size);
    if (rc == 0)
        rc = jp_buf_append(out, p, (size_t)st.size);
    zip_fclose(f);
out_free:
    free(p);
out:
    return rc;
}

int ofd_read_entry(const void *pkg, size_t len, const char *name, size_t max, struct jp_buf *out)
{
    zip_int64_t i;
    zip_t *za;
    int rc;

    jp_buf_init(out, max);
    za = ofd_zip_open(pkg, len, &rc);
    if (za == NULL)
        goto out;
    i = zip_name_locate(za, name, 0);
    rc = i >= 0 ? ofd_zip_read(za, (zip_uint64_t)i, out) : ENOENT;
    zip_discard(za); /* frees the source too */
out:
    return rc;
}
