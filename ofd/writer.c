/*
 * writer.c - assembles a sealed OFD package: checks the drawing model, makes
 * the XML and resource files, the seal files (Signatures.xml, Seal.esl when
 * asked for, then Signature.xml with the SM3 of every file so far, then the
 * SES_Signature over SM3(Signature.xml)) and zips them with libzip in memory;
 * the files worth deflating are deflated beforehand with libdeflate (about
 * twice zlib's speed at level 1), and libzip copies them as they are.
 * The order is ofdrw's OFDSigner in its whole-document mode: everything but
 * Signature.xml and SignedValue.dat is covered by a Reference.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zip.h>

const char *ofd_strerror(int rc)
{
    switch (rc) {
    case 0:
        return "success";
    case OFD_EINVAL:
        return "invalid OFD document model or argument";
    case OFD_ESIGNER:
        return "the OFD signer or verifier failed";
    case OFD_EXML:
        return "cannot write the OFD XML";
    case OFD_EZIP:
        return "cannot write the OFD package";
    case OFD_EASN1:
        return "cannot encode or decode the electronic seal";
    case OFD_ENOFILE:
        return "the referenced file is not in the OFD package";
    default:
        return rc > 0 ? strerror(rc) : "unknown ofd error";
    }
}

const char *ofd_verdict_name(enum ofd_verdict v)
{
    switch (v) {
    case OFD_INTACT:
        return "intact";
    case OFD_MODIFIED:
        return "modified";
    default:
        return "not_signed";
    }
}

int ofd_files_take(struct ofd_files *fs, const char *name, unsigned char *data, size_t len)
{
    struct ofd_file *f;

    if (fs->n >= sizeof fs->f / sizeof fs->f[0] || strlen(name) > OFD_MAX_NAME) {
        free(data);
        return OFD_EINVAL;
    }
    f = &fs->f[fs->n++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->data = data;
    f->len = len;
    f->z = (struct jp_span){NULL, 0};
    return 0;
}

void ofd_files_free(struct ofd_files *fs)
{
    size_t i;

    for (i = 0; i < fs->n; i++)
        free(fs->f[i].data);
    fs->n = 0;
}

/* Adds a copy of borrowed bytes. */
static int files_copy(struct ofd_files *fs, const char *name, const struct jp_span *s)
{
    unsigned char *p = malloc(s->n > 0 ? s->n : 1);

    if (p == NULL)
        return ENOMEM;
    memcpy(p, s->p, s->n);
    return ofd_files_take(fs, name, p, s->n);
}

/* --- Checking the model ------------------------------------------------- */

static int len_ok(double v)
{
    return isfinite(v) && v >= -10000 && v <= 10000;
}

static int size_ok(double v)
{
    return isfinite(v) && v > 0 && v <= 10000;
}

static int rect_ok(const struct ofd_rect *r)
{
    return len_ok(r->x) && len_ok(r->y) && size_ok(r->w) && size_ok(r->h);
}

