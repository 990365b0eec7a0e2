// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: a client's handle on a channel.
 *
 * Plain connections are anon-inode files, so the fd table gives them QNX's
 * fd-space semantics for free (close, dup, inheritance over fork, CLOEXEC).
 * Side-channel connections live in the attaching ctx's table and die with it.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "qchan.h"

static void qchan_conn_free(struct kref *ref)
{
	struct qchan_conn *conn = container_of(ref, struct qchan_conn, ref);

	qchan_channel_put(conn->chan);
	atomic_dec(&conn->acct->nr_conns);
	qchan_ctx_put(conn->acct);
	atomic_dec(&qchan_stats.connections);
	kfree_rcu(conn, rcu);
}

void qchan_conn_put(struct qchan_conn *conn)
{
	kref_put(&conn->ref, qchan_conn_free);
}

static int qchan_conn_release(struct inode *inode, struct file *file)
{
	qchan_conn_put(file->private_data);
	return 0;
}

/* Connection fds carry no operations of their own: every call goes through the ctx fd. */
static const struct file_operations qchan_conn_fops = {
	.owner = THIS_MODULE,
	.release = qchan_conn_release,
};

/* Returns a referenced connection named by @coid in the caller's spaces, or an ERR_PTR. */
struct qchan_conn *qchan_conn_get(struct qchan_ctx *ctx, int coid)
{
	struct qchan_conn *conn;
	struct file *file;

	if (coid >= QCHAN_SIDE_CHANNEL) {
		/* Side channels are the owner's alone, even through an inherited ctx fd. */
		if (task_tgid(current) != ctx->owner)
			return ERR_PTR(-EBADF);
		rcu_read_lock();
		conn = xa_load(&ctx->side_conns, coid - QCHAN_SIDE_CHANNEL);
		if (conn && !kref_get_unless_zero(&conn->ref))
			conn = NULL;
		rcu_read_unlock();
		return conn ?: ERR_PTR(-EBADF);
	}
	if (coid < 0)
		return ERR_PTR(-EBADF);

	file = fget(coid);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &qchan_conn_fops) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	conn = file->private_data;
	kref_get(&conn->ref);
	fput(file);
	return conn;
}

