/*
 * reader.c - the bounded OFD reader and verifier. The ZIP is opened from
 * memory with libzip and every bound of ofd.h is checked before a byte is
 * inflated (entry count, declared sizes, total, ratio) and again while reading
 * (a file longer than it declared is refused). XML is parsed with libxml2
 * without network access, and a document with a DTD is refused before
 * parsing, so no entity of any kind is ever expanded. Then: OFD.xml names
 * Signatures.xml, which names the Signature.xml; every Reference's SM3 is
 * recomputed, every file but Signature.xml and SignedValue.dat must be
 * referenced, and ses.c checks the SES_Signature.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <zip.h>

#define RATIO_FLOOR (64u * 1024u) /* files this small are not ratio-checked */

struct entry {
    char name[OFD_MAX_NAME + 1]; /* canonical path, no leading "/" */
    unsigned char *data;         /* owned, NUL-terminated */
    size_t len;                  /* bytes at data */
    int referenced;              /* a Reference covers it */
};

struct pkg {
    struct entry e[OFD_MAX_ENTRIES]; /* the files, in ZIP order */
    size_t n;                        /* entries in use */
};

static void pkg_free(struct pkg *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        free(p->e[i].data);
    free(p);
}

static struct entry *pkg_find(struct pkg *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        if (strcmp(p->e[i].name, name) == 0)
            return &p->e[i];
    return NULL;
}

/*
 * Resolves loc (absolute "/a/b" or relative to dir) into out: segments
 * joined by "/", "." dropped, ".." going up but never above the root. 1 when
 * the result is a well-formed name, else 0.
 */
static int resolve(const char *dir, const char *loc, char out[OFD_MAX_NAME + 1])
{
    char tmp[2 * OFD_MAX_NAME + 4], *seg, *save = NULL;
    size_t len = 0, k, n;

    if (loc == NULL || loc[0] == '\0' || strchr(loc, '\\') != NULL)
        return 0;
    if (jp_strf(tmp, sizeof tmp, "%s/%s", loc[0] == '/' ? "" : dir, loc) != 0)
        return 0;
    out[0] = '\0';
    for (seg = strtok_r(tmp, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            if (len == 0)
                return 0;
            while (len > 0 && out[len - 1] != '/')
                len--;
            len = len > 0 ? len - 1 : 0;
            out[len] = '\0';
            continue;
        }
        n = strlen(seg);
        for (k = 0; k < n; k++)
            if ((unsigned char)seg[k] < 0x20)
                return 0;
        if (len + (len > 0) + n > OFD_MAX_NAME)
            return 0;
        if (len > 0)
            out[len++] = '/';
        memcpy(out + len, seg, n + 1);
        len += n;
    }
    return len > 0;
}

/* The directory part of a canonical name ("" at the root). */
static void dir_of(const char *name, char out[OFD_MAX_NAME + 1])
{
    const char *slash = strrchr(name, '/');
    size_t n = slash != NULL ? (size_t)(slash - name) : 0;

    memcpy(out, name, n);
    out[n] = '\0';
}

/* --- ZIP ------------------------------------------------------------------- */

/* Bounds on what the central directory declares, before anything is read. */
static int check_stat(const zip_stat_t *st, size_t *total, struct ofd_report *r)
{
    if (!(st->valid & ZIP_STAT_NAME) || !(st->valid & ZIP_STAT_SIZE) ||
        !(st->valid & ZIP_STAT_COMP_SIZE))
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: an entry without name or size"), 0;
    if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) && st->encryption_method != ZIP_EM_NONE)
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: encrypted entry"), 0;
    if (st->size > OFD_MAX_ENTRY || *total + st->size > OFD_MAX_TOTAL)
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: a file is larger than the bound"), 0;
    if (st->size > RATIO_FLOOR && st->size / OFD_MAX_RATIO > st->comp_size)
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: compression ratio over %u", OFD_MAX_RATIO), 0;
    *total += st->size;
    return 1;
}

