/*
 * limits.c - the per-address limits on the public lookups (GET
 * /api/v1/certificates/{no}, the QR page in HTML and JSON, and the people's
 * pages that show a certificate by number), the global ceiling on lookups of
 * numbers that do not exist, and the "verifier" object of HOME/config.json
 * that sets them and the connection limits.
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
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define LOOKUP_SETS 16384    /* 65,536 addresses tracked per bucket table */
#define MISS_MARK_BURST 3    /* not-found answers an address may collect ... */
#define MISS_MARK_PERIOD 600 /* ... before 10 minutes wipe them */
#define CONFIG_MAX (1u << 20)

void vf_limits_conf_defaults(struct vf_limits_conf *c)
{
    c->lookups_per_minute = 30;
    c->lookups_per_day = 500;
    c->not_found_per_minute = 120;
    c->request_deadline_s = 10;
    c->connections_per_address = 16;
    c->max_connections = 1024;
}

struct conf_field {
    const char *name; /* key in the "verifier" object */
    size_t off;       /* offset of its unsigned in struct vf_limits_conf */
    unsigned min;     /* smallest value allowed */
};

static const struct conf_field conf_fields[] = {
    {"lookups_per_minute", offsetof(struct vf_limits_conf, lookups_per_minute), 1},
    {"lookups_per_day", offsetof(struct vf_limits_conf, lookups_per_day), 1},
    {"not_found_per_minute", offsetof(struct vf_limits_conf, not_found_per_minute), 0},
    {"request_deadline_seconds", offsetof(struct vf_limits_conf, request_deadline_s), 1},
    {"connections_per_address", offsetof(struct vf_limits_conf, connections_per_address), 1},
    {"max_connections", offsetof(struct vf_limits_conf, max_connections), 8},
};

static int conf_field_set(struct vf_limits_conf *c, const char *key, json_t *val, char *err,
                          size_t errlen)
{
    size_t i;

    for (i = 0; i < sizeof(conf_fields) / sizeof(conf_fields[0]); i++) {
        if (strcmp(conf_fields[i].name, key) != 0)
            continue;
        if (!json_is_integer(val) || json_integer_value(val) < conf_fields[i].min ||
            json_integer_value(val) > 1000000) {
            jp_errf(err, errlen, "config.json: verifier.%s must be an integer %u-1000000", key,
                    conf_fields[i].min);
            return VERIFIER_E_INVAL;
        }
        *(unsigned *)(void *)((char *)c + conf_fields[i].off) = (unsigned)json_integer_value(val);
        return 0;
    }
    jp_errf(err, errlen, "config.json: verifier.%s is not a known setting", key);
    return VERIFIER_E_INVAL;
}

int vf_limits_conf_load(const char *home, struct vf_limits_conf *out, char *err, size_t errlen)
{
    char path[VF_PATH_MAX];
    unsigned char *text = NULL;
    json_t *root = NULL, *obj, *val;
    const char *key;
    size_t len = 0;
    int rc;

    vf_limits_conf_defaults(out);
    rc = jp_path_join(path, sizeof(path), home, "config.json");
    if (rc == 0)
        rc = jp_read_file(path, CONFIG_MAX, &text, &len);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot read %s: %s", path, strerror(rc));
        return rc;
    }
    root = json_loadb((const char *)text, len, 0, NULL);
    free(text);
    obj = json_object_get(root, "verifier");
    if (obj != NULL && !json_is_object(obj)) {
        jp_errf(err, errlen, "config.json: verifier must be an object");
        rc = VERIFIER_E_INVAL;
    }
    json_object_foreach(obj, key, val)
    {
        if (rc == 0 && !verifier_conf_is_daemon_key(key))
            rc = conf_field_set(out, key, val, err, errlen);
    }
    json_decref(root);
    return rc;
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
