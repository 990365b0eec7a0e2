// SPDX-License-Identifier: GPL-2.0
/*
 * Thread-death notices (QCHAN_CHF_THREAD_DEATH): a _PULSE_CODE_THREADDEATH
 * pulse, value the thread's tid, on each such channel of a process when one
 * of its threads exits.
 *
 * The module learns of thread creation and exit from the sched_process_fork
 * and sched_process_exit tracepoints.  Their probes run with preemption
 * disabled (and on PREEMPT_RT may not even take a spinlock_t), so they never
 * allocate: everything a death needs is reserved in process context, ahead.
 *
 * Every thread of a process with THREAD_DEATH channels has a record (struct
 * qchan_td_rec) carrying one reserved notice per such channel, and a SPARE
 * record, for the next thread it creates.  Records are found by task in a
 * global hash under a raw spinlock (qchan_td_lock), the only lock the probes
 * take; they touch nothing else of the module but task works and reference
 * counts.
 *
 *  - fork probe (parent P, child C of P's thread group): P's spare becomes
 *    C's record, and both get a "refill" task work (TWA_RESUME).  C runs its
 *    own before it first reaches user space, P before its clone returns: a
 *    thread can only create threads from user space, so it always has a
 *    spare then.  The refill allocates in process context, as the thread's
 *    own cost.
 *  - exit probe (thread T): T's record gets its "death" task work.  The
 *    tracepoint fires in do_exit() before exit_task_work(), which runs that
 *    work in T, sleepable: it posts the record's notices under ctx->lock.
 *    A thread of a surviving process can only end by its own exit (fatal
 *    signals and exec end the whole group, and with it the channels).
 *  - ChannelCreate(THREAD_DEATH) extends every record by a notice for the
 *    new channel, then gives a record and a spare to every thread lacking
 *    them, in passes, until a pass under qchan_td_lock finds none lacking:
 *    a thread created meanwhile by a parent without a spare is caught by the
 *    next pass.
 *
 * io_uring's workers (PF_IO_WORKER) and, on 6.12, vhost's (PF_USER_WORKER)
 * are made without the fork tracepoint: they get no record and their exits
 * no notice.
 *
 * A record that died stays (ctx->td_dead) until its notices were received or
 * withdrawn; the next death or refill of the process frees it.  The last
 * THREAD_DEATH channel's end frees every record of the process.  A record
 * holds a reference on its ctx; each pending task work holds one on the
 * record (task works cannot be cancelled from a module) and one on the
 * module.
 *
 * Locking: ctx->conn_lock serialises the record allocations against the
 * number of channels (ChannelCreate/Destroy, refill); ctx->lock covers the
 * process's record lists, the records' notices and their channels' lists;
 * qchan_td_lock (raw, taken inside ctx->lock, never the other way round)
 * covers the hash, rec->task, rec->spare and rec->refill_pending.
 *
 * One global lock, not one per ctx: a probe knows only the task, so the index
 * by task is global anyway, and a per-ctx lock would add a ctx lookup to every
 * exit in the system.  No message path takes it; each holder does one hash
 * lookup, on clone and exit paths that already write-lock tasklist_lock.
 * Measured (docs/DESIGN.md): the message round trip unchanged, at most ~2%
 * on a thread create + join while records exist in another process.
 */
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>

#include "qchan.h"

struct qchan_td_notice {
	struct qchan_pulse_item pulse;
	struct list_head rec_node;	/* rec->notices */
	struct list_head chan_node;	/* chan->td_notices, while linked */
	struct qchan_channel *chan;	/* while linked */
};

struct qchan_td_rec {
	struct hlist_node hnode;	/* qchan_td_hash, keyed by @task */
	struct task_struct *task;	/* while hashed; unhashed by its exit probe */
	struct qchan_td_rec *spare;	/* for the next thread @task creates */
	bool refill_pending;
	/* the rest: under ctx->lock */
	bool listed;			/* on ctx->td_recs or ctx->td_dead */
	bool dead;			/* its notices went out */
	refcount_t ref;			/* the list's, and one per pending task work */
	struct qchan_ctx *ctx;		/* holds a reference */
	struct list_head ctx_node;
	struct list_head notices;	/* struct qchan_td_notice */
	struct callback_head refill;
	struct callback_head death;
};

#define QCHAN_TD_HASH_BITS	8
static DEFINE_HASHTABLE(qchan_td_hash, QCHAN_TD_HASH_BITS);
static DEFINE_RAW_SPINLOCK(qchan_td_lock);
/*
 * Records hashed: lets every other fork in the system skip the lock (a fork
 * racing with the first records is covered by ChannelCreate's pass, which
 * sees the child in the thread list).
 */
