// SPDX-License-Identifier: GPL-2.0
/*
 * Test and benchmark interface of the kernel messages (kmsg.h), for root
 * only and only with the module parameter kmsg_test=1: it lets its user
 * flood every CPU with interrupts.
 *
 * /sys/kernel/debug/qchan/kmsg/test/
 *   ctl       write one command per write(2):
 *     reset NIDS NREC        new run: message ids 0..NIDS-1, records for ids < NREC
 *     send S T TYPE ID N MODE
 *                            send N messages with ids ID..ID+N-1 from sender index S
 *                            to CPU T; TYPE imm|rtn; MODE task (preemption off),
 *                            irqoff (irqs off, a raw spinlock held), hardirq (from an
 *                            immediate handler on the writer's CPU), pool
 *                            (qchan_kmsg_call() from preemptible process context) or
 *                            hardpool (qchan_kmsg_call() from one immediate handler
 *                            on the writer's CPU, all N in it; N <= 4096).  Returns
 *                            once they are queued; a qchan_kmsg_call() that fails
 *                            counts in send_fail.
 *     wait MS                wait until every message sent in this run has run
 *     hold T MS              start a routine "blocker" on CPU T that sleeps until
 *                            "release" (or MS ms); returns once it runs
 *     imm_hold T MS          start an immediate on CPU T that spins in hard irq
 *                            until "release" (or MS ms, at most 10 s): T's
 *                            immediates queue up meanwhile; returns once it runs
 *     release                end the blockers and immediate holders, wait for them
 *     bg_start TYPE SLEEP    background senders (one kthread per online CPU,
 *                            TYPE imm|rtn|mix) until bg_stop or module unload;
 *                            every SLEEP-th routine message sleeps 50-100 us
 *     bg_stop
 *     timer CPU N DELAY_US   N qchan_kmsg_timers to run on CPU after DELAY_US;
 *                            the odd ones are cancelled at once; result in
 *                            "bench": ran, cancelled, late_cancel, extra,
 *                            misplaced, early, badctx
 *     bench WHAT SRC DST N   in-kernel cost per message from CPU SRC to DST
 *                            (kmsg_bench.c): imm, imm_batch, rtn, rtn_batch (kmsg), scf
 *                            (smp_call_function_single, wait=1), wq
 *                            (queue_work_on + flush_work), wake_local and
 *                            wake_home (wake a sleeper that starts on DST
 *                            with each wake policy)
 *   counters  per (type, sender, target): sent ran dup ooo misplaced badctx, then totals
 *   records   one line per recorded message that ran
 *   bench     the last bench result: WHAT SRC DST N TOTAL_NS NS_PER_MSG MOVES
 *             (MOVES: wake_* only, wake-ups that found the sleeper on another CPU)
 *
 * Counting is exact: every message carries its id; a bitmap catches
 * duplicates, the last id run per (type, sender, target) catches reordering,
 * and sent/ran count every message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kmsg_test: " fmt

#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "qchan.h"
#include "kmsg.h"

static bool kmsg_test;
module_param(kmsg_test, bool, 0444);
MODULE_PARM_DESC(kmsg_test, "Create the kernel-message test interface (debugfs qchan/kmsg/test)");

#define KT_MAX_IDS	(4 * 1024 * 1024U)
#define KT_MAX_RECS	(1024 * 1024U)
#define KT_HARDIRQ_BATCH 128
#define KT_HARDPOOL_MAX	4096U

struct kt_msg {
	struct qchan_kmsg km;
	u32 id;
	u16 sender;
	u16 target;
	u8 type;
	u8 used;
	u16 sent_cpu;
	u64 t_send;
};

struct kt_rec {
	u32 id;
	u16 sender, target, sent_cpu, ran_cpu;
	u8 type, hardirq, preemptible, irqs_off, task, blocked;
	u64 t_send, t_run, exec_seq;
};

struct kt_pair {
	atomic_long_t sent, ran, dup, ooo, misplaced, badctx;
};

/* One run (between two resets).  Pointers change only under kt_rwsem (write). */
static struct {
	struct kt_msg *msgs;
	u32 nids;
	struct kt_rec *recs;
	u32 nrec;
	unsigned long *seen;
	atomic64_t *last;		/* [type][sender][target]: last id run */
	struct kt_pair *pairs;		/* [type][sender][target] */
	atomic_long_t in_flight;
	atomic_long_t send_fail;
	atomic64_t exec_seq;
} kt;

