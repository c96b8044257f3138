/*
 * test_verifier_valgrind.c - runs jianpei-verifier under valgrind
 * (--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9)
 * through a short sequence of requests touching every handler, stops it with
 * SIGTERM and expects exit 0: no invalid access, no definite leak, a clean
 * graceful shutdown. Skipped (77) when valgrind is absent or in the ASan build.
 */
#include "capture.h"
#include "check.h"
#include "ident.h"
#include "verifier_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *find_valgrind(void)
{
    static const char *const where[] = {"/usr/bin/valgrind", "/usr/local/bin/valgrind"};
    size_t i;

    for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        if (access(where[i], X_OK) == 0)
            return where[i];
    }
    return NULL;
}

/* The first issued number in dir/report.json. */
static int first_certno(const char *dir, char no[IDENT_CERTNO_SIZE])
{
    static const char key[] = "\"certificate_no\":\"";
    char path[300], *text;
    const char *p;

    snprintf(path, sizeof(path), "%s/report.json", dir);
    text = vc_slurp(path, NULL);
    p = text != NULL ? strstr(text, key) : NULL;
    if (p != NULL && strlen(p) >= sizeof(key) - 1 + 18) {
        memcpy(no, p + sizeof(key) - 1, 18);
        no[18] = '\0';
    }
    free(text);
    return p != NULL ? 0 : -1;
}

static void request(int port, const char *method, const char *path, const char *body, int want)
{
    struct vc_resp r;

    CHECK(vc_http(port, method, path, NULL, body, body ? strlen(body) : 0, &r) == 0);
    if (r.status != want)
        fprintf(stderr, "%s %s: status %d, expected %d\n", method, path, r.status, want);
    CHECK_INT(r.status, want);
    vc_resp_free(&r);
}

static void sequence(int port, const char *url)
{
    const char *page = strstr(url, "/V/");
    const char *no = page ? page + 3 : "";
    char path[2200], body[2200];

    request(port, "GET", "/healthz", NULL, 200);
    snprintf(path, sizeof(path), "/api/v1/certificates/%.18s", no);
    request(port, "GET", path, NULL, 200);
    request(port, "GET", "/api/v1/certificates/44012026010000001A", NULL, 400);
    request(port, "GET", page ? page : "/V/x", NULL, 200);
    snprintf(body, sizeof(body), "{\"qr\":\"%s\"}", url);
    request(port, "POST", "/api/v1/verify", body, 200);
    request(port, "POST", "/api/v1/verify", "{\"qr\":[1,2", 400);
    snprintf(path, sizeof(path), "/api/v1/certificates/%.18s/holder-check", no);
    request(port, "POST", path, "{\"name\":\"张三\",\"id_number\":\"110101199003074477\"}", 200);
    snprintf(path, sizeof(path), "/api/v1/certificates/%.18s/pdf", no);
    request(port, "POST", path, "{\"name\":\"张三\",\"id_number\":\"110101199003074477\"}", 403);
    request(port, "POST", "/api/v1/batch-status", "{}", 401);
    request(port, "GET", "/api/v1/status-changes?since=0", NULL, 401);
    request(port, "GET", "/api/v1/trust-list", NULL, 200);
    request(port, "GET", "/metrics", NULL, 200);
    request(port, "GET", "/nowhere", NULL, 404);
}

int main(void)
{
    char dir[64] = "";
    char home[300], bin[600], log[300], url[2048] = "", no[IDENT_CERTNO_SIZE] = "", *text;
    const char *vg = find_valgrind();
    struct vc_daemon d = {0};
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};

#ifdef JP_ASAN
    puts("skipped: valgrind does not run sanitizer builds");
    cap_skip("valgrind does not run sanitizer builds\n");
    return 77;
#endif
    if (vg == NULL) {
        puts("skipped: valgrind not installed");
        cap_skip("valgrind not installed\n");
        return 77;
    }
    if (vc_scratch(dir, sizeof(dir), "/tmp/jp-verifier-vg-XXXXXX", home, sizeof(home)) != 0)
        return 1;
    snprintf(bin, sizeof(bin), "%s/jianpei-verifier", JP_BIN_DIR);
    snprintf(log, sizeof(log), "%s/valgrind.log", dir);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 2) == 0);
    CHECK(first_certno(dir, no) == 0);
    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, no, url, sizeof(url)) == 0);
    {
        char *wrap[] = {(char *)vg, "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
                        "--error-exitcode=9"};

        CHECK(vc_daemon_start_under(wrap, sizeof wrap / sizeof wrap[0], bin, home, log, &d) == 0);
    }
    if (d.port > 0) {
        sequence(d.port, url);
        CHECK_INT(vc_daemon_stop(&d), 0);
    }
    text = vc_slurp(log, NULL);
    if (text != NULL && strstr(text, "==") != NULL)
        fprintf(stderr, "%s", text);
    free(text);
    vc_run(rm, NULL);
    return CHECK_DONE();
}
