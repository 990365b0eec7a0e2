// SPDX-License-Identifier: GPL-2.0
/*
 * crowd_bench: what a crowd of blocked clients costs one more message
 * (issue 15, goal 5; docs/PERFORMANCE.md, "Scaling").
 *
 * --crowd N background client threads (in --procs processes, SCHED_FIFO 1,
 * small stacks) each send one 16 B message to the server's channel and stay
 * blocked.  With them in place, two measurements, every measured thread
 * SCHED_FIFO and pinned to vCPU 0:
 *
 *   hiprio  The crowd is SEND-blocked (queued, priority 1).  A client at
 *           SCHED_FIFO 60 sends to a server at SCHED_FIFO 50 that is busy
 *           (preempted by the client's wake-up), so every request is queued
 *           in front of the crowd; the server receives it and replies.
 *           Client round trip.  The channel has _NTO_CHF_FIXED_PRIORITY.
 *   reply   The server has received the whole crowd: it is REPLY-blocked,
 *           N rcvids live.  A client at SCHED_FIFO 50 ping-pongs with the
 *           server (FIFO 50): the time of the server's MsgReply call
 *           ("qchan-reply": its rcvid is the newest) and the client's round
 *           trip ("qchan-reply-rt": binding a fresh rcvid included).
 *   reply-old  Then the server replies to the crowd, oldest first
 *           ("qchan-reply-old", up to --iters of them): the MsgReply of a
 *           REPLY-blocked client among N, against "qchan-reply" with N = 0.
 *
 * Run with --crowd 0 and --crowd 10000 in the same boot: the goals are
 * ratios of the two (bench/report).  Output: qbench's CSV rows (workload
 * "crowd", mech "qchan-hiprio", "qchan-reply", "qchan-reply-rt",
 * "qchan-reply-old", clients = the crowd size).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#define MSG_SIZE	16

static int opt_crowd = 10000;
static int opt_procs = 10;
static int opt_n = 1000;
static int opt_warmup = 100;
static const char *opt_kernel = "unknown";
static const char *opt_clock = "wall";

static int chid, coid;
static pid_t server_pid;
static _Atomic int *crowd_sent;		/* shared with the crowd's processes */
static _Atomic bool serving;
static long long *samples, *rtt;
static int *crowd_rcvids;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("sched_setscheduler");
}

static void pin0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* One blocked client: it sends once and stays blocked until the server goes. */
static void *crowd_fn(void *arg)
{
	char buf[MSG_SIZE] = { 0 };
	int c = (int)(long)arg;

	atomic_fetch_add(crowd_sent, 1);
	MsgSend(c, buf, sizeof(buf), buf, sizeof(buf));
	return NULL;
}

static void crowd_proc(int nthreads)
{
	pthread_attr_t attr;
	pthread_t t;
	int c, i;

	c = ConnectAttach(0, server_pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (c < 0)
		die("crowd ConnectAttach");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16384);
	/*
	 * SCHED_FIFO 1: a reply wakes a crowd thread by the same real-time path
	 * as the measured FIFO client, so "reply-old" and "reply" differ by the
	 * crowd only.  Blocked in MsgSend, they never compete for the CPU.
	 */
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &(struct sched_param){ .sched_priority = 1 });
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t, &attr, crowd_fn, (void *)(long)c))
			die("crowd pthread_create");
	for (;;)
		pause();
}

