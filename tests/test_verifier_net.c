/*
 * test_verifier_net.c - what the verifier's network side promises (issues 11
 * and 12): --help on every command, listen errors that name their cause, the
 * per-address lookup limits and the not-found ceiling a walker of numbers
 * meets, client addresses taken from X-Forwarded-For only behind a trusted
 * proxy, no ID number in the access log whatever the path, slow clients that
 * cannot starve /healthz, and a chunked body cut at 64 KiB with a 413.
 * Every daemon is a child on 127.0.0.1 port 0; extra client addresses are
 * other loopback addresses (127.0.0.2 ...) or, behind the trusted proxy,
 * X-Forwarded-For.
 */
#include "check.h"
#include "ident.h"
#include "verifier_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char dir[256], home[300], verifier_bin[600], err_path[400];
static char certno[19], id_number[33];

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The first issued number (report.json) and its holder's ID number (in.jsonl). */
static int first_holder(void)
{
    char path[400];
    json_t *rep, *line;
    char *text;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/report.json", dir);
    rep = json_load_file(path, 0, NULL);
    snprintf(certno, sizeof(certno), "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(rep, "issued"), 0),
                                               "certificate_no"))
                 ?: "");
    json_decref(rep);
    snprintf(path, sizeof(path), "%s/in.jsonl", dir);
    text = vc_slurp(path, NULL);
    if (text != NULL) {
        text[strcspn(text, "\n")] = '\0';
        line = json_loads(text, 0, NULL);
        snprintf(id_number, sizeof(id_number), "%s",
                 json_string_value(json_object_get(line, "id_number")) ?: "");
        json_decref(line);
        rc = strlen(certno) == 18 && strlen(id_number) == 18 ? 0 : -1;
    }
    free(text);
    return rc;
}

/* Sets HOME/config.json's "verifier" object to the JSON text obj ("" removes it). */
static int set_limits(const char *obj)
{
    char path[400];
    json_t *root, *v;
    int rc;

    snprintf(path, sizeof(path), "%s/config.json", home);
    root = json_load_file(path, 0, NULL);
    if (root == NULL)
        return -1;
    if (obj[0] == '\0') {
        json_object_del(root, "verifier");
    } else {
        v = json_loads(obj, 0, NULL);
        json_object_set_new(root, "verifier", v);
    }
    rc = json_dump_file(root, path, JSON_INDENT(2));
    json_decref(root);
    return rc;
}

/* Starts the daemon with extra arguments (NULL-terminated). */
static int start(struct vc_daemon *d, const char *const *extra)
{
    char *argv[32] = {verifier_bin, "--home", home, "--listen", "127.0.0.1:0", "--threads", "2"};
    size_t n = 7;

    while (extra != NULL && *extra != NULL && n < 31)
        argv[n++] = (char *)*extra++;
    argv[n] = NULL;
    return vc_daemon_start(argv, err_path, d);
}

static int status_of(int port, const char *path, const char *hdrs)
{
    struct vc_resp r;
    int st = -1;

    if (vc_http(port, "GET", path, hdrs, NULL, 0, &r) == 0)
        st = r.status;
    vc_resp_free(&r);
    return st;
}

/* The k-th well-formed number of the 2026 Guangzhou series of position 01. */
static void walk_no(unsigned k, char out[19])
{
    snprintf(out, 19, "4401202601%07u", k);
    out[17] = ident_mod11_2(out);
    out[18] = '\0';
}

static int run(char *const argv[])
{
    return vc_run(argv, NULL);
}

