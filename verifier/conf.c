/*
 * conf.c - the one reader of the "verifier" object of HOME/config.json: every
 * key the daemon takes from the file, in one table, checked in one place
 * (vf_conf_load). The daemon's own settings ("listen", "threads",
 * "rate_burst", "rate_per_minute", the cache sizes "qr_cache" and
 * "qr_svg_cache", the operator listener "operator_listen" and
 * "operator_public") fill the options the command line left unset
 * (verifier_conf_apply: command line over file over defaults); the limits of
 * limits.c come from the same reading (vf_limits_conf_load). An unknown key or
 * a value out of range names the key.
 */
#include "verifier.h"
#include "verifier_int.h"

#include "net.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX (1u << 20)
#define CONF_UINT_MAX 1000000u
#define NO_FLAG ((size_t)-1)

/* One key of the "verifier" object: an unsigned in struct vf_conf (or the listen text). */
struct conf_key {
    const char *name; /* key in the "verifier" object */
    size_t off;       /* offset of its unsigned in struct vf_conf; NO_FLAG for "listen" */
    unsigned min;     /* smallest value allowed */
    unsigned max;     /* largest value allowed */
    size_t set_off;   /* offset of an int set to 1 when the key is present, or NO_FLAG */
};

#define LIMIT(f) offsetof(struct vf_conf, limits) + offsetof(struct vf_limits_conf, f)

static const struct conf_key conf_keys[] = {
    {"listen", NO_FLAG, 0, 0, NO_FLAG},
    {"threads", offsetof(struct vf_conf, threads), 1, CONF_UINT_MAX, NO_FLAG},
    {"rate_burst", offsetof(struct vf_conf, rate_burst), 1, CONF_UINT_MAX, NO_FLAG},
    {"rate_per_minute", offsetof(struct vf_conf, rate_per_min), 1, CONF_UINT_MAX, NO_FLAG},
    {"qr_cache", offsetof(struct vf_conf, qr_cache), 0, CONF_UINT_MAX,
     offsetof(struct vf_conf, qr_cache_set)},
    {"qr_svg_cache", offsetof(struct vf_conf, qr_svg_cache), 1, VF_QRSVG_SLOTS_MAX, NO_FLAG},
    {"lookups_per_minute", LIMIT(lookups_per_minute), 1, CONF_UINT_MAX, NO_FLAG},
    {"lookups_per_day", LIMIT(lookups_per_day), 1, CONF_UINT_MAX, NO_FLAG},
    {"not_found_per_minute", LIMIT(not_found_per_minute), 0, CONF_UINT_MAX, NO_FLAG},
    {"request_deadline_seconds", LIMIT(request_deadline_s), 1, CONF_UINT_MAX, NO_FLAG},
    {"connections_per_address", LIMIT(connections_per_address), 1, CONF_UINT_MAX, NO_FLAG},
    {"max_connections", LIMIT(max_connections), 8, CONF_UINT_MAX, NO_FLAG},
};

/*
 * A listen address key ("listen", "operator_listen"): a non-empty string that
 * fits dst (size bytes), copied there. Returns 0, or VERIFIER_E_INVAL with err
 * naming the key and the form it must have (form, e.g. "HOST:PORT").
 */
static int conf_address(char *dst, size_t size, const char *key, const char *form, json_t *val,
                        char *err, size_t errlen)
{
    if (!json_is_string(val) || json_string_length(val) == 0 ||
        jp_strf(dst, size, "%s", json_string_value(val)) != 0) {
        jp_errf(err, errlen, "config.json: verifier.%s must be a %s string", key, form);
        return VERIFIER_E_INVAL;
    }
    return 0;
}

/* "operator_listen" ([HOST:]PORT text) and "operator_public" (a boolean). */
static int conf_operator(struct vf_conf *c, const char *key, json_t *val, char *err, size_t errlen)
{
    if (strcmp(key, "operator_public") == 0) {
        if (!json_is_boolean(val)) {
            jp_errf(err, errlen, "config.json: verifier.operator_public must be true or false");
            return VERIFIER_E_INVAL;
        }
        c->operator_public = json_is_true(val);
        return 0;
    }
    return conf_address(c->operator_listen, sizeof c->operator_listen, key, "[HOST:]PORT", val, err,
                        errlen);
}

