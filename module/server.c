// SPDX-License-Identifier: GPL-2.0
/*
 * The server thread's side of a message: MsgReceive (waiting for a message
 * or a pulse, and copying the request), MsgReply and MsgError, MsgRead and
 * MsgWrite, MsgInfo.  The states and the send side are in msg.c; the locking
 * rules in qchan.h.
 */
#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "msg.h"
#include "prio.h"
#include "qchan.h"
#include "trace.h"
#include "ucopy.h"

/* Every ioctl argument struct has these; the helper keeps each check one line. */
#define QCHAN_RESERVED_NONZERO(a)	memchr_inv((a)->reserved, 0, sizeof((a)->reserved))

/*
 * A server's own vector.  import_iovec() fails only for too many parts or a
 * part longer than SSIZE_MAX (EINVAL), which QNX calls EOVERFLOW, or for a
 * fault (EFAULT: the callers decide whose).
 */
ssize_t qchan_import_iov(int dir, u64 ptr, u32 parts, struct iovec **iovp,
			 struct iov_iter *iter)
{
	ssize_t n;

	/*
	 * One part, as in every MsgReceive and MsgReply of a single buffer: a
	 * constant-size copy of the iovec, which hardened usercopy does not
	 * check at run time, and no array walk; otherwise as import_iovec().
	 */
	if (parts == 1 && !in_compat_syscall()) {
		const struct iovec __user *uiov = u64_to_user_ptr(ptr);
		struct iovec *iov = *iovp;

		/* As import_iovec(): NULL whatever the outcome, for the caller's kfree(). */
		*iovp = NULL;
		/* Two loads, not a copy routine's per-byte `rep movsb` (no FSRM here). */
		if (qchan_get_iovec(iov, uiov))
			return -EFAULT;
		if (iov->iov_len > SSIZE_MAX)
			return -EOVERFLOW;
		n = qchan_import_single(dir, iov, iter);
		if (n)
			return n;
		return iov_iter_count(iter);
	}
	n = import_iovec(dir, u64_to_user_ptr(ptr), parts, UIO_FASTIOV, iovp, iter);

	return n == -EINVAL ? -EOVERFLOW : n;
}

/*
 * As qchan_import_iov(), for a vector of the ABI @compat says: an io_uring
 * submitter's, whose command may be issued by one of io_uring's workers,
 * which are not in a compat syscall (import_iovec() follows the syscall).
 */
static ssize_t qchan_import_iov_as(int dir, u64 ptr, u32 parts, struct iovec **iovp,
				   struct iov_iter *iter, bool compat)
{
	struct iovec *fast = *iovp, *iov;
	size_t total;
	int err;

	if (likely(compat == in_compat_syscall()))
		return qchan_import_iov(dir, ptr, parts, iovp, iter);
	*iovp = NULL;
	err = qchan_iov_import_as(u64_to_user_ptr(ptr), parts, fast, &iov, &total, compat);
	if (err)
		return err;
	if (iov != fast)
		*iovp = iov;
	iov_iter_init(iter, dir, iov, parts, total);
	return total;
}

/* Fails the RECEIVED message @rcvid, if it is still there (a server-side fault after the copy). */
void qchan_rcvid_fail(struct qchan_ctx *ctx, int rcvid, int error)
{
	struct qchan_msg *msg;

	ctx_lock(ctx);
	msg = qchan_rcvid_lookup(ctx, rcvid);
	if (msg && msg->state == QCHAN_MSG_RECEIVED)
		qchan_msg_finish(ctx, msg, error);
	ctx_unlock(ctx);
}

static void qchan_msg_fill_info(struct qchan_msg *msg, struct qchan_msg_info *info)
{
	struct pid_namespace *ns = task_active_pid_ns(current);

	struct qchan_ctx *acct = msg->conn->acct;

	memset(info, 0, sizeof(*info));
	info->pid = task_tgid_nr_ns(msg->sender, ns);
	info->tid = task_pid_nr_ns(msg->sender, ns);
	info->nd = READ_ONCE(acct->net_nd);
	if (unlikely(info->nd)) {
		info->srcnd = READ_ONCE(acct->net_srcnd);
		if (msg->net_pid) {
			info->pid = msg->net_pid;
			info->tid = msg->net_tid;
		}
	}
	info->chid = msg->chan->chid;
	info->scoid = msg->conn->scoid;
	info->coid = msg->coid;
	info->msglen = msg->delivered;
	info->srcmsglen = msg->slen;
	info->dstmsglen = msg->rlen;
	info->priority = msg->priority;
	if (READ_ONCE(msg->unblock_req))
		info->flags = QCHAN_MI_UNBLOCK_REQ;
}

