// SPDX-License-Identifier: GPL-2.0
/*
 * Priority inheritance: a server thread runs at the priority of the best
 * client it serves or that waits for it (QNX's "priority inheritance and
 * messages"), unless its channel has QCHAN_CHF_FIXED_PRIORITY.
 *
 * Priorities are compared on the kernel's scale (task->prio: 0..99 real-time,
 * 100..139 the nice levels, lower is better), so a SCHED_OTHER client passes
 * its nice value on and a real-time client its real-time priority; a
 * SCHED_IDLE or SCHED_DEADLINE client passes nothing, and a SCHED_DEADLINE
 * server is never touched.  A client passes its effective priority: a
 * server that is itself boosted passes the boost on when it sends, which
 * makes chains transitive (and a cycle cannot run away: every link only
 * copies a priority some real client has).
 *
 * Mechanism: sched_setattr_nocheck() on the server thread, with the
 * thread's own attributes remembered in a per-thread record (struct
 * qchan_prio).  The kernel's rt_mutex PI chains would give boosting and
 * deboosting for free, but the proxy-lock API futexes use is not exported,
 * and a message may be replied to by a thread other than its receiver,
 * which an rt_mutex owner cannot express (docs/DESIGN.md).
 *
 * What a record wants is computed under ctx->lock:
 *  - the best message it holds: RECEIVED/REPLYING messages in ctx->rcvids
 *    bound to it (msg->prio_rec), counted in the record by kprio (prio.h:
 *    counted when bound, uncounted when unhashed, so a message stops
 *    counting the moment it is finished: reply, error, its client's death);
 *  - send-time boosts: for every channel it was the last to receive on, the
 *    best message or pulse queued there (QNX raises that thread at once);
 *  - @pending: a pulse it took or was handed, until its next MsgReceive.
 * Whoever changes one of these runs qchan_prio_apply() afterwards, outside
 * ctx->lock (sched_setattr may sleep: cpuset's rwsem, and on PREEMPT_RT the
 * rq locks' neighbours), under the record's mutex, which makes the task's
 * scheduling follow the latest wish.  A sender boosts the server before it
 * sleeps and deboosts it when its own send ends (reply, kill -9, timeout);
 * a server thread entering MsgReceive settles its own record.
 *
 * A thread's own sched_setscheduler() (or anyone's) during a boost is
 * noticed at the next change: the attributes found are not the ones we set,
 * so they become the thread's own and are kept when the boost ends.
 *
 * Records belong to the server's ctx and live as long as it does (a ctx is
 * one process): msg->prio_rec and chan->last_rec need no reference.  A
 * record names its thread by struct pid, so a thread that exited costs its
 * record and a struct pid until then, not a task_struct.
 */
#include <linux/capability.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <uapi/linux/sched/types.h>

#include "prio.h"
#include "qchan.h"
#include "trace.h"

/* A pulse's boost: its priority, but never above what its sender could set itself. */
int qchan_prio_pulse(int priority)
{
	int cap;

	if (priority < 0)
		return qchan_prio_current();
	/* What sched_setscheduler() would let it set (that check does not audit either). */
	cap = rlimit(RLIMIT_RTPRIO);
	if (rt_prio(qchan_prio_current()))
		cap = max(cap, MAX_RT_PRIO - 1 - qchan_prio_current());
	if (priority > cap && !ns_capable_noaudit(&init_user_ns, CAP_SYS_NICE))
		priority = cap;
	priority = min(priority, MAX_RT_PRIO - 1);
	return priority > 0 ? MAX_RT_PRIO - 1 - priority : QCHAN_KPRIO_NONE;
}

static void qchan_sched_read(struct task_struct *task, struct qchan_sched *s)
{
	s->policy = READ_ONCE(task->policy);
	s->rt_priority = READ_ONCE(task->rt_priority);
	s->nice = task_nice(task);
	s->reset_on_fork = task->sched_reset_on_fork;
}

static bool qchan_sched_rt(const struct qchan_sched *s)
{
	return s->policy == SCHED_FIFO || s->policy == SCHED_RR;
}

static bool qchan_sched_equal(const struct qchan_sched *a, const struct qchan_sched *b)
{
	if (a->policy != b->policy)
		return false;
	if (qchan_sched_rt(a))
		return a->rt_priority == b->rt_priority;
	return a->policy == SCHED_DEADLINE || a->nice == b->nice;
}

/* The kernel-scale priority of @s (what a wish must beat to boost). */
static int qchan_sched_kprio(const struct qchan_sched *s)
{
	switch (s->policy) {
	case SCHED_FIFO:
	case SCHED_RR:
		return MAX_RT_PRIO - 1 - s->rt_priority;
	case SCHED_NORMAL:
	case SCHED_BATCH:
		return NICE_TO_PRIO(s->nice);
	case SCHED_IDLE:
		return QCHAN_KPRIO_NONE;
	default:		/* SCHED_DEADLINE: above every priority */
		return -1;
	}
}

