// SPDX-License-Identifier: GPL-2.0
/*
 * _NTO_CHF_THREAD_DEATH: each channel of a process that asked gets one
 * _PULSE_CODE_THREADDEATH pulse (value: the tid, scoid -1) for every thread
 * of the process that exits - however it exits (return, pthread_exit,
 * cancellation, a raw clone()d thread's SYS_exit), whenever it was created
 * (before the channel, by another thread) - never lost, never twice, never
 * counted against max_pulses.  Counters (thread_records included) back to
 * where they were after every test, kill -9 included.
 *
 * Worker threads block every signal: the receives here give up through
 * SIGALRM, which must reach the receiving thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "notice_util.h"

#include <sched.h>
#include <stdatomic.h>
#include <linux/futex.h>
#include <sys/mman.h>

FIXTURE(td) {
	struct qt_stats before;
	unsigned long max_pulses;
	int chid;
	int me;			/* our side connection to chid: sentinels */
};

FIXTURE_SETUP(td)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_param_get("max_pulses", &self->max_pulses));
	self->chid = 0;
	self->me = -1;
}

FIXTURE_TEARDOWN(td)
{
	struct qt_stats now;

	_metadata->trigger = 0;
	if (self->me >= 0)
		ConnectDetach(self->me);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	qt_param_set("max_pulses", self->max_pulses);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld pulses %ld->%ld thread_records %ld->%ld",
		       self->before.channels, now.channels, self->before.pulses, now.pulses,
		       self->before.thread_records, now.thread_records);
}

/* The fixture's THREAD_DEATH channel and our connection to it; 0 or -errno. */
static int td_open(FIXTURE_DATA(td) *self)
{
	self->chid = ChannelCreate(_NTO_CHF_THREAD_DEATH);
	if (self->chid <= 0)
		return -errno;
	self->me = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	return self->me < 0 ? -errno : 0;
}

/* Receives the one THREADDEATH expected on @chid: the tid, or -errno. */
static int expect_td(int chid)
{
	struct _pulse p;
	int code = receive_pulse(chid, &p);

	if (code != _PULSE_CODE_THREADDEATH)
		return code < 0 ? code : -EPROTO;
	if (p.scoid != -1)
		return -EBADSLT;
	return p.value.sival_int;
}

/* pthread_create with every signal blocked in the new thread. */
static int spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* A thread that records its tid and returns. */
static void *note_tid(void *arg)
{
	*(_Atomic pid_t *)arg = qt_gettid();
	return NULL;
}

/* Creates a thread that exits at once and joins it: its tid, or -errno. */
static pid_t run_one(void)
{
	_Atomic pid_t tid = 0;
	pthread_t t;
	int err = spawn(&t, note_tid, (void *)&tid);

	if (err)
		return -err;
	pthread_join(t, NULL);
	return tid;
}

