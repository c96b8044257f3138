/*
 * replica.c - the follower of `jianpei-verifier --replica-of URL` (SPEC §12).
 *
 * An empty home is first given the primary's public files (configuration,
 * trust list and root, clients) from the feed's 'H' frames; the
 * store is then made with a change log and filled page by page from
 * GET /api/v1/replication?since=<the store's last change>, each page checked
 * against its MAC and applied in one LMDB transaction (store_feed_apply: order,
 * chain, digests, audit chain). The position is the store's own last change,
 * committed with the data, so a replica killed at any point resumes where its
 * last commit left it. A page that fails a check stops the follower for good
 * (the reason is logged and /healthz says 503); network trouble is retried.
 */
#include "verifier_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FEED_PATH "/api/v1/replication"
#define POLL_MS 200u   /* between polls once caught up */
#define RETRY_MS 1000u /* after a failed request */
#define HTTP_TIMEOUT_MS 10000u
#define PAGE_MAX (4u * VF_FEED_PAGE_BYTES + STORE_FEED_FRAME_MAX + (2u << 20))
#define SEED_SINCE "9999999999999999999" /* past any head: the home files only */

struct vf_replica {
    struct vf_url url;                       /* the primary */
    char client[VERIFIER_CLIENT_ID_MAX + 1]; /* our client id there */
    char secret[VERIFIER_SECRET_LEN + 1];    /* its secret; wiped on free */
    char home[VF_PATH_MAX];                  /* our home */
    char home_hex[65];                       /* digest of the home files we hold, "" = unknown */
    char limit[24];                          /* page bound asked for ("" = the primary's) */
    store *st;                               /* borrowed: the daemon's store */
    pthread_t th;                            /* the follower */
    int running;                             /* th was started */
    atomic_int stop;                         /* 1: the follower ends */
    atomic_int ready;                        /* caught up once */
    atomic_int failed;                       /* stopped applying (why says why) */
    _Atomic uint64_t applied_seq;            /* our last change */
    _Atomic uint64_t head_seq;               /* the primary's, as last seen */
    _Atomic uint64_t applied_total;          /* changes applied by this process */
    _Atomic uint64_t caught_up_ms;           /* monotonic ms of the last caught-up poll */
    char why[256];                           /* the reason of failed */
};

static int read_secret(const char *path, char out[VERIFIER_SECRET_LEN + 1], char *err,
                       size_t errlen)
{
    unsigned char *text = NULL;
    size_t len = 0, i;
    int rc = jp_read_file(path, 4096, &text, &len);

    if (rc != 0) {
        jp_errf(err, errlen, "cannot read --secret-file %s: %s", path, strerror(rc));
        return rc;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    rc = len == VERIFIER_SECRET_LEN ? 0 : VERIFIER_E_INVAL;
    for (i = 0; rc == 0 && i < len; i++) {
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
            rc = VERIFIER_E_INVAL;
    }
    if (rc == 0) {
        memcpy(out, text, len);
        out[len] = '\0';
    } else {
        jp_errf(err, errlen, "--secret-file %s: expected the 64 hex digits `clients add` printed",
                path);
    }
    jp_free_secret(text, len);
    return rc;
}

/* The Authorization value of SPEC §8 for GET path?query. */
static int sign(const struct vf_replica *rp, const char *path, const char *query, char *out,
                size_t outsz)
{
    unsigned char mac[32];
    char ts[24], hex[65];
    int rc;

    rc = jp_strf(ts, sizeof ts, "%lld", (long long)time(NULL));
    if (rc == 0)
        rc = vf_auth_mac(rp->secret, "GET", path, query, ts, "", 0, mac);
    if (rc == 0) {
        jp_hex_encode(mac, sizeof mac, hex);
        rc = jp_strf(out, outsz, "JIANPEI-HMAC-SHA256 client=%s, ts=%s, sig=%s", rp->client, ts,
                     hex);
    }
    jp_cleanse(mac, sizeof mac);
    return rc;
}

/* One page after since; the body is checked against its MAC. 0, EACCES (MAC), or errors. */
static int fetch(struct vf_replica *rp, const char *since, struct jp_buf *body, char *err,
                 size_t errlen)
{
    struct vf_http_answer a = {.header_name = "X-Jianpei-Feed-Mac"};
    char query[128], path[VF_PATH_MAX], target[VF_PATH_MAX + 128], authz[256], mac[65];
    uint64_t s = 0;
    int rc;

    rc = jp_strf(query, sizeof query, "home=%s%s%s&since=%s", rp->home_hex[0] ? rp->home_hex : "0",
                 rp->limit[0] ? "&limit=" : "", rp->limit, since);
    if (rc == 0)
        rc = jp_strf(path, sizeof path, "%s%s", rp->url.prefix, FEED_PATH);
    if (rc == 0)
        rc = jp_strf(target, sizeof target, "%s?%s", FEED_PATH, query);
    if (rc == 0)
        rc = sign(rp, path, query, authz, sizeof authz);
    if (rc == 0)
        rc = vf_http_get(&rp->url, target, authz, HTTP_TIMEOUT_MS, body, &a);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot fetch the feed from %s:%s: %s", rp->url.host, rp->url.port,
                strerror(rc));
        return rc;
    }
    if (a.status != 200) {
        jp_errf(err, errlen, "the primary answered %u to the feed request", a.status);
        return EPROTO;
    }
    rc = vf_parse_since(since, &s);
    if (rc == 0)
        rc = vf_feed_mac(rp->secret, s, body->data, body->len, mac);
    if (rc == 0 && (strlen(a.header) != 64 || CRYPTO_memcmp(mac, a.header, 64) != 0)) {
        jp_errf(err, errlen,
                "the feed page after change %s fails its MAC: altered in transit, or not "
                "from our primary",
                since);
        rc = EACCES;
    }
    return rc;
}

