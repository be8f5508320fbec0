/* Hand-off from other threads (the web UI's) to the loop thread.
 *
 * A poster fills a struct cmdq_cmd (on its own stack), posts it and waits.
 * The loop runs cmd->run on the loop thread; run either finishes the
 * command at once with cmdq_done(), or later (typically from a store
 * waiter, once its change is committed). The queue is a mutex-protected
 * list with an eventfd that is written only on the empty -> non-empty
 * transition.
 *
 * Timeout contract: cmdq_call() returns -ETIMEDOUT only for a command that
 * the loop has not started; the command is then withdrawn and has changed
 * nothing. Once started, the poster waits until cmdq_done(): the loop
 * never blocks, so that is at most a few iterations. */
#ifndef CORE_CMDQ_H
#define CORE_CMDQ_H

#include <stdbool.h>

struct cmdq_cmd;
typedef void (*cmdq_run_fn)(struct cmdq_cmd *cmd);

struct cmdq_cmd {
	cmdq_run_fn run;
	void *arg;
	int result;
	/* The queue's own fields. */
	struct cmdq_cmd *next;
	int state;
};

/* Loop thread, before any poster exists: creates the eventfd and adds it
 * to the loop. max bounds the queued commands. */
int cmdq_init(unsigned max);
void cmdq_fini(void);
/* Any thread but the loop's: queue cmd and wait up to timeout_ms for it to
 * be done. Returns cmd->result, -ETIMEDOUT (see above), -EAGAIN when max
 * commands are already queued, or -ESHUTDOWN when the loop has stopped
 * taking commands. */
int cmdq_call(struct cmdq_cmd *cmd, int timeout_ms);
/* Loop thread: cmd is finished with result; its poster wakes up. */
void cmdq_done(struct cmdq_cmd *cmd, int result);
/* Loop thread, at shutdown: refuse further posts, withdraw queued ones. */
void cmdq_shutdown(void);

#endif
