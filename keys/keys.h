/*
 * keys.h - the keys module of Jianpei: the provincial root and document-signing
 * keys in HOME/keys/, the signed trust list that publishes them, the CMS
 * signature of a certificate PDF, and the signed QR token (SPEC §7).
 *
 * Keys live in a directory (mode 0700) created by keys_create(): root.pem and
 * root.key (the self-signed provincial root), sign-<kid>.pem and sign-<kid>.key
 * per document-signing key, and keys.json, the state file listing each signing
 * key with its state (active | retired | revoked). Every file is 0600; key and
 * certificate files are created O_CREAT|O_EXCL|O_NOFOLLOW and never rewritten.
 * Private keys are PKCS#8 PEM, encrypted when a passphrase is given (PBES2:
 * PBKDF2-HMAC-SHA256 with 200,000 iterations, AES-256-CBC). Exactly one signing key is active,
 * unless it was revoked and no rotation followed (signing then fails).
 *
 * keys.json (replaced atomically on every change):
 *   {"version":1, "authority":"…", "uscc":"…", "province":"44", "encrypted":false,
 *    "signing_years":5, "root":{"certificate":"root.pem","key":"root.key"},
 *    "keys":[{"kid":"<16 hex>", "certificate":"sign-<kid>.pem", "key":"sign-<kid>.key",
 *             "state":"active|retired|revoked", "created":"…Z", "changed":"…Z"}]}
 * ("changed" - when the key was retired or revoked - is absent while active).
 * Two processes changing one directory at once are not serialised: the last
 * writer of keys.json wins.
 *
 * A kid (key id) is the first 8 bytes of SHA-256 of the signing certificate's
 * DER; in text it is 16 lower-case hex digits.
 *
 * Errors: functions return 0, a positive errno value (ENOMEM, EFBIG, and what
 * the file system set), or one of enum keys_error (negative, the range
 * JP_ERR_KEYS_BASE of errors.h).
 * Where a function takes err/errlen, it writes a lowercase message there on
 * failure (OpenSSL's reason included when OpenSSL failed); the message never
 * holds key material or personal data. err may be NULL when errlen is 0.
 *
 * Not thread-safe per handle: one keys_t or keys_trust_t is used by one thread
 * at a time. A keys_trust_t is read-only after loading, so it may be shared by
 * threads that only call keys_token_verify().
 */
#ifndef JP_KEYS_H
#define JP_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ident.h"
#include "util.h"

/* Bounds. */
#define KEYS_MAX_SIGNING 64                   /* signing keys a home or trust list may list */
#define KEYS_AUTHORITY_MAX 192                /* bytes of UTF-8 in the authority name */
#define KEYS_PASSPHRASE_MAX 1023              /* bytes of a passphrase */
#define KEYS_TOKEN_MAX 1024                   /* characters of base32 a token may have */
#define KEYS_TOKEN_BUFSZ (KEYS_TOKEN_MAX + 1) /* out buffer that always fits a token */
#define KEYS_NAME_MASKED_MAX 256              /* bytes of UTF-8 in a masked name */
#define KEYS_ID_MASKED_MAX 32                 /* characters of a masked document number */
#define KEYS_TRUST_FILE_MAX (1u << 20)        /* bytes of a trust list file */
#define KEYS_CMS_MAX_RANGES 2                 /* byte ranges keys_cms_sign_detached accepts */

enum keys_error {
    KEYS_E_INVAL = JP_ERR_KEYS_BASE, /* bad argument or option (details in err) */
    KEYS_E_NOT_EMPTY,                /* keys_create: the directory exists and is not empty */
    KEYS_E_STATE,                    /* the state file or a key file is missing or corrupt */
    KEYS_E_CRYPTO,                   /* OpenSSL failed (its reason in err) */
    KEYS_E_PASSPHRASE_NEEDED,        /* the private keys are encrypted and no passphrase given */
    KEYS_E_BAD_PASSPHRASE,           /* the passphrase does not decrypt the private key */
    KEYS_E_NO_PRIVATE_KEY,           /* the handle was opened KEYS_PUBLIC_ONLY */
    KEYS_E_NO_ROOT_KEY,              /* the operation needs a handle opened with KEYS_WITH_ROOT */
    KEYS_E_NO_ACTIVE_KEY,            /* every signing key is retired or revoked */
    KEYS_E_UNKNOWN_KID,              /* no signing key has this kid */
    KEYS_E_TOO_MANY,                 /* KEYS_MAX_SIGNING would be passed */
    KEYS_E_TRUST,                    /* a trust list is malformed or its signature fails */
    KEYS_E_ROOT_MISMATCH,            /* a trust list's root is not the expected one */
    KEYS_E_CLAIMS,                   /* token claims out of range (details in err) */
    KEYS_E_TOOSMALL,                 /* an output buffer is too small */
    KEYS_E_TSA,                      /* the TSA is unreachable, slow or refused (details in err) */
    KEYS_E_TOKEN,                    /* the PKCS#11 module or token failed (details in err) */
};

/*
 * A static English description of any code these functions return (errno
 * values through strerror()). Never NULL; not to be freed.
 */
const char *keys_strerror(int rc);

/* --- The key directory -------------------------------------------------- */

typedef struct keys keys_t;             /* an opened key directory */
typedef struct keys_trust keys_trust_t; /* verified signing certificates */

/*
 * With pkcs11_uri set, the root and signing keys are generated inside that
 * token (sensitive, never extractable), the key directory holds only
 * certificates and keys.json (which names the token, its module and each
 * key's PKCS#11 URI), and passphrase is the token's user PIN: the same
 * parameter of keys_open() and keys_rotate() is then the PIN as well, and a
 * wrong one gives KEYS_E_BAD_PASSPHRASE. Signing goes through libp11's
 * OpenSSL engine; the module stays loaded until the process ends.
 */
