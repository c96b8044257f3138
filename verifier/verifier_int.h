/*
 * verifier_int.h - what the verifier's source files share and nobody else
 * sees: the daemon state, a request as the handlers get it, a reply as they
 * give it back, metrics, the rate limiter and the client registry.
 *
 * Handlers are plain functions from a struct vf_call to a struct vf_reply:
 * they know nothing of libmicrohttpd, which daemon.c alone talks to.
 */
#ifndef JP_VERIFIER_INT_H
#define JP_VERIFIER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "claim.h"
#include "config.h"
#include "keys.h"
#include "pages.h"
#include "store.h"
#include "verifier.h"

#define VF_PATH_MAX 4096

/* ------------------------------------------------------------- metrics */

enum vf_endpoint {
    VF_EP_PAGE,         /* GET /V/{no}/{token} */
    VF_EP_CERT,         /* GET /api/v1/certificates/{no} */
    VF_EP_HOLDER_CHECK, /* POST .../holder-check */
    VF_EP_PDF,          /* POST .../pdf */
    VF_EP_VERIFY,       /* POST /api/v1/verify */
    VF_EP_BATCH,        /* POST /api/v1/batch-status */
    VF_EP_TRUST,        /* GET /api/v1/trust-list */
    VF_EP_CHANGES,      /* GET /api/v1/status-changes */
    VF_EP_HEALTH,       /* GET /healthz */
    VF_EP_METRICS,      /* GET /metrics */
    VF_EP_PEOPLE,       /* the people's pages: /, /c/{no}, /R/{id}, forms */
    VF_EP_FILE_CHECK,   /* /check/file, /api/v1/check-file */
    VF_EP_ROSTER,       /* /check/roster, /api/v1/roster */
    VF_EP_HOLDER,       /* the holder's pages: /me, /me/... */
    VF_EP_SHARE,        /* a share's page: /S/{id} */
    VF_EP_INSTITUTION,  /* /api/v1/institutions/{code}/... */
    VF_EP_CRL,          /* GET /api/v1/crl/root.crl, /api/v1/crl/sm2-root.crl */
    VF_EP_REPLICATION,  /* GET /api/v1/replication */
    VF_EP_OTHER,        /* anything else */
    VF_EP_COUNT
};

#define VF_CODES 11   /* 200 400 401 403 404 405 413 429 500 503 other */
#define VF_BUCKETS 12 /* latency histogram buckets, the last one +Inf */

struct vf_metrics {
    _Atomic unsigned long long requests[VF_EP_COUNT][VF_CODES]; /* by endpoint, status */
    _Atomic unsigned long long latency[VF_BUCKETS];             /* non-cumulative counts */
    _Atomic unsigned long long latency_us_sum;                  /* sum of latencies */
    _Atomic unsigned long long rate_limited;                    /* 429 answers */
    _Atomic unsigned long long lookup_not_found;  /* lookups of valid numbers not in the store */
    _Atomic unsigned long long not_found_limited; /* 429s of the not-found ceiling */
    _Atomic unsigned long long conn_refused;      /* connections refused at accept (conns.c) */
    _Atomic unsigned long long deadline_cut;      /* requests cut at their deadline (conns.c) */
    _Atomic unsigned long long trust_reloads;     /* trust rebuilt from keys */
};

/* Counts one request. */
void vf_metrics_count(struct vf_metrics *m, enum vf_endpoint ep, unsigned status, uint64_t us);
/* Writes the Prometheus text into out. Returns 0 or ENOMEM/EFBIG. */
int vf_metrics_render(struct vf_metrics *m, struct jp_buf *out);
/* "page", "certificate", ...; static. */
const char *vf_endpoint_name(enum vf_endpoint ep);

/* ---------------------------------------------------------- rate limit */

typedef struct vf_ratelimit vf_ratelimit;

#define VF_RL_SETS_MAX (1u << 20) /* bound on a limiter's table (4 buckets a set) */

/*
 * A token bucket per key: burst tokens, refilled per tokens every period_s
 * seconds, in a table of sets x 4 buckets (least recently seen evicted).
 * Returns 0, EINVAL, ENOMEM or KEYS_E_CRYPTO (no random hash key).
 */
int vf_ratelimit_new(unsigned burst, unsigned per, unsigned period_s, size_t sets,
                     vf_ratelimit **out);
/* NULL-safe. */
void vf_ratelimit_free(vf_ratelimit *rl);
/*
 * Takes one token for key (klen <= 16 bytes; 0 for a global bucket) at
 * monotonic time now_ns. Returns 1 when allowed, else 0 with *retry_after_s
 * (1..86400) set. A NULL rl allows everything (the limit is off).
 */
int vf_ratelimit_take(vf_ratelimit *rl, const void *key, size_t klen, uint64_t now_ns,
                      unsigned *retry_after_s);
/* Tokens in key's bucket at now_ns, burst for a key not seen lately; takes none, adds none. */
double vf_ratelimit_level(vf_ratelimit *rl, const void *key, size_t klen, uint64_t now_ns);

/* -------------------------------------------------------------- limits */

/* The "verifier" object of HOME/config.json (limits.c, docs/operations.md). */
struct vf_limits_conf {
    unsigned lookups_per_minute;      /* per address: short bucket (30) */
    unsigned lookups_per_day;         /* per address: long bucket (500) */
    unsigned not_found_per_minute;    /* all addresses together; 0 = no ceiling (120) */
    unsigned request_deadline_s;      /* headers and body of one request (10) */
    unsigned connections_per_address; /* open connections of one /32 or /64 (16) */
    unsigned max_connections;         /* open connections in all (1024) */
};

