// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU kernel messages (module/kmsg.h) through their debugfs test
 * interface, /sys/kernel/debug/qchan/kmsg/test (module parameter
 * kmsg_test=1; see module/kmsg_test.c for the commands).
 *
 * Needs root, the test interface and at least 2 online CPUs, else every
 * test skips.  The last test unloads qchan while it is busy and loads it
 * again from $QCHAN_KO (default /lib/modules/qchan.ko) with the parameters
 * it had.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define KT_DIR		"/sys/kernel/debug/qchan/kmsg"
#define KT_CTL		KT_DIR "/test/ctl"
#define KT_COUNTERS	KT_DIR "/test/counters"
#define KT_RECORDS	KT_DIR "/test/records"
#define KT_PARAMS	"/sys/module/qchan/parameters"
#define KT_WAIT_MS	120000

enum { IMM, RTN };
static const char *const kt_type[] = { "imm", "rtn" };
static const char *const kt_mode[] = { "task", "irqoff", "hardirq", "pool" };

static int kt_vcmd(int fd, const char *fmt, va_list ap)
{
	char buf[128];
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (write(fd, buf, len) != len)
		return -errno;
	return 0;
}

/* One command on a ctl fd the caller keeps open; 0 or -errno. */
static int kt_cmd_fd(int fd, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kt_vcmd(fd, fmt, ap);
	va_end(ap);
	return ret;
}

static int kt_cmd(const char *fmt, ...)
{
	va_list ap;
	int fd, ret;

	fd = open(KT_CTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	va_start(ap, fmt);
	ret = kt_vcmd(fd, fmt, ap);
	va_end(ap);
	close(fd);
	return ret;
}

static int kt_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int kt_read_int(const char *path, int *val)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = atoi(buf);
	return 0;
}

static int kt_write_str(const char *path, const char *s)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

struct kt_totals {
	long sent, ran, dup, ooo, misplaced, badctx, send_fail, in_flight;
};

static int kt_read_totals(struct kt_totals *t)
{
	char line[256];
	FILE *f;
	int found = 0;

	f = fopen(KT_COUNTERS, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "total %ld %ld %ld %ld %ld %ld send_fail %ld in_flight %ld",
			   &t->sent, &t->ran, &t->dup, &t->ooo, &t->misplaced, &t->badctx,
			   &t->send_fail, &t->in_flight) == 8)
			found = 1;
	}
	fclose(f);
	return found ? 0 : -EPROTO;
}

/* The columns of kmsg/stats after the CPU name (module/kmsg.c, struct kmsg_stats). */
enum {
	ST_SENT, ST_IMM_RUN, ST_RTN_RUN, ST_IPIS, ST_SELF_KICKS, ST_REKICKS, ST_IMM_WAITS,
	ST_REDIRECTED, ST_ORPHANED, ST_POOL_FB, ST_POOL_ERR, ST_WAKE_HOME, ST_POOL_NOALLOC,
	ST_FREE_DEFER, ST_FB_FREED, ST_N
};

/*
 * The "all" line of kmsg/stats (the sums over every CPU) into v[]: 0 if it
 * has at least @need columns, else -EPROTO.
 */
static int kt_stats_cols(long v[ST_N], int need)
{
	char line[512], *p, *end;
	int found = -EPROTO, i;
	FILE *f;

	f = fopen(KT_DIR "/stats", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "all ", 4))
			continue;
		p = line + 4;
		for (i = 0; i < ST_N; i++, p = end) {
			v[i] = strtol(p, &end, 10);
			if (end == p)
				break;
		}
		if (i >= need)
			found = 0;
	}
	fclose(f);
	return found;
}

static int kt_stats(long v[ST_N])
{
	return kt_stats_cols(v, ST_N);
}

struct kt_rec {
	int id, sender, target, sent_cpu, ran_cpu;
	int hardirq, preemptible, irqs_off, task, blocked;
	int type;
	unsigned long long t_send, t_run, exec_seq;
	bool ran;
};

/* Reads the records of ids < n into recs[]; returns how many ran. */
static int kt_read_records(struct kt_rec *recs, unsigned int n)
{
	char line[256], type[8];
	struct kt_rec r;
	int count = 0;
	FILE *f;

	memset(recs, 0, n * sizeof(*recs));
	f = fopen(KT_RECORDS, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %7s %d %d %d %d %d %d %d %d %d %llu %llu %llu", &r.id, type,
			   &r.sender, &r.target, &r.sent_cpu, &r.ran_cpu, &r.hardirq,
			   &r.preemptible, &r.irqs_off, &r.task, &r.blocked, &r.t_send, &r.t_run,
			   &r.exec_seq) != 14)
			continue;
		if (r.id < 0 || (unsigned int)r.id >= n)
			continue;
		r.type = strcmp(type, "imm") ? RTN : IMM;
		r.ran = true;
		recs[r.id] = r;
		count++;
	}
	fclose(f);
	return count;
}