struct keys_create_opts {
    const char *authority; /* UTF-8 issuing authority, e.g. 广东省住房和城乡建设厅 */
    const char *uscc;      /* the authority's 18-character 统一社会信用代码 */
    const char *province;  /* two digits of GB/T 2260, e.g. "44" */
    const unsigned char *passphrase; /* NULL: private keys stored unencrypted */
    size_t passphrase_len;           /* 1..KEYS_PASSPHRASE_MAX when passphrase is set */
    int root_years;                  /* root validity, 1..30; 0 = 20 */
    int signing_years;               /* signing certificate validity, 1..10; 0 = 5 */
    const char *pkcs11_uri;    /* NULL: key files; else 'pkcs11:token=…' keeps the keys there */
    const char *pkcs11_module; /* the token's PKCS#11 module (.so), needed with pkcs11_uri */
};

/*
 * Creates a key directory: a self-signed ECDSA P-256 root (CA:TRUE critical,
 * keyUsage keyCertSign, cRLSign and digitalSignature - the last so that the
 * root can sign the trust list), a first document-signing certificate issued
 * by it (keyUsage digitalSignature + nonRepudiation critical, CA:FALSE), and
 * the state file. dir is created (mode 0700) when missing; when it exists it
 * must be empty and gets mode 0700.
 * Returns 0, KEYS_E_INVAL, KEYS_E_NOT_EMPTY, KEYS_E_CRYPTO or an errno value.
 * On failure every file it created is removed again.
 */
int keys_create(const char *dir, const struct keys_create_opts *opts, char *err, size_t errlen);

/*
 * Checks a token URI as keys_create() takes it (RFC 7512): "pkcs11:" and
 * token=LABEL, optionally serial=, manufacturer=, model= (percent-encoded),
 * under 256 bytes; no PIN, object, id or query part. Returns 0 or
 * KEYS_E_INVAL with err saying what is wrong.
 */
int keys_pkcs11_uri_check(const char *uri, char *err, size_t errlen);

#define KEYS_PUBLIC_ONLY 0x1 /* load certificates and state only, never a private key */
#define KEYS_WITH_ROOT 0x2   /* also load the root private key (rotate, export trust) */

/*
 * Opens a key directory. Unless KEYS_PUBLIC_ONLY is given, the active signing
 * key is loaded (and the root key with KEYS_WITH_ROOT); encrypted keys need
 * passphrase (bytes, passphrase_len of them; NULL when none). A directory
 * whose keys are all retired or revoked opens, but signing then fails.
 * On success *out is a new handle the caller releases with keys_close().
 * Returns 0, KEYS_E_INVAL, KEYS_E_STATE, KEYS_E_PASSPHRASE_NEEDED,
 * KEYS_E_BAD_PASSPHRASE, KEYS_E_CRYPTO or an errno value (*out is NULL then).
 */
int keys_open(const char *dir, int flags, const unsigned char *passphrase, size_t passphrase_len,
              keys_t **out, char *err, size_t errlen);

/* Releases a handle and wipes its private keys. NULL-safe. */
void keys_close(keys_t *k);

/* 1 when the handle holds the active signing private key, else 0. */
int keys_can_sign(const keys_t *k);

/*
 * Makes a new signing key and certificate issued by the root; the active key
 * becomes retired (tokens it signed still verify). Needs KEYS_WITH_ROOT. When
 * the directory's keys are encrypted, passphrase must be the directory's
 * passphrase (checked against root.key) and encrypts the new key. On success
 * the handle holds the new active key; kid_hex (17 bytes, may be NULL)
 * receives its kid. On failure the directory and the handle are unchanged.
 * Returns 0, KEYS_E_NO_ROOT_KEY, KEYS_E_PASSPHRASE_NEEDED,
 * KEYS_E_BAD_PASSPHRASE, KEYS_E_TOO_MANY, KEYS_E_CRYPTO or an errno value.
 */
int keys_rotate(keys_t *k, const unsigned char *passphrase, size_t passphrase_len, char kid_hex[17],
                char *err, size_t errlen);

/*
 * Marks the signing key kid_hex (16 hex digits) revoked in the state file:
 * tokens it signed then verify as KEYS_TOKEN_REVOKED_KEY once a trust list
 * made afterwards is used. Revoking the active key leaves no active key until
 * keys_rotate(). Revoking a revoked key succeeds and changes nothing.
 * Works on any handle (no private key needed).
 * Returns 0, KEYS_E_UNKNOWN_KID, KEYS_E_INVAL or an errno value.
 */
int keys_revoke_kid(keys_t *k, const char *kid_hex, char *err, size_t errlen);

/*
 * Revokes the signing key kid_hex and re-exports the trust list to trust_path
 * as one change: the handle must hold the root key (KEYS_WITH_ROOT), and the
 * new trust list is signed before anything is written; then keys.json and the
 * trust list are each replaced atomically, and keys.json is put back when the
 * trust list cannot be written. On failure the directory, the trust list and
 * the handle are as they were. Revoking a revoked key re-exports only.
 * Returns 0, KEYS_E_INVAL, KEYS_E_UNKNOWN_KID, KEYS_E_NO_ROOT_KEY,
 * KEYS_E_CRYPTO or an errno value.
 */
int keys_revoke_publish(keys_t *k, const char *kid_hex, const char *trust_path, char *err,
                        size_t errlen);

