// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Qnet, the client half: ConnectAttach with a remote nd, netmgr_strtond and
 * netmgr_ndtostr talk to the node's qnetd (lib/qnet/qnetd.c, docs/QNET.md).
 *
 * A network connection is an ordinary connection to qnetd's channel that
 * qnetd knows by (our pid, coid): MsgSend on it needs nothing from us.
 * Only what qnetd cannot see goes through a request of ours on a second,
 * cached side connection: the registration, the detach, and pulses (a pulse
 * names our scoid, not the coid it was sent on).  The coids are kept in a
 * small table; qnet_coids stays 0 in a program that never used Qnet, so
 * ConnectDetach and MsgSendPulse pay one load for all this.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>
#include <sys/netmgr.h>

#include "internal.h"
#include "qnet.h"

int qnet_coids;

static pthread_mutex_t qnet_lock = PTHREAD_MUTEX_INITIALIZER;
static int *coid_tab;
static int coid_cap;
static int ctl_coid = -1;
static pid_t ctl_pid;

/* The caller holds qnet_lock.  A forked child has none of its parent's side coids. */
static int ctl_get_locked(pid_t *qnetd)
{
	pid_t me = getpid();
	int coid;

	if (ctl_coid >= 0 && ctl_pid == me)
		return ctl_coid;
	coid = qchan_name_open(QNET_QCHAN_NAME, 0, QCHAN_COF_SIDE_CHANNEL, qnetd, NULL);
	if (coid < 0)
		return coid == -ENOENT ? -EOPNOTSUPP : coid;	/* no qnetd here */
	ctl_coid = coid;
	ctl_pid = me;
	return coid;
}

/* One request to qnetd: its reply status (>= 0) or -errno. */
static long ctl_call(struct qnet_ctl *req, void *reply, size_t rbytes)
{
	long status = 0;
	int coid, ret, tries;

	req->magic = QNET_CTL_MAGIC;
	pthread_mutex_lock(&qnet_lock);
	for (tries = 0; tries < 2; tries++) {
		coid = ctl_get_locked(NULL);
		if (coid < 0) {
			ret = coid;
			break;
		}
		ret = qchan_msg_send(coid, req, sizeof(*req), reply, rbytes, &status);
		/* A qnetd restarted since we cached its connection: once more. */
		if (ret != -ESRCH && ret != -EBADF)
			break;
		qchan_connect_detach(coid);
		ctl_coid = -1;
	}
	pthread_mutex_unlock(&qnet_lock);
	return ret < 0 ? ret : status;
}

static int tab_find_locked(int coid)
{
	for (int i = 0; i < coid_cap; i++)
		if (coid_tab[i] == coid)
			return i;
	return -1;
}

static int tab_add(int coid)
{
	int i, *t, saved = errno;	/* the _r calls never touch errno */

	pthread_mutex_lock(&qnet_lock);
	i = tab_find_locked(-1);
	if (i < 0) {
		t = realloc(coid_tab, (size_t)(coid_cap ? 2 * coid_cap : 8) * sizeof(*t));
		errno = saved;
		if (!t) {
			pthread_mutex_unlock(&qnet_lock);
			return -ENOMEM;
		}
		for (i = coid_cap; i < (coid_cap ? 2 * coid_cap : 8); i++)
			t[i] = -1;
		i = coid_cap;
		coid_tab = t;
		coid_cap = coid_cap ? 2 * coid_cap : 8;
	}
	coid_tab[i] = coid;
	__atomic_add_fetch(&qnet_coids, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&qnet_lock);
	return 0;
}