/* Writes an 'H' frame's file when it differs from ours. */
static int take_home_file(struct vf_replica *rp, const unsigned char *p, size_t n, char *err,
                          size_t errlen)
{
    const unsigned char *nul = memchr(p, '\0', n < 64 ? n : 64);
    char path[VF_PATH_MAX];
    unsigned char *have = NULL;
    size_t hlen = 0, clen;
    unsigned mode = 0;
    int rc;

    if (nul == NULL || !vf_feed_home_file((const char *)p, &mode)) {
        jp_errf(err, errlen, "the feed names a home file this replica does not take");
        return EPROTO;
    }
    clen = n - (size_t)(nul + 1 - p);
    rc = jp_path_join(path, sizeof path, rp->home, (const char *)p);
    if (rc != 0)
        return rc;
    if (jp_read_file(path, STORE_FEED_FRAME_MAX, &have, &hlen) == 0 && hlen == clen &&
        memcmp(have, nul + 1, clen) == 0)
        rc = -1; /* unchanged */
    jp_free_secret(have, hlen);
    if (rc == -1)
        return 0;
    rc = jp_write_file_atomic(path, nul + 1, clen, (mode_t)mode);
    if (rc != 0)
        jp_errf(err, errlen, "cannot write %s: %s", path, strerror(rc));
    else
        jp_log(JP_LOG_INFO, "replica: took %s from the primary", (const char *)p);
    return rc;
}

/* The 'I', 'H' and 'E' frames: home files written, *head and *end read. */
static int take_frames(struct vf_replica *rp, const struct jp_buf *body, uint64_t *head,
                       uint64_t *end, char *err, size_t errlen)
{
    struct store_feed_reader r = {body->data, body->len, 0};
    unsigned char digest[32] = {0};
    const void *p;
    size_t n;
    int type, rc, seen = 0;

    for (;;) {
        rc = store_feed_next(&r, &type, &p, &n);
        if (rc != 0)
            break;
        if (type == 'I' && n == 40) {
            *head = store_be64_get(p);
            memcpy(digest, (const unsigned char *)p + 8, 32);
            seen |= 1;
        } else if (type == 'H') {
            rc = take_home_file(rp, p, n, err, errlen);
        } else if (type == 'E' && n == 8) {
            *end = store_be64_get(p);
            seen |= 2;
        }
        if (rc != 0)
            return rc;
    }
    if (rc != STORE_ENOTFOUND || seen != 3) {
        jp_errf(err, errlen, "the feed page is malformed");
        return EPROTO;
    }
    jp_hex_encode(digest, sizeof digest, rp->home_hex);
    return 0;
}