/*
 * The provincial root's fingerprint: lower-case hex (64 digits and a NUL) of
 * SHA-256 over the root certificate's DER - what `openssl x509 -fingerprint
 * -sha256 -in root.pem` prints, without its colons and in lower case.
 * Works on any handle. Returns 0 or KEYS_E_CRYPTO.
 */
int keys_root_fingerprint(const keys_t *k, char hex[65]);

/*
 * Reads a fingerprint as a user types it: 64 hex digits, either case, with or
 * without a colon between each pair (openssl's format), an optional "SHA256
 * Fingerprint=" prefix too. Returns 0 and fills out, or KEYS_E_INVAL.
 */
int keys_fingerprint_parse(const char *text, unsigned char out[32]);

enum keys_state { KEYS_ACTIVE, KEYS_RETIRED, KEYS_REVOKED };

/* "active", "retired" or "revoked"; static, never NULL. */
const char *keys_state_name(enum keys_state s);

struct keys_info {
    char kid[17];        /* 16 lower-case hex digits */
    char subject[512];   /* RFC 2253 subject, UTF-8, truncated if longer */
    char not_before[21]; /* YYYY-MM-DDTHH:MM:SSZ */
    char not_after[21];  /* YYYY-MM-DDTHH:MM:SSZ */
    char created[21];    /* when the key was made, YYYY-MM-DDTHH:MM:SSZ */
    char changed[21];    /* when it was retired or revoked, "" while active */
    enum keys_state state;
};

/*
 * Fills out[0..*n-1] with the signing keys, oldest first; max is the room in
 * out (KEYS_MAX_SIGNING always suffices). Returns 0 or KEYS_E_TOOSMALL.
 */
int keys_list(const keys_t *k, struct keys_info *out, size_t max, size_t *n);

/* --- Trust list ------------------------------------------------------------ */

/*
 * Writes the trust list to out_path (atomically, mode 0644): the JSON document
 * of docs/qr-format.md §4 as the attached content of a CMS SignedData signed by
 * the root key, PEM. `openssl cms -verify -CAfile root.pem -in out_path`
 * accepts it. Needs KEYS_WITH_ROOT.
 * Returns 0, KEYS_E_NO_ROOT_KEY, KEYS_E_CRYPTO or an errno value.
 */
int keys_export_trust(const keys_t *k, const char *out_path, char *err, size_t errlen);

/*
 * Reads and verifies a trust list: the CMS signature must be by the root that
 * the document itself carries, and every signing certificate must be issued
 * by that root. When expected_root_sha256 (32 bytes) is not NULL, the root's
 * SHA-256 fingerprint must equal it; without it the list only proves that it
 * is self-consistent (trust on first use). On success *out is a new trust
 * object released with keys_trust_free().
 * Returns 0, KEYS_E_TRUST (also for more than KEYS_MAX_SIGNING keys),
 * KEYS_E_ROOT_MISMATCH, EFBIG (file over KEYS_TRUST_FILE_MAX), ENOMEM or an
 * errno value from reading the file.
 */
int keys_trust_load(const char *path, const unsigned char *expected_root_sha256, keys_trust_t **out,
                    char *err, size_t errlen);

/*
 * Builds a trust object from an opened directory's certificates and states
 * (any handle, also KEYS_PUBLIC_ONLY). Returns 0, ENOMEM or KEYS_E_CRYPTO;
 * *out is released with keys_trust_free().
 */
int keys_trust_from_keys(const keys_t *k, keys_trust_t **out, char *err, size_t errlen);

/*
 * Writes the root certificate (PEM) to out_path, atomically, mode 0644: the
 * public pin a verifier that cannot read the key directory loads the trust
 * list against. Any handle. Returns 0, KEYS_E_CRYPTO or an errno value.
 */
int keys_export_root(const keys_t *k, const char *out_path, char *err, size_t errlen);

/*
 * keys_trust_load() pinned to the root certificate in the PEM file root_path
 * (what keys_export_root() writes, or the key directory's root.pem): the trust
 * list's CMS signature must verify by exactly that root. Reads no private key
 * and nothing of the key directory but root_path.
 * Returns what keys_trust_load() returns, and KEYS_E_TRUST when root_path holds
 * no certificate.
 */
int keys_trust_load_root_file(const char *trust_path, const char *root_path, keys_trust_t **out,
                              char *err, size_t errlen);

/* Copies the root's SHA-256 fingerprint (32 bytes) into out. */
void keys_trust_root_sha256(const keys_trust_t *t, unsigned char out[32]);

/* Releases a trust object. NULL-safe. */
void keys_trust_free(keys_trust_t *t);

/* --- CMS signature for the PDF ------------------------------------------- */

/*
 * Signs the concatenation of the byte spans ranges[0..n-1] (borrowed for the
 * call; 1 <= n <= KEYS_CMS_MAX_RANGES)
 * with the active signing key: a detached CMS SignedData, SHA-256, ECDSA,
 * with the signing certificate embedded (the root is not: verifiers take it
 * from the trust list) and exactly three signed
 * attributes: content-type, message-digest and signing-certificate-v2 (RFC
 * 5035). No signing-time (PAdES puts the time in /M) and no SMIMECapabilities.
 * On success *der is a new DER buffer of *derlen bytes that the caller frees
 * with keys_free_der().
 * Returns 0, KEYS_E_INVAL, KEYS_E_NO_PRIVATE_KEY, KEYS_E_NO_ACTIVE_KEY or
 * KEYS_E_CRYPTO.
 */
int keys_cms_sign_detached(keys_t *k, const struct jp_span *ranges, size_t n, unsigned char **der,
                           size_t *derlen, char *err, size_t errlen);

/* Frees a DER buffer from keys_cms_sign_detached(). NULL-safe. */
void keys_free_der(unsigned char *der);

