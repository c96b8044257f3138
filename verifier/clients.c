/*
 * clients.c - the registry of other provinces' clients (HOME/clients.json,
 * mode 0600) and the JIANPEI-HMAC-SHA256 request authentication of SPEC §8.
 *
 * File: {"version":1,"clients":[{"id":"…","secret":"<64 hex>","created":"…Z"}]};
 * an entry may add "scope": absent for other provinces, "replica", or
 * "institution" with "institution":"CODE" beside it (client_scope_parse).
 * The secret's printed text is the HMAC key. Secrets are wiped when a registry
 * is freed and never appear in a message. Comparisons are constant-time, and
 * an unknown client costs the same HMAC as a known one.
 */
#include "verifier_int.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENTS_FILE_MAX (256u * 1024)

int vf_client_id_ok(const char *id)
{
    size_t i, n = strlen(id);

    if (n == 0 || n > VERIFIER_CLIENT_ID_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char ch = id[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == '-';

        if (!ok)
            return 0;
    }
    return 1;
}

void vf_clients_free(struct vf_clients *c)
{
    if (c == NULL)
        return;
    jp_free_secret(c->list, c->n * sizeof(*c->list));
    c->list = NULL;
    c->n = 0;
}

static int secret_ok(const char *s)
{
    size_t i;

    if (strlen(s) != VERIFIER_SECRET_LEN)
        return 0;
    for (i = 0; i < VERIFIER_SECRET_LEN; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return 1;
}

int vf_institution_code_ok(const char *code)
{
    size_t n = strlen(code);

    if (n == 0 || n > VERIFIER_INSTITUTION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = code[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-'))
            return 0;
    }
    return 1;
}

/* The "scope" of entry e (and "institution" for an institution's client) into *out. */
static int client_scope_parse(json_t *e, struct vf_client *out)
{
    json_t *sc = json_object_get(e, "scope");
    const char *inst = json_string_value(json_object_get(e, "institution"));
    const char *name = json_string_value(sc);

    out->scope = VF_SCOPE_PROVINCE;
    out->institution[0] = '\0';
    if (sc == NULL)
        return inst == NULL ? 0 : VERIFIER_E_CLIENTS;
    if (name != NULL && strcmp(name, "replica") == 0 && inst == NULL) {
        out->scope = VF_SCOPE_REPLICA;
        return 0;
    }
    if (name == NULL || strcmp(name, "institution") != 0 || inst == NULL ||
        !vf_institution_code_ok(inst))
        return VERIFIER_E_CLIENTS;
    out->scope = VF_SCOPE_INSTITUTION;
    memcpy(out->institution, inst, strlen(inst) + 1);
    return 0;
}

static int clients_parse(json_t *root, struct vf_clients *out)
{
    json_t *arr = json_object_get(root, "clients");
    size_t i, n;

    if (!json_is_array(arr) || json_array_size(arr) > VERIFIER_MAX_CLIENTS)
        return VERIFIER_E_CLIENTS;
    n = json_array_size(arr);
    out->list = calloc(n ? n : 1, sizeof(*out->list));
    if (out->list == NULL)
        return ENOMEM;
    for (i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *id = json_string_value(json_object_get(e, "id"));
        const char *sec = json_string_value(json_object_get(e, "secret"));
        const char *created;

        if (id == NULL || sec == NULL || !vf_client_id_ok(id) || !secret_ok(sec) ||
            client_scope_parse(e, &out->list[i]) != 0)
            return VERIFIER_E_CLIENTS;
        memcpy(out->list[i].id, id, strlen(id) + 1);
        memcpy(out->list[i].secret, sec, VERIFIER_SECRET_LEN + 1);
        created = json_string_value(json_object_get(e, "created"));
        if (created != NULL && strlen(created) < sizeof(out->list[i].created))
            memcpy(out->list[i].created, created, strlen(created) + 1);
        out->n++;
    }
    return 0;
}

int vf_clients_load(const char *home, struct vf_clients *out, char *err, size_t errlen)
{
    char path[VF_PATH_MAX];
    unsigned char *text = NULL;
    size_t len = 0;
    json_t *root = NULL;
    json_error_t jerr;
    int rc;

    out->list = NULL;
    out->n = 0;
    rc = jp_path_join(path, sizeof(path), home, JP_HOME_CLIENTS);
    if (rc != 0)
        goto out;
    rc = jp_read_file(path, CLIENTS_FILE_MAX, &text, &len);
    if (rc == ENOENT) {
        rc = 0;
        goto out;
    }
    if (rc != 0) {
        jp_errf(err, errlen, "cannot read %s: %s", path, strerror(rc));
        goto out;
    }
    root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        jp_errf(err, errlen, "%s: line %d: %s", path, jerr.line, jerr.text);
        rc = VERIFIER_E_CLIENTS;
        goto out_wipe;
    }
    rc = clients_parse(root, out);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: malformed client entry", path);
        vf_clients_free(out);
    }
    json_decref(root);
out_wipe:
    jp_free_secret(text, len);
out:
    return rc;
}

/* One entry of the file: id, secret, created, and the scope unless a province's. */
static json_t *client_json(const struct vf_client *k)
{
    if (k->scope == VF_SCOPE_INSTITUTION)
        return json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", k->id, "secret", k->secret, "created",
                         k->created, "scope", "institution", "institution", k->institution);
    if (k->scope == VF_SCOPE_REPLICA)
        return json_pack("{s:s, s:s, s:s, s:s}", "id", k->id, "secret", k->secret, "created",
                         k->created, "scope", "replica");
    return json_pack("{s:s, s:s, s:s}", "id", k->id, "secret", k->secret, "created", k->created);
}