struct vf_limits {
    int off;               /* --no-rate-limits */
    vf_ratelimit *minute;  /* lookups per address, short bucket */
    vf_ratelimit *day;     /* lookups per address, long bucket */
    vf_ratelimit *marks;   /* not-found answers per address, 10 minutes */
    vf_ratelimit *ceiling; /* not-found answers of all addresses; NULL = none */
};

void vf_limits_conf_defaults(struct vf_limits_conf *c);
/* The limits of vf_conf_load (defaults where the file is silent). 0, VERIFIER_E_INVAL or errno. */
int vf_limits_conf_load(const char *home, struct vf_limits_conf *out, char *err, size_t errlen);

#define VF_LISTEN_MAX 128 /* bytes of a "listen" value, NUL included */

/* Everything the "verifier" object of HOME/config.json says (conf.c); 0 / "" = not given. */
struct vf_conf {
    char listen[VF_LISTEN_MAX];   /* "listen" */
    unsigned threads;             /* "threads" */
    unsigned rate_burst;          /* "rate_burst" */
    unsigned rate_per_min;        /* "rate_per_minute" */
    unsigned qr_cache;            /* "qr_cache" when qr_cache_set (0 = cache off) */
    int qr_cache_set;             /* "qr_cache" was given */
    unsigned qr_svg_cache;        /* "qr_svg_cache" */
    char operator_listen[VF_LISTEN_MAX]; /* "operator_listen", "" when absent */
    int operator_public;                 /* "operator_public": true */
    struct vf_limits_conf limits; /* limits.c's keys, defaults where absent */
};

/*
 * Reads and checks the whole "verifier" object of HOME/config.json into *out
 * (limits defaulted first). Returns 0, the errno of reading (err names the
 * file), or VERIFIER_E_INVAL (err names the key).
 */
int vf_conf_load(const char *home, struct vf_conf *out, char *err, size_t errlen);
/* Sets up the buckets (none when off). 0, ENOMEM, KEYS_E_CRYPTO. */
int vf_limits_init(struct vf_limits *l, const struct vf_limits_conf *c, int off);
/* Frees the buckets; l is left empty. */
void vf_limits_free(struct vf_limits *l);

struct verifier;
struct vf_call;
struct vf_reply;
/*
 * Before a public lookup of a certificate by number (the API, the QR page;
 * the people's pages /c/{no} and the roster are to call it too): 1 to go on,
 * else 0 with r filled as 429 with Retry-After.
 */
int vf_lookup_allow(struct verifier *v, const struct vf_call *c, struct vf_reply *r);
/* After a lookup found nothing: 1 to answer 404, else 0 with r filled as 429. */
int vf_lookup_missed(struct verifier *v, const struct vf_call *c, struct vf_reply *r);

/* ------------------------------------------------------------- clients */

/* What a client may call ("scope" in HOME/clients.json). */
enum vf_scope {
    VF_SCOPE_PROVINCE,    /* no "scope": other provinces, SPEC §8's endpoints */
    VF_SCOPE_REPLICA,     /* "replica": /api/v1/replication, plus what provinces may */
    VF_SCOPE_INSTITUTION, /* "institution": only /api/v1/institutions/{institution}/... */
};

struct vf_client {
    char id[VERIFIER_CLIENT_ID_MAX + 1];            /* client id */
    char secret[VERIFIER_SECRET_LEN + 1];           /* the HMAC key's text; wiped on free */
    char created[21];                               /* YYYY-MM-DDTHH:MM:SSZ */
    enum vf_scope scope;                            /* what it may call */
    char institution[VERIFIER_INSTITUTION_MAX + 1]; /* VF_SCOPE_INSTITUTION: its code, else "" */
};

struct vf_clients {
    struct vf_client *list; /* owned, n entries */
    size_t n;               /* entries */
};

/* Reads HOME/clients.json; a missing file is an empty registry. Free with vf_clients_free. */
int vf_clients_load(const char *home, struct vf_clients *out, char *err, size_t errlen);
/* Wipes the secrets and frees. NULL-safe, leaves *c empty. */
void vf_clients_free(struct vf_clients *c);
/* 1 when id is 1..64 of [A-Za-z0-9._-]. */
int vf_client_id_ok(const char *id);
/* 1 when code is an institution code: 1..VERIFIER_INSTITUTION_MAX of [A-Za-z0-9-]. */
int vf_institution_code_ok(const char *code);
#define VF_QUERY_PARAMS_MAX 64 /* parameters a signed query string may have */

/*
 * Appends SPEC §8's canonical form of a raw query string (without its '?') to
 * out: "?" and the '&'-separated parameters sorted by name (ties by the whole
 * parameter), bytes as sent. NULL or "" appends nothing. Returns 0, EINVAL
 * (more than VF_QUERY_PARAMS_MAX parameters) or out's errors.
 */
int vf_query_canonical(const char *query, struct jp_buf *out);

/*
 * Checks an Authorization header of SPEC §8 for method, path, raw query string
 * (NULL when the request has none) and body at unix time now. The header must
 * name client, ts and sig exactly once each and nothing else. Returns 0 when
 * authentic, EACCES otherwise (the reason, without secrets, in why).
 */
int vf_auth_check(const struct vf_clients *c, const char *method, const char *path,
                  const char *query, const char *authz, const void *body, size_t len, int64_t now,
                  char *why, size_t whylen);