static DECLARE_RWSEM(kt_rwsem);
static DECLARE_WAIT_QUEUE_HEAD(kt_wq);
/* Held around sends in "irqoff" mode; raw: a spinlock_t leaves irqs on under PREEMPT_RT. */
static DEFINE_RAW_SPINLOCK(kt_lock);
static struct dentry *kt_dir;

/*
 * kt_wq's lock is a spinlock_t, which sleeps on PREEMPT_RT: from hard irq
 * (immediates), wake it through an irq_work, which RT runs in a thread.
 */
static void kt_wake_fn(struct irq_work *work)
{
	wake_up_all(&kt_wq);
}

static struct irq_work kt_wake_work = IRQ_WORK_INIT(kt_wake_fn);

static void kt_wake(void)
{
	if (preemptible())
		wake_up_all(&kt_wq);
	else
		irq_work_queue(&kt_wake_work);
}

static inline size_t kt_idx(unsigned int type, unsigned int sender, unsigned int target)
{
	return ((size_t)type * nr_cpu_ids + sender) * nr_cpu_ids + target;
}

/* Blockers: a routine message per CPU that sleeps until released. */
struct kt_blocker {
	struct qchan_kmsg km;
	unsigned long deadline;
	bool started;
};

static struct kt_blocker *kt_blockers;	/* [nr_cpu_ids] */
static int *kt_blocked;			/* [nr_cpu_ids]: a blocker is running there */
static bool kt_release;

static void kt_blocker_fn(struct qchan_kmsg *m)
{
	struct kt_blocker *b = container_of(m, struct kt_blocker, km);
	unsigned int cpu = raw_smp_processor_id();

	WRITE_ONCE(kt_blocked[cpu], 1);
	smp_store_release(&b->started, true);	/* kt_blocked is set before */
	wake_up_all(&kt_wq);
	/* Routine work may sleep: this is what it is for. */
	while (!READ_ONCE(kt_release) && time_before(jiffies, b->deadline))
		usleep_range(1000, 2000);
	WRITE_ONCE(kt_blocked[cpu], 0);
}

/* What every test message does when it runs. */
static void kt_ran(struct kt_msg *msg)
{
	unsigned int cpu = raw_smp_processor_id();
	struct kt_pair *pair = &kt.pairs[kt_idx(msg->type, msg->sender, msg->target)];
	atomic64_t *last = &kt.last[kt_idx(msg->type, msg->sender, msg->target)];
	bool hardirq = in_hardirq(), preempt = preemptible();
	bool irqs_off = irqs_disabled(), task = in_task();
	u64 seq = atomic64_inc_return(&kt.exec_seq);
	bool ctx_ok;

	if (test_and_set_bit(msg->id, kt.seen))
		atomic_long_inc(&pair->dup);
	if ((s64)atomic64_xchg(last, msg->id) > (s64)msg->id)
		atomic_long_inc(&pair->ooo);
	if (cpu != msg->target)
		atomic_long_inc(&pair->misplaced);
	if (msg->type == QCHAN_KMSG_IMMEDIATE)
		ctx_ok = hardirq && irqs_off && !preempt;
	else
		ctx_ok = task && preempt && !irqs_off;
	if (!ctx_ok)
		atomic_long_inc(&pair->badctx);

	if (msg->id < kt.nrec) {
		struct kt_rec *r = &kt.recs[msg->id];

		r->id = msg->id;
		r->sender = msg->sender;
		r->target = msg->target;
		r->sent_cpu = msg->sent_cpu;
		r->ran_cpu = cpu;
		r->type = msg->type;
		r->hardirq = hardirq;
		r->preemptible = preempt;
		r->irqs_off = irqs_off;
		r->task = task;
		r->blocked = READ_ONCE(kt_blocked[cpu]);
		r->t_send = msg->t_send;
		r->exec_seq = seq;
		/* t_run != 0 publishes the record to kt_rec_show() */
		smp_store_release(&r->t_run, ktime_get_ns());
	}
	atomic_long_inc(&pair->ran);
	if (atomic_long_dec_and_test(&kt.in_flight))
		kt_wake();
}