static int kt_online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

FIXTURE(kmsg) {
	int ncpu;
	const char *skip;
};

FIXTURE_SETUP(kmsg)
{
	self->ncpu = kt_online_cpus();
	if (geteuid())
		self->skip = "needs root";
	else if (access(KT_CTL, W_OK))
		self->skip = "no " KT_CTL " (load qchan with kmsg_test=1)";
	else if (self->ncpu < 2)
		self->skip = "needs 2 or more online CPUs";
}

FIXTURE_TEARDOWN(kmsg)
{
}

/* The 6.1 harness runs the test body even after SKIP() in the setup. */
#define KT_REQUIRE() do {						\
	if (self->skip)							\
		SKIP(return, "%s", self->skip);				\
} while (0)

static void kt_expect_clean(struct __test_metadata *_metadata, long expect_sent, bool placed)
{
	struct kt_totals t;

	ASSERT_EQ(0, kt_read_totals(&t));
	EXPECT_EQ(expect_sent, t.sent);
	EXPECT_EQ(t.sent, t.ran);
	EXPECT_EQ(0, t.dup);
	EXPECT_EQ(0, t.badctx);
	EXPECT_EQ(0, t.send_fail);
	EXPECT_EQ(0, t.in_flight);
	if (placed) {
		EXPECT_EQ(0, t.ooo);
		EXPECT_EQ(0, t.misplaced);
	}
}

/*
 * A single sender's messages to one CPU run in send order, per type, for
 * every sender CPU, target CPU and sending context; immediate and routine
 * chunks are interleaved so each queue sees the other's traffic.
 */
