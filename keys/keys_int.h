/*
 * keys_int.h - what the files of the keys module share and nobody else sees:
 * the layout of the opaque handles and small OpenSSL helpers. Not installed,
 * not included outside keys/.
 */
#ifndef JP_KEYS_INT_H
#define JP_KEYS_INT_H

#include <limits.h>
#include <stdarg.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keys.h"

#define KEYS_KID_LEN 8
#define KEYS_STATE_FILE "keys.json"
#define KEYS_ROOT_CERT "root.pem"
#define KEYS_ROOT_KEY "root.key"
#define KEYS_STATE_MAX (256u * 1024u) /* bytes of keys.json */
#define KEYS_PEM_MAX (64u * 1024u)    /* bytes of one certificate or key file */
#define KEYS_P11_URI_MAX 256          /* bytes of a token's PKCS#11 URI */
#define KEYS_P11_LABEL_MAX 33         /* a token label and its NUL */
#define KEYS_REF_MAX (KEYS_P11_URI_MAX + 80) /* a key's file name or PKCS#11 URI */

#define KEYS_CERT_FILE_MAX 48                /* "sm2-sign-<kid>.pem" and its NUL, with room */
#define KEYS_SM2_FILE_MAX KEYS_CERT_FILE_MAX /* an SM2 certificate or key file name */

/*
 * One signing key, ECDSA or SM2, as keys.json lists it ("keys" and "sm2"."keys"
 * alike: entry.c reads and writes it) and a trust list knows it.
 */
struct keys_entry {
    unsigned char kid[KEYS_KID_LEN];    /* SHA-256(cert DER)[0..7] */
    char kid_hex[17];                   /* kid in lower-case hex */
    X509 *cert;                         /* owned */
    enum keys_state state;              /* active, retired or revoked */
    char created[21];                   /* ISO-8601 UTC, "" when unknown (an SM2 key from before) */
    char changed[21];                   /* ISO-8601 UTC, "" while active */
    char cert_file[KEYS_CERT_FILE_MAX]; /* certificate: file name in the directory */
    char key_ref[KEYS_REF_MAX];         /* private key: file name in the directory or pkcs11 URI */
};

/* --- one signing key's record (entry.c) ----------------------------------- */
struct json_t;
/*
 * Reads one keys.json entry {"kid", "certificate", "key", "state", "created",
 * "changed"?} into e (cleared first): kid, state, dates, cert_file and
 * key_ref; e->cert stays NULL, and whether the file names suit the
 * hierarchy is the caller's to check. Returns 0, or KEYS_E_STATE (a member
 * missing, malformed or too long; e left cleared) for the caller to report.
 */
int keys_entry_parse(struct json_t *j, struct keys_entry *e);
/* The entry as keys.json lists it: a new object, or NULL when out of memory. */
struct json_t *keys_entry_json(const struct keys_entry *e);
/* 1 when issuer's key signed cert, else 0. */
typedef int (*keys_issued_fn)(X509 *cert, X509 *issuer);
/* keys_issued_fn of the ECDSA hierarchy (X509_verify with the issuer's key). */
int keys_ecdsa_issued(X509 *cert, X509 *issuer);
/*
 * Reads e->cert (owned by e from here on, so counted by the caller first)
 * from e->cert_file in k->dir and checks it: its kid is e's (an entry
 * without a kid, kid_hex "", takes the certificate's) and issued() says
 * issuer signed it; issuer_name names the issuer in err ("the root").
 * Returns 0, KEYS_E_STATE or an errno value (message in err).
 */
int keys_entry_load_cert(const keys_t *k, struct keys_entry *e, X509 *issuer, keys_issued_fn issued,
                         const char *issuer_name, char *err, size_t errlen);
/* The index of the entry kid of e[0..n-1], or n when none has it. */
size_t keys_entries_find(const struct keys_entry *e, size_t n,
                         const unsigned char kid[KEYS_KID_LEN]);