/* Same euid or CAP_SYS_ADMIN, unless the channel opted out (PRIVATE) or in (PUBLIC). */
static int qchan_connect_permitted(struct qchan_ctx *ctx, struct qchan_channel *chan)
{
	if (chan->ctx == ctx)
		return 0;
	if (chan->flags & QCHAN_CHF_PRIVATE)
		return -EPERM;
	if (chan->flags & QCHAN_CHF_PUBLIC)
		return 0;
	if (uid_eq(current_euid(), chan->euid) || capable(CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

static struct qchan_channel *qchan_connect_find(struct qchan_ctx *ctx, pid_t pid, int chid)
{
	struct qchan_channel *chan;
	struct qchan_ctx *target;
	struct pid *tgid;

	if (pid < 0)
		return ERR_PTR(-ESRCH);
	if (!pid)
		return qchan_channel_get(ctx, chid) ?: ERR_PTR(-ESRCH);

	/* Interpreted in the caller's pid namespace. */
	tgid = find_get_pid(pid);
	if (!tgid)
		return ERR_PTR(-ESRCH);
	target = qchan_ctx_lookup_pid(tgid);
	put_pid(tgid);
	if (!target)
		return ERR_PTR(-ESRCH);
	chan = qchan_channel_get(target, chid);
	qchan_ctx_put(target);
	return chan ?: ERR_PTR(-ESRCH);
}

static int qchan_conn_install_side(struct qchan_ctx *ctx, struct qchan_conn *conn, int index,
				   int __user *ucoid)
{
	u32 min = index > QCHAN_SIDE_CHANNEL ? index - QCHAN_SIDE_CHANNEL : 0;
	u32 id;
	int err;

	kref_get(&conn->ref);	/* the table's, taken before a detach could drop it */
	mutex_lock(&ctx->conn_lock);
	err = ctx->dead ? -EBADFD :
	      xa_alloc(&ctx->side_conns, &id, conn, XA_LIMIT(min, INT_MAX - QCHAN_SIDE_CHANNEL),
		       GFP_KERNEL);
	mutex_unlock(&ctx->conn_lock);
	if (err) {
		qchan_conn_put(conn);
		return err == -EBUSY ? -EAGAIN : err;
	}

	if (put_user(QCHAN_SIDE_CHANNEL + id, ucoid)) {
		mutex_lock(&ctx->conn_lock);
		if (xa_cmpxchg(&ctx->side_conns, id, conn, NULL, 0) == conn)
			qchan_conn_put(conn);
		mutex_unlock(&ctx->conn_lock);
		return -EFAULT;
	}
	return 0;
}

static int qchan_conn_install_fd(struct qchan_conn *conn, int __user *ucoid)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_RDWR | ((conn->flags & QCHAN_COF_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	file = anon_inode_getfile("[qchan-conn]", &qchan_conn_fops, conn, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* From here the file owns a reference. */
	kref_get(&conn->ref);
	if (put_user(fd, ucoid)) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

int qchan_connect_attach(struct qchan_ctx *ctx, struct qchan_connect_attach __user *uarg)
{
	struct qchan_connect_attach a;
	struct qchan_channel *chan;
	struct qchan_conn *conn;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (memchr_inv(a.reserved, 0, sizeof(a.reserved)) ||
	    (a.flags & ~(QCHAN_COF_CLOEXEC | QCHAN_COF_SIDE_CHANNEL)) || a.index < 0 ||
	    (a.index && !(a.flags & QCHAN_COF_SIDE_CHANNEL)))
		return -EINVAL;
	if (a.nd)
		return -EOPNOTSUPP;	/* other nodes: on the roadmap */

	chan = qchan_connect_find(ctx, a.pid, a.chid);
	if (IS_ERR(chan))
		return PTR_ERR(chan);
	err = qchan_connect_permitted(ctx, chan);
	if (err)
		goto err_put_chan;

	if (atomic_inc_return(&ctx->nr_conns) > READ_ONCE(qchan_max_connections)) {
		atomic_dec(&ctx->nr_conns);
		err = -EAGAIN;
		goto err_put_chan;
	}
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn) {
		atomic_dec(&ctx->nr_conns);
		err = -ENOMEM;
		goto err_put_chan;
	}
	kref_init(&conn->ref);
	conn->chan = chan;
	kref_get(&ctx->ref);
	conn->acct = ctx;
	conn->flags = a.flags;
	conn->scoid = atomic_inc_return(&chan->next_scoid);
	atomic_inc(&qchan_stats.connections);

	if (a.flags & QCHAN_COF_SIDE_CHANNEL)
		err = qchan_conn_install_side(ctx, conn, a.index, &uarg->coid);
	else
		err = qchan_conn_install_fd(conn, &uarg->coid);
	/* Success: the table or the file holds its own reference; drop the creation one. */
	qchan_conn_put(conn);
	return err;

err_put_chan:
	qchan_channel_put(chan);
	return err;
}

int qchan_connect_detach(struct qchan_ctx *ctx, struct qchan_connect_detach __user *uarg)
{
	struct qchan_connect_detach a;
	struct qchan_conn *conn = NULL;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved)
		return -EINVAL;
	if (a.coid < QCHAN_SIDE_CHANNEL)
		return -EINVAL;	/* fd connections are closed with close() */

	mutex_lock(&ctx->conn_lock);
	conn = xa_erase(&ctx->side_conns, a.coid - QCHAN_SIDE_CHANNEL);
	mutex_unlock(&ctx->conn_lock);
	if (!conn)
		return -EINVAL;
	/* Sends already under way hold their own reference and finish normally. */
	qchan_conn_put(conn);
	return 0;
}

int qchan_connect_query(struct qchan_ctx *ctx, struct qchan_connect_query __user *uarg)
{
	struct qchan_connect_query a;
	struct qchan_conn *conn;
	struct qchan_ctx *server;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	server = conn->chan->ctx;
	/*
	 * A reaped owner's struct pid keeps its numbers, which may already name
	 * another process: only a live ctx of a process not yet reaped has one.
	 */
	if (READ_ONCE(server->dead) || !pid_has_task(server->owner, PIDTYPE_TGID))
		a.pid = 0;
	else
		a.pid = pid_vnr(server->owner);
	a.chid = conn->chan->chid;
	a.coflags = conn->flags;
	qchan_conn_put(conn);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

void qchan_ctx_shutdown_conns(struct qchan_ctx *ctx)
{
	struct qchan_conn *conn;
	unsigned long id;

	mutex_lock(&ctx->conn_lock);
	xa_for_each(&ctx->side_conns, id, conn) {
		xa_erase(&ctx->side_conns, id);
		qchan_conn_put(conn);
	}
	mutex_unlock(&ctx->conn_lock);
}
