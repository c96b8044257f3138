/*
 * test_sm2_keys.c - the SM2 hierarchy in rotation, revocation, the trust list
 * and a CRL (issue 18, SPEC §11, §13), as an operator and a relying party see
 * it, on a home with one issued certificate:
 *   - keys list shows the SM2 signing key active; keys rotate rotates both
 *     hierarchies (a new SM2 key under new file names, the first one kept and
 *     retired), and a package sealed after the rotation carries the new key;
 *   - a rotate that cannot open the SM2 root key exits 3 and changes nothing;
 *     a revoke of an unknown kid exits 3 and changes nothing;
 *   - keys revoke of the first SM2 kid: the trust list lists every SM2
 *     signing certificate with its state, verify-file says revoked_key for
 *     the package it sealed and valid for the later one, the verifier's file
 *     check page says so in Chinese;
 *   - HOME/sm2-root.crl: X.509 v2, SM2-with-SM3, lists the revoked serial
 *     (openssl crl), its signature verifies with the SM2 root and KEYS_SM2_ID
 *     (our C API, which OpenSSL's command line cannot do) and fails when one
 *     byte changes; GET /api/v1/crl/sm2-root.crl serves it with an ETag;
 *   - keys sm2-init on a home without SM2 keys re-exports the trust list at
 *     once (the new SM2 certificate listed, active) and issues the CRL; when
 *     its audit entry cannot be written it exits 3 and changes nothing (the
 *     trust list byte for byte, no SM2 key file, no CRL);
 *   - HOME/sm2-root.crl revokes an SM2 key a stale trust list still lists as
 *     usable: verify-file --sm2-crl says revoked_key, and so does the daemon's
 *     file check, which loads the CRL at start and again when it changes; a
 *     CRL not signed by the SM2 root (the ECDSA root's, another home's SM2
 *     root's) is refused (exit 3) or, by the daemon, logged and left out.
 */
#include "capture.h"
#include "check.h"
#include "keys.h"
#include "util.h"
#include "verifier_client.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256], home[300], issuer_bin[600], verifier_bin[600];

static void path_in(char *out, size_t outsz, const char *name)
{
    CHECK(jp_path_join(out, outsz, dir, name) == 0);
}

static int issuer_in(const char *h, const char *a, const char *b, const char *c, const char *d,
                     const char *out)
{
    char *argv[] = {issuer_bin, "--home", (char *)h, (char *)a, (char *)b, (char *)c, (char *)d,
                    NULL};

    return vc_run(argv, out);
}

/* The kid of the SM2 signing key in state state ("active", "retired", "revoked"), from keys list. */
static int sm2_kid(const char *h, const char *state, char kid[17])
{
    char out[400], want[40], *text, *line;
    int found = 0;

    kid[0] = '\0';
    path_in(out, sizeof out, "list.txt");
    snprintf(want, sizeof want, "  %-8s  ", state);
    if (issuer_in(h, "keys", "list", NULL, NULL, out) != 0 || (text = vc_slurp(out, NULL)) == NULL)
        return 0;
    for (line = strtok(text, "\n"); line != NULL && !found; line = strtok(NULL, "\n"))
        if (strstr(line, "SM2 signing key") != NULL && strstr(line, want) == line + 16) {
            snprintf(kid, 17, "%.16s", line);
            found = 1;
        }
    free(text);
    return found;
}

/*
 * verify-file FILE --trust TRUST [--sm2-crl CRL]: the exit status, stdout into out.
 * trust NULL: HOME/trust-list.pem; crl NULL: none.
 */