static void test_cli(void)
{
    char clients[400], fake[400], port_s[16];
    char *add_help[] = {verifier_bin, "--home", home, "clients", "add", "--help", NULL};
    char *cl_help[] = {verifier_bin, "--home", home, "clients", "--help", NULL};
    char *vq_help[] = {verifier_bin, "verify-qr", "--help", NULL};
    char *add_dash[] = {verifier_bin, "--home", home, "clients", "add", "-x", NULL};
    char *no_port[] = {verifier_bin, "--home", home, "--listen", "127.0.0.1", NULL};
    char *bad_proxy[] = {verifier_bin,  "--home",          home,          "--listen",
                         "127.0.0.1:0", "--trusted-proxy", "10.0.0.0/33", NULL};
    char *text;
    struct sockaddr_in sa = {0};
    socklen_t sl = sizeof(sa);
    struct vc_daemon d = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    snprintf(clients, sizeof(clients), "%s/clients.json", home);
    CHECK_INT(run(add_help), 0);
    CHECK_INT(run(cl_help), 0);
    CHECK_INT(run(vq_help), 0);
    CHECK_INT(run(add_dash), 2);
    text = vc_slurp(clients, NULL);
    CHECK(text == NULL || strstr(text, "\"-") == NULL); /* no client named --help or -x */
    free(text);
    CHECK_INT(run(no_port), 2);
    CHECK_INT(run(bad_proxy), 2);

    /* a port taken by the test: the message names the address and the cause */
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0 &&
          getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
    snprintf(port_s, sizeof(port_s), "%u", (unsigned)ntohs(sa.sin_port));
    snprintf(fake, sizeof(fake), "127.0.0.1:%s", port_s);
    {
        char *argv[] = {verifier_bin, "--home", home, "--listen", fake, NULL};

        CHECK(vc_daemon_start(argv, err_path, &d) != 0);
    }
    text = vc_slurp(err_path, NULL);
    CHECK(text != NULL && strstr(text, fake) != NULL &&
          strstr(text, "Address already in use") != NULL);
    free(text);
    close(fd);
}

/* Walks sequential numbers from one address until the first 429. */
static void test_walk(void)
{
    char path[96], no[19], retry[16] = "", tok[600];
    struct vc_daemon d = {0};
    struct vc_resp r;
    unsigned k, limited = 0;
    double t0;

    CHECK(set_limits("") == 0);
    CHECK(start(&d, NULL) == 0);
    if (d.port <= 0)
        return;
    t0 = now_ms();
    for (k = 1; k <= 200 && limited == 0; k++) {
        walk_no(k, no);
        snprintf(path, sizeof(path), "/api/v1/certificates/%s", no);
        if (vc_http(d.port, "GET", path, NULL, NULL, 0, &r) != 0)
            break;
        if (r.status == 429) {
            limited = k;
            CHECK(vc_header(&r, "Retry-After", retry, sizeof(retry)) == 0 && atoi(retry) >= 1);
        }
        vc_resp_free(&r);
    }
    printf("walk: first 429 at lookup %u, after %.1f ms (Retry-After %s s)\n", limited,
           now_ms() - t0, retry);
    CHECK(limited == 31); /* the default: 30 lookups a minute per address */
    /* the QR page draws on the same bucket */
    snprintf(tok, sizeof(tok), "/V/%s/AAAA", certno);
    CHECK_INT(status_of(d.port, tok, NULL), 429);
    CHECK_INT(status_of(d.port, "/healthz", NULL), 200);
    CHECK(vc_http(d.port, "GET", "/metrics", NULL, NULL, 0, &r) == 0);
    CHECK(r.body != NULL && strstr((char *)r.body, "jianpei_lookup_not_found_total 30\n") != NULL);
    CHECK(r.body != NULL && strstr((char *)r.body, "jianpei_rate_limited_total 2\n") != NULL);
    CHECK(r.body != NULL &&
          strstr((char *)r.body, "jianpei_requests_total{endpoint=\"certificate\",code=\"429\"} "
                                 "1\n") != NULL);
    vc_resp_free(&r);
    CHECK_INT(vc_daemon_stop(&d), 0);
}

static int lookup_as(int port, const char *no, const char *hdr_name, const char *addr)
{
    char path[96], hdr[300];

    snprintf(path, sizeof(path), "/api/v1/certificates/%s", no);
    snprintf(hdr, sizeof(hdr), "%s: %s\r\n", hdr_name, addr);
    return status_of(port, path, hdr);
}

/* Behind a trusted proxy: the client of X-Forwarded-For is what counts. */
static void test_trusted_proxy(void)
{
    static const char *const extra[] = {"--trusted-proxy", "127.0.0.1/32", "--trusted-proxy",
                                        "::1/128", NULL};
    struct vc_daemon d = {0};
    char no[19], a[64];
    int i, p;

    CHECK(set_limits("{\"lookups_per_minute\":4,\"not_found_per_minute\":5}") == 0);
    CHECK(start(&d, extra) == 0);
    p = d.port;
    if (p <= 0)
        return;
    for (i = 0; i < 4; i++)
        CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "198.51.100.1"), 200);
    CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "198.51.100.1"), 429);
    CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "198.51.100.2"), 200);
    CHECK_INT(lookup_as(p, certno, "X-Real-IP", "198.51.100.4"), 200);
    /* the right-most entry that is not a trusted proxy; what the client wrote left of it is
     * ignored */
    for (i = 0; i < 4; i++) {
        snprintf(a, sizeof(a), "10.9.9.%d, 198.51.100.3, 127.0.0.1", i);
        CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", a), 200);
    }
    CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "10.9.9.99, 198.51.100.3"), 429);
    CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "::ffff:198.51.100.3"), 429);

    /* the not-found ceiling: 5 a minute across all addresses */
    for (i = 1; i <= 5; i++) {
        walk_no(1000u + (unsigned)i, no);
        snprintf(a, sizeof(a), "203.0.113.%d", i);
        CHECK_INT(lookup_as(p, no, "X-Forwarded-For", a), 404);
    }
    walk_no(1006, no);
    CHECK_INT(lookup_as(p, no, "X-Forwarded-For", "203.0.113.6"), 429);
    CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "203.0.113.1"), 429); /* marked */
    CHECK_INT(lookup_as(p, certno, "X-Forwarded-For", "203.0.113.50"), 200);
    CHECK_INT(vc_daemon_stop(&d), 0);
}

