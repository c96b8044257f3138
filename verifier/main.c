/*
 * main.c - jianpei-verifier: the HTTP daemon (default command), `clients add`
 * and the offline `verify-qr`. A thin layer over jp_verifier: parse options,
 * call the library, map results to exit statuses 0 ok, 1 rejected (a QR that
 * is not genuine), 2 usage, 3 failure. Only this file exits.
 */
#include "errors.h"
#include "cli.h"
#include "config.h"
#include "crl_cmd.h"
#include "keys.h"
#include "util.h"
#include "verifier.h"
#include "offline_cli.h"
#include "verify_file_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char main_help[] =
    "usage: jianpei-verifier [--home DIR] --listen HOST:PORT [--threads N]\n"
    "                        [--rate-burst N] [--rate-per-minute N] [--no-access-log]\n"
    "                        [--trusted-proxy CIDR]... [--no-rate-limits] [--qr-cache N]\n"
    "                        [--qr-svg-cache N]\n"
    "                        [--replica-of URL --client ID --secret-file FILE]\n"
    "                        [--operator-listen [HOST:]PORT [--operator-public]]\n"
    "       jianpei-verifier [--home DIR] clients add CLIENT_ID [--institution CODE | --replica]\n"
    "       jianpei-verifier [--home DIR] verify-qr TEXT [--trust FILE] [--pin SHA256]\n"
    "                        [--crl FILE]\n"
    "       jianpei-verifier verify-file FILE --trust FILE [--pin SHA256] [--crl FILE]\n"
    "                        [--sm2-crl FILE] [--json]\n"
    "\n"
    "Serves the verification API of SPEC §8 from the home's store (read-only) and\n"
    "public keys. With port 0 the chosen port is printed first:\n"
    "\"listening on HOST:PORT\". SIGTERM or SIGINT stops it after requests in flight.\n"
    "\n"
    "  --home DIR             runtime home (default $JIANPEI_HOME, else ./jianpei-home)\n"
    "  --listen HOST:PORT     numeric address and port to bind, [::1]:8080 for IPv6\n"
    "  --threads N            thread pool size (default: one per core)\n"
    "  --rate-burst N         holder-check/pdf requests per client address at once (10)\n"
    "  --rate-per-minute N    their refill per minute (10)\n"
    "  --trusted-proxy CIDR   a reverse proxy whose X-Forwarded-For / X-Real-IP names\n"
    "                         the client (repeatable; 10.0.0.5/32, fd00::/8)\n"
    "  --no-rate-limits       every per-address limit off: for benchmarks and tests\n"
    "                         only (logged at start); per-certificate lockouts stay\n"
    "  --no-access-log        no per-request line on standard error\n"
    "  --qr-cache N           QR verdicts remembered, 0-1000000 (8192; 0 = off, about\n"
    "                         400 bytes each); a QR the issuer stored for the current\n"
    "                         file needs no signature check either way\n"
    "  --qr-svg-cache N       QR symbols the print and share pages keep drawn,\n"
    "                         1-65536 (256; up to about 32 KB each)\n"
    "  --replica-of URL       run as a replica of the primary at http://HOST:PORT:\n"
    "                         seed an empty home from its replication feed, then\n"
    "                         follow it (SPEC §12; /healthz 503 until caught up)\n"
    "  --client ID            the replica client's id on the primary\n"
    "  --secret-file FILE     a file holding that client's secret\n"
    "  --operator-listen [HOST:]PORT\n"
    "                         also serve the operator's dashboard, GET\n"
    "                         /operator/dashboard (counts only, no personal data,\n"
    "                         no authentication), on a second listener; a bare PORT\n"
    "                         binds 127.0.0.1; printed as \"operator listening on ...\"\n"
    "  --operator-public      let --operator-listen bind an address that is not\n"
    "                         loopback (refused otherwise: put it behind your own\n"
    "                         access control)\n"
    "\n"
    "Limits on lookups, connections and request time are read from the \"verifier\"\n"
    "object of HOME/config.json (docs/operations.md), and so are \"listen\", \"threads\",\n"
    "\"rate_burst\", \"rate_per_minute\", \"qr_cache\", \"qr_svg_cache\" and\n"
    "\"operator_listen\" when the option is not given; \"operator_public\": true\n"
    "there is --operator-public.\n"
    "\n"
    "clients add: registers another province's client and prints its secret, once,\n"
    "alone on the last line (the HMAC key of JIANPEI-HMAC-SHA256).\n"
    "verify-qr: checks a QR text (URL or token) offline against a trust list;\n"
    "exit 0 only when the signature is genuine, 1 otherwise. --pin SHA256 refuses\n"
    "(exit 3) a trust list whose root has another fingerprint: 64 hex digits, as\n"
    "`jianpei-issuer keys fingerprint` or `openssl x509 -fingerprint -sha256` print it.\n"
    "verify-file: checks a certificate PDF or OFD offline against a trust list;\n"
    "exit 0 only when valid, 1 otherwise (verify-file --help).\n";

