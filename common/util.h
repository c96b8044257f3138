/*
 * util.h - the small shared piece every Jianpei module may use: bounded byte
 * buffers, files written atomically or exclusively, paths, hex, and log lines.
 *
 * Error convention: functions return 0 on success or a positive errno value
 * (ENOMEM, EFBIG when a bound is hit, ENAMETOOLONG, or what the system call set).
 * Nothing here exits; only main() does.
 */
#ifndef JP_UTIL_H
#define JP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Borrowed bytes: a pointer and a length, owned by whoever made the span and
 * valid as long as that owner says. The one byte-span type of every module
 * (keys, templates, pdf, store callers) so that no adapter copies field by field.
 */
struct jp_span {
    const unsigned char *p; /* NULL only when n is 0 */
    size_t n;               /* bytes at p */
};

/*
 * A growable byte buffer with a hard upper bound.
 * Invariants: data is NULL or holds cap bytes; len <= cap <= max; when data is
 * not NULL, data[len] is a NUL byte (so text can be used as a C string).
 */
struct jp_buf {
    unsigned char *data; /* owned; NULL until the first append */
    size_t len;          /* bytes in use */
    size_t cap;          /* bytes allocated, not counting the trailing NUL */
    size_t max;          /* appends that would pass this fail with EFBIG */
};

