/*
 * ident_int.h - what the three files of the ident rules share (ident_date.c,
 * ident_code.c, ident_holder.c); not part of the contract, which is ident.h.
 */
#ifndef JP_IDENT_INT_H
#define JP_IDENT_INT_H

#include "ident.h"

#include <stddef.h>

static inline void clear_why(char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
}

static inline void clear_out(char *out, size_t outsz)
{
    if (out != NULL && outsz > 0)
        out[0] = '\0';
}

static inline int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline int is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

/* The value of n ASCII digits (n <= 9, all digits already checked). */
static inline int digits_value(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Index of the first non-digit among s[0..n-1], or n. */
static inline size_t first_non_digit(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && is_digit((unsigned char)s[i]))
        i++;
    return i;
}

/* The first checks of a fixed-length identifier, in the order ident_fixed_check makes them. */
struct ident_fixed {
    const char *what;   /* s NULL: "<what> is missing", IDENT_EINVAL */
    const char *prefix; /* before "length is ..." and "character N ...": "" or "id_type " */
    size_t len;         /* the one length: "length is L, expected <len><form>", IDENT_ELENGTH */
    const char *form;   /* after the expected length: "" or " (YYYY-MM-DD)" */
    int empty_apart;    /* 1: an empty s is "is empty" (IDENT_ELENGTH), not a wrong length */
    size_t digits;      /* s[0..digits-1] digits: "character N is not a digit", IDENT_ECHAR */
};

/* Checks s[0..len-1] against f, writing the first failure's reason into why. */
int ident_fixed_check(const struct ident_fixed *f, const char *s, size_t len, char *why,
                      size_t whylen);

/*
 * Clears why, then checks that s is there (what names it in the reason) and is
 * 17 digits and a check character: upper case X, or also 'x' when allow_x.
 * The check character itself is ident_verify_mod11_2's.
 */
int ident_scan_18(const char *s, size_t len, int allow_x, const char *what, char *why,
                  size_t whylen);
/* IDENT_ECHECK ("check character should be 7") unless s[17] is the MOD 11-2 of s[0..16]. */
int ident_verify_mod11_2(const char *s, char *why, size_t whylen);

#endif