TEST_F(kmsg, order_per_type)
{
	const unsigned int chunk = 50, chunks = 8;
	unsigned int per_pair = chunk * chunks * 2, nrec;
	struct kt_rec *recs;
	int s, t, c, type, fd;

	KT_REQUIRE();
	nrec = self->ncpu * self->ncpu * per_pair;
	ASSERT_EQ(0, kt_cmd("reset %u %u", nrec, nrec));
	fd = open(KT_CTL, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (s = 0; s < self->ncpu; s++) {
		ASSERT_EQ(0, kt_pin(s));
		for (t = 0; t < self->ncpu; t++) {
			unsigned int base = (s * self->ncpu + t) * per_pair;

			for (c = 0; c < (int)chunks; c++)
				for (type = IMM; type <= RTN; type++)
					ASSERT_EQ(0, kt_cmd_fd(fd, "send %d %d %s %u %u %s", s, t,
							       kt_type[type],
							       base + (c * 2 + type) * chunk, chunk,
							       kt_mode[c % 4]));
		}
	}
	close(fd);
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	kt_expect_clean(_metadata, nrec, true);

	/* The same from the records: exec order within each (sender, target, type). */
	recs = calloc(nrec, sizeof(*recs));
	ASSERT_NE(NULL, recs);
	ASSERT_EQ((int)nrec, kt_read_records(recs, nrec));
	for (s = 0; s < self->ncpu; s++) {
		for (t = 0; t < self->ncpu; t++) {
			unsigned long long last[2] = { 0, 0 };
			unsigned int base = (s * self->ncpu + t) * per_pair, i;
			int early = 0, misplaced = 0;

			for (i = base; i < base + per_pair; i++) {
				struct kt_rec *r = &recs[i];

				if (r->exec_seq <= last[r->type] && !early++)
					TH_LOG("%s %d->%d: id %u ran before an earlier one",
					       kt_type[r->type], s, t, i);
				last[r->type] = r->exec_seq;
				misplaced += r->ran_cpu != t;
			}
			EXPECT_EQ(0, early);
			EXPECT_EQ(0, misplaced);
		}
	}
	free(recs);
}

/*
 * Immediates run in hard irq (irqs off, not preemptible), routine ones in
 * preemptible process context, both on the target CPU, whatever context
 * sent them: process, irqs off under a spinlock, hard irq, pool.
 */
TEST_F(kmsg, contexts)
{
	const unsigned int n = 20;
	unsigned int total, id = 0, i;
	struct kt_rec *recs;
	int s, t, m, type, bad = 0;

	KT_REQUIRE();
	total = self->ncpu * self->ncpu * 4 * 2 * n;
	ASSERT_EQ(0, kt_cmd("reset %u %u", total, total));
	for (s = 0; s < self->ncpu; s++) {
		ASSERT_EQ(0, kt_pin(s));
		for (t = 0; t < self->ncpu; t++)
			for (m = 0; m < 4; m++)
				for (type = IMM; type <= RTN; type++, id += n)
					ASSERT_EQ(0, kt_cmd("send %d %d %s %u %u %s", s, t,
							    kt_type[type], id, n, kt_mode[m]));
	}
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	kt_expect_clean(_metadata, total, true);

	recs = calloc(total, sizeof(*recs));
	ASSERT_NE(NULL, recs);
	ASSERT_EQ((int)total, kt_read_records(recs, total));
	for (i = 0; i < total; i++) {
		struct kt_rec *r = &recs[i];
		bool ok = r->target == r->ran_cpu;

		if (r->type == IMM)
			ok = ok && r->hardirq && r->irqs_off && !r->preemptible;
		else
			ok = ok && r->task && r->preemptible && !r->irqs_off;
		if (!ok && !bad++)
			TH_LOG("%s id %u sent by %s on cpu %d to cpu %d ran on cpu %d: hardirq %d"
			       " irqs_off %d preemptible %d task %d", kt_type[r->type], i,
			       kt_mode[i / n % 8 / 2], r->sent_cpu, r->target, r->ran_cpu,
			       r->hardirq, r->irqs_off, r->preemptible, r->task);
	}
	EXPECT_EQ(0, bad);
	free(recs);
}

/*
 * While routine work runs on a CPU (a blocker that sleeps until released),
 * queue routine then immediate messages for it: every immediate runs while
 * the blocker still runs, before any of the routine ones.  Also with the
 * sender on the blocked CPU itself.
 */
TEST_F(kmsg, immediate_before_routine)
{
	const unsigned int n = 16;
	struct kt_rec recs[64];
	int target, sender;

	KT_REQUIRE();
	for (target = 0; target < self->ncpu; target++) {
		unsigned long long max_imm = 0, min_rtn = ~0ULL;
		unsigned int i;

		sender = (target + 1) % self->ncpu;
		ASSERT_EQ(0, kt_cmd("reset %u %u", 4 * n, 4 * n));
		ASSERT_EQ(0, kt_cmd("hold %d %d", target, 20000));
		ASSERT_EQ(0, kt_pin(sender));
		ASSERT_EQ(0, kt_cmd("send %d %d rtn %u %u task", sender, target, 0, n));
		ASSERT_EQ(0, kt_cmd("send %d %d imm %u %u task", sender, target, n, n));
		ASSERT_EQ(0, kt_pin(target));
		ASSERT_EQ(0, kt_cmd("send %d %d rtn %u %u irqoff", target, target, 2 * n, n));
		ASSERT_EQ(0, kt_cmd("send %d %d imm %u %u irqoff", target, target, 3 * n, n));
		/* Let the immediates land while the blocker sleeps. */
		usleep(20000);
		ASSERT_EQ(0, kt_cmd("release"));
		ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
		kt_expect_clean(_metadata, 4 * n, true);

		ASSERT_EQ((int)(4 * n), kt_read_records(recs, 4 * n));
		for (i = 0; i < 4 * n; i++) {
			if (recs[i].type == IMM) {
				EXPECT_EQ(1, recs[i].blocked)
					TH_LOG("cpu %d: immediate %u did not run during routine work",
					       target, i);
				if (recs[i].exec_seq > max_imm)
					max_imm = recs[i].exec_seq;
			} else if (recs[i].exec_seq < min_rtn) {
				min_rtn = recs[i].exec_seq;
			}
		}
		EXPECT_LT(max_imm, min_rtn) TH_LOG("cpu %d: a routine message overtook an immediate",
						   target);
	}
}

struct kt_burst {
	int cpu, target;
	unsigned int first, n;
	pthread_barrier_t *barrier;	/* twice: ready, then go */
	volatile int *phase2;		/* the parent lets the second burst go */
	volatile int *done;		/* bursts finished, all threads */
	int ret;
};

/*
 * One sender of immediate_hardirq_no_sleep: pinned, its ctl fd open and
 * everything else that could need the held CPU done before the barrier
 * (an affinity change or a TLB flush waits for a CPU that keeps irqs off).
 */
static void *kt_burst_thread(void *arg)
{
	struct kt_burst *b = arg;
	int fd;

	b->ret = kt_pin(b->cpu);
	fd = open(KT_CTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && !b->ret)
		b->ret = -errno;
	pthread_barrier_wait(b->barrier);
	pthread_barrier_wait(b->barrier);
	if (b->ret)
		goto out;
	b->ret = kt_cmd_fd(fd, "send %d %d imm %u %u pool", b->cpu, b->target, b->first, b->n);
	__atomic_add_fetch(b->done, 1, __ATOMIC_SEQ_CST);
	while (!b->ret && !*b->phase2)
		usleep(100);
	if (!b->ret)
		b->ret = kt_cmd_fd(fd, "send %d %d imm %u %u pool", b->cpu, b->target,
				   b->first + b->n, b->n);
out:
	__atomic_add_fetch(b->done, 1, __ATOMIC_SEQ_CST);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * Immediates run in hard irq, and nothing in them may sleep: not even on
 * PREEMPT_RT, where the allocator's locks are sleeping locks (taken in hard
 * irq they end in "BUG: scheduling while atomic", which fails the run).
 * The last CPU spins in an immediate (imm_hold) while every other CPU sends
 * it a burst of immediates through qchan_kmsg_call() from preemptible
 * process context: the senders' pools run dry and the rest of each burst
 * rides in GFP_ATOMIC fallback slots.  Then the holder is released while a
 * second burst is sent: every message runs in hard irq on the held CPU, and
 * no fallback slot is freed there, each is handed to the routine side
 * (free_defer) and freed in the end (fb_freed catches up with pool_fb).
 * The release itself waits in qchan_kmsg_sync(), woken from hard irq.
 */
TEST_F_TIMEOUT(kmsg, immediate_hardirq_no_sleep, 300)
{
	const unsigned int n = 600, pool = 256;
	int target = self->ncpu - 1, senders = self->ncpu - 1, i, bad = 0;
	long before[ST_N], after[ST_N], d_fb, d_defer;
	volatile int phase2 = 0, done = 0;
	int stats;
	struct kt_burst bursts[256];
	pthread_t threads[256];
	pthread_barrier_t barrier;
	unsigned int total;
	struct kt_rec *recs;

	KT_REQUIRE();
	ASSERT_GE(256, self->ncpu);
	total = 2 * n * senders;
	ASSERT_EQ(0, kt_cmd("reset %u %u", total, total));
	/* Judged after the run: a module without the counters must still run it. */
	stats = kt_stats(before);
	/* Nothing of ours may need the held CPU while it spins. */
	ASSERT_EQ(0, kt_pin(0));
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, senders + 1));
	for (i = 0; i < senders; i++) {
		bursts[i] = (struct kt_burst){ .cpu = i, .target = target, .first = 2 * n * i,
					       .n = n, .barrier = &barrier, .phase2 = &phase2,
					       .done = &done };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, kt_burst_thread, &bursts[i]));
	}
	/* The senders are pinned, their fds open, before the CPU is held. */
	pthread_barrier_wait(&barrier);
	ASSERT_EQ(0, kt_cmd("imm_hold %d %d", target, 5000));
	pthread_barrier_wait(&barrier);
	for (i = 0; i < 4000 && __atomic_load_n(&done, __ATOMIC_SEQ_CST) < senders; i++)
		usleep(1000);
	EXPECT_LE(senders, done) TH_LOG("the first bursts took longer than the hold");
	phase2 = 1;
	ASSERT_EQ(0, kt_cmd("release"));
	for (i = 0; i < senders; i++) {
		pthread_join(threads[i], NULL);
		EXPECT_EQ(0, bursts[i].ret) TH_LOG("sender %d: %s", i, strerror(-bursts[i].ret));
	}
	pthread_barrier_destroy(&barrier);
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	kt_expect_clean(_metadata, total, true);

	recs = calloc(total, sizeof(*recs));
	ASSERT_NE(NULL, recs);
	ASSERT_EQ((int)total, kt_read_records(recs, total));
	for (i = 0; i < (int)total; i++) {
		struct kt_rec *r = &recs[i];

		if ((!r->hardirq || !r->irqs_off || r->preemptible || r->ran_cpu != target) &&
		    !bad++)
			TH_LOG("id %d ran on cpu %d: hardirq %d irqs_off %d preemptible %d", i,
			       r->ran_cpu, r->hardirq, r->irqs_off, r->preemptible);
	}
	EXPECT_EQ(0, bad);
	free(recs);

	/* Every fallback slot ran in hard irq: none may have been freed there. */
	ASSERT_EQ(0, stats) TH_LOG("kmsg/stats lacks pool_noalloc, free_defer, fb_freed");
	ASSERT_EQ(0, kt_stats(after));
	d_fb = after[ST_POOL_FB] - before[ST_POOL_FB];
	d_defer = after[ST_FREE_DEFER] - before[ST_FREE_DEFER];
	EXPECT_LE((long)(senders * (n - pool)), d_fb) TH_LOG("the pools did not run dry");
	EXPECT_EQ(d_fb, d_defer);
	EXPECT_EQ(0, after[ST_POOL_ERR] - before[ST_POOL_ERR]);
	/* The deferred frees are routine messages of their own: let them run. */
	for (i = 0; i < 100 && after[ST_FB_FREED] != after[ST_POOL_FB]; i++) {
		usleep(100000);
		ASSERT_EQ(0, kt_stats(after));
	}
	EXPECT_EQ(after[ST_POOL_FB], after[ST_FB_FREED]) TH_LOG("fallback slots leaked");
	TH_LOG("%u immediates in hard irq, %ld fallback slots, %ld frees deferred", total, d_fb,
	       d_defer);
}

