// SPDX-License-Identifier: GPL-2.0
/*
 * Events: MsgDeliverEvent, MsgVerifyEvent and secure (registered) events.
 *
 * A server delivers an event to the client a rcvid names.  The rcvid
 * encodes the server connection it came through (msg.c, qchan_msg_bind()):
 * its top 15 bits are the scoid's index in the server's table, so it stays
 * resolvable to the client process after the reply, for as long as the
 * client has a connection to the channel, as QNX requires.  Nothing is kept
 * per rcvid; a server connection remembers only its latest message's sender
 * thread (SIGEV_SIGNAL_THREAD after the reply).
 *
 * Delivering to a process that sent us a message needs no other permission
 * (QNX's rule): the client handed the event over with its message, or
 * registered it naming us.
 *
 * Secure events: a client registers an event with the kernel, naming the one
 * server allowed to deliver it (or any), and sends the handle instead of the
 * event.  The registry is the client ctx's, bounded by max_events, freed
 * with the ctx.
 */
#include <linux/cred.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "qchan.h"

static unsigned int qchan_max_events = 1024;
module_param_named(max_events, qchan_max_events, uint, 0644);
MODULE_PARM_DESC(max_events, "Secure events one process may have registered (more: EAGAIN)");

#define QCHAN_SIGEV_FLAGS_KNOWN							\
	(QCHAN_SIGEV_FLAG_CRITICAL | QCHAN_SIGEV_FLAG_OVERDRIVE |		\
	 QCHAN_SIGEV_FLAG_UPDATEABLE | QCHAN_SIGEV_FLAG_SIVAL_INT |		\
	 QCHAN_SIGEV_FLAG_NOQUEUE | QCHAN_SIGEV_FLAG_HANDLE |			\
	 QCHAN_SIGEV_FLAG_CODE_UPDATEABLE)

struct qchan_event_reg {
	struct qchan_sigevent ev;
	struct pid *server;		/* the one allowed to deliver it; NULL: any */
};

/* The client a rcvid names, taken under the server's lock. */
struct qchan_event_target {
	struct pid *client;		/* referenced */
	pid_t tid;			/* the sending thread (init ns), 0 if unknown */
};

/* si_code of a signal event: what rt_sigqueueinfo() lets a process send to another. */
static bool qchan_event_code_ok(int code)
{
	return code >= -128 && code < 0 && code != SI_TKILL;
}

/* The form of @ev alone; a handle event is checked against its registration later. */
static int qchan_event_check(const struct qchan_sigevent *ev)
{
	if ((ev->notify & ~(QCHAN_SIGEV_TYPE_MASK | QCHAN_SIGEV_FLAGS_KNOWN)) || ev->pad ||
	    memchr_inv(ev->reserved, 0, sizeof(ev->reserved)))
		return -EINVAL;
	if (ev->notify & QCHAN_SIGEV_FLAG_HANDLE)
		return ev->handle ? 0 : -EINVAL;

	switch (ev->notify & QCHAN_SIGEV_TYPE_MASK) {
	case QCHAN_SIGEV_NONE:
		return 0;
	case QCHAN_SIGEV_SIGNAL:
		return valid_signal(ev->signo) && ev->signo ? 0 : -EINVAL;
	case QCHAN_SIGEV_SIGNAL_CODE:
	case QCHAN_SIGEV_SIGNAL_THREAD:
		return valid_signal(ev->signo) && ev->signo && qchan_event_code_ok(ev->code) ?
		       0 : -EINVAL;
	case QCHAN_SIGEV_PULSE:
		if (ev->code < QCHAN_PULSE_CODE_MIN || ev->code > QCHAN_PULSE_CODE_MAX ||
		    ev->priority < QCHAN_SIGEV_PULSE_PRIO_INHERIT || ev->priority > QCHAN_PRIO_MAX)
			return -EINVAL;
		return 0;
	default:	/* SIGEV_THREAD, _UNBLOCK, _INTR: nothing a server can deliver */
		return -EINVAL;
	}
}

/*
 * The client of @rcvid: ESRCH when the server connection is gone, EBADF when
 * the client has no connection left (the scoid waits for its detach).
 */
static int qchan_event_target_get(struct qchan_ctx *ctx, int rcvid, struct qchan_event_target *t)
{
	struct qchan_scon *scon;
	int err = 0;

	if (rcvid <= 0)
		return -ESRCH;
	ctx_lock(ctx);
	scon = xa_load(&ctx->scons, (u32)rcvid >> QCHAN_RCVID_SEQ_BITS);
	if (!scon || !scon->published) {
		err = -ESRCH;
	} else if (list_empty(&scon->conns)) {
		err = -EBADF;
	} else {
		t->client = get_pid(scon->client);
		t->tid = qchan_rcvid_sender(ctx, rcvid);
		if (!t->tid && scon->last_rcvid == rcvid)
			t->tid = scon->last_tid;
	}
	ctx_unlock(ctx);
	return err;
}

