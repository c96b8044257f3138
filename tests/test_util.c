/* test_util.c - bounded buffers, hex, base32, atomic and exclusive writes, compressors. */
#include "check.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_buf(void)
{
    struct jp_buf b;
    size_t len;
    unsigned char *p;

    jp_buf_init(&b, 10);
    CHECK_INT(jp_buf_puts(&b, "hello"), 0);
    CHECK_INT(jp_buf_printf(&b, "%d", 1234), 0);
    CHECK_STR((char *)b.data, "hello1234");
    CHECK_INT(jp_buf_puts(&b, "xy"), EFBIG);
    CHECK_STR((char *)b.data, "hello1234"); /* unchanged on error */
    CHECK_INT(jp_buf_puts(&b, "x"), 0);
    p = jp_buf_detach(&b, &len);
    CHECK_INT(len, 10);
    CHECK(b.data == NULL && b.len == 0);
    free(p);
    jp_buf_free(&b);
    jp_buf_free(NULL);
}

static void test_hex(void)
{
    unsigned char in[3] = {0x00, 0xab, 0xff}, out[3];
    char hex[7];

    jp_hex_encode(in, 3, hex);
    CHECK_STR(hex, "00abff");
    CHECK_INT(jp_hex_decode("00ABff", out, 3), 0);
    CHECK(memcmp(in, out, 3) == 0);
    CHECK_INT(jp_hex_decode("00ABfg", out, 3), EINVAL);
    CHECK_INT(jp_hex_decode("00ABff00", out, 3), EINVAL);
}

/* RFC 4648 §10 test vectors, unpadded; then what the strict decoder refuses. */
static void test_base32(void)
{
    static const char *vec[][2] = {{"", ""},
                                   {"f", "MY"},
                                   {"fo", "MZXQ"},
                                   {"foo", "MZXW6"},
                                   {"foob", "MZXW6YQ"},
                                   {"fooba", "MZXW6YTB"},
                                   {"foobar", "MZXW6YTBOI"}};
    unsigned char out[8];
    char text[JP_BASE32_LEN(6)];
    size_t n;

    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        size_t len = strlen(vec[i][0]);

        CHECK_INT(jp_base32_encode((const unsigned char *)vec[i][0], len, text, sizeof text), 0);
        CHECK_STR(text, vec[i][1]);
        CHECK_INT(jp_base32_decode(vec[i][1], strlen(vec[i][1]), out, sizeof out, &n), 0);
        CHECK(n == len && memcmp(out, vec[i][0], len) == 0);
    }
    CHECK_INT(jp_base32_decode("mzxw6ytboi", 10, out, sizeof out, &n), 0); /* either case */
    CHECK(n == 6 && memcmp(out, "foobar", 6) == 0);
    CHECK_INT(jp_base32_encode((const unsigned char *)"foobar", 6, text, 10), ENOSPC);
    CHECK_INT(jp_base32_decode("MZXW6YTBOI", 10, out, 5, &n), ENOSPC);
    CHECK_INT(jp_base32_decode("MZX", 3, out, sizeof out, &n), EINVAL);  /* no encoder length */
    CHECK_INT(jp_base32_decode("MZ", 2, out, sizeof out, &n), EINVAL);   /* pad bits not zero */
    CHECK_INT(jp_base32_decode("M1", 2, out, sizeof out, &n), EINVAL);   /* not in the alphabet */
    CHECK_INT(jp_base32_decode("MY==", 4, out, sizeof out, &n), EINVAL); /* padding */
}