/*
 * vf_auth_check of call c against v's registry (under v->lock) that also
 * copies the authentic client, its secret left empty, into *who. Returns 0 or
 * EACCES (why filled).
 */
int vf_auth_call(struct verifier *v, const struct vf_call *c, struct vf_client *who, char *why,
                 size_t whylen);
/* vf_auth_check that also copies the authenticated client into *who (secret included: the
 * caller wipes it with jp_cleanse). *who is zeroed unless 0 is returned. */
int vf_auth_check_client(const struct vf_clients *c, const char *method, const char *path,
                         const char *query, const char *authz, const void *body, size_t len,
                         int64_t now, struct vf_client *who, char *why, size_t whylen);
/* HMAC-SHA256 of SPEC §8's signed text into mac[32] (the signer's and the checker's). */
int vf_auth_mac(const char *secret, const char *method, const char *path, const char *query,
                const char *ts, const void *body, size_t len, unsigned char mac[32]);

/* -------------------------------------------------------------- daemon */

/* Identity of a file, to notice a replacement or a rewrite. */
struct vf_stamp {
    dev_t dev;             /* device */
    ino_t ino;             /* inode */
    off_t size;            /* bytes */
    struct timespec mtime; /* modification time */
    int exists;            /* 0 when stat failed */
};

/*
 * 1 when the request path "/V/<no>/<token>" is, byte for byte, the end of the
 * QR text the issuer stored with cert's current file (page.c); 0 otherwise,
 * also when cert is NULL or has none recorded.
 */
int vf_qr_is_stored(const char *path, const struct store_cert *cert);
/*
 * verifier_qr_check for a path vf_qr_is_stored accepted: the key's trust and
 * state are checked, the signature (verified when the issuer made it) is not.
 */
int vf_qr_check_stored(const keys_trust_t *trust, const char *path, struct verifier_qr *out);

/*
 * A fixed table of nslots equal slots, zeroed at init, slot i guarded by the
 * lock mu[i % VF_SLOTS_STRIPES] (slots.c); the QR and lookup caches below are
 * built on it. Not thread-safe to init or free; lock/unlock are.
 */
#define VF_SLOTS_STRIPES 64
struct vf_slots {
    void *slots;                          /* owned; nslots slots of size bytes, NULL when off */
    size_t size;                          /* bytes of one slot */
    size_t nslots;                        /* slots; 0 = off */
    int ready;                            /* 1 between init and free */
    pthread_mutex_t mu[VF_SLOTS_STRIPES]; /* slot i is guarded by mu[i % STRIPES] */
};
/*
 * Sets up t with nslots zeroed slots of size bytes each (nslots 0: no table,
 * the owner treats the cache as off). Returns 0 or ENOMEM (t not ready then,
 * vf_slots_free a no-op).
 */
int vf_slots_init(struct vf_slots *t, size_t nslots, size_t size);
/*
 * Calls release (when not NULL) on every slot, so the owner frees what a slot
 * owns, then frees the table and the locks. A no-op when t is NULL or not
 * ready; no other thread may use t meanwhile.
 */
void vf_slots_free(struct vf_slots *t, void (*release)(void *slot));
/* Locks the stripe of slot i (i < nslots) and returns slot i, valid until unlock. */
void *vf_slots_lock(struct vf_slots *t, size_t i);
/* Unlocks the stripe of slot i, locked by vf_slots_lock(t, i) in this thread. */
void vf_slots_unlock(struct vf_slots *t, size_t i);

/* Verdicts of QR texts already checked (qrcache.c). */
#define VF_QRCACHE_SLOTS 8192 /* default entries (--qr-cache) */
struct vf_qrcache {
    struct vf_slots t;       /* struct vf_qrslot entries; nslots 0 = cache off */
    _Atomic uint64_t gen;    /* current trust generation, from 1 */
    _Atomic uint64_t hits;   /* answers served from the cache */
    _Atomic uint64_t stored; /* checks of stored QR texts, no signature */
};
/* Sets up a cache of nslots entries (0: off; get misses, put forgets). 0 or ENOMEM. */
int vf_qrcache_init(struct vf_qrcache *c, size_t nslots);
void vf_qrcache_free(struct vf_qrcache *c);
/* Starts a new generation: every entry judged under the old trust is ignored. */
void vf_qrcache_invalidate(struct vf_qrcache *c);
/* 1 and *out filled when key (SHA-256 of the QR text) was judged in this generation. */
int vf_qrcache_get(struct vf_qrcache *c, const unsigned char key[32], struct verifier_qr *out);
/* Remembers a verdict reached in generation gen (read before the check began). */
void vf_qrcache_put(struct vf_qrcache *c, const unsigned char key[32], uint64_t gen,
                    const struct verifier_qr *qr);

/*
 * Lookup answers already built, kept per record version (lookup_cache.c):
 * served while the store's record of the number is byte for byte the one an
 * answer was built from. Direct-mapped on the number, fixed slots.
 */
