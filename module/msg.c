// SPDX-License-Identifier: GPL-2.0
/*
 * The message state machine (see qchan.h for the states and the locking
 * rules) and the send side; the server thread's side (receive, reply,
 * read/write, info) is in server.c.
 *
 * A send that finds a RECEIVE-blocked server thread (preferably one on this
 * CPU) binds the message to a fresh rcvid and wakes that thread: no queueing,
 * no second look-up.  Otherwise the message is queued by priority and the
 * first receiver takes it.
 * The receiving thread does the copy of the request, so the bytes arrive in
 * the cache of the thread that will use them.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "kmsg.h"
#include "msg.h"
#include "prio.h"
#include "qchan.h"
#include "trace.h"
#include "ucopy.h"

/* Called with ctx->lock held. */
static void qchan_rcvid_unhash(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	hlist_del(&msg->rcvid_node);
	WRITE_ONCE(ctx->nr_rcvids, ctx->nr_rcvids - 1);
	qchan_prio_unhold(msg);
}

/* Called with ctx->lock held: ends @msg with @error, whatever state it is in. */
void qchan_msg_finish(struct qchan_ctx *ctx, struct qchan_msg *msg, int error)
{
	ctx_lockdep_assert(ctx);
	switch (msg->state) {
	case QCHAN_MSG_QUEUED:
		qchan_msg_dequeue(msg->chan, msg);
		break;
	case QCHAN_MSG_RECEIVED:
	case QCHAN_MSG_REPLYING:
		qchan_rcvid_unhash(ctx, msg);
		qchan_pulse_withdraw(&msg->unblock);
		break;
	case QCHAN_MSG_DONE:
		return;
	}
	trace_qchan_error(msg, error);
	/* WRITE_ONCE: a busy-polling sender peeks at it unlocked (busypoll.c). */
	WRITE_ONCE(msg->state, QCHAN_MSG_DONE);
	msg->error = error;
	qchan_msg_maybe_release(msg);
}

/*
 * Called with ctx->lock held: fails @msg with @error unless it is finished or
 * a reply to it is under way (which decides the outcome).
 */
void qchan_msg_fail(struct qchan_ctx *ctx, struct qchan_msg *msg, int error)
{
	if (msg->state != QCHAN_MSG_REPLYING)
		qchan_msg_finish(ctx, msg, error);
}

/*
 * A receive that holds @msg (busy) and will not copy it (its thread is gone,
 * uring.c) lets go of it, failing it with @error.
 */
void qchan_msg_drop(struct qchan_ctx *ctx, struct qchan_msg *msg, int error)
{
	ctx_lock(ctx);
	msg->busy--;
	qchan_msg_fail(ctx, msg, error);
	/* A REPLYING message is left to its replier by the fail: release it if we held it last. */
	qchan_msg_maybe_release(msg);
	ctx_unlock(ctx);
}

/* Called with ctx->lock held: the thread (init ns) that sent the message @rcvid, or 0. */
pid_t qchan_rcvid_sender(struct qchan_ctx *ctx, int rcvid)
{
	struct qchan_msg *msg = qchan_rcvid_lookup(ctx, rcvid);

	return msg ? task_pid_nr(msg->sender) : 0;
}

/*
 * Called with ctx->lock held: @msg gets a fresh rcvid, owned by one copying
 * receiver, in its server connection's slot (qchan.h).
 */
void qchan_msg_bind(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	struct qchan_scon *scon = msg->conn->scon;
	u32 slot = (u32)(msg->conn->scoid - QCHAN_SIDE_CHANNEL) << QCHAN_RCVID_SEQ_BITS;
	int rcvid;

	/*
	 * Skipping ids in use terminates: one client process has fewer
	 * messages in flight than a slot has ids (max_queued is capped below).
	 */
	do {
		rcvid = slot | (ctx->next_rcvid++ & QCHAN_RCVID_SEQ_MASK);
	} while (!rcvid || qchan_rcvid_lookup(ctx, rcvid));

	scon->last_rcvid = rcvid;
	scon->last_tid = task_pid_nr(msg->sender);
	msg->rcvid = rcvid;
	qchan_wait_stamp(&msg->since);
	hlist_add_head(&msg->rcvid_node, qchan_rcvid_bucket(ctx, rcvid));
	WRITE_ONCE(ctx->nr_rcvids, ctx->nr_rcvids + 1);
	msg->state = QCHAN_MSG_RECEIVED;
	msg->busy = 1;
	/* A sender waiting without a deadline while queued has one from now on. */
	if (unlikely(msg->timeout_states & QCHAN_SEND_TIMEOUT_REPLY)) {
		if (msg->waiter)
			wake_up_process(msg->waiter);
		else if (msg->uasync)
			qchan_uring_send_bound(msg);
	}
}