/* Reads one file of declared size: exactly that many bytes, CRC checked by libzip. */
static int read_entry(zip_t *za, zip_uint64_t i, struct entry *e, size_t size, struct ofd_report *r)
{
    zip_file_t *zf = zip_fopen_index(za, i, 0);
    zip_int64_t got = -1;
    char extra;

    e->data = malloc(size + 1);
    if (e->data == NULL) {
        zip_fclose(zf);
        return ENOMEM;
    }
    if (zf != NULL)
        got = size > 0 ? zip_fread(zf, e->data, size) : 0;
    if (got >= 0 && (size_t)got == size && zip_fread(zf, &extra, 1) != 0)
        got = -1; /* longer than declared, or the CRC fails at the end */
    if (zf != NULL)
        zip_fclose(zf);
    if (got < 0 || (size_t)got != size)
        return ofd_verdict(r, OFD_MODIFIED, "ZIP: %s is damaged", e->name);
    e->data[size] = '\0';
    e->len = size;
    return 0;
}

/* A name as stored must already be canonical, unique and not a link. */
static int check_name(struct pkg *p, const char *name, struct ofd_report *r)
{
    char canon[OFD_MAX_NAME + 1];

    if (strlen(name) > OFD_MAX_NAME || name[0] == '/' || !resolve("", name, canon) ||
        strcmp(canon, name) != 0 || !jp_utf8_valid(name, strlen(name)))
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: a file name is not a plain relative path"), 0;
    if (pkg_find(p, name) != NULL)
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: a file name occurs twice"), 0;
    return 1;
}

static int load_entries(zip_t *za, struct pkg *p, struct ofd_report *r)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    size_t total = 0, len;
    zip_uint64_t i;
    zip_stat_t st;
    int rc;

    if (n <= 0 || n > OFD_MAX_ENTRIES)
        return ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: %s", n <= 0 ? "empty" : "too many files");
    for (i = 0; i < (zip_uint64_t)n && r->verdict == OFD_INTACT; i++) {
        zip_stat_init(&st);
        if (zip_stat_index(za, i, 0, &st) != 0 || !check_stat(&st, &total, r))
            return r->verdict == OFD_INTACT ? ofd_verdict(r, OFD_NOT_SIGNED, "ZIP: bad entry") : 0;
        len = strlen(st.name);
        if (len > 0 && st.name[len - 1] == '/' && st.size == 0)
            continue; /* a directory entry */
        if (!check_name(p, st.name, r))
            return 0;
        snprintf(p->e[p->n].name, sizeof p->e[p->n].name, "%s", st.name);
        rc = read_entry(za, i, &p->e[p->n], (size_t)st.size, r);
        p->n++;
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int open_pkg(const unsigned char *data, size_t len, struct pkg *p, struct ofd_report *r)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za = NULL;
    int rc = 0;

    zip_error_init(&ze);
    src = zip_source_buffer_create(data, len, 0, &ze);
    if (src != NULL)
        za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (za == NULL) {
        zip_source_free(src);
        rc = zip_error_code_zip(&ze) == ZIP_ER_MEMORY ? ENOMEM : 0;
        if (rc == 0)
            ofd_verdict(r, OFD_NOT_SIGNED, "not a ZIP package: %s", zip_error_strerror(&ze));
    } else {
        rc = load_entries(za, p, r);
        zip_discard(za); /* frees src too */
    }
    zip_error_fini(&ze);
    return rc;
}

/* --- XML ------------------------------------------------------------------- */

/* 1 when the bytes hold "<!DOCTYPE" anywhere (memmem is a GNU extension). */
static int has_doctype(const unsigned char *p, size_t n)
{
    static const char pat[] = "<!DOCTYPE";
    size_t i;

    for (i = 0; i + sizeof pat - 1 <= n; i++)
        if (p[i] == '<' && memcmp(p + i, pat, sizeof pat - 1) == 0)
            return 1;
    return 0;
}

/* Parses an XML file of the package: bounded, no DTD, no network, quiet. */
static xmlDocPtr parse_xml(const struct entry *e, struct ofd_report *r)
{
    xmlDocPtr doc;

    if (e->len > OFD_MAX_XML || e->len > INT32_MAX)
        return ofd_verdict(r, OFD_NOT_SIGNED, "%s: larger than the XML bound", e->name), NULL;
    if (has_doctype(e->data, e->len))
        return ofd_verdict(r, OFD_NOT_SIGNED, "%s: a DTD is not allowed", e->name), NULL;
    doc = xmlReadMemory((const char *)e->data, (int)e->len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL)
        ofd_verdict(r, OFD_NOT_SIGNED, "%s: not well-formed XML", e->name);
    else if (doc->intSubset != NULL || doc->extSubset != NULL) {
        xmlFreeDoc(doc);
        doc = NULL;
        ofd_verdict(r, OFD_NOT_SIGNED, "%s: a DTD is not allowed", e->name);
    }
    return doc;
}

