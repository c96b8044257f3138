/*
 * verify_file_cmd.c - `jianpei-verifier verify-file FILE --trust FILE
 * [--pin SHA256] [--crl FILE] [--sm2-crl FILE] [--json]`: the offline check
 * of a certificate file (PDF or OFD) against a trust list, with the roots'
 * CRLs applied when given, over verifier_file_check(). Exit 0 valid, 1 not
 * valid (the reason in words), 2 usage, 3 the file, the trust list or a CRL
 * cannot be read. Called from main.c, the only place that exits.
 */
#include "errors.h"
#include "cli.h"
#include "crl_cmd.h"
#include "keys.h"
#include "util.h"
#include "verifier.h"
#include "offline_cli.h"
#include "verify_file_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (32u << 20) /* bytes of a file read: the OFD reader's bound, above any PDF's */

static const char verify_file_help[] =
    "usage: jianpei-verifier verify-file FILE --trust TRUSTLIST [--pin SHA256]\n"
    "                        [--crl FILE] [--sm2-crl FILE] [--json]\n"
    "\n"
    "Checks a certificate file offline against the trust list TRUSTLIST (the\n"
    "province's trust-list.pem): a PDF by its signature (the signing certificate\n"
    "must be one of the list's, and the signature must cover every byte but its own\n"
    "value), an OFD by its SM2 electronic seal (made by the list's SM2 root, signed\n"
    "by one of its SM2 signing certificates, every file of the package covered).\n"
    "Prints the verdict (valid, modified, not_ours, revoked_key, not_signed) and,\n"
    "unless valid, the reason.\n"
    "\n"
    "  --trust TRUSTLIST  the signed trust list to check against (required)\n"
    "  --pin SHA256       refuse (exit 3) a trust list whose root has another\n"
    "                     fingerprint: 64 hex digits\n"
    "  --crl FILE         the root's CRL, DER, as GET /api/v1/crl/root.crl serves it\n"
    "                     (HOME/root.crl): the PDF signing keys it lists count as\n"
    "                     revoked. One not signed by the trust list's root is refused\n"
    "                     (exit 3); one past its nextUpdate is used with a warning\n"
    "  --sm2-crl FILE     the SM2 root's CRL, as GET /api/v1/crl/sm2-root.crl serves\n"
    "                     it (HOME/sm2-root.crl): the SM2 signing keys it lists count as\n"
    "                     revoked, also where a stale trust list still says active.\n"
    "                     One not signed by the list's SM2 root is refused (exit 3)\n"
    "  --json             print {\"format\", \"verdict\", \"reason\"} as JSON instead\n"
    "\n"
    "Exit status: 0 valid, 1 not valid, 2 usage, 3 the file, the trust list or a\n"
    "CRL cannot be read or is refused.\n";

static void print_result(const struct verifier_file *r, int json)
{
    json_t *o;
    char *text = NULL;

    if (!json) {
        printf("%s: %s\n", r->format, verifier_file_verdict_name(r->verdict));
        if (r->reason[0] != '\0')
            printf("reason: %s\n", r->reason);
        return;
    }
    o = json_pack("{s:s, s:s, s:s}", "format", r->format, "verdict",
                  verifier_file_verdict_name(r->verdict), "reason", r->reason);
    if (o != NULL)
        text = json_dumps(o, JSON_COMPACT);
    if (text != NULL)
        printf("%s\n", text);
    free(text);
    json_decref(o);
}

static int load_trust(const char *path, const unsigned char *pin, keys_trust_t **trust)
{
    char err[512] = "";
    int rc;

    rc = keys_trust_load(path, pin, trust, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "jianpei-verifier: verify-file: %s\n", err[0] ? err : jp_strerror(rc));
    return rc;
}

int cmd_verify_file(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 't'},
        {"pin", required_argument, NULL, 'p'},
        {"crl", required_argument, NULL, 'c'},
        {"sm2-crl", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct offline_opts o = {0};
    unsigned char pin[32], *file = NULL;
    keys_trust_t *trust = NULL;
    struct verifier_file r;
    size_t len = 0;
    int rc;

    if (offline_opts_parse(argc, argv, opts, verify_file_help, &o, &rc))
        return rc;
    if (o.trust == NULL || optind != argc - 1 ||
        (o.pin != NULL && keys_fingerprint_parse(o.pin, pin) != 0)) {
        fputs(verify_file_help, stderr);
        return CLI_USAGE;
    }
    rc = jp_read_file(argv[optind], FILE_MAX, &file, &len);
    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: verify-file: %s: cannot read: %s\n", argv[optind],
                rc == EFBIG ? "larger than 32 MiB" : strerror(rc));
        return CLI_FAILURE;
    }
    rc = load_trust(o.trust, o.pin != NULL ? pin : NULL, &trust);
    if (rc == 0 && o.crl != NULL) /* notes NULL: the verdict (or its JSON) stays alone */
        rc = crl_cmd_apply(trust, o.crl, CRL_CMD_ROOT, NULL);
    if (rc == 0 && o.sm2_crl != NULL)
        rc = crl_cmd_apply(trust, o.sm2_crl, CRL_CMD_SM2, NULL);
    if (rc == 0)
        rc = verifier_file_check(trust, file, len, &r);
    keys_trust_free(trust);
    free(file);
    if (rc != 0)
        return CLI_FAILURE;
    print_result(&r, o.json);
    return r.verdict == VERIFIER_FILE_VALID ? CLI_OK : CLI_REJECTED;
}