/* One poll: fetch, check, apply. *caught 1 when we hold the primary's head. */
static int poll_once(struct vf_replica *rp, int *caught, int *fatal, char *err, size_t errlen)
{
    struct jp_buf body;
    store_txn *txn = NULL;
    uint64_t since = 0, head = 0, end = 0, last = 0, applied = 0, t0 = jp_mono_ms();
    char since_text[24];
    int rc;

    *caught = 0;
    *fatal = 0;
    rc = store_read_begin(rp->st, &txn);
    if (rc == 0)
        rc = store_changes_last(txn, &since);
    store_read_end(txn);
    if (rc == 0)
        rc = jp_strf(since_text, sizeof since_text, "%llu", (unsigned long long)since);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot read the replica's position: %s", store_strerror(rc));
        return rc;
    }
    jp_buf_init(&body, PAGE_MAX);
    rc = fetch(rp, since_text, &body, err, errlen);
    *fatal = rc == EACCES;
    if (rc == 0)
        rc = take_frames(rp, &body, &head, &end, err, errlen);
    if (rc == 0) {
        rc = store_feed_apply(rp->st, body.data, body.len, &last, &applied, err, errlen);
        *fatal = rc == STORE_ECORRUPT;
    }
    if (rc == 0 && last != end) {
        jp_errf(err, errlen, "the feed page ends at change %llu but the store is at %llu",
                (unsigned long long)end, (unsigned long long)last);
        rc = STORE_ECORRUPT;
        *fatal = 1;
    }
    jp_buf_free(&body);
    if (rc != 0)
        return rc;
    atomic_store(&rp->applied_seq, last);
    atomic_store(&rp->head_seq, head);
    atomic_fetch_add(&rp->applied_total, applied);
    *caught = last >= head;
    if (*caught) {
        atomic_store(&rp->caught_up_ms, t0);
        if (!atomic_exchange(&rp->ready, 1))
            jp_log(JP_LOG_INFO, "replica: caught up with the primary at change %llu",
                   (unsigned long long)last);
    }
    return 0;
}

static void nap(struct vf_replica *rp, unsigned ms)
{
    unsigned i;

    for (i = 0; i < ms / 50u && !atomic_load(&rp->stop); i++)
        usleep(50000);
}

static void *follow(void *arg)
{
    struct vf_replica *rp = arg;
    char err[256], last_err[256] = "";
    int caught = 0, fatal = 0, rc;

    while (!atomic_load(&rp->stop)) {
        err[0] = '\0';
        rc = poll_once(rp, &caught, &fatal, err, sizeof err);
        if (rc != 0 && fatal) {
            memcpy(rp->why, err, sizeof rp->why);
            atomic_store(&rp->failed, 1);
            jp_log(JP_LOG_ERROR, "replica: stopped applying the feed: %s", err);
            break;
        }
        if (rc != 0 && strcmp(err, last_err) != 0)
            jp_log(JP_LOG_WARN, "replica: %s (retrying)", err);
        memcpy(last_err, rc != 0 ? err : "", rc != 0 ? sizeof last_err : 1);
        if (rc != 0)
            nap(rp, RETRY_MS);
        else if (caught)
            nap(rp, POLL_MS);
    }
    while (!atomic_load(&rp->stop))
        nap(rp, 1000);
    return NULL;
}

/* Makes the home and, when it has no configuration yet, takes the primary's files. */
static int seed_home(struct vf_replica *rp, char *err, size_t errlen)
{
    char path[VF_PATH_MAX];
    struct jp_buf body;
    struct stat sb;
    uint64_t head = 0, end = 0;
    int rc;

    rc = jp_mkdir_p(rp->home, 0700);
    if (rc == 0)
        rc = jp_path_join(path, sizeof path, rp->home, JP_HOME_CONFIG);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot make the home %s: %s", rp->home, strerror(rc));
        return rc;
    }
    if (stat(path, &sb) == 0)
        return 0;
    jp_buf_init(&body, PAGE_MAX);
    rc = fetch(rp, SEED_SINCE, &body, err, errlen);
    if (rc == 0)
        rc = take_frames(rp, &body, &head, &end, err, errlen);
    jp_buf_free(&body);
    if (rc == 0 && stat(path, &sb) != 0) {
        jp_errf(err, errlen, "the primary sent no %s", JP_HOME_CONFIG);
        rc = VERIFIER_E_HOME;
    }
    rp->home_hex[0] = '\0'; /* the store is not there yet: ask again with the first page */
    return rc;
}

