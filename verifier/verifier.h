/*
 * verifier.h - the verifier daemon of Jianpei (SPEC §7, §8): an HTTP service
 * over libmicrohttpd that answers certificate lookups, QR verification pages,
 * holder checks, PDF downloads, authenticated batch queries of other provinces,
 * the trust list and the status-changes feed; plus the offline QR check and the
 * client registry used by `jianpei-verifier clients add`.
 *
 * The daemon opens the home's store read-only (one read transaction per
 * request, so issued and revoked certificates show without restart) and builds
 * its trust from the signed trust list HOME/trust-list.pem, verified against
 * the root certificate HOME/trust-root.pem: it never opens HOME/keys/ (but for
 * root.pem in homes without trust-root.pem), so it can run as a user that
 * cannot read the private keys. It rebuilds the trust when the trust list
 * changes (checked at most once a second) and re-reads HOME/clients.json the
 * same way. Per-certificate lockouts live in HOME/portal/ (pages.h).
 *
 * Errors (common/errors.h): 0, a positive errno value, a value of enum
 * verifier_error, or the code of a lower module (store, keys, ident) passed
 * through unchanged; the functions taking err/errlen write a lowercase reason
 * there, naming a lower module's code with that module's strerror where the
 * code was produced (never personal data, never a secret). Nothing here
 * exits; a failing request is answered 4xx/5xx and the daemon goes on.
 */
#ifndef JP_VERIFIER_H
#define JP_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "keys.h"

enum verifier_error {
    VERIFIER_E_INVAL = JP_ERR_VERIFIER_BASE, /* an option or argument breaks its contract */
    VERIFIER_E_START,   /* libmicrohttpd could not start (address in use, ...) */
    VERIFIER_E_HOME,    /* the home lacks its store, keys or configuration */
    VERIFIER_E_CLIENTS, /* HOME/clients.json is malformed */
    VERIFIER_E_EXISTS,  /* clients add: the client id is taken */
};

/*
 * A static lowercase description of this module's own codes and of errno
 * values; any other code gets "unknown error" (a lower module's code is named
 * by that module's strerror, into err, where it was produced). Never NULL.
 */
const char *verifier_strerror(int code);

/* ------------------------------------------------------------- daemon */

typedef struct verifier verifier;

#define VERIFIER_BODY_MAX (64u * 1024) /* bound on a request body */
#define VERIFIER_JSON_DEPTH 8          /* bound on the nesting of a JSON body */
#define VERIFIER_BATCH_MAX 1000        /* numbers per batch-status request */
#define VERIFIER_TS_SKEW 300           /* seconds a signed request's ts may be off */

#define VERIFIER_PROXIES_MAX 32 /* --trusted-proxy entries */

struct verifier_opts {
    const char *home;      /* the runtime home (store, keys, trust-list.pem, config) */
    const char *listen;    /* "HOST:PORT" (IPv4) or "[HOST]:PORT" (IPv6); port 0 = any */
    unsigned threads;      /* thread pool size; 0 = one per online core */
    unsigned conn_limit;   /* connections in total; 0 = config or 1024 */
    unsigned per_ip_limit; /* connections per client address (/32, /64); 0 = config or 16 */
    unsigned timeout_s;    /* idle connection timeout in seconds; 0 = 15 */
    unsigned deadline_s;   /* total time for a request's headers and body; 0 = config or 10 */
    unsigned rate_burst;   /* holder-check/pdf token bucket size per IP; 0 = 10 */
    unsigned rate_per_min; /* its refill, tokens per minute; 0 = 10 */
    int access_log;        /* 1: one line per request on stderr */
    int no_rate_limits;    /* 1: every per-address limit off (benchmarks, tests) */
    unsigned qr_cache;     /* QR verdict cache entries when qr_cache_set; 0 = off */
    int qr_cache_set;      /* 0: the default size (8192 entries) */
    unsigned qr_svg_cache; /* QR symbols kept for the print and share pages; 0 = 256 */
    const char *trusted_proxies[VERIFIER_PROXIES_MAX]; /* CIDRs whose X-Forwarded-For counts */
    size_t ntrusted;                                   /* entries used */
    const char *replica_of;  /* SPEC §12: the primary's http://HOST:PORT, or NULL */
    const char *replica_client;      /* the replica client's id there */
    const char *replica_secret_file; /* a file holding its secret (one line) */
    const char *operator_listen; /* the operator listener's [HOST:]PORT (default host 127.0.0.1),
                                    or NULL: off (operator.c) */
    int operator_public;         /* 1: it may bind a non-loopback address */
};

