/*
 * test_replica.c - SPEC §12 end to end: a primary and replicas on loopback
 * port 0, each a child jianpei-verifier. 500 certificates issued on the
 * primary are answered byte for byte alike by two replicas seeded from an
 * empty home; a revocation shows on both within 2 s; a replica killed with -9
 * in the middle of its seed resumes from where its last commit left it and
 * ends with a store that `jianpei-issuer check` and `audit verify` pass and
 * PDFs and OFDs byte-identical to the primary's; a feed page altered in transit (a
 * flipping proxy) stops the replica with the reason logged and /healthz 503;
 * an altered change or value, even with a valid MAC, is refused by
 * store_feed_apply naming the change; the feed is for replica clients only;
 * the cache headers a proxy_cache relies on (lookups 1 s, trust list ETag/304,
 * holder pages private, no-store).
 */
#define _GNU_SOURCE /* memmem */
#include "check.h"
#include "store.h"
#include "verifier_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCERTS 500

static char dir[256], home[300], vbin[600], ibin[600], rep_secret[400], prov_secret[400];
static char rep_key[65], prov_key[65];

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void nap_ms(unsigned ms)
{
    usleep(ms * 1000u);
}

/* clients add ID [--replica]: the secret (last stdout line) into key and the file path. */
static int add_client(const char *id, int replica, const char *path, char key[65])
{
    char out[400], *text, *last;
    char *argv[] = {
        vbin, "--home", home, "clients", "add", (char *)id, replica ? "--replica" : NULL, NULL};
    FILE *f;

    snprintf(out, sizeof out, "%s/%s.out", dir, id);
    if (vc_run(argv, out) != 0)
        return -1;
    text = vc_slurp(out, NULL);
    if (text == NULL)
        return -1;
    while (strlen(text) > 0 && text[strlen(text) - 1] == '\n')
        text[strlen(text) - 1] = '\0';
    last = strrchr(text, '\n');
    last = last != NULL ? last + 1 : text;
    snprintf(key, 65, "%s", last);
    free(text);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%s\n", key);
    fclose(f);
    return strlen(key) == 64 ? 0 : -1;
}

static int start_primary(struct vc_daemon *d)
{
    char errp[400];
    char *argv[] = {vbin, "--home",           home, "--listen", "127.0.0.1:0", "--threads",
                    "2",  "--no-rate-limits", NULL};

    snprintf(errp, sizeof errp, "%s/primary.err", dir);
    return vc_daemon_start(argv, errp, d);
}

static int start_replica(const char *name, int primary_port, struct vc_daemon *d)
{
    char rhome[400], errp[400], url[64];
    char *argv[] = {vbin,
                    "--home",
                    rhome,
                    "--listen",
                    "127.0.0.1:0",
                    "--threads",
                    "2",
                    "--no-rate-limits",
                    "--replica-of",
                    url,
                    "--client",
                    "rep1",
                    "--secret-file",
                    rep_secret,
                    NULL};

    snprintf(rhome, sizeof rhome, "%s/%s", dir, name);
    snprintf(errp, sizeof errp, "%s/%s.err", dir, name);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", primary_port);
    return vc_daemon_start(argv, errp, d);
}

/* GET path: status (0 on failure), body into *out when out is not NULL (caller frees). */
static int get(int port, const char *path, char **out)
{
    struct vc_resp r;
    int st;

    if (out != NULL)
        *out = NULL;
    if (vc_http(port, "GET", path, NULL, NULL, 0, &r) != 0)
        return 0;
    st = r.status;
    if (out != NULL) {
        *out = (char *)r.body;
        r.body = NULL;
    }
    vc_resp_free(&r);
    return st;
}

static int wait_healthy(int port, double timeout_ms)
{
    double t0 = now_ms();

    while (now_ms() - t0 < timeout_ms) {
        if (get(port, "/healthz", NULL) == 200)
            return 0;
        nap_ms(20);
    }
    return -1;
}

/* A gauge or counter of /metrics, or -1. */
static double metric(int port, const char *name)
{
    char *body = NULL, *p;
    double v = -1;
    size_t n = strlen(name);

    if (get(port, "/metrics", &body) != 200 || body == NULL) {
        free(body);
        return -1;
    }
    for (p = body; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            v = strtod(p + n + 1, NULL);
            break;
        }
    }
    free(body);
    return v;
}