int vf_replica_prepare(const struct verifier_opts *o, struct vf_replica **out, char *err,
                       size_t errlen)
{
    struct vf_replica *rp;
    int rc;

    *out = NULL;
    if (o->replica_client == NULL || !vf_client_id_ok(o->replica_client) ||
        o->replica_secret_file == NULL) {
        jp_errf(err, errlen, "--replica-of needs --client ID and --secret-file FILE");
        return VERIFIER_E_INVAL;
    }
    rp = calloc(1, sizeof *rp);
    if (rp == NULL)
        return ENOMEM;
    rc = vf_url_parse(o->replica_of, &rp->url);
    if (rc != 0) {
        jp_errf(err, errlen, "--replica-of: expected http://HOST:PORT");
        rc = VERIFIER_E_INVAL;
    }
    if (rc == 0)
        rc = read_secret(o->replica_secret_file, rp->secret, err, errlen);
    if (rc == 0) {
        const char *lim = getenv("JIANPEI_REPLICA_PAGE_BYTES");

        if (lim != NULL && strlen(lim) < sizeof rp->limit &&
            strspn(lim, "0123456789") == strlen(lim))
            memcpy(rp->limit, lim, strlen(lim) + 1);
        memcpy(rp->client, o->replica_client, strlen(o->replica_client) + 1);
        memcpy(rp->home, o->home, strlen(o->home) + 1);
        rc = seed_home(rp, err, errlen);
    }
    if (rc != 0) {
        vf_replica_free(rp);
        return rc;
    }
    *out = rp;
    return 0;
}

int vf_replica_start(struct vf_replica *rp, struct verifier *v)
{
    int rc;

    rp->st = v->st;
    rc = pthread_create(&rp->th, NULL, follow, rp);
    rp->running = rc == 0;
    return rc;
}

void vf_replica_free(struct vf_replica *rp)
{
    if (rp == NULL)
        return;
    atomic_store(&rp->stop, 1);
    if (rp->running)
        pthread_join(rp->th, NULL);
    jp_cleanse(rp->secret, sizeof rp->secret);
    free(rp);
}

int vf_replica_ready(const struct vf_replica *rp)
{
    return atomic_load(&rp->ready);
}

static uint64_t lag_ms(const struct vf_replica *rp)
{
    uint64_t at = atomic_load(&rp->caught_up_ms), now = jp_mono_ms();

    return at == 0 || now < at ? (at == 0 ? UINT64_MAX : 0) : now - at;
}

int vf_replica_healthy(const struct vf_replica *rp, const char **why)
{
    if (atomic_load(&rp->failed))
        *why = "stopped";
    else if (!atomic_load(&rp->ready))
        *why = "seeding";
    else if (lag_ms(rp) > VF_REPLICA_MAX_LAG_MS)
        *why = "lagging";
    else
        return 1;
    return 0;
}

int vf_replica_metrics(const struct vf_replica *rp, struct jp_buf *out)
{
    uint64_t lag = lag_ms(rp), head = atomic_load(&rp->head_seq),
             at = atomic_load(&rp->applied_seq);

    return jp_buf_printf(
        out,
        "# HELP jianpei_replica_lag_seconds Seconds since the replica last held the "
        "primary's head (-1 before it first did).\n"
        "# TYPE jianpei_replica_lag_seconds gauge\n"
        "jianpei_replica_lag_seconds %.3f\n"
        "# HELP jianpei_replica_lag_entries Changes the primary has that the replica has not "
        "applied, as last seen.\n"
        "# TYPE jianpei_replica_lag_entries gauge\n"
        "jianpei_replica_lag_entries %llu\n"
        "# HELP jianpei_replica_applied_seq The replica's last applied change.\n"
        "# TYPE jianpei_replica_applied_seq gauge\n"
        "jianpei_replica_applied_seq %llu\n"
        "# HELP jianpei_replica_applied_total Changes applied by this process.\n"
        "# TYPE jianpei_replica_applied_total counter\n"
        "jianpei_replica_applied_total %llu\n"
        "# HELP jianpei_replica_stopped 1 when a feed page failed a check and applying "
        "stopped.\n"
        "# TYPE jianpei_replica_stopped gauge\n"
        "jianpei_replica_stopped %d\n",
        lag == UINT64_MAX ? -1.0 : (double)lag / 1000.0,
        (unsigned long long)(head > at ? head - at : 0), (unsigned long long)at,
        (unsigned long long)atomic_load(&rp->applied_total), atomic_load(&rp->failed));
}
