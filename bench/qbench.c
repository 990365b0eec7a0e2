// SPDX-License-Identifier: GPL-2.0
/*
 * qbench: one driver for every IPC mechanism qchan is compared against.
 *
 * A run is one mechanism x one workload x one message size.  The parent
 * process only orchestrates: it forks the server process (which may run
 * several threads) and the client process(es), so no process inherits IPC
 * state it did not create itself (a qchan context belongs to the process
 * that opened it).  Clients and servers are pinned to the vCPUs given on the
 * command line and optionally made SCHED_FIFO; every client times each round
 * trip with clock_gettime(CLOCK_MONOTONIC), drops the warm-up iterations and
 * reports p50/p99/p99.9, mean and min.  Under `-icount shift=0` the guest
 * clock counts executed instructions, so a "ns" there is one instruction.
 *
 * One CSV line per run goes to stdout (header with --header).  A mechanism
 * that cannot run a configuration (a missing device, a size its kernel
 * rejects) exits 2 with the reason on stderr, so the suite can record a skip;
 * any other failure exits 1.
 *
 * Message sizes: the request is --size bytes, the reply --reply-size bytes
 * (default: the same).  Byte streams (pipe, Unix stream) cannot signal a
 * zero-length message, so they carry one byte where the size is 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qbench.h"

/* ------------------------------------------------------------------ */
/* Utilities                                                          */
/* ------------------------------------------------------------------ */

const char *prog = "qbench";

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The configuration cannot run here: a skip, not a failure. */
void unsupported(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: unsupported: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_SKIP);
}

/* A child's exit status decides: skip stays a skip, anything else fails. */
static void __attribute__((noreturn)) die_or_skip(int rc, const char *what)
{
	fprintf(stderr, "%s: %s (status %d)\n", prog, what, rc);
	exit(rc == EXIT_SKIP ? EXIT_SKIP : 1);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void *xmalloc(size_t n)
{
	void *p;

	/* Page-aligned so that direct-copy paths see the same alignment everywhere. */
	if (posix_memalign(&p, 4096, n ? n : 1))
		die("out of memory (%zu bytes)", n);
	return p;
}

void *shm_alloc(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap shared %zu: %m", n);
	return p;
}

void read_full(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read: %s", r ? strerror(errno) : "EOF");
		p += r;
		n -= r;
	}
}

void write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("write: %m");
		p += r;
		n -= r;
	}
}

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* Wait until *word != old.  Shared futexes: the word lives in MAP_SHARED memory. */
void futex_wait_change(_Atomic uint32_t *word, uint32_t old)
{
	while (atomic_load_explicit(word, memory_order_acquire) == old) {
		if (futex(word, FUTEX_WAIT, old) < 0 && errno != EAGAIN && errno != EINTR)
			die("futex wait: %m");
	}
}

void futex_wake_one(_Atomic uint32_t *word)
{
	if (futex(word, FUTEX_WAKE, 1) < 0)
		die("futex wake: %m");
}

static int ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus(), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity cpu %d: %m", cpu);
}

static void make_fifo(const struct bench_cfg *cfg)
{
	struct sched_param sp = { .sched_priority = cfg->fifo_prio };

	if (!cfg->fifo_prio)
		return;
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("SCHED_FIFO priority %d: %m", cfg->fifo_prio);
}

/* ------------------------------------------------------------------ */
/* Mechanisms                                                         */
/* ------------------------------------------------------------------ */

extern const struct mech mech_pipe, mech_unix_stream, mech_unix_seqpacket,
	mech_mqueue, mech_futex, mech_eventfd, mech_pvm, mech_memcpy,
	mech_binder, mech_qchan, mech_qchan_rr, mech_syscall, mech_qchan_ioctl,
	mech_qchan_bp, mech_qchan_rr_bp;

static const struct mech *const mechs[] = {
	&mech_qchan, &mech_qchan_rr, &mech_pipe, &mech_unix_stream,
	&mech_unix_seqpacket, &mech_mqueue, &mech_futex, &mech_eventfd,
	&mech_binder, &mech_pvm, &mech_memcpy, &mech_syscall, &mech_qchan_ioctl,
	&mech_qchan_bp, &mech_qchan_rr_bp,
};

/* --- pipe pair and Unix socketpairs: byte streams and datagrams --------- */

struct fdpair_state {
	int c2s[2];	/* client writes [1], server reads [0] */
	int s2c[2];
	bool stream;	/* byte stream: loop until the whole message is in */
	char *buf;	/* server side */
	char *rbuf;
};

static size_t wire(const struct bench_cfg *cfg, size_t n)
{
	/* A zero-byte write on a byte stream carries no wake-up. */
	(void)cfg;
	return n ? n : 1;
}

