/*
 * cli_signals.c - the stop signals of the programs' long-running commands
 * (cli.h): jianpei-verifier's daemon and jianpei-issuer tsa wait for SIGTERM
 * or SIGINT with sigwait on their main thread.
 */
#include "cli.h"

#include <pthread.h>
#include <signal.h>

void cli_block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}
