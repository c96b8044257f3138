/*
 * zlib_buf.c - jp_zlib_compress() (util.h): a buffer compressed into zlib
 * format (RFC 1950) with the calling thread's libdeflate compressor of a
 * level (jp_deflater). templates/ compresses its PDF streams and font files
 * with it; data made once and stored in every certificate (the OFD seal's
 * picture, the DSS's chain and CRL) takes level 12 (issue 15 target 4).
 */
#include "util.h"

#include <errno.h>
#include <stdlib.h>

#include <libdeflate.h>

int jp_zlib_compress(const unsigned char *in, size_t len, int level, unsigned char **out,
                     size_t *outlen)
{
    struct libdeflate_compressor *c = jp_deflater(level);
    size_t bound, n = 0;
    int rc = c == NULL ? ENOMEM : 0;

    *out = NULL;
    *outlen = 0;
    bound = c != NULL ? libdeflate_zlib_compress_bound(c, len) : 0;
    if (rc == 0)
        *out = malloc(bound);
    if (rc == 0 && *out == NULL)
        rc = ENOMEM;
    if (rc == 0)
        n = libdeflate_zlib_compress(c, in, len, *out, bound);
    if (rc == 0 && n == 0) {
        free(*out);
        *out = NULL;
        rc = EIO;
    }
    if (rc == 0)
        *outlen = n;
    return rc;
}