static atomic_t qchan_td_hashed;

static DEFINE_MUTEX(qchan_td_probe_lock);
static struct tracepoint *qchan_tp_fork, *qchan_tp_exit;
static bool qchan_td_probes;

static void qchan_td_refill_work(struct callback_head *cb);
static void qchan_td_death_work(struct callback_head *cb);

/* Called with qchan_td_lock held. */
static struct qchan_td_rec *qchan_td_find(struct task_struct *task)
{
	struct qchan_td_rec *rec;

	hash_for_each_possible(qchan_td_hash, rec, hnode, (unsigned long)task)
		if (rec->task == task)
			return rec;
	return NULL;
}

/* Called with qchan_td_lock held. */
static void qchan_td_hash_add(struct qchan_td_rec *rec, struct task_struct *task)
{
	rec->task = task;
	hash_add(qchan_td_hash, &rec->hnode, (unsigned long)task);
	atomic_inc(&qchan_td_hashed);
}

/* Called with qchan_td_lock held. */
static void qchan_td_hash_del(struct qchan_td_rec *rec)
{
	if (hlist_unhashed(&rec->hnode))
		return;
	hash_del(&rec->hnode);
	rec->task = NULL;
	atomic_dec(&qchan_td_hashed);
}

/*
 * Called with qchan_td_lock held, from a probe or process context: queues
 * @cb on @task with a reference on @rec and the module.  False if @task is
 * past its last task works.
 */
static bool qchan_td_queue(struct qchan_td_rec *rec, struct task_struct *task,
			   struct callback_head *cb, enum task_work_notify_mode mode)
{
	refcount_inc(&rec->ref);
	__module_get(THIS_MODULE);
	if (task_work_add(task, cb, mode)) {
		/* Not the last one: the list's goes only after unhashing, under this lock. */
		refcount_dec(&rec->ref);
		module_put(THIS_MODULE);
		return false;
	}
	return true;
}

static void qchan_td_free_notices(struct list_head *list)
{
	struct qchan_td_notice *n, *tmp;

	list_for_each_entry_safe(n, tmp, list, rec_node)
		kfree(n);
	INIT_LIST_HEAD(list);
}

static void qchan_td_rec_put(struct qchan_td_rec *rec)
{
	if (!refcount_dec_and_test(&rec->ref))
		return;
	qchan_td_free_notices(&rec->notices);
	qchan_ctx_put(rec->ctx);
	atomic_dec(&qchan_stats.td_records);
	kfree(rec);
}

/* A record with @nr notices, not yet linked to anything. */
static struct qchan_td_rec *qchan_td_rec_alloc(struct qchan_ctx *ctx, unsigned int nr, gfp_t gfp)
{
	struct qchan_td_rec *rec = kzalloc(sizeof(*rec), gfp);
	struct qchan_td_notice *n;

	if (!rec)
		return NULL;
	INIT_HLIST_NODE(&rec->hnode);
	INIT_LIST_HEAD(&rec->ctx_node);
	INIT_LIST_HEAD(&rec->notices);
	refcount_set(&rec->ref, 1);
	init_task_work(&rec->refill, qchan_td_refill_work);
	init_task_work(&rec->death, qchan_td_death_work);
	kref_get(&ctx->ref);
	rec->ctx = ctx;
	atomic_inc(&qchan_stats.td_records);
	while (nr--) {
		n = kzalloc(sizeof(*n), gfp);
		if (!n) {
			qchan_td_rec_put(rec);
			return NULL;
		}
		qchan_pulse_init_kernel(&n->pulse);
		INIT_LIST_HEAD(&n->chan_node);
		list_add(&n->rec_node, &rec->notices);
	}
	return rec;
}

/* Frees records chained by ctx_node, none of them listed. */
static void qchan_td_put_list(struct list_head *list)
{
	struct qchan_td_rec *rec, *tmp;

	list_for_each_entry_safe(rec, tmp, list, ctx_node) {
		list_del_init(&rec->ctx_node);
		qchan_td_rec_put(rec);
	}
}

/*
 * Called with ctx->lock held (and conn_lock: the channel list is stable):
 * links the new record @rec's notices to the THREAD_DEATH channels and lists it.
 */
static void qchan_td_rec_link(struct qchan_ctx *ctx, struct qchan_td_rec *rec)
{
	struct qchan_td_notice *n = list_first_entry_or_null(&rec->notices,
							       struct qchan_td_notice, rec_node);
	struct qchan_channel *chan;

	list_for_each_entry(chan, &ctx->td_chans, td_node) {
		n->chan = chan;
		list_add_tail(&n->chan_node, &chan->td_notices);
		n = list_next_entry(n, rec_node);
	}
	rec->listed = true;
	list_add_tail(&rec->ctx_node, &ctx->td_recs);
}

