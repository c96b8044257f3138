/*
 * tsa_serve.c - `jianpei-issuer tsa --listen HOST:PORT`: the province's own
 * RFC 3161 time-stamp authority over HTTP (RFC 3161 §3.4: POST of
 * application/timestamp-query, answer application/timestamp-reply), for a
 * home that has no external one. The tokens are made by keys_tsa_respond();
 * libmicrohttpd runs one internal thread, so the TS context is used by one
 * request at a time.
 */
#include "issuer.h"
#include "keys.h"
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct issuer_tsa {
    struct MHD_Daemon *d; /* owned */
    keys_tsa_t *tsa;      /* owned */
    keys_t *keys;         /* owned public-only handle (the root for the chain) */
};

struct tsa_req {
    struct jp_buf body; /* the query, bounded by KEYS_TSA_QUERY_MAX */
    int too_big;        /* the query passed the bound */
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, mode);
    enum MHD_Result ok;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
                 MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result answer(struct issuer_tsa *t, struct MHD_Connection *c, struct tsa_req *r)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    unsigned char *resp = NULL;
    size_t len = 0;
    enum MHD_Result ok;
    void *copy;

    if (r->too_big)
        return plain(c, MHD_HTTP_CONTENT_TOO_LARGE, "query too large\n");
    if (type == NULL || strcmp(type, "application/timestamp-query") != 0)
        return plain(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "expected application/timestamp-query\n");
    if (keys_tsa_respond(t->tsa, r->body.data, r->body.len, &resp, &len) != 0)
        return plain(c, MHD_HTTP_BAD_REQUEST, "not a time-stamp query\n");
    copy = malloc(len);
    if (copy == NULL) {
        keys_free_der(resp);
        return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    }
    memcpy(copy, resp, len);
    keys_free_der(resp);
    ok = reply(c, MHD_HTTP_OK, "application/timestamp-reply", copy, len, MHD_RESPMEM_MUST_FREE);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **req_cls)
{
    struct issuer_tsa *t = cls;
    struct tsa_req *r = *req_cls;

    (void)url;
    (void)version;
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST a time-stamp query\n");
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        if (r == NULL)
            return MHD_NO;
        jp_buf_init(&r->body, KEYS_TSA_QUERY_MAX);
        *req_cls = r;
        return MHD_YES;
    }
    if (*data_size > 0) {
        if (!r->too_big && jp_buf_append(&r->body, data, *data_size) != 0)
            r->too_big = 1;
        *data_size = 0;
        return MHD_YES;
    }
    return answer(t, c, r);
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls,
                    enum MHD_RequestTerminationCode code)
{
    struct tsa_req *r = *req_cls;

    (void)cls;
    (void)c;
    (void)code;
    if (r != NULL) {
        jp_buf_free(&r->body);
        free(r);
    }
    *req_cls = NULL;
}

/* HOST:PORT (numeric; [v6]:port) into *ss (net.h), as this module's error. */
static int parse_hostport(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
    return jp_parse_listen(listen, NULL, ss, err, errlen) == 0 ? 0 : ISSUER_EARG;
}

void issuer_tsa_stop(struct issuer_tsa *t)
{
    if (t == NULL)
        return;
    if (t->d != NULL)
        MHD_stop_daemon(t->d);
    keys_tsa_free(t->tsa);
    keys_close(t->keys);
    free(t);
}

int issuer_tsa_start(const char *home, const char *listen, const unsigned char *pass,
                     size_t passlen, struct issuer_tsa **out, char *err, size_t errlen)
{
    char kdir[JP_HOME_PATH_MAX];
    struct sockaddr_storage ss;
    struct issuer_tsa *t = calloc(1, sizeof *t);
    int rc = t == NULL ? ENOMEM : parse_hostport(listen, &ss, err, errlen);

    *out = NULL;
    if (rc == 0)
        rc = issuer_home_check(home, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_KEYS, kdir);
    if (rc == 0)
        rc = keys_open(kdir, KEYS_PUBLIC_ONLY, NULL, 0, &t->keys, err, errlen);
    if (rc == 0)
        rc = keys_tsa_open(t->keys, pass, passlen, &t->tsa, err, errlen);
    if (rc == 0) {
        t->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                                    (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
                                0, NULL, NULL, on_request, t, MHD_OPTION_SOCK_ADDR, &ss,
                                MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                                MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
        if (t->d == NULL) {
            jp_errf(err, errlen, "cannot listen on %s", listen);
            rc = EADDRINUSE;
        }
    }
    if (rc != 0) {
        issuer_tsa_stop(t);
        return rc;
    }
    *out = t;
    return 0;
}

unsigned issuer_tsa_port(const struct issuer_tsa *t)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(t->d, MHD_DAEMON_INFO_BIND_PORT);

    return i != NULL ? i->port : 0;
}
