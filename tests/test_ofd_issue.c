/*
 * test_ofd_issue.c - the OFD of issued certificates (SPEC §11, issuance side)
 * through jianpei-issuer: init makes the SM2 hierarchy; issue stores a sealed
 * OFD beside each PDF (one holder with a photo, one with a name from CJK
 * extension B, 𠮷, drawn from HanaMin B); each stored package verifies with
 * ofd_verify against the home's SM2 certificates, and with the independent
 * checker (tests/peers/ofd-check.py: Python zipfile and SM3, npm sm-crypto
 * for the SES_Signature's SM2 signatures); its text holds the name and the
 * number; `jianpei-issuer ofd` writes the bytes the store holds (0600, no
 * overwrite without --force); both digests map to (number, version). A
 * correction gives a new OFD whose old digests map to version 1. ofd.js in
 * headless Chromium renders an issued package (ofdjs-issued.png stays in the
 * test logs). A home without SM2 keys issues PDFs and says so once; `keys
 * sm2-init` adds the keys, `check` then flags the certificate without an
 * OFD, and a reissue gives it one.
 */
#include "capture.h"
#include "check.h"
#include "ident.h"
#include "issuer_cli.h"
#include "keys.h"
#include "ofd.h"
#include "store.h"
#include "tmpl.h"
#include "util.h"
#include "ofd_lib.h"

#include <dirent.h>
#include <errno.h>
#include <hb.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECKER JP_SOURCE_DIR "/tests/peers/ofd-check.py"
#define RENDER JP_SOURCE_DIR "/tests/peers/ofd-render.py"
#define SMCRYPTO JP_SOURCE_DIR "/tests/peers/node_modules/sm-crypto/package.json"
#define NLINES 3

static const char authority[] = "广东省住房和城乡建设厅";
static const char *const names[NLINES] = {"张三丰", "𠮷䶮堃", "阿依古丽·买买提"};
static const char new_name[] = "张三峰";
static char dir[64], home[128], home2[128];
static char nos[NLINES][19];

/* ---------------------------------------------------------------- intake */

/* Writes the intake of n lines (from names) to path; registers the holders. */
static void write_intake(const char *path, size_t n, int seq0)
{
    char id[IDENT_CITIZEN_ID_LEN + 1];
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    if (f == NULL)
        return;
    intake_id(id, "440103", "19900101", seq0 + 1);
    intake_line(f, names[0], "男", id, "01", "01", "2026-10-15", 80, "photo.jpg");
    if (n > 1) {
        intake_id(id, "440303", "19850615", seq0 + 2);
        intake_line(f, names[1], "女", id, "05", "01", "2026-10-15", 80, NULL);
    }
    if (n > 2) {
        intake_id(id, "440604", "19920304", seq0 + 4);
        intake_line(f, names[2], "女", id, "10", "01", "2026-10-15", 80, NULL);
    }
    fclose(f);
    CHECK_INT(cap_holders(path), 0);
}

/* Issues path into h; the numbers of the first n lines into out. stderr to errfile. */
static void issue(const char *h, const char *path, size_t n, char out[][19], const char *errfile)
{
    char report[256];
    json_error_t e;
    json_t *r, *a;

    snprintf(report, sizeof report, "%s.report.json", path);
    CHECK_INT(sh(ISSUER " --home %s issue --input %s --report %s 2>%s", h, path, report, errfile),
              0);
    CHECK_INT(cap_file(report, "report.json"), 0);
    CHECK_INT(cap_claim_codes(report), 0);
    CHECK_INT(cap_file(errfile, "issue-stderr.txt"), 0);
    r = json_load_file(report, 0, &e);
    a = r != NULL ? json_object_get(r, "issued") : NULL;
    CHECK(a != NULL && json_array_size(a) == n);
    for (size_t i = 0; i < n && a != NULL && i < json_array_size(a); i++)
        snprintf(out[i], 19, "%s",
                 json_string_value(json_object_get(json_array_get(a, i), "certificate_no")));
    json_decref(r);
}

