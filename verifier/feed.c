/*
 * feed.c - the primary's side of replication (SPEC §12):
 * GET /api/v1/replication?since=N[&home=HEX][&limit=BYTES], for clients of
 * scope "replica" (limit: the page's soft bound, 4096..VF_FEED_PAGE_BYTES).
 *
 * The body is the store's frame stream (store.h, docs/store-format.md): an 'I'
 * frame (the change log's head, u64 BE, and the digest of the home files a
 * replica needs), 'H' frames with those files when the replica's digest
 * (home=) differs, the 'C'/'V'/'S' frames of store_feed_page after since, and
 * an 'E' frame (the last seq in the page, u64 BE). The header
 * X-Jianpei-Feed-Mac is the hex HMAC-SHA256, keyed with the replica's secret,
 * of "since\n" N "\n" and the body: a page changed in transit or replayed for
 * another since is refused.
 */
#include "verifier_int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/*
 * The home files a replica takes from its primary, and their modes there. Not
 * claim.key: claim-code proofs (sign-in, the PDF API) are answered by the
 * primary alone (docs/operations.md), so a replica's disk cannot be used to
 * try codes offline.
 */
static const struct {
    const char *name;
    unsigned mode;
} home_files[] = {
    {JP_HOME_CONFIG, 0644},
    {JP_HOME_TRUST_LIST, 0644},
    {JP_HOME_TRUST_ROOT, 0644},
    {JP_HOME_CLIENTS, 0600},
};

#define HOME_FILE_MAX (256u * 1024)

int vf_feed_home_file(const char *name, unsigned *mode)
{
    size_t i;

    for (i = 0; i < sizeof(home_files) / sizeof(home_files[0]); i++) {
        if (strcmp(home_files[i].name, name) == 0) {
            *mode = home_files[i].mode;
            return 1;
        }
    }
    return 0;
}

/* Appends an 'H' frame per home file present and their digest into digest[32]. */
static int home_frames(const char *home, struct jp_buf *out, unsigned char digest[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    char path[VF_PATH_MAX];
    unsigned int dl = 0;
    size_t i;
    int rc = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? 0 : ENOMEM;

    for (i = 0; rc == 0 && i < sizeof(home_files) / sizeof(home_files[0]); i++) {
        const char *nm = home_files[i].name;
        unsigned char *text = NULL;
        size_t len = 0;

        rc = jp_path_join(path, sizeof path, home, nm);
        if (rc == 0)
            rc = jp_read_file(path, HOME_FILE_MAX, &text, &len);
        if (rc == ENOENT) {
            rc = 0;
            continue;
        }
        if (rc == 0 && (EVP_DigestUpdate(ctx, nm, strlen(nm) + 1) != 1 ||
                        EVP_DigestUpdate(ctx, text, len) != 1))
            rc = ENOMEM;
        if (rc == 0 && out != NULL)
            rc = store_feed_frame(out, 'H', nm, strlen(nm) + 1, text, len);
        jp_free_secret(text, len);
    }
    if (rc == 0 && (EVP_DigestFinal_ex(ctx, digest, &dl) != 1 || dl != 32))
        rc = ENOMEM;
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* The value of parameter name in a raw query string into out (outsz), "" when absent. */
static void query_param(const char *query, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    const char *p = query;

    out[0] = '\0';
    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, "&");

        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=' && len - nl - 1 < outsz) {
            memcpy(out, p + nl + 1, len - nl - 1);
            out[len - nl - 1] = '\0';
            return;
        }
        p += len;
        if (*p == '&')
            p++;
    }
}

int vf_feed_mac(const char *secret, uint64_t since, const void *body, size_t len, char hex[65])
{
    unsigned char digest[32], mac[32];
    char dhex[65], text[128];
    unsigned int ml = 0;
    int rc;

    if (EVP_Digest(body, len, digest, NULL, EVP_sha256(), NULL) != 1)
        return KEYS_E_CRYPTO;
    jp_hex_encode(digest, sizeof digest, dhex);
    rc = jp_strf(text, sizeof text, "since\n%llu\n%s", (unsigned long long)since, dhex);
    if (rc == 0 && HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)text,
                        strlen(text), mac, &ml) == NULL)
        rc = KEYS_E_CRYPTO;
    if (rc == 0)
        jp_hex_encode(mac, sizeof mac, hex);
    return rc;
}