static int is_ofd(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           xmlStrcmp(n->ns->href, (const xmlChar *)OFD_NS) == 0 &&
           xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    xmlNode *c;

    for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
        if (is_ofd(c, name))
            return c;
    return NULL;
}

/* The root element if it is ofd:name. */
static xmlNode *root_of(xmlDocPtr doc, const char *name)
{
    xmlNode *root = xmlDocGetRootElement(doc);

    return is_ofd(root, name) ? root : NULL;
}

/* Text content of n, trimmed, into out; 1 when it fits and is not empty. */
static int text_of(const xmlNode *n, char *out, size_t outsz)
{
    xmlChar *t = n != NULL ? xmlNodeGetContent(n) : NULL;
    const char *s = (const char *)t;
    size_t len;
    int ok = 0;

    if (s != NULL) {
        while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
            s++;
        len = strlen(s);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\r' ||
                           s[len - 1] == '\t'))
            len--;
        if (len > 0 && len < outsz) {
            memcpy(out, s, len);
            out[len] = '\0';
            ok = 1;
        }
    }
    xmlFree(t);
    return ok;
}

static int attr_of(const xmlNode *n, const char *name, char *out, size_t outsz)
{
    xmlChar *v = n != NULL ? xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;
    int ok = v != NULL && jp_strf(out, outsz, "%s", (const char *)v) == 0 && out[0] != '\0';

    xmlFree(v);
    return ok;
}

/* --- The chain OFD.xml -> Signatures.xml -> Signature.xml ------------------ */

struct sig_files {
    char signature[OFD_MAX_NAME + 1];    /* Signature.xml */
    char signed_value[OFD_MAX_NAME + 1]; /* SignedValue.dat */
    char seal[OFD_MAX_NAME + 1];         /* Seal.esl, "" when not named */
};

/* Parses an entry's XML and returns its root ofd:name, or NULL with a verdict. */
static xmlDocPtr open_xml(struct pkg *p, const char *file, const char *rootname, xmlNode **root,
                          struct ofd_report *r)
{
    struct entry *e = pkg_find(p, file);
    xmlDocPtr doc;

