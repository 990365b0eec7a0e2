// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, time-bounded fuzzer of /dev/qchan.
 *
 * Worker processes issue random and mutated ioctls on their context fd:
 * every command number in the module's range with every 8-byte-multiple
 * argument size (so commands added later are reached without a table),
 * argument blocks whose words are mostly zero (reserved fields must be, or
 * validation stops at the first check), small ids, the worker's own and its
 * peers' pids, chids, coids and rcvids, and pointers to hostile memory: NULL,
 * kernel addresses, unaligned, read-only, PROT_NONE, unmapped, and a region
 * another thread keeps mprotect()ing and remapping during the copies;
 * vectors of such pointers with lengths from 0 to SIZE_MAX.  They also make
 * valid QNX calls against each other's channels (sends and receives with
 * short timeouts, replies and errors with hostile buffers, pulses, attaches
 * and detaches), fork while other threads are blocked (with and without
 * libchan's fork handler), and a killer in the parent SIGKILLs, SIGSTOPs and
 * SIGCONTs them and starts new ones.
 *
 * The kernel runs with panic_on_warn, so a WARNING, BUG or Oops ends the
 * guest.  Afterwards every worker must die within a bounded time (none stuck
 * in D state) and every live-object counter must be back where it was.
 *
 * Environment: QCHAN_FUZZ_SECONDS (default 12), QCHAN_FUZZ_SEED (default:
 * from the clock; printed either way), QCHAN_FUZZ_WORKERS (default 4, at most
 * 16).  A long run in a guest:
 *   scripts/vm run --kernel 6.1 --smp 4 --timeout 1200 --file build/selftests/fuzz_test -- \
 *	env QCHAN_FUZZ_SECONDS=600 ./fuzz_test
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <sys/ioctl.h>
#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define FZ_MAX_WORKERS	16
#define FZ_CHANS	3
#define FZ_IDS		16

/* What the workers share: who they are, what they made, how much they did. */
struct fz_board {
	_Atomic unsigned long ioctls;
	_Atomic unsigned long calls;
	_Atomic unsigned long forks;
	struct {
		_Atomic int pid;
		_Atomic int chid[FZ_CHANS];
	} w[FZ_MAX_WORKERS];
};

static struct fz_board *board;
static int nworkers;

/* xorshift64*: per thread, seeded from the run's seed. */
static uint64_t fz_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t fz_below(uint64_t *s, uint64_t n)
{
	return n ? fz_next(s) % n : 0;
}

/* ---- hostile memory, per worker ---- */

#define FZ_BUF		(256 * 1024)
#define FZ_FLICKER	(64 * 1024)

struct fz_mem {
	uint8_t *rw;		/* FZ_BUF, readable and writable */
	uint8_t *ro;		/* 4 pages, read-only */
	uint8_t *none;		/* 4 pages, PROT_NONE */
	uint8_t *unmapped;	/* 4 pages, mapped and unmapped again */
	uint8_t *guarded;	/* 4096 bytes ending at a PROT_NONE page */
	uint8_t *flicker;	/* FZ_FLICKER: the flicker thread changes it all the time */
	struct iovec *iov;	/* 64 vectors' worth, in rw-like memory */
};

static struct fz_mem mem;
static _Atomic int stop_threads;

static void *fz_map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int fz_mem_init(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	mem.rw = fz_map(FZ_BUF, PROT_READ | PROT_WRITE);
	mem.ro = fz_map(4 * page, PROT_READ);
	mem.none = fz_map(4 * page, PROT_NONE);
	mem.unmapped = fz_map(4 * page, PROT_READ | PROT_WRITE);
	mem.flicker = fz_map(FZ_FLICKER, PROT_READ | PROT_WRITE);
	mem.iov = fz_map(64 * 64 * sizeof(struct iovec), PROT_READ | PROT_WRITE);
	mem.guarded = qt_map_guarded(4096);
	if (!mem.rw || !mem.ro || !mem.none || !mem.unmapped || !mem.flicker || !mem.iov ||
	    mem.guarded == MAP_FAILED)
		return -ENOMEM;
	munmap(mem.unmapped, 4 * page);
	return 0;
}

/* A pointer somewhere a copy may or may not be allowed to go. */
static uint64_t fz_ptr(uint64_t *s)
{
	switch (fz_below(s, 12)) {
	case 0: return 0;
	case 1: return 0xffff888000000000ULL + fz_below(s, 1 << 20) * 8;	/* direct map */
	case 2: return 0xffffffff81000000ULL;				/* kernel text */
	case 3: return (uintptr_t)mem.ro + fz_below(s, 4096);
	case 4: return (uintptr_t)mem.none + fz_below(s, 4096);
	case 5: return (uintptr_t)mem.unmapped + fz_below(s, 4096);
	case 6: return (uintptr_t)mem.guarded + fz_below(s, 4096);
	case 7:
	case 8: return (uintptr_t)mem.flicker + fz_below(s, FZ_FLICKER);
	case 9: return (uintptr_t)mem.rw + 1 + fz_below(s, 64);		/* unaligned */
	case 10: return 1ULL << 47;					/* just past user space */
	default: return (uintptr_t)mem.rw + fz_below(s, FZ_BUF / 2);
	}
}

static uint64_t fz_len(uint64_t *s)
{
	static const uint64_t lens[] = {
		0, 1, 7, 16, 255, 256, 257, 1024, 4095, 4096, 4097, 65536, 1 << 20,
		0x7fffffff, 0x80000000ULL, 0xffffffffULL, SIZE_MAX, SIZE_MAX / 2,
	};

	if (fz_below(s, 4) == 0)
		return fz_below(s, 70000);
	return lens[fz_below(s, ARRAY_SIZE(lens))];
}

/* A vector of @n hostile or valid parts; returns its address. */
static struct iovec *fz_iov(uint64_t *s, unsigned int n)
{
	struct iovec *iov = mem.iov + fz_below(s, 64) * 64;

	if (n > 64)
		n = 64;
	for (unsigned int i = 0; i < n; i++) {
		if (fz_below(s, 2)) {
			iov[i].iov_base = mem.rw + fz_below(s, FZ_BUF / 2);
			iov[i].iov_len = fz_below(s, FZ_BUF / 2);
		} else {
			iov[i].iov_base = (void *)(uintptr_t)fz_ptr(s);
			iov[i].iov_len = fz_len(s);
		}
	}
	/* Overlapping parts now and then. */
	if (n > 1 && fz_below(s, 4) == 0)
		iov[1] = iov[0];
	return iov;
}

/* Keeps changing the flicker region under the copies. */
static void *fz_flicker_fn(void *arg)
{
	uint64_t s = (uintptr_t)arg | 1;

	while (!atomic_load(&stop_threads)) {
		switch (fz_below(&s, 4)) {
		case 0:
			mprotect(mem.flicker, FZ_FLICKER, PROT_NONE);
			break;
		case 1:
			mprotect(mem.flicker, FZ_FLICKER, PROT_READ);
			break;
		case 2:
			mmap(mem.flicker, FZ_FLICKER, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		default:
			mprotect(mem.flicker, FZ_FLICKER, PROT_READ | PROT_WRITE);
			madvise(mem.flicker, FZ_FLICKER, MADV_DONTNEED);
			break;
		}
		usleep(fz_below(&s, 2000));
	}
	return NULL;
}

/* ---- what a worker knows ---- */

struct fz_ids {
	int chid[FZ_CHANS];
	int coid[FZ_IDS];
	int rcvid[FZ_IDS];
	int scoid[FZ_IDS];
};

static __thread struct fz_ids ids;
static int my_worker = -1;	/* a forked child of a worker must not publish */

static void fz_remember(int *set, int v)
{
	set[(unsigned int)v % FZ_IDS] = v;
}

static int fz_pick(uint64_t *s, const int *set)
{
	return set[fz_below(s, FZ_IDS)];
}

/* A peer's pid and one of its channels (maybe stale, maybe our own). */
static void fz_peer(uint64_t *s, int *pid, int *chid)
{
	unsigned int w = fz_below(s, nworkers);

	*pid = atomic_load(&board->w[w].pid);
	*chid = atomic_load(&board->w[w].chid[fz_below(s, FZ_CHANS)]);
}

/* An int that might mean something to the module. */
static int fz_id(uint64_t *s)
{
	int pid, chid;

	switch (fz_below(s, 10)) {
	case 0: return fz_pick(s, ids.coid);
	case 1: return fz_pick(s, ids.rcvid);
	case 2: return fz_pick(s, ids.scoid);
	case 3: return ids.chid[fz_below(s, FZ_CHANS)];
	case 4: fz_peer(s, &pid, &chid); return pid;
	case 5: return QCHAN_SIDE_CHANNEL + (int)fz_below(s, 8);
	case 6: return -(int)fz_below(s, 3);
	case 7: return (int)fz_next(s);
	default: return (int)fz_below(s, 8);
	}
}

/* ---- one random ioctl ---- */

static long fz_raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	atomic_fetch_add_explicit(&board->ioctls, 1, memory_order_relaxed);
	return syscall(SYS_ioctl, fd, cmd, arg);
}

/*
 * An argument block of @size bytes: mostly zero words, some ids, some
 * pointers (to vectors or to hostile memory), some lengths and counts.
 */
static void fz_fill_block(uint64_t *s, uint32_t *blk, size_t size)
{
	size_t words = size / 4;

	memset(blk, 0, size);
	for (size_t i = 0; i < words; i++) {
		switch (fz_below(s, 16)) {
		case 0:
		case 1:
			blk[i] = (uint32_t)fz_id(s);
			break;
		case 2:
			if (i % 2 == 0 && i + 1 < words) {	/* a 64-bit pointer */
				uint64_t p = fz_below(s, 2) ? (uintptr_t)fz_iov(s, 1 + fz_below(s, 8))
							    : fz_ptr(s);

				memcpy(&blk[i], &p, sizeof(p));
				i++;
			}
			break;
		case 3:
			blk[i] = (uint32_t)fz_below(s, 9);	/* a part count or small flag */
			break;
		case 4:
			blk[i] = 1U << fz_below(s, 32);		/* one flag bit */
			break;
		case 5:
			blk[i] = (uint32_t)fz_len(s);
			break;
		default:
			break;
		}
	}
}

static void fz_ioctl_random(uint64_t *s, int fd)
{
	uint32_t blk[64] __attribute__((aligned(8)));
	unsigned int nr = 0xa0 + (unsigned int)fz_below(s, 0x50);
	unsigned int size = 8 * (1 + (unsigned int)fz_below(s, 32));
	unsigned long cmd;
	void *arg = blk;

	if (fz_below(s, 64) == 0)
		nr = (unsigned int)fz_below(s, 256);	/* outside the range too */
	cmd = _IOC(fz_below(s, 16) ? _IOC_READ | _IOC_WRITE : (unsigned int)fz_below(s, 4),
		   QCHAN_IOC_MAGIC, nr, size);
	fz_fill_block(s, blk, size);
	switch (fz_below(s, 16)) {
	case 0: arg = NULL; break;
	case 1: arg = (void *)(uintptr_t)fz_ptr(s); break;
	case 2:	/* the block on memory that changes under the copy (its contents: whatever is there) */
		arg = mem.flicker + fz_below(s, FZ_FLICKER - sizeof(blk));
		break;
	default: break;
	}
	fz_raw_ioctl(fd, cmd, arg);
}

/* A batch's entries and slots: the arrays outlive the call's block. */
static struct qchan_batch_reply fz_reps[9];
static struct qchan_batch_slot fz_slots[9];

static void fz_batch(uint64_t *s, struct qchan_msg_reply_receive_batch *b)
{
	unsigned int nr = (unsigned int)fz_below(s, 10), ns = (unsigned int)fz_below(s, 10);

	memset(fz_reps, 0, sizeof(fz_reps));
	memset(fz_slots, 0, sizeof(fz_slots));
	for (unsigned int i = 0; i < nr && i < 9; i++) {
		struct qchan_msg_reply *r = &fz_reps[i].reply;

		r->rcvid = fz_below(s, 4) ? fz_pick(s, ids.rcvid) : 0;
		r->parts = (uint32_t)fz_below(s, 3);
		r->iov_ptr = (uintptr_t)fz_iov(s, r->parts);
		r->status = (int64_t)fz_next(s);
		if (fz_below(s, 4) == 0) {
			r->flags = QCHAN_REPLY_ERROR;
			r->error = (int)fz_below(s, 600);
		}
		if (fz_below(s, 16) == 0)
			((uint8_t *)&fz_reps[i])[fz_below(s, sizeof(fz_reps[i]))] ^= 1;
	}
	for (unsigned int i = 0; i < ns && i < 9; i++) {
		fz_slots[i].parts = (uint32_t)fz_below(s, 3);
		fz_slots[i].iov_ptr = (uintptr_t)fz_iov(s, fz_slots[i].parts);
		if (fz_below(s, 16) == 0)
			((uint8_t *)&fz_slots[i])[fz_below(s, 24)] ^= 1;
	}
	b->chid = fz_below(s, 8) ? ids.chid[fz_below(s, FZ_CHANS)] : fz_id(s);
	b->nr_replies = nr == 9 ? (uint32_t)fz_next(s) : nr;
	b->nr_slots = ns == 9 ? (uint32_t)fz_next(s) : ns;
	b->replies_ptr = fz_below(s, 8) ? (uintptr_t)fz_reps : fz_ptr(s);
	b->slots_ptr = fz_below(s, 8) ? (uintptr_t)fz_slots : fz_ptr(s);
	b->flags = QCHAN_RECEIVE_TIMEOUT | (fz_below(s, 4) ? 0 : QCHAN_RECEIVE_PULSE_ONLY);
	b->timeout_clock = CLOCK_MONOTONIC;
	b->timeout = (int64_t)(qt_now_ms() + (long long)fz_below(s, 3)) * 1000000;
}

/* The ioctls with their real numbers, argument blocks made like a caller's but mutated. */
static void fz_ioctl_typed(uint64_t *s, int fd)
{
	union {
		struct qchan_msg_send send;
		struct qchan_msg_receive recv;
		struct qchan_msg_reply reply;
		struct qchan_msg_rw rw;
		struct qchan_msg_reply_receive rr;
		struct qchan_pulse_send pulse;
		struct qchan_connect_attach att;
		struct qchan_connect_detach det;
		struct qchan_connect_query q;
		struct qchan_channel_create cc;
		struct qchan_channel_destroy cd;
		struct qchan_msg_info_get mi;
		struct qchan_msg_reply_receive_batch batch;
		uint8_t bytes[256];
	} a;
	struct qchan_msg_info info;
	unsigned long cmd;
	int pid, chid;

	memset(&a, 0, sizeof(a));
	switch (fz_below(s, 12)) {
	case 0:
		cmd = QCHAN_IOC_MSG_SEND;
		a.send.coid = fz_id(s);
		a.send.send_parts = (uint32_t)fz_below(s, 4);
		a.send.reply_parts = (uint32_t)fz_below(s, 4);
		a.send.send_iov_ptr = (uintptr_t)fz_iov(s, a.send.send_parts);
		a.send.reply_iov_ptr = (uintptr_t)fz_iov(s, a.send.reply_parts);
		/* Mostly bounded: a send nobody answers is ended by the killer. */
		if (fz_below(s, 8)) {
			a.send.flags = QCHAN_SEND_TIMEOUT_SEND | QCHAN_SEND_TIMEOUT_REPLY;
			a.send.timeout_clock = CLOCK_MONOTONIC;
			a.send.timeout = (int64_t)(qt_now_ms() + (long long)fz_below(s, 3)) * 1000000;
		}
		break;
	case 1:
		cmd = QCHAN_IOC_MSG_RECEIVE;
		a.recv.chid = fz_below(s, 4) ? ids.chid[fz_below(s, FZ_CHANS)] : fz_id(s);
		a.recv.parts = (uint32_t)fz_below(s, 4);
		a.recv.iov_ptr = (uintptr_t)fz_iov(s, a.recv.parts);
		a.recv.info_ptr = fz_below(s, 2) ? (uintptr_t)&info : fz_ptr(s);
		a.recv.flags = QCHAN_RECEIVE_TIMEOUT | (fz_below(s, 4) ? 0 : QCHAN_RECEIVE_PULSE_ONLY);
		a.recv.timeout_clock = CLOCK_MONOTONIC;
		a.recv.timeout = (int64_t)(qt_now_ms() + (long long)fz_below(s, 3)) * 1000000;
		break;
	case 2:
		cmd = QCHAN_IOC_MSG_REPLY;
		a.reply.rcvid = fz_pick(s, ids.rcvid);
		a.reply.parts = (uint32_t)fz_below(s, 4);
		a.reply.iov_ptr = (uintptr_t)fz_iov(s, a.reply.parts);
		a.reply.status = (int64_t)fz_next(s);
		if (fz_below(s, 3) == 0) {
			a.reply.flags = QCHAN_REPLY_ERROR;
			a.reply.error = (int)fz_below(s, 600);
		}
		break;
	case 3:
	case 4:
		cmd = fz_below(s, 2) ? QCHAN_IOC_MSG_READ : QCHAN_IOC_MSG_WRITE;
		a.rw.rcvid = fz_pick(s, ids.rcvid);
		a.rw.offset = fz_len(s);
		a.rw.parts = (uint32_t)fz_below(s, 4);
		a.rw.iov_ptr = (uintptr_t)fz_iov(s, a.rw.parts);
		break;
	case 5:
		cmd = QCHAN_IOC_MSG_REPLY_RECEIVE;
		a.rr.reply.rcvid = fz_below(s, 2) ? fz_pick(s, ids.rcvid) : 0;
		a.rr.reply.parts = (uint32_t)fz_below(s, 3);
		a.rr.reply.iov_ptr = (uintptr_t)fz_iov(s, a.rr.reply.parts);
		a.rr.receive.chid = ids.chid[fz_below(s, FZ_CHANS)];
		a.rr.receive.parts = (uint32_t)fz_below(s, 3);
		a.rr.receive.iov_ptr = (uintptr_t)fz_iov(s, a.rr.receive.parts);
		a.rr.receive.flags = QCHAN_RECEIVE_TIMEOUT;
		a.rr.receive.timeout_clock = CLOCK_MONOTONIC;
		a.rr.receive.timeout = (int64_t)(qt_now_ms() + (long long)fz_below(s, 3)) * 1000000;
		break;
	case 6:
		cmd = QCHAN_IOC_MSG_SEND_PULSE;
		a.pulse.coid = fz_id(s);
		a.pulse.priority = (int)fz_below(s, 300) - 2;
		a.pulse.code = (int)fz_below(s, 140) - 5;
		a.pulse.value = fz_next(s);
		break;
	case 7:
		cmd = QCHAN_IOC_CONNECT_ATTACH;
		fz_peer(s, &pid, &chid);
		a.att.pid = fz_below(s, 8) ? pid : fz_id(s);
		a.att.chid = fz_below(s, 8) ? chid : fz_id(s);
		a.att.flags = (uint32_t)fz_below(s, 4);
		if (a.att.flags & QCHAN_COF_SIDE_CHANNEL)
			a.att.index = fz_below(s, 2) ? 0 : QCHAN_SIDE_CHANNEL + (int)fz_below(s, 64);
		break;
	case 8:
		cmd = QCHAN_IOC_CONNECT_DETACH;
		a.det.coid = fz_below(s, 2) ? fz_pick(s, ids.scoid) : fz_id(s);
		break;
	case 9:
		cmd = QCHAN_IOC_MSG_INFO;
		a.mi.rcvid = fz_pick(s, ids.rcvid);
		a.mi.info_ptr = fz_below(s, 2) ? (uintptr_t)&info : fz_ptr(s);
		break;
	case 10:
		cmd = QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH;
		fz_batch(s, &a.batch);
		break;
	default:
		cmd = QCHAN_IOC_CONNECT_QUERY;
		a.q.coid = fz_id(s);
		break;
	}
	/* Mutate: one bit anywhere in the block, or a field's neighbour. */
	if (fz_below(s, 3) == 0)
		a.bytes[fz_below(s, _IOC_SIZE(cmd))] ^= (uint8_t)(1U << fz_below(s, 8));
	if (fz_raw_ioctl(fd, cmd, &a) < 0)
		return;
	if (cmd == QCHAN_IOC_MSG_RECEIVE && a.recv.rcvid > 0)
		fz_remember(ids.rcvid, a.recv.rcvid);
	else if (cmd == QCHAN_IOC_MSG_REPLY_RECEIVE && a.rr.receive.rcvid > 0)
		fz_remember(ids.rcvid, a.rr.receive.rcvid);
	else if (cmd == QCHAN_IOC_CONNECT_ATTACH)
		fz_remember(ids.coid, a.att.coid);
	else if (cmd == QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH)
		for (unsigned int i = 0; i < a.batch.nr_received && i < 9; i++)
			if (fz_slots[i].rcvid > 0)
				fz_remember(ids.rcvid, fz_slots[i].rcvid);
}

/* ---- valid QNX calls, with hostile buffers now and then ---- */

static void *fz_buf(uint64_t *s, size_t *len)
{
	if (fz_below(s, 4) == 0) {
		*len = fz_below(s, 8192);
		return (void *)(uintptr_t)fz_ptr(s);
	}
	*len = fz_below(s, 4) ? fz_below(s, 512) : fz_below(s, FZ_BUF / 2);
	return mem.rw + fz_below(s, FZ_BUF / 2);
}

static bool fz_in_rw(const void *p, size_t len)
{
	return (const uint8_t *)p >= mem.rw && (const uint8_t *)p + len <= mem.rw + FZ_BUF;
}

static void fz_arm_timeout(uint64_t *s, int states)
{
	uint64_t ns = fz_below(s, 3) * 1000000ULL;

	TimerTimeout(CLOCK_MONOTONIC, states, NULL, fz_below(s, 8) ? &ns : NULL, NULL);
}

static void fz_qnx_call(uint64_t *s)
{
	struct _msg_info info;
	size_t slen, rlen;
	void *sbuf, *rbuf;
	int pid, chid, rcvid, coid;

	atomic_fetch_add_explicit(&board->calls, 1, memory_order_relaxed);
	switch (fz_below(s, 10)) {
	case 0: {
		static const unsigned int flags[] = {
			0, _NTO_CHF_UNBLOCK, _NTO_CHF_DISCONNECT, _NTO_CHF_COID_DISCONNECT,
			_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT | _NTO_CHF_COID_DISCONNECT,
			_NTO_CHF_PRIVATE, _NTO_CHF_FIXED_PRIORITY, _NTO_CHF_THREAD_DEATH,
			_NTO_CHF_THREAD_DEATH | _NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT,
		};
		unsigned int i = fz_below(s, FZ_CHANS);

		if (ids.chid[i] > 0 && fz_below(s, 2))
			ChannelDestroy(ids.chid[i]);
		ids.chid[i] = ChannelCreate(flags[fz_below(s, ARRAY_SIZE(flags))]);
		if (my_worker >= 0)
			atomic_store(&board->w[my_worker].chid[i], ids.chid[i]);
		break;
	}
	case 1:
		fz_peer(s, &pid, &chid);
		coid = ConnectAttach(0, pid, chid, fz_below(s, 2) ? _NTO_SIDE_CHANNEL : 0,
				     fz_below(s, 2) ? _NTO_COF_CLOEXEC : 0);
		if (coid >= 0)
			fz_remember(ids.coid, coid);
		break;
	case 2:
		coid = fz_pick(s, ids.coid);
		if (coid > 2)	/* never stdio */
			ConnectDetach(coid);
		break;
	case 3:
	case 4:
		sbuf = fz_buf(s, &slen);
		rbuf = fz_buf(s, &rlen);
		fz_arm_timeout(s, _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY);
		MsgSend(fz_pick(s, ids.coid), sbuf, slen, rbuf, rlen);
		break;
	case 5:
		rbuf = fz_buf(s, &rlen);
		fz_arm_timeout(s, _NTO_TIMEOUT_RECEIVE);
		rcvid = MsgReceive(ids.chid[fz_below(s, FZ_CHANS)], rbuf, rlen,
				   fz_below(s, 8) ? &info : (void *)(uintptr_t)fz_ptr(s));
		if (rcvid > 0) {
			fz_remember(ids.rcvid, rcvid);
			fz_remember(ids.scoid, info.scoid);
		} else if (rcvid == 0 && rlen >= sizeof(struct _pulse) && fz_in_rw(rbuf, rlen) &&
			   ((struct _pulse *)rbuf)->code == _PULSE_CODE_DISCONNECT) {
			ConnectDetach(((struct _pulse *)rbuf)->scoid);
		}
		break;
	case 6:
		sbuf = fz_buf(s, &slen);
		rcvid = fz_pick(s, ids.rcvid);
		if (fz_below(s, 3))
			MsgReply(rcvid, (long)fz_next(s), sbuf, slen);
		else
			MsgError(rcvid, (int)fz_below(s, 140));
		break;
	case 7:
		rbuf = fz_buf(s, &rlen);
		if (fz_below(s, 2))
			MsgRead(fz_pick(s, ids.rcvid), rbuf, rlen, fz_len(s));
		else
			MsgWrite(fz_pick(s, ids.rcvid), rbuf, rlen, fz_len(s));
		break;
	case 8:
		MsgSendPulse(fz_pick(s, ids.coid), (int)fz_below(s, 64) - 1, (int)fz_below(s, 128),
			     (int)fz_next(s));
		break;
	default:
		rbuf = fz_buf(s, &rlen);
		fz_arm_timeout(s, _NTO_TIMEOUT_RECEIVE);
		MsgReceivePulse(ids.chid[fz_below(s, FZ_CHANS)], rbuf, rlen, NULL);
		break;
	}
}

/*
 * Forks while the other threads may be blocked in the module.  With glibc's
 * fork the child's libchan opens a context of its own and sends through the
 * inherited fd connections; with a raw fork (no fork handlers) it still
 * holds the parent's context fd, on which everything but GET_FEATURES is
 * EBADFD.  Either way the child is gone within milliseconds.
 */
static void fz_fork(uint64_t *s, int fd)
{
	uint64_t cs = fz_next(s) | 1;
	pid_t pid;

	atomic_fetch_add_explicit(&board->forks, 1, memory_order_relaxed);
	if (fz_below(s, 2)) {
		pid = fork();
		if (pid == 0) {
			my_worker = -1;
			for (int i = 0; i < 20; i++)
				fz_qnx_call(&cs);
			_exit(0);
		}
	} else {
		pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
		if (pid == 0) {
			for (int i = 0; i < 50; i++)
				fz_ioctl_random(&cs, fd);
			syscall(SYS_exit_group, 0);
		}
	}
	if (pid > 0 && qt_waitpid_timeout(pid, QT_WAIT_MS) < 0)
		fprintf(stderr, "fuzz: a forked child did not end\n");
}

static void fz_loop(uint64_t seed)
{
	uint64_t s = seed | 1;
	int fd = qchan_context_fd();

	for (;;) {
		unsigned int op = (unsigned int)fz_below(&s, 100);

		if (op < 45)
			fz_ioctl_typed(&s, fd);
		else if (op < 70)
			fz_ioctl_random(&s, fd);
		else if (op < 99)
			fz_qnx_call(&s);
		else
			fz_fork(&s, fd);
	}
}

static void *fz_thread_fn(void *arg)
{
	fz_loop((uintptr_t)arg);
	return NULL;
}

/* A worker: three fuzzing threads and the flicker thread, until it is killed. */
static void fz_worker(unsigned int w, uint64_t seed)
{
	pthread_t t;
	uint64_t s = seed;

	my_worker = (int)w;
	if (fz_mem_init())
		_exit(3);
	for (unsigned int i = 0; i < FZ_CHANS; i++) {
		ids.chid[i] = ChannelCreate(i == 0 ? 0 : _NTO_CHF_DISCONNECT | _NTO_CHF_UNBLOCK);
		atomic_store(&board->w[w].chid[i], ids.chid[i]);
	}
	atomic_store(&board->w[w].pid, getpid());
	pthread_create(&t, NULL, fz_flicker_fn, (void *)(uintptr_t)fz_next(&s));
	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, fz_thread_fn, (void *)(uintptr_t)fz_next(&s));
	fz_loop(fz_next(&s));
}