/*
 * keys_cms_sign_detached and keys_free_der in the shape of a signer callback
 * that takes its state as void *ctx (pdf.h's struct pdf_signer): ctx is the
 * keys_t *, borrowed for the call. keys_der_free_cb ignores ctx.
 */
int keys_cms_sign_cb(void *ctx, const struct jp_span *ranges, size_t n, unsigned char **der,
                     size_t *derlen, char *err, size_t errlen);
void keys_der_free_cb(void *ctx, unsigned char *der);

/* --- Time-stamps (SPEC §13, keys/tsa.c and keys/tsa_client.c) ------------ */

#define KEYS_TSA_POLICY "1.3.6.1.4.1.61517.13.1" /* policy of the province's own TSA */
#define KEYS_TSA_QUERY_MAX 4096u                 /* bytes of a time-stamp query accepted */
#define KEYS_TSA_RESP_MAX (32u * 1024u)          /* bytes of a TSA's answer accepted */
#define KEYS_TSA_TIMEOUT_MS 5000L                /* default time allowed for one query */

/*
 * Makes every later keys_cms_sign_detached() on this handle carry a signature
 * time-stamp from the RFC 3161 TSA at url (http:// or https://; "" or NULL
 * turns it off), each query allowed timeout_ms (0 = KEYS_TSA_TIMEOUT_MS). The
 * handle keeps one HTTP connection to the TSA open between signatures.
 * Returns 0 or KEYS_E_INVAL.
 */
int keys_set_tsa(keys_t *k, const char *url, long timeout_ms, char *err, size_t errlen);

/* 1 when the handle's signatures get a time-stamp (a TSA is set), else 0. */
int keys_tsa_on(const keys_t *k);

/*
 * Whether a DER CMS ContentInfo (len bytes, a PDF signature's /Contents) is
 * time-stamped: 1 for an RFC 3161 token itself (a document time-stamp, its
 * content type id-ct-TSTInfo) or a SignedData whose first SignerInfo carries
 * id-aa-signatureTimeStampToken; 0 for a signature without one; -1 when der
 * is not a CMS.
 */
int keys_cms_stamped(const unsigned char *der, size_t len);

/*
 * Asks the handle's TSA for a time-stamp token over SHA-256(data): RFC 3161
 * query with a nonce and certReq, POST application/timestamp-query; the
 * answer must be granted and match the query (imprint, nonce). On success
 * *token (DER ContentInfo, freed with keys_free_der()) holds *toklen bytes.
 * Returns 0, KEYS_E_INVAL (no TSA set), KEYS_E_CRYPTO or KEYS_E_TSA (down,
 * slower than the timeout, an HTTP error or a refused or wrong answer; err
 * says which).
 */
int keys_tsa_stamp(keys_t *k, const unsigned char *data, size_t len, unsigned char **token,
                   size_t *toklen, char *err, size_t errlen);

typedef struct keys_tsa keys_tsa_t; /* the province's own time-stamp authority */

/*
 * Makes the TSA's P-256 key and certificate in the key directory (tsa.key
 * 0600 encrypted with passphrase when given, tsa.pem; in a token home the key
 * is made in the token, never extractable, and tsa.ref holds its PKCS#11 URI
 * instead of tsa.key), issued by the root,
 * keyUsage digitalSignature, extendedKeyUsage critical timeStamping. Needs
 * KEYS_WITH_ROOT. Returns 0, KEYS_E_NO_ROOT_KEY, KEYS_E_CRYPTO or an errno
 * value (EEXIST when the files exist; nothing is left behind on failure).
 */
int keys_tsa_create(keys_t *k, const unsigned char *passphrase, size_t passphrase_len, char *err,
                    size_t errlen);

/*
 * Loads the TSA's key and certificate from k's directory (any handle of it;
 * passphrase when the keys are encrypted; in a token home it is the PIN and
 * the key is used in the token). *out is released with
 * keys_tsa_free(). Returns 0, KEYS_E_STATE, KEYS_E_PASSPHRASE_NEEDED,
 * KEYS_E_BAD_PASSPHRASE, KEYS_E_CRYPTO or an errno value.
 */
int keys_tsa_open(keys_t *k, const unsigned char *passphrase, size_t passphrase_len,
                  keys_tsa_t **out, char *err, size_t errlen);

/* Releases a TSA and wipes its key. NULL-safe. */
void keys_tsa_free(keys_tsa_t *t);

/*
 * Answers one DER time-stamp query (len bytes, at most KEYS_TSA_QUERY_MAX):
 * *resp is a DER TimeStampResp (granted with a token signed by the TSA key,
 * SHA-256, ESSCertIDv2, the TSA certificate included when the query asks
 * for it; or a rejection naming what was wrong with the query),
 * freed with keys_free_der(). One thread at a time per keys_tsa_t.
 * Returns 0, KEYS_E_INVAL (empty or too long) or KEYS_E_CRYPTO.
 */
int keys_tsa_respond(keys_tsa_t *t, const unsigned char *query, size_t len, unsigned char **resp,
                     size_t *resplen);

/* --- CRL of the root (SPEC §13, keys/crl.c) ------------------------------- */

#define KEYS_CRL_MAX (256u * 1024u) /* bytes of a CRL's DER accepted */
#define KEYS_CRL_DAYS_DEFAULT 7     /* nextUpdate - thisUpdate when 0 is given */
#define KEYS_CRL_DAYS_MAX 366       /* longest nextUpdate accepted */

