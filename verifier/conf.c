/*
 * conf.c - the daemon's own settings in the "verifier" object of HOME/config.json,
 * beside its command-line options (an option given wins): "listen" (HOST:PORT),
 * "threads", "rate_burst" and "rate_per_minute". The limits in the same object are
 * limits.c's; each side skips the other's keys (verifier_conf_is_daemon_key).
 */
#include "verifier.h"
#include "verifier_int.h"

#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX (1u << 20)

static const char *const daemon_keys[] = {"listen", "threads", "rate_burst", "rate_per_minute"};

int verifier_conf_is_daemon_key(const char *key)
{
    size_t i;

    for (i = 0; i < sizeof(daemon_keys) / sizeof(daemon_keys[0]); i++)
        if (strcmp(key, daemon_keys[i]) == 0)
            return 1;
    return 0;
}

static int conf_uint(json_t *obj, const char *key, unsigned *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || *out != 0)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
        jp_errf(err, errlen, "config.json: verifier.%s must be an integer 1-1000000", key);
        return VERIFIER_E_INVAL;
    }
    *out = (unsigned)json_integer_value(v);
    return 0;
}

static int conf_listen(json_t *obj, struct verifier_opts *o, char *buf, size_t buflen, char *err,
                       size_t errlen)
{
    json_t *v = json_object_get(obj, "listen");

    if (v == NULL || o->listen != NULL)
        return 0;
    if (!json_is_string(v) || jp_strf(buf, buflen, "%s", json_string_value(v)) != 0) {
        jp_errf(err, errlen, "config.json: verifier.listen must be a HOST:PORT string");
        return VERIFIER_E_INVAL;
    }
    o->listen = buf;
    return 0;
}

int verifier_conf_apply(const char *home, struct verifier_opts *o, char *listen, size_t listenlen,
                        char *err, size_t errlen)
{
    char path[VF_PATH_MAX];
    unsigned char *text = NULL;
    json_t *root = NULL, *obj;
    size_t len = 0;
    int rc = jp_path_join(path, sizeof(path), home, "config.json");

    if (rc == 0)
        rc = jp_read_file(path, CONF_MAX, &text, &len);
    if (rc == ENOENT)
        return 0; /* no home yet: verifier_start says so */
    if (rc != 0) {
        jp_errf(err, errlen, "cannot read %s: %s", path, strerror(rc));
        return rc;
    }
    root = json_loadb((const char *)text, len, 0, NULL);
    free(text);
    obj = json_object_get(root, "verifier");
    if (json_is_object(obj)) {
        rc = conf_listen(obj, o, listen, listenlen, err, errlen);
        if (rc == 0)
            rc = conf_uint(obj, "threads", &o->threads, err, errlen);
        if (rc == 0)
            rc = conf_uint(obj, "rate_burst", &o->rate_burst, err, errlen);
        if (rc == 0)
            rc = conf_uint(obj, "rate_per_minute", &o->rate_per_min, err, errlen);
    }
    json_decref(root);
    return rc;
}
