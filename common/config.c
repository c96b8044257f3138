/*
 * config.c - HOME/config.json through Jansson, and the TSV code tables it is
 * seeded from.
 */
#include "config.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define CONFIG_MAX_BYTES (1 << 20)

int jp_home_path(const char *home, const char *name, char *out)
{
    return jp_path_join(out, JP_HOME_PATH_MAX, home, name);
}

int jp_home_resolve(const char *flag, char *out, size_t outsz)
{
    const char *h = flag;
    int n;

    if (h == NULL || *h == '\0')
        h = getenv("JIANPEI_HOME");
    if (h == NULL || *h == '\0')
        h = "./jianpei-home";
    n = snprintf(out, outsz, "%s", h);
    if (n < 0 || (size_t)n >= outsz)
        return ENAMETOOLONG;
    return 0;
}

static int copy_str(char *dst, size_t dstsz, json_t *obj, const char *key, const char *file,
                    char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    const char *s;

    if (!json_is_string(v)) {
        snprintf(err, errlen, "%s: field %s is missing or not a string", file, key);
        return EINVAL;
    }
    s = json_string_value(v);
    if (strlen(s) >= dstsz) {
        snprintf(err, errlen, "%s: field %s is longer than %zu bytes", file, key, dstsz - 1);
        return EINVAL;
    }
    strcpy(dst, s);
    return 0;
}

static int load_table(struct jp_code_name *out, size_t *n, json_t *obj, const char *key,
                      const char *file, char *err, size_t errlen)
{
    json_t *t = json_object_get(obj, key);
    const char *code;
    json_t *name;

    *n = 0;
    if (!json_is_object(t)) {
        snprintf(err, errlen, "%s: field %s is missing or not an object", file, key);
        return EINVAL;
    }
    json_object_foreach(t, code, name)
    {
        if (*n >= JP_CONFIG_MAX_CODES || strlen(code) != 2 || !json_is_string(name) ||
            strlen(json_string_value(name)) >= sizeof out->name) {
            snprintf(err, errlen, "%s: %s: entry %zu is malformed", file, key, *n + 1);
            return EINVAL;
        }
        strcpy(out[*n].code, code);
        strcpy(out[*n].name, json_string_value(name));
        (*n)++;
    }
    return 0;
}

/* tsa_timeout_ms, optional: 100..600000 milliseconds. */
static int load_tsa_timeout(json_t *root, struct jp_config *c, const char *file, char *err,
                            size_t errlen)
{
    json_t *v = json_object_get(root, "tsa_timeout_ms");

    c->tsa_timeout_ms = 0;
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 600000) {
        snprintf(err, errlen,
                 "%s: tsa_timeout_ms is not a whole number of milliseconds in "
                 "100-600000",
                 file);
        return EINVAL;
    }
    c->tsa_timeout_ms = (long)json_integer_value(v);
    return 0;
}

/* The optional fields of SPEC §13: tsa_url (string), crl_days (1..366), tsa_timeout_ms. */
static int load_longterm(json_t *root, struct jp_config *c, const char *file, char *err,
                         size_t errlen)
{
    json_t *v = json_object_get(root, "crl_days");

    c->tsa_url[0] = '\0';
    c->crl_days = 0;
    if (v != NULL &&
        (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 366)) {
        snprintf(err, errlen, "%s: crl_days is not a whole number of days in 1-366", file);
        return EINVAL;
    }
    if (v != NULL)
        c->crl_days = (int)json_integer_value(v);
    if (load_tsa_timeout(root, c, file, err, errlen) != 0)
        return EINVAL;
    if (json_object_get(root, "tsa_url") == NULL)
        return 0;
    return copy_str(c->tsa_url, sizeof c->tsa_url, root, "tsa_url", file, err, errlen);
}

static int config_from_json(json_t *root, struct jp_config *c, const char *file, char *err,
                            size_t errlen)
{
    json_t *v;
    int rc;

    v = json_object_get(root, "format");
    if (!json_is_integer(v) || json_integer_value(v) != JP_CONFIG_FORMAT) {
        snprintf(err, errlen, "%s: format is not %d (written by another version?)", file,
                 JP_CONFIG_FORMAT);
        return EINVAL;
    }
    c->format = JP_CONFIG_FORMAT;
    rc = copy_str(c->province, sizeof c->province, root, "province", file, err, errlen);
    if (rc == 0)
        rc = copy_str(c->province_name, sizeof c->province_name, root, "province_name", file, err,
                      errlen);
    if (rc == 0)
        rc = copy_str(c->authority, sizeof c->authority, root, "authority", file, err, errlen);
    if (rc == 0)
        rc = copy_str(c->authority_uscc, sizeof c->authority_uscc, root, "authority_uscc", file,
                      err, errlen);
    if (rc == 0)
        rc = copy_str(c->public_url, sizeof c->public_url, root, "public_url", file, err, errlen);
    if (rc == 0)
        rc = copy_str(c->elicence_type_code, sizeof c->elicence_type_code, root,
                      "elicence_type_code", file, err, errlen);
    if (rc != 0)
        return rc;
    v = json_object_get(root, "pass_mark");
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100) {
        snprintf(err, errlen, "%s: pass_mark is missing or not a number in 0-100", file);
        return EINVAL;
    }
    c->pass_mark_tenths = (int)(json_number_value(v) * 10 + 0.5);
    rc = load_table(c->positions, &c->npositions, root, "positions", file, err, errlen);
    if (rc == 0)
        rc = load_table(c->cities, &c->ncities, root, "cities", file, err, errlen);
    if (rc == 0)
        rc = load_longterm(root, c, file, err, errlen);
    return rc;
}

