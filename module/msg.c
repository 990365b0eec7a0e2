// SPDX-License-Identifier: GPL-2.0
/*
 * Send, receive, reply: the message state machine (see qchan.h for the
 * states and the locking rules).
 *
 * A send that finds a RECEIVE-blocked server thread (preferably one on this
 * CPU) binds the message to a fresh rcvid and wakes that thread: no queueing,
 * no second look-up.  Otherwise the message is queued by priority and the
 * first receiver takes it.
 * The receiving thread does the copy of the request, so the bytes arrive in
 * the cache of the thread that will use them.
 */
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "kmsg.h"
#include "qchan.h"

/* Every ioctl argument struct has these; the helper keeps each check one line. */
#define QCHAN_RESERVED_NONZERO(a)	memchr_inv((a)->reserved, 0, sizeof((a)->reserved))

static int qchan_current_priority(void)
{
	unsigned int policy = READ_ONCE(current->policy);

	return policy == SCHED_FIFO || policy == SCHED_RR ? current->rt_priority : 0;
}

/* Called with ctx->lock held. */
static struct qchan_msg *qchan_rcvid_lookup(struct qchan_ctx *ctx, int rcvid)
{
	struct qchan_msg *msg;

	hash_for_each_possible(ctx->rcvids, msg, rcvid_node, rcvid)
		if (msg->rcvid == rcvid)
			return msg;
	return NULL;
}

/* Called with ctx->lock held. */
static void qchan_rcvid_unhash(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	hash_del(&msg->rcvid_node);
	ctx->nr_rcvids--;
}

/* Called with ctx->lock held: the sender may return once state is DONE and busy is zero. */
static void qchan_msg_maybe_release(struct qchan_msg *msg)
{
	if (!msg->busy && (msg->state == QCHAN_MSG_DONE || msg->parking))
		wake_up_process(msg->sender);
}

/* Called with ctx->lock held: finish @msg with @error unless it is finished already. */
static void qchan_msg_fail(struct qchan_ctx *ctx, struct qchan_msg *msg, int error)
{
	ctx_lockdep_assert(ctx);
	switch (msg->state) {
	case QCHAN_MSG_QUEUED:
		list_del(&msg->node);
		break;
	case QCHAN_MSG_RECEIVED:
		qchan_rcvid_unhash(ctx, msg);
		break;
	case QCHAN_MSG_REPLYING:
	case QCHAN_MSG_DONE:
		return;
	}
	msg->state = QCHAN_MSG_DONE;
	msg->error = error;
	qchan_msg_maybe_release(msg);
}

/* Called with ctx->lock held: @msg gets a fresh rcvid, owned by one copying receiver. */
static void qchan_msg_bind(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	int rcvid;

	/* Skipping ids in use terminates: there are far fewer messages than ids. */
	do {
		rcvid = ctx->next_rcvid++ & INT_MAX;
	} while (!rcvid || qchan_rcvid_lookup(ctx, rcvid));

	msg->rcvid = rcvid;
	hash_add(ctx->rcvids, &msg->rcvid_node, rcvid);
	ctx->nr_rcvids++;
	msg->state = QCHAN_MSG_RECEIVED;
	msg->busy = 1;
}

/* Called with ctx->lock held: FIFO within a priority, higher priorities first. */
static void qchan_msg_enqueue(struct qchan_channel *chan, struct qchan_msg *msg)
{
	struct qchan_msg *pos;

	list_for_each_entry_reverse(pos, &chan->send_queue, node) {
		if (pos->priority >= msg->priority) {
			list_add(&msg->node, &pos->node);
			return;
		}
	}
	list_add(&msg->node, &chan->send_queue);
}

/* Fails every message and receiver of a channel that is going away. */
void qchan_channel_fail_all(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_receiver *r, *rtmp;
	struct qchan_msg *msg, *tmp;
	struct hlist_node *next;
	int bkt;

	ctx_lock(ctx);
	chan->dead = true;
	list_for_each_entry_safe(msg, tmp, &chan->send_queue, node)
		qchan_msg_fail(ctx, msg, -ESRCH);
	list_for_each_entry_safe(r, rtmp, &chan->receivers, node) {
		list_del(&r->node);
		r->error = -ESRCH;
		wake_up_process(r->task);
	}
	hash_for_each_safe(ctx->rcvids, bkt, next, msg, rcvid_node)
		if (msg->chan == chan)
			qchan_msg_fail(ctx, msg, -ESRCH);
	ctx_unlock(ctx);
}