/*
 * Hard irq may not allocate (the allocator's locks sleep on PREEMPT_RT): an
 * immediate handler on CPU 0 calls qchan_kmsg_call() 1,000 times for its
 * own CPU, whose messages cannot run before it returns.  The pool carries
 * the first ones; the others fail with -ENOMEM (pool_noalloc) instead of
 * taking the GFP_ATOMIC fallback.  What was sent runs, in hard irq.
 */
TEST_F(kmsg, hardirq_pool_no_alloc)
{
	const unsigned int n = 1000, pool = 256;
	long before[ST_N], after[ST_N];
	struct kt_totals t;
	struct kt_rec *recs;
	int i, ran, stats, bad = 0;

	KT_REQUIRE();
	ASSERT_EQ(0, kt_cmd("reset %u %u", n, n));
	ASSERT_EQ(0, kt_pin(0));
	stats = kt_stats(before);
	ASSERT_EQ(0, kt_cmd("send 0 0 imm 0 %u hardpool", n));
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	ASSERT_EQ(0, kt_read_totals(&t));
	EXPECT_EQ((long)n, t.sent + t.send_fail);
	EXPECT_EQ(t.sent, t.ran);
	EXPECT_LE((long)(n - pool), t.send_fail) TH_LOG("more sent than a pool holds");
	EXPECT_LT(0, t.sent);
	ASSERT_EQ(0, stats) TH_LOG("kmsg/stats lacks pool_noalloc, free_defer, fb_freed");
	ASSERT_EQ(0, kt_stats(after));
	EXPECT_EQ(t.send_fail, after[ST_POOL_NOALLOC] - before[ST_POOL_NOALLOC]);
	EXPECT_EQ(0, after[ST_POOL_FB] - before[ST_POOL_FB]) TH_LOG("allocated in hard irq");
	EXPECT_EQ(0, t.badctx);

	recs = calloc(n, sizeof(*recs));
	ASSERT_NE(NULL, recs);
	ran = kt_read_records(recs, n);
	EXPECT_EQ(t.ran, ran);
	for (i = 0; i < (int)n; i++)
		if (recs[i].ran && (!recs[i].hardirq || recs[i].ran_cpu) && !bad++)
			TH_LOG("id %d ran on cpu %d, hardirq %d", i, recs[i].ran_cpu,
			       recs[i].hardirq);
	EXPECT_EQ(0, bad);
	free(recs);
}