/*
 * The root's CRL (X.509 v2, DER): every revoked signing certificate with the
 * time keys.json records for its revocation; nextUpdate days after now
 * (0 = KEYS_CRL_DAYS_DEFAULT). Needs KEYS_WITH_ROOT. *der is freed with
 * keys_free_der(). Returns 0, KEYS_E_NO_ROOT_KEY, KEYS_E_INVAL or KEYS_E_CRYPTO.
 */
int keys_crl_der(const keys_t *k, int days, unsigned char **der, size_t *len, char *err,
                 size_t errlen);

/*
 * keys_crl_der() written to out_path atomically, mode 0644 (public).
 * Returns what keys_crl_der() returns, or an errno value from writing.
 */
int keys_crl_export(const keys_t *k, int days, const char *out_path, char *err, size_t errlen);

/*
 * The signing chain for a PDF's Document Security Store: der[0] the active
 * signing certificate, der[1] the root, each freed with keys_free_der().
 * Returns 0, KEYS_E_NO_ACTIVE_KEY or KEYS_E_CRYPTO (both NULL then).
 */
int keys_chain_der(keys_t *k, unsigned char *der[2], size_t len[2]);

struct keys_crl_info {
    int64_t this_update; /* seconds since the epoch */
    int64_t next_update; /* seconds since the epoch */
    size_t nrevoked;     /* entries listed */
    int listed;          /* keys_crl_check: the certificate is listed */
    int64_t revoked_at;  /* keys_crl_check: its revocation date, when listed */
};

/*
 * Parses a DER CRL (len bytes, at most KEYS_CRL_MAX, v2) and, when ca_der is
 * not NULL, checks that the CA certificate ca_der (DER, ca_len bytes) issued
 * and signed it. Fills *info. Uses no clock: the caller compares next_update.
 * Returns 0 or KEYS_E_TRUST (not a CRL, or not signed by that CA).
 */
int keys_crl_parse(const unsigned char *der, size_t len, const unsigned char *ca_der, size_t ca_len,
                   struct keys_crl_info *info);

/*
 * keys_crl_parse(), then whether the certificate cert_der (DER) is listed:
 * info->listed and info->revoked_at. Returns 0, KEYS_E_TRUST or KEYS_E_CRYPTO
 * (cert_der does not decode).
 */
int keys_crl_check(const unsigned char *der, size_t len, const unsigned char *ca_der, size_t ca_len,
                   const unsigned char *cert_der, size_t cert_len, struct keys_crl_info *info);

/* --- QR token (SPEC §7, byte format in docs/qr-format.md) ---------------- */

struct keys_claims {
    char certificate_no[IDENT_CERTNO_SIZE];     /* 18 characters: 17 digits and 0-9 or X */
    unsigned elicence_version;                  /* 1..999 */
    char position[3];                           /* two digits, "01".."99" */
    char issue_date[11];                        /* YYYY-MM-DD, a real date, years 2000..2099 */
    char province[3];                           /* two digits, "11".."99" */
    char name_masked[KEYS_NAME_MASKED_MAX + 1]; /* UTF-8, e.g. 张*丰; no control chars */
    char id_masked[KEYS_ID_MASKED_MAX + 1];     /* ASCII letters, digits and '*' */
};

/*
 * Signs claims with the active signing key and writes the token (base32,
 * upper case, no padding, NUL-terminated) into out (outsz bytes;
 * KEYS_TOKEN_BUFSZ always suffices). The claims are checked first.
 * Returns 0, KEYS_E_CLAIMS, KEYS_E_TOOSMALL, KEYS_E_NO_PRIVATE_KEY,
 * KEYS_E_NO_ACTIVE_KEY or KEYS_E_CRYPTO.
 */
int keys_token_sign(keys_t *k, const struct keys_claims *claims, char *out, size_t outsz, char *err,
                    size_t errlen);

enum keys_verdict {
    KEYS_TOKEN_GENUINE,     /* signed by a trusted key that was valid on the issue date */
    KEYS_TOKEN_FORGED,      /* the signature does not match the claims */
    KEYS_TOKEN_UNKNOWN_KEY, /* the kid is not in the trust list */
    KEYS_TOKEN_REVOKED_KEY, /* the signing key is revoked */
    KEYS_TOKEN_EXPIRED_KEY, /* the issue date lies after the signing certificate's end */
    KEYS_TOKEN_MALFORMED,   /* not a token of this format (also: too long, bad base32) */
};

/* "genuine", "forged", "unknown_key", "revoked_key", "expired_key", "malformed". */
const char *keys_verdict_name(enum keys_verdict v);

/*
 * Decodes and verifies a token of len bytes (no NUL needed; lower-case
 * base32 is accepted too). *verdict is always set when 0 is returned. out
 * (may be NULL) is filled whenever the verdict is not MALFORMED, and zeroed
 * otherwise; its content is authentic only when the verdict is GENUINE.
 * The check uses no clock: only the token's issue date against the
 * certificate's validity.
 * Returns 0 (a verdict was reached), or ENOMEM / KEYS_E_CRYPTO when the check
 * itself could not run.
 */
int keys_token_verify(const keys_trust_t *t, const char *token, size_t len, struct keys_claims *out,
                      enum keys_verdict *verdict);
/*
 * keys_token_verify for a token the caller knows we made: byte-identical to
 * the one the issuer stored for the certificate's current file. Everything
 * but the ECDSA signature is checked as there (format, the key in the trust
 * list, its state, its validity on the issue date); the signature was
 * verified when it was made. Never use it for a token from outside alone.
 */
int keys_token_judge_ours(const keys_trust_t *t, const char *token, size_t len,
                          struct keys_claims *out, enum keys_verdict *verdict);

/* --- Signed before or after the key was revoked (issue 17, keys/sigtime.c) -- */

