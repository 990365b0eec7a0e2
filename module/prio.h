/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Priority inheritance (prio.c): the per-thread record and the checks the
 * message hot path makes on every send and receive.  They are inline here
 * because in the common case (no boost: sender and server at the same
 * priority) each is a load or two and a compare, which an out-of-line call
 * (with its return thunk) costs more than; the slow paths stay in prio.c.
 */
#ifndef QCHAN_PRIO_H
#define QCHAN_PRIO_H

#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/sched.h>

#include "qchan.h"

struct qchan_sched {
	int policy;
	int rt_priority;
	int nice;
	bool reset_on_fork;
};

struct qchan_prio {
	struct hlist_node node;		/* ctx->prios, under ctx->lock */
	struct pid *pid;		/* the server thread's; referenced (not its task: small) */
	int pending;			/* a pulse's boost until the next receive; ctx->lock */
	bool sending;			/* the thread waits in a MsgSend of its own */
	int applied;			/* the wish last applied, QCHAN_KPRIO_NONE if none */
	/*
	 * The messages it holds (RECEIVED/REPLYING, bound to it), counted by
	 * kprio, and the kprios counted: the best is one find_first_bit(), not
	 * a walk of the ctx's rcvids (thousands of REPLY-blocked clients).
	 * Under ctx->lock.
	 */
	unsigned int held[QCHAN_KPRIO_NONE];
	DECLARE_BITMAP(held_map, QCHAN_KPRIO_NONE);
	struct mutex apply_lock;	/* the fields below, and changes to task's scheduling */
	bool boosted;			/* task runs with @set, its own being @base */
	struct qchan_sched base;
	struct qchan_sched set;
};

int qchan_prio_want(struct qchan_ctx *ctx, struct qchan_prio *rec);
struct qchan_prio *qchan_prio_receiving_find(struct qchan_ctx *ctx);
struct qchan_prio *qchan_prio_send_begin_slow(struct qchan_ctx *ctx);

/* Called with ctx->lock held: @msg, hashed under its rcvid, counts for @rec now. */
static inline void qchan_prio_hold(struct qchan_prio *rec, struct qchan_msg *msg)
{
	msg->prio_held = true;
	if (msg->kprio < QCHAN_KPRIO_NONE && !rec->held[msg->kprio]++)
		__set_bit(msg->kprio, rec->held_map);
}

/* Called with ctx->lock held: @msg leaves its rcvid (or changes kprio), it stops counting. */
static inline void qchan_prio_unhold(struct qchan_msg *msg)
{
	struct qchan_prio *rec = msg->prio_rec;

	if (!msg->prio_held)
		return;
	msg->prio_held = false;
	if (msg->kprio < QCHAN_KPRIO_NONE && !--rec->held[msg->kprio])
		__clear_bit(msg->kprio, rec->held_map);
}

/* A sender whose message @msg is over: its server may have to come down. */
static inline void qchan_prio_msg_done(struct qchan_msg *msg)
{
	struct qchan_prio *rec = msg->prio_rec;

	if (rec && READ_ONCE(rec->applied) != QCHAN_KPRIO_NONE)
		qchan_prio_apply(msg->chan->ctx, rec);
}

/*
 * Called with ctx->lock held: @rec's thread @task (current, or a receiver
 * waiting under ctx->lock, so alive) received @msg on @chan.  Apply needed?
 * The task is in hand: no look-up of it by pid on the hot path.
 */
static inline bool qchan_prio_bind(struct qchan_channel *chan, struct qchan_msg *msg,
				   struct qchan_prio *rec, struct task_struct *task)
{
	if (!rec) {
		/* No record (no memory): it still holds the boost it gave when queued. */
		if (msg->prio_rec)
			qchan_prio_hold(msg->prio_rec, msg);
		return false;
	}
	chan->last_rec = rec;
	msg->prio_rec = rec;
	qchan_prio_hold(rec, msg);
	return msg->kprio < READ_ONCE(task->prio);
}

/*
 * Called with ctx->lock held by @rec's thread, woken with @msg or (NULL) a
 * pulse: does it still run below what it got?  (Its waker may run below it.)
 */
static inline bool qchan_prio_woken(struct qchan_prio *rec, struct qchan_msg *msg)
{
	return rec && (msg ? msg->kprio : rec->pending) < READ_ONCE(current->prio);
}

/*
 * Called with ctx->lock held by a thread entering MsgReceive on @chan, a
 * channel with inheritance: its record (NULL if it has none yet).  A
 * pulse's boost ends here.  The channel's last receiver is the usual
 * answer (one thread serving a channel, or a pool taking turns after a
 * burst), which spares the hash look-up on the hot path: a record's
 * struct pid is referenced, so it names its thread and no other.
 */
static inline struct qchan_prio *qchan_prio_receiving(struct qchan_channel *chan)
{
	struct qchan_prio *rec = chan->last_rec;

	if (unlikely(!rec || rec->pid != task_pid(current)))
		rec = qchan_prio_receiving_find(chan->ctx);
	if (rec)
		rec->pending = QCHAN_KPRIO_NONE;
	return rec;
}

/*
 * Called with ctx->lock held: does @rec's thread run boosted above what it
 * should now?  Unboosted (the common case) it cannot: no walk then.
 */
static inline bool qchan_prio_stale(struct qchan_ctx *ctx, struct qchan_prio *rec)
{
	int applied;

	if (!rec)
		return false;
	applied = READ_ONCE(rec->applied);
	return unlikely(applied != QCHAN_KPRIO_NONE) && applied != qchan_prio_want(ctx, rec);
}

/*
 * A thread of @ctx starts a MsgSend: if it is a server thread (it has a
 * record), a change of its priority while it waits must reach the message
 * (transitive inheritance through chains).  Returns what to hand to
 * qchan_prio_send_end().  A pure client has no record (records appear only
 * at receive): a counter read without the lock says so, since only this
 * thread creates its own record (hash_empty() would walk every bucket).
 */
static inline struct qchan_prio *qchan_prio_send_begin(struct qchan_ctx *ctx)
{
	if (likely(!READ_ONCE(ctx->nr_prios)))
		return NULL;
	return qchan_prio_send_begin_slow(ctx);
}

static inline void qchan_prio_send_end(struct qchan_prio *self)
{
	if (self)
		WRITE_ONCE(self->sending, false);
}

#endif /* QCHAN_PRIO_H */
