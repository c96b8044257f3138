/*
 * p11.c - private keys in a PKCS#11 token (SPEC §13, issue 17). Two halves:
 * a minimal PKCS#11 client on the module's own function list, for what
 * OpenSSL cannot do through an engine (find the token, check the PIN, make
 * an ECDSA P-256 key pair inside the token - sensitive, never extractable -
 * and destroy it again when the operation that made it fails), and the
 * libp11 engine of OpenSSL 3.0 (libengine-pkcs11-openssl), which turns a
 * key's PKCS#11 URI into an EVP_PKEY that signs inside the token, so that
 * X509_sign, CMS and the token signatures work on it unchanged.
 *
 * Both halves share one module instance of the process: the client calls
 * C_Initialize and accepts CKR_CRYPTOKI_ALREADY_INITIALIZED (libp11 does the
 * same), and never calls C_Finalize, which would pull the engine's sessions
 * from under it; the module stays loaded until the process ends.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API is how OpenSSL 3.0 reaches libp11 */
#include "keys_int.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include "util.h"

#define P11_ID_LEN 16       /* bytes of CKA_ID given to a new key pair */
#define P11_MAX_SLOTS 64    /* slots looked at for the token */
#define P11_MAX_OBJECTS 8   /* objects with one CKA_ID destroyed at most */
#define P11_LABEL_LEN 32    /* CK_TOKEN_INFO label, blank-padded */
#define P11_ENGINE "pkcs11" /* libp11's engine id */

/* DER of the OID prime256v1 (1.2.840.10045.3.1.7), CKA_EC_PARAMS of P-256. */
static const unsigned char p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* An open, logged-in session on the home's token. */
struct p11 {
    CK_FUNCTION_LIST_PTR f;   /* the module's functions (the module's memory) */
    CK_SESSION_HANDLE s;      /* read-write session */
};

/* Decodes one percent-encoded URI attribute value of n bytes into out. */
static int pct_decode(const char *v, size_t n, char *out, size_t outsz)
{
    char hex[3] = "";
    size_t i, o = 0;
    unsigned char b;

    for (i = 0; i < n; i++) {
        if (o + 1 >= outsz)
            return EINVAL;
        if (v[i] != '%') {
            out[o++] = v[i];
            continue;
        }
        if (i + 2 >= n)
            return EINVAL;
        hex[0] = v[i + 1];
        hex[1] = v[i + 2];
        if (jp_hex_decode(hex, &b, 1) != 0 || b == 0)
            return EINVAL;
        out[o++] = (char)b;
        i += 2;
    }
    out[o] = '\0';
    return 0;
}

int keys_p11_uri_check(const char *uri, char token[KEYS_P11_LABEL_MAX], char *err, size_t errlen)
{
    const char *p, *end, *eq;
    int rc = 0;

    token[0] = '\0';
    if (uri == NULL || strncmp(uri, "pkcs11:", 7) != 0 || strlen(uri) >= KEYS_P11_URI_MAX ||
        strchr(uri, '?') != NULL) {
        jp_errf(err, errlen, "pkcs11 uri: must be pkcs11:token=LABEL (no query, under %d bytes)",
                KEYS_P11_URI_MAX);
        return KEYS_E_INVAL;
    }
    for (p = uri + 7; rc == 0 && *p != '\0'; p = *end != '\0' ? end + 1 : end) {
        end = strchr(p, ';');
        if (end == NULL)
            end = p + strlen(p);
        eq = memchr(p, '=', (size_t)(end - p));
        if (eq == NULL) {
            rc = KEYS_E_INVAL;
        } else if ((size_t)(eq - p) == 5 && strncmp(p, "token", 5) == 0) {
            rc = pct_decode(eq + 1, (size_t)(end - eq - 1), token, KEYS_P11_LABEL_MAX);
        } else if (!(((size_t)(eq - p) == 6 && strncmp(p, "serial", 6) == 0) ||
                     ((size_t)(eq - p) == 12 && strncmp(p, "manufacturer", 12) == 0) ||
                     ((size_t)(eq - p) == 5 && strncmp(p, "model", 5) == 0))) {
            rc = KEYS_E_INVAL; /* pin-value, id, object, type: not the user's to give */
        }
    }
    if (rc != 0 || token[0] == '\0') {
        jp_errf(err, errlen,
                "pkcs11 uri: only token=, serial=, manufacturer=, model= (token= required); "
                "the PIN goes in --pin-file or $JIANPEI_PKCS11_PIN");
        rc = KEYS_E_INVAL;
    }
    return rc;
}