    *root = NULL;
    if (e == NULL)
        return ofd_verdict(r, OFD_NOT_SIGNED, "%s is missing", file), NULL;
    doc = parse_xml(e, r);
    if (doc == NULL)
        return NULL;
    *root = root_of(doc, rootname);
    if (*root == NULL) {
        ofd_verdict(r, OFD_NOT_SIGNED, "%s: root is not ofd:%s", file, rootname);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* OFD.xml -> the Signatures file it names (relative to the root). */
static int find_signatures(struct pkg *p, char out[OFD_MAX_NAME + 1], struct ofd_report *r)
{
    char loc[OFD_MAX_NAME + 1];
    xmlNode *root;
    xmlDocPtr doc = open_xml(p, "OFD.xml", "OFD", &root, r);
    int ok;

    if (doc == NULL)
        return 0;
    ok = text_of(child(child(root, "DocBody"), "Signatures"), loc, sizeof loc) &&
         resolve("", loc, out);
    xmlFreeDoc(doc);
    if (!ok)
        ofd_verdict(r, OFD_NOT_SIGNED, "OFD.xml names no signatures");
    return ok;
}

/* Signatures.xml -> the first Signature's BaseLoc; more than one is refused. */
static int find_signature(struct pkg *p, const char *list, char out[OFD_MAX_NAME + 1],
                          struct ofd_report *r)
{
    char loc[OFD_MAX_NAME + 1], dir[OFD_MAX_NAME + 1], type[16];
    xmlNode *root, *c, *first = NULL;
    xmlDocPtr doc = open_xml(p, list, "Signatures", &root, r);
    int count = 0, ok = 0;

    if (doc == NULL)
        return 0;
    for (c = root->children; c != NULL; c = c->next)
        if (is_ofd(c, "Signature") && count++ == 0)
            first = c;
    dir_of(list, dir);
    if (count != 1)
        ofd_verdict(r, OFD_NOT_SIGNED, "%s lists %d signatures, not one", list, count);
    else if (attr_of(first, "Type", type, sizeof type) && strcmp(type, "Seal") != 0)
        ofd_verdict(r, OFD_NOT_SIGNED, "the signature is not an electronic seal");
    else if (!attr_of(first, "BaseLoc", loc, sizeof loc) || !resolve(dir, loc, out))
        ofd_verdict(r, OFD_NOT_SIGNED, "%s: the signature has no BaseLoc", list);
    else
        ok = 1;
    xmlFreeDoc(doc);
    return ok;
}

/* One Reference: the file exists and its SM3 is the CheckValue. */
static int check_reference(struct pkg *p, const char *dir, const xmlNode *ref, struct ofd_report *r)
{
    char loc[OFD_MAX_NAME + 1], name[OFD_MAX_NAME + 1], b64[64];
    unsigned char want[48], got[32];
    struct entry *e;
    int n;

    if (!attr_of(ref, "FileRef", loc, sizeof loc) || !resolve(dir, loc, name) ||
        !text_of(child(ref, "CheckValue"), b64, sizeof b64) || strlen(b64) != 44)
        return ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: a malformed Reference"), 0;
    n = EVP_DecodeBlock(want, (const unsigned char *)b64, 44);
    if (n != 33 || b64[43] != '=' || b64[42] == '=')
        return ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: a CheckValue is not an SM3 value"), 0;
    e = pkg_find(p, name);
    if (e == NULL)
        return ofd_verdict(r, OFD_MODIFIED, "%s is signed but missing", name), 0;
    if (ofd_sm3(e->data, e->len, got) != 0 || memcmp(got, want, 32) != 0)
        return ofd_verdict(r, OFD_MODIFIED, "%s: its SM3 digest does not match", name), 0;
    e->referenced = 1;
    return 1;
}

static int check_references(struct pkg *p, const char *dir, const xmlNode *refs,
                            struct ofd_report *r)
{
    char method[32];
    xmlNode *c;
    int n = 0;

    if (!attr_of(refs, "CheckMethod", method, sizeof method) ||
        (strcmp(method, OFD_SM3_NAME) != 0 && strcmp(method, OFD_OID_SM3) != 0))
        return ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: CheckMethod is not SM3"), 0;
    for (c = refs->children; c != NULL; c = c->next) {
        if (!is_ofd(c, "Reference"))
            continue;
        if (!check_reference(p, dir, c, r))
            return 0;
        n++;
    }
    if (n == 0)
        return ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: no References"), 0;
    return 1;
}

/* Signature.xml: method, References, the seal and signed value files. */
static int check_signature_xml(struct pkg *p, struct sig_files *sf, struct ofd_report *r)
{
    char dir[OFD_MAX_NAME + 1], loc[OFD_MAX_NAME + 1], method[64];
    xmlNode *root, *info;
    xmlDocPtr doc = open_xml(p, sf->signature, "Signature", &root, r);
    int ok = 0;

    if (doc == NULL)
        return 0;
    dir_of(sf->signature, dir);
    info = child(root, "SignedInfo");
    if (!text_of(child(info, "SignatureMethod"), method, sizeof method) ||
        strcmp(method, OFD_OID_SM2_SM3) != 0)
        ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: SignatureMethod is not SM2 with SM3");
    else if (!text_of(child(root, "SignedValue"), loc, sizeof loc) ||
             !resolve(dir, loc, sf->signed_value))
        ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: no SignedValue");
    else if (child(info, "References") == NULL)
        ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: no References");
    else
        ok = check_references(p, dir, child(info, "References"), r);
    if (ok && text_of(child(child(info, "Seal"), "BaseLoc"), loc, sizeof loc) &&
        !resolve(dir, loc, sf->seal))
        ok = ofd_verdict(r, OFD_NOT_SIGNED, "Signature.xml: a malformed Seal BaseLoc");
    xmlFreeDoc(doc);
    return ok;
}

/* Every file but the signature's own two must be covered. */
static int check_coverage(struct pkg *p, const struct sig_files *sf, struct ofd_report *r)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        const struct entry *e = &p->e[i];

        if (e->referenced || strcmp(e->name, sf->signature) == 0 ||
            strcmp(e->name, sf->signed_value) == 0)
            continue;
        return ofd_verdict(r, OFD_MODIFIED, "%s is not covered by the seal", e->name), 0;
    }
    return 1;
}

