// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU kernel messages: the design and the guarantees are in kmsg.h.
 *
 * Per CPU: two lock-free LIFO lists (llist) of messages, reversed into FIFO
 * order when a consumer takes them; a "kicked" word that serialises the one
 * call_single_data the CPU is kicked with (smp_call_function_single_async()
 * needs its callers serialised); a hard irq_work for kicks from the CPU to
 * itself (irq_work_queue_on() is not exported); a bound smpboot kthread for
 * routine work; a pool of message slots for qchan_kmsg_call().
 *
 * Nothing that runs in hard irq here takes a lock that sleeps on PREEMPT_RT
 * (spinlock_t, the allocator's locks): queues and pools are lock-free, the
 * wake-ups of qchan_kmsg_sync() go through a raw spinlock, and slots from the
 * GFP_ATOMIC fallback are allocated and freed only where compat.h's
 * qchan_may_alloc_atomic() allows it (frees elsewhere become routine work).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kmsg: " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/smpboot.h>

#include "qchan.h"
#include "compat.h"
#include "kmsg.h"

int qchan_kmsg_wake_policy = QCHAN_WAKE_LOCAL;
module_param_named(wake_policy, qchan_kmsg_wake_policy, int, 0644);
MODULE_PARM_DESC(wake_policy,
		 "Server wake-ups: 0 = from the waker's CPU, 1 = on the server's home CPU (kmsg)");

struct kmsg_stats {
	unsigned long sent;		/* messages this CPU queued (after redirection) */
	unsigned long imm_run;		/* immediates run on this CPU */
	unsigned long rtn_run;		/* routine messages run on this CPU */
	unsigned long ipis;		/* kicks this CPU sent to other CPUs */
	unsigned long self_kicks;	/* kicks this CPU sent itself */
	unsigned long rekicks;		/* IPIs run outside hard irq, re-raised */
	unsigned long imm_waits;	/* worker waited for immediates between routines */
	unsigned long redirected;	/* sends to a CPU that did not accept */
	unsigned long orphaned;		/* sends while no CPU accepted (unload) */
	unsigned long pool_fallback;	/* pool empty: GFP_ATOMIC */
	unsigned long pool_fail;	/* pool empty and GFP_ATOMIC failed */
	unsigned long wake_home;	/* qchan_kmsg_wake() sent to the home CPU */
	unsigned long pool_noalloc;	/* pool empty where allocating is not allowed */
	unsigned long free_deferred;	/* fallback slots handed to the routine side to free */
	unsigned long fb_freed;		/* fallback slots freed (= pool_fallback once idle) */
};

struct kmsg_cpu {
	/* Written by every sender. */
	struct llist_head imm;
	struct llist_head rtn;
	atomic_t kicked;		/* a kick (csd or irq_work) is on its way */
	bool accepting;			/* online and not going down; see kmsg_cpu_offline() */

	call_single_data_t csd;		/* remote kicks; serialised by @kicked */
	struct irq_work irq_work;	/* kicks from this CPU to itself */

	/* Written only on this CPU. */
	unsigned long imm_drains;	/* completed drains of @imm, for the worker */
	bool rtn_busy;			/* the worker is running a batch */
	struct qchan_kmsg *running_imm;	/* for qchan_kmsg_sync() */
	struct qchan_kmsg *running_rtn;

	/* Pool of qchan_kmsg_call() slots. */
	struct llist_node *pool_free;	/* this CPU only, with irqs off */
	struct llist_head pool_returned;/* slots that ran on other CPUs */
	struct kmsg_slot *pool_mem;

	struct kmsg_stats stats;
};

struct kmsg_slot {
	struct qchan_kmsg msg;
	void (*fn)(void *arg);
	void *arg;
	int home;			/* pool owner, or -1: GFP_ATOMIC fallback */
};

static DEFINE_PER_CPU_ALIGNED(struct kmsg_cpu, kmsg_cpus);
static DEFINE_PER_CPU(struct task_struct *, kmsg_worker_task);

static enum cpuhp_state kmsg_hp_state;

/*
 * Tasks in qchan_kmsg_sync().  Woken from hard irq: a wait_queue_head's
 * spinlock_t would sleep there on PREEMPT_RT, so this is a raw lock, and the
 * wake-up is a plain wake_up_process() of every waiter (they re-check).
 */
struct kmsg_syncer {
	struct list_head node;
	struct task_struct *task;
};

static atomic_t kmsg_sync_waiters = ATOMIC_INIT(0);
static DEFINE_RAW_SPINLOCK(kmsg_sync_lock);
static LIST_HEAD(kmsg_syncers);
static struct dentry *kmsg_stats_dentry, *kmsg_snapshot_dentry;
struct dentry *qchan_kmsg_debugfs_dir;

#define kmsg_stat_inc(field)	this_cpu_inc(kmsg_cpus.stats.field)

static void kmsg_sync_wake(void)
{
	struct kmsg_syncer *s;
	unsigned long flags;

	raw_spin_lock_irqsave(&kmsg_sync_lock, flags);
	list_for_each_entry(s, &kmsg_syncers, node)
		wake_up_process(s->task);
	raw_spin_unlock_irqrestore(&kmsg_sync_lock, flags);
}

/*
 * Runs one message.  @running is set before PENDING is cleared, so
 * qchan_kmsg_sync() sees the message either pending or running; after the
 * callback nothing touches @m again: the callback may have freed it.
 */
static void kmsg_run(struct qchan_kmsg *m, struct qchan_kmsg **running)
{
	qchan_kmsg_fn_t fn = m->fn;

	WRITE_ONCE(*running, m);
	smp_mb__before_atomic();	/* running is visible before PENDING clears */
	clear_bit(QCHAN_KMSG_PENDING, &m->flags);
	fn(m);
	WRITE_ONCE(*running, NULL);
	smp_mb();	/* clear *running before reading the waiter count */
	if (unlikely(atomic_read(&kmsg_sync_waiters)))
		kmsg_sync_wake();
}

/* Runs a batch taken with llist_del_all(): reversed, it is in send order. */
static unsigned long kmsg_run_batch(struct llist_node *batch, struct qchan_kmsg **running)
{
	struct qchan_kmsg *m, *next;
	unsigned long n = 0;

	batch = llist_reverse_order(batch);
	llist_for_each_entry_safe(m, next, batch, node) {
		kmsg_run(m, running);
		n++;
	}
	return n;
}

/* Caller has preemption disabled.  See "Kicks" in kmsg.h. */
static void kmsg_kick(struct kmsg_cpu *kc, unsigned int cpu)
{
	if (atomic_xchg(&kc->kicked, 1))
		return;
	if (cpu == smp_processor_id()) {
		irq_work_queue(&kc->irq_work);
		kmsg_stat_inc(self_kicks);
		return;
	}
	kmsg_stat_inc(ipis);
	/*
	 * Cannot fail with -EBUSY: kicked was 0, so the previous kick's handler
	 * has started, and the csd is unlocked before an async handler runs.
	 * -ENXIO (offline) cannot happen either: the target accepted, and a CPU
	 * stops accepting, and drains, while it is still online.
	 */
	if (WARN_ON_ONCE(smp_call_function_single_async(cpu, &kc->csd)))
		atomic_set(&kc->kicked, 0);
}

/* How many times a handler re-takes the queue before it leaves it to the next kick. */
#define KMSG_IMM_ROUNDS	4

static void kmsg_imm_handler(struct kmsg_cpu *kc)
{
	struct llist_node *batch;
	unsigned long n = 0;
	int round;

	/*
	 * A polling idle CPU runs IPI callbacks from the idle loop, irqs off but
	 * not in hard irq.  Immediates promise hard irq: re-raise as a self-IPI
	 * (kicked stays 1, so nobody else touches the csd meanwhile).  A CPU
	 * that no longer accepts is on its way down: run them right here.
	 */
	if (unlikely(!in_hardirq()) && READ_ONCE(kc->accepting)) {
		irq_work_queue(&kc->irq_work);
		kc->stats.rekicks++;
		return;
	}

	/*
	 * Clear the kick once, before taking the queue: a later sender then
	 * either lands in a batch below or kicks again.  Never clear it again in
	 * this invocation: that kick's csd may be in flight.
	 */
	atomic_xchg(&kc->kicked, 0);
	for (round = 0; round < KMSG_IMM_ROUNDS; round++) {
		batch = llist_del_all(&kc->imm);
		if (!batch)
			break;
		n += kmsg_run_batch(batch, &kc->running_imm);
	}
	kc->stats.imm_run += n;
	WRITE_ONCE(kc->imm_drains, kc->imm_drains + 1);
}

static void kmsg_csd_fn(void *info)
{
	kmsg_imm_handler(info);
}

static void kmsg_irq_work_fn(struct irq_work *work)
{
	kmsg_imm_handler(container_of(work, struct kmsg_cpu, irq_work));
}

/*
 * The worker, between two routine messages: if immediates are queued here,
 * make sure a kick is on its way and wait until a drain that started after
 * this check has completed, so they run (in hard irq) before the next
 * routine message.  With irqs off no drain can run between the check and
 * reading the generation, and every drain of this queue runs on this CPU.
 */
static void kmsg_wait_immediates(struct kmsg_cpu *kc, unsigned int cpu)
{
	unsigned long gen;

	if (likely(llist_empty(&kc->imm)))
		return;
	local_irq_disable();
	if (llist_empty(&kc->imm)) {
		local_irq_enable();
		return;
	}
	gen = kc->imm_drains;
	kmsg_kick(kc, cpu);
	local_irq_enable();
	kc->stats.imm_waits++;
	while (READ_ONCE(kc->imm_drains) == gen)
		cpu_relax();
}

static int kmsg_should_run(unsigned int cpu)
{
	return !llist_empty(&per_cpu_ptr(&kmsg_cpus, cpu)->rtn);
}

static void kmsg_worker(unsigned int cpu)
{
	struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);
	struct qchan_kmsg *m, *next;
	struct llist_node *batch;

	WRITE_ONCE(kc->rtn_busy, true);
	batch = llist_reverse_order(llist_del_all(&kc->rtn));
	llist_for_each_entry_safe(m, next, batch, node) {
		kmsg_wait_immediates(kc, cpu);
		kmsg_run(m, &kc->running_rtn);
		kc->stats.rtn_run++;
		cond_resched();
	}
	smp_store_release(&kc->rtn_busy, false);	/* after the batch's last callback */
}

