/*
 * main.c - jianpei-issuer, the provincial department's CLI (SPEC §2).
 * A thin layer over issuer.h alone: parse options, call jp_issuer, map
 * results to exit statuses 0 ok, 1 some input rejected, 2 usage, 3 failure.
 */
#include "cli.h"
#include "cmds.h"
#include "config.h"
#include "errors.h"
#include "issuer.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef JP_TEMPLATES_DIR
#define JP_TEMPLATES_DIR "/usr/share/jianpei" /* when /proc/self/exe is unreadable */
#endif

struct command {
    const char *name; /* first word after the program */
    int (*run)(int argc, char **argv, const char *home);
    const char *summary; /* one line for --help */
};

static void usage_main(FILE *f);

/* ----------------------------------------------------------------- init */

/* p11-kit's proxy reaches every token registered with p11-kit (SoftHSM2, OpenSC, HSMs). */
#define INIT_P11_MODULE "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"

static const char init_help[] =
    "usage: jianpei-issuer init [--home DIR] --authority NAME --authority-uscc USCC\n"
    "                           --public-url URL [--province PP] [--passphrase-file FILE]\n"
    "                           [--templates DIR] [--elicence-type CODE]\n"
    "                           [--tsa-url URL] [--crl-days N]\n"
    "                           [--pkcs11 URI [--pkcs11-module SO] [--pin-file FILE]]\n"
    "\n"
    "Creates a new home: configuration, certificate template, a provincial root\n"
    "certificate and a document-signing certificate (ECDSA P-256), the SM2 root and\n"
    "signing certificate of the OFD seal (SPEC §11; files, also with --pkcs11), the\n"
    "LMDB store and the signed trust list. Refuses an existing non-empty home and\n"
    "changes nothing.\n"
    "\n"
    "  --province PP          GB/T 2260 province code (default 44, 广东省)\n"
    "  --authority NAME       issuing authority, e.g. 广东省住房和城乡建设厅\n"
    "  --authority-uscc USCC  the authority's 统一社会信用代码 (GB 32100 checked)\n"
    "  --public-url URL       base of QR-code URLs, e.g. https://zs.example.gov.cn\n"
    "  --passphrase-file FILE encrypt private keys with the first line of FILE\n"
    "                         (default: $JIANPEI_KEY_PASSPHRASE, else unencrypted)\n"
    "  --elicence-type CODE   e-licence type code, 21 characters "
    "(default " ISSUER_DEFAULT_ELICENCE_TYPE ")\n"
    "  --tsa-url URL          RFC 3161 time-stamp authority for every PDF signature\n"
    "                         (e.g. the home's own: jianpei-issuer tsa --listen)\n"
    "  --crl-days N           nextUpdate of the root's CRL, 1-366 days (default 7)\n"
    "  --pkcs11 URI           keep the root and signing keys in a PKCS#11 token, e.g.\n"
    "                         'pkcs11:token=jianpei' (default $JIANPEI_PKCS11_URI unless a\n"
    "                         passphrase is given): made in the token, never exported\n"
    "  --pkcs11-module SO     the token's PKCS#11 module (default $JIANPEI_PKCS11_MODULE,\n"
    "                         else " INIT_P11_MODULE ")\n"
    "  --pin-file FILE        the token's user PIN: the first line of FILE\n"
    "                         (default $JIANPEI_PKCS11_PIN; never on the command line)\n"
    "  --templates DIR        catalogue, city table and template source\n";

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
        o->pkcs11_module = env != NULL && *env != '\0' ? env : INIT_P11_MODULE;
    return 0;
}

