/*
 * ofd.c - the OFD file of every certificate version (SPEC §11): the SM2
 * hierarchy of the home (keys/sm2.c) is loaded at issuer_open and the
 * electronic seal (SES_Seal: the template's seal picture, made by the SM2
 * root for the SM2 signing certificate) is made once per process; each
 * render seals its package with the signing key (tmpl_render_ofd), and the
 * package is put into STORE_OFDS_DB in the caller's write transaction with
 * its two digests (STORE_DIGEST_OFD_FILE, STORE_DIGEST_OFD_SEAL). A home
 * without SM2 keys (made before SPEC §11) issues PDFs only.
 */
#include "issuer_int.h"
#include "audit.h"
#include "files.h"
#include "keys.h"
#include "longterm.h"
#include "ofd.h"
#include "tmpl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#define ISSUER_SEAL_MAX (1u << 20) /* bytes of the SES_Seal DER */
#define ISSUER_OFD_SEALVALUE "Doc_0/Signs/Sign_0/SignedValue.dat"

static int sm2_sign_cb(void *ctx, const unsigned char *data, size_t len, unsigned char *sig,
                       size_t sigsz, size_t *siglen, char *err, size_t errlen)
{
    const struct issuer_ofd_signer *s = ctx;
    unsigned char buf[KEYS_SM2_SIG_MAX];
    int rc = keys_sm2_sign(s->sm2, s->which, data, len, buf, siglen, err, errlen);

    if (rc == 0 && *siglen > sigsz) {
        jp_errf(err, errlen, "sm2 signature longer than %zu bytes", sigsz);
        rc = EFBIG;
    }
    if (rc == 0)
        memcpy(sig, buf, *siglen);
    return rc;
}

int issuer_ofd_keys_present(const char *home)
{
    char kdir[JP_HOME_PATH_MAX], path[JP_HOME_PATH_MAX];

    if (jp_home_path(home, JP_HOME_KEYS, kdir) != 0 ||
        jp_path_join(path, sizeof path, kdir, "sm2-sign.key") != 0)
        return 0;
    return access(path, F_OK) == 0;
}

/* 1 when the PEM key file at path is encrypted (PKCS#8 EncryptedPrivateKeyInfo). */
static int key_encrypted(const char *kdir)
{
    char path[JP_HOME_PATH_MAX];
    unsigned char *pem = NULL;
    size_t len = 0;
    int enc = 0;

    if (jp_path_join(path, sizeof path, kdir, "sm2-sign.key") == 0 &&
        jp_read_file(path, 64u << 10, &pem, &len) == 0)
        enc = len > 31 && memcmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY", 32) == 0;
    jp_free_secret(pem, len);
    return enc;
}

/* The signing certificate's validity, for the seal's validStart and validEnd. */
static int cert_validity(const keys_sm2_t *k, time_t *start, time_t *end)
{
    const unsigned char *der, *p;
    size_t len;
    X509 *x;
    struct tm a, b;
    int ok;

    if (keys_sm2_cert_der(k, KEYS_SM2_SIGNER, &der, &len) != 0)
        return KEYS_E_CRYPTO;
    p = der;
    x = d2i_X509(NULL, &p, (long)len);
    ok = x != NULL && ASN1_TIME_to_tm(X509_get0_notBefore(x), &a) == 1 &&
         ASN1_TIME_to_tm(X509_get0_notAfter(x), &b) == 1;
    X509_free(x);
    if (!ok)
        return KEYS_E_CRYPTO;
    *start = timegm(&a);
    *end = timegm(&b);
    return 0;
}