/* ------------------------------------------------------------- the store */

/* A read transaction on h's store opened with the extra databases dbs[0..n-1]; the caller
 * ends it and closes *s. */
static store_txn *read_begin(const char *h, const struct store_dbspec *dbs, size_t n, store **s)
{
    struct store_opts so = {.extra = dbs, .n_extra = n};
    char path[256], err[256] = "";
    store_txn *txn = NULL;

    snprintf(path, sizeof path, "%s/store", h);
    CHECK_INT(store_open_with(path, STORE_RDONLY, &so, s, err, sizeof err), 0);
    CHECK(*s != NULL && store_read_begin(*s, &txn) == 0);
    return txn;
}

/* What the issuer's database name holds for no, into out (empty when none). */
static void stored_value(const char *h, const char *name, const char *no, struct jp_buf *out)
{
    const struct store_dbspec dbs[] = {{name, STORE_DB_OPTIONAL}};
    store *s = NULL;
    store_txn *txn = read_begin(h, dbs, 1, &s);
    int db = 0;

    jp_buf_init(out, OFD_MAX_OUTPUT);
    CHECK(s != NULL && store_db_by_name(s, name, &db) == 0);
    if (txn != NULL && store_get_copy(txn, db, no, STORE_CERT_NO_LEN, out) != 0)
        jp_buf_reset(out);
    store_read_end(txn);
    store_close(s);
}

/*
 * The photo of no as the issuer's reissue and the verifier's pages read it
 * (store_photo_get, then ofd_ref_value), into out; returns their first error.
 */
static int read_photo(const char *h, const char *no, struct jp_buf *out)
{
    const struct store_dbspec dbs[] = {{STORE_PHOTOS_DB, STORE_DB_OPTIONAL},
                                       {STORE_OFDS_DB, STORE_DB_OPTIONAL}};
    struct store_photo p;
    store *s = NULL;
    store_txn *txn = read_begin(h, dbs, 2, &s);
    int rc = txn != NULL ? store_photo_get(txn, no, &p) : EINVAL;

    jp_buf_init(out, 1u << 20);
    if (rc == 0)
        rc = ofd_ref_value(p.photo.p, p.photo.n, p.pkg.p, p.pkg.n, out);
    store_read_end(txn);
    store_close(s);
    return rc;
}

/* The OFD the store holds for no, into out (empty when none). */
static void stored_ofd(const char *h, const char *no, struct jp_buf *out)
{
    stored_value(h, STORE_OFDS_DB, no, out);
}

/*
 * The photo kept for no: want 'r' a reference into the stored OFD that resolves to the
 * test photo's bytes, 'b' the photo's bytes themselves, '-' none.
 */
static void check_photo(const char *h, const char *no, char want)
{
    struct jp_buf val, pkg, got, photo;
    unsigned char *p = NULL;
    size_t n = 0;

    stored_value(h, STORE_PHOTOS_DB, no, &val);
    stored_ofd(h, no, &pkg);
    CHECK_INT(jp_read_file(JP_SOURCE_DIR "/tests/fixtures/render/photo.jpg", 1u << 20, &p, &n), 0);
    jp_buf_init(&photo, 1u << 20);
    CHECK_INT(jp_buf_append(&photo, p, n), 0);
    jp_buf_init(&got, 1u << 20);
    if (want == 'r') {
        CHECK(ofd_is_ref(val.data, val.len) && val.len <= OFD_REF_MAX);
        CHECK_INT(ofd_ref_resolve(val.data, val.len, pkg.data, pkg.len, &got), 0);
        CHECK(got.len == n && memcmp(got.data, p, n) == 0);
    } else if (want == 'b') {
        CHECK(!ofd_is_ref(val.data, val.len) && val.len == n && memcmp(val.data, p, n) == 0);
    } else {
        CHECK_INT(val.len, 0);
    }
    jp_buf_free(&got);
    CHECK_INT(read_photo(h, no, &got), want == '-' ? STORE_ENOTFOUND : 0);
    CHECK(want == '-' ? got.len == 0 : got.len == n && memcmp(got.data, p, n) == 0);
    jp_buf_free(&val), jp_buf_free(&pkg), jp_buf_free(&got), jp_buf_free(&photo);
    free(p);
}

