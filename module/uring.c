// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands on /dev/qchan (IORING_OP_URING_CMD): the message engine
 * of msg.c driven without a blocked thread.
 *
 * An async SEND is a heap message whose "sender" is a pending io_uring_cmd:
 * it is queued or handed over exactly as a blocking send (priority order,
 * FIFO within a priority, the same rcvids), its data copied into the kernel
 * at submit, so no server ever touches the submitter's memory.  When the
 * message ends (a reply, MsgError, a failure) and no server copies from it,
 * msg.c calls qchan_uring_send_done() instead of waking a thread; the reply
 * bytes, kept in a kernel buffer by the reply, are copied out by task work
 * in the submitting thread, which then posts the CQE.
 *
 * A posted RECEIVE is a struct qchan_receiver on the channel's receiver
 * list like a blocked thread's, with no thread behind it: a sender (or a
 * pulse) that picks it binds the message as usual and, instead of a wake-up,
 * queues task work in the submitting thread, which does the copy there: the
 * receiver copies, in its own context, as for the blocking receive.  A
 * receive that finds something queued completes in the submitting call.
 *
 * Every command is on its ctx's uring_cmds list until its CQE is posted, so
 * the end of the context (close, exec, the owner's death) finds and fails
 * them all (a SEND_BATCH's sends, usbatch.c, are listed each); the
 * completion runs in whichever context the ring gives it (the submitter,
 * or io_uring's fallback work when that thread is gone: then nothing is
 * copied).  The ring going away: 6.7+ calls ->uring_cmd
 * with IO_URING_F_CANCEL for the commands marked cancelable (the ring's exit
 * and the submitting process's exit); 6.1 has no such call and its ring exit
 * waits for every command (and so does exec, for its thread's), so while
 * commands are pending a delayed work polls the rings' reference counts and
 * the submitters' exec once a second and cancels the commands of a ring
 * being torn down or of a thread in exec.  On both kernels it also cancels
 * the commands of a submitting thread that exited while its process lives
 * on, which neither ring does (compat.h).
 *
 * Locking: ctx->uring_lock covers the list and is taken before any
 * ctx->lock (never inside one): the engine's state (msg->state, the
 * receiver list, ua->waiting/ready) stays under the channel owner's
 * ctx->lock.  Completion hooks run under that lock and only queue task
 * work; the task work takes uring_lock to unlist the command.
 */
#include <linux/bitmap.h>
#include <linux/hrtimer.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/workqueue.h>

#include "prio.h"
#include "qchan.h"
#include "ucopy.h"
#include "uring.h"

/* The ctx whose lock covers the command in the engine: the channel owner's. */
static struct qchan_ctx *qchan_uasync_engine(struct qchan_uasync *ua)
{
	return ua->send ? ua->s.msg.chan->ctx : ua->r.chan->ctx;
}

/* Sets up a new command @ua (fresh or from the cache) of @cmd. */
static __always_inline void __qchan_uasync_init(struct qchan_uasync *ua, struct qchan_ctx *ctx,
						struct io_uring_cmd *cmd, bool send, bool compat)
{
	/* Constant sizes: zeroed inline. */
	BUILD_BUG_ON(offsetof(struct qchan_uasync, r) != QCHAN_UA_ZERO_FROM);
	if (send)
		memset(&ua->s, 0, QCHAN_UA_ZERO_SEND - QCHAN_UA_ZERO_FROM);
	else
		memset(&ua->r, 0, QCHAN_UA_ZERO_RECEIVE - QCHAN_UA_ZERO_FROM);
	ua->batch = NULL;
	ua->send = send;
	ua->ring_cancel = false;
	ua->waiting = false;
	ua->ready = false;
	ua->canceled = false;
	ua->timed = false;
	ua->compat = compat;
	INIT_HLIST_NODE(&ua->node);
	kref_get(&ctx->ref);
	ua->ctx = ctx;
	ua->cmd = cmd;
	ua->mm = current->mm;
}

void qchan_uasync_init(struct qchan_uasync *ua, struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
		       bool send, bool compat)
{
	__qchan_uasync_init(ua, ctx, cmd, send, compat);
}

static struct qchan_uasync *qchan_uasync_alloc(struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
					       bool send, unsigned int issue_flags)
{
	struct qchan_uasync *ua;

	spin_lock(&ctx->uring_lock);
	ua = ctx->uring_free;
	if (ua) {
		ctx->uring_free = ua->free_next;
		ctx->uring_nfree--;
	}
	spin_unlock(&ctx->uring_lock);
	if (!ua)
		ua = kmalloc(sizeof(*ua), GFP_KERNEL_ACCOUNT);
	if (!ua)
		return NULL;
	/* Not in_compat_syscall(): io_uring's workers and task work are outside its syscall. */
	__qchan_uasync_init(ua, ctx, cmd, send, qchan_uring_compat(cmd, issue_flags));
	*qchan_uring_pdu(cmd) = ua;
	return ua;
}

/* Lets go of what a command holds but its memory and its ctx reference. */
static __always_inline void __qchan_uasync_release(struct qchan_uasync *ua)
{
	if (ua->timed) {
		hrtimer_cancel(&ua->timer);
		cancel_work_sync(&ua->twork);
	}
	if (ua->send) {
		struct qchan_msg *msg = &ua->s.msg;

		if (msg->sbuf && msg->sbuf != msg->stack_sbuf)
			kvfree(msg->sbuf);
		if (msg->rbuf && msg->rbuf != msg->stack_rbuf)
			kvfree(msg->rbuf);
		if (msg->siov && msg->siov != ua->siov_fast)
			kfree(msg->siov);
		if (msg->riov && msg->riov != ua->riov_fast)
			kfree(msg->riov);
		if (msg->sender) {
			qchan_prio_msg_done(msg);
			qchan_stat_dec(msgs_in_flight);
			atomic_dec(&ua->ctx->nr_queued);
			put_task_struct(msg->sender);
		}
		if (msg->conn)
			qchan_conn_put(msg->conn);
		if (unlikely(ua->s.wbuf)) {	/* MsgWrite staged bytes */
			kvfree(ua->s.wbuf);
			bitmap_free(ua->s.wmap);
		}
	} else {
		if (ua->r.iov && ua->r.iov != ua->siov_fast)
			kfree(ua->r.iov);
		if (ua->r.r.task)
			put_task_struct(ua->r.r.task);
		if (ua->r.counted)
			atomic_dec(&ua->r.chan->nr_posted);
		if (ua->r.chan)
			qchan_channel_put(ua->r.chan);
	}
}

void qchan_uasync_release(struct qchan_uasync *ua)
{
	__qchan_uasync_release(ua);
}

static void qchan_uasync_free(struct qchan_uasync *ua)
{
	struct qchan_ctx *ctx;
	bool cached;

	__qchan_uasync_release(ua);
	ctx = ua->ctx;
	spin_lock(&ctx->uring_lock);
	cached = !ctx->uring_closed && ctx->uring_nfree < QCHAN_UA_CACHE;
	if (cached) {
		ua->free_next = ctx->uring_free;
		ctx->uring_free = ua;
		ctx->uring_nfree++;
	}
	spin_unlock(&ctx->uring_lock);
	/* Not kfree(NULL) for a cached one: a call, on the path of every command. */
	if (!cached)
		kfree(ua);
	qchan_ctx_put(ctx);
}

/* Arms the ring and submitter watch (see above); called with uring_lock held. */
void __qchan_uring_reap_arm(struct qchan_ctx *ctx)
{
	queue_delayed_work(system_wq, &ctx->uring_reap, HZ);
}

/* Lists @ua on its ctx: -EBADF once the ctx has ended. */
static int qchan_uring_track(struct qchan_uasync *ua)
{
	struct qchan_ctx *ctx = ua->ctx;

	spin_lock(&ctx->uring_lock);
	if (ctx->uring_closed) {
		spin_unlock(&ctx->uring_lock);
		return -EBADF;
	}
	hlist_add_head(&ua->node, &ctx->uring_cmds);
	atomic_inc(&qchan_stats.uring_cmds);
	qchan_uring_reap_arm(ctx);
	spin_unlock(&ctx->uring_lock);
	return 0;
}

/* Posts the CQE of a tracked command and frees it. */
static void qchan_uring_finish(struct qchan_uasync *ua, int res, unsigned int issue_flags)
{
	struct qchan_ctx *ctx = ua->ctx;

	spin_lock(&ctx->uring_lock);
	hlist_del_init(&ua->node);
	spin_unlock(&ctx->uring_lock);
	atomic_dec(&qchan_stats.uring_cmds);
	io_uring_cmd_done(ua->cmd, res, 0, issue_flags);
	qchan_uasync_free(ua);
}

/*
 * Called with the engine's ctx->lock held: ends the command @ua.  A send
 * fails as the death of a blocking sender would fail it, or with @user as a
 * signal would unblock it; a posted receive leaves its channel.  What is
 * already ending is left to end.
 */
static void qchan_uring_cancel_locked(struct qchan_uasync *ua, int error, bool user)
{
	if (ua->send) {
		struct qchan_msg *msg = &ua->s.msg;

		if (user)
			qchan_msg_unblock(msg->chan->ctx, msg, error);
		else
			qchan_msg_fail(msg->chan->ctx, msg, error);
		return;
	}
	ua->canceled = true;
	if (ua->waiting) {
		list_del(&ua->r.r.node);
		ua->r.r.error = error;
		qchan_uring_receiver_ready(&ua->r.r);
	}
}

void qchan_uring_cancel(struct qchan_uasync *ua, int error, bool user)
{
	struct qchan_ctx *ectx = qchan_uasync_engine(ua);

	ctx_lock(ectx);
	qchan_uring_cancel_locked(ua, error, user);
	ctx_unlock(ectx);
}

/*
 * Timeouts.  io_uring's linked timeouts never reach a uring_cmd (its cancel
 * does not call into one), so a command carries its own: an hrtimer at the
 * deadline queues a work item, which may take the engine's ctx->lock (the
 * timer's context may not), and ends the command as the deadline ends a
 * blocking call.  Both are stopped before the command is freed.
 */
static enum hrtimer_restart qchan_uring_timer_fn(struct hrtimer *timer)
{
	struct qchan_uasync *ua = container_of(timer, struct qchan_uasync, timer);

	queue_work(system_wq, &ua->twork);
	return HRTIMER_NORESTART;
}

static void qchan_uring_timeout_work(struct work_struct *work)
{
	struct qchan_uasync *ua = container_of(work, struct qchan_uasync, twork);
	struct qchan_ctx *ectx = qchan_uasync_engine(ua);

	ctx_lock(ectx);
	if (ua->send) {
		/* Only in a state its flags cover; a received one unblocks as a sender would. */
		if (qchan_msg_timed_out(&ua->s.msg))
			qchan_msg_unblock(ectx, &ua->s.msg, -ETIMEDOUT);
	} else if (ua->waiting && qchan_timeout_passed(&ua->tmo)) {
		qchan_uring_cancel_locked(ua, -ETIMEDOUT, false);
	}
	ctx_unlock(ectx);
}

void qchan_uring_timer_init(struct qchan_uasync *ua, const struct qchan_timeout *t)
{
	ua->timed = true;
	ua->tmo = *t;
	hrtimer_init(&ua->timer, t->clock, HRTIMER_MODE_ABS);
	ua->timer.function = qchan_uring_timer_fn;
	INIT_WORK(&ua->twork, qchan_uring_timeout_work);
}

/* Called with the engine's ctx->lock held, once the command is where the work can find it. */
void qchan_uring_timer_start(struct qchan_uasync *ua)
{
	if (ua->timed)
		hrtimer_start(&ua->timer, ua->tmo.deadline, HRTIMER_MODE_ABS);
}

/*
 * Called with ctx->lock held by msg.c: the async send @msg with a
 * QCHAN_SEND_TIMEOUT_REPLY deadline was received; a deadline that passed
 * while it was queued takes effect now, as for a blocking sender.
 */
void qchan_uring_send_bound(struct qchan_msg *msg)
{
	struct qchan_uasync *ua = msg->uasync;

	if (ua->timed && qchan_timeout_passed(&ua->tmo))
		queue_work(system_wq, &ua->twork);
}

/* SEND */

/*
 * MsgWrite to an async sender (@msg busy, RECEIVED): its reply buffers are
 * the kernel's until the CQE, so the bytes go into a staging copy, and a
 * map records which were written.  The completion copies those out first,
 * then the reply's own bytes over them from offset 0: the sender's buffers
 * end up as a blocking sender's would (written bytes where no reply byte
 * landed, nothing else touched).  Short when @from is not present, like
 * every server-side copy (copy.c).
 */
ssize_t qchan_uring_write(struct qchan_msg *msg, size_t offset, struct iov_iter *from)
{
	struct qchan_uasync *ua = msg->uasync;
	struct qchan_ctx *ectx = msg->chan->ctx;
	/* Pairs with the release below: a buffer seen is initialised, its map too. */
	u8 *wbuf = smp_load_acquire(&ua->s.wbuf);
	size_t n;

	if (offset >= msg->rlen)
		return 0;
	if (!wbuf) {
		unsigned long *map = bitmap_zalloc(msg->rlen, GFP_KERNEL_ACCOUNT);

		wbuf = kvmalloc(msg->rlen, GFP_KERNEL_ACCOUNT);
		if (!wbuf || !map) {
			kvfree(wbuf);
			bitmap_free(map);
			return -ENOMEM;
		}
		/* Another server thread may write at the same time: the first allocation wins. */
		ctx_lock(ectx);
		if (!ua->s.wbuf) {
			ua->s.wmap = map;
			/* Writers that do not take the lock read wbuf: see the acquire above. */
			smp_store_release(&ua->s.wbuf, wbuf);
			map = NULL;
		} else {
			kvfree(wbuf);
			wbuf = ua->s.wbuf;
		}
		ctx_unlock(ectx);
		bitmap_free(map);
	}
	n = min(iov_iter_count(from), msg->rlen - offset);
	pagefault_disable();
	n = copy_from_iter(wbuf + offset, n, from);
	pagefault_enable();
	if (n) {
		ctx_lock(ectx);
		bitmap_set(ua->s.wmap, offset, n);
		ctx_unlock(ectx);
	}
	return n;
}

/* In the submitter: the bytes MsgWrite staged, into the reply buffers at their offsets. */
static int qchan_uring_write_out(struct qchan_uasync *ua)
{
	struct qchan_msg *msg = &ua->s.msg;
	unsigned long start = 0, end;
	struct iov_iter iter;

	for (;;) {
		start = find_next_bit(ua->s.wmap, msg->rlen, start);
		if (start >= msg->rlen)
			return 0;
		end = find_next_zero_bit(ua->s.wmap, msg->rlen, start);
		iov_iter_init(&iter, ITER_DEST, msg->riov, msg->rparts, msg->rlen);
		iov_iter_advance(&iter, start);
		if (copy_to_iter(ua->s.wbuf + start, end - start, &iter) != end - start)
			return -EFAULT;
		start = end;
	}
}

/* In the submitter: an ended send's reply and status out; its result. */
static __always_inline int __qchan_uring_send_out(struct qchan_uasync *ua)
{
	struct qchan_msg *msg = &ua->s.msg;
	int err = msg->error;

	/* As in a blocking sender's buffers, what MsgWrite wrote stays even if the send failed. */
	if (ua->s.wbuf) {
		int werr = qchan_uring_write_out(ua);

		err = err ?: werr;
	}
	if (!err && msg->rbuf_len)
		err = qchan_reply_out(msg);
	if (!err && put_user(msg->status, &ua->s.uarg->status))
		err = -EFAULT;
	return err;
}

int qchan_uring_send_out(struct qchan_uasync *ua)
{
	return __qchan_uring_send_out(ua);
}

static void qchan_uring_send_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qchan_uasync *ua = *qchan_uring_pdu(cmd);

	if (!qchan_uring_in_submitter(ua)) {
		qchan_uring_finish(ua, ua->s.msg.error ?: -ECANCELED, issue_flags);
		return;
	}
	qchan_uring_finish(ua, __qchan_uring_send_out(ua), issue_flags);
}

/* Called with ctx->lock held by msg.c: the async message is over and nobody copies it. */
void qchan_uring_send_done(struct qchan_msg *msg)
{
	struct qchan_uasync *ua = msg->uasync;

	if (ua->ready)
		return;
	ua->ready = true;
	if (ua->batch) {
		qchan_usbatch_send_done(ua);
		return;
	}
	/* Its task work always posts the CQE: no wake-up before the waiter wants one. */
	qchan_uring_complete_lazy(ua->cmd, qchan_uring_send_tw);
}

/* A SEND's argument @a (read from @uarg) checked; *@t its timeout. */
static __always_inline int __qchan_uring_send_check(const struct qchan_msg_send *a,
						    struct qchan_timeout *t)
{
	/* No restart cookie: the command's life is the ring's business. */
	if ((a->flags & ~QCHAN_SEND_TIMEOUTS) || a->status || a->reserved)
		return -EINVAL;
	/* qchan_timeout_import()'s check of an unarmed timeout, without its call. */
	if (!(a->flags & QCHAN_SEND_TIMEOUTS))
		return a->timeout || a->timeout_clock ? -EINVAL : 0;
	return qchan_timeout_import(a->flags & QCHAN_SEND_TIMEOUTS, a->timeout, a->timeout_clock,
				    t);
}

int qchan_uring_send_check(const struct qchan_msg_send *a, struct qchan_timeout *t)
{
	return __qchan_uring_send_check(a, t);
}

/*
 * The message of the new SEND @ua for @a, to @conn (whose reference it
 * takes over): its vectors, and its data copied in.  On an error @ua is
 * left for qchan_uasync_free().
 */
static __always_inline int __qchan_uring_send_setup(struct qchan_uasync *ua,
						    struct qchan_msg_send __user *uarg,
						    const struct qchan_msg_send *a,
						    const struct qchan_timeout *t,
						    struct qchan_conn *conn)
{
	struct qchan_msg *msg = &ua->s.msg;
	struct iovec *iov;
	int err;

	ua->s.uarg = uarg;
	msg->conn = conn;
	msg->chan = conn->chan;
	msg->uasync = ua;
	qchan_pulse_init_kernel(&msg->unblock);
	if (a->flags & QCHAN_SEND_TIMEOUTS) {
		msg->timeout_states = a->flags & QCHAN_SEND_TIMEOUTS;
		msg->timeout = *t;
		qchan_uring_timer_init(ua, t);
	}

	err = qchan_iov_import_fast(a->send_iov_ptr, a->send_parts, ua->siov_fast, &iov,
				    &msg->slen, ua->compat);
	if (err)
		return err;
	msg->siov = iov;
	msg->sparts = a->send_parts;
	err = qchan_iov_import_fast(a->reply_iov_ptr, a->reply_parts, ua->riov_fast, &iov,
				    &msg->rlen, ua->compat);
	if (err)
		return err;
	msg->riov = iov;
	msg->rparts = a->reply_parts;
	if (msg->slen > QCHAN_URING_MAX_MSG || msg->rlen > QCHAN_URING_MAX_MSG)
		return -EMSGSIZE;
	msg->sbuf = msg->slen <= sizeof(msg->stack_sbuf) ? msg->stack_sbuf :
		    kvmalloc(msg->slen, GFP_KERNEL_ACCOUNT);
	if (!msg->sbuf)
		return -ENOMEM;
	return qchan_gather_short(msg);
}

int qchan_uring_send_setup(struct qchan_uasync *ua, struct qchan_msg_send __user *uarg,
			   const struct qchan_msg_send *a, const struct qchan_timeout *t,
			   struct qchan_conn *conn)
{
	return __qchan_uring_send_setup(ua, uarg, a, t, conn);
}

/* The sender's side of a SEND's message, once it is counted in ctx->nr_queued. */
static __always_inline void __qchan_uring_send_sender(struct qchan_msg *msg, int coid)
{
	get_task_struct(current);
	msg->sender = current;
	msg->coid = coid;
	msg->priority = qchan_current_priority();
	/* Nobody to raise a server for, nobody a server could raise: no inheritance. */
	msg->kprio = QCHAN_KPRIO_NONE;
	qchan_stat_inc(msgs_in_flight);
	qchan_stat_inc(msgs_total);
}

void qchan_uring_send_sender(struct qchan_msg *msg, int coid)
{
	__qchan_uring_send_sender(msg, coid);
}

static int qchan_uring_send(struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
			    struct qchan_msg_send __user *uarg, unsigned int issue_flags)
{
	struct qchan_msg_send a;
	struct qchan_timeout t;
	struct qchan_uasync *ua;
	struct qchan_channel *chan;
	struct qchan_conn *conn;
	struct qchan_prio *boost;
	struct qchan_msg *msg;
	bool handed;
	int err;

	err = qchan_send_args_get(&a, uarg);
	if (err)
		return err;
	err = __qchan_uring_send_check(&a, &t);
	if (err)
		return err;
	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	ua = qchan_uasync_alloc(ctx, cmd, true, issue_flags);
	if (!ua) {
		qchan_conn_put(conn);
		return -ENOMEM;
	}
	msg = &ua->s.msg;
	err = __qchan_uring_send_setup(ua, uarg, &a, &t, conn);
	if (err)
		goto err_free;

	if (atomic_inc_return(&ctx->nr_queued) >
	    min(READ_ONCE(qchan_max_queued), QCHAN_RCVID_SEQ_MASK - 1)) {
		atomic_dec(&ctx->nr_queued);
		/*
		 * In the CQE: -EAGAIN returned would have io_uring issue the
		 * send again from a worker, whose tid the server would see.
		 */
		err = -EAGAIN;
		goto err_done;
	}
	__qchan_uring_send_sender(msg, a.coid);

	/* From here on the CQE comes through io_uring_cmd_done() only. */
	qchan_uring_mark_cancelable(cmd, issue_flags);
	chan = msg->chan;
	/* The post may bind an rcvid of the server's ctx: grow its hash before any lock. */
	qchan_rcvids_maybe_grow(chan->ctx);
	/* Listed and posted in one go: a cancel never sees a message that is neither. */
	spin_lock(&ctx->uring_lock);
	if (ctx->uring_closed) {
		spin_unlock(&ctx->uring_lock);
		err = -EBADF;
		goto err_done;
	}
	ctx_lock(chan->ctx);
	if (chan->dead) {
		ctx_unlock(chan->ctx);
		spin_unlock(&ctx->uring_lock);
		err = -EBADF;	/* as MsgSend: the connection's channel is gone */
		goto err_done;
	}
	hlist_add_head(&ua->node, &ctx->uring_cmds);
	atomic_inc(&qchan_stats.uring_cmds);
	qchan_uring_reap_arm(ctx);
	qchan_wait_stamp(&msg->since);
	handed = qchan_msg_post_locked(msg, &boost);
	qchan_uring_timer_start(ua);
	ctx_unlock(chan->ctx);
	spin_unlock(&ctx->uring_lock);
	/* @ua may be completed and freed from here on. */
	atomic_long_inc(handed ? &qchan_stats.uring_sends_handed : &qchan_stats.uring_sends_queued);
	return -EIOCBQUEUED;

err_done:
	io_uring_cmd_done(cmd, err, 0, issue_flags);
	qchan_uasync_free(ua);
	return -EIOCBQUEUED;
err_free:
	qchan_uasync_free(ua);
	return err;
}

/* RECEIVE */

/* Copies a message (busy held) or a pulse into the receive's buffers: 0 for a message = retry. */
static int qchan_uring_deliver(struct qchan_uasync *ua, struct qchan_msg *msg,
			       const struct qchan_pulse_data *pulse)
{
	struct iov_iter iter;
	ssize_t n;

	iov_iter_init(&iter, ITER_DEST, ua->r.iov, ua->r.a.parts, ua->r.len);
	if (msg)
		return qchan_receive_copy(ua->ctx, &ua->r.a, msg, &iter, ua->r.uarg);
	n = qchan_pulse_deliver_as(pulse, &iter, ua->compat);
	if (n < 0 || put_user(0, &ua->r.uarg->rcvid) || put_user((u32)n, &ua->r.uarg->bytes))
		return -EFAULT;
	return 0;
}

/*
 * Takes what is queued on the channel and delivers it here, or (@post) puts
 * the receive on the channel's receiver list: -EIOCBQUEUED when nothing was
 * delivered.  Returns the receive's result otherwise.
 */
static int qchan_uring_receive_take(struct qchan_uasync *ua, bool post)
{
	struct qchan_ctx *ctx = ua->ctx;
	struct qchan_pulse_item *heap;
	struct qchan_pulse_data pulse;
	struct qchan_msg *msg;
	int res;

	for (;;) {
		qchan_rcvids_maybe_grow(ctx);
		ctx_lock(ctx);
		msg = qchan_receive_take_locked(ctx, ua->r.chan, ua->r.r.pulse_only, &pulse, &heap);
		if (msg == ERR_PTR(-EAGAIN)) {
			if (!post) {
				ctx_unlock(ctx);
				return -EIOCBQUEUED;
			}
			if (ua->canceled) {
				ctx_unlock(ctx);
				return -ECANCELED;
			}
			ua->r.r.msg = NULL;
			ua->r.r.got_pulse = false;
			ua->r.r.error = 0;
			ua->waiting = true;
			ua->ready = false;
			/* A deadline already passed polls, as MSG_RECEIVE's does. */
			if (ua->timed && qchan_timeout_passed(&ua->tmo)) {
				ctx_unlock(ctx);
				return -ETIMEDOUT;
			}
			qchan_wait_stamp(&ua->r.r.since);
			list_add_tail(&ua->r.r.node, &ua->r.chan->receivers);
			qchan_uring_timer_start(ua);
			ctx_unlock(ctx);
			return -EIOCBQUEUED;
		}
		ctx_unlock(ctx);
		if (heap)
			qchan_pulse_free(heap);
		if (IS_ERR(msg))
			return PTR_ERR(msg);
		res = qchan_uring_deliver(ua, msg, &pulse);
		if (res || !msg)
			return res;
	}
}

static int qchan_uring_receive_try(struct qchan_uasync *ua)
{
	return qchan_uring_receive_take(ua, true);
}

static void qchan_uring_receive_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qchan_uasync *ua = *qchan_uring_pdu(cmd);
	struct qchan_receiver *r = &ua->r.r;
	struct qchan_msg *msg = r->msg;
	int res;

	/* A blocking send is ours once claimed: till then its killed sender may take it back. */
	if (ua->claim) {
		struct qchan_ctx *ectx = qchan_uasync_engine(ua);

		ctx_lock(ectx);
		msg = r->msg;
		if (msg)
			msg->posted = NULL;
		ctx_unlock(ectx);
	}
	if (r->error) {
		res = r->error;
	} else if (!msg && !r->got_pulse) {
		/* Revoked: nothing came after all, so the receive waits again. */
		res = qchan_uring_in_submitter(ua) ? qchan_uring_receive_try(ua) : -ECANCELED;
		if (res == -EIOCBQUEUED)
			return;
	} else if (!qchan_uring_in_submitter(ua)) {
		/* The receiving thread is gone: the message is not delivered. */
		if (msg)
			qchan_msg_drop(ua->ctx, msg, -ESRCH);
		res = -ECANCELED;
	} else {
		res = qchan_uring_deliver(ua, msg, &r->pulse);
		if (!res && msg) {
			res = qchan_uring_receive_try(ua);
			if (res == -EIOCBQUEUED)
				return;
		}
	}
	qchan_uring_finish(ua, res, issue_flags);
}

/* Called with ctx->lock held: the posted receive of @r got a message, a pulse or an error. */
void qchan_uring_receiver_ready(struct qchan_receiver *r)
{
	struct qchan_uasync *ua = r->uasync;

	ua->waiting = false;
	ua->ready = true;
	/* Its sender waits for our copy, which waits for our thread: see the revoke below. */
	ua->claim = r->msg && !r->msg->uasync;
	if (ua->claim)
		r->msg->posted = r;
	atomic_long_inc(&qchan_stats.uring_recv_waited);
	io_uring_cmd_complete_in_task(ua->cmd, qchan_uring_receive_tw);
}

/*
 * Called with the engine's ctx->lock held by the killed blocking sender of
 * @msg, handed to a posted receive that has not claimed it: that copy runs
 * only when the receiving thread runs its task work, and the thread may be
 * the sender itself, asleep in its send.  The receive lets go of the message
 * (busy) and, once its task work runs, waits again as if it had not come.
 */
void qchan_uring_receive_revoke(struct qchan_msg *msg)
{
	msg->posted->msg = NULL;
	msg->posted = NULL;
	msg->busy--;
}

static int qchan_uring_receive(struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
			       const struct qchan_msg_receive *a,
			       struct qchan_msg_receive __user *uarg, unsigned int issue_flags)
{
	struct qchan_timeout t;
	struct qchan_uasync *ua;
	int err;

	err = qchan_receive_validate(a, &t);
	if (err)
		return err;
	ua = qchan_uasync_alloc(ctx, cmd, false, issue_flags);
	if (!ua)
		return -ENOMEM;
	if (a->flags & QCHAN_RECEIVE_TIMEOUT)
		qchan_uring_timer_init(ua, &t);
	ua->r.uarg = uarg;
	ua->r.a = *a;
	ua->r.chan = qchan_channel_get(ctx, a->chid);
	if (!ua->r.chan) {
		err = -ESRCH;
		goto err_free;
	}
	/*
	 * Each keeps its memory until it completes: a server must not post
	 * without bound.  The CQE says so at once: -EAGAIN returned would have
	 * io_uring issue the command again from a worker.
	 */
	if (atomic_inc_return(&ua->r.chan->nr_posted) > READ_ONCE(qchan_max_posted_receives)) {
		atomic_dec(&ua->r.chan->nr_posted);
		qchan_uasync_free(ua);
		io_uring_cmd_done(cmd, -EAGAIN, 0, issue_flags);
		return -EIOCBQUEUED;
	}
	ua->r.counted = true;
	err = qchan_iov_import_as(u64_to_user_ptr(a->iov_ptr), a->parts, ua->siov_fast,
				  &ua->r.iov, &ua->r.len, ua->compat);
	if (err)
		goto err_free;
	/*
	 * Something queued (the DragonFly rule): delivered in the submitting
	 * call by a command that never waits, so nothing can cancel it and it
	 * is not listed.
	 */
	ua->r.r.pulse_only = a->flags & QCHAN_RECEIVE_PULSE_ONLY;
	/*
	 * A look without the lock at whether the queues are empty, so that a
	 * receive with nothing to find pays one round trip of ctx->lock, not
	 * two: a stale answer costs only that round trip or the shortcut.
	 */
	err = list_empty_careful(&ua->r.chan->send_queue) &&
	      list_empty_careful(&ua->r.chan->pulses) ? -EIOCBQUEUED :
	      qchan_uring_receive_take(ua, false);
	if (err != -EIOCBQUEUED) {
		atomic_long_inc(&qchan_stats.uring_recv_inline);
		qchan_uasync_free(ua);
		io_uring_cmd_done(cmd, err, 0, issue_flags);
		return -EIOCBQUEUED;
	}
	get_task_struct(current);
	ua->r.r.task = current;
	ua->r.r.uasync = ua;

	qchan_uring_mark_cancelable(cmd, issue_flags);
	err = qchan_uring_track(ua);
	if (err) {
		io_uring_cmd_done(cmd, err, 0, issue_flags);
		qchan_uasync_free(ua);
		return -EIOCBQUEUED;
	}
	err = qchan_uring_receive_try(ua);
	if (err == -EIOCBQUEUED)
		return err;
	/* Nothing to wait for: done in the submitting call. */
	atomic_long_inc(&qchan_stats.uring_recv_inline);
	qchan_uring_finish(ua, err, issue_flags);
	return -EIOCBQUEUED;

err_free:
	qchan_uasync_free(ua);
	return err;
}

static int qchan_uring_reply_receive(struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
				     struct qchan_msg_reply_receive __user *uarg,
				     unsigned int issue_flags)
{
	struct qchan_msg_reply_receive a;
	struct qchan_timeout t;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.pad)
		return -EINVAL;
	err = qchan_receive_validate(&a.receive, &t);
	if (err)
		return err;
	if (a.reply.rcvid) {
		a.reply_result = qchan_msg_reply_args(ctx, &a.reply,
						      qchan_uring_compat(cmd, issue_flags));
		if (a.reply_result == -EINVAL)	/* a malformed reply block fails the call */
			return -EINVAL;
		if (put_user(a.reply_result, &uarg->reply_result))
			return -EFAULT;
	}
	return qchan_uring_receive(ctx, cmd, &a.receive, &uarg->receive, issue_flags);
}

