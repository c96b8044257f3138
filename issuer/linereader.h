/*
 * linereader.h - streams a file line by line with a bound on the line length,
 * so a 10 MB line is a reported rejection, not a 10 MB allocation.
 * Internal to the issuer (not part of its public contract).
 */
#ifndef JP_LINEREADER_H
#define JP_LINEREADER_H

#include <stdio.h>
#include <stddef.h>

struct linereader {
    FILE *f;            /* borrowed */
    char *buf;          /* owned, max + 1 bytes */
    size_t max;         /* longest line accepted, without its newline */
    unsigned long line; /* number of the line last returned, from 1 */
};

enum linereader_result {
    LR_LINE,    /* a line is in buf (NUL-terminated, newline and CR removed), *len set */
    LR_TOOLONG, /* the line passed max; it was skipped to its end; *len = its length */
    LR_EOF,     /* no more lines */
    LR_ERROR    /* read error; errno set */
};

/* Returns 0 or ENOMEM. */
int linereader_init(struct linereader *r, FILE *f, size_t max);
enum linereader_result linereader_next(struct linereader *r, size_t *len);
void linereader_free(struct linereader *r);

#endif