static void kt_msg_fn(struct qchan_kmsg *m)
{
	kt_ran(container_of(m, struct kt_msg, km));
}

static void kt_pool_fn(void *arg)
{
	kt_ran(arg);
}

enum kt_mode { KT_TASK, KT_IRQOFF, KT_HARDIRQ, KT_POOL, KT_HARDPOOL };

/* Prepares and sends one message; called with preemption or migration disabled. */
static void kt_send_one(struct kt_msg *msg, enum kt_mode mode)
{
	struct kt_pair *pair = &kt.pairs[kt_idx(msg->type, msg->sender, msg->target)];

	msg->sent_cpu = raw_smp_processor_id();
	msg->t_send = ktime_get_ns();
	atomic_long_inc(&pair->sent);
	atomic_long_inc(&kt.in_flight);
	if (mode == KT_POOL || mode == KT_HARDPOOL) {
		if (qchan_kmsg_call(msg->target, kt_pool_fn, msg, msg->type)) {
			atomic_long_inc(&kt.send_fail);
			atomic_long_dec(&pair->sent);
			atomic_long_dec(&kt.in_flight);
		}
		return;
	}
	qchan_kmsg_init_msg(&msg->km, kt_msg_fn);
	qchan_kmsg_send(msg->target, &msg->km, msg->type);
}

struct kt_launch {
	struct qchan_kmsg km;
	struct kt_msg *first;
	unsigned int n;
	enum kt_mode mode;
	struct completion done;
};

/* "hardirq" and "hardpool" modes: the sends happen inside an immediate handler. */
static void kt_launch_fn(struct qchan_kmsg *m)
{
	struct kt_launch *l = container_of(m, struct kt_launch, km);
	unsigned int i;

	for (i = 0; i < l->n; i++)
		kt_send_one(&l->first[i], l->mode);
	complete(&l->done);
}

static int kt_send(unsigned int sender, unsigned int target, unsigned int type,
		   u32 first, u32 count, enum kt_mode mode)
{
	unsigned long flags;
	u32 i, j;

	if (sender >= nr_cpu_ids || target >= nr_cpu_ids || !count)
		return -EINVAL;
	if (mode == KT_HARDPOOL && count > KT_HARDPOOL_MAX)
		return -EINVAL;
	if (first >= kt.nids || count > kt.nids - first)
		return -ERANGE;
	for (i = first; i < first + count; i++) {
		struct kt_msg *msg = &kt.msgs[i];

		/* Each id is sent once per run: that is what makes dups visible. */
		if (xchg(&msg->used, 1))
			return -EEXIST;
		msg->id = i;
		msg->sender = sender;
		msg->target = target;
		msg->type = type;
	}

	for (i = first; i < first + count; i += j) {
		/* hardpool: one handler must send more than a pool holds. */
		u32 batch = min_t(u32, first + count - i,
				  mode == KT_HARDPOOL ? KT_HARDPOOL_MAX : KT_HARDIRQ_BATCH);

		switch (mode) {
		case KT_TASK:
			for (j = 0; j < batch; j++) {
				preempt_disable();
				kt_send_one(&kt.msgs[i + j], mode);
				preempt_enable();
			}
			break;
		case KT_POOL:
			/*
			 * Preemptible, as most callers are (on PREEMPT_RT only they
			 * may fall back to GFP_ATOMIC); sent_cpu stays true.
			 */
			for (j = 0; j < batch; j++) {
				migrate_disable();
				kt_send_one(&kt.msgs[i + j], mode);
				migrate_enable();
			}
			break;
		case KT_IRQOFF:
			for (j = 0; j < batch; j++) {
				raw_spin_lock_irqsave(&kt_lock, flags);
				kt_send_one(&kt.msgs[i + j], mode);
				raw_spin_unlock_irqrestore(&kt_lock, flags);
			}
			break;
		case KT_HARDIRQ:
		case KT_HARDPOOL: {
			struct kt_launch l = { .first = &kt.msgs[i], .n = batch, .mode = mode };

			init_completion(&l.done);
			qchan_kmsg_init_msg(&l.km, kt_launch_fn);
			qchan_kmsg_send(raw_smp_processor_id(), &l.km, QCHAN_KMSG_IMMEDIATE);
			wait_for_completion(&l.done);
			/* complete() is the handler's last access, but kmsg may still hold it */
			qchan_kmsg_sync(&l.km);
			j = batch;
			break;
		}
		}
		cond_resched();
	}
	return 0;
}