static int clients_write(const char *home, const struct vf_clients *c, char *err, size_t errlen)
{
    char path[VF_PATH_MAX];
    json_t *root = NULL, *arr = NULL;
    char *text = NULL;
    size_t i;
    int rc = ENOMEM;

    rc = jp_path_join(path, sizeof(path), home, JP_HOME_CLIENTS);
    if (rc != 0)
        return rc;
    arr = json_array();
    root = json_pack("{s:i, s:o}", "version", 1, "clients", arr);
    if (root == NULL) {
        rc = ENOMEM;
        goto out;
    }
    for (i = 0; i < c->n; i++) {
        json_t *e = client_json(&c->list[i]);

        if (e == NULL || json_array_append_new(arr, e) != 0) {
            rc = ENOMEM;
            goto out;
        }
    }
    text = json_dumps(root, JSON_INDENT(2));
    if (text == NULL) {
        rc = ENOMEM;
        goto out;
    }
    rc = jp_write_file_atomic(path, text, strlen(text), 0600);
    if (rc != 0)
        jp_errf(err, errlen, "cannot write %s: %s", path, strerror(rc));
    jp_free_secret(text, strlen(text));
out:
    json_decref(root);
    return rc;
}

/* Adds client id of scope (institution: its code, else NULL); see verifier_clients_add. */
static int clients_add(const char *home, const char *id, enum vf_scope scope,
                       const char *institution, char secret[VERIFIER_SECRET_LEN + 1], char *err,
                       size_t errlen)
{
    struct vf_clients c = {0};
    struct vf_client *grown = NULL;
    unsigned char raw[VERIFIER_SECRET_LEN / 2];
    size_t i;
    int rc;

    secret[0] = '\0';
    if (!vf_client_id_ok(id)) {
        jp_errf(err, errlen, "client id must be 1..64 of A-Z a-z 0-9 . _ -");
        return VERIFIER_E_INVAL;
    }
    rc = vf_clients_load(home, &c, err, errlen);
    if (rc != 0)
        return rc;
    for (i = 0; i < c.n; i++) {
        if (strcmp(c.list[i].id, id) == 0) {
            jp_errf(err, errlen, "client %s exists", id);
            rc = VERIFIER_E_EXISTS;
            goto out;
        }
    }
    if (c.n >= VERIFIER_MAX_CLIENTS) {
        jp_errf(err, errlen, "clients: at most %d", VERIFIER_MAX_CLIENTS);
        rc = VERIFIER_E_INVAL;
        goto out;
    }
    grown = calloc(c.n + 1, sizeof(*grown));
    if (grown == NULL) {
        rc = ENOMEM;
        goto out;
    }
    if (c.n > 0)
        memcpy(grown, c.list, c.n * sizeof(*grown));
    vf_clients_free(&c);
    c.list = grown;
    c.n = i + 1;
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        rc = KEYS_E_CRYPTO;
        goto out;
    }
    memcpy(c.list[i].id, id, strlen(id) + 1);
    c.list[i].scope = scope;
    if (institution != NULL)
        memcpy(c.list[i].institution, institution, strlen(institution) + 1);
    vf_time_format((int64_t)time(NULL), c.list[i].created);
    jp_hex_encode(raw, sizeof(raw), c.list[i].secret);
    rc = clients_write(home, &c, err, errlen);
    if (rc == 0)
        memcpy(secret, c.list[i].secret, VERIFIER_SECRET_LEN + 1);
