#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "core/cmdq.h"
#include "core/loop.h"
#include "tests/unit/unit.h"

struct poster {
	pthread_t th;
	struct cmdq_cmd cmd;
	int timeout_ms;
	int rc;
};

static int ran_on_loop;
static pthread_t loop_thread;

static void run_add(struct cmdq_cmd *cmd)
{
	ran_on_loop += pthread_equal(pthread_self(), loop_thread) ? 1 : 100;
	cmdq_done(cmd, (int)(intptr_t)cmd->arg + 1);
}

static void *post(void *arg)
{
	struct poster *p = arg;
	p->rc = cmdq_call(&p->cmd, p->timeout_ms);
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void call_runs_on_loop_thread(void)
{
	struct poster p = { .cmd = { .run = run_add, .arg = (void *)41 }, .timeout_ms = 10000 };

	CHECK_INT(loop_init(4, 4), 0);
	CHECK_INT(cmdq_init(4), 0);
	loop_thread = pthread_self();
	ran_on_loop = 0;
	pthread_create(&p.th, NULL, post, &p);
	/* run iterations until the command is done */
	for (int i = 0; i < 200 && ran_on_loop == 0; i++) {
		loop_once(50);
	}
	pthread_join(p.th, NULL);
	CHECK_INT(ran_on_loop, 1);
	CHECK_INT(p.rc, 42);
	cmdq_fini();
	loop_fini();
}

static void timeout_withdraws_and_full_queue_refuses(void)
{
	struct poster a = { .cmd = { .run = run_add }, .timeout_ms = 300 };
	struct poster b = { .cmd = { .run = run_add }, .timeout_ms = 300 };

	CHECK_INT(loop_init(4, 4), 0);
	CHECK_INT(cmdq_init(1), 0);
	loop_thread = pthread_self();
	ran_on_loop = 0;
	pthread_create(&a.th, NULL, post, &a);
	sleep_ms(100); /* a is queued; the loop does not run */
	pthread_create(&b.th, NULL, post, &b);
	pthread_join(b.th, NULL);
	CHECK_INT(b.rc, -EAGAIN);
	pthread_join(a.th, NULL);
	CHECK_INT(a.rc, -ETIMEDOUT);
	/* the withdrawn command never runs */
	loop_once(0);
	CHECK_INT(ran_on_loop, 0);
	cmdq_shutdown();
	CHECK_INT(cmdq_call(&a.cmd, 10), -ESHUTDOWN);
	cmdq_fini();
	loop_fini();
}

UNIT_SUITE(cmdq, UNIT_TEST(call_runs_on_loop_thread),
	UNIT_TEST(timeout_withdraws_and_full_queue_refuses));