static void kt_free_run(void)
{
	kvfree(kt.msgs);
	kvfree(kt.recs);
	kvfree(kt.seen);
	kvfree(kt.last);
	kvfree(kt.pairs);
	kt.msgs = NULL;
	kt.recs = NULL;
	kt.seen = NULL;
	kt.last = NULL;
	kt.pairs = NULL;
	kt.nids = 0;
	kt.nrec = 0;
}

/* Called with kt_rwsem held for writing. */
static int kt_reset(u32 nids, u32 nrec)
{
	size_t npairs = 2 * (size_t)nr_cpu_ids * nr_cpu_ids, i;

	if (!nids || nids > KT_MAX_IDS || nrec > min(nids, KT_MAX_RECS))
		return -EINVAL;
	if (atomic_long_read(&kt.in_flight))
		return -EBUSY;
	kt_free_run();
	kt.msgs = kvcalloc(nids, sizeof(*kt.msgs), GFP_KERNEL);
	kt.recs = kvcalloc(max(nrec, 1U), sizeof(*kt.recs), GFP_KERNEL);
	kt.seen = kvcalloc(BITS_TO_LONGS(nids), sizeof(long), GFP_KERNEL);
	kt.last = kvcalloc(npairs, sizeof(*kt.last), GFP_KERNEL);
	kt.pairs = kvcalloc(npairs, sizeof(*kt.pairs), GFP_KERNEL);
	if (!kt.msgs || !kt.recs || !kt.seen || !kt.last || !kt.pairs) {
		kt_free_run();
		return -ENOMEM;
	}
	for (i = 0; i < npairs; i++)
		atomic64_set(&kt.last[i], -1);
	kt.nids = nids;
	kt.nrec = nrec;
	atomic_long_set(&kt.send_fail, 0);
	atomic64_set(&kt.exec_seq, 0);
	return 0;
}

static int kt_hold(unsigned int cpu, unsigned int ms)
{
	struct kt_blocker *b;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	b = &kt_blockers[cpu];
	if (qchan_kmsg_pending(&b->km) || READ_ONCE(kt_blocked[cpu]))
		return -EBUSY;
	WRITE_ONCE(kt_release, false);
	b->deadline = jiffies + msecs_to_jiffies(ms);
	b->started = false;
	qchan_kmsg_init_msg(&b->km, kt_blocker_fn);
	qchan_kmsg_send(cpu, &b->km, QCHAN_KMSG_ROUTINE);
	wait_event(kt_wq, smp_load_acquire(&b->started));	/* pairs with kt_blocker_fn() */
	return 0;
}

/*
 * Immediate holders: an immediate per CPU that spins in hard irq until
 * released, so that CPU's immediates pile up (and the senders' pools run
 * dry) and then run in one go.
 */
struct kt_imm_hold {
	struct qchan_kmsg km;
	u64 deadline;			/* ktime_get_ns() */
	bool started;
	bool running;
};

static struct kt_imm_hold *kt_imm_holds;	/* [nr_cpu_ids] */

/*
 * After "release", a holder spins this much longer, so that the releasing
 * task is asleep in qchan_kmsg_sync() when it ends: its wake-up then comes
 * from hard irq.
 */
#define KT_IMM_LINGER_NS	(20 * NSEC_PER_MSEC)