/*
 * The thread of @client a process-directed signal @sig would go to: one not
 * blocking it (a thread in sigwaitinfo() has it unblocked), else the leader.
 * No exported call sends a siginfo to a whole thread group, so the module
 * picks as complete_signal() would.  Called under RCU.
 */
static struct task_struct *qchan_event_pick_thread(struct pid *client, int sig)
{
	struct task_struct *leader = pid_task(client, PIDTYPE_TGID), *t;

	if (!leader)
		return NULL;
	for_each_thread(leader, t)
		if (!(t->flags & PF_EXITING) && !sigismember(&t->blocked, sig))
			return t;
	return leader;
}

static int qchan_event_signal(const struct qchan_event_target *target,
			      const struct qchan_sigevent *ev, bool dry_run)
{
	unsigned int kind = ev->notify & QCHAN_SIGEV_TYPE_MASK;
	struct kernel_siginfo info;
	struct task_struct *task = NULL;
	int err;

	rcu_read_lock();
	if (kind == QCHAN_SIGEV_SIGNAL_THREAD) {
		if (target->tid)
			task = pid_task(find_pid_ns(target->tid, &init_pid_ns), PIDTYPE_PID);
		if (task && task_tgid(task) != target->client)
			task = NULL;	/* the sender is gone and its number reused */
	} else {
		task = qchan_event_pick_thread(target->client, ev->signo);
	}
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;
	if (dry_run) {
		put_task_struct(task);
		return 0;
	}

	clear_siginfo(&info);
	info.si_signo = ev->signo;
	/* SIGEV_SIGNAL carries a value: SI_QUEUE is the code that has one. */
	info.si_code = kind == QCHAN_SIGEV_SIGNAL ? SI_QUEUE : ev->code;
	rcu_read_lock();
	info.si_pid = task_tgid_nr_ns(current, task_active_pid_ns(task));
	info.si_uid = from_kuid_munged(task_cred_xxx(task, user_ns), current_uid());
	rcu_read_unlock();
	info.si_ptr = (void __user *)(unsigned long)ev->value;
	err = send_sig_info(ev->signo, &info, task);
	put_task_struct(task);
	return err;
}

static int qchan_event_pulse(const struct qchan_event_target *target,
			     const struct qchan_sigevent *ev, bool dry_run)
{
	struct qchan_conn *conn;
	int prio, err = 0;

	conn = qchan_conn_get_remote(target->client, ev->signo);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	prio = ev->priority == QCHAN_SIGEV_PULSE_PRIO_INHERIT ? qchan_current_priority() :
								ev->priority;
	/* QNX's EBADF: the connection is there, its channel is not (rechecked by the post). */
	if (READ_ONCE(conn->chan->dead))
		err = -EBADF;
	else if (!dry_run)
		err = qchan_pulse_send_conn(conn, prio, ev->code, ev->value);
	qchan_conn_put(conn);
	return err == -ESRCH ? -EBADF : err;
}

/*
 * Replaces the handle event *@ev by the event its client registered, if the
 * caller's process may deliver it (EACCES otherwise).  An UPDATEABLE event
 * takes the server's value, a CODE_UPDATEABLE one its code.
 */
static int qchan_event_resolve(struct pid *client, struct qchan_sigevent *ev)
{
	struct qchan_event_reg *reg;
	struct qchan_sigevent out;
	struct qchan_ctx *cctx;
	int err = 0;

	cctx = qchan_ctx_lookup_pid(client);
	if (!cctx)
		return -ESRCH;
	xa_lock(&cctx->events);
	reg = xa_load(&cctx->events, ev->handle);
	if (!reg)
		err = -EINVAL;
	else if (reg->server && reg->server != task_tgid(current))
		err = -EACCES;
	else
		out = reg->ev;
	xa_unlock(&cctx->events);
	qchan_ctx_put(cctx);
	if (err)
		return err;

	if (out.notify & QCHAN_SIGEV_FLAG_UPDATEABLE)
		out.value = ev->value;
	if (out.notify & QCHAN_SIGEV_FLAG_CODE_UPDATEABLE) {
		out.code = ev->code;
		err = qchan_event_check(&out);
		if (err)
			return err;
	}
	*ev = out;
	return 0;
}

