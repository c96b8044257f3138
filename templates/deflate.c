/*
 * deflate.c - the zlib streams of templates/' PDFs, compressed with
 * libdeflate. libharu 2.3.0 deflates each stream through zlib at level 6 with
 * a fresh 256 KB state (allocated, cleared, freed) per stream, ten streams a
 * certificate: zlib was a quarter of issuance CPU. Here the document's Flate
 * streams are compressed just before it is saved, in one call each, with the
 * thread's compressor of that level (jp_deflater: libdeflate's is about 1 MB,
 * and a worker renders many certificates); libharu then writes the bytes as
 * they are.
 * The output is ordinary zlib data (RFC 1950) that any PDF reader inflates.
 */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf_objects.h>
#include <hpdf_streams.h>
#include <libdeflate.h>

size_t tmpl_deflate_raw_bound(size_t len)
{
    return libdeflate_deflate_compress_bound(NULL, len);
}

int tmpl_deflate_raw(const unsigned char *in, size_t len, int level, unsigned char *out, size_t cap,
                     size_t *outlen)
{
    struct libdeflate_compressor *c = jp_deflater(level);

    *outlen = 0;
    if (c == NULL)
        return ENOMEM;
    *outlen = libdeflate_deflate_compress(c, in, len, out, cap);
    return *outlen > 0 ? 0 : EIO;
}

/* Marks a stream whose bytes are already deflated (libharu would drop a Filter entry). */
HPDF_STATUS tmpl_write_flate_filter(HPDF_Dict obj, HPDF_Stream s)
{
    (void)obj;
    return HPDF_Stream_WriteStr(s, "/Filter /FlateDecode\012");
}

/* The bytes of a memory stream, copied into one buffer the caller frees. */
static int stream_bytes(HPDF_Stream s, unsigned char **out, size_t *len)
{
    HPDF_UINT32 size = HPDF_Stream_Size(s);
    HPDF_UINT got = 0;

    *out = NULL;
    *len = size;
    if (size == 0 || size > TMPL_MAX_PDF)
        return size == 0 ? 0 : EFBIG;
    *out = malloc(size);
    if (*out == NULL)
        return ENOMEM;
    for (HPDF_UINT i = 0, done = 0; done < size; i++) {
        HPDF_BYTE *p = HPDF_MemStream_GetBufPtr(s, i, &got);
        if (p == NULL || got == 0 || got > size - done) {
            free(*out);
            *out = NULL;
            return EIO;
        }
        memcpy(*out + done, p, got);
        done += got;
    }
    return 0;
}

/* Replaces one stream's bytes by their deflated form and marks it so. */
static int deflate_one(HPDF_Dict d, int level)
{
    unsigned char *raw = NULL, *z = NULL;
    size_t len = 0, zlen = 0;
    int rc = stream_bytes(d->stream, &raw, &len);

    if (rc == 0 && len > 0)
        rc = jp_zlib_compress(raw, len, level, &z, &zlen);
    if (rc == 0 && len > 0) {
        HPDF_MemStream_FreeData(d->stream);
        if (HPDF_Stream_Write(d->stream, z, (HPDF_UINT)zlen) != HPDF_OK)
            rc = ENOMEM;
    }
    if (rc == 0 && len > 0) {
        d->filter = HPDF_STREAM_FILTER_NONE;
        d->write_fn = tmpl_write_flate_filter;
    }
    free(z);
    free(raw);
    return rc;
}

int tmpl_deflate_doc(HPDF_Doc pdf, int level)
{
    HPDF_List entries = pdf->xref->entries;
    int rc = 0;

    for (HPDF_UINT i = 0; i < entries->count && rc == 0; i++) {
        HPDF_XrefEntry e = HPDF_List_ItemAt(entries, i);
        HPDF_Obj_Header *h = e == NULL ? NULL : (HPDF_Obj_Header *)e->obj;
        HPDF_Dict d;
        if (h == NULL || (h->obj_class & HPDF_OCLASS_ANY) != HPDF_OCLASS_DICT)
            continue;
        d = (HPDF_Dict)e->obj;
        if (d->stream != NULL && d->write_fn == NULL &&
            d->filter == HPDF_STREAM_FILTER_FLATE_DECODE)
            rc = deflate_one(d, level);
    }
    return rc;
}
