// SPDX-License-Identifier: GPL-2.0
/*
 * poll_bench: what channel fds cost (docs/PERFORMANCE.md, "Channel fds").
 * Run by hand in an icount guest (1 vCPU), where a nanosecond is a guest
 * instruction:
 *
 *   poll_bench queue [-p] [-n N]   MsgSendPulse + non-blocking receive in one
 *                                  thread: every pulse is queued (the path
 *                                  that tests for pollers); -p: with a
 *                                  channel fd in an epoll set, so each
 *                                  queueing also wakes it
 *   poll_bench rt [-e] [-n N]      16 B MsgSend round trips to a server
 *                                  thread: blocking MsgReceive, or with -e
 *                                  an epoll loop (epoll_wait, try-receive
 *                                  until EAGAIN, reply)
 *
 * Both threads SCHED_FIFO 50 on CPU 0.  Prints instructions (ns) per op.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

static int chid, coid, use_epoll;
static long iters = 20000, warmup = 1000;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fifo_on_cpu0(void)
{
	struct sched_param sp = { .sched_priority = 50 };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		perror("poll_bench: affinity/SCHED_FIFO");
		exit(1);
	}
}

static int epoll_on_channel(void)
{
	int fd = qchan_channel_fd(chid, QCHAN_CHFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		fprintf(stderr, "poll_bench: channel fd: %d\n", fd);
		exit(1);
	}
	return ep;
}

static void *server(void *arg)
{
	char buf[64];
	int ep = use_epoll ? epoll_on_channel() : -1;

	fifo_on_cpu0();
	for (;;) {
		struct epoll_event ev;
		int rcvid;

		if (!use_epoll) {
			rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
			if (rcvid > 0)
				MsgReply(rcvid, 0, buf, 16);
			continue;
		}
		if (epoll_wait(ep, &ev, 1, -1) != 1)
			continue;
		while ((rcvid = qchan_msg_try_receive(chid, buf, sizeof(buf), NULL)) >= 0)
			if (rcvid > 0)
				MsgReply(rcvid, 0, buf, 16);
	}
	return arg;
}

static void run_rt(void)
{
	char req[16] = "ping", rep[16];
	pthread_t t;
	int64_t start;

	if (pthread_create(&t, NULL, server, NULL))
		exit(1);
	fifo_on_cpu0();
	usleep(100000);		/* the server is waiting */
	for (long i = 0; i < warmup; i++)
		MsgSend(coid, req, sizeof(req), rep, sizeof(rep));
	start = now_ns();
	for (long i = 0; i < iters; i++)
		if (MsgSend(coid, req, sizeof(req), rep, sizeof(rep)) < 0)
			exit(1);
	printf("rt %s: %.0f ns per 16 B round trip\n", use_epoll ? "epoll" : "block",
	       (double)(now_ns() - start) / (double)iters);
}

static void run_queue(void)
{
	char buf[64];
	int64_t start;

	if (use_epoll)
		epoll_on_channel();
	fifo_on_cpu0();
	for (long i = 0; i < warmup; i++) {
		MsgSendPulse(coid, -1, 1, i);
		qchan_msg_try_receive(chid, buf, sizeof(buf), NULL);
	}
	start = now_ns();
	for (long i = 0; i < iters; i++) {
		if (MsgSendPulse(coid, -1, 1, i) || qchan_msg_try_receive(chid, buf, sizeof(buf), NULL))
			exit(1);
	}
	printf("queue %s: %.0f ns per pulse sent and received\n",
	       use_epoll ? "with a poller" : "no poller", (double)(now_ns() - start) / (double)iters);
}

int main(int argc, char **argv)
{
	int opt;

	if (argc < 2)
		goto usage;
	while ((opt = getopt(argc - 1, argv + 1, "pen:")) != -1) {
		if (opt == 'p' || opt == 'e')
			use_epoll = 1;
		else if (opt == 'n')
			iters = atol(optarg);
		else
			goto usage;
	}
	chid = ChannelCreate(0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (chid < 0 || coid < 0) {
		perror("poll_bench: channel");
		return 1;
	}
	if (!strcmp(argv[1], "rt"))
		run_rt();
	else if (!strcmp(argv[1], "queue"))
		run_queue();
	else
		goto usage;
	return 0;
usage:
	fprintf(stderr, "usage: poll_bench queue [-p] [-n N] | rt [-e] [-n N]\n");
	return 2;
}