static int hex32(const char *s)
{
    size_t i;

    if (s == NULL || strlen(s) != 32)
        return 0;
    for (i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int date_ok(const char *s)
{
    static const char pat[] = "dddd-dd-dd";
    size_t i;

    if (s == NULL || strlen(s) != sizeof pat - 1)
        return 0;
    for (i = 0; i < sizeof pat - 1; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
            return 0;
    return 1;
}

/* Valid UTF-8 of 1..max bytes without control characters; *cps gets the code points. */
static int text_ok(const char *s, size_t max, size_t *cps)
{
    size_t len = s != NULL ? strlen(s) : 0, k;
    uint32_t cp;

    *cps = 0;
    if (len == 0 || len > max)
        return 0;
    while (len > 0) {
        k = jp_utf8_decode((const unsigned char *)s, len, &cp);
        if (k == 0 || cp < 0x20 || cp == 0x7f)
            return 0;
        s += k, len -= k, (*cps)++;
    }
    return 1;
}

static int check_text(const struct ofd_doc *doc, const struct ofd_text *t)
{
    size_t cps, i;

    if (t->font >= doc->nfonts || !size_ok(t->size) || !len_ok(t->x) || !len_ok(t->y) ||
        !text_ok(t->text, OFD_MAX_TEXT, &cps))
        return 0;
    if (t->ndx != 0 && (t->dx == NULL || t->ndx != cps - 1))
        return 0;
    for (i = 0; i < t->ndx; i++)
        if (!len_ok(t->dx[i]))
            return 0;
    return 1;
}

static int check_path(const struct ofd_path *p)
{
    size_t i;

    if (p->rects == NULL || p->nrects == 0 || p->nrects > OFD_MAX_OBJECTS ||
        (!p->fill && !size_ok(p->line_width)) || (p->unit != 0 && !size_ok(p->unit)))
        return 0;
    for (i = 0; i < p->nrects; i++)
        if (!rect_ok(&p->rects[i]))
            return 0;
    return 1;
}

static int check_image(const struct ofd_image *im)
{
    return im->format != NULL &&
           (strcmp(im->format, "PNG") == 0 || strcmp(im->format, "JPEG") == 0) &&
           im->data.p != NULL && im->data.n > 0 && im->data.n <= OFD_MAX_ENTRY && rect_ok(&im->box);
}

static int check_fonts(const struct ofd_doc *doc)
{
    size_t i, cps;

    if (doc->fonts == NULL || doc->nfonts == 0 || doc->nfonts > OFD_MAX_FONTS)
        return 0;
    for (i = 0; i < doc->nfonts; i++)
        if (!text_ok(doc->fonts[i].name, 128, &cps) || doc->fonts[i].ttf.p == NULL ||
            doc->fonts[i].ttf.n == 0 || doc->fonts[i].ttf.n > OFD_MAX_ENTRY ||
            (doc->fonts[i].z.p == NULL && doc->fonts[i].z.n > 0) ||
            (doc->fonts[i].family != NULL && !text_ok(doc->fonts[i].family, 128, &cps)))
            return 0;
    return 1;
}

static int check_page(const struct ofd_doc *doc, char *err, size_t errlen)
{
    const struct ofd_page *pg = &doc->page;
    size_t i;

    if (!size_ok(pg->width) || !size_ok(pg->height) ||
        pg->npaths + pg->nimages + pg->ntexts > OFD_MAX_OBJECTS ||
        (pg->npaths > 0 && pg->paths == NULL) || (pg->nimages > 0 && pg->images == NULL) ||
        (pg->ntexts > 0 && pg->texts == NULL) || pg->nimages > 32)
        return ofd_fail(OFD_EINVAL, err, errlen, "ofd: page size or object counts out of range");
    for (i = 0; i < pg->npaths; i++)
        if (!check_path(&pg->paths[i]))
            return ofd_fail(OFD_EINVAL, err, errlen, "ofd: path %zu is malformed", i);
    for (i = 0; i < pg->nimages; i++)
        if (!check_image(&pg->images[i]))
            return ofd_fail(OFD_EINVAL, err, errlen, "ofd: image %zu is malformed", i);
    for (i = 0; i < pg->ntexts; i++)
        if (!check_text(doc, &pg->texts[i]))
            return ofd_fail(OFD_EINVAL, err, errlen, "ofd: text %zu is malformed", i);
    return 0;
}

static int check_args(const struct ofd_doc *doc, const struct ofd_stamp *st, char *err,
                      size_t errlen)
{
    size_t cps;

    if (doc == NULL || st == NULL || !hex32(doc->doc_id) || !date_ok(doc->creation_date))
        return ofd_fail(OFD_EINVAL, err, errlen,
                        "ofd: DocID must be 32 hex digits, date YYYY-MM-DD");
    if ((doc->title != NULL && !text_ok(doc->title, 512, &cps)) ||
        (doc->creator != NULL && !text_ok(doc->creator, 128, &cps)) || !check_fonts(doc))
        return ofd_fail(OFD_EINVAL, err, errlen, "ofd: title, creator or fonts malformed");
    if (st->seal.p == NULL || st->seal.n == 0 || st->seal.n > OFD_SEAL_MAX || !rect_ok(&st->box) ||
        st->signer == NULL || st->signer->sign == NULL || st->signer->cert.p == NULL ||
        st->signer->cert.n == 0 || st->signer->cert.n > OFD_CERT_MAX)
        return ofd_fail(OFD_EINVAL, err, errlen, "ofd: seal, stamp box or signer missing");
    return check_page(doc, err, errlen);
}

/* --- Making the files ------------------------------------------------------ */

typedef int (*xml_fn)(const struct ofd_doc *doc, unsigned char **out, size_t *len);

static int add_xml(struct ofd_files *fs, const char *name, xml_fn fn, const struct ofd_doc *doc)
{
    unsigned char *p = NULL;
    size_t n = 0;
    int rc = fn(doc, &p, &n);

    return rc != 0 ? rc : ofd_files_take(fs, name, p, n);
}

static int add_document(struct ofd_files *fs, const struct ofd_doc *doc)
{
    unsigned char *p = NULL;
    unsigned max_id;
    size_t n = 0;
    int rc = ofd_xml_document(doc, &max_id, &p, &n);

    return rc != 0 ? rc : ofd_files_take(fs, "Doc_0/Document.xml", p, n);
}

static int add_resources(struct ofd_files *fs, const struct ofd_doc *doc)
{
    char name[OFD_MAX_NAME + 1], file[64];
    size_t i;
    int rc = 0;

    for (i = 0; i < doc->nfonts && rc == 0; i++) {
        rc = ofd_font_file(file, sizeof file, i);
        if (rc == 0)
            rc = jp_strf(name, sizeof name, "Doc_0/Res/%s", file);
        if (rc == 0)
            rc = files_copy(fs, name, &doc->fonts[i].ttf);
        if (rc == 0)
            fs->f[fs->n - 1].z = doc->fonts[i].z;
    }
    for (i = 0; i < doc->page.nimages && rc == 0; i++) {
        rc = ofd_image_file(file, sizeof file, doc, i);
        if (rc == 0)
            rc = jp_strf(name, sizeof name, "Doc_0/Res/%s", file);
        if (rc == 0)
            rc = files_copy(fs, name, &doc->page.images[i].data);
    }
    return rc;
}

static int add_content(struct ofd_files *fs, const struct ofd_doc *doc)
{
    int rc = add_xml(fs, "OFD.xml", ofd_xml_ofd, doc);

    if (rc == 0)
        rc = add_document(fs, doc);
    if (rc == 0)
        rc = add_xml(fs, "Doc_0/PublicRes.xml", ofd_xml_public_res, doc);
    if (rc == 0 && doc->page.nimages > 0)
        rc = add_xml(fs, "Doc_0/DocumentRes.xml", ofd_xml_document_res, doc);
    if (rc == 0)
        rc = add_xml(fs, "Doc_0/Pages/Page_0/Content.xml", ofd_xml_content, doc);
    if (rc == 0)
        rc = add_resources(fs, doc);
    return rc;
}

/* Signatures.xml, Seal.esl when asked for, then Signature.xml over all of them and
 * SignedValue.dat. */
static int add_seal(struct ofd_files *fs, const struct ofd_doc *doc, const struct ofd_stamp *st,
                    char *err, size_t errlen)
{
    unsigned char *p = NULL, hash[32];
    size_t n = 0;
    int rc = ofd_xml_signatures(&p, &n);

    if (rc == 0)
        rc = ofd_files_take(fs, OFD_SIGNATURES, p, n);
    if (rc == 0 && st->seal_file)
        rc = files_copy(fs, OFD_SEAL_FILE, &st->seal);
    if (rc == 0)
        rc = ofd_xml_signature(fs, st, ofd_page_id(doc), &p, &n);
    if (rc == 0)
        rc = ofd_files_take(fs, OFD_SIGNATURE, p, n);
    if (rc == 0)
        rc = ofd_sm3(fs->f[fs->n - 1].data, fs->f[fs->n - 1].len, hash);
    if (rc != 0)
        return ofd_fail(rc, err, errlen, "ofd: cannot make the signature files");
    rc =
        ofd_ses_sign(&st->seal, st->when, hash, "/" OFD_SIGNATURE, st->signer, &p, &n, err, errlen);
    if (rc == 0)
        rc = ofd_files_take(fs, OFD_SIGNED_VALUE, p, n);
    return rc;
}

/* --- The ZIP ------------------------------------------------------------------ */

/* Images, and the two seal files, whose bulk is the seal's PNG: deflate saved 6 and 11 % of
 * them for 40 % of the package's deflate time (docs/benchmarks.md). */
static int is_compressed_already(const char *name)
{
    size_t n = strlen(name);

    return (n > 4 && (strcmp(name + n - 4, ".png") == 0 || strcmp(name + n - 4, ".jpg") == 0)) ||
           strcmp(name, OFD_SEAL_FILE) == 0 || strcmp(name, OFD_SIGNED_VALUE) == 0;
}

/* Deflate level (libdeflate) of the XML and font files. libzip's default (zlib) is 9: issuing
 * with OFD took 1.75 ms more CPU per certificate at 6 than at 1, for a package 6 % smaller
 * (docs/benchmarks.md). */
#define OFD_DEFLATE_LEVEL 1
/* Smaller files are stored: a few hundred bytes saved each, and the measure that set this
 * (zlib's 256 KB reset per entry) is in docs/benchmarks.md. */
#define OFD_DEFLATE_MIN 1024

/* A file deflated beforehand: what a zip_source_function gives libzip, which copies raw
 * deflate data as it is when the source's stat names the method, sizes and CRC. */
struct predeflated {
    unsigned char *own;     /* owned; z when deflated here, else NULL */
    const unsigned char *z; /* raw deflate (RFC 1951) of the file: own, or the caller's */
    zip_uint64_t zlen;      /* bytes at z */
    zip_uint64_t len;       /* bytes of the file */
    zip_uint32_t crc;       /* CRC-32 of the file */
    zip_uint64_t off;       /* next byte of z that libzip reads */
    zip_error_t ze;         /* for ZIP_SOURCE_ERROR; never set */
};

static void predeflated_free(struct predeflated *p)
{
    if (p == NULL)
        return;
    zip_error_fini(&p->ze);
    free(p->own);
    free(p);
}

static zip_int64_t predeflated_stat(const struct predeflated *p, void *data, zip_uint64_t len)
{
    zip_stat_t *st = data;

    if (len < sizeof(*st))
        return -1;
    zip_stat_init(st);
    st->size = p->len;
    st->comp_size = p->zlen;
    st->crc = p->crc;
    st->comp_method = ZIP_CM_DEFLATE;
    st->encryption_method = ZIP_EM_NONE;
    st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC | ZIP_STAT_COMP_METHOD |
                ZIP_STAT_ENCRYPTION_METHOD;
    return sizeof(*st);
}

static zip_int64_t predeflated_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    struct predeflated *p = ud;
    zip_uint64_t n;

    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        p->off = 0;
        return 0;
    case ZIP_SOURCE_READ:
        n = p->zlen - p->off < len ? p->zlen - p->off : len;
        memcpy(data, p->z + p->off, n);
        p->off += n;
        return (zip_int64_t)n;
    case ZIP_SOURCE_CLOSE:
        return 0;
    case ZIP_SOURCE_STAT:
        return predeflated_stat(p, data, len);
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&p->ze, data, len);
    case ZIP_SOURCE_FREE:
        predeflated_free(p);
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              -1);
    default:
        return -1;
    }
}

