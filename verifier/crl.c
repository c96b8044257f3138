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

#include <openssl/sha.h>

#include "config.h"
#include "keys.h"

/* A strong ETag: the first 16 bytes of SHA-256 of the body, quoted hex. */
static int crl_etag(const unsigned char *der, size_t len, char *out, size_t outsz)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char hex[33];

    if (SHA256(der, len, md) == NULL)
        return EINVAL;
    jp_hex_encode(md, 16, hex);
    return jp_strf(out, outsz, "\"%s\"", hex);
}

int vf_h_crl(struct verifier *v, const struct vf_call *c, const char *file, struct vf_reply *r)
{
    char path[VF_PATH_MAX];
    struct keys_crl_info info;
    unsigned char *der = NULL;
    size_t len = 0;
    int64_t left;
    int rc;

    rc = jp_path_join(path, sizeof(path), v->home, file);
    if (rc == 0)
        rc = jp_read_file(path, KEYS_CRL_MAX, &der, &len);
    if (rc == ENOENT)
        return vf_reply_error(r, 404, "not_found", "no crl is published");
    if (rc != 0)
        return rc;
    rc = keys_crl_parse(der, len, NULL, 0, &info) == 0 ? 0 : VERIFIER_E_HOME;
    if (rc == 0)
        rc = crl_etag(der, len, r->etag, sizeof r->etag);
    left = info.next_update - (int64_t)time(NULL);
    if (rc == 0)
        rc = jp_strf(r->cache_control, sizeof r->cache_control, "public, max-age=%lld",
                     (long long)(left > 0 ? left : 0));
    if (rc != 0) {
        free(der);
        return rc;
    }
    vf_reply_clear(r);
    r->ctype = "application/pkix-crl";
    if (c->if_none_match != NULL && strcmp(c->if_none_match, r->etag) == 0) {
        free(der);
        r->status = 304;
        return 0;
    }
    r->status = 200;
    r->body = der;
    r->len = len;
    return 0;
}