/*
 * The photo is kept once (issuer/photo.c): the photos database of line 1 holds a reference
 * into its OFD package, which holds the photo's bytes; a reference never yields other bytes
 * (a package whose photo was changed, a package without it, a damaged reference).
 */
static void test_photo_once(void)
{
    char scratch[256], name[OFD_MAX_NAME + 1];
    static const char not_it[] = "\xff\xd8 not the photo";
    struct jp_buf val, pkg, other, swapped, got;
    unsigned char *bad;

    check_photo(home, nos[0], 'r');
    check_photo(home, nos[1], '-');
    stored_value(home, STORE_PHOTOS_DB, nos[0], &val);
    stored_ofd(home, nos[0], &pkg);
    stored_ofd(home, nos[1], &other);
    jp_buf_init(&got, 1u << 20);
    CHECK_INT(ofd_ref_resolve(val.data, val.len, other.data, other.len, &got), OFD_ENOFILE);
    snprintf(scratch, sizeof scratch, "%s/surgery.zip", dir);
    /* the file the reference names (its bytes after the 8-byte magic and the SHA-256) */
    snprintf(name, sizeof name, "%.*s", val.len > 40 ? (int)(val.len - 40) : 0,
             val.len > 40 ? (const char *)val.data + 40 : "");
    CHECK_STR(name, "Doc_0/Res/image_2.jpg");
    zip_put(&pkg, name, not_it, sizeof not_it - 1, scratch, &swapped);
    CHECK_INT(ofd_ref_resolve(val.data, val.len, swapped.data, swapped.len, &got), OFD_ENOFILE);
    CHECK_INT(got.len, 0);
    bad = val.len > 0 ? malloc(val.len) : NULL;
    CHECK(bad != NULL);
    if (bad != NULL) {
        memcpy(bad, val.data, val.len);
        bad[12] ^= 1; /* one bit of its SHA-256 */
        CHECK_INT(ofd_ref_resolve(bad, val.len, pkg.data, pkg.len, &got), OFD_ENOFILE);
        CHECK_INT(ofd_ref_resolve(bad, 20, pkg.data, pkg.len, &got), OFD_EINVAL);
        CHECK_INT(got.len, 0);
    }
    CHECK(!ofd_is_ref("\xff\xd8\xff\xe0", 4));
    /* a reference without its package is no photo; bytes are the photo whatever the package */
    CHECK_INT(ofd_ref_value(val.data, val.len, NULL, 0, &got), OFD_ENOFILE);
    CHECK_INT(got.len, 0);
    CHECK_INT(ofd_ref_value(not_it, sizeof not_it - 1, pkg.data, pkg.len, &got), 0);
    CHECK(got.len == sizeof not_it - 1 && memcmp(got.data, not_it, got.len) == 0);
    jp_buf_reset(&got);
    CHECK_INT(ofd_ref_make(other.data, other.len, "no such file", 12, &got), OFD_ENOFILE);
    free(bad);
    jp_buf_free(&val), jp_buf_free(&pkg), jp_buf_free(&other), jp_buf_free(&swapped);
    jp_buf_free(&got);
}

/* The (number, version) digest d of kind maps to; version 0 when none. */
static unsigned digest_version(const char *h, enum store_digest_kind kind,
                               const unsigned char d[32], char no[19])
{
    char path[256], err[256] = "";
    struct store_digest g;
    store *s = NULL;
    store_txn *txn = NULL;
    unsigned v = 0;

    snprintf(path, sizeof path, "%s/store", h);
    CHECK_INT(store_open(path, STORE_RDONLY, &s, err, sizeof err), 0);
    CHECK(s != NULL && store_read_begin(s, &txn) == 0);
    if (txn != NULL && store_digest_get(txn, kind, d, &g) == 0) {
        v = g.file_version;
        snprintf(no, 19, "%s", g.certificate_no);
    }
    store_read_end(txn);
    store_close(s);
    return v;
}

