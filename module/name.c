// SPDX-License-Identifier: GPL-2.0
/*
 * The name service: QNX's name_attach / name_open, in the kernel.
 *
 * A name binds a string to one channel of the process that attached it, in
 * that process's IPC namespace, and lives exactly as long as both: detach,
 * the channel's destruction and the end of the ctx (its owner's close, exec
 * or death, kill -9 included) all take it away, because every one of them
 * unpublishes the channel first (qchan_names_channel_gone()).  Nothing is
 * left behind in a file system, so a crash leaves no stale name.
 *
 * Namespaces.  6.1 exports no put_ipc_ns(), so a name cannot hold a
 * reference on its namespace: it records the namespace's address as an
 * identity only, never dereferenced, and a lookup also requires that some
 * live thread of the owner is in the caller's namespace right now.  The
 * caller's namespace is alive (the caller is in it) and so is any namespace
 * a live thread is in, so a recorded address reused by a later namespace
 * can never make a name visible there; a process that moved to another IPC
 * namespace (unshare, setns) hides its names until it comes back.
 *
 * Locking: qchan_names_lock (mutex) covers the global hash, every ctx's
 * names list and nr_names.  It nests inside a ctx's conn_lock (attach checks
 * that the channel is still published; unpublishing a channel drops its
 * names) and takes task_lock() inside; it is never held across a user copy.
 */
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>

#include "qchan.h"

struct qchan_name {
	struct hlist_node hnode;	/* qchan_names */
	struct list_head ctx_node;	/* chan->ctx->names */
	struct qchan_channel *chan;	/* referenced */
	const void *ns;			/* the IPC namespace: identity only, never dereferenced */
	u32 hash;
	u32 flags;			/* QCHAN_NAME_* */
	unsigned int len;
	char name[QCHAN_NAME_MAX + 1];
};

#define QCHAN_NAME_HASH_BITS	8
static DEFINE_HASHTABLE(qchan_names, QCHAN_NAME_HASH_BITS);
static DEFINE_MUTEX(qchan_names_lock);

/* One listing copies at most this many entries (~17 MiB, charged to the caller). */
#define QCHAN_NAME_LIST_MAX	65536

static const void *qchan_current_ipc_ns(void)
{
	return current->nsproxy->ipc_ns;
}

/* True while some live thread of @owner is in the IPC namespace @ns. */
static bool qchan_owner_in_ns(struct pid *owner, const void *ns)
{
	struct task_struct *leader, *t;
	bool in = false;

	rcu_read_lock();
	leader = pid_task(owner, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			/* task_lock() keeps t->nsproxy, as the kernel's own readers do. */
			task_lock(t);
			in = t->nsproxy && (const void *)t->nsproxy->ipc_ns == ns;
			task_unlock(t);
			if (in)
				break;
		}
	}
	rcu_read_unlock();
	return in;
}

/*
 * Copies a name from user space into a new struct qchan_name: -EINVAL for
 * the empty name, '/' and "." or "..", -ENAMETOOLONG past QCHAN_NAME_MAX.
 */
static struct qchan_name *qchan_name_import(u64 uptr)
{
	struct qchan_name *n;
	long len;
	int err;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return ERR_PTR(-ENOMEM);
	len = strncpy_from_user(n->name, u64_to_user_ptr(uptr), sizeof(n->name));
	if (len < 0) {
		err = (int)len;
		goto err_free;
	}
	err = -ENAMETOOLONG;
	if (len > QCHAN_NAME_MAX)
		goto err_free;
	err = -EINVAL;
	if (!len || strchr(n->name, '/') || !strcmp(n->name, ".") || !strcmp(n->name, ".."))
		goto err_free;
	n->len = len;
	n->ns = qchan_current_ipc_ns();
	n->hash = full_name_hash(n->ns, n->name, n->len);
	INIT_LIST_HEAD(&n->ctx_node);
	return n;

err_free:
	kfree(n);
	return ERR_PTR(err);
}

