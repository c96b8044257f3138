/*
 * test_net.c - the one listen-address parser (common/net.h) that the
 * verifier's --listen and --operator-listen and the issuer's TSA use.
 */
#include "check.h"
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

static unsigned port_of(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void good(void)
{
    struct sockaddr_storage ss;
    char err[256] = "";

    CHECK_INT(jp_parse_listen("127.0.0.1:8080", NULL, &ss, err, sizeof err), 0);
    CHECK_INT(ss.ss_family, AF_INET);
    CHECK_INT(port_of(&ss), 8080);
    CHECK_INT(jp_addr_is_loopback(&ss), 1);
    CHECK_INT(jp_parse_listen("[::1]:0", NULL, &ss, err, sizeof err), 0);
    CHECK_INT(ss.ss_family, AF_INET6);
    CHECK_INT(jp_addr_is_loopback(&ss), 1);
    CHECK_INT(jp_parse_listen("0.0.0.0:65535", NULL, &ss, err, sizeof err), 0);
    CHECK_INT(port_of(&ss), 65535);
    CHECK_INT(jp_addr_is_loopback(&ss), 0);
    CHECK_INT(jp_parse_listen("[::]:443", NULL, &ss, err, sizeof err), 0);
    CHECK_INT(jp_addr_is_loopback(&ss), 0);
    CHECK_INT(jp_parse_listen("127.8.9.10:1", NULL, &ss, err, sizeof err), 0);
    CHECK_INT(jp_addr_is_loopback(&ss), 1);
    /* a default host makes a bare port enough */
    CHECK_INT(jp_parse_listen("9100", "127.0.0.1", &ss, err, sizeof err), 0);
    CHECK_INT(port_of(&ss), 9100);
    CHECK_INT(jp_addr_is_loopback(&ss), 1);
    CHECK_INT(jp_parse_listen(":9101", "127.0.0.1", &ss, err, sizeof err), 0);
    CHECK_INT(port_of(&ss), 9101);
    CHECK_INT(jp_parse_listen("192.0.2.7:9102", "127.0.0.1", &ss, err, sizeof err), 0);
    CHECK_INT(jp_addr_is_loopback(&ss), 0);
}

static void bad(const char *listen, const char *default_host, const char *says)
{
    struct sockaddr_storage ss;
    char err[256] = "";

    CHECK_INT(jp_parse_listen(listen, default_host, &ss, err, sizeof err), EINVAL);
    CHECK(strstr(err, "listen: ") == err);
    CHECK(strstr(err, says) != NULL);
}

int main(void)
{
    good();
    bad("8080", NULL, "expected HOST:PORT");
    bad(":8080", NULL, "expected HOST:PORT");
    bad("127.0.0.1:", NULL, "a port 0-65535");
    bad("127.0.0.1:65536", NULL, "a port 0-65535");
    bad("127.0.0.1:80x", NULL, "a port 0-65535");
    bad("localhost:80", NULL, "not a numeric address");
    bad("[::1:80", NULL, "not a numeric address");
    bad("[]:80", NULL, "bad host");
    bad("x", "127.0.0.1", "a port 0-65535");
    return CHECK_DONE();
}
