/*
 * test_ofd_check.c - the verifier's side of OFD (issue 18, SPEC §10, §11): a
 * home with three issued certificates (init makes the SM2 hierarchy, issuance
 * the sealed OFD of each; one certificate is reissued), plus one package the
 * test seals itself with the home's SM2 keys and its own seal image, recorded
 * as SPEC §11's contract says (the 'O' and 'E' digests) in place of the third
 * certificate's, whose "ofds" entry is removed (a certificate issued before
 * the home had SM2 keys). Then what an employer, a holder and an offline
 * checker would notice:
 *   - the trust list lists the SM2 root and signing certificate (an old one
 *     without them still loads; one naming another hierarchy's SM2
 *     certificate under the same root signature is refused);
 *   - the file check (JSON and form): identical (issued packages and the
 *     test's own), older_version (the package a reissue replaced), modified
 *     for one byte changed in an issued Content.xml, a file added to it and
 *     the seal image swapped (in both copies), not_ours for a package sealed
 *     by a foreign SM2 hierarchy;
 *   - verify-file: valid for a good PDF and OFD, not valid (exit 1, reason
 *     in words) for each tamper and the foreign seal, 2 and 3 for usage and
 *     unreadable files;
 *   - the independent checker (Python zipfile + SM3, npm sm-crypto) refuses
 *     the same tampers;
 *   - /me/{no}.ofd: the stored package byte for byte for the signed-in
 *     holder, application/ofd, attachment; a redirect without a session; 404
 *     for a certificate without OFD; the link 下载 OFD 版 on the holder's page.
 * The test's own package, its seal-image tamper and the trust list stay in
 * the test logs (own-1.ofd, seal-image-1.ofd, trust-list-1.pem); the issued
 * packages, which hold a holder's data, do not.
 */
#define _GNU_SOURCE /* memmem */
#include "capture.h"
#include "check.h"
#include "keys.h"
#include "keys_int.h" /* the root's EVP_PKEY of a token home, for trust_sign */
#include "ofd.h"
#include "store.h"
#include "util.h"
#include "verifier_client.h"
#include "ofd_lib.h"

#include <jansson.h>
#include <openssl/pem.h> /* before cms.h */
#include <openssl/cms.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hb-subset.h>
#include <hb.h>
#include <zip.h>
#include <zlib.h>

#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"
#define CHECKER JP_SOURCE_DIR "/tests/peers/ofd-check.py"
#define FOREIGN JP_SOURCE_DIR "/tests/fixtures/ofd/sealed.ofd"
#define AUTHORITY "广东省住房和城乡建设厅"
#define WHEN ((time_t)1764748800) /* 2025-12-03T08:00:00Z */

static char dir[256], home[300], issuer_bin[600], verifier_bin[600];

struct holder {
    char no[19], name[257], id[33], code[15];
};

static int has(const struct vc_resp *r, const char *s)
{
    return r->body != NULL && strstr((const char *)r->body, s) != NULL;
}

static void path_in(char *out, size_t outsz, const char *name)
{
    CHECK(jp_path_join(out, outsz, dir, name) == 0);
}

/* --- the home's SM2 hierarchy and trust list ------------------------------- */

/*
 * The home's SM2 hierarchy (init made it) with its keys, for the test's own
 * packages; the trust list init wrote is kept in the logs. A list from before
 * the SM2 hierarchy (the keys fixture) still loads, without "sm2".
 */
/*
 * The PIN of a token home (scripts/test-pkcs11.sh: no root.key; init encrypted the SM2
 * key files with the PIN as the passphrase), or NULL for a home of key files.
 */
static const char *token_pin(void)
{
    char key[400];

    snprintf(key, sizeof key, "%s/keys/root.key", home);
    return access(key, F_OK) != 0 ? getenv("JIANPEI_PKCS11_PIN") : NULL;
}

static keys_sm2_t *home_sm2(void)
{
    const char *pin = token_pin();
    char kdir[400], trust[400], err[256] = "";
    keys_sm2_t *s = NULL;
    keys_trust_t *t = NULL;
    const unsigned char *root;
    size_t rootlen;

    CHECK_INT(
        keys_trust_load(JP_SOURCE_DIR "/tests/fixtures/keys/trust.pem", NULL, &t, err, sizeof err),
        0);
    CHECK(t != NULL && keys_trust_sm2_count(t) == 0 &&
          keys_trust_sm2_root(t, &root, &rootlen) == KEYS_E_TRUST);
    keys_trust_free(t);
    snprintf(kdir, sizeof kdir, "%s/keys", home);
    snprintf(trust, sizeof trust, "%s/trust-list.pem", home);
    CHECK_INT(keys_sm2_load(kdir, 1, (const unsigned char *)pin, pin != NULL ? strlen(pin) : 0, &s,
                            err, sizeof err),
              0);
    cap_file(trust, "trust-list.pem");
    return s;
}