static void fd_send(struct fdpair_state *st, int fd, const void *buf, size_t n)
{
	if (st->stream) {
		write_full(fd, buf, n);
		return;
	}
	for (;;) {
		ssize_t r = send(fd, buf, n, 0);

		if (r == (ssize_t)n)
			return;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EMSGSIZE)
			unsupported("seqpacket message of %zu bytes: %m", n);
		die("send %zu: %zd %m", n, r);
	}
}

static void fd_recv(struct fdpair_state *st, int fd, void *buf, size_t n)
{
	if (st->stream) {
		read_full(fd, buf, n);
		return;
	}
	for (;;) {
		ssize_t r = recv(fd, buf, n ? n : 1, 0);

		if (r == (ssize_t)n)
			return;
		if (r < 0 && errno == EINTR)
			continue;
		die("recv %zu: got %zd %m", n, r);
	}
}

static void *fdpair_setup(struct bench_cfg *cfg, int kind)
{
	struct fdpair_state *st = calloc(1, sizeof(*st));

	if (!st)
		die("oom");
	if (kind == 0) {
		if (pipe(st->c2s) || pipe(st->s2c))
			die("pipe: %m");
		st->stream = true;
	} else {
		int type = kind == 1 ? SOCK_STREAM : SOCK_SEQPACKET;
		int sv[2];

		if (socketpair(AF_UNIX, type, 0, sv))
			die("socketpair: %m");
		st->c2s[1] = sv[0];
		st->s2c[0] = sv[0];
		st->c2s[0] = sv[1];
		st->s2c[1] = sv[1];
		st->stream = kind == 1;
		if (!st->stream) {
			/* A datagram must fit the send buffer whole; root may force it. */
			size_t max = cfg->size > cfg->rsize ? cfg->size : cfg->rsize;
			int sz = (int)(max * 2 + 65536);

			for (int i = 0; i < 2; i++) {
				if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) ||
				    setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
					die("SO_SNDBUFFORCE: %m");
			}
		}
	}
	return st;
}

static void *pipe_setup(struct bench_cfg *cfg) { return fdpair_setup(cfg, 0); }
static void *ustream_setup(struct bench_cfg *cfg) { return fdpair_setup(cfg, 1); }
static void *useqp_setup(struct bench_cfg *cfg) { return fdpair_setup(cfg, 2); }

static void fdpair_server_init(void *p, struct bench_cfg *cfg)
{
	struct fdpair_state *st = p;

	st->buf = xmalloc(cfg->size + 1);
	st->rbuf = xmalloc(cfg->rsize + 1);
	memset(st->rbuf, REPLY_BYTE, cfg->rsize + 1);
}

static void fdpair_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct fdpair_state *st = p;
	size_t sn = st->stream ? wire(cfg, cfg->size) : cfg->size;
	size_t rn = st->stream ? wire(cfg, cfg->rsize) : cfg->rsize;
	bool first = true;

	(void)thread;
	for (;;) {
		fd_recv(st, st->c2s[0], st->buf, sn);
		if (first) {
			check_request(st->buf, cfg->size);
			first = false;
		}
		fd_send(st, st->s2c[1], st->rbuf, rn);
	}
}

static int fdpair_round_trip(void *p, struct client *cl)
{
	struct fdpair_state *st = p;
	const struct bench_cfg *cfg = cl->cfg;
	size_t sn = st->stream ? wire(cfg, cfg->size) : cfg->size;
	size_t rn = st->stream ? wire(cfg, cfg->rsize) : cfg->rsize;

	fd_send(st, st->c2s[1], cl->sbuf, sn);
	fd_recv(st, st->s2c[0], cl->rbuf, rn);
	return 0;
}

const struct mech mech_pipe = {
	.name = "pipe", .desc = "pipe pair (read/write)",
	.setup = pipe_setup, .server_init = fdpair_server_init,
	.server_loop = fdpair_server_loop, .round_trip = fdpair_round_trip,
};
const struct mech mech_unix_stream = {
	.name = "unix-stream", .desc = "Unix socketpair, SOCK_STREAM",
	.setup = ustream_setup, .server_init = fdpair_server_init,
	.server_loop = fdpair_server_loop, .round_trip = fdpair_round_trip,
};
const struct mech mech_unix_seqpacket = {
	.name = "unix-seqpacket", .desc = "Unix socketpair, SOCK_SEQPACKET",
	.setup = useqp_setup, .server_init = fdpair_server_init,
	.server_loop = fdpair_server_loop, .round_trip = fdpair_round_trip,
};

/* --- POSIX message queues: one queue each way -------------------------- */

struct mq_state {
	mqd_t req, rep;
	char *buf, *rbuf;
	size_t reqcap, repcap;
};