/* The index of the first active entry of e[0..n-1], or n when none is. */
size_t keys_entries_active(const struct keys_entry *e, size_t n);
/* 1 when at most one of e[0..n-1] is active, else 0 (a state file to refuse). */
int keys_entries_one_active(const struct keys_entry *e, size_t n);
/* Retires the active entry of e[0..n-1] now; its index, or n when none was active. */
size_t keys_entries_retire(struct keys_entry *e, size_t n);
/* Undoes keys_entries_retire() that returned i (nothing when i >= n). */
void keys_entries_unretire(struct keys_entry *e, size_t n, size_t i);

struct keys {
    char dir[PATH_MAX];                     /* the key directory */
    int flags;                              /* KEYS_PUBLIC_ONLY, KEYS_WITH_ROOT */
    int encrypted;                          /* private keys are PKCS#8-encrypted */
    char authority[KEYS_AUTHORITY_MAX + 1]; /* UTF-8 authority name */
    char uscc[IDENT_USCC_LEN + 1];          /* authority USCC */
    char province[3];                       /* two digits */
    int signing_years;                      /* validity of new signing certificates */
    X509 *root;                             /* owned root certificate */
    EVP_PKEY *root_key;                     /* owned; NULL unless KEYS_WITH_ROOT */
    EVP_PKEY *sign_key;                     /* owned active private key, or NULL */
    char root_ref[KEYS_REF_MAX];            /* root private key: file name or pkcs11 URI */
    char p11_uri[KEYS_P11_URI_MAX];         /* the keys' token, "" when they are files */
    char p11_module[PATH_MAX];              /* the token's PKCS#11 module */
    unsigned char pin[KEYS_PASSPHRASE_MAX + 1]; /* the token's user PIN (wiped on close) */
    size_t pinlen;                          /* bytes of pin, 0 when none was given */
    void *engine;                           /* ENGINE * of libp11, functional ref, or NULL */
    size_t n;                               /* entries in use */
    struct keys_entry e[KEYS_MAX_SIGNING];  /* oldest first */
    char tsa_url[512];                      /* signature time-stamps from here; "" for none */
    long tsa_timeout_ms;                    /* per query */
    void *tsa_curl;                         /* owned CURL handle kept open, or NULL */
    size_t sm2_n;                           /* SM2 signing keys known (0: no SM2 hierarchy) */
    struct keys_entry sm2[KEYS_MAX_SIGNING]; /* oldest first */
    X509 *sm2_root;                         /* owned SM2 root certificate, or NULL */
    EVP_PKEY *sm2_root_key;                 /* owned; with KEYS_WITH_ROOT and an SM2 root */
};

/* One signing certificate of a trust object. */
struct keys_trust_entry {
    unsigned char kid[KEYS_KID_LEN]; /* SHA-256(cert DER)[0..7] */
    EVP_PKEY *pub;                   /* owned public key */
    enum keys_state state;           /* as published */
    uint32_t first_day;              /* notBefore as YYYYMMDD (UTC) */
    uint32_t last_day;               /* notAfter as YYYYMMDD (UTC) */
    X509 *cert;                      /* owned reference: serial for the CRL */
    int64_t revoked_at;              /* seconds since the epoch when revoked and known, else 0 */
};

/* One SM2 signing certificate of a trust object (trust_sm2.c). */
struct keys_trust_sm2 {
    char kid[17];          /* SHA-256(cert DER)[0..7] in hex */
    unsigned char *der;    /* owned certificate DER */
    size_t len;            /* bytes at der */
    enum keys_state state; /* as published */
    char not_before[21];   /* YYYY-MM-DDTHH:MM:SSZ */
    char not_after[21];    /* YYYY-MM-DDTHH:MM:SSZ */
};

struct keys_trust {
    X509 *root;                                  /* owned root certificate (CRL, time-stamps) */
    unsigned char root_sha256[32];               /* fingerprint of the root DER */
    size_t n;                                    /* entries in use */
    struct keys_trust_entry e[KEYS_MAX_SIGNING]; /* signing certificates */
    unsigned char *sm2_root;                     /* owned SM2 root DER; NULL: the list has none */
    size_t sm2_root_len;                         /* bytes at sm2_root */
    size_t sm2_n;                                /* entries of sm2 in use */
    struct keys_trust_sm2 sm2[KEYS_MAX_SIGNING]; /* SM2 signing certificates */
};

