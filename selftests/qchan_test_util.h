/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the qchan message-passing selftests (selftests/msg_*).
 *
 * Rules the helpers follow, so the tests can rely on them:
 *  - Nothing here uses the kselftest ASSERT/EXPECT macros: they longjmp to the
 *    test's main thread, which is wrong from a helper thread or a forked child.
 *    Helpers return 0 / -errno (or a value) and the test asserts on that.
 *  - Blocking states are observed, never slept for: a thread blocked in the
 *    module shows state 'S' (or 'D') in /proc/<pid>/task/<tid>/stat and a
 *    module function ("... [qchan]") in .../wchan.  Every wait is a bounded
 *    poll (QT_WAIT_MS) so a kernel that never blocks or never wakes fails the
 *    test instead of hanging it.
 */
#ifndef QCHAN_TEST_UTIL_H
#define QCHAN_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/qchan.h>
#include <sys/neutrino.h>

/* Upper bound of every poll for a state: generous, TCG is slow. */
#define QT_WAIT_MS	10000

#define QT_STATS_PATH	"/sys/kernel/debug/qchan/stats"
#define QT_PARAM_DIR	"/sys/module/qchan/parameters/"

#define QT_MIB		(1024UL * 1024UL)

static inline pid_t qt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline long long qt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void qt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- module counters (debugfs) ---- */

struct qt_stats {
	long contexts;
	long channels;
	long connections;
	long msgs_in_flight;
	long pulses;
	long server_connections;
	long events;
	long thread_records;
	long pinned_pages;
	long msgs_total;
	long bytes_inline;
	long bytes_direct;
	long timers;
};

/* Reads one counter of the stats file by name (those outside struct qt_stats); -1 if missing. */
static inline long qt_stat_read(const char *want)
{
	char name[64];
	long value, found = -1;
	FILE *f = fopen(QT_STATS_PATH, "re");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &value) == 2)
		if (!strcmp(name, want))
			found = value;
	fclose(f);
	return found;
}

/* Reads /sys/kernel/debug/qchan/stats; 0, or -errno (-EPROTO: a counter is missing). */
static inline int qt_stats_read(struct qt_stats *s)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "contexts", offsetof(struct qt_stats, contexts) },
		{ "channels", offsetof(struct qt_stats, channels) },
		{ "connections", offsetof(struct qt_stats, connections) },
		{ "msgs_in_flight", offsetof(struct qt_stats, msgs_in_flight) },
		{ "pulses", offsetof(struct qt_stats, pulses) },
		{ "server_connections", offsetof(struct qt_stats, server_connections) },
		{ "events", offsetof(struct qt_stats, events) },
		{ "thread_records", offsetof(struct qt_stats, thread_records) },
		{ "pinned_pages", offsetof(struct qt_stats, pinned_pages) },
		{ "msgs_total", offsetof(struct qt_stats, msgs_total) },
		{ "bytes_inline", offsetof(struct qt_stats, bytes_inline) },
		{ "bytes_direct", offsetof(struct qt_stats, bytes_direct) },
		{ "timers", offsetof(struct qt_stats, timers) },
	};
	unsigned int seen = 0;
	char name[64];
	long value;
	FILE *f;

	f = fopen(QT_STATS_PATH, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", name, &value) == 2) {
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (!strcmp(name, fields[i].name)) {
				*(long *)((char *)s + fields[i].off) = value;
				seen |= 1U << i;
			}
		}
	}
	fclose(f);
	return seen == (1U << (sizeof(fields) / sizeof(fields[0]))) - 1 ? 0 : -EPROTO;
}

/* True if the live-object counters of @a and @b agree. */
static inline bool qt_stats_same_objects(const struct qt_stats *a, const struct qt_stats *b)
{
	return a->channels == b->channels && a->connections == b->connections &&
	       a->msgs_in_flight == b->msgs_in_flight && a->pinned_pages == b->pinned_pages &&
	       a->pulses == b->pulses && a->server_connections == b->server_connections &&
	       a->events == b->events && a->timers == b->timers &&
	       a->thread_records == b->thread_records;
}