/*
 * Does any pending, unblocked signal run a handler?  Signals that only stop,
 * continue or are ignored do not unblock a REPLY-blocked sender: it parks
 * instead (see qchan_msg_park()).
 */
static bool qchan_handler_signal_pending(void)
{
	/* Only this thread's own exec could replace its sighand. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, 1);
	bool handler = false;
	sigset_t pending;
	int sig;

	spin_lock_irq(&sighand->siglock);
	sigorsets(&pending, &current->pending.signal, &current->signal->shared_pending.signal);
	sigandnsets(&pending, &pending, &current->blocked);
	for (sig = 1; sig < _NSIG && !handler; sig++) {
		__sighandler_t h = sighand->action[sig - 1].sa.sa_handler;

		handler = sigismember(&pending, sig) && h != SIG_DFL && h != SIG_IGN;
	}
	spin_unlock_irq(&sighand->siglock);
	return handler;
}

#define QCHAN_WAIT_PARK	1	/* qchan_msg_wait_done(): park the message now */

/*
 * Sleeps until @msg is finished and no server thread copies the sender's
 * memory.  A signal dequeues a SEND-blocked message (the syscall restarts
 * unless a handler runs: no server saw it).  A REPLY-blocked message fails
 * with -EINTR if a handler or a fatal signal is pending; a signal that only
 * stops (job control, ptrace) makes this return QCHAN_WAIT_PARK once no
 * server is copying, for the caller to park the message (@may_park).  After
 * a signal, copies under way are waited for uninterruptibly.
 */
static int qchan_msg_wait_done_locked(struct qchan_ctx *ctx, struct qchan_msg *msg,
				      bool may_park)
	__releases(&ctx->lock)
{
	unsigned int sleep_state = TASK_INTERRUPTIBLE;

	for (;;) {
		if (msg->state == QCHAN_MSG_DONE && !msg->busy)
			break;
		if (msg->parking && msg->state == QCHAN_MSG_RECEIVED && !msg->busy) {
			msg->parking = false;
			ctx_unlock(ctx);
			return QCHAN_WAIT_PARK;
		}
		set_current_state(sleep_state);
		ctx_unlock(ctx);
		schedule();
		if (sleep_state == TASK_INTERRUPTIBLE && signal_pending(current)) {
			bool stop_only = may_park && !fatal_signal_pending(current) &&
					 !qchan_handler_signal_pending();

			sleep_state = TASK_UNINTERRUPTIBLE;
			ctx_lock(ctx);
			if (msg->state == QCHAN_MSG_QUEUED)
				qchan_msg_fail(ctx, msg, -ERESTARTNOHAND);
			else if (stop_only)
				msg->parking = true;
			else
				qchan_msg_fail(ctx, msg, -EINTR);
			continue;
		}
		ctx_lock(ctx);
	}
	msg->parking = false;
	__set_current_state(TASK_RUNNING);
	ctx_unlock(ctx);
	return msg->error;
}

static int qchan_msg_wait_done(struct qchan_ctx *ctx, struct qchan_msg *msg, bool may_park)
{
	ctx_lock(ctx);
	return qchan_msg_wait_done_locked(ctx, msg, may_park);
}

/*
 * Called with ctx->lock held.  Of the waiting server threads, one that last
 * ran on this CPU: the hand-off then needs no cross-CPU wake-up and the
 * request lands in a warm cache.  Otherwise the longest waiting.
 */
static struct qchan_receiver *qchan_pick_receiver(struct qchan_channel *chan)
{
	unsigned int cpu = raw_smp_processor_id();
	struct qchan_receiver *r;

	list_for_each_entry(r, &chan->receivers, node)
		if (task_cpu(r->task) == cpu)
			return r;
	return list_first_entry_or_null(&chan->receivers, struct qchan_receiver, node);
}

/* Queues @msg on its channel, or hands it to a waiting receiver, and waits as above. */
static int qchan_msg_post_wait(struct qchan_msg *msg)
{
	struct qchan_channel *chan = msg->chan;
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_receiver *r;

	ctx_lock(ctx);
	if (chan->dead) {
		ctx_unlock(ctx);
		return -ESRCH;
	}
	r = qchan_pick_receiver(chan);
	if (r) {
		list_del(&r->node);
		qchan_msg_bind(ctx, msg);
		r->msg = msg;
		/* Direct, or on the server's home CPU: the wake_policy parameter (kmsg.h). */
		qchan_kmsg_wake(r->task);
	} else {
		msg->state = QCHAN_MSG_QUEUED;
		qchan_msg_enqueue(chan, msg);
	}
	return qchan_msg_wait_done_locked(ctx, msg, true);
}

/*
 * Parked messages.  A REPLY-blocked sender that must stop (SIGSTOP, a
 * debugger) has to return to user space, and its message lives on its stack.
 * So the message moves to the heap, still bound to its rcvid, holding the
 * sender's mm and task, and the ioctl returns -ERESTARTNOHAND with a cookie in
 * the caller's status field.  Without a handler the kernel restarts the call
 * (same thread, same arguments, the cookie still there): it finds the message
 * on the sender ctx's parked list and resumes waiting.  If a handler runs the
 * call fails with EINTR, as QNX wants; the message stays parked until the
 * thread's next MSG_SEND (which has no cookie: the message is abandoned, a
 * later reply gets ESRCH) or the owner's close of the ctx.
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
	atomic_dec(&qchan_stats.msgs_in_flight);
	atomic_dec(&sctx->nr_queued);
	qchan_conn_put(msg->conn);
	mmput(msg->mm);
	put_task_struct(msg->sender);
	kfree(pm);
}

/*
 * Moves the REPLY-blocked @msg to the heap.  0 when parked; -EAGAIN when the
 * message moved on meanwhile (the caller waits again); -ENOMEM, or -EINTR
 * when the sender's ctx is closing (the caller fails the message).
 */
static int qchan_msg_park(struct qchan_ctx *sctx, struct qchan_msg *msg,
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
	if (msg->state != QCHAN_MSG_RECEIVED || msg->busy) {
		ctx_unlock(ctx);
		err = -EAGAIN;
		goto out_unlock;
	}
	pm->msg = *msg;
	hash_del(&msg->rcvid_node);
	hash_add(ctx->rcvids, &pm->msg.rcvid_node, pm->msg.rcvid);
	pm->msg.siov = pm->iov;
	pm->msg.riov = pm->iov + msg->sparts;
	if (msg->sbuf == msg->stack_sbuf)
		pm->msg.sbuf = pm->msg.stack_sbuf;
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
	struct task_struct *sender;

	ctx_lock(ctx);
	qchan_msg_fail(ctx, &pm->msg, -EINTR);
	/* Whoever finishes a copy must wake us, not the (maybe stopped) sender. */
	sender = pm->msg.sender;
	pm->msg.sender = get_task_struct(current);
	while (pm->msg.state != QCHAN_MSG_DONE || pm->msg.busy) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		ctx_unlock(ctx);
		schedule();
		ctx_lock(ctx);
	}
	ctx_unlock(ctx);
	put_task_struct(sender);
	qchan_parked_free(sctx, pm);
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

/* Tells a restarted MSG_SEND from a fresh one (whose status libchan zeroes). */
static s64 qchan_park_cookie(const struct qchan_msg *msg)
{
	return (s64)0x7163ULL << 48 | (u32)msg->rcvid;
}

/* The restarted MSG_SEND of a parked message: wait again, then finish as the stack path does. */
static int qchan_msg_resume(struct qchan_ctx *sctx, struct qchan_parked *pm,
			    struct qchan_msg_send __user *uarg)
{
	struct qchan_msg *msg = &pm->msg;
	int err;

	err = qchan_msg_wait_done(msg->chan->ctx, msg, true);
	if (err == QCHAN_WAIT_PARK) {
		mutex_lock(&sctx->conn_lock);
		if (!READ_ONCE(sctx->dead)) {	/* as in qchan_msg_park() */
			list_add(&pm->node, &sctx->parked);
			mutex_unlock(&sctx->conn_lock);
			return -ERESTARTNOHAND;	/* the cookie is still in place */
		}
		mutex_unlock(&sctx->conn_lock);
		qchan_parked_abandon(sctx, pm);
		return -EINTR;
	}
	if (!err && msg->rbuf_len)
		err = qchan_scatter_to_user(msg->riov, msg->rparts, msg->rbuf, msg->rbuf_len);
	if (!err && put_user(msg->status, &uarg->status))
		err = -EFAULT;
	qchan_parked_free(sctx, pm);
	return err;
}

int qchan_msg_send(struct qchan_ctx *ctx, struct qchan_msg_send __user *uarg)
{
	struct iovec siov_fast[UIO_FASTIOV], riov_fast[UIO_FASTIOV];
	struct iovec *siov, *riov;
	struct qchan_msg_send a;
	struct qchan_msg msg;
	struct qchan_conn *conn;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || QCHAN_RESERVED_NONZERO(&a))
		return -EINVAL;

	if (unlikely(!list_empty_careful(&ctx->parked))) {
		struct qchan_parked *pm = qchan_parked_take(ctx);

		if (pm) {
			if (!memcmp(&a, &pm->args, sizeof(a)))
				return qchan_msg_resume(ctx, pm, uarg);
			/* A fresh call: the parked one ended in EINTR (a handler ran). */
			qchan_parked_abandon(ctx, pm);
		}
	}

	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);

	memset(&msg, 0, offsetof(struct qchan_msg, stack_sbuf));
	err = qchan_iov_import(u64_to_user_ptr(a.send_iov_ptr), a.send_parts, siov_fast,
			       &siov, &msg.slen);
	if (err)
		goto out_put_conn;
	err = qchan_iov_import(u64_to_user_ptr(a.reply_iov_ptr), a.reply_parts, riov_fast,
			       &riov, &msg.rlen);
	if (err)
		goto out_free_siov;
	msg.siov = siov;
	msg.sparts = a.send_parts;
	msg.riov = riov;
	msg.rparts = a.reply_parts;

	/* Short tier: the sender copies now, so a bad send buffer never reaches a server. */
	if (msg.slen <= READ_ONCE(qchan_inline_max)) {
		msg.sbuf = msg.slen <= sizeof(msg.stack_sbuf) ? msg.stack_sbuf :
			   kvmalloc(msg.slen, GFP_KERNEL_ACCOUNT);
		if (!msg.sbuf) {
			err = -ENOMEM;
			goto out_free_riov;
		}
		err = qchan_gather_from_user(msg.sbuf, siov, msg.sparts, msg.slen);
		if (err)
			goto out_free_sbuf;
	} else {
		err = qchan_check_readable(siov, msg.sparts);
		if (err)
			goto out_free_riov;
	}

	if (atomic_inc_return(&ctx->nr_queued) > READ_ONCE(qchan_max_queued)) {
		err = -EAGAIN;
		goto out_dec_queued;
	}

	msg.sender = current;
	msg.mm = current->mm;
	msg.conn = conn;
	msg.chan = conn->chan;
	msg.coid = a.coid;
	msg.priority = qchan_current_priority();
	atomic_inc(&qchan_stats.msgs_in_flight);
	atomic_long_inc(&qchan_stats.msgs_total);

	err = qchan_msg_post_wait(&msg);
	while (err == QCHAN_WAIT_PARK) {
		a.status = qchan_park_cookie(&msg);
		err = put_user(a.status, &uarg->status) ?: qchan_msg_park(ctx, &msg, &a);
		if (!err) {
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
		err = qchan_msg_wait_done(msg.chan->ctx, &msg, true);
	}
	if (!err && msg.rbuf_len)
		err = qchan_scatter_to_user(riov, msg.rparts, msg.rbuf, msg.rbuf_len);
	if (!err && put_user(msg.status, &uarg->status))
		err = -EFAULT;

	atomic_dec(&qchan_stats.msgs_in_flight);
	if (msg.rbuf && msg.rbuf != msg.stack_rbuf)
		kvfree(msg.rbuf);
out_dec_queued:
	atomic_dec(&ctx->nr_queued);
out_free_sbuf:
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

static void qchan_msg_fill_info(struct qchan_msg *msg, struct qchan_msg_info *info)
{
	struct pid_namespace *ns = task_active_pid_ns(current);

	memset(info, 0, sizeof(*info));
	info->pid = task_tgid_nr_ns(msg->sender, ns);
	info->tid = task_pid_nr_ns(msg->sender, ns);
	info->chid = msg->chan->chid;
	info->scoid = msg->conn->scoid;
	info->coid = msg->coid;
	info->msglen = msg->delivered;
	info->srcmsglen = msg->slen;
	info->dstmsglen = msg->rlen;
	info->priority = msg->priority;
}

/*
 * Waits on @chan for a message and binds it to a fresh rcvid.  Returns the
 * message with msg->busy held for the caller's copy, or an ERR_PTR.
 */
static struct qchan_msg *qchan_msg_wait(struct qchan_ctx *ctx, struct qchan_channel *chan)
{
	struct qchan_receiver r = { .task = current };
	struct qchan_msg *msg;
	int err;

	ctx_lock(ctx);
	if (chan->dead) {
		err = -ESRCH;
		goto out_unlock;
	}
	msg = list_first_entry_or_null(&chan->send_queue, struct qchan_msg, node);
	if (msg) {
		list_del(&msg->node);
		qchan_msg_bind(ctx, msg);
		ctx_unlock(ctx);
		return msg;
	}

	list_add_tail(&r.node, &chan->receivers);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		ctx_unlock(ctx);
		schedule();
		/* Taking the lock also waits out a waker still inside its critical section. */
		ctx_lock(ctx);
		if (r.msg) {
			ctx_unlock(ctx);
			return r.msg;
		}
		if (r.error) {
			err = r.error;
			goto out_unlock;
		}
		if (signal_pending(current)) {
			list_del(&r.node);
			err = -ERESTARTNOHAND;
			goto out_unlock;
		}
	}

out_unlock:
	__set_current_state(TASK_RUNNING);
	ctx_unlock(ctx);
	return ERR_PTR(err);
}