static void test_trust_list(const keys_sm2_t *s)
{
    char trust[400], err[256] = "";
    const unsigned char *root, *want, *sign;
    size_t rootlen, wantlen, signlen;
    struct keys_sm2_trusted info;
    keys_trust_t *t = NULL;

    snprintf(trust, sizeof trust, "%s/trust-list.pem", home);
    CHECK_INT(keys_trust_load(trust, NULL, &t, err, sizeof err), 0);
    if (t == NULL)
        return;
    CHECK_INT(keys_sm2_cert_der(s, KEYS_SM2_ROOT, &want, &wantlen), 0);
    CHECK_INT(keys_sm2_cert_der(s, KEYS_SM2_SIGNER, &sign, &signlen), 0);
    CHECK(keys_trust_sm2_root(t, &root, &rootlen) == 0 && rootlen == wantlen &&
          memcmp(root, want, rootlen) == 0);
    CHECK(keys_trust_sm2_count(t) == 1);
    CHECK(keys_trust_sm2_get(t, 0, &info) == 0 && info.len == signlen &&
          memcmp(info.der, sign, signlen) == 0 && info.state == KEYS_ACTIVE &&
          strlen(info.kid) == 16 && info.not_after[0] == '2');
    CHECK(keys_trust_sm2_find(t, root, rootlen, &info) == KEYS_E_UNKNOWN_KID);
    keys_trust_free(t);
}

/* The trust list's JSON document (its CMS content, unverified: only to edit it). */
static json_t *trust_doc(const char *path)
{
    BIO *in = BIO_new_file(path, "r");
    CMS_ContentInfo *cms = in != NULL ? PEM_read_bio_CMS(in, NULL, NULL, NULL) : NULL;
    ASN1_OCTET_STRING **c = cms != NULL ? CMS_get0_content(cms) : NULL;
    json_t *doc = NULL;

    if (c != NULL && *c != NULL)
        doc = json_loadb((const char *)ASN1_STRING_get0_data(*c), (size_t)ASN1_STRING_length(*c), 0,
                         NULL);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return doc;
}

/* doc signed by the home's ECDSA root (its file, or in the token), as keys_export_trust()
 * does, into path. */
static void trust_sign(json_t *doc, const char *path)
{
    const char *pin = token_pin();
    keys_t *k = NULL;
    char cert[400], key[400], kdir[400], err[256] = "", *text = json_dumps(doc, 0);
    BIO *rb = NULL, *kb = NULL, *data = NULL, *out = BIO_new_file(path, "w");
    X509 *root = NULL;
    EVP_PKEY *pk = NULL;
    CMS_ContentInfo *cms = NULL;

    snprintf(cert, sizeof cert, "%s/keys/root.pem", home);
    snprintf(key, sizeof key, "%s/keys/root.key", home);
    rb = BIO_new_file(cert, "r");
    kb = BIO_new_file(key, "r");
    root = rb != NULL ? PEM_read_bio_X509(rb, NULL, NULL, NULL) : NULL;
    pk = kb != NULL ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    snprintf(kdir, sizeof kdir, "%s/keys", home);
    if (pk == NULL && pin != NULL &&
        keys_open(kdir, KEYS_WITH_ROOT, (const unsigned char *)pin, strlen(pin), &k, err,
                  sizeof err) == 0 &&
        EVP_PKEY_up_ref(k->root_key) == 1)
        pk = k->root_key;
    data = text != NULL ? BIO_new_mem_buf(text, (int)strlen(text)) : NULL;
    if (root != NULL && pk != NULL && data != NULL)
        cms = CMS_sign(root, pk, NULL, data, CMS_BINARY | CMS_NOSMIMECAP);
    CHECK(cms != NULL && out != NULL && PEM_write_bio_CMS(out, cms) == 1);
    CMS_ContentInfo_free(cms);
    EVP_PKEY_free(pk);
    keys_close(k);
    X509_free(root);
    BIO_free(rb), BIO_free(kb), BIO_free(data), BIO_free(out);
    free(text);
}

/*
 * A list that keeps its root signature but names an SM2 signing certificate
 * of another SM2 hierarchy (with its right kid) is refused; the same list
 * re-signed unchanged loads, so it is the SM2 check that refuses.
 */