static mqd_t mq_make(const char *tag, size_t msgsize)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = (long)(msgsize ? msgsize : 1) };
	char name[64];
	mqd_t q;

	snprintf(name, sizeof(name), "/qbench-%s-%d", tag, (int)getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1) {
		if (errno == EINVAL || errno == EMFILE || errno == ENOMEM)
			unsupported("mq_open msgsize %zu: %m", msgsize);
		die("mq_open %s: %m", name);
	}
	/* The descriptors are inherited by the forked client and server. */
	mq_unlink(name);
	return q;
}

static void *mq_setup(struct bench_cfg *cfg)
{
	struct mq_state *st = calloc(1, sizeof(*st));
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (!st)
		die("oom");
	/*
	 * Queue memory is charged to RLIMIT_MSGQUEUE, 800 KiB by default; without
	 * the privilege to lift it, large queues fail in mq_open (a skip).
	 */
	if (setrlimit(RLIMIT_MSGQUEUE, &rl))
		fprintf(stderr, "%s: note: RLIMIT_MSGQUEUE stays: %m\n", prog);
	st->reqcap = cfg->size ? cfg->size : 1;
	st->repcap = cfg->rsize ? cfg->rsize : 1;
	st->req = mq_make("req", st->reqcap);
	st->rep = mq_make("rep", st->repcap);
	return st;
}

static void mq_server_init(void *p, struct bench_cfg *cfg)
{
	struct mq_state *st = p;

	st->buf = xmalloc(st->reqcap);
	st->rbuf = xmalloc(st->repcap);
	memset(st->rbuf, REPLY_BYTE, st->repcap);
	(void)cfg;
}

static void mq_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct mq_state *st = p;
	bool first = true;

	(void)thread;
	for (;;) {
		ssize_t r = mq_receive(st->req, st->buf, st->reqcap, NULL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)cfg->size)
			die("mq_receive: %zd %m", r);
		if (first) {
			check_request(st->buf, cfg->size);
			first = false;
		}
		if (mq_send(st->rep, st->rbuf, cfg->rsize, 0))
			die("mq_send: %m");
	}
}

static int mq_round_trip(void *p, struct client *cl)
{
	struct mq_state *st = p;
	ssize_t r;

	if (mq_send(st->req, cl->sbuf, cl->cfg->size, 0))
		die("mq_send: %m");
	r = mq_receive(st->rep, cl->rbuf, st->repcap, NULL);
	if (r != (ssize_t)cl->cfg->rsize)
		die("mq_receive: %zd %m", r);
	return 0;
}

const struct mech mech_mqueue = {
	.name = "mqueue", .desc = "POSIX message queue pair",
	.setup = mq_setup, .server_init = mq_server_init,
	.server_loop = mq_server_loop, .round_trip = mq_round_trip,
};

/* --- Shared memory with a futex or eventfd hand-off ---------------------- */

/*
 * The request and reply areas live in shared memory; the sender copies its
 * buffer in and the receiver copies it out, so data still moves by copy as
 * with the other mechanisms (the copies are glibc memcpy, far cheaper under
 * icount than the kernel's rep movsb: compare small sizes only).
 */
struct shm_state {
	struct shm_ctl {
		_Atomic uint32_t req_seq;
		char pad1[60];
		_Atomic uint32_t rep_seq;
		char pad2[60];
	} *ctl;
	char *req, *rep;
	int efd_req, efd_rep;	/* eventfd variant */
	char *buf;		/* server's private copy of the request */
	char *rbuf;		/* server's private reply */
	uint32_t seq;		/* client */
};

static void *shm_setup_common(struct bench_cfg *cfg, bool efd)
{
	struct shm_state *st = calloc(1, sizeof(*st));

	if (!st)
		die("oom");
	st->ctl = shm_alloc(sizeof(*st->ctl));
	st->req = shm_alloc(cfg->size);
	st->rep = shm_alloc(cfg->rsize);
	st->efd_req = st->efd_rep = -1;
	if (efd) {
		st->efd_req = eventfd(0, 0);
		st->efd_rep = eventfd(0, 0);
		if (st->efd_req < 0 || st->efd_rep < 0)
			die("eventfd: %m");
	}
	return st;
}

static void *futex_setup(struct bench_cfg *cfg) { return shm_setup_common(cfg, false); }
static void *efd_setup(struct bench_cfg *cfg) { return shm_setup_common(cfg, true); }

static void shm_server_init(void *p, struct bench_cfg *cfg)
{
	struct shm_state *st = p;

	st->buf = xmalloc(cfg->size);
	st->rbuf = xmalloc(cfg->rsize);
	memset(st->rbuf, REPLY_BYTE, cfg->rsize);
}

