/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What msg.c (the message state machine and the send side) and server.c (the
 * server thread's side) share beyond qchan.h.  The two inline ones sit on
 * every message's path, which is why they were not turned into calls when
 * the one file was split in two.
 */
#ifndef QCHAN_MSG_H
#define QCHAN_MSG_H

#include <linux/sched.h>

#include "qchan.h"

/* Called with ctx->lock held. */
static inline struct qchan_msg *qchan_rcvid_lookup(struct qchan_ctx *ctx, int rcvid)
{
	struct qchan_msg *msg;

	hlist_for_each_entry(msg, qchan_rcvid_bucket(ctx, rcvid), rcvid_node)
		if (msg->rcvid == rcvid)
			return msg;
	return NULL;
}

/*
 * Called with ctx->lock held: wakes the message's waiter if it can move on:
 * the message is finished, or it waits to park or to leave, and no server
 * thread copies its memory.
 */
static inline void qchan_msg_maybe_release(struct qchan_msg *msg)
{
	if (unlikely(msg->uasync)) {	/* no thread waits: the sender's CQE (uring.c) */
		if (!msg->busy && msg->state == QCHAN_MSG_DONE)
			qchan_uring_send_done(msg);
		return;
	}
	if (!msg->busy && msg->waiter &&
	    (msg->state == QCHAN_MSG_DONE || msg->parking || msg->leaving)) {
		if (unlikely(READ_ONCE(qchan_reply_wake)) && msg->state == QCHAN_MSG_DONE)
			qchan_wake_finished(msg);
		else
			wake_up_process(msg->waiter);
	}
}

void qchan_msg_bind(struct qchan_ctx *ctx, struct qchan_msg *msg);

#endif /* QCHAN_MSG_H */
