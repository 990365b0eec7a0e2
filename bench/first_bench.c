// SPDX-License-Identifier: GPL-2.0
/*
 * first_bench: who runs first after MsgReply (issue 15 goal 6), and what it
 * does to throughput.
 *
 * A server process with T threads loops on MsgReceive + MsgReply; after
 * each reply the thread stores the message's sequence number in shared
 * memory.  C client processes send 16 B messages carrying their index and a
 * sequence number.  When MsgSend returns, a client looks: if the server
 * thread has already stored the number, the server got back to user space
 * (on its way to its next MsgReceive) before the client ran: "server first".
 * On one CPU that is the scheduler's choice; across CPUs both run at once
 * and the figure says who got there first.
 *
 * Output: one line in qbench's CSV format (bench/qbench.c), workload
 * "first", mech "qchan", tier "reply_wake=<W>" (the module parameter read at
 * start), p50..max the round trips of client 0 (clock ns), ops the round
 * trips per second of all clients; the mbps column carries the percentage of
 * round trips after which the server ran first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/neutrino.h>

#define MAX_C 8
#define MAX_T 8

struct msg {
	uint32_t client;
	uint32_t seq;
	char pad[8];
};

struct shared {
	int chid;
	pid_t pid;
	_Atomic int ready;
	_Atomic uint32_t replied[MAX_C];
	uint64_t start[MAX_C], end[MAX_C], first[MAX_C];
	uint64_t samples[];		/* client 0 */
};

static struct shared *sh;
static int nclients = 1, nthreads = 1, fifo, cpu = -1;
static long iters = 2000, warmup = 200;

static void die(const char *what)
{
	fprintf(stderr, "first_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void place(void)
{
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	if (fifo) {
		struct sched_param sp = { .sched_priority = fifo };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			die("sched_setscheduler");
	}
}

static void *server_thread(void *arg)
{
	struct msg m;

	(void)arg;
	place();
	for (;;) {
		int rcvid = MsgReceive(sh->chid, &m, sizeof(m), NULL);

		if (rcvid <= 0)
			die("MsgReceive");
		if (MsgReply(rcvid, 0, &m, sizeof(m)) < 0)
			die("MsgReply");
		atomic_store_explicit(&sh->replied[m.client % MAX_C], m.seq, memory_order_release);
	}
	return NULL;
}

static void client(int idx)
{
	struct msg m = { .client = idx }, r;
	int coid;

	place();
	coid = ConnectAttach(0, sh->pid, sh->chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		die("ConnectAttach");
	for (long i = 0; i < warmup + iters; i++) {
		uint64_t t0 = now_ns();

		if (i == warmup)
			sh->start[idx] = t0;
		m.seq = (uint32_t)i + 1;
		if (MsgSend(coid, &m, sizeof(m), &r, sizeof(r)) < 0)
			die("MsgSend");
		if (i < warmup)
			continue;
		if (atomic_load_explicit(&sh->replied[idx], memory_order_acquire) == m.seq)
			sh->first[idx]++;
		if (idx == 0)
			sh->samples[i - warmup] = now_ns() - t0;
	}
	sh->end[idx] = now_ns();
	exit(0);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *kernel = "?", *clk = "wall", *placement = "free";
	uint64_t start = UINT64_MAX, end = 0, first = 0, sum = 0;
	pid_t server, clients[MAX_C];
	unsigned int reply_wake = 0;
	FILE *f;
	int opt;

	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "clock", required_argument, NULL, 'K' },
		{ "placement", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	while ((opt = getopt_long(argc, argv, "C:T:f:p:n:w:", opts, NULL)) != -1) {
		switch (opt) {
		case 'C': nclients = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'f': fifo = atoi(optarg); break;
		case 'p': cpu = atoi(optarg); break;
		case 'n': iters = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 'k': kernel = optarg; break;
		case 'K': clk = optarg; break;
		case 'P': placement = optarg; break;
		default:
			fprintf(stderr, "usage: first_bench -C clients -T threads [-f fifo_prio] "
				"[-p cpu] [-n iters] [-w warmup] [--kernel K --clock C --placement P]\n");
			return 2;
		}
	}
	if (nclients < 1 || nclients > MAX_C || nthreads < 1 || nthreads > MAX_T || iters < 1 ||
	    warmup < 0)
		return 2;
	f = fopen("/sys/module/qchan/parameters/reply_wake", "re");
	if (f) {
		if (fscanf(f, "%u", &reply_wake) != 1)
			reply_wake = 0;
		fclose(f);
	}
	sh = mmap(NULL, sizeof(*sh) + iters * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");

	server = fork();
	if (server < 0)
		die("fork");
	if (!server) {
		pthread_t t[MAX_T];

		sh->chid = ChannelCreate(0);
		if (sh->chid < 0)
			die("ChannelCreate");
		sh->pid = getpid();
		for (int i = 0; i < nthreads; i++)
			if (pthread_create(&t[i], NULL, server_thread, NULL))
				die("pthread_create");
		atomic_store(&sh->ready, 1);
		pause();
		exit(0);
	}
	while (!atomic_load(&sh->ready))
		usleep(1000);
	for (int i = 0; i < nclients; i++) {
		clients[i] = fork();
		if (clients[i] < 0)
			die("fork");
		if (!clients[i])
			client(i);
	}
	for (int i = 0; i < nclients; i++) {
		int st;

		if (waitpid(clients[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			kill(server, SIGKILL);
			fprintf(stderr, "first_bench: client %d failed\n", i);
			return 1;
		}
		if (sh->start[i] < start)
			start = sh->start[i];
		if (sh->end[i] > end)
			end = sh->end[i];
		first += sh->first[i];
	}
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);

	qsort(sh->samples, iters, sizeof(uint64_t), cmp);
	for (long i = 0; i < iters; i++)
		sum += sh->samples[i];
	printf("%s,%s,first,qchan,reply_wake=%u,%s,%s,16,16,%d,%d,%ld,%llu,%llu,%llu,%.1f,%llu,%llu,%.2f,%.1f\n",
	       kernel, clk, reply_wake, placement, fifo ? "fifo" : "other", nclients, nthreads,
	       iters, (unsigned long long)sh->samples[iters / 2],
	       (unsigned long long)sh->samples[iters * 99 / 100],
	       (unsigned long long)sh->samples[iters * 999 / 1000], (double)sum / iters,
	       (unsigned long long)sh->samples[0], (unsigned long long)sh->samples[iters - 1],
	       100.0 * first / ((double)iters * nclients),
	       end > start ? (double)iters * nclients * 1e9 / (end - start) : 0.0);
	return 0;
}
