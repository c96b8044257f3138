/*
 * crl_cmd.c - a CRL named on jianpei-verifier's command line (verify-qr
 * --crl, verify-file --crl and --sm2-crl) applied to the trust list, with
 * what the user must know about it: current or stale, or refused. Called from
 * the command files; only main.c exits.
 */
#include "crl_cmd.h"

#include "cli.h"
#include "verifier.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

/* "YYYY-MM-DD HH:MM:SS UTC" of t. */
static void utc_text(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        memcpy(out, "?", 2);
}

int crl_cmd_apply(keys_trust_t *trust, const char *path, enum crl_cmd_root root, FILE *notes)
{
    struct verifier_crl crl;
    char err[512] = "", when[32];
    int rc = root == CRL_CMD_SM2 ? verifier_sm2_crl_apply(trust, path, &crl, err, sizeof(err))
                                 : verifier_crl_apply(trust, path, &crl, err, sizeof(err));

    if (rc != 0) {
        fprintf(stderr, "jianpei-verifier: %s\n", err);
        return CLI_FAILURE;
    }
    if (crl.state == VERIFIER_CRL_ABSENT) {
        fprintf(stderr, "jianpei-verifier: crl %s: no such file\n", path);
        return CLI_FAILURE;
    }
    utc_text(crl.next_update, when);
    if ((int64_t)time(NULL) > crl.next_update) {
        if (notes != NULL)
            fprintf(notes,
                    "crl: stale: its next update was due %s; revocations since then are not "
                    "known\n",
                    when);
        fprintf(stderr, "jianpei-verifier: warning: crl %s is stale (next update was due %s)\n",
                path, when);
    } else if (notes != NULL) {
        fprintf(notes, "crl: current until %s, %zu revoked\n", when, crl.nrevoked);
    }
    return 0;
}