static int qchan_event_deliver(struct qchan_ctx *ctx, int rcvid, struct qchan_sigevent *ev,
			       bool dry_run)
{
	struct qchan_event_target target;
	int err;

	err = qchan_event_check(ev);
	if (err || (dry_run && !rcvid))
		return err;
	err = qchan_event_target_get(ctx, rcvid, &target);
	if (err)
		return err;
	if (ev->notify & QCHAN_SIGEV_FLAG_HANDLE)
		err = qchan_event_resolve(target.client, ev);
	if (err)
		goto out;

	switch (ev->notify & QCHAN_SIGEV_TYPE_MASK) {
	case QCHAN_SIGEV_NONE:
		break;
	case QCHAN_SIGEV_PULSE:
		err = qchan_event_pulse(&target, ev, dry_run);
		break;
	default:
		err = qchan_event_signal(&target, ev, dry_run);
		break;
	}
out:
	put_pid(target.client);
	return err;
}

static int qchan_event_ioctl(struct qchan_ctx *ctx, struct qchan_msg_deliver_event __user *uarg,
			     bool dry_run)
{
	struct qchan_msg_deliver_event a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	return qchan_event_deliver(ctx, a.rcvid, &a.event, dry_run);
}

int qchan_msg_deliver_event(struct qchan_ctx *ctx, struct qchan_msg_deliver_event __user *uarg)
{
	return qchan_event_ioctl(ctx, uarg, false);
}

int qchan_msg_verify_event(struct qchan_ctx *ctx, struct qchan_msg_deliver_event __user *uarg)
{
	return qchan_event_ioctl(ctx, uarg, true);
}

static void qchan_event_reg_free(struct qchan_event_reg *reg)
{
	put_pid(reg->server);
	kfree(reg);
	atomic_dec(&qchan_stats.events);
}

int qchan_register_event(struct qchan_ctx *ctx, struct qchan_register_event __user *uarg)
{
	struct qchan_register_event a;
	struct qchan_event_reg *reg;
	struct qchan_conn *conn;
	u32 handle;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_REGEVENT_ANY_SERVER) || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if ((a.event.notify & QCHAN_SIGEV_FLAG_HANDLE) || a.event.handle)
		return -EINVAL;
	err = qchan_event_check(&a.event);
	if (err)
		return err;
	if ((a.flags & QCHAN_REGEVENT_ANY_SERVER) && a.coid != -1)
		return -EINVAL;

	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg)
		return -ENOMEM;
	atomic_inc(&qchan_stats.events);
	reg->ev = a.event;
	if (!(a.flags & QCHAN_REGEVENT_ANY_SERVER)) {
		conn = qchan_conn_get(ctx, a.coid);
		if (IS_ERR(conn)) {
			err = PTR_ERR(conn);
			goto err_free;
		}
		reg->server = get_pid(conn->chan->ctx->owner);
		qchan_conn_put(conn);
	}

	if (atomic_inc_return(&ctx->nr_events) > READ_ONCE(qchan_max_events)) {
		err = -EAGAIN;
		goto err_dec;
	}
	err = xa_alloc(&ctx->events, &handle, reg, XA_LIMIT(1, INT_MAX), GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_dec;

	a.event.notify |= QCHAN_SIGEV_FLAG_HANDLE;
	a.event.handle = handle;
	if (copy_to_user(&uarg->event, &a.event, sizeof(a.event))) {
		/* Published already: another thread may have unregistered (and freed) it. */
		if (xa_erase(&ctx->events, handle) == reg) {
			atomic_dec(&ctx->nr_events);
			qchan_event_reg_free(reg);
		}
		return -EFAULT;
	}
	return 0;

err_dec:
	atomic_dec(&ctx->nr_events);
err_free:
	qchan_event_reg_free(reg);
	return err;
}

int qchan_unregister_event(struct qchan_ctx *ctx, struct qchan_register_event __user *uarg)
{
	struct qchan_register_event a;
	struct qchan_event_reg *reg;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.coid || memchr_inv(a.reserved, 0, sizeof(a.reserved)) ||
	    a.event.pad || memchr_inv(a.event.reserved, 0, sizeof(a.event.reserved)))
		return -EINVAL;
	reg = a.event.handle ? xa_erase(&ctx->events, a.event.handle) : NULL;
	if (!reg)
		return -ESRCH;
	atomic_dec(&ctx->nr_events);
	qchan_event_reg_free(reg);
	return 0;
}

/* The end of the ctx (shutdown, and its last reference): its registrations go. */
void qchan_ctx_drop_events(struct qchan_ctx *ctx)
{
	struct qchan_event_reg *reg;
	unsigned long handle;

	xa_for_each(&ctx->events, handle, reg) {
		if (xa_erase(&ctx->events, handle) == reg) {
			atomic_dec(&ctx->nr_events);
			qchan_event_reg_free(reg);
		}
	}
}