/* Called with ctx->lock held: does @pulse come before @msg (either may be NULL)? */
static bool qchan_pulse_first(struct qchan_pulse_item *pulse, struct qchan_msg *msg)
{
	return pulse && (!msg || pulse->priority > msg->priority ||
			 (pulse->priority == msg->priority && pulse->seq < msg->seq));
}

/*
 * Waits on @chan for a message (unless @pulse_only) or a pulse, until @t's
 * deadline if @t.  Returns a message bound to a fresh rcvid with msg->busy
 * held for the caller's copy; or NULL with the pulse's data in *@pulse; or
 * an ERR_PTR.
 */
struct qchan_msg *qchan_msg_wait(struct qchan_ctx *ctx, struct qchan_channel *chan,
				 bool pulse_only, const struct qchan_timeout *t,
				 struct qchan_pulse_data *pulse)
{
	struct qchan_receiver r = { .task = current, .pulse_only = pulse_only };
	struct qchan_pulse_item *item, *heap;
	u64 spin = qchan_busy_poll_window(chan);
	struct qchan_msg *msg;
	bool apply;
	int err;

	qchan_rcvids_maybe_grow(ctx);
	ctx_lock(ctx);
	if (!(chan->flags & QCHAN_CHF_FIXED_PRIORITY)) {
		r.prio = qchan_prio_receiving(chan);
		if (unlikely(!r.prio)) {
			ctx_unlock(ctx);
			qchan_prio_create(ctx);
			ctx_lock(ctx);
			r.prio = qchan_prio_receiving(chan);
		}
	}
retry:
	if (chan->dead) {
		err = -ESRCH;
		goto out_unlock;
	}
	msg = pulse_only ? NULL :
	      list_first_entry_or_null(&chan->send_queue, struct qchan_msg, node);
	item = list_first_entry_or_null(&chan->pulses, struct qchan_pulse_item, node);
	if (qchan_pulse_first(item, msg)) {
		apply = qchan_prio_pulse_taken(r.prio, item->kprio) ||
			qchan_prio_stale(ctx, r.prio);
		heap = qchan_pulse_take(chan, item, pulse);
		ctx_unlock(ctx);
		if (heap)
			qchan_pulse_free(heap);
		if (apply)
			qchan_prio_apply(ctx, r.prio);
		return NULL;
	}
	if (msg) {
		qchan_msg_dequeue(chan, msg);
		qchan_msg_bind(ctx, msg);
		apply = qchan_prio_bind(chan, msg, r.prio, current) ||
			qchan_prio_stale(ctx, r.prio);
		ctx_unlock(ctx);
		if (apply)
			qchan_prio_apply(ctx, r.prio);
		return msg;
	}
	if (t && qchan_timeout_passed(t)) {
		err = -ETIMEDOUT;
		goto out_unlock;
	}
	/* Nothing for us: a boost we no longer serve ends before we sleep (QNX). */
	if (unlikely(qchan_prio_stale(ctx, r.prio))) {
		ctx_unlock(ctx);
		qchan_prio_apply(ctx, r.prio);
		ctx_lock(ctx);
		goto retry;
	}

	/* Once per receive: what arrives meanwhile is queued, and found without a wake-up. */
	if (unlikely(spin)) {
		ctx_unlock(ctx);
		qchan_busy_poll_receive(chan, pulse_only, t, spin);
		spin = 0;
		ctx_lock(ctx);
		goto retry;
	}
	qchan_wait_stamp(&r.since);
	list_add_tail(&r.node, &chan->receivers);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		ctx_unlock(ctx);
		qchan_sleep(t);
		/* Taking the lock also waits out a waker still inside its critical section. */
		ctx_lock(ctx);
		if (r.msg || r.got_pulse) {
			/* Our waker raises us after the wake-up: if it runs below us, we do. */
			apply = qchan_prio_woken(r.prio, r.msg);
			ctx_unlock(ctx);
			if (unlikely(apply))
				qchan_prio_apply(ctx, r.prio);
			*pulse = r.pulse;
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
		if (t && qchan_timeout_passed(t)) {
			trace_qchan_timeout(chan->chid, QCHAN_TRACE_RECEIVE);
			list_del(&r.node);
			err = -ETIMEDOUT;
			goto out_unlock;
		}
	}

out_unlock:
	__set_current_state(TASK_RUNNING);
	ctx_unlock(ctx);
	return ERR_PTR(err);
}

