/*
 * keyops.c - the home's signing keys as the department manages them: list,
 * rotate, revoke, export the trust list. Rotations and revocations re-export
 * the trust list and append their audit entry (docs/store-format.md); the root
 * key is opened before anything changes, so a missing passphrase changes nothing.
 */
#include "issuer.h"
#include "audit.h"
#include "issuer_int.h"
#include "keys.h"
#include "longterm.h"
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct key_audit {
    const char *action; /* keys-rotate, keys-revoke */
    const char *kid;    /* the key concerned */
    const char *actor;  /* who */
    const char *sm2kid; /* keys-rotate: the new SM2 signing key, NULL without one */
};

static int key_audit_txn(store_txn *txn, void *arg)
{
    const struct key_audit *a = arg;

    if (a->sm2kid != NULL)
        return audit_append(txn, (int64_t)time(NULL), a->action, NULL, a->actor,
                            "signing key %s, SM2 signing key %s", a->kid, a->sm2kid);
    return audit_append(txn, (int64_t)time(NULL), a->action, NULL, a->actor, "signing key %s",
                        a->kid);
}

static int append_key_audit(const char *home, const struct key_audit *a, char *err, size_t errlen)
{
    return issuer_audit_write(home, key_audit_txn, (void *)a, err, errlen);
}

/* HOME/root.crl (and HOME/sm2-root.crl) anew, nextUpdate from the configuration. */
static int refresh_crl(const char *home, const keys_t *k, char *err, size_t errlen)
{
    struct jp_config c;
    int rc = jp_config_load(home, &c, err, errlen);

    if (rc == 0)
        rc = longterm_refresh_crl(k, home, c.crl_days, err, errlen);
    return rc;
}

/* Opens HOME/keys with flags after the home's checks. */
static int open_home_keys(const char *home, int flags, const struct issuer_key_opts *o, keys_t **k,
                          char *err, size_t errlen)
{
    char kdir[JP_HOME_PATH_MAX];
    int rc = issuer_home_check(home, err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_KEYS, kdir);
    if (rc == 0)
        rc = keys_open(kdir, flags, o->passphrase, o->passphrase_len, k, err, errlen);
    return rc;
}

/* The trust list to write: o->out, or HOME's. */
static int trust_path(const char *home, const struct issuer_key_opts *o,
                      char written[JP_HOME_PATH_MAX])
{
    if (o->out != NULL)
        return jp_strf(written, JP_HOME_PATH_MAX, "%s", o->out);
    return jp_home_path(home, JP_HOME_TRUST_LIST, written);
}

int issuer_keys_change(const char *home, const char *action, const char *kid,
                       const struct issuer_key_opts *o, char newkid[17],
                       char written[JP_HOME_PATH_MAX], char *err, size_t errlen)
{
    struct key_audit a = {NULL, kid, o->actor != NULL ? o->actor : "jianpei-issuer", NULL};
    char sm2kid[17] = "";
    keys_t *k = NULL;
    int rc = audit_actor_check(a.actor, err, errlen);

    written[0] = '\0';
    if (rc == 0)
        rc = trust_path(home, o, written);
    if (rc == 0)
        rc = open_home_keys(home, KEYS_WITH_ROOT, o, &k, err, errlen);
    if (rc == 0 && strcmp(action, "rotate") == 0) {
        rc = keys_rotate(k, o->passphrase, o->passphrase_len, newkid, err, errlen);
        a.action = "keys-rotate";
        a.kid = newkid;
        if (rc == 0 && keys_sm2_active_kid(k, sm2kid) == 0)
            a.sm2kid = sm2kid; /* SPEC §11: both hierarchies rotate */
        if (rc == 0)
            rc = keys_export_trust(k, written, err, errlen);
    } else if (rc == 0 && strcmp(action, "revoke") == 0) {
        /* revoking and re-exporting are one change: all or nothing */
        rc = keys_revoke_publish(k, kid, written, err, errlen);
        a.action = "keys-revoke";
    } else if (rc == 0 && strcmp(action, "export-trust") == 0) {
        rc = keys_export_trust(k, written, err, errlen);
    } else if (rc == 0) {
        jp_errf(err, errlen, "unknown keys command %s", action);
        rc = ISSUER_EARG;
    }
    if (rc == 0 && a.action != NULL)
        rc = refresh_crl(home, k, err, errlen); /* a revocation is listed at once */
    if (rc == 0 && a.action != NULL)
        rc = append_key_audit(home, &a, err, errlen);
    keys_close(k);
    return rc;
}

int issuer_keys_crl(const char *home, const struct issuer_key_opts *o,
                    char root_crl[JP_HOME_PATH_MAX], char sm2_crl[JP_HOME_PATH_MAX], char *err,
                    size_t errlen)
{
    keys_t *k = NULL;
    int rc = open_home_keys(home, KEYS_WITH_ROOT, o, &k, err, errlen);

    root_crl[0] = sm2_crl[0] = '\0';
    if (rc == 0)
        rc = refresh_crl(home, k, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_CRL, root_crl);
    if (rc == 0 && keys_has_sm2(k)) /* longterm_refresh_crl wrote it beside root.crl */
        rc = jp_home_path(home, JP_HOME_SM2_CRL, sm2_crl);
    keys_close(k);
    return rc;
}

int issuer_keys_fingerprint(const char *home, char hex[65], char *err, size_t errlen)
{
    struct issuer_key_opts o = {0};
    keys_t *k = NULL;
    int rc = open_home_keys(home, KEYS_PUBLIC_ONLY, &o, &k, err, errlen);

    if (rc == 0)
        rc = keys_root_fingerprint(k, hex);
    keys_close(k);
    return rc;
}

int issuer_keys_print(const char *home, FILE *out, char *err, size_t errlen)
{
    struct issuer_key_opts o = {0};
    struct keys_info info[KEYS_MAX_SIGNING];
    size_t n = 0;
    keys_t *k = NULL;
    int rc = open_home_keys(home, KEYS_PUBLIC_ONLY, &o, &k, err, errlen);

    if (rc == 0)
        rc = keys_list(k, info, KEYS_MAX_SIGNING, &n);
    if (rc == 0)
        fprintf(out, "%-16s  %-8s  %-20s  %-20s  %s\n", "kid", "state", "not_before", "not_after",
                "subject");
    for (size_t i = 0; rc == 0 && i < n; i++)
        fprintf(out, "%-16s  %-8s  %-20s  %-20s  %s\n", info[i].kid, keys_state_name(info[i].state),
                info[i].not_before, info[i].not_after, info[i].subject);
    for (size_t i = 0; rc == 0 && keys_sm2_entry_info(k, i, &info[0]) == 0; i++) /* the OFD seal's */
        fprintf(out, "%-16s  %-8s  %-20s  %-20s  %s\n", info[0].kid, keys_state_name(info[0].state),
                info[0].not_before, info[0].not_after, "SM2 signing key (OFD seal)");
    keys_close(k);
    return rc;
}