int jp_config_load(const char *home, struct jp_config *out, char *err, size_t errlen)
{
    char path[4096];
    unsigned char *text = NULL;
    size_t len;
    json_t *root = NULL;
    json_error_t jerr;
    int rc;

    memset(out, 0, sizeof *out);
    rc = jp_path_join(path, sizeof path, home, JP_HOME_CONFIG);
    if (rc != 0) {
        snprintf(err, errlen, "home path is too long");
        return rc;
    }
    rc = jp_read_file(path, CONFIG_MAX_BYTES, &text, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read %s: %s%s", path, strerror(rc),
                 rc == ENOENT ? " (run `jianpei-issuer init` first)" : "");
        return rc;
    }
    root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL || !json_is_object(root)) {
        snprintf(err, errlen, "%s:%d: %s", path, jerr.line,
                 root == NULL ? jerr.text : "not a JSON object");
        rc = EINVAL;
        goto out_free_text;
    }
    rc = config_from_json(root, out, path, err, errlen);
    json_decref(root);
out_free_text:
    free(text);
    return rc;
}

static json_t *table_to_json(const struct jp_code_name *t, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; o != NULL && i < n; i++)
        json_object_set_new(o, t[i].code, json_string(t[i].name));
    return o;
}

int jp_config_save(const char *home, const struct jp_config *c, char *err, size_t errlen)
{
    char path[4096];
    char *text = NULL;
    json_t *root;
    int rc;

    rc = jp_path_join(path, sizeof path, home, JP_HOME_CONFIG);
    if (rc != 0) {
        snprintf(err, errlen, "home path is too long");
        return rc;
    }
    root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:o, s:o}", "format",
                     JP_CONFIG_FORMAT, "province", c->province, "province_name", c->province_name,
                     "authority", c->authority, "authority_uscc", c->authority_uscc, "public_url",
                     c->public_url, "pass_mark", c->pass_mark_tenths / 10.0, "elicence_type_code",
                     c->elicence_type_code, "positions", table_to_json(c->positions, c->npositions),
                     "cities", table_to_json(c->cities, c->ncities));
    if (root != NULL && c->tsa_url[0] != '\0')
        json_object_set_new(root, "tsa_url", json_string(c->tsa_url));
    if (root != NULL && c->crl_days > 0)
        json_object_set_new(root, "crl_days", json_integer(c->crl_days));
    if (root != NULL && c->tsa_timeout_ms > 0)
        json_object_set_new(root, "tsa_timeout_ms", json_integer(c->tsa_timeout_ms));
    if (root != NULL)
        text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        snprintf(err, errlen, "cannot encode configuration: out of memory");
        rc = ENOMEM;
        goto out_decref;
    }
    rc = jp_write_file_atomic(path, text, strlen(text), 0644);
    if (rc != 0)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(rc));
    free(text);
out_decref:
    json_decref(root);
    return rc;
}

static int parse_table_line(char *line, struct jp_code_name *e, const char **why)
{
    char *tab = strchr(line, '\t');

    if (tab == NULL) {
        *why = "expected CODE<TAB>NAME";
        return EINVAL;
    }
    *tab = '\0';
    if (strlen(line) != 2 || line[0] < '0' || line[0] > '9' || line[1] < '0' || line[1] > '9') {
        *why = "code must be two digits";
        return EINVAL;
    }
    if (tab[1] == '\0' || strlen(tab + 1) >= sizeof e->name) {
        *why = "name is empty or too long";
        return EINVAL;
    }
    strcpy(e->code, line);
    strcpy(e->name, tab + 1);
    return 0;
}

int jp_config_read_table(const char *path, struct jp_code_name *out, size_t max, size_t *n,
                         char *err, size_t errlen)
{
    char line[256];
    const char *why = NULL;
    unsigned lineno = 0;
    FILE *f;
    int rc = 0;

    *n = 0;
    f = fopen(path, "re");
    if (f == NULL) {
        rc = errno;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(rc));
        return rc;
    }
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        size_t len = strlen(line);
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f)) {
            why = "line too long";
            rc = EINVAL;
            break;
        }
        if (len == 0 || line[0] == '#')
            continue;
        if (*n >= max) {
            why = "too many entries";
            rc = EINVAL;
            break;
        }
        rc = parse_table_line(line, &out[*n], &why);
        if (rc == 0)
            (*n)++;
    }
    fclose(f);
    if (rc != 0)
        snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
    return rc;
}

static const char *lookup(const struct jp_code_name *t, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return t[i].name;
    return NULL;
}

const char *jp_config_position(const struct jp_config *c, const char *code)
{
    return lookup(c->positions, c->npositions, code);
}

const char *jp_config_city(const struct jp_config *c, const char *code)
{
    return lookup(c->cities, c->ncities, code);
}
