// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Run on the host by "make -C lib check" (C, C with the libc overlay, and
 * C++ with it): QNX's event vocabulary and glibc's share one struct
 * sigevent.  glibc's timer_create must still deliver glibc's kinds built
 * with QNX's macros, must refuse QNX's own kinds rather than misread them,
 * and the fields must sit where lib/include/sys/siginfo.h documents them.
 * Prints TAP; exits non-zero on any failure.
 */
#include <signal.h>
#include <time.h>
#include <sys/neutrino.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int tests, failures;

#define CHECK(cond)							\
	do {								\
		++tests;						\
		if (cond) {						\
			printf("ok %d - %s\n", tests, #cond);		\
		} else {						\
			++failures;					\
			printf("not ok %d - %s (line %d)\n", tests, #cond, __LINE__); \
		}							\
	} while (0)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static void *notified;

static void on_expiry(union sigval v)
{
	pthread_mutex_lock(&lock);
	notified = v.sival_ptr;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

static int arm(timer_t timer)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 1000000;
	return timer_settime(timer, 0, &its, NULL);
}

/* timer_create's verdict on ev: 0, or the errno it failed with. */
static int timer_verdict(struct sigevent *ev)
{
	timer_t timer;

	if (timer_create(CLOCK_MONOTONIC, ev, &timer) != 0)
		return errno;
	timer_delete(timer);
	return 0;
}

/* Arms a one-shot SIGUSR1 timer described by ev; the value it delivered. */
static int fire_signal(struct sigevent *ev, siginfo_t *info)
{
	struct timespec wait = { 5, 0 };
	sigset_t set;
	timer_t timer;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (timer_create(CLOCK_MONOTONIC, ev, &timer) != 0)
		return -1;
	sig = arm(timer) == 0 ? sigtimedwait(&set, info, &wait) : -1;
	timer_delete(timer);
	return sig;
}

static void layout(void)
{
	struct sigevent ev;

	/* glibc's struct, unchanged: sigev_code and priority live in its padding. */
	CHECK(sizeof(struct sigevent) == 64);
	CHECK(offsetof(struct sigevent, sigev_value) == 0);
	CHECK(offsetof(struct sigevent, sigev_coid) == offsetof(struct sigevent, sigev_signo));
	CHECK(offsetof(struct sigevent, sigev_code) >= offsetof(struct sigevent, sigev_notify) + sizeof(int));
	CHECK(offsetof(struct sigevent, sigev_priority) == offsetof(struct sigevent, sigev_code) + sizeof(int));
	CHECK(offsetof(struct sigevent, sigev_handle) == offsetof(struct sigevent, sigev_priority) + sizeof(int));
#if __SIZEOF_POINTER__ == 8
	CHECK(offsetof(struct sigevent, sigev_handle) == 24);
	CHECK(offsetof(struct sigevent, sigev_signo) == 8);
	CHECK(offsetof(struct sigevent, sigev_notify) == 12);
	CHECK(offsetof(struct sigevent, sigev_code) == 16);
	CHECK(offsetof(struct sigevent, sigev_priority) == 20);
	/* QNX's 64-bit pulse: 24 bytes, value at 8, scoid at 16. */
	CHECK(sizeof(struct _pulse) == 24);
	CHECK(offsetof(struct _pulse, value) == 8);
	CHECK(offsetof(struct _pulse, scoid) == 16);
#endif
	CHECK(offsetof(struct _pulse, code) == 4);
	CHECK(sizeof(struct _msg_info64) == 64);
	CHECK(offsetof(struct _msg_info64, priority) == 28);
	CHECK(offsetof(struct _msg_info64, msglen) == 32);
	CHECK(offsetof(struct _msg_info64, type_id) == 56);

	memset(&ev, 0, sizeof(ev));
	ev.sigev_coid = 7;
	CHECK(ev.sigev_signo == 7);
}

static void kinds(void)
{
	const int qnx[] = { SIGEV_SIGNAL_CODE, SIGEV_SIGNAL_THREAD, SIGEV_PULSE,
			    SIGEV_UNBLOCK, SIGEV_INTR };
	const int glibc[] = { SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID };
	int collide = 0;
	size_t i, j;

	for (i = 0; i < sizeof(qnx) / sizeof(qnx[0]); i++)
		for (j = 0; j < sizeof(glibc) / sizeof(glibc[0]); j++)
			collide += (qnx[i] & SIGEV_TYPE_MASK) == glibc[j];
	CHECK(collide == 0);
	CHECK(SIGEV_SIGNAL_CODE == 0x82 && SIGEV_SIGNAL_THREAD == 0x83 && SIGEV_PULSE == 0x84);
	CHECK(SIGEV_UNBLOCK == 0x85 && SIGEV_INTR == 0x86);
	CHECK(SIGEV_FLAG_UPDATEABLE == 0x400 && SIGEV_FLAG_SIVAL_INT == 0x800);
	CHECK(SIGEV_PULSE_PRIO_INHERIT == -1);
}

static void macros(void)
{
	struct sigevent ev;
	int marker;

	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, 0x40000001, SIGEV_PULSE_PRIO_INHERIT, _PULSE_CODE_MINAVAIL + 3, &marker);
	CHECK(ev.sigev_notify == SIGEV_PULSE);
	CHECK(ev.sigev_coid == 0x40000001);
	CHECK(ev.sigev_priority == -1);
	CHECK(ev.sigev_code == 3);
	CHECK(ev.sigev_value.sival_ptr == &marker);

	SIGEV_MAKE_UPDATEABLE(&ev);
	CHECK(ev.sigev_notify == (SIGEV_PULSE | SIGEV_FLAG_UPDATEABLE));
	CHECK(SIGEV_GET_TYPE(&ev) == SIGEV_PULSE);
	SIGEV_SET_TYPE(&ev, SIGEV_SIGNAL_CODE);
	CHECK(SIGEV_GET_TYPE(&ev) == SIGEV_SIGNAL_CODE && (ev.sigev_notify & SIGEV_FLAG_UPDATEABLE));
	SIGEV_CLEAR_UPDATEABLE(&ev);
	CHECK(ev.sigev_notify == SIGEV_SIGNAL_CODE);

	SIGEV_PULSE_INT_INIT(&ev, 3, 10, 5, -2);
	CHECK(SIGEV_GET_TYPE(&ev) == SIGEV_PULSE && (ev.sigev_notify & SIGEV_FLAG_SIVAL_INT));
	CHECK(ev.sigev_value.sival_int == -2 && ev.sigev_priority == 10);

	SIGEV_SIGNAL_THREAD_INIT(&ev, SIGUSR2, 9, -7);
	CHECK(ev.sigev_notify == SIGEV_SIGNAL_THREAD && ev.sigev_signo == SIGUSR2);
	CHECK(ev.sigev_value.sival_int == 9 && ev.sigev_code == -7);

	SIGEV_UNBLOCK_INIT(&ev);
	CHECK(SIGEV_GET_TYPE(&ev) == SIGEV_UNBLOCK);
}

/* glibc's kinds, built with QNX's macros, still work with glibc's calls. */
static void glibc_delivers(void)
{
	struct timespec until;
	struct sigevent ev;
	siginfo_t info;
	int marker, rc = 0;

	memset(&ev, 0, sizeof(ev));
	SIGEV_SIGNAL_VALUE_INT_INIT(&ev, SIGUSR1, 42);
	CHECK(fire_signal(&ev, &info) == SIGUSR1 && info.si_value.sival_int == 42);

	memset(&ev, 0, sizeof(ev));
	SIGEV_SIGNAL_VALUE_INIT(&ev, SIGUSR1, &marker);
	CHECK(fire_signal(&ev, &info) == SIGUSR1 && info.si_value.sival_ptr == &marker);

	memset(&ev, 0, sizeof(ev));
	SIGEV_SIGNAL_INIT(&ev, SIGUSR1);
	CHECK(fire_signal(&ev, &info) == SIGUSR1 && info.si_code == SI_TIMER);

	memset(&ev, 0, sizeof(ev));
	SIGEV_NONE_INIT(&ev);
	CHECK(timer_verdict(&ev) == 0);

	memset(&ev, 0, sizeof(ev));
	SIGEV_THREAD_INIT(&ev, on_expiry, &marker, NULL);
	{
		timer_t timer;

		CHECK(timer_create(CLOCK_MONOTONIC, &ev, &timer) == 0 && arm(timer) == 0);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		pthread_mutex_lock(&lock);
		while (!notified && rc == 0)
			rc = pthread_cond_timedwait(&cond, &lock, &until);
		pthread_mutex_unlock(&lock);
		CHECK(notified == &marker);
		timer_delete(timer);
	}
}

/* QNX's kinds and flags are refused by glibc's calls, never misread. */
static void glibc_refuses(void)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, 1, 10, 1, 0);
#ifdef LIBCHAN_OVERLAY
	/* The overlay's timer_create hands a pulse to libchan: no module on the host. */
	CHECK(timer_verdict(&ev) == ENOENT);