static int qchan_receive_validate(const struct qchan_msg_receive *a)
{
	if (a->flags || a->pad || QCHAN_RESERVED_NONZERO(a))
		return -EINVAL;
	return 0;
}

/* MsgReceive with validated arguments; results are written to @uarg. */
static int qchan_do_receive(struct qchan_ctx *ctx, const struct qchan_msg_receive *a,
			    struct qchan_msg_receive __user *uarg)
{
	struct iovec iov_fast[UIO_FASTIOV], *iov = iov_fast;
	struct qchan_channel *chan;
	struct qchan_msg_info info;
	struct iov_iter iter, iter_start;
	struct qchan_msg *msg;
	ssize_t n;
	int rcvid, err;

	chan = qchan_channel_get(ctx, a->chid);
	if (!chan)
		return -ESRCH;
	n = import_iovec(ITER_DEST, u64_to_user_ptr(a->iov_ptr), a->parts, ARRAY_SIZE(iov_fast),
			 &iov, &iter);
	if (n < 0) {
		err = n;
		goto out_put_chan;
	}
	iter_start = iter;

again:
	msg = qchan_msg_wait(ctx, chan);
	if (IS_ERR(msg)) {
		err = PTR_ERR(msg);
		goto out_free_iov;
	}
	rcvid = msg->rcvid;