static int check_seal(struct pkg *p, const struct sig_files *sf, const struct ofd_verifier *v,
                      struct ofd_report *r)
{
    const struct entry *sig = pkg_find(p, sf->signature);
    const struct entry *val = pkg_find(p, sf->signed_value);
    const struct entry *esl = sf->seal[0] != '\0' ? pkg_find(p, sf->seal) : NULL;
    struct jp_span seal;
    char property[OFD_MAX_NAME + 2];
    unsigned char hash[32];

    if (val == NULL)
        return ofd_verdict(r, OFD_NOT_SIGNED, "%s is missing", sf->signed_value);
    if (sf->seal[0] != '\0' && esl == NULL)
        return ofd_verdict(r, OFD_MODIFIED, "%s is missing", sf->seal);
    if (ofd_sm3(sig->data, sig->len, hash) != 0)
        return ENOMEM;
    snprintf(property, sizeof property, "/%s", sf->signature);
    seal.p = esl != NULL ? esl->data : NULL;
    seal.n = esl != NULL ? esl->len : 0;
    return ofd_ses_check(val->data, val->len, esl != NULL ? &seal : NULL, hash, property, v, r);
}

/*
 * SHA-256 of the signed value file, whatever the checks find (the store
 * indexes it), and, for a package already refused, whose seal it carries.
 */
static int note_signed_value(struct pkg *p, const struct sig_files *sf, struct ofd_report *r)
{
    const struct entry *val = sf->signed_value[0] != '\0' ? pkg_find(p, sf->signed_value) : NULL;
    unsigned int n = 0;

    if (val == NULL)
        return 0;
    if (EVP_Digest(val->data, val->len, r->signed_value_sha256, &n, EVP_sha256(), NULL) == 1 &&
        n == 32)
        r->have_signed_value = 1;
    return r->verdict != OFD_INTACT ? ofd_ses_certs(val->data, val->len, r) : 0;
}

static int verify_pkg(struct pkg *p, const struct ofd_verifier *v, struct ofd_report *r)
{
    char list[OFD_MAX_NAME + 1];
    struct sig_files sf;
    int ok, rc;

    memset(&sf, 0, sizeof sf);
    if (!find_signatures(p, list, r) || !find_signature(p, list, sf.signature, r))
        return 0;
    ok = check_signature_xml(p, &sf, r);
    ok = ok && check_coverage(p, &sf, r);
    rc = note_signed_value(p, &sf, r);
    if (!ok || rc != 0)
        return rc;
    return check_seal(p, &sf, v, r);
}

void ofd_global_init(void)
{
    xmlInitParser();
}

int ofd_verify(const unsigned char *pkg, size_t len, const struct ofd_verifier *v,
               struct ofd_report *r)
{
    struct pkg *p;
    int rc;

    if (r == NULL || v == NULL || v->verify == NULL || (pkg == NULL && len > 0))
        return OFD_EINVAL;
    memset(r, 0, sizeof *r);
    jp_buf_init(&r->signer_cert, OFD_CERT_MAX);
    jp_buf_init(&r->maker_cert, OFD_CERT_MAX);
    r->verdict = OFD_INTACT;
    if (len == 0 || len > OFD_MAX_INPUT)
        return ofd_verdict(r, OFD_NOT_SIGNED, "the package is empty or larger than the bound");
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return ENOMEM;
    rc = open_pkg(pkg, len, p, r);
    r->files = p->n;
    if (rc == 0 && r->verdict == OFD_INTACT)
        rc = verify_pkg(p, v, r);
    pkg_free(p);
    if (rc == 0 && r->verdict == OFD_INTACT)
        r->reason[0] = '\0';
    return rc;
}

void ofd_report_free(struct ofd_report *r)
{
    if (r == NULL)
        return;
    jp_buf_free(&r->signer_cert);
    jp_buf_free(&r->maker_cert);
}
