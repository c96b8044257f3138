/*
 * test_lockout.c - the per-certificate lockout of failed holder proofs (issue
 * 12 finding 1, SPEC §10): the portal environment's time rules with a clock
 * the test sets, then end to end: two verifiers on one home, guesses from a
 * new loopback address each time (--rate-burst 1, so no address gets a second
 * guess), the sixth wrong guess refused, a right guess refused while locked
 * with the same answer, unknown numbers locked alike, the lock shared by both
 * processes and still there after a restart, the PDF endpoint answering 403
 * to name + ID number.
 */
#include "check.h"
#include "ident.h"
#include "pages.h"
#include "verifier_client.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256], home[300], verifier_bin[600];
static int next_addr = 2; /* 127.0.0.<next_addr> for the next request */

/* ------------------------------------------------------------ unit */

static void test_portal_rules(void)
{
    char pdir[300];
    const char *no = "440120260100000010", *other = "440120260100000029";
    int64_t t0 = 1700000000;
    unsigned retry = 0;
    portal *p = NULL;
    int i;

    snprintf(pdir, sizeof(pdir), "%s/unit-portal", dir);
    CHECK_INT(portal_open(pdir, &p, NULL, 0), 0);
    if (p == NULL)
        return;
    /* Four failures spread over more than an hour never lock. */
    for (i = 0; i < 8; i++)
        CHECK_INT(portal_proof_charge(p, no, 18, t0 + i * 1000, &retry), 0);
    /* Five within an hour do: the fifth still runs, the sixth is refused. */
    t0 += 100000;
    for (i = 0; i < 5; i++)
        CHECK_INT(portal_proof_charge(p, no, 18, t0 + i, &retry), 0);
    CHECK_INT(portal_proof_charge(p, no, 18, t0 + 5, &retry), PAGES_E_LOCKED);
    CHECK_INT(retry, 3599);
    CHECK_INT(portal_proof_locked(p, no, 18, t0 + 4 + 3599, &retry), PAGES_E_LOCKED);
    CHECK_INT(retry, 1);
    CHECK_INT(portal_proof_locked(p, other, 18, t0 + 5, &retry), 0);
    /* An hour after the fifth failure the lock is gone. */
    CHECK_INT(portal_proof_locked(p, no, 18, t0 + 4 + 3600, &retry), 0);
    CHECK_INT(portal_proof_charge(p, no, 18, t0 + 4 + 3600, &retry), 0);
    /* A proof that matched is refunded: four failures and any number of successes. */
    t0 += 100000;
    for (i = 0; i < 4; i++)
        CHECK_INT(portal_proof_charge(p, other, 18, t0 + i, &retry), 0);
    for (i = 0; i < 10; i++) {
        CHECK_INT(portal_proof_charge(p, other, 18, t0 + 10 + i, &retry), 0);
        CHECK_INT(portal_proof_refund(p, other, 18, t0 + 10 + i), 0);
    }
    CHECK_INT(portal_proof_locked(p, other, 18, t0 + 30, &retry), 0);
    portal_close(p);
    /* The records outlive the handle. */
    CHECK_INT(portal_open(pdir, &p, NULL, 0), 0);
    if (p != NULL) {
        CHECK_INT(portal_proof_charge(p, other, 18, t0 + 40, &retry), 0);
        CHECK_INT(portal_proof_charge(p, other, 18, t0 + 41, &retry), PAGES_E_LOCKED);
    }
    portal_close(p);
}

