// SPDX-License-Identifier: GPL-2.0
/*
 * QCHAN_UCMD_SEND_BATCH: several io_uring SENDs under one command.
 *
 * Each send of the batch is one of uring.c's async SENDs (a struct
 * qchan_uasync, ua->batch set), queued, received, replied to, timed out and
 * cancelled exactly as a single one: the message engine cannot tell them
 * apart.  What the batch shares is the work around them, which is most of
 * an async send's cost (docs/PERFORMANCE.md, "Fourth round"): one SQE and
 * one issue, one round trip of ctx->uring_lock to take the commands from
 * the cache and one to list them all, one ctx->lock hold for consecutive
 * sends to one server, one connection lookup per distinct coid, and on the
 * way back one task work, run when the last send ends, that copies every
 * reply out and posts the one CQE.
 *
 * The sends of a batch are listed on ctx->uring_cmds together (one hold of
 * uring_lock) and unlisted together by the batch's completion, so whoever
 * finds one there under uring_lock finds them all: CANCEL, the ring's
 * cancel call and the ctx's end cancel each as uring.c would, and the reap
 * work sees each as a command of the batch's io_uring_cmd.  b->pending
 * counts the sends not yet ended plus one for the issue while it queues
 * them: whoever takes it to zero completes the batch.
 */
#include <linux/overflow.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "qchan.h"
#include "ucopy.h"
#include "uring.h"

struct qchan_usbatch {
	struct io_uring_cmd *cmd;
	struct qchan_ctx *ctx;			/* the submitter's; each send holds a reference */
	s32 __user *uresults;
	atomic_t pending;			/* sends not ended, + 1 while the issue queues */
	u32 count;
	u32 nr_listed;				/* sends listed (not failed at post) */
	struct qchan_uasync *ua[];
};

/* The batch's commands, from the ctx's cache with one lock round trip, the rest allocated. */
static int qchan_usbatch_alloc(struct qchan_usbatch *b, bool compat)
{
	struct qchan_ctx *ctx = b->ctx;
	u32 i, n = 0;

	spin_lock(&ctx->uring_lock);
	while (n < b->count && ctx->uring_free) {
		b->ua[n++] = ctx->uring_free;
		ctx->uring_free = ctx->uring_free->free_next;
		ctx->uring_nfree--;
	}
	spin_unlock(&ctx->uring_lock);
	for (; n < b->count; n++) {
		b->ua[n] = kmalloc(sizeof(*b->ua[n]), GFP_KERNEL_ACCOUNT);
		if (!b->ua[n]) {
			while (n--)
				kfree(b->ua[n]);
			return -ENOMEM;
		}
	}
	for (i = 0; i < b->count; i++) {
		qchan_uasync_init(b->ua[i], ctx, b->cmd, true, compat);
		b->ua[i]->batch = b;
	}
	return 0;
}

/* Frees the batch and its commands (unlisted), back into the cache with one lock round trip. */
static void qchan_usbatch_free(struct qchan_usbatch *b)
{
	struct qchan_ctx *ctx = b->ctx;
	u32 i, count = b->count;

	for (i = 0; i < count; i++)
		qchan_uasync_release(b->ua[i]);
	spin_lock(&ctx->uring_lock);
	for (i = 0; i < count && !ctx->uring_closed && ctx->uring_nfree < QCHAN_UA_CACHE; i++) {
		b->ua[i]->free_next = ctx->uring_free;
		ctx->uring_free = b->ua[i];
		ctx->uring_nfree++;
	}
	spin_unlock(&ctx->uring_lock);
	for (; i < count; i++)
		kfree(b->ua[i]);
	kfree(b);
	/* One reference per command: the last may free the ctx. */
	for (i = 0; i < count; i++)
		qchan_ctx_put(ctx);
}