/*
 * Called with ctx->lock held, for a receive that must not wait: takes what
 * qchan_msg_wait() would take at once, bound to the current thread's
 * priority record @rec (NULL: none, as for uring.c's receives); *@apply:
 * @rec must be applied once unlocked.  Returns a message bound to a fresh
 * rcvid (busy held), or NULL with a pulse's data in *@pulse (*@heap: the
 * caller's to free once unlocked), or ERR_PTR(-EAGAIN) when nothing is
 * there, or ERR_PTR(-ESRCH).
 */
struct qchan_msg *qchan_receive_take_rec_locked(struct qchan_ctx *ctx, struct qchan_channel *chan,
						bool pulse_only, struct qchan_prio *rec,
						struct qchan_pulse_data *pulse,
						struct qchan_pulse_item **heap, bool *apply)
{
	struct qchan_pulse_item *item;
	struct qchan_msg *msg;

	*heap = NULL;
	*apply = false;
	if (chan->dead)
		return ERR_PTR(-ESRCH);
	msg = pulse_only ? NULL :
	      list_first_entry_or_null(&chan->send_queue, struct qchan_msg, node);
	item = list_first_entry_or_null(&chan->pulses, struct qchan_pulse_item, node);
	if (qchan_pulse_first(item, msg)) {
		*apply = qchan_prio_pulse_taken(rec, item->kprio);
		*heap = qchan_pulse_take(chan, item, pulse);
		return NULL;
	}
	if (!msg)
		return ERR_PTR(-EAGAIN);
	qchan_msg_dequeue(chan, msg);
	qchan_msg_bind(ctx, msg);
	*apply = qchan_prio_bind(chan, msg, rec, current);
	return msg;
}

/*
 * For a batch (batch.c), called with ctx->lock held: if the next thing
 * qchan_msg_wait() would take is a message of the inline tier whose
 * min(length, @cap) bytes fit in @room, takes it as the receive does (a
 * fresh rcvid, held by @rec: *@apply as for qchan_receive_take_rec_locked())
 * and copies those bytes into the kernel buffer @buf: its receive copy,
 * done without busy, since nothing sleeps.  Returns the bytes copied, with
 * the rcvid in *@rcvid (the message itself is not the caller's once the
 * lock drops), or -EAGAIN when nothing is queued, or -ENOENT when the next
 * thing is something else (a pulse, a direct-tier message, or too long).
 */
ssize_t qchan_receive_take_inline_locked(struct qchan_ctx *ctx, struct qchan_channel *chan,
					 struct qchan_prio *rec, void *buf, size_t cap,
					 size_t room, int *rcvid, bool *apply)
{
	struct qchan_pulse_item *item;
	struct qchan_msg *msg;
	size_t n;

	if (chan->dead)
		return -ENOENT;
	msg = list_first_entry_or_null(&chan->send_queue, struct qchan_msg, node);
	item = list_first_entry_or_null(&chan->pulses, struct qchan_pulse_item, node);
	if (!msg)
		return item ? -ENOENT : -EAGAIN;
	if (qchan_pulse_first(item, msg) || !msg->sbuf)
		return -ENOENT;
	n = min(msg->slen, cap);
	if (n > room)
		return -ENOENT;
	qchan_msg_dequeue(chan, msg);
	qchan_msg_bind(ctx, msg);
	*apply |= qchan_prio_bind(chan, msg, rec, current);
	memcpy(buf, msg->sbuf, n);
	qchan_stat_add(bytes_inline, n);
	msg->delivered = n;
	trace_qchan_receive(msg, n);
	/* Copied: we no longer hold the sender's memory (nothing waits on it yet). */
	msg->busy--;
	*rcvid = msg->rcvid;
	return n;
}

