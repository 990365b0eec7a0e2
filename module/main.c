// SPDX-License-Identifier: GPL-2.0
/*
 * qchan: QNX Neutrino-style synchronous message passing.
 *
 * The misc device /dev/qchan, the per-process context behind each open, the
 * ioctl dispatch and the module's introspection files.  See qchan.h for the
 * object model and the locking overview.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
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
static_assert(sizeof(struct qchan_msg_info) == 48);
static_assert(sizeof(struct qchan_msg_receive) == 56);
static_assert(sizeof(struct qchan_msg_reply) == 48);
static_assert(sizeof(struct qchan_msg_rw) == 56);
static_assert(sizeof(struct qchan_msg_info_get) == 32);
static_assert(sizeof(struct qchan_msg_reply_receive) == 112);
static_assert(sizeof(struct qchan_pulse) == 24);
static_assert(sizeof(struct qchan_pulse_send) == 40);

/*
 * 256: the measured crossover on 6.1 (icount, 16 B-4 KiB round trips: the
 * pinned direct copy wins from 320 B on) and the largest message the inline
 * tier carries on the sender's stack, without allocating.  6.12 crosses over
 * later (~800 B).  See docs/DESIGN.md.
 */
unsigned int qchan_inline_max = QCHAN_STACK_INLINE;
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

unsigned int qchan_max_pulses = 1024;
module_param_named(max_pulses, qchan_max_pulses, uint, 0644);
MODULE_PARM_DESC(max_pulses, "Pulses queued on one channel at once (more: EAGAIN for the sender)");

struct qchan_stats qchan_stats;
struct dentry *qchan_debugfs_dir;

/* Owner tgid (init namespace) -> live ctx, for ConnectAttach by pid. */
static DEFINE_XARRAY(qchan_ctx_table);

static void qchan_ctx_free(struct kref *ref)
{
	struct qchan_ctx *ctx = container_of(ref, struct qchan_ctx, ref);

	WARN_ON(ctx->nr_rcvids);
	xa_destroy(&ctx->channels);
	xa_destroy(&ctx->side_conns);
	put_pid(ctx->owner);
	atomic_dec(&qchan_stats.ctxs);
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
	ctx = xa_load(&qchan_ctx_table, pid_nr(tgid));
	if (ctx && (ctx->owner != tgid || !kref_get_unless_zero(&ctx->ref)))
		ctx = NULL;
	rcu_read_unlock();
	return ctx;
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
	hash_init(ctx->rcvids);
	xa_init_flags(&ctx->channels, XA_FLAGS_ALLOC1);
	xa_init_flags(&ctx->side_conns, XA_FLAGS_ALLOC);
	mutex_init(&ctx->conn_lock);
	INIT_LIST_HEAD(&ctx->parked);
	ctx->owner = get_pid(task_tgid(current));

	/* One context per process: ConnectAttach by pid must find exactly one. */
	err = xa_insert(&qchan_ctx_table, pid_nr(ctx->owner), ctx, GFP_KERNEL);
	if (err)
		goto err_put_owner;

	atomic_inc(&qchan_stats.ctxs);
	file->private_data = ctx;
	return 0;

err_put_owner:
	put_pid(ctx->owner);
	kfree(ctx);
	return err;
}

/*
 * The owner's channels die with the owner's use of the file: exit, exec
 * (O_CLOEXEC) or close.  Idempotent; other holders of the file (a forked
 * child before it closes its copy) cannot reach the ctx at all.
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

	xa_cmpxchg(&qchan_ctx_table, pid_nr(ctx->owner), ctx, NULL, GFP_KERNEL);
	qchan_ctx_drop_parked(ctx);
	qchan_ctx_shutdown_conns(ctx);
	qchan_ctx_shutdown_channels(ctx);
}

static int qchan_flush(struct file *file, fl_owner_t id)
{
	struct qchan_ctx *ctx = file->private_data;

	if (task_tgid(current) == ctx->owner)
		qchan_ctx_shutdown(ctx);
	return 0;
}

static int qchan_release(struct inode *inode, struct file *file)
{
	struct qchan_ctx *ctx = file->private_data;

	qchan_ctx_shutdown(ctx);
	qchan_ctx_put(ctx);
	return 0;
}

static int qchan_get_features(struct qchan_features __user *uarg)
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
		     QCHAN_FEAT_KMSG | QCHAN_FEAT_PULSE;
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

	/* The send path first: it is the one that must be cheap. */
	switch (cmd) {
	case QCHAN_IOC_MSG_SEND:
		return qchan_msg_send(ctx, uarg);
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
};

static struct miscdevice qchan_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "qchan",
	.fops = &qchan_fops,
	.mode = 0666,
};

static int qchan_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "contexts %d\n", atomic_read(&qchan_stats.ctxs));
	seq_printf(m, "channels %d\n", atomic_read(&qchan_stats.channels));
	seq_printf(m, "connections %d\n", atomic_read(&qchan_stats.connections));
	seq_printf(m, "msgs_in_flight %d\n", atomic_read(&qchan_stats.msgs_in_flight));
	seq_printf(m, "pulses %d\n", atomic_read(&qchan_stats.pulses));
	seq_printf(m, "pinned_pages %ld\n", atomic_long_read(&qchan_stats.pinned_pages));
	seq_printf(m, "msgs_total %ld\n", atomic_long_read(&qchan_stats.msgs_total));
	seq_printf(m, "bytes_inline %ld\n", atomic_long_read(&qchan_stats.bytes_inline));
	seq_printf(m, "bytes_direct %ld\n", atomic_long_read(&qchan_stats.bytes_direct));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(qchan_stats);

static int __init qchan_init(void)
{
	int err;

	qchan_debugfs_dir = debugfs_create_dir("qchan", NULL);
	debugfs_create_file("stats", 0444, qchan_debugfs_dir, NULL, &qchan_stats_fops);

	err = qchan_pulse_init();
	if (err)
		goto err_remove_debugfs;
	err = qchan_kmsg_init();
	if (err)
		goto err_pulse_exit;
	err = qchan_kmsg_test_init();
	if (err)
		goto err_kmsg_exit;
	err = misc_register(&qchan_misc);
	if (err)
		goto err_kmsg_test_exit;
	return 0;

err_kmsg_test_exit:
	qchan_kmsg_test_exit();
err_kmsg_exit:
	qchan_kmsg_exit();
err_pulse_exit:
	qchan_pulse_exit();
err_remove_debugfs:
	debugfs_remove_recursive(qchan_debugfs_dir);
	return err;
}

static void __exit qchan_exit(void)
{
	misc_deregister(&qchan_misc);
	qchan_kmsg_test_exit();
	qchan_kmsg_exit();
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