static void test_trust_forged(void)
{
    struct keys_create_opts o = {
        .authority = AUTHORITY, .uscc = "11440000MB2C12345J", .province = "44"};
    char trust[400], forged[400], err[256] = "", kid[17];
    unsigned char md[32], *b64 = NULL;
    json_t *doc, *entry;
    keys_sm2_t *other = NULL;
    keys_trust_t *t = NULL;
    const unsigned char *der;
    size_t len = 0;

    snprintf(trust, sizeof trust, "%s/trust-list.pem", home);
    path_in(forged, sizeof forged, "forged-trust.pem");
    doc = trust_doc(trust);
    entry = json_array_get(json_object_get(json_object_get(doc, "sm2"), "keys"), 0);
    CHECK(entry != NULL);
    trust_sign(doc, forged);
    CHECK_INT(keys_trust_load(forged, NULL, &t, err, sizeof err), 0);
    CHECK(t != NULL && keys_trust_sm2_count(t) == 1);
    keys_trust_free(t);
    t = NULL;
    CHECK_INT(keys_sm2_generate(&o, &other, err, sizeof err), 0);
    CHECK_INT(keys_sm2_cert_der(other, KEYS_SM2_SIGNER, &der, &len), 0);
    b64 = malloc((len + 2) / 3 * 4 + 1);
    if (b64 != NULL && entry != NULL) {
        EVP_EncodeBlock(b64, der, (int)len);
        SHA256(der, len, md);
        jp_hex_encode(md, 8, kid);
        CHECK(json_object_set_new(entry, "certificate", json_string((char *)b64)) == 0 &&
              json_object_set_new(entry, "kid", json_string(kid)) == 0);
    }
    trust_sign(doc, forged);
    CHECK_INT(keys_trust_load(forged, NULL, &t, err, sizeof err), KEYS_E_TRUST);
    CHECK(t == NULL && strstr(err, "not an SM2 key issued by the SM2 root") != NULL);
    keys_trust_free(t);
    keys_sm2_free(other);
    json_decref(doc);
    free(b64);
}

/* --- packages ---------------------------------------------------------------- */

/* A 32 x 32 RGB PNG of one colour, stored (zlib level 0): two colours, one length. */
static void make_png(struct jp_buf *b, unsigned char red, unsigned char green)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char raw[32 * (32 * 3 + 1)], z[4096], ihdr[13] = {0};
    uLongf zlen = sizeof z;
    size_t i;

    memset(raw, 0, sizeof raw);
    for (i = 0; i < sizeof raw; i++)
        if (i % (32 * 3 + 1) != 0)
            raw[i] = (i % (32 * 3 + 1)) % 3 == 1 ? red : green;
    put32(ihdr, 32), put32(ihdr + 4, 32);
    ihdr[8] = 8, ihdr[9] = 2;
    jp_buf_init(b, 1u << 20);
    CHECK(compress2(z, &zlen, raw, sizeof raw, 0) == Z_OK);
    CHECK(jp_buf_append(b, sig, 8) == 0);
    png_chunk(b, "IHDR", ihdr, 13);
    png_chunk(b, "IDAT", z, zlen);
    png_chunk(b, "IEND", NULL, 0);
}

/* A HarfBuzz subset of AR PL UMing holding the code points of text. */
static void make_font(struct jp_buf *out, const char *text)
{
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(UMING), *res = NULL;
    hb_face_t *face = hb_face_create(blob, 0), *sub = NULL;
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    size_t len = strlen(text), k;
    const char *d = NULL;
    unsigned n = 0;
    uint32_t cp;

    CHECK(blob != NULL && in != NULL);
    for (; in != NULL && len > 0; text += k, len -= k) {
        k = jp_utf8_decode((const unsigned char *)text, len, &cp);
        if (k == 0)
            break;
        hb_set_add(hb_subset_input_unicode_set(in), cp);
    }
    if (in != NULL)
        sub = hb_subset_or_fail(face, in);
    if (sub != NULL)
        res = hb_face_reference_blob(sub);
    if (res != NULL)
        d = hb_blob_get_data(res, &n);
    jp_buf_init(out, 8u << 20);
    CHECK(d != NULL && n > 100 && jp_buf_append(out, d, n) == 0);
    hb_blob_destroy(res);
    hb_face_destroy(sub);
    hb_subset_input_destroy(in);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
}

static void make_seal(const keys_sm2_t *k, const struct jp_buf *png, struct jp_buf *seal)
{
    jp_buf_init(seal, 1u << 20);
    CHECK_INT(seal_make(k, AUTHORITY, "44000020251203000001", png, WHEN, seal, NULL), 0);
}