struct json_t;
/* Adds the "sm2" member to a trust list document when k's directory has the SM2 files. */
int keys_trust_sm2_export(const keys_t *k, struct json_t *doc, char *err, size_t errlen);
/* Reads and checks doc's "sm2" member, when there is one, into t. KEYS_E_TRUST, ENOMEM. */
int keys_trust_sm2_load(keys_trust_t *t, struct json_t *doc, char *err, size_t errlen);
/* Frees t's SM2 part. */
void keys_trust_sm2_clear(keys_trust_t *t);

/* --- SM2 signing keys in keys.json (sm2_state.c) --------------------------- */
/*
 * Reads doc's optional "sm2" {"keys": [{"kid", "certificate", "key", "state",
 * "created", "changed"?}]} into k; without it a directory holding sm2-sign.pem
 * has that one key, active (a home from before the SM2 state). Each
 * certificate must be issued by sm2-root.pem. With KEYS_WITH_ROOT also loads
 * sm2-root.key (pass when the file is encrypted). Returns 0 or a keys error.
 */
int keys_sm2_state_load(keys_t *k, struct json_t *doc, const unsigned char *pass, size_t passlen,
                        char *err, size_t errlen);
/* The "sm2" member of keys.json for k, or NULL when k has no SM2 keys (or no memory). */
struct json_t *keys_sm2_state_json(const keys_t *k);
/* Frees k's SM2 part. */
void keys_sm2_state_free(keys_t *k);
/*
 * The certificate and key file names of dir's active SM2 signing key as
 * keys.json names it (sm2-sign.pem and sm2-sign.key for a home from before).
 * Returns 0, or KEYS_E_NO_ACTIVE_KEY when every SM2 key is retired or revoked.
 */
int keys_sm2_active_files(const char *dir, char cert[KEYS_SM2_FILE_MAX],
                          char key[KEYS_SM2_FILE_MAX], char *err, size_t errlen);
/* What keys_sm2_rotate did, for keys_sm2_rotate_undo. */
struct keys_sm2_undo {
    char path[2][PATH_MAX]; /* files written */
    size_t made;            /* of path */
    size_t old;             /* the entry that was active, or k->sm2_n when none */
    int added;              /* an entry was appended */
};
/*
 * In k (memory) and as new files: a new SM2 signing key and certificate
 * issued by the SM2 root (sm2-sign-<kid>.pem/.key, the key encrypted with
 * pass when sm2-root.key is), the active SM2 key retired. Nothing when k has
 * no SM2 hierarchy. The caller saves the state or calls keys_sm2_rotate_undo.
 */
int keys_sm2_rotate(keys_t *k, const unsigned char *pass, size_t passlen, struct keys_sm2_undo *u,
                    char *err, size_t errlen);
void keys_sm2_rotate_undo(keys_t *k, struct keys_sm2_undo *u);
/* Signs a certificate being made, SM2 with SM3 and KEYS_SM2_ID (sm2.c). 1 or 0. */
int keys_sm2_sign_cert(X509 *x, EVP_PKEY *issuer_key);
/* Signs a CRL, SM2 with SM3 and KEYS_SM2_ID (sm2.c). 1 or 0. */
int keys_sm2_sign_crl(X509_CRL *crl, EVP_PKEY *key);

/*
 * Completes a message that jp_errf() wrote into err with ": " and OpenSSL's
 * first queued error, when there is one and the whole of it fits (else the
 * message stays as it is); empties OpenSSL's error queue either way.
 * Returns rc so that callers can write rc = keys_with_ossl(rc, err, errlen).
 */
int keys_with_ossl(int rc, char *err, size_t errlen);

/*
 * 1 when s is 1..max bytes of valid UTF-8 (jp_utf8_decode) holding no control
 * character (C0, DEL or C1), else 0. For the authority name and a masked name.
 */
int keys_text_ok(const char *s, size_t max);