static const char clients_help[] =
    "usage: jianpei-verifier [--home DIR] clients add CLIENT_ID [--institution CODE | --replica]\n"
    "\n"
    "Registers another province's client in HOME/clients.json and prints its\n"
    "secret, once, alone on the last line of standard output: the HMAC key of\n"
    "JIANPEI-HMAC-SHA256 (SPEC §8). CLIENT_ID is 1-64 of A-Z a-z 0-9 . _ -\n"
    "and does not begin with '-'.\n"
    "\n"
    "  --institution CODE  a training institution's client instead (SPEC §10): it\n"
    "                      may call only /api/v1/institutions/CODE/... (its own\n"
    "                      candidates' certificates), nothing of SPEC §8. CODE is\n"
    "                      the institution_code of the intake, 1-32 of A-Z a-z 0-9 -\n"
    "  --replica           a replica's client, which may also follow\n"
    "                      GET /api/v1/replication (SPEC §12)\n";

static const char verify_qr_help[] =
    "usage: jianpei-verifier [--home DIR] verify-qr TEXT [--trust FILE] [--pin SHA256]\n"
    "                        [--crl FILE]\n"
    "\n"
    "Checks a QR text (a URL .../V/NO/TOKEN or a bare token) offline against the\n"
    "trust list FILE and prints the verdict and the claims; exit 0 only when the\n"
    "signature is genuine, 1 otherwise. --pin SHA256 refuses (exit 3) a trust list\n"
    "whose root has another fingerprint: 64 hex digits, as `jianpei-issuer keys\n"
    "fingerprint` or `openssl x509 -fingerprint -sha256` print it.\n"
    "\n"
    "  --trust FILE  the trust list (default with a home: HOME/trust-list.pem,\n"
    "                pinned to HOME/trust-root.pem)\n"
    "  --crl FILE    the root's CRL, DER, as GET /api/v1/crl/root.crl serves it\n"
    "                (default with a home: HOME/root.crl when it exists); the keys it\n"
    "                lists count as revoked. A CRL not signed by the trust list's root\n"
    "                is refused (exit 3); one past its nextUpdate is used with a warning\n"
    "  --home DIR    a home to take those files from ($JIANPEI_HOME works too)\n"
    "\n"
    "When the signing key is revoked, the output says whether the QR code was\n"
    "issued before the revocation (\"signed while the key was valid\") or after.\n";

/* 1 when argv[1..argc-1] holds -h or --help before any "--". */
static int wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

/* An option's count: 0..1000000. Returns 0 or EINVAL. */
static int parse_uint(const char *s, unsigned *out)
{
    long v;

    if (cli_parse_long(s, 0, 1000000, &v) != 0)
        return EINVAL;
    *out = (unsigned)v;
    return 0;
}

static int add_proxy(struct verifier_opts *o, const char *cidr)
{
    if (o->ntrusted >= VERIFIER_PROXIES_MAX) {
        fprintf(stderr, "jianpei-verifier: at most %d --trusted-proxy\n", VERIFIER_PROXIES_MAX);
        return 1;
    }
    o->trusted_proxies[o->ntrusted++] = cidr;
    return 0;
}

static int serve(struct verifier_opts *o)
{
    char err[512] = "";
    verifier *v = NULL;
    sigset_t set;
    int sig = 0, rc;

    cli_block_stop_signals(&set);
    rc = verifier_start(o, &v, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err[0] ? err : jp_strerror(rc));
        return rc == VERIFIER_E_INVAL ? CLI_USAGE : CLI_FAILURE;
    }
    printf("listening on %.*s:%u\n", (int)(strrchr(o->listen, ':') - o->listen), o->listen,
           (unsigned)verifier_port(v));
    if (o->operator_listen != NULL)
        printf("operator listening on port %u\n", (unsigned)verifier_operator_port(v));
    fflush(stdout);
    jp_log(JP_LOG_INFO, "serving on port %u", (unsigned)verifier_port(v));
    sigwait(&set, &sig);
    jp_log(JP_LOG_INFO, "signal %d: stopping", sig);
    verifier_stop(v);
    return CLI_OK;
}

