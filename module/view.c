// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/qchan: the kernel view behind chanstat (docs/INTROSPECTION.md has the
 * format, which is a stable contract: records are lines of key=value fields,
 * new keys and kinds may be added, none is removed or changes meaning).
 *
 * /proc rather than debugfs: a container sees /proc without mounting
 * anything, and the reader's pid namespace is known when it reads.  Every
 * pid is printed as the reader's namespace numbers it; a process that has no
 * number there is not shown, and a peer outside it shows as 0.  A reader
 * without CAP_SYS_PTRACE sees other users' processes as ps would show them
 * (their blocked threads, what they wait on, their priorities) but nothing
 * of their channels, connections, names or messages.
 *
 * Each context is looked at under its own locks only (conn_lock, then
 * ctx->lock, as qchan.h orders them), one at a time: a reader never holds
 * two contexts' locks, and a send elsewhere never waits for it.  Everything
 * goes into the seq_file's kernel buffer; nothing is copied to user memory
 * under a lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kmsg.h"
#include "prio.h"
#include "qchan.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define QCHAN_VIEW_VERSION	1

struct qchan_view {
	struct seq_file *m;
	struct pid_namespace *ns;
	kuid_t uid;
	bool privileged;
};

enum {
	QCHAN_VIEW_NONE,	/* not in the reader's pid namespace */
	QCHAN_VIEW_PS,		/* what ps shows: states, not contents */
	QCHAN_VIEW_ALL,
};

/* The /proc rule, without dumpability: the reader's uid is the process's uid, euid and suid. */
static int qchan_view_access_task(const struct qchan_view *v, struct task_struct *task)
{
	const struct cred *c;
	int level;

	if (!task_tgid_nr_ns(task, v->ns))
		return QCHAN_VIEW_NONE;
	if (v->privileged)
		return QCHAN_VIEW_ALL;
	rcu_read_lock();
	c = __task_cred(task);
	level = uid_eq(c->uid, v->uid) && uid_eq(c->euid, v->uid) && uid_eq(c->suid, v->uid) ?
		QCHAN_VIEW_ALL : QCHAN_VIEW_PS;
	rcu_read_unlock();
	return level;
}

static int qchan_view_access_pid(const struct qchan_view *v, struct pid *tgid)
{
	struct task_struct *task;
	int level = QCHAN_VIEW_NONE;

	rcu_read_lock();
	task = pid_task(tgid, PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (task) {
		level = qchan_view_access_task(v, task);
		put_task_struct(task);
	}
	return level;
}

/* The kernel's priority @p on QNX's scale: 1..99 real-time, 0 for the others. */
static int qchan_view_qnx_prio(int p)
{
	return p >= 0 && p < MAX_RT_PRIO ? MAX_RT_PRIO - 1 - p : 0;
}

static void qchan_view_comm(struct seq_file *m, struct task_struct *task)
{
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, task);
	seq_puts(m, " comm=");
	seq_escape(m, comm, " \t\n\\=");
	seq_putc(m, '\n');
}

/*
 * Called with ctx->lock held: one blocked thread.  @msg for a sender, @r for
 * a receiver; @server the process it waits on.
 */
