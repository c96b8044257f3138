/*
 * ident.h - Jianpei's identifier and holder-identity rules: the certificate
 * number (SPEC §3.1), the national e-licence identifier (SPEC §3.2, GB/T 36904),
 * the unified social credit code (GB 32100), the citizen ID number (GB 11643)
 * and other holder documents (SPEC §3.3), calendar dates, the holder-name rule
 * (SPEC §5) and the masking shown to the public (SPEC §7, §8).
 *
 * Everything here is a pure function of its arguments: no allocation, no I/O,
 * no global state but HarfBuzz's immutable Unicode tables, safe from any thread.
 *
 * Input conventions: text that comes from outside is passed as (s, len), the
 * bytes s[0..len-1]; nothing is read past len, a NUL byte inside is just a
 * character that fails the rule, and inputs longer than the rule's bound are
 * rejected before they are scanned.
 *
 * Errors: 0 (IDENT_OK) or a value of enum ident_error: negative, in the range
 * JP_ERR_IDENT_BASE of errors.h, so a caller may pass it through beside errno
 * values and jp_strerror() names it. Every checker also
 * takes (why, whylen), a caller's buffer that receives a lowercase reason such
 * as "check character should be 7" or "character 5 is not a digit" ("" on
 * success). A reason never contains the input or a part of it (the input may be
 * personal data), with one deliberate exception: the expected check character.
 * why may be NULL when whylen is 0; IDENT_WHY_SIZE bytes always hold a whole
 * reason, a shorter buffer gets a reason cut short but still NUL-terminated.
 *
 * Outputs are written into caller buffers with a size; when one does not fit,
 * the function returns IDENT_ENOSPC and leaves "" there (never a truncation).
 */
#ifndef JP_IDENT_H
#define JP_IDENT_H

#include "errors.h"

#include <stddef.h>
#include <stdint.h>

enum ident_error {
    IDENT_OK = 0,
    IDENT_EINVAL =
        JP_ERR_IDENT_BASE, /* a NULL pointer or an argument outside its documented range */
    IDENT_ELENGTH,         /* empty, too long, or not the fixed length */
    IDENT_ECHAR,           /* a character outside the rule's alphabet */
    IDENT_EFORMAT,         /* structure: root, dots, separators, leading/trailing space */
    IDENT_ECHECK,          /* the check character does not match */
    IDENT_EDATE,           /* not a real date, or a date outside the allowed range */
    IDENT_EUTF8,           /* not valid UTF-8 (overlong, surrogate, > U+10FFFF, cut short) */
    IDENT_ENOSPC           /* the caller's output buffer is too small */
};

/* A static, lowercase description of an ident_error value; never NULL. */
const char *ident_strerror(int err);

/* Bytes that always hold a whole reason, NUL included. */
#define IDENT_WHY_SIZE 96

/* ---- Dates (proleptic Gregorian, years IDENT_YEAR_MIN..IDENT_YEAR_MAX) ---- */

#define IDENT_YEAR_MIN 1900
#define IDENT_YEAR_MAX 9999
#define IDENT_DATE_SIZE 11 /* "YYYY-MM-DD" and its NUL */

struct ident_date {
    int year;  /* IDENT_YEAR_MIN..IDENT_YEAR_MAX */
    int month; /* 1..12 */
    int day;   /* 1..28/29/30/31 as the month has */
};

/* 1 when d is a real date in the supported years, else 0 (also for NULL). */
int ident_date_valid(const struct ident_date *d);
/*
 * Parses exactly "YYYY-MM-DD" (10 bytes, ASCII digits, '-' separators) that
 * names a real date. Errors: IDENT_ELENGTH, IDENT_ECHAR, IDENT_EFORMAT,
 * IDENT_EDATE ("february 29 in a non-leap year", "day is past the end of the month").
 */
int ident_date_parse(const char *s, size_t len, struct ident_date *out, char *why, size_t whylen);
/* <0, 0 or >0 as a is before, the same as, or after b. Both must be valid. */
int ident_date_cmp(const struct ident_date *a, const struct ident_date *b);
/* Writes "YYYY-MM-DD". IDENT_EINVAL for an invalid date, IDENT_ENOSPC when outsz < 11. */
int ident_date_format(const struct ident_date *d, char *out, size_t outsz);
/*
 * The calendar date at Unix time secs in a zone offset_seconds east of UTC
 * (China: 8 * 3600). The caller reads the clock; this function does not.
 * IDENT_EINVAL when offset_seconds is beyond ±24 h, IDENT_EDATE when the date
 * falls outside the supported years.
 */
int ident_date_from_unix(int64_t secs, int offset_seconds, struct ident_date *out);
/*
 * Whole years from birth to on (Chinese 周岁): the age goes up on the birthday;
 * someone born on 29 February turns a year older on 1 March in common years.
 * Returns -1 when on is before birth or either date is invalid.
 */
