// SPDX-License-Identifier: GPL-2.0
/*
 * qchan: QNX Neutrino-style synchronous message passing.
 *
 * The misc device /dev/qchan, the per-process context behind each open (and
 * when it ends: the owner watch), the ioctl dispatch and the module's
 * introspection files.  See qchan.h for the object model, the lifetimes and
 * the locking overview.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "qchan.h"

/* The ABI is frozen by size: any change to these is a new struct or a new ioctl. */
static_assert(sizeof(struct qchan_features) == 64);
static_assert(sizeof(struct qchan_channel_create) == 24);
static_assert(sizeof(struct qchan_channel_destroy) == 16);
static_assert(sizeof(struct qchan_connect_attach) == 40);
static_assert(sizeof(struct qchan_connect_detach) == 16);
static_assert(sizeof(struct qchan_connect_query) == 40);
static_assert(sizeof(struct qchan_msg_send) == 56);
static_assert(sizeof(struct qchan_net_send) == 88);
static_assert(sizeof(struct qchan_net_proxy) == 32);
static_assert(sizeof(struct qchan_msg_info) == 48);
static_assert(sizeof(struct qchan_msg_receive) == 56);
static_assert(sizeof(struct qchan_msg_reply) == 48);
static_assert(sizeof(struct qchan_msg_rw) == 56);
static_assert(sizeof(struct qchan_msg_info_get) == 32);
static_assert(sizeof(struct qchan_msg_reply_receive) == 112);
static_assert(sizeof(struct qchan_pulse) == 24);
static_assert(sizeof(struct qchan_pulse_send) == 40);
static_assert(sizeof(struct qchan_timer_create) == 48);
static_assert(sizeof(struct qchan_timer_destroy) == 16);
static_assert(sizeof(struct qchan_timer_settime) == 56);
static_assert(sizeof(struct qchan_timer_info) == 48);
static_assert(sizeof(struct qchan_name_attach) == 32);
static_assert(sizeof(struct qchan_name_detach) == 32);
static_assert(sizeof(struct qchan_name_open) == 48);
static_assert(sizeof(struct qchan_name_entry) == 272);
static_assert(sizeof(struct qchan_name_list) == 40);
static_assert(sizeof(struct qchan_client_info) == 72);
static_assert(sizeof(struct qchan_server_info) == 40);
static_assert(sizeof(struct qchan_channel_fd) == 32);
static_assert(sizeof(struct qchan_channel_busy_poll) == 24);

/* Per kernel: the measured copy-tier crossover (compat.h, docs/PERFORMANCE.md). */
unsigned int qchan_inline_max = QCHAN_INLINE_MAX_DEFAULT;
module_param_named(inline_max, qchan_inline_max, uint, 0644);
MODULE_PARM_DESC(inline_max,
		 "Largest message (bytes) copied through a kernel buffer rather than from pinned pages");

unsigned int qchan_max_channels = 1024;
module_param_named(max_channels, qchan_max_channels, uint, 0644);
MODULE_PARM_DESC(max_channels, "Channels per process");

unsigned int qchan_max_connections = 4096;
module_param_named(max_connections, qchan_max_connections, uint, 0644);
MODULE_PARM_DESC(max_connections, "Connections per process (fd and side-channel)");

unsigned int qchan_max_queued = 4096;
module_param_named(max_queued, qchan_max_queued, uint, 0644);
MODULE_PARM_DESC(max_queued, "Messages one process may have queued (SEND-blocked) at once");

/* Each holds ~1 KiB (uring.c): 4 MiB per channel at most by default. */
unsigned int qchan_max_posted_receives = 4096;
module_param_named(max_posted_receives, qchan_max_posted_receives, uint, 0644);
MODULE_PARM_DESC(max_posted_receives,
		 "io_uring RECEIVEs posted on one channel at once (more: EAGAIN)");

unsigned int qchan_max_pulses = 1024;
module_param_named(max_pulses, qchan_max_pulses, uint, 0644);
MODULE_PARM_DESC(max_pulses, "Pulses queued on one channel at once (more: EAGAIN for the sender)");

/* ~250 bytes each: 64 KiB per process at most by default (timer.c). */
unsigned int qchan_max_timers = 256;
module_param_named(max_timers, qchan_max_timers, uint, 0644);
MODULE_PARM_DESC(max_timers, "Pulse timers per process (more: EAGAIN)");

