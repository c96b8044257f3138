/*
 * pages.h - the people's side's own state (SPEC §10): the LMDB environment
 * HOME/portal/, apart from the certificate store, which stays read-only to the
 * verifier. Today it holds the per-certificate lockout of failed holder
 * proofs; sessions, shares and roster permalinks will join it.
 *
 * Lockout: every proof (holder-check today, the claim-code sign-in and PDF
 * download once claim codes exist) is charged to its certificate number before
 * the comparison runs, and refunded when it matched. When PORTAL_FAILS_MAX
 * charges fall within any PORTAL_WINDOW_S seconds, the number is locked for
 * PORTAL_LOCK_S seconds, for everyone asking, whatever the answer would have
 * been. Charging first makes the bound hold under concurrent requests and
 * across processes: LMDB serialises the write transactions of every process
 * that opens the environment. Numbers are stored only as a keyed hash
 * (HMAC-SHA256 under HOME/portal/key, 32 random bytes, mode 0600), so the
 * environment names no certificate; unknown numbers lock exactly like issued
 * ones, which keeps the two indistinguishable.
 *
 * Time is unix seconds passed in by the caller (records must outlive a reboot,
 * which a monotonic clock does not). The environment is opened MDB_NOSYNC: a
 * crash of the process loses nothing, a power cut may lose the last charges.
 *
 * Errors: 0, a positive errno value, an LMDB code (negative, mdb_strerror), or
 * enum pages_error; pages_strerror() names each. Thread-safe: one handle may be
 * shared by every thread of a process.
 */
#ifndef JP_PAGES_H
#define JP_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define PORTAL_FAILS_MAX 5           /* failed proofs within the window that lock */
#define PORTAL_WINDOW_S 3600         /* the window, seconds */
#define PORTAL_LOCK_S 3600           /* how long a lock lasts, seconds */
#define PORTAL_MAP_SIZE (1ull << 30) /* LMDB map: address space, not disk */
#define PORTAL_PRUNE_STEP 8          /* expired records removed per write, at most */

enum pages_error {
    PAGES_E_LOCKED = JP_ERR_PAGES_BASE,      /* the certificate's proofs are locked */
    PAGES_E_CORRUPT = JP_ERR_PAGES_BASE + 1, /* a record or the key file is malformed */
};

/* A static lowercase description of any code these functions return; never NULL. */
const char *pages_strerror(int code);

typedef struct portal portal;

/*
 * Opens (creating when missing, mode 0700) the environment at dir and its
 * hash key. On success *out is a handle released with portal_close().
 * Returns 0, PAGES_E_CORRUPT, an LMDB code or an errno value (err says which
 * path).
 */
int portal_open(const char *dir, portal **out, char *err, size_t errlen);

/* Closes the environment and wipes the key. NULL-safe. */
void portal_close(portal *p);

/*
 * Charges one proof attempt on certificate number no (len bytes) at unix time
 * now. Returns 0 when the attempt may go ahead (it now counts as a failure
 * until portal_proof_refund()), PAGES_E_LOCKED with *retry_s (>= 1) set when
 * the number is locked (nothing charged), or an error.
 */
int portal_proof_charge(portal *p, const char *no, size_t len, int64_t now, unsigned *retry_s);

/*
 * Refunds the charge of an attempt made at charge_time that matched. Returns 0
 * or an error; a charge no longer recorded (pruned, already refunded) is 0.
 */
int portal_proof_refund(portal *p, const char *no, size_t len, int64_t charge_time);

/*
 * Whether no is locked at now, without charging: 0 when not, PAGES_E_LOCKED
 * with *retry_s set when locked, or an error.
 */
int portal_proof_locked(portal *p, const char *no, size_t len, int64_t now, unsigned *retry_s);

#endif
