/*
 * test_verifier_proxy.c - the client address the verifier's per-address
 * limits count (verifier/proxy.c), for IPv4 and IPv6 peers: the peer itself
 * unless it is a trusted proxy; behind one, the right-most X-Forwarded-For
 * entry that is not a trusted proxy, else X-Real-IP; IPv6 by its /64.
 */
#include "check.h"
#include "verifier_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static struct verifier *v;

/* The key of a request from peer (numeric) with the given headers, as text. */
static const char *key(const char *peer, const char *xff, const char *real_ip)
{
    static char out[INET6_ADDRSTRLEN];
    struct sockaddr_storage ss = {0};
    struct vf_call c = {0};
    unsigned char full[16] = {0};

    if (strchr(peer, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, peer, &s6->sin6_addr);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

        s4->sin_family = AF_INET;
        inet_pton(AF_INET, peer, &s4->sin_addr);
    }
    vf_client_key(v, (struct sockaddr *)&ss, xff, real_ip, &c);
    memcpy(full, c.addr, c.addrlen);
    if (c.addrlen == 4)
        inet_ntop(AF_INET, full, out, sizeof(out));
    else if (c.addrlen == 8)
        inet_ntop(AF_INET6, full, out, sizeof(out));
    else
        snprintf(out, sizeof(out), "len %zu", c.addrlen);
    return out;
}

int main(void)
{
    struct verifier_opts o = {.trusted_proxies = {"127.0.0.1", "10.1.0.0/16", "fd00::/8"},
                              .ntrusted = 3};
    struct vf_cidr cidr;
    char err[256] = "";

    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return 1;
    CHECK_INT(vf_proxies_set(v, &o, err, sizeof(err)), 0);
    CHECK_INT(v->nproxies, 3);

    /* an untrusted peer: its headers change nothing */
    CHECK_STR(key("192.0.2.7", "198.51.100.1", "198.51.100.2"), "192.0.2.7");
    CHECK_STR(key("2001:db8:1:2:3:4:5:6", "198.51.100.1", NULL), "2001:db8:1:2::");
    CHECK_STR(key("2001:db8:1:2:ffff::1", NULL, NULL), "2001:db8:1:2::"); /* same /64 */
    CHECK_STR(key("::ffff:192.0.2.8", NULL, NULL), "192.0.2.8");

    /* trusted proxies, IPv4 and IPv6 */
    CHECK_STR(key("127.0.0.1", "198.51.100.1", NULL), "198.51.100.1");
    CHECK_STR(key("10.1.2.3", "203.0.113.9, 198.51.100.1, 10.1.9.9", NULL), "198.51.100.1");
    CHECK_STR(key("fd12::1", "2001:db8:aa:bb::1", NULL), "2001:db8:aa:bb::");
    CHECK_STR(key("fd12::1", "198.51.100.1 , fd00::5", NULL), "198.51.100.1");
    CHECK_STR(key("127.0.0.1", NULL, "198.51.100.3"), "198.51.100.3");
    CHECK_STR(key("127.0.0.1", "10.1.0.1, 10.1.0.2", NULL), "10.1.0.1"); /* all trusted */
    /* a malformed entry: nothing left of it counts, the proxy's own record stands */
    CHECK_STR(key("127.0.0.1", "198.51.100.1, garbage, 10.1.0.7", NULL), "10.1.0.7");
    CHECK_STR(key("127.0.0.1", "garbage", NULL), "127.0.0.1");
    CHECK_STR(key("127.0.0.1", "", NULL), "127.0.0.1");
    CHECK_STR(key("10.2.0.1", "198.51.100.1", NULL), "10.2.0.1"); /* outside 10.1/16 */

    CHECK_INT(vf_cidr_parse("10.0.0.0/33", &cidr), EINVAL);
    CHECK_INT(vf_cidr_parse("::/129", &cidr), EINVAL);
    CHECK_INT(vf_cidr_parse("10.0.0.0/", &cidr), EINVAL);
    CHECK_INT(vf_cidr_parse("example.org", &cidr), EINVAL);
    CHECK_INT(vf_cidr_parse("::1", &cidr), 0);
    CHECK_INT(cidr.bits, 128);
    o.trusted_proxies[1] = "10.1.0.0/40";
    CHECK_INT(vf_proxies_set(v, &o, err, sizeof(err)), VERIFIER_E_INVAL);
    CHECK(strstr(err, "10.1.0.0/40") != NULL);
    free(v);
    return CHECK_DONE();
}