static struct smp_hotplug_thread kmsg_threads = {
	.store = &kmsg_worker_task,
	.thread_should_run = kmsg_should_run,
	.thread_fn = kmsg_worker,
	.thread_comm = "qchan_kmsg/%u",
};

/*
 * The CPU a message for @cpu goes to.  Called with preemption disabled,
 * which is the RCU read side kmsg_cpu_offline() waits for.  Sets *kick to
 * false when no CPU accepts (module unload): the message is queued on its
 * target without a kick and the final sweep of qchan_kmsg_exit() runs it.
 */
static unsigned int kmsg_route(unsigned int cpu, bool *kick)
{
	unsigned int c;

	*kick = true;
	if (likely(cpu < nr_cpu_ids && READ_ONCE(per_cpu_ptr(&kmsg_cpus, cpu)->accepting)))
		return cpu;
	kmsg_stat_inc(redirected);
	for_each_online_cpu(c)
		if (READ_ONCE(per_cpu_ptr(&kmsg_cpus, c)->accepting))
			return c;
	kmsg_stat_inc(orphaned);
	*kick = false;
	return cpu < nr_cpu_ids ? cpu : 0;
}

bool qchan_kmsg_send(unsigned int cpu, struct qchan_kmsg *m, enum qchan_kmsg_type type)
{
	struct kmsg_cpu *kc;
	bool kick;

	if (test_and_set_bit(QCHAN_KMSG_PENDING, &m->flags))
		return false;

	/* Pairs with synchronize_rcu() in kmsg_cpu_offline(). */
	preempt_disable();
	kmsg_stat_inc(sent);
	cpu = kmsg_route(cpu, &kick);
	kc = per_cpu_ptr(&kmsg_cpus, cpu);
	if (type == QCHAN_KMSG_IMMEDIATE) {
		/* Only the sender that makes the queue non-empty needs to kick. */
		if (llist_add(&m->node, &kc->imm) && kick)
			kmsg_kick(kc, cpu);
	} else {
		WARN_ON_ONCE(type != QCHAN_KMSG_ROUTINE);
		/* The worker re-checks its queue before it sleeps: no lost wake-up. */
		if (llist_add(&m->node, &kc->rtn) && kick)
			wake_up_process(per_cpu(kmsg_worker_task, cpu));
	}
	preempt_enable();
	return true;
}