/* Each send's result (kept in its message's error) to the results array, in one user access. */
static int qchan_usbatch_results_out(struct qchan_usbatch *b)
{
	u32 i;

	if (!user_write_access_begin(b->uresults, b->count * sizeof(s32)))
		return -EFAULT;
	for (i = 0; i < b->count; i++)
		unsafe_put_user(b->ua[i]->s.msg.error, &b->uresults[i], efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * Posts the batch's CQE: from its task work, or from the issue when no
 * send was queued.  Every reply, status and result is written first.
 */
static void qchan_usbatch_finish(struct qchan_usbatch *b, unsigned int issue_flags)
{
	struct qchan_ctx *ctx = b->ctx;
	int res = -ECANCELED;
	u32 i;

	/* Else the submitting thread is gone: nothing is copied, as for a single SEND. */
	if (qchan_uring_in_submitter(b->ua[0])) {
		for (i = 0; i < b->count; i++)
			b->ua[i]->s.msg.error = qchan_uring_send_out(b->ua[i]);
		res = qchan_usbatch_results_out(b);
	}
	if (b->nr_listed) {
		spin_lock(&ctx->uring_lock);
		for (i = 0; i < b->count; i++)
			hlist_del_init(&b->ua[i]->node);
		spin_unlock(&ctx->uring_lock);
		atomic_sub(b->nr_listed, &qchan_stats.uring_cmds);
	}
	io_uring_cmd_done(b->cmd, res, 0, issue_flags);
	qchan_usbatch_free(b);
}

static void qchan_usbatch_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct qchan_uasync *ua = *qchan_uring_pdu(cmd);

	qchan_usbatch_finish(ua->batch, issue_flags);
}

/* Called with the engine's ctx->lock held (uring.c): a send of the batch has ended. */
void qchan_usbatch_send_done(struct qchan_uasync *ua)
{
	struct qchan_usbatch *b = ua->batch;

	/* The last one: no wake-up before the waiter wants one, as for a single SEND. */
	if (atomic_dec_and_test(&b->pending))
		qchan_uring_complete_lazy(b->cmd, qchan_usbatch_tw);
}

/*
 * Called with ctx->uring_lock held, the batch found listed: ends each of
 * its sends as qchan_uring_cancel() ends a single one (@user: CANCEL, as a
 * signal; else the ring or the ctx going).  Those that failed at post were
 * never listed and have ended.
 */
void qchan_usbatch_cancel(struct qchan_usbatch *b, bool user)
{
	u32 i;

	for (i = 0; i < b->count; i++)
		if (!hlist_unhashed(&b->ua[i]->node))
			qchan_uring_cancel(b->ua[i], -ECANCELED, user);
}

/* The connection of an earlier send of the batch to @coid, referenced again, or NULL. */
static struct qchan_conn *qchan_usbatch_conn_again(struct qchan_usbatch *b, u32 n, int coid)
{
	while (n--) {
		struct qchan_msg *msg = &b->ua[n]->s.msg;

		if (msg->coid == coid) {
			kref_get(&msg->conn->ref);
			return msg->conn;
		}
	}
	return NULL;
}

/* Each entry's checks, vectors, data and connection: nothing is queued yet. */
static int qchan_usbatch_setup(struct qchan_usbatch *b, struct qchan_msg_send __user *usends)
{
	struct qchan_msg_send a;
	struct qchan_timeout t;
	struct qchan_conn *conn;
	u32 i;
	int err;

	for (i = 0; i < b->count; i++) {
		struct qchan_uasync *ua = b->ua[i];

		err = qchan_send_args_get(&a, &usends[i]);
		if (err)
			return err;
		err = qchan_uring_send_check(&a, &t);
		if (err)
			return err;
		conn = qchan_usbatch_conn_again(b, i, a.coid);
		if (!conn) {
			conn = qchan_conn_get(b->ctx, a.coid);
			if (IS_ERR(conn))
				return PTR_ERR(conn);
		}
		err = qchan_uring_send_setup(ua, &usends[i], &a, &t, conn);
		if (err)
			return err;
		/* Set again with the sender: here for qchan_usbatch_conn_again(). */
		ua->s.msg.coid = a.coid;
		/* A destroyed channel fails the batch; one that dies from here on, its send. */
		if (READ_ONCE(conn->chan->dead))
			return -EBADF;
	}
	return 0;
}

/*
 * Called with uring_lock and the server's ctx->lock held: lists and posts
 * one send of the batch.  Returns whether it was handed straight to a
 * waiting receiver.
 */
static bool qchan_usbatch_post_one(struct qchan_usbatch *b, struct qchan_uasync *ua)
{
	struct qchan_msg *msg = &ua->s.msg;
	struct qchan_prio *boost;
	bool handed;

	if (msg->chan->dead) {
		/* As MsgSend: the connection's channel is gone.  Never listed. */
		msg->error = -EBADF;
		ua->ready = true;
		atomic_dec(&b->pending);
		return false;
	}
	hlist_add_head(&ua->node, &b->ctx->uring_cmds);
	b->nr_listed++;
	qchan_wait_stamp(&msg->since);
	/* No inheritance (kprio NONE): never a server to raise. */
	handed = qchan_msg_post_locked(msg, &boost);
	qchan_uring_timer_start(ua);
	return handed;
}

/*
 * Called with uring_lock held: lists and posts every send, in array order,
 * with one hold of a server's ctx->lock for consecutive sends to it.
 * Returns the number handed straight to a waiting receiver.
 */
static u32 qchan_usbatch_post(struct qchan_usbatch *b)
{
	u32 i = 0, end, handed = 0;

	while (i < b->count) {
		struct qchan_ctx *sctx = b->ua[i]->s.msg.chan->ctx;

		for (end = i + 1; end < b->count && b->ua[end]->s.msg.chan->ctx == sctx; end++)
			;
		ctx_lock(sctx);
		for (; i < end; i++)
			handed += qchan_usbatch_post_one(b, b->ua[i]);
		ctx_unlock(sctx);
	}
	return handed;
}

int qchan_usbatch_send(struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
		       struct qchan_uring_send_batch __user *uarg, unsigned int issue_flags)
{
	struct qchan_uring_send_batch ba;
	struct qchan_ctx *grown = NULL;
	struct qchan_usbatch *b;
	u32 i, handed;
	int err;

	if (copy_from_user(&ba, uarg, sizeof(ba)))
		return -EFAULT;
	if (ba.flags || ba.reserved[0] || ba.reserved[1] || !ba.count ||
	    ba.count > QCHAN_SEND_BATCH_MAX)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(ba.results_ptr), ba.count * sizeof(s32)))
		return -EFAULT;
	b = kmalloc(struct_size(b, ua, ba.count), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	b->count = ba.count;
	b->cmd = cmd;
	b->ctx = ctx;
	b->uresults = u64_to_user_ptr(ba.results_ptr);
	atomic_set(&b->pending, ba.count + 1);
	b->nr_listed = 0;
	err = qchan_usbatch_alloc(b, qchan_uring_compat(cmd, issue_flags));
	if (err) {
		kfree(b);
		return err;
	}
	err = qchan_usbatch_setup(b, u64_to_user_ptr(ba.sends_ptr));
	if (err) {
		qchan_usbatch_free(b);
		return err;
	}
	*qchan_uring_pdu(cmd) = b->ua[0];

	if (atomic_add_return(b->count, &ctx->nr_queued) >
	    min(READ_ONCE(qchan_max_queued), QCHAN_RCVID_SEQ_MASK - 1)) {
		atomic_sub(b->count, &ctx->nr_queued);
		/* In the CQE, as for SEND: returned, io_uring would issue it again (a worker). */
		err = -EAGAIN;
		goto err_done;
	}
	for (i = 0; i < b->count; i++)
		qchan_uring_send_sender(&b->ua[i]->s.msg, b->ua[i]->s.msg.coid);

	/* From here on the CQE comes through io_uring_cmd_done() only. */
	qchan_uring_mark_cancelable(cmd, issue_flags);
	/* The posts may bind rcvids of the servers' ctxs: grow their hashes before any lock. */
	for (i = 0; i < b->count; i++) {
		struct qchan_ctx *sctx = b->ua[i]->s.msg.chan->ctx;

		if (sctx != grown) {
			qchan_rcvids_maybe_grow(sctx);
			grown = sctx;
		}
	}
	/* Listed and posted in one go: a cancel never sees a message that is neither. */
	spin_lock(&ctx->uring_lock);
	if (ctx->uring_closed) {
		spin_unlock(&ctx->uring_lock);
		err = -EBADF;
		goto err_done;
	}
	handed = qchan_usbatch_post(b);
	atomic_add(b->nr_listed, &qchan_stats.uring_cmds);
	qchan_uring_reap_arm(ctx);
	spin_unlock(&ctx->uring_lock);
	atomic_long_add(handed, &qchan_stats.uring_sends_handed);
	atomic_long_add(b->nr_listed - handed, &qchan_stats.uring_sends_queued);
	/* The issue's own count: the batch may be completed and freed from here on. */
	if (atomic_dec_and_test(&b->pending))
		qchan_usbatch_finish(b, issue_flags);
	return -EIOCBQUEUED;

err_done:
	io_uring_cmd_done(cmd, err, 0, issue_flags);
	qchan_usbatch_free(b);
	return -EIOCBQUEUED;
}
