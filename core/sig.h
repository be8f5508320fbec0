/* Signals as a descriptor of the loop (signalfd): SIGTERM and SIGINT ask
 * for a clean stop, SIGHUP for a reload of the settings. SIGPIPE is
 * ignored (a write to a closed socket is an error return). Loop thread. */
#ifndef CORE_SIG_H
#define CORE_SIG_H

/* Blocks the handled signals in the calling thread. Call first in main(),
 * before any thread is created, so that every thread inherits the mask and
 * only the signalfd sees them. */
int sig_block(void);
/* Adds the signalfd to the loop. */
int sig_init(void (*on_stop)(int signo), void (*on_reload)(void));
void sig_fini(void);

#endif
