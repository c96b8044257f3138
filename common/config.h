/*
 * config.h - the runtime home and its configuration (HOME/config.json).
 *
 * Every program takes --home DIR, else $JIANPEI_HOME, else ./jianpei-home
 * (SPEC §2). The configuration holds the coding rule's parameters (province,
 * city table), the position catalogue, the issuing authority and the public
 * URL printed into QR codes. `jianpei-issuer init` writes it; the other
 * programs only read it.
 *
 * Errors: 0, or a positive errno value (ENOENT when there is no home, EINVAL for
 * a malformed file); a reason naming the file and the field goes into err.
 */
#ifndef JP_CONFIG_H
#define JP_CONFIG_H

#include <stddef.h>

#define JP_CONFIG_FORMAT 1
#define JP_CONFIG_MAX_CODES 64

struct jp_code_name {
    char code[3];  /* two digits */
    char name[64]; /* UTF-8 */
};

struct jp_config {
    int format;                                         /* JP_CONFIG_FORMAT */
    char province[3];                                   /* GB/T 2260 first two digits, "44" */
    char province_name[32];                             /* 广东省 */
    char authority[128];                                /* issuing authority, UTF-8 */
    char authority_uscc[19];                            /* its 统一社会信用代码 */
    char public_url[200];                               /* upper case, no trailing slash */
    int pass_mark_tenths;                               /* 600 = 60.0 */
    char elicence_type_code[22];                        /* USCC of the defining authority + seq */
    struct jp_code_name positions[JP_CONFIG_MAX_CODES]; /* 岗位 catalogue */
    size_t npositions;                                  /* entries used */
    struct jp_code_name cities[JP_CONFIG_MAX_CODES];    /* city table of the province */
    size_t ncities;                                     /* entries used */
    char tsa_url[256];   /* RFC 3161 TSA for signature time-stamps, "" for none (SPEC §13) */
    int crl_days;        /* nextUpdate of the root's CRL, days; 0 when not set (7) */
    long tsa_timeout_ms; /* time allowed for one TSA query, ms; 0 when not set (5000) */
};

/* Resolves the home: flag if not NULL, else $JIANPEI_HOME, else ./jianpei-home. */
int jp_home_resolve(const char *flag, char *out, size_t outsz);

/*
 * The layout of a runtime home (SPEC §2), named here and nowhere else: every
 * program builds its paths inside a home with jp_home_path(home, JP_HOME_..., out).
 */
#define JP_HOME_PATH_MAX 4096               /* bytes of any path inside a home, NUL included */
#define JP_HOME_CONFIG "config.json"        /* the configuration (jp_config_load) */
#define JP_HOME_KEYS "keys"                 /* private keys and keys.json (0700) */
#define JP_HOME_STORE "store"               /* the certificate store (LMDB, 0700) */
#define JP_HOME_TRUST_LIST "trust-list.pem" /* the signed trust list, public */
#define JP_HOME_TRUST_ROOT                                                                         \
    "trust-root.pem"                   /* the root certificate, public: the verifier pins to it */
#define JP_HOME_PORTAL "portal"        /* the verifier's own environment (pages.h) */
#define JP_HOME_CLIENTS "clients.json" /* HMAC clients of other provinces (the verifier's) */
#define JP_HOME_TEMPLATE "certificate.tmpl" /* the certificate template */
#define JP_HOME_TRAINING "training"         /* the training module's environment */
#define JP_HOME_CLAIM_KEY "claim.key"       /* HMAC key of claim-code hashes (claim.h), 0600 */
#define JP_HOME_CRL "root.crl" /* the root's CRL (DER), public: the verifier serves it */
#define JP_HOME_SM2_CRL "sm2-root.crl" /* the SM2 root's CRL (DER), public, served likewise */

/* HOME/name into out (JP_HOME_PATH_MAX bytes). Returns 0 or ENAMETOOLONG. */
int jp_home_path(const char *home, const char *name, char *out);

/* Reads HOME/config.json into *out. */
int jp_config_load(const char *home, struct jp_config *out, char *err, size_t errlen);
/* Writes HOME/config.json atomically (mode 0644). */
int jp_config_save(const char *home, const struct jp_config *c, char *err, size_t errlen);

/*
 * Reads a code table: lines "CODE<TAB>NAME", '#' comments and blank lines
 * skipped. A malformed line is refused as "PATH:LINE: reason".
 */
int jp_config_read_table(const char *path, struct jp_code_name *out, size_t max, size_t *n,
                         char *err, size_t errlen);

/* Name of a position or city code, or NULL when the catalogue has no such code.
 * The pointer lives as long as *c. */
const char *jp_config_position(const struct jp_config *c, const char *code);
const char *jp_config_city(const struct jp_config *c, const char *code);

#endif