/*
 * Waits until channels, connections, msgs_in_flight, pulses, server_connections,
 * events, timers, thread_records and pinned_pages are back
 * at @before (process exit tears down asynchronously to waitpid's caller).
 * Leaves the last reading in @now.  0, or -ETIMEDOUT / -errno.
 */
static inline int qt_stats_wait_settled(const struct qt_stats *before, struct qt_stats *now)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	int err;

	for (;;) {
		err = qt_stats_read(now);
		if (err)
			return err;
		if (qt_stats_same_objects(before, now))
			return 0;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(2);
	}
}

/* Waits until msgs_in_flight is at least @want; 0 or -ETIMEDOUT / -errno. */
static inline int qt_wait_in_flight(long want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	struct qt_stats s;
	int err;

	for (;;) {
		err = qt_stats_read(&s);
		if (err)
			return err;
		if (s.msgs_in_flight >= want)
			return 0;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
}

/* ---- module parameters (sysfs) ---- */

static inline int qt_param_get(const char *name, unsigned long *val)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), QT_PARAM_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", val) == 1;
	fclose(f);
	return ok ? 0 : -EPROTO;
}

static inline int qt_param_set(const char *name, unsigned long val)
{
	char path[256], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), QT_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lu\n", val);
	if (write(fd, buf, (size_t)len) != len)
		ret = -errno ?: -EIO;
	close(fd);
	return ret;
}

/* ---- observing blocked threads ---- */

/* State letter of a thread ('R', 'S', 'D', 'Z', ...), or 0 if it is gone. */
static inline char qt_task_state(pid_t pid, pid_t tid)
{
	char path[128], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: the state follows the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/* The kernel function a sleeping thread waits in ("0" while it runs). */
static inline int qt_task_wchan(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}


/* Polls until thread @tid of @pid is in state @want (e.g. 'T': stopped). 0 or -ETIMEDOUT. */
static inline int qt_wait_state(pid_t pid, pid_t tid, char want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (qt_task_state(pid, tid) != want) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return 0;
}
/*
 * True if the thread sleeps inside the qchan module.  wchan prints module
 * symbols as "function [qchan]", so any wait the module implements matches
 * whatever its functions are called.
 */
static inline bool qt_task_blocked_in_qchan(pid_t pid, pid_t tid)
{
	char state = qt_task_state(pid, tid);
	char wchan[256];

	if (state != 'S' && state != 'D')
		return false;
	if (qt_task_wchan(pid, tid, wchan, sizeof(wchan)))
		return false;
	if (!strstr(wchan, "qchan"))
		return false;
	/* The state may have changed between the two reads: confirm it. */
	state = qt_task_state(pid, tid);
	return state == 'S' || state == 'D';
}

/* Waits for a thread to block in the module; 0 or -ETIMEDOUT (-ESRCH: it exited). */
static inline int qt_wait_blocked(pid_t pid, pid_t tid)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	for (;;) {
		if (qt_task_blocked_in_qchan(pid, tid))
			return 0;
		if (!qt_task_state(pid, tid))
			return -ESRCH;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
}

/* Process-wide (single-threaded child) variant. */
static inline int qt_wait_proc_blocked(pid_t pid)
{
	return qt_wait_blocked(pid, pid);
}

/* Waits for a thread id published by another thread (0 until it is set). */
static inline pid_t qt_wait_tid(_Atomic pid_t *tidp)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	pid_t tid;

	while (!(tid = atomic_load(tidp))) {
		if (qt_now_ms() > end)
			return 0;
		qt_sleep_ms(1);
	}
	return tid;
}

/* ---- signals ---- */

static inline void qt_noop_handler(int sig)
{
	(void)sig;
}

/* Installs a handler without SA_RESTART, so blocked calls return EINTR. */
static inline int qt_install_noop_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = qt_noop_handler;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