/* Sessions end after 15 idle minutes, each request restarts the clock; shares end and count. */
static void test_portal_sessions(void)
{
    char pdir[300], tok[PORTAL_SESSION_LEN + 1], tok2[PORTAL_SESSION_LEN + 1], no[PORTAL_NO_SIZE];
    const char *cert = "440120260100000010";
    struct portal_share s, got;
    int64_t t0 = 1700000000;
    portal *p = NULL;

    snprintf(pdir, sizeof(pdir), "%s/unit-sessions", dir);
    CHECK_INT(portal_open(pdir, &p, NULL, 0), 0);
    if (p == NULL)
        return;
    CHECK_INT(portal_session_new(p, cert, t0, tok), 0);
    CHECK_INT(strlen(tok), PORTAL_SESSION_LEN);
    CHECK_INT(portal_session_new(p, cert, t0, tok2), 0);
    CHECK(strcmp(tok, tok2) != 0);
    CHECK_INT(portal_session_get(p, tok, t0 + 899, no), 0);
    CHECK_STR(no, cert);
    CHECK_INT(portal_session_get(p, tok, t0 + 899 + 900, no), 0); /* the clock restarted */
    CHECK_INT(portal_session_get(p, tok2, t0 + 901, no), PAGES_E_NOTFOUND);
    CHECK_INT(portal_session_end(p, tok), 0);
    CHECK_INT(portal_session_get(p, tok, t0 + 1800, no), PAGES_E_NOTFOUND);
    CHECK_INT(portal_session_get(p, "AAAA", t0, no), PAGES_E_NOTFOUND);

    memset(&s, 0, sizeof(s));
    snprintf(s.no, sizeof(s.no), "%s", cert);
    snprintf(s.recipient, sizeof(s.recipient), "某公司");
    snprintf(s.purpose, sizeof(s.purpose), "入职");
    s.expires = t0 + 86400;
    CHECK_INT(portal_share_new(p, &s, t0), 0);
    CHECK_INT(portal_share_open(p, s.id, t0 + 1, &got), 0);
    CHECK_INT(portal_share_open(p, s.id, t0 + 2, &got), 0);
    CHECK(got.accesses == 2 && got.last_access == t0 + 2);
    CHECK_INT(portal_share_open(p, s.id, t0 + 86400, &got), 0); /* expired: read, not counted */
    CHECK(got.accesses == 2);
    CHECK_INT(portal_share_revoke(p, s.id, "440120260100000029", t0 + 3), PAGES_E_NOTFOUND);
    CHECK_INT(portal_share_revoke(p, s.id, cert, t0 + 3), 0);
    CHECK_INT(portal_share_open(p, s.id, t0 + 4, &got), 0);
    CHECK(got.revoked_at == t0 + 3 && got.accesses == 2);
    portal_close(p);
}

/* ------------------------------------------------------------ end to end */

struct holder {
    char no[19], name[257], id[33];
};

/* POST body to /api/v1/certificates/no/what from a loopback address of its own. */
static int proof(int port, const char *no, const char *what, const char *name, const char *id,
                 struct vc_resp *r)
{
    char path[128], body[512], src[32];

    snprintf(path, sizeof(path), "/api/v1/certificates/%s/%s", no, what);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"id_number\":\"%s\"}", name, id);
    snprintf(src, sizeof(src), "127.0.0.%d", next_addr++);
    return vc_http_from(src, port, "POST", path, NULL, body, strlen(body), r);
}

static int is_locked(const struct vc_resp *r)
{
    char retry[16] = "";

    return r->status == 429 && strstr((const char *)r->body, "\"locked\"") != NULL &&
           vc_header(r, "Retry-After", retry, sizeof(retry)) == 0 && atoi(retry) >= 1 &&
           atoi(retry) <= 3600;
}

static int start(struct vc_daemon *d, const char *log)
{
    char err_path[400];
    char *argv[] = {verifier_bin, "--home", home,           "--listen", "127.0.0.1:0",
                    "--threads",  "2",      "--rate-burst", "1",        "--rate-per-minute",
                    "1",          NULL};

    snprintf(err_path, sizeof(err_path), "%s/%s", dir, log);
    return vc_daemon_start(argv, err_path, d);
}

