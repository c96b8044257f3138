/*
 * ref.c - references to one file of a package (ofd.h): a few dozen bytes
 * naming the file and its SHA-256, so that a store keeping the package need
 * not keep the file's bytes a second time (the holder's photo beside the
 * certificate's OFD, docs/store-format.md). Resolving reads that one file
 * within the reader's bounds and checks its digest, so a reference that no
 * longer matches its package is an error, never another file's bytes.
 *
 * A reference: OFD_REF_MAGIC (8 bytes), SHA-256 (32 bytes), the file's name
 * in the package (1..OFD_MAX_NAME bytes, no NUL). A JPEG or PNG never starts
 * with the magic.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <zip.h>

#define OFD_REF_MAGIC "jpref-1\n"
#define OFD_REF_MAGIC_LEN 8
#define OFD_REF_HEAD (OFD_REF_MAGIC_LEN + SHA256_DIGEST_LENGTH) /* 40: OFD_REF_MAX */

int ofd_is_ref(const void *val, size_t len)
{
    return len > OFD_REF_HEAD && len <= OFD_REF_MAX &&
           memcmp(val, OFD_REF_MAGIC, OFD_REF_MAGIC_LEN) == 0;
}

/* The package within the reader's bound (OFD_MAX_INPUT), opened; or NULL. */
static zip_t *open_zip(const unsigned char *pkg, size_t len)
{
    int rc;

    return len <= OFD_MAX_INPUT ? ofd_zip_open(pkg, len, &rc) : NULL;
}

/* ofd_zip_read()'s codes for a file that cannot be read as declared, as OFD_ENOFILE. */
static int unreadable(int rc)
{
    return rc == ENOENT || rc == EIO ? OFD_ENOFILE : rc;
}

/* The index of the file of za whose bytes are data[0..len-1], appended to out; or -1. */
static zip_int64_t find_equal(zip_t *za, const void *data, size_t len, struct jp_buf *out, int *rc)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    zip_stat_t st;
    zip_uint64_t i;
    size_t mark = out->len;

    *rc = 0;
    for (i = 0; n > 0 && n <= OFD_MAX_ENTRIES && i < (zip_uint64_t)n && *rc == 0; i++) {
        zip_stat_init(&st);
        if (zip_stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size != len)
            continue;
        *rc = unreadable(ofd_zip_read(za, i, out));
        if (*rc == 0 && memcmp(out->data + mark, data, len) == 0)
            return (zip_int64_t)i;
        out->len = mark;
        *rc = *rc == OFD_ENOFILE ? 0 : *rc;
    }
    return -1;
}

int ofd_ref_make(const unsigned char *pkg, size_t pkglen, const void *data, size_t len,
                 struct jp_buf *out)
{
    zip_t *za = len > 0 && len <= OFD_MAX_ENTRY ? open_zip(pkg, pkglen) : NULL;
    struct jp_buf file;
    unsigned char d[SHA256_DIGEST_LENGTH];
    const char *name = NULL;
    zip_int64_t i;
    size_t mark = out->len;
    int rc = OFD_ENOFILE;

    if (za == NULL)
        return len > 0 && len <= OFD_MAX_ENTRY ? OFD_EINVAL : OFD_ENOFILE;
    jp_buf_init(&file, OFD_MAX_ENTRY);
    i = find_equal(za, data, len, &file, &rc);
    if (i >= 0)
        name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
    if (rc == 0 && (name == NULL || strlen(name) < 1 || strlen(name) > OFD_MAX_NAME))
        rc = OFD_ENOFILE;
    if (rc == 0) {
        SHA256(data, len, d);
        rc = jp_buf_append(out, OFD_REF_MAGIC, OFD_REF_MAGIC_LEN);
        if (rc == 0)
            rc = jp_buf_append(out, d, sizeof d);
        if (rc == 0)
            rc = jp_buf_append(out, name, strlen(name));
        if (rc != 0)
            out->len = mark;
    }
    jp_buf_free(&file);
    zip_discard(za);
    return rc;
}

int ofd_ref_resolve(const void *ref, size_t reflen, const unsigned char *pkg, size_t pkglen,
                    struct jp_buf *out)
{
    const unsigned char *r = ref;
    char name[OFD_MAX_NAME + 1];
    unsigned char d[SHA256_DIGEST_LENGTH];
    zip_stat_t st;
    zip_int64_t i = -1;
    zip_t *za;
    size_t mark = out->len, n = reflen - OFD_REF_HEAD;
    int rc = OFD_ENOFILE;

    if (!ofd_is_ref(ref, reflen) || memchr(r + OFD_REF_HEAD, '\0', n) != NULL)
        return OFD_EINVAL;
    memcpy(name, r + OFD_REF_HEAD, n);
    name[n] = '\0';
    za = open_zip(pkg, pkglen);
    if (za != NULL)
        i = zip_name_locate(za, name, ZIP_FL_ENC_RAW);
    zip_stat_init(&st);
    if (i >= 0 && zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0 &&
        (st.valid & ZIP_STAT_SIZE) && st.size <= OFD_MAX_ENTRY)
        rc = unreadable(ofd_zip_read(za, (zip_uint64_t)i, out));
    if (rc == 0) {
        SHA256(out->data + mark, out->len - mark, d);
        if (memcmp(d, r + OFD_REF_MAGIC_LEN, sizeof d) != 0)
            rc = OFD_ENOFILE;
    }
    if (rc != 0)
        out->len = mark;
    if (za != NULL)
        zip_discard(za);
    return rc;
}

int ofd_ref_value(const void *val, size_t len, const unsigned char *pkg, size_t pkglen,
                  struct jp_buf *out)
{
    if (!ofd_is_ref(val, len))
        return jp_buf_append(out, val, len);
    return pkg != NULL ? ofd_ref_resolve(val, len, pkg, pkglen, out) : OFD_ENOFILE;
}
