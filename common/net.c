/*
 * net.c - listen addresses (net.h). Moved here from the verifier's daemon.c
 * and the issuer's tsa_serve.c, which each had a copy.
 */
#include "net.h"
#include "util.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAX 64 /* bytes of a numeric host, brackets off, with its NUL */

/* 1 when s is a decimal port 0..65535. */
static int port_ok(const char *s)
{
    size_t n = strspn(s, "0123456789");

    return n > 0 && n <= 5 && s[n] == '\0' && atol(s) <= 65535;
}

/* The host part of listen (brackets off) into host[HOST_MAX], *port at the port text. */
static int split(const char *listen, const char *default_host, char *host, const char **port,
                 char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t hl;

    if (default_host != NULL && (colon == NULL || colon == listen)) {
        *port = colon == NULL ? listen : colon + 1;
        h = default_host;
        hl = strlen(h);
    } else if (colon == NULL || colon == listen) {
        jp_errf(err, errlen, "listen: expected HOST:PORT (a port 0-65535), not %s", listen);
        return EINVAL;
    } else {
        *port = colon + 1;
        hl = (size_t)(colon - listen);
    }
    if (!port_ok(*port)) {
        jp_errf(err, errlen, "listen: expected HOST:PORT (a port 0-65535), not %s", listen);
        return EINVAL;
    }
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= HOST_MAX) {
        jp_errf(err, errlen, "listen: bad host in %s", listen);
        return EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    return 0;
}

int jp_parse_listen(const char *listen, const char *default_host, struct sockaddr_storage *ss,
                    char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char host[HOST_MAX];
    const char *port = NULL;
    int rc;

    memset(ss, 0, sizeof *ss);
    if (listen == NULL) {
        jp_errf(err, errlen, "listen: no address given");
        return EINVAL;
    }
    rc = split(listen, default_host, host, &port, err, errlen);
    if (rc != 0)
        return rc;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL || ai->ai_addrlen > sizeof *ss) {
        jp_errf(err, errlen, "listen: %s is not a numeric address and port", listen);
        rc = EINVAL;
    } else {
        memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    }
    if (ai != NULL)
        freeaddrinfo(ai);
    return rc;
}

int jp_addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}
