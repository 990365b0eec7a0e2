// SPDX-License-Identifier: GPL-2.0
/*
 * The "bench" command of the kernel-message test interface (kmsg_test.c has
 * the command list): in-kernel cost per message, next to the mechanisms
 * kmsg replaces, measured by a SCHED_FIFO kthread bound to the sending CPU.
 * The last result (and the timer command's) is read from
 * /sys/kernel/debug/qchan/kmsg/test/bench.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "qchan.h"
#include "kmsg.h"

#define KT_BENCH_BATCH_MAX 100000U

struct kt_bench {
	char what[16];
	unsigned int src, dst, n;
	unsigned int moves;		/* wake_*: times the sleeper woke on another CPU */
	u64 total_ns;
	int err;
	struct completion done;
};

static char kt_bench_result[160];
static DEFINE_MUTEX(kt_bench_lock);	/* held for a whole run: one bench at a time */

void qchan_kmsg_bench_report(const char *result)
{
	mutex_lock(&kt_bench_lock);
	strscpy(kt_bench_result, result, sizeof(kt_bench_result));
	mutex_unlock(&kt_bench_lock);
}

struct kt_bench_msg {
	struct qchan_kmsg km;
	int done;
	atomic_t *left;
	struct completion *comp;
};

static void kt_bench_imm_fn(struct qchan_kmsg *m)
{
	/* The bench thread spins on done. */
	smp_store_release(&container_of(m, struct kt_bench_msg, km)->done, 1);
}

static void kt_bench_rtn_fn(struct qchan_kmsg *m)
{
	complete(container_of(m, struct kt_bench_msg, km)->comp);
}

static void kt_bench_batch_fn(struct qchan_kmsg *m)
{
	struct kt_bench_msg *b = container_of(m, struct kt_bench_msg, km);

	if (atomic_dec_and_test(b->left))
		complete(b->comp);
}

static void kt_bench_nop(void *info)
{
}

static void kt_bench_work_fn(struct work_struct *work)
{
}

/*
 * wake_local / wake_home: a sleeper kthread that starts on DST and may run
 * anywhere is woken N times through qchan_kmsg_wake_policy_on(); it answers
 * with a completion.  Counts the wake-ups that found it on another CPU than
 * the one it last ran on: what the home policy is meant to avoid.
 */
struct kt_sleeper {
	int token;
	int last_cpu;
	unsigned int moves;
	struct completion comp;
};