/* Pool: see "Where messages live" in kmsg.h. */
static struct kmsg_slot *kmsg_slot_get(void)
{
	struct llist_node *node;
	struct kmsg_cpu *kc;
	unsigned long flags;

	local_irq_save(flags);
	kc = this_cpu_ptr(&kmsg_cpus);
	node = kc->pool_free;
	if (!node)
		node = llist_del_all(&kc->pool_returned);
	if (node)
		kc->pool_free = node->next;
	local_irq_restore(flags);
	return node ? container_of(node, struct kmsg_slot, msg.node) : NULL;
}

static void kmsg_slot_free_fn(struct qchan_kmsg *m)
{
	kfree(container_of(m, struct kmsg_slot, msg));
	kmsg_stat_inc(fb_freed);
}

static void kmsg_slot_put(struct kmsg_slot *slot)
{
	struct kmsg_cpu *home;
	unsigned long flags;

	if (slot->home < 0) {
		if (qchan_may_alloc_atomic()) {
			kfree(slot);
			kmsg_stat_inc(fb_freed);
			return;
		}
		/*
		 * Hard irq (or, on PREEMPT_RT, any atomic context): the free
		 * becomes a routine message.  kmsg_run() cleared PENDING before
		 * calling us and touches nothing after the callback, so the slot's
		 * own message can carry it.  Never fails; at unload the final
		 * sweep runs it in process context.
		 */
		qchan_kmsg_init_msg(&slot->msg, kmsg_slot_free_fn);
		qchan_kmsg_send(raw_smp_processor_id(), &slot->msg, QCHAN_KMSG_ROUTINE);
		kmsg_stat_inc(free_deferred);
		return;
	}
	home = per_cpu_ptr(&kmsg_cpus, slot->home);
	local_irq_save(flags);
	if (home == this_cpu_ptr(&kmsg_cpus)) {
		slot->msg.node.next = home->pool_free;
		home->pool_free = &slot->msg.node;
	} else {
		llist_add(&slot->msg.node, &home->pool_returned);
	}
	local_irq_restore(flags);
}

