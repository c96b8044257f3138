/*
 * test_institutions.c - SPEC §10's institution endpoints end to end (issue
 * 13), through jianpei-issuer and jianpei-verifier on port 0: a client made
 * with `clients add ID --institution CODE` lists exactly its exam's
 * certificates (numbers, masked names, status; `after` pages on) and fetches
 * a PDF identical to `jianpei-issuer pdf`; another institution's number, an
 * unknown one and another institution's list are one and the same 403; a
 * client of another institution and a province's client get 403, the
 * institution's client gets 403 on §8's batch-status; a bad signature is 401.
 * A store whose index is gone (an old store) lists nothing until
 * `jianpei-issuer institution-backfill` has run.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "raw_lmdb.h"
#include "verifier_client.h"

#define N_CERTS 12

static char dir[256], home[300], verifier_bin[400], issuer_bin[400];

struct cert {
    char no[19], code[33], exam[65];
};

static struct cert certs[N_CERTS];
static size_t n_certs;

/* Reads in.jsonl and report.json: each issued number with its institution and exam. */
static int load_certs(void)
{
    char path[400];
    json_t *report, *issued, *e;
    char *in;
    size_t i;

    snprintf(path, sizeof(path), "%s/report.json", dir);
    report = json_load_file(path, 0, NULL);
    snprintf(path, sizeof(path), "%s/in.jsonl", dir);
    in = vc_slurp(path, NULL);
    issued = json_object_get(report, "issued");
    json_array_foreach(issued, i, e)
    {
        long line = (long)json_integer_value(json_object_get(e, "line"));
        const char *p = in;
        json_t *rec;

        for (long l = 1; p != NULL && l < line; l++)
            p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
        rec = p ? json_loadb(p, strcspn(p, "\n"), 0, NULL) : NULL;
        if (rec != NULL && n_certs < N_CERTS) {
            struct cert *c = &certs[n_certs++];
            snprintf(c->no, sizeof(c->no), "%s",
                     json_string_value(json_object_get(e, "certificate_no")));
            snprintf(c->code, sizeof(c->code), "%s",
                     json_string_value(json_object_get(rec, "institution_code")));
            snprintf(c->exam, sizeof(c->exam), "%s",
                     json_string_value(json_object_get(rec, "exam_id")));
        }
        json_decref(rec);
    }
    json_decref(report);
    free(in);
    return n_certs == N_CERTS ? 0 : -1;
}

/* `clients add id [--institution code]`: the secret from the last line into secret[65]. */
static int add_client(const char *id, const char *code, char secret[65])
{
    char out[400], *text, *last;
    char *argv[] = {verifier_bin, "--home",        home,         "clients", "add",
                    (char *)id,   "--institution", (char *)code, NULL};
    int rc;

    if (code == NULL)
        argv[6] = NULL;
    snprintf(out, sizeof(out), "%s/client.txt", dir);
    rc = vc_run(argv, out);
    text = vc_slurp(out, NULL);
    secret[0] = '\0';
    if (rc == 0 && text != NULL) {
        while (strlen(text) > 0 && text[strlen(text) - 1] == '\n')
            text[strlen(text) - 1] = '\0';
        last = strrchr(text, '\n');
        snprintf(secret, 65, "%s", last ? last + 1 : text);
    }
    free(text);
    return rc == 0 && strlen(secret) == 64 ? 0 : -1;
}

/* GET target signed by client (over signed_target, normally the same). */
static int get_as(int port, const char *client, const char *secret, const char *target,
                  const char *signed_target, struct vc_resp *r)
{
    char ts[24], sig[65], hdr[300];

    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
    if (vc_sign(secret, "GET", signed_target, ts, NULL, 0, sig) != 0)
        return -1;
    snprintf(hdr, sizeof(hdr), "Authorization: JIANPEI-HMAC-SHA256 client=%s, ts=%s, sig=%s\r\n",
             client, ts, sig);
    return vc_http(port, "GET", target, hdr, NULL, 0, r);
}

static json_t *body_json(const struct vc_resp *r)
{
    return r->body != NULL ? json_loadb((const char *)r->body, r->len, 0, NULL) : NULL;
}

