// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Channels and connections: ChannelCreate, ChannelDestroy, ConnectAttach,
 * ConnectDetach, ConnectFlags and their native counterparts.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "internal.h"

/* QNX's channel flags are qchan's where qchan has them: they pass through unchanged. */
_Static_assert(_NTO_CHF_FIXED_PRIORITY == QCHAN_CHF_FIXED_PRIORITY, "CHF");
_Static_assert(_NTO_CHF_UNBLOCK == QCHAN_CHF_UNBLOCK, "CHF");
_Static_assert(_NTO_CHF_THREAD_DEATH == QCHAN_CHF_THREAD_DEATH, "CHF");
_Static_assert(_NTO_CHF_DISCONNECT == QCHAN_CHF_DISCONNECT, "CHF");
_Static_assert(_NTO_CHF_SENDER_LEN == QCHAN_CHF_SENDER_LEN, "CHF");
_Static_assert(_NTO_CHF_COID_DISCONNECT == QCHAN_CHF_COID_DISCONNECT, "CHF");
_Static_assert(_NTO_CHF_REPLY_LEN == QCHAN_CHF_REPLY_LEN, "CHF");
_Static_assert(_NTO_CHF_PRIVATE == QCHAN_CHF_PRIVATE, "CHF");
_Static_assert(_NTO_SIDE_CHANNEL == QCHAN_SIDE_CHANNEL, "side channel base");
_Static_assert(ESRVRFAULT == QCHAN_ESRVRFAULT, "ESRVRFAULT");

QCHAN_EXPORT int qchan_channel_create(unsigned int flags)
{
	struct qchan_channel_create arg = { .flags = flags };
	int fd = qchan_ctx();
	int ret;

	if (fd < 0)
		return fd;
	ret = qchan_ioctl(fd, QCHAN_IOC_CHANNEL_CREATE, &arg);
	return ret < 0 ? ret : arg.chid;
}

QCHAN_EXPORT int qchan_channel_destroy(int chid)
{
	struct qchan_channel_destroy arg = { .chid = chid };
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_CHANNEL_DESTROY, &arg);
}

QCHAN_EXPORT int qchan_channel_fd(int chid, unsigned int flags)
{
	struct qchan_channel_fd arg = { .chid = chid, .flags = flags };
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_CHANNEL_FD, &arg);
}

QCHAN_EXPORT int qchan_channel_busy_poll(int chid, unsigned int flags)
{
	struct qchan_channel_busy_poll arg = { .chid = chid, .flags = flags };
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_CHANNEL_BUSY_POLL, &arg);
}