static int cmd_init(int argc, char **argv, const char *home)
{
    struct issuer_init_opts o = {.home = home, .province = "44"};
    char datadir[4096], help[sizeof init_help + 4096 + 64];
    const char *passfile = NULL, *pinfile = NULL, *crl_s = NULL;
    const struct cmd_opt opts[] = {
        {"province", CMD_VALUE, &o.province},
        {"authority", CMD_VALUE, &o.authority},
        {"authority-uscc", CMD_VALUE, &o.authority_uscc},
        {"public-url", CMD_VALUE, &o.public_url},
        {"passphrase-file", CMD_VALUE, &passfile},
        {"templates", CMD_VALUE, &o.templates_dir},
        {"elicence-type", CMD_VALUE, &o.elicence_type_code},
        {"tsa-url", CMD_VALUE, &o.tsa_url},
        {"crl-days", CMD_VALUE, &crl_s},
        {"pkcs11", CMD_VALUE, &o.pkcs11_uri},
        {"pkcs11-module", CMD_VALUE, &o.pkcs11_module},
        {"pin-file", CMD_VALUE, &pinfile},
    };
    char err[512] = "";
    char *pass = NULL;
    size_t passlen = 0;
    long crl_days = 0;
    int rc, status;

    /* init's help names the data directory this program would use (cli_data_dir) */
    if (cli_data_dir(datadir, sizeof datadir, JP_TEMPLATES_DIR) != 0 ||
        jp_strf(help, sizeof help, "%s                         (default %s)\n", init_help,
                datadir) != 0) {
        fprintf(stderr, "init: data directory path too long\n");
        return CLI_FAILURE;
    }
    o.templates_dir = datadir;
    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, help, &status))
        return status;
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

static const char keys_help[] =
    "usage: jianpei-issuer keys [--home DIR] list\n"
    "       jianpei-issuer keys [--home DIR] rotate [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] revoke KID [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] export-trust [--out FILE] [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] fingerprint\n"
    "       jianpei-issuer keys [--home DIR] crl [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] sm2-init [--passphrase-file FILE]\n"
    "\n"
    "  list          signing keys with key id, validity and state (SM2 keys of the OFD\n"
    "                seal last, marked so)\n"
    "  rotate        make a new signing key, ECDSA and SM2; the old ones are retired\n"
    "                (still verify)\n"
    "  revoke KID    mark a signing key revoked (ECDSA or SM2): QR tokens it signed stop\n"
    "                verifying, OFDs it sealed verify as revoked_key\n"
    "  export-trust  write the trust list signed by the root (default: HOME/" JP_HOME_TRUST_LIST
    ")\n"
    "  fingerprint   the provincial root's SHA-256 fingerprint: 64 lower-case hex digits of\n"
    "                SHA-256 over the root certificate's DER (openssl x509 -fingerprint\n"
    "                -sha256 prints the same bytes upper case with colons); give it to\n"
    "                jianpei-verifier verify-qr --pin\n"
    "  crl           issue the roots' CRLs anew and print both paths: HOME/" JP_HOME_CRL "\n"
    "                (ECDSA root) and HOME/" JP_HOME_SM2_CRL " (SM2 root, when the home has\n"
    "                it); before their nextUpdate, e.g. daily from cron; rotate and revoke\n"
    "                issue them as well\n"
    "  sm2-init      add the SM2 root and signing certificate of the OFD seal (SPEC §11)\n"
    "                to a home made without them (keys/sm2-*.pem, sm2-*.key, encrypted\n"
    "                with the passphrase when one is given), re-export the trust list and\n"
    "                issue HOME/" JP_HOME_SM2_CRL "; refused when they exist\n"
    "  --passphrase-file FILE  the private keys' passphrase: the first line of FILE\n"
    "  --pin-file FILE         the token PIN of a home made with init --pkcs11 (default\n"
    "                          $JIANPEI_PKCS11_PIN)\n"
    "rotate and revoke need the root key (its passphrase when encrypted), re-export\n"
    "HOME/" JP_HOME_TRUST_LIST " and append an audit entry; without the root key\n"
    "nothing changes (a revoke that cannot re-export the trust list included).\n";

