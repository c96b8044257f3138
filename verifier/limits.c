/*
 * limits.c - the per-address limits on the public lookups (GET
 * /api/v1/certificates/{no}, the QR page in HTML and JSON, and the people's
 * pages that show a certificate by number), the global ceiling on lookups of
 * numbers that do not exist, and their defaults (conf.c reads the "verifier"
 * object of HOME/config.json that sets them and the connection limits).
 *
 * Each address (a /32, or a /64 for IPv6) has two buckets: a short one (tens
 * a minute, for a person checking a pile of certificates) and a long one
 * (hundreds a day, which a walker of sequential serials exhausts). Numbers
 * that pass their check character but are not in the store are rare for
 * people, common for walkers: every address that got one is marked for ten
 * minutes, and all such answers across all addresses share one bucket of
 * not_found_per_minute. When it is empty, not-found answers become 429, and
 * so does every lookup from a marked address, found or not: a walker then
 * learns nothing from the difference, while addresses that looked up only
 * real numbers go on being served.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOOKUP_SETS 16384    /* 65,536 addresses tracked per bucket table */
#define MISS_MARK_BURST 3    /* not-found answers an address may collect ... */
#define MISS_MARK_PERIOD 600 /* ... before 10 minutes wipe them */

void vf_limits_conf_defaults(struct vf_limits_conf *c)
{
    c->lookups_per_minute = 30;
    c->lookups_per_day = 500;
    c->not_found_per_minute = 120;
    c->request_deadline_s = 10;
    c->connections_per_address = 16;
    c->max_connections = 1024;
}

int vf_limits_init(struct vf_limits *l, const struct vf_limits_conf *c, int off)
{
    unsigned nf = c->not_found_per_minute;
    int rc;

    memset(l, 0, sizeof(*l));
    l->off = off;
    if (off)
        return 0;
    rc =
        vf_ratelimit_new(c->lookups_per_minute, c->lookups_per_minute, 60, LOOKUP_SETS, &l->minute);
    if (rc == 0)
        rc = vf_ratelimit_new(c->lookups_per_day, c->lookups_per_day, 86400, LOOKUP_SETS, &l->day);
    if (rc == 0 && nf > 0)
        rc = vf_ratelimit_new(MISS_MARK_BURST, MISS_MARK_BURST, MISS_MARK_PERIOD, LOOKUP_SETS,
                              &l->marks);
    if (rc == 0 && nf > 0)
        rc = vf_ratelimit_new(nf, nf, 60, 1, &l->ceiling);
    if (rc != 0)
        vf_limits_free(l);
    return rc;
}

void vf_limits_free(struct vf_limits *l)
{
    vf_ratelimit_free(l->minute);
    vf_ratelimit_free(l->day);
    vf_ratelimit_free(l->marks);
    vf_ratelimit_free(l->ceiling);
    memset(l, 0, sizeof(*l));
}

static int reply_limited(const struct vf_call *c, struct vf_reply *r, unsigned retry)
{
    static const char html[] =
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<title>查询过于频繁</title></head><body><p>查询过于频繁，请稍后再试。</p></body></html>";
    int rc = 0;

    if (c->wants_json || strncmp(c->path, "/api/", 5) == 0) {
        rc = vf_reply_error(r, 429, "rate_limited", "too many lookups, retry later");
    } else {
        vf_reply_clear(r);
        r->body = (unsigned char *)strdup(html);
        if (r->body == NULL)
            return ENOMEM;
        r->len = sizeof(html) - 1;
        r->status = 429;
        r->ctype = "text/html; charset=utf-8";
        r->html = 1;
    }
    r->retry_after = retry;
    return rc;
}

/* 1 when the ceiling is empty and addr collected a not-found answer lately. */
static int marked_while_tripped(struct vf_limits *l, const struct vf_call *c, uint64_t now)
{
    if (l->ceiling == NULL || vf_ratelimit_level(l->ceiling, NULL, 0, now) >= 1.0)
        return 0;
    return vf_ratelimit_level(l->marks, c->addr, c->addrlen, now) < (double)MISS_MARK_BURST;
}

int vf_lookup_allow(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct vf_limits *l = &v->limits;
    uint64_t now = jp_mono_us() * 1000u;
    unsigned retry = 0;

    if (l->off)
        return 1;
    if (!vf_ratelimit_take(l->minute, c->addr, c->addrlen, now, &retry) ||
        !vf_ratelimit_take(l->day, c->addr, c->addrlen, now, &retry)) {
        reply_limited(c, r, retry);
        return 0;
    }
    if (marked_while_tripped(l, c, now)) {
        atomic_fetch_add(&v->metrics.not_found_limited, 1);
        reply_limited(c, r, 60);
        return 0;
    }
    return 1;
}

int vf_lookup_missed(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct vf_limits *l = &v->limits;
    uint64_t now = jp_mono_us() * 1000u;
    unsigned retry = 0;

    atomic_fetch_add(&v->metrics.lookup_not_found, 1);
    if (l->off || l->ceiling == NULL)
        return 1;
    vf_ratelimit_take(l->marks, c->addr, c->addrlen, now, &retry);
    if (vf_ratelimit_take(l->ceiling, NULL, 0, now, &retry))
        return 1;
    atomic_fetch_add(&v->metrics.not_found_limited, 1);
    reply_limited(c, r, retry);
    return 0;
}