/*
 * Applies a CRL of the root (DER, len bytes) to a trust object: the CRL must
 * be issued and signed by the trust list's root; every signing key it lists
 * becomes revoked, with the CRL's revocation date when the trust list gave
 * none or a later one. Fills *info (the caller compares info->next_update
 * with its clock: a CRL past it is stale). Not thread-safe against readers
 * of t: apply before sharing.
 * Returns 0, or KEYS_E_TRUST (not a CRL, or not signed by the root; t unchanged).
 */
int keys_trust_apply_crl(keys_trust_t *t, const unsigned char *der, size_t len,
                         struct keys_crl_info *info);

/*
 * The state of the key that signed a QR token (len bytes of base32) as t
 * publishes it, and its revocation time (seconds since the epoch; 0 unless
 * revoked with a published time). Checks no signature.
 * Returns 0, KEYS_E_INVAL (not a token) or KEYS_E_UNKNOWN_KID.
 */
int keys_token_key(const keys_trust_t *t, const char *token, size_t len, enum keys_state *state,
                   int64_t *revoked_at);

enum keys_when {
    KEYS_WHEN_NOT_REVOKED, /* the signing key is not revoked */
    KEYS_WHEN_BEFORE,      /* signed while the key was valid, before its revocation */
    KEYS_WHEN_AFTER,       /* signed after the key was revoked */
    KEYS_WHEN_UNKNOWN,     /* revoked, and nothing proves when it signed */
};

/* "not_revoked", "before_revocation", "after_revocation", "unknown"; static. */
const char *keys_when_name(enum keys_when w);

/*
 * A QR token's issue date (YYYY-MM-DD in China, UTC+8, the token's own claim)
 * against a revocation time: BEFORE when the date lies before the day of the
 * revocation in China, AFTER when after it, UNKNOWN on that day itself or
 * when revoked_at is 0.
 */
enum keys_when keys_when_day(const char *issue_date, int64_t revoked_at);

enum keys_stamp {
    KEYS_STAMP_ABSENT,    /* the signature carries no time-stamp token */
    KEYS_STAMP_VERIFIED,  /* a token over this signature value by a TSA under the root */
    KEYS_STAMP_UNTRUSTED, /* a token that does not verify, or from a TSA not under the root */
};

/* "absent", "verified", "untrusted"; static. */
const char *keys_stamp_name(enum keys_stamp s);

struct keys_sig_time {
    enum keys_stamp stamp;  /* the signature time-stamp's verdict */
    int64_t signed_at;      /* its genTime (seconds since the epoch) when VERIFIED, else 0 */
    int key_known;          /* the signer's certificate is one of t's signing keys */
    char kid[17];           /* its kid, "" when no signer certificate was found */
    enum keys_state state;  /* its state (after any CRL applied), when key_known */
    int64_t revoked_at;     /* its revocation time when revoked and known, else 0 */
    enum keys_when when;    /* signed_at against revoked_at */
};

/*
 * Reads a PDF signature's CMS SignedData (DER, len bytes, as in /Contents):
 * its signer's certificate looked up in t, and its signature time-stamp
 * (id-aa-signatureTimeStampToken) verified as RFC 3161 prescribes: the
 * token's imprint is over this SignerInfo's signature value, its signer a
 * time-stamping certificate (extendedKeyUsage timeStamping) chaining to t's
 * root, checked at the token's own genTime (so a TSA certificate that has
 * expired since still counts). The CMS signature itself is not checked here.
 * Returns 0 with *out filled, or KEYS_E_INVAL (not a CMS SignedData).
 */
int keys_cms_sig_time(const keys_trust_t *t, const unsigned char *cms, size_t len,
                      struct keys_sig_time *out);

/* === SM2 hierarchy (SPEC §11, issue 18; keys/sm2.c) ========================
 *
 * A second, national-algorithm hierarchy beside the ECDSA one: an SM2
 * provincial root (self-signed, SM2-with-SM3, OID 1.2.156.10197.1.501) and an
 * SM2 signing certificate issued by it, for the electronic seal of the OFD
 * files (GB/T 38540-2020). Every SM2 signature made or checked here - on the
 * certificates, on seals, on data - uses the GM/T 0009 distinguishing
 * identifier KEYS_SM2_ID (OpenSSL 3.0 would otherwise use an empty one and
 * no other implementation would agree).
 *
 * Files in a key directory (all 0600, created O_CREAT|O_EXCL|O_NOFOLLOW,
 * never rewritten): sm2-root.pem, sm2-root.key, sm2-sign.pem, sm2-sign.key;
 * private keys are PKCS#8 PEM, encrypted like the ECDSA ones when a
 * passphrase is given. keys.json knows the SM2 signing keys (below).
 */

#define KEYS_SM2_ID "1234567812345678"  /* GM/T 0009 default distinguishing identifier */
#define KEYS_SM2_ID_LEN 16              /* bytes of KEYS_SM2_ID */
#define KEYS_SM2_SIG_MAX 80             /* bytes of a DER SM2 signature, at most 72 */
#define KEYS_SM2_PUB_HEX_LEN 131        /* "04" x y in hex and the NUL */
#define KEYS_SM2_CERT_MAX (16u * 1024u) /* bytes of an SM2 certificate's DER accepted */

typedef struct keys_sm2 keys_sm2_t; /* an SM2 root and signing certificate, with keys */

enum keys_sm2_which { KEYS_SM2_ROOT, KEYS_SM2_SIGNER };