/* An atomic write never writes through a link at its path, nor through a planted temp name. */
static void test_atomic_link(const char *dir)
{
    char victim[256], link[256], planted[300];
    unsigned char *data;
    size_t len;
    struct stat st;
    mode_t old = umask(0);

    CHECK_INT(jp_path_join(victim, sizeof victim, dir, "victim"), 0);
    CHECK_INT(jp_path_join(link, sizeof link, dir, "report.json"), 0);
    CHECK_INT(jp_write_file_excl(victim, "keep", 4, 0644), 0);
    CHECK(symlink(victim, link) == 0);
    snprintf(planted, sizeof planted, "%s.tmp.%ld", link, (long)getpid());
    CHECK(symlink(victim, planted) == 0);
    CHECK_INT(jp_write_file_atomic(link, "personal", 8, 0600), 0);
    CHECK_INT(jp_read_file(victim, 100, &data, &len), 0);
    CHECK(len == 4 && memcmp(data, "keep", 4) == 0);
    free(data);
    CHECK(lstat(link, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
    CHECK(lstat(planted, &st) == 0 && S_ISLNK(st.st_mode));
    umask(old);
}

static void test_files(void)
{
    char dir[] = "/tmp/jp-util-XXXXXX", path[256], sub[256];
    unsigned char *data;
    size_t len;
    struct stat st;

    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(jp_path_join(path, sizeof path, dir, "a"), 0);
    CHECK_INT(jp_write_file_excl(path, "secret", 6, 0600), 0);
    CHECK_INT(jp_write_file_excl(path, "other", 5, 0600), EEXIST);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(jp_read_file(path, 100, &data, &len), 0);
    CHECK(len == 6 && memcmp(data, "secret", 6) == 0);
    free(data);
    CHECK_INT(jp_read_file(path, 5, &data, &len), EFBIG);
    CHECK_INT(jp_write_file_atomic(path, "new", 3, 0644), 0);
    CHECK_INT(jp_read_file(path, 100, &data, &len), 0);
    CHECK(len == 3 && memcmp(data, "new", 3) == 0);
    free(data);
    CHECK_INT(jp_path_join(sub, sizeof sub, dir, "x/y/z"), 0);
    CHECK_INT(jp_mkdir_p(sub, 0700), 0);
    CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_INT(jp_path_join(path, 4, dir, "a"), ENAMETOOLONG);
    test_atomic_link(dir);
    CHECK(system("rm -rf /tmp/jp-util-*") == 0);
}

static void test_text(void)
{
    struct jp_buf b;
    char out[8];
    uint32_t cp;
    unsigned char enc[4];

    jp_buf_init(&b, 64);
    CHECK_INT(jp_json_str(&b, "a\"b\\c\n\x01\0z", 9), 0);
    CHECK_STR((char *)b.data, "\"a\\\"b\\\\c\\u000a\\u0001\\u0000z\"");
    jp_buf_reset(&b);
    CHECK_INT(jp_json_strz(&b, "张三"), 0);
    CHECK_STR((char *)b.data, "\"张三\"");
    jp_buf_free(&b);

    CHECK_INT(jp_strf(out, sizeof out, "%s", "2026-11"), 0);
    CHECK_STR(out, "2026-11");
    CHECK_INT(jp_strf(out, sizeof out, "%s", "2026-11-25xyz"), ENOSPC);
    CHECK_STR(out, "");

    CHECK_INT((int)jp_utf8_decode((const unsigned char *)"\xf0\xa0\xae\xb7", 4, &cp), 4);
    CHECK_INT((int)cp, 0x20bb7);
    CHECK_INT((int)jp_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);     /* overlong */
    CHECK_INT((int)jp_utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp), 0); /* overlong */
    CHECK_INT((int)jp_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp),
              0); /* surrogate */
    CHECK_INT((int)jp_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    CHECK_INT((int)jp_utf8_decode((const unsigned char *)"\xe5\xbc", 2, &cp), 0); /* cut short */
    CHECK_INT(jp_utf8_valid("张三丰", strlen("张三丰")), 1);
    CHECK_INT(jp_utf8_valid("\xed\xbf\xbf", 3), 0);
    CHECK_INT((int)jp_utf8_encode(0x20bb7, enc), 4);
    CHECK(memcmp(enc, "\xf0\xa0\xae\xb7", 4) == 0);
    CHECK_INT((int)jp_utf8_encode(0xd800, enc), 0);
    CHECK(jp_mono_us() >= jp_mono_ms());
}

static void test_grow(void)
{
    size_t cap = 0, big = SIZE_MAX / 2 + 1;
    int *a = NULL, *b;

    a = jp_grow(a, &cap, 0, sizeof *a, 4);
    CHECK(a != NULL && cap == 4);
    for (int i = 0; i < 4; i++)
        a[i] = i + 10;
    CHECK(jp_grow(a, &cap, 3, sizeof *a, 4) == a && cap == 4); /* room: same array */
    b = jp_grow(a, &cap, 4, sizeof *a, 4);
    CHECK(b != NULL && cap == 8 && b[0] == 10 && b[3] == 13);              /* items kept */
    CHECK(jp_grow(b, &big, big, 1, 4) == NULL && big == SIZE_MAX / 2 + 1); /* overflow */
    free(b);
}

/* jp_deflater_release: the thread's compressors go and come back on the next use. */
static void test_deflater_release(void)
{
    static const unsigned char text[] = "certificate certificate certificate certificate";
    unsigned char *out = NULL;
    size_t outlen = 0;

    CHECK(jp_deflater(12) != NULL);
    jp_deflater_release();
    jp_deflater_release(); /* nothing left: a no-op */
    CHECK(jp_deflater(12) != NULL);
    CHECK_INT(jp_zlib_compress(text, sizeof text - 1, 12, &out, &outlen), 0);
    CHECK(out != NULL && outlen > 0 && outlen < sizeof text - 1);
    free(out);
    jp_deflater_release();
}

int main(void)
{
    test_grow();
    test_deflater_release();
    test_text();
    test_buf();
    test_hex();
    test_base32();
    test_files();
    return CHECK_DONE();
}