/* clients add CLIENT_ID; argv[0] is "clients". */
static int cmd_clients(int argc, char **argv, const char *home)
{
    char secret[VERIFIER_SECRET_LEN + 1];
    char err[512] = "";
    const char *id, *inst = NULL, *scope = NULL;
    int rc;

    if (wants_help(argc, argv)) {
        fputs(clients_help, stdout);
        return CLI_OK;
    }
    if (argc >= 5 && strcmp(argv[argc - 2], "--institution") == 0) {
        inst = argv[argc - 1];
        argc -= 2;
    } else if (argc >= 4 && strcmp(argv[argc - 1], "--replica") == 0) {
        scope = "replica";
        argc--;
    }
    if (argc == 4 && strcmp(argv[2], "--") == 0)
        id = argv[3];
    else if (argc == 3 && argv[2][0] != '-')
        id = argv[2];
    else
        id = NULL;
    if (id == NULL || strcmp(argv[1], "add") != 0 || id[0] == '-') {
        fputs(clients_help, stderr);
        return CLI_USAGE;
    }
    rc = inst != NULL ? verifier_clients_add_institution(home, id, inst, secret, err, sizeof(err))
                      : verifier_clients_add_scoped(home, id, scope, NULL, secret, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err[0] ? err : jp_strerror(rc));
        return rc == VERIFIER_E_INVAL ? CLI_USAGE : CLI_FAILURE;
    }
    printf("client %s added; its secret (shown once):\n%s\n", id, secret);
    fflush(stdout);
    jp_cleanse(secret, sizeof(secret));
    return CLI_OK;
}

static void print_qr(const struct verifier_qr *qr)
{
    const struct keys_claims *k = &qr->claims;

    printf("verdict: %s\n", verifier_qr_verdict_name(qr->verdict));
    if (qr->verdict == VERIFIER_QR_MALFORMED)
        return;
    printf("certificate_no: %s\nelicence_version: %03u\nposition: %s\nissue_date: %s\n"
           "province: %s\nname_masked: %s\nid_number_masked: %s\n",
           k->certificate_no, k->elicence_version, k->position, k->issue_date, k->province,
           k->name_masked, k->id_masked);
}

/* The revocation lines of verify-qr: only when the token's key is revoked. */
static void print_when(const struct verifier_qr *qr)
{
    char words[256];

    if (qr->verdict != VERIFIER_QR_REVOKED_KEY ||
        verifier_when_words(qr->revocation, qr->revoked_at, 0, words, sizeof(words)) != 0)
        return;
    printf("revocation: %s\nsigned: %s\n", keys_when_name(qr->revocation), words);
    if (qr->revocation == KEYS_WHEN_UNKNOWN && qr->revoked_at > 0)
        printf("note: the QR code carries its issue date only; on the day of the revocation\n"
               "      only the PDF's signature time-stamp tells before from after\n");
}

/* Loads the trust list: --trust (with --pin), else HOME's pinned to HOME/trust-root.pem. */
static int load_trust(const char *trust_path, const char *pin_text, const char *home,
                      keys_trust_t **trust)
{
    char err[512] = "", tl[JP_HOME_PATH_MAX], root[JP_HOME_PATH_MAX];
    unsigned char pin[32];
    int rc;

    if (trust_path != NULL) {
        if (pin_text != NULL && keys_fingerprint_parse(pin_text, pin) != 0)
            return CLI_USAGE;
        rc = keys_trust_load(trust_path, pin_text != NULL ? pin : NULL, trust, err, sizeof(err));
    } else if (jp_home_path(home, JP_HOME_TRUST_LIST, tl) != 0 ||
               jp_home_path(home, JP_HOME_TRUST_ROOT, root) != 0) {
        return CLI_USAGE;
    } else {
        rc = keys_trust_load_root_file(tl, root, trust, err, sizeof(err));
    }
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err[0] ? err : jp_strerror(rc));
        return CLI_FAILURE;
    }
    return 0;
}

