/*
 * home.c - creating a runtime home (`jianpei-issuer init`).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "issuer.h"
#include "audit.h"
#include "issuer_int.h"
#include "ident.h"
#include "keys.h"
#include "longterm.h"
#include "store.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 1 when path does not exist or is an empty directory, else 0. */
static int home_is_free(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int empty = 1;

    if (d == NULL)
        return errno == ENOENT;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Upper-cases the URL and checks it fits QR alphanumeric mode (SPEC §7). */
static int public_url_normalize(const char *in, char *out, size_t outsz, char *err, size_t errlen)
{
    static const char qr_an[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    size_t n = strlen(in);

    while (n > 0 && in[n - 1] == '/')
        n--;
    if (n == 0 || n >= outsz || n > 120) {
        jp_errf(err, errlen, "public url: must be 1-120 characters");
        return ISSUER_EARG;
    }
    for (size_t i = 0; i < n; i++) {
        char c = (char)toupper((unsigned char)in[i]);
        if (c == ' ' || strchr(qr_an, c) == NULL) {
            jp_errf(err, errlen,
                    "public url: character %zu is outside the QR alphanumeric set "
                    "(letters, digits, $%%*+-./:)",
                    i + 1);
            return ISSUER_EARG;
        }
        out[i] = c;
    }
    out[n] = '\0';
    if (strncmp(out, "HTTP://", 7) != 0 && strncmp(out, "HTTPS://", 8) != 0) {
        jp_errf(err, errlen, "public url: must start with http:// or https://");
        return ISSUER_EARG;
    }
    return 0;
}

static int table_path(const char *dir, const char *name, char *out)
{
    return jp_path_join(out, JP_HOME_PATH_MAX, dir, name);
}

static int build_config(const struct issuer_init_opts *o, struct jp_config *c, char *err,
                        size_t errlen)
{
    struct jp_code_name prov[JP_CONFIG_MAX_CODES];
    char path[JP_HOME_PATH_MAX], name[32], why[IDENT_WHY_SIZE];
    size_t nprov = 0;
    const char *pname = NULL;
    int rc;

    memset(c, 0, sizeof *c);
    c->format = JP_CONFIG_FORMAT;
    c->pass_mark_tenths = 600;
    if (strlen(o->province) != 2 || !isdigit((unsigned char)o->province[0]) ||
        !isdigit((unsigned char)o->province[1])) {
        jp_errf(err, errlen, "province: must be two digits of GB/T 2260, e.g. 44");
        return ISSUER_EARG;
    }
    rc = ident_uscc_check(o->authority_uscc, strlen(o->authority_uscc), why, sizeof why);
    if (rc != 0) {
        jp_errf(err, errlen, "authority uscc: %s", why);
        return ISSUER_EARG;
    }
    if (o->authority[0] == '\0' || strlen(o->authority) >= sizeof c->authority) {
        jp_errf(err, errlen, "authority: must be 1-%zu bytes", sizeof c->authority - 1);
        return ISSUER_EARG;
    }
    rc = public_url_normalize(o->public_url, c->public_url, sizeof c->public_url, err, errlen);
    if (rc != 0)
        return rc;
    strcpy(c->province, o->province);
    strcpy(c->authority, o->authority);
    strcpy(c->authority_uscc, o->authority_uscc);
    rc = longterm_config(o, c, err, errlen);
    if (rc != 0)
        return rc;
    rc = jp_strf(c->elicence_type_code, sizeof c->elicence_type_code, "%s",
                 o->elicence_type_code ? o->elicence_type_code : ISSUER_DEFAULT_ELICENCE_TYPE);
    if (rc != 0 || strlen(c->elicence_type_code) != 21) {
        jp_errf(err, errlen, "elicence type code: must be 21 characters (USCC + 3 digits)");
        return ISSUER_EARG;
    }
    rc = table_path(o->templates_dir, "provinces.tsv", path);
    if (rc == 0)
        rc = jp_config_read_table(path, prov, JP_CONFIG_MAX_CODES, &nprov, err, errlen);
    for (size_t i = 0; rc == 0 && i < nprov; i++)
        if (strcmp(prov[i].code, o->province) == 0)
            pname = prov[i].name;
    if (rc == 0 && pname == NULL) {
        jp_errf(err, errlen, "province: %s is not in %s", o->province, path);
        return ISSUER_EARG;
    }
    if (rc != 0)
        return rc;
    rc = jp_strf(c->province_name, sizeof c->province_name, "%s", pname);
    if (rc != 0) {
        jp_errf(err, errlen, "province: its name in %s is too long", path);
        return rc;
    }
    rc = table_path(o->templates_dir, "positions.tsv", path);
    if (rc == 0)
        rc = jp_config_read_table(path, c->positions, JP_CONFIG_MAX_CODES, &c->npositions, err,
                                  errlen);
    if (rc != 0)
        return rc;
    rc = jp_strf(name, sizeof name, "cities-%s.tsv", o->province);
    if (rc == 0)
        rc = table_path(o->templates_dir, name, path);
    if (rc == 0)
        rc = jp_config_read_table(path, c->cities, JP_CONFIG_MAX_CODES, &c->ncities, err, errlen);
    return rc;
}

static int copy_template(const char *templates_dir, const char *home, char *err, size_t errlen)
{
    char src[JP_HOME_PATH_MAX], dst[JP_HOME_PATH_MAX];
    unsigned char *data = NULL;
    size_t len;
    int rc;

    rc = table_path(templates_dir, JP_HOME_TEMPLATE, src);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TEMPLATE, dst);
    if (rc == 0)
        rc = jp_read_file(src, 1 << 20, &data, &len);
    if (rc == 0)
        rc = jp_write_file_atomic(dst, data, len, 0644);
    if (rc != 0)
        jp_errf(err, errlen, "cannot copy %s: %s", src, strerror(rc));
    free(data);
    return rc;
}

struct init_audit {
    const char *detail; /* what the entry says */
};

static int write_init_audit(store_txn *txn, void *arg)
{
    struct init_audit *a = arg;

    return audit_append(txn, (int64_t)time(NULL), "init", NULL, "jianpei-issuer", "%s", a->detail);
}

static int create_store(const char *home, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    struct init_audit a = {"home created"};
    store *s = NULL;
    int rc;

    rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = store_open(path, STORE_CREATE | STORE_CHANGELOG, &s, err, errlen);
    if (rc == 0) {
        rc = store_write(s, write_init_audit, &a);
        if (rc != 0)
            jp_errf(err, errlen, "cannot write the audit log: %s", issuer_strerror(rc));
    }
    store_close(s);
    return rc;
}

static int create_keys(const struct issuer_init_opts *o, const char *home, char *err, size_t errlen)
{
    char kdir[JP_HOME_PATH_MAX], trust[JP_HOME_PATH_MAX];
    struct keys_create_opts ko;
    keys_t *k = NULL;
    int rc;

    memset(&ko, 0, sizeof ko);
    ko.authority = o->authority;
    ko.uscc = o->authority_uscc;
    ko.province = o->province;
    ko.passphrase = o->passphrase;
    ko.passphrase_len = o->passphrase_len;
    ko.pkcs11_uri = o->pkcs11_uri;
    ko.pkcs11_module = o->pkcs11_module;
    rc = jp_home_path(home, JP_HOME_KEYS, kdir);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TRUST_LIST, trust);
    if (rc == 0)
        rc = keys_create(kdir, &ko, err, errlen);
    if (rc == 0) /* SPEC §11: the SM2 keys of the OFD seal stay files, also with a token */
        rc = issuer_sm2_create(kdir, &ko, o->passphrase, o->passphrase_len, err, errlen);
    if (rc == 0)
        rc = keys_open(kdir, KEYS_WITH_ROOT, o->passphrase, o->passphrase_len, &k, err, errlen);
    if (rc == 0)
        rc = keys_export_trust(k, trust, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TRUST_ROOT, trust);
    if (rc == 0)
        rc = keys_export_root(k, trust, err, errlen);
    if (rc == 0)
        rc =
            longterm_init_keys(k, home, o->passphrase, o->passphrase_len, o->crl_days, 1, err,
                               errlen);
    keys_close(k);
    return rc;
}