TEST_F(td, one_thread_one_pulse)
{
	pid_t tid;
	int plain, plain_me;

	ASSERT_EQ(0, td_open(self));
	plain = ChannelCreate(0);
	ASSERT_GT(plain, 0);
	plain_me = ConnectAttach(0, 0, plain, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(plain_me, 0);

	tid = run_one();
	ASSERT_GT(tid, 0);
	EXPECT_EQ(tid, expect_td(self->chid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	/* A channel without the flag hears nothing. */
	EXPECT_TRUE(nothing_pending(plain, plain_me));
	/* Our own pulses do not compete with it: max_pulses 1 is no limit for the kernel. */
	ASSERT_EQ(0, qt_param_set("max_pulses", 1));
	ASSERT_EQ(0, MsgSendPulse(self->me, 0, 7, 0));
	tid = run_one();
	EXPECT_EQ(7, receive_pulse(self->chid, &(struct _pulse){ 0 }));
	EXPECT_EQ(tid, expect_td(self->chid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(0, ConnectDetach(plain_me));
	EXPECT_EQ(0, ChannelDestroy(plain));
}

/* ---- threads that existed before the channel ---- */

struct gate {
	int fd[2];		/* the threads wait for a byte each */
	_Atomic pid_t tid;
};

static void *wait_gate(void *arg)
{
	struct gate *g = arg;
	char c;

	g->tid = qt_gettid();
	if (read(g->fd[0], &c, 1) != 1)
		return (void *)1;
	return NULL;
}

TEST_F(td, threads_from_before_the_channel)
{
	struct gate g[4];
	pthread_t t[4];
	pid_t seen[4];
	int i, j, found;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pipe(g[i].fd));
		g[i].tid = 0;
		ASSERT_EQ(0, spawn(&t[i], wait_gate, &g[i]));
		ASSERT_GT(qt_wait_tid(&g[i].tid), 0);
	}
	ASSERT_EQ(0, td_open(self));
	/* Released in reverse order: the pulses come in the order of the exits. */
	for (i = 3; i >= 0; i--) {
		ASSERT_EQ(1, write(g[i].fd[1], "x", 1));
		pthread_join(t[i], NULL);
		seen[i] = expect_td(self->chid);
		EXPECT_EQ(g[i].tid, seen[i]);
	}
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	for (i = 0; i < 4; i++) {
		for (found = 0, j = 0; j < 4; j++)
			found += seen[j] == g[i].tid;
		EXPECT_EQ(1, found);
		close(g[i].fd[0]);
		close(g[i].fd[1]);
	}
}

/* ---- threads created by threads ---- */

struct chain {
	int depth;
	_Atomic pid_t *tids;	/* tids[depth] */
};

static void *chain_fn(void *arg)
{
	struct chain *c = arg;
	struct chain next = { c->depth + 1, c->tids };
	pthread_t t;

	c->tids[c->depth] = qt_gettid();
	if (next.depth < 4 && !pthread_create(&t, NULL, chain_fn, &next))
		pthread_join(t, NULL);
	return NULL;
}

TEST_F(td, grandchildren)
{
	_Atomic pid_t tids[4] = { 0 };
	struct chain c = { 0, tids };
	int i, j, found;
	pid_t got[4];
	pthread_t t;

	ASSERT_EQ(0, td_open(self));
	ASSERT_EQ(0, spawn(&t, chain_fn, &c));
	pthread_join(t, NULL);
	/*
	 * In any order: a joiner wakes (CLONE_CHILD_CLEARTID, in exit_mm())
	 * before the joined thread's exit tracepoint, so its own exit may
	 * overtake the notice of the thread it joined.
	 */
	for (i = 0; i < 4; i++)
		got[i] = expect_td(self->chid);
	for (i = 0; i < 4; i++) {
		ASSERT_GT(tids[i], 0);
		for (found = 0, j = 0; j < 4; j++)
			found += got[j] == tids[i];
		EXPECT_EQ(1, found) TH_LOG("depth %d, tid %d", i, tids[i]);
	}
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

/* ---- many threads, while the receiver lags ---- */

#define MANY		500
#define MANY_BATCH	10

struct many {
	_Atomic pid_t tids[MANY];
	_Atomic int made;
	int err;
};

/* Creates MANY short threads, MANY_BATCH at a time. */
static void *many_fn(void *arg)
{
	struct many *m = arg;
	pthread_t t[MANY_BATCH];
	int i, j;

	for (i = 0; i < MANY; i += MANY_BATCH) {
		for (j = 0; j < MANY_BATCH; j++) {
			m->err = pthread_create(&t[j], NULL, note_tid, (void *)&m->tids[i + j]);
			if (m->err)
				return NULL;
		}
		for (j = 0; j < MANY_BATCH; j++)
			pthread_join(t[j], NULL);
		m->made = i + MANY_BATCH;
	}
	return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F(td, many_threads_none_lost_none_twice)
{
	static struct many m;
	static pid_t got[MANY + 1], want[MANY + 1];
	pthread_t t;
	int n = 0, i, v;

	ASSERT_EQ(0, td_open(self));
	ASSERT_EQ(0, qt_param_set("max_pulses", 4));
	ASSERT_EQ(0, spawn(&t, many_fn, &m));
	/* A slow receiver: a pulse now and then while the threads come and go. */
	while (m.made < MANY && !m.err && n < MANY) {
		v = expect_td(self->chid);
		ASSERT_GT(v, 0) TH_LOG("pulse %d: %d", n, v);
		got[n++] = v;
		qt_sleep_ms(5);
	}
	pthread_join(t, NULL);
	ASSERT_EQ(0, m.err);
	/* MANY workers and the creator. */
	while (n < MANY + 1) {
		v = expect_td(self->chid);
		ASSERT_GT(v, 0) TH_LOG("pulse %d: %d", n, v);
		got[n++] = v;
	}
	EXPECT_TRUE(nothing_pending(self->chid, self->me));

	for (i = 0; i < MANY; i++)
		want[i] = m.tids[i];
	want[MANY] = 0;
	qsort(want, MANY, sizeof(pid_t), cmp_pid);
	qsort(got, MANY + 1, sizeof(pid_t), cmp_pid);
	/* The creator's tid is the one extra: find and drop it. */
	for (i = 0, v = 0; i < MANY + 1 && v < MANY; i++) {
		if (got[i] == want[v])
			v++;
	}
	EXPECT_EQ(MANY, v) TH_LOG("matched %d of %d worker tids", v, MANY);
	for (i = 1, v = 0; i < MANY + 1; i++)
		v += got[i - 1] == got[i];
	EXPECT_EQ(0, v) TH_LOG("%d tids came twice", v);
}

/* ---- channels made and destroyed while threads come and go ---- */

#define CHURN_MAX	4096
#define CHURN_ROUND	16

struct churn {
	_Atomic pid_t tids[CHURN_MAX];
	_Atomic int made;	/* threads created and joined */
	_Atomic bool stop;
	int err;
};

/* Creates and joins short threads until told to stop. */
static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	pthread_t t;

	while (!c->stop && c->made < CHURN_MAX) {
		c->err = pthread_create(&t, NULL, note_tid, (void *)&c->tids[c->made]);
		if (c->err)
			return NULL;
		pthread_join(t, NULL);
		c->made++;
	}
	return NULL;
}

/*
 * Every thread created after ChannelCreate returned is reported, whoever
 * created it and however the creation raced with the channel's own record
 * passes; destroying the channel with notices queued, while threads keep
 * coming and going, leaves nothing behind.
 */
TEST_F(td, channels_come_and_go_while_threads_churn)
{
	static struct churn c[2];
	pid_t want[2 * CHURN_ROUND];
	int round, i, k, n, v, from[2], left;
	pthread_t t[2];

	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, spawn(&t[k], churn_fn, &c[k]));
	for (round = 0; round < 8; round++) {
		self->chid = ChannelCreate(_NTO_CHF_THREAD_DEATH);
		ASSERT_GT(self->chid, 0);
		for (k = 0; k < 2; k++)
			from[k] = c[k].made + 1;	/* the one running may predate the channel */
		for (k = 0; k < 2; k++)
			while (c[k].made < from[k] + CHURN_ROUND && !c[k].err && c[k].made < CHURN_MAX)
				qt_sleep_ms(1);
		ASSERT_EQ(0, c[0].err);
		ASSERT_EQ(0, c[1].err);
		ASSERT_LT(c[0].made, CHURN_MAX);
		ASSERT_LT(c[1].made, CHURN_MAX);
		for (n = 0, k = 0; k < 2; k++)
			for (i = 0; i < CHURN_ROUND; i++)
				want[n++] = c[k].tids[from[k] + i];
		/* Others (threads from before the channel, or later ones) may come too. */
		for (left = n; left > 0;) {
			v = expect_td(self->chid);
			ASSERT_GT(v, 0) TH_LOG("round %d: %d of %d still missing", round, left, n);
			for (i = 0; i < n; i++) {
				if (want[i] == v) {
					want[i] = 0;
					left--;
				}
			}
		}
		/* Destroyed with notices of the ongoing churn queued. */
		ASSERT_EQ(0, ChannelDestroy(self->chid));
		self->chid = 0;
	}
	for (k = 0; k < 2; k++) {
		c[k].stop = true;
		pthread_join(t[k], NULL);
	}
}

/* ---- two channels; channels created and destroyed around the threads ---- */

TEST_F(td, every_channel_that_asks)
{
	struct gate g = { .tid = 0 };
	int second, second_me;
	pthread_t t;
	pid_t tid;

	ASSERT_EQ(0, td_open(self));
	ASSERT_EQ(0, pipe(g.fd));
	ASSERT_EQ(0, spawn(&t, wait_gate, &g));
	ASSERT_GT(qt_wait_tid(&g.tid), 0);
	/* Made while the thread runs: it hears of its death too. */
	second = ChannelCreate(_NTO_CHF_THREAD_DEATH | _NTO_CHF_DISCONNECT);
	ASSERT_GT(second, 0);
	second_me = ConnectAttach(0, 0, second, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(second_me, 0);
	ASSERT_EQ(1, write(g.fd[1], "x", 1));
	pthread_join(t, NULL);
	EXPECT_EQ(g.tid, expect_td(self->chid));
	EXPECT_EQ(g.tid, expect_td(second));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_TRUE(nothing_pending(second, second_me));

	/* The second one gone, a new thread's death reaches the first only. */
	EXPECT_EQ(0, ConnectDetach(second_me));
	EXPECT_EQ(0, ChannelDestroy(second));
	tid = run_one();
	EXPECT_EQ(tid, expect_td(self->chid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	close(g.fd[0]);
	close(g.fd[1]);
}

/* Waits until at least @want pulses are queued in the system; 0 or -errno. */
static int wait_pulses(long want, struct qt_stats *s)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	int err;

	for (;;) {
		err = qt_stats_read(s);
		if (err || s->pulses >= want)
			return err;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(2);
	}
}

/* ChannelDestroy with notices queued withdraws them; without a channel, no records. */
TEST_F(td, destroy_with_pulses_queued)
{
	struct qt_stats s;
	int i;

	ASSERT_EQ(0, td_open(self));
	for (i = 0; i < 20; i++)
		ASSERT_GT(run_one(), 0);
	/* The last notice may trail its pthread_join (see grandchildren). */
	ASSERT_EQ(0, wait_pulses(self->before.pulses + 20, &s));
	EXPECT_GT(s.thread_records, self->before.thread_records);
	EXPECT_EQ(0, ConnectDetach(self->me));
	EXPECT_EQ(0, ChannelDestroy(self->chid));
	self->me = -1;
	self->chid = 0;
	ASSERT_EQ(0, qt_stats_read(&s));
	EXPECT_EQ(self->before.pulses, s.pulses);
	EXPECT_EQ(self->before.thread_records, s.thread_records);
	/* Threads made and ended now cost nothing. */
	ASSERT_GT(run_one(), 0);
	ASSERT_EQ(0, qt_stats_read(&s));
	EXPECT_EQ(self->before.thread_records, s.thread_records);
}

/* ---- the ways a thread ends ---- */

static void *sleep_forever(void *arg)
{
	*(_Atomic pid_t *)arg = qt_gettid();
	for (;;)
		pause();
	return NULL;
}

TEST_F(td, pthread_cancel_and_pthread_exit)
{
	_Atomic pid_t tid = 0;
	pthread_t t;

	ASSERT_EQ(0, td_open(self));
	ASSERT_EQ(0, spawn(&t, sleep_forever, (void *)&tid));
	ASSERT_GT(qt_wait_tid(&tid), 0);
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	ASSERT_EQ(0, pthread_cancel(t));
	pthread_join(t, NULL);
	EXPECT_EQ(tid, expect_td(self->chid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

#define RAW_STACK	(64 * 1024)

static _Atomic pid_t raw_tid;

/* Runs on a bare clone()d thread: no TLS of its own, so nothing but raw syscalls. */
static int raw_fn(void *arg)
{
	(void)arg;
	raw_tid = (pid_t)syscall(SYS_gettid);
	syscall(SYS_exit, 0);
	return 0;
}

TEST_F(td, raw_clone_sys_exit)
{
	const int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			  CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	_Atomic pid_t ctid = 0;
	pid_t ptid = 0;
	long long end;
	char *stack;
	int r;

	ASSERT_EQ(0, td_open(self));
	stack = mmap(NULL, RAW_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stack);
	ctid = 1;
	r = clone(raw_fn, stack + RAW_STACK, flags, NULL, &ptid, NULL, (void *)&ctid);
	ASSERT_GT(r, 0);
	/* CLONE_CHILD_CLEARTID: the kernel zeroes ctid once the thread is gone. */
	end = qt_now_ms() + QT_WAIT_MS;
	while (ctid && qt_now_ms() < end) {
		struct timespec poll = { .tv_nsec = 100 * 1000 * 1000 };

		/* Bounded, so a thread that never ends is reported, not a harness timeout. */
		syscall(SYS_futex, &ctid, FUTEX_WAIT, ctid, &poll, NULL, 0);
	}
	ASSERT_EQ(0, ctid) {
		char path[64], line[256], wchan[64] = "";
		FILE *f;

		qt_task_wchan(getpid(), r, wchan, sizeof(wchan));
		TH_LOG("thread %d never ended: state %c, wchan %s, its stack:", r,
		       qt_task_state(getpid(), r), wchan);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack", r);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			TH_LOG("  %s", line);
		if (f)
			fclose(f);
	}
	EXPECT_EQ(r, raw_tid);
	EXPECT_EQ(r, expect_td(self->chid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	munmap(stack, RAW_STACK);
}

/* kill -9 of a process with threads and queued notices: nothing stays. */
TEST_F(td, kill9_leaks_nothing)
{
	int res[2], i, chid, n = 0;
	pid_t pid;
	pthread_t t;

	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		_Atomic pid_t tids[8];

		chid = ChannelCreate(_NTO_CHF_THREAD_DEATH);
		if (chid <= 0 || ChannelCreate(_NTO_CHF_THREAD_DEATH) <= 0)
			_exit(1);
		for (i = 0; i < 4; i++)
			run_one();
		for (i = 0; i < 8; i++)
			if (spawn(&t, sleep_forever, (void *)&tids[i]))
				_exit(2);
		if (write(res[1], &n, sizeof(n)) != sizeof(n))
			_exit(3);
		for (;;)
			pause();
	}
	close(res[1]);
	ASSERT_EQ((ssize_t)sizeof(n), read(res[0], &n, sizeof(n)));
	close(res[0]);
	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(pid));
	/* The teardown checks every counter, thread_records included. */
}

/* ---- other processes, exec, the main thread ---- */

/* A forked process's threads are its own: we hear nothing of them. */
TEST_F(td, forked_process_threads_not_ours)
{
	pid_t pid;

	ASSERT_EQ(0, td_open(self));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(run_one() > 0 ? 0 : 1);
	EXPECT_EQ(0, qt_child_result(pid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_GT(run_one(), 0);
	EXPECT_GT(expect_td(self->chid), 0);
}

#define EXEC_ENV	"QCHAN_TD_EXEC_EXIT"

/* The exec'd image: exits at once, before the harness starts. */
__attribute__((constructor)) static void exec_helper(void)
{
	if (getenv(EXEC_ENV))
		_exit(0);
}

static void *exec_fn(void *arg)
{
	char *args[] = { "msg_threaddeath_test", NULL };
	char *env[] = { EXEC_ENV "=1", NULL };

	(void)arg;
	execve("/proc/self/exe", args, env);
	return NULL;
}

/* A thread's exec ends the other threads and the context: nothing stays. */
TEST_F(td, exec_from_a_thread)
{
	_Atomic pid_t tids[4];
	pthread_t t;
	pid_t pid;
	int i;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (ChannelCreate(_NTO_CHF_THREAD_DEATH) <= 0)
			_exit(1);
		for (i = 0; i < 4; i++)
			if (spawn(&t, sleep_forever, (void *)&tids[i]))
				_exit(2);
		if (spawn(&t, exec_fn, NULL))
			_exit(3);
		for (;;)
			pause();
	}
	EXPECT_EQ(0, qt_child_result(pid));
	/* The teardown checks the counters, thread_records included. */
}

struct leader {
	int chid;
	pid_t pid;
	int res;	/* write end of a pipe: the tid received */
};

static void *await_leader(void *arg)
{
	struct leader *l = arg;
	int v = expect_td(l->chid);

	if (write(l->res, &v, sizeof(v)) != sizeof(v))
		_exit(4);
	_exit(0);
}

/* The main thread's pthread_exit while others run: its tid is the pid. */
TEST_F(td, main_thread_exits_first)
{
	struct leader l;
	int res[2], v = 0;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		l.chid = ChannelCreate(_NTO_CHF_THREAD_DEATH);
		l.pid = getpid();
		l.res = res[1];
		if (l.chid <= 0 || pthread_create(&t, NULL, await_leader, &l))
			_exit(1);
		pthread_exit(NULL);
	}
	close(res[1]);
	EXPECT_EQ((ssize_t)sizeof(v), read(res[0], &v, sizeof(v)));
	close(res[0]);
	EXPECT_EQ(pid, v);
	EXPECT_EQ(0, qt_child_result(pid));
}

/* ---- what it costs ---- */

static long long create_join_ns(int n)
{
	struct timespec a, b;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (run_one() <= 0)
			return -1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec) / n;
}

TEST_F(td, cost_of_pthread_create_join)
{
	long long without, with;
	int i;

	/* Warm up (translation, allocator), then measure both in the same process. */
	create_join_ns(50);
	without = create_join_ns(300);
	ASSERT_EQ(0, td_open(self));
	with = create_join_ns(300);
	ASSERT_GT(without, 0);
	ASSERT_GT(with, 0);
	for (i = 0; i < 300; i++)
		ASSERT_GT(expect_td(self->chid), 0);
	ksft_print_msg("pthread_create+join: %lld ns without, %lld ns with a THREAD_DEATH channel (x%.2f)\n",
		       without, with, (double)with / without);
	/* Loose: a loaded TCG host varies a lot; it catches a runaway cost only. */
	EXPECT_LT(with, without * 10);
}

TEST_HARNESS_MAIN