	n = qchan_copy_from_sender(msg, 0, &iter);
	if (n >= 0) {
		msg->delivered = n;
		err = 0;
		if (a->info_ptr) {
			qchan_msg_fill_info(msg, &info);
			if (copy_to_user(u64_to_user_ptr(a->info_ptr), &info, sizeof(info)))
				err = -EFAULT;
		}
		if (!err && (put_user(rcvid, &uarg->rcvid) || put_user((u32)n, &uarg->bytes)))
			err = -EFAULT;
	} else {
		err = n;
	}

	ctx_lock(ctx);
	msg->busy--;
	if (err == -EREMOTEIO)		/* the sender's buffer: its send fails, we never saw it */
		qchan_msg_fail(ctx, msg, -EFAULT);
	else if (err == -EFAULT)	/* ours: the sender learns the server faulted */
		qchan_msg_fail(ctx, msg, -QCHAN_ESRVRFAULT);
	else if (err)			/* we are being killed, or out of memory */
		qchan_msg_fail(ctx, msg, err == -ENOMEM ? -ENOMEM : -ESRCH);
	qchan_msg_maybe_release(msg);	/* it may have been aborted while we copied */
	ctx_unlock(ctx);

	if (err == -EREMOTEIO) {
		iter = iter_start;
		goto again;
	}
	if (!err)
		err = rcvid;
out_free_iov:
	kfree(iov);
out_put_chan:
	qchan_channel_put(chan);
	return err;
}