int issuer_init_home(const struct issuer_init_opts *o, char *err, size_t errlen)
{
    char tmp[JP_HOME_PATH_MAX];
    struct jp_config c;
    int rc;

    if (!home_is_free(o->home)) {
        jp_errf(err, errlen, "%s exists and is not empty: refusing to touch it", o->home);
        return EEXIST;
    }
    rc = build_config(o, &c, err, errlen);
    if (rc != 0)
        return rc;
    if (o->pkcs11_uri != NULL && keys_pkcs11_uri_check(o->pkcs11_uri, err, errlen) != 0)
        return ISSUER_EARG;
    if (jp_strf(tmp, sizeof tmp, "%s.init-%ld", o->home, (long)getpid()) != 0) {
        jp_errf(err, errlen, "home path is too long");
        return ENAMETOOLONG;
    }
    remove_tree(tmp);
    if (mkdir(tmp, 0700) != 0) {
        rc = errno;
        jp_errf(err, errlen, "cannot create %s: %s", tmp, strerror(rc));
        return rc;
    }
    rc = jp_config_save(tmp, &c, err, errlen);
    if (rc == 0)
        rc = copy_template(o->templates_dir, tmp, err, errlen);
    if (rc == 0)
        rc = create_keys(o, tmp, err, errlen);
    if (rc == 0)
        rc = create_store(tmp, err, errlen);
    if (rc == 0) {
        rmdir(o->home); /* an empty home may exist; anything else was refused above */
        if (rename(tmp, o->home) != 0) {
            rc = errno;
            jp_errf(err, errlen, "cannot rename %s to %s: %s", tmp, o->home, strerror(rc));
        }
    }
    if (rc != 0)
        remove_tree(tmp);
    return rc;
}