/* SHA-256 of the whole package and of its SignedValue.dat (found by the checker). */
static void ofd_digests(const struct jp_buf *pkg, const char *file, unsigned char whole[32],
                        unsigned char seal[32])
{
    char hex[128] = "";

    SHA256(pkg->data, pkg->len, whole);
    CHECK_INT(sh_out(hex, sizeof hex,
                     "python3 -c 'import sys,zipfile,hashlib; print(hashlib.sha256(zipfile."
                     "ZipFile(sys.argv[1]).read(\"Doc_0/Signs/Sign_0/SignedValue.dat\"))."
                     "hexdigest())' %s",
                     file),
              0);
    CHECK(strlen(hex) >= 64);
    hex[64] = '\0';
    CHECK_INT(jp_hex_decode(hex, seal, 32), 0);
}

/* -------------------------------------------------------- verification */

static keys_sm2_t *home_sm2(const char *h)
{
    char kdir[256], err[256] = "";
    keys_sm2_t *k = NULL;

    snprintf(kdir, sizeof kdir, "%s/keys", h);
    CHECK_INT(keys_sm2_load(kdir, 0, NULL, 0, &k, err, sizeof err), 0);
    return k;
}

/* ofd_verify's verdict on pkg with h's SM2 certificates; the signer must be h's. */
static enum ofd_verdict verdict(const char *h, const struct jp_buf *pkg)
{
    keys_sm2_t *k = home_sm2(h);
    struct ofd_verifier v = {sm2_verify_cb, k};
    struct ofd_report r;
    const unsigned char *der = NULL;
    size_t derlen = 0;
    enum ofd_verdict out = OFD_NOT_SIGNED;

    if (k == NULL)
        return out;
    CHECK_INT(ofd_verify(pkg->data, pkg->len, &v, &r), 0);
    out = r.verdict;
    if (out != OFD_INTACT)
        fprintf(stderr, "ofd_verify: %s (%s)\n", ofd_verdict_name(out), r.reason);
    CHECK_INT(keys_sm2_cert_der(k, KEYS_SM2_SIGNER, &der, &derlen), 0);
    if (out == OFD_INTACT)
        CHECK(r.signer_cert.len == derlen && memcmp(r.signer_cert.data, der, derlen) == 0);
    ofd_report_free(&r);
    keys_sm2_free(k);
    return out;
}

/* Writes no's OFD with `jianpei-issuer ofd` to file and reads it back (must equal the store's). */
static void written_ofd(const char *h, const char *no, const char *file, struct jp_buf *out)
{
    struct jp_buf st;
    struct stat sb;
    unsigned char *b = NULL;
    size_t n = 0;

    unlink(file);
    CHECK_INT(sh(ISSUER " --home %s ofd %s --out %s >/dev/null", h, no, file), 0);
    CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK_INT(jp_read_file(file, OFD_MAX_INPUT, &b, &n), 0);
    stored_ofd(h, no, &st);
    CHECK(st.len > 1000 && st.len == n && memcmp(st.data, b, n) == 0);
    jp_buf_init(out, OFD_MAX_INPUT);
    CHECK_INT(jp_buf_append(out, b, n), 0);
    free(b);
    jp_buf_free(&st);
}

/*
 * The text the independent checker extracts from the package's Content.xml,
 * one text object a line, with the lines joined: a name whose characters come
 * from two faces (𠮷 from HanaMin B, 䶮堃 from UMing) is two objects.
 */
static void text_of(const char *file, char *out, size_t outsz)
{
    char *w = out;

    CHECK_INT(sh_out(out, outsz, "python3 '%s' --text '%s'", CHECKER, file), 0);
    for (const char *r = out; *r != '\0'; r++)
        if (*r != '\n')
            *w++ = *r;
    *w = '\0';
}

/* ----------------------------------------------------------------- tests */