/* A signed GET of target with key as client id. */
static int signed_get(int port, const char *id, const char *key, const char *target,
                      struct vc_resp *r)
{
    char ts[24], sig[65], hdr[256];

    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    if (vc_sign(key, "GET", target, ts, "", 0, sig) != 0)
        return -1;
    snprintf(hdr, sizeof hdr, "Authorization: JIANPEI-HMAC-SHA256 client=%s, ts=%s, sig=%s\r\n", id,
             ts, sig);
    return vc_http_personal(port, target, hdr, r); /* the feed holds personal data */
}

static void check_feed_scopes(int port)
{
    struct vc_resp r;
    char mac[80];

    CHECK(vc_http(port, "GET", "/api/v1/replication?since=0", NULL, NULL, 0, &r) == 0);
    CHECK_INT(r.status, 401);
    vc_resp_free(&r);
    CHECK(signed_get(port, "prov1", prov_key, "/api/v1/replication?since=0", &r) == 0);
    CHECK_INT(r.status, 403);
    vc_resp_free(&r);
    CHECK(signed_get(port, "rep1", rep_key, "/api/v1/replication?since=0", &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(vc_header(&r, "X-Jianpei-Feed-Mac", mac, sizeof mac) == 0 && strlen(mac) == 64);
    vc_resp_free(&r);
}

/* Every certificate's lookup answers byte for byte alike on the primary and both replicas. */
static void check_identical(int pp, int ra, int rb)
{
    char no[19], name[257], id[33], path[64];
    int k, differ = 0, ok = 0;

    for (k = 0; k < NCERTS; k++) {
        char *a = NULL, *b = NULL, *c = NULL;

        if (vc_holder(dir, (size_t)k, no, name, id) != 0)
            break;
        snprintf(path, sizeof path, "/api/v1/certificates/%s", no);
        if (get(pp, path, &a) == 200 && get(ra, path, &b) == 200 && get(rb, path, &c) == 200 &&
            a != NULL && b != NULL && c != NULL && strcmp(a, b) == 0 && strcmp(a, c) == 0)
            ok++;
        else
            differ++;
        free(a);
        free(b);
        free(c);
    }
    CHECK_INT(ok, NCERTS);
    CHECK_INT(differ, 0);
}

/* What a CDN or nginx proxy_cache may keep: lookups a second, the trust list with an ETag. */
static void check_cache_headers(int port)
{
    char no[19], name[257], id[33], path[64], hv[128], etag[80], hdr[160];
    struct vc_resp r;

    CHECK(vc_holder(dir, 0, no, name, id) == 0);
    snprintf(path, sizeof path, "/api/v1/certificates/%s", no);
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(vc_header(&r, "Cache-Control", hv, sizeof hv) == 0 &&
          strcmp(hv, "public, max-age=1") == 0);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/api/v1/trust-list", NULL, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(vc_header(&r, "Cache-Control", hv, sizeof hv) == 0 &&
          strcmp(hv, "public, max-age=300") == 0);
    CHECK(vc_header(&r, "ETag", etag, sizeof etag) == 0 && etag[0] == '"');
    vc_resp_free(&r);
    snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", etag);
    CHECK(vc_http(port, "GET", "/api/v1/trust-list", hdr, NULL, 0, &r) == 0);
    CHECK_INT(r.status, 304);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/me", NULL, NULL, 0, &r) == 0);
    CHECK(vc_header(&r, "Cache-Control", hv, sizeof hv) == 0 &&
          strcmp(hv, "private, no-store") == 0);
    vc_resp_free(&r);
}

/* Revokes certificate k on the primary; both replicas show it within 2 s. */
static void check_revocation(int ra, int rb)
{
    char no[19], name[257], id[33], path[64];
    char *argv[] = {ibin, "--home", home, "revoke", no, "--reason", "fraud", NULL};
    double t0, seen_a = -1, seen_b = -1;

    CHECK(vc_holder(dir, 7, no, name, id) == 0);
    snprintf(path, sizeof path, "/api/v1/certificates/%s", no);
    CHECK(vc_run(argv, NULL) == 0);
    t0 = now_ms();
    while (now_ms() - t0 < 5000 && (seen_a < 0 || seen_b < 0)) {
        char *a = NULL, *b = NULL;

        if (seen_a < 0 && get(ra, path, &a) == 200 && strstr(a, "\"status\":\"revoked\""))
            seen_a = now_ms() - t0;
        if (seen_b < 0 && get(rb, path, &b) == 200 && strstr(b, "\"status\":\"revoked\""))
            seen_b = now_ms() - t0;
        free(a);
        free(b);
        nap_ms(10);
    }
    printf("revocation visible after %.0f ms and %.0f ms\n", seen_a, seen_b);
    CHECK(seen_a >= 0 && seen_a < 2000);
    CHECK(seen_b >= 0 && seen_b < 2000);
}

/* Writes certificate no's PDF of home h into path; 0 or -1. */
static int pdf_of(const char *h, const char *no, const char *path)
{
    char *argv[] = {ibin, "--home", (char *)h, "pdf", (char *)no, "--out", (char *)path, NULL};

    return vc_run(argv, NULL) == 0 ? 0 : -1;
}

/* The same for its sealed OFD (SPEC §11: the "ofds" database replicates like any other). */
static int ofd_of(const char *h, const char *no, const char *path)
{
    char *argv[] = {ibin,    "--home",     (char *)h, "ofd", (char *)no,
                    "--out", (char *)path, "--force", NULL};

    return vc_run(argv, NULL) == 0 ? 0 : -1;
}

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = vc_slurp(a, &la), *y = vc_slurp(b, &lb);
    int same = x != NULL && y != NULL && la == lb && la > 1000 && memcmp(x, y, la) == 0;

    free(x);
    free(y);
    return same;
}