/* kid of a certificate. Returns 0 or KEYS_E_CRYPTO. */
int keys_kid_of(X509 *cert, unsigned char kid[KEYS_KID_LEN]);
/* SHA-256 of a certificate's DER. Returns 0 or KEYS_E_CRYPTO. */
int keys_cert_sha256(X509 *cert, unsigned char out[32]);
/* An ASN1_TIME as YYYY-MM-DDTHH:MM:SSZ. Returns 0 or KEYS_E_CRYPTO. */
int keys_time_iso(const ASN1_TIME *t, char out[21]);
/* An ASN1_TIME's UTC day as YYYYMMDD. Returns 0 or KEYS_E_CRYPTO. */
int keys_time_day(const ASN1_TIME *t, uint32_t *day);
/* The current time as YYYY-MM-DDTHH:MM:SSZ. */
void keys_now_iso(char out[21]);
/*
 * Describes a signing key (ECDSA or SM2) as keys_list() does, but for the
 * subject: o gets kid_hex, state, created, changed (copied) and cert's
 * validity ("" when it cannot be read). cert is only read.
 */
void keys_info_set(struct keys_info *o, const char kid_hex[17], X509 *cert, enum keys_state state,
                   const char created[21], const char changed[21]);

/*
 * keys_crl_parse() against the CA certificate ca that keeps the parsed CRL:
 * *out is freed with X509_CRL_free(). ca NULL checks no signature nor issuer
 * (the caller does: an SM2 CRL needs keys_sm2_crl_verify()).
 * Returns 0, KEYS_E_TRUST or KEYS_E_CRYPTO.
 */
int keys_crl_open(const unsigned char *der, size_t len, X509 *ca, struct keys_crl_info *info,
                  X509_CRL **out);

/* "YYYY-MM-DDTHH:MM:SSZ" as seconds since the epoch; 0 for NULL or anything else (sigtime.c). */
int64_t keys_iso_epoch(const char *iso);
/* Fills a trust entry from a certificate and state. Returns 0 or KEYS_E_CRYPTO. */
int keys_trust_entry_set(struct keys_trust_entry *te, X509 *cert, enum keys_state state);
/* Parses "active", "retired", "revoked". Returns 0 or KEYS_E_INVAL. */
int keys_state_parse(const char *s, enum keys_state *out);

/*
 * ECDSA P-256 SHA-256 over data as raw r||s (64 bytes, as COSE and JOSE use).
 * Returns 0 or KEYS_E_CRYPTO.
 */
int keys_ecdsa_sign_raw(EVP_PKEY *key, const unsigned char *data, size_t len,
                        unsigned char sig[64]);
/* 1 when sig (raw r||s) is valid for data under pub, 0 when not, -1 on error. */
int keys_ecdsa_verify_raw(EVP_PKEY *pub, const unsigned char *data, size_t len,
                          const unsigned char sig[64]);

/*
 * Subject C=CN, O=authority, [OU=unit,] organizationIdentifier=uscc,
 * CN=authority; unit NULL leaves OU out. Returns a new name the caller frees
 * (X509_NAME_free), or NULL when OpenSSL fails.
 */
X509_NAME *keys_make_name(const char *authority, const char *uscc, const char *unit);
/* Signs a certificate being made with issuer_key. Returns 1, or 0 on failure. */
typedef int (*keys_cert_sign_fn)(X509 *x, EVP_PKEY *issuer_key);
/*
 * An X.509 v3 certificate for key with the given subject, valid from now for
 * days days but never past the issuer's notAfter, signed by sign with
 * issuer_key. issuer NULL makes a self-signed root (CA extensions), else a
 * signing certificate issued by issuer. Returns a new certificate the caller
 * frees (X509_free), or NULL when OpenSSL or sign fails.
 */
X509 *keys_make_cert(EVP_PKEY *key, X509_NAME *subject, X509 *issuer, EVP_PKEY *issuer_key,
                     long days, keys_cert_sign_fn sign);

/* A certificate and key that keys_make_issued makes under k's root. */
struct keys_cert_spec {
    const char *label;      /* the key's label for keys_key_new: "sign", "tsa" */
    const char *unit;       /* the subject's OU (keys_make_name) */
    long days;              /* validity; the root's notAfter caps it */
    keys_cert_sign_fn sign; /* signs with the root key (adding any extension of its own) */
    const char *what;       /* names the certificate in err: "signing", "tsa" */
};
/*
 * A new key (keys_key_new(k, spec->label)) and its certificate issued by
 * k->root/k->root_key as spec says: the one way the signing and the TSA
 * certificates are made. ref receives the token key's URI ("" for a file
 * home). On success *cert (X509_free) and *key (EVP_PKEY_free) are the
 * caller's, who drops a token key with keys_key_discard() if a later step
 * fails; on failure nothing is left behind (a token key is discarded) and err
 * says "<what> certificate: cannot make". Returns 0 or the errors of
 * keys_key_new, KEYS_E_CRYPTO.
 */
