/*
 * test_keys.c - the key directory, the trust list and the PDF's CMS signature
 * as a user of the keys module would notice them: file modes, refusal to
 * overwrite, passphrases, rotation and revocation, a trust list that OpenSSL
 * accepts and that refuses any edit, a CMS that OpenSSL verifies and that
 * fails after a one-byte change. Works in its own mkdtemp directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "check.h"
#include "keys.h"
#include "tmpdir.h"
#include "util.h"

static const char authority[] = "广东省住房和城乡建设厅";

#define KEYS_STATE_MAX_TEST (256u * 1024u) /* keys.json is at most this (keys_int.h) */

static char tmp[64];

static void path_in(char *out, size_t outsz, const char *a, const char *b)
{
    CHECK_INT(jp_path_join(out, outsz, a, b), 0);
}

static struct keys_create_opts opts(const char *pass)
{
    struct keys_create_opts o = {.authority = authority,
                                 .uscc = "11440000006949363J",
                                 .province = "44",
                                 .passphrase = (const unsigned char *)pass,
                                 .passphrase_len = pass != NULL ? strlen(pass) : 0};
    return o;
}

/* Every file 0600 and not group/world-accessible; the directory 0700. */
static void test_create_modes(void)
{
    char dir[256], path[512];
    struct keys_create_opts o = opts(NULL);
    char err[256] = "";
    struct dirent *de;
    struct stat st;
    int files = 0, keyfiles = 0;
    DIR *d;

    path_in(dir, sizeof dir, tmp, "plain/keys");
    CHECK_INT(keys_create(dir, &o, err, sizeof err), 0);
    CHECK_INT(stat(dir, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0700);
    d = opendir(dir);
    CHECK(d != NULL);
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        path_in(path, sizeof path, dir, de->d_name);
        CHECK_INT(lstat(path, &st), 0);
        CHECK(S_ISREG(st.st_mode));
        CHECK_INT(st.st_mode & 0077, 0);
        files++;
        if (strstr(de->d_name, ".key") != NULL) {
            CHECK_INT(st.st_mode & 07777, 0600);
            keyfiles++;
        }
    }
    if (d != NULL)
        closedir(d);
    CHECK_INT(files, 5); /* root.pem root.key sign-*.pem sign-*.key keys.json */
    CHECK_INT(keyfiles, 2);
}