/* A sealed one-page package of the test's own naming certificate no (its number, the authority). */
static void make_pkg(const keys_sm2_t *k, const struct jp_buf *seal, const char *no,
                     struct jp_buf *out)
{
    struct jp_buf ttf;
    char text[64];
    struct ofd_font font;
    struct ofd_text texts[2] = {{0, 5, 30, 60, text, NULL, 0, {0, 0, 0}},
                                {0, 5, 100, 240, AUTHORITY, NULL, 0, {0, 0, 0}}};
    struct ofd_rect frame = {10, 10, 190, 277};
    struct ofd_path path = {&frame, 1, 0, 0.8, {150, 40, 30}, 0};
    struct sm2_signer signer = {k, KEYS_SM2_SIGNER, 0};
    struct ofd_signer s = {sm2_sign_cb, &signer, {NULL, 0}};
    struct ofd_stamp stamp = {{seal->data, seal->len}, {115, 215, 40, 40}, WHEN, &s, 0};
    struct ofd_doc doc = {.doc_id = "0123456789abcdef0123456789abcdef",
                          .creator = "Jianpei",
                          .creation_date = "2025-12-03",
                          .fonts = &font,
                          .nfonts = 1,
                          .page = {210, 297, &path, 1, NULL, 0, texts, 2}};
    char err[256] = "";

    snprintf(text, sizeof text, "%s", no);
    make_font(&ttf, "0123456789X" AUTHORITY);
    font = (struct ofd_font){"AR PL UMing CN", "AR PL UMing", {ttf.data, ttf.len}, {NULL, 0}};
    CHECK_INT(keys_sm2_cert_der(k, KEYS_SM2_SIGNER, &s.cert.p, &s.cert.n), 0);
    jp_buf_init(out, OFD_MAX_OUTPUT);
    CHECK_INT(ofd_write(&doc, &stamp, out, err, sizeof err), 0);
    jp_buf_free(&ttf);
}

/* Overwrites every occurrence of from (len bytes) in b by to (same length). */
static int replace_all(struct jp_buf *b, const struct jp_buf *from, const struct jp_buf *to)
{
    unsigned char *p = b->data, *end = b->data + b->len;
    int n = 0;

    while (from->len == to->len && p + from->len <= end &&
           (p = memmem(p, (size_t)(end - p), from->data, from->len)) != NULL) {
        memcpy(p, to->data, to->len);
        p += to->len;
        n++;
    }
    return n;
}

struct tampers {
    struct jp_buf content, seal_image, added;
};

/* content and added from the issued package pkg; the seal image from own (the test's seal). */
static void make_tampers(const struct jp_buf *pkg, const struct jp_buf *own,
                         const struct jp_buf *png_a, const struct jp_buf *png_b, const char *no,
                         struct tampers *t)
{
    struct jp_buf content, val;
    char scratch[400], *p;

    path_in(scratch, sizeof scratch, "surgery.zip");
    CHECK_INT(zip_get(pkg, "Doc_0/Pages/Page_0/Content.xml", &content), 0);
    CHECK(jp_buf_append(&content, "", 1) == 0); /* NUL for strstr */
    p = strstr((char *)content.data, no);
    CHECK(p != NULL);
    if (p != NULL)
        p[10] = p[10] == '9' ? '8' : (char)(p[10] + 1); /* one digit of the serial */
    zip_put(pkg, "Doc_0/Pages/Page_0/Content.xml", content.data, content.len - 1, scratch,
            &t->content);
    /* the seal's picture swapped for another of the same size in its one copy, the seal
     * inside SignedValue.dat */
    CHECK_INT(zip_get(own, "Doc_0/Signs/Sign_0/SignedValue.dat", &val), 0);
    CHECK(replace_all(&val, png_a, png_b) == 1);
    zip_put(own, "Doc_0/Signs/Sign_0/SignedValue.dat", val.data, val.len, scratch, &t->seal_image);
    zip_put(pkg, "Doc_0/Res/note.txt", "added", 5, scratch, &t->added);
    jp_buf_free(&content);
    jp_buf_free(&val);
}

/* --- the store, as the issuer will fill it (SPEC §11's contract) ------------- */

static int accept_cb(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                     const unsigned char *sig, size_t siglen)
{
    (void)ctx, (void)cert, (void)data, (void)len, (void)sig, (void)siglen;
    return 1;
}

struct stored {
    const char *no;           /* certificate */
    const struct jp_buf *pkg; /* its package */
    uint16_t version;         /* which file version it is */
    int current;              /* also the "ofds" value */
    unsigned char file[32];   /* SHA-256 of pkg */
    unsigned char seal[32];   /* SHA-256 of its SignedValue.dat */
    int ofds;                 /* the database id */
};

static int put_fn(store_txn *txn, void *arg)
{
    const struct stored *s = arg;
    int rc = 0;

    if (s->current)
        rc = store_put(txn, s->ofds, s->no, 18, s->pkg->data, s->pkg->len, 0);
    if (rc == 0)
        rc = store_digest_put(txn, STORE_DIGEST_OFD_FILE, s->file, s->no, s->version);
    if (rc == 0)
        rc = store_digest_put(txn, STORE_DIGEST_OFD_SEAL, s->seal, s->no, s->version);
    return rc;
}