/* True if @coid is a network connection (removed from the table if @remove). */
static bool tab_has(int coid, bool remove)
{
	int i;

	pthread_mutex_lock(&qnet_lock);
	i = tab_find_locked(coid);
	if (i >= 0 && remove) {
		coid_tab[i] = -1;
		__atomic_sub_fetch(&qnet_coids, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&qnet_lock);
	return i >= 0;
}

int qnet_connect_attach(uint32_t nd, pid_t pid, int chid, int index, unsigned int flags)
{
	struct qnet_ctl req = { .op = QNET_CTL_CONNECT, .nd = nd, .pid = pid, .chid = chid };
	pid_t qnetd;
	int coid, dchid, ret;
	long status;

	/* qnetd's pid and chid, from its name: the connection is a plain one to it. */
	coid = qchan_name_open(QNET_QCHAN_NAME, 0, QCHAN_COF_SIDE_CHANNEL, &qnetd, &dchid);
	if (coid < 0)
		return coid == -ENOENT ? -EOPNOTSUPP : coid;
	qchan_connect_detach(coid);
	coid = qchan_connect_attach(ND_LOCAL_NODE, qnetd, dchid, index, flags);
	if (coid < 0)
		return coid;
	req.coid = coid;
	status = ctl_call(&req, NULL, 0);
	ret = status < 0 ? (int)status : tab_add(coid);
	if (ret < 0) {
		if (status >= 0) {
			req.op = QNET_CTL_DETACH;
			ctl_call(&req, NULL, 0);
		}
		qchan_connect_detach(coid);
		return ret;
	}
	return coid;
}

/* ConnectDetach of a network connection: qnetd drops it first. */
void qnet_connect_detach(int coid)
{
	struct qnet_ctl req = { .op = QNET_CTL_DETACH, .coid = coid };

	if (tab_has(coid, true))
		ctl_call(&req, NULL, 0);
}

/* MsgSendPulse: 1 and *ret if @coid is a network connection, else 0. */
int qnet_send_pulse(int coid, int priority, int code, uint64_t value, int *ret)
{
	struct qnet_ctl req = {
		.op = QNET_CTL_PULSE,
		.coid = coid,
		.prio = priority,
		.code = code,
		.value = (int64_t)value,
	};
	long status;

	if (!tab_has(coid, false))
		return 0;
	status = ctl_call(&req, NULL, 0);
	*ret = status < 0 ? (int)status : 0;
	return 1;
}

static int strtond(const char *nodename, char **endstr)
{
	struct qnet_ctl req = { .op = QNET_CTL_STRTOND };
	size_t len;
	long nd;

	if (!nodename)
		return -EINVAL;
	/* The node name ends at a '/', as in "name/rest/of/path". */
	len = strcspn(nodename, "/");
	if (endstr)
		*endstr = (char *)nodename + len;
	if (!len || len >= sizeof(req.name))
		return -EINVAL;
	memcpy(req.name, nodename, len);
	nd = ctl_call(&req, NULL, 0);
	return nd < 0 || nd <= INT32_MAX ? (int)nd : -EPROTO;
}

static int ndtostr(unsigned int flags, int nd, char *buf, size_t maxbuf)
{
	struct qnet_ctl req = { .op = QNET_CTL_NDTOSTR, .nd = (uint32_t)nd };
	char name[QNET_NAME_MAX] = "";
	size_t len;
	long ret;

	(void)flags;	/* no directory, domain or QoS parts to show or hide */
	if (nd < 0)
		return -EINVAL;
	ret = ctl_call(&req, name, sizeof(name) - 1);
	if (ret < 0)
		return (int)ret;
	len = strlen(name);
	if (buf && maxbuf) {
		memcpy(buf, name, len < maxbuf ? len + 1 : maxbuf - 1);
		buf[maxbuf - 1] = 0;
	}
	return (int)len;
}

QCHAN_EXPORT int netmgr_strtond(const char *nodename, char **endstr)
{
	return (int)qchan_set_errno(strtond(nodename, endstr));
}

QCHAN_EXPORT int netmgr_ndtostr(unsigned flags, int nd, char *buf, size_t maxbuf)
{
	return (int)qchan_set_errno(ndtostr(flags, nd, buf, maxbuf));
}