static void kmsg_slot_fn(struct qchan_kmsg *m)
{
	struct kmsg_slot *slot = container_of(m, struct kmsg_slot, msg);
	void (*fn)(void *arg) = slot->fn;
	void *arg = slot->arg;

	/* Recycle first: @fn may send again and find the slot free. */
	kmsg_slot_put(slot);
	fn(arg);
}

int qchan_kmsg_call(unsigned int cpu, void (*fn)(void *arg), void *arg,
		    enum qchan_kmsg_type type)
{
	struct kmsg_slot *slot = kmsg_slot_get();

	if (unlikely(!slot)) {
		/* Hard irq may not allocate, on PREEMPT_RT no atomic context may. */
		if (!qchan_may_alloc_atomic()) {
			kmsg_stat_inc(pool_noalloc);
			return -ENOMEM;
		}
		kmsg_stat_inc(pool_fallback);
		slot = kmalloc(sizeof(*slot), GFP_ATOMIC | __GFP_NOWARN);
		if (!slot) {
			kmsg_stat_inc(pool_fail);
			return -ENOMEM;
		}
		slot->home = -1;
	}
	qchan_kmsg_init_msg(&slot->msg, kmsg_slot_fn);
	slot->fn = fn;
	slot->arg = arg;
	qchan_kmsg_send(cpu, &slot->msg, type);
	return 0;
}

