/*
 * pages.h - the people's side of the verifier (SPEC §10): the human pages'
 * building blocks and their own state.
 *
 * Building blocks (html.c, form.c, csrf.c): the one HTML escaper, the page
 * skeleton (Simplified Chinese, mobile-first inline CSS, no external
 * resource) and its one Content-Security-Policy, form bodies
 * (application/x-www-form-urlencoded and multipart/form-data with one file),
 * cookies, and CSRF tokens (double submit: a jp_csrf cookie and a hidden csrf
 * field that must be equal). A handler builds a struct pages_page (status,
 * HTML body, Set-Cookie) and the daemon turns it into a response with the
 * security headers of every page (PAGES_CSP, nosniff, no-referrer, no-store).
 * None of them knows HTTP servers or the store.
 *
 * State: the LMDB environment HOME/portal/, apart from the certificate store,
 * which stays read-only to the verifier. Today it holds the per-certificate
 * lockout of failed holder proofs; sessions, shares and roster permalinks
 * will join it.
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
#include "util.h"

#define PORTAL_FAILS_MAX 5           /* failed proofs within the window that lock */
#define PORTAL_WINDOW_S 3600         /* the window, seconds */
#define PORTAL_LOCK_S 3600           /* how long a lock lasts, seconds */
#define PORTAL_MAP_SIZE (1ull << 30) /* LMDB map: address space, not disk */
#define PORTAL_PRUNE_STEP 8          /* expired records removed per write, at most */