static void qchan_view_thread(const struct qchan_view *v, struct task_struct *task,
			      const char *state, struct qchan_channel *chan,
			      struct qchan_msg *msg, struct qchan_receiver *r,
			      unsigned long since)
{
	struct seq_file *m = v->m;
	int level = qchan_view_access_task(v, task);
	int prio = READ_ONCE(task->prio), base = READ_ONCE(task->normal_prio);
	struct qchan_prio *rec = r ? r->prio : NULL;

	if (level == QCHAN_VIEW_NONE)
		return;
	/* A thread qchan raised: its own priority is what it had before. */
	if (rec && READ_ONCE(rec->boosted)) {
		int policy = READ_ONCE(rec->base.policy);

		base = policy == SCHED_FIFO || policy == SCHED_RR ?
		       MAX_RT_PRIO - 1 - READ_ONCE(rec->base.rt_priority) : MAX_RT_PRIO;
	}
	seq_printf(m, "thread pid=%d tid=%d state=%s chid=%d server=%d",
		   task_tgid_nr_ns(task, v->ns), task_pid_nr_ns(task, v->ns), state, chan->chid,
		   pid_nr_ns(chan->ctx->owner, v->ns));
	seq_printf(m, " waited_ms=%u prio=%d base=%d kprio=%d stopped=%d",
		   jiffies_to_msecs(jiffies - since), qchan_view_qnx_prio(prio),
		   qchan_view_qnx_prio(base), prio, task_is_stopped(task) || task_is_traced(task));
	if (msg) {
		/* The server thread holding a REPLY-blocked message, if inheritance knows it. */
		seq_printf(m, " holder=%d parked=%d",
			   msg->state != QCHAN_MSG_QUEUED && msg->prio_rec ?
			   pid_nr_ns(msg->prio_rec->pid, v->ns) : 0, !msg->waiter);
		if (level == QCHAN_VIEW_ALL)
			seq_printf(m, " rcvid=%d coid=%d scoid=%d msgprio=%d slen=%zu rlen=%zu unblock=%d",
				   msg->state == QCHAN_MSG_QUEUED ? 0 : msg->rcvid, msg->coid,
				   msg->conn->scoid, msg->priority, msg->slen, msg->rlen,
				   msg->unblock_req);
	} else if (level == QCHAN_VIEW_ALL) {
		seq_printf(m, " pulse_only=%d", r->pulse_only);
	}
	qchan_view_comm(m, task);
}

/* Called with ctx->lock held: a channel's record; its queue depth by priority, highest first. */
static void qchan_view_channel(const struct qchan_view *v, pid_t pid, struct qchan_channel *chan)
{
	struct seq_file *m = v->m;
	struct qchan_receiver *r;
	struct qchan_msg *msg;
	unsigned int queued = 0, receivers = 0, run = 0;
	int run_prio = 0;

	list_for_each_entry(msg, &chan->send_queue, node)
		queued++;
	list_for_each_entry(r, &chan->receivers, node)
		receivers++;
	seq_printf(m, "channel pid=%d chid=%d flags=%#x uid=%u queued=%u pulses=%u receivers=%u qprio=",
		   pid, chan->chid, chan->flags, from_kuid_munged(current_user_ns(), chan->euid),
		   queued, chan->nr_pulses, receivers);
	if (!queued)
		seq_putc(m, '-');
	list_for_each_entry(msg, &chan->send_queue, node) {
		if (run && msg->priority != run_prio) {
			seq_printf(m, "%d:%u,", run_prio, run);
			run = 0;
		}
		run_prio = msg->priority;
		run++;
	}
	if (run)
		seq_printf(m, "%d:%u", run_prio, run);
	seq_putc(m, '\n');
}

/* Called with ctx->lock held: the threads blocked on @chan, receivers and senders. */
static void qchan_view_chan_threads(const struct qchan_view *v, struct qchan_channel *chan)
{
	struct qchan_receiver *r;
	struct qchan_msg *msg;

	list_for_each_entry(r, &chan->receivers, node)
		qchan_view_thread(v, r->task, "RECEIVE", chan, NULL, r, r->since);
	list_for_each_entry(msg, &chan->send_queue, node)
		qchan_view_thread(v, msg->sender, "SEND", chan, msg, NULL, msg->since);
}

