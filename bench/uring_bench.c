// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands against the blocking ioctls, in one process, every
 * thread SCHED_FIFO on CPU 0 (so instruction-count mode is repeatable):
 *
 *   uring_bench lat N    one round trip, 16 B each way, N times, for
 *                        blocking client + blocking server, async client +
 *                        blocking server, blocking client + async server
 *                        (reply-receive SQEs), async + async
 *   uring_bench tput N   one server thread, CLIENTS client threads, N
 *                        messages in all: blocking everywhere, against
 *                        clients keeping DEPTH async sends outstanding each
 *                        (32 in all) served by a blocking server and by an
 *                        async server (posted receives, reply-receive SQEs,
 *                        one submit for all the CQEs it found; "server8":
 *                        8 receives posted, the other sends queued) and by a
 *                        batching server (batchN, below).  An async
 *                        client submits and waits in one io_uring_enter, for
 *                        one completion ("waitall": for all it has in flight);
 *                        "sbatchB" clients keep the same DEPTH sends
 *                        outstanding as DEPTH/B QCHAN_UCMD_SEND_BATCH commands
 *                        of B sends each, waiting for one batch at a time
 *
 * "rr" runs use a blocking server that replies and receives in one
 * MsgReplyReceive() call (the best blocking server); "batchN" runs a
 * blocking server that answers what it got and receives up to N more in one
 * qchan_msg_reply_receive_batch() call.  An optional fourth
 * argument runs only the run of that name (without "lat "/"tput ").  With
 * URING_BENCH_TRACE set to a tracefs tracing_on file, each run (not the
 * warm-up) is traced from its first thread's start to its last's end
 * (bench/uring-breakdown).
 *
 * Prints "name ns_per_msg msgs_per_s" lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/neutrino.h>
#include <qchan/libchan.h>
#include <qchan/uring.h>

#define MSG	16
#define CLIENTS	4
#define DEPTH	8	/* per client: 32 outstanding */
#define SLOTS	(CLIENTS * DEPTH)

static int chid, coid;
static long total;
static int cdepth = DEPTH;	/* async sends each client keeps outstanding */
static long cwait = 1;		/* completions an async client waits for (at most all) */
static int sslots = SLOTS;	/* receives the async server keeps posted */
static int bsize = 16;		/* the batch server's slots */
static unsigned int bflags = QCHAN_BATCH_NO_INFO; /* as the rr server: no _msg_info */
/* Ring setup flags (argv[3]): 0, or e.g. COOP_TASKRUN|SINGLE_ISSUER|DEFER_TASKRUN = 0x3100. */
static unsigned int ring_flags;
static const char *only;	/* argv[4]: run only the run of this name */
static FILE *trace_on;		/* $URING_BENCH_TRACE */

