// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The name service (<sys/dispatch.h>: name_attach, name_detach, name_open,
 * name_close) and the connection information calls (ConnectClientInfo,
 * ConnectServerInfo), over the kernel's QCHAN_IOC_NAME_* and *_INFO.
 */
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "internal.h"

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t");
_Static_assert(NGROUPS_MAX == __QCHAN_NGROUPS_MAX, "grouplist holds NGROUPS_MAX groups");

/* Native API. */

QCHAN_EXPORT int qchan_name_attach(const char *name, int chid, unsigned int flags)
{
	struct qchan_name_attach arg = {
		.name_ptr = PTR_U64(name),
		.chid = chid,
		.flags = flags,
	};
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_NAME_ATTACH, &arg);
}

QCHAN_EXPORT int qchan_name_detach(const char *name)
{
	struct qchan_name_detach arg = { .name_ptr = PTR_U64(name) };
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_NAME_DETACH, &arg);
}

QCHAN_EXPORT int qchan_name_open(const char *name, unsigned int flags, unsigned int coflags,
				 pid_t *pid, int *chid)
{
	struct qchan_name_open arg = {
		.name_ptr = PTR_U64(name),
		.flags = flags,
		.coflags = coflags,
	};
	int fd = qchan_ctx();
	int ret;

	if (fd < 0)
		return fd;
	ret = qchan_ioctl(fd, QCHAN_IOC_NAME_OPEN, &arg);
	if (ret < 0)
		return ret;
	if (pid)
		*pid = arg.pid;
	if (chid)
		*chid = arg.chid;
	return arg.coid;
}

QCHAN_EXPORT int qchan_name_list(struct qchan_name_entry *entries, unsigned int capacity,
				 unsigned int *total)
{
	struct qchan_name_list arg = {
		.entries_ptr = PTR_U64(entries),
		.capacity = entries ? capacity : 0,
	};
	int fd = qchan_ctx();
	int ret;

	if (fd < 0)
		return fd;
	ret = qchan_ioctl(fd, QCHAN_IOC_NAME_LIST, &arg);
	if (ret < 0)
		return ret;
	if (total)
		*total = arg.total;
	return (int)arg.count;
}

QCHAN_EXPORT int qchan_client_info(struct qchan_client_info *info)
{
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_CLIENT_INFO, info);
}

/* QNX API. */

/* What name_attach() allocates: QNX's name_attach_t, and the name to detach. */
struct name_attach_priv {
	name_attach_t pub;	/* first: name_detach() gets its address back */
	char name[];
};

/* QNX gives the process's first name channel _NTO_CHF_COID_DISCONNECT too. */
static int name_first_done;

