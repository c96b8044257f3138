/*
 * conns.c - the verifier's own accounting of open connections, so that slow
 * clients cannot starve it: at most connections_per_address open connections
 * per client address (a /32, or a /64 for IPv6: libmicrohttpd's own limit
 * counts exact addresses), max_connections in all, plus a reserve of
 * VF_CONN_RESERVE slots that only the local host and trusted proxies (where a
 * load balancer's /healthz check comes from) may take when the rest are full;
 * and a total deadline on each request's headers and body, counted from the
 * connection's opening or the end of its previous answer: a reaper thread
 * shuts down the socket of a request past it, however steadily it trickles.
 * libmicrohttpd's idle timeout alone lets a client that sends a byte every
 * few seconds hold its slot for ever.
 */
#include <microhttpd.h>

#include "verifier_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define REAP_EVERY_MS 200 /* how often the reaper looks */

struct vf_conn {
    int used;                     /* slot holds an open connection */
    int fd;                       /* its socket */
    unsigned char key[16];        /* client address key (vf_client_key of the peer) */
    size_t keylen;                /* bytes of key */
    _Atomic uint64_t deadline_ms; /* jp_mono_ms by which the request must be in; 0 = none */
};

static void peer_key(const struct verifier *v, const struct sockaddr *sa, struct vf_call *c)
{
    vf_client_key(v, sa, NULL, NULL, c);
}

/* 1 for 127.0.0.1, ::1 and trusted proxies: the peers the reserve is kept for. */
static int reserve_peer(const struct verifier *v, const struct sockaddr *sa)
{
    static const unsigned char lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    if (sa->sa_family == AF_INET &&
        ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
        return 1;
    if (sa->sa_family == AF_INET6 &&
        memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, lo6, 16) == 0)
        return 1;
    return vf_peer_trusted(v, sa);
}

enum MHD_Result vf_conns_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct verifier *v = cls;
    struct vf_conns *cs = &v->conns;
    struct vf_call c = {0};
    size_t i, same = 0;
    int ok;

    (void)addrlen;
    peer_key(v, addr, &c);
    pthread_mutex_lock(&cs->mu);
    for (i = 0; i < cs->nslots; i++) {
        if (cs->slots[i].used && cs->slots[i].keylen == c.addrlen &&
            memcmp(cs->slots[i].key, c.addr, c.addrlen) == 0)
            same++;
    }
    /* a trusted proxy carries many clients over its connections: no per-address bound */
    ok = cs->open < cs->nslots &&
         (cs->per_addr == 0 || same < cs->per_addr || vf_peer_trusted(v, addr));
    if (ok && cs->open >= cs->public_limit)
        ok = reserve_peer(v, addr);
    pthread_mutex_unlock(&cs->mu);
    if (!ok)
        atomic_fetch_add(&v->metrics.conn_refused, 1);
    return ok ? MHD_YES : MHD_NO;
}

void vf_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe)
{
    struct verifier *v = cls;
    struct vf_conns *cs = &v->conns;
    struct vf_conn *slot = *socket_context;
    const union MHD_ConnectionInfo *fdi, *ai;
    struct vf_call c = {0};
    size_t i;

    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (slot == NULL)
            return;
        pthread_mutex_lock(&cs->mu);
        slot->used = 0;
        atomic_store(&slot->deadline_ms, 0);
        cs->open--;
        pthread_mutex_unlock(&cs->mu);
        *socket_context = NULL;
        return;
    }
    fdi = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    ai = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (fdi == NULL || ai == NULL)
        return;
    peer_key(v, ai->client_addr, &c);
    pthread_mutex_lock(&cs->mu);
    for (i = 0; i < cs->nslots && cs->slots[i].used; i++)
        ;
    if (i < cs->nslots) {
        slot = &cs->slots[i];
        slot->used = 1;
        slot->fd = fdi->connect_fd;
        memcpy(slot->key, c.addr, c.addrlen);
        slot->keylen = c.addrlen;
        atomic_store(&slot->deadline_ms, jp_mono_ms() + cs->deadline_ms);
        cs->open++;
        *socket_context = slot;
    }
    pthread_mutex_unlock(&cs->mu);
}

static struct vf_conn *conn_slot(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

void vf_conns_request_in(struct MHD_Connection *conn)
{
    struct vf_conn *slot = conn_slot(conn);

    if (slot != NULL)
        atomic_store(&slot->deadline_ms, 0);
}

void vf_conns_answered(struct verifier *v, struct MHD_Connection *conn)
{
    struct vf_conn *slot = conn_slot(conn);

    if (slot != NULL)
        atomic_store(&slot->deadline_ms, jp_mono_ms() + v->conns.deadline_ms);
}

/* Shuts down the sockets of requests past their deadline; cs->mu held. */
static void reap(struct vf_conns *cs)
{
    uint64_t now = jp_mono_ms();
    size_t i;

    for (i = 0; i < cs->nslots; i++) {
        uint64_t d = atomic_load(&cs->slots[i].deadline_ms);

        if (cs->slots[i].used && d != 0 && now > d) {
            shutdown(cs->slots[i].fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
            atomic_store(&cs->slots[i].deadline_ms, 0);
            atomic_fetch_add(&cs->metrics->deadline_cut, 1);
        }
    }
}

static void *reaper(void *arg)
{
    struct vf_conns *cs = arg;
    struct timespec until;

    pthread_mutex_lock(&cs->mu);
    while (!cs->stop) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += REAP_EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&cs->cv, &cs->mu, &until);
        if (!cs->stop)
            reap(cs);
    }
    pthread_mutex_unlock(&cs->mu);
    return NULL;
}

int vf_conns_init(struct vf_conns *cs, const struct verifier_opts *o, struct vf_metrics *m)
{
    pthread_condattr_t ca;
    int rc;

    memset(cs, 0, sizeof(*cs));
    cs->metrics = m;
    cs->nslots = (size_t)o->conn_limit + VF_CONN_RESERVE;
    cs->public_limit = o->conn_limit;
    cs->per_addr = o->per_ip_limit;
    cs->deadline_ms = (uint64_t)o->deadline_s * 1000u;
    cs->slots = calloc(cs->nslots, sizeof(*cs->slots));
    if (cs->slots == NULL)
        return ENOMEM;
    rc = pthread_mutex_init(&cs->mu, NULL);
    if (rc != 0)
        goto out_free;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    rc = pthread_cond_init(&cs->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        goto out_mutex;
    rc = pthread_create(&cs->reaper, NULL, reaper, cs);
    if (rc != 0)
        goto out_cond;
    cs->ready = 1;
    return 0;
out_cond:
    pthread_cond_destroy(&cs->cv);
out_mutex:
    pthread_mutex_destroy(&cs->mu);
out_free:
    free(cs->slots);
    cs->slots = NULL;
    return rc;
}

void vf_conns_free(struct vf_conns *cs)
{
    if (!cs->ready)
        return;
    pthread_mutex_lock(&cs->mu);
    cs->stop = 1;
    pthread_cond_signal(&cs->cv);
    pthread_mutex_unlock(&cs->mu);
    pthread_join(cs->reaper, NULL);
    pthread_cond_destroy(&cs->cv);
    pthread_mutex_destroy(&cs->mu);
    free(cs->slots);
    cs->slots = NULL;
    cs->ready = 0;
}