int qchan_msg_receive(struct qchan_ctx *ctx, struct qchan_msg_receive __user *uarg)
{
	struct qchan_msg_receive a;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = qchan_receive_validate(&a);
	if (err)
		return err;
	err = qchan_do_receive(ctx, &a, uarg);
	return err < 0 ? err : 0;
}

/* Looks up a RECEIVED message by rcvid and takes a busy reference for copying. */
static struct qchan_msg *qchan_msg_get_received(struct qchan_ctx *ctx, int rcvid)
{
	struct qchan_msg *msg = NULL;

	if (rcvid <= 0)
		return NULL;
	ctx_lock(ctx);
	msg = qchan_rcvid_lookup(ctx, rcvid);
	if (msg && msg->state == QCHAN_MSG_RECEIVED)
		msg->busy++;
	else
		msg = NULL;
	ctx_unlock(ctx);
	return msg;
}

static void qchan_msg_put_received(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	ctx_lock(ctx);
	msg->busy--;
	qchan_msg_maybe_release(msg);
	ctx_unlock(ctx);
}

static int qchan_reply_validate(const struct qchan_msg_reply *a)
{
	if ((a->flags & ~QCHAN_REPLY_ERROR) || QCHAN_RESERVED_NONZERO(a))
		return -EINVAL;
	if (!(a->flags & QCHAN_REPLY_ERROR))
		return a->error ? -EINVAL : 0;
	if (a->error < 0 || a->error > QCHAN_MAX_ERROR || a->status || a->parts || a->iov_ptr)
		return -EINVAL;
	return 0;
}