struct qchan_msg *qchan_receive_take_locked(struct qchan_ctx *ctx, struct qchan_channel *chan,
					    bool pulse_only, struct qchan_pulse_data *pulse,
					    struct qchan_pulse_item **heap)
{
	bool apply;

	return qchan_receive_take_rec_locked(ctx, chan, pulse_only, NULL, pulse, heap, &apply);
}

/* The message @rcvid in @state, with a busy reference for copying, or NULL. */
static struct qchan_msg *qchan_msg_grab(struct qchan_ctx *ctx, int rcvid,
					enum qchan_msg_state state)
{
	struct qchan_msg *msg;

	if (rcvid <= 0)
		return NULL;
	ctx_lock(ctx);
	msg = qchan_rcvid_lookup(ctx, rcvid);
	if (msg && msg->state == state)
		msg->busy++;
	else
		msg = NULL;
	ctx_unlock(ctx);
	return msg;
}

static void qchan_msg_ungrab(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	ctx_lock(ctx);
	msg->busy--;
	qchan_msg_maybe_release(msg);
	ctx_unlock(ctx);
}

/*
 * A server thread's copy between the message *@msgp (busy held, rcvid @rcvid,
 * in @state) and its own @iter, from @offset: the sender's send data, or with
 * @to_sender its reply buffers.  The copy engine never faults our memory
 * while we hold the sender (see qchan.h): when it stops short we let go,
 * fault our pages in, take the message back and go on.  Returns the bytes
 * copied with busy held on *@msgp (which may have moved: the sender parked),
 * -ESRCH when the message went away meanwhile (busy not held), or an engine
 * error or -EFAULT (our buffer) with busy held.
 */
static ssize_t qchan_server_copy(struct qchan_ctx *ctx, struct qchan_msg **msgp, int rcvid,
				 enum qchan_msg_state state, size_t offset, struct iov_iter *iter,
				 bool to_sender)
{
	struct qchan_msg *msg = *msgp;
	size_t done = 0;

	for (;;) {
		size_t total = to_sender ? msg->rlen : msg->slen;
		size_t want, left;
		ssize_t n;

		if (offset >= total || !iov_iter_count(iter))
			return done;
		want = min(iov_iter_count(iter), total - offset);
		n = to_sender ? qchan_copy_to_sender(msg, offset, iter) :
				qchan_copy_from_sender(msg, offset, iter);
		if (n < 0)
			return n;
		done += n;
		offset += n;
		if (n == want)
			return done;

		qchan_msg_ungrab(ctx, msg);
		want -= n;
		left = to_sender ? fault_in_iov_iter_readable(iter, want) :
				   fault_in_iov_iter_writeable(iter, want);
		msg = qchan_msg_grab(ctx, rcvid, state);
		*msgp = msg;
		if (!msg)
			return -ESRCH;
		if (left == want)
			return fatal_signal_pending(current) ? -EINTR : -EFAULT;
	}
}

int qchan_receive_validate(const struct qchan_msg_receive *a, struct qchan_timeout *t)
{
	if ((a->flags & ~(QCHAN_RECEIVE_PULSE_ONLY | QCHAN_RECEIVE_TIMEOUT)) || a->pad ||
	    a->reserved)
		return -EINVAL;
	return qchan_timeout_import(a->flags & QCHAN_RECEIVE_TIMEOUT, a->timeout,
				   a->timeout_clock, t);
}