QCHAN_EXPORT int qchan_connect_attach(uint32_t nd, pid_t pid, int chid, int index,
				      unsigned int flags)
{
	struct qchan_connect_attach arg = {
		.nd = nd,
		.pid = pid,
		.chid = chid,
		.flags = flags,
	};
	int fd = qchan_ctx();
	int coid, moved, ret;

	if (fd < 0)
		return fd;
	if (index < 0)
		return -EINVAL;
	if (flags & QCHAN_COF_SIDE_CHANNEL)
		arg.index = index;
	ret = qchan_ioctl(fd, QCHAN_IOC_CONNECT_ATTACH, &arg);
	if (ret < 0)
		return ret;
	coid = arg.coid;
	if ((flags & QCHAN_COF_SIDE_CHANNEL) || coid >= index)
		return coid;

	/* An fd connection below the lowest acceptable coid: move it up. */
	moved = qchan_fcntl(coid, (flags & QCHAN_COF_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD,
			    index);
	qchan_close(coid);
	return moved;
}

QCHAN_EXPORT int qchan_connect_query(int coid, struct qchan_connect_query *query)
{
	struct qchan_connect_query arg = { .coid = coid };
	int fd = qchan_ctx();
	int ret;

	if (fd < 0)
		return fd;
	ret = qchan_ioctl(fd, QCHAN_IOC_CONNECT_QUERY, &arg);
	if (ret < 0)
		return ret;
	if (query)
		*query = arg;
	return 0;
}

static inline int is_side_coid(int coid)
{
	return coid >= 0 && ((unsigned int)coid & QCHAN_SIDE_CHANNEL);
}

QCHAN_EXPORT int qchan_connect_detach(int coid)
{
	struct qchan_connect_detach arg = { .coid = coid };
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	if (qnet_in_use())
		qnet_connect_detach(coid);
	if (is_side_coid(coid))
		return qchan_ioctl(fd, QCHAN_IOC_CONNECT_DETACH, &arg);

	/*
	 * An fd connection is closed like any fd, but only if it is one:
	 * ConnectDetach must not close a file that merely has the number.
	 */
	if (coid == fd || qchan_connect_query(coid, NULL) < 0)
		return -EINVAL;
	return qchan_close(coid);
}

/* QNX API. */

QCHAN_EXPORT int ChannelCreate_r(unsigned flags)
{
	return qchan_channel_create(flags);
}

QCHAN_EXPORT int ChannelCreate(unsigned flags)
{
	return (int)qchan_set_errno(qchan_channel_create(flags));
}

QCHAN_EXPORT int ChannelDestroy_r(int chid)
{
	return qchan_channel_destroy(chid);
}

QCHAN_EXPORT int ChannelDestroy(int chid)
{
	return (int)qchan_set_errno(qchan_channel_destroy(chid));
}

static int connect_attach(uint32_t nd, pid_t pid, int chid, unsigned int index, int flags)
{
	unsigned int qflags = 0;

	if ((unsigned int)flags & ~_NTO_COF_CLOEXEC)
		return -EINVAL;
	if (flags & _NTO_COF_CLOEXEC)
		qflags |= QCHAN_COF_CLOEXEC;
	if (index & _NTO_SIDE_CHANNEL) {
		/* QNX passes _NTO_SIDE_CHANNEL itself for "any side channel". */
		qflags |= QCHAN_COF_SIDE_CHANNEL;
		if (index == _NTO_SIDE_CHANNEL)
			index = 0;
	}
	if (index > INT_MAX)
		return -EINVAL;
	if (nd != ND_LOCAL_NODE)
		return qnet_connect_attach(nd, pid, chid, (int)index, qflags);
	return qchan_connect_attach(nd, pid, chid, (int)index, qflags);
}

QCHAN_EXPORT int ConnectAttach_r(uint32_t nd, pid_t pid, int chid, unsigned index, int flags)
{
	return connect_attach(nd, pid, chid, index, flags);
}

QCHAN_EXPORT int ConnectAttach(uint32_t nd, pid_t pid, int chid, unsigned index, int flags)
{
	return (int)qchan_set_errno(connect_attach(nd, pid, chid, index, flags));
}

QCHAN_EXPORT int ConnectDetach_r(int coid)
{
	return qchan_connect_detach(coid);
}

QCHAN_EXPORT int ConnectDetach(int coid)
{
	return (int)qchan_set_errno(qchan_connect_detach(coid));
}

/*
 * Only _NTO_COF_CLOEXEC can be changed.  For an fd connection it is the
 * fd's FD_CLOEXEC.  A side-channel connection never survives exec (nor
 * fork): it always reports _NTO_COF_CLOEXEC, and a request to clear it is
 * accepted and has no effect.
 */
static int connect_flags(pid_t pid, int coid, unsigned int mask, unsigned int bits)
{
	int fd = qchan_ctx();
	int ret, fdflags, newflags;

	if (fd < 0)
		return fd;
	if (pid != 0 && pid != getpid())
		return -ESRCH;
	if (mask & ~_NTO_COF_CLOEXEC)
		return -EINVAL;
	/* QNX: EBADF, "the coid isn't a valid connection ID". */
	if (coid == fd || qchan_connect_query(coid, NULL) < 0)
		return -EBADF;
	if (is_side_coid(coid))
		return _NTO_COF_CLOEXEC;

	fdflags = qchan_fcntl(coid, F_GETFD, 0);
	if (fdflags < 0)
		return fdflags;
	newflags = fdflags;
	if (mask & _NTO_COF_CLOEXEC)
		newflags = (bits & _NTO_COF_CLOEXEC) ? (fdflags | FD_CLOEXEC)
						     : (fdflags & ~FD_CLOEXEC);
	if (newflags != fdflags) {
		ret = qchan_fcntl(coid, F_SETFD, newflags);
		if (ret < 0)
			return ret;
	}
	return (fdflags & FD_CLOEXEC) ? _NTO_COF_CLOEXEC : 0;
}

QCHAN_EXPORT int ConnectFlags_r(pid_t pid, int coid, unsigned mask, unsigned bits)
{
	return connect_flags(pid, coid, mask, bits);
}

QCHAN_EXPORT int ConnectFlags(pid_t pid, int coid, unsigned mask, unsigned bits)
{
	return (int)qchan_set_errno(connect_flags(pid, coid, mask, bits));
}