static int cmd_verify_qr(int argc, char **argv, const char *home_flag)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 't'},
        {"pin", required_argument, NULL, 'p'},
        {"crl", required_argument, NULL, 'c'},
        {"home", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct offline_opts o = {.home = home_flag};
    const char *trust_path, *pin_text, *crl_path;
    char home[4096], crl_default[JP_HOME_PATH_MAX];
    keys_trust_t *trust = NULL;
    struct verifier_qr qr;
    int rc, have_home;

    if (offline_opts_parse(argc, argv, opts, verify_qr_help, &o, &rc))
        return rc;
    trust_path = o.trust;
    pin_text = o.pin;
    crl_path = o.crl;
    home_flag = o.home;
    have_home = home_flag != NULL || getenv("JIANPEI_HOME") != NULL;
    if (optind != argc - 1 || (trust_path == NULL && !have_home) ||
        (trust_path == NULL && pin_text != NULL) ||
        jp_home_resolve(home_flag, home, sizeof(home)) != 0) {
        fputs(verify_qr_help, stderr);
        return CLI_USAGE;
    }
    rc = load_trust(trust_path, pin_text, home, &trust);
    if (rc == CLI_USAGE)
        fputs(verify_qr_help, stderr);
    if (rc != 0)
        return rc;
    /* $JIANPEI_HOME alone does not lend its CRL to another trust list given by --trust */
    if (crl_path == NULL && (home_flag != NULL || trust_path == NULL) &&
        jp_home_path(home, JP_HOME_CRL, crl_default) == 0 && access(crl_default, F_OK) == 0)
        crl_path = crl_default;
    rc = crl_path != NULL ? crl_cmd_apply(trust, crl_path, CRL_CMD_ROOT, stdout) : 0;
    if (rc == 0)
        rc = verifier_qr_check(trust, argv[optind], strlen(argv[optind]), &qr);
    if (rc == CLI_FAILURE) {
        keys_trust_free(trust);
        return CLI_FAILURE;
    }
    if (rc != 0) {
        keys_trust_free(trust);
        fprintf(stderr, "jianpei-verifier: qr check failed: %s\n", jp_strerror(rc));
        return CLI_FAILURE;
    }
    print_qr(&qr);
    print_when(&qr);
    keys_trust_free(trust);
    return qr.verdict == VERIFIER_QR_GENUINE ? CLI_OK : CLI_REJECTED;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"rate-burst", required_argument, NULL, 'b'},
        {"rate-per-minute", required_argument, NULL, 'r'},
        {"no-access-log", no_argument, NULL, 'n'},
        {"trusted-proxy", required_argument, NULL, 'p'},
        {"no-rate-limits", no_argument, NULL, 'N'},
        {"qr-cache", required_argument, NULL, 'q'},
        {"qr-svg-cache", required_argument, NULL, 'Q'},
        {"replica-of", required_argument, NULL, 'R'},
        {"client", required_argument, NULL, 'C'},
        {"secret-file", required_argument, NULL, 'S'},
        {"operator-listen", required_argument, NULL, 'O'},
        {"operator-public", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct verifier_opts o = {.access_log = 1};
    const char *home_flag = NULL;
    char home[4096], listen[256], oplisten[256], err[512] = "";
    int c, bad = 0;

    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            home_flag = optarg;
            break;
        case 'l':
            o.listen = optarg;
            break;
        case 't':
            bad |= parse_uint(optarg, &o.threads);
            break;
        case 'b':
            bad |= parse_uint(optarg, &o.rate_burst);
            break;
        case 'r':
            bad |= parse_uint(optarg, &o.rate_per_min);
            break;
        case 'n':
            o.access_log = 0;
            break;
        case 'p':
            bad |= add_proxy(&o, optarg);
            break;
        case 'N':
            o.no_rate_limits = 1;
            break;
        case 'q':
            bad |= parse_uint(optarg, &o.qr_cache);
            o.qr_cache_set = 1;
            break;
        case 'Q':
            bad |= parse_uint(optarg, &o.qr_svg_cache) != 0 || o.qr_svg_cache < 1 ||
                   o.qr_svg_cache > 65536;
            break;
        case 'R':
            o.replica_of = optarg;
            break;
        case 'C':
            o.replica_client = optarg;
            break;
        case 'S':
            o.replica_secret_file = optarg;
            break;
        case 'O':
            o.operator_listen = optarg;
            break;
        case 'P':
            o.operator_public = 1;
            break;
        case 'h':
            fputs(main_help, stdout);
            return CLI_OK;
        default:
            bad = 1;
            break;
        }
    }
    if (!bad && (o.replica_of != NULL) !=
                    (o.replica_client != NULL && o.replica_secret_file != NULL)) {
        fputs("jianpei-verifier: --replica-of, --client and --secret-file go together\n", stderr);
        bad = 1;
    }
    if (bad) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    if (optind < argc && strcmp(argv[optind], "verify-qr") == 0)
        return cmd_verify_qr(argc - optind, argv + optind, home_flag);
    if (optind < argc && strcmp(argv[optind], "verify-file") == 0)
        return cmd_verify_file(argc - optind, argv + optind);
    if (jp_home_resolve(home_flag, home, sizeof(home)) != 0) {
        fputs("jianpei-verifier: home path too long\n", stderr);
        return CLI_USAGE;
    }
    if (optind < argc && strcmp(argv[optind], "clients") == 0)
        return cmd_clients(argc - optind, argv + optind, home);
    if (optind == argc &&
        verifier_conf_apply(home, &o, listen, sizeof(listen), oplisten, sizeof(oplisten), err,
                            sizeof(err)) != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err);
        return CLI_USAGE;
    }
    if (o.operator_public && o.operator_listen == NULL) {
        fputs("jianpei-verifier: --operator-public needs --operator-listen (in config.json:\n"
              "  verifier.operator_public needs verifier.operator_listen)\n",
              stderr);
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    if (optind < argc || o.listen == NULL) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    o.home = home;
    return serve(&o);
}