/* How many signals qt_counting_handler() has handled, in any thread of the test process. */
static _Atomic int qt_sig_count __attribute__((unused));

static inline void qt_counting_handler(int sig)
{
	(void)sig;
	atomic_fetch_add(&qt_sig_count, 1);
}

/* As qt_install_noop_handler(), but counting in qt_sig_count (set to 0 here). */
static inline int qt_install_counting_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = qt_counting_handler;
	sigemptyset(&sa.sa_mask);
	atomic_store(&qt_sig_count, 0);
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

/* ---- payloads ---- */

static inline uint64_t qt_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Byte @pos of the pattern stream @seed: lets any window of a message be checked. */
static inline uint8_t qt_pattern_byte(uint32_t seed, size_t pos)
{
	return (uint8_t)(qt_mix64(((uint64_t)seed << 40) ^ (pos >> 3)) >> ((pos & 7) * 8));
}

static inline uint64_t qt_pattern_word(uint32_t seed, size_t word)
{
	return qt_mix64(((uint64_t)seed << 40) ^ word);
}

/*
 * Fills @buf with pattern bytes [@pos, @pos + @len) of stream @seed.  Whole
 * 8-byte words of the stream are stored at once (little-endian: byte k of a
 * word is stream byte 8 * word + k), so 64 MiB fill quickly even under TCG.
 */
static inline void qt_fill(void *buf, size_t len, uint32_t seed, size_t pos)
{
	uint8_t *p = buf;
	uint64_t w;

	while (len && (pos & 7)) {
		*p++ = qt_pattern_byte(seed, pos++);
		len--;
	}
	while (len >= 8) {
		w = qt_pattern_word(seed, pos >> 3);
		memcpy(p, &w, 8);
		p += 8;
		pos += 8;
		len -= 8;
	}
	while (len--)
		*p++ = qt_pattern_byte(seed, pos++);
}

/* Index of the first byte of @buf that is not pattern [@pos, ...) of @seed, or -1. */
static inline ssize_t qt_check(const void *buf, size_t len, uint32_t seed, size_t pos)
{
	const uint8_t *p = buf, *start = buf;
	uint64_t w, got;

	while (len && (pos & 7)) {
		if (*p != qt_pattern_byte(seed, pos))
			return p - start;
		p++;
		pos++;
		len--;
	}
	while (len >= 8) {
		w = qt_pattern_word(seed, pos >> 3);
		memcpy(&got, p, 8);
		if (got != w)
			break;	/* the byte loop below finds the exact index */
		p += 8;
		pos += 8;
		len -= 8;
	}
	for (; len; len--, p++, pos++)
		if (*p != qt_pattern_byte(seed, pos))
			return p - start;
	return -1;
}

/* Index of the first byte of @buf that is not @c, or -1. */
static inline ssize_t qt_check_byte(const void *buf, size_t len, uint8_t c)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return (ssize_t)i;
	return -1;
}