static void futex_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct shm_state *st = p;
	uint32_t seen = 0;
	bool first = true;

	(void)thread;
	for (;;) {
		futex_wait_change(&st->ctl->req_seq, seen);
		seen = atomic_load_explicit(&st->ctl->req_seq, memory_order_acquire);
		memcpy(st->buf, st->req, cfg->size);
		if (first) {
			check_request(st->buf, cfg->size);
			first = false;
		}
		memcpy(st->rep, st->rbuf, cfg->rsize);
		atomic_store_explicit(&st->ctl->rep_seq, seen, memory_order_release);
		futex_wake_one(&st->ctl->rep_seq);
	}
}

static int futex_round_trip(void *p, struct client *cl)
{
	struct shm_state *st = p;
	uint32_t old = st->seq++;

	memcpy(st->req, cl->sbuf, cl->cfg->size);
	atomic_store_explicit(&st->ctl->req_seq, st->seq, memory_order_release);
	futex_wake_one(&st->ctl->req_seq);
	futex_wait_change(&st->ctl->rep_seq, old);
	memcpy(cl->rbuf, st->rep, cl->cfg->rsize);
	return 0;
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	write_full(fd, &one, sizeof(one));
}

static void efd_wait(int fd)
{
	uint64_t v;

	read_full(fd, &v, sizeof(v));
}

static void efd_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct shm_state *st = p;
	bool first = true;

	(void)thread;
	for (;;) {
		efd_wait(st->efd_req);
		memcpy(st->buf, st->req, cfg->size);
		if (first) {
			check_request(st->buf, cfg->size);
			first = false;
		}
		memcpy(st->rep, st->rbuf, cfg->rsize);
		efd_signal(st->efd_rep);
	}
}

static int efd_round_trip(void *p, struct client *cl)
{
	struct shm_state *st = p;

	memcpy(st->req, cl->sbuf, cl->cfg->size);
	efd_signal(st->efd_req);
	efd_wait(st->efd_rep);
	memcpy(cl->rbuf, st->rep, cl->cfg->rsize);
	return 0;
}

const struct mech mech_futex = {
	.name = "futex", .desc = "shared memory + futex hand-off",
	.setup = futex_setup, .server_init = shm_server_init,
	.server_loop = futex_server_loop, .round_trip = futex_round_trip,
};
const struct mech mech_eventfd = {
	.name = "eventfd", .desc = "shared memory + eventfd pair",
	.setup = efd_setup, .server_init = shm_server_init,
	.server_loop = efd_server_loop, .round_trip = efd_round_trip,
};

/* --- process_vm_readv / process_vm_writev --------------------------------- */

/*
 * The server pulls the request straight out of the client's buffer and
 * pushes the reply straight into the client's reply buffer: one kernel copy
 * each way, as qchan's direct tier does.  A futex pair signals.
 */
struct pvm_state {
	struct pvm_ctl {
		_Atomic uint32_t req_seq;
		char pad1[60];
		_Atomic uint32_t rep_seq;
		char pad2[60];
		pid_t client;
		uint64_t sbuf, rbuf;
	} *ctl;
	char *buf, *rbuf;
	uint32_t seq;
};

static void *pvm_setup(struct bench_cfg *cfg)
{
	struct pvm_state *st = calloc(1, sizeof(*st));

	(void)cfg;
	if (!st)
		die("oom");
	st->ctl = shm_alloc(sizeof(*st->ctl));
	return st;
}

static void pvm_server_init(void *p, struct bench_cfg *cfg)
{
	struct pvm_state *st = p;

	st->buf = xmalloc(cfg->size);
	st->rbuf = xmalloc(cfg->rsize);
	memset(st->rbuf, REPLY_BYTE, cfg->rsize);
}

static void pvm_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct pvm_state *st = p;
	uint32_t seen = 0;
	bool first = true;

	(void)thread;
	for (;;) {
		struct iovec local, remote;
		ssize_t r;

		futex_wait_change(&st->ctl->req_seq, seen);
		seen = atomic_load_explicit(&st->ctl->req_seq, memory_order_acquire);
		if (cfg->size) {
			local = (struct iovec){ st->buf, cfg->size };
			remote = (struct iovec){ (void *)(uintptr_t)st->ctl->sbuf, cfg->size };
			r = process_vm_readv(st->ctl->client, &local, 1, &remote, 1, 0);
			if (r != (ssize_t)cfg->size) {
				if (r < 0 && errno == ENOSYS)
					unsupported("process_vm_readv: %m");
				die("process_vm_readv: %zd %m", r);
			}
		}
		if (first) {
			check_request(st->buf, cfg->size);
			first = false;
		}
		if (cfg->rsize) {
			local = (struct iovec){ st->rbuf, cfg->rsize };
			remote = (struct iovec){ (void *)(uintptr_t)st->ctl->rbuf, cfg->rsize };
			r = process_vm_writev(st->ctl->client, &local, 1, &remote, 1, 0);
			if (r != (ssize_t)cfg->rsize)
				die("process_vm_writev: %zd %m", r);
		}
		atomic_store_explicit(&st->ctl->rep_seq, seen, memory_order_release);
		futex_wake_one(&st->ctl->rep_seq);
	}
}

