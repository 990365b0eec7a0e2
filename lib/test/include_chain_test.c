// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What one QNX header brings with it.  QNX code written by others relies on
 * QNX's own include chains (docs/COMPAT.md): a name_attach server tests
 * _IO_CONNECT having included only <sys/dispatch.h>, a calculator server
 * uses INT_MAX with only <sys/neutrino.h>, a signal lab declares a
 * sig_atomic_t with only <stdlib.h>.  Compiled once per -DCHAIN_* (lib/Makefile),
 * each case including nothing but the header under test.
 */
#if defined(CHAIN_DISPATCH)
#include <sys/dispatch.h>

/* <sys/resmgr.h> -> <sys/iomsg.h>, <pthread.h>, <time.h>, <signal.h>. */
int chain_dispatch(const struct _pulse *hdr, pthread_t *t);
int chain_dispatch(const struct _pulse *hdr, pthread_t *t)
{
	struct timespec ts = { 0, 0 };
	sigset_t set;

	(void)t;
	sigemptyset(&set);
	if (hdr->type == _IO_CONNECT)
		return ts.tv_nsec == 0 ? (int)sizeof(struct _io_connect) : 1;
	return hdr->type > _IO_BASE && hdr->type <= _IO_MAX;
}

#elif defined(CHAIN_NEUTRINO)
#include <sys/neutrino.h>

/* <limits.h>, <sched.h>, <time.h>, <signal.h>. */
int chain_neutrino(int a, int b);
int chain_neutrino(int a, int b)
{
	struct sched_param sp;
	struct timespec ts = { 0, 0 };
	volatile sig_atomic_t flag = SIGUSR1;

	(void)ts;
	(void)flag;
	sp.sched_priority = 0;
	if (b > 0 && a > INT_MAX - b)
		return INT_MIN;
	return sp.sched_priority + CHAR_BIT + sched_get_priority_max(SCHED_FIFO) * 0;
}

#elif defined(CHAIN_STDLIB)
#include <stdlib.h>

/* The overlay's <stdlib.h>: QNX's includes <sys/wait.h>, and so <signal.h>. */
static volatile sig_atomic_t chain_flag;

static void chain_handler(int sig)
{
	chain_flag = sig;
}

int chain_stdlib(void);
int chain_stdlib(void)
{
	struct sigaction sa;

	sa.sa_handler = chain_handler;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) + WNOHANG * 0 + (int)chain_flag;
}

#else
#error "compile with -DCHAIN_DISPATCH, -DCHAIN_NEUTRINO or -DCHAIN_STDLIB"
#endif