#define VF_LOOKUP_CACHE_SLOTS 8192 /* entries kept, about 1 KB each when full */
#define VF_LOOKUP_REC_MAX 4096    /* records longer than this are not kept */
#define VF_LOOKUP_ANSWER_MAX 4096 /* nor answers longer than this */
struct vf_lookup_cache {
    struct vf_slots t;       /* struct vf_lookup_slot entries; nslots 0 = cache off */
    _Atomic uint64_t hits;   /* answers served from a slot */
    _Atomic uint64_t misses; /* answers built (then kept) */
};
/* Sets up a cache of nslots entries (0: off, every answer built). 0 or ENOMEM. */
int vf_lookup_cache_init(struct vf_lookup_cache *c, size_t nslots);
/* Wipes and frees every kept record and answer; a no-op on a cache never set up. */
void vf_lookup_cache_free(struct vf_lookup_cache *c);
/*
 * Appends the lookup answer of certificate no (the object of vf_cert_json_text)
 * to b, read in a fresh snapshot of this thread's read handle: the kept answer
 * when the record is unchanged, else built and kept. Returns 0,
 * STORE_ENOTFOUND, STORE_EINVAL (not 18 characters), STORE_ECORRUPT, or a
 * store or b error (b then holds whatever was appended).
 */
int vf_cert_answer(struct verifier *v, const char *no, struct jp_buf *b);
/*
 * Starts a fresh snapshot in this worker thread's reusable read handle
 * (*txn; kept in v->txn_key, freed by its destructor when the thread ends).
 * The caller ends the snapshot with store_read_reset(*txn). Returns 0, a
 * store error or ENOMEM (no handle then).
 */
int vf_read_renew(struct verifier *v, store_txn **txn);

/* QR symbols of recent texts, drawn as inline SVG (qrsvg.c). */
#define VF_QRSVG_SLOTS 256       /* default symbols kept ("qr_svg_cache") */
#define VF_QRSVG_SLOTS_MAX 65536 /* at most, about 32 KB each when full */
struct vf_qrsvg_slot;
struct vf_qrsvg {
    struct vf_qrsvg_slot *slots; /* owned; nslots */
    size_t nslots;               /* 1..VF_QRSVG_SLOTS_MAX */
};
/* Sets up a cache of nslots symbols (1..VF_QRSVG_SLOTS_MAX). 0, EINVAL or ENOMEM. */
int vf_qrsvg_init(struct vf_qrsvg *c, size_t nslots);
void vf_qrsvg_free(struct vf_qrsvg *c);
/*
 * Appends the QR code of text as an inline <svg class="qr"> (one path, quiet
 * zone 4, error correction Q). Returns 0, ENOMEM (also when text cannot be
 * encoded) or b's errors.
 */
int vf_qrsvg_append(struct vf_qrsvg *c, const char *text, struct jp_buf *b);

/* A trusted proxy's address range. */
struct vf_cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network address, 4 or 16 bytes used */
    unsigned bits;          /* prefix length */
};

/* Open connections and request deadlines (conns.c). */
#define VF_CONN_RESERVE 16 /* slots past max_connections for the local host and trusted proxies */
struct vf_conn;
struct vf_conns {
    pthread_mutex_t mu;         /* guards slots and open */
    pthread_cond_t cv;          /* wakes the reaper to stop */
    pthread_t reaper;           /* shuts down requests past their deadline */
    int stop;                   /* 1: the reaper ends */
    int ready;                  /* 1 once the reaper runs */
    struct vf_conn *slots;      /* owned; nslots */
    size_t nslots;              /* max_connections + VF_CONN_RESERVE */
    size_t open;                /* slots in use */
    size_t public_limit;        /* max_connections */
    unsigned per_addr;          /* connections per client address */
    uint64_t deadline_ms;       /* headers and body of one request */
    struct vf_metrics *metrics; /* borrowed: where refusals and cuts are counted */
};

struct verifier {
    struct verifier_opts opts;                    /* copy; home points at home[] */
    struct vf_conns conns;                        /* open connections, deadlines */
    struct vf_cidr proxies[VERIFIER_PROXIES_MAX]; /* --trusted-proxy, parsed */
    size_t nproxies;                              /* entries used */
    char home[VF_PATH_MAX];                       /* the runtime home */
    struct jp_config cfg;                         /* HOME/config.json */
    store *st;                                    /* read-only store */
    int ofds_db;   /* the issuer's OFD packages in st (STORE_DB_OPTIONAL: absent = none) */
    pthread_rwlock_t lock;         /* guards trust and clients */
    keys_trust_t *trust;           /* from HOME/trust-list.pem; may be NULL if it broke */
    struct verifier_crl crl;       /* HOME/root.crl as applied to trust (guarded by lock) */
    struct vf_clients clients;     /* HOME/clients.json */
    pthread_mutex_t reload_lock;   /* one reloader at a time */
    _Atomic int64_t last_check_s;  /* monotonic second of the last stamp check */
    struct vf_stamp keys_stamp;    /* trust-list.pem as last loaded */
    struct vf_stamp clients_stamp; /* clients.json as last loaded */
    struct vf_stamp crl_stamp;     /* root.crl as last applied to trust */
    struct vf_stamp sm2_crl_stamp; /* sm2-root.crl as last applied to trust */
    vf_ratelimit *rl;              /* holder-check / pdf limiter; NULL with --no-rate-limits */
    struct vf_limits limits;       /* public lookup limits */
    struct vf_limits_conf lconf;   /* limits from the configuration */
    portal *portal;                /* HOME/portal/: per-certificate lockouts */
    struct vf_metrics metrics;     /* counters */
    struct vf_qrcache qrcache;     /* verdicts of QR texts already checked */
    struct vf_qrsvg qrsvg;         /* QR symbols of the print view and share pages */
    pthread_key_t txn_key;         /* each worker thread's reusable read transaction */
    int txn_key_ready;             /* 1 once txn_key exists */
    struct MHD_Daemon *mhd;        /* the running daemon */
    uint16_t port;                 /* bound port */
    int locks_ready;               /* 1 once lock and reload_lock are initialised */
    unsigned char claim_key[JP_CLAIM_KEY_LEN]; /* HOME/claim.key once claim_ready */
    atomic_int claim_ready;                    /* 1 once claim_key is loaded (then never changes) */
    struct vf_replica *replica;                /* the follower (--replica-of), else NULL */
    struct vf_operator *op;                    /* the operator listener, else NULL */
    struct vf_lookup_cache lookups;            /* lookup answers already built */
};