struct kt_flood {
	int ncpu;
	unsigned int chunk, rounds;
	unsigned int per_child;		/* ids per sending child */
	volatile int *stop;		/* shared: the parent asks children to stop */
	volatile long *sent;		/* shared: per child, messages sent so far */
};

/*
 * A child pinned to @cpu sends to every CPU, both types, cycling through the
 * four sending contexts; ids increase per sender, so order is checkable.
 */
static int kt_flood_child(const struct kt_flood *fl, int cpu)
{
	unsigned int base = cpu * fl->per_child, id = base, r;
	int fd, t, type, ret;

	if (kt_pin(cpu))
		return 1;
	fd = open(KT_CTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 2;
	for (r = 0; r < fl->rounds && !*fl->stop; r++) {
		for (t = 0; t < fl->ncpu; t++) {
			for (type = IMM; type <= RTN; type++) {
				ret = kt_cmd_fd(fd, "send %d %d %s %u %u %s", cpu, t, kt_type[type],
						id, fl->chunk, kt_mode[(r + t + type) % 4]);
				if (ret) {
					fprintf(stderr, "child %d: send: %s\n", cpu, strerror(-ret));
					return 3;
				}
				id += fl->chunk;
				fl->sent[cpu] += fl->chunk;
			}
		}
	}
	close(fd);
	return 0;
}

static int kt_flood_start(struct kt_flood *fl, pid_t *pids)
{
	int c;

	for (c = 0; c < fl->ncpu; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			return -errno;
		if (!pids[c])
			_exit(kt_flood_child(fl, c));
	}
	return 0;
}

static int kt_flood_wait(struct kt_flood *fl, pid_t *pids)
{
	int c, status, bad = 0;

	for (c = 0; c < fl->ncpu; c++) {
		if (waitpid(pids[c], &status, 0) != pids[c] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	}
	return bad;
}

static void *kt_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static long kt_sum(volatile long *v, int n)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* 10^6 messages from every CPU to every CPU: none lost, none run twice, none reordered. */
TEST_F_TIMEOUT(kmsg, flood_million, 900)
{
	struct kt_flood fl = { .ncpu = self->ncpu, .chunk = 1000 };
	unsigned int per_round = fl.ncpu * 2 * fl.chunk;
	long total;
	pid_t pids[256];

	KT_REQUIRE();
	ASSERT_GE(256, self->ncpu);
	/* Rounds so that the total reaches 10^6. */
	fl.rounds = (1000000 + fl.ncpu * per_round - 1) / (fl.ncpu * per_round);
	fl.per_child = fl.rounds * per_round;
	total = (long)fl.per_child * fl.ncpu;
	fl.stop = kt_shared(4096);
	fl.sent = kt_shared(4096);
	ASSERT_NE(NULL, fl.stop);
	ASSERT_NE(NULL, fl.sent);

	ASSERT_EQ(0, kt_cmd("reset %ld %d", total, 0));
	ASSERT_EQ(0, kt_flood_start(&fl, pids));
	ASSERT_EQ(0, kt_flood_wait(&fl, pids));
	ASSERT_EQ(total, kt_sum(fl.sent, fl.ncpu));
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	kt_expect_clean(_metadata, total, true);
	TH_LOG("%ld messages, %d CPUs", total, fl.ncpu);
}

/*
 * The last CPU goes offline and comes back, several times, while every CPU
 * floods every CPU: nothing is lost or run twice (messages for the offline
 * CPU run elsewhere, so order and placement are not checked), and the CPU
 * runs its own messages again once it is back.
 */
TEST_F_TIMEOUT(kmsg, hotplug_flood, 900)
{
	struct kt_flood fl = { .ncpu = self->ncpu, .chunk = 200 };
	char online[64];
	int victim = self->ncpu - 1, cycles = 0, i, val;
	struct kt_totals t;
	struct kt_rec recs[8];
	pid_t pids[256];
	long total;

	KT_REQUIRE();
	ASSERT_GE(256, self->ncpu);
	snprintf(online, sizeof(online), "/sys/devices/system/cpu/cpu%d/online", victim);
	if (access(online, W_OK))
		SKIP(return, "cpu%d cannot go offline", victim);
	/* About 1.2 million ids in all, whatever the CPU count. */
	fl.rounds = 1200000 / (fl.ncpu * fl.ncpu * 2 * fl.chunk);
	if (!fl.rounds)
		fl.rounds = 1;
	fl.per_child = fl.rounds * fl.ncpu * 2 * fl.chunk;
	fl.stop = kt_shared(4096);
	fl.sent = kt_shared(4096);
	ASSERT_NE(NULL, fl.stop);
	ASSERT_NE(NULL, fl.sent);

	ASSERT_EQ(0, kt_cmd("reset %ld %d", (long)fl.per_child * fl.ncpu, 0));
	ASSERT_EQ(0, kt_flood_start(&fl, pids));
	for (i = 0; i < 4; i++) {
		long before = kt_sum(fl.sent, fl.ncpu);

		usleep(100000);
		ASSERT_EQ(0, kt_write_str(online, "0"));
		ASSERT_EQ(0, kt_read_int(online, &val));
		ASSERT_EQ(0, val);
		usleep(100000);
		ASSERT_EQ(0, kt_write_str(online, "1"));
		/* Only a cycle during which messages were being sent counts. */
		if (kt_sum(fl.sent, fl.ncpu) > before)
			cycles++;
	}
	*fl.stop = 1;
	ASSERT_EQ(0, kt_flood_wait(&fl, pids));
	total = kt_sum(fl.sent, fl.ncpu);
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	kt_expect_clean(_metadata, total, false);
	ASSERT_EQ(0, kt_read_totals(&t));
	EXPECT_LT(0, cycles) TH_LOG("the flood ended before the CPU went offline");
	TH_LOG("%ld messages, %d offline cycles mid-flood, %ld ran elsewhere, %ld out of order",
	       total, cycles, t.misplaced, t.ooo);

	/* Back online: its messages run on it again, in their contexts. */
	ASSERT_EQ(0, kt_cmd("reset 8 8"));
	ASSERT_EQ(0, kt_pin(0));
	ASSERT_EQ(0, kt_cmd("send 0 %d imm 0 4 task", victim));
	ASSERT_EQ(0, kt_cmd("send 0 %d rtn 4 4 task", victim));
	ASSERT_EQ(0, kt_cmd("wait %d", KT_WAIT_MS));
	ASSERT_EQ(8, kt_read_records(recs, 8));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(victim, recs[i].ran_cpu);
	kt_expect_clean(_metadata, 8, true);
}

/* qchan_kmsg_on_each_cpu(): every online CPU reports, from itself, in hard irq. */
TEST_F(kmsg, snapshot)
{
	char line[256];
	int cpu, ran_on, hardirq, seen = 0;
	FILE *f;

	KT_REQUIRE();
	f = fopen(KT_DIR "/snapshot", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %d %d", &cpu, &ran_on, &hardirq) != 3)
			continue;
		EXPECT_EQ(cpu, ran_on);
		EXPECT_EQ(1, hardirq);
		seen++;
	}
	fclose(f);
	EXPECT_EQ(self->ncpu, seen);
}

/*
 * qchan_kmsg_timer: on every CPU, 20 timers 50 ms out; the 10 cancelled at
 * once never run, the 10 others run once each, on that CPU, in process
 * context, not early, and are finished when their cancel returns.
 */
TEST_F(kmsg, timers)
{
	int cpu, n, ran, cancelled, late, extra, misplaced, early, badctx;
	char res[256];
	FILE *f;
	int c;

	KT_REQUIRE();
	for (c = 0; c < self->ncpu; c++) {
		ASSERT_EQ(0, kt_cmd("timer %d 20 50000", c));
		f = fopen(KT_DIR "/test/bench", "re");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(res, sizeof(res), f));
		fclose(f);
		ASSERT_EQ(9, sscanf(res, "timer %d %d ran %d cancelled %d late_cancel %d extra %d"
				    " misplaced %d early %d badctx %d", &cpu, &n, &ran, &cancelled,
				     &late, &extra, &misplaced, &early, &badctx)) TH_LOG("%s", res);
		EXPECT_EQ(c, cpu);
		EXPECT_EQ(20, n);
		EXPECT_EQ(10, ran) TH_LOG("%s", res);
		EXPECT_EQ(10, cancelled) TH_LOG("%s", res);
		EXPECT_EQ(0, late) TH_LOG("%s", res);
		EXPECT_EQ(0, extra) TH_LOG("%s", res);
		EXPECT_EQ(0, misplaced) TH_LOG("%s", res);
		EXPECT_EQ(0, early) TH_LOG("%s", res);
		EXPECT_EQ(0, badctx) TH_LOG("%s", res);
	}
}

/* The wake_home counter of the "all" line of kmsg/stats. */
static long kt_wake_home_total(void)
{
	long v[ST_N];

	return kt_stats_cols(v, ST_WAKE_HOME + 1) ? -1 : v[ST_WAKE_HOME];
}

/*
 * qchan_kmsg_wake() under both policies wakes a sleeping kthread every time
 * (the in-kernel benchmark waits for each answer); only the home policy
 * ships wake-ups to the sleeper's CPU as kernel messages.
 */
TEST_F(kmsg, wake_policies)
{
	const int n = 200;
	long before, after;
	char res[160], what[16];
	unsigned int src, dst, count;
	FILE *f;
	int policy;

	KT_REQUIRE();
	for (policy = 0; policy < 2; policy++) {
		const char *name = policy ? "wake_home" : "wake_local";

		before = kt_wake_home_total();
		ASSERT_LE(0, before);
		ASSERT_EQ(0, kt_cmd("bench %s 0 1 %d", name, n));
		after = kt_wake_home_total();
		f = fopen(KT_DIR "/test/bench", "re");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(res, sizeof(res), f));
		fclose(f);
		ASSERT_EQ(4, sscanf(res, "%15s %u %u %u", what, &src, &dst, &count));
		EXPECT_STREQ(name, what);
		EXPECT_EQ((unsigned int)n, count);
		if (policy) {
			EXPECT_LT(before, after) TH_LOG("no wake-up went to the home CPU");
		} else {
			EXPECT_EQ(before, after);
		}
		TH_LOG("%s", res);
	}
}

