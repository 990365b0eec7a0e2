// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: a client's handle on a channel.
 *
 * Plain connections are anon-inode files, so the fd table gives them QNX's
 * fd-space semantics for free (close, dup, inheritance over fork, CLOEXEC).
 * Side-channel connections live in the attaching ctx's table and die with it.
 * Each connection shares its server connection (scoid) with its process's
 * other connections to the channel, and knows the coid it was given for its
 * COIDDEATH notices (notice.c).
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "qchan.h"

/* Runs for every connection, however far its attach got: detach leaves no trace. */
static void qchan_conn_free(struct kref *ref)
{
	struct qchan_conn *conn = container_of(ref, struct qchan_conn, ref);

	qchan_conn_drop_notices(conn);
	qchan_scon_unlink(conn);
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

/*
 * xa_load() of side channel @coid inside the caller's RCU read section:
 * xa_load()'s own nested rcu_read_lock()/unlock() pair is calls on a
 * PREEMPT_RCU kernel (Debian's), on every send by coid.
 */
static __always_inline struct qchan_conn *qchan_side_conn_load_rcu(struct qchan_ctx *ctx, int coid)
{
	XA_STATE(xas, &ctx->side_conns, coid - QCHAN_SIDE_CHANNEL);
	void *entry;

	do {
		entry = xas_load(&xas);
		if (xa_is_zero(entry))
			entry = NULL;
	} while (xas_retry(&xas, entry));
	return entry;
}

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
		conn = qchan_side_conn_load_rcu(ctx, coid);
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

struct qchan_fd_match {
	const struct qchan_conn *conn;
	int fd;		/* the one fd to look at, or -1 for the lowest naming the connection */
};

/* iterate_fd() callback, under the table's lock: 1 / fd + 1 for a match, -1 to stop. */
static int qchan_fd_names_conn(const void *p, struct file *file, unsigned int fd)
{
	const struct qchan_fd_match *m = p;
	bool ours = file->f_op == &qchan_conn_fops && file->private_data == m->conn;

	if (m->fd >= 0)
		return fd == m->fd && ours ? 1 : -1;
	return ours ? fd + 1 : 0;
}

/*
 * The coid a COIDDEATH notice of @conn names: @coid, as it was installed,
 * while the attaching process still has the connection there; else the
 * lowest fd of the process's (main thread's) table that refers to it,
 * since libchan moves an fd to honour ConnectAttach's index and a program
 * may dup2() it; else @coid.  Sleeps; a side-channel coid never moves.
 */
int qchan_conn_coid_now(struct qchan_conn *conn, int coid)
{
	struct qchan_fd_match m = { .conn = conn, .fd = coid };
	struct task_struct *task;
	int found = 0;

	if (coid >= QCHAN_SIDE_CHANNEL)
		return coid;
	rcu_read_lock();
	task = pid_task(conn->acct->owner, PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return coid;
	/* task_lock() keeps task->files, as get_files_struct() does. */
	task_lock(task);
	if (task->files && iterate_fd(task->files, coid, qchan_fd_names_conn, &m) != 1) {
		m.fd = -1;
		found = iterate_fd(task->files, 0, qchan_fd_names_conn, &m);
	}
	task_unlock(task);
	put_task_struct(task);
	return found > 0 ? found - 1 : coid;
}

struct qchan_fd_get {
	unsigned int fd;
	struct qchan_conn *conn;
};

/* iterate_fd() callback, under the table's lock: the connection at fd m->fd, referenced. */
static int qchan_fd_get_conn(const void *p, struct file *file, unsigned int fd)
{
	struct qchan_fd_get *m = (struct qchan_fd_get *)p;

	if (fd != m->fd || file->f_op != &qchan_conn_fops)
		return -1;
	m->conn = file->private_data;
	kref_get(&m->conn->ref);
	return 1;
}

/*
 * The connection @coid of the process @tgid (a SIGEV_PULSE event names one
 * of its client's coids), referenced; -ESRCH if it has none there.  An fd
 * coid is looked up in the main thread's table, as qchan_conn_coid_now() does.
 */
struct qchan_conn *qchan_conn_get_remote(struct pid *tgid, int coid)
{
	struct qchan_fd_get m = { .fd = coid };
	struct qchan_conn *conn;
	struct task_struct *task;
	struct qchan_ctx *ctx;

	if (coid >= QCHAN_SIDE_CHANNEL) {
		ctx = qchan_ctx_lookup_pid(tgid);
		if (!ctx)
			return ERR_PTR(-ESRCH);
		rcu_read_lock();
		conn = xa_load(&ctx->side_conns, coid - QCHAN_SIDE_CHANNEL);
		if (conn && !kref_get_unless_zero(&conn->ref))
			conn = NULL;
		rcu_read_unlock();
		qchan_ctx_put(ctx);
		return conn ?: ERR_PTR(-ESRCH);
	}
	if (coid < 0)
		return ERR_PTR(-ESRCH);
	rcu_read_lock();
	task = pid_task(tgid, PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return ERR_PTR(-ESRCH);
	task_lock(task);
	if (task->files)
		iterate_fd(task->files, coid, qchan_fd_get_conn, &m);
	task_unlock(task);
	put_task_struct(task);
	return m.conn ?: ERR_PTR(-ESRCH);
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
	/* Id 0 (QCHAN_SIDE_CHANNEL itself) stays free: QNX's SYSMGR_COID. */
	u32 min = index > QCHAN_SIDE_CHANNEL ? index - QCHAN_SIDE_CHANNEL : 1;
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

	qchan_conn_named(conn, QCHAN_SIDE_CHANNEL + id);
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
	qchan_conn_named(conn, fd);
	if (put_user(fd, ucoid)) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;
}

/*
 * Connects the caller to @chan (whose reference it consumes) and installs the
 * connection as CONNECT_ATTACH does, writing the coid to @ucoid.
 */
int qchan_connect_chan(struct qchan_ctx *ctx, struct qchan_channel *chan, u32 flags, int index,
		       int __user *ucoid)
{
	struct qchan_conn *conn;
	int err;

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
	INIT_LIST_HEAD(&conn->scon_node);
	INIT_LIST_HEAD(&conn->acct_node);
	INIT_LIST_HEAD(&conn->notices);
	conn->flags = flags;
	conn->coid = -1;
	atomic_inc(&qchan_stats.connections);

	/* Notices first: the channel's death can find the connection once it is linked. */
	err = qchan_conn_reserve_notices(conn) ?: qchan_scon_link(conn);
	if (!err && (flags & QCHAN_COF_SIDE_CHANNEL))
		err = qchan_conn_install_side(ctx, conn, index, ucoid);
	else if (!err)
		err = qchan_conn_install_fd(conn, ucoid);
	/* Success: the table or the file holds its own reference; drop the creation one. */
	qchan_conn_put(conn);
	return err;

err_put_chan:
	qchan_channel_put(chan);
	return err;
}

int qchan_connect_attach(struct qchan_ctx *ctx, struct qchan_connect_attach __user *uarg)
{
	struct qchan_connect_attach a;
	struct qchan_channel *chan;

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
	return qchan_connect_chan(ctx, chan, a.flags, a.index, &uarg->coid);
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

	/* A scoid's id is only reserved here: xa_load() skips it, xa_erase() would free it. */
	mutex_lock(&ctx->conn_lock);
	conn = xa_load(&ctx->side_conns, a.coid - QCHAN_SIDE_CHANNEL);
	if (conn)
		xa_erase(&ctx->side_conns, a.coid - QCHAN_SIDE_CHANNEL);
	mutex_unlock(&ctx->conn_lock);
	if (!conn)
		return qchan_scon_detach(ctx, a.coid);
	/* Sends already under way hold their own reference and finish normally. */
	qchan_conn_put(conn);
	return 0;
}

/*
 * The caller's name for @server's process, or 0: a reaped owner's struct pid
 * keeps its numbers, which may already name another process, so only a live
 * ctx of a process not yet reaped has one.
 */
static pid_t qchan_server_pid(struct qchan_ctx *server)
{
	if (READ_ONCE(server->dead) || !pid_has_task(server->owner, PIDTYPE_TGID))
		return 0;
	return pid_vnr(server->owner);
}

int qchan_connect_query(struct qchan_ctx *ctx, struct qchan_connect_query __user *uarg)
{
	struct qchan_connect_query a;
	struct qchan_conn *conn;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	a.pid = qchan_server_pid(conn->chan->ctx);
	a.chid = conn->chan->chid;
	a.coflags = conn->flags;
	qchan_conn_put(conn);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* iterate_fd() callback: fd + 1 for the first connection fd. */
static int qchan_fd_is_conn(const void *unused, struct file *file, unsigned int fd)
{
	return file->f_op == &qchan_conn_fops ? fd + 1 : 0;
}

/* The caller's connection with the lowest coid >= *@coid, referenced, or NULL. */
static struct qchan_conn *qchan_conn_next(struct qchan_ctx *ctx, int *coid)
{
	struct qchan_conn *conn = NULL;
	unsigned long id;
	int found;

	while (*coid < QCHAN_SIDE_CHANNEL) {
		found = iterate_fd(current->files, *coid, qchan_fd_is_conn, NULL);
		if (found <= 0)
			break;
		*coid = found - 1;
		conn = qchan_conn_get(ctx, *coid);
		if (!IS_ERR(conn))
			return conn;
		(*coid)++;	/* closed meanwhile: look further */
	}

	/* xa_find() skips the ids reserved for scoids: those are no connections. */
	id = *coid > QCHAN_SIDE_CHANNEL ? *coid - QCHAN_SIDE_CHANNEL : 0;
	rcu_read_lock();
	for (;;) {
		conn = xa_find(&ctx->side_conns, &id, INT_MAX - QCHAN_SIDE_CHANNEL, XA_PRESENT);
		if (!conn || kref_get_unless_zero(&conn->ref))
			break;
		id++;
	}
	rcu_read_unlock();
	if (conn)
		*coid = QCHAN_SIDE_CHANNEL + id;
	return conn;
}

int qchan_server_info(struct qchan_ctx *ctx, struct qchan_server_info __user *uarg)
{
	struct qchan_server_info a;
	struct qchan_conn *conn;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || memchr_inv(a.reserved, 0, sizeof(a.reserved)) || a.coid < 0)
		return -EINVAL;
	conn = qchan_conn_next(ctx, &a.coid);
	if (!conn)
		return -EINVAL;
	a.pid = qchan_server_pid(conn->chan->ctx);
	a.chid = conn->chan->chid;
	a.scoid = conn->scoid;
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