/*
 * @base raised to @want.  QNX inherits the priority, not the policy: a
 * real-time thread keeps FIFO or RR; a SCHED_OTHER one that must run at a
 * real-time priority becomes SCHED_FIFO, and one that inherits a nice value
 * keeps its policy (SCHED_IDLE becomes SCHED_OTHER).
 */
static void qchan_sched_boost(const struct qchan_sched *base, int want, struct qchan_sched *t)
{
	*t = *base;
	if (rt_prio(want)) {
		if (!qchan_sched_rt(base))
			t->policy = SCHED_FIFO;
		t->rt_priority = MAX_RT_PRIO - 1 - want;
	} else {
		if (t->policy == SCHED_IDLE)
			t->policy = SCHED_NORMAL;
		t->nice = PRIO_TO_NICE(want);
	}
}

static int qchan_sched_set(struct task_struct *task, const struct qchan_sched *s)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = s->policy,
		.sched_priority = qchan_sched_rt(s) ? s->rt_priority : 0,
		.sched_nice = s->nice,
		.sched_flags = s->reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0,
	};

	return sched_setattr_nocheck(task, &attr);
}

/* @rec's thread's effective priority now; -1 (nothing beats it) once it has exited. */
static int qchan_prio_task_prio(struct qchan_prio *rec)
{
	struct task_struct *task;
	int prio = -1;

	rcu_read_lock();
	task = pid_task(rec->pid, PIDTYPE_PID);
	if (task)
		prio = READ_ONCE(task->prio);
	rcu_read_unlock();
	return prio;
}

/* Called with ctx->lock held: what @rec's thread should run at. */
int qchan_prio_want(struct qchan_ctx *ctx, struct qchan_prio *rec)
{
	struct qchan_channel *chan;
	struct qchan_pulse_item *pulse;
	struct qchan_msg *msg;
	unsigned long chid;
	int want = rec->pending;

	want = min_t(int, want, find_first_bit(rec->held_map, QCHAN_KPRIO_NONE));
	xa_for_each(&ctx->channels, chid, chan) {
		if (chan->last_rec != rec || chan->dead)
			continue;
		msg = list_first_entry_or_null(&chan->send_queue, struct qchan_msg, node);
		if (msg)
			want = min(want, msg->kprio);
		pulse = list_first_entry_or_null(&chan->pulses, struct qchan_pulse_item, node);
		if (pulse)
			want = min(want, pulse->kprio);
	}
	return want;
}