static void pvm_client_init(void *p, struct client *cl)
{
	struct pvm_state *st = p;

	st->ctl->client = getpid();
	st->ctl->sbuf = (uintptr_t)cl->sbuf;
	st->ctl->rbuf = (uintptr_t)cl->rbuf;
}

static int pvm_round_trip(void *p, struct client *cl)
{
	struct pvm_state *st = p;
	uint32_t old = st->seq++;

	(void)cl;
	atomic_store_explicit(&st->ctl->req_seq, st->seq, memory_order_release);
	futex_wake_one(&st->ctl->req_seq);
	futex_wait_change(&st->ctl->rep_seq, old);
	return 0;
}

const struct mech mech_pvm = {
	.name = "pvm", .desc = "process_vm_readv/writev + futex",
	.setup = pvm_setup, .server_init = pvm_server_init,
	.server_loop = pvm_server_loop, .client_init = pvm_client_init,
	.round_trip = pvm_round_trip,
};

/* --- memcpy: the copy limit, no second process ---------------------------- */

struct memcpy_state {
	char *dst, *rsrc;
};

static void *memcpy_setup(struct bench_cfg *cfg)
{
	(void)cfg;
	return calloc(1, sizeof(struct memcpy_state));
}

static void memcpy_client_init(void *p, struct client *cl)
{
	struct memcpy_state *st = p;

	st->dst = xmalloc(cl->cfg->size);
	st->rsrc = xmalloc(cl->cfg->rsize);
	memset(st->rsrc, REPLY_BYTE, cl->cfg->rsize);
	memset(st->dst, 0, cl->cfg->size);
}

static int memcpy_round_trip(void *p, struct client *cl)
{
	struct memcpy_state *st = p;

	memcpy(st->dst, cl->sbuf, cl->cfg->size);
	memcpy(cl->rbuf, st->rsrc, cl->cfg->rsize);
	/* Keep the compiler from proving the copies dead. */
	__asm__ volatile("" : : "r"(st->dst), "r"(cl->rbuf) : "memory");
	return 0;
}

const struct mech mech_memcpy = {
	.name = "memcpy", .desc = "userspace memcpy, request + reply (no IPC)",
	.setup = memcpy_setup, .client_init = memcpy_client_init,
	.round_trip = memcpy_round_trip, .no_server = true,
};

/* --- syscall: the price of entering and leaving the kernel --------------- */

/*
 * Not IPC: one getppid() per "round trip", the floor under every mechanism
 * above (each of their round trips makes two to four system calls).
 */
static void *syscall_setup(struct bench_cfg *cfg)
{
	(void)cfg;
	return NULL;
}

static int syscall_round_trip(void *p, struct client *cl)
{
	(void)p;
	(void)cl;
	syscall(SYS_getppid);
	return 0;
}

const struct mech mech_syscall = {
	.name = "syscall", .desc = "one getppid() system call (no IPC): the entry/exit floor",
	.setup = syscall_setup, .round_trip = syscall_round_trip, .no_server = true,
};

/* ------------------------------------------------------------------ */
/* Driver                                                             */
/* ------------------------------------------------------------------ */

void check_request(const char *buf, size_t n)
{
	if (n && (buf[0] != REQUEST_BYTE || buf[n - 1] != REQUEST_BYTE))
		die("server: request corrupted (%#x %#x)", buf[0] & 0xff, buf[n - 1] & 0xff);
}

/* Results and start barrier shared by all processes of a run. */
struct shared {
	_Atomic uint32_t ready;		/* server threads + clients that finished init */
	_Atomic uint32_t go;
	_Atomic uint32_t failed;
	struct client_result {
		uint64_t start, end;
		uint64_t done;
	} res[MAX_CLIENTS];
	/* client 0's samples follow */
	uint64_t samples[];
};

static struct shared *sh;
static pid_t pids[MAX_CLIENTS + 1];
static int npids;

