/*
 * crl_cmd.h - the CRL options of jianpei-verifier's offline commands
 * (crl_cmd.c): verify-qr --crl, verify-file --crl and --sm2-crl.
 */
#ifndef JP_CRL_CMD_H
#define JP_CRL_CMD_H

#include <stdio.h>

#include "keys.h"

/* Which root a CRL given on the command line must come from. */
enum crl_cmd_root {
    CRL_CMD_ROOT, /* the provincial (ECDSA) root: HOME/root.crl */
    CRL_CMD_SM2,  /* the SM2 root of the OFD seals: HOME/sm2-root.crl */
};

/*
 * Applies the DER CRL at path to trust (verifier_crl_apply or
 * verifier_sm2_crl_apply, by root): the keys it lists count as revoked.
 * notes (may be NULL) gets one line "crl: current until DATE, N revoked" or
 * "crl: stale: ..."; a stale CRL is used, with a warning on stderr. A missing
 * file, one that cannot be read or one that root did not sign is said on
 * stderr and refused. Returns 0 or CLI_FAILURE (trust unchanged then).
 */
int crl_cmd_apply(keys_trust_t *trust, const char *path, enum crl_cmd_root root, FILE *notes);

#endif