/*
 * Makes a new SM2 hierarchy in memory: the root (CA:TRUE critical, keyUsage
 * keyCertSign, cRLSign, digitalSignature - the root also makes the seal) and
 * a signing certificate issued by it (digitalSignature, nonRepudiation,
 * CA:FALSE). Subjects are those of the ECDSA hierarchy (C=CN, O=authority,
 * organizationIdentifier=USCC, CN=authority; OU 电子印章签名 for the signer).
 * opts as for keys_create(); passphrase is not used here.
 * On success *out is released with keys_sm2_free().
 * Returns 0, KEYS_E_INVAL or KEYS_E_CRYPTO.
 */
int keys_sm2_generate(const struct keys_create_opts *opts, keys_sm2_t **out, char *err,
                      size_t errlen);

/*
 * Writes the four files into dir (which must exist); a file that exists
 * already is never overwritten (EEXIST). passphrase (passphrase_len bytes,
 * NULL for none) encrypts both private keys. On failure the files this call
 * created are removed again.
 * Returns 0, KEYS_E_CRYPTO or an errno value.
 */
int keys_sm2_save(const keys_sm2_t *s, const char *dir, const unsigned char *passphrase,
                  size_t passphrase_len, char *err, size_t errlen);

/*
 * Loads the four files from dir (with_keys 0: the certificates only) and
 * checks that the signing certificate is issued by the root (SM2 signature
 * checked with KEYS_SM2_ID). passphrase must be given exactly when the keys
 * were saved with one. On success *out is released with keys_sm2_free().
 * Returns 0, KEYS_E_STATE (a file missing or unreadable, also an encrypted
 * key read without a passphrase, or a signer the root did not issue),
 * KEYS_E_BAD_PASSPHRASE, KEYS_E_CRYPTO or an errno value.
 */
int keys_sm2_load(const char *dir, int with_keys, const unsigned char *passphrase,
                  size_t passphrase_len, keys_sm2_t **out, char *err, size_t errlen);

/* Releases a hierarchy and wipes its private keys. NULL-safe. */
void keys_sm2_free(keys_sm2_t *s);

/*
 * The DER of the root or signing certificate: *der points into s and stays
 * valid until keys_sm2_free(s); *len gets its length. Returns 0 or KEYS_E_CRYPTO.
 */
int keys_sm2_cert_der(const keys_sm2_t *s, enum keys_sm2_which which, const unsigned char **der,
                      size_t *len);

/*
 * SM2 signature with SM3 and KEYS_SM2_ID over data[0..len-1] by the root or
 * the signing key: DER SEQUENCE {r, s} into sig (KEYS_SM2_SIG_MAX bytes),
 * its length in *siglen.
 * Returns 0, KEYS_E_NO_PRIVATE_KEY (loaded without keys) or KEYS_E_CRYPTO.
 */
int keys_sm2_sign(const keys_sm2_t *s, enum keys_sm2_which which, const unsigned char *data,
                  size_t len, unsigned char sig[KEYS_SM2_SIG_MAX], size_t *siglen, char *err,
                  size_t errlen);

/*
 * Checks a DER SM2 signature (SM3, KEYS_SM2_ID) over data with the public key
 * of the certificate cert_der (DER, cert_len bytes).
 * Returns 1 when it is valid, 0 when it is not (also a signature that is not
 * DER, or a certificate whose key is not SM2), -1 when the certificate cannot
 * be decoded.
 */
int keys_sm2_verify(const unsigned char *cert_der, size_t cert_len, const unsigned char *data,
                    size_t len, const unsigned char *sig, size_t siglen);

/*
 * 1 when the certificate cert_der is signed by the key of issuer_der (SM2
 * with SM3 and KEYS_SM2_ID, names chained), 0 when not, -1 when either does
 * not decode.
 */
int keys_sm2_cert_issued_by(const unsigned char *cert_der, size_t cert_len,
                            const unsigned char *issuer_der, size_t issuer_len);

/*
 * The certificate's SM2 public key as uncompressed point 04||x||y in
 * lower-case hex (what sm-crypto and GmSSL take) into out.
 * Returns 0 or KEYS_E_CRYPTO.
 */
int keys_sm2_pub_hex(const unsigned char *cert_der, size_t cert_len,
                     char out[KEYS_SM2_PUB_HEX_LEN]);

/* SM3 (GB/T 32905) of data[0..len-1] into out. Returns 0 or KEYS_E_CRYPTO. */
int keys_sm3(const unsigned char *data, size_t len, unsigned char out[32]);

/*
 * --- SM2 signing keys in the state file (keys/sm2_state.c) ---
 * keys.json's "sm2" member lists every SM2 signing key with its state, as
 * "keys" does for the ECDSA ones (a keys.json without it: sm2-sign.pem, the
 * one key, active). keys_rotate() rotates both hierarchies (new files
 * sm2-sign-<kid>.pem/.key, the old SM2 key retired); keys_revoke_publish()
 * takes an SM2 kid as well.
 */
/* 1 when the opened directory holds the SM2 hierarchy. */
int keys_has_sm2(const keys_t *k);
/* The active SM2 signing key's kid: 0, or KEYS_E_NO_ACTIVE_KEY (kid_hex "" then). */
int keys_sm2_active_kid(const keys_t *k, char kid_hex[17]);
/* SM2 signing keys known, oldest first. */
size_t keys_sm2_count(const keys_t *k);
/* The i-th SM2 signing key as keys_list() describes one (no subject). 0 or KEYS_E_INVAL. */
int keys_sm2_entry_info(const keys_t *k, size_t i, struct keys_info *out);
/*
 * The SM2 root's CRL (X.509 v2, DER, signed SM2 with SM3 and KEYS_SM2_ID):
 * every revoked SM2 signing certificate with its revocation date; days as for
 * keys_crl_der(). Needs KEYS_WITH_ROOT. *der is freed with OPENSSL_free().
 * Returns 0, KEYS_E_NO_ROOT_KEY, KEYS_E_INVAL or KEYS_E_CRYPTO.
 */