static int kt_sleeper_fn(void *arg)
{
	struct kt_sleeper *sl = arg;

	/* Started on DST; from now on the scheduler decides. */
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		if (!xchg(&sl->token, 0)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		if (raw_smp_processor_id() != sl->last_cpu)
			sl->moves++;
		sl->last_cpu = raw_smp_processor_id();
		complete(&sl->comp);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int kt_bench_wake(struct kt_bench *b, int policy)
{
	struct kt_sleeper sl = { .last_cpu = b->dst };
	struct task_struct *t;
	u64 t0;
	u32 i;

	init_completion(&sl.comp);
	t = kthread_create(kt_sleeper_fn, &sl, "qchan_kmsg_sleeper");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	set_cpus_allowed_ptr(t, cpumask_of(b->dst));
	wake_up_process(t);
	t0 = ktime_get_ns();
	for (i = 0; i < b->n; i++) {
		WRITE_ONCE(sl.token, 1);
		qchan_kmsg_wake_policy_on(t, policy);
		wait_for_completion(&sl.comp);
	}
	b->total_ns = ktime_get_ns() - t0;
	b->moves = sl.moves;
	kthread_stop(t);
	put_task_struct(t);
	return 0;
}

static int kt_bench_batch(struct kt_bench *b, enum qchan_kmsg_type type)
{
	struct completion comp;
	struct kt_bench_msg *msgs;
	atomic_t left;
	u64 t0;
	u32 i;

	if (b->n > KT_BENCH_BATCH_MAX)
		return -E2BIG;
	msgs = kvcalloc(b->n, sizeof(*msgs), GFP_KERNEL);
	if (!msgs)
		return -ENOMEM;
	init_completion(&comp);
	atomic_set(&left, b->n);
	for (i = 0; i < b->n; i++) {
		qchan_kmsg_init_msg(&msgs[i].km, kt_bench_batch_fn);
		msgs[i].left = &left;
		msgs[i].comp = &comp;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < b->n; i++)
		qchan_kmsg_send(b->dst, &msgs[i].km, type);
	wait_for_completion(&comp);
	b->total_ns = ktime_get_ns() - t0;
	for (i = 0; i < b->n; i++)
		qchan_kmsg_sync(&msgs[i].km);
	kvfree(msgs);
	return 0;
}

static int kt_bench_run(struct kt_bench *b)
{
	struct kt_bench_msg m = {};
	struct completion comp;
	struct work_struct work;
	u64 t0;
	u32 i;

	if (!strcmp(b->what, "imm_batch"))
		return kt_bench_batch(b, QCHAN_KMSG_IMMEDIATE);
	if (!strcmp(b->what, "rtn_batch"))
		return kt_bench_batch(b, QCHAN_KMSG_ROUTINE);
	if (!strcmp(b->what, "wake_local"))
		return kt_bench_wake(b, QCHAN_WAKE_LOCAL);
	if (!strcmp(b->what, "wake_home"))
		return kt_bench_wake(b, QCHAN_WAKE_HOME);

	init_completion(&comp);
	m.comp = &comp;
	INIT_WORK_ONSTACK(&work, kt_bench_work_fn);
	if (!strcmp(b->what, "imm")) {
		qchan_kmsg_init_msg(&m.km, kt_bench_imm_fn);
		t0 = ktime_get_ns();
		for (i = 0; i < b->n; i++) {
			WRITE_ONCE(m.done, 0);
			qchan_kmsg_send(b->dst, &m.km, QCHAN_KMSG_IMMEDIATE);
			while (!smp_load_acquire(&m.done))	/* kt_bench_imm_fn() */
				cpu_relax();
		}
	} else if (!strcmp(b->what, "rtn")) {
		qchan_kmsg_init_msg(&m.km, kt_bench_rtn_fn);
		t0 = ktime_get_ns();
		for (i = 0; i < b->n; i++) {
			qchan_kmsg_send(b->dst, &m.km, QCHAN_KMSG_ROUTINE);
			wait_for_completion(&comp);
		}
	} else if (!strcmp(b->what, "scf")) {
		t0 = ktime_get_ns();
		for (i = 0; i < b->n; i++)
			smp_call_function_single(b->dst, kt_bench_nop, NULL, 1);
	} else if (!strcmp(b->what, "wq")) {
		t0 = ktime_get_ns();
		for (i = 0; i < b->n; i++) {
			queue_work_on(b->dst, system_highpri_wq, &work);
			flush_work(&work);
		}
	} else {
		destroy_work_on_stack(&work);
		return -EINVAL;
	}
	b->total_ns = ktime_get_ns() - t0;
	qchan_kmsg_sync(&m.km);
	destroy_work_on_stack(&work);
	return 0;
}

static int kt_bench_thread(void *arg)
{
	struct kt_bench *b = arg;

	/* SCHED_FIFO: icount figures are repeatable only without CFS preemption. */
	sched_set_fifo(current);
	b->err = kt_bench_run(b);
	complete(&b->done);
	return 0;
}

int qchan_kmsg_bench(const char *what, unsigned int src, unsigned int dst, unsigned int n)
{
	struct kt_bench *b;
	struct task_struct *t;
	int err;

	if (!n || src >= nr_cpu_ids || dst >= nr_cpu_ids || !cpu_online(src) || !cpu_online(dst))
		return -EINVAL;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	strscpy(b->what, what, sizeof(b->what));
	b->src = src;
	b->dst = dst;
	b->n = n;
	init_completion(&b->done);

	mutex_lock(&kt_bench_lock);
	t = kthread_create(kt_bench_thread, b, "qchan_kmsg_bench");
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto out_unlock;
	}
	kthread_bind(t, src);
	wake_up_process(t);
	wait_for_completion(&b->done);
	err = b->err;
	if (!err)
		snprintf(kt_bench_result, sizeof(kt_bench_result), "%s %u %u %u %llu %llu %u\n",
			 b->what, src, dst, n, b->total_ns, div_u64(b->total_ns, n), b->moves);
out_unlock:
	mutex_unlock(&kt_bench_lock);
	kfree(b);
	return err;
}

static ssize_t kt_bench_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[sizeof(kt_bench_result)];

	mutex_lock(&kt_bench_lock);
	memcpy(buf, kt_bench_result, sizeof(buf));
	mutex_unlock(&kt_bench_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, strnlen(buf, sizeof(buf)));
}

const struct file_operations qchan_kmsg_bench_fops = {
	.owner = THIS_MODULE,
	.read = kt_bench_read,
	.llseek = default_llseek,
};
