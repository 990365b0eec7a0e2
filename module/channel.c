// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: creation, lookup and destruction.  A channel belongs to the ctx
 * of the process that created it; its queues are covered by that ctx's lock.
 */
#include <linux/cred.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "qchan.h"

#define QCHAN_CHF_KNOWN	(QCHAN_CHF_FIXED_PRIORITY | QCHAN_CHF_UNBLOCK | QCHAN_CHF_THREAD_DEATH | \
			 QCHAN_CHF_DISCONNECT | QCHAN_CHF_SENDER_LEN | QCHAN_CHF_COID_DISCONNECT | \
			 QCHAN_CHF_REPLY_LEN | QCHAN_CHF_PRIVATE | QCHAN_CHF_PUBLIC)

static void qchan_channel_free(struct kref *ref)
{
	struct qchan_channel *chan = container_of(ref, struct qchan_channel, ref);

	WARN_ON(!list_empty(&chan->send_queue) || !RB_EMPTY_ROOT(&chan->bands) ||
		!list_empty(&chan->receivers) ||
		!list_empty(&chan->pulses) || !list_empty(&chan->scons) ||
		!list_empty(&chan->notices) || !list_empty(&chan->td_notices));
	qchan_ctx_put(chan->ctx);
	atomic_dec(&qchan_stats.channels);
	kfree_rcu(chan, rcu);
}

void qchan_channel_put(struct qchan_channel *chan)
{
	kref_put(&chan->ref, qchan_channel_free);
}

/* Returns a referenced channel of @ctx, or NULL; lockless (RCU). */
struct qchan_channel *qchan_channel_get(struct qchan_ctx *ctx, int chid)
{
	struct qchan_channel *chan;

	if (chid <= 0)
		return NULL;
	rcu_read_lock();
	chan = xa_load(&ctx->channels, chid);
	if (chan && !kref_get_unless_zero(&chan->ref))
		chan = NULL;
	rcu_read_unlock();
	return chan;
}

int qchan_channel_create(struct qchan_ctx *ctx, struct qchan_channel_create __user *uarg)
{
	struct qchan_channel_create a;
	struct qchan_channel *chan;
	u32 chid;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (memchr_inv(a.reserved, 0, sizeof(a.reserved)) || (a.flags & ~QCHAN_CHF_KNOWN))
		return -EINVAL;
	if ((a.flags & QCHAN_CHF_PRIVATE) && (a.flags & QCHAN_CHF_PUBLIC))
		return -EINVAL;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL_ACCOUNT);
	if (!chan)
		return -ENOMEM;
	kref_init(&chan->ref);
	INIT_LIST_HEAD(&chan->send_queue);
	chan->bands = RB_ROOT;
	INIT_LIST_HEAD(&chan->pulses);
	INIT_LIST_HEAD(&chan->receivers);
	INIT_LIST_HEAD(&chan->scons);
	INIT_LIST_HEAD(&chan->notices);
	INIT_LIST_HEAD(&chan->notice_node);
	INIT_LIST_HEAD(&chan->td_notices);
	INIT_LIST_HEAD(&chan->td_node);
	init_waitqueue_head(&chan->poll_wq);
	chan->flags = a.flags;
	chan->euid = current_euid();
	kref_get(&ctx->ref);
	chan->ctx = ctx;
	atomic_inc(&qchan_stats.channels);

	mutex_lock(&ctx->conn_lock);
	if (ctx->dead) {
		err = -EBADFD;
		goto err_unlock;
	}
	if (ctx->nr_channels >= READ_ONCE(qchan_max_channels)) {
		err = -EAGAIN;
		goto err_unlock;
	}
	/* Before the chid is published: nothing can be sent to the channel yet. */
	if (a.flags & QCHAN_CHF_COID_DISCONNECT) {
		err = qchan_channel_reserve_notices(chan);
		if (err)
			goto err_unlock;
	}
	if (a.flags & QCHAN_CHF_THREAD_DEATH) {
		err = qchan_td_channel_add(chan);
		if (err)
			goto err_unlist;
	}
	err = xa_alloc(&ctx->channels, &chid, chan, XA_LIMIT(1, INT_MAX), GFP_KERNEL);
	if (err)
		goto err_unlist;
	chan->chid = chid;
	ctx->nr_channels++;
	mutex_unlock(&ctx->conn_lock);

	if (put_user(chan->chid, &uarg->chid)) {
		/* Nobody can know the chid yet, so nobody can have connected. */
		qchan_channel_destroy(ctx, chid);
		return -EFAULT;
	}
	return 0;

err_unlist:
	qchan_td_channel_unlist(chan);
	qchan_channel_unlist(chan);
err_unlock:
	mutex_unlock(&ctx->conn_lock);
	qchan_channel_put(chan);
	return err;
}

/* Called with conn_lock held: takes @chan out of its ctx's tables. */
static void qchan_channel_unpublish(struct qchan_ctx *ctx, struct qchan_channel *chan)
{
	xa_erase(&ctx->channels, chan->chid);
	ctx->nr_channels--;
	qchan_td_channel_unlist(chan);
	qchan_channel_unlist(chan);
	qchan_names_channel_gone(chan);
}

/*
 * The unpublished @chan dies: everything queued on or received from it
 * fails, its scoids go and the connections to it are reported.
 */
static void qchan_channel_kill(struct qchan_channel *chan)
{
	qchan_channel_fail_all(chan);
	qchan_channel_gone(chan);
	qchan_channel_put(chan);
}

int qchan_channel_destroy(struct qchan_ctx *ctx, int chid)
{
	struct qchan_channel *chan;

	if (chid <= 0)
		return -EINVAL;
	mutex_lock(&ctx->conn_lock);
	chan = xa_load(&ctx->channels, chid);
	if (chan)
		qchan_channel_unpublish(ctx, chan);
	mutex_unlock(&ctx->conn_lock);
	if (!chan)
		return -EINVAL;
	qchan_channel_kill(chan);
	return 0;
}

int qchan_channel_destroy_ioctl(struct qchan_ctx *ctx, struct qchan_channel_destroy __user *uarg)
{
	struct qchan_channel_destroy a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved)
		return -EINVAL;
	return qchan_channel_destroy(ctx, a.chid);
}

void qchan_ctx_shutdown_channels(struct qchan_ctx *ctx)
{
	struct qchan_channel *chan;
	unsigned long chid;

	mutex_lock(&ctx->conn_lock);
	xa_for_each(&ctx->channels, chid, chan) {
		qchan_channel_unpublish(ctx, chan);
		qchan_channel_kill(chan);
	}
	mutex_unlock(&ctx->conn_lock);
}
