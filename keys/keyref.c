/*
 * keyref.c - where a private key lives: the one switch between key files in
 * the key directory and keys inside a PKCS#11 token (p11.c). Everything that
 * makes or loads a private key (the root, the signing keys, a TSA key) goes
 * through keys_key_new() and keys_key_load(), so that the code that signs
 * holds an EVP_PKEY and does not know where its key is.
 */
#include "keys_int.h"

#include <string.h>

#include "util.h"

int keys_in_token(const keys_t *k)
{
    return k->p11_uri[0] != '\0';
}

int keys_key_new(keys_t *k, const char *label, EVP_PKEY **key, char ref[KEYS_REF_MAX], char *err,
                 size_t errlen)
{
    int rc;

    *key = NULL;
    ref[0] = '\0';
    if (!keys_in_token(k)) {
        *key = EVP_EC_gen("P-256");
        if (*key != NULL)
            return 0;
        jp_errf(err, errlen, "%s key: cannot generate", label);
        return keys_with_ossl(KEYS_E_CRYPTO, err, errlen);
    }
    rc = keys_p11_generate(k, label, ref, err, errlen);
    if (rc == 0)
        rc = keys_p11_load(k, ref, key, err, errlen);
    if (rc != 0 && ref[0] != '\0') {
        keys_p11_destroy(k, ref);
        ref[0] = '\0';
    }
    return rc;
}

int keys_key_load(keys_t *k, const char *ref, const unsigned char *pass, size_t passlen,
                  EVP_PKEY **key, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int rc;

    *key = NULL;
    if (keys_in_token(k))
        return keys_p11_load(k, ref, key, err, errlen);
    rc = jp_path_join(path, sizeof path, k->dir, ref);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: path too long", k->dir);
        return keys_with_ossl(rc, err, errlen);
    }
    return keys_read_key(path, k->encrypted, pass, passlen, key, err, errlen);
}

void keys_key_discard(const keys_t *k, const char *ref)
{
    if (keys_in_token(k) && ref != NULL && ref[0] != '\0')
        keys_p11_destroy(k, ref);
}
