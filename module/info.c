// SPDX-License-Identifier: GPL-2.0
/*
 * ConnectClientInfo: who is behind one of the caller's server connections.
 * A QNX server decides on its clients' credentials with it, so the answer
 * is the client's credentials now (not at connect time), mapped into the
 * caller's user and pid namespaces.
 */
#include <linux/cred.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "qchan.h"

/*
 * The client process a scoid of @ctx names, referenced, and its node (@nd);
 * -1 names the caller.
 */
static struct pid *qchan_scoid_client(struct qchan_ctx *ctx, int scoid, u32 *nd)
{
	struct qchan_scon *scon;
	struct pid *client = NULL;

	*nd = 0;
	if (scoid == -1)
		return get_pid(ctx->owner);
	if (scoid < (int)QCHAN_SIDE_CHANNEL)
		return NULL;
	ctx_lock(ctx);
	scon = xa_load(&ctx->scons, scoid - QCHAN_SIDE_CHANNEL);
	if (scon && scon->published) {
		client = get_pid(scon->client);
		*nd = scon->nd;
	}
	ctx_unlock(ctx);
	return client;
}

int qchan_client_info(struct qchan_ctx *ctx, struct qchan_client_info __user *uarg)
{
	struct user_namespace *uns = current_user_ns();
	struct qchan_client_info a;
	const struct cred *cred;
	struct task_struct *task;
	u32 *groups = NULL;
	unsigned int i, n;
	struct pid *client;
	int err = 0;
	u32 nd;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || a.nd || a.pad2 || a.reserved)
		return -EINVAL;
	if (!a.groups_ptr)
		a.ngroups = 0;

	client = qchan_scoid_client(ctx, a.scoid, &nd);
	if (!client)
		return -EINVAL;
	rcu_read_lock();
	task = pid_task(client, PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task) {
		put_pid(client);
		return -ESRCH;
	}

	cred = get_task_cred(task);
	/* At most NGROUPS_MAX (65536) groups: a bounded allocation. */
	n = min_t(unsigned int, a.ngroups, cred->group_info->ngroups);
	if (n) {
		groups = kmalloc_array(n, sizeof(*groups), GFP_KERNEL_ACCOUNT);
		if (!groups) {
			err = -ENOMEM;
			goto out_put;
		}
		for (i = 0; i < n; i++)
			groups[i] = from_kgid_munged(uns, cred->group_info->gid[i]);
	}
	a.ngroups = cred->group_info->ngroups;
	a.ruid = from_kuid_munged(uns, cred->uid);
	a.euid = from_kuid_munged(uns, cred->euid);
	a.suid = from_kuid_munged(uns, cred->suid);
	a.rgid = from_kgid_munged(uns, cred->gid);
	a.egid = from_kgid_munged(uns, cred->egid);
	a.sgid = from_kgid_munged(uns, cred->sgid);
	a.pid = pid_vnr(client);
	a.sid = task_session_vnr(task);
	a.nd = nd;

	if (n && copy_to_user(u64_to_user_ptr(a.groups_ptr), groups,
			      array_size(n, sizeof(*groups))))
		err = -EFAULT;
	else if (copy_to_user(uarg, &a, sizeof(a)))
		err = -EFAULT;
	kfree(groups);
out_put:
	put_cred(cred);
	put_task_struct(task);
	put_pid(client);
	return err;
}