/*
 * MsgReply/MsgError with validated arguments.  A fault in the server's reply
 * buffer fails the reply (-EFAULT) and the send (ESRVRFAULT); a fault in the
 * sender's reply buffer fails only the send (-EFAULT), whichever tier found it.
 */
static int qchan_do_reply(struct qchan_ctx *ctx, const struct qchan_msg_reply *a)
{
	struct iovec iov_fast[UIO_FASTIOV], *iov = iov_fast;
	struct qchan_msg *msg;
	struct iov_iter iter;
	void *buf = NULL;
	bool buf_on_heap = false;
	ssize_t len, n = 0;
	int err = 0, send_err = 0;

	len = import_iovec(ITER_SOURCE, u64_to_user_ptr(a->iov_ptr), a->parts,
			   ARRAY_SIZE(iov_fast), &iov, &iter);
	if (len < 0)
		return len;

	if (a->rcvid <= 0) {
		err = -ESRCH;
		goto out_free_iov;
	}
	ctx_lock(ctx);
	msg = qchan_rcvid_lookup(ctx, a->rcvid);
	if (!msg || msg->state != QCHAN_MSG_RECEIVED) {
		ctx_unlock(ctx);
		err = -ESRCH;
		goto out_free_iov;
	}
	/* From here no other thread can reply, read or write through this rcvid. */
	qchan_rcvid_unhash(ctx, msg);
	msg->state = QCHAN_MSG_REPLYING;
	msg->busy++;
	ctx_unlock(ctx);

	if (a->flags & QCHAN_REPLY_ERROR) {
		send_err = -a->error;
		goto finish;
	}

	len = min_t(size_t, len, msg->rlen);
	iov_iter_truncate(&iter, len);
	if (len <= READ_ONCE(qchan_inline_max)) {
		buf_on_heap = len > sizeof(msg->stack_rbuf);
		buf = buf_on_heap ? kvmalloc(len, GFP_KERNEL_ACCOUNT) : msg->stack_rbuf;
		if (!buf) {
			err = -ENOMEM;
			send_err = -ENOMEM;
		} else if (qchan_copy_reply_inline(buf, len, &iter)) {
			err = -EFAULT;
			send_err = -QCHAN_ESRVRFAULT;
		}
	} else {
		n = qchan_copy_to_sender(msg, 0, &iter);
		if (n == -EREMOTEIO) {
			send_err = -EFAULT;
		} else if (n == -EFAULT) {
			err = n;
			send_err = -QCHAN_ESRVRFAULT;
		} else if (n < 0) {	/* we are being killed, or out of memory */
			err = n;
			send_err = n == -ENOMEM ? -ENOMEM : -ESRCH;
		}
	}

finish:
	ctx_lock(ctx);
	if (!send_err && buf) {
		msg->rbuf = buf;
		msg->rbuf_len = len;
		buf_on_heap = false;	/* the sender frees it */
	}
	msg->status = a->status;
	msg->error = send_err;
	msg->state = QCHAN_MSG_DONE;
	msg->busy--;
	qchan_msg_maybe_release(msg);
	ctx_unlock(ctx);
	/* @msg may be gone now: its sender can return as soon as the lock drops. */
	if (buf_on_heap)
		kvfree(buf);
out_free_iov:
	kfree(iov);
	return err;
}

