/*
 * linereader.c - bounded line reading over stdio (getc_unlocked keeps it fast).
 */
#include "linereader.h"

#include <errno.h>
#include <stdlib.h>

int linereader_init(struct linereader *r, FILE *f, size_t max)
{
    r->f = f;
    r->max = max;
    r->line = 0;
    r->buf = malloc(max + 1);
    return r->buf == NULL ? ENOMEM : 0;
}

enum linereader_result linereader_next(struct linereader *r, size_t *len)
{
    size_t n = 0;
    int c = EOF;

    for (;;) {
        c = getc_unlocked(r->f);
        if (c == EOF || c == '\n')
            break;
        if (n < r->max)
            r->buf[n] = (char)c;
        n++;
    }
    if (c == EOF && ferror(r->f))
        return LR_ERROR;
    if (c == EOF && n == 0)
        return LR_EOF;
    r->line++;
    *len = n;
    if (n > r->max)
        return LR_TOOLONG;
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    *len = n;
    return LR_LINE;
}

void linereader_free(struct linereader *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    r->buf = NULL;
}