/* MsgReceive with validated arguments (@t: its timeout, NULL if none); results go to @uarg. */
static int qchan_do_receive(struct qchan_ctx *ctx, const struct qchan_msg_receive *a,
			    const struct qchan_timeout *t, struct qchan_msg_receive __user *uarg)
{
	struct iovec iov_fast[UIO_FASTIOV], *iov = iov_fast;
	struct qchan_channel *chan;
	struct iov_iter iter, iter_start;
	struct qchan_pulse_data pulse;
	struct qchan_msg *msg;
	ssize_t n;
	int err;

	chan = qchan_channel_get(ctx, a->chid);
	if (!chan)
		return -ESRCH;
	n = qchan_import_iov(ITER_DEST, a->iov_ptr, a->parts, &iov, &iter);
	if (n < 0) {
		err = n;
		goto out_put_chan;
	}
	iter_start = iter;

again:
	msg = qchan_msg_wait(ctx, chan, a->flags & QCHAN_RECEIVE_PULSE_ONLY, t, &pulse);
	if (IS_ERR(msg)) {
		err = PTR_ERR(msg);
		goto out_free_iov;
	}
	if (!msg) {
		trace_qchan_pulse_receive(chan->chid, &pulse);
		n = qchan_pulse_deliver(&pulse, &iter);
		if (n < 0 || put_user(0, &uarg->rcvid) || put_user((u32)n, &uarg->bytes))
			err = -EFAULT;
		else
			err = 0;
		goto out_free_iov;
	}
	err = qchan_receive_copy(ctx, a, msg, &iter, uarg);
	if (!err) {
		iter = iter_start;
		goto again;
	}
out_free_iov:
	kfree(iov);
out_put_chan:
	qchan_channel_put(chan);
	return err;
}

/*
 * The receiving thread's copy of the message @msg (bound, busy held) into
 * @iter, and its info into *@info if not NULL, leaving the message
 * RECEIVED.  Returns the bytes copied, -EAGAIN when the receive must start
 * over (the sender went away, or its send buffer faulted), or -errno.
 */
ssize_t qchan_receive_copy_msg(struct qchan_ctx *ctx, struct qchan_msg *msg,
			       struct iov_iter *iter, struct qchan_msg_info *info)
{
	int rcvid = msg->rcvid;
	ssize_t n;

	n = qchan_server_copy(ctx, &msg, rcvid, QCHAN_MSG_RECEIVED, 0, iter, false);
	if (n == -ESRCH)		/* the sender went away while we faulted */
		return -EAGAIN;
	if (n >= 0) {
		msg->delivered = n;
		trace_qchan_receive(msg, n);
		if (info)
			qchan_msg_fill_info(msg, info);
	}

	ctx_lock(ctx);
	msg->busy--;
	if (n == -EREMOTEIO)		/* the sender's buffer: its send fails, we never saw it */
		qchan_msg_fail(ctx, msg, -EFAULT);
	else if (n == -EFAULT)		/* ours: the sender learns the server faulted */
		qchan_msg_fail(ctx, msg, -QCHAN_ESRVRFAULT);
	else if (n < 0)			/* we are being killed, or out of memory */
		qchan_msg_fail(ctx, msg, n == -ENOMEM ? -ENOMEM : -ESRCH);
	qchan_msg_maybe_release(msg);	/* it may have been aborted while we copied */
	ctx_unlock(ctx);

	return n == -EREMOTEIO ? -EAGAIN : n;
}

/*
 * qchan_receive_copy_msg(), with the results into @uarg.  Returns the
 * rcvid, 0 when the receive must start over, or -errno.
 */
int qchan_receive_copy(struct qchan_ctx *ctx, const struct qchan_msg_receive *a,
		       struct qchan_msg *msg, struct iov_iter *iter,
		       struct qchan_msg_receive __user *uarg)
{
	struct qchan_msg_info info;
	int rcvid = msg->rcvid;
	ssize_t n;

	n = qchan_receive_copy_msg(ctx, msg, iter, a->info_ptr ? &info : NULL);
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return n;
	/* Our own memory again: the sender no longer waits for these writes. */
	if ((a->info_ptr && copy_to_user(u64_to_user_ptr(a->info_ptr), &info, sizeof(info))) ||
	    put_user(rcvid, &uarg->rcvid) || put_user((u32)n, &uarg->bytes)) {
		qchan_rcvid_fail(ctx, rcvid, -QCHAN_ESRVRFAULT);
		return -EFAULT;
	}
	return rcvid;
}

int qchan_msg_receive(struct qchan_ctx *ctx, struct qchan_msg_receive __user *uarg)
{
	struct qchan_msg_receive a;
	struct qchan_timeout t;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = qchan_receive_validate(&a, &t);
	if (err)
		return err;
	err = qchan_do_receive(ctx, &a, a.flags & QCHAN_RECEIVE_TIMEOUT ? &t : NULL, uarg);
	return err < 0 ? err : 0;
}

static_assert(sizeof(((struct qchan_msg_reply *)NULL)->reserved) == 2 * sizeof(u64));