static uint16_t file_version(store *st, const char *no)
{
    struct store_cert c;
    store_txn *txn = NULL;
    uint16_t v = 0;

    if (store_read_begin(st, &txn) == 0 && store_cert_get(txn, no, &c) == 0)
        v = c.file_version;
    store_read_end(txn);
    jp_cleanse(&c, sizeof c);
    return v;
}

/* Records pkg as file version (current - older) of no in the digest index, not in "ofds". */
static void store_pkg(store *st, int ofds, const char *no, const struct jp_buf *pkg, int older)
{
    struct ofd_verifier v = {accept_cb, NULL};
    struct stored s = {no, pkg, 0, 0, {0}, {0}, ofds};
    struct ofd_report r;

    s.version = (uint16_t)(file_version(st, no) - (older ? 1 : 0));
    CHECK(s.version >= 1);
    SHA256(pkg->data, pkg->len, s.file);
    CHECK_INT(ofd_verify(pkg->data, pkg->len, &v, &r), 0);
    CHECK(r.verdict == OFD_INTACT && r.have_signed_value);
    memcpy(s.seal, r.signed_value_sha256, 32);
    ofd_report_free(&r);
    CHECK_INT(store_write(st, put_fn, &s), 0);
}

struct del_arg {
    int db;
    const char *no;
};

static int del_fn(store_txn *txn, void *arg)
{
    const struct del_arg *a = arg;

    return store_del(txn, a->db, a->no, 18, NULL, 0);
}

/* --- the checks ------------------------------------------------------------- */

/* POST /api/v1/check-file with the package as the body: "status verdict[ number]". */
static const char *api_verdict(int port, const struct jp_buf *pkg)
{
    static char out[128];
    struct vc_resp r;
    json_t *j;

    snprintf(out, sizeof out, "(no answer)");
    if (vc_http(port, "POST", "/api/v1/check-file", "Content-Type: application/ofd\r\n", pkg->data,
                pkg->len, &r) != 0)
        return out;
    j = json_loadb((const char *)r.body, r.len, 0, NULL);
    snprintf(out, sizeof out, "%d %s%s%s", r.status,
             json_string_value(json_object_get(j, "verdict")) ?: "?",
             json_object_get(j, "certificate_no") != NULL ? " " : "",
             json_string_value(json_object_get(j, "certificate_no")) ?: "");
    CHECK(j != NULL && strcmp(json_string_value(json_object_get(j, "format")) ?: "", "ofd") == 0);
    json_decref(j);
    vc_resp_free(&r);
    return out;
}

/* The "seal" member of the check-file answer for pkg ("" when absent: not checked). */
static const char *seal_of(int port, const struct jp_buf *pkg)
{
    static char out[32];
    struct vc_resp r;
    json_t *j = NULL;

    out[0] = '\0';
    if (vc_http(port, "POST", "/api/v1/check-file", "Content-Type: application/ofd\r\n", pkg->data,
                pkg->len, &r) == 0)
        j = json_loadb((const char *)r.body, r.len, 0, NULL);
    snprintf(out, sizeof out, "%s", json_string_value(json_object_get(j, "seal")) ?: "");
    json_decref(j);
    vc_resp_free(&r);
    return out;
}

static const char *expect(const char *status_verdict, const char *no)
{
    static char out[128];

    snprintf(out, sizeof out, "%s%s%s", status_verdict, no != NULL ? " " : "", no ? no : "");
    return out;
}

/* The file check form (vc_form_check) with pkg; the page. The form itself must offer OFD. */
static int form_check(int port, const struct jp_buf *pkg, struct vc_resp *page)
{
    struct vc_resp form;
    int rc = vc_form_check(port, pkg->data, pkg->len, &form, page);

    CHECK(has(&form, "OFD") && has(&form, ".ofd"));
    vc_resp_free(&form);
    return rc;
}