/* Without --trusted-proxy a forged header changes nothing: one bucket. */
static void test_untrusted_header(void)
{
    struct vc_daemon d = {0};
    char a[64];
    int i;

    CHECK(set_limits("{\"lookups_per_minute\":4}") == 0);
    CHECK(start(&d, NULL) == 0);
    if (d.port <= 0)
        return;
    for (i = 0; i < 4; i++) {
        snprintf(a, sizeof(a), "198.51.100.%d", 10 + i);
        CHECK_INT(lookup_as(d.port, certno, "X-Forwarded-For", a), 200);
    }
    CHECK_INT(lookup_as(d.port, certno, "X-Forwarded-For", "198.51.100.99"), 429);
    CHECK_INT(lookup_as(d.port, certno, "X-Real-IP", "198.51.100.98"), 429);
    CHECK_INT(vc_daemon_stop(&d), 0);
}

/* Near-miss paths, then the log: the ID number never appears. */
static void test_log(void)
{
    static const char *const pre[] = {
        "/api/v1/certificates//", "/api/v2/certificates/", "/c/", "/V//", "/",
        "/api/v1/certificates/"};
    static const char *const post[] = {"", "", "", "/X", "", "/pdf/x"};
    struct vc_daemon d = {0};
    char path[128], *log;
    size_t i;

    CHECK(set_limits("") == 0);
    CHECK(start(&d, NULL) == 0);
    if (d.port <= 0)
        return;
    for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        snprintf(path, sizeof(path), "%s%s%s", pre[i], id_number, post[i]);
        CHECK(status_of(d.port, path, NULL) >= 400);
    }
    CHECK_INT(vc_daemon_stop(&d), 0);
    log = vc_slurp(err_path, NULL);
    CHECK(log != NULL && strstr(log, id_number) == NULL);
    CHECK(log != NULL && strstr(log, "GET /c/* 400") != NULL);
    free(log);
}

/* --no-rate-limits: no per-address limit is met, and the log says so at start. */
static void test_no_rate_limits(void)
{
    static const char *const extra[] = {"--no-rate-limits", NULL};
    struct vc_daemon d = {0};
    struct vc_resp r;
    char *log;
    int i;

    CHECK(set_limits("") == 0);
    CHECK(start(&d, extra) == 0);
    if (d.port <= 0)
        return;
    for (i = 0; i < 60; i++) /* far past the lookup buckets (30) */
        CHECK_INT(status_of(d.port, "/api/v1/certificates/44012026010000001X", NULL), 400);
    for (i = 0; i < 20; i++) { /* past the holder-check bucket (10) */
        CHECK(vc_http(d.port, "POST", "/api/v1/certificates/44012026010000001X/holder-check", NULL,
                      "{}", 2, &r) == 0 &&
              r.status == 400);
        vc_resp_free(&r);
    }
    CHECK_INT(vc_daemon_stop(&d), 0);
    log = vc_slurp(err_path, NULL);
    CHECK(log != NULL && strstr(log, "every per-address limit is off") != NULL);
    free(log);
}

/* A connection from the loopback address 127.0.0.x to the daemon; -1 on failure. */
static int connect_from(int port, int x)
{
    struct sockaddr_in src = {0}, dst = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)x);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
                    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* 1 when the server closed fd within ms milliseconds (EOF or reset). */
static int closed_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char buf[256];

    return poll(&p, 1, ms) == 1 && recv(fd, buf, sizeof(buf), 0) <= 0;
}

/*
 * 4 addresses x 8 slow connections fill the 32 slots; a 9th from one of them
 * is refused, /healthz from 127.0.0.1 still answers at once, and the slow ones
 * are cut at the 2 s deadline although the idle timeout is 15 s.
 */