/* ------------------------------------------------------------ operator.c */

struct vf_operator;
/* Starts the operator listener on v->opts.operator_listen (a loopback address unless
 * operator_public). 0, VERIFIER_E_INVAL (address; err says why), VERIFIER_E_START, errno. */
int vf_operator_start(struct verifier *v, struct vf_operator **out, char *err, size_t errlen);
/* Stops it and frees it. NULL-safe. */
void vf_operator_stop(struct vf_operator *op);
/* Its bound port, 0 for NULL. */
uint16_t vf_operator_port(const struct vf_operator *op);
/* Binds and listens on ss (a failure reads "cannot listen on WHERE: REASON"). 0 with *fd or
 * the errno of socket/bind/listen (daemon.c). */
int vf_listen_open(const struct sockaddr_storage *ss, const char *where, int *fd, char *err,
                   size_t errlen);

/*
 * The claim key (claim.h), loaded on first need under reload_lock (a home
 * whose first certificate is issued after the verifier started gets it then).
 * NULL while HOME/claim.key does not exist: every claim-code proof fails.
 */
const unsigned char *vf_claim_key(struct verifier *v);

/*
 * A holder's proof (SPEC §10): certificate no's claim code (code, as typed)
 * and the last 6 characters of its holder's ID number. Charged to the
 * certificate's lockout first (refunded when it holds); an unknown number, a
 * certificate without a code, a wrong code and a wrong ID all give *match 0
 * after the same work. When it holds and pdf is not NULL, the stored PDF is
 * copied into pdf (initialised by the caller, freed here on any other
 * outcome). Returns 0, PAGES_E_LOCKED with *retry set, or an error.
 */
int vf_claim_proof(struct verifier *v, const char *no, const char *code, size_t code_len,
                   const char *last6, size_t last6_len, int *match, struct jp_buf *pdf,
                   unsigned *retry);

/* Reloads trust and clients when their files changed (at most once a second). */
void vf_reload_if_changed(struct verifier *v);
/* Builds the trust from HOME/trust-list.pem pinned to HOME/trust-root.pem (no private key),
 * with HOME/root.crl and HOME/sm2-root.crl applied; *crl and *sm2_crl (each may be NULL)
 * say how those CRLs were. */
int vf_trust_build(const char *home, keys_trust_t **out, struct verifier_crl *crl,
                   struct verifier_crl *sm2_crl, char *err, size_t errlen);

/*
 * The long-term reading of an uploaded PDF's last signature (sigtime.c): its
 * time-stamp and key against the trust and CRL, under v->lock. Returns 1 with
 * *out filled when the file has a CMS signature value, 0 when not.
 */
int vf_file_sig_time(struct verifier *v, const unsigned char *file, size_t len,
                     struct keys_sig_time *out);

/* The "signature_time" member of the file check's JSON (docs/api.yaml); NULL on ENOMEM. */
struct json_t *vf_sig_time_json(struct verifier *v, const struct keys_sig_time *st);

/* The page's sentence for st, in Chinese, as <p class="..."> into b. Returns 0 or an error. */
int vf_sig_time_html(const struct keys_sig_time *st, struct jp_buf *b);

/* ------------------------------------------------------------- proxies */

/* "ADDR" or "ADDR/BITS", IPv4 or IPv6, into *out. 0 or EINVAL. */
int vf_cidr_parse(const char *s, struct vf_cidr *out);
/* Parses opts' --trusted-proxy list into v. 0 or VERIFIER_E_INVAL (reason in err). */
int vf_proxies_set(struct verifier *v, const struct verifier_opts *o, char *err, size_t errlen);
struct sockaddr;
struct vf_call;
/*
 * Sets c->addr/addrlen: the peer's address (IPv4, or the /64 of IPv6), or,
 * when the peer is a trusted proxy, the client its X-Forwarded-For (right-most
 * untrusted entry) or X-Real-IP names. xff and real_ip may be NULL.
 */
void vf_client_key(const struct verifier *v, const struct sockaddr *peer, const char *xff,
                   const char *real_ip, struct vf_call *c);

/* 1 when the peer is a trusted proxy. */
int vf_peer_trusted(const struct verifier *v, const struct sockaddr *peer);

/* ------------------------------------------------------------- conns */

/* Starts the reaper; the limits come from o (after defaults). 0 or an errno value. */
int vf_conns_init(struct vf_conns *cs, const struct verifier_opts *o, struct vf_metrics *m);
/* Stops the reaper (after libmicrohttpd stopped) and frees. No-op when not ready. */
void vf_conns_free(struct vf_conns *cs);
#ifdef MHD_VERSION /* the libmicrohttpd side: daemon.c and conns.c only */
/* libmicrohttpd's accept policy (cls: the verifier). */
enum MHD_Result vf_conns_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* libmicrohttpd's connection notification (cls: the verifier). */
void vf_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe);
/* The request is all in: its deadline no longer runs. */
void vf_conns_request_in(struct MHD_Connection *conn);
/* The answer is sent: the next request on the connection has a deadline again. */
void vf_conns_answered(struct verifier *v, struct MHD_Connection *conn);
#endif