static int verify_file_with(const char *file, const char *trust, const char *crl, char *out,
                            size_t outsz)
{
    char home_trust[400], log[400];
    char *argv[] = {verifier_bin, "verify-file", (char *)file, "--trust", home_trust,
                    "--sm2-crl",  (char *)crl,   NULL};
    char *text;
    int rc;

    snprintf(home_trust, sizeof home_trust, "%s/trust-list.pem", home);
    if (trust != NULL)
        argv[4] = (char *)trust;
    if (crl == NULL)
        argv[5] = NULL;
    path_in(log, sizeof log, "verify-file.out");
    rc = vc_run(argv, log);
    text = vc_slurp(log, NULL);
    snprintf(out, outsz, "%s", text != NULL ? text : "");
    free(text);
    return rc;
}

/* vc_verify_file against the home's trust list, its output logged as verify-file.out. */
static int verify_file(const char *file, char *out, size_t outsz)
{
    char log[400];

    path_in(log, sizeof log, "verify-file.out");
    return vc_verify_file(verifier_bin, home, file, 0, log, out, outsz);
}

/* The state the trust list gives the SM2 kid kid; -1 when it does not list it. */
static int trust_state(const char *h, const char *kid)
{
    char trust[400], root[400], err[256] = "";
    struct keys_sm2_trusted info;
    keys_trust_t *t = NULL;
    int state = -1;

    snprintf(trust, sizeof trust, "%s/trust-list.pem", h);
    snprintf(root, sizeof root, "%s/trust-root.pem", h);
    if (keys_trust_load_root_file(trust, root, &t, err, sizeof err) != 0)
        return -2;
    for (size_t i = 0; keys_trust_sm2_get(t, i, &info) == 0; i++)
        if (strcmp(info.kid, kid) == 0)
            state = (int)info.state;
    keys_trust_free(t);
    return state;
}

/* DER of a PEM certificate file into der (malloc'd). */
static int pem_der(const char *path, unsigned char **der, size_t *len)
{
    char cmd[900], out[400];

    path_in(out, sizeof out, "cert.der");
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -outform DER -out '%s'", path, out);
    if (system(cmd) != 0)
        return -1;
    return jp_read_file(out, 1u << 16, der, len);
}

static int file_has(const char *path, const char *s)
{
    char *text = vc_slurp(path, NULL);
    int found = text != NULL && strstr(text, s) != NULL;

    free(text);
    return found;
}

static void test_crl(const char *revoked_cert)
{
    char crl[400], root[400], cmd[1200], out[400], serial[80] = "";
    unsigned char *der = NULL, *rootder = NULL, *cert = NULL;
    size_t len = 0, rootlen = 0, certlen = 0;
    struct keys_crl_info info;
    FILE *f;

    snprintf(crl, sizeof crl, "%s/sm2-root.crl", home);
    snprintf(root, sizeof root, "%s/keys/sm2-root.pem", home);
    path_in(out, sizeof out, "crl.txt");
    snprintf(cmd, sizeof cmd, "openssl crl -inform DER -in '%s' -noout -text > '%s'", crl, out);
    CHECK_INT(system(cmd), 0);
    cap_file(out, "sm2-crl.txt");
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -noout -serial | cut -d= -f2", revoked_cert);
    f = popen(cmd, "r");
    CHECK(f != NULL && fgets(serial, sizeof serial, f) != NULL);
    if (f != NULL)
        pclose(f);
    serial[strcspn(serial, "\n")] = '\0';
    CHECK(strlen(serial) > 8);
    CHECK(file_has(out, "Version 2") && file_has(out, "SM2-with-SM3") &&
          file_has(out, "Next Update") && file_has(out, serial));
    /* the signature, with the SM2 root's key and KEYS_SM2_ID */
    CHECK_INT(jp_read_file(crl, KEYS_CRL_MAX, &der, &len), 0);
    CHECK_INT(pem_der(root, &rootder, &rootlen), 0);
    CHECK_INT(pem_der(revoked_cert, &cert, &certlen), 0);
    CHECK_INT(keys_sm2_crl_verify(der, len, rootder, rootlen), 1);
    CHECK(keys_crl_check(der, len, NULL, 0, cert, certlen, &info) == 0 && info.listed == 1 &&
          info.nrevoked == 1 && info.next_update > info.this_update);
    if (der != NULL && len > 40) {
        der[len - 5] ^= 0x01; /* inside the signature value */
        CHECK_INT(keys_sm2_crl_verify(der, len, rootder, rootlen), 0);
        der[len - 5] ^= 0x01;
        der[len / 2] ^= 0x01; /* inside what it signs */
        CHECK(keys_sm2_crl_verify(der, len, rootder, rootlen) != 1);
    }
    free(der);
    free(rootder);
    free(cert);
}

