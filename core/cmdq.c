#include "core/cmdq.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"

enum { CMD_QUEUED = 1, CMD_RUNNING, CMD_DONE, CMD_WITHDRAWN };

static pthread_mutex_t q_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond;
static struct cmdq_cmd *q_head;
static struct cmdq_cmd **q_tail = &q_head;
static unsigned q_len;
static unsigned q_max;
static bool q_open;
static int q_efd = -1;
static bool q_cond_ready;
static struct loop_fd q_watch;

static void unlink_cmd(struct cmdq_cmd *cmd)
{
	struct cmdq_cmd **pp = &q_head;

	while (*pp && *pp != cmd) {
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = cmd->next;
		if (q_tail == &cmd->next) {
			q_tail = pp;
		}
		q_len--;
	}
}

static void on_event(struct loop_fd *w, unsigned events)
{
	uint64_t v;
	struct cmdq_cmd *list;

	(void)events;
	if (read(w->fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		log_error("cmdq: eventfd read: %d", errno);
	}
	pthread_mutex_lock(&q_mutex);
	list = q_head;
	q_head = NULL;
	q_tail = &q_head;
	q_len = 0;
	for (struct cmdq_cmd *c = list; c; c = c->next) {
		c->state = CMD_RUNNING;
	}
	pthread_mutex_unlock(&q_mutex);
	while (list) {
		struct cmdq_cmd *c = list;
		list = c->next; /* read before run: done may free it */
		c->run(c);
	}
}

int cmdq_init(unsigned max)
{
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q_cond, &ca);
	pthread_condattr_destroy(&ca);
	q_cond_ready = true;
	q_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q_efd < 0) {
		return -errno;
	}
	rc = loop_fd_add(&q_watch, q_efd, LOOP_IN, on_event, NULL);
	if (rc < 0) {
		close(q_efd);
		q_efd = -1;
		return rc;
	}
	q_max = max;
	q_open = true;
	return 0;
}

void cmdq_shutdown(void)
{
	if (!q_cond_ready) {
		return;
	}
	pthread_mutex_lock(&q_mutex);
	q_open = false;
	for (struct cmdq_cmd *c = q_head; c; c = c->next) {
		c->state = CMD_WITHDRAWN;
		c->result = -ESHUTDOWN;
	}
	q_head = NULL;
	q_tail = &q_head;
	q_len = 0;
	pthread_cond_broadcast(&q_cond);
	pthread_mutex_unlock(&q_mutex);
}

void cmdq_fini(void)
{
	cmdq_shutdown();
	if (q_efd >= 0) {
		loop_fd_del(&q_watch);
		close(q_efd);
		q_efd = -1;
	}
	if (q_cond_ready) {
		pthread_cond_destroy(&q_cond);
		q_cond_ready = false;
	}
}

int cmdq_call(struct cmdq_cmd *cmd, int timeout_ms)
{
	struct timespec until;
	bool wake;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&q_mutex);
	if (!q_open) {
		pthread_mutex_unlock(&q_mutex);
		return -ESHUTDOWN;
	}
	if (q_len >= q_max) {
		pthread_mutex_unlock(&q_mutex);
		return -EAGAIN;
	}
	cmd->next = NULL;
	cmd->state = CMD_QUEUED;
	cmd->result = 0;
	wake = q_head == NULL;
	*q_tail = cmd;
	q_tail = &cmd->next;
	q_len++;
	if (wake) {
		uint64_t one = 1;
		if (write(q_efd, &one, sizeof(one)) < 0) {
			log_error("cmdq: eventfd write: %d", errno);
		}
	}
	while (cmd->state == CMD_QUEUED || cmd->state == CMD_RUNNING) {
		int w = pthread_cond_timedwait(&q_cond, &q_mutex, &until);
		if (w == ETIMEDOUT && cmd->state == CMD_QUEUED) {
			unlink_cmd(cmd);
			cmd->state = CMD_WITHDRAWN;
			cmd->result = -ETIMEDOUT;
		} else if (w == ETIMEDOUT) {
			/* Started: it finishes within an iteration or two. */
			pthread_cond_wait(&q_cond, &q_mutex);
		}
	}
	rc = cmd->result;
	pthread_mutex_unlock(&q_mutex);
	return rc;
}

void cmdq_done(struct cmdq_cmd *cmd, int result)
{
	pthread_mutex_lock(&q_mutex);
	cmd->result = result;
	cmd->state = CMD_DONE;
	pthread_cond_broadcast(&q_cond);
	pthread_mutex_unlock(&q_mutex);
}