unsigned int qchan_max_names = 64;
module_param_named(max_names, qchan_max_names, uint, 0644);
MODULE_PARM_DESC(max_names, "Names one process may have attached at once (more: EAGAIN)");

struct qchan_stats qchan_stats;
DEFINE_PER_CPU(struct qchan_pcpu_stats, qchan_pcpu_stats);
struct dentry *qchan_debugfs_dir;

/*
 * Owner's struct pid -> live ctx, for ConnectAttach by pid.  Keyed by the
 * struct pid, which the ctx holds: a pid number can be reused once its process
 * is reaped, the struct pid cannot.
 */
#define QCHAN_CTX_HASH_BITS	8
static DEFINE_HASHTABLE(qchan_ctx_table, QCHAN_CTX_HASH_BITS);
static DEFINE_SPINLOCK(qchan_ctx_table_lock);

/* Runs the owner watch (ctx->owner_work); destroyed at unload, after the last ctx. */
static struct workqueue_struct *qchan_wq;

static void qchan_ctx_free(struct kref *ref)
{
	struct qchan_ctx *ctx = container_of(ref, struct qchan_ctx, ref);

	WARN_ON(ctx->nr_rcvids || !xa_empty(&ctx->scons) || !list_empty(&ctx->conns) ||
		!list_empty(&ctx->names));
	qchan_ctx_drop_events(ctx);
	xa_destroy(&ctx->events);
	xa_destroy(&ctx->channels);
	xa_destroy(&ctx->side_conns);
	xa_destroy(&ctx->scons);
	xa_destroy(&ctx->timers);
	qchan_prio_free_all(ctx);
	kfree(ctx->batch_heap);
	if (ctx->rcvids != ctx->rcvids_small)
		kfree(ctx->rcvids);
	put_pid(ctx->owner);
	atomic_dec(&qchan_stats.ctx_objects);
	kfree_rcu(ctx, rcu);
}

void qchan_ctx_put(struct qchan_ctx *ctx)
{
	kref_put(&ctx->ref, qchan_ctx_free);
}

/* Returns a referenced live ctx of the process @tgid, or NULL. */
struct qchan_ctx *qchan_ctx_lookup_pid(struct pid *tgid)
{
	struct qchan_ctx *ctx;

