/*
 * util.c - bounded buffers, atomic and exclusive file writes, hex, logging.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "util.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

void jp_buf_init(struct jp_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int buf_reserve(struct jp_buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;

    if (extra > b->max || b->len > b->max - extra)
        return EFBIG;
    need = b->len + extra;
    if (b->data != NULL && need <= b->cap)
        return 0;
    cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max)
        cap = b->max;
    p = realloc(b->data, cap + 1);
    if (p == NULL)
        return ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int jp_buf_append(struct jp_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);

    if (rc != 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int jp_buf_puts(struct jp_buf *b, const char *s)
{
    return jp_buf_append(b, s, strlen(s));
}

int jp_buf_printf(struct jp_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return EINVAL;
    rc = buf_reserve(b, (size_t)n);
    if (rc != 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void jp_buf_reset(struct jp_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

unsigned char *jp_buf_detach(struct jp_buf *b, size_t *len)
{
    unsigned char *p = b->data;

    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void jp_buf_free(struct jp_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int jp_read_file(const char *path, size_t max, unsigned char **out, size_t *len)
{
    struct jp_buf b;
    unsigned char chunk[65536];
    ssize_t n;
    int fd, rc = 0;

    *out = NULL;
    *len = 0;
    jp_buf_init(&b, max);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = errno;
            break;
        }
        if (n == 0)
            break;
        rc = jp_buf_append(&b, chunk, (size_t)n);
        if (rc != 0)
            break;
    }
    close(fd);
    if (rc == 0 && b.data == NULL)
        rc = jp_buf_append(&b, "", 0);
    if (rc != 0) {
        jp_buf_free(&b);
        return rc;
    }
    *out = jp_buf_detach(&b, len);
    return 0;
}

int jp_write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes data to a new file's fd, sets mode whatever the umask, fsyncs and closes fd. */
static int write_new_file(int fd, const void *data, size_t len, mode_t mode)
{
    int rc;

    rc = jp_write_all(fd, data, len);
    if (rc == 0 && fchmod(fd, mode) != 0)
        rc = errno;
    if (rc == 0 && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    return rc;
}

static int fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    char *slash;
    int fd, rc = 0;

    if (strlen(path) >= sizeof dir)
        return ENAMETOOLONG;
    strcpy(dir, path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (fsync(fd) != 0)
        rc = errno;
    close(fd);
    return rc;
}

/* Creates path (O_EXCL, never through a symlink) with mode, writes data, fsyncs. */
static int write_new(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd, rc;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return errno;
    rc = write_new_file(fd, data, len, mode);
    if (rc != 0)
        unlink(path);
    return rc;
}

int jp_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[PATH_MAX], hex[17];
    unsigned char rnd[8];
    int rc;

    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return EIO;
    jp_hex_encode(rnd, sizeof rnd, hex);
    rc = jp_strf(tmp, sizeof tmp, "%s.tmp-%s", path, hex);
    if (rc != 0)
        return ENAMETOOLONG;
    rc = write_new(tmp, data, len, mode);
    if (rc != 0)
        return rc;
    if (rename(tmp, path) != 0) {
        rc = errno;
        unlink(tmp);
        return rc;
    }
    return fsync_parent(path);
}

int jp_write_file_excl(const char *path, const void *data, size_t len, mode_t mode)
{
    return write_new(path, data, len, mode);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 ? errno : 0;
}

int jp_remove_tree(const char *path)
{
    int rc = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

    if (rc < 0)
        return errno == ENOENT ? 0 : errno;
    return rc;
}

int jp_mkdir_p(const char *path, mode_t mode)
{
    char p[PATH_MAX];
    size_t n = strlen(path);

    if (n == 0)
        return EINVAL;
    if (n >= sizeof p)
        return ENAMETOOLONG;
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST)
            return errno;
        p[i] = c;
    }
    return 0;
}

int jp_path_join(char *out, size_t outsz, const char *a, const char *b)
{
    int n = snprintf(out, outsz, "%s/%s", a, b);

    if (n < 0 || (size_t)n >= outsz)
        return ENAMETOOLONG;
    return 0;
}