int qchan_reply_validate(const struct qchan_msg_reply *a)
{
	/* Two loads, not memchr_inv()'s byte loop: every reply and batch entry passes here. */
	if ((a->flags & ~QCHAN_REPLY_ERROR) || (a->reserved[0] | a->reserved[1]))
		return -EINVAL;
	if (!(a->flags & QCHAN_REPLY_ERROR))
		return a->error ? -EINVAL : 0;
	if (a->error < 0 || a->error > QCHAN_MAX_ERROR || a->status || a->parts || a->iov_ptr)
		return -EINVAL;
	return 0;
}

/* MsgReply of more than qchan_inline_max bytes: straight into the sender's pinned reply pages. */
static int qchan_reply_direct(struct qchan_ctx *ctx, const struct qchan_msg_reply *a,
			      struct iov_iter *iter)
{
	struct qchan_msg *msg;
	int err = 0, send_err = 0;
	ssize_t n;

	ctx_lock(ctx);
	msg = qchan_rcvid_lookup(ctx, a->rcvid);
	if (!msg || msg->state != QCHAN_MSG_RECEIVED) {
		ctx_unlock(ctx);
		return -ESRCH;
	}
	/* From here no other thread can reply, read or write through this rcvid. */
	msg->state = QCHAN_MSG_REPLYING;
	msg->busy++;
	ctx_unlock(ctx);

	trace_qchan_copy_tier(QCHAN_TRACE_REPLY, msg->rlen, true);
	iov_iter_truncate(iter, msg->rlen);
	n = qchan_server_copy(ctx, &msg, a->rcvid, QCHAN_MSG_REPLYING, 0, iter, true);
	if (n == -ESRCH)		/* the sender was killed while we faulted */
		return -ESRCH;
	if (n == -EREMOTEIO) {		/* the sender's reply buffer: both see EFAULT, as in QNX */
		err = -EFAULT;
		send_err = -EFAULT;
	} else if (n == -EFAULT) {	/* ours */
		err = -QCHAN_ESRVRFAULT;
		send_err = -QCHAN_ESRVRFAULT;
	} else if (n < 0) {		/* we are being killed, or out of memory */
		err = n;
		send_err = n == -ENOMEM ? -ENOMEM : -ESRCH;
	}

	ctx_lock(ctx);
	msg->status = a->status;
	msg->busy--;
	if (!send_err)
		trace_qchan_reply(msg, a->status, n);
	qchan_msg_finish(ctx, msg, send_err);
	ctx_unlock(ctx);
	return err;
}

/*
 * MsgReply/MsgError with validated arguments.  As in QNX, a fault in the
 * server's reply buffers (or its vector) fails the reply and the send with
 * ESRVRFAULT, and a fault in the sender's reply buffer both with EFAULT: the
 * direct tier finds it here; the short tier cannot (the sender copies the
 * reply out after we return), which is why the send checked that part of
 * its buffer first (qchan_check_writable()).
 * A short reply is copied into a kernel buffer before the message is claimed,
 * so the sender never waits on the server's memory and the claim, the copy
 * into the message and the wake-up take one lock hold.
 */
