/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few liburing calls msg_uring_test makes, over the raw io_uring
 * syscalls, for its 32-bit twin: Debian ships no 32-bit liburing, and the
 * point of that twin is a ring set up by a 32-bit process (the kernel
 * marks it compat).  Same names and results as liburing's, so the test's
 * source is one for both; only normal (64-byte) SQEs and one thread per
 * ring, as the test uses them.
 */
#ifndef QCHAN_URING_RAW_H
#define QCHAN_URING_RAW_H

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>

struct io_uring {
	int fd;
	unsigned int sq_entries;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned int sqe_head, sqe_tail;	/* handed out by get_sqe, not yet submitted */
	void *sq_ring, *cq_ring;
	size_t sq_ring_sz, cq_ring_sz, sqes_sz;
};

static inline int qu_raw_enter(int fd, unsigned int submit, unsigned int wait, unsigned int flags,
			       const void *arg, size_t argsz)
{
	int ret = syscall(__NR_io_uring_enter, fd, submit, wait, flags, arg, argsz);

	return ret < 0 ? -errno : ret;
}

static inline void io_uring_queue_exit(struct io_uring *ring)
{
	munmap(ring->sqes, ring->sqes_sz);
	if (ring->cq_ring != ring->sq_ring)
		munmap(ring->cq_ring, ring->cq_ring_sz);
	munmap(ring->sq_ring, ring->sq_ring_sz);
	close(ring->fd);
}

static inline int io_uring_queue_init(unsigned int entries, struct io_uring *ring,
				      unsigned int flags)
{
	struct io_uring_params p;
	char *sq, *cq;
	int fd;

	memset(&p, 0, sizeof(p));
	memset(ring, 0, sizeof(*ring));
	p.flags = flags;
	fd = syscall(__NR_io_uring_setup, entries, &p);
	if (fd < 0)
		return -errno;
	ring->fd = fd;
	ring->sq_entries = p.sq_entries;
	ring->sq_ring_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	ring->cq_ring_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (ring->cq_ring_sz > ring->sq_ring_sz)
			ring->sq_ring_sz = ring->cq_ring_sz;
		ring->cq_ring_sz = ring->sq_ring_sz;
	}
	sq = mmap(NULL, ring->sq_ring_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		goto err;
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, ring->cq_ring_sz, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED) {
			munmap(sq, ring->sq_ring_sz);
			goto err;
		}
	}
	ring->sqes_sz = p.sq_entries * sizeof(struct io_uring_sqe);
	ring->sqes = mmap(NULL, ring->sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  fd, IORING_OFF_SQES);
	if (ring->sqes == MAP_FAILED) {
		if (cq != sq)
			munmap(cq, ring->cq_ring_sz);
		munmap(sq, ring->sq_ring_sz);
		goto err;
	}
	ring->sq_ring = sq;
	ring->cq_ring = cq;
	ring->sq_head = (unsigned int *)(sq + p.sq_off.head);
	ring->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	ring->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	ring->sq_array = (unsigned int *)(sq + p.sq_off.array);
	ring->cq_head = (unsigned int *)(cq + p.cq_off.head);
	ring->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	ring->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	ring->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
err:
	close(fd);
	return -errno;
}

static inline struct io_uring_sqe *io_uring_get_sqe(struct io_uring *ring)
{
	unsigned int head = __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE);

	if (ring->sqe_tail - head >= ring->sq_entries)
		return NULL;
	return &ring->sqes[ring->sqe_tail++ & *ring->sq_mask];
}

static inline void io_uring_prep_rw(int op, struct io_uring_sqe *sqe, int fd, const void *addr,
				    unsigned int len, __u64 offset)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->off = offset;
	sqe->addr = (unsigned long)addr;
	sqe->len = len;
}

static inline int io_uring_submit(struct io_uring *ring)
{
	unsigned int tail = *ring->sq_tail, n = 0;

	while (ring->sqe_head != ring->sqe_tail) {
		ring->sq_array[tail++ & *ring->sq_mask] = ring->sqe_head++ & *ring->sq_mask;
		n++;
	}
	__atomic_store_n(ring->sq_tail, tail, __ATOMIC_RELEASE);
	return qu_raw_enter(ring->fd, n, 0, 0, NULL, 0);
}

static inline int io_uring_peek_cqe(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	unsigned int head = *ring->cq_head;

	if (head == __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	*cqe = &ring->cqes[head & *ring->cq_mask];
	return 0;
}

static inline void io_uring_cqe_seen(struct io_uring *ring, struct io_uring_cqe *cqe)
{
	(void)cqe;
	__atomic_store_n(ring->cq_head, *ring->cq_head + 1, __ATOMIC_RELEASE);
}

/* @ts NULL: no limit; -ETIME when it passes. */
static inline int io_uring_wait_cqe_timeout(struct io_uring *ring, struct io_uring_cqe **cqe,
					    struct __kernel_timespec *ts)
{
	struct io_uring_getevents_arg arg = { .ts = (unsigned long)ts };
	int ret;

	for (;;) {
		if (!io_uring_peek_cqe(ring, cqe))
			return 0;
		if (ts)
			ret = qu_raw_enter(ring->fd, 0, 1,
					   IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
					   sizeof(arg));
		else
			ret = qu_raw_enter(ring->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
		if (ret < 0 && ret != -EINTR) {
			/* what completed meanwhile still counts */
			if (!io_uring_peek_cqe(ring, cqe))
				return 0;
			return ret;
		}
	}
}

static inline int io_uring_wait_cqe(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	return io_uring_wait_cqe_timeout(ring, cqe, NULL);
}

#endif /* QCHAN_URING_RAW_H */