/* Called with qchan_names_lock held: the visible name equal to @key, or NULL. */
static struct qchan_name *qchan_name_find(const struct qchan_name *key)
{
	struct qchan_name *n;

	hash_for_each_possible(qchan_names, n, hnode, key->hash) {
		if (n->ns == key->ns && n->len == key->len && !memcmp(n->name, key->name, n->len) &&
		    qchan_owner_in_ns(n->chan->ctx->owner, key->ns))
			return n;
	}
	return NULL;
}

/* Called with qchan_names_lock held: out of the tables; the caller frees it. */
static void qchan_name_unlink(struct qchan_name *n)
{
	hash_del(&n->hnode);
	list_del_init(&n->ctx_node);
	n->chan->ctx->nr_names--;
}

static void qchan_name_free(struct qchan_name *n)
{
	qchan_channel_put(n->chan);
	atomic_dec(&qchan_stats.names);
	kfree(n);
}

int qchan_name_attach(struct qchan_ctx *ctx, struct qchan_name_attach __user *uarg)
{
	struct qchan_name_attach a;
	struct qchan_channel *chan;
	struct qchan_name *n;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_NAME_GLOBAL) || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	n = qchan_name_import(a.name_ptr);
	if (IS_ERR(n))
		return PTR_ERR(n);
	n->flags = a.flags;

	/* Under conn_lock the channel cannot be unpublished, so its names cannot be missed. */
	mutex_lock(&ctx->conn_lock);
	chan = a.chid > 0 && !ctx->dead ? xa_load(&ctx->channels, a.chid) : NULL;
	err = -EINVAL;
	if (!chan)
		goto err_unlock;
	mutex_lock(&qchan_names_lock);
	err = -EAGAIN;
	if (ctx->nr_names >= READ_ONCE(qchan_max_names))
		goto err_unlock_names;
	err = -EEXIST;
	if (qchan_name_find(n))
		goto err_unlock_names;
	kref_get(&chan->ref);
	n->chan = chan;
	hash_add(qchan_names, &n->hnode, n->hash);
	list_add_tail(&n->ctx_node, &ctx->names);
	ctx->nr_names++;
	atomic_inc(&qchan_stats.names);
	mutex_unlock(&qchan_names_lock);
	mutex_unlock(&ctx->conn_lock);
	return 0;

err_unlock_names:
	mutex_unlock(&qchan_names_lock);
err_unlock:
	mutex_unlock(&ctx->conn_lock);
	kfree(n);
	return err;
}

int qchan_name_detach(struct qchan_ctx *ctx, struct qchan_name_detach __user *uarg)
{
	struct qchan_name_detach a;
	struct qchan_name *key, *n, *found = NULL;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	key = qchan_name_import(a.name_ptr);
	if (IS_ERR(key))
		return PTR_ERR(key);

	mutex_lock(&qchan_names_lock);
	list_for_each_entry(n, &ctx->names, ctx_node) {
		if (n->ns == key->ns && n->len == key->len && !memcmp(n->name, key->name, n->len)) {
			qchan_name_unlink(n);
			found = n;
			break;
		}
	}
	mutex_unlock(&qchan_names_lock);
	kfree(key);
	if (!found)
		return -ENOENT;
	qchan_name_free(found);
	return 0;
}

int qchan_name_open(struct qchan_ctx *ctx, struct qchan_name_open __user *uarg)
{
	struct qchan_name_open a;
	struct qchan_channel *chan = NULL;
	struct qchan_name *key, *n;
	struct qchan_ctx *server;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_NAME_GLOBAL) ||
	    (a.coflags & ~(QCHAN_COF_CLOEXEC | QCHAN_COF_SIDE_CHANNEL)) || a.pad ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	key = qchan_name_import(a.name_ptr);
	if (IS_ERR(key))
		return PTR_ERR(key);

	/* The name's reference keeps the channel while we take ours. */
	mutex_lock(&qchan_names_lock);
	n = qchan_name_find(key);
	if (n) {
		chan = n->chan;
		kref_get(&chan->ref);
	}
	mutex_unlock(&qchan_names_lock);
	kfree(key);
	if (!chan)
		return -ENOENT;

	server = chan->ctx;
	a.pid = READ_ONCE(server->dead) ? 0 : pid_vnr(server->owner);
	a.chid = chan->chid;
	if (put_user(a.pid, &uarg->pid) || put_user(a.chid, &uarg->chid)) {
		err = -EFAULT;
		goto err_put;
	}
	/* A channel destroyed since the lookup: -ESRCH, as for CONNECT_ATTACH. */
	return qchan_connect_chan(ctx, chan, a.coflags, 0, &uarg->coid);