static void test_slow_clients(void)
{
    static const char partial[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n";
    struct vc_daemon d = {0};
    int fds[32], i, extra, st;
    double t0, opened;

    CHECK(set_limits("{\"max_connections\":32,\"connections_per_address\":8,"
                     "\"request_deadline_seconds\":2}") == 0);
    CHECK(start(&d, NULL) == 0);
    if (d.port <= 0)
        return;
    opened = now_ms();
    for (i = 0; i < 32; i++) {
        fds[i] = connect_from(d.port, 2 + i / 8);
        CHECK(fds[i] >= 0 && send(fds[i], partial, sizeof(partial) - 1, MSG_NOSIGNAL) > 0);
    }
    extra = connect_from(d.port, 2);
    CHECK(extra < 0 || closed_within(extra, 1000)); /* past 8 from one address */
    if (extra >= 0)
        close(extra);
    t0 = now_ms();
    st = status_of(d.port, "/healthz", NULL);
    printf("slow clients: /healthz %d in %.1f ms with 32 slow connections open\n", st,
           now_ms() - t0);
    CHECK_INT(st, 200);
    CHECK(now_ms() - t0 < 1000.0);
    CHECK(closed_within(fds[0], 5000));
    printf("slow clients: cut after %.0f ms (deadline 2000 ms, idle timeout 15000 ms)\n",
           now_ms() - opened);
    CHECK(now_ms() - opened >= 1900.0);
    {
        struct vc_resp r;

        CHECK(vc_http(d.port, "GET", "/metrics", NULL, NULL, 0, &r) == 0 && r.body != NULL);
        CHECK(r.body != NULL &&
              strstr((char *)r.body, "jianpei_connections_refused_total 1\n") != NULL);
        CHECK(r.body != NULL &&
              strstr((char *)r.body, "jianpei_request_deadline_cut_total 0\n") == NULL);
        vc_resp_free(&r);
    }
    for (i = 0; i < 32; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    CHECK_INT(vc_daemon_stop(&d), 0);
}

/* A chunked 1 MiB body: 413 and the connection closed long before the end. */
static void test_chunked_413(void)
{
    static const char head[] = "POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    static char chunk[16384 + 16];
    struct pollfd p;
    struct vc_daemon d = {0};
    size_t sent = 0, n;
    char resp[1024] = "";
    ssize_t got = 0;
    int fd, i;

    CHECK(set_limits("") == 0);
    CHECK(start(&d, NULL) == 0);
    if (d.port <= 0)
        return;
    n = (size_t)snprintf(chunk, sizeof(chunk), "4000\r\n");
    memset(chunk + n, ' ', 16384);
    memcpy(chunk + n + 16384, "\r\n", 2);
    n += 16384 + 2;
    fd = connect_from(d.port, 1);
    CHECK(fd >= 0 && send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) > 0);
    for (i = 0; fd >= 0 && i < 64; i++) {
        if (send(fd, chunk, n, MSG_NOSIGNAL) < 0)
            break;
        sent += 16384;
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, 100) == 1) /* waits for the answer, at most 0.1 s a chunk */
            break;
    }
    if (fd >= 0) {
        got = recv(fd, resp, sizeof(resp) - 1, 0);
        close(fd);
    }
    resp[got > 0 ? got : 0] = '\0';
    printf("chunked body: answered after %zu KiB of 1024 KiB\n", sent / 1024);
    CHECK(strncmp(resp, "HTTP/1.1 413", 12) == 0 && strstr(resp, "body_too_large") != NULL);
    CHECK(sent < 1024 * 1024 / 2);
    CHECK_INT(status_of(d.port, "/healthz", NULL), 200);
    CHECK_INT(vc_daemon_stop(&d), 0);
}

int main(void)
{
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};

    snprintf(dir, sizeof(dir), "/tmp/jp-vnet-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(home, sizeof(home), "%s/jianpei-home", dir);
    snprintf(verifier_bin, sizeof(verifier_bin), "%s",
             getenv("JP_VERIFIER") ?: JP_BIN_DIR "/jianpei-verifier");
    snprintf(err_path, sizeof(err_path), "%s/daemon.log", dir);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 2) == 0);
    CHECK(first_holder() == 0);
    test_cli();
    test_walk();
    test_trusted_proxy();
    test_untrusted_header();
    test_log();
    test_no_rate_limits();
    test_slow_clients();
    test_chunked_413();
    vc_run(rm, NULL);
    return CHECK_DONE();
}
