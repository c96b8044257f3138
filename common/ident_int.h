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