/* POSTs the file at path to the file check form (vc_form_check): the page into *page. */
static int form_check(int port, const char *path, struct vc_resp *page)
{
    unsigned char *file = NULL;
    size_t flen = 0;
    int rc;

    memset(page, 0, sizeof(*page));
    if (jp_read_file(path, 8u << 20, &file, &flen) != 0)
        return -1;
    rc = vc_form_check(port, file, flen, NULL, page);
    free(file);
    return rc;
}

static void test_verifier(const char *old_ofd, const char *new_ofd)
{
    char err_path[400], etag[128] = "", cc[128] = "", crl[400], hdr[200];
    char *argv[] = {verifier_bin, "--home",           home,
                    "--listen",   "127.0.0.1:0",      "--threads",
                    "2",          "--no-rate-limits", NULL};
    unsigned char *der = NULL;
    size_t len = 0;
    struct vc_daemon d;
    struct vc_resp r;

    path_in(err_path, sizeof err_path, "verifier.err");
    if (vc_daemon_start(argv, err_path, &d) != 0) {
        CHECK(!"verifier started");
        return;
    }
    snprintf(crl, sizeof crl, "%s/sm2-root.crl", home);
    CHECK_INT(jp_read_file(crl, KEYS_CRL_MAX, &der, &len), 0);
    CHECK(vc_http(d.port, "GET", "/api/v1/crl/sm2-root.crl", NULL, NULL, 0, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(r.len == len && der != NULL && memcmp(r.body, der, len) == 0);
    CHECK(vc_header(&r, "ETag", etag, sizeof etag) == 0 && etag[0] == '"');
    CHECK(vc_header(&r, "Cache-Control", cc, sizeof cc) == 0 && strstr(cc, "max-age=") != NULL);
    CHECK(vc_header(&r, "Content-Type", hdr, sizeof hdr) == 0 &&
          strcmp(hdr, "application/pkix-crl") == 0);
    vc_resp_free(&r);
    snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", etag);
    CHECK(vc_http(d.port, "GET", "/api/v1/crl/sm2-root.crl", hdr, NULL, 0, &r) == 0 &&
          r.status == 304);
    vc_resp_free(&r);
    free(der);
    /* the file check: the package the revoked key sealed (replaced by a reissue), the later one */
    CHECK(form_check(d.port, old_ofd, &r) == 0 && r.status == 200);
    CHECK(r.body != NULL && strstr((char *)r.body, "旧版文件") != NULL &&
          strstr((char *)r.body, "签章密钥已吊销") != NULL);
    vc_resp_free(&r);
    CHECK(form_check(d.port, new_ofd, &r) == 0 && r.status == 200);
    CHECK(r.body != NULL && strstr((char *)r.body, "原件一致") != NULL &&
          strstr((char *)r.body, "签章密钥已吊销") == NULL);
    vc_resp_free(&r);
    CHECK(vc_daemon_stop(&d) == 0);
}

/* keys sm2-init on a home made without SM2 keys: the trust list lists them at once. */
static void test_sm2_init(void)
{
    char h2[400], path[600], kid[17], store[600], saved[400], junk[4096];
    unsigned char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;
    const char *files[] = {"keys/sm2-root.pem", "keys/sm2-root.key", "keys/sm2-sign.pem",
                           "keys/sm2-sign.key", "sm2-root.crl"};
    char *init[] = {issuer_bin,   "init", "--home", h2, "--authority", "广东省住房和城乡建设厅",
                    "--authority-uscc", "11440000MB2C12345J", "--public-url",
                    "http://127.0.0.1:8080", NULL};

    memset(junk, 'x', sizeof junk);
    path_in(h2, sizeof h2, "old-home");
    CHECK_INT(vc_run(init, NULL), 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", h2, files[i]);
        CHECK_INT(unlink(path), 0);
    }
    CHECK_INT(issuer_in(h2, "keys", "export-trust", NULL, NULL, NULL), 0);
    CHECK(!sm2_kid(h2, "active", kid));
    /* the audit entry cannot be written (a store that does not open): exit 3, nothing changed */
    snprintf(path, sizeof path, "%s/trust-list.pem", h2);
    CHECK_INT(jp_read_file(path, 1u << 20, &before, &blen), 0);
    snprintf(store, sizeof store, "%s/store/data.mdb", h2);
    path_in(saved, sizeof saved, "old-home-data.mdb");
    CHECK_INT(rename(store, saved), 0);
    CHECK_INT(jp_write_file_atomic(store, junk, sizeof junk, 0600), 0);
    CHECK_INT(issuer_in(h2, "keys", "sm2-init", NULL, NULL, NULL), 3);
    CHECK_INT(rename(saved, store), 0);
    CHECK_INT(jp_read_file(path, 1u << 20, &after, &alen), 0);
    CHECK(blen == alen && before != NULL && after != NULL && memcmp(before, after, blen) == 0);
    free(before);
    free(after);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", h2, files[i]);
        CHECK(access(path, F_OK) != 0);
    }
    CHECK(!sm2_kid(h2, "active", kid));
    CHECK_INT(issuer_in(h2, "keys", "sm2-init", NULL, NULL, NULL), 0);
    CHECK(sm2_kid(h2, "active", kid));
    CHECK_INT(trust_state(h2, kid), KEYS_ACTIVE);
    snprintf(path, sizeof path, "%s/sm2-root.crl", h2);
    CHECK(access(path, F_OK) == 0);
}

/* from's bytes written to to (atomically, a new inode: what the issuer does). 0 or an errno. */
static int copy_file(const char *from, const char *to)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = jp_read_file(from, 1u << 20, &data, &len);

    if (rc == 0)
        rc = jp_write_file_atomic(to, data, len, 0644);
    free(data);
    return rc;
}

