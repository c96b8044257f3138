/*
 * claim.c - claim codes: making, showing, reading back, hashing, and the
 * claim key of the home (claim.h).
 */
#include "claim.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char domain[] = "jianpei-claim-v1";

int jp_claim_new(char code[JP_CLAIM_CODE_SIZE])
{
    unsigned char r[8];
    uint64_t v = 0;

    if (RAND_bytes(r, sizeof r) != 1)
        return EIO;
    for (size_t i = 0; i < sizeof r; i++)
        v = v << 8 | r[i];
    for (int i = JP_CLAIM_SYMBOLS - 1; i >= 0; i--) {
        code[i] = crockford[v & 31];
        v >>= 5;
    }
    code[JP_CLAIM_SYMBOLS] = '\0';
    jp_cleanse(r, sizeof r);
    return 0;
}

void jp_claim_show(const char code[JP_CLAIM_CODE_SIZE], char out[JP_CLAIM_SHOWN_SIZE])
{
    size_t o = 0;

    for (size_t i = 0; i < JP_CLAIM_SYMBOLS; i++) {
        if (i == 4 || i == 8)
            out[o++] = '-';
        out[o++] = code[i];
    }
    out[o] = '\0';
}

/* The canonical symbol of input character ch, or 0 when it is none. */
static char symbol(char ch)
{
    if (ch >= 'a' && ch <= 'z')
        ch = (char)(ch - 'a' + 'A');
    if (ch == 'I' || ch == 'L')
        return '1';
    if (ch == 'O')
        return '0';
    if (ch == 'U' || ch == '\0')
        return 0;
    return strchr(crockford, ch) != NULL ? ch : 0;
}

int jp_claim_normalize(const char *in, size_t len, char out[JP_CLAIM_CODE_SIZE])
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char s;
        if (in[i] == '-' || in[i] == ' ')
            continue;
        s = symbol(in[i]);
        if (s == 0 || n == JP_CLAIM_SYMBOLS) {
            n = 0;
            break;
        }
        out[n++] = s;
    }
    if (n != JP_CLAIM_SYMBOLS) {
        memset(out, 0, JP_CLAIM_CODE_SIZE);
        return EINVAL;
    }
    out[n] = '\0';
    return 0;
}

int jp_claim_hash(const unsigned char key[JP_CLAIM_KEY_LEN], const char *no,
                  const char code[JP_CLAIM_CODE_SIZE], unsigned char out[JP_CLAIM_HASH_LEN])
{
    unsigned char msg[sizeof domain + 32 + JP_CLAIM_CODE_SIZE];
    size_t n = strlen(no), len = 0;
    unsigned int outlen = 0;
    int ok;

    if (n > 32)
        return EINVAL;
    memcpy(msg, domain, sizeof domain); /* with its NUL */
    len = sizeof domain;
    memcpy(msg + len, no, n + 1);
    len += n + 1;
    memcpy(msg + len, code, JP_CLAIM_SYMBOLS);
    len += JP_CLAIM_SYMBOLS;
    ok = HMAC(EVP_sha256(), key, JP_CLAIM_KEY_LEN, msg, len, out, &outlen) != NULL &&
         outlen == JP_CLAIM_HASH_LEN;
    jp_cleanse(msg, sizeof msg);
    return ok ? 0 : EIO;
}

static int key_read(const char *path, unsigned char key[JP_CLAIM_KEY_LEN])
{
    unsigned char extra;
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return errno == ELOOP ? EBADMSG : errno;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = EBADMSG;
    if (rc == 0) {
        n = read(fd, key, JP_CLAIM_KEY_LEN);
        if (n < 0)
            rc = errno;
        else if (n != JP_CLAIM_KEY_LEN || read(fd, &extra, 1) != 0)
            rc = EBADMSG;
    }
    close(fd);
    if (rc != 0)
        jp_cleanse(key, JP_CLAIM_KEY_LEN);
    return rc;
}

static int key_make(const char *path)
{
    unsigned char key[JP_CLAIM_KEY_LEN];
    int rc = RAND_bytes(key, sizeof key) == 1 ? 0 : EIO;

    if (rc == 0)
        rc = jp_write_file_excl(path, key, sizeof key, 0600);
    jp_cleanse(key, sizeof key);
    return rc == EEXIST ? 0 : rc;
}

int jp_claim_key_load(const char *home, int create, unsigned char key[JP_CLAIM_KEY_LEN], char *err,
                      size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = jp_home_path(home, JP_HOME_CLAIM_KEY, path);

    if (rc != 0) {
        jp_errf(err, errlen, "home path is too long");
        return rc;
    }
    rc = key_read(path, key);
    if (rc == ENOENT && create) {
        rc = key_make(path);
        if (rc == 0)
            rc = key_read(path, key);
    }
    if (rc != 0)
        jp_errf(err, errlen, "%s: %s", path,
                rc == EBADMSG ? "not a 32-byte regular file" : strerror(rc));
    return rc;
}