/* Kill -9 in the middle of the seed, restart: resumes, ends identical. */
static void check_kill_mid_seed(int pp)
{
    char rhome[400], no[19], name[257], id[33], a[420], b[420];
    char *check[] = {ibin, "--home", rhome, "check", NULL};
    char *audit[] = {ibin, "--home", rhome, "audit", "verify", NULL};
    struct vc_daemon d;
    double t0, at = 0, head, total;
    int k, same = 0, same_ofd = 0, st;

    snprintf(rhome, sizeof rhome, "%s/rc", dir);
    setenv("JIANPEI_REPLICA_PAGE_BYTES", "4096", 1); /* many small pages: a seed that takes time */
    CHECK(start_replica("rc", pp, &d) == 0);
    t0 = now_ms();
    while (now_ms() - t0 < 60000 && at <= 0)
        at = metric(d.port, "jianpei_replica_applied_seq");
    head = metric(d.port, "jianpei_replica_lag_entries");
    printf("killed at change %.0f with %.0f to go\n", at, head);
    CHECK(at > 0);
    CHECK(head > 0);                                       /* killed in the middle */
    CHECK(get(d.port, "/api/v1/trust-list", NULL) == 503); /* not serving while seeding */
    kill(d.pid, SIGKILL);
    waitpid(d.pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    d.pid = -1;
    CHECK(start_replica("rc", pp, &d) == 0);
    unsetenv("JIANPEI_REPLICA_PAGE_BYTES");
    CHECK(wait_healthy(d.port, 180000) == 0);
    total = metric(d.port, "jianpei_replica_applied_total");
    at = metric(d.port, "jianpei_replica_applied_seq");
    printf("restarted: applied %.0f more, now at %.0f\n", total, at);
    CHECK(total > 0 && total < at); /* resumed, not seeded again from change 1 */
    CHECK_INT(vc_daemon_stop(&d), 0);
    CHECK_INT(vc_run(check, NULL), 0);
    CHECK_INT(vc_run(audit, NULL), 0);
    for (k = 0; k < NCERTS; k += 25) {
        snprintf(a, sizeof a, "%s/p.pdf", dir);
        snprintf(b, sizeof b, "%s/r.pdf", dir);
        if (vc_holder(dir, (size_t)k, no, name, id) == 0 && pdf_of(home, no, a) == 0 &&
            pdf_of(rhome, no, b) == 0 && same_file(a, b))
            same++;
        snprintf(a, sizeof a, "%s/p.ofd", dir);
        snprintf(b, sizeof b, "%s/r.ofd", dir);
        if (vc_holder(dir, (size_t)k, no, name, id) == 0 && ofd_of(home, no, a) == 0 &&
            ofd_of(rhome, no, b) == 0 && same_file(a, b))
            same_ofd++;
    }
    CHECK_INT(same, NCERTS / 25);
    CHECK_INT(same_ofd, NCERTS / 25);
}

/* ------------------------------------------------- the flipping proxy */

struct flipper {
    int lfd;           /* listening socket */
    int port;          /* its port */
    int upstream;      /* the primary's port */
    int flipped;       /* answers altered */
    volatile int stop; /* 1: end */
    pthread_t th;
};

static int read_to_eof(int fd, unsigned char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    unsigned char *p = malloc(cap);

    while (p != NULL) {
        ssize_t r;

        if (n == cap) {
            unsigned char *q = realloc(p, cap * 2);

            if (q == NULL)
                break;
            p = q;
            cap *= 2;
        }
        r = recv(fd, p + n, cap - n, 0);
        if (r <= 0) {
            *out = p;
            *len = n;
            return 0;
        }
        n += (size_t)r;
    }
    free(p);
    return -1;
}

/* One exchange: the request passes, the answer comes back with one body byte flipped when it
 * is a page with changes in it (larger than the home files alone). */
static void flip_one(struct flipper *f, int cfd)
{
    struct sockaddr_in sa = {0};
    unsigned char req[8192], *resp = NULL;
    size_t rlen = 0;
    ssize_t n;
    int ufd;

    n = recv(cfd, req, sizeof req, 0);
    ufd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)f->upstream);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (n > 0 && ufd >= 0 && connect(ufd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        send(ufd, req, (size_t)n, 0) == n && read_to_eof(ufd, &resp, &rlen) == 0) {
        unsigned char *body = memmem(resp, rlen, "\r\n\r\n", 4);

        if (body != NULL && rlen - (size_t)(body - resp) > 65536) {
            resp[rlen - 40000] ^= 0x01; /* inside the changes, past the home files */
            f->flipped++;
        }
        send(cfd, resp, rlen, MSG_NOSIGNAL);
    }
    free(resp);
    if (ufd >= 0)
        close(ufd);
    close(cfd);
}

