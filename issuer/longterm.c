/*
 * longterm.c - long-term signatures on the issuer's side (SPEC §13): the TSA
 * settings of init, the province's TSA key and the root's CRL made at init,
 * the CRL re-issued on every key change, and the chain, CRL and time-stamp
 * settings that each issuing run hands to its signatures (longterm.h).
 */
#include "issuer_int.h"
#include "longterm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int longterm_config(const struct issuer_init_opts *o, struct jp_config *c, char *err, size_t errlen)
{
    const char *u = o->tsa_url;

    c->tsa_url[0] = '\0';
    c->crl_days = o->crl_days;
    if (o->crl_days < 0 || o->crl_days > KEYS_CRL_DAYS_MAX) {
        jp_errf(err, errlen, "crl days: must be 1-%d", KEYS_CRL_DAYS_MAX);
        return ISSUER_EARG;
    }
    if (u == NULL)
        return 0;
    if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
        strlen(u) >= sizeof c->tsa_url || strpbrk(u, " \t\r\n") != NULL) {
        jp_errf(err, errlen, "tsa url: must be http:// or https:// and under %zu bytes",
                sizeof c->tsa_url);
        return ISSUER_EARG;
    }
    strcpy(c->tsa_url, u);
    return 0;
}

int longterm_refresh_crl(const keys_t *k, const char *home, int crl_days, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = jp_home_path(home, JP_HOME_CRL, path);

    if (rc == 0)
        rc = keys_crl_export(k, crl_days, path, err, errlen);
    if (rc == 0 && keys_has_sm2(k)) /* the SM2 root's CRL beside it (SPEC §13) */
        rc = jp_home_path(home, JP_HOME_SM2_CRL, path);
    if (rc == 0 && keys_has_sm2(k))
        rc = keys_sm2_crl_export(k, crl_days, path, err, errlen);
    return rc;
}

int longterm_init_keys(keys_t *k, const char *home, const unsigned char *pass, size_t passlen,
                       int crl_days, int tsa_key, char *err, size_t errlen)
{
    int rc = tsa_key ? keys_tsa_create(k, pass, passlen, err, errlen) : 0;

    if (rc == 0)
        rc = longterm_refresh_crl(k, home, crl_days, err, errlen);
    return rc;
}

/* HOME/root.crl, when there is one (a home made before SPEC §13 has none). */
static int load_crl(struct longterm *lt, const char *home, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = jp_home_path(home, JP_HOME_CRL, path);

    if (rc == 0)
        rc = jp_read_file(path, KEYS_CRL_MAX, &lt->crl, &lt->crl_len);
    if (rc == ENOENT)
        return 0;
    if (rc != 0)
        jp_errf(err, errlen, "cannot read %s: %s", path, strerror(rc));
    return rc;
}

/* *view = the DER at der compressed once into *z (level 12: it goes into every PDF). */
static int dss_deflate(const unsigned char *der, size_t len, unsigned char **z,
                       struct jp_span *view, char *err, size_t errlen)
{
    size_t n = 0;
    int rc = jp_zlib_compress(der, len, 12, z, &n);

    if (rc != 0)
        jp_errf(err, errlen, "cannot compress the dss: %s", strerror(rc));
    *view = (struct jp_span){*z, n};
    return rc;
}

int longterm_open(issuer *is, char *err, size_t errlen)
{
    struct longterm *lt = &is->lt;
    int rc = keys_chain_der(is->keys[0], lt->chain, lt->chain_len);

    if (rc != 0) {
        jp_errf(err, errlen, "cannot read the signing chain: %s", keys_strerror(rc));
        return rc;
    }
    for (int i = 0; rc == 0 && i < 2; i++)
        rc = dss_deflate(lt->chain[i], lt->chain_len[i], &lt->dss_z[i], &lt->dss_certs[i], err,
                         errlen);
    if (rc == 0)
        rc = load_crl(lt, is->home, err, errlen);
    if (rc == 0 && lt->crl != NULL)
        rc = dss_deflate(lt->crl, lt->crl_len, &lt->dss_z[2], &lt->dss_crl, err, errlen);
    lt->stamping = is->cfg.tsa_url[0] != '\0';
    for (int i = 0; rc == 0 && lt->stamping && i < is->nworkers; i++)
        rc = keys_set_tsa(is->keys[i], is->cfg.tsa_url, is->cfg.tsa_timeout_ms, err, errlen);
    return rc;
}

int issuer_tsa_options(issuer *is, long timeout_ms, int optional, char *err, size_t errlen)
{
    int rc = 0;

    if (timeout_ms < 0 || timeout_ms > ISSUER_TSA_TIMEOUT_MAX) {
        jp_errf(err, errlen, "tsa timeout: must be 1-%ld ms", ISSUER_TSA_TIMEOUT_MAX);
        return ISSUER_EARG;
    }
    if (timeout_ms > 0)
        is->cfg.tsa_timeout_ms = timeout_ms;
    is->lt.optional = optional;
    for (int i = 0; rc == 0 && is->lt.stamping && i < is->nworkers; i++)
        rc = keys_set_tsa(is->keys[i], is->cfg.tsa_url, is->cfg.tsa_timeout_ms, err, errlen);
    return rc;
}

void longterm_tsa_down(struct longterm *lt, const char *why)
{
    if (atomic_exchange(&lt->down, 1) == 0)
        jp_errf(lt->down_why, sizeof lt->down_why, "%s", why);
}

const char *issuer_tsa_failure(const issuer *is)
{
    return atomic_load(&is->lt.down) ? is->lt.down_why : NULL;
}

void longterm_close(struct longterm *lt)
{
    keys_free_der(lt->chain[0]);
    keys_free_der(lt->chain[1]);
    free(lt->crl);
    for (int i = 0; i < 3; i++)
        free(lt->dss_z[i]);
    memset(lt, 0, sizeof *lt);
}

void longterm_signer(const struct longterm *lt, struct pdf_signer *sg)
{
    sg->dss_certs = lt->chain[0] != NULL ? lt->dss_certs : NULL;
    sg->ndss_certs = lt->chain[0] != NULL ? 2 : 0;
    sg->dss_crls = lt->crl != NULL ? &lt->dss_crl : NULL;
    sg->ndss_crls = lt->crl != NULL ? 1 : 0;
    sg->dss_deflated = 1;
}
