/*
 * crl.c - GET /api/v1/crl/root.crl (SPEC §13): the provincial root's CRL as
 * the issuer last wrote it (HOME/root.crl, DER), with an ETag of its bytes
 * and cacheable until its nextUpdate, so caches and relying parties can hold
 * it exactly as long as it is current. Generic over the file, so another
 * hierarchy's CRL (sm2-root.crl) is one more route.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "keys.h"

int vf_h_crl(struct verifier *v, const struct vf_call *c, const char *file, struct vf_reply *r)
{
    struct keys_crl_info info;
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = vf_home_published(v, r, file, KEYS_CRL_MAX, "no crl is published", &der, &len);

    if (rc != 0 || der == NULL)
        return rc;
    if (keys_crl_parse(der, len, NULL, 0, &info) != 0) {
        free(der);
        return VERIFIER_E_HOME;
    }
    return vf_reply_cacheable(r, c, "application/pkix-crl", der, len,
                              (long)(info.next_update - (int64_t)time(NULL)));
}
