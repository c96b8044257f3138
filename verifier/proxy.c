/*
 * proxy.c - whose request is it: the client address the per-address limits
 * count, and the trusted reverse proxies (--trusted-proxy CIDR) whose
 * X-Forwarded-For / X-Real-IP headers are believed. A header from any other
 * peer changes nothing. Of X-Forwarded-For the right-most address that is not
 * itself a trusted proxy is the client: everything left of it was written by
 * the client and can be forged. IPv4-mapped IPv6 addresses count as IPv4; an
 * IPv6 client is counted by its /64, which one host usually owns whole.
 */
#include "verifier_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Parses a numeric address into family and 4 or 16 bytes; 0 or EINVAL. */
static int addr_parse(const char *s, size_t n, int *family, unsigned char out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];

    if (n == 0 || n >= sizeof(buf))
        return EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, out) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return EINVAL;
}

int vf_cidr_parse(const char *s, struct vf_cidr *out)
{
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    unsigned max;
    char *end = NULL;
    long bits;

    memset(out, 0, sizeof(*out));
    if (addr_parse(s, n, &out->family, out->addr) != 0)
        return EINVAL;
    max = out->family == AF_INET ? 32 : 128;
    out->bits = max;
    if (slash == NULL)
        return 0;
    bits = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end != '\0' || bits < 0 || bits > (long)max)
        return EINVAL;
    out->bits = (unsigned)bits;
    return 0;
}

static int cidr_has(const struct vf_cidr *c, int family, const unsigned char *a)
{
    unsigned full = c->bits / 8, rest = c->bits % 8;

    if (c->family != family || memcmp(c->addr, a, full) != 0)
        return 0;
    return rest == 0 || ((c->addr[full] ^ a[full]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

/* An IPv4-mapped IPv6 address becomes the IPv4 address. */
static void unmap(int *family, unsigned char a[16])
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (*family == AF_INET6 && memcmp(a, prefix, 12) == 0) {
        memmove(a, a + 12, 4);
        *family = AF_INET;
    }
}

static int trusted(const struct verifier *v, int family, const unsigned char *a)
{
    size_t i;

    for (i = 0; i < v->nproxies; i++) {
        if (cidr_has(&v->proxies[i], family, a))
            return 1;
    }
    return 0;
}

static void key_of(int family, const unsigned char *a, struct vf_call *c)
{
    c->addrlen = family == AF_INET ? 4 : 8;
    memcpy(c->addr, a, c->addrlen);
}

/* Parses the list entry s[0..n-1], blanks around it allowed, unmapped. 0 or EINVAL. */
static int entry_parse(const char *s, size_t n, int *family, unsigned char a[16])
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (addr_parse(s, n, family, a) != 0)
        return EINVAL;
    unmap(family, a);
    return 0;
}

/*
 * Walks the comma-separated list from the right past trusted proxies. Returns
 * 1 with the client in family/a, 0 when the list names nobody usable. A
 * malformed entry ends the walk: what lies left of it cannot be trusted, and
 * the last good entry (a trusted proxy) stands.
 */
static int xff_client(const struct verifier *v, const char *xff, int *family, unsigned char a[16])
{
    const char *end = xff + strlen(xff), *p;
    unsigned char b[16];
    int found = 0, fam;

    for (;;) {
        p = end;
        while (p > xff && p[-1] != ',')
            p--;
        if (entry_parse(p, (size_t)(end - p), &fam, b) != 0)
            return found;
        *family = fam;
        memcpy(a, b, 16);
        found = 1;
        if (!trusted(v, fam, b) || p == xff)
            return 1;
        end = p - 1;
    }
}

int vf_peer_trusted(const struct verifier *v, const struct sockaddr *peer)
{
    unsigned char a[16] = {0};
    int family;

    if (peer->sa_family == AF_INET) {
        memcpy(a, &((const struct sockaddr_in *)(const void *)peer)->sin_addr, 4);
        family = AF_INET;
    } else if (peer->sa_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr, 16);
        family = AF_INET6;
    } else {
        return 0;
    }
    unmap(&family, a);
    return trusted(v, family, a);
}

void vf_client_key(const struct verifier *v, const struct sockaddr *peer, const char *xff,
                   const char *real_ip, struct vf_call *c)
{
    unsigned char a[16] = {0}, h[16] = {0};
    int family = 0, hf = 0;

    c->addrlen = 0;
    if (peer != NULL && peer->sa_family == AF_INET) {
        memcpy(a, &((const struct sockaddr_in *)(const void *)peer)->sin_addr, 4);
        family = AF_INET;
    } else if (peer != NULL && peer->sa_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr, 16);
        family = AF_INET6;
    } else {
        return;
    }
    unmap(&family, a);
    if (trusted(v, family, a)) {
        if (xff != NULL && xff_client(v, xff, &hf, h)) {
            family = hf;
            memcpy(a, h, 16);
        } else if (real_ip != NULL && addr_parse(real_ip, strlen(real_ip), &hf, h) == 0) {
            unmap(&hf, h);
            family = hf;
            memcpy(a, h, 16);
        }
    }
    key_of(family, a, c);
}

int vf_proxies_set(struct verifier *v, const struct verifier_opts *o, char *err, size_t errlen)
{
    size_t i;

    v->nproxies = 0;
    for (i = 0; i < o->ntrusted && i < VERIFIER_PROXIES_MAX; i++) {
        if (o->trusted_proxies[i] == NULL ||
            vf_cidr_parse(o->trusted_proxies[i], &v->proxies[i]) != 0) {
            jp_errf(err, errlen,
                    "trusted-proxy: %s is not an address or CIDR (10.0.0.0/8, fd00::/8)",
                    o->trusted_proxies[i] != NULL ? o->trusted_proxies[i] : "(null)");
            return VERIFIER_E_INVAL;
        }
        v->nproxies++;
    }
    return 0;
}
