/*
 * daemon.c - the libmicrohttpd side of the verifier: opening the home,
 * starting the daemon (internal thread pool over epoll, connection limits,
 * timeout), collecting bounded request bodies, turning handler replies into
 * responses, the access log, and reloading trust and clients when their files
 * change. State travels through cls and the per-request context; no globals.
 */
#include <microhttpd.h>

#include "verifier_int.h"
#include "net.h"
#include "ofd.h"

#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH_MAX 96
/*
 * Memory of one connection in libmicrohttpd: the request line and headers must
 * fit (a header section of 8 KiB, as nginx's default, with room to spare), a
 * body passes through it in pieces. libmicrohttpd 0.9.75 zeroes the whole of
 * it between two requests of a keep-alive connection: at its default of
 * 32 KiB that memset was 4-5 % of a lookup request's CPU (perf, issue 15).
 */
#define VF_CONN_MEMORY (16u * 1024u)

/* Per-request context, *req_cls of libmicrohttpd. */
struct vf_req {
    struct jp_buf body;         /* request body, at most VERIFIER_BODY_MAX */
    int too_big;                /* the body passed the bound */
    uint64_t start_us;          /* monotonic arrival (jp_mono_us) */
    unsigned status;            /* answered status, 0 = none */
    enum vf_endpoint ep;        /* for metrics */
    char method[8];             /* for the access log */
    char logpath[LOG_PATH_MAX]; /* path with the token cut short */
    char *query;                /* raw query string as sent (owned), NULL when none */
    int query_too_long;         /* the query passed VF_PATH_MAX: never authentic */
    int started;                /* on_request has seen this request */
};

/* ------------------------------------------------------------ reload */

static void stamp_read(const char *path, struct vf_stamp *s)
{
    struct stat st;

    memset(s, 0, sizeof(*s));
    if (stat(path, &st) != 0)
        return;
    s->exists = 1;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = st.st_size;
    s->mtime = st.st_mtim;
}