/* ------------------------------------------------------------ handlers */

/* A request as a handler sees it. Every pointer is borrowed for the call. */
struct vf_call {
    const char *method;        /* "GET", "POST", ... */
    const char *path;          /* without query string */
    const unsigned char *body; /* NUL-terminated, len bytes */
    size_t len;                /* body bytes */
    int wants_json;            /* Accept names application/json */
    const char *authz;         /* Authorization header or NULL */
    const char *since;         /* ?since= or NULL */
    const char *query;         /* the raw query string as sent, without '?'; NULL when none */
    const char *cookie;        /* Cookie header or NULL */
    const char *user_agent;    /* User-Agent header or NULL (WeChat gets the print view) */
    const char *ctype;         /* Content-Type header or NULL */
    const char *if_none_match; /* If-None-Match header or NULL */
    unsigned char addr[16];    /* client address key for the rate limiter */
    size_t addrlen;            /* bytes of addr */
};

/* A reply: body is owned (malloc) and handed to libmicrohttpd. */
struct vf_reply {
    unsigned status;                       /* HTTP status */
    const char *ctype;                     /* static content type */
    unsigned char *body;                   /* owned, NULL for empty */
    size_t len;                            /* bytes */
    int html;                              /* 1: add the HTML security headers */
    unsigned retry_after;                  /* seconds, 0 = no header */
    char disposition[64];                  /* Content-Disposition, "" = none */
    char set_cookie[PAGES_SET_COOKIE_MAX]; /* a Set-Cookie value, "" = none */
    char location[96];                     /* Location of a redirect, "" = none */
    char cache[48];                        /* Cache-Control (vf_reply_cache), "" = "no-store" */
    char etag[72];                         /* ETag value (quoted), "" = none */
    const char *xname;                     /* one more header's static name, NULL = none */
    char xvalue[80];                       /* its value */
};

/*
 * GET of the CRL HOME/file (crl.c): DER with ETag, cacheable until its
 * nextUpdate; 304 when If-None-Match names the current ETag, 404 when none
 * is published. Returns 0 or an error for a 500.
 */
int vf_h_crl(struct verifier *v, const struct vf_call *c, const char *file, struct vf_reply *r);

/* Releases out->body. */
void vf_reply_clear(struct vf_reply *r);
/*
 * A 200 download of body (moved into r; body is left empty) as ctype, named
 * "no.ext" in Content-Disposition, not stored by caches. Returns 0 or ENOSPC.
 */
int vf_reply_attachment(struct vf_reply *r, const char *ctype, struct jp_buf *body, const char *no,
                        const char *ext);
/*
 * Reads the published file name in v's home (at most max bytes) into *data
 * (the caller's, free() it) and *len. When there is none, a 404 whose
 * message is none is the reply, *data stays NULL and the code of
 * vf_reply_error is returned; else 0 or an error of jp_read_file.
 */
int vf_home_published(struct verifier *v, struct vf_reply *r, const char *name, size_t max,
                      const char *none, unsigned char **data, size_t *len);
/*
 * Makes a page of the pages module the reply: its status, HTML body (moved:
 * p->body is left empty), Set-Cookie and Retry-After; the daemon adds the
 * security headers of every page (PAGES_CSP, nosniff, no-referrer,
 * no-store). Returns 0.
 */
int vf_reply_page(struct vf_reply *r, struct pages_page *p);
/* Bytes of body a request to path may send: uploads get PAGES_UPLOAD_BODY_MAX. */
size_t vf_body_max(const char *path);
/* A JSON error reply {"error":{"code","message"}}. Returns 0 or ENOMEM. */
int vf_reply_error(struct vf_reply *r, unsigned status, const char *code, const char *message);
struct json_t;
/*
 * Takes obj (decref'd here, may be NULL) and makes its compact text the
 * reply body with status; r->html is left as it was. Returns 0 or ENOMEM.
 */
int vf_reply_json(struct vf_reply *r, unsigned status, struct json_t *obj);
/* A page of one message (pages_message) as the reply. Returns 0 or ENOMEM. */
int vf_reply_message(struct vf_reply *r, unsigned status, const char *heading, const char *text);
/* The page of pages_csrf_refused as the reply (a form without its CSRF pair). */
int vf_reply_csrf_refused(struct vf_reply *r);
/*
 * 1 when c's address may go on under v->rl (the holder-check / PDF bucket);
 * else a 429 page of heading and text with Retry-After is the reply, its
 * code in *rc, and 0.
 */
int vf_page_rate_ok(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                    const char *heading, const char *text, int *rc);
/*
 * A 303 to where (copied), with a Set-Cookie value when cookie is not NULL.
 * Returns 0, or ENOSPC when either does not fit.
 */
int vf_reply_redirect(struct vf_reply *r, const char *where, const char *cookie);
/* 1 when s (len bytes) is a well-formed certificate number, check character included. */
int vf_certno_ok(const char *s, size_t len);

