/*
 * notify.h - `jianpei-training notify` (notify.c): the program's command that
 * queues reminders and review outcomes in the outbox and sends each once to a
 * webhook. Internal to jianpei-training; main.c dispatches to it.
 */
#ifndef JP_TRAINING_NOTIFY_H
#define JP_TRAINING_NOTIFY_H

/*
 * Runs `notify` with argv[0] = "notify" and its options (--home already taken
 * out of argv; home_flag is its value or NULL). Returns the exit status: 0,
 * 1 refused (actor), 2 usage, 3 failure.
 */
int notify_main(int argc, char **argv, const char *home_flag);

#endif