static void kt_imm_hold_fn(struct qchan_kmsg *m)
{
	struct kt_imm_hold *h = container_of(m, struct kt_imm_hold, km);
	u64 end;

	WRITE_ONCE(h->running, true);
	smp_store_release(&h->started, true);	/* pairs with kt_imm_hold() */
	while (!READ_ONCE(kt_release) && ktime_get_ns() < h->deadline)
		cpu_relax();
	end = min(ktime_get_ns() + KT_IMM_LINGER_NS, h->deadline);
	while (ktime_get_ns() < end)
		cpu_relax();
	WRITE_ONCE(h->running, false);
}

static int kt_imm_hold(unsigned int cpu, unsigned int ms)
{
	struct kt_imm_hold *h;
	unsigned long timeout = jiffies + 30 * HZ;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu) || ms > 10000)
		return -EINVAL;
	h = &kt_imm_holds[cpu];
	if (qchan_kmsg_pending(&h->km) || READ_ONCE(h->running))
		return -EBUSY;
	WRITE_ONCE(kt_release, false);
	h->deadline = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	h->started = false;
	qchan_kmsg_init_msg(&h->km, kt_imm_hold_fn);
	qchan_kmsg_send(cpu, &h->km, QCHAN_KMSG_IMMEDIATE);
	/* Poll: the holder cannot wake anyone while it keeps its CPU's irqs off. */
	while (!smp_load_acquire(&h->started)) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(100, 200);
	}
	return 0;
}

static void kt_release_all(void)
{
	unsigned int cpu;

	WRITE_ONCE(kt_release, true);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		qchan_kmsg_sync(&kt_imm_holds[cpu].km);
		qchan_kmsg_sync(&kt_blockers[cpu].km);
	}
}

/* Background flood: lives past its users (module unload while busy). */
static struct task_struct **kt_bg_tasks;	/* [nr_cpu_ids] */
static DEFINE_MUTEX(kt_bg_lock);
static atomic_long_t kt_bg_sent, kt_bg_ran;
static unsigned int kt_bg_sleep;

#define KT_BG_IN_FLIGHT	4096

static void kt_bg_fn(void *arg)
{
	unsigned long n = atomic_long_inc_return(&kt_bg_ran);

	if (in_task() && kt_bg_sleep && !(n % kt_bg_sleep))
		usleep_range(50, 100);
}

static int kt_bg_thread(void *arg)
{
	unsigned long type_mask = (unsigned long)arg, i = 0;
	unsigned int cpu;

	while (!kthread_should_stop()) {
		for_each_online_cpu(cpu) {
			unsigned int type = (type_mask == 3) ? (i & 1) : type_mask - 1;

			if (atomic_long_read(&kt_bg_sent) - atomic_long_read(&kt_bg_ran) >=
			    KT_BG_IN_FLIGHT) {
				usleep_range(20, 50);
				break;
			}
			if (!qchan_kmsg_call(cpu, kt_bg_fn, NULL, type))
				atomic_long_inc(&kt_bg_sent);
			i++;
		}
		cond_resched();
	}
	return 0;
}

static void kt_bg_stop(void)
{
	unsigned int cpu;

	mutex_lock(&kt_bg_lock);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (kt_bg_tasks[cpu]) {
			kthread_stop(kt_bg_tasks[cpu]);
			put_task_struct(kt_bg_tasks[cpu]);
			kt_bg_tasks[cpu] = NULL;
		}
	}
	mutex_unlock(&kt_bg_lock);
}

static int kt_bg_start(const char *type, unsigned int sleep_every)
{
	unsigned long mask;
	unsigned int cpu;
	int err = 0;

	if (!strcmp(type, "imm"))
		mask = 1;
	else if (!strcmp(type, "rtn"))
		mask = 2;
	else if (!strcmp(type, "mix"))
		mask = 3;
	else
		return -EINVAL;

	mutex_lock(&kt_bg_lock);
	kt_bg_sleep = sleep_every;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (kt_bg_tasks[cpu])
			continue;
		t = kthread_create(kt_bg_thread, (void *)mask, "qchan_kmsg_bg/%u", cpu);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		/* Plain affinity, not kthread_bind(): a CPU going down takes it elsewhere. */
		set_cpus_allowed_ptr(t, cpumask_of(cpu));
		get_task_struct(t);
		kt_bg_tasks[cpu] = t;
		wake_up_process(t);
	}
	cpus_read_unlock();
	mutex_unlock(&kt_bg_lock);
	if (err)
		kt_bg_stop();
	return err;
}

