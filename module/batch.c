// SPDX-License-Identifier: GPL-2.0
/*
 * QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH: a server's replies to many messages and
 * its next receives in one system call (a qchan extension: QNX has no
 * batched call).  A server with many clients in flight (io_uring senders)
 * otherwise pays a MsgReplyReceive, entry and exit included, per message.
 *
 * Nothing here is a second implementation: each reply is MSG_REPLY's
 * (qchan_msg_reply_args()), the first receive is MSG_RECEIVE's wait
 * (qchan_msg_wait(): blocking, timeout, priority), and the others take
 * what is already queued (qchan_receive_take_rec_locked()), so the
 * receiving thread still does every copy and the queue's priority order
 * holds across the batch.
 *
 * All arguments are copied in and checked before the first reply: a call
 * rejected for its input has changed nothing.
 */
#include <linux/compat.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "prio.h"
#include "qchan.h"
#include "ucopy.h"

#define QCHAN_BATCH_FLAGS \
	(QCHAN_RECEIVE_PULSE_ONLY | QCHAN_RECEIVE_TIMEOUT | QCHAN_BATCH_NO_INFO)
/* Entries the call keeps on its stack; larger batches use the ctx's heap arrays. */
#define QCHAN_BATCH_STACK	8
/* The heap arrays, sized for the largest call: kept by the ctx for its next call. */
#define QCHAN_BATCH_HEAP	(QCHAN_BATCH_MAX * (sizeof(struct qchan_batch_reply) + \
					     sizeof(struct qchan_batch_vec)))

/*
 * What the kernel keeps of a slot: its vector, the rcvid it received, and
 * for a run (qchan_batch_run()) its one-part vector's buffer, once read.
 */
struct qchan_batch_vec {
	u64 iov_ptr;
	u32 parts;
	s32 rcvid;
	void __user *base;
	size_t len;			/* with @base, once @ready */
	bool ready;
	u32 bytes;			/* a run's: copied for the slot */
};

/* A slot's output, as it lies in struct qchan_batch_slot: one copy out. */
struct qchan_batch_out {
	s32 rcvid;
	u32 bytes;
	struct qchan_msg_info info;
};

static_assert(offsetof(struct qchan_batch_slot, bytes) ==
	      offsetof(struct qchan_batch_slot, rcvid) + offsetof(struct qchan_batch_out, bytes));
static_assert(offsetof(struct qchan_batch_slot, info) ==
	      offsetof(struct qchan_batch_slot, rcvid) + offsetof(struct qchan_batch_out, info));
static_assert(sizeof(struct qchan_batch_slot) ==
	      offsetof(struct qchan_batch_slot, rcvid) + sizeof(struct qchan_batch_out));

/*
 * The entries' and slots' fields are read with one user access per array
 * and a load per field: copy_from_user() is a `rep movsb` per byte on a CPU
 * without FSRM, which instruction counts price per byte (~40 a message).
 */
static int qchan_batch_get_replies(const struct qchan_msg_reply_receive_batch *a,
				   struct qchan_batch_reply *replies)
{
	const struct qchan_batch_reply __user *u = u64_to_user_ptr(a->replies_ptr);
	u32 i;

	if (!a->nr_replies)
		return 0;
	if (!user_access_begin(u, array_size(a->nr_replies, sizeof(*u))))
		return -EFAULT;
	for (i = 0; i < a->nr_replies; i++) {
		struct qchan_msg_reply *r = &replies[i].reply;

		unsafe_get_user(r->rcvid, &u[i].reply.rcvid, efault);
		unsafe_get_user(r->flags, &u[i].reply.flags, efault);
		unsafe_get_user(r->status, &u[i].reply.status, efault);
		unsafe_get_user(r->parts, &u[i].reply.parts, efault);
		unsafe_get_user(r->error, &u[i].reply.error, efault);
		unsafe_get_user(r->iov_ptr, &u[i].reply.iov_ptr, efault);
		unsafe_get_user(r->reserved[0], &u[i].reply.reserved[0], efault);
		unsafe_get_user(r->reserved[1], &u[i].reply.reserved[1], efault);
		unsafe_get_user(replies[i].pad, &u[i].pad, efault);
	}
	user_access_end();
	return 0;

efault:
	user_access_end();
	return -EFAULT;
}