static void die(const char *what, int err)
{
	fprintf(stderr, "uring_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static void rt_self(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		fprintf(stderr, "uring_bench: no SCHED_FIFO (not root?): timings will vary\n");
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- servers: each serves @total messages ---- */

static void *server_blocking(void *arg)
{
	char buf[MSG];
	long n = (long)arg;

	rt_self(10);
	for (long i = 0; i < n; i++) {
		int rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);

		if (rcvid <= 0 || MsgReply(rcvid, 0, buf, sizeof(buf)))
			die("server", errno);
	}
	return NULL;
}

/* The same, replying and receiving in one call. */
static void *server_blocking_rr(void *arg)
{
	char buf[MSG];
	long n = (long)arg;
	iov_t iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	int rcvid = 0;

	rt_self(10);
	for (long i = 0; i < n; i++) {
		rcvid = MsgReplyReceive(rcvid, 0, &iov, 1, chid, &iov, 1, NULL);
		if (rcvid <= 0)
			die("server", errno);
	}
	if (MsgReply(rcvid, 0, buf, sizeof(buf)))
		die("server", errno);
	return NULL;
}

static struct {
	struct qchan_async_receive r;
	struct qchan_async_reply_receive rr;
	char buf[MSG];
} srv[SLOTS];

static void *server_async(void *arg)
{
	long n = (long)arg, served = 0;
	struct io_uring ring;
	int err, slots = n < sslots ? (int)n : sslots;

	rt_self(10);
	err = io_uring_queue_init(2 * SLOTS, &ring, ring_flags);
	if (err)
		die("server ring", -err);
	for (int i = 0; i < slots; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		qchan_prep_receive(sqe, &srv[i].r, chid, srv[i].buf, MSG, NULL);
		sqe->user_data = i;
	}
	io_uring_submit(&ring);
	while (served < n) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;

		err = io_uring_wait_cqe(&ring, &cqe);
		if (err)
			die("server wait", -err);
		io_uring_for_each_cqe(&ring, head, cqe) {
			int i = cqe->user_data, rcvid = cqe->res;
			struct io_uring_sqe *sqe;

			seen++;
			if (cqe->user_data >= 1000)	/* a final reply's empty receive half */
				continue;
			if (rcvid <= 0)
				die("server receive", -rcvid);
			served++;
			sqe = io_uring_get_sqe(&ring);
			/* The last ones only reply (a receive with nothing to come would linger). */
			if (served + slots > n)
				qchan_prep_reply_receive(sqe, &srv[i].rr, rcvid, 0, srv[i].buf, MSG, 0,
							 NULL, 0, NULL);
			else
				qchan_prep_reply_receive(sqe, &srv[i].rr, rcvid, 0, srv[i].buf, MSG,
							 chid, srv[i].buf, MSG, NULL);
			sqe->user_data = served + slots > n ? 1000U + i : (unsigned int)i;
		}
		io_uring_cq_advance(&ring, seen);
		io_uring_submit(&ring);
	}
	/* Replies of the final round: receive half fails (chid 0): -ESRCH CQEs, drain them. */
	io_uring_queue_exit(&ring);
	return NULL;
}

#define BATCH_MAX	32

/* Replies to what the last call received and receives up to bsize more, in one call. */
static void *server_batch(void *arg)
{
	static struct qchan_batch_reply rep[BATCH_MAX];
	static struct qchan_batch_slot slot[BATCH_MAX];
	static char buf[BATCH_MAX][MSG];
	static struct iovec iov[BATCH_MAX];
	long n = (long)arg, served = 0;
	int got = 0;

	rt_self(10);
	for (int i = 0; i < BATCH_MAX; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = MSG;
		slot[i].iov_ptr = (uintptr_t)&iov[i];
		slot[i].parts = 1;
		rep[i].reply.parts = 1;
		rep[i].reply.iov_ptr = (uintptr_t)&iov[i];
	}
	while (served < n) {
		got = qchan_msg_reply_receive_batch(chid, rep, got, slot, bsize, bflags);
		if (got <= 0)
			die("server batch", -got);
		for (int i = 0; i < got; i++) {
			if (slot[i].rcvid <= 0)
				die("server batch receive", EPROTO);
			rep[i].reply.rcvid = slot[i].rcvid;
		}
		served += got;
	}
	if (qchan_msg_reply_receive_batch(chid, rep, got, NULL, 0, 0))
		die("server batch reply", EPROTO);
	for (int i = 0; i < got; i++)
		if (rep[i].result)
			die("server batch reply", -rep[i].result);
	return NULL;
}

/* ---- clients ---- */

static void *client_blocking(void *arg)
{
	char s[MSG] = "0123456789abcde", r[MSG];
	long n = (long)arg;

	rt_self(10);
	for (long i = 0; i < n; i++)
		if (MsgSend(coid, s, MSG, r, MSG))
			die("MsgSend", errno);
	return NULL;
}

struct cl {
	struct qchan_async_send s;
	char sbuf[MSG], rbuf[MSG];
};