/* The page after since, framed, into b. */
static int feed_body(struct verifier *v, uint64_t since, size_t limit, const char *their_home,
                     struct jp_buf *b)
{
    unsigned char digest[32], info[40] = {0}, end[8];
    char hex[65];
    store_txn *txn = NULL;
    uint64_t last = since, head = 0;
    size_t info_at;
    int rc;

    rc = home_frames(v->home, NULL, digest);
    if (rc != 0)
        return rc;
    jp_hex_encode(digest, sizeof digest, hex);
    info_at = b->len;
    rc = store_feed_frame(b, 'I', info, sizeof info, NULL, 0); /* filled below */
    if (rc == 0 && strcmp(hex, their_home) != 0)
        rc = home_frames(v->home, b, digest);
    if (rc == 0)
        rc = store_read_begin(v->st, &txn);
    if (rc == 0)
        rc = store_feed_page(txn, since, limit, b, &last, &head);
    store_read_end(txn);
    if (rc != 0)
        return rc;
    store_be64_put(info, head);
    memcpy(info + 8, digest, 32);
    memcpy(b->data + info_at + 5, info, sizeof info);
    store_be64_put(end, last);
    return store_feed_frame(b, 'E', end, sizeof end, NULL, 0);
}

static int h_replication(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct vf_client who;
    char why[128] = "", home[72], limit_text[24];
    struct jp_buf b;
    uint64_t since, limit = VF_FEED_PAGE_BYTES;
    int auth, rc;

    pthread_rwlock_rdlock(&v->lock);
    auth = vf_auth_check_client(&v->clients, c->method, c->path, c->query, c->authz, c->body,
                                c->len, (int64_t)time(NULL), &who, why, sizeof why);
    pthread_rwlock_unlock(&v->lock);
    if (auth != 0)
        return vf_reply_error(r, 401, "unauthorized", why);
    if (who.scope != VF_SCOPE_REPLICA) {
        jp_cleanse(&who, sizeof who);
        return vf_reply_error(r, 403, "forbidden", "the replication feed is for replica clients");
    }
    query_param(c->query, "home", home, sizeof home);
    query_param(c->query, "limit", limit_text, sizeof limit_text);
    if (c->since == NULL || vf_parse_since(c->since, &since) != 0 ||
        (limit_text[0] != '\0' &&
         (vf_parse_since(limit_text, &limit) != 0 || limit < 4096 || limit > VF_FEED_PAGE_BYTES))) {
        jp_cleanse(&who, sizeof who);
        return vf_reply_error(r, 400, "invalid_request",
                              "since must be a sequence number, limit 4096..1048576 bytes");
    }
    if (!store_changes_enabled(v->st)) {
        jp_cleanse(&who, sizeof who);
        return vf_reply_error(r, 404, "not_found", "this store keeps no change log");
    }
    jp_buf_init(&b, 4 * VF_FEED_PAGE_BYTES + STORE_FEED_FRAME_MAX + 4 * HOME_FILE_MAX);
    rc = feed_body(v, since, (size_t)limit, home, &b);
    if (rc == 0)
        rc = vf_feed_mac(who.secret, since, b.data, b.len, r->xvalue);
    jp_cleanse(&who, sizeof who);
    if (rc == 0) {
        size_t len = 0;
        unsigned char *p = jp_buf_detach(&b, &len);

        vf_reply_clear(r);
        r->status = 200;
        r->ctype = "application/vnd.jianpei.feed";
        r->body = p;
        r->len = len;
        r->xname = "X-Jianpei-Feed-Mac";
    }
    jp_buf_free(&b);
    return rc;
}

int vf_route_feed(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                  enum vf_endpoint *ep, int *rc)
{
    if (strcmp(c->path, "/api/v1/replication") != 0)
        return 0;
    *ep = VF_EP_REPLICATION;
    *rc = strcmp(c->method, "GET") == 0
              ? h_replication(v, c, r)
              : vf_reply_error(r, 405, "method_not_allowed", "method not allowed here");
    return 1;
}
