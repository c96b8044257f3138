/*
 * reply_cache.c - what a reply says to caches: its one Cache-Control value
 * (vf_reply_cache) and the cacheable file answer with a strong ETag and 304 on
 * a matching If-None-Match (vf_reply_cacheable), shared by the trust list
 * (handlers.c) and the CRLs (crl.c), which had a copy each.
 */
#include "verifier_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

int vf_etag(const void *p, size_t len, char out[72])
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    char hex[65];

    SHA256(p, len, d);
    jp_hex_encode(d, 16, hex);
    return jp_strf(out, 72, "\"%s\"", hex);
}

int vf_reply_cache(struct vf_reply *r, const char *value)
{
    return jp_strf(r->cache, sizeof r->cache, "%s", value != NULL ? value : "");
}

/* 1 when an If-None-Match value ("*" or a list of ETags) names etag. */
static int etag_matches(const char *if_none_match, const char *etag)
{
    return if_none_match != NULL &&
           (strcmp(if_none_match, "*") == 0 || strstr(if_none_match, etag) != NULL);
}

int vf_reply_cacheable(struct vf_reply *r, const struct vf_call *c, const char *ctype,
                       unsigned char *body, size_t len, long max_age)
{
    char cc[sizeof r->cache];
    int rc = jp_strf(cc, sizeof cc, "public, max-age=%ld", max_age > 0 ? max_age : 0);

    if (rc == 0)
        rc = vf_etag(body, len, r->etag);
    if (rc == 0)
        rc = vf_reply_cache(r, cc);
    if (rc != 0) {
        free(body);
        return rc;
    }
    vf_reply_clear(r);
    r->ctype = ctype;
    r->status = 200;
    if (etag_matches(c->if_none_match, r->etag)) {
        free(body);
        r->status = 304;
        return 0;
    }
    r->body = body;
    r->len = len;
    return 0;
}