int keys_make_issued(keys_t *k, const struct keys_cert_spec *spec, X509 **cert, EVP_PKEY **key,
                     char ref[KEYS_REF_MAX], char *err, size_t errlen);
/* keys_make_issued() of a signing certificate (k->signing_years, ECDSA SHA-256). */
int keys_make_signing(keys_t *k, X509 **cert, EVP_PKEY **key, char ref[KEYS_REF_MAX], char *err,
                      size_t errlen);
/* Writes a private key as (maybe encrypted) PKCS#8 PEM, 0600, exclusive. */
int keys_write_key(const char *path, EVP_PKEY *key, const unsigned char *pass, size_t passlen,
                   char *err, size_t errlen);
/* Writes a certificate as PEM, 0644, exclusive. */
int keys_write_cert(const char *path, X509 *cert, char *err, size_t errlen);
/*
 * Reads a private key file. encrypted says whether the state file calls the
 * keys encrypted. Returns 0, KEYS_E_PASSPHRASE_NEEDED, KEYS_E_BAD_PASSPHRASE,
 * KEYS_E_STATE or an errno value; *key is owned by the caller.
 */
int keys_read_key(const char *path, int encrypted, const unsigned char *pass, size_t passlen,
                  EVP_PKEY **key, char *err, size_t errlen);
/* Reads a PEM certificate file. Returns 0, KEYS_E_STATE or an errno value. */
int keys_read_cert(const char *path, X509 **cert, char *err, size_t errlen);
/*
 * Finds the signing key kid_hex (16 hex digits) of k: *out points into k->e.
 * Returns 0, KEYS_E_INVAL or KEYS_E_UNKNOWN_KID (message in err).
 */
int keys_find_kid(keys_t *k, const char *kid_hex, struct keys_entry **out, char *err,
                  size_t errlen);
/* Marks e revoked now (in memory only); a revoked key keeps its first date. */
void keys_mark_revoked(struct keys_entry *e);
/* The one active signing key of k, or NULL when every key is retired or revoked. */
struct keys_entry *keys_active_entry(keys_t *k);
/*
 * The active entry whose private key the handle holds, for a signature named
 * what ("cms", "token") in err. Returns 0, KEYS_E_NO_PRIVATE_KEY (opened
 * public-only) or KEYS_E_NO_ACTIVE_KEY.
 */
int keys_signer(keys_t *k, const char *what, struct keys_entry **e, char *err, size_t errlen);
/* One revoked certificate for keys_crl_make. */
struct keys_crl_entry {
    X509 *cert;             /* borrowed: its serial is listed */
    const char *revoked_at; /* YYYY-MM-DDTHH:MM:SSZ */
};
/* Signs a CRL being made with the CA's key. Returns 1, or 0 on failure. */
typedef int (*keys_crl_sign_fn)(X509_CRL *crl, EVP_PKEY *key);
/*
 * An X.509 v2 CRL of the CA ca (issuer name, authorityKeyIdentifier, cRLNumber
 * = the current second), thisUpdate now, nextUpdate days (1..KEYS_CRL_DAYS_MAX)
 * later, listing revoked[0..n-1], signed by sign with ca_key. Generic over the
 * CA: the ECDSA root and the SM2 root alike. On success *der (OPENSSL_free)
 * holds *len bytes of DER. Returns 0 or KEYS_E_CRYPTO.
 */
int keys_crl_make(X509 *ca, EVP_PKEY *ca_key, keys_crl_sign_fn sign,
                  const struct keys_crl_entry *revoked, size_t n, int days, unsigned char **der,
                  size_t *len);