/*
 * Timers: N qchan_kmsg_timers fire DELAY_US from now (staggered by 10 us)
 * and run on CPU; every odd one is cancelled right away and must never run;
 * every even one must run exactly once, on CPU, in process context, not
 * before its expiry, and be finished when qchan_kmsg_timer_cancel() returns.
 */
struct kt_timer {
	struct qchan_kmsg_timer kt;
	ktime_t expires;
	int ran_cpu;
	int runs;
	bool early;
	bool ctx_ok;
};

static atomic_t kt_timers_ran;

static void kt_timer_fn(struct qchan_kmsg *m)
{
	struct kt_timer *t = container_of(m, struct kt_timer, kt.msg);

	t->ran_cpu = raw_smp_processor_id();
	t->ctx_ok = in_task() && preemptible();
	t->early = ktime_before(ktime_get(), t->expires);
	t->runs++;
	atomic_inc(&kt_timers_ran);
	wake_up_all(&kt_wq);
}

static int kt_timers(unsigned int cpu, unsigned int n, unsigned int delay_us)
{
	unsigned int ran = 0, cancelled = 0, extra = 0, misplaced = 0, early = 0, badctx = 0;
	unsigned int late_cancel = 0, i;
	struct kt_timer *ts;
	char res[160];
	ktime_t now;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu) || !n || n > 10000 || delay_us > 10000000)
		return -EINVAL;
	ts = kvcalloc(n, sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;
	atomic_set(&kt_timers_ran, 0);
	now = ktime_get();
	for (i = 0; i < n; i++) {
		qchan_kmsg_timer_init(&ts[i].kt, kt_timer_fn);
		ts[i].expires = ktime_add_us(now, delay_us + 10 * i);
		qchan_kmsg_timer_start(&ts[i].kt, ts[i].expires, cpu);
	}
	for (i = 1; i < n; i += 2)
		cancelled += qchan_kmsg_timer_cancel(&ts[i].kt);
	/* The even ones: give them their delay plus ample TCG slack. */
	wait_event_timeout(kt_wq, atomic_read(&kt_timers_ran) >= (n + 1) / 2,
			   usecs_to_jiffies(delay_us) + 30 * HZ);
	for (i = 0; i < n; i += 2)
		late_cancel += qchan_kmsg_timer_cancel(&ts[i].kt);
	for (i = 0; i < n; i++) {
		if (i & 1) {
			extra += ts[i].runs;
			continue;
		}
		ran += ts[i].runs == 1;
		extra += ts[i].runs > 1 ? ts[i].runs - 1 : 0;
		misplaced += ts[i].runs && ts[i].ran_cpu != cpu;
		early += ts[i].early;
		badctx += ts[i].runs && !ts[i].ctx_ok;
	}
	kvfree(ts);
	snprintf(res, sizeof(res),
		 "timer %u %u ran %u cancelled %u late_cancel %u extra %u misplaced %u early %u badctx %u\n",
		 cpu, n, ran, cancelled, late_cancel, extra, misplaced, early, badctx);
	qchan_kmsg_bench_report(res);
	return 0;
}

static int kt_parse_type(const char *s, unsigned int *type)
{
	if (!strcmp(s, "imm"))
		*type = QCHAN_KMSG_IMMEDIATE;
	else if (!strcmp(s, "rtn"))
		*type = QCHAN_KMSG_ROUTINE;
	else
		return -EINVAL;
	return 0;
}

