/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan internals: raw system calls and the process's qchan context.
 */
#ifndef LIBCHAN_INTERNAL_H
#define LIBCHAN_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Everything not marked QCHAN_EXPORT is hidden (-fvisibility=hidden). */
#define QCHAN_EXPORT	__attribute__((visibility("default")))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define PTR_U64(p)	((uint64_t)(uintptr_t)(p))

/*
 * System calls that return -errno and leave errno alone, so that the _r
 * calls and the native API never touch errno and the hot path skips the C
 * library's wrapper (as liburing does).  Other architectures go through
 * syscall(2) and restore errno.
 */
#if defined(__x86_64__)
static inline long qchan_sys3(long nr, long a1, long a2, long a3)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static inline long qchan_sys3(long nr, long a1, long a2, long a3)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2)
			 : "memory", "cc");
	return x0;
}
#else
static inline long qchan_sys3(long nr, long a1, long a2, long a3)
{
	int saved = errno;
	long ret = syscall(nr, a1, a2, a3);

	if (ret == -1) {
		ret = -errno;
		errno = saved;
	}
	return ret;
}
#endif

static inline int qchan_ioctl(int fd, unsigned long req, void *arg)
{
	return (int)qchan_sys3(SYS_ioctl, fd, (long)req, (long)arg);
}

static inline int qchan_fcntl(int fd, int cmd, long arg)
{
	return (int)qchan_sys3(SYS_fcntl, fd, cmd, arg);
}

static inline int qchan_close(int fd)
{
	return (int)qchan_sys3(SYS_close, fd, 0, 0);
}

/* -errno -> -1 with errno set; anything else unchanged. */
static inline long qchan_set_errno(long ret)
{
	if (unlikely(ret < 0)) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/*
 * The calling thread's timeout armed by TimerTimeout(): the _NTO_TIMEOUT_*
 * states it covers (0: none armed) and its absolute deadline in ns on its
 * clock (0: already passed, the call polls).  The thread's next libchan call
 * takes it: a blocking call hands it to the kernel, any other drops it
 * (qchan_ctx() does, for every call that reaches the kernel).  Initial-exec
 * TLS: one %fs-relative load on every call, no __tls_get_addr.
 */
struct qchan_armed {
	uint32_t states;
	int32_t clock;
	int64_t deadline;
};

extern __thread struct qchan_armed qchan_armed
	__attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Takes the armed timeout into *@t; returns its states, 0 if none was armed. */
static inline uint32_t qchan_timeout_take(struct qchan_armed *t)
{
	uint32_t states = qchan_armed.states;

	if (likely(!states))
		return 0;
	*t = qchan_armed;
	qchan_armed.states = 0;
	return states;
}

/*
 * The process's context fd: -1 until first use, then the fd of
 * /dev/qchan.  Read with a relaxed load on every call; only the slow path
 * (first use, or first use after fork) takes a lock.
 */
extern int qchan_ctx_fd_cache __attribute__((visibility("hidden")));
int qchan_ctx_open(void) __attribute__((visibility("hidden")));

static inline int qchan_ctx(void)
{
	int fd = __atomic_load_n(&qchan_ctx_fd_cache, __ATOMIC_RELAXED);

	/* A timeout armed for this call: the blocking calls took it already. */
	if (unlikely(qchan_armed.states))
		qchan_armed.states = 0;
	if (likely(fd >= 0))
		return fd;
	return qchan_ctx_open();
}

/* Qnet (qnet.c): network connections, counted so that others pay one load. */
extern int qnet_coids __attribute__((visibility("hidden")));
int qnet_connect_attach(uint32_t nd, pid_t pid, int chid, int index, unsigned int flags)
	__attribute__((visibility("hidden")));
void qnet_connect_detach(int coid) __attribute__((visibility("hidden")));
int qnet_send_pulse(int coid, int priority, int code, uint64_t value, int *ret)
	__attribute__((visibility("hidden")));

static inline bool qnet_in_use(void)
{
	return unlikely(__atomic_load_n(&qnet_coids, __ATOMIC_RELAXED) != 0);
}

#endif /* LIBCHAN_INTERNAL_H */
