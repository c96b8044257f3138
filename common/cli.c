/*
 * cli.c - progress bar, clock and passphrase reading for the programs' mains.
 */
#include "cli.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cli_progress_start(struct cli_progress *p, const char *unit)
{
    p->tty = isatty(STDERR_FILENO);
    p->start = cli_now();
    p->last_draw = 0;
    p->unit = unit;
}

void cli_progress_update(struct cli_progress *p, unsigned long done, double fraction)
{
    double now, elapsed, rate;
    char bar[31];
    size_t fill;

    if (!p->tty)
        return;
    now = cli_now();
    if (now - p->last_draw < 0.1 && fraction < 1)
        return;
    p->last_draw = now;
    elapsed = now - p->start;
    rate = elapsed > 0 ? done / elapsed : 0;
    if (fraction < 0) {
        fprintf(stderr, "\r%lu %s, %.0f/s, %.1f s   ", done, p->unit, rate, elapsed);
        return;
    }
    if (fraction > 1)
        fraction = 1;
    fill = (size_t)(30 * fraction);
    memset(bar, '#', fill);
    memset(bar + fill, '.', 30 - fill);
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%% %lu %s %.0f/s ETA %.0f s   ", bar, 100 * fraction, done,
            p->unit, rate, fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0);
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->tty)
        fprintf(stderr, "\r%80s\r", "");
}

int cli_extract_home(int *argc, char **argv, const char **home)
{
    int out = 1;

    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--home") == 0) {
            if (i + 1 >= *argc)
                return -1;
            *home = argv[++i];
        } else if (strncmp(argv[i], "--home=", 7) == 0) {
            *home = argv[i] + 7;
        } else {
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}

/*
 * Cuts the n bytes read from a passphrase file to their first line, without
 * its "\n" or "\r\n", wipes the rest and NUL-terminates; returns the length.
 */
static size_t first_line(unsigned char *data, size_t n)
{
    const unsigned char *nl = memchr(data, '\n', n);
    size_t len = nl != NULL ? (size_t)(nl - data) : n;

    if (len > 0 && data[len - 1] == '\r')
        len--;
    jp_cleanse(data + len, n - len);
    data[len] = '\0';
    return len;
}

/* A secret from the first line of path, else from the variables env1, env2 (may be NULL). */
static int read_secret(const char *what, const char *path, const char *env1, const char *env2,
                       char **out, size_t *len, char *err, size_t errlen)
{
    unsigned char *data = NULL;
    const char *env;
    size_t n = 0;
    int rc;

    *out = NULL;
    *len = 0;
    if (path != NULL) {
        rc = jp_read_file(path, 4096, &data, &n);
        if (rc != 0) {
            jp_errf(err, errlen, "cannot read %s file %s: %s", what, path, strerror(rc));
            return rc;
        }
        n = first_line(data, n);
    } else {
        env = getenv(env1);
        if ((env == NULL || *env == '\0') && env2 != NULL)
            env = getenv(env2);
        if (env == NULL || *env == '\0')
            return 0;
        n = strlen(env);
        data = (unsigned char *)strdup(env);
        if (data == NULL)
            return ENOMEM;
    }
    if (n == 0) {
        jp_errf(err, errlen, "%s is empty", what);
        free(data);
        return EINVAL;
    }
    *out = (char *)data;
    *len = n;
    return 0;
}

int cli_passphrase(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    return read_secret("passphrase", path, "JIANPEI_KEY_PASSPHRASE", "JIANPEI_PKCS11_PIN", out, len,
                       err, errlen);
}

int cli_pin(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    return read_secret("PIN", path, "JIANPEI_PKCS11_PIN", NULL, out, len, err, errlen);
}

int cli_help_asked(int argc, char **argv, const char *help)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            return 1;
        }
    return 0;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return EINVAL;
    *out = v;
    return 0;
}

int cli_data_dir(char *out, size_t outlen, const char *fallback)
{
    char exe[PATH_MAX], real[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    if (n <= 0)
        return jp_strf(out, outlen, "%s", fallback);
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL)
        return jp_strf(out, outlen, "%s", fallback);
    *slash = '\0';
    if (jp_strf(real, sizeof real, "%s/../share/jianpei", exe) != 0 || realpath(real, exe) == NULL)
        return jp_strf(out, outlen, "%s", fallback);
    return jp_strf(out, outlen, "%s", exe);
}
