// SPDX-License-Identifier: GPL-2.0
/*
 * Parking: how a blocked MsgSend survives its thread leaving the kernel
 * (a stop signal, a debugger, task work) without losing its place, its rcvid
 * or its exactly-once delivery.  The message state machine is in msg.c.
 */
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "prio.h"
#include "qchan.h"

/*
 * Parked messages.  A SEND- or REPLY-blocked sender that must stop (SIGSTOP,
 * a debugger) or run kernel work has to return to user space, and its
 * message lives on its stack.  So the message moves to the heap, keeping its
 * place in the queue or its rcvid, holding the sender's mm and task, and the
 * ioctl returns -ERESTARTNOHAND with a cookie in the caller's status field.
 * Without a handler the kernel restarts the call (same thread, same
 * arguments, the cookie still there): it finds the message on the sender
 * ctx's parked list and resumes waiting.  If a handler runs (a signal that
 * came during the stop) the call fails with EINTR before the kernel can do
 * anything about the message, which stays parked: the caller (libchan)
 * sees the cookie still in status and makes the call again with
 * QCHAN_SEND_FINISH, which ends it as that signal would have: the outcome
 * if the server gave one meanwhile (a reply is never lost), else EINTR and
 * the message withdrawn, or the unblock protocol.  A caller that never
 * does loses the message at the thread's next fresh MSG_SEND (abandoned: a
 * later reply gets ESRCH) or at the owner's close of the ctx.  A restarted
 * call whose message was abandoned meanwhile (its ctx was closed) fails
 * with EINTR: it must never be taken for a fresh send, which would deliver
 * the message twice.  So a fresh send must pass status 0, and a non-zero
 * status is a cookie or -EINVAL.
 */
struct qchan_parked {
	struct qchan_msg msg;
	struct list_head node;		/* sender ctx->parked, under its conn_lock */
	struct qchan_msg_send args;	/* the call that parked: its restart must match */
	struct iovec iov[];		/* the send vector, then the reply vector */
};

/* Releases what a finished send holds: the stack path's cleanup, for the heap copy. */
static void qchan_parked_free(struct qchan_ctx *sctx, struct qchan_parked *pm)
{
	struct qchan_msg *msg = &pm->msg;

	if (msg->sbuf && msg->sbuf != msg->stack_sbuf)
		kvfree(msg->sbuf);
	if (msg->rbuf && msg->rbuf != msg->stack_rbuf)
		kvfree(msg->rbuf);
	qchan_msg_unpin(msg);
	qchan_prio_msg_done(msg);
	qchan_stat_dec(msgs_in_flight);
	atomic_dec(&sctx->nr_queued);
	qchan_conn_put(msg->conn);
	mmput(msg->mm);
	put_task_struct(msg->sender);
	kfree(pm);
}

/*
 * Moves the QUEUED or REPLY-blocked @msg to the heap.  0 when parked; -EAGAIN
 * when the message moved on meanwhile (the caller waits again); -ENOMEM, or
 * -EINTR when the sender's ctx is closing (the caller fails the message).
 */
int qchan_msg_park(struct qchan_ctx *sctx, struct qchan_msg *msg,
		   const struct qchan_msg_send *args)
{
	struct qchan_ctx *ctx = msg->chan->ctx;
	struct qchan_parked *pm;
	int err = 0;

	pm = kzalloc(struct_size(pm, iov, msg->sparts + msg->rparts), GFP_KERNEL);
	if (!pm)
		return -ENOMEM;
	memcpy(pm->iov, msg->siov, array_size(msg->sparts, sizeof(*pm->iov)));
	memcpy(pm->iov + msg->sparts, msg->riov, array_size(msg->rparts, sizeof(*pm->iov)));
	pm->args = *args;
	pm->args.flags &= ~QCHAN_SEND_FINISH;	/* see qchan_msg_restart() */

	/*
	 * Under conn_lock, so that qchan_ctx_drop_parked() (which runs after
	 * sctx->dead is set) either finds this message or we see dead.
	 */
	mutex_lock(&sctx->conn_lock);
	if (READ_ONCE(sctx->dead)) {
		err = -EINTR;
		goto out_unlock;
	}
	ctx_lock(ctx);
	if (msg->busy || (msg->state != QCHAN_MSG_RECEIVED && msg->state != QCHAN_MSG_QUEUED)) {
		ctx_unlock(ctx);
		err = -EAGAIN;
		goto out_unlock;
	}
	pm->msg = *msg;
	pm->msg.waiter = NULL;
	if (msg->state == QCHAN_MSG_QUEUED) {
		list_replace(&msg->node, &pm->msg.node);
		/* An empty node points at itself: the copy's must point at the copy. */
		if (!RB_EMPTY_NODE(&msg->band))
			rb_replace_node(&msg->band, &pm->msg.band, &msg->chan->bands);
		else
			RB_CLEAR_NODE(&pm->msg.band);
	} else {
		hlist_del(&msg->rcvid_node);
		hlist_add_head(&pm->msg.rcvid_node, qchan_rcvid_bucket(ctx, pm->msg.rcvid));
	}
	/* Its unblock pulse, if queued, moves with it. */
	if (list_empty(&msg->unblock.node))
		INIT_LIST_HEAD(&pm->msg.unblock.node);
	else
		list_replace(&msg->unblock.node, &pm->msg.unblock.node);
	pm->msg.siov = pm->iov;
	pm->msg.riov = pm->iov + msg->sparts;
	if (msg->sbuf == msg->stack_sbuf)
		pm->msg.sbuf = pm->msg.stack_sbuf;
	if (msg->pins == msg->stack_pins)
		pm->msg.pins = pm->msg.stack_pins;
	/* The sender may exit while parked: servers may still reach its memory. */
	mmget(pm->msg.mm);
	get_task_struct(pm->msg.sender);
	ctx_unlock(ctx);
	list_add(&pm->node, &sctx->parked);
	pm = NULL;
out_unlock:
	mutex_unlock(&sctx->conn_lock);
	kfree(pm);
	return err;
}