static int conf_key_set(struct vf_conf *c, const char *key, json_t *val, char *err, size_t errlen)
{
    const struct conf_key *k = NULL;
    char *base = (char *)c;

    if (strcmp(key, "operator_listen") == 0 || strcmp(key, "operator_public") == 0)
        return conf_operator(c, key, val, err, errlen);

    for (size_t i = 0; k == NULL && i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
        if (strcmp(conf_keys[i].name, key) == 0)
            k = &conf_keys[i];
    if (k == NULL) {
        jp_errf(err, errlen, "config.json: verifier.%s is not a known setting", key);
        return VERIFIER_E_INVAL;
    }
    if (k->off == NO_FLAG)
        return conf_address(c->listen, sizeof c->listen, key, "HOST:PORT", val, err, errlen);
    if (!json_is_integer(val) || json_integer_value(val) < k->min ||
        json_integer_value(val) > k->max) {
        jp_errf(err, errlen, "config.json: verifier.%s must be an integer %u-%u", key, k->min,
                k->max);
        return VERIFIER_E_INVAL;
    }
    *(unsigned *)(void *)(base + k->off) = (unsigned)json_integer_value(val);
    if (k->set_off != NO_FLAG)
        *(int *)(void *)(base + k->set_off) = 1;
    return 0;
}

int vf_conf_load(const char *home, struct vf_conf *out, char *err, size_t errlen)
{
    char path[VF_PATH_MAX];
    unsigned char *text = NULL;
    json_t *root = NULL, *obj, *val;
    const char *key;
    size_t len = 0;
    int rc = jp_path_join(path, sizeof(path), home, "config.json");

    memset(out, 0, sizeof(*out));
    vf_limits_conf_defaults(&out->limits);
    if (rc == 0)
        rc = jp_read_file(path, CONF_MAX, &text, &len);
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
        if (rc == 0)
            rc = conf_key_set(out, key, val, err, errlen);
    }
    json_decref(root);
    return rc;
}

int vf_limits_conf_load(const char *home, struct vf_limits_conf *out, char *err, size_t errlen)
{
    struct vf_conf c;
    int rc = vf_conf_load(home, &c, err, errlen);

    *out = c.limits;
    return rc;
}

/*
 * The file's operator listener when the command line gave none: copied into
 * buf; refused (naming the keys) when it is not loopback and neither the file
 * nor --operator-public allows that. Returns 0 or VERIFIER_E_INVAL.
 */
static int conf_apply_operator(const struct vf_conf *c, struct verifier_opts *o, char *buf,
                               size_t buflen, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    char why[256];

    o->operator_public = o->operator_public || c->operator_public;
    if (o->operator_listen != NULL || c->operator_listen[0] == '\0')
        return 0;
    if (jp_strf(buf, buflen, "%s", c->operator_listen) != 0) {
        jp_errf(err, errlen, "config.json: verifier.operator_listen is too long");
        return VERIFIER_E_INVAL;
    }
    if (jp_parse_listen(buf, "127.0.0.1", &ss, why, sizeof why) != 0) {
        jp_errf(err, errlen, "config.json: verifier.operator_%s", why);
        return VERIFIER_E_INVAL;
    }
    if (!o->operator_public && !jp_addr_is_loopback(&ss)) {
        jp_errf(err, errlen,
                "config.json: verifier.operator_listen %s is not a loopback address and the "
                "dashboard has no authentication; set verifier.operator_public to true (or give "
                "--operator-public) to serve it there anyway",
                buf);
        return VERIFIER_E_INVAL;
    }
    o->operator_listen = buf;
    return 0;
}

int verifier_conf_apply(const char *home, struct verifier_opts *o, char *listen, size_t listenlen,
                        char *oplisten, size_t oplistenlen, char *err, size_t errlen)
{
    struct vf_conf c;
    int rc = vf_conf_load(home, &c, err, errlen);

    if (rc == ENOENT)
        return 0; /* no home yet: verifier_start says so */
    if (rc == 0 && o->listen == NULL && c.listen[0] != '\0') {
        rc = jp_strf(listen, listenlen, "%s", c.listen) == 0 ? 0 : VERIFIER_E_INVAL;
        if (rc != 0)
            jp_errf(err, errlen, "config.json: verifier.listen is too long");
        o->listen = rc == 0 ? listen : NULL;
    }
    if (rc != 0)
        return rc;
    o->threads = o->threads != 0 ? o->threads : c.threads;
    o->rate_burst = o->rate_burst != 0 ? o->rate_burst : c.rate_burst;
    o->rate_per_min = o->rate_per_min != 0 ? o->rate_per_min : c.rate_per_min;
    o->qr_svg_cache = o->qr_svg_cache != 0 ? o->qr_svg_cache : c.qr_svg_cache;
    if (!o->qr_cache_set && c.qr_cache_set) {
        o->qr_cache = c.qr_cache;
        o->qr_cache_set = 1;
    }
    return conf_apply_operator(&c, o, oplisten, oplistenlen, err, errlen);
}
