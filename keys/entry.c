/*
 * entry.c - one signing key's record, ECDSA or SM2 alike: its reader and
 * writer for keys.json ({"kid", "certificate", "key", "state", "created",
 * "changed"?}, the same in "keys" and in "sm2"."keys"), the check of its
 * certificate against its issuer, and the one active key of a list. The
 * file names each hierarchy allows are its caller's to check (keys.c,
 * sm2_state.c).
 */
#include "keys_int.h"

#include <string.h>

#include <jansson.h>

#include "util.h"

static int copy_str(char *dst, size_t dstsz, const char *src)
{
    return jp_strf(dst, dstsz, "%s", src) == 0;
}

int keys_entry_parse(struct json_t *j, struct keys_entry *e)
{
    const char *kid, *certf, *keyf, *state, *created, *changed = NULL;

    memset(e, 0, sizeof *e);
    if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:s, s?s}", "kid", &kid, "certificate", &certf, "key",
                    &keyf, "state", &state, "created", &created, "changed", &changed) != 0 ||
        strlen(kid) != 16 || jp_hex_decode(kid, e->kid, KEYS_KID_LEN) != 0 ||
        keys_state_parse(state, &e->state) != 0 ||
        !copy_str(e->cert_file, sizeof e->cert_file, certf) ||
        !copy_str(e->key_ref, sizeof e->key_ref, keyf) ||
        !copy_str(e->created, sizeof e->created, created) ||
        (changed != NULL && !copy_str(e->changed, sizeof e->changed, changed))) {
        memset(e, 0, sizeof *e);
        return KEYS_E_STATE;
    }
    jp_hex_encode(e->kid, KEYS_KID_LEN, e->kid_hex);
    return 0;
}

struct json_t *keys_entry_json(const struct keys_entry *e)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s*}", "kid", e->kid_hex, "certificate",
                     e->cert_file, "key", e->key_ref, "state", keys_state_name(e->state), "created",
                     e->created, "changed", e->changed[0] != '\0' ? e->changed : NULL);
}

/* Sets e's kid from e->cert when e has none yet, else checks that they agree. */
static int kid_check(struct keys_entry *e, const char *path, char *err, size_t errlen)
{
    unsigned char got[KEYS_KID_LEN];

    if (keys_kid_of(e->cert, got) != 0 ||
        (e->kid_hex[0] != '\0' && memcmp(got, e->kid, KEYS_KID_LEN) != 0)) {
        jp_errf(err, errlen, "%s: kid does not match the certificate", path);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    memcpy(e->kid, got, KEYS_KID_LEN);
    jp_hex_encode(e->kid, KEYS_KID_LEN, e->kid_hex);
    return 0;
}

int keys_entry_load_cert(const keys_t *k, struct keys_entry *e, X509 *issuer, keys_issued_fn issued,
                         const char *issuer_name, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int rc = jp_path_join(path, sizeof path, k->dir, e->cert_file);

    if (rc != 0) {
        jp_errf(err, errlen, "%s: path too long", k->dir);
        return keys_with_ossl(rc, err, errlen);
    }
    rc = keys_read_cert(path, &e->cert, err, errlen);
    if (rc == 0)
        rc = kid_check(e, path, err, errlen);
    if (rc == 0 && issued(e->cert, issuer) != 1) {
        jp_errf(err, errlen, "%s: not issued by %s", path, issuer_name);
        rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    return rc;
}

int keys_ecdsa_issued(X509 *cert, X509 *issuer)
{
    EVP_PKEY *pub = X509_get0_pubkey(issuer);

    return pub != NULL && X509_verify(cert, pub) == 1;
}

size_t keys_entries_find(const struct keys_entry *e, size_t n,
                         const unsigned char kid[KEYS_KID_LEN])
{
    size_t i;

    for (i = 0; i < n && memcmp(e[i].kid, kid, KEYS_KID_LEN) != 0; i++)
        ;
    return i;
}

size_t keys_entries_active(const struct keys_entry *e, size_t n)
{
    size_t i;

    for (i = 0; i < n && e[i].state != KEYS_ACTIVE; i++)
        ;
    return i;
}

int keys_entries_one_active(const struct keys_entry *e, size_t n)
{
    size_t active = 0;

    for (size_t i = 0; i < n; i++)
        active += e[i].state == KEYS_ACTIVE;
    return active <= 1;
}

size_t keys_entries_retire(struct keys_entry *e, size_t n)
{
    size_t i = keys_entries_active(e, n);

    if (i < n) {
        e[i].state = KEYS_RETIRED;
        keys_now_iso(e[i].changed);
    }
    return i;
}

void keys_entries_unretire(struct keys_entry *e, size_t n, size_t i)
{
    if (i < n) {
        e[i].state = KEYS_ACTIVE;
        e[i].changed[0] = '\0';
    }
}