void jp_hex_encode(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int jp_run_next(const unsigned char *row, int width, int *x, int *len)
{
    int start;

    while (*x < width && !(row[*x] & 1))
        (*x)++;
    if (*x >= width)
        return -1;
    start = *x;
    while (*x < width && (row[*x] & 1))
        (*x)++;
    *len = *x - start;
    return start;
}

int jp_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int jp_hex_decode(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = jp_hex_digit((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : jp_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return EINVAL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[2 * n] == '\0' ? 0 : EINVAL;
}

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int jp_base32_encode(const unsigned char *p, size_t n, char *out, size_t outsz)
{
    unsigned acc = 0;
    size_t o = 0;
    int bits = 0;

    if (outsz < JP_BASE32_LEN(n))
        return ENOSPC;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = base32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = base32_alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return 0;
}

static int base32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

int jp_base32_decode(const char *s, size_t len, unsigned char *out, size_t outsz, size_t *n)
{
    unsigned acc = 0;
    size_t o = 0;
    int bits = 0;

    if (len % 8 == 1 || len % 8 == 3 || len % 8 == 6)
        return EINVAL;
    if (len * 5 / 8 > outsz)
        return ENOSPC;
    for (size_t i = 0; i < len; i++) {
        int v = base32_value(s[i]);

        if (v < 0)
            return EINVAL;
        acc = ((acc << 5) | (unsigned)v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return EINVAL;
    *n = o;
    return 0;
}

void jp_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
    else if ((size_t)n >= errlen && errlen > 3)
        memcpy(err + errlen - 4, "...", 4);
}

void *jp_grow(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
    size_t want = *cap ? *cap * 2 : first;
    void *p;

    if (n < *cap)
        return items;
    if (want <= *cap || size == 0 || want > SIZE_MAX / size)
        return NULL;
    p = malloc(want * size);
    if (p == NULL)
        return NULL;
    if (items != NULL) {
        memcpy(p, items, *cap * size);
        jp_free_secret(items, *cap * size);
    }
    *cap = want;
    return p;
}

void jp_cleanse(void *p, size_t n)
{
    if (p != NULL)
        OPENSSL_cleanse(p, n);
}

static enum jp_log_level log_level = JP_LOG_INFO;

void jp_log_set_level(enum jp_log_level lvl)
{
    log_level = lvl;
}

void jp_log(enum jp_log_level lvl, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    char stamp[32], line[1024];
    struct tm tm;
    time_t now;
    va_list ap;

    if (lvl < log_level)
        return;
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap); /* a longer message is cut, never overflows */
    va_end(ap);
    fprintf(stderr, "%s %s %s\n", stamp, names[lvl], line);
}

/* "success" for 0, strerror() for an errno value, NULL for a module code. */
static const char *errno_name(int code)
{
    if (code == 0)
        return "success";
    return code > 0 ? strerror(code) : NULL;
}

const char *jp_err_name(const struct jp_err_text *t, size_t n, int code)
{
    const char *s = errno_name(code);

    for (size_t i = 0; s == NULL && i < n; i++)
        s = t[i].code == code ? t[i].text : NULL;
    return s != NULL ? s : "unknown error";
}

const char *jp_err_route(const struct jp_err_range *r, size_t n, int code)
{
    const char *s = errno_name(code);

    for (size_t i = 0; s == NULL && i < n; i++)
        s = JP_ERR_IN(code, r[i].base) ? r[i].name(code) : NULL;
    return s;
}

int jp_vstrf(char *out, size_t outsz, const char *fmt, va_list ap)
{
    int n;

    if (out == NULL || outsz == 0)
        return ENOSPC;
    n = vsnprintf(out, outsz, fmt, ap);
    if (n < 0) {
        out[0] = '\0';
        return EINVAL;
    }
    if ((size_t)n >= outsz) {
        out[0] = '\0';
        return ENOSPC;
    }
    return 0;
}

int jp_strf(char *out, size_t outsz, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = jp_vstrf(out, outsz, fmt, ap);
    va_end(ap);
    return rc;
}

int jp_json_str(struct jp_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    int rc = jp_buf_append(b, "\"", 1);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch != '"' && ch != '\\' && ch >= 0x20)
            continue;
        rc = jp_buf_append(b, s + run, i - run);
        if (rc == 0 && ch < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            rc = jp_buf_append(b, e, sizeof e);
        } else if (rc == 0) {
            char e[2] = {'\\', (char)ch};
            rc = jp_buf_append(b, e, sizeof e);
        }
        run = i + 1;
    }
    if (rc == 0)
        rc = jp_buf_append(b, s + run, n - run);
    return rc == 0 ? jp_buf_append(b, "\"", 1) : rc;
}

int jp_json_strz(struct jp_buf *b, const char *s)
{
    return jp_json_str(b, s, strlen(s));
}

int jp_buf_fill(struct jp_buf *b, int (*esc)(struct jp_buf *b, const char *s), const char *tmpl,
                ...)
{
    va_list ap;
    const char *hole;
    int rc = 0;

    va_start(ap, tmpl);
    for (hole = strstr(tmpl, "%s"); rc == 0 && hole != NULL; hole = strstr(tmpl, "%s")) {
        rc = jp_buf_append(b, tmpl, (size_t)(hole - tmpl));
        if (rc == 0)
            rc = esc(b, va_arg(ap, const char *));
        tmpl = hole + 2;
    }
    va_end(ap);
    return rc == 0 ? jp_buf_puts(b, tmpl) : rc;
}

size_t jp_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t need = 0;
    uint32_t v = 0, min = 0;
    unsigned char lo = 0x80, hi = 0xbf;

    *cp = 0;
    if (n == 0)
        return 0;
    if (p[0] < 0x80) {
        need = 1;
        v = p[0];
    } else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        need = 2;
        v = p[0] & 0x1fu;
        min = 0x80;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        need = 3;
        v = p[0] & 0x0fu;
        min = 0x800;
        lo = p[0] == 0xe0 ? 0xa0 : 0x80; /* overlong */
        hi = p[0] == 0xed ? 0x9f : 0xbf; /* surrogates */
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        need = 4;
        v = p[0] & 0x07u;
        min = 0x10000;
        lo = p[0] == 0xf0 ? 0x90 : 0x80; /* overlong */
        hi = p[0] == 0xf4 ? 0x8f : 0xbf; /* past U+10FFFF */
    }
    if (need == 0 || need > n)
        return 0;
    for (size_t i = 1; i < need; i++) {
        unsigned char c = p[i];

        if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xbf))
            return 0;
        v = v << 6 | (c & 0x3fu);
    }
    if (v < min)
        return 0;
    *cp = v;
    return need;
}

int jp_utf8_valid(const char *s, size_t n)
{
    uint32_t cp;

    for (size_t i = 0; i < n;) {
        size_t used = jp_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (used == 0)
            return 0;
        i += used;
    }
    return 1;
}

size_t jp_utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t jp_mono_ms(void)
{
    return mono_ns() / 1000000u;
}

uint64_t jp_mono_us(void)
{
    return mono_ns() / 1000u;
}