/*
 * A libzip source of f deflated with c (or as f->z gives it, borrowed until
 * the ZIP is closed), or NULL (out of memory, libdeflate failed).
 */
static zip_source_t *deflated_source(zip_t *za, struct libdeflate_compressor *c,
                                     const struct ofd_file *f)
{
    struct predeflated *p = calloc(1, sizeof(*p));
    size_t cap = libdeflate_deflate_compress_bound(c, f->len);
    zip_source_t *s = NULL;

    if (p == NULL)
        return NULL;
    zip_error_init(&p->ze);
    if (f->z.n > 0) {
        p->z = f->z.p;
        p->zlen = f->z.n;
    } else if ((p->own = malloc(cap)) != NULL) {
        p->z = p->own;
        p->zlen = libdeflate_deflate_compress(c, f->data, f->len, p->own, cap);
    }
    if (p->zlen > 0) {
        p->len = f->len;
        p->crc = (zip_uint32_t)libdeflate_crc32(0, f->data, f->len);
        s = zip_source_function(za, predeflated_cb, p);
    }
    if (s == NULL)
        predeflated_free(p); /* once s exists, libzip frees p (ZIP_SOURCE_FREE) */
    return s;
}

/* Adds f: deflated beforehand with c, or stored. */
static int zip_add_one(zip_t *za, struct libdeflate_compressor *c, const struct ofd_file *f,
                       time_t when)
{
    int stored = f->z.n == 0 && (is_compressed_already(f->name) || f->len < OFD_DEFLATE_MIN);
    zip_source_t *s =
        stored ? zip_source_buffer(za, f->data, f->len, 0) : deflated_source(za, c, f);
    zip_int64_t idx;

    if (s == NULL)
        return OFD_EZIP;
    idx = zip_file_add(za, f->name, s, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(s);
        return OFD_EZIP;
    }
    if (zip_file_set_mtime(za, (zip_uint64_t)idx, when, 0) != 0 ||
        (stored && zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0))
        return OFD_EZIP;
    return 0;
}