/* 0 when path is a directory of ours, not a symlink, not group/world-writable. */
static int dir_is_safe(const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st;
    int rc = ISSUER_EHOME;

    if (lstat(path, &st) != 0) {
        rc = errno;
        jp_errf(err, errlen, "cannot stat %s %s: %s", what, path, strerror(rc));
    } else if (S_ISLNK(st.st_mode)) {
        jp_errf(err, errlen, "%s %s is a symlink: refusing it", what, path);
    } else if (!S_ISDIR(st.st_mode)) {
        jp_errf(err, errlen, "%s %s is not a directory", what, path);
    } else if (st.st_uid != geteuid()) {
        jp_errf(err, errlen, "%s %s is not owned by this user: refusing it", what, path);
    } else if (st.st_mode & 022) {
        jp_errf(err, errlen, "%s %s is group- or world-writable: refusing it", what, path);
    } else {
        rc = 0;
    }
    return rc;
}

int issuer_home_check(const char *home, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    struct stat st;
    int rc = dir_is_safe(home, "home", err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_KEYS, path);
    if (rc == 0 && !(lstat(path, &st) != 0 && errno == ENOENT)) /* a store-only copy has none */
        rc = dir_is_safe(path, "keys directory", err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = dir_is_safe(path, "store directory", err, errlen);
    return rc;
}

int issuer_store_open(const char *home, unsigned flags, store **s, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = issuer_home_check(home, err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = store_open(path, flags, s, err, errlen);
    return issuer_err_default(rc, "cannot open the store", err, errlen);
}

int issuer_audit_write(const char *home, int (*fn)(store_txn *txn, void *arg), void *arg, char *err,
                       size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    store *s = NULL;
    int rc = jp_home_path(home, JP_HOME_STORE, path);

    if (rc == 0)
        rc = store_open(path, 0, &s, err, errlen);
    if (rc == 0)
        rc = store_write(s, fn, arg);
    store_close(s);
    return issuer_err_default(rc, "cannot write the audit log", err, errlen);
}
