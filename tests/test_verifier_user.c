/*
 * test_verifier_user.c - the public daemon runs as a user that cannot read the
 * private keys (issue 12 finding 6). The home is made by root with keys/ 0700
 * and *.key 0600 owned by root; the store is given to the verifier's group
 * read-only (lock.mdb read-write, as every LMDB reader needs), HOME/portal/ to
 * the verifier's user; then jianpei-verifier runs as nobody:nogroup (setpriv)
 * and answers lookups and QR verdicts from the signed trust list. Needs root
 * (CI runs the suite as root): skipped (77) otherwise.
 */
#include "check.h"
#include "verifier_client.h"

#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256], home[300];

static void in_home(char *out, size_t outsz, const char *name)
{
    if (snprintf(out, outsz, "%s/%s", home, name) >= (int)outsz)
        out[0] = '\0';
}

/* The modes of docs/operations.md "Users and file modes". */
static int give_modes(uid_t vuid, gid_t vgid)
{
    char p[400];
    const char *store_files[] = {"store/data.mdb", "store/lock.mdb"};
    mode_t store_modes[] = {0640, 0660};
    size_t i;

    if (chmod(dir, 0755) != 0 || chmod(home, 0755) != 0)
        return -1;
    in_home(p, sizeof(p), "keys");
    if (chmod(p, 0700) != 0)
        return -1;
    in_home(p, sizeof(p), "store");
    if (chown(p, 0, vgid) != 0 || chmod(p, 0750) != 0)
        return -1;
    for (i = 0; i < 2; i++) {
        in_home(p, sizeof(p), store_files[i]);
        if (chown(p, 0, vgid) != 0 || chmod(p, store_modes[i]) != 0)
            return -1;
    }
    in_home(p, sizeof(p), "portal");
    if (mkdir(p, 0700) != 0 || chown(p, vuid, vgid) != 0)
        return -1;
    return 0;
}

/* 1 when the home keeps its keys in a PKCS#11 token (keys.json names it). */
static int keys_in_token(void)
{
    char cmd[400];

    snprintf(cmd, sizeof(cmd), "grep -q '\"pkcs11\"' %s/keys/keys.json", home);
    return system(cmd) == 0;
}

/*
 * A token home (scripts/test-pkcs11.sh): 1 when no private key file exists
 * under keys/ but the OFD seal's SM2 keys (no PKCS#11 mechanism for SM2), which
 * user cannot read, and the token's own files (SoftHSM2's token directory, next
 * to $SOFTHSM2_CONF) are closed to user, so no key of the token can be read.
 */
static int token_private(const char *user)
{
    const char *conf = getenv("SOFTHSM2_CONF");
    char cmd[1200];

    if (conf == NULL)
        return 0;
    snprintf(cmd, sizeof(cmd),
             "test -z \"$(ls %s/keys | grep '\\.key$' | grep -v '^sm2-')\" && "
             "k=%s/keys/sm2-sign.key && test -f \"$k\" && "
             "! setpriv --reuid=%s --regid=nogroup --clear-groups cat \"$k\" >/dev/null 2>&1 && "
             "d=$(dirname %s)/tokens && "
             "test -d \"$d\" && ! setpriv --reuid=%s --regid=nogroup --clear-groups "
             "ls \"$d\" >/dev/null 2>&1",
             home, home, user, conf, user);
    return system(cmd) == 0;
}

/* 1 when there are private keys and every keys/ *.key is 0600 and owned by root. */
static int keys_private(void)
{
    char pattern[400];
    glob_t g;
    size_t i;
    int ok;

    in_home(pattern, sizeof(pattern), "keys/*.key");
    if (glob(pattern, 0, NULL, &g) != 0)
        return 0;
    ok = g.gl_pathc >= 2;
    for (i = 0; i < g.gl_pathc; i++) {
        struct stat st;

        ok &= stat(g.gl_pathv[i], &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0600;
    }
    globfree(&g);
    return ok;
}

static int has(const struct vc_resp *r, const char *s)
{
    return r->body != NULL && strstr((const char *)r->body, s) != NULL;
}

int main(void)
{
    char no[19] = "", url[2048] = "", err_path[400], key[400], verifier_bin[600], forged[2048];
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    struct passwd *pw = getpwnam("nobody");
    struct group *gr = getgrnam("nogroup");
    struct vc_daemon d = {0};
    char name[257], id[33];
    struct vc_resp r;

    if (geteuid() != 0 || pw == NULL || gr == NULL || access("/usr/bin/setpriv", X_OK) != 0) {
        fprintf(stderr, "SKIP: needs root, nobody:nogroup and setpriv\n");
        return 77;
    }
    snprintf(dir, sizeof(dir), "/tmp/jp-vuser-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(home, sizeof(home), "%s/jianpei-home", dir);
    snprintf(verifier_bin, sizeof(verifier_bin), "%s/jianpei-verifier", JP_BIN_DIR);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 2) == 0);
    CHECK(vc_holder(dir, 0, no, name, id) == 0);
    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, no, url, sizeof(url)) == 0);
    CHECK(give_modes(pw->pw_uid, gr->gr_gid) == 0);
    /* The premise: that user cannot read a private key (a file, or the token's). */
    if (keys_in_token())
        CHECK(token_private("nobody"));
    else
        CHECK(keys_private());
    in_home(key, sizeof(key), "keys/root.key");
    if (!keys_in_token()) {
        char *cat[] = {"/usr/bin/setpriv",
                       "--reuid=nobody",
                       "--regid=nogroup",
                       "--clear-groups",
                       "/bin/cat",
                       key,
                       NULL};

        CHECK(vc_run(cat, NULL) != 0);
    }
    snprintf(err_path, sizeof(err_path), "%s/daemon.log", dir);
    {
        char *wrap[] = {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};

        CHECK(vc_daemon_start_under(wrap, sizeof wrap / sizeof wrap[0], verifier_bin, home,
                                    err_path, &d) == 0);
    }
    if (d.port > 0 && strstr(url, "/V/") != NULL) {
        const char *body = "{\"name\":\"x\",\"id_number\":\"y\"}";
        char path[128];

        snprintf(path, sizeof(path), "/api/v1/certificates/%s", no);
        CHECK(vc_http(d.port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 200);
        CHECK(has(&r, "\"status\":\"valid\""));
        vc_resp_free(&r);
        CHECK(vc_http(d.port, "GET", strstr(url, "/V/"), "Accept: application/json\r\n", NULL, 0,
                      &r) == 0 &&
              r.status == 200);
        CHECK(has(&r, "\"verdict\":\"genuine\""));
        vc_resp_free(&r);
        snprintf(forged, sizeof(forged), "%s", strstr(url, "/V/"));
        forged[strlen(forged) - 10] = forged[strlen(forged) - 10] == 'A' ? 'B' : 'A';
        CHECK(vc_http(d.port, "GET", forged, "Accept: application/json\r\n", NULL, 0, &r) == 0);
        CHECK(has(&r, "\"verdict\":\"forged\""));
        vc_resp_free(&r);
        snprintf(path, sizeof(path), "/api/v1/certificates/%s/holder-check", no);
        CHECK(vc_http(d.port, "POST", path, NULL, body, strlen(body), &r) == 0 && r.status == 200);
        vc_resp_free(&r);
    }
    CHECK_INT(vc_daemon_stop(&d), 0);
    vc_run(rm, NULL);
    return CHECK_DONE();
}