static void test_file_check(int port, const struct holder *h, const struct jp_buf *good,
                            const struct jp_buf *v1, const struct jp_buf *v2,
                            const struct jp_buf *own, const struct tampers *t,
                            const struct jp_buf *foreign)
{
    struct vc_resp page;

    CHECK_STR(api_verdict(port, good), expect("200 identical", h[0].no));
    CHECK_STR(api_verdict(port, v1), expect("200 older_version", h[1].no));
    CHECK_STR(api_verdict(port, v2), expect("200 identical", h[1].no));
    CHECK_STR(api_verdict(port, own), expect("200 identical", h[2].no));
    CHECK_STR(api_verdict(port, &t->content), expect("200 modified", h[0].no));
    CHECK_STR(api_verdict(port, &t->seal_image), "200 modified");
    CHECK_STR(api_verdict(port, &t->added), expect("200 modified", h[0].no));
    CHECK_STR(api_verdict(port, foreign), "200 not_ours");
    /* a stored package is known by its digest, its seal not re-checked; the rest are */
    CHECK_STR(seal_of(port, good), "");
    CHECK_STR(seal_of(port, &t->content), "modified");
    CHECK_STR(seal_of(port, &t->added), "modified");
    CHECK_STR(seal_of(port, foreign), "modified"); /* held by no certificate of our list */
    CHECK(form_check(port, good, &page) == 0 && page.status == 200);
    CHECK(has(&page, "原件一致") && !has(&page, "验证未通过") && has(&page, "有效") &&
          !has(&page, h[0].name) && !has(&page, h[0].id));
    vc_resp_free(&page);
    CHECK(form_check(port, &t->content, &page) == 0 && page.status == 200);
    CHECK(has(&page, "文件被改动") && has(&page, "OFD 电子签章验证未通过") &&
          !has(&page, "原件一致"));
    vc_resp_free(&page);
    CHECK(form_check(port, foreign, &page) == 0 && page.status == 200);
    CHECK(has(&page, "非本机关签发") && !has(&page, "原件一致"));
    vc_resp_free(&page);
}

/* vc_verify_file against the home's trust list, its output logged as verify-file.out. */
static int verify_file(const char *file, int json, char *out, size_t outsz)
{
    char log[400];

    path_in(log, sizeof log, "verify-file.out");
    return vc_verify_file(verifier_bin, home, file, json, log, out, outsz);
}

static void save(const char *name, const struct jp_buf *b, char *path, size_t pathsz)
{
    path_in(path, pathsz, name);
    unlink(path);
    CHECK_INT(jp_write_file_excl(path, b->data, b->len, 0600), 0);
}

static int peer_check(const char *path)
{
    char *argv[] = {"/usr/bin/python3", CHECKER, (char *)path, NULL};
    char log[400];

    path_in(log, sizeof log, "ofd-check.out");
    return vc_run(argv, log);
}

static void test_verify_file(const char *pdf, const struct jp_buf *good, const struct tampers *t)
{
    char path[400], out[1024];
    struct {
        const char *name;
        const struct jp_buf *pkg;
    } bad[] = {
        {"content.ofd", &t->content}, {"seal-image.ofd", &t->seal_image}, {"added.ofd", &t->added}};
    char *usage[] = {verifier_bin, "verify-file", path, NULL};
    size_t i;

    CHECK_INT(verify_file(pdf, 0, out, sizeof out), 0);
    CHECK(strncmp(out, "pdf: valid\n", 11) == 0);
    save("good.ofd", good, path, sizeof path);
    CHECK_INT(verify_file(path, 0, out, sizeof out), 0);
    CHECK_STR(out, "ofd: valid\n");
    CHECK_INT(peer_check(path), 0);
    CHECK_INT(verify_file(path, 1, out, sizeof out), 0);
    CHECK(strstr(out, "\"verdict\": \"valid\"") != NULL ||
          strstr(out, "\"verdict\":\"valid\"") != NULL);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        save(bad[i].name, bad[i].pkg, path, sizeof path);
        if (bad[i].pkg == &t->seal_image) /* the test's own: no holder in it */
            cap_file(path, bad[i].name);
        CHECK_INT(verify_file(path, 0, out, sizeof out), 1);
        CHECK(strncmp(out, "ofd: modified\nreason: ", 22) == 0);
        CHECK(peer_check(path) != 0); /* the independent checker refuses it too */
    }
    CHECK_INT(verify_file(FOREIGN, 0, out, sizeof out), 1);
    CHECK(strncmp(out, "ofd: not_ours\nreason: ", 22) == 0);
    CHECK_INT(peer_check(FOREIGN), 0); /* genuine, only not ours: the trust list decides */
    /* a PDF with one byte changed outside its signature value */
    {
        unsigned char *b = NULL;
        size_t n = 0;
        struct jp_buf edited;

        CHECK_INT(jp_read_file(pdf, 8u << 20, &b, &n), 0);
        jp_buf_init(&edited, 8u << 20);
        CHECK(b != NULL && n > 200 && jp_buf_append(&edited, b, n) == 0);
        if (edited.len > 200)
            edited.data[150] ^= 0x01;
        save("edited.pdf", &edited, path, sizeof path);
        CHECK_INT(verify_file(path, 0, out, sizeof out), 1);
        CHECK(strncmp(out, "pdf: modified\n", 14) == 0);
        free(b);
        jp_buf_free(&edited);
    }
    path_in(path, sizeof path, "does-not-exist.ofd");
    CHECK_INT(verify_file(path, 0, out, sizeof out), 3);
    CHECK_INT(vc_run(usage, NULL), 2); /* no --trust */
    {
        char trust[400], zeros[65];
        char *pinned[] = {verifier_bin, "verify-file", (char *)pdf, "--trust",
                          trust,        "--pin",       zeros,       NULL};

        snprintf(trust, sizeof trust, "%s/trust-list.pem", home);
        memset(zeros, '0', 64);
        zeros[64] = '\0';
        CHECK_INT(vc_run(pinned, NULL), 3); /* a list under another root than the pinned one */
    }
}