int keys_pkcs11_uri_check(const char *uri, char *err, size_t errlen)
{
    char token[KEYS_P11_LABEL_MAX];

    return keys_p11_uri_check(uri, token, err, errlen);
}

/* The module's function list, initialised. */
static int p11_module(const char *module, CK_FUNCTION_LIST_PTR *f, char *err, size_t errlen)
{
    CK_C_GetFunctionList get;
    CK_C_INITIALIZE_ARGS args;
    void *h;
    CK_RV rv;

    h = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        jp_errf(err, errlen, "pkcs11 module %s: cannot load", module);
        return KEYS_E_TOKEN;
    }
    *(void **)&get = dlsym(h, "C_GetFunctionList");
    if (get == NULL || get(f) != CKR_OK) {
        jp_errf(err, errlen, "pkcs11 module %s: no function list", module);
        return KEYS_E_TOKEN; /* the handle stays: the module may be in use already */
    }
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    rv = (*f)->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        jp_errf(err, errlen, "pkcs11 module %s: cannot initialise (0x%lx)", module,
                (unsigned long)rv);
        return KEYS_E_TOKEN;
    }
    return 0;
}

/* 1 when the blank-padded label of the token equals want. */
static int label_is(const CK_UTF8CHAR label[P11_LABEL_LEN], const char *want)
{
    size_t n = strlen(want), i;

    if (n > P11_LABEL_LEN || memcmp(label, want, n) != 0)
        return 0;
    for (i = n; i < P11_LABEL_LEN; i++)
        if (label[i] != ' ')
            return 0;
    return 1;
}

/* The slot whose token has the label token. */
static int p11_find_slot(CK_FUNCTION_LIST_PTR f, const char *token, CK_SLOT_ID *slot, char *err,
                         size_t errlen)
{
    CK_SLOT_ID slots[P11_MAX_SLOTS];
    CK_ULONG n = P11_MAX_SLOTS, i;
    CK_TOKEN_INFO ti;

    if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) {
        jp_errf(err, errlen, "pkcs11: cannot list slots");
        return KEYS_E_TOKEN;
    }
    for (i = 0; i < n; i++) {
        if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && label_is(ti.label, token)) {
            *slot = slots[i];
            return 0;
        }
    }
    jp_errf(err, errlen, "pkcs11: no token labelled %s", token);
    return KEYS_E_TOKEN;
}

/* Opens a read-write session on the home's token and logs the user in. */
static int p11_open(const keys_t *k, struct p11 *p, char *err, size_t errlen)
{
    char token[KEYS_P11_LABEL_MAX];
    CK_SLOT_ID slot = 0;
    CK_RV rv;
    int rc;

    p->f = NULL;
    rc = keys_p11_uri_check(k->p11_uri, token, err, errlen);
    if (rc == 0)
        rc = p11_module(k->p11_module, &p->f, err, errlen);
    if (rc == 0)
        rc = p11_find_slot(p->f, token, &slot, err, errlen);
    if (rc != 0)
        return rc;
    if (k->pinlen == 0) {
        jp_errf(err, errlen, "pkcs11 token %s: PIN needed (--pin-file or $JIANPEI_PKCS11_PIN)",
                token);
        return KEYS_E_PASSPHRASE_NEEDED;
    }
    rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &p->s);
    if (rv != CKR_OK) {
        jp_errf(err, errlen, "pkcs11 token %s: cannot open a session (0x%lx)", token,
                (unsigned long)rv);
        return KEYS_E_TOKEN;
    }
    rv = p->f->C_Login(p->s, CKU_USER, (CK_UTF8CHAR_PTR)k->pin, (CK_ULONG)k->pinlen);
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
        return 0;
    p->f->C_CloseSession(p->s);
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID) {
        jp_errf(err, errlen, "pkcs11 token %s: wrong PIN", token);
        return KEYS_E_BAD_PASSPHRASE;
    }
    jp_errf(err, errlen, "pkcs11 token %s: cannot log in (0x%lx%s)", token, (unsigned long)rv,
            rv == CKR_PIN_LOCKED ? ", PIN locked" : "");
    return KEYS_E_TOKEN;
}

