// SPDX-License-Identifier: GPL-2.0
/*
 * Qnet's network proxies (docs/QNET.md): node B's qnetd worker sends on
 * behalf of node A's clients, and QNX servers tell a remote client apart by
 * _msg_info.nd and see its pid and tid.  Only a privileged process may claim
 * to speak for another node, so the mark is CAP_SYS_ADMIN's (taken while
 * still root, before the worker drops to the remote user's ids); what a
 * marked context then says about its senders is believed as TIPC's cluster
 * is trusted.  The mark is fixed before the first connection, so every
 * server connection (scon) of the process shows the same nd.
 */
#include <linux/capability.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "qchan.h"

int qchan_net_proxy(struct qchan_ctx *ctx, struct qchan_net_proxy __user *uarg)
{
	struct qchan_net_proxy a;
	int err = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (!a.nd || a.flags || a.pad || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&ctx->conn_lock);
	if (ctx->net_nd || atomic_read(&ctx->nr_conns)) {
		err = -EBUSY;
	} else {
		WRITE_ONCE(ctx->net_srcnd, a.srcnd);
		WRITE_ONCE(ctx->net_nd, a.nd);
	}
	mutex_unlock(&ctx->conn_lock);
	return err;
}

int qchan_net_send(struct qchan_ctx *ctx, struct qchan_net_send __user *uarg)
{
	struct qchan_net_send a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.pid <= 0 || a.tid <= 0 || a.flags || a.pad ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (!READ_ONCE(ctx->net_nd))
		return -EPERM;
	return qchan_msg_send_as(ctx, &uarg->send, a.pid, a.tid);
}
