/*
 * cmd_home.c - jianpei-issuer's commands on the home as a whole: init, keys,
 * audit verify, check, backup and the one-off backfills. Thin: options in,
 * library calls (issuer.h), exit statuses out.
 */
#include "cli.h"
#include "cmds.h"
#include "config.h"
#include "errors.h"
#include "issuer.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef JP_TEMPLATES_DIR
#define JP_TEMPLATES_DIR "/usr/share/jianpei" /* when /proc/self/exe is unreadable */
#endif

/* ----------------------------------------------------------------- init */

/*
 * The token options of init: --pkcs11 or, when no passphrase is asked for,
 * $JIANPEI_PKCS11_URI; the module from --pkcs11-module, $JIANPEI_PKCS11_MODULE
 * or p11-kit's proxy. A passphrase and a token together, or token options
 * without a token, are usage errors (said on stderr, returns 1).
 */
static int init_token_opts(struct issuer_init_opts *o, const char *passfile, const char *pinfile)
{
    const char *env = getenv("JIANPEI_PKCS11_URI");

    if (o->pkcs11_uri != NULL && passfile != NULL) {
        fputs("init: --pkcs11 keeps the keys in the token; --passphrase-file does not apply\n",
              stderr);
        return 1;
    }
    if (o->pkcs11_uri == NULL && passfile == NULL && env != NULL && *env != '\0')
        o->pkcs11_uri = env;
    if (o->pkcs11_uri == NULL && (o->pkcs11_module != NULL || pinfile != NULL)) {
        fputs("init: --pkcs11-module and --pin-file need --pkcs11 URI\n", stderr);
        return 1;
    }
    env = getenv("JIANPEI_PKCS11_MODULE");
    if (o->pkcs11_module == NULL)
        o->pkcs11_module = env != NULL && *env != '\0' ? env : CMD_P11_MODULE;
    return 0;
}

/* init's options into *o; its defaults where an option is absent. */
static void init_opts_take(const struct cmd_args *a, const char *datadir,
                           struct issuer_init_opts *o)
{
    *o = (struct issuer_init_opts){
        .home = a->home,
        .province = cmd_val_or(a, "province", "44"),
        .authority = cmd_val(a, "authority"),
        .authority_uscc = cmd_val(a, "authority-uscc"),
        .public_url = cmd_val(a, "public-url"),
        .templates_dir = cmd_val_or(a, "templates", datadir),
        .elicence_type_code = cmd_val(a, "elicence-type"),
        .tsa_url = cmd_val(a, "tsa-url"),
        .pkcs11_uri = cmd_val(a, "pkcs11"),
        .pkcs11_module = cmd_val(a, "pkcs11-module"),
    };
}

/* init's help names the data directory this program would use (cli_data_dir), so its row
 * is parsed here, with that help. */
