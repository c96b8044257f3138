/*
 * create.c - making keys: the self-signed provincial root and the
 * document-signing certificates it issues (ECDSA P-256, X.509 v3), writing
 * them to the key directory, keys_create() and keys_rotate(). A failed call
 * removes whatever it wrote and leaves the directory as it found it.
 */
#include "keys_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "util.h"

#define DAYS_PER_YEAR 365
#define MAX_FILES 5 /* files keys_create writes */
/*
 * PBKDF2 iterations for encrypted keys. OpenSSL's PEM default is 2048, too few
 * for a passphrase; this costs about 0.05 s per key on the reference machine.
 */
#define KEYS_PBKDF2_ITER 200000

/* Files written by one operation, removed again when it fails. */
struct written {
    char path[MAX_FILES][PATH_MAX]; /* paths created */
    size_t n;                       /* entries in use */
};

static void written_undo(struct written *w)
{
    while (w->n > 0)
        unlink(w->path[--w->n]);
}

static int validate_opts(const struct keys_create_opts *o, char *err, size_t errlen)
{
    size_t i;

    if (o == NULL || o->authority == NULL || o->uscc == NULL || o->province == NULL) {
        jp_errf(err, errlen, "options: authority, uscc and province needed");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    if (!keys_text_ok(o->authority, KEYS_AUTHORITY_MAX)) {
        jp_errf(err, errlen, "authority: empty, too long or control chars");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    if (strlen(o->uscc) != 18) {
        jp_errf(err, errlen, "uscc: must have 18 characters");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    for (i = 0; i < 18; i++) {
        char c = o->uscc[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) {
            jp_errf(err, errlen, "uscc: digits and upper-case letters only");
            return keys_with_ossl(KEYS_E_INVAL, err, errlen);
        }
    }
    if (strlen(o->province) != 2 || o->province[0] < '1' || o->province[0] > '9' ||
        o->province[1] < '0' || o->province[1] > '9') {
        jp_errf(err, errlen, "province: must be two digits 11..99");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    if (o->passphrase != NULL &&
        (o->passphrase_len == 0 || o->passphrase_len > KEYS_PASSPHRASE_MAX)) {
        jp_errf(err, errlen, "passphrase: length must be 1..%d", KEYS_PASSPHRASE_MAX);
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    if (o->root_years < 0 || o->root_years > 30 || o->signing_years < 0 || o->signing_years > 10) {
        jp_errf(err, errlen, "validity: root 1..30, signing 1..10 years");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    return 0;
}

/* ECDSA with SHA-256, as the root and the signing certificates use. */
static int sign_sha256(X509 *x, EVP_PKEY *issuer_key)
{
    return X509_sign(x, issuer_key, EVP_sha256()) > 0;
}

static int make_root(keys_t *k, int years, char *err, size_t errlen)
{
    X509_NAME *name = NULL;
    int rc = KEYS_E_CRYPTO;

    rc = keys_key_new(k, "root", &k->root_key, k->root_ref, err, errlen);
    if (rc != 0)
        return rc;
    if (k->root_ref[0] == '\0')
        memcpy(k->root_ref, KEYS_ROOT_KEY, sizeof KEYS_ROOT_KEY);
    rc = KEYS_E_CRYPTO;
    name = keys_make_name(k->authority, k->uscc, NULL);
    if (name == NULL)
        goto out;
    k->root = keys_make_cert(k->root_key, name, NULL, k->root_key,
                             (long)years * DAYS_PER_YEAR + years / 4, sign_sha256);
    if (k->root != NULL)
        rc = 0;
    X509_NAME_free(name);
out:
    if (rc != 0) {
        jp_errf(err, errlen, "root certificate: cannot make");
        keys_with_ossl(rc, err, errlen);
    }
    return rc;
}

int keys_make_issued(keys_t *k, const struct keys_cert_spec *spec, X509 **cert, EVP_PKEY **key,
                     char ref[KEYS_REF_MAX], char *err, size_t errlen)
{
    X509_NAME *name = NULL;
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;
    int rc;

    rc = keys_key_new(k, spec->label, &pkey, ref, err, errlen);
    if (rc != 0)
        return rc;
    rc = KEYS_E_CRYPTO;
    name = keys_make_name(k->authority, k->uscc, spec->unit);
    if (name == NULL)
        goto out_free_key;
    x = keys_make_cert(pkey, name, k->root, k->root_key, spec->days, spec->sign);
    X509_NAME_free(name);
    if (x == NULL)
        goto out_free_key;
    *cert = x;
    *key = pkey;
    pkey = NULL;
    rc = 0;
out_free_key:
    EVP_PKEY_free(pkey);
    if (rc != 0) {
        keys_key_discard(k, ref);
        jp_errf(err, errlen, "%s certificate: cannot make", spec->what);
        keys_with_ossl(rc, err, errlen);
    }
    return rc;
}

int keys_make_signing(keys_t *k, X509 **cert, EVP_PKEY **key, char ref[KEYS_REF_MAX], char *err,
                      size_t errlen)
{
    const struct keys_cert_spec spec = {
        "sign", "电子证书签名", (long)k->signing_years * DAYS_PER_YEAR + k->signing_years / 4,
        sign_sha256, "signing"};

    return keys_make_issued(k, &spec, cert, key, ref, err, errlen);
}

/* Copies a memory BIO's bytes to a new exclusive file, then wipes the BIO. */
static int bio_to_file(BIO *bio, const char *path, mode_t mode, char *err, size_t errlen)
{
    BUF_MEM *mem = NULL;
    int rc;

    BIO_get_mem_ptr(bio, &mem);
    if (mem == NULL) {
        jp_errf(err, errlen, "%s: cannot encode", path);
        return keys_with_ossl(KEYS_E_CRYPTO, err, errlen);
    }
    rc = jp_write_file_excl(path, mem->data, mem->length, mode);
    OPENSSL_cleanse(mem->data, mem->length);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: cannot write: %s", path, strerror(rc));
        keys_with_ossl(rc, err, errlen);
    }
    return rc;
}

/* PKCS#8 of key, encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) when pass is set. */
static int encode_key(BIO *bio, EVP_PKEY *key, const unsigned char *pass, size_t passlen)
{
    PKCS8_PRIV_KEY_INFO *p8inf = NULL;
    X509_SIG *p8 = NULL;
    int ok;

    if (pass == NULL)
        return PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1;
    p8inf = EVP_PKEY2PKCS8(key);
    if (p8inf == NULL)
        return 0;
    p8 = PKCS8_encrypt(-1, EVP_aes_256_cbc(), (const char *)pass, (int)passlen, NULL, 0,
                       KEYS_PBKDF2_ITER, p8inf);
    ok = p8 != NULL && PEM_write_bio_PKCS8(bio, p8) == 1;
    X509_SIG_free(p8);
    PKCS8_PRIV_KEY_INFO_free(p8inf);
    return ok;
}

/*
 * Finishes writing a PEM file: when encoded (the encoder succeeded into bio),
 * writes bio's bytes to path (0600, exclusive); else names what could not be
 * encoded. Frees bio. Returns 0, KEYS_E_CRYPTO or an errno value.
 */
static int pem_finish(BIO *bio, int encoded, const char *path, const char *what, char *err,
                      size_t errlen)
{
    int rc = KEYS_E_CRYPTO;

    if (bio == NULL)
        goto out;
    if (!encoded) {
        jp_errf(err, errlen, "%s: cannot encode %s", path, what);
        keys_with_ossl(rc, err, errlen);
        goto out_free_bio;
    }
    rc = bio_to_file(bio, path, 0600, err, errlen);
out_free_bio:
    BIO_free(bio);
out:
    return rc;
}

int keys_write_key(const char *path, EVP_PKEY *key, const unsigned char *pass, size_t passlen,
                   char *err, size_t errlen)
{
    BIO *bio = BIO_new(BIO_s_mem());

    return pem_finish(bio, bio != NULL && encode_key(bio, key, pass, passlen), path, "private key",
                      err, errlen);
}

int keys_write_cert(const char *path, X509 *cert, char *err, size_t errlen)
{
    BIO *bio = BIO_new(BIO_s_mem());

    return pem_finish(bio, bio != NULL && PEM_write_bio_X509(bio, cert) == 1, path, "certificate",
                      err, errlen);
}

/* Joins dir and base+suffix into the next slot of w, for a file about to be written. */
static int next_path(const char *dir, const char *base, const char *suffix, struct written *w,
                     char *err, size_t errlen)
{
    char name[64];
    int rc = jp_strf(name, sizeof name, "%s%s", base, suffix);

    if (rc != 0) {
        jp_errf(err, errlen, "%s: name too long", base);
        return keys_with_ossl(ENAMETOOLONG, err, errlen);
    }
    rc = jp_path_join(w->path[w->n], PATH_MAX, dir, name);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: path too long", dir);
        keys_with_ossl(rc, err, errlen);
    }
    return rc;
}

/* Writes a key pair as <base>.key and <base>.pem, recording both in w. */
static int write_pair(const keys_t *k, const char *dir, const char *base, X509 *cert, EVP_PKEY *key,
                      const unsigned char *pass, size_t passlen, struct written *w, char *err,
                      size_t errlen)
{
    int rc;

    if (keys_in_token(k))
        goto cert; /* the private key stays in the token */
    rc = next_path(dir, base, ".key", w, err, errlen);
    if (rc == 0)
        rc = keys_write_key(w->path[w->n], key, pass, passlen, err, errlen);
    if (rc != 0)
        return rc;
    w->n++;
cert:
    rc = next_path(dir, base, ".pem", w, err, errlen);
    if (rc == 0)
        rc = keys_write_cert(w->path[w->n], cert, err, errlen);
    if (rc == 0)
        w->n++;
    return rc;
}

/* Adds a new active entry for cert at k->e[k->n]; ref is the token key's URI or "". */
static int add_entry(keys_t *k, X509 *cert, const char *ref)
{
    struct keys_entry *e = &k->e[k->n];
    int rc;

    memset(e, 0, sizeof *e);
    rc = keys_kid_of(cert, e->kid);
    if (rc != 0)
        return rc;
    jp_hex_encode(e->kid, KEYS_KID_LEN, e->kid_hex);
    rc = jp_strf(e->cert_file, sizeof e->cert_file, "sign-%s.pem", e->kid_hex);
    if (rc != 0)
        return rc;
    if (ref[0] != '\0')
        rc = jp_strf(e->key_ref, sizeof e->key_ref, "%s", ref);
    else
        rc = jp_strf(e->key_ref, sizeof e->key_ref, "sign-%s.key", e->kid_hex);
    if (rc != 0)
        return rc;
    e->cert = cert;
    e->state = KEYS_ACTIVE;
    keys_now_iso(e->created);
    k->n++;
    return 0;
}

/* 0 when dir is missing (*made = 1 after creating it) or an empty directory. */
static int prepare_dir(const char *dir, int *made, char *err, size_t errlen)
{
    struct stat st;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    *made = 0;
    if (lstat(dir, &st) != 0) {
        if (errno != ENOENT) {
            jp_errf(err, errlen, "%s: cannot stat: %s", dir, strerror(errno));
            return keys_with_ossl(errno, err, errlen);
        }
        rc = jp_mkdir_p(dir, 0700);
        if (rc != 0) {
            jp_errf(err, errlen, "%s: cannot create: %s", dir, strerror(rc));
            return keys_with_ossl(rc, err, errlen);
        }
        *made = 1;
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        jp_errf(err, errlen, "%s: exists and is not a directory", dir);
        return keys_with_ossl(KEYS_E_NOT_EMPTY, err, errlen);
    }
    d = opendir(dir);
    if (d == NULL) {
        jp_errf(err, errlen, "%s: cannot open: %s", dir, strerror(errno));
        return keys_with_ossl(errno, err, errlen);
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            jp_errf(err, errlen, "%s: exists and is not empty", dir);
            rc = keys_with_ossl(KEYS_E_NOT_EMPTY, err, errlen);
        }
    }
    closedir(d);
    if (rc == 0 && chmod(dir, 0700) != 0) {
        jp_errf(err, errlen, "%s: cannot chmod: %s", dir, strerror(errno));
        rc = keys_with_ossl(errno, err, errlen);
    }
    return rc;
}

/* Makes every key and file of a new directory; k is the in-memory result. */
static int create_in(keys_t *k, const struct keys_create_opts *o, struct written *w, char *err,
                     size_t errlen)
{
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    char base[32], ref[KEYS_REF_MAX];
    int rc;

    rc = make_root(k, o->root_years > 0 ? o->root_years : 20, err, errlen);
    if (rc == 0)
        rc = write_pair(k, k->dir, "root", k->root, k->root_key, o->passphrase,
                        o->passphrase_len, w, err, errlen);
    if (rc == 0)
        rc = keys_make_signing(k, &cert, &key, ref, err, errlen);
    if (rc != 0)
        return rc;
    k->sign_key = key;
    rc = add_entry(k, cert, ref);
    if (rc != 0) {
        keys_key_discard(k, ref);
        X509_free(cert);
        jp_errf(err, errlen, "signing certificate: cannot hash");
        return keys_with_ossl(rc, err, errlen);
    }
    rc = jp_strf(base, sizeof base, "sign-%s", k->e[0].kid_hex);
    if (rc == 0)
        rc = write_pair(k, k->dir, base, cert, key, o->passphrase, o->passphrase_len, w, err,
                        errlen);
    if (rc == 0)
        rc = next_path(k->dir, KEYS_STATE_FILE, "", w, err, errlen);
    if (rc == 0)
        rc = keys_save_state(k, err, errlen);
    if (rc == 0)
        w->n++;
    return rc;
}

/* Destroys the token keys a failed keys_create made (files: nothing). */
static void discard_token_keys(keys_t *k)
{
    keys_key_discard(k, k->root_ref);
    for (size_t i = 0; i < k->n; i++)
        keys_key_discard(k, k->e[i].key_ref);
}

/* Takes the token, its module and the PIN (opts' passphrase) into k. */
static int use_token(keys_t *k, const struct keys_create_opts *o, char *err, size_t errlen)
{
    char token[KEYS_P11_LABEL_MAX];
    int rc;

    if (o->pkcs11_uri == NULL)
        return 0;
    rc = keys_p11_uri_check(o->pkcs11_uri, token, err, errlen);
    if (rc == 0 && (o->pkcs11_module == NULL || o->pkcs11_module[0] == '\0' ||
                    jp_strf(k->p11_module, sizeof k->p11_module, "%s", o->pkcs11_module) != 0)) {
        jp_errf(err, errlen, "pkcs11 module: missing or path too long");
        rc = KEYS_E_INVAL;
    }
    if (rc == 0 && o->passphrase == NULL) {
        jp_errf(err, errlen, "pkcs11 token %s: PIN needed (--pin-file or $JIANPEI_PKCS11_PIN)",
                token);
        rc = KEYS_E_PASSPHRASE_NEEDED;
    }
    if (rc != 0)
        return rc;
    memcpy(k->p11_uri, o->pkcs11_uri, strlen(o->pkcs11_uri) + 1);
    memcpy(k->pin, o->passphrase, o->passphrase_len);
    k->pinlen = o->passphrase_len;
    return keys_p11_login(k, err, errlen);
}

int keys_create(const char *dir, const struct keys_create_opts *opts, char *err, size_t errlen)
{
    struct written *w = NULL;
    keys_t *k = NULL;
    int made = 0, rc;

    rc = validate_opts(opts, err, errlen);
    if (rc != 0)
        goto out;
    if (dir == NULL || strlen(dir) >= sizeof k->dir - 32) {
        jp_errf(err, errlen, "key directory: missing or path too long");
        rc = keys_with_ossl(KEYS_E_INVAL, err, errlen);
        goto out;
    }
    k = calloc(1, sizeof *k);
    w = calloc(1, sizeof *w);
    if (k == NULL || w == NULL) {
        jp_errf(err, errlen, "key directory: out of memory");
        rc = keys_with_ossl(ENOMEM, err, errlen);
        goto out_free;
    }
    if (jp_strf(k->dir, sizeof k->dir, "%s", dir) != 0 ||
        jp_strf(k->authority, sizeof k->authority, "%s", opts->authority) != 0 ||
        jp_strf(k->uscc, sizeof k->uscc, "%s", opts->uscc) != 0 ||
        jp_strf(k->province, sizeof k->province, "%s", opts->province) != 0) {
        jp_errf(err, errlen, "options: a value is too long");
        rc = keys_with_ossl(KEYS_E_INVAL, err, errlen);
        goto out_free;
    }
    k->encrypted = opts->passphrase != NULL && opts->pkcs11_uri == NULL;
    k->signing_years = opts->signing_years > 0 ? opts->signing_years : 5;
    rc = use_token(k, opts, err, errlen);
    if (rc == 0)
        rc = prepare_dir(dir, &made, err, errlen);
    if (rc != 0)
        goto out_free;
    rc = create_in(k, opts, w, err, errlen);
    if (rc != 0) {
        discard_token_keys(k);
        written_undo(w);
        if (made)
            rmdir(dir);
    }
out_free:
    keys_close(k);
    free(w);
out:
    return rc;
}

/* Returns 0 when pass decrypts root.key (always 0 for unencrypted keys). */
static int check_passphrase(const keys_t *k, const unsigned char *pass, size_t passlen, char *err,
                            size_t errlen)
{
    char path[PATH_MAX];
    EVP_PKEY *key = NULL;
    int rc;

    if (!k->encrypted)
        return 0;
    rc = jp_path_join(path, sizeof path, k->dir, KEYS_ROOT_KEY);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: path too long", k->dir);
        return keys_with_ossl(rc, err, errlen);
    }
    rc = keys_read_key(path, 1, pass, passlen, &key, err, errlen);
    EVP_PKEY_free(key);
    return rc;
}

int keys_rotate(keys_t *k, const unsigned char *passphrase, size_t passphrase_len, char kid_hex[17],
                char *err, size_t errlen)
{
    struct written w = {.n = 0};
    struct keys_sm2_undo u2;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    char base[32], ref[KEYS_REF_MAX] = "";
    size_t old;
    int rc;

    if (k->root_key == NULL) {
        jp_errf(err, errlen, "rotate: open the keys with the root key");
        return keys_with_ossl(KEYS_E_NO_ROOT_KEY, err, errlen);
    }
    if (k->n >= KEYS_MAX_SIGNING) {
        jp_errf(err, errlen, "rotate: %d signing keys already", KEYS_MAX_SIGNING);
        return keys_with_ossl(KEYS_E_TOO_MANY, err, errlen);
    }
    rc = check_passphrase(k, passphrase, passphrase_len, err, errlen);
    if (rc == 0)
        rc = keys_make_signing(k, &cert, &key, ref, err, errlen);
    if (rc != 0)
        goto out;
    old = keys_entries_retire(k->e, k->n);
    rc = add_entry(k, cert, ref);
    if (rc != 0) {
        keys_key_discard(k, ref);
        X509_free(cert);
        jp_errf(err, errlen, "signing certificate: cannot hash");
        keys_with_ossl(rc, err, errlen);
        goto out_restore;
    }
    rc = jp_strf(base, sizeof base, "sign-%s", k->e[k->n - 1].kid_hex);
    if (rc == 0)
        rc = write_pair(k, k->dir, base, cert, key, k->encrypted ? passphrase : NULL,
                        k->encrypted ? passphrase_len : 0, &w, err, errlen);
    memset(&u2, 0, sizeof u2);
    if (rc == 0) /* SPEC §11: keys rotate rotates both hierarchies, in one state change */
        rc = keys_sm2_rotate(k, passphrase, passphrase_len, &u2, err, errlen);
    if (rc == 0)
        rc = keys_save_state(k, err, errlen);
    if (rc != 0) {
        keys_sm2_rotate_undo(k, &u2);
        written_undo(&w);
        keys_key_discard(k, ref);
        k->n--;
        X509_free(k->e[k->n].cert);
        goto out_restore;
    }
    if (kid_hex != NULL)
        memcpy(kid_hex, k->e[k->n - 1].kid_hex, 17);
    EVP_PKEY_free(k->sign_key);
    k->sign_key = key;
    key = NULL;
    goto out;
out_restore:
    keys_entries_unretire(k->e, k->n, old);
out:
    EVP_PKEY_free(key);
    return rc;
}
