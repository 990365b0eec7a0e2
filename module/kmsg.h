/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU kernel messages (after Akaros' "kernel messages"): work shipped to
 * a CPU, to run there now (IMMEDIATE) or at a convenient point (ROUTINE).
 *
 * Types
 * -----
 * QCHAN_KMSG_IMMEDIATE  runs on the target CPU as soon as it can, in hard-irq
 *                       context (irqs off, not preemptible), and must not
 *                       sleep, on PREEMPT_RT too: there it may not take a
 *                       spinlock_t or a wait_queue_head's lock, nor allocate
 *                       or free memory (raw spinlocks, atomics, llists,
 *                       wake_up_process() and complete() are fine).  Remote
 *                       CPUs are kicked with
 *                       smp_call_function_single_async(), the local CPU with
 *                       a hard irq_work (IRQ_WORK_HARD_IRQ: not the thread RT
 *                       runs other irq_works in; a self-IPI on x86).  When the kernel
 *                       hands the IPI to a polling idle loop instead (which
 *                       runs it with irqs off but outside hard irq), the
 *                       handler re-raises itself as a self-IPI, so the
 *                       callback really does run in_hardirq() (except on a
 *                       CPU that is going offline or at module unload:
 *                       there it runs right away, still with irqs off).
 * QCHAN_KMSG_ROUTINE    runs on the target CPU in process context, in that
 *                       CPU's bound kthread "qchan_kmsg/N": preemptible, may
 *                       sleep, take mutexes and run long.  It never interrupts
 *                       anything: it is scheduled like any SCHED_OTHER thread.
 *
 * Order
 * -----
 * Per target CPU and per type there is one FIFO.  "In order" means: the
 * messages one sender (one thread of control: a task, or one interrupt
 * handler invocation) sends to one CPU with one type run in the order that
 * sender sent them.  Messages of concurrent senders interleave in the order
 * their enqueues hit the queue.  IMMEDIATE and ROUTINE are separate FIFOs:
 * immediates overtake routine work.
 *
 * Immediate before routine
 * ------------------------
 * An immediate queued while a routine message runs on that CPU runs before
 * the next routine message starts.  Normally its IPI simply interrupts the
 * routine callback.  As IPIs are asynchronous, the worker also checks the
 * immediate queue between two routine messages: if it is not empty, it
 * raises (or relies on the already pending) kick with irqs off and waits for
 * one full drain of the immediate queue on its CPU before it starts the next
 * routine message.  Immediates therefore still run in hard irq, and the rule
 * holds even if the remote IPI is slow.
 *
 * Kicks (no lost work when IPIs coalesce)
 * ---------------------------------------
 * A sender always enqueues first (lock-free llist), then kicks.  Each CPU has
 * one "kicked" word: a sender that turns the queue from empty to non-empty
 * claims it (xchg 0 -> 1) and sends the one IPI; the handler clears it
 * *before* it takes the queue, so anything enqueued after that either is in
 * the batch it takes or finds kicked == 0 and sends a new IPI.  Routine work
 * wakes the CPU's kthread, which re-checks its queue before sleeping.
 *
 * Where messages live (the send path never allocates)
 * ---------------------------------------------------
 * struct qchan_kmsg is embedded in the caller's object and initialised once
 * with qchan_kmsg_init_msg().  qchan_kmsg_send() cannot fail: it returns
 * false only when the message is already queued (it will run once, like a
 * work_struct).  The message is released (may be re-sent, e.g. from its own
 * callback) just before the callback runs; the object must stay alive until
 * the callback returns: qchan_kmsg_sync() waits for that.
 *
 * qchan_kmsg_call() is the Akaros-style send(cpu, fn, arg, type) without an
 * object: it takes a slot from the sending CPU's pool (QCHAN_KMSG_POOL slots
 * per CPU, returned lock-free by the CPU that ran it).  Fallback when the
 * pool is empty: one GFP_ATOMIC allocation, but only where the allocator may
 * be called: not in hard irq on any kernel, and on PREEMPT_RT only from
 * preemptible code (a held spinlock_t is fine there, irqs or preemption off
 * are not).  Elsewhere an empty pool, or a failed allocation, means
 * -ENOMEM.  A fallback slot is not freed in hard irq (on RT: in no atomic
 * context) either: its message is re-sent as a ROUTINE one that frees it.
 * Code that must never fail embeds a struct qchan_kmsg.
 *
 * Contexts
 * --------
 * qchan_kmsg_send() and qchan_kmsg_call() may be called from any context
 * except NMI: process, softirq, hard irq, irqs off, spinlocks held (raw
 * ones too).  The send path takes no lock and never allocates.
 *
 * CPU hotplug
 * -----------
 * When a CPU goes down (the CPUHP_AP_ONLINE_DYN teardown, which runs on that
 * CPU while it is still fully online), it stops accepting messages, waits for
 * every sender that may not have seen that (synchronize_rcu(): the send path
 * is a preempt-disabled section), then runs everything already queued for it,
 * on it, before it goes.  Messages sent to a CPU that is offline (or going
 * down) run on the lowest-numbered online CPU that accepts them: they are
 * never dropped, but they run elsewhere, and order is guaranteed only for
 * messages that ran on the CPU they were sent to.  A CPU cannot finish going
 * offline while a routine callback on it still runs: callbacks that wait for
 * long delay CPU hotplug (as long-running work items do).
 *
 * Module unload drains every queue and waits for running callbacks and
 * in-flight IPIs before the code and the per-CPU state go away.
 */
