/*
 * test_store_proc.c - the store across processes: a read-only handle sees a
 * commit made by another process (one that also grew the map) without
 * reopening; writers killed with SIGKILL at random moments never leave half a
 * transaction; two writer processes running at once both end with all their
 * records. Children are forked and open their own handle after the fork;
 * progress comes through pipes, never through sleeps.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store.h"

static const struct store_dbspec extra[] = {{"recs", 0}};
static const struct store_opts tiny = {64 << 10, 0, extra, 1};
static const char counter_key[] = "records";

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the record counter (0 when absent). */
static int get_counter(store_txn *txn, uint64_t *out)
{
    const void *v;
    size_t n;
    int rc;

    *out = 0;
    rc = store_get(txn, STORE_DB_META, counter_key, sizeof counter_key - 1, &v, &n);
    if (rc == STORE_ENOTFOUND)
        return 0;
    if (rc == 0 && n == 8)
        memcpy(out, v, 8);
    return rc == 0 && n != 8 ? STORE_ECORRUPT : rc;
}

/* Where a crash-test child is, in memory shared with the parent. */
enum phase { PHASE_IDLE, PHASE_IN_TXN, PHASE_COMMITTED };

struct batch {
    _Atomic int *phase; /* shared with the parent, or NULL */
    char tag;           /* key prefix of this writer */
    unsigned k;         /* records per transaction */
    unsigned next;      /* this writer's next key number; advanced only on commit */
    size_t size;        /* bytes per record */
};

/* K records and the counter = total records, plus an audit entry: one transaction. */
static int write_batch(store_txn *txn, void *arg)
{
    struct batch *b = arg;
    struct store_audit_entry e;
    unsigned char val[4096];
    char key[24];
    uint64_t total;
    unsigned i;
    int rc;

    if (b->phase != NULL)
        atomic_store(b->phase, PHASE_IN_TXN);
    rc = get_counter(txn, &total);
    for (i = 0; rc == 0 && i < b->k; i++) {
        snprintf(key, sizeof key, "%c%010u", b->tag, b->next + i);
        memset(val, (int)i, sizeof val);
        rc = store_put(txn, STORE_DB_EXTRA, key, strlen(key), val,
                       1 + (b->size + i * 37) % sizeof val, 0);
    }
    total += b->k;
    if (rc == 0)
        rc = store_put(txn, STORE_DB_META, counter_key, sizeof counter_key - 1, &total, 8, 0);
    memset(&e, 0, sizeof e);
    strcpy(e.action, "test-batch");
    strcpy(e.actor, "writer");
    if (rc == 0)
        rc = store_audit_append(txn, &e);
    return rc;
}

/* Counts the records and reads the counter in one snapshot. */
static int count_records(store *s, uint64_t *records, uint64_t *counter)
{
    store_txn *txn = NULL;
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kn, vn;
    int rc;

    *records = 0;
    rc = store_read_begin(s, &txn);
    if (rc != 0)
        return rc;
    rc = get_counter(txn, counter);
    if (rc == 0)
        rc = store_cursor_open(txn, STORE_DB_EXTRA, &c);
    if (rc == 0)
        rc = store_cursor_first(c, &k, &kn, &v, &vn);
    while (rc == 0) {
        (*records)++;
        rc = store_cursor_next(c, &k, &kn, &v, &vn);
    }
    store_cursor_close(c);
    store_read_end(txn);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* A child's life: open its own handle, write batches, report each commit on fd. */
static void writer_child(const char *dir, struct batch b, unsigned batches, int fd, int start_fd)
{
    char err[256], go;
    store *s = NULL;
    unsigned i;
    int rc;

    if (start_fd >= 0 && read(start_fd, &go, 1) < 0)
        _exit(4);
    rc = store_open_with(dir, 0, &tiny, &s, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "child: %s\n", err);
        _exit(2);
    }
    for (i = 0; batches == 0 || i < batches; i++) {
        rc = store_write(s, write_batch, &b);
        if (rc != 0) {
            fprintf(stderr, "child: write failed: %s\n", store_strerror(rc));
            _exit(3);
        }
        b.next += b.k;
        if (b.phase != NULL)
            atomic_store(b.phase, PHASE_COMMITTED);
        if (fd >= 0 && write(fd, "x", 1) != 1)
            _exit(5);
    }
    store_close(s);
    _exit(0);
}