static void *flip_loop(void *arg)
{
    struct flipper *f = arg;

    while (!f->stop) {
        int cfd = accept(f->lfd, NULL, NULL);

        if (cfd >= 0)
            flip_one(f, cfd);
    }
    return NULL;
}

static int flipper_start(struct flipper *f, int upstream)
{
    struct sockaddr_in sa = {0};
    socklen_t sl = sizeof sa;

    memset(f, 0, sizeof *f);
    f->upstream = upstream;
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(f->lfd, 8) != 0 || getsockname(f->lfd, (struct sockaddr *)&sa, &sl) != 0)
        return -1;
    f->port = ntohs(sa.sin_port);
    return pthread_create(&f->th, NULL, flip_loop, f) == 0 ? 0 : -1;
}

static void flipper_stop(struct flipper *f)
{
    f->stop = 1;
    shutdown(f->lfd, SHUT_RDWR);
    close(f->lfd);
    pthread_join(f->th, NULL);
}

static void check_altered_in_transit(int pp)
{
    struct flipper f;
    struct vc_daemon d;
    char errp[400], *log, *health = NULL;
    double t0;
    int st = 0;

    CHECK(flipper_start(&f, pp) == 0);
    CHECK(start_replica("rd", f.port, &d) == 0);
    t0 = now_ms();
    while (now_ms() - t0 < 30000 && metric(d.port, "jianpei_replica_stopped") != 1)
        nap_ms(20);
    CHECK(metric(d.port, "jianpei_replica_stopped") == 1);
    CHECK(metric(d.port, "jianpei_replica_applied_seq") == 0); /* nothing of the page applied */
    st = get(d.port, "/healthz", &health);
    CHECK_INT(st, 503);
    CHECK(health != NULL && strstr(health, "\"stopped\"") != NULL);
    free(health);
    CHECK(f.flipped >= 1);
    vc_daemon_stop(&d);
    flipper_stop(&f);
    snprintf(errp, sizeof errp, "%s/rd.err", dir);
    log = vc_slurp(errp, NULL);
    CHECK(log != NULL && strstr(log, "stopped applying the feed") != NULL &&
          strstr(log, "fails its MAC") != NULL);
    free(log);
}

/* ---------------------------------------- refusals of store_feed_apply */

/* A frame of type t in page (len bytes): offset of its payload and its length; -1 when none. */
static long find_frame(const unsigned char *page, size_t len, int t, size_t *n)
{
    struct store_feed_reader r = {page, len, 0};
    const void *p;
    int type;

    while (store_feed_next(&r, &type, &p, n) == 0) {
        if (type == t)
            return (long)((const unsigned char *)p - page);
    }
    return -1;
}

