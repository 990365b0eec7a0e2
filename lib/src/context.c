// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process's qchan context: one file of /dev/qchan per process, opened on
 * first use.
 *
 * The kernel ties a context to the process that opened it (others get
 * EBADFD, and a second open by the same process gets EBUSY), so the fd is
 * opened once under a mutex and then read locklessly.  A child created by
 * fork() must not use its parent's context: the atfork child handler closes
 * the inherited copy (closing it from the child does not disturb the
 * parent's channels) and forgets it, so the child opens its own on first
 * use.  O_CLOEXEC ends the context, and with it the process's channels, at
 * exec, as QNX does.
 *
 * The fd is moved to QCHAN_CTX_FD_MIN or above: a QNX program's first fd
 * coid (or open()) gets the lowest free fd, as it would on QNX, instead of
 * the one the context took on the program's first call.  The kernel ends a
 * context only when its owner closes the last fd of it, so closing the
 * original after F_DUPFD_CLOEXEC keeps it.  Where RLIMIT_NOFILE is too low
 * for the move, the context stays where it was opened.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>

#include "internal.h"

int qchan_ctx_fd_cache = -1;

#define QCHAN_CTX_FD_MIN	100

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * Hold ctx_lock across fork() so that the child never inherits it locked
 * by a thread that does not exist there.
 */
static void ctx_atfork_prepare(void)
{
	pthread_mutex_lock(&ctx_lock);
}

static void ctx_atfork_parent(void)
{
	pthread_mutex_unlock(&ctx_lock);
}

static void ctx_atfork_child(void)
{
	int fd = qchan_ctx_fd_cache;

	__atomic_store_n(&qchan_ctx_fd_cache, -1, __ATOMIC_RELAXED);
	if (fd >= 0)
		qchan_close(fd);
	pthread_mutex_unlock(&ctx_lock);
}

static void ctx_register_atfork(void)
{
	pthread_atfork(ctx_atfork_prepare, ctx_atfork_parent, ctx_atfork_child);
}

int qchan_ctx_open(void)
{
	int fd;

	/* Before the first open: a fork between open and registration would leak the context. */
	pthread_once(&atfork_once, ctx_register_atfork);

	pthread_mutex_lock(&ctx_lock);
	fd = qchan_ctx_fd_cache;
	if (fd < 0) {
		fd = (int)qchan_sys3(SYS_openat, AT_FDCWD, (long)"/dev/qchan",
				     O_RDWR | O_CLOEXEC);
		if (fd >= 0 && fd < QCHAN_CTX_FD_MIN) {
			int high = qchan_fcntl(fd, F_DUPFD_CLOEXEC, QCHAN_CTX_FD_MIN);

			if (high >= 0) {
				qchan_close(fd);
				fd = high;
			}
		}
		if (fd >= 0)
			__atomic_store_n(&qchan_ctx_fd_cache, fd, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&ctx_lock);
	return fd;
}

QCHAN_EXPORT int qchan_context_fd(void)
{
	return qchan_ctx();
}

QCHAN_EXPORT int qchan_get_features(struct qchan_features *features)
{
	struct qchan_features f = { 0 };
	int fd = qchan_ctx();
	int ret;

	if (fd < 0)
		return fd;
	ret = qchan_ioctl(fd, QCHAN_IOC_GET_FEATURES, &f);
	if (ret < 0)
		return ret;
	*features = f;
	return 0;
}