#ifndef QCHAN_KMSG_H
#define QCHAN_KMSG_H

#include <linux/hrtimer.h>
#include <linux/llist.h>
#include <linux/sched.h>
#include <linux/types.h>

struct dentry;

/* /sys/kernel/debug/qchan/kmsg: stats, snapshot (and test/ with kmsg_test=1). */
extern struct dentry *qchan_kmsg_debugfs_dir;

enum qchan_kmsg_type {
	QCHAN_KMSG_IMMEDIATE,
	QCHAN_KMSG_ROUTINE,
};

struct qchan_kmsg;
typedef void (*qchan_kmsg_fn_t)(struct qchan_kmsg *m);

/* Embed in the caller's object; use container_of() in the callback. */
struct qchan_kmsg {
	struct llist_node node;
	unsigned long flags;		/* QCHAN_KMSG_PENDING: queued, not started */
	qchan_kmsg_fn_t fn;
};

#define QCHAN_KMSG_PENDING	0	/* bit number in flags */

/* Slots in each CPU's pool for qchan_kmsg_call(). */
#define QCHAN_KMSG_POOL		256

static inline void qchan_kmsg_init_msg(struct qchan_kmsg *m, qchan_kmsg_fn_t fn)
{
	m->node.next = NULL;
	m->flags = 0;
	m->fn = fn;
}

/* True while @m is queued and its callback has not started. */
static inline bool qchan_kmsg_pending(const struct qchan_kmsg *m)
{
	return test_bit(QCHAN_KMSG_PENDING, &m->flags);
}

/*
 * Queues @m on @cpu (any possible CPU; offline ones are redirected, see
 * above).  Returns false, and does nothing, when @m is already queued.
 * Any context but NMI; never allocates, never fails otherwise.
 */
bool qchan_kmsg_send(unsigned int cpu, struct qchan_kmsg *m, enum qchan_kmsg_type type);

/*
 * Akaros' send_kernel_message(cpu, fn, arg, type) with a pool slot: @fn(@arg)
 * runs on @cpu.  0, or -ENOMEM when the pool is empty and GFP_ATOMIC fails
 * or is not allowed here (hard irq; on PREEMPT_RT any non-preemptible
 * context).  Any context but NMI.
 */
int qchan_kmsg_call(unsigned int cpu, void (*fn)(void *arg), void *arg,
		    enum qchan_kmsg_type type);

/*
 * Waits until @m is neither queued nor running anywhere.  Process context,
 * never from @m's own callback.  The caller must stop re-sends of @m first
 * (as for cancel_work_sync()); a queued message cannot be taken back, so
 * this waits for it to run.
 */