/* The messages in flight, from debugfs; -1 if it cannot be read. */
static long in_flight(void)
{
	FILE *f = fopen("/sys/kernel/debug/qchan/stats", "r");
	char line[128];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "msgs_in_flight %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Until every crowd thread has sent (and sits in the kernel). */
static void crowd_wait(void)
{
	long long until = now_ns() + 600 * 1000000000LL;
	struct timespec ms = { 0, 1000000 };

	while (atomic_load(crowd_sent) < opt_crowd || (in_flight() >= 0 && in_flight() < opt_crowd)) {
		if (now_ns() > until) {
			fprintf(stderr, "crowd_bench: only %d of %d crowd sends\n",
				atomic_load(crowd_sent), opt_crowd);
			exit(1);
		}
		nanosleep(&ms, NULL);
	}
	if (in_flight() < 0) {		/* no debugfs: give the last senders time */
		struct timespec s = { 1, 0 };

		nanosleep(&s, NULL);
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *mech, int prio, int n)
{
	long long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += samples[i];
	qsort(samples, n, sizeof(*samples), cmp_ll);
	printf("%s,%s,crowd,%s,auto,same,fifo%d,%d,%d,%d,1,%d,%lld,%lld,%lld,%lld,%lld,%lld,0,0\n",
	       opt_kernel, opt_clock, mech, prio, MSG_SIZE, MSG_SIZE, opt_crowd, n,
	       samples[n / 2], samples[(n * 99) / 100], samples[(n * 999) / 1000],
	       sum / n, samples[0], samples[n - 1]);
	fflush(stdout);
}

/* hiprio: the server, preempted by the client between requests. */
static void *hiprio_server(void *arg)
{
	char buf[MSG_SIZE];
	int i, rcvid;

	(void)arg;
	pin0();
	fifo(50);
	for (i = 0; i < opt_warmup + opt_n; i++) {
		rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
		if (rcvid <= 0)
			die("hiprio MsgReceive");
		if (buf[0] != 1) {	/* the queue's order is broken */
			fprintf(stderr, "crowd_bench: a crowd message came before the high one\n");
			exit(1);
		}
		if (MsgReply(rcvid, 0, buf, sizeof(buf)))
			die("hiprio MsgReply");
	}
	return NULL;
}

static void hiprio(void)
{
	char buf[MSG_SIZE] = { 1 };
	pthread_t server;
	long long t0;
	int i;

	fifo(70);	/* the server thread starts, then waits for us */
	if (pthread_create(&server, NULL, hiprio_server, NULL))
		die("pthread_create");
	fifo(60);
	for (i = 0; i < opt_warmup + opt_n; i++) {
		t0 = now_ns();
		buf[0] = 1;
		if (MsgSend(coid, buf, sizeof(buf), buf, sizeof(buf)) < 0)
			die("hiprio MsgSend");
		if (i >= opt_warmup)
			samples[i - opt_warmup] = now_ns() - t0;
	}
	pthread_join(server, NULL);
	report("qchan-hiprio", 60, opt_n);
}

/* reply: the server times its MsgReply calls. */
static void *reply_server(void *arg)
{
	char buf[MSG_SIZE];
	long long t0, t1;
	int i, rcvid;

	(void)arg;
	pin0();
	fifo(50);
	/* The crowd becomes REPLY-blocked. */
	for (i = 0; i < opt_crowd; i++) {
		crowd_rcvids[i] = MsgReceive(chid, buf, sizeof(buf), NULL);
		if (crowd_rcvids[i] <= 0)
			die("crowd MsgReceive");
	}
	atomic_store(&serving, true);
	for (i = 0; i < opt_warmup + opt_n; i++) {
		rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
		if (rcvid <= 0)
			die("reply MsgReceive");
		t0 = now_ns();
		if (MsgReply(rcvid, 0, buf, sizeof(buf)))
			die("reply MsgReply");
		t1 = now_ns();
		if (i >= opt_warmup)
			samples[i - opt_warmup] = t1 - t0;
	}
	return NULL;
}

/*
 * reply-old: the server replies to the crowd, oldest first, as a FIFO server
 * would; each reply names an rcvid that has waited behind all the later ones.
 */
static void reply_old(void)
{
	char buf[MSG_SIZE] = { 0 };
	int i, n = opt_crowd < opt_n ? opt_crowd : opt_n;
	long long t0;

	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (MsgReply(crowd_rcvids[i], 0, buf, sizeof(buf)))
			die("crowd MsgReply");
		samples[i] = now_ns() - t0;
	}
	if (n)
		report("qchan-reply-old", 50, n);
}

static void reply(void)
{
	char buf[MSG_SIZE] = { 0 };
	struct timespec ms = { 0, 1000000 };
	pthread_t server;
	long long t0;
	int i;

	if (pthread_create(&server, NULL, reply_server, NULL))
		die("pthread_create");
	while (!atomic_load(&serving))
		nanosleep(&ms, NULL);
	fifo(50);
	for (i = 0; i < opt_warmup + opt_n; i++) {
		t0 = now_ns();
		if (MsgSend(coid, buf, sizeof(buf), buf, sizeof(buf)) < 0)
			die("reply MsgSend");
		if (i >= opt_warmup)
			rtt[i - opt_warmup] = now_ns() - t0;
	}
	pthread_join(server, NULL);
	report("qchan-reply", 50, opt_n);
	memcpy(samples, rtt, opt_n * sizeof(*samples));
	report("qchan-reply-rt", 50, opt_n);
}

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: crowd_bench [-N crowd] [-P procs] [-n iters] [-w warmup]\n"
		"                   [--kernel K] [--clock C]\n");
	exit(code);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "crowd", required_argument, NULL, 'N' },
		{ "procs", required_argument, NULL, 'P' },
		{ "iters", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "clock", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	pid_t *kids;
	int o, i, per;

	while ((o = getopt_long(argc, argv, "N:P:n:w:k:c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'N': opt_crowd = atoi(optarg); break;
		case 'P': opt_procs = atoi(optarg); break;
		case 'n': opt_n = atoi(optarg); break;
		case 'w': opt_warmup = atoi(optarg); break;
		case 'k': opt_kernel = optarg; break;
		case 'c': opt_clock = optarg; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (opt_crowd < 0 || opt_procs < 1 || opt_n < 1 || opt_warmup < 0)
		usage(2);
	samples = calloc(opt_n, sizeof(*samples));
	rtt = calloc(opt_n, sizeof(*rtt));
	crowd_rcvids = calloc(opt_crowd + 1, sizeof(*crowd_rcvids));
	kids = calloc(opt_procs, sizeof(*kids));
	crowd_sent = mmap(NULL, sizeof(*crowd_sent), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!samples || !rtt || !crowd_rcvids || !kids || crowd_sent == MAP_FAILED)
		die("alloc");
	pin0();
	server_pid = getpid();
	/*
	 * No priority inheritance: a boosted server would keep the client's
	 * priority past its reply and take the crowd's head before the client
	 * runs again.  The queue keeps its priority order either way.
	 */
	chid = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (chid < 0 || coid < 0)
		die("ChannelCreate/ConnectAttach");

	per = (opt_crowd + opt_procs - 1) / opt_procs;
	for (i = 0; i < opt_procs && opt_crowd; i++) {
		int n = opt_crowd - i * per < per ? opt_crowd - i * per : per;

		if (n <= 0)
			break;
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork");
		if (!kids[i])
			crowd_proc(n);
	}
	crowd_wait();

	hiprio();
	reply();
	reply_old();

	for (i = 0; i < opt_procs; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	for (i = 0; i < opt_procs; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	return 0;
}