int ident_age_on(const struct ident_date *birth, const struct ident_date *on);
/* Days from 1970-01-01 to d (negative before it); d must be valid. The inverse of
 * ident_date_from_unix's day (days_from_civil, H. Hinnant). */
long ident_date_days(const struct ident_date *d);

/* ---- Certificate number (证书编号, SPEC §3.1): PP CC YYYY JJ NNNNNNN X ---- */

#define IDENT_CERTNO_LEN 18
#define IDENT_CERTNO_SIZE 19 /* with the NUL */
#define IDENT_CERTNO_SERIAL_MAX 9999999u

struct ident_certno {
    char text[IDENT_CERTNO_SIZE]; /* the whole number, NUL-terminated */
    char province[3];             /* PP, "11".."99" */
    char city[3];                 /* CC, "01".."99" */
    int year;                     /* YYYY, IDENT_YEAR_MIN..IDENT_YEAR_MAX */
    char position[3];             /* JJ, "01".."99"; the catalogue check is the caller's */
    uint32_t serial;              /* NNNNNNN, 1..IDENT_CERTNO_SERIAL_MAX */
    char check;                   /* X, '0'..'9' or 'X' (upper case only) */
};

/*
 * The ISO 7064 MOD 11-2 check character of 17 ASCII digits, computed as
 * GB 11643 does ('0'..'9' or 'X'); 0 when a byte is not a digit.
 */
char ident_mod11_2(const char *digits17);
/*
 * Parses and validates a certificate number. out may be NULL (check only).
 * A lower-case 'x' is rejected: SPEC §7 keeps the number upper case.
 * Errors: IDENT_ELENGTH, IDENT_ECHAR, IDENT_EFORMAT (a zero province, city,
 * position or serial; a year before 1900), IDENT_ECHECK ("check character should be 7").
 */
int ident_certno_parse(const char *s, size_t len, struct ident_certno *out, char *why,
                       size_t whylen);
/*
 * Builds a certificate number from its parts: province, city and position are
 * two ASCII digits each (NUL-terminated, as held in the configuration), year
 * 1900..9999, serial 1..9999999. Writes 18 characters and a NUL into out.
 * Errors: IDENT_EINVAL (a part outside its range; why says which), IDENT_ENOSPC.
 */
int ident_certno_make(const char *province, const char *city, int year, const char *position,
                      uint32_t serial, char *out, size_t outsz, char *why, size_t whylen);

/* ---- Unified social credit code (统一社会信用代码, GB 32100) ---- */

#define IDENT_USCC_LEN 18

/*
 * Validates 18 characters of 0-9 and A-Z without I O Z S V, the last one the
 * GB 32100 check (weights 3^i mod 31, check = 31 - sum mod 31, 31 -> '0').
 * Only upper case is accepted. Errors: IDENT_ELENGTH, IDENT_ECHAR, IDENT_ECHECK.
 */
int ident_uscc_check(const char *s, size_t len, char *why, size_t whylen);

/* ---- E-licence identifier (电子证照标识, SPEC §3.2, GB/T 36904-2018) ---- */

#define IDENT_ELIC_ROOT "1.2.156.3005.2."
#define IDENT_ELIC_TYPE_LEN 21   /* defining authority's USCC + 3-digit sequence */
#define IDENT_ELIC_SERIAL_MAX 64 /* serial: 1..64 of [0-9A-Z] */
#define IDENT_ELIC_MAX_LEN 126   /* root 15 + 21 + 1 + 18 + 1 + 64 + 1 + 3 + 1 + 1 */
#define IDENT_ELIC_SIZE 127      /* with the NUL */

struct ident_elicence {
    char type_code[IDENT_ELIC_TYPE_LEN + 1]; /* 21 chars: USCC + "001".."999" */
    char issuer[IDENT_USCC_LEN + 1];         /* issuing authority's USCC */
    char serial[IDENT_ELIC_SERIAL_MAX + 1];  /* [0-9A-Z]{1,64} */
    int version;                             /* 1..999, written as 3 digits */
    char check;                              /* ISO/IEC 7064 MOD 37,36 over [0-9A-Z] */
};

/*
 * Parses and validates root.type.issuer.serial.version.check: the root is
 * exactly IDENT_ELIC_ROOT; the type code's first 18 characters and the issuer
 * pass GB 32100; the check is ISO/IEC 7064 MOD 37,36 (hybrid system, alphabet
 * 0-9A-Z valued 0..35) over type, issuer, serial and version with the dots
 * removed. Upper case only. out may be NULL. Errors: IDENT_ELENGTH,
 * IDENT_ECHAR, IDENT_EFORMAT, IDENT_ECHECK (also for a bad embedded USCC).
 */
int ident_elicence_parse(const char *s, size_t len, struct ident_elicence *out, char *why,
                         size_t whylen);