/*
 * keys_crl_make() over the revoked ones of keys[0..n-1] (n <= KEYS_MAX_SIGNING;
 * each listed with its changed date), after the checks every CA's CRL shares:
 * the CA key present (KEYS_E_NO_ROOT_KEY), days 0 (KEYS_CRL_DAYS_DEFAULT) or
 * 1..KEYS_CRL_DAYS_MAX (KEYS_E_INVAL); the message in err. For the ECDSA and
 * the SM2 root alike.
 */
int keys_crl_issue(X509 *ca, EVP_PKEY *ca_key, keys_crl_sign_fn sign, const struct keys_entry *keys,
                   size_t n, int days, unsigned char **der, size_t *len, char *err, size_t errlen);
/* Writes a CRL's DER to out_path atomically (0644) and frees der. 0 or an errno value. */
int keys_crl_write(const char *out_path, unsigned char *der, size_t len, char *err,
                   size_t errlen);
/* Closes the handle's connection to the TSA. */
void keys_tsa_client_free(keys_t *k);
/*
 * Time-stamps si's signature value at k's TSA and adds the token as the
 * unsigned attribute id-aa-signatureTimeStampToken.
 * Returns 0, KEYS_E_TSA or KEYS_E_CRYPTO (message in err).
 */
struct CMS_SignerInfo_st;
int keys_cms_add_timestamp(keys_t *k, struct CMS_SignerInfo_st *si, char *err, size_t errlen);
/* Writes k's state file atomically. */
int keys_save_state(const keys_t *k, char *err, size_t errlen);

/*
 * --- Where a private key lives (keyref.c) ---------------------------------
 * The one place that turns a key reference into an EVP_PKEY, for the root,
 * the signing keys and any later key of the home (the TSA's): a reference is
 * a file name inside k->dir (PKCS#8 PEM, maybe encrypted) or, when the home
 * keeps its keys in a token (k->p11_uri set), the PKCS#11 URI of the private
 * key object. Callers sign with the EVP_PKEY and never see the difference.
 */

/* 1 when the home's private keys live in a PKCS#11 token. */
int keys_in_token(const keys_t *k);
/*
 * A new ECDSA P-256 key named label ("root", "sign", "tsa"). File homes: made
 * in memory, ref is "" (the caller writes the file and names it); token
 * homes: made inside the token (never extractable), ref its URI, and the key
 * must be dropped with keys_key_discard() when the operation fails.
 * Returns 0, KEYS_E_CRYPTO, KEYS_E_TOKEN, KEYS_E_BAD_PASSPHRASE (wrong PIN).
 */
int keys_key_new(keys_t *k, const char *label, EVP_PKEY **key, char ref[KEYS_REF_MAX], char *err,
                 size_t errlen);
/* Loads the private key ref (file: with pass when k->encrypted). Errors as keys_read_key. */
int keys_key_load(keys_t *k, const char *ref, const unsigned char *pass, size_t passlen,
                  EVP_PKEY **key, char *err, size_t errlen);
/* Destroys a token key made by keys_key_new (files: nothing; their undo unlinks). */
void keys_key_discard(const keys_t *k, const char *ref);

/* --- PKCS#11 (p11.c) -------------------------------------------------- */
/* Checks a token URI as a user gives it and extracts its token label. */
int keys_p11_uri_check(const char *uri, char token[KEYS_P11_LABEL_MAX], char *err, size_t errlen);
/* Logs in to k's token with k->pin: 0, KEYS_E_BAD_PASSPHRASE, _PASSPHRASE_NEEDED or _TOKEN. */
int keys_p11_login(const keys_t *k, char *err, size_t errlen);
/* Generates a P-256 key pair labelled label in k's token; ref receives the private key's URI. */
int keys_p11_generate(const keys_t *k, const char *label, char ref[KEYS_REF_MAX], char *err,
                      size_t errlen);
/* Destroys the objects of the key ref in k's token; failures are ignored. */
void keys_p11_destroy(const keys_t *k, const char *ref);
/* The key ref as an EVP_PKEY that signs in the token, through libp11's engine. */
int keys_p11_load(keys_t *k, const char *ref, EVP_PKEY **key, char *err, size_t errlen);
/* Drops k's engine reference (after its keys are freed). */
void keys_p11_release(keys_t *k);

#endif