static void test_issued(void)
{
    char file[256], text[16384], dno[19];
    unsigned char whole[32], seal[32];

    CHECK(access(SMCRYPTO, R_OK) == 0); /* scripts/install-peers.sh: npm ci in tests/peers */
    for (int i = 0; i < NLINES; i++) {
        struct jp_buf pkg;

        snprintf(file, sizeof file, "%s/%d.ofd", dir, i);
        written_ofd(home, nos[i], file, &pkg);
        CHECK_INT(verdict(home, &pkg), OFD_INTACT);
        CHECK_INT(sh("python3 '%s' '%s' >&2", CHECKER, file), 0); /* sm-crypto: SES_Signature */
        text_of(file, text, sizeof text);
        CHECK(strstr(text, names[i]) != NULL && strstr(text, nos[i]) != NULL &&
              strstr(text, authority) != NULL);
        /* the photo of line 1 is embedded (as photo_fit's JPEG), the others have none */
        CHECK_INT(sh("unzip -l '%s' | grep -q 'Doc_0/Res/image_.*\\.jpg'", file), i == 0 ? 0 : 1);
        ofd_digests(&pkg, file, whole, seal);
        CHECK_INT(digest_version(home, STORE_DIGEST_OFD_FILE, whole, dno), 1);
        CHECK_STR(dno, nos[i]);
        CHECK_INT(digest_version(home, STORE_DIGEST_OFD_SEAL, seal, dno), 1);
        CHECK_STR(dno, nos[i]);
        /* the PDF's kinds do not know the OFD */
        CHECK_INT(digest_version(home, STORE_DIGEST_FILE, whole, dno), 0);
        jp_buf_free(&pkg);
    }
}

/* One byte of the issued package changed inside Content.xml's compressed data: refused. */
/*
 * 1 when one of the font files in directory fonts maps cp through its cmap
 * to a glyph with an outline (readers draw TextCode through the cmap).
 */