#else
	CHECK(timer_verdict(&ev) == EINVAL);
#endif
	SIGEV_SIGNAL_CODE_INIT(&ev, SIGUSR1, 0, 1);
	CHECK(timer_verdict(&ev) == EINVAL);
	SIGEV_SIGNAL_THREAD_INIT(&ev, SIGUSR1, 0, 1);
	CHECK(timer_verdict(&ev) == EINVAL);
	SIGEV_UNBLOCK_INIT(&ev);
	CHECK(timer_verdict(&ev) == EINVAL);
	SIGEV_INTR_INIT(&ev);
	CHECK(timer_verdict(&ev) == EINVAL);
	SIGEV_SIGNAL_INIT(&ev, SIGUSR1);
	SIGEV_MAKE_UPDATEABLE(&ev);
	CHECK(timer_verdict(&ev) == EINVAL);
}

#ifdef LIBCHAN_OVERLAY
/* QNX 7.1's sival_long: same union, and the kernel carries all its bits. */
static void sival_long(void)
{
	struct sigevent ev;
	siginfo_t info;
	union sigval v;

	CHECK(sizeof(union sigval) == sizeof(void *));
	v.sival_long = -5L;
	CHECK(v.sival_ptr == (void *)(intptr_t)-5);

	memset(&ev, 0, sizeof(ev));
	SIGEV_SIGNAL_INIT(&ev, SIGUSR1);
	ev.sigev_value.sival_long = (long)(~0UL / 3);
	CHECK(fire_signal(&ev, &info) == SIGUSR1 && info.si_value.sival_long == (long)(~0UL / 3));
}
#endif

int main(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	layout();
	kinds();
	macros();
	glibc_delivers();
	glibc_refuses();
#ifdef LIBCHAN_OVERLAY
	sival_long();
#endif
	printf("1..%d\n# sigevent_test: %d of %d checks failed\n", tests, failures, tests);
	return failures != 0;
}