static bool kmsg_busy(struct qchan_kmsg *m)
{
	unsigned int cpu;

	if (qchan_kmsg_pending(m))
		return true;
	smp_rmb();	/* kmsg_run() sets running before it clears PENDING */
	for_each_possible_cpu(cpu) {
		struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);

		if (READ_ONCE(kc->running_imm) == m || READ_ONCE(kc->running_rtn) == m)
			return true;
	}
	return false;
}

void qchan_kmsg_sync(struct qchan_kmsg *m)
{
	struct kmsg_syncer s = { .task = current };

	might_sleep();
	if (!kmsg_busy(m))
		return;
	/* On the list before the count: kmsg_run() may wake us as soon as it sees it. */
	raw_spin_lock_irq(&kmsg_sync_lock);
	list_add(&s.node, &kmsg_syncers);
	raw_spin_unlock_irq(&kmsg_sync_lock);
	atomic_inc(&kmsg_sync_waiters);
	smp_mb__after_atomic();	/* pairs with smp_mb() in kmsg_run() */
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (!kmsg_busy(m))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	atomic_dec(&kmsg_sync_waiters);
	raw_spin_lock_irq(&kmsg_sync_lock);
	list_del(&s.node);
	raw_spin_unlock_irq(&kmsg_sync_lock);
}

struct kmsg_each {
	void (*fn)(unsigned int cpu, void *arg);
	void *arg;
	atomic_t left;
	struct completion done;
};

struct kmsg_each_msg {
	struct qchan_kmsg msg;
	struct kmsg_each *each;
	unsigned int cpu;
};

static void kmsg_each_fn(struct qchan_kmsg *m)
{
	struct kmsg_each_msg *em = container_of(m, struct kmsg_each_msg, msg);
	struct kmsg_each *each = em->each;

	each->fn(em->cpu, each->arg);
	if (atomic_dec_and_test(&each->left))
		complete(&each->done);
}

int qchan_kmsg_on_each_cpu(void (*fn)(unsigned int cpu, void *arg), void *arg,
			   enum qchan_kmsg_type type)
{
	struct kmsg_each each = { .fn = fn, .arg = arg };
	struct kmsg_each_msg *msgs;
	unsigned int cpu;

	msgs = kcalloc(nr_cpu_ids, sizeof(*msgs), GFP_KERNEL);
	if (!msgs)
		return -ENOMEM;
	init_completion(&each.done);

	/* Online CPUs accept (kmsg_cpu_online() runs before a CPU counts here). */
	cpus_read_lock();
	atomic_set(&each.left, 1);
	for_each_online_cpu(cpu) {
		msgs[cpu].each = &each;
		msgs[cpu].cpu = cpu;
		qchan_kmsg_init_msg(&msgs[cpu].msg, kmsg_each_fn);
		atomic_inc(&each.left);
		qchan_kmsg_send(cpu, &msgs[cpu].msg, type);
	}
	if (!atomic_dec_and_test(&each.left))
		wait_for_completion(&each.done);
	cpus_read_unlock();
	kfree(msgs);
	return 0;
}

static void kmsg_wake_fn(void *arg)
{
	struct task_struct *p = arg;

	wake_up_process(p);
	put_task_struct(p);
}

void qchan_kmsg_wake_policy_on(struct task_struct *p, int policy)
{
	unsigned int cpu;

	if (policy != QCHAN_WAKE_HOME)
		goto wake_here;
	cpu = task_cpu(p);
	if (cpu == raw_smp_processor_id())
		goto wake_here;
	get_task_struct(p);
	if (!qchan_kmsg_call(cpu, kmsg_wake_fn, p, QCHAN_KMSG_IMMEDIATE)) {
		kmsg_stat_inc(wake_home);
		return;
	}
	put_task_struct(p);
wake_here:
	wake_up_process(p);
}