/*
 * Builds an identifier from a type code (21 chars), an issuer USCC, a serial
 * ([0-9A-Z]{1,64}; the certificate number in Jianpei), all NUL-terminated, and
 * a version 1..999. out needs up to IDENT_ELIC_SIZE bytes.
 * Errors: those of the parts' checks, IDENT_EINVAL (version), IDENT_ENOSPC.
 */
int ident_elicence_make(const char *type_code, const char *issuer, const char *serial, int version,
                        char *out, size_t outsz, char *why, size_t whylen);

/* ---- Holder identity (SPEC §3.3) ---- */

#define IDENT_ID_TYPE_CITIZEN "111"
#define IDENT_CITIZEN_ID_LEN 18
#define IDENT_OTHER_ID_MIN 6
#define IDENT_OTHER_ID_MAX 32
#define IDENT_ID_SIZE 33 /* the longest holder ID and its NUL */

struct ident_citizen_id {
    char text[IDENT_CITIZEN_ID_LEN + 1]; /* canonical form: a final 'x' becomes 'X' */
    struct ident_date birth;             /* digits 7..14 */
    int male;                            /* 1 when digit 17 is odd (GB 11643), else 0 */
};

/*
 * Validates a GB 11643 citizen ID number: 17 digits and the MOD 11-2 check
 * character. A lower-case final 'x' is accepted (people type it) and given back
 * as 'X' in out->text: store and compare that canonical form, never the input.
 * The birth date must be real, in 1900 or later and, when today is not NULL,
 * not after today. out may be NULL. Errors: IDENT_ELENGTH, IDENT_ECHAR,
 * IDENT_EDATE ("birth date is not a real date"), IDENT_ECHECK.
 */
int ident_citizen_id_parse(const char *s, size_t len, const struct ident_date *today,
                           struct ident_citizen_id *out, char *why, size_t whylen);
/* Validates an id_type: exactly three ASCII digits. Errors: IDENT_ELENGTH, IDENT_ECHAR. */
int ident_id_type_check(const char *type, size_t typelen, char *why, size_t whylen);
/*
 * Validates a holder document number for its id_type and writes its canonical
 * form into out (outsz >= idlen + 1; IDENT_ID_SIZE always suffices; out may be
 * NULL). Type "111" is checked as ident_citizen_id_parse (a final 'x' comes
 * back as 'X'); any other three-digit type takes 6..32 printable ASCII
 * characters without spaces (0x21..0x7E), kept opaque and copied unchanged.
 * Errors: those of ident_id_type_check and ident_citizen_id_parse, IDENT_ENOSPC.
 */
int ident_holder_id_parse(const char *type, size_t typelen, const char *id, size_t idlen,
                          const struct ident_date *today, char *out, size_t outsz, char *why,
                          size_t whylen);

/* ---- Holder name (SPEC §5) ---- */

#define IDENT_NAME_MAX_CHARS 64
#define IDENT_NAME_MAX_BYTES 256 /* 64 code points of at most 4 bytes */

/*
 * Validates a holder name: valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF); 1..64 code points, each a letter of any script (Unicode general
 * category Lu Ll Lt Lm Lo from HarfBuzz's tables, so CJK extensions A..H are
 * letters), a combining mark (Mn, Mc) right after a letter or mark, the middle
 * dot U+00B7, or the ASCII space. A separator (space or middle dot) may not
 * start or end the name nor follow another separator. The katakana middle dot
 * U+30FB and other look-alikes are rejected with a reason naming U+00B7, so one
 * name has one spelling. Errors: IDENT_ELENGTH, IDENT_EUTF8, IDENT_ECHAR,
 * IDENT_EFORMAT. Reasons name the 1-based character position, never the character.
 */
int ident_name_check(const char *s, size_t len, char *why, size_t whylen);

/*
 * Masks a valid name for public display: a "character" is a letter, middle dot
 * or space with the combining marks that follow it; the first character is kept,
 * the last one kept too when there are three or more, and each one in between
 * becomes one '*' (张三 -> 张*, 张三丰 -> 张*丰, 阿依古丽·买买提 -> 阿******提; a
 * one-character name -> "*"). Errors: those of ident_name_check, IDENT_ENOSPC.
 * IDENT_NAME_MAX_BYTES + 1 bytes of out always suffice.
 */
int ident_name_mask(const char *s, size_t len, char *out, size_t outsz);

/*
 * Masks a holder document number: at least 18 characters (a citizen ID) keep
 * the first 6 and the last 4 and star the rest (440103199001011237 ->
 * 440103********1237); shorter ones (passports, permits) are all stars, one per
 * character. The number must be 1..32 printable ASCII characters without spaces.
 * Errors: IDENT_ELENGTH, IDENT_ECHAR, IDENT_ENOSPC (out needs len + 1 bytes).
 */
int ident_id_mask(const char *id, size_t len, char *out, size_t outsz);

#endif
