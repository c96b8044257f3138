/*
 * capture.c - the capture directory of a test (see capture.h).
 */
#include "capture.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[512], stderr_path[600];

static int mkdir_p(char *path)
{
    for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

const char *cap_dir(void)
{
    const char *env = getenv("JP_TEST_LOGS");
    int n;

    if (dir[0] != '\0')
        return dir;
    if (env != NULL && env[0] != '\0')
        n = snprintf(dir, sizeof(dir), "%s", env);
    else
        n = snprintf(dir, sizeof(dir), "/tmp/jp-test-logs-%ld", (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(dir) || mkdir_p(dir) != 0) {
        fprintf(stderr, "capture: cannot create %s\n", dir);
        snprintf(dir, sizeof(dir), "/tmp");
    }
    snprintf(stderr_path, sizeof(stderr_path), "%s/stderr.log", dir);
    return dir;
}

/* Under ctest, the folder exists from the start: it says the test ran. */
__attribute__((constructor)) static void cap_init(void)
{
    if (getenv("JP_TEST_LOGS") != NULL)
        cap_dir();
}

const char *cap_stderr_path(void)
{
    cap_dir();
    return stderr_path;
}

int cap_redirect_stderr(void)
{
    int fd = open(cap_stderr_path(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int rc = fd >= 0 && dup2(fd, 2) >= 0 ? 0 : -1;

    if (fd > 2)
        close(fd);
    return rc;
}

int cap_append(const char *name, const void *data, size_t len)
{
    char path[700];
    int fd, rc;

    if (snprintf(path, sizeof(path), "%s/%s", cap_dir(), name) >= (int)sizeof(path))
        return -1;
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        fprintf(stderr, "capture: cannot open %s\n", path);
        return -1;
    }
    rc = jp_write_all(fd, data, len) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

/* Opens <dir>/<stem>-N<ext> for the first N not yet taken. */
static int open_numbered(const char *stem)
{
    const char *dot = strrchr(stem, '.');
    int base = dot != NULL ? (int)(dot - stem) : (int)strlen(stem);
    char path[700];

    for (int n = 1; n < 100000; n++) {
        int fd;

        if (snprintf(path, sizeof(path), "%s/%.*s-%d%s", cap_dir(), base, stem, n,
                     dot != NULL ? dot : "") >= (int)sizeof(path))
            return -1;
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int cap_file(const char *src, const char *stem)
{
    char buf[65536];
    int in = open(src, O_RDONLY), out, rc = 0;
    ssize_t n;

    if (in < 0)
        return errno == ENOENT ? 0 : -1;
    out = open_numbered(stem);
    if (out < 0) {
        fprintf(stderr, "capture: cannot copy %s\n", src);
        close(in);
        return -1;
    }
    while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0)
        rc = n < 0 ? (errno == EINTR ? 0 : -1) : (jp_write_all(out, buf, (size_t)n) == 0 ? 0 : -1);
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

int cap_holders(const char *intake)
{
    return cap_file(intake, "holders.jsonl");
}

int cap_claim_codes(const char *report)
{
    static const char key[] = "\"claim_code\":\"";
    size_t len = 0;
    char *text = NULL, *p, line[16];
    int rc = 0, fd = open(report, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        text = malloc(1u << 22);
        ssize_t n = text ? read(fd, text, (1u << 22) - 1) : -1;
        len = n > 0 ? (size_t)n : 0;
        close(fd);
    }
    if (text == NULL)
        return fd >= 0 ? -1 : 0;
    text[len] = '\0';
    for (p = strstr(text, key); rc == 0 && p != NULL; p = strstr(p + 1, key)) {
        if (strlen(p + strlen(key)) < 14)
            break;
        memcpy(line, p + strlen(key), 14);
        line[14] = '\n';
        rc = cap_append("secrets-1.txt", line, 15);
    }
    free(text);
    return rc;
}

int cap_skip(const char *reason)
{
    return cap_append("skipped", reason, strlen(reason));
}
