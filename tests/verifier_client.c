/*
 * verifier_client.c - process and HTTP helpers of the verifier tests (see
 * verifier_client.h). Blocking I/O only: every wait ends when the other side
 * writes or closes, never on a timer.
 */
#include "verifier_client.h"

#include "capture.h"
#include "util.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int exit_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

int vc_run(char *const argv[], const char *out_path)
{
    pid_t pid;
    int st = 0;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(127);
        cap_redirect_stderr(); /* on failure stderr stays the test's */
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return exit_status(st);
}

char *vc_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n;

    if (f == NULL)
        return NULL;
    n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = malloc((size_t)n + 1);
        if (p != NULL && fread(p, 1, (size_t)n, f) == (size_t)n) {
            p[n] = '\0';
            if (len != NULL)
                *len = (size_t)n;
        } else {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    return p;
}

int vc_daemon_start(char *const argv[], const char *err_path, struct vc_daemon *d)
{
    char line[256];
    size_t n = 0;
    int pfd[2];
    char *colon;

    d->pid = -1;
    d->port = 0;
    if (snprintf(d->err_path, sizeof(d->err_path), "%s", err_path) >= (int)sizeof(d->err_path))
        return -1;
    fflush(NULL);
    if (pipe(pfd) != 0)
        return -1;
    d->pid = fork();
    if (d->pid < 0)
        return -1;
    if (d->pid == 0) {
        int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (efd < 0 || dup2(pfd[1], 1) < 0 || dup2(efd, 2) < 0)
            _exit(127);
        close(pfd[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    /* the first line, read byte by byte: blocks until the daemon prints it or exits */
    while (n + 1 < sizeof(line) && read(pfd[0], line + n, 1) == 1 && line[n] != '\n')
        n++;
    line[n] = '\0';
    close(pfd[0]);
    colon = strrchr(line, ':');
    if (strncmp(line, "listening on ", 13) != 0 || colon == NULL) {
        fprintf(stderr, "daemon did not start: \"%s\"\n", line);
        vc_daemon_stop(d);
        return -1;
    }
    d->port = atoi(colon + 1);
    return d->port > 0 ? 0 : -1;
}

int vc_daemon_start_under(char *const wrap[], size_t nwrap, const char *bin, const char *home,
                          const char *err_path, struct vc_daemon *d)
{
    char *argv[8 + 8];
    size_t n = 0;

    if (nwrap > 8)
        return -1;
    for (size_t i = 0; i < nwrap; i++)
        argv[n++] = wrap[i];
    argv[n++] = (char *)bin;
    argv[n++] = "--home";
    argv[n++] = (char *)home;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--threads";
    argv[n++] = "2";
    argv[n] = NULL;
    return vc_daemon_start(argv, err_path, d);
}

int vc_daemon_stop(struct vc_daemon *d)
{
    int st = 0;

    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    if (waitpid(d->pid, &st, 0) < 0)
        return -1;
    d->pid = -1;
    cap_file(d->err_path, "daemon.log");
    return exit_status(st);
}

static int read_all(int fd, unsigned char **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    unsigned char *p = malloc(cap + 1);

    if (p == NULL)
        return -1;
    for (;;) {
        ssize_t r;

        if (n == cap) {
            unsigned char *q;

            if (cap >= VC_RESP_MAX)
                break;
            cap *= 2;
            q = realloc(p, cap + 1);
            if (q == NULL)
                break;
            p = q;
        }
        r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return 0;
}

/* A socket connected to 127.0.0.1:port, from source address src (NULL: any). */
static int connect_local(const char *src, int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    if (src != NULL && (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
                        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)) {
        close(fd);
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int parse_resp(unsigned char *raw, size_t n, struct vc_resp *r)
{
    char *sep = strstr((char *)raw, "\r\n\r\n");
    size_t hl;

    if (sep == NULL || sscanf((char *)raw, "HTTP/1.%*d %d", &r->status) != 1)
        return -1;
    hl = (size_t)(sep - (char *)raw);
    r->head = malloc(hl + 1);
    r->len = n - hl - 4;
    r->body = malloc(r->len + 1);
    if (r->head == NULL || r->body == NULL)
        return -1;
    memcpy(r->head, raw, hl);
    r->head[hl] = '\0';
    memcpy(r->body, sep + 4, r->len);
    r->body[r->len] = '\0';
    return 0;
}

static int personal_next; /* 1: the next answer's body is personal by design (vc_http_personal) */

/* Appends an answer to the capture: the header block, and the body unless it is a PDF. */
static void capture_resp(const struct vc_resp *r)
{
    char type[128] = "";
    int pdf = personal_next || (vc_header(r, "Content-Type", type, sizeof(type)) == 0 &&
                                strncmp(type, "application/pdf", 15) == 0);

    cap_append("http.log", r->head, strlen(r->head));
    cap_append("http.log", "\n\n", 2);
    if (!pdf)
        cap_append("http.log", r->body, r->len);
    cap_append("http.log", "\n\n", 2);
}

int vc_http(int port, const char *method, const char *path, const char *headers, const void *body,
            size_t len, struct vc_resp *r)
{
    return vc_http_from(NULL, port, method, path, headers, body, len, r);
}

int vc_http_personal(int port, const char *path, const char *headers, struct vc_resp *r)
{
    int rc;

    personal_next = 1;
    rc = vc_http_from(NULL, port, "GET", path, headers, NULL, 0, r);
    personal_next = 0;
    return rc;
}

int vc_http_from(const char *src, int port, const char *method, const char *path,
                 const char *headers, const void *body, size_t len, struct vc_resp *r)
{
    char req[8192];
    unsigned char *raw = NULL;
    size_t n = 0;
    int fd, rc = -1, k;

    memset(r, 0, sizeof(*r));
    k = snprintf(req, sizeof(req),
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%sContent-Length: "
                 "%zu\r\n\r\n",
                 method, path, headers ? headers : "", body ? len : 0);
    if (k < 0 || (size_t)k >= sizeof(req))
        return -1;
    fd = connect_local(src, port);
    if (fd < 0)
        return -1;
    if (jp_write_all(fd, req, (size_t)k) == 0 &&
        (body == NULL || jp_write_all(fd, body, len) == 0) && read_all(fd, &raw, &n) == 0)
        rc = parse_resp(raw, n, r);
    free(raw);
    close(fd);
    if (rc == 0)
        capture_resp(r);
    else
        vc_resp_free(r);
    return rc;
}

void vc_resp_free(struct vc_resp *r)
{
    free(r->head);
    free(r->body);
    r->head = NULL;
    r->body = NULL;
    r->len = 0;
}

int vc_header(const struct vc_resp *r, const char *name, char *out, size_t outsz)
{
    const char *p = r->head;
    size_t nl = strlen(name);

    while (p != NULL && *p != '\0') {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);

        if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t vl;

            while (*v == ' ')
                v++;
            vl = ll - (size_t)(v - p);
            if (vl >= outsz)
                return -1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return 0;
        }
        p = eol ? eol + 2 : NULL;
    }
    return -1;
}

int vc_csrf(int port, char token[32], char cookie[96])
{
    struct vc_resp r;
    char sc[256] = "";
    int rc = vc_http(port, "GET", "/me", NULL, NULL, 0, &r);

    if (rc == 0 && vc_header(&r, "Set-Cookie", sc, sizeof sc) == 0 &&
        strncmp(sc, "jp_csrf=", 8) == 0) {
        snprintf(token, 32, "%.26s", sc + 8);
        snprintf(cookie, 96, "Cookie: jp_csrf=%s\r\n", token);
    } else {
        rc = -1;
    }
    vc_resp_free(&r);
    return rc;
}

/* The multipart body of vc_form_check: the csrf field, then data as the file field. */
static int form_body(const char *boundary, const char *token, const void *data, size_t len,
                     struct jp_buf *body)
{
    char head[512];

    if (jp_strf(head, sizeof head,
                "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n--%s\r\n"
                "Content-Disposition: form-data; name=\"file\"; filename=\"cert.ofd\"\r\n"
                "Content-Type: application/ofd\r\n\r\n",
                boundary, token, boundary) != 0)
        return -1;
    if (jp_buf_puts(body, head) != 0 || jp_buf_append(body, data, len) != 0 ||
        jp_buf_puts(body, "\r\n--") != 0 || jp_buf_puts(body, boundary) != 0 ||
        jp_buf_puts(body, "--\r\n") != 0)
        return -1;
    return 0;
}

int vc_form_check(int port, const void *data, size_t len, struct vc_resp *form,
                  struct vc_resp *page)
{
    static const char boundary[] = "----jpFormBoundary5u2X";
    char sc[256] = "", token[64] = "", hdrs[512];
    struct jp_buf body;
    struct vc_resp r;
    int rc;

    memset(page, 0, sizeof(*page));
    rc = vc_http(port, "GET", "/check/file", NULL, NULL, 0, &r);
    if (rc == 0 && vc_header(&r, "Set-Cookie", sc, sizeof sc) == 0 &&
        strncmp(sc, "jp_csrf=", 8) == 0)
        snprintf(token, sizeof token, "%.*s", (int)strcspn(sc + 8, ";"), sc + 8);
    if (form != NULL)
        *form = r;
    else
        vc_resp_free(&r);
    if (rc != 0)
        return -1;
    jp_buf_init(&body, len + 4096);
    if (form_body(boundary, token, data, len, &body) != 0 ||
        jp_strf(hdrs, sizeof hdrs,
                "Cookie: jp_csrf=%s\r\nContent-Type: multipart/form-data; boundary=%s\r\n", token,
                boundary) != 0)
        rc = -1;
    if (rc == 0)
        rc = vc_http(port, "POST", "/check/file", hdrs, body.data, body.len, page);
    jp_buf_free(&body);
    return rc;
}

int vc_verify_file(const char *verifier_bin, const char *home, const char *file, int json,
                   const char *log, char *out, size_t outsz)
{
    char trust[600];
    char *argv[] = {(char *)verifier_bin,   "verify-file", (char *)file, "--trust", trust,
                    json ? "--json" : NULL, NULL};
    char *text;
    int rc;

    if (outsz > 0)
        out[0] = '\0';
    if (jp_path_join(trust, sizeof trust, home, "trust-list.pem") != 0)
        return -1;
    rc = vc_run(argv, log);
    text = vc_slurp(log, NULL);
    if (outsz > 0)
        snprintf(out, outsz, "%s", text != NULL ? text : "");
    free(text);
    return rc;
}

/* BIN/jianpei-issuer and DIR/jianpei-home into issuer[600] and home[600]; -1 when one does not fit.
 */
int vc_scratch(char *dir, size_t dirsz, const char *tmpl, char *home, size_t homesz)
{
    if (jp_strf(dir, dirsz, "%s", tmpl) != 0 || mkdtemp(dir) == NULL)
        return -1;
    return jp_path_join(home, homesz, dir, "jianpei-home") != 0 ? -1 : 0;
}

static int issuer_paths(const char *bin_dir, const char *dir, char *issuer, char *home)
{
    if (jp_path_join(issuer, 600, bin_dir, "jianpei-issuer") != 0 ||
        jp_path_join(home, 600, dir, "jianpei-home") != 0)
        return -1;
    return 0;
}

int vc_bins(const char *bin_dir, char issuer[600], char verifier[600])
{
    if (jp_path_join(issuer, 600, bin_dir, "jianpei-issuer") != 0 ||
        jp_path_join(verifier, 600, bin_dir, "jianpei-verifier") != 0)
        return -1;
    return 0;
}

int vc_make_home(const char *bin_dir, const char *src_dir, const char *dir, int n)
{
    char issuer[600], home[600], in[600], report[600], gen[600], count[16];
    char *init[] = {issuer,
                    "init",
                    "--home",
                    home,
                    "--authority",
                    "广东省住房和城乡建设厅",
                    "--authority-uscc",
                    "11440000MB2C12345J",
                    "--public-url",
                    "http://127.0.0.1:8080",
                    NULL};
    char *genv[] = {"/usr/bin/python3", gen, count, NULL};
    char *issue[] = {issuer, "--home", home, "issue", "--input", in, "--report", report, NULL};
    int rc;

    if (issuer_paths(bin_dir, dir, issuer, home) != 0 ||
        jp_path_join(in, sizeof(in), dir, "in.jsonl") != 0 ||
        jp_path_join(report, sizeof(report), dir, "report.json") != 0 ||
        jp_path_join(gen, sizeof(gen), src_dir, "bench/gen_intake.py") != 0 ||
        jp_strf(count, sizeof(count), "%d", n) != 0)
        return -1;
    if (vc_run(init, NULL) != 0 || vc_run(genv, in) != 0 || cap_holders(in) != 0)
        return -1;
    rc = vc_run(issue, NULL);
    cap_file(report, "report.json");
    if (cap_claim_codes(report) != 0)
        return -1;
    return rc == 0 ? 0 : -1;
}

int vc_qr_from_pdf(const char *bin_dir, const char *dir, const char *no, char *url, size_t urlsz)
{
    char issuer[600], home[600], pdf[600], prefix[600], png[620], txt[600], *text;
    char *pdfv[] = {issuer, "--home", home, "pdf", (char *)no, "--out", pdf, NULL};
    char *ppm[] = {"/usr/bin/pdftoppm", "-r", "150", "-png", "-singlefile", pdf, prefix, NULL};
    char *zbar[] = {"/usr/bin/zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", png, NULL};

    if (issuer_paths(bin_dir, dir, issuer, home) != 0 ||
        jp_path_join(pdf, sizeof(pdf), dir, "cert.pdf") != 0 ||
        jp_path_join(prefix, sizeof(prefix), dir, "page") != 0 ||
        jp_strf(png, sizeof(png), "%s.png", prefix) != 0 ||
        jp_path_join(txt, sizeof(txt), dir, "qr.txt") != 0)
        return -1;
    if (vc_run(pdfv, NULL) != 0 || vc_run(ppm, NULL) != 0 || vc_run(zbar, txt) != 0)
        return -1;
    text = vc_slurp(txt, NULL);
    if (text == NULL)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    snprintf(url, urlsz, "%s", text);
    free(text);
    return 0;
}

/* qsort order of SPEC §8's canonical query: by name, then by the whole parameter. */
static int param_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t xn = strcspn(x, "="), yn = strcspn(y, "=");
    int c = strncmp(x, y, xn < yn ? xn : yn);

    if (c == 0 && xn != yn)
        return xn < yn ? -1 : 1;
    return c != 0 ? c : strcmp(x, y);
}

/* PATH, then '?' and the parameters sorted, into out; -1 when it does not fit. */
static int canonical_target(const char *target, char *out, size_t outsz)
{
    char copy[4096], *params[64], *p;
    const char *q = strchr(target, '?');
    size_t n = 0, i, o;

    o = q != NULL ? (size_t)(q - target) : strlen(target);
    if (o >= outsz || (q != NULL && strlen(q + 1) >= sizeof(copy)))
        return -1;
    memcpy(out, target, o);
    out[o] = '\0';
    if (q == NULL || q[1] == '\0')
        return 0;
    snprintf(copy, sizeof(copy), "%s", q + 1);
    /* by hand: strtok would drop empty parameters */
    for (p = copy; n < 64; p++) {
        params[n++] = p;
        p += strcspn(p, "&");
        if (*p == '\0')
            break;
        *p = '\0';
    }
    qsort(params, n, sizeof(params[0]), param_cmp);
    for (i = 0; i < n; i++) {
        int k = snprintf(out + o, outsz - o, "%c%s", i == 0 ? '?' : '&', params[i]);

        if (k < 0 || (size_t)k >= outsz - o)
            return -1;
        o += (size_t)k;
    }
    return 0;
}

int vc_sign(const char *secret, const char *method, const char *target, const char *ts,
            const void *body, size_t len, char hex[65])
{
    unsigned char d[32], mac[32];
    char dh[65], canon[4200], msg[4400];
    unsigned int ml = 0;
    int i, k;

    hex[0] = '\0';
    if (canonical_target(target, canon, sizeof(canon)) != 0 ||
        EVP_Digest(body != NULL ? body : "", body != NULL ? len : 0, d, NULL, EVP_sha256(), NULL) !=
            1)
        return -1;
    for (i = 0; i < 32; i++)
        snprintf(dh + 2 * i, 3, "%02x", d[i]);
    k = snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%s", method, canon, ts, dh);
    if (k < 0 || (size_t)k >= sizeof(msg) ||
        HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, (size_t)k, mac,
             &ml) == NULL)
        return -1;
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

int vc_holder(const char *dir, size_t k, char no[19], char name[257], char id[33])
{
    char in[600], report[600];
    json_t *rep = NULL, *item;
    char *text = NULL, *line, *save = NULL;
    long want, n = 1;
    int rc = -1;

    snprintf(in, sizeof(in), "%s/in.jsonl", dir);
    snprintf(report, sizeof(report), "%s/report.json", dir);
    rep = json_load_file(report, 0, NULL);
    item = json_array_get(json_object_get(rep, "issued"), k);
    want = (long)json_integer_value(json_object_get(item, "line"));
    snprintf(no, 19, "%s", json_string_value(json_object_get(item, "certificate_no")) ?: "");
    text = vc_slurp(in, NULL);
    for (line = text ? strtok_r(text, "\n", &save) : NULL; line != NULL;
         line = strtok_r(NULL, "\n", &save), n++) {
        json_t *c;

        if (n != want)
            continue;
        c = json_loads(line, 0, NULL);
        snprintf(name, 257, "%s", json_string_value(json_object_get(c, "name")) ?: "");
        snprintf(id, 33, "%s", json_string_value(json_object_get(c, "id_number")) ?: "");
        json_decref(c);
        rc = 0;
    }
    free(text);
    json_decref(rep);
    return rc;
}

int vc_claim(const char *dir, size_t k, char code[15])
{
    char report[600];
    json_t *rep, *item;
    const char *cc;
    int rc = -1;

    code[0] = '\0';
    snprintf(report, sizeof(report), "%s/report.json", dir);
    rep = json_load_file(report, 0, NULL);
    item = json_array_get(json_object_get(rep, "issued"), k);
    cc = json_string_value(json_object_get(item, "claim_code"));
    if (cc != NULL && strlen(cc) == 14) {
        memcpy(code, cc, 15);
        rc = 0;
    }
    json_decref(rep);
    return rc;
}