/* Cache-Control of live answers (status may change any second): shared caches may keep 1 s. */
#define VF_CACHE_LIVE "public, max-age=1"
/* A strong ETag (quoted, 128 bits of SHA-256) of len bytes at p into out. 0 or ENOSPC. */
int vf_etag(const void *p, size_t len, char out[72]);
/* Sets r's Cache-Control (NULL or "": no-store). 0 or ENOSPC (r->cache then ""). */
int vf_reply_cache(struct vf_reply *r, const char *value);
/*
 * Makes r the cacheable answer of body (len bytes, moved into r; freed here
 * when not kept): 200 with Content-Type ctype, a strong ETag of the bytes and
 * "public, max-age=MAX_AGE" (0 when negative), or 304 without a body when the
 * request's If-None-Match is "*" or names that ETag (reply_cache.c). Returns 0
 * or ENOSPC (body freed).
 */
int vf_reply_cacheable(struct vf_reply *r, const struct vf_call *c, const char *ctype,
                       unsigned char *body, size_t len, long max_age);

/* A ?since= value: NULL is 0, else 1..19 digits. 0 or EINVAL. */
int vf_parse_since(const char *s, uint64_t *out);

/* ------------------------------------------------------------ replication */

#define VF_FEED_PAGE_BYTES (1u << 20) /* soft bound on one page of the feed */

/* GET /api/v1/replication (feed.c): 1 with r filled (*rc the handler's result), else 0. */
int vf_route_feed(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                  enum vf_endpoint *ep, int *rc);
/* hex HMAC-SHA256(secret, "since\n" N "\n" hex(SHA-256(body))): X-Jianpei-Feed-Mac. */
int vf_feed_mac(const char *secret, uint64_t since, const void *body, size_t len, char hex[65]);
/* 1 when name is a home file the feed carries (*mode: its mode on the replica), else 0. */
int vf_feed_home_file(const char *name, unsigned *mode);

/* A primary's address: http://HOST[:PORT][/PREFIX] (httpc.c). */
struct vf_url {
    char host[256];   /* name or numeric address */
    char port[8];     /* decimal, "80" by default */
    char prefix[256]; /* path prefix without a trailing '/', usually "" */
};
/* Parses url into *out. 0 or EINVAL (only http:// is spoken; see docs/operations.md). */
int vf_url_parse(const char *url, struct vf_url *out);

/* What a GET answered. */
struct vf_http_answer {
    unsigned status;         /* HTTP status */
    const char *header_name; /* set by the caller: a header to capture, or NULL */
    char header[128];        /* its value, "" when absent or too long */
};
/*
 * GET prefix + target (path and query) with an optional Authorization value,
 * reading the whole answer (at most body->max bytes) into body, with
 * timeout_ms on connect, each send and each receive. Returns 0 (a->status
 * set, whatever it is), EPROTO for a malformed or cut answer, EFBIG past the
 * bound, or the socket's errno.
 */
int vf_http_get(const struct vf_url *u, const char *target, const char *authz,
                unsigned timeout_ms, struct jp_buf *body, struct vf_http_answer *a);

/* The follower of a replica (replica.c); state shared with the handlers. */
struct vf_replica;
/* Seeds an empty home from the primary (files only; the store follows). */
int vf_replica_prepare(const struct verifier_opts *o, struct vf_replica **out, char *err,
                       size_t errlen);
/* Starts following into v->st. 0 or an errno value. */
int vf_replica_start(struct vf_replica *rp, struct verifier *v);
/* Stops the follower and frees it. NULL-safe. */
void vf_replica_free(struct vf_replica *rp);
/* 1 once the replica has caught up with the primary at least once. */
int vf_replica_ready(const struct vf_replica *rp);
/* 1 when it should take traffic (caught up within the last VF_REPLICA_MAX_LAG_MS, applying). */
int vf_replica_healthy(const struct vf_replica *rp, const char **why);
/* Appends the replica's Prometheus lines (lag in seconds and entries) to out. */
int vf_replica_metrics(const struct vf_replica *rp, struct jp_buf *out);

#define VF_REPLICA_MAX_LAG_MS 5000u /* SPEC §12: /healthz 503 past this lag */

/* Routes a call to its handler; fills *ep for metrics. Always fills r (500 on failure). */
void vf_dispatch(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                 enum vf_endpoint *ep);

/*
 * The HTML page of GET /V/ (page.c); with csrf_token (not NULL) and a
 * genuine QR of a certificate on record it carries the holder check form.
 */
int vf_page_render(const struct verifier *v, const char *certno, const struct verifier_qr *qr,
                   const struct store_cert *cert, const char *csrf_token, struct jp_buf *out);
/* The certificate object of SPEC §8 as a new Jansson object; NULL on ENOMEM or a bad record. */
struct json_t;
struct json_t *vf_cert_json(const struct verifier *v, const struct store_cert *c);
/*
 * The same object as vf_cert_json, written straight into b as compact JSON
 * text (the hot path of GET /api/v1/certificates/{no}: no per-field
 * allocations). Returns 0, EINVAL for an unknown status, or b's errors.
 */
int vf_cert_json_text(const struct verifier *v, const struct store_cert *c, struct jp_buf *b);
/* Masked name and ID of a record into name[257] and id[33] (page.c). */
void vf_holder_masked(const struct store_cert *c, char name[257], char id[33]);
/* The position's name from the catalogue, else its code. */
const char *vf_position_name(const struct verifier *v, const char *code);
/* Appends open, text (escaped by pages_escz), close. Returns 0 or b's errors. */
int vf_tagged(struct jp_buf *b, const char *open, const char *text, const char *close);
/* Appends <dt>label</dt><dd>value</dd>, both escaped. Returns 0 or b's errors. */
int vf_row(struct jp_buf *b, const char *label, const char *value);
/* vf_row for each {label, value} of rows[0..n-1], stopping at the first error. */
int vf_rows(struct jp_buf *b, const char *const rows[][2], size_t n);
/*
 * The public facts of a certificate as <dt>/<dd> rows, name and ID masked:
 * number, position, name, ID, institution, authority, issue date.
 */