static void make_store(char *tmp)
{
    char err[256];
    store *s = NULL;

    if (mkdtemp(tmp) == NULL)
        exit(3);
    if (store_open_with(tmp, STORE_CREATE, &tiny, &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(3);
    }
    store_close(s);
}

static void test_reader_sees_other_process(void)
{
    char tmp[] = "/tmp/jp-proc-XXXXXX", err[256];
    struct batch b = {NULL, 'r', 400, 0, 4000}; /* about 1.6 MB in one transaction */
    store *ro = NULL;
    uint64_t records, counter;
    size_t map_before;
    pid_t pid;
    int status = -1;

    make_store(tmp);
    CHECK_INT(store_open_with(tmp, STORE_RDONLY, &tiny, &ro, err, sizeof err), 0);
    CHECK_INT(count_records(ro, &records, &counter), 0);
    CHECK_INT(records, 0);
    map_before = store_map_size(ro);
    pid = fork();
    if (pid == 0)
        writer_child(tmp, b, 3, -1, -1);
    CHECK(pid > 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* same handle, next transaction: the other process's commits and its larger map */
    CHECK_INT(count_records(ro, &records, &counter), 0);
    CHECK_INT(records, 1200);
    CHECK_INT(counter, 1200);
    CHECK(store_map_size(ro) > map_before);
    store_close(ro);
    jp_remove_tree(tmp);
}

/* Reads n progress bytes (n commits) from fd. */
static unsigned wait_commits(int fd, unsigned n)
{
    unsigned got = 0;
    char buf[64];
    ssize_t r;

    while (got < n) {
        r = read(fd, buf, n - got < sizeof buf ? n - got : sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (unsigned)r;
    }
    return got;
}

/*
 * Waits (spinning on shared memory, not sleeping) until the child is inside a
 * write transaction, lets it run a random while longer, and tells whether it
 * was still inside one just before the kill.
 */
static int spin_into_txn(_Atomic int *phase, unsigned spins)
{
    volatile unsigned i;
    unsigned long guard;

    for (guard = 0; atomic_load(phase) != PHASE_IN_TXN && guard < 4000000000ul; guard++)
        continue;
    for (i = 0; i < spins; i++)
        continue;
    return atomic_load(phase) == PHASE_IN_TXN;
}

static void test_crash_atomicity(void)
{
    char tmp[] = "/tmp/jp-crash-XXXXXX", err[256];
    struct batch b = {NULL, 'c', 40, 0, 3000};
    unsigned inside = 0;
    struct store_report rep;
    uint64_t records = 0, counter = 0, seen = 0;
    unsigned round, rounds = 12;
    store *s = NULL;
    int fds[2], status;
    pid_t pid;

    b.phase =
        mmap(NULL, sizeof *b.phase, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(b.phase != MAP_FAILED);
    if (b.phase == MAP_FAILED)
        return;
    make_store(tmp);
    srand(4401);
    for (round = 0; round < rounds; round++) {
        CHECK(pipe(fds) == 0);
        b.next = (unsigned)records; /* continue after what survived */
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            writer_child(tmp, b, 0, fds[1], -1);
        }
        close(fds[1]);
        seen += wait_commits(fds[0], 3 + (unsigned)rand() % 30);
        inside += (unsigned)spin_into_txn(b.phase, (unsigned)rand() % 2000000);
        kill(pid, SIGKILL);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        close(fds[0]);

        CHECK_INT(store_open_with(tmp, 0, &tiny, &s, err, sizeof err), 0);
        CHECK_INT(count_records(s, &records, &counter), 0);
        CHECK_INT(counter, records); /* never half a transaction */
        CHECK(records % b.k == 0);
        CHECK(records >= seen * b.k); /* every reported commit survived */
        CHECK_INT(store_check(s, &rep), 0);
        CHECK_INT(rep.problems, 0);
        CHECK_INT(rep.audit_entries, records / b.k);
        store_close(s);
        s = NULL;
        seen = records / b.k;
    }
    printf("crash test: %u kills (%u seen inside a write txn), %llu records in %llu "
           "transactions survived, none torn\n",
           rounds, inside, (unsigned long long)records, (unsigned long long)(records / b.k));
    munmap(b.phase, sizeof *b.phase);
    jp_remove_tree(tmp);
}

static void test_two_writers(void)
{
    char tmp[] = "/tmp/jp-two-XXXXXX", err[256];
    const unsigned per = 300;
    struct batch a = {NULL, 'a', 1, 0, 2000}, b = {NULL, 'b', 1, 0, 2000};
    struct store_report rep;
    uint64_t records, counter;
    store *s = NULL;
    pid_t pa, pb;
    int start[2], sa = -1, sb = -1;
    double t0;

    make_store(tmp);
    CHECK(pipe(start) == 0);
    pa = fork();
    if (pa == 0) {
        close(start[1]);
        writer_child(tmp, a, per, -1, start[0]);
    }
    pb = fork();
    if (pb == 0) {
        close(start[1]);
        writer_child(tmp, b, per, -1, start[0]);
    }
    close(start[0]);
    t0 = now();
    close(start[1]); /* both children's read() returns: go */
    CHECK(waitpid(pa, &sa, 0) == pa);
    CHECK(waitpid(pb, &sb, 0) == pb);
    CHECK(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
    CHECK(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
    printf("two writers: %u durable commits in %.2f s (%.0f commits/s)\n", 2 * per, now() - t0,
           2 * per / (now() - t0));
    CHECK_INT(store_open_with(tmp, STORE_RDONLY, &tiny, &s, err, sizeof err), 0);
    CHECK_INT(count_records(s, &records, &counter), 0);
    CHECK_INT(records, 2 * per);
    CHECK_INT(counter, 2 * per);
    CHECK_INT(store_check(s, &rep), 0);
    CHECK_INT(rep.problems, 0);
    CHECK_INT(rep.audit_entries, 2 * per);
    store_close(s);
    jp_remove_tree(tmp);
}

int main(void)
{
    test_reader_sees_other_process();
    test_crash_atomicity();
    test_two_writers();
    return CHECK_DONE();
}