static int zip_add_all(zip_t *za, const struct ofd_files *fs, time_t when)
{
    struct libdeflate_compressor *c = jp_deflater(OFD_DEFLATE_LEVEL); /* the thread's, kept */
    int rc = c != NULL ? 0 : ENOMEM;

    for (size_t i = 0; rc == 0 && i < fs->n; i++)
        rc = zip_add_one(za, c, &fs->f[i], when);
    return rc;
}

/* Copies what libzip wrote into src to the end of out. */
static int source_to_buf(zip_source_t *src, struct jp_buf *out)
{
    zip_stat_t st;
    unsigned char *p;
    zip_int64_t got;
    int rc = OFD_EZIP;

    zip_stat_init(&st);
    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > OFD_MAX_OUTPUT)
        return st.size > OFD_MAX_OUTPUT ? EFBIG : OFD_EZIP;
    p = malloc(st.size > 0 ? st.size : 1);
    if (p == NULL)
        return ENOMEM;
    if (zip_source_open(src) == 0) {
        got = zip_source_read(src, p, st.size);
        if (got >= 0 && (zip_uint64_t)got == st.size)
            rc = jp_buf_append(out, p, st.size);
        zip_source_close(src);
    }
    free(p);
    return rc;
}

static int zip_files(const struct ofd_files *fs, time_t when, struct jp_buf *out, char *err,
                     size_t errlen)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    int rc;

    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (src == NULL) {
        zip_error_fini(&ze);
        return ofd_fail(OFD_EZIP, err, errlen, "ofd: cannot make a ZIP buffer");
    }
    zip_source_keep(src);
    za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    rc = za != NULL ? zip_add_all(za, fs, when) : OFD_EZIP;
    if (rc == 0 && zip_close(za) != 0)
        rc = OFD_EZIP;
    else if (rc != 0 && za != NULL)
        zip_discard(za);
    if (rc == 0)
        rc = source_to_buf(src, out);
    zip_source_free(src);
    zip_error_fini(&ze);
    if (rc != 0)
        ofd_fail(rc, err, errlen, "ofd: cannot write the ZIP package");
    return rc;
}

int ofd_write(const struct ofd_doc *doc, const struct ofd_stamp *stamp, struct jp_buf *out,
              char *err, size_t errlen)
{
    struct ofd_files *fs;
    int rc = check_args(doc, stamp, err, errlen);

    if (rc != 0)
        return rc;
    fs = calloc(1, sizeof *fs);
    if (fs == NULL)
        return ofd_fail(ENOMEM, err, errlen, "ofd: out of memory");
    rc = add_content(fs, doc);
    if (rc != 0)
        ofd_fail(rc, err, errlen, "ofd: cannot make the document files");
    if (rc == 0)
        rc = add_seal(fs, doc, stamp, err, errlen);
    if (rc == 0)
        rc = zip_files(fs, stamp->when, out, err, errlen);
    ofd_files_free(fs);
    free(fs);
    return rc;
}