out:
    jp_cleanse(raw, sizeof(raw));
    vf_clients_free(&c);
    return rc;
}

int verifier_clients_add(const char *home, const char *id, char secret[VERIFIER_SECRET_LEN + 1],
                         char *err, size_t errlen)
{
    return clients_add(home, id, VF_SCOPE_PROVINCE, NULL, secret, err, errlen);
}

int verifier_clients_add_institution(const char *home, const char *id, const char *code,
                                     char secret[VERIFIER_SECRET_LEN + 1], char *err, size_t errlen)
{
    secret[0] = '\0';
    if (!vf_institution_code_ok(code)) {
        jp_errf(err, errlen, "--institution: the code must be 1..32 of A-Z a-z 0-9 -");
        return VERIFIER_E_INVAL;
    }
    return clients_add(home, id, VF_SCOPE_INSTITUTION, code, secret, err, errlen);
}

int verifier_clients_add_scoped(const char *home, const char *id, const char *scope,
                                const char *institution, char secret[VERIFIER_SECRET_LEN + 1],
                                char *err, size_t errlen)
{
    if (scope == NULL || strcmp(scope, "province") == 0)
        return institution == NULL ? clients_add(home, id, VF_SCOPE_PROVINCE, NULL, secret, err,
                                                 errlen)
                                   : VERIFIER_E_INVAL;
    if (strcmp(scope, "replica") == 0)
        return institution == NULL ? clients_add(home, id, VF_SCOPE_REPLICA, NULL, secret, err,
                                                 errlen)
                                   : VERIFIER_E_INVAL;
    if (strcmp(scope, "institution") == 0 && institution != NULL)
        return verifier_clients_add_institution(home, id, institution, secret, err, errlen);
    secret[0] = '\0';
    jp_errf(err, errlen, "client scope must be province, replica or institution with a code");
    return VERIFIER_E_INVAL;
}

/* ------------------------------------------------------------ auth */

struct authz_parts {
    char client[VERIFIER_CLIENT_ID_MAX + 1]; /* client= */
    char ts[24];                             /* ts= */
    char sig[65];                            /* sig= */
};

