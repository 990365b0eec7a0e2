/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What uring.c (the io_uring commands) shares with usbatch.c (SEND_BATCH,
 * whose sends are uring.c's SENDs under one command): the command struct and
 * the steps of a SEND.
 */
#ifndef QCHAN_URING_H
#define QCHAN_URING_H

#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/uio.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "qchan.h"

struct qchan_usbatch;

struct qchan_uasync {
	/*
	 * In ctx->uring_cmds, under ctx->uring_lock: an hlist, whose adds and
	 * deletes are not checked as a list's are (CONFIG_DEBUG_LIST, on in
	 * Debian's kernels: ~30 instructions each, docs/PERFORMANCE.md).
	 */
	struct hlist_node node;
	struct qchan_uasync *free_next;	/* in ctx->uring_free, under ctx->uring_lock */
	struct qchan_ctx *ctx;		/* the submitter's; referenced */
	struct io_uring_cmd *cmd;
	struct mm_struct *mm;		/* the submitter's: compared, never dereferenced */
	struct qchan_usbatch *batch;	/* a SEND of a SEND_BATCH (usbatch.c), or NULL */
	bool send;
	bool ring_cancel;		/* under uring_lock: the ring went, cancelled once */
	/* Under the channel owner's ctx->lock: */
	bool waiting;			/* RECEIVE: on chan->receivers */
	bool ready;			/* the completion's task work is queued */
	bool canceled;			/* RECEIVE: do not wait again */
	bool claim;			/* RECEIVE: handed a blocking send, which may be revoked */
	bool compat;			/* a 32-bit submitter: compat vectors and pulses */
	bool timed;			/* @tmo, @timer and @twork are set up */
	union {
		struct {		/* SEND */
			struct qchan_msg_send __user *uarg;
			/*
			 * MsgWrite: a staging copy of the reply buffers
			 * (rlen bytes) and which bytes were written,
			 * allocated at the first write.
			 */
			u8 *wbuf;
			unsigned long *wmap;
			struct qchan_msg msg;
		} s;
		struct {		/* RECEIVE */
			struct qchan_msg_receive __user *uarg;
			struct qchan_msg_receive a;
			struct qchan_channel *chan;
			struct qchan_receiver r;
			struct iovec *iov;
			size_t len;
			bool counted;	/* in chan->nr_posted */
		} r;
	};
	/*
	 * Not zeroed at allocation: the message's inline buffers above, and
	 * what follows, which is set up before it is read.  The command's
	 * timeout (QCHAN_SEND_TIMEOUT_*, QCHAN_RECEIVE_TIMEOUT), if @timed:
	 */
	struct qchan_timeout tmo;
	struct hrtimer timer;		/* fires at the deadline: queues @twork */
	struct work_struct twork;	/* takes the engine's lock and times the command out */
	struct iovec siov_fast[UIO_FASTIOV];
	struct iovec riov_fast[UIO_FASTIOV];
};

/*
 * What is zeroed of a new command's union: not the message's buffers
 * (written before they are read), which are most of its size, nor the
 * timeout's fields after the union.  Each 8 bytes zeroed is an instruction
 * on every command (docs/PERFORMANCE.md, "Third round: the client").
 */
#define QCHAN_UA_ZERO_SEND	offsetof(struct qchan_uasync, s.msg.stack_sbuf)
#define QCHAN_UA_ZERO_RECEIVE	(offsetof(struct qchan_uasync, r) + \
				 sizeof_field(struct qchan_uasync, r))
#define QCHAN_UA_ZERO_FROM	offsetof(struct qchan_uasync, s)

static inline struct qchan_uasync **qchan_uring_pdu(struct io_uring_cmd *cmd)
{
	BUILD_BUG_ON(sizeof(struct qchan_uasync *) > sizeof(cmd->pdu));
	return (struct qchan_uasync **)cmd->pdu;
}

/* May the completion copy to and from the submitter's memory? */
static inline bool qchan_uring_in_submitter(const struct qchan_uasync *ua)
{
	return !(current->flags & (PF_EXITING | PF_KTHREAD)) && current->mm == ua->mm;
}

/*
 * Freed commands a ctx keeps for its next ones: a command is ~1.2 KiB
 * (kmalloc-2k, accounted), whose allocation cost more than the rest of an
 * async send's issue (docs/PERFORMANCE.md, "io_uring commands").  Enough
 * for a few submitters keeping 8 in flight each; the cache is dropped when
 * the ctx shuts down.
 */
#define QCHAN_UA_CACHE	32

void qchan_uasync_init(struct qchan_uasync *ua, struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
		       bool send, bool compat);
void qchan_uasync_release(struct qchan_uasync *ua);
void __qchan_uring_reap_arm(struct qchan_ctx *ctx);

/* Pending already on every command but the first: the check without a call. */
static inline void qchan_uring_reap_arm(struct qchan_ctx *ctx)
{
	if (!delayed_work_pending(&ctx->uring_reap))
		__qchan_uring_reap_arm(ctx);
}

void qchan_uring_cancel(struct qchan_uasync *ua, int error, bool user);
void qchan_uring_timer_init(struct qchan_uasync *ua, const struct qchan_timeout *t);
void qchan_uring_timer_start(struct qchan_uasync *ua);
int qchan_uring_send_check(const struct qchan_msg_send *a, struct qchan_timeout *t);
int qchan_uring_send_setup(struct qchan_uasync *ua, struct qchan_msg_send __user *uarg,
			   const struct qchan_msg_send *a, const struct qchan_timeout *t,
			   struct qchan_conn *conn);
void qchan_uring_send_sender(struct qchan_msg *msg, int coid);
int qchan_uring_send_out(struct qchan_uasync *ua);

/* usbatch.c: QCHAN_UCMD_SEND_BATCH */
int qchan_usbatch_send(struct qchan_ctx *ctx, struct io_uring_cmd *cmd,
		       struct qchan_uring_send_batch __user *uarg, unsigned int issue_flags);
void qchan_usbatch_send_done(struct qchan_uasync *ua);
void qchan_usbatch_cancel(struct qchan_usbatch *b, bool user);

#endif /* QCHAN_URING_H */
