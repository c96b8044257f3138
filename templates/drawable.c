/*
 * drawable.c - whether the template's faces can draw a text, asked before
 * anything is rendered: the issuer refuses an intake line or a correction
 * whose name holds a character no face has (GB 18030-2022 extension G is only
 * partly covered, docs/fonts.md), instead of failing a whole batch at render.
 * The answer is tmpl_render's: a character is drawable when font_lib_find
 * finds a face whose cmap maps it to a real glyph.
 */
#include "render.h"
#include "tmpl.h"

int tmpl_drawable(const struct tmpl *t, const char *text, uint32_t *cp)
{
    uint32_t cps[TMPL_MAX_FIELD];
    long n = tmpl_codepoints(text, cps, TMPL_MAX_FIELD);

    *cp = 0;
    if (n < 0)
        return TMPL_EFIELD;
    for (long i = 0; i < n; i++)
        if (font_lib_find(&t->fonts, cps[i]) < 0) {
            *cp = cps[i];
            return TMPL_EGLYPH;
        }
    return 0;
}