/* Makes @rec's thread run at what it should now; called without locks held. */
void qchan_prio_apply(struct qchan_ctx *ctx, struct qchan_prio *rec)
{
	struct task_struct *task;
	struct qchan_sched cur, target;
	int want;

	mutex_lock(&rec->apply_lock);
	ctx_lock(ctx);
	want = qchan_prio_want(ctx, rec);
	ctx_unlock(ctx);
	rcu_read_lock();
	task = pid_task(rec->pid, PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	/* A dying thread needs no restore; nothing else will run it. */
	if (!task || (task->flags & PF_EXITING))
		goto out;

	qchan_sched_read(task, &cur);
	/* Not what we set: the thread (or its admin) chose these, they are its own now. */
	if (rec->boosted && !qchan_sched_equal(&cur, &rec->set))
		rec->boosted = false;
	if (!rec->boosted)
		rec->base = cur;
	if (want < qchan_sched_kprio(&rec->base))
		qchan_sched_boost(&rec->base, want, &target);
	else
		target = rec->base;
	if (!qchan_sched_equal(&target, &cur)) {
		if (qchan_sched_set(task, &target))
			goto out;	/* e.g. no RT bandwidth in its group: it runs as it was */
		if (qchan_sched_equal(&target, &rec->base))
			trace_qchan_prio_restore(task_pid_nr(task), qchan_sched_kprio(&cur),
						 qchan_sched_kprio(&target));
		else
			trace_qchan_prio_boost(task_pid_nr(task), qchan_sched_kprio(&cur),
					       qchan_sched_kprio(&target));
		/* Blocked in a send of its own: it passes the change on (qchan_prio_resend()). */
		if (READ_ONCE(rec->sending))
			wake_up_process(task);
	}
	rec->set = target;
	rec->boosted = !qchan_sched_equal(&target, &rec->base);
out:
	WRITE_ONCE(rec->applied, rec->boosted ? want : QCHAN_KPRIO_NONE);
	mutex_unlock(&rec->apply_lock);
	if (task)
		put_task_struct(task);
}

/*
 * Called with ctx->lock held: something of priority @kprio was queued on
 * @chan, whose threads are all busy.  The one that last received there
 * must be raised at once, if it is below: returns its record then.
 */
struct qchan_prio *qchan_prio_queued(struct qchan_channel *chan, int kprio)
{
	struct qchan_prio *rec = chan->last_rec;

	if (!rec || (chan->flags & QCHAN_CHF_FIXED_PRIORITY) ||
	    kprio >= qchan_prio_task_prio(rec))
		return NULL;
	return rec;
}

/* Called with ctx->lock held: @rec's thread got a pulse of priority @kprio.  Apply needed? */
bool qchan_prio_pulse_taken(struct qchan_prio *rec, int kprio)
{
	if (!rec || kprio >= rec->pending)
		return false;
	rec->pending = kprio;
	return kprio < qchan_prio_task_prio(rec);
}

/* Called with ctx->lock held: the current thread's record, or NULL. */
struct qchan_prio *qchan_prio_receiving_find(struct qchan_ctx *ctx)
{
	struct pid *pid = task_pid(current);
	struct qchan_prio *rec;

	hash_for_each_possible(ctx->prios, rec, node, (unsigned long)pid)
		if (rec->pid == pid)
			return rec;
	return NULL;
}

/* Called without locks: a record for the current thread in @ctx, or NULL (no memory). */
struct qchan_prio *qchan_prio_create(struct qchan_ctx *ctx)
{
	struct qchan_prio *rec, *old;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!rec)
		return NULL;
	rec->pid = get_pid(task_pid(current));
	rec->pending = QCHAN_KPRIO_NONE;
	rec->applied = QCHAN_KPRIO_NONE;
	mutex_init(&rec->apply_lock);

	ctx_lock(ctx);
	old = qchan_prio_receiving_find(ctx);
	if (!old) {
		hash_add(ctx->prios, &rec->node, (unsigned long)rec->pid);
		WRITE_ONCE(ctx->nr_prios, ctx->nr_prios + 1);
	}
	ctx_unlock(ctx);
	if (old) {
		put_pid(rec->pid);
		kfree(rec);
		rec = old;
	}
	return rec;
}

/*
 * A thread of @ctx starts a MsgSend: if it is a server thread (it has a
 * record), a change of its priority while it waits must reach the message
 * (transitive inheritance through chains).  Returns what to hand to
 * qchan_prio_send_end().
 */
struct qchan_prio *qchan_prio_send_begin_slow(struct qchan_ctx *ctx)
{
	struct qchan_prio *rec;

	ctx_lock(ctx);
	rec = qchan_prio_receiving_find(ctx);
	if (rec)
		WRITE_ONCE(rec->sending, true);
	ctx_unlock(ctx);
	return rec;
}

/*
 * Called with ctx->lock held by the sender of @msg while it waits: if its
 * own priority changed since it sent (its server inherited something, or
 * lost it), the message follows, in its queue order too, and the record of
 * the thread it raises is returned for the caller to apply once the lock is
 * dropped.  Each link of a chain updates its own message and wakes the next
 * only on a real change, so a chain is followed link by link and a cycle
 * (which is a deadlock anyway) stops as soon as nothing changes any more.
 */
struct qchan_prio *qchan_prio_resend(struct qchan_msg *msg)
{
	struct qchan_channel *chan = msg->chan;
	int kprio = qchan_prio_current();
	bool held;

	if (likely(kprio == msg->kprio) || msg->state == QCHAN_MSG_DONE)
		return NULL;
	held = msg->prio_held;		/* counted under its old kprio */
	qchan_prio_unhold(msg);
	msg->kprio = kprio;
	if (held)
		qchan_prio_hold(msg->prio_rec, msg);
	if (msg->state != QCHAN_MSG_QUEUED) {
		msg->priority = qchan_current_priority();
		return msg->prio_rec;
	}
	/* Out of its band under the priority it was queued with. */
	qchan_msg_dequeue(chan, msg);
	msg->priority = qchan_current_priority();
	qchan_msg_enqueue(chan, msg);
	if (chan->flags & QCHAN_CHF_FIXED_PRIORITY)
		return NULL;
	msg->prio_rec = chan->last_rec;
	return chan->last_rec;
}

/* The ctx is being freed: nothing names its records any more. */
void qchan_prio_free_all(struct qchan_ctx *ctx)
{
	struct qchan_prio *rec;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(ctx->prios, bkt, tmp, rec, node) {
		/* Every message left its rcvid before: a count left over is a bug. */
		WARN_ON_ONCE(!bitmap_empty(rec->held_map, QCHAN_KPRIO_NONE));
		hash_del(&rec->node);
		put_pid(rec->pid);
		mutex_destroy(&rec->apply_lock);
		kfree(rec);
	}
}
