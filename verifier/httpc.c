/*
 * httpc.c - the replica's one HTTP request: a bounded GET over plain HTTP/1.1
 * to its primary (Connection: close, the whole answer read into memory). The
 * feed is authenticated end to end by its MAC (feed.c), so the link may be a
 * private network or a TLS tunnel the operator runs; docs/operations.md.
 */
#define _GNU_SOURCE /* memmem */
#include "verifier_int.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int vf_url_parse(const char *url, struct vf_url *out)
{
    const char *p, *end, *colon;
    size_t hl;

    memset(out, 0, sizeof *out);
    if (strncmp(url, "http://", 7) != 0)
        return EINVAL;
    p = url + 7;
    end = p + strcspn(p, "/");
    colon = memchr(p, ':', (size_t)(end - p));
    hl = (size_t)((colon != NULL ? colon : end) - p);
    if (hl == 0 || hl >= sizeof out->host)
        return EINVAL;
    memcpy(out->host, p, hl);
    if (colon != NULL) {
        size_t pl = (size_t)(end - colon - 1);

        if (pl == 0 || pl >= sizeof out->port || strspn(colon + 1, "0123456789") < pl)
            return EINVAL;
        memcpy(out->port, colon + 1, pl);
    } else {
        memcpy(out->port, "80", 3);
    }
    if (strlen(end) >= sizeof out->prefix)
        return EINVAL;
    memcpy(out->prefix, end, strlen(end) + 1);
    while (out->prefix[0] != '\0' && out->prefix[strlen(out->prefix) - 1] == '/')
        out->prefix[strlen(out->prefix) - 1] = '\0';
    return 0;
}

static int dial(const struct vf_url *u, unsigned timeout_ms, int *fd_out)
{
    struct addrinfo hints = {0}, *res = NULL, *ai;
    struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000};
    int fd = -1, rc;

    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0)
        return EHOSTUNREACH;
    rc = ECONNREFUSED;
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            rc = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    *fd_out = fd;
    return fd >= 0 ? 0 : rc;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EPIPE;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, struct jp_buf *raw)
{
    char chunk[16384];

    for (;;) {
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        int rc;

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno == EAGAIN ? ETIMEDOUT : errno;
        if (r == 0)
            return 0;
        rc = jp_buf_append(raw, chunk, (size_t)r);
        if (rc != 0)
            return rc;
    }
}

/* The value of header name in the header block hdr (hlen bytes) into out, "" when absent. */
static void header_value(const char *hdr, size_t hlen, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name), pos = 0;

    out[0] = '\0';
    while (pos < hlen) {
        const char *line = hdr + pos;
        const char *eol = memchr(line, '\n', hlen - pos);
        size_t ll = eol != NULL ? (size_t)(eol - line) : hlen - pos;

        if (ll > nl + 1 && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            size_t vl = ll - nl - 1;

            while (vl > 0 && (*v == ' ' || *v == '\t')) {
                v++;
                vl--;
            }
            while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            if (vl < outsz) {
                memcpy(out, v, vl);
                out[vl] = '\0';
            }
            return;
        }
        pos += ll + 1;
    }
}

/* Splits raw into status, the wanted header and the body (moved to the front of raw). */
static int parse_answer(struct jp_buf *raw, struct vf_http_answer *a)
{
    const char *p = (const char *)raw->data, *sep;
    char clen[24];
    size_t hlen, blen;

    if (raw->len < 12 || strncmp(p, "HTTP/1.", 7) != 0)
        return EPROTO;
    a->status = (unsigned)strtoul(p + 9, NULL, 10);
    sep = memmem(p, raw->len, "\r\n\r\n", 4);
    if (sep == NULL)
        return EPROTO;
    hlen = (size_t)(sep - p);
    if (a->header_name != NULL)
        header_value(p, hlen, a->header_name, a->header, sizeof a->header);
    header_value(p, hlen, "Content-Length", clen, sizeof clen);
    blen = raw->len - hlen - 4;
    if (clen[0] != '\0' && strtoull(clen, NULL, 10) != blen)
        return EPROTO; /* cut short */
    memmove(raw->data, sep + 4, blen);
    raw->len = blen;
    return 0;
}

int vf_http_get(const struct vf_url *u, const char *target, const char *authz, unsigned timeout_ms,
                struct jp_buf *body, struct vf_http_answer *a)
{
    struct jp_buf req;
    int fd = -1, rc;

    jp_buf_reset(body);
    jp_buf_init(&req, 2 * VF_PATH_MAX);
    rc = jp_buf_printf(&req,
                       "GET %s%s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n"
                       "User-Agent: jianpei-replica\r\n",
                       u->prefix, target, u->host, u->port);
    if (rc == 0 && authz != NULL)
        rc = jp_buf_printf(&req, "Authorization: %s\r\n", authz);
    if (rc == 0)
        rc = jp_buf_puts(&req, "\r\n");
    if (rc == 0)
        rc = dial(u, timeout_ms, &fd);
    if (rc == 0)
        rc = send_all(fd, (const char *)req.data, req.len);
    if (rc == 0)
        rc = recv_all(fd, body);
    if (rc == 0)
        rc = parse_answer(body, a);
    if (fd >= 0)
        close(fd);
    jp_buf_free(&req);
    return rc;
}
