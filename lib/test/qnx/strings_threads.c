// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A QNX-style program using what QNX's libc has beyond glibc's (written
 * from the QNX C Library Reference: strlcpy, strlcat, strupr, strlwr, itoa,
 * delay, getprio/setprio, and pthread_create with a NULL thread argument).
 * It runs without the qchan module, and "make -C lib check" runs it: the
 * exit status says whether every call behaved as QNX documents.
 */
#include <errno.h>
#include <process.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS	4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static char names[WORKERS][16];
static int done;

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	char digits[8];

	strlcpy(names[id], "worker-", sizeof(names[id]));
	strlcat(names[id], itoa(id, digits, 10), sizeof(names[id]));
	delay(5);
	pthread_mutex_lock(&lock);
	done++;
	pthread_cond_signal(&done_cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int expect(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	return ok ? 0 : 1;
}

/*
 * setprio() to a real-time priority makes a SCHED_OTHER thread SCHED_RR,
 * as QNX's default policy is, and 0 takes it back: where the caller may
 * (root, CAP_SYS_NICE or RLIMIT_RTPRIO); elsewhere EPERM, and no change.
 */
static int setprio_rt(void)
{
	int bad = 0, old;

	errno = 0;
	old = setprio(0, 5);
	if (old == -1) {
		bad += expect(errno == EPERM && sched_getscheduler(0) == SCHED_OTHER,
			      "setprio(0, 5) unprivileged: EPERM, still SCHED_OTHER");
		return bad;
	}
	bad += expect(old == 0, "setprio(0, 5) returns the old priority 0");
	bad += expect(getprio(0) == 5 && sched_getscheduler(0) == SCHED_RR,
		      "setprio(0, 5): SCHED_RR at 5");
	bad += expect(setprio(0, 7) == 5 && getprio(0) == 7 && sched_getscheduler(0) == SCHED_RR,
		      "setprio(0, 7) of a SCHED_RR thread: 7, still SCHED_RR");
	bad += expect(setprio(0, old) == 7 && getprio(0) == 0 &&
		      sched_getscheduler(0) == SCHED_OTHER,
		      "setprio(0, old) undoes it: SCHED_OTHER again");
	return bad;
}

int main(void)
{
	char small[8], buf[40];
	pthread_attr_t attr;
	int i, bad = 0;

	bad += expect(strlcpy(small, "truncated text", sizeof(small)) == 14 &&
		      strcmp(small, "truncat") == 0, "strlcpy truncates, returns strlen(src)");
	bad += expect(strlcpy(small, "abc", 0) == 3 && strcmp(small, "truncat") == 0,
		      "strlcpy with size 0 writes nothing");
	strlcpy(buf, "pid ", sizeof(buf));
	bad += expect(strlcat(buf, itoa(getpid(), small, 10), sizeof(buf)) == strlen(buf),
		      "strlcat returns the length it made");
	bad += expect(strlcat(small, "xyz", 3) == 3 + 3, "strlcat into a full buffer");
	bad += expect(strcmp(itoa(-255, buf, 16), "ffffff01") == 0, "itoa radix 16 of -255");
	bad += expect(strcmp(itoa(-255, buf, 10), "-255") == 0, "itoa radix 10 of -255");
	bad += expect(strcmp(ultoa(255UL, buf, 2), "11111111") == 0, "ultoa radix 2");
	bad += expect(strcmp(lltoa(-9223372036854775807LL - 1, buf, 10),
			     "-9223372036854775808") == 0, "lltoa of LLONG_MIN");
	errno = 0;
	bad += expect(itoa(1, buf, 37)[0] == '\0' && errno == EINVAL, "itoa radix 37: EINVAL");
	bad += expect(delay(1) == 0, "delay(1) returns 0");
	/* A SCHED_OTHER thread: priority 0, what qchan reports for its messages. */
	bad += expect(getprio(0) == 0 && getprio(getpid()) == 0, "getprio: 0 under SCHED_OTHER");
	bad += expect(setprio(0, 0) == 0 && sched_getscheduler(0) == SCHED_OTHER,
		      "setprio(0, 0) returns the old priority, stays SCHED_OTHER");
	bad += setprio_rt();
	errno = 0;
	bad += expect(setprio(0, 100) == -1 && errno == EINVAL, "setprio(0, 100): EINVAL");
	errno = 0;
	bad += expect(setprio(0, -1) == -1 && errno == EINVAL, "setprio(0, -1): EINVAL");
	bad += expect(getprio(0) == 0 && sched_getscheduler(0) == SCHED_OTHER,
		      "a failed setprio changes nothing");
	errno = 0;
	bad += expect(getprio(-1) == -1 && errno == EINVAL, "getprio(-1): EINVAL");
	strlcpy(buf, "Mixed Case 123 _x", sizeof(buf));
	bad += expect(strupr(buf) == buf && strcmp(buf, "MIXED CASE 123 _X") == 0, "strupr");
	bad += expect(strlwr(buf) == buf && strcmp(buf, "mixed case 123 _x") == 0, "strlwr");
	buf[0] = '\0';
	bad += expect(strupr(buf) == buf && buf[0] == '\0', "strupr of an empty string");

	/* QNX lets the thread argument be NULL when nobody needs the id. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < WORKERS; i++)
		bad += expect(pthread_create(NULL, &attr, worker, (void *)(long)i) == EOK,
			      "pthread_create(NULL, ...)");
	pthread_attr_destroy(&attr);
	pthread_mutex_lock(&lock);
	while (done < WORKERS)
		pthread_cond_wait(&done_cond, &lock);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < WORKERS; i++) {
		snprintf(buf, sizeof(buf), "worker-%d", i);
		bad += expect(strcmp(names[i], buf) == 0, "each worker named itself");
	}
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
