/*
 * test_sm2.c - the SM2 hierarchy of keys/sm2.c (SPEC §11): generation, the
 * files (0600, never overwritten), loading, SM2 signatures with the GM/T 0009
 * identifier, and SM3. Two implementations that are not our code check the
 * results: the openssl command (certificate chain and a data signature, both
 * with distid 1234567812345678 - and refused without it, which proves the
 * identifier is really used) and npm sm-crypto (tests/peers/sm2-verify.mjs,
 * installed by scripts/install-peers.sh; missing, the test fails).
 */
#include "check.h"
#include "keys.h"
#include "sh.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMVERIFY JP_SOURCE_DIR "/tests/peers/sm2-verify.mjs"
#define SMCRYPTO JP_SOURCE_DIR "/tests/peers/node_modules/sm-crypto/package.json"

static char tmpdir[64];

static const struct keys_create_opts opts = {
    .authority = "广东省住房和城乡建设厅",
    .uscc = "11440000006939631R",
    .province = "44",
};

static void path_in(char *out, size_t outsz, const char *name)
{
    CHECK(jp_path_join(out, outsz, tmpdir, name) == 0);
}

static void test_sm3(void)
{
    static const char want[] = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
    unsigned char d[32];
    char hex[65];

    CHECK_INT(keys_sm3((const unsigned char *)"abc", 3, d), 0);
    jp_hex_encode(d, sizeof d, hex);
    CHECK_STR(hex, want);
}

static void test_files(const keys_sm2_t *s)
{
    static const char *const names[] = {"sm2-root.pem", "sm2-root.key", "sm2-sign.pem",
                                        "sm2-sign.key"};
    char path[512], err[256] = "";
    struct stat st;
    size_t i;

    CHECK_INT(keys_sm2_save(s, tmpdir, NULL, 0, err, sizeof err), 0);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        path_in(path, sizeof path, names[i]);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    }
    /* A second save never overwrites. */
    CHECK_INT(keys_sm2_save(s, tmpdir, NULL, 0, err, sizeof err), EEXIST);
}

/* openssl verifies the chain with the identifier, and refuses it without. */
static void test_openssl_chain(void)
{
    char root[512], sign[512];

    path_in(root, sizeof root, "sm2-root.pem");
    path_in(sign, sizeof sign, "sm2-sign.pem");
    CHECK_INT(sh("openssl verify -CAfile '%s' -vfyopt distid:1234567812345678 '%s' >/dev/null",
                 root, sign),
              0);
    CHECK(sh("openssl verify -CAfile '%s' '%s' >/dev/null 2>&1", root, sign) != 0);
    CHECK_INT(sh("openssl x509 -in '%s' -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3'",
                 sign),
              0);
}

static void write_tmp(const char *name, const void *data, size_t len, char *path, size_t pathsz)
{
    path_in(path, pathsz, name);
    unlink(path);
    CHECK_INT(jp_write_file_excl(path, data, len, 0600), 0);
}

/* A data signature checked by openssl pkeyutl and by sm-crypto. */
static void test_peers(const keys_sm2_t *s, const unsigned char *msg, size_t msglen,
                       const unsigned char *sig, size_t siglen)
{
    char msgpath[512], sigpath[512], cert[512], sighex[2 * KEYS_SM2_SIG_MAX + 1];
    char pub[KEYS_SM2_PUB_HEX_LEN];
    const unsigned char *der;
    size_t derlen;

    write_tmp("msg.bin", msg, msglen, msgpath, sizeof msgpath);
    write_tmp("msg.sig", sig, siglen, sigpath, sizeof sigpath);
    path_in(cert, sizeof cert, "sm2-sign.pem");
    CHECK_INT(sh("openssl pkeyutl -verify -certin -inkey '%s' -rawin -digest sm3 -pkeyopt "
                 "distid:1234567812345678 -in '%s' -sigfile '%s' >/dev/null",
                 cert, msgpath, sigpath),
              0);
    CHECK(sh("openssl pkeyutl -verify -certin -inkey '%s' -rawin -digest sm3 -in '%s' -sigfile "
             "'%s' >/dev/null 2>&1",
             cert, msgpath, sigpath) != 0);

    CHECK(access(SMCRYPTO, R_OK) == 0); /* scripts/install-peers.sh: npm ci in tests/peers */
    CHECK_INT(keys_sm2_cert_der(s, KEYS_SM2_SIGNER, &der, &derlen), 0);
    CHECK_INT(keys_sm2_pub_hex(der, derlen, pub), 0);
    CHECK(strlen(pub) == 130 && strncmp(pub, "04", 2) == 0);
    jp_hex_encode(sig, siglen, sighex);
    CHECK_INT(sh("node '%s' '%s' %s %s >/dev/null", SMVERIFY, msgpath, sighex, pub), 0);
    /* One byte changed: sm-crypto refuses too. */
    write_tmp("msg.bin", "Xbc", 3, msgpath, sizeof msgpath);
    CHECK_INT(sh("node '%s' '%s' %s %s >/dev/null", SMVERIFY, msgpath, sighex, pub), 1);
}