/* The SES_Seal: the template's seal picture, the authority, made by the SM2 root. */
static int make_seal(issuer *is, char *err, size_t errlen)
{
    struct issuer_ofd *o = &is->ofd;
    struct issuer_ofd_signer maker = {o->sm2, KEYS_SM2_ROOT};
    struct ofd_signer s = {sm2_sign_cb, &maker, {NULL, 0}};
    struct jp_span signer;
    struct jp_buf png;
    unsigned char d[32];
    char hex[65];
    struct ofd_seal_info info;
    int rc;

    memset(&info, 0, sizeof info);
    jp_buf_init(&png, 4u << 20);
    rc = tmpl_seal_png(is->tmpl, is->cfg.authority, &png, &info.width_mm);
    if (rc != 0 && err[0] == '\0')
        jp_errf(err, errlen, "cannot draw the seal's picture: %s", tmpl_strerror(rc));
    if (rc == 0)
        rc = keys_sm2_cert_der(o->sm2, KEYS_SM2_ROOT, &s.cert.p, &s.cert.n);
    if (rc == 0)
        rc = keys_sm2_cert_der(o->sm2, KEYS_SM2_SIGNER, &signer.p, &signer.n);
    if (rc == 0)
        rc = cert_validity(o->sm2, &info.valid_start, &info.valid_end);
    if (rc == 0) {
        /* esID: the authority's USCC and the signing certificate's fingerprint */
        SHA256(signer.p, signer.n, d);
        jp_hex_encode(d, 8, hex);
        rc = jp_strf(o->es_id, sizeof o->es_id, "%s%s", is->cfg.authority_uscc, hex);
    }
    if (rc == 0) {
        info.vid = "Jianpei";
        info.es_id = o->es_id;
        info.type = 1;
        info.name = is->cfg.authority;
        info.signer_certs = &signer;
        info.nsigner_certs = 1;
        info.created = info.valid_start;
        info.picture_type = "PNG";
        info.picture = (struct jp_span){png.data, png.len};
        info.height_mm = info.width_mm;
        jp_buf_init(&o->seal, ISSUER_SEAL_MAX);
        rc = ofd_seal_make(&info, &s, &o->seal, err, errlen);
    }
    jp_buf_free(&png);
    return rc;
}

int issuer_ofd_open(issuer *is, const unsigned char *pass, size_t passlen, char *err, size_t errlen)
{
    char kdir[JP_HOME_PATH_MAX];
    int rc;

    if (!issuer_ofd_keys_present(is->home))
        return 0;
    ofd_global_init(); /* libxml2's first use is not thread-safe: before the workers start */
    rc = jp_home_path(is->home, JP_HOME_KEYS, kdir);
    if (rc == 0) {
        int enc = key_encrypted(kdir);
        rc =
            keys_sm2_load(kdir, 1, enc ? pass : NULL, enc ? passlen : 0, &is->ofd.sm2, err, errlen);
    }
    if (rc == 0)
        rc = make_seal(is, err, errlen);
    if (rc != 0) {
        keys_sm2_free(is->ofd.sm2);
        is->ofd.sm2 = NULL;
    }
    return rc;
}

void issuer_ofd_close(issuer *is)
{
    keys_sm2_free(is->ofd.sm2);
    is->ofd.sm2 = NULL;
    jp_buf_free(&is->ofd.seal);
}

int issuer_has_ofd(const issuer *is)
{
    return is->ofd.sm2 != NULL;
}

int render_ofd(issuer *is, const struct tmpl_fields *f, struct jp_buf *ofd, char *err,
               size_t errlen)
{
    struct issuer_ofd_signer signer = {is->ofd.sm2, KEYS_SM2_SIGNER};
    struct ofd_signer s = {sm2_sign_cb, &signer, {NULL, 0}};
    struct ofd_stamp st;
    unsigned char id[16];
    char doc_id[33];
    int rc;

    jp_buf_reset(ofd);
    if (is->ofd.sm2 == NULL)
        return 0;
    rc = keys_sm2_cert_der(is->ofd.sm2, KEYS_SM2_SIGNER, &s.cert.p, &s.cert.n);
    if (rc == 0 && RAND_bytes(id, sizeof id) != 1)
        rc = KEYS_E_CRYPTO;
    if (rc != 0) {
        jp_errf(err, errlen, "ofd: cannot prepare the signer");
        return rc;
    }
    jp_hex_encode(id, sizeof id, doc_id);
    memset(&st, 0, sizeof st);
    st.seal = (struct jp_span){is->ofd.seal.data, is->ofd.seal.len};
    st.box = (struct ofd_rect){0, 0, 40, 40}; /* replaced by the template's seal place */
    st.when = time(NULL);
    st.signer = &s;
    return tmpl_render_ofd(is->tmpl, f, &st, doc_id, ofd, err, errlen);
}

