/*
 * test_verifier_start.c - verifier_start() leaves nothing running when a step
 * after the public listener fails (verifier/daemon.c): the replica's feed
 * follower, the last thing it starts, cannot start (its pthread_create made
 * to fail through the linker's --wrap, which reaches our static libraries and
 * not libmicrohttpd's own threads); verifier_start then returns an error that
 * says so, and the public port it had opened refuses connections again; and
 * either listener's address (public, operator) in use stops the start with
 * the reason and leaves the other one closed. Run
 * in-process on an issuer's home, which as it has its configuration is not
 * seeded from the primary: none is needed.
 */
#include "check.h"
#include "util.h"
#include "verifier.h"
#include "verifier_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char dir[256], home[300];
static int threads_made; /* pthread_create calls of our code that went through */
static int fail_at;      /* the call (1-based) that fails with EAGAIN; 0: none */

int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    if (fail_at != 0 && threads_made + 1 == fail_at)
        return EAGAIN;
    threads_made++;
    return __real_pthread_create(t, a, fn, arg);
}

/* A loopback port nothing listens on now (the kernel's choice, closed again). */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(s, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* A socket listening on 127.0.0.1:port (the address in use), or -1. */
static int take_port(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM, 0);

    if (s >= 0 && (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 4) != 0)) {
        close(s);
        s = -1;
    }
    return s;
}

/* 1 when something accepts a connection on 127.0.0.1:port, 0 when it is refused. */
static int accepts(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM, 0), ok;

    ok = s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

/*
 * verifier_start as a replica of a primary that is not there, on 127.0.0.1:port, with the
 * operator listener on 127.0.0.1:op_port (0: off).
 */
static int start(int port, int op_port, verifier **v, char *err, size_t errlen)
{
    char listen[32], op_listen[32], secret[400];
    struct verifier_opts o = {0};

    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(op_listen, sizeof op_listen, "127.0.0.1:%d", op_port);
    o.operator_listen = op_port != 0 ? op_listen : NULL;
    snprintf(secret, sizeof secret, "%s/replica.secret", dir);
    o.home = home;
    o.listen = listen;
    o.threads = 2;
    o.replica_of = "http://127.0.0.1:9"; /* the follower only retries: nothing answers */
    o.replica_client = "replica-1";
    o.replica_secret_file = secret;
    return verifier_start(&o, v, err, errlen);
}

/* A start while another socket holds taken (port or op_port): refused, neither open. */
static void start_in_use(int port, int op_port, int taken)
{
    char err[512] = "";
    verifier *v = NULL;
    int blocker = take_port(taken);

    CHECK(blocker >= 0);
    CHECK(start(port, op_port, &v, err, sizeof err) == EADDRINUSE && v == NULL);
    CHECK(strstr(err, "cannot listen on") != NULL && strstr(err, "in use") != NULL);
    CHECK(!accepts(taken == port ? op_port : port));
    if (blocker >= 0)
        close(blocker);
}

int main(void)
{
    char cmd[1200], secret[400], err[512] = "";
    verifier *v = NULL;
    int port, op_port, made, rc;

    if (vc_scratch(dir, sizeof dir, "/tmp/jp-verifier-start-XXXXXX", home, sizeof home) != 0)
        return 3;
    snprintf(cmd, sizeof cmd,
             "%s/jianpei-issuer init --home %s --authority 广东省住房和城乡建设厅 "
             "--authority-uscc 11440000MB2C12345J --public-url http://127.0.0.1:8080 >/dev/null",
             JP_BIN_DIR, home);
    CHECK_INT(system(cmd), 0);
    snprintf(secret, sizeof secret, "%s/replica.secret", dir);
    CHECK_INT(jp_write_file_atomic(secret,
                                   "00112233445566778899aabbccddeeff"
                                   "00112233445566778899aabbccddeeff\n",
                                   65, 0600),
              0);

    /* a start that works: how many threads of ours it makes, the follower last */
    port = free_port();
    CHECK(port > 0);
    CHECK_INT(start(port, 0, &v, err, sizeof err), 0);
    made = threads_made;
    CHECK(made >= 1);
    CHECK(accepts(port));
    verifier_stop(v);
    v = NULL;
    CHECK(!accepts(port));

    /* the follower cannot start, after the public listener is up: an error, and no listener */
    port = free_port();
    CHECK(port > 0);
    threads_made = 0;
    fail_at = made;
    err[0] = '\0';
    rc = start(port, 0, &v, err, sizeof err);
    fail_at = 0;
    CHECK_INT(rc, EAGAIN);
    CHECK(v == NULL);
    CHECK(strstr(err, "cannot start the replica's feed follower") != NULL);
    CHECK(!accepts(port));

    /* either listener's address taken by another socket: the reason, and neither listens */
    port = free_port();
    op_port = free_port();
    CHECK(port > 0 && op_port > 0 && port != op_port);
    start_in_use(port, op_port, op_port);
    start_in_use(port, op_port, port);

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return CHECK_DONE();
}