static void p11_close(struct p11 *p)
{
    if (p->f != NULL)
        p->f->C_CloseSession(p->s);
    p->f = NULL;
}

int keys_p11_login(const keys_t *k, char *err, size_t errlen)
{
    struct p11 p;
    int rc = p11_open(k, &p, err, errlen);

    if (rc == 0)
        p11_close(&p);
    return rc;
}

/* The URI of the private key with CKA_ID id: the home's token URI, id and type. */
static int ref_of(const keys_t *k, const unsigned char id[P11_ID_LEN], char ref[KEYS_REF_MAX])
{
    char pct[P11_ID_LEN * 3 + 1], hex[3];
    size_t i;

    for (i = 0; i < P11_ID_LEN; i++) {
        jp_hex_encode(&id[i], 1, hex);
        pct[3 * i] = '%';
        pct[3 * i + 1] = hex[0];
        pct[3 * i + 2] = hex[1];
    }
    pct[3 * P11_ID_LEN] = '\0';
    return jp_strf(ref, KEYS_REF_MAX, "%s;id=%s;type=private", k->p11_uri, pct);
}

/* The CKA_ID in a reference made by ref_of. */
static int id_of(const char *ref, unsigned char id[P11_ID_LEN])
{
    const char *p = strstr(ref, ";id=");
    char hex[3] = "";
    size_t i;

    if (p == NULL)
        return KEYS_E_STATE;
    p += 4;
    for (i = 0; i < P11_ID_LEN; i++, p += 3) {
        if (p[0] != '%' || p[1] == '\0' || p[2] == '\0')
            return KEYS_E_STATE;
        hex[0] = p[1];
        hex[1] = p[2];
        if (jp_hex_decode(hex, &id[i], 1) != 0)
            return KEYS_E_STATE;
    }
    return 0;
}

int keys_p11_generate(const keys_t *k, const char *label, char ref[KEYS_REF_MAX], char *err,
                      size_t errlen)
{
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_OBJECT_HANDLE pub, priv;
    unsigned char id[P11_ID_LEN];
    struct p11 p;
    CK_RV rv;
    int rc;

    if (RAND_bytes(id, sizeof id) != 1 || ref_of(k, id, ref) != 0) {
        jp_errf(err, errlen, "pkcs11: cannot name a new key");
        return KEYS_E_CRYPTO;
    }
    {
        CK_ATTRIBUTE pub_t[] = {
            {CKA_TOKEN, &yes, sizeof yes},
            {CKA_VERIFY, &yes, sizeof yes},
            {CKA_ENCRYPT, &no, sizeof no},
            {CKA_WRAP, &no, sizeof no},
            {CKA_EC_PARAMS, (void *)p256_oid, sizeof p256_oid},
            {CKA_ID, id, sizeof id},
            {CKA_LABEL, (void *)label, strlen(label)},
        };
        CK_ATTRIBUTE priv_t[] = {
            {CKA_TOKEN, &yes, sizeof yes},
            {CKA_PRIVATE, &yes, sizeof yes},
            {CKA_SENSITIVE, &yes, sizeof yes},
            {CKA_EXTRACTABLE, &no, sizeof no},
            {CKA_SIGN, &yes, sizeof yes},
            {CKA_DECRYPT, &no, sizeof no},
            {CKA_UNWRAP, &no, sizeof no},
            {CKA_DERIVE, &no, sizeof no},
            {CKA_ID, id, sizeof id},
            {CKA_LABEL, (void *)label, strlen(label)},
        };

        rc = p11_open(k, &p, err, errlen);
        if (rc != 0)
            return rc;
        rv = p.f->C_GenerateKeyPair(p.s, &mech, pub_t, sizeof pub_t / sizeof pub_t[0], priv_t,
                                    sizeof priv_t / sizeof priv_t[0], &pub, &priv);
    }
    p11_close(&p);
    if (rv != CKR_OK) {
        jp_errf(err, errlen, "pkcs11: cannot generate the %s key in the token (0x%lx)", label,
                (unsigned long)rv);
        return KEYS_E_TOKEN;
    }
    return 0;
}