static int stamp_same(const struct vf_stamp *a, const struct vf_stamp *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int home_file(const struct verifier *v, const char *a, const char *b, char *out)
{
    char dir[VF_PATH_MAX];
    int rc;

    if (b == NULL)
        return jp_path_join(out, VF_PATH_MAX, v->home, a);
    rc = jp_path_join(dir, sizeof(dir), v->home, a);
    if (rc == 0)
        rc = jp_path_join(out, VF_PATH_MAX, dir, b);
    return rc;
}

/* 1 when HOME/name's stamp differs from *last, which then takes the new one; 0 otherwise. */
static int stamp_update(const struct verifier *v, const char *name, struct vf_stamp *last)
{
    char path[VF_PATH_MAX];
    struct vf_stamp st;

    if (home_file(v, name, NULL, path) != 0)
        return 0;
    stamp_read(path, &st);
    if (stamp_same(&st, last))
        return 0;
    *last = st;
    return 1;
}

/*
 * The trust is the signed trust list (certificates and key states), verified
 * against the root certificate HOME/trust-root.pem (HOME/keys/root.pem for a
 * home made before that file existed): nothing else of HOME/keys/ is read, so
 * the daemon can run as a user that cannot read the private keys.
 */
typedef int (*crl_apply_fn)(keys_trust_t *t, const char *path, struct verifier_crl *out, char *err,
                            size_t errlen);

/*
 * HOME/name applied to t by apply (issue 17: root.crl; sm2-root.crl likewise);
 * a broken CRL is logged and left out.
 */
static void apply_home_crl(const char *home, const char *name, crl_apply_fn apply, keys_trust_t *t,
                           struct verifier_crl *crl)
{
    char path[VF_PATH_MAX], err[256] = "";
    struct verifier_crl c;

    if (jp_path_join(path, sizeof(path), home, name) != 0)
        return;
    if (apply(t, path, &c, err, sizeof(err)) != 0)
        jp_log(JP_LOG_WARN, "keys: %s: revocations only from the trust list", err);
    else if (c.state == VERIFIER_CRL_LOADED && (int64_t)time(NULL) > c.next_update)
        jp_log(JP_LOG_WARN, "keys: %s is stale (past its nextUpdate)", name);
    if (crl != NULL)
        *crl = c;
}

int vf_trust_build(const char *home, keys_trust_t **out, struct verifier_crl *crl,
                   struct verifier_crl *sm2_crl, char *err, size_t errlen)
{
    char trust[VF_PATH_MAX], root[VF_PATH_MAX], keys[VF_PATH_MAX];
    int rc;

    *out = NULL;
    rc = jp_path_join(trust, sizeof(trust), home, JP_HOME_TRUST_LIST);
    if (rc == 0)
        rc = jp_path_join(root, sizeof(root), home, JP_HOME_TRUST_ROOT);
    if (rc == 0)
        rc = jp_path_join(keys, sizeof(keys), home, JP_HOME_KEYS);
    if (rc == 0 && access(root, F_OK) != 0 && errno == ENOENT)
        rc = jp_path_join(root, sizeof(root), keys, "root.pem");
    if (rc != 0)
        return rc;
    rc = keys_trust_load_root_file(trust, root, out, err, errlen);
    if (rc == 0)
        apply_home_crl(home, JP_HOME_CRL, verifier_crl_apply, *out, crl);
    if (rc == 0)
        apply_home_crl(home, JP_HOME_SM2_CRL, verifier_sm2_crl_apply, *out, sm2_crl);
    return rc;
}

static void reload_trust(struct verifier *v, const struct vf_stamp *now)
{
    struct verifier_crl crl;
    keys_trust_t *fresh = NULL, *old;
    char err[256] = "";
    int rc;

    rc = vf_trust_build(v->home, &fresh, &crl, NULL, err, sizeof(err));
    if (rc != 0) {
        jp_log(JP_LOG_WARN, "keys: reload failed, keeping the previous trust: %s", err);
        return;
    }
    pthread_rwlock_wrlock(&v->lock);
    old = v->trust;
    v->trust = fresh;
    v->crl = crl;
    vf_qrcache_invalidate(&v->qrcache); /* inside the lock: no verdict of the old trust survives */
    pthread_rwlock_unlock(&v->lock);
    keys_trust_free(old);
    v->keys_stamp = *now;
    atomic_fetch_add(&v->metrics.trust_reloads, 1);
    jp_log(JP_LOG_INFO, "keys: trust reloaded");
}

static void reload_clients(struct verifier *v, const struct vf_stamp *now)
{
    struct vf_clients fresh = {0}, old;
    char err[256] = "";
    int rc;

    rc = vf_clients_load(v->home, &fresh, err, sizeof(err));
    if (rc != 0) {
        jp_log(JP_LOG_WARN, "clients: reload failed, keeping the previous list: %s", err);
        return;
    }
    pthread_rwlock_wrlock(&v->lock);
    old = v->clients;
    v->clients = fresh;
    pthread_rwlock_unlock(&v->lock);
    vf_clients_free(&old);
    v->clients_stamp = *now;
    jp_log(JP_LOG_INFO, "clients: reloaded (%zu)", fresh.n);
}

void vf_reload_if_changed(struct verifier *v)
{
    int64_t now_s = (int64_t)(jp_mono_ms() / 1000u);
    char path[VF_PATH_MAX];
    struct vf_stamp st;
    int crl_new;

    if (atomic_load(&v->last_check_s) == now_s)
        return;
    if (pthread_mutex_trylock(&v->reload_lock) != 0)
        return;
    atomic_store(&v->last_check_s, now_s);
    if (home_file(v, JP_HOME_TRUST_LIST, NULL, path) == 0) {
        stamp_read(path, &st);
        if (!stamp_same(&st, &v->keys_stamp))
            reload_trust(v, &st);
    }
    if (home_file(v, JP_HOME_CLIENTS, NULL, path) == 0) {
        stamp_read(path, &st);
        if (!stamp_same(&st, &v->clients_stamp))
            reload_clients(v, &st);
    }
    /* `keys crl` alone: a new CRL of either root (both stamps taken, no short cut) */
    crl_new = stamp_update(v, JP_HOME_CRL, &v->crl_stamp);
    crl_new |= stamp_update(v, JP_HOME_SM2_CRL, &v->sm2_crl_stamp);
    if (crl_new) {
        struct vf_stamp keys = v->keys_stamp;

        reload_trust(v, &keys);
    }
    pthread_mutex_unlock(&v->reload_lock);
}

/* ------------------------------------------------------------ requests */

/*
 * Copies url for the access log: printable ASCII only, the number segment of
 * /api/v1/certificates/ and /V/ written as {no} (what a client sends there may
 * be an ID number: both are 17 digits and a MOD 11-2 check character), a QR
 * token cut to 8 characters.
 */
static void log_path_shorten(const char *url, char out[LOG_PATH_MAX])
{
    static const char api[] = "/api/v1/certificates/";
    int page = (url[0] == '/' && (url[1] == 'V' || url[1] == 'v') && url[2] == '/');
    size_t no_slash = page ? 2 : strncmp(url, api, sizeof(api) - 1) == 0 ? 4 : 0;
    size_t i, o = 0, slashes = 0, token_chars = 0;

    for (i = 0; url[i] != '\0' && o + 6 < LOG_PATH_MAX; i++) {
        unsigned char ch = (unsigned char)url[i];

        if (ch == '/' && ++slashes == no_slash) {
            memcpy(out + o, "/{no}", 5);
            o += 5;
            i += strcspn(url + i + 1, "/");
            continue;
        }
        if (ch != '/' && page && slashes >= 3 && ++token_chars > 8) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        out[o++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    out[o] = '\0';
}

/*
 * Copies url into out (outsz bytes, cut to fit) with every run of 15 or more
 * digits, and a check character X right after it, written as one '*': an ID
 * number in a path that missed every route (/c/<ID>, /api/v2/..., a doubled
 * slash) never reaches the log.
 */
static void star_long_digits(const char *url, char *out, size_t outsz)
{
    size_t i = 0, o = 0;

    while (url[i] != '\0' && o + 1 < outsz) {
        size_t run = strspn(url + i, "0123456789");

        if (run >= 15) {
            i += run;
            if (url[i] == 'X' || url[i] == 'x')
                i++;
            out[o++] = '*';
        } else if (run > 0) {
            if (run > outsz - 1 - o)
                run = outsz - 1 - o;
            memcpy(out + o, url + i, run);
            o += run;
            i += run;
        } else {
            out[o++] = url[i++];
        }
    }
    out[o] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct verifier *v = cls;
    struct vf_req *r = *req_cls;
    uint64_t us;

    (void)toe;
    vf_conns_answered(v, conn);
    if (r == NULL)
        return;
    if (!r->started) {
        /* the request line came, the handler never ran: nothing to count or log */
        jp_buf_free(&r->body);
        free(r->query);
        free(r);
        *req_cls = NULL;
        return;
    }
    us = jp_mono_us() - r->start_us;
    vf_metrics_count(&v->metrics, r->ep, r->status, us);
    if (v->opts.access_log)
        jp_log(JP_LOG_INFO, "%s %s %u %lluus", r->method, r->logpath, r->status,
               (unsigned long long)us);
    jp_buf_free(&r->body);
    free(r->query);
    free(r);
    *req_cls = NULL;
}

static int wants_json(struct MHD_Connection *conn)
{
    const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");

    return accept != NULL && strstr(accept, "application/json") != NULL;
}

struct header_join {
    struct jp_buf *b; /* the values so far, comma-separated */
    const char *name; /* header wanted */
};

static enum MHD_Result join_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct header_join *j = cls;

    (void)kind;
    if (value == NULL || strcasecmp(key, j->name) != 0)
        return MHD_YES;
    if ((j->b->len > 0 && jp_buf_append(j->b, ",", 1) != 0) || jp_buf_puts(j->b, value) != 0)
        return MHD_NO; /* past the bound: what was joined stays */
    return MHD_YES;
}

static void client_addr(struct verifier *v, struct MHD_Connection *conn, struct vf_call *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
    struct jp_buf xff;
    struct header_join j = {&xff, "X-Forwarded-For"};

    jp_buf_init(&xff, 2048);
    if (v->nproxies > 0)
        MHD_get_connection_values(conn, MHD_HEADER_KIND, join_header, &j);
    vf_client_key(v, sa, xff.data != NULL ? (const char *)xff.data : NULL,
                  v->nproxies > 0 ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Real-IP")
                                  : NULL,
                  c);
    jp_buf_free(&xff);
}

static enum MHD_Result queue_reply(struct MHD_Connection *conn, struct vf_reply *rep)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char retry[16];

    if (rep->body != NULL) {
        resp = MHD_create_response_from_buffer(rep->len, rep->body, MHD_RESPMEM_MUST_FREE);
        if (resp != NULL)
            rep->body = NULL;
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->ctype);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            rep->cache[0] != '\0' ? rep->cache : "no-store");
    if (rep->etag[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, rep->etag);
    if (rep->xname != NULL)
        MHD_add_response_header(resp, rep->xname, rep->xvalue);
    if (rep->html) {
        MHD_add_response_header(resp, "Content-Security-Policy", PAGES_CSP);
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    }
    if (rep->location[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, rep->location);
    if (rep->set_cookie[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, rep->set_cookie);
    if (rep->retry_after > 0 &&
        snprintf(retry, sizeof(retry), "%u", rep->retry_after) < (int)sizeof(retry))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    if (rep->disposition[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, rep->disposition);
    ret = MHD_queue_response(conn, rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The 413 of a body declared too big: a page for the forms under /check/, else JSON. */
static int too_big_reply(const char *url, size_t max, struct vf_reply *rep)
{
    struct pages_page p;
    int rc;

    if (strncmp(url, "/check/", 7) != 0)
        return vf_reply_error(rep, 413, "body_too_large",
                              max > VERIFIER_BODY_MAX ? "request body exceeds 2 MiB"
                                                      : "request body exceeds 64 KiB");
    pages_page_init(&p);
    rc = pages_message(&p, 413, "文件过大", "上传的文件不能超过 2 MiB。");
    if (rc == 0)
        rc = vf_reply_page(rep, &p);
    pages_page_free(&p);
    return rc;
}

static enum MHD_Result answer(struct verifier *v, struct MHD_Connection *conn, const char *url,
                              const char *method, struct vf_req *r)
{
    struct vf_reply rep = {.status = 500, .ctype = "application/json"};
    struct vf_call c = {0};
    enum MHD_Result ret;

    c.method = method;
    c.path = url;
    c.body = r->body.data != NULL ? r->body.data : (const unsigned char *)"";
    c.len = r->body.len;
    c.wants_json = wants_json(conn);
    c.authz = r->query_too_long ? NULL
                                : MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                              MHD_HTTP_HEADER_AUTHORIZATION);
    c.query = r->query;
    c.cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    c.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
    c.if_none_match =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    c.ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    c.if_none_match =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    c.since = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since");
    client_addr(v, conn, &c);
    vf_conns_request_in(conn);
    if (r->too_big) {
        r->ep = VF_EP_OTHER;
        if (too_big_reply(url, r->body.max, &rep) != 0)
            rep.status = 500;
    } else {
        vf_reload_if_changed(v);
        vf_dispatch(v, &c, &rep, &r->ep);
    }
    r->status = rep.status;
    ret = queue_reply(conn, &rep);
    vf_reply_clear(&rep);
    return ret;
}

static int declared_too_big(struct MHD_Connection *conn, size_t max)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end = NULL;
    unsigned long long n;

    if (cl == NULL)
        return 0;
    errno = 0;
    n = strtoull(cl, &end, 10);
    return errno != 0 || end == cl || n > max;
}

/*
 * libmicrohttpd's URI log callback: the first sight of a request, with the
 * URI as sent. Keeps the raw query string, which the signed requests of SPEC
 * §8 cover byte for byte (the parsed arguments are unescaped). The context it
 * returns becomes *req_cls.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct vf_req *r = calloc(1, sizeof(*r));
    const char *q = strchr(uri, '?');

    (void)cls;
    (void)conn;
    if (r == NULL)
        return NULL;
    jp_buf_init(&r->body, VERIFIER_BODY_MAX);
    if (q != NULL && strlen(q + 1) > VF_PATH_MAX)
        r->query_too_long = 1;
    else if (q != NULL && q[1] != '\0')
        r->query = strdup(q + 1);
    if (q != NULL && q[1] != '\0' && !r->query_too_long && r->query == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

static struct vf_req *req_new(struct vf_req *r, const char *url, const char *method)
{
    char starred[LOG_PATH_MAX * 2];
    size_t n;

    if (r == NULL)
        r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    jp_buf_init(&r->body, vf_body_max(url)); /* nothing appended yet */
    r->started = 1;
    r->start_us = jp_mono_us();
    r->ep = VF_EP_OTHER;
    n = strlen(method);
    if (n >= sizeof(r->method))
        n = sizeof(r->method) - 1; /* the log shows a long method cut short */
    memcpy(r->method, method, n);
    r->method[n] = '\0';
    star_long_digits(url, starred, sizeof(starred));
    log_path_shorten(starred, r->logpath);
    return r;
}

/*
 * A body (chunked, or longer than it said) passed its bound: writes a
 * 413 straight to the socket - libmicrohttpd takes no response while a body
 * is still coming - and returns MHD_NO, which closes the connection without
 * reading the rest.
 */
static enum MHD_Result refuse_body(struct MHD_Connection *conn, struct vf_req *r)
{
    static const char resp[] =
        "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\nContent-Length: 73\r\n\r\n"
        "{\"error\":{\"code\":\"body_too_large\",\"message\":\"request body is too large\"}}";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

    r->ep = VF_EP_OTHER;
    r->status = 413;
    if (ci != NULL && send(ci->connect_fd, resp, sizeof(resp) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        r->status = 499; /* the client went away first */
    if (ci != NULL)
        shutdown(ci->connect_fd, SHUT_WR);
    return MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct verifier *v = cls;
    struct vf_req *r = *req_cls;

    (void)version;
    if (r == NULL || !r->started) {
        r = req_new(r, url, method);
        if (r == NULL)
            return MHD_NO;
        *req_cls = r;
        if (declared_too_big(conn, r->body.max)) {
            r->too_big = 1;
            return answer(v, conn, url, method, r);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (jp_buf_append(&r->body, upload_data, *upload_data_size) != 0)
            return refuse_body(conn, r);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->status != 0)
        return MHD_YES;
    return answer(v, conn, url, method, r);
}

/* ------------------------------------------------------------ start/stop */

/* HOST:PORT into *ss (net.h), as this module's error. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
    return jp_parse_listen(listen, NULL, ss, err, errlen) == 0 ? 0 : VERIFIER_E_INVAL;
}

static unsigned pool_size(unsigned asked)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (asked > 0)
        return asked > 64 ? 64 : asked;
    if (n < 1)
        return 1;
    return n > 64 ? 64 : (unsigned)n;
}

/* Fills what the caller left 0 from the configuration's limits, else the defaults. */
static void opts_defaults(struct verifier_opts *o, const struct vf_limits_conf *lc)
{
    o->threads = pool_size(o->threads);
    if (o->conn_limit == 0)
        o->conn_limit = lc->max_connections;
    if (o->per_ip_limit == 0)
        o->per_ip_limit = lc->connections_per_address;
    if (o->no_rate_limits)
        o->per_ip_limit = o->conn_limit; /* a per-address limit too */
    if (o->deadline_s == 0)
        o->deadline_s = lc->request_deadline_s;
    if (o->timeout_s == 0)
        o->timeout_s = 15;
    if (o->rate_burst == 0)
        o->rate_burst = 10;
    if (o->rate_per_min == 0)
        o->rate_per_min = 10;
}

/*
 * Binds and listens on ss ourselves, so that a failure names its cause:
 * "cannot listen on ADDR: Address already in use". Returns 0 with *fd, or the
 * errno of socket/bind/listen.
 */
int vf_listen_open(const struct sockaddr_storage *ss, const char *where, int *fd, char *err,
                   size_t errlen)
{
    socklen_t len =
        ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    int one = 1, s, rc = 0;

    *fd = -1;
    s = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) {
        rc = errno;
        goto out_err;
    }
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (ss->ss_family == AF_INET6 &&
         setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
        bind(s, (const struct sockaddr *)ss, len) != 0 || listen(s, 1024) != 0) {
        rc = errno;
        close(s);
        goto out_err;
    }
    *fd = s;
    return 0;
out_err:
    jp_errf(err, errlen, "cannot listen on %s: %s", where, strerror(rc));
    return rc;
}

static int mhd_start(struct verifier *v, const struct sockaddr_storage *ss, char *err,
                     size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    const union MHD_DaemonInfo *di;
    int fd, rc;

    rc = vf_listen_open(ss, v->opts.listen, &fd, err, errlen);
    if (rc != 0)
        return rc;
    /* conns.c keeps the connection limits; libmicrohttpd's own stays above them */
    v->mhd = MHD_start_daemon(
        flags, 0, vf_conns_accept, v, on_request, v, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)v->opts.threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)(2 * v->conns.nslots), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)v->opts.timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, v,
        MHD_OPTION_NOTIFY_CONNECTION, vf_conns_notify, v, MHD_OPTION_URI_LOG_CALLBACK, on_uri, v,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)VF_CONN_MEMORY, MHD_OPTION_END);
    if (v->mhd == NULL) {
        close(fd);
        jp_errf(err, errlen, "cannot start the http daemon on %s", v->opts.listen);
        return VERIFIER_E_START;
    }
    di = MHD_get_daemon_info(v->mhd, MHD_DAEMON_INFO_BIND_PORT);
    v->port = di != NULL ? di->port : 0;
    return 0;
}

static void txn_key_destroy(void *txn)
{
    store_read_end(txn);
}

/* Closes the public listener and ends libmicrohttpd's threads after requests in flight. */
static void public_stop(struct verifier *v)
{
    MHD_socket fd;

    if (v->mhd == NULL)
        return;
    fd = MHD_quiesce_daemon(v->mhd);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    MHD_stop_daemon(v->mhd);
    v->mhd = NULL;
}

/*
 * Stops whatever verifier_start started, the public listener first (also on
 * verifier_start's own failure after it was up: nothing keeps listening),
 * and frees v. NULL-safe.
 */
static void vf_free(struct verifier *v)
{
    if (v == NULL)
        return;
    public_stop(v); /* libmicrohttpd's threads end here (their txn_key destructors run) */
    vf_operator_stop(v->op);
    vf_replica_free(v->replica);
    if (v->txn_key_ready) {
        store_read_end(pthread_getspecific(v->txn_key)); /* this thread's, if any */
        pthread_key_delete(v->txn_key);
    }
    store_close(v->st);
    keys_trust_free(v->trust);
    vf_clients_free(&v->clients);
    vf_ratelimit_free(v->rl);
    portal_close(v->portal);
    jp_cleanse(v->claim_key, sizeof v->claim_key);
    vf_limits_free(&v->limits);
    vf_conns_free(&v->conns);
    vf_qrcache_free(&v->qrcache);
    vf_lookup_cache_free(&v->lookups);
    vf_qrsvg_free(&v->qrsvg);
    if (v->locks_ready) {
        pthread_rwlock_destroy(&v->lock);
        pthread_mutex_destroy(&v->reload_lock);
    }
    free(v);
}

const unsigned char *vf_claim_key(struct verifier *v)
{
    char err[256];

    if (atomic_load_explicit(&v->claim_ready, memory_order_acquire))
        return v->claim_key;
    pthread_mutex_lock(&v->reload_lock);
    if (!atomic_load_explicit(&v->claim_ready, memory_order_relaxed) &&
        jp_claim_key_load(v->home, 0, v->claim_key, err, sizeof err) == 0)
        atomic_store_explicit(&v->claim_ready, 1, memory_order_release);
    pthread_mutex_unlock(&v->reload_lock);
    return atomic_load_explicit(&v->claim_ready, memory_order_acquire) ? v->claim_key : NULL;
}

static int home_open(struct verifier *v, char *err, size_t errlen)
{
    static const struct store_dbspec extra[] = {{STORE_PHOTOS_DB, STORE_DB_OPTIONAL},
                                                {STORE_OFDS_DB, STORE_DB_OPTIONAL}};
    const struct store_opts store_opts = {0, 0, extra, 2};
    char path[VF_PATH_MAX];
    int rc;

    rc = jp_config_load(v->home, &v->cfg, err, errlen);
    if (rc != 0)
        return VERIFIER_E_HOME;
    rc = vf_limits_conf_load(v->home, &v->lconf, err, errlen);
    if (rc != 0)
        return rc;
    rc = home_file(v, JP_HOME_STORE, NULL, path);
    if (rc == 0)
        rc = store_open_with(path,
                             v->opts.replica_of != NULL ? STORE_CREATE | STORE_CHANGELOG
                                                        : STORE_RDONLY,
                             &store_opts, &v->st, err, errlen);
    if (rc == 0)
        rc = store_db_by_name(v->st, STORE_OFDS_DB, &v->ofds_db);
    if (rc != 0)
        return rc;
    if (home_file(v, JP_HOME_TRUST_LIST, NULL, path) == 0)
        stamp_read(path, &v->keys_stamp);
    (void)stamp_update(v, JP_HOME_CRL, &v->crl_stamp); /* the CRLs as first applied */
    (void)stamp_update(v, JP_HOME_SM2_CRL, &v->sm2_crl_stamp);
    rc = vf_trust_build(v->home, &v->trust, &v->crl, NULL, err, errlen);
    if (rc != 0)
        return rc;
    rc = home_file(v, JP_HOME_PORTAL, NULL, path);
    if (rc == 0)
        rc = portal_open(path, &v->portal, err, errlen);
    if (rc != 0)
        return rc;
    if (home_file(v, JP_HOME_CLIENTS, NULL, path) == 0)
        stamp_read(path, &v->clients_stamp);
    return vf_clients_load(v->home, &v->clients, err, errlen);
}

/* The limits of the configuration and the options: buckets, connection accounting. */
static int limits_start(struct verifier *v, char *err, size_t errlen)
{
    int rc;

    opts_defaults(&v->opts, &v->lconf);
    rc = vf_limits_init(&v->limits, &v->lconf, v->opts.no_rate_limits);
    if (rc == 0 && !v->opts.no_rate_limits)
        rc = vf_ratelimit_new(v->opts.rate_burst, v->opts.rate_per_min, 60, 1024, &v->rl);
    if (rc == 0)
        rc = vf_conns_init(&v->conns, &v->opts, &v->metrics);
    if (rc != 0)
        jp_errf(err, errlen, "cannot set up the limits: %s", keys_strerror(rc));
    return rc;
}

int verifier_start(const struct verifier_opts *opts, verifier **out, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    struct verifier *v = NULL;
    int rc;

    *out = NULL;
    if (opts == NULL || opts->home == NULL || opts->listen == NULL ||
        strlen(opts->home) >= VF_PATH_MAX) {
        jp_errf(err, errlen, "verifier: home and listen address are required");
        return VERIFIER_E_INVAL;
    }
    rc = parse_listen(opts->listen, &ss, err, errlen);
    if (rc != 0)
        return rc;
    ofd_global_init(); /* libxml2's first use, before the request threads check OFD uploads */
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return ENOMEM;
    v->opts = *opts;
    memcpy(v->home, opts->home, strlen(opts->home) + 1);
    v->opts.home = v->home;
    rc = vf_proxies_set(v, opts, err, errlen);
    if (rc != 0)
        goto out_free;
    if (pthread_rwlock_init(&v->lock, NULL) != 0 ||
        pthread_mutex_init(&v->reload_lock, NULL) != 0) {
        rc = ENOMEM;
        goto out_free;
    }
    v->locks_ready = 1;
    v->last_check_s = (int64_t)(jp_mono_ms() / 1000u);
    rc = vf_qrcache_init(&v->qrcache, opts->qr_cache_set ? opts->qr_cache : VF_QRCACHE_SLOTS);
    if (rc == 0)
        rc = vf_lookup_cache_init(&v->lookups, VF_LOOKUP_CACHE_SLOTS);
    if (rc == 0)
        rc = vf_qrsvg_init(&v->qrsvg, opts->qr_svg_cache ? opts->qr_svg_cache : VF_QRSVG_SLOTS);
    if (rc == 0) {
        rc = pthread_key_create(&v->txn_key, txn_key_destroy);
        v->txn_key_ready = rc == 0;
    }
    if (rc == 0 && opts->replica_of != NULL)
        rc = vf_replica_prepare(&v->opts, &v->replica, err, errlen);
    if (rc == 0)
        rc = home_open(v, err, errlen);
    if (rc == 0)
        rc = limits_start(v, err, errlen);
    if (rc == 0 && opts->operator_listen != NULL)
        rc = vf_operator_start(v, &v->op, err, errlen);
    if (rc == 0)
        rc = mhd_start(v, &ss, err, errlen);
    if (rc == 0 && v->replica != NULL) {
        rc = vf_replica_start(v->replica, v);
        if (rc != 0)
            jp_errf(err, errlen, "cannot start the replica's feed follower: %s", strerror(rc));
    }
    if (rc != 0)
        goto out_free; /* vf_free stops the listeners already up */
    if (vf_claim_key(v) == NULL)
        jp_log(JP_LOG_WARN,
               "no claim key in the home yet (%s): claim-code proofs fail until "
               "the issuer makes it",
               JP_HOME_CLAIM_KEY);
    if (v->opts.no_rate_limits)
        jp_log(JP_LOG_WARN, "rate limits: every per-address limit is off (--no-rate-limits, "
                            "for benchmarks and tests only); per-certificate lockouts stay on");
    *out = v;
    return 0;
out_free:
    vf_free(v);
    return rc;
}

uint16_t verifier_port(const verifier *v)
{
    return v->port;
}

uint16_t verifier_operator_port(const verifier *v)
{
    return vf_operator_port(v->op);
}

void verifier_stop(verifier *v)
{
    vf_free(v);
}