/* Sets up an empty buffer that may grow to at most max bytes. Allocates nothing. */
void jp_buf_init(struct jp_buf *b, size_t max);
/* Appends n bytes. Returns 0, ENOMEM, or EFBIG (buffer unchanged on error). */
int jp_buf_append(struct jp_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. Same errors as jp_buf_append. */
int jp_buf_puts(struct jp_buf *b, const char *s);
/* Appends printf-formatted text. Same errors as jp_buf_append. */
int jp_buf_printf(struct jp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its allocation. */
void jp_buf_reset(struct jp_buf *b);
/*
 * Hands the bytes to the caller, who frees them with free(); the buffer is left
 * empty. Returns NULL (and *len = 0) for a buffer that never allocated.
 */
unsigned char *jp_buf_detach(struct jp_buf *b, size_t *len);
/* Frees the bytes; the buffer is left empty and reusable. NULL-safe. */
void jp_buf_free(struct jp_buf *b);

/*
 * Reads a whole file of at most max bytes into a new allocation (NUL-terminated,
 * the NUL not counted in *len); caller frees *out with free().
 * Returns 0, errno of open/read, or EFBIG when the file is larger than max.
 */
int jp_read_file(const char *path, size_t max, unsigned char **out, size_t *len);
/*
 * Writes a file so that a crash leaves either the old or the new content:
 * a temporary file beside it (a random name, created O_EXCL|O_NOFOLLOW with
 * mode, so nobody else's file or link is ever written through), fsync, rename
 * over path (a symlink at path is replaced, never followed), fsync of the directory.
 */
int jp_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/*
 * Creates a new file with O_CREAT|O_EXCL|O_NOFOLLOW and the given mode (for
 * secrets: 0600) and writes data, fsynced. EEXIST when it exists; a partial
 * file is removed on failure.
 */
int jp_write_file_excl(const char *path, const void *data, size_t len, mode_t mode);
/*
 * Writes all len bytes of data to fd, again after EINTR and short writes.
 * Returns 0, or errno of write (EIO when write makes no progress).
 */
int jp_write_all(int fd, const void *data, size_t len);
/*
 * rm -rf: removes path and, when it is a directory, everything below it,
 * without following symbolic links. 0 also when path does not exist; else
 * the errno of the first entry that could not be removed (the rest may stay).
 */
int jp_remove_tree(const char *path);
/* mkdir -p with the given mode for directories it creates. */
int jp_mkdir_p(const char *path, mode_t mode);
/* out = a "/" b. ENAMETOOLONG when it does not fit in outsz. */
int jp_path_join(char *out, size_t outsz, const char *a, const char *b);

/* Lower-case hex of n bytes into out, which must hold 2n+1 bytes. */
void jp_hex_encode(const unsigned char *p, size_t n, char *out);
/*
 * The next run of bytes with their low bit set (a QR code's dark modules in a
 * libqrencode row) in row[*x..width-1]: returns its start and sets *len, and
 * moves *x past it; returns -1 when no run is left.
 */
int jp_run_next(const unsigned char *row, int width, int *x, int *len);
/* The value 0-15 of hex digit c (either case), or -1 when c is not one. */
int jp_hex_digit(int c);
/* Decodes exactly 2n hex digits into n bytes. Returns 0 or EINVAL. */
int jp_hex_decode(const char *hex, unsigned char *out, size_t n);
/* Bytes of text (and the NUL) jp_base32_encode writes for n bytes. */
#define JP_BASE32_LEN(n) (((n)*8 + 4) / 5 + 1)
/* RFC 4648 §6 base32 of n bytes, upper case, no padding, NUL-terminated, into out.
 * Returns 0 or ENOSPC when outsz < JP_BASE32_LEN(n) (out untouched). */
int jp_base32_encode(const unsigned char *p, size_t n, char *out, size_t outsz);
/* Decodes len characters of unpadded base32 (either case) into out; *n gets the byte count.
 * Strict: a length no encoder writes, a character outside the alphabet or pad bits that are
 * not zero give EINVAL; more than outsz bytes ENOSPC. out is undefined on error. */
int jp_base32_decode(const char *s, size_t len, unsigned char *out, size_t outsz, size_t *n);

/*
 * Writes a printf-formatted message into a caller's buffer (err may be NULL
 * when errlen is 0); a message that does not fit is cut and ends in "...".
 * For the err/errlen context every module hands back beside its error code.
 */
void jp_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One module code and its static lowercase text, for a *_strerror table. */
struct jp_err_text {
    int code;         /* a module code (negative) */
    const char *text; /* its description */
};

/*
 * The body every module's *_strerror shares (common/errors.h): "success" for
 * 0, strerror() for an errno value, the text of code in t[0..n-1], else
 * "unknown error". Never NULL; not to be freed.
 */
const char *jp_err_name(const struct jp_err_text *t, size_t n, int code);

/* A module's range of codes (common/errors.h) and the namer of its codes. */
struct jp_err_range {
    int base;                      /* first code, JP_ERR_*_BASE */
    const char *(*name)(int code); /* the module's *_strerror */
};

/*
 * Names code by its owner among r[0..n-1]: "success" for 0, strerror() for an
 * errno value, the text of the namer whose range holds code, NULL when none
 * does. Static text; not to be freed.
 */
const char *jp_err_route(const struct jp_err_range *r, size_t n, int code);

/*
 * snprintf that reports truncation: formats into out (outsz bytes) and returns 0,
 * or ENOSPC when the text does not fit (out then holds "", never a cut value that
 * could pass for a whole one), or EINVAL on a formatting error.
 */
int jp_strf(char *out, size_t outsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* jp_strf over a va_list, for functions that take a format of their own. */
int jp_vstrf(char *out, size_t outsz, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * Appends s[0..n-1] as a JSON string: quoted, with '"', '\\' and control
 * characters escaped (\u00XX); other bytes, UTF-8 included, pass through.
 * Same errors as jp_buf_append. The one JSON string escaper of the project.
 */
int jp_json_str(struct jp_buf *b, const char *s, size_t n);
/* jp_json_str of a NUL-terminated string. */
int jp_json_strz(struct jp_buf *b, const char *s);
/*
 * Appends tmpl with each "%s" replaced by the next argument, a const char *
 * passed through esc (jp_json_strz for JSON, pages_escz for HTML); nothing else
 * in tmpl is special. Returns 0 or the first error of jp_buf_append or esc.
 */
int jp_buf_fill(struct jp_buf *b, int (*esc)(struct jp_buf *b, const char *s), const char *tmpl,
                ...);

/*
 * Decodes one UTF-8 sequence from p[0..n-1] as RFC 3629 allows it: no overlong
 * forms, no surrogates, nothing past U+10FFFF, nothing cut short. Returns its
 * length (1..4) and sets *cp, or 0 (and *cp = 0) when the bytes are not valid
 * UTF-8 or n is 0. The one UTF-8 decoder of the project.
 */
size_t jp_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);
/* 1 when s[0..n-1] is entirely valid UTF-8 by jp_utf8_decode, else 0. */
int jp_utf8_valid(const char *s, size_t n);
/* Encodes cp (<= U+10FFFF, not a surrogate) into out (4 bytes); returns the length or 0. */
size_t jp_utf8_encode(uint32_t cp, unsigned char out[4]);

/* Milliseconds / microseconds of CLOCK_MONOTONIC: for timeouts and durations, never dates. */
uint64_t jp_mono_ms(void);
uint64_t jp_mono_us(void);

/*
 * Makes room for item n of an array of size-byte items (cap slots at items):
 * when n == *cap, a new block of twice the slots (first when the array is
 * empty), the old bytes copied, then wiped and freed, since the items may hold
 * secrets (realloc would leave a copy behind). Returns the array to use (items
 * itself when there was room), or NULL on ENOMEM or overflow with items and
 * *cap unchanged. The caller owns the result and frees it with free().
 */
void *jp_grow(void *items, size_t *cap, size_t n, size_t size, size_t first);

/* Wipes a secret; safe against dead-store elimination. NULL-safe. */
void jp_cleanse(void *p, size_t n);
/*
 * Wipes the n bytes at p (jp_cleanse) and frees p, a malloc'd buffer that held
 * a secret or personal data (passphrases, PINs, claim keys, holder records,
 * form values). NULL-safe; p must not be used afterwards (common/secret.c).
 */
void jp_free_secret(void *p, size_t n);

struct libdeflate_compressor;
/*
 * The calling thread's libdeflate compressor for level (0..12), made on first
 * use and kept until the thread ends, one per level (common/deflater.c); the
 * caller uses it in this thread only and never frees it. NULL when out of
 * memory or level is out of range.
 */
struct libdeflate_compressor *jp_deflater(int level);
/*
 * Frees the calling thread's compressors now rather than when it ends (a
 * thread that compresses only now and then, between long stretches of other
 * work); the next jp_deflater call in this thread makes them again. Any
 * compressor jp_deflater gave this thread must no longer be in use.
 */
void jp_deflater_release(void);
/*
 * Compresses len bytes at in into zlib format (RFC 1950) at level (0..12)
 * with the calling thread's compressor (jp_deflater; common/zlib_buf.c):
 * 0 and a new buffer in *out (the caller frees it with free()) of *outlen
 * bytes, or ENOMEM (also for a level out of range) or EIO; *out is NULL then.
 */
int jp_zlib_compress(const unsigned char *in, size_t len, int level, unsigned char **out,
                     size_t *outlen);

enum jp_log_level { JP_LOG_DEBUG, JP_LOG_INFO, JP_LOG_WARN, JP_LOG_ERROR };
/* Minimum level written; default JP_LOG_INFO. */
void jp_log_set_level(enum jp_log_level lvl);
/*
 * Writes one line to stderr: ISO-8601 UTC time, level, message. The caller
 * must never pass personal data (names, ID numbers).
 */
void jp_log(enum jp_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