void qchan_kmsg_sync(struct qchan_kmsg *m);

/*
 * Per-CPU snapshot for introspection: runs @fn(cpu, @arg) on every online
 * CPU (IMMEDIATE: in hard irq; ROUTINE: in that CPU's kthread) and waits
 * for all of them.  CPU hotplug is held off meanwhile, so @fn must not take
 * cpus_read_lock().  Process context, not from a ROUTINE callback (it would
 * wait for its own CPU's worker); 0 or -ENOMEM.
 */
int qchan_kmsg_on_each_cpu(void (*fn)(unsigned int cpu, void *arg), void *arg,
			   enum qchan_kmsg_type type);

/*
 * The wake-up policy of server threads (module parameter wake_policy,
 * writable at run time so benchmarks can compare):
 *   QCHAN_WAKE_LOCAL  wake_up_process() from the waker's CPU (the default
 *                     Linux behaviour: the scheduler may pull the woken
 *                     server over to the waker's CPU).
 *   QCHAN_WAKE_HOME   the wake-up itself runs on the CPU the task last ran on
 *                     (an IMMEDIATE message), so the scheduler's wake-affine
 *                     choice is between the home CPU and itself: servers stay
 *                     put unless their home CPU is busy and an idle sibling
 *                     is found.
 */
enum {
	QCHAN_WAKE_LOCAL = 0,
	QCHAN_WAKE_HOME = 1,
};

extern int qchan_kmsg_wake_policy;

/*
 * Wakes @p (TASK_NORMAL sleeps) according to qchan_kmsg_wake_policy.  Any
 * context but NMI; never fails.  With QCHAN_WAKE_HOME the wake-up happens a
 * little later, from another CPU: the sleeper must re-check its condition
 * (as every wait loop does) and may see a spurious wake-up after it has
 * already returned, which sleeping kernel code tolerates.  Takes its own
 * reference on @p.  When @p's home is the current CPU, or the pool is empty,
 * it falls back to a plain wake_up_process().
 */
void qchan_kmsg_wake(struct task_struct *p);

/* The same with an explicit policy (benchmarks compare the two in one boot). */
void qchan_kmsg_wake_policy_on(struct task_struct *p, int policy);

/*
 * Queues @m on the CPU @p last ran on (its "home"), e.g. ROUTINE work that
 * must run next to a sleeping server thread.  task_cpu() of a sleeping task
 * is stable enough for a placement hint; if @p migrates meanwhile the message
 * still runs, on the old CPU.  The wake-up itself is cheaper through
 * qchan_kmsg_wake(): one IPI, where a ROUTINE message costs a kthread wake-up
 * before the server's.
 */
static inline bool qchan_kmsg_send_home(struct task_struct *p, struct qchan_kmsg *m,
					enum qchan_kmsg_type type)
{
	return qchan_kmsg_send(task_cpu(p), m, type);
}

/*
 * Timeouts: an hrtimer whose expiry queues a ROUTINE message on @cpu, so
 * the work that unblocks the sleeper (taking ctx->lock, failing the message
 * with -ETIMEDOUT, waking the thread) runs in process context.
 */
struct qchan_kmsg_timer {
	struct hrtimer timer;
	struct qchan_kmsg msg;
	unsigned int cpu;
};

/* @fn gets &kt->msg: container_of(m, struct qchan_kmsg_timer, msg). */
void qchan_kmsg_timer_init(struct qchan_kmsg_timer *kt, qchan_kmsg_fn_t fn);
/* Arms @kt to fire at absolute CLOCK_MONOTONIC time @expires and run on @cpu. */
void qchan_kmsg_timer_start(struct qchan_kmsg_timer *kt, ktime_t expires, unsigned int cpu);
/*
 * Disarms @kt and waits until its message, if it was queued, has run.
 * Returns true if the timer was disarmed before it fired.  Process context.
 */
bool qchan_kmsg_timer_cancel(struct qchan_kmsg_timer *kt);

struct seq_file;
void qchan_kmsg_view_show(struct seq_file *sf);	/* /proc/qchan/state (view.c) */

#endif /* QCHAN_KMSG_H */