static void test_sign(const keys_sm2_t *s)
{
    static const unsigned char msg[] = "证书编号 442023123456789010";
    unsigned char sig[KEYS_SM2_SIG_MAX], bad[sizeof msg];
    const unsigned char *der, *root;
    size_t siglen = 0, derlen, rootlen;
    char err[256] = "";

    CHECK_INT(keys_sm2_sign(s, KEYS_SM2_SIGNER, msg, sizeof msg - 1, sig, &siglen, err, sizeof err),
              0);
    CHECK(siglen >= 68 && siglen <= 72 && sig[0] == 0x30);
    CHECK_INT(keys_sm2_cert_der(s, KEYS_SM2_SIGNER, &der, &derlen), 0);
    CHECK_INT(keys_sm2_cert_der(s, KEYS_SM2_ROOT, &root, &rootlen), 0);
    CHECK_INT(keys_sm2_verify(der, derlen, msg, sizeof msg - 1, sig, siglen), 1);
    memcpy(bad, msg, sizeof msg);
    bad[0] ^= 1;
    CHECK_INT(keys_sm2_verify(der, derlen, bad, sizeof msg - 1, sig, siglen), 0);
    /* The root's key did not make it. */
    CHECK_INT(keys_sm2_verify(root, rootlen, msg, sizeof msg - 1, sig, siglen), 0);
    CHECK_INT(keys_sm2_verify(der, derlen - 1, msg, sizeof msg - 1, sig, siglen), -1);
    CHECK_INT(keys_sm2_cert_issued_by(der, derlen, root, rootlen), 1);
    CHECK_INT(keys_sm2_cert_issued_by(root, rootlen, root, rootlen), 1);
    CHECK_INT(keys_sm2_cert_issued_by(root, rootlen, der, derlen), 0);
    test_peers(s, msg, sizeof msg - 1, sig, siglen);
}

static void test_load(void)
{
    keys_sm2_t *s = NULL;
    unsigned char sig[KEYS_SM2_SIG_MAX];
    size_t siglen;
    char err[256] = "";

    CHECK_INT(keys_sm2_load(tmpdir, 1, NULL, 0, &s, err, sizeof err), 0);
    CHECK(s != NULL);
    if (s != NULL)
        test_sign(s);
    keys_sm2_free(s);
    s = NULL;
    CHECK_INT(keys_sm2_load(tmpdir, 0, NULL, 0, &s, err, sizeof err), 0);
    if (s != NULL)
        CHECK_INT(keys_sm2_sign(s, KEYS_SM2_ROOT, (const unsigned char *)"a", 1, sig, &siglen, err,
                                sizeof err),
                  KEYS_E_NO_PRIVATE_KEY);
    keys_sm2_free(s);
}

/* Encrypted keys: a wrong passphrase is refused and leaves nothing loaded. */
static void test_encrypted(const keys_sm2_t *s)
{
    static const unsigned char pass[] = "correct horse";
    char dir[512], err[256] = "";
    keys_sm2_t *l = NULL;

    path_in(dir, sizeof dir, "enc");
    CHECK(mkdir(dir, 0700) == 0);
    CHECK_INT(keys_sm2_save(s, dir, pass, sizeof pass - 1, err, sizeof err), 0);
    CHECK_INT(keys_sm2_load(dir, 1, (const unsigned char *)"wrong", 5, &l, err, sizeof err),
              KEYS_E_BAD_PASSPHRASE);
    CHECK(l == NULL);
    CHECK_INT(keys_sm2_load(dir, 1, pass, sizeof pass - 1, &l, err, sizeof err), 0);
    keys_sm2_free(l);
    CHECK_INT(sh("grep -q 'ENCRYPTED PRIVATE KEY' '%s/sm2-sign.key'", dir), 0);
    CHECK_INT(sh("rm -r '%s'", dir), 0);
}

/* A signing certificate of another hierarchy does not load with this root. */
static void test_mismatch(void)
{
    char err[256] = "", other[512];
    keys_sm2_t *o = NULL, *l = NULL;

    path_in(other, sizeof other, "other");
    CHECK(mkdir(other, 0700) == 0);
    CHECK_INT(keys_sm2_generate(&opts, &o, err, sizeof err), 0);
    CHECK_INT(keys_sm2_save(o, other, NULL, 0, err, sizeof err), 0);
    CHECK_INT(sh("cp '%s/sm2-root.pem' '%s/sm2-root.pem'", tmpdir, other), 0);
    CHECK_INT(keys_sm2_load(other, 0, NULL, 0, &l, err, sizeof err), KEYS_E_STATE);
    CHECK(strstr(err, "not issued by") != NULL);
    keys_sm2_free(o);
    CHECK_INT(sh("rm -r '%s'", other), 0);
}

int main(void)
{
    keys_sm2_t *s = NULL;
    char err[256] = "";
    struct keys_create_opts bad = opts;

    memcpy(tmpdir, "/tmp/jp-sm2-XXXXXX", sizeof("/tmp/jp-sm2-XXXXXX"));
    CHECK(mkdtemp(tmpdir) != NULL);
    test_sm3();
    bad.uscc = "short";
    CHECK_INT(keys_sm2_generate(&bad, &s, err, sizeof err), KEYS_E_INVAL);
    CHECK(s == NULL);
    CHECK_INT(keys_sm2_generate(&opts, &s, err, sizeof err), 0);
    if (s != NULL) {
        test_files(s);
        test_openssl_chain();
        test_load();
        test_encrypted(s);
        test_mismatch();
    }
    keys_sm2_free(s);
    CHECK_INT(sh("rm -r '%s'", tmpdir), 0);
    return CHECK_DONE();
}