void qchan_kmsg_wake(struct task_struct *p)
{
	qchan_kmsg_wake_policy_on(p, READ_ONCE(qchan_kmsg_wake_policy));
}

static enum hrtimer_restart kmsg_timer_fire(struct hrtimer *timer)
{
	struct qchan_kmsg_timer *kt = container_of(timer, struct qchan_kmsg_timer, timer);

	qchan_kmsg_send(READ_ONCE(kt->cpu), &kt->msg, QCHAN_KMSG_ROUTINE);
	return HRTIMER_NORESTART;
}

void qchan_kmsg_timer_init(struct qchan_kmsg_timer *kt, qchan_kmsg_fn_t fn)
{
	hrtimer_init(&kt->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	kt->timer.function = kmsg_timer_fire;
	qchan_kmsg_init_msg(&kt->msg, fn);
	kt->cpu = 0;
}

void qchan_kmsg_timer_start(struct qchan_kmsg_timer *kt, ktime_t expires, unsigned int cpu)
{
	WRITE_ONCE(kt->cpu, cpu);
	hrtimer_start(&kt->timer, expires, HRTIMER_MODE_ABS);
}

bool qchan_kmsg_timer_cancel(struct qchan_kmsg_timer *kt)
{
	bool disarmed = hrtimer_cancel(&kt->timer) == 1;

	/* Fired already: its message may be queued or running. */
	qchan_kmsg_sync(&kt->msg);
	return disarmed;
}

/*
 * Waits until everything queued for @kc has run.  Sleeps; re-kicks queues
 * that have work but no kick (orphans queued while nothing accepted).
 */
static void kmsg_drain(struct kmsg_cpu *kc, unsigned int cpu)
{
	for (;;) {
		bool imm = !llist_empty(&kc->imm) || atomic_read(&kc->kicked);
		bool rtn = !llist_empty(&kc->rtn) || READ_ONCE(kc->rtn_busy);

		if (!imm && !rtn)
			break;
		if (imm && !atomic_read(&kc->kicked) && cpu_online(cpu)) {
			preempt_disable();
			kmsg_kick(kc, cpu);
			preempt_enable();
		}
		if (rtn)
			wake_up_process(per_cpu(kmsg_worker_task, cpu));
		usleep_range(50, 200);
	}
}

static int kmsg_cpu_online(unsigned int cpu)
{
	WRITE_ONCE(per_cpu_ptr(&kmsg_cpus, cpu)->accepting, true);
	return 0;
}

/*
 * CPUHP_AP_ONLINE_DYN teardown: runs on @cpu, which is still online, with
 * its worker still running (smpboot parks it in a later step).
 */
static int kmsg_cpu_offline(unsigned int cpu)
{
	struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);

	WRITE_ONCE(kc->accepting, false);
	/* Every sender that saw accepting == true has finished its enqueue. */
	synchronize_rcu();
	kmsg_drain(kc, cpu);
	return 0;
}

/* After the workers are gone: whatever was sent while nothing accepted. */
static unsigned long kmsg_sweep(void)
{
	unsigned long n = 0, round;
	unsigned int cpu;

	do {
		round = 0;
		for_each_possible_cpu(cpu) {
			struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);
			struct llist_node *batch;

			batch = llist_del_all(&kc->imm);
			if (batch) {
				/* Not hard irq, but what immediates need: irqs off. */
				local_irq_disable();
				round += kmsg_run_batch(batch, &kc->running_imm);
				local_irq_enable();
			}
			batch = llist_del_all(&kc->rtn);
			if (batch)
				round += kmsg_run_batch(batch, &kc->running_rtn);
		}
		n += round;
	} while (round);
	return n;
}

static void kmsg_stats_add(struct kmsg_stats *sum, const struct kmsg_stats *s)
{
	const unsigned long *src = (const unsigned long *)s;
	unsigned long *dst = (unsigned long *)sum;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(unsigned long); i++)
		dst[i] += READ_ONCE(src[i]);
}