static int kt_parse_mode(const char *s, enum kt_mode *mode)
{
	static const char *const names[] = {
		[KT_TASK] = "task", [KT_IRQOFF] = "irqoff", [KT_HARDIRQ] = "hardirq",
		[KT_POOL] = "pool", [KT_HARDPOOL] = "hardpool",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int kt_command(char *cmd)
{
	unsigned int a, b, c, d, type;
	char s1[16], s2[16];
	enum kt_mode mode;
	long left;
	int err;

	if (sscanf(cmd, "send %u %u %15s %u %u %15s", &a, &b, s1, &c, &d, s2) == 6) {
		err = kt_parse_type(s1, &type);
		if (!err)
			err = kt_parse_mode(s2, &mode);
		if (err)
			return err;
		down_read(&kt_rwsem);
		err = kt.msgs ? kt_send(a, b, type, c, d, mode) : -ENODATA;
		up_read(&kt_rwsem);
		return err;
	}
	if (sscanf(cmd, "reset %u %u", &a, &b) == 2) {
		down_write(&kt_rwsem);
		err = kt_reset(a, b);
		up_write(&kt_rwsem);
		return err;
	}
	if (sscanf(cmd, "wait %u", &a) == 1) {
		left = wait_event_interruptible_timeout(kt_wq, !atomic_long_read(&kt.in_flight),
							msecs_to_jiffies(a));
		if (left < 0)
			return left;
		return left ? 0 : -ETIMEDOUT;
	}
	if (sscanf(cmd, "hold %u %u", &a, &b) == 2)
		return kt_hold(a, b);
	if (sscanf(cmd, "imm_hold %u %u", &a, &b) == 2)
		return kt_imm_hold(a, b);
	if (!strcmp(cmd, "release")) {
		kt_release_all();
		return 0;
	}
	if (sscanf(cmd, "bg_start %15s %u", s1, &a) == 2)
		return kt_bg_start(s1, a);
	if (!strcmp(cmd, "bg_stop")) {
		kt_bg_stop();
		return 0;
	}
	if (sscanf(cmd, "bench %15s %u %u %u", s1, &a, &b, &c) == 4)
		return qchan_kmsg_bench(s1, a, b, c);
	if (sscanf(cmd, "timer %u %u %u", &a, &b, &c) == 3)
		return kt_timers(a, b, c);
	return -EINVAL;
}

static ssize_t kt_ctl_write(struct file *file, const char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	char buf[128];
	int err;

	if (len >= sizeof(buf))
		return -E2BIG;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	err = kt_command(strim(buf));
	return err ? err : len;
}

static const struct file_operations kt_ctl_fops = {
	.owner = THIS_MODULE,
	.write = kt_ctl_write,
	.llseek = noop_llseek,
};

static int kt_counters_show(struct seq_file *sf, void *unused)
{
	long tot[6] = {};
	unsigned int type, s, t;
	int i;

	down_read(&kt_rwsem);
	seq_puts(sf, "type sender target sent ran dup ooo misplaced badctx\n");
	for (type = 0; kt.pairs && type < 2; type++) {
		for (s = 0; s < nr_cpu_ids; s++) {
			for (t = 0; t < nr_cpu_ids; t++) {
				struct kt_pair *p = &kt.pairs[kt_idx(type, s, t)];
				long v[6] = {
					atomic_long_read(&p->sent), atomic_long_read(&p->ran),
					atomic_long_read(&p->dup), atomic_long_read(&p->ooo),
					atomic_long_read(&p->misplaced),
					atomic_long_read(&p->badctx),
				};

				if (!v[0] && !v[1])
					continue;
				for (i = 0; i < 6; i++)
					tot[i] += v[i];
				seq_printf(sf, "%s %u %u %ld %ld %ld %ld %ld %ld\n",
					   type ? "rtn" : "imm", s, t, v[0], v[1], v[2], v[3],
					   v[4], v[5]);
			}
		}
	}
	seq_printf(sf, "total %ld %ld %ld %ld %ld %ld send_fail %ld in_flight %ld\n",
		   tot[0], tot[1], tot[2], tot[3], tot[4], tot[5],
		   atomic_long_read(&kt.send_fail), atomic_long_read(&kt.in_flight));
	seq_printf(sf, "bg %ld %ld\n", atomic_long_read(&kt_bg_sent),
		   atomic_long_read(&kt_bg_ran));
	up_read(&kt_rwsem);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kt_counters);

static void *kt_rec_start(struct seq_file *sf, loff_t *pos)
{
	down_read(&kt_rwsem);
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return *pos <= kt.nrec ? pos : NULL;
}

static void *kt_rec_next(struct seq_file *sf, void *v, loff_t *pos)
{
	++*pos;
	return *pos <= kt.nrec ? pos : NULL;
}

static void kt_rec_stop(struct seq_file *sf, void *v)
{
	up_read(&kt_rwsem);
}

static int kt_rec_show(struct seq_file *sf, void *v)
{
	const struct kt_rec *r;

	if (v == SEQ_START_TOKEN) {
		seq_puts(sf, "id type sender target sent_cpu ran_cpu hardirq preemptible irqs_off task blocked t_send t_run exec_seq\n");
		return 0;
	}
	r = &kt.recs[*(loff_t *)v - 1];
	if (!smp_load_acquire(&r->t_run))	/* pairs with kt_ran() */
		return 0;
	seq_printf(sf, "%u %s %u %u %u %u %u %u %u %u %u %llu %llu %llu\n", r->id,
		   r->type ? "rtn" : "imm", r->sender, r->target, r->sent_cpu, r->ran_cpu,
		   r->hardirq, r->preemptible, r->irqs_off, r->task, r->blocked, r->t_send,
		   r->t_run, r->exec_seq);
	return 0;
}

static const struct seq_operations kt_rec_sops = {
	.start = kt_rec_start,
	.next = kt_rec_next,
	.stop = kt_rec_stop,
	.show = kt_rec_show,
};
DEFINE_SEQ_ATTRIBUTE(kt_rec);

int qchan_kmsg_test_init(void)
{
	if (!kmsg_test)
		return 0;
	kt_blockers = kcalloc(nr_cpu_ids, sizeof(*kt_blockers), GFP_KERNEL);
	kt_blocked = kcalloc(nr_cpu_ids, sizeof(*kt_blocked), GFP_KERNEL);
	kt_bg_tasks = kcalloc(nr_cpu_ids, sizeof(*kt_bg_tasks), GFP_KERNEL);
	kt_imm_holds = kcalloc(nr_cpu_ids, sizeof(*kt_imm_holds), GFP_KERNEL);
	if (!kt_blockers || !kt_blocked || !kt_bg_tasks || !kt_imm_holds)
		goto err_free;

	kt_dir = debugfs_create_dir("test", qchan_kmsg_debugfs_dir);
	debugfs_create_file("ctl", 0200, kt_dir, NULL, &kt_ctl_fops);
	debugfs_create_file("counters", 0400, kt_dir, NULL, &kt_counters_fops);
	debugfs_create_file("records", 0400, kt_dir, NULL, &kt_rec_fops);
	debugfs_create_file("bench", 0400, kt_dir, NULL, &qchan_kmsg_bench_fops);
	pr_info("test interface enabled\n");
	return 0;

err_free:
	kfree(kt_imm_holds);
	kfree(kt_bg_tasks);
	kfree(kt_blocked);
	kfree(kt_blockers);
	return -ENOMEM;
}

void qchan_kmsg_test_exit(void)
{
	if (!kmsg_test)
		return;
	/* Waits for running handlers of our files. */
	debugfs_remove_recursive(kt_dir);
	/*
	 * Background messages stay queued: they touch only static data and
	 * module text, so qchan_kmsg_exit() drains them (that is the "unload
	 * while busy" test).  Run messages point into kt.msgs: wait for them.
	 */
	kt_bg_stop();
	kt_release_all();
	wait_event(kt_wq, !atomic_long_read(&kt.in_flight));
	/* The last message may have woken kt_wq through kt_wake_work. */
	irq_work_sync(&kt_wake_work);
	pr_info("unload: background %ld sent, %ld run before kmsg drains\n",
		atomic_long_read(&kt_bg_sent), atomic_long_read(&kt_bg_ran));
	kt_free_run();
	kfree(kt_imm_holds);
	kfree(kt_bg_tasks);
	kfree(kt_blocked);
	kfree(kt_blockers);
}