/* --- the holder's download --------------------------------------------------- */

static int session_of(int port, const struct holder *h, char out[256])
{
    char token[32], cookie[96], body[512], hdrs[256], sc[256] = "";
    struct vc_resp r;
    int ok;

    if (vc_csrf(port, token, cookie) != 0)
        return -1;
    snprintf(hdrs, sizeof hdrs, "%sContent-Type: application/x-www-form-urlencoded\r\n", cookie);
    snprintf(body, sizeof body, "certificate_no=%s&claim_code=%s&id_last6=%s&csrf=%s", h->no,
             h->code, h->id + strlen(h->id) - 6, token);
    ok = vc_http(port, "POST", "/me", hdrs, body, strlen(body), &r) == 0 && r.status == 303 &&
         vc_header(&r, "Set-Cookie", sc, sizeof sc) == 0;
    vc_resp_free(&r);
    if (!ok)
        return -1;
    snprintf(out, 256, "Cookie: jp_csrf=%s; %.*s\r\n", token, (int)strcspn(sc, ";"), sc);
    return 0;
}

static void test_holder_download(int port, const struct holder *h, const struct jp_buf *good)
{
    char sess[256], path[64], v[256] = "";
    struct vc_resp r;

    snprintf(path, sizeof path, "/me/%s.ofd", h[0].no);
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 303 &&
          vc_header(&r, "Location", v, sizeof v) == 0 && strcmp(v, "/me") == 0);
    CHECK(r.len == 0 || memmem(r.body, r.len, "PK\x03\x04", 4) == NULL);
    vc_resp_free(&r);
    CHECK(session_of(port, &h[0], sess) == 0);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "下载 OFD 版") && has(&r, path));
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", path, sess, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(r.len == good->len && memcmp(r.body, good->data, r.len) == 0);
    CHECK(vc_header(&r, "Content-Type", v, sizeof v) == 0 && strcmp(v, "application/ofd") == 0);
    CHECK(vc_header(&r, "Content-Disposition", v, sizeof v) == 0 &&
          strncmp(v, "attachment", 10) == 0 && strstr(v, ".ofd") != NULL);
    vc_resp_free(&r);
    /* the holder's other certificate is not theirs; a certificate with no OFD is 404 */
    snprintf(path, sizeof path, "/me/%s.ofd", h[1].no);
    CHECK(vc_http(port, "GET", path, sess, NULL, 0, &r) == 0 && r.status == 404);
    vc_resp_free(&r);
    CHECK(session_of(port, &h[2], sess) == 0);
    snprintf(path, sizeof path, "/me/%s.ofd", h[2].no);
    CHECK(vc_http(port, "GET", path, sess, NULL, 0, &r) == 0 && r.status == 404);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0 && !has(&r, "下载 OFD 版") &&
          has(&r, ".pdf"));
    vc_resp_free(&r);
}

/* jianpei-issuer --home HOME ARGS...: exit status. */
static int issuer(const char *a, const char *b, const char *c, const char *d)
{
    char *argv[] = {issuer_bin, "--home", home, (char *)a, (char *)b, (char *)c, (char *)d, NULL};

    return vc_run(argv, NULL);
}

/* The issued OFD of no, as `jianpei-issuer ofd NO --out FILE` writes it, into out. */
static void issued_ofd(const char *no, const char *name, struct jp_buf *out)
{
    unsigned char *b = NULL;
    char path[400];
    size_t n = 0;

    path_in(path, sizeof path, name);
    CHECK_INT(issuer("ofd", no, "--out", path), 0);
    CHECK_INT(jp_read_file(path, OFD_MAX_INPUT, &b, &n), 0);
    jp_buf_init(out, OFD_MAX_INPUT);
    CHECK(b != NULL && jp_buf_append(out, b, n) == 0);
    free(b);
}