/* The daemon's file check page of path says the SM2 key is revoked (1), not (0), or failed (-1). */
static int page_says_revoked(int port, const char *path)
{
    struct vc_resp r;
    int said = -1;

    if (form_check(port, path, &r) == 0 && r.status == 200 && r.body != NULL)
        said = strstr((char *)r.body, "签章密钥已吊销") != NULL;
    vc_resp_free(&r);
    return said;
}

/* Polls the file check (the daemon looks at its files at most once a second) until it says want. */
static int page_turns(int port, const char *path, int want)
{
    for (int i = 0; i < 100; i++) {
        if (page_says_revoked(port, path) == want)
            return 1;
        usleep(100 * 1000);
    }
    return 0;
}

/*
 * The SM2 root's CRL against a stale trust list (exported before kid1 was
 * revoked: kid1 still retired there, still usable): offline and in the daemon.
 */
static void test_sm2_crl(const char *old_ofd, const char *new_ofd, const char *stale,
                         const char *other_home)
{
    char crl[400], ecdsa_crl[400], other_crl[700], tl[400], saved_tl[400], saved_crl[400];
    char out[1024], err_path[400];
    char *argv[] = {verifier_bin, "--home",           home,
                    "--listen",   "127.0.0.1:0",      "--threads",
                    "2",          "--no-rate-limits", NULL};
    char *crl_argv[] = {verifier_bin, "verify-file", (char *)new_ofd, "--trust", (char *)stale,
                        "--crl",      ecdsa_crl,     NULL};
    struct vc_daemon d;

    snprintf(crl, sizeof crl, "%s/sm2-root.crl", home);
    snprintf(ecdsa_crl, sizeof ecdsa_crl, "%s/root.crl", home);
    snprintf(other_crl, sizeof other_crl, "%s/sm2-root.crl", other_home);
    /* offline: the stale list alone calls the old package valid; with the CRL, revoked_key */
    CHECK_INT(verify_file_with(old_ofd, stale, NULL, out, sizeof out), 0);
    CHECK_STR(out, "ofd: valid\n");
    CHECK_INT(verify_file_with(old_ofd, stale, crl, out, sizeof out), 1);
    CHECK(strncmp(out, "ofd: revoked_key", 16) == 0);
    CHECK_INT(verify_file_with(new_ofd, stale, crl, out, sizeof out), 0);
    CHECK_STR(out, "ofd: valid\n");
    /* a CRL the SM2 root did not sign is refused */
    CHECK_INT(verify_file_with(old_ofd, stale, ecdsa_crl, out, sizeof out), 3);
    CHECK_STR(out, "");
    CHECK_INT(verify_file_with(old_ofd, stale, other_crl, out, sizeof out), 3);
    CHECK_STR(out, "");
    /* --crl takes the ECDSA root's CRL (its keys, not the SM2 ones) and refuses the SM2 root's */
    CHECK_INT(vc_run(crl_argv, NULL), 0);
    crl_argv[6] = crl;
    CHECK_INT(vc_run(crl_argv, NULL), 3);

    /* the daemon, on the home with the stale list put back */
    snprintf(tl, sizeof tl, "%s/trust-list.pem", home);
    path_in(saved_tl, sizeof saved_tl, "trust-list.current");
    path_in(saved_crl, sizeof saved_crl, "sm2-root.crl.good");
    CHECK_INT(rename(tl, saved_tl), 0);
    CHECK_INT(copy_file(stale, tl), 0);
    CHECK_INT(copy_file(crl, saved_crl), 0);
    path_in(err_path, sizeof err_path, "verifier-crl.err");
    if (vc_daemon_start(argv, err_path, &d) != 0) {
        CHECK(!"verifier started");
        return;
    }
    CHECK_INT(page_says_revoked(d.port, old_ofd), 1); /* HOME/sm2-root.crl read at start */
    CHECK_INT(page_says_revoked(d.port, new_ofd), 0);
    CHECK_INT(copy_file(ecdsa_crl, crl), 0); /* not the SM2 root's: left out, logged */
    CHECK(page_turns(d.port, old_ofd, 0));
    CHECK(file_has(err_path, "not a CRL signed by the trust list's SM2 root"));
    CHECK_INT(copy_file(saved_crl, crl), 0); /* the good one again: reloaded */
    CHECK(page_turns(d.port, old_ofd, 1));
    CHECK(vc_daemon_stop(&d) == 0);
    CHECK_INT(rename(saved_tl, tl), 0);
}