int qchan_msg_reply(struct qchan_ctx *ctx, struct qchan_msg_reply __user *uarg)
{
	struct qchan_msg_reply a;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = qchan_reply_validate(&a);
	return err ?: qchan_do_reply(ctx, &a);
}

int qchan_msg_reply_receive(struct qchan_ctx *ctx, struct qchan_msg_reply_receive __user *uarg)
{
	struct qchan_msg_reply_receive a;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.pad)
		return -EINVAL;
	err = qchan_receive_validate(&a.receive);
	if (!err && a.reply.rcvid)
		err = qchan_reply_validate(&a.reply);
	if (err)
		return err;

	if (a.reply.rcvid) {
		a.reply_result = qchan_do_reply(ctx, &a.reply);
		if (put_user(a.reply_result, &uarg->reply_result))
			return -EFAULT;
	}
	err = qchan_do_receive(ctx, &a.receive, &uarg->receive);
	return err < 0 ? err : 0;
}

/* MsgRead/MsgWrite: the sender's send or reply buffers at an offset, while it is REPLY-blocked. */
static int qchan_msg_rw(struct qchan_ctx *ctx, struct qchan_msg_rw __user *uarg, bool write)
{
	struct iovec iov_fast[UIO_FASTIOV], *iov = iov_fast;
	struct qchan_msg_rw a;
	struct qchan_msg *msg;
	struct iov_iter iter;
	ssize_t n;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || QCHAN_RESERVED_NONZERO(&a))
		return -EINVAL;
	n = import_iovec(write ? ITER_SOURCE : ITER_DEST, u64_to_user_ptr(a.iov_ptr), a.parts,
			 ARRAY_SIZE(iov_fast), &iov, &iter);
	if (n < 0)
		return n;

	msg = qchan_msg_get_received(ctx, a.rcvid);
	if (!msg) {
		n = -ESRCH;
		goto out_free_iov;
	}
	if (write)
		n = a.offset >= msg->rlen ? 0 : qchan_copy_to_sender(msg, a.offset, &iter);
	else
		n = a.offset >= msg->slen ? 0 : qchan_copy_from_sender(msg, a.offset, &iter);
	qchan_msg_put_received(ctx, msg);

	if (n == -EREMOTEIO)
		n = -EFAULT;
	if (n >= 0 && put_user((u64)n, &uarg->bytes))
		n = -EFAULT;
out_free_iov:
	kfree(iov);
	return n < 0 ? n : 0;
}

int qchan_msg_read(struct qchan_ctx *ctx, struct qchan_msg_rw __user *uarg)
{
	return qchan_msg_rw(ctx, uarg, false);
}

int qchan_msg_write(struct qchan_ctx *ctx, struct qchan_msg_rw __user *uarg)
{
	return qchan_msg_rw(ctx, uarg, true);
}

int qchan_msg_info(struct qchan_ctx *ctx, struct qchan_msg_info_get __user *uarg)
{
	struct qchan_msg_info_get a;
	struct qchan_msg_info info;
	struct qchan_msg *msg;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || QCHAN_RESERVED_NONZERO(&a))
		return -EINVAL;
	msg = qchan_msg_get_received(ctx, a.rcvid);
	if (!msg)
		return -ESRCH;
	qchan_msg_fill_info(msg, &info);
	qchan_msg_put_received(ctx, msg);
	return copy_to_user(u64_to_user_ptr(a.info_ptr), &info, sizeof(info)) ? -EFAULT : 0;
}