void keys_p11_destroy(const keys_t *k, const char *ref)
{
    unsigned char id[P11_ID_LEN];
    CK_ATTRIBUTE t[] = {{CKA_ID, id, sizeof id}};
    CK_OBJECT_HANDLE obj[P11_MAX_OBJECTS];
    CK_ULONG n = 0, i;
    struct p11 p;
    char err[256];

    if (ref == NULL || ref[0] == '\0' || id_of(ref, id) != 0 ||
        p11_open(k, &p, err, sizeof err) != 0)
        return;
    if (p.f->C_FindObjectsInit(p.s, t, 1) == CKR_OK) {
        if (p.f->C_FindObjects(p.s, obj, P11_MAX_OBJECTS, &n) != CKR_OK)
            n = 0;
        p.f->C_FindObjectsFinal(p.s);
    }
    for (i = 0; i < n; i++)
        p.f->C_DestroyObject(p.s, obj[i]);
    p11_close(&p);
}

/* A functional reference to libp11's engine on the home's module, kept in k. */
static int p11_engine(keys_t *k, char *err, size_t errlen)
{
    ENGINE *e;

    if (k->engine != NULL)
        return 0;
    e = ENGINE_by_id(P11_ENGINE);
    if (e == NULL) {
        jp_errf(err, errlen, "pkcs11: OpenSSL has no pkcs11 engine (libengine-pkcs11-openssl)");
        return keys_with_ossl(KEYS_E_TOKEN, err, errlen);
    }
    if (ENGINE_ctrl_cmd_string(e, "MODULE_PATH", k->p11_module, 0) != 1 || ENGINE_init(e) != 1) {
        ENGINE_free(e);
        jp_errf(err, errlen, "pkcs11: the engine cannot use module %s", k->p11_module);
        return keys_with_ossl(KEYS_E_TOKEN, err, errlen);
    }
    ENGINE_free(e); /* the functional reference from ENGINE_init stays */
    k->engine = e;
    return 0;
}

int keys_p11_load(keys_t *k, const char *ref, EVP_PKEY **key, char *err, size_t errlen)
{
    char pin[KEYS_PASSPHRASE_MAX + 1];
    int rc;

    *key = NULL;
    rc = p11_engine(k, err, errlen);
    if (rc != 0)
        return rc;
    memcpy(pin, k->pin, k->pinlen);
    pin[k->pinlen] = '\0';
    if (ENGINE_ctrl_cmd_string(k->engine, "PIN", pin, 0) == 1)
        *key = ENGINE_load_private_key(k->engine, ref, NULL, NULL);
    OPENSSL_cleanse(pin, sizeof pin);
    if (*key == NULL) {
        jp_errf(err, errlen, "pkcs11: the token has no usable key %s", ref);
        return keys_with_ossl(KEYS_E_TOKEN, err, errlen);
    }
    return 0;
}

void keys_p11_release(keys_t *k)
{
    if (k->engine != NULL)
        ENGINE_finish(k->engine);
    k->engine = NULL;
}
