/*
 * fuzz_common.h - what Jianpei's libFuzzer targets share: a private temporary
 * directory removed at exit, small file helpers, a byte search, a line
 * splitter for inputs made of header lines, and the abort
 * that turns a broken invariant into a finding. For fuzz targets only: these
 * helpers abort() on setup failure, as a fuzzer cannot go on without them.
 */
#ifndef JP_FUZZ_COMMON_H
#define JP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/*
 * The process's temporary directory (mkdtemp under $TMPDIR or /tmp), created
 * on first use and removed with its content at exit. The string is static.
 */
const char *fz_tmpdir(void);

/*
 * Writes n bytes to fz_tmpdir()/name (replacing it) and returns the path in a
 * static buffer that the next call overwrites.
 */
const char *fz_write(const char *name, const void *p, size_t n);

/* 1 when needle (nlen > 0 bytes) occurs in hay (hlen bytes), else 0. */
int fz_contains(const void *hay, size_t hlen, const void *needle, size_t nlen);

/*
 * Copies the next '\n'-terminated line of *p (before end; at most outsz - 1
 * bytes, the rest dropped) into out, NUL-terminated, and moves *p past the
 * newline, or to end when there is none. outsz must be at least 1.
 */
void fz_next_line(const uint8_t **p, const uint8_t *end, char *out, size_t outsz);

/* Prints "fuzz invariant broken: what" and aborts, so libFuzzer keeps the input. */
void fz_fail(const char *what) __attribute__((noreturn));

#define FZ_ASSERT(expr)                                                                            \
    do {                                                                                           \
        if (!(expr))                                                                               \
            fz_fail(#expr);                                                                        \
    } while (0)

#endif