static inline uint64_t qt_fnv1a(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Total length of an iov array. */
static inline size_t qt_iov_len(const iov_t *iov, size_t parts)
{
	size_t n = 0;

	for (size_t i = 0; i < parts; i++)
		n += GETIOVLEN(&iov[i]);
	return n;
}

/*
 * @len accessible bytes that end exactly where an inaccessible guard page
 * begins: a copy of p[0, len) works, one byte more faults.  Returns p
 * (MAP_FAILED on error); the mapping is never freed (tests are short-lived).
 */
static inline void *qt_map_guarded(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t mlen = (len + page - 1) / page * page + page;
	uint8_t *p;

	p = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	if (mprotect(p + mlen - page, page, PROT_NONE)) {
		munmap(p, mlen);
		return MAP_FAILED;
	}
	/* Align the end of the buffer to the guard page. */
	return p + (mlen - page - len);
}

/* @len bytes mapped without any access: every copy from or to them faults. */
static inline void *qt_map_inaccessible(size_t len)
{
	return mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* ---- clients on threads ---- */

enum qt_send_kind {
	QT_SEND,	/* MsgSend(coid, sbuf, slen, rbuf, rlen) */
	QT_SENDV,	/* MsgSendv(coid, siov, sparts, riov, rparts) */
	QT_SENDSV,	/* MsgSendsv(coid, sbuf, slen, riov, rparts) */
	QT_SENDVS,	/* MsgSendvs(coid, siov, sparts, rbuf, rlen) */
	QT_SENDNC,	/* MsgSendnc(coid, sbuf, slen, rbuf, rlen) */
	QT_SEND_R,	/* MsgSend_r: -errno in ret, errno untouched */
	QT_SENDVNC,	/* MsgSendvnc(coid, siov, sparts, riov, rparts) */
	QT_SENDSVNC,	/* MsgSendsvnc(coid, sbuf, slen, riov, rparts) */
	QT_SENDVSNC,	/* MsgSendvsnc(coid, siov, sparts, rbuf, rlen) */
};

/*
 * One MsgSend* on its own thread.  The main thread plays the server and
 * asserts; the client's outcome is read after qt_client_join().
 */
struct qt_client {
	pthread_t thread;
	enum qt_send_kind kind;
	int coid;
	const void *sbuf;
	size_t slen;
	void *rbuf;
	size_t rlen;
	const iov_t *siov;
	size_t sparts;
	const iov_t *riov;
	size_t rparts;
	int policy;		/* SCHED_OTHER (0) or SCHED_FIFO/RR with @prio */
	int prio;

	_Atomic pid_t tid;	/* published just before the send */
	_Atomic int done;
	long ret;		/* MsgSend*'s return value */
	int err;		/* errno when ret == -1 */
	int setup_err;		/* the thread could not set its priority */
};

static inline void *qt_client_fn(void *arg)
{
	struct qt_client *c = arg;
	long ret = -1;

	if (c->policy != SCHED_OTHER) {
		struct sched_param sp = { .sched_priority = c->prio };

		c->setup_err = pthread_setschedparam(pthread_self(), c->policy, &sp);
		if (c->setup_err) {
			atomic_store(&c->done, 1);
			return NULL;
		}
	}
	atomic_store(&c->tid, qt_gettid());
	errno = 0;
	switch (c->kind) {
	case QT_SEND:
		ret = MsgSend(c->coid, c->sbuf, c->slen, c->rbuf, c->rlen);
		break;
	case QT_SENDV:
		ret = MsgSendv(c->coid, c->siov, c->sparts, c->riov, c->rparts);
		break;
	case QT_SENDSV:
		ret = MsgSendsv(c->coid, c->sbuf, c->slen, c->riov, c->rparts);
		break;
	case QT_SENDVS:
		ret = MsgSendvs(c->coid, c->siov, c->sparts, c->rbuf, c->rlen);
		break;
	case QT_SENDNC:
		ret = MsgSendnc(c->coid, c->sbuf, c->slen, c->rbuf, c->rlen);
		break;
	case QT_SEND_R:
		ret = MsgSend_r(c->coid, c->sbuf, c->slen, c->rbuf, c->rlen);
		break;
	case QT_SENDVNC:
		ret = MsgSendvnc(c->coid, c->siov, c->sparts, c->riov, c->rparts);
		break;
	case QT_SENDSVNC:
		ret = MsgSendsvnc(c->coid, c->sbuf, c->slen, c->riov, c->rparts);
		break;
	case QT_SENDVSNC:
		ret = MsgSendvsnc(c->coid, c->siov, c->sparts, c->rbuf, c->rlen);
		break;
	}
	c->ret = ret;
	c->err = ret == -1 ? errno : 0;
	atomic_store(&c->done, 1);
	return NULL;
}

/* Starts a plain MsgSend client. */
static inline int qt_client_start(struct qt_client *c)
{
	int err;

	atomic_store(&c->tid, 0);
	atomic_store(&c->done, 0);
	c->ret = 0;
	c->err = 0;
	c->setup_err = 0;
	err = pthread_create(&c->thread, NULL, qt_client_fn, c);
	return -err;
}

static inline int qt_client_send(struct qt_client *c, int coid, const void *sbuf, size_t slen,
				 void *rbuf, size_t rlen)
{
	memset(c, 0, sizeof(*c));
	c->kind = QT_SEND;
	c->coid = coid;
	c->sbuf = sbuf;
	c->slen = slen;
	c->rbuf = rbuf;
	c->rlen = rlen;
	return qt_client_start(c);
}

/* Starts a client and waits until it sleeps in the module (queued or REPLY-blocked). */
static inline int qt_client_send_blocked(struct qt_client *c, int coid, const void *sbuf,
					 size_t slen, void *rbuf, size_t rlen)
{
	pid_t tid;
	int err;

	err = qt_client_send(c, coid, sbuf, slen, rbuf, rlen);
	if (err)
		return err;
	tid = qt_wait_tid(&c->tid);
	if (!tid)
		return -ETIMEDOUT;
	return qt_wait_blocked(getpid(), tid);
}

/* Joins a client, giving up (-ETIMEDOUT, thread left running) after QT_WAIT_MS. */
static inline int qt_client_join(struct qt_client *c)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (!atomic_load(&c->done)) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return -pthread_join(c->thread, NULL);
}

/* ---- a server thread blocked in MsgReceive ---- */

#define QT_RECEIVER_BUF	8192	/* msg_fault_test's whole bad message fits */

/*
 * One MsgReceive on its own thread: the main thread sends to it, signals
 * it or destroys its channel, and reads the outcome after
 * pthread_join(r->thread).
 */
struct qt_receiver {
	pthread_t thread;
	int chid;
	_Atomic pid_t tid;	/* published just before the receive */
	_Atomic int done;
	int rcvid;		/* MsgReceive's return value */
	int err;		/* errno when rcvid == -1 */
	struct _msg_info info;
	char buf[QT_RECEIVER_BUF];
};

static inline void *qt_receiver_fn(void *arg)
{
	struct qt_receiver *r = arg;

	atomic_store(&r->tid, qt_gettid());
	r->rcvid = MsgReceive(r->chid, r->buf, sizeof(r->buf), &r->info);
	r->err = r->rcvid < 0 ? errno : 0;
	atomic_store(&r->done, 1);
	return NULL;
}

/* Starts a receiver on @chid and waits until it sleeps in the module. */
static inline int qt_receiver_start(struct qt_receiver *r, int chid)
{
	pid_t tid;
	int err;

	memset(r, 0, sizeof(*r));
	r->chid = chid;
	err = pthread_create(&r->thread, NULL, qt_receiver_fn, r);
	if (err)
		return -err;
	tid = qt_wait_tid(&r->tid);
	if (!tid)
		return -ETIMEDOUT;
	return qt_wait_blocked(getpid(), tid);
}

/* ---- child processes ---- */

/*
 * Waits for a child, giving up after @ms (it is then killed): returns the
 * wait status, or -ETIMEDOUT.
 */
static inline int qt_waitpid_timeout(pid_t pid, int ms)
{
	long long end = qt_now_ms() + ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0)
			return -errno;
		if (qt_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		qt_sleep_ms(1);
	}
}

/* Exit code of a child that exited normally, else 1000 + signal, or the -errno of the wait. */
static inline int qt_child_result(pid_t pid)
{
	int status = qt_waitpid_timeout(pid, 3 * QT_WAIT_MS);

	if (status < 0)
		return status;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return 2000;
}

/* Writes/reads one int over a pipe (child/parent handshakes); 0 or -errno. */
static inline int qt_write_int(int fd, int v)
{
	return write(fd, &v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : -EIO;
}

static inline int qt_read_int(int fd, int *v)
{
	ssize_t n;

	do
		n = read(fd, v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*v) ? 0 : -EIO;
}

#endif /* QCHAN_TEST_UTIL_H */