static void qchan_view_ctx(const struct qchan_view *v, struct qchan_ctx *ctx)
{
	struct seq_file *m = v->m;
	struct qchan_channel *chan;
	struct qchan_conn *conn;
	struct task_struct *task;
	struct qchan_msg *msg;
	unsigned long idx;
	int level, bkt;
	pid_t pid;

	level = qchan_view_access_pid(v, ctx->owner);
	pid = pid_nr_ns(ctx->owner, v->ns);
	mutex_lock(&ctx->conn_lock);
	if (level != QCHAN_VIEW_NONE && !READ_ONCE(ctx->dead)) {
		rcu_read_lock();
		task = pid_task(ctx->owner, PIDTYPE_TGID);
		if (task)
			get_task_struct(task);
		rcu_read_unlock();
		if (task) {
			seq_printf(m, "process pid=%d uid=%u detail=%d channels=%u conns=%d names=%u",
				   pid, from_kuid_munged(current_user_ns(), task_uid(task)),
				   level == QCHAN_VIEW_ALL, ctx->nr_channels,
				   atomic_read(&ctx->nr_conns), READ_ONCE(ctx->nr_names));
			qchan_view_comm(m, task);
			put_task_struct(task);
		}
	}
	/* Its threads' states, whoever may see the process: each thread is judged by its own. */
	ctx_lock(ctx);
	xa_for_each(&ctx->channels, idx, chan) {
		if (chan->dead)
			continue;
		if (level == QCHAN_VIEW_ALL)
			qchan_view_channel(v, pid, chan);
		qchan_view_chan_threads(v, chan);
	}
	for (bkt = 0; bkt < 1U << ctx->rcvid_bits; bkt++)
		hlist_for_each_entry(msg, &ctx->rcvids[bkt], rcvid_node)
			qchan_view_thread(v, msg->sender, "REPLY", msg->chan, msg, NULL,
					  msg->since);
	if (level == QCHAN_VIEW_ALL) {
		list_for_each_entry(conn, &ctx->conns, acct_node)
			seq_printf(m, "conn pid=%d coid=%d scoid=%d server=%d chid=%d flags=%#x\n",
				   pid, conn->coid, conn->scoid,
				   pid_nr_ns(conn->chan->ctx->owner, v->ns), conn->chan->chid,
				   conn->flags);
	}
	ctx_unlock(ctx);
	if (level == QCHAN_VIEW_ALL)
		qchan_names_show(m, ctx, pid);
	mutex_unlock(&ctx->conn_lock);
}

static int qchan_view_state_show(struct seq_file *m, void *unused)
{
	struct qchan_view v = {
		.m = m,
		.ns = task_active_pid_ns(current),
		.uid = current_uid(),
		.privileged = ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE),
	};
	struct qchan_ctx **ctxs;
	unsigned int i, nr;

	ctxs = qchan_ctx_snapshot(&nr);
	if (!ctxs)
		return -ENOMEM;
	seq_printf(m, "version %d\n", QCHAN_VIEW_VERSION);
	for (i = 0; i < nr; i++) {
		qchan_view_ctx(&v, ctxs[i]);
		qchan_ctx_put(ctxs[i]);
	}
	kvfree(ctxs);
	qchan_kmsg_view_show(m);
	return 0;
}

static int qchan_view_state_open(struct inode *inode, struct file *file)
{
	return single_open(file, qchan_view_state_show, NULL);
}

static const struct proc_ops qchan_view_state_ops = {
	.proc_open = qchan_view_state_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int qchan_view_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, qchan_stats_show, NULL);
}

static const struct proc_ops qchan_view_stats_ops = {
	.proc_open = qchan_view_stats_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static struct proc_dir_entry *qchan_proc_dir;

int qchan_view_init(void)
{
	qchan_proc_dir = proc_mkdir("qchan", NULL);
	if (!qchan_proc_dir)
		return -ENOMEM;
	if (!proc_create("state", 0444, qchan_proc_dir, &qchan_view_state_ops) ||
	    !proc_create("stats", 0444, qchan_proc_dir, &qchan_view_stats_ops)) {
		proc_remove(qchan_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

void qchan_view_exit(void)
{
	proc_remove(qchan_proc_dir);
}