err_put:
	qchan_channel_put(chan);
	return err;
}

int qchan_name_list(struct qchan_ctx *ctx, struct qchan_name_list __user *uarg)
{
	struct qchan_name_entry *entries = NULL;
	struct qchan_name_list a;
	const void *ns = qchan_current_ipc_ns();
	struct qchan_name *n;
	unsigned int room, bkt;
	int err = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	/* Snapshot under the lock, copy out after it: no user copy under a global lock. */
	room = min3(a.capacity, (unsigned int)max(atomic_read(&qchan_stats.names), 0),
		    (unsigned int)QCHAN_NAME_LIST_MAX);
	if (room) {
		entries = kvcalloc(room, sizeof(*entries), GFP_KERNEL_ACCOUNT);
		if (!entries)
			return -ENOMEM;
	}
	a.count = 0;
	a.total = 0;
	mutex_lock(&qchan_names_lock);
	hash_for_each(qchan_names, bkt, n, hnode) {
		struct qchan_name_entry *e;

		if (n->ns != ns || !qchan_owner_in_ns(n->chan->ctx->owner, ns))
			continue;
		a.total++;
		if (a.count >= room)
			continue;
		e = &entries[a.count++];
		e->pid = pid_vnr(n->chan->ctx->owner);
		e->chid = n->chan->chid;
		e->flags = n->flags;
		memcpy(e->name, n->name, n->len + 1);
	}
	mutex_unlock(&qchan_names_lock);

	if (a.count && copy_to_user(u64_to_user_ptr(a.entries_ptr), entries,
				    array_size(a.count, sizeof(*entries))))
		err = -EFAULT;
	else if (copy_to_user(uarg, &a, sizeof(a)))
		err = -EFAULT;
	kvfree(entries);
	return err;
}

/*
 * @chan is being unpublished (conn_lock held, so no attach can race): its
 * names go now.  The caller holds a channel reference, so the names' puts
 * are never the last.
 */
void qchan_names_channel_gone(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_name *n, *tmp;
	LIST_HEAD(gone);

	/* Only attach adds names, under the conn_lock we hold. */
	if (!READ_ONCE(ctx->nr_names))
		return;
	mutex_lock(&qchan_names_lock);
	list_for_each_entry_safe(n, tmp, &ctx->names, ctx_node) {
		if (n->chan == chan) {
			qchan_name_unlink(n);
			list_add(&n->ctx_node, &gone);
		}
	}
	mutex_unlock(&qchan_names_lock);
	list_for_each_entry_safe(n, tmp, &gone, ctx_node)
		qchan_name_free(n);
}

/* /proc/qchan/state (view.c): @ctx's names in the reader's IPC namespace; @pid as it sees it. */
void qchan_names_show(struct seq_file *m, struct qchan_ctx *ctx, pid_t pid)
{
	const void *ns = qchan_current_ipc_ns();
	struct qchan_name *n;

	mutex_lock(&qchan_names_lock);
	list_for_each_entry(n, &ctx->names, ctx_node) {
		if (n->ns != ns)
			continue;
		seq_printf(m, "name pid=%d chid=%d flags=%#x name=", pid, n->chan->chid, n->flags);
		seq_escape(m, n->name, " \t\n\\=");
		seq_putc(m, '\n');
	}
	mutex_unlock(&qchan_names_lock);
}