static int qchan_do_reply(struct qchan_ctx *ctx, const struct qchan_msg_reply *a, bool compat)
{
	struct iovec iov_fast[UIO_FASTIOV] __qchan_noinit, *iov = iov_fast;
	u8 stack_buf[QCHAN_STACK_INLINE] __qchan_noinit;
	unsigned int inline_max = READ_ONCE(qchan_inline_max);
	struct qchan_msg *msg;
	struct iov_iter iter;
	void *buf = NULL;
	ssize_t len;
	int err = 0, send_err = 0;

	len = qchan_import_iov_as(ITER_SOURCE, a->iov_ptr, a->parts, &iov, &iter, compat);
	if (len < 0 && len != -EFAULT)
		return len;
	if (a->rcvid <= 0) {
		err = -ESRCH;
		goto out_free_iov;
	}
	if (len < 0) {
		err = -QCHAN_ESRVRFAULT;
		send_err = -QCHAN_ESRVRFAULT;
		len = 0;
		goto claim;
	}
	if (a->flags & QCHAN_REPLY_ERROR) {
		send_err = -a->error;
		len = 0;
		goto claim;
	}

	if (len > min_t(size_t, inline_max, sizeof(stack_buf))) {
		/* Bound the reply by the sender's reply buffers, then pick the tier. */
		bool found = false, direct = false;

		ctx_lock(ctx);
		msg = qchan_rcvid_lookup(ctx, a->rcvid);
		if (msg && msg->state == QCHAN_MSG_RECEIVED) {
			found = true;
			len = min_t(size_t, len, msg->rlen);
			/* An async sender's reply goes through a buffer: it copies it out. */
			direct = !msg->uasync;
		}
		ctx_unlock(ctx);
		if (!found) {
			err = -ESRCH;
			goto out_free_iov;
		}
		if (len > inline_max && direct) {
			err = qchan_reply_direct(ctx, a, &iter);
			goto out_free_iov;
		}
	}
	if (len) {
		trace_qchan_copy_tier(QCHAN_TRACE_REPLY, len, false);
		buf = len <= sizeof(stack_buf) ? stack_buf : kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!buf) {
			err = -ENOMEM;
			send_err = -ENOMEM;
		} else if (qchan_copy_reply_inline(buf, len, &iter)) {
			err = -QCHAN_ESRVRFAULT;
			send_err = -QCHAN_ESRVRFAULT;
		}
	}

claim:
	ctx_lock(ctx);
	msg = qchan_rcvid_lookup(ctx, a->rcvid);
	if (!msg || msg->state != QCHAN_MSG_RECEIVED) {
		ctx_unlock(ctx);
		err = -ESRCH;
		goto out_free_buf;
	}
	if (!send_err && len) {
		len = min_t(size_t, len, msg->rlen);
		if (buf == stack_buf) {
			memcpy(msg->stack_rbuf, stack_buf, len);
			msg->rbuf = msg->stack_rbuf;
		} else {
			msg->rbuf = buf;	/* the sender frees it */
			buf = NULL;
		}
		msg->rbuf_len = len;
	}
	msg->status = a->status;
	if (!send_err)
		trace_qchan_reply(msg, a->status, msg->rbuf_len);
	qchan_msg_finish(ctx, msg, send_err);
	ctx_unlock(ctx);
	/* @msg may be gone now: its sender can return as soon as the lock drops. */
out_free_buf:
	if (buf != stack_buf)
		kvfree(buf);
out_free_iov:
	kfree(iov);
	return err;
}

/*
 * For a batch (batch.c): the reply @a (validated), if short and simple, read
 * from the server's memory into @buf (@room bytes free) without the lock,
 * for qchan_reply_claim_locked().  Returns its length (0 for MsgError), or
 * -ENOSPC when it does not fit in @room, or -EAGAIN when it is not that
 * simple (several parts, a 32-bit caller's vector, longer than the stack
 * tier, a fault, a bad rcvid): qchan_msg_reply_args() gives that one, with
 * its own outcomes.
 */
ssize_t qchan_reply_prepare(const struct qchan_msg_reply *a, void *buf, size_t room)
{
	const struct iovec __user *uiov = u64_to_user_ptr(a->iov_ptr);
	const char __user *base;
	size_t len;

	if (a->rcvid <= 0)
		return -EAGAIN;
	if ((a->flags & QCHAN_REPLY_ERROR) || !a->parts)
		return 0;
	if (a->parts != 1 || in_compat_syscall())
		return -EAGAIN;
	/* Two loads, as qchan_import_iov() reads a one-part vector. */
	if (!user_access_begin(uiov, sizeof(*uiov)))
		return -EAGAIN;
	unsafe_get_user(base, &uiov->iov_base, efault);
	unsafe_get_user(len, &uiov->iov_len, efault);
	user_access_end();
	if (len > min_t(size_t, READ_ONCE(qchan_inline_max), QCHAN_STACK_INLINE))
		return -EAGAIN;
	if (len > room)
		return -ENOSPC;
	if (!len)
		return 0;
	trace_qchan_copy_tier(QCHAN_TRACE_REPLY, len, false);
	if (qchan_read_short(buf, base, len))
		return -EAGAIN;
	qchan_stat_add(bytes_inline, len);
	return len;

efault:
	user_access_end();
	return -EAGAIN;
}