int issuer_ofd_seal_digest(const void *pkg, size_t len, unsigned char out[32])
{
    struct jp_buf value;
    int rc = ofd_read_entry(pkg, len, ISSUER_OFD_SEALVALUE, OFD_MAX_ENTRY, &value);

    if (rc == 0)
        SHA256(value.data, value.len, out);
    else if (rc == ENOENT)
        rc = STORE_ENOTFOUND;
    jp_buf_free(&value);
    return rc;
}

int store_ofd_version(issuer *is, store_txn *txn, const struct store_cert *c,
                      const struct jp_buf *ofd)
{
    unsigned char d[32];
    int rc;

    if (ofd->len == 0)
        return 0;
    SHA256(ofd->data, ofd->len, d); /* once: the change log's digest and the digest index's */
    rc = store_put_digested(txn, is->ofds_db, c->certificate_no, STORE_CERT_NO_LEN, ofd->data,
                            ofd->len, 0, d);
    if (rc == 0)
        rc = store_digest_put(txn, STORE_DIGEST_OFD_FILE, d, c->certificate_no, c->file_version);
    if (rc == 0)
        rc = issuer_ofd_seal_digest(ofd->data, ofd->len, d);
    if (rc == 0)
        rc = store_digest_put(txn, STORE_DIGEST_OFD_SEAL, d, c->certificate_no, c->file_version);
    return rc;
}

/* ------------------------------------------------ init, keys sm2-init */

int issuer_sm2_create(const char *kdir, const struct keys_create_opts *ko,
                      const unsigned char *pass, size_t passlen, char *err, size_t errlen)
{
    keys_sm2_t *s = NULL;
    int rc = keys_sm2_generate(ko, &s, err, errlen);

    if (rc == 0)
        rc = keys_sm2_save(s, kdir, pass, passlen, err, errlen);
    keys_sm2_free(s);
    return rc;
}

static const char *const sm2_files[] = {"sm2-root.pem", "sm2-root.key", "sm2-sign.pem",
                                        "sm2-sign.key"};

static int sm2_audit_txn(store_txn *txn, void *arg)
{
    return audit_append(txn, (int64_t)time(NULL), "keys-sm2-init", NULL, (const char *)arg,
                        "SM2 root and signing certificate of the OFD seal");
}

/* The audit entry of keys sm2-init. */
static int sm2_audit(const char *home, const char *actor, char *err, size_t errlen)
{
    return issuer_audit_write(home, sm2_audit_txn, (void *)actor, err, errlen);
}

/* HOME's trust list as it is before sm2-init (*old malloc'd), to be put back if it fails. */
static int trust_keep(const char *home, unsigned char **old, size_t *len, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = jp_home_path(home, JP_HOME_TRUST_LIST, path);

    if (rc == 0)
        rc = jp_read_file(path, KEYS_TRUST_FILE_MAX, old, len);
    if (rc != 0)
        jp_errf(err, errlen, "cannot read %s: %s", path, strerror(rc));
    return rc;
}

/*
 * Undoes a keys sm2-init that could not finish: the new key files and the SM2
 * root's CRL removed, the trust list old[0..len-1] put back (atomically, as
 * keys_export_trust writes it). err keeps the cause; a trust list that cannot
 * be put back is added to it.
 */
