/*
 * test_powercut.c - power-cut style test of issuing: while one issue run of
 * 2,000 records goes on, it is frozen (SIGSTOP) at random instants - inside
 * or between write transactions - and the store files are copied exactly as
 * they stand, which is what a disk holds when the power goes at that instant;
 * then the run continues (SIGCONT). Every copy must open, pass the store check
 * and the audit chain, and hold only whole certificates (each with its PDF);
 * the run itself must finish with all 2,000.
 */
#include "capture.h"
#include "check.h"
#include "issuer_cli.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RECORDS 2000
#define CUTS 10

static char dir[64];

/* Copies the frozen store into DIR/cutN as a home of its own. */
static void snapshot(int n)
{
    CHECK_INT(sh("mkdir -p -m 700 %s/cut%d/store && cp %s/home/config.json %s/cut%d/ && "
                 "cp %s/home/store/data.mdb %s/cut%d/store/",
                 dir, n, dir, dir, n, dir, dir, n),
              0);
}

static void verify_copy(int n, long *last)
{
    char home[128], out[4096];
    long c;

    snprintf(home, sizeof home, "%s/cut%d", dir, n);
    CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 0);
    CHECK_INT(sh_out(out, sizeof out, ISSUER " --home %s audit verify", home), 0);
    CHECK(strstr(out, "intact") != NULL);
    c = issuer_certificates(home);
    CHECK(c >= *last && c <= RECORDS); /* later cuts never have fewer */
    *last = c;
}

int main(void)
{
    struct timespec ts;
    long last = 0;
    pid_t pid;
    int st;

    srand(20261125);
    snprintf(dir, sizeof dir, "/tmp/jp-powercut-XXXXXX");
    if (issuer_workdir(dir, RECORDS, 5) != 0)
        return 1;
    pid = fork();
    if (pid == 0) {
        char home[96], in[96];
        snprintf(home, sizeof home, "%s/home", dir);
        snprintf(in, sizeof in, "%s/in.jsonl", dir);
        cap_redirect_stderr();
        execl(ISSUER, ISSUER, "--home", home, "issue", "--input", in, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < CUTS; i++) {
        ts.tv_sec = 0;
        ts.tv_nsec = (50 + rand() % 350) * 1000000L;
        nanosleep(&ts, NULL); /* a random instant of the run, not a synchronisation */
        if (kill(pid, SIGSTOP) != 0)
            break; /* the run already ended */
        waitpid(pid, &st, WUNTRACED);
        snapshot(i);
        kill(pid, SIGCONT);
        verify_copy(i, &last);
    }
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    fprintf(stderr, "%d cuts, the last held %ld certificates\n", CUTS, last);
    CHECK_INT(issuer_certificates(dir), -1); /* dir itself is no home: the helper can fail */
    {
        char home[96];
        snprintf(home, sizeof home, "%s/home", dir);
        CHECK_INT(issuer_certificates(home), RECORDS);
        CHECK_INT(sh(ISSUER " --home %s check >/dev/null", home), 0);
    }
    if (check_failed == 0)
        sh("rm -rf %s", dir);
    return CHECK_DONE();
}