/* The numbers expected for (code, exam), sorted, after `after` (or all), joined by ','. */
static void expected(const char *code, const char *exam, const char *after, char *out, size_t sz)
{
    char sorted[N_CERTS][19];
    size_t n = 0;

    for (size_t i = 0; i < n_certs; i++)
        if (strcmp(certs[i].code, code) == 0 && strcmp(certs[i].exam, exam) == 0 &&
            (after == NULL || strcmp(certs[i].no, after) > 0))
            memcpy(sorted[n++], certs[i].no, 19);
    qsort(sorted, n, 19, (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sz - strlen(out), "%s%s", i ? "," : "", sorted[i]);
}

/*
 * The listed numbers joined by ',' into out; checks each entry shows the
 * status and a masked name only, and that the page is the last one.
 */
static void listed(const struct vc_resp *r, char *out, size_t sz)
{
    json_t *root = body_json(r), *arr = json_object_get(root, "certificates"), *e;
    size_t i;

    out[0] = '\0';
    CHECK(json_is_array(arr) && json_is_null(json_object_get(root, "next")));
    json_array_foreach(arr, i, e)
    {
        const char *masked =
            json_string_value(json_object_get(json_object_get(e, "holder"), "name_masked"));
        CHECK(masked != NULL && strstr(masked, "*") != NULL);
        CHECK(json_string_value(json_object_get(e, "status")) != NULL);
        snprintf(out + strlen(out), sz - strlen(out), "%s%s", i ? "," : "",
                 json_string_value(json_object_get(e, "certificate_no")));
    }
    json_decref(root);
}

static void list_path(const struct cert *c, const char *code, const char *after, char *out,
                      size_t sz)
{
    snprintf(out, sz, "/api/v1/institutions/%s/certificates?exam_id=%s%s%s", code ? code : c->code,
             c->exam, after ? "&after=" : "", after ? after : "");
}

static const struct cert *other_institution(const struct cert *a)
{
    for (size_t i = 0; i < n_certs; i++)
        if (strcmp(certs[i].code, a->code) != 0)
            return &certs[i];
    return NULL;
}

static void test_own(int port, const char *secret, const struct cert *a)
{
    char path[600], want[400], got[400], out[400];
    struct vc_resp r;
    unsigned char *stored;
    size_t stored_len = 0;

    list_path(a, NULL, NULL, path, sizeof(path));
    CHECK(get_as(port, "inst-a", secret, path, path, &r) == 0);
    CHECK_INT(r.status, 200);
    expected(a->code, a->exam, NULL, want, sizeof(want));
    listed(&r, got, sizeof(got));
    CHECK_STR(got, want);
    CHECK(strchr(want, ',') != NULL); /* more than one, so that `after` below means something */
    vc_resp_free(&r);
    /* after= the first number: the rest */
    list_path(a, NULL, want, path, sizeof(path));
    path[strlen(path) - strlen(want) + 18] = '\0';
    CHECK(get_as(port, "inst-a", secret, path, path, &r) == 0 && r.status == 200);
    expected(a->code, a->exam, want, out, sizeof(out)); /* want's first 18 bytes */
    listed(&r, got, sizeof(got));
    CHECK_STR(got, out);
    vc_resp_free(&r);
    /* the PDF, byte for byte as `jianpei-issuer pdf` writes it */
    snprintf(path, sizeof(path), "/api/v1/institutions/%s/certificates/%s.pdf", a->code, a->no);
    CHECK(get_as(port, "inst-a", secret, path, path, &r) == 0 && r.status == 200);
    snprintf(out, sizeof(out), "%s/stored.pdf", dir);
    {
        char *argv[] = {issuer_bin, "--home", home, "pdf", (char *)a->no, "--out", out, NULL};
        CHECK_INT(vc_run(argv, NULL), 0);
    }
    stored = (unsigned char *)vc_slurp(out, &stored_len);
    CHECK(stored != NULL && r.len == stored_len && memcmp(r.body, stored, stored_len) == 0);
    free(stored);
    vc_resp_free(&r);
}

/* Everything a client may not have: one 403, the same body; a bad signature 401. */
static void test_refused(int port, const char *sa, const char *sb, const char *sp,
                         const struct cert *a, const struct cert *b)
{
    char path[600], unknown[700];
    struct vc_resp foreign, missing, r;

    snprintf(path, sizeof(path), "/api/v1/institutions/%s/certificates/%s.pdf", a->code, b->no);
    CHECK(get_as(port, "inst-a", sa, path, path, &foreign) == 0);
    CHECK_INT(foreign.status, 403);
    /* a number with a good check digit that no one holds */
    {
        static const char check[] = "10X98765432";
        char no[19];
        int sum = 0;
        snprintf(no, sizeof(no), "%.10s9999999", a->no);
        for (int i = 0; i < 17; i++)
            sum += (no[i] - '0') * ((1 << (17 - i)) % 11);
        no[17] = check[sum % 11];
        no[18] = '\0';
        snprintf(unknown, sizeof(unknown), "/api/v1/institutions/%s/certificates/%s.pdf", a->code,
                 no);
    }
    CHECK(get_as(port, "inst-a", sa, unknown, unknown, &missing) == 0);
    CHECK_INT(missing.status, 403);
    CHECK(foreign.len == missing.len && memcmp(foreign.body, missing.body, foreign.len) == 0);
    CHECK(strstr((const char *)foreign.body, b->no) == NULL);
    vc_resp_free(&foreign);
    vc_resp_free(&missing);
    /* another institution's list, as inst-a; a's list as inst-b and as a province */
    list_path(b, NULL, NULL, path, sizeof(path));
    CHECK(get_as(port, "inst-a", sa, path, path, &r) == 0 && r.status == 403);
    vc_resp_free(&r);
    list_path(a, NULL, NULL, path, sizeof(path));
    CHECK(get_as(port, "inst-b", sb, path, path, &r) == 0 && r.status == 403);
    vc_resp_free(&r);
    CHECK(get_as(port, "prov-gx", sp, path, path, &r) == 0 && r.status == 403);
    vc_resp_free(&r);
    /* §8's status changes are not the institution's */
    CHECK(get_as(port, "inst-a", sa, "/api/v1/status-changes?since=0",
                 "/api/v1/status-changes?since=0", &r) == 0 &&
          r.status == 403);
    vc_resp_free(&r);
    /* signed for another exam: 401, and so is an unsigned call */
    snprintf(unknown, sizeof(unknown), "%s0", path);
    CHECK(get_as(port, "inst-a", sa, path, unknown, &r) == 0 && r.status == 401);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 401);
    vc_resp_free(&r);
}