static pid_t fz_spawn(unsigned int w, uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0) {
		fz_worker(w, seed);
		_exit(0);
	}
	return pid;
}

/* SIGKILL and reap, with a bound: a worker that cannot die is stuck in the module. */
static int fz_reap(pid_t pid)
{
	long long end = qt_now_ms() + 3 * QT_WAIT_MS;
	int status;

	kill(pid, SIGCONT);
	kill(pid, SIGKILL);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return 0;
		if (qt_now_ms() > end) {
			char path[64], line[256];
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/stack", pid);
			f = fopen(path, "re");
			fprintf(stderr, "fuzz: worker %d does not die; its stack:\n", pid);
			while (f && fgets(line, sizeof(line), f))
				fputs(line, stderr);
			if (f)
				fclose(f);
			return -ETIMEDOUT;
		}
		qt_sleep_ms(1);
	}
}

static unsigned long fz_env(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, ioctls_calls_kills, 900)
{
	unsigned long seconds = fz_env("QCHAN_FUZZ_SECONDS", 12);
	uint64_t seed = fz_env("QCHAN_FUZZ_SEED", (unsigned long)time(NULL) ^ (unsigned long)getpid());
	uint64_t ks = seed * 0x9e3779b97f4a7c15ULL | 1;
	struct qt_stats before, after;
	pid_t pids[FZ_MAX_WORKERS];
	long long end;
	unsigned long kills = 0, stops = 0;
	int stuck = 0, crashed = 0;

	nworkers = (int)fz_env("QCHAN_FUZZ_WORKERS", 4);
	if (nworkers < 1 || nworkers > FZ_MAX_WORKERS)
		nworkers = 4;
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, board);
	ASSERT_EQ(0, qt_stats_read(&before));
	TH_LOG("seed %llu, %d workers, %lu s", (unsigned long long)seed, nworkers, seconds);

	for (int w = 0; w < nworkers; w++)
		pids[w] = fz_spawn((unsigned int)w, seed + (uint64_t)w * 7919);
	end = qt_now_ms() + (long long)seconds * 1000;
	while (qt_now_ms() < end) {
		int w = (int)fz_below(&ks, (uint64_t)nworkers);
		int status;
		pid_t dead;

		qt_sleep_ms(20 + (unsigned int)fz_below(&ks, 200));
		/* A worker that died by itself is the fuzzer's (or libchan's) bug: count it, replace it. */
		while ((dead = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < nworkers; i++) {
				if (pids[i] != dead)
					continue;
				TH_LOG("worker %d died: %s %d", dead,
				       WIFSIGNALED(status) ? "signal" : "exit",
				       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				crashed++;
				pids[i] = fz_spawn((unsigned int)i, fz_next(&ks));
			}
		}
		switch (fz_below(&ks, 4)) {
		case 0:	/* kill -9 and start a new one */
			if (fz_reap(pids[w]))
				stuck++;
			kills++;
			pids[w] = fz_spawn((unsigned int)w, fz_next(&ks));
			break;
		case 1:	/* stop it for a while: its blocked threads park */
			kill(pids[w], SIGSTOP);
			qt_sleep_ms((unsigned int)fz_below(&ks, 50));
			kill(pids[w], SIGCONT);
			stops++;
			break;
		default:
			break;
		}
	}
	for (int w = 0; w < nworkers; w++)
		if (fz_reap(pids[w]))
			stuck++;
	TH_LOG("%lu ioctls, %lu QNX calls, %lu forks, %lu kills, %lu stops",
	       atomic_load(&board->ioctls), atomic_load(&board->calls),
	       atomic_load(&board->forks), kills, stops);
	ASSERT_EQ(0, stuck);
	ASSERT_EQ(0, crashed);
	ASSERT_GT(atomic_load(&board->ioctls), 1000UL);
	ASSERT_EQ(0, qt_stats_wait_settled(&before, &after)) {
		TH_LOG("channels %ld/%ld connections %ld/%ld in flight %ld pulses %ld scons %ld pinned %ld",
		       before.channels, after.channels, before.connections, after.connections,
		       after.msgs_in_flight, after.pulses, after.server_connections,
		       after.pinned_pages);
	}
}

TEST_HARNESS_MAIN