/*
 * Called with ctx->lock held: a batch (batch.c) gives back the message
 * @rcvid that it took and copied in one lock hold but cannot deliver (a
 * slot before it faulted), never told to anyone, as if it had never been
 * taken: unbound, and queued where its priority and arrival (msg->seq)
 * place it.  A message that finished meanwhile (its sender killed, its
 * channel gone) or is being replied to is left alone.  One whose sender
 * asked out meanwhile (QCHAN_CHF_UNBLOCK: it sent the unblock pulse) ends
 * with -EINTR, as a queued message would have; one another thread copies
 * by the (guessed) rcvid fails with -QCHAN_ESRVRFAULT.
 */
void qchan_rcvid_untake_locked(struct qchan_ctx *ctx, int rcvid)
{
	struct qchan_msg *msg = qchan_rcvid_lookup(ctx, rcvid);
	struct qchan_channel *chan;

	if (!msg || msg->state != QCHAN_MSG_RECEIVED)
		return;
	if (msg->unblock_req || msg->busy) {
		qchan_msg_finish(ctx, msg, msg->busy ? -QCHAN_ESRVRFAULT : -EINTR);
		return;
	}
	chan = msg->chan;
	qchan_rcvid_unhash(ctx, msg);
	msg->rcvid = 0;
	msg->state = QCHAN_MSG_QUEUED;
	/* As a message queued now: it raises the channel's last receiver (prio.c). */
	msg->prio_rec = chan->flags & QCHAN_CHF_FIXED_PRIORITY ? NULL : chan->last_rec;
	qchan_msg_requeue(chan, msg);
	/* Its timeout may cover the queued state: the sender looks again. */
	if (msg->waiter && msg->timeout_states)
		wake_up_process(msg->waiter);
}

/*
 * Called with ctx->lock held, after qchan_rcvid_untake_locked(): the
 * queue's head goes to any thread that started to wait on @chan meanwhile,
 * as a send would have given it.  Returns a record to apply once unlocked.
 */
struct qchan_prio *qchan_channel_hand_queued_locked(struct qchan_channel *chan)
{
	struct qchan_prio *boost, *apply = NULL;
	struct qchan_msg *msg;

	while (!chan->dead && qchan_pick_receiver(chan, true)) {
		msg = list_first_entry_or_null(&chan->send_queue, struct qchan_msg, node);
		if (!msg)
			break;
		qchan_msg_dequeue(chan, msg);
		qchan_msg_post_locked(msg, &boost);
		apply = boost ?: apply;
	}
	return apply;
}

/* Fails every message and receiver of a channel that is going away. */
void qchan_channel_fail_all(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_receiver *r, *rtmp;
	struct qchan_msg *msg, *tmp;
	struct hlist_node *next;
	unsigned int bkt;

	ctx_lock(ctx);
	chan->dead = true;
	/* Every poller, EPOLLEXCLUSIVE ones too: each must learn that the channel is gone. */
	if (waitqueue_active(&chan->poll_wq))
		__wake_up(&chan->poll_wq, TASK_INTERRUPTIBLE, 0, poll_to_key(EPOLLHUP | EPOLLERR));
	list_for_each_entry_safe(msg, tmp, &chan->send_queue, node)
		qchan_msg_fail(ctx, msg, -ESRCH);
	qchan_channel_drop_pulses(chan);
	list_for_each_entry_safe(r, rtmp, &chan->receivers, node) {
		list_del(&r->node);
		r->error = -ESRCH;
		if (unlikely(r->uasync))
			qchan_uring_receiver_ready(r);
		else
			wake_up_process(r->task);
	}
	for (bkt = 0; bkt < 1U << ctx->rcvid_bits; bkt++)
		hlist_for_each_entry_safe(msg, next, &ctx->rcvids[bkt], rcvid_node)
			if (msg->chan == chan)
				qchan_msg_fail(ctx, msg, -ESRCH);
	ctx_unlock(ctx);
}

/*
 * Called with ctx->lock held.  Of the waiting server threads (for a message:
 * those not in MsgReceivePulse), one that last ran on this CPU: the hand-off
 * then needs no cross-CPU wake-up and the request lands in a warm cache.
 * Otherwise the longest waiting.
 */
struct qchan_receiver *qchan_pick_receiver(struct qchan_channel *chan, bool for_msg)
{
	unsigned int cpu = raw_smp_processor_id();
	struct qchan_receiver *r, *first = NULL;