/* Read field by field above: a field added to the entry must be read there too. */
static_assert(sizeof(struct qchan_batch_reply) == 56);

static int qchan_batch_get_slots(const struct qchan_msg_reply_receive_batch *a,
				 struct qchan_batch_vec *vecs)
{
	const struct qchan_batch_slot __user *u = u64_to_user_ptr(a->slots_ptr);
	u64 reserved;
	u32 i, flags;

	if (!a->nr_slots)
		return 0;
	if (!user_access_begin(u, array_size(a->nr_slots, sizeof(*u))))
		return -EFAULT;
	for (i = 0; i < a->nr_slots; i++) {
		unsafe_get_user(vecs[i].iov_ptr, &u[i].iov_ptr, efault);
		unsafe_get_user(vecs[i].parts, &u[i].parts, efault);
		unsafe_get_user(flags, &u[i].flags, efault);
		unsafe_get_user(reserved, &u[i].reserved, efault);
		if (flags || reserved || vecs[i].parts > UIO_MAXIOV) {
			user_access_end();
			return -EINVAL;
		}
		vecs[i].rcvid = 0;
		vecs[i].ready = false;
	}
	user_access_end();
	return 0;

efault:
	user_access_end();
	return -EFAULT;
}

static int qchan_batch_copy_in(const struct qchan_msg_reply_receive_batch *a,
			       struct qchan_batch_reply *replies, struct qchan_batch_vec *vecs)
{
	u32 i;
	int err;

	err = qchan_batch_get_replies(a, replies);
	if (err)
		return err;
	for (i = 0; i < a->nr_replies; i++) {
		const struct qchan_msg_reply *r = &replies[i].reply;

		if (replies[i].pad || r->parts > UIO_MAXIOV)
			return -EINVAL;
		err = qchan_reply_validate(r);
		if (err)
			return err;
	}
	return qchan_batch_get_slots(a, vecs);
}

/* The short replies' data a lock hold gives at most (a group of 16-byte replies: 32). */
#define QCHAN_BATCH_REPLY_BUF	512

/*
 * Gives the replies of entries [@from, @to) that qchan_reply_prepare() read
 * into @buf (replies[i].pad: the length + 1; 0 for the others) in one lock
 * hold, in order.
 */
static void qchan_batch_claim(struct qchan_ctx *ctx, struct qchan_batch_reply *replies,
			      u32 from, u32 to, const u8 *buf)
{
	u32 i, off = 0;

	if (from == to)
		return;
	ctx_lock(ctx);
	for (i = from; i < to; i++) {
		u32 len = replies[i].pad;

		if (!len)
			continue;
		replies[i].result = qchan_reply_claim_locked(ctx, &replies[i].reply, buf + off,
							     len - 1);
		off += len - 1;
	}
	ctx_unlock(ctx);
}

/*
 * The reply entries, in order, each one's outcome to its result.  A short
 * reply's data is read from our memory first (no user copy under the lock),
 * and a run of them is given in one lock hold; any other entry in between
 * takes MSG_REPLY's own path, after the run before it.
 */
static noinline_for_stack int qchan_batch_reply_all(struct qchan_ctx *ctx,
						    struct qchan_batch_reply *replies, u32 nr,
						    struct qchan_batch_reply __user *ureplies)
{
	u8 buf[QCHAN_BATCH_REPLY_BUF] __qchan_noinit;
	bool compat = in_compat_syscall();
	u32 i, from = 0, used = 0;
	ssize_t n;