/*
 * Opens the home and starts serving on opts->listen with an internal thread
 * pool (epoll). On success *out is a running daemon the caller stops with
 * verifier_stop(); on error *out is NULL, err says why, and nothing it
 * started is left running or listening (a failure after the public listener
 * was up closes it again).
 * Returns 0, VERIFIER_E_INVAL (a bad option, listen address, --trusted-proxy
 * or "verifier" setting of config.json), VERIFIER_E_HOME, VERIFIER_E_CLIENTS,
 * VERIFIER_E_START, the errno of socket/bind/listen (EADDRINUSE, EACCES: err
 * then reads "cannot listen on ADDR: REASON"), the errno of pthread_create for
 * the replica's follower, ENOMEM or a store/keys code.
 */
int verifier_start(const struct verifier_opts *opts, verifier **out, char *err, size_t errlen);

/*
 * Fills the options the command line left unset (listen NULL, counts 0,
 * qr_cache_set 0) from the "verifier" object of HOME/config.json: "listen"
 * (copied into listen, listenlen bytes, which opts->listen then points to),
 * "threads", "rate_burst", "rate_per_minute", "qr_cache", "qr_svg_cache",
 * "operator_listen" (copied into oplisten, oplistenlen bytes; not loopback only
 * with "operator_public" true or opts->operator_public). The whole object is
 * checked (the limits too: an unknown key or a value out of range is
 * VERIFIER_E_INVAL naming the key in err). Returns 0 (also when the home has no
 * config.json yet), an errno (config unreadable) or VERIFIER_E_INVAL.
 */
int verifier_conf_apply(const char *home, struct verifier_opts *opts, char *listen,
                        size_t listenlen, char *oplisten, size_t oplistenlen, char *err,
                        size_t errlen);

/* The TCP port the daemon listens on (the chosen one when port 0 was asked). */
uint16_t verifier_port(const verifier *v);
/* The operator listener's port (GET /operator/dashboard), 0 when it is off. */
uint16_t verifier_operator_port(const verifier *v);

/*
 * Stops accepting connections (MHD_quiesce_daemon), lets requests in flight
 * finish (MHD_stop_daemon), then closes the store and frees everything.
 * NULL is a no-op.
 */
void verifier_stop(verifier *v);

/* ---------------------------------------------------------- QR check */

/* The verdicts of SPEC §8 (keys_verdict, plus: a token shown under another
 * certificate number than its own in the URL is FORGED). */
enum verifier_qr_verdict {
    VERIFIER_QR_GENUINE,
    VERIFIER_QR_FORGED,
    VERIFIER_QR_UNKNOWN_KEY,
    VERIFIER_QR_REVOKED_KEY,
    VERIFIER_QR_EXPIRED_KEY,
    VERIFIER_QR_MALFORMED,
};

/* "genuine", "forged", "unknown_key", "revoked_key", "expired_key", "malformed". */
const char *verifier_qr_verdict_name(enum verifier_qr_verdict v);

struct verifier_qr {
    enum verifier_qr_verdict verdict;   /* always set on success */
    char url_certno[IDENT_CERTNO_SIZE]; /* the number in the URL, "" for a bare token */
    struct keys_claims claims;          /* filled unless MALFORMED; authentic only if GENUINE */
    enum keys_when revocation;          /* REVOKED_KEY: issue date against the revocation */
    int64_t revoked_at;                 /* REVOKED_KEY: the revocation time, 0 if unpublished */
};

/*
 * Checks QR text (len bytes): a URL ".../V/<no>/<token>" (or /v/) or a bare
 * token. A token whose claims name another number than its URL is FORGED.
 * A REVOKED_KEY verdict also gets revocation and revoked_at (keys_when_day:
 * the token's issue date against the day of the revocation in China); any
 * other verdict has KEYS_WHEN_NOT_REVOKED there.
 * Returns 0 with out filled, or ENOMEM / KEYS_E_CRYPTO when the check could
 * not run. Reads no clock, no store, no network.
 */
int verifier_qr_check(const keys_trust_t *trust, const char *text, size_t len,
                      struct verifier_qr *out);

/* ------------------------------------- signed before the revocation? */

/* The root's (or the SM2 root's) CRL as applied to a trust (verifier/sigtime.c, issue 17). */
enum verifier_crl_state { VERIFIER_CRL_ABSENT, VERIFIER_CRL_LOADED, VERIFIER_CRL_INVALID };

struct verifier_crl {
    enum verifier_crl_state state; /* absent (no file), loaded, or invalid (ignored) */
    int64_t this_update;           /* seconds since the epoch, when loaded */
    int64_t next_update;           /* seconds since the epoch, when loaded */
    size_t nrevoked;               /* entries listed, when loaded */
};

/*
 * Reads the DER CRL at path (at most KEYS_CRL_MAX bytes) and applies it to t
 * (keys_trust_apply_crl: listed keys become revoked). A missing file is
 * state ABSENT and 0. Returns 0, an errno value from reading, or
 * KEYS_E_TRUST (not a CRL of t's root; state INVALID, t unchanged); err says
 * what and where.
 */