/*
 * Called with ctx->lock held: takes @rec out of everything (the hash, its
 * notices' channels, the process's lists) and chains it on @gone by
 * ctx_node, for qchan_td_put_list() once the lock is dropped.
 */
static void qchan_td_rec_unlist(struct qchan_td_rec *rec, struct list_head *gone)
{
	struct qchan_td_notice *n;

	raw_spin_lock(&qchan_td_lock);
	qchan_td_hash_del(rec);
	rec->spare = NULL;
	raw_spin_unlock(&qchan_td_lock);
	list_for_each_entry(n, &rec->notices, rec_node) {
		qchan_pulse_withdraw(&n->pulse);
		list_del_init(&n->chan_node);
	}
	rec->listed = false;
	list_move(&rec->ctx_node, gone);
}

/*
 * Called with ctx->lock held: dead records whose notices are all out of the
 * queues go, oldest first, up to the first one still queued.  Receives take
 * pulses in FIFO order within a priority, so this stays O(1) per call in the
 * common case however far the receiver lags; a record stuck behind a
 * still-queued older one goes with it.
 */
static void qchan_td_sweep(struct qchan_ctx *ctx, struct list_head *gone)
{
	struct qchan_td_rec *rec, *tmp;
	struct qchan_td_notice *n;

	list_for_each_entry_safe(rec, tmp, &ctx->td_dead, ctx_node) {
		list_for_each_entry(n, &rec->notices, rec_node)
			if (!list_empty(&n->pulse.node))
				return;
		qchan_td_rec_unlist(rec, gone);
	}
}

/*
 * The thread that ran this work (at its return to user space, or in its
 * exit) may create threads: give its record a spare.  Allocating here cannot
 * fail anything, so it does not fail: __GFP_NOFAIL (two small objects).
 */
static void qchan_td_refill_work(struct callback_head *cb)
{
	struct qchan_td_rec *rec = container_of(cb, struct qchan_td_rec, refill);
	struct qchan_ctx *ctx = rec->ctx;
	struct qchan_td_rec *spare = NULL;
	LIST_HEAD(gone);

	raw_spin_lock(&qchan_td_lock);
	rec->refill_pending = false;
	raw_spin_unlock(&qchan_td_lock);

	/* An exiting thread (killed before it reached user space) creates no threads. */
	if (current->flags & PF_EXITING)
		goto out;
	mutex_lock(&ctx->conn_lock);
	if (READ_ONCE(rec->listed) && ctx->nr_td_chans)
		spare = qchan_td_rec_alloc(ctx, ctx->nr_td_chans,
					   GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	ctx_lock(ctx);
	if (spare) {
		qchan_td_rec_link(ctx, spare);
		raw_spin_lock(&qchan_td_lock);
		if (rec->listed && rec->task == current && !rec->spare) {
			rec->spare = spare;
			spare = NULL;
		}
		raw_spin_unlock(&qchan_td_lock);
		if (spare)
			qchan_td_rec_unlist(spare, &gone);
	}
	qchan_td_sweep(ctx, &gone);
	ctx_unlock(ctx);
	mutex_unlock(&ctx->conn_lock);
	qchan_td_put_list(&gone);
out:
	qchan_td_rec_put(rec);
	module_put(THIS_MODULE);
}

/* Runs in the dying thread's exit_task_work(): its notices go out. */
static void qchan_td_death_work(struct callback_head *cb)
{
	struct qchan_td_rec *rec = container_of(cb, struct qchan_td_rec, death);
	struct qchan_ctx *ctx = rec->ctx;
	int prio = qchan_current_priority();
	pid_t tid = task_pid_vnr(current);
	struct qchan_td_rec *spare;
	struct qchan_td_notice *n;
	LIST_HEAD(gone);

	ctx_lock(ctx);
	if (rec->listed && !rec->dead) {
		raw_spin_lock(&qchan_td_lock);
		spare = rec->spare;
		rec->spare = NULL;
		raw_spin_unlock(&qchan_td_lock);
		if (spare)
			qchan_td_rec_unlist(spare, &gone);

		rec->dead = true;
		list_for_each_entry(n, &rec->notices, rec_node) {
			n->pulse.priority = prio;
			n->pulse.d = (struct qchan_pulse_data) {
				.code = QCHAN_PULSE_CODE_THREADDEATH,
				.value = (u64)(s64)tid,
				.scoid = -1,
			};
			qchan_pulse_post_kernel(n->chan, &n->pulse);
		}
		list_move_tail(&rec->ctx_node, &ctx->td_dead);
		qchan_td_sweep(ctx, &gone);
	}
	ctx_unlock(ctx);

	qchan_td_put_list(&gone);
	qchan_td_rec_put(rec);
	module_put(THIS_MODULE);
}

/* Preemption is disabled here: only qchan_td_lock, atomics and task_work_add(). */
static void qchan_td_fork_probe(void *data, struct task_struct *parent, struct task_struct *child)
{
	struct qchan_td_rec *prec, *crec;

	if (!atomic_read(&qchan_td_hashed) || !same_thread_group(parent, child))
		return;
	raw_spin_lock(&qchan_td_lock);
	prec = qchan_td_find(parent);
	if (!prec || !prec->spare || qchan_td_find(child))
		goto out;
	crec = prec->spare;
	prec->spare = NULL;
	qchan_td_hash_add(crec, child);
	/* The child has not run yet: it takes this before it reaches user space. */
	crec->refill_pending = qchan_td_queue(crec, child, &crec->refill, TWA_RESUME);
	if (!prec->refill_pending)
		prec->refill_pending = qchan_td_queue(prec, parent, &prec->refill, TWA_RESUME);
out:
	raw_spin_unlock(&qchan_td_lock);
}

static void qchan_td_exit_probe(void *data, struct task_struct *task)
{
	struct qchan_td_rec *rec;

	/*
	 * No lockless shortcut here: ChannelCreate's pass reads PF_EXITING under
	 * the lock, and this lock is what orders the two.
	 */
	raw_spin_lock(&qchan_td_lock);
	rec = qchan_td_find(task);
	if (rec) {
		qchan_td_hash_del(rec);
		/* Before exit_task_work(): this cannot fail, and runs in @task, sleepable. */
		qchan_td_queue(rec, task, &rec->death, TWA_NONE);
	}
	raw_spin_unlock(&qchan_td_lock);
}

static void qchan_td_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		qchan_tp_fork = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		qchan_tp_exit = tp;
}