static void *client_async(void *arg)
{
	long n = (long)arg, sent = 0, done = 0;
	struct cl c[DEPTH];
	struct io_uring ring;
	int depth = n < cdepth ? (int)n : cdepth, err;

	rt_self(10);
	err = io_uring_queue_init(2 * DEPTH, &ring, ring_flags);
	if (err)
		die("client ring", -err);
	for (int i = 0; i < depth; i++, sent++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		qchan_prep_send(sqe, &c[i].s, coid, c[i].sbuf, MSG, c[i].rbuf, MSG);
		sqe->user_data = i;
	}
	while (done < n) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;
		long want = sent - done < cwait ? sent - done : cwait;

		/* One system call: the new sends, and the wait for completions. */
		err = io_uring_submit_and_wait(&ring, want);
		if (err < 0)
			die("client wait", -err);
		io_uring_for_each_cqe(&ring, head, cqe) {
			int i = cqe->user_data;

			seen++;
			if (cqe->res)
				die("async send", -cqe->res);
			done++;
			if (sent < n) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

				qchan_prep_send(sqe, &c[i].s, coid, c[i].sbuf, MSG, c[i].rbuf, MSG);
				sqe->user_data = i;
				sent++;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

static int bbatch = DEPTH;	/* sends per SEND_BATCH of a batching client */

struct bcl {
	struct qchan_uring_send_batch b;
	struct qchan_msg_send e[DEPTH];
	int32_t res[DEPTH];
	iov_t siov[DEPTH], riov[DEPTH];
	char sbuf[DEPTH][MSG], rbuf[DEPTH][MSG];
	int count;
};

static void bcl_prep(struct io_uring *ring, struct bcl *c, int count, int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	for (int j = 0; j < count; j++)
		qchan_batch_entry(&c->e[j], coid, &c->siov[j], 1, &c->riov[j], 1);
	qchan_prep_send_batch(sqe, &c->b, c->e, c->res, count);
	sqe->user_data = i;
	c->count = count;
}

/* The same DEPTH sends outstanding, as cdepth / bbatch batches of bbatch sends. */
static void *client_sbatch(void *arg)
{
	long n = (long)arg, sent = 0, done = 0;
	struct bcl c[DEPTH];
	struct io_uring ring;
	int nb = cdepth / bbatch, err;

	rt_self(10);
	err = io_uring_queue_init(2 * DEPTH, &ring, ring_flags);
	if (err)
		die("client ring", -err);
	for (int i = 0; i < nb; i++)
		for (int j = 0; j < bbatch; j++) {
			SETIOV(&c[i].siov[j], c[i].sbuf[j], MSG);
			SETIOV(&c[i].riov[j], c[i].rbuf[j], MSG);
		}
	for (int i = 0; i < nb && sent < n; i++) {
		int count = n - sent < bbatch ? (int)(n - sent) : bbatch;

		bcl_prep(&ring, &c[i], count, i);
		sent += count;
	}
	while (done < n) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;

		/* One system call: the new batches, and the wait for one to complete. */
		err = io_uring_submit_and_wait(&ring, 1);
		if (err < 0)
			die("client wait", -err);
		io_uring_for_each_cqe(&ring, head, cqe) {
			int i = cqe->user_data;

			seen++;
			if (cqe->res)
				die("send batch", -cqe->res);
			for (int j = 0; j < c[i].count; j++)
				if (c[i].res[j])
					die("batched send", -c[i].res[j]);
			done += c[i].count;
			if (sent < n) {
				int count = n - sent < bbatch ? (int)(n - sent) : bbatch;

				bcl_prep(&ring, &c[i], count, i);
				sent += count;
			}
		}
		io_uring_cq_advance(&ring, seen);
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

/* One server thread, @nclients client threads sending @n messages in all. */
static void run(const char *name, void *(*server)(void *), void *(*client)(void *), int nclients,
		long n)
{
	pthread_t st, ct[CLIENTS];
	long long t0, t1;
	bool traced = trace_on && strcmp(name, "warmup");

	if (only && strcmp(strchr(name, ' ') ? strchr(name, ' ') + 1 : name, only) &&
	    strcmp(name, "warmup"))
		return;
	if (traced) {
		fputs("1", trace_on);
		fflush(trace_on);
	}
	t0 = now_ns();
	pthread_create(&st, NULL, server, (void *)n);
	for (int i = 0; i < nclients; i++)
		pthread_create(&ct[i], NULL, client, (void *)(n / nclients));
	for (int i = 0; i < nclients; i++)
		pthread_join(ct[i], NULL);
	pthread_join(st, NULL);
	t1 = now_ns();
	if (traced) {
		fputs("0", trace_on);
		fflush(trace_on);
	}
	printf("%-28s %10.0f ns/msg %12.0f msgs/s\n", name, (double)(t1 - t0) / n,
	       n * 1e9 / (double)(t1 - t0));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s lat|tput N [RING_FLAGS [ONLY]]\n", argv[0]);
		return 2;
	}
	total = atol(argv[2]);
	if (argc >= 4)
		ring_flags = strtoul(argv[3], NULL, 0);
	if (argc == 5)
		only = argv[4];
	if (getenv("URING_BENCH_TRACE")) {
		trace_on = fopen(getenv("URING_BENCH_TRACE"), "w");
		if (!trace_on)
			die(getenv("URING_BENCH_TRACE"), errno);
	}
	chid = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (chid <= 0 || coid < 0)
		die("channel", errno);
	rt_self(20);	/* the main thread only waits */
	if (!strcmp(argv[1], "lat")) {
		/* warm-up */
		run("warmup", server_blocking, client_blocking, 1, total / 10 + 1);
		run("lat blocking/blocking", server_blocking, client_blocking, 1, total);
		run("lat blocking/blocking-rr", server_blocking_rr, client_blocking, 1, total);
		cdepth = 1;
		sslots = 1;
		run("lat async-client/blocking", server_blocking, client_async, 1, total);
		run("lat async-client/blocking-rr", server_blocking_rr, client_async, 1, total);
		run("lat blocking/async-server", server_async, client_blocking, 1, total);
		run("lat async/async", server_async, client_async, 1, total);
	} else {
		total -= total % CLIENTS;
		run("warmup", server_blocking, client_blocking, CLIENTS, total / 10 + CLIENTS);
		run("tput blocking/blocking", server_blocking, client_blocking, CLIENTS, total);
		run("tput blocking/blocking-rr", server_blocking_rr, client_blocking, CLIENTS, total);
		run("tput async32/blocking", server_blocking, client_async, CLIENTS, total);
		run("tput async32/blocking-rr", server_blocking_rr, client_async, CLIENTS, total);
		cwait = DEPTH;
		run("tput async32-waitall/blocking-rr", server_blocking_rr, client_async, CLIENTS,
		    total);
		cwait = 1;
		run("tput async32/async-server", server_async, client_async, CLIENTS, total);
		/*
		 * A receive posted for every outstanding send mostly waits, and
		 * the sender then completes it through task work in the server.
		 * With fewer posted, the rest queue, and each reply-receive finds
		 * its next message at issue: done in the submitting call.
		 */
		sslots = DEPTH;
		run("tput async32/async-server8", server_async, client_async, CLIENTS, total);
		sslots = SLOTS;
		/* One call answers the last batch and takes what queued meanwhile. */
		run("tput blocking/batch16", server_batch, client_blocking, CLIENTS, total);
		bsize = 8;
		run("tput async32/batch8", server_batch, client_async, CLIENTS, total);
		bsize = 16;
		run("tput async32/batch16", server_batch, client_async, CLIENTS, total);
		bsize = 32;
		run("tput async32/batch32", server_batch, client_async, CLIENTS, total);
		bsize = 16;
		/* The same 32 outstanding, as SEND_BATCH commands: one of 8, two of 4, per client. */
		for (int b = DEPTH; b >= DEPTH / 2; b /= 2) {
			static const int sizes[] = { 8, 16, 32 };
			char name[64];

			bbatch = b;
			snprintf(name, sizeof(name), "tput async32-sbatch%d/blocking-rr", b);
			run(name, server_blocking_rr, client_sbatch, CLIENTS, total);
			for (int s = 0; s < 3; s++) {
				bsize = sizes[s];
				snprintf(name, sizeof(name), "tput async32-sbatch%d/batch%d", b, bsize);
				run(name, server_batch, client_sbatch, CLIENTS, total);
			}
		}
		bbatch = DEPTH;
		bsize = 16;
	}
	return 0;
}
