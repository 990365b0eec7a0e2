// SPDX-License-Identifier: GPL-2.0
/*
 * prio_bench: what priority inheritance buys a high-priority client.
 *
 * One CPU (every thread pinned to CPU 0), one server thread (SCHED_FIFO 10)
 * that spends --work-us of CPU on each request, --flooders low-priority
 * clients (SCHED_FIFO 20) sending back to back, a CPU hog (SCHED_FIFO 30)
 * that burns --hog-us every --hog-period-us, and one client at SCHED_FIFO 50
 * that sends every --period-us and records its round trip.  Run with and
 * without _NTO_CHF_FIXED_PRIORITY (--mode inherit|fixed|both): with
 * inheritance the high client's wait is the server's work (its own request,
 * plus at most the flood request being served); without it the server, and
 * so the high client, waits behind the hog and the flood.
 *
 * Output, one line per mode (round trips in microseconds, wall clock):
 *   prio_bench,<mode>,<n>,<p50>,<p99>,<max>,<mean>,<flood round trips>,<hog runs>
 *
 * Run it in a guest: scripts/vm run --kernel 6.1 --file build/bench/prio_bench -- ./prio_bench
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

static int opt_work_us = 200;
static int opt_flooders = 3;
static int opt_hog_us = 5000;
static int opt_hog_period_us = 10000;
static int opt_period_us = 2000;
static int opt_n = 500;

static _Atomic bool stop;
static _Atomic long flood_trips, hog_runs;

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void spin_cpu_us(int us)
{
	long long end = now_ns(CLOCK_THREAD_CPUTIME_ID) + us * 1000LL;

	while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		;
}

static void sleep_until(long long t)
{
	struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("sched_setscheduler");
		exit(2);
	}
}

struct chan {
	int chid;
	int coid;
};

static void *server_fn(void *arg)
{
	struct chan *c = arg;
	int msg, rcvid;

	fifo(10);
	for (;;) {
		rcvid = MsgReceive(c->chid, &msg, sizeof(msg), NULL);
		if (rcvid < 0)
			return NULL;
		if (rcvid == 0) {	/* the stop pulse */
			if (atomic_load(&stop))
				return NULL;
			continue;
		}
		spin_cpu_us(opt_work_us);
		MsgReply(rcvid, 0, &msg, sizeof(msg));
	}
}

static void *flooder_fn(void *arg)
{
	struct chan *c = arg;
	int msg = 0;

	fifo(20);
	while (!atomic_load(&stop)) {
		if (MsgSend(c->coid, &msg, sizeof(msg), &msg, sizeof(msg)) < 0)
			return NULL;
		atomic_fetch_add(&flood_trips, 1);
	}
	return NULL;
}

/*
 * Busy for --hog-us of wall time, then idle for the rest of the period: a
 * duty cycle that holds even when the thread CPU clock runs slow (TCG).
 */
static void *hog_fn(void *arg)
{
	long long t;

	(void)arg;
	fifo(30);
	while (!atomic_load(&stop)) {
		t = now_ns(CLOCK_MONOTONIC);
		while (now_ns(CLOCK_MONOTONIC) < t + opt_hog_us * 1000LL)
			;
		atomic_fetch_add(&hog_runs, 1);
		sleep_until(now_ns(CLOCK_MONOTONIC) +
			    (opt_hog_period_us - opt_hog_us) * 1000LL);
	}
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int run(const char *mode, unsigned int chflags)
{
	pthread_t server, hog, flood[64];
	long long *rtt, next, t0, sum = 0;
	struct chan c;
	int msg = 0, i;

	atomic_store(&stop, false);
	atomic_store(&flood_trips, 0);
	atomic_store(&hog_runs, 0);
	rtt = calloc(opt_n, sizeof(*rtt));
	c.chid = ChannelCreate(chflags);
	c.coid = ConnectAttach(0, 0, c.chid, _NTO_SIDE_CHANNEL, 0);
	if (!rtt || c.chid < 0 || c.coid < 0) {
		perror("setup");
		return 1;
	}
	/* Above everyone while the threads start (they inherit it, then take their own). */
	fifo(60);
	pthread_create(&server, NULL, server_fn, &c);
	for (i = 0; i < opt_flooders; i++)
		pthread_create(&flood[i], NULL, flooder_fn, &c);
	pthread_create(&hog, NULL, hog_fn, NULL);

	fifo(50);
	next = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < opt_n; i++) {
		next += opt_period_us * 1000LL;
		sleep_until(next);
		t0 = now_ns(CLOCK_MONOTONIC);
		if (MsgSend(c.coid, &msg, sizeof(msg), &msg, sizeof(msg)) < 0) {
			perror("MsgSend");
			return 1;
		}
		rtt[i] = (now_ns(CLOCK_MONOTONIC) - t0) / 1000;
		sum += rtt[i];
	}
	/* The server serves the flood's last sends before the pulse ends it. */
	atomic_store(&stop, true);
	pthread_join(hog, NULL);
	for (i = 0; i < opt_flooders; i++)
		pthread_join(flood[i], NULL);
	MsgSendPulse(c.coid, -1, 1, 0);
	pthread_join(server, NULL);
	ConnectDetach(c.coid);
	ChannelDestroy(c.chid);

	qsort(rtt, opt_n, sizeof(*rtt), cmp_ll);
	printf("prio_bench,%s,%d,%lld,%lld,%lld,%lld,%ld,%ld\n", mode, opt_n, rtt[opt_n / 2],
	       rtt[(opt_n * 99) / 100], rtt[opt_n - 1], sum / opt_n, atomic_load(&flood_trips),
	       atomic_load(&hog_runs));
	fflush(stdout);
	free(rtt);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "n", required_argument, NULL, 'n' },
		{ "work-us", required_argument, NULL, 'w' },
		{ "flooders", required_argument, NULL, 'f' },
		{ "hog-us", required_argument, NULL, 'h' },
		{ "hog-period-us", required_argument, NULL, 'H' },
		{ "period-us", required_argument, NULL, 'p' },
		{ 0 }
	};
	const char *mode = "both";
	struct sched_param sp = { 0 };
	cpu_set_t cpu0;
	int o, err = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': mode = optarg; break;
		case 'n': opt_n = atoi(optarg); break;
		case 'w': opt_work_us = atoi(optarg); break;
		case 'f': opt_flooders = atoi(optarg); break;
		case 'h': opt_hog_us = atoi(optarg); break;
		case 'H': opt_hog_period_us = atoi(optarg); break;
		case 'p': opt_period_us = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [--mode inherit|fixed|both] [--n N] [--work-us US] "
				"[--flooders N] [--hog-us US] [--hog-period-us US] [--period-us US]\n",
				argv[0]);
			return 2;
		}
	}
	if (opt_n < 1 || opt_flooders < 0 || opt_flooders > 64) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0)) {
		perror("sched_setaffinity");
		return 2;
	}
	printf("# work %d us, %d flooders (FIFO 20), hog %d us every %d us (FIFO 30), "
	       "client FIFO 50 every %d us, server FIFO 10, one CPU\n",
	       opt_work_us, opt_flooders, opt_hog_us, opt_hog_period_us, opt_period_us);
	printf("# bench,mode,n,p50_us,p99_us,max_us,mean_us,flood_round_trips,hog_runs\n");
	if (strcmp(mode, "fixed"))
		err |= run("inherit", 0);
	sched_setscheduler(0, SCHED_OTHER, &sp);
	if (strcmp(mode, "inherit"))
		err |= run("fixed", _NTO_CHF_FIXED_PRIORITY);
	return err;
}
