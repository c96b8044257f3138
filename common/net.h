/*
 * net.h - the one parser of a listen address (HOST:PORT) that every listener
 * uses: the verifier's --listen and --operator-listen, the issuer's TSA.
 * Numeric addresses only (no name lookups at start), IPv6 in brackets.
 */
#ifndef JP_NET_H
#define JP_NET_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Parses "HOST:PORT" (IPv4, "[v6]:PORT" for IPv6; port 0-65535, 0 = any) into
 * *ss. When default_host is not NULL, "PORT" and ":PORT" alone mean
 * default_host:PORT. Returns 0, or EINVAL with err naming what is wrong
 * ("listen: ..."). *ss is zeroed first.
 */
int jp_parse_listen(const char *listen, const char *default_host, struct sockaddr_storage *ss,
                    char *err, size_t errlen);

/* 1 when ss is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x), else 0. */
int jp_addr_is_loopback(const struct sockaddr_storage *ss);

#endif
