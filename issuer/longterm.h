/*
 * longterm.h - the issuer's side of long-term signatures (SPEC §13), inside
 * the issuer module only: the TSA and CRL settings of init, the TSA key and
 * the first CRL made at init, the CRL refreshed on key changes, and what every
 * signature of an issuing run carries (the time-stamp, the DSS's chain and CRL).
 */
#ifndef JP_ISSUER_LONGTERM_H
#define JP_ISSUER_LONGTERM_H

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"
#include "keys.h"
#include "pdf.h"

struct issuer_init_opts;
struct issuer;

struct longterm {
    unsigned char *chain[2];     /* owned DER: signing certificate, root (keys_free_der) */
    size_t chain_len[2];         /* bytes of each */
    unsigned char *crl;          /* owned DER of HOME/root.crl, NULL when the home has none */
    size_t crl_len;              /* bytes */
    unsigned char *dss_z[3];     /* owned (free): chain[0], chain[1], crl as zlib data */
    struct jp_span dss_certs[2]; /* views of dss_z[0..1] for pdf_signer */
    struct jp_span dss_crl;      /* view of dss_z[2] */
    int stamping;                /* 1 when signatures get a time-stamp (tsa_url set) */
    int optional;                /* --tsa-optional: a TSA failure signs B-B and records it */
    atomic_int down;             /* set once a TSA failure was passed over (--tsa-optional) */
    char down_why[256];          /* the first such failure (names the TSA URL), set with down */
};

/* Checks o's tsa_url and crl_days and copies them into c. Returns 0 or ISSUER_EARG. */
int longterm_config(const struct issuer_init_opts *o, struct jp_config *c, char *err,
                    size_t errlen);

/* At init, with the root key open: the TSA's key and certificate (tsa_key 1; in a
 * token home the key is made in the token), HOME/root.crl. */
int longterm_init_keys(keys_t *k, const char *home, const unsigned char *pass, size_t passlen,
                       int crl_days, int tsa_key, char *err, size_t errlen);

/* Writes HOME/root.crl anew from k (KEYS_WITH_ROOT), nextUpdate crl_days (0: 7). */
int longterm_refresh_crl(const keys_t *k, const char *home, int crl_days, char *err, size_t errlen);

/* Loads the chain and CRL and sets the TSA on every worker's key handle. */
int longterm_open(struct issuer *is, char *err, size_t errlen);
/* A worker's TSA failed under --tsa-optional: keeps the first message why (thread-safe). */
void longterm_tsa_down(struct longterm *lt, const char *why);
/* Releases what longterm_open loaded. */
void longterm_close(struct longterm *lt);
/* Puts the DSS items into a signer. */
void longterm_signer(const struct longterm *lt, struct pdf_signer *sg);

#endif