/* Reads "name=value ..." for every parameter of the loaded module. */
static int kt_module_params(char *buf, size_t len)
{
	struct dirent *de;
	size_t used = 0;
	DIR *d;

	d = opendir(KT_PARAMS);
	if (!d)
		return -errno;
	buf[0] = '\0';
	while ((de = readdir(d))) {
		char path[512], val[128];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), KT_PARAMS "/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* write-only parameters */
		n = read(fd, val, sizeof(val) - 1);
		close(fd);
		if (n <= 0)
			continue;
		val[n] = '\0';
		val[strcspn(val, "\n")] = '\0';
		if (!strcmp(de->d_name, "kmsg_test"))
			continue;
		used += snprintf(buf + used, len - used, "%s=%s ", de->d_name, val);
		if (used >= len)
			return -E2BIG;
	}
	closedir(d);
	used += snprintf(buf + used, len - used, "kmsg_test=1");
	return used < len ? 0 : -E2BIG;
}

/*
 * Finds the last "kmsg: unload: S sent, R run" line in the kernel log, and
 * the test interface's count of background messages still queued then.
 */
static int kt_unload_line(long *sent, long *ran, long *swept, long *bg_sent, long *bg_ran)
{
	char rec[1024];
	int fd, found = -ENOENT;
	ssize_t n;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		char *p;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = '\0';
		p = strstr(rec, "kmsg: unload: ");
		if (p && sscanf(p, "kmsg: unload: %ld sent, %ld run (%ld in the final sweep)",
				sent, ran, swept) == 3)
			found = 0;
		p = strstr(rec, "kmsg_test: unload: background ");
		if (p)
			sscanf(p, "kmsg_test: unload: background %ld sent, %ld run", bg_sent, bg_ran);
	}
	close(fd);
	return found;
}