/*
 * Called with ctx->lock held: gives the reply @a that qchan_reply_prepare()
 * read (@len bytes at @buf), as qchan_do_reply()'s claim of a reply in the
 * stack tier.  Returns 0, or -ESRCH when @a->rcvid names no message
 * waiting for a reply.
 */
int qchan_reply_claim_locked(struct qchan_ctx *ctx, const struct qchan_msg_reply *a,
			     const void *buf, size_t len)
{
	int send_err = a->flags & QCHAN_REPLY_ERROR ? -a->error : 0;
	struct qchan_msg *msg = qchan_rcvid_lookup(ctx, a->rcvid);

	if (!msg || msg->state != QCHAN_MSG_RECEIVED)
		return -ESRCH;
	if (len) {
		len = min_t(size_t, len, msg->rlen);
		memcpy(msg->stack_rbuf, buf, len);
		msg->rbuf = msg->stack_rbuf;
		msg->rbuf_len = len;
	}
	msg->status = a->status;
	if (!send_err)
		trace_qchan_reply(msg, a->status, msg->rbuf_len);
	qchan_msg_finish(ctx, msg, send_err);
	return 0;
}

/* MSG_REPLY from a kernel copy of the arguments (uring.c's REPLY_RECEIVE), of the ABI @compat. */
int qchan_msg_reply_args(struct qchan_ctx *ctx, const struct qchan_msg_reply *a, bool compat)
{
	return qchan_reply_validate(a) ?: qchan_do_reply(ctx, a, compat);
}

int qchan_msg_reply(struct qchan_ctx *ctx, struct qchan_msg_reply __user *uarg)
{
	struct qchan_msg_reply a;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	err = qchan_reply_validate(&a);
	return err ?: qchan_do_reply(ctx, &a, in_compat_syscall());
}

static bool qchan_is_restart(int err)
{
	return err == -ERESTARTSYS || err == -ERESTARTNOINTR || err == -ERESTARTNOHAND ||
	       err == -ERESTART_RESTARTBLOCK;
}

int qchan_msg_reply_receive(struct qchan_ctx *ctx, struct qchan_msg_reply_receive __user *uarg)
{
	struct qchan_msg_reply_receive a;
	struct qchan_timeout t;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.pad)
		return -EINVAL;
	err = qchan_receive_validate(&a.receive, &t) ?: qchan_reply_validate(&a.reply);
	if (err)
		return err;

	if (a.reply.rcvid) {
		a.reply_result = qchan_do_reply(ctx, &a.reply, in_compat_syscall());
		if (put_user(a.reply_result, &uarg->reply_result))
			return -EFAULT;
	}
	err = qchan_do_receive(ctx, &a.receive, a.receive.flags & QCHAN_RECEIVE_TIMEOUT ? &t : NULL,
			       &uarg->receive);
	/*
	 * The kernel restarts the call with the arguments as they are in user
	 * memory: a reply already given must not be given again.
	 */
	if (a.reply.rcvid && qchan_is_restart(err) && put_user(0, &uarg->reply.rcvid))
		return -EFAULT;
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
	n = qchan_import_iov(write ? ITER_SOURCE : ITER_DEST, a.iov_ptr, a.parts, &iov, &iter);
	if (n < 0)
		return n == -EFAULT ? -QCHAN_ESRVRFAULT : n;

	msg = qchan_msg_grab(ctx, a.rcvid, QCHAN_MSG_RECEIVED);
	if (!msg) {
		n = -ESRCH;
		goto out_free_iov;
	}
	n = qchan_server_copy(ctx, &msg, a.rcvid, QCHAN_MSG_RECEIVED, a.offset, &iter, write);
	if (msg)
		qchan_msg_ungrab(ctx, msg);

	/* QNX: EFAULT names the sender's buffers, ESRVRFAULT our own. */
	if (n == -EFAULT)
		n = -QCHAN_ESRVRFAULT;
	else if (n == -EREMOTEIO)
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
	msg = qchan_msg_grab(ctx, a.rcvid, QCHAN_MSG_RECEIVED);
	if (!msg)
		return -ESRCH;
	qchan_msg_fill_info(msg, &info);
	qchan_msg_ungrab(ctx, msg);
	return copy_to_user(u64_to_user_ptr(a.info_ptr), &info, sizeof(info)) ? -EFAULT : 0;
}