/* Takes the calling thread's parked message off @sctx's list, if it has one. */
static struct qchan_parked *qchan_parked_take(struct qchan_ctx *sctx)
{
	struct qchan_parked *pm;

	mutex_lock(&sctx->conn_lock);
	list_for_each_entry(pm, &sctx->parked, node) {
		if (pm->msg.sender == current) {
			list_del(&pm->node);
			mutex_unlock(&sctx->conn_lock);
			return pm;
		}
	}
	mutex_unlock(&sctx->conn_lock);
	return NULL;
}

/* Fails a parked message and waits until no server copies its sender's memory. */
static void qchan_parked_abandon(struct qchan_ctx *sctx, struct qchan_parked *pm)
{
	struct qchan_ctx *ctx = pm->msg.chan->ctx;

	ctx_lock(ctx);
	qchan_msg_fail(ctx, &pm->msg, -EINTR);
	/* Whoever finishes a copy or a reply under way must wake us. */
	pm->msg.waiter = current;
	while (pm->msg.state != QCHAN_MSG_DONE || pm->msg.busy) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		ctx_unlock(ctx);
		schedule();
		ctx_lock(ctx);
	}
	ctx_unlock(ctx);
	qchan_parked_free(sctx, pm);
}

/* A fresh MSG_SEND: the calling thread's parked message, if any, is given up. */
void qchan_parked_abandon_mine(struct qchan_ctx *sctx)
{
	struct qchan_parked *pm = qchan_parked_take(sctx);

	if (pm)
		qchan_parked_abandon(sctx, pm);
}

/* The owner is closing its ctx: nothing parked can be resumed any more. */
void qchan_ctx_drop_parked(struct qchan_ctx *sctx)
{
	struct qchan_parked *pm;

	for (;;) {
		mutex_lock(&sctx->conn_lock);
		pm = list_first_entry_or_null(&sctx->parked, struct qchan_parked, node);
		if (pm)
			list_del(&pm->node);
		mutex_unlock(&sctx->conn_lock);
		if (!pm)
			return;
		qchan_parked_abandon(sctx, pm);
	}
}

#define QCHAN_PARK_COOKIE_MAGIC	0x71630000U

/* Tells a restarted MSG_SEND from a fresh one (whose status must be 0). */
s64 qchan_park_cookie(const struct qchan_msg *msg)
{
	return (s64)((u64)QCHAN_PARK_COOKIE_MAGIC << 32 | (u32)msg->rcvid);
}

/*
 * The restarted MSG_SEND of a parked message: wait again, then finish as the
 * stack path does.  With @handled (QCHAN_SEND_FINISH) the call has already
 * returned -EINTR to a signal handler: the sender wants out, as if that
 * signal had arrived now, so the message ends unless its outcome is known
 * or the unblock protocol keeps the sender waiting for the reply.
 */
static int qchan_msg_resume(struct qchan_ctx *sctx, struct qchan_parked *pm, bool handled,
			    struct qchan_msg_send __user *uarg)
{
	struct qchan_msg *msg = &pm->msg;
	struct qchan_ctx *ctx = msg->chan->ctx;
	int err;

	ctx_lock(ctx);
	if (handled)
		qchan_msg_unblock(ctx, msg, -EINTR);
	err = qchan_msg_wait_done_locked(ctx, msg);
	if (err == QCHAN_WAIT_PARK) {
		mutex_lock(&sctx->conn_lock);
		if (!READ_ONCE(sctx->dead)) {	/* as in qchan_msg_park() */
			list_add(&pm->node, &sctx->parked);
			mutex_unlock(&sctx->conn_lock);
			return -ERESTARTNOHAND;	/* the cookie is still in place */
		}
		mutex_unlock(&sctx->conn_lock);
		qchan_parked_abandon(sctx, pm);
		err = -EINTR;
		goto out_clear_cookie;
	}
	if (!err && msg->rbuf_len)
		err = qchan_scatter_to_user(msg->riov, msg->rparts, msg->rbuf, msg->rbuf_len);
	if (!err && put_user(msg->status, &uarg->status))
		err = -EFAULT;
	qchan_parked_free(sctx, pm);
	if (!err)
		return 0;
out_clear_cookie:
	/* The call is over: a cookie left in place would make it look parked. */
	return put_user(0, &uarg->status) ? -EFAULT : err;
}

/*
 * A MSG_SEND with a status in: the kernel restarting a parked call.  Resume
 * it if this thread's parked message is still there; if it was abandoned
 * (its ctx closed, or the thread moved on) the call failed while it was
 * away.  The cookie is cleared so that the caller's retry is a fresh send.
 */
int qchan_msg_restart(struct qchan_ctx *ctx, const struct qchan_msg_send *a,
		      struct qchan_msg_send __user *uarg)
{
	struct qchan_msg_send call = *a;
	struct qchan_parked *pm;

	if ((u64)a->status >> 32 != QCHAN_PARK_COOKIE_MAGIC)
		return -EINVAL;
	/* QCHAN_SEND_FINISH concludes the call that parked: the same arguments otherwise. */
	call.flags &= ~QCHAN_SEND_FINISH;
	pm = qchan_parked_take(ctx);
	if (pm && !memcmp(&call, &pm->args, sizeof(call)))
		return qchan_msg_resume(ctx, pm, a->flags & QCHAN_SEND_FINISH, uarg);
	if (pm)
		qchan_parked_abandon(ctx, pm);
	return put_user(0, &uarg->status) ? -EFAULT : -EINTR;
}