/* A hung run (a lost wake-up, a stuck server) must not stall the suite. */
static void on_alarm(int sig)
{
	static const char msg[] = "qbench: timed out\n";

	(void)sig;
	for (int i = 0; i < npids; i++)
		kill(pids[i], SIGKILL);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void barrier_arrive_and_wait(void)
{
	atomic_fetch_add(&sh->ready, 1);
	futex_wake_one(&sh->ready);
	futex_wait_change(&sh->go, 0);
}

struct server_thread_arg {
	const struct mech *m;
	void *st;
	struct bench_cfg *cfg;
	int idx;
};

static void *server_thread(void *a)
{
	struct server_thread_arg *arg = a;
	struct bench_cfg *cfg = arg->cfg;

	if (cfg->server_cpu >= 0)
		pin_to(cfg->server_cpu + (cfg->threads > 1 ? arg->idx : 0));
	if (arg->m->server_thread_init)
		arg->m->server_thread_init(arg->st, cfg, arg->idx);
	atomic_fetch_add(&sh->ready, 1);
	futex_wake_one(&sh->ready);
	arg->m->server_loop(arg->st, cfg, arg->idx);
	return NULL;
}

static void run_server(const struct mech *m, void *st, struct bench_cfg *cfg)
{
	struct server_thread_arg args[MAX_THREADS];
	pthread_t tids[MAX_THREADS];

	pin_to(cfg->server_cpu);
	make_fifo(cfg);
	if (m->server_init)
		m->server_init(st, cfg);
	for (int i = 1; i < cfg->threads; i++) {
		args[i] = (struct server_thread_arg){ m, st, cfg, i };
		if (pthread_create(&tids[i], NULL, server_thread, &args[i]))
			die("pthread_create");
	}
	args[0] = (struct server_thread_arg){ m, st, cfg, 0 };
	server_thread(&args[0]);
	_exit(0);
}

static void run_client(const struct mech *m, void *st, struct bench_cfg *cfg, int idx)
{
	struct client cl = { .cfg = cfg, .idx = idx };
	uint64_t total = (uint64_t)cfg->warmup + cfg->iters;
	struct client_result *res = &sh->res[idx];
	uint64_t *samples = idx == 0 ? sh->samples : NULL;

	if (cfg->client_cpu >= 0)
		pin_to(cfg->client_cpu + (cfg->clients > 1 ? idx : 0));
	make_fifo(cfg);
	cl.sbuf = xmalloc(cfg->size);
	cl.rbuf = xmalloc(cfg->rsize + 1);
	memset(cl.sbuf, REQUEST_BYTE, cfg->size);
	/* Fault everything in before timing. */
	memset(cl.rbuf, 0, cfg->rsize + 1);
	if (m->client_init)
		m->client_init(st, &cl);
	barrier_arrive_and_wait();

	for (uint64_t i = 0; i < total; i++) {
		uint64_t t0, t1;

		if (i == cfg->warmup)
			res->start = now_ns();
		t0 = now_ns();
		if (m->round_trip(st, &cl))
			die("client %d: round trip %llu failed", idx, (unsigned long long)i);
		t1 = now_ns();
		if (i == 0 && cfg->rsize &&
		    (cl.rbuf[0] != REPLY_BYTE || cl.rbuf[cfg->rsize - 1] != REPLY_BYTE))
			die("client %d: reply corrupted (%#x %#x)", idx, cl.rbuf[0] & 0xff,
			    cl.rbuf[cfg->rsize - 1] & 0xff);
		if (samples && i >= cfg->warmup)
			samples[i - cfg->warmup] = t1 - t0;
	}
	res->end = now_ns();
	res->done = cfg->iters;
	if (m->client_fini)
		m->client_fini(st, &cl);
	_exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *s, uint64_t n, double q)
{
	/* Nearest rank. */
	uint64_t rank = (uint64_t)(q * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return s[rank - 1];
}

static const char csv_header[] =
	"kernel,clock,workload,mech,tier,placement,sched,size,rsize,clients,threads,"
	"iters,p50,p99,p999,mean,min,max,mbps,ops";

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s -m MECH [options]\n"
		"  -m, --mech NAME         mechanism (see --list)\n"
		"  -s, --size N            request bytes (suffix k/m for KiB/MiB)\n"
		"  -r, --reply-size N      reply bytes (default: --size)\n"
		"  -n, --iters N           measured round trips per client (default 1000)\n"
		"  -w, --warmup N          unmeasured round trips first (default 100)\n"
		"  -c, --client-cpu N      pin client (client i: N+i); -1: no pinning (default 0)\n"
		"  -S, --server-cpu N      pin server (thread j: N+j); -1: no pinning (default 0)\n"
		"  -f, --fifo PRIO         SCHED_FIFO at PRIO for every process (default: off)\n"
		"  -C, --clients N         client processes (default 1, max %d)\n"
		"  -T, --threads N         server threads (default 1, max %d)\n"
		"      --timeout SEC       kill the run after SEC seconds (default 300, 0: never)\n"
		"      --samples FILE      write client 0's round trips to FILE, in order\n"
		"      --go-file FILE      start timing only once FILE exists (runs started together)\n"
		"      --workload W        label for the CSV (default lat)\n"
		"      --kernel K --clock C --placement P --tier T   labels for the CSV\n"
		"  -H, --header            print the CSV header first\n"
		"  -l, --list              list mechanisms\n",
		prog, MAX_CLIENTS, MAX_THREADS);
	exit(code);
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("bad size '%s'", s);
	if (*end == 'k' || *end == 'K') {
		v <<= 10;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v <<= 20;
		end++;
	}
	if (*end || v > (64ull << 20))
		die("bad size '%s'", s);
	return (size_t)v;
}