static int fonts_draw(const char *fonts, uint32_t cp)
{
    char path[512];
    struct dirent *e;
    DIR *dp = opendir(fonts);
    int found = 0;

    while (dp != NULL && !found && (e = readdir(dp)) != NULL) {
        unsigned char *data = NULL;
        size_t len = 0;
        hb_codepoint_t gid = 0;
        hb_glyph_extents_t ext = {0};
        if (e->d_name[0] == '.' ||
            snprintf(path, sizeof path, "%s/%s", fonts, e->d_name) >= (int)sizeof path ||
            jp_read_file(path, 16u << 20, &data, &len) != 0)
            continue;
        hb_blob_t *blob =
            hb_blob_create((const char *)data, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
        hb_face_t *face = hb_face_create(blob, 0);
        hb_font_t *font = hb_font_create(face);
        found = hb_font_get_nominal_glyph(font, cp, &gid) && gid != 0 &&
                hb_font_get_glyph_extents(font, gid, &ext) && ext.width != 0;
        hb_font_destroy(font);
        hb_face_destroy(face);
        hb_blob_destroy(blob);
        free(data);
    }
    if (dp != NULL)
        closedir(dp);
    return found;
}

/*
 * Each character of every issued holder's name, 𠮷 (from HanaMin B, above
 * the BMP) too, is drawn by one of its package's embedded fonts.
 */
static void test_fonts_cover(void)
{
    char file[256], fonts[256];

    for (int i = 0; i < NLINES; i++) {
        const unsigned char *p = (const unsigned char *)names[i];
        size_t n = strlen(names[i]), used;
        uint32_t cp;
        snprintf(file, sizeof file, "%s/%d.ofd", dir, i);
        snprintf(fonts, sizeof fonts, "%s/fonts-%d", dir, i);
        CHECK_INT(sh("unzip -q -o -j '%s' 'Doc_0/Res/font_*' -d '%s'", file, fonts), 0);
        for (; n > 0 && (used = jp_utf8_decode(p, n, &cp)) > 0; p += used, n -= used)
            CHECK(fonts_draw(fonts, cp));
        CHECK(n == 0);
    }
}

static void test_tampered(void)
{
    char file[256], bad[256];
    struct jp_buf pkg;
    size_t i;

    snprintf(file, sizeof file, "%s/0.ofd", dir);
    snprintf(bad, sizeof bad, "%s/bad.ofd", dir);
    stored_ofd(home, nos[0], &pkg);
    for (i = 0; i + 30 < pkg.len; i++)
        if (memcmp(pkg.data + i, "Doc_0/Pages/Page_0/Content.xml", 30) == 0)
            break;
    CHECK(i + 300 < pkg.len);
    if (i + 300 < pkg.len)
        pkg.data[i + 30 + 200] ^= 0x01;
    CHECK(verdict(home, &pkg) != OFD_INTACT);
    unlink(bad);
    CHECK_INT(jp_write_file_excl(bad, pkg.data, pkg.len, 0600), 0);
    CHECK_INT(sh("python3 '%s' '%s' >&2", CHECKER, bad), 1);
    jp_buf_free(&pkg);
}

static void test_command(void)
{
    char file[256], out[4096];
    struct stat a, b;

    snprintf(file, sizeof file, "%s/force.ofd", dir);
    CHECK_INT(sh(ISSUER " --home %s ofd %s --out %s >/dev/null", home, nos[0], file), 0);
    CHECK(stat(file, &a) == 0);
    CHECK_INT(sh(ISSUER " --home %s ofd %s --out %s 2>%s/ow.err", home, nos[1], file, dir), 3);
    CHECK_INT(sh("grep -q 'refusing to overwrite' %s/ow.err", dir), 0);
    CHECK(stat(file, &b) == 0 && a.st_size == b.st_size && a.st_mtime == b.st_mtime);
    CHECK_INT(sh("cmp -s %s %s/0.ofd", file, dir), 0);
    CHECK_INT(sh(ISSUER " --home %s ofd %s --out %s --force >/dev/null", home, nos[1], file), 0);
    CHECK_INT(sh("cmp -s %s %s/1.ofd", file, dir), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s ofd --help", home), 0);
    CHECK(strstr(out, "--force") != NULL && strstr(out, "--out FILE") != NULL);
    CHECK_INT(sh(ISSUER " --home %s ofd %s 2>/dev/null", home, nos[0]), 2); /* --out missing */
    CHECK_INT(sh(ISSUER " --home %s ofd 4401202699 --out %s/none.ofd", home, dir), 2); /* bad no */
    CHECK(access(JP_SOURCE_DIR "/none.ofd", F_OK) != 0);
    CHECK(access(file, F_OK) == 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s check", home), 0);
    CHECK(strstr(out, "3 OFDs") != NULL && strstr(out, " 0 problems") != NULL);
}

/*
 * The QR ofd.js draws from the OFD's vector modules (rendered 2000 px wide,
 * ofdjs-issued-qr.png) reads, with zbarimg, as the QR of the PDF (150 dpi).
 */
static void test_render_qr(const char *file)
{
    char png[700], html[256], pdf[256], from_ofd[1024] = "", from_pdf[1024] = "";

    snprintf(html, sizeof html, "%s/render-big.html", dir);
    snprintf(pdf, sizeof pdf, "%s/0.pdf", dir);
    CHECK(jp_path_join(png, sizeof png, cap_dir(), "ofdjs-issued-qr.png") == 0);
    CHECK_INT(sh("JP_OFD_RENDER_WIDTH=2000 python3 '%s' '%s' '%s' '%s'", RENDER, file, png, html),
              0);
    CHECK_INT(sh_out(from_ofd, sizeof from_ofd, "zbarimg -q --raw -Sdisable -Sqrcode.enable '%s'", png), 0);
    CHECK_INT(sh(ISSUER " --home %s pdf %s --out %s >/dev/null", home, nos[0], pdf), 0);
    CHECK_INT(sh("pdftoppm -r 150 -png %s %s/0p", pdf, dir), 0);
    CHECK_INT(sh_out(from_pdf, sizeof from_pdf, "zbarimg -q --raw -Sdisable -Sqrcode.enable %s/0p-1.png", dir), 0);
    CHECK(strstr(from_pdf, "/V/") != NULL && strstr(from_pdf, nos[0]) != NULL);
    CHECK_STR(from_ofd, from_pdf);
}

/*
 * ofd.js draws the issued page (ofdjs-issued.png in the test logs): the name,
 * the number and the authority as text, and the seal's picture from
 * SignedValue.dat (its PNG signature and IHDR, as tmpl_seal_png makes it from
 * the home's template, found as a data: URL). ofd.js 0.2.6 draws nothing for
 * a page with a character outside the BMP (test_ofd.c), so the rare name's
 * certificate is not given to it.
 */
static void test_render(void)
{
    char file[256], png[700], html[256], tpath[256], err[256] = "";
    unsigned char *dom = NULL, b64[64];
    struct tmpl *t = NULL;
    struct jp_buf text, seal;
    unsigned side = 0;

    snprintf(file, sizeof file, "%s/0.ofd", dir);
    snprintf(html, sizeof html, "%s/render.html", dir);
    dom = ofdjs_render(file, "ofdjs-issued.png", html, png, sizeof png, &text);
    if (dom == NULL)
        return;
    CHECK(text.data != NULL && strstr((char *)text.data, names[0]) != NULL &&
          strstr((char *)text.data, nos[0]) != NULL &&
          strstr((char *)text.data, authority) != NULL);
    snprintf(tpath, sizeof tpath, "%s/certificate.tmpl", home);
    CHECK_INT(tmpl_load(tpath, &t, err, sizeof err), 0);
    jp_buf_init(&seal, 4u << 20);
    CHECK(t != NULL && tmpl_seal_png(t, authority, &seal, &side) == 0 && seal.len > 33 &&
          side == 40);
    if (seal.len > 33) {
        CHECK_INT(EVP_EncodeBlock(b64, seal.data, 33), 44);
        CHECK(strstr((char *)dom, (char *)b64) != NULL);
    }
    tmpl_free(t);
    jp_buf_free(&seal);
    jp_buf_free(&text);
    free(dom);
    test_render_qr(file);
}

/* A correction: version 2 has its own OFD with the new name; version 1's digests stay. */
static void test_correction(void)
{
    char file[256], text[16384], dno[19];
    unsigned char whole1[32], seal1[32], whole2[32], seal2[32];
    struct jp_buf old, cur;

    snprintf(file, sizeof file, "%s/0.ofd", dir);
    stored_ofd(home, nos[0], &old);
    ofd_digests(&old, file, whole1, seal1);
    CHECK_INT(sh(ISSUER " --home %s correct %s --name %s --reason '姓名录入错误' >/dev/null", home,
                 nos[0], new_name),
              0);
    snprintf(file, sizeof file, "%s/0v2.ofd", dir);
    written_ofd(home, nos[0], file, &cur);
    CHECK(cur.len != old.len || memcmp(cur.data, old.data, old.len) != 0);
    CHECK_INT(verdict(home, &cur), OFD_INTACT);
    CHECK_INT(sh("python3 '%s' '%s' >&2", CHECKER, file), 0);
    text_of(file, text, sizeof text);
    CHECK(strstr(text, new_name) != NULL && strstr(text, names[0]) == NULL);
    ofd_digests(&cur, file, whole2, seal2);
    CHECK_INT(digest_version(home, STORE_DIGEST_OFD_FILE, whole1, dno), 1);
    CHECK_INT(digest_version(home, STORE_DIGEST_OFD_SEAL, seal1, dno), 1);
    CHECK_INT(digest_version(home, STORE_DIGEST_OFD_FILE, whole2, dno), 2);
    CHECK_STR(dno, nos[0]);
    CHECK_INT(digest_version(home, STORE_DIGEST_OFD_SEAL, seal2, dno), 2);
    CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 0);
    check_photo(home, nos[0], 'r'); /* into version 2's package */
    jp_buf_free(&old);
    jp_buf_free(&cur);
}

/* A home made before SPEC §11 (no SM2 keys): PDFs only, said once; sm2-init; check; reissue. */
static void test_old_home(void)
{
    char in[256], err[256], out[8192], file[256], one[1][19];
    int notes = 0;
    struct jp_buf pkg;

    CHECK_INT(issuer_init(home2), 0);
    CHECK_INT(sh("rm %s/keys/sm2-root.pem %s/keys/sm2-root.key %s/keys/sm2-sign.pem "
                 "%s/keys/sm2-sign.key",
                 home2, home2, home2, home2),
              0);
    snprintf(in, sizeof in, "%s/old.jsonl", dir);
    snprintf(err, sizeof err, "%s/old.err", dir);
    CHECK_INT(sh("cp %s/tests/fixtures/render/photo.jpg %s/photo.jpg", JP_SOURCE_DIR, dir), 0);
    write_intake(in, 1, 100);
    issue(home2, in, 1, one, err);
    CHECK_INT(sh_out(out, sizeof out, "cat %s", err), 0);
    for (const char *q = out; (q = strstr(q, "no SM2 keys")) != NULL; q++)
        notes++;
    CHECK_INT(notes, 1);
    CHECK(strstr(out, "keys sm2-init") != NULL);
    snprintf(file, sizeof file, "%s/old.ofd", dir);
    CHECK_INT(sh(ISSUER " --home %s ofd %s --out %s", home2, one[0], file), 3);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s check", home2), 0);
    CHECK(strstr(out, "OFDs") == NULL);
    check_photo(home2, one[0], 'b'); /* no package to refer into */

    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s keys sm2-init", home2), 0);
    CHECK(strstr(out, "SM2 root and signing certificate written") != NULL);
    CHECK_INT(sh(ISSUER " --home %s audit verify >/dev/null", home2), 0); /* keys-sm2-init */
    CHECK_INT(sh(ISSUER " --home %s keys sm2-init 2>%s/again.err", home2, dir), 3);
    CHECK_INT(sh("grep -q 'has SM2 keys already' %s/again.err", dir), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s check", home2), 3);
    CHECK(strstr(out, one[0]) != NULL && strstr(out, "no OFD stored") != NULL);

    CHECK_INT(sh(ISSUER " --home %s reissue %s >/dev/null 2>%s/re.err", home2, one[0], dir), 0);
    CHECK_INT(sh("grep -q 'no SM2 keys' %s/re.err", dir), 1);
    written_ofd(home2, one[0], file, &pkg);
    CHECK_INT(verdict(home2, &pkg), OFD_INTACT);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s check", home2), 0);
    CHECK(strstr(out, "1 OFDs") != NULL);
    check_photo(home2, one[0], 'r'); /* the reissue's package holds it now */
    jp_buf_free(&pkg);
}

int main(void)
{
    char in[256], err[256], path[256];
    struct stat sb;

    ofd_global_init();
    memcpy(dir, "/tmp/jp-ofdi-XXXXXX", sizeof("/tmp/jp-ofdi-XXXXXX"));
    CHECK(mkdtemp(dir) != NULL);
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(home2, sizeof home2, "%s/old-home", dir);
    CHECK_INT(issuer_init(home), 0);
    snprintf(path, sizeof path, "%s/keys/sm2-sign.key", home);
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    snprintf(err, sizeof err, "%s/issue.err", dir);
    CHECK_INT(sh("cp %s/tests/fixtures/render/photo.jpg %s/photo.jpg", JP_SOURCE_DIR, dir), 0);
    write_intake(in, NLINES, 0);
    issue(home, in, NLINES, nos, err);
    CHECK_INT(sh("grep -q 'no SM2 keys' %s", err), 1);
    test_issued();
    test_fonts_cover();
    test_photo_once();
    test_tampered();
    test_command();
    test_render();
    test_correction();
    test_old_home();
    if (check_failed == 0)
        CHECK_INT(sh("rm -r '%s'", dir), 0);
    return CHECK_DONE();
}