/*
 * Last: unload qchan while background senders on every CPU keep every queue
 * full (routine messages that sleep), then load it again.  The unload must
 * run everything that was queued: the module reports what it sent and ran.
 */
TEST_F_TIMEOUT(kmsg, unload_while_busy, 300)
{
	const char *ko = getenv("QCHAN_KO") ? getenv("QCHAN_KO") : "/lib/modules/qchan.ko";
	long sent = -1, ran = -2, swept = -1, bg_sent = -1, bg_ran = -1;
	char params[1024];
	int fd, ret, i;

	KT_REQUIRE();
	if (access(ko, R_OK))
		SKIP(return, "%s missing (set QCHAN_KO)", ko);
	ASSERT_EQ(0, kt_module_params(params, sizeof(params)));
	ASSERT_EQ(0, kt_cmd("bg_start mix 4"));
	usleep(300000);

	/* Someone else may hold the module for a moment: retry briefly. */
	for (i = 0; i < 100; i++) {
		ret = syscall(SYS_delete_module, "qchan", O_NONBLOCK);
		if (!ret || (errno != EAGAIN && errno != EBUSY))
			break;
		usleep(50000);
	}
	if (ret) {
		ret = -errno;
		kt_cmd("bg_stop");
		ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	}

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	ASSERT_EQ(0, ret) TH_LOG("finit_module %s \"%s\": %s", ko, params, strerror(errno));
	EXPECT_EQ(0, access(KT_CTL, W_OK));

	ASSERT_EQ(0, kt_unload_line(&sent, &ran, &swept, &bg_sent, &bg_ran));
	EXPECT_EQ(sent, ran);
	EXPECT_LT(0, bg_sent);
	TH_LOG("unload ran %ld of %ld messages sent since load (%ld in the final sweep);"
	       " %ld background messages were still queued when the unload began",
	       ran, sent, swept, bg_sent - bg_ran);
}

TEST_HARNESS_MAIN