QCHAN_EXPORT name_attach_t *name_attach(dispatch_t *dpp, const char *path, unsigned flags)
{
	struct name_attach_priv *priv;
	unsigned int chflags = _NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT;
	size_t len;
	int chid, ret;

	if (!path || (flags & ~NAME_FLAG_ATTACH_GLOBAL)) {
		errno = EINVAL;
		return NULL;
	}
	len = strnlen(path, QCHAN_NAME_MAX + 1);
	if (len > QCHAN_NAME_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	priv = malloc(sizeof(*priv) + len + 1);
	if (!priv) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(priv->name, path, len + 1);

	if (!__atomic_load_n(&name_first_done, __ATOMIC_RELAXED))
		chflags |= _NTO_CHF_COID_DISCONNECT;
	chid = qchan_channel_create(chflags);
	if (chid < 0) {
		ret = chid;
		goto err_free;
	}
	ret = qchan_name_attach(priv->name,
				chid, (flags & NAME_FLAG_ATTACH_GLOBAL) ? QCHAN_NAME_GLOBAL : 0);
	if (ret < 0) {
		qchan_channel_destroy(chid);
		goto err_free;
	}
	if (chflags & _NTO_CHF_COID_DISCONNECT)
		__atomic_store_n(&name_first_done, 1, __ATOMIC_RELAXED);

	memset(&priv->pub, 0, sizeof(priv->pub));
	priv->pub.dpp = dpp;
	priv->pub.chid = chid;
	return &priv->pub;

err_free:
	free(priv);
	errno = -ret;
	return NULL;
}

QCHAN_EXPORT int name_detach(name_attach_t *attach, unsigned flags)
{
	struct name_attach_priv *priv;
	int ret;

	if (!attach || (flags & ~NAME_FLAG_DETACH_SAVEDPP)) {
		errno = EINVAL;
		return -1;
	}
	priv = (struct name_attach_priv *)((char *)attach - offsetof(struct name_attach_priv, pub));
	/* The name goes with its channel anyway (also after leaving the namespace). */
	qchan_name_detach(priv->name);
	ret = qchan_channel_destroy(attach->chid);
	/* A transient failure keeps @attach, so that the caller can try again. */
	if (ret == -ENOMEM || ret == -EFAULT || ret == -EAGAIN)
		return (int)qchan_set_errno(ret);
	free(priv);
	return (int)qchan_set_errno(ret);
}

/*
 * The _IO_CONNECT message QNX's name_open() sends through the connection
 * when the global name service (gns) resolves the name: an open
 * (_IO_CONNECT_OPEN) of the empty path below the name, for reading and
 * writing, of file type _FTYPE_NAME.  A local name, which procnto resolves,
 * gets no message (QNX 6.6 and 7 name_open(): "If the global name service,
 * gns, is running on your system, an _IO_CONNECT message ... is sent"), and
 * QNX 7/8 servers rely on that: they answer every I/O message, _IO_CONNECT
 * included, with MsgError(ENOSYS).
 */
static int name_connect_msg(int coid)
{
	struct _io_connect msg;
	long status;
	int ret;

	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_CONNECT;
	msg.subtype = _IO_CONNECT_OPEN;
	msg.file_type = _FTYPE_NAME;
	msg.ioflag = _IO_FLAG_RD | _IO_FLAG_WR;	/* QNX open()'s O_RDWR + 1 */
	msg.path_len = 1;	/* "" and its NUL */
	ret = qchan_msg_send(coid, &msg, offsetof(struct _io_connect, path) + 1, NULL, 0,
			     &status);
	return ret;
}

static int name_open_r(const char *name, int flags)
{
	int coid, ret;

	if (!name || ((unsigned int)flags & ~NAME_FLAG_ATTACH_GLOBAL))
		return -EINVAL;
	if (strnlen(name, QCHAN_NAME_MAX + 1) > QCHAN_NAME_MAX)
		return -ENAMETOOLONG;
	coid = qchan_name_open(name, (flags & NAME_FLAG_ATTACH_GLOBAL) ? QCHAN_NAME_GLOBAL : 0,
			       QCHAN_COF_SIDE_CHANNEL, NULL, NULL);
	if (coid < 0)
		return coid;
	if (!(flags & NAME_FLAG_ATTACH_GLOBAL))
		return coid;
	/* The server refused the open (MsgError), or died: no connection for the caller. */
	ret = name_connect_msg(coid);
	if (ret < 0) {
		qchan_connect_detach(coid);
		return ret;
	}
	return coid;
}

QCHAN_EXPORT int name_open(const char *name, int flags)
{
	return (int)qchan_set_errno(name_open_r(name, flags));
}

QCHAN_EXPORT int name_close(int coid)
{
	return (int)qchan_set_errno(qchan_connect_detach(coid));
}

static int client_info(int scoid, struct _client_info *info, int ngroups)
{
	struct qchan_client_info arg = { .scoid = scoid };
	int ret;

	if (!info || ngroups < 0)
		return -EINVAL;
	if (ngroups) {
		arg.ngroups = (uint32_t)ngroups;
		arg.groups_ptr = PTR_U64(info->cred.grouplist);
	}
	ret = qchan_client_info(&arg);
	if (ret < 0)
		return ret;
	info->nd = arg.nd;
	info->pid = arg.pid;
	info->sid = arg.sid;
	info->flags = 0;
	info->cred.ruid = arg.ruid;
	info->cred.euid = arg.euid;
	info->cred.suid = arg.suid;
	info->cred.rgid = arg.rgid;
	info->cred.egid = arg.egid;
	info->cred.sgid = arg.sgid;
	info->cred.ngroups = ngroups && arg.ngroups > (uint32_t)ngroups ? (uint32_t)ngroups
									  : arg.ngroups;
	return 0;
}

QCHAN_EXPORT int ConnectClientInfo_r(int scoid, struct _client_info *info, int ngroups)
{
	return client_info(scoid, info, ngroups);
}

QCHAN_EXPORT int ConnectClientInfo(int scoid, struct _client_info *info, int ngroups)
{
	return (int)qchan_set_errno(client_info(scoid, info, ngroups));
}

static int server_info(pid_t pid, int coid, struct _server_info *info)
{
	struct qchan_server_info arg = { .coid = coid };
	int fd = qchan_ctx();
	int ret;

	if (fd < 0)
		return fd;
	if (pid != 0 && pid != getpid())
		return -ESRCH;
	if (coid < 0)
		return -EINVAL;
	ret = qchan_ioctl(fd, QCHAN_IOC_SERVER_INFO, &arg);
	if (ret < 0)
		return ret;
	if (info) {
		memset(info, 0, sizeof(*info));
		info->nd = ND_LOCAL_NODE;
		info->pid = arg.pid;
		info->chid = arg.chid;
		info->scoid = arg.scoid;
		info->coid = arg.coid;
	}
	return arg.coid;
}

QCHAN_EXPORT int ConnectServerInfo_r(pid_t pid, int coid, struct _server_info *info)
{
	return server_info(pid, coid, info);
}

QCHAN_EXPORT int ConnectServerInfo(pid_t pid, int coid, struct _server_info *info)
{
	return (int)qchan_set_errno(server_info(pid, coid, info));
}