/* CANCEL: the command of this ctx whose user_data is @user_data (the newest of several). */
static int qchan_uring_cancel_user(struct qchan_ctx *ctx, u64 user_data)
{
	struct qchan_uasync *ua;
	int err = -ENOENT;

	spin_lock(&ctx->uring_lock);
	hlist_for_each_entry(ua, &ctx->uring_cmds, node) {
		if (qchan_uring_user_data(ua->cmd) == user_data) {
			if (ua->batch)
				qchan_usbatch_cancel(ua->batch, true);
			else
				qchan_uring_cancel(ua, -ECANCELED, true);
			err = 0;
			break;
		}
	}
	spin_unlock(&ctx->uring_lock);
	return err;
}

int qchan_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qchan_ctx *ctx = cmd->file->private_data;
	struct qchan_uring_cmd uc;
	struct qchan_msg_receive ra;
	void __user *arg;

	if (qchan_uring_cancel_call(issue_flags)) {
		struct qchan_uasync *ua = *qchan_uring_pdu(cmd);

		/*
		 * Not listed yet: its issue (in io-wq) is still under way; the
		 * ring calls again until the command is done.
		 */
		spin_lock(&ctx->uring_lock);
		if (ua->batch)
			qchan_usbatch_cancel(ua->batch, false);
		else if (!hlist_unhashed(&ua->node))
			qchan_uring_cancel(ua, -ECANCELED, false);
		spin_unlock(&ctx->uring_lock);
		return 0;
	}
	if (task_tgid(current) != ctx->owner)
		return -EBADFD;
	/* The SQE is shared with user space: read it once. */
	memcpy(&uc, qchan_uring_cmd_bytes(cmd), sizeof(uc));
	if (uc.flags || uc.reserved)
		return -EINVAL;
	arg = u64_to_user_ptr(uc.arg_ptr);

	switch (cmd->cmd_op) {
	case QCHAN_UCMD_SEND:
		return qchan_uring_send(ctx, cmd, arg, issue_flags);
	case QCHAN_UCMD_RECEIVE:
		if (copy_from_user(&ra, arg, sizeof(ra)))
			return -EFAULT;
		return qchan_uring_receive(ctx, cmd, &ra, arg, issue_flags);
	case QCHAN_UCMD_REPLY_RECEIVE:
		return qchan_uring_reply_receive(ctx, cmd, arg, issue_flags);
	case QCHAN_UCMD_SEND_PULSE:
		return qchan_pulse_send(ctx, arg);
	case QCHAN_UCMD_CANCEL:
		return qchan_uring_cancel_user(ctx, uc.arg_ptr);
	case QCHAN_UCMD_SEND_BATCH:
		return qchan_usbatch_send(ctx, cmd, arg, issue_flags);
	}
	return -ENOTTY;
}