int main(void)
{
    struct holder h[3];
    struct jp_buf png_a, png_b, seal, good, v1, v2, own, foreign;
    struct tampers t;
    char spath[400], pdf[400], err[256] = "";
    const struct store_dbspec ofds = {STORE_OFDS_DB, 0};
    const struct store_opts opts = {0, 0, &ofds, 1};
    struct vc_daemon d;
    keys_sm2_t *sm2;
    store *st = NULL;
    unsigned char *fb = NULL;
    size_t i, fn = 0;
    int db = -1, ok = 1;

    signal(SIGPIPE, SIG_IGN);
    if (vc_scratch(dir, sizeof dir, "/tmp/jp-ofd-check-XXXXXX", home, sizeof home) != 0)
        return 3;
    CHECK(vc_bins(JP_BIN_DIR, issuer_bin, verifier_bin) == 0);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 3) == 0);
    for (i = 0; i < 3; i++)
        ok &=
            vc_holder(dir, i, h[i].no, h[i].name, h[i].id) == 0 && vc_claim(dir, i, h[i].code) == 0;
    CHECK(ok);
    /* the issuer's own packages: h[0]'s, and h[1]'s before and after a reissue */
    issued_ofd(h[0].no, "c0.ofd", &good);
    issued_ofd(h[1].no, "c1-v1.ofd", &v1);
    CHECK_INT(issuer("reissue", h[1].no, NULL, NULL), 0);
    issued_ofd(h[1].no, "c1-v2.ofd", &v2);
    CHECK(v1.len != v2.len || memcmp(v1.data, v2.data, v1.len) != 0);
    path_in(pdf, sizeof pdf, "c0.pdf");
    CHECK_INT(issuer("pdf", h[0].no, "--out", pdf), 0);

    sm2 = home_sm2();
    test_trust_list(sm2);
    test_trust_forged();
    /* the test's own package for h[2], sealed with the home's keys but its own seal image */
    make_png(&png_a, 230, 0);
    make_png(&png_b, 0, 160);
    CHECK(png_a.len == png_b.len);
    make_seal(sm2, &png_a, &seal);
    make_pkg(sm2, &seal, h[2].no, &own);
    make_tampers(&good, &own, &png_a, &png_b, h[0].no, &t);
    {
        char own_path[400];

        save("own.ofd", &own, own_path, sizeof own_path);
        cap_file(own_path, "own.ofd"); /* kept for docs/ofd.md's verify-file example */
    }
    CHECK_INT(jp_read_file(FOREIGN, 8u << 20, &fb, &fn), 0);
    jp_buf_init(&foreign, 8u << 20);
    CHECK(fb != NULL && jp_buf_append(&foreign, fb, fn) == 0);
    free(fb);

    /* h[2]: its digests are the test's package's, and "ofds" has none (as for a
     * certificate issued while the home had no SM2 keys) */
    snprintf(spath, sizeof spath, "%s/store", home);
    CHECK_INT(store_open_with(spath, 0, &opts, &st, err, sizeof err), 0);
    CHECK(st != NULL && store_db_by_name(st, STORE_OFDS_DB, &db) == 0);
    if (st != NULL) {
        struct del_arg del = {db, h[2].no};

        store_pkg(st, db, h[2].no, &own, 0);
        CHECK_INT(store_write(st, del_fn, &del), 0);
    }
    store_close(st);

    test_verify_file(pdf, &good, &t);
    {
        char err_path[400];
        char *argv[] = {verifier_bin, "--home",           home,
                        "--listen",   "127.0.0.1:0",      "--threads",
                        "2",          "--no-rate-limits", NULL};

        path_in(err_path, sizeof err_path, "verifier.err");
        if (vc_daemon_start(argv, err_path, &d) != 0) {
            CHECK(!"verifier started");
            return CHECK_DONE();
        }
    }
    test_file_check(d.port, h, &good, &v1, &v2, &own, &t, &foreign);
    test_holder_download(d.port, h, &good);
    CHECK(vc_daemon_stop(&d) == 0);
    {
        char *log = vc_slurp(d.err_path, NULL);

        CHECK(log != NULL && strstr(log, "/check/file") != NULL);
        for (i = 0; i < 3 && log != NULL; i++)
            CHECK(strstr(log, h[i].no) == NULL && strstr(log, h[i].id) == NULL &&
                  strstr(log, h[i].code) == NULL);
        free(log);
    }
    keys_sm2_free(sm2);
    jp_buf_free(&png_a), jp_buf_free(&png_b), jp_buf_free(&seal), jp_buf_free(&good);
    jp_buf_free(&v1), jp_buf_free(&v2), jp_buf_free(&own), jp_buf_free(&foreign);
    jp_buf_free(&t.content), jp_buf_free(&t.seal_image), jp_buf_free(&t.added);
    jp_remove_tree(dir);
    return CHECK_DONE();
}
