/*
 * main.c - jianpei-verifier: the HTTP daemon (default command), `clients add`
 * and the offline `verify-qr`. A thin layer over jp_verifier: parse options,
 * call the library, map results to exit statuses 0 ok, 1 rejected (a QR that
 * is not genuine), 2 usage, 3 failure. Only this file exits.
 */
#include "cli.h"
#include "config.h"
#include "keys.h"
#include "util.h"
#include "verifier.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char main_help[] =
    "usage: jianpei-verifier [--home DIR] --listen HOST:PORT [--threads N]\n"
    "                        [--rate-burst N] [--rate-per-minute N] [--no-access-log]\n"
    "       jianpei-verifier [--home DIR] clients add CLIENT_ID\n"
    "       jianpei-verifier verify-qr TEXT --trust FILE [--pin SHA256]\n"
    "\n"
    "Serves the verification API of SPEC §8 from the home's store (read-only) and\n"
    "public keys. With port 0 the chosen port is printed first:\n"
    "\"listening on HOST:PORT\". SIGTERM or SIGINT stops it after requests in flight.\n"
    "\n"
    "  --home DIR             runtime home (default $JIANPEI_HOME, else ./jianpei-home)\n"
    "  --listen HOST:PORT     numeric address to bind, [::1]:8080 for IPv6\n"
    "  --threads N            thread pool size (default: one per core)\n"
    "  --rate-burst N         holder-check/pdf requests per client address at once (10)\n"
    "  --rate-per-minute N    their refill per minute (10)\n"
    "  --no-access-log        no per-request line on standard error\n"
    "\n"
    "clients add: registers another province's client and prints its secret, once,\n"
    "alone on the last line (the HMAC key of JIANPEI-HMAC-SHA256).\n"
    "verify-qr: checks a QR text (URL or token) offline against a trust list;\n"
    "exit 0 only when the signature is genuine, 1 otherwise. --pin SHA256 refuses\n"
    "(exit 3) a trust list whose root has another fingerprint: 64 hex digits, as\n"
    "`jianpei-issuer keys fingerprint` or `openssl x509 -fingerprint -sha256` print it.\n";

static int parse_uint(const char *s, unsigned *out)
{
    char *end = NULL;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > 1000000ul)
        return EINVAL;
    *out = (unsigned)v;
    return 0;
}

static int serve(struct verifier_opts *o)
{
    char err[512] = "";
    verifier *v = NULL;
    sigset_t set;
    int sig = 0, rc;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = verifier_start(o, &v, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s (%s)\n", err[0] ? err : verifier_strerror(rc),
                verifier_strerror(rc));
        return CLI_FAILURE;
    }
    printf("listening on %.*s:%u\n", (int)(strrchr(o->listen, ':') - o->listen), o->listen,
           (unsigned)verifier_port(v));
    fflush(stdout);
    jp_log(JP_LOG_INFO, "serving on port %u", (unsigned)verifier_port(v));
    sigwait(&set, &sig);
    jp_log(JP_LOG_INFO, "signal %d: stopping", sig);
    verifier_stop(v);
    return CLI_OK;
}

static int cmd_clients(int argc, char **argv, const char *home)
{
    char secret[VERIFIER_SECRET_LEN + 1];
    char err[512] = "";
    int rc;

    if (argc != 3 || strcmp(argv[1], "add") != 0) {
        fputs("usage: jianpei-verifier [--home DIR] clients add CLIENT_ID\n", stderr);
        return CLI_USAGE;
    }
    rc = verifier_clients_add(home, argv[2], secret, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err[0] ? err : verifier_strerror(rc));
        return rc == VERIFIER_E_INVAL ? CLI_USAGE : CLI_FAILURE;
    }
    printf("client %s added; its secret (shown once):\n%s\n", argv[2], secret);
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

static int cmd_verify_qr(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 't'},
        {"pin", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *trust_path = NULL, *pin_text = NULL;
    unsigned char pin[32];
    keys_trust_t *trust = NULL;
    struct verifier_qr qr;
    char err[512] = "";
    int c, rc;

    optind = 0; /* 0: glibc re-initialises its scan state */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 't') {
            trust_path = optarg;
        } else if (c == 'p') {
            pin_text = optarg;
        } else {
            fputs(main_help, c == 'h' ? stdout : stderr);
            return c == 'h' ? CLI_OK : CLI_USAGE;
        }
    }
    if (trust_path == NULL || optind != argc - 1 ||
        (pin_text != NULL && keys_fingerprint_parse(pin_text, pin) != 0)) {
        fputs("usage: jianpei-verifier verify-qr TEXT --trust FILE [--pin SHA256]\n", stderr);
        return CLI_USAGE;
    }
    rc = keys_trust_load(trust_path, pin_text != NULL ? pin : NULL, &trust, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err[0] ? err : keys_strerror(rc));
        return CLI_FAILURE;
    }
    rc = verifier_qr_check(trust, argv[optind], strlen(argv[optind]), &qr);
    keys_trust_free(trust);
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: qr check failed: %s\n", verifier_strerror(rc));
        return CLI_FAILURE;
    }
    print_qr(&qr);
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct verifier_opts o = {.access_log = 1};
    const char *home_flag = NULL;
    char home[4096];
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
        case 'h':
            fputs(main_help, stdout);
            return CLI_OK;
        default:
            bad = 1;
            break;
        }
    }
    if (bad) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    if (optind < argc && strcmp(argv[optind], "verify-qr") == 0)
        return cmd_verify_qr(argc - optind, argv + optind);
    if (jp_home_resolve(home_flag, home, sizeof(home)) != 0) {
        fputs("jianpei-verifier: home path too long\n", stderr);
        return CLI_USAGE;
    }
    if (optind < argc && strcmp(argv[optind], "clients") == 0)
        return cmd_clients(argc - optind, argv + optind, home);
    if (optind < argc || o.listen == NULL) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    o.home = home;
    return serve(&o);
}