int cmd_init(const struct cmd_args *row)
{
    struct cmd_spec spec = *row->spec;
    struct issuer_init_opts o;
    struct cmd_args a;
    char datadir[4096], help[8192]; /* help: the row's (about 2.5 KB) and the directory */
    const char *passfile, *pinfile, *crl_s, *home = row->home;
    char err[512] = "";
    char *pass = NULL;
    size_t passlen = 0;
    long crl_days = 0;
    int rc, status;

    if (cli_data_dir(datadir, sizeof datadir, JP_TEMPLATES_DIR) != 0 ||
        jp_strf(help, sizeof help, "%s                         (default %s)\n", spec.help,
                datadir) != 0) {
        fprintf(stderr, "init: data directory path too long\n");
        return CLI_FAILURE;
    }
    spec.help = help;
    if (cmd_parse(&spec, row->argc, row->argv, home, &a, &status))
        return status;
    init_opts_take(&a, datadir, &o);
    passfile = cmd_val(&a, "passphrase-file");
    pinfile = cmd_val(&a, "pin-file");
    crl_s = cmd_val(&a, "crl-days");
    if (crl_s != NULL && cli_parse_long(crl_s, 1, 366, &crl_days) != 0) {
        fprintf(stderr, "init: --crl-days: not a number of days in 1-366\n");
        return CLI_USAGE;
    }
    o.crl_days = (int)crl_days;
    if (o.authority == NULL || o.authority_uscc == NULL || o.public_url == NULL) {
        fprintf(stderr, "init: --authority, --authority-uscc and --public-url are required\n");
        fputs(help, stderr);
        return CLI_USAGE;
    }
    if (init_token_opts(&o, passfile, pinfile) != 0)
        return CLI_USAGE;
    if (o.pkcs11_uri != NULL)
        rc = cli_pin(pinfile, &pass, &passlen, err, sizeof err);
    else
        rc = cli_passphrase(passfile, &pass, &passlen, err, sizeof err);
    if (rc == 0) {
        o.passphrase = (const unsigned char *)pass;
        o.passphrase_len = passlen;
        rc = issuer_init_home(&o, err, sizeof err);
    }
    jp_free_secret(pass, passlen);
    if (rc != 0) {
        fprintf(stderr, "init: %s\n", err);
        return rc == ISSUER_EARG ? CLI_USAGE : CLI_FAILURE;
    }
    printf("created home %s: keys in %s/" JP_HOME_KEYS
           " (private keys %s), store in %s/" JP_HOME_STORE ", trust list %s/" JP_HOME_TRUST_LIST
           "\n",
           home, home,
           o.pkcs11_uri != NULL ? "in the PKCS#11 token"
           : passlen > 0        ? "encrypted"
                                : "unencrypted",
           home, home);
    return CLI_OK;
}

/* ----------------------------------------------------------------- keys */

/* keys SUBCOMMAND: its own getopt table, the subcommand after the options. */
int cmd_keys(const struct cmd_args *a)
{
    int argc = a->argc;
    char **argv = a->argv;
    const char *home = a->home, *keys_help = a->spec->help;
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"pin-file", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct issuer_key_opts ko = {.actor = getenv("USER")};
    char written[JP_HOME_PATH_MAX], sm2crl[JP_HOME_PATH_MAX], kid[17] = "", fpr[65], err[512] = "";
    const char *passfile = NULL, *sub;
    char *pass = NULL;
    size_t passlen = 0;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            ko.out = optarg;
            break;
        case 'P':
            passfile = optarg;
            break;
        case 'h':
            fputs(keys_help, stdout);
            return CLI_OK;
        default:
            fputs(keys_help, stderr);
            return CLI_USAGE;
        }
    }
    sub = optind < argc ? argv[optind] : "";
    if (!(strcmp(sub, "list") == 0 && optind + 1 == argc) &&
        !(strcmp(sub, "rotate") == 0 && optind + 1 == argc) &&
        !(strcmp(sub, "export-trust") == 0 && optind + 1 == argc) &&
        !(strcmp(sub, "fingerprint") == 0 && optind + 1 == argc) &&
        !(strcmp(sub, "crl") == 0 && optind + 1 == argc) &&
        !(strcmp(sub, "sm2-init") == 0 && optind + 1 == argc) &&
        !(strcmp(sub, "revoke") == 0 && optind + 2 == argc)) {
        fputs(keys_help, stderr);
        return CLI_USAGE;
    }
    if (strcmp(sub, "list") == 0) {
        rc = issuer_keys_print(home, stdout, err, sizeof err);
        goto out;
    }
    if (strcmp(sub, "fingerprint") == 0) {
        rc = issuer_keys_fingerprint(home, fpr, err, sizeof err);
        if (rc == 0)
            printf("%s\n", fpr);
        goto out;
    }
    rc = cli_passphrase(passfile, &pass, &passlen, err, sizeof err);
    ko.passphrase = (const unsigned char *)pass;
    ko.passphrase_len = passlen;
    if (rc == 0 && strcmp(sub, "sm2-init") == 0) {
        rc = issuer_keys_sm2_init(home, ko.passphrase, ko.passphrase_len,
                                  ko.actor != NULL ? ko.actor : "jianpei-issuer", err, sizeof err);
        if (rc == 0)
            printf("SM2 root and signing certificate written to %s/" JP_HOME_KEYS "\n", home);
        goto out;
    }
    if (rc == 0 && strcmp(sub, "crl") == 0) {
        rc = issuer_keys_crl(home, &ko, written, sm2crl, err, sizeof err);
        if (rc == 0)
            printf("crl written to %s\n", written);
        if (rc == 0 && sm2crl[0] != '\0')
            printf("crl written to %s\n", sm2crl);
        goto out;
    }
    if (rc == 0)
        rc = issuer_keys_change(home, sub, optind + 1 < argc ? argv[optind + 1] : NULL, &ko, kid,
                                written, err, sizeof err);
    if (rc == 0 && strcmp(sub, "rotate") == 0)
        printf("new active signing key %s\n", kid);
    if (rc == 0 && strcmp(sub, "revoke") == 0)
        printf("revoked signing key %s\n", argv[optind + 1]);
    if (rc == 0)
        printf("trust list written to %s\n", written);
