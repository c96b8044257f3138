/* test_util.c - bounded buffers, hex, atomic and exclusive writes. */
#include "check.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
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
    CHECK(system("rm -rf /tmp/jp-util-*") == 0);
}

int main(void)
{
    test_buf();
    test_hex();
    test_files();
    return CHECK_DONE();
}