enum pages_error {
    PAGES_E_LOCKED = JP_ERR_PAGES_BASE,       /* the certificate's proofs are locked */
    PAGES_E_CORRUPT = JP_ERR_PAGES_BASE + 1,  /* a record or the key file is malformed */
    PAGES_E_FORM = JP_ERR_PAGES_BASE + 2,     /* a form body, cookie or upload is malformed */
    PAGES_E_TOO_BIG = JP_ERR_PAGES_BASE + 3,  /* an uploaded file or a field passes its bound */
    PAGES_E_CSRF = JP_ERR_PAGES_BASE + 4,     /* the csrf field and the jp_csrf cookie differ */
    PAGES_E_NOTFOUND = JP_ERR_PAGES_BASE + 5, /* no such record (or it expired) */
    PAGES_E_LIMIT = JP_ERR_PAGES_BASE + 6,    /* a per-certificate cap is reached */
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

/* ------------------------------------------------------------ rosters */

#define PORTAL_ROSTER_ID_LEN 16               /* 128 random bits; base32 in the URL */
#define PORTAL_ROSTER_KEEP_S (90 * 24 * 3600) /* a permalink lasts 90 days */
#define PORTAL_ROSTER_MAX (1u << 20)          /* bytes of one roster's record */

/*
 * Keeps a roster's result (blob: the caller's own encoding, which must hold
 * no personal data beyond what the public pages show) under a new random id,
 * made at unix time now, for PORTAL_ROSTER_KEEP_S seconds (database
 * "rosters" of HOME/portal/; expired records are removed a few per write).
 * Returns 0 with id set, PAGES_E_TOO_BIG, EIO (no random bytes) or an LMDB
 * code.
 */
int portal_roster_put(portal *p, const void *blob, size_t len, int64_t now,
                      unsigned char id[PORTAL_ROSTER_ID_LEN]);
/*
 * Copies the blob of roster id into out (reset first) and its creation time
 * into *created. PAGES_E_NOTFOUND when unknown or older than
 * PORTAL_ROSTER_KEEP_S at now; out's errors; an LMDB code.
 */
int portal_roster_get(portal *p, const unsigned char id[PORTAL_ROSTER_ID_LEN], int64_t now,
                      struct jp_buf *out, int64_t *created);

/* ------------------------------------------------------------ sessions */

#define PORTAL_NO_SIZE 19         /* a certificate number and its NUL */
#define PORTAL_SESSION_BYTES 16   /* 128 random bits */
#define PORTAL_SESSION_LEN 26     /* base32 characters of a session token */
#define PORTAL_SESSION_IDLE_S 900 /* a session ends after 15 minutes idle (SPEC §10) */

/*
 * A holder's session after a sign-in with certificate no at unix time now:
 * token gets 26 base32 characters (the cookie's value) and a NUL. Only the
 * SHA-256 of the token's bytes is stored ("sessions"), with the number and
 * the times. Returns 0, PAGES_E_TOO_BIG, EIO (no random bytes) or an LMDB code.
 */
int portal_session_new(portal *p, const char *no, int64_t now, char token[PORTAL_SESSION_LEN + 1]);
/*
 * The certificate number of the live session of token into no, its idle
 * clock restarted at now. PAGES_E_NOTFOUND for a malformed, unknown or ended
 * token (one idle for more than PORTAL_SESSION_IDLE_S is removed), or an LMDB code.
 */
int portal_session_get(portal *p, const char *token, int64_t now, char no[PORTAL_NO_SIZE]);
/* Ends the session of token (sign-out); 0 also when there is none. PAGES_E_NOTFOUND when malformed.
 */
int portal_session_end(portal *p, const char *token);

/* ------------------------------------------------------------ shares */

#define PORTAL_SHARE_ID_LEN 16 /* 128 random bits; base32 (26 characters) in /S/{id} */
#define PORTAL_SHARE_TEXT 192  /* bytes of recipient and purpose, NUL included */
#define PORTAL_SHARE_MAX 64    /* shares listed per certificate at most */
#define PORTAL_SHARE_DAYS_MAX 180
#define PORTAL_SHARE_ACTIVE_MAX 20 /* shares of one certificate that may last at once */

/* A 授权查看 share (SPEC §10), stored as is in "shares" (its number in "cert_shares"). */
struct portal_share {
    uint32_t version;                      /* record version, set by portal_share_new */
    unsigned char id[PORTAL_SHARE_ID_LEN]; /* set by portal_share_new */
    char no[PORTAL_NO_SIZE];               /* the certificate shared */
    char recipient[PORTAL_SHARE_TEXT];     /* who may look, as the holder typed it */
    char purpose[PORTAL_SHARE_TEXT];       /* what for */
    int64_t created;                       /* unix seconds; set by portal_share_new */
    int64_t expires;                       /* unix seconds; the share ends then */
    int64_t revoked_at;                    /* unix seconds, 0 = not revoked */
    int64_t last_access;                   /* unix seconds of the last open, 0 = never */
    uint64_t accesses;                     /* opens while it lasted */
};

/*
 * Stores share s (no, recipient, purpose, expires > now filled in by the
 * caller) under a new random id (into s->id). PAGES_E_FORM for a field
 * without its NUL or an expiry not after now, PAGES_E_LIMIT (nothing stored)
 * when the certificate has PORTAL_SHARE_ACTIVE_MAX shares neither revoked nor
 * expired, EIO, or an LMDB code.
 */
int portal_share_new(portal *p, struct portal_share *s, int64_t now);
/*
 * Reads share id into *out and, while it lasts (not revoked, now before
 * expires), counts this open (accesses + 1, last_access = now).
 * PAGES_E_NOTFOUND, PAGES_E_CORRUPT or an LMDB code.
 */
int portal_share_open(portal *p, const unsigned char id[PORTAL_SHARE_ID_LEN], int64_t now,
                      struct portal_share *out);
/* Revokes share id of certificate no at now (again: 0). PAGES_E_NOTFOUND when not no's. */
int portal_share_revoke(portal *p, const unsigned char id[PORTAL_SHARE_ID_LEN], const char *no,
                        int64_t now);
/* Certificate no's shares (at most max, in id order) into out; *n = how many. */
int portal_share_list(portal *p, const char *no, struct portal_share *out, size_t max, size_t *n);

/* ================================================================ pages */

/*
 * The Content-Security-Policy of every page: nothing loads from anywhere,
 * inline CSS only, images only as data: URLs, forms post only to us, no
 * framing, no <base>. The one place this text lives.
 */
#define PAGES_CSP                                                                                  \
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "           \
    "frame-ancestors 'none'; base-uri 'none'"
#define PAGES_BODY_MAX (1u << 20) /* bound on one page's HTML */
#define PAGES_SET_COOKIE_MAX 160  /* bound on a Set-Cookie value */

/* ------------------------------------------------------------ html.c */

/*
 * Appends s[0..n-1] as HTML text, safe in element content and in quoted
 * attribute values: & < > " ' become character references, bytes that are
 * not valid UTF-8 become U+FFFD, C0 controls other than tab and newline are
 * dropped. Returns 0 or b's errors (ENOMEM, EFBIG). The one HTML escaper.
 */
int pages_esc(struct jp_buf *b, const char *s, size_t n);
/* pages_esc of a NUL-terminated string (NULL appends nothing). */
int pages_escz(struct jp_buf *b, const char *s);

/*
 * A page being built by a handler and handed to the daemon (the verifier's
 * vf_reply_page moves it into the reply). body is HTML, set_cookie one
 * Set-Cookie value or "". Owned by the caller; pages_page_free releases body.
 */
struct pages_page {
    unsigned status;                       /* HTTP status, 200 unless set */
    struct jp_buf body;                    /* the HTML, at most PAGES_BODY_MAX */
    char set_cookie[PAGES_SET_COOKIE_MAX]; /* a Set-Cookie value, "" = none */
    unsigned retry_after;                  /* seconds for Retry-After, 0 = none */
};

/* Sets p up empty: status 200, no cookie. Allocates nothing. */
void pages_page_init(struct pages_page *p);
/* Frees the body; p is left as after pages_page_init. NULL-safe. */
void pages_page_free(struct pages_page *p);

/*
 * Starts the HTML document in p->body: doctype, lang zh-CN, viewport, the
 * title (escaped), the shared CSS and css (trusted static text of the page,
 * may be NULL), the site header with a link home, and opens <main>.
 * Returns 0 or ENOMEM/EFBIG.
 */
int pages_begin(struct pages_page *p, const char *title, const char *css);
/* Closes <main>, writes the footer and ends the document. 0 or ENOMEM/EFBIG. */
int pages_end(struct pages_page *p);

/*
 * A whole page saying one thing: status, a heading and a paragraph (both
 * escaped), and a link back home. For 400/403/404/429/500 answers.
 */
int pages_message(struct pages_page *p, unsigned status, const char *heading, const char *text);

/* ------------------------------------------------------------ form.c */

#define PAGES_FIELDS_MAX 16          /* fields of one form */
#define PAGES_NAME_MAX 32            /* bytes of a field name */
#define PAGES_VALUE_MAX (64u * 1024) /* bytes of one text field, decoded */
#define PAGES_UPLOAD_MAX (2u << 20)  /* bytes of an uploaded file (SPEC §10: 2 MiB) */
/* Bound on a request body that carries an upload: the file and the rest of the form. */
#define PAGES_UPLOAD_BODY_MAX (PAGES_UPLOAD_MAX + 64u * 1024)

struct pages_field {
    char name[PAGES_NAME_MAX + 1]; /* field name, ASCII */
    char *value;                   /* owned, NUL-terminated, decoded UTF-8 */
    size_t len;                    /* bytes of value */
};

/* Text fields of a form. Values may be personal data: pages_form_free wipes them. */
struct pages_form {
    struct pages_field f[PAGES_FIELDS_MAX]; /* n used */
    size_t n;                               /* fields */
};

/*
 * Parses an application/x-www-form-urlencoded body into *out (emptied
 * first): '&'-separated name=value, '+' and %XX decoded. Strict: a field
 * name outside [A-Za-z0-9_-] or longer than PAGES_NAME_MAX, a bad %
 * escape, a value that is not valid UTF-8 or holds a control character
 * other than tab, CR, LF, a duplicate name or more than PAGES_FIELDS_MAX
 * fields give PAGES_E_FORM; a value longer than PAGES_VALUE_MAX
 * PAGES_E_TOO_BIG. Empty parts ("a=1&&b=2") are skipped. On error *out is
 * empty. Also ENOMEM.
 */
int pages_form_parse(const void *body, size_t len, struct pages_form *out);
/* The value of field name (NUL-terminated, *len its bytes if len not NULL), or NULL. */
const char *pages_form_get(const struct pages_form *f, const char *name, size_t *len);
/* Wipes and frees the values; f is left empty. NULL-safe. */
void pages_form_free(struct pages_form *f);

/* A multipart/form-data body: its text fields and at most one file. */
struct pages_upload {
    struct pages_form fields;  /* the text fields (owned) */
    const unsigned char *file; /* the file's bytes, borrowed from the body; NULL = none */
    size_t file_len;           /* bytes of file (0 with a file: an empty file) */
    int has_file;              /* 1 when the file field was present */
    char filename[256];        /* the part's filename as sent (cut to fit), may be "" */
};

/*
 * Parses a multipart/form-data body (RFC 7578) whose Content-Type header is
 * content_type: the part named file_field is the file (bytes borrowed from
 * body, which must outlive *out), every other part a text field with the
 * rules of pages_form_parse. Strict: the boundary (1-70 characters) must
 * open the body and close it with "--"; parts need a Content-Disposition
 * form-data with a name; a second file part or a duplicate name is
 * PAGES_E_FORM; a file over PAGES_UPLOAD_MAX is PAGES_E_TOO_BIG. On error
 * *out is empty. Also ENOMEM.
 */
int pages_multipart_parse(const char *content_type, const void *body, size_t len,
                          const char *file_field, struct pages_upload *out);
/*
 * Parses a form body by its content type: multipart/form-data as above,
 * application/x-www-form-urlencoded (or no content type) into out->fields with
 * no file. Another type is PAGES_E_FORM.
 */
int pages_body_parse(const char *content_type, const void *body, size_t len, const char *file_field,
                     struct pages_upload *out);
/* Frees the text fields; the borrowed file is forgotten. NULL-safe. */
void pages_upload_free(struct pages_upload *u);

/*
 * Finds cookie name in a Cookie header ("a=1; b=2") and copies its value into
 * out (outsz bytes, NUL-terminated). Returns 0, ENOENT when header is NULL or
 * has no such cookie, PAGES_E_FORM when the name appears twice (a planted
 * cookie beside ours: neither is trusted), ENOSPC when the value does not fit.
 */
int pages_cookie_get(const char *header, const char *name, char *out, size_t outsz);

/* ------------------------------------------------------------ holder.c */

#define PAGES_HOLDER_NAME_MAX 1024 /* bytes of a name after NFC, with its NUL */
#define PAGES_HOLDER_ID_MAX 64     /* bytes of an ID number, with its NUL */

/*
 * Unicode NFC of s[0..n-1] (UTF-8) into out, NUL-terminated: CJK compatibility
 * ideographs (U+F900-U+FAFF) become their unified twins. Returns 0,
 * PAGES_E_FORM (not UTF-8) or PAGES_E_TOO_BIG (does not fit); out is "" then.
 */
int pages_nfc(const char *s, size_t n, char *out, size_t outsz);
/* Moves *s and shrinks *n past leading and trailing ASCII spaces (' ' only). */
void pages_trim_spaces(const char **s, size_t *n);
/*
 * 1 when name and id (as typed: len bytes each, may be NULL) are the holder's
 * want_name and want_id (the record's; NULL for an unknown number, which never
 * matches but costs the same): names equal after NFC, ID numbers equal with a
 * final x read as X, surrounding spaces ignored; an empty name or ID never
 * matches. Constant time in the contents.
 */
int pages_holder_match(const char *name, size_t nlen, const char *id, size_t idlen,
                       const char *want_name, const char *want_id);

/* ------------------------------------------------------------ csrf.c */

#define PAGES_CSRF_COOKIE "jp_csrf" /* the cookie's name */
#define PAGES_CSRF_FIELD "csrf"     /* the hidden form field's name */
#define PAGES_CSRF_LEN 26           /* characters: base32 of 128 random bits */

/*
 * The CSRF token a page with forms embeds: the jp_csrf cookie's token when
 * the Cookie header carries a well-formed one, else a new random one, for
 * which p->set_cookie is set (HttpOnly, SameSite=Strict, Path=/, Secure when
 * secure). token gets PAGES_CSRF_LEN characters and a NUL. Returns 0,
 * ENOSPC, or EIO when no random bytes could be had.
 */
int pages_csrf_prepare(struct pages_page *p, const char *cookie_header, int secure,
                       char token[PAGES_CSRF_LEN + 1]);
/* Appends the hidden csrf input carrying token. 0 or ENOMEM/EFBIG. */
int pages_csrf_input(struct jp_buf *b, const char *token);
/*
 * Checks a posted form: its csrf field must equal the jp_csrf cookie's token
 * (both well-formed, compared in constant time). 0 when they match, else
 * PAGES_E_CSRF.
 */
int pages_csrf_check(const char *cookie_header, const struct pages_form *form);
/* The 403 page of a form posted without a matching pair. 0 or ENOMEM/EFBIG. */
int pages_csrf_refused(struct pages_page *p);

#endif
