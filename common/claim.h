/*
 * claim.h - claim codes (领取码, SPEC §10): 60 random bits written as 12
 * symbols of Crockford base32 (0-9 A-Z without I L O U), shown XXXX-XXXX-XXXX.
 * Input is taken in either case, with or without dashes and spaces, and with
 * Crockford's reading of I and L as 1 and O as 0.
 *
 * The store keeps only HMAC-SHA256(claim key, "jianpei-claim-v1" 0 number 0
 * code) of a code: the key lives in HOME/claim.key (JP_HOME_CLAIM_KEY), 32
 * random bytes, mode 0600, readable by the issuer and the verifier but never
 * copied into the store, so a copy of the store (a backup, a replica's feed)
 * does not allow 2^60 guesses offline.
 *
 * Errors: 0 or a positive errno value (EINVAL for malformed input, EIO when
 * the random generator fails, ENOENT when the key file is missing, EBADMSG
 * when it is not exactly 32 bytes of a regular file). Nothing here logs.
 */
#ifndef JP_CLAIM_H
#define JP_CLAIM_H

#include <stddef.h>

#define JP_CLAIM_KEY_LEN 32    /* bytes of the HMAC key */
#define JP_CLAIM_HASH_LEN 32   /* bytes of a stored code hash */
#define JP_CLAIM_SYMBOLS 12    /* symbols of a code */
#define JP_CLAIM_CODE_SIZE 13  /* a canonical code (12 symbols) and its NUL */
#define JP_CLAIM_SHOWN_SIZE 15 /* XXXX-XXXX-XXXX and its NUL */

/* A fresh random code, canonical (12 upper-case symbols), into code. 0 or EIO. */
int jp_claim_new(char code[JP_CLAIM_CODE_SIZE]);
/* The canonical code as shown to people, XXXX-XXXX-XXXX, into out. */
void jp_claim_show(const char code[JP_CLAIM_CODE_SIZE], char out[JP_CLAIM_SHOWN_SIZE]);
/*
 * Reads len bytes of user input as a code into its canonical form: dashes and
 * spaces are skipped, letters folded to upper case, I and L read as 1, O as 0.
 * Returns 0, or EINVAL (out = "") unless exactly 12 symbols remain.
 */
int jp_claim_normalize(const char *in, size_t len, char out[JP_CLAIM_CODE_SIZE]);
/* The stored hash of canonical code for certificate number no. 0 or EIO. */
int jp_claim_hash(const unsigned char key[JP_CLAIM_KEY_LEN], const char *no,
                  const char code[JP_CLAIM_CODE_SIZE], unsigned char out[JP_CLAIM_HASH_LEN]);
/*
 * Reads HOME/claim.key into key (never following a symlink). With create, a
 * missing key is made first (32 random bytes, created O_EXCL mode 0600; a
 * concurrent maker's key wins). Returns 0 or an errno value, path in err.
 */
int jp_claim_key_load(const char *home, int create, unsigned char key[JP_CLAIM_KEY_LEN], char *err,
                      size_t errlen);

#endif