/* A directory with something in it is refused and left exactly as it was. */
static void test_create_refuses_non_empty(void)
{
    char dir[256], path[512], err[256] = "";
    struct keys_create_opts o = opts(NULL);
    unsigned char *data = NULL;
    size_t len = 0, n = 0;
    struct dirent *de;
    struct stat st;
    DIR *d;

    path_in(dir, sizeof dir, tmp, "busy");
    CHECK_INT(mkdir(dir, 0755), 0);
    path_in(path, sizeof path, dir, "notes.txt");
    CHECK_INT(jp_write_file_excl(path, "keep me", 7, 0644), 0);
    CHECK_INT(keys_create(dir, &o, err, sizeof err), KEYS_E_NOT_EMPTY);
    CHECK(strstr(err, "not empty") != NULL);
    CHECK_INT(stat(dir, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0755);
    d = opendir(dir);
    while (d != NULL && (de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    CHECK_INT(n, 1);
    CHECK_INT(jp_read_file(path, 100, &data, &len), 0);
    CHECK(len == 7 && data != NULL && memcmp(data, "keep me", 7) == 0);
    free(data);

    /* The plain directory made before is not empty either. */
    path_in(dir, sizeof dir, tmp, "plain/keys");
    CHECK_INT(keys_create(dir, &o, err, sizeof err), KEYS_E_NOT_EMPTY);

    o.uscc = "short";
    path_in(dir, sizeof dir, tmp, "bad-opts");
    CHECK_INT(keys_create(dir, &o, err, sizeof err), KEYS_E_INVAL);
    CHECK(access(dir, F_OK) != 0);

    /* An authority that is not valid UTF-8 (a surrogate, an overlong '/') is refused. */
    o.uscc = "11440000006949363J";
    o.authority = "\xed\xa0\x80\xe5\x8e\x85";
    CHECK_INT(keys_create(dir, &o, err, sizeof err), KEYS_E_INVAL);
    CHECK(strstr(err, "authority") != NULL);
    o.authority = "\xc0\xaf";
    CHECK_INT(keys_create(dir, &o, err, sizeof err), KEYS_E_INVAL);
    CHECK(access(dir, F_OK) != 0);
}

static void test_public_only(void)
{
    char dir[256], err[256] = "";
    struct keys_claims c = {.certificate_no = "440120260100000013"};
    char token[KEYS_TOKEN_BUFSZ];
    struct jp_span r = {(const unsigned char *)"x", 1};
    unsigned char *der = NULL;
    size_t derlen = 0;
    keys_t *k = NULL;

    path_in(dir, sizeof dir, tmp, "plain/keys");
    CHECK_INT(keys_open(dir, KEYS_PUBLIC_ONLY, NULL, 0, &k, err, sizeof err), 0);
    CHECK(k != NULL);
    if (k == NULL)
        return;
    CHECK_INT(keys_can_sign(k), 0);
    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), KEYS_E_NO_PRIVATE_KEY);
    CHECK_INT(keys_cms_sign_detached(k, &r, 1, &der, &derlen, err, sizeof err),
              KEYS_E_NO_PRIVATE_KEY);
    CHECK(der == NULL);
    CHECK_INT(keys_rotate(k, NULL, 0, NULL, err, sizeof err), KEYS_E_NO_ROOT_KEY);
    CHECK_INT(keys_export_trust(k, "/nonexistent/x", err, sizeof err), KEYS_E_NO_ROOT_KEY);
    keys_close(k);
    keys_close(NULL);
    keys_trust_free(NULL);
    keys_free_der(NULL);
}

static int file_starts_with(const char *path, const char *prefix)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int ok;

    if (jp_read_file(path, 1 << 16, &data, &len) != 0)
        return 0;
    ok = len >= strlen(prefix) && memcmp(data, prefix, strlen(prefix)) == 0;
    free(data);
    return ok;
}

