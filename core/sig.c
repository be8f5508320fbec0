#include "core/sig.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"

static int sig_fd = -1;
static struct loop_fd sig_watch;
static void (*sig_on_stop)(int);
static void (*sig_on_reload)(void);

static void handled(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int sig_block(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	handled(&set);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void on_signal(struct loop_fd *w, unsigned events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading settings");
			sig_on_reload();
		} else {
			log_info("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			sig_on_stop((int)si.ssi_signo);
		}
	}
}

int sig_init(void (*on_stop)(int signo), void (*on_reload)(void))
{
	sigset_t set;
	int rc;

	handled(&set);
	sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0) {
		return -errno;
	}
	sig_on_stop = on_stop;
	sig_on_reload = on_reload;
	rc = loop_fd_add(&sig_watch, sig_fd, LOOP_IN, on_signal, NULL);
	if (rc < 0) {
		close(sig_fd);
		sig_fd = -1;
	}
	return rc;
}

void sig_fini(void)
{
	if (sig_fd >= 0) {
		loop_fd_del(&sig_watch);
		close(sig_fd);
		sig_fd = -1;
	}
}