/* Cancels the commands of rings being torn down (6.1) and of submitters that exited. */
static void qchan_uring_reap(struct work_struct *work)
{
	struct qchan_ctx *ctx = container_of(to_delayed_work(work), struct qchan_ctx, uring_reap);
	struct qchan_uasync *ua;

	spin_lock(&ctx->uring_lock);
	hlist_for_each_entry(ua, &ctx->uring_cmds, node) {
		if (!ua->ring_cancel && qchan_uring_ring_dying(ua->cmd)) {
			ua->ring_cancel = true;
			qchan_uring_cancel(ua, -ECANCELED, false);
		}
	}
	if (!hlist_empty(&ctx->uring_cmds))
		queue_delayed_work(system_wq, &ctx->uring_reap, HZ);
	spin_unlock(&ctx->uring_lock);
}

void qchan_uring_ctx_init(struct qchan_ctx *ctx)
{
	spin_lock_init(&ctx->uring_lock);
	INIT_HLIST_HEAD(&ctx->uring_cmds);
	ctx->uring_free = NULL;
	INIT_DELAYED_WORK(&ctx->uring_reap, qchan_uring_reap);
}

/* The ctx ends: every command fails, and no new one is accepted. */
void qchan_uring_shutdown(struct qchan_ctx *ctx)
{
	struct qchan_uasync *ua, *cached;

	spin_lock(&ctx->uring_lock);
	ctx->uring_closed = true;
	hlist_for_each_entry(ua, &ctx->uring_cmds, node)
		qchan_uring_cancel(ua, -ECANCELED, false);
	/* Closed: nothing is cached any more. */
	cached = ctx->uring_free;
	ctx->uring_free = NULL;
	ctx->uring_nfree = 0;
	spin_unlock(&ctx->uring_lock);
	while (cached) {
		ua = cached;
		cached = ua->free_next;
		kfree(ua);
	}
}

/*
 * The file's last reference: no command holds it, so none is left.  The
 * cache may be: the owner's death work may have begun the ctx's shutdown
 * (so this release's returned at once) and not yet reached
 * qchan_uring_shutdown() (seen once in module_test's unload churn on 6.12).
 */
void qchan_uring_release(struct qchan_ctx *ctx)
{
	qchan_uring_shutdown(ctx);
	WARN_ON_ONCE(!hlist_empty(&ctx->uring_cmds));
	cancel_delayed_work_sync(&ctx->uring_reap);
}