static void test_encrypted(void)
{
    const char *pass = "长城 correct horse battery";
    struct keys_create_opts o = opts(pass);
    char dir[256], path[512], err[256] = "", kid[17];
    struct keys_info info[KEYS_MAX_SIGNING];
    size_t n = 0;
    keys_t *k = NULL;

    path_in(dir, sizeof dir, tmp, "enc");
    CHECK_INT(keys_create(dir, &o, err, sizeof err), 0);
    path_in(path, sizeof path, dir, "root.key");
    CHECK(file_starts_with(path, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    CHECK_INT(keys_open(dir, 0, NULL, 0, &k, err, sizeof err), KEYS_E_PASSPHRASE_NEEDED);
    CHECK(k == NULL);
    CHECK_INT(keys_open(dir, 0, (const unsigned char *)"wrong", 5, &k, err, sizeof err),
              KEYS_E_BAD_PASSPHRASE);
    CHECK(k == NULL);
    CHECK(strstr(err, "passphrase") != NULL);
    CHECK(strstr(err, pass) == NULL);
    CHECK_INT(keys_open(dir, KEYS_PUBLIC_ONLY, NULL, 0, &k, err, sizeof err), 0);
    keys_close(k);
    k = NULL;
    CHECK_INT(keys_open(dir, KEYS_WITH_ROOT, (const unsigned char *)pass, strlen(pass), &k, err,
                        sizeof err),
              0);
    CHECK(keys_can_sign(k));
    if (k == NULL)
        return;
    /* Rotation re-checks the passphrase and encrypts the new key with it. */
    CHECK_INT(keys_rotate(k, (const unsigned char *)"wrong", 5, kid, err, sizeof err),
              KEYS_E_BAD_PASSPHRASE);
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(keys_rotate(k, (const unsigned char *)pass, strlen(pass), kid, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/sign-%s.key", dir, kid);
    CHECK(file_starts_with(path, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    keys_close(k);
    k = NULL;
    CHECK_INT(keys_open(dir, 0, (const unsigned char *)pass, strlen(pass), &k, err, sizeof err), 0);
    CHECK(keys_can_sign(k));
    keys_close(k);
}

static void test_rotate_revoke(void)
{
    char dir[256], err[256] = "", kid[17], first[17];
    struct keys_info info[KEYS_MAX_SIGNING];
    size_t n = 0;
    keys_t *k = NULL;

    path_in(dir, sizeof dir, tmp, "plain/keys");
    CHECK_INT(keys_open(dir, KEYS_WITH_ROOT, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(info[0].state, KEYS_ACTIVE);
    CHECK_INT(strlen(info[0].kid), 16);
    CHECK(strstr(info[0].subject, authority) != NULL);
    CHECK(strstr(info[0].subject, "2.5.4.97=11440000006949363J") != NULL ||
          strstr(info[0].subject, "organizationIdentifier=11440000006949363J") != NULL);
    CHECK_INT(strlen(info[0].not_after), 20);
    /* ~5 years: the year of notAfter is 5 after notBefore. */
    CHECK_INT(atoi(info[0].not_after) - atoi(info[0].not_before), 5);
    memcpy(first, info[0].kid, sizeof first);
    CHECK_INT(keys_list(k, info, 0, &n), KEYS_E_TOOSMALL);

    CHECK_INT(keys_rotate(k, NULL, 0, kid, err, sizeof err), 0);
    keys_close(k);
    k = NULL;
    CHECK_INT(keys_open(dir, 0, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_INT(n, 2);
    CHECK_STR(info[0].kid, first);
    CHECK_STR(keys_state_name(info[0].state), "retired");
    CHECK(info[0].changed[0] != '\0');
    CHECK_STR(info[1].kid, kid);
    CHECK_STR(keys_state_name(info[1].state), "active");
    CHECK(strcmp(first, kid) != 0);

    CHECK_INT(keys_revoke_kid(k, "0000000000000000", err, sizeof err), KEYS_E_UNKNOWN_KID);
    CHECK_INT(keys_revoke_kid(k, "nothex", err, sizeof err), KEYS_E_INVAL);
    CHECK_INT(keys_revoke_kid(k, kid, err, sizeof err), 0);
    CHECK_INT(keys_can_sign(k), 0);
    keys_close(k);
    k = NULL;
    /* The revocation persisted; with no active key the directory still opens. */
    CHECK_INT(keys_open(dir, KEYS_WITH_ROOT, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    CHECK_INT(keys_can_sign(k), 0);
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_STR(keys_state_name(info[1].state), "revoked");
    CHECK_INT(keys_rotate(k, NULL, 0, kid, err, sizeof err), 0);
    CHECK(keys_can_sign(k));
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_INT(n, 3);
    CHECK_INT(info[0].state, KEYS_RETIRED);
    CHECK_INT(info[1].state, KEYS_REVOKED);
    CHECK_INT(info[2].state, KEYS_ACTIVE);
    keys_close(k);
}

static X509 *read_root(const char *dir)
{
    char path[512];
    X509 *x = NULL;
    FILE *f;

    path_in(path, sizeof path, dir, "root.pem");
    f = fopen(path, "r");
    if (f != NULL) {
        x = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    CHECK(x != NULL);
    return x;
}

static void root_sha256(const char *dir, unsigned char md[32])
{
    X509 *x = read_root(dir);
    unsigned char *der = NULL;
    int len = x != NULL ? i2d_X509(x, &der) : -1;

    memset(md, 0, 32);
    if (len > 0)
        SHA256(der, (size_t)len, md);
    OPENSSL_free(der);
    X509_free(x);
}

static int run(const char *cmd)
{
    int st = system(cmd);

    return st == -1 ? -1 : WEXITSTATUS(st);
}

/* Decodes trust.pem, replaces the first `from` in the signed content by `to`, writes it back. */
static int edit_trust(const char *in, const char *out, const char *from, const char *to)
{
    FILE *f = fopen(in, "r");
    CMS_ContentInfo *cms = f != NULL ? PEM_read_CMS(f, NULL, NULL, NULL) : NULL;
    ASN1_OCTET_STRING **content = cms != NULL ? CMS_get0_content(cms) : NULL;
    unsigned char *p;
    int i, n, done = 0;

    if (f != NULL)
        fclose(f);
    if (content == NULL || *content == NULL)
        goto out;
    p = (unsigned char *)ASN1_STRING_get0_data(*content);
    n = ASN1_STRING_length(*content);
    for (i = 0; i + (int)strlen(from) <= n && !done; i++) {
        if (memcmp(p + i, from, strlen(from)) == 0) {
            memcpy(p + i, to, strlen(to));
            done = 1;
        }
    }
    f = fopen(out, "w");
    if (f != NULL) {
        done = done && PEM_write_CMS(f, cms) == 1;
        fclose(f);
    }
out:
    CMS_ContentInfo_free(cms);
    return done;
}

static void test_trust_list(void)
{
    char dir[256], trust[512], edited[512], cmd[2048], err[256] = "";
    unsigned char md[32], bad[32];
    unsigned char *data = NULL;
    size_t len = 0;
    keys_trust_t *t = NULL;
    keys_t *k = NULL;

    path_in(dir, sizeof dir, tmp, "plain/keys");
    path_in(trust, sizeof trust, tmp, "trust.pem");
    path_in(edited, sizeof edited, tmp, "trust-edited.pem");
    CHECK_INT(keys_open(dir, KEYS_WITH_ROOT, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    CHECK_INT(keys_export_trust(k, trust, err, sizeof err), 0);
    keys_close(k);

    snprintf(cmd, sizeof cmd,
             "openssl cms -verify -CAfile %s/root.pem -in %s -inform PEM -out %s/trust.json "
             "2>/dev/null",
             dir, trust, tmp);
    CHECK_INT(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/trust.json", tmp);
    CHECK_INT(jp_read_file(cmd, 1 << 20, &data, &len), 0);
    CHECK(data != NULL && strstr((char *)data, "\"version\": 1") != NULL);
    CHECK(data != NULL && strstr((char *)data, "\"state\": \"revoked\"") != NULL);
    free(data);

    root_sha256(dir, md);
    CHECK_INT(keys_trust_load(trust, md, &t, err, sizeof err), 0);
    CHECK(t != NULL);
    if (t != NULL) {
        keys_trust_root_sha256(t, bad);
        CHECK(memcmp(bad, md, 32) == 0);
    }
    keys_trust_free(t);
    t = NULL;
    CHECK_INT(keys_trust_load(trust, NULL, &t, err, sizeof err), 0);
    keys_trust_free(t);
    t = NULL;
    memcpy(bad, md, 32);
    bad[31] ^= 1;
    CHECK_INT(keys_trust_load(trust, bad, &t, err, sizeof err), KEYS_E_ROOT_MISMATCH);
    CHECK(t == NULL);

    /* Un-revoking a key by editing the list: one word, same length. */
    CHECK(edit_trust(trust, edited, "\"revoked\"", "\"retired\""));
    CHECK_INT(keys_trust_load(edited, md, &t, err, sizeof err), KEYS_E_TRUST);
    CHECK(t == NULL);
    snprintf(cmd, sizeof cmd,
             "openssl cms -verify -CAfile %s/root.pem -in %s -inform PEM -out /dev/null "
             "2>/dev/null",
             dir, edited);
    CHECK(run(cmd) != 0);
    /* One byte of the PEM text changed. */
    CHECK_INT(jp_read_file(trust, 1 << 20, &data, &len), 0);
    if (data != NULL && len > 200) {
        data[len / 2] = data[len / 2] == 'A' ? 'B' : 'A';
        unlink(edited);
        CHECK_INT(jp_write_file_excl(edited, data, len, 0644), 0);
        CHECK(keys_trust_load(edited, md, &t, err, sizeof err) != 0);
        CHECK(t == NULL);
    }
    free(data);
    CHECK_INT(keys_trust_load("/nonexistent/trust.pem", NULL, &t, err, sizeof err), ENOENT);
}

static CMS_ContentInfo *cms_from(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;

    return d2i_CMS_ContentInfo(NULL, &p, (long)len);
}

static int cms_verify_with(CMS_ContentInfo *cms, X509 *root, const char *content)
{
    X509_STORE *store = X509_STORE_new();
    BIO *dcont = BIO_new_mem_buf(content, (int)strlen(content));
    int ok;

    X509_STORE_add_cert(store, root);
    ok = CMS_verify(cms, NULL, store, dcont, NULL, CMS_BINARY);
    BIO_free(dcont);
    X509_STORE_free(store);
    return ok;
}

/* keys fingerprint and verify-qr --pin: what openssl prints, in either form. */
static void test_fingerprint(const char *dir)
{
    char hex[65], want[65], colons[128] = "SHA256 Fingerprint=", err[256] = "";
    unsigned char md[32], got[32];
    keys_t *k = NULL;

    CHECK_INT(keys_open(dir, KEYS_PUBLIC_ONLY, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    root_sha256(dir, md);
    jp_hex_encode(md, sizeof md, want);
    CHECK_INT(keys_root_fingerprint(k, hex), 0);
    CHECK_STR(hex, want);
    keys_close(k);
    CHECK_INT(keys_fingerprint_parse(hex, got), 0);
    CHECK(memcmp(got, md, 32) == 0);
    for (size_t i = 0; i < 32; i++)
        snprintf(colons + strlen(colons), 4, "%s%02X", i > 0 ? ":" : "", md[i]);
    CHECK_INT(keys_fingerprint_parse(colons, got), 0);
    CHECK(memcmp(got, md, 32) == 0);
    hex[63] = '\0';
    CHECK_INT(keys_fingerprint_parse(hex, got), KEYS_E_INVAL);
    CHECK_INT(keys_fingerprint_parse("", got), KEYS_E_INVAL);
    CHECK_INT(keys_fingerprint_parse(":00", got), KEYS_E_INVAL);
    strcat(colons, ":");
    CHECK_INT(keys_fingerprint_parse(colons, got), KEYS_E_INVAL);
}

/* A revoke that cannot publish the trust list (no root key) changes nothing. */
static void test_revoke_publish(void)
{
    struct keys_create_opts o = opts(NULL);
    char dir[256], state[512], trust[512], err[256] = "";
    unsigned char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0, n = 0;
    struct keys_info info[KEYS_MAX_SIGNING];
    keys_t *k = NULL;

    path_in(dir, sizeof dir, tmp, "publish/keys");
    path_in(state, sizeof state, dir, "keys.json");
    path_in(trust, sizeof trust, tmp, "publish-trust.pem");
    CHECK_INT(keys_create(dir, &o, err, sizeof err), 0);
    test_fingerprint(dir);
    CHECK_INT(keys_open(dir, KEYS_PUBLIC_ONLY, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_INT(jp_read_file(state, KEYS_STATE_MAX_TEST, &before, &blen), 0);
    CHECK_INT(keys_revoke_publish(k, info[0].kid, trust, err, sizeof err), KEYS_E_NO_ROOT_KEY);
    CHECK_INT(jp_read_file(state, KEYS_STATE_MAX_TEST, &after, &alen), 0);
    CHECK(blen == alen && before != NULL && after != NULL && memcmp(before, after, blen) == 0);
    CHECK(access(trust, F_OK) != 0);
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    CHECK_INT(info[0].state, KEYS_ACTIVE);
    keys_close(k);
    k = NULL;
    CHECK_INT(keys_open(dir, KEYS_WITH_ROOT, NULL, 0, &k, err, sizeof err), 0);
    if (k != NULL) {
        CHECK_INT(keys_revoke_publish(k, info[0].kid, trust, err, sizeof err), 0);
        CHECK_INT(keys_can_sign(k), 0);
        CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
        CHECK_INT(info[0].state, KEYS_REVOKED);
        CHECK(access(trust, F_OK) == 0);
    }
    keys_close(k);
    free(before);
    free(after);
}

static void test_cms(void)
{
    static const char part1[] = "%PDF-1.7 the bytes before the signature ";
    static const char part2[] = "and the bytes after it %%EOF\n";
    struct jp_span r[2] = {{(const unsigned char *)part1, sizeof part1 - 1},
                           {(const unsigned char *)part2, sizeof part2 - 1}};
    char dir[256], err[256] = "", both[128], cmd[2048], path[512];
    unsigned char *der = NULL;
    size_t derlen = 0;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    CMS_SignerInfo *si;
    STACK_OF(X509) * certs;
    X509 *root;
    keys_t *k = NULL;

    path_in(dir, sizeof dir, tmp, "plain/keys");
    CHECK_INT(keys_open(dir, 0, NULL, 0, &k, err, sizeof err), 0);
    if (k == NULL)
        return;
    CHECK_INT(keys_cms_sign_detached(k, r, 3, &der, &derlen, err, sizeof err), KEYS_E_INVAL);
    CHECK_INT(keys_cms_sign_detached(k, r, 2, &der, &derlen, err, sizeof err), 0);
    keys_close(k);
    cms = cms_from(der, derlen);
    CHECK(cms != NULL);
    root = read_root(dir);
    if (cms == NULL || root == NULL)
        goto out;
    snprintf(both, sizeof both, "%s%s", part1, part2);
    CHECK_INT(cms_verify_with(cms, root, both), 1);
    both[10] ^= 0x20;
    CHECK(cms_verify_with(cms, root, both) != 1);
    both[10] ^= 0x20;

    CHECK(CMS_is_detached(cms) == 1);
    sis = CMS_get0_SignerInfos(cms);
    CHECK_INT(sk_CMS_SignerInfo_num(sis), 1);
    si = sk_CMS_SignerInfo_value(sis, 0);
    CHECK_INT(CMS_signed_get_attr_count(si), 3);
    CHECK(CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) >= 0);
    CHECK(CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1) >= 0);
    CHECK(CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) >= 0);
    CHECK(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) < 0);
    CHECK(CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities, -1) < 0);
    /* the signing certificate alone: the root is the trust list's, not the CMS's */
    certs = CMS_get1_certs(cms);
    CHECK_INT(sk_X509_num(certs), 1);
    CHECK(certs != NULL && sk_X509_num(certs) == 1 &&
          X509_cmp(sk_X509_value(certs, 0), root) != 0 &&
          X509_check_ca(sk_X509_value(certs, 0)) == 0);
    sk_X509_pop_free(certs, X509_free);

    /* The openssl tool agrees, and refuses a one-byte change of the content. */
    path_in(path, sizeof path, tmp, "sig.der");
    CHECK_INT(jp_write_file_excl(path, der, derlen, 0600), 0);
    path_in(path, sizeof path, tmp, "content.bin");
    CHECK_INT(jp_write_file_excl(path, both, strlen(both), 0600), 0);
    snprintf(cmd, sizeof cmd,
             "openssl cms -verify -binary -inform DER -in %s/sig.der -content %s/content.bin "
             "-CAfile %s/root.pem -out /dev/null 2>/dev/null",
             tmp, tmp, dir);
    CHECK_INT(run(cmd), 0);
    both[0] = '#';
    unlink(path);
    CHECK_INT(jp_write_file_excl(path, both, strlen(both), 0600), 0);
    CHECK(run(cmd) != 0);
    X509_free(root);
out:
    CMS_ContentInfo_free(cms);
    keys_free_der(der);
}

int main(void)
{
    if (tmpdir_make(tmp, "test_keys") != 0)
        return 1;
    test_create_modes();
    test_create_refuses_non_empty();
    test_public_only();
    test_encrypted();
    test_rotate_revoke();
    test_trust_list();
    test_cms();
    test_revoke_publish();
    jp_remove_tree(tmp);
    return CHECK_DONE();
}