int vf_cert_rows(const struct verifier *v, const struct store_cert *c, struct jp_buf *b);
/* Chinese status word (有效 ...) and banner class (g, a, r). */
void vf_status_words(enum store_cert_status st, const char **word, const char **cls);
/* Reads one certificate in a fresh snapshot of this thread's read handle (handlers.c). */
int vf_cert_lookup(struct verifier *v, const char *no, struct store_cert *out);
/*
 * The people's pages of SPEC §10 that employers use (employer.c): /, /c,
 * /c/{no}, /c/{no}/holder-check, /check/file, /check/roster, /R/{id},
 * /api/v1/check-file, /api/v1/roster. Returns 1 with r filled (*rc the
 * handler's result) when path is one of them, else 0.
 */
int vf_route_people(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                    enum vf_endpoint *ep, int *rc);
/*
 * The holder's pages of SPEC §10 (holder_pages.c): /me (sign-in, 我的证书),
 * /me/{no}.pdf, /me/{no}/print, /me/{no}/shares, /me/shares/{id}/revoke,
 * /me/logout, /S/{id} and /S/{id}.pdf. Returns 1 with r filled (*rc the
 * handler's result) when path is one of them, else 0.
 */
int vf_route_holder(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                    enum vf_endpoint *ep, int *rc);
/*
 * The institution endpoints of SPEC §10 (institutions.c), for clients of
 * scope institution: GET /api/v1/institutions/{code}/certificates?exam_id=
 * and GET /api/v1/institutions/{code}/certificates/{no}.pdf. Returns 1 with r
 * filled (*rc the handler's result) when path is under /api/v1/institutions/,
 * else 0.
 */
int vf_route_institutions(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                          enum vf_endpoint *ep, int *rc);
/*
 * Answers 200 with certificate no's stored PDF, byte for byte, as an
 * attachment. Returns 0 or the store's error (STORE_ENOTFOUND).
 */
int vf_reply_pdf(struct verifier *v, const char *no, struct vf_reply *r);
/* Appends the holder check form of certificate no (posting to /c/{no}/holder-check). */
int vf_holder_form(struct jp_buf *b, const char *no, const char *token);
/* 1 when cookies must be Secure (PUBLIC_URL is https). */
int vf_secure_cookies(const struct verifier *v);
/* RFC 3339 UTC of unix seconds into out[21]. */
void vf_time_format(int64_t t, char out[21]);
/* 1 when the genuine claims agree with the record (number, version, position, date). */
int vf_claims_match(const struct keys_claims *k, const struct store_cert *c);
/* 1 when the genuine claims are an earlier file version of the record (reissued, corrected). */
int vf_claims_older(const struct keys_claims *k, const struct store_cert *c);

/* --- OFD packages (ofdcheck.c, issue 18) --- */

/* What the seal of an OFD package says against the trust list. */
struct vf_ofd_seal {
    int seal;                      /* enum ofd_verdict: intact, modified, not_signed */
    int ours;                      /* made by our SM2 root, signed by one of our SM2 certificates */
    int have_seal_digest;          /* seal_sha256 is set */
    unsigned char seal_sha256[32]; /* SHA-256 of Doc_0/Signs/Sign_0/SignedValue.dat */
    char reason[256];              /* why, in English; "" when intact (no document text) */
    int signer_revoked;            /* ours, and the list says its SM2 signing key is revoked */
};

#define VF_SIG_DER_MAX (256u * 1024) /* bytes of a PDF signature value decoded (pdf.h reservation) */
/*
 * The DER of file's last signature value (its /ByteRange gap, hex decoded):
 * 0 with *der (the caller's, free() it) and *dlen, and the gap's offset and
 * length in *off and *n unless NULL; ENOENT when the file has no /ByteRange
 * signature, EINVAL when the value is not hexadecimal, ENOMEM. *der is NULL
 * on every error.
 */
int vf_pdf_sig_der(const unsigned char *file, size_t len, unsigned char **der, size_t *dlen,
                   size_t *off, size_t *n);
/* 1 when file starts like a ZIP (an OFD package), else 0. */
int vf_is_ofd(const unsigned char *file, size_t len);
/*
 * Checks the seal of the package pkg with the SM2 part of t (NULL: nothing is
 * trusted): ofd_verify() accepting only the SM2 root and listed SM2 signing
 * certificates. Bounded by the reader's caps. Returns 0 with *out filled, or
 * ENOMEM / an ofd error (then *out says not_signed).
 */
int vf_ofd_check(const keys_trust_t *t, const unsigned char *pkg, size_t len,
                 struct vf_ofd_seal *out);
/*
 * Answers 200 with certificate no's stored OFD package (HOME/store "ofds"), byte for
 * byte, as an attachment (application/ofd). Returns 0 or STORE_ENOTFOUND.
 */
int vf_reply_ofd(struct verifier *v, const char *no, struct vf_reply *r);
/* 1 when the store has an OFD package for certificate no, else 0. */
int vf_has_ofd(struct verifier *v, const char *no);
/* The offline `verify-file FILE --trust FILE [--json]` (verify_file.c): exit status. */
int vf_verify_file_main(int argc, char **argv);

#endif