static void kmsg_stats_print(struct seq_file *sf, const char *name, const struct kmsg_stats *s)
{
	seq_printf(sf, "%-5s %10lu %10lu %10lu %9lu %9lu %7lu %8lu %8lu %8lu %8lu %8lu %9lu %12lu %10lu %8lu\n",
		   name, s->sent, s->imm_run, s->rtn_run, s->ipis, s->self_kicks, s->rekicks,
		   s->imm_waits, s->redirected, s->orphaned, s->pool_fallback, s->pool_fail,
		   s->wake_home, s->pool_noalloc, s->free_deferred, s->fb_freed);
}

static int kmsg_stats_show(struct seq_file *sf, void *unused)
{
	struct kmsg_stats sum = {}, s;
	unsigned int cpu;
	char name[16];

	seq_printf(sf, "%-5s %10s %10s %10s %9s %9s %7s %8s %8s %8s %8s %8s %9s %12s %10s %8s\n",
		   "cpu", "sent", "imm_run", "rtn_run", "ipis", "self_kick", "rekicks", "imm_wait",
		   "redirect", "orphaned", "pool_fb", "pool_err", "wake_home", "pool_noalloc",
		   "free_defer", "fb_freed");
	for_each_possible_cpu(cpu) {
		memset(&s, 0, sizeof(s));
		kmsg_stats_add(&s, &per_cpu_ptr(&kmsg_cpus, cpu)->stats);
		kmsg_stats_add(&sum, &s);
		snprintf(name, sizeof(name), "%u%s", cpu,
			 READ_ONCE(per_cpu_ptr(&kmsg_cpus, cpu)->accepting) ? "" : "-");
		kmsg_stats_print(sf, name, &s);
	}
	kmsg_stats_print(sf, "all", &sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kmsg_stats);

/*
 * /sys/kernel/debug/qchan/kmsg/snapshot: one line per online CPU, written
 * by that CPU in hard irq through qchan_kmsg_on_each_cpu().
 */
struct kmsg_snap {
	u32 ran_on;
	bool hardirq;
	bool present;
	unsigned long imm_run, rtn_run;
	u64 now;
};

static void kmsg_snap_fn(unsigned int cpu, void *arg)
{
	struct kmsg_snap *snap = (struct kmsg_snap *)arg + cpu;
	struct kmsg_cpu *kc = this_cpu_ptr(&kmsg_cpus);

	snap->ran_on = smp_processor_id();
	snap->hardirq = in_hardirq();
	snap->imm_run = kc->stats.imm_run;
	snap->rtn_run = kc->stats.rtn_run;
	snap->now = ktime_get_ns();
	snap->present = true;
}

static int kmsg_snapshot_show(struct seq_file *sf, void *unused)
{
	struct kmsg_snap *snap;
	unsigned int cpu;
	int err;

	snap = kcalloc(nr_cpu_ids, sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	err = qchan_kmsg_on_each_cpu(kmsg_snap_fn, snap, QCHAN_KMSG_IMMEDIATE);
	if (!err) {
		seq_puts(sf, "cpu ran_on hardirq imm_run rtn_run ns\n");
		for (cpu = 0; cpu < nr_cpu_ids; cpu++)
			if (snap[cpu].present)
				seq_printf(sf, "%u %u %d %lu %lu %llu\n", cpu, snap[cpu].ran_on,
					   snap[cpu].hardirq, snap[cpu].imm_run,
					   snap[cpu].rtn_run, snap[cpu].now);
	}
	kfree(snap);
	return err;
}
DEFINE_SHOW_ATTRIBUTE(kmsg_snapshot);

static int kmsg_pools_alloc(void)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);

		kc->pool_mem = kcalloc_node(QCHAN_KMSG_POOL, sizeof(*kc->pool_mem), GFP_KERNEL,
					    cpu_to_node(cpu));
		if (!kc->pool_mem)
			return -ENOMEM;
		for (i = 0; i < QCHAN_KMSG_POOL; i++) {
			kc->pool_mem[i].home = cpu;
			kc->pool_mem[i].msg.node.next =
				i + 1 < QCHAN_KMSG_POOL ? &kc->pool_mem[i + 1].msg.node : NULL;
		}
		kc->pool_free = &kc->pool_mem[0].msg.node;
	}
	return 0;
}