	for (i = 0; i < nr; i++) {
		const struct qchan_msg_reply *r = &replies[i].reply;

		/* pad (checked 0) now carries a prepared reply's length + 1. */
		replies[i].result = 0;
		if (!r->rcvid)
			continue;
		n = qchan_reply_prepare(r, buf + used, sizeof(buf) - used);
		if (n == -ENOSPC) {
			qchan_batch_claim(ctx, replies, from, i, buf);
			from = i;
			used = 0;
			n = qchan_reply_prepare(r, buf, sizeof(buf));
		}
		if (n >= 0) {
			replies[i].pad = n + 1;
			used += n;
			continue;
		}
		qchan_batch_claim(ctx, replies, from, i, buf);
		from = i + 1;
		used = 0;
		replies[i].result = qchan_msg_reply_args(ctx, r, compat);
	}
	qchan_batch_claim(ctx, replies, from, nr, buf);

	/* Every entry is answered even if a result cannot be written back. */
	if (!nr)
		return 0;
	if (!user_access_begin(ureplies, array_size(nr, sizeof(*ureplies))))
		return -EFAULT;
	for (i = 0; i < nr; i++)
		unsafe_put_user(replies[i].result, &ureplies[i].result, efault);
	user_access_end();
	return 0;

efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Called with ctx->lock held: the record of the current thread, which has
 * just received on @chan (qchan_prio_receiving() without ending a pulse's
 * boost, which the batch's own first pulse may have set), or NULL.
 */
static struct qchan_prio *qchan_batch_rec(struct qchan_channel *chan)
{
	struct qchan_prio *rec;

	if (chan->flags & QCHAN_CHF_FIXED_PRIORITY)
		return NULL;
	rec = chan->last_rec;
	if (!rec || rec->pid != task_pid(current))
		rec = qchan_prio_receiving_find(chan->ctx);
	return rec;
}

/*
 * A further message or pulse of the batch, without waiting: as
 * qchan_msg_wait() would take it, held by the thread's record.
 */
static struct qchan_msg *qchan_batch_take(struct qchan_ctx *ctx, struct qchan_channel *chan,
					  bool pulse_only, struct qchan_pulse_data *pulse)
{
	struct qchan_pulse_item *heap;
	struct qchan_prio *rec;
	struct qchan_msg *msg;
	bool apply;

	qchan_rcvids_maybe_grow(ctx);
	ctx_lock(ctx);
	rec = qchan_batch_rec(chan);
	msg = qchan_receive_take_rec_locked(ctx, chan, pulse_only, rec, pulse, &heap, &apply);
	ctx_unlock(ctx);
	if (heap)
		qchan_pulse_free(heap);
	if (unlikely(apply))
		qchan_prio_apply(ctx, rec);
	return msg;
}

/*
 * A slot's rcvid and bytes (and info when wanted) to user @uslot; without
 * info two stores in one user access rather than a copy routine.
 */
static int qchan_batch_put_out(struct qchan_batch_slot __user *uslot,
			       const struct qchan_batch_out *out, bool info)
{
	if (info)
		return copy_to_user(&uslot->rcvid, out, sizeof(*out)) ? -EFAULT : 0;
	if (!user_access_begin(&uslot->rcvid, offsetof(struct qchan_batch_out, info)))
		return -EFAULT;
	unsafe_put_user(out->rcvid, &uslot->rcvid, efault);
	unsafe_put_user(out->bytes, &uslot->bytes, efault);
	user_access_end();
	return 0;

efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Receives into slot @vec (user @uslot): the first one waits, the others
 * only take what is queued.  Returns 1 when the slot was filled, or -errno
 * (-EAGAIN: nothing queued).
 */
static int qchan_batch_receive_one(struct qchan_ctx *ctx, struct qchan_channel *chan,
				   const struct qchan_msg_reply_receive_batch *a,
				   const struct qchan_timeout *t, bool first,
				   struct qchan_batch_vec *vec,
				   struct qchan_batch_slot __user *uslot)
{
	struct iovec iov_fast[UIO_FASTIOV] __qchan_noinit, *iov = iov_fast;
	bool pulse_only = a->flags & QCHAN_RECEIVE_PULSE_ONLY;
	bool info = !(a->flags & QCHAN_BATCH_NO_INFO);
	struct iov_iter iter, iter_start;
	/* Written before they are read: no per-slot zero-fill (CONFIG_INIT_STACK_ALL_ZERO). */
	struct qchan_pulse_data pulse __qchan_noinit;
	struct qchan_batch_out out __qchan_noinit;
	struct qchan_msg *msg;
	ssize_t n;
	int err;

	n = qchan_import_iov(ITER_DEST, vec->iov_ptr, vec->parts, &iov, &iter);
	if (n < 0)
		return n;
	iter_start = iter;
	for (;;) {
		msg = first ? qchan_msg_wait(ctx, chan, pulse_only, t, &pulse) :
			      qchan_batch_take(ctx, chan, pulse_only, &pulse);
		if (IS_ERR(msg)) {
			err = PTR_ERR(msg);
			goto out_free_iov;
		}
		if (!msg) {
			n = qchan_pulse_deliver(&pulse, &iter);
			out.rcvid = 0;
			out.bytes = n;
			/* A pulse leaves info alone, as MSG_RECEIVE does. */
			err = n < 0 || qchan_batch_put_out(uslot, &out, false) ? -EFAULT : 1;
			goto out_free_iov;
		}
		out.rcvid = msg->rcvid;
		n = qchan_receive_copy_msg(ctx, msg, &iter, info ? &out.info : NULL);
		if (n != -EAGAIN)
			break;
		/* The sender went away or its buffer faulted: take the next one. */
		iter = iter_start;
	}
	if (n < 0) {
		err = n;
		goto out_free_iov;
	}
	out.bytes = n;
	/* Our own memory again: the sender no longer waits for these writes. */
	if (qchan_batch_put_out(uslot, &out, info)) {
		qchan_rcvid_fail(ctx, out.rcvid, -QCHAN_ESRVRFAULT);
		err = -EFAULT;
	} else {
		vec->rcvid = out.rcvid;
		err = 1;
	}
out_free_iov:
	kfree(iov);
	return err;
}

/* Slots a run fills at most, and the bytes it stages for them. */
#define QCHAN_BATCH_RUN		16
#define QCHAN_BATCH_STAGE	512

/* Reads slot @vec's one-part vector for a run (no lock held): false if it has another form. */
static bool qchan_batch_vec_ready(struct qchan_batch_vec *vec)
{
	struct iovec iov;

	if (vec->ready)
		return true;
	if (vec->parts != 1 || qchan_get_iovec(&iov, u64_to_user_ptr(vec->iov_ptr)))
		return false;
	vec->base = iov.iov_base;
	vec->len = iov.iov_len;
	vec->ready = vec->len <= SSIZE_MAX;
	return vec->ready;
}

/*
 * Fills slots @i.. with a run: the short messages queued next, taken and
 * copied into a kernel buffer in one lock hold, then written to the slots'
 * buffers, outside the lock, with nothing held (no sender waits for our
 * faults).  A slot that faults fails its message as a receive would
 * (-QCHAN_ESRVRFAULT) and gives back those staged behind it unseen.
 * Returns the slots filled; *@err: -EAGAIN (nothing queued), -EFAULT, or
 * 0 (go on: a run again, or the slot path for a pulse, a long message, a
 * slot of another form).
 */
static noinline_for_stack u32 qchan_batch_run(struct qchan_ctx *ctx, struct qchan_channel *chan,
					      struct qchan_batch_vec *vecs, u32 i, u32 nr,
					      struct qchan_batch_slot __user *uslots, int *err)
{
	u8 buf[QCHAN_BATCH_STAGE] __qchan_noinit;
	struct qchan_prio *rec, *boost;
	u32 end, j, k, used = 0;
	bool apply = false;
	ssize_t n = 0;

	*err = 0;
	end = min(nr, i + QCHAN_BATCH_RUN);
	for (j = i; j < end; j++)
		if (!qchan_batch_vec_ready(&vecs[j]))
			break;
	end = j;
	if (end == i)
		return 0;

	qchan_rcvids_maybe_grow(ctx);
	ctx_lock(ctx);
	rec = qchan_batch_rec(chan);
	for (j = i; j < end; j++) {
		n = qchan_receive_take_inline_locked(ctx, chan, rec, buf + used, vecs[j].len,
						     sizeof(buf) - used, &vecs[j].rcvid, &apply);
		if (n < 0)
			break;
		vecs[j].bytes = n;
		used += n;
	}
	ctx_unlock(ctx);
	if (unlikely(apply))
		qchan_prio_apply(ctx, rec);
	if (j == i && n == -EAGAIN)
		*err = -EAGAIN;

	used = 0;
	for (k = i; k < j; k++) {
		struct qchan_batch_slot __user *u = &uslots[k];
		u32 bytes = vecs[k].bytes;

		/* Bounds are ours (@buf): no hardened-usercopy walk of the stack per slot. */
		if (!user_access_begin(vecs[k].base, bytes))
			goto efault;
		unsafe_copy_to_user(vecs[k].base, buf + used, bytes, efault_end);
		user_access_end();
		used += bytes;
		if (!user_access_begin(&u->rcvid, offsetof(struct qchan_batch_out, info)))
			goto efault;
		unsafe_put_user(vecs[k].rcvid, &u->rcvid, efault_end);
		unsafe_put_user(bytes, &u->bytes, efault_end);
		user_access_end();
	}
	return j - i;

efault_end:
	user_access_end();
efault:
	*err = -EFAULT;
	/* Our buffer: the sender learns the server faulted, as from a receive's copy. */
	qchan_rcvid_fail(ctx, vecs[k].rcvid, -QCHAN_ESRVRFAULT);
	if (k + 1 < j) {
		ctx_lock(ctx);
		for (end = k + 1; end < j; end++)
			qchan_rcvid_untake_locked(ctx, vecs[end].rcvid);
		boost = qchan_channel_hand_queued_locked(chan);
		ctx_unlock(ctx);
		if (boost)
			qchan_prio_apply(ctx, boost);
	}
	return k - i;
}

/* Fills slots until one stays empty; only the first may wait. */
static int qchan_batch_receive(struct qchan_ctx *ctx, struct qchan_channel *chan,
			       const struct qchan_msg_reply_receive_batch *a,
			       const struct qchan_timeout *t, struct qchan_batch_vec *vecs,
			       u32 *received)
{
	struct qchan_batch_slot __user *uslots = u64_to_user_ptr(a->slots_ptr);
	/* Runs: messages without info, in a 64-bit caller's layout of the vectors. */
	bool runs = (a->flags & (QCHAN_BATCH_NO_INFO | QCHAN_RECEIVE_PULSE_ONLY)) ==
		    QCHAN_BATCH_NO_INFO && !in_compat_syscall();
	u32 i = 0, m;
	int err = 0;

	while (i < a->nr_slots) {
		if (i && runs) {
			m = qchan_batch_run(ctx, chan, vecs, i, a->nr_slots, uslots, &err);
			i += m;
			if (err)
				break;
			if (m)
				continue;
		}
		err = qchan_batch_receive_one(ctx, chan, a, t, i == 0, &vecs[i], &uslots[i]);
		if (err < 0)
			break;
		i++;
	}
	*received = i;
	/*
	 * After the first, whatever stops the batch (nothing queued, a fault in
	 * a later slot, a fatal signal) leaves the slots filled so far to the
	 * caller: their senders are REPLY-blocked on us now.
	 */
	return i ? 0 : err;
}

static bool qchan_is_restart_err(int err)
{
	return err == -ERESTARTSYS || err == -ERESTARTNOINTR || err == -ERESTARTNOHAND ||
	       err == -ERESTART_RESTARTBLOCK;
}

int qchan_msg_reply_receive_batch(struct qchan_ctx *ctx,
				  struct qchan_msg_reply_receive_batch __user *uarg)
{
	/* Filled from user memory before any read, up to the counts. */
	struct qchan_batch_reply replies_fast[QCHAN_BATCH_STACK] __qchan_noinit;
	struct qchan_batch_vec vecs_fast[QCHAN_BATCH_STACK] __qchan_noinit;
	struct qchan_batch_reply *replies = replies_fast;
	struct qchan_batch_vec *vecs = vecs_fast;
	/* Written before they are read (@t only with QCHAN_RECEIVE_TIMEOUT). */
	struct qchan_msg_reply_receive_batch a __qchan_noinit;
	struct qchan_channel *chan = NULL;
	struct qchan_timeout t __qchan_noinit;
	u32 received = 0;
	void *heap = NULL;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_BATCH_FLAGS) || memchr_inv(a.reserved, 0, sizeof(a.reserved)) ||
	    a.nr_replies > QCHAN_BATCH_MAX || a.nr_slots > QCHAN_BATCH_MAX)
		return -EINVAL;
	err = qchan_timeout_import(a.flags & QCHAN_RECEIVE_TIMEOUT, a.timeout, a.timeout_clock, &t);
	if (err)
		return err;
	if (a.nr_replies > QCHAN_BATCH_STACK || a.nr_slots > QCHAN_BATCH_STACK) {
		/*
		 * Both arrays in one block, the ctx's from its last call: a
		 * kmalloc() per call is zero-filled (init_on_alloc, on in
		 * Debian's kernels), 3 KiB at 32 entries and slots, which icount
		 * prices at ~130 instructions a message.  Every field is
		 * written before it is read.  Another thread's concurrent call
		 * allocates its own.
		 */
		heap = xchg(&ctx->batch_heap, NULL);
		if (!heap)
			heap = kmalloc(QCHAN_BATCH_HEAP, GFP_KERNEL_ACCOUNT);
		if (!heap)
			return -ENOMEM;
		replies = heap;
		vecs = heap + array_size(a.nr_replies, sizeof(*replies));
	}
	err = qchan_batch_copy_in(&a, replies, vecs);
	if (err)
		goto out_free;
	if (a.nr_slots) {
		chan = qchan_channel_get(ctx, a.chid);
		if (!chan) {
			err = -ESRCH;
			goto out_free;
		}
	}

	/* Where the count goes must be writable: found now, not with messages in hand. */
	if (put_user(0, &uarg->nr_received)) {
		err = -EFAULT;
		goto out_put_chan;
	}

	/* From here on the call acts: the replies first, whatever the receive does. */
	err = qchan_batch_reply_all(ctx, replies, a.nr_replies, u64_to_user_ptr(a.replies_ptr));
	if (err || !chan)
		goto out_put_chan;
	err = qchan_batch_receive(ctx, chan, &a, a.flags & QCHAN_RECEIVE_TIMEOUT ? &t : NULL,
				  vecs, &received);
	/* A restarted call must not reply again (the kernel re-reads our block). */
	if (a.nr_replies && qchan_is_restart_err(err) && put_user(0, &uarg->nr_replies))
		err = -EFAULT;
	if (!err && put_user(received, &uarg->nr_received)) {
		/* Nobody will learn these rcvids: their senders must not wait for us. */
		while (received--)
			qchan_rcvid_fail(ctx, vecs[received].rcvid, -QCHAN_ESRVRFAULT);
		err = -EFAULT;
	}
out_put_chan:
	if (chan)
		qchan_channel_put(chan);
out_free:
	if (heap && cmpxchg(&ctx->batch_heap, NULL, heap))
		kfree(heap);
	return err;
}
