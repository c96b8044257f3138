/*
 * test_store_release.c - store_release_pages() really drops this process's
 * resident pages of the store's map (what keeps a long issue run's RSS
 * bounded), also with a transaction open, after the map has grown and after
 * each put when store_release_after_puts asks for it, and loses no data: what the open transaction reads afterwards is what it read
 * before.
 */
#include "check.h"
#include "store.h"

#include <stdlib.h>
#include <unistd.h>

#define VALUES 64
#define VALUE_LEN (64 * 1024)

static char dir[64];

/* Resident kB of this process's mapping of DIR/data.mdb, from /proc/self/smaps. */
static long mapped_kb(void)
{
    char line[4352], want[128];
    int in = 0;
    long kb = 0;
    FILE *f = fopen("/proc/self/smaps", "r");

    snprintf(want, sizeof want, "%s/data.mdb", dir);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        unsigned long lo, hi;
        char c;
        if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3) /* a mapping's header line */
            in = strstr(line, want) != NULL;
        if (in && strncmp(line, "Rss:", 4) == 0)
            kb += atol(line + 4);
    }
    if (f != NULL)
        fclose(f);
    return kb;
}

static int fill(store_txn *txn, void *arg)
{
    unsigned char *v = arg;
    int rc = 0;

    for (int i = 0; rc == 0 && i < VALUES; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%03d", i);
        memset(v, i, VALUE_LEN);
        rc = store_put(txn, STORE_DB_PDFS, key, 4, v, VALUE_LEN, 0);
    }
    return rc;
}

/* Reads one byte of each page of every value in txn: the pages that read back right. */
static long touch_txn(store_txn *txn)
{
    long sum = 0;

    for (int i = 0; i < VALUES; i++) {
        char key[16];
        const void *p;
        size_t n;
        snprintf(key, sizeof key, "k%03d", i);
        if (store_get(txn, STORE_DB_PDFS, key, 4, &p, &n) == 0 && n == VALUE_LEN)
            for (size_t j = 0; j < n; j += 4096)
                sum += ((const unsigned char *)p)[j] == i;
    }
    return sum;
}

static long touch_all(store *s)
{
    store_txn *txn = NULL;
    long sum = 0;

    CHECK_INT(store_read_begin(s, &txn), 0);
    if (txn != NULL)
        sum = touch_txn(txn);
    store_read_end(txn);
    return sum;
}

static int put_late(store_txn *txn, void *arg)
{
    (void)arg;
    return store_put(txn, STORE_DB_PDFS, "late", 4, "v", 1, 0);
}

/* A reused read handle: each renew is a fresh snapshot, a reset frees no slot. */
static void test_renew(store *s)
{
    store_txn *txn = NULL;
    const void *p;
    size_t n;

    CHECK_INT(store_read_renew(s, &txn), 0);
    CHECK(txn != NULL);
    CHECK_INT(store_read_renew(s, &txn), STORE_EINVAL); /* already live */
    CHECK_INT(store_get(txn, STORE_DB_PDFS, "late", 4, &p, &n), STORE_ENOTFOUND);
    store_read_reset(txn);
    CHECK_INT(store_write(s, put_late, NULL), 0); /* a reset handle does not block writers */
    CHECK_INT(store_release_pages(s), 0);         /* nor counts as open */
    CHECK_INT(store_read_renew(s, &txn), 0);
    CHECK_INT(store_get(txn, STORE_DB_PDFS, "late", 4, &p, &n), 0); /* the new snapshot */
    CHECK(n == 1);
    store_read_reset(txn);
    store_read_end(txn);
}

/* Reads every value in the write transaction, then puts one: kB mapped before and after the put. */
static int read_then_put(store_txn *txn, void *arg)
{
    long *kb = arg;

    CHECK_INT(touch_txn(txn), VALUES * (VALUE_LEN / 4096));
    kb[0] = mapped_kb();
    CHECK_INT(store_put(txn, STORE_DB_PDFS, "late2", 5, "v", 1, 0), 0);
    kb[1] = mapped_kb();
    return 0;
}