static int cmd_keys(int argc, char **argv, const char *home)
{
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

static const char audit_help[] =
    "usage: jianpei-issuer audit [--home DIR] verify\n"
    "\n"
    "Recomputes the hash chain of the audit log from the first entry and names the\n"
    "first broken entry, if any. Exit 0 when intact, 3 when broken.\n";

static int cmd_audit(int argc, char **argv, const char *home)
{
    uint64_t first_bad = 0, count = 0;
    const char *sub = NULL;
    char err[512] = "";
    int rc, status;

    if (cmd_scan(argc, argv, NULL, 0, &sub, audit_help, &status))
        return status;
    if (strcmp(sub, "verify") != 0) {
        fputs(audit_help, stderr);
        return CLI_USAGE;
    }
    rc = issuer_audit_verify(home, &first_bad, &count, err, sizeof err);
    if (rc != 0 && first_bad != 0)
        printf("audit log broken at entry %llu (%llu entries read)\n",
               (unsigned long long)first_bad, (unsigned long long)count);
    else if (rc != 0)
        fprintf(stderr, "audit verify: %s\n", err);
    else
        printf("audit log intact: %llu entries\n", (unsigned long long)count);
    return rc == 0 ? CLI_OK : CLI_FAILURE;
}

static const char check_help[] =
    "usage: jianpei-issuer check [--home DIR]\n"
    "\n"
    "Walks the whole store: every record decodes, every certificate has its PDF,\n"
    "indexes point at existing certificates, serial counters are ahead of every\n"
    "issued number, the audit chain verifies, the store file is mode 0600.\n"
    "Exit 0 when clean, 3 otherwise.\n";

static int cmd_check(int argc, char **argv, const char *home)
{
    struct issuer_check_report r;
    char err[512] = "";
    int rc, status;

    if (cmd_scan(argc, argv, NULL, 0, NULL, check_help, &status))
        return status;
    rc = issuer_check(home, &r, err, sizeof err);
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

static const char backup_help[] =
    "usage: jianpei-issuer backup [--home DIR] DIR\n"
    "\n"
    "Hot, compacting copy of the store into DIR (new or empty), consistent as of\n"
    "one instant while issuing goes on; DIR is made 0700 and its data.mdb 0600\n"
    "(every holder's data is in it). Keys are not copied: back them up apart\n"
    "(see docs/operations.md).\n";

static int cmd_backup(int argc, char **argv, const char *home)
{
    const char *dir = NULL;
    char err[512] = "";
    int rc, status;

    if (cmd_scan(argc, argv, NULL, 0, &dir, backup_help, &status))
        return status;
    rc = issuer_backup(home, dir, err, sizeof err);
    if (rc == 0)
        printf("store copied to %s\n", dir);
    return cmd_done(rc, "backup", err);
}

static const char digest_backfill_help[] =
    "usage: jianpei-issuer digest-backfill [--home DIR]\n"
    "\n"
    "One-off, for a store made before the file-check index (SPEC §10): records\n"
    "the SHA-256 of every certificate's current PDF and of its signature, so\n"
    "that the verifier's file check knows them. Files replaced before the index\n"
    "existed cannot be recorded. Safe to run again. Restart the verifier after\n"
    "the first run on an old store.\n";

static const char institution_backfill_help[] =
    "usage: jianpei-issuer institution-backfill [--home DIR]\n"
    "\n"
    "One-off, for a store made before the institution index (SPEC §10): indexes\n"
    "every certificate under its training institution's code and exam id, so\n"
    "that the verifier's institution endpoints list it. Certificates issued or\n"
    "reissued since the index existed are indexed already. Safe to run again.\n"
    "Restart the verifier after the first run on an old store.\n";

/* digest-backfill and institution-backfill; argv[0] names which. */
static int cmd_backfill(int argc, char **argv, const char *home)
{
    int inst = strcmp(argv[0], "institution-backfill") == 0;
    char err[512] = "";
    uint64_t n = 0;
    int rc, status;

    if (cmd_scan(argc, argv, NULL, 0, NULL, inst ? institution_backfill_help : digest_backfill_help,
                 &status))
        return status;
    rc = inst ? issuer_institution_backfill(home, &n, err, sizeof err)
              : issuer_digest_backfill(home, &n, err, sizeof err);
    if (rc == 0)
        printf(inst ? "%llu certificates in the institution index\n"
                    : "%llu PDFs recorded in the digest index\n",
               (unsigned long long)n);
    return cmd_done(rc, argv[0], err);
}

/* ----------------------------------------------------------- dispatch */

static const struct command commands[] = {
    {"init", cmd_init, "create a home: configuration, keys, store, trust list"},
    {"keys", cmd_keys, "list, rotate, revoke signing keys; export the trust list"},
    {"issue", cmd_issue, "issue certificates from a JSON Lines intake file"},
    {"tsa", cmd_tsa, "serve the home's own RFC 3161 time-stamp authority"},
    {"timestamp", cmd_timestamp, "add the time-stamps owed (issue --tsa-optional)"},
    {"show", cmd_show, "show one certificate's record"},
    {"pdf", cmd_file_out, "write a certificate's signed PDF to a file"},
    {"ofd", cmd_file_out, "write a certificate's sealed OFD to a file"},
    {"find", cmd_find, "list a holder's certificates by ID number"},
    {"revoke", cmd_status, "revoke a certificate (撤销)"},
    {"suspend", cmd_status, "suspend a certificate (暂扣)"},
    {"reinstate", cmd_status, "reinstate a suspended or lapsed certificate"},
    {"cancel", cmd_status, "cancel a certificate (注销)"},
    {"lapse", cmd_status, "mark a certificate lapsed (失效)"},
    {"reissue", cmd_reissue, "issue a new file for a certificate (version + 1)"},
    {"correct", cmd_correct, "correct a holder's name, gender or photo (new version)"},
    {"apply-status", cmd_apply_status, "apply status changes from a JSON Lines file"},
    {"claim-code", cmd_claim_code, "reset a claim code (领取码); backfill codes"},
    {"stats", cmd_stats, "counts by status, sizes"},
    {"report", cmd_report, "the operator's dashboard as one HTML page (--html FILE)"},
    {"audit", cmd_audit, "verify the hash-chained audit log"},
    {"check", cmd_check, "check the whole store's integrity"},
    {"backup", cmd_backup, "hot compacting copy of the store"},
    {"digest-backfill", cmd_backfill, "one-off: index existing PDFs for the file check"},
    {"institution-backfill", cmd_backfill, "one-off: index existing certificates by institution"},
};

static void usage_main(FILE *f)
{
    fputs("usage: jianpei-issuer [--home DIR] COMMAND [ARGS]\n"
          "\n"
          "The provincial department's tool: numbers, renders, signs and stores\n"
          "职业培训合格证 certificates. The home is --home DIR, else $JIANPEI_HOME,\n"
          "else ./jianpei-home. Every command takes --help.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\nexit status: 0 success, 1 some input rejected (the rest done), 2 usage error,\n"
          "3 failure (nothing changed)\n",
          f);
}

int main(int argc, char **argv)
{
    const char *home_flag = NULL;
    char home[JP_HOME_PATH_MAX];

    /* Rendering allocates many short-lived blocks of 128 KB and more (font
     * subsets, PDF streams): a fixed mmap threshold hands them back to the
     * system at once instead of letting glibc raise it and keep them in heap
     * arenas. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    if (cli_extract_home(&argc, argv, &home_flag) != 0) {
        fprintf(stderr, "--home needs a directory\n");
        return CLI_USAGE;
    }
    if (argc < 2) {
        usage_main(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage_main(stdout);
        return CLI_OK;
    }
    if (jp_home_resolve(home_flag, home, sizeof home) != 0) {
        fprintf(stderr, "home path is too long\n");
        return CLI_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1, home);
    fprintf(stderr, "unknown command %s\n\n", argv[1]);
    usage_main(stderr);
    return CLI_USAGE;
}