int verifier_crl_apply(keys_trust_t *t, const char *path, struct verifier_crl *out, char *err,
                       size_t errlen);

/*
 * verifier_crl_apply() for the SM2 root's CRL (HOME/sm2-root.crl) with
 * keys_trust_apply_sm2_crl(): the SM2 signing keys it lists become revoked,
 * so an OFD they sealed is revoked_key even when a stale trust list still
 * says active. KEYS_E_TRUST also for a trust list without the SM2 hierarchy.
 */
int verifier_sm2_crl_apply(keys_trust_t *t, const char *path, struct verifier_crl *out, char *err,
                           size_t errlen);

/* "absent", "invalid", "stale" (now past nextUpdate) or "current"; static. */
const char *verifier_crl_state_name(const struct verifier_crl *c, int64_t now);

/*
 * The words for w into out: English ("signed while the key was valid (before
 * it was revoked on DATE)", "signed after the key was revoked (on DATE)") or,
 * with chinese, Simplified Chinese for the pages. Returns 0 or ENOSPC.
 */
int verifier_when_words(enum keys_when w, int64_t revoked_at, int chinese, char *out,
                        size_t outsz);

/* ------------------------------------------------------------ clients */

#define VERIFIER_CLIENT_ID_MAX 64   /* [A-Za-z0-9._-]{1,64} */
#define VERIFIER_SECRET_LEN 64      /* 32 random bytes as lower-case hex */
#define VERIFIER_MAX_CLIENTS 256    /* clients a home may hold */
#define VERIFIER_INSTITUTION_MAX 32 /* an institution code: 1..32 of A-Z a-z 0-9 - */

/*
 * Creates client id in HOME/clients.json (mode 0600, replaced atomically) with
 * a fresh random secret, written NUL-terminated into secret[VERIFIER_SECRET_LEN
 * + 1]; the caller shows it once and wipes it. Returns 0, VERIFIER_E_INVAL (bad
 * id), VERIFIER_E_EXISTS, VERIFIER_E_CLIENTS, KEYS_E_CRYPTO or an errno value.
 */
int verifier_clients_add(const char *home, const char *id, char secret[VERIFIER_SECRET_LEN + 1],
                         char *err, size_t errlen);
/*
 * verifier_clients_add for a training institution's client (SPEC §10): its
 * entry gets "scope":"institution" and "institution":CODE, and it may call
 * only /api/v1/institutions/CODE/... Same returns; VERIFIER_E_INVAL also for a
 * code that is not 1..32 of A-Z a-z 0-9 -.
 */
int verifier_clients_add_institution(const char *home, const char *id, const char *code,
                                     char secret[VERIFIER_SECRET_LEN + 1], char *err,
                                     size_t errlen);

/*
 * verifier_clients_add with a scope: NULL or "province" (as above), "replica"
 * (may also follow GET /api/v1/replication, SPEC §12) or "institution" with
 * its code. VERIFIER_E_INVAL for another scope.
 */
int verifier_clients_add_scoped(const char *home, const char *id, const char *scope,
                                const char *institution, char secret[VERIFIER_SECRET_LEN + 1],
                                char *err, size_t errlen);

/* ------------------------------------------- offline file check (issue 18) */

/* What `verify-file` says of a certificate file, PDF or OFD. */
enum verifier_file_verdict {
    VERIFIER_FILE_VALID,       /* signed or sealed by a key of the trust list, every byte covered */
    VERIFIER_FILE_MODIFIED,    /* our signature or seal, but the file is not what it covered */
    VERIFIER_FILE_NOT_OURS,    /* signed or sealed, but not by a key of the trust list */
    VERIFIER_FILE_REVOKED_KEY, /* the signature holds, but its key is revoked in the list */
    VERIFIER_FILE_NOT_SIGNED,  /* neither a signed PDF nor a sealed OFD package */
};

/* "valid", "modified", "not_ours", "revoked_key", "not_signed". */
const char *verifier_file_verdict_name(enum verifier_file_verdict v);

struct verifier_file {
    const char *format;                 /* "pdf", "ofd" or "unknown"; static */
    enum verifier_file_verdict verdict; /* always set on success */
    char reason[256];                   /* why, in English; "" when valid */
};

/*
 * Checks file[0..len-1] offline against trust: a PDF (%PDF-) by its last
 * signature's CMS over every byte but the signature value (the signer must be
 * a signing certificate of the list), an OFD package (ZIP) by its seal
 * (ofd_verify with the list's SM2 root and signing certificates). Reads no
 * clock, no store, no network; bounded by the PDF scan and the OFD reader.
 * Returns 0 with out filled, or ENOMEM.
 */
int verifier_file_check(const keys_trust_t *trust, const unsigned char *file, size_t len,
                        struct verifier_file *out);

#endif