/* Applies page to a fresh store; the result and err. */
static int apply_fresh(const char *name, const unsigned char *page, size_t len, char *err,
                       size_t errlen, uint64_t *last)
{
    char sdir[400];
    store *s = NULL;
    uint64_t applied = 0;
    int rc;

    snprintf(sdir, sizeof sdir, "%s/%s", dir, name);
    rc = store_open(sdir, STORE_CREATE | STORE_CHANGELOG, &s, err, errlen);
    if (rc == 0)
        rc = store_feed_apply(s, page, len, last, &applied, err, errlen);
    store_close(s);
    return rc;
}

static void check_apply_refusals(int pp)
{
    struct vc_resp r;
    unsigned char *page;
    char err[256];
    uint64_t last = 99;
    size_t n = 0;
    long at;

    CHECK(signed_get(pp, "rep1", rep_key, "/api/v1/replication?since=0", &r) == 0);
    CHECK_INT(r.status, 200);
    page = r.body;
    CHECK(apply_fresh("s-good", page, r.len, err, sizeof err, &last) == 0);
    CHECK(last > 100);
    at = find_frame(page, r.len, 'C', &n);
    CHECK(at > 0);
    if (at > 0) {
        page[at + n - 40] ^= 0x01; /* a byte of the first change record */
        CHECK(apply_fresh("s-chain", page, r.len, err, sizeof err, &last) == STORE_ECORRUPT);
        CHECK(strstr(err, "change 1 fails its chain hash") != NULL);
        CHECK_INT(last, 0);
        page[at + n - 40] ^= 0x01;
    }
    at = find_frame(page, r.len, 'V', &n);
    CHECK(at > 0);
    if (at > 0) {
        page[at + n / 2] ^= 0x01; /* a byte of a PDF or record sent by digest */
        CHECK(apply_fresh("s-value", page, r.len, err, sizeof err, &last) == STORE_ECORRUPT);
        CHECK(strstr(err, "does not match its digest") != NULL);
        CHECK_INT(last, 0);
    }
    vc_resp_free(&r);
}

int main(void)
{
    struct vc_daemon prim, ra, rb;
    char trust_p[64] = "/api/v1/trust-list", *tp = NULL, *ta = NULL;

    snprintf(vbin, sizeof vbin, "%s/jianpei-verifier", JP_BIN_DIR);
    snprintf(ibin, sizeof ibin, "%s/jianpei-issuer", JP_BIN_DIR);
    if (vc_scratch(dir, sizeof dir, "/tmp/jp-replica-XXXXXX", home, sizeof home) != 0 ||
        vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, NCERTS) != 0) {
        fprintf(stderr, "cannot make the primary's home\n");
        return 1;
    }
    snprintf(rep_secret, sizeof rep_secret, "%s/rep1.secret", dir);
    snprintf(prov_secret, sizeof prov_secret, "%s/prov1.secret", dir);
    CHECK(add_client("rep1", 1, rep_secret, rep_key) == 0);
    CHECK(add_client("prov1", 0, prov_secret, prov_key) == 0);
    CHECK(start_primary(&prim) == 0);
    check_feed_scopes(prim.port);
    CHECK(start_replica("ra", prim.port, &ra) == 0);
    CHECK(start_replica("rb", prim.port, &rb) == 0);
    CHECK(wait_healthy(ra.port, 180000) == 0);
    CHECK(wait_healthy(rb.port, 180000) == 0);
    check_identical(prim.port, ra.port, rb.port);
    check_cache_headers(ra.port);
    CHECK(get(prim.port, trust_p, &tp) == 200 && get(ra.port, trust_p, &ta) == 200 &&
          strcmp(tp, ta) == 0);
    free(tp);
    free(ta);
    check_revocation(ra.port, rb.port);
    CHECK(metric(ra.port, "jianpei_replica_lag_seconds") >= 0);
    CHECK_INT(vc_daemon_stop(&ra), 0);
    CHECK_INT(vc_daemon_stop(&rb), 0);
    check_kill_mid_seed(prim.port);
    check_altered_in_transit(prim.port);
    check_apply_refusals(prim.port);
    CHECK_INT(vc_daemon_stop(&prim), 0);
    if (check_failed == 0) {
        char *rm[] = {"/bin/rm", "-rf", dir, NULL};

        vc_run(rm, NULL);
    }
    return CHECK_DONE();
}