out:
    if (rc != 0)
        fprintf(stderr, "keys %s: %s\n", sub, err[0] ? err : jp_strerror(rc));
    jp_free_secret(pass, passlen);
    return rc == 0 ? CLI_OK : rc == ISSUER_EARG ? CLI_USAGE : CLI_FAILURE;
}

/* ------------------------------------------------- audit, check, backup */

int cmd_audit(const struct cmd_args *a)
{
    uint64_t first_bad = 0, count = 0;
    const char *sub = a->pos;
    char err[512] = "";
    int rc;

    if (strcmp(sub, "verify") != 0) {
        fputs(a->spec->help, stderr);
        return CLI_USAGE;
    }
    rc = issuer_audit_verify(a->home, &first_bad, &count, err, sizeof err);
    if (rc != 0 && first_bad != 0)
        printf("audit log broken at entry %llu (%llu entries read)\n",
               (unsigned long long)first_bad, (unsigned long long)count);
    else if (rc != 0)
        fprintf(stderr, "audit verify: %s\n", err);
    else
        printf("audit log intact: %llu entries\n", (unsigned long long)count);
    return rc == 0 ? CLI_OK : CLI_FAILURE;
}

int cmd_check(const struct cmd_args *a)
{
    struct issuer_check_report r;
    char err[512] = "";
    int rc = issuer_check(a->home, &r, err, sizeof err);

    if (rc != 0)
        return cmd_done(rc, "check", err);
    printf("%llu certificates, %llu PDFs, %llu audit entries, %u problems\n",
           (unsigned long long)r.certs, (unsigned long long)r.pdfs,
           (unsigned long long)r.audit_entries, r.problems);
    if (r.ofds > 0)
        printf("%llu OFDs\n", (unsigned long long)r.ofds);
    for (unsigned i = 0; i < r.problems && i < ISSUER_CHECK_LINES; i++)
        printf("  %s\n", r.first[i]);
    return r.problems == 0 ? CLI_OK : CLI_FAILURE;
}

int cmd_backup(const struct cmd_args *a)
{
    char err[512] = "";
    int rc = issuer_backup(a->home, a->pos, err, sizeof err);

    if (rc == 0)
        printf("store copied to %s\n", a->pos);
    return cmd_done(rc, "backup", err);
}

/* digest-backfill and institution-backfill; a->name names which. */
int cmd_backfill(const struct cmd_args *a)
{
    int inst = strcmp(a->name, "institution-backfill") == 0;
    char err[512] = "";
    uint64_t n = 0;
    int rc = inst ? issuer_institution_backfill(a->home, &n, err, sizeof err)
                  : issuer_digest_backfill(a->home, &n, err, sizeof err);

    if (rc == 0)
        printf(inst ? "%llu certificates in the institution index\n"
                    : "%llu PDFs recorded in the digest index\n",
               (unsigned long long)n);
    return cmd_done(rc, a->name, err);
}