	list_for_each_entry(r, &chan->receivers, node) {
		if (for_msg && r->pulse_only)
			continue;
		if (task_cpu(r->task) == cpu)
			return r;
		if (!first)
			first = r;
	}
	return first;
}

/*
 * Called with ctx->lock held, the channel alive: hands @msg to a waiting
 * receiver (true) or queues it.  *@boost: a server to raise once the lock
 * is dropped, or NULL.
 */
bool qchan_msg_post_locked(struct qchan_msg *msg, struct qchan_prio **boost)
{
	struct qchan_channel *chan = msg->chan;
	struct qchan_receiver *r;

	*boost = NULL;
	r = qchan_pick_receiver(chan, true);
	if (r) {
		list_del(&r->node);
		qchan_msg_bind(chan->ctx, msg);
		r->msg = msg;
		if (qchan_prio_bind(chan, msg, r->prio, r->task))
			*boost = r->prio;
		/* Direct, or on the server's home CPU: the wake_policy parameter (kmsg.h). */
		if (unlikely(r->uasync))
			qchan_uring_receiver_ready(r);
		else
			qchan_kmsg_wake(r->task);
		return true;
	}
	msg->state = QCHAN_MSG_QUEUED;
	qchan_msg_enqueue(chan, msg);
	*boost = qchan_prio_queued(chan, msg->kprio);
	msg->prio_rec = *boost;
	return false;
}

/* Queues @msg on its channel, or hands it to a waiting receiver, and waits as above. */
static int qchan_msg_post_wait(struct qchan_msg *msg)
{
	struct qchan_channel *chan = msg->chan;
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_prio *boost;

	qchan_wait_stamp(&msg->since);
	qchan_rcvids_maybe_grow(ctx);
	ctx_lock(ctx);
	if (chan->dead) {
		/* QNX: the connection is no longer connected to a channel. */
		ctx_unlock(ctx);
		return -EBADF;
	}
	qchan_msg_post_locked(msg, &boost);
	if (unlikely(boost)) {
		/* Raise the server before we sleep: it must not wait behind anyone below us. */
		ctx_unlock(ctx);
		qchan_prio_apply(ctx, boost);
		ctx_lock(ctx);
	}
	return qchan_msg_wait_done_locked(ctx, msg);
}