int main(void)
{
    char no[19], name[257], id[33], kid1[17], kid2[17], kid[17];
    char ofd1[400], ofd2[400], out[1024], keysjson[600], moved[600], sm2key[600], first[600];
    char stale[400];
    unsigned char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;

    signal(SIGPIPE, SIG_IGN);
    if (vc_scratch(dir, sizeof dir, "/tmp/jp-sm2-keys-XXXXXX", home, sizeof home) != 0)
        return 3;
    CHECK(vc_bins(JP_BIN_DIR, issuer_bin, verifier_bin) == 0);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 1) == 0);
    CHECK(vc_holder(dir, 0, no, name, id) == 0);
    path_in(ofd1, sizeof ofd1, "c-v1.ofd");
    path_in(ofd2, sizeof ofd2, "c-v2.ofd");
    snprintf(keysjson, sizeof keysjson, "%s/keys/keys.json", home);
    snprintf(sm2key, sizeof sm2key, "%s/keys/sm2-root.key", home);
    path_in(moved, sizeof moved, "sm2-root.key");

    /* init: one SM2 signing key, active and listed so */
    CHECK(sm2_kid(home, "active", kid1));
    CHECK_INT(trust_state(home, kid1), KEYS_ACTIVE);
    CHECK_INT(issuer_in(home, "ofd", no, "--out", ofd1, NULL), 0);
    CHECK_INT(verify_file(ofd1, out, sizeof out), 0);
    CHECK_STR(out, "ofd: valid\n");

    /* a rotate that cannot open the SM2 root key: exit 3, nothing changed */
    CHECK_INT(jp_read_file(keysjson, 1u << 20, &before, &blen), 0);
    CHECK_INT(rename(sm2key, moved), 0);
    CHECK_INT(issuer_in(home, "keys", "rotate", NULL, NULL, NULL), 3);
    CHECK_INT(rename(moved, sm2key), 0);
    CHECK_INT(jp_read_file(keysjson, 1u << 20, &after, &alen), 0);
    CHECK(blen == alen && before != NULL && after != NULL && memcmp(before, after, blen) == 0);
    free(after);
    after = NULL;
    CHECK_INT(issuer_in(home, "keys", "revoke", "00112233aabbccdd", NULL, NULL), 3);
    CHECK_INT(jp_read_file(keysjson, 1u << 20, &after, &alen), 0);
    CHECK(blen == alen && after != NULL && memcmp(before, after, blen) == 0);
    free(before);
    free(after);

    /* keys rotate rotates both: the first SM2 key retired, its files kept, a new one active */
    CHECK_INT(issuer_in(home, "keys", "rotate", NULL, NULL, NULL), 0);
    CHECK(sm2_kid(home, "retired", kid) && strcmp(kid, kid1) == 0);
    CHECK(sm2_kid(home, "active", kid2) && strcmp(kid2, kid1) != 0);
    snprintf(first, sizeof first, "%s/keys/sm2-sign.pem", home);
    CHECK(access(first, F_OK) == 0);
    snprintf(moved, sizeof moved, "%s/keys/sm2-sign-%s.pem", home, kid2);
    CHECK(access(moved, F_OK) == 0);
    CHECK_INT(trust_state(home, kid1), KEYS_RETIRED);
    CHECK_INT(trust_state(home, kid2), KEYS_ACTIVE);
    CHECK_INT(verify_file(ofd1, out, sizeof out), 0); /* retired keys still verify */
    CHECK_INT(issuer_in(home, "reissue", no, NULL, NULL, NULL), 0);
    CHECK_INT(issuer_in(home, "ofd", no, "--out", ofd2, NULL), 0);

    /* keys revoke of the first SM2 key (the list before it kept: a stale list) */
    path_in(stale, sizeof stale, "trust-list.stale");
    snprintf(first, sizeof first, "%s/trust-list.pem", home);
    CHECK_INT(copy_file(first, stale), 0);
    snprintf(first, sizeof first, "%s/keys/sm2-sign.pem", home);
    CHECK_INT(issuer_in(home, "keys", "revoke", kid1, NULL, NULL), 0);
    CHECK(sm2_kid(home, "revoked", kid) && strcmp(kid, kid1) == 0);
    CHECK_INT(trust_state(home, kid1), KEYS_REVOKED);
    CHECK_INT(trust_state(home, kid2), KEYS_ACTIVE);
    CHECK_INT(verify_file(ofd1, out, sizeof out), 1);
    CHECK(strncmp(out, "ofd: revoked_key", 16) == 0);
    CHECK_INT(verify_file(ofd2, out, sizeof out), 0); /* sealed by the new key */
    CHECK_STR(out, "ofd: valid\n");
    test_crl(first);
    test_verifier(ofd1, ofd2);
    test_sm2_init();
    path_in(moved, sizeof moved, "old-home");
    test_sm2_crl(ofd1, ofd2, stale, moved);
    return CHECK_DONE();
}
