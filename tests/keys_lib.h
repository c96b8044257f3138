/*
 * keys_lib.h - what the tests of keys/ share: a new key home. For tests
 * only; include after check.h, keys.h and util.h.
 */
#ifndef JP_TEST_KEYS_LIB_H
#define JP_TEST_KEYS_LIB_H

/* A new key home tmp/name for Guangdong's department, opened with its root. */
static keys_t *keys_lib_home(const char *tmp, const char *name) __attribute__((unused));
static keys_t *keys_lib_home(const char *tmp, const char *name)
{
    struct keys_create_opts o = {
        .authority = "广东省住房和城乡建设厅", .uscc = "11440000006949363J", .province = "44"};
    char dir[256], err[256] = "";
    keys_t *k = NULL;

    CHECK_INT(jp_path_join(dir, sizeof dir, tmp, name), 0);
    CHECK_INT(keys_create(dir, &o, err, sizeof err), 0);
    CHECK_INT(keys_open(dir, KEYS_WITH_ROOT, NULL, 0, &k, err, sizeof err), 0);
    return k;
}

#endif