static long parse_int(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		die("bad number '%s' (range %ld..%ld)", s, lo, hi);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mech", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "reply-size", required_argument, NULL, 'r' },
		{ "iters", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "client-cpu", required_argument, NULL, 'c' },
		{ "server-cpu", required_argument, NULL, 'S' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "clients", required_argument, NULL, 'C' },
		{ "threads", required_argument, NULL, 'T' },
		{ "workload", required_argument, NULL, 1 },
		{ "kernel", required_argument, NULL, 2 },
		{ "clock", required_argument, NULL, 3 },
		{ "placement", required_argument, NULL, 4 },
		{ "tier", required_argument, NULL, 5 },
		{ "timeout", required_argument, NULL, 6 },
		{ "samples", required_argument, NULL, 7 },
		{ "go-file", required_argument, NULL, 8 },
		{ "header", no_argument, NULL, 'H' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct bench_cfg cfg = {
		.iters = 1000, .warmup = 100, .client_cpu = 0, .server_cpu = 0,
		.clients = 1, .threads = 1, .timeout = 300,
	};
	const char *mname = NULL, *workload = "lat", *kernel = "", *clk = "",
		   *placement = "", *tier = "", *samples_file = NULL,
		   *go_file = NULL;
	bool header = false, rsize_set = false;
	const struct mech *m = NULL;
	int opt, status, rc = 0;
	uint64_t *sorted, sum = 0, start = UINT64_MAX, end = 0, ops = 0;
	void *st;

	while ((opt = getopt_long(argc, argv, "m:s:r:n:w:c:S:f:C:T:Hlh", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': mname = optarg; break;
		case 's': cfg.size = parse_size(optarg); break;
		case 'r': cfg.rsize = parse_size(optarg); rsize_set = true; break;
		case 'n': cfg.iters = parse_int(optarg, 1, 100000000); break;
		case 'w': cfg.warmup = parse_int(optarg, 0, 100000000); break;
		case 'c': cfg.client_cpu = parse_int(optarg, -1, 4095); break;
		case 'S': cfg.server_cpu = parse_int(optarg, -1, 4095); break;
		case 'f': cfg.fifo_prio = parse_int(optarg, 1, 99); break;
		case 'C': cfg.clients = parse_int(optarg, 1, MAX_CLIENTS); break;
		case 'T': cfg.threads = parse_int(optarg, 1, MAX_THREADS); break;
		case 1: workload = optarg; break;
		case 2: kernel = optarg; break;
		case 3: clk = optarg; break;
		case 4: placement = optarg; break;
		case 5: tier = optarg; break;
		case 6: cfg.timeout = parse_int(optarg, 0, 86400); break;
		case 7: samples_file = optarg; break;
		case 8: go_file = optarg; break;
		case 'H': header = true; break;
		case 'l':
			for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
				printf("%-15s %s\n", mechs[i]->name, mechs[i]->desc);
			return 0;
		case 'h': usage(0); break;
		default: usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (header)
		printf("%s\n", csv_header);
	if (!mname) {
		if (header)
			return 0;
		usage(1);
	}
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (!strcmp(mechs[i]->name, mname))
			m = mechs[i];
	if (!m)
		die("unknown mechanism '%s' (--list)", mname);
	if (!rsize_set)
		cfg.rsize = cfg.size;
	if ((cfg.clients > 1 || cfg.threads > 1) && !m->multi)
		unsupported("%s: one client and one server thread only", m->name);
	if (m->no_server && cfg.threads > 1)
		unsupported("%s: no server", m->name);
	cfg.mech = m;

	signal(SIGALRM, on_alarm);
	alarm(cfg.timeout);
	sh = shm_alloc(sizeof(*sh) + cfg.iters * sizeof(uint64_t));
	st = m->setup(&cfg);
	fflush(stdout);

	if (!m->no_server) {
		pids[npids] = fork();
		if (pids[npids] < 0)
			die("fork: %m");
		if (pids[npids] == 0)
			run_server(m, st, &cfg);
		npids++;
		/* The server must be listening before a client may connect. */
		while (atomic_load(&sh->ready) < (uint32_t)cfg.threads) {
			uint32_t r = atomic_load(&sh->ready);
			struct timespec ts = { 0, 1000000 };

			if (waitpid(pids[0], &status, WNOHANG) == pids[0]) {
				rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
				die_or_skip(rc, "server exited during setup");
			}
			if (r < (uint32_t)cfg.threads)
				syscall(SYS_futex, &sh->ready, FUTEX_WAIT, r, &ts, NULL, 0);
		}
	}
	atomic_store(&sh->ready, 0);
	for (int i = 0; i < cfg.clients; i++) {
		pids[npids] = fork();
		if (pids[npids] < 0)
			die("fork: %m");
		if (pids[npids] == 0)
			run_client(m, st, &cfg, i);
		npids++;
	}
	/* Start all clients together once every one is set up. */
	for (;;) {
		uint32_t r = atomic_load(&sh->ready);
		struct timespec ts = { 0, 1000000 };
		pid_t w;

		if (r >= (uint32_t)cfg.clients)
			break;
		w = waitpid(-1, &status, WNOHANG);
		if (w > 0) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
			for (int i = 0; i < npids; i++)
				if (pids[i] != w)
					kill(pids[i], SIGKILL);
			die_or_skip(rc, "a process exited during setup");
		}
		syscall(SYS_futex, &sh->ready, FUTEX_WAIT, r, &ts, NULL, 0);
	}
	/* Several qbench runs started together (independent pairs) wait for one signal. */
	while (go_file && access(go_file, F_OK)) {
		struct timespec ts = { 0, 200000 };

		nanosleep(&ts, NULL);
	}
	atomic_store(&sh->go, 1);
	syscall(SYS_futex, &sh->go, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);

	/* Wait for the clients; a server that dies first fails the run. */
	for (int left = cfg.clients; left > 0;) {
		pid_t w = wait(&status);
		bool is_server = !m->no_server && w == pids[0];

		if (w < 0)
			die("wait: %m");
		if (!WIFEXITED(status) || WEXITSTATUS(status) || is_server) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
			if (!rc)
				rc = 1;
			for (int i = 0; i < npids; i++)
				if (pids[i] != w)
					kill(pids[i], SIGKILL);
			while (wait(NULL) > 0)
				;
			die_or_skip(rc, is_server ? "server exited" : "client failed");
		}
		left--;
	}
	if (!m->no_server) {
		kill(pids[0], SIGKILL);
		waitpid(pids[0], NULL, 0);
	}
	if (m->teardown)
		m->teardown(st, &cfg);

	if (samples_file) {
		/* Client 0's round trips in the order they happened, for profiling. */
		FILE *f = fopen(samples_file, "w");

		if (!f)
			die("%s: %m", samples_file);
		for (uint64_t i = 0; i < cfg.iters; i++)
			fprintf(f, "%llu\n", (unsigned long long)sh->samples[i]);
		if (fclose(f))
			die("%s: %m", samples_file);
	}
	sorted = sh->samples;
	qsort(sorted, cfg.iters, sizeof(uint64_t), cmp_u64);
	for (uint64_t i = 0; i < cfg.iters; i++)
		sum += sorted[i];
	for (int i = 0; i < cfg.clients; i++) {
		if (sh->res[i].start < start)
			start = sh->res[i].start;
		if (sh->res[i].end > end)
			end = sh->res[i].end;
		ops += sh->res[i].done;
	}
	{
		double mean = (double)sum / cfg.iters;
		double span = (double)(end - start);
		double opsps = span > 0 ? ops * 1e9 / span : 0;
		/* Payload moved per second, both directions, by all clients. */
		double mbps = opsps * (double)(cfg.size + cfg.rsize) / 1e6;

		printf("%s,%s,%s,%s,%s,%s,%s,%zu,%zu,%d,%d,%llu,%llu,%llu,%llu,%.1f,%llu,%llu,%.2f,%.1f\n",
		       kernel, clk, workload, m->name, tier, placement,
		       cfg.fifo_prio ? "fifo" : "other", cfg.size, cfg.rsize,
		       cfg.clients, cfg.threads, (unsigned long long)cfg.iters,
		       (unsigned long long)pct(sorted, cfg.iters, 0.50),
		       (unsigned long long)pct(sorted, cfg.iters, 0.99),
		       (unsigned long long)pct(sorted, cfg.iters, 0.999),
		       mean, (unsigned long long)sorted[0],
		       (unsigned long long)sorted[cfg.iters - 1], mbps, opsps);
	}
	return 0;
}