/* Registers the probes at the first THREAD_DEATH channel; they stay until unload. */
static int qchan_td_register(void)
{
	int err = 0;

	mutex_lock(&qchan_td_probe_lock);
	if (qchan_td_probes)
		goto out;
	for_each_kernel_tracepoint(qchan_td_find_tp, NULL);
	if (!qchan_tp_fork || !qchan_tp_exit) {
		err = -EOPNOTSUPP;
		goto out;
	}
	err = tracepoint_probe_register(qchan_tp_fork, qchan_td_fork_probe, NULL);
	if (err)
		goto out;
	err = tracepoint_probe_register(qchan_tp_exit, qchan_td_exit_probe, NULL);
	if (err) {
		tracepoint_probe_unregister(qchan_tp_fork, qchan_td_fork_probe, NULL);
		tracepoint_synchronize_unregister();
		goto out;
	}
	qchan_td_probes = true;
out:
	mutex_unlock(&qchan_td_probe_lock);
	return err;
}

void qchan_td_exit(void)
{
	if (!qchan_td_probes)
		return;
	tracepoint_probe_unregister(qchan_tp_exit, qchan_td_exit_probe, NULL);
	tracepoint_probe_unregister(qchan_tp_fork, qchan_td_fork_probe, NULL);
	tracepoint_synchronize_unregister();
}

/*
 * Called with conn_lock held: counts (@need) and, with @pool, hands out the
 * records the threads of the calling process lack - a record for a thread
 * without one, a spare for a record without one (and no refill on the way).
 * Called with ctx->lock held when @pool is given; returns what is still
 * lacking.  A thread already exiting is left alone: its exit probe may have
 * run.
 */
static unsigned int qchan_td_assign(struct list_head *pool, struct list_head *used)
{
	struct task_struct *t;
	struct qchan_td_rec *rec, *new;
	unsigned int lacking = 0;

	rcu_read_lock();
	raw_spin_lock(&qchan_td_lock);
	for_each_thread(current, t) {
		if (READ_ONCE(t->flags) & (PF_EXITING | QCHAN_PF_USER_WORKERS))
			continue;
		rec = qchan_td_find(t);
		if (!rec) {
			new = pool ? list_first_entry_or_null(pool, struct qchan_td_rec,
							      ctx_node) : NULL;
			if (!new) {
				lacking += 2;
				continue;
			}
			list_move_tail(&new->ctx_node, used);
			qchan_td_hash_add(new, t);
			rec = new;
		}
		if (rec->spare || rec->refill_pending)
			continue;
		new = pool ? list_first_entry_or_null(pool, struct qchan_td_rec, ctx_node) : NULL;
		if (!new) {
			lacking++;
			continue;
		}
		list_move_tail(&new->ctx_node, used);
		rec->spare = new;
	}
	raw_spin_unlock(&qchan_td_lock);
	rcu_read_unlock();
	return lacking;
}

