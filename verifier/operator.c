/*
 * operator.c - the verifier's operator listener (--operator-listen): a second
 * libmicrohttpd daemon, apart from the public one, that serves
 * GET /operator/dashboard, the dashboard of dashboard.h computed from the
 * store at request time and kept for OP_CACHE_MS. It has no authentication,
 * so it binds a loopback address unless the operator says --operator-public.
 * Nothing else is served there and nothing of the public side moves.
 */
#include <microhttpd.h>

#include "verifier_int.h"
#include "dashboard.h"
#include "net.h"
#include "pages.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OP_CACHE_MS 10000u     /* a page is reused for this long */
#define OP_PAGE_MAX (8u << 20) /* bound on the page */
#define OP_PATH "/operator/dashboard"
#define CHINA_UTC_OFFSET (8 * 3600)

struct vf_operator {
    struct verifier *v;     /* the daemon whose store and configuration are shown */
    struct MHD_Daemon *mhd; /* the operator daemon */
    uint16_t port;          /* its bound port */
    pthread_mutex_t lock;   /* guards page and made_ms */
    struct jp_buf page;     /* the last page made, empty = none */
    uint64_t made_ms;       /* jp_mono_ms() when it was made */
};

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
                                 const void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, mode);
    enum MHD_Result ok;

    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy", PAGES_CSP);
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void now_text(char *out, size_t outsz, struct ident_date *today)
{
    time_t t = time(NULL);
    time_t cn = t + CHINA_UTC_OFFSET;
    struct tm tm;

    (void)ident_date_from_unix((int64_t)t, CHINA_UTC_OFFSET, today);
    if (gmtime_r(&cn, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M 北京时间", &tm) == 0)
        out[0] = '\0';
}

/* A fresh page into op->page from one read transaction of the store. */
static int page_make(struct vf_operator *op)
{
    struct dash_tally *t = calloc(1, sizeof *t);
    struct ident_date today;
    store_txn *txn = NULL;
    char when[48];
    int rc = t == NULL ? ENOMEM : 0;

    now_text(when, sizeof when, &today);
    if (rc == 0)
        rc = store_read_begin(op->v->st, &txn);
    if (rc == 0)
        rc = dash_tally(txn, &today, 0, t);
    store_read_end(txn);
    jp_buf_reset(&op->page);
    if (rc == 0)
        rc = dash_page(t, &op->v->cfg, when, &op->page);
    if (rc != 0)
        jp_buf_reset(&op->page);
    op->made_ms = jp_mono_ms();
    free(t);
    return rc;
}

/* A copy of the current page (made again when older than OP_CACHE_MS) into *out, *len. */
static int page_copy(struct vf_operator *op, char **out, size_t *len)
{
    int rc = 0;

    *out = NULL;
    pthread_mutex_lock(&op->lock);
    if (op->page.len == 0 || jp_mono_ms() - op->made_ms >= OP_CACHE_MS)
        rc = page_make(op);
    if (rc == 0) {
        *out = malloc(op->page.len);
        *len = op->page.len;
        if (*out == NULL)
            rc = ENOMEM;
        else
            memcpy(*out, op->page.data, op->page.len);
    }
    pthread_mutex_unlock(&op->lock);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **req_cls)
{
    static const char not_found[] = "not found: the operator listener serves " OP_PATH "\n";
    static const char failed[] = "the dashboard could not be made; see the daemon's log\n";
    struct vf_operator *op = cls;
    char *page = NULL;
    size_t len = 0;
    int rc;

    (void)version;
    (void)data;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "GET only\n",
                         9, MHD_RESPMEM_PERSISTENT); /* a body is not read */
    if (*req_cls == NULL) {
        *req_cls = op;
        return MHD_YES;
    }
    *data_size = 0; /* a GET's body, if any, is ignored */
    if (strcmp(url, OP_PATH) != 0)
        return send_text(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
                         sizeof not_found - 1, MHD_RESPMEM_PERSISTENT);
    rc = page_copy(op, &page, &len);
    if (rc != 0) {
        jp_log(JP_LOG_ERROR, "operator dashboard: %s", store_strerror(rc));
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", failed,
                         sizeof failed - 1, MHD_RESPMEM_PERSISTENT);
    }
    return send_text(c, MHD_HTTP_OK, "text/html; charset=utf-8", page, len, MHD_RESPMEM_MUST_FREE);
}

void vf_operator_stop(struct vf_operator *op)
{
    if (op == NULL)
        return;
    if (op->mhd != NULL)
        MHD_stop_daemon(op->mhd);
    pthread_mutex_destroy(&op->lock);
    jp_buf_free(&op->page);
    free(op);
}

/* Refuses a listen address other than loopback unless public. */
static int where_ok(const char *listen, const struct sockaddr_storage *ss, int public, char *err,
                    size_t errlen)
{
    if (public || jp_addr_is_loopback(ss))
        return 0;
    jp_errf(err, errlen,
            "operator-listen: %s is not a loopback address and the dashboard has no "
            "authentication; give --operator-public to serve it there anyway",
            listen);
    return VERIFIER_E_INVAL;
}

int vf_operator_start(struct verifier *v, struct vf_operator **out, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    struct vf_operator *op;
    const union MHD_DaemonInfo *di;
    char why[256];
    int fd = -1, rc;

    *out = NULL;
    if (jp_parse_listen(v->opts.operator_listen, "127.0.0.1", &ss, why, sizeof why) != 0) {
        jp_errf(err, errlen, "operator-%s", why); /* "operator-listen: ..." */
        return VERIFIER_E_INVAL;
    }
    rc = where_ok(v->opts.operator_listen, &ss, v->opts.operator_public, err, errlen);
    if (rc != 0)
        return rc;
    op = calloc(1, sizeof *op);
    if (op == NULL || pthread_mutex_init(&op->lock, NULL) != 0) {
        free(op);
        return ENOMEM;
    }
    op->v = v;
    jp_buf_init(&op->page, OP_PAGE_MAX);
    rc = vf_listen_open(&ss, v->opts.operator_listen, &fd, err, errlen);
    if (rc == 0) {
        op->mhd =
            MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, op,
                             MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT,
                             16u, MHD_OPTION_CONNECTION_TIMEOUT, 15u, MHD_OPTION_END);
        if (op->mhd == NULL) {
            close(fd);
            jp_errf(err, errlen, "cannot start the operator listener on %s",
                    v->opts.operator_listen);
            rc = VERIFIER_E_START;
        }
    }
    if (rc != 0) {
        vf_operator_stop(op);
        return rc;
    }
    di = MHD_get_daemon_info(op->mhd, MHD_DAEMON_INFO_BIND_PORT);
    op->port = di != NULL ? di->port : 0;
    *out = op;
    return 0;
}

uint16_t vf_operator_port(const struct vf_operator *op)
{
    return op != NULL ? op->port : 0;
}