int keys_sm2_crl_der(const keys_t *k, int days, unsigned char **der, size_t *len, char *err,
                     size_t errlen);
/* keys_sm2_crl_der() written to out_path atomically, mode 0644. */
int keys_sm2_crl_export(const keys_t *k, int days, const char *out_path, char *err, size_t errlen);
/*
 * Checks a DER CRL's signature with the SM2 certificate root_der (SM3,
 * KEYS_SM2_ID; OpenSSL's X509_CRL_verify() would use an empty identifier).
 * 1 valid, 0 not, -1 when either does not decode.
 */
int keys_sm2_crl_verify(const unsigned char *der, size_t len, const unsigned char *root_der,
                        size_t root_len);

/* === end of the SM2 hierarchy ============================================= */

/* === The trust list's SM2 part and offline file checks (issue 18; trust_sm2.c, cms_verify.c)
 *
 * keys_export_trust() adds "sm2" {"root": {"certificate", "sha256"}, "keys":
 * [{"kid", "certificate", "not_before", "not_after", "state"}]} to the
 * document the root signs when the key directory holds the SM2 hierarchy
 * (sm2-root.pem, sm2-sign.pem); keys_trust_load() accepts it only when the SM2
 * root is self-signed and every listed certificate is issued by it (SM2 with
 * SM3, KEYS_SM2_ID), and loads a list without "sm2" as before.
 */

struct keys_sm2_trusted {
    const unsigned char *der; /* the certificate's DER, borrowed from the trust object */
    size_t len;               /* bytes at der */
    char kid[17];             /* SHA-256(DER)[0..7], lower-case hex */
    char not_before[21];      /* YYYY-MM-DDTHH:MM:SSZ */
    char not_after[21];       /* YYYY-MM-DDTHH:MM:SSZ */
    enum keys_state state;    /* as published */
};

/*
 * Applies a CRL of the SM2 root (DER, len bytes, as HOME/sm2-root.crl) to a
 * trust object, as keys_trust_apply_crl() does for the ECDSA root: the CRL
 * must be issued by the trust list's SM2 root and signed by it (SM2 with SM3,
 * KEYS_SM2_ID); every SM2 signing certificate it lists becomes revoked,
 * whatever state the trust list gave it. Fills *info (the caller compares
 * info->next_update with its clock). Not thread-safe against readers of t.
 * Returns 0, KEYS_E_TRUST (not a CRL, not the SM2 root's, or a list without
 * "sm2"; t unchanged) or ENOMEM (t unchanged).
 */
int keys_trust_apply_sm2_crl(keys_trust_t *t, const unsigned char *der, size_t len,
                             struct keys_crl_info *info);
/* The SM2 root's DER (valid while t lives). 0, or KEYS_E_TRUST when the list has no "sm2". */
int keys_trust_sm2_root(const keys_trust_t *t, const unsigned char **der, size_t *len);
/* SM2 signing certificates in the list (0 without "sm2"). */
size_t keys_trust_sm2_count(const keys_trust_t *t);
/* The i-th SM2 signing certificate into *out (pointers into t). 0 or KEYS_E_INVAL. */
int keys_trust_sm2_get(const keys_trust_t *t, size_t i, struct keys_sm2_trusted *out);
/* The listed SM2 signing certificate whose DER is der: 0 with *out, or KEYS_E_UNKNOWN_KID. */
int keys_trust_sm2_find(const keys_trust_t *t, const unsigned char *der, size_t len,
                        struct keys_sm2_trusted *out);

enum keys_cms_verdict {
    KEYS_CMS_VALID,       /* a listed signing key signed exactly these bytes */
    KEYS_CMS_MODIFIED,    /* a listed key's signature, but over other bytes */
    KEYS_CMS_UNKNOWN_KEY, /* the signer is not in the trust list */
    KEYS_CMS_REVOKED_KEY, /* the signature holds, but the list says the key is revoked */
    KEYS_CMS_NOT_SIGNED,  /* not a CMS SignedData with one signer and its certificate */
};

/* "valid", "modified", "unknown_key", "revoked_key", "not_signed"; static. */
const char *keys_cms_verdict_name(enum keys_cms_verdict v);

/*
 * Checks the detached CMS signature der[0..len-1] (at most 1 MiB) over the
 * concatenation of ranges[0..n-1] (1..KEYS_CMS_MAX_RANGES) against t: one
 * signer, its certificate carried in the CMS and listed in t (same kid and
 * key), its signature over the bytes. *verdict always set; reason gets the
 * cause in English ("" when valid). Returns 0, or ENOMEM (verdict then
 * not_signed).
 */
int keys_trust_cms_verify(const keys_trust_t *t, const unsigned char *der, size_t len,
                          const struct jp_span *ranges, size_t n, enum keys_cms_verdict *verdict,
                          char *reason, size_t reasonlen);

/*
 * 1 when the CMS SignedData der[0..len-1] (at most 1 MiB) carries t's root
 * certificate or a certificate whose signature t's root makes good (a signing
 * certificate of ours, listed in t or not: a retired, revoked or stolen key's);
 * 0 otherwise, also for bytes that are not a CMS. Tells only whose
 * certificates the CMS holds, nothing about its signature (keys_trust_cms_verify).
 * Since 2026-12 the issuer's CMS carries the signing certificate alone.
 */
int keys_trust_cms_ours(const keys_trust_t *t, const unsigned char *der, size_t len);

/* === end of the SM2 trust list part ========================================= */

#endif