/* Drops the institution index, as a store made before it has none. */
static int drop_index(void)
{
    char store_dir[400];
    struct raw_lmdb r;
    int rc;

    snprintf(store_dir, sizeof(store_dir), "%s/store", home);
    rc = raw_lmdb_begin(&r, store_dir, "institutions");
    if (rc == 0)
        rc = mdb_drop(r.txn, r.dbi, 1);
    return raw_lmdb_end(&r, rc);
}

static int start(struct vc_daemon *d, const char *log_name)
{
    char err_path[400];
    char *argv[] = {verifier_bin,  "--home",    home, "--listen",
                    "127.0.0.1:0", "--threads", "2",  NULL};

    snprintf(err_path, sizeof(err_path), "%s/%s", dir, log_name);
    return vc_daemon_start(argv, err_path, d);
}

/* An old store: nothing listed before the backfill, everything after. */
static void test_backfill(const char *secret, const struct cert *a)
{
    char path[600], want[400], got[400];
    char *argv[] = {issuer_bin, "--home", home, "institution-backfill", NULL};
    struct vc_daemon d = {0};
    struct vc_resp r;

    CHECK_INT(drop_index(), 0);
    list_path(a, NULL, NULL, path, sizeof(path));
    CHECK(start(&d, "verifier-old.log") == 0);
    CHECK(get_as(d.port, "inst-a", secret, path, path, &r) == 0 && r.status == 200);
    listed(&r, got, sizeof(got));
    CHECK_STR(got, "");
    vc_resp_free(&r);
    CHECK_INT(vc_daemon_stop(&d), 0);
    CHECK_INT(vc_run(argv, NULL), 0);
    CHECK(start(&d, "verifier-backfilled.log") == 0);
    CHECK(get_as(d.port, "inst-a", secret, path, path, &r) == 0 && r.status == 200);
    expected(a->code, a->exam, NULL, want, sizeof(want));
    listed(&r, got, sizeof(got));
    CHECK_STR(got, want);
    vc_resp_free(&r);
    CHECK_INT(vc_daemon_stop(&d), 0);
}

int main(void)
{
    char sa[65] = "", sb[65] = "", sp[65] = "";
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    const struct cert *a = &certs[0], *b = NULL;
    struct vc_daemon d = {0};

    if (vc_scratch(dir, sizeof(dir), "/tmp/jp-inst-XXXXXX", home, sizeof(home)) != 0)
        return 1;
    snprintf(verifier_bin, sizeof(verifier_bin), "%s/jianpei-verifier", JP_BIN_DIR);
    snprintf(issuer_bin, sizeof(issuer_bin), "%s/jianpei-issuer", JP_BIN_DIR);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, N_CERTS) == 0);
    CHECK(load_certs() == 0);
    b = other_institution(a);
    CHECK(b != NULL);
    CHECK(add_client("inst-a", a->code, sa) == 0);
    CHECK(add_client("inst-b", b ? b->code : "GD9999", sb) == 0);
    CHECK(add_client("prov-gx", NULL, sp) == 0);
    {
        char *bad[] = {verifier_bin, "--home",        home,    "clients", "add",
                       "x",          "--institution", "GD 01", NULL};
        CHECK_INT(vc_run(bad, NULL), 2);
    }
    if (b != NULL && start(&d, "verifier.log") == 0 && d.port > 0) {
        test_own(d.port, sa, a);
        test_refused(d.port, sa, sb, sp, a, b);
        CHECK_INT(vc_daemon_stop(&d), 0);
        test_backfill(sa, a);
    } else {
        CHECK(0);
    }
    vc_run(rm, NULL);
    return CHECK_DONE();
}