/* Called with conn_lock held: every thread of the process gets its record and spare. */
static int qchan_td_fill(struct qchan_ctx *ctx)
{
	struct qchan_td_rec *rec, *tmp;
	unsigned int need, i;
	LIST_HEAD(pool);
	LIST_HEAD(used);

	for (;;) {
		need = qchan_td_assign(NULL, NULL);
		if (!need)
			return 0;
		for (i = 0; i < need; i++) {
			rec = qchan_td_rec_alloc(ctx, ctx->nr_td_chans, GFP_KERNEL_ACCOUNT);
			if (!rec) {
				qchan_td_put_list(&pool);
				return -ENOMEM;
			}
			list_add(&rec->ctx_node, &pool);
		}
		ctx_lock(ctx);
		qchan_td_assign(&pool, &used);
		/* Under the lock the death and refill works take: none sees a half-made record. */
		list_for_each_entry_safe(rec, tmp, &used, ctx_node) {
			list_del_init(&rec->ctx_node);
			qchan_td_rec_link(ctx, rec);
		}
		ctx_unlock(ctx);
		qchan_td_put_list(&pool);
	}
}

/*
 * A new THREAD_DEATH channel of its ctx, not yet published (conn_lock
 * held): a notice for it on every record of the process, then a record and
 * a spare for every thread.  On error the caller unlists the channel.
 */
int qchan_td_channel_add(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_td_notice *n, *tmp;
	struct qchan_td_rec *rec;
	unsigned int nr = 0;
	LIST_HEAD(spare);
	int err;

	lockdep_assert_held(&ctx->conn_lock);
	err = qchan_td_register();
	if (err)
		return err;
	/* Records are listed under conn_lock: their number can only go down meanwhile. */
	ctx_lock(ctx);
	list_for_each_entry(rec, &ctx->td_recs, ctx_node)
		nr++;
	ctx_unlock(ctx);
	while (nr--) {
		n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n) {
			qchan_td_free_notices(&spare);
			return -ENOMEM;
		}
		qchan_pulse_init_kernel(&n->pulse);
		list_add(&n->rec_node, &spare);
	}

	ctx_lock(ctx);
	list_for_each_entry(rec, &ctx->td_recs, ctx_node) {
		n = list_first_entry(&spare, struct qchan_td_notice, rec_node);
		n->chan = chan;
		list_move_tail(&n->rec_node, &rec->notices);
		list_add_tail(&n->chan_node, &chan->td_notices);
	}
	list_add_tail(&chan->td_node, &ctx->td_chans);
	ctx->nr_td_chans++;
	ctx_unlock(ctx);
	list_for_each_entry_safe(n, tmp, &spare, rec_node)
		kfree(n);

	return qchan_td_fill(ctx);
}

/*
 * @chan leaves its ctx's channel table (conn_lock held): a THREAD_DEATH
 * channel withdraws and frees its notices; the last one of the process
 * frees every record.
 */
void qchan_td_channel_unlist(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_td_notice *n, *tmp;
	struct qchan_td_rec *rec, *rtmp;
	LIST_HEAD(stale);
	LIST_HEAD(gone);

	if (!(chan->flags & QCHAN_CHF_THREAD_DEATH) || list_empty(&chan->td_node))
		return;
	lockdep_assert_held(&ctx->conn_lock);
	ctx_lock(ctx);
	list_del_init(&chan->td_node);
	ctx->nr_td_chans--;
	list_for_each_entry_safe(n, tmp, &chan->td_notices, chan_node) {
		qchan_pulse_withdraw(&n->pulse);
		list_del(&n->chan_node);
		list_move(&n->rec_node, &stale);
	}
	if (!ctx->nr_td_chans) {
		list_for_each_entry_safe(rec, rtmp, &ctx->td_recs, ctx_node)
			qchan_td_rec_unlist(rec, &gone);
		list_for_each_entry_safe(rec, rtmp, &ctx->td_dead, ctx_node)
			qchan_td_rec_unlist(rec, &gone);
	}
	ctx_unlock(ctx);
	qchan_td_free_notices(&stale);
	qchan_td_put_list(&gone);
}
