/*
 * test_issue_crash.c - kill -9 the issuer at random moments of a 2,000-record
 * run, ten times. After each kill the store must open, the audit chain verify,
 * the store check pass, and no certificate be duplicated or half-present;
 * rerunning the same input to the end must leave exactly 2,000 certificates.
 * Under scripts/test-pkcs11.sh the SoftHSM2 token's files are put back after
 * each kill: SoftHSM2's file store rewrites token.object in place at every
 * login, and a kill in that window loses the token (SoftHSM2's own fault, not
 * the store's, which is what this test is about; a real HSM keeps its state).
 */
#include "capture.h"
#include "check.h"
#include "issuer_cli.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RECORDS 2000
#define KILLS 10

static char dir[64], home[128];

/* Saves (restore 0) or puts back (restore 1) the SoftHSM2 token directory, when there is one. */
static void token_files(int restore)
{
    if (getenv("SOFTHSM2_CONF") == NULL)
        return;
    if (restore)
        CHECK_INT(sh("d=$(dirname \"$SOFTHSM2_CONF\")/tokens && rm -rf \"$d\" && "
                     "mv \"$d.saved\" \"$d\""),
                  0);
    else
        CHECK_INT(sh("d=$(dirname \"$SOFTHSM2_CONF\")/tokens && rm -rf \"$d.saved\" && "
                     "cp -a \"$d\" \"$d.saved\""),
                  0);
}

/* Starts an issue run of the whole input and kills it after delay_ms. */
static void run_and_kill(long delay_ms)
{
    struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    pid_t pid;
    int st;

    token_files(0);
    pid = fork();
    if (pid == 0) {
        char in[160];
        snprintf(in, sizeof in, "%s/in.jsonl", dir);
        cap_redirect_stderr();
        execl(ISSUER, ISSUER, "--home", home, "issue", "--input", in, (char *)NULL);
        _exit(127);
    }
    nanosleep(&ts, NULL); /* the random moment of the crash, not a synchronisation */
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    token_files(1);
}

static void check_consistent(long *prev)
{
    long n = issuer_certificates(home);

    CHECK(n >= *prev && n <= RECORDS); /* nothing committed is lost */
    *prev = n;
    CHECK_INT(sh(ISSUER " --home %s audit verify >/dev/null", home), 0);
    CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 0);
}

int main(void)
{
    long prev = 0;
    char out[4096], path[160];

    srand(20261124);
    snprintf(dir, sizeof dir, "/tmp/jp-crash-XXXXXX");
    if (issuer_workdir(dir, RECORDS, 7) != 0)
        return 1;
    snprintf(home, sizeof home, "%s/home", dir);
    for (int i = 0; i < KILLS; i++) {
        run_and_kill(100 + rand() % 900);
        check_consistent(&prev);
    }
    fprintf(stderr, "after %d kills: %ld certificates committed\n", KILLS, prev);
    /* Finish the run: exactly RECORDS certificates, each number once. */
    CHECK_INT(sh(ISSUER " --home %s issue --input %s/in.jsonl "
                        "--report %s/r.json",
                 home, dir, dir),
              0);
    snprintf(path, sizeof path, "%s/r.json", dir);
    CHECK_INT(cap_file(path, "report.json"), 0);
    CHECK_INT(issuer_certificates(home), RECORDS);
    CHECK_INT(sh_out(out, sizeof out,
                     "python3 -c \"import json;r=json.load(open('%s/r.json'));"
                     "n=[x['certificate_no'] for x in r['issued']+r['already_issued']];"
                     "print(len(n), len(set(n)))\"",
                     dir),
              0);
    CHECK_STR(out, "2000 2000\n");
    CHECK_INT(sh(ISSUER " --home %s audit verify >/dev/null", home), 0);
    CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 0);
    if (check_failed == 0)
        sh("rm -rf %s", dir);
    return CHECK_DONE();
}