static void kmsg_pools_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);

		kfree(kc->pool_mem);
		kc->pool_mem = NULL;
		kc->pool_free = NULL;
		init_llist_head(&kc->pool_returned);
	}
}

int qchan_kmsg_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu) {
		struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);

		init_llist_head(&kc->imm);
		init_llist_head(&kc->rtn);
		init_llist_head(&kc->pool_returned);
		atomic_set(&kc->kicked, 0);
		INIT_CSD(&kc->csd, kmsg_csd_fn, kc);
		kc->irq_work = IRQ_WORK_INIT_HARD(kmsg_irq_work_fn);
	}

	ret = kmsg_pools_alloc();
	if (ret)
		goto err_free_pools;
	ret = smpboot_register_percpu_thread(&kmsg_threads);
	if (ret)
		goto err_free_pools;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "qchan/kmsg:online",
				kmsg_cpu_online, kmsg_cpu_offline);
	if (ret < 0)
		goto err_unregister_threads;
	kmsg_hp_state = ret;

	qchan_kmsg_debugfs_dir = debugfs_create_dir("kmsg", qchan_debugfs_dir);
	kmsg_stats_dentry = debugfs_create_file("stats", 0444, qchan_kmsg_debugfs_dir, NULL,
						&kmsg_stats_fops);
	kmsg_snapshot_dentry = debugfs_create_file("snapshot", 0444, qchan_kmsg_debugfs_dir,
						   NULL, &kmsg_snapshot_fops);
	return 0;

err_unregister_threads:
	smpboot_unregister_percpu_thread(&kmsg_threads);
err_free_pools:
	kmsg_pools_free();
	return ret;
}

void qchan_kmsg_exit(void)
{
	unsigned long swept, sent = 0, ran = 0;
	unsigned int cpu;

	/* Waits for readers; the directory itself goes with qchan_debugfs_dir. */
	debugfs_remove(kmsg_snapshot_dentry);
	debugfs_remove(kmsg_stats_dentry);

	/* Every online CPU stops accepting and runs what it has queued. */
	cpuhp_remove_state(kmsg_hp_state);
	smpboot_unregister_percpu_thread(&kmsg_threads);
	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(&kmsg_cpus, cpu)->irq_work);
	/* Hard-irq handlers are RCU readers: wait for any still returning. */
	synchronize_rcu();

	swept = kmsg_sweep();
	for_each_possible_cpu(cpu) {
		const struct kmsg_stats *s = &per_cpu_ptr(&kmsg_cpus, cpu)->stats;

		sent += s->sent;
		ran += s->imm_run + s->rtn_run;
	}
	/* The unload test reads this line: nothing may be lost on the way out. */
	pr_info("unload: %lu sent, %lu run (%lu in the final sweep)\n", sent, ran + swept, swept);
	kmsg_pools_free();
}

/* /proc/qchan/state (view.c): each CPU's kernel-message queues and totals. */
void qchan_kmsg_view_show(struct seq_file *sf)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct kmsg_cpu *kc = per_cpu_ptr(&kmsg_cpus, cpu);

		seq_printf(sf, "kmsg cpu=%u accepting=%d imm_pending=%d rtn_pending=%d sent=%lu imm_run=%lu rtn_run=%lu ipis=%lu pool_fallback=%lu\n",
			   cpu, READ_ONCE(kc->accepting), !llist_empty(&kc->imm),
			   !llist_empty(&kc->rtn), READ_ONCE(kc->stats.sent),
			   READ_ONCE(kc->stats.imm_run), READ_ONCE(kc->stats.rtn_run),
			   READ_ONCE(kc->stats.ipis), READ_ONCE(kc->stats.pool_fallback));
	}
}