/* Stores value v (n bytes) in the field named by name; EINVAL when unknown, repeated or bad. */
static int authz_store(struct authz_parts *out, unsigned *seen, const char *name, size_t nl,
                       const char *v, size_t n)
{
    static const char *const names[] = {"client", "ts", "sig"};
    char *dst[] = {out->client, out->ts, out->sig};
    size_t cap[] = {sizeof(out->client), sizeof(out->ts), sizeof(out->sig)};
    size_t i;

    for (i = 0; i < 3; i++) {
        if (strlen(names[i]) != nl || strncmp(names[i], name, nl) != 0)
            continue;
        if ((*seen & (1u << i)) != 0 || n == 0 || n >= cap[i])
            return EINVAL;
        *seen |= 1u << i;
        memcpy(dst[i], v, n);
        dst[i][n] = '\0';
        return 0;
    }
    return EINVAL;
}

/*
 * Parses "name=value" parameters separated by ',' (spaces around them
 * ignored). Each of client, ts and sig exactly once; any other name, a
 * repeated one or an empty parameter is EINVAL.
 */
static int authz_fields(const char *p, struct authz_parts *out)
{
    unsigned seen = 0;

    while (*p != '\0') {
        size_t len, nl;
        const char *eq;

        while (*p == ' ')
            p++;
        len = strcspn(p, ",");
        while (len > 0 && p[len - 1] == ' ')
            len--;
        eq = memchr(p, '=', len);
        if (eq == NULL)
            return EINVAL;
        nl = (size_t)(eq - p);
        if (authz_store(out, &seen, p, nl, eq + 1, len - nl - 1) != 0)
            return EINVAL;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return seen == 7u ? 0 : EINVAL;
}

static int authz_parse(const char *authz, struct authz_parts *out)
{
    static const char scheme[] = "JIANPEI-HMAC-SHA256 ";

    if (authz == NULL || strlen(authz) > 512 || strncmp(authz, scheme, sizeof(scheme) - 1) != 0)
        return EINVAL;
    return authz_fields(authz + sizeof(scheme) - 1, out);
}

static int parse_ts(const char *s, int64_t *out)
{
    int64_t v = 0;
    size_t i, n = strlen(s);

    if (n == 0 || n > 12)
        return EINVAL;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

struct qparam {
    const char *p; /* first byte, inside the query */
    size_t len;    /* bytes up to the next '&' or the end */
    size_t nl;     /* bytes of the name (up to '=' or len) */
};

/* By name, then by the whole parameter: a total order, so duplicates sort alike everywhere. */
static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    size_t n = x->nl < y->nl ? x->nl : y->nl;
    int c = memcmp(x->p, y->p, n);

    if (c == 0 && x->nl != y->nl)
        return x->nl < y->nl ? -1 : 1;
    if (c != 0)
        return c;
    n = x->len < y->len ? x->len : y->len;
    c = memcmp(x->p, y->p, n);
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

int vf_query_canonical(const char *query, struct jp_buf *out)
{
    struct qparam q[VF_QUERY_PARAMS_MAX];
    size_t n = 0, i;
    const char *p = query;
    int rc = 0;

    if (query == NULL || query[0] == '\0')
        return 0;
    for (;;) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);

        if (n == VF_QUERY_PARAMS_MAX)
            return EINVAL;
        q[n].p = p;
        q[n].len = len;
        q[n].nl = eq != NULL ? (size_t)(eq - p) : len;
        n++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    qsort(q, n, sizeof(q[0]), qparam_cmp);
    for (i = 0; rc == 0 && i < n; i++) {
        rc = jp_buf_append(out, i == 0 ? "?" : "&", 1);
        if (rc == 0)
            rc = jp_buf_append(out, q[i].p, q[i].len);
    }
    return rc;
}

/* HMAC-SHA256(secret, METHOD \n PATH[?canonical query] \n ts \n hex(SHA-256(body))) into mac[32].
 */
int vf_auth_mac(const char *secret, const char *method, const char *path, const char *query,
                    const char *ts, const void *body, size_t len, unsigned char mac[32])
{
    unsigned char digest[32];
    char digest_hex[65];
    struct jp_buf msg;
    unsigned int maclen = 0;
    int rc;

    jp_buf_init(&msg, 2 * VF_PATH_MAX + 256);
    if (EVP_Digest(body, len, digest, NULL, EVP_sha256(), NULL) != 1)
        return KEYS_E_CRYPTO;
    jp_hex_encode(digest, sizeof(digest), digest_hex);
    rc = jp_buf_printf(&msg, "%s\n%s", method, path);
    if (rc == 0)
        rc = vf_query_canonical(query, &msg);
    if (rc == 0)
        rc = jp_buf_printf(&msg, "\n%s\n%s", ts, digest_hex);
    if (rc == 0 &&
        HMAC(EVP_sha256(), secret, (int)strlen(secret), msg.data, msg.len, mac, &maclen) == NULL)
        rc = KEYS_E_CRYPTO;
    jp_buf_free(&msg);
    return rc;
}

/*
 * vf_auth_check that also copies the authentic client into *who, when not
 * NULL: its secret wiped unless keep_secret (the replication feed signs its
 * pages with it).
 */
static int auth_who(const struct vf_clients *c, const char *method, const char *path,
                    const char *query, const char *authz, const void *body, size_t len, int64_t now,
                    struct vf_client *who, int keep_secret, char *why, size_t whylen)
{
    const struct vf_client *found = NULL;
    static const char dummy[VERIFIER_SECRET_LEN + 1] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    struct authz_parts a;
    const char *secret = dummy;
    unsigned char mac[32], sig[32];
    int64_t ts = 0;
    int known = 0, rc;
    size_t i;

    if (authz_parse(authz, &a) != 0 || parse_ts(a.ts, &ts) != 0 || strlen(a.sig) != 64 ||
        jp_hex_decode(a.sig, sig, sizeof(sig)) != 0) {
        jp_errf(why, whylen, "authorization: expected JIANPEI-HMAC-SHA256 client=, ts=, sig=");
        return EACCES;
    }
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->list[i].id, a.client) == 0) {
            secret = c->list[i].secret;
            found = &c->list[i];
            known = 1;
        }
    }
    rc = vf_auth_mac(secret, method, path, query, a.ts, body, len, mac);
    if (rc != 0 || !known || CRYPTO_memcmp(mac, sig, sizeof(mac)) != 0) {
        jp_errf(why, whylen, "authorization: unknown client or wrong signature");
        return EACCES;
    }
    if (ts > now + VERIFIER_TS_SKEW || ts < now - VERIFIER_TS_SKEW) {
        jp_errf(why, whylen, "authorization: ts is more than %d s off", VERIFIER_TS_SKEW);
        return EACCES;
    }
    if (who != NULL) {
        *who = *found;
        if (!keep_secret)
            jp_cleanse(who->secret, sizeof(who->secret));
    }
    return 0;
}

int vf_auth_check(const struct vf_clients *c, const char *method, const char *path,
                  const char *query, const char *authz, const void *body, size_t len, int64_t now,
                  char *why, size_t whylen)
{
    return auth_who(c, method, path, query, authz, body, len, now, NULL, 0, why, whylen);
}

int vf_auth_check_client(const struct vf_clients *c, const char *method, const char *path,
                         const char *query, const char *authz, const void *body, size_t len,
                         int64_t now, struct vf_client *who, char *why, size_t whylen)
{
    int rc;

    memset(who, 0, sizeof *who);
    rc = auth_who(c, method, path, query, authz, body, len, now, who, 1, why, whylen);
    if (rc != 0)
        memset(who, 0, sizeof *who);
    return rc;
}

int vf_auth_call(struct verifier *v, const struct vf_call *c, struct vf_client *who, char *why,
                 size_t whylen)
{
    int rc;

    pthread_rwlock_rdlock(&v->lock);
    rc = auth_who(&v->clients, c->method, c->path, c->query, c->authz, c->body, c->len,
                  (int64_t)time(NULL), who, 0, why, whylen);
    pthread_rwlock_unlock(&v->lock);
    return rc;
}