/* Five wrong guesses from five addresses, spread over two daemons, then locked for all. */
static void test_guesses(int a, int b, const struct holder *h, const struct holder *h2)
{
    const char *wrong_id = "110101199003074477";
    struct vc_resp r, locked_wrong, locked_right;
    int i;

    for (i = 0; i < 5; i++) {
        CHECK(proof(i % 2 ? b : a, h->no, "holder-check", h->name, wrong_id, &r) == 0);
        CHECK_INT(r.status, 200);
        CHECK(strstr((const char *)r.body, "\"match\":false") != NULL);
        vc_resp_free(&r);
    }
    /* One wrong guess from one more address: refused although that address is fresh. */
    CHECK(proof(b, h->no, "holder-check", h->name, wrong_id, &locked_wrong) == 0);
    CHECK(is_locked(&locked_wrong));
    /* The right pair, while locked: the very same answer, on either daemon. */
    CHECK(proof(a, h->no, "holder-check", h->name, h->id, &locked_right) == 0);
    CHECK(is_locked(&locked_right));
    CHECK(locked_right.len == locked_wrong.len &&
          memcmp(locked_right.body, locked_wrong.body, locked_wrong.len) == 0);
    CHECK(strstr((const char *)locked_right.body, h->name) == NULL);
    vc_resp_free(&locked_wrong);
    vc_resp_free(&locked_right);
    /* The download of a locked certificate is locked too. */
    CHECK(proof(b, h->no, "pdf", h->name, h->id, &r) == 0);
    CHECK(is_locked(&r));
    vc_resp_free(&r);
    /* Another certificate is untouched: its holder still checks out. */
    CHECK(proof(a, h2->no, "holder-check", h2->name, h2->id, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK(strstr((const char *)r.body, "\"match\":true") != NULL);
    vc_resp_free(&r);
}

/* An unknown number locks after five failures exactly like an issued one. */
static void test_unknown(int port, const struct holder *h)
{
    char unknown[19];
    struct vc_resp r;
    int i;

    memcpy(unknown, "44012026019999999", 17);
    unknown[17] = ident_mod11_2(unknown);
    unknown[18] = '\0';
    for (i = 0; i < 5; i++) {
        CHECK(proof(port, unknown, "holder-check", h->name, h->id, &r) == 0);
        CHECK(r.status == 200 && strstr((const char *)r.body, "\"match\":false") != NULL);
        vc_resp_free(&r);
    }
    CHECK(proof(port, unknown, "holder-check", h->name, h->id, &r) == 0);
    CHECK(is_locked(&r));
    vc_resp_free(&r);
}

/* Name + ID number never yield a PDF: one 403 for the right pair and for an unknown number. */
static void test_pdf(int port, const struct holder *h2)
{
    struct vc_resp right, unknown;
    char no[19] = "44012026018800001";

    no[17] = ident_mod11_2(no);
    CHECK(proof(port, h2->no, "pdf", h2->name, h2->id, &right) == 0);
    CHECK_INT(right.status, 403);
    CHECK(proof(port, no, "pdf", h2->name, h2->id, &unknown) == 0);
    CHECK_INT(unknown.status, 403);
    CHECK(right.len == unknown.len && memcmp(right.body, unknown.body, right.len) == 0);
    vc_resp_free(&right);
    vc_resp_free(&unknown);
}

/* POSTs a claim code and the last 6 of the ID to no's /pdf from an address of its own. */
static int claim_try(int port, const char *no, const char *code, const char *id, struct vc_resp *r)
{
    char path[128], body[256], src[32];

    snprintf(path, sizeof(path), "/api/v1/certificates/%s/pdf", no);
    snprintf(body, sizeof(body), "{\"claim_code\":\"%s\",\"id_last6\":\"%s\"}", code,
             id + strlen(id) - 6);
    snprintf(src, sizeof(src), "127.0.0.%d", next_addr++);
    return vc_http_from(src, port, "POST", path, NULL, body, strlen(body), r);
}

/*
 * The claim code's download shares the certificate's lockout: a right code is
 * refunded, five failures within the hour (test_pdf's name + ID try among
 * them) lock, and then the right code is refused too.
 */
static void test_claim_lock(int port, const struct holder *h2)
{
    char code[15], wrong[15];
    struct vc_resp r;
    int i;

    CHECK(vc_claim(dir, 1, code) == 0);
    snprintf(wrong, sizeof(wrong), "%s", code);
    wrong[13] = wrong[13] == '7' ? '8' : '7';
    CHECK(claim_try(port, h2->no, code, h2->id, &r) == 0);
    CHECK(r.status == 200 && r.len > 4 && memcmp(r.body, "%PDF", 4) == 0);
    vc_resp_free(&r);
    for (i = 0; i < 4; i++) {
        CHECK(claim_try(port, h2->no, wrong, h2->id, &r) == 0);
        CHECK_INT(r.status, 403);
        vc_resp_free(&r);
    }
    CHECK(claim_try(port, h2->no, code, h2->id, &r) == 0);
    CHECK(is_locked(&r));
    vc_resp_free(&r);
}

int main(void)
{
    struct holder h = {0}, h2 = {0};
    struct vc_daemon a = {0}, b = {0}, c = {0};
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    struct vc_resp r;

    snprintf(dir, sizeof(dir), "/tmp/jp-lockout-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(home, sizeof(home), "%s/jianpei-home", dir);
    snprintf(verifier_bin, sizeof(verifier_bin), "%s/jianpei-verifier", JP_BIN_DIR);
    test_portal_rules();
    test_portal_sessions();
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 2) == 0);
    CHECK(vc_holder(dir, 0, h.no, h.name, h.id) == 0 &&
          vc_holder(dir, 1, h2.no, h2.name, h2.id) == 0);
    CHECK(start(&a, "a.log") == 0 && start(&b, "b.log") == 0);
    if (a.port > 0 && b.port > 0) {
        test_guesses(a.port, b.port, &h, &h2);
        test_unknown(a.port, &h);
        test_pdf(b.port, &h2);
        test_claim_lock(a.port, &h2);
    }
    CHECK_INT(vc_daemon_stop(&a), 0);
    CHECK_INT(vc_daemon_stop(&b), 0);
    /* A restart forgets nothing. */
    CHECK(start(&c, "c.log") == 0);
    if (c.port > 0) {
        CHECK(proof(c.port, h.no, "holder-check", h.name, h.id, &r) == 0);
        CHECK(is_locked(&r));
        vc_resp_free(&r);
    }
    CHECK_INT(vc_daemon_stop(&c), 0);
    vc_run(rm, NULL);
    return CHECK_DONE();
}