static void sm2_undo(const char *home, const char *kdir, const unsigned char *old, size_t len,
                     char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX], cause[512];
    int rc;

    for (size_t i = 0; i < sizeof sm2_files / sizeof sm2_files[0]; i++)
        if (jp_path_join(path, sizeof path, kdir, sm2_files[i]) == 0)
            unlink(path);
    if (jp_home_path(home, JP_HOME_SM2_CRL, path) == 0)
        unlink(path);
    rc = jp_home_path(home, JP_HOME_TRUST_LIST, path);
    if (rc == 0)
        rc = jp_write_file_atomic(path, old, len, 0644);
    if (rc != 0) {
        snprintf(cause, sizeof cause, "%s", err);
        jp_errf(err, errlen, "%s; and the trust list could not be put back: %s", cause,
                strerror(rc));
    }
}

/* Re-exports HOME's trust list with the new SM2 hierarchy and issues its CRL. */
static int sm2_publish(const char *home, const char *kdir, const unsigned char *pass,
                       size_t passlen, int crl_days, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    keys_t *k = NULL;
    int rc = keys_open(kdir, KEYS_WITH_ROOT, pass, passlen, &k, err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_SM2_CRL, path);
    if (rc == 0)
        rc = keys_sm2_crl_export(k, crl_days, path, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TRUST_LIST, path);
    if (rc == 0)
        rc = keys_export_trust(k, path, err, errlen);
    keys_close(k);
    return rc;
}

/* Checks that HOME can take the SM2 keys: none there yet, the configuration, the root key. */
static int sm2_init_check(const char *home, const char *kdir, const unsigned char *pass,
                          size_t passlen, const char *actor, struct jp_config *cfg, char *err,
                          size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    keys_t *k = NULL;
    int rc = audit_actor_check(actor, err, errlen);

    for (size_t i = 0; rc == 0 && i < sizeof sm2_files / sizeof sm2_files[0]; i++) {
        rc = jp_path_join(path, sizeof path, kdir, sm2_files[i]);
        if (rc == 0 && access(path, F_OK) == 0) {
            jp_errf(err, errlen, "%s exists: the home has SM2 keys already", path);
            rc = EEXIST;
        }
    }
    if (rc == 0)
        rc = jp_config_load(home, cfg, err, errlen);
    /* the passphrase (or PIN) must open the home's keys and root: a wrong one changes nothing */
    if (rc == 0)
        rc = keys_open(kdir, KEYS_WITH_ROOT, pass, passlen, &k, err, errlen);
    keys_close(k);
    return rc;
}

int issuer_keys_sm2_init(const char *home, const unsigned char *pass, size_t passlen,
                         const char *actor, char *err, size_t errlen)
{
    char kdir[JP_HOME_PATH_MAX];
    struct keys_create_opts ko;
    struct jp_config cfg;
    unsigned char *old = NULL;
    size_t oldlen = 0;
    int created, rc = issuer_home_check(home, err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_KEYS, kdir);
    if (rc == 0)
        rc = sm2_init_check(home, kdir, pass, passlen, actor, &cfg, err, errlen);
    if (rc == 0)
        rc = trust_keep(home, &old, &oldlen, err, errlen);
    if (rc == 0) {
        memset(&ko, 0, sizeof ko);
        ko.authority = cfg.authority;
        ko.uscc = cfg.authority_uscc;
        ko.province = cfg.province;
        rc = issuer_sm2_create(kdir, &ko, pass, passlen, err, errlen); /* removes its own files */
    }
    created = rc == 0;
    /* the trust list and the SM2 root's CRL at once (verifiers trust the seals), then the audit
     * entry; a failure of either undoes the keys, the CRL and the trust list: exit 3 means
     * nothing changed */
    if (rc == 0)
        rc = sm2_publish(home, kdir, pass, passlen, cfg.crl_days, err, errlen);
    if (rc == 0)
        rc = sm2_audit(home, actor, err, errlen);
    if (rc != 0 && created)
        sm2_undo(home, kdir, old, oldlen, err, errlen);
    free(old);
    return rc;
}

/* ------------------------------------------------------ ofd NO --out */