/* store_release_after_puts: a put drops what the transaction's reads mapped, only when on. */
static void test_after_puts(store *s)
{
    long kb[2];

    CHECK_INT(store_write(s, read_then_put, kb), 0); /* off: the pages stay */
    CHECK(kb[0] >= VALUES * VALUE_LEN / 1024 / 2 && kb[1] >= kb[0] / 2);
    store_release_after_puts(s, 1);
    CHECK_INT(store_write(s, read_then_put, kb), 0);
    CHECK(kb[0] >= VALUES * VALUE_LEN / 1024 / 2 && kb[1] < kb[0] / 8);
    store_release_after_puts(s, 0);
    CHECK_INT(touch_all(s), VALUES * (VALUE_LEN / 4096)); /* nothing lost */
}

/*
 * A store whose map grows (LMDB unmaps and maps it again, perhaps elsewhere)
 * after a first release: the next releases drop the new map's pages, not
 * whatever now lies at the old address, and the data reads back.
 */
static void test_remap(unsigned char *v)
{
    struct store_opts o = {.map_size = (size_t)1 << 20}; /* far below what fill writes */
    char err[256];
    store *s = NULL;
    long before;

    snprintf(dir, sizeof dir, "/tmp/jp-release-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(store_open_with(dir, STORE_CREATE, &o, &s, err, sizeof err), 0);
    CHECK_INT(store_release_pages(s), 0); /* finds the first map */
    CHECK_INT(store_write(s, fill, v), 0);
    CHECK(store_map_size(s) > o.map_size); /* it grew */
    CHECK_INT(touch_all(s), VALUES * (VALUE_LEN / 4096));
    before = mapped_kb();
    CHECK(before >= VALUES * VALUE_LEN / 1024 / 2);
    CHECK_INT(store_release_pages(s), 0);
    CHECK(mapped_kb() < before / 8);
    CHECK_INT(touch_all(s), VALUES * (VALUE_LEN / 4096));
    store_close(s);
}

int main(void)
{
    unsigned char *v = malloc(VALUE_LEN);
    char err[256];
    store *s = NULL;
    store_txn *txn = NULL;
    long before, after;

    snprintf(dir, sizeof dir, "/tmp/jp-release-XXXXXX");
    if (v == NULL || mkdtemp(dir) == NULL)
        return 1;
    CHECK_INT(store_open(dir, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK_INT(store_write(s, fill, v), 0);
    CHECK_INT(touch_all(s), VALUES * (VALUE_LEN / 4096));
    before = mapped_kb();
    CHECK(before >= VALUES * VALUE_LEN / 1024 / 2); /* the reads made pages resident */
    CHECK_INT(store_read_begin(s, &txn), 0);
    {
        const void *p = NULL;
        size_t n = 0;
        CHECK_INT(store_get(txn, STORE_DB_PDFS, "k007", 4, &p, &n), 0);
        CHECK_INT(store_release_pages(s), 0); /* also with a transaction open */
        after = mapped_kb();
        /* the pointer into the map still reads the same bytes (re-faulted) */
        CHECK(p != NULL && n == VALUE_LEN && ((const unsigned char *)p)[0] == 7 &&
              ((const unsigned char *)p)[VALUE_LEN - 1] == 7);
    }
    store_read_end(txn);
    CHECK(after < before / 8);
    fprintf(stderr, "resident map: %ld kB before, %ld kB after\n", before, after);
    CHECK_INT(touch_all(s), VALUES * (VALUE_LEN / 4096)); /* nothing lost */
    test_renew(s);
    test_after_puts(s);
    store_close(s);
    test_remap(v);
    free(v);
    if (check_failed == 0 && system("rm -rf /tmp/jp-release-*") != 0)
        return 1;
    return CHECK_DONE();
}