	rcu_read_lock();
	hash_for_each_possible_rcu(qchan_ctx_table, ctx, table_node, (unsigned long)tgid) {
		if (ctx->owner == tgid) {
			if (!kref_get_unless_zero(&ctx->ref))
				ctx = NULL;
			rcu_read_unlock();
			return ctx;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/*
 * Referenced pointers to every live ctx, for /proc/qchan (view.c): the
 * caller puts each and kvfree()s the array.  References, so the view can
 * take each ctx's mutex outside RCU.
 */
struct qchan_ctx **qchan_ctx_snapshot(unsigned int *nr)
{
	unsigned int room = max(atomic_read(&qchan_stats.ctxs), 0) + 16, n, i;
	struct qchan_ctx **v, *ctx;
	bool full;
	int bkt;

	for (;;) {
		v = kvmalloc_array(room, sizeof(*v), GFP_KERNEL);
		if (!v)
			return NULL;
		n = 0;
		full = false;
		rcu_read_lock();
		hash_for_each_rcu(qchan_ctx_table, bkt, ctx, table_node) {
			if (n == room) {
				full = true;
				break;
			}
			if (kref_get_unless_zero(&ctx->ref))
				v[n++] = ctx;
		}
		rcu_read_unlock();
		if (!full)
			break;
		for (i = 0; i < n; i++)
			qchan_ctx_put(v[i]);
		kvfree(v);
		room *= 2;
	}
	*nr = n;
	return v;
}

/* Publishes @ctx as its owner's one ctx; -EBUSY if the owner has a live one. */
static int qchan_ctx_register(struct qchan_ctx *ctx)
{
	unsigned long key = (unsigned long)ctx->owner;
	struct qchan_ctx *pos;

	spin_lock(&qchan_ctx_table_lock);
	hash_for_each_possible(qchan_ctx_table, pos, table_node, key) {
		if (pos->owner == ctx->owner) {
			spin_unlock(&qchan_ctx_table_lock);
			return -EBUSY;
		}
	}
	hash_add_rcu(qchan_ctx_table, &ctx->table_node, key);
	spin_unlock(&qchan_ctx_table_lock);
	return 0;
}

/*
 * The owner's channels die when the owner lets go: its close, its exec
 * (O_CLOEXEC), its death, or the last close of the file by anyone.
 * Idempotent; other holders of the file (a forked child before it closes
 * its copy) cannot reach the ctx at all.
 */
static void qchan_ctx_shutdown(struct qchan_ctx *ctx)
{
	ctx_lock(ctx);
	if (ctx->dead) {
		ctx_unlock(ctx);
		return;
	}
	WRITE_ONCE(ctx->dead, true);
	ctx_unlock(ctx);

	/* After this no wake can queue the owner work; one already queued holds a reference. */
	remove_wait_queue(&ctx->owner->wait_pidfd, &ctx->owner_wait);
	spin_lock(&qchan_ctx_table_lock);
	hash_del_rcu(&ctx->table_node);
	spin_unlock(&qchan_ctx_table_lock);
	atomic_dec(&qchan_stats.ctxs);

	qchan_ctx_shutdown_timers(ctx);
	qchan_ctx_drop_parked(ctx);
	qchan_ctx_drop_events(ctx);
	/* Before the channels: its async sends sit on other processes' channels too. */
	qchan_uring_shutdown(ctx);
	qchan_ctx_shutdown_conns(ctx);
	/* Which drops the scoids of the ctx's channels too. */
	qchan_ctx_shutdown_channels(ctx);
}

/*
 * True once every thread of the owner has exited.  Its leader stays attached
 * to the pid until it is reaped, and leaves the thread list last: this is the
 * test pidfd poll makes (6.1's thread_group_exited(), not exported by 6.12).
 */
static bool qchan_owner_exited(struct pid *owner)
{
	struct task_struct *leader;
	bool exited;

	rcu_read_lock();
	leader = pid_task(owner, PIDTYPE_TGID);
	exited = !leader || (READ_ONCE(leader->exit_state) && thread_group_empty(leader));
	rcu_read_unlock();
	return exited;
}

/*
 * Called under the owner's wait_pidfd lock, in atomic context, when the
 * kernel reports the thread group's exit to pidfd waiters - and on 6.1 also
 * when a ptraced leader exits before its threads.  Only hand over to
 * process context.
 */
static int qchan_owner_wake(struct wait_queue_entry *wait, unsigned int mode, int flags,
			    void *key)
{
	struct qchan_ctx *ctx = container_of(wait, struct qchan_ctx, owner_wait);

	/*
	 * Shutdown takes the entry off the queue (under the lock we run under)
	 * before the file drops its reference: this is never the last one.
	 */
	kref_get(&ctx->ref);
	if (!queue_work(qchan_wq, &ctx->owner_work))
		qchan_ctx_put(ctx);
	return 0;
}

static void qchan_owner_work(struct work_struct *work)
{
	struct qchan_ctx *ctx = container_of(work, struct qchan_ctx, owner_work);

	/* Still alive: a later wake (the entry stays queued) brings us back. */
	if (qchan_owner_exited(ctx->owner))
		qchan_ctx_shutdown(ctx);
	qchan_ctx_put(ctx);
}

static int qchan_open(struct inode *inode, struct file *file)
{
	struct qchan_ctx *ctx;
	int err;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	spin_lock_init(&ctx->lock);
	ctx->rcvids = ctx->rcvids_small;
	ctx->rcvid_bits = QCHAN_RCVID_HASH_BITS;
	hash_init(ctx->rcvids_small);
	hash_init(ctx->prios);
	xa_init_flags(&ctx->channels, XA_FLAGS_ALLOC1);
	xa_init_flags(&ctx->side_conns, XA_FLAGS_ALLOC);
	xa_init(&ctx->scons);
	xa_init_flags(&ctx->events, XA_FLAGS_ALLOC1);
	mutex_init(&ctx->conn_lock);
	mutex_init(&ctx->timer_lock);
	xa_init_flags(&ctx->timers, XA_FLAGS_ALLOC);
	INIT_LIST_HEAD(&ctx->parked);
	INIT_LIST_HEAD(&ctx->conns);
	INIT_LIST_HEAD(&ctx->coid_chans);
	INIT_LIST_HEAD(&ctx->td_chans);
	INIT_LIST_HEAD(&ctx->td_recs);
	INIT_LIST_HEAD(&ctx->td_dead);
	INIT_LIST_HEAD(&ctx->names);
	INIT_WORK(&ctx->owner_work, qchan_owner_work);
	qchan_uring_ctx_init(ctx);
	init_waitqueue_func_entry(&ctx->owner_wait, qchan_owner_wake);
	ctx->owner = get_pid(task_tgid(current));

	/* One context per process: ConnectAttach by pid must find exactly one. */
	err = qchan_ctx_register(ctx);
	if (err)
		goto err_put_owner;
	/*
	 * The group cannot have exited while we run in it, so no exit is
	 * missed; nothing can shut this ctx down before the file is installed.
	 */
	add_wait_queue(&ctx->owner->wait_pidfd, &ctx->owner_wait);

	atomic_inc(&qchan_stats.ctxs);
	atomic_inc(&qchan_stats.ctx_objects);
	file->private_data = ctx;
	return 0;

err_put_owner:
	put_pid(ctx->owner);
	kfree(ctx);
	return err;
}

/*
 * Runs for every close of the file from an fd table, @id being that table.
 * Only a close from the owner's current table is the owner's: close(),
 * dup2() over the fd and exec's close-on-exec pass current->files.  A failed
 * fork closes the child's copy of the table from the parent's thread,
 * exit_files() clears tsk->files before it closes the table, and a thread's
 * private table (unshare(CLONE_FILES)) dies with the thread: none of these
 * is the owner letting go.  Death is seen by the owner watch or ->release.
 */
static int qchan_fd_is_file(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

static int qchan_flush(struct file *file, fl_owner_t id)
{
	struct qchan_ctx *ctx = file->private_data;

	/*
	 * Only the last fd of the file in that table: libchan moves the
	 * context fd out of the low fds (F_DUPFD_CLOEXEC, then close).
	 */
	if (id == current->files && task_tgid(current) == ctx->owner &&
	    !iterate_fd(current->files, 0, qchan_fd_is_file, file))
		qchan_ctx_shutdown(ctx);
	return 0;
}

static int qchan_release(struct inode *inode, struct file *file)
{
	struct qchan_ctx *ctx = file->private_data;

	qchan_ctx_shutdown(ctx);
	qchan_uring_release(ctx);
	qchan_ctx_put(ctx);
	return 0;
}

/* Not inlined: its stack struct would give the dispatch a frame and a canary for every send. */
static noinline int qchan_get_features(struct qchan_features __user *uarg)
{
	struct qchan_features f;

	if (copy_from_user(&f, uarg, sizeof(f)))
		return -EFAULT;
	if (f.flags || f.pad || memchr_inv(f.reserved, 0, sizeof(f.reserved)))
		return -EINVAL;

	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.abi_version = QCHAN_ABI_VERSION;
	f.features = QCHAN_FEAT_MSG | QCHAN_FEAT_REPLY_RECEIVE | QCHAN_FEAT_SIDE_CHANNEL |
		     QCHAN_FEAT_KMSG | QCHAN_FEAT_PULSE | QCHAN_FEAT_DISCONNECT |
		     QCHAN_FEAT_UNBLOCK | QCHAN_FEAT_TIMEOUT | QCHAN_FEAT_EVENT |
		     QCHAN_FEAT_TIMER | QCHAN_FEAT_PRIO_INHERIT | QCHAN_FEAT_NAME |
		     QCHAN_FEAT_CLIENT_INFO | QCHAN_FEAT_URING | QCHAN_FEAT_POLL |
		     QCHAN_FEAT_BUSY_POLL | QCHAN_FEAT_URING_TIMEOUT |
		     QCHAN_FEAT_TIMER_INFO_EVENT | QCHAN_FEAT_BATCH |
		     QCHAN_FEAT_URING_SEND_BATCH |
		     QCHAN_FEAT_NET_PROXY;
	f.max_iov = UIO_MAXIOV;
	f.inline_max = READ_ONCE(qchan_inline_max);
	return copy_to_user(uarg, &f, sizeof(f)) ? -EFAULT : 0;
}

static long qchan_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct qchan_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (cmd == QCHAN_IOC_GET_FEATURES)
		return qchan_get_features(uarg);
	/*
	 * A context is its owner's alone, for sends too: a message's queue
	 * quota, its parking and its restart belong to the sending process.
	 */
	if (task_tgid(current) != ctx->owner)
		return -EBADFD;

	/* The send path first, before the switch's compare tree: it must be cheap. */
	if (likely(cmd == QCHAN_IOC_MSG_SEND))
		return qchan_msg_send(ctx, uarg);
	switch (cmd) {
	case QCHAN_IOC_MSG_SEND_PULSE:
		return qchan_pulse_send(ctx, uarg);
	case QCHAN_IOC_MSG_RECEIVE:
		return qchan_msg_receive(ctx, uarg);
	case QCHAN_IOC_MSG_REPLY:
		return qchan_msg_reply(ctx, uarg);
	case QCHAN_IOC_MSG_REPLY_RECEIVE:
		return qchan_msg_reply_receive(ctx, uarg);
	case QCHAN_IOC_MSG_READ:
		return qchan_msg_read(ctx, uarg);
	case QCHAN_IOC_MSG_WRITE:
		return qchan_msg_write(ctx, uarg);
	case QCHAN_IOC_MSG_INFO:
		return qchan_msg_info(ctx, uarg);
	case QCHAN_IOC_CHANNEL_CREATE:
		return qchan_channel_create(ctx, uarg);
	case QCHAN_IOC_CHANNEL_DESTROY:
		return qchan_channel_destroy_ioctl(ctx, uarg);
	case QCHAN_IOC_CONNECT_ATTACH:
		return qchan_connect_attach(ctx, uarg);
	case QCHAN_IOC_CONNECT_DETACH:
		return qchan_connect_detach(ctx, uarg);
	case QCHAN_IOC_CONNECT_QUERY:
		return qchan_connect_query(ctx, uarg);
	case QCHAN_IOC_MSG_DELIVER_EVENT:
		return qchan_msg_deliver_event(ctx, uarg);
	case QCHAN_IOC_MSG_VERIFY_EVENT:
		return qchan_msg_verify_event(ctx, uarg);
	case QCHAN_IOC_REGISTER_EVENT:
		return qchan_register_event(ctx, uarg);
	case QCHAN_IOC_UNREGISTER_EVENT:
		return qchan_unregister_event(ctx, uarg);
	case QCHAN_IOC_TIMER_CREATE:
		return qchan_timer_create(ctx, uarg);
	case QCHAN_IOC_TIMER_DESTROY:
		return qchan_timer_destroy_ioctl(ctx, uarg);
	case QCHAN_IOC_TIMER_SETTIME:
		return qchan_timer_settime(ctx, uarg);
	case QCHAN_IOC_TIMER_INFO:
		return qchan_timer_info(ctx, uarg);
	case QCHAN_IOC_CLIENT_INFO:
		return qchan_client_info(ctx, uarg);
	case QCHAN_IOC_SERVER_INFO:
		return qchan_server_info(ctx, uarg);
	case QCHAN_IOC_NAME_ATTACH:
		return qchan_name_attach(ctx, uarg);
	case QCHAN_IOC_NAME_DETACH:
		return qchan_name_detach(ctx, uarg);
	case QCHAN_IOC_NAME_OPEN:
		return qchan_name_open(ctx, uarg);
	case QCHAN_IOC_NAME_LIST:
		return qchan_name_list(ctx, uarg);
	case QCHAN_IOC_CHANNEL_FD:
		return qchan_channel_fd(ctx, uarg);
	case QCHAN_IOC_CHANNEL_BUSY_POLL:
		return qchan_channel_busy_poll(ctx, uarg);
	case QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH:
		return qchan_msg_reply_receive_batch(ctx, uarg);
	case QCHAN_IOC_NET_PROXY:
		return qchan_net_proxy(ctx, uarg);
	case QCHAN_IOC_NET_SEND:
		return qchan_net_send(ctx, uarg);
	}
	return -ENOTTY;
}

static const struct file_operations qchan_fops = {
	.owner = THIS_MODULE,
	.open = qchan_open,
	.flush = qchan_flush,
	.release = qchan_release,
	.unlocked_ioctl = qchan_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = qchan_uring_cmd,
};

static struct miscdevice qchan_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "qchan",
	.fops = &qchan_fops,
	.mode = 0666,
};

int qchan_stats_show(struct seq_file *m, void *unused)
{
	struct qchan_pcpu_stats sum = {};
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct qchan_pcpu_stats *st = per_cpu_ptr(&qchan_pcpu_stats, cpu);

		sum.msgs_in_flight += READ_ONCE(st->msgs_in_flight);
		sum.pulses += READ_ONCE(st->pulses);
		sum.pinned_pages += READ_ONCE(st->pinned_pages);
		sum.msgs_total += READ_ONCE(st->msgs_total);
		sum.bytes_inline += READ_ONCE(st->bytes_inline);
		sum.bytes_direct += READ_ONCE(st->bytes_direct);
		sum.busy_polls += READ_ONCE(st->busy_polls);
		sum.busy_poll_hits += READ_ONCE(st->busy_poll_hits);
	}
	seq_printf(m, "contexts %d\n", atomic_read(&qchan_stats.ctxs));
	seq_printf(m, "contexts_allocated %d\n", atomic_read(&qchan_stats.ctx_objects));
	seq_printf(m, "channels %d\n", atomic_read(&qchan_stats.channels));
	seq_printf(m, "connections %d\n", atomic_read(&qchan_stats.connections));
	seq_printf(m, "msgs_in_flight %ld\n", sum.msgs_in_flight);
	seq_printf(m, "pulses %ld\n", sum.pulses);
	seq_printf(m, "server_connections %d\n", atomic_read(&qchan_stats.scons));
	seq_printf(m, "events %d\n", atomic_read(&qchan_stats.events));
	seq_printf(m, "timers %d\n", atomic_read(&qchan_stats.timers));
	seq_printf(m, "thread_records %d\n", atomic_read(&qchan_stats.td_records));
	seq_printf(m, "names %d\n", atomic_read(&qchan_stats.names));
	seq_printf(m, "channel_fds %d\n", atomic_read(&qchan_stats.channel_fds));
	seq_printf(m, "pinned_pages %ld\n", sum.pinned_pages);
	seq_printf(m, "msgs_total %ld\n", sum.msgs_total);
	seq_printf(m, "bytes_inline %ld\n", sum.bytes_inline);
	seq_printf(m, "bytes_direct %ld\n", sum.bytes_direct);
	seq_printf(m, "busy_polls %ld\n", sum.busy_polls);
	seq_printf(m, "busy_poll_hits %ld\n", sum.busy_poll_hits);
	seq_printf(m, "uring_cmds %d\n", atomic_read(&qchan_stats.uring_cmds));
	seq_printf(m, "uring_sends_handed %ld\n",
		   atomic_long_read(&qchan_stats.uring_sends_handed));
	seq_printf(m, "uring_sends_queued %ld\n",
		   atomic_long_read(&qchan_stats.uring_sends_queued));
	seq_printf(m, "uring_recv_inline %ld\n", atomic_long_read(&qchan_stats.uring_recv_inline));
	seq_printf(m, "uring_recv_waited %ld\n", atomic_long_read(&qchan_stats.uring_recv_waited));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(qchan_stats);

static int __init qchan_init(void)
{
	int err;

	qchan_wq = alloc_workqueue("qchan", 0, 0);
	if (!qchan_wq)
		return -ENOMEM;
	qchan_debugfs_dir = debugfs_create_dir("qchan", NULL);
	debugfs_create_file("stats", 0444, qchan_debugfs_dir, NULL, &qchan_stats_fops);

	err = qchan_pulse_init();
	if (err)
		goto err_remove_debugfs;
	err = qchan_timer_init();
	if (err)
		goto err_pulse_exit;
	err = qchan_kmsg_init();
	if (err)
		goto err_timer_exit;
	err = qchan_kmsg_test_init();
	if (err)
		goto err_kmsg_exit;
	err = qchan_view_init();
	if (err)
		goto err_kmsg_test_exit;
	err = misc_register(&qchan_misc);
	if (err)
		goto err_view_exit;
	return 0;

err_view_exit:
	qchan_view_exit();
err_kmsg_test_exit:
	qchan_kmsg_test_exit();
err_kmsg_exit:
	qchan_kmsg_exit();
err_timer_exit:
	qchan_timer_exit();
err_pulse_exit:
	qchan_pulse_exit();
err_remove_debugfs:
	debugfs_remove_recursive(qchan_debugfs_dir);
	destroy_workqueue(qchan_wq);
	return err;
}

static void __exit qchan_exit(void)
{
	misc_deregister(&qchan_misc);
	qchan_view_exit();
	qchan_td_exit();
	/* Every ctx is shut down (no watch left), but a queued owner work may still run. */
	destroy_workqueue(qchan_wq);
	qchan_kmsg_test_exit();
	qchan_kmsg_exit();
	qchan_timer_exit();
	debugfs_remove_recursive(qchan_debugfs_dir);
	/* Objects are freed with kfree_rcu(): wait for them before the code goes. */
	rcu_barrier();
	qchan_pulse_exit();
}

module_init(qchan_init);
module_exit(qchan_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("QNX Neutrino-style synchronous message passing");
MODULE_AUTHOR("The qchan developers");