/* A MSG_SEND; from a network proxy (netproxy.c) on behalf of the remote @net_pid, @net_tid. */
int qchan_msg_send_as(struct qchan_ctx *ctx, struct qchan_msg_send __user *uarg,
		      pid_t net_pid, pid_t net_tid)
{
	/*
	 * Not auto-zeroed (CONFIG_INIT_STACK_ALL_ZERO: ~150 stores a send):
	 * the vectors and @a are written before they are read, @msg is zeroed
	 * below up to its buffers, which are written before they are read.
	 */
	struct iovec siov_fast[UIO_FASTIOV] __uninitialized;
	struct iovec riov_fast[UIO_FASTIOV] __uninitialized;
	struct qchan_msg_send a __uninitialized;
	struct qchan_msg msg __uninitialized;
	struct iovec *siov, *riov;
	struct qchan_conn *conn;
	struct qchan_prio *self;
	unsigned int inline_max;
	bool compat;
	int err;

	err = qchan_send_args_get(&a, uarg);
	if (err)
		return err;
	if ((a.flags & ~QCHAN_SEND_KNOWN) || a.reserved)
		return -EINVAL;
	memset(&msg, 0, offsetof(struct qchan_msg, stack_sbuf));
	msg.timeout_states = a.flags & QCHAN_SEND_TIMEOUTS;
	err = qchan_timeout_import(msg.timeout_states, a.timeout, a.timeout_clock, &msg.timeout);
	if (err)
		return err;
	if (unlikely(a.status))
		return qchan_msg_restart(ctx, &a, uarg);
	if (a.flags & QCHAN_SEND_FINISH)
		return -EINVAL;

	/* A fresh call: a message this thread parked ended in EINTR (a handler ran). */
	if (unlikely(!list_empty_careful(&ctx->parked)))
		qchan_parked_abandon_mine(ctx);

	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);

	qchan_pulse_init_kernel(&msg.unblock);
	compat = in_compat_syscall();
	err = qchan_iov_import_fast(a.send_iov_ptr, a.send_parts, siov_fast, &siov, &msg.slen,
				    compat);
	if (err)
		goto out_put_conn;
	err = qchan_iov_import_fast(a.reply_iov_ptr, a.reply_parts, riov_fast, &riov, &msg.rlen,
				    compat);
	if (err)
		goto out_free_siov;
	msg.siov = siov;
	msg.sparts = a.send_parts;
	msg.riov = riov;
	msg.rparts = a.reply_parts;
	inline_max = READ_ONCE(qchan_inline_max);

	/* Short tier: the sender copies now, so a bad send buffer never reaches a server. */
	if (msg.slen <= inline_max) {
		msg.sbuf = msg.slen <= sizeof(msg.stack_sbuf) ? msg.stack_sbuf :
			   kvmalloc(msg.slen, GFP_KERNEL_ACCOUNT);
		if (!msg.sbuf) {
			err = -ENOMEM;
			goto out_free_riov;
		}
		err = qchan_gather_short(&msg);
		if (err)
			goto out_free_sbuf;
	}
	/*
	 * Direct tier: what the sender pins now, no server has to (copy.c).  A
	 * long reply buffer only behind a long message: behind a short one it
	 * may well get a short reply, and pinning it would cost more than that.
	 */
	if (!msg.sbuf) {
		/* A send vector pinned whole is readable. */
		err = qchan_msg_pin(&msg, msg.rlen > inline_max) ? 0 :
		      qchan_check_readable(siov, msg.sparts);
		if (err)
			goto out_free_sbuf;
	}
	trace_qchan_copy_tier(QCHAN_TRACE_SEND, msg.slen, !msg.sbuf);
	/* The part of the reply buffer a short reply can reach: never found bad too late. */
	err = qchan_check_writable_fast(riov, msg.rparts, min_t(size_t, msg.rlen, inline_max));
	if (err)
		goto out_free_sbuf;

	/* The cap keeps a client's messages fewer than the rcvids of its slot. */
	if (atomic_inc_return(&ctx->nr_queued) >
	    min(READ_ONCE(qchan_max_queued), QCHAN_RCVID_SEQ_MASK - 1)) {
		err = -EAGAIN;
		goto out_dec_queued;
	}

	msg.sender = current;
	msg.mm = current->mm;
	msg.conn = conn;
	msg.chan = conn->chan;
	msg.coid = a.coid;
	msg.net_pid = net_pid;
	msg.net_tid = net_tid;
	msg.priority = qchan_current_priority();
	msg.kprio = qchan_prio_current();
	qchan_stat_inc(msgs_in_flight);
	qchan_stat_inc(msgs_total);

	trace_qchan_send(&msg);
	self = qchan_prio_send_begin(ctx);
	err = qchan_msg_post_wait(&msg);
	while (err == QCHAN_WAIT_PARK) {
		a.status = qchan_park_cookie(&msg);
		err = put_user(a.status, &uarg->status) ?: qchan_msg_park(ctx, &msg, &a);
		if (!err) {
			qchan_prio_send_end(self);
			/* The heap copy owns the connection, the buffers and the counts now. */
			if (riov != riov_fast)
				kfree(riov);
			if (siov != siov_fast)
				kfree(siov);
			return -ERESTARTNOHAND;
		}
		if (err != -EAGAIN) {
			ctx_lock(msg.chan->ctx);
			qchan_msg_fail(msg.chan->ctx, &msg, -EINTR);
			ctx_unlock(msg.chan->ctx);
		}
		/* Wait again: for the outcome, or to park. */
		err = qchan_msg_wait_done(msg.chan->ctx, &msg);
	}
	qchan_prio_send_end(self);
	qchan_prio_msg_done(&msg);
	if (!err && msg.rbuf_len)
		err = qchan_reply_out(&msg);
	if (!err && put_user(msg.status, &uarg->status))
		err = -EFAULT;
	/* A cookie left behind would make libchan take the call for a parked one. */
	if (err && a.status && put_user(0, &uarg->status))
		err = -EFAULT;

	qchan_stat_dec(msgs_in_flight);
	if (msg.rbuf && msg.rbuf != msg.stack_rbuf)
		kvfree(msg.rbuf);
out_dec_queued:
	atomic_dec(&ctx->nr_queued);
out_free_sbuf:
	qchan_msg_unpin(&msg);
	if (msg.sbuf && msg.sbuf != msg.stack_sbuf)
		kvfree(msg.sbuf);
out_free_riov:
	if (riov != riov_fast)
		kfree(riov);
out_free_siov:
	if (siov != siov_fast)
		kfree(siov);
out_put_conn:
	qchan_conn_put(conn);
	return err;
}

int qchan_msg_send(struct qchan_ctx *ctx, struct qchan_msg_send __user *uarg)
{
	return qchan_msg_send_as(ctx, uarg, 0, 0);
}