/* Opens HOME's store read-only with the OFD database (optional: an older store has none). */
static int open_ofd_store(const char *home, store **s, int *db, char *err, size_t errlen)
{
    static const struct store_dbspec dbs[] = {{STORE_OFDS_DB, STORE_DB_OPTIONAL}};
    struct store_opts so = {.extra = dbs, .n_extra = 1};
    char path[JP_HOME_PATH_MAX];
    int rc = issuer_home_check(home, err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = store_open_with(path, STORE_RDONLY, &so, s, err, errlen);
    if (rc == 0)
        rc = store_db_by_name(*s, STORE_OFDS_DB, db);
    return issuer_err_default(rc, "cannot open the store", err, errlen);
}

int issuer_ofd_save(const char *home, const char *no, const char *path, int force, char *err,
                    size_t errlen)
{
    struct jp_buf ofd;
    store *s = NULL;
    store_txn *txn = NULL;
    struct stat st;
    int db = 0, rc = issuer_certno_check(no, err, errlen);

    jp_buf_init(&ofd, OFD_MAX_OUTPUT);
    if (rc == 0 && !force && lstat(path, &st) == 0) {
        jp_errf(err, errlen, "%s exists: refusing to overwrite it (--force replaces it)", path);
        rc = EEXIST;
    }
    if (rc == 0)
        rc = open_ofd_store(home, &s, &db, err, errlen);
    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_get_copy(txn, db, no, STORE_CERT_NO_LEN, &ofd);
    store_read_end(txn);
    store_close(s);
    return issuer_copy_save(rc, no,
                            "no OFD stored (no such certificate, or issued without SM2 keys)", path,
                            &ofd, err, errlen);
}

/* --------------------------------------------------------------- check */

static void check_problem(struct issuer_check_report *r, const char *no, const char *what)
{
    if (r->problems < ISSUER_CHECK_LINES)
        jp_errf(r->first[r->problems], sizeof r->first[r->problems], "%.18s: %s", no, what);
    r->problems++;
}

/* 1 when digest d of kind maps to (no, version). */
static int digest_is(store_txn *txn, enum store_digest_kind kind, const unsigned char d[32],
                     const struct store_cert *c)
{
    struct store_digest g;

    return store_digest_get(txn, kind, d, &g) == 0 &&
           strcmp(g.certificate_no, c->certificate_no) == 0 && g.file_version == c->file_version;
}

static void check_one(store_txn *txn, int db, const struct store_cert *c,
                      struct issuer_check_report *r)
{
    const void *pkg;
    size_t len;
    unsigned char d[32];

    if (store_get(txn, db, c->certificate_no, STORE_CERT_NO_LEN, &pkg, &len) != 0) {
        check_problem(r, c->certificate_no, "no OFD stored");
        return;
    }
    r->ofds++;
    SHA256(pkg, len, d);
    if (!digest_is(txn, STORE_DIGEST_OFD_FILE, d, c))
        check_problem(r, c->certificate_no, "the OFD's file digest is not indexed");
    if (issuer_ofd_seal_digest(pkg, len, d) != 0)
        check_problem(r, c->certificate_no, "the OFD has no SignedValue.dat");
    else if (!digest_is(txn, STORE_DIGEST_OFD_SEAL, d, c))
        check_problem(r, c->certificate_no, "the OFD's seal digest is not indexed");
}

int issuer_check_ofds(const char *home, struct issuer_check_report *r, char *err, size_t errlen)
{
    store *s = NULL;
    store_txn *txn = NULL;
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t kl, vl;
    int db = 0, rc;

    if (!issuer_ofd_keys_present(home))
        return 0;
    rc = open_ofd_store(home, &s, &db, err, errlen);
    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_cursor_open(txn, STORE_DB_CERTS, &cur);
    if (rc == 0)
        rc = store_cursor_first(cur, &k, &kl, &v, &vl);
    while (rc == 0) {
        struct store_cert c;
        if (store_cert_decode(v, vl, &c) == 0)
            check_one(txn, db, &c, r);
        rc = store_cursor_next(cur, &k, &kl, &v, &vl);
    }
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    store_cursor_close(cur);
    store_read_end(txn);
    store_close(s);
    return issuer_err_default(rc, "ofd check", err, errlen);
}
